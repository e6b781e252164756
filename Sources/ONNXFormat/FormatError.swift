/// A problem with a file or message the user gave us: what is wrong, and where.
///
/// `context` names the file and the field path (`model.onnx: ModelProto.graph.initializer[3] 'conv1.weight'`)
/// so a user can find the culprit without a debugger.
public struct FormatError: Error, Equatable {
  public enum Kind: Equatable {
    /// The file system refused: missing file, permission, a directory where a file was expected.
    case io
    /// The bytes end before a field does.
    case truncated
    /// The bytes are not a valid encoding (bad tag, bad length, bad magic or header).
    case malformed
    /// Valid, but a feature onnx-quant does not handle (yet).
    case unsupported
    /// Well-formed, but a value is impossible: negative dims, a size that overflows, a length that does not match.
    case invalid
  }

  public var kind: Kind
  public var context: String
  public var detail: String

  public init(_ kind: Kind, _ context: String, _ detail: String) {
    self.kind = kind
    self.context = context
    self.detail = detail
  }

  public var message: String { context.isEmpty ? detail : context + ": " + detail }

  /// The same error, with `outer` (usually a file name) put in front of the context.
  public func within(_ outer: String) -> FormatError {
    FormatError(kind, context.isEmpty ? outer : outer + ": " + context, detail)
  }
}
