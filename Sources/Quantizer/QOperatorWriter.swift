import ONNXFormat

/// Writes a quantization plan as a QOperator model: integer operators (QLinearConv, QLinearMatMul,
/// the com.microsoft QLinear family) reading and writing 8-bit tensors, with QuantizeLinear and
/// DequantizeLinear only where the graph enters or leaves integer code.
struct QOperatorWriter {
  private var tensors: QuantizedTensors
  private let plan: QuantizationPlan
  private var nodes: [Node] = []
  private var floatAvailable = Set<String>()
  private var quantizedName: [String: String] = [:]
  private var usesMicrosoftDomain = false

  /// The model, and the name of each tensor's 8-bit form in it.
  static func write(
    _ prepared: PreparedModel, _ plan: QuantizationPlan, options: QuantizationOptions
  ) -> (model: Model, quantizedNames: [String: String]) {
    var writer = QOperatorWriter(prepared.model.graph, plan: plan, options: options)
    var model = prepared.model
    model.graph = writer.graph(prepared.model.graph)
    QuantizedModel.finish(&model, microsoftDomain: writer.usesMicrosoftDomain)
    return (model, writer.quantizedName)
  }

  private init(_ graph: Graph, plan: QuantizationPlan, options: QuantizationOptions) {
    tensors = QuantizedTensors(graph, options: options)
    self.plan = plan
    for input in graph.inputs { floatAvailable.insert(input.name) }
    for tensor in graph.initializers { floatAvailable.insert(tensor.name) }
  }

  private mutating func graph(_ source: Graph) -> Graph {
    for planned in plan.nodes {
      if let form = planned.form {
        integer(planned, form)
      } else {
        var node = planned.node
        node.inputs = node.inputs.map { $0.isEmpty ? $0 : float($0) }
        nodes.append(node)
        for output in node.outputs { floatAvailable.insert(output) }
      }
    }
    for output in source.outputs { _ = float(output.name) }
    var result = source
    result.nodes = nodes
    result.initializers = tensors.initializers.used(by: result)
    return result
  }

  /// The 8-bit form of `name`, quantizing the float tensor here if none exists yet.
  private mutating func quantized(_ name: String) -> String {
    if let found = quantizedName[name] { return found }
    let params = tensors.params(name, plan.params[name]!)
    let output = tensors.names.make(name + "_q")
    nodes.append(
      tensors.conversion("QuantizeLinear", of: name, inputs: [name, params.scale, params.zeroPoint], output: output))
    quantizedName[name] = output
    return output
  }

  /// The float form of `name`, dequantizing its 8-bit form here if the float one is not computed.
  private mutating func float(_ name: String) -> String {
    if floatAvailable.contains(name) { return name }
    guard let source = quantizedName[name], let values = plan.params[name] else { return name }
    let params = tensors.params(name, values)
    nodes.append(
      tensors.conversion("DequantizeLinear", of: name, inputs: [source, params.scale, params.zeroPoint], output: name))
    floatAvailable.insert(name)
    return name
  }

  private mutating func output(_ name: String, scaledBy factor: Float = 1) -> (quantized: String, scale: String, zeroPoint: String) {
    let quantized = tensors.names.make(name + "_q")
    quantizedName[name] = quantized
    let values = plan.params[name]!
    let params = tensors.params(name, values)
    if factor != 1 {
      return (quantized, tensors.scale(name + "_output_scale", values.scale * factor), params.zeroPoint)
    }
    return (quantized, params.scale, params.zeroPoint)
  }

  private mutating func activation(_ name: String) -> [String] {
    let q = quantized(name)
    let params = tensors.params(name, plan.params[name]!)
    return [q, params.scale, params.zeroPoint]
  }

  /// An operand that is either a computed activation or a constant quantized with its own parameters.
  private mutating func operand(_ name: String, key: String) -> [String] {
    if let values = plan.constantOperands[key], let params = plan.params[key] {
      let q = tensors.constantOperand(key, values: values.values, dims: values.dims, params: params)
      let names = tensors.params(key, params)
      return [q, names.scale, names.zeroPoint]
    }
    return activation(name)
  }

