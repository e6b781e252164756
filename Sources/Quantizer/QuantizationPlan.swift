import ONNXFormat
import Runtime

/// The integer operator a float node becomes.
enum IntegerForm: Equatable {
  case conv, gemm, matmul, add, mul, globalAveragePool, averagePool, sigmoid, leakyRelu, softmax, concat
  /// Div or Sub by a constant, written as QLinearMul by the reciprocal or QLinearAdd of the negation.
  case divByConstant, subConstant
  /// Data movement (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, MaxPool): runs on the 8-bit
  /// values as they are and passes its input's parameters on.
  case passThrough

  /// Whether the output gets parameters of its own (requantized) rather than its input's.
  var requantizes: Bool { self != .passThrough }
}

/// One node of the quantized graph: the float node, what it becomes, and the Relu or Clip folded into
/// its output range.
struct PlannedNode {
  var node: Node
  var form: IntegerForm?
  /// Set when a following Relu/Clip was folded: the node now writes that activation's output.
  var foldedActivation: String?
  /// Set when a following division or multiplication by a positive constant was folded into the
  /// output scale: the node computes `originalOutput` and requantizes it with its output's scale
  /// times `outputScaleFactor`, which is exactly the scaled value at the output's parameters.
  var outputScaleFactor: Float = 1
  var originalOutput: String? = nil
  var output: String { node.outputs.first ?? "" }
}

/// Which nodes become integer operators and the 8-bit parameters of every tensor that has an
/// integer form. Tensors passed between integer operators keep one set of parameters.
struct QuantizationPlan {
  var nodes: [PlannedNode] = []
  var params: [String: QuantParams] = [:]
  var ranges: [String: ActivationRange] = [:]
  /// Constant tensors quantized as activations (the constant operand of Add, Mul, Div, Sub).
  var constantOperands: [String: (values: [Float], dims: [Int])] = [:]

  static let passThroughOps: Set<String> = ["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool"]

