import ONNXFormat
import XCTest

@testable import Runtime

/// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool against a naive reference (every window
/// tap checked one by one) on seeded random configurations, and against onnx golden values.
final class PoolingTests: XCTestCase {
  // MARK: - Random configurations against the naive reference

  func testMaxPoolMatchesReferenceOnRandomConfigurations() throws {
    var random = PoolingRandom(seed: 1)
    var checked = 0
    for _ in 0..<400 {
      let config = PoolingConfig.random(&random, isMax: true)
      if try check(config, &random) { checked += 1 }
    }
    XCTAssertGreaterThan(checked, 250)
  }

  func testAveragePoolMatchesReferenceOnRandomConfigurations() throws {
    var random = PoolingRandom(seed: 2)
    var checked = 0
    for _ in 0..<400 {
      let config = PoolingConfig.random(&random, isMax: false)
      if try check(config, &random) { checked += 1 }
    }
    XCTAssertGreaterThan(checked, 250)
  }

  func testEveryAutoPadModeInOneToThreeDims() throws {
    var random = PoolingRandom(seed: 3)
    for autoPad in ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"] {
      for spatial in 1...3 {
        for isMax in [true, false] {
          for stride in 1...3 {
            let input = [1, 2] + [Int](repeating: 5, count: spatial - 1) + [6]
            var config = PoolingConfig(
              isMax: isMax, input: input, kernel: [Int](repeating: 3, count: spatial - 1) + [2],
              strides: [Int](repeating: stride, count: spatial), dilations: [Int](repeating: 1, count: spatial),
              pads: [Int](repeating: 0, count: 2 * spatial), autoPad: autoPad, ceilMode: false, countIncludePad: false)
            XCTAssertTrue(try check(config, &random), config.text)
            if !isMax {
              config.countIncludePad = true
              XCTAssertTrue(try check(config, &random), config.text)
            }
          }
        }
      }
    }
  }

  func testCeilModeDropsWindowsStartingInTheRightPadding() throws {
    var random = PoolingRandom(seed: 4)
    // (input, kernel, stride, pad): each has a ceil window that would start in the right padding.
    for (size, kernel, stride, pad) in [(5, 2, 2, 1), (8, 2, 3, 1), (6, 3, 3, 2), (4, 1, 2, 1), (7, 2, 2, 1)] {
      for isMax in [true, false] {
        for countIncludePad in [false, true] where !(isMax && countIncludePad) {
          let config = PoolingConfig(
            isMax: isMax, input: [1, 1, size + 1, size], kernel: [kernel, kernel], strides: [stride, stride],
            dilations: [1, 1], pads: [pad, pad, pad, pad], autoPad: "NOTSET", ceilMode: true,
            countIncludePad: countIncludePad)
          // Without the rule, ceil would give one more output per dim.
          let geometry = try XCTUnwrap(config.referenceGeometry())
          let unruled = (size + 2 * pad - kernel + stride - 1) / stride + 1
          XCTAssertEqual(geometry.output[1], unruled - 1, config.text)
          XCTAssertTrue(try check(config, &random), config.text)
        }
      }
    }
  }

  func testUnrolledWindowsMatchReference() throws {
    var random = PoolingRandom(seed: 5)
    let shapes: [[Int]] = [[1, 2, 9, 11], [2, 1, 8, 8], [1, 1, 3, 3], [1, 3, 2, 7], [1, 1, 4, 5, 6]]
    for shape in shapes {
      let spatial = shape.count - 2
      for (kernel, stride, pad) in [(3, 1, 1), (3, 2, 0), (3, 2, 1), (2, 2, 0), (2, 1, 1), (3, 1, 0)] {
        for ceilMode in [false, true] {
          for isMax in [true, false] {
            for countIncludePad in [false, true] where !(isMax && countIncludePad) {
              let kernels = spatial == 3 ? [1, kernel, kernel] : [kernel, kernel]
              let config = PoolingConfig(
                isMax: isMax, input: shape, kernel: kernels, strides: [Int](repeating: stride, count: spatial),
                dilations: [Int](repeating: 1, count: spatial),
                pads: spatial == 3 ? [0, pad, pad, 0, pad, pad] : [pad, pad, pad, pad], autoPad: "NOTSET",
                ceilMode: ceilMode, countIncludePad: countIncludePad)
              _ = try check(config, &random)
            }
          }
        }
      }
    }
  }

  func testThreeByThreePoolsUseTheUnrolledInterior() throws {
    let node = poolingNode("MaxPool", [PoolAttr.ints("kernel_shape", [3, 3]), PoolAttr.ints("pads", [1, 1, 1, 1])])
    let x = PoolingRandom.constant([1, 1, 6, 6], seed: 6)
    let result = try KernelHarness.run(node, [.runtime(x)])
    guard case .pooling(let kernel) = result.prepared.kernel, case .windowed(let plan) = kernel.plan else {
      return XCTFail("expected a windowed pooling plan")
    }
    XCTAssertEqual(plan.unrolled, 3)
    XCTAssertEqual([plan.interiorH0, plan.interiorH1, plan.interiorW0, plan.interiorW1], [1, 5, 1, 5])
  }

  func testInt8AndUInt8MaxPool() throws {
    var random = PoolingRandom(seed: 7)
    for dataType in [DataType.int8, .uint8] {
      for _ in 0..<60 {
        let config = PoolingConfig.random(&random, isMax: true)
        guard let geometry = config.referenceGeometry() else { continue }
        let count = config.input.reduce(1, *)
        let raw = (0..<count).map { _ in random.int(0...255) }
        let x: Constant
        let asFloats: [Float]
        if dataType == .int8 {
          let values = raw.map { Int8(truncatingIfNeeded: $0) }
          x = Constant(.int8, config.input, values: values)
          asFloats = values.map { Float($0) }
        } else {
          let values = raw.map { UInt8($0) }
          x = Constant(.uint8, config.input, values: values)
          asFloats = values.map { Float($0) }
        }
        let expected = config.referencePool(asFloats, geometry)
        let result = try KernelHarness.run(poolingNode("MaxPool", config.attributes), opset: 12, [.runtime(x)])
        XCTAssertEqual(result.outputs[0].type, TensorType(dataType, geometry.shape(config)), config.text)
        let actual: [Float] =
          dataType == .int8
          ? result.outputs[0].values(Int8.self).map { Float($0) }
          : result.outputs[0].values(UInt8.self).map { Float($0) }
        // A window with no input under it yields the type's lowest value.
        let lowest: Float = dataType == .int8 ? -128 : 0
        XCTAssertEqual(actual, expected.map { $0 == -Float.infinity ? lowest : $0 }, config.text)
      }
    }
  }

  func testGlobalPoolsMatchReference() throws {
    for (index, shape) in [[2, 3, 5], [1, 4, 3, 3], [2, 2, 2, 3, 4], [1, 1, 1, 1], [3, 2, 17]].enumerated() {
      let x = PoolingRandom.constant(shape, seed: UInt64(10 + index))
      let values = x.values(Float.self)
      let plane = shape[2...].reduce(1, *)
      let planes = shape[0] * shape[1]
      let outputShape = [shape[0], shape[1]] + [Int](repeating: 1, count: shape.count - 2)
      var means: [Float] = []
      var maxima: [Float] = []
      for p in 0..<planes {
        let slice = values[(p * plane)..<((p + 1) * plane)]
        means.append(Float(slice.reduce(0.0) { $0 + Double($1) } / Double(plane)))
        maxima.append(slice.max()!)
      }
      let average = try KernelHarness.run(poolingNode("GlobalAveragePool", []), [.runtime(x)])
      XCTAssertEqual(average.outputs[0].type.shape, outputShape)
      poolingAssertClose(average.outputs[0].values(Float.self), means)
      let maximum = try KernelHarness.run(poolingNode("GlobalMaxPool", []), [.runtime(x)])
      XCTAssertEqual(maximum.outputs[0].type.shape, outputShape)
      XCTAssertEqual(maximum.outputs[0].values(Float.self), maxima)

      // A window covering the whole unpadded plane is planned as the global pool.
      let kernel = Array(shape[2...])
      for op in ["AveragePool", "MaxPool"] {
        let result = try KernelHarness.run(poolingNode(op, [PoolAttr.ints("kernel_shape", kernel)]), [.runtime(x)])
        guard case .pooling(let pooling) = result.prepared.kernel, case .global = pooling.plan else {
          return XCTFail(op + " over the whole plane should be a global pool")
        }
        XCTAssertEqual(result.outputs[0].type.shape, outputShape)
        poolingAssertClose(result.outputs[0].values(Float.self), op == "MaxPool" ? maxima : means)
      }
    }
  }

  // MARK: - Golden values from onnx

  func testGoldenCeilModeEdges() throws {
    try checkGolden(
      PoolingGolden.maxCeilDrop, "MaxPool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [2, 2]), PoolAttr.ints("pads", [1, 1, 1, 1]),
        PoolAttr.int("ceil_mode", 1),
      ])
    try checkGolden(
      PoolingGolden.maxCeil, "MaxPool",
      [PoolAttr.ints("kernel_shape", [3, 3]), PoolAttr.ints("strides", [2, 2]), PoolAttr.int("ceil_mode", 1)])
    try checkGolden(
      PoolingGolden.averageCeilDropIncludePad, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [2, 2]), PoolAttr.ints("pads", [1, 1, 1, 1]),
        PoolAttr.int("ceil_mode", 1),
        PoolAttr.int("count_include_pad", 1),
      ])
    try checkGolden(
      PoolingGolden.averageCeilDropExcludePad, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [2, 2]), PoolAttr.ints("pads", [1, 1, 1, 1]),
        PoolAttr.int("ceil_mode", 1),
      ])
    try checkGolden(
      PoolingGolden.averageCeilIncludePad, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [3, 3]), PoolAttr.ints("strides", [2, 2]), PoolAttr.int("ceil_mode", 1),
        PoolAttr.int("count_include_pad", 1),
      ])
    try checkGolden(
      PoolingGolden.max1DCeilDrop, "MaxPool",
      [
        PoolAttr.ints("kernel_shape", [2]), PoolAttr.ints("strides", [3]), PoolAttr.ints("pads", [1, 1]),
        PoolAttr.int("ceil_mode", 1),
      ])
    try checkGolden(
      PoolingGolden.max3DCeil, "MaxPool",
      [PoolAttr.ints("kernel_shape", [2, 2, 2]), PoolAttr.ints("strides", [2, 2, 2]), PoolAttr.int("ceil_mode", 1)])
    // onnxruntime's values: a ceil window reaching 2 cells past the input is not shifted.
    try checkGolden(
      PoolingGolden.averageCeilOverhang, "AveragePool",
      [PoolAttr.ints("kernel_shape", [3]), PoolAttr.ints("strides", [4]), PoolAttr.int("ceil_mode", 1)])
  }

  func testGoldenPaddingModes() throws {
    try checkGolden(
      PoolingGolden.averageAsymmetricPads, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [3, 2]), PoolAttr.ints("strides", [2, 1]), PoolAttr.ints("pads", [1, 0, 2, 1]),
        PoolAttr.int("count_include_pad", 1),
      ])
    try checkGolden(
      PoolingGolden.averageSameUpper, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [3, 3]), PoolAttr.ints("strides", [2, 2]),
        PoolAttr.string("auto_pad", "SAME_UPPER"),
      ])
    try checkGolden(
      PoolingGolden.averageSameLower, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [1, 1]),
        PoolAttr.string("auto_pad", "SAME_LOWER"),
      ])
    try checkGolden(
      PoolingGolden.maxSameUpper, "MaxPool",
      [
        PoolAttr.ints("kernel_shape", [3, 3]), PoolAttr.ints("strides", [2, 2]),
        PoolAttr.string("auto_pad", "SAME_UPPER"),
      ])
    try checkGolden(
      PoolingGolden.maxValid, "MaxPool",
      [PoolAttr.ints("kernel_shape", [2, 3]), PoolAttr.ints("strides", [2, 2]), PoolAttr.string("auto_pad", "VALID")])
  }

  func testGoldenDilationsAndOtherRanks() throws {
    try checkGolden(
      PoolingGolden.maxDilated, "MaxPool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [1, 2]), PoolAttr.ints("dilations", [2, 2]),
        PoolAttr.ints("pads", [1, 1, 0, 1]),
      ])
    try checkGolden(
      PoolingGolden.averageDilated, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [1, 1]), PoolAttr.ints("dilations", [2, 1]),
        PoolAttr.ints("pads", [1, 0, 1, 1]), PoolAttr.int("count_include_pad", 1),
      ], opset: 19)
    try checkGolden(
      PoolingGolden.average1D, "AveragePool",
      [PoolAttr.ints("kernel_shape", [3]), PoolAttr.ints("strides", [2]), PoolAttr.ints("pads", [2, 1])])
    try checkGolden(
      PoolingGolden.average3D, "AveragePool",
      [
        PoolAttr.ints("kernel_shape", [2, 2, 2]), PoolAttr.ints("strides", [1, 2, 2]),
        PoolAttr.ints("pads", [1, 0, 1, 0, 1, 0]),
        PoolAttr.int("count_include_pad", 1),
      ])
    try checkGolden(PoolingGolden.globalAverage, "GlobalAveragePool", [])
    try checkGolden(PoolingGolden.globalMax, "GlobalMaxPool", [])
  }

  // MARK: - MaxPool's Indices output

  func testMaxPoolIndicesGoldens() throws {
    let cases: [(String, PoolingIndicesGolden.IndicesCase)] = [
      ("padded2D", PoolingIndicesGolden.padded2D), ("padded2DColumnMajor", PoolingIndicesGolden.padded2DColumnMajor),
      ("dilatedCeil2DColumnMajor", PoolingIndicesGolden.dilatedCeil2DColumnMajor),
      ("padded1D", PoolingIndicesGolden.padded1D), ("padded3D", PoolingIndicesGolden.padded3D),
      ("padded3DColumnMajor", PoolingIndicesGolden.padded3DColumnMajor),
      ("int8ColumnMajor", PoolingIndicesGolden.int8ColumnMajor), ("wholePlane", PoolingIndicesGolden.wholePlane),
      ("stride1Padded", PoolingIndicesGolden.stride1Padded),
    ]
    for (name, golden) in cases {
      let node = poolingNode(
        "MaxPool",
        [
          PoolAttr.ints("kernel_shape", golden.kernel), PoolAttr.ints("strides", golden.strides),
          PoolAttr.ints("dilations", golden.dilations), PoolAttr.ints("pads", golden.pads),
          PoolAttr.int("ceil_mode", golden.ceilMode), PoolAttr.int("storage_order", golden.storageOrder),
        ], outputs: ["y", "indices"])
      let x =
        golden.element == .float
        ? Constant(.float, golden.shape, values: golden.input)
        : Constant(.int8, golden.shape, values: golden.input.map { Int8($0) })
      let result = try KernelHarness.run(node, opset: 12, [.runtime(x)])
      XCTAssertEqual(result.outputs[1].type, TensorType(.int64, golden.outputShape), name)
      let values: [Float] =
        golden.element == .float
        ? result.outputs[0].values(Float.self) : result.outputs[0].values(Int8.self).map { Float($0) }
      XCTAssertEqual(values, golden.values, name)
      XCTAssertEqual(result.outputs[1].values(Int64.self), golden.indices, name)
    }
  }

  /// test_maxpool_with_argmax_2d_precomputed_strides: storage_order 1 flattens (h, w) as h + w * H.
  func testMaxPoolIndicesColumnMajorNodeTest() throws {
    let x = Constant(.float, [1, 1, 5, 5], values: (1...25).map { Float($0) })
    let node = poolingNode(
      "MaxPool",
      [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [2, 2]), PoolAttr.int("storage_order", 1)],
      outputs: ["y", "z"])
    let result = try KernelHarness.run(node, opset: 22, [.runtime(x)])
    XCTAssertEqual(result.outputs[0].values(Float.self), [7, 9, 17, 19])
    XCTAssertEqual(result.outputs[1].values(Int64.self), [6, 16, 8, 18])
  }

  func testMaxPoolIndicesMatchReferenceOnRandomConfigurations() throws {
    var random = PoolingRandom(seed: 30)
    var checked = 0
    for trial in 0..<300 {
      let config = PoolingConfig.random(&random, isMax: true)
      guard let geometry = config.referenceGeometry() else { continue }
      let storageOrder = trial % 2
      // Values from a small set, so windows hold ties.
      let x = Constant(
        .float, config.input, values: (0..<config.input.reduce(1, *)).map { _ in Float(random.int(-2...2)) })
      let node = poolingNode(
        "MaxPool", config.attributes + [PoolAttr.int("storage_order", storageOrder)], outputs: ["y", "indices"])
      let result = try KernelHarness.run(node, opset: 19, [.runtime(x)])
      let (values, indices) = config.referenceArgmax(x.values(Float.self), geometry, columnMajor: storageOrder == 1)
      XCTAssertEqual(result.outputs[0].values(Float.self), values, config.text)
      XCTAssertEqual(
        result.outputs[1].values(Int64.self), indices, config.text + " storage_order " + String(storageOrder))
      checked += 1
    }
    XCTAssertGreaterThan(checked, 200)
  }

  func testIndicesTurnOffTheGlobalPlan() throws {
    let x = PoolingRandom.constant([1, 2, 3, 3], seed: 31)
    let named = try KernelHarness.run(
      poolingNode("MaxPool", [PoolAttr.ints("kernel_shape", [3, 3])], outputs: ["y", "indices"]), [.runtime(x)])
    guard case .pooling(let kernel) = named.prepared.kernel, case .windowed(let plan) = kernel.plan else {
      return XCTFail("MaxPool with Indices should run windowed")
    }
    XCTAssertEqual(plan.indices, .rowMajor)
    XCTAssertEqual(named.prepared.scratchBytes, 0)
    let v = x.values(Float.self)
    for p in 0..<2 {
      let plane = Array(v[(p * 9)..<(p * 9 + 9)])
      XCTAssertEqual(named.outputs[0].values(Float.self)[p], plane.max()!)
      XCTAssertEqual(named.outputs[1].values(Int64.self)[p], Int64(p * 9 + plane.firstIndex(of: plane.max()!)!))
    }
  }

  // MARK: - Outputs and errors

  func testOmittedIndicesOutputIsPlannedButNotRequired() throws {
    let node = poolingNode("MaxPool", [PoolAttr.ints("kernel_shape", [2, 2])], outputs: ["y", ""])
    let x = PoolingRandom.constant([1, 1, 3, 3], seed: 20)
    let result = try KernelHarness.run(node, [.runtime(x)])
    XCTAssertEqual(result.prepared.outputs, [TensorType(.float, [1, 1, 2, 2]), TensorType(.int64, [1, 1, 2, 2])])
    let v = x.values(Float.self)
    XCTAssertEqual(
      result.outputs[0].values(Float.self),
      [
        max(v[0], v[1], v[3], v[4]), max(v[1], v[2], v[4], v[5]), max(v[3], v[4], v[6], v[7]),
        max(v[4], v[5], v[7], v[8]),
      ])
  }

  func testErrorsNameTheNode() {
    let x = PoolingRandom.constant([1, 1, 4, 4], seed: 21)
    let cases: [(String, [Attribute], [String], HarnessInput, RuntimeError.Kind, String)] = [
      ("MaxPool", [], ["y"], .runtime(x), .invalid, "kernel_shape' is required"),
      ("MaxPool", [PoolAttr.ints("kernel_shape", [2])], ["y"], .runtime(x), .invalid, "one entry per spatial dim"),
      ("MaxPool", [PoolAttr.ints("kernel_shape", [2, 0])], ["y"], .runtime(x), .invalid, "must be positive"),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [1, 0])], ["y"], .runtime(x),
        .invalid, "strides"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("pads", [1, 1])], ["y"], .runtime(x), .invalid,
        "pads"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [5, 2])], ["y"], .runtime(x), .invalid, "larger than the padded input"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [5, 2]), PoolAttr.string("auto_pad", "VALID")], ["y"], .runtime(x),
        .invalid,
        "larger than the input"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.string("auto_pad", "SAME")], ["y"], .runtime(x),
        .invalid,
        "auto_pad 'SAME'"
      ),
      (
        "MaxPool",
        [
          PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.string("auto_pad", "SAME_UPPER"),
          PoolAttr.ints("pads", [1, 1, 1, 1]),
        ],
        ["y"], .runtime(x), .invalid, "cannot both be set"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.int("storage_order", 2)], ["y", "indices"],
        .runtime(x), .invalid, "storage_order 2"
      ),
      ("AveragePool", [PoolAttr.ints("kernel_shape", [2, 2])], ["y", "z"], .runtime(x), .invalid, "has 1 output"),
      (
        "AveragePool", [PoolAttr.ints("kernel_shape", [2, 2])], ["y"],
        .runtime(Constant(.int8, [1, 1, 2, 2], values: [Int8](repeating: 0, count: 4))),
        .unsupported, "must be float32"
      ),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2])], ["y"], .runtime(PoolingRandom.constant([1, 4], seed: 1)),
        .unsupported,
        "rank 3 to 5"
      ),
      ("GlobalMaxPool", [], ["y"], .runtime(PoolingRandom.constant([4, 4], seed: 1)), .invalid, "rank 3 or more"),
      (
        "MaxPool", [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("dilations", [1])], ["y"], .runtime(x),
        .invalid,
        "dilations"
      ),
    ]
    for (op, attributes, outputs, input, kind, text) in cases {
      let node = poolingNode(op, attributes, outputs: outputs)
      do {
        _ = try KernelHarness.run(node, [input])
        XCTFail(op + " should fail with '" + text + "'")
      } catch {
        XCTAssertEqual(error.kind, kind, error.message)
        XCTAssertTrue(error.message.hasPrefix(op + " node 'pool': "), error.message)
        XCTAssertTrue(error.message.contains(text), error.message)
      }
    }
  }

  // MARK: - Helpers

  /// Runs `config` on random input; returns false when the configuration is invalid (and checks it is refused).
  private func check(
    _ config: PoolingConfig, _ random: inout PoolingRandom, file: StaticString = #filePath, line: UInt = #line
  )
    throws -> Bool
  {
    let x = Constant(.float, config.input, values: random.floats(config.input.reduce(1, *)))
    let node = poolingNode(config.isMax ? "MaxPool" : "AveragePool", config.attributes)
    guard let geometry = config.referenceGeometry() else {
      do {
        _ = try KernelHarness.run(node, opset: 19, [.runtime(x)])
        XCTFail("expected an error for " + config.text, file: file, line: line)
      } catch {
        XCTAssertEqual(error.kind, .invalid, config.text + ": " + error.message, file: file, line: line)
      }
      return false
    }
    let result = try KernelHarness.run(node, opset: 19, [.runtime(x)], file: file, line: line)
    XCTAssertEqual(result.outputs[0].type.shape, geometry.shape(config), config.text, file: file, line: line)
    poolingAssertClose(
      result.outputs[0].values(Float.self), config.referencePool(x.values(Float.self), geometry), config.text,
      file: file, line: line)
    return true
  }

  private func checkGolden(
    _ golden: PoolingGolden.Case, _ op: String, _ attributes: [Attribute], opset: Int = 12,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let result = try KernelHarness.run(
      poolingNode(op, attributes), opset: opset, golden.inputs.map { .runtime($0.constant) }, file: file, line: line)
    let expected = golden.outputs[0].constant
    XCTAssertEqual(result.outputs[0].type, expected.type, op, file: file, line: line)
    poolingAssertClose(result.outputs[0].values(Float.self), expected.values(Float.self), op, file: file, line: line)
  }
}

