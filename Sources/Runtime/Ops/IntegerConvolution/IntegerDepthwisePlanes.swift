/// Depthwise QLinearConv / ConvInteger with one or two spatial axes, over whole planes.
///
/// Each input plane is copied into scratch as int16 `x - x_zp` in `strideH x strideW` phase planes:
/// phase (ph, pw), element (i, j) holds the padded image at row `i * strideH + ph`, column
/// `j * strideW + pw` (0 in the padding). Every phase plane is `phaseW` wide, the output grid's width
/// plus the taps' reach, so output (h, w) of tap (kh, kw) reads its phase plane at
/// `(h + oh) * phaseW + w + ow`: the flattened output index `q = h * phaseW + w` plus a per-tap constant.
/// Outputs are then computed for every `q`, 64 at a time (4 vectors of 16 int32 lanes), columns past
/// the grid's width being computed and dropped; a row of results goes through the channel's
/// requantizer into a line buffer and its valid columns into the output plane.
extension IntegerConvolutionKernel {
  /// Outputs computed per step.
  static let depthwiseStep = 64

  /// Plans the plane layout: fills `phaseWidth`, `phaseStride` (int16 values per phase plane),
  /// `tapOffsets` and returns the scratch bytes (phase planes, then the line buffer).
  static func planDepthwisePlanes(_ plan: inout IntegerConvolutionKernel) -> Int {
    let w = plan.window
    let reachH = (w.kernelH - 1) * w.dilationH / w.strideH
    let reachW = (w.kernelW - 1) * w.dilationW / w.strideW
    let phaseW = w.gridW + reachW
    let phaseH = w.gridH + reachH
    let planeValues = phaseH * phaseW + phaseW + depthwiseStep
    plan.phaseWidth = phaseW
    plan.phaseStride = planeValues
    var offsets: [Int] = []
    for kh in 0..<w.kernelH {
      for kw in 0..<w.kernelW {
        let ph = (kh * w.dilationH) % w.strideH
        let pw = (kw * w.dilationW) % w.strideW
        let oh = (kh * w.dilationH) / w.strideH
        let ow = (kw * w.dilationW) / w.strideW
        offsets.append((ph * w.strideW + pw) * planeValues + oh * phaseW + ow)
      }
    }
    plan.tapOffsets = Storage(values: offsets)
    let phaseBytes = w.strideH * w.strideW * planeValues * 2
    return IntegerGemm.roundUp(phaseBytes, 64) + lineBytes(plan) + 64
  }

  static func lineBytes(_ plan: IntegerConvolutionKernel) -> Int {
    IntegerGemm.roundUp(plan.window.gridH * plan.phaseWidth, depthwiseStep) * 4
  }

