import ONNXFormat
import XCTest

@testable import Runtime

/// Builders shared by the Movement tests.
enum MV {
  static func node(_ op: String, inputs: Int, outputs: Int = 1, _ attributes: [Attribute] = [])
    -> Node
  {
    Node(
      opType: op, inputs: (0..<inputs).map { "x" + String($0) },
      outputs: (0..<outputs).map { "y" + String($0) },
      attributes: attributes)
  }

  static func int(_ name: String, _ value: Int) -> Attribute {
    Attribute(name: name, value: .int(value))
  }
  static func ints(_ name: String, _ values: [Int]) -> Attribute {
    Attribute(name: name, value: .ints(values))
  }
  static func float(_ name: String, _ value: Float) -> Attribute {
    Attribute(name: name, value: .float(value))
  }
  static func string(_ name: String, _ value: String) -> Attribute {
    Attribute(name: name, value: .string(Array(value.utf8)))
  }

  static func floats(_ shape: [Int], _ values: [Float]) -> Constant {
    KernelHarness.floats(shape, values)
  }
  static func int64s(_ shape: [Int], _ values: [Int64]) -> Constant {
    KernelHarness.int64s(shape, values)
  }
  static func int32s(_ shape: [Int], _ values: [Int32]) -> Constant {
    Constant(.int32, shape, values: values)
  }
  static func uint8s(_ shape: [Int], _ values: [UInt8]) -> Constant {
    Constant(.uint8, shape, values: values)
  }
  static func int64s(_ values: [Int]) -> Constant {
    Constant(.int64, [values.count], values: values.map { Int64($0) })
  }

  /// A float tensor holding 0, 1, 2, ... in row-major order.
  static func iota(_ shape: [Int]) -> Constant {
    let count = shape.reduce(1, *)
    return floats(shape, (0..<count).map { Float($0) })
  }

  /// Prepares and runs `node`, failing the test (and returning nil) when preparation throws.
  static func run(
    _ node: Node, opset: Int = 17, _ inputs: [HarnessInput], file: StaticString = #filePath,
    line: UInt = #line
  ) -> KernelHarness.Result? {
    do {
      return try KernelHarness.run(node, opset: opset, inputs, file: file, line: line)
    } catch {
      XCTFail("unexpected error: " + error.message, file: file, line: line)
      return nil
    }
  }

  /// Asserts that preparing `node` fails with `kind` and a message containing `text`.
  static func expectError(
    _ node: Node, opset: Int = 17, _ inputs: [HarnessInput], _ kind: RuntimeError.Kind = .invalid,
    contains text: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      _ = try KernelHarness.run(node, opset: opset, inputs, file: file, line: line)
      XCTFail("expected an error containing '" + text + "'", file: file, line: line)
    } catch {
      XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
      XCTAssertTrue(
        error.message.contains(text), "'" + error.message + "' lacks '" + text + "'", file: file,
        line: line)
      XCTAssertTrue(
        error.message.hasPrefix(node.opType + " node"), "error does not name the node", file: file,
        line: line)
    }
  }

  /// Row-major index of `coordinates` in `shape`.
  static func offset(_ coordinates: [Int], _ shape: [Int]) -> Int {
    var result = 0
    for (index, dim) in shape.enumerated() { result = result * dim + coordinates[index] }
    return result
  }

  /// The coordinates of row-major `index` in `shape`.
  static func coordinates(_ index: Int, _ shape: [Int]) -> [Int] {
    var rest = index
    var result = [Int](repeating: 0, count: shape.count)
    for dim in (0..<shape.count).reversed() {
      result[dim] = rest % shape[dim]
      rest /= shape[dim]
    }
    return result
  }

  /// Naive transpose of row-major `values`.
  static func transpose<T>(_ values: [T], _ shape: [Int], _ perm: [Int]) -> [T] {
    let outShape = perm.map { shape[$0] }
    return (0..<values.count).map { index in
      let out = coordinates(index, outShape)
      var source = [Int](repeating: 0, count: shape.count)
      for (d, axis) in perm.enumerated() { source[axis] = out[d] }
      return values[offset(source, shape)]
    }
  }

  /// Every permutation of 0..<n.
  static func permutations(_ n: Int) -> [[Int]] {
    if n == 0 { return [[]] }
    var result: [[Int]] = []
    for rest in permutations(n - 1) {
      for position in 0...rest.count {
        var perm = rest
        perm.insert(n - 1, at: position)
        result.append(perm)
      }
    }
    return result
  }
}
