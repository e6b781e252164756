import ONNXFormat

/// A float operator with the DequantizeLinear nodes writing its inputs and the QuantizeLinear nodes
/// reading its outputs (ONNX Runtime's QDQ "node group").
struct QDQGroup {
  var target: Int
  /// Per input slot, the DequantizeLinear writing it.
  var dequantize: [Int?]
  /// The QuantizeLinear nodes reading the target's outputs, in output order.
  var quantize: [Int]

  var dequantizeCount: Int { dequantize.filter { $0 != nil }.count }
}

// ONNX Runtime's QDQSelectorActionTransformer (CPU rules): which groups become which integer operator.
extension QDQGraph {
  /// Replaces every group ONNX Runtime fuses on the CPU with its integer operator; the fused node takes the
  /// float operator's name and attributes.
  mutating func fuseGroups() {
    for index in 0..<originalCount {
      guard let node = node(index), QDQGraph.isStandard(node.domain) else { continue }
      switch node.opType {
      case "Conv": fuseConv(index)
      case "MatMul": fuseMatMul(index)
      case "Gemm": fuseGemm(index)
      case "Add", "Mul": fuseBinary(index)
      case "AveragePool", "GlobalAveragePool", "LeakyRelu", "Sigmoid", "Softmax": fuseUnary(index)
      // Not fused by ONNX Runtime (it runs them in float between DQ and Q); a table here.
      case "Tanh", "HardSigmoid", "HardSwish": fuseUnary(index)
      case "Concat": fuseConcat(index)
      case "Split": fuseSplit(index)
      case "ArgMax": fuseArgMax(index)
      case "Expand", "Flatten", "Gather", "Reshape", "Slice", "Squeeze", "Tile", "Transpose", "Unsqueeze", "Identity",
        "MaxPool", "ReduceMax", "ReduceMin", "Resize", "Pad":
        fuseDataMovement(index)
      default: break
      }
    }
  }

  // MARK: Selecting

  /// `NodeGroupSelector::GetQDQSelection`: nil when the target's single reader is a Relu or Clip with a
  /// single reader (one that made no difference before its Q was removed already, so this one matters).
  func collectGroup(_ index: Int) -> QDQGroup? {
    guard let node = node(index) else { return nil }
    if outputEdgeCount(index) == 1, let output = node.outputs.first(where: { readCount($0) == 1 }),
      let reader = uses(output).first, isOp(reader.node, "Relu") || isOp(reader.node, "Clip"),
      outputEdgeCount(reader.node) == 1, !producesGraphOutput(reader.node)
    {
      return nil
    }
    var quantize: [Int] = []
    for output in node.outputs where !output.isEmpty {
      for use in uses(output) where use.slot == 0 && isQuantize(use.node) && !quantize.contains(use.node) {
        quantize.append(use.node)
      }
    }
    return QDQGroup(target: index, dequantize: node.inputs.map { dequantizeProducing($0) }, quantize: quantize)
  }

  /// `NodeGroupSelector::CheckQDQNodes` with `NodeGroup::CanCreateNodeGroup`. Every DequantizeLinear counts as
  /// the target's own (ONNX Runtime first gives each reader its own copy, EnsureUniqueDQForNodeUnit; here a
  /// DQ still read elsewhere simply stays for those readers).
  func check(_ group: QDQGroup, dequantizedInputs: Int? = nil, allowNoQuantize: Bool = false) -> Bool {
    guard let node = node(group.target) else { return false }
    let inputs = node.inputs.filter { !$0.isEmpty }.count
    guard group.dequantizeCount == (dequantizedInputs ?? inputs) else { return false }
    // An output read by a Q is read by Qs only, and is no graph output.
    for output in node.outputs where !output.isEmpty {
      let readers = uses(output)
      let quantizeReaders = readers.filter { isQuantize($0.node) }.count
      if quantizeReaders > 0
        && (quantizeReaders != readers.count || subgraphReads[output] != nil || graphOutputs.contains(output))
      {
        return false
      }
    }
    if group.quantize.isEmpty { return allowNoQuantize }
    let outputs = node.outputs.filter { !$0.isEmpty }.count
    return outputs == group.quantize.count && group.quantize.count == outputEdgeCount(group.target)
      && !producesGraphOutput(group.target)
  }

  /// Parameters an activation input or output of a fused operator must have: one scale, 8-bit.
  private func activation(_ index: Int?) -> QDQParams? {
    guard let index = index, let params = params(index), params.isScalar, params.isEightBit else { return nil }
    return params
  }

