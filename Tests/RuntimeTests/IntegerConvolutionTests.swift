import CSupport
import ONNXFormat
import XCTest

@testable import Runtime

/// QLinearConv and ConvInteger against a naive integer reference written from the ONNX definitions:
/// int64 sums of `(x - x_zp) * (w - w_zp)` over the padded window (padding holds x_zp), plus the bias,
/// wrapped to int32, then the same `Requantizer` (no float), on seeded random data.
final class IntegerConvolutionTests: XCTestCase {
  struct Case {
    var batch = 1
    var inChannels: Int
    var outChannels: Int
    var spatial: [Int]
    var kernel: [Int]
    var strides: [Int]? = nil
    var dilations: [Int]? = nil
    var pads: [Int]? = nil
    var autoPad: String? = nil
    var group = 1
    var xSigned = false
    var wSigned = true
    var ySigned: Bool? = nil
    var perChannel = true
    var bias = true
    var convInteger = false
    /// ConvInteger's x_zero_point known only at run time.
    var runtimeZeroPoint = false
    var kernelShapeAttribute = false
    /// Weight zero points 0 (symmetric weights, as quantizers write them).
    var symmetricWeights = false
  }

  /// Output spatial sizes and begin pads, from the ONNX rules.
  static func outputShape(_ c: Case) -> (out: [Int], begin: [Int]) {
    var out: [Int] = []
    var begin: [Int] = []
    let rank = c.spatial.count
    for axis in 0..<rank {
      let s = c.strides?[axis] ?? 1
      let d = c.dilations?[axis] ?? 1
      let extent = (c.kernel[axis] - 1) * d + 1
      let size = c.spatial[axis]
      switch c.autoPad ?? "NOTSET" {
      case "SAME_UPPER", "SAME_LOWER":
        let o = (size + s - 1) / s
        let total = max(0, (o - 1) * s + extent - size)
        out.append(o)
        begin.append(c.autoPad == "SAME_UPPER" ? total / 2 : (total + 1) / 2)
      case "VALID":
        out.append((size - extent) / s + 1)
        begin.append(0)
      default:
        let b = c.pads?[axis] ?? 0
        let e = c.pads?[axis + rank] ?? 0
        out.append((size + b + e - extent) / s + 1)
        begin.append(b)
      }
    }
    return (out, begin)
  }

  struct Data {
    var x: [Int]
    var xZero: Int
    var w: [Int]
    var wZero: [Int]
    var bias: [Int32]?
    var xScale: Float
    var wScales: [Float]
    var yScale: Float
    var yZero: Int
  }

  static func makeData(_ c: Case, _ rng: inout SeededGenerator) -> Data {
    let cg = c.inChannels / c.group
    let taps = c.kernel.reduce(1, *)
    let x = rng.codes(c.batch * c.inChannels * c.spatial.reduce(1, *), signed: c.xSigned)
    let w = rng.codes(c.outChannels * cg * taps, signed: c.wSigned)
    let channels = c.perChannel ? c.outChannels : 1
    let wZero = (0..<channels).map { _ in c.symmetricWeights ? 0 : rng.zeroPoint(signed: c.wSigned) }
    let bias =
      c.bias ? (0..<c.outChannels).map { _ in Int32.random(in: -20000...20000, using: &rng) } : nil
    let xScale = rng.uniform(0.005...0.05)
    let wScales = (0..<channels).map { _ in rng.uniform(0.004...0.008) }
    let ySigned = c.ySigned ?? c.xSigned
    var data = Data(
      x: x, xZero: rng.zeroPoint(signed: c.xSigned), w: w, wZero: wZero, bias: bias, xScale: xScale,
      wScales: wScales, yScale: 1, yZero: rng.zeroPoint(signed: ySigned))
    // Outputs spread over the 8-bit range: the largest sum about 100 steps from the zero point.
    let largest = sums(c, data).map { $0.magnitude }.max() ?? 1
    data.yScale = xScale * 0.006 * Float(max(largest, 1)) / 100 * rng.uniform(0.7...1.3)
    return data
  }

