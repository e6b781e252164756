import ONNXFormat
import XCTest

@testable import Runtime

/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: bit for bit against onnxruntime 1.32
/// (QuantizeGoldens), exactly against a float64 reference where its result is unambiguous, and the
/// load-time refusals.
final class QuantizeTests: XCTestCase {
  static let quantizeCases: [(String, QuantizeGoldenCase)] = [
    ("uint8 per tensor", QuantizeGoldens.quantizeUInt8PerTensor),
    ("int8 per tensor", QuantizeGoldens.quantizeInt8PerTensor),
    ("uint8, no zero point, opset 10", QuantizeGoldens.quantizeUInt8Default),
    ("uint8 per axis 1", QuantizeGoldens.quantizeUInt8PerAxis),
    ("int8 per axis -1", QuantizeGoldens.quantizeInt8PerAxisLast),
    ("int8 per axis 0", QuantizeGoldens.quantizeInt8PerAxisFirst),
    ("int8 blocked", QuantizeGoldens.quantizeInt8Blocked),
    ("uint16 per tensor", QuantizeGoldens.quantizeUInt16PerTensor),
    ("int16 per axis", QuantizeGoldens.quantizeInt16PerAxis),
    ("NaN, infinities, zeros, ties", QuantizeGoldens.quantizeSpecialValues),
  ]

  static let dequantizeCases: [(String, QuantizeGoldenCase)] = [
    ("uint8 per tensor", QuantizeGoldens.dequantizeUInt8PerTensor),
    ("int8 per axis", QuantizeGoldens.dequantizeInt8PerAxis),
    ("int32", QuantizeGoldens.dequantizeInt32),
    ("int16 blocked", QuantizeGoldens.dequantizeInt16Blocked),
    ("uint16 per axis", QuantizeGoldens.dequantizeUInt16PerAxis),
    ("uint8 blocked", QuantizeGoldens.dequantizeUInt8Blocked),
  ]

  static let dynamicCases: [(String, QuantizeGoldenCase)] = [
    ("mixed signs", QuantizeGoldens.dynamicMixed),
    ("all positive", QuantizeGoldens.dynamicPositive),
    ("all negative", QuantizeGoldens.dynamicNegative),
    ("wide range", QuantizeGoldens.dynamicWide),
    ("all zero", QuantizeGoldens.dynamicZeros),
  ]

  private func checkGolden(
    _ label: String, _ golden: QuantizeGoldenCase, file: StaticString = #filePath,
    line: UInt = #line
  )
    throws
  {
    let result = try KernelHarness.run(
      golden.node, opset: golden.opset, golden.harnessInputs, file: file, line: line)
    XCTAssertEqual(result.outputs.count, golden.outputs.count, label, file: file, line: line)
    for (index, hex) in golden.outputs.enumerated() where index < result.outputs.count {
      assertQuantizeBits(
        result.outputs[index], hex, label + ", output " + String(index), file: file, line: line)
    }
  }

  // MARK: - Bit for bit against onnxruntime

  func testQuantizeLinearMatchesOnnxRuntimeBitForBit() throws {
    for (label, golden) in QuantizeTests.quantizeCases { try checkGolden(label, golden) }
  }

  func testDequantizeLinearMatchesOnnxRuntimeBitForBit() throws {
    for (label, golden) in QuantizeTests.dequantizeCases { try checkGolden(label, golden) }
  }

  func testDynamicQuantizeLinearMatchesOnnxRuntimeBitForBit() throws {
    for (label, golden) in QuantizeTests.dynamicCases { try checkGolden(label, golden) }
  }

