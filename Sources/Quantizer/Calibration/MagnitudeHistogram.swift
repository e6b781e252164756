/// Counts of magnitudes in `binCount` equal bins over [0, width), where width is a power of two that
/// grows (doubling, adjacent bins merging) to stay strictly above the largest magnitude counted.
///
/// Widths are powers of two so that a value's bin is `floor(m * binCount / width)` exactly, whether it
/// was counted at the final width or at a finer one and merged later. The histogram is therefore the
/// same whatever order or batching the values came in, and two histograms merge exactly.
public struct MagnitudeHistogram {
  public static let binCount = 2048
  private static let binCountLog2 = 11

  /// `binCount` counts; bin j holds magnitudes in [j * binWidth, (j + 1) * binWidth).
  public private(set) var counts: [Int]
  /// log2 of the width; nil while only zeros (or nothing) were counted, as zero is in bin 0 at any width.
  public private(set) var widthExponent: Int?
  /// How many magnitudes were counted.
  public private(set) var total = 0
  /// The largest magnitude counted, exactly (0 when empty).
  public private(set) var largest: Float = 0

  public init() { counts = Array(repeating: 0, count: Self.binCount) }

  /// The histogram's upper edge (0 until a nonzero magnitude arrived).
  public var width: Double {
    guard let exponent = widthExponent else { return 0 }
    return Double(sign: .plus, exponent: exponent, significand: 1)
  }

  public var binWidth: Double { width / Double(Self.binCount) }

  /// One past the last nonempty bin (0 when empty).
  public var usedBins: Int {
    guard let last = counts.lastIndex(where: { $0 != 0 }) else { return 0 }
    return last + 1
  }

  /// Widens the histogram so `magnitude` (finite, >= 0) falls inside it.
  mutating func cover(_ magnitude: Float) {
    guard magnitude > 0 else { return }
    largest = max(largest, magnitude)
    let needed = magnitude.exponent + 1  // 2^needed > magnitude
    guard let current = widthExponent else {
      widthExponent = needed
      return
    }
    if needed > current {
      mergeBins(doublings: needed - current)
      widthExponent = needed
    }
  }

  /// Multiplier from a magnitude to its bin index: binCount / width, a power of two, so the product is exact.
  var indexScale: Double {
    guard let exponent = widthExponent else { return 0 }
    return Double(sign: .plus, exponent: Self.binCountLog2 - exponent, significand: 1)
  }

  /// Counts the finite values of `values` by sign into `positive` (>= 0) and `negative` (< 0), which
  /// must already cover them; returns how many were exactly zero.
  static func countBySign(
    _ values: UnsafeBufferPointer<Float>, positive: inout MagnitudeHistogram,
    negative: inout MagnitudeHistogram, allFinite: Bool = false
  ) -> Int {
    let positiveScale = positive.indexScale
    let negativeScale = negative.indexScale
    let last = binCount - 1
    var zeros = 0
    var negativeCount = 0
    // Float products are exact here too (the scales are powers of two) as long as the scales are
    // normal floats; the branch-free loop below then takes one multiply and one increment per value.
    let fast = Float(positiveScale).isNormal && Float(negativeScale).isNormal || positiveScale == 0 || negativeScale == 0
    positive.counts.withUnsafeMutableBufferPointer { positiveBins in
      negative.counts.withUnsafeMutableBufferPointer { negativeBins in
        guard let positiveBase = positiveBins.baseAddress, let negativeBase = negativeBins.baseAddress else { return }
        if fast {
          // Four interleaved copies of both histograms: neighbouring values often fall into the same
          // bin (all the zeros after a ReLU), and one copy would serialize their increments through
          // memory. No branches on the values: ReLU outputs are zero at random, half the time.
          let scales = (Float(negativeScale), Float(positiveScale))
          // Small tensors count straight into the bins: flushing the copies would cost more than it saves.
          if values.count < 32768 {
            for value in values where allFinite || value.isFinite {
              let isNegative = value < 0
              let bin = min(Int(value.magnitude * (isNegative ? scales.0 : scales.1)), last)
              (isNegative ? negativeBase : positiveBase)[bin] &+= 1
              negativeCount &+= isNegative ? 1 : 0
              zeros &+= value == 0 ? 1 : 0
            }
            return
          }
          let lanes = 4
          let stride = 2 * binCount
          var copies = [UInt32](repeating: 0, count: lanes * stride)
          copies.withUnsafeMutableBufferPointer { copy in
            let bins = copy.baseAddress!
            var start = 0
            while start < values.count {
              // UInt32 counts flushed every 2^30 values per lane cannot overflow.
              let end = min(values.count, start + (1 << 30))
              for index in start..<end {
                let value = values[index]
                if !allFinite && !value.isFinite { continue }
                zeros &+= value == 0 ? 1 : 0
                let isNegative = value < 0
                let bin = min(Int(value.magnitude * (isNegative ? scales.0 : scales.1)), last)
                bins[(index & (lanes - 1)) &* stride &+ (isNegative ? 0 : binCount) &+ bin] &+= 1
              }
              for lane in 0..<lanes {
                for bin in 0..<binCount {
                  let negativeValue = Int(bins[lane * stride + bin])
                  let positiveValue = Int(bins[lane * stride + binCount + bin])
                  negativeBase[bin] += negativeValue
                  negativeCount += negativeValue
                  positiveBase[bin] += positiveValue
                }
              }
              for index in 0..<(lanes * stride) { bins[index] = 0 }
              start = end
            }
          }
        } else {
          for value in values where value.isFinite {
            if value >= 0 {
              if value == 0 { zeros += 1 }
              positiveBase[min(Int(Double(value) * positiveScale), last)] += 1
            } else {
              negativeBase[min(Int(Double(-value) * negativeScale), last)] += 1
              negativeCount += 1
            }
          }
        }
      }
    }
    var finite = 0
    for value in values where value.isFinite { finite += 1 }
    positive.total += finite - negativeCount
    negative.total += negativeCount
    return zeros
  }

  /// Adds `other`'s counts, bringing both to the wider of the two widths first.
  mutating func merge(_ other: MagnitudeHistogram) {
    var other = other
    cover(other.largest)
    if let exponent = widthExponent, let otherExponent = other.widthExponent,
      otherExponent < exponent
    {
      other.mergeBins(doublings: exponent - otherExponent)
    }
    for index in counts.indices { counts[index] += other.counts[index] }
    total += other.total
  }

  /// Doubles the width `doublings` times: each new bin j sums old bins [j * 2^d, (j + 1) * 2^d).
  private mutating func mergeBins(doublings: Int) {
    guard doublings > 0 else { return }
    let group = doublings >= Self.binCountLog2 ? Self.binCount : 1 << doublings
    var merged = Array(repeating: 0, count: Self.binCount)
    for index in counts.indices { merged[index / group] += counts[index] }
    counts = merged
  }
}
