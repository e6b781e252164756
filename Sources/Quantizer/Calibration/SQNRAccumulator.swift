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
    if let (blockSignal, blockNoise) = Self.finiteSums(reference, approximation) {
      signal += blockSignal
      noise += blockNoise
      elements += reference.count
      return
    }
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

  /// Sums of x^2 and (x - y)^2 in vector registers, in float blocks of 1024 added up in double; nil
  /// when a pair is not finite (the scalar loop then skips and counts those).
  static func finiteSums(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> (Double, Double)? {
    guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return (0, 0) }
    let xRaw = UnsafeRawPointer(xBase)
    let yRaw = UnsafeRawPointer(yBase)
    var signal = 0.0
    var noise = 0.0
    var index = 0
    let width = 16
    while index + width <= x.count {
      let end = min(x.count - (x.count - index) % width, index + 1024)
      var blockSignal = SIMD16<Float>()
      var blockNoise = SIMD16<Float>()
      var flag = SIMD16<Float>()  // NaN once any value is NaN or infinite (x * 0)
      while index < end {
        let a = xRaw.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
        let b = yRaw.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
        flag += a * 0 + b * 0
        let difference = a - b
        blockSignal += a * a
        blockNoise += difference * difference
        index += width
      }
      if flag.sum().isNaN { return nil }
      signal += Double(blockSignal.sum())
      noise += Double(blockNoise.sum())
    }
    while index < x.count {
      let a = x[index]
      let b = y[index]
      if !a.isFinite || !b.isFinite { return nil }
      signal += Double(a) * Double(a)
      noise += (Double(a) - Double(b)) * (Double(a) - Double(b))
      index += 1
    }
    return (signal, noise)
  }

  /// Adds another accumulator's sums (samples gathered by another worker).
  public mutating func merge(_ other: SQNRAccumulator) {
    signal += other.signal
    noise += other.noise
    samples += other.samples
    elements += other.elements
    nonFinitePairs += other.nonFinitePairs
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
