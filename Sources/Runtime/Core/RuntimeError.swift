import ONNXFormat

/// Why a model cannot be prepared or run: names the node, input or field at fault.
public struct RuntimeError: Error, Equatable {
  public enum Kind: Equatable {
    /// The model file itself is bad.
    case format
    /// An operator, attribute value or data type onnx-quant does not implement.
    case unsupported
    /// Shapes, types or values that contradict the operator's definition.
    case invalid
    /// A caller's input: wrong name, shape, type or a dim still unknown.
    case input
  }

  public var kind: Kind
  public var message: String
  /// For a value that must be known at load but is computed at run time: its name. A caller holding
  /// the graph inputs it derives from can fix them at load and try again (`LoadOptions.fixedInputs`).
  public var loadTimeValue: String?

  public init(_ kind: Kind, _ message: String, loadTimeValue: String? = nil) {
    self.kind = kind
    self.message = message
    self.loadTimeValue = loadTimeValue
  }

  public init(_ error: FormatError) {
    self.kind = .format
    self.message = error.message
  }
}
