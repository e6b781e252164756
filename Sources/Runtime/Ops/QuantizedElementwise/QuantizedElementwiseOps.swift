// Placeholder until the QuantizedElementwise family lands: every operator of the family is refused at load time.
public struct QuantizedElementwiseKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum QuantizedElementwiseOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
