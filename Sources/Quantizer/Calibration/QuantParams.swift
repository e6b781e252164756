/// The 8-bit type an activation tensor is stored in.
public enum ActivationType {
  case uint8, int8

  public var qmin: Int32 { self == .uint8 ? 0 : -128 }
  public var qmax: Int32 { self == .uint8 ? 255 : 127 }
}

/// Scale and zero point of a quantized tensor: real = scale * (q - zeroPoint).
public struct QuantParams: Equatable {
  public var scale: Float
  public var zeroPoint: Int32

  public init(scale: Float, zeroPoint: Int32) {
    self.scale = scale
    self.zeroPoint = zeroPoint
  }

  /// Asymmetric activation parameters for `range` (widened to include 0).
  ///
  /// Computed as ONNX Runtime's `compute_scale_zp` does (1.32), so a model quantized here and one quantized
  /// by ONNX Runtime from the same range carry the same bytes: scale = (high - low) / (qmax - qmin) in
  /// float64, zero point = round-half-to-even(qmin - low / scale) with that float64 scale, then the scale
  /// stored as float32. A scale below the smallest normal float32 (an all-zero range) becomes 1 with zero
  /// point 0, so 0 stays exact. NaN bounds count as 0 and infinite ones as the largest finite float.
  public static func activation(_ range: ActivationRange, _ type: ActivationType) -> QuantParams {
    let low = min(finite(range.low), 0)
    let high = max(finite(range.high), 0)
    let qmin = Double(type.qmin)
    let qmax = Double(type.qmax)
    let scale = (high - low) / (qmax - qmin)
    guard scale >= Double(Float.leastNormalMagnitude) else {
      return QuantParams(scale: 1, zeroPoint: 0)
    }
    let zeroPoint = min(max((qmin - low / scale).rounded(.toNearestOrEven), qmin), qmax)
    return QuantParams(scale: Float(scale), zeroPoint: Int32(zeroPoint))
  }

  /// Symmetric int8 weight parameters: scale = max|w| / 127 (grid -127...127, zero point 0), as ONNX
  /// Runtime's symmetric int8 weights; scale 1 when the weights are all zero.
  public static func symmetricWeight(maxMagnitude: Float) -> QuantParams {
    let scale = abs(finite(maxMagnitude)) / 127
    guard scale >= Double(Float.leastNormalMagnitude) else {
      return QuantParams(scale: 1, zeroPoint: 0)
    }
    return QuantParams(scale: Float(scale), zeroPoint: 0)
  }

  private static func finite(_ value: Float) -> Double {
    if value.isNaN { return 0 }
    return Double(min(max(value, -.greatestFiniteMagnitude), .greatestFiniteMagnitude))
  }
}
