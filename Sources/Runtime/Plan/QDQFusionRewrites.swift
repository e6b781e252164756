import ONNXFormat

// The rewrites ONNX Runtime makes around the fusions: DoubleQDQPairsRemover, QDQPropagationTransformer with
// its drop of the moved pairs, WeightBiasQuantization (bias part), ReluQuantFusion/ClipQuantFusion and
// QDQFinalCleanupTransformer. Every one leaves the computed values as ONNX Runtime computes them.
extension QDQGraph {
  // MARK: Q -> DQ -> Q -> DQ

  /// ONNX Runtime's DoubleQDQPairsRemover: in Q1 -> DQ1 -> Q2 -> DQ2, each pair with its own constant
  /// scalar parameters and every link the only reader, DQ1 and Q2 go. When the two pairs differ, Q1 and DQ2
  /// take parameters covering the intersection of both ranges, computed as ONNX Runtime computes them.
  mutating func removeDoubleQDQPairs() {
    var changed = true
    while changed {
      changed = false
      for middle in 0..<nodes.count where isDequantize(middle) {
        if removeDoubleQDQPair(at: middle) { changed = true }
      }
    }
  }

  private mutating func removeDoubleQDQPair(at selfIndex: Int) -> Bool {
    guard let dq1 = node(selfIndex), let input = dq1.inputs.first, let parentIndex = producer[input],
      isQuantize(parentIndex),
      outputEdgeCount(selfIndex) == 1, !producesGraphOutput(selfIndex),
      let childUse = uses(dq1.outputs[0]).first, childUse.slot == 0, isQuantize(childUse.node),
      let q2 = node(childUse.node),
      outputEdgeCount(childUse.node) == 1, !producesGraphOutput(childUse.node),
      outputEdgeCount(parentIndex) == 1, !producesGraphOutput(parentIndex),
      let grandchildUse = uses(q2.outputs[0]).first, grandchildUse.slot == 0, isDequantize(grandchildUse.node),
      let parent = params(parentIndex), let middle = params(selfIndex), parent.matches(middle),
      let child = params(childUse.node), let grandchild = params(grandchildUse.node), child.matches(grandchild),
      let type = middle.type, type == .uint8 || type == .int8, child.type == type
    else { return false }

    let sameTensors = middle.scaleName == child.scaleName && middle.zeroPointName == child.zeroPointName
    let sameValues = middle.zeroPoint == child.zeroPoint && abs(middle.scale - child.scale) < 1e-20
    if !sameTensors && !sameValues {
      guard let range = QDQTensors.range(type) else { return false }
      let realMin = max(Float(range.min - middle.zeroPoint) * middle.scale, Float(range.min - child.zeroPoint) * child.scale)
      let realMax = min(Float(range.max - middle.zeroPoint) * middle.scale, Float(range.max - child.zeroPoint) * child.scale)
      let scale = (realMax - realMin) / Float(range.max - range.min)
      // std::round: halves away from zero.
      let zeroPointValue = (Float(range.min) - realMin / scale).rounded()
      guard scale.isFinite, zeroPointValue.isFinite, zeroPointValue >= Float(range.min),
        zeroPointValue <= Float(range.max)
      else { return false }
      let zeroPoint = Int(zeroPointValue)
      // Each outer node gets its own copies, shaped like the tensors they replace.
      let q1Scale = addInitializer(
        "DoubleQDQRemoved_" + parent.scaleName, QDQTensors.floats([scale], dims: parent.scaleDims))
      let q1ZeroPoint = addInitializer(
        "DoubleQDQRemoved_" + parent.zeroPointName, QDQTensors.integers([zeroPoint], type, dims: parent.zeroPointDims))
      let dq2Scale = addInitializer(
        "DoubleQDQRemoved_" + grandchild.scaleName, QDQTensors.floats([scale], dims: grandchild.scaleDims))
      let dq2ZeroPoint = addInitializer(
        "DoubleQDQRemoved_" + grandchild.zeroPointName,
        QDQTensors.integers([zeroPoint], type, dims: grandchild.zeroPointDims))
      setInput(parentIndex, 1, q1Scale)
      setInput(parentIndex, 2, q1ZeroPoint)
      setInput(grandchildUse.node, 1, dq2Scale)
      setInput(grandchildUse.node, 2, dq2ZeroPoint)
    }
    setInput(grandchildUse.node, 0, dq1.inputs[0])
    remove(childUse.node)
    remove(selfIndex)
    return true
  }

