import CSupport
import ONNXFormat

/// ONNX Runtime's com.microsoft QLinearConv with `channels_last = 1`: the ai.onnx operator's inputs and
/// attributes, x `[N, H, W, C]` and y `[N, H_out, W_out, M]` (w stays `[M, C / group, kH, kW]`). Prepared
/// here after `IntegerConvolutionOps.prepare` has checked the inputs and built the requantizers; the
/// weights are packed once for `IntegerChannelsLastKernel`.
enum IntegerChannelsLastOps {
  /// What `IntegerConvolutionOps.prepare` hands over.
  struct Parameters {
    var batch: Int
    var inChannels: Int
    var outChannels: Int
    var group: Int
    var window: ConvWindow
    var xSigned: Bool
    var ySigned: Bool
    var xZero: Int32
    var yZero: Int32
    var requantizers: Storage?
    var hasBias = false
    var wZeroStride = 0
  }

  /// The node's `channels_last` attribute: read on com.microsoft QLinearConv only (0 by default).
  static func channelsLast(_ context: OpContext) throws(RuntimeError) -> Bool {
    guard context.op == .qlinearConv && context.node.domain == "com.microsoft" else { return false }
    let value = try context.int("channels_last", 0)
    guard value == 0 || value == 1 else {
      throw context.error("channels_last must be 0 or 1, got " + String(value))
    }
    return value == 1
  }

  /// Whether a QLinearConv with weights of shape `weightShape` (`[M, C / group, kH, kW]`) and attribute
  /// `group` runs with `channels_last = 1`: two spatial axes (a rank-4 weight), and either `group == 1`
  /// (any kernel, strides, pads, dilations) or depthwise (`group == M` and `weightShape[1] == 1`, so
  /// `C == group == M`). Everything else a channels-last node would need is what the NCHW operator needs
  /// already (weights, scales and zero points known at load, 8-bit x and y). Graph passes that rewrite
  /// QLinearConv into the channels-last form mirror this rule.
  public static func supportsChannelsLast(weightShape: [Int], group: Int) -> Bool {
    guard weightShape.count == 4 else { return false }
    if group == 1 { return true }
    return weightShape[1] == 1 && weightShape[0] == group
  }

  static func prepare(
    _ context: OpContext, _ p: Parameters, weights: Constant, wZeros: Constant?,
    output: TensorType
  ) throws(RuntimeError) -> Prepared {
    let w = weights.type
    guard supportsChannelsLast(weightShape: w.shape, group: p.group) else {
      throw context.unsupported(
        "channels_last = 1 supports 2 spatial axes with group 1 or depthwise (group = C = M); got w "
          + w.text + " and group " + String(p.group))
    }
    guard let requantizers = p.requantizers else {
      throw context.error("channels_last = 1 needs the requantizers of QLinearConv")
    }
    var kernel = IntegerChannelsLastKernel(
      batch: p.batch, inChannels: p.inChannels, outChannels: p.outChannels, window: p.window,
      xSigned: p.xSigned, ySigned: p.ySigned, yZero: p.yZero)
    kernel.depthwise = p.group > 1
    let bias = p.hasBias ? context.constant(8)?.values(Int32.self) : nil
    kernel.runtimeBias = p.hasBias && bias == nil
    // Raw codes as Int (int8 or uint8 alike): the packing subtracts the zero points.
    kernel.pack(
      weights.integers() ?? [], zeroPoints: wZeros?.integers(), zeroPointStride: p.wZeroStride,
      requantizers: UnsafePointer(requantizers.typed(Requantizer.self)), bias: bias, xZero: p.xZero)
    kernel.zeroRow = Storage(
      values: [UInt8](
        repeating: UInt8(truncatingIfNeeded: p.xZero),
        count: IntegerGemm.roundUp(max(p.inChannels, kernel.kPadded, 16), 64)))
    var prepared = Prepared(
      .integerChannelsLast(kernel), outputs: [output], scratchBytes: kernel.scratchBytes)
    if kernel.worthThreads {
      prepared.parallel = true
      prepared.scratchPerThread = true
    }
    return prepared
  }
}
