import ONNXFormat

/// Folds inference-mode BatchNormalization into the Conv before it: the Conv's weights are scaled per
/// output channel and its bias shifted, so one step does the work of two (as ONNX Runtime's ConvBNFusion).
///
/// Applies when the Conv's output feeds only the BatchNormalization, and the Conv's weights and bias and
/// the BatchNormalization's scale, B, mean and var are float32 constants (initializers or Constant nodes).
enum BatchNormFolding {
  static func fold(_ graph: Graph) -> Graph {
    var constants: [String: Tensor] = [:]
    for tensor in graph.initializers where tensor.dataType == .float { constants[tensor.name] = tensor }
    for node in graph.nodes where node.opType == "Constant" && (node.domain.isEmpty || node.domain == "ai.onnx") {
      if case .tensor(let value)? = node.attribute("value"), value.dataType == .float, let name = node.outputs.first {
        constants[name] = value
      }
    }
    var consumers: [String: Int] = [:]
    for node in graph.nodes {
      for input in node.inputs where !input.isEmpty { consumers[input, default: 0] += 1 }
    }
    for output in graph.outputs { consumers[output.name, default: 0] += 1 }
    var producer: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for output in node.outputs where !output.isEmpty { producer[output] = index }
    }

    var result = graph
    var removed = Set<Int>()
    for (bnIndex, bn) in graph.nodes.enumerated() where bn.opType == "BatchNormalization" && bn.domain.isEmpty {
      guard bn.inputs.count == 5, bn.outputs.count >= 1, !bn.outputs[0].isEmpty,
        bn.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
        (Self.int(bn, "training_mode") ?? 0) == 0, (Self.int(bn, "spatial") ?? 1) == 1,
        let convIndex = producer[bn.inputs[0]], !removed.contains(convIndex),
        consumers[bn.inputs[0]] == 1
      else { continue }
      let conv = result.nodes[convIndex]
      guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, conv.inputs.count >= 2,
        let weights = constants[conv.inputs[1]], weights.dims.count >= 3
      else { continue }
      let channels = weights.dims[0]
      guard let scale = floats(constants[bn.inputs[1]], channels), let shift = floats(constants[bn.inputs[2]], channels),
        let mean = floats(constants[bn.inputs[3]], channels), let variance = floats(constants[bn.inputs[4]], channels)
      else { continue }
      var bias = [Float](repeating: 0, count: channels)
      if conv.inputs.count > 2 && !conv.inputs[2].isEmpty {
        guard let given = floats(constants[conv.inputs[2]], channels) else { continue }
        bias = given
      }
      let epsilon = Self.float(bn, "epsilon") ?? 1e-5
      guard var weightValues = floats(weights, weights.count) else { continue }
      let perChannel = weights.count / max(channels, 1)
      var newBias = [Float](repeating: 0, count: channels)
      for c in 0..<channels {
        let multiplier = scale[c] / (variance[c] + epsilon).squareRoot()
        for k in 0..<perChannel { weightValues[c * perChannel + k] *= multiplier }
        newBias[c] = (bias[c] - mean[c]) * multiplier + shift[c]
      }
      let base = (conv.name.isEmpty ? bn.outputs[0] : conv.name) + "/folded_batchnorm"
      var folded = conv
      folded.inputs = [conv.inputs[0], base + "/W", base + "/B"]
      folded.outputs = [bn.outputs[0]]
      result.nodes[convIndex] = folded
      result.initializers.append(Tensor(name: base + "/W", dataType: .float, dims: weights.dims, bytes: bytes(weightValues)))
      result.initializers.append(Tensor(name: base + "/B", dataType: .float, dims: [channels], bytes: bytes(newBias)))
      removed.insert(bnIndex)
    }
    if removed.isEmpty { return graph }
    result.nodes = result.nodes.enumerated().filter { !removed.contains($0.offset) }.map { $0.element }
    return result
  }

  private static func floats(_ tensor: Tensor?, _ count: Int) -> [Float]? {
    guard let tensor, tensor.dataType == .float, tensor.count == count, tensor.bytes.count == count * 4 else { return nil }
    var values = [Float](repeating: 0, count: count)
    tensor.bytes.withUnsafeBytes { raw in
      for index in 0..<count { values[index] = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
    }
    return values
  }

  private static func bytes(_ values: [Float]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
  }

  private static func int(_ node: Node, _ name: String) -> Int? {
    if case .int(let value)? = node.attribute(name) { return value }
    return nil
  }

  private static func float(_ node: Node, _ name: String) -> Float? {
    if case .float(let value)? = node.attribute(name) { return value }
    return nil
  }
}
