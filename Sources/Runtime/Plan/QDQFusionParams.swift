import ONNXFormat

/// The quantization parameters of one QuantizeLinear or DequantizeLinear whose scale and zero point are
/// known at load (initializers or Constant nodes).
struct QDQParams {
  var scaleName: String
  /// "" when the node omits its zero point.
  var zeroPointName: String
  var scales: [Float]
  var scaleDims: [Int]
  /// Empty when the zero point is omitted (it is then 0).
  var zeroPoints: [Int]
  var zeroPointDims: [Int]
  /// The quantized element type; nil when neither the zero point nor the graph says.
  var type: DataType?
  /// The `axis` attribute as written (default 1); it only matters for per-axis parameters.
  var axis: Int

  var hasZeroPoint: Bool { !zeroPointName.isEmpty }

  /// One scale and at most one zero point, of rank 0 or shape [1]: what ONNX Runtime calls a scalar.
  var isScalar: Bool {
    scales.count == 1 && scaleDims.count <= 1 && zeroPoints.count <= 1 && zeroPointDims.count <= 1
  }

  var scale: Float { scales[0] }
  var zeroPoint: Int { zeroPoints.first ?? 0 }

  /// The 8-bit types the fused operators take.
  var isEightBit: Bool { type == .int8 || type == .uint8 }
  var isEightOrSixteenBit: Bool { isEightBit || type == .int16 || type == .uint16 }

  /// ONNX Runtime's `IsQDQPairSupported`: both zero points given, both scalar, same type and values.
  func matches(_ other: QDQParams) -> Bool {
    hasZeroPoint && other.hasZeroPoint && isScalar && other.isScalar && type != nil && type == other.type
      && zeroPoint == other.zeroPoint && scale == other.scale
  }

  /// The per-axis axis in 0..<rank, or nil when out of range.
  func normalizedAxis(rank: Int) -> Int? {
    let value = axis < 0 ? axis + rank : axis
    return value >= 0 && value < rank ? value : nil
  }
}

extension QDQGraph {
  /// The parameters of QuantizeLinear or DequantizeLinear node `index`, when its scale is a float32
  /// constant, its zero point (if any) an integer constant, and it is not block-quantized.
  func params(_ index: Int) -> QDQParams? {
    guard let node = node(index), node.inputs.count >= 2, isQuantize(index) || isDequantize(index) else { return nil }
    let isQuantize = node.opType == "QuantizeLinear"
    if case .int(let size)? = node.attribute("block_size"), size != 0 { return nil }
    // DequantizeLinear-23 may write other float types; QuantizeLinear-23 may divide in another precision.
    if case .int(let type)? = node.attribute("output_dtype"), !isQuantize, type != 0 && type != 1 { return nil }
    if case .int(let precision)? = node.attribute("precision"), precision != 0 && precision != 1 { return nil }
    guard let scale = constant(node.inputs[1]), let scales = QDQTensors.floats(scale), !scales.isEmpty else {
      return nil
    }
    let zeroPointName = node.inputs.count > 2 ? node.inputs[2] : ""
    var zeroPoints: [Int] = []
    var zeroPointDims: [Int] = []
    var type: DataType? = nil
    if !zeroPointName.isEmpty {
      guard let zeroPoint = constant(zeroPointName), let values = QDQTensors.integers(zeroPoint),
        values.count == scales.count
      else { return nil }
      zeroPoints = values
      zeroPointDims = zeroPoint.dims
      type = zeroPoint.dataType
    } else if isQuantize {
      type = quantizeOutputType(node)
    } else {
      type = elementType(node.inputs[0])
    }
    var axis = 1
    if case .int(let value)? = node.attribute("axis") { axis = value }
    return QDQParams(
      scaleName: node.inputs[1], zeroPointName: zeroPointName, scales: scales, scaleDims: scale.dims,
      zeroPoints: zeroPoints, zeroPointDims: zeroPointDims, type: type, axis: axis)
  }

  /// QuantizeLinear's output type: its zero point's, else `output_dtype`, else uint8.
  private func quantizeOutputType(_ node: Node) -> DataType? {
    if node.inputs.count > 2 && !node.inputs[2].isEmpty { return elementType(node.inputs[2]) }
    if case .int(let value)? = node.attribute("output_dtype"), value != 0 {
      return DataType(rawValue: Int32(truncatingIfNeeded: value))
    }
    return .uint8
  }

  /// The element type of a value, when the graph states it or it follows from a quantizing producer.
  func elementType(_ name: String) -> DataType? {
    var current = name
    for _ in 0..<64 {
      if current.isEmpty { return nil }
      if let type = createdTypes[current] { return type }
      if let tensor = constant(current) { return tensor.dataType }
      if let type = declaredTypes[current] { return type }
      guard let index = producer[current], let node = node(index) else { return nil }
      if isQuantize(index) { return quantizeOutputType(node) }
      // Operators whose output has the type of their first input.
      guard QDQGraph.isStandard(node.domain), QDQGraph.keepsInputType.contains(node.opType), !node.inputs.isEmpty
      else { return nil }
      current = node.inputs[0]
    }
    return nil
  }

  static let keepsInputType: Set<String> = [
    "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather", "Expand", "Tile", "Pad",
    "Resize", "MaxPool", "Concat", "Split", "Identity", "ReduceMax", "ReduceMin",
  ]
}
