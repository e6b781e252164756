/// The depthwise channels-last convolution (group = C = M): channels are contiguous in NHWC, so 16 of
/// them fill one vector straight from x with no transpose. Per output row, positions go 4 at a time:
/// inside the image each tap's source is the window's first pixel plus the tap's offset (`tapOffsets`,
/// fixed at load); at the border every tap's source is found once for the 4 (the input pixel, or
/// x_zero_point's row in the padding). Small padded images (kws's 25x5, MobileNet's last planes, where
/// most positions touch the border) are first copied into scratch with their padding (`paddedCopy`),
/// so that every window is inside. Then every vector of channels sums `w'[tap] * x` over the taps
/// (weights loaded once per 4 positions) into a row of accumulators, which the group-1 output stage
/// (`storeRows`: the constant bias - zx Σ w', one requantizer per lane) writes out.
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

  /// 16 values of x at `address` widened. With `full` false (C < 16) the lanes past C are the next
  /// pixel's (their weights are 0), read as one vector unless that would pass `end`, x's end (the padded
  /// copy and the zero row have the slack): then only the C that belong to the pixel are read.
  @inline(__always)
  func load<T: IntegerGemmElement>(_ address: Int, full: Bool, end: Int, _ type: T.Type)
    -> IntegerLanes.Vector
  {
    let pointer = UnsafeRawPointer(bitPattern: address).unsafelyUnwrapped
    if full || UInt(bitPattern: end &- address) &- 1 >= 15 { return T.widen16(pointer) }
    var v = IntegerLanes.Vector()
    let values = pointer.assumingMemoryBound(to: T.self)
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
    // Border positions: every tap's address, `[position of 4][tap]`.
    let sources = scratch.assumingMemoryBound(to: Int.self)
    var offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let zero = Int(bitPattern: zeroRow.unsafelyUnwrapped.pointer)
    let filters = UnsafeRawPointer(weights.unsafelyUnwrapped.pointer)
    let starts = UnsafePointer(self.starts.unsafelyUnwrapped.typed(Int.self))
    let bias: UnsafePointer<Int32>? = runtimeBias ? buffers.optionalInput(8, Int32.self) : nil
    let vectors = self.vectors
    // One output row of sums, `[position][vectors * 16]` (3 spare rows), then `storeRows`.
    let acc = (scratch + pointerBytes).assumingMemoryBound(to: Int32.self)
    let width = vectors * 16
    let imageBytes = w.imageSize * c
    let end = Int(bitPattern: x + batch * imageBytes)
    let (gridW, gridH) = (w.gridW, w.gridH)
    var (imageW, imageH) = (w.imageW, w.imageH)
    let (strideW, strideH) = (w.strideW, w.strideH)
    var (padW, padH) = (w.padW, w.padH)
    let (kernelW, kernelH, dilationW, dilationH) = (w.kernelW, w.kernelH, w.dilationW, w.dilationH)
    // With a padded copy, the windows read it and never leave it.
    let padded = acc + IntegerGemm.roundUp((gridW + 3) * width, 16)
    var copied = -1
    if paddedCopy {
      (imageW, imageH, padW, padH) = (paddedWidth, paddedHeight, 0, 0)
      offsets = UnsafePointer(paddedOffsets.unsafelyUnwrapped.typed(Int.self))
    }
    // Columns whose whole window row lies inside the image.
    let columns = ConvWindow.validRange(
      offset: -padW, stride: strideW, grid: gridW, image: imageW - (kernelW - 1) * dilationW)
    for row in rows {
      let n = row / gridH
      let gh = row - n * gridH
      var image = x + n * imageBytes
      if paddedCopy {
        let plane = UnsafeMutableRawPointer(padded).assumingMemoryBound(to: UInt8.self)
        if copied != n {
          copyPadded(image, into: plane)
          copied = n
        }
        image = UnsafePointer(plane)
      }
      let baseH = gh * strideH - padH
      let rowsInside = baseH >= 0 && baseH + (kernelH - 1) * dilationH < imageH
      var gw = 0
      while gw < gridW {
        let count = min(4, gridW - gw)
        // Tap t of position i reads `b_i + t_i[t]` (an address): inside the image, the window's first
        // pixel plus the tap's offset; at the border, 0 plus the tap's own address.
        var b = SIMD4<Int>()
        var tables = SIMD4<Int>()
        var interior = 0
        for i in 0..<4 {
          let g = gw + min(i, count - 1)
          let baseW = g * strideW - padW
          if rowsInside && g >= columns.lower && g < columns.upper {
            b[i] = Int(bitPattern: image + (baseH * imageW + baseW) * c)
            tables[i] = Int(bitPattern: offsets)
            interior += 1
            continue
          }
          var tap = i * taps
          tables[i] = Int(bitPattern: sources + tap)
          for kh in 0..<kernelH {
            let ih = baseH + kh * dilationH
            let rowInside = UInt(bitPattern: ih) < UInt(imageH)
            for kw in 0..<kernelW {
              let iw = baseW + kw * dilationW
              sources[tap] =
                rowInside && UInt(bitPattern: iw) < UInt(imageW)
                ? Int(bitPattern: image + (ih * imageW + iw) * c) : zero
              tap += 1
            }
          }
        }
        let (b0, b1, b2, b3) = (b[0], b[1], b[2], b[3])
        let t0 = UnsafePointer<Int>(bitPattern: tables[0]).unsafelyUnwrapped
        let t1 = UnsafePointer<Int>(bitPattern: tables[1]).unsafelyUnwrapped
        let t2 = UnsafePointer<Int>(bitPattern: tables[2]).unsafelyUnwrapped
        let t3 = UnsafePointer<Int>(bitPattern: tables[3]).unsafelyUnwrapped
        if full && interior == 4 {
          IntegerChannelsLastKernel.insideTile(
            b, offsets: t0, taps: taps, filters: filters, starts: starts, vectors: vectors,
            into: UnsafeMutableRawPointer(acc + gw * width), rowBytes: width * 4, T.self)
          gw += count
          continue
        }
        for v in 0..<vectors {
          let start = starts[v]
          var a0 = V()
          var a1 = V()
          var a2 = V()
          var a3 = V()
          let filter = filters + v * taps * 32
          if interior == 4 {
            // One offset per tap for the 4.
            for t in 0..<taps {
              let weight = IntegerLanes.widen(
                filter.loadUnaligned(fromByteOffset: t * 32, as: SIMD16<Int16>.self))
              let offset = t0[t] &+ start
              a0 &+= load(b0 &+ offset, full: full, end: end, T.self) &* weight
              a1 &+= load(b1 &+ offset, full: full, end: end, T.self) &* weight
              a2 &+= load(b2 &+ offset, full: full, end: end, T.self) &* weight
              a3 &+= load(b3 &+ offset, full: full, end: end, T.self) &* weight
            }
          } else {
            for t in 0..<taps {
              let weight = IntegerLanes.widen(
                filter.loadUnaligned(fromByteOffset: t * 32, as: SIMD16<Int16>.self))
              a0 &+= load(b0 &+ t0[t] &+ start, full: full, end: end, T.self) &* weight
              a1 &+= load(b1 &+ t1[t] &+ start, full: full, end: end, T.self) &* weight
              a2 &+= load(b2 &+ t2[t] &+ start, full: full, end: end, T.self) &* weight
              a3 &+= load(b3 &+ t3[t] &+ start, full: full, end: end, T.self) &* weight
            }
          }
          // Rows past `count` land in the tile's spare rows.
          let out = UnsafeMutableRawPointer(acc + gw * width + v * 16)
          out.storeBytes(of: a0, as: V.self)
          out.storeBytes(of: a1, toByteOffset: width * 4, as: V.self)
          out.storeBytes(of: a2, toByteOffset: 2 * width * 4, as: V.self)
          out.storeBytes(of: a3, toByteOffset: 3 * width * 4, as: V.self)
        }
        gw += count
      }
      storeRows(acc, rows: gridW, into: y + row * gridW * c, bias: bias)
    }
  }

  /// Copies image `image` into `plane`, `paddedHeight` rows of `paddedWidth` pixels from (-padH, -padW),
  /// x_zero_point outside the image.
  func copyPadded(_ image: UnsafePointer<UInt8>, into plane: UnsafeMutablePointer<UInt8>) {
    let rowBytes = paddedWidth * inChannels
    for pr in 0..<paddedHeight { copyPaddedRow(image, row: pr, into: plane + pr * rowBytes) }
  }

  /// Four positions whose windows are inside, C >= 16: every vector's sums over the taps (tap t of
  /// position i at `b[i] + offsets[t]`) into `out`, positions `rowBytes` apart. Out of line so that
  /// the addresses stay in registers.
  @inline(never)
  static func insideTile<T: IntegerGemmElement>(
    _ b: SIMD4<Int>, offsets: UnsafePointer<Int>, taps: Int, filters: UnsafeRawPointer,
    starts: UnsafePointer<Int>,
    vectors: Int, into out: UnsafeMutableRawPointer, rowBytes: Int, _ type: T.Type
  ) {
    typealias V = IntegerLanes.Vector
    let (b0, b1, b2, b3) = (b[0], b[1], b[2], b[3])
    for v in 0..<vectors {
      let start = starts[v]
      var a0 = V()
      var a1 = V()
      var a2 = V()
      var a3 = V()
      let filter = filters + v &* taps &* 32
      for t in 0..<taps {
        let weight = IntegerLanes.widen(
          filter.loadUnaligned(fromByteOffset: t &* 32, as: SIMD16<Int16>.self))
        let offset = offsets[t] &+ start
        a0 &+= T.widen16(UnsafeRawPointer(bitPattern: b0 &+ offset).unsafelyUnwrapped) &* weight
        a1 &+= T.widen16(UnsafeRawPointer(bitPattern: b1 &+ offset).unsafelyUnwrapped) &* weight
        a2 &+= T.widen16(UnsafeRawPointer(bitPattern: b2 &+ offset).unsafelyUnwrapped) &* weight
        a3 &+= T.widen16(UnsafeRawPointer(bitPattern: b3 &+ offset).unsafelyUnwrapped) &* weight
      }
      let o = out + v &* 64
      o.storeBytes(of: a0, as: V.self)
      o.storeBytes(of: a1, toByteOffset: rowBytes, as: V.self)
      o.storeBytes(of: a2, toByteOffset: 2 &* rowBytes, as: V.self)
      o.storeBytes(of: a3, toByteOffset: 3 &* rowBytes, as: V.self)
    }
  }
}
