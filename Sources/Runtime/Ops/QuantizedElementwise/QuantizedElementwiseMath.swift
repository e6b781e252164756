/// Integer emulation of the float32 steps ONNX Runtime's quantized element-wise kernels take, so the
/// kernels of this family reproduce its bytes with integer arithmetic only (see the notes in
/// QuantizedElementwiseOps.swift).
///
/// Several kernels round a real value twice: first to float32 (24 significant bits, half to even), then
/// to an integer (half to even). Both roundings only need to know where the value lies relative to the
/// rounding midpoints, so the value is carried as a "jammed" fixed-point number: an Int64 `v` counting
/// units of 2^-u, where an even `v` is exact and an odd `v` stands for some value strictly between
/// `v - 1` and `v + 1` (the lowest bit is the sticky bit of everything below it). Any rounding that drops
/// two or more bits decides exactly as it would on the true value, and adding an exact even number keeps
/// the meaning, which is how the kernels add an exact integer term to a precomputed jammed term.
enum QuantizedElementwiseMath {
  /// `x * 2^-k` rounded to the nearest integer, ties to even, for k >= 1.
  @inline(__always)
  static func roundingShift(_ x: UInt64, _ k: Int) -> UInt64 {
    (x &+ ((1 &<< UInt64(k &- 1)) &- 1) &+ ((x &>> UInt64(k)) & 1)) &>> UInt64(k)
  }

  /// `round_half_even(float32(X))` for a jammed X with `fractionBits` (u >= 26) fraction bits.
  struct Float32Rounding: Equatable {
    let fractionBits: Int
    /// 1/2 in units: below it the result is 0 (float32 rounding cannot carry a value under 1/2 past 1/2).
    let half: UInt64
    /// 2^15 in units: from there on the result saturates (to ±32767), far beyond every 8-bit output.
    let saturation: UInt64

    init(fractionBits: Int) {
      self.fractionBits = fractionBits
      half = 1 << UInt64(fractionBits - 1)
      saturation = 1 << UInt64(fractionBits + 15)
    }

    @inline(__always)
    func round(_ value: Int64) -> Int32 {
      let magnitude = value.magnitude
      if magnitude < half { return 0 }
      if magnitude >= saturation { return value < 0 ? -32767 : 32767 }
      // 1/2 <= |X| < 2^15: the float32 significand drops `dropped` >= u - 24 >= 2 bits.
      let bits = 64 - magnitude.leadingZeroBitCount
      let dropped = bits - 24
      let significand = QuantizedElementwiseMath.roundingShift(magnitude, dropped)
      // float32(X) = significand * 2^(dropped - u), an exact value: round it to an integer.
      let integer = Int32(truncatingIfNeeded: QuantizedElementwiseMath.roundingShift(significand, fractionBits - dropped))
      return value < 0 ? -integer : integer
    }
  }

  /// A float32 value as a jammed fixed-point number with `fractionBits` fraction bits, clamped to
  /// `±limit` (limit <= 2^62). Load time only.
  static func jammed(_ value: Float, fractionBits: Int, limit: Int64) -> Int64 {
    if value == 0 { return 0 }
    if !value.isFinite || Double(value.magnitude) * pow2(fractionBits) >= Double(limit) {
      return value < 0 ? -limit : limit
    }
    let bits = value.bitPattern
    let exponentBits = Int((bits >> 23) & 0xFF)
    let fraction = Int64(bits & 0x7F_FFFF)
    let significand = exponentBits == 0 ? fraction : fraction | (1 << 23)
    // |value| = significand * 2^(exponent), and |value| * 2^(u - 1) = significand * 2^k.
    let exponent = max(exponentBits, 1) - 150
    let k = exponent + fractionBits - 1
    var result: Int64
    if k >= 0 {
      result = (significand << Int64(k)) << 1
    } else {
      let shift = -k
      if shift >= 40 {
        result = 1
      } else {
        let whole = significand >> Int64(shift)
        let sticky: Int64 = (whole << Int64(shift)) != significand ? 1 : 0
        result = whole << 1 | sticky
      }
    }
    return value < 0 ? -result : result
  }

  /// 2^k as a Double, for load-time range checks.
  static func pow2(_ k: Int) -> Double {
    var result = 1.0
    if k >= 0 {
      for _ in 0..<k { result *= 2 }
    } else {
      for _ in 0..<(-k) { result /= 2 }
    }
    return result
  }

