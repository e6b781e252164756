import CSupport

/// A prepared channels-last QLinearConv (com.microsoft, `channels_last = 1`): x `[N, H, W, C]`, y
/// `[N, H_out, W_out, M]`, two spatial axes, group 1 or depthwise.
///
/// Output channels sit in the lanes of 16-lane vectors: in NHWC the M outputs of one position are
/// contiguous, so every vector is requantized with one requantizer per lane and stored as 16 bytes.
/// When M is not a multiple of 16 (and M > 16) the last vector starts at M - 16 and overlaps the one
/// before: its lanes compute the same channels again and store the same bytes, so no store is partial.
/// M < 16 takes one vector with zero weights in the lanes past M, stored lane by lane.
///
/// - group 1 (IntegerChannelsLastGemm.swift): `Y[positions, M] = A[positions, K] · W'[K, M]`, row p of A
///   being the `kH * kW` runs of C bytes position p reads (k = (tap, c); x_zero_point's row for a padded
///   tap), read in place through pointers, or gathered when C is not a multiple of 4;
/// - depthwise (IntegerChannelsLastDepthwise.swift): per position and vector, a multiply-add per tap.
///
/// The x zero point and the bias are one constant per output channel, folded at load:
/// `Σ (x - zx) w' + b = Σ x w' + (b - zx Σ w')`, `w' = w - w_zero_point`.
public struct IntegerChannelsLastKernel {
  var batch: Int
  var inChannels: Int
  var outChannels: Int
  var window: ConvWindow
  var xSigned: Bool
  var ySigned: Bool
  var yZero: Int32
  var depthwise = false
  /// B is a run-time input: added lane by lane in the output stage (it is folded into the constants
  /// when known at load, as quantizers write it).
  var runtimeBias = false
  /// 16-lane vectors covering the M output channels, the first channel of each (`Int`), and per vector
  /// `laneValues` Int32: 16 mantissas, 16 shifts, 16 constants, then the requantization's per-lane
  /// constants (`IntegerLanes.RoundingLanes`, `RoundingLanes.valueCount` Int32).
  var vectors = 0
  var starts: Storage?
  var lanes: Storage?
  /// dot: `oq_nhwc_u8s8_conv`'s int8 blocks (csupport_int8_nhwc.h; `oq_nhwc_s8s8_conv` reads the same);
  /// else int16 `[kPadded][vectors * 16]`; depthwise: int16 `[vectors][taps][16]`.
  var weights: Storage?
  /// A dot-product micro-kernel runs: AVX-512 VNNI (`oq_nhwc_u8s8_conv`, activations read as uint8,
  /// int8 x flipped to x + 128) or, `signedDot`, aarch64 SDOT (`oq_nhwc_s8s8_conv`, activations read as
  /// int8, uint8 x flipped to x - 128).
  var dot = false
  var signedDot = false
  /// The dot-product kernel to assume instead of this CPU's (`OQ_NHWC_DOT_*`): tests run the SDOT
  /// kernel's convention on x86 through its portable C.
  nonisolated(unsafe) static var dotKindOverride: Int32? = nil
  /// Depthwise on the flat path with the AVX-512 VNNI row kernel (csupport_dw_nhwc.h: its
  /// `oq_dw_nhwc_plan` in `depthwisePlan`, weights `oq_dw_nhwc_pack`ed in `flatWeights`; activations
  /// flipped to uint8 for int8 x), which also takes horizontal strides when C is a multiple of 16.
  var depthwiseDot = false
  var depthwisePlan: Storage?
  /// C is not a multiple of 4: rows of A are gathered into scratch, `kPadded` bytes each.
  var gathered = false
  /// C is not a multiple of 4 and dilationW is 1: A's taps are the kernel's rows instead, `rowBytes`
  /// (kW * C rounded up to 4) read in place where the kernel row lies in the image (the extra bytes,
  /// the next pixel's, meet zero weights), gathered with x_zero_point where it does not (taps `kH`).
  var rowTaps = false
  var rowBytes = 0
  var k = 0
  var kPadded = 0
  /// Each tap's byte offset in x from the window's first pixel (`Int`).
  var tapOffsets: Storage?
  /// depthwise: the image is copied with its padding into scratch (`paddedHeight` x `paddedWidth`
  /// pixels, the extent the windows read), taps `paddedOffsets` (`Int`) apart from the window's first.
  var paddedCopy = false
  var paddedWidth = 0
  var paddedHeight = 0
  var paddedOffsets: Storage?
  /// The output stage runs in C (IntegerChannelsLastOutput.swift), chosen at load.
  var nativeOutput = false
  /// Whether group-1 steps with C not a multiple of 4 may read kernel rows in place (tests compare).
  nonisolated(unsafe) static var allowRowTaps = true
  /// Largest padded copy, in bytes.
  nonisolated(unsafe) static var paddedCopyBytes = 32 * 1024
  /// Bytes of x_zero_point, the source of padded taps.
  var zeroRow: Storage?
  /// Positions per gathered / multiplied chunk (a multiple of `OQ_NHWC_TILE_ROWS`).
  var chunkRows = 48
  /// Flat lanes (IntegerChannelsLastFlat.swift): the depthwise path along rows, the group-1 output
  /// stage for M < 16; `flatPeriod` vectors of `laneValues` in `flatLanes`, `[flatPeriod][taps][16]`
  /// int16 in `flatWeights` (with `depthwiseDot`, the VNNI kernel's int8 layout instead).
  var flatDepthwise = false
  var flatOutput = false
  var flatPeriod = 1
  var flatLanes: Storage?
  var flatWeights: Storage?

