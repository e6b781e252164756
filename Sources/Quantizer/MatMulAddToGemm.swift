import ONNXFormat
import Runtime

/// A 2-D MatMul by a constant matrix followed by the addition of a constant row vector is a Gemm
/// with bias (what exporters of Linear layers often write as two nodes). As a Gemm it quantizes to
/// one integer operator with an int32 bias instead of a matrix product and a separate integer add.
enum MatMulAddToGemm {
  static func rewrite(_ graph: Graph, analysis: GraphAnalysis, notes: inout [String]) -> Graph {
    let graphIndex = GraphIndex(graph)
    let initializers = graphIndex.initializers
    let consumers = graphIndex.consumers
    let outputs = graphIndex.outputs
    let producerIndex = graphIndex.producer
    var nodes = graph.nodes
    var removed = Set<Int>()
    var rewritten = 0
    for (index, add) in graph.nodes.enumerated() where add.opType == "Add" && add.domain.isEmpty && add.inputs.count == 2 {
      for side in 0..<2 {
        let product = add.inputs[side]
        let biasName = add.inputs[1 - side]
        guard let matmulIndex = producerIndex[product], !removed.contains(matmulIndex) else { continue }
        let matmul = nodes[matmulIndex]
        guard matmul.opType == "MatMul", matmul.domain.isEmpty, consumers.count(product) == 1,
          !outputs.contains(product), let a = analysis.type(matmul.inputs[0]), a.rank == 2,
          let b = initializers.tensor(matmul.inputs[1]), b.dims.count == 2, b.dataType == .float,
          let bias = initializers.tensor(biasName), bias.dataType == .float,
          bias.dims == [b.dims[1]] || bias.dims == [1, b.dims[1]]
        else { continue }
        nodes[matmulIndex] = Node(
          name: matmul.name.isEmpty ? add.name : matmul.name, opType: "Gemm",
          inputs: [matmul.inputs[0], matmul.inputs[1], biasName], outputs: add.outputs)
        removed.insert(index)
        rewritten += 1
        break
      }
    }
    if rewritten == 0 { return graph }
    let result = graph.replacingNodes(nodes, removing: removed, initializers: initializers)
    notes.append(String(rewritten) + " MatMul + Add turned into Gemm")
    return result
  }
}
