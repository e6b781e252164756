/// The command-line tool: one entry point for `onnx-quant` on the host and `onnx-run` on boards.
public struct Tool {
  public let name: String
  /// Commands only some builds carry (the host tool's quantizer), listed after the shared ones.
  public let extraCommands: [ExtraCommand]

  public init(name: String, extraCommands: [ExtraCommand] = []) {
    self.name = name
    self.extraCommands = extraCommands
  }

  /// The commands this build offers, with their one-line summaries.
  static let commands: [(name: String, summary: String)] = [
    ("inspect", InspectCommand.summary),
    ("run", RunCommand.summary),
    ("bench", BenchCommand.summary),
    ("ops", OpsCommand.summary),
    ("resave", ResaveCommand.summary),
    ("stream", StreamCommand.summary),
    ("eval", EvalCommand.summary),
  ]

  /// Runs the command line (without the program name) and returns the exit code:
  /// 0 success, 1 bad input, 2 bad usage.
  public func run(_ arguments: [String], console: Console) -> Int32 {
    guard let command = arguments.first else {
      console.error(usage())
      return 2
    }
    let rest = Array(arguments.dropFirst())
    if command == "--help" || command == "-h" || command == "help" {
      console.out(usage())
      return 0
    }
    if command == "--version" {
      console.out(name + " " + version + "\n")
      return 0
    }
    guard let help = helpText(command) else {
      console.error(name + ": unknown command '" + command + "'\n\n" + usage())
      return 2
    }
    if rest.contains("--help") || rest.contains("-h") {
      console.out(help + "\n")
      return 0
    }
    do {
      if let extra = extraCommands.first(where: { $0.name == command }) { return try extra.run(rest, console) }
      switch command {
      case "inspect": try InspectCommand.run(rest, console)
      case "resave": try ResaveCommand.run(rest, console)
      case "run": try RunCommand.run(rest, console)
      case "bench": try BenchCommand.run(rest, console)
      case "ops": try OpsCommand.run(rest, console)
      case "stream": return try StreamCommand.run(rest, console)
      case "eval": try EvalCommand.run(rest, console)
      default: break
      }
      return 0
    } catch {
      console.error(name + " " + command + ": " + error.message + "\n")
      if case .usage = error { console.error("run '" + name + " " + command + " --help' for usage\n") }
      return error.exitCode
    }
  }

  private func helpText(_ command: String) -> String? {
    switch command {
    case "inspect": return InspectCommand.usage
    case "resave": return ResaveCommand.usage
    case "run": return RunCommand.usage
    case "bench": return BenchCommand.usage
    case "ops": return OpsCommand.usage
    case "stream": return StreamCommand.usage
    case "eval": return EvalCommand.usage
    default: return extraCommands.first(where: { $0.name == command })?.usage
    }
  }

  func usage() -> String {
    var text = "usage: " + name + " COMMAND [ARGUMENTS]\n\ncommands:\n"
    for command in Self.commands + extraCommands.map({ ($0.name, $0.summary) }) {
      text += "  " + command.name + String(repeating: " ", count: max(1, 10 - command.name.utf8.count)) + command.summary + "\n"
    }
    text += "\nrun '" + name + " COMMAND --help' for a command's options\n"
    return text
  }
}

public let version = "0.1.0"

/// A command added by the program that builds the tool (host-only commands such as `calibrate`).
public struct ExtraCommand {
  public var name: String
  public var summary: String
  public var usage: String
  /// Runs with the arguments after the command name; returns the exit code.
  public var run: ([String], Console) throws(CommandError) -> Int32

  public init(
    name: String, summary: String, usage: String, run: @escaping ([String], Console) throws(CommandError) -> Int32
  ) {
    self.name = name
    self.summary = summary
    self.usage = usage
    self.run = run
  }
}