func poolingNode(_ op: String, _ attributes: [Attribute], outputs: [String] = ["y"]) -> Node {
  Node(name: "pool", opType: op, inputs: ["x"], outputs: outputs, attributes: attributes)
}

enum PoolAttr {
  static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name: name, value: .ints(values)) }
  static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
  static func string(_ name: String, _ value: String) -> Attribute {
    Attribute(name: name, value: .string(Array(value.utf8)))
  }
}

/// Equal values (infinities included) and NaN pairs pass; others must agree within tolerance.
private func poolingAssertClose(
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

/// SplitMix64: the same numbers on every machine.
struct PoolingRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  /// Uniform in [-2, 2).
  mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 4 - 2 }

  mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }

  static func constant(_ shape: [Int], seed: UInt64) -> Constant {
    var random = PoolingRandom(seed: seed)
    return Constant(.float, shape, values: random.floats(shape.reduce(1, *)))
  }
}

/// One MaxPool/AveragePool node's attributes and input shape, with a naive reference.
struct PoolingConfig {
  var isMax: Bool
  var input: [Int]
  var kernel: [Int]
  var strides: [Int]
  var dilations: [Int]
  var pads: [Int]
  var autoPad: String
  var ceilMode: Bool
  var countIncludePad: Bool

  static func random(_ random: inout PoolingRandom, isMax: Bool) -> PoolingConfig {
    let spatial = random.int(1...3)
    var input = [random.int(1...2), random.int(1...3)]
    var kernel: [Int] = []
    var strides: [Int] = []
    var dilations: [Int] = []
    var begins: [Int] = []
    var ends: [Int] = []
    for _ in 0..<spatial {
      input.append(random.int(1...(spatial == 3 ? 5 : 8)))
      let k = random.int(1...3)
      kernel.append(k)
      strides.append(random.int(1...3))
      dilations.append(random.int(0...2) == 0 ? 2 : 1)
      begins.append(random.int(0...(k - 1)))
      ends.append(random.int(0...(k - 1)))
    }
    let autoPads = ["NOTSET", "NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"]
    let autoPad = autoPads[random.int(0...(autoPads.count - 1))]
    return PoolingConfig(
      isMax: isMax, input: input, kernel: kernel, strides: strides, dilations: dilations,
      pads: autoPad == "NOTSET" ? begins + ends : [Int](repeating: 0, count: 2 * spatial), autoPad: autoPad,
      ceilMode: autoPad == "NOTSET" && random.int(0...1) == 1, countIncludePad: !isMax && random.int(0...1) == 1)
  }

