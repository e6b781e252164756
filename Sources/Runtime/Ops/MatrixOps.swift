// Placeholder until the Matrix family lands: every operator of the family is refused at load time.
public struct MatrixKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum MatrixOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
