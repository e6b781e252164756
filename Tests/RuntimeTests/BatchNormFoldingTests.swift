import ONNXFormat
import XCTest

@testable import Runtime

final class BatchNormFoldingTests: XCTestCase {
  private func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    Tensor(name: name, dataType: .float, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  /// Conv(1->2 channels, 3x3) then BatchNormalization; `alsoOutput` exposes the Conv output so the fold is refused.
  private func model(alsoOutput: Bool) -> Model {
    let weights = (0..<18).map { Float($0 % 7) / 7 - 0.4 }
    let initializers = [
      tensor("W", [2, 1, 3, 3], weights), tensor("B", [2], [0.1, -0.2]),
      tensor("scale", [2], [1.5, 0.5]), tensor("shift", [2], [0.25, -1]),
      tensor("mean", [2], [0.3, -0.1]), tensor("var", [2], [0.8, 2.5]),
    ]
    let nodes = [
      Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"], attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
      Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["y"], attributes: [Attribute(name: "epsilon", value: .float(1e-3))]),
    ]
    let shape = [ShapeDimension(.value(1)), ShapeDimension(.value(1)), ShapeDimension(.value(4)), ShapeDimension(.value(5))]
    var outputs = [ValueInfo(name: "y", type: nil)]
    if alsoOutput { outputs.append(ValueInfo(name: "c", type: nil)) }
    return Model(
      irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)],
      graph: Graph(nodes: nodes, initializers: initializers, inputs: [ValueInfo(name: "x", type: .tensor(elementType: 1, shape: shape))], outputs: outputs))
  }

  private func run(_ session: Session) -> [Float] {
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for index in 0..<20 { x[index] = Float((index * 37) % 11) / 5 - 1 }
    session.run()
    let y = session.outputs[0]
    return Array(UnsafeBufferPointer(start: y.pointer.assumingMemoryBound(to: Float.self), count: y.type.count))
  }

  func testConvThenBatchNormRunsAsOneConvWithTheSameResult() throws {
    let folded = try Session(model: model(alsoOutput: false))
    let separate = try Session(model: model(alsoOutput: true))
    XCTAssertEqual(folded.plan.steps.map { $0.op }, [.conv])
    XCTAssertEqual(separate.plan.steps.map { $0.op }, [.conv, .batchNormalization])
    assertClose(run(folded), run(separate), rtol: 1e-5, atol: 1e-6)
  }
}
