import CSupport

/// Signal-to-quantization-noise ratio over calibration samples: 10 log10(sum x^2 / sum (x - y)^2), with
/// x the float reference and y the quantized model's value. Sums run in float64 over all samples, so a
/// sample with large values weighs more, as in a single long signal.
public struct SQNRAccumulator {
  private var signal = 0.0
  private var noise = 0.0
  /// `add` calls so far.
  public private(set) var samples = 0
  /// Element pairs summed.
  public private(set) var elements = 0
  /// Element pairs skipped because either side was NaN or infinite.
  public private(set) var nonFinitePairs = 0

  public init() {}

  public mutating func add(
    reference: UnsafeBufferPointer<Float>, approximation: UnsafeBufferPointer<Float>
  ) {
    precondition(
      reference.count == approximation.count,
      "SQNRAccumulator: \(reference.count) reference values, \(approximation.count) approximations")
    samples += 1
    for (x, y) in zip(reference, approximation) {
      guard x.isFinite && y.isFinite else {
        nonFinitePairs += 1
        continue
      }
      let difference = Double(x) - Double(y)
      signal += Double(x) * Double(x)
      noise += difference * difference
      elements += 1
    }
  }

  public mutating func add(reference: [Float], approximation: [Float]) {
    reference.withUnsafeBufferPointer { x in
      approximation.withUnsafeBufferPointer { y in add(reference: x, approximation: y) }
    }
  }

  /// +inf when there is no noise at all (also for an all-zero signal), -inf for noise on a zero signal,
  /// NaN before any element pair.
  public var decibels: Double {
    guard elements > 0 else { return .nan }
    if noise == 0 { return .infinity }
    if signal == 0 { return -.infinity }
    return 10 * log(signal / noise) / log(10.0)
  }
}
