import ONNXFormat

/// The window attributes MaxPool, AveragePool and NhwcMaxPool share (kernel_shape, strides, dilations,
/// pads, auto_pad, ceil_mode), checked, with the output size and effective padding of each spatial dim.
struct WindowAttributes {
  var kernelShape: [Int]
  var strides: [Int]
  var dilations: [Int]
  var outputSpatial: [Int] = []
  var padBegin: [Int] = []
  var padEnd: [Int] = []

  /// `inputText` names the input in errors (its type and shape).
  init(_ context: OpContext, _ inputSpatial: [Int], inputText: String) throws(RuntimeError) {
    let spatial = inputSpatial.count
    guard let kernelShape = try context.ints("kernel_shape") else {
      throw context.error("attribute 'kernel_shape' is required")
    }
    guard kernelShape.count == spatial else {
      throw context.error(
        "kernel_shape " + dimsText(kernelShape) + " must have one entry per spatial dim of "
          + inputText)
    }
    for value in kernelShape where value < 1 {
      throw context.error("kernel_shape " + dimsText(kernelShape) + " must be positive")
    }
    let strides = try context.ints("strides") ?? [Int](repeating: 1, count: spatial)
    guard strides.count == spatial, !strides.contains(where: { $0 < 1 }) else {
      throw context.error(
        "strides " + dimsText(strides) + " must be " + String(spatial) + " positive values")
    }
    let dilations = try context.ints("dilations") ?? [Int](repeating: 1, count: spatial)
    guard dilations.count == spatial, !dilations.contains(where: { $0 < 1 }) else {
      throw context.error(
        "dilations " + dimsText(dilations) + " must be " + String(spatial) + " positive values")
    }
    let explicitPads = try context.ints("pads") ?? [Int](repeating: 0, count: 2 * spatial)
    guard explicitPads.count == 2 * spatial, !explicitPads.contains(where: { $0 < 0 }) else {
      throw context.error(
        "pads " + dimsText(explicitPads) + " must be " + String(2 * spatial)
          + " non-negative values")
    }
    let autoPad = try context.string("auto_pad", "NOTSET")
    let ceilMode = try context.int("ceil_mode", 0) != 0
    self.kernelShape = kernelShape
    self.strides = strides
    self.dilations = dilations
    for dim in 0..<spatial {
      let size = try PoolingOps.outputSize(
        context, autoPad: autoPad, input: inputSpatial[dim], kernel: kernelShape[dim],
        stride: strides[dim],
        dilation: dilations[dim], padBegin: explicitPads[dim], padEnd: explicitPads[spatial + dim],
        ceilMode: ceilMode)
      outputSpatial.append(size.output)
      padBegin.append(size.padBegin)
      padEnd.append(size.padEnd)
    }
  }
}
