import ONNXFormat

/// Which graph inputs a value is computed from.
public enum InputDependencies {
  /// The graph inputs (not initializers) that `value` depends on, following node inputs backwards
  /// (subgraph bodies are not followed).
  public static func graphInputs(feeding value: String, in graph: Graph) -> [String] {
    var producer: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for output in node.outputs where !output.isEmpty { producer[output] = index }
    }
    var isInput = Set<String>()
    for input in graph.inputs { isInput.insert(input.name) }
    for tensor in graph.initializers { isInput.remove(tensor.name) }

    var found: [String] = []
    var seen = Set<String>()
    var pending = [value]
    while let name = pending.popLast() {
      if name.isEmpty || seen.contains(name) { continue }
      seen.insert(name)
      if isInput.contains(name) {
        found.append(name)
      } else if let index = producer[name] {
        pending.append(contentsOf: graph.nodes[index].inputs)
      }
    }
    return found
  }
}
