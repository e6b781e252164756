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
}
