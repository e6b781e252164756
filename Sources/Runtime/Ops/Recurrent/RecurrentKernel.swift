/// What a recurrent step runs. Only LSTM so far; GRU and RNN would be further cells.
public struct RecurrentKernel {
  enum Cell {
    case lstm(LSTMKernel)
  }

  let cell: Cell

  public func run(_ buffers: StepBuffers) {
    switch cell {
    case .lstm(let kernel): kernel.run(buffers)
    }
  }
}

/// An ONNX LSTM with every shape, stride and weight fixed at load.
///
/// Packed weights, per direction, in one 64-byte-aligned `Storage`:
/// - the gate panel: for each tile of 32 gate rows (gates in ONNX order i, o, f, c, padded with zero
///   rows up to `gateWidth`), `depth = input + hidden` rows of 32 floats: W[d]^T rows for the input
///   elements, then R[d]^T rows for the hidden elements. One timestep of one batch row is then a single
///   pass over contiguous memory: gates = bias + [x_t, h_{t-1}] · panel.
/// - the bias Wb + Rb (`gateWidth` floats, zero when B is omitted),
/// - the peepholes P[i], P[o], P[f] (`3 * hidden` floats, padded to a multiple of 32).
struct LSTMKernel {
  /// Gate columns computed together: one packed panel row holds this many gate weights for one
  /// input element, so a tile's accumulators stay in registers (two SIMD16 = 8 SSE / NEON registers).
  static let tileWidth = 32

  var sequenceLength: Int
  var batch: Int
  var inputSize: Int
  var hidden: Int
  var directions: Int
  /// The only direction runs backwards in time (direction = reverse); direction 1 always does.
  var firstReversed: Bool

  // Element strides of X, Y and the state tensors (initial_h, initial_c, Y_h, Y_c), by layout.
  var xStep: Int
  var xBatch: Int
  var yStep: Int
  var yDirection: Int
  var yBatch: Int
  var stateDirection: Int
  var stateBatch: Int

  var packed: Storage
  var directionStride: Int
  var depth: Int
  var tiles: Int
  var gateWidth: Int
  var hasPeepholes: Bool

  /// f, g, h for each direction.
  var activations: [RecurrentActivation]
  var clip: Float?
  var inputForget: Bool
  var outputCount: Int

  /// Scratch, in floats: hidden state [batch, hidden], cell state [batch, hidden], gates [gateWidth].
  var gatesOffset: Int
  var scratchBytes: Int { (gatesOffset + gateWidth) * MemoryLayout<Float>.stride }

  func run(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let initialH = buffers.optionalInput(5, Float.self)
    let initialC = buffers.optionalInput(6, Float.self)
    let outputs = min(outputCount, buffers.outputs.count)
    let y: UnsafeMutablePointer<Float>? = outputs > 0 ? buffers.output(0, Float.self) : nil
    let yH: UnsafeMutablePointer<Float>? = outputs > 1 ? buffers.output(1, Float.self) : nil
    let yC: UnsafeMutablePointer<Float>? = outputs > 2 ? buffers.output(2, Float.self) : nil
    let scratch = buffers.scratch(Float.self)
    let hState = scratch
    let cState = scratch + batch * hidden
    let gates = scratch + gatesOffset
    let weights = UnsafePointer(packed.typed(Float.self))

    for direction in 0..<directions {
      for row in 0..<batch {
        let state = direction * stateDirection + row * stateBatch
        let h = hState + row * hidden
        let c = cState + row * hidden
        if let initialH {
          h.update(from: initialH + state, count: hidden)
        } else {
          h.update(repeating: 0, count: hidden)
        }
        if let initialC {
          c.update(from: initialC + state, count: hidden)
        } else {
          c.update(repeating: 0, count: hidden)
        }
      }
      let panel = weights + direction * directionStride
      let bias = panel + tiles * depth * LSTMKernel.tileWidth
      let peepholes = bias + gateWidth
      let f = activations[3 * direction]
      let g = activations[3 * direction + 1]
      let hAct = activations[3 * direction + 2]
      let standard = f == .sigmoid && g == .tanh && hAct == .tanh
      let reversed = direction == 1 || firstReversed

      for step in 0..<sequenceLength {
        let time = reversed ? sequenceLength - 1 - step : step
        for row in 0..<batch {
          let h = hState + row * hidden
          let c = cState + row * hidden
          gateProducts(
            panel: panel, bias: bias, x: x + time * xStep + row * xBatch, h: h, gates: gates)
          if standard {
            updateStandardCell(gates: gates, peepholes: peepholes, c: c, h: h)
          } else {
            updateCell(f, g, hAct, gates: gates, peepholes: peepholes, c: c, h: h)
          }
          if let y {
            (y + time * yStep + direction * yDirection + row * yBatch).update(
              from: h, count: hidden)
          }
        }
      }

      for row in 0..<batch {
        let state = direction * stateDirection + row * stateBatch
        if let yH { (yH + state).update(from: hState + row * hidden, count: hidden) }
        if let yC { (yC + state).update(from: cState + row * hidden, count: hidden) }
      }
    }
  }

