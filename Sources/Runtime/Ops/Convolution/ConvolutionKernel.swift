/// A prepared Conv, FusedConv or ConvTranspose. Strategies:
/// - `pointwise`: 1x1 kernel, stride 1, no padding: Y_g[M_g, HW] = W_g · X_g[C_g, HW], X read in place.
/// - `im2col`: X copied once per run into padded, stride-phased planes (`ConvPhases`); every tap of a
///   chunk of output rows is then a contiguous run of those planes, gathered into col (or, for a 1x1
///   kernel, read in place) and multiplied by W_g. Output rows are laid out flat with the planes' pitch;
///   the junk columns between rows are dropped when the chunk's result is copied into Y.
/// - `depthwise`: one input channel per group: a direct kernel over the phased planes (Depthwise.swift).
/// - `transpose`: col = W_gᵀ · X_g into scratch, then scattered and summed into Y (col2im).
/// `pointwise` and `im2col` products are `swapped` when that wastes fewer vector lanes (few output
/// positions, many channels): they are computed as Xᵀ · W_gᵀ, the output positions as rows and the output
/// channels along the lanes, and stored transposed.
/// FusedConv's activation is applied to every output as it is stored, after the bias.
public struct ConvolutionKernel {
  enum Strategy {
    case pointwise, im2col, depthwise, transpose
  }

  var batch: Int
  var inChannels: Int
  var outChannels: Int
  var group: Int
  var window: ConvWindow
  var hasBiasInput: Bool
  var strategy: Strategy = .im2col
  var activation = FloatActivation.none
  /// Packed W (A blocks per group, or B panels per group when `swapped`), or W itself (depthwise).
  var weights: Storage?
  /// Floats between two groups' packed weights.
  var weightGroupStride = 0
  /// The inner dimension of the product: C_g * taps (Conv) or C_g (ConvTranspose).
  var gemmK = 0
  var swapped = false
  /// The bias with NR floats of padding, for `swapped` products where it is a column bias.
  var paddedBias: Storage?
  /// im2col and depthwise: the layout of the phased input planes.
  var phases = ConvPhases()
  /// im2col: for every row of col (channel, kd, kh, kw), the tap's offset within a depth slice.
  var tapOffsets: Storage?
  /// im2col: output rows (of one depth slice) per chunk (transpose: input rows; depthwise: 0 when the
  /// blocks go to the flat scratch, 1 when they go straight into Y), and the floats between two rows of
  /// the chunk's col buffer and of its flat result.
  var rowsPerChunk = 0
  var chunkStride = 0
  /// im2col: 1x1 kernel on a 2-D image: col is the phased planes themselves.
  var directColumns = false
  /// im2col on a 2-D image, channels as rows: no col, the product reads every row of col where it is in
  /// the phased planes (`columnOffsets`: channel, tap by tap).
  var indirectColumns: Storage?
  /// im2col: where col and the flat result start in scratch (after the phased planes).
  var columnsOffset = 0
  var resultOffset = 0
  /// depthwise: the blocks of output positions of one plane (`DepthwiseBlock`).
  var depthwiseBlocks: Storage?
  var depthwiseBlockCount = 0
  /// depthwise, masked planes: the lanes each block's taps may read (see `DepthwiseBlock`).
  var depthwiseMasks: Storage?
  /// depthwise: channels computed together, and the floats between their flat results in scratch.
  var depthwiseGroup = 1
  var depthwiseFlatStride = 0
  /// transpose: where the product's tail scratch starts, after one chunk of col.
  var tailOffset = 0

  init(
    batch: Int, inChannels: Int, outChannels: Int, group: Int, window: ConvWindow, hasBiasInput: Bool
  ) {
    self.batch = batch
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.group = group
    self.window = window
    self.hasBiasInput = hasBiasInput
  }

  var inGroupChannels: Int { inChannels / group }
  var outGroupChannels: Int { outChannels / group }

  public func run(_ buffers: StepBuffers) {
    switch strategy {
    case .pointwise: runPointwise(buffers)
    case .im2col: runIm2col(buffers)
    case .depthwise: runDepthwise(buffers)
    case .transpose: runTranspose(buffers)
    }
  }

