/// A command line split into positionals, valued options and flags, checked against what a command accepts.
public struct Arguments {
  public private(set) var positionals: [String] = []
  private var values: [(name: String, value: String)] = []
  private var flags: [String] = []

  /// `valued` options take the next argument (or `--name=value`); `flags` take none. Options may repeat.
  public init(_ arguments: [String], valued: [String], flags allowedFlags: [String]) throws(CommandError) {
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
        positionals.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositionals = true
        continue
      }
      var name = argument
      var inlineValue: String? = nil
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      if valued.contains(name) {
        if let inlineValue {
          values.append((name, inlineValue))
        } else {
          guard index < arguments.count else { throw .usage(name + " needs a value") }
          values.append((name, arguments[index]))
          index += 1
        }
      } else if allowedFlags.contains(name) && inlineValue == nil {
        flags.append(name)
      } else {
        throw .usage("unknown option " + argument)
      }
    }
  }

  public func has(_ flag: String) -> Bool { flags.contains(flag) }

  public func all(_ name: String) -> [String] { values.filter { $0.name == name }.map { $0.value } }

  /// The option's value; an option given twice where once is meant is a usage error.
  public func single(_ name: String) throws(CommandError) -> String? {
    let found = all(name)
    if found.count > 1 { throw .usage(name + " is given more than once") }
    return found.first
  }

  public func int(_ name: String, default fallback: Int, minimum: Int = 0) throws(CommandError) -> Int {
    guard let text = try single(name) else { return fallback }
    guard let value = Int(text), value >= minimum else {
      throw .usage(name + " needs a whole number of at least " + String(minimum) + ", not '" + text + "'")
    }
    return value
  }

  /// Exactly `count` positionals, named in the usage error when missing.
  public func positionals(_ names: [String]) throws(CommandError) -> [String] {
    if positionals.count < names.count {
      throw .usage("missing " + names[positionals.count])
    }
    if positionals.count > names.count {
      throw .usage("unexpected argument '" + positionals[names.count] + "'")
    }
    return positionals
  }
}
