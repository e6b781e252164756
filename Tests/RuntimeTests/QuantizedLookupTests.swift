import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

final class QuantizedLookupTests: XCTestCase {
  private func lookup(_ function: String, _ type: DataType, scale: Float, zero: Int, outScale: Float, outZero: Int,
    attributes: [Attribute] = []) throws -> [Int]
  {
    let codes: [UInt8] = (0..<256).map { UInt8($0) }
    let node = Node(
      name: "f", opType: "QLinearLookup", domain: "ai.onnx-quant", inputs: ["x", "xs", "xz", "ys", "yz"],
      outputs: ["y"], attributes: [Attribute(name: "function", value: .string(Array(function.utf8)))] + attributes)
    let zeroConstant = { (value: Int) -> Constant in
      type == .uint8 ? Constant(.uint8, [], values: [UInt8(value)]) : Constant(.int8, [], values: [Int8(value)])
    }
    let result = try KernelHarness.run(
      node,
      [
        .runtime(Constant(type, [256], values: codes)), .constant(Constant(.float, [], values: [scale])),
        .constant(zeroConstant(zero)), .constant(Constant(.float, [], values: [outScale])),
        .constant(zeroConstant(outZero)),
      ])
    return result.outputs[0].values(UInt8.self).map { type == .uint8 ? Int($0) : Int(Int8(bitPattern: $0)) }
  }

  /// Every code against the function evaluated in float64 and rounded half to even: at most one step apart.
  func testTablesAgreeWithFloat64WithinOneStep() throws {
    let functions: [(String, (Double) -> Double)] = [
      ("Tanh", { Foundation.tanh($0) }),
      ("HardSigmoid", { max(0, min(1, 0.2 * $0 + 0.5)) }),
      ("HardSwish", { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
    ]
    for (name, f) in functions {
      for (type, zero, outZero) in [(DataType.uint8, 128, 0), (DataType.int8, -3, -128), (DataType.uint8, 40, 10)] {
        let scale: Float = 0.047
        let outScale: Float = name == "HardSwish" ? 0.03 : 1.0 / 255
        let actual = try lookup(name, type, scale: scale, zero: zero, outScale: outScale, outZero: outZero)
        var differing = 0
        for index in 0..<256 {
          let code = type == .uint8 ? index : Int(Int8(bitPattern: UInt8(index)))
          let real = Double(Float(code - zero) * scale)
          let (low, high) = type == .uint8 ? (0.0, 255.0) : (-128.0, 127.0)
          let expected = Int(min(max((f(real) / Double(outScale)).rounded(.toNearestOrEven) + Double(outZero), low), high))
          XCTAssertLessThanOrEqual(abs(actual[index] - expected), 1, name + " code " + String(code))
          if actual[index] != expected { differing += 1 }
        }
        XCTAssertLessThan(differing, 8, name)
      }
    }
  }

  func testHardSigmoidAttributesAreUsed() throws {
    let values = try lookup(
      "HardSigmoid", .uint8, scale: 0.1, zero: 128, outScale: 1.0 / 256, outZero: 0,
      attributes: [Attribute(name: "alpha", value: .float(0.5)), Attribute(name: "beta", value: .float(0))])
    // code 138 is x = 1.0: 0.5 * 1 + 0 = 0.5 -> 128 steps of 1/256; code 255 saturates at 1 -> 255.
    XCTAssertEqual(values[138], 128)
    XCTAssertEqual(values[128], 0)
    XCTAssertEqual(values[255], 255)
  }

  func testQDQTanhBecomesOneTableStep() throws {
    func scalar(_ name: String, _ value: Float) -> Tensor {
      Tensor(name: name, dataType: .float, dims: [], bytes: withUnsafeBytes(of: value) { Array($0) })
    }
    let zero = Tensor(name: "zp", dataType: .uint8, dims: [], bytes: [128])
    let graph = Graph(
      nodes: [
        Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "zp"], outputs: ["xq"]),
        Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "s", "zp"], outputs: ["xf"]),
        Node(name: "tanh", opType: "Tanh", inputs: ["xf"], outputs: ["t"]),
        Node(name: "q2", opType: "QuantizeLinear", inputs: ["t", "s2", "zp"], outputs: ["tq"]),
        Node(name: "dq2", opType: "DequantizeLinear", inputs: ["tq", "s2", "zp"], outputs: ["y"]),
      ],
      initializers: [scalar("s", 0.05), scalar("s2", 1.0 / 128), zero],
      inputs: [ValueInfo(name: "x", type: .tensor(elementType: 1, shape: [ShapeDimension(.value(5))]))],
      outputs: [ValueInfo(name: "y", type: nil)])
    let session = try Session(
      model: Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)], graph: graph))
    XCTAssertEqual(session.plan.steps.map { $0.op }, [.quantizeLinear, .qlinearLookup, .dequantizeLinear])
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for (index, value) in [-2, -0.5, 0, 0.5, 2].enumerated() { x[index] = Float(value) }
    session.run()
    let y = Array(UnsafeBufferPointer(start: session.outputs[0].pointer.assumingMemoryBound(to: Float.self), count: 5))
    for (index, value) in [-2.0, -0.5, 0, 0.5, 2].enumerated() {
      XCTAssertEqual(Double(y[index]), Foundation.tanh(value), accuracy: 1.0 / 128 + 0.05, "x = " + String(value))
    }
  }
}
