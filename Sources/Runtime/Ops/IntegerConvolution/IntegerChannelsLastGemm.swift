import CSupport

/// The group-1 channels-last convolution: chunks of `chunkRows` positions, each
/// 1. row sources: per tap, where the C bytes the position reads start (in place in x, or the x zero
///    point's row for a padded tap); gathered into `kPadded`-byte rows when C is not a multiple of 4;
/// 2. `Σ_k a[p, k] w'[k, m]` for every position and output channel into int32 accumulators
///    (`oq_nhwc_u8s8_conv` or `oq_nhwc_s8s8_conv`, or the portable `portableTile`);
/// 3. the output stage: + the channel's constant (bias - zx Σ w'), a requantizer per lane, 16 bytes.
extension IntegerChannelsLastKernel {
  typealias Sources = UnsafeMutablePointer<UnsafePointer<UInt8>?>

  func runGemm<T: IntegerGemmElement>(
    _ buffers: StepBuffers, positions: Range<Int>, scratch: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    let x = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
    let y = buffers.outputs[0].assumingMemoryBound(to: UInt8.self)
    let sources = scratch.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
    let acc = (scratch + pointerBytes).assumingMemoryBound(to: Int32.self)
    let gather = (scratch + pointerBytes + accumulatorBytes).assumingMemoryBound(to: UInt8.self)
    let bias: UnsafePointer<Int32>? = runtimeBias ? buffers.optionalInput(8, Int32.self) : nil
    let c = inChannels
    let direct = pointwise && !gathered && !rowTaps
    let (taps, tapBytes) =
      gathered ? (1, kPadded) : rowTaps ? (window.kernelH, rowBytes) : (window.taps, c)
    // Row taps from a padded copy: chunks stay within one image, copied when the chunk moves to it.
    let plane = scratch + pointerBytes + accumulatorBytes + gatherBytes
    var copied = -1
    var p = positions.lowerBound
    while p < positions.upperBound {
      // Chunks of `chunkRows`, the last two balanced: 49 positions are 25 + 24, not 48 + 1 (a last
      // chunk of one position reads every weight for it alone).
      let left = positions.upperBound - p
      var rows = left <= chunkRows ? left : left < 2 * chunkRows ? (left + 1) / 2 : chunkRows
      let n = p / window.gridSize
      if rowTaps && paddedCopy {
        rows = min(rows, (n + 1) * window.gridSize - p)
        if copied != n {
          let planeBytes = paddedHeight * paddedWidth * c
          copyPadded(x + n * window.imageSize * c, into: plane.assumingMemoryBound(to: UInt8.self))
          (plane + planeBytes).initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes)
          copied = n
        }
      }
      if direct {
        for r in 0..<rows { sources[r] = UnsafePointer(x + (p + r) * c) }
      } else if rowTaps {
        fillRowSources(
          x, positions: p..<p + rows, sources: sources, gather: gather,
          plane: paddedCopy ? UnsafePointer(plane.assumingMemoryBound(to: UInt8.self)) : nil)
      } else {
        fillSources(x, positions: p..<p + rows, sources: sources, gather: gather)
      }
      if signedDot {
        oq_nhwc_s8s8_conv(
          sources, Int32(rows), Int32(taps), Int32(tapBytes / 4),
          UnsafePointer(weights.unsafelyUnwrapped.typed(Int8.self)), Int32(vectors), acc,
          accumulatorStride, dotFlip)
      } else if dot {
        oq_nhwc_u8s8_conv(
          sources, Int32(rows), Int32(taps), Int32(tapBytes / 4),
          UnsafePointer(weights.unsafelyUnwrapped.typed(Int8.self)), Int32(vectors), acc,
          accumulatorStride,
          xSigned ? 1 : 0)
      } else {
        portableProduct(sources, rows: rows, taps: taps, tapBytes: tapBytes, into: acc, T.self)
      }
      if flatOutput {
        storeFlat(acc, count: rows * outChannels, into: y + p * outChannels, bias: bias)
      } else {
        storeRows(acc, rows: rows, into: y + p * outChannels, bias: bias)
      }
      p += rows
    }
  }

  /// Int32 from one position's accumulators to the next: M with flat output (rows are stored in
  /// increasing order, each overwriting the previous one's lanes past M), else the vectors' lanes.
  var accumulatorStride: Int { flatOutput ? outChannels : vectors * 16 }

  /// Step 1 for the positions `positions`: `sources[tap * rows + r]` or, gathered, row r at
  /// `gather + r * kPadded` (`sources[r]` pointing at it, zeros past k).
  ///
  /// The positions go by runs along an output row, tap by tap: the run's columns whose tap lies in the
  /// image point at its pixel (advancing `strideW * C` a position: contiguous stores), the others at
  /// x_zero_point's row. Gathered rows are copied position by position (`fillPosition`).
  func fillSources(
    _ x: UnsafePointer<UInt8>, positions: Range<Int>, sources: Sources,
    gather: UnsafeMutablePointer<UInt8>
  ) {
    let w = window
    let c = inChannels
    let rows = positions.count
    let zero = UnsafePointer(zeroRow.unsafelyUnwrapped.typed(UInt8.self))
    let imageBytes = w.imageSize * c
    let step = w.strideW &* c
    forEachRowRun(positions) { r, n, gh, gw, count in
      let image = x + n &* imageBytes
      let baseH = gh &* w.strideH &- w.padH
      if gathered {
        for g in gw..<(gw &+ count) {
          fillPosition(image, r &+ g &- gw, rows: rows, gh: gh, gw: g, sources, gather)
        }
      } else {
        var tap = 0
        for kh in 0..<w.kernelH {
          let ih = baseH &+ kh &* w.dilationH
          let rowInside = UInt(bitPattern: ih) < UInt(w.imageH)
          for kw in 0..<w.kernelW {
            // The run's columns lo..<hi whose tap (kh, kw) lies in the image.
            let offset = kw &* w.dilationW &- w.padW
            let valid = ConvWindow.validRange(
              offset: offset, stride: w.strideW, grid: w.gridW, image: w.imageW)
            let lo = rowInside ? min(max(gw, valid.lower), gw &+ count) : gw &+ count
            let hi = rowInside ? max(lo, min(gw &+ count, valid.upper)) : lo
            let row = sources + (tap &* rows &+ r)
            for i in 0..<(lo &- gw) { row[i] = zero }
            if hi > lo {
              let source = image + (ih &* w.imageW &+ lo &* w.strideW &+ offset) &* c
              let inside = row + (lo &- gw)
              for i in 0..<(hi &- lo) { inside[i] = source + i &* step }
            }
            for i in (hi &- gw)..<count { row[i] = zero }
            tap &+= 1
          }
        }
      }
    }
  }

  /// Calls `body(r, n, gh, gw, count)` for each run of `positions` along one output row: chunk rows
  /// `r..<r + count` are image n's output row gh, columns `gw..<gw + count`.
  @inline(__always)
  func forEachRowRun(_ positions: Range<Int>, _ body: (Int, Int, Int, Int, Int) -> Void) {
    let w = window
    var n = positions.lowerBound / w.gridSize
    var gh = (positions.lowerBound - n * w.gridSize) / w.gridW
    var gw = positions.lowerBound - n * w.gridSize - gh * w.gridW
    var r = 0
    while r < positions.count {
      let count = min(w.gridW &- gw, positions.count &- r)
      body(r, n, gh, gw, count)
      r &+= count
      gw &+= count
      if gw == w.gridW {
        gw = 0
        gh += 1
        if gh == w.gridH {
          gh = 0
          n += 1
        }
      }
    }
  }

  /// Step 1 for position `r` of the chunk (output row `gh`, column `gw` of `image`), gathered: its row
  /// of A copied, x_zero_point for the taps out of the image.
  @inline(never)
  func fillPosition(
    _ image: UnsafePointer<UInt8>, _ r: Int, rows: Int, gh: Int, gw: Int, _ sources: Sources,
    _ gather: UnsafeMutablePointer<UInt8>
  ) {
    let w = window
    let c = inChannels
    let zero = UnsafePointer(zeroRow.unsafelyUnwrapped.typed(UInt8.self))
    let span = w.kernelW * c
    let baseH = gh * w.strideH - w.padH
    let baseW = gw * w.strideW - w.padW
    var row = gather + r &* kPadded
    for kh in 0..<w.kernelH {
      let ih = baseH &+ kh &* w.dilationH
      let rowInside = UInt(bitPattern: ih) < UInt(w.imageH)
      if w.dilationW == 1 {
        // The kernel row's taps lo..<hi inside the image are one run of bytes; x_zero_point around.
        let lo = rowInside ? min(max(0, -baseW), w.kernelW) : w.kernelW
        let hi = rowInside ? max(lo, min(w.kernelW, w.imageW &- baseW)) : w.kernelW
        if lo > 0 { copy(zero, to: row, count: lo &* c) }
        if hi > lo {
          copy(
            image + (ih &* w.imageW &+ baseW &+ lo) &* c, to: row + lo &* c,
            count: (hi &- lo) &* c)
        }
        if hi < w.kernelW { copy(zero, to: row + hi &* c, count: (w.kernelW &- hi) &* c) }
        row += span
        continue
      }
      for kw in 0..<w.kernelW {
        let iw = baseW &+ kw &* w.dilationW
        let source =
          rowInside && UInt(bitPattern: iw) < UInt(w.imageW)
          ? image + (ih &* w.imageW &+ iw) &* c : zero
        copy(source, to: row, count: c)
        row += c
      }
    }
    for i in k..<kPadded { gather[r * kPadded + i] = 0 }
    sources[r] = UnsafePointer(gather + r * kPadded)
  }

  /// Step 1 with row taps: `sources[kh * rows + r]` is kernel row kh of position r, `rowBytes` read
  /// from x in place when the row lies in the image (and the bytes past kW * C are still in x), else
  /// gathered into `gather + (r * kH + kh) * rowBytes` with x_zero_point for the padding and zeros
  /// past kW * C, or x_zero_point's row for a row wholly outside.
  func fillRowSources(
    _ x: UnsafePointer<UInt8>, positions: Range<Int>, sources: Sources,
    gather: UnsafeMutablePointer<UInt8>, plane: UnsafePointer<UInt8>?
  ) {
    let w = window
    let c = inChannels
    let rows = positions.count
    var x = x
    var imageBytes = w.imageSize * c
    var end = Int(bitPattern: x + batch * imageBytes)
    let kernelH = w.kernelH
    let (strideW, strideH) = (w.strideW, w.strideH)
    var (imageW, imageH, padW, padH) = (w.imageW, w.imageH, w.padW, w.padH)
    if let plane = plane {
      // One image (the chunk's) with its padding, and a kernel row of slack: every window inside.
      (imageW, imageH, padW, padH) = (paddedWidth, paddedHeight, 0, 0)
      imageBytes = 0
      x = plane
      end = Int(bitPattern: plane + paddedHeight * paddedWidth * c + rowBytes)
    }
    let columns = ConvWindow.validRange(
      offset: -padW, stride: strideW, grid: w.gridW, image: imageW - (w.kernelW - 1))
    // Inside the image, kernel row kh of a position is its first row plus kh rows of the image.
    let rowStep = w.dilationH * imageW * c
    let lastRow = (kernelH - 1) * rowStep + rowBytes
    forEachRowRun(positions) { r, n, gh, gw, count in
      let image = x + n &* imageBytes
      let baseH = gh &* strideH &- padH
      let rowsInside = baseH >= 0 && baseH &+ (kernelH &- 1) &* w.dilationH < imageH
      // Of this run, columns lo..<hi read their kernel rows in place (kernel row by kernel row:
      // contiguous runs of pointers), the others are gathered.
      let lo = rowsInside ? min(max(gw, columns.lower), gw &+ count) : gw &+ count
      var hi = rowsInside ? max(lo, min(gw &+ count, columns.upper)) : lo
      let step = strideW &* c
      let first = Int(bitPattern: image + (baseH &* imageW &+ lo &* strideW &- padW) &* c)
      // The last kernel row's bytes past kW * C must still be in x.
      while hi > lo && first &+ (hi &- 1 &- lo) &* step &+ lastRow > end { hi &-= 1 }
      for g in gw..<lo {
        gatherRows(image, position: r &+ g &- gw, rows: rows, gh: gh, gw: g, sources: sources, gather: gather)
      }
      if hi > lo {
        var source = first
        for kh in 0..<kernelH {
          let row = sources + (kh &* rows &+ r &+ lo &- gw)
          for i in 0..<(hi &- lo) { row[i] = UnsafePointer(bitPattern: source &+ i &* step) }
          source &+= rowStep
        }
      }
      for g in hi..<(gw &+ count) {
        gatherRows(image, position: r &+ g &- gw, rows: rows, gh: gh, gw: g, sources: sources, gather: gather)
      }
    }
  }

  /// Row taps of a position at the border (see `fillRowSources`).
  @inline(never)
  func gatherRows(
    _ image: UnsafePointer<UInt8>, position r: Int, rows: Int, gh: Int, gw: Int, sources: Sources,
    gather: UnsafeMutablePointer<UInt8>
  ) {
    let w = window
    let c = inChannels
    let zero = UnsafePointer(zeroRow.unsafelyUnwrapped.typed(UInt8.self))
    let span = w.kernelW * c
    let kernelW = w.kernelW
    let baseH = gh * w.strideH - w.padH
    let baseW = gw * w.strideW - w.padW
    for kh in 0..<w.kernelH {
      let ih = baseH + kh * w.dilationH
      if UInt(bitPattern: ih) >= UInt(w.imageH) {
        sources[kh * rows + r] = zero
        continue
      }
      // Taps lo..<hi of the kernel row are in the image: one run of bytes; the rest x_zero_point, and
      // zeros past kW * C.
      let row = gather + (r * w.kernelH + kh) * rowBytes
      let lo = min(max(0, -baseW), kernelW)
      let hi = max(lo, min(kernelW, w.imageW - baseW))
      if lo > 0 { copy(zero, to: row, count: lo * c) }
      if hi > lo {
        copy(image + (ih * w.imageW + baseW + lo) * c, to: row + lo * c, count: (hi - lo) * c)
      }
      if hi < kernelW { copy(zero, to: row + hi * c, count: (kernelW - hi) * c) }
      for i in span..<rowBytes { row[i] = 0 }
      sources[kh * rows + r] = UnsafePointer(row)
    }
  }

  /// A short copy without a call: overlapping 8- or 4-byte moves up to 32 bytes, else `memcpy`.
  @inline(__always)
  func copy(_ source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>, count: Int) {
    let from = UnsafeRawPointer(source)
    let to = UnsafeMutableRawPointer(destination)
    if count > 32 {
      to.copyMemory(from: from, byteCount: count)
    } else if count >= 8 {
      var i = 0
      while i &+ 8 < count {
        to.storeBytes(
          of: from.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i,
          as: UInt64.self)
        i &+= 8
      }
      to.storeBytes(
        of: from.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self),
        toByteOffset: count &- 8, as: UInt64.self)
    } else if count >= 4 {
      to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
      to.storeBytes(
        of: from.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self),
        toByteOffset: count &- 4, as: UInt32.self)
    } else {
      for i in 0..<count { destination[i] = source[i] }
    }
  }

  /// Step 3: rows `0..<rows` of the accumulators (`vectors * 16` apart) to the output positions at `y`.
  func storeRows(
    _ acc: UnsafePointer<Int32>, rows: Int, into y: UnsafeMutablePointer<UInt8>,
    bias: UnsafePointer<Int32>?
  ) {
    if nativeOutput { return storeRowsNative(acc, rows: rows, into: y, bias: bias) }
    typealias V = IntegerLanes.Vector
    let m = outChannels
    let width = vectors * 16
    let starts = UnsafePointer(self.starts.unsafelyUnwrapped.typed(Int.self))
    let values = UnsafeRawPointer(lanes.unsafelyUnwrapped.pointer)
    let stride = IntegerChannelsLastKernel.laneValues * 4
    for v in 0..<vectors {
      let start = starts[v]
      let parameters = values + v * stride
      let mantissas = parameters.loadUnaligned(as: V.self)
      let shifts = parameters.loadUnaligned(fromByteOffset: 64, as: V.self)
      let rounding = IntegerLanes.RoundingLanes.load(parameters + 192)
      var constant = parameters.loadUnaligned(fromByteOffset: 128, as: V.self)
      if let bias = bias {
        for lane in 0..<16 where start + lane < m { constant[lane] &+= bias[start + lane] }
      }
      // Two loops rather than a test per row: with the partial store in the same loop, LLVM splits the
      // 16-byte store into byte extracts (16 instructions instead of one vpmovdb).
      if m >= 16 {
        for r in 0..<rows {
          let sums = UnsafeRawPointer(acc + r * width + v * 16).loadUnaligned(as: V.self) &+ constant
          let q = IntegerLanes.requantize(
            sums, rounding, mantissas: mantissas, shifts: shifts, zeroPoint: yZero, low: low, high: high)
          IntegerLanes.storeBytes(q, to: y + r * m + start)
        }
      } else {
        for r in 0..<rows {
          let sums = UnsafeRawPointer(acc + r * width + v * 16).loadUnaligned(as: V.self) &+ constant
          let q = IntegerLanes.requantize(
            sums, rounding, mantissas: mantissas, shifts: shifts, zeroPoint: yZero, low: low, high: high)
          let out = y + r * m + start
          for lane in 0..<m { out[lane] = UInt8(truncatingIfNeeded: q[lane]) }
        }
      }
    }
  }

  /// Step 2 without the dot-product kernel: tiles of 4 positions by 2 vectors, int16 weights widened.
  func portableProduct<T: IntegerGemmElement>(
    _ sources: Sources, rows: Int, taps: Int, tapBytes: Int, into acc: UnsafeMutablePointer<Int32>,
    _ type: T.Type
  ) {
    let w = UnsafePointer(weights.unsafelyUnwrapped.typed(Int16.self))
    var v = 0
    while v < vectors {
      var r = 0
      while r < rows {
        portableTile(
          sources, rows: rows, row: r, taps: taps, tapBytes: tapBytes, weights: w, vector: v,
          into: acc, T.self)
        r += 4
      }
      v += 2
    }
  }

  /// Positions `row..<row + 4` (those below `rows`) by vectors `vector` and `vector + 1` (when there).
  @inline(never)
  func portableTile<T: IntegerGemmElement>(
    _ sources: Sources, rows: Int, row: Int, taps: Int, tapBytes: Int,
    weights: UnsafePointer<Int16>,
    vector: Int, into acc: UnsafeMutablePointer<Int32>, _ type: T.Type
  ) {
    typealias V = IntegerLanes.Vector
    let width = vectors * 16
    let second = vector + 1 < vectors ? 16 : 0
    let stride = accumulatorStride
    let count = min(4, rows - row)
    var a00 = V()
    var a01 = V()
    var a10 = V()
    var a11 = V()
    var a20 = V()
    var a21 = V()
    var a30 = V()
    var a31 = V()
    for tap in 0..<taps {
      // Rows past `rows` repeat the tile's first row (their sums are not stored).
      let base = tap * rows + row
      let p0 = UnsafeRawPointer(sources[base].unsafelyUnwrapped).assumingMemoryBound(to: T.self)
      let p1 =
        count > 1
        ? UnsafeRawPointer(sources[base + 1].unsafelyUnwrapped).assumingMemoryBound(to: T.self) : p0
      let p2 =
        count > 2
        ? UnsafeRawPointer(sources[base + 2].unsafelyUnwrapped).assumingMemoryBound(to: T.self) : p0
      let p3 =
        count > 3
        ? UnsafeRawPointer(sources[base + 3].unsafelyUnwrapped).assumingMemoryBound(to: T.self) : p0
      var pw = UnsafeRawPointer(weights + tap * tapBytes * width + vector * 16)
      for i in 0..<tapBytes {
        let w0 = IntegerLanes.widen(pw.loadUnaligned(as: SIMD16<Int16>.self))
        let w1 = IntegerLanes.widen(
          pw.loadUnaligned(fromByteOffset: second * 2, as: SIMD16<Int16>.self))
        var x = V(repeating: Int32(truncatingIfNeeded: p0[i]))
        a00 &+= x &* w0
        a01 &+= x &* w1
        x = V(repeating: Int32(truncatingIfNeeded: p1[i]))
        a10 &+= x &* w0
        a11 &+= x &* w1
        x = V(repeating: Int32(truncatingIfNeeded: p2[i]))
        a20 &+= x &* w0
        a21 &+= x &* w1
        x = V(repeating: Int32(truncatingIfNeeded: p3[i]))
        a30 &+= x &* w0
        a31 &+= x &* w1
        pw += width * 2
      }
    }
    let out = UnsafeMutableRawPointer(acc + row * stride + vector * 16)
    let rowBytes = stride * 4
    out.storeBytes(of: a00, as: V.self)
    if second != 0 { out.storeBytes(of: a01, toByteOffset: 64, as: V.self) }
    if count > 1 {
      out.storeBytes(of: a10, toByteOffset: rowBytes, as: V.self)
      if second != 0 { out.storeBytes(of: a11, toByteOffset: rowBytes + 64, as: V.self) }
    }
    if count > 2 {
      out.storeBytes(of: a20, toByteOffset: 2 * rowBytes, as: V.self)
      if second != 0 { out.storeBytes(of: a21, toByteOffset: 2 * rowBytes + 64, as: V.self) }
    }
    if count > 3 {
      out.storeBytes(of: a30, toByteOffset: 3 * rowBytes, as: V.self)
      if second != 0 { out.storeBytes(of: a31, toByteOffset: 3 * rowBytes + 64, as: V.self) }
    }
  }
}