  /// gates[0..<gateWidth] = bias + x · W^T + h · R^T, one 32-gate tile at a time with the
  /// accumulators in registers and the panel read once, front to back.
  @inline(__always)
  func gateProducts(
    panel: UnsafePointer<Float>, bias: UnsafePointer<Float>, x: UnsafePointer<Float>,
    h: UnsafePointer<Float>,
    gates: UnsafeMutablePointer<Float>
  ) {
    var weights = UnsafeRawPointer(panel)
    let biasBytes = UnsafeRawPointer(bias)
    let gateBytes = UnsafeMutableRawPointer(gates)
    let rowBytes = LSTMKernel.tileWidth * MemoryLayout<Float>.stride
    for tile in 0..<tiles {
      var low = biasBytes.load(fromByteOffset: tile * rowBytes, as: SIMD16<Float>.self)
      var high = biasBytes.load(fromByteOffset: tile * rowBytes + 64, as: SIMD16<Float>.self)
      for k in 0..<inputSize {
        let value = SIMD16<Float>(repeating: x[k])
        low = RecurrentMath.multiplyAdd(low, weights.load(as: SIMD16<Float>.self), value)
        high = RecurrentMath.multiplyAdd(
          high, weights.load(fromByteOffset: 64, as: SIMD16<Float>.self), value)
        weights += rowBytes
      }
      for k in 0..<hidden {
        let value = SIMD16<Float>(repeating: h[k])
        low = RecurrentMath.multiplyAdd(low, weights.load(as: SIMD16<Float>.self), value)
        high = RecurrentMath.multiplyAdd(
          high, weights.load(fromByteOffset: 64, as: SIMD16<Float>.self), value)
        weights += rowBytes
      }
      gateBytes.storeBytes(of: low, toByteOffset: tile * rowBytes, as: SIMD16<Float>.self)
      gateBytes.storeBytes(of: high, toByteOffset: tile * rowBytes + 64, as: SIMD16<Float>.self)
    }
  }

  /// `updateCell` for the default activations (f = sigmoid, g = h = tanh), eight hidden units at a time.
  @inline(__always)
  func updateStandardCell(
    gates: UnsafeMutablePointer<Float>, peepholes: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>,
    h: UnsafeMutablePointer<Float>
  ) {
    let n = hidden
    let full = n - n % 8
    var j = 0
    while j < full {
      let (cell, output) = standardLanes(
        i: RecurrentMath.load(gates + j), o: RecurrentMath.load(gates + n + j),
        f: RecurrentMath.load(gates + 2 * n + j),
        c: RecurrentMath.load(gates + 3 * n + j), previous: RecurrentMath.load(c + j),
        peepholes: hasPeepholes
          ? (
            RecurrentMath.load(peepholes + j), RecurrentMath.load(peepholes + n + j),
            RecurrentMath.load(peepholes + 2 * n + j)
          ) : nil)
      RecurrentMath.store(cell, c + j)
      RecurrentMath.store(output, h + j)
      j += 8
    }
    if full < n {
      let rest = n - full
      let (cell, output) = standardLanes(
        i: RecurrentMath.load(gates + j, count: rest),
        o: RecurrentMath.load(gates + n + j, count: rest),
        f: RecurrentMath.load(gates + 2 * n + j, count: rest),
        c: RecurrentMath.load(gates + 3 * n + j, count: rest),
        previous: RecurrentMath.load(c + j, count: rest),
        peepholes: hasPeepholes
          ? (
            RecurrentMath.load(peepholes + j, count: rest),
            RecurrentMath.load(peepholes + n + j, count: rest),
            RecurrentMath.load(peepholes + 2 * n + j, count: rest)
          ) : nil)
      RecurrentMath.store(cell, c + j, count: rest)
      RecurrentMath.store(output, h + j, count: rest)
    }
  }

