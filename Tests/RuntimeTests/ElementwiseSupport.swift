import ONNXFormat
import XCTest

@testable import Runtime

/// Helpers for the element-wise tests: build one node, run it through `KernelHarness`, read values.
enum Elementwise {
  /// A node named `<op>_node` whose inputs are named x0, x1... ("" where omitted) and one output y.
  static func node(
    _ opType: String, _ inputs: [HarnessInput], _ attributes: [Attribute] = [],
    names: [String]? = nil
  ) -> Node {
    var inputNames: [String] = []
    for (index, input) in inputs.enumerated() {
      if case .omitted = input {
        inputNames.append("")
      } else {
        inputNames.append(names?[index] ?? "x" + String(index))
      }
    }
    return Node(
      name: opType.lowercased() + "_node", opType: opType, inputs: inputNames, outputs: ["y"],
      attributes: attributes)
  }

  static func run(
    _ opType: String, _ inputs: [HarnessInput], _ attributes: [Attribute] = [], opset: Int = 17,
    file: StaticString = #filePath, line: UInt = #line
  ) throws(RuntimeError) -> Constant {
    let result = try KernelHarness.run(
      node(opType, inputs, attributes), opset: opset, inputs, file: file, line: line)
    XCTAssertEqual(result.outputs.count, 1, file: file, line: line)
    return result.outputs[0]
  }

  /// The preparation of a node, without running it.
  static func prepare(
    _ opType: String, _ inputs: [HarnessInput], _ attributes: [Attribute] = [], opset: Int = 17,
    names: [String]? = nil
  ) throws(RuntimeError) -> Prepared {
    let node = node(opType, inputs, attributes, names: names)
    var types: [TensorType?] = []
    var constants: [Constant?] = []
    for input in inputs {
      switch input {
      case .runtime(let value):
        types.append(value.type)
        constants.append(nil)
      case .constant(let value):
        types.append(value.type)
        constants.append(value)
      case .omitted:
        types.append(nil)
        constants.append(nil)
      }
    }
    let op = Operator.named(opType, domain: "")!
    return try OpRegistry.prepare(
      OpContext(node: node, op: op, opset: opset, inputs: types, constants: constants))
  }

  /// Runs a node with its output written over the input `prepare` offers for reuse (the two
  /// pointers equal), and returns that buffer read as the output type.
  static func runInPlace(
    _ opType: String, _ inputs: [Constant], _ attributes: [Attribute] = [], opset: Int = 17,
    file: StaticString = #filePath, line: UInt = #line
  ) throws(RuntimeError) -> (inPlace: Int?, output: Constant) {
    let prepared = try prepare(
      opType, inputs.map { HarnessInput.runtime($0) }, attributes, opset: opset)
    guard let index = prepared.inPlaceInput else {
      XCTFail(opType + " offers no input for in-place reuse", file: file, line: line)
      return (nil, inputs[0])
    }
    // Fresh copies, so the caller's constants stay unchanged.
    let copies = inputs.map { input in
      Constant(
        type: input.type,
        storage: Storage(
          bytes: Array(
            UnsafeRawBufferPointer(
              start: input.storage.pointer, count: input.type.byteCount))))
    }
    let output = copies[index].storage
    XCTAssertEqual(
      prepared.outputs[0].byteCount, copies[index].type.byteCount, file: file, line: line)
    let buffers = StepBuffers(
      inputs: copies.map { UnsafeRawPointer($0.storage.pointer) }, outputs: [output.pointer],
      scratch: nil)
    // The copies must outlive the run: the buffers hold only their addresses.
    withExtendedLifetime(copies) { prepared.kernel.run(buffers) }
    return (index, Constant(type: prepared.outputs[0], storage: output))
  }

  static func floats(_ shape: [Int], _ values: [Float]) -> HarnessInput {
    .runtime(KernelHarness.floats(shape, values))
  }
  static func constFloats(_ shape: [Int], _ values: [Float]) -> HarnessInput {
    .constant(KernelHarness.floats(shape, values))
  }
  static func doubles(_ shape: [Int], _ values: [Double]) -> HarnessInput {
    .runtime(Constant(.double, shape, values: values))
  }
  static func int8s(_ shape: [Int], _ values: [Int8]) -> HarnessInput {
    .runtime(Constant(.int8, shape, values: values))
  }
  static func uint8s(_ shape: [Int], _ values: [UInt8]) -> HarnessInput {
    .runtime(Constant(.uint8, shape, values: values))
  }
  static func int32s(_ shape: [Int], _ values: [Int32]) -> HarnessInput {
    .runtime(Constant(.int32, shape, values: values))
  }
  static func int64s(_ shape: [Int], _ values: [Int64]) -> HarnessInput {
    .runtime(KernelHarness.int64s(shape, values))
  }
  static func bools(_ shape: [Int], _ values: [Bool]) -> HarnessInput {
    .runtime(Constant(.bool, shape, values: values.map { UInt8($0 ? 1 : 0) }))
  }

  static func float(_ name: String, _ value: Float) -> Attribute {
    Attribute(name: name, value: .float(value))
  }
  static func int(_ name: String, _ value: Int) -> Attribute {
    Attribute(name: name, value: .int(value))
  }
  static func string(_ name: String, _ value: String) -> Attribute {
    Attribute(name: name, value: .string(Array(value.utf8)))
  }

  /// Bool output as Swift bools (each byte must be 0 or 1).
  static func bools(_ value: Constant, file: StaticString = #filePath, line: UInt = #line) -> [Bool]
  {
    value.values(UInt8.self).map { byte in
      XCTAssertTrue(byte <= 1, "bool byte " + String(byte), file: file, line: line)
      return byte != 0
    }
  }

  /// Asserts `body` throws a RuntimeError of `kind` whose message contains every one of `parts`.
  static func assertThrows(
    _ kind: RuntimeError.Kind, _ parts: [String], file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () throws -> Void
  ) {
    do {
      try body()
      XCTFail(
        "no error; expected one containing " + parts.joined(separator: ", "), file: file, line: line
      )
    } catch let error as RuntimeError {
      XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
      for part in parts {
        XCTAssertTrue(
          error.message.contains(part), "'" + error.message + "' lacks '" + part + "'", file: file,
          line: line)
      }
    } catch {
      XCTFail("not a RuntimeError: " + String(describing: error), file: file, line: line)
    }
  }
}
