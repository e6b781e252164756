import XCTest

@testable import Quantizer

final class CalibrationRangeTests: XCTestCase {
  private func statistics(_ values: [Float]) -> TensorStatistics {
    var stats = TensorStatistics()
    stats.add(values)
    return stats
  }

  private func choose(
    _ values: [Float], _ method: CalibrationMethod, percentile: Double = 99.999
  ) -> ActivationRange {
    RangeChooser.choose(statistics(values), method: method, percentile: percentile, levels: 256)
  }

  private func fractionInside(_ values: [Float], _ range: ActivationRange) -> Double {
    Double(values.filter { $0 >= range.low && $0 <= range.high }.count) / Double(values.count)
  }

  func testMinMaxIsTheObservedRangeWithZeroAdded() {
    XCTAssertEqual(choose([0.5, 3, 1], .minmax), ActivationRange(low: 0, high: 3))
    XCTAssertEqual(choose([-2, -1], .minmax), ActivationRange(low: -2, high: 0))
    XCTAssertEqual(choose([-2.25, 7.5, .nan], .minmax), ActivationRange(low: -2.25, high: 7.5))
  }

  /// 100,000 uniform values in [0, 1) and 10 outliers in [50, 60]: cutting 0.05% per side drops the
  /// outliers and the 40 largest regular values, so the threshold is the 51st largest value.
  func testPercentileClipsTheOutliersOfUniformData() {
    var data = SampleData(seed: 21)
    let values = data.uniform(100_000, in: 0...1) + data.uniform(10, in: 50...60)
    let range = choose(values, .percentile, percentile: 99.9)
    let sorted = values.sorted()
    XCTAssertEqual(range.low, 0)
    // 50.005 values beyond: between the 51st and the 50th largest.
    XCTAssertEqual(Double(range.high), Double(sorted[sorted.count - 51]), accuracy: 0.001)
  }

  func testPercentileMatchesSortedQuantilesOnBothSides() {
    var data = SampleData(seed: 22)
    let values = data.gaussian(200_000, mean: 0.5, deviation: 1)
    let sorted = values.sorted()
    let range = choose(values, .percentile, percentile: 99)  // 0.5%, 1,000 values, per side
    let binWidth = statistics(values).positive.binWidth
    XCTAssertEqual(Double(range.low), Double(sorted[1_000]), accuracy: binWidth)
    XCTAssertEqual(Double(range.high), Double(sorted[sorted.count - 1_001]), accuracy: binWidth)
  }

  func testPercentileOfHundredIsMinMax() {
    var data = SampleData(seed: 23)
    let values = data.laplace(10_000)
    XCTAssertEqual(choose(values, .percentile, percentile: 100), choose(values, .minmax))
  }

  /// The cut is a share of all values: a side with fewer values than that is clipped to 0.
  func testPercentileClipsASparseSideToZero() {
    var data = SampleData(seed: 24)
    let values = data.uniform(1_000_000, in: 0...4) + [-5, -5, -5]
    let range = choose(values, .percentile, percentile: 99.99)  // 50 values per side
    XCTAssertEqual(range.low, 0)
    XCTAssertGreaterThan(range.high, 3.99)
  }

  /// N(0, 1) and two outliers, the case where ONNX Runtime's default entropy calibration is minmax
  /// (its 2048-bin entropy gives about +-5.2).
  func testEntropyClipsFarOutliersOfGaussianData() {
    var data = SampleData(seed: 25)
    let values = data.gaussian(100_000) + [-35, 40]
    let range = choose(values, .entropy)
    XCTAssertLessThan(range.high, 8)
    XCTAssertGreaterThan(range.low, -8)
    XCTAssertGreaterThan(range.high, 3)
    XCTAssertLessThan(range.low, -3)
    XCTAssertGreaterThan(fractionInside(values, range), 0.999)
  }

  /// A ReLU output: the positive side gets all 255 steps (so it clips less than a side of a symmetric
  /// tensor, which gets about half), the negative side stays empty.
  func testEntropyOnAReLUOutputKeepsZeroAsTheLowerBound() {
    var data = SampleData(seed: 26)
    let values = data.gaussian(100_000).map { max($0, 0) } + [40]
    let range = choose(values, .entropy)
    XCTAssertEqual(range.low, 0)
    XCTAssertGreaterThan(range.high, 3)
    XCTAssertLessThan(range.high, 12)
    XCTAssertGreaterThan(fractionInside(values, range), 0.999)
  }

