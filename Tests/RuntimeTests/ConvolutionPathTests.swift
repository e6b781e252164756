import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// The convolution strategies and their variants (orientation, flat rows, phased planes) and FusedConv's
/// activations, against the naive Double reference of `ConvolutionTests`.
final class ConvolutionPathTests: XCTestCase {
  typealias Case = ConvolutionTests.Case

  /// What the kernel chose, for the cases that pin it down.
  struct Expect {
    var strategy: ConvolutionKernel.Strategy? = nil
    var swapped: Bool? = nil
    var directColumns: Bool? = nil
    /// im2col: output rows per chunk are more than one and the rows are laid out flat (compacted).
    var flatRows: Bool? = nil
    /// depthwise: short rows computed flat (else row by row straight into Y).
    var depthwiseFlat: Bool? = nil
    /// im2col: the product reads the phased planes in place (no col).
    var indirect: Bool? = nil
  }

  /// The reference activation of FusedConv, in Double where it matters.
  static func activate(_ name: String, _ parameters: [Float], _ x: Float) -> Float {
    let v = Double(x)
    switch name {
    case "Relu": return x < 0 ? 0 : x
    case "Clip": return min(max(x, parameters[0]), parameters[1])
    case "LeakyRelu": return x >= 0 ? x : Float(Double(parameters.first ?? 0.01) * v)
    case "HardSigmoid":
      let (alpha, beta) = parameters.count == 2 ? (parameters[0], parameters[1]) : (0.2, 0.5)
      return Float(min(max(Double(alpha) * v + Double(beta), 0), 1))
    case "Sigmoid": return Float(1 / (1 + exp(-v)))
    case "Tanh": return Float(tanh(v))
    case "HardSwish":
      if parameters.isEmpty { return Float(v * min(max(v / 6 + 0.5, 0), 1)) }
      let clipped = min(max(v + Double(parameters[0]), Double(parameters[1])), Double(parameters[2]))
      return Float(v * clipped / Double(parameters[3]))
    default: return x
    }
  }

  /// The variant of a depthwise kernel, for checking that a set of cases covers each.
  static func depthwiseVariant(_ kernel: ConvolutionKernel) -> String {
    var name = kernel.phases.masked ? "masked" : "padded"
    name += kernel.rowsPerChunk == 0 ? " via scratch" : " into Y"
    if kernel.depthwiseGroup > 1 { name += ", channels together" }
    return name
  }

  @discardableResult
  func check(
    _ c: Case, activation: String? = nil, parameters: [Float] = [], seed: UInt64, _ expect: Expect = Expect(),
    file: StaticString = #filePath, line: UInt = #line
  ) -> ConvolutionKernel? {
    var rng = SeededGenerator(seed: seed)
    let xShape = [c.batch, c.inChannels] + c.spatial
    let wShape = [c.outChannels, c.inChannels / c.group] + c.kernel
    let x = rng.floats(xShape.reduce(1, *)).map { $0 * 2 }
    let w = rng.floats(wShape.reduce(1, *))
    let b = c.bias ? rng.floats(c.outChannels) : nil
    var expected = ConvolutionTests.referenceConv(c, x: x, w: w, b: b)
    var attributes = ConvolutionTests.attributes(c, transpose: false)
    var opType = "Conv"
    if let activation = activation {
      expected.values = expected.values.map { Self.activate(activation, parameters, $0) }
      opType = "FusedConv"
      attributes.append(TestNodes.string("activation", activation))
      if !parameters.isEmpty { attributes.append(Attribute(name: "activation_params", value: .floats(parameters))) }
    }
    var node = TestNodes.node(opType, name: "conv", inputs: c.bias ? ["X", "W", "B"] : ["X", "W"], attributes)
    if activation != nil { node.domain = "com.microsoft" }
    var inputs: [HarnessInput] = [
      .runtime(KernelHarness.floats(xShape, x)), .constant(KernelHarness.floats(wShape, w)),
    ]
    if let b = b {
      let bias = KernelHarness.floats([c.outChannels], b)
      inputs.append(c.runtimeBias ? .runtime(bias) : .constant(bias))
    }
    do {
      let result = try KernelHarness.run(node, inputs, file: file, line: line)
      XCTAssertEqual(result.outputs[0].type.shape, expected.shape, "output shape", file: file, line: line)
      assertClose(floatValues(result.outputs[0]), expected.values, rtol: 1e-4, atol: 1e-5, file: file, line: line)
      guard case .convolution(let kernel) = result.prepared.kernel else {
        XCTFail("not a convolution kernel", file: file, line: line)
        return nil
      }
      if let strategy = expect.strategy {
        XCTAssertEqual(kernel.strategy, strategy, "strategy", file: file, line: line)
      }
      if let swapped = expect.swapped { XCTAssertEqual(kernel.swapped, swapped, "swapped", file: file, line: line) }
      if let direct = expect.directColumns {
        XCTAssertEqual(kernel.directColumns, direct, "direct columns", file: file, line: line)
      }
      if let indirect = expect.indirect {
        XCTAssertEqual(kernel.indirectColumns != nil, indirect, "indirect columns", file: file, line: line)
      }
      if let flat = expect.depthwiseFlat {
        XCTAssertEqual(kernel.rowsPerChunk == 0, flat, "depthwise flat rows", file: file, line: line)
      }
      if let flat = expect.flatRows {
        let isFlat = kernel.rowsPerChunk > 1 && kernel.phases.columns != kernel.window.gridW
        XCTAssertEqual(isFlat, flat, "flat rows", file: file, line: line)
      }
      return kernel
    } catch {
      XCTFail(error.message, file: file, line: line)
      return nil
    }
  }

