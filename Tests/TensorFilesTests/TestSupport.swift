import ONNXFormat
import XCTest

/// Asserts that `body` throws a FormatError of `kind` whose context and detail mention the given texts.
func assertFormatError<T>(
  _ kind: FormatError.Kind, context: String, detail: String = "",
  file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws(FormatError) -> T
) {
  do {
    _ = try body()
    XCTFail("expected a FormatError(." + String(describing: kind) + ")", file: file, line: line)
  } catch {
    XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
    XCTAssertTrue(error.context.contains(context), "context of: " + error.message, file: file, line: line)
    XCTAssertTrue(error.detail.contains(detail), "detail of: " + error.message, file: file, line: line)
  }
}

/// A .npy file built by hand: magic, version, length field, `header` verbatim, then `data`.
func handMadeNpy(_ header: String, major: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
  let text = Array(header.utf8)
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
  let width = major == 1 ? 2 : 4
  for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: text.count >> (8 * index))) }
  return bytes + text + data
}

/// Where the data of an encoded .npy starts, read from its length field.
func dataOffset(_ npy: [UInt8]) -> Int {
  if npy[6] == 1 { return 10 + (Int(npy[8]) | Int(npy[9]) << 8) }
  return 12 + (Int(npy[8]) | Int(npy[9]) << 8 | Int(npy[10]) << 16 | Int(npy[11]) << 24)
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { value in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value.littleEndian >> (8 * $0)) } }
}

func floatBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map { $0.bitPattern }) }

func floats(_ bytes: [UInt8]) -> [Float] {
  stride(from: 0, to: bytes.count, by: 4).map { offset in
    Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) })
  }
}

/// A fresh, empty directory under /tmp, removed again by `removeTemporaryDirectory`.
func makeTemporaryDirectory() throws -> String {
  let path = "/tmp/tensorfiles-test-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
  try FileBytes.makeDirectory(path)
  return path
}

func removeTemporaryDirectory(_ path: String) {
  XCTAssertTrue(path.hasPrefix("/tmp/tensorfiles-test-"))
  try? FileManager.default.removeItem(atPath: path)
}
