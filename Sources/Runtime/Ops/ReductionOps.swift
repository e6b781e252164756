// Placeholder until the Reduction family lands: every operator of the family is refused at load time.
public struct ReductionKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum ReductionOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
