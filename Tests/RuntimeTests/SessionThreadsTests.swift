import CAllocationCounter
import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// `LoadOptions.threads`: the pool itself, threaded runs equal to one thread bit for bit, no
/// allocation per run, and the workers gone with the session.
final class SessionThreadsTests: XCTestCase {
  // MARK: Models

  private var generator: UInt64 = 0x1234_5678

  private func next() -> UInt64 {
    generator = generator &+ 0x9E37_79B9_7F4A_7C15
    var z = generator
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  private func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
    return Tensor(name: name, dataType: .float, dims: dims, bytes: bytes)
  }

  private func randomFloats(_ name: String, _ dims: [Int], scale: Float) -> Tensor {
    let count = dims.reduce(1, *)
    return floatTensor(name, dims, (0..<count).map { _ in (Float(next() >> 40) / Float(1 << 24) - 0.5) * 2 * scale })
  }

  private func bytesTensor(_ name: String, _ type: DataType, _ dims: [Int], _ bytes: [UInt8]) -> Tensor {
    Tensor(name: name, dataType: type, dims: dims, bytes: bytes)
  }

  private func int32Tensor(_ name: String, _ values: [Int32]) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> Int32(shift))) }
    }
    return Tensor(name: name, dataType: .int32, dims: [values.count], bytes: bytes)
  }

  private func model(_ nodes: [Node], _ initializers: [Tensor], input: String, _ type: DataType, _ dims: [Int]) -> Model {
    Model(
      irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)],
      graph: Graph(
        nodes: nodes, initializers: initializers,
        inputs: [
          ValueInfo(name: input, type: .tensor(elementType: type.rawValue, shape: dims.map { ShapeDimension(.value($0)) }))
        ],
        outputs: [ValueInfo(name: nodes.last!.outputs[0], type: nil)]))
  }

  private struct Layer {
    var outChannels: Int
    var kernel: Int
    var stride: Int
  }

  /// Pointwise, 3x3 (padded, strided) convolutions from a 32x24x40 input down to a 6x10 grid with many
  /// channels: the positions split, the channels split, and the swapped float products.
  private let layers = [
    Layer(outChannels: 48, kernel: 3, stride: 1), Layer(outChannels: 64, kernel: 1, stride: 1),
    Layer(outChannels: 64, kernel: 3, stride: 2), Layer(outChannels: 200, kernel: 1, stride: 1),
    Layer(outChannels: 256, kernel: 3, stride: 2), Layer(outChannels: 256, kernel: 1, stride: 1),
  ]

  private func attributes(_ layer: Layer) -> [Attribute] {
    let pad = layer.kernel / 2
    return [
      Attribute(name: "kernel_shape", value: .ints([layer.kernel, layer.kernel])),
      Attribute(name: "pads", value: .ints([pad, pad, pad, pad])),
      Attribute(name: "strides", value: .ints([layer.stride, layer.stride])),
    ]
  }

  private func floatModel() -> Model {
    var nodes: [Node] = []
    var initializers: [Tensor] = []
    var channels = 32
    var current = "x"
    for (index, layer) in layers.enumerated() {
      let name = "conv" + String(index)
      let k = channels * layer.kernel * layer.kernel
      initializers.append(
        randomFloats(name + "_w", [layer.outChannels, channels, layer.kernel, layer.kernel], scale: 2 / Float(k).squareRoot()))
      initializers.append(randomFloats(name + "_b", [layer.outChannels], scale: 0.1))
      nodes.append(
        Node(
          name: name, opType: "Conv", inputs: [current, name + "_w", name + "_b"], outputs: [name],
          attributes: attributes(layer)))
      nodes.append(Node(name: name + "_relu", opType: "Relu", inputs: [name], outputs: [name + "_r"]))
      current = name + "_r"
      channels = layer.outChannels
    }
    return model(nodes, initializers, input: "x", .float, [1, 32, 24, 40])
  }

  private func integerModel(signed: Bool) -> Model {
    let type: DataType = signed ? .int8 : .uint8
    let zero: UInt8 = signed ? UInt8(bitPattern: -3) : 118
    var nodes: [Node] = []
    var initializers = [floatTensor("s", [], [0.02]), bytesTensor("z", type, [], [zero])]
    var channels = 32
    var current = "x"
    for (index, layer) in layers.enumerated() {
      let name = "qconv" + String(index)
      let k = channels * layer.kernel * layer.kernel
      let weights = (0..<layer.outChannels * k).map { _ in UInt8(truncatingIfNeeded: Int8(truncatingIfNeeded: next() % 255) / 2) }
      initializers.append(bytesTensor(name + "_w", .int8, [layer.outChannels, channels, layer.kernel, layer.kernel], weights))
      initializers.append(
        floatTensor(name + "_ws", [layer.outChannels], (0..<layer.outChannels).map { _ in 0.004 + Float(next() % 100) / 20000 }))
      initializers.append(bytesTensor(name + "_wz", .int8, [layer.outChannels], [UInt8](repeating: 0, count: layer.outChannels)))
      initializers.append(int32Tensor(name + "_b", (0..<layer.outChannels).map { _ in Int32(truncatingIfNeeded: next() % 2000) - 1000 }))
      // y_scale so that the outputs spread over the 8-bit range.
      initializers.append(floatTensor(name + "_ys", [], [0.02 * 0.006 * Float(k).squareRoot() * 40 / 64]))
      nodes.append(
        Node(
          name: name, opType: "QLinearConv",
          inputs: [current, "s", "z", name + "_w", name + "_ws", name + "_wz", name + "_ys", "z", name + "_b"],
          outputs: [name], attributes: attributes(layer)))
      current = name
      channels = layer.outChannels
    }
    return model(nodes, initializers, input: "x", type, [1, 32, 24, 40])
  }

  // MARK: Running

  private func fill(_ session: Session) {
    var state: UInt64 = 0xC0FFEE
    for input in session.inputs {
      let bytes = input.pointer.assumingMemoryBound(to: UInt8.self)
      switch input.type.dataType {
      case .float:
        let values = input.pointer.assumingMemoryBound(to: Float.self)
        for index in 0..<input.type.count {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          values[index] = Float(state >> 40) / Float(1 << 23) - 1
        }
      default:
        for index in 0..<input.type.byteCount {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
      }
    }
  }

  /// Every output's bytes after one run.
  private func outputs(_ session: Session) -> [[UInt8]] {
    fill(session)
    session.run()
    return session.outputs.map { Array(UnsafeRawBufferPointer(start: $0.pointer, count: $0.type.byteCount)) }
  }

  private func assertThreadsMatchOneThread(
    _ model: Model, shapes: [String: [Int]] = [:], threads: [Int] = [2, 3, 4], file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    let single = try Session(model: model, options: LoadOptions(shapes: shapes))
    XCTAssertEqual(single.threads, 1)
    let expected = outputs(single)
    XCTAssertFalse(expected.isEmpty)
    for count in threads {
      let session = try Session(model: model, options: LoadOptions(shapes: shapes, threads: count))
      XCTAssertEqual(session.threads, count, file: file, line: line)
      XCTAssertTrue(session.plan.steps.contains { $0.parallel }, "no step splits across threads", file: file, line: line)
      for run in 0..<3 {
        XCTAssertTrue(
          outputs(session) == expected, String(count) + " threads, run " + String(run) + ": outputs differ from one thread",
          file: file, line: line)
      }
    }
  }

  private func sharedPath(_ relative: String) -> String {
    let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    return "/" + root + "/" + relative
  }

  /// The process's pool workers (threads named "oq-worker").
  private func threadCount() -> Int {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return -1 }
    return tasks.filter {
      (try? String(contentsOfFile: "/proc/self/task/" + $0 + "/comm", encoding: .utf8)) == "oq-worker\n"
    }.count
  }

  /// The worker count once it is `expected`, or after a second: a joined thread may stay listed in
  /// /proc a moment after pthread_join has returned.
  private func threadCount(settlingAt expected: Int) -> Int {
    for _ in 0..<100 {
      let count = threadCount()
      if count == expected { return count }
      usleep(10_000)
    }
    return threadCount()
  }

  // MARK: Tests

  func testPoolRunsEveryTaskOnceOnItsThreads() throws {
    let pool = try XCTUnwrap(ThreadPool(threads: 3))
    XCTAssertEqual(pool.threads, 3)
    XCTAssertNil(ThreadPool(threads: 1))
    struct Job {
      var counts: UnsafeMutablePointer<Int32>
      var threads: UnsafeMutablePointer<Int32>
    }
    let tasks = 257
    let counts = UnsafeMutablePointer<Int32>.allocate(capacity: tasks)
    let threads = UnsafeMutablePointer<Int32>.allocate(capacity: tasks)
    defer {
      counts.deallocate()
      threads.deallocate()
    }
    for taskCount in [0, 1, 2, 5, tasks] {
      for _ in 0..<50 {
        counts.initialize(repeating: 0, count: tasks)
        threads.initialize(repeating: -1, count: tasks)
        var job = Job(counts: counts, threads: threads)
        ThreadPool.run(pool.handle, tasks: taskCount, context: &job) { context, task, thread in
          let job = context!.assumingMemoryBound(to: Job.self).pointee
          job.counts[Int(task)] += 1
          job.threads[Int(task)] = thread
        }
        for task in 0..<tasks {
          XCTAssertEqual(counts[task], task < taskCount ? 1 : 0)
          if task < taskCount { XCTAssertTrue((0..<3).contains(threads[task])) }
        }
      }
    }
  }

  func testRangesCoverTheCountInWholeUnits() {
    for count in [0, 1, 31, 32, 33, 100, 1000] {
      for parts in 1...5 {
        var next = 0
        for index in 0..<parts {
          let range = ThreadPool.range(index, parts: parts, count: count, unit: 32)
          XCTAssertEqual(range.lowerBound, next)
          if index < parts - 1 { XCTAssertEqual(range.upperBound % 32, 0) }
          next = range.upperBound
        }
        XCTAssertEqual(next, count)
      }
    }
  }

  func testThreadedFloatConvolutionsEqualOneThread() throws {
    let model = floatModel()
    let session = try Session(model: model, options: LoadOptions(threads: 2))
    var swapped = false
    var pointwise = false
    var im2col = false
    for step in session.plan.steps {
      if case .convolution(let kernel) = step.kernel {
        swapped = swapped || kernel.swapped
        pointwise = pointwise || kernel.strategy == .pointwise
        im2col = im2col || kernel.strategy == .im2col
      }
    }
    XCTAssertTrue(swapped && pointwise && im2col, "the model covers every threaded float path")
    try assertThreadsMatchOneThread(model)
  }

  func testThreadedIntegerConvolutionsEqualOneThread() throws {
    let saved = IntegerConvolutionKernel.allowDotProducts
    defer { IntegerConvolutionKernel.allowDotProducts = saved }
    for dot in [true, false] {
      IntegerConvolutionKernel.allowDotProducts = dot
      for signed in [false, true] {
        try assertThreadsMatchOneThread(integerModel(signed: signed))
      }
    }
  }

  func testThreadedRealModelsEqualOneThread() throws {
    var found = 0
    let shapes = ["x": [1, 3, 48, 192]]
    for (path, shapes) in [
      ("../shared/models/ppocr_cls_mobile_v2.onnx", shapes),
      ("build/interop/models/ppocr_cls_mobile_v2.QOperator.onnx", shapes),
      ("build/interop/models/ppocr_cls_mobile_v2.QDQ.onnx", shapes),
      ("build/interop/models/vww_mobilenet_v1_025.QOperator.onnx", [:]),
    ] {
      let full = sharedPath(path)
      guard FileBytes.exists(full) else { continue }
      found += 1
      try assertThreadsMatchOneThread(try Model(contentsOf: full), shapes: shapes, threads: [2, 3])
    }
    if found == 0 { throw XCTSkip("no real model is present") }
  }

  func testThreadedRunsAllocateNothing() throws {
    for model in [floatModel(), integerModel(signed: false)] {
      let session = try Session(model: model, options: LoadOptions(threads: 2))
      fill(session)
      session.run()
      oq_allocations_start_all()
      for _ in 0..<5 { session.run() }
      let allocations = oq_allocations_stop_all()
      XCTAssertEqual(allocations, 0, "5 threaded runs allocated on the heap (any thread)")
    }
    let path = sharedPath("../shared/models/ppocr_cls_mobile_v2.onnx")
    if FileBytes.exists(path) {
      let session = try Session(
        model: try Model(contentsOf: path), options: LoadOptions(shapes: ["x": [1, 3, 48, 192]], threads: 2))
      fill(session)
      session.run()
      oq_allocations_start_all()
      for _ in 0..<5 { session.run() }
      XCTAssertEqual(oq_allocations_stop_all(), 0, "threaded ppocr runs allocated on the heap")
    }
  }

  func testPerThreadScratchIsPlannedInTheArena() throws {
    let model = integerModel(signed: false)
    let single = try Session(model: model)
    let double = try Session(model: model, options: LoadOptions(threads: 2))
    XCTAssertGreaterThan(double.memory.arenaBytes, single.memory.arenaBytes, "each thread has its own scratch")
    for (index, step) in double.plan.steps.enumerated() where step.parallel && step.scratchPerThread {
      XCTAssertGreaterThanOrEqual(
        double.memory.arenaBytes - double.memory.scratchOffsets[index],
        2 * MemoryPlanner.threadScratchStride(step.scratchBytes))
    }
  }

  func testReleasingTheSessionStopsItsThreads() throws {
    let model = floatModel()
    let before = threadCount(settlingAt: 0)
    XCTAssertEqual(before, 0)
    do {
      var pool: ThreadPool? = ThreadPool(threads: 3)
      XCTAssertEqual(threadCount(settlingAt: before + 2), before + 2)
      pool = nil
      XCTAssertNil(pool)
      XCTAssertEqual(threadCount(settlingAt: before), before, "the pool's workers are joined when it goes")
    }
    for _ in 0..<5 {
      var session: Session? = try Session(model: model, options: LoadOptions(threads: 4))
      XCTAssertEqual(threadCount(settlingAt: before + 3), before + 3)
      session!.run()
      weak var weakSession = session
      session = nil
      XCTAssertNil(weakSession, "session leaked")
      XCTAssertEqual(threadCount(settlingAt: before), before, "the workers are joined when the session goes")
    }
  }
}
