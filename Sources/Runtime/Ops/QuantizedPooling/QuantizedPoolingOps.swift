// Placeholder until the QuantizedPooling family lands: every operator of the family is refused at load time.
public struct QuantizedPoolingKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum QuantizedPoolingOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
