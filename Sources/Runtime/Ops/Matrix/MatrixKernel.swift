/// A prepared Gemm or MatMul.
public struct MatrixKernel {
  enum Mode {
    case gemm(GemmPlan)
    case matMul(MatMulPlan)
  }

  let mode: Mode

  init(_ mode: Mode) { self.mode = mode }

  public func run(_ buffers: StepBuffers) {
    switch mode {
    case .gemm(let plan): plan.run(buffers)
    case .matMul(let plan): plan.run(buffers)
    }
  }
}

/// `Y = alpha * A' · B' + beta * C` with A' = A or Aᵀ, B' = B or Bᵀ.
struct GemmPlan {
  enum BSource {
    /// Packed at load (B was a constant); transB applied.
    case packed(Storage)
    /// B is a run-time [K, N] read in place.
    case rowMajor
    /// B is a run-time [N, K]: packed into scratch on every run.
    case packAtRunTime
  }

  /// C read at run time (a run-time C, or a constant [M, N]) and written into Y before the product.
  struct Prefill {
    var beta: Float
    var rowStride: Int
    var colStride: Int
  }

  var m: Int
  var n: Int
  var k: Int
  var alpha: Float
  var aRowStride = 0
  var aKStride = 0
  var b: BSource = .rowMajor
  /// beta * C when C is a constant [M, 1] or [M].
  var rowBias: Storage?
  /// beta * C when C is a constant scalar, [N] or [1, N]; padded to whole NR lanes.
  var colBias: Storage?
  var prefill: Prefill?

  init(m: Int, n: Int, k: Int, alpha: Float) {
    self.m = m
    self.n = n
    self.k = k
    self.alpha = alpha
  }

  func run(_ buffers: StepBuffers) {
    let c = buffers.output(0, Float.self)
    if let prefill = prefill {
      let source = buffers.input(2, Float.self)
      for i in 0..<m {
        let row = c + i * n
        let sourceRow = source + i * prefill.rowStride
        for j in 0..<n { row[j] = prefill.beta * sourceRow[j * prefill.colStride] }
      }
    }
    var problem = FloatGemm.Problem(
      m: m, n: n, k: k, a: buffers.input(0, Float.self), aRowStride: aRowStride, aKStride: aKStride,
      b: buffers.input(1, Float.self), ldb: n, c: c, ldc: n, alpha: alpha, accumulate: prefill != nil)
    if let bias = rowBias { problem.rowBias = UnsafePointer(bias.typed(Float.self)) }
    if let bias = colBias { problem.colBias = UnsafePointer(bias.typed(Float.self)) }
    switch b {
    case .packed(let storage):
      problem.b = UnsafePointer(storage.typed(Float.self))
      problem.bPacked = true
    case .rowMajor:
      break
    case .packAtRunTime:
      let panels = buffers.scratch(Float.self)
      FloatGemm.packB(buffers.input(1, Float.self), kStride: 1, nStride: k, k: k, n: n, into: panels)
      problem.b = UnsafePointer(panels)
      problem.bPacked = true
    }
    FloatGemm.multiply(problem, scratch: scratchFloats(buffers))
  }
}

/// numpy matmul over broadcast batches. `aOffsets[i]` and `bOffsets[i]` are the element offsets of
/// batch i's matrices (into the packed B when B was packed); output batch i is at `i * cStride`.
struct MatMulPlan {
  enum Element { case float, double, int32, int64, uint32, uint64 }

  var element: Element
  var m: Int
  var n: Int
  var k: Int
  var aOffsets: [Int] = [0]
  var bOffsets: [Int] = [0]
  var cStride = 0
  /// B packed at load (float, B constant, N > 1).
  var packedB: Storage?

  init(element: Element, m: Int, n: Int, k: Int) {
    self.element = element
    self.m = m
    self.n = n
    self.k = k
  }

  func run(_ buffers: StepBuffers) {
    switch element {
    case .float: runFloat(buffers)
    case .double: runLoops(buffers, Double.self)
    case .int32: runWrapping(buffers, Int32.self)
    case .int64: runWrapping(buffers, Int64.self)
    case .uint32: runWrapping(buffers, UInt32.self)
    case .uint64: runWrapping(buffers, UInt64.self)
    }
  }

  func runFloat(_ buffers: StepBuffers) {
    let a = buffers.input(0, Float.self)
    let b = buffers.input(1, Float.self)
    let c = buffers.output(0, Float.self)
    let scratch = scratchFloats(buffers)
    for batch in 0..<aOffsets.count {
      let aBatch = a + aOffsets[batch]
      let cBatch = c + batch * cStride
      if n == 1 {
        let column = b + bOffsets[batch]
        for i in 0..<m { cBatch[i] = FloatGemm.dot(aBatch + i * k, column, k) }
      } else if let packed = packedB {
        let problem = FloatGemm.Problem(
          m: m, n: n, k: k, a: aBatch, aRowStride: k, aKStride: 1,
          b: UnsafePointer(packed.typed(Float.self)) + bOffsets[batch], bPacked: true, c: cBatch, ldc: n)
        FloatGemm.multiply(problem, scratch: scratch)
      } else {
        let problem = FloatGemm.Problem(
          m: m, n: n, k: k, a: aBatch, aRowStride: k, aKStride: 1, b: b + bOffsets[batch], ldb: n, c: cBatch, ldc: n)
        FloatGemm.multiply(problem, scratch: scratch)
      }
    }
  }

  func runLoops<T: FloatingPoint>(_ buffers: StepBuffers, _ type: T.Type) {
    let a = buffers.input(0, T.self)
    let b = buffers.input(1, T.self)
    let c = buffers.output(0, T.self)
    for batch in 0..<aOffsets.count {
      let aBatch = a + aOffsets[batch]
      let bBatch = b + bOffsets[batch]
      let cBatch = c + batch * cStride
      for i in 0..<m {
        for j in 0..<n {
          var sum = T.zero
          for p in 0..<k { sum += aBatch[i * k + p] * bBatch[p * n + j] }
          cBatch[i * n + j] = sum
        }
      }
    }
  }

  /// Integer products wrap on overflow, as two's-complement hardware does.
  func runWrapping<T: FixedWidthInteger>(_ buffers: StepBuffers, _ type: T.Type) {
    let a = buffers.input(0, T.self)
    let b = buffers.input(1, T.self)
    let c = buffers.output(0, T.self)
    for batch in 0..<aOffsets.count {
      let aBatch = a + aOffsets[batch]
      let bBatch = b + bOffsets[batch]
      let cBatch = c + batch * cStride
      for i in 0..<m {
        for j in 0..<n {
          var sum = T.zero
          for p in 0..<k { sum = sum &+ aBatch[i * k + p] &* bBatch[p * n + j] }
          cBatch[i * n + j] = sum
        }
      }
    }
  }
}

/// The step's scratch as floats, or nil when the step has none.
@inline(__always)
func scratchFloats(_ buffers: StepBuffers) -> UnsafeMutablePointer<Float>? {
  guard let raw = buffers.scratch else { return nil }
  return raw.assumingMemoryBound(to: Float.self)
}