  // MARK: - Positive float32 arithmetic on bit patterns (QLinearSoftmax)

  /// The float32 sum `a + b`, rounded half to even, of two finite non-negative float32 values given as
  /// bit patterns (as the x86 `addss` computes it).
  @inline(__always)
  static func addPositive(_ first: UInt32, _ second: UInt32) -> UInt32 {
    // Bit patterns of non-negative floats order like their values.
    let a = first >= second ? first : second
    let b = first >= second ? second : first
    if b == 0 { return a }
    let exponentA = max(Int(a >> 23), 1)
    let exponentB = max(Int(b >> 23), 1)
    // Significands with the hidden bit and three guard bits.
    var sum = UInt64((a & 0x7F_FFFF) | (a >> 23 != 0 ? 0x80_0000 : 0)) << 3
    let smaller = UInt64((b & 0x7F_FFFF) | (b >> 23 != 0 ? 0x80_0000 : 0)) << 3
    let distance = exponentA - exponentB
    if distance == 0 {
      sum += smaller
    } else if distance < 27 {
      let shifted = smaller >> UInt64(distance)
      sum += shifted | ((shifted << UInt64(distance)) != smaller ? 1 : 0)
    } else {
      sum += 1
    }
    var exponent = exponentA
    if sum >= 1 << 27 {
      sum = (sum >> 1) | (sum & 1)
      exponent += 1
    }
    var significand = sum >> 3
    let guardBits = sum & 7
    if guardBits > 4 || (guardBits == 4 && significand & 1 == 1) { significand += 1 }
    if significand >= 1 << 24 {
      significand >>= 1
      exponent += 1
    }
    if exponent >= 255 { return 0x7F80_0000 }
    if significand < 1 << 23 { return UInt32(significand) }  // subnormal (exponent is 1)
    return UInt32(exponent) << 23 | UInt32(significand & 0x7F_FFFF)
  }

  /// The float32 reciprocal `1 / d`, rounded half to even, of a positive normal float32 `d` below 2^126
  /// (so the result is normal), as a significand in [2^23, 2^24] and its power of two. One integer division.
  @inline(__always)
  static func reciprocal(_ d: UInt32) -> (significand: Int64, exponent: Int) {
    let significand = UInt64((d & 0x7F_FFFF) | 0x80_0000)
    // 2^50 / significand lies in (2^26, 2^27]; jam the remainder into a 28th bit, round to 24 bits.
    let quotient = (UInt64(1) << 50) / significand
    let remainder = (UInt64(1) << 50) - quotient * significand
    let jammed = quotient << 1 | (remainder != 0 ? 1 : 0)
    let bits = 64 - jammed.leadingZeroBitCount
    let rounded = roundingShift(jammed, bits - 24)
    // d = significand * 2^(e - 150), so 1 / d = (2^51 / significand) / 2^51 * 2^(150 - e).
    return (Int64(rounded), bits - 24 - 51 + 150 - Int(d >> 23))
  }

  /// `round_half_even(float32(float32(t * r) * s))` for a non-negative float32 `t` (bit pattern, finite),
  /// `r = rSignificand * 2^rExponent` and `s = sSignificand * 2^sExponent` (float32 values, r * t not
  /// subnormal unless the result is 0), saturating to 32767 from 2^10 on.
  @inline(__always)
  static func roundedProduct(
    _ t: UInt32, _ rSignificand: Int64, _ rExponent: Int, _ sSignificand: Int64, _ sExponent: Int,
    _ rounding: Float32Rounding
  ) -> Int32 {
    if t == 0 { return 0 }
    let exponentBits = Int(t >> 23)
    let tSignificand = Int64(t & 0x7F_FFFF) | (exponentBits != 0 ? 0x80_0000 : 0)
    // float32(t * r): the exact 48-bit product rounded to 24 significant bits.
    let (p, dropped) = Requantizer.roundToFloat32(tSignificand &* rSignificand)
    // Too small for float32's normal range (t * r < 2^-126): float32 gives a subnormal or 0, and every
    // real scale s leaves the final value far below 1/2.
    let pExponent = dropped + max(exponentBits, 1) - 150 + rExponent
    if pExponent + 64 - p.leadingZeroBitCount <= -126 { return 0 }
    // float32(p * s), then the integer: the exact product jammed into units of 2^-u.
    let product = p &* sSignificand
    let k = pExponent + sExponent + rounding.fractionBits
    let magnitudeBits = 64 - product.leadingZeroBitCount
    if magnitudeBits + k - rounding.fractionBits > 10 { return 32767 }
    let jammed: Int64
    if k >= 1 {
      jammed = product &<< Int64(k)
    } else if k > -60 {
      let whole = product &>> Int64(1 - k)
      jammed = whole &<< 1 | ((whole &<< Int64(1 - k)) != product ? 1 : 0)
    } else {
      jammed = 1
    }
    return rounding.round(jammed)
  }
}

