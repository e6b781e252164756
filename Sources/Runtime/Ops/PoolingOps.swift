// Placeholder until the Pooling family lands: every operator of the family is refused at load time.
public struct PoolingKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum PoolingOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
