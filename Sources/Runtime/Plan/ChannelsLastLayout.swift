import ONNXFormat

/// Moves chains of int8 image operators to channels-last (NHWC) layout, as ONNX Runtime's layout
/// transformer and transpose optimizer do for its NHWC kernels: inside a chain the channels of a pixel
/// sit side by side, so convolutions, depthwise filters and pools take channels in vector lanes.
///
/// Every rewrite computes exactly what the original nodes compute; only where data lives changes. Each
/// 4-D value may have two copies: its own layout, as the model defines it, and its NHWC twin (the value
/// transposed by [0, 2, 3, 1]). Nodes are visited in order:
/// - a QLinearConv the channels-last kernel supports becomes com.microsoft QLinearConv with
///   channels_last = 1 and writes only the twin of its output;
/// - QLinearGlobalAveragePool and QLinearAveragePool (channels_last attribute) and an 8-bit MaxPool
///   (com.microsoft NhwcMaxPool) run channels-last when their input's twin is at hand;
/// - operators blind to layout (element-wise ones whose other operands are scalars, QuantizeLinear and
///   DequantizeLinear with one scale, the quantized element-wise operators) and Concat along an axis
///   renumbered for NHWC run on the twins when every tensor operand has one;
/// - a Transpose by [0, 3, 1, 2] has its input as the twin of its output for free, and a Transpose by
///   [0, 2, 3, 1] of a value with a twin is that twin;
/// - every other node reads values in their own layout: a Transpose node makes the missing copy
///   (under the value's original name), once, just before the first reader that needs it.
/// Graph outputs keep their names and layout. Graphs with subgraphs (If) are left as they are.
enum ChannelsLastLayout {
  static let toChannelsLast = [0, 2, 3, 1]
  static let toChannelsFirst = [0, 3, 1, 2]

  static func apply(_ graph: Graph) -> Graph {
    guard isRewritable(graph) else { return graph }
    var rewriter = Rewriter(graph)
    for node in graph.nodes { rewriter.visit(node) }
    return rewriter.finish()
  }

  /// No subgraphs, and every node reads only values made before it (ONNX requires topological order;
  /// the pass relies on it rather than reordering).
  private static func isRewritable(_ graph: Graph) -> Bool {
    var known = Set<String>()
    for tensor in graph.initializers { known.insert(tensor.name) }
    for input in graph.inputs { known.insert(input.name) }
    for node in graph.nodes {
      for attribute in node.attributes {
        switch attribute.value {
        case .graph, .graphs: return false
        default: break
        }
      }
      for input in node.inputs where !input.isEmpty && !known.contains(input) { return false }
      for output in node.outputs where !output.isEmpty { known.insert(output) }
    }
    return true
  }

  /// Whether the channels-last QLinearConv kernel takes this node (its rule, on the weight
  /// initializer's shape and the group attribute).
  static func supportsChannelsLast(_ node: Node, weightShapes: [String: [Int]]) -> Bool {
    guard node.inputs.count >= 8, let w = weightShapes[node.inputs[3]] else { return false }
    var group = 1
    if case .int(let value)? = node.attribute("group") { group = value }
    return IntegerChannelsLastOps.supportsChannelsLast(weightShape: w, group: group)
  }

  /// Where a node's tensor operands are, for the operators that are blind to layout.
  struct Blind {
    /// Inputs holding image data (they need twins, or must be scalars).
    var tensors: [Int]
    /// Inputs that must be single-value constants (scales, zero points, bounds).
    var scalars: [Int]
    /// The outputs are 8-bit: always, never, or as the first tensor input.
    var eightBit: Bool?
  }

  static func blind(_ node: Node) -> Blind? {
    let domain = node.domain == "ai.onnx" ? "" : node.domain
    switch (domain, node.opType) {
    case ("", "QuantizeLinear"), ("com.microsoft", "QuantizeLinear"):
      return Blind(tensors: [0], scalars: [1, 2], eightBit: true)
    case ("", "DequantizeLinear"), ("com.microsoft", "DequantizeLinear"):
      return Blind(tensors: [0], scalars: [1, 2], eightBit: false)
    case ("com.microsoft", "QLinearAdd"), ("com.microsoft", "QLinearMul"):
      return Blind(tensors: [0, 3], scalars: [1, 2, 4, 5, 6, 7], eightBit: true)
    case ("com.microsoft", "QLinearSigmoid"), ("com.microsoft", "QLinearLeakyRelu"),
      ("ai.onnx-quant", "QLinearLookup"):
      return Blind(tensors: [0], scalars: [1, 2, 3, 4], eightBit: true)
    case ("", "Relu"), ("", "Identity"):
      return Blind(tensors: [0], scalars: [], eightBit: nil)
    case ("", "Clip"):
      return Blind(tensors: [0], scalars: [1, 2], eightBit: nil)
    case ("", "Sigmoid"), ("", "Tanh"), ("", "HardSigmoid"), ("", "HardSwish"), ("", "LeakyRelu"):
      return Blind(tensors: [0], scalars: [], eightBit: false)
    case ("", "Add"), ("", "Sub"), ("", "Mul"), ("", "Div"):
      return Blind(tensors: [0, 1], scalars: [], eightBit: false)
    default:
      return nil
    }
  }

