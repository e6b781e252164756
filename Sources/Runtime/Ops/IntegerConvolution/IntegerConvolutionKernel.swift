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
    if strategy == .depthwise {
      runDepthwise(buffers, x, zeroPoint: Int16(truncatingIfNeeded: zeroPoint))
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
    for t in 0..<tileCount {
      let tile = tiles + t * kPairs * 2 * mr
      // Where each row's window starts in the image (D, H, W); rows past `count` read nothing.
      var baseD = SIMD4<Int>()
      var baseH = SIMD4<Int>()
      var baseW = SIMD4<Int>()
      var valid = SIMD4<Int>()
      for r in 0..<mr where t * mr + r < count {
        let position = start + t * mr + r
        let gw = position % w.gridW
        let rest = position / w.gridW
        let gh = rest % w.gridH
        let gd = rest / w.gridH
        baseD[r] = gd * w.strideD - w.padD
        baseH[r] = gh * w.strideH - w.padH
        baseW[r] = gw * w.strideW - w.padW
        valid[r] = 1
      }
      var sums = SIMD4<Int32>()
      var column = 0
      for c in 0..<channels {
        let plane = image + c * w.imageSize
        for kd in 0..<w.kernelD {
          for kh in 0..<w.kernelH {
            for kw in 0..<w.kernelW {
              let slot = tile + (column >> 1) * 2 * mr + (column & 1)
              for r in 0..<mr {
                var value: Int16 = 0
                if valid[r] != 0 {
                  let id = baseD[r] + kd * w.dilationD
                  let ih = baseH[r] + kh * w.dilationH
                  let iw = baseW[r] + kw * w.dilationW
                  if UInt(bitPattern: id) < UInt(w.imageD) && UInt(bitPattern: ih) < UInt(w.imageH)
                    && UInt(bitPattern: iw) < UInt(w.imageW)
                  {
                    value = Int16(truncatingIfNeeded: plane[(id * w.imageH + ih) * w.imageW + iw])
                  } else {
                    value = zero
                  }
                  sums[r] = sums[r] &+ Int32(value)
                }
                slot[2 * r] = value
              }
              column += 1
            }
          }
        }
      }
      if k & 1 != 0 {
        for r in 0..<mr { tile[(kPairs - 1) * 2 * mr + 2 * r + 1] = 0 }
      }
      for r in 0..<mr {
        rowSums[t * mr + r] = sums[r]
        rowZeros[t * mr + r] = valid[r] != 0 ? Int32(zero) : 0
      }
    }
  }
}
