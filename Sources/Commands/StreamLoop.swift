import CSupport
import ONNXFormat
import Runtime

/// The settings of one `stream` run, checked by `StreamCommand`.
struct StreamSettings {
  enum Emit { case csv, jsonl }

  var channels = 1
  var rate = 16000.0
  var window = 1
  var hop = 1
  var context = 0
  var emit = Emit.csv
  var maxValues = 8
  /// Windows whose inference takes longer are counted as overruns; nil: no deadline.
  var deadlineMicroseconds: Int? = nil
}

/// An output the loop prints: where its values are, their type, how many are printed.
struct StreamPrinted {
  var pointer: UnsafeRawPointer
  var dataType: DataType
  var count: Int
  /// The output's name (JSON-escaped) in `StreamLoop.names`.
  var nameStart: Int
  var nameEnd: Int
}

/// `--feed OUTPUT=INPUT`: after each inference, the output's bytes become the input's.
struct StreamFeed {
  var source: UnsafeRawPointer
  var target: UnsafeMutableRawPointer
  var staging: UnsafeMutableRawPointer
  var byteCount: Int
}

/// The sensor loop: windows of frames from a `StreamSource`, each copied (after the context) into
/// the model's window input, one inference, one line of text.
///
/// Everything it needs is allocated in `init`: the frame ring (`window` frames), the context, the
/// staging buffers of fed-back state, the line buffer and the latency histogram. `runWindows`
/// allocates nothing on the heap.
final class StreamLoop {
  let session: Session
  let settings: StreamSettings
  let source: StreamSource
  private let output: StreamSink
  private let errors: StreamSink
  private let windowInput: UnsafeMutablePointer<Float>
  private let printed: [StreamPrinted]
  private let feeds: [StreamFeed]
  private let names: UnsafeMutableBufferPointer<UInt8>
  private let ring: UnsafeMutableBufferPointer<Float>
  private let context: UnsafeMutableBufferPointer<Float>
  private let skipped: UnsafeMutableBufferPointer<Float>
  private let line: UnsafeMutableBufferPointer<UInt8>
  private let header: String
  /// The oldest frame in `ring`, and how many frames it holds.
  private var ringHead = 0
  private var ringCount = 0

  private(set) var histogram = LatencyHistogram()
  private(set) var windows = 0
  private(set) var overruns = 0
  /// Frames read toward a window the input ended before filling.
  private(set) var droppedFrames = 0
  /// The stop signal (SIGINT 2, SIGTERM 15) that ended the loop, or 0.
  private(set) var stopSignal: Int32 = 0
  /// The errno of a failed write to the output, which ends the loop.
  private(set) var writeError: Int32 = 0
  private(set) var finished = false