  private mutating func integer(_ planned: PlannedNode, _ form: IntegerForm) {
    let node = planned.node
    let x = node.inputs[0]
    let label = node.name.isEmpty ? planned.output : node.name
    func emit(_ opType: String, _ domain: String, _ inputs: [String], _ outputs: [String], _ attributes: [Attribute]) {
      if domain == "com.microsoft" { usesMicrosoftDomain = true }
      nodes.append(
        Node(name: node.name.isEmpty ? tensors.names.make(label) : node.name, opType: opType, domain: domain, inputs: inputs, outputs: outputs, attributes: attributes))
    }
    switch form {
    case .conv:
      let input = activation(x)
      let hasBias = node.inputs.count > 2 && !node.inputs[2].isEmpty
      let biasInfo = hasBias ? (name: node.inputs[2], inputScale: plan.params[x]!.scale, factor: Float(1)) : nil
      guard let weight = tensors.weight(node.inputs[1], channelAxis: 0, bias: biasInfo) else { return fallback(planned) }
      var bias: [String] = []
      if node.inputs.count > 2, !node.inputs[2].isEmpty {
        guard let b = tensors.bias(node.inputs[2], inputScale: plan.params[x]!.scale, weight: weight) else {
          return fallback(planned)
        }
        bias = [b.values]
      }
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      emit(
        "QLinearConv", "", input + [weight.values, weight.scale, weight.zeroPoint, y.scale, y.zeroPoint] + bias,
        [y.quantized], node.attributes)
    case .gemm:
      var transB = 0
      if case .int(let value)? = node.attribute("transB") { transB = value }
      var alpha: Float = 1
      if case .float(let value)? = node.attribute("alpha") { alpha = value }
      var beta: Float = 1
      if case .float(let value)? = node.attribute("beta") { beta = value }
      let input = activation(x)
      let scaledB = tensors.scaledCopy(node.inputs[1], by: alpha)
      var rowBias: String? = nil
      if node.inputs.count > 2, !node.inputs[2].isEmpty {
        let columns = tensors.initializers.tensor(node.inputs[1])!.dims[transB == 1 ? 0 : 1]
        guard let name = GemmBias.rowVector(node.inputs[2], columns: columns, tensors: &tensors) else {
          return fallback(planned)
        }
        rowBias = name
      }
      let biasInfo = rowBias.map { (name: $0, inputScale: plan.params[x]!.scale, factor: beta) }
      guard let weight = tensors.weight(scaledB, channelAxis: transB == 1 ? 0 : 1, bias: biasInfo) else {
        return fallback(planned)
      }
      var bias = ""
      if let rowBias {
        guard let b = tensors.bias(rowBias, inputScale: plan.params[x]!.scale, weight: weight, scaledBy: beta) else {
          return fallback(planned)
        }
        bias = b.values
      }
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      emit(
        "QGemm", "com.microsoft",
        input + [weight.values, weight.scale, weight.zeroPoint, bias, y.scale, y.zeroPoint], [y.quantized],
        [Attribute(name: "transA", value: .int(0)), Attribute(name: "transB", value: .int(transB))])
    case .matmul:
      let input = activation(x)
      guard let weight = tensors.weight(node.inputs[1], channelAxis: 1, perChannelAllowed: false) else {
        return fallback(planned)
      }
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      emit(
        "QLinearMatMul", "", input + [weight.values, weight.scale, weight.zeroPoint, y.scale, y.zeroPoint],
        [y.quantized], [])
    case .add, .mul, .divByConstant, .subConstant:
      let a = operand(node.inputs[0], key: node.inputs[0])
      let b = operand(node.inputs[1], key: QuantizationPlan.constantKey(node.inputs[1], form))
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      let opType = (form == .add || form == .subConstant) ? "QLinearAdd" : "QLinearMul"
      emit(opType, "com.microsoft", a + b + [y.scale, y.zeroPoint], [y.quantized], [])
    case .globalAveragePool, .averagePool, .sigmoid, .leakyRelu, .softmax:
      let input = activation(x)
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      var attributes = node.attributes
      let opType: String
      switch form {
      case .globalAveragePool:
        opType = "QLinearGlobalAveragePool"
        attributes = [Attribute(name: "channels_last", value: .int(0))]
      case .averagePool:
        opType = "QLinearAveragePool"
      case .sigmoid:
        opType = "QLinearSigmoid"
      case .leakyRelu:
        opType = "QLinearLeakyRelu"
      default:
        opType = "QLinearSoftmax"
        var axis = -1
        if case .int(let value)? = node.attribute("axis") { axis = value }
        attributes = [Attribute(name: "axis", value: .int(axis)), Attribute(name: "opset", value: .int(13))]
      }
      emit(opType, "com.microsoft", input + [y.scale, y.zeroPoint], [y.quantized], attributes)
    case .concat:
      var inputs: [String] = []
      for name in node.inputs { inputs += activation(name) }
      let y = output(planned.output, scaledBy: planned.outputScaleFactor)
      emit("QLinearConcat", "com.microsoft", [y.scale, y.zeroPoint] + inputs, [y.quantized], node.attributes)
    case .passThrough:
      var copy = node
      copy.inputs[0] = quantized(x)
      let y = tensors.names.make(planned.output + "_q")
      quantizedName[planned.output] = y
      copy.outputs = [y]
      if copy.name.isEmpty { copy.name = tensors.names.make(label) }
      nodes.append(copy)
    }
  }

