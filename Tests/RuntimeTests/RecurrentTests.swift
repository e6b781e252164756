import ONNXFormat
import XCTest

@testable import Runtime

/// One generated LSTM case (see RecurrentCases.swift): the configuration, the seed its inputs are drawn
/// from, and the expected outputs.
struct LSTMCase {
  var name: String
  var seed: UInt64
  var direction: String
  var layout: Int
  var seq: Int
  var batch: Int
  var input: Int
  var hidden: Int
  var bias: Bool
  var initial: Bool
  var peephole: Bool
  var activations: [String]
  var alphas: [Float]
  var betas: [Float]
  var clip: Float?
  var inputForget: Bool
  var weightScale: Float
  var y: [Float]
  var yH: [Float]
  var yC: [Float]

  var directions: Int { direction == "bidirectional" ? 2 : 1 }
  var xShape: [Int] { layout == 0 ? [seq, batch, input] : [batch, seq, input] }
  var stateShape: [Int] {
    layout == 0 ? [directions, batch, hidden] : [batch, directions, hidden]
  }
  var yShape: [Int] {
    layout == 0 ? [seq, directions, batch, hidden] : [batch, seq, directions, hidden]
  }
}

/// The inputs of a case, drawn in a fixed order from a 64-bit LCG (the generator draws the same):
/// X, W, R, then B, initial_h, initial_c, P for those the case has. Values are k / 2^23 for integer
/// k in [-2^23, 2^23), exact in float32, with W and R scaled by a power of two.
struct LSTMInputs {
  var x, w, r: Constant
  var b, initialH, initialC, p: Constant?

  init(_ c: LSTMCase) {
    var state = c.seed
    func draw(_ shape: [Int], scale: Float = 1) -> Constant {
      var values: [Float] = []
      for _ in 0..<shape.reduce(1, *) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        values.append(Float(Int(state >> 40) - (1 << 23)) / Float(1 << 23) * scale)
      }
      return KernelHarness.floats(shape, values)
    }
    let d = c.directions
    let h = c.hidden
    x = draw(c.xShape)
    w = draw([d, 4 * h, c.input], scale: c.weightScale)
    r = draw([d, 4 * h, h], scale: c.weightScale)
    b = c.bias ? draw([d, 8 * h]) : nil
    initialH = c.initial ? draw(c.stateShape) : nil
    initialC = c.initial ? draw(c.stateShape) : nil
    p = c.peephole ? draw([d, 3 * h]) : nil
  }
}

final class RecurrentTests: XCTestCase {
  // MARK: Generated cases against the reference

  func testForwardMinimal() throws { try check(LSTMCases.forwardMinimal) }
  func testForwardBias() throws { try check(LSTMCases.forwardBias) }
  func testForwardInitialState() throws { try check(LSTMCases.forwardInitialState) }
  func testForwardPeephole() throws { try check(LSTMCases.forwardPeephole) }
  func testReverse() throws { try check(LSTMCases.reverse) }
  func testBidirectional() throws { try check(LSTMCases.bidirectional) }
  func testBidirectionalMinimal() throws { try check(LSTMCases.bidirectionalMinimal) }
  func testLayout1Forward() throws { try check(LSTMCases.layout1Forward) }
  func testLayout1Bidirectional() throws { try check(LSTMCases.layout1Bidirectional) }
  func testLayout1Reverse() throws { try check(LSTMCases.layout1Reverse) }
  func testClip() throws { try check(LSTMCases.clip) }
  func testInputForget() throws { try check(LSTMCases.inputForget) }
  func testClipInputForgetBidirectional() throws {
    try check(LSTMCases.clipInputForgetBidirectional)
  }
  func testActivationsHardSigmoidEluSoftplus() throws {
    try check(LSTMCases.activationsHardSigmoidEluSoftplus)
  }
  func testActivationsBidirectional() throws { try check(LSTMCases.activationsBidirectional) }
  func testActivationsReluThresholdedTanh() throws {
    try check(LSTMCases.activationsReluThresholdedTanh)
  }
  func testActivationsDefaultsBidirectional() throws {
    try check(LSTMCases.activationsDefaultsBidirectional)
  }
  func testMultiTileHidden() throws { try check(LSTMCases.multiTileHidden) }
  func testSileroShape() throws { try check(LSTMCases.sileroShape) }
  func testSileroShapeLong() throws { try check(LSTMCases.sileroShapeLong) }

