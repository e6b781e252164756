import ONNXFormat

// Operators that only change the shape (the output aliases the input's bytes) and operators whose
// output is known at load time (Shape, Size, ConstantOfShape, Range).
extension MovementOps {
  // MARK: Aliases

  static func prepareReshape(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let requested: [Int]
    if context.opset < 5 {
      guard let shape = try context.ints("shape") else {
        throw context.error("attribute 'shape' is required")
      }
      requested = shape
    } else {
      requested = try context.requireIntegers(1, "shape")
      if let shapeType = context.inputs[1], shapeType.rank != 1 {
        throw context.error("shape must be a 1-D tensor, got " + shapeType.text)
      }
    }
    let allowZero = context.opset >= 14 ? try context.int("allowzero", 0) != 0 : false
    let failure = "cannot reshape " + dimsText(input.shape) + " to " + dimsText(requested)
    var shape = requested
    var inferred = -1
    var known = 1
    for (index, dim) in requested.enumerated() {
      if dim == -1 {
        if inferred >= 0 { throw context.error(failure + ": more than one -1") }
        inferred = index
      } else if dim == 0 && !allowZero {
        guard index < input.rank else {
          throw context.error(failure + ": 0 at index " + String(index) + " copies no input dim")
        }
        shape[index] = input.shape[index]
        known = multiplied(known, shape[index])
      } else if dim < 0 {
        throw context.error(failure + ": dim " + String(dim) + " is negative")
      } else {
        known = multiplied(known, dim)
      }
    }
    if allowZero && inferred >= 0 && requested.contains(0) {
      throw context.error(failure + ": allowzero=1 forbids 0 together with -1")
    }
    let total = input.count
    if inferred >= 0 {
      guard known > 0, total % known == 0 else {
        throw context.error(failure + ": element count mismatch")
      }
      shape[inferred] = total / known
    } else if known != total {
      throw context.error(failure + ": element count mismatch")
    }
    return try alias(context, input, shape)
  }

  /// `a * b`, saturating at Int.max (only used to reject impossible shapes).
  static func multiplied(_ a: Int, _ b: Int) -> Int {
    let product = a.multipliedReportingOverflow(by: b)
    return product.overflow ? Int.max : product.partialValue
  }

  static func prepareFlatten(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let value = try context.int("axis", 1)
    let axis = value < 0 ? value + input.rank : value
    guard axis >= 0 && axis <= input.rank else {
      throw context.error(
        "axis " + String(value) + " is out of range for rank " + String(input.rank))
    }
    let outer = product(input.shape, 0..<axis)
    let inner = product(input.shape, axis..<input.rank)
    return try alias(context, input, [outer, inner])
  }

  static func prepareSqueeze(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let given = try axesList(context, attribute: "axes", input: 1, inputSince: 13, "axes")
    var shape: [Int] = []
    if let given, !given.isEmpty {
      let axes = try normalizedAxes(context, given, rank: input.rank)
      for axis in axes where input.shape[axis] != 1 {
        throw context.error(
          "cannot squeeze axis " + String(axis) + " of " + dimsText(input.shape)
            + ": its dim is not 1")
      }
      for (index, dim) in input.shape.enumerated() where !axes.contains(index) { shape.append(dim) }
    } else {
      for dim in input.shape where dim != 1 { shape.append(dim) }
    }
    return try alias(context, input, shape)
  }

  static func prepareUnsqueeze(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    guard let given = try axesList(context, attribute: "axes", input: 1, inputSince: 13, "axes")
    else {
      throw context.error(
        context.opset >= 13 ? "axes (input 1) is required" : "attribute 'axes' is required")
    }
    let rank = input.rank + given.count
    let axes = try normalizedAxes(context, given, rank: rank)
    var shape: [Int] = []
    var next = 0
    for index in 0..<rank {
      if axes.contains(index) {
        shape.append(1)
      } else {
        shape.append(input.shape[next])
        next += 1
      }
    }
    return try alias(context, input, shape)
  }

  static func prepareIdentity(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    return try alias(context, input, input.shape)
  }

  // MARK: Load-time outputs

  static func prepareShape(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let rank = input.rank
    var start = 0
    var end = rank
    if context.opset >= 15 {
      start = try context.int("start", 0)
      if context.has(attribute: "end") { end = try context.int("end", rank) }
      if start < 0 { start += rank }
      if end < 0 { end += rank }
      start = Swift.min(Swift.max(start, 0), rank)
      end = Swift.min(Swift.max(end, 0), rank)
    }
    var values: [Int64] = []
    if start < end { for index in start..<end { values.append(Int64(input.shape[index])) } }
    let type = TensorType(.int64, [values.count])
    return Prepared(
      .none, outputs: [type], constantOutputs: [Constant(.int64, [values.count], values: values)])
  }

