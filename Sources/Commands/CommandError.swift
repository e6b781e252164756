import ONNXFormat

/// Why a command stopped: the user's input was bad (exit 1) or the command line was (exit 2).
public enum CommandError: Error {
  case input(String)
  case usage(String)

  public var exitCode: Int32 {
    switch self {
    case .input: return 1
    case .usage: return 2
    }
  }

  public var message: String {
    switch self {
    case .input(let text), .usage(let text): return text
    }
  }

  public init(_ error: FormatError) { self = .input(error.message) }
}
