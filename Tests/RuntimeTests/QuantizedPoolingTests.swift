import ONNXFormat
import XCTest

@testable import Runtime

/// QLinearGlobalAveragePool, QLinearAveragePool and QLinearConcat (com.microsoft): bit for bit against
/// onnxruntime 1.32 (QuantizedPoolingGoldens), exactly against float64 where the result is unambiguous,
/// and the load-time refusals.
final class QuantizedPoolingTests: XCTestCase {
  static let globalCases: [(String, QuantizedPoolingGoldenCase)] = [
    ("uint8 NCHW", QuantizedPoolingGoldens.globalUInt8),
    ("int8 1-D", QuantizedPoolingGoldens.globalInt8),
    ("uint8 channels last", QuantizedPoolingGoldens.globalUInt8ChannelsLast),
    ("int8 3-D", QuantizedPoolingGoldens.globalInt8Volume),
    ("int8 channels last", QuantizedPoolingGoldens.globalInt8ChannelsLast),
  ]

  static let averageCases: [(String, QuantizedPoolingGoldenCase)] = [
    ("uint8 3x3 stride 2 pads", QuantizedPoolingGoldens.averageUInt8),
    ("int8 count_include_pad", QuantizedPoolingGoldens.averageInt8IncludePad),
    ("uint8 ceil_mode count_include_pad", QuantizedPoolingGoldens.averageUInt8Ceil),
    ("int8 ceil_mode", QuantizedPoolingGoldens.averageInt8CeilExcludePad),
    ("uint8 SAME_UPPER", QuantizedPoolingGoldens.averageUInt8SameUpper),
    ("int8 SAME_LOWER count_include_pad", QuantizedPoolingGoldens.averageInt8SameLower),
    ("int8 SAME_UPPER, stride > kernel: negative padding", QuantizedPoolingGoldens.averageInt8SameUpperWideStride),
    ("uint8 VALID ceil_mode", QuantizedPoolingGoldens.averageUInt8ValidCeil),
    ("uint8 1-D VALID", QuantizedPoolingGoldens.averageUInt8Valid1D),
    ("int8 3-D", QuantizedPoolingGoldens.averageInt8Volume),
    ("uint8 channels last", QuantizedPoolingGoldens.averageUInt8ChannelsLast),
    ("int8 channels last count_include_pad", QuantizedPoolingGoldens.averageInt8ChannelsLastIncludePad),
    ("uint8 whole image", QuantizedPoolingGoldens.averageUInt8WholeImage),
    ("int8 whole image channels last", QuantizedPoolingGoldens.averageInt8WholeImageChannelsLast),
    ("uint8 same scale 2x2", QuantizedPoolingGoldens.averageUInt8SameScale),
  ]

  static let concatCases: [(String, QuantizedPoolingGoldenCase)] = [
    ("uint8 axis 1, one copied", QuantizedPoolingGoldens.concatUInt8),
    ("int8 axis -1", QuantizedPoolingGoldens.concatInt8LastAxis),
    ("uint8 axis 0, two copied", QuantizedPoolingGoldens.concatUInt8FirstAxis),
    ("int8 saturating", QuantizedPoolingGoldens.concatInt8Saturating),
  ]

