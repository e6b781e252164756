import Runtime

enum OpsCommand {
  static let summary = "list the operators onnx-quant runs"
  static let usage = """
    usage: onnx-quant ops [--json]

    Lists the ONNX operators (domain ai.onnx) the runtime implements. A model
    with any other operator is refused at load with an error naming the node.

      --json    print a JSON list of op_type names
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(arguments, valued: [], flags: ["--json"])
    _ = try parsed.positionals([])
    let names = Operator.table.map { $0.name }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    if parsed.has("--json") {
      var json = JSONWriter()
      json.beginArray()
      for name in names { json.string(nil, name) }
      json.endArray()
      console.out(json.text + "\n")
    } else {
      console.out(names.joined(separator: "\n") + "\n")
    }
  }
}
