import ONNXFormat

/// Prepares the recurrent operators: LSTM (opsets 1, 7, 14, 22), float32.
enum RecurrentOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .lstm: return try prepareLSTM(context)
    default: throw context.unsupported("is not a recurrent operator")
    }
  }

  // LSTM inputs: X, W, R, B, sequence_lens, initial_h, initial_c, P.
  // Outputs: Y, Y_h, Y_c (each optional).
  static func prepareLSTM(_ context: OpContext) throws(RuntimeError) -> Prepared {
    guard context.inputCount >= 3 && context.inputCount <= 8 else {
      throw context.error("takes 3 to 8 inputs, not " + String(context.inputCount))
    }
    guard context.outputCount <= 3 else {
      throw context.error("has at most 3 outputs (Y, Y_h, Y_c), not " + String(context.outputCount))
    }

    // Attributes.
    let directionName = try context.string("direction", "forward")
    let directions: Int
    switch directionName {
    case "forward", "reverse": directions = 1
    case "bidirectional": directions = 2
    default:
      throw context.error(
        "direction '" + directionName + "' is not forward, reverse or bidirectional")
    }
    let layout = context.opset >= 14 ? try context.int("layout", 0) : 0
    guard layout == 0 || layout == 1 else {
      throw context.error("layout " + String(layout) + " is not 0 or 1")
    }
    let inputForget = try context.int("input_forget", 0)
    guard inputForget == 0 || inputForget == 1 else {
      throw context.error("input_forget " + String(inputForget) + " is not 0 or 1")
    }
    var clip: Float? = nil
    if context.has(attribute: "clip") {
      let value = try context.float("clip", 0)
      guard value > 0 else { throw context.error("clip must be positive") }
      clip = value
    }

    // X and the sizes it fixes.
    let xType = try context.input(0)
    try requireFloat(context, xType, "X")
    guard xType.rank == 3 else {
      throw context.error(
        "X must have rank 3 (" + (layout == 0 ? "[seq, batch, input]" : "[batch, seq, input]")
          + "), not " + xType.text)
    }
    let sequenceLength = layout == 0 ? xType.shape[0] : xType.shape[1]
    let batch = layout == 0 ? xType.shape[1] : xType.shape[0]
    let inputSize = xType.shape[2]

    // W and R: load-time values fixing hidden_size.
    let w = try context.requireConstant(1, "W")
    let r = try context.requireConstant(2, "R")
    try requireFloat(context, w.type, "W")
    try requireFloat(context, r.type, "R")
    guard
      r.type.rank == 3 && r.type.shape[0] == directions && r.type.shape[2] >= 1
        && r.type.shape[1] == 4 * r.type.shape[2]
    else {
      throw context.error(
        "R must be [" + String(directions) + ", 4 * hidden_size, hidden_size], not " + r.type.text)
    }
    let hidden = r.type.shape[2]
    if context.has(attribute: "hidden_size") {
      let attribute = try context.int("hidden_size", 0)
      guard attribute == hidden else {
        throw context.error(
          "hidden_size " + String(attribute) + " does not match R " + r.type.text)
      }
    }
    guard w.type.shape == [directions, 4 * hidden, inputSize] else {
      throw context.error(
        "W must be " + dimsText([directions, 4 * hidden, inputSize]) + " for X " + xType.text
          + " and R " + r.type.text + ", not " + dimsText(w.type.shape))
    }

    // Optional inputs.
    var bias: Constant? = nil
    if context.has(3) {
      let value = try context.requireConstant(3, "B")
      try requireFloat(context, value.type, "B")
      guard value.type.shape == [directions, 8 * hidden] else {
        throw context.error(
          "B must be " + dimsText([directions, 8 * hidden]) + ", not " + dimsText(value.type.shape))
      }
      bias = value
    }
    if context.has(4) {
      let type = try context.input(4)
      guard type.dataType == .int32 else {
        throw context.error("sequence_lens must be int32, not " + type.text)
      }
      guard type.shape == [batch] else {
        throw context.error(
          "sequence_lens must be " + dimsText([batch]) + ", not " + dimsText(type.shape))
      }
      guard let lengths = try context.requireConstant(4, "sequence_lens").integers() else {
        throw context.error("sequence_lens must be an integer tensor")
      }
      for length in lengths where length != sequenceLength {
        throw context.unsupported(
          "sequence_lens " + String(length) + " differs from the sequence length "
            + String(sequenceLength) + "; only full-length sequences are supported")
      }
    }
    let stateShape = layout == 0 ? [directions, batch, hidden] : [batch, directions, hidden]
    for (index, name) in [(5, "initial_h"), (6, "initial_c")] where context.has(index) {
      let type = try context.input(index)
      try requireFloat(context, type, name)
      guard type.shape == stateShape else {
        throw context.error(
          name + " must be " + dimsText(stateShape) + ", not " + dimsText(type.shape))
      }
    }
    var peepholes: Constant? = nil
    if context.has(7) {
      let value = try context.requireConstant(7, "P")
      try requireFloat(context, value.type, "P")
      guard value.type.shape == [directions, 3 * hidden] else {
        throw context.error(
          "P must be " + dimsText([directions, 3 * hidden]) + ", not " + dimsText(value.type.shape))
      }
      peepholes = value
    }

    let activations = try lstmActivations(context, directions: directions)

    // Output types.
    let yShape =
      layout == 0
      ? [sequenceLength, directions, batch, hidden] : [batch, sequenceLength, directions, hidden]
    var outputs: [TensorType] = []
    for index in 0..<context.outputCount {
      outputs.append(try context.checkedType(.float, index == 0 ? yShape : stateShape))
    }

    // Pack W, R, B and P.
    let depth = inputSize + hidden
    let tiles = (4 * hidden + LSTMKernel.tileWidth - 1) / LSTMKernel.tileWidth
    let gateWidth = tiles * LSTMKernel.tileWidth
    let peepholeFloats =
      (3 * hidden + LSTMKernel.tileWidth - 1) / LSTMKernel.tileWidth * LSTMKernel.tileWidth
    let panelFloats = tiles * depth * LSTMKernel.tileWidth
    let directionStride = panelFloats + gateWidth + peepholeFloats
    guard let totalFloats = elementCount([directions, directionStride]) else {
      throw context.error("packed weights are too large")
    }
    let packed = Storage(byteCount: totalFloats * MemoryLayout<Float>.stride)
    let target = packed.typed(Float.self)
    let wValues = UnsafePointer(w.storage.typed(Float.self))
    let rValues = UnsafePointer(r.storage.typed(Float.self))
    for direction in 0..<directions {
      let base = target + direction * directionStride
      for gate in 0..<(4 * hidden) {
        let tile = gate / LSTMKernel.tileWidth
        let lane = gate % LSTMKernel.tileWidth
        let wRow = wValues + (direction * 4 * hidden + gate) * inputSize
        let rRow = rValues + (direction * 4 * hidden + gate) * hidden
        let column = base + tile * depth * LSTMKernel.tileWidth + lane
        for k in 0..<inputSize { column[k * LSTMKernel.tileWidth] = wRow[k] }
        for k in 0..<hidden { column[(inputSize + k) * LSTMKernel.tileWidth] = rRow[k] }
      }
      if let bias {
        let values = UnsafePointer(bias.storage.typed(Float.self)) + direction * 8 * hidden
        for gate in 0..<(4 * hidden) {
          base[panelFloats + gate] = values[gate] + values[4 * hidden + gate]
        }
      }
      if let peepholes {
        let values = UnsafePointer(peepholes.storage.typed(Float.self)) + direction * 3 * hidden
        (base + panelFloats + gateWidth).update(from: values, count: 3 * hidden)
      }
    }

    // Scratch: h and c per batch row, then the gates of one row, kept 64-byte aligned from the base.
    let gatesOffset = (2 * batch * hidden + 15) / 16 * 16
    let kernel = LSTMKernel(
      sequenceLength: sequenceLength, batch: batch, inputSize: inputSize, hidden: hidden,
      directions: directions,
      firstReversed: directionName == "reverse",
      xStep: layout == 0 ? batch * inputSize : inputSize,
      xBatch: layout == 0 ? inputSize : sequenceLength * inputSize,
      yStep: layout == 0 ? directions * batch * hidden : directions * hidden,
      yDirection: layout == 0 ? batch * hidden : hidden,
      yBatch: layout == 0 ? hidden : sequenceLength * directions * hidden,
      stateDirection: layout == 0 ? batch * hidden : hidden,
      stateBatch: layout == 0 ? hidden : directions * hidden,
      packed: packed, directionStride: directionStride, depth: depth, tiles: tiles,
      gateWidth: gateWidth,
      hasPeepholes: peepholes != nil, activations: activations, clip: clip,
      inputForget: inputForget == 1,
      outputCount: context.outputCount, gatesOffset: gatesOffset)
    return Prepared(
      .recurrent(RecurrentKernel(cell: .lstm(kernel))), outputs: outputs,
      scratchBytes: kernel.scratchBytes)
  }

  /// f, g, h per direction from `activations`, `activation_alpha` and `activation_beta`. Each function
  /// takes the next alpha and beta only if it uses them, and its default once a list runs out
  /// (as onnxruntime reads them).
  static func lstmActivations(_ context: OpContext, directions: Int) throws(RuntimeError)
    -> [RecurrentActivation]
  {
    var names: [[UInt8]] = []
    switch context.node.attribute("activations") {
    case nil:
      for _ in 0..<directions {
        names += [Array("Sigmoid".utf8), Array("Tanh".utf8), Array("Tanh".utf8)]
      }
    case .strings(let values): names = values
    default: throw context.error("attribute 'activations' must be a list of strings")
    }
    guard names.count == 3 * directions else {
      throw context.error(
        "activations lists " + String(names.count) + " functions; " + String(directions)
          + (directions == 1 ? " direction needs " : " directions need ") + String(3 * directions))
    }
    let alphas = try context.floats("activation_alpha") ?? []
    let betas = try context.floats("activation_beta") ?? []
    var nextAlpha = 0
    var nextBeta = 0
    var result: [RecurrentActivation] = []
    for name in names {
      guard let kind = RecurrentActivation.kind(named: name) else {
        throw context.unsupported(
          "activation '" + String(decoding: name, as: UTF8.self) + "' is not supported")
      }
      var activation = RecurrentActivation(kind)
      let defaults = RecurrentActivation.parameters(kind)
      if let alpha = defaults.alpha {
        activation.alpha = nextAlpha < alphas.count ? alphas[nextAlpha] : alpha
        nextAlpha += 1
      }
      if let beta = defaults.beta {
        activation.beta = nextBeta < betas.count ? betas[nextBeta] : beta
        nextBeta += 1
      }
      result.append(activation)
    }
    return result
  }

  static func requireFloat(_ context: OpContext, _ type: TensorType, _ name: String)
    throws(RuntimeError)
  {
    guard type.dataType == .float else {
      throw context.unsupported(name + " is " + type.text + "; only float32 is supported")
    }
  }
}
