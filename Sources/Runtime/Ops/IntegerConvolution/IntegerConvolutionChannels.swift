import CSupport

/// The non-depthwise QLinearConv / ConvInteger path on NCHW data: per image and group,
/// `Y_g[channels, positions] = W'_g[channels, K] · A[K, positions]`, where `W' = w - w_zero_point`
/// (int16, packed at load) and A holds the raw activations, row k being one input plane (`pointwise`:
/// 1x1 kernel, stride 1, no padding; read in place) or one (channel, tap) row gathered into scratch
/// (`im2col`, padding reading x_zero_point), a chunk of output rows at a time.
///
/// The x zero point is applied once per output: `Σ_k (x - zx)·w' = Σ_k x·w' - zx·Σ_k w'`, with
/// `Σ_k w'` per channel computed at load. Each output channel's plane is contiguous in NCHW, so the
/// micro-kernel spans `channelBlock` channels (weights broadcast) by 32 positions (two vectors of 16
/// int32 lanes), and the requantization of a row of 32 outputs shares one requantizer and is
/// vectorized (`IntegerLanes.requantize`).
extension IntegerConvolutionKernel {
  /// Output channels per micro-tile.
  static let channelBlock = 8
  /// Positions per micro-tile.
  static let positionBlock = 32
  /// Bytes of the int32 accumulator tile in scratch.
  static let accumulatorBytes = channelBlock * positionBlock * 4

  /// Packs `w - zw` of every output channel, grouped `channelBlock` channels at a time
  /// (`[group][block][k][channelBlock]` int16, zero for the padding channels), and `Σ_k (w - zw)`.
  static func packChannelWeights<T: IntegerGemmElement>(
    _ weights: UnsafeMutablePointer<T>, zeroPoints: UnsafeMutablePointer<T>?, zeroPointStride: Int,
    outChannels: Int, group: Int, k: Int
  ) -> (weights: Storage, sums: Storage, groupStride: Int) {
    let mg = outChannels / group
    let blocks = (mg + channelBlock - 1) / channelBlock
    let groupStride = blocks * k * channelBlock
    var packed = [Int16](repeating: 0, count: max(groupStride * group, 1))
    var sums = [Int32](repeating: 0, count: max(outChannels, 1))
    for g in 0..<group {
      for j in 0..<mg {
        let channel = g * mg + j
        let zero = zeroPoints.map { Int32(truncatingIfNeeded: $0[channel * zeroPointStride]) } ?? 0
        let base = g * groupStride + (j / channelBlock) * k * channelBlock + j % channelBlock
        var sum: Int32 = 0
        for p in 0..<k {
          let value = Int32(truncatingIfNeeded: weights[channel * k + p]) - zero
          packed[base + p * channelBlock] = Int16(value)
          sum += value
        }
        sums[channel] = sum
      }
    }
    return (Storage(values: packed), Storage(values: sums), groupStride)
  }

  /// The same weights for the dot-product tile (`oq_u8s8_tile_8x32`, csupport_int8.h), when this CPU has
  /// one and every `w - zw` fits in int8: `[group][block][k / 4][channelBlock][4]` int8, zero past k and
  /// for the padding channels; nil otherwise.
  static func packDotWeights<T: IntegerGemmElement>(
    _ weights: UnsafeMutablePointer<T>, zeroPoints: UnsafeMutablePointer<T>?, zeroPointStride: Int,
    outChannels: Int, group: Int, k: Int
  ) -> (weights: Storage, groupStride: Int)? {
    guard oq_has_u8s8_dot() == 1 else { return nil }
    let mg = outChannels / group
    let blocks = (mg + channelBlock - 1) / channelBlock
    let quads = (k + 3) / 4
    let groupStride = blocks * quads * channelBlock * 4
    var packed = [Int8](repeating: 0, count: max(groupStride * group, 1))
    for g in 0..<group {
      for j in 0..<mg {
        let channel = g * mg + j
        let zero = zeroPoints.map { Int32(truncatingIfNeeded: $0[channel * zeroPointStride]) } ?? 0
        let base =
          g * groupStride + (j / channelBlock) * quads * channelBlock * 4 + (j % channelBlock) * 4
        for p in 0..<k {
          let value = Int32(truncatingIfNeeded: weights[channel * k + p]) - zero
          guard value >= -128 && value <= 127 else { return nil }
          packed[base + (p / 4) * channelBlock * 4 + p % 4] = Int8(value)
        }
      }
    }
    return (Storage(values: packed), groupStride)
  }

