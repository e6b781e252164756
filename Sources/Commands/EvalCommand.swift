import ONNXFormat
import Runtime
import TensorFiles

/// Top-1 accuracy of a classifier over a labeled set, streamed one sample at a time.
enum EvalCommand {
  static let summary = "top-1 accuracy of a classifier on labeled samples"
  static let usage = """
    usage: onnx-quant eval MODEL --inputs X.npy --labels Y.npy [--shape NAME=dims ...] [--output NAME] [--json]

    Runs MODEL once per sample of X.npy (samples on axis 0, one graph input)
    and compares the arg max of the output (the first, or --output NAME) over
    its last axis with the integer class in Y.npy (shape [N]). Prints the top-1
    accuracy.

      --inputs X.npy         samples, shape [N, ...]
      --labels Y.npy         integer labels, shape [N]
      --shape NAME=d0,d1,..  a static shape for the input (default: one sample's)
      --output NAME          the output holding the scores (default: the first)
      --json                 print the result as one JSON object
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(
      arguments, valued: ["--inputs", "--labels", "--shape", "--output"], flags: ["--json"])
    let path = try parsed.positionals(["MODEL"])[0]
    guard let inputsPath = try parsed.single("--inputs") else { throw .usage("--inputs X.npy is required") }
    guard let labelsPath = try parsed.single("--labels") else { throw .usage("--labels Y.npy is required") }
    let labelTensor: Tensor
    do { labelTensor = try Npy.read(labelsPath) } catch { throw CommandError(error) }
    guard labelTensor.dataType != .float, labelTensor.dataType != .double,
      let labels = (try? Constant(labelTensor))?.integers()
    else {
      throw .input(labelsPath + ": labels must be integers, not " + labelTensor.dataType.name)
    }
    guard labelTensor.dims.count == 1 || (labelTensor.dims.count == 2 && labelTensor.dims[1] == 1) else {
      throw .input(labelsPath + ": labels must have shape [N], not " + dimsText(labelTensor.dims))
    }
    let reader: NpySampleReader
    do { reader = try NpySampleReader(inputsPath) } catch { throw CommandError(error) }
    if reader.sampleCount != labels.count {
      throw .input(
        inputsPath + " holds " + String(reader.sampleCount) + " samples but " + labelsPath + " "
          + String(labels.count) + " labels")
    }
    if reader.sampleCount == 0 { throw .input(inputsPath + ": no samples") }

    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    let inputNames = ModelInputs(model).names
    guard inputNames.count == 1 else {
      throw .input(path + ": eval feeds one input, the model has " + String(inputNames.count))
    }
    let sampleShape = SampleShape.fitted([1] + reader.shape.dropFirst(), to: model, input: inputNames[0])
    var shapes = try ShapeOptions.parse(parsed.all("--shape"))
    if shapes[inputNames[0]] == nil { shapes[inputNames[0]] = sampleShape }
    let loaded = try LoadedModel.load(path, shapes: shapes)
    let session = loaded.session
    var outputIndex = 0
    if let name = try parsed.single("--output") {
      guard let found = session.outputs.firstIndex(where: { $0.name == name }) else {
        throw .usage("--output " + name + ": the model has no such output")
      }
      outputIndex = found
    }
    let output = session.outputs[outputIndex]
    guard output.type.dataType == .float, let classes = output.type.shape.last, classes > 0 else {
      throw .input(path + ": output '" + output.name + "' must be float scores, not " + output.type.text)
    }
    if output.type.count != classes {
      throw .input(path + ": output '" + output.name + "' must hold one row of scores, not " + output.type.text)
    }
    var correct = 0
    for index in 0..<labels.count {
      let sample: Tensor?
      do { sample = try reader.next() } catch { throw CommandError(error) }
      guard var sample else { break }
      sample.dims = session.inputs[0].type.shape
      if sample.dataType == .double { sample = SampleShape.float32(sample) }
      do { try session.setInput(0, sample) } catch { throw .input(inputsPath + ": " + error.message) }
      session.run()
      let scores = output.pointer.assumingMemoryBound(to: Float.self)
      var best = 0
      for k in 1..<classes where scores[k] > scores[best] { best = k }
      if best == labels[index] { correct += 1 }
    }
    let accuracy = Double(correct) / Double(labels.count)
    if parsed.has("--json") {
      var json = JSONWriter()
      json.beginObject()
      json.string("model", path)
      json.int("samples", labels.count)
      json.int("correct", correct)
      json.raw("accuracy", NumberFormat.fixed(accuracy, decimals: 6))
      json.endObject()
      console.out(json.text + "\n")
    } else {
      console.out(
        "top-1: " + NumberFormat.fixed(accuracy * 100, decimals: 2) + "% (" + String(correct) + "/"
          + String(labels.count) + ")\n")
    }
  }
}

/// Fitting samples read from a file (shape [1, ...]) to a model input.
public enum SampleShape {
  /// The static shape of one sample (shape [1, ...]) for `input`: without the leading 1 when the input is
  /// declared one rank lower (a model without a batch axis).
  public static func fitted(_ sampleShape: [Int], to model: Model, input: String) -> [Int] {
    if sampleShape.first == 1, let declared = model.graph.inputs.first(where: { $0.name == input }),
      case .tensor(_, let dims?)? = declared.type, dims.count == sampleShape.count - 1
    {
      return Array(sampleShape.dropFirst())
    }
    return sampleShape
  }

  /// A float64 sample converted to float32 (numpy's default dtype is float64).
  public static func float32(_ tensor: Tensor) -> Tensor {
    var bytes = [UInt8](repeating: 0, count: tensor.count * 4)
    tensor.bytes.withUnsafeBytes { source in
      bytes.withUnsafeMutableBytes { target in
        for index in 0..<tensor.count {
          target.storeBytes(of: Float(source.load(fromByteOffset: index * 8, as: Double.self)), toByteOffset: index * 4, as: Float.self)
        }
      }
    }
    return Tensor(name: tensor.name, dataType: .float, dims: tensor.dims, bytes: bytes)
  }
}
