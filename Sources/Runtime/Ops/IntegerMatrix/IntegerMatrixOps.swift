// Placeholder until the IntegerMatrix family lands: every operator of the family is refused at load time.
public struct IntegerMatrixKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum IntegerMatrixOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
