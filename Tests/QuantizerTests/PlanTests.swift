import ONNXFormat
import Runtime
import XCTest

@testable import Quantizer

/// QuantizationPlan: which nodes become integer, what folds into them, and the parameters chosen,
/// from statistics built by hand.
final class PlanTests: XCTestCase {
  private let weights: [Float] = {
    var random = QTRandom(seed: 41)
    return random.floats(2 * 1 * 3 * 3, -1, 1)
  }()

  /// x [1, 1, 4, 4] -> Conv "conv" (2 channels, 3x3, pads 1) -> c, then `after` reading c.
  private func convModel(_ after: [Node], initializers: [Tensor] = [], output: String = "y") throws
    -> PreparedModel
  {
    let conv = Node(
      name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["c"],
      attributes: [QT.attribute("pads", [1, 1, 1, 1])])
    let model = QT.model(
      [conv] + after, initializers: [QT.floatTensor("W", [2, 1, 3, 3], weights)] + initializers,
      inputs: [QT.info("x", [1, 1, 4, 4])], outputs: [output])
    return try QT.prepare(model)
  }

  private func plan(
    _ prepared: PreparedModel, _ statistics: [String: TensorStatistics],
    _ configure: (inout QuantizationOptions) -> Void = { _ in }
  ) -> QuantizationPlan {
    var options = QT.minmaxOptions()
    configure(&options)
    return QuantizationPlan.make(prepared, statistics: statistics, options: options)
  }

  /// Expected uint8 parameters of a minmax range, computed as ONNX Runtime does (float64, half to even).
  private func uint8Params(low: Double, high: Double) -> QuantParams {
    let low = min(low, 0)
    let high = max(high, 0)
    let scale = (high - low) / 255
    return QuantParams(
      scale: Float(scale), zeroPoint: Int32((-low / scale).rounded(.toNearestOrEven)))
  }

  func testReluFoldsIntoConvWithZeroPointZero() throws {
    let prepared = try convModel([Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"])]
    )
    let statistics = [
      "x": QT.stats([-1, 0.5, 1]), "c": QT.stats([-3, 1, 5]), "y": QT.stats([0, 1, 5]),
    ]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.count, 1)
    let conv = plan.nodes[0]
    XCTAssertEqual(conv.form, .conv)
    XCTAssertEqual(conv.foldedActivation, "y")
    XCTAssertEqual(conv.node.outputs, ["y"])
    XCTAssertEqual(conv.outputScaleFactor, 1)
    XCTAssertEqual(plan.params["y"], QuantParams(scale: Float(5.0 / 255), zeroPoint: 0))
    // [-1, 1]: zero point 127.5 rounds to even, 128.
    XCTAssertEqual(plan.params["x"], QuantParams(scale: Float(2.0 / 255), zeroPoint: 128))
    XCTAssertEqual(plan.params["x"], uint8Params(low: -1, high: 1))
    XCTAssertNil(plan.params["c"], "the Conv's own output is never materialized")

    let signed = self.plan(prepared, statistics) { $0.activations = .int8 }
    XCTAssertEqual(signed.nodes[0].foldedActivation, "y")
    XCTAssertEqual(signed.params["y"], QuantParams(scale: Float(5.0 / 255), zeroPoint: -128))
  }

  private func clip(_ low: Float, _ high: Float) -> (node: Node, initializers: [Tensor]) {
    (
      Node(name: "clip", opType: "Clip", inputs: ["c", "lo", "hi"], outputs: ["y"]),
      [QT.floatTensor("lo", [], [low]), QT.floatTensor("hi", [], [high])]
    )
  }

