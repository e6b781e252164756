/// Depthwise convolution (one input channel per group, any channel multiplier), computed directly.
///
/// Each input channel is copied into scratch as padded, stride-phased planes (`ConvPhases`); the padding
/// is zeroed once per run and only the image elements are copied per channel. Where W needs neither
/// padding columns nor a split (stride 1, "same" width) the planes keep the image's rows as they are and
/// the taps that reach past a row's ends load through a mask instead.
///
/// Output positions are computed in blocks of vectors (`DepthwiseBlock`, planned once), each tap a load
/// and a multiply-add per vector, with only the kernel rows that fall inside the image. Rows of at least
/// two vectors are computed row by row straight into Y; shorter rows are computed flat (`q = gh * columns
/// + gx`, vectors spanning several rows), into Y when the planes keep the image's rows, else into scratch
/// and their rows copied into Y. Planes of one to three vectors are computed two, three or six channels
/// at a time, so that enough independent sums hide the multiply-add latency.
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
    let group = depthwiseGroup
    FloatGemm.zero(planes, group * phases.channelStride)
    for n in 0..<batch {
      var c = 0
      while c < inChannels {
        // Whole groups of channels, then the rest one at a time.
        let count = inChannels - c >= group ? group : 1
        for i in 0..<count {
          phases.fill(
            x + (n * inChannels + c + i) * w.imageSize, into: planes + i * phases.channelStride, interiorOnly: true)
        }
        for j in 0..<multiplier {
          let m = c * multiplier + j
          depthwisePlanes(
            count, UnsafePointer(planes), filters + m * w.taps, bias.map { $0 + m }, flat,
            y + (n * outChannels + m) * w.gridSize)
        }
        c += count
      }
    }
  }

  /// `groups` output planes (consecutive channels) from the phased input planes of their channels.
  func depthwisePlanes(
    _ groups: Int, _ planes: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    _ flat: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>
  ) {
    let w = window
    let planeTaps = w.kernelH * w.kernelW
    let offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let blocks = UnsafePointer(depthwiseBlocks.unsafelyUnwrapped.typed(DepthwiseBlock.self))
    let masks = depthwiseMasks.map { UnsafePointer($0.typed(Float.self)) }
    let flatRows = rowsPerChunk == 0
    let slicePositions = w.gridH * w.gridW
    let flatStride = depthwiseFlatStride
    var slice = out
    for gd in 0..<w.gridD {
      let id0 = gd * w.strideD - w.padD
      let depths = ConvWindow.validRange(offset: id0, stride: w.dilationD, grid: w.kernelD, image: w.imageD)
      var taps = DepthwiseTaps(
        planes: planes + (id0 + depths.lower * w.dilationD) * phases.depthStride,
        depthStep: w.dilationD * phases.depthStride, depthCount: depths.upper - depths.lower,
        channelStride: phases.channelStride, filter: filter + depths.lower * planeTaps, filterStride: w.taps,
        planeTaps: planeTaps, kernelW: w.kernelW,
        centerColumn: masks != nil && w.padW % w.dilationW == 0 ? w.padW / w.dilationW : -1, bias: bias,
        outStride: flatRows ? flatStride : w.gridSize, first: 0, end: 0, masks: masks ?? planes)
      let target = flatRows ? flat : slice
      for index in 0..<depthwiseBlockCount {
        let block = blocks[index]
        taps.first = block.first
        taps.end = block.end
        if let masks = masks { taps.masks = masks + block.masks }
        depthwiseBlock(groups, block.vectors, masks != nil, taps, offsets, block.q, target + block.out)
      }
      for i in 0..<groups {
        let plane = slice + i * w.gridSize
        if flatRows {
          ConvPhases.compact(flat + i * flatStride, pitch: phases.columns, rows: w.gridH, width: w.gridW, into: plane)
        }
        if !activation.isClamp { activation.apply(plane, count: slicePositions) }
      }
      slice += slicePositions
    }
  }

  /// The blocks of one output plane (see `DepthwiseBlock`) and, for masked planes, their masks.
  /// `rowsPerChunk` is then 0 when the blocks are written to the flat scratch and copied into Y, and 1
  /// when they are written straight into Y.
  static func planDepthwise(_ plan: inout ConvolutionKernel) {
    let w = plan.window
    let lanes = FloatGemm.nr
    // Planes of few vectors are computed several channels at a time, for enough independent sums.
    let planeVectors =
      plan.phases.masked
      ? (w.gridH * w.gridW + lanes - 1) / lanes
      : (plan.phases.flatCount(rows: w.gridH, gridW: w.gridW) + lanes - 1) / lanes
    // Six sums at most (four when masked: the masks take registers too).
    let sums = plan.phases.masked ? 4 : 6
    var group = 1
    if plan.outGroupChannels == 1 && w.gridW < 2 * lanes && plan.inChannels > 1 && planeVectors < 4 {
      group = max(1, sums / planeVectors)
      if group == 5 { group = 4 }
    }
    plan.depthwiseGroup = group
    let most = group == 1 ? 4 : sums / group
    let columns = plan.phases.columns
    func kernelRows(_ gh: Int) -> (lower: Int, upper: Int) {
      ConvWindow.validRange(offset: gh * w.strideH - w.padH, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
    }
    /// Blocks of up to `most` vectors from flat position `q` on, each with the kernel rows inside the image
    /// for any of the output rows it spans.
    func flatBlock(q: Int, vectors: Int, out: Int) -> DepthwiseBlock {
      let bottom = kernelRows(q / columns)
      let top = kernelRows(min(w.gridH - 1, (q + vectors * lanes - 1) / columns))
      return DepthwiseBlock(
        q: q, out: out, vectors: vectors, first: min(top.lower, bottom.lower), end: max(top.upper, bottom.upper),
        masks: 0)
    }
    var blocks: [DepthwiseBlock] = []
    if plan.phases.masked {
      // Output rows are the planes' rows: whole vectors straight into Y (the last one overlapping the
      // one before), or into the flat scratch when the plane is shorter than a vector.
      let count = w.gridH * w.gridW
      if planeVectors <= 3 || count < lanes {
        // A few vectors: whole vectors into the flat scratch, then copied.
        plan.rowsPerChunk = 0
        var v = 0
        while v < planeVectors {
          let vectors = min(most, planeVectors - v)
          blocks.append(flatBlock(q: v * lanes, vectors: vectors, out: v * lanes))
          v += vectors
        }
      } else {
        plan.rowsPerChunk = 1
        var q = 0
        while q + lanes <= count {
          let vectors = min(most, (count - q) / lanes)
          blocks.append(flatBlock(q: q, vectors: vectors, out: q))
          q += vectors * lanes
        }
        if q < count { blocks.append(flatBlock(q: count - lanes, vectors: 1, out: count - lanes)) }
      }
      // Per block, kernel column and vector: lanes whose column, shifted by the tap, is inside the row.
      var masks: [Float] = []
      for index in 0..<blocks.count {
        blocks[index].masks = masks.count
        for kw in 0..<w.kernelW {
          let shift = kw * w.dilationW - w.padW
          for vector in 0..<4 {
            for lane in 0..<lanes {
              let column = (blocks[index].q + vector * lanes + lane) % w.gridW + shift
              masks.append(column >= 0 && column < w.imageW ? 1 : 0)
            }
          }
        }
      }
      plan.depthwiseMasks = Storage(values: masks)
    } else if w.gridW >= 2 * lanes {
      // Row by row; the last vector of a row overlaps the one before.
      plan.rowsPerChunk = 1
      for gh in 0..<w.gridH {
        let heights = kernelRows(gh)
        var gx = 0
        while gx + lanes <= w.gridW {
          let vectors = min(6, (w.gridW - gx) / lanes)
          blocks.append(
            DepthwiseBlock(
              q: gh * columns + gx, out: gh * w.gridW + gx, vectors: vectors, first: heights.lower,
              end: heights.upper, masks: 0))
          gx += vectors * lanes
        }
        if gx < w.gridW {
          let last = w.gridW - lanes
          blocks.append(
            DepthwiseBlock(
              q: gh * columns + last, out: gh * w.gridW + last, vectors: 1, first: heights.lower, end: heights.upper,
              masks: 0))
        }
      }
    } else {
      // Flat, into the scratch.
      plan.rowsPerChunk = 0
      let count = plan.phases.flatCount(rows: w.gridH, gridW: w.gridW)
      let vectorCount = (count + lanes - 1) / lanes
      var v = 0
      while v < vectorCount {
        let vectors = min(most, vectorCount - v)
        blocks.append(flatBlock(q: v * lanes, vectors: vectors, out: v * lanes))
        v += vectors
      }
    }
    plan.depthwiseBlocks = Storage(values: blocks)
    plan.depthwiseBlockCount = blocks.count
  }

  @inline(__always)
  func depthwiseBlock(
    _ groups: Int, _ vectors: Int, _ masked: Bool, _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int,
    _ out: UnsafeMutablePointer<Float>
  ) {
    switch (groups, vectors, masked) {
    case (1, 1, false): depthwise1x1(taps, offsets, q, out)
    case (1, 2, false): depthwise1x2(taps, offsets, q, out)
    case (1, 3, false): depthwise1x3(taps, offsets, q, out)
    case (1, 4, false): depthwise1x4(taps, offsets, q, out)
    case (1, 5, false): depthwise1x5(taps, offsets, q, out)
    case (1, 6, false): depthwise1x6(taps, offsets, q, out)
    case (2, 1, false): depthwise2x1(taps, offsets, q, out)
    case (2, 2, false): depthwise2x2(taps, offsets, q, out)
    case (2, 3, false): depthwise2x3(taps, offsets, q, out)
    case (3, 1, false): depthwise3x1(taps, offsets, q, out)
    case (3, 2, false): depthwise3x2(taps, offsets, q, out)
    case (6, 1, false): depthwise6x1(taps, offsets, q, out)
    case (1, 1, true): depthwiseMasked1x1(taps, offsets, q, out)
    case (1, 2, true): depthwiseMasked1x2(taps, offsets, q, out)
    case (1, 3, true): depthwiseMasked1x3(taps, offsets, q, out)
    case (1, 4, true): depthwiseMasked1x4(taps, offsets, q, out)
    case (2, 1, true): depthwiseMasked2x1(taps, offsets, q, out)
    case (2, 2, true): depthwiseMasked2x2(taps, offsets, q, out)
    case (4, 1, true): depthwiseMasked4x1(taps, offsets, q, out)
    default: break
    }
  }

  // One function per shape, so that each holds exactly one copy of `depthwiseVectors`.
  @inline(never) func depthwise1x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 1, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise1x2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 2, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise1x3(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 3, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise1x4(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 4, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise1x5(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 5, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise1x6(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 6, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise2x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 2, vectors: 1, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise2x2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 2, vectors: 2, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise2x3(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 2, vectors: 3, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise3x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 3, vectors: 1, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise3x2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 3, vectors: 2, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwise6x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 6, vectors: 1, taps, offsets, q, out, masked: false) }
  @inline(never) func depthwiseMasked1x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 1, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked1x2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 2, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked1x3(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 3, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked1x4(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 1, vectors: 4, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked2x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 2, vectors: 1, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked2x2(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 2, vectors: 2, taps, offsets, q, out, masked: true) }
  @inline(never) func depthwiseMasked4x1(
    _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int, _ out: UnsafeMutablePointer<Float>
  ) { depthwiseVectors(groups: 4, vectors: 1, taps, offsets, q, out, masked: true) }

  /// `load(p)` with the lanes where `mask` (ones and zeros) is zero set to zero.
  @inline(__always)
  static func maskedLoad(_ p: UnsafePointer<Float>, _ mask: UnsafePointer<Float>) -> Vector {
    FloatActivation.select(FloatGemm.load(mask) .> 0, FloatGemm.load(p), Vector())
  }

  @inline(__always)
  static func tapLoad(_ p: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, _ masked: Bool) -> Vector {
    masked ? maskedLoad(p, mask) : FloatGemm.load(p)
  }

  @inline(__always)
  static func pick(
    _ index: Int, _ v0: Vector, _ v1: Vector, _ v2: Vector, _ v3: Vector, _ v4: Vector, _ v5: Vector
  ) -> Vector {
    switch index {
    case 0: return v0
    case 1: return v1
    case 2: return v2
    case 3: return v3
    case 4: return v4
    default: return v5
    }
  }

  /// Computes `vectors` vectors of output positions from flat position `q` for each of `groups` channels
  /// (`groups * vectors` at most six): accumulator `i` holds vector `i % vectors` of channel
  /// `i / vectors`, stored at `out + channel * outStride + vector * lanes`.
  @inline(__always)
  func depthwiseVectors(
    groups: Int, vectors: Int, _ taps: DepthwiseTaps, _ offsets: UnsafePointer<Int>, _ q: Int,
    _ out: UnsafeMutablePointer<Float>, masked: Bool
  ) {
    let width = Vector.scalarCount
    let n = groups * vectors
    let cs = taps.channelStride
    let fs = taps.filterStride
    let v = vectors
    var acc0 = Vector(repeating: taps.bias?[0] ?? 0)
    var acc1 = n > 1 ? Vector(repeating: taps.bias?[1 / v] ?? 0) : Vector()
    var acc2 = n > 2 ? Vector(repeating: taps.bias?[2 / v] ?? 0) : Vector()
    var acc3 = n > 3 ? Vector(repeating: taps.bias?[3 / v] ?? 0) : Vector()
    var acc4 = n > 4 ? Vector(repeating: taps.bias?[4 / v] ?? 0) : Vector()
    var acc5 = n > 5 ? Vector(repeating: taps.bias?[5 / v] ?? 0) : Vector()
    var base = taps.planes + q
    var filter = taps.filter
    let kernelW = taps.kernelW
    for _ in 0..<taps.depthCount {
      var kh = taps.first
      while kh < taps.end {
        var t = kh * kernelW
        var mask = taps.masks
        for kw in 0..<kernelW {
          let p = base + offsets[t]
          let m = masked && kw != taps.centerColumn
          let w0 = Vector(repeating: filter[t])
          let w1 = groups > 1 ? Vector(repeating: filter[fs + t]) : w0
          let w2 = groups > 2 ? Vector(repeating: filter[2 * fs + t]) : w0
          let w3 = groups > 3 ? Vector(repeating: filter[3 * fs + t]) : w0
          let w4 = groups > 4 ? Vector(repeating: filter[4 * fs + t]) : w0
          let w5 = groups > 5 ? Vector(repeating: filter[5 * fs + t]) : w0
          FloatGemm.multiplyAdd(&acc0, w0, Self.tapLoad(p, mask, m))
          if n > 1 {
            FloatGemm.multiplyAdd(
              &acc1, Self.pick(1 / v, w0, w1, w2, w3, w4, w5),
              Self.tapLoad(p + (1 / v) * cs + (1 % v) * width, mask + (1 % v) * width, m))
          }
          if n > 2 {
            FloatGemm.multiplyAdd(
              &acc2, Self.pick(2 / v, w0, w1, w2, w3, w4, w5),
              Self.tapLoad(p + (2 / v) * cs + (2 % v) * width, mask + (2 % v) * width, m))
          }
          if n > 3 {
            FloatGemm.multiplyAdd(
              &acc3, Self.pick(3 / v, w0, w1, w2, w3, w4, w5),
              Self.tapLoad(p + (3 / v) * cs + (3 % v) * width, mask + (3 % v) * width, m))
          }
          if n > 4 {
            FloatGemm.multiplyAdd(
              &acc4, Self.pick(4 / v, w0, w1, w2, w3, w4, w5),
              Self.tapLoad(p + (4 / v) * cs + (4 % v) * width, mask + (4 % v) * width, m))
          }
          if n > 5 {
            FloatGemm.multiplyAdd(
              &acc5, Self.pick(5 / v, w0, w1, w2, w3, w4, w5),
              Self.tapLoad(p + (5 / v) * cs + (5 % v) * width, mask + (5 % v) * width, m))
          }
          if masked { mask += 4 * width }
          t += 1
        }
        kh += 1
      }
      base += taps.depthStep
      filter += taps.planeTaps
    }
    if activation.kind != .none && activation.isClamp {
      let low = activation.clampLow
      let high = activation.clampHigh
      acc0 = FloatActivation.clamp(acc0, low, high)
      if n > 1 { acc1 = FloatActivation.clamp(acc1, low, high) }
      if n > 2 { acc2 = FloatActivation.clamp(acc2, low, high) }
      if n > 3 { acc3 = FloatActivation.clamp(acc3, low, high) }
      if n > 4 { acc4 = FloatActivation.clamp(acc4, low, high) }
      if n > 5 { acc5 = FloatActivation.clamp(acc5, low, high) }
    }
    let os = taps.outStride
    FloatGemm.store(acc0, out)
    if n > 1 { FloatGemm.store(acc1, out + (1 / v) * os + (1 % v) * width) }
    if n > 2 { FloatGemm.store(acc2, out + (2 / v) * os + (2 % v) * width) }
    if n > 3 { FloatGemm.store(acc3, out + (3 / v) * os + (3 % v) * width) }
    if n > 4 { FloatGemm.store(acc4, out + (4 / v) * os + (4 % v) * width) }
    if n > 5 { FloatGemm.store(acc5, out + (5 / v) * os + (5 % v) * width) }
  }
}

/// Output positions computed together: `vectors` vectors from flat position `q` of the phased planes,
/// stored at `out` in the plane (or in the flat scratch), with kernel rows `first..<end`; for masked
/// planes, their masks start `masks` floats into the mask table (kernel column by kernel column, four
/// vectors each).
struct DepthwiseBlock {
  var q: Int
  var out: Int
  var vectors: Int
  var first: Int
  var end: Int
  var masks: Int
}

/// The taps the output positions of a block read: `depthCount` depth slices of the phased planes,
/// `depthStep` floats apart from `planes`, with the filter of the first; in each slice, kernel rows
/// `first..<end` (those outside the image are left out) of `kernelW` taps each, and the block's masks.
/// Channels computed together are `channelStride` floats apart in the planes, `filterStride` in the
/// filters and `outStride` in the output.
struct DepthwiseTaps {
  var planes: UnsafePointer<Float>
  var depthStep: Int
  var depthCount: Int
  var channelStride: Int
  var filter: UnsafePointer<Float>
  var filterStride: Int
  var planeTaps: Int
  var kernelW: Int
  /// The kernel column that reads each output's own column (no mask needed), or -1.
  var centerColumn: Int
  var bias: UnsafePointer<Float>?
  var outStride: Int
  var first: Int
  var end: Int
  var masks: UnsafePointer<Float>
}
