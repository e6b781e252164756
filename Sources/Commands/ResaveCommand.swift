import ONNXFormat

enum ResaveCommand {
  static let summary = "load a model and save it again (checks that onnx-quant reads it whole)"
  static let usage = """
    usage: onnx-quant resave MODEL -o OUT.onnx [--force]

    Loads MODEL and writes it back through onnx-quant's own reader and writer.
    Numeric tensors are written as raw_data; everything else is kept as it was.
    The output is written to a temporary file and renamed, so an interrupted run
    never leaves a partial file. MODEL itself is never overwritten.

      -o OUT.onnx   where to write the model
      --force       replace OUT.onnx if it exists (never MODEL itself)
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(arguments, valued: ["-o", "--output"], flags: ["--force"])
    let input = try parsed.positionals(["MODEL"])[0]
    let outputs = parsed.all("-o") + parsed.all("--output")
    guard outputs.count == 1 else { throw .usage(outputs.isEmpty ? "missing -o OUT.onnx" : "-o is given more than once") }
    let output = outputs[0]
    try OutputPolicy.checkWritable(output, inputs: [input], force: parsed.has("--force"))
    do {
      let model = try Model(contentsOf: input)
      try model.write(to: output)
    } catch {
      throw CommandError(error)
    }
    console.out("wrote " + output + "\n")
  }
}
