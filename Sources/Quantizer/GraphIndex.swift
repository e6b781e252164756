import ONNXFormat

/// What the graph rewrites look up: initializers by name, readers per tensor, the graph outputs, and
/// the node producing each tensor.
struct GraphIndex {
  var initializers: InitializerTable
  let consumers: ConsumerTable
  let outputs: Set<String>
  let producer: [String: Int]

  init(_ graph: Graph) {
    initializers = InitializerTable(graph.initializers)
    consumers = ConsumerTable(graph)
    outputs = Set(graph.outputs.map { $0.name })
    var producer: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for output in node.outputs { producer[output] = index }
    }
    self.producer = producer
  }

  /// Read by exactly one node input and not a graph output: a rewrite may absorb it.
  func isPrivate(_ name: String) -> Bool { consumers.count(name) == 1 && !outputs.contains(name) }
}

extension Graph {
  /// This graph with `nodes` minus the ones at `removed`, keeping only the initializers still read.
  func replacingNodes(_ nodes: [Node], removing removed: Set<Int>, initializers: InitializerTable) -> Graph {
    var result = self
    result.nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map { $0.element }
    result.initializers = initializers.used(by: result)
    return result
  }
}