  private func run(_ golden: QuantizedPoolingGoldenCase, file: StaticString = #filePath, line: UInt = #line) throws
    -> KernelHarness.Result
  {
    try KernelHarness.run(golden.node, opset: 13, golden.harnessInputs, file: file, line: line)
  }

  private func checkGoldens(
    _ cases: [(String, QuantizedPoolingGoldenCase)], file: StaticString = #filePath, line: UInt = #line
  )
    throws
  {
    for (label, golden) in cases {
      let result = try run(golden, file: file, line: line)
      XCTAssertEqual(
        result.outputs[0].type, TensorType(golden.dataType, golden.outputShape), label, file: file, line: line)
      assertQuantizeBits(result.outputs[0], golden.output, label, file: file, line: line)
    }
  }

  // MARK: - Bit for bit against onnxruntime

  func testQLinearGlobalAveragePoolMatchesOnnxRuntimeBitForBit() throws {
    try checkGoldens(QuantizedPoolingTests.globalCases)
  }

  func testQLinearAveragePoolMatchesOnnxRuntimeBitForBit() throws {
    try checkGoldens(QuantizedPoolingTests.averageCases)
  }

  func testQLinearConcatMatchesOnnxRuntimeBitForBit() throws {
    try checkGoldens(QuantizedPoolingTests.concatCases)
  }

  /// A window that is the whole unpadded image runs the integer global pool, as in onnxruntime;
  /// other windows run onnxruntime's float32 steps.
  func testWholeImageWindowRunsTheIntegerGlobalPool() throws {
    for golden in [
      QuantizedPoolingGoldens.averageUInt8WholeImage, QuantizedPoolingGoldens.averageInt8WholeImageChannelsLast,
    ] {
      guard case .quantizedPooling(let kernel) = try run(golden).prepared.kernel, case .global = kernel.plan else {
        return XCTFail("not the global pool")
      }
    }
    guard case .quantizedPooling(let kernel) = try run(QuantizedPoolingGoldens.averageUInt8).prepared.kernel,
      case .windowed = kernel.plan
    else { return XCTFail("not the windowed pool") }
  }

  /// onnxruntime divides by the whole kernel size with count_include_pad, also for a ceil_mode window
  /// that reaches past the padding (ONNX's reference would divide the last window by 2).
  func testCountIncludePadDividesByTheWholeKernel() throws {
    let node = Node(
      name: "p", opType: "QLinearAveragePool", domain: "com.microsoft", inputs: ["x", "xs", "xz", "ys", "yz"],
      outputs: ["y"],
      attributes: [
        QuantizedPoolingAttribute.ints("kernel_shape", [3]), QuantizedPoolingAttribute.ints("strides", [2]),
        QuantizedPoolingAttribute.ints("pads", [1, 1]), QuantizedPoolingAttribute.int("ceil_mode", 1),
        QuantizedPoolingAttribute.int("count_include_pad", 1),
      ])
    let scale = HarnessInput.constant(KernelHarness.floats([], [0.1]))
    let zero = HarnessInput.constant(Constant(.uint8, [], values: [UInt8(0)]))
    let x = Constant(.uint8, [1, 1, 6], values: [UInt8(30), 60, 90, 120, 150, 180])
    let result = try KernelHarness.run(node, [.runtime(x), scale, zero, scale, zero])
    // onnxruntime 1.32 gives [30, 90, 150, 60]; without count_include_pad [45, 90, 150, 180].
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [30, 90, 150, 60])
  }

  /// Why QLinearAveragePool keeps onnxruntime's float32 steps: requantizing each window's integer sum
  /// with the float32 multiplier x_scale / (y_scale * count), as the global pool does, differs from
  /// onnxruntime by one step on 56 of the 1404 outputs of these goldens (11 of 180, 0 of 256, 45 of 968
  /// with x_scale == y_scale): windows whose mean is a tie, or within float32's error of one.
  func testIntegerRequantizationOfWindowSumsWouldDifferFromOnnxRuntime() throws {
    var differences = 0
    var outputs = 0
    for golden in [
      QuantizedPoolingGoldens.averageUInt8, QuantizedPoolingGoldens.averageInt8IncludePad,
      QuantizedPoolingGoldens.averageUInt8SameScale,
    ] {
      let geometry = try QuantizedPoolingReference(golden)
      let expected = quantizeHexElements(golden.output, width: 2)
      let input = golden.inputs[0]
      for (index, window) in geometry.windows().enumerated() {
        let multiplier = input.scale / (golden.outputScale * Float(window.divisor))
        let accumulator = Int32(window.sum - window.taps * input.zeroPoint)
        let (low, high): (Int32, Int32) = golden.dataType == .uint8 ? (0, 255) : (-128, 127)
        let value = Requantizer(multiplier).quantize(
          accumulator, zeroPoint: Int32(golden.outputZeroPoint), low: low, high: high)
        if UInt64(UInt8(truncatingIfNeeded: value)) != expected[index] { differences += 1 }
        outputs += 1
      }
    }
    XCTAssertEqual(outputs, 1404)
    XCTAssertEqual(differences, 56)
  }

  // MARK: - Exact against float64 where unambiguous

