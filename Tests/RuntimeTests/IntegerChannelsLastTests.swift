import CAllocationCounter
import CSupport
import ONNXFormat
import XCTest

@testable import Runtime

/// com.microsoft QLinearConv with channels_last = 1 against the NCHW QLinearConv on the same data
/// (x transposed to NHWC, y transposed back): bit-identical on many shapes, with the dot-product kernel
/// on and off, on one and two threads; and against the integer reference of IntegerConvolutionTests.
final class IntegerChannelsLastTests: XCTestCase {
  typealias Case = IntegerConvolutionTests.Case

  static func nhwc(_ values: [Int], batch: Int, channels: Int, spatial: [Int]) -> [Int] {
    let size = spatial.reduce(1, *)
    var result = [Int](repeating: 0, count: values.count)
    for n in 0..<batch {
      for c in 0..<channels {
        for p in 0..<size {
          result[(n * size + p) * channels + c] = values[(n * channels + c) * size + p]
        }
      }
    }
    return result
  }

  static func nchw(_ values: [Int], batch: Int, channels: Int, spatial: [Int]) -> [Int] {
    let size = spatial.reduce(1, *)
    var result = [Int](repeating: 0, count: values.count)
    for n in 0..<batch {
      for c in 0..<channels {
        for p in 0..<size {
          result[(n * channels + c) * size + p] = values[(n * size + p) * channels + c]
        }
      }
    }
    return result
  }

  static func channelsLastNode(_ c: Case) -> Node {
    var node = IntegerConvolutionTests.node(c)
    node.domain = "com.microsoft"
    node.attributes.append(TestNodes.int("channels_last", 1))
    return node
  }

  /// Prepares `node` and runs it on `threads` threads (the pool and per-thread scratch as a session sets
  /// them up), twice; returns the output and the prepared step.
  static func run(_ node: Node, _ inputs: [HarnessInput], threads: Int) throws -> (
    Constant, Prepared
  ) {
    guard threads > 1 else {
      let result = try KernelHarness.run(node, opset: 13, inputs)
      return (result.outputs[0], result.prepared)
    }
    let op = try XCTUnwrap(Operator.named(node.opType, domain: node.domain))
    var types: [TensorType?] = []
    var constants: [Constant?] = []
    var pointers: [UnsafeRawPointer?] = []
    for input in inputs {
      switch input {
      case .runtime(let value):
        types.append(value.type)
        constants.append(nil)
        pointers.append(UnsafeRawPointer(value.storage.pointer))
      case .constant(let value):
        types.append(value.type)
        constants.append(value)
        pointers.append(UnsafeRawPointer(value.storage.pointer))
      case .omitted:
        types.append(nil)
        constants.append(nil)
        pointers.append(nil)
      }
    }
    let context = OpContext(node: node, op: op, opset: 13, inputs: types, constants: constants)
    let prepared = try OpRegistry.prepare(context)
    let output = Constant(
      type: prepared.outputs[0], storage: Storage(byteCount: prepared.outputs[0].byteCount))
    let pool = try XCTUnwrap(ThreadPool(threads: threads))
    // The pool even for steps too small to ask for it (`parallel`): the split itself is under test.
    let stride = MemoryPlanner.threadScratchStride(prepared.scratchBytes)
    let scratch = Storage(byteCount: max(stride * threads, 1))
    var buffers = StepBuffers(
      inputs: pointers, outputs: [output.storage.pointer], scratch: scratch.pointer)
    buffers.pool = pool.handle
    buffers.threads = pool.threads
    buffers.scratchStride = stride
    let allocations = withExtendedLifetime((scratch, output, pool, inputs)) { () -> Int in
      prepared.kernel.run(buffers)
      oq_allocations_start()
      prepared.kernel.run(buffers)
      return oq_allocations_stop()
    }
    XCTAssertEqual(allocations, 0, "allocated on the heap while running on threads")
    return (output, prepared)
  }

