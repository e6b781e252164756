import CSupport

// Element types the element-wise kernels are generic over. Every kernel loop is specialised per
// concrete type; the protocols only name the arithmetic each operator needs.

/// A numeric element: the arithmetic of Add, Sub, Mul, Div, Mod, Max, Min, Sum and the comparisons.
/// Integers wrap on overflow (like numpy and ONNX Runtime) and never trap: division or remainder by
/// zero gives 0, and `min / -1` wraps.
protocol NumericElement: Comparable {
  static func ewAdd(_ a: Self, _ b: Self) -> Self
  static func ewSub(_ a: Self, _ b: Self) -> Self
  static func ewMul(_ a: Self, _ b: Self) -> Self
  static func ewDiv(_ a: Self, _ b: Self) -> Self
  /// Remainder with the sign of the divisor (numpy `mod`, ONNX Mod with fmod=0).
  static func ewMod(_ a: Self, _ b: Self) -> Self
  /// Remainder with the sign of the dividend (C `fmod`, ONNX Mod with fmod=1).
  static func ewFmod(_ a: Self, _ b: Self) -> Self
  /// Max and Min propagate NaN like numpy's `maximum` and `minimum`.
  static func ewMax(_ a: Self, _ b: Self) -> Self
  static func ewMin(_ a: Self, _ b: Self) -> Self
  static var ewZero: Self { get }
}

/// A numeric element with negation: Neg, Abs, Sign, Relu.
protocol SignedElement: NumericElement {
  static func ewNeg(_ a: Self) -> Self
  static var ewOne: Self { get }
}

/// float32 and float64: Pow, PRelu and Mean as well.
protocol FloatElement: SignedElement {
  static func ewPow(_ a: Self, _ b: Self) -> Self
  static func ewFromCount(_ count: Int) -> Self
}

extension NumericElement where Self: FixedWidthInteger {
  @inline(__always) static func ewAdd(_ a: Self, _ b: Self) -> Self { a &+ b }
  @inline(__always) static func ewSub(_ a: Self, _ b: Self) -> Self { a &- b }
  @inline(__always) static func ewMul(_ a: Self, _ b: Self) -> Self { a &* b }
  /// Truncates toward zero like C.
  @inline(__always) static func ewDiv(_ a: Self, _ b: Self) -> Self {
    if b == 0 { return 0 }
    return a.dividedReportingOverflow(by: b).partialValue
  }
  @inline(__always) static func ewFmod(_ a: Self, _ b: Self) -> Self {
    if b == 0 { return 0 }
    return a.remainderReportingOverflow(dividingBy: b).partialValue
  }
  @inline(__always) static func ewMod(_ a: Self, _ b: Self) -> Self {
    if b == 0 { return 0 }
    let r = a.remainderReportingOverflow(dividingBy: b).partialValue
    return r != 0 && ((r < 0) != (b < 0)) ? r &+ b : r
  }
  @inline(__always) static func ewMax(_ a: Self, _ b: Self) -> Self { a < b ? b : a }
  @inline(__always) static func ewMin(_ a: Self, _ b: Self) -> Self { b < a ? b : a }
  static var ewZero: Self { 0 }
}

extension SignedElement where Self: FixedWidthInteger {
  @inline(__always) static func ewNeg(_ a: Self) -> Self { 0 &- a }
  static var ewOne: Self { 1 }
}

extension NumericElement where Self: BinaryFloatingPoint {
  @inline(__always) static func ewAdd(_ a: Self, _ b: Self) -> Self { a + b }
  @inline(__always) static func ewSub(_ a: Self, _ b: Self) -> Self { a - b }
  @inline(__always) static func ewMul(_ a: Self, _ b: Self) -> Self { a * b }
  @inline(__always) static func ewDiv(_ a: Self, _ b: Self) -> Self { a / b }
  @inline(__always) static func ewMod(_ a: Self, _ b: Self) -> Self {
    let r = ewFmod(a, b)
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r
  }
  @inline(__always) static func ewMax(_ a: Self, _ b: Self) -> Self { a.isNaN || a > b ? a : b }
  @inline(__always) static func ewMin(_ a: Self, _ b: Self) -> Self { a.isNaN || a < b ? a : b }
  static var ewZero: Self { 0 }
}

extension SignedElement where Self: BinaryFloatingPoint {
  @inline(__always) static func ewNeg(_ a: Self) -> Self { -a }
  static var ewOne: Self { 1 }
}