// MARK: - Step functions as thresholds (QLinearAdd, QLinearMul)

extension QuantizedElementwiseMath {
  /// The 257 thresholds of a nondecreasing function `f` from `domain` onto the codes `low...high`
  /// (`high - low == 255`): entry i is the least X in `domain` with `f(X) >= low + i`, `Int64.min` when every
  /// X has it and `Int64.max` when none has; entry 0 is `Int64.min` and entry 256 `Int64.max`. Then
  /// `f(X) = low + #{i >= 1 : X >= entry i}`, and from an estimate `v` within one of `f(X)` (clamped to
  /// `low...high`) `f(X) = v + (X >= entry[v - low + 1]) - (X < entry[v - low])`. Load time only.
  static func thresholds(low: Int32, domain: ClosedRange<Int64>, _ f: (Int64) -> Int32) -> [Int64] {
    var result = [Int64](repeating: 0, count: 257)
    result[0] = Int64.min
    result[256] = Int64.max
    let first = f(domain.lowerBound)
    let last = f(domain.upperBound)
    for i in 1..<256 {
      let v = low + Int32(i)
      if first >= v {
        result[i] = Int64.min
      } else if last < v {
        result[i] = Int64.max
      } else {
        // f(below) < v <= f(above)
        var below = domain.lowerBound
        var above = domain.upperBound
        while UInt64(bitPattern: above &- below) > 1 {
          let middle = (below >> 1) + (above >> 1) + (below & above & 1)
          if f(middle) >= v { above = middle } else { below = middle }
        }
        result[i] = above
      }
    }
    return result
  }
}

// MARK: - Where a linear estimate of a step function is exact (vector paths)

extension QuantizedElementwiseMath {
  /// For a nondecreasing function f onto `low...high` given by its 257 `thresholds` (see `thresholds`)
  /// and the estimate `E(X) = clamp((X * multiplier + offset) >> shift, low, high)` (multiplier > 0):
  /// the least margin such that E(X) = f(X) for every X in `domain` whose `X * multiplier + offset` lies
  /// at least `margin` away from every multiple of 2^shift; nil when the estimate is too coarse for a
  /// margin below 2^(shift - 4) (the vector path then never pays). Load time only.
  ///
  /// E and f are both `low + #{levels c reached}`; level c is reached by f from its threshold on and by
  /// E from e_c, the least X with `X * multiplier + offset >= c * 2^shift`. They can differ only at X
  /// between the two, and every such X is measured.
  static func estimateMargin(
    thresholds: [Int64], low: Int32, high: Int32, domain: ClosedRange<Int64>, multiplier: Int64, offset: Int64,
    shift: Int
  ) -> Int64? {
    guard multiplier > 0, shift >= 8, shift < 48, thresholds.count == 257, high - low == 255,
      domain.lowerBound > -(1 << 40), domain.upperBound < (1 << 40),
      multiplier < (Int64(1) << 62) / max(domain.lowerBound.magnitude, domain.upperBound.magnitude, 1).toInt64
    else { return nil }
    let limit = Int64(1) << Int64(shift - 4)
    var margin: Int64 = 1
    for i in 1..<256 {
      let boundary = Int64(low + Int32(i)) << Int64(shift)
      let numerator = boundary - offset
      // ceil(numerator / multiplier)
      let e = numerator >= 0 ? (numerator + multiplier - 1) / multiplier : -((-numerator) / multiplier)
      let t = thresholds[i]
      let from = max(min(e, t), domain.lowerBound)
      let to = min(max(e, t), domain.upperBound + 1)
      if to <= from { continue }
      if to - from > 64 { return nil }
      for x in from..<to {
        let distance = (x * multiplier + offset - boundary).magnitude
        if distance >= UInt64(limit) { return nil }
        margin = max(margin, Int64(distance) + 1)
      }
    }
    return margin
  }
}

