// Placeholder until the Convolution family lands: every operator of the family is refused at load time.
public struct ConvolutionKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum ConvolutionOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
