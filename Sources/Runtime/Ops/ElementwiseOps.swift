// Placeholder until the Elementwise family lands: every operator of the family is refused at load time.
public struct ElementwiseKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum ElementwiseOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
