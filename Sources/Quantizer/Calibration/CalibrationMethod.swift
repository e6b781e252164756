/// How `RangeChooser` turns a tensor's calibration statistics into its clipping range.
///
/// - `minmax`: the exact observed range.
/// - `percentile`: drops the given share of the most extreme values, split between the two sides.
/// - `entropy`: the range whose quantized distribution is closest (Kullback-Leibler) to the observed one,
///   searched per side as TensorRT does.
/// - `mse`: the range with the smallest expected squared quantization error (rounding plus clipping).
public enum CalibrationMethod: String, CaseIterable {
  case minmax, percentile, entropy, mse
}