  // MARK: Moving Q and DQ across data movement

  /// Operators ONNX Runtime's QDQPropagationTransformer moves Q and DQ across (MaxPool from opset 12,
  /// where it takes 8-bit tensors).
  func propagates(_ node: Node) -> Bool {
    guard QDQGraph.isStandard(node.domain) else { return false }
    switch node.opType {
    case "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice": return true
    case "MaxPool": return opset >= 12
    default: return false
    }
  }

  /// Whether `node` may run on the quantized tensor with parameters `params` in place of DQ -> node -> Q:
  /// the drop rule's conditions (ONNX Runtime's DropQDQNodesSelector).
  func canRunQuantized(_ node: Node, _ params: QDQParams) -> Bool {
    guard params.isScalar, params.hasZeroPoint else { return false }
    let outputs = node.outputs.filter { !$0.isEmpty }
    guard outputs.count == 1, outputs[0] == node.outputs[0] else { return false }
    switch node.opType {
    case "MaxPool", "ReduceMax", "ReduceMin":
      // A negative scale reverses the order of the quantized values.
      return params.isEightBit && params.scale > 0
    case "Resize":
      return params.isEightBit
    default:
      return params.isEightOrSixteenBit
    }
  }

  /// How many inputs of `node` a DequantizeLinear writes.
  func dequantizedInputCount(_ node: Node) -> Int {
    node.inputs.filter { dequantizeProducing($0) != nil }.count
  }

  /// QDQPropagationTransformer's backward half with the drop that follows: in X -> P -> Q, where P moves
  /// data and each link is the only reader, Q moves before P and P runs on the quantized tensor. Repeats
  /// up chains of such operators; stops at a DequantizeLinear (the drop rule handles DQ -> P -> Q).
  mutating func hoistQuantizeLinear() {
    var work: [Int] = []
    for index in 0..<nodes.count where isQuantize(index) { work.append(index) }
    var next = 0
    while next < work.count {
      let qIndex = work[next]
      next += 1
      guard let q = node(qIndex), let params = params(qIndex), isQuantize(qIndex), !q.inputs.isEmpty,
        let pIndex = producer[q.inputs[0]], let p = node(pIndex), propagates(p), hasSingleUse(q.inputs[0]),
        p.outputs.first == q.inputs[0], !p.inputs.isEmpty, canRunQuantized(p, params),
        dequantizedInputCount(p) == 0
      else { continue }
      let source = p.inputs[0]
      guard !source.isEmpty else { continue }
      // A node's output moves only when P is its single reader, and the walk stops at a DQ; a graph input
      // or initializer gets the Q on its edge to P alone.
      if let sourceProducer = producer[source] {
        guard hasSingleUse(source), !isDequantize(sourceProducer) else { continue }
      }
      let quantized = freshValueName(source + "_quantized")
      createdTypes[quantized] = params.type
      var moved = q
      moved.inputs[0] = source
      moved.outputs = [quantized]
      let output = q.outputs[0]
      remove(qIndex)
      edit(pIndex) { node in
        node.inputs[0] = quantized
        node.outputs[0] = output
      }
      work.append(add(moved))
    }
  }

  /// QDQPropagationTransformer's forward half with the drop that follows: DQ -> P, where P moves data, becomes
  /// P on the quantized tensor -> DQ, repeated down chains. Applies when P's output goes to readers none of
  /// which is a QuantizeLinear (or only to the graph's outputs); with one Q of the same parameters the
  /// drop rule handles it instead.
  mutating func sinkDequantizeLinear() {
    var work: [Int] = []
    for index in 0..<nodes.count where isDequantize(index) { work.append(index) }
    var next = 0
    while next < work.count {
      let dqIndex = work[next]
      next += 1
      guard let dq = node(dqIndex), let params = params(dqIndex) else { continue }
      for use in uses(dq.outputs[0]) where use.slot == 0 {
        guard let p = node(use.node), propagates(p), canRunQuantized(p, params), dequantizedInputCount(p) == 1 else {
          continue
        }
        let output = p.outputs[0]
        let readers = uses(output)
        if readers.isEmpty {
          guard graphOutputs.contains(output), subgraphReads[output] == nil else { continue }
        } else {
          guard !graphOutputs.contains(output), subgraphReads[output] == nil,
            !readers.contains(where: { isQuantize($0.node) })
          else { continue }
        }
        let quantized = freshValueName(output + "_quantized")
        createdTypes[quantized] = params.type
        edit(use.node) { node in
          node.inputs[0] = dq.inputs[0]
          node.outputs[0] = quantized
        }
        var moved = dq
        moved.name = freshNodeName(QDQGraph.label(p) + "/DequantizeLinear")
        moved.inputs[0] = quantized
        moved.outputs = [output]
        work.append(add(moved))
      }
    }
  }