  var attributes: [Attribute] {
    var list: [Attribute] = [
      PoolAttr.ints("kernel_shape", kernel), PoolAttr.ints("strides", strides), PoolAttr.ints("dilations", dilations),
    ]
    if autoPad == "NOTSET" {
      list.append(PoolAttr.ints("pads", pads))
      list.append(PoolAttr.int("ceil_mode", ceilMode ? 1 : 0))
    } else {
      list.append(PoolAttr.string("auto_pad", autoPad))
    }
    if !isMax { list.append(PoolAttr.int("count_include_pad", countIncludePad ? 1 : 0)) }
    return list
  }

  var text: String {
    (isMax ? "MaxPool" : "AveragePool") + " x" + dimsText(input) + " k" + dimsText(kernel) + " s" + dimsText(strides)
      + " d" + dimsText(dilations) + " p" + dimsText(pads) + " " + autoPad + (ceilMode ? " ceil" : "")
      + (countIncludePad ? " include_pad" : "")
  }

  struct Geometry {
    var output: [Int]
    var begin: [Int]
    var end: [Int]

    func shape(_ config: PoolingConfig) -> [Int] { Array(config.input[..<2]) + output }
  }

  /// Output size and padding by the formulas of the ONNX MaxPool/AveragePool documentation (nil: no output).
  func referenceGeometry() -> Geometry? {
    let spatial = kernel.count
    var geometry = Geometry(output: [], begin: [], end: [])
    for i in 0..<spatial {
      let size = input[2 + i]
      let extent = (kernel[i] - 1) * dilations[i] + 1
      let stride = Double(strides[i])
      switch autoPad {
      case "SAME_UPPER", "SAME_LOWER":
        let output = Int((Double(size) / stride).rounded(.up))
        let total = max(0, (output - 1) * strides[i] + extent - size)
        geometry.output.append(output)
        geometry.begin.append(autoPad == "SAME_UPPER" ? total / 2 : total - total / 2)
        geometry.end.append(autoPad == "SAME_UPPER" ? total - total / 2 : total / 2)
      case "VALID":
        let output = Int((Double(size - extent + 1) / stride).rounded(.up))
        if output < 1 { return nil }
        geometry.output.append(output)
        geometry.begin.append(0)
        geometry.end.append(0)
      default:
        let begin = pads[i]
        let end = pads[spatial + i]
        if size + begin + end < extent { return nil }
        let exact = Double(size + begin + end - extent) / stride + 1
        var output = Int(ceilMode ? exact.rounded(.up) : exact.rounded(.down))
        // "Sliding windows that would start in the right padded region are ignored."
        if ceilMode && (output - 1) * strides[i] >= size + begin { output -= 1 }
        geometry.output.append(output)
        geometry.begin.append(begin)
        geometry.end.append(end)
      }
    }
    return geometry
  }

