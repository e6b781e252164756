// Placeholder until the IntegerConvolution family lands: every operator of the family is refused at load time.
public struct IntegerConvolutionKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum IntegerConvolutionOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
