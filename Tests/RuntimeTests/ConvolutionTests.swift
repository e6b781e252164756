import ONNXFormat
import XCTest

@testable import Runtime

/// Conv and ConvTranspose against naive Double loops written from the ONNX definitions.
final class ConvolutionTests: XCTestCase {
  /// One convolution to run: shapes, attributes (nil = attribute absent) and inputs.
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
    var bias = true
    var runtimeBias = false
    var kernelShapeAttribute = false
    // ConvTranspose only
    var outputPadding: [Int]? = nil
    var outputShape: [Int]? = nil
  }

  // MARK: Reference

  /// Output spatial sizes and begin pads of a Conv, from the ONNX rules.
  static func convShape(_ c: Case) -> (out: [Int], begin: [Int]) {
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

  /// Output spatial sizes and begin pads of a ConvTranspose, from the ONNX rules.
  static func transposeShape(_ c: Case) -> (out: [Int], begin: [Int]) {
    var out: [Int] = []
    var begin: [Int] = []
    let rank = c.spatial.count
    for axis in 0..<rank {
      let s = c.strides?[axis] ?? 1
      let d = c.dilations?[axis] ?? 1
      let natural = s * (c.spatial[axis] - 1) + (c.outputPadding?[axis] ?? 0) + (c.kernel[axis] - 1) * d + 1
      if let shape = c.outputShape {
        let total = natural - shape[axis]
        let half = Int((Double(total) / 2).rounded(.down))
        out.append(shape[axis])
        begin.append(c.autoPad == "SAME_UPPER" ? half : total - half)
      } else if c.autoPad == "SAME_UPPER" || c.autoPad == "SAME_LOWER" {
        let o = c.spatial[axis] * s
        let total = natural - o
        let half = Int((Double(total) / 2).rounded(.down))
        out.append(o)
        begin.append(c.autoPad == "SAME_UPPER" ? half : total - half)
      } else if c.autoPad == "VALID" {
        out.append(natural)
        begin.append(0)
      } else {
        let b = c.pads?[axis] ?? 0
        let e = c.pads?[axis + rank] ?? 0
        out.append(natural - b - e)
        begin.append(b)
      }
    }
    return (out, begin)
  }

  /// Row-major offsets of an N-D index.
  static func offset(_ index: [Int], _ shape: [Int]) -> Int {
    var result = 0
    for axis in 0..<shape.count { result = result * shape[axis] + index[axis] }
    return result
  }

  /// Every index of `shape` in row-major order.
  static func indices(_ shape: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for dim in shape { result = result.flatMap { prefix in (0..<dim).map { prefix + [$0] } } }
    return result
  }

  static func referenceConv(_ c: Case, x: [Float], w: [Float], b: [Float]?) -> (shape: [Int], values: [Float]) {
    let (out, begin) = convShape(c)
    let cg = c.inChannels / c.group
    let mg = c.outChannels / c.group
    let shape = [c.batch, c.outChannels] + out
    var y = [Float](repeating: 0, count: shape.reduce(1, *))
    let kernelIndices = indices(c.kernel)
    for n in 0..<c.batch {
      for m in 0..<c.outChannels {
        let g = m / mg
        for position in indices(out) {
          var sum = Double(b?[m] ?? 0)
          for ci in 0..<cg {
            for tap in kernelIndices {
              var source: [Int] = []
              var inside = true
              for axis in 0..<out.count {
                let i = position[axis] * (c.strides?[axis] ?? 1) - begin[axis] + tap[axis] * (c.dilations?[axis] ?? 1)
                if i < 0 || i >= c.spatial[axis] { inside = false }
                source.append(i)
              }
              if !inside { continue }
              let xv = x[offset([n, g * cg + ci] + source, [c.batch, c.inChannels] + c.spatial)]
              let wv = w[offset([m, ci] + tap, [c.outChannels, cg] + c.kernel)]
              sum += Double(xv) * Double(wv)
            }
          }
          y[offset([n, m] + position, shape)] = Float(sum)
        }
      }
    }
    return (shape, y)
  }

  static func referenceTranspose(_ c: Case, x: [Float], w: [Float], b: [Float]?) -> (shape: [Int], values: [Float]) {
    let (out, begin) = transposeShape(c)
    let cg = c.inChannels / c.group
    let mg = c.outChannels / c.group
    let shape = [c.batch, c.outChannels] + out
    var y = [Double](repeating: 0, count: shape.reduce(1, *))
    for n in 0..<c.batch {
      for m in 0..<c.outChannels {
        for position in indices(out) { y[offset([n, m] + position, shape)] = Double(b?[m] ?? 0) }
      }
    }
    let kernelIndices = indices(c.kernel)
    for n in 0..<c.batch {
      for ci in 0..<c.inChannels {
        let g = ci / cg
        for position in indices(c.spatial) {
          let xv = Double(x[offset([n, ci] + position, [c.batch, c.inChannels] + c.spatial)])
          for mm in 0..<mg {
            for tap in kernelIndices {
              var target: [Int] = []
              var inside = true
              for axis in 0..<out.count {
                let o = position[axis] * (c.strides?[axis] ?? 1) - begin[axis] + tap[axis] * (c.dilations?[axis] ?? 1)
                if o < 0 || o >= out[axis] { inside = false }
                target.append(o)
              }
              if !inside { continue }
              let wv = Double(w[offset([ci, mm] + tap, [c.inChannels, mg] + c.kernel)])
              y[offset([n, g * mg + mm] + target, shape)] += xv * wv
            }
          }
        }
      }
    }
    return (shape, y.map { Float($0) })
  }

  // MARK: Running

  static func attributes(_ c: Case, transpose: Bool) -> [Attribute] {
    var result: [Attribute] = []
    if let v = c.strides { result.append(TestNodes.ints("strides", v)) }
    if let v = c.dilations { result.append(TestNodes.ints("dilations", v)) }
    if let v = c.pads { result.append(TestNodes.ints("pads", v)) }
    if let v = c.autoPad { result.append(TestNodes.string("auto_pad", v)) }
    if c.group != 1 { result.append(TestNodes.int("group", c.group)) }
    if c.kernelShapeAttribute { result.append(TestNodes.ints("kernel_shape", c.kernel)) }
    if transpose {
      if let v = c.outputPadding { result.append(TestNodes.ints("output_padding", v)) }
      if let v = c.outputShape { result.append(TestNodes.ints("output_shape", v)) }
    }
    return result
  }

  func check(
    _ c: Case, transpose: Bool = false, seed: UInt64, strategy: ConvolutionKernel.Strategy? = nil, swapped: Bool? = nil,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    var rng = SeededGenerator(seed: seed)
    let xShape = [c.batch, c.inChannels] + c.spatial
    let wShape =
      transpose
      ? [c.inChannels, c.outChannels / c.group] + c.kernel : [c.outChannels, c.inChannels / c.group] + c.kernel
    let x = rng.floats(xShape.reduce(1, *))
    let w = rng.floats(wShape.reduce(1, *))
    let b = c.bias ? rng.floats(c.outChannels) : nil
    let expected = transpose ? Self.referenceTranspose(c, x: x, w: w, b: b) : Self.referenceConv(c, x: x, w: w, b: b)
    let node = TestNodes.node(
      transpose ? "ConvTranspose" : "Conv", name: "conv", inputs: c.bias ? ["X", "W", "B"] : ["X", "W"],
      Self.attributes(c, transpose: transpose))
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
        return XCTFail("not a convolution kernel", file: file, line: line)
      }
      if let strategy = strategy { XCTAssertEqual(kernel.strategy, strategy, "strategy", file: file, line: line) }
      if let swapped = swapped { XCTAssertEqual(kernel.swapped, swapped, "swapped", file: file, line: line) }
    } catch {
      XCTFail(error.message, file: file, line: line)
    }
  }

  // MARK: Conv

  func testStrategies() {
    check(
      Case(inChannels: 8, outChannels: 16, spatial: [6, 9], kernel: [1, 1]), seed: 900, strategy: .pointwise,
      swapped: false)
    check(
      Case(inChannels: 8, outChannels: 16, spatial: [1, 1], kernel: [1, 1]), seed: 901, strategy: .pointwise,
      swapped: true)
    check(
      Case(inChannels: 3, outChannels: 8, spatial: [6, 9], kernel: [3, 3]), seed: 902, strategy: .im2col, swapped: false
    )
    check(
      Case(inChannels: 3, outChannels: 8, spatial: [3, 3], kernel: [3, 3]), seed: 903, strategy: .im2col, swapped: true)
    check(
      Case(inChannels: 8, outChannels: 8, spatial: [6, 9], kernel: [3, 3], pads: [1, 1, 1, 1], group: 8), seed: 904,
      strategy: .depthwise)
    check(
      Case(inChannels: 4, outChannels: 4, spatial: [6, 9], kernel: [3, 3], group: 2), seed: 905, strategy: .im2col)
    check(
      Case(inChannels: 4, outChannels: 4, spatial: [6, 9], kernel: [3, 3]), transpose: true, seed: 906,
      strategy: .transpose)
    // Scratch is the padded input (one plane per channel here, stride 1) plus an im2col buffer that stays
    // within its budget however large the image.
    do {
      let x = KernelHarness.floats([1, 8, 100, 120], [Float](repeating: 0.5, count: 96_000))
      let w = KernelHarness.floats([4, 8, 3, 3], [Float](repeating: 0.25, count: 288))
      let node = TestNodes.node("Conv", inputs: ["X", "W"], [TestNodes.ints("pads", [1, 1, 1, 1])])
      let result = try KernelHarness.run(node, [.runtime(x), .constant(w)])
      let planes = 8 * (102 * 122 + 2 * FloatGemm.nr)
      XCTAssertLessThanOrEqual(
        result.prepared.scratchBytes, (planes + ConvolutionOps.im2colBudget + 72 * FloatGemm.nr) * 4)
      XCTAssertEqual(floatValues(result.outputs[0])[121], 9)  // an interior position: 8 * 9 * 0.5 * 0.25
    } catch {
      XCTFail(error.message)
    }
  }

  func testPointwise() {
    check(Case(inChannels: 7, outChannels: 17, spatial: [5, 9], kernel: [1, 1]), seed: 1)
    check(Case(inChannels: 8, outChannels: 24, spatial: [12, 16], kernel: [1, 1], bias: false), seed: 2)
    check(Case(inChannels: 33, outChannels: 13, spatial: [2, 3], kernel: [1, 1]), seed: 3)  // fewer positions than lanes
    check(Case(inChannels: 33, outChannels: 17, spatial: [1, 1], kernel: [1, 1]), seed: 4)  // one position: swapped
    check(Case(inChannels: 20, outChannels: 5, spatial: [1, 1], kernel: [1, 1], bias: false), seed: 5)
    check(Case(inChannels: 6, outChannels: 10, spatial: [3, 7], kernel: [1, 1], group: 2), seed: 6)
    check(Case(batch: 2, inChannels: 3, outChannels: 4, spatial: [4, 5], kernel: [1, 1], runtimeBias: true), seed: 7)
    check(Case(inChannels: 16, outChannels: 8, spatial: [1, 1], kernel: [1, 1], runtimeBias: true), seed: 8)
    check(Case(inChannels: 4, outChannels: 6, spatial: [9], kernel: [1]), seed: 9)
  }

  func testGeneralKernels() {
    var seed: UInt64 = 100
    let cases: [Case] = [
      Case(inChannels: 3, outChannels: 8, spatial: [12, 20], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
      Case(inChannels: 4, outChannels: 7, spatial: [9, 11], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(inChannels: 5, outChannels: 6, spatial: [10, 9], kernel: [3, 3], dilations: [2, 2], pads: [2, 1, 0, 2]),
      Case(inChannels: 2, outChannels: 9, spatial: [11, 13], kernel: [5, 5], strides: [2, 1], pads: [2, 2, 2, 2]),
      Case(
        inChannels: 3, outChannels: 5, spatial: [14, 6], kernel: [7, 1], pads: [3, 0, 3, 0], kernelShapeAttribute: true),
      Case(inChannels: 4, outChannels: 4, spatial: [8, 8], kernel: [3, 3], strides: [2, 2], dilations: [2, 1]),
      Case(inChannels: 4, outChannels: 6, spatial: [7, 9], kernel: [3, 3], pads: [0, 1, 2, 0], group: 2),
      Case(inChannels: 6, outChannels: 9, spatial: [6, 7], kernel: [3, 2], strides: [1, 2], group: 3, bias: false),
      Case(inChannels: 3, outChannels: 10, spatial: [3, 3], kernel: [3, 3]),  // one output position: swapped
      Case(inChannels: 2, outChannels: 3, spatial: [5, 5], kernel: [1, 1], strides: [2, 2]),  // strided 1x1
      Case(inChannels: 2, outChannels: 3, spatial: [4, 5], kernel: [1, 1], pads: [1, 0, 0, 1]),  // padded 1x1
      Case(
        batch: 2, inChannels: 3, outChannels: 5, spatial: [6, 6], kernel: [3, 3], pads: [1, 1, 1, 1], runtimeBias: true),
      // Past one K block (40 * 9 = 360).
      Case(inChannels: 40, outChannels: 20, spatial: [4, 5], kernel: [3, 3], pads: [1, 1, 1, 1]),
      // Many output rows: the im2col buffer is filled in several chunks.
      Case(inChannels: 4, outChannels: 8, spatial: [24, 90], kernel: [3, 3], pads: [1, 1, 1, 1]),
    ]
    for c in cases {
      check(c, seed: seed)
      seed += 1
    }
  }

  func testAutoPad() {
    var seed: UInt64 = 200
    for autoPad in ["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET"] {
      for (spatial, kernel, strides, dilations) in [
        ([7, 8], [3, 3], [1, 1], [1, 1]), ([7, 8], [3, 4], [2, 2], [1, 1]), ([9, 10], [3, 3], [2, 3], [2, 1]),
        ([5, 6], [1, 1], [2, 2], [1, 1]), ([6, 5], [2, 2], [1, 1], [1, 1]),
      ] {
        for group in [1, 3] {
          check(
            Case(
              inChannels: 3, outChannels: 6, spatial: spatial, kernel: kernel, strides: strides, dilations: dilations,
              autoPad: autoPad, group: group), seed: seed)
          seed += 1
        }
      }
    }
  }

  func testDepthwise() {
    var seed: UInt64 = 300
    let cases: [Case] = [
      Case(
        inChannels: 8, outChannels: 8, spatial: [24, 40], kernel: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1], group: 8),
      Case(inChannels: 5, outChannels: 5, spatial: [6, 37], kernel: [5, 5], pads: [2, 2, 2, 2], group: 5),
      Case(
        inChannels: 4, outChannels: 4, spatial: [9, 9], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 4),
      Case(
        inChannels: 3, outChannels: 3, spatial: [7, 30], kernel: [3, 3], dilations: [2, 2], pads: [2, 1, 0, 3], group: 3
      ),
      Case(inChannels: 3, outChannels: 6, spatial: [5, 20], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3),  // multiplier 2
      Case(inChannels: 4, outChannels: 4, spatial: [3, 3], kernel: [3, 3], group: 4, bias: false),
      Case(inChannels: 2, outChannels: 2, spatial: [4, 4], kernel: [5, 5], pads: [2, 2, 2, 2], group: 2),  // kernel wider than the image
      Case(inChannels: 6, outChannels: 6, spatial: [2, 96], kernel: [5, 5], pads: [2, 2, 2, 2], group: 6),
      Case(inChannels: 4, outChannels: 4, spatial: [33], kernel: [3], pads: [1, 1], group: 4),
      Case(inChannels: 3, outChannels: 3, spatial: [8, 11], kernel: [3, 3], autoPad: "SAME_UPPER", group: 3),
      Case(
        inChannels: 3, outChannels: 3, spatial: [8, 11], kernel: [3, 3], strides: [2, 2], autoPad: "SAME_LOWER",
        group: 3),
      Case(
        batch: 2, inChannels: 3, outChannels: 3, spatial: [5, 17], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3,
        runtimeBias: true),
      Case(
        inChannels: 2, outChannels: 2, spatial: [5, 50], kernel: [3, 3], strides: [1, 3], dilations: [1, 2],
        pads: [1, 2, 1, 0], group: 2),
      Case(inChannels: 2, outChannels: 4, spatial: [3, 33], kernel: [1, 3], pads: [0, 1, 0, 1], group: 2),
      Case(inChannels: 3, outChannels: 3, spatial: [4, 16], kernel: [3, 3], pads: [1, 1, 1, 1], group: 3),
      Case(
        inChannels: 3, outChannels: 3, spatial: [4, 64], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 3),
    ]
    for c in cases {
      check(c, seed: seed)
      seed += 1
    }
  }

  func testOneAndThreeSpatialAxes() {
    check(Case(inChannels: 3, outChannels: 4, spatial: [17], kernel: [3], strides: [2], pads: [1, 2]), seed: 400)
    check(
      Case(inChannels: 2, outChannels: 5, spatial: [20], kernel: [5], dilations: [3], autoPad: "SAME_UPPER"), seed: 401)
    check(
      Case(inChannels: 2, outChannels: 3, spatial: [4, 5, 6], kernel: [2, 3, 3], pads: [1, 1, 1, 0, 1, 1]), seed: 402)
    check(
      Case(
        inChannels: 4, outChannels: 4, spatial: [3, 4, 10], kernel: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1], group: 4),
      seed: 403)
    check(Case(inChannels: 3, outChannels: 2, spatial: [3, 4, 5], kernel: [1, 1, 1]), seed: 404)
  }

  // MARK: ConvTranspose

  func testTranspose() {
    var seed: UInt64 = 500
    let cases: [Case] = [
      Case(
        inChannels: 4, outChannels: 3, spatial: [5, 6], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1],
        outputPadding: [1, 1]),
      Case(inChannels: 3, outChannels: 5, spatial: [4, 4], kernel: [3, 3]),
      Case(inChannels: 4, outChannels: 6, spatial: [5, 3], kernel: [3, 2], strides: [2, 3], group: 2),
      Case(
        inChannels: 6, outChannels: 3, spatial: [4, 5], kernel: [3, 3], strides: [2, 1], pads: [1, 0, 2, 1], group: 3,
        outputPadding: [1, 0]),
      Case(
        inChannels: 2, outChannels: 3, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], dilations: [2, 2],
        outputPadding: [1, 0]),
      Case(inChannels: 2, outChannels: 2, spatial: [3, 4], kernel: [1, 1], bias: false),
      Case(inChannels: 5, outChannels: 7, spatial: [9], kernel: [4], strides: [3], pads: [1, 2]),
      Case(inChannels: 2, outChannels: 3, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], outputShape: [8, 10]),
      Case(
        inChannels: 2, outChannels: 3, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], autoPad: "SAME_UPPER",
        outputShape: [9, 11]),
      Case(inChannels: 2, outChannels: 3, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], outputShape: [12, 13]),
      Case(inChannels: 3, outChannels: 2, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], autoPad: "SAME_UPPER"),
      Case(inChannels: 3, outChannels: 2, spatial: [4, 5], kernel: [4, 3], strides: [2, 2], autoPad: "SAME_LOWER"),
      Case(inChannels: 3, outChannels: 2, spatial: [4, 5], kernel: [3, 3], strides: [2, 2], autoPad: "VALID"),
      Case(
        batch: 2, inChannels: 3, outChannels: 4, spatial: [3, 3], kernel: [2, 2], strides: [2, 2], runtimeBias: true),
      Case(
        inChannels: 2, outChannels: 2, spatial: [2, 3, 3], kernel: [2, 2, 3], strides: [2, 1, 2],
        pads: [0, 1, 1, 1, 0, 1]),
      Case(
        inChannels: 40, outChannels: 8, spatial: [2, 3], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 2),
      // col in several chunks of input rows (8 * 9 * 30 floats per row), including a last short one.
      Case(inChannels: 3, outChannels: 8, spatial: [17, 30], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
      Case(inChannels: 2, outChannels: 64, spatial: [9, 5], kernel: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1]),
    ]
    for c in cases {
      check(c, transpose: true, seed: seed)
      seed += 1
    }
  }

  // MARK: Goldens (onnxruntime 1.32)

  /// X[i] = (i % 11 - 5) / 4, W[i] = (i % 7 - 3) / 8, B[i] = i / 2: exact in float32.
  static func pattern(_ count: Int, _ modulus: Int, _ center: Int, _ scale: Float) -> [Float] {
    (0..<count).map { Float($0 % modulus - center) * scale }
  }

  func runGolden(
    _ opType: String, x: [Int], w: [Int], bias: Int?, _ attributes: [Attribute], file: StaticString = #filePath,
    line: UInt = #line
  ) throws(RuntimeError) -> KernelHarness.Result {
    var inputs: [HarnessInput] = [
      .runtime(KernelHarness.floats(x, Self.pattern(x.reduce(1, *), 11, 5, 0.25))),
      .constant(KernelHarness.floats(w, Self.pattern(w.reduce(1, *), 7, 3, 0.125))),
    ]
    if let bias = bias { inputs.append(.constant(KernelHarness.floats([bias], (0..<bias).map { Float($0) / 2 }))) }
    let node = TestNodes.node(opType, name: "golden", inputs: bias == nil ? ["X", "W"] : ["X", "W", "B"], attributes)
    return try KernelHarness.run(node, inputs, file: file, line: line)
  }

  func testGoldenSameLowerEvenKernel() throws {
    // Conv X[1,2,5,6] W[3,2,3,4] B[3], auto_pad SAME_LOWER, strides [2,2]: odd padding on W goes first.
    let result = try runGolden(
      "Conv", x: [1, 2, 5, 6], w: [3, 2, 3, 4], bias: 3,
      [TestNodes.string("auto_pad", "SAME_LOWER"), TestNodes.ints("strides", [2, 2])])
    XCTAssertEqual(result.outputs[0].type.shape, [1, 3, 3, 3])
    assertClose(floatValues(result.outputs[0]), ConvolutionGoldens.sameLowerEvenKernel, rtol: 1e-5, atol: 1e-5)
  }

  func testGoldenDepthwiseStrided() throws {
    // Conv X[1,4,6,9] W[4,1,5,5] B[4], group 4, strides [2,1], pads [2,2,2,2] (the model's depthwise shape).
    let result = try runGolden(
      "Conv", x: [1, 4, 6, 9], w: [4, 1, 5, 5], bias: 4,
      [TestNodes.int("group", 4), TestNodes.ints("strides", [2, 1]), TestNodes.ints("pads", [2, 2, 2, 2])])
    XCTAssertEqual(result.outputs[0].type.shape, [1, 4, 3, 9])
    assertClose(floatValues(result.outputs[0]), ConvolutionGoldens.depthwiseStrided, rtol: 1e-5, atol: 1e-5)
  }

  func testGoldenTransposeOutputPadding() throws {
    // ConvTranspose X[1,4,3,4] W[4,3,3,3] B[6], group 2, strides [2,2], pads [1,0,1,1], output_padding [1,1].
    let result = try runGolden(
      "ConvTranspose", x: [1, 4, 3, 4], w: [4, 3, 3, 3], bias: 6,
      [
        TestNodes.int("group", 2), TestNodes.ints("strides", [2, 2]), TestNodes.ints("pads", [1, 0, 1, 1]),
        TestNodes.ints("output_padding", [1, 1]),
      ])
    XCTAssertEqual(result.outputs[0].type.shape, [1, 6, 6, 9])
    assertClose(floatValues(result.outputs[0]), ConvolutionGoldens.transposeOutputPadding, rtol: 1e-5, atol: 1e-5)
  }

  func testGoldenTransposeOutputShape() throws {
    // ConvTranspose X[1,2,4,5] W[2,3,3,3], strides [2,2], output_shape [8,10]: one row and one column of
    // padding are needed, and NOTSET puts the odd one at the beginning.
    let result = try runGolden(
      "ConvTranspose", x: [1, 2, 4, 5], w: [2, 3, 3, 3], bias: nil,
      [TestNodes.ints("strides", [2, 2]), TestNodes.ints("output_shape", [8, 10])])
    XCTAssertEqual(result.outputs[0].type.shape, [1, 3, 8, 10])
    assertClose(floatValues(result.outputs[0]), ConvolutionGoldens.transposeOutputShape, rtol: 1e-5, atol: 1e-5)
  }

  // MARK: Errors

  func testErrorsNameTheNode() {
    let x = KernelHarness.floats([1, 4, 5, 5], [Float](repeating: 1, count: 100))
    let w = KernelHarness.floats([2, 3, 3, 3], [Float](repeating: 1, count: 54))
    let conv = TestNodes.node("Conv", name: "stem", inputs: ["X", "W"])
    assertRuntimeError(.invalid, ["Conv node 'stem'", "4 channels"]) {
      _ = try KernelHarness.run(conv, [.runtime(x), .constant(w)])
    }
    let w4 = KernelHarness.floats([2, 4, 3, 3], [Float](repeating: 1, count: 72))
    assertRuntimeError(.unsupported, ["Conv node 'stem'", "must be known when the model is loaded"]) {
      _ = try KernelHarness.run(conv, [.runtime(x), .runtime(w4)])
    }
    let transpose = TestNodes.node("ConvTranspose", name: "up", inputs: ["X", "W"])
    assertRuntimeError(.unsupported, ["ConvTranspose node 'up'", "must be known when the model is loaded"]) {
      _ = try KernelHarness.run(
        transpose, [.runtime(x), .runtime(KernelHarness.floats([4, 2, 3, 3], [Float](repeating: 1, count: 72)))])
    }
    assertRuntimeError(.invalid, ["ConvTranspose node 'up'", "channels"]) {
      _ = try KernelHarness.run(
        transpose, [.runtime(x), .constant(KernelHarness.floats([3, 2, 3, 3], [Float](repeating: 1, count: 54)))])
    }
    let grouped = TestNodes.node("Conv", name: "g", inputs: ["X", "W"], [TestNodes.int("group", 3)])
    assertRuntimeError(.invalid, ["Conv node 'g'"]) {
      _ = try KernelHarness.run(grouped, [.runtime(x), .constant(w4)])
    }
    let badPad = TestNodes.node("Conv", name: "p", inputs: ["X", "W"], [TestNodes.string("auto_pad", "SAME")])
    assertRuntimeError(.invalid, ["Conv node 'p'", "auto_pad"]) {
      _ = try KernelHarness.run(badPad, [.runtime(x), .constant(w4)])
    }
    let badKernel = TestNodes.node("Conv", name: "k", inputs: ["X", "W"], [TestNodes.ints("kernel_shape", [5, 5])])
    assertRuntimeError(.invalid, ["Conv node 'k'", "kernel_shape"]) {
      _ = try KernelHarness.run(badKernel, [.runtime(x), .constant(w4)])
    }
    let badStrides = TestNodes.node("Conv", name: "s", inputs: ["X", "W"], [TestNodes.ints("strides", [1, 1, 1])])
    assertRuntimeError(.invalid, ["Conv node 's'", "strides"]) {
      _ = try KernelHarness.run(badStrides, [.runtime(x), .constant(w4)])
    }
    let withBias = TestNodes.node("Conv", name: "b", inputs: ["X", "W", "B"])
    assertRuntimeError(.invalid, ["Conv node 'b'", "bias"]) {
      _ = try KernelHarness.run(
        withBias, [.runtime(x), .constant(w4), .constant(KernelHarness.floats([3], [1, 2, 3]))])
    }
    let big = KernelHarness.floats([2, 4, 7, 7], [Float](repeating: 1, count: 392))
    assertRuntimeError(.invalid, ["Conv node 'stem'", "larger than"]) {
      _ = try KernelHarness.run(conv, [.runtime(x), .constant(big)])
    }
    let ints = Constant(.int32, [1, 4, 5, 5], values: [Int32](repeating: 1, count: 100))
    assertRuntimeError(.unsupported, ["Conv node 'stem'", "float32"]) {
      _ = try KernelHarness.run(conv, [.runtime(ints), .constant(w4)])
    }
  }
}
