import ONNXFormat

/// Conv, FusedConv (com.microsoft: Conv then an activation) and ConvTranspose, float32, NCHW with 1 to
/// 3 spatial axes. The weight must be a load-time constant: it is packed here once for the strategy the
/// shapes call for (see `ConvolutionKernel`).
enum ConvolutionOps {
  /// Floats of im2col buffer one chunk may use; whole output rows are gathered per chunk.
  static var im2colBudget: Int { 32 * 1024 }

  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try context.input(0)
    let w = try context.input(1)
    guard x.dataType == .float && w.dataType == .float else {
      throw context.unsupported("supports float32 only; X is " + x.text + ", W is " + w.text)
    }
    guard x.rank >= 3 else { throw context.error("X must be [N, C, spatial...], got " + x.text) }
    guard x.rank <= 5 else { throw context.unsupported("supports 1 to 3 spatial axes; X is " + x.text) }
    guard w.rank == x.rank else { throw context.error("W " + w.text + " must have the rank of X " + x.text) }
    let attributes = try ConvAttributes(context, kernel: Array(w.shape[2...]))
    let group = attributes.group
    let transpose = context.op == .convTranspose
    var activation = FloatActivation.none
    if context.op == .fusedConv {
      if context.has(3) { throw context.unsupported("the sum input Z is not supported") }
      let name = try context.string("activation", "")
      let parameters = try context.floats("activation_params") ?? []
      guard let parsed = FloatActivation(name: name, parameters: parameters) else {
        throw context.unsupported(
          "activation '" + name + "' with " + String(parameters.count) + " activation_params is not supported")
      }
      activation = parsed
    }
    let inChannels = x.shape[1]
    let outChannels: Int
    if transpose {
      // W is [C_in, C_out / group, k...].
      guard w.shape[0] == inChannels else {
        throw context.error(
          "X has " + String(inChannels) + " channels but W " + w.text + " expects " + String(w.shape[0]))
      }
      guard inChannels % group == 0 else {
        throw context.error(String(inChannels) + " input channels do not split into " + String(group) + " groups")
      }
      outChannels = w.shape[1] * group
    } else {
      // W is [C_out, C_in / group, k...].
      guard w.shape[1] * group == inChannels else {
        throw context.error(
          "X has " + String(inChannels) + " channels but W " + w.text + " with group " + String(group) + " expects "
            + String(w.shape[1] * group))
      }
      outChannels = w.shape[0]
      guard outChannels % group == 0 else {
        throw context.error(String(outChannels) + " output channels do not split into " + String(group) + " groups")
      }
    }
    var biasIsConstant = false
    if context.has(2) {
      let b = try context.input(2)
      guard b.dataType == .float && b.shape == [outChannels] else {
        throw context.error("bias B must be float32[" + String(outChannels) + "], got " + b.text)
      }
      biasIsConstant = context.constant(2) != nil
    }
    let weights = try context.requireConstant(1, "the weights W")
    let inputSpatial = Array(x.shape[2...])
    let (outputSpatial, padsBegin) =
      transpose
      ? try attributes.transposeOutput(context, input: inputSpatial)
      : try attributes.convOutput(context, input: inputSpatial)
    let output = try context.checkedType(.float, [x.shape[0], outChannels] + outputSpatial)

