import ONNXFormat
import Runtime
import XCTest

@testable import Quantizer

/// QOperatorWriter and QDQWriter on x -> Conv -> Relu -> MaxPool -> Flatten -> Gemm: the nodes written,
/// the int8 weights and int32 biases (computed here from the float ones), and the written models run by
/// onnx-quant's Session against the float model and against each other.
final class WriterTests: XCTestCase {
  private struct Fixture {
    var float: Model
    var prepared: PreparedModel
    var plan: QuantizationPlan
    var options: QuantizationOptions
    var samples: [[Float]]
    var convWeights: [Float]
    var convBias: [Float]
    var gemmWeights: [Float]
    var gemmBias: [Float]
  }

  /// x [1, 2, 6, 6] -> Conv (4 channels, 3x3, pads 1, bias) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm
  /// (transB = 1, 3 classes, bias), calibrated with minmax on 8 samples.
  private func fixture(perChannel: Bool = true) throws -> Fixture {
    var random = QTRandom(seed: 51)
    // Channels of different magnitudes, so per-channel scales differ.
    var convWeights = random.floats(4 * 18, -1, 1)
    for index in convWeights.indices { convWeights[index] *= [0.2, 1, 0.5, 2][index / 18] }
    let convBias: [Float] = [0.1, -0.3, 0.05, 0.2]
    let gemmWeights = random.floats(3 * 36, -0.5, 0.5)
    let gemmBias: [Float] = [0.3, -0.2, 0.1]
    let model = QT.model(
      [
        Node(
          name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
          attributes: [QT.attribute("pads", [1, 1, 1, 1])]),
        Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
        Node(
          name: "pool", opType: "MaxPool", inputs: ["r"], outputs: ["m"],
          attributes: [QT.attribute("kernel_shape", [2, 2]), QT.attribute("strides", [2, 2])]),
        Node(name: "flatten", opType: "Flatten", inputs: ["m"], outputs: ["f"]),
        Node(
          name: "gemm", opType: "Gemm", inputs: ["f", "G", "C"], outputs: ["y"],
          attributes: [QT.attribute("transB", 1)]),
      ],
      initializers: [
        QT.floatTensor("W", [4, 2, 3, 3], convWeights), QT.floatTensor("B", [4], convBias),
        QT.floatTensor("G", [3, 36], gemmWeights), QT.floatTensor("C", [3], gemmBias),
      ], inputs: [QT.info("x", [1, 2, 6, 6])], outputs: ["y"])
    let prepared = try QT.prepare(model)
    let samples = (0..<8).map { _ in random.floats(72, -1, 1) }
    let statistics = try QT.statistics(prepared, samples: samples)
    var options = QT.minmaxOptions()
    options.perChannel = perChannel
    let plan = QuantizationPlan.make(prepared, statistics: statistics, options: options)
    return Fixture(
      float: model, prepared: prepared, plan: plan, options: options, samples: samples,
      convWeights: convWeights,
      convBias: convBias, gemmWeights: gemmWeights, gemmBias: gemmBias)
  }

  private func scalar(_ graph: Graph, _ name: String) throws -> Float {
    let tensor = try XCTUnwrap(QT.initializer(graph, name))
    XCTAssertEqual(tensor.dims, [])
    return QT.floats(tensor)[0]
  }

  /// Symmetric int8 of one row-major block per channel: scale max|w| / 127, round half to even.
  private func expectedWeights(_ weights: [Float], channels: Int) -> (
    values: [Int8], scales: [Float]
  ) {
    let size = weights.count / channels
    var values: [Int8] = []
    var scales: [Float] = []
    for c in 0..<channels {
      let block = weights[(c * size)..<((c + 1) * size)]
      let scale = Float(Double(block.map { abs($0) }.max()!) / 127)
      scales.append(scale)
      values += block.map { Int8(max(-127, min(127, ($0 / scale).rounded(.toNearestOrEven)))) }
    }
    return (values, scales)
  }

