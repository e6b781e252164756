import ONNXFormat
import XCTest

@testable import Runtime

/// The channels-last rewrite: which nodes it moves, where it leaves transposes, and sessions with and
/// without it giving the same bytes on QOperator graphs shaped like the exported image models.
final class ChannelsLastLayoutTests: XCTestCase {
  private func floats(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    Tensor(name: name, dataType: .float, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  private func bytes(_ name: String, _ type: DataType, _ dims: [Int], _ values: [UInt8]) -> Tensor {
    Tensor(name: name, dataType: type, dims: dims, bytes: values)
  }

  private func int32s(_ name: String, _ dims: [Int], _ values: [Int32]) -> Tensor {
    Tensor(name: name, dataType: .int32, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  private func int64s(_ name: String, _ values: [Int64]) -> Tensor {
    Tensor(
      name: name, dataType: .int64, dims: [values.count],
      bytes: values.withUnsafeBytes { Array($0) })
  }

  /// Deterministic int8 weights in [-100, 100].
  private func weights(_ name: String, _ dims: [Int], seed: Int) -> Tensor {
    let count = dims.reduce(1, *)
    let values = (0..<count).map {
      UInt8(bitPattern: Int8(truncatingIfNeeded: (($0 + seed) * 73 + seed * 11) % 201 - 100))
    }
    return bytes(name, .int8, dims, values)
  }

  /// QuantizeLinear parameters, QLinearConv layers, an add, an 8-bit MaxPool, a global average pool and
  /// the classifier's flatten, after an input Transpose from NHWC as TensorFlow exports write.
  private func imageGraph(extraOutput: String? = nil) -> Graph {
    var initializers: [Tensor] = [
      floats("s_in", [], [0.05]), bytes("z_in", .uint8, [], [128]),
      floats("s_a", [], [0.11]), bytes("z_a", .uint8, [], [3]),
      floats("s_b", [], [0.09]), bytes("z_b", .uint8, [], [7]),
      floats("s_c", [], [0.13]), bytes("z_c", .uint8, [], [0]),
      floats("s_g", [], [0.07]), bytes("z_g", .uint8, [], [2]),
      floats("s_p", [], [0.12]), bytes("z_p", .uint8, [], [5]),
      int64s("flat_shape", [1, -1]),
    ]
    initializers.append(weights("w1", [8, 3, 3, 3], seed: 1))
    initializers.append(floats("w1_s", [8], (0..<8).map { 0.004 + Float($0) * 0.0007 }))
    initializers.append(bytes("w1_z", .int8, [8], [UInt8](repeating: 0, count: 8)))
    initializers.append(int32s("b1", [8], (0..<8).map { Int32($0 * 97 - 300) }))
    initializers.append(weights("w2", [8, 1, 3, 3], seed: 2))
    initializers.append(floats("w2_s", [8], (0..<8).map { 0.006 + Float($0) * 0.0005 }))
    initializers.append(bytes("w2_z", .int8, [8], [UInt8](repeating: 0, count: 8)))
    initializers.append(weights("w3", [16, 8, 1, 1], seed: 3))
    initializers.append(floats("w3_s", [], [0.005]))
    initializers.append(bytes("w3_z", .int8, [], [0]))
    initializers.append(int32s("b3", [16], (0..<16).map { Int32($0 * 31 - 200) }))
    let nodes = [
      Node(
        name: "to_nchw", opType: "Transpose", inputs: ["image"], outputs: ["x"],
        attributes: [Attribute(name: "perm", value: .ints([0, 3, 1, 2]))]),
      Node(
        name: "quantize", opType: "QuantizeLinear", inputs: ["x", "s_in", "z_in"], outputs: ["xq"]),
      Node(
        name: "conv1", opType: "QLinearConv",
        inputs: ["xq", "s_in", "z_in", "w1", "w1_s", "w1_z", "s_a", "z_a", "b1"], outputs: ["a"],
        attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
      Node(
        name: "depthwise", opType: "QLinearConv",
        inputs: ["a", "s_a", "z_a", "w2", "w2_s", "w2_z", "s_b", "z_b"], outputs: ["b"],
        attributes: [
          Attribute(name: "group", value: .int(8)),
          Attribute(name: "pads", value: .ints([1, 1, 1, 1])),
        ]),
      Node(
        name: "add", opType: "QLinearAdd", domain: "com.microsoft",
        inputs: ["a", "s_a", "z_a", "b", "s_b", "z_b", "s_c", "z_c"], outputs: ["c"]),
      Node(
        name: "pool", opType: "MaxPool", inputs: ["c"], outputs: ["p"],
        attributes: [
          Attribute(name: "kernel_shape", value: .ints([2, 2])),
          Attribute(name: "strides", value: .ints([2, 2])),
        ]),
      Node(
        name: "pointwise", opType: "QLinearConv",
        inputs: ["p", "s_c", "z_c", "w3", "w3_s", "w3_z", "s_p", "z_p", "b3"], outputs: ["q"]),
      Node(
        name: "gap", opType: "QLinearGlobalAveragePool", domain: "com.microsoft",
        inputs: ["q", "s_p", "z_p", "s_g", "z_g"], outputs: ["g"]),
      Node(name: "flatten", opType: "Reshape", inputs: ["g", "flat_shape"], outputs: ["f"]),
      Node(
        name: "dequantize", opType: "DequantizeLinear", inputs: ["f", "s_g", "z_g"], outputs: ["y"]),
    ]
    let shape = [1, 9, 10, 3].map { ShapeDimension(.value($0)) }
    var outputs = [ValueInfo(name: "y", type: nil)]
    if let extra = extraOutput { outputs.append(ValueInfo(name: extra, type: nil)) }
    return Graph(
      nodes: nodes, initializers: initializers,
      inputs: [
        ValueInfo(name: "image", type: .tensor(elementType: DataType.float.rawValue, shape: shape))
      ],
      outputs: outputs)
  }

  private func session(_ graph: Graph, channelsLast: Bool) throws -> Session {
    let model = Model(
      irVersion: 8,
      opsetImports: [
        OpsetImport(domain: "", version: 13), OpsetImport(domain: "com.microsoft", version: 1),
      ],
      graph: graph)
    return try Session(model: model, options: LoadOptions(channelsLast: channelsLast))
  }

  /// Every output's bytes for an input of smooth values over the quantizer's range.
  private func outputs(_ session: Session) -> [[UInt8]] {
    let x = session.inputs[0].pointer.assumingMemoryBound(to: Float.self)
    for index in 0..<session.inputs[0].type.count { x[index] = Float((index * 29) % 101) / 16 - 3 }
    session.run()
    return session.outputs.map { output in
      Array(UnsafeRawBufferPointer(start: output.pointer, count: output.type.byteCount))
    }
  }

  func testImageChainGivesTheSameBytesInEitherLayout() throws {
    for extra in [nil, "c", "b", "x"] as [String?] {
      let graph = imageGraph(extraOutput: extra)
      let moved = try outputs(session(graph, channelsLast: true))
      let kept = try outputs(session(graph, channelsLast: false))
      XCTAssertEqual(moved, kept, "extra output " + (extra ?? "none"))
      XCTAssertTrue(moved[0].contains { $0 != moved[0][0] }, "the outputs vary")
    }
  }

  func testTheChainRunsChannelsLastWithOneTransposeBeforeTheFlatten() {
    let nodes = ChannelsLastLayout.apply(imageGraph()).nodes
    let layout = nodes.map { $0.opType + ($0.attribute("channels_last") == .int(1) ? "/nhwc" : "") }
    let expected = [
      "Transpose", "QuantizeLinear", "QLinearConv/nhwc", "QLinearConv/nhwc", "QLinearAdd", "NhwcMaxPool",
    ]
    XCTAssertEqual(Array(layout.prefix(6)), expected)
    // The model's own input transpose is kept for any reader of "x" (none: it is pruned at load); the
    // quantizer reads the NHWC input directly.
    XCTAssertEqual(nodes[1].inputs[0], "image")
    XCTAssertEqual(nodes.last?.opType, "DequantizeLinear")
    let flatten = nodes.firstIndex { $0.opType == "Reshape" }!
    XCTAssertEqual(nodes[flatten - 1].opType, "Transpose")
    XCTAssertEqual(nodes[flatten - 1].attribute("perm"), .ints([0, 3, 1, 2]))
    XCTAssertEqual(nodes[flatten - 2].attribute("channels_last"), .int(1))
  }

  func testAGraphOutputInsideTheChainKeepsItsNameAndLayout() {
    let nodes = ChannelsLastLayout.apply(imageGraph(extraOutput: "b")).nodes
    let made = nodes.filter { $0.outputs == ["b"] }
    XCTAssertEqual(made.map { $0.opType }, ["Transpose"])
    XCTAssertEqual(made.first?.attribute("perm"), .ints([0, 3, 1, 2]))
  }

  func testOperatorsThatNeedTheirLayoutReadItsOwnCopy() {
    // A Softmax over axis 1 between two converted convolutions reads the NCHW copy.
    var graph = imageGraph()
    graph.nodes.insert(
      Node(name: "softmax", opType: "Softmax", inputs: ["a"], outputs: ["sm"], attributes: []),
      at: 3)
    graph.outputs.append(ValueInfo(name: "sm", type: nil))
    let nodes = ChannelsLastLayout.apply(graph).nodes
    let softmax = nodes.firstIndex { $0.opType == "Softmax" }!
    XCTAssertEqual(nodes[softmax].inputs, ["a"])
    XCTAssertEqual(nodes[softmax - 1].opType, "Transpose")
    XCTAssertEqual(nodes[softmax - 1].outputs, ["a"])
  }

  func testGraphsWithSubgraphsAreLeftAlone() {
    var graph = imageGraph()
    graph.nodes.append(
      Node(
        name: "if", opType: "If", inputs: ["cond"], outputs: ["z"],
        attributes: [
          Attribute(
            name: "then_branch",
            value: .graph(Graph(nodes: [], initializers: [], inputs: [], outputs: [])))
        ]))
    XCTAssertEqual(ChannelsLastLayout.apply(graph), graph)
  }

  private func concatGraph() -> Graph {
    var graph = imageGraph()
    let at = graph.nodes.firstIndex { $0.name == "add" }!
    graph.nodes[at] = Node(
      name: "concat", opType: "QLinearConcat", domain: "com.microsoft",
      inputs: ["s_c", "z_c", "a", "s_a", "z_a", "b", "s_b", "z_b"], outputs: ["c"],
      attributes: [Attribute(name: "axis", value: .int(1))])
    // The pointwise convolution now reads 16 channels.
    graph.initializers.removeAll { $0.name == "w3" }
    graph.initializers.append(weights("w3", [16, 16, 1, 1], seed: 3))
    return graph
  }

  func testConcatGivesTheSameBytesInEitherLayout() throws {
    let graph = concatGraph()
    XCTAssertEqual(
      try outputs(session(graph, channelsLast: true)),
      try outputs(session(graph, channelsLast: false)))
  }

  func testConcatAxisIsRenumbered() {
    let nodes = ChannelsLastLayout.apply(concatGraph()).nodes
    let concat = nodes.first { $0.opType == "QLinearConcat" }!
    XCTAssertEqual(concat.attribute("axis"), .int(3))
    XCTAssertTrue(concat.inputs[2].hasSuffix("/nhwc"))
  }
}