  /// The zero-point input of a fused operator: the node's own, else a zero of its type.
  private mutating func zeroPointInput(_ params: QDQParams) -> String {
    if params.hasZeroPoint { return params.zeroPointName }
    return zeroPoint(params.type ?? .uint8)
  }

  /// The quantized tensor a DequantizeLinear reads.
  private func quantizedInput(_ index: Int) -> String { node(index)?.inputs[0] ?? "" }

  /// Weight scales are one value, or one per slice along `axis` of a constant of known shape.
  private func perAxisScalesFit(_ params: QDQParams, weights: String, axis expected: (Int) -> Int?) -> Bool {
    if params.scales.count == 1 && params.scaleDims.count <= 1 { return params.zeroPoints.count <= 1 }
    guard params.scaleDims.count == 1, let dims = constant(weights)?.dims ?? declaredShape(weights),
      let axis = params.normalizedAxis(rank: dims.count), let wanted = expected(dims.count), axis == wanted,
      dims[axis] == params.scales.count, params.zeroPoints.isEmpty || params.zeroPoints.count == params.scales.count
    else { return false }
    return true
  }

  private func declaredShape(_ name: String) -> [Int]? {
    for info in source.inputs + source.valueInfo where info.name == name {
      guard case .tensor(_, let shape?)? = info.type else { return nil }
      var dims: [Int] = []
      for dim in shape {
        guard case .value(let value) = dim.dimension else { return nil }
        dims.append(value)
      }
      return dims
    }
    return nil
  }

  /// An int32 bias with zero point 0 and scale `expected[c]` per channel, within ONNX Runtime 1.32's tolerance
  /// for Conv (`|scale - expected| <= 1e-6 + 1% of expected`, measured; microsoft/onnxruntime#28229). The
  /// fused operator takes the int32 values as they are, so a bias at another scale would be misread.
  private func biasFits(_ params: QDQParams, expected: [Float]) -> Bool {
    guard params.type == .int32, params.zeroPoints.allSatisfy({ $0 == 0 }), params.scaleDims.count <= 1 else {
      return false
    }
    let count = max(params.scales.count, expected.count)
    guard params.scales.count == 1 || params.scales.count == count, expected.count == 1 || expected.count == count
    else { return false }
    for channel in 0..<count {
      let given = params.scales[params.scales.count == 1 ? 0 : channel]
      let wanted = expected[expected.count == 1 ? 0 : channel]
      guard abs(given - wanted) <= 1e-6 + 0.01 * abs(wanted) else { return false }
    }
    return true
  }

  // MARK: Conv, MatMul, Gemm

  /// DQ(x), DQ(w) [, DQ(b)] -> Conv -> Q  =>  QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp [, b]).
  private mutating func fuseConv(_ index: Int) {
    guard let node = node(index), let group = collectGroup(index), check(group), group.quantize.count == 1,
      node.inputs.count >= 2, let xIndex = group.dequantize[0], let wIndex = group.dequantize[1],
      let x = activation(xIndex), let y = activation(group.quantize[0]), x.type == y.type,
      let w = params(wIndex), w.isEightBit, perAxisScalesFit(w, weights: quantizedInput(wIndex), axis: { _ in 0 })
    else { return }
    var bias: String? = nil
    if node.inputs.count > 2 && !node.inputs[2].isEmpty {
      guard let bIndex = group.dequantize[2], let b = params(bIndex),
        biasFits(b, expected: w.scales.map { x.scale * $0 })
      else { return }
      bias = quantizedInput(bIndex)
    }
    guard let output = self.node(group.quantize[0])?.outputs[0] else { return }
    var inputs = [
      quantizedInput(xIndex), x.scaleName, zeroPointInput(x), quantizedInput(wIndex), w.scaleName, zeroPointInput(w),
      y.scaleName, zeroPointInput(y),
    ]
    if let bias = bias { inputs.append(bias) }
    remove(group.quantize[0])
    replace(
      index,
      with: Node(
        name: node.name, opType: "QLinearConv", inputs: inputs, outputs: [output], attributes: node.attributes))
  }

