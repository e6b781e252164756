import ONNXFormat

/// Conv followed by inference BatchNormalization becomes one Conv with scaled weights and a shifted
/// bias: y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta. Quantizing the folded Conv keeps one
/// rounding step where two would lose accuracy, as every deployment quantizer does.
enum BatchNormIntoConv {
  static func fold(_ graph: Graph, notes: inout [String]) -> Graph {
    let index = GraphIndex(graph)
    var initializers = index.initializers
    let consumers = index.consumers
    let outputs = index.outputs
    let producerIndex = index.producer
    var removed = Set<Int>()
    var nodes = graph.nodes
    var folded = 0
    for (position, norm) in graph.nodes.enumerated() where norm.opType == "BatchNormalization" && norm.domain.isEmpty {
      guard norm.inputs.count == 5, norm.outputs.filter({ !$0.isEmpty }).count == 1,
        let convIndex = producerIndex[norm.inputs[0]], !removed.contains(convIndex)
      else { continue }
      let conv = nodes[convIndex]
      guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1,
        consumers.count(conv.outputs[0]) == 1, !outputs.contains(conv.outputs[0]),
        conv.inputs.count >= 2, let weight = initializers.floats(conv.inputs[1]),
        let weightTensor = initializers.tensor(conv.inputs[1]), weightTensor.dims.count >= 2,
        let gamma = initializers.floats(norm.inputs[1]), let beta = initializers.floats(norm.inputs[2]),
        let mean = initializers.floats(norm.inputs[3]), let variance = initializers.floats(norm.inputs[4])
      else { continue }
      let channels = weightTensor.dims[0]
      guard channels > 0, gamma.count == channels, beta.count == channels, mean.count == channels,
        variance.count == channels, consumers.count(conv.inputs[1]) == 1
      else { continue }
      var bias = [Float](repeating: 0, count: channels)
      if conv.inputs.count > 2 && !conv.inputs[2].isEmpty {
        guard let given = initializers.floats(conv.inputs[2]), given.count == channels,
          consumers.count(conv.inputs[2]) == 1
        else { continue }
        bias = given
      }
      var epsilon: Float = 1e-5
      if case .float(let value)? = norm.attribute("epsilon") { epsilon = value }
      let perChannel = weight.count / channels
      var newWeight = weight
      for c in 0..<channels {
        // Double keeps the fold from adding rounding of its own.
        let factor = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
        for k in 0..<perChannel { newWeight[c * perChannel + k] = Float(Double(weight[c * perChannel + k]) * factor) }
        bias[c] = Float((Double(bias[c]) - Double(mean[c])) * factor + Double(beta[c]))
      }
      initializers.set(TensorValues.float(conv.inputs[1], dims: weightTensor.dims, newWeight))
      let biasName: String
      if conv.inputs.count > 2 && !conv.inputs[2].isEmpty {
        biasName = conv.inputs[2]
      } else {
        biasName = initializers.freshName(conv.inputs[1] + "_folded_bias")
      }
      initializers.set(TensorValues.float(biasName, dims: [channels], bias))
      var newConv = conv
      newConv.inputs = [conv.inputs[0], conv.inputs[1], biasName]
      newConv.outputs = [norm.outputs[0]]
      nodes[convIndex] = newConv
      removed.insert(position)
      folded += 1
    }
    if folded == 0 { return graph }
    let result = graph.replacingNodes(nodes, removing: removed, initializers: initializers)
    notes.append(String(folded) + " BatchNormalization folded into Conv")
    return result
  }
}

/// Initializers by name, editable, written back in their first order.
struct InitializerTable {
  private var order: [String] = []
  private var byName: [String: Tensor] = [:]

  init(_ tensors: [Tensor]) {
    for tensor in tensors where byName[tensor.name] == nil {
      order.append(tensor.name)
      byName[tensor.name] = tensor
    }
  }

  func tensor(_ name: String) -> Tensor? { byName[name] }
  func floats(_ name: String) -> [Float]? { byName[name].flatMap(TensorValues.floats) }

  mutating func set(_ tensor: Tensor) {
    if byName[tensor.name] == nil { order.append(tensor.name) }
    byName[tensor.name] = tensor
  }

  func freshName(_ base: String) -> String {
    var name = base
    var suffix = 1
    while byName[name] != nil {
      suffix += 1
      name = base + "_" + String(suffix)
    }
    return name
  }

  /// The tensors `graph`'s nodes or outputs read, in table order.
  func used(by graph: Graph) -> [Tensor] {
    var read = Set<String>()
    for node in graph.nodes { for name in node.inputs { read.insert(name) } }
    for output in graph.outputs { read.insert(output.name) }
    return order.filter { read.contains($0) }.compactMap { byName[$0] }
  }

  var all: [Tensor] { order.compactMap { byName[$0] } }
}

/// How many node inputs read each tensor name.
struct ConsumerTable {
  private var counts: [String: Int] = [:]
  private var readers: [String: [Int]] = [:]

  init(_ graph: Graph) {
    for (index, node) in graph.nodes.enumerated() {
      for name in node.inputs where !name.isEmpty {
        counts[name, default: 0] += 1
        if readers[name]?.last != index { readers[name, default: []].append(index) }
      }
    }
  }

  func count(_ name: String) -> Int { counts[name] ?? 0 }
  /// Indices of the nodes that read `name`, each once, in graph order.
  func nodes(reading name: String) -> [Int] { readers[name] ?? [] }
}
