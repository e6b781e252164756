/// A prepared QLinearConv or ConvInteger. Per image and group, the convolution is the product
/// `Y_gᵀ[positions, M_g] = A[positions, C_g * taps] · W_gᵀ` on `IntegerGemm`, A being the input the
/// output positions read (the activations, zero point x_zero_point) and W_gᵀ the packed weights:
/// - `pointwise`: 1x1 kernel, stride 1, no padding: A is X_g read in place (a direct GEMM);
/// - `im2col`: A gathered from X_g while it is packed, padding reading x_zero_point (whose difference
///   to the zero point is 0, as a padded real value of 0 must give);
/// - `depthwise`: one input channel per group: a direct kernel (IntegerDepthwise.swift).
/// Outputs go through the GEMM's output stage: int32 (ConvInteger), or bias, requantizer per output
/// channel, y_zero_point and saturation (QLinearConv).
public struct IntegerConvolutionKernel {
  enum Strategy {
    case pointwise, im2col, depthwise
  }

  var batch: Int
  var inChannels: Int
  var outChannels: Int
  var group: Int
  var window: ConvWindow
  var xSigned: Bool
  var outputKind: IntegerGemm.Output.Kind
  var strategy: Strategy = .im2col
  var hasXZeroPoint = false
  var hasBias = false
  /// One per output channel (QLinearConv).
  var requantizers: Storage?
  var yZero: Int32 = 0
  /// Packed Bs (one per group, `layout.byteCount` bytes apart), or w - zb as int32 (depthwise).
  var weights: Storage?
  var layout = IntegerGemm.PackedLayout(k: 0, n: 0)
  var blockRows = IntegerGemm.mr
  /// depthwise: int16 values in one row of the padded, stride-phased copy of an input plane, and between
  /// two phases.
  var phaseWidth = 0
  var phaseStride = 0
  /// pointwise / im2col: Σ_k (w - zw) per output channel, and int16 values between two groups' packed
  /// weights (IntegerConvolutionChannels.swift).
  var channelSums: Storage?
  var channelGroupStride = 0
  /// The same weights for the CPU's dot-product tile (`packDotWeights`), or nil; bytes between two
  /// groups; where the tile's activation panel starts in scratch after the accumulators.
  var dotWeights: Storage?
  var dotGroupStride = 0
  var dotPanelOffset = 0

  /// Whether models loaded from now on may use the CPU's dot-product tile (when it has one). Tests turn
  /// it off to compare with the portable kernel.
  nonisolated(unsafe) public static var allowDotProducts = true
  var useDotProducts: Bool { IntegerConvolutionKernel.allowDotProducts }
  /// depthwise over whole phase planes (IntegerDepthwisePlanes.swift): each tap's offset in them.
  var tapOffsets: Storage?

  init(
    batch: Int, inChannels: Int, outChannels: Int, group: Int, window: ConvWindow, xSigned: Bool,
    outputKind: IntegerGemm.Output.Kind
  ) {
    self.batch = batch
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.group = group
    self.window = window
    self.xSigned = xSigned
    self.outputKind = outputKind
  }

  var inGroupChannels: Int { inChannels / group }
  var outGroupChannels: Int { outChannels / group }

  public func run(_ buffers: StepBuffers) {
    if xSigned {
      run(buffers, Int8.self)
    } else {
      run(buffers, UInt8.self)
    }
  }

  /// Bytes of one output element.
  var outputElementBytes: Int { outputKind == .int32 || outputKind == .float ? 4 : 1 }

  /// The output stage of channel `channel` of image `n`, rows being output positions.
  @inline(__always)
  func output(_ buffers: StepBuffers, image n: Int, channel: Int) -> IntegerGemm.Output {
    let positions = window.gridSize
    var output = IntegerGemm.Output(
      kind: outputKind,
      c: buffers.outputs[0] + (n * outChannels + channel) * positions * outputElementBytes,
      rowStride: 1, colStride: positions)
    if hasBias, let bias = buffers.optionalInput(8, Int32.self) {
      output.bias = bias + channel
      output.biasColStride = 1
    }
    if let requantizers = requantizers {
      output.requantizers = UnsafePointer(requantizers.typed(Requantizer.self)) + channel
      output.requantColStride = 1
    }
    output.zeroPoint = yZero
    return output
  }

