import ONNXFormat

// Transpose, Slice, Expand and Tile: each is a strided copy of its input (see StridedCopyPlan).
extension MovementOps {
  /// The step for a strided copy, aliasing the input when the copy would reproduce it byte for byte.
  static func stridedStep(
    _ context: OpContext, _ input: TensorType, _ shape: [Int], strides: [Int], offset: Int = 0
  ) throws(RuntimeError) -> Prepared {
    let elementSize = try elementBytes(input, context)
    let output = try context.checkedType(input.dataType, shape)
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    let plan = StridedCopyPlan(
      elementSize: elementSize, shape: shape, strides: strides, offset: offset)
    if plan.isIdentity && output.count == input.count {
      return Prepared(.none, outputs: [output], aliasesInput: true)
    }
    return Prepared(.movement(MovementKernel(.strided(plan))), outputs: [output])
  }

  static func prepareTranspose(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let rank = input.rank
    var perm: [Int] = []
    if let given = try context.ints("perm") {
      guard given.count == rank else {
        throw context.error("perm " + dimsText(given) + " does not match rank " + String(rank))
      }
      perm = try normalizedAxes(context, given, rank: rank, "perm entry")
    } else {
      var index = rank - 1
      while index >= 0 {
        perm.append(index)
        index -= 1
      }
    }
    let inputStrides = contiguousStrides(input.shape)
    var shape: [Int] = []
    var strides: [Int] = []
    for axis in perm {
      shape.append(input.shape[axis])
      strides.append(inputStrides[axis])
    }
    return try stridedStep(context, input, shape, strides: strides)
  }

  static func prepareSlice(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let rank = input.rank
    let starts: [Int]
    let ends: [Int]
    var axes: [Int]?
    var steps: [Int]?
    if context.opset < 10 {
      guard let s = try context.ints("starts"), let e = try context.ints("ends") else {
        throw context.error("attributes 'starts' and 'ends' are required")
      }
      starts = s
      ends = e
      axes = try context.ints("axes")
    } else {
      starts = try context.requireIntegers(1, "starts")
      ends = try context.requireIntegers(2, "ends")
      if context.has(3) { axes = try context.requireIntegers(3, "axes") }
      if context.has(4) { steps = try context.requireIntegers(4, "steps") }
    }
    guard starts.count == ends.count else {
      throw context.error(
        "starts " + dimsText(starts) + " and ends " + dimsText(ends) + " differ in length")
    }
    let axisList: [Int]
    if let axes {
      guard axes.count == starts.count else {
        throw context.error("axes and starts differ in length")
      }
      axisList = try normalizedAxes(context, axes, rank: rank)
    } else {
      guard starts.count <= rank else {
        throw context.error("more starts than the input's rank " + String(rank))
      }
      axisList = Array(0..<starts.count)
    }
    if let steps, steps.count != starts.count {
      throw context.error("steps and starts differ in length")
    }

    var shape = input.shape
    let inputStrides = contiguousStrides(input.shape)
    var strides = inputStrides
    var offset = 0
    for (index, axis) in axisList.enumerated() {
      let dim = input.shape[axis]
      let step = steps?[index] ?? 1
      guard step != 0 else { throw context.error("step for axis " + String(axis) + " is zero") }
      var start = starts[index]
      var end = ends[index]
      if start < 0 { start += dim }
      if end < 0 { end += dim }
      let count: Int
      if step > 0 {
        start = Swift.min(Swift.max(start, 0), dim)
        end = Swift.min(Swift.max(end, 0), dim)
        count = end > start ? (end - start + step - 1) / step : 0
      } else {
        start = Swift.min(Swift.max(start, 0), dim - 1)
        end = Swift.min(Swift.max(end, -1), dim - 1)
        count = start > end ? (start - end + (-step) - 1) / (-step) : 0
      }
      shape[axis] = count
      strides[axis] = inputStrides[axis] * step
      if count > 0 { offset += start * inputStrides[axis] }
    }
    return try stridedStep(context, input, shape, strides: strides, offset: offset)
  }

  static func prepareExpand(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let requested = try context.requireIntegers(1, "shape")
    let rank = Swift.max(input.rank, requested.count)
    let inputStrides = contiguousStrides(input.shape)
    var shape: [Int] = []
    var strides: [Int] = []
    for index in 0..<rank {
      let inputIndex = index - (rank - input.rank)
      let requestedIndex = index - (rank - requested.count)
      let have = inputIndex >= 0 ? input.shape[inputIndex] : 1
      let want = requestedIndex >= 0 ? requested[requestedIndex] : 1
      let dim: Int
      if have == want || want == 1 {
        dim = have
      } else if have == 1 {
        dim = want
      } else {
        throw context.error("cannot expand " + dimsText(input.shape) + " to " + dimsText(requested))
      }
      shape.append(dim)
      strides.append(
        inputIndex >= 0 && input.shape[inputIndex] == dim ? inputStrides[inputIndex] : 0)
    }
    return try stridedStep(context, input, shape, strides: strides)
  }

  static func prepareTile(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    guard context.opset >= 6 else {
      throw context.unsupported("Tile before opset 6 is not supported")
    }
    let repeats = try context.requireIntegers(1, "repeats")
    guard repeats.count == input.rank else {
      throw context.error(
        "repeats " + dimsText(repeats) + " does not match rank " + String(input.rank))
    }
    let inputStrides = contiguousStrides(input.shape)
    // Output index (r, i) along each dim reads input index i: dims [r0, d0, r1, d1, ...], strides [0, s0, 0, s1, ...].
    var shape: [Int] = []
    var strides: [Int] = []
    var outputShape: [Int] = []
    for (index, count) in repeats.enumerated() {
      guard count >= 0 else {
        throw context.error("repeats " + dimsText(repeats) + " has a negative entry")
      }
      shape.append(count)
      strides.append(0)
      shape.append(input.shape[index])
      strides.append(inputStrides[index])
      outputShape.append(multiplied(count, input.shape[index]))
    }
    let output = try context.checkedType(input.dataType, outputShape)
    var prepared = try stridedStep(context, input, shape, strides: strides)
    prepared.outputs = [output]
    return prepared
  }
}