  /// Runs `c` both ways on seeded data and compares every output; returns the channels-last kernel.
  @discardableResult
  func compare(
    _ c: Case, seed: UInt64, threads: Int = 1, runtimeBias: Bool = false,
    adjust: (inout IntegerConvolutionTests.Data) -> Void = { _ in },
    file: StaticString = #filePath,
    line: UInt = #line
  ) throws -> IntegerChannelsLastKernel? {
    var rng = SeededGenerator(seed: seed)
    var data = IntegerConvolutionTests.makeData(c, &rng)
    adjust(&data)
    let nchwInputs = IntegerConvolutionTests.inputs(c, data)
    let expected = integerValues(
      try KernelHarness.run(IntegerConvolutionTests.node(c), opset: 13, nchwInputs).outputs[0])
    XCTAssertEqual(
      expected, IntegerConvolutionTests.reference(c, data), "NCHW reference", file: file, line: line
    )
    var inputs = nchwInputs
    inputs[0] = .runtime(
      quantizedConstant(
        c.xSigned, [c.batch] + c.spatial + [c.inChannels],
        Self.nhwc(data.x, batch: c.batch, channels: c.inChannels, spatial: c.spatial)))
    if runtimeBias, case .constant(let bias) = inputs[8] { inputs[8] = .runtime(bias) }
    let (output, prepared) = try Self.run(Self.channelsLastNode(c), inputs, threads: threads)
    let (outSpatial, _) = IntegerConvolutionTests.outputShape(c)
    let ySigned = c.ySigned ?? c.xSigned
    XCTAssertEqual(
      output.type, TensorType(ySigned ? .int8 : .uint8, [c.batch] + outSpatial + [c.outChannels]),
      file: file,
      line: line)
    let actual = Self.nchw(
      integerValues(output), batch: c.batch, channels: c.outChannels, spatial: outSpatial)
    if let index = (0..<expected.count).first(where: { actual[$0] != expected[$0] }) {
      XCTFail(
        "seed \(seed) threads \(threads) dot \(IntegerConvolutionKernel.allowDotProducts) \(c): element \(index) is "
          + "\(actual[index]), expected \(expected[index])", file: file, line: line)
    }
    if case .integerChannelsLast(let kernel) = prepared.kernel { return kernel }
    XCTFail("not the channels-last kernel", file: file, line: line)
    return nil
  }