  /// The int64 sums `Σ (x - x_zp)(w - w_zp) + bias` of every output, in NCHW order.
  static func sums(_ c: Case, _ d: Data) -> [Int64] {
    let (outSpatial, begin) = outputShape(c)
    let rank = c.spatial.count
    func pad3(_ values: [Int], _ fill: Int) -> [Int] {
      [Int](repeating: fill, count: 3 - rank) + values
    }
    let image = pad3(c.spatial, 1)
    let grid = pad3(outSpatial, 1)
    let kernel = pad3(c.kernel, 1)
    let strides = pad3(c.strides ?? [Int](repeating: 1, count: rank), 1)
    let dilations = pad3(c.dilations ?? [Int](repeating: 1, count: rank), 1)
    let pads = pad3(begin, 0)
    let cg = c.inChannels / c.group
    let mg = c.outChannels / c.group
    let imageSize = image.reduce(1, *)
    let gridSize = grid.reduce(1, *)
    let taps = kernel.reduce(1, *)
    var result: [Int64] = []
    for n in 0..<c.batch {
      for m in 0..<c.outChannels {
        let g = m / mg
        let wZero = d.wZero[c.perChannel ? m : 0]
        for position in 0..<gridSize {
          let od = position / (grid[1] * grid[2])
          let oh = position / grid[2] % grid[1]
          let ow = position % grid[2]
          var acc: Int64 = 0
          for ic in 0..<cg {
            let channel = g * cg + ic
            for tap in 0..<taps {
              let kd = tap / (kernel[1] * kernel[2])
              let kh = tap / kernel[2] % kernel[1]
              let kw = tap % kernel[2]
              let id = od * strides[0] - pads[0] + kd * dilations[0]
              let ih = oh * strides[1] - pads[1] + kh * dilations[1]
              let iw = ow * strides[2] - pads[2] + kw * dilations[2]
              var value = d.xZero
              if id >= 0 && id < image[0] && ih >= 0 && ih < image[1] && iw >= 0 && iw < image[2] {
                value =
                  d.x[
                    (n * c.inChannels + channel) * imageSize + (id * image[1] + ih) * image[2] + iw]
              }
              let weight = d.w[(m * cg + ic) * taps + tap]
              acc += Int64(value - d.xZero) * Int64(weight - wZero)
            }
          }
          if let bias = d.bias { acc += Int64(bias[m]) }
          result.append(acc)
        }
      }
    }
    return result
  }

  /// The expected output values: int32 sums (ConvInteger) or requantized values (QLinearConv).
  static func reference(_ c: Case, _ d: Data) -> [Int] {
    let all = sums(c, d)
    if c.convInteger { return all.map { Int(Int32(truncatingIfNeeded: $0)) } }
    let perChannel = all.count / (c.batch * c.outChannels)
    let ySigned = c.ySigned ?? c.xSigned
    return all.enumerated().map { index, acc in
      let m = index / perChannel % c.outChannels
      let multiplier = requantizationScale(
        inputScale: d.xScale, weightScale: d.wScales[c.perChannel ? m : 0], outputScale: d.yScale)
      return referenceQuantize(acc, multiplier: multiplier, zeroPoint: d.yZero, signed: ySigned)
    }
  }

  static func node(_ c: Case, name: String = "conv") -> Node {
    var attributes: [Attribute] = []
    if let v = c.strides { attributes.append(TestNodes.ints("strides", v)) }
    if let v = c.dilations { attributes.append(TestNodes.ints("dilations", v)) }
    if let v = c.pads { attributes.append(TestNodes.ints("pads", v)) }
    if let v = c.autoPad { attributes.append(TestNodes.string("auto_pad", v)) }
    if c.group != 1 { attributes.append(TestNodes.int("group", c.group)) }
    if c.kernelShapeAttribute { attributes.append(TestNodes.ints("kernel_shape", c.kernel)) }
    if c.convInteger {
      return TestNodes.node(
        "ConvInteger", name: name, inputs: ["x", "w", "x_zero_point", "w_zero_point"], attributes)
    }
    return TestNodes.node(
      "QLinearConv", name: name,
      inputs: [
        "x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point",
      ]
        + (c.bias ? ["B"] : []), attributes)
  }

