import ONNXFormat

/// QLinearConv and ConvInteger, NCHW with 1 to 3 spatial axes, every Conv attribute (the float Conv's
/// geometry). The weights (and for QLinearConv every scale and zero point) must be known at load: the
/// weights are packed here once for the strategy the shapes call for (see `IntegerConvolutionKernel`)
/// and the requantizers built from `x_scale * w_scale[c] / y_scale` in float32, as ONNX Runtime does.
enum IntegerConvolutionOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let qlinear = context.op == .qlinearConv
    // QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
    // ConvInteger: x, w, x_zero_point, w_zero_point.
    let wIndex = qlinear ? 3 : 1
    let xZeroIndex = 2
    let wZeroIndex = qlinear ? 5 : 3
    let x = try context.input(0)
    let w = try context.input(wIndex)
    let xSigned = try IntegerGemmParameters.eightBit(context, x, "x")
    let wSigned = try IntegerGemmParameters.eightBit(context, w, "w")
    // com.microsoft QLinearConv: x [N, spatial..., C] and y [N, spatial..., M] when channels_last = 1.
    let channelsLast = try IntegerChannelsLastOps.channelsLast(context)
    guard x.rank >= 3 else { throw context.error("x must be [N, C, spatial...], got " + x.text) }
    guard x.rank <= 5 else {
      throw context.unsupported("supports 1 to 3 spatial axes; x is " + x.text)
    }
    guard w.rank == x.rank else {
      throw context.error("w " + w.text + " must have the rank of x " + x.text)
    }
    let attributes = try ConvAttributes(context, kernel: Array(w.shape[2...]))
    let group = attributes.group
    let inChannels = channelsLast ? x.shape[x.rank - 1] : x.shape[1]
    let outChannels = w.shape[0]
    guard w.shape[1] * group == inChannels else {
      throw context.error(
        "x has " + String(inChannels) + " channels but w " + w.text + " with group " + String(group)
          + " expects "
          + String(w.shape[1] * group))
    }
    guard outChannels % group == 0 else {
      throw context.error(
        String(outChannels) + " output channels do not split into " + String(group) + " groups")
    }

    // Zero points: types first, then shapes and values.
    try IntegerGemmParameters.checkZeroPointType(
      context, xZeroIndex, "x_zero_point", data: x, dataName: "x")
    try IntegerGemmParameters.checkZeroPointType(
      context, wZeroIndex, "w_zero_point", data: w, dataName: "w")
    if context.has(xZeroIndex) {
      _ = try IntegerGemmParameters.stride(
        context, try context.input(xZeroIndex), "x_zero_point", count: 1, per: "tensor")
    }
    var wZeroStride = 0
    if context.has(wZeroIndex) {
      wZeroStride = try IntegerGemmParameters.stride(
        context, try context.input(wZeroIndex), "w_zero_point", count: outChannels,
        per: "output channel")
    }

    var outputKind = IntegerGemm.Output.Kind.int32
    var requantizers: Storage? = nil
    var yZero: Int32 = 0
    var xZero: Int32 = 0
    var hasBias = false
    if qlinear {
      let xScale = try IntegerGemmParameters.scale(context, 1, "x_scale")
      xZero = try IntegerGemmParameters.zeroPoint(
        context, xZeroIndex, "x_zero_point", data: x, dataName: "x")
      let (wScales, wScaleStride) = try IntegerGemmParameters.scales(
        context, 4, "w_scale", count: outChannels, per: "output channel")
      let yScale = try IntegerGemmParameters.scale(context, 6, "y_scale")
      guard context.has(7) else {
        throw context.error("y_zero_point (input 7) is required: its type is the output's")
      }
      let yType = try context.input(7)
      let ySigned = try IntegerGemmParameters.eightBit(context, yType, "y_zero_point")
      yZero = try IntegerGemmParameters.zeroPoint(
        context, 7, "y_zero_point", data: yType, dataName: "y")
      outputKind = ySigned ? .int8 : .uint8
      var multipliers: [Float] = []
      for channel in 0..<outChannels {
        multipliers.append(
          requantizationScale(
            inputScale: xScale, weightScale: wScales[channel * wScaleStride], outputScale: yScale))
      }
      requantizers = try IntegerGemmParameters.requantizers(
        context, multipliers, "x_scale * w_scale / y_scale")
      if context.has(8) {
        let b = try context.input(8)
        guard b.dataType == .int32 && b.shape == [outChannels] else {
          throw context.error("bias B must be int32[" + String(outChannels) + "], got " + b.text)
        }
        hasBias = true
      }
    }
    let weights = try context.requireConstant(wIndex, "the weights w")
    let wZeros: Constant? =
      context.has(wZeroIndex) ? try context.requireConstant(wZeroIndex, "w_zero_point") : nil

    let inputSpatial = channelsLast ? Array(x.shape[1..<(x.rank - 1)]) : Array(x.shape[2...])
    let (outputSpatial, padsBegin) = try attributes.convOutput(context, input: inputSpatial)
    if channelsLast {
      var parameters = IntegerChannelsLastOps.Parameters(
        batch: x.shape[0], inChannels: inChannels, outChannels: outChannels, group: group,
        window: attributes.window(image: inputSpatial, grid: outputSpatial, padsBegin: padsBegin),
        xSigned: xSigned, ySigned: outputKind == .int8, xZero: xZero, yZero: yZero)
      parameters.requantizers = requantizers
      parameters.hasBias = hasBias
      parameters.wZeroStride = wZeroStride
      return try IntegerChannelsLastOps.prepare(
        context, parameters, weights: weights, wZeros: wZeros,
        output: try context.checkedType(
          outputType(outputKind), [x.shape[0]] + outputSpatial + [outChannels]))
    }
    let output = try context.checkedType(
      outputType(outputKind), [x.shape[0], outChannels] + outputSpatial)

    var plan = IntegerConvolutionKernel(
      batch: x.shape[0], inChannels: inChannels, outChannels: outChannels, group: group,
      window: attributes.window(image: inputSpatial, grid: outputSpatial, padsBegin: padsBegin),
      xSigned: xSigned, outputKind: outputKind)
    plan.hasXZeroPoint = context.has(xZeroIndex)
    plan.hasBias = hasBias
    plan.requantizers = requantizers
    plan.yZero = yZero
    let scratch =
      wSigned
      ? planWeights(
        &plan, weights.storage.typed(Int8.self), wZeros?.storage.typed(Int8.self), wZeroStride)
      : planWeights(
        &plan, weights.storage.typed(UInt8.self), wZeros?.storage.typed(UInt8.self), wZeroStride)
    var prepared = Prepared(.integerConvolution(plan), outputs: [output], scratchBytes: scratch)
    if plan.channelSums != nil && plan.worthThreads {
      prepared.parallel = true
      prepared.scratchPerThread = true
    }
    return prepared
  }

  static func outputType(_ kind: IntegerGemm.Output.Kind) -> DataType {
    switch kind {
    case .int32: return .int32
    case .uint8: return .uint8
    case .int8: return .int8
    case .float: return .float
    }
  }

  /// Chooses the strategy, packs the weights for it and returns the scratch bytes.
  static func planWeights<T: IntegerGemmElement>(
    _ plan: inout IntegerConvolutionKernel, _ weights: UnsafeMutablePointer<T>,
    _ zeroPoints: UnsafeMutablePointer<T>?,
    _ zeroPointStride: Int
  ) -> Int {
    let window = plan.window
    let cg = plan.inGroupChannels
    let taps = window.taps
    let k = cg * taps
    if cg == 1 && plan.group > 1 {
      // Depthwise: w - zb per output channel and tap, as int32.
      plan.strategy = .depthwise
      if window.gridD == 1 && window.kernelD == 1 && window.imageD == 1 {
        if let bytes = IntegerConvolutionKernel.planDepthwiseChannels(
          &plan, weights, zeroPoints, zeroPointStride)
        {
          return bytes
        }
        // One or two spatial axes: whole phase planes, int16 filters.
        var filters: [Int16] = []
        filters.reserveCapacity(plan.outChannels * taps)
        for channel in 0..<plan.outChannels {
          let zero =
            zeroPoints.map { Int32(truncatingIfNeeded: $0[channel * zeroPointStride]) } ?? 0
          for tap in 0..<taps {
            filters.append(Int16(Int32(truncatingIfNeeded: weights[channel * taps + tap]) - zero))
          }
        }
        plan.weights = Storage(values: filters)
        return IntegerConvolutionKernel.planDepthwisePlanes(&plan)
      }
      var filters: [Int32] = []
      filters.reserveCapacity(plan.outChannels * taps)
      for channel in 0..<plan.outChannels {
        let zero = zeroPoints.map { Int32(truncatingIfNeeded: $0[channel * zeroPointStride]) } ?? 0
        for tap in 0..<taps {
          filters.append(Int32(truncatingIfNeeded: weights[channel * taps + tap]) - zero)
        }
      }
      plan.weights = Storage(values: filters)
      let reach = (window.kernelW - 1) * window.dilationW / window.strideW
      plan.phaseWidth = IntegerGemm.roundUp(window.gridW, IntegerGemm.nr) + reach
      plan.phaseStride = window.imageD * window.imageH * plan.phaseWidth
      return max(window.strideW * plan.phaseStride * 2, 1)
    }
    let pointwise =
      taps == 1 && window.strideD == 1 && window.strideH == 1 && window.strideW == 1
      && window.padD == 0
      && window.padH == 0 && window.padW == 0 && window.gridSize == window.imageSize
    plan.strategy = pointwise ? .pointwise : .im2col
    do {
      // Output channels by positions on NCHW planes (IntegerConvolutionChannels.swift); this is the
      // only path for them since the channel micro-kernel replaced the packed-GEMM one.
      let packed = IntegerConvolutionKernel.packChannelWeights(
        weights, zeroPoints: zeroPoints, zeroPointStride: zeroPointStride,
        outChannels: plan.outChannels, group: plan.group, k: k)
      plan.weights = packed.weights
      plan.channelSums = packed.sums
      plan.channelGroupStride = packed.groupStride
      if plan.useDotProducts,
        let dot = IntegerConvolutionKernel.packDotWeights(
          weights, zeroPoints: zeroPoints, zeroPointStride: zeroPointStride,
          outChannels: plan.outChannels, group: plan.group, k: k)
      {
        plan.dotWeights = dot.weights
        plan.dotGroupStride = dot.groupStride
        plan.dotPanelOffset =
          IntegerConvolutionKernel.channelScratchBytes(window: window, k: k, pointwise: pointwise, dot: false)
          - IntegerConvolutionKernel.accumulatorBytes
      }
      return IntegerConvolutionKernel.channelScratchBytes(
        window: window, k: k, pointwise: pointwise, dot: plan.dotWeights != nil)
    }
  }
}
