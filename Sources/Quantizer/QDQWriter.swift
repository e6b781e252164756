import ONNXFormat

/// Writes the same plan as a QDQ model: the float operators stay, their 8-bit inputs and outputs are
/// QuantizeLinear/DequantizeLinear pairs and their weights int8 initializers read through
/// DequantizeLinear. Runtimes that fuse QDQ groups (ONNX Runtime, onnx-quant) run the same integer
/// operators as the QOperator form.
struct QDQWriter {
  private var tensors: QuantizedTensors
  private let plan: QuantizationPlan
  private var nodes: [Node] = []
  /// Tensors produced by integer nodes: every reader sees them through Q/DQ.
  private var integerProduced = Set<String>()
  /// The dequantized name of each tensor that has its Q/DQ pair.
  private var dequantizedName: [String: String] = [:]
  /// Integer nodes' outputs that are graph outputs write under this name; DQ restores the real one.
  private var renamedOutputs: [String: String] = [:]
  /// Outputs whose producer folded a constant scale: the float tensor it computes and the factor.
  private var scaledSources: [String: (source: String, factor: Float)] = [:]

  static func write(_ prepared: PreparedModel, _ plan: QuantizationPlan, options: QuantizationOptions) -> Model {
    var writer = QDQWriter(prepared.model.graph, plan: plan, options: options)
    var model = prepared.model
    model.graph = writer.graph(prepared.model.graph)
    QuantizedModel.finish(&model, microsoftDomain: false)
    return model
  }

  private init(_ graph: Graph, plan: QuantizationPlan, options: QuantizationOptions) {
    tensors = QuantizedTensors(graph, options: options)
    self.plan = plan
  }

  private mutating func graph(_ source: Graph) -> Graph {
    let graphOutputs = Set(source.outputs.map { $0.name })
    for planned in plan.nodes where planned.form != nil && graphOutputs.contains(planned.output) {
      renamedOutputs[planned.output] = tensors.names.make(planned.output + "_float")
    }
    for planned in plan.nodes {
      if let form = planned.form {
        integer(planned, form)
      } else {
        var node = planned.node
        node.inputs = node.inputs.map { integerProduced.contains($0) ? dequantized($0) : $0 }
        nodes.append(node)
      }
    }
    for output in source.outputs where integerProduced.contains(output.name) { _ = dequantized(output.name) }
    var result = source
    result.nodes = nodes
    result.initializers = tensors.initializers.used(by: result)
    return result
  }

  /// The Q/DQ pair of `name` (made on first use) and the dequantized tensor's name.
  private mutating func dequantized(_ name: String) -> String {
    if let found = dequantizedName[name] { return found }
    let params = tensors.params(name, plan.params[name]!)
    var source = renamedOutputs[name] ?? name
    var quantizeScale = params.scale
    if let scaled = scaledSources[name] {
      source = scaled.source
      quantizeScale = tensors.scale(name + "_output_scale", plan.params[name]!.scale * scaled.factor)
    }
    let quantized = tensors.names.make(name + "_q")
    let result = renamedOutputs[name] != nil ? name : tensors.names.make(name + "_dequantized")
    nodes.append(
      tensors.conversion(
        "QuantizeLinear", of: name, inputs: [source, quantizeScale, params.zeroPoint], output: quantized))
    nodes.append(
      tensors.conversion("DequantizeLinear", of: name, inputs: [quantized, params.scale, params.zeroPoint], output: result))
    dequantizedName[name] = result
    return result
  }

  private mutating func dequantizeConstant(_ values: String, scale: String, zeroPoint: String?, axis: Int?) -> String {
    let output = tensors.names.make(values + "_dequantized")
    nodes.append(
      tensors.conversion(
        "DequantizeLinear", of: values, inputs: [values, scale] + (zeroPoint.map { [$0] } ?? []), output: output,
        axis: axis))
    return output
  }

  private mutating func operand(_ name: String, key: String) -> String {
    if let values = plan.constantOperands[key], let params = plan.params[key] {
      let q = tensors.constantOperand(key, values: values.values, dims: values.dims, params: params)
      let names = tensors.params(key, params)
      return dequantizeConstant(q, scale: names.scale, zeroPoint: names.zeroPoint, axis: nil)
    }
    return dequantized(name)
  }

  private mutating func integer(_ planned: PlannedNode, _ form: IntegerForm) {
    var node = planned.node
    let output = planned.output
    node.outputs = [renamedOutputs[output] ?? output]
    if let original = planned.originalOutput {
      node.outputs = [original]
      scaledSources[output] = (original, planned.outputScaleFactor)
    }
    switch form {
    case .conv, .gemm, .matmul:
      let x = node.inputs[0]
      node.inputs[0] = dequantized(x)
      var channelAxis = 0
      var alpha: Float = 1
      var beta: Float = 1
      if form == .gemm {
        if case .int(let value)? = node.attribute("transB"), value == 1 { channelAxis = 0 } else { channelAxis = 1 }
        if case .float(let value)? = node.attribute("alpha") { alpha = value }
        if case .float(let value)? = node.attribute("beta") { beta = value }
        node.attributes.removeAll { $0.name == "alpha" || $0.name == "beta" }
      }
      if form == .matmul { channelAxis = 1 }
      let weightName = tensors.scaledCopy(node.inputs[1], by: alpha)
      var biasName: String? = nil
      if node.inputs.count > 2, !node.inputs[2].isEmpty {
        biasName = node.inputs[2]
        if form == .gemm, let weightTensor = tensors.initializers.tensor(weightName) {
          biasName = GemmBias.rowVector(node.inputs[2], columns: weightTensor.dims[channelAxis], tensors: &tensors)
        }
      }
      let biasInfo = biasName.map { (name: $0, inputScale: plan.params[x]!.scale, factor: beta) }
      guard
        let weight = tensors.weight(
          weightName, channelAxis: channelAxis, perChannelAllowed: form != .matmul, bias: biasInfo)
      else {
        nodes.append(planned.node)
        return
      }
      let weightAxis: Int? = weight.scales.count > 1 ? channelAxis : nil
      node.inputs[1] = dequantizeConstant(weight.values, scale: weight.scale, zeroPoint: weight.zeroPoint, axis: weightAxis)
      if node.inputs.count > 2, !node.inputs[2].isEmpty {
        if let biasName, let bias = tensors.bias(biasName, inputScale: plan.params[x]!.scale, weight: weight, scaledBy: beta) {
          node.inputs[2] = dequantizeConstant(bias.values, scale: bias.scale, zeroPoint: nil, axis: weight.scales.count > 1 ? 0 : nil)
        }
      }
    case .add, .mul:
      node.inputs = [operand(node.inputs[0], key: node.inputs[0]), operand(node.inputs[1], key: node.inputs[1])]
    case .divByConstant, .subConstant:
      let key = QuantizationPlan.constantKey(node.inputs[1], form)
      node.opType = form == .divByConstant ? "Mul" : "Add"
      node.inputs = [dequantized(node.inputs[0]), operand(node.inputs[1], key: key)]
    case .concat:
      node.inputs = node.inputs.map { dequantized($0) }
    case .globalAveragePool, .averagePool, .sigmoid, .leakyRelu, .softmax, .passThrough:
      node.inputs[0] = dequantized(node.inputs[0])
    }
    nodes.append(node)
    integerProduced.insert(output)
  }
}
