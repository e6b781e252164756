import ONNXFormat

/// The initializers a quantized graph adds, made once each: scale and zero-point pairs, int8
/// weights with their per-channel scales, int32 biases, and 8-bit constant operands.
struct QuantizedTensors {
  var initializers: InitializerTable
  var names: NameAllocator
  let activations: ActivationType
  let perChannel: Bool
  private var paramNames: [String: (scale: String, zeroPoint: String)] = [:]

  init(_ graph: Graph, options: QuantizationOptions) {
    initializers = InitializerTable(graph.initializers)
    names = NameAllocator(graph)
    activations = options.activations
    perChannel = options.perChannel
  }

  /// Scalar scale and zero point for an activation tensor's parameters.
  mutating func params(_ tensor: String, _ params: QuantParams) -> (scale: String, zeroPoint: String) {
    if let found = paramNames[tensor] { return found }
    let scale = names.make(tensor + "_scale")
    let zeroPoint = names.make(tensor + "_zp")
    initializers.set(TensorValues.float(scale, dims: [], [params.scale]))
    initializers.set(zeroPointTensor(zeroPoint, dims: [], [params.zeroPoint]))
    paramNames[tensor] = (scale, zeroPoint)
    return (scale, zeroPoint)
  }

  /// A QuantizeLinear or DequantizeLinear node, named after the tensor it converts.
  mutating func conversion(
    _ opType: String, of tensor: String, inputs: [String], output: String, axis: Int? = nil
  ) -> Node {
    Node(
      name: names.make(tensor + "_" + opType), opType: opType, inputs: inputs, outputs: [output],
      attributes: axis.map { [Attribute(name: "axis", value: .int($0))] } ?? [])
  }

  /// A scalar float scale of its own.
  mutating func scale(_ base: String, _ value: Float) -> String {
    let name = names.make(base)
    initializers.set(TensorValues.float(name, dims: [], [value]))
    return name
  }

  func zeroPointTensor(_ name: String, dims: [Int], _ values: [Int32]) -> Tensor {
    switch activations {
    case .uint8: return TensorValues.uint8(name, dims: dims, values.map { UInt8(clamping: $0) })
    case .int8: return TensorValues.int8(name, dims: dims, values.map { Int8(clamping: $0) })
    }
  }

  /// A constant operand as an 8-bit activation tensor with its own parameters.
  mutating func constantOperand(_ key: String, values: [Float], dims: [Int], params: QuantParams) -> String {
    let name = names.make(key + "_q")
    let q = values.map { quantize($0, params) }
    switch activations {
    case .uint8: initializers.set(TensorValues.uint8(name, dims: dims, q.map { UInt8(clamping: $0) }))
    case .int8: initializers.set(TensorValues.int8(name, dims: dims, q.map { Int8(clamping: $0) }))
    }
    return name
  }

  func quantize(_ value: Float, _ params: QuantParams) -> Int32 {
    let scaled = (value / params.scale).rounded(.toNearestOrEven)
    let low: Float = activations == .uint8 ? 0 : -128
    let high: Float = activations == .uint8 ? 255 : 127
    return Int32(min(max(scaled + Float(params.zeroPoint), low), high))
  }

  struct Weight {
    var values: String
    var scale: String
    var zeroPoint: String
    var scales: [Float]
    var axis: Int
  }

  /// Symmetric int8 weights: per channel along `channelAxis` (or per tensor), zero points 0.
  mutating func weight(
    _ name: String, channelAxis: Int, perChannelAllowed: Bool = true, bias: (name: String, inputScale: Float, factor: Float)? = nil
  ) -> Weight? {
    guard let tensor = initializers.tensor(name), let values = TensorValues.floats(tensor) else { return nil }
    let axis = perChannel && perChannelAllowed ? channelAxis : nil
    let (quantized, scales) = WeightQuantizer.quantize(
      values, shape: tensor.dims, channelAxis: axis, minimumScales: bias.flatMap { biasFloors($0, perChannel: axis != nil) })
    let valuesName = names.make(name + "_q")
    let scaleName = names.make(name + "_scale")
    let zeroName = names.make(name + "_zp")
    initializers.set(TensorValues.int8(valuesName, dims: tensor.dims, quantized))
    let dims = axis == nil ? [] : [scales.count]
    initializers.set(TensorValues.float(scaleName, dims: dims, scales))
    initializers.set(TensorValues.int8(zeroName, dims: dims, [Int8](repeating: 0, count: scales.count)))
    return Weight(values: valuesName, scale: scaleName, zeroPoint: zeroName, scales: scales, axis: channelAxis)
  }

  /// The smallest weight scales that keep the bias within int32 (with 1% to spare): |b| / (x_scale * 2^31).
  func biasFloors(_ bias: (name: String, inputScale: Float, factor: Float), perChannel: Bool) -> [Float]? {
    guard bias.inputScale > 0, let tensor = initializers.tensor(bias.name), let values = TensorValues.floats(tensor)
    else { return nil }
    let floors = values.map { Float(Double(abs($0 * bias.factor)) / (Double(bias.inputScale) * 2_126_008_810)) }
    return perChannel ? floors : [floors.max() ?? 0]
  }

  /// An int32 bias at scale inputScale x weight scale (per channel when the weights are).
  mutating func bias(_ name: String, inputScale: Float, weight: Weight, scaledBy factor: Float = 1) -> (values: String, scale: String)? {
    guard let tensor = initializers.tensor(name), var values = TensorValues.floats(tensor) else { return nil }
    if factor != 1 { values = values.map { $0 * factor } }
    let (quantized, scales) = WeightQuantizer.quantizeBias(values, inputScale: inputScale, weightScales: weight.scales)
    let valuesName = names.make(name + "_q")
    let scaleName = names.make(name + "_quantized_scale")
    initializers.set(TensorValues.int32(valuesName, dims: [values.count], quantized))
    initializers.set(TensorValues.float(scaleName, dims: scales.count == 1 ? [] : [scales.count], scales))
    return (valuesName, scaleName)
  }

  /// Weights after folding a Gemm's alpha (and the whole matrix in float before quantization).
  mutating func scaledCopy(_ name: String, by factor: Float) -> String {
    guard factor != 1, let tensor = initializers.tensor(name), let values = TensorValues.floats(tensor) else { return name }
    let scaled = names.make(name + "_scaled")
    initializers.set(TensorValues.float(scaled, dims: tensor.dims, values.map { $0 * factor }))
    return scaled
  }
}
