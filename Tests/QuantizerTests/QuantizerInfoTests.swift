import XCTest

@testable import Quantizer

final class QuantizerInfoTests: XCTestCase {
  func testProducerName() { XCTAssertEqual(QuantizerInfo.producerName, "onnx-quant") }
}
