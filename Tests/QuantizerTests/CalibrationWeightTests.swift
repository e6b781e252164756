import Quantizer
import XCTest

final class CalibrationWeightTests: XCTestCase {
  /// Scales 1 and 2 make the halves exact ties: 2.5 -> 2, 0.5 -> 0, 1.5 -> 2, -1.5 -> -2.
  func testPerChannelRoundsHalfToEven() {
    let weights: [Float] = [
      127, -2.5, 0.5, 1.5,  // channel 0: max 127, scale 1
      -254, 5, -3, 1,  // channel 1: max 254, scale 2
    ]
    let (values, scales) = WeightQuantizer.quantize(weights, shape: [2, 4], channelAxis: 0)
    XCTAssertEqual(scales, [1, 2])
    XCTAssertEqual(values, [127, -2, 0, 2, -127, 2, -2, 0])
  }

  func testConvWeightsPerOutputChannel() {
    // [M=2, C=1, kh=2, kw=2]
    let weights: [Float] = [0.5, -1, 0.25, 0, 10, 5, -2.5, 0.1]
    let (values, scales) = WeightQuantizer.quantize(weights, shape: [2, 1, 2, 2], channelAxis: 0)
    XCTAssertEqual(scales, [Float(1.0 / 127), Float(10.0 / 127)])
    let expected = weights.enumerated().map { index, w -> Int8 in
      Int8((w / scales[index / 4]).rounded(.toNearestOrEven))
    }
    XCTAssertEqual(values, expected)
    XCTAssertEqual(values[1], -127)
    XCTAssertEqual(values[4], 127)
  }

  /// A MatMul B of shape [K, N] is quantized per column: channel axis 1.
  func testChannelAxisOtherThanZero() {
    let weights: [Float] = [1, 100, -127, 50]  // [[1, 100], [-127, 50]]
    let (values, scales) = WeightQuantizer.quantize(weights, shape: [2, 2], channelAxis: 1)
    XCTAssertEqual(scales, [1, Float(100.0 / 127)])
    XCTAssertEqual(values, [1, 127, -127, Int8((50 / scales[1]).rounded(.toNearestOrEven))])
  }

  func testPerTensorHasOneScale() {
    let (values, scales) = WeightQuantizer.quantize([0.5, -254, 3], shape: [3], channelAxis: nil)
    XCTAssertEqual(scales, [2])
    XCTAssertEqual(values, [0, -127, 2])
  }

  func testAllZeroChannelAndNonFiniteWeights() {
    let (values, scales) = WeightQuantizer.quantize(
      [0, 0, .nan, 1, .infinity, -1], shape: [3, 2], channelAxis: 0)
    XCTAssertEqual(scales[0], 1)
    XCTAssertEqual(scales[1], Float(1.0 / 127))
    XCTAssertEqual(Array(values[0...3]), [0, 0, 0, 127])
    XCTAssertEqual(values[4], 127)
    XCTAssertEqual(values[5], 0)
  }

  /// Bias scales are input scale x weight scale; binary scales make 2.5 and 3.5 exact ties.
  func testBiasPerChannel() {
    let (values, scales) = WeightQuantizer.quantizeBias(
      [0.3125, 0.21875, 1e30, -1e30], inputScale: 0.5, weightScales: [0.25, 0.125, 0.25, 0.125])
    XCTAssertEqual(scales, [0.125, 0.0625, 0.125, 0.0625])
    XCTAssertEqual(values, [2, 4, .max, .min])
  }

  func testBiasWithOneWeightScale() {
    let inputScale: Float = 0.02
    let weightScale: Float = 0.003
    let bias: [Float] = [1, -0.5, 0, .nan]
    let (values, scales) = WeightQuantizer.quantizeBias(
      bias, inputScale: inputScale, weightScales: [weightScale])
    let scale = inputScale * weightScale
    XCTAssertEqual(scales, [scale])
    XCTAssertEqual(
      values,
      [
        Int32((1 / Double(scale)).rounded(.toNearestOrEven)),
        Int32((-0.5 / Double(scale)).rounded(.toNearestOrEven)), 0, 0,
      ])
  }
}