  // MARK: Float bias

  /// ONNX Runtime's WeightBiasQuantization, for a float bias: a Conv or Gemm whose input and weights come
  /// from DequantizeLinear and whose output leads to a QuantizeLinear (through Relu or Clip at most) gets
  /// its float32 bias initializer as int32, `round_half_even(bias / (x_scale * w_scale))`, behind a new
  /// DequantizeLinear of that scale, so the fusion that follows makes it integer. (Float weights, which ONNX
  /// Runtime also quantizes there, stay float.)
  mutating func quantizeFloatBiases() {
    for index in 0..<originalCount {
      guard let node = node(index), QDQGraph.isStandard(node.domain), node.opType == "Conv" || node.opType == "Gemm",
        node.inputs.count >= 3, !node.inputs[2].isEmpty, let bias = constant(node.inputs[2]),
        bias.dataType == .float, bias.dims.count == 1, let biasValues = QDQTensors.floats(bias),
        let xIndex = dequantizeProducing(node.inputs[0]), let x = params(xIndex), x.isScalar,
        let wIndex = dequantizeProducing(node.inputs[1]), let w = params(wIndex), leadsToQuantize(index)
      else { continue }
      // The weight scale is per tensor, or per output channel on the axis ONNX Runtime expects (0 for Conv,
      // the N axis for Gemm); DequantizeLinear's axis defaults to 1.
      let perChannel = !(w.scales.count == 1 && w.scaleDims.count <= 1)
      if perChannel {
        guard w.scaleDims.count == 1, w.scales.count == bias.dims[0], let weightNode = self.node(wIndex) else {
          continue
        }
        var expected = 0
        if node.opType == "Gemm" {
          var transB = 0
          if case .int(let value)? = node.attribute("transB") { transB = value }
          expected = transB == 0 ? 1 : 0
        }
        var axis = w.axis
        if axis < 0 {
          guard let rank = constant(weightNode.inputs[0])?.dims.count else { continue }
          axis += rank
        }
        guard axis == expected else { continue }
      }
      var scales: [Float] = []
      for weightScale in perChannel ? w.scales : [w.scales[0]] { scales.append(x.scale * weightScale) }
      var quantized: [Int] = []
      for (channel, value) in biasValues.enumerated() {
        let rounded = (value / scales[perChannel ? channel : 0]).rounded(.toNearestOrEven)
        guard rounded.isFinite, rounded >= -2_147_483_648, rounded < 2_147_483_648 else { break }
        quantized.append(Int(rounded))
      }
      guard quantized.count == biasValues.count else { continue }
      let label = QDQGraph.label(node)
      let biasName = addInitializer(label + "_bias_int32", QDQTensors.integers(quantized, .int32, dims: bias.dims))
      let scaleName = addInitializer(
        label + "_bias_scale", QDQTensors.floats(scales, dims: perChannel ? [scales.count] : []))
      let output = freshValueName(label + "_bias_dq")
      var attributes: [Attribute] = []
      if perChannel { attributes.append(Attribute(name: "axis", value: .int(0))) }
      add(
        Node(
          name: freshNodeName(label + "_bias_dq"), opType: "DequantizeLinear", inputs: [biasName, scaleName],
          outputs: [output], attributes: attributes))
      setInput(index, 2, output)
    }
  }

  /// WeightBiasQuantization's `IsNoBranchPathToQuantizeLinear`: single readers all the way to a
  /// QuantizeLinear, through Relu and Clip only.
  private func leadsToQuantize(_ start: Int) -> Bool {
    var current = start
    for _ in 0..<nodes.count {
      guard let node = node(current), node.outputs.count == 1 else { return false }
      let readers = uses(node.outputs[0])
      var readerNodes: [Int] = []
      for reader in readers where !readerNodes.contains(reader.node) { readerNodes.append(reader.node) }
      guard readerNodes.count == 1, subgraphReads[node.outputs[0]] == nil else { return false }
      if isQuantize(readerNodes[0]) { return true }
      guard isOp(readerNodes[0], "Relu") || isOp(readerNodes[0], "Clip") else { return false }
      current = readerNodes[0]
    }
    return false
  }

