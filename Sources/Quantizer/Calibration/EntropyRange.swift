import CSupport

/// `.entropy`: per side, the threshold whose quantized histogram is closest to the observed one in
/// Kullback-Leibler divergence (TensorRT's calibration, GTC 2017 talk S7310).
///
/// For a candidate threshold of i bins, P is the side's histogram cut at i with everything beyond added to
/// bin i-1, and Q is bins 0..<i merged into as many buckets as the side has quantization steps, each
/// bucket's count spread evenly over the bins where P is nonzero (see `emptyBucketCount` for a bucket with
/// none). Clipping too much piles mass into P's last bin that Q cannot follow; clipping too little leaves
/// too few buckets for the bulk of the values.
///
/// Asymmetric ranges: the `steps` of the whole range (255 for 8 bits) are shared between the sides in
/// proportion to their extents, first the observed ones, then (up to twice more, while the split changes)
/// the chosen thresholds, since the final grid spans the chosen range. A ReLU output thus gets all 255
/// steps on its positive side, a symmetric tensor about 127 per side.
///
/// Cost: prefix sums give each candidate's divergence in O(buckets) (one log per bucket), and at most
/// `candidateCount` candidates are tried per side, evenly spaced from `buckets` bins to the last nonempty
/// bin (a stride of about 15 bins for a full 2048-bin side), so a tensor costs at most about
/// 3 passes x 129 candidates x 255 logs: 300 tensors took 0.11 s in a release build (x86_64).
enum EntropyRange {
  static let candidateCount = 128
  /// The count Q gets in a bucket that holds clipped values but no kept ones (the last bucket, when the
  /// threshold lies in an empty stretch of the tail). Without it every such threshold would have infinite
  /// divergence and far outliers could never be clipped; 1e-4 is the pseudo-count of the smoothing in
  /// MXNet's and ONNX Runtime's implementations of this method.
  static let emptyBucketCount = 1e-4
  private static let maximumPasses = 3

  static func thresholds(_ stats: TensorStatistics, steps: Int) -> (
    negative: Double, positive: Double
  ) {
    let negative = SideDistribution(stats.negative, exactZeros: 0)
    // Exact zeros (half of a ReLU output) quantize without error at the zero point; left in bin 0
    // they dominate the divergence, which then favours one histogram bin per bucket (a threshold
    // near `steps` bins) whatever the tail looks like.
    let positive = SideDistribution(stats.positive, exactZeros: stats.zeroCount)
    var extents = (negative: negative.extent, positive: positive.extent)
    var split = -1
    for _ in 0..<maximumPasses {
      let negativeSteps = stepsForNegativeSide(extents, steps: steps)
      if negativeSteps == split { break }
      split = negativeSteps
      extents = (
        negative.threshold(buckets: negativeSteps),
        positive.threshold(buckets: steps - negativeSteps)
      )
    }
    return extents
  }

  /// The negative side's share of `steps`, proportional to its extent; at least 1 for a nonempty side.
  static func stepsForNegativeSide(_ extents: (negative: Double, positive: Double), steps: Int)
    -> Int
  {
    if extents.negative <= 0 { return 0 }
    if extents.positive <= 0 { return steps }
    let share = Double(steps) * extents.negative / (extents.negative + extents.positive)
    return min(max(Int(share.rounded()), 1), steps - 1)
  }
}

/// One side's histogram with the prefix sums that make each candidate's divergence cheap.
private struct SideDistribution {
  let counts: [Double]
  let binWidth: Double
  let extent: Double
  let total: Double
  /// Over bins 0..<k: sum of counts, sum of count * log(count), number of nonzero bins.
  let countBelow: [Double]
  let countLogCountBelow: [Double]
  let nonzeroBelow: [Int]

  init(_ histogram: MagnitudeHistogram, exactZeros: Int) {
    let used = histogram.usedBins
    var counts = histogram.counts[0..<used].map(Double.init)
    if used > 0 { counts[0] = max(0, counts[0] - Double(exactZeros)) }
    self.counts = counts
    binWidth = histogram.binWidth
    extent = Double(histogram.largest)
    total = Double(max(0, histogram.total - (used > 0 ? exactZeros : 0)))
    var count = [0.0]
    var countLogCount = [0.0]
    var nonzero = [0]
    for value in counts {
      count.append(count.last! + value)
      countLogCount.append(countLogCount.last! + xLogX(value))
      nonzero.append(nonzero.last! + (value > 0 ? 1 : 0))
    }
    countBelow = count
    countLogCountBelow = countLogCount
    nonzeroBelow = nonzero
  }

  /// The clipping threshold with the least divergence for a side quantized into `buckets` steps.
  func threshold(buckets: Int) -> Double {
    let used = counts.count
    guard buckets > 0, extent > 0, used > buckets else { return extent }
    let stride = max(
      1, (used - buckets + EntropyRange.candidateCount - 1) / EntropyRange.candidateCount)
    var best = used
    var bestDivergence = divergence(bins: used, buckets: buckets)
    // From the widest down, replacing only on a strictly smaller divergence: ties keep the wider range.
    var bins = used - stride
    while bins >= buckets {
      let candidate = divergence(bins: bins, buckets: buckets)
      if candidate < bestDivergence {
        best = bins
        bestDivergence = candidate
      }
      bins -= stride
    }
    return min(Double(best) * binWidth, extent)
  }

  /// KL(P || Q) for the threshold at `bins` bins, from the prefix sums:
  /// KL = sum P log P - sum over buckets of P_bucket log(Q_bucket / (nonzero_bucket * sum Q)), both
  /// normalized, since Q is constant over a bucket's nonzero bins.
  func divergence(bins: Int, buckets: Int) -> Double {
    let beyond = total - countBelow[bins]
    let kept = countBelow[bins]
    guard kept > 0 else { return .infinity }
    let lastBin = counts[bins - 1]
    let lastP = lastBin + beyond
    let pLogP = (countLogCountBelow[bins - 1] + xLogX(lastP)) / total - log(total)
    var pLogQ = 0.0
    var start = 0
    for bucket in 0..<buckets {
      let end = (bucket + 1) * bins / buckets
      defer { start = end }
      let q = countBelow[end] - countBelow[start]
      var p = q
      var nonzero = nonzeroBelow[end] - nonzeroBelow[start]
      if end == bins && beyond > 0 {
        p += beyond
        if lastBin == 0 { nonzero += 1 }
      }
      guard p > 0 else { continue }
      let qPerBin = q > 0 ? q / Double(nonzero) : EntropyRange.emptyBucketCount
      pLogQ += p / total * log(qPerBin / kept)
    }
    return pLogP - pLogQ
  }
}

private func xLogX(_ x: Double) -> Double { x > 0 ? x * log(x) : 0 }
