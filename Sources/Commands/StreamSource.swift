import CSupport

/// How the samples of a stream are encoded.
enum StreamFormat {
  case s16le, u8, f32le, csv

  static func named(_ name: String) -> StreamFormat? {
    switch name {
    case "s16le": return .s16le
    case "u8": return .u8
    case "f32le": return .f32le
    case "csv": return .csv
    default: return nil
    }
  }

  /// Bytes per sample of the binary formats (0 for csv).
  var sampleBytes: Int {
    switch self {
    case .s16le: return 2
    case .u8: return 1
    case .f32le: return 4
    case .csv: return 0
    }
  }

  /// The defaults for `--scale` and `--offset`: s16le to [-1, 1), u8 to [-1, 1), floats as they are.
  var defaultScale: Double {
    switch self {
    case .s16le: return 1.0 / 32768
    case .u8: return 1.0 / 128
    case .f32le, .csv: return 1
    }
  }

  var defaultOffset: Double { self == .u8 ? -1 : 0 }
}

/// Where the stream's text goes: a file descriptor (the process's stdout or stderr, or a file in a
/// test), or a console that captures it.
enum StreamSink {
  case descriptor(Int32)
  case console(Console, error: Bool)

  /// Writes `bytes`; returns 0 or an errno value.
  func write(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
    switch self {
    case .descriptor(let fd):
      return oq_write_fd_checked(fd, bytes.baseAddress, bytes.count)
    case .console(let console, let error):
      let text = String(decoding: bytes, as: UTF8.self)
      if error { console.error(text) } else { console.out(text) }
      return 0
    }
  }
}

/// Frames of samples from a file descriptor, decoded and mapped to `x * scale + offset`.
///
/// Bytes are read with read(2) into one buffer allocated at setup; consumed bytes are moved to its
/// front before the next read. Problems in the input are counted, and the first few are reported on
/// the error sink with where they are (byte or line); nothing is allocated per frame.
final class StreamSource {
  static let bufferBytes = 1 << 16  // at least; csv lines longer than the buffer are skipped
  /// Input problems reported one by one; later ones are only counted (the summary has them all).
  static let reportedProblems = 10

  let format: StreamFormat
  let channels: Int
  let scale: Double
  let offset: Double
  private let fd: Int32
  private let ownsDescriptor: Bool
  private let errors: StreamSink
  /// `PATH: ` (or `stdin: `), the prefix of every message.
  private let label: UnsafeMutableBufferPointer<UInt8>
  private let buffer: UnsafeMutableBufferPointer<UInt8>
  private let message: UnsafeMutableBufferPointer<UInt8>
  private var start = 0
  private var end = 0
  /// csv: where the search for the next newline resumes.
  private var scanned = 0
  /// csv: inside a line longer than the buffer, which is being skipped.
  private var skippingLongLine = false
  private var tailChecked = false

  private(set) var atEnd = false
  /// The errno of a failed read, which ended the stream.
  private(set) var readError: Int32 = 0
  /// A stop signal interrupted a read.
  private(set) var interrupted = false
  private(set) var framesRead = 0
  private(set) var lineNumber = 0
  private(set) var malformedLines = 0
  private(set) var unparsableValues = 0
  private(set) var nonFiniteValues = 0
  /// Bytes of a sample cut short by the end of the input (binary formats).
  private(set) var partialSampleBytes = 0
  /// Whole samples at the end that do not fill a frame of `channels` samples.
  private(set) var partialFrameSamples = 0
  private var problemsReported = 0