  func run<T: IntegerGemmElement>(_ buffers: StepBuffers, _ type: T.Type) {
    let x = buffers.input(0, T.self)
    let zeroPoints: UnsafePointer<T>? = hasXZeroPoint ? buffers.optionalInput(2, T.self) : nil
    var zeroPoint: T = 0
    if let zeroPoints = zeroPoints { zeroPoint = zeroPoints[0] }
    let scratch = buffers.scratch.unsafelyUnwrapped
    if strategy == .depthwise && tapOffsets != nil {
      runDepthwisePlanes(buffers, x, zeroPoint: Int16(truncatingIfNeeded: zeroPoint))
      return
    }
    if strategy == .depthwise {
      runDepthwise(buffers, x, zeroPoint: Int16(truncatingIfNeeded: zeroPoint))
      return
    }
    if channelSums != nil {
      runChannels(buffers, x, zeroPoint: zeroPoint)
      return
    }
    let cg = inGroupChannels
    let mg = outGroupChannels
    let packed = UnsafeRawPointer(weights.unsafelyUnwrapped.pointer)
    let positions = window.gridSize
    for n in 0..<batch {
      for g in 0..<group {
        let image = x + (n * inChannels + g * cg) * window.imageSize
        let out = output(buffers, image: n, channel: g * mg)
        let b = packed + g * layout.byteCount
        if strategy == .pointwise {
          let source = IntegerGemmMatrixSource(
            a: image, rowStride: 1, kStride: window.imageSize, zeroPoints: zeroPoints,
            zeroPointStride: 0)
          IntegerGemm.multiply(
            source, m: positions, blockRows: blockRows, b: b, layout: layout, output: out,
            scratch: scratch)
        } else {
          let source = IntegerConvolutionSource(
            image: image, window: window, channels: cg, zeroPoint: zeroPoint)
          IntegerGemm.multiply(
            source, m: positions, blockRows: blockRows, b: b, layout: layout, output: out,
            scratch: scratch)
        }
      }
    }
  }
}

/// The rows of A of a convolution: row i is output position i, column `(c, kd, kh, kw)` the input value
/// that tap reads, the zero point in the padding. Packed straight from the image (im2col and packing
/// in one pass).
struct IntegerConvolutionSource<T: IntegerGemmElement>: IntegerGemmSource {
  var image: UnsafePointer<T>
  var window: ConvWindow
  var channels: Int
  var zeroPoint: T

  func pack(
    rows start: Int, _ count: Int, k: Int, into tiles: UnsafeMutablePointer<Int16>,
    rowSums: UnsafeMutablePointer<Int32>, rowZeros: UnsafeMutablePointer<Int32>
  ) {
    let w = window
    let mr = IntegerGemm.mr
    let kPairs = (k + 1) / 2
    let zero = Int16(truncatingIfNeeded: zeroPoint)
    let tileCount = (count + mr - 1) / mr
    let imageD = w.imageD
    let imageH = w.imageH
    let imageW = w.imageW
    let kernelW = w.kernelW
    let dilationW = w.dilationW
    let imageSize = w.imageSize
    // Row r of a tile sits at `tile + 2 * r`, column `column` at `(column >> 1) * 2 * mr + (column & 1)`.
    var sums = SIMD4<Int32>()
    for t in 0..<tileCount {
      let tile = tiles + t * kPairs * 2 * mr
      for r in 0..<mr {
        let out = tile + 2 * r
        if t * mr + r >= count {
          // Rows past `count` read nothing.
          for p in 0..<kPairs {
            out[p &* 2 &* mr] = 0
            out[p &* 2 &* mr &+ 1] = 0
          }
          sums[r] = 0
          continue
        }
        // Where the row's window starts in the image (D, H, W).
        let position = start + t * mr + r
        let gw = position % w.gridW
        let rest = position / w.gridW
        let gh = rest % w.gridH
        let gd = rest / w.gridH
        let baseD = gd * w.strideD - w.padD
        let baseH = gh * w.strideH - w.padH
        let baseW = gw * w.strideW - w.padW
        // The whole W extent of the window inside the image: no test per tap.
        let inside = baseW >= 0 && baseW + (kernelW - 1) * dilationW < imageW
        var sum: Int32 = 0
        var column = 0
        for c in 0..<channels {
          let plane = image + c &* imageSize
          for kd in 0..<w.kernelD {
            let id = baseD &+ kd &* w.dilationD
            for kh in 0..<w.kernelH {
              let ih = baseH &+ kh &* w.dilationH
              if UInt(bitPattern: id) < UInt(imageD) && UInt(bitPattern: ih) < UInt(imageH) {
                let line = plane + ((id &* imageH &+ ih) &* imageW &+ baseW)
                if inside {
                  for kw in 0..<kernelW {
                    let value = Int16(truncatingIfNeeded: line[kw &* dilationW])
                    out[(column &>> 1) &* 2 &* mr &+ (column & 1)] = value
                    sum &+= Int32(value)
                    column &+= 1
                  }
                } else {
                  for kw in 0..<kernelW {
                    let iw = baseW &+ kw &* dilationW
                    let value =
                      UInt(bitPattern: iw) < UInt(imageW)
                      ? Int16(truncatingIfNeeded: line[kw &* dilationW]) : zero
                    out[(column &>> 1) &* 2 &* mr &+ (column & 1)] = value
                    sum &+= Int32(value)
                    column &+= 1
                  }
                }
              } else {
                for _ in 0..<kernelW {
                  out[(column &>> 1) &* 2 &* mr &+ (column & 1)] = zero
                  sum &+= Int32(zero)
                  column &+= 1
                }
              }
            }
          }
        }
        if k & 1 != 0 { out[(kPairs - 1) * 2 * mr + 1] = 0 }
        sums[r] = sum
      }
      for r in 0..<mr {
        rowSums[t * mr + r] = sums[r]
        rowZeros[t * mr + r] = t * mr + r < count ? Int32(zero) : 0
      }
    }
  }
}
