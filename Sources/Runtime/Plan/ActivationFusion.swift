import ONNXFormat

/// Fuses a Conv and the activation after it into one com.microsoft FusedConv node, as ONNX Runtime's
/// ConvActivationFusion does, so the activation is applied as the convolution stores its outputs
/// instead of in a pass of its own.
///
/// Applies when the Conv's output is read by the activation alone and is not a graph output, for
/// Relu, Clip (min and max as attributes before opset 11, as constant inputs from 11; omitted means
/// unbounded), LeakyRelu, HardSigmoid, Sigmoid and Tanh, with ONNX Runtime's `activation` and
/// `activation_params` attributes (Clip [min, max], LeakyRelu [alpha], HardSigmoid [alpha, beta]).
///
/// Two more forms have no ONNX Runtime counterpart and exist only inside onnx-quant's plan:
/// `HardSwish` after a Conv, and the four nodes exporters write for it,
/// `Div(Mul(x, Clip(Add(x, a), b, c)), d)` with scalar constants a, b, c, d (activation "HardSwish",
/// activation_params [a, b, c, d]): each computes exactly what the nodes it replaces compute.
///
/// Subgraphs (If branches) are rewritten too; values they read from outside count as readers.
enum ActivationFusion {
  static func fuse(_ graph: Graph, opset: Int) -> Graph {
    fuse(graph, opset: opset, outer: [:])
  }

  /// A float constant of one element, and its rank (which broadcasting adds to the other operand's).
  private struct Scalar {
    var value: Float
    var rank: Int
  }

  private static func fuse(_ graph: Graph, opset: Int, outer: [String: Scalar]) -> Graph {
    var scalars = outer
    for tensor in graph.initializers { scalars[tensor.name] = scalar(tensor) }
    for node in graph.nodes where isStandard(node) && node.opType == "Constant" {
      guard let name = node.outputs.first else { continue }
      switch node.attribute("value") {
      case .tensor(let value)?: scalars[name] = scalar(value)
      default:
        if case .float(let value)? = node.attribute("value_float") { scalars[name] = Scalar(value: value, rank: 0) }
      }
    }
    var weightRanks: [String: Int] = [:]
    for tensor in graph.initializers { weightRanks[tensor.name] = tensor.dims.count }

    var result = graph
    // Subgraphs first, each with the scalars visible to it.
    for index in 0..<result.nodes.count {
      for (position, attribute) in result.nodes[index].attributes.enumerated() {
        switch attribute.value {
        case .graph(let body):
          result.nodes[index].attributes[position].value = .graph(fuse(body, opset: opset, outer: scalars))
        case .graphs(let bodies):
          result.nodes[index].attributes[position].value = .graphs(
            bodies.map { fuse($0, opset: opset, outer: scalars) })
        default: break
        }
      }
    }

    var readers: [String: [Int]] = [:]
    for (index, node) in result.nodes.enumerated() {
      for name in Set(node.inputs) where !name.isEmpty { readers[name, default: []].append(index) }
      for name in Set(subgraphReads(node)) { readers[name, default: []].append(index) }
    }
    var graphOutputs = Set<String>()
    for output in result.outputs { graphOutputs.insert(output.name) }

    var removed = Set<Int>()
    for (convIndex, conv) in result.nodes.enumerated() {
      guard isStandard(conv), conv.opType == "Conv", conv.outputs.count == 1, conv.inputs.count >= 2 else { continue }
      let y = conv.outputs[0]
      guard !y.isEmpty, !graphOutputs.contains(y), let consumers = readers[y] else { continue }
      let rank = weightRanks[conv.inputs[1]] ?? 1
      var fused: (activation: String, parameters: [Float], nodes: [Int], output: String)? = nil
      if consumers.count == 1, !removed.contains(consumers[0]) {
        let node = result.nodes[consumers[0]]
        if let (name, parameters) = activation(node, y, scalars, opset: opset), node.outputs.count >= 1,
          node.outputs.dropFirst().allSatisfy({ $0.isEmpty })
        {
          fused = (name, parameters, [consumers[0]], node.outputs[0])
        }
      } else if consumers.count == 2 {
        fused = hardSwishChain(result.nodes, y, consumers, readers, graphOutputs, scalars, rank: rank, opset: opset)
        if let chain = fused, chain.nodes.contains(where: { removed.contains($0) }) { fused = nil }
      }
      guard let fusion = fused, !fusion.output.isEmpty else { continue }
      var node = conv
      node.opType = "FusedConv"
      node.domain = "com.microsoft"
      node.outputs = [fusion.output]
      node.attributes.append(Attribute(name: "activation", value: .string(Array(fusion.activation.utf8))))
      if !fusion.parameters.isEmpty {
        node.attributes.append(Attribute(name: "activation_params", value: .floats(fusion.parameters)))
      }
      result.nodes[convIndex] = node
      for index in fusion.nodes { removed.insert(index) }
    }
    if removed.isEmpty { return result }
    result.nodes = result.nodes.enumerated().filter { !removed.contains($0.offset) }.map { $0.element }
    return result
  }