  func testPoolsAgreeWithFloat64WhereUnambiguous() throws {
    var checked = 0
    for (_, golden) in QuantizedPoolingTests.globalCases + QuantizedPoolingTests.averageCases {
      let reference = try QuantizedPoolingReference(golden)
      let actual = quantizeElementBits(try run(golden).outputs[0])
      let input = golden.inputs[0]
      let (low, high) = golden.dataType == .uint8 ? (0.0, 255.0) : (-128.0, 127.0)
      for (index, window) in reference.windows().enumerated() {
        let real = Double(window.sum - window.taps * input.zeroPoint) * Double(input.scale) / Double(window.divisor)
        let exact = real / Double(golden.outputScale)
        if abs(abs(exact - exact.rounded(.down)) - 0.5) < 1e-3 { continue }
        let expected = min(max(exact.rounded(.toNearestOrEven) + Double(golden.outputZeroPoint), low), high)
        let value = golden.dataType == .uint8 ? Double(actual[index]) : Double(Int8(truncatingIfNeeded: actual[index]))
        XCTAssertEqual(value, expected, "output " + String(index))
        checked += 1
      }
    }
    XCTAssertGreaterThan(checked, 1400)
  }

  func testConcatCopiesOrRequantizesExactly() throws {
    var checked = 0
    for (label, golden) in QuantizedPoolingTests.concatCases {
      let actual = quantizeElementBits(try run(golden).outputs[0])
      let axis = golden.node.attribute("axis").flatMap { value -> Int? in
        if case .int(let a) = value { return a }
        return nil
      }!
      let rank = golden.inputs[0].shape.count
      let normalized = axis < 0 ? axis + rank : axis
      let outer = golden.inputs[0].shape[..<normalized].reduce(1, *)
      let (low, high) = golden.dataType == .uint8 ? (0.0, 255.0) : (-128.0, 127.0)
      var column = 0
      let outputPitch = actual.count / outer
      for k in 0..<golden.inputs.count {
        let input = golden.inputs[k]
        let values = golden.xConstant(k).integers()!
        let pitch = values.count / outer
        let copied = input.scale == golden.outputScale && input.zeroPoint == golden.outputZeroPoint
        for o in 0..<outer {
          for i in 0..<pitch {
            let x = values[o * pitch + i]
            let raw = actual[o * outputPitch + column + i]
            let y = golden.dataType == .uint8 ? Int(raw) : Int(Int8(truncatingIfNeeded: raw))
            if copied {
              XCTAssertEqual(y, x, label)
            } else {
              let exact = Double(x - input.zeroPoint) * Double(input.scale) / Double(golden.outputScale)
              if abs(abs(exact - exact.rounded(.down)) - 0.5) < 1e-3 { continue }
              XCTAssertEqual(
                Double(y), min(max(exact.rounded(.toNearestOrEven) + Double(golden.outputZeroPoint), low), high), label)
            }
            checked += 1
          }
        }
        column += pitch
      }
    }
    XCTAssertGreaterThan(checked, 400)
  }

  // MARK: - Refusals