  /// Bytes of the dot-product tile's interleaved activations for 32 positions.
  static func panelBytes(k: Int) -> Int { IntegerGemm.roundUp(k, 4) * positionBlock }

  /// Output rows (of the D x H grid) per im2col chunk: about 32 KiB of gathered activations.
  static func chunkRows(window: ConvWindow, k: Int) -> Int {
    let rows = window.gridD * window.gridH
    return max(1, min(rows, (32 * 1024 / max(k, 1)) / max(window.gridW, 1)))
  }

  /// Positions (a multiple of `positionBlock`) of one gathered chunk.
  static func chunkStride(window: ConvWindow, k: Int) -> Int {
    IntegerGemm.roundUp(chunkRows(window: window, k: k) * window.gridW, positionBlock)
  }

  /// Scratch bytes: the accumulator tile, then the gathered chunk (im2col) or the last, partial
  /// tile of positions (pointwise).
  static func channelScratchBytes(window: ConvWindow, k: Int, pointwise: Bool, dot: Bool) -> Int {
    let rows = pointwise ? k * positionBlock : k * chunkStride(window: window, k: k)
    return accumulatorBytes + IntegerGemm.roundUp(rows, 64) + (dot ? panelBytes(k: k) : 0)
  }

  /// Σ_k a[k, p] · w[k, c] for the block's `channelBlock` channels and 32 positions; row k of A at
  /// `a + k * aStride`. Writes `[channelBlock][32]` int32.
  @inline(never)
  static func channelTile<T: IntegerGemmElement>(
    _ a: UnsafePointer<T>, aStride: Int, _ w: UnsafePointer<Int16>, k: Int,
    into out: UnsafeMutablePointer<Int32>
  ) {
    typealias V = IntegerLanes.Vector
    var c00 = V()
    var c01 = V()
    var c10 = V()
    var c11 = V()
    var c20 = V()
    var c21 = V()
    var c30 = V()
    var c31 = V()
    var c40 = V()
    var c41 = V()
    var c50 = V()
    var c51 = V()
    var c60 = V()
    var c61 = V()
    var c70 = V()
    var c71 = V()
    var pa = UnsafeRawPointer(a)
    var pw = w
    for _ in 0..<k {
      let x0 = T.widen16(pa)
      let x1 = T.widen16(pa + 16)
      var b = V(repeating: Int32(pw[0]))
      c00 &+= b &* x0
      c01 &+= b &* x1
      b = V(repeating: Int32(pw[1]))
      c10 &+= b &* x0
      c11 &+= b &* x1
      b = V(repeating: Int32(pw[2]))
      c20 &+= b &* x0
      c21 &+= b &* x1
      b = V(repeating: Int32(pw[3]))
      c30 &+= b &* x0
      c31 &+= b &* x1
      b = V(repeating: Int32(pw[4]))
      c40 &+= b &* x0
      c41 &+= b &* x1
      b = V(repeating: Int32(pw[5]))
      c50 &+= b &* x0
      c51 &+= b &* x1
      b = V(repeating: Int32(pw[6]))
      c60 &+= b &* x0
      c61 &+= b &* x1
      b = V(repeating: Int32(pw[7]))
      c70 &+= b &* x0
      c71 &+= b &* x1
      pa += aStride
      pw += 8
    }
    let o = UnsafeMutableRawPointer(out)
    o.storeBytes(of: c00, toByteOffset: 0, as: V.self)
    o.storeBytes(of: c01, toByteOffset: 64, as: V.self)
    o.storeBytes(of: c10, toByteOffset: 128, as: V.self)
    o.storeBytes(of: c11, toByteOffset: 192, as: V.self)
    o.storeBytes(of: c20, toByteOffset: 256, as: V.self)
    o.storeBytes(of: c21, toByteOffset: 320, as: V.self)
    o.storeBytes(of: c30, toByteOffset: 384, as: V.self)
    o.storeBytes(of: c31, toByteOffset: 448, as: V.self)
    o.storeBytes(of: c40, toByteOffset: 512, as: V.self)
    o.storeBytes(of: c41, toByteOffset: 576, as: V.self)
    o.storeBytes(of: c50, toByteOffset: 640, as: V.self)
    o.storeBytes(of: c51, toByteOffset: 704, as: V.self)
    o.storeBytes(of: c60, toByteOffset: 768, as: V.self)
    o.storeBytes(of: c61, toByteOffset: 832, as: V.self)
    o.storeBytes(of: c70, toByteOffset: 896, as: V.self)
    o.storeBytes(of: c71, toByteOffset: 960, as: V.self)
  }

