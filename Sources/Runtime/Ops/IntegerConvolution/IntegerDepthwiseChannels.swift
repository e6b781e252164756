/// Depthwise QLinearConv on small planes, channels innermost (one input channel per output channel,
/// one or two spatial axes, int8 / uint8 outputs).
///
/// The phase-plane path (IntegerDepthwisePlanes.swift) pays a fixed cost per channel (filling, steps of
/// 64 outputs, rows of the plane copied out) that dominates planes of a few dozen positions: kws's 25x5,
/// MobileNet's 6x6 and 3x3. Here 16 channels go together, one per int32 lane:
/// 1. the 16 input planes are transposed into scratch as bytes `[row][column][16]` over the padded
///    extent the taps read, 16 positions at a time (`IntegerLanes.transpose16`); the padding holds x_zp;
/// 2. output (h, w) is `bias - x_zp * Σ_taps w + Σ_taps in[h * sH + kh * dH, w * sW + kw * dW] * w_tap`
///    (w being `w - w_zp`), a vector multiply-add per tap across the 16 channels, exact in int32 (the
///    sum `Σ (x - x_zp) * w + bias` modulo 2^32, as the reference wraps it);
/// 3. each position's 16 sums go through 16 requantizers at once (`IntegerLanes.RequantizerLanes`, the
///    exact vector requantization with one mantissa and shift per lane, lane by lane through
///    `Requantizer.quantize` in the rare cases it leaves), into a `[position][16]` byte tile;
/// 4. the tile is transposed back into the 16 output planes.
///
/// Chosen at load (`planDepthwiseChannels`) when the padded plane is small; the kernel's fields hold:
/// `weights` the filters as `[block][tap][16]` int16 (0 in lanes past the channels), `channelSums` the
/// per-lane requantizer parameters (`laneParameterCount` Int32 per block), `tapOffsets` each tap's offset
/// in the padded plane (in bytes), `phaseWidth` / `phaseStride` the padded width and plane size.
extension IntegerConvolutionKernel {
  /// Channels per block: one vector of int32 lanes.
  static let depthwiseLanes = 16
  /// Int32 values of per-lane requantizer parameters per block: 16 mantissas, then 16 shifts.
  static let laneParameterCount = 32

  /// Whether models loaded from now on may use the channels-innermost depthwise path, and the largest
  /// padded plane (positions) it takes. Tests change them to compare the paths.
  nonisolated(unsafe) public static var allowDepthwiseChannels = true
  nonisolated(unsafe) public static var depthwiseChannelsMaxPlane = 1024