  private func expectError(
    _ node: Node, _ inputs: [HarnessInput], _ kind: RuntimeError.Kind, contains text: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      _ = try KernelHarness.run(node, opset: 13, inputs, file: file, line: line)
      XCTFail("expected an error containing '" + text + "'", file: file, line: line)
    } catch {
      XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
      XCTAssertTrue(
        error.message.contains(text), "'" + error.message + "' lacks '" + text + "'", file: file, line: line)
    }
  }

  func testRefusals() {
    let names = ["x", "xs", "xz", "ys", "yz"]
    let global = Node(
      name: "g", opType: "QLinearGlobalAveragePool", domain: "com.microsoft", inputs: names, outputs: ["y"])
    func average(_ attributes: [Attribute]) -> Node {
      Node(
        name: "a", opType: "QLinearAveragePool", domain: "com.microsoft", inputs: names, outputs: ["y"],
        attributes: attributes)
    }
    let x = HarnessInput.runtime(Constant(.uint8, [1, 2, 4, 4], values: [UInt8](repeating: 7, count: 32)))
    let scale = HarnessInput.constant(KernelHarness.floats([], [0.1]))
    let zero = HarnessInput.constant(Constant(.uint8, [], values: [UInt8(0)]))
    let kernel = QuantizedPoolingAttribute.ints("kernel_shape", [2, 2])

    // Per-axis (per-channel) parameters: onnxruntime takes one value only.
    expectError(
      global, [x, .constant(KernelHarness.floats([2], [0.1, 0.2])), zero, scale, zero], .unsupported,
      contains: "x_scale must be one float32 value, got float32[2]")
    expectError(
      average([kernel]), [x, scale, .constant(Constant(.uint8, [2], values: [UInt8(0), 1])), scale, zero], .invalid,
      contains: "x_zero_point must be one uint8 value, got uint8[2]")
    // Load-time parameters.
    do {
      _ = try KernelHarness.run(global, [x, scale, zero, .runtime(KernelHarness.floats([], [0.1])), zero])
      XCTFail("a run-time scale was accepted")
    } catch {
      XCTAssertEqual(error.kind, .unsupported)
      XCTAssertEqual(error.loadTimeValue, "ys")
    }
    // Types and values.
    expectError(
      global, [.runtime(Constant(.uint16, [1, 1, 2], values: [UInt16(1), 2])), scale, zero, scale, zero], .unsupported,
      contains: "input X must be uint8 or int8")
    expectError(
      global, [x, scale, .constant(Constant(.int8, [], values: [Int8(0)])), scale, zero], .invalid,
      contains: "x_zero_point must be one uint8 value, got int8[]")
    expectError(
      global, [x, .constant(KernelHarness.floats([], [-0.1])), zero, scale, zero], .invalid,
      contains: "x_scale must be a positive finite float")
    // Pool attributes.
    expectError(
      average([kernel, QuantizedPoolingAttribute.ints("dilations", [2, 2])]), [x, scale, zero, scale, zero],
      .unsupported, contains: "dilations [2, 2] are not supported")
    expectError(
      average([kernel, QuantizedPoolingAttribute.ints("pads", [2, 0, 0, 0])]), [x, scale, zero, scale, zero], .invalid,
      contains: "must be smaller than kernel_shape")
    expectError(average([]), [x, scale, zero, scale, zero], .invalid, contains: "attribute 'kernel_shape' is required")
    expectError(
      average([kernel, QuantizedPoolingAttribute.int("channels_last", 2)]), [x, scale, zero, scale, zero], .invalid,
      contains: "channels_last 2 must be 0 or 1")
    // QLinearConcat.
    func concat(_ count: Int, axis: Int? = 1) -> Node {
      var inputs = ["ys", "yz"]
      for k in 0..<count { inputs += ["x" + String(k), "s" + String(k), "z" + String(k)] }
      return Node(
        name: "c", opType: "QLinearConcat", domain: "com.microsoft", inputs: inputs, outputs: ["y"],
        attributes: axis.map { [QuantizedPoolingAttribute.int("axis", $0)] } ?? [])
    }
    let other = HarnessInput.runtime(Constant(.uint8, [1, 2, 4, 3], values: [UInt8](repeating: 1, count: 24)))
    expectError(
      concat(2), [scale, zero, x, scale, zero, other, scale, zero], .invalid,
      contains: "must match input 2 uint8[1, 2, 4, 4] except on axis 1")
    expectError(
      concat(1, axis: nil), [scale, zero, x, scale, zero], .invalid, contains: "attribute 'axis' is required")
    expectError(
      Node(
        name: "c", opType: "QLinearConcat", domain: "com.microsoft", inputs: ["ys", "yz", "x", "s"], outputs: ["y"],
        attributes: [QuantizedPoolingAttribute.int("axis", 0)]),
      [scale, zero, x, scale], .invalid, contains: "4 inputs do not fit")
    expectError(
      concat(2),
      [
        scale, zero, x, scale, zero, .runtime(Constant(.int8, [1, 2, 4, 4], values: [Int8](repeating: 1, count: 32))),
        scale, zero,
      ],
      .invalid, contains: "must have input 2's type uint8")
  }
}

