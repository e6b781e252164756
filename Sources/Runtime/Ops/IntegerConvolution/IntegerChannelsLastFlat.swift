import CSupport

/// Flat lanes: when channels do not fill 16-lane vectors (C or M below 16, or not a multiple of 16), the
/// lanes run along the flat NHWC row instead, element e being channel `e % C` of position `e / C`, so
/// that no lane is wasted and every store is 16 contiguous bytes.
///
/// - Output stage (`storeFlat`): 16 consecutive accumulators of the flat row go through one
///   requantization with the parameters of their channels: the pattern of channels repeats every
///   `flatPeriod = C / gcd(C, 16)` vectors, whose parameters are packed at load (`flatLanes`).
/// - Depthwise with a horizontal stride of 1 (`runFlatDepthwise`): output element e of a row reads, for
///   tap (kh, kw), input element `e + kw * dilationW * C` of the padded input row of kh, so 16 outputs
///   of any C are one unaligned 16-byte load per tap, times that tap's weights in the lanes' pattern
///   (`flatWeights`). With AVX-512 VNNI (`depthwiseDot`) the row goes to `oq_dw_nhwc_row` instead
///   (csupport_dw_nhwc.h: four kernel rows per int32 lane, one vpdpbusd per tap column), which also
///   takes horizontal strides when C is a multiple of 16; `flatRow` stays the portable kernel.
/// - Group-1 convolutions with M < 16 keep one vector per position in the GEMM tile, but the tile
///   stores its rows M int32 apart in increasing order (each row's lanes past M are overwritten by the
///   next row), so that the accumulators are flat for `storeFlat`.
extension IntegerChannelsLastKernel {
  /// Whether depthwise steps may take the flat path (tests turn it off to compare).
  nonisolated(unsafe) static var allowFlatDepthwise = true

  /// Packs `flatLanes` (and `flatWeights` for depthwise, from w' `[M][taps]`) from the per-channel
  /// values.
  mutating func packFlat(mantissas: [Int32], shifts: [Int32], constants: [Int32], weights: [Int]) {
    let m = outChannels
    var a = m
    var b = 16
    while b != 0 { (a, b) = (b, a % b) }
    flatPeriod = m / a
    flatLanes = Storage(
      values: IntegerChannelsLastKernel.laneParameters(
        vectors: flatPeriod, mantissas: mantissas, shifts: shifts, constants: constants, zeroPoint: yZero
      ) { v, lane in (16 * v + lane) % m })
    guard flatDepthwise else { return }
    let taps = window.taps
    if depthwiseDot {
      let plan = depthwisePlan.unsafelyUnwrapped.typed(oq_dw_nhwc_plan.self)
      let packed = Storage(byteCount: oq_dw_nhwc_weight_bytes(plan))
      let values = weights.map { Int32(truncatingIfNeeded: $0) }
      values.withUnsafeBufferPointer { w in oq_dw_nhwc_pack(plan, w.baseAddress, packed.typed(Int8.self)) }
      flatWeights = packed
      return
    }
    var packed = [Int16](repeating: 0, count: flatPeriod * taps * 16)
    for v in 0..<flatPeriod {
      for tap in 0..<taps {
        for lane in 0..<16 {
          packed[(v * taps + tap) * 16 + lane] = Int16(weights[((16 * v + lane) % m) * taps + tap])
        }
      }
    }
    flatWeights = Storage(values: packed)
  }

  /// The shape the VNNI row kernel (csupport_dw_nhwc.h) sees.
  var depthwiseShape: oq_dw_nhwc_shape {
    let w = window
    return oq_dw_nhwc_shape(
      channels: Int32(inChannels), kernel_h: Int32(w.kernelH), kernel_w: Int32(w.kernelW),
      stride_w: Int32(w.strideW), dilation_w: Int32(w.dilationW), grid_w: Int32(w.gridW),
      image_w: Int32(w.imageW), pad_w: Int32(w.padW))
  }

  /// Bytes of one padded input row (`paddedWidth` pixels) and the slack the last vector reads past it.
  var flatRowBytes: Int { IntegerGemm.roundUp(paddedWidth * inChannels + 16, 64) }

