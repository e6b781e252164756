import ONNXFormat

/// The runtime's view of a model's values before any fusion: which tensors are known at load (folded
/// constants: weights, shape chains, anything computed only from them) and the static type of every
/// tensor computed at run time. The quantizer prepares its graph from this, so its folding and shapes
/// are exactly the runtime's.
public struct GraphAnalysis {
  public enum Value {
    case constant(Constant)
    case computed(TensorType)
  }

  /// Top-level value names (not names inside inlined If branches).
  public var values: [String: Value] = [:]

  public init() {}

  public static func analyze(_ model: Model, options: LoadOptions = LoadOptions()) throws(RuntimeError) -> GraphAnalysis {
    try GraphPreparer.analyze(model, options: options)
  }

  public func constant(_ name: String) -> Constant? {
    if case .constant(let value)? = values[name] { return value }
    return nil
  }

  public func type(_ name: String) -> TensorType? {
    switch values[name] {
    case .constant(let value)?: return value.type
    case .computed(let type)?: return type
    case nil: return nil
    }
  }
}
