// Placeholder until the Recurrent family lands: every operator of the family is refused at load time.
public struct RecurrentKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum RecurrentOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
