import ONNXFormat

enum InspectCommand {
  static let summary = "show a model's interface, operators and weights"
  static let usage = """
    usage: onnx-quant inspect MODEL [--json]

    Prints the IR version, opset imports, inputs and outputs with their shapes and
    element types, how many nodes of each operator type the model has (subgraphs
    included), and the count and bytes of its initializers.

      --json    print the same as one JSON object
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(arguments, valued: [], flags: ["--json"])
    let path = try parsed.positionals(["MODEL"])[0]
    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    let summary = ModelSummary(model)
    console.out(parsed.has("--json") ? summary.json(path: path) : summary.text(path: path))
  }
}
