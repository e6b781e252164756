/// Depthwise convolution (one input channel per group, any channel multiplier), computed directly.
///
/// Each input channel is copied into scratch as padded, stride-phased planes (`ConvPhases`). The
/// padding is zeroed once per run and only the image elements are copied per channel. The output plane
/// is then computed flat: output position `q = gh * columns + gx` of tap `t` reads the phased planes at
/// `q + tapOffset[t]`, so whole vectors of positions, spanning several output rows when rows are short,
/// take one load and one multiply-add per tap. The flat result (with `columns - gridW` junk positions
/// per row) is written to scratch and its rows copied into Y.
extension ConvolutionKernel {
  typealias Vector = FloatGemm.Vector

  func runDepthwise(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let filters = UnsafePointer(weights.unsafelyUnwrapped.typed(Float.self))
    let scratch = buffers.scratch(Float.self)
    let planes = scratch
    let flat = scratch + columnsOffset
    let multiplier = outGroupChannels
    let w = window
    FloatGemm.zero(planes, phases.channelStride)
    for n in 0..<batch {
      for c in 0..<inChannels {
        phases.fill(w, x + (n * inChannels + c) * w.imageSize, into: planes, interiorOnly: true)
        for j in 0..<multiplier {
          let m = c * multiplier + j
          depthwisePlane(
            UnsafePointer(planes), filters + m * w.taps, bias == nil ? 0 : bias.unsafelyUnwrapped[m], flat,
            y + (n * outChannels + m) * w.gridSize)
        }
      }
    }
  }

  /// One output plane from the phased input planes of its channel.
  func depthwisePlane(
    _ planes: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ flat: UnsafeMutablePointer<Float>,
    _ out: UnsafeMutablePointer<Float>
  ) {
    depthwisePlane(planes, filter, bias, flat, out, planeTaps: window.kernelH * window.kernelW)
  }