  init(fd: Int32, ownsDescriptor: Bool, label: String, format: StreamFormat, channels: Int, scale: Double,
       offset: Double, errors: StreamSink) {
    self.fd = fd
    self.ownsDescriptor = ownsDescriptor
    let labelText = Array((label + ": ").utf8)
    self.label = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: labelText.count)
    _ = self.label.initialize(from: labelText)
    self.format = format
    self.channels = channels
    self.scale = scale
    self.offset = offset
    self.errors = errors
    // Room for at least two frames, however many channels.
    let capacity = max(Self.bufferBytes, 2 * channels * max(4, format.sampleBytes))
    buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    buffer.initialize(repeating: 0)
    message = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 512)
    message.initialize(repeating: 0)
  }

  deinit {
    if ownsDescriptor { oq_close_fd(fd) }
    buffer.deallocate()
    message.deallocate()
    label.deallocate()
  }

  /// Values replaced or lines skipped, or the input ended inside a sample or on a read error.
  var hadProblems: Bool {
    malformedLines > 0 || unparsableValues > 0 || nonFiniteValues > 0 || partialSampleBytes > 0 || readError != 0
  }

  /// Decodes the next frame (`channels` values) into `frame`; false when the stream has ended (end
  /// of input, a read error, or a stop signal during a read).
  func nextFrame(_ frame: UnsafeMutablePointer<Float>) -> Bool {
    let found = format == .csv ? nextLine(frame) : nextBinaryFrame(frame)
    if found { framesRead += 1 }
    return found
  }

  // MARK: binary formats

  private func nextBinaryFrame(_ frame: UnsafeMutablePointer<Float>) -> Bool {
    let sampleBytes = format.sampleBytes
    let frameBytes = sampleBytes * channels
    while end - start < frameBytes {
      if atEnd || readError != 0 || interrupted {
        checkBinaryTail(sampleBytes: sampleBytes)
        return false
      }
      fill(minimum: frameBytes)
    }
    let bytes = buffer.baseAddress! + start
    for channel in 0..<channels {
      let at = bytes + channel * sampleBytes
      var raw: Double
      switch format {
      case .s16le: raw = Double(Int16(bitPattern: UInt16(at[0]) | UInt16(at[1]) << 8))
      case .u8: raw = Double(at[0])
      default:
        let bits = UInt32(at[0]) | UInt32(at[1]) << 8 | UInt32(at[2]) << 16 | UInt32(at[3]) << 24
        raw = Double(Float(bitPattern: bits))
      }
      let value = Float(raw * scale + offset)
      if value.isFinite {
        frame[channel] = value
      } else {
        frame[channel] = 0
        nonFiniteValues += 1
        if beginProblem() {
          var line = ByteLine(message)
          line.append(labelBytes)
          line.text("sample ")
          line.int(framesRead * channels + channel)
          line.text(" (byte ")
          line.int(consumedBefore(start) + channel * sampleBytes)
          line.text("): ")
          line.float(raw)
          if raw.isFinite { line.text(" maps to a value out of float range") }
          line.text("; replaced with 0\n")
          _ = errors.write(line.bytes)
        }
      }
    }
    start += frameBytes
    return true
  }

  /// Bytes consumed from the input before buffer offset `offset`.
  private var consumedTotal = 0
  private func consumedBefore(_ offset: Int) -> Int { consumedTotal + offset }

  private func checkBinaryTail(sampleBytes: Int) {
    if tailChecked { return }
    tailChecked = true
    if readError != 0 || interrupted { return }
    let left = end - start
    partialFrameSamples = left / sampleBytes
    partialSampleBytes = left % sampleBytes
    if partialSampleBytes > 0 {
      // Always reported: it ends the stream.
      var line = ByteLine(message)
      line.append(labelBytes)
      line.text("the input ends inside a sample: ")
      line.int(partialSampleBytes)
      line.text(partialSampleBytes == 1 ? " byte of a " : " bytes of a ")
      line.int(sampleBytes)
      line.text("-byte sample at byte ")
      line.int(consumedBefore(end) - partialSampleBytes)
      line.text(" (is --format right?)\n")
      _ = errors.write(line.bytes)
    }
    start = end
  }

  // MARK: csv

  private func nextLine(_ frame: UnsafeMutablePointer<Float>) -> Bool {
    while true {
      var newline = -1
      var index = scanned
      while index < end {
        if buffer[index] == 10 {
          newline = index
          break
        }
        index += 1
      }
      if newline >= 0 {
        let lineStart = start
        start = newline + 1
        scanned = start
        if skippingLongLine {
          skippingLongLine = false
          continue
        }
        lineNumber += 1
        if parseLine(from: lineStart, to: newline, into: frame) { return true }
        continue
      }
      scanned = end
      if atEnd || readError != 0 || interrupted {
        if end > start && !skippingLongLine && readError == 0 && !interrupted {
          // The last line, without a newline.
          let lineStart = start
          start = end
          scanned = end
          lineNumber += 1
          if parseLine(from: lineStart, to: end, into: frame) { return true }
        }
        start = end
        return false
      }
      if start == 0 && end == buffer.count {
        // A line longer than the whole buffer: skip it to its newline.
        if !skippingLongLine {
          lineNumber += 1
          malformedLines += 1
          if beginProblem() {
            var line = ByteLine(message)
            line.append(labelBytes)
            line.text("line ")
            line.int(lineNumber)
            line.text(": longer than ")
            line.int(buffer.count)
            line.text(" bytes; skipped\n")
            _ = errors.write(line.bytes)
          }
          skippingLongLine = true
        }
        consumedTotal += end
        start = 0
        end = 0
        scanned = 0
      }
      fill(minimum: 1)
    }
  }

  private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }

  /// Parses one line `buffer[from..<to]` into `frame`; false when it holds no frame (blank, a
  /// `#` comment, or malformed and skipped).
  private func parseLine(from lineStart: Int, to lineEnd: Int, into frame: UnsafeMutablePointer<Float>) -> Bool {
    var first = lineStart
    var last = lineEnd
    while first < last && Self.isSpace(buffer[first]) { first += 1 }
    while last > first && Self.isSpace(buffer[last - 1]) { last -= 1 }
    if first == last || buffer[first] == 35 { return false }  // blank or # comment
    var fields = 1
    for index in first..<last where buffer[index] == 44 { fields += 1 }
    if fields != channels {
      malformedLines += 1
      if beginProblem() {
        var line = ByteLine(message)
        line.append(labelBytes)
        line.text("line ")
        line.int(lineNumber)
        line.text(": ")
        line.int(fields)
        line.text(fields == 1 ? " value, expected " : " values, expected ")
        line.int(channels)
        line.text(" (--channels); skipped\n")
        _ = errors.write(line.bytes)
      }
      return false
    }
    var fieldStart = first
    for channel in 0..<channels {
      var fieldEnd = fieldStart
      while fieldEnd < last && buffer[fieldEnd] != 44 { fieldEnd += 1 }
      var a = fieldStart
      var b = fieldEnd
      while a < b && Self.isSpace(buffer[a]) { a += 1 }
      while b > a && Self.isSpace(buffer[b - 1]) { b -= 1 }
      if let raw = DecimalParser.parse(buffer.baseAddress! + a, count: b - a) {
        let value = Float(raw * scale + offset)
        if value.isFinite {
          frame[channel] = value
        } else {
          frame[channel] = 0
          nonFiniteValues += 1
          reportValue(from: a, to: b, channel: channel, reason: " is not a finite float32 value")
        }
      } else {
        frame[channel] = 0
        unparsableValues += 1
        reportValue(from: a, to: b, channel: channel, reason: " is not a number")
      }
      fieldStart = fieldEnd + 1
    }
    return true
  }

  private func reportValue(from a: Int, to b: Int, channel: Int, reason: StaticString) {
    guard beginProblem() else { return }
    var line = ByteLine(message)
    line.append(labelBytes)
    line.text("line ")
    line.int(lineNumber)
    if channels > 1 {
      line.text(", value ")
      line.int(channel + 1)
    }
    line.text(": '")
    line.append(buffer, from: a, to: min(b, a + 40))
    if b - a > 40 { line.text("...") }
    line.byte(39)
    line.text(reason)
    if a == b { line.text(" (empty)") }
    line.text("; replaced with 0\n")
    _ = errors.write(line.bytes)
  }

  // MARK: reading

  /// Reads once (after moving unread bytes to the front when fewer than `minimum` fit behind them).
  private func fill(minimum: Int) {
    if start == end {
      consumedTotal += start
      scanned -= start
      start = 0
      end = 0
      if scanned < 0 { scanned = 0 }
    } else if buffer.count - end < minimum || start >= buffer.count / 2 {
      let base = buffer.baseAddress!
      let unread = end - start
      (base).update(from: base + start, count: unread)
      consumedTotal += start
      scanned -= start
      if scanned < 0 { scanned = 0 }
      start = 0
      end = unread
    }
    while true {
      let count = oq_read_fd(fd, buffer.baseAddress! + end, buffer.count - end)
      if count > 0 {
        end += Int(count)
        return
      }
      if count == 0 {
        atEnd = true
        return
      }
      let error = Int32(-count)
      if error == 4 /* EINTR */ {
        if oq_stop_signal() != 0 {
          interrupted = true
          return
        }
        continue
      }
      readError = error
      var line = ByteLine(message)
      line.append(labelBytes)
      line.text("read error after byte ")
      line.int(consumedBefore(end))
      line.text(": ")
      if let text = oq_error_message(error) {
        var index = 0
        while text[index] != 0 && index < 200 {
          line.byte(UInt8(bitPattern: text[index]))
          index += 1
        }
      }
      line.byte(10)
      _ = errors.write(line.bytes)
      return
    }
  }

  /// Counts a reported problem; false once the first `reportedProblems` have been reported (the
  /// one after them says so).
  private func beginProblem() -> Bool {
    problemsReported += 1
    if problemsReported <= Self.reportedProblems { return true }
    if problemsReported == Self.reportedProblems + 1 {
      var line = ByteLine(message)
      line.append(labelBytes)
      line.text("further input problems are counted, not reported one by one\n")
      _ = errors.write(line.bytes)
    }
    return false
  }

  private var labelBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(label) }
}
