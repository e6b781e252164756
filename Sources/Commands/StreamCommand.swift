import CSupport
import ONNXFormat
import Runtime

enum StreamCommand {
  static let summary = "run a model on windows of a sample stream (sensor loop)"
  static let usage = """
    usage: onnx-quant stream MODEL [--source PATH] [--format s16le|u8|f32le|csv] [--channels C] [--rate HZ]
                             [--window N] [--hop H] [--context K] [--scale A] [--offset B] [--input NAME]
                             [--shape NAME=dims ...] [--feed OUTPUT=INPUT ...] [--print NAME[,NAME]]
                             [--emit csv|jsonl] [--max-values N] [--deadline-us D] [--threads N]
                             [--model-layout]

    Reads samples from stdin (or PATH: a file or FIFO), cuts them into windows
    of N frames (a frame is C samples, one per channel) every H frames, runs
    MODEL on each window and writes one line per window to stdout as soon as
    it is computed: the window index, its start time in seconds (index*H/HZ),
    the printed outputs' values, and the inference latency in microseconds.
    Memory is fixed after setup: nothing is allocated per window.

      --source PATH          read PATH instead of stdin ('-' is stdin)
      --format F             s16le (default), u8, f32le, or csv: one frame per
                             line, its C values separated by commas
      --channels C           samples per frame, interleaved (default 1)
      --rate HZ              frames per second, for the timestamps (default 16000)
      --window N             frames per window (default: what fills the input)
      --hop H                frames from one window's start to the next
                             (default N; H < N overlaps windows, H > N skips frames)
      --context K            put the previous window's last K frames before each
                             window (zeros before the first; default 0)
      --scale A --offset B   the model sees x*A+B for a raw sample x (defaults:
                             s16le A=1/32768 B=0, u8 A=1/128 B=-1, f32le and csv A=1 B=0)
      --input NAME           the float32 input the window goes to (default: the
                             model's first input that is not fed); it holds
                             (K+N)*C values in its static shape
      --shape NAME=d0,d1,..  a static shape for an input (repeatable)
      --feed OUTPUT=INPUT    copy OUTPUT into INPUT for the next window (repeatable;
                             same type and shape; fed inputs start at zero)
      --print NAME[,NAME]    the outputs to print (default: all not fed back)
      --emit csv|jsonl       csv with a header line (default), or one JSON object
                             per line
      --max-values N         values printed per output (default 8)
      --deadline-us D        count windows whose inference took longer than D us
      --threads N            threads the heavy steps split across (default 1)
      --model-layout         keep every operator in the model's own layout (no
                             channels-last rewrite; the results are the same)

    At the end, stderr gets a summary: windows, latency mean, p99 and max,
    overruns, and the input problems counted. Inputs that are neither the
    window nor fed stay zero.

    Bad input does not stop the loop: a malformed csv line (wrong number of
    values) is skipped; a value that is not a number, not finite, or out of
    float32 range after scaling becomes 0; each is reported on stderr (the
    first ten one by one) and counted. A partial window at the end is dropped
    and reported. The input ending inside a sample, or a read error, ends it.

    exit status: 0 at a clean end of input; 1 when the input had problems
    (values replaced, lines skipped, a cut sample, a read error) or the output
    could not be written; 2 for a bad command line; 130 on SIGINT and 143 on
    SIGTERM (the loop stops between windows and prints the summary).
    """

  static let valued = [
    "--source", "--format", "--channels", "--rate", "--window", "--hop", "--context", "--scale",
    "--offset", "--input",
    "--shape", "--feed", "--print", "--emit", "--max-values", "--deadline-us", "--threads",
  ]

  /// Runs the loop to the end of the input or a stop signal; returns the exit code.
  static func run(_ arguments: [String], _ console: Console) throws(CommandError) -> Int32 {
    oq_clear_stop_signal()
    _ = oq_install_stop_handlers()
    defer {
      oq_restore_stop_handlers()
      oq_clear_stop_signal()
    }
    let loop: StreamLoop
    do {
      loop = try makeLoop(arguments, console)
    } catch {
      // Interrupted while opening a FIFO no writer has opened yet.
      let signal = oq_stop_signal()
      if signal != 0 { return 128 + signal }
      throw error
    }
    loop.writeHeader()
    _ = loop.runWindows(max: Int.max)
    return loop.finish()
  }