  private struct Rewriter {
    var graph: Graph
    var nodes: [Node] = []
    /// Where each value is in its own layout, when not under its own name (absent: only the twin).
    var own: [String: String] = [:]
    /// Values whose own-layout copy does not exist (yet).
    var twinOnly = Set<String>()
    /// Where each value's NHWC twin is.
    var twin: [String: String] = [:]
    /// Values known to hold 8-bit codes.
    var eightBit = Set<String>()
    var taken = Set<String>()
    var scalarConstants = Set<String>()
    var weightShapes: [String: [Int]] = [:]
    let hasChannelsLastConv = Operator.named("QLinearConv", domain: "com.microsoft") != nil
    let hasChannelsLastMaxPool = Operator.named("NhwcMaxPool", domain: "com.microsoft") != nil

    init(_ graph: Graph) {
      self.graph = graph
      for tensor in graph.initializers {
        taken.insert(tensor.name)
        weightShapes[tensor.name] = tensor.dims
        if tensor.dims.count <= 4 && tensor.dims.allSatisfy({ $0 == 1 }) {
          scalarConstants.insert(tensor.name)
        }
      }
      for input in graph.inputs { taken.insert(input.name) }
      for node in graph.nodes {
        for output in node.outputs { taken.insert(output) }
      }
    }

    mutating func unique(_ base: String) -> String {
      var name = base
      var suffix = 1
      while taken.contains(name) {
        suffix += 1
        name = base + String(suffix)
      }
      taken.insert(name)
      return name
    }

    /// The value in its own layout, made from the twin the first time it is needed.
    mutating func ownName(_ name: String) -> String {
      if name.isEmpty { return name }
      if twinOnly.contains(name), let source = twin[name] {
        nodes.append(transpose(source, to: name, ChannelsLastLayout.toChannelsFirst))
        twinOnly.remove(name)
      }
      return own[name] ?? name
    }

    func transpose(_ input: String, to output: String, _ perm: [Int]) -> Node {
      Node(
        name: output + "/transpose", opType: "Transpose", inputs: [input], outputs: [output],
        attributes: [Attribute(name: "perm", value: .ints(perm))])
    }

    /// The value's NHWC twin, made from its own layout the first time it is needed.
    mutating func twinName(_ name: String) -> String {
      if let existing = twin[name] { return existing }
      let made = unique(name + "/nhwc")
      nodes.append(transpose(ownName(name), to: made, ChannelsLastLayout.toChannelsLast))
      twin[name] = made
      if eightBit.contains(name) { eightBit.insert(made) }
      return made
    }

    /// Records that `node` (already given its rewritten inputs) writes only the twins of `outputs`.
    mutating func emitChannelsLast(_ node: Node, outputs: [String], eightBitOutputs: Bool) {
      var rewritten = node
      rewritten.outputs = outputs.map { output in
        if output.isEmpty { return output }
        let made = unique(output + "/nhwc")
        twin[output] = made
        twinOnly.insert(output)
        if eightBitOutputs { eightBit.insert(output) }
        return made
      }
      nodes.append(rewritten)
    }

    mutating func visit(_ node: Node) {
      let domain = node.domain == "ai.onnx" ? "" : node.domain
      switch (domain, node.opType) {
      case ("", "QLinearConv")
      where hasChannelsLastConv && supportsChannelsLast(node, weightShapes: weightShapes):
        var rewritten = node
        rewritten.domain = "com.microsoft"
        rewritten.inputs[0] = twinName(node.inputs[0])
        rewritten.attributes.append(Attribute(name: "channels_last", value: .int(1)))
        emitChannelsLast(rewritten, outputs: node.outputs, eightBitOutputs: true)
        return
      case ("com.microsoft", "QLinearGlobalAveragePool"), ("com.microsoft", "QLinearAveragePool"):
        if let x = node.inputs.first, twin[x] != nil, !isChannelsLast(node) {
          var rewritten = node
          rewritten.inputs[0] = twin[x]!
          rewritten.attributes.removeAll { $0.name == "channels_last" }
          rewritten.attributes.append(Attribute(name: "channels_last", value: .int(1)))
          emitChannelsLast(rewritten, outputs: node.outputs, eightBitOutputs: true)
          return
        }
      case ("", "MaxPool"):
        if hasChannelsLastMaxPool, let x = node.inputs.first, let xTwin = twin[x],
          eightBit.contains(x),
          node.outputs.count == 1, node.attribute("storage_order") == nil
        {
          var rewritten = node
          rewritten.opType = "NhwcMaxPool"
          rewritten.domain = "com.microsoft"
          rewritten.inputs[0] = xTwin
          emitChannelsLast(rewritten, outputs: node.outputs, eightBitOutputs: true)
          return
        }
      case ("", "Transpose"):
        if case .ints(let perm)? = node.attribute("perm"), node.inputs.count == 1,
          node.outputs.count == 1
        {
          let x = node.inputs[0]
          let y = node.outputs[0]
          if perm == ChannelsLastLayout.toChannelsFirst, !twinOnly.contains(x) {
            // y transposed back by [0, 2, 3, 1] is x itself.
            twin[y] = own[x] ?? x
            if eightBit.contains(x) { eightBit.insert(y) }
          } else if perm == ChannelsLastLayout.toChannelsLast, let xTwin = twin[x] {
            own[y] = xTwin
            if eightBit.contains(x) { eightBit.insert(y) }
            return
          }
        }
      case ("", "Concat"), ("com.microsoft", "QLinearConcat"):
        if visitConcat(node, quantized: domain == "com.microsoft") { return }
      default:
        if let blind = ChannelsLastLayout.blind(node), visitBlind(node, blind) { return }
      }
      emitAsIs(node)
    }

