import Runtime

enum OpsCommand {
  static let summary = "list the operators onnx-quant runs"
  static let usage = """
    usage: onnx-quant ops [--json]

    Lists the operators the runtime implements: ai.onnx ones by op_type, others
    as DOMAIN.op_type (the com.microsoft quantized operators of ONNX Runtime's
    quantizer). A model with any other operator is refused at load with an
    error naming the node.

      --json    print a JSON list of op_type names
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(arguments, valued: [], flags: ["--json"])
    _ = try parsed.positionals([])
    var names: [String] = []
    for entry in Operator.table {
      let name = entry.domain.isEmpty ? entry.name : entry.domain + "." + entry.name
      if !names.contains(name) { names.append(name) }
    }
    names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
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