  /// DQ(a), DQ(b) -> MatMul -> Q  =>  QLinearMatMul. Without a Q, ONNX Runtime runs MatMulIntegerToFloat,
  /// `float(int32 product) * (a_scale * b_scale)`: here MatMulInteger -> Cast -> Mul, which computes the same.
  private mutating func fuseMatMul(_ index: Int) {
    guard let node = node(index), let group = collectGroup(index), group.dequantizeCount == 2,
      node.inputs.count == 2, let aIndex = group.dequantize[0], let bIndex = group.dequantize[1],
      let a = activation(aIndex), let b = params(bIndex), b.isEightBit,
      perAxisScalesFit(b, weights: quantizedInput(bIndex), axis: { $0 >= 2 ? $0 - 1 : nil })
    else { return }
    if group.quantize.isEmpty {
      guard node.outputs.count == 1 else { return }
      let label = QDQGraph.label(node)
      let scaleTensor = QDQTensors.floats(b.scales.map { a.scale * $0 }, dims: b.scales.count == 1 ? [] : [b.scales.count])
      let scale = addInitializer(label + "_scale", scaleTensor)
      let product = freshValueName(node.outputs[0] + "_int32")
      let converted = freshValueName(node.outputs[0] + "_float")
      createdTypes[product] = .int32
      createdTypes[converted] = .float
      replace(
        index,
        with: Node(
          name: node.name, opType: "MatMulInteger",
          inputs: [quantizedInput(aIndex), quantizedInput(bIndex), zeroPointInput(a), zeroPointInput(b)],
          outputs: [product]))
      add(
        Node(
          name: freshNodeName(label + "/Cast"), opType: "Cast", inputs: [product], outputs: [converted],
          attributes: [Attribute(name: "to", value: .int(Int(DataType.float.rawValue)))]))
      add(Node(name: freshNodeName(label + "/Mul"), opType: "Mul", inputs: [converted, scale], outputs: node.outputs))
      return
    }
    guard check(group), group.quantize.count == 1, let y = activation(group.quantize[0]), y.type == a.type,
      let output = self.node(group.quantize[0])?.outputs[0]
    else { return }
    let inputs = [
      quantizedInput(aIndex), a.scaleName, zeroPointInput(a), quantizedInput(bIndex), b.scaleName, zeroPointInput(b),
      y.scaleName, zeroPointInput(y),
    ]
    remove(group.quantize[0])
    replace(index, with: Node(name: node.name, opType: "QLinearMatMul", inputs: inputs, outputs: [output]))
  }

  /// DQ(A), DQ(B) [, DQ(C)] -> Gemm [-> Q]  =>  com.microsoft QGemm (float output without a Q). A bias needs
  /// alpha and beta 1 and int32 values at scale a_scale * b_scale, zero point 0.
  private mutating func fuseGemm(_ index: Int) {
    guard let node = node(index), let group = collectGroup(index), check(group, allowNoQuantize: true),
      group.quantize.count <= 1, node.inputs.count >= 2, let aIndex = group.dequantize[0],
      let bIndex = group.dequantize[1], let a = activation(aIndex), let b = params(bIndex), b.isEightBit
    else { return }
    var transB = 0
    if case .int(let value)? = node.attribute("transB") { transB = value }
    guard perAxisScalesFit(b, weights: quantizedInput(bIndex), axis: { $0 == 2 ? (transB == 0 ? 1 : 0) : nil }) else {
      return
    }
    var y: QDQParams? = nil
    if let qIndex = group.quantize.first {
      guard let params = activation(qIndex), params.type == a.type else { return }
      y = params
    }
    var bias = ""
    if node.inputs.count > 2 && !node.inputs[2].isEmpty {
      var beta: Float = 1
      var alpha: Float = 1
      if case .float(let value)? = node.attribute("beta") { beta = value }
      if case .float(let value)? = node.attribute("alpha") { alpha = value }
      // ONNX Runtime 1.32 leaves a Gemm with a bias and alpha != 1 in float (checked).
      guard beta == 1, alpha == 1, let cIndex = group.dequantize[2], let c = params(cIndex),
        biasFits(c, expected: b.scales.map { a.scale * $0 })
      else { return }
      bias = quantizedInput(cIndex)
    }
    var inputs = [
      quantizedInput(aIndex), a.scaleName, zeroPointInput(a), quantizedInput(bIndex), b.scaleName, zeroPointInput(b),
    ]
    var outputs = node.outputs
    if let y = y, let qIndex = group.quantize.first, let q = self.node(qIndex) {
      inputs += [bias, y.scaleName, zeroPointInput(y)]
      outputs = [q.outputs[0]]
      remove(qIndex)
    } else if !bias.isEmpty {
      inputs.append(bias)
    }
    replace(
      index,
      with: Node(
        name: node.name, opType: "QGemm", domain: "com.microsoft", inputs: inputs, outputs: outputs,
        attributes: node.attributes.filter { $0.name != "beta" }))
  }

  // MARK: Element-wise

