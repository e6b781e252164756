// Placeholder until the Quantize family lands: every operator of the family is refused at load time.
public struct QuantizeKernel {
  public func run(_ buffers: StepBuffers) {}
}

enum QuantizeOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    throw context.unsupported("is not implemented yet")
  }
}
