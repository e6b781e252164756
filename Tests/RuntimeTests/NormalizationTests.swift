import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// BatchNormalization, InstanceNormalization, LayerNormalization, Softmax and LogSoftmax against naive
/// double-precision references on seeded random inputs, and against onnx golden values.
final class NormalizationTests: XCTestCase {
  // MARK: - BatchNormalization

  func testBatchNormalizationMatchesReference() throws {
    var random = NormRandom(seed: 1)
    for shape in [[2, 3], [1, 4, 5], [2, 3, 4, 5], [1, 2, 3, 2, 2], [3, 1, 7]] {
      let channels = shape[1]
      let x = random.constant(shape)
      let scale = random.constant([channels])
      let bias = random.constant([channels])
      let mean = random.constant([channels])
      let variance = Constant(.float, [channels], values: random.floats(channels).map { abs($0) + 0.05 })
      let epsilon: Float = 1e-3
      let spatial = shape[2...].reduce(1, *)
      let xs = x.values(Float.self)
      var expected: [Float] = []
      for (index, value) in xs.enumerated() {
        let c = (index / spatial) % channels
        let normalized =
          (Double(value) - Double(mean.values(Float.self)[c]))
          / (Double(variance.values(Float.self)[c]) + Double(epsilon)).squareRoot()
        expected.append(Float(normalized * Double(scale.values(Float.self)[c]) + Double(bias.values(Float.self)[c])))
      }
      let node = normNode("BatchNormalization", [NormAttr.float("epsilon", epsilon)])
      // Load-time parameters are folded into a multiplier and an offset; run-time ones are read each run.
      let folded = try KernelHarness.run(
        node, opset: 15, [.runtime(x), .constant(scale), .constant(bias), .constant(mean), .constant(variance)])
      guard case .normalization(let kernel) = folded.prepared.kernel, case .batch(let plan) = kernel.plan else {
        return XCTFail("expected a batch normalization plan")
      }
      XCTAssertNotNil(plan.params)
      XCTAssertEqual(folded.prepared.inPlaceInput, 0)
      normAssertClose(folded.outputs[0].values(Float.self), expected, dimsText(shape))
      let runtime = try KernelHarness.run(
        node, opset: 9, [.runtime(x), .runtime(scale), .runtime(bias), .runtime(mean), .runtime(variance)])
      normAssertClose(runtime.outputs[0].values(Float.self), expected, dimsText(shape))
    }
  }

  func testBatchNormalizationGolden() throws {
    let golden = NormalizationGolden.batchNormalization
    let inputs: [HarnessInput] =
      [.runtime(golden.inputs[0].constant)] + golden.inputs[1...].map { .constant($0.constant) }
    let result = try KernelHarness.run(
      normNode("BatchNormalization", [NormAttr.float("epsilon", 1e-3)]), opset: 15, inputs)
    normAssertClose(result.outputs[0].values(Float.self), golden.outputs[0].constant.values(Float.self))
  }

  func testBatchNormalizationTrainingOutputs() throws {
    let x = NormRandom.constant([1, 2, 3], seed: 2)
    var random = NormRandom(seed: 3)
    let params: [HarnessInput] = (0..<4).map { _ in
      .constant(Constant(.float, [2], values: random.floats(2).map { abs($0) }))
    }
    // Omitted optional outputs still get their types (the graph preparer plans one value per node output).
    let omitted = try KernelHarness.run(
      normNode("BatchNormalization", [], outputs: ["y", "", ""]), opset: 15, [.runtime(x)] + params)
    XCTAssertEqual(omitted.prepared.outputs, [x.type, TensorType(.float, [2]), TensorType(.float, [2])])
    // Opset 14+: running_mean / running_var exist only with training_mode=1.
    XCTAssertThrowsError(
      try KernelHarness.run(
        normNode("BatchNormalization", [], outputs: ["y", "mean"]), opset: 15, [.runtime(x)] + params)
    ) { error in
      normAssertError(error, "BatchNormalization", .invalid, "only produced with training_mode=1")
    }
    // Opset 9-13 training outputs (mean, var, saved_mean, saved_var) are not implemented.
    XCTAssertThrowsError(
      try KernelHarness.run(
        normNode("BatchNormalization", [], outputs: ["y", "mean"]), opset: 9, [.runtime(x)] + params)
    ) { error in
      normAssertError(error, "BatchNormalization", .unsupported, "training output")
    }
    XCTAssertThrowsError(
      try KernelHarness.run(
        normNode("BatchNormalization", [NormAttr.int("spatial", 0)]), opset: 7, [.runtime(x)] + params)
    ) { error in
      normAssertError(error, "BatchNormalization", .unsupported, "spatial=0")
    }
  }

