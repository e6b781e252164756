import ONNXFormat
import XCTest

@testable import Runtime

/// ReduceMean/Max/Min/Sum/Prod and ArgMax/ArgMin against a naive reference (every input element mapped
/// to its output) on seeded random shapes, axes and opset forms, and against onnx golden values.
final class ReductionTests: XCTestCase {
  // MARK: - Random configurations against the naive reference

  func testFloatReductionsMatchReference() throws {
    var random = ReduceRandom(seed: 1)
    for op in ReduceOp.allCases {
      for _ in 0..<80 {
        let config = ReduceConfig.random(&random, op: op)
        let x = Constant(.float, config.shape, values: random.floats(config.shape.reduce(1, *)))
        let result = try KernelHarness.run(config.node, opset: config.opset, config.inputs(x))
        let expected = config.reference(x.values(Float.self).map { Double($0) }, op.combineDouble)
        XCTAssertEqual(result.outputs[0].type, TensorType(.float, expected.shape), config.text)
        var values = expected.values
        if op == .mean { values = values.map { $0 / Double(max(config.reducedCount, 1)) } }
        reduceAssertClose(result.outputs[0].values(Float.self), values.map { Float($0) }, config.text)
      }
    }
  }

  func testIntegerReductionsMatchReference() throws {
    var random = ReduceRandom(seed: 2)
    for op in [ReduceOp.sum, .max, .min, .prod] {
      for dataType in [DataType.int32, .int64] {
        for _ in 0..<40 {
          let config = ReduceConfig.random(&random, op: op)
          let count = config.shape.reduce(1, *)
          let raw = (0..<count).map { _ in random.int(-5...5) }
          let x =
            dataType == .int32
            ? Constant(.int32, config.shape, values: raw.map { Int32($0) })
            : Constant(.int64, config.shape, values: raw.map { Int64($0) })
          let result = try KernelHarness.run(config.node, opset: config.opset, config.inputs(x))
          XCTAssertEqual(result.outputs[0].type.dataType, dataType, config.text)
          if dataType == .int32 {
            let expected = config.reference(raw.map { Int32($0) }, op.combineInteger)
            XCTAssertEqual(result.outputs[0].values(Int32.self), expected.values, config.text)
          } else {
            let expected = config.reference(raw.map { Int64($0) }, op.combineInteger)
            XCTAssertEqual(result.outputs[0].values(Int64.self), expected.values, config.text)
          }
        }
      }
    }
  }

  /// ReduceMax and ReduceMin also run on int8, uint8 (opset 18) and bool (opset 20).
  func testSmallIntegerAndBoolMaxMinMatchReference() throws {
    var random = ReduceRandom(seed: 8)
    for op in [ReduceOp.max, .min] {
      for dataType in [DataType.int8, .uint8, .bool] {
        for _ in 0..<40 {
          var config = ReduceConfig.random(&random, op: op)
          config.opset = config.axesAsInput ? 20 : 13
          let count = config.shape.reduce(1, *)
          let text = config.text + " " + dataType.name
          if dataType == .int8 {
            let raw = (0..<count).map { _ in Int8(truncatingIfNeeded: random.int(0...255)) }
            let result = try KernelHarness.run(
              config.node, opset: config.opset, config.inputs(Constant(.int8, config.shape, values: raw)))
            XCTAssertEqual(result.outputs[0].type.dataType, .int8, text)
            XCTAssertEqual(result.outputs[0].values(Int8.self), config.reference(raw, op.combineInteger).values, text)
          } else {
            let raw = (0..<count).map { _ in UInt8(random.int(0...(dataType == .bool ? 1 : 255))) }
            let result = try KernelHarness.run(
              config.node, opset: config.opset, config.inputs(Constant(dataType, config.shape, values: raw)))
            XCTAssertEqual(result.outputs[0].type.dataType, dataType, text)
            XCTAssertEqual(result.outputs[0].values(UInt8.self), config.reference(raw, op.combineInteger).values, text)
          }
        }
      }
    }
    // Over an empty set, bool max is false and bool min is true (onnx reference evaluator).
    let empty = Constant(.bool, [2, 0, 3], values: [UInt8]())
    let axes = Constant(.int64, [1], values: [Int64(1)])
    let maxima = try KernelHarness.run(
      reduceNode("ReduceMax", [ReduceAttr.int("keepdims", 0)], axes: true), opset: 20,
      [.runtime(empty), .constant(axes)])
    XCTAssertEqual(maxima.outputs[0].type, TensorType(.bool, [2, 3]))
    XCTAssertEqual(maxima.outputs[0].values(UInt8.self), [0, 0, 0, 0, 0, 0])
    let minima = try KernelHarness.run(
      reduceNode("ReduceMin", [ReduceAttr.int("keepdims", 0)], axes: true), opset: 20,
      [.runtime(empty), .constant(axes)])
    XCTAssertEqual(minima.outputs[0].values(UInt8.self), [1, 1, 1, 1, 1, 1])
  }