  static func inputs(_ c: Case, _ d: Data) -> [HarnessInput] {
    let cg = c.inChannels / c.group
    let x = quantizedConstant(c.xSigned, [c.batch, c.inChannels] + c.spatial, d.x)
    let w = quantizedConstant(c.wSigned, [c.outChannels, cg] + c.kernel, d.w)
    let xZero = quantizedConstant(c.xSigned, [], [d.xZero])
    let wZero = quantizedConstant(c.wSigned, c.perChannel ? [c.outChannels] : [], d.wZero)
    if c.convInteger {
      return [
        .runtime(x), .constant(w), c.runtimeZeroPoint ? .runtime(xZero) : .constant(xZero),
        .constant(wZero),
      ]
    }
    let ySigned = c.ySigned ?? c.xSigned
    var result: [HarnessInput] = [
      .runtime(x), .constant(KernelHarness.floats([], [d.xScale])), .constant(xZero), .constant(w),
      .constant(KernelHarness.floats(c.perChannel ? [c.outChannels] : [], d.wScales)),
      .constant(wZero),
      .constant(KernelHarness.floats([], [d.yScale])),
      .constant(quantizedConstant(ySigned, [], [d.yZero])),
    ]
    if let bias = d.bias {
      result.append(.constant(Constant(.int32, [c.outChannels], values: bias)))
    }
    return result
  }

