// Placeholder until the Movement family lands: every operator of the family is refused at load time.
public struct MovementKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum MovementOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
