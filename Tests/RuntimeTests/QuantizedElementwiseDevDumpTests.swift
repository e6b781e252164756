import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

// TEMPORARY development check: compares the kernels with ONNX Runtime outputs dumped by /tmp/qe/gen_dump.py.
final class QuantizedElementwiseDevDumpTests: XCTestCase {
  func testDump() throws {
    guard let path = ProcessInfo.processInfo.environment["QE_DUMP"] else { throw XCTSkip("QE_DUMP not set") }
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var at = 0
    func i32() -> Int32 { defer { at += 4 }; return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int32.self) } }
    func f32() -> Float { defer { at += 4 }; return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Float.self) } }
    func u8() -> UInt8 { defer { at += 1 }; return data[at] }
    func bytes(_ n: Int) -> [UInt8] { defer { at += n }; return Array(data[at..<(at + n)]) }
    let count = Int(i32())
    var mismatches = [Int](repeating: 0, count: 5)
    var totals = [Int](repeating: 0, count: 5)
    var maxDiff = [Int](repeating: 0, count: 5)
    for _ in 0..<count {
      let op = Int(u8())
      let signed = u8() == 1
      let dt: DataType = signed ? .int8 : .uint8
      var shapes: [[Int]] = []
      for _ in 0..<2 {
        let rank = Int(u8())
        var s: [Int] = []
        for _ in 0..<rank { s.append(Int(i32())) }
        shapes.append(s)
      }
      let s0 = f32(), z0 = i32(), s1 = f32(), z1 = i32(), s2 = f32(), z2 = i32()
      let alpha = f32(), axis = Int(i32()), opset = Int(i32())
      let a = bytes(shapes[0].reduce(1, *))
      let b = bytes(shapes[1].reduce(1, *))
      func scale(_ v: Float) -> HarnessInput { .constant(Constant(.float, [], values: [v])) }
      func zp(_ v: Int32) -> HarnessInput {
        signed ? .constant(Constant(.int8, [], values: [Int8(v)])) : .constant(Constant(.uint8, [], values: [UInt8(v)]))
      }
      let A = HarnessInput.runtime(Constant(dt, shapes[0], values: a))
      let names = ["QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax"]
      var inputs: [HarnessInput]
      var attributes: [Attribute] = []
      var outCount: Int
      if op <= 1 {
        let B = HarnessInput.runtime(Constant(dt, shapes[1], values: b))
        inputs = [A, scale(s0), zp(z0), B, scale(s1), zp(z1), scale(s2), zp(z2)]
        outCount = broadcastShape(shapes[0], shapes[1])!.reduce(1, *)
      } else {
        inputs = [A, scale(s0), zp(z0), scale(s2), zp(z2)]
        outCount = a.count
        if op == 3 { attributes = [Attribute(name: "alpha", value: .float(alpha))] }
        if op == 4 { attributes = [Attribute(name: "axis", value: .int(axis)), Attribute(name: "opset", value: .int(opset))] }
      }
      let expected = bytes(outCount)
      var names2: [String] = []
      for k in 0..<inputs.count { names2.append("i" + String(k)) }
      let node = Node(name: "n", opType: names[op], domain: "com.microsoft", inputs: names2, outputs: ["y"], attributes: attributes)
      let result = try KernelHarness.run(node, inputs)
      let got = result.outputs[0].values(UInt8.self)
      totals[op] += outCount
      var bad = 0
      for k in 0..<outCount where got[k] != expected[k] {
        bad += 1
        let d = signed ? abs(Int(Int8(bitPattern: got[k])) - Int(Int8(bitPattern: expected[k]))) : abs(Int(got[k]) - Int(expected[k]))
        maxDiff[op] = max(maxDiff[op], d)
      }
      if bad > 0 { print("case op", op, "signed", signed, shapes, s0, z0, s1, z1, s2, z2, alpha, axis, opset, "mismatches", bad) }
      mismatches[op] += bad
    }
    print("mismatches", mismatches, "of", totals, "max diff", maxDiff)
  }
}