  static let laneValues =
    48 + IntegerLanes.RoundingLanes.valueCount + IntegerChannelsLastKernel.NativeLanes.valueCount

  init(
    batch: Int, inChannels: Int, outChannels: Int, window: ConvWindow, xSigned: Bool, ySigned: Bool,
    yZero: Int32
  ) {
    self.batch = batch
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.window = window
    self.xSigned = xSigned
    self.ySigned = ySigned
    self.yZero = yZero
  }

  /// 1 when the dot-product kernel flips the activations' top bit: x is int8 on VNNI (uint8 x int8) or
  /// uint8 on SDOT (int8 x int8).
  var dotFlip: Int32 { dot && xSigned != signedDot ? 1 : 0 }

  /// 1x1 kernel, stride 1, no padding: row p of A is x's position p, in place.
  var pointwise: Bool {
    let w = window
    return w.taps == 1 && w.strideH == 1 && w.strideW == 1 && w.padH == 0 && w.padW == 0
      && w.gridSize == w.imageSize
  }

  /// Packs the weights (`[M][C / group][kH][kW]` raw codes) and the per-lane constants.
  mutating func pack(
    _ w: [Int], zeroPoints: [Int]?, zeroPointStride: Int, requantizers: UnsafePointer<Requantizer>,
    bias: [Int32]?, xZero: Int32
  ) {
    let m = outChannels
    let c = inChannels
    let taps = window.taps
    vectors = (m + 15) / 16
    let starts = (0..<vectors).map { m >= 16 ? min(16 * $0, m - 16) : 0 }
    self.starts = Storage(values: starts)
    k = depthwise ? taps : taps * c
    kPadded = depthwise ? 0 : IntegerGemm.roundUp(k, 4)
    flatOutput = !depthwise && m < 16
    rowTaps =
      !depthwise && c % 4 != 0 && window.dilationW == 1 && IntegerChannelsLastKernel.allowRowTaps
    gathered = !depthwise && c % 4 != 0 && !rowTaps
    if rowTaps {
      rowBytes = IntegerGemm.roundUp(window.kernelW * c, 4)
      kPadded = window.kernelH * rowBytes
    }
    // Where k = (tap, c) sits in the packed weights (rows of `rowBytes` with row taps).
    let span = window.kernelW * c
    func packedIndex(_ kk: Int) -> Int { rowTaps ? (kk / span) * rowBytes + kk % span : kk }
    // w' of channel `channel` at k = (tap, c).
    func value(_ channel: Int, _ kk: Int) -> Int {
      let zero = zeroPoints.map { $0[channel * zeroPointStride] } ?? 0
      if depthwise { return w[channel * taps + kk] - zero }
      return w[(channel * c + kk % c) * taps + kk / c] - zero
    }
    var sums = [Int32](repeating: 0, count: m)
    var filterIsZero = [Bool](repeating: true, count: m)
    var fitsInt8 = true
    for channel in 0..<m {
      var sum: Int32 = 0
      for kk in 0..<k {
        let v = value(channel, kk)
        if v < -128 || v > 127 { fitsInt8 = false }
        if v != 0 { filterIsZero[channel] = false }
        sum &+= Int32(truncatingIfNeeded: v)
      }
      sums[channel] = sum
    }
    nativeOutput = IntegerChannelsLastKernel.nativeOutputAvailable
    let dotKind = IntegerChannelsLastKernel.dotKindOverride ?? oq_nhwc_dot_kind()
    dot =
      !depthwise && fitsInt8 && IntegerConvolutionKernel.allowDotProducts
      && dotKind != OQ_NHWC_DOT_NONE
    signedDot = dot && dotKind == OQ_NHWC_DOT_S8S8
    if depthwise && fitsInt8 && IntegerConvolutionKernel.allowDotProducts
      && IntegerChannelsLastKernel.allowFlatDepthwise
    {
      var shape = depthwiseShape
      let plan = Storage(byteCount: MemoryLayout<oq_dw_nhwc_plan>.size)
      if oq_dw_nhwc_prepare(&shape, plan.typed(oq_dw_nhwc_plan.self)) == 1 {
        depthwiseDot = true
        depthwisePlan = plan
      }
    }
    flatDepthwise =
      depthwise && (window.strideW == 1 || depthwiseDot) && IntegerChannelsLastKernel.allowFlatDepthwise
    let width = vectors * 16
    if depthwise {
      var packed = [Int16](repeating: 0, count: width * taps)
      for v in 0..<vectors {
        for lane in 0..<16 where starts[v] + lane < m {
          for tap in 0..<taps {
            packed[(v * taps + tap) * 16 + lane] = Int16(value(starts[v] + lane, tap))
          }
        }
      }
      weights = Storage(values: packed)
    } else if dot {
      // Blocks of up to 4 vectors: [quads][vectors in block * 16][4].
      let quads = kPadded / 4
      var packed = [Int8](repeating: 0, count: width * kPadded)
      for v in 0..<vectors {
        let block = v / 4
        let inBlock = min(4, vectors - 4 * block)
        let base = block * quads * 256
        for lane in 0..<16 where starts[v] + lane < m {
          let column = (v % 4) * 16 + lane
          for kk in 0..<k {
            let kp = packedIndex(kk)
            packed[base + (kp / 4) * inBlock * 64 + column * 4 + kp % 4] = Int8(
              value(starts[v] + lane, kk))
          }
        }
      }
      weights = Storage(values: packed)
    } else {
      var packed = [Int16](repeating: 0, count: width * kPadded)
      for v in 0..<vectors {
        for lane in 0..<16 where starts[v] + lane < m {
          for kk in 0..<k {
            packed[packedIndex(kk) * width + v * 16 + lane] = Int16(value(starts[v] + lane, kk))
          }
        }
      }
      weights = Storage(values: packed)
    }
    var offsets: [Int] = []
    for kh in 0..<window.kernelH {
      for kw in 0..<window.kernelW {
        offsets.append((kh * window.dilationH * window.imageW + kw * window.dilationW) * c)
      }
    }
    tapOffsets = Storage(values: offsets)
    if depthwise {
      let w = window
      paddedHeight = (w.gridH - 1) * w.strideH + (w.kernelH - 1) * w.dilationH + 1
      paddedWidth = (w.gridW - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
      let reachesOut =
        w.padH > 0 || w.padW > 0 || paddedHeight > w.padH + w.imageH
        || paddedWidth > w.padW + w.imageW
      // The flat path reads padded rows always: the whole image in one copy when it fits (the VNNI row
      // kernel pads as it reads).
      paddedCopy =
        !depthwiseDot && (reachesOut || flatDepthwise)
        && paddedHeight * paddedWidth * c <= IntegerChannelsLastKernel.paddedCopyBytes
      var padded: [Int] = []
      for kh in 0..<w.kernelH {
        for kw in 0..<w.kernelW {
          padded.append((kh * w.dilationH * paddedWidth + kw * w.dilationW) * c)
        }
      }
      paddedOffsets = Storage(values: padded)
    } else if rowTaps {
      // Row taps at the border are gathered one by one: when most positions are there (kws's first
      // convolution, a 10x4 kernel on 49x10), the image is copied with its padding once instead.
      let w = window
      paddedHeight = (w.gridH - 1) * w.strideH + (w.kernelH - 1) * w.dilationH + 1
      paddedWidth = (w.gridW - 1) * w.strideW + w.kernelW
      let rowsInside = ConvWindow.validRange(
        offset: -w.padH, stride: w.strideH, grid: w.gridH, image: w.imageH - (w.kernelH - 1) * w.dilationH)
      let columnsInside = ConvWindow.validRange(
        offset: -w.padW, stride: w.strideW, grid: w.gridW, image: w.imageW - (w.kernelW - 1))
      let inside = (rowsInside.upper - rowsInside.lower) * (columnsInside.upper - columnsInside.lower)
      paddedCopy =
        4 * (w.gridSize - inside) >= w.gridSize
        && paddedHeight * paddedWidth * c <= IntegerChannelsLastKernel.paddedCopyBytes
    }
    // The kernel sums x as it reads it (`dotFlip`: x + 128 for int8 x on VNNI, x - 128 for uint8 x
    // on SDOT; the VNNI depthwise kernel flips int8 x too), so the constant removes
    // (x_zero_point + that offset) * Σ w'.
    let offset: Int32 = dotFlip != 0 ? (signedDot ? -128 : 128) : (depthwiseDot && xSigned ? 128 : 0)
    let zero = xZero &+ offset
    var mantissas = [Int32](repeating: 0, count: m)
    var shifts = [Int32](repeating: 0, count: m)
    var constants = [Int32](repeating: 0, count: m)
    for channel in 0..<m {
      mantissas[channel] = Int32(truncatingIfNeeded: requantizers[channel].mantissa)
      shifts[channel] = Int32(truncatingIfNeeded: requantizers[channel].shift)
      constants[channel] = (bias?[channel] ?? 0) &- zero &* sums[channel]
      if !runtimeBias && filterIsZero[channel] {
        // Every w' is 0, so the accumulator is always this constant (an all-zero filter, whose bias a
        // quantizer scales by a near-zero weight scale to near 2^31, which would send every vector to
        // the slow wide path). Its output is computed once here and stored as that value at scale 1
        // (mantissa 2^23, shift 23: exact), held within ±512 where the 8-bit clamp gives the same.
        let result = Int64(requantizers[channel].apply(constants[channel]))
        constants[channel] = Int32(min(max(result, -512), 512))
        mantissas[channel] = 1 << 23
        shifts[channel] = 23
      }
    }
    lanes = Storage(
      values: IntegerChannelsLastKernel.laneParameters(
        vectors: vectors, mantissas: mantissas, shifts: shifts, constants: constants, zeroPoint: yZero
      ) { v, lane in starts[v] + lane < m ? starts[v] + lane : nil })
    var flat: [Int] = []
    if flatDepthwise {
      for channel in 0..<m { for tap in 0..<taps { flat.append(value(channel, tap)) } }
    }
    packFlat(mantissas: mantissas, shifts: shifts, constants: constants, weights: flat)
    chunkRows = min(48, IntegerGemm.roundUp(batch * window.gridSize, Int(OQ_NHWC_TILE_ROWS)))
  }

  /// The per-vector output-stage parameters (`laneValues` Int32 each: 16 mantissas, 16 shifts, 16
  /// constants, then `IntegerLanes.RoundingLanes`, then the C stage's `NativeLanes` for outputs with
  /// zero point `zeroPoint`), lane `lane` of vector `v` holding channel `channel(v, lane)` (nil: an
  /// unused lane, left 0).
  static func laneParameters(
    vectors: Int, mantissas: [Int32], shifts: [Int32], constants: [Int32], zeroPoint: Int32,
    channel: (Int, Int) -> Int?
  ) -> [Int32] {
    var values = [Int32](repeating: 0, count: vectors * laneValues)
    for v in 0..<vectors {
      let base = v * laneValues
      var laneMantissas = IntegerLanes.Vector()
      var laneShifts = IntegerLanes.Vector()
      var laneConstants = IntegerLanes.Vector()
      for lane in 0..<16 {
        guard let channel = channel(v, lane) else { continue }
        values[base + lane] = mantissas[channel]
        values[base + 16 + lane] = shifts[channel]
        values[base + 32 + lane] = constants[channel]
        laneMantissas[lane] = mantissas[channel]
        laneShifts[lane] = shifts[channel]
        laneConstants[lane] = constants[channel]
      }
      IntegerLanes.RoundingLanes(mantissas: laneMantissas, shifts: laneShifts).store(into: &values, at: base + 48)
      NativeLanes(mantissas: laneMantissas, shifts: laneShifts, constants: laneConstants, zeroPoint: zeroPoint)
        .store(into: &values, at: base + 48 + IntegerLanes.RoundingLanes.valueCount)
    }
    return values
  }

  // MARK: Scratch

  /// Sources of A's rows (`[tap][row]`; depthwise: `[position of 4][tap]`).
  var pointerBytes: Int {
    let count = depthwise ? 4 * window.taps : (gathered ? 1 : window.taps) * chunkRows
    return IntegerGemm.roundUp(count * 8, 64)
  }
  /// Sums before the output stage: `chunkRows` positions (depthwise: an output row and 3 spare).
  /// (Flat: the row's elements and a vector of slack.)
  var accumulatorBytes: Int {
    let flat = flatDepthwise ? window.gridW * inChannels + 16 : 0
    let rows = (depthwise ? window.gridW + 3 : chunkRows) * vectors * 64 + (flatOutput ? 64 : 0)
    return IntegerGemm.roundUp(max(flat * 4, rows), 64)
  }
  var gatherBytes: Int { gathered || rowTaps ? IntegerGemm.roundUp(chunkRows * kPadded, 64) : 0 }
  /// The padded image (flat: with a vector of slack), or the flat path's padded kernel rows.
  var paddedBytes: Int {
    if paddedCopy {
      return IntegerGemm.roundUp(paddedHeight * paddedWidth * inChannels + rowBytes + 16, 64)
    }
    return flatDepthwise && !depthwiseDot ? window.kernelH * flatRowBytes : 0
  }
  /// The VNNI depthwise row kernel's interleaved rows.
  var depthwiseDotBytes: Int {
    guard depthwiseDot, let plan = depthwisePlan else { return 0 }
    return IntegerGemm.roundUp(oq_dw_nhwc_scratch_bytes(plan.typed(oq_dw_nhwc_plan.self)), 64)
  }
  var scratchBytes: Int { pointerBytes + accumulatorBytes + gatherBytes + paddedBytes + depthwiseDotBytes }

  /// Whether the step is worth splitting across threads.
  var worthThreads: Bool {
    batch * window.gridSize * outChannels * k >= IntegerConvolutionKernel.parallelWork
  }

  // MARK: Running

  public func run(_ buffers: StepBuffers) {
    if xSigned {
      run(buffers, Int8.self)
    } else {
      run(buffers, UInt8.self)
    }
  }

  /// Units of work split across threads: output rows (depthwise) or positions, in tiles.
  var workCount: Int { depthwise ? batch * window.gridH : batch * window.gridSize }
  var workUnit: Int { depthwise ? 1 : Int(OQ_NHWC_TILE_ROWS) }

  func run<T: IntegerGemmElement>(_ buffers: StepBuffers, _ type: T.Type) {
    guard buffers.pool != nil else {
      runPart(buffers, 0..<workCount, scratch: buffers.scratch.unsafelyUnwrapped, T.self)
      return
    }
    let parts = min(2 * buffers.threads, (workCount + workUnit - 1) / workUnit)
    withUnsafePointer(to: self) { kernel in
      withUnsafePointer(to: buffers) { buffersPointer in
        var job = IntegerChannelsLastJob(kernel: kernel, buffers: buffersPointer, parts: parts)
        ThreadPool.run(buffers.pool, tasks: parts, context: &job) { context, task, thread in
          let job = context.unsafelyUnwrapped.assumingMemoryBound(to: IntegerChannelsLastJob.self)
            .pointee
          let kernel = job.kernel.pointee
          let buffers = job.buffers.pointee
          let range = ThreadPool.range(
            Int(task), parts: job.parts, count: kernel.workCount, unit: kernel.workUnit)
          if range.isEmpty { return }
          let scratch = buffers.threadScratch(Int(thread))
          if kernel.xSigned {
            kernel.runPart(buffers, range, scratch: scratch, Int8.self)
          } else {
            kernel.runPart(buffers, range, scratch: scratch, UInt8.self)
          }
        }
      }
    }
  }

  func runPart<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ range: Range<Int>, scratch: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    if flatDepthwise {
      runFlatDepthwise(buffers, rows: range, scratch: scratch, T.self)
    } else if depthwise {
      runDepthwise(buffers, rows: range, scratch: scratch, T.self)
    } else {
      runGemm(buffers, positions: range, scratch: scratch, T.self)
    }
  }

  /// The output stage's bounds.
  var low: Int32 { ySigned ? -128 : 0 }
  var high: Int32 { ySigned ? 127 : 255 }
}

/// One parallel run: task t covers part t of `workCount`.
struct IntegerChannelsLastJob {
  var kernel: UnsafePointer<IntegerChannelsLastKernel>
  var buffers: UnsafePointer<StepBuffers>
  var parts: Int
}
