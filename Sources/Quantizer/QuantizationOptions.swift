/// The choices `onnx-quant calibrate` offers.
public struct QuantizationOptions {
  public enum Format: String { case qoperator, qdq }

  public var method: CalibrationMethod = .percentile
  public var percentile: Double = 99.999
  public var perChannel = true
  public var activations: ActivationType = .uint8
  public var format: Format = .qoperator
  /// Node names or operator types that stay float.
  public var exclude: Set<String> = []
  /// Samples to use at most (nil: all).
  public var samples: Int? = nil
  /// Samples held out of calibration for the SQNR report (taken from the end).
  public var holdout: Int? = nil
  public var shapes: [String: [Int]] = [:]

  public init() {}
}