  // MARK: Strategies

  /// Few output positions and many channels: the channels go along the lanes and C is stored transposed.
  /// (The expected orientations hold for both vector widths, 8 and 16 lanes.)
  func testPointwiseOrientation() {
    check(
      Case(inChannels: 128, outChannels: 128, spatial: [6, 6], kernel: [1, 1]), seed: 1,
      Expect(strategy: .pointwise, swapped: true))
    check(
      Case(inChannels: 256, outChannels: 256, spatial: [3, 3], kernel: [1, 1]), seed: 2,
      Expect(strategy: .pointwise, swapped: true))
    check(
      Case(inChannels: 64, outChannels: 64, spatial: [25, 5], kernel: [1, 1]), seed: 3,
      Expect(strategy: .pointwise, swapped: false))
    check(
      Case(inChannels: 64, outChannels: 96, spatial: [2, 3], kernel: [1, 1], bias: false), seed: 4,
      Expect(strategy: .pointwise, swapped: true))
    // A bias known only at run time keeps the channels as rows.
    check(
      Case(inChannels: 32, outChannels: 48, spatial: [3, 3], kernel: [1, 1], runtimeBias: true), seed: 5,
      Expect(strategy: .pointwise, swapped: false))
    check(
      Case(batch: 2, inChannels: 12, outChannels: 40, spatial: [2, 2], kernel: [1, 1], group: 2), seed: 6,
      Expect(strategy: .pointwise))
  }

  /// 1-D convolutions of a few positions (Silero VAD's encoder): swapped im2col, the stride split into phases.
  func testShortSignals() {
    check(
      Case(inChannels: 1, outChannels: 258, spatial: [640], kernel: [256], strides: [128]), seed: 10,
      Expect(strategy: .im2col, swapped: true))
    check(
      Case(inChannels: 129, outChannels: 128, spatial: [4], kernel: [3], pads: [1, 1]), seed: 11,
      Expect(strategy: .im2col, swapped: true))
    check(
      Case(inChannels: 128, outChannels: 64, spatial: [4], kernel: [3], strides: [2], pads: [1, 1]), seed: 12,
      Expect(strategy: .im2col, swapped: true))
    check(
      Case(inChannels: 64, outChannels: 128, spatial: [1], kernel: [3], pads: [1, 1]), seed: 13, Expect(swapped: true))
  }