extension QuantizedElementwiseMath {
  /// QLinearAdd's 32-bit linear estimate: `L = x * mx + y * my + base` in units of 2^-shift approximates the
  /// jammed `X = x * multiplier + table[y]` (units of 2^-u), and `clamp((L + 2^(shift-1)) >> shift)` equals
  /// the exact output wherever `L + 2^(shift-1)` lies `margin` or more away from a multiple of 2^shift.
  struct LinearAdd {
    let mx: Int32
    let my: Int32
    let base: Int32
    let shift: Int
    let margin: Int32
  }

  /// The estimate for a QLinearAdd with the jammed per-byte `table` (indexed by y's byte), `multiplier`
  /// (Rx in units of 2^-u), and the 257 `thresholds` of X; nil when no 32-bit form has a useful margin.
  /// Load time only.
  ///
  /// With `err` bounding |L * 2^(u - shift) - X| over every code pair (fit error of the table plus the
  /// rounding of the three coefficients) and `g` bounding each level's distance between its exact
  /// threshold and the estimate's step, every L at least `err + g` from a step gives the exact output.
  static func linearAdd(
    table: [Int64], multiplier: Int64, fractionBits u: Int, thresholds: [Int64], signed: Bool, low: Int32,
    high: Int32
  ) -> LinearAdd? {
    guard table.count == 256, thresholds.count == 257, high - low == 255, u >= 20, u < 56 else { return nil }
    let codes = signed ? -128...127 : 0...255
    func term(_ y: Int) -> Int64 { table[y & 255] }
    // Slope of the table in units of 2^-u; the intercept centres the fit error.
    let slope = (term(codes.upperBound) - term(codes.lowerBound)) / Int64(codes.count - 1)
    var lowest = Int64.max
    var highest = Int64.min
    for y in codes {
      let r = term(y) - Int64(y) * slope
      lowest = min(lowest, r)
      highest = max(highest, r)
    }
    let intercept = lowest / 2 + highest / 2
    let fitError = max(highest - intercept, intercept - lowest) + 2
    // The largest |X| in real units picks the 32-bit fraction bits.
    let largestCode = Int64(max(codes.lowerBound.magnitude, codes.upperBound.magnitude))
    let span = Double(largestCode) * (Double(multiplier) + Double(slope.magnitude)) + Double(intercept.magnitude)
    let real = span / pow2(u) + 2
    var bits = 0
    while pow2(bits) <= real { bits += 1 }
    let shift = min(29 - bits, u - 1)
    guard shift >= 12 else { return nil }
    let down = u - shift
    let unit = Int64(1) << Int64(down)
    func rounded(_ v: Int64) -> Int64 { (v + unit / 2) >> Int64(down) }
    let mx = rounded(multiplier)
    let my = rounded(slope)
    let base = rounded(intercept)
    let error =
      largestCode * (mx * unit - multiplier).magnitude.toInt64 + largestCode * (my * unit - slope).magnitude.toInt64
      + (base * unit - intercept).magnitude.toInt64 + fitError
    // Each level's exact threshold against the estimate's step (c - 1/2) * 2^u.
    var gap: Int64 = 0
    for i in 1..<256 {
      let step = (Int64(low + Int32(i)) << Int64(u)) - (Int64(1) << Int64(u - 1))
      let t = thresholds[i]
      guard t > Int64.min / 2 && t < Int64.max / 2 else { return nil }
      gap = max(gap, (t - step).magnitude.toInt64)
    }
    let margin = (error + unit - 1) / unit + (gap + unit - 1) / unit + 2
    guard margin < Int64(1) << Int64(shift - 4) else { return nil }
    // |L| + 2^(shift-1) + margin stays inside int32.
    let largest = largestCode * (mx.magnitude.toInt64 + my.magnitude.toInt64) + base.magnitude.toInt64
    guard largest + (Int64(1) << Int64(shift)) + margin < Int64(1) << 31 else { return nil }
    return LinearAdd(mx: Int32(mx), my: Int32(my), base: Int32(base), shift: shift, margin: Int32(margin))
  }
}

extension UInt64 {
  fileprivate var toInt64: Int64 { Int64(clamping: self) }
}
