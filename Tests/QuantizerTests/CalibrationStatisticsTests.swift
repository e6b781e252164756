import XCTest

@testable import Quantizer

final class CalibrationStatisticsTests: XCTestCase {
  func testEmptyStatistics() {
    let stats = TensorStatistics()
    XCTAssertEqual(stats.minimum, .infinity)
    XCTAssertEqual(stats.maximum, -.infinity)
    XCTAssertEqual(stats.count, 0)
    XCTAssertEqual(stats.positive.width, 0)
    for method in CalibrationMethod.allCases {
      XCTAssertEqual(
        RangeChooser.choose(stats, method: method, percentile: 99.999, levels: 256),
        ActivationRange(low: 0, high: 0), "\(method)")
    }
  }

  func testNaNsAndInfinitiesAreCountedAndLeftOut() {
    var stats = TensorStatistics()
    stats.add([.nan, .infinity, -.infinity, 1, -2, 0])
    stats.add([.nan, .nan])
    XCTAssertEqual(stats.count, 3)
    XCTAssertEqual(stats.zeroCount, 1)
    XCTAssertEqual(stats.nanCount, 3)
    XCTAssertEqual(stats.infinityCount, 2)
    XCTAssertEqual(stats.minimum, -2)
    XCTAssertEqual(stats.maximum, 1)
    // One stray infinity must not blow the histogram's width up.
    XCTAssertEqual(stats.positive.width, 2)
    XCTAssertEqual(stats.negative.width, 4)
    XCTAssertEqual(stats.positive.total + stats.negative.total, 3)
  }

  func testZerosGoToTheNonNegativeSide() {
    var stats = TensorStatistics()
    stats.add([0, -0.0, 0, 0])
    XCTAssertEqual(stats.count, 4)
    XCTAssertEqual(stats.zeroCount, 4)
    XCTAssertEqual(stats.positive.counts[0], 4)
    XCTAssertEqual(stats.negative.total, 0)
  }

  func testWidthIsTheSmallestPowerOfTwoAboveTheLargestMagnitude() {
    var stats = TensorStatistics()
    stats.add([3, -4])
    XCTAssertEqual(stats.positive.width, 4)
    XCTAssertEqual(stats.negative.width, 8)  // 4 itself must fall inside [0, width)
    stats.add([1000])
    XCTAssertEqual(stats.positive.width, 1024)
    XCTAssertEqual(stats.positive.counts.count, TensorStatistics.binCount)
    XCTAssertEqual(TensorStatistics.binCount, 2048)
  }

  /// Batches of growing magnitude force repeated doublings; the result must equal a histogram counted
  /// directly at the final width, so counts and every quantile (to a bin) survive the merges.
  func testGrowingHistogramEqualsOneCountedAtTheFinalWidth() {
    var data = SampleData(seed: 11)
    var all: [Float] = []
    var stats = TensorStatistics()
    for scale in [0.01, 0.3, 2.0, 50.0, 700.0] {
      let batch = data.gaussian(5_000, deviation: scale)
      all += batch
      stats.add(batch)
    }
    XCTAssertEqual(stats.count, all.count)
    XCTAssertEqual(stats.minimum, all.min())
    XCTAssertEqual(stats.maximum, all.max())
    for (side, sign) in [(stats.positive, Float(1)), (stats.negative, Float(-1))] {
      let magnitudes = all.filter { sign > 0 ? $0 >= 0 : $0 < 0 }.map(abs)
      let largest = magnitudes.max()!
      XCTAssertEqual(
        side.width, Double(sign: .plus, exponent: largest.exponent + 1, significand: 1))
      var expected = [Int](repeating: 0, count: 2048)
      for m in magnitudes { expected[Int(Double(m) / side.binWidth)] += 1 }
      XCTAssertEqual(side.counts, expected)
      XCTAssertEqual(side.total, magnitudes.count)
    }
  }

  func testMergeAndBatchOrderGiveTheSameStatistics() {
    var data = SampleData(seed: 12)
    let batches = (0..<6).map { data.laplace(2_000, scale: pow(3, Double($0))) }
    var forward = TensorStatistics()
    for batch in batches { forward.add(batch) }
    var backward = TensorStatistics()
    for batch in batches.reversed() { backward.add(batch) }
    var firstHalf = TensorStatistics()
    var secondHalf = TensorStatistics()
    for batch in batches[..<3] { firstHalf.add(batch) }
    for batch in batches[3...] { secondHalf.add(batch) }
    var merged = secondHalf
    merged.merge(firstHalf)
    for other in [backward, merged] {
      XCTAssertEqual(other.minimum, forward.minimum)
      XCTAssertEqual(other.maximum, forward.maximum)
      XCTAssertEqual(other.count, forward.count)
      XCTAssertEqual(other.positive.counts, forward.positive.counts)
      XCTAssertEqual(other.negative.counts, forward.negative.counts)
      XCTAssertEqual(other.positive.width, forward.positive.width)
    }
    var intoEmpty = TensorStatistics()
    intoEmpty.merge(forward)
    XCTAssertEqual(intoEmpty.positive.counts, forward.positive.counts)
    XCTAssertEqual(intoEmpty.negative.width, forward.negative.width)
  }

  func testExtremeMagnitudes() {
    var stats = TensorStatistics()
    stats.add([.greatestFiniteMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude])
    XCTAssertEqual(stats.count, 3)
    XCTAssertEqual(stats.positive.counts[2047], 1)  // the largest float is just under 2^128
    XCTAssertEqual(stats.positive.counts[0], 1)
    XCTAssertEqual(stats.negative.counts[1024], 1)
  }
}
