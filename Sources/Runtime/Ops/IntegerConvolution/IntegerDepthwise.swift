/// Depthwise QLinearConv / ConvInteger (one input channel per group, any channel multiplier), computed
/// directly: `acc = Σ_taps (x - x_zp) · (w - w_zp)`.
///
/// Each input plane is first copied into scratch as int16 `x - x_zp`, in `strideW` phases: phase `p`,
/// row `r`, index `i` holds the W-padded image row `r` at column `i * strideW + p` (0 in the padding,
/// the difference the zero point makes). Output column `gx` of tap `kw` then reads phase
/// `(kw * dilationW) % strideW` at `gx + (kw * dilationW) / strideW`: consecutive output columns read
/// consecutive values, for every stride and dilation. Rows outside the image (H and D padding) are
/// skipped per output row. Eight output columns are computed at a time in int32 lanes.
extension IntegerConvolutionKernel {
  typealias Lanes = IntegerGemm.Accumulator

  func runDepthwise<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ x: UnsafePointer<T>, zeroPoint: Int16
  ) {
    let filters = UnsafePointer(weights.unsafelyUnwrapped.typed(Int32.self))
    let phases = buffers.scratch(Int16.self)
    let multiplier = outGroupChannels
    for n in 0..<batch {
      for c in 0..<inChannels {
        fillPhases(x + (n * inChannels + c) * window.imageSize, zeroPoint: zeroPoint, into: phases)
        for j in 0..<multiplier {
          let m = c * multiplier + j
          depthwisePlane(
            UnsafePointer(phases), filters + m * window.taps, output(buffers, image: n, channel: m))
        }
      }
    }
  }

  /// Copies one input plane, minus its zero point, into its padded, phased layout.
  func fillPhases<T: IntegerGemmElement>(
    _ image: UnsafePointer<T>, zeroPoint: Int16, into phases: UnsafeMutablePointer<Int16>
  ) {
    let w = window
    let rows = w.imageD * w.imageH
    for phase in 0..<w.strideW {
      let columns = ConvWindow.validRange(
        offset: phase - w.padW, stride: w.strideW, grid: phaseWidth, image: w.imageW)
      for r in 0..<rows {
        let out = phases + phase * phaseStride + r * phaseWidth
        if columns.lower > 0 { out.update(repeating: 0, count: columns.lower) }
        let source = image + r * w.imageW + phase - w.padW
        if w.strideW == 1 {
          // Consecutive values: a plain widening loop.
          for index in columns.lower..<columns.upper {
            out[index] = Int16(truncatingIfNeeded: source[index]) &- zeroPoint
          }
        } else {
          for index in columns.lower..<columns.upper {
            out[index] = Int16(truncatingIfNeeded: source[index &* w.strideW]) &- zeroPoint
          }
        }
        if columns.upper < phaseWidth {
          (out + columns.upper).update(repeating: 0, count: phaseWidth - columns.upper)
        }
      }
    }
  }

  /// One output plane (channel) from the phased input plane; `output` is the channel's output stage
  /// with rows being output positions.
  func depthwisePlane(
    _ phases: UnsafePointer<Int16>, _ filter: UnsafePointer<Int32>, _ output: IntegerGemm.Output
  ) {
    let w = window
    let lanes = Lanes.scalarCount
    let width = w.gridW
    var stage = output
    // Each vector is one output row's run of up to 8 columns: a "row" of the output stage with
    // columns one position apart.
    stage.rowStride = 0
    stage.colStride = 1
    stage.biasColStride = 0
    stage.requantColStride = 0
    let elementBytes = outputElementBytes
    let kernelW = w.kernelW
    let strideW = w.strideW
    let phaseStride = self.phaseStride
    let phaseWidth = self.phaseWidth
    let phaseStep = w.dilationW % strideW
    let indexStep = w.dilationW / strideW
    var position = 0
    for gd in 0..<w.gridD {
      let id0 = gd * w.strideD - w.padD
      let depths = ConvWindow.validRange(
        offset: id0, stride: w.dilationD, grid: w.kernelD, image: w.imageD)
      for gh in 0..<w.gridH {
        let ih0 = gh * w.strideH - w.padH
        let heights = ConvWindow.validRange(
          offset: ih0, stride: w.dilationH, grid: w.kernelH, image: w.imageH)
        let firstRow =
          (id0 + depths.lower * w.dilationD) * w.imageH + ih0 + heights.lower * w.dilationH
        let firstTap = (depths.lower * w.kernelH + heights.lower) * w.kernelW
        var gx = 0
        while gx < width {
          var acc = Lanes()
          var rowD = firstRow
          var tapD = firstTap
          for _ in depths.lower..<depths.upper {
            var row = rowD
            var tap = tapD
            for _ in heights.lower..<heights.upper {
              let base = phases + (row &* phaseWidth &+ gx)
              // Tap kw reads phase `(kw * dilationW) % strideW` at `(kw * dilationW) / strideW`,
              // stepped without a division.
              var phase = 0
              var index = 0
              for kw in 0..<kernelW {
                let p = base + (phase &* phaseStride &+ index)
                acc &+=
                  IntegerConvolutionKernel.widen(
                    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int16>.self))
                  &* Lanes(repeating: filter[tap &+ kw])
                phase &+= phaseStep
                index &+= indexStep
                if phase >= strideW {
                  phase &-= strideW
                  index &+= 1
                }
              }
              row &+= w.dilationH
              tap &+= kernelW
            }
            rowD += w.dilationD * w.imageH
            tapD += w.kernelH * w.kernelW
          }
          stage.c = output.c + (position + gx) * elementBytes
          IntegerGemm.writeRow(acc, row: 0, cols: min(lanes, width - gx), stage)
          gx += lanes
        }
        position += width
      }
    }
  }

  @inline(__always)
  static func widen(_ v: SIMD8<Int16>) -> Lanes {
    var result = Lanes()
    for lane in 0..<8 { result[lane] = Int32(v[lane]) }
    return result
  }
}