  /// Every variation of `base` the tests sweep: x and w signedness, per-channel or per-tensor w,
  /// bias or not, w zero points 0 or not, the dot-product kernel on and off, 1 and 2 threads.
  func sweep(
    _ cases: [Case], seed first: UInt64, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var seed = first
    var dotKernels = 0
    defer { IntegerConvolutionKernel.allowDotProducts = true }
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true), (false, false), (true, false)] {
        let c = base.varied(xSigned: xSigned, wSigned: wSigned, seed: seed)
        for allow in [true, false] {
          IntegerConvolutionKernel.allowDotProducts = allow
          for threads in [1, 2] {
            let kernel = try compare(c, seed: seed, threads: threads, file: file, line: line)
            if let kernel = kernel, !allow { XCTAssertFalse(kernel.dot, file: file, line: line) }
            if kernel?.dot == true { dotKernels += 1 }
          }
        }
        seed += 1
      }
    }
    // The VNNI kernel ran where the CPU has it (not for depthwise, which has no GEMM).
    if oq_has_u8s8_dot() == 1 && cases[0].group == 1 {
      XCTAssertGreaterThan(dotKernels, 0, file: file, line: line)
    }
  }

  func testPointwise() throws {
    try sweep(
      [
        Case(inChannels: 64, outChannels: 64, spatial: [25, 5], kernel: [1, 1]),
        Case(inChannels: 13, outChannels: 20, spatial: [5, 7], kernel: [1, 1]),
        Case(inChannels: 8, outChannels: 16, spatial: [6, 6], kernel: [1, 1]),
        Case(inChannels: 3, outChannels: 5, spatial: [3, 4], kernel: [1, 1]),
        Case(batch: 2, inChannels: 36, outChannels: 72, spatial: [4, 5], kernel: [1, 1]),
        Case(inChannels: 128, outChannels: 130, spatial: [6, 6], kernel: [1, 1]),
        // 1x1 with a stride: not in place.
        Case(inChannels: 16, outChannels: 24, spatial: [7, 7], kernel: [1, 1], strides: [2, 2]),
      ], seed: 3000)
  }

  func testGeneralConvolutions() throws {
    try sweep(
      [
        Case(
          inChannels: 16, outChannels: 32, spatial: [8, 8], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(
          inChannels: 20, outChannels: 24, spatial: [7, 9], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(
          inChannels: 12, outChannels: 40, spatial: [9, 11], kernel: [3, 3], strides: [2, 2],
          pads: [1, 1, 1, 1]),
        Case(
          inChannels: 1, outChannels: 64, spatial: [49, 10], kernel: [10, 4], strides: [2, 2],
          pads: [4, 1, 5, 2]),
        Case(
          inChannels: 8, outChannels: 17, spatial: [9, 8], kernel: [3, 3], dilations: [2, 2],
          pads: [2, 2, 2, 2]),
        Case(
          inChannels: 3, outChannels: 9, spatial: [8, 9], kernel: [3, 2], strides: [2, 3],
          pads: [1, 0, 2, 1]),
        Case(
          batch: 2, inChannels: 5, outChannels: 6, spatial: [5, 5], kernel: [3, 3],
          pads: [0, 1, 1, 0]),
        Case(
          inChannels: 7, outChannels: 33, spatial: [6, 5], kernel: [2, 2], autoPad: "SAME_UPPER"),
        Case(
          inChannels: 4, outChannels: 70, spatial: [5, 6], kernel: [3, 1], dilations: [1, 2],
          autoPad: "VALID"),
      ], seed: 3100)
  }

  /// Position counts around the 48-position chunks and the 6-position tiles: the last two chunks split
  /// evenly (49 = 25 + 24, 100 = 48 + 26 + 26, 97 = 48 + 25 + 24), tiles of unequal sizes (7 = 4 + 3,
  /// 13 = 5 + 4 + 4), one position; runs of inside columns cut by chunk ends (rows of 30 positions)
  /// and by the image's end (batch 2); K = 576 and several blocks of output channels (M = 80: a
  /// 4-vector block and a 1-vector one; M = 40: overlapping vectors).
  func testChunkTailsAndTileSizes() throws {
    try sweep(
      [
        Case(
          inChannels: 16, outChannels: 80, spatial: [7, 7], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(
          inChannels: 64, outChannels: 40, spatial: [10, 10], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(inChannels: 8, outChannels: 24, spatial: [97, 1], kernel: [1, 1], strides: [1, 1]),
        Case(
          inChannels: 12, outChannels: 32, spatial: [13, 3], kernel: [3, 3], strides: [1, 2],
          pads: [1, 1, 1, 1]),
        Case(
          inChannels: 4, outChannels: 16, spatial: [7, 3], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(inChannels: 20, outChannels: 48, spatial: [1, 1], kernel: [1, 1]),
        Case(
          batch: 2, inChannels: 8, outChannels: 64, spatial: [5, 30], kernel: [3, 3],
          pads: [1, 1, 1, 1]),
        Case(
          inChannels: 8, outChannels: 16, spatial: [9, 61], kernel: [3, 3], strides: [2, 2],
          pads: [0, 1, 0, 1]),
      ], seed: 3150)
  }

  func testDepthwise() throws {
    func depthwise(
      _ channels: Int, _ spatial: [Int], kernel: [Int] = [3, 3], strides: [Int]? = nil,
      dilations: [Int]? = nil,
      pads: [Int]? = [1, 1, 1, 1], batch: Int = 1
    ) -> Case {
      Case(
        batch: batch, inChannels: channels, outChannels: channels, spatial: spatial, kernel: kernel,
        strides: strides,
        dilations: dilations, pads: pads, group: channels)
    }
    let cases = [
      depthwise(64, [25, 5]),
      depthwise(8, [6, 7]),
      depthwise(200, [5, 4]),
      depthwise(16, [12, 12], strides: [2, 2], pads: [0, 0, 1, 1]),
      depthwise(17, [7, 9], strides: [2, 2]),
      depthwise(24, [6, 7], dilations: [2, 1], pads: [2, 0, 1, 1], batch: 2),
      depthwise(5, [5, 5], kernel: [5, 3], pads: [2, 0, 2, 2]),
      depthwise(33, [1, 1]),
      depthwise(20, [40, 40], pads: [1, 1, 1, 1]),
    ]
    // Small padded images are copied with their padding first; and without the copy.
    defer { IntegerChannelsLastKernel.paddedCopyBytes = 32 * 1024 }
    try sweep(cases, seed: 3200)
    IntegerChannelsLastKernel.paddedCopyBytes = 0
    try sweep(cases, seed: 3250)
  }

  /// Depthwise with flat lanes (horizontal stride 1): C below 16, dividing 16 or not, and multiples
  /// of 8; the padded image copied whole, row by row, and the flat path off (per-position vectors).
  func testFlatDepthwise() throws {
    func depthwise(
      _ channels: Int, _ spatial: [Int], strides: [Int]? = nil, pads: [Int] = [1, 1, 1, 1],
      batch: Int = 1
    ) -> Case {
      Case(
        batch: batch, inChannels: channels, outChannels: channels, spatial: spatial, kernel: [3, 3],
        strides: strides, pads: pads, group: channels)
    }
    let cases = [
      depthwise(8, [12, 11]),
      depthwise(16, [6, 9]),
      depthwise(24, [5, 7], strides: [2, 1]),
      depthwise(3, [7, 6], batch: 2),
      depthwise(1, [9, 13], pads: [0, 1, 2, 0]),
      depthwise(40, [4, 5], pads: [0, 0, 0, 0]),
      // Horizontal stride 2: per-position vectors, C < 16 read 16 bytes at a time but at x's end.
      depthwise(8, [5, 5], strides: [2, 2], pads: [0, 0, 0, 0]),
      depthwise(3, [7, 9], strides: [1, 2], pads: [1, 1, 1, 1], batch: 2),
    ]
    defer {
      IntegerChannelsLastKernel.paddedCopyBytes = 32 * 1024
      IntegerChannelsLastKernel.allowFlatDepthwise = true
    }
    try sweep(cases, seed: 3500)
    IntegerChannelsLastKernel.paddedCopyBytes = 0
    try sweep(cases, seed: 3550)
    IntegerChannelsLastKernel.allowFlatDepthwise = false
    try sweep(cases, seed: 3600)
  }

  /// Whether this CPU runs the AVX-512 VNNI depthwise row kernel (csupport_dw_nhwc.c).
  static var hostHasDepthwiseDot: Bool {
    var shape = oq_dw_nhwc_shape(
      channels: 16, kernel_h: 3, kernel_w: 3, stride_w: 1, dilation_w: 1, grid_w: 8, image_w: 8,
      pad_w: 1)
    var plan = oq_dw_nhwc_plan()
    return oq_dw_nhwc_prepare(&shape, &plan) == 1
  }

  /// The AVX-512 VNNI depthwise row kernel against the NCHW kernel, and off (the Swift flat and
  /// per-position kernels): kernel rows interleaved 4, 3, 2 (two column shifts) and 1 (four column
  /// shifts) to a lane, horizontal strides (C a multiple of 16) with dilations, asymmetric padding, rows
  /// in several chunks (C = 200, and 48 at stride 2), C below 16 and odd; int8 and uint8 x; weights
  /// within int8 (symmetric) or not (then the Swift kernels run).
  func testDepthwiseDotKernel() throws {
    func depthwise(
      _ channels: Int, _ spatial: [Int], kernel: [Int] = [3, 3], strides: [Int]? = nil,
      dilations: [Int]? = nil, pads: [Int] = [1, 1, 1, 1], batch: Int = 1
    ) -> Case {
      Case(
        batch: batch, inChannels: channels, outChannels: channels, spatial: spatial, kernel: kernel,
        strides: strides, dilations: dilations, pads: pads, group: channels)
    }
    let cases = [
      depthwise(64, [25, 5]),
      depthwise(8, [12, 13]),
      depthwise(3, [7, 9], batch: 2),
      depthwise(17, [6, 7], kernel: [5, 5], pads: [2, 2, 2, 2]),
      depthwise(200, [3, 40], kernel: [5, 5], strides: [2, 1], pads: [2, 2, 2, 2]),
      depthwise(48, [7, 100], kernel: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2]),
      depthwise(16, [12, 12], strides: [2, 2], pads: [0, 0, 1, 1]),
      depthwise(32, [9, 11], strides: [1, 3]),
      depthwise(24, [8, 9], kernel: [2, 2], pads: [0, 1, 1, 0]),
      depthwise(16, [9, 10], kernel: [6, 3], dilations: [2, 2], pads: [5, 2, 5, 2]),
      depthwise(5, [4, 11], kernel: [1, 5], pads: [0, 2, 0, 2]),
      depthwise(40, [10, 6], kernel: [7, 1], strides: [2, 1], pads: [3, 0, 3, 0]),
      depthwise(32, [5, 9], strides: [2, 2], dilations: [1, 2], pads: [1, 2, 1, 2]),
      depthwise(33, [1, 1]),
      // The windows never reach the image's last column.
      depthwise(32, [6, 12], strides: [2, 2], pads: [0, 0, 0, 0]),
    ]
    let vnni = Self.hostHasDepthwiseDot
    defer {
      IntegerConvolutionKernel.allowDotProducts = true
      IntegerChannelsLastKernel.paddedCopyBytes = 32 * 1024
    }
    var seed: UInt64 = 3900
    var dotKernels = 0
    for (index, base) in cases.enumerated() {
      for (xSigned, symmetric) in [(false, true), (true, true), (true, false), (false, false)] {
        var c = base.varied(xSigned: xSigned, wSigned: true, seed: seed)
        c.symmetricWeights = symmetric
        // The padded image copied whole, or row by row.
        IntegerChannelsLastKernel.paddedCopyBytes = (index + Int(seed)) % 3 == 0 ? 0 : 32 * 1024
        for allow in [true, false] {
          IntegerConvolutionKernel.allowDotProducts = allow
          let kernel = try compare(c, seed: seed, threads: seed % 2 == 0 ? 2 : 1)
          let strideW = c.strides?[1] ?? 1
          let taken = allow && symmetric && vnni && (strideW == 1 || c.inChannels % 16 == 0)
          if !allow || !vnni { XCTAssertEqual(kernel?.depthwiseDot, false, "\(c)") }
          if taken {
            XCTAssertEqual(kernel?.depthwiseDot, true, "\(c)")
            XCTAssertEqual(kernel?.flatDepthwise, true, "\(c)")
            dotKernels += 1
          }
        }
        seed += 1
      }
    }
    if vnni { XCTAssertEqual(dotKernels, 2 * cases.count) }
  }

  /// The extreme codes (x 0 / 255 or -128 / 127 against w -128 / 127, every tap the same sign) on the
  /// VNNI depthwise kernel: its int32 sums are exact (vpdpbusd does not saturate).
  func testDepthwiseDotKernelExtremes() throws {
    let base = Case(
      inChannels: 32, outChannels: 32, spatial: [6, 9], kernel: [5, 5], pads: [2, 2, 2, 2],
      group: 32, symmetricWeights: true)
    defer { IntegerConvolutionKernel.allowDotProducts = true }
    var seed: UInt64 = 3990
    for xSigned in [false, true] {
      var c = base
      c.xSigned = xSigned
      for allow in [true, false] {
        IntegerConvolutionKernel.allowDotProducts = allow
        let kernel = try compare(c, seed: seed) { data in
          let high = xSigned ? 127 : 255
          let low = xSigned ? -128 : 0
          for i in data.x.indices { data.x[i] = i % 7 < 4 ? high : low }
          for i in data.w.indices { data.w[i] = (i / 25) % 2 == 0 ? -128 : 127 }
          // Outputs spread over the 8-bit range again (as makeData sets them), not all clamped.
          let largest = IntegerConvolutionTests.sums(c, data).map { $0.magnitude }.max() ?? 1
          data.yScale = data.xScale * 0.006 * Float(max(largest, 1)) / 100
        }
        XCTAssertEqual(kernel?.depthwiseDot, allow && Self.hostHasDepthwiseDot)
        seed += 1
      }
    }
  }

  /// Group 1 with M < 16 (flat output stage): the first convolutions of the edge models (C = 3, 3x3
  /// stride 2 to 8 channels; 1 to 8 channels 10x4), and 1x1 to 8 and 5 channels.
  func testFlatOutput() throws {
    try sweep(
      [
        Case(
          inChannels: 3, outChannels: 8, spatial: [12, 10], kernel: [3, 3], strides: [2, 2],
          pads: [0, 0, 1, 1]),
        Case(
          inChannels: 1, outChannels: 8, spatial: [13, 10], kernel: [10, 4], strides: [2, 2],
          pads: [4, 1, 5, 1]),
        Case(inChannels: 8, outChannels: 8, spatial: [7, 9], kernel: [1, 1]),
        Case(inChannels: 16, outChannels: 5, spatial: [5, 5], kernel: [3, 3], pads: [1, 1, 1, 1]),
        Case(batch: 2, inChannels: 4, outChannels: 12, spatial: [4, 6], kernel: [1, 1]),
      ], seed: 3700)
    let gemm = try compare(
      Case(inChannels: 3, outChannels: 8, spatial: [6, 6], kernel: [3, 3], pads: [1, 1, 1, 1]),
      seed: 3750, runtimeBias: true)
    XCTAssertEqual(gemm?.flatOutput, true)
    let depthwise = try compare(
      Case(
        inChannels: 8, outChannels: 8, spatial: [6, 6], kernel: [3, 3], pads: [1, 1, 1, 1],
        group: 8), seed: 3751, runtimeBias: true)
    XCTAssertEqual(depthwise?.flatDepthwise, true)
    XCTAssertEqual(depthwise?.flatPeriod, 1)
  }

  /// C not a multiple of 4: kernel rows read in place (row taps), and whole gathered rows of A.
  func testRowTapsAndGatheredRows() throws {
    let cases = [
      Case(
        inChannels: 3, outChannels: 16, spatial: [11, 12], kernel: [3, 3], strides: [2, 2],
        pads: [0, 0, 1, 1]),
      Case(
        inChannels: 1, outChannels: 64, spatial: [15, 10], kernel: [10, 4], strides: [2, 2],
        pads: [4, 1, 5, 1]),
      Case(inChannels: 6, outChannels: 20, spatial: [5, 6], kernel: [2, 3], pads: [1, 2, 0, 1]),
      Case(batch: 2, inChannels: 7, outChannels: 24, spatial: [4, 4], kernel: [1, 1]),
      Case(inChannels: 5, outChannels: 8, spatial: [6, 6], kernel: [3, 3], autoPad: "VALID"),
      Case(
        batch: 3, inChannels: 1, outChannels: 8, spatial: [9, 6], kernel: [5, 3], strides: [2, 2],
        pads: [2, 1, 2, 1]),
    ]
    defer {
      IntegerChannelsLastKernel.allowRowTaps = true
      IntegerChannelsLastKernel.paddedCopyBytes = 32 * 1024
    }
    try sweep(cases, seed: 3800)
    let kws = try compare(cases[1], seed: 3801)
    XCTAssertEqual(kws?.rowTaps, true)
    XCTAssertEqual(kws?.paddedCopy, true)
    // The border rows gathered one by one rather than from a padded copy.
    IntegerChannelsLastKernel.paddedCopyBytes = 0
    try sweep(cases, seed: 3825)
    IntegerChannelsLastKernel.paddedCopyBytes = 32 * 1024
    IntegerChannelsLastKernel.allowRowTaps = false
    try sweep(cases, seed: 3850)
  }

  /// Filters of zeros (their weights all at the zero point) with biases near 2^31, as a quantizer
  /// writes for a dead channel with a near-zero weight scale (vww has them): such channels' outputs
  /// are computed at load, and must still equal the NCHW kernel's, whatever the scale.
  func testAllZeroFiltersWithHugeBiases() throws {
    let cases = [
      Case(batch: 1, inChannels: 16, outChannels: 32, spatial: [6, 6], kernel: [1, 1]),
      Case(batch: 1, inChannels: 8, outChannels: 20, spatial: [7, 5], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(
        batch: 1, inChannels: 24, outChannels: 24, spatial: [6, 7], kernel: [3, 3], pads: [1, 1, 1, 1], group: 24),
      Case(batch: 1, inChannels: 64, outChannels: 64, spatial: [5, 3], kernel: [3, 3], strides: [2, 2], group: 64),
    ]
    defer { IntegerConvolutionKernel.allowDotProducts = true }
    var seed: UInt64 = 7100
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true), (false, false)] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = wSigned
        c.perChannel = true
        c.bias = true
        c.symmetricWeights = seed % 2 == 0
        for allow in [true, false] {
          IntegerConvolutionKernel.allowDotProducts = allow
          let kernel = try compare(c, seed: seed) { data in
            let perChannel = data.w.count / c.outChannels
            for channel in stride(from: 1, to: c.outChannels, by: 3) {
              for i in 0..<perChannel { data.w[channel * perChannel + i] = data.wZero[channel] }
              let huge = Int32(1 << 30) + Int32(channel * 977)
              data.bias![channel] = channel % 2 == 0 ? huge : -huge
              // A near-zero scale (results within the 8-bit range) for some, a normal one (saturating) for others.
              if channel % 4 == 1 { data.wScales[channel] = 1e-9 * Float(channel) }
            }
          }
          XCTAssertNotNil(kernel)
          seed += 1
        }
      }
    }
  }

  /// The C output stage and the Swift one give the NCHW kernel's bytes, on the rows path (group 1 and
  /// depthwise, M a multiple of 16 or not, runtime bias) and the flat one (M < 16, flat depthwise).
  func testNativeAndSwiftOutputStages() throws {
    let cases = [
      Case(inChannels: 16, outChannels: 40, spatial: [5, 7], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(inChannels: 8, outChannels: 6, spatial: [6, 5], kernel: [1, 1]),
      Case(inChannels: 24, outChannels: 24, spatial: [7, 6], kernel: [3, 3], pads: [1, 1, 1, 1], group: 24),
      Case(inChannels: 48, outChannels: 48, spatial: [9, 9], kernel: [3, 3], strides: [2, 2], group: 48),
    ]
    defer { IntegerChannelsLastKernel.allowNativeOutputStage = true }
    var seed: UInt64 = 3700
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true)] {
        let c = base.varied(xSigned: xSigned, wSigned: wSigned, seed: seed)
        for native in [true, false] {
          IntegerChannelsLastKernel.allowNativeOutputStage = native
          for runtimeBias in c.bias ? [false, true] : [false] {
            let kernel = try compare(c, seed: seed, runtimeBias: runtimeBias)
            XCTAssertEqual(kernel?.nativeOutput, native && oq_has_lane_requantize() == 1)
          }
        }
        seed += 1
      }
    }
  }

  func testRuntimeBias() throws {
    for (index, c) in [
      Case(inChannels: 12, outChannels: 20, spatial: [5, 6], kernel: [3, 3], pads: [1, 1, 1, 1]),
      Case(
        inChannels: 20, outChannels: 20, spatial: [5, 6], kernel: [3, 3], pads: [1, 1, 1, 1],
        group: 20),
    ].enumerated() {
      try compare(c, seed: 3300 + UInt64(index), runtimeBias: true)
    }
  }

  /// The large shapes split across two threads (the step says `parallel`) and give the same bytes.
  func testThreadsSplitLargeShapes() throws {
    let c = Case(
      inChannels: 64, outChannels: 64, spatial: [14, 14], kernel: [3, 3], pads: [1, 1, 1, 1])
    var rng = SeededGenerator(seed: 3400)
    let data = IntegerConvolutionTests.makeData(c, &rng)
    var inputs = IntegerConvolutionTests.inputs(c, data)
    inputs[0] = .runtime(
      quantizedConstant(
        false, [1, 14, 14, 64], Self.nhwc(data.x, batch: 1, channels: 64, spatial: [14, 14])))
    let (one, prepared) = try Self.run(Self.channelsLastNode(c), inputs, threads: 1)
    XCTAssertTrue(prepared.parallel)
    let (two, _) = try Self.run(Self.channelsLastNode(c), inputs, threads: 2)
    XCTAssertEqual(integerValues(one), integerValues(two))
    try compare(c, seed: 3400, threads: 2)
  }

  func testUnsupportedLayoutsAreRefused() throws {
    let cases = [
      // Grouped, not depthwise.
      Case(inChannels: 4, outChannels: 4, spatial: [5, 5], kernel: [3, 3], group: 2),
      // Depthwise with a channel multiplier.
      Case(inChannels: 4, outChannels: 8, spatial: [5, 5], kernel: [3, 3], group: 4),
      // One spatial axis.
      Case(inChannels: 4, outChannels: 8, spatial: [9], kernel: [3]),
    ]
    for c in cases {
      var rng = SeededGenerator(seed: 3500)
      let data = IntegerConvolutionTests.makeData(c, &rng)
      var inputs = IntegerConvolutionTests.inputs(c, data)
      inputs[0] = .runtime(quantizedConstant(false, [c.batch] + c.spatial + [c.inChannels], data.x))
      XCTAssertThrowsError(try KernelHarness.run(Self.channelsLastNode(c), opset: 13, inputs)) {
        error in
        let runtimeError = error as? RuntimeError
        XCTAssertEqual(runtimeError?.kind, .unsupported, "\(c)")
        XCTAssertTrue(runtimeError?.message.contains("channels_last") ?? false, "\(error)")
      }
    }
    XCTAssertTrue(
      IntegerChannelsLastOps.supportsChannelsLast(weightShape: [64, 32, 3, 3], group: 1))
    XCTAssertTrue(
      IntegerChannelsLastOps.supportsChannelsLast(weightShape: [64, 1, 3, 3], group: 64))
    XCTAssertFalse(
      IntegerChannelsLastOps.supportsChannelsLast(weightShape: [64, 2, 3, 3], group: 32))
    XCTAssertFalse(
      IntegerChannelsLastOps.supportsChannelsLast(weightShape: [64, 1, 3, 3], group: 32))
    XCTAssertFalse(IntegerChannelsLastOps.supportsChannelsLast(weightShape: [64, 8, 3], group: 1))
  }

  /// channels_last = 0 on the com.microsoft operator is the NCHW operator.
  func testChannelsLastZeroIsNCHW() throws {
    let c = Case(
      inChannels: 6, outChannels: 10, spatial: [5, 6], kernel: [3, 3], pads: [1, 1, 1, 1])
    var rng = SeededGenerator(seed: 3600)
    let data = IntegerConvolutionTests.makeData(c, &rng)
    var node = IntegerConvolutionTests.node(c)
    node.domain = "com.microsoft"
    node.attributes.append(TestNodes.int("channels_last", 0))
    let result = try KernelHarness.run(node, opset: 13, IntegerConvolutionTests.inputs(c, data))
    XCTAssertEqual(integerValues(result.outputs[0]), IntegerConvolutionTests.reference(c, data))
  }
}
