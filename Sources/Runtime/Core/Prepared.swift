/// The outcome of preparing one node at load time.
public struct Prepared {
  /// What runs, with every parameter fixed (shapes, strides, packed weights).
  public var kernel: Kernel
  /// Types of the node's outputs, in order.
  public var outputs: [TensorType]
  /// Bytes of kernel scratch (im2col, packed panels, gates) planned in the arena for this step only.
  public var scratchBytes: Int
  /// Output 0 is input 0's bytes reinterpreted (Reshape, Flatten, Squeeze, Unsqueeze): no copy, no buffer.
  public var aliasesInput: Bool
  /// Output 0 may be written over this input when the input dies at this node (element-wise ops).
  public var inPlaceInput: Int?
  /// Outputs whose values the operator knows at load time (Shape, Size): they become constants.
  public var constantOutputs: [Constant]?
  /// The kernel may split its work across the session's threads (`StepBuffers.pool`); it says so only
  /// when the work is large enough to repay the hand-off.
  public var parallel = false
  /// Each thread needs its own `scratchBytes`: the planner reserves one copy per thread,
  /// `StepBuffers.scratchStride` bytes apart (`threadScratch`).
  public var scratchPerThread = false

  public init(
    _ kernel: Kernel, outputs: [TensorType], scratchBytes: Int = 0, aliasesInput: Bool = false,
    inPlaceInput: Int? = nil, constantOutputs: [Constant]? = nil
  ) {
    self.kernel = kernel
    self.outputs = outputs
    self.scratchBytes = scratchBytes
    self.aliasesInput = aliasesInput
    self.inPlaceInput = inPlaceInput
    self.constantOutputs = constantOutputs
  }
}

/// The buffers one step reads and writes, resolved to addresses once the arena exists.
/// Kernels take everything from here and allocate nothing.
public struct StepBuffers {
  /// nil where an optional input is omitted.
  public var inputs: [UnsafeRawPointer?]
  public var outputs: [UnsafeMutableRawPointer]
  public var scratch: UnsafeMutableRawPointer?
  /// The session's thread pool when this step may split its work (`Prepared.parallel`), else nil:
  /// the kernel then runs everything on the calling thread.
  public var pool: OpaquePointer?
  /// Threads in `pool` (1 without one).
  public var threads = 1
  /// Bytes between two threads' copies of the scratch (`Prepared.scratchPerThread`).
  public var scratchStride = 0

  public init(inputs: [UnsafeRawPointer?], outputs: [UnsafeMutableRawPointer], scratch: UnsafeMutableRawPointer?) {
    self.inputs = inputs
    self.outputs = outputs
    self.scratch = scratch
  }

  /// Thread `thread`'s copy of the scratch (thread 0's is `scratch`).
  @inline(__always)
  public func threadScratch(_ thread: Int) -> UnsafeMutableRawPointer {
    scratch.unsafelyUnwrapped + thread &* scratchStride
  }

  @inline(__always)
  public func input<T>(_ index: Int, _ type: T.Type) -> UnsafePointer<T> {
    inputs[index].unsafelyUnwrapped.assumingMemoryBound(to: T.self)
  }

  @inline(__always)
  public func optionalInput<T>(_ index: Int, _ type: T.Type) -> UnsafePointer<T>? {
    index < inputs.count ? inputs[index]?.assumingMemoryBound(to: T.self) : nil
  }

  @inline(__always)
  public func output<T>(_ index: Int, _ type: T.Type) -> UnsafeMutablePointer<T> {
    outputs[index].assumingMemoryBound(to: T.self)
  }

  @inline(__always)
  public func scratch<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
    scratch.unsafelyUnwrapped.assumingMemoryBound(to: T.self)
  }
}