  // MARK: Products

  @inline(__always)
  func packedWeights(_ g: Int) -> UnsafePointer<Float> {
    UnsafePointer(weights.unsafelyUnwrapped.typed(Float.self)) + g * weightGroupStride
  }

  /// Y_g = W_g · B for one group: B [gemmK, n] with `ldb` floats between rows; C [M_g, n] with `ldc`
  /// floats between channels. When `swapped`, computed as Bᵀ · W_gᵀ and stored transposed (same layout).
  @inline(__always)
  func product(
    group g: Int, b: UnsafePointer<Float>, ldb: Int, padded: Bool, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
    bias: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>?, bRowOffsets: UnsafePointer<Int>? = nil,
    pool: OpaquePointer? = nil, threads: Int = 1
  ) {
    let mg = outGroupChannels
    var problem: FloatGemm.Problem
    if swapped {
      problem = FloatGemm.Problem(
        m: n, n: mg, k: gemmK, a: b, aRowStride: 1, aKStride: ldb, b: packedWeights(g), bPacked: true, c: c,
        ldc: ldc)
      problem.cTransposed = true
      if let padded = paddedBias { problem.colBias = UnsafePointer(padded.typed(Float.self)) + g * mg }
    } else {
      problem = FloatGemm.Problem(
        m: mg, n: n, k: gemmK, a: packedWeights(g), aPacked: true, b: b, ldb: ldb, bRowsPadded: padded, c: c,
        ldc: ldc)
      if let bias = bias { problem.rowBias = bias + g * mg }
      problem.bRowOffsets = bRowOffsets
    }
    problem.activation = activation
    if pool != nil {
      FloatGemm.multiplyInParallel(problem, scratch: scratch, pool: pool, threads: threads)
    } else {
      FloatGemm.multiply(problem, scratch: scratch)
    }
  }

  func runPointwise(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let scratch = scratchFloats(buffers)
    let positions = window.gridSize
    let cg = inGroupChannels
    let mg = outGroupChannels
    for n in 0..<batch {
      for g in 0..<group {
        product(
          group: g, b: x + (n * inChannels + g * cg) * positions, ldb: positions, padded: false, n: positions,
          c: y + (n * outChannels + g * mg) * positions, ldc: positions, bias: bias, scratch: scratch,
          pool: buffers.pool, threads: buffers.threads)
      }
    }
  }

  func runIm2col(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let scratch = buffers.scratch(Float.self)
    let planes = scratch
    let col = scratch + columnsOffset
    let result = scratch + resultOffset
    let w = window
    let cg = inGroupChannels
    let mg = outGroupChannels
    let positions = w.gridSize
    let sliceSize = w.gridH * w.gridW
    let offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let planeTaps = w.kernelH * w.kernelW
    let columns = phases.columns
    let rowOffsets = indirectColumns.map { UnsafePointer($0.typed(Int.self)) }
    for n in 0..<batch {
      for g in 0..<group {
        let image = x + (n * inChannels + g * cg) * w.imageSize
        for c in 0..<cg {
          phases.fill(image + c * w.imageSize, into: planes + c * phases.channelStride, interiorOnly: false)
        }
        let out = y + (n * outChannels + g * mg) * positions
        for gd in 0..<w.gridD {
          let id0 = gd * w.strideD - w.padD
          var start = 0
          while start < w.gridH {
            let end = min(w.gridH, start + rowsPerChunk)
            let count = phases.flatCount(rows: end - start, gridW: w.gridW)
            let first = start * columns
            var b: UnsafePointer<Float>
            var ldb: Int
            if rowOffsets != nil {
              b = UnsafePointer(planes) + first
              ldb = 0
            } else if directColumns {
              b = UnsafePointer(planes) + offsets[0] + first
              ldb = phases.channelStride
            } else {
              var row = col
              for c in 0..<cg {
                let channel = UnsafePointer(planes) + c * phases.channelStride
                for kd in 0..<w.kernelD {
                  let id = id0 + kd * w.dilationD
                  for t in 0..<planeTaps {
                    if id < 0 || id >= w.imageD {
                      FloatGemm.zero(row, chunkStride)
                    } else {
                      FloatGemm.copyWhole(channel + id * phases.depthStride + offsets[t] + first, row, count)
                      let written = FloatGemm.roundUp(count, FloatGemm.nr)
                      FloatGemm.zero(row + written, chunkStride - written)
                    }
                    row += chunkStride
                  }
                }
              }
              b = UnsafePointer(col)
              ldb = chunkStride
            }
            let target = out + gd * sliceSize + start * w.gridW
            if end - start > 1 && columns != w.gridW {
              // Flat rows: computed with their junk columns, then copied row by row.
              product(
                group: g, b: b, ldb: ldb, padded: true, n: count, c: result, ldc: chunkStride, bias: bias,
                scratch: nil, bRowOffsets: rowOffsets, pool: buffers.pool, threads: buffers.threads)
              for m in 0..<mg {
                ConvPhases.compact(
                  UnsafePointer(result) + m * chunkStride, pitch: columns, rows: end - start, width: w.gridW,
                  into: target + m * positions)
              }
            } else {
              product(
                group: g, b: b, ldb: ldb, padded: true, n: count, c: target, ldc: positions, bias: bias, scratch: nil,
                bRowOffsets: rowOffsets, pool: buffers.pool, threads: buffers.threads)
            }
            start = end
          }
        }
      }
    }
  }

