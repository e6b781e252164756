/// `.percentile`: cut (100 - P) / 2 percent of all values from each side.
///
/// The share is of all values, not of the side's, as in ONNX Runtime's asymmetric percentile: a side
/// holding fewer values than its share is clipped to 0. Inside the bin where the cut falls, values are
/// taken as spread evenly, so the threshold moves smoothly with P instead of jumping bin by bin.
enum PercentileRange {
  static func thresholds(_ stats: TensorStatistics, percentile: Double) -> (
    negative: Double, positive: Double
  ) {
    let cut = Double(stats.count) * (100 - percentile) / 200
    return (threshold(stats.negative, cut: cut), threshold(stats.positive, cut: cut))
  }

  /// The magnitude beyond which `cut` of the side's values lie (0 if the side has no more than that).
  static func threshold(_ side: MagnitudeHistogram, cut: Double) -> Double {
    let extent = Double(side.largest)
    guard extent > 0, cut < Double(side.total) else { return 0 }
    let binWidth = side.binWidth
    var beyond = 0.0
    for bin in stride(from: side.usedBins - 1, through: 0, by: -1) {
      let inBin = Double(side.counts[bin])
      guard inBin > 0 else { continue }
      if beyond + inBin > cut {
        let lower = Double(bin) * binWidth
        // The top bin ends at the exact maximum, not at its edge.
        let upper = min(Double(bin + 1) * binWidth, extent)
        return max(lower, upper - (cut - beyond) / inBin * (upper - lower))
      }
      beyond += inBin
    }
    return 0
  }
}
