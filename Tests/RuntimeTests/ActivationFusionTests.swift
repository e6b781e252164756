import ONNXFormat
import XCTest

@testable import Runtime

/// Conv + activation becomes one FusedConv: the rewrite itself, and sessions of fused and unfused graphs
/// (the unfused one keeps the Conv output as a graph output, which stops the fusion) giving the same values.
final class ActivationFusionTests: XCTestCase {
  private func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    Tensor(name: name, dataType: .float, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  private func scalar(_ name: String, _ value: Float) -> Tensor { tensor(name, [], [value]) }

  private func constantNode(_ name: String, _ value: Float) -> Node {
    Node(
      name: name, opType: "Constant", inputs: [], outputs: [name],
      attributes: [
        Attribute(name: "value", value: .tensor(scalar("", value)))
      ])
  }

  /// A Conv (2 -> 3 channels, 3x3, pads 1) of `x` [1, 2, 5, 6] into "c", with W and B.
  private func convInitializers() -> [Tensor] {
    let weights = (0..<54).map { Float(($0 * 7) % 13) / 6.5 - 1 }
    return [tensor("W", [3, 2, 3, 3], weights), tensor("B", [3], [0.5, -0.25, 0.125])]
  }

  private func conv(output: String = "c") -> Node {
    Node(
      name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: [output],
      attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))])
  }

  private func graph(_ nodes: [Node], _ initializers: [Tensor], outputs: [String]) -> Graph {
    let shape = [1, 2, 5, 6].map { ShapeDimension(.value($0)) }
    return Graph(
      nodes: nodes, initializers: initializers,
      inputs: [ValueInfo(name: "x", type: .tensor(elementType: DataType.float.rawValue, shape: shape))],
      outputs: outputs.map { ValueInfo(name: $0, type: nil) })
  }

  private func model(_ graph: Graph, opset: Int) -> Model {
    Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset)], graph: graph)
  }

  /// Runs a session on a fixed input with values large enough to reach every activation's bends.
  private func run(_ session: Session) -> [Float] {
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for index in 0..<60 { x[index] = Float((index * 37) % 23) / 2 - 5.5 }
    session.run()
    let y = session.outputs[0]
    return Array(UnsafeBufferPointer(start: y.pointer.assumingMemoryBound(to: Float.self), count: y.type.count))
  }

  /// The node the rewrite made of `nodes`, which must be one FusedConv with these attributes.
  private func assertFused(
    _ graph: Graph, opset: Int, activation: String, parameters: [Float]?, output: String = "y",
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let nodes = ActivationFusion.fuse(graph, opset: opset).nodes.filter { $0.opType != "Constant" }
    guard nodes.count == 1, let node = nodes.first else {
      return XCTFail("not fused: " + nodes.map { $0.opType }.joined(separator: ", "), file: file, line: line)
    }
    XCTAssertEqual(node.opType, "FusedConv", file: file, line: line)
    XCTAssertEqual(node.domain, "com.microsoft", file: file, line: line)
    XCTAssertEqual(node.inputs, ["x", "W", "B"], file: file, line: line)
    XCTAssertEqual(node.outputs, [output], file: file, line: line)
    XCTAssertEqual(node.attribute("pads"), .ints([1, 1, 1, 1]), file: file, line: line)
    XCTAssertEqual(node.attribute("activation"), .string(Array(activation.utf8)), file: file, line: line)
    if let parameters = parameters {
      XCTAssertEqual(node.attribute("activation_params"), .floats(parameters), file: file, line: line)
    } else {
      XCTAssertNil(node.attribute("activation_params"), file: file, line: line)
    }
  }

  /// Fused and unfused sessions of `activation` (nodes reading "c", writing "y"): same values, fewer steps.
  private func assertSameResults(
    _ activation: [Node], _ extra: [Tensor] = [], opset: Int, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let nodes = [conv()] + activation
    let fused = try Session(model: model(graph(nodes, convInitializers() + extra, outputs: ["y"]), opset: opset))
    let separate = try Session(
      model: model(graph(nodes, convInitializers() + extra, outputs: ["y", "c"]), opset: opset))
    XCTAssertEqual(fused.plan.steps.map { $0.op }, [.fusedConv], file: file, line: line)
    XCTAssertLessThan(fused.plan.steps.count, separate.plan.steps.count, file: file, line: line)
    XCTAssertEqual(separate.plan.steps.first?.op, .conv, file: file, line: line)
    let a = run(fused)
    let b = run(separate)
    assertClose(a, b, rtol: 0, atol: 1e-6, file: file, line: line)
    // The inputs reach the activations' bends: some outputs are changed by them.
    XCTAssertGreaterThan(Set(a).count, 10, file: file, line: line)
  }

  // MARK: Each activation

  func testRelu() throws {
    let relu = [Node(name: "act", opType: "Relu", inputs: ["c"], outputs: ["y"])]
    assertFused(
      graph([conv()] + relu, convInitializers(), outputs: ["y"]), opset: 13, activation: "Relu", parameters: nil)
    try assertSameResults(relu, opset: 13)
  }

  func testLeakyReluAndHardSigmoidCarryTheirAttributes() throws {
    let leaky = [
      Node(
        name: "act", opType: "LeakyRelu", inputs: ["c"], outputs: ["y"],
        attributes: [Attribute(name: "alpha", value: .float(0.3))])
    ]
    assertFused(
      graph([conv()] + leaky, convInitializers(), outputs: ["y"]), opset: 13, activation: "LeakyRelu", parameters: [0.3]
    )
    try assertSameResults(leaky, opset: 13)
    let defaultLeaky = [Node(name: "act", opType: "LeakyRelu", inputs: ["c"], outputs: ["y"])]
    assertFused(
      graph([conv()] + defaultLeaky, convInitializers(), outputs: ["y"]), opset: 13, activation: "LeakyRelu",
      parameters: [0.01])
    let hard = [
      Node(
        name: "act", opType: "HardSigmoid", inputs: ["c"], outputs: ["y"],
        attributes: [Attribute(name: "alpha", value: .float(0.25))])
    ]
    assertFused(
      graph([conv()] + hard, convInitializers(), outputs: ["y"]), opset: 13, activation: "HardSigmoid",
      parameters: [0.25, 0.5])
    try assertSameResults(hard, opset: 13)
  }

  func testSigmoidTanhAndHardSwish() throws {
    for op in ["Sigmoid", "Tanh"] {
      let nodes = [Node(name: "act", opType: op, inputs: ["c"], outputs: ["y"])]
      assertFused(
        graph([conv()] + nodes, convInitializers(), outputs: ["y"]), opset: 13, activation: op, parameters: nil)
      try assertSameResults(nodes, opset: 13)
    }
    let hardSwish = [Node(name: "act", opType: "HardSwish", inputs: ["c"], outputs: ["y"])]
    assertFused(
      graph([conv()] + hardSwish, convInitializers(), outputs: ["y"]), opset: 14, activation: "HardSwish",
      parameters: nil)
    try assertSameResults(hardSwish, opset: 14)
  }

  func testClipBoundsFromAttributesInputsAndConstants() throws {
    // Opset 6: attributes.
    let attributes = [
      Node(
        name: "act", opType: "Clip", inputs: ["c"], outputs: ["y"],
        attributes: [
          Attribute(name: "min", value: .float(-1)), Attribute(name: "max", value: .float(2)),
        ])
    ]
    assertFused(
      graph([conv()] + attributes, convInitializers(), outputs: ["y"]), opset: 6, activation: "Clip",
      parameters: [-1, 2])
    try assertSameResults(attributes, opset: 6)
    // Opset 11+: initializers, Constant nodes, an omitted min.
    let inputs = [Node(name: "act", opType: "Clip", inputs: ["c", "low", "high"], outputs: ["y"])]
    let bounds = [scalar("low", 0), scalar("high", 6)]
    assertFused(
      graph([conv()] + inputs, convInitializers() + bounds, outputs: ["y"]), opset: 13, activation: "Clip",
      parameters: [0, 6])
    try assertSameResults(inputs, bounds, opset: 13)
    let constants = [constantNode("low", -0.5), constantNode("high", 1.5)] + inputs
    assertFused(
      graph([conv()] + constants, convInitializers(), outputs: ["y"]), opset: 12, activation: "Clip",
      parameters: [-0.5, 1.5])
    try assertSameResults(constants, opset: 12)
    let upperOnly = [Node(name: "act", opType: "Clip", inputs: ["c", "", "high"], outputs: ["y"])]
    assertFused(
      graph([conv()] + upperOnly, convInitializers() + [scalar("high", 1)], outputs: ["y"]), opset: 13,
      activation: "Clip",
      parameters: [-Float.greatestFiniteMagnitude, 1])
    try assertSameResults(upperOnly, [scalar("high", 1)], opset: 13)
  }

  /// `x * Clip(x + 3, 0, 6) / 6` as exporters write HardSwish (ppocr): four nodes into the Conv.
  func testHardSwishChain() throws {
    let chain = [
      Node(name: "add", opType: "Add", inputs: ["c", "three"], outputs: ["a"]),
      Node(name: "clip", opType: "Clip", inputs: ["a", "zero", "six"], outputs: ["p"]),
      Node(name: "mul", opType: "Mul", inputs: ["c", "p"], outputs: ["m"]),
      Node(name: "div", opType: "Div", inputs: ["m", "six"], outputs: ["y"]),
    ]
    let constants = [scalar("three", 3), scalar("zero", 0), tensor("six", [1], [6])]
    assertFused(
      graph([conv()] + chain, convInitializers() + constants, outputs: ["y"]), opset: 11, activation: "HardSwish",
      parameters: [3, 0, 6, 6])
    try assertSameResults(chain, constants, opset: 11)
    // Operands the other way round.
    let swapped = [
      Node(name: "add", opType: "Add", inputs: ["three", "c"], outputs: ["a"]), chain[1],
      Node(name: "mul", opType: "Mul", inputs: ["p", "c"], outputs: ["m"]), chain[3],
    ]
    try assertSameResults(swapped, constants, opset: 11)
    // An intermediate with another reader, a run-time addend or a Div the other way round stop it.
    let read = graph([conv()] + chain, convInitializers() + constants, outputs: ["y", "p"])
    XCTAssertEqual(ActivationFusion.fuse(read, opset: 11), read)
    let divided = chain.dropLast() + [Node(name: "div", opType: "Div", inputs: ["six", "m"], outputs: ["y"])]
    let inverted = graph([conv()] + divided, convInitializers() + constants, outputs: ["y"])
    XCTAssertEqual(ActivationFusion.fuse(inverted, opset: 11), inverted)
    var runtime = graph([conv()] + chain, convInitializers() + constants.dropFirst(), outputs: ["y"])
    runtime.inputs.append(ValueInfo(name: "three", type: .tensor(elementType: DataType.float.rawValue, shape: [])))
    XCTAssertEqual(ActivationFusion.fuse(runtime, opset: 11), runtime)
  }

  // MARK: When it does not apply

  func testConvOutputWithAnotherReaderOrAsGraphOutputStays() {
    let relu = Node(name: "act", opType: "Relu", inputs: ["c"], outputs: ["y"])
    let shared = graph(
      [conv(), relu, Node(name: "neg", opType: "Neg", inputs: ["c"], outputs: ["n"])], convInitializers(),
      outputs: ["y", "n"])
    XCTAssertEqual(ActivationFusion.fuse(shared, opset: 13), shared)
    let exposed = graph([conv(), relu], convInitializers(), outputs: ["y", "c"])
    XCTAssertEqual(ActivationFusion.fuse(exposed, opset: 13), exposed)
    // Clip bounds computed at run time.
    var runtimeBounds = graph(
      [conv(), Node(name: "act", opType: "Clip", inputs: ["c", "low"], outputs: ["y"])], convInitializers(),
      outputs: ["y"])
    runtimeBounds.inputs.append(ValueInfo(name: "low", type: .tensor(elementType: DataType.float.rawValue, shape: [])))
    XCTAssertEqual(ActivationFusion.fuse(runtimeBounds, opset: 13), runtimeBounds)
    // Activations of other operators, and activations that are not supported.
    let transposed = graph(
      [Node(name: "t", opType: "ConvTranspose", inputs: ["x", "W"], outputs: ["c"]), relu], convInitializers(),
      outputs: ["y"])
    XCTAssertEqual(ActivationFusion.fuse(transposed, opset: 13), transposed)
    let softplus = graph(
      [conv(), Node(name: "act", opType: "Softplus", inputs: ["c"], outputs: ["y"])], convInitializers(), outputs: ["y"]
    )
    XCTAssertEqual(ActivationFusion.fuse(softplus, opset: 13), softplus)
  }

  /// Subgraphs are rewritten, and a Conv output read inside a subgraph counts as another reader.
  func testIfBranches() throws {
    let branch = Graph(
      nodes: [conv(output: "bc"), Node(name: "act", opType: "Relu", inputs: ["bc"], outputs: ["t"])],
      outputs: [ValueInfo(name: "t", type: nil)])
    let other = Graph(
      nodes: [Node(opType: "Neg", inputs: ["x"], outputs: ["e"])], outputs: [ValueInfo(name: "e", type: nil)])
    let flag = Tensor(name: "flag", dataType: .bool, dims: [], bytes: [1])
    let ifNode = Node(
      name: "if", opType: "If", inputs: ["flag"], outputs: ["y"],
      attributes: [
        Attribute(name: "then_branch", value: .graph(branch)), Attribute(name: "else_branch", value: .graph(other)),
      ])
    let outer = graph([ifNode], convInitializers() + [flag], outputs: ["y"])
    let fused = ActivationFusion.fuse(outer, opset: 13)
    guard case .graph(let rewritten)? = fused.nodes[0].attribute("then_branch") else { return XCTFail("no branch") }
    XCTAssertEqual(rewritten.nodes.map { $0.opType }, ["FusedConv"])
    let session = try Session(model: model(outer, opset: 13))
    XCTAssertEqual(session.plan.steps.map { $0.op }, [.fusedConv])

    // The outer Conv's output is also read by the branch: it stays.
    let reader = Graph(
      nodes: [Node(opType: "Abs", inputs: ["c"], outputs: ["t"])], outputs: [ValueInfo(name: "t", type: nil)])
    let readingIf = Node(
      name: "if", opType: "If", inputs: ["flag"], outputs: ["z"],
      attributes: [
        Attribute(name: "then_branch", value: .graph(reader)), Attribute(name: "else_branch", value: .graph(other)),
      ])
    let shared = graph(
      [conv(), Node(name: "act", opType: "Relu", inputs: ["c"], outputs: ["y"]), readingIf],
      convInitializers() + [flag],
      outputs: ["y", "z"])
    XCTAssertEqual(ActivationFusion.fuse(shared, opset: 13), shared)
  }
}