  func testBatchNormalizationTrainingModeGoldens() throws {
    let cases: [(String, NormalizationGolden.Case, [Attribute], Int)] = [
      (
        "batchTraining", NormalizationGolden.batchTraining,
        [NormAttr.float("epsilon", 1e-3), NormAttr.float("momentum", 0.8)], 15
      ),
      ("batchTraining2D", NormalizationGolden.batchTraining2D, [], 14),
      ("batchTraining5D", NormalizationGolden.batchTraining5D, [NormAttr.float("momentum", 0.25)], 15),
    ]
    for (name, golden, attributes, opset) in cases {
      let node = normNode(
        "BatchNormalization", attributes + [NormAttr.int("training_mode", 1)],
        outputs: ["y", "running_mean", "running_var"])
      // Parameters known at load and given at run time take the same path.
      for constantParameters in [false, true] {
        let inputs: [HarnessInput] =
          [.runtime(golden.inputs[0].constant)]
          + golden.inputs[1...].map { constantParameters ? .constant($0.constant) : .runtime($0.constant) }
        let result = try KernelHarness.run(node, opset: opset, inputs)
        XCTAssertEqual(result.prepared.inPlaceInput, 0)
        for index in 0..<3 {
          let expected = golden.outputs[index].constant
          XCTAssertEqual(result.outputs[index].type, expected.type, name)
          normAssertClose(
            result.outputs[index].values(Float.self), expected.values(Float.self),
            name + " output " + String(index), rtol: 1e-5, atol: 1e-5)
        }
      }
    }
  }

  /// test_batchnorm_example_training_mode's check, with only Y named: the statistics are not written.
  func testBatchNormalizationTrainingModeWithOmittedStatistics() throws {
    let golden = NormalizationGolden.batchTraining
    let node = normNode(
      "BatchNormalization",
      [NormAttr.float("epsilon", 1e-3), NormAttr.float("momentum", 0.8), NormAttr.int("training_mode", 1)])
    let result = try KernelHarness.run(
      node, opset: 15, [.runtime(golden.inputs[0].constant)] + golden.inputs[1...].map { .runtime($0.constant) })
    XCTAssertEqual(result.prepared.outputs.count, 1)
    normAssertClose(
      result.outputs[0].values(Float.self), golden.outputs[0].constant.values(Float.self), rtol: 1e-5, atol: 1e-5)
  }

  // MARK: - InstanceNormalization

  func testInstanceNormalizationMatchesReference() throws {
    var random = NormRandom(seed: 4)
    for shape in [[1, 3, 5], [2, 2, 3, 4], [2, 3, 2, 2, 3], [1, 1, 1]] {
      let channels = shape[1]
      let x = random.constant(shape)
      let scale = random.constant([channels])
      let bias = random.constant([channels])
      let epsilon: Float = 1e-5
      let spatial = shape[2...].reduce(1, *)
      let xs = x.values(Float.self).map { Double($0) }
      var expected: [Float] = []
      for plane in 0..<(shape[0] * channels) {
        let values = xs[(plane * spatial)..<((plane + 1) * spatial)]
        let mean = values.reduce(0, +) / Double(spatial)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(spatial)
        let c = plane % channels
        for value in values {
          let normalized = (value - mean) / (variance + Double(epsilon)).squareRoot()
          expected.append(
            Float(normalized * Double(scale.values(Float.self)[c]) + Double(bias.values(Float.self)[c])))
        }
      }
      let result = try KernelHarness.run(
        normNode("InstanceNormalization", []), [.runtime(x), .runtime(scale), .runtime(bias)])
      normAssertClose(result.outputs[0].values(Float.self), expected, dimsText(shape), rtol: 1e-4, atol: 1e-5)
    }
  }

