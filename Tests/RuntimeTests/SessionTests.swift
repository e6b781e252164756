import CAllocationCounter
import ONNXFormat
import XCTest

@testable import Runtime

/// Loading whole graphs: shapes, folding, pruning, planning, and running without allocating.
final class SessionTests: XCTestCase {
  private func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
    return Tensor(name: name, dataType: .float, dims: dims, bytes: bytes)
  }

  private func int64Tensor(_ name: String, _ values: [Int64]) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
    }
    return Tensor(name: name, dataType: .int64, dims: [values.count], bytes: bytes)
  }

  private func input(_ name: String, _ dims: [ONNXFormat.Dimension], _ type: DataType = .float) -> ValueInfo {
    ValueInfo(name: name, type: .tensor(elementType: type.rawValue, shape: dims.map { ShapeDimension($0) }))
  }

  private func model(_ nodes: [Node], initializers: [Tensor] = [], inputs: [ValueInfo], outputs: [String], opset: Int = 13)
    -> Model
  {
    Model(
      irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset)],
      graph: Graph(
        nodes: nodes, initializers: initializers, inputs: inputs,
        outputs: outputs.map { ValueInfo(name: $0, type: nil) }))
  }

  private func floats(_ tensor: SessionTensor) -> [Float] {
    Array(UnsafeBufferPointer(start: tensor.pointer.assumingMemoryBound(to: Float.self), count: tensor.type.count))
  }

  /// The shape chain exporters write before a Reshape (Shape -> Gather -> Unsqueeze -> Concat) folds away.
  func testShapeChainFoldsAndOnlyArithmeticRuns() throws {
    let nodes = [
      Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
      Node(name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["batch"], attributes: [Attribute(name: "axis", value: .int(0))]),
      Node(name: "unsqueeze", opType: "Unsqueeze", inputs: ["batch", "axes0"], outputs: ["batch1"]),
      Node(name: "concat", opType: "Concat", inputs: ["batch1", "minus1"], outputs: ["newshape"], attributes: [Attribute(name: "axis", value: .int(0))]),
      Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
      Node(name: "id", opType: "Identity", inputs: ["r"], outputs: ["r2"]),
      Node(name: "reshape", opType: "Reshape", inputs: ["r2", "newshape"], outputs: ["flat"]),
      Node(name: "add", opType: "Add", inputs: ["flat", "bias"], outputs: ["y"]),
      Node(name: "unused", opType: "Neg", inputs: ["x"], outputs: ["dead"]),
    ]
    let initializers = [
      int64Tensor("zero", [0]).withDims([]), int64Tensor("axes0", [0]), int64Tensor("minus1", [-1]),
      floatTensor("bias", [6], [1, 2, 3, 4, 5, 6]),
    ]
    let session = try Session(
      model: model(nodes, initializers: initializers, inputs: [input("x", [.param("N"), .value(2), .value(3)])], outputs: ["y"]))
    XCTAssertEqual(session.inputs[0].type.shape, [1, 2, 3], "a symbolic leading dim becomes 1")
    XCTAssertEqual(session.plan.steps.map { $0.op }, [.relu, .reshape, .add], "shape chain folded, Identity and dead Neg gone")
    XCTAssertEqual(session.outputs[0].type, TensorType(.float, [1, 6]))

    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for (index, value) in [-1, 2, -3, 4, -5, 6].enumerated() { x[index] = Float(value) }
    session.run()
    XCTAssertEqual(floats(session.outputs[0]), [1, 4, 3, 8, 5, 12])
  }

  func testRunningAllocatesNothing() throws {
    let nodes = [
      Node(name: "mul", opType: "Mul", inputs: ["x", "two"], outputs: ["m"]),
      Node(name: "sig", opType: "Sigmoid", inputs: ["m"], outputs: ["s"]),
      Node(name: "sum", opType: "ReduceSum", inputs: ["s", "axes"], outputs: ["y"], attributes: [Attribute(name: "keepdims", value: .int(0))]),
    ]
    let session = try Session(
      model: model(
        nodes, initializers: [floatTensor("two", [], [2]), int64Tensor("axes", [1])],
        inputs: [input("x", [.value(4), .value(8)])], outputs: ["y"]))
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for index in 0..<32 { x[index] = Float(index % 5) - 2 }
    session.run()
    oq_allocations_start()
    for _ in 0..<1000 { session.run() }
    let allocations = oq_allocations_stop()
    XCTAssertEqual(allocations, 0, "1000 runs allocated on the heap")
    XCTAssertEqual(session.outputs[0].type.shape, [4])
  }

  func testConstantIfRunsOneBranchInline() throws {
    let thenBranch = Graph(
      nodes: [Node(opType: "Neg", inputs: ["x"], outputs: ["t"])], outputs: [ValueInfo(name: "t", type: nil)])
    let elseBranch = Graph(
      nodes: [Node(opType: "Abs", inputs: ["x"], outputs: ["e"])], outputs: [ValueInfo(name: "e", type: nil)])
    let flag = Tensor(name: "flag", dataType: .bool, dims: [], bytes: [0])
    let nodes = [
      Node(
        name: "if", opType: "If", inputs: ["flag"], outputs: ["y"],
        attributes: [Attribute(name: "then_branch", value: .graph(thenBranch)), Attribute(name: "else_branch", value: .graph(elseBranch))])
    ]
    let session = try Session(model: model(nodes, initializers: [flag], inputs: [input("x", [.value(3)])], outputs: ["y"]))
    XCTAssertEqual(session.plan.steps.map { $0.op }, [.abs])
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    x[0] = -1; x[1] = 2; x[2] = -3
    session.run()
    XCTAssertEqual(floats(session.outputs[0]), [1, 2, 3])
  }

  func testArenaIsReportedBesideItsLowerBound() throws {
    let nodes = [
      Node(opType: "Relu", inputs: ["x"], outputs: ["a"]),
      Node(opType: "Neg", inputs: ["a"], outputs: ["b"]),
      Node(opType: "Abs", inputs: ["b"], outputs: ["c"]),
      Node(opType: "Add", inputs: ["c", "x"], outputs: ["y"]),
    ]
    let session = try Session(model: model(nodes, inputs: [input("x", [.value(256)])], outputs: ["y"]))
    XCTAssertGreaterThanOrEqual(session.memory.arenaBytes, session.memory.lowerBoundBytes)
    XCTAssertLessThanOrEqual(session.memory.arenaBytes, 4 * 1024, "four live 1 KiB buffers at most")
  }

  func testUnsupportedOperatorNamesTheNode() {
    let nodes = [Node(name: "fancy", opType: "NonMaxSuppression", inputs: ["x"], outputs: ["y"])]
    XCTAssertThrowsError(try Session(model: model(nodes, inputs: [input("x", [.value(2)])], outputs: ["y"]))) { error in
      let runtimeError = error as! RuntimeError
      XCTAssertEqual(runtimeError.kind, .unsupported)
      XCTAssertTrue(runtimeError.message.contains("NonMaxSuppression node 'fancy'"), runtimeError.message)
    }
  }

  func testUnknownInnerDimNamesTheInput() {
    let nodes = [Node(opType: "Relu", inputs: ["x"], outputs: ["y"])]
    let model = model(nodes, inputs: [input("x", [.param("N"), .param("H")])], outputs: ["y"])
    XCTAssertThrowsError(try Session(model: model)) { error in
      let message = (error as! RuntimeError).message
      XCTAssertTrue(message.contains("input 'x' dim 1 ('H') is unknown"), message)
    }
    let session = try? Session(model: model, options: LoadOptions(shapes: ["x": [2, 5]]))
    XCTAssertEqual(session?.inputs[0].type.shape, [2, 5])
  }

  func testShapeOverrideMustMatchDeclaredDims() {
    let nodes = [Node(opType: "Relu", inputs: ["x"], outputs: ["y"])]
    let model = model(nodes, inputs: [input("x", [.value(3), .value(4)])], outputs: ["y"])
    XCTAssertThrowsError(try Session(model: model, options: LoadOptions(shapes: ["x": [3, 5]])))
    XCTAssertThrowsError(try Session(model: model, options: LoadOptions(shapes: ["nope": [3, 4]])))
  }

  func testMissingInputNamesIt() {
    let nodes = [Node(name: "n", opType: "Relu", inputs: ["ghost"], outputs: ["y"])]
    XCTAssertThrowsError(try Session(model: model(nodes, inputs: [input("x", [.value(1)])], outputs: ["y"]))) { error in
      XCTAssertTrue((error as! RuntimeError).message.contains("input 'ghost' is not produced"))
    }
  }

  func testNodesOutOfOrderAreSorted() throws {
    let nodes = [
      Node(opType: "Neg", inputs: ["a"], outputs: ["y"]),
      Node(opType: "Relu", inputs: ["x"], outputs: ["a"]),
    ]
    let session = try Session(model: model(nodes, inputs: [input("x", [.value(2)])], outputs: ["y"]))
    XCTAssertEqual(session.plan.steps.map { $0.op }, [.relu, .neg])
  }

  func testCycleIsAnError() {
    let nodes = [
      Node(opType: "Neg", inputs: ["b"], outputs: ["a"]),
      Node(opType: "Relu", inputs: ["a"], outputs: ["b"]),
    ]
    XCTAssertThrowsError(try Session(model: model(nodes, inputs: [input("x", [.value(2)])], outputs: ["b"])))
  }
}

extension Tensor {
  fileprivate func withDims(_ dims: [Int]) -> Tensor {
    var copy = self
    copy.dims = dims
    return copy
  }
}