  /// Loads the model, checks the options against it and opens the source. Lines go to `output`
  /// (default: the console's stdout); messages to the console's stderr.
  static func makeLoop(_ arguments: [String], _ console: Console, output: StreamSink? = nil)
    throws(CommandError)
    -> StreamLoop
  {
    let parsed = try Arguments(arguments, valued: valued, flags: [LayoutOption.flag])
    let path = try parsed.positionals(["MODEL"])[0]

    let formatName = try parsed.single("--format") ?? "s16le"
    guard let format = StreamFormat.named(formatName) else {
      throw .usage("--format takes s16le, u8, f32le or csv, not '" + formatName + "'")
    }
    var settings = StreamSettings()
    settings.channels = try parsed.int("--channels", default: 1, minimum: 1)
    settings.rate = try number(parsed, "--rate", default: 16000)
    if !(settings.rate > 0) { throw .usage("--rate needs a positive number of frames per second") }
    settings.context = try parsed.int("--context", default: 0, minimum: 0)
    settings.maxValues = try parsed.int("--max-values", default: 8, minimum: 1)
    if try parsed.single("--deadline-us") != nil {
      settings.deadlineMicroseconds = try parsed.int("--deadline-us", default: 0, minimum: 0)
    }
    let scale = try number(parsed, "--scale", default: format.defaultScale)
    let offset = try number(parsed, "--offset", default: format.defaultOffset)
    let emit = try parsed.single("--emit") ?? "csv"
    switch emit {
    case "csv": settings.emit = .csv
    case "jsonl": settings.emit = .jsonl
    default: throw .usage("--emit takes csv or jsonl, not '" + emit + "'")
    }

    let session = try LoadedModel.load(
      path, shapes: try ShapeOptions.parse(parsed.all("--shape")),
      threads: try ThreadOption.parse(parsed),
      channelsLast: LayoutOption.channelsLast(parsed)
    ).session
    let inputNames = session.inputs.map { $0.name }
    let outputNames = session.outputs.map { $0.name }

    // --feed OUTPUT=INPUT
    var feeds: [(output: Int, input: Int)] = []
    for assignment in parsed.all("--feed") {
      guard let equals = assignment.firstIndex(of: "=") else {
        throw .usage("--feed takes OUTPUT=INPUT, not '" + assignment + "'")
      }
      let outputName = String(assignment[..<equals])
      let inputName = String(assignment[assignment.index(after: equals)...])
      guard let outputIndex = outputNames.firstIndex(of: outputName) else {
        throw .usage(
          "--feed " + assignment + ": the model has no output '" + outputName + "' (outputs: "
            + outputNames.joined(separator: ", ") + ")")
      }
      guard let inputIndex = inputNames.firstIndex(of: inputName) else {
        throw .usage(
          "--feed " + assignment + ": the model has no input '" + inputName + "' (inputs: "
            + inputNames.joined(separator: ", ") + ")")
      }
      if feeds.contains(where: { $0.input == inputIndex }) {
        throw .usage("--feed: input '" + inputName + "' is fed twice")
      }
      let from = session.outputs[outputIndex].type
      let to = session.inputs[inputIndex].type
      guard from == to else {
        throw .usage(
          "--feed " + assignment + ": output '" + outputName + "' is " + from.text + " but input '"
            + inputName
            + "' is " + to.text + "; a fed output must match its input's type and shape")
      }
      feeds.append((outputIndex, inputIndex))
    }

    // --input NAME: the window's input.
    let windowInput: Int
    if let name = try parsed.single("--input") {
      guard let index = inputNames.firstIndex(of: name) else {
        throw .usage(
          "--input: the model has no input '" + name + "' (inputs: "
            + inputNames.joined(separator: ", ") + ")")
      }
      if feeds.contains(where: { $0.input == index }) {
        throw .usage(
          "--input " + name + " is also fed by --feed; the window needs an input of its own")
      }
      windowInput = index
    } else {
      guard
        let index = inputNames.indices.first(where: { index in
          !feeds.contains(where: { $0.input == index })
        })
      else {
        throw .usage("every input of the model is fed by --feed; none is left for the window")
      }
      windowInput = index
    }
    let input = session.inputs[windowInput]
    guard input.type.dataType == .float else {
      throw .usage(
        "the window goes to input '" + input.name + "', which is " + input.type.text
          + "; stream fills float32 inputs (choose another with --input)")
    }
    let values = input.type.count
    let channels = settings.channels
    let context = settings.context
    if try parsed.single("--window") != nil {
      settings.window = try parsed.int("--window", default: 1, minimum: 1)
      let needed = (context + settings.window) * channels
      if needed != values {
        throw .usage(
          "input '" + input.name + "' is " + input.type.text + " (" + String(values)
            + " values), but "
            + "(context " + String(context) + " + window " + String(settings.window) + ") x "
            + String(channels)
            + (channels == 1 ? " channel" : " channels") + " is " + String(needed)
            + " values; choose --window, --context and --channels so that (context + window) x channels = "
            + String(values) + ", or give the input another shape with --shape " + input.name
            + "=...")
      }
    } else {
      guard values % channels == 0, values / channels > context else {
        throw .usage(
          "input '" + input.name + "' is " + input.type.text + " (" + String(values)
            + " values), which "
            + String(channels) + (channels == 1 ? " channel" : " channels") + " and a context of "
            + String(context)
            + " frames cannot fill; (context + window) x channels must be " + String(values))
      }
      settings.window = values / channels - context
    }
    settings.hop = try parsed.int("--hop", default: settings.window, minimum: 1)
    if context > settings.window {
      throw .usage(
        "--context " + String(context) + " is longer than the window (" + String(settings.window)
          + " frames): the context is the previous window's last frames")
    }

    // --print NAME[,NAME]
    var printed: [(output: Int, name: String)] = []
    if let list = try parsed.single("--print") {
      for part in list.split(separator: ",") {
        let name = String(part)
        guard let index = outputNames.firstIndex(of: name) else {
          throw .usage(
            "--print: the model has no output '" + name + "' (outputs: "
              + outputNames.joined(separator: ", ")
              + ")")
        }
        printed.append((index, name))
      }
    } else {
      for (index, name) in outputNames.enumerated()
      where !feeds.contains(where: { $0.output == index }) {
        printed.append((index, name))
      }
    }
    for entry in printed {
      switch session.outputs[entry.output].type.dataType {
      case .float, .double, .int64, .int32, .int16, .int8, .uint8, .bool: break
      default:
        throw .usage(
          "cannot print output '" + entry.name + "' of type "
            + session.outputs[entry.output].type.dataType.name)
      }
    }

    for (index, other) in session.inputs.enumerated() where index != windowInput {
      if feeds.contains(where: { $0.input == index }) { continue }
      other.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: other.type.byteCount)
      console.error(
        "note: input '" + other.name + "' (" + other.type.text
          + ") is neither the window nor fed; it stays zero\n")
    }