  /// New cell state and hidden state of eight units from their gate pre-activations (i, o, f, c),
  /// previous cell state and peepholes (P[i], P[o], P[f]).
  @inline(__always)
  func standardLanes(
    i: RecurrentLanes, o: RecurrentLanes, f: RecurrentLanes, c: RecurrentLanes,
    previous: RecurrentLanes, peepholes: (RecurrentLanes, RecurrentLanes, RecurrentLanes)?
  ) -> (cell: RecurrentLanes, output: RecurrentLanes) {
    var inputGate = i
    var forgetGate = f
    var cellGate = c
    if let peepholes {
      inputGate += peepholes.0 * previous
      forgetGate += peepholes.2 * previous
    }
    if let clip {
      let upper = RecurrentLanes(repeating: clip)
      let lower = RecurrentLanes(repeating: -clip)
      inputGate = pointwiseMax(pointwiseMin(inputGate, upper), lower)
      forgetGate = pointwiseMax(pointwiseMin(forgetGate, upper), lower)
      cellGate = pointwiseMax(pointwiseMin(cellGate, upper), lower)
    }
    let input = RecurrentMath.sigmoid(inputGate)
    let forget =
      inputForget ? RecurrentLanes(repeating: 1) - input : RecurrentMath.sigmoid(forgetGate)
    let cell = forget * previous + input * RecurrentMath.tanh(cellGate)
    var outputGate = o
    if let peepholes { outputGate += peepholes.1 * cell }
    if let clip {
      outputGate = pointwiseMax(
        pointwiseMin(outputGate, RecurrentLanes(repeating: clip)), RecurrentLanes(repeating: -clip))
    }
    return (cell, RecurrentMath.sigmoid(outputGate) * RecurrentMath.tanh(cell))
  }

  /// The element-wise half of a step: activations, the new cell state C_t into `c` and H_t into `h`.
  @inline(__always)
  func updateCell(
    _ f: RecurrentActivation, _ g: RecurrentActivation, _ hAct: RecurrentActivation,
    gates: UnsafeMutablePointer<Float>, peepholes: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>,
    h: UnsafeMutablePointer<Float>
  ) {
    let n = hidden
    let limit = clip ?? 0
    let clipped = clip != nil
    for j in 0..<n {
      let previous = c[j]
      var inputGate = gates[j]
      var forgetGate = gates[2 * n + j]
      var cellGate = gates[3 * n + j]
      if hasPeepholes {
        inputGate += peepholes[j] * previous
        forgetGate += peepholes[2 * n + j] * previous
      }
      if clipped {
        inputGate = Swift.min(Swift.max(inputGate, -limit), limit)
        forgetGate = Swift.min(Swift.max(forgetGate, -limit), limit)
        cellGate = Swift.min(Swift.max(cellGate, -limit), limit)
      }
      let i = f(inputGate)
      let forget = inputForget ? 1 - i : f(forgetGate)
      let cell = forget * previous + i * g(cellGate)
      var outputGate = gates[n + j]
      if hasPeepholes { outputGate += peepholes[n + j] * cell }
      if clipped { outputGate = Swift.min(Swift.max(outputGate, -limit), limit) }
      c[j] = cell
      h[j] = f(outputGate) * hAct(cell)
    }
  }
}