  func testInstanceNormalizationGolden() throws {
    let golden = NormalizationGolden.instanceNormalization
    let result = try KernelHarness.run(
      normNode("InstanceNormalization", [NormAttr.float("epsilon", 1e-4)]), opset: 6,
      golden.inputs.map { .runtime($0.constant) })
    normAssertClose(result.outputs[0].values(Float.self), golden.outputs[0].constant.values(Float.self), rtol: 1e-4)
  }

  // MARK: - LayerNormalization

  func testLayerNormalizationMatchesReference() throws {
    var random = NormRandom(seed: 5)
    var configurations = 0
    for _ in 0..<80 {
      let rank = random.int(1...4)
      let shape = (0..<rank).map { _ in random.int(1...5) }
      let axis = random.int(0...(rank - 1))
      let normalized = Array(shape[axis...])
      // Scale and B: the normalized dims, a suffix of them, a single value, or with leading 1s.
      func parameterShape(_ random: inout NormRandom) -> [Int] {
        switch random.int(0...3) {
        case 0: return normalized
        case 1: return Array(normalized.suffix(random.int(0...normalized.count)))
        case 2: return [1]
        default: return [1] + normalized
        }
      }
      let scaleShape = parameterShape(&random)
      let biasShape: [Int]? = random.int(0...2) == 0 ? nil : parameterShape(&random)
      if scaleShape.count > rank || (biasShape?.count ?? 0) > rank { continue }
      let x = random.constant(shape)
      let scale = random.constant(scaleShape)
      let bias = biasShape.map { random.constant($0) }
      let outputCount = random.int(1...3)
      let epsilon: Float = 1e-5
      let axisValue = random.int(0...1) == 0 ? axis : axis - rank

      let rows = shape[..<axis].reduce(1, *)
      let size = normalized.reduce(1, *)
      let xs = x.values(Float.self).map { Double($0) }
      let scales = scale.values(Float.self)
      let biases = bias?.values(Float.self)
      var expected: [Float] = []
      var means: [Float] = []
      var inverses: [Float] = []
      for r in 0..<rows {
        let row = xs[(r * size)..<((r + 1) * size)]
        let mean = row.reduce(0, +) / Double(size)
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(size)
        let inverse = 1 / (variance + Double(epsilon)).squareRoot()
        means.append(Float(mean))
        inverses.append(Float(inverse))
        for (j, value) in row.enumerated() {
          var y = (value - mean) * inverse * Double(scales[j % scales.count])
          if let biases { y += Double(biases[j % biases.count]) }
          expected.append(Float(y))
        }
      }
      let outputs = ["y", "mean", "inv_std_dev"].prefix(outputCount)
      let node = normNode(
        "LayerNormalization", [NormAttr.int("axis", axisValue)],
        inputs: bias == nil ? ["x", "scale"] : ["x", "scale", "b"],
        outputs: Array(outputs))
      var inputs: [HarnessInput] = [.runtime(x), .runtime(scale)]
      if let bias { inputs.append(.runtime(bias)) }
      let text = dimsText(shape) + " axis " + String(axisValue) + " scale " + dimsText(scaleShape)
      let result = try KernelHarness.run(node, inputs)
      XCTAssertEqual(result.outputs.count, outputCount, text)
      normAssertClose(result.outputs[0].values(Float.self), expected, text, rtol: 1e-4, atol: 1e-4)
      let statisticsShape = Array(shape[..<axis]) + [Int](repeating: 1, count: rank - axis)
      if outputCount >= 2 {
        XCTAssertEqual(result.outputs[1].type.shape, statisticsShape, text)
        normAssertClose(result.outputs[1].values(Float.self), means, text, rtol: 1e-4, atol: 1e-5)
      }
      if outputCount == 3 {
        normAssertClose(result.outputs[2].values(Float.self), inverses, text, rtol: 1e-4, atol: 1e-4)
      }
      configurations += 1
    }
    XCTAssertGreaterThan(configurations, 40)
  }

