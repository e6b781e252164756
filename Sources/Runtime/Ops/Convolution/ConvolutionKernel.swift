/// A prepared Conv or ConvTranspose. Strategies:
/// - `pointwise`: 1x1 kernel, stride 1, no padding: Y_g[M_g, HW] = W_g · X_g[C_g, HW], X read in place.
/// - `im2col`: X gathered into scratch in chunks of whole output rows, then W_g · col.
/// - `depthwise`: one input channel per group: a direct kernel over each output row (Depthwise.swift).
/// - `transpose`: col = W_gᵀ · X_g into scratch, then scattered and summed into Y (col2im).
/// With a single output position, `pointwise` and `im2col` are `swapped`: the product is computed
/// as a row vector times W_gᵀ so the output channels fill the vector lanes.
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
  /// Packed W (A blocks per group, or B panels per group when `swapped`), or W itself (depthwise).
  var weights: Storage?
  /// Floats between two groups' packed weights.
  var weightGroupStride = 0
  /// The inner dimension of the product: C_g * taps (Conv) or C_g (ConvTranspose).
  var gemmK = 0
  var swapped = false
  /// The bias with NR floats of padding, for `swapped` products where it is a column bias.
  var paddedBias: Storage?
  /// im2col: output rows (D * H) per chunk (transpose: input rows), and the floats between two rows of
  /// the chunk's im2col buffer.
  var rowsPerChunk = 0
  var chunkStride = 0
  /// depthwise: floats in one row of the padded, stride-phased copy of an input plane, and between
  /// two phases (see `fillPhases`).
  var phaseWidth = 0
  var phaseStride = 0
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

  /// Y_g = W_g · B for one group, B [gemmK, n] row-major (or the one column when swapped).
  @inline(__always)
  func product(
    group g: Int, b: UnsafePointer<Float>, ldb: Int, padded: Bool, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
    bias: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>?
  ) {
    let mg = outGroupChannels
    var problem: FloatGemm.Problem
    if swapped {
      problem = FloatGemm.Problem(
        m: 1, n: mg, k: gemmK, a: b, aRowStride: 0, aKStride: ldb, b: packedWeights(g), bPacked: true, c: c,
        ldc: mg)
      if let padded = paddedBias { problem.colBias = UnsafePointer(padded.typed(Float.self)) + g * mg }
    } else {
      problem = FloatGemm.Problem(
        m: mg, n: n, k: gemmK, a: packedWeights(g), aPacked: true, b: b, ldb: ldb, bRowsPadded: padded, c: c,
        ldc: ldc)
      if let bias = bias { problem.rowBias = bias + g * mg }
    }
    FloatGemm.multiply(problem, scratch: scratch)
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
          c: y + (n * outChannels + g * mg) * positions, ldc: positions, bias: bias, scratch: scratch)
      }
    }
  }

  func runIm2col(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let bias = buffers.optionalInput(2, Float.self)
    let col = buffers.scratch(Float.self)
    let cg = inGroupChannels
    let mg = outGroupChannels
    let rows = window.gridD * window.gridH
    let positions = window.gridSize
    for n in 0..<batch {
      for g in 0..<group {
        let image = x + (n * inChannels + g * cg) * window.imageSize
        let out = y + (n * outChannels + g * mg) * positions
        var start = 0
        while start < rows {
          let end = min(rows, start + rowsPerChunk)
          ConvolutionKernel.im2col(window, image, channels: cg, rows: start, end, into: col, stride: chunkStride)
          product(
            group: g, b: UnsafePointer(col), ldb: chunkStride, padded: true, n: (end - start) * window.gridW,
            c: out + start * window.gridW, ldc: positions, bias: bias, scratch: nil)
          start = end
        }
      }
    }
  }

  /// Gathers, for output rows `start..<end` (rows of D * H), every tap of every channel:
  /// row `(c, kd, kh, kw)` of the buffer holds the image value each output position reads, 0 in the padding.
  static func im2col(
    _ w: ConvWindow, _ image: UnsafePointer<Float>, channels: Int, rows start: Int, _ end: Int,
    into col: UnsafeMutablePointer<Float>, stride: Int
  ) {
    let gridW = w.gridW
    var destination = col
    for c in 0..<channels {
      let plane = image + c * w.imageSize
      for kd in 0..<w.kernelD {
        for kh in 0..<w.kernelH {
          for kw in 0..<w.kernelW {
            let offset = kw * w.dilationW - w.padW
            let columns = ConvWindow.validRange(offset: offset, stride: w.strideW, grid: gridW, image: w.imageW)
            var out = destination
            for row in start..<end {
              let gd = row / w.gridH
              let gh = row - gd * w.gridH
              let id = gd * w.strideD - w.padD + kd * w.dilationD
              let ih = gh * w.strideH - w.padH + kh * w.dilationH
              if id < 0 || id >= w.imageD || ih < 0 || ih >= w.imageH || columns.lower == columns.upper {
                FloatGemm.zero(out, gridW)
              } else {
                FloatGemm.zero(out, columns.lower)
                let source = plane + (id * w.imageH + ih) * w.imageW + columns.lower * w.strideW + offset
                let count = columns.upper - columns.lower
                let target = out + columns.lower
                switch w.strideW {
                case 1: FloatGemm.copy(source, target, count)
                case 2: FloatGemm.copyEven(source, target, count)
                default: for index in 0..<count { target[index] = source[index * w.strideW] }
                }
                FloatGemm.zero(out + columns.upper, gridW - columns.upper)
              }
              out += gridW
            }
            destination += stride
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