  private func expectedBias(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> [Int32] {
    bias.enumerated().map { c, b in
      Int32((Double(b) / Double(inputScale * weightScales[c])).rounded(.toNearestOrEven))
    }
  }

  func testQOperatorNodesWeightsAndBiases() throws {
    let fixture = try fixture()
    let (model, quantizedNames) = QOperatorWriter.write(
      fixture.prepared, fixture.plan, options: fixture.options)
    let graph = model.graph
    XCTAssertEqual(
      graph.nodes.map { $0.opType },
      ["QuantizeLinear", "QLinearConv", "MaxPool", "Flatten", "QGemm", "DequantizeLinear"])
    XCTAssertEqual(graph.nodes.map { $0.domain }, ["", "", "", "", "com.microsoft", ""])
    XCTAssertEqual(model.opsetVersion("com.microsoft"), 1)
    XCTAssertEqual(model.opsetVersion(""), 13)
    XCTAssertEqual(graph.nodes.last?.outputs, ["y"])
    XCTAssertEqual(quantizedNames["x"], graph.nodes[0].outputs[0])

    // The input's parameters are the minmax range of the samples.
    let samples = fixture.samples.flatMap { $0 }
    let low = Double(min(samples.min()!, 0))
    let high = Double(max(samples.max()!, 0))
    let quantize = graph.nodes[0]
    let xScale = try scalar(graph, quantize.inputs[1])
    XCTAssertEqual(xScale, Float((high - low) / 255))
    let xZero = try XCTUnwrap(QT.initializer(graph, quantize.inputs[2]))
    XCTAssertEqual(xZero.dataType, .uint8)
    XCTAssertEqual(xZero.bytes, [UInt8((-low / ((high - low) / 255)).rounded(.toNearestOrEven))])

    // QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B.
    let conv = graph.nodes[1]
    XCTAssertEqual(conv.inputs.count, 9)
    XCTAssertEqual(conv.inputs[0], quantize.outputs[0])
    XCTAssertEqual(conv.attribute("pads"), .ints([1, 1, 1, 1]))
    let convExpected = expectedWeights(fixture.convWeights, channels: 4)
    let w = try XCTUnwrap(QT.initializer(graph, conv.inputs[3]))
    XCTAssertEqual(w.dims, [4, 2, 3, 3])
    XCTAssertEqual(QT.int8s(w), convExpected.values)
    XCTAssertEqual(
      QT.floats(try XCTUnwrap(QT.initializer(graph, conv.inputs[4]))), convExpected.scales)
    XCTAssertEqual(QT.int8s(try XCTUnwrap(QT.initializer(graph, conv.inputs[5]))), [0, 0, 0, 0])
    XCTAssertEqual(
      QT.int32s(try XCTUnwrap(QT.initializer(graph, conv.inputs[8]))),
      expectedBias(fixture.convBias, inputScale: xScale, weightScales: convExpected.scales))
    // The Relu is folded: the output range starts at 0, zero point 0.
    let reluOutput = try XCTUnwrap(QT.initializer(graph, conv.inputs[7]))
    XCTAssertEqual(reluOutput.bytes, [0])
    let convOutputScale = try scalar(graph, conv.inputs[6])

    // MaxPool and Flatten run on the 8-bit tensor.
    XCTAssertEqual(graph.nodes[2].inputs, conv.outputs)
    XCTAssertEqual(graph.nodes[3].inputs, graph.nodes[2].outputs)

    // QGemm: a, a_scale, a_zp, b, b_scale, b_zp, C, y_scale, y_zp; B per row (transB = 1).
    let gemm = graph.nodes[4]
    XCTAssertEqual(gemm.inputs.count, 9)
    XCTAssertEqual(gemm.inputs[0], graph.nodes[3].outputs[0])
    XCTAssertEqual(
      try scalar(graph, gemm.inputs[1]), convOutputScale, "Flatten passes the Conv's parameters on")
    XCTAssertEqual(gemm.attribute("transB"), .int(1))
    let gemmExpected = expectedWeights(fixture.gemmWeights, channels: 3)
    XCTAssertEqual(
      QT.int8s(try XCTUnwrap(QT.initializer(graph, gemm.inputs[3]))), gemmExpected.values)
    XCTAssertEqual(
      QT.floats(try XCTUnwrap(QT.initializer(graph, gemm.inputs[4]))), gemmExpected.scales)
    XCTAssertEqual(
      QT.int32s(try XCTUnwrap(QT.initializer(graph, gemm.inputs[6]))),
      expectedBias(fixture.gemmBias, inputScale: convOutputScale, weightScales: gemmExpected.scales)
    )
    XCTAssertEqual(graph.nodes[5].inputs[0], gemm.outputs[0])
    XCTAssertEqual(graph.nodes[5].inputs[1], gemm.inputs[7])
  }

  func testPerTensorWeightsHaveOneScale() throws {
    let fixture = try fixture(perChannel: false)
    let graph = QOperatorWriter.write(fixture.prepared, fixture.plan, options: fixture.options)
      .model.graph
    let conv = try XCTUnwrap(graph.nodes.first { $0.opType == "QLinearConv" })
    let expected = expectedWeights(fixture.convWeights, channels: 1)
    XCTAssertEqual(try scalar(graph, conv.inputs[4]), expected.scales[0])
    XCTAssertEqual(QT.int8s(try XCTUnwrap(QT.initializer(graph, conv.inputs[3]))), expected.values)
  }

  /// Output of `model` on each sample.
  private func outputs(_ model: Model, _ samples: [[Float]]) throws -> [[Float]] {
    let session = try Session(model: model)
    return samples.map { QT.run(session, [$0])[0] }
  }

  func testQOperatorModelRunsCloseToTheFloatModel() throws {
    let fixture = try fixture()
    let model = QOperatorWriter.write(fixture.prepared, fixture.plan, options: fixture.options)
      .model
    // Through the file format too: what calibrate writes is what runs.
    let reloaded = try Model(serialized: model.serialized())
    let params = try XCTUnwrap(fixture.plan.params["y"])
    let lowest = Float(0 - params.zeroPoint) * params.scale
    let highest = Float(255 - params.zeroPoint) * params.scale
    // Fresh inputs of half the calibration samples' magnitude keep every tensor inside its range.
    var random = QTRandom(seed: 52)
    let inputs = fixture.samples + (0..<8).map { _ in random.floats(72, -0.5, 0.5) }
    let quantized = try outputs(reloaded, inputs)
    let float = try outputs(fixture.float, inputs)
    var worst: Float = 0
    for (q, f) in zip(quantized, float) {
      XCTAssertEqual(q.count, 3)
      for (a, b) in zip(q, f) { worst = max(worst, abs(a - min(max(b, lowest), highest))) }
    }
    XCTAssertLessThanOrEqual(
      worst, 3 * params.scale, "worst error \(worst), output scale \(params.scale)")
  }

  func testQDQNodesAndAgreementWithTheQOperatorModel() throws {
    let fixture = try fixture()
    let qdq = QDQWriter.write(fixture.prepared, fixture.plan, options: fixture.options)
    let graph = qdq.graph
    XCTAssertNil(qdq.opsetVersion("com.microsoft"))
    XCTAssertFalse(graph.nodes.contains { $0.opType.hasPrefix("QLinear") || $0.opType == "QGemm" })
    XCTAssertFalse(
      graph.nodes.contains { $0.opType == "Relu" },
      "the Relu is folded into the Conv's output range")
    XCTAssertEqual(
      graph.nodes.filter { !["QuantizeLinear", "DequantizeLinear"].contains($0.opType) }.map {
        $0.opType
      },
      ["Conv", "MaxPool", "Flatten", "Gemm"])
    var producer: [String: Node] = [:]
    for node in graph.nodes { for output in node.outputs { producer[output] = node } }

    for opType in ["Conv", "Gemm"] {
      let node = try XCTUnwrap(graph.nodes.first { $0.opType == opType })
      XCTAssertEqual(node.inputs.count, 3)
      for input in node.inputs {
        XCTAssertEqual(producer[input]?.opType, "DequantizeLinear", opType + " reads " + input)
      }
      let weight = try XCTUnwrap(producer[node.inputs[1]])
      XCTAssertEqual(weight.attribute("axis"), .int(0), "per-channel " + opType + " weights")
      XCTAssertEqual(QT.initializer(graph, weight.inputs[0])?.dataType, .int8)
      XCTAssertEqual(QT.initializer(graph, weight.inputs[1])?.dims.count, 1)
      let bias = try XCTUnwrap(producer[node.inputs[2]])
      XCTAssertEqual(QT.initializer(graph, bias.inputs[0])?.dataType, .int32)
      // The activation input comes through a Q -> DQ pair.
      let activation = try XCTUnwrap(producer[node.inputs[0]])
      XCTAssertEqual(producer[activation.inputs[0]]?.opType, "QuantizeLinear")
    }
    let gemm = try XCTUnwrap(graph.nodes.first { $0.opType == "Gemm" })
    XCTAssertEqual(gemm.attribute("transB"), .int(1))
    let conv = try XCTUnwrap(graph.nodes.first { $0.opType == "Conv" })
    let convWeight = try XCTUnwrap(producer[conv.inputs[1]])
    XCTAssertEqual(
      QT.int8s(try XCTUnwrap(QT.initializer(graph, convWeight.inputs[0]))),
      expectedWeights(fixture.convWeights, channels: 4).values)
    // Every QuantizeLinear is read by a DequantizeLinear with the same scale and zero point.
    for quantize in graph.nodes where quantize.opType == "QuantizeLinear" {
      let readers = graph.nodes.filter { $0.inputs.first == quantize.outputs[0] }
      XCTAssertEqual(readers.map { $0.opType }, ["DequantizeLinear"], quantize.name)
      XCTAssertEqual(
        Array(readers[0].inputs.dropFirst()), Array(quantize.inputs.dropFirst()), quantize.name)
    }
    // The graph output is written by the last DequantizeLinear under its own name.
    XCTAssertEqual(producer["y"]?.opType, "DequantizeLinear")

    let qoperator = QOperatorWriter.write(fixture.prepared, fixture.plan, options: fixture.options)
      .model
    let outputScale = try XCTUnwrap(fixture.plan.params["y"]).scale
    let fromQDQ = try outputs(try Model(serialized: qdq.serialized()), fixture.samples)
    let fromQOperator = try outputs(qoperator, fixture.samples)
    for (a, b) in zip(fromQDQ, fromQOperator) {
      for (x, y) in zip(a, b) {
        XCTAssertLessThanOrEqual(abs(x - y), outputScale * 1.001, "\(a) vs \(b)")
      }
    }
  }

  // MARK: Every integer form

  private struct Case {
    var name: String
    var model: Model
    var inputCount: Int
    var qoperator: [String]
    var activations: ActivationType = .uint8
  }

  private func cases() -> [Case] {
    var random = QTRandom(seed: 53)
    let conv = Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["c"])
    let convWeights = QT.floatTensor("W", [3, 2, 1, 1], random.floats(6, -2, 2))
    let image = QT.info("x", [1, 2, 3, 3])
    let gemm = QT.model(
      [
        Node(
          name: "gemm", opType: "Gemm", inputs: ["x", "G", "C"], outputs: ["y"],
          attributes: [QT.attribute("alpha", Float(0.5)), QT.attribute("beta", Float(2))])
      ],
      initializers: [
        QT.floatTensor("G", [6, 4], random.floats(24, -1, 1)), QT.floatTensor("C", [1], [0.25]),
      ],
      inputs: [QT.info("x", [2, 6])], outputs: ["y"])
    return [
      Case(
        name: "Conv / 6",
        model: QT.model(
          [conv, Node(name: "div", opType: "Div", inputs: ["c", "six"], outputs: ["y"])],
          initializers: [convWeights, QT.floatTensor("six", [], [6])], inputs: [image],
          outputs: ["y"]),
        inputCount: 18, qoperator: ["QuantizeLinear", "QLinearConv", "DequantizeLinear"]),
      Case(
        name: "Gemm, transB 0, alpha, beta, scalar C", model: gemm, inputCount: 12,
        qoperator: ["QuantizeLinear", "QGemm", "DequantizeLinear"]),
      Case(
        name: "Gemm, int8 activations", model: gemm, inputCount: 12,
        qoperator: ["QuantizeLinear", "QGemm", "DequantizeLinear"], activations: .int8),
      Case(
        name: "MatMul of a 3-D input",
        model: QT.model(
          [Node(name: "matmul", opType: "MatMul", inputs: ["x", "M"], outputs: ["y"])],
          initializers: [QT.floatTensor("M", [6, 4], random.floats(24, -1, 1))],
          inputs: [QT.info("x", [1, 2, 6])],
          outputs: ["y"]),
        inputCount: 12, qoperator: ["QuantizeLinear", "QLinearMatMul", "DequantizeLinear"]),
      Case(
        name: "Sigmoid, Sub, Add, Mul",
        model: QT.model(
          [
            Node(name: "sigmoid", opType: "Sigmoid", inputs: ["x"], outputs: ["s"]),
            Node(name: "sub", opType: "Sub", inputs: ["x", "k"], outputs: ["t"]),
            Node(name: "add", opType: "Add", inputs: ["s", "t"], outputs: ["a"]),
            Node(name: "mul", opType: "Mul", inputs: ["a", "m"], outputs: ["y"]),
          ],
          initializers: [
            QT.floatTensor("k", [6], [0.5, -0.5, 1, 0, 0.25, 2]),
            QT.floatTensor("m", [6], [1, -1, 0.5, 2, -0.25, 0.75]),
          ],
          inputs: [QT.info("x", [2, 6])],
          outputs: ["y"]),
        inputCount: 12,
        qoperator: [
          "QuantizeLinear", "QLinearSigmoid", "QLinearAdd", "QLinearAdd", "QLinearMul",
          "DequantizeLinear",
        ]),
      Case(
        name: "GlobalAveragePool, Concat, Softmax",
        model: QT.model(
          [
            conv, Node(name: "gap", opType: "GlobalAveragePool", inputs: ["c"], outputs: ["g"]),
            Node(name: "flatten", opType: "Flatten", inputs: ["g"], outputs: ["f"]),
            Node(
              name: "concat", opType: "Concat", inputs: ["f", "f"], outputs: ["cc"],
              attributes: [QT.attribute("axis", 1)]),
            Node(name: "softmax", opType: "Softmax", inputs: ["cc"], outputs: ["y"]),
          ], initializers: [convWeights], inputs: [image], outputs: ["y"]),
        inputCount: 18,
        qoperator: [
          "QuantizeLinear", "QLinearConv", "QLinearGlobalAveragePool", "Flatten", "QLinearConcat",
          "QLinearSoftmax",
          "DequantizeLinear",
        ]),
      Case(
        name: "depthwise Conv, Relu6, Transpose",
        model: QT.model(
          [
            Node(
              name: "depthwise", opType: "Conv", inputs: ["x", "D", "E"], outputs: ["c"],
              attributes: [
                QT.attribute("group", 2), QT.attribute("pads", [1, 1, 1, 1]),
                QT.attribute("strides", [2, 2]),
              ]),
            Node(name: "clip", opType: "Clip", inputs: ["c", "zero", "six"], outputs: ["r"]),
            Node(
              name: "transpose", opType: "Transpose", inputs: ["r"], outputs: ["y"],
              attributes: [QT.attribute("perm", [0, 2, 3, 1])]),
          ],
          initializers: [
            QT.floatTensor("D", [2, 1, 3, 3], random.floats(18, -3, 3)),
            QT.floatTensor("E", [2], [0.5, -0.5]),
            QT.floatTensor("zero", [], [0]), QT.floatTensor("six", [], [6]),
          ], inputs: [image], outputs: ["y"]),
        inputCount: 18,
        qoperator: ["QuantizeLinear", "QLinearConv", "Transpose", "DequantizeLinear"]),
      Case(
        name: "LeakyRelu, AveragePool",
        model: QT.model(
          [
            conv,
            Node(
              name: "leaky", opType: "LeakyRelu", inputs: ["c"], outputs: ["l"],
              attributes: [QT.attribute("alpha", Float(0.1))]),
            Node(
              name: "pool", opType: "AveragePool", inputs: ["l"], outputs: ["y"],
              attributes: [QT.attribute("kernel_shape", [2, 2])]),
          ], initializers: [convWeights], inputs: [image], outputs: ["y"]),
        inputCount: 18,
        qoperator: [
          "QuantizeLinear", "QLinearConv", "QLinearLeakyRelu", "QLinearAveragePool",
          "DequantizeLinear",
        ]),
    ]
  }