  init(
    session: Session, settings: StreamSettings, source: StreamSource, windowInput: Int, printed: [(output: Int, name: String)],
    feeds: [(output: Int, input: Int)], output: StreamSink, errors: StreamSink
  ) {
    self.session = session
    self.settings = settings
    self.source = source
    self.output = output
    self.errors = errors
    let channels = settings.channels
    self.windowInput = session.inputs[windowInput].pointer.assumingMemoryBound(to: Float.self)

    // Names as they appear in a line (JSON-escaped for jsonl), and the header.
    var nameBytes: [UInt8] = []
    var printedOutputs: [StreamPrinted] = []
    var header = "window,time_s"
    for entry in printed {
      let tensor = session.outputs[entry.output]
      let start = nameBytes.count
      let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: entry.name.utf8.count * 6 + 1)
      var escaped = ByteLine(scratch)
      escaped.jsonEscaped(Array(entry.name.utf8))
      nameBytes.append(contentsOf: Array(escaped.bytes))
      scratch.deallocate()
      let count = min(tensor.type.count, settings.maxValues)
      printedOutputs.append(
        StreamPrinted(
          pointer: UnsafeRawPointer(tensor.pointer), dataType: tensor.type.dataType, count: count, nameStart: start,
          nameEnd: nameBytes.count))
      if count == 1 && tensor.type.count == 1 {
        header += "," + Self.csvField(entry.name)
      } else {
        for index in 0..<count { header += "," + Self.csvField(entry.name + "[" + String(index) + "]") }
      }
    }
    header += ",latency_us\n"
    self.header = header
    self.printed = printedOutputs
    names = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, nameBytes.count))
    _ = names.initialize(from: nameBytes)

    var stagedFeeds: [StreamFeed] = []
    for feed in feeds {
      let from = session.outputs[feed.output]
      let to = session.inputs[feed.input]
      let bytes = to.type.byteCount
      let staging = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes), alignment: 16)
      to.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)  // fed inputs start at zero
      stagedFeeds.append(
        StreamFeed(source: UnsafeRawPointer(from.pointer), target: to.pointer, staging: staging, byteCount: bytes))
    }
    self.feeds = stagedFeeds

    ring = UnsafeMutableBufferPointer<Float>.allocate(capacity: settings.window * channels)
    ring.initialize(repeating: 0)
    context = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, settings.context * channels))
    context.initialize(repeating: 0)  // zeros before the first window
    skipped = UnsafeMutableBufferPointer<Float>.allocate(capacity: channels)
    skipped.initialize(repeating: 0)

    // The longest line: the fixed fields, then per value at most 14 bytes ("-1.23457e-308") and a
    // separator, per output its name and punctuation.
    var capacity = 128
    for entry in printedOutputs { capacity += entry.nameEnd - entry.nameStart + 8 + entry.count * 24 }
    line = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    line.initialize(repeating: 0)
  }

  deinit {
    names.deallocate()
    ring.deallocate()
    context.deallocate()
    skipped.deallocate()
    line.deallocate()
    for feed in feeds { feed.staging.deallocate() }
    histogram.deallocate()
  }

  /// `"name"` when the name holds a comma, quote or line break.
  private static func csvField(_ name: String) -> String {
    var needsQuotes = false
    var quoted = "\""
    for scalar in name.unicodeScalars {
      if scalar == "," || scalar == "\"" || scalar == "\n" || scalar == "\r" { needsQuotes = true }
      if scalar == "\"" { quoted += "\"" }
      quoted.unicodeScalars.append(scalar)
    }
    return needsQuotes ? quoted + "\"" : name
  }

  /// The csv header line (nothing for jsonl); written before the first window.
  func writeHeader() {
    guard settings.emit == .csv else { return }
    var text = header
    text.withUTF8 { bytes in
      let error = output.write(bytes)
      if error != 0 { writeError = error }
    }
  }

  /// Runs up to `limit` windows; returns how many ran. Stops early, setting `finished`, at the end
  /// of the input, on a read or write error, or when a stop signal has arrived.
  func runWindows(max limit: Int) -> Int {
    var ran = 0
    while ran < limit && !finished {
      let signal = oq_stop_signal()
      if signal != 0 {
        stopSignal = signal
        finished = true
        break
      }
      if writeError != 0 || !gatherWindow() {
        finished = true
        // A signal handled on another thread ends the loop at the next read's return.
        stopSignal = oq_stop_signal()
        break
      }
      runWindow()
      ran += 1
    }
    return ran
  }

  /// Reads the frames of the next window into the ring: `window` frames for the first, then `hop`
  /// new ones (after skipping `hop - window` when windows do not touch).
  private func gatherWindow() -> Bool {
    let window = settings.window
    let channels = settings.channels
    var needed = window
    if windows > 0 {
      var skip = settings.hop - window
      while skip > 0 {
        if !source.nextFrame(skipped.baseAddress!) { return false }
        skip -= 1
      }
      needed = min(settings.hop, window)
    }
    var got = 0
    while got < needed {
      var slot: Int
      if ringCount < window {
        slot = ringHead + ringCount
        if slot >= window { slot -= window }
      } else {
        slot = ringHead
      }
      if !source.nextFrame(ring.baseAddress! + slot * channels) {
        droppedFrames = got
        return false
      }
      if ringCount < window {
        ringCount += 1
      } else {
        ringHead += 1
        if ringHead == window { ringHead = 0 }
      }
      got += 1
    }
    return true
  }

  private func runWindow() {
    let window = settings.window
    let channels = settings.channels
    let contextValues = settings.context * channels

    // The input: the context (the previous window's last frames), then the window's frames in order.
    var at = windowInput
    if contextValues > 0 {
      at.update(from: context.baseAddress!, count: contextValues)
      at += contextValues
    }
    let headValues = ringHead * channels
    let ringValues = window * channels
    at.update(from: ring.baseAddress! + headValues, count: ringValues - headValues)
    (at + (ringValues - headValues)).update(from: ring.baseAddress!, count: headValues)
    if contextValues > 0 {
      context.baseAddress!.update(from: windowInput + (ringValues), count: contextValues)
    }

    let start = oq_monotonic_ns()
    session.run()
    let nanoseconds = oq_monotonic_ns() &- start
    histogram.add(nanoseconds: nanoseconds)
    if let deadline = settings.deadlineMicroseconds, nanoseconds > UInt64(deadline) * 1000 { overruns += 1 }

    var text = ByteLine(line)
    format(&text, nanoseconds: nanoseconds)
    // Fed-back state: every output is read before any input is written, since an output may share
    // arena bytes with an input that died earlier in the plan.
    for index in 0..<feeds.count {
      feeds[index].staging.copyMemory(from: feeds[index].source, byteCount: feeds[index].byteCount)
    }
    for index in 0..<feeds.count {
      feeds[index].target.copyMemory(from: UnsafeRawPointer(feeds[index].staging), byteCount: feeds[index].byteCount)
    }
    let error = output.write(text.bytes)
    if error != 0 { writeError = error }
    windows += 1
  }

  /// One line: window index, start time in seconds, the printed outputs' values, latency in us.
  private func format(_ text: inout ByteLine, nanoseconds: UInt64) {
    let seconds = Double(windows) * Double(settings.hop) / settings.rate
    let jsonl = settings.emit == .jsonl
    if jsonl {
      text.text("{\"window\":")
      text.int(windows)
      text.text(",\"time_s\":")
      text.trimmed(seconds, decimals: 9)
      text.text(",\"outputs\":{")
    } else {
      text.int(windows)
      text.byte(44)
      text.trimmed(seconds, decimals: 9)
    }
    for index in 0..<printed.count {
      let entry = printed[index]
      if jsonl {
        if index > 0 { text.byte(44) }
        text.byte(34)
        text.append(names, from: entry.nameStart, to: entry.nameEnd)
        text.text("\":[")
      } else {
        text.byte(44)
      }
      for element in 0..<entry.count {
        if element > 0 { text.byte(44) }
        value(&text, entry.pointer, element, entry.dataType, json: jsonl)
      }
      if jsonl { text.byte(93) }
    }
    if jsonl { text.text("},\"latency_us\":") } else { text.byte(44) }
    // Microseconds with one decimal, from integer nanoseconds.
    let tenths = (nanoseconds + 50) / 100
    text.unsigned(tenths / 10)
    text.byte(46)
    text.unsigned(tenths % 10)
    if jsonl { text.byte(125) }
    text.byte(10)
  }

  private func value(_ text: inout ByteLine, _ pointer: UnsafeRawPointer, _ index: Int, _ type: DataType, json: Bool) {
    switch type {
    case .float:
      let value = pointer.load(fromByteOffset: index * 4, as: Float.self)
      if json && !value.isFinite { text.text("null") } else { text.float(Double(value)) }
    case .double:
      let value = pointer.load(fromByteOffset: index * 8, as: Double.self)
      if json && !value.isFinite { text.text("null") } else { text.float(value) }
    case .int64: text.int(Int(pointer.load(fromByteOffset: index * 8, as: Int64.self)))
    case .int32: text.int(Int(pointer.load(fromByteOffset: index * 4, as: Int32.self)))
    case .int16: text.int(Int(pointer.load(fromByteOffset: index * 2, as: Int16.self)))
    case .int8: text.int(Int(pointer.load(fromByteOffset: index, as: Int8.self)))
    case .uint8: text.int(Int(pointer.load(fromByteOffset: index, as: UInt8.self)))
    case .bool:
      if pointer.load(fromByteOffset: index, as: UInt8.self) != 0 { text.text("true") } else { text.text("false") }
    default: text.text(json ? "null" : "?")
    }
  }

  /// Reports how the stream ended and the summary on the error sink; returns the exit code:
  /// 128 + the signal when stopped by one, 1 when the input had problems, else 0.
  func finish() -> Int32 {
    var notes = ""
    if droppedFrames > 0 || source.partialFrameSamples > 0 {
      notes += "stream: the input ended inside a window: dropped " + String(droppedFrames)
        + (droppedFrames == 1 ? " trailing sample" : " trailing samples")
      if settings.channels > 1 { notes += " (frames of " + String(settings.channels) + " channels)" }
      if source.partialFrameSamples > 0 {
        notes += " and " + String(source.partialFrameSamples) + " values of an incomplete frame"
      }
      notes += " (a window is " + String(settings.window) + ")\n"
    }
    if writeError != 0 {
      notes += "stream: cannot write the output: " + errnoText(writeError) + "\n"
    }
    if stopSignal != 0 {
      notes += "stream: stopped by " + (stopSignal == 2 ? "SIGINT" : stopSignal == 15 ? "SIGTERM" : "signal " + String(stopSignal))
        + "\n"
    }
    var summary = "stream: " + String(windows) + (windows == 1 ? " window" : " windows")
    if windows > 0 {
      summary += ", latency mean " + NumberFormat.fixed(histogram.meanMicroseconds, decimals: 1) + " us, p99 "
        + String(histogram.quantile(0.99)) + " us, max " + String(histogram.maxMicroseconds) + " us"
    }
    if let deadline = settings.deadlineMicroseconds {
      summary += ", " + String(overruns) + (overruns == 1 ? " overrun" : " overruns") + " of the " + String(deadline)
        + " us deadline"
    }
    summary += "\n"
    var problems: [String] = []
    if source.malformedLines > 0 { problems.append(String(source.malformedLines) + " malformed lines skipped") }
    if source.unparsableValues > 0 {
      problems.append(String(source.unparsableValues) + " values that are not numbers replaced with 0")
    }
    if source.nonFiniteValues > 0 {
      problems.append(String(source.nonFiniteValues) + " non-finite or out-of-range values replaced with 0")
    }
    if source.partialSampleBytes > 0 {
      problems.append("the input ended inside a sample (" + String(source.partialSampleBytes) + " bytes dropped)")
    }
    if source.readError != 0 { problems.append("a read error (" + errnoText(source.readError) + ")") }
    if !problems.isEmpty { summary += "stream: input problems: " + problems.joined(separator: ", ") + "\n" }
    var text = notes + summary
    text.withUTF8 { _ = errors.write($0) }
    if stopSignal != 0 { return 128 + stopSignal }
    return source.hadProblems || writeError != 0 ? 1 : 0
  }

  private func errnoText(_ error: Int32) -> String {
    guard let message = oq_error_message(error) else { return "error " + String(error) }
    return String(cString: message)
  }
}
