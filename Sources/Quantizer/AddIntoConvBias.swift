import ONNXFormat
import Runtime

/// Conv followed by the addition of a constant per-channel vector (exporters that write the bias as
/// its own Add, such as Paddle's) becomes a Conv with that bias, so it quantizes to one QLinearConv
/// with an int32 bias instead of a convolution and an integer Add with a rounding of its own.
enum AddIntoConvBias {
  static func fold(_ graph: Graph, analysis: GraphAnalysis, notes: inout [String]) -> Graph {
    let graphIndex = GraphIndex(graph)
    var initializers = graphIndex.initializers
    let consumers = graphIndex.consumers
    let outputs = graphIndex.outputs
    let producerIndex = graphIndex.producer
    var nodes = graph.nodes
    var removed = Set<Int>()
    var folded = 0
    for (index, add) in graph.nodes.enumerated() where add.opType == "Add" && add.domain.isEmpty && add.inputs.count == 2 {
      for side in 0..<2 {
        let convOutput = add.inputs[side]
        let constantName = add.inputs[1 - side]
        guard let convIndex = producerIndex[convOutput], !removed.contains(convIndex) else { continue }
        let conv = nodes[convIndex]
        guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, consumers.count(convOutput) == 1,
          !outputs.contains(convOutput), let outputType = analysis.type(convOutput), outputType.rank >= 3,
          let constant = initializers.tensor(constantName), let values = TensorValues.floats(constant),
          let weight = initializers.tensor(conv.inputs[1]), weight.dims.count == outputType.rank
        else { continue }
        let channels = weight.dims[0]
        // The constant must broadcast along the channel axis only: [1, M, 1, ...] or [M, 1, ...].
        var dims = constant.dims
        if dims.count == outputType.rank, dims.first == 1 { dims.removeFirst() }
        guard values.count == channels, dims.count == outputType.rank - 1, dims.first == channels,
          dims.dropFirst().allSatisfy({ $0 == 1 })
        else { continue }
        var bias = values
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
          guard let existing = initializers.floats(conv.inputs[2]), existing.count == channels else { continue }
          for c in 0..<channels { bias[c] += existing[c] }
        }
        let biasName = initializers.freshName(conv.inputs[1] + "_bias")
        initializers.set(TensorValues.float(biasName, dims: [channels], bias))
        var newConv = conv
        newConv.inputs = [conv.inputs[0], conv.inputs[1], biasName]
        newConv.outputs = add.outputs
        nodes[convIndex] = newConv
        removed.insert(index)
        folded += 1
        break
      }
    }
    if folded == 0 { return graph }
    let result = graph.replacingNodes(nodes, removing: removed, initializers: initializers)
    notes.append(String(folded) + " constant Add folded into Conv bias")
    return result
  }
}