  // MARK: Transpose

  func runTranspose(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let col = buffers.scratch(Float.self)
    let tail = col + tailOffset
    let w = window
    let cg = inGroupChannels
    let mg = outGroupChannels
    let rows = mg * w.taps
    let positions = w.gridSize
    let gridRows = w.gridD * w.gridH
    for n in 0..<batch {
      for g in 0..<group {
        let out = y + (n * outChannels + g * mg) * w.imageSize
        for m in 0..<mg {
          (out + m * w.imageSize).update(
            repeating: bias == nil ? 0 : bias.unsafelyUnwrapped[g * mg + m], count: w.imageSize)
        }
        var start = 0
        while start < gridRows {
          let end = min(gridRows, start + rowsPerChunk)
          let columns = (end - start) * w.gridW
          let problem = FloatGemm.Problem(
            m: rows, n: columns, k: cg, a: packedWeights(g), aPacked: true,
            b: x + (n * inChannels + g * cg) * positions + start * w.gridW, ldb: positions, c: col, ldc: columns)
          FloatGemm.multiply(problem, scratch: tail)
          for m in 0..<mg {
            ConvolutionKernel.col2im(
              w, UnsafePointer(col + m * w.taps * columns), rows: start, end, into: out + m * w.imageSize)
          }
          start = end
        }
      }
    }
  }

  /// Adds the columns of one output channel for input rows `start..<end` (rows of D * H; the buffer
  /// holds `(end - start) * gridW` columns per tap) into the image positions they land on.
  static func col2im(
    _ w: ConvWindow, _ col: UnsafePointer<Float>, rows start: Int, _ end: Int,
    into image: UnsafeMutablePointer<Float>
  ) {
    var source = col
    let columnsPerTap = (end - start) * w.gridW
    for kd in 0..<w.kernelD {
      for kh in 0..<w.kernelH {
        for kw in 0..<w.kernelW {
          let offset = kw * w.dilationW - w.padW
          let columns = ConvWindow.validRange(offset: offset, stride: w.strideW, grid: w.gridW, image: w.imageW)
          let count = columns.upper - columns.lower
          if count > 0 {
            for row in start..<end {
              let gd = row / w.gridH
              let gh = row - gd * w.gridH
              let id = gd * w.strideD - w.padD + kd * w.dilationD
              let ih = gh * w.strideH - w.padH + kh * w.dilationH
              if id < 0 || id >= w.imageD || ih < 0 || ih >= w.imageH { continue }
              let target = image + (id * w.imageH + ih) * w.imageW + columns.lower * w.strideW + offset
              let values = source + (row - start) * w.gridW + columns.lower
              if w.strideW == 1 {
                for index in 0..<count { target[index] += values[index] }
              } else {
                for index in 0..<count { target[index * w.strideW] += values[index] }
              }
            }
          }
          source += columnsPerTap
        }
      }
    }
  }
}