extension Float: FloatElement {
  @inline(__always) static func ewFmod(_ a: Float, _ b: Float) -> Float { fmodf(a, b) }
  @inline(__always) static func ewPow(_ a: Float, _ b: Float) -> Float { powf(a, b) }
  @inline(__always) static func ewFromCount(_ count: Int) -> Float { Float(count) }
}

extension Double: FloatElement {
  @inline(__always) static func ewFmod(_ a: Double, _ b: Double) -> Double { fmod(a, b) }
  @inline(__always) static func ewPow(_ a: Double, _ b: Double) -> Double { pow(a, b) }
  @inline(__always) static func ewFromCount(_ count: Int) -> Double { Double(count) }
}

extension Int8: SignedElement {}
extension Int32: SignedElement {}
extension Int64: SignedElement {}
extension UInt8: NumericElement {}

// MARK: - Storage types without a Swift arithmetic type

/// ONNX bool: one byte, 0 or 1 (any non-zero byte reads as true).
struct BoolElement {
  var raw: UInt8
}

/// IEEE half precision, kept as its bits so the same code builds on targets without `Float16`.
struct HalfElement {
  var bits: UInt16
}

/// bfloat16: the upper half of a float32.
struct BFloat16Element {
  var bits: UInt16
}

/// float32 to IEEE half, rounding to nearest even; overflow gives infinity, NaN stays NaN.
@inline(__always)
func halfBits(_ value: Float) -> UInt16 {
  let x = value.bitPattern
  let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
  let exponent = Int((x >> 23) & 0xff)
  let mantissa = x & 0x7f_ffff
  if exponent == 0xff {
    if mantissa == 0 { return sign | 0x7c00 }
    return sign | 0x7e00 | UInt16(truncatingIfNeeded: mantissa >> 13)
  }
  let halfExponent = exponent - 127 + 15
  if halfExponent >= 0x1f { return sign | 0x7c00 }
  if halfExponent >= 1 {
    let kept = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let rest = mantissa & 0x1fff
    let up: UInt32 = rest > 0x1000 || (rest == 0x1000 && kept & 1 == 1) ? 1 : 0
    return sign | UInt16(truncatingIfNeeded: kept + up)
  }
  // Subnormal half (or zero): the value in units of 2^-24.
  let shift = 126 - exponent
  if shift >= 25 { return sign }
  let full = mantissa | 0x80_0000
  let kept = full >> UInt32(shift)
  let rest = full & ((1 << UInt32(shift)) - 1)
  let halfway: UInt32 = 1 << UInt32(shift - 1)
  let up: UInt32 = rest > halfway || (rest == halfway && kept & 1 == 1) ? 1 : 0
  return sign | UInt16(truncatingIfNeeded: kept + up)
}

/// IEEE half to float32 (exact).
@inline(__always)
func floatFromHalf(_ bits: UInt16) -> Float {
  let sign = UInt32(bits & 0x8000) << 16
  let exponent = UInt32((bits >> 10) & 0x1f)
  let mantissa = UInt32(bits & 0x3ff)
  if exponent == 0 {
    let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
    return sign != 0 ? -magnitude : magnitude
  }
  if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13) }
  return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// float32 to bfloat16, rounding to nearest even; NaN stays NaN.
@inline(__always)
func bfloat16Bits(_ value: Float) -> UInt16 {
  let x = value.bitPattern
  if value.isNaN { return UInt16(truncatingIfNeeded: x >> 16) | 0x40 }
  let rounded = x &+ 0x7fff &+ ((x >> 16) & 1)
  return UInt16(truncatingIfNeeded: rounded >> 16)
}

@inline(__always)
func floatFromBFloat16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// A float converted to a 64-bit integer pattern the way numpy's `astype` does on x86-64: truncation
/// toward zero, values in [2^63, 2^64) keep their unsigned pattern, NaN and out-of-range values give
/// Int64.min. Narrower integer types then keep the low bits.
@inline(__always)
func integerBits(_ value: Double) -> Int64 {
  if value >= -9_223_372_036_854_775_808.0 && value < 9_223_372_036_854_775_808.0 {
    return Int64(value)
  }
  if value >= 9_223_372_036_854_775_808.0 && value < 18_446_744_073_709_551_616.0 {
    return Int64(bitPattern: UInt64(value))
  }
  return Int64.min
}

/// A float converted to int32 like x86-64's `cvttsd2si`: truncation toward zero, NaN and values
/// out of range give Int32.min.
@inline(__always)
func integerBits32(_ value: Double) -> Int32 {
  if value > -2_147_483_649.0 && value < 2_147_483_648.0 { return Int32(value) }
  return Int32.min
}
