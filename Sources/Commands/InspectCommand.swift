import CSupport
import ONNXFormat

enum InspectCommand {
  static let summary = "show a model's interface, operators and weights"
  static let usage = """
    usage: onnx-quant inspect MODEL [--json]

    Prints the IR version, opset imports, inputs and outputs with their shapes and
    element types, how many nodes of each operator type the model has (subgraphs
    included), the count and bytes of its initializers and Constant tensors, and
    how long reading and decoding the file took.

      --json    print the same as one JSON object
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(arguments, valued: [], flags: ["--json"])
    let path = try parsed.positionals(["MODEL"])[0]
    let start = oq_monotonic_ns()
    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    let loadNanoseconds = oq_monotonic_ns() - start
    let summary = ModelSummary(model)
    console.out(
      parsed.has("--json")
        ? summary.json(path: path, loadNanoseconds: loadNanoseconds)
        : summary.text(path: path, loadNanoseconds: loadNanoseconds))
  }
}
