import CSupport
import ONNXFormat

/// An element-wise non-linearity of an 8-bit tensor, as a 256-entry table built at load: each code is
/// dequantized, the function applied in float32, and the result quantized, with the arithmetic of
/// DequantizeLinear and QuantizeLinear (ONNX Runtime's: `float(x - zp) * scale`, then `y / scale`
/// clamped, rounded half to even, plus the zero point). Running is one table lookup per element.
///
/// Inputs: X, X_scale, X_zero_point, Y_scale, Y_zero_point (scalars known at load); attribute
/// `function` (Tanh, HardSigmoid, HardSwish) with the float operator's own attributes (alpha, beta).
enum QuantizedLookupOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    guard context.inputCount == 5, context.outputCount == 1 else {
      throw context.error("needs inputs X, X_scale, X_zero_point, Y_scale, Y_zero_point and one output")
    }
    let x = try context.input(0)
    guard x.dataType == .uint8 || x.dataType == .int8 else {
      throw context.unsupported("X must be uint8 or int8, got " + x.text)
    }
    let inputScale = try scalar(context, 1, "X_scale")
    let inputZero = try zeroPoint(context, 2, x.dataType)
    let outputScale = try scalar(context, 3, "Y_scale")
    let outputType = try context.input(4).dataType
    guard outputType == .uint8 || outputType == .int8 else {
      throw context.unsupported("Y_zero_point must be uint8 or int8")
    }
    let outputZero = try zeroPoint(context, 4, outputType)
    let function = try context.string("function", "")
    let evaluate: (Float) -> Float
    switch function {
    case "Tanh":
      evaluate = { tanhf($0) }
    case "HardSigmoid":
      let alpha = try context.float("alpha", 0.2)
      let beta = try context.float("beta", 0.5)
      evaluate = { max(0, min(1, alpha * $0 + beta)) }
    case "HardSwish":
      evaluate = { $0 * max(0, min(1, $0 / 6 + 0.5)) }
    default:
      throw context.unsupported("has no table for function '" + function + "'")
    }
    let low: Float = outputType == .uint8 ? 0 : -128
    let high: Float = outputType == .uint8 ? 255 : 127
    let table = Storage(byteCount: 256)
    let entries = table.typed(UInt8.self)
    for index in 0..<256 {
      // Index by the byte's bit pattern: uint8 code `index`, or int8 code `Int8(bitPattern: index)`.
      let code = x.dataType == .uint8 ? Int32(index) : Int32(Int8(bitPattern: UInt8(index)))
      let real = Float(code - inputZero) * inputScale
      var value = evaluate(real) / outputScale
      value = value.isNaN ? low - Float(outputZero) : min(max(value, low - Float(outputZero)), high - Float(outputZero))
      let quantized = Int32(value.rounded(.toNearestOrEven)) + outputZero
      entries[index] = UInt8(truncatingIfNeeded: quantized)
    }
    return Prepared(
      .quantizedLookup(QuantizedLookupKernel(table: table, count: x.count)),
      outputs: [TensorType(outputType, x.shape)], inPlaceInput: 0)
  }

  private static func scalar(_ context: OpContext, _ index: Int, _ name: String) throws(RuntimeError) -> Float {
    let value = try context.requireConstant(index, name)
    guard value.type.count == 1, let scale = value.floats()?.first, scale > 0, scale.isFinite else {
      throw context.error(name + " must be one positive float")
    }
    return scale
  }

  private static func zeroPoint(_ context: OpContext, _ index: Int, _ type: DataType) throws(RuntimeError) -> Int32 {
    let value = try context.requireConstant(index, type == .uint8 ? "a uint8 zero point" : "an int8 zero point")
    guard value.type.count == 1, value.type.dataType == type, let zero = value.integers()?.first else {
      throw context.error("zero point " + String(index) + " must be one " + type.name + " value")
    }
    return Int32(zero)
  }
}

/// One table lookup per byte (`oq_lookup_bytes`: 64 at a time on AVX-512 VBMI).
public struct QuantizedLookupKernel {
  let table: Storage
  let count: Int

  public func run(_ buffers: StepBuffers) {
    oq_lookup_bytes(table.typed(UInt8.self), buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), count)
  }
}