  /// Every output visits every tap of its window; taps outside the input are skipped (max, mean) or
  /// counted when inside the padding (count_include_pad).
  func referencePool(_ x: [Float], _ geometry: Geometry) -> [Float] {
    let spatial = kernel.count
    let inputSpatial = Array(input[2...])
    let inputPlane = inputSpatial.reduce(1, *)
    let outputPlane = geometry.output.reduce(1, *)
    let taps = kernel.reduce(1, *)
    var y: [Float] = []
    for plane in 0..<(input[0] * input[1]) {
      for flat in 0..<outputPlane {
        let o = poolingUnflatten(flat, geometry.output)
        var best = -Float.infinity
        var sum = 0.0
        var count = 0
        var paddedCount = 0
        for tap in 0..<taps {
          let j = poolingUnflatten(tap, kernel)
          var inside = true
          var insidePadding = true
          var offset = 0
          for i in 0..<spatial {
            let position = o[i] * strides[i] - geometry.begin[i] + j[i] * dilations[i]
            if position < 0 || position >= inputSpatial[i] { inside = false }
            if position < -geometry.begin[i] || position >= inputSpatial[i] + geometry.end[i] { insidePadding = false }
            offset = offset * inputSpatial[i] + position
          }
          if insidePadding { paddedCount += 1 }
          if inside {
            let value = x[plane * inputPlane + offset]
            best = max(best, value)
            sum += Double(value)
            count += 1
          }
        }
        y.append(isMax ? best : Float(sum / Double(countIncludePad ? paddedCount : count)))
      }
    }
    return y
  }
}

