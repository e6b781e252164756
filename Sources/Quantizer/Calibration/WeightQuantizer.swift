/// Symmetric int8 weights and int32 biases, rounded as ONNX Runtime's quantizer rounds them.
public enum WeightQuantizer {
  /// Per-channel (`channelAxis` given: one scale per index along that axis, e.g. 0 for Conv weights
  /// [M, C/g, kh, kw] and for Gemm's B with transB = 1) or per-tensor (`channelAxis` nil) symmetric int8.
  ///
  /// Values are `w / scale` divided in float32 (as ONNX Runtime's `quantize_nparray`), rounded half to
  /// even and clamped to -127...127, in the weights' element order. NaN weights become 0 and do not count
  /// toward a scale; infinite ones saturate.
  ///
  /// `minimumScales` (one per channel, or one) raises a scale where it is below: a channel whose weights
  /// are all but zero would otherwise get a scale so small that its int32 bias (at input scale x weight
  /// scale) overflows and saturates, as ONNX Runtime's quantizer also avoids.
  public static func quantize(
    _ weights: [Float], shape: [Int], channelAxis: Int?, minimumScales: [Float]? = nil
  ) -> (
    values: [Int8], scales: [Float]
  ) {
    precondition(
      shape.reduce(1, *) == weights.count,
      "WeightQuantizer: shape \(shape) does not hold \(weights.count) values")
    let layout = ChannelLayout(shape: shape, axis: channelAxis)
    var maxMagnitudes = [Float](repeating: 0, count: layout.channels)
    for (index, weight) in weights.enumerated() where !weight.isNaN {
      let channel = layout.channel(of: index)
      maxMagnitudes[channel] = max(maxMagnitudes[channel], abs(weight))
    }
    var scales = maxMagnitudes.map { QuantParams.symmetricWeight(maxMagnitude: $0).scale }
    if let minimumScales {
      for channel in scales.indices {
        let floor = minimumScales.count == 1 ? minimumScales[0] : minimumScales[channel]
        if floor.isFinite && floor > scales[channel] { scales[channel] = floor }
      }
    }
    var values = [Int8](repeating: 0, count: weights.count)
    for (index, weight) in weights.enumerated() where !weight.isNaN {
      let scaled = (weight / scales[layout.channel(of: index)]).rounded(.toNearestOrEven)
      values[index] = Int8(min(max(scaled, -127), 127))
    }
    return (values, scales)
  }

  /// Bias to int32 with zero point 0 and scale `inputScale * weightScales[c]` (float32 product), one per
  /// channel, or one for all when `weightScales.count == 1`. The division is in float64, as ONNX Runtime's
  /// `quantize_bias_static_impl`; results round half to even and clamp to the Int32 range (QLinearConv
  /// fixes the bias scale, so it cannot be raised to avoid the clamp). NaN gives 0. Returns the scales used.
  public static func quantizeBias(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> (
    values: [Int32], scales: [Float]
  ) {
    precondition(
      weightScales.count == 1 || weightScales.count == bias.count,
      "WeightQuantizer: \(weightScales.count) weight scales for \(bias.count) biases")
    let scales = weightScales.map { inputScale * $0 }
    let values = bias.enumerated().map { index, value -> Int32 in
      let scale = scales.count == 1 ? scales[0] : scales[index]
      let quantized = (Double(value) / Double(scale)).rounded(.toNearestOrEven)
      if quantized.isNaN { return 0 }
      return Int32(min(max(quantized, Double(Int32.min)), Double(Int32.max)))
    }
    return (values, scales)
  }
}

/// Maps a flat element index to its channel along one axis of a row-major shape.
private struct ChannelLayout {
  let channels: Int
  /// Elements between consecutive indices along the axis.
  let stride: Int

  init(shape: [Int], axis: Int?) {
    guard let axis else {
      channels = 1
      stride = 1
      return
    }
    precondition(
      shape.indices.contains(axis), "WeightQuantizer: axis \(axis) outside shape \(shape)")
    channels = shape[axis]
    stride = shape[(axis + 1)...].reduce(1, *)
  }

  func channel(of index: Int) -> Int { channels == 1 ? 0 : (index / stride) % channels }
}
