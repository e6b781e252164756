import ONNXFormat

/// QLinearMatMul, MatMulInteger (ai.onnx) and QGemm (com.microsoft, as ONNX Runtime's quantizer emits
/// it), on `IntegerGemm`. A constant B is packed once here. Requantizers come from the float32
/// multipliers ONNX Runtime computes: `a_scale * b_scale[j] / y_scale` (QLinearMatMul) and
/// `alpha * a_scale * b_scale[j] / y_scale` (QGemm), in that order.
enum IntegerMatrixOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .qgemm: return try prepareQGemm(context)
    default: return try prepareMatMul(context)
    }
  }

  /// How a zero point or scale spreads over a batch of matrices: entry (batch b, index i) at
  /// `b * batchStride + i * stride`.
  struct Spread {
    var stride = 0
    var batchStride = 0
    var perTensor: Bool { stride == 0 && batchStride == 0 }
  }

  /// Per tensor (one value), per row / column (1-D of `count`), or, for an operand of shape
  /// [D..., rows, cols], one value per batch and row ([D..., count, 1]) / column ([D..., 1, count]).
  static func spread(
    _ context: OpContext, _ index: Int, _ what: String, count: Int, batch: [Int], columns: Bool
  ) throws(RuntimeError) -> Spread {
    let type = try context.input(index)
    if type.count == 1 && type.rank <= 1 { return Spread() }
    if type.rank == 1 && type.shape[0] == count { return Spread(stride: 1, batchStride: 0) }
    if type.rank >= 2 && type.rank <= batch.count + 2
      && Array(type.shape.suffix(2)) == (columns ? [1, count] : [count, 1])
    {
      let leading = Array(type.shape.dropLast(2))
      if leading.allSatisfy({ $0 == 1 }) { return Spread(stride: 1, batchStride: 0) }
      if leading == batch { return Spread(stride: 1, batchStride: count) }
    }
    let axis = columns ? "column" : "row"
    throw context.error(
      what + " " + type.text + " must be a scalar, 1-D with " + String(count) + " values (one per "
        + axis
        + ") or [batch..., " + (columns ? "1, " + String(count) : String(count) + ", 1") + "]")
  }

  static func quantizedKind(_ context: OpContext, _ index: Int) throws(RuntimeError)
    -> IntegerGemm.Output.Kind
  {
    let type = try context.input(index)
    return try IntegerGemmParameters.eightBit(context, type, "y_zero_point") ? .int8 : .uint8
  }

  static func dataType(_ kind: IntegerGemm.Output.Kind) -> DataType {
    switch kind {
    case .int32: return .int32
    case .uint8: return .uint8
    case .int8: return .int8
    case .float: return .float
    }
  }

  // MARK: QLinearMatMul and MatMulInteger

  static func prepareMatMul(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let qlinear = context.op == .qlinearMatMul
    // QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
    // MatMulInteger: A, B, a_zero_point, b_zero_point.
    let bIndex = qlinear ? 3 : 1
    let aZeroIndex = 2
    let bZeroIndex = qlinear ? 5 : 3
    let aType = try context.input(0)
    let bType = try context.input(bIndex)
    let aSigned = try IntegerGemmParameters.eightBit(context, aType, "A")
    let bSigned = try IntegerGemmParameters.eightBit(context, bType, "B")
    guard aType.rank >= 1 && bType.rank >= 1 else {
      throw context.error(
        "inputs must have rank 1 or more, got " + aType.text + " and " + bType.text)
    }
    // numpy: a 1-D A is a row [1, K], a 1-D B a column [K, 1]; the added dim leaves the output.
    let aShape = aType.rank == 1 ? [1, aType.shape[0]] : aType.shape
    let bShape = bType.rank == 1 ? [bType.shape[0], 1] : bType.shape
    let m = aShape[aShape.count - 2]
    let k = aShape[aShape.count - 1]
    let n = bShape[bShape.count - 1]
    guard bShape[bShape.count - 2] == k else {
      throw context.error(
        "inner dimensions differ: A " + aType.text + " has K = " + String(k) + ", B " + bType.text
          + " has "
          + String(bShape[bShape.count - 2]))
    }
    let aBatch = Array(aShape.dropLast(2))
    let bBatch = Array(bShape.dropLast(2))
    guard let batch = MatrixOps.broadcastShapes(aBatch, bBatch) else {
      throw context.error(
        "batch dimensions of " + aType.text + " and " + bType.text + " do not broadcast")
    }
    try IntegerGemmParameters.checkZeroPointType(
      context, aZeroIndex, "a_zero_point", data: aType, dataName: "A")
    try IntegerGemmParameters.checkZeroPointType(
      context, bZeroIndex, "b_zero_point", data: bType, dataName: "B")
    var aZero = Spread()
    if context.has(aZeroIndex) {
      aZero = try spread(
        context, aZeroIndex, "a_zero_point", count: m, batch: aBatch, columns: false)
    }
    var bZero = Spread()
    if context.has(bZeroIndex) {
      bZero = try spread(
        context, bZeroIndex, "b_zero_point", count: n, batch: bBatch, columns: true)
    }
    var outputShape = batch
    if aType.rank > 1 { outputShape.append(m) }
    if bType.rank > 1 { outputShape.append(n) }

    var outputKind = IntegerGemm.Output.Kind.int32
    var requantizers: Storage? = nil
    var requantBatchStride = 0
    var yZero: Int32 = 0
    if qlinear {
      let aScaleType = try context.input(1)
      guard aScaleType.count == 1 && aScaleType.rank <= 1 && aZero.perTensor else {
        throw context.unsupported(
          "supports a per-tensor a_scale and a_zero_point only (ONNX Runtime too); got a_scale "
            + aScaleType.text
            + (context.has(aZeroIndex)
              ? ", a_zero_point " + (try context.input(aZeroIndex)).text : ""))
      }
      let aScale = try IntegerGemmParameters.scale(context, 1, "a_scale")
      if context.has(aZeroIndex) { _ = try context.requireConstant(aZeroIndex, "a_zero_point") }
      let bScaleSpread = try spread(context, 4, "b_scale", count: n, batch: bBatch, columns: true)
      let bScales = try IntegerGemmParameters.scaleValues(context, 4, "b_scale")
      if context.has(bZeroIndex) { _ = try context.requireConstant(bZeroIndex, "b_zero_point") }
      let yScale = try IntegerGemmParameters.scale(context, 6, "y_scale")
      guard context.has(7) else {
        throw context.error("y_zero_point (input 7) is required: its type is the output's")
      }
      let yType = try context.input(7)
      outputKind = try quantizedKind(context, 7)
      yZero = try IntegerGemmParameters.zeroPoint(
        context, 7, "y_zero_point", data: yType, dataName: "y")
      // n requantizers per B batch the scales vary over.
      let batches = bScaleSpread.batchStride == 0 ? 1 : max(elementCount(bBatch) ?? 1, 1)
      var multipliers: [Float] = []
      for b in 0..<batches {
        for j in 0..<n {
          let bScale = bScales[b * bScaleSpread.batchStride + j * bScaleSpread.stride]
          multipliers.append(
            requantizationScale(inputScale: aScale, weightScale: bScale, outputScale: yScale))
        }
      }
      requantizers = try IntegerGemmParameters.requantizers(
        context, multipliers, "a_scale * b_scale / y_scale")
      requantBatchStride = bScaleSpread.batchStride == 0 ? 0 : n
    }
    let output = try context.checkedType(dataType(outputKind), outputShape)

    var plan = IntegerMatrixKernel(
      m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned, outputKind: outputKind)
    plan.aInput = 0
    plan.aRowStride = k
    plan.aKStride = 1
    plan.aZeroInput = context.has(aZeroIndex) ? aZeroIndex : nil
    plan.aZeroStride = aZero.stride
    plan.requantizers = requantizers
    plan.requantBatchStride = requantBatchStride
    plan.yZero = yZero

    let batchCount = elementCount(batch) ?? 0
    let aBatchCount = elementCount(aBatch) ?? 0
    let bBatchCount = elementCount(bBatch) ?? 0
    if bBatchCount == 1 && aBatchCount == batchCount
      && (batchCount <= 1 || aZero.batchStride == m * aZero.stride)
    {
      // One B for every batch, the A batches in output order and their zero points too: one product
      // with M = batch * M.
      plan.m = batchCount * m
      if batchCount > 0 {
        plan.products = [.init(aOffset: 0, aZeroOffset: 0, bIndex: 0, cOffset: 0)]
      }
    } else {
      let aIndices = MatrixOps.broadcastIndices(batch, aBatch)
      let bIndices = MatrixOps.broadcastIndices(batch, bBatch)
      for index in 0..<batchCount {
        plan.products.append(
          .init(
            aOffset: aIndices[index] * m * k, aZeroOffset: aIndices[index] * aZero.batchStride,
            bIndex: bIndices[index], cOffset: index * m * n))
      }
    }
    let scratch = try planB(
      context, &plan, bIndex: bIndex, bZeroIndex: bZeroIndex, bZero: bZero, kStride: n, nStride: 1,
      batchCount: bBatchCount)
    return Prepared(.integerMatrix(plan), outputs: [output], scratchBytes: scratch)
  }

  /// Packs a constant B (every batch) or plans its run-time packing; sets the blocking and returns the
  /// scratch bytes.
  static func planB(
    _ context: OpContext, _ plan: inout IntegerMatrixKernel, bIndex: Int, bZeroIndex: Int,
    bZero: Spread,
    kStride: Int, nStride: Int, batchCount: Int
  ) throws(RuntimeError) -> Int {
    let layout = plan.layout
    plan.bInput = bIndex
    plan.bKStride = kStride
    plan.bNStride = nStride
    plan.bBatchStride = plan.k * plan.n
    plan.bZeroInput = context.has(bZeroIndex) ? bZeroIndex : nil
    plan.bZeroStride = bZero.stride
    plan.bZeroBatchStride = bZero.batchStride
    plan.blockRows = IntegerGemm.blockRows(m: plan.m, k: plan.k)
    let gemmScratch = IntegerGemm.scratchBytes(blockRows: plan.blockRows, k: plan.k)
    if let b = context.constant(bIndex) {
      let zeros: Constant? =
        context.has(bZeroIndex) ? try context.requireConstant(bZeroIndex, "b_zero_point") : nil
      let storage = Storage(byteCount: max(batchCount * layout.byteCount, 1))
      for index in 0..<batchCount {
        let destination = storage.pointer + index * layout.byteCount
        if plan.bSigned {
          IntegerGemm.packB(
            UnsafePointer(b.storage.typed(Int8.self)) + index * plan.bBatchStride, kStride: kStride,
            nStride: nStride,
            k: plan.k, n: plan.n,
            zeroPoints: zeros.map {
              UnsafePointer($0.storage.typed(Int8.self)) + index * bZero.batchStride
            },
            zeroPointStride: bZero.stride, into: destination)
        } else {
          IntegerGemm.packB(
            UnsafePointer(b.storage.typed(UInt8.self)) + index * plan.bBatchStride,
            kStride: kStride,
            nStride: nStride, k: plan.k, n: plan.n,
            zeroPoints: zeros.map {
              UnsafePointer($0.storage.typed(UInt8.self)) + index * bZero.batchStride
            },
            zeroPointStride: bZero.stride, into: destination)
        }
      }
      plan.packedB = storage
      plan.gemmScratchOffset = 0
      return gemmScratch
    }
    plan.gemmScratchOffset = layout.byteCount
    return layout.byteCount + gemmScratch
  }

  // MARK: QGemm

  static func prepareQGemm(_ context: OpContext) throws(RuntimeError) -> Prepared {
    // A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale, y_zero_point.
    let aType = try context.input(0)
    let bType = try context.input(3)
    let aSigned = try IntegerGemmParameters.eightBit(context, aType, "A")
    let bSigned = try IntegerGemmParameters.eightBit(context, bType, "B")
    for (name, type) in [("A", aType), ("B", bType)] where type.rank != 2 {
      throw context.error(name + " must be a matrix, got " + type.text)
    }
    let alpha = try context.float("alpha", 1)
    let transA = try context.int("transA", 0) != 0
    let transB = try context.int("transB", 0) != 0
    let m = transA ? aType.shape[1] : aType.shape[0]
    let k = transA ? aType.shape[0] : aType.shape[1]
    let kB = transB ? bType.shape[1] : bType.shape[0]
    let n = transB ? bType.shape[0] : bType.shape[1]
    guard k == kB else {
      throw context.error(
        "inner dimensions differ: A " + aType.text + (transA ? " (transposed)" : "") + " and B "
          + bType.text
          + (transB ? " (transposed)" : ""))
    }
    guard alpha.isFinite else { throw context.error("alpha must be finite") }
    let aScale = try IntegerGemmParameters.scale(context, 1, "a_scale")
    guard context.has(2) else { throw context.error("a_zero_point (input 2) is required") }
    try IntegerGemmParameters.checkZeroPointType(
      context, 2, "a_zero_point", data: aType, dataName: "A")
    _ = try IntegerGemmParameters.zeroPoint(context, 2, "a_zero_point", data: aType, dataName: "A")
    let (bScales, bScaleStride) = try IntegerGemmParameters.scales(
      context, 4, "b_scale", count: n, per: "column")
    try IntegerGemmParameters.checkZeroPointType(
      context, 5, "b_zero_point", data: bType, dataName: "B")
    var bZero = Spread()
    if context.has(5) {
      bZero.stride = try IntegerGemmParameters.stride(
        context, try context.input(5), "b_zero_point", count: n, per: "column")
      _ = try context.requireConstant(5, "b_zero_point")
    }
    let yScale: Float? =
      context.has(7) ? try IntegerGemmParameters.scale(context, 7, "y_scale") : nil

    var plan = IntegerMatrixKernel(
      m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned, outputKind: .float)
    // ONNX Runtime: scale_j = alpha * a_scale * b_scale[j], divided by y_scale when there is one.
    var multipliers: [Float] = []
    for j in 0..<n {
      var scale = alpha * aScale * bScales[j * bScaleStride]
      if let yScale = yScale { scale /= yScale }
      multipliers.append(scale)
    }
    if context.has(8) {
      guard yScale != nil else {
        throw context.error("y_zero_point is given without y_scale; a quantized output needs both")
      }
      guard alpha > 0 else {
        throw context.unsupported(
          "supports a positive alpha only when the output is quantized, got " + String(alpha))
      }
      let yType = try context.input(8)
      plan.outputKind = try quantizedKind(context, 8)
      plan.yZero = try IntegerGemmParameters.zeroPoint(
        context, 8, "y_zero_point", data: yType, dataName: "Y")
      plan.requantizers = try IntegerGemmParameters.requantizers(
        context, multipliers, "alpha * a_scale * b_scale / y_scale")
    } else {
      for multiplier in multipliers where !multiplier.isFinite {
        throw context.error(
          "alpha * a_scale * b_scale is " + String(multiplier) + "; it must be finite")
      }
      plan.scales = Storage(values: multipliers)
      plan.scaleStride = 1
    }
    if context.has(6) {
      let cType = try context.input(6)
      guard cType.dataType == .int32 else {
        throw context.error("C must be int32, got " + cType.text)
      }
      guard cType.rank <= 2 else {
        throw context.error("C must have rank 2 or less, got " + cType.text)
      }
      let cRows = cType.rank == 2 ? cType.shape[0] : 1
      let cCols = cType.rank >= 1 ? cType.shape[cType.rank - 1] : 1
      guard (cRows == 1 || cRows == m) && (cCols == 1 || cCols == n) else {
        throw context.error(
          "C " + cType.text + " does not broadcast to [" + String(m) + ", " + String(n) + "]")
      }
      plan.biasInput = 6
      plan.biasRowStride = cRows == 1 ? 0 : cCols
      plan.biasColStride = cCols == 1 ? 0 : 1
    }
    let output = try context.checkedType(dataType(plan.outputKind), [m, n])
    plan.aInput = 0
    plan.aRowStride = transA ? 1 : k
    plan.aKStride = transA ? m : 1
    plan.aZeroInput = 2
    plan.aZeroStride = 0
    if m > 0 { plan.products = [.init(aOffset: 0, aZeroOffset: 0, bIndex: 0, cOffset: 0)] }
    let scratch = try planB(
      context, &plan, bIndex: 3, bZeroIndex: 5, bZero: bZero, kStride: transB ? 1 : n,
      nStride: transB ? k : 1,
      batchCount: 1)
    return Prepared(.integerMatrix(plan), outputs: [output], scratchBytes: scratch)
  }
}