  func testNonAdjacentAxesReduceInPassesThroughScratch() throws {
    var random = ReduceRandom(seed: 3)
    for (shape, axes) in [
      ([3, 4, 5, 6], [0, 2]), ([3, 4, 5, 6], [1, 3]), ([2, 3, 2, 3, 2], [0, 2, 4]), ([4, 1, 5, 3], [0, 3]),
    ] {
      for op in ReduceOp.allCases {
        let config = ReduceConfig(
          op: op, shape: shape, axes: axes, keepDims: true, opset: 18, axesAsInput: true, noop: false)
        let x = Constant(.float, shape, values: random.floats(shape.reduce(1, *)))
        let result = try KernelHarness.run(config.node, opset: 18, config.inputs(x))
        XCTAssertGreaterThan(result.prepared.scratchBytes, 0, config.text)
        var expected = config.reference(x.values(Float.self).map { Double($0) }, op.combineDouble).values
        if op == .mean { expected = expected.map { $0 / Double(config.reducedCount) } }
        reduceAssertClose(result.outputs[0].values(Float.self), expected.map { Float($0) }, config.text)
      }
    }
  }

  func testEmptyAxesReduceEverythingOrPassThrough() throws {
    let x = ReduceRandom.constant([2, 3, 4], seed: 4)
    let total = x.values(Float.self).reduce(0, +)
    // Input form: an empty axes tensor or no axes input reduces everything unless noop_with_empty_axes.
    for axes in [HarnessInput.constant(Constant(.int64, [0], values: [Int64]())), .omitted] {
      let all = try KernelHarness.run(
        reduceNode("ReduceSum", [ReduceAttr.int("keepdims", 0)], axes: true), opset: 13, [.runtime(x), axes])
      XCTAssertEqual(all.outputs[0].type, TensorType(.float, []))
      reduceAssertClose(all.outputs[0].values(Float.self), [total], rtol: 1e-5)
      let noop = try KernelHarness.run(
        reduceNode("ReduceMax", [ReduceAttr.int("noop_with_empty_axes", 1)], axes: true), opset: 18,
        [.runtime(x), axes])
      XCTAssertTrue(noop.prepared.aliasesInput)
      XCTAssertEqual(noop.outputs[0].type, x.type)
      XCTAssertEqual(noop.outputs[0].values(Float.self), x.values(Float.self))
    }
    // Attribute form: no axes reduces everything; noop_with_empty_axes does not exist yet.
    let attribute = try KernelHarness.run(reduceNode("ReduceMean", []), opset: 13, [.runtime(x)])
    XCTAssertEqual(attribute.outputs[0].type, TensorType(.float, [1, 1, 1]))
    reduceAssertClose(attribute.outputs[0].values(Float.self), [total / 24], rtol: 1e-5)
    // Reducing only size-1 dims changes the shape, not the bytes.
    let ones = ReduceRandom.constant([3, 1, 4, 1], seed: 5)
    let squeezed = try KernelHarness.run(
      reduceNode("ReduceProd", [ReduceAttr.ints("axes", [1, 3]), ReduceAttr.int("keepdims", 0)]), opset: 13,
      [.runtime(ones)])
    XCTAssertTrue(squeezed.prepared.aliasesInput)
    XCTAssertEqual(squeezed.outputs[0].type.shape, [3, 4])
    XCTAssertEqual(squeezed.outputs[0].values(Float.self), ones.values(Float.self))
  }

