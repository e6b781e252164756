import CAllocationCounter
import ONNXFormat
import XCTest

@testable import Runtime

/// An input to a node under test: a value known only at run time, one known at load time, or omitted.
enum HarnessInput {
  case runtime(Constant)
  case constant(Constant)
  case omitted
}

/// Prepares one node the way the loader does and runs its kernel on fresh buffers.
/// Every run is checked to allocate nothing on the heap.
enum KernelHarness {
  struct Result {
    var outputs: [Constant]
    var prepared: Prepared
  }

  static func run(
    _ node: Node, opset: Int = 17, _ inputs: [HarnessInput], file: StaticString = #filePath, line: UInt = #line
  ) throws(RuntimeError) -> Result {
    guard let op = Operator.named(node.opType, domain: node.domain) else {
      throw RuntimeError(.unsupported, "no operator " + node.opType)
    }
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
    let context = OpContext(node: node, op: op, opset: opset, inputs: types, constants: constants)
    let prepared = try OpRegistry.prepare(context)
    if let folded = prepared.constantOutputs { return Result(outputs: folded, prepared: prepared) }

    let inputPointers: [UnsafeRawPointer?] = inputs.map { input in
      switch input {
      case .runtime(let value), .constant(let value): return UnsafeRawPointer(value.storage.pointer)
      case .omitted: return nil
      }
    }
    if prepared.aliasesInput {
      guard case .runtime(let source) = inputs[0] else {
        if case .constant(let source) = inputs[0] {
          return Result(outputs: [Constant(type: prepared.outputs[0], storage: source.storage)], prepared: prepared)
        }
        throw RuntimeError(.invalid, "alias of an omitted input")
      }
      return Result(outputs: [Constant(type: prepared.outputs[0], storage: source.storage)], prepared: prepared)
    }
    let outputs = prepared.outputs.map { Constant(type: $0, storage: Storage(byteCount: $0.byteCount)) }
    let scratch = prepared.scratchBytes > 0 ? Storage(byteCount: prepared.scratchBytes) : nil
    let buffers = StepBuffers(
      inputs: inputPointers, outputs: outputs.map { $0.storage.pointer }, scratch: scratch?.pointer)
    // Run twice: the second run shows the kernel keeps no state between runs and allocates nothing.
    // `buffers` holds only addresses: keep the storages alive until both runs are done.
    let allocations = withExtendedLifetime((scratch, outputs)) { () -> Int in
      prepared.kernel.run(buffers)
      oq_allocations_start()
      prepared.kernel.run(buffers)
      return oq_allocations_stop()
    }
    XCTAssertEqual(allocations, 0, node.opType + " allocated on the heap while running", file: file, line: line)
    return Result(outputs: outputs, prepared: prepared)
  }

  static func floats(_ shape: [Int], _ values: [Float]) -> Constant { Constant(.float, shape, values: values) }
  static func int64s(_ shape: [Int], _ values: [Int64]) -> Constant { Constant(.int64, shape, values: values) }
}

/// Asserts two float arrays agree within an absolute plus relative tolerance, naming the first mismatch.
func assertClose(
  _ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6, file: StaticString = #filePath,
  line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "element count", file: file, line: line)
  for index in 0..<min(actual.count, expected.count) {
    let a = actual[index]
    let e = expected[index]
    if a.isNaN && e.isNaN { continue }
    if !(abs(a - e) <= atol + rtol * abs(e)) {
      XCTFail("element " + String(index) + ": " + String(a) + " != " + String(e), file: file, line: line)
      return
    }
  }
}
