/// The depthwise channels-last convolution (group = C = M): channels are contiguous in NHWC, so 16 of
/// them fill one vector straight from x with no transpose. Per output row, positions go 4 at a time:
/// each tap's source (the input pixel, or x_zero_point's row in the padding) is found once for the 4,
/// then every vector of channels sums `w'[tap] * x` over the taps (weights loaded once per 4 positions),
/// adds its constant (bias - zx Σ w') and goes through one requantizer per lane.
extension IntegerChannelsLastKernel {
  func runDepthwise<T: IntegerGemmElement>(
    _ buffers: StepBuffers, rows: Range<Int>, scratch: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    if inChannels >= 16 {
      runDepthwise(buffers, rows: rows, scratch: scratch, T.self, full: true)
    } else {
      runDepthwise(buffers, rows: rows, scratch: scratch, T.self, full: false)
    }
  }

  /// 16 values of x at `pointer` widened; with `full` false (C < 16) only the C that belong to the
  /// pixel are read (the others give 0: their weights are 0).
  @inline(__always)
  func load<T: IntegerGemmElement>(_ pointer: UnsafePointer<UInt8>, full: Bool, _ type: T.Type)
    -> IntegerLanes.Vector
  {
    if full { return T.widen16(UnsafeRawPointer(pointer)) }
    var v = IntegerLanes.Vector()
    let values = UnsafeRawPointer(pointer).assumingMemoryBound(to: T.self)
    for lane in 0..<inChannels { v[lane] = Int32(truncatingIfNeeded: values[lane]) }
    return v
  }

  @inline(__always)
  func runDepthwise<T: IntegerGemmElement>(
    _ buffers: StepBuffers, rows: Range<Int>, scratch: UnsafeMutableRawPointer, _ type: T.Type,
    full: Bool
  ) {
    typealias V = IntegerLanes.Vector
    let w = window
    let c = inChannels
    let taps = w.taps
    let x = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
    let y = buffers.outputs[0].assumingMemoryBound(to: UInt8.self)
    let sources = scratch.assumingMemoryBound(to: UnsafePointer<UInt8>.self)
    let zero = UnsafePointer(zeroRow.unsafelyUnwrapped.typed(UInt8.self))
    let filters = UnsafeRawPointer(weights.unsafelyUnwrapped.pointer)
    let starts = UnsafePointer(self.starts.unsafelyUnwrapped.typed(Int.self))
    let values = UnsafeRawPointer(lanes.unsafelyUnwrapped.pointer)
    let bias: UnsafePointer<Int32>? = runtimeBias ? buffers.optionalInput(8, Int32.self) : nil
    let imageBytes = w.imageSize * c
    for row in rows {
      let n = row / w.gridH
      let gh = row - n * w.gridH
      let image = x + n * imageBytes
      let baseH = gh * w.strideH - w.padH
      let output = y + row * w.gridW * c
      var gw = 0
      while gw < w.gridW {
        let count = min(4, w.gridW - gw)
        for i in 0..<4 {
          let baseW = (gw + min(i, count - 1)) * w.strideW - w.padW
          var tap = i * taps
          for kh in 0..<w.kernelH {
            let ih = baseH + kh * w.dilationH
            let rowInside = UInt(bitPattern: ih) < UInt(w.imageH)
            for kw in 0..<w.kernelW {
              let iw = baseW + kw * w.dilationW
              sources[tap] =
                rowInside && UInt(bitPattern: iw) < UInt(w.imageW)
                ? image + (ih * w.imageW + iw) * c : zero
              tap += 1
            }
          }
        }
        for v in 0..<vectors {
          let start = starts[v]
          let parameters = values + v * IntegerChannelsLastKernel.laneValues * 4
          var constant = parameters.loadUnaligned(fromByteOffset: 128, as: V.self)
          if let bias = bias {
            for lane in 0..<16 where start + lane < c { constant[lane] &+= bias[start + lane] }
          }
          var a0 = constant
          var a1 = constant
          var a2 = constant
          var a3 = constant
          let filter = filters + v * taps * 32
          for t in 0..<taps {
            let weight = IntegerLanes.widen(
              filter.loadUnaligned(fromByteOffset: t * 32, as: SIMD16<Int16>.self))
            a0 &+= load(sources[t] + start, full: full, T.self) &* weight
            a1 &+= load(sources[taps + t] + start, full: full, T.self) &* weight
            a2 &+= load(sources[2 * taps + t] + start, full: full, T.self) &* weight
            a3 &+= load(sources[3 * taps + t] + start, full: full, T.self) &* weight
          }
          let mantissas = parameters.loadUnaligned(as: V.self)
          let shifts = parameters.loadUnaligned(fromByteOffset: 64, as: V.self)
          let out = output + gw * c + start
          store(a0, mantissas, shifts, to: out, full: full)
          if count > 1 { store(a1, mantissas, shifts, to: out + c, full: full) }
          if count > 2 { store(a2, mantissas, shifts, to: out + 2 * c, full: full) }
          if count > 3 { store(a3, mantissas, shifts, to: out + 3 * c, full: full) }
        }
        gw += count
      }
    }
  }

  /// Requantizes 16 sums (one requantizer per lane) and stores them (the first C when not `full`).
  @inline(__always)
  func store(
    _ sums: IntegerLanes.Vector, _ mantissas: IntegerLanes.Vector, _ shifts: IntegerLanes.Vector,
    to out: UnsafeMutablePointer<UInt8>, full: Bool
  ) {
    let q = IntegerLanes.requantize(
      sums, mantissas: mantissas, shifts: shifts, zeroPoint: yZero, low: low, high: high)
    if full {
      IntegerLanes.storeBytes(q, to: out)
    } else {
      for lane in 0..<inChannels { out[lane] = UInt8(truncatingIfNeeded: q[lane]) }
    }
  }
}