  /// The depthwise path for output rows `rows` with flat lanes (`flatDepthwise`).
  func runFlatDepthwise<T: IntegerGemmElement>(
    _ buffers: StepBuffers, rows: Range<Int>, scratch: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    if depthwiseDot {
      runDepthwiseDot(buffers, rows: rows, scratch: scratch)
      return
    }
    let w = window
    let c = inChannels
    let taps = w.taps
    let x = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
    let y = buffers.outputs[0].assumingMemoryBound(to: UInt8.self)
    let bias: UnsafePointer<Int32>? = runtimeBias ? buffers.optionalInput(8, Int32.self) : nil
    // Each tap's source row (`[tap]`), then the flat accumulators of one output row, then the padded
    // image or the kernel's padded rows.
    let sources = scratch.assumingMemoryBound(to: Int.self)
    let acc = (scratch + pointerBytes).assumingMemoryBound(to: Int32.self)
    let copies = (scratch + pointerBytes + accumulatorBytes).assumingMemoryBound(to: UInt8.self)
    let filters = UnsafeRawPointer(flatWeights.unsafelyUnwrapped.pointer)
    let count = w.gridW * c
    let imageBytes = w.imageSize * c
    let rowBytes = paddedWidth * c
    var copied = -1
    for row in rows {
      let n = row / w.gridH
      let gh = row - n * w.gridH
      let image = x + n * imageBytes
      for kh in 0..<w.kernelH {
        // The padded row this kernel row reads (padded coordinates, from -padH).
        let pr = gh * w.strideH + kh * w.dilationH
        var source: UnsafePointer<UInt8>
        if paddedCopy {
          if copied != n {
            copyPadded(image, into: copies)
            copied = n
          }
          source = UnsafePointer(copies + pr * rowBytes)
        } else {
          let line = copies + kh * flatRowBytes
          copyPaddedRow(image, row: pr, into: line)
          source = UnsafePointer(line)
        }
        for kw in 0..<w.kernelW {
          sources[kh * w.kernelW + kw] = Int(bitPattern: source + kw * w.dilationW * c)
        }
      }
      IntegerChannelsLastKernel.flatRow(
        UnsafePointer(sources), taps: taps, count: count, filters: filters, period: flatPeriod,
        into: acc, T.self)
      storeFlat(acc, count: count, into: y + row * count, bias: bias)
    }
  }

  /// The flat depthwise path with the VNNI row kernel, which reads x's rows in place (x_zero_point
  /// outside the image: no padded copy).
  func runDepthwiseDot(_ buffers: StepBuffers, rows: Range<Int>, scratch: UnsafeMutableRawPointer) {
    let w = window
    let c = inChannels
    let x = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
    let y = buffers.outputs[0].assumingMemoryBound(to: UInt8.self)
    let bias: UnsafePointer<Int32>? = runtimeBias ? buffers.optionalInput(8, Int32.self) : nil
    // The input row of each kernel row (nil in the padding), the flat accumulators of one output row,
    // then the kernel's interleaved rows.
    let rowPointers = scratch.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
    let acc = (scratch + pointerBytes).assumingMemoryBound(to: Int32.self)
    let interleaved = scratch + pointerBytes + accumulatorBytes + paddedBytes
    let plan = UnsafePointer(depthwisePlan.unsafelyUnwrapped.typed(oq_dw_nhwc_plan.self))
    let filters = UnsafePointer(flatWeights.unsafelyUnwrapped.typed(Int8.self))
    let zero = zeroRow.unsafelyUnwrapped.typed(UInt8.self)[0]
    let count = w.gridW * c
    let imageBytes = w.imageSize * c
    let rowBytes = w.imageW * c
    for row in rows {
      let n = row / w.gridH
      let gh = row - n * w.gridH
      let image = x + n * imageBytes
      for kh in 0..<w.kernelH {
        let ih = gh * w.strideH + kh * w.dilationH - w.padH
        rowPointers[kh] = ih >= 0 && ih < w.imageH ? UnsafePointer(image + ih * rowBytes) : nil
      }
      oq_dw_nhwc_row(plan, rowPointers, zero, filters, xSigned ? 1 : 0, acc, interleaved)
      storeFlat(acc, count: count, into: y + row * count, bias: bias)
    }
  }

  /// Padded row `pr` (from -padH) of `image`, `paddedWidth` pixels from -padW, into `out`.
  func copyPaddedRow(_ image: UnsafePointer<UInt8>, row pr: Int, into out: UnsafeMutablePointer<UInt8>) {
    let w = window
    let c = inChannels
    let zero = zeroRow.unsafelyUnwrapped.typed(UInt8.self)[0]
    let rowBytes = paddedWidth * c
    let ih = pr - w.padH
    if ih < 0 || ih >= w.imageH {
      out.update(repeating: zero, count: rowBytes)
      return
    }
    let left = min(w.padW, paddedWidth)
    let inside = max(0, min(w.imageW, paddedWidth - left))
    let right = paddedWidth - left - inside
    if left > 0 { out.update(repeating: zero, count: left * c) }
    UnsafeMutableRawPointer(out + left * c).copyMemory(
      from: image + ih * w.imageW * c, byteCount: inside * c)
    if right > 0 { (out + (left + inside) * c).update(repeating: zero, count: right * c) }
  }

