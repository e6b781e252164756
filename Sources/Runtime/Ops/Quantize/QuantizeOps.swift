import ONNXFormat

/// QuantizeLinear, DequantizeLinear (ai.onnx, and ONNX Runtime's com.microsoft forms) and
/// DynamicQuantizeLinear.
///
/// These operators convert between float32 and integers, so they compute in float32 exactly as ONNX
/// Runtime does (`MlasQuantizeLinear`, `DequantizeLinearApply`, `GetQuantizationParameter` in
/// onnxruntime/core/mlas/lib/quantize.cpp, core/providers/cpu/quantization/quantize_linear.cc and
/// core/util/qmath.h):
/// - QuantizeLinear: `v = x / y_scale` (a float32 division, not a multiply by the reciprocal), clamped
///   in float32 to `[qmin - zp, qmax - zp]` (NaN goes to `qmin - zp`, as MAXPS/FMAXNM give), rounded
///   half to even, plus `zp`;
/// - DequantizeLinear: `float32(int32(x) - zp) * x_scale`;
/// - DynamicQuantizeLinear: `min = min(0, min x)`, `max = max(0, max x)`,
///   `scale = max == min ? 1 : (max - min) / 255`, `zp = round_half_even(clamp(0 - min / scale, 0, 255))`
///   in float32, then QuantizeLinear.
///
/// Scales and zero points must be known at load. Per-tensor, per-axis (opset 13+) and blocked
/// (opset 21+ `block_size`) parameters are supported; outputs uint8, int8, uint16 and int16.
enum QuantizeOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .quantizeLinear: return try prepareQuantize(context)
    case .dequantizeLinear: return try prepareDequantize(context)
    case .dynamicQuantizeLinear: return try prepareDynamic(context)
    default: throw context.unsupported("is not a quantization operator")
    }
  }

  // MARK: - QuantizeLinear

  private static func prepareQuantize(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkOutputs(context, 1)
    let x = try context.input(0)
    let input: QuantizeKernel.Element
    switch x.dataType {
    case .float: input = .float
    case .int32: input = .int32
    default:
      throw context.unsupported("input x must be float32 or int32, got " + x.text)
    }
    if context.opset >= 23 {
      let precision = try context.int("precision", 0)
      guard precision == 0 || precision == Int(DataType.float.rawValue) else {
        throw context.unsupported(
          "only float32 precision is supported (attribute 'precision' " + String(precision) + ")")
      }
    }

    // The output type: y_zero_point's, else output_dtype (opset 21+), else uint8.
    let outputDtypeValue = context.opset >= 21 ? try context.int("output_dtype", 0) : 0
    var outputType: DataType = .uint8
    if context.has(2) {
      outputType = try context.input(2).dataType
      if outputDtypeValue != 0 && outputDtypeValue != Int(outputType.rawValue) {
        throw context.error(
          "output_dtype " + String(outputDtypeValue) + " does not match y_zero_point's type " + outputType.name)
      }
    } else if outputDtypeValue != 0 {
      guard let dtype = DataType(rawValue: Int32(truncatingIfNeeded: outputDtypeValue)) else {
        throw context.error("output_dtype " + String(outputDtypeValue) + " is not a data type")
      }
      outputType = dtype
    }
    let output = try element(context, outputType, "output y")

    let parameters = try quantizationParameters(context, x: x, what: "y")
    let y = try context.checkedType(outputType, x.shape)
    let kernel = QuantizeKernel(
      plan: .quantize(parameters.layout, input: input, output: output), scales: parameters.scales,
      zeroPoints: parameters.zeroPoints)
    return Prepared(.quantize(kernel), outputs: [y])
  }

  // MARK: - DequantizeLinear

  private static func prepareDequantize(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkOutputs(context, 1)
    let x = try context.input(0)
    let input = try element(context, x.dataType, "input x", allowInt32: true)
    if context.opset >= 23 {
      let outputDtype = try context.int("output_dtype", 0)
      guard outputDtype == 0 || outputDtype == Int(DataType.float.rawValue) else {
        throw context.unsupported("only float32 output is supported (output_dtype " + String(outputDtype) + ")")
      }
    }
    if context.has(2) {
      let zeroPointType = try context.input(2)
      guard zeroPointType.dataType == x.dataType else {
        throw context.error("x_zero_point " + zeroPointType.text + " must have x's type " + x.dataType.name)
      }
    }
    let parameters = try quantizationParameters(context, x: x, what: "x")
    if input == .int32 {
      // ONNX: int32 input has no zero point (ONNX Runtime accepts zeros).
      let zeroPoints = parameters.zeroPoints.typed(Int32.self)
      for index in 0..<parameters.count where zeroPoints[index] != 0 {
        throw context.error("int32 input x takes no zero point (x_zero_point must be 0)")
      }
    }
    let y = try context.checkedType(.float, x.shape)
    let kernel = QuantizeKernel(
      plan: .dequantize(parameters.layout, input: input), scales: parameters.scales,
      zeroPoints: parameters.zeroPoints)
    return Prepared(.quantize(kernel), outputs: [y])
  }

  // MARK: - DynamicQuantizeLinear

  private static func prepareDynamic(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkOutputs(context, 3)
    let x = try context.input(0)
    guard x.dataType == .float else {
      throw context.unsupported("input x must be float32, got " + x.text)
    }
    guard context.inputCount == 1 else {
      throw context.error("has 1 input, not " + String(context.inputCount))
    }
    let y = try context.checkedType(.uint8, x.shape)
    let kernel = QuantizeKernel(
      plan: .dynamic(count: x.count), scales: Storage(byteCount: 0), zeroPoints: Storage(byteCount: 0))
    return Prepared(.quantize(kernel), outputs: [y, TensorType(.float, []), TensorType(.uint8, [])])
  }

  // MARK: - Shared checks

  private static func checkOutputs(_ context: OpContext, _ count: Int) throws(RuntimeError) {
    guard context.outputCount == count else {
      throw context.error(
        "has " + String(count) + " output" + (count == 1 ? "" : "s") + ", not " + String(context.outputCount))
    }
    guard !context.node.outputs[0].isEmpty else { throw context.error("output 0 is required") }
  }

  /// The kernel element for an integer type of these operators.
  private static func element(
    _ context: OpContext, _ type: DataType, _ what: String, allowInt32: Bool = false
  ) throws(RuntimeError) -> QuantizeKernel.Element {
    switch type {
    case .uint8: return .uint8
    case .int8: return .int8
    case .uint16: return .uint16
    case .int16: return .int16
    case .int32 where allowInt32: return .int32
    default:
      throw context.unsupported(
        what + " of type " + type.name + " is not supported (uint8, int8, uint16, int16"
          + (allowInt32 ? ", int32" : "") + ")")
    }
  }

  struct Parameters {
    var layout: QuantizeKernel.Layout
    /// One float32 scale per parameter entry.
    var scales: Storage
    /// One int32 zero point per parameter entry (0 where the zero point is omitted).
    var zeroPoints: Storage
    var count: Int
  }

  /// Reads the scale (input 1) and the optional zero point (input 2), both load-time constants, and
  /// works out whether they are per tensor, per axis or blocked along `axis`.
  private static func quantizationParameters(
    _ context: OpContext, x: TensorType, what: String
  ) throws(RuntimeError) -> Parameters {
    let scaleName = what + "_scale"
    let zeroPointName = what + "_zero_point"
    let scale = try context.requireConstant(1, scaleName)
    guard scale.type.dataType == .float else {
      throw context.unsupported(scaleName + " must be float32, got " + scale.type.text)
    }
    let zeroPoint: Constant? = context.has(2) ? try context.requireConstant(2, zeroPointName) : nil
    let blockSize = context.opset >= 21 ? try context.int("block_size", 0) : 0
    guard blockSize >= 0 else { throw context.error("block_size " + String(blockSize) + " must not be negative") }

    let scales = scale.values(Float.self)
    var zeroPoints = [Int32](repeating: 0, count: scales.count)
    if let zeroPoint {
      guard zeroPoint.type.shape == scale.type.shape || (zeroPoint.type.count == 1 && scale.type.count == 1) else {
        throw context.error(
          zeroPointName + " " + zeroPoint.type.text + " must have " + scaleName + "'s shape "
            + dimsText(scale.type.shape))
      }
      guard let integers = zeroPoint.integers() else {
        throw context.unsupported(zeroPointName + " of type " + zeroPoint.type.dataType.name + " is not supported")
      }
      for index in 0..<integers.count { zeroPoints[index] = Int32(truncatingIfNeeded: integers[index]) }
    }
    let count = x.count

    var layout = QuantizeKernel.Layout(outer: 1, axisSize: 1, inner: count, blockSize: 0, blocks: 1)
    let perTensor = scale.type.count == 1 && scale.type.rank <= 1
    if perTensor {
      guard blockSize == 0 else {
        throw context.error("block_size " + String(blockSize) + " needs a blocked " + scaleName + ", not one value")
      }
    } else {
      guard context.opset >= 13 || context.node.domain == "com.microsoft" else {
        throw context.error(scaleName + " must be a scalar before opset 13, got " + scale.type.text)
      }
      let axis = try context.axis(try context.int("axis", 1), rank: x.rank)
      guard x.rank >= 1 else {
        throw context.error(scaleName + " " + scale.type.text + " needs an input of rank 1 or more")
      }
      var outer = 1
      for dim in 0..<axis { outer *= x.shape[dim] }
      var inner = 1
      for dim in (axis + 1)..<x.rank { inner *= x.shape[dim] }
      let axisSize = x.shape[axis]
      if blockSize == 0 {
        guard scale.type.rank == 1 && scale.type.count == axisSize else {
          throw context.error(
            "per-axis " + scaleName + " " + scale.type.text + " must be 1-D with x's dim " + String(axisSize)
              + " on axis " + String(axis) + " (x " + x.text + ")")
        }
        layout = QuantizeKernel.Layout(outer: outer, axisSize: axisSize, inner: inner, blockSize: 0, blocks: axisSize)
      } else {
        let blocks = (axisSize + blockSize - 1) / blockSize
        var expected = x.shape
        expected[axis] = blocks
        guard scale.type.shape == expected else {
          throw context.error(
            "blocked " + scaleName + " " + scale.type.text + " must have shape " + dimsText(expected) + " for x "
              + x.text + ", block_size " + String(blockSize) + " on axis " + String(axis))
        }
        layout = QuantizeKernel.Layout(
          outer: outer, axisSize: axisSize, inner: inner, blockSize: blockSize, blocks: blocks)
      }
    }
    return Parameters(
      layout: layout, scales: Storage(values: scales), zeroPoints: Storage(values: zeroPoints), count: scales.count)
  }
}