    // The source, opened last so a usage error never waits on a FIFO.
    var fd: Int32 = 0
    var owns = false
    var label = "stdin"
    if let source = try parsed.single("--source"), source != "-" {
      var opened: Int32 = -1
      let error = oq_open_read(source, &opened)
      if error != 0 {
        throw .input(source + ": cannot open: " + String(cString: oq_error_message(error)))
      }
      fd = opened
      owns = true
      label = source
    }
    let errors: StreamSink =
      console.mode == .capture ? .console(console, error: true) : .descriptor(2)
    let lines: StreamSink =
      output ?? (console.mode == .capture ? .console(console, error: false) : .descriptor(1))
    let reader = StreamSource(
      fd: fd, ownsDescriptor: owns, label: label, format: format, channels: channels, scale: scale,
      offset: offset,
      errors: errors)
    return StreamLoop(
      session: session, settings: settings, source: reader, windowInput: windowInput,
      printed: printed, feeds: feeds,
      output: lines, errors: errors)
  }

  private static func number(_ parsed: Arguments, _ name: String, default fallback: Double)
    throws(CommandError) -> Double
  {
    guard let text = try parsed.single(name) else { return fallback }
    guard let value = fractionValue(text), value.isFinite else {
      throw .usage(name + " needs a number, not '" + text + "'")
    }
    return value
  }

  /// A decimal number, or a fraction `A/B` (e.g. `--scale 1/32768`).
  private static func fractionValue(_ text: String) -> Double? {
    guard let slash = text.firstIndex(of: "/") else { return DecimalParser.parse(text) }
    guard let numerator = DecimalParser.parse(String(text[..<slash])),
      let denominator = DecimalParser.parse(String(text[text.index(after: slash)...])),
      denominator != 0
    else { return nil }
    return numerator / denominator
  }
}