  /// Runs `c` on seeded data and compares every output with the reference; returns the kernel.
  @discardableResult
  func check(_ c: Case, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws
    -> IntegerConvolutionKernel?
  {
    var rng = SeededGenerator(seed: seed)
    let data = Self.makeData(c, &rng)
    let result = try KernelHarness.run(
      Self.node(c), opset: 13, Self.inputs(c, data), file: file, line: line)
    let output = result.outputs[0]
    let (outSpatial, _) = Self.outputShape(c)
    let ySigned = c.ySigned ?? c.xSigned
    let dataType: DataType = c.convInteger ? .int32 : (ySigned ? .int8 : .uint8)
    XCTAssertEqual(
      output.type, TensorType(dataType, [c.batch, c.outChannels] + outSpatial), file: file,
      line: line)
    let expected = Self.reference(c, data)
    let actual = integerValues(output)
    XCTAssertEqual(actual.count, expected.count, file: file, line: line)
    for index in 0..<min(actual.count, expected.count) where actual[index] != expected[index] {
      XCTFail(
        "seed " + String(seed) + " " + String(describing: c) + ": element " + String(index) + " is "
          + String(actual[index]) + ", expected " + String(expected[index]), file: file, line: line)
      break
    }
    if !c.convInteger {
      // The data must exercise the requantization, not only the saturation.
      let low = ySigned ? -128 : 0
      let inside = expected.filter { $0 != low && $0 != low + 255 }.count
      XCTAssertGreaterThan(
        inside * 2, expected.count, "mostly saturated outputs", file: file, line: line)
    }
    if case .integerConvolution(let kernel) = result.prepared.kernel { return kernel }
    return nil
  }

  // MARK: Reference comparisons

  func testGeneralConvolutionsAcrossAttributes() throws {
    let cases: [Case] = [
      Case(inChannels: 3, outChannels: 5, spatial: [7, 6], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(
        inChannels: 2, outChannels: 9, spatial: [8, 9], kernel: [3, 2], strides: [2, 3],
        pads: [1, 0, 2, 1]),
      Case(
        inChannels: 4, outChannels: 4, spatial: [9, 9], kernel: [3, 3], dilations: [2, 3],
        pads: [2, 3, 2, 3]),
      Case(
        inChannels: 3, outChannels: 7, spatial: [6, 5], kernel: [2, 2], autoPad: "SAME_UPPER",
        kernelShapeAttribute: true),
      Case(
        inChannels: 3, outChannels: 2, spatial: [7, 7], kernel: [4, 3], strides: [2, 2],
        autoPad: "SAME_LOWER"),
      Case(inChannels: 2, outChannels: 3, spatial: [6, 7], kernel: [3, 3], autoPad: "VALID"),
      Case(
        batch: 2, inChannels: 5, outChannels: 6, spatial: [5, 5], kernel: [3, 3],
        pads: [0, 1, 1, 0]),
      Case(inChannels: 3, outChannels: 4, spatial: [13], kernel: [5], strides: [2], pads: [2, 1]),
      Case(
        inChannels: 2, outChannels: 3, spatial: [4, 5, 4], kernel: [2, 3, 2], strides: [1, 2, 1],
        pads: [1, 1, 0, 0, 1, 1]),
      Case(inChannels: 33, outChannels: 17, spatial: [5, 4], kernel: [3, 3], pads: [1, 1, 1, 1]),
    ]
    var seed: UInt64 = 1
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true), (false, false), (true, false)] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = wSigned
        c.perChannel = seed % 3 != 0
        c.bias = seed % 4 != 1
        c.ySigned = seed % 5 == 2 ? !xSigned : nil
        let kernel = try check(c, seed: seed)
        XCTAssertEqual(kernel?.strategy, .im2col)
        seed += 1
      }
    }
  }

  func testGroupedConvolutions() throws {
    let cases: [Case] = [
      Case(
        inChannels: 4, outChannels: 6, spatial: [6, 7], kernel: [2, 3], strides: [2, 1],
        pads: [0, 1, 1, 0], group: 2),
      Case(
        inChannels: 6, outChannels: 9, spatial: [5, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3
      ),
      Case(batch: 2, inChannels: 8, outChannels: 4, spatial: [4, 6], kernel: [1, 1], group: 4),
    ]
    var seed: UInt64 = 50
    for base in cases {
      for xSigned in [false, true] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = !xSigned
        try check(c, seed: seed)
        seed += 1
      }
    }
  }

  func testDepthwiseConvolutions() throws {
    let cases: [Case] = [
      Case(
        inChannels: 4, outChannels: 4, spatial: [9, 8], kernel: [3, 3], strides: [2, 2],
        pads: [1, 1, 1, 1], group: 4),
      Case(
        inChannels: 3, outChannels: 6, spatial: [7, 7], kernel: [3, 3], dilations: [2, 2],
        pads: [2, 1, 2, 1], group: 3),
      Case(
        batch: 2, inChannels: 5, outChannels: 5, spatial: [6, 19], kernel: [5, 5],
        pads: [2, 2, 2, 2], group: 5),
      Case(
        inChannels: 2, outChannels: 2, spatial: [10, 11], kernel: [3, 4], strides: [1, 3],
        pads: [0, 2, 1, 1], group: 2),
      Case(
        inChannels: 3, outChannels: 3, spatial: [17], kernel: [7], strides: [2],
        autoPad: "SAME_UPPER", group: 3),
      Case(
        inChannels: 2, outChannels: 4, spatial: [3, 4, 5], kernel: [2, 2, 3],
        pads: [1, 0, 1, 0, 1, 1], group: 2),
      Case(inChannels: 4, outChannels: 4, spatial: [5, 5], kernel: [5, 5], group: 4),
    ]
    var seed: UInt64 = 100
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true), (false, false)] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = wSigned
        c.perChannel = seed % 2 == 0
        c.bias = seed % 3 != 0
        let kernel = try check(c, seed: seed)
        XCTAssertEqual(kernel?.strategy, .depthwise)
        seed += 1
      }
    }
  }

  func testPointwiseConvolutions() throws {
    let cases: [Case] = [
      Case(inChannels: 16, outChannels: 9, spatial: [5, 5], kernel: [1, 1]),
      Case(
        batch: 2, inChannels: 3, outChannels: 20, spatial: [7, 3], kernel: [1, 1], bias: false),
      Case(inChannels: 40, outChannels: 8, spatial: [1, 1], kernel: [1, 1]),
      Case(inChannels: 8, outChannels: 5, spatial: [11], kernel: [1]),
    ]
    var seed: UInt64 = 200
    for base in cases {
      for xSigned in [false, true] {
        var c = base
        c.xSigned = xSigned
        let kernel = try check(c, seed: seed)
        XCTAssertEqual(kernel?.strategy, .pointwise)
        seed += 1
      }
    }
    // A 1x1 kernel with a stride or padding gathers its input.
    let strided = try check(
      Case(inChannels: 6, outChannels: 4, spatial: [7, 7], kernel: [1, 1], strides: [2, 2]),
      seed: 210)
    XCTAssertEqual(strided?.strategy, .im2col)
  }

  /// The CPU's dot-product tile (csupport_int8.c, when it has one) and the portable Swift tile give the
  /// same bytes, both equal to the reference: k not a multiple of 4, channels not a multiple of 8,
  /// positions not a multiple of 32, int8 and uint8 activations, pointwise and gathered.
  func testDotProductTileMatchesThePortableKernel() throws {
    let cases: [Case] = [
      Case(inChannels: 37, outChannels: 13, spatial: [7, 9], kernel: [1, 1]),
      Case(inChannels: 64, outChannels: 24, spatial: [8, 8], kernel: [1, 1]),
      Case(batch: 2, inChannels: 5, outChannels: 17, spatial: [9, 11], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(inChannels: 3, outChannels: 8, spatial: [12, 40], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
      Case(inChannels: 8, outChannels: 12, spatial: [6, 10], kernel: [1, 1], group: 2),
      Case(inChannels: 130, outChannels: 9, spatial: [33], kernel: [1]),
    ]
    var seed: UInt64 = 700
    var used = 0
    defer { IntegerConvolutionKernel.allowDotProducts = true }
    for base in cases {
      for xSigned in [false, true] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = true
        c.symmetricWeights = seed % 4 != 3
        var outputs: [[Int]] = []
        for allow in [true, false] {
          IntegerConvolutionKernel.allowDotProducts = allow
          var rng = SeededGenerator(seed: seed)
          let data = Self.makeData(c, &rng)
          let result = try KernelHarness.run(Self.node(c), opset: 13, Self.inputs(c, data))
          outputs.append(integerValues(result.outputs[0]))
          XCTAssertEqual(outputs.last!, Self.reference(c, data), "seed \(seed) dot \(allow)")
          if case .integerConvolution(let kernel) = result.prepared.kernel {
            if allow && kernel.dotWeights != nil { used += 1 }
            if !allow { XCTAssertNil(kernel.dotWeights) }
          }
        }
        XCTAssertEqual(outputs[0], outputs[1], "seed \(seed)")
        seed += 1
      }
    }
    if oq_has_u8s8_dot() == 1 { XCTAssertGreaterThan(used, 6) }
  }

  func testConvIntegerOutputsExactSums() throws {
    let cases: [Case] = [
      Case(inChannels: 2, outChannels: 3, spatial: [5, 5], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(
        inChannels: 4, outChannels: 4, spatial: [6, 6], kernel: [3, 3], strides: [2, 2],
        pads: [1, 1, 1, 1], group: 4),
      Case(inChannels: 8, outChannels: 6, spatial: [4, 4], kernel: [1, 1]),
      Case(inChannels: 4, outChannels: 6, spatial: [6, 5], kernel: [2, 2], group: 2),
    ]
    var seed: UInt64 = 300
    for base in cases {
      for (xSigned, wSigned) in [(false, false), (true, true), (false, true)] {
        for runtimeZeroPoint in [false, true] {
          var c = base
          c.convInteger = true
          c.bias = false
          c.xSigned = xSigned
          c.wSigned = wSigned
          c.perChannel = seed % 2 == 0
          c.runtimeZeroPoint = runtimeZeroPoint
          try check(c, seed: seed)
          seed += 1
        }
      }
    }
  }

  /// ConvInteger's zero points are optional (0).
  func testConvIntegerWithoutZeroPoints() throws {
    var rng = SeededGenerator(seed: 400)
    let x = rng.codes(2 * 16, signed: false)
    let w = rng.codes(3 * 2 * 4, signed: false)
    let node = TestNodes.node("ConvInteger", inputs: ["x", "w"])
    let output = try KernelHarness.run(
      node,
      [
        .runtime(quantizedConstant(false, [1, 2, 4, 4], x)),
        .constant(quantizedConstant(false, [3, 2, 2, 2], w)),
      ]
    ).outputs[0]
    var data = Data(
      x: x, xZero: 0, w: w, wZero: [0], bias: nil, xScale: 1, wScales: [1], yScale: 1, yZero: 0)
    data.bias = nil
    let c = Case(
      inChannels: 2, outChannels: 3, spatial: [4, 4], kernel: [2, 2], xSigned: false,
      wSigned: false,
      perChannel: false, bias: false, convInteger: true)
    XCTAssertEqual(integerValues(output), Self.reference(c, data))
  }

  /// Accumulators far beyond 2^24 (where float32 stops being exact) still requantize exactly.
  func testLargeAccumulatorsRequantizeExactly() throws {
    var c = Case(
      inChannels: 64, outChannels: 3, spatial: [3, 3], kernel: [3, 3], pads: [1, 1, 1, 1])
    c.xSigned = false
    c.wSigned = false
    var rng = SeededGenerator(seed: 500)
    var data = Self.makeData(c, &rng)
    // Extremes with zero points at the other end: |sum| near 64 * 9 * 255 * 255 = 3.7e7 > 2^24.
    data.x = data.x.map { $0 % 2 == 0 ? 255 : 250 }
    data.w = data.w.map { $0 % 2 == 0 ? 255 : 252 }
    data.xZero = 0
    data.wZero = data.wZero.map { _ in 0 }
    data.yScale = data.xScale * data.wScales[0] * 3.0e5
    let result = try KernelHarness.run(Self.node(c), opset: 13, Self.inputs(c, data)).outputs[0]
    XCTAssertEqual(integerValues(result), Self.reference(c, data))
  }

  // MARK: Errors

  static let errorCase = Case(inChannels: 3, outChannels: 4, spatial: [5, 5], kernel: [3, 3])

  func errorInputs(_ change: (inout [HarnessInput]) -> Void) -> [HarnessInput] {
    var rng = SeededGenerator(seed: 9)
    var inputs = Self.inputs(Self.errorCase, Self.makeData(Self.errorCase, &rng))
    change(&inputs)
    return inputs
  }

  func testRuntimeWeightsAreRefusedNamingTheNode() {
    let inputs = errorInputs { inputs in
      if case .constant(let w) = inputs[3] { inputs[3] = .runtime(w) }
    }
    do {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_7"), inputs)
      XCTFail("runtime weights were accepted")
    } catch {
      XCTAssertEqual(error.kind, .unsupported)
      XCTAssertTrue(error.message.contains("QLinearConv node 'conv_7'"), error.message)
      XCTAssertTrue(error.message.contains("weights w"), error.message)
      XCTAssertEqual(error.loadTimeValue, "w")
    }
  }

  func testRuntimeScalesAndZeroPointsAreRefused() {
    for (index, name) in [
      (1, "x_scale"), (2, "x_zero_point"), (4, "w_scale"), (5, "w_zero_point"), (6, "y_scale"),
    ] {
      let inputs = errorInputs { inputs in
        if case .constant(let value) = inputs[index] { inputs[index] = .runtime(value) }
      }
      do {
        _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_8"), inputs)
        XCTFail(name + " at run time was accepted")
      } catch {
        XCTAssertTrue(
          error.message.contains("QLinearConv node 'conv_8'") && error.message.contains(name),
          error.message)
        XCTAssertEqual(error.loadTimeValue, name)
      }
    }
  }

  func testMismatchedZeroPointTypesAreRefused() {
    let inputs = errorInputs { inputs in inputs[2] = .constant(quantizedConstant(true, [], [3])) }
    assertRuntimeError(
      .invalid, ["QLinearConv node 'conv_9'", "x_zero_point is int8 but x is uint8"]
    ) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_9"), inputs)
    }
    let weights = errorInputs { inputs in
      inputs[5] = .constant(quantizedConstant(false, [4], [1, 2, 3, 4]))
    }
    assertRuntimeError(.invalid, ["conv_9", "w_zero_point is uint8 but w is int8"]) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_9"), weights)
    }
  }

  func testWrongScaleShapesAreRefused() {
    let inputs = errorInputs { inputs in
      inputs[4] = .constant(KernelHarness.floats([3], [0.1, 0.1, 0.1]))
    }
    assertRuntimeError(
      .invalid, ["conv_10", "w_scale must be a scalar or 1-D with 4 values", "float32[3]"]
    ) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_10"), inputs)
    }
    let xScale = errorInputs { inputs in
      inputs[1] = .constant(KernelHarness.floats([2], [0.1, 0.1]))
    }
    assertRuntimeError(.invalid, ["conv_10", "x_scale must be a scalar"]) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_10"), xScale)
    }
    let zero = errorInputs { inputs in inputs[5] = .constant(quantizedConstant(true, [2], [0, 0])) }
    assertRuntimeError(.invalid, ["conv_10", "w_zero_point must be a scalar or 1-D with 4 values"]) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_10"), zero)
    }
    let negative = errorInputs { inputs in inputs[6] = .constant(KernelHarness.floats([], [-0.5])) }
    assertRuntimeError(.invalid, ["conv_10", "y_scale must hold positive finite values"]) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_10"), negative)
    }
  }

  func testBadShapesAndTypesAreRefused() {
    let bias = errorInputs { inputs in
      inputs[8] = .constant(Constant(.int32, [3], values: [Int32](repeating: 0, count: 3)))
    }
    let node = Self.node(Self.errorCase, name: "conv_11")
    assertRuntimeError(.invalid, ["conv_11", "bias B must be int32[4]"]) {
      _ = try KernelHarness.run(node, bias)
    }
    let floatInput = errorInputs { inputs in
      inputs[0] = .runtime(KernelHarness.floats([1, 3, 5, 5], [Float](repeating: 0, count: 75)))
    }
    assertRuntimeError(.unsupported, ["conv_11", "x must be uint8 or int8"]) {
      _ = try KernelHarness.run(Self.node(Self.errorCase, name: "conv_11"), floatInput)
    }
    var grouped = Self.errorCase
    grouped.group = 2
    assertRuntimeError(.invalid, ["conv_12", "channels"]) {
      _ = try KernelHarness.run(Self.node(grouped, name: "conv_12"), self.errorInputs { _ in })
    }
  }
}

extension IntegerConvolutionTests.Case {
  /// This case with the given signedness and, from `seed`, the rest of what the sweeps vary: per-channel
  /// or per-tensor weights, bias or not, the output's signedness, and symmetric weights or not.
  func varied(xSigned: Bool, wSigned: Bool, seed: UInt64) -> Self {
    var c = self
    c.xSigned = xSigned
    c.wSigned = wSigned
    c.perChannel = seed % 3 != 0
    c.bias = seed % 4 != 1
    c.ySigned = seed % 5 == 2 ? !xSigned : nil
    c.symmetricWeights = seed % 2 == 0
    return c
  }
}