  /// Writes `count` (<= 32) outputs of channel `channel` from the accumulators at `acc`, starting
  /// at element `position` of the channel's plane `plane`.
  @inline(__always)
  func storeChannelRow(
    _ acc: UnsafePointer<Int32>, count: Int, channel: Int, correction: Int32,
    plane: UnsafeMutableRawPointer, position: Int
  ) {
    typealias V = IntegerLanes.Vector
    let raw = UnsafeRawPointer(acc)
    let offset = V(repeating: correction)
    let v0 = raw.loadUnaligned(as: V.self) &+ offset
    let v1 = raw.loadUnaligned(fromByteOffset: 64, as: V.self) &+ offset
    switch outputKind {
    case .uint8, .int8:
      let requantizer = requantizers.unsafelyUnwrapped.typed(Requantizer.self)[channel]
      let signed = outputKind == .int8
      let low: Int32 = signed ? -128 : 0
      let high: Int32 = signed ? 127 : 255
      let q0 = IntegerLanes.requantize(v0, requantizer, zeroPoint: yZero, low: low, high: high)
      let out = plane + position
      if count == 32 {
        let q1 = IntegerLanes.requantize(v1, requantizer, zeroPoint: yZero, low: low, high: high)
        IntegerLanes.storeBytes(q0, to: out)
        IntegerLanes.storeBytes(q1, to: out + 16)
      } else {
        // A partial row (the plane's last): whole vectors while they fit, the rest byte by byte.
        let bytes = out.assumingMemoryBound(to: UInt8.self)
        if count >= 16 {
          IntegerLanes.storeBytes(q0, to: out)
        } else {
          for lane in 0..<count { bytes[lane] = UInt8(truncatingIfNeeded: q0[lane]) }
        }
        if count > 16 {
          let q1 = IntegerLanes.requantize(v1, requantizer, zeroPoint: yZero, low: low, high: high)
          for lane in 16..<count { bytes[lane] = UInt8(truncatingIfNeeded: q1[lane - 16]) }
        }
      }
    case .int32, .float:
      let out = plane.assumingMemoryBound(to: Int32.self) + position
      for lane in 0..<min(count, 16) { out[lane] = v0[lane] }
      if count > 16 { for lane in 16..<count { out[lane] = v1[lane - 16] } }
    }
  }