extension PoolingConfig {
  /// MaxPool's Y and Indices by the ONNX definition: the first maximum over the window's taps inside the
  /// input, in row-major tap order, at its position flattened over the whole input (batch and channel
  /// included), row major or column major within the plane.
  func referenceArgmax(_ x: [Float], _ geometry: Geometry, columnMajor: Bool) -> ([Float], [Int64]) {
    let spatial = kernel.count
    let inputSpatial = Array(input[2...])
    let inputPlane = inputSpatial.reduce(1, *)
    let outputPlane = geometry.output.reduce(1, *)
    let taps = kernel.reduce(1, *)
    var values: [Float] = []
    var indices: [Int64] = []
    for plane in 0..<(input[0] * input[1]) {
      for flat in 0..<outputPlane {
        let o = poolingUnflatten(flat, geometry.output)
        var best: Float? = nil
        var bestPosition: [Int] = []
        for tap in 0..<taps {
          let j = poolingUnflatten(tap, kernel)
          var position: [Int] = []
          for i in 0..<spatial {
            position.append(o[i] * strides[i] - geometry.begin[i] + j[i] * dilations[i])
          }
          guard (0..<spatial).allSatisfy({ position[$0] >= 0 && position[$0] < inputSpatial[$0] }) else { continue }
          var offset = 0
          for i in 0..<spatial { offset = offset * inputSpatial[i] + position[i] }
          let value = x[plane * inputPlane + offset]
          if best == nil || value > best! {
            best = value
            bestPosition = position
          }
        }
        values.append(best ?? -Float.infinity)
        guard best != nil else {
          // A window with no input under it (padding and dilation only).
          indices.append(-1)
          continue
        }
        var index = 0
        if columnMajor {
          for i in stride(from: spatial - 1, through: 0, by: -1) { index = index * inputSpatial[i] + bestPosition[i] }
        } else {
          for i in 0..<spatial { index = index * inputSpatial[i] + bestPosition[i] }
        }
        indices.append(Int64(plane * inputPlane + index))
      }
    }
    return (values, indices)
  }
}

func poolingUnflatten(_ flat: Int, _ shape: [Int]) -> [Int] {
  var index = [Int](repeating: 0, count: shape.count)
  var rest = flat
  for d in stride(from: shape.count - 1, through: 0, by: -1) {
    index[d] = rest % shape[d]
    rest /= shape[d]
  }
  return index
}