  func testLayerNormalizationGolden() throws {
    let golden = NormalizationGolden.layerNormalization
    let result = try KernelHarness.run(
      normNode(
        "LayerNormalization", [NormAttr.int("axis", 1)], inputs: ["x", "scale", "b"], outputs: ["y", "mean", "inv"]),
      golden.inputs.map { .runtime($0.constant) })
    for index in 0..<3 {
      let expected = golden.outputs[index].constant
      XCTAssertEqual(result.outputs[index].type, expected.type)
      normAssertClose(result.outputs[index].values(Float.self), expected.values(Float.self), rtol: 1e-4, atol: 1e-5)
    }
  }

  // MARK: - Softmax and LogSoftmax

  func testSoftmaxAndLogSoftmaxMatchReferenceForBothOpsetRules() throws {
    var random = NormRandom(seed: 6)
    for _ in 0..<120 {
      let rank = random.int(1...4)
      let shape = (0..<rank).map { _ in random.int(1...5) }
      let opset = [11, 13][random.int(0...1)]
      let isLog = random.int(0...1) == 1
      // nil: the default axis (1 before opset 13, else -1).
      let axisValue: Int? = random.int(0...3) == 0 ? nil : random.int(-rank...(rank - 1))
      let axis = axisValue.map { $0 < 0 ? $0 + rank : $0 } ?? (opset < 13 ? 1 : rank - 1)
      if axis >= rank { continue }  // rank 1 with the opset-11 default axis
      // Large magnitudes check the max is subtracted before exponentiation.
      let magnitude: Float = random.int(0...3) == 0 ? 500 : 3
      let x = Constant(.float, shape, values: random.floats(shape.reduce(1, *)).map { $0 * magnitude })
      let expected = normSoftmax(x.values(Float.self), shape, axis: axis, coerced: opset < 13, log: isLog)
      let op = isLog ? "LogSoftmax" : "Softmax"
      let node = normNode(op, axisValue.map { [NormAttr.int("axis", $0)] } ?? [])
      let result = try KernelHarness.run(node, opset: opset, [.runtime(x)])
      let text = op + " opset " + String(opset) + " " + dimsText(shape) + " axis " + String(axis)
      XCTAssertEqual(result.outputs[0].type, x.type, text)
      let actual = result.outputs[0].values(Float.self)
      XCTAssertTrue(actual.allSatisfy { $0.isFinite }, text)
      normAssertClose(actual, expected, text, rtol: 1e-5, atol: isLog ? 1e-4 : 1e-6)
    }
  }

  func testSoftmaxGoldenOpset11CoercesTo2DButOpset13UsesOneAxis() throws {
    // Opset 11 values come from onnxruntime: the onnx reference evaluator ignores the 2-D coercion.
    let cases: [(NormalizationGolden.Case, String, Int, Int?)] = [
      (NormalizationGolden.softmax11, "Softmax", 11, nil),
      (NormalizationGolden.softmax13, "Softmax", 13, nil),
      (NormalizationGolden.softmax11Axis0, "Softmax", 11, 0),
      (NormalizationGolden.softmax13Axis1, "Softmax", 13, 1),
      (NormalizationGolden.logSoftmax11, "LogSoftmax", 11, nil),
      (NormalizationGolden.logSoftmax13Axis1, "LogSoftmax", 13, 1),
    ]
    for (golden, op, opset, axis) in cases {
      let node = normNode(op, axis.map { [NormAttr.int("axis", $0)] } ?? [])
      let result = try KernelHarness.run(node, opset: opset, [.runtime(golden.inputs[0].constant)])
      normAssertClose(
        result.outputs[0].values(Float.self), golden.outputs[0].constant.values(Float.self),
        op + " opset " + String(opset), atol: 1e-6)
    }
    // The same input and node give different values under the two rules.
    XCTAssertNotEqual(
      NormalizationGolden.softmax11.outputs[0].constant.values(Float.self),
      NormalizationGolden.softmax13.outputs[0].constant.values(Float.self))
  }