  /// One image and group: `a` row k at `a + k * aStride` for positions `0..<count` (relative to
  /// `position0`), every tile of 32 readable (`tail` holds scratch for a partial last tile when the
  /// rows cannot be read past `count`).
  @inline(__always)
  func channelProduct<T: IntegerGemmElement>(
    _ a: UnsafePointer<T>, aStride: Int, count: Int, tail: UnsafeMutablePointer<T>?,
    image n: Int, group g: Int, position0: Int, zeroPoint: Int32, scratch: UnsafeMutableRawPointer,
    output outputBase: UnsafeMutableRawPointer, bias biasPointer: UnsafePointer<Int32>?,
    blocks blockRange: Range<Int>? = nil
  ) {
    let k = inGroupChannels * window.taps
    let mg = outGroupChannels
    let positions = window.gridSize
    let block = IntegerConvolutionKernel.channelBlock
    let tileWidth = IntegerConvolutionKernel.positionBlock
    let acc = scratch.assumingMemoryBound(to: Int32.self)
    let packed = UnsafePointer(weights.unsafelyUnwrapped.typed(Int16.self)) + g * channelGroupStride
    let sums = UnsafePointer(channelSums.unsafelyUnwrapped.typed(Int32.self))
    let elementBytes = outputElementBytes
    let blocks = (mg + block - 1) / block
    // The dot-product tile: 32 positions interleaved once into the panel, int8 codes flipped to uint8
    // (x + 128, so the zero point moves by 128 too).
    let dot = dotWeights.map { UnsafePointer($0.typed(Int8.self)) + g * dotGroupStride }
    let quads = (k + 3) / 4
    let panel = (scratch + IntegerConvolutionKernel.accumulatorBytes + dotPanelOffset)
      .assumingMemoryBound(
        to: UInt8.self)
    let signed = T.center == 0
    let zero = dot != nil && signed ? zeroPoint &+ 128 : zeroPoint
    var p = 0
    while p < count {
      let width = min(tileWidth, count - p)
      var source = a + p
      var stride = aStride
      if width < tileWidth, let tail = tail {
        // Copy the partial tile so that every row reads 32 values.
        for row in 0..<k {
          let from = a + row * aStride + p
          let to = tail + row * tileWidth
          for i in 0..<width { to[i] = from[i] }
          for i in width..<tileWidth { to[i] = 0 }
        }
        source = UnsafePointer(tail)
        stride = tileWidth
      }
      if dot != nil {
        oq_pack_u8_panel(
          UnsafeRawPointer(source).assumingMemoryBound(to: UInt8.self),
          stride * MemoryLayout<T>.stride,
          Int32(k), signed ? 0x80 : 0, panel)
      }
      for b in blockRange ?? 0..<blocks {
        if let dot = dot {
          oq_u8s8_tile_8x32(panel, dot + b * quads * block * 4, Int32(quads), acc)
        } else {
          IntegerConvolutionKernel.channelTile(
            source, aStride: stride * MemoryLayout<T>.stride, packed + b * k * block, k: k,
            into: acc)
        }
        let rows = min(block, mg - b * block)
        for r in 0..<rows {
          let channel = g * mg + b * block + r
          var correction = 0 &- zero &* sums[channel]
          if let biases = biasPointer { correction &+= biases[channel] }
          let plane = outputBase + (n * outChannels + channel) * positions * elementBytes
          storeChannelRow(
            acc + r * tileWidth, count: width, channel: channel, correction: correction,
            plane: plane, position: (position0 + p) * elementBytes)
        }
      }
      p += tileWidth
    }
  }

  /// Gathers the rows `rows` of the output grid (D x H rows of W positions) into `col`:
  /// row k = (c, kd, kh, kw) holds, for each position, the input that tap reads (x_zero_point in the
  /// padding); rows `stride` elements apart.
  func gather<T: IntegerGemmElement>(
    _ image: UnsafePointer<T>, rows: Range<Int>, zeroPoint: T, into col: UnsafeMutablePointer<T>,
    stride: Int
  ) {
    let w = window
    let cg = inGroupChannels
    var k = 0
    for c in 0..<cg {
      let plane = image + c * w.imageSize
      for kd in 0..<w.kernelD {
        for kh in 0..<w.kernelH {
          for kw in 0..<w.kernelW {
            let columns = ConvWindow.validRange(
              offset: kw * w.dilationW - w.padW, stride: w.strideW, grid: w.gridW, image: w.imageW)
            var out = col + k * stride
            for row in rows {
              let gh = row % w.gridH
              let gd = row / w.gridH
              let id = gd * w.strideD - w.padD + kd * w.dilationD
              let ih = gh * w.strideH - w.padH + kh * w.dilationH
              if id < 0 || id >= w.imageD || ih < 0 || ih >= w.imageH {
                out.update(repeating: zeroPoint, count: w.gridW)
              } else {
                let line = plane + (id * w.imageH + ih) * w.imageW
                if columns.lower > 0 { out.update(repeating: zeroPoint, count: columns.lower) }
                var iw = columns.lower * w.strideW + kw * w.dilationW - w.padW
                for gw in columns.lower..<columns.upper {
                  out[gw] = line[iw]
                  iw &+= w.strideW
                }
                if columns.upper < w.gridW {
                  (out + columns.upper).update(
                    repeating: zeroPoint, count: w.gridW - columns.upper)
                }
              }
              out += w.gridW
            }
            // Positions past the chunk up to the row stride read 0: their accumulators stay small.
            let used = rows.count * w.gridW
            if used < stride {
              (col + k * stride + used).update(repeating: 0, count: stride - used)
            }
            k += 1
          }
        }
      }
    }
  }