  func testGeneratedCasesAreAllRun() {
    XCTAssertEqual(LSTMCases.all.count, 20)
  }

  // MARK: Input and output forms

  func testConstantInitialStates() throws {
    try check(LSTMCases.bidirectional, initialStatesConstant: true)
    try check(LSTMCases.layout1Forward, initialStatesConstant: true)
  }

  func testFullLengthConstantSequenceLens() throws {
    let c = LSTMCases.forwardPeephole
    try check(
      c,
      sequenceLens: .constant(int32s([c.batch], [Int32](repeating: Int32(c.seq), count: c.batch))))
  }

  func testOpset7WithoutHiddenSizeAttribute() throws {
    try check(LSTMCases.reverse, opset: 7, hiddenSizeAttribute: false)
  }

  func testOutputSubsets() throws {
    let c = LSTMCases.bidirectional
    // Only Y.
    let onlyY = try run(c, outputs: ["Y"])
    XCTAssertEqual(onlyY.prepared.outputs, [TensorType(.float, c.yShape)])
    assertClose(onlyY.outputs[0].values(Float.self), c.y)
    // Y omitted by an empty name: still typed and written, Y_h and Y_c still right.
    let noY = try run(c, outputs: ["", "Y_h", "Y_c"])
    XCTAssertEqual(noY.prepared.outputs.map(\.shape), [c.yShape, c.stateShape, c.stateShape])
    assertClose(noY.outputs[1].values(Float.self), c.yH)
    assertClose(noY.outputs[2].values(Float.self), c.yC)
    // Y and Y_h only.
    let two = try run(LSTMCases.layout1Bidirectional, outputs: ["Y", "Y_h"])
    XCTAssertEqual(two.outputs.count, 2)
    assertClose(two.outputs[1].values(Float.self), LSTMCases.layout1Bidirectional.yH)
  }

  func testLayout1OutputTypesAndScratch() throws {
    let c = LSTMCases.layout1Bidirectional
    let result = try run(c)
    XCTAssertEqual(
      result.prepared.outputs,
      [
        TensorType(.float, [2, 3, 2, 5]), TensorType(.float, [2, 2, 5]),
        TensorType(.float, [2, 2, 5]),
      ])
    // h and c for 2 rows of 5, then 32 gates (20 padded to one tile).
    XCTAssertEqual(result.prepared.scratchBytes, (32 + 32) * 4)
  }

  // MARK: Refusals

  func testRuntimeWeightsAreUnsupported() {
    let c = LSTMCases.forwardBias
    let inputs = LSTMInputs(c)
    for (index, what) in [(1, "W"), (2, "R"), (3, "B")] {
      var harness = harnessInputs(c, inputs)
      switch harness[index] {
      case .constant(let value): harness[index] = .runtime(value)
      default: XCTFail("input " + String(index) + " should be a constant")
      }
      expectError(
        node(c), harness, .unsupported,
        contains: [what + " (input " + String(index) + ")", "LSTM node 'lstm'"])
    }
    var withP = harnessInputs(LSTMCases.forwardPeephole, LSTMInputs(LSTMCases.forwardPeephole))
    if case .constant(let value) = withP[7] { withP[7] = .runtime(value) }
    expectError(
      node(LSTMCases.forwardPeephole), withP, .unsupported,
      contains: ["P (input 7)", "LSTM node 'lstm'"])
  }

  func testWrongWeightShapes() {
    let c = LSTMCases.forwardBias
    var harness = harnessInputs(c, LSTMInputs(c))
    harness[1] = .constant(KernelHarness.floats([1, 20, 3], [Float](repeating: 0.5, count: 60)))
    expectError(
      node(c), harness, .invalid,
      contains: ["LSTM node 'lstm'", "W must be [1, 20, 4]", "[1, 20, 3]"])

    harness = harnessInputs(c, LSTMInputs(c))
    harness[2] = .constant(KernelHarness.floats([1, 20, 4], [Float](repeating: 0.5, count: 80)))
    expectError(node(c), harness, .invalid, contains: ["LSTM node 'lstm'", "R must be"])

    harness = harnessInputs(c, LSTMInputs(c))
    harness[3] = .constant(KernelHarness.floats([1, 20], [Float](repeating: 0.5, count: 20)))
    expectError(node(c), harness, .invalid, contains: ["B must be [1, 40]"])

    // Bidirectional weights for a forward node.
    let bidirectional = LSTMCases.bidirectional
    expectError(
      node(c), harnessInputs(bidirectional, LSTMInputs(bidirectional)), .invalid,
      contains: ["R must be [1,"])
  }