/// A naive NCHW (or channels-last) window walk for QLinearAveragePool and the global pool: each
/// output's integer sum, number of taps inside the input, and onnxruntime's divisor.
struct QuantizedPoolingReference {
  struct Window {
    var sum: Int
    var taps: Int
    var divisor: Int
  }

  let golden: QuantizedPoolingGoldenCase
  let values: [Int]

  init(_ golden: QuantizedPoolingGoldenCase) throws {
    self.golden = golden
    values = golden.xConstant(0).integers()!
  }

  private func ints(_ name: String) -> [Int]? {
    if case .ints(let list) = golden.node.attribute(name) { return list }
    return nil
  }

  private func int(_ name: String) -> Int {
    if case .int(let value) = golden.node.attribute(name) { return value }
    return 0
  }

  /// Windows in output order.
  func windows() -> [Window] {
    let shape = golden.inputs[0].shape
    let channelsLast = int("channels_last") == 1
    let spatialCount = shape.count - 2
    let spatial = channelsLast ? Array(shape[1..<(shape.count - 1)]) : Array(shape[2...])
    let channels = channelsLast ? shape[shape.count - 1] : shape[1]
    let batches = shape[0]
    let isGlobal = golden.op == "QLinearGlobalAveragePool"
    let kernel = isGlobal ? spatial : ints("kernel_shape")!
    let strides = ints("strides") ?? [Int](repeating: 1, count: spatialCount)
    var outputSpatial: [Int] = []
    var padBegin: [Int] = []
    let outputShape = golden.outputShape
    for dim in 0..<spatialCount {
      outputSpatial.append(channelsLast ? outputShape[1 + dim] : outputShape[2 + dim])
      // The output sizes are onnxruntime's; the leading pads follow from auto_pad or pads.
      let autoPad: String
      if case .string(let bytes) = golden.node.attribute("auto_pad") {
        autoPad = String(decoding: bytes, as: UTF8.self)
      } else {
        autoPad = "NOTSET"
      }
      if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
        let needed = (outputSpatial[dim] - 1) * strides[dim] + kernel[dim] - spatial[dim]
        padBegin.append(autoPad == "SAME_UPPER" ? needed / 2 : (needed + 1) / 2)
      } else {
        padBegin.append(ints("pads")?[dim] ?? 0)
      }
    }
    let kernelSize = kernel.reduce(1, *)
    let includePad = int("count_include_pad") == 1
    var strideOf = [Int](repeating: 1, count: spatialCount)
    for dim in stride(from: spatialCount - 2, through: 0, by: -1) {
      strideOf[dim] = strideOf[dim + 1] * spatial[dim + 1]
    }
    let image = spatial.reduce(1, *)
    let outputImage = outputSpatial.reduce(1, *)

    var result: [Window] = []
    func window(_ batch: Int, _ channel: Int, _ position: Int) -> Window {
      var index = position
      var starts: [Int] = []
      var ends: [Int] = []
      for dim in stride(from: spatialCount - 1, through: 0, by: -1) {
        let o = index % outputSpatial[dim]
        index /= outputSpatial[dim]
        let start = o * strides[dim] - padBegin[dim]
        starts.insert(max(start, 0), at: 0)
        ends.insert(min(start + kernel[dim], spatial[dim]), at: 0)
      }
      var sum = 0
      var taps = 0
      var point = starts
      while true {
        var offset = 0
        for dim in 0..<spatialCount { offset += point[dim] * strideOf[dim] }
        let flat =
          channelsLast ? (batch * image + offset) * channels + channel : (batch * channels + channel) * image + offset
        sum += values[flat]
        taps += 1
        var dim = spatialCount - 1
        while dim >= 0 {
          point[dim] += 1
          if point[dim] < ends[dim] { break }
          point[dim] = starts[dim]
          dim -= 1
        }
        if dim < 0 { break }
      }
      return Window(sum: sum, taps: taps, divisor: includePad ? kernelSize : taps)
    }
    for batch in 0..<batches {
      if channelsLast {
        for position in 0..<outputImage {
          for channel in 0..<channels { result.append(window(batch, channel, position)) }
        }
      } else {
        for channel in 0..<channels {
          for position in 0..<outputImage { result.append(window(batch, channel, position)) }
        }
      }
    }
    return result
  }
}