  // MARK: - In place

  /// Every family member says output 0 may overwrite input 0; run them that way.
  func testKernelsAreCorrectInPlace() throws {
    var random = NormRandom(seed: 7)
    let x = random.constant([2, 3, 4, 5])
    let scale3 = random.constant([3])
    let bias3 = random.constant([3])
    let variance3 = Constant(.float, [3], values: random.floats(3).map { abs($0) + 0.1 })
    let scale20 = random.constant([4, 5])
    let cases: [(Node, Int, [HarnessInput])] = [
      (normNode("Softmax", []), 13, [.runtime(x)]),
      (normNode("Softmax", [NormAttr.int("axis", 1)]), 13, [.runtime(x)]),
      (normNode("LogSoftmax", [NormAttr.int("axis", 2)]), 13, [.runtime(x)]),
      (normNode("LogSoftmax", []), 11, [.runtime(x)]),
      (
        normNode("BatchNormalization", []), 15,
        [.runtime(x), .runtime(scale3), .runtime(bias3), .runtime(scale3), .runtime(variance3)]
      ),
      (normNode("InstanceNormalization", []), 6, [.runtime(x), .runtime(scale3), .runtime(bias3)]),
      (
        normNode("LayerNormalization", [NormAttr.int("axis", 2)], inputs: ["x", "s"]), 17,
        [.runtime(x), .runtime(scale20)]
      ),
    ]
    for (node, opset, inputs) in cases {
      let separate = try KernelHarness.run(node, opset: opset, inputs)
      XCTAssertEqual(separate.prepared.inPlaceInput, 0, node.opType)
      let buffer = Storage(byteCount: x.type.byteCount)
      buffer.pointer.copyMemory(from: x.storage.pointer, byteCount: x.type.byteCount)
      var pointers: [UnsafeRawPointer?] = [UnsafeRawPointer(buffer.pointer)]
      for input in inputs.dropFirst() {
        if case .runtime(let value) = input { pointers.append(UnsafeRawPointer(value.storage.pointer)) }
      }
      let scratch = separate.prepared.scratchBytes > 0 ? Storage(byteCount: separate.prepared.scratchBytes) : nil
      separate.prepared.kernel.run(StepBuffers(inputs: pointers, outputs: [buffer.pointer], scratch: scratch?.pointer))
      let inPlace = Constant(type: x.type, storage: buffer)
      XCTAssertEqual(inPlace.values(Float.self), separate.outputs[0].values(Float.self), node.opType)
    }
  }

  // MARK: - Errors

  func testErrorsNameTheNode() {
    let x = NormRandom.constant([2, 3, 4], seed: 8)
    let c3 = NormRandom.constant([3], seed: 9)
    let ints = Constant(.int32, [2, 3], values: [Int32](repeating: 1, count: 6))
    let cases: [(String, [Attribute], Int, [HarnessInput], RuntimeError.Kind, String)] = [
      ("Softmax", [NormAttr.int("axis", 3)], 13, [.runtime(x)], .invalid, "axis 3 is out of range for rank 3"),
      ("LogSoftmax", [NormAttr.int("axis", -4)], 11, [.runtime(x)], .invalid, "out of range"),
      ("Softmax", [], 13, [.runtime(ints)], .unsupported, "must be float32"),
      (
        "BatchNormalization", [], 15, [.runtime(x), .runtime(c3), .runtime(c3), .runtime(c3)], .invalid,
        "input 4 is required"
      ),
      (
        "BatchNormalization", [], 15,
        [.runtime(x), .runtime(c3), .runtime(c3), .runtime(c3), .runtime(NormRandom.constant([4], seed: 1))],
        .invalid, "input_var must have shape [3]"
      ),
      (
        "InstanceNormalization", [], 6, [.runtime(NormRandom.constant([2, 3], seed: 1)), .runtime(c3), .runtime(c3)],
        .invalid, "rank 3 or more"
      ),
      (
        "InstanceNormalization", [], 6, [.runtime(x), .runtime(c3), .runtime(NormRandom.constant([2], seed: 1))],
        .invalid, "B must have shape [3]"
      ),
      ("LayerNormalization", [], 17, [.runtime(x), .runtime(c3)], .unsupported, "must match the normalized dims [4]"),
      (
        "LayerNormalization", [NormAttr.int("stash_type", 11)], 17,
        [.runtime(x), .runtime(NormRandom.constant([4], seed: 1))],
        .unsupported, "stash_type"
      ),
      ("LayerNormalization", [NormAttr.int("axis", 5)], 17, [.runtime(x), .runtime(c3)], .invalid, "out of range"),
    ]
    for (op, attributes, opset, inputs, kind, text) in cases {
      XCTAssertThrowsError(try KernelHarness.run(normNode(op, attributes), opset: opset, inputs), op + ": " + text) {
        error in
        normAssertError(error, op, kind, text)
      }
    }
  }
}