  /// Narrow rows: several output rows per product, laid out flat with the padded pitch, then compacted.
  func testFlatRows() {
    // kws_dscnn's first layer.
    check(
      Case(inChannels: 1, outChannels: 64, spatial: [49, 10], kernel: [10, 4], strides: [2, 2], pads: [4, 1, 5, 2]),
      seed: 20, Expect(strategy: .im2col, flatRows: true))
    check(
      Case(inChannels: 3, outChannels: 5, spatial: [7, 3], kernel: [3, 3], pads: [1, 1, 1, 1]), seed: 21,
      Expect(flatRows: true))
    check(
      Case(inChannels: 32, outChannels: 128, spatial: [4, 3], kernel: [3, 3], pads: [1, 1, 1, 1]), seed: 22,
      Expect(swapped: true, flatRows: true))
    check(
      Case(inChannels: 2, outChannels: 3, spatial: [9, 2], kernel: [2, 2], dilations: [2, 1], pads: [1, 0, 0, 1]),
      seed: 23, Expect(flatRows: true))
    // Rows of one position.
    check(Case(inChannels: 3, outChannels: 4, spatial: [6, 3], kernel: [3, 3], pads: [1, 0, 1, 0]), seed: 24)
    // Many rows in several chunks.
    check(
      Case(inChannels: 40, outChannels: 8, spatial: [30, 7], kernel: [3, 3], pads: [1, 1, 1, 1]), seed: 25,
      Expect(flatRows: true))
    // Wide rows.
    check(
      Case(inChannels: 3, outChannels: 8, spatial: [10, 96], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
      seed: 26, Expect(indirect: true))
    // Rows as wide as the planes' (no junk columns: a 1-wide kernel), several per product, straight into Y.
    check(
      Case(inChannels: 3, outChannels: 6, spatial: [9, 7], kernel: [3, 1], pads: [1, 0, 1, 0]), seed: 27,
      Expect(flatRows: false, indirect: true))
  }

  /// The product reads col where it is in the phased planes, unless the channels go along the lanes,
  /// the image is 3-D or there is one output channel: then col is gathered.
  func testIndirectColumns() {
    check(
      Case(inChannels: 3, outChannels: 8, spatial: [20, 30], kernel: [3, 3], pads: [1, 1, 1, 1]), seed: 35,
      Expect(swapped: false, indirect: true))
    check(
      Case(
        inChannels: 2, outChannels: 16, spatial: [11, 13], kernel: [5, 3], strides: [2, 1], dilations: [1, 2],
        pads: [2, 2, 2, 2]),
      seed: 36, Expect(indirect: true))
    check(
      Case(inChannels: 36, outChannels: 8, spatial: [16, 40], kernel: [3, 3], pads: [1, 1, 1, 1]), seed: 37,
      Expect(indirect: true))
    check(Case(inChannels: 3, outChannels: 1, spatial: [6, 7], kernel: [3, 3]), seed: 38, Expect(indirect: false))
    check(
      Case(inChannels: 129, outChannels: 128, spatial: [4], kernel: [3], pads: [1, 1]), seed: 39,
      Expect(swapped: true, indirect: false))
    check(
      Case(inChannels: 2, outChannels: 3, spatial: [4, 5, 6], kernel: [2, 3, 3], pads: [1, 1, 1, 0, 1, 1]), seed: 40,
      Expect(indirect: false))
    check(
      Case(
        batch: 2, inChannels: 4, outChannels: 6, spatial: [6, 7], kernel: [3, 3], pads: [1, 1, 1, 1], group: 2,
        runtimeBias: true),
      seed: 41, Expect(indirect: true))
  }

  /// 1x1 kernels with a stride or padding read the phased planes in place.
  func testPointwiseWithStrideOrPadding() {
    check(
      Case(inChannels: 8, outChannels: 16, spatial: [12, 10], kernel: [1, 1], strides: [2, 2]), seed: 30,
      Expect(strategy: .im2col, directColumns: true))
    check(
      Case(inChannels: 5, outChannels: 7, spatial: [9, 40], kernel: [1, 1], strides: [1, 3]), seed: 31,
      Expect(directColumns: true))
    check(
      Case(inChannels: 3, outChannels: 6, spatial: [4, 5], kernel: [1, 1], pads: [1, 2, 0, 1]), seed: 32,
      Expect(directColumns: true))
    check(
      Case(inChannels: 64, outChannels: 128, spatial: [6, 6], kernel: [1, 1], strides: [2, 2]), seed: 33,
      Expect(swapped: true, directColumns: true))
    // 3-D: copied, not read in place.
    check(
      Case(inChannels: 2, outChannels: 3, spatial: [4, 3, 5], kernel: [1, 1, 1], strides: [2, 1, 2]), seed: 34,
      Expect(directColumns: false))
  }

  func testThreeSpatialAxes() {
    check(
      Case(
        inChannels: 3, outChannels: 4, spatial: [4, 5, 6], kernel: [3, 2, 3], strides: [2, 1, 2],
        pads: [1, 0, 1, 1, 1, 0]),
      seed: 40)
    check(
      Case(
        inChannels: 3, outChannels: 3, spatial: [5, 4, 7], kernel: [3, 3, 3], strides: [2, 2, 1], dilations: [1, 1, 2],
        pads: [1, 1, 2, 1, 1, 2], group: 3), seed: 41, Expect(strategy: .depthwise))
  }

  // MARK: Depthwise

  func testDepthwiseShortRows() {
    var seed: UInt64 = 50
    let cases: [Case] = [
      // kws_dscnn and vww_mobilenet shapes.
      Case(inChannels: 64, outChannels: 64, spatial: [25, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 64),
      Case(
        inChannels: 16, outChannels: 16, spatial: [48, 48], kernel: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1],
        group: 16),
      Case(inChannels: 8, outChannels: 8, spatial: [6, 6], kernel: [3, 3], pads: [1, 1, 1, 1], group: 8),
      Case(inChannels: 4, outChannels: 4, spatial: [3, 3], kernel: [3, 3], pads: [1, 1, 1, 1], group: 4),
      Case(
        inChannels: 5, outChannels: 5, spatial: [6, 6], kernel: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], group: 5),
      Case(inChannels: 3, outChannels: 3, spatial: [9, 1], kernel: [3, 1], pads: [1, 0, 1, 0], group: 3),
      Case(inChannels: 2, outChannels: 4, spatial: [7, 11], kernel: [5, 5], pads: [2, 2, 2, 2], group: 2),
      Case(
        inChannels: 3, outChannels: 3, spatial: [9, 13], kernel: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], group: 3),
      Case(
        inChannels: 2, outChannels: 2, spatial: [8, 9], kernel: [3, 3], dilations: [2, 3], pads: [2, 3, 2, 3], group: 2),
      Case(inChannels: 2, outChannels: 2, spatial: [2, 2], kernel: [5, 5], pads: [2, 2, 2, 2], group: 2),
      Case(
        inChannels: 3, outChannels: 3, spatial: [12, 30], kernel: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1], group: 3),
      Case(
        inChannels: 6, outChannels: 6, spatial: [1, 20], kernel: [1, 5], pads: [0, 2, 0, 2], group: 6, bias: false),
      // A plane shorter than a vector, with a channel multiplier (one channel at a time).
      Case(inChannels: 2, outChannels: 4, spatial: [2, 3], kernel: [3, 3], pads: [1, 1, 1, 1], group: 2),
      // Planes of one, two and three vectors (8 or 16 lanes), several channels together.
      Case(inChannels: 13, outChannels: 13, spatial: [3, 3], kernel: [3, 3], pads: [1, 1, 1, 1], group: 13),
      Case(inChannels: 9, outChannels: 9, spatial: [4, 4], kernel: [3, 3], pads: [1, 1, 1, 1], group: 9),
      Case(inChannels: 7, outChannels: 7, spatial: [5, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 7),
      Case(inChannels: 8, outChannels: 8, spatial: [7, 6], kernel: [3, 3], pads: [1, 1, 1, 1], group: 8),
      Case(
        inChannels: 11, outChannels: 11, spatial: [6, 6], kernel: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], group: 11
      ),
      Case(
        inChannels: 7, outChannels: 7, spatial: [8, 8], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 7),
      Case(
        inChannels: 5, outChannels: 5, spatial: [12, 12], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 5),
      Case(
        inChannels: 5, outChannels: 5, spatial: [4, 6], kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], group: 5),
      Case(
        inChannels: 4, outChannels: 4, spatial: [3, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 4, runtimeBias: true),
    ]
    var variants = Set<String>()
    for c in cases {
      if let kernel = check(c, seed: seed, Expect(strategy: .depthwise)) {
        variants.insert(Self.depthwiseVariant(kernel))
      }
      seed += 1
    }
    // Every way of computing short rows is exercised (at this build's vector width).
    for variant in [
      "masked via scratch", "masked into Y", "padded via scratch", "masked via scratch, channels together",
      "padded via scratch, channels together",
    ] {
      XCTAssertTrue(variants.contains(variant), variant + " not covered: " + variants.sorted().joined(separator: "; "))
    }
  }

  func testDepthwiseLongRows() {
    var seed: UInt64 = 70
    let cases: [Case] = [
      Case(
        inChannels: 8, outChannels: 8, spatial: [5, 96], kernel: [5, 5], strides: [2, 1], pads: [2, 2, 2, 2], group: 8),
      Case(inChannels: 4, outChannels: 4, spatial: [2, 96], kernel: [5, 5], pads: [2, 2, 2, 2], group: 4),
      Case(inChannels: 3, outChannels: 3, spatial: [6, 40], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3),
      Case(
        inChannels: 2, outChannels: 2, spatial: [4, 70], kernel: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1], group: 2),
      Case(
        inChannels: 2, outChannels: 6, spatial: [3, 33], kernel: [3, 7], dilations: [1, 2], pads: [1, 6, 1, 6], group: 2
      ),
      Case(
        inChannels: 2, outChannels: 2, spatial: [9, 200], kernel: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], group: 2),
      Case(
        batch: 2, inChannels: 3, outChannels: 3, spatial: [4, 64], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3,
        runtimeBias: true),
    ]
    for c in cases {
      if let kernel = check(c, seed: seed, Expect(strategy: .depthwise, depthwiseFlat: false)) {
        XCTAssertEqual(Self.depthwiseVariant(kernel), "padded into Y")
      }
      seed += 1
    }
  }

  // MARK: FusedConv

  static let activations: [(String, [Float])] = [
    ("Relu", []), ("Clip", [-0.25, 0.5]), ("Clip", [0, 6]), ("LeakyRelu", [0.2]), ("HardSigmoid", [0.3, 0.4]),
    ("Sigmoid", []), ("Tanh", []), ("HardSwish", []), ("HardSwish", [3, 0, 6, 6]),
  ]

  /// Every activation through every strategy and variant: each applies it in its own output loop.
  func testFusedActivationsInEveryStrategy() {
    let cases: [(Case, Expect)] = [
      (
        Case(inChannels: 8, outChannels: 16, spatial: [6, 9], kernel: [1, 1]),
        Expect(strategy: .pointwise, swapped: false)
      ),
      (
        Case(inChannels: 40, outChannels: 32, spatial: [3, 3], kernel: [1, 1]),
        Expect(strategy: .pointwise, swapped: true)
      ),
      (
        Case(inChannels: 20, outChannels: 5, spatial: [1, 1], kernel: [1, 1]),
        Expect(strategy: .pointwise, swapped: true)
      ),
      (
        Case(inChannels: 3, outChannels: 8, spatial: [12, 80], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
        Expect(strategy: .im2col, swapped: false, indirect: true)
      ),
      (
        Case(inChannels: 2, outChannels: 7, spatial: [9, 5], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Expect(strategy: .im2col, flatRows: true)
      ),
      (
        Case(inChannels: 20, outChannels: 40, spatial: [4], kernel: [3], pads: [1, 1]),
        Expect(strategy: .im2col, swapped: true)
      ),
      (
        Case(inChannels: 4, outChannels: 6, spatial: [8, 6], kernel: [1, 1], strides: [2, 2]),
        Expect(strategy: .im2col, directColumns: true)
      ),
      (
        Case(inChannels: 6, outChannels: 6, spatial: [7, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 6),
        Expect(strategy: .depthwise)
      ),
      (
        Case(inChannels: 4, outChannels: 4, spatial: [3, 50], kernel: [5, 5], pads: [2, 2, 2, 2], group: 4),
        Expect(strategy: .depthwise)
      ),
      (Case(inChannels: 4, outChannels: 6, spatial: [6, 7], kernel: [3, 3], pads: [1, 1, 1, 1], group: 2), Expect()),
      // Past one K block (40 * 9 = 360): the activation goes on the sum of both blocks.
      (Case(inChannels: 40, outChannels: 20, spatial: [4, 5], kernel: [3, 3], pads: [1, 1, 1, 1]), Expect()),
      (Case(inChannels: 300, outChannels: 20, spatial: [3, 3], kernel: [1, 1]), Expect(strategy: .pointwise)),
    ]
    var seed: UInt64 = 100
    for (c, expect) in cases {
      for (name, parameters) in Self.activations {
        check(c, activation: name, parameters: parameters, seed: seed, expect)
        seed += 1
      }
    }
    // Without a bias, and with one known only at run time.
    check(
      Case(inChannels: 3, outChannels: 4, spatial: [5, 5], kernel: [3, 3], bias: false), activation: "Relu", seed: 300)
    check(
      Case(inChannels: 3, outChannels: 20, spatial: [2, 2], kernel: [1, 1], runtimeBias: true), activation: "Clip",
      parameters: [0, 6], seed: 301)
  }

  func testFusedConvDefaultsAndRefusals() {
    // LeakyRelu and HardSigmoid take ONNX's defaults without parameters; no activation is the identity.
    check(Case(inChannels: 2, outChannels: 3, spatial: [4, 4], kernel: [3, 3]), activation: "LeakyRelu", seed: 400)
    var rng = SeededGenerator(seed: 401)
    let x = KernelHarness.floats([1, 2, 4, 4], rng.floats(32))
    let w = KernelHarness.floats([3, 2, 3, 3], rng.floats(54))
    func fused(_ attributes: [Attribute], _ inputs: [String] = ["X", "W"]) -> Node {
      var node = TestNodes.node("FusedConv", name: "fc", inputs: inputs, attributes)
      node.domain = "com.microsoft"
      return node
    }
    do {
      let plain = try KernelHarness.run(TestNodes.node("Conv", inputs: ["X", "W"]), [.runtime(x), .constant(w)])
      let identity = try KernelHarness.run(fused([]), [.runtime(x), .constant(w)])
      XCTAssertEqual(floatValues(identity.outputs[0]), floatValues(plain.outputs[0]))
      let leaky = try KernelHarness.run(
        fused([TestNodes.string("activation", "LeakyRelu")]), [.runtime(x), .constant(w)])
      let expected = floatValues(plain.outputs[0]).map { $0 >= 0 ? $0 : 0.01 * $0 }
      XCTAssertEqual(floatValues(leaky.outputs[0]), expected)
    } catch {
      XCTFail(error.message)
    }
    assertRuntimeError(.unsupported, ["FusedConv node 'fc'", "Z"]) {
      _ = try KernelHarness.run(
        fused([TestNodes.string("activation", "Relu")], ["X", "W", "", "Z"]),
        [
          .runtime(x), .constant(w), .omitted,
          .runtime(KernelHarness.floats([1, 3, 2, 2], [Float](repeating: 0, count: 12))),
        ])
    }
    assertRuntimeError(.unsupported, ["FusedConv node 'fc'", "Softplus"]) {
      _ = try KernelHarness.run(fused([TestNodes.string("activation", "Softplus")]), [.runtime(x), .constant(w)])
    }
    assertRuntimeError(.unsupported, ["FusedConv node 'fc'", "Clip"]) {
      _ = try KernelHarness.run(
        fused([TestNodes.string("activation", "Clip"), Attribute(name: "activation_params", value: .floats([1]))]),
        [.runtime(x), .constant(w)])
    }
  }
}
