import ONNXFormat

/// ONNX Runtime's quantized pooling and concatenation (com.microsoft): QLinearGlobalAveragePool,
/// QLinearAveragePool and QLinearConcat, on uint8 or int8 tensors with per-tensor scales and zero points
/// known at load. Each reproduces ONNX Runtime's CPU kernel bit for bit:
///
/// - QLinearGlobalAveragePool (contrib_ops/cpu/quantization/qlinear_global_average_pool.cc, MLAS
///   qlgavgpool.cpp): `acc = sum(x) - N * x_zp` in int32, then `MlasRequantizeOutput` with the float32
///   multiplier `x_scale / (y_scale * float(N))`. Here: the same sum and `Requantizer` (integers only).
/// - QLinearAveragePool (qlinear_pool.cc): when the window is the whole unpadded image ONNX Runtime
///   runs the global pool above, and so does this. Otherwise ONNX Runtime dequantizes every input to
///   float32 (`x_scale * float(x - x_zp)`), sums each window in row-major order in float32, divides by
///   the count (the full kernel size with count_include_pad, else the taps inside the input), then
///   computes `nearbyintf(avg / y_scale + y_zp)`. Each float32 rounding of that chain can move a result
///   by one step, so requantizing the integer window sum (with `Requantizer`, as the global pool does)
///   differs from ONNX Runtime 1.32 by one step on 2 to 4% of outputs (4% with x_scale == y_scale; see
///   QuantizedPoolingTests). This kernel therefore performs the same float32 operations in the same
///   order, reading the dequantized values from a 256-entry table built at load; the window geometry is
///   PoolingOps' (output sizes, window tables) with ONNX Runtime's rules where they differ from ONNX:
///   ceil_mode also applies to VALID, SAME padding may be negative, and count_include_pad always divides
///   by the whole kernel.
/// - QLinearConcat (qlinear_concat.cc): inputs whose scale and zero point equal the output's are copied;
///   the others go through a 256-entry table built at load as ONNX Runtime builds it
///   (`QlinearBuildLookupTable`: `x_scale * float(x - x_zp)`, then `MlasQuantizeLinear` with y_scale, y_zp).
enum QuantizedPoolingOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .qlinearGlobalAveragePool: return try prepareGlobal(context)
    case .qlinearAveragePool: return try prepareAverage(context)
    case .qlinearConcat: return try prepareConcat(context)
    default: throw context.unsupported("is not a quantized pooling operator")
    }
  }

  // MARK: - QLinearGlobalAveragePool

  private static func prepareGlobal(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    guard context.inputCount == 5 else {
      throw context.error(
        "has 5 inputs (X, x_scale, x_zero_point, y_scale, y_zero_point), not " + String(context.inputCount))
    }
    let x = try context.input(0)
    let signed = try isSigned(context, x)
    guard x.rank >= 3 else {
      throw context.error("input X must have rank 3 or more (N, C and spatial dims), got " + x.text)
    }
    let channelsLast = try channelsLastAttribute(context)
    let spatial = channelsLast ? Array(x.shape[1..<(x.rank - 1)]) : Array(x.shape[2...])
    var outputShape = x.shape
    for dim in 0..<spatial.count { outputShape[(channelsLast ? 1 : 2) + dim] = 1 }
    let y = try context.checkedType(x.dataType, outputShape)
    let quantization = try scalarParameters(context, x)
    let global = try globalPlan(
      context, x: x, channelsLast: channelsLast, image: spatial.reduce(1, *), quantization, signed: signed)
    return Prepared(
      .quantizedPooling(QuantizedPoolingKernel(plan: .global(global))), outputs: [y],
      scratchBytes: global.scratchBytes)
  }

  /// The integer global average of every (n, c) plane: ONNX Runtime's MLAS global pool.
  private static func globalPlan(
    _ context: OpContext, x: TensorType, channelsLast: Bool, image: Int, _ q: ScalarParameters, signed: Bool
  ) throws(RuntimeError) -> QuantizedPoolingKernel.Global {
    guard image > 0 else { throw context.error("input X has an empty spatial extent: " + x.text) }
    // MLAS refuses images of 2^24 values or more. Its int32 sums wrap on overflow, and so do these.
    guard image < 1 << 24 else {
      throw context.unsupported("pools over " + String(image) + " values; at most 16777215 are supported")
    }
    let multiplier = q.xScale / (q.yScale * Float(image))
    guard multiplier.isFinite && multiplier > 0 else {
      throw context.error(
        "x_scale / (y_scale * " + String(image) + ") must be a positive finite float32 (x_scale "
          + String(q.xScale) + ", y_scale " + String(q.yScale) + ")")
    }
    let channels = channelsLast ? x.shape[x.rank - 1] : x.shape[1]
    return QuantizedPoolingKernel.Global(
      signed: signed, channelsLast: channelsLast, batches: x.shape[0], channels: channels, image: image,
      requantizer: Requantizer(multiplier), bias: Int32(truncatingIfNeeded: -Int(q.xZeroPoint) * image),
      zeroPoint: q.yZeroPoint,
      low: signed ? -128 : 0, high: signed ? 127 : 255)
  }

  // MARK: - QLinearAveragePool

  private static func prepareAverage(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    guard context.inputCount >= 4 && context.inputCount <= 5 else {
      throw context.error(
        "has 4 or 5 inputs (X, x_scale, x_zero_point, y_scale, y_zero_point), not " + String(context.inputCount))
    }
    let x = try context.input(0)
    let signed = try isSigned(context, x)
    guard x.rank >= 3 && x.rank <= 5 else {
      throw context.unsupported("supports 1 to 3 spatial dims (input rank 3 to 5), got " + x.text)
    }
    let channelsLast = try channelsLastAttribute(context)
    let spatialCount = x.rank - 2
    let spatialStart = channelsLast ? 1 : 2
    let inputSpatial = Array(x.shape[spatialStart..<(spatialStart + spatialCount)])
    let channels = channelsLast ? x.shape[x.rank - 1] : x.shape[1]
    if inputSpatial.contains(0) { throw context.error("input X has an empty spatial dim: " + x.text) }

    guard let kernelShape = try context.ints("kernel_shape") else {
      throw context.error("attribute 'kernel_shape' is required")
    }
    guard kernelShape.count == spatialCount, !kernelShape.contains(where: { $0 < 1 }) else {
      throw context.error(
        "kernel_shape " + dimsText(kernelShape) + " must be one positive value per spatial dim of " + x.text)
    }
    let strides = try context.ints("strides") ?? [Int](repeating: 1, count: spatialCount)
    guard strides.count == spatialCount, !strides.contains(where: { $0 < 1 }) else {
      throw context.error("strides " + dimsText(strides) + " must be " + String(spatialCount) + " positive values")
    }
    if let dilations = try context.ints("dilations"), dilations.contains(where: { $0 != 1 }) {
      throw context.unsupported("dilations " + dimsText(dilations) + " are not supported (QLinearAveragePool has none)")
    }
    let explicitPads = try context.ints("pads") ?? [Int](repeating: 0, count: 2 * spatialCount)
    guard explicitPads.count == 2 * spatialCount, !explicitPads.contains(where: { $0 < 0 }) else {
      throw context.error(
        "pads " + dimsText(explicitPads) + " must be " + String(2 * spatialCount) + " non-negative values")
    }
    // ONNX Runtime's PoolAttributes: "Pad should be smaller than kernel."
    for dim in 0..<spatialCount
    where explicitPads[dim] >= kernelShape[dim] || explicitPads[spatialCount + dim] >= kernelShape[dim] {
      throw context.error(
        "pads " + dimsText(explicitPads) + " must be smaller than kernel_shape " + dimsText(kernelShape))
    }
    let autoPad = try context.string("auto_pad", "NOTSET")
    let ceilMode = try context.int("ceil_mode", 0) != 0
    let countIncludePad = try context.int("count_include_pad", 0) != 0

    var outputSpatial: [Int] = []
    var padBegin: [Int] = []
    var padEnd: [Int] = []
    if autoPad != "NOTSET" && autoPad != "" && explicitPads.contains(where: { $0 != 0 }) {
      throw context.error("pads and auto_pad " + autoPad + " cannot both be set")
    }
    for dim in 0..<spatialCount {
      let input = inputSpatial[dim]
      let kernel = kernelShape[dim]
      let stride = strides[dim]
      if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
        // ONNX Runtime's PoolAttributes: the padding needed may be negative (stride > kernel), which
        // moves the windows right; C++ division truncates toward zero, as Swift's does.
        let output = (input + stride - 1) / stride
        let needed = (output - 1) * stride + kernel - input
        let head = autoPad == "SAME_LOWER" ? (needed + 1) / 2 : needed / 2
        outputSpatial.append(output)
        padBegin.append(head)
        padEnd.append(needed - head)
        continue
      }
      guard autoPad == "NOTSET" || autoPad == "" || autoPad == "VALID" else {
        throw context.error("auto_pad '" + autoPad + "' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
      }
      // VALID is NOTSET without padding: ONNX Runtime applies ceil_mode to it too.
      let size = try PoolingOps.outputSize(
        context, autoPad: "NOTSET", input: input, kernel: kernel, stride: stride, dilation: 1,
        padBegin: explicitPads[dim], padEnd: explicitPads[spatialCount + dim], ceilMode: ceilMode)
      outputSpatial.append(size.output)
      padBegin.append(size.padBegin)
      padEnd.append(size.padEnd)
    }
    var outputShape = x.shape
    for dim in 0..<spatialCount { outputShape[spatialStart + dim] = outputSpatial[dim] }
    let y = try context.checkedType(x.dataType, outputShape)
    let quantization = try scalarParameters(context, x)

    // ONNX Runtime runs a window that is the whole unpadded image as the global pool.
    if kernelShape == inputSpatial && !padBegin.contains(where: { $0 != 0 }) && !padEnd.contains(where: { $0 != 0 }) {
      let global = try globalPlan(
        context, x: x, channelsLast: channelsLast, image: inputSpatial.reduce(1, *), quantization, signed: signed)
      return Prepared(
        .quantizedPooling(QuantizedPoolingKernel(plan: .global(global))), outputs: [y],
        scratchBytes: global.scratchBytes)
    }

    // (D, H, W) with leading dims of size 1, window 1, no padding.
    func leading(_ values: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: 3 - values.count) + values }
    let inputs3 = leading(inputSpatial, 1)
    let outputs3 = leading(outputSpatial, 1)
    let kernels3 = leading(kernelShape, 1)
    let strides3 = leading(strides, 1)
    let begins3 = leading(padBegin, 0)
    let ends3 = leading(padEnd, 0)
    var table: [Int] = []
    for dim in 0..<3 {
      let axis = PoolingOps.windowTable(
        input: inputs3[dim], output: outputs3[dim], kernel: kernels3[dim], stride: strides3[dim], dilation: 1,
        padBegin: begins3[dim], padEnd: ends3[dim])
      table += axis.table
    }

    // ONNX Runtime's dequantize_value: x_scale * float(int(x) - x_zero_point), indexed by the raw byte.
    var dequantized = [Float](repeating: 0, count: 256)
    for byte in 0..<256 {
      let value = signed ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
      dequantized[byte] = quantization.xScale * Float(value - quantization.xZeroPoint)
    }
    let windowed = QuantizedPoolingKernel.Windowed(
      channelsLast: channelsLast, batches: x.shape[0], channels: channels,
      inputD: inputs3[0], inputH: inputs3[1], inputW: inputs3[2],
      outputD: outputs3[0], outputH: outputs3[1], outputW: outputs3[2],
      table: Storage(values: table), countIncludePad: countIncludePad, kernelSize: kernelShape.reduce(1, *),
      dequantized: Storage(values: dequantized), outputScale: quantization.yScale,
      outputZeroPoint: Float(quantization.yZeroPoint), low: signed ? -128 : 0, high: signed ? 127 : 255)
    let scratch = channelsLast ? channels * MemoryLayout<Float>.stride : 0
    return Prepared(
      .quantizedPooling(QuantizedPoolingKernel(plan: .windowed(windowed))), outputs: [y], scratchBytes: scratch)
  }

  // MARK: - QLinearConcat

  private static func prepareConcat(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    let count = context.inputCount
    guard count >= 5 && (count - 2) % 3 == 0 else {
      throw context.error(
        "takes Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) for each input: "
          + String(count) + " inputs do not fit")
    }
    let inputCount = (count - 2) / 3
    let first = try context.input(2)
    let dataType = first.dataType
    let signed = try isSigned(context, first)
    let outputScale = try scalarScale(context, 0, "Y_scale")
    let outputZeroPoint = try scalarZeroPoint(context, 1, "Y_zero_point", dataType)
    guard context.has(attribute: "axis") else { throw context.error("attribute 'axis' is required") }
    let axisValue = try context.int("axis", 0)
    guard first.rank >= 1 else { throw context.error("inputs must have rank 1 or more, got " + first.text) }
    let axis = try context.axis(axisValue, rank: first.rank)

    var outputShape = first.shape
    outputShape[axis] = 0
    var outer = 1
    for dim in 0..<axis { outer *= first.shape[dim] }
    var inner = 1
    for dim in (axis + 1)..<first.rank { inner *= first.shape[dim] }
    let low: Int32 = signed ? -128 : 0
    let high: Int32 = signed ? 127 : 255
    var parts: [Int] = []
    var tables: [UInt8] = []
    for k in 0..<inputCount {
      let index = 2 + 3 * k
      let x = try context.input(index)
      guard x.dataType == dataType else {
        throw context.error("input " + String(index) + " " + x.text + " must have input 2's type " + dataType.name)
      }
      guard x.rank == first.rank else {
        throw context.error("input " + String(index) + " " + x.text + " must have input 2's rank " + String(first.rank))
      }
      for dim in 0..<x.rank where dim != axis && x.shape[dim] != first.shape[dim] {
        throw context.error(
          "input " + String(index) + " " + x.text + " must match input 2 " + first.text + " except on axis "
            + String(axis))
      }
      outputShape[axis] += x.shape[axis]
      let scale = try scalarScale(context, index + 1, "X_scale of input " + String(index))
      let zeroPoint = try scalarZeroPoint(context, index + 2, "X_zero_point of input " + String(index), dataType)
      let pitch = x.shape[axis] * inner
      if scale == outputScale && zeroPoint == outputZeroPoint {
        parts += [pitch, -1]
      } else {
        parts += [pitch, tables.count]
        for byte in 0..<256 {
          let value = signed ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
          let real = scale * Float(value - zeroPoint)
          let q = Float.scaledRounded(real, outputScale, Float(low - outputZeroPoint), Float(high - outputZeroPoint))
          tables.append(UInt8(truncatingIfNeeded: q + outputZeroPoint))
        }
      }
    }
    let y = try context.checkedType(dataType, outputShape)
    let concat = QuantizedPoolingKernel.Concat(
      outer: outer, outputPitch: outputShape[axis] * inner, inputs: inputCount, parts: Storage(values: parts),
      tables: Storage(bytes: tables))
    return Prepared(.quantizedPooling(QuantizedPoolingKernel(plan: .concat(concat))), outputs: [y])
  }

  // MARK: - Shared

  private static func checkSingleOutput(_ context: OpContext) throws(RuntimeError) {
    guard context.outputCount == 1 && !context.node.outputs[0].isEmpty else {
      throw context.error("has 1 output, not " + String(context.outputCount))
    }
  }

  private static func isSigned(_ context: OpContext, _ x: TensorType) throws(RuntimeError) -> Bool {
    switch x.dataType {
    case .uint8: return false
    case .int8: return true
    default: throw context.unsupported("input X must be uint8 or int8, got " + x.text)
    }
  }

  private static func channelsLastAttribute(_ context: OpContext) throws(RuntimeError) -> Bool {
    let value = try context.int("channels_last", 0)
    guard value == 0 || value == 1 else {
      throw context.error("channels_last " + String(value) + " must be 0 or 1")
    }
    return value == 1
  }

  struct ScalarParameters {
    var xScale: Float
    var xZeroPoint: Int32
    var yScale: Float
    var yZeroPoint: Int32
  }

  /// Inputs 1 to 4 of the pools: x_scale, x_zero_point, y_scale, y_zero_point.
  private static func scalarParameters(_ context: OpContext, _ x: TensorType) throws(RuntimeError) -> ScalarParameters {
    ScalarParameters(
      xScale: try scalarScale(context, 1, "x_scale"),
      xZeroPoint: try scalarZeroPoint(context, 2, "x_zero_point", x.dataType),
      yScale: try scalarScale(context, 3, "y_scale"),
      yZeroPoint: try scalarZeroPoint(context, 4, "y_zero_point", x.dataType))
  }

  /// A load-time float32 scale holding one value.
  private static func scalarScale(_ context: OpContext, _ index: Int, _ what: String) throws(RuntimeError) -> Float {
    let value = try context.requireConstant(index, what)
    guard value.type.dataType == .float, value.type.count == 1, value.type.rank <= 1 else {
      throw context.unsupported(what + " must be one float32 value, got " + value.type.text)
    }
    let scale = value.values(Float.self)[0]
    guard scale.isFinite && scale > 0 else {
      throw context.error(what + " must be a positive finite float, got " + String(scale))
    }
    return scale
  }

  /// A load-time zero point of the data's type holding one value; 0 when omitted.
  private static func scalarZeroPoint(
    _ context: OpContext, _ index: Int, _ what: String, _ dataType: DataType
  ) throws(RuntimeError) -> Int32 {
    guard context.has(index) else { return 0 }
    let value = try context.requireConstant(index, what)
    guard value.type.dataType == dataType, value.type.count == 1, value.type.rank <= 1,
      let integers = value.integers()
    else {
      throw context.error(what + " must be one " + dataType.name + " value, got " + value.type.text)
    }
    return Int32(integers[0])
  }
}