  func testArgMaxAndArgMinMatchReference() throws {
    var random = ReduceRandom(seed: 6)
    for dataType in [DataType.float, .int32, .int64, .int8, .uint8] {
      for _ in 0..<80 {
        let rank = random.int(1...4)
        let shape = (0..<rank).map { _ in random.int(1...5) }
        let axis = random.int(0...(rank - 1))
        let isMax = random.int(0...1) == 1
        let keepDims = random.int(0...1) == 1
        let selectLast = random.int(0...1) == 1
        // Few distinct values: many ties, so select_last_index matters.
        let raw = (0..<shape.reduce(1, *)).map { _ in random.int(-2...2) }
        let x: Constant
        switch dataType {
        case .int32: x = Constant(.int32, shape, values: raw.map { Int32($0) })
        case .int64: x = Constant(.int64, shape, values: raw.map { Int64($0) })
        case .int8: x = Constant(.int8, shape, values: raw.map { Int8($0) })
        case .uint8: x = Constant(.uint8, shape, values: raw.map { UInt8($0 + 2) })
        default: x = Constant(.float, shape, values: raw.map { Float($0) })
        }
        var attributes = [
          ReduceAttr.int("axis", random.int(0...1) == 0 ? axis : axis - rank),
          ReduceAttr.int("keepdims", keepDims ? 1 : 0),
        ]
        if selectLast { attributes.append(ReduceAttr.int("select_last_index", 1)) }
        let op = isMax ? "ArgMax" : "ArgMin"
        let result = try KernelHarness.run(reduceNode(op, attributes), opset: 13, [.runtime(x)])
        let outer = shape[..<axis].reduce(1, *)
        let size = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var expected: [Int64] = []
        for o in 0..<outer {
          for i in 0..<inner {
            var best = raw[o * size * inner + i]
            var index = 0
            for k in 1..<max(size, 1) {
              let value = raw[(o * size + k) * inner + i]
              let better = isMax ? value > best : value < best
              if better || (selectLast && value == best) {
                best = value
                index = k
              }
            }
            expected.append(Int64(index))
          }
        }
        var outputShape = shape
        if keepDims { outputShape[axis] = 1 } else { outputShape.remove(at: axis) }
        let text = op + " " + dimsText(shape) + " axis " + String(axis) + (selectLast ? " last" : "")
        XCTAssertEqual(result.outputs[0].type, TensorType(.int64, outputShape), text)
        XCTAssertEqual(result.outputs[0].values(Int64.self), expected, text)
      }
    }
  }

  // MARK: - Golden values from onnx