  /// The padded extent the taps read: rows and columns from `-pad` on.
  static func paddedExtent(_ w: ConvWindow) -> (height: Int, width: Int) {
    (
      (w.gridH - 1) * w.strideH + (w.kernelH - 1) * w.dilationH + 1,
      (w.gridW - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
    )
  }

  /// Plans the channels-innermost path when it applies (see the type's comment) and returns its scratch
  /// bytes, else nil. `weights` are the raw filters `[channel][tap]`.
  static func planDepthwiseChannels<T: IntegerGemmElement>(
    _ plan: inout IntegerConvolutionKernel, _ weights: UnsafeMutablePointer<T>,
    _ zeroPoints: UnsafeMutablePointer<T>?, _ zeroPointStride: Int
  ) -> Int? {
    let w = plan.window
    guard allowDepthwiseChannels, plan.outGroupChannels == 1, plan.inGroupChannels == 1,
      plan.outputKind == .int8 || plan.outputKind == .uint8,
      let requantizerStorage = plan.requantizers,
      w.imageD == 1 && w.gridD == 1 && w.kernelD == 1
    else { return nil }
    let (height, width) = paddedExtent(w)
    guard height * width <= depthwiseChannelsMaxPlane else { return nil }
    let channels = plan.outChannels
    let taps = w.taps
    let lanes = depthwiseLanes
    let blocks = (channels + lanes - 1) / lanes
    var filters = [Int16](repeating: 0, count: blocks * taps * lanes)
    for channel in 0..<channels {
      let zero = zeroPoints.map { Int32(truncatingIfNeeded: $0[channel * zeroPointStride]) } ?? 0
      let (block, lane) = (channel / lanes, channel % lanes)
      for tap in 0..<taps {
        filters[(block * taps + tap) * lanes + lane] = Int16(
          Int32(truncatingIfNeeded: weights[channel * taps + tap]) - zero)
      }
    }
    let parameters = laneParameters(
      UnsafePointer(requantizerStorage.typed(Requantizer.self)), channels: channels)
    var offsets: [Int] = []
    for kh in 0..<w.kernelH {
      for kw in 0..<w.kernelW {
        offsets.append((kh * w.dilationH * width + kw * w.dilationW) * lanes)
      }
    }
    plan.weights = Storage(values: filters)
    plan.channelSums = Storage(values: parameters)
    plan.tapOffsets = Storage(values: offsets)
    plan.phaseWidth = width
    plan.phaseStride = height * width
    // Padded plane (bytes), the tile of results, the transposed group.
    return IntegerGemm.roundUp(height * width * lanes, 64)
      + IntegerGemm.roundUp(w.gridSize * lanes, 64) + 256
      + 64
  }

  /// The per-lane requantizer parameters of every block of `channels` (`laneParameterCount` each).
  static func laneParameters(_ requantizers: UnsafePointer<Requantizer>, channels: Int) -> [Int32] {
    let lanes = depthwiseLanes
    let blocks = (channels + lanes - 1) / lanes
    var parameters = [Int32](repeating: 0, count: blocks * laneParameterCount)
    for block in 0..<blocks {
      let base = block * laneParameterCount
      for lane in 0..<lanes {
        // Lanes past the channels repeat the block's first channel (their sums are 0). Parameters
        // outside Int32 stay outside the vector path's range when clamped.
        let channel = block * lanes + lane < channels ? block * lanes + lane : block * lanes
        let r = requantizers[channel]
        parameters[base + lane] = Int32(clamping: r.mantissa)
        parameters[base + 16 + lane] = Int32(clamping: r.shift)
      }
    }
    return parameters
  }

  func runDepthwiseChannels<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ x: UnsafePointer<T>, zeroPoint: T
  ) {
    typealias V = IntegerLanes.Vector
    let lanes = IntegerConvolutionKernel.depthwiseLanes
    let w = window
    let width = phaseWidth
    let planeValues = phaseStride
    let scratch = buffers.scratch.unsafelyUnwrapped
    let padded = scratch
    let tile = scratch + IntegerGemm.roundUp(planeValues &* lanes, 64)
    let filters = UnsafeRawPointer(weights.unsafelyUnwrapped.pointer)
    let parameters = UnsafePointer(channelSums.unsafelyUnwrapped.typed(Int32.self))
    let offsets = UnsafePointer(tapOffsets.unsafelyUnwrapped.typed(Int.self))
    let requantizers = UnsafePointer(self.requantizers.unsafelyUnwrapped.typed(Requantizer.self))
    let bias: UnsafePointer<Int32>? = hasBias ? buffers.optionalInput(8, Int32.self) : nil
    let channels = outChannels
    let taps = w.taps
    let positions = w.gridSize
    let imageSize = w.imageSize
    let imageW = w.imageW
    let gridW = w.gridW
    let gridH = w.gridH
    let step = w.strideW &* lanes
    let rowStep = w.strideH &* width &* lanes
    let signed = outputKind == .int8
    let low: Int32 = signed ? -128 : 0
    let high: Int32 = signed ? 127 : 255
    let zero = Int32(truncatingIfNeeded: zeroPoint)
    // The padding holds x_zero_point for every block: blocks only write inside the image. The sums
    // are then Σ x·w - x_zp·Σ w, the x_zp·Σ w going into the starting value.
    padded.initializeMemory(
      as: UInt8.self, repeating: UInt8(truncatingIfNeeded: zeroPoint), count: planeValues &* lanes)
    // Where image row 0, column 0 lands in the padded plane, in bytes.
    let origin = (w.padH &* width &+ w.padW) &* lanes
    let blocks = (channels &+ lanes &- 1) / lanes
    for n in 0..<batch {
      for block in 0..<blocks {
        let c0 = block &* lanes
        let count = min(lanes, channels &- c0)
        let blockFilters = filters + block &* taps &* lanes &* 2
        // 1. Transpose in: 16 positions of the 16 planes at a time (the last group overlapping the one
        // before), each position's 16 channels stored where it lands in the padded plane.
        let planes = UnsafeRawPointer(x + (n &* channels &+ c0) &* imageSize)
        if imageSize >= 16 {
          var p = 0
          while true {
            let from = min(p, imageSize &- 16)
            IntegerLanes.transpose16(planes + from, stride: imageSize, rows: count, into: tile)
            var r = from / imageW
            var c = from &- r &* imageW
            for i in 0..<16 {
              (padded + (origin &+ (r &* width &+ c) &* lanes)).storeBytes(
                of: tile.loadUnaligned(fromByteOffset: i &* 16, as: SIMD16<UInt8>.self),
                as: SIMD16<UInt8>.self)
              c &+= 1
              if c == imageW {
                c = 0
                r &+= 1
              }
            }
            p &+= 16
            if p >= imageSize { break }
          }
        } else {
          let source = planes.assumingMemoryBound(to: UInt8.self)
          for lane in 0..<count {
            for i in 0..<imageSize {
              let r = i / imageW
              (padded + (origin &+ (r &* width &+ i &- r &* imageW) &* lanes &+ lane)).storeBytes(
                of: source[lane &* imageSize &+ i], as: UInt8.self)
            }
          }
        }
        // 2, 3. Sums and requantization, position by position, into the tile.
        var start = V()
        var weightSum = V()
        for t in 0..<taps {
          weightSum &+= IntegerLanes.widen(
            blockFilters.loadUnaligned(fromByteOffset: t &* lanes &* 2, as: SIMD16<Int16>.self))
        }
        if let bias = bias {
          for lane in 0..<count { start[lane] = bias[c0 &+ lane] }
        }
        start &-= weightSum &* V(repeating: zero)
        let requantizer = IntegerLanes.LaneRequantizers(
          parameters + block &* IntegerConvolutionKernel.laneParameterCount, requantizers + c0,
          count: count)
        var position = 0
        for gh in 0..<gridH {
          let rowBase = UnsafeRawPointer(padded + gh &* rowStep)
          var gw = 0
          while gw &+ 4 <= gridW {
            let base = rowBase + gw &* step
            var a0 = start
            var a1 = start
            var a2 = start
            var a3 = start
            for t in 0..<taps {
              let weight = IntegerLanes.widen(
                blockFilters.loadUnaligned(fromByteOffset: t &* lanes &* 2, as: SIMD16<Int16>.self))
              let p = base + offsets[t]
              a0 &+= T.widen16(p) &* weight
              a1 &+= T.widen16(p + step) &* weight
              a2 &+= T.widen16(p + 2 &* step) &* weight
              a3 &+= T.widen16(p + 3 &* step) &* weight
            }
            let out = tile + position &* lanes
            IntegerLanes.storeBytes(
              requantizer.requantize(a0, zeroPoint: yZero, low: low, high: high),
              to: out)
            IntegerLanes.storeBytes(
              requantizer.requantize(a1, zeroPoint: yZero, low: low, high: high),
              to: out + lanes)
            IntegerLanes.storeBytes(
              requantizer.requantize(a2, zeroPoint: yZero, low: low, high: high),
              to: out + 2 &* lanes)
            IntegerLanes.storeBytes(
              requantizer.requantize(a3, zeroPoint: yZero, low: low, high: high),
              to: out + 3 &* lanes)
            position &+= 4
            gw &+= 4
          }
          while gw < gridW {
            let base = rowBase + gw &* step
            var acc = start
            for t in 0..<taps {
              let weight = IntegerLanes.widen(
                blockFilters.loadUnaligned(fromByteOffset: t &* lanes &* 2, as: SIMD16<Int16>.self))
              acc &+= T.widen16(base + offsets[t]) &* weight
            }
            IntegerLanes.storeBytes(
              requantizer.requantize(acc, zeroPoint: yZero, low: low, high: high),
              to: tile + position &* lanes)
            position &+= 1
            gw &+= 1
          }
        }
        // 4. Transpose out: 16 positions of the 16 channels at a time (the last group overlapping).
        let output = buffers.outputs[0] + (n &* channels &+ c0) &* positions
        if positions >= 16 {
          let transposed = tile + IntegerGemm.roundUp(positions &* lanes, 64)
          var p = 0
          while true {
            let from = min(p, positions &- 16)
            IntegerLanes.transpose16(
              UnsafeRawPointer(tile + from &* lanes), stride: lanes, rows: 16, into: transposed)
            for lane in 0..<count {
              (output + (lane &* positions &+ from)).storeBytes(
                of: transposed.loadUnaligned(fromByteOffset: lane &* 16, as: SIMD16<UInt8>.self),
                as: SIMD16<UInt8>.self)
            }
            p &+= 16
            if p >= positions { break }
          }
        } else {
          let bytes = tile.assumingMemoryBound(to: UInt8.self)
          for lane in 0..<count {
            for p in 0..<positions {
              (output + (lane &* positions &+ p)).storeBytes(
                of: bytes[p &* lanes &+ lane], as: UInt8.self)
            }
          }
        }
      }
    }
  }
}

