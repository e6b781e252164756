import ONNXFormat

// Concat and Split: both view every tensor as [outer, axis * inner] and move whole contiguous blocks.

/// Concat: for each outer index, input i contributes one block of `blockBytes[i]` bytes.
struct ConcatPlan {
  let outer: Int
  let blockBytes: [Int]
  /// Byte offset of input i's block inside one output row.
  let rowOffsets: [Int]
  let rowBytes: Int

  func run(_ buffers: StepBuffers) {
    let output = buffers.outputs[0]
    var input = 0
    while input < blockBytes.count {
      let bytes = blockBytes[input]
      if bytes > 0 {
        let source = buffers.inputs[input].unsafelyUnwrapped
        var destination = output + rowOffsets[input]
        var from = source
        var row = 0
        while row < outer {
          destination.copyMemory(from: from, byteCount: bytes)
          destination += rowBytes
          from += bytes
          row += 1
        }
      }
      input += 1
    }
  }
}

/// Split: output i takes `blockBytes[i]` bytes of each input row.
struct SplitPlan {
  let outer: Int
  let blockBytes: [Int]
  let rowOffsets: [Int]
  let rowBytes: Int

  func run(_ buffers: StepBuffers) {
    let input = buffers.inputs[0].unsafelyUnwrapped
    var output = 0
    while output < blockBytes.count {
      let bytes = blockBytes[output]
      if bytes > 0 {
        var destination = buffers.outputs[output]
        var from = input + rowOffsets[output]
        var row = 0
        while row < outer {
          destination.copyMemory(from: from, byteCount: bytes)
          destination += bytes
          from += rowBytes
          row += 1
        }
      }
      output += 1
    }
  }
}

extension MovementOps {
  static func prepareConcat(_ context: OpContext) throws(RuntimeError) -> Prepared {
    guard context.inputCount >= 1 else { throw context.error("needs at least one input") }
    let first = try context.input(0)
    guard context.has(attribute: "axis") || context.opset < 4 else {
      throw context.error("attribute 'axis' is required")
    }
    let axisValue = try context.int("axis", 1)
    guard first.rank > 0 else { throw context.error("cannot concatenate scalars") }
    let axis = try context.axis(axisValue, rank: first.rank)
    let elementSize = try elementBytes(first, context)
    var shape = first.shape
    shape[axis] = 0
    for index in 0..<context.inputCount {
      let type = try context.input(index)
      guard type.dataType == first.dataType else {
        throw context.error(
          "input " + String(index) + " is " + type.dataType.name + ", input 0 is "
            + first.dataType.name)
      }
      guard type.rank == first.rank else {
        throw context.error(
          "input " + String(index) + " " + dimsText(type.shape) + " differs in rank from "
            + dimsText(first.shape))
      }
      for dim in 0..<first.rank where dim != axis && type.shape[dim] != first.shape[dim] {
        throw context.error(
          "input " + String(index) + " " + dimsText(type.shape) + " does not match "
            + dimsText(first.shape)
            + " outside axis " + String(axis))
      }
      shape[axis] += type.shape[axis]
    }
    let output = try context.checkedType(first.dataType, shape)
    if context.inputCount == 1 { return Prepared(.none, outputs: [output], aliasesInput: true) }
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    let outer = product(shape, 0..<axis)
    let inner = product(shape, (axis + 1)..<shape.count) * elementSize
    var blockBytes: [Int] = []
    var rowOffsets: [Int] = []
    var offset = 0
    for index in 0..<context.inputCount {
      let bytes = context.inputs[index].unsafelyUnwrapped.shape[axis] * inner
      blockBytes.append(bytes)
      rowOffsets.append(offset)
      offset += bytes
    }
    let plan = ConcatPlan(
      outer: outer, blockBytes: blockBytes, rowOffsets: rowOffsets, rowBytes: offset)
    return Prepared(.movement(MovementKernel(.concat(plan))), outputs: [output])
  }

  static func prepareSplit(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    guard input.rank > 0 else { throw context.error("cannot split a scalar") }
    let axis = try context.axis(try context.int("axis", 0), rank: input.rank)
    let elementSize = try elementBytes(input, context)
    let dim = input.shape[axis]
    let outputs = context.outputCount
    guard outputs >= 1 else { throw context.error("needs at least one output") }

    var split: [Int]?
    if context.opset >= 13 {
      if context.has(1) { split = try context.requireIntegers(1, "split") }
    } else {
      split = try context.ints("split")
    }
    if let given = split, given.isEmpty { split = nil }
    let numOutputs = context.opset >= 18 ? try context.int("num_outputs", 0) : 0
    var sizes: [Int]
    if let split {
      if numOutputs != 0 { throw context.error("split and num_outputs must not both be given") }
      guard split.count == outputs else {
        throw context.error(
          "split " + dimsText(split) + " has " + String(split.count) + " entries for "
            + String(outputs) + " outputs")
      }
      var total = 0
      for size in split {
        guard size >= 0 else {
          throw context.error("split " + dimsText(split) + " has a negative entry")
        }
        total += size
      }
      guard total == dim else {
        throw context.error(
          "split " + dimsText(split) + " does not sum to dim " + String(dim) + " of axis "
            + String(axis))
      }
      sizes = split
    } else if numOutputs != 0 {
      guard numOutputs == outputs else {
        throw context.error(
          "num_outputs " + String(numOutputs) + " does not match the node's " + String(outputs)
            + " outputs")
      }
      let chunk = (dim + numOutputs - 1) / numOutputs
      let lastSize = dim - chunk * (numOutputs - 1)
      guard lastSize >= 0 else {
        throw context.error(
          "dim " + String(dim) + " cannot be split into " + String(numOutputs) + " chunks of "
            + String(chunk))
      }
      sizes = [Int](repeating: chunk, count: numOutputs)
      sizes[numOutputs - 1] = lastSize
    } else {
      guard dim % outputs == 0 else {
        throw context.error(
          "dim " + String(dim) + " of axis " + String(axis) + " does not split evenly into "
            + String(outputs) + " outputs")
      }
      sizes = [Int](repeating: dim / outputs, count: outputs)
    }

    var types: [TensorType] = []
    for size in sizes {
      var shape = input.shape
      shape[axis] = size
      types.append(try context.checkedType(input.dataType, shape))
    }
    if outputs == 1 { return Prepared(.none, outputs: types, aliasesInput: true) }
    if input.count == 0 { return Prepared(.none, outputs: types) }
    let outer = product(input.shape, 0..<axis)
    let inner = product(input.shape, (axis + 1)..<input.rank) * elementSize
    var blockBytes: [Int] = []
    var rowOffsets: [Int] = []
    var offset = 0
    for size in sizes {
      blockBytes.append(size * inner)
      rowOffsets.append(offset)
      offset += size * inner
    }
    let plan = SplitPlan(
      outer: outer, blockBytes: blockBytes, rowOffsets: rowOffsets, rowBytes: offset)
    return Prepared(.movement(MovementKernel(.split(plan))), outputs: types)
  }
}