  func testGoldenReductions() throws {
    let axes0Last = Constant(.int64, [2], values: [Int64(0), -1])
    let axes1 = Constant(.int64, [1], values: [Int64(1)])
    let none = Constant(.int64, [0], values: [Int64]())
    let cases: [(ReductionGolden.Case, String, [Attribute], Int, Constant?)] = [
      (ReductionGolden.sumAll13, "ReduceSum", [ReduceAttr.int("keepdims", 0)], 13, nil),
      (ReductionGolden.sumNoopEmptyAxes13, "ReduceSum", [ReduceAttr.int("noop_with_empty_axes", 1)], 13, none),
      (ReductionGolden.sumEmptyAxes13, "ReduceSum", [ReduceAttr.int("noop_with_empty_axes", 0)], 13, none),
      (ReductionGolden.sumAxes13, "ReduceSum", [ReduceAttr.int("keepdims", 1)], 13, axes0Last),
      (
        ReductionGolden.sumAttribute11, "ReduceSum", [ReduceAttr.ints("axes", [1]), ReduceAttr.int("keepdims", 0)], 11,
        nil
      ),
      (ReductionGolden.meanEmptyAxes18, "ReduceMean", [ReduceAttr.int("keepdims", 1)], 18, none),
      (ReductionGolden.meanNoopNoAxes18, "ReduceMean", [ReduceAttr.int("noop_with_empty_axes", 1)], 18, nil),
      (
        ReductionGolden.maxAttribute13, "ReduceMax", [ReduceAttr.ints("axes", [0, 2]), ReduceAttr.int("keepdims", 0)],
        13, nil
      ),
      (ReductionGolden.minAxes18, "ReduceMin", [ReduceAttr.int("keepdims", 0)], 18, axes1),
      (ReductionGolden.prodAttribute11, "ReduceProd", [ReduceAttr.ints("axes", [-2])], 11, nil),
      // Reductions over an empty set: -inf, +inf, 0, 1.
      (ReductionGolden.maxEmptySet, "ReduceMax", [ReduceAttr.int("keepdims", 1)], 18, axes1),
      (ReductionGolden.minEmptySet, "ReduceMin", [ReduceAttr.int("keepdims", 1)], 18, axes1),
      (ReductionGolden.sumEmptySet, "ReduceSum", [ReduceAttr.int("keepdims", 0)], 13, axes1),
      (ReductionGolden.prodEmptySet, "ReduceProd", [ReduceAttr.int("keepdims", 0)], 18, axes1),
    ]
    for (golden, op, attributes, opset, axes) in cases {
      var inputs: [HarnessInput] = [.runtime(golden.inputs[0].constant)]
      if let axes { inputs.append(.constant(axes)) }
      let result = try KernelHarness.run(reduceNode(op, attributes, axes: axes != nil), opset: opset, inputs)
      let expected = golden.outputs[0].constant
      let text = op + " opset " + String(opset)
      XCTAssertEqual(result.outputs[0].type, expected.type, text)
      reduceAssertClose(result.outputs[0].values(Float.self), expected.values(Float.self), text, rtol: 1e-5)
    }
  }

  func testGoldenArgReductions() throws {
    let cases: [(ReductionGolden.Case, String, [Attribute])] = [
      (ReductionGolden.argMaxFirst, "ArgMax", [ReduceAttr.int("axis", 1)]),
      (
        ReductionGolden.argMaxLast, "ArgMax",
        [ReduceAttr.int("axis", 1), ReduceAttr.int("select_last_index", 1), ReduceAttr.int("keepdims", 0)]
      ),
      (ReductionGolden.argMinLast, "ArgMin", [ReduceAttr.int("axis", 0), ReduceAttr.int("select_last_index", 1)]),
      (ReductionGolden.argMinFirst, "ArgMin", [ReduceAttr.int("axis", 0), ReduceAttr.int("keepdims", 0)]),
    ]
    for (golden, op, attributes) in cases {
      let result = try KernelHarness.run(reduceNode(op, attributes), opset: 13, [.runtime(golden.inputs[0].constant)])
      let expected = golden.outputs[0].constant
      XCTAssertEqual(result.outputs[0].type, expected.type, op)
      XCTAssertEqual(result.outputs[0].values(Int64.self), expected.values(Int64.self), op)
    }
  }

  func testEmptySetMeanIsNaNAndEmptyOutputsRun() throws {
    let empty = Constant(.float, [2, 0, 3], values: [Float]())
    let mean = try KernelHarness.run(
      reduceNode("ReduceMean", [ReduceAttr.ints("axes", [1])]), opset: 13, [.runtime(empty)])
    XCTAssertEqual(mean.outputs[0].type.shape, [2, 1, 3])
    XCTAssertTrue(mean.outputs[0].values(Float.self).allSatisfy { $0.isNaN })
    let kept = try KernelHarness.run(
      reduceNode("ReduceSum", [ReduceAttr.ints("axes", [2])]), opset: 11, [.runtime(empty)])
    XCTAssertEqual(kept.outputs[0].type.shape, [2, 0, 1])
    let ints = Constant(.int32, [0, 4], values: [Int32]())
    let maxima = try KernelHarness.run(
      reduceNode("ReduceMax", [ReduceAttr.ints("axes", [0]), ReduceAttr.int("keepdims", 0)]), opset: 13,
      [.runtime(ints)])
    XCTAssertEqual(maxima.outputs[0].values(Int32.self), [Int32](repeating: Int32.min, count: 4))
  }

  // MARK: - Errors