  static func make(
    _ prepared: PreparedModel, statistics: [String: TensorStatistics], options: QuantizationOptions
  ) -> QuantizationPlan {
    var plan = QuantizationPlan()
    let graph = prepared.model.graph
    let analysis = prepared.analysis
    let initializers = InitializerTable(graph.initializers)
    let consumers = ConsumerTable(graph)
    let graphOutputs = Set(graph.outputs.map { $0.name })
    let levels = 256

    func isFloat(_ name: String) -> Bool { analysis.type(name)?.dataType == .float }
    func isComputed(_ name: String) -> Bool {
      if case .computed? = analysis.values[name] { return true }
      return false
    }
    func chooseRange(_ name: String) -> ActivationRange? {
      guard let stats = statistics[name], stats.count > 0 else { return nil }
      return RangeChooser.choose(stats, method: options.method, percentile: options.percentile, levels: levels)
    }
    func excluded(_ node: Node) -> Bool {
      options.exclude.contains(node.opType) || (!node.name.isEmpty && options.exclude.contains(node.name))
    }

    func observed(_ name: String) -> Bool { (statistics[name]?.count ?? 0) > 0 }

    // 1. The integer form of each node: from its operator and constant inputs, and only where every
    // activation it reads and writes was observed. Data movement is settled in step 3.
    var forms: [IntegerForm?] = []
    for node in graph.nodes {
      var form = excluded(node) ? nil : candidateForm(node, analysis: analysis, initializers: initializers)
      if let chosen = form, chosen != .passThrough {
        let reads = activationInputs(node, chosen, analysis)
        if !reads.allSatisfy(observed) || !(chosen == .softmax || observed(node.outputs[0])) { form = nil }
      }
      forms.append(form)
    }

    // 2. Relu and Clip fold into the node before them when it requantizes and is their only reader.
    var nodeIndexByOutput: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for output in node.outputs { nodeIndexByOutput[output] = index }
    }
    var activationOutputOf: [Int: String] = [:]  // producer index -> the folded activation's output
    var folded = Set<Int>()
    for (index, node) in graph.nodes.enumerated() where node.domain.isEmpty && !excluded(node) {
      guard node.opType == "Relu" || node.opType == "Clip", let input = node.inputs.first,
        let producer = nodeIndexByOutput[input], let form = forms[producer], form.requantizes, form != .softmax,
        consumers.count(input) == 1, !graphOutputs.contains(input), let output = node.outputs.first,
        let range = chooseRange(output)
      else { continue }
      var low: Float = 0
      var high = Float.infinity
      if node.opType == "Clip" {
        low = -Float.infinity
        if node.inputs.count > 1, !node.inputs[1].isEmpty {
          guard let value = initializers.floats(node.inputs[1])?.first else { continue }
          low = value
        }
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
          guard let value = initializers.floats(node.inputs[2])?.first else { continue }
          high = value
        }
      }
      // Saturating at the ends of the 8-bit range is the activation only if that range lies inside
      // the activation's bounds.
      guard range.low >= low && range.high <= high else { continue }
      activationOutputOf[producer] = output
      folded.insert(index)
    }

    // 2b. Division or multiplication by a positive scalar after a requantizing node folds into that
    // node's output scale (HardSwish's "/ 6", scaling layers): one rounding fewer, one node fewer.
    var scaleFactorOf: [Int: Float] = [:]
    for (index, node) in graph.nodes.enumerated() where !excluded(node) {
      guard let form = forms[index], form == .divByConstant || form == .mul, node.inputs.count == 2 else { continue }
      let constantSide = initializers.tensor(node.inputs[1]) != nil ? 1 : 0
      let input = node.inputs[1 - constantSide]
      // Not when this node carries a folded activation itself, or its producer was folded already.
      guard activationOutputOf[index] == nil, let values = initializers.floats(node.inputs[constantSide]),
        values.count == 1, values[0] > 0, values[0].isFinite, let producer = nodeIndexByOutput[input],
        activationOutputOf[producer] == nil, !folded.contains(producer),
        let producerForm = forms[producer], producerForm.requantizes, producerForm != .softmax,
        consumers.count(input) == 1, !graphOutputs.contains(input), observed(node.outputs[0])
      else { continue }
      let factor = form == .divByConstant ? values[0] : 1 / values[0]
      guard factor.isFinite, factor > 0 else { continue }
      activationOutputOf[producer] = node.outputs[0]
      scaleFactorOf[producer] = factor
      folded.insert(index)
    }

    // 3. Data movement stays integer only where its input is 8-bit already.
    var integerOutputs = Set<String>()
    for (index, node) in graph.nodes.enumerated() where !folded.contains(index) {
      if forms[index] == .passThrough && !integerOutputs.contains(node.inputs[0]) { forms[index] = nil }
      if forms[index] != nil { integerOutputs.insert(activationOutputOf[index] ?? node.outputs[0]) }
    }

    // 4. In graph order: the planned nodes and the parameters of every 8-bit tensor.
    func setParams(_ name: String, _ range: ActivationRange) {
      plan.ranges[name] = range
      plan.params[name] = QuantParams.activation(range, options.activations)
    }
    for (index, node) in graph.nodes.enumerated() where !folded.contains(index) {
      var planned = PlannedNode(node: node, form: forms[index], foldedActivation: nil)
      guard let form = forms[index] else {
        plan.nodes.append(planned)
        continue
      }
      if let activationOutput = activationOutputOf[index] {
        planned.node.outputs = [activationOutput]
        if let factor = scaleFactorOf[index] {
          planned.outputScaleFactor = factor
          planned.originalOutput = node.outputs[0]
        } else {
          planned.foldedActivation = activationOutput
        }
      }
      for name in activationInputs(node, form, analysis) where plan.params[name] == nil {
        if let range = chooseRange(name) { setParams(name, range) }
      }
      let output = planned.output
      switch form {
      case .passThrough:
        plan.params[output] = plan.params[node.inputs[0]]
        plan.ranges[output] = plan.ranges[node.inputs[0]]
      case .softmax:
        // Probabilities lie in [0, 1]: a fixed range keeps small probabilities from being clipped by
        // a range fitted to the calibration samples.
        setParams(output, ActivationRange(low: 0, high: 1))
      default:
        if let range = chooseRange(output) { setParams(output, range) }
      }
      for name in constantOperands(node, form, analysis) {
        guard let values = initializers.floats(name), let tensor = initializers.tensor(name) else { continue }
        var operand = values
        if form == .divByConstant { operand = values.map { 1 / $0 } }
        if form == .subConstant { operand = values.map { -$0 } }
        let key = constantKey(name, form)
        plan.constantOperands[key] = (operand, tensor.dims)
        setParams(key, ActivationRange(low: min(0, operand.min() ?? 0), high: max(0, operand.max() ?? 0)))
      }
      plan.nodes.append(planned)
    }
    return plan
  }

  /// The name under which a constant operand's 8-bit form is kept (Div and Sub change its values).
  static func constantKey(_ name: String, _ form: IntegerForm) -> String {
    switch form {
    case .divByConstant: return name + "_reciprocal"
    case .subConstant: return name + "_negated"
    default: return name
    }
  }

  /// The inputs read as 8-bit activations (not weights, biases or shapes), constants included for
  /// Add and Mul.
  static func activationInputs(_ node: Node, _ form: IntegerForm, _ analysis: GraphAnalysis) -> [String] {
    switch form {
    case .add, .mul, .concat: return node.inputs.filter { !$0.isEmpty && analysis.constant($0) == nil }
    default: return node.inputs.isEmpty ? [] : [node.inputs[0]]
    }
  }

  /// Constant inputs quantized with parameters of their own (the operands of Add, Mul, Div, Sub).
  static func constantOperands(_ node: Node, _ form: IntegerForm, _ analysis: GraphAnalysis) -> [String] {
    switch form {
    case .divByConstant, .subConstant: return [node.inputs[1]]
    case .add, .mul: return node.inputs.filter { !$0.isEmpty && analysis.constant($0) != nil }
    default: return []
    }
  }

  /// What `node` can become, judged from its operator, attributes and which inputs are constant.
  static func candidateForm(_ node: Node, analysis: GraphAnalysis, initializers: InitializerTable) -> IntegerForm? {
    guard node.domain.isEmpty || node.domain == "ai.onnx", let first = node.inputs.first, !first.isEmpty,
      analysis.type(first)?.dataType == .float, node.outputs.count >= 1
    else { return nil }
    func constantFloat(_ index: Int) -> Bool {
      index < node.inputs.count && !node.inputs[index].isEmpty && initializers.tensor(node.inputs[index])?.dataType == .float
    }
    func computed(_ index: Int) -> Bool {
      guard index < node.inputs.count else { return false }
      if case .computed(let type)? = analysis.values[node.inputs[index]] { return type.dataType == .float }
      return false
    }
    let extraOutputs = node.outputs.dropFirst().contains { !$0.isEmpty }
    if extraOutputs { return nil }
    switch node.opType {
    case "Conv":
      guard computed(0), constantFloat(1), node.inputs.count < 3 || node.inputs[2].isEmpty || constantFloat(2),
        let rank = analysis.type(first)?.rank, rank == 4 || rank == 3
      else { return nil }
      return .conv
    case "Gemm":
      var transA = 0
      if case .int(let value)? = node.attribute("transA") { transA = value }
      guard computed(0), constantFloat(1), transA == 0, initializers.tensor(node.inputs[1])?.dims.count == 2,
        node.inputs.count < 3 || node.inputs[2].isEmpty || constantFloat(2)
      else { return nil }
      return .gemm
    case "MatMul":
      guard computed(0), constantFloat(1), initializers.tensor(node.inputs[1])?.dims.count == 2 else { return nil }
      return .matmul
    case "Add", "Mul":
      guard node.inputs.count == 2, computed(0) || computed(1), computed(0) || constantFloat(0),
        computed(1) || constantFloat(1)
      else { return nil }
      return node.opType == "Add" ? .add : .mul
    case "Div", "Sub":
      guard node.inputs.count == 2, computed(0), constantFloat(1),
        let values = initializers.floats(node.inputs[1]), values.allSatisfy({ $0.isFinite })
      else { return nil }
      if node.opType == "Div" {
        guard values.allSatisfy({ $0 != 0 && (1 / $0).isFinite }) else { return nil }
        return .divByConstant
      }
      return .subConstant
    case "GlobalAveragePool":
      return computed(0) && analysis.type(first)?.rank == 4 ? .globalAveragePool : nil
    case "AveragePool":
      return computed(0) && analysis.type(first)?.rank == 4 ? .averagePool : nil
    case "Sigmoid": return computed(0) ? .sigmoid : nil
    case "LeakyRelu": return computed(0) ? .leakyRelu : nil
    case "Softmax":
      return computed(0) ? .softmax : nil
    case "Concat":
      return node.inputs.allSatisfy({ !$0.isEmpty }) && (0..<node.inputs.count).allSatisfy(computed) ? .concat : nil
    default:
      if passThroughOps.contains(node.opType) {
        if node.opType == "MaxPool" && node.outputs.count > 1 { return nil }
        return computed(0) ? .passThrough : nil
      }
      return nil
    }
  }
}
