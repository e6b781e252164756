import Commands
import ONNXFormat
import Runtime
import XCTest

@testable import Quantizer

/// ModelPreparation: the float graph the quantizer calibrates and rewrites, checked node by node and
/// against the original model's output.
final class PreparationTests: XCTestCase {
  private func opTypes(_ model: Model) -> [String] { model.graph.nodes.map { $0.opType } }

  private func assertClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, "element count", file: file, line: line)
    for index in 0..<min(actual.count, expected.count)
    where abs(actual[index] - expected[index]) > tolerance {
      XCTFail(
        "element \(index): \(actual[index]) vs \(expected[index]) (tolerance \(tolerance))",
        file: file, line: line)
      return
    }
  }

  // MARK: BatchNormalization into Conv

  private let convWeights: [Float] = {
    var random = QTRandom(seed: 11)
    return random.floats(3 * 2 * 3 * 3, -1, 1)
  }()
  private let gamma: [Float] = [1.5, -0.5, 2]
  private let beta: [Float] = [0.25, -1, 0.5]
  private let mean: [Float] = [0.3, -0.1, 0.7]
  private let variance: [Float] = [0.8, 2.5, 0.05]
  private let epsilon: Float = 1e-3

  /// x [1, 2, 5, 5] -> Conv (3 output channels, 3x3, pads 1, optional bias) -> BatchNormalization -> Relu.
  private func convBatchNormRelu(bias: [Float]?) -> Model {
    var initializers = [
      QT.floatTensor("W", [3, 2, 3, 3], convWeights), QT.floatTensor("gamma", [3], gamma),
      QT.floatTensor("beta", [3], beta), QT.floatTensor("mean", [3], mean),
      QT.floatTensor("var", [3], variance),
    ]
    var convInputs = ["x", "W"]
    if let bias {
      initializers.append(QT.floatTensor("B", [3], bias))
      convInputs.append("B")
    }
    return QT.model(
      [
        Node(
          name: "conv", opType: "Conv", inputs: convInputs, outputs: ["c"],
          attributes: [QT.attribute("pads", [1, 1, 1, 1])]),
        Node(
          name: "bn", opType: "BatchNormalization", inputs: ["c", "gamma", "beta", "mean", "var"],
          outputs: ["n"],
          attributes: [QT.attribute("epsilon", epsilon)]),
        Node(name: "relu", opType: "Relu", inputs: ["n"], outputs: ["y"]),
      ], initializers: initializers, inputs: [QT.info("x", [1, 2, 5, 5])], outputs: ["y"])
  }

  private func factor(_ channel: Int) -> Double {
    Double(gamma[channel]) / (Double(variance[channel]) + Double(epsilon)).squareRoot()
  }

  func testBatchNormFoldsIntoConvWeightsAndBias() throws {
    let bias: [Float] = [0.1, -0.2, 0.3]
    let original = convBatchNormRelu(bias: bias)
    let prepared = try QT.prepare(original)
    XCTAssertEqual(opTypes(prepared.model), ["Conv", "Relu"])
    let conv = prepared.model.graph.nodes[0]
    XCTAssertEqual(conv.inputs.count, 3)
    XCTAssertEqual(conv.inputs[0], "x")
    XCTAssertEqual(prepared.model.graph.nodes[1].inputs, conv.outputs)
    XCTAssertFalse(
      prepared.model.graph.initializers.contains {
        ["gamma", "beta", "mean", "var"].contains($0.name)
      })

    let weights = try XCTUnwrap(QT.initializer(prepared.model.graph, conv.inputs[1]))
    XCTAssertEqual(weights.dims, [3, 2, 3, 3])
    let folded = QT.floats(weights)
    for index in 0..<folded.count {
      let expected = Double(convWeights[index]) * factor(index / 18)
      XCTAssertEqual(
        Double(folded[index]), expected, accuracy: 1e-6 * max(1, abs(expected)), "weight \(index)")
    }
    let foldedBias = QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, conv.inputs[2])))
    for c in 0..<3 {
      let expected = (Double(bias[c]) - Double(mean[c])) * factor(c) + Double(beta[c])
      XCTAssertEqual(Double(foldedBias[c]), expected, accuracy: 1e-6, "bias \(c)")
    }
    XCTAssertTrue(
      prepared.notes.contains { $0.contains("BatchNormalization folded") }, "\(prepared.notes)")

    var random = QTRandom(seed: 5)
    let x = random.floats(50, -2, 2)
    let before = try QT.run(original, [x])[0]
    let after = try QT.run(prepared.model, [x])[0]
    XCTAssertTrue(
      before.contains { $0 > 0.5 } && before.contains { $0 == 0 },
      "the test input should exercise Relu")
    assertClose(after, before, tolerance: 1e-5)
  }

  func testBatchNormFoldGivesAConvWithoutBiasOne() throws {
    let original = convBatchNormRelu(bias: nil)
    let prepared = try QT.prepare(original)
    XCTAssertEqual(opTypes(prepared.model), ["Conv", "Relu"])
    let conv = prepared.model.graph.nodes[0]
    XCTAssertEqual(conv.inputs.count, 3)
    let foldedBias = QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, conv.inputs[2])))
    for c in 0..<3 {
      XCTAssertEqual(
        Double(foldedBias[c]), -Double(mean[c]) * factor(c) + Double(beta[c]), accuracy: 1e-6)
    }
    var random = QTRandom(seed: 6)
    let x = random.floats(50, -2, 2)
    assertClose(try QT.run(prepared.model, [x])[0], try QT.run(original, [x])[0], tolerance: 1e-5)
  }

  /// The Conv output read by something else too cannot absorb the normalization.
  func testBatchNormStaysWhenTheConvOutputHasAnotherReader() throws {
    var model = convBatchNormRelu(bias: nil)
    model.graph.nodes.append(Node(name: "neg", opType: "Neg", inputs: ["c"], outputs: ["other"]))
    model.graph.outputs.append(ValueInfo(name: "other", type: nil))
    let prepared = try QT.prepare(model)
    XCTAssertEqual(opTypes(prepared.model), ["Conv", "BatchNormalization", "Relu", "Neg"])
    XCTAssertEqual(QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, "W"))), convWeights)
  }

  /// Weights from a Constant node (as PyTorch exports write them) are initializers after folding, so the
  /// normalization folds into them too.
  func testConstantNodeWeightsAreFoldedAndTakeTheNormalization() throws {
    var model = convBatchNormRelu(bias: nil)
    let weights = try XCTUnwrap(model.graph.initializers.first { $0.name == "W" })
    model.graph.initializers.removeAll { $0.name == "W" }
    model.graph.nodes.insert(
      Node(
        name: "weights", opType: "Constant", inputs: [], outputs: ["W"],
        attributes: [Attribute(name: "value", value: .tensor(weights))]),
      at: 0)
    let prepared = try QT.prepare(model)
    XCTAssertEqual(opTypes(prepared.model), ["Conv", "Relu"])
    let folded = QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, "W")))
    XCTAssertEqual(Double(folded[19]), Double(convWeights[19]) * factor(1), accuracy: 1e-6)
    var random = QTRandom(seed: 10)
    let x = random.floats(50, -2, 2)
    assertClose(try QT.run(prepared.model, [x])[0], try QT.run(model, [x])[0], tolerance: 1e-5)
  }

  // MARK: Add into Conv bias

  /// x [1, 2, 4, 4] -> Conv (3 channels, 1x1, bias B) -> Add(constant of `addDims`).
  private func convAdd(_ addDims: [Int], _ addValues: [Float], constantFirst: Bool = false) -> Model
  {
    var random = QTRandom(seed: 21)
    let add = constantFirst ? ["k", "c"] : ["c", "k"]
    return QT.model(
      [
        Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"]),
        Node(name: "add", opType: "Add", inputs: add, outputs: ["y"]),
      ],
      initializers: [
        QT.floatTensor("W", [3, 2, 1, 1], random.floats(6, -1, 1)),
        QT.floatTensor("B", [3], [0.5, -0.25, 1]),
        QT.floatTensor("k", addDims, addValues),
      ], inputs: [QT.info("x", [1, 2, 4, 4])], outputs: ["y"])
  }

  func testPerChannelConstantAddFoldsIntoTheConvBias() throws {
    for (dims, constantFirst) in [([1, 3, 1, 1], false), ([3, 1, 1], true)] {
      let original = convAdd(dims, [2, -3, 0.125], constantFirst: constantFirst)
      let prepared = try QT.prepare(original)
      XCTAssertEqual(opTypes(prepared.model), ["Conv"], "\(dims)")
      let conv = prepared.model.graph.nodes[0]
      XCTAssertEqual(conv.outputs, ["y"])
      XCTAssertEqual(
        QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, conv.inputs[2]))),
        [2.5, -3.25, 1.125])
      var random = QTRandom(seed: 7)
      let x = random.floats(32, -1, 1)
      assertClose(try QT.run(prepared.model, [x])[0], try QT.run(original, [x])[0], tolerance: 1e-5)
    }
  }

  func testConstantVaryingAlongSpatialAxesIsNotFolded() throws {
    var random = QTRandom(seed: 8)
    for (dims, values) in [
      ([1, 3, 4, 4], random.floats(48, -1, 1)), ([1, 1, 1, 4], [1, 2, 3, 4]),
    ] {
      let original = convAdd(dims, values)
      let prepared = try QT.prepare(original)
      XCTAssertEqual(opTypes(prepared.model), ["Conv", "Add"], "\(dims)")
      XCTAssertEqual(
        QT.floats(try XCTUnwrap(QT.initializer(prepared.model.graph, "B"))), [0.5, -0.25, 1])
      let x = random.floats(32, -1, 1)
      assertClose(try QT.run(prepared.model, [x])[0], try QT.run(original, [x])[0], tolerance: 1e-6)
    }
  }

  // MARK: MatMul + Add to Gemm

  private func matMulAdd(_ inputDims: [Int]) -> Model {
    var random = QTRandom(seed: 31)
    return QT.model(
      [
        Node(name: "matmul", opType: "MatMul", inputs: ["x", "M"], outputs: ["p"]),
        Node(name: "add", opType: "Add", inputs: ["bias", "p"], outputs: ["y"]),
      ],
      initializers: [
        QT.floatTensor("M", [4, 3], random.floats(12, -1, 1)),
        QT.floatTensor("bias", [3], [1, -2, 0.5]),
      ],
      inputs: [QT.info("x", inputDims)], outputs: ["y"])
  }

  func testMatMulAndAddOfA2DInputBecomeGemm() throws {
    let original = matMulAdd([2, 4])
    let prepared = try QT.prepare(original)
    XCTAssertEqual(opTypes(prepared.model), ["Gemm"])
    let gemm = prepared.model.graph.nodes[0]
    XCTAssertEqual(gemm.inputs, ["x", "M", "bias"])
    XCTAssertEqual(gemm.outputs, ["y"])
    XCTAssertNil(gemm.attribute("transB"))
    var random = QTRandom(seed: 9)
    let x = random.floats(8, -1, 1)
    assertClose(try QT.run(prepared.model, [x])[0], try QT.run(original, [x])[0], tolerance: 1e-6)
  }

  func testMatMulOfA3DInputStaysMatMulAndAdd() throws {
    let prepared = try QT.prepare(matMulAdd([1, 2, 4]))
    XCTAssertEqual(opTypes(prepared.model), ["MatMul", "Add"])
  }

  // MARK: Folding and pass-through removal

  func testIdentityDropoutAndShapeChainAreFoldedForAStaticShape() throws {
    let nodes = [
      Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
      Node(name: "id", opType: "Identity", inputs: ["r"], outputs: ["r2"]),
      Node(name: "drop", opType: "Dropout", inputs: ["r2"], outputs: ["r3"]),
      Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
      Node(
        name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["b"],
        attributes: [QT.attribute("axis", 0)]),
      Node(name: "unsqueeze", opType: "Unsqueeze", inputs: ["b", "axes0"], outputs: ["b1"]),
      Node(
        name: "concat", opType: "Concat", inputs: ["b1", "minus1"], outputs: ["newshape"],
        attributes: [QT.attribute("axis", 0)]),
      Node(name: "reshape", opType: "Reshape", inputs: ["r3", "newshape"], outputs: ["flat"]),
      Node(name: "out", opType: "Identity", inputs: ["flat"], outputs: ["y"]),
    ]
    let batch = ValueInfo(
      name: "x",
      type: .tensor(
        elementType: DataType.float.rawValue,
        shape: [
          ShapeDimension(.param("batch")), ShapeDimension(.value(3)), ShapeDimension(.value(4)),
        ]))
    let original = QT.model(
      nodes,
      initializers: [
        QT.int64Tensor("zero", [], [0]), QT.int64Tensor("axes0", [1], [0]),
        QT.int64Tensor("minus1", [1], [-1]),
      ],
      inputs: [batch], outputs: ["y"])
    let prepared = try QT.prepare(original, shapes: ["x": [2, 3, 4]])
    let graph = prepared.model.graph
    // A graph output written by an Identity keeps its name through an Identity.
    XCTAssertEqual(opTypes(prepared.model), ["Relu", "Reshape", "Identity"])
    XCTAssertEqual(graph.nodes[1].inputs[0], "r")
    XCTAssertEqual(graph.nodes[2].outputs, ["y"])
    let shape = try XCTUnwrap(QT.initializer(graph, graph.nodes[1].inputs[1]))
    XCTAssertEqual(shape.dataType, .int64)
    XCTAssertEqual(QT.int64s(shape), [2, -1])
    XCTAssertEqual(Set(graph.initializers.map { $0.name }), [graph.nodes[1].inputs[1]])
    XCTAssertEqual(graph.inputs.map { $0.name }, ["x"])
    XCTAssertEqual(
      graph.inputs[0].type,
      .tensor(elementType: 1, shape: [2, 3, 4].map { ShapeDimension(.value($0)) }))
    XCTAssertEqual(
      graph.outputs[0].type,
      .tensor(elementType: 1, shape: [2, 12].map { ShapeDimension(.value($0)) }))

    var random = QTRandom(seed: 12)
    let x = random.floats(24, -1, 1)
    XCTAssertEqual(try QT.run(prepared.model, [x])[0], x.map { max($0, 0) })
  }

  // MARK: Opset upgrade

  func testOpset11SoftmaxAndSqueezeAreUpgradedTo13() throws {
    let original = QT.model(
      [
        Node(
          name: "squeeze", opType: "Squeeze", inputs: ["x"], outputs: ["s"],
          attributes: [QT.attribute("axes", [2])]),
        Node(
          name: "soft", opType: "Softmax", inputs: ["s"], outputs: ["y"],
          attributes: [QT.attribute("axis", 1)]),
      ], inputs: [QT.info("x", [1, 10, 1])], outputs: ["y"], opset: 11)
    let prepared = try QT.prepare(original)
    XCTAssertEqual(prepared.model.opsetVersion(""), 13)
    XCTAssertGreaterThanOrEqual(prepared.model.irVersion, 7)
    let squeeze = prepared.model.graph.nodes[0]
    XCTAssertEqual(squeeze.opType, "Squeeze")
    XCTAssertNil(squeeze.attribute("axes"))
    XCTAssertEqual(squeeze.inputs.count, 2)
    let axes = try XCTUnwrap(QT.initializer(prepared.model.graph, squeeze.inputs[1]))
    XCTAssertEqual(axes.dataType, .int64)
    XCTAssertEqual(QT.int64s(axes), [2])
    let softmax = prepared.model.graph.nodes[1]
    XCTAssertTrue(
      softmax.attribute("axis") == .int(1) || softmax.attribute("axis") == .int(-1),
      "\(softmax.attributes)")
    XCTAssertTrue(
      prepared.notes.contains { $0.contains("opset 11 upgraded to 13") }, "\(prepared.notes)")

    let x: [Float] = [0.5, -1, 2, 0, 3, -2, 1, 1.5, -0.5, 0.25]
    let exponentials = x.map { exp(Double($0)) }
    let sum = exponentials.reduce(0, +)
    let expected = exponentials.map { Float($0 / sum) }
    assertClose(try QT.run(prepared.model, [x])[0], expected, tolerance: 1e-6)
  }

  func testOpset11SoftmaxOverSeveralAxesIsRefusedNamingTheNode() {
    let model = QT.model(
      [
        Node(
          name: "soft", opType: "Softmax", inputs: ["x"], outputs: ["y"],
          attributes: [QT.attribute("axis", 1)])
      ],
      inputs: [QT.info("x", [1, 3, 4])], outputs: ["y"], opset: 11)
    assertCommandError(["Softmax node 'soft'", "opset 13"]) { () throws(CommandError) in
      try ModelPreparation.prepare(model, shapes: [:])
    }
  }

  /// Axes between the softmax axis and the last of size 1 keep the old and new meaning equal.
  func testOpset11SoftmaxOverTrailingOnesIsUpgraded() throws {
    let model = QT.model(
      [
        Node(
          name: "soft", opType: "LogSoftmax", inputs: ["x"], outputs: ["y"],
          attributes: [QT.attribute("axis", 1)])
      ],
      inputs: [QT.info("x", [2, 1, 4])], outputs: ["y"], opset: 11)
    let prepared = try QT.prepare(model)
    XCTAssertTrue([.int(2), .int(-1)].contains(prepared.model.graph.nodes[0].attribute("axis")))
  }

  func testOpsetBelow11IsRefused() {
    let model = QT.model(
      [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
      inputs: [QT.info("x", [1, 4])],
      outputs: ["y"], opset: 10)
    assertCommandError(["opset 10", "11 or later"]) { () throws(CommandError) in
      try ModelPreparation.prepare(model, shapes: [:])
    }
  }
}
