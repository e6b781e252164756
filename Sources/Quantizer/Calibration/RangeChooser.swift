/// Picks an activation tensor's clipping range from its calibration statistics.
public enum RangeChooser {
  /// The clipping range for an activation tensor: finite, `low <= 0 <= high`, never wider than the observed
  /// range (with 0 added), and `high > low` unless the tensor held only zeros (or nothing).
  ///
  /// - Parameters:
  ///   - percentile: used by `.percentile`; in (0, 100]. 99.999 keeps all but 1 value in 100,000.
  ///   - levels: quantization levels, 256 for 8 bits; at least 2.
  public static func choose(
    _ stats: TensorStatistics, method: CalibrationMethod, percentile: Double = 99.999,
    levels: Int = 256
  ) -> ActivationRange {
    precondition(levels >= 2, "RangeChooser: levels must be at least 2, got \(levels)")
    precondition(
      method != .percentile || (percentile > 0 && percentile <= 100),
      "RangeChooser: percentile must be in (0, 100], got \(percentile)")
    let observed = observedRange(stats)
    // Without histograms (statistics gathered for minmax only) the extremes are all there is.
    guard observed.low < observed.high, stats.keepsHistograms else { return observed }
    let steps = levels - 1
    let chosen: (negative: Double, positive: Double)
    switch method {
    case .minmax:
      return observed
    case .percentile:
      chosen = PercentileRange.thresholds(stats, percentile: percentile)
    case .entropy:
      chosen = EntropyRange.thresholds(stats, steps: steps)
    case .mse:
      chosen = MSERange.thresholds(stats, steps: steps)
    }
    return bounded(low: -chosen.negative, high: chosen.positive, within: observed)
  }

  /// [min, max] of the finite values with 0 added; [0, 0] when there were none.
  static func observedRange(_ stats: TensorStatistics) -> ActivationRange {
    guard stats.count > 0 else { return ActivationRange(low: 0, high: 0) }
    return ActivationRange(low: min(stats.minimum, 0), high: max(stats.maximum, 0))
  }

  /// Clamps a chosen range into the observed one. A method may clip a side to nothing (a percentile that
  /// cuts away a whole side); if both sides collapse while the data was not all zeros, the observed range
  /// is the only honest answer, since a zero-width range would quantize every value to 0.
  static func bounded(low: Double, high: Double, within observed: ActivationRange)
    -> ActivationRange
  {
    let clampedLow = low.isNaN ? 0 : Float(min(max(low, Double(observed.low)), 0))
    let clampedHigh = high.isNaN ? 0 : Float(max(min(high, Double(observed.high)), 0))
    guard clampedLow < clampedHigh else { return observed }
    return ActivationRange(low: clampedLow, high: clampedHigh)
  }
}
