import ONNXFormat

// The Movement family: operators that move bytes without arithmetic (except Resize's linear and
// cubic modes). Every copying kernel works on the element's byte size (1, 2, 4 or 8 bytes), so the
// same plan serves float32 activations, int64 shape tensors and int8/uint8 quantized tensors.
//
// Prepare computes the output shapes exactly as ONNX defines them and reduces each operator to one of
// a few plans (strided copy, block copy, index map, gather, interpolation) with every stride and
// index table fixed; run only walks those tables.

/// One Movement step: a plan fixed at load, run on the step's buffers without allocating.
public struct MovementKernel {
  enum Body {
    /// Transpose, Slice, Expand, Tile: output = input read through (coalesced) strides.
    case strided(StridedCopyPlan)
    /// Concat: each input's blocks placed side by side.
    case concat(ConcatPlan)
    /// Split: blocks of the input dealt out to the outputs.
    case split(SplitPlan)
    /// Gather along one axis with constant or run-time indices.
    case gather(GatherPlan)
    /// Pad and nearest Resize: per-dim tables of input coordinates (or the pad value).
    case indexMap(IndexMapPlan)
    /// Linear and cubic Resize on float32: per-dim taps and weights.
    case interpolate(InterpolatePlan)
  }

  let body: Body

  init(_ body: Body) { self.body = body }

  public func run(_ buffers: StepBuffers) {
    switch body {
    case .strided(let plan): plan.run(buffers.inputs[0].unsafelyUnwrapped, buffers.outputs[0])
    case .concat(let plan): plan.run(buffers)
    case .split(let plan): plan.run(buffers)
    case .gather(let plan): plan.run(buffers)
    case .indexMap(let plan): plan.run(buffers)
    case .interpolate(let plan): plan.run(buffers)
    }
  }
}

enum MovementOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .reshape: return try prepareReshape(context)
    case .flatten: return try prepareFlatten(context)
    case .squeeze: return try prepareSqueeze(context)
    case .unsqueeze: return try prepareUnsqueeze(context)
    case .identity: return try prepareIdentity(context)
    case .shape: return try prepareShape(context)
    case .size: return try prepareSize(context)
    case .constantOfShape: return try prepareConstantOfShape(context)
    case .range: return try prepareRange(context)
    case .concat: return try prepareConcat(context)
    case .split: return try prepareSplit(context)
    case .transpose: return try prepareTranspose(context)
    case .slice: return try prepareSlice(context)
    case .expand: return try prepareExpand(context)
    case .tile: return try prepareTile(context)
    case .gather: return try prepareGather(context)
    case .pad: return try preparePad(context)
    case .resize: return try prepareResize(context)
    default: throw context.unsupported("is not a Movement operator")
    }
  }

  // MARK: Shared helpers

  /// The byte size of one element of `type` when the family can copy it (1, 2, 4 or 8 bytes).
  static func elementBytes(_ type: TensorType, _ context: OpContext, _ what: String = "input")
    throws(RuntimeError) -> Int
  {
    switch type.dataType.bitsPerElement {
    case 8: return 1
    case 16: return 2
    case 32: return 4
    case 64: return 8
    default:
      throw context.unsupported(
        what + " type " + type.dataType.name + " is not supported (elements of 1, 2, 4 or 8 bytes)")
    }
  }

  /// Row-major element strides of `shape`.
  static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    var index = shape.count - 1
    while index >= 0 {
      strides[index] = running
      running *= shape[index]
      index -= 1
    }
    return strides
  }

  /// Product of `shape[range]`.
  static func product(_ shape: [Int], _ range: Range<Int>) -> Int {
    var result = 1
    for index in range { result *= shape[index] }
    return result
  }

  /// A prepared step whose single output is input 0's bytes under a new shape.
  static func alias(_ context: OpContext, _ input: TensorType, _ shape: [Int]) throws(RuntimeError)
    -> Prepared
  {
    Prepared(.none, outputs: [try context.checkedType(input.dataType, shape)], aliasesInput: true)
  }

  /// Axes from an attribute (before `inputSince`) or a load-time input (from `inputSince`), or nil when absent.
  static func axesList(
    _ context: OpContext, attribute: String, input: Int, inputSince: Int, _ what: String
  )
    throws(RuntimeError) -> [Int]?
  {
    if context.opset >= inputSince {
      guard context.has(input) else { return nil }
      return try context.requireIntegers(input, what)
    }
    return try context.ints(attribute)
  }

  /// `values` normalized into 0..<rank, rejecting duplicates.
  static func normalizedAxes(
    _ context: OpContext, _ values: [Int], rank: Int, _ what: String = "axis"
  )
    throws(RuntimeError) -> [Int]
  {
    var result: [Int] = []
    for value in values {
      let axis = try context.axis(value, rank: rank, what)
      if rank == 0 {
        throw context.error(what + " " + String(value) + " is out of range for rank 0")
      }
      if result.contains(axis) { throw context.error(what + " " + String(value) + " is repeated") }
      result.append(axis)
    }
    return result
  }

  /// The little-endian bytes of `value` as one element of `dataType`, or nil when the family cannot
  /// encode that type (zero is always all-zero bytes).
  static func scalarBytes(_ value: Double, _ dataType: DataType) -> [UInt8]? {
    func bytes<T>(_ element: T) -> [UInt8] {
      var copy = element
      return withUnsafeBytes(of: &copy) { Array($0) }
    }
    func clamped(_ value: Double, _ low: Double, _ high: Double) -> Double {
      if value.isNaN { return 0 }
      return Swift.min(Swift.max(value.rounded(.towardZero), low), high)
    }
    switch dataType {
    case .float: return bytes(Float(value))
    case .double: return bytes(value)
    case .int8: return bytes(Int8(clamped(value, -128, 127)))
    case .uint8: return bytes(UInt8(clamped(value, 0, 255)))
    case .int16: return bytes(Int16(clamped(value, -32768, 32767)))
    case .uint16: return bytes(UInt16(clamped(value, 0, 65535)))
    case .int32: return bytes(Int32(clamped(value, -2_147_483_648, 2_147_483_647)))
    case .uint32: return bytes(UInt32(clamped(value, 0, 4_294_967_295)))
    case .int64:
      return bytes(Int64(clamped(value, -9.2233720368547748e18, 9.2233720368547748e18 - 1024)))
    case .uint64: return bytes(UInt64(clamped(value, 0, 1.8446744073709552e19 - 2048)))
    case .bool: return [value != 0 ? 1 : 0]
    default:
      if value == 0, dataType.bitsPerElement >= 8, dataType.bitsPerElement % 8 == 0 {
        return [UInt8](repeating: 0, count: dataType.bitsPerElement / 8)
      }
      return nil
    }
  }
}

// MARK: Element loops shared by the plans

/// Writes `count` copies of `value` from `destination`.
@inline(__always)
func fillElements<T>(_ destination: UnsafeMutableRawPointer, _ count: Int, _ value: T) {
  let typed = destination.assumingMemoryBound(to: T.self)
  var index = 0
  while index < count {
    typed[index] = value
    index += 1
  }
}
