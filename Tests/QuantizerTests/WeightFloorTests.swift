import XCTest

@testable import Quantizer

final class WeightFloorTests: XCTestCase {
  func testMinimumScalesRaiseOnlyTheChannelsBelowThem() {
    let weights: [Float] = [1e-35, -2e-35, 0.5, -1.27]
    let (values, scales) = WeightQuantizer.quantize(
      weights, shape: [2, 2], channelAxis: 0, minimumScales: [1e-9, 1e-9])
    XCTAssertEqual(scales[0], 1e-9)
    XCTAssertEqual(scales[1], 0.01, accuracy: 1e-9)
    XCTAssertEqual(values, [0, 0, 50, -127])
  }

  func testBiasOfANearlyZeroChannelStaysInsideInt32() {
    // Without the floor the channel's scale is 2e-35 / 127 and 0.5 / (0.01 * that) overflows int32.
    let weights: [Float] = [2e-35, 1e-35]
    let inputScale: Float = 0.01
    let bias: Float = 0.5
    let floor = Float(Double(bias) / (Double(inputScale) * 2_126_008_810))
    let (_, scales) = WeightQuantizer.quantize(weights, shape: [1, 2], channelAxis: 0, minimumScales: [floor])
    let (quantized, biasScales) = WeightQuantizer.quantizeBias([bias], inputScale: inputScale, weightScales: scales)
    XCTAssertLessThan(quantized[0], Int32.max)
    XCTAssertEqual(Float(quantized[0]) * biasScales[0], bias, accuracy: bias * 1e-6)
    let (saturated, _) = WeightQuantizer.quantizeBias(
      [bias], inputScale: inputScale, weightScales: [WeightQuantizer.quantize(weights, shape: [1, 2], channelAxis: 0).scales[0]])
    XCTAssertEqual(saturated[0], Int32.max)
  }
}
