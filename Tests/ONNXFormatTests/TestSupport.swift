import XCTest

@testable import ONNXFormat

/// A tiny protobuf wire encoder, so malformed messages can be built field by field.
enum PB {
  static func varint(_ value: UInt64) -> [UInt8] {
    var v = value
    var out: [UInt8] = []
    while v >= 0x80 {
      out.append(UInt8(v & 0x7f) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
    return out
  }

  static func tag(_ field: Int, _ wireType: Int) -> [UInt8] { varint(UInt64(field << 3 | wireType)) }

  /// A varint field (int32/int64/enum; negatives as 10-byte two's complement, as protobuf does).
  static func int(_ field: Int, _ value: Int64) -> [UInt8] { tag(field, 0) + varint(UInt64(bitPattern: value)) }

  static func bytes(_ field: Int, _ content: [UInt8]) -> [UInt8] {
    tag(field, 2) + varint(UInt64(content.count)) + content
  }

  static func string(_ field: Int, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }

  static func message(_ field: Int, _ parts: [UInt8]...) -> [UInt8] { bytes(field, parts.flatMap { $0 }) }

  static func fixed32(_ field: Int, _ value: UInt32) -> [UInt8] { tag(field, 5) + littleEndian(value) }

  static func packedVarints(_ field: Int, _ values: [Int64]) -> [UInt8] {
    bytes(field, values.flatMap { varint(UInt64(bitPattern: $0)) })
  }

  static func packedFloats(_ field: Int, _ values: [Float]) -> [UInt8] {
    bytes(field, values.flatMap { littleEndian($0.bitPattern) })
  }

  // TensorProto pieces.
  static func dims(_ values: [Int64]) -> [UInt8] { values.flatMap { int(1, $0) } }
  static func dataType(_ value: Int64) -> [UInt8] { int(2, value) }
  static func name(_ text: String) -> [UInt8] { string(8, text) }
  static func rawData(_ content: [UInt8]) -> [UInt8] { bytes(9, content) }

  /// A ModelProto (ir_version 10, opset 21) whose graph holds `tensor` (encoded TensorProto fields) as initializer 0.
  static func model(initializer tensor: [UInt8]) -> [UInt8] {
    int(1, 10) + message(8, int(2, 21)) + message(7, string(2, "g"), bytes(5, tensor))
  }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { littleEndian($0) } }

/// SplitMix64: a small seeded generator, so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The FormatError `body` throws; fails the test (and returns nil) when it throws nothing.
func formatError<T>(
  _ body: () throws(FormatError) -> T, file: StaticString = #filePath, line: UInt = #line
) -> FormatError? {
  do {
    let value = try body()
    XCTFail("expected a FormatError, got \(value)", file: file, line: line)
    return nil
  } catch {
    return error
  }
}

/// Decoding `bytes` throws an error of `kind` whose message contains every one of `fragments`.
@discardableResult
func assertModelError(
  _ bytes: [UInt8], _ kind: FormatError.Kind, _ fragments: [String],
  file: StaticString = #filePath, line: UInt = #line
) -> FormatError? {
  guard let error = formatError({ () throws(FormatError) in try Model(serialized: bytes) }, file: file, line: line)
  else { return nil }
  XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
  for fragment in fragments {
    XCTAssertTrue(
      error.message.contains(fragment), "'\(error.message)' does not contain '\(fragment)'", file: file, line: line)
  }
  return error
}

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> String {
  let base = NSTemporaryDirectory()
  let path = joinPath(base, "onnxformat-tests-" + UUID().uuidString)
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}
