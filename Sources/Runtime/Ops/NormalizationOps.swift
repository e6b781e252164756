// Placeholder until the Normalization family lands: every operator of the family is refused at load time.
public struct NormalizationKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum NormalizationOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