  func testClipWhoseRangeExcludesZeroIsNotFolded() throws {
    let (node, constants) = clip(0.5, 6)
    let prepared = try convModel([node], initializers: constants)
    let statistics = [
      "x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "y": QT.stats([0.5, 3, 6]),
    ]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.map { $0.node.opType }, ["Conv", "Clip"])
    XCTAssertEqual(plan.nodes[0].form, .conv)
    XCTAssertNil(plan.nodes[0].foldedActivation)
    XCTAssertEqual(plan.nodes[0].node.outputs, ["c"])
    XCTAssertNil(plan.nodes[1].form)
    XCTAssertEqual(plan.params["c"], uint8Params(low: -4, high: 8))
  }

  func testClipFromZeroToSixFolds() throws {
    let (node, constants) = clip(0, 6)
    let prepared = try convModel([node], initializers: constants)
    let statistics = ["x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "y": QT.stats([0, 3, 6])]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.count, 1)
    XCTAssertEqual(plan.nodes[0].foldedActivation, "y")
    XCTAssertEqual(plan.params["y"], QuantParams(scale: Float(6.0 / 255), zeroPoint: 0))
  }

  func testDivisionByAConstantFoldsIntoTheOutputScale() throws {
    let prepared = try convModel(
      [Node(name: "div", opType: "Div", inputs: ["c", "two"], outputs: ["y"])],
      initializers: [QT.floatTensor("two", [], [2])])
    let statistics = ["x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "y": QT.stats([-2, 4])]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.count, 1)
    let conv = plan.nodes[0]
    XCTAssertEqual(conv.form, .conv)
    XCTAssertEqual(conv.outputScaleFactor, 2)
    XCTAssertEqual(conv.originalOutput, "c")
    XCTAssertEqual(conv.node.outputs, ["y"])
    XCTAssertNil(conv.foldedActivation)
    XCTAssertEqual(plan.params["y"], uint8Params(low: -2, high: 4))
  }

  func testMultiplicationByAConstantFoldsAsItsReciprocal() throws {
    let prepared = try convModel(
      [Node(name: "mul", opType: "Mul", inputs: ["quarter", "c"], outputs: ["y"])],
      initializers: [QT.floatTensor("quarter", [1], [0.25])])
    let statistics = ["x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "y": QT.stats([-1, 2])]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.count, 1)
    XCTAssertEqual(plan.nodes[0].outputScaleFactor, 4)
    XCTAssertEqual(plan.nodes[0].originalOutput, "c")
  }

  /// A negative divisor would flip the range: it stays an integer multiplication by the reciprocal.
  func testDivisionCarryingAFoldedReluKeepsTheGraphOutput() throws {
    // Conv -> Div(2) -> Relu -> y: the Relu folds into the Div, so the Div must not fold away into
    // the Conv's scale (it would take the Relu, and the graph output, with it).
    let prepared = try convModel(
      [
        Node(name: "div", opType: "Div", inputs: ["c", "two"], outputs: ["d"]),
        Node(name: "relu", opType: "Relu", inputs: ["d"], outputs: ["y"]),
      ],
      initializers: [QT.floatTensor("two", [], [2])])
    let statistics = [
      "x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "d": QT.stats([-2, 4]), "y": QT.stats([0, 4]),
    ]
    let plan = plan(prepared, statistics)
    XCTAssertTrue(plan.nodes.contains { $0.output == "y" })
    XCTAssertEqual(plan.nodes.map { $0.form }, [.conv, .divByConstant])
    XCTAssertEqual(plan.nodes[1].foldedActivation, "y")
  }

  func testDivisionByANegativeConstantIsNotFolded() throws {
    let prepared = try convModel(
      [Node(name: "div", opType: "Div", inputs: ["c", "k"], outputs: ["y"])],
      initializers: [QT.floatTensor("k", [], [-2])])
    let statistics = ["x": QT.stats([-1, 1]), "c": QT.stats([-4, 8]), "y": QT.stats([-4, 2])]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.map { $0.form }, [.conv, .divByConstant])
    XCTAssertEqual(plan.nodes[0].outputScaleFactor, 1)
    let operand = try XCTUnwrap(plan.constantOperands["k_reciprocal"])
    XCTAssertEqual(operand.values, [-0.5])
    XCTAssertEqual(plan.params["k_reciprocal"], uint8Params(low: -0.5, high: 0))
  }

  private func twoConvs() throws -> (PreparedModel, [String: TensorStatistics]) {
    var random = QTRandom(seed: 42)
    let model = QT.model(
      [
        Node(name: "conv1", opType: "Conv", inputs: ["x", "W1"], outputs: ["c1"]),
        Node(name: "relu1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
        Node(name: "conv2", opType: "Conv", inputs: ["r1", "W2"], outputs: ["c2"]),
        Node(name: "relu2", opType: "Relu", inputs: ["c2"], outputs: ["y"]),
      ],
      initializers: [
        QT.floatTensor("W1", [2, 1, 1, 1], random.floats(2, -1, 1)),
        QT.floatTensor("W2", [2, 2, 1, 1], random.floats(4, -1, 1)),
      ], inputs: [QT.info("x", [1, 1, 3, 3])], outputs: ["y"])
    let prepared = try QT.prepare(model)
    let statistics = [
      "x": QT.stats([-1, 1]), "c1": QT.stats([-2, 2]), "r1": QT.stats([0, 2]),
      "c2": QT.stats([-3, 3]),
      "y": QT.stats([0, 3]),
    ]
    return (prepared, statistics)
  }

  func testExcludeByOperatorTypeKeepsEveryConvFloat() throws {
    let (prepared, statistics) = try twoConvs()
    let all = plan(prepared, statistics)
    XCTAssertEqual(all.nodes.map { $0.node.name }, ["conv1", "conv2"])
    XCTAssertEqual(all.nodes.map { $0.form }, [.conv, .conv])

    let none = plan(prepared, statistics) { $0.exclude = ["Conv"] }
    XCTAssertEqual(none.nodes.map { $0.node.name }, ["conv1", "relu1", "conv2", "relu2"])
    XCTAssertTrue(none.nodes.allSatisfy { $0.form == nil && $0.foldedActivation == nil })
    XCTAssertTrue(none.params.isEmpty, "\(none.params.keys.sorted())")
  }

  func testExcludeByNameKeepsOnlyThatNodeFloat() throws {
    let (prepared, statistics) = try twoConvs()
    let plan = plan(prepared, statistics) { $0.exclude = ["conv2"] }
    XCTAssertEqual(plan.nodes.map { $0.node.name }, ["conv1", "conv2", "relu2"])
    XCTAssertEqual(plan.nodes.map { $0.form }, [.conv, nil, nil])
    XCTAssertEqual(plan.nodes[0].foldedActivation, "r1")
    XCTAssertEqual(plan.params["r1"], QuantParams(scale: Float(2.0 / 255), zeroPoint: 0))
    XCTAssertNil(plan.params["y"])

    // Excluding the Relu by name keeps it float and the Conv before it unfused.
    let reluKept = self.plan(prepared, statistics) { $0.exclude = ["relu1"] }
    XCTAssertEqual(reluKept.nodes.map { $0.node.name }, ["conv1", "relu1", "conv2"])
    XCTAssertEqual(reluKept.nodes.map { $0.form }, [.conv, nil, .conv])
  }

  func testDataMovementIsEightBitOnlyAfterAnIntegerNode() throws {
    var random = QTRandom(seed: 43)
    let model = QT.model(
      [
        Node(name: "reshape_in", opType: "Reshape", inputs: ["x", "image"], outputs: ["r0"]),
        Node(
          name: "conv", opType: "Conv", inputs: ["r0", "W"], outputs: ["c"],
          attributes: [QT.attribute("pads", [1, 1, 1, 1])]),
        Node(
          name: "pool", opType: "MaxPool", inputs: ["c"], outputs: ["m"],
          attributes: [QT.attribute("kernel_shape", [2, 2]), QT.attribute("strides", [2, 2])]),
        Node(name: "reshape_out", opType: "Reshape", inputs: ["m", "rows"], outputs: ["y"]),
      ],
      initializers: [
        QT.int64Tensor("image", [4], [1, 1, 4, 4]),
        QT.floatTensor("W", [2, 1, 3, 3], random.floats(18, -1, 1)),
        QT.int64Tensor("rows", [2], [1, 8]),
      ], inputs: [QT.info("x", [1, 16])], outputs: ["y"])
    let prepared = try QT.prepare(model)
    let statistics = [
      "x": QT.stats([-1, 1]), "r0": QT.stats([-1, 1]), "c": QT.stats([-2, 3]),
      "m": QT.stats([-1, 3]),
      "y": QT.stats([-1, 3]),
    ]
    let plan = plan(prepared, statistics)
    XCTAssertEqual(plan.nodes.map { $0.node.name }, ["reshape_in", "conv", "pool", "reshape_out"])
    XCTAssertEqual(plan.nodes.map { $0.form }, [nil, .conv, .passThrough, .passThrough])
    let convParams = uint8Params(low: -2, high: 3)
    XCTAssertEqual(plan.params["c"], convParams)
    XCTAssertEqual(plan.params["m"], convParams, "data movement passes its input's parameters on")
    XCTAssertEqual(plan.params["y"], convParams)
    XCTAssertEqual(plan.params["r0"], uint8Params(low: -1, high: 1))
    XCTAssertNil(plan.params["x"])
  }

  /// A node whose activations were never observed stays float.
  func testUnobservedNodesStayFloat() throws {
    let prepared = try convModel([Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"])]
    )
    let plan = plan(prepared, ["x": QT.stats([-1, 1])])
    XCTAssertEqual(plan.nodes.map { $0.form }, [nil, nil])
    XCTAssertTrue(plan.params.isEmpty)
  }
}
