import ONNXFormat

/// Load-time checks of the scales and zero points of the integer matrix-product operators
/// (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger, QGemm). Errors name the node.
enum IntegerGemmParameters {
  /// uint8 or int8, else an error naming `what`.
  static func eightBit(_ context: OpContext, _ type: TensorType, _ what: String)
    throws(RuntimeError) -> Bool
  {
    switch type.dataType {
    case .uint8: return false
    case .int8: return true
    default: throw context.unsupported(what + " must be uint8 or int8, got " + type.text)
    }
  }

  /// The spread of a quantization parameter along one axis of `count` entries: 0 when it holds one value
  /// (a scalar or [1]), 1 when it is 1-D with `count` values.
  static func stride(
    _ context: OpContext, _ type: TensorType, _ what: String, count: Int, per axis: String
  ) throws(RuntimeError) -> Int {
    if type.count == 1 && type.rank <= 1 { return 0 }
    if type.rank == 1 && type.shape[0] == count { return 1 }
    if count == 1 {
      throw context.error(what + " must be a scalar or hold one value, got " + type.text)
    }
    throw context.error(
      what + " must be a scalar or 1-D with " + String(count) + " values (one per " + axis
        + "), got " + type.text)
  }

  /// A zero point's type must be its data's (ONNX's T1/T2); checks input `index` when present.
  static func checkZeroPointType(
    _ context: OpContext, _ index: Int, _ what: String, data: TensorType, dataName: String
  ) throws(RuntimeError) {
    guard context.has(index) else { return }
    let type = try context.input(index)
    guard type.dataType == data.dataType else {
      throw context.error(
        what + " is " + type.dataType.name + " but " + dataName + " is " + data.dataType.name
          + "; a zero point has the type of its data")
    }
  }

  /// The float32 values of a load-time scale (input `index`), each positive and finite; one value or
  /// `count` values per `stride`.
  static func scales(
    _ context: OpContext, _ index: Int, _ what: String, count: Int = 1, per axis: String = ""
  ) throws(RuntimeError) -> (values: [Float], stride: Int) {
    let type = try context.input(index)
    guard type.dataType == .float else {
      throw context.unsupported(what + " must be float32, got " + type.text)
    }
    let stride = try stride(context, type, what, count: count, per: axis)
    return (try scaleValues(context, index, what), stride)
  }

  /// The float32 values of a load-time scale of any shape, each positive and finite.
  static func scaleValues(_ context: OpContext, _ index: Int, _ what: String) throws(RuntimeError)
    -> [Float]
  {
    let type = try context.input(index)
    guard type.dataType == .float else {
      throw context.unsupported(what + " must be float32, got " + type.text)
    }
    let values = try context.requireConstant(index, what).values(Float.self)
    for value in values where !(value.isFinite && value > 0) {
      throw context.error(what + " must hold positive finite values, got " + String(value))
    }
    return values
  }

  /// A load-time scale holding one value.
  static func scale(_ context: OpContext, _ index: Int, _ what: String) throws(RuntimeError)
    -> Float
  {
    try scales(context, index, what).values[0]
  }

  /// The single value of a load-time zero point of `dataType` (0 when the input is omitted).
  static func zeroPoint(
    _ context: OpContext, _ index: Int, _ what: String, data: TensorType, dataName: String
  ) throws(RuntimeError) -> Int32 {
    guard context.has(index) else { return 0 }
    try checkZeroPointType(context, index, what, data: data, dataName: dataName)
    let type = try context.input(index)
    _ = try stride(context, type, what, count: 1, per: "tensor")
    let constant = try context.requireConstant(index, what)
    guard let value = constant.integers()?.first else { throw context.error(what + " is empty") }
    return Int32(value)
  }

  /// Builds one requantizer per multiplier, refusing multipliers that are not finite.
  static func requantizers(_ context: OpContext, _ multipliers: [Float], _ formula: String)
    throws(RuntimeError)
    -> Storage
  {
    var result: [Requantizer] = []
    result.reserveCapacity(multipliers.count)
    for multiplier in multipliers {
      guard multiplier.isFinite && multiplier >= 0 else {
        throw context.error(formula + " is " + String(multiplier) + "; it must be a finite float32")
      }
      result.append(Requantizer(multiplier))
    }
    return Storage(values: result)
  }
}