  /// Each form's QOperator model stays within 3 output steps of float on its calibration samples, and the
  /// QDQ model, once onnx-quant fuses it, gives the QOperator model's output within 1 step.
  func testEveryIntegerFormRunsCloseToFloatInBothFormats() throws {
    for test in cases() {
      var random = QTRandom(seed: 54)
      let prepared = try QT.prepare(test.model)
      let samples = (0..<8).map { _ in random.floats(test.inputCount, -1, 1) }
      var options = QT.minmaxOptions()
      options.activations = test.activations
      let plan = QuantizationPlan.make(
        prepared, statistics: try QT.statistics(prepared, samples: samples), options: options)
      let qoperator = QOperatorWriter.write(prepared, plan, options: options).model
      XCTAssertEqual(qoperator.graph.nodes.map { $0.opType }, test.qoperator, test.name)
      let qdq = QDQWriter.write(prepared, plan, options: options)
      XCTAssertFalse(qdq.graph.nodes.contains { $0.domain == "com.microsoft" }, test.name)
      let scale = try XCTUnwrap(plan.params["y"], test.name).scale
      let float = try Session(model: prepared.model)
      let integer = try Session(model: qoperator)
      let fused = try Session(model: qdq)
      for sample in samples {
        let expected = QT.run(float, [sample])[0]
        let fromQOperator = QT.run(integer, [sample])[0]
        let fromQDQ = QT.run(fused, [sample])[0]
        for index in expected.indices {
          XCTAssertEqual(fromQOperator[index], expected[index], accuracy: 3 * scale, test.name)
          XCTAssertEqual(fromQDQ[index], fromQOperator[index], accuracy: scale * 1.001, test.name)
        }
      }
      if test.name == "Conv / 6" {
        // The division is folded into the QLinearConv's output scale: 6 times the output's own.
        let conv = qoperator.graph.nodes[1]
        XCTAssertEqual(
          QT.floats(try XCTUnwrap(QT.initializer(qoperator.graph, conv.inputs[6]))), [scale * 6])
        XCTAssertEqual(plan.nodes.count, 1)
      }
    }
  }
}