  func runDepthwisePlanes<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ x: UnsafePointer<T>, zeroPoint: Int16
  ) {
    // Small planes, channels innermost (IntegerDepthwiseChannels.swift).
    if channelSums != nil {
      runDepthwiseChannels(buffers, x, zeroPoint: T(truncatingIfNeeded: zeroPoint))
      return
    }
    let scratch = buffers.scratch.unsafelyUnwrapped
    let phases = scratch.assumingMemoryBound(to: Int16.self)
    let phaseBytes = window.strideH * window.strideW * phaseStride * 2
    let line = scratch + IntegerGemm.roundUp(phaseBytes, 64)
    let filters = UnsafePointer(weights.unsafelyUnwrapped.typed(Int16.self))
    let offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let bias: UnsafePointer<Int32>? = hasBias ? buffers.optionalInput(8, Int32.self) : nil
    let multiplier = outGroupChannels
    let positions = window.gridSize
    let elementBytes = outputElementBytes
    for n in 0..<batch {
      for c in 0..<inChannels {
        fillPhasePlanes(
          x + (n * inChannels + c) * window.imageSize, zeroPoint: zeroPoint, into: phases,
          bordersReady: n > 0 || c > 0)
        for j in 0..<multiplier {
          let m = c * multiplier + j
          let plane = buffers.outputs[0] + (n * outChannels + m) * positions * elementBytes
          depthwiseChannel(
            UnsafePointer(phases), filters + m * window.taps, offsets, channel: m,
            bias: bias.map { $0[m] } ?? 0, line: line, output: plane)
        }
      }
    }
  }

  /// Copies one input plane, minus its zero point, into its phase planes.
  /// With `bordersReady` only the values inside the image are written: the padding and the slack
  /// hold 0 from the plane before, in this run (else every phase plane is zeroed first).
  ///
  /// Rows go 16 values at a time (from 16 or, at stride 2, 32 source values); the last vector of a row
  /// may run past its valid columns, so 16 zeros follow every row (the next row is written after
  /// them, and the slack after the last row takes them). Source vectors stay inside the image plane;
  /// the rows where they would not go value by value.
  func fillPhasePlanes<T: IntegerGemmElement>(
    _ image: UnsafePointer<T>, zeroPoint: Int16, into phases: UnsafeMutablePointer<Int16>,
    bordersReady: Bool
  ) {
    let w = window
    let phaseW = phaseWidth
    let phaseH = w.gridH &+ (w.kernelH &- 1) &* w.dilationH / w.strideH
    let strideW = w.strideW
    let strideH = w.strideH
    let imageW = w.imageW
    let imageH = w.imageH
    let imageSize = w.imageSize
    let zero = SIMD16<Int16>(repeating: zeroPoint)
    if !bordersReady { phases.update(repeating: 0, count: strideH &* strideW &* phaseStride) }
    for ph in 0..<strideH {
      for pw in 0..<strideW {
        let phase = phases + (ph &* strideW &+ pw) &* phaseStride
        let columns = ConvWindow.validRange(
          offset: pw &- w.padW, stride: strideW, grid: phaseW, image: imageW)
        if columns.upper <= columns.lower { continue }
        for i in 0..<phaseH {
          let row = i &* strideH &+ ph &- w.padH
          if row < 0 || row >= imageH { continue }
          let out = phase + i &* phaseW
          let source = image + row &* imageW
          var index = columns.lower
          var column = columns.lower &* strideW &+ pw &- w.padW
          // Source values this row may read in whole vectors.
          let readable = imageSize &- row &* imageW
          if strideW == 1 {
            while index < columns.upper && column &+ 16 <= readable {
              UnsafeMutableRawPointer(out + index).storeBytes(
                of: SIMD16<Int16>(truncatingIfNeeded: T.widen16(UnsafeRawPointer(source + column))) &- zero,
                as: SIMD16<Int16>.self)
              index &+= 16
              column &+= 16
            }
          } else if strideW == 2 {
            while index < columns.upper && column &+ 32 <= readable {
              let a = T.widen16(UnsafeRawPointer(source + column))
              let b = T.widen16(UnsafeRawPointer(source + (column &+ 16)))
              let even = IntegerLanes.Vector(
                a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12],
                b[14])
              UnsafeMutableRawPointer(out + index).storeBytes(
                of: SIMD16<Int16>(truncatingIfNeeded: even) &- zero, as: SIMD16<Int16>.self)
              index &+= 16
              column &+= 32
            }
          }
          while index < columns.upper {
            out[index] = Int16(truncatingIfNeeded: source[column]) &- zeroPoint
            index &+= 1
            column &+= strideW
          }
          UnsafeMutableRawPointer(out + columns.upper).storeBytes(of: SIMD16<Int16>(), as: SIMD16<Int16>.self)
        }
      }
    }
  }

  /// One output channel from the phase planes.
  func depthwiseChannel(
    _ phases: UnsafePointer<Int16>, _ filter: UnsafePointer<Int16>, _ offsets: UnsafePointer<Int>,
    channel: Int, bias: Int32, line: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer
  ) {
    typealias V = IntegerLanes.Vector
    let taps = window.taps
    let phaseW = phaseWidth
    let gridW = window.gridW
    let gridH = window.gridH
    let total = gridH * phaseW
    let start = V(repeating: bias)
    var q = 0
    let lineValues = line.assumingMemoryBound(to: Int32.self)
    while q < total {
      var a0 = start
      var a1 = start
      var a2 = start
      var a3 = start
      let base = UnsafeRawPointer(phases + q)
      for t in 0..<taps {
        let p = base + offsets[t] &* 2
        let weight = V(repeating: Int32(filter[t]))
        a0 &+= IntegerLanes.widen(p.loadUnaligned(as: SIMD16<Int16>.self)) &* weight
        a1 &+=
          IntegerLanes.widen(p.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self)) &* weight
        a2 &+=
          IntegerLanes.widen(p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int16>.self)) &* weight
        a3 &+=
          IntegerLanes.widen(p.loadUnaligned(fromByteOffset: 96, as: SIMD16<Int16>.self)) &* weight
      }
      let out = UnsafeMutableRawPointer(lineValues + q)
      out.storeBytes(of: a0, toByteOffset: 0, as: V.self)
      out.storeBytes(of: a1, toByteOffset: 64, as: V.self)
      out.storeBytes(of: a2, toByteOffset: 128, as: V.self)
      out.storeBytes(of: a3, toByteOffset: 192, as: V.self)
      q += IntegerConvolutionKernel.depthwiseStep
    }
    // Requantize the accumulators in place (as codes in int32 lanes), then keep the valid columns.
    switch outputKind {
    case .uint8, .int8:
      let requantizer = requantizers.unsafelyUnwrapped.typed(Requantizer.self)[channel]
      let signed = outputKind == .int8
      let low: Int32 = signed ? -128 : 0
      let high: Int32 = signed ? 127 : 255
      let bytes = line.assumingMemoryBound(to: UInt8.self)
      var i = 0
      while i < total {
        let v = UnsafeRawPointer(lineValues + i).loadUnaligned(as: V.self)
        let q = IntegerLanes.requantize(v, requantizer, zeroPoint: yZero, low: low, high: high)
        // Bytes land before the int32 values still to be read: byte i + 16 <= 4 * i + 64.
        IntegerLanes.storeBytes(q, to: UnsafeMutableRawPointer(bytes + i))
        i += 16
      }
      // Rows of valid columns, 16 bytes at a time while they stay inside the plane (a copy may run
      // into the next rows, which are written after it).
      let out = output.assumingMemoryBound(to: UInt8.self)
      let size = gridH * gridW
      for h in 0..<gridH {
        let to = out + h * gridW
        let from = UnsafeRawPointer(bytes + h * phaseW)
        var column = 0
        while column < gridW && h * gridW + column + 16 <= size {
          UnsafeMutableRawPointer(to + column).storeBytes(
            of: from.loadUnaligned(fromByteOffset: column, as: SIMD16<UInt8>.self),
            as: SIMD16<UInt8>.self)
          column += 16
        }
        while column < gridW {
          to[column] = bytes[h * phaseW + column]
          column += 1
        }
      }
    case .int32, .float:
      let out = output.assumingMemoryBound(to: Int32.self)
      for h in 0..<gridH {
        (out + h * gridW).update(from: lineValues + h * phaseW, count: gridW)
      }
    }
  }
}