  func testErrorsNameTheNode() {
    let x = ReduceRandom.constant([2, 3, 4], seed: 7)
    let ints = Constant(.int32, [2, 2], values: [Int32](repeating: 1, count: 4))
    let axes = Constant(.int64, [1], values: [Int64(0)])
    let cases: [(String, [Attribute], Int, [HarnessInput], Bool, RuntimeError.Kind, String)] = [
      ("ReduceSum", [ReduceAttr.ints("axes", [0, -3])], 11, [.runtime(x)], false, .invalid, "repeat axis 0"),
      (
        "ReduceMax", [ReduceAttr.ints("axes", [3])], 13, [.runtime(x)], false, .invalid,
        "axes entry 3 is out of range for rank 3"
      ),
      ("ReduceMean", [], 13, [.runtime(ints)], false, .unsupported, "must be float32, got int32"),
      (
        "ArgMax", [], 13, [.runtime(Constant(.bool, [2], values: [UInt8(1), 0]))], false, .unsupported,
        "int8 or uint8, got bool"
      ),
      (
        "ReduceProd", [], 13, [.runtime(Constant(.uint8, [2], values: [UInt8(1), 2]))], false, .unsupported,
        "int32 or int64"
      ),
      (
        "ReduceMin", [ReduceAttr.ints("axes", [0])], 18, [.runtime(x)], false, .invalid, "axes is input 1 from opset 18"
      ),
      (
        "ReduceSum", [ReduceAttr.ints("axes", [0])], 13, [.runtime(x)], false, .invalid, "axes is input 1 from opset 13"
      ),
      (
        "ReduceMean", [], 13, [.runtime(x), .constant(axes)], true, .invalid,
        "takes axes as an attribute before opset 18"
      ),
      (
        "ReduceSum", [], 13, [.runtime(x), .runtime(axes)], true, .unsupported, "must be known when the model is loaded"
      ),
      (
        "ArgMax", [ReduceAttr.int("axis", 1)], 13, [.runtime(Constant(.float, [2, 0], values: [Float]()))], false,
        .invalid,
        "is empty"
      ),
      ("ArgMin", [ReduceAttr.int("axis", -4)], 13, [.runtime(x)], false, .invalid, "out of range"),
      ("ArgMax", [], 13, [.runtime(Constant(.float, [], values: [Float(1)]))], false, .invalid, "rank 1 or more"),
    ]
    for (op, attributes, opset, inputs, hasAxes, kind, text) in cases {
      do {
        _ = try KernelHarness.run(reduceNode(op, attributes, axes: hasAxes), opset: opset, inputs)
        XCTFail(op + " should fail with " + text)
      } catch {
        XCTAssertEqual(error.kind, kind, error.message)
        XCTAssertTrue(error.message.hasPrefix(op + " node 'reduce': "), error.message)
        XCTAssertTrue(error.message.contains(text), error.message + " should contain " + text)
      }
    }
  }
}

// MARK: - Helpers

private func reduceNode(_ op: String, _ attributes: [Attribute], axes: Bool = false) -> Node {
  Node(name: "reduce", opType: op, inputs: axes ? ["x", "axes"] : ["x"], outputs: ["y"], attributes: attributes)
}

private enum ReduceAttr {
  static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
  static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name: name, value: .ints(values)) }
}

