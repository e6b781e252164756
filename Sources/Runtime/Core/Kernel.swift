/// What one step runs, dispatched by operator family. Each family's payload holds the step's fixed
/// parameters (shapes, strides, packed weights) and runs on the step's buffers without allocating.
public enum Kernel {
  /// Nothing runs: the output aliases the input (Reshape and kin) or was folded to a constant.
  case none
  case elementwise(ElementwiseKernel)
  case convolution(ConvolutionKernel)
  case matrix(MatrixKernel)
  case pooling(PoolingKernel)
  case normalization(NormalizationKernel)
  case reduction(ReductionKernel)
  case movement(MovementKernel)
  case recurrent(RecurrentKernel)
  case quantize(QuantizeKernel)
  case integerConvolution(IntegerConvolutionKernel)
  /// com.microsoft QLinearConv with channels_last = 1.
  case integerChannelsLast(IntegerChannelsLastKernel)
  case integerMatrix(IntegerMatrixKernel)
  case quantizedElementwise(QuantizedElementwiseKernel)
  case quantizedPooling(QuantizedPoolingKernel)
  case quantizedLookup(QuantizedLookupKernel)

  @inline(__always)
  public func run(_ buffers: StepBuffers) {
    switch self {
    case .none: break
    case .elementwise(let kernel): kernel.run(buffers)
    case .convolution(let kernel): kernel.run(buffers)
    case .matrix(let kernel): kernel.run(buffers)
    case .pooling(let kernel): kernel.run(buffers)
    case .normalization(let kernel): kernel.run(buffers)
    case .reduction(let kernel): kernel.run(buffers)
    case .movement(let kernel): kernel.run(buffers)
    case .recurrent(let kernel): kernel.run(buffers)
    case .quantize(let kernel): kernel.run(buffers)
    case .integerConvolution(let kernel): kernel.run(buffers)
    case .integerChannelsLast(let kernel): kernel.run(buffers)
    case .integerMatrix(let kernel): kernel.run(buffers)
    case .quantizedElementwise(let kernel): kernel.run(buffers)
    case .quantizedPooling(let kernel): kernel.run(buffers)
    case .quantizedLookup(let kernel): kernel.run(buffers)
    }
  }
}
