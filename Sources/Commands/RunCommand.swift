import CSupport
import ONNXFormat
import Runtime
import TensorFiles

enum RunCommand {
  static let summary = "run a model once on given inputs"
  static let usage = """
    usage: onnx-quant run MODEL (--inputs DIR | --input NAME=FILE ...) [--shape NAME=dims ...] [--outputs DIR]
                          [--threads N] [--model-layout]

    Runs MODEL once. Inputs come from DIR (input_0.pb, input_1.pb, ... in the
    ONNX test-data layout, or one NAME.npy per input) or from --input NAME=FILE
    (.npy or .pb). Their shapes fix the model's symbolic dims; --shape gives a
    dim explicitly.

      --inputs DIR           a directory of input files
      --input NAME=FILE      one input from a .npy or .pb file (repeatable)
      --shape NAME=d0,d1,..  a static shape for an input (repeatable)
      --outputs DIR          write output_K.pb and NAME.npy files there; without
                             it, print each output's name, shape and first values
      --threads N            threads the heavy steps split across (default 1)
      --model-layout         keep every operator in the model's own layout (no
                             channels-last rewrite; the results are the same)
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(
      arguments, valued: ["--inputs", "--input", "--shape", "--outputs", "--threads"],
      flags: [LayoutOption.flag])
    let path = try parsed.positionals(["MODEL"])[0]
    let outputDirectory = try parsed.single("--outputs")
    var shapes = try ShapeOptions.parse(parsed.all("--shape"))
    let threads = try ThreadOption.parse(parsed)

    let start = oq_monotonic_ns()
    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    var inputs = ModelInputs(model)
    if let directory = try parsed.single("--inputs") { try inputs.addDirectory(directory) }
    for assignment in parsed.all("--input") { try inputs.addFile(assignment) }
    for name in inputs.names {
      guard let tensor = inputs.tensor(name) else {
        throw .usage(
          "no value for input '" + name + "'; give it with --inputs DIR or --input " + name
            + "=FILE")
      }
      if shapes[name] == nil { shapes[name] = tensor.dims }
    }

    var given: [String: Tensor] = [:]
    for name in inputs.names { given[name] = inputs.tensor(name) }
    let loaded = try LoadedModel.prepare(
      model, path: path, shapes: shapes, start: start, given: given, console: console,
      threads: threads,
      channelsLast: LayoutOption.channelsLast(parsed))
    let session = loaded.session
    for (index, input) in session.inputs.enumerated() {
      guard let tensor = inputs.tensor(input.name) else { continue }
      do { try session.setInput(index, tensor) } catch { throw .input(error.message) }
    }
    session.run()

    if let outputDirectory {
      try writeOutputs(session, to: outputDirectory, console)
    } else {
      for index in 0..<session.outputs.count { console.out(describe(session.output(index)) + "\n") }
    }
  }

  private static func writeOutputs(_ session: Session, to directory: String, _ console: Console)
    throws(CommandError)
  {
    var tensors: [Tensor] = []
    for index in 0..<session.outputs.count { tensors.append(session.output(index)) }
    do {
      try TestDataSet.writeOutputs(tensors, to: directory)
    } catch {
      throw CommandError(error)
    }
    for tensor in tensors {
      let path = joinPath(directory, fileName(tensor.name) + ".npy")
      do {
        try Npy.write(tensor, to: path)
      } catch {
        console.error("note: " + tensor.name + " is not written as .npy (" + error.detail + ")\n")
      }
    }
  }

  /// An output name as a file name: characters other than letters, digits, `-`, `_` and `.` become `_`.
  static func fileName(_ name: String) -> String {
    var result = ""
    for scalar in name.unicodeScalars {
      let v = scalar.value
      let plain =
        (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || v == 45 || v == 95
        || v == 46
      result.unicodeScalars.append(plain ? scalar : "_")
    }
    return result.isEmpty || result == "." || result == ".." ? "output" : result
  }

  /// `name  float32[1, 2]  0.25 0.75`
  static func describe(_ tensor: Tensor, limit: Int = 10) -> String {
    var text = tensor.name + "  " + tensor.dataType.name + dimsText(tensor.dims) + " "
    let count = min(tensor.count, limit)
    text += TensorValues.text(tensor, count: count)
    if tensor.count > limit { text += " ..." }
    return text
  }
}

/// The first values of a tensor as text, for printing.
enum TensorValues {
  static func text(_ tensor: Tensor, count: Int) -> String {
    var parts: [String] = []
    tensor.bytes.withUnsafeBytes { raw in
      for index in 0..<count {
        switch tensor.dataType {
        case .float:
          parts.append(
            NumberFormat.float(Double(raw.load(fromByteOffset: index * 4, as: Float.self))))
        case .double:
          parts.append(NumberFormat.float(raw.load(fromByteOffset: index * 8, as: Double.self)))
        case .int64: parts.append(String(raw.load(fromByteOffset: index * 8, as: Int64.self)))
        case .int32: parts.append(String(raw.load(fromByteOffset: index * 4, as: Int32.self)))
        case .int16: parts.append(String(raw.load(fromByteOffset: index * 2, as: Int16.self)))
        case .int8: parts.append(String(raw.load(fromByteOffset: index, as: Int8.self)))
        case .uint8: parts.append(String(raw.load(fromByteOffset: index, as: UInt8.self)))
        case .bool:
          parts.append(raw.load(fromByteOffset: index, as: UInt8.self) != 0 ? "true" : "false")
        default:
          parts.append("?")
        }
      }
    }
    return parts.joined(separator: " ")
  }
}
