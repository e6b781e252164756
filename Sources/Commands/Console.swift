import CSupport

/// Where a command's output goes: the process's stdout and stderr, or buffers a test reads.
public final class Console {
  public enum Mode { case process, capture }
  public let mode: Mode
  public private(set) var capturedOut = ""
  public private(set) var capturedError = ""

  public init(_ mode: Mode) { self.mode = mode }

  public func out(_ text: String) { emit(text, fd: 1) }
  public func error(_ text: String) { emit(text, fd: 2) }

  public var errorIsTerminal: Bool { mode == .process && oq_isatty(2) == 1 }

  private func emit(_ text: String, fd: Int32) {
    switch mode {
    case .capture:
      if fd == 1 { capturedOut += text } else { capturedError += text }
    case .process:
      var copy = text
      copy.withUTF8 { oq_write_fd(fd, $0.baseAddress, $0.count) }
    }
  }
}
