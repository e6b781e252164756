/// Integer-only requantization that reproduces ONNX Runtime bit for bit.
///
/// ONNX Runtime requantizes an int32 accumulator as `round_half_even(float(acc) * scale)` in float32,
/// where `scale = x_scale * w_scale / y_scale` is itself computed in float32 (MlasRequantizeOutput).
/// A float32 scale is exactly `mantissa * 2^-shift` with a 24-bit integer mantissa, so the same
/// result follows from integers alone:
///   1. `float(acc)`: exact for |acc| < 2^24, else rounded to 24 significant bits (half to even);
///   2. `float(acc) * scale`: the exact product `acc * mantissa` (at most 55 bits), rounded to 24
///      significant bits (half to even), as the float32 multiply rounds it;
///   3. the final rounding to an integer, half to even, by a rounding right shift.
/// Each step is a multiply, a count of leading zeros and rounding shifts: no float in the loop.
/// The result differs from the exact real product (float64 reference) by at most one step, in the rare
/// cases where float32's rounding of the product moves it across a half-integer; see
/// docs/quantization.md and RequantizerTests for the measured rates.
public struct Requantizer: Equatable {
  /// The scale's 24-bit significand (0 for a zero scale).
  public let mantissa: Int64
  /// The scale is `mantissa * 2^-shift`.
  public let shift: Int

  /// `scale` must be finite and non-negative (the loader checks scales before building one).
  public init(_ scale: Float) {
    if scale == 0 || !scale.isFinite {
      mantissa = 0
      shift = 0
      return
    }
    let bits = scale.bitPattern
    let exponentBits = Int((bits >> 23) & 0xFF)
    let fraction = Int64(bits & 0x7F_FFFF)
    if exponentBits == 0 {
      // Subnormal: no implicit leading 1, exponent fixed at -126.
      mantissa = fraction
      shift = 126 + 23
    } else {
      mantissa = fraction | (1 << 23)
      shift = 127 + 23 - exponentBits
    }
  }

  /// A requantizer from its parts, as `init(_:)` derives them (`shift` at most 149).
  public init(mantissa: Int64, shift: Int) {
    self.mantissa = mantissa
    self.shift = shift
  }

  /// `x * 2^-k` rounded to the nearest integer, ties to even, for k >= 1 (arithmetic shift = floor).
  @inline(__always)
  static func roundingShift(_ x: Int64, _ k: Int) -> Int64 {
    (x &+ ((1 &<< Int64(k - 1)) &- 1) &+ ((x &>> Int64(k)) & 1)) &>> Int64(k)
  }

  /// `x` rounded to 24 significant bits, half to even, as float32 rounds it; returns the rounded
  /// significand and how many low bits were dropped.
  @inline(__always)
  static func roundToFloat32(_ x: Int64) -> (value: Int64, dropped: Int) {
    let bits = 64 - x.magnitude.leadingZeroBitCount
    if bits <= 24 { return (x, 0) }
    let dropped = bits - 24
    return (roundingShift(x, dropped), dropped)
  }

  /// `round_half_even(float32(float32(acc) * scale))`, not yet offset or clamped.
  /// Results beyond Int32 saturate to its bounds.
  @inline(__always)
  public func apply(_ accumulator: Int32) -> Int32 {
    var a = Int64(accumulator)
    var aShift = 0
    if a.magnitude >= 1 << 24 {
      (a, aShift) = Requantizer.roundToFloat32(a)
    }
    let (product, dropped) = Requantizer.roundToFloat32(a &* mantissa)
    let k = shift - dropped - aShift
    let result: Int64
    if k > 0 {
      result = k >= 63 ? 0 : Requantizer.roundingShift(product, k)
    } else {
      let left = -k
      if left >= 31 || product.magnitude > UInt64(Int64.max >> Int64(left)) {
        return product == 0 ? 0 : (product > 0 ? Int32.max : Int32.min)
      }
      result = product << Int64(left)
    }
    if result > Int64(Int32.max) { return Int32.max }
    if result < Int64(Int32.min) { return Int32.min }
    return Int32(result)
  }

  /// The requantized value with the output zero point added, saturated to `[low, high]`.
  @inline(__always)
  public func quantize(_ accumulator: Int32, zeroPoint: Int32, low: Int32, high: Int32) -> Int32 {
    let value = Int64(apply(accumulator)) + Int64(zeroPoint)
    return Int32(min(max(value, Int64(low)), Int64(high)))
  }
}

/// The float32 multiplier ONNX Runtime uses for a quantized product: `(x_scale * w_scale) / y_scale`,
/// with float32 rounding after each operation, in that order.
@inline(__always)
public func requantizationScale(inputScale: Float, weightScale: Float, outputScale: Float) -> Float {
  (inputScale * weightScale) / outputScale
}
