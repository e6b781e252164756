import ONNXFormat

/// `x * Clip(x + 3, 0, 6) / 6` and `x * HardSigmoid(x)` (alpha 1/6, beta 1/2) are HardSwish, as
/// exporters of MobileNetV3-style models write it. As one node it quantizes to one 8-bit lookup
/// (the runtime fuses DequantizeLinear -> HardSwish -> QuantizeLinear into a 256-entry table) instead
/// of an integer Add, a Mul and a division, each with a rounding of its own. Needs opset 14.
enum HardSwishRecognition {
  static let opset = 14

  static func rewrite(_ graph: Graph, notes: inout [String]) -> Graph {
    let graphIndex = GraphIndex(graph)
    let initializers = graphIndex.initializers
    let producer = graphIndex.producer
    func scalar(_ name: String) -> Float? {
      guard let values = initializers.floats(name), values.count == 1 else { return nil }
      return values[0]
    }
    func standard(_ node: Node, _ opType: String) -> Bool {
      node.opType == opType && (node.domain.isEmpty || node.domain == "ai.onnx")
    }
    /// The other input of a two-input node, given one of them.
    func other(_ node: Node, _ name: String) -> String? {
      guard node.inputs.count == 2 else { return nil }
      if node.inputs[0] == name { return node.inputs[1] }
      if node.inputs[1] == name { return node.inputs[0] }
      return nil
    }
    func privateToChain(_ name: String) -> Bool { graphIndex.isPrivate(name) }

    var removed = Set<Int>()
    var replacement: [Int: Node] = [:]
    var found = 0
    for (index, mul) in graph.nodes.enumerated() where standard(mul, "Mul") && mul.inputs.count == 2 {
      for side in 0..<2 {
        let gateName = mul.inputs[side]
        let x = mul.inputs[1 - side]
        guard let gateIndex = producer[gateName], !removed.contains(gateIndex), privateToChain(gateName) else { continue }
        let gate = graph.nodes[gateIndex]
        var chain: [Int] = [gateIndex]
        var scaleAfter: Float = 1  // the gate is x-independent scale times HardSigmoid(x)
        if standard(gate, "HardSigmoid"), gate.inputs.first == x {
          var alpha: Float = 0.2
          var beta: Float = 0.5
          if case .float(let value)? = gate.attribute("alpha") { alpha = value }
          if case .float(let value)? = gate.attribute("beta") { beta = value }
          guard abs(alpha - 1 / 6) < 1e-6, abs(beta - 0.5) < 1e-6 else { continue }
        } else if standard(gate, "Clip"), gate.inputs.count == 3, scalar(gate.inputs[1]) == 0,
          scalar(gate.inputs[2]) == 6, let addIndex = producer[gate.inputs[0]], privateToChain(gate.inputs[0]),
          standard(graph.nodes[addIndex], "Add"), let three = other(graph.nodes[addIndex], x), scalar(three) == 3
        {
          chain.append(addIndex)
          scaleAfter = 6
        } else {
          continue
        }
        // A Clip gate needs the division by 6 after the Mul (or a multiplication by 1/6).
        var output = mul.outputs[0]
        if scaleAfter != 1 {
          guard privateToChain(output), let divIndex = graph.nodes.indices.first(where: { graph.nodes[$0].inputs.contains(output) })
          else { continue }
          let div = graph.nodes[divIndex]
          var divisor: Float? = nil
          if standard(div, "Div"), div.inputs.count == 2, div.inputs[0] == output { divisor = scalar(div.inputs[1]) }
          if standard(div, "Mul"), let factorName = other(div, output), let factor = scalar(factorName), factor != 0 {
            divisor = 1 / factor
          }
          guard let divisor, abs(divisor - 6) < 1e-5 else { continue }
          chain.append(divIndex)
          output = div.outputs[0]
        }
        replacement[index] = Node(name: mul.name.isEmpty ? "" : mul.name, opType: "HardSwish", inputs: [x], outputs: [output])
        for part in chain { removed.insert(part) }
        found += 1
        break
      }
    }
    if found == 0 { return graph }
    var result = graph
    var nodes: [Node] = []
    for (index, node) in graph.nodes.enumerated() where !removed.contains(index) {
      nodes.append(replacement[index] ?? node)
    }
    result.nodes = nodes
    result.initializers = initializers.used(by: result)
    notes.append(String(found) + " HardSwish patterns made HardSwish nodes")
    return result
  }
}