extension IntegerLanes {
  /// 16 requantizers, one per lane, loaded once from their parameters (see
  /// `IntegerConvolutionKernel.laneParameterCount`) for `requantize`.
  struct LaneRequantizers {
    var lanes: RequantizerLanes
    var parameters: UnsafePointer<Int32>
    var requantizers: UnsafePointer<Requantizer>
    var count: Int

    @inline(__always)
    init(_ parameters: UnsafePointer<Int32>, _ requantizers: UnsafePointer<Requantizer>, count: Int)
    {
      lanes = LaneRequantizers.load(parameters)
      self.parameters = parameters
      self.requantizers = requantizers
      self.count = count
    }

    @_transparent
    static func load(_ parameters: UnsafePointer<Int32>) -> RequantizerLanes {
      let raw = UnsafeRawPointer(parameters)
      return RequantizerLanes(
        mantissas: raw.loadUnaligned(as: Vector.self),
        shifts: raw.loadUnaligned(fromByteOffset: 64, as: Vector.self))
    }

    /// The 8-bit results of 16 accumulators, lane `i` through its own requantizer:
    /// `requantizers[i].quantize(v[i], zeroPoint:low:high:)`, bit for bit (lanes from `count` on give 0
    /// when the vector goes lane by lane).
    @_transparent
    func requantize(_ v: Vector, zeroPoint: Int32, low: Int32, high: Int32) -> Vector {
      if lanes.fits(v, zeroPoint: zeroPoint, low: low, high: high) {
        return lanes.fast(v, zeroPoint: zeroPoint, low: low, high: high)
      }
      return requantizeSlow(
        v, parameters, requantizers, count: count, zeroPoint: zeroPoint, low: low, high: high)
    }
  }