  /// A node whose weights could not be quantized after all runs in float.
  private mutating func fallback(_ planned: PlannedNode) {
    var node = planned.node
    node.inputs = node.inputs.map { $0.isEmpty ? $0 : float($0) }
    nodes.append(node)
    for output in node.outputs { floatAvailable.insert(output) }
  }
}

/// Gemm's C as a row vector of `columns` values (C may be a scalar or [1, N]), for an int32 bias.
enum GemmBias {
  static func rowVector(_ name: String, columns: Int, tensors: inout QuantizedTensors) -> String? {
    guard let tensor = tensors.initializers.tensor(name), let values = TensorValues.floats(tensor) else { return nil }
    if values.count == columns && tensor.dims.count == 1 { return name }
    let row: [Float]
    if values.count == 1 {
      row = [Float](repeating: values[0], count: columns)
    } else if values.count == columns {
      row = values
    } else {
      return nil
    }
    let fresh = tensors.names.make(name + "_row")
    tensors.initializers.set(TensorValues.float(fresh, dims: [columns], row))
    return fresh
  }
}

/// What every written model gets: the producer, the opsets its operators need.
enum QuantizedModel {
  static func finish(_ model: inout Model, microsoftDomain: Bool) {
    model.producerName = QuantizerInfo.producerName
    model.producerVersion = "0.1"
    if microsoftDomain && model.opsetVersion("com.microsoft") == nil {
      model.opsetImports.append(OpsetImport(domain: "com.microsoft", version: 1))
    }
    model.graph = sharingEqualConstants(model.graph)
  }

  /// Small initializers with equal contents (the many zero points, repeated scales) become one:
  /// each costs a name and a record in the file, which adds up on models of a few hundred KB.
  static func sharingEqualConstants(_ graph: Graph) -> Graph {
    struct Key: Hashable {
      var dataType: Int32
      var dims: [Int]
      var bytes: [UInt8]
    }
    let keep = Set(graph.inputs.map { $0.name } + graph.outputs.map { $0.name })
    var canonical: [Key: String] = [:]
    var replaced: [String: String] = [:]
    var initializers: [Tensor] = []
    for tensor in graph.initializers {
      guard tensor.bytes.count <= 1024, tensor.strings.isEmpty, !keep.contains(tensor.name) else {
        initializers.append(tensor)
        continue
      }
      let key = Key(dataType: tensor.dataType.rawValue, dims: tensor.dims, bytes: tensor.bytes)
      if let first = canonical[key] {
        replaced[tensor.name] = first
      } else {
        canonical[key] = tensor.name
        initializers.append(tensor)
      }
    }
    if replaced.isEmpty { return graph }
    var result = graph
    result.initializers = initializers
    for index in result.nodes.indices {
      result.nodes[index].inputs = result.nodes[index].inputs.map { replaced[$0] ?? $0 }
    }
    return result
  }
}
