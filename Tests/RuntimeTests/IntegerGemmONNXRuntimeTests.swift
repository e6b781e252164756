import ONNXFormat
import XCTest

@testable import Runtime

/// QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger and QGemm against ONNX Runtime 1.32's
/// outputs (IntegerGemmGoldens.swift): bit for bit.
final class IntegerGemmONNXRuntimeTests: XCTestCase {
  /// Runs a golden case with the inputs at `runtime` known only at run time, the others at load.
  func output(_ golden: IntegerGolden, runtime: Set<Int>) throws -> Constant {
    let names = golden.inputs.enumerated().map { $0.element == nil ? "" : "in" + String($0.offset) }
    let node = Node(
      name: golden.name, opType: golden.opType, domain: golden.domain, inputs: names,
      outputs: ["y"],
      attributes: golden.attributes)
    let inputs: [HarnessInput] = golden.inputs.enumerated().map { index, tensor in
      guard let tensor = tensor else { return .omitted }
      return runtime.contains(index) ? .runtime(tensor.constant) : .constant(tensor.constant)
    }
    return try KernelHarness.run(node, opset: 13, inputs).outputs[0]
  }

  func testEveryCaseIsBitIdentical() throws {
    XCTAssertEqual(IntegerGemmGoldens.cases.count, 14)
    for golden in IntegerGemmGoldens.cases {
      assertSameTensor(try output(golden, runtime: [0]), golden.output.constant, golden.name)
    }
  }

  /// The operands that may be known only at run time: B of the matrix products (packed into scratch),
  /// the zero points of A and B of MatMulInteger and the input zero point of ConvInteger.
  func testRuntimeOperandsAreBitIdentical() throws {
    var checked = 0
    for golden in IntegerGemmGoldens.cases {
      let runtime: Set<Int>
      switch golden.opType {
      case "QLinearMatMul", "QGemm": runtime = [0, 3]
      case "MatMulInteger": runtime = [0, 1, 2, 3]
      case "ConvInteger": runtime = [0, 2]
      default: continue
      }
      assertSameTensor(
        try output(golden, runtime: runtime), golden.output.constant,
        golden.name + " (run-time operands)")
      checked += 1
    }
    XCTAssertEqual(checked, 8)
  }

  /// The checked-in generator describes every case the goldens hold.
  func testGoldensCoverThePromisedCases() {
    let names = Set(IntegerGemmGoldens.cases.map { $0.name })
    for name in [
      "qlinearconv_per_channel_u8s8", "qlinearconv_depthwise_u8u8",
      "qlinearconv_depthwise_multiplier_s8s8",
      "qlinearconv_pointwise_u8s8", "qlinearmatmul_2d_u8u8", "qgemm_u8s8_transb_per_column",
      "qgemm_u8u8_float_output",
    ] {
      XCTAssertTrue(names.contains(name), name)
    }
  }
}
