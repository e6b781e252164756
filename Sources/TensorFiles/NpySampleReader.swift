import CSupport
import ONNXFormat

/// Reads a .npy array one slice of axis 0 at a time, so a calibration set of any length streams
/// through a fixed-size buffer instead of being loaded whole.
public final class NpySampleReader {
  public let path: String
  /// The whole array's shape; samples have shape `[1] + shape.dropFirst()`.
  public let shape: [Int]
  public let dataType: DataType
  public var sampleCount: Int { shape.first ?? 0 }
  public private(set) var samplesRead = 0
  private let element: NpyElementType
  private let sampleBytes: Int
  private var fd: Int32
  private var pending: [UInt8]

  public init(_ path: String) throws(FormatError) {
    self.path = path
    var descriptor: Int32 = -1
    let status = oq_open_read(path, &descriptor)
    if status != 0 { throw FormatError(.io, path, String(cString: oq_error_message(status))) }
    fd = descriptor
    pending = []
    // The preamble and header are at most a few KiB; read until the header is complete.
    var bytes: [UInt8] = []
    var preamble: NpyPreamble? = nil
    do throws(FormatError) {
      while true {
        let chunk = try NpySampleReader.readChunk(fd, capacity: 4096, context: "npy header")
        if chunk.isEmpty {
          _ = try NpyPreamble(bytes)  // throws the precise truncation error
          throw FormatError(.truncated, "npy header", "the file ends inside the .npy header")
        }
        bytes.append(contentsOf: chunk)
        if bytes.count >= 12, let found = try? NpyPreamble(bytes), bytes.count >= found.dataStart {
          preamble = found
          break
        }
        if bytes.count > 1 << 20 { throw FormatError(.invalid, "npy header", "the .npy header is longer than 1 MiB") }
      }
    } catch {
      oq_close_fd(fd)
      throw error.within(path)
    }
    guard let preamble else { throw FormatError(.malformed, path, "no .npy header") }
    do throws(FormatError) {
      let header = try NpyHeaderParser.parse(bytes[preamble.headerStart..<preamble.dataStart])
      if header.fortranOrder {
        throw FormatError(.unsupported, "npy header 'fortran_order'", "Fortran-ordered arrays are not supported")
      }
      if header.shape.isEmpty {
        throw FormatError(.invalid, "npy header 'shape'", "a scalar has no samples; put samples on axis 0")
      }
      element = try NpyElementType(descr: header.descr)
      guard let count = elementCount(Array(header.shape.dropFirst())),
        case let product = count.multipliedReportingOverflow(by: element.itemSize), !product.overflow
      else {
        throw FormatError(.invalid, "npy header 'shape'", "the sample size overflows")
      }
      sampleBytes = product.partialValue
      shape = header.shape
      dataType = element.dataType
    } catch {
      oq_close_fd(fd)
      throw error.within(path)
    }
    pending = Array(bytes[preamble.dataStart...])
  }

  deinit { if fd >= 0 { oq_close_fd(fd) } }

  /// The next sample as a tensor of shape [1, ...], or nil after the last one.
  public func next() throws(FormatError) -> Tensor? {
    if samplesRead >= sampleCount { return nil }
    while pending.count < sampleBytes {
      let chunk = try NpySampleReader.readChunk(fd, capacity: max(sampleBytes - pending.count, 4096), context: path)
      if chunk.isEmpty {
        throw FormatError(
          .truncated, path,
          "the data ends inside sample " + String(samplesRead) + " of " + String(sampleCount) + " (shape "
            + dimsText(shape) + ")")
      }
      pending.append(contentsOf: chunk)
    }
    var data = Array(pending[0..<sampleBytes])
    pending.removeFirst(sampleBytes)
    if element.bigEndian { swapByteOrder(&data, width: element.itemSize) }
    if element.dataType == .bool {
      for index in data.indices where data[index] > 1 { data[index] = 1 }
    }
    samplesRead += 1
    return Tensor(name: "", dataType: element.dataType, dims: [1] + Array(shape.dropFirst()), bytes: data)
  }

  private static func readChunk(_ fd: Int32, capacity: Int, context: String) throws(FormatError) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: capacity)
    while true {
      let count = buffer.withUnsafeMutableBufferPointer { oq_read_fd(fd, $0.baseAddress, capacity) }
      if count >= 0 { return Array(buffer[0..<Int(count)]) }
      if count == -4 { continue }  // EINTR
      throw FormatError(.io, context, String(cString: oq_error_message(Int32(-count))))
    }
  }
}