  /// FusedConv's activation and parameters for a node reading `input`, or nil when it is not one that fuses.
  private static func activation(
    _ node: Node, _ input: String, _ scalars: [String: Scalar], opset: Int
  ) -> (String, [Float])? {
    guard isStandard(node), node.inputs.first == input else { return nil }
    switch node.opType {
    case "Relu", "Sigmoid", "Tanh", "HardSwish":
      return node.inputs.count == 1 ? (node.opType, []) : nil
    case "LeakyRelu":
      guard node.inputs.count == 1, let alpha = float(node, "alpha", 0.01) else { return nil }
      return ("LeakyRelu", [alpha])
    case "HardSigmoid":
      guard node.inputs.count == 1, let alpha = float(node, "alpha", 0.2), let beta = float(node, "beta", 0.5)
      else { return nil }
      return ("HardSigmoid", [alpha, beta])
    case "Clip":
      guard let (low, high) = clipBounds(node, scalars, opset: opset) else { return nil }
      return ("Clip", [low, high])
    default:
      return nil
    }
  }

  /// Clip's bounds when they are known at load (omitted ones unbounded), like ONNX Runtime's fusion.
  private static func clipBounds(_ node: Node, _ scalars: [String: Scalar], opset: Int) -> (Float, Float)? {
    if opset < 11 {
      guard node.inputs.count == 1, let low = float(node, "min", -Float.greatestFiniteMagnitude),
        let high = float(node, "max", Float.greatestFiniteMagnitude)
      else { return nil }
      return (low, high)
    }
    guard node.inputs.count <= 3 else { return nil }
    var bounds: [Float] = [-Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude]
    for index in 1..<max(node.inputs.count, 1) where !node.inputs[index].isEmpty {
      guard let value = scalars[node.inputs[index]] else { return nil }
      bounds[index - 1] = value.value
    }
    return (bounds[0], bounds[1])
  }

  /// `Div(Mul(y, Clip(Add(y, a), b, c)), d)`: the nodes it takes and its output, when `y`'s two readers
  /// are the Add and the Mul and nothing else reads the intermediate values.
  private static func hardSwishChain(
    _ nodes: [Node], _ y: String, _ consumers: [Int], _ readers: [String: [Int]], _ graphOutputs: Set<String>,
    _ scalars: [String: Scalar], rank: Int, opset: Int
  ) -> (activation: String, parameters: [Float], nodes: [Int], output: String)? {
    func only(_ name: String) -> Int? {
      guard !name.isEmpty, !graphOutputs.contains(name), let list = readers[name], list.count == 1 else { return nil }
      return list[0]
    }
    /// The other input of a two-input node when it is a scalar constant whose broadcast keeps `y`'s shape.
    func constantOperand(_ node: Node, _ value: String) -> Float? {
      guard node.inputs.count == 2, node.outputs.count == 1 else { return nil }
      let other = node.inputs[0] == value ? node.inputs[1] : node.inputs[0]
      guard node.inputs.contains(value), other != value, let constant = scalars[other], constant.rank <= rank
      else { return nil }
      return constant.value
    }
    let first = nodes[consumers[0]]
    let second = nodes[consumers[1]]
    guard let (addIndex, mulIndex) =
      first.opType == "Add" ? (consumers[0], consumers[1]) : second.opType == "Add" ? (consumers[1], consumers[0]) : nil
    else { return nil }
    let add = nodes[addIndex]
    let mul = nodes[mulIndex]
    guard isStandard(add), isStandard(mul), mul.opType == "Mul", let a = constantOperand(add, y),
      let clipIndex = only(add.outputs[0])
    else { return nil }
    let clip = nodes[clipIndex]
    guard isStandard(clip), clip.opType == "Clip", clip.inputs.first == add.outputs[0], clip.outputs.count == 1,
      let (b, c) = clipBounds(clip, scalars, opset: opset), only(clip.outputs[0]) == mulIndex,
      mul.inputs.count == 2, mul.outputs.count == 1, Set(mul.inputs) == Set([y, clip.outputs[0]]),
      let divIndex = only(mul.outputs[0])
    else { return nil }
    let div = nodes[divIndex]
    guard isStandard(div), div.opType == "Div", div.inputs.count == 2, div.inputs[0] == mul.outputs[0],
      div.outputs.count == 1, let d = constantOperand(div, mul.outputs[0]), div.inputs[1] != mul.outputs[0]
    else { return nil }
    return ("HardSwish", [a, b, c, d], [addIndex, clipIndex, mulIndex, divIndex], div.outputs[0])
  }

  // MARK: Helpers

  private static func isStandard(_ node: Node) -> Bool { node.domain.isEmpty || node.domain == "ai.onnx" }

  private static func scalar(_ tensor: Tensor) -> Scalar? {
    guard tensor.dataType == .float, tensor.count == 1, tensor.bytes.count == 4 else { return nil }
    return Scalar(value: tensor.bytes.withUnsafeBytes { $0.loadUnaligned(as: Float.self) }, rank: tensor.dims.count)
  }

  private static func float(_ node: Node, _ name: String, _ fallback: Float) -> Float? {
    switch node.attribute(name) {
    case nil: return fallback
    case .float(let value)?: return value
    default: return nil
    }
  }

  /// Every outer name a node's subgraphs read (inputs of their nodes and their outputs), recursively.
  private static func subgraphReads(_ node: Node) -> [String] {
    var names: [String] = []
    for attribute in node.attributes {
      switch attribute.value {
      case .graph(let body): names += reads(body)
      case .graphs(let bodies): for body in bodies { names += reads(body) }
      default: break
      }
    }
    return names
  }

  private static func reads(_ graph: Graph) -> [String] {
    var names: [String] = []
    for node in graph.nodes {
      names += node.inputs.filter { !$0.isEmpty }
      names += subgraphReads(node)
    }
    for output in graph.outputs { names.append(output.name) }
    return names
  }
}