  func runChannels<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ x: UnsafePointer<T>, zeroPoint: T
  ) {
    if buffers.pool != nil {
      runChannelsInParallel(buffers, x, zeroPoint: zeroPoint)
      return
    }
    let scratch = buffers.scratch.unsafelyUnwrapped
    let rowsBase = (scratch + IntegerConvolutionKernel.accumulatorBytes).assumingMemoryBound(
      to: T.self)
    let cg = inGroupChannels
    let k = cg * window.taps
    let zero = Int32(truncatingIfNeeded: zeroPoint)
    let output = buffers.outputs[0]
    let bias: UnsafePointer<Int32>? = hasBias ? buffers.optionalInput(8, Int32.self) : nil
    for n in 0..<batch {
      for g in 0..<group {
        let image = x + (n * inChannels + g * cg) * window.imageSize
        if strategy == .pointwise {
          channelProduct(
            image, aStride: window.imageSize, count: window.gridSize, tail: rowsBase, image: n,
            group: g, position0: 0, zeroPoint: zero, scratch: scratch, output: output, bias: bias)
        } else {
          let gridRows = window.gridD * window.gridH
          let chunk = IntegerConvolutionKernel.chunkRows(window: window, k: k)
          let stride = IntegerConvolutionKernel.chunkStride(window: window, k: k)
          var row = 0
          while row < gridRows {
            let rows = min(chunk, gridRows - row)
            gather(
              image, rows: row..<row + rows, zeroPoint: zeroPoint, into: rowsBase, stride: stride)
            channelProduct(
              UnsafePointer(rowsBase), aStride: stride, count: rows * window.gridW, tail: nil,
              image: n, group: g, position0: row * window.gridW, zeroPoint: zero, scratch: scratch,
              output: output, bias: bias)
            row += rows
          }
        }
      }
    }
  }
}

// MARK: Threads

/// One image and group of a parallel `runChannels`, for the pool's tasks: task t covers position part
/// `t / channelParts` (pointwise: whole tiles of 32 positions; im2col: rows of the output grid,
/// gathered by the task into its thread's scratch) and channel-block part `t % channelParts`. Every
/// task writes its own outputs, computed exactly as on one thread.
struct IntegerChannelJob {
  var kernel: UnsafePointer<IntegerConvolutionKernel>
  var buffers: UnsafePointer<StepBuffers>
  var image: UnsafeRawPointer
  var n = 0
  var g = 0
  var zeroPoint: Int32 = 0
  var positionParts = 1
  var channelParts = 1
  var signed = false
  var bias: UnsafePointer<Int32>?
}

extension IntegerConvolutionKernel {
  /// Multiply-adds above which a step splits across threads.
  static let parallelWork = 1 << 19

  /// Whether the channels path of this step is worth splitting across threads.
  var worthThreads: Bool {
    batch * group * window.gridSize * outGroupChannels * inGroupChannels * window.taps
      >= IntegerConvolutionKernel.parallelWork
  }

  /// The task split of one image and group over `threads` threads: position parts by channel-block parts.
  func channelParts(threads: Int) -> (positions: Int, channels: Int) {
    let wanted = 2 * threads
    let blocks =
      (outGroupChannels + IntegerConvolutionKernel.channelBlock - 1)
      / IntegerConvolutionKernel.channelBlock
    let tileWidth = IntegerConvolutionKernel.positionBlock
    if strategy == .pointwise {
      let tiles = (window.gridSize + tileWidth - 1) / tileWidth
      let positions = min(tiles, wanted)
      return (positions, min(blocks, max(1, (wanted + positions - 1) / positions)))
    }
    let k = inGroupChannels * window.taps
    let gridRows = window.gridD * window.gridH
    let chunks =
      (gridRows + IntegerConvolutionKernel.chunkRows(window: window, k: k) - 1)
      / IntegerConvolutionKernel.chunkRows(window: window, k: k)
    if window.gridSize >= 2 * tileWidth * wanted {
      // Enough positions: rows split finer than the chunks, whole channels.
      return (max(chunks, min(gridRows, wanted)), 1)
    }
    return (chunks, min(blocks, max(1, (wanted + chunks - 1) / chunks)))
  }

