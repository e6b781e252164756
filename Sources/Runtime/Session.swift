import ONNXFormat

/// A graph input or output as the caller sees it: name, static type and where its bytes live.
public struct SessionTensor {
  public var name: String
  public var type: TensorType
  /// Input buffers are in the arena and writable; output pointers may point into the arena or to a
  /// constant and must only be read, until the next `run`.
  public var pointer: UnsafeMutableRawPointer
}

/// A loaded model ready to run: its plan, its weights and one arena holding every intermediate.
/// Everything is allocated in `init`; `run` allocates nothing.
public final class Session {
  public let plan: ExecutionPlan
  public let memory: MemoryPlan
  public let inputs: [SessionTensor]
  public let outputs: [SessionTensor]
  /// Nodes folded to constants at load.
  public let foldedNodes: Int
  /// Threads the parallel steps run on (`LoadOptions.threads`; 1 when the workers could not start).
  public let threads: Int
  private let arena: Storage
  private let steps: [SessionStep]
  /// The workers, when `threads` > 1; released (stopped and joined) with the session.
  private let pool: ThreadPool?

  public convenience init(model: Model, options: LoadOptions = LoadOptions()) throws(RuntimeError) {
    let (plan, folded) = try GraphPreparer.prepare(model, options: options)
    self.init(plan: plan, foldedNodes: folded, threads: options.threads)
  }

  init(plan: ExecutionPlan, foldedNodes: Int, threads: Int = 1) {
    self.plan = plan
    self.foldedNodes = foldedNodes
    let pool = ThreadPool(threads: threads)
    self.pool = pool
    let threads = pool?.threads ?? 1
    self.threads = threads
    let memory = MemoryPlanner.plan(plan, threads: threads)
    self.memory = memory
    let arena = Storage(byteCount: memory.arenaBytes)
    self.arena = arena

    func address(_ source: ValueSource) -> UnsafeMutableRawPointer? {
      switch source {
      case .value(let index): return arena.pointer + memory.valueOffsets[index]
      case .constant(let index): return plan.constants[index].storage.pointer
      case .omitted: return nil
      }
    }
    var steps: [SessionStep] = []
    for (index, step) in plan.steps.enumerated() {
      let scratchOffset = memory.scratchOffsets[index]
      var buffers = StepBuffers(
        inputs: step.inputs.map { address($0).map { UnsafeRawPointer($0) } },
        outputs: step.outputs.map { arena.pointer + memory.valueOffsets[$0] },
        scratch: scratchOffset < 0 ? nil : arena.pointer + scratchOffset)
      if step.parallel, let pool {
        buffers.pool = pool.handle
        buffers.threads = pool.threads
        buffers.scratchStride = step.scratchPerThread ? MemoryPlanner.threadScratchStride(step.scratchBytes) : 0
      }
      steps.append(SessionStep(kernel: step.kernel, buffers: buffers))
    }
    self.steps = steps
    inputs = plan.inputs.map {
      SessionTensor(
        name: plan.values[$0].name, type: plan.values[$0].type, pointer: arena.pointer + memory.valueOffsets[$0])
    }
    outputs = plan.outputs.map { output in
      SessionTensor(
        name: output.name, type: plan.type(of: output.source) ?? TensorType(.float, []),
        pointer: address(output.source) ?? arena.pointer)
    }
  }

  /// Runs every step once over the current inputs.
  public func run() {
    // Indexing, not `for step in steps`: in debug builds that loop allocated once per step
    // (caught by SessionTests.testRunningAllocatesNothing).
    for index in 0..<steps.count { steps[index].run() }
  }

  /// Runs every step once and adds each step's duration, from `clock` in nanoseconds, to
  /// `nanoseconds[step]` (which must have one entry per step).
  public func runTimed(_ nanoseconds: inout [UInt64], clock: () -> UInt64) {
    for index in 0..<steps.count {
      let start = clock()
      steps[index].run()
      nanoseconds[index] &+= clock() &- start
    }
  }

  /// Copies `bytes` into input `index`, checking the element type and size.
  public func setInput(_ index: Int, _ tensor: Tensor) throws(RuntimeError) {
    let input = inputs[index]
    guard tensor.dataType == input.type.dataType else {
      throw RuntimeError(
        .input, "input '" + input.name + "' must be " + input.type.dataType.name + ", not " + tensor.dataType.name)
    }
    guard tensor.dims == input.type.shape else {
      throw RuntimeError(
        .input,
        "input '" + input.name + "' has shape " + dimsText(tensor.dims) + "; the model was loaded for "
          + dimsText(input.type.shape))
    }
    tensor.bytes.withUnsafeBytes { source in
      if let base = source.baseAddress {
        input.pointer.copyMemory(from: base, byteCount: min(source.count, input.type.byteCount))
      }
    }
  }

  /// Output `index` as a model tensor (a copy; allocates, so not for the inner loop).
  public func output(_ index: Int) -> Tensor {
    let output = outputs[index]
    let bytes = Array(UnsafeRawBufferPointer(start: output.pointer, count: output.type.byteCount))
    return Tensor(name: output.name, dataType: output.type.dataType, dims: output.type.shape, bytes: bytes)
  }

  /// Bytes of weights and other load-time tensors the steps read.
  public var constantBytes: Int { plan.constantBytes }
}

/// One step as the session runs it. A class with constant properties, so that running it borrows the
/// kernel and its buffers in place: copied out of an array of structs, every step retained and
/// released each Storage and array it holds (a quarter of the digits model's time).
final class SessionStep {
  let kernel: Kernel
  let buffers: StepBuffers

  init(kernel: Kernel, buffers: StepBuffers) {
    self.kernel = kernel
    self.buffers = buffers
  }

  @inline(__always)
  func run() { kernel.run(buffers) }
}