  // MARK: Relu and Clip before Q

  /// ONNX Runtime's ReluQuantFusion and ClipQuantFusion (and the selectors' "redundant clip"): a Relu or
  /// Clip whose only reader is a QuantizeLinear that saturates at least as much goes.
  mutating func removeRedundantActivations() {
    for index in 0..<originalCount {
      guard let node = node(index), isOp(index, "Relu") || isOp(index, "Clip"), !node.inputs.isEmpty,
        node.outputs.count == 1, hasSingleUse(node.outputs[0]), let use = uses(node.outputs[0]).first,
        use.slot == 0, isQuantize(use.node), let q = params(use.node), q.isScalar, q.scale > 0,
        let type = q.type, type == .int8 || type == .uint8, let range = QDQTensors.range(type)
      else { continue }
      if node.opType == "Relu" {
        guard q.zeroPoint == range.min else { continue }
      } else {
        guard let (low, high) = clipBounds(node) else { continue }
        // ClipQuantFusion: the clip range holds the quantized range (within float epsilon) ...
        let lower = q.scale * Float(range.min - q.zeroPoint)
        let upper = q.scale * Float(range.max - q.zeroPoint)
        let epsilon = Float.ulpOfOne
        let holds = !(epsilon < low - lower) && !(epsilon < upper - high)
        // ... or IsClipMadeRedundantByQ: its bounds quantize outside the type's range.
        let quantizedLow = (low / q.scale).rounded(.toNearestOrEven) + Float(q.zeroPoint)
        let quantizedHigh = (high / q.scale).rounded(.toNearestOrEven) + Float(q.zeroPoint)
        let saturates = quantizedLow <= Float(range.min) && quantizedHigh >= Float(range.max)
        guard holds || saturates else { continue }
      }
      setInput(use.node, 0, node.inputs[0])
      remove(index)
    }
  }

  /// Clip's bounds when known at load: attributes before opset 11, constant inputs after (absent = no bound).
  private func clipBounds(_ node: Node) -> (Float, Float)? {
    var low = -Float.greatestFiniteMagnitude
    var high = Float.greatestFiniteMagnitude
    if opset < 11 {
      if case .float(let value)? = node.attribute("min") { low = value }
      if case .float(let value)? = node.attribute("max") { high = value }
      return (low, high)
    }
    if node.inputs.count > 1 && !node.inputs[1].isEmpty {
      guard let tensor = constant(node.inputs[1]), let values = QDQTensors.floats(tensor), values.count == 1 else {
        return nil
      }
      low = values[0]
    }
    if node.inputs.count > 2 && !node.inputs[2].isEmpty {
      guard let tensor = constant(node.inputs[2]), let values = QDQTensors.floats(tensor), values.count == 1 else {
        return nil
      }
      high = values[0]
    }
    return (low, high)
  }

  // MARK: DQ -> Q

  /// ONNX Runtime's QDQFinalCleanupTransformer: DQ -> Q with the same constant scalar parameters is the
  /// identity on the quantized values, so Q's readers read DQ's input (an Identity keeps a graph output).
  mutating func removeCancellingPairs() {
    for index in 0..<nodes.count where isQuantize(index) {
      guard let q = node(index), !q.inputs.isEmpty, let dqIndex = dequantizeProducing(q.inputs[0]),
        let dq = node(dqIndex), let qParams = params(index), let dqParams = params(dqIndex),
        qParams.matches(dqParams), subgraphReads[q.outputs[0]] == nil
      else { continue }
      let output = q.outputs[0]
      if graphOutputs.contains(output) {
        guard uses(output).isEmpty else { continue }
        replace(index, with: Node(name: q.name, opType: "Identity", inputs: [dq.inputs[0]], outputs: [output]))
      } else {
        redirectUses(of: output, to: dq.inputs[0])
        remove(index)
      }
    }
  }

  /// Drops the QuantizeLinear and DequantizeLinear nodes nothing reads any more.
  mutating func removeUnreadQDQ() {
    var changed = true
    while changed {
      changed = false
      for index in 0..<nodes.count where isQuantize(index) || isDequantize(index) {
        guard let node = node(index) else { continue }
        if node.outputs.allSatisfy({ $0.isEmpty || (readCount($0) == 0 && !graphOutputs.contains($0)) }) {
          remove(index)
          changed = true
        }
      }
    }
  }
}