  func runChannelsInParallel<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ x: UnsafePointer<T>, zeroPoint: T
  ) {
    let cg = inGroupChannels
    let parts = channelParts(threads: buffers.threads)
    let bias: UnsafePointer<Int32>? = hasBias ? buffers.optionalInput(8, Int32.self) : nil
    withUnsafePointer(to: self) { kernel in
      withUnsafePointer(to: buffers) { buffersPointer in
        var job = IntegerChannelJob(
          kernel: kernel, buffers: buffersPointer, image: UnsafeRawPointer(x))
        job.zeroPoint = Int32(truncatingIfNeeded: zeroPoint)
        job.positionParts = parts.positions
        job.channelParts = parts.channels
        job.signed = T.center == 0
        job.bias = bias
        for n in 0..<batch {
          for g in 0..<group {
            job.n = n
            job.g = g
            job.image = UnsafeRawPointer(x + (n * inChannels + g * cg) * window.imageSize)
            ThreadPool.run(buffers.pool, tasks: parts.positions * parts.channels, context: &job) {
              context, task, thread in
              let job = context.unsafelyUnwrapped.assumingMemoryBound(to: IntegerChannelJob.self)
              if job.pointee.signed {
                job.pointee.kernel.pointee.channelTask(
                  job, Int(task), thread: Int(thread), Int8.self)
              } else {
                job.pointee.kernel.pointee.channelTask(
                  job, Int(task), thread: Int(thread), UInt8.self)
              }
            }
          }
        }
      }
    }
  }

  func channelTask<T: IntegerGemmElement>(
    _ jobPointer: UnsafePointer<IntegerChannelJob>, _ task: Int, thread: Int, _ type: T.Type
  ) {
    let job = jobPointer.pointee
    let buffers = job.buffers
    let scratch = buffers.pointee.threadScratch(thread)
    let rowsBase = (scratch + IntegerConvolutionKernel.accumulatorBytes).assumingMemoryBound(
      to: T.self)
    let image = job.image.assumingMemoryBound(to: T.self)
    let output = buffers.pointee.outputs[0]
    let blockCount =
      (outGroupChannels + IntegerConvolutionKernel.channelBlock - 1)
      / IntegerConvolutionKernel.channelBlock
    let part = task / job.channelParts
    let blocks = ThreadPool.range(
      task % job.channelParts, parts: job.channelParts, count: blockCount, unit: 1)
    if strategy == .pointwise {
      let positions = ThreadPool.range(
        part, parts: job.positionParts, count: window.gridSize,
        unit: IntegerConvolutionKernel.positionBlock)
      if positions.isEmpty || blocks.isEmpty { return }
      channelProduct(
        image + positions.lowerBound, aStride: window.imageSize, count: positions.count,
        tail: rowsBase, image: job.n,
        group: job.g, position0: positions.lowerBound, zeroPoint: job.zeroPoint, scratch: scratch,
        output: output,
        bias: job.bias, blocks: blocks)
      return
    }
    let k = inGroupChannels * window.taps
    let rows = ThreadPool.range(
      part, parts: job.positionParts, count: window.gridD * window.gridH, unit: 1)
    if rows.isEmpty || blocks.isEmpty { return }
    let chunk = IntegerConvolutionKernel.chunkRows(window: window, k: k)
    let stride = IntegerConvolutionKernel.chunkStride(window: window, k: k)
    let zeroPoint = T(truncatingIfNeeded: job.zeroPoint)
    var row = rows.lowerBound
    while row < rows.upperBound {
      let count = min(chunk, rows.upperBound - row)
      gather(image, rows: row..<row + count, zeroPoint: zeroPoint, into: rowsBase, stride: stride)
      channelProduct(
        UnsafePointer(rowsBase), aStride: stride, count: count * window.gridW, tail: nil,
        image: job.n, group: job.g,
        position0: row * window.gridW, zeroPoint: job.zeroPoint, scratch: scratch, output: output,
        bias: job.bias,
        blocks: blocks)
      row += count
    }
  }
}