  /// The rare vectors outside the fast path: on vectors when `exact` takes them, else lane by lane.
  @inline(never)
  static func requantizeSlow(
    _ v: Vector, _ parameters: UnsafePointer<Int32>, _ requantizers: UnsafePointer<Requantizer>,
    count: Int, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    if let result = LaneRequantizers.load(parameters).exact(
      v, zeroPoint: zeroPoint, low: low, high: high)
    {
      return result
    }
    return requantizeEachLane(
      v, requantizers, count: count, zeroPoint: zeroPoint, low: low, high: high)
  }

  @inline(never)
  static func requantizeEachLane(
    _ v: Vector, _ requantizers: UnsafePointer<Requantizer>, count: Int, zeroPoint: Int32,
    low: Int32,
    high: Int32
  ) -> Vector {
    var result = Vector()
    for lane in 0..<count {
      result[lane] = requantizers[lane].quantize(
        v[lane], zeroPoint: zeroPoint, low: low, high: high)
    }
    return result
  }

  @inline(__always)
  static func interleaveLow(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    SIMD16(
      a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]
    )
  }

  @inline(__always)
  static func interleaveHigh(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    SIMD16(
      a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14],
      a[15], b[15])
  }

  /// Transposes the 16x16 bytes whose rows are at `source + i * stride` (rows from `rows` on repeat
  /// row 0) into 256 contiguous bytes at `destination`: row j of the result is column j. Four rounds
  /// of byte interleaves (`punpcklbw` / `punpckhbw`): round k pairs rows i and i + 8.
  @inline(__always)
  static func transpose16(
    _ source: UnsafeRawPointer, stride: Int, rows: Int, into destination: UnsafeMutableRawPointer
  ) {
    let r = destination.assumingMemoryBound(to: SIMD16<UInt8>.self)
    var a0 = source.loadUnaligned(as: SIMD16<UInt8>.self)
    @inline(__always) func row(_ i: Int) -> SIMD16<UInt8> {
      source.loadUnaligned(fromByteOffset: (i < rows ? i : 0) &* stride, as: SIMD16<UInt8>.self)
    }
    var a1 = row(1)
    var a2 = row(2)
    var a3 = row(3)
    var a4 = row(4)
    var a5 = row(5)
    var a6 = row(6)
    var a7 = row(7)
    var a8 = row(8)
    var a9 = row(9)
    var a10 = row(10)
    var a11 = row(11)
    var a12 = row(12)
    var a13 = row(13)
    var a14 = row(14)
    var a15 = row(15)
    for _ in 0..<4 {
      let b0 = interleaveLow(a0, a8)
      let b1 = interleaveHigh(a0, a8)
      let b2 = interleaveLow(a1, a9)
      let b3 = interleaveHigh(a1, a9)
      let b4 = interleaveLow(a2, a10)
      let b5 = interleaveHigh(a2, a10)
      let b6 = interleaveLow(a3, a11)
      let b7 = interleaveHigh(a3, a11)
      let b8 = interleaveLow(a4, a12)
      let b9 = interleaveHigh(a4, a12)
      let b10 = interleaveLow(a5, a13)
      let b11 = interleaveHigh(a5, a13)
      let b12 = interleaveLow(a6, a14)
      let b13 = interleaveHigh(a6, a14)
      let b14 = interleaveLow(a7, a15)
      let b15 = interleaveHigh(a7, a15)
      (a0, a1, a2, a3, a4, a5, a6, a7) = (b0, b1, b2, b3, b4, b5, b6, b7)
      (a8, a9, a10, a11, a12, a13, a14, a15) = (b8, b9, b10, b11, b12, b13, b14, b15)
    }
    r[0] = a0
    r[1] = a1
    r[2] = a2
    r[3] = a3
    r[4] = a4
    r[5] = a5
    r[6] = a6
    r[7] = a7
    r[8] = a8
    r[9] = a9
    r[10] = a10
    r[11] = a11
    r[12] = a12
    r[13] = a13
    r[14] = a14
    r[15] = a15
  }
}
