import ONNXFormat

/// Conv and ConvTranspose, float32, NCHW with 1 to 3 spatial axes. The weight must be a load-time
/// constant: it is packed here once for the strategy the shapes call for (see `ConvolutionKernel`).
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
    let scratch =
      transpose
      ? planTranspose(&plan, weights.storage.typed(Float.self))
      : planConv(&plan, weights.storage, biasConstant: biasIsConstant ? context.constant(2) : nil)
    return Prepared(.convolution(plan), outputs: [output], scratchBytes: scratch * 4)
  }

  /// Chooses the Conv strategy and packs W for it; returns the scratch floats.
  static func planConv(_ plan: inout ConvolutionKernel, _ weights: Storage, biasConstant: Constant?) -> Int {
    let window = plan.window
    let cg = plan.inGroupChannels
    let mg = plan.outGroupChannels
    let taps = window.taps
    let k = cg * taps
    let source = UnsafePointer(weights.typed(Float.self))
    if cg == 1 && plan.group > 1 {
      plan.strategy = .depthwise
      plan.weights = weights
      // Each input plane is copied into scratch with its W padding made explicit and split into
      // strideW phases, so that every output column reads contiguous floats for every tap.
      let reach = (window.kernelW - 1) * window.dilationW / window.strideW
      plan.phaseWidth = max(window.gridW, FloatGemm.nr) + reach
      plan.phaseStride = window.imageD * window.imageH * plan.phaseWidth
      return window.strideW * plan.phaseStride
    }
    let pointwise =
      taps == 1 && window.strideD == 1 && window.strideH == 1 && window.strideW == 1 && window.padD == 0
      && window.padH == 0 && window.padW == 0 && window.gridSize == window.imageSize
    plan.strategy = pointwise ? .pointwise : .im2col
    plan.gemmK = k
    let outputs = window.gridSize
    if outputs == 1 && (plan.hasBiasInput == false || biasConstant != nil) {
      // One output position: y[g] = W_g · column, computed as columnᵀ · W_gᵀ so the output
      // channels run along the vector lanes. W_gᵀ is packed as B panels.
      plan.swapped = true
      let packed = FloatGemm.packedBCount(k: k, n: mg)
      let storage = Storage(byteCount: max(packed * plan.group, 1) * 4)
      for g in 0..<plan.group {
        FloatGemm.packB(
          source + g * mg * k, kStride: 1, nStride: k, k: k, n: mg, into: storage.typed(Float.self) + g * packed)
      }
      plan.weights = storage
      plan.weightGroupStride = packed
      if let bias = biasConstant {
        let padded = Storage(byteCount: (plan.outChannels + FloatGemm.nr) * 4)
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
    // im2col in chunks of whole output rows (all of D*H rows when they fit the budget).
    let rows = window.gridD * window.gridH
    let rowFloats = max(k * window.gridW, 1)
    plan.rowsPerChunk = max(1, min(rows, im2colBudget / rowFloats))
    plan.chunkStride = FloatGemm.roundUp(plan.rowsPerChunk * window.gridW, FloatGemm.nr)
    return k * plan.chunkStride
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