// MARK: - Helpers

private func normNode(
  _ op: String, _ attributes: [Attribute], inputs: [String] = ["x"], outputs: [String] = ["y"]
) -> Node {
  Node(name: "norm", opType: op, inputs: inputs, outputs: outputs, attributes: attributes)
}

private enum NormAttr {
  static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
  static func float(_ name: String, _ value: Float) -> Attribute { Attribute(name: name, value: .float(value)) }
}

private func normAssertError(
  _ error: Error, _ op: String, _ kind: RuntimeError.Kind, _ text: String, file: StaticString = #filePath,
  line: UInt = #line
) {
  guard let error = error as? RuntimeError else { return XCTFail("not a RuntimeError", file: file, line: line) }
  XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
  XCTAssertTrue(error.message.hasPrefix(op + " node 'norm': "), error.message, file: file, line: line)
  XCTAssertTrue(error.message.contains(text), error.message + " should contain " + text, file: file, line: line)
}

private func normAssertClose(
  _ actual: [Float], _ expected: [Float], _ context: String = "", rtol: Float = 1e-5, atol: Float = 1e-6,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "element count " + context, file: file, line: line)
  for index in 0..<min(actual.count, expected.count) {
    let a = actual[index]
    let e = expected[index]
    if a == e || (a.isNaN && e.isNaN) { continue }
    if !(abs(a - e) <= atol + rtol * abs(e)) {
      XCTFail(
        "element " + String(index) + ": " + String(a) + " != " + String(e) + " " + context, file: file, line: line)
      return
    }
  }
}

/// Softmax in double precision: over `shape[axis...]` flattened (opset < 13) or along `axis` only.
private func normSoftmax(_ x: [Float], _ shape: [Int], axis: Int, coerced: Bool, log: Bool) -> [Float] {
  let outer = shape[..<axis].reduce(1, *)
  let size = coerced ? shape[axis...].reduce(1, *) : shape[axis]
  let inner = coerced ? 1 : shape[(axis + 1)...].reduce(1, *)
  var y = [Float](repeating: 0, count: x.count)
  for o in 0..<outer {
    for i in 0..<inner {
      let indices = (0..<size).map { o * size * inner + $0 * inner + i }
      let values = indices.map { Double(x[$0]) }
      let best = values.max()!
      let sum = values.reduce(0) { $0 + Foundation.exp($1 - best) }
      for (index, value) in zip(indices, values) {
        y[index] = Float(log ? (value - best) - Foundation.log(sum) : Foundation.exp(value - best) / sum)
      }
    }
  }
  return y
}

private struct NormRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

  /// Uniform in [-2, 2).
  mutating func floats(_ count: Int) -> [Float] {
    (0..<count).map { _ in Float(next() >> 40) / Float(1 << 24) * 4 - 2 }
  }

  mutating func constant(_ shape: [Int]) -> Constant { Constant(.float, shape, values: floats(shape.reduce(1, *))) }

  static func constant(_ shape: [Int], seed: UInt64) -> Constant {
    var random = NormRandom(seed: seed)
    return random.constant(shape)
  }
}