  /// Asymmetric data: the narrow side must not be clipped into its bulk for want of levels.
  func testEntropyOnSkewedDataSharesTheLevelsBySide() {
    var data = SampleData(seed: 27)
    let values = data.gaussian(100_000, mean: 3, deviation: 1) + [60]
    let range = choose(values, .entropy)
    XCTAssertLessThan(range.high, 12)
    XCTAssertGreaterThan(range.high, 6)
    XCTAssertGreaterThan(fractionInside(values, range), 0.999)
  }

  /// Clipping an outlier at 40 to 5 costs 35^2 of squared error, so MSE clips only when the rounding
  /// noise saved over all values is larger: here, with a million values, it is (about 7,200 to 2,000).
  func testMSEClipsFarOutliersOfGaussianData() {
    var data = SampleData(seed: 28)
    let values = data.gaussian(1_000_000) + [-35, 40]
    let range = choose(values, .mse)
    XCTAssertLessThan(range.high, 20)
    XCTAssertGreaterThan(range.low, -20)
    XCTAssertGreaterThan(fractionInside(values, range), 0.9999)
    let minmaxError = measuredSquaredError(values, range: choose(values, .minmax))
    XCTAssertLessThan(measuredSquaredError(values, range: range), 0.5 * minmaxError)
  }

  /// Student's t (3 degrees of freedom): the error actually measured after quantizing with the chosen
  /// parameters must be below minmax's (by about 10% on this sample) and within 5% of the best of a
  /// brute-force search over ranges shrunk jointly from minmax. Some slack is needed because the bulk of
  /// the values spans only a few steps, so where the grid falls moves the measured error a little between
  /// neighboring ranges, while MSE estimates rounding noise as step^2 / 12.
  func testMSEBeatsMinMaxOnHeavyTailedData() {
    var data = SampleData(seed: 29)
    let values = data.studentT(50_000, degrees: 3)
    let minmax = choose(values, .minmax)
    let mseError = measuredSquaredError(values, range: choose(values, .mse))
    XCTAssertLessThan(mseError, 0.95 * measuredSquaredError(values, range: minmax))
    let bruteForceBest = (1...50).map { step -> Double in
      let factor = Float(step) / 50
      return measuredSquaredError(
        values, range: ActivationRange(low: minmax.low * factor, high: minmax.high * factor))
    }.min()!
    XCTAssertLessThan(mseError, 1.05 * bruteForceBest)
  }

  func testEveryMethodKeepsItsPromises() {
    var data = SampleData(seed: 30)
    let cases: [[Float]] = [
      [], [0, 0, -0.0], [5], [-5], [1e-30, -1e-30], [3e38, -3e38, 1], [.nan],
      [.infinity, -.infinity, 1],
      [Float](repeating: 2, count: 1_000), [-1, 1_000], data.gaussian(5_000).map { max($0, 0) },
      data.gaussian(5_000, mean: -3), data.laplace(5_000) + [.nan, .infinity],
      data.uniform(10_000, in: 0...1) + [-1e-6],
    ]
    for values in cases {
      let stats = statistics(values)
      let observed = RangeChooser.choose(stats, method: .minmax, percentile: 99.999, levels: 256)
      let allZero = stats.count == 0 || (stats.minimum == 0 && stats.maximum == 0)
      for method in CalibrationMethod.allCases {
        for percentile in [50, 99.999, 100] {
          let range = RangeChooser.choose(
            stats, method: method, percentile: percentile, levels: 256)
          let label = "\(method) \(percentile) on \(values.prefix(4))"
          XCTAssertTrue(range.low.isFinite && range.high.isFinite, label)
          XCTAssertLessThanOrEqual(range.low, 0, label)
          XCTAssertGreaterThanOrEqual(range.high, 0, label)
          XCTAssertGreaterThanOrEqual(range.low, observed.low, label)
          XCTAssertLessThanOrEqual(range.high, observed.high, label)
          if !allZero { XCTAssertLessThan(range.low, range.high, label) }
        }
      }
    }
  }
}
