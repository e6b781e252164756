/// The choices `onnx-quant calibrate` offers.
public struct QuantizationOptions {
  public enum Format: String { case qoperator, qdq }

  /// minmax measured best on the shipped examples (BENCHMARKS.md): top-1 equal to percentile and mse,
  /// the highest output SQNR, and no histograms to fill.
  public var method: CalibrationMethod = .minmax
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
  /// Worker threads for the calibration and SQNR runs (nil: one per online core, at most 8).
  public var threads: Int? = nil

  public init() {}
}