  /// DQ(A), DQ(B) -> Add|Mul -> Q  =>  com.microsoft QLinearAdd|QLinearMul, all three of one type.
  private mutating func fuseBinary(_ index: Int) {
    guard let node = node(index), node.inputs.count == 2, let group = collectGroup(index), check(group),
      group.quantize.count == 1, let a = activation(group.dequantize[0]), let b = activation(group.dequantize[1]),
      let y = activation(group.quantize[0]), a.type == b.type, a.type == y.type,
      let aIndex = group.dequantize[0], let bIndex = group.dequantize[1],
      let output = self.node(group.quantize[0])?.outputs[0]
    else { return }
    let inputs = [
      quantizedInput(aIndex), a.scaleName, zeroPointInput(a), quantizedInput(bIndex), b.scaleName, zeroPointInput(b),
      y.scaleName, zeroPointInput(y),
    ]
    remove(group.quantize[0])
    replace(
      index,
      with: Node(
        name: node.name, opType: "QLinear" + node.opType, domain: "com.microsoft", inputs: inputs, outputs: [output],
        attributes: node.attributes))
  }

  /// DQ -> AveragePool|GlobalAveragePool|LeakyRelu|Sigmoid|Softmax -> Q  =>  com.microsoft QLinear<op>; DQ -> Tanh|HardSigmoid|HardSwish -> Q  =>  ai.onnx-quant QLinearLookup (a table)
  /// (x, x_scale, x_zp, y_scale, y_zp). QLinearSoftmax also gets `opset` (the Softmax version the model
  /// imports) and its axis spelled out.
  private mutating func fuseUnary(_ index: Int) {
    guard let node = node(index), let group = collectGroup(index), check(group, dequantizedInputs: 1),
      group.quantize.count == 1, let xIndex = group.dequantize.first ?? nil, let x = activation(xIndex),
      let y = activation(group.quantize[0]), x.type == y.type, let output = self.node(group.quantize[0])?.outputs[0]
    else { return }
    var attributes = node.attributes
    let lookup = node.opType == "Tanh" || node.opType == "HardSigmoid" || node.opType == "HardSwish"
    if lookup { attributes.append(Attribute(name: "function", value: .string(Array(node.opType.utf8)))) }
    if node.opType == "Softmax" {
      let version = opset >= 13 ? 13 : (opset >= 11 ? 11 : 1)
      attributes.append(Attribute(name: "opset", value: .int(version)))
      if node.attribute("axis") == nil { attributes.append(Attribute(name: "axis", value: .int(version < 13 ? 1 : -1))) }
    }
    let inputs = [quantizedInput(xIndex), x.scaleName, zeroPointInput(x), y.scaleName, zeroPointInput(y)]
    remove(group.quantize[0])
    replace(
      index,
      with: Node(
        name: node.name, opType: lookup ? "QLinearLookup" : "QLinear" + node.opType,
        domain: lookup ? "ai.onnx-quant" : "com.microsoft", inputs: inputs, outputs: [output], attributes: attributes))
  }

  // MARK: Concat, Split, ArgMax

  /// DQ(x1)..DQ(xn) -> Concat -> Q  =>  com.microsoft QLinearConcat(y_scale, y_zp, x1, s1, zp1, ...); when every
  /// input has the output's scale and zero point it is the same bytes, so a plain Concat of the quantized inputs.
  private mutating func fuseConcat(_ index: Int) {
    guard let node = node(index), !node.inputs.isEmpty, let group = collectGroup(index), check(group),
      group.quantize.count == 1, let y = activation(group.quantize[0]),
      let output = self.node(group.quantize[0])?.outputs[0]
    else { return }
    var inputs: [(index: Int, params: QDQParams)] = []
    for slot in 0..<node.inputs.count {
      guard let dqIndex = group.dequantize[slot], let x = activation(dqIndex), x.type == y.type else { return }
      inputs.append((dqIndex, x))
    }
    remove(group.quantize[0])
    if inputs.allSatisfy({ $0.params.scale == y.scale && $0.params.zeroPoint == y.zeroPoint }) {
      replace(
        index,
        with: Node(
          name: node.name, opType: "Concat", inputs: inputs.map { quantizedInput($0.index) }, outputs: [output],
          attributes: node.attributes))
      return
    }
    var fused = [y.scaleName, zeroPointInput(y)]
    for input in inputs {
      fused += [quantizedInput(input.index), input.params.scaleName, zeroPointInput(input.params)]
    }
    replace(
      index,
      with: Node(
        name: node.name, opType: "QLinearConcat", domain: "com.microsoft", inputs: fused, outputs: [output],
        attributes: node.attributes))
  }