    func isChannelsLast(_ node: Node) -> Bool {
      if case .int(let value)? = node.attribute("channels_last") { return value != 0 }
      return false
    }

    mutating func emitAsIs(_ node: Node) {
      var rewritten = node
      rewritten.inputs = node.inputs.map { ownName($0) }
      if producesEightBit(node) {
        for output in node.outputs where !output.isEmpty { eightBit.insert(output) }
      }
      nodes.append(rewritten)
    }

    /// Whether the node's outputs are known to hold 8-bit codes (what decides NhwcMaxPool).
    func producesEightBit(_ node: Node) -> Bool {
      if let blind = ChannelsLastLayout.blind(node) {
        if let known = blind.eightBit { return known }
        return blind.tensors.contains {
          $0 < node.inputs.count && eightBit.contains(node.inputs[$0])
        }
      }
      switch node.opType {
      case "QLinearConv", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearConcat",
        "NhwcMaxPool":
        return true
      case "MaxPool", "Transpose":
        return node.inputs.first.map { eightBit.contains($0) } ?? false
      default:
        return false
      }
    }

    mutating func visitBlind(_ node: Node, _ blind: Blind) -> Bool {
      var anyTwin = false
      for index in blind.tensors {
        guard index < node.inputs.count else { return false }
        let name = node.inputs[index]
        if twin[name] != nil {
          anyTwin = true
        } else if !scalarConstants.contains(name) {
          return false
        }
      }
      for index in blind.scalars where index < node.inputs.count {
        let name = node.inputs[index]
        guard name.isEmpty || scalarConstants.contains(name) else { return false }
      }
      guard anyTwin else { return false }
      var rewritten = node
      for index in blind.tensors where !scalarConstants.contains(node.inputs[index]) {
        rewritten.inputs[index] = twin[node.inputs[index]]!
      }
      let eightBitOutputs =
        blind.eightBit ?? blind.tensors.contains { eightBit.contains(node.inputs[$0]) }
      emitChannelsLast(rewritten, outputs: node.outputs, eightBitOutputs: eightBitOutputs)
      return true
    }

    /// Concat (every input a tensor) and QLinearConcat (y_scale, y_zero_point, then x, scale, zero point
    /// triples) along the renumbered axis when every tensor input has a twin.
    mutating func visitConcat(_ node: Node, quantized: Bool) -> Bool {
      guard case .int(let axis)? = node.attribute("axis"), axis >= -4, axis < 4,
        node.outputs.count == 1
      else {
        return false
      }
      let tensorIndices =
        quantized
        ? Array(stride(from: 2, to: node.inputs.count, by: 3)) : Array(node.inputs.indices)
      guard !tensorIndices.isEmpty, tensorIndices.allSatisfy({ twin[node.inputs[$0]] != nil })
      else { return false }
      if quantized {
        for index in node.inputs.indices where (index < 2 || (index - 2) % 3 != 0) {
          guard scalarConstants.contains(node.inputs[index]) else { return false }
        }
      }
      var rewritten = node
      for index in tensorIndices { rewritten.inputs[index] = twin[node.inputs[index]]! }
      let normalized = axis < 0 ? axis + 4 : axis
      rewritten.attributes.removeAll { $0.name == "axis" }
      rewritten.attributes.append(
        Attribute(name: "axis", value: .int(ChannelsLastLayout.toChannelsFirst[normalized])))
      let eightBitOutputs =
        quantized || tensorIndices.allSatisfy { eightBit.contains(node.inputs[$0]) }
      emitChannelsLast(rewritten, outputs: node.outputs, eightBitOutputs: eightBitOutputs)
      return true
    }

    mutating func finish() -> Graph {
      for output in graph.outputs {
        let source = ownName(output.name)
        if source != output.name {
          nodes.append(
            Node(
              name: output.name + "/identity", opType: "Identity", inputs: [source],
              outputs: [output.name]))
        }
      }
      var result = graph
      result.nodes = nodes
      return result
    }
  }
}
