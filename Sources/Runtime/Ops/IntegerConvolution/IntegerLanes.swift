/// Lane helpers for the int8 kernels: 16 int32 lanes per vector, widened from 8- and 16-bit values and
/// narrowed back with element-wise code that LLVM turns into single instructions (`vpmovzxbd`,
/// `vpmovsxwd`, `vpmovsxdq`, `vpmovqd`, ...). The generic `SIMD` conversion initializers go lane by lane
/// through memory; these spell every lane with a constant index instead.
///
/// A product of two int32 lanes whose values fit in 16 bits (widened 8-bit activations times 16-bit
/// weights) becomes `vpmaddwd` (or `vpdpwssd` with the accumulate on AVX-512 VNNI / AVX-VNNI targets).
enum IntegerLanes {
  typealias Vector = SIMD16<Int32>
  typealias Wide = SIMD8<Int64>

  @inline(__always)
  static func widen(_ v: SIMD16<UInt8>) -> Vector {
    Vector(
      Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]),
      Int32(v[7]), Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]),
      Int32(v[13]), Int32(v[14]), Int32(v[15]))
  }

  @inline(__always)
  static func widen(_ v: SIMD16<Int8>) -> Vector {
    Vector(
      Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]),
      Int32(v[7]), Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]),
      Int32(v[13]), Int32(v[14]), Int32(v[15]))
  }

  @inline(__always)
  static func widen(_ v: SIMD16<Int16>) -> Vector {
    Vector(
      Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]),
      Int32(v[7]), Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]),
      Int32(v[13]), Int32(v[14]), Int32(v[15]))
  }

  @inline(__always)
  static func widenLow(_ v: Vector) -> Wide {
    Wide(
      Int64(v[0]), Int64(v[1]), Int64(v[2]), Int64(v[3]), Int64(v[4]), Int64(v[5]), Int64(v[6]),
      Int64(v[7]))
  }

  @inline(__always)
  static func widenHigh(_ v: Vector) -> Wide {
    Wide(
      Int64(v[8]), Int64(v[9]), Int64(v[10]), Int64(v[11]), Int64(v[12]), Int64(v[13]),
      Int64(v[14]), Int64(v[15]))
  }

  @inline(__always)
  static func join(_ a: Wide, _ b: Wide) -> Vector {
    Vector(
      Int32(truncatingIfNeeded: a[0]), Int32(truncatingIfNeeded: a[1]),
      Int32(truncatingIfNeeded: a[2]), Int32(truncatingIfNeeded: a[3]),
      Int32(truncatingIfNeeded: a[4]), Int32(truncatingIfNeeded: a[5]),
      Int32(truncatingIfNeeded: a[6]), Int32(truncatingIfNeeded: a[7]),
      Int32(truncatingIfNeeded: b[0]), Int32(truncatingIfNeeded: b[1]),
      Int32(truncatingIfNeeded: b[2]), Int32(truncatingIfNeeded: b[3]),
      Int32(truncatingIfNeeded: b[4]), Int32(truncatingIfNeeded: b[5]),
      Int32(truncatingIfNeeded: b[6]), Int32(truncatingIfNeeded: b[7]))
  }

  /// Stores the low byte of each lane at `pointer` (one `vpmovdb`).
  @inline(__always)
  static func storeBytes(_ v: Vector, to pointer: UnsafeMutableRawPointer) {
    let bytes = pointer.assumingMemoryBound(to: UInt8.self)
    for lane in 0..<16 { bytes[lane] = UInt8(truncatingIfNeeded: v[lane]) }
  }

  /// 16 values at `pointer` widened to int16, minus `zero`.
  @inline(__always)
  static func widenToInt16<T: IntegerGemmElement>(
    _ pointer: UnsafePointer<T>, minus zero: Int16
  ) -> SIMD16<Int16> {
    let v = T.widen16(UnsafeRawPointer(pointer))
    return SIMD16<Int16>(truncatingIfNeeded: v) &- SIMD16<Int16>(repeating: zero)
  }

  /// `min(max(x, lower), upper)` lane by lane (`clamped` goes through unspecialized generic code).
  @inline(__always)
  static func clamp(_ x: Wide, _ lower: Wide, _ upper: Wide) -> Wide {
    let raised = x.replacing(with: lower, where: x .< lower)
    return raised.replacing(with: upper, where: raised .> upper)
  }

  /// `|x|` lane by lane (no lane is Int64.min here).
  @inline(__always)
  static func magnitude(_ x: Wide) -> Wide {
    let sign = x &>> 63
    return (x ^ sign) &- sign
  }

  /// The 8-bit results of 16 accumulators that share one requantizer:
  /// `min(max(requantizer.apply(v) + zeroPoint, low), high)` for every lane, bit for bit.
  ///
  /// The common case is the short exact path of `IntegerGemm.quantize`, on 64-bit lanes: with
  /// |v| < 2^24 and `P = v * mantissa`, the result is `floor((P + 2^(shift-1)) / 2^shift)` whenever P is
  /// more than |v| away from every half-integer point. When P has at most 24 significant bits (|v| below
  /// 2^(trailing zeros of the mantissa): a scale with a short significand, such as a power of two),
  /// float32 holds v * scale exactly and the result is P / 2^shift rounded half to even, ties included.
  /// Both are `(P + 2^(shift-1) - 1 + bit shift of P) >> shift`. A vector with any lane outside these
  /// cases goes lane by lane through `Requantizer.quantize`. A shift of 56 or more (or a zero scale)
  /// makes every result 0 before the zero point.
  @inline(__always)
  static func requantize(
    _ v: Vector, _ requantizer: Requantizer, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    let shift = requantizer.shift
    if shift >= 56 || requantizer.mantissa == 0 {
      // |v * scale| < 2^31 * 2^24 * 2^-56 = 1/2: every result is 0 (a weight scale near 0, as a
      // quantizer writes for an all-zero filter).
      return Vector(repeating: min(max(zeroPoint, low), high))
    }
    if UInt(bitPattern: shift &- 1) < 61 {
      let mantissa = Wide(repeating: requantizer.mantissa)
      let half = Int64(1) &<< Int64(shift &- 1)
      let fractionMask = Wide(repeating: 2 &* half &- 1)
      let halfVector = Wide(repeating: half)
      let a = widenLow(v)
      let b = widenHigh(v)
      let pa = a &* mantissa
      let pb = b &* mantissa
      let ma = magnitude(a)
      let mb = magnitude(b)
      let da = magnitude((pa & fractionMask) &- halfVector)
      let db = magnitude((pb & fractionMask) &- halfVector)
      // A lane is safe when |v| < 2^24 and its distance to the half point exceeds |v|, or when P is
      // exact in float32, or when v * scale lies 2 or more past a clamp bound (float32's relative error
      // below 2^-22 cannot bring it back inside).
      let limit = Wide(repeating: 1 << 24)
      let exact = Wide(repeating: Int64(1) &<< Int64(min(requantizer.mantissa.trailingZeroBitCount, 24)))
      let s = Wide(repeating: Int64(shift))
      let lower = Wide(repeating: Int64(low) &- Int64(zeroPoint))
      let upper = Wide(repeating: Int64(high) &- Int64(zeroPoint))
      let two = Wide(repeating: 2)
      let fa = pa &>> s
      let fb = pb &>> s
      let outsideA = (fa .>= upper &+ two) .| (fa .<= lower &- two)
      let outsideB = (fb .>= upper &+ two) .| (fb .<= lower &- two)
      let unsafeA = ((ma .>= limit) .| (da .<= ma)) .& (ma .>= exact) .& .!outsideA
      let unsafeB = ((mb .>= limit) .| (db .<= mb)) .& (mb .>= exact) .& .!outsideB
      let flags = Wide(repeating: 0).replacing(with: 1, where: unsafeA .| unsafeB)
      if flags[0] | flags[1] | flags[2] | flags[3] | flags[4] | flags[5] | flags[6] | flags[7] == 0
      {
        // Clamped on 64-bit lanes (the shifted product may exceed int32), then offset.
        let one = Wide(repeating: 1)
        let roundA = halfVector &- one &+ (fa & one)
        let roundB = halfVector &- one &+ (fb & one)
        let ra = clamp((pa &+ roundA) &>> s, lower, upper)
        let rb = clamp((pb &+ roundB) &>> s, lower, upper)
        return join(ra, rb) &+ Vector(repeating: zeroPoint)
      }
    }
    var result = Vector()
    for lane in 0..<16 {
      result[lane] = requantizer.quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high)
    }
    return result
  }

  /// Per-lane requantizers, one output channel per lane (the channels-last kernels): lane i uses
  /// `Requantizer(mantissa: mantissas[i], shift: shifts[i])`, bit for bit `Requantizer.quantize`.
  @inline(__always)
  static func requantize(
    _ v: Vector, mantissas: Vector, shifts: Vector, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    var result = Vector()
    for lane in 0..<16 {
      let requantizer = Requantizer(mantissa: Int64(mantissas[lane]), shift: Int(shifts[lane]))
      result[lane] = requantizer.quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high)
    }
    return result
  }
}
