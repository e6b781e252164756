import Quantizer
import XCTest

final class CalibrationSQNRTests: XCTestCase {
  /// Signal 1, noise 0.1: 10 log10(1 / 0.01) = 20 dB.
  func testKnownSignalAndNoise() {
    var sqnr = SQNRAccumulator()
    sqnr.add(
      reference: [Float](repeating: 1, count: 1_000),
      approximation: [Float](repeating: 1.1, count: 1_000))
    XCTAssertEqual(sqnr.decibels, 20, accuracy: 1e-5)
    XCTAssertEqual(sqnr.samples, 1)
    XCTAssertEqual(sqnr.elements, 1_000)
  }

  /// Samples pool into one ratio of sums, not an average of per-sample ratios.
  func testSamplesAccumulate() {
    var sqnr = SQNRAccumulator()
    sqnr.add(reference: [3, 4], approximation: [3, 3])  // signal 25, noise 1
    sqnr.add(reference: [0], approximation: [1])  // signal 0, noise 1
    XCTAssertEqual(sqnr.decibels, 10 * log10(25.0 / 2), accuracy: 1e-9)
    XCTAssertEqual(sqnr.samples, 2)
  }

  func testEdgeCases() {
    var empty = SQNRAccumulator()
    XCTAssertTrue(empty.decibels.isNaN)
    empty.add(reference: [], approximation: [])
    XCTAssertTrue(empty.decibels.isNaN)

    var exact = SQNRAccumulator()
    exact.add(reference: [1, -2], approximation: [1, -2])
    XCTAssertEqual(exact.decibels, .infinity)

    var noSignal = SQNRAccumulator()
    noSignal.add(reference: [0, 0], approximation: [0, 1])
    XCTAssertEqual(noSignal.decibels, -.infinity)

    var nonFinite = SQNRAccumulator()
    nonFinite.add(reference: [1, .nan, 1], approximation: [1.1, 1, .infinity])
    XCTAssertEqual(nonFinite.elements, 1)
    XCTAssertEqual(nonFinite.nonFinitePairs, 2)
    XCTAssertEqual(nonFinite.decibels, 20, accuracy: 1e-5)
  }

  /// Quantizing N(0, 1) to uint8 over +-4 leaves noise of step^2 / 12 per value, step = 8 / 255: about
  /// 10 log10(1 / (step^2 / 12)) = 40.9 dB.
  func testQuantizedGaussianMatchesTheUniformNoiseModel() {
    var data = SampleData(seed: 51)
    let values = data.gaussian(100_000).map { min(max($0, -4), 4) }
    let params = QuantParams.activation(ActivationRange(low: -4, high: 4), .uint8)
    let zeroPoint = Float(params.zeroPoint)
    let approximations = values.map { x -> Float in
      let q = min(max((x / params.scale).rounded(.toNearestOrEven) + zeroPoint, 0), 255)
      return (q - zeroPoint) * params.scale
    }
    var sqnr = SQNRAccumulator()
    sqnr.add(reference: values, approximation: approximations)
    let step = 8.0 / 255
    let signal = values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)
    XCTAssertEqual(sqnr.decibels, 10 * log10(signal / (step * step / 12)), accuracy: 0.1)
  }
}