  /// DQ -> Split -> Q per output, every Q with the DQ's parameters  =>  Split of the quantized tensor.
  private mutating func fuseSplit(_ index: Int) {
    guard let node = node(index), !node.inputs.isEmpty, let group = collectGroup(index),
      check(group, dequantizedInputs: 1), let dqIndex = group.dequantize[0], let x = params(dqIndex),
      x.isEightOrSixteenBit
    else { return }
    var outputs: [String] = []
    var removed: [Int] = []
    for output in node.outputs {
      if output.isEmpty {
        outputs.append("")
        continue
      }
      guard let use = uses(output).first, let q = params(use.node), x.matches(q), let qNode = self.node(use.node) else {
        return
      }
      outputs.append(qNode.outputs[0])
      removed.append(use.node)
    }
    for qIndex in removed { remove(qIndex) }
    let input = quantizedInput(dqIndex)
    edit(index) { split in
      split.inputs[0] = input
      split.outputs = outputs
    }
  }

  /// DQ -> ArgMax  =>  ArgMax of the quantized tensor (ONNX Runtime's DropDQNodesSelector); a positive scale
  /// keeps the order.
  private mutating func fuseArgMax(_ index: Int) {
    guard let node = node(index), node.inputs.count == 1, let dqIndex = dequantizeProducing(node.inputs[0]),
      let x = params(dqIndex), x.isScalar, x.hasZeroPoint, x.isEightBit, x.scale > 0
    else { return }
    setInput(index, 0, quantizedInput(dqIndex))
  }

  // MARK: Data movement

  /// DQ -> op -> Q with one scale and zero point on both sides  =>  op on the quantized tensor (ONNX
  /// Runtime's DropQDQNodesSelector: Expand, Flatten, Gather, Reshape, Slice, Squeeze, Tile, Transpose,
  /// Unsqueeze; MaxPool, ReduceMax, ReduceMin with a positive scale; Resize in nearest mode). Identity and
  /// Pad, which ONNX Runtime leaves in float, give the same bytes too: Pad's constant becomes the quantized
  /// pad value (the zero point for 0).
  private mutating func fuseDataMovement(_ index: Int) {
    guard let node = node(index), !node.inputs.isEmpty, let group = collectGroup(index),
      check(group, dequantizedInputs: 1), group.quantize.count == 1, let dqIndex = group.dequantize[0],
      let x = params(dqIndex), let q = params(group.quantize[0]), x.matches(q), canRunQuantized(node, x),
      let output = self.node(group.quantize[0])?.outputs[0]
    else { return }
    var inputs = node.inputs
    switch node.opType {
    case "MaxPool":
      guard opset >= 12 else { return }
    case "Resize":
      if case .string(let mode)? = node.attribute("mode"), String(decoding: mode, as: UTF8.self) != "nearest" { return }
    case "Pad":
      guard opset >= 11, let padded = padInputs(node, x) else { return }
      inputs = padded
    default: break
    }
    inputs[0] = quantizedInput(dqIndex)
    remove(group.quantize[0])
    edit(index) { moved in
      moved.inputs = inputs
      moved.outputs[0] = output
    }
  }

  /// Pad's inputs for the quantized tensor: a constant pad value c becomes zp + c / scale when that is a
  /// whole number in range; other modes take no value.
  private mutating func padInputs(_ node: Node, _ x: QDQParams) -> [String]? {
    var inputs = node.inputs
    var mode = "constant"
    if case .string(let bytes)? = node.attribute("mode") { mode = String(decoding: bytes, as: UTF8.self) }
    let given = inputs.count > 2 && !inputs[2].isEmpty
    guard mode == "constant" else {
      if given { inputs[2] = "" }
      return inputs
    }
    var value: Float = 0
    if given {
      guard let tensor = constant(inputs[2]), let values = QDQTensors.floats(tensor), values.count == 1 else {
        return nil
      }
      value = values[0]
    }
    let steps = value / x.scale
    guard steps.isFinite, steps == steps.rounded(), let type = x.type, let range = QDQTensors.range(type) else {
      return nil
    }
    let quantized = x.zeroPoint + Int(steps)
    guard quantized >= range.min && quantized <= range.max else { return nil }
    while inputs.count < 3 { inputs.append("") }
    if quantized == x.zeroPoint && x.hasZeroPoint && x.zeroPointDims.isEmpty {
      inputs[2] = x.zeroPointName
    } else {
      inputs[2] = addInitializer(QDQGraph.label(node) + "_pad_value", QDQTensors.integers([quantized], type, dims: []))
    }
    return inputs
  }
}