private func reduceAssertClose(
  _ actual: [Float], _ expected: [Float], _ context: String = "", rtol: Float = 1e-5, atol: Float = 1e-5,
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

private enum ReduceOp: CaseIterable {
  case sum, mean, max, min, prod

  var name: String {
    switch self {
    case .sum: return "ReduceSum"
    case .mean: return "ReduceMean"
    case .max: return "ReduceMax"
    case .min: return "ReduceMin"
    case .prod: return "ReduceProd"
    }
  }

  /// The first element and how the next combines (the mean divides afterwards).
  var combineDouble: (Double?, Double) -> Double {
    switch self {
    case .sum, .mean: return { ($0 ?? 0) + $1 }
    case .prod: return { ($0 ?? 1) * $1 }
    case .max: return { Swift.max($0 ?? -Double.infinity, $1) }
    case .min: return { Swift.min($0 ?? Double.infinity, $1) }
    }
  }

  func combineInteger<T: FixedWidthInteger>(_ a: T?, _ b: T) -> T {
    switch self {
    case .sum, .mean: return (a ?? 0) &+ b
    case .prod: return (a ?? 1) &* b
    case .max: return Swift.max(a ?? T.min, b)
    case .min: return Swift.min(a ?? T.max, b)
    }
  }
}

/// One Reduce* node: shape, axes, keepdims and which opset form carries the axes.
private struct ReduceConfig {
  var op: ReduceOp
  var shape: [Int]
  var axes: [Int]
  var keepDims: Bool
  var opset: Int
  var axesAsInput: Bool
  var noop: Bool

  static func random(_ random: inout ReduceRandom, op: ReduceOp) -> ReduceConfig {
    let rank = random.int(0...4)
    let shape = (0..<rank).map { _ in random.int(0...5) == 0 ? 1 : random.int(1...5) }
    var axes: [Int] = []
    for d in 0..<rank where random.int(0...2) == 0 { axes.append(random.int(0...1) == 0 ? d : d - rank) }
    if axes.count > 1 && random.int(0...1) == 0 { axes.reverse() }
    let inputOpset = op == .sum ? 13 : 18
    let axesAsInput = random.int(0...1) == 0
    return ReduceConfig(
      op: op, shape: shape, axes: axes, keepDims: random.int(0...1) == 0,
      opset: axesAsInput ? inputOpset : [11, inputOpset - 1][random.int(0...1)], axesAsInput: axesAsInput,
      noop: axesAsInput && random.int(0...3) == 0)
  }

  var node: Node {
    var attributes = [ReduceAttr.int("keepdims", keepDims ? 1 : 0)]
    if !axesAsInput && !axes.isEmpty { attributes.append(ReduceAttr.ints("axes", axes)) }
    if noop { attributes.append(ReduceAttr.int("noop_with_empty_axes", 1)) }
    return reduceNode(op.name, attributes, axes: axesAsInput)
  }

  func inputs(_ x: Constant) -> [HarnessInput] {
    guard axesAsInput else { return [.runtime(x)] }
    return [.runtime(x), .constant(Constant(.int64, [axes.count], values: axes.map { Int64($0) }))]
  }

  var text: String {
    op.name + " opset " + String(opset) + " " + dimsText(shape) + " axes " + dimsText(axes)
      + (axesAsInput ? " (input)" : " (attribute)") + (keepDims ? " keepdims" : "") + (noop ? " noop" : "")
  }

  var reducedAxes: [Bool] {
    let rank = shape.count
    if axes.isEmpty { return [Bool](repeating: !noop, count: rank) }
    var reduced = [Bool](repeating: false, count: rank)
    for axis in axes { reduced[axis < 0 ? axis + rank : axis] = true }
    return reduced
  }

  var reducedCount: Int {
    var count = 1
    for (d, reduced) in reducedAxes.enumerated() where reduced { count *= shape[d] }
    return count
  }

  /// Folds every input element into its output element with `combine` (nil: the output's first element).
  func reference<T>(_ x: [T], _ combine: (T?, T) -> T) -> (shape: [Int], values: [T]) {
    let reduced = reducedAxes
    var outputShape: [Int] = []
    var fullShape: [Int] = []
    for d in 0..<shape.count {
      fullShape.append(reduced[d] ? 1 : shape[d])
      if !reduced[d] || keepDims { outputShape.append(reduced[d] ? 1 : shape[d]) }
    }
    var accumulators = [T?](repeating: nil, count: fullShape.reduce(1, *))
    for (flat, value) in x.enumerated() {
      var rest = flat
      var outputIndex = 0
      var scale = 1
      for d in stride(from: shape.count - 1, through: 0, by: -1) {
        let coordinate = rest % shape[d]
        rest /= shape[d]
        if !reduced[d] { outputIndex += coordinate * scale }
        scale *= fullShape[d]
      }
      accumulators[outputIndex] = combine(accumulators[outputIndex], value)
    }
    return (outputShape, accumulators.map { $0! })
  }
}

private struct ReduceRandom {
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

  static func constant(_ shape: [Int], seed: UInt64) -> Constant {
    var random = ReduceRandom(seed: seed)
    return Constant(.float, shape, values: random.floats(shape.reduce(1, *)))
  }
}