  static func prepareSize(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let type = TensorType(.int64, [])
    return Prepared(
      .none, outputs: [type], constantOutputs: [Constant(.int64, [], values: [Int64(input.count)])])
  }

  static func prepareConstantOfShape(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let shapeInput = try context.input(0)
    guard shapeInput.rank == 1 else {
      throw context.error("shape must be a 1-D tensor, got " + shapeInput.text)
    }
    let shape = try context.requireIntegers(0, "shape")
    for dim in shape where dim < 0 {
      throw context.error("shape " + dimsText(shape) + " has a negative dim")
    }
    var dataType = DataType.float
    var element: [UInt8] = [0, 0, 0, 0]
    if let value = try context.tensor("value") {
      guard value.count == 1 else {
        throw context.error("attribute 'value' must hold exactly one element")
      }
      dataType = value.dataType
      let bits = dataType.bitsPerElement
      guard bits >= 8, bits % 8 == 0, value.bytes.count == bits / 8 else {
        throw context.unsupported("value type " + dataType.name + " is not supported")
      }
      element = value.bytes
    }
    let type = try context.checkedType(dataType, shape)
    let storage = Storage(byteCount: type.byteCount)
    if element.contains(where: { $0 != 0 }) {
      let size = element.count
      for index in 0..<type.count {
        for byte in 0..<size {
          storage.pointer.storeBytes(
            of: element[byte], toByteOffset: index * size + byte, as: UInt8.self)
        }
      }
    }
    return Prepared(
      .none, outputs: [type], constantOutputs: [Constant(type: type, storage: storage)])
  }

  static func prepareRange(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let start = try context.input(0)
    for index in 0..<3 {
      let type = try context.input(index)
      guard type.count == 1 else {
        throw context.error("input " + String(index) + " must be a scalar, got " + type.text)
      }
      guard type.dataType == start.dataType else {
        throw context.error(
          "inputs must share one type, got " + start.dataType.name + " and " + type.dataType.name)
      }
    }
    let first = try context.requireConstant(0, "start")
    let limit = try context.requireConstant(1, "limit")
    let delta = try context.requireConstant(2, "delta")
    switch start.dataType {
    case .float, .double:
      guard let s = doubleScalar(first), let l = doubleScalar(limit), let d = doubleScalar(delta)
      else {
        throw context.error("cannot read the range bounds")
      }
      guard d != 0 else { throw context.error("delta must not be zero") }
      let steps = ((l - s) / d).rounded(.up)
      guard steps.isFinite else { throw context.error("range is not finite") }
      guard steps < 1e9 else { throw context.error("range has too many elements") }
      let count = steps > 0 ? Int(steps) : 0
      if start.dataType == .float {
        var values: [Float] = []
        for index in 0..<count { values.append(Float(s + Double(index) * d)) }
        return rangeResult(.float, values)
      }
      var values: [Double] = []
      for index in 0..<count { values.append(s + Double(index) * d) }
      return rangeResult(.double, values)
    case .int16, .int32, .int64:
      guard let s = first.integers()?.first, let l = limit.integers()?.first,
        let d = delta.integers()?.first
      else {
        throw context.error("cannot read the range bounds")
      }
      guard d != 0 else { throw context.error("delta must not be zero") }
      let span = l.subtractingReportingOverflow(s)
      guard !span.overflow else { throw context.error("range is too large") }
      // ceil(span / d) for either sign of d.
      var count = span.partialValue / d
      if span.partialValue % d != 0 && (span.partialValue < 0) == (d < 0) { count += 1 }
      count = Swift.max(count, 0)
      guard count < 1 << 30 else {
        throw context.error("range of " + String(count) + " elements is too large")
      }
      switch start.dataType {
      case .int16:
        var values: [Int16] = []
        for index in 0..<count { values.append(Int16(truncatingIfNeeded: s &+ index &* d)) }
        return rangeResult(.int16, values)
      case .int32:
        var values: [Int32] = []
        for index in 0..<count { values.append(Int32(truncatingIfNeeded: s &+ index &* d)) }
        return rangeResult(.int32, values)
      default:
        var values: [Int64] = []
        for index in 0..<count { values.append(Int64(s &+ index &* d)) }
        return rangeResult(.int64, values)
      }
    default:
      throw context.unsupported("type " + start.dataType.name + " is not supported")
    }
  }

  private static func doubleScalar(_ value: Constant) -> Double? {
    switch value.type.dataType {
    case .float: return Double(value.storage.typed(Float.self).pointee)
    case .double: return value.storage.typed(Double.self).pointee
    default: return nil
    }
  }

  private static func rangeResult<T>(_ dataType: DataType, _ values: [T]) -> Prepared {
    let type = TensorType(dataType, [values.count])
    return Prepared(
      .none, outputs: [type], constantOutputs: [Constant(dataType, [values.count], values: values)])
  }
}
