import CSupport
import ONNXFormat

// ONNX Runtime's quantized element-wise operators (com.microsoft, since version 1): QLinearAdd,
// QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinearSoftmax on uint8 or int8 with per-tensor scales
// and zero points known at load.
//
// How ONNX Runtime 1.32 computes them on x86-64 (the CPU provider; sources read in microsoft/onnxruntime,
// each formula confirmed against onnxruntime 1.32 on all input codes, see the tests). fl() is a float32
// operation rounded half to even, fma() a fused float32 multiply-add, rne() rounding half to even.
//
// QLinearAdd: contrib_ops/cpu/quantization/qlinear_binary_op.cc broadcasts in spans (the innermost dims
//   over which each input is either contiguous or broadcast, element_wise_ops.h `Broadcaster`) and calls
//   MlasQLinearAdd(x span, x scale, x zp, y, y scale, y zp, C scale, C zp, scalar-y?) with x = A and y = B,
//   except when A is broadcast along the span (`input0scalar`: also a 1-element output), where x = B and
//   y = A. On AVX2 machines MLAS dispatches core/mlas/lib/intrinsics/avx2/qladd_avx2.cpp:
//     Rx = fl(x_scale / C_scale), Ry = fl(y_scale / C_scale)
//     F = fl(float(C_zp) - fma(Rx, x_zp, fl(Ry * y_zp)))       (GCC contracts the C++ expression)
//     C = saturate(rne(fma(x, Rx, fma(y, Ry, F))))              (raw codes x, y; cvtps, packs, packus)
//   (the scalar-y form `F + y * Ry` is contracted to the same fma). Other MLAS builds differ:
//   core/mlas/lib/qladd.cpp's SSE2 path uses separate multiplies and adds, its NEON path is integer (ratios
//   in [2^-14, 256), Shift = 21 - exponent(max ratio), Multiplier = lrintf(ratio * 2^Shift), rounding half
//   away from zero), and its scalar fallback is `nearbyintf((As*(a-za) + Bs*(b-zb)) / Cs) + zp`, so ONNX
//   Runtime is not bit-identical across ISAs; this kernel follows the AVX2 path.
//   Here: t[y] = fma(y, Ry, F) is built per byte at load and kept as a jammed fixed-point Int64 with u
//   fraction bits (u = max(exponent of Rx + 1, 27), QuantizedElementwiseMath); per element
//   X = x * (Rx in units of 2^-u) + t[y] is exact up to the sticky bit, and rounding it to float32 then
//   to an integer gives ONNX Runtime's byte. Ratios must lie in [2^-20, 2^16).
// QLinearMul: same broadcasting; core/mlas/lib/qlmul.cpp (SSE2, no FMA):
//     s = fl(fl(A_scale * B_scale) / C_scale)
//     C = saturate(rne(fl(fl(float((a - za) * (b - zb)) * s) + float(C_zp))))
//   The zero point is added in float32 before rounding, which moves about one result in 200 when s puts
//   products on half-integers; `Requantizer` alone (rne(p * s) + zp) would not match. Here: the first
//   rounding as `Requantizer` does it, the sum with C_zp and the second rounding in jammed fixed point.
//   s must be below 2^14.
// QLinearSigmoid / QLinearLeakyRelu: qlinear_activations.cc and qlinear_lookup_table.cc build a 256-entry
//   table when the scales and zero points are constant: x = fl(X_scale * float(code - X_zp)) for every
//   byte (int8 codes in uint8 index order), y = f(x), then MlasQuantizeLinear (AVX512F build,
//   intrinsics/avx512/quantize_avx512f.cpp): q = rne(clamp(fl(y / Y_scale), lo - zp, hi - zp)) + zp.
//   f for Sigmoid is MlasComputeLogistic (x86_64 LogisticKernelFma3 / TransKernelFma3: clamp to
//   [-18, 18], Eigen's odd rational polynomial p(x)/q(x) in x^2 with fma, fl(fl(p / q) + 0.5), max with 0);
//   for LeakyRelu `v >= 0 ? v : fl(alpha * v)` (alpha defaults to 0.01). Here: the same float32 steps at
//   load give the same 256 bytes; running is one table lookup per element.
// QLinearSoftmax: contrib_ops/cpu/quantization/qlinear_softmax.cc builds, when x_scale is constant,
//     bit_shift = max(0, log(FLT_MAX / D) - 5) / x_scale         (D: reduce length; EXP_OUT_DTYPE float)
//     table[i] = float(exp((i - 255 + bit_shift) * x_scale)), i = 0...255     (double exp)
//   and uses it shifted so index 255 is the row max (int8 rows shifted the same way); x_zero_point is
//   unused. The stored sources then compute `nearbyintf(fl(fl(t * floor(1 / y_scale)) / sum)) + zp`
//   (QlinearSoftmaxCPU) or, in MLAS qsoftmax_kernel_avx2.cpp / _avx512.cpp, 8- or 16-lane sums and
//   `fma(t, fl(fl(1 / sum) * y_scale), zp)`. Neither matches onnxruntime 1.32's bytes: the first overflows
//   float32 on short rows (t * floor(1/y_scale) = inf) and wraps int8 results above 127, the second
//   rounds ties differently. What 1.32 computes, fitted on about 5 million outputs of random and tie-heavy rows:
//     log is the float32 logf of fl(FLT_MAX / D); sum = float32 sum of the row's table values in element
//     order; p = fl(t * fl(1 / sum)); y = saturate(rne(fl(p * floor(1 / y_scale))) + y_zp)
//   1 output in 3.25 million differs from onnxruntime 1.32 by one step (none in the tests' literals).
//   `opset` < 13 flattens the dims from `axis` on into the row (Softmax-1/11); `opset` >= 13 takes rows
//   along `axis` alone (ONNX Runtime transposes). `axis` defaults to -1 for every opset: the schema's
//   default fills it in before the kernel's own opset-dependent default could apply.
//   Here: the table built at load; per row the float32 sum emulated on bit patterns, fl(1 / sum) by one
//   integer division, and per element the two float32 products on integer significands.
enum QuantizedElementwiseOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .qlinearAdd: return try binary(context, multiply: false)
    case .qlinearMul: return try binary(context, multiply: true)
    case .qlinearSigmoid: return try lookup(context, leaky: false)
    case .qlinearLeakyRelu: return try lookup(context, leaky: true)
    case .qlinearSoftmax: return try softmax(context)
    default: throw context.unsupported("is not a quantized element-wise operator")
    }
  }

  // MARK: - QLinearAdd, QLinearMul

  private static func binary(_ context: OpContext, multiply: Bool) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    guard context.inputCount == 7 || context.inputCount == 8 else {
      throw context.error(
        "takes 8 inputs (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point), got "
          + String(context.inputCount))
    }
    let a = try context.input(0)
    let b = try context.input(3)
    let signed = try isSigned(context, a, "A")
    guard b.dataType == a.dataType else {
      throw context.error("input B is " + b.text + " but input A is " + a.text + "; both must have the same type")
    }
    let aScale = try scalarScale(context, 1, "A_scale")
    let aZero = try scalarZeroPoint(context, 2, "A_zero_point", a.dataType)
    let bScale = try scalarScale(context, 4, "B_scale")
    let bZero = try scalarZeroPoint(context, 5, "B_zero_point", a.dataType)
    let cScale = try scalarScale(context, 6, "C_scale")
    let cZero = try scalarZeroPoint(context, 7, "C_zero_point", a.dataType)
    guard let shape = broadcastShape(a.shape, b.shape) else {
      throw context.error("input shapes " + a.text + " and " + b.text + " cannot be broadcast together")
    }
    let output = try context.checkedType(a.dataType, shape)
    let plan = BroadcastPlan(output: shape, operands: [a.shape, b.shape])
    let inPlace: Int? = a == output ? 0 : (b == output ? 3 : nil)

    if multiply {
      let scale = requantizationScale(inputScale: aScale, weightScale: bScale, outputScale: cScale)
      guard scale.isFinite && scale < 16384 else {
        throw context.unsupported(
          "A_scale * B_scale / C_scale = " + String(scale) + " is not supported (it must be below 2^14)")
      }
      let requantizer = Requantizer(scale)
      let rounding = QuantizedElementwiseMath.Float32Rounding(fractionBits: 27)
      let low: Int32 = signed ? -128 : 0
      let high: Int32 = signed ? 127 : 255
      let zeroC = Int64(cZero) << 27
      let thresholds = QuantizedElementwiseMath.thresholds(low: low, domain: -65536...65536) { product in
        min(max(mulValue(product, requantizer.mantissa, requantizer.shift, zeroC, rounding), low), high)
      }
      // s * 2^32 rounded (s = mantissa * 2^-shift), and (zc + 1/2) * 2^32.
      let estimateShift = requantizer.shift - 32
      let estimateMultiplier: Int64
      if estimateShift <= 0 {
        estimateMultiplier = requantizer.mantissa << Int64(-estimateShift)
      } else if estimateShift < 63 {
        estimateMultiplier = Int64(Requantizer.roundingShift(requantizer.mantissa, estimateShift))
      } else {
        estimateMultiplier = 0
      }
      let estimateOffset = (Int64(cZero) << 32) + (1 << 31)
      // Every product of two codes minus their zero points.
      let ends = [(low - aZero) * (low - bZero), (low - aZero) * (high - bZero), (high - aZero) * (low - bZero), (high - aZero) * (high - bZero)]
      let margin = QuantizedElementwiseMath.estimateMargin(
        thresholds: thresholds, low: low, high: high,
        domain: Int64(ends.min()!)...Int64(ends.max()!), multiplier: estimateMultiplier, offset: estimateOffset, shift: 32)
      let mul = QuantizedElementwiseKernel.Mul(
        signed: signed, plan: plan, zeroA: aZero, zeroB: bZero, estimateMultiplier: estimateMultiplier,
        estimateOffset: estimateOffset,
        thresholds: Storage(values: thresholds.map { Int32(clamping: $0) }), margin: margin ?? 0,
        repeatedRows: QuantizedElementwiseKernel.Mul.repeatedRows(plan))
      return Prepared(
        .quantizedElementwise(QuantizedElementwiseKernel(step: .mul(mul))), outputs: [output],
        scratchBytes: max(256, mul.repeatedRows * plan.inner), inPlaceInput: inPlace)
    }

    // ONNX Runtime streams B and holds A per span when A is broadcast along the innermost dim.
    let swap = plan.innerA == 0
    let xScale = swap ? bScale : aScale
    let yScale = swap ? aScale : bScale
    let xZero = swap ? bZero : aZero
    let yZero = swap ? aZero : bZero
    let xRatio = xScale / cScale
    let yRatio = yScale / cScale
    for (ratio, what) in [(aScale / cScale, "A_scale / C_scale"), (bScale / cScale, "B_scale / C_scale")] {
      guard ratio >= 0x1p-20 && ratio < 0x1p16 else {
        throw context.unsupported(what + " = " + String(ratio) + " is not supported (it must lie in [2^-20, 2^16))")
      }
    }
    let fixed = Float(cZero) - (yRatio * Float(yZero)).addingProduct(xRatio, Float(xZero))
    // Rx = significand * 2^-exponent (normal: the range check above).
    let ratioBits = xRatio.bitPattern
    let significand = Int64(ratioBits & 0x7F_FFFF) | (1 << 23)
    let exponent = 150 - Int((ratioBits >> 23) & 0xFF)
    let fractionBits = max(exponent + 1, 27)
    let multiplier = significand << Int64(fractionBits - exponent)
    // |t| beyond 256 * Rx + 2^16 saturates whatever x is; clamping keeps the sums inside Int64.
    let limit = multiplier * 256 + (Int64(1) << Int64(fractionBits + 16))
    var table = [Int64](repeating: 0, count: 256)
    for byte in 0..<256 {
      let code = signed ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
      let term = fixed.addingProduct(Float(code), yRatio)
      table[byte] = QuantizedElementwiseMath.jammed(term, fractionBits: fractionBits, limit: limit)
    }
    let rounding = QuantizedElementwiseMath.Float32Rounding(fractionBits: fractionBits)
    let low: Int32 = signed ? -128 : 0
    let high: Int32 = signed ? 127 : 255
    // |X| <= 255 * multiplier + limit < 2^62 (multiplier < 2^(u + 16), limit < 2^(u + 25), u <= 45).
    let thresholds = QuantizedElementwiseMath.thresholds(low: low, domain: -(1 << 62)...(1 << 62)) { value in
      min(max(rounding.round(value), low), high)
    }
    let add = QuantizedElementwiseKernel.Add(
      signed: signed, plan: plan, swap: swap, multiplier: multiplier, table: Storage(values: table),
      fractionBits: fractionBits, thresholds: Storage(values: thresholds),
      linear: QuantizedElementwiseMath.linearAdd(
        table: table, multiplier: multiplier, fractionBits: fractionBits, thresholds: thresholds, signed: signed,
        low: low, high: high))
    return Prepared(
      .quantizedElementwise(QuantizedElementwiseKernel(step: .add(add))), outputs: [output], scratchBytes: 256,
      inPlaceInput: inPlace)
  }

  /// QLinearMul's exact output for the product p = (a - za) * (b - zb), before saturation to 8 bits:
  /// `round(float32(float32(p * s) + zc))` with s = mantissa * 2^-shift and zc = C_zp in units of
  /// 2^-fractionBits. The first rounding as `Requantizer` does it, the sum and the second rounding in jammed
  /// fixed point. Load time (the kernel's thresholds come from it).
  static func mulValue(
    _ product: Int64, _ mantissa: Int64, _ shift: Int, _ zeroC: Int64,
    _ rounding: QuantizedElementwiseMath.Float32Rounding
  ) -> Int32 {
    // float32(p * s) = significand * 2^(dropped - shift), exactly as float32 rounds the product.
    let (significand, dropped) = Requantizer.roundToFloat32(product &* mantissa)
    // Jam it into units of 2^-u: k is the left shift of the significand in units of 2^-(u - 1).
    let k = dropped - shift + rounding.fractionBits - 1
    var jammed: Int64
    if k >= 0 {
      jammed = (significand &<< Int64(k)) &<< 1
    } else if k > -40 {
      let whole = significand &>> Int64(-k)
      jammed = whole &<< 1 | ((whole &<< Int64(-k)) != significand ? 1 : 0)
    } else {
      jammed = significand == 0 ? 0 : (significand < 0 ? -1 : 1)
    }
    return rounding.round(jammed &+ zeroC)
  }

  // MARK: - QLinearSigmoid, QLinearLeakyRelu

  private static func lookup(_ context: OpContext, leaky: Bool) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    guard context.inputCount == 4 || context.inputCount == 5 else {
      throw context.error(
        "takes 5 inputs (X, X_scale, X_zero_point, Y_scale, Y_zero_point), got " + String(context.inputCount))
    }
    let x = try context.input(0)
    let signed = try isSigned(context, x, "X")
    let xScale = try scalarScale(context, 1, "X_scale")
    let xZero = try scalarZeroPoint(context, 2, "X_zero_point", x.dataType)
    let yScale = try scalarScale(context, 3, "Y_scale")
    let yZero = try scalarZeroPoint(context, 4, "Y_zero_point", x.dataType)
    let alpha = leaky ? try context.float("alpha", 0.01) : 0
    let low: Int32 = signed ? -128 : 0
    let high: Int32 = signed ? 127 : 255
    var table = [UInt8](repeating: 0, count: 256)
    for byte in 0..<256 {
      let code = signed ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
      let real = xScale * Float(code - xZero)
      let value = leaky ? (real >= 0 ? real : alpha * real) : logistic(real)
      table[byte] = UInt8(truncatingIfNeeded: quantize(value, yScale, yZero, low: low, high: high))
    }
    let step = QuantizedElementwiseKernel.Lookup(count: x.count, table: Storage(bytes: table))
    return Prepared(
      .quantizedElementwise(QuantizedElementwiseKernel(step: .lookup(step))), outputs: [x], inPlaceInput: 0)
  }

  /// MLAS's logistic (LogisticKernelFma3): Eigen's rational approximation with fused multiply-adds.
  /// The constants are MlasLogisticConstants as float32 bit patterns.
  static func logistic(_ input: Float) -> Float {
    let x = min(Float(18), max(Float(-18), input))
    let x2 = x * x
    var p = Float(bitPattern: 0x33F8_4ECB).addingProduct(x2, Float(bitPattern: 0x2E40_3551))  // alpha_7 + x2 * alpha_9
    p = Float(bitPattern: 0x387F_413B).addingProduct(x2, p)  // alpha_5
    p = Float(bitPattern: 0x3C0B_7D58).addingProduct(x2, p)  // alpha_3
    p = Float(bitPattern: 0x3E7E_3F32).addingProduct(x2, p)  // alpha_1
    var q = Float(bitPattern: 0x31C5_F27B).addingProduct(x2, Float(bitPattern: 0x2B2B_C4F5))  // beta_8 + x2 * beta_10
    q = Float(bitPattern: 0x36D3_17DD).addingProduct(x2, q)  // beta_6
    q = Float(bitPattern: 0x3ADF_153F).addingProduct(x2, q)  // beta_4
    q = Float(bitPattern: 0x3DEF_3E18).addingProduct(x2, q)  // beta_2
    q = Float(bitPattern: 0x3F7E_3F34).addingProduct(x2, q)  // beta_0
    p = x * p
    let result = p / q + 0.5
    return result > 0 ? result : 0
  }

  /// MlasQuantizeLinear: `rne(clamp(value / scale, low - zp, high - zp)) + zp`.
  static func quantize(_ value: Float, _ scale: Float, _ zeroPoint: Int32, low: Int32, high: Int32) -> Int32 {
    var scaled = value / scale
    let lowest = Float(low - zeroPoint)
    let highest = Float(high - zeroPoint)
    // maxps(v, lo) returns lo for a NaN v.
    scaled = scaled.isNaN || scaled < lowest ? lowest : scaled
    scaled = scaled > highest ? highest : scaled
    return Int32(scaled.rounded(.toNearestOrEven)) + zeroPoint
  }

  // MARK: - QLinearSoftmax

  private static func softmax(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try checkSingleOutput(context)
    guard context.inputCount == 4 || context.inputCount == 5 else {
      throw context.error(
        "takes 5 inputs (X, X_scale, x_zero_point, y_scale, y_zero_point), got " + String(context.inputCount))
    }
    let x = try context.input(0)
    let signed = try isSigned(context, x, "X")
    let xScale = try scalarScale(context, 1, "X_scale")
    _ = try scalarZeroPoint(context, 2, "x_zero_point", x.dataType)
    let yScale = try scalarScale(context, 3, "y_scale")
    let yZero = try scalarZeroPoint(context, 4, "y_zero_point", x.dataType)
    guard context.has(attribute: "opset") else {
      throw context.error("attribute 'opset' is required (the Softmax version whose axis rule applies)")
    }
    let opset = try context.int("opset", 13)
    guard x.rank >= 1 else { throw context.error("input X must have rank 1 or more, got " + x.text) }
    let axis = try context.axis(try context.int("axis", -1), rank: x.rank)
    var outer = 1
    for dim in 0..<axis { outer *= x.shape[dim] }
    var length = 1
    var stride = 1
    if opset < 13 {
      for dim in axis..<x.rank { length *= x.shape[dim] }
    } else {
      length = x.shape[axis]
      for dim in (axis + 1)..<x.rank { stride *= x.shape[dim] }
    }
    if x.count == 0 { outer = 0 }

    var exponentials = [UInt32](repeating: 0, count: 256)
    if length > 0 {
      // std::log of a float argument: the float32 logf.
      let logarithm = Double(logf(Float.greatestFiniteMagnitude / Float(length)))
      let bitShift = max(0, logarithm - 5) / Double(xScale)
      for index in 0..<256 {
        exponentials[index] = Float(exp((Double(index) - 255 + bitShift) * Double(xScale))).bitPattern
      }
    }
    // floor(1 / y_scale) as significand * 2^exponent (an integer-valued float32, or 0).
    let outputScale = (1 / yScale).rounded(.down)
    guard outputScale.isFinite else {
      throw context.unsupported("y_scale " + String(yScale) + " is too small: 1 / y_scale overflows float32")
    }
    let scaleBits = outputScale.bitPattern
    let scaleSignificand = outputScale == 0 ? 0 : Int64(scaleBits & 0x7F_FFFF) | (1 << 23)
    let scaleExponent = Int((scaleBits >> 23) & 0xFF) - 150
    let step = QuantizedElementwiseKernel.Softmax(
      signed: signed, outer: outer, length: length, stride: stride, exponentials: Storage(values: exponentials),
      scaleSignificand: scaleSignificand, scaleExponent: scaleExponent, zeroPoint: yZero,
      rounding: QuantizedElementwiseMath.Float32Rounding(fractionBits: 27))
    return Prepared(
      .quantizedElementwise(QuantizedElementwiseKernel(step: .softmax(step))), outputs: [x], inPlaceInput: 0)
  }

  // MARK: - Shared checks

  private static func checkSingleOutput(_ context: OpContext) throws(RuntimeError) {
    guard context.outputCount == 1 && !context.node.outputs[0].isEmpty else {
      throw context.error("has 1 output, not " + String(context.outputCount))
    }
  }

  private static func isSigned(_ context: OpContext, _ x: TensorType, _ name: String) throws(RuntimeError) -> Bool {
    switch x.dataType {
    case .uint8: return false
    case .int8: return true
    default: throw context.unsupported("input " + name + " must be uint8 or int8, got " + x.text)
    }
  }

  /// A load-time float32 scale holding one value.
  private static func scalarScale(_ context: OpContext, _ index: Int, _ what: String) throws(RuntimeError) -> Float {
    let value = try context.requireConstant(index, what)
    guard value.type.dataType == .float, value.type.count == 1, value.type.rank <= 1 else {
      throw context.error(what + " must be one float32 value, got " + value.type.text)
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