    var plan = ConvolutionKernel(
      batch: x.shape[0], inChannels: inChannels, outChannels: outChannels, group: group,
      window: transpose
        ? attributes.window(image: outputSpatial, grid: inputSpatial, padsBegin: padsBegin)
        : attributes.window(image: inputSpatial, grid: outputSpatial, padsBegin: padsBegin),
      hasBiasInput: context.has(2))
    plan.activation = activation
    let scratch =
      transpose
      ? planTranspose(&plan, weights.storage.typed(Float.self))
      : planConv(&plan, weights.storage, biasConstant: biasIsConstant ? context.constant(2) : nil)
    var prepared = Prepared(.convolution(plan), outputs: [output], scratchBytes: scratch * 4)
    // Pointwise and im2col products split across threads (`FloatGemm.multiplyInParallel`).
    let work = x.shape[0] * plan.outChannels * plan.window.gridSize * plan.gemmK
    prepared.parallel =
      (plan.strategy == .pointwise || plan.strategy == .im2col) && work >= FloatGemm.parallelWork
    return prepared
  }

  /// Chooses the Conv strategy and packs W for it; returns the scratch floats.
  static func planConv(_ plan: inout ConvolutionKernel, _ weights: Storage, biasConstant: Constant?) -> Int {
    let window = plan.window
    let cg = plan.inGroupChannels
    let mg = plan.outGroupChannels
    let taps = window.taps
    let k = cg * taps
    let lanes = FloatGemm.nr
    let source = UnsafePointer(weights.typed(Float.self))
    if cg == 1 && plan.group > 1 {
      plan.strategy = .depthwise
      plan.weights = weights
      // Short rows keep the image's rows when W needs no split and the mask table stays small; planes
      // of two or three vectors do better padded, several channels at a time (measured, vww_mobilenet).
      let planeSize = window.gridH * window.gridW
      let masked =
        ConvPhases.canMask(window) && window.gridW < 2 * lanes && (planeSize <= lanes || planeSize > 3 * lanes)
        && planeSize * window.kernelW * 4 <= 16 * 1024
      plan.phases = ConvPhases(window, masked: masked)
      plan.tapOffsets = tapOffsets(plan.phases, window)
      ConvolutionKernel.planDepthwise(&plan)
      let flat = plan.phases.flatCount(rows: window.gridH, gridW: window.gridW)
      let group = plan.depthwiseGroup
      plan.depthwiseFlatStride = FloatGemm.roundUp(flat, lanes) + lanes
      plan.columnsOffset = group * plan.phases.channelStride
      return plan.columnsOffset + group * plan.depthwiseFlatStride
    }
    let pointwise =
      taps == 1 && window.strideD == 1 && window.strideH == 1 && window.strideW == 1 && window.padD == 0
      && window.padH == 0 && window.padW == 0 && window.gridSize == window.imageSize
    plan.strategy = pointwise ? .pointwise : .im2col
    plan.gemmK = k
    let outputs = window.gridSize

    // im2col: chunks of output rows of one depth slice, laid out flat with the phased planes' pitch.
    var chunkColumns = outputs
    var compacted = false
    if !pointwise {
      let phases = ConvPhases(window)
      plan.phases = phases
      plan.tapOffsets = tapOffsets(phases, window)
      plan.directColumns = taps == 1 && window.imageD == 1 && window.gridD == 1
      if plan.directColumns {
        plan.rowsPerChunk = phases.columns == window.gridW ? window.gridH : 1
      } else if phases.columns != window.gridW && window.gridW >= 32 {
        // Long rows: one row per chunk, written straight into Y.
        plan.rowsPerChunk = 1
      } else {
        let rowFloats = max(k * phases.columns, 1)
        plan.rowsPerChunk = max(1, min(window.gridH, im2colBudget / rowFloats))
      }
      chunkColumns = phases.flatCount(rows: plan.rowsPerChunk, gridW: window.gridW)
      plan.chunkStride = FloatGemm.roundUp(max(chunkColumns, 1), lanes)
      compacted = plan.rowsPerChunk > 1 && phases.columns != window.gridW
    }

    // Orientation: the output channels or the output positions along the vector lanes, whichever
    // wastes less (a run-time bias needs the channels as rows).
    if plan.hasBiasInput == false || biasConstant != nil {
      let normal = tileCost(rows: mg) * ((chunkColumns + lanes - 1) / lanes) * k
      var swapped = tileCost(rows: chunkColumns) * ((mg + lanes - 1) / lanes) * k
      if outputs > 1 { swapped += chunkColumns * mg }  // one store per element, transposed
      plan.swapped = swapped < normal
    }
    if plan.swapped {
      // W_gᵀ packed as B panels, so that the output channels run along the vector lanes.
      let packed = FloatGemm.packedBCount(k: k, n: mg)
      let storage = Storage(byteCount: max(packed * plan.group, 1) * 4)
      for g in 0..<plan.group {
        FloatGemm.packB(
          source + g * mg * k, kStride: 1, nStride: k, k: k, n: mg, into: storage.typed(Float.self) + g * packed)
      }
      plan.weights = storage
      plan.weightGroupStride = packed
      if let bias = biasConstant {
        let padded = Storage(byteCount: (plan.outChannels + lanes) * 4)
        padded.pointer.copyMemory(from: bias.storage.pointer, byteCount: plan.outChannels * 4)
        plan.paddedBias = padded
      }
    } else {
      let packed = FloatGemm.packedACount(m: mg, k: k)
      let storage = Storage(byteCount: max(packed * plan.group, 1) * 4)
      for g in 0..<plan.group {
        FloatGemm.packA(
          source + g * mg * k, rowStride: k, kStride: 1, m: mg, k: k, into: storage.typed(Float.self) + g * packed)
      }
      plan.weights = storage
      plan.weightGroupStride = packed
    }
    if pointwise {
      return plan.swapped ? 0 : FloatGemm.tailScratchCount(n: outputs, k: k, bPackedOrPadded: false)
    }
    // A 2-D image with the channels as rows (and more than one): the product reads col where it is.
    if !plan.directColumns && !plan.swapped && mg > 1 && window.imageD == 1 && window.kernelD == 1 {
      let taps = UnsafePointer(plan.tapOffsets.unsafelyUnwrapped.typed(Int.self))
      var offsets: [Int] = []
      for c in 0..<cg {
        for t in 0..<window.taps { offsets.append(c * plan.phases.channelStride + taps[t]) }
      }
      plan.indirectColumns = Storage(values: offsets)
      // No col: chunks as large as the flat result's budget allows.
      let columns = plan.phases.columns
      plan.rowsPerChunk =
        columns == window.gridW
        ? window.gridH : max(1, min(window.gridH, im2colBudget / max(mg * columns, 1)))
      let chunk = plan.phases.flatCount(rows: plan.rowsPerChunk, gridW: window.gridW)
      plan.chunkStride = FloatGemm.roundUp(max(chunk, 1), lanes)
      compacted = plan.rowsPerChunk > 1 && columns != window.gridW
    }
    // Scratch: the phased planes of one group, then col, then the flat result when rows are compacted.
    plan.columnsOffset = cg * plan.phases.channelStride
    let columnFloats = plan.directColumns || plan.indirectColumns != nil ? 0 : k * plan.chunkStride
    plan.resultOffset = plan.columnsOffset + columnFloats
    return plan.resultOffset + (compacted ? mg * plan.chunkStride : 0)
  }

  /// The offset of every tap (kh, kw) of one depth slice within the phased planes, kw fastest.
  static func tapOffsets(_ phases: ConvPhases, _ window: ConvWindow) -> Storage {
    var offsets: [Int] = []
    for kh in 0..<window.kernelH {
      for kw in 0..<window.kernelW { offsets.append(phases.tapOffset(window, kh: kh, kw: kw)) }
    }
    return Storage(values: offsets)
  }

  /// Cycles, per step over K and per 16-lane panel, of the row tiles of `rows` rows: a tile of fewer than
  /// four rows is bound by the multiply-add latency rather than its count.
  static func tileCost(rows: Int) -> Int {
    var total = 0
    for t in 0..<FloatGemm.tileCount(m: rows) { total += max(FloatGemm.tile(t, m: rows).rows, 4) }
    return total
  }

  /// ConvTranspose: col[(m, taps), positions] = W_gᵀ · X_g, then col2im into Y; X is taken in chunks
  /// of whole input rows so that col stays within the im2col budget. Packs W_gᵀ as A.
  static func planTranspose(_ plan: inout ConvolutionKernel, _ source: UnsafeMutablePointer<Float>) -> Int {
    plan.strategy = .transpose
    let window = plan.window
    let cg = plan.inGroupChannels
    let rows = plan.outGroupChannels * window.taps
    let packed = FloatGemm.packedACount(m: rows, k: cg)
    let storage = Storage(byteCount: max(packed * plan.group, 1) * 4)
    for g in 0..<plan.group {
      FloatGemm.packA(
        source + g * cg * rows, rowStride: 1, kStride: rows, m: rows, k: cg,
        into: storage.typed(Float.self) + g * packed)
    }
    plan.weights = storage
    plan.weightGroupStride = packed
    plan.gemmK = cg
    let gridRows = window.gridD * window.gridH
    plan.rowsPerChunk = max(1, min(gridRows, im2colBudget / max(rows * window.gridW, 1)))
    let chunkColumns = plan.rowsPerChunk * window.gridW
    let lastColumns = (gridRows - (gridRows - 1) / plan.rowsPerChunk * plan.rowsPerChunk) * window.gridW
    plan.tailOffset = rows * chunkColumns
    return plan.tailOffset
      + FloatGemm.tailScratchCount(n: min(chunkColumns, lastColumns), k: cg, bPackedOrPadded: false)
  }
}
