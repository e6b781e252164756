import Commands
import ONNXFormat
import Runtime

/// Rewrites the operators whose definition changed between opsets 11 and 13 so the graph means the
/// same under opset 13, which per-axis QuantizeLinear/DequantizeLinear need. Attributes that became
/// inputs (Squeeze, Unsqueeze, ReduceSum and Split) move to initializers; Softmax, LogSoftmax and
/// Hardmax keep their meaning only where the old 2-D coercion and the new single axis agree.
enum OpsetUpgrade {
  static func to13(_ graph: Graph, from opset: Int, analysis: GraphAnalysis) throws(CommandError) -> Graph {
    var result = graph
    var initializers = InitializerTable(graph.initializers)
    var nodes: [Node] = []
    for var node in graph.nodes {
      guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        nodes.append(node)
        continue
      }
      switch node.opType {
      case "Squeeze", "Unsqueeze", "ReduceSum":
        if case .ints(let axes)? = node.attribute("axes") {
          let name = initializers.freshName((node.outputs.first ?? node.opType) + "_axes")
          initializers.set(TensorValues.int64(name, dims: [axes.count], axes.map { Int64($0) }))
          node.attributes.removeAll { $0.name == "axes" }
          node.inputs = [node.inputs[0], name] + node.inputs.dropFirst()
          if node.opType == "ReduceSum" { node.inputs = Array(node.inputs.prefix(2)) }
        }
      case "Split":
        if case .ints(let sizes)? = node.attribute("split") {
          let name = initializers.freshName((node.outputs.first ?? "split") + "_sizes")
          initializers.set(TensorValues.int64(name, dims: [sizes.count], sizes.map { Int64($0) }))
          node.attributes.removeAll { $0.name == "split" }
          node.inputs = [node.inputs[0], name]
        }
      case "Softmax", "LogSoftmax", "Hardmax":
        guard let type = analysis.type(node.inputs[0]) else { break }
        var axis = 1
        if case .int(let value)? = node.attribute("axis") { axis = value }
        if axis < 0 { axis += type.rank }
        // Before 13 the input was flattened to 2-D at `axis`; that equals a softmax over the last axis
        // only when every dimension from `axis` up to the last is 1.
        let lastAxis = type.rank - 1
        guard axis >= 0, axis <= lastAxis, type.shape[axis..<lastAxis].allSatisfy({ $0 == 1 }) else {
          throw .input(
            node.displayName + ": " + node.opType + " over axes " + String(axis) + "... of " + type.text
              + " has no opset-13 equivalent; re-export the model with opset 13")
        }
        node.attributes.removeAll { $0.name == "axis" }
        node.attributes.append(Attribute(name: "axis", value: .int(lastAxis)))
      default:
        break
      }
      nodes.append(node)
    }
    result.nodes = nodes
    result.initializers = initializers.all
    return result
  }
}
