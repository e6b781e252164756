/// Depthwise convolution (one input channel per group, any channel multiplier), computed directly.
///
/// Each input plane is first copied into scratch as `strideW` phases: phase `p`, row `r`, index `i`
/// holds the W-padded image row `r` at column `i * strideW + p` (zero in the padding). Output column
/// `gx` of tap `kw` then reads phase `(kw * dilationW) % strideW` at `gx + (kw * dilationW) / strideW`:
/// consecutive output columns read consecutive floats, for every stride and dilation. Rows outside the
/// image (H and D padding) are skipped per output row. Output rows are computed up to six vectors at a time.
extension ConvolutionKernel {
  typealias Vector = FloatGemm.Vector

  func runDepthwise(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let filters = UnsafePointer(weights.unsafelyUnwrapped.typed(Float.self))
    let phases = buffers.scratch(Float.self)
    let multiplier = outGroupChannels
    for n in 0..<batch {
      for c in 0..<inChannels {
        fillPhases(x + (n * inChannels + c) * window.imageSize, into: phases)
        for j in 0..<multiplier {
          let m = c * multiplier + j
          depthwisePlane(
            UnsafePointer(phases), filters + m * window.taps, bias == nil ? 0 : bias.unsafelyUnwrapped[m],
            y + (n * outChannels + m) * window.gridSize)
        }
      }
    }
  }

  /// Copies one input plane into its padded, phased layout.
  func fillPhases(_ image: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
    let w = window
    let rows = w.imageD * w.imageH
    for phase in 0..<w.strideW {
      let columns = ConvWindow.validRange(offset: phase - w.padW, stride: w.strideW, grid: phaseWidth, image: w.imageW)
      let count = columns.upper - columns.lower
      for r in 0..<rows {
        let out = phases + phase * phaseStride + r * phaseWidth
        FloatGemm.zero(out, columns.lower)
        if count > 0 {
          let source = image + r * w.imageW + columns.lower * w.strideW + phase - w.padW
          let target = out + columns.lower
          switch w.strideW {
          case 1: FloatGemm.copy(source, target, count)
          case 2: FloatGemm.copyEven(source, target, count)
          default: for index in 0..<count { target[index] = source[index * w.strideW] }
          }
        }
        FloatGemm.zero(out + columns.upper, phaseWidth - columns.upper)
      }
    }
  }

  /// One output plane from the phased input plane. Common kernel widths at stride 1 get their own
  /// copy with the tap loop unrolled.
  func depthwisePlane(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) {
    switch (window.kernelW, window.strideW) {
    case (3, 1): depthwisePlane3(phases, filter, bias, out)
    case (5, 1): depthwisePlane5(phases, filter, bias, out)
    case (7, 1): depthwisePlane7(phases, filter, bias, out)
    case (_, 1): depthwisePlaneUnitStride(phases, filter, bias, out)
    default: depthwisePlaneStrided(phases, filter, bias, out)
    }
  }

  // One function per variant, each holding one copy of the body with its constants folded.
  @inline(never)
  func depthwisePlane3(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) { depthwisePlane(phases, filter, bias, out, kernelWidth: 3, unitStride: true) }

  @inline(never)
  func depthwisePlane5(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) { depthwisePlane(phases, filter, bias, out, kernelWidth: 5, unitStride: true) }

  @inline(never)
  func depthwisePlane7(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) { depthwisePlane(phases, filter, bias, out, kernelWidth: 7, unitStride: true) }

  @inline(never)
  func depthwisePlaneUnitStride(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) { depthwisePlane(phases, filter, bias, out, kernelWidth: window.kernelW, unitStride: true) }

  @inline(never)
  func depthwisePlaneStrided(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>
  ) { depthwisePlane(phases, filter, bias, out, kernelWidth: window.kernelW, unitStride: false) }

