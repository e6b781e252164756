import ONNXFormat

/// Gather along one axis: data viewed as [outer, axisDim, inner], indices flattened to `indexCount`.
/// Constant indices are normalized at load; run-time indices (int64 or int32) are wrapped when
/// negative and then clamped into 0..<axisDim, so a bad index repeats the edge slice instead of
/// reading outside the tensor (ONNX leaves out-of-range indices undefined).
struct GatherPlan {
  let elementSize: Int
  let outer: Int
  let axisDim: Int
  /// Elements of one gathered slice.
  let inner: Int
  let indexCount: Int
  /// Normalized constant indices (Int), or nil when they come from input 1 at run time.
  let constantIndices: Storage?
  /// Byte size of run-time indices: 8 (int64) or 4 (int32).
  let indexBytes: Int

  func run(_ buffers: StepBuffers) {
    switch elementSize {
    case 1: run(buffers, UInt8.self)
    case 2: run(buffers, UInt16.self)
    case 4: run(buffers, UInt32.self)
    default: run(buffers, UInt64.self)
    }
  }

  @inline(__always)
  private func index(_ position: Int, _ table: UnsafeMutablePointer<Int>?, _ raw: UnsafeRawPointer)
    -> Int
  {
    if let table { return table[position] }
    var value =
      indexBytes == 8
      ? Int(truncatingIfNeeded: raw.assumingMemoryBound(to: Int64.self)[position])
      : Int(raw.assumingMemoryBound(to: Int32.self)[position])
    if value < 0 { value += axisDim }
    if value < 0 { return 0 }
    if value >= axisDim { return axisDim - 1 }
    return value
  }

  private func run<T>(_ buffers: StepBuffers, _ type: T.Type) {
    let data = buffers.inputs[0].unsafelyUnwrapped
    let indices = buffers.inputs[1].unsafelyUnwrapped
    let output = buffers.outputs[0]
    let table = constantIndices?.typed(Int.self)
    let sliceBytes = inner * elementSize
    let outerBytes = axisDim * sliceBytes
    if inner == 1 {
      let out = output.assumingMemoryBound(to: T.self)
      var position = 0
      var o = 0
      while o < outer {
        let source = (data + o * outerBytes).assumingMemoryBound(to: T.self)
        var j = 0
        while j < indexCount {
          out[position] = source[index(j, table, indices)]
          position += 1
          j += 1
        }
        o += 1
      }
      return
    }
    var destination = output
    var o = 0
    while o < outer {
      let source = data + o * outerBytes
      var j = 0
      while j < indexCount {
        destination.copyMemory(
          from: source + index(j, table, indices) * sliceBytes, byteCount: sliceBytes)
        destination += sliceBytes
        j += 1
      }
      o += 1
    }
  }
}

extension MovementOps {
  static func prepareGather(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let data = try context.input(0)
    let indicesType = try context.input(1)
    guard data.rank > 0 else { throw context.error("cannot gather from a scalar") }
    let axis = try context.axis(try context.int("axis", 0), rank: data.rank)
    let elementSize = try elementBytes(data, context, "data")
    guard indicesType.dataType == .int64 || indicesType.dataType == .int32 else {
      throw context.error("indices must be int64 or int32, got " + indicesType.dataType.name)
    }
    let shape = Array(data.shape[0..<axis]) + indicesType.shape + Array(data.shape[(axis + 1)...])
    let output = try context.checkedType(data.dataType, shape)
    let axisDim = data.shape[axis]
    var constantIndices: Storage?
    if let constant = context.constant(1) {
      guard let values = constant.integers() else { throw context.error("indices cannot be read") }
      var normalized: [Int] = []
      for value in values {
        let index = value < 0 ? value + axisDim : value
        guard index >= 0 && index < axisDim else {
          throw context.error(
            "index " + String(value) + " is out of range for dim " + String(axisDim) + " of axis "
              + String(axis))
        }
        normalized.append(index)
      }
      constantIndices = Storage(values: normalized)
    }
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    guard axisDim > 0 else {
      throw context.error("cannot gather from axis " + String(axis) + " of size 0")
    }
    let plan = GatherPlan(
      elementSize: elementSize, outer: product(data.shape, 0..<axis), axisDim: axisDim,
      inner: product(data.shape, (axis + 1)..<data.rank), indexCount: indicesType.count,
      constantIndices: constantIndices, indexBytes: indicesType.dataType == .int64 ? 8 : 4)
    return Prepared(.movement(MovementKernel(.gather(plan))), outputs: [output])
  }
}