  func testWrongStateShapesAndSizes() {
    let c = LSTMCases.forwardInitialState
    var harness = harnessInputs(c, LSTMInputs(c))
    harness[5] = .runtime(KernelHarness.floats([2, 1, 5], [Float](repeating: 0, count: 10)))
    expectError(node(c), harness, .invalid, contains: ["initial_h must be [1, 2, 5]"])

    expectError(
      node(c, hiddenSize: 6), harnessInputs(c, LSTMInputs(c)), .invalid, contains: ["hidden_size 6"]
    )

    harness = harnessInputs(c, LSTMInputs(c))
    harness[0] = .runtime(KernelHarness.floats([3, 8], [Float](repeating: 0, count: 24)))
    expectError(node(c), harness, .invalid, contains: ["X must have rank 3"])

    harness = harnessInputs(c, LSTMInputs(c))
    harness[0] = .runtime(Constant(.double, [3, 2, 4], values: [Double](repeating: 0, count: 24)))
    expectError(node(c), harness, .unsupported, contains: ["only float32"])
  }

  func testSequenceLensRefusals() {
    let c = LSTMCases.forwardInitialState
    var harness = harnessInputs(c, LSTMInputs(c))
    harness[4] = .runtime(int32s([2], [3, 3]))
    expectError(node(c), harness, .unsupported, contains: ["sequence_lens (input 4) must be known"])
    harness[4] = .constant(int32s([2], [3, 2]))
    expectError(node(c), harness, .unsupported, contains: ["sequence_lens 2 differs"])
    harness[4] = .constant(int32s([3], [3, 3, 3]))
    expectError(node(c), harness, .invalid, contains: ["sequence_lens must be [2]"])
  }

  func testAttributeRefusals() {
    let c = LSTMCases.forwardBias
    let inputs = harnessInputs(c, LSTMInputs(c))
    expectError(
      node(
        c,
        extra: [
          Attribute(name: "activations", value: .strings(strings(["Sigmoid", "Gelu", "Tanh"])))
        ]), inputs,
      .unsupported, contains: ["activation 'Gelu'"])
    expectError(
      node(
        c, extra: [Attribute(name: "activations", value: .strings(strings(["Sigmoid", "Tanh"])))]),
      inputs,
      .invalid, contains: ["activations lists 2 functions"])
    expectError(
      node(c, direction: "sideways"), inputs, .invalid, contains: ["direction 'sideways'"])
    expectError(
      node(c, extra: [Attribute(name: "clip", value: .float(0))]), inputs, .invalid,
      contains: ["clip must be positive"])
    expectError(
      node(c, extra: [Attribute(name: "input_forget", value: .int(2))]), inputs, .invalid,
      contains: ["input_forget"])
    expectError(
      node(c, extra: [Attribute(name: "layout", value: .int(2))]), inputs, .invalid,
      contains: ["layout 2"])
    // A bidirectional node needs six activations, as onnxruntime requires.
    let bidirectional = LSTMCases.bidirectional
    expectError(
      node(
        bidirectional,
        extra: [
          Attribute(name: "activations", value: .strings(strings(["Sigmoid", "Tanh", "Tanh"])))
        ]),
      harnessInputs(bidirectional, LSTMInputs(bidirectional)), .invalid,
      contains: ["2 directions need 6"])
  }

  // MARK: Helpers

  private func strings(_ values: [String]) -> [[UInt8]] { values.map { Array($0.utf8) } }