  @inline(__always)
  func depthwisePlane(
    _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ out: UnsafeMutablePointer<Float>,
    kernelWidth: Int, unitStride: Bool
  ) {
    let w = window
    let lanes = FloatGemm.nr
    let width = w.gridW
    var row = out
    for gd in 0..<w.gridD {
      let id0 = gd * w.strideD - w.padD
      let depths = ConvWindow.validRange(offset: id0, stride: w.dilationD, grid: w.kernelD, image: w.imageD)
      for gh in 0..<w.gridH {
        let ih0 = gh * w.strideH - w.padH
        let heights = ConvWindow.validRange(offset: ih0, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
        let rows = DepthwiseRows(
          first: (id0 + depths.lower * w.dilationD) * w.imageH + ih0 + heights.lower * w.dilationH,
          depthCount: depths.upper - depths.lower, heightCount: heights.upper - heights.lower,
          depthStep: w.dilationD * w.imageH, heightStep: w.dilationH,
          firstTap: (depths.lower * w.kernelH + heights.lower) * w.kernelW)
        var gx = 0
        while gx + 6 * lanes <= width {
          depthwiseVectors(6, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
          gx += 6 * lanes
        }
        // The remaining whole vectors in one pass: independent accumulators hide the latency.
        switch (width - gx) / lanes {
        case 5: depthwiseVectors(5, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
        case 4: depthwiseVectors(4, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
        case 3: depthwiseVectors(3, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
        case 2: depthwiseVectors(2, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
        case 1: depthwiseVectors(1, phases, filter, bias, rows, gx, row + gx, lanes, kernelWidth, unitStride)
        default: break
        }
        gx += (width - gx) / lanes * lanes
        if gx < width {
          if width >= lanes {
            // The last whole vector, overlapping columns already written with the same values.
            depthwiseVectors(
              1, phases, filter, bias, rows, width - lanes, row + width - lanes, lanes, kernelWidth, unitStride)
          } else {
            depthwiseVectors(1, phases, filter, bias, rows, gx, row + gx, width - gx, kernelWidth, unitStride)
          }
        }
        row += width
      }
    }
  }

  /// Computes `count` vectors of output columns from `gx`, writing `lanes` of the last one.
  @inline(__always)
  func depthwiseVectors(
    _ count: Int, _ phases: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ rows: DepthwiseRows,
    _ gx: Int, _ out: UnsafeMutablePointer<Float>, _ lanes: Int, _ kernelWidth: Int, _ unitStride: Bool
  ) {
    let w = window
    let width = Vector.scalarCount
    var acc0 = Vector(repeating: bias)
    var acc1 = acc0
    var acc2 = acc0
    var acc3 = acc0
    var acc4 = acc0
    var acc5 = acc0
    var rowD = rows.first
    var tapD = rows.firstTap
    for _ in 0..<rows.depthCount {
      var r = rowD
      var tap = tapD
      for _ in 0..<rows.heightCount {
        let base = phases + r * phaseWidth + gx
        let taps = filter + tap
        var reach = 0
        for kw in 0..<kernelWidth {
          let p = unitStride ? base + reach : base + (reach % w.strideW) * phaseStride + reach / w.strideW
          let weight = Vector(repeating: taps[kw])
          FloatGemm.multiplyAdd(&acc0, weight, FloatGemm.load(p))
          if count > 1 { FloatGemm.multiplyAdd(&acc1, weight, FloatGemm.load(p + width)) }
          if count > 2 { FloatGemm.multiplyAdd(&acc2, weight, FloatGemm.load(p + 2 * width)) }
          if count > 3 { FloatGemm.multiplyAdd(&acc3, weight, FloatGemm.load(p + 3 * width)) }
          if count > 4 { FloatGemm.multiplyAdd(&acc4, weight, FloatGemm.load(p + 4 * width)) }
          if count > 5 { FloatGemm.multiplyAdd(&acc5, weight, FloatGemm.load(p + 5 * width)) }
          reach += w.dilationW
        }
        r += rows.heightStep
        tap += w.kernelW
      }
      rowD += rows.depthStep
      tapD += w.kernelH * w.kernelW
    }
    if count > 1 {
      FloatGemm.store(acc0, out)
      FloatGemm.store(acc1, out + width)
      if count > 2 { FloatGemm.store(acc2, out + 2 * width) }
      if count > 3 { FloatGemm.store(acc3, out + 3 * width) }
      if count > 4 { FloatGemm.store(acc4, out + 4 * width) }
      if count > 5 { FloatGemm.store(acc5, out + 5 * width) }
    } else if lanes == width {
      FloatGemm.store(acc0, out)
    } else {
      for lane in 0..<lanes { out[lane] = acc0[lane] }
    }
  }
}

/// The input rows one output row reads: `depthCount` x `heightCount` rows of the phased plane, and
/// the index of the first tap they use in the filter.
struct DepthwiseRows {
  var first: Int
  var depthCount: Int
  var heightCount: Int
  var depthStep: Int
  var heightStep: Int
  var firstTap: Int
}