  /// `acc[e] = Σ_t x_t[e] * w_t[e % C]` for the `count` elements of a row, 16 at a time (the last
  /// vector reads and writes past `count`: the buffers have the slack). Vectors `period` apart share
  /// their weights: two of them per weight load. Out of line so that the loop's pointers stay in
  /// registers.
  @inline(never)
  static func flatRow<T: IntegerGemmElement>(
    _ sources: UnsafePointer<Int>, taps: Int, count: Int, filters: UnsafeRawPointer, period: Int,
    into acc: UnsafeMutablePointer<Int32>, _ type: T.Type
  ) {
    typealias V = IntegerLanes.Vector
    let out = UnsafeMutableRawPointer(acc)
    let vectors = (count &+ 15) / 16
    var base = 0
    while base < vectors {
      for phase in 0..<min(period, vectors &- base) {
        let filter = filters + phase &* taps &* 32
        let e = (base &+ phase) &* 16
        let f = e &+ period &* 16
        if f < count {
          var a = V()
          var b = V()
          for t in 0..<taps {
            let weight = IntegerLanes.widen(
              filter.loadUnaligned(fromByteOffset: t &* 32, as: SIMD16<Int16>.self))
            let source = sources[t]
            a &+= T.widen16(UnsafeRawPointer(bitPattern: source &+ e).unsafelyUnwrapped) &* weight
            b &+= T.widen16(UnsafeRawPointer(bitPattern: source &+ f).unsafelyUnwrapped) &* weight
          }
          out.storeBytes(of: a, toByteOffset: e &* 4, as: V.self)
          out.storeBytes(of: b, toByteOffset: f &* 4, as: V.self)
        } else {
          var a = V()
          for t in 0..<taps {
            let weight = IntegerLanes.widen(
              filter.loadUnaligned(fromByteOffset: t &* 32, as: SIMD16<Int16>.self))
            a &+= T.widen16(UnsafeRawPointer(bitPattern: sources[t] &+ e).unsafelyUnwrapped) &* weight
          }
          out.storeBytes(of: a, toByteOffset: e &* 4, as: V.self)
        }
      }
      base &+= 2 &* period
    }
  }

  /// The output stage on flat accumulators: `count` elements (channel `e % M`) to `y`; the last vector
  /// is computed whole (its lanes past `count` read the accumulators' slack) and stored lane by lane.
  func storeFlat(
    _ acc: UnsafePointer<Int32>, count: Int, into y: UnsafeMutablePointer<UInt8>,
    bias: UnsafePointer<Int32>?
  ) {
    if nativeOutput && bias == nil { return storeFlatNative(acc, count: count, into: y) }
    typealias V = IntegerLanes.Vector
    let m = outChannels
    let values = UnsafeRawPointer(flatLanes.unsafelyUnwrapped.pointer)
    let stride = IntegerChannelsLastKernel.laneValues * 4
    // Phase by phase, so that the parameters (and all the requantization derives from them) are
    // loop-invariant.
    for phase in 0..<flatPeriod {
      let parameters = values + phase * stride
      let mantissas = parameters.loadUnaligned(as: V.self)
      let shifts = parameters.loadUnaligned(fromByteOffset: 64, as: V.self)
      let rounding = IntegerLanes.RoundingLanes.load(parameters + 192)
      var constant = parameters.loadUnaligned(fromByteOffset: 128, as: V.self)
      if let bias = bias {
        for lane in 0..<16 { constant[lane] &+= bias[(16 * phase + lane) % m] }
      }
      // Whole vectors first, the partial last one apart (see storeRows).
      var e = 16 * phase
      while e + 16 <= count {
        let sums = UnsafeRawPointer(acc + e).loadUnaligned(as: V.self) &+ constant
        let q = IntegerLanes.requantize(
          sums, rounding, mantissas: mantissas, shifts: shifts, zeroPoint: yZero, low: low, high: high)
        IntegerLanes.storeBytes(q, to: y + e)
        e += 16 * flatPeriod
      }
      if e < count {
        let sums = UnsafeRawPointer(acc + e).loadUnaligned(as: V.self) &+ constant
        let q = IntegerLanes.requantize(
          sums, rounding, mantissas: mantissas, shifts: shifts, zeroPoint: yZero, low: low, high: high)
        for lane in 0..<count - e { y[e + lane] = UInt8(truncatingIfNeeded: q[lane]) }
      }
    }
  }
}