  /// The uint8 golden's inputs sit on and next to ties of x / scale: multiplying by the float32
  /// reciprocal instead of dividing, as some runtimes do, gives other bytes for 98 of its 4096 values
  /// (122 before saturation).
  func testQuantizeDividesByTheScaleAsOnnxRuntimeDoes() {
    let golden = QuantizeGoldens.quantizeUInt8PerTensor
    let x = golden.xConstant.values(Float.self)
    let scale = Float(bitPattern: golden.scales[0])
    let expected = quantizeHexElements(golden.outputs[0], width: 2)
    let reciprocal = 1 / scale
    var differences = 0
    for index in 0..<x.count {
      let v = min(max((x[index] * reciprocal).rounded(.toNearestOrEven) + 131, 0), 255)
      if UInt64(v) != expected[index] { differences += 1 }
    }
    XCTAssertEqual(differences, 98)
  }

  /// The branch-free row (round half to even by adding 1.5 * 2^23) equals the per-element division,
  /// clamp and conversion on ties, NaN, infinities, zeros, subnormals and every clamp range used.
  func testQuantizeRowEqualsThePerElementSteps() {
    var x: [Float] = [
      .nan, -.nan, .infinity, -.infinity, 0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
    ]
    for k in -70_000...70_000 { x.append(Float(k) * 0.5) }  // every half-integer tie and integer
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<200_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      x.append(Float(bitPattern: UInt32(truncatingIfNeeded: state >> 32)))
      x.append(Float(Int32(truncatingIfNeeded: state >> 40)) / 1024 * 1.3)
    }
    let cases: [(scale: Float, low: Int32, high: Int32, zero: Int32)] = [
      (1, 0, 255, 0), (0.5, -128, 127, -3), (0.003, 0, 255, 131), (2.5, 0, 65535, 40_000),
      (1, -32768, 32767, 0),
      (1e-30, -128, 127, 127), (7.75, 0, 255, 255),
    ]
    for c in cases {
      let low = Float(c.low - c.zero)
      let high = Float(c.high - c.zero)
      // Values whose quotient lies on or a few ulps beside a half-integer for this scale: where a product
      // with the reciprocal (the row's fast path) and the division part.
      var x = x
      for k in -300...300 {
        var tie = (Float(k) + 0.5) * c.scale
        for _ in 0..<4 { tie = tie.nextDown }
        for _ in 0..<9 {
          x.append(tie)
          tie = tie.nextUp
        }
      }
      var y = [Int32](repeating: 0, count: x.count)
      x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
          Float.quantizeRow(xs.baseAddress!, ys.baseAddress!, xs.count, c.scale, c.zero, low, high)
        }
      }
      var mismatches = 0
      for index in 0..<x.count
      where y[index] != Float.scaledRounded(x[index], c.scale, low, high) + c.zero {
        mismatches += 1
      }
      XCTAssertEqual(mismatches, 0, "scale " + String(c.scale))
    }
  }

  // MARK: - Exact against float64 where unambiguous

  /// Random x and scales; the float64 quotient decides whenever it is not within 1e-4 of a half-integer
  /// (float32's quotient is within 2e-5 of it for these magnitudes).
  func testQuantizeLinearAgreesWithFloat64WhereUnambiguous() throws {
    var random = QuantizeRandom(seed: 100)
    var checked = 0
    for (dataType, perAxis) in [
      (DataType.uint8, false), (.int8, false), (.uint8, true), (.int8, true),
    ] {
      let shape = [2, 3, 250]
      let x = random.uniformFloats(1500, spread: 12, offset: 1)
      let scales: [Float] = perAxis ? [0.031, 0.1, 0.0571] : [0.047]
      let zeroPoints: [Int] =
        dataType == .uint8 ? (perAxis ? [128, 3, 250] : [100]) : (perAxis ? [0, -100, 90] : [-5])
      let parameterShape = perAxis ? [3] : []
      let node = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
      let result = try KernelHarness.run(
        node, opset: 13,
        [
          .runtime(Constant(.float, shape, values: x)),
          .constant(Constant(.float, parameterShape, values: scales)),
          .constant(quantizeIntegerConstant(dataType, parameterShape, zeroPoints)),
        ])
      let y = quantizeElementBits(result.outputs[0])
      let (low, high) = dataType == .uint8 ? (0.0, 255.0) : (-128.0, 127.0)
      for index in 0..<x.count {
        let channel = perAxis ? (index / 250) % 3 : 0
        let exact = Double(x[index]) / Double(scales[channel])
        if abs(abs(exact - exact.rounded(.down)) - 0.5) < 1e-4 { continue }
        let expected = min(
          max(exact.rounded(.toNearestOrEven) + Double(zeroPoints[channel]), low), high)
        let actual =
          dataType == .uint8 ? Double(y[index]) : Double(Int8(truncatingIfNeeded: y[index]))
        XCTAssertEqual(
          actual, expected, "x " + String(x[index]) + " scale " + String(scales[channel]))
        checked += 1
      }
    }
    XCTAssertGreaterThan(checked, 5900)
  }

  /// `(x - zp) * scale` is exact in float64 for 8-bit x, so float32 must give it rounded once.
  func testDequantizeLinearIsTheExactProductRoundedOnce() throws {
    var random = QuantizeRandom(seed: 101)
    for (dataType, perAxis) in [
      (DataType.uint8, false), (.int8, false), (.uint8, true), (.int8, true),
    ] {
      let shape = [3, 4, 5]
      let x = random.constant(dataType, shape)
      let scales: [Float] = perAxis ? [0.0173, 3.1, 1e-6, 0.5] : [0.0391]
      let zeroPoints: [Int] =
        dataType == .uint8
        ? (perAxis ? [0, 255, 128, 7] : [99]) : (perAxis ? [-128, 127, 0, 3] : [-1])
      let parameterShape = perAxis ? [4] : []
      let node = Node(
        name: "dq", opType: "DequantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
      let result = try KernelHarness.run(
        node, opset: 13,
        [
          .runtime(x), .constant(Constant(.float, parameterShape, values: scales)),
          .constant(quantizeIntegerConstant(dataType, parameterShape, zeroPoints)),
        ])
      let y = result.outputs[0].values(Float.self)
      let values = x.integers()!
      for index in 0..<values.count {
        let channel = perAxis ? (index / 5) % 4 : 0
        let expected = Float(Double(values[index] - zeroPoints[channel]) * Double(scales[channel]))
        XCTAssertEqual(y[index].bitPattern, expected.bitPattern, "element " + String(index))
      }
    }
  }

  /// The example of the ONNX operator documentation.
  func testDynamicQuantizeLinearDocumentationExample() throws {
    let node = Node(
      name: "d", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["y", "s", "z"])
    let result = try KernelHarness.run(
      node, opset: 11, [.runtime(KernelHarness.floats([6], [0, 2, -3, -2.5, 1.34, 0.5]))])
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [153, 255, 0, 26, 221, 179])
    XCTAssertEqual(result.outputs[1].values(Float.self), [Float(5) / 255])
    XCTAssertEqual(result.outputs[2].values(UInt8.self), [153])
    XCTAssertEqual(
      result.prepared.outputs,
      [TensorType(.uint8, [6]), TensorType(.float, []), TensorType(.uint8, [])])
  }

  // MARK: - Types and attributes

  func testOutputTypeComesFromTheZeroPointOrOutputDtype() throws {
    let x = KernelHarness.floats([4], [-1, 0.26, 0.74, 200])
    let scale = HarnessInput.constant(KernelHarness.floats([], [0.5]))
    // No zero point: uint8 (opset 10) ...
    let plain = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["y"])
    let uint8 = try KernelHarness.run(plain, opset: 10, [.runtime(x), scale])
    XCTAssertEqual(uint8.outputs[0].type, TensorType(.uint8, [4]))
    XCTAssertEqual(uint8.outputs[0].values(UInt8.self), [0, 1, 1, 255])
    // ... or output_dtype (opset 21).
    let typed = Node(
      name: "q", opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["y"],
      attributes: [Attribute(name: "output_dtype", value: .int(Int(DataType.int8.rawValue)))])
    let int8 = try KernelHarness.run(typed, opset: 21, [.runtime(x), scale])
    XCTAssertEqual(int8.outputs[0].type, TensorType(.int8, [4]))
    XCTAssertEqual(int8.outputs[0].values(Int8.self), [-2, 1, 1, 127])
    // An omitted zero point written as an empty name.
    let omitted = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", ""], outputs: ["y"])
    let uint8Again = try KernelHarness.run(omitted, opset: 13, [.runtime(x), scale, .omitted])
    XCTAssertEqual(uint8Again.outputs[0].values(UInt8.self), [0, 1, 1, 255])
  }

  /// onnxruntime has no int32-input QuantizeLinear; ONNX's reference divides in float64, and so does this.
  func testInt32InputDividesInFloat64() throws {
    let node = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
    let zeroPoint = HarnessInput.constant(Constant(.int16, [], values: [Int16(1)]))
    let small = try KernelHarness.run(
      node, opset: 10,
      [
        .runtime(Constant(.int32, [6], values: [Int32(-7), -5, 5, 7, 300, 70_000])),
        .constant(KernelHarness.floats([], [2])), zeroPoint,
      ])
    XCTAssertEqual(small.outputs[0].values(Int16.self), [-3, -1, 3, 5, 151, 32767])
    // 33552383 / 2048 = 16383.4995...; float32(33552383) is 33552384, which would give the tie 16383.5 -> 16384.
    let large = try KernelHarness.run(
      node, opset: 10,
      [
        .runtime(Constant(.int32, [1], values: [Int32(33_552_383)])),
        .constant(KernelHarness.floats([], [2048])),
        zeroPoint,
      ])
    XCTAssertEqual(large.outputs[0].values(Int16.self), [16384])
  }

  func testComMicrosoftDomainForms() throws {
    let quantize = Node(
      name: "q", opType: "QuantizeLinear", domain: "com.microsoft", inputs: ["x", "s", "z"],
      outputs: ["y"])
    let q = try KernelHarness.run(
      quantize,
      [
        .runtime(KernelHarness.floats([3], [-1, 0, 1])),
        .constant(KernelHarness.floats([], [0.01])),
        .constant(Constant(.uint16, [], values: [UInt16(1000)])),
      ])
    XCTAssertEqual(q.outputs[0].values(UInt16.self), [900, 1000, 1100])
    let dequantize = Node(
      name: "dq", opType: "DequantizeLinear", domain: "com.microsoft", inputs: ["x", "s", "z"],
      outputs: ["y"])
    let dq = try KernelHarness.run(
      dequantize,
      [
        .runtime(q.outputs[0]), .constant(KernelHarness.floats([], [0.5])),
        .constant(Constant(.uint16, [], values: [UInt16(1000)])),
      ])
    XCTAssertEqual(dq.outputs[0].values(Float.self), [-50, 0, 50])
  }

  // MARK: - Refusals

  private func expectError(
    _ node: Node, opset: Int = 13, _ inputs: [HarnessInput], _ kind: RuntimeError.Kind,
    contains text: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      _ = try KernelHarness.run(node, opset: opset, inputs, file: file, line: line)
      XCTFail("expected an error containing '" + text + "'", file: file, line: line)
    } catch {
      XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
      XCTAssertTrue(
        error.message.contains(text), "'" + error.message + "' lacks '" + text + "'", file: file,
        line: line)
    }
  }

  func testRefusals() {
    let q = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
    let dq = Node(name: "dq", opType: "DequantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
    let x = HarnessInput.runtime(KernelHarness.floats([2, 3], [1, 2, 3, 4, 5, 6]))
    let scale = HarnessInput.constant(KernelHarness.floats([], [0.1]))
    let zero = HarnessInput.constant(Constant(.uint8, [], values: [UInt8(0)]))

    // Scales and zero points must be known at load.
    do {
      _ = try KernelHarness.run(q, opset: 13, [x, .runtime(KernelHarness.floats([], [0.1])), zero])
      XCTFail("a run-time scale was accepted")
    } catch {
      XCTAssertEqual(error.kind, .unsupported)
      XCTAssertEqual(error.loadTimeValue, "s")
      XCTAssertTrue(
        error.message.contains("y_scale (input 1) must be known when the model is loaded"),
        error.message)
    }
    expectError(
      q, [x, scale, .runtime(Constant(.uint8, [], values: [UInt8(0)]))], .unsupported,
      contains: "y_zero_point (input 2)")
    // Types.
    expectError(
      q, opset: 19, [x, scale, .constant(Constant(.float8e4m3fn, [], values: [UInt8(0)]))],
      .unsupported,
      contains: "output y of type float8e4m3fn is not supported")
    expectError(
      q, opset: 21, [x, scale, .constant(Constant(.int4, [], values: [UInt8(0)]))], .unsupported,
      contains: "of type int4 is not supported")
    expectError(
      q, [.runtime(Constant(.float16, [2], values: [UInt16(0), UInt16(0)])), scale, zero],
      .unsupported,
      contains: "input x must be float32 or int32")
    expectError(
      q, opset: 19, [x, .constant(Constant(.float16, [], values: [UInt16(0x3C00)])), zero],
      .unsupported,
      contains: "y_scale must be float32")
    expectError(
      dq, [.runtime(Constant(.int8, [2], values: [Int8(1), 2])), scale, zero], .invalid,
      contains: "x_zero_point uint8[] must have x's type int8")
    expectError(
      dq,
      [
        .runtime(Constant(.int32, [2], values: [Int32(1), 2])), scale,
        .constant(Constant(.int32, [], values: [Int32(3)])),
      ],
      .invalid, contains: "int32 input x takes no zero point")
    // Shapes of per-axis and blocked parameters.
    expectError(
      q,
      [
        x, .constant(KernelHarness.floats([2], [0.1, 0.2])),
        .constant(Constant(.uint8, [2], values: [UInt8(0), 0])),
      ],
      .invalid, contains: "per-axis y_scale float32[2] must be 1-D with x's dim 3 on axis 1")
    expectError(
      q, opset: 10,
      [
        x, .constant(KernelHarness.floats([3], [0.1, 0.2, 0.3])),
        .constant(Constant(.uint8, [3], values: [UInt8(0), 0, 0])),
      ],
      .invalid, contains: "must be a scalar before opset 13")
    expectError(
      q, [x, .constant(KernelHarness.floats([3], [0.1, 0.2, 0.3])), zero], .invalid,
      contains: "y_zero_point uint8[] must have y_scale's shape [3]")
    let blocked = Node(
      name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"],
      attributes: [
        Attribute(name: "axis", value: .int(1)), Attribute(name: "block_size", value: .int(2)),
      ])
    expectError(
      blocked, opset: 21,
      [
        x, .constant(KernelHarness.floats([2, 1], [0.1, 0.2])),
        .constant(Constant(.uint8, [2, 1], values: [UInt8(0), 0])),
      ],
      .invalid, contains: "blocked y_scale float32[2, 1] must have shape [2, 2]")
    expectError(
      blocked, opset: 21, [x, scale, zero], .invalid,
      contains: "block_size 2 needs a blocked y_scale")
    let precise = Node(
      name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"],
      attributes: [Attribute(name: "precision", value: .int(Int(DataType.double.rawValue)))])
    expectError(
      precise, opset: 23, [x, scale, zero], .unsupported, contains: "only float32 precision")
    let dynamic = Node(name: "d", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["y"])
    expectError(dynamic, opset: 11, [x], .invalid, contains: "has 3 outputs, not 1")
  }
}