  private func node(
    _ c: LSTMCase, direction: String? = nil, hiddenSize: Int? = nil,
    hiddenSizeAttribute: Bool = true,
    outputs: [String] = ["Y", "Y_h", "Y_c"], extra: [Attribute] = []
  ) -> Node {
    var attributes: [Attribute] = [
      Attribute(name: "direction", value: .string(Array((direction ?? c.direction).utf8)))
    ]
    if hiddenSizeAttribute {
      attributes.append(Attribute(name: "hidden_size", value: .int(hiddenSize ?? c.hidden)))
    }
    if c.layout != 0 { attributes.append(Attribute(name: "layout", value: .int(c.layout))) }
    if !c.activations.isEmpty {
      attributes.append(Attribute(name: "activations", value: .strings(strings(c.activations))))
    }
    if !c.alphas.isEmpty {
      attributes.append(Attribute(name: "activation_alpha", value: .floats(c.alphas)))
    }
    if !c.betas.isEmpty {
      attributes.append(Attribute(name: "activation_beta", value: .floats(c.betas)))
    }
    if let clip = c.clip { attributes.append(Attribute(name: "clip", value: .float(clip))) }
    if c.inputForget { attributes.append(Attribute(name: "input_forget", value: .int(1))) }
    return Node(
      name: "lstm", opType: "LSTM",
      inputs: ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"],
      outputs: outputs, attributes: attributes + extra)
  }

  /// All eight input slots; omitted ones are `.omitted` (trailing ones too, to exercise that path).
  private func harnessInputs(
    _ c: LSTMCase, _ inputs: LSTMInputs, initialStatesConstant: Bool = false,
    sequenceLens: HarnessInput = .omitted
  ) -> [HarnessInput] {
    func state(_ value: Constant?) -> HarnessInput {
      guard let value else { return .omitted }
      return initialStatesConstant ? .constant(value) : .runtime(value)
    }
    return [
      .runtime(inputs.x), .constant(inputs.w), .constant(inputs.r),
      inputs.b.map { .constant($0) } ?? .omitted,
      sequenceLens, state(inputs.initialH), state(inputs.initialC),
      inputs.p.map { .constant($0) } ?? .omitted,
    ]
  }

  private func run(
    _ c: LSTMCase, opset: Int = 17, hiddenSizeAttribute: Bool = true,
    outputs: [String] = ["Y", "Y_h", "Y_c"],
    initialStatesConstant: Bool = false, sequenceLens: HarnessInput = .omitted,
    file: StaticString = #filePath,
    line: UInt = #line
  ) throws -> KernelHarness.Result {
    try KernelHarness.run(
      node(c, hiddenSizeAttribute: hiddenSizeAttribute, outputs: outputs), opset: opset,
      harnessInputs(
        c, LSTMInputs(c), initialStatesConstant: initialStatesConstant, sequenceLens: sequenceLens),
      file: file, line: line)
  }

  private func check(
    _ c: LSTMCase, opset: Int = 17, hiddenSizeAttribute: Bool = true,
    initialStatesConstant: Bool = false,
    sequenceLens: HarnessInput = .omitted, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let result = try run(
      c, opset: opset, hiddenSizeAttribute: hiddenSizeAttribute,
      initialStatesConstant: initialStatesConstant,
      sequenceLens: sequenceLens, file: file, line: line)
    XCTAssertEqual(
      result.prepared.outputs,
      [
        TensorType(.float, c.yShape), TensorType(.float, c.stateShape),
        TensorType(.float, c.stateShape),
      ],
      c.name, file: file, line: line)
    assertClose(
      result.outputs[0].values(Float.self), c.y, rtol: 1e-5, atol: 1e-6, file: file, line: line)
    assertClose(
      result.outputs[1].values(Float.self), c.yH, rtol: 1e-5, atol: 1e-6, file: file, line: line)
    assertClose(
      result.outputs[2].values(Float.self), c.yC, rtol: 1e-5, atol: 1e-6, file: file, line: line)
  }

  private func expectError(
    _ node: Node, _ inputs: [HarnessInput], _ kind: RuntimeError.Kind, contains parts: [String],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      _ = try KernelHarness.run(node, inputs, file: file, line: line)
      XCTFail("expected a " + String(describing: kind) + " error", file: file, line: line)
    } catch {
      XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
      for part in parts {
        XCTAssertTrue(
          error.message.contains(part), "'" + error.message + "' lacks '" + part + "'", file: file,
          line: line)
      }
    }
  }
}

private func int32s(_ shape: [Int], _ values: [Int32]) -> Constant {
  Constant(.int32, shape, values: values)
}