  func depthwisePlane(
    _ planes: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ flat: UnsafeMutablePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, planeTaps: Int
  ) {
    let w = window
    let lanes = FloatGemm.nr
    let offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let columns = phases.columns
    var slice = out
    for gd in 0..<w.gridD {
      let id0 = gd * w.strideD - w.padD
      let depths = ConvWindow.validRange(offset: id0, stride: w.dilationD, grid: w.kernelD, image: w.imageD)
      var taps = DepthwiseTaps(
        planes: planes + (id0 + depths.lower * w.dilationD) * phases.depthStride,
        depthStep: w.dilationD * phases.depthStride, depthCount: depths.upper - depths.lower,
        filter: filter + depths.lower * planeTaps, planeTaps: planeTaps, first: 0, end: planeTaps)
      if w.gridW >= 2 * lanes {
        // Rows of at least two vectors: each row straight into Y with the taps of the kernel rows that
        // fall inside the image; the last vector of a row overlaps the one before.
        var row = slice
        for gh in 0..<w.gridH {
          let heights = ConvWindow.validRange(
            offset: gh * w.strideH - w.padH, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
          taps.first = heights.lower * w.kernelW
          taps.end = heights.upper * w.kernelW
          let q = gh * columns
          var gx = 0
          while gx + 6 * lanes <= w.gridW {
            depthwise6(taps, offsets, bias, q + gx, row + gx)
            gx += 6 * lanes
          }
          switch (w.gridW - gx) / lanes {
          case 5: depthwise5(taps, offsets, bias, q + gx, row + gx)
          case 4: depthwise4(taps, offsets, bias, q + gx, row + gx)
          case 3: depthwise3(taps, offsets, bias, q + gx, row + gx)
          case 2: depthwise2(taps, offsets, bias, q + gx, row + gx)
          case 1: depthwise1(taps, offsets, bias, q + gx, row + gx)
          default: break
          }
          if w.gridW % lanes != 0 {
            let last = w.gridW - lanes
            depthwise1(taps, offsets, bias, q + last, row + last)
          }
          if !activation.isClamp { activation.apply(row, count: w.gridW) }
          row += w.gridW
        }
      } else {
        // Short rows: vectors of flat positions spanning several rows, each with the taps of the kernel
        // rows that fall inside the image for any of its rows; then the rows are copied into Y.
        let count = phases.flatCount(rows: w.gridH, gridW: w.gridW)
        let vectors = (count + lanes - 1) / lanes
        var v = 0
        while v < vectors {
          let block = min(4, vectors - v)
          let q = v * lanes
          let firstRow = q / columns
          let lastRow = min(w.gridH - 1, (q + block * lanes - 1) / columns)
          let top = ConvWindow.validRange(
            offset: lastRow * w.strideH - w.padH, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
          let bottom = ConvWindow.validRange(
            offset: firstRow * w.strideH - w.padH, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
          taps.first = min(top.lower, bottom.lower) * w.kernelW
          taps.end = max(top.upper, bottom.upper) * w.kernelW
          switch block {
          case 4: depthwise4(taps, offsets, bias, q, flat + q)
          case 3: depthwise3(taps, offsets, bias, q, flat + q)
          case 2: depthwise2(taps, offsets, bias, q, flat + q)
          default: depthwise1(taps, offsets, bias, q, flat + q)
          }
          v += block
        }
        if !activation.isClamp { activation.apply(flat, count: count) }
        ConvPhases.compact(flat, pitch: columns, rows: w.gridH, width: w.gridW, into: slice)
      }
      slice += w.gridH * w.gridW
    }
  }

  // One function per vector count, so that each holds exactly one copy of `depthwiseVectors`.
  @inline(never) func depthwise6(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(6, taps, offsets, bias, q, out) }
  @inline(never) func depthwise5(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(5, taps, offsets, bias, q, out) }
  @inline(never) func depthwise4(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(4, taps, offsets, bias, q, out) }
  @inline(never) func depthwise3(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(3, taps, offsets, bias, q, out) }
  @inline(never) func depthwise2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(2, taps, offsets, bias, q, out) }
  @inline(never) func depthwise1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(1, taps, offsets, bias, q, out) }

  /// Computes `count` vectors of flat output positions from `q` into `out`.
  @inline(__always)
  func depthwiseVectors(
    _ count: Int, _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ bias: Float, _ q: Int,
    _ out: UnsafeMutablePointer<Float>
  ) {
    let width = Vector.scalarCount
    var acc0 = Vector(repeating: bias)
    var acc1 = acc0
    var acc2 = acc0
    var acc3 = acc0
    var acc4 = acc0
    var acc5 = acc0
    var base = taps.planes + q
    var filter = taps.filter
    for _ in 0..<taps.depthCount {
      var t = taps.first
      while t < taps.end {
        let p = base + offsets[t]
        let weight = Vector(repeating: filter[t])
        FloatGemm.multiplyAdd(&acc0, weight, FloatGemm.load(p))
        if count > 1 { FloatGemm.multiplyAdd(&acc1, weight, FloatGemm.load(p + width)) }
        if count > 2 { FloatGemm.multiplyAdd(&acc2, weight, FloatGemm.load(p + 2 * width)) }
        if count > 3 { FloatGemm.multiplyAdd(&acc3, weight, FloatGemm.load(p + 3 * width)) }
        if count > 4 { FloatGemm.multiplyAdd(&acc4, weight, FloatGemm.load(p + 4 * width)) }
        if count > 5 { FloatGemm.multiplyAdd(&acc5, weight, FloatGemm.load(p + 5 * width)) }
        t += 1
      }
      base += taps.depthStep
      filter += taps.planeTaps
    }
    if activation.kind != .none && activation.isClamp {
      let low = activation.clampLow
      let high = activation.clampHigh
      acc0 = FloatActivation.clamp(acc0, low, high)
      if count > 1 { acc1 = FloatActivation.clamp(acc1, low, high) }
      if count > 2 { acc2 = FloatActivation.clamp(acc2, low, high) }
      if count > 3 { acc3 = FloatActivation.clamp(acc3, low, high) }
      if count > 4 { acc4 = FloatActivation.clamp(acc4, low, high) }
      if count > 5 { acc5 = FloatActivation.clamp(acc5, low, high) }
    }
    FloatGemm.store(acc0, out)
    if count > 1 { FloatGemm.store(acc1, out + width) }
    if count > 2 { FloatGemm.store(acc2, out + 2 * width) }
    if count > 3 { FloatGemm.store(acc3, out + 3 * width) }
    if count > 4 { FloatGemm.store(acc4, out + 4 * width) }
    if count > 5 { FloatGemm.store(acc5, out + 5 * width) }
  }
}

/// The taps one output position reads: `depthCount` depth slices of the phased planes, `depthStep`
/// floats apart from `planes`, with the filter of the first; in each slice, taps `first..<end` of the
/// `planeTaps` (kernel rows outside the image are left out).
struct DepthwiseTaps {
  var planes: UnsafePointer<Float>
  var depthStep: Int
  var depthCount: Int
  var filter: UnsafePointer<Float>
  var planeTaps: Int
  var first: Int
  var end: Int
}
