import Commands
import ONNXFormat

/// `onnx-quant calibrate`: float model and calibration samples in, 8-bit model out.
public enum CalibrateCommand {
  public static let summary = "quantize a float model to int8 from calibration samples"
  public static let usage = """
    usage: onnx-quant calibrate MODEL --data PATH -o OUT.onnx [options]

    Prepares MODEL (static shapes from the samples, constants folded,
    BatchNormalization folded into Conv, Relu/Clip folded into ranges), runs
    the calibration samples through it in float, chooses a range for every
    activation, and writes an int8 model that ONNX Runtime also runs. Prints
    a per-layer table with the SQNR of int8 against float on held-out samples.

      --data PATH             a .npy with samples on axis 0 (one-input models), a
                              directory with one NAME.npy per input, or a directory
                              of test_data_set_*/input_K.pb
      -o, --output OUT.onnx   the model to write (never one of the inputs)
      --method M              minmax (default) | percentile | entropy | mse
      --percentile P          for --method percentile (default 99.999)
      --per-channel           int8 weights with a scale per output channel (default)
      --per-tensor            one weight scale per tensor
      --activations T         uint8 (default) or int8
      --format F              qoperator (default) or qdq
      --exclude LIST          node names or operator types that stay float, comma-separated
      --samples N             use at most N samples
      --holdout N             samples held out for the SQNR report (default: a fifth, at most 32)
      --shape NAME=dims       a static shape for an input (default: one sample's)
      --threads N             worker threads for the float and SQNR runs (default:
                              one per core, at most 8)
      --report FILE.json      also write the report as JSON
      --force                 replace OUT.onnx if it exists
      --quiet                 print only errors
    """

  public static var command: ExtraCommand {
    ExtraCommand(name: "calibrate", summary: summary, usage: usage) { arguments, console throws(CommandError) in
      try run(arguments, console)
      return 0
    }
  }

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(
      arguments,
      valued: [
        "--data", "-o", "--output", "--method", "--percentile", "--activations", "--format", "--exclude", "--samples",
        "--holdout", "--shape", "--report", "--threads",
      ],
      flags: ["--per-channel", "--per-tensor", "--force", "--quiet"])
    let modelPath = try parsed.positionals(["MODEL"])[0]
    guard let dataPath = try parsed.single("--data") else { throw .usage("--data PATH is required") }
    let outputs = parsed.all("-o") + parsed.all("--output")
    guard outputs.count == 1 else {
      throw .usage(outputs.isEmpty ? "-o OUT.onnx is required" : "-o is given more than once")
    }
    let outputPath = outputs[0]
    var options = QuantizationOptions()
    if let text = try parsed.single("--method") {
      guard let method = CalibrationMethod(rawValue: text) else {
        throw .usage("--method takes minmax, percentile, entropy or mse, not '" + text + "'")
      }
      options.method = method
    }
    if let text = try parsed.single("--percentile") {
      guard let value = Double(text), value > 0, value <= 100 else {
        throw .usage("--percentile takes a number in (0, 100], not '" + text + "'")
      }
      options.percentile = value
    }
    if parsed.has("--per-channel") && parsed.has("--per-tensor") {
      throw .usage("--per-channel and --per-tensor exclude each other")
    }
    options.perChannel = !parsed.has("--per-tensor")
    if let text = try parsed.single("--activations") {
      switch text {
      case "uint8": options.activations = .uint8
      case "int8": options.activations = .int8
      default: throw .usage("--activations takes uint8 or int8, not '" + text + "'")
      }
    }
    if let text = try parsed.single("--format") {
      guard let format = QuantizationOptions.Format(rawValue: text) else {
        throw .usage("--format takes qoperator or qdq, not '" + text + "'")
      }
      options.format = format
    }
    for list in parsed.all("--exclude") {
      for item in list.split(separator: ",") where !item.isEmpty { options.exclude.insert(String(item)) }
    }
    if try parsed.single("--samples") != nil { options.samples = try parsed.int("--samples", default: 0, minimum: 1) }
    if try parsed.single("--holdout") != nil { options.holdout = try parsed.int("--holdout", default: 0, minimum: 0) }
    options.shapes = try ShapeOptions.parse(parsed.all("--shape"))
    if try parsed.single("--threads") != nil { options.threads = try parsed.int("--threads", default: 1, minimum: 1) }
    let reportPath = try parsed.single("--report")

    var protected = [modelPath, dataPath]
    try OutputPolicy.checkWritable(outputPath, inputs: protected, force: parsed.has("--force"))
    if let reportPath {
      protected.append(outputPath)
      try OutputPolicy.checkWritable(reportPath, inputs: protected, force: parsed.has("--force") || !FileBytes.exists(reportPath))
    }

    let quiet = parsed.has("--quiet")
    let bar = ProgressBar(enabled: console.errorIsTerminal && !quiet, console: console)
    let result = try Calibrator.run(modelPath: modelPath, dataPath: dataPath, options: options) { stage, done, total in
      bar.update(stage, done, total)
    }
    bar.finish()
    let bytes = result.model.serialized()
    do { try FileBytes.write(bytes, to: outputPath) } catch { throw CommandError(error) }
    var floatBytes = 0
    do { floatBytes = try FileBytes.read(modelPath).count } catch {}
    let report = CalibrationReport(
      result: result, options: options, modelPath: modelPath, outputPath: outputPath, floatBytes: floatBytes,
      writtenBytes: bytes.count)
    if let reportPath {
      do { try FileBytes.write(Array(report.json().utf8), to: reportPath) } catch { throw CommandError(error) }
    }
    if !quiet { console.out(report.text()) }
  }
}

/// A one-line progress bar on stderr, redrawn in place, only when stderr is a terminal.
final class ProgressBar {
  private let enabled: Bool
  private let console: Console
  private var drawn = false

  init(enabled: Bool, console: Console) {
    self.enabled = enabled
    self.console = console
  }

  func update(_ stage: String, _ done: Int, _ total: Int) {
    guard enabled, total > 0 else { return }
    let width = 30
    let filled = done * width / total
    console.error(
      "\r" + stage + " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        + String(done) + "/" + String(total) + "   ")
    drawn = true
  }

  func finish() {
    if drawn { console.error("\r" + String(repeating: " ", count: 60) + "\r") }
  }
}
