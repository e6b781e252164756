import ONNXFormat

/// Gemm and MatMul. Float32 runs on `FloatGemm`, with a constant B packed once here; MatMul also
/// takes double, int32, int64, uint32 and uint64 through plain loops.
enum MatrixOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .gemm: return try prepareGemm(context)
    default: return try prepareMatMul(context)
    }
  }

  // MARK: MatMul

  static func prepareMatMul(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let aType = try context.input(0)
    let bType = try context.input(1)
    guard aType.dataType == bType.dataType else {
      throw context.error("A is " + aType.dataType.name + " but B is " + bType.dataType.name)
    }
    let element: MatMulPlan.Element
    switch aType.dataType {
    case .float: element = .float
    case .double: element = .double
    case .int32: element = .int32
    case .int64: element = .int64
    case .uint32: element = .uint32
    case .uint64: element = .uint64
    default: throw context.unsupported("does not support " + aType.dataType.name + " inputs")
    }
    guard aType.rank >= 1 && bType.rank >= 1 else {
      throw context.error("inputs must have rank 1 or more, got " + aType.text + " and " + bType.text)
    }
    // numpy: a 1-D A is a row [1, K], a 1-D B a column [K, 1]; the added dim leaves the output.
    let aShape = aType.rank == 1 ? [1, aType.shape[0]] : aType.shape
    let bShape = bType.rank == 1 ? [bType.shape[0], 1] : bType.shape
    let m = aShape[aShape.count - 2]
    let k = aShape[aShape.count - 1]
    let n = bShape[bShape.count - 1]
    guard bShape[bShape.count - 2] == k else {
      throw context.error(
        "inner dimensions differ: A " + aType.text + " has K = " + String(k) + ", B " + bType.text + " has "
          + String(bShape[bShape.count - 2]))
    }
    let aBatch = Array(aShape.dropLast(2))
    let bBatch = Array(bShape.dropLast(2))
    guard let batch = broadcastShapes(aBatch, bBatch) else {
      throw context.error("batch dimensions of " + aType.text + " and " + bType.text + " do not broadcast")
    }
    var outputShape = batch
    if aType.rank > 1 { outputShape.append(m) }
    if bType.rank > 1 { outputShape.append(n) }
    let output = try context.checkedType(aType.dataType, outputShape)

    let batchCount = elementCount(batch) ?? 0
    let aBatchCount = elementCount(aBatch) ?? 0
    let bBatchCount = elementCount(bBatch) ?? 0
    var plan = MatMulPlan(element: element, m: m, n: n, k: k)
    if bBatchCount == 1 && aBatchCount == batchCount {
      // One B for every batch and the A batches in output order: one product with M = batch * M.
      plan.m = batchCount * m
      plan.aOffsets = [0]
      plan.bOffsets = [0]
    } else {
      let aIndices = broadcastIndices(batch, aBatch)
      let bIndices = broadcastIndices(batch, bBatch)
      plan.aOffsets = aIndices.map { $0 * m * k }
      plan.bOffsets = bIndices.map { $0 * k * n }
    }
    plan.cStride = m * n
    var scratch = 0
    if element == .float && n > 1 {
      if let constant = context.constant(1), k > 0 {
        let packedCount = FloatGemm.packedBCount(k: k, n: n)
        let storage = Storage(byteCount: max(bBatchCount, 1) * packedCount * 4)
        let source = constant.storage.typed(Float.self)
        for index in 0..<bBatchCount {
          FloatGemm.packB(
            source + index * k * n, kStride: n, nStride: 1, k: k, n: n,
            into: storage.typed(Float.self) + index * packedCount)
        }
        plan.packedB = storage
        plan.bOffsets = plan.bOffsets.map { $0 / (k * n) * packedCount }
      } else {
        scratch = FloatGemm.tailScratchCount(n: n, k: k, bPackedOrPadded: false) * 4
      }
    }
    return Prepared(.matrix(MatrixKernel(.matMul(plan))), outputs: [output], scratchBytes: scratch)
  }

  // MARK: Gemm

  static func prepareGemm(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let aType = try context.input(0)
    let bType = try context.input(1)
    for (index, type) in [aType, bType].enumerated() {
      guard type.dataType == .float else {
        throw context.unsupported("supports float32 only; input " + String(index) + " is " + type.text)
      }
      guard type.rank == 2 else {
        throw context.error("input " + String(index) + " must be a matrix, got " + type.text)
      }
    }
    let alpha = try context.float("alpha", 1)
    let beta = try context.float("beta", 1)
    let transA = try context.int("transA", 0) != 0
    let transB = try context.int("transB", 0) != 0
    let m = transA ? aType.shape[1] : aType.shape[0]
    let k = transA ? aType.shape[0] : aType.shape[1]
    let kB = transB ? bType.shape[1] : bType.shape[0]
    let n = transB ? bType.shape[0] : bType.shape[1]
    guard k == kB else {
      throw context.error(
        "inner dimensions differ: A " + aType.text + (transA ? " (transposed)" : "") + " and B " + bType.text
          + (transB ? " (transposed)" : ""))
    }
    let output = try context.checkedType(.float, [m, n])
    var plan = GemmPlan(m: m, n: n, k: k, alpha: alpha)
    plan.aRowStride = transA ? 1 : k
    plan.aKStride = transA ? m : 1

    // C: broadcast to [M, N] and scaled by beta.
    if context.has(2) && beta != 0 {
      let cType = try context.input(2)
      guard cType.dataType == .float else { throw context.error("C must be float32, got " + cType.text) }
      guard cType.rank <= 2 else { throw context.error("C must have rank 2 or less, got " + cType.text) }
      let cRows = cType.rank == 2 ? cType.shape[0] : 1
      let cCols = cType.rank >= 1 ? cType.shape[cType.rank - 1] : 1
      guard (cRows == 1 || cRows == m) && (cCols == 1 || cCols == n) else {
        throw context.error("C " + cType.text + " does not broadcast to [" + String(m) + ", " + String(n) + "]")
      }
      let rowStride = cRows == 1 ? 0 : cCols
      let colStride = cCols == 1 ? 0 : 1
      if let constant = context.constant(2), cRows == 1 || cCols == 1 {
        let values = constant.storage.typed(Float.self)
        if cRows == 1 {
          let storage = Storage(byteCount: FloatGemm.roundUp(max(n, 1), FloatGemm.nr) * 4)
          for j in 0..<n { storage.typed(Float.self)[j] = beta * values[j * colStride] }
          plan.colBias = storage
        } else {
          let storage = Storage(byteCount: max(m, 1) * 4)
          for i in 0..<m { storage.typed(Float.self)[i] = beta * values[i * rowStride] }
          plan.rowBias = storage
        }
      } else {
        plan.prefill = GemmPlan.Prefill(beta: beta, rowStride: rowStride, colStride: colStride)
      }
    }

    var scratch = 0
    if let constant = context.constant(1), k > 0 {
      let storage = Storage(byteCount: FloatGemm.packedBCount(k: k, n: n) * 4)
      FloatGemm.packB(
        constant.storage.typed(Float.self), kStride: transB ? 1 : n, nStride: transB ? k : 1, k: k, n: n,
        into: storage.typed(Float.self))
      plan.b = .packed(storage)
    } else if transB {
      plan.b = .packAtRunTime
      scratch = max(FloatGemm.packedBCount(k: k, n: n), 1) * 4
    } else {
      plan.b = .rowMajor
      scratch = FloatGemm.tailScratchCount(n: n, k: k, bPackedOrPadded: false) * 4
    }
    return Prepared(.matrix(MatrixKernel(.gemm(plan))), outputs: [output], scratchBytes: scratch)
  }

  // MARK: Broadcasting helpers

  /// numpy broadcast of two shapes, or nil when they do not broadcast.
  static func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
      let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
      let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
      if x == y || y == 1 {
        result[axis] = x
      } else if x == 1 {
        result[axis] = y
      } else {
        return nil
      }
    }
    return result
  }

  /// For every index of `shape` in row-major order, the linear index of the element of `source`
  /// (right-aligned, dims of 1 broadcast) it reads.
  static func broadcastIndices(_ shape: [Int], _ source: [Int]) -> [Int] {
    let rank = shape.count
    let count = elementCount(shape) ?? 0
    var strides = [Int](repeating: 0, count: rank)
    var running = 1
    for axis in stride(from: rank - 1, through: 0, by: -1) {
      let sourceAxis = axis - (rank - source.count)
      if sourceAxis >= 0 {
        let dim = source[sourceAxis]
        strides[axis] = dim == 1 ? 0 : running
        running *= dim
      }
    }
    var result: [Int] = []
    result.reserveCapacity(count)
    var index = [Int](repeating: 0, count: rank)
    for _ in 0..<count {
      var offset = 0
      for axis in 0..<rank { offset += index[axis] * strides[axis] }
      result.append(offset)
      var axis = rank - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return result
  }
}
