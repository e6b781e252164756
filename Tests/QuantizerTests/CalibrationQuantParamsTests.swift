import Quantizer
import XCTest

final class CalibrationQuantParamsTests: XCTestCase {
  private func activation(_ low: Float, _ high: Float, _ type: ActivationType) -> QuantParams {
    QuantParams.activation(ActivationRange(low: low, high: high), type)
  }

  func testReLU6RangeInUInt8() {
    XCTAssertEqual(activation(0, 6, .uint8), QuantParams(scale: Float(6.0 / 255), zeroPoint: 0))
  }

  /// 1 / (2 / 255) is exactly 127.5 in float64: half to even gives 128 for uint8 and, from -0.5, 0 for
  /// int8 (half away from zero would give 128 and -1).
  func testZeroPointTiesRoundHalfToEven() {
    XCTAssertEqual(activation(-1, 1, .uint8), QuantParams(scale: Float(2.0 / 255), zeroPoint: 128))
    XCTAssertEqual(activation(-1, 1, .int8), QuantParams(scale: Float(2.0 / 255), zeroPoint: 0))
  }

  /// Values ONNX Runtime 1.32's `compute_scale_zp` returns for these float32 ranges.
  func testMatchesONNXRuntimeOnAnAsymmetricRange() {
    XCTAssertEqual(activation(-0.3, 2.7, .uint8), QuantParams(scale: 0.011764706, zeroPoint: 26))
    XCTAssertEqual(activation(-0.3, 2.7, .int8), QuantParams(scale: 0.011764706, zeroPoint: -102))
  }

  func testRangeIsWidenedToIncludeZero() {
    XCTAssertEqual(activation(2, 6, .uint8), activation(0, 6, .uint8))
    XCTAssertEqual(activation(-6, -2, .int8), QuantParams(scale: Float(6.0 / 255), zeroPoint: 127))
  }

  func testAllZeroRangeKeepsZeroExact() {
    XCTAssertEqual(activation(0, 0, .uint8), QuantParams(scale: 1, zeroPoint: 0))
    XCTAssertEqual(activation(0, 0, .int8), QuantParams(scale: 1, zeroPoint: 0))
  }

  func testNonFiniteBoundsDoNotCrash() {
    XCTAssertEqual(activation(.nan, .nan, .uint8), QuantParams(scale: 1, zeroPoint: 0))
    let wide = activation(-.infinity, .infinity, .int8)
    XCTAssertTrue(wide.scale.isFinite)
    XCTAssertEqual(wide.zeroPoint, 0)
  }

  /// Over many ranges: the ends quantize to the ends of the type (within one step) and 0 to the zero point.
  func testRangeEndsMapToTheTypeEnds() {
    var data = SampleData(seed: 41)
    for _ in 0..<1_000 {
      let low = -Float(data.unit() * 10)
      let high = Float(data.unit() * 10) + 0.001
      for (type, qmin, qmax) in [(ActivationType.uint8, 0.0, 255.0), (.int8, -128, 127)] {
        let params = activation(low, high, type)
        let zeroPoint = Double(params.zeroPoint)
        XCTAssertEqual(Double(low) / Double(params.scale) + zeroPoint, qmin, accuracy: 0.5 + 1e-4)
        XCTAssertEqual(Double(high) / Double(params.scale) + zeroPoint, qmax, accuracy: 0.5 + 1e-4)
      }
    }
  }

  func testSymmetricWeightScale() {
    XCTAssertEqual(
      QuantParams.symmetricWeight(maxMagnitude: 1.27),
      QuantParams(scale: Float(1.27 / 127), zeroPoint: 0))
    XCTAssertEqual(
      QuantParams.symmetricWeight(maxMagnitude: 127), QuantParams(scale: 1, zeroPoint: 0))
    XCTAssertEqual(
      QuantParams.symmetricWeight(maxMagnitude: 0), QuantParams(scale: 1, zeroPoint: 0))
  }
}
