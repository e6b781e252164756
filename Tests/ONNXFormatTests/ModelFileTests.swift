import XCTest

@testable import ONNXFormat

final class ModelFileTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = try makeTemporaryDirectory()
  }

  override func tearDownWithError() throws {
    if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
  }

  func testMissingFileIsIO() {
    let path = joinPath(directory, "absent.onnx")
    let error = formatError { () throws(FormatError) in try Model(contentsOf: path) }
    XCTAssertEqual(error?.kind, .io)
    XCTAssertEqual(error?.context, path)
    XCTAssertTrue(error?.message.hasPrefix(path + ": cannot open") ?? false, error?.message ?? "")
  }

  func testDirectoryIsNotAModel() {
    let error = formatError { () throws(FormatError) in try Model(contentsOf: directory) }
    XCTAssertNotNil(error)
    XCTAssertTrue(error?.message.hasPrefix(directory) ?? false, error?.message ?? "")
  }

  func testBadBytesNameTheFileFirst() throws {
    let path = joinPath(directory, "bad.onnx")
    try Data([0x3A, 0xC8, 0x01, 0x0A, 0x00, 0x12]).write(to: URL(fileURLWithPath: path))
    let error = formatError { () throws(FormatError) in try Model(contentsOf: path) }
    XCTAssertEqual(error?.kind, .truncated)
    XCTAssertEqual(error?.message, path + ": ModelProto.graph: declares 200 bytes at byte 1, only 3 remain")
  }

  func testEmptyFileHasNoGraph() throws {
    let path = joinPath(directory, "empty.onnx")
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
    let error = formatError { () throws(FormatError) in try Model(contentsOf: path) }
    XCTAssertEqual(error?.kind, .invalid)
    XCTAssertEqual(error?.context, path + ": ModelProto.graph")
  }

  func testWriteThenRead() throws {
    let path = joinPath(directory, "model.onnx")
    let model = fullModel()
    try model.write(to: path)
    XCTAssertEqual(try Model(contentsOf: path), model)
    XCTAssertEqual(try FileBytes.read(path), model.serialized())
    // No temporary file left beside it.
    XCTAssertEqual(try FileBytes.list(directory), ["model.onnx"])
  }

  func testWriteReplacesAnExistingFile() throws {
    let path = joinPath(directory, "model.onnx")
    try Model(serialized: Golden.raw).write(to: path)
    let model = try Model(serialized: Golden.typed)
    try model.write(to: path)
    XCTAssertEqual(try Model(contentsOf: path), model)
    XCTAssertEqual(try FileBytes.list(directory), ["model.onnx"])
  }

  func testWriteIntoMissingDirectoryIsIOAndLeavesNothing() throws {
    let missing = joinPath(directory, "no-such-dir")
    let path = joinPath(missing, "model.onnx")
    let error = formatError { () throws(FormatError) in try fullModel().write(to: path) }
    XCTAssertEqual(error?.kind, .io)
    XCTAssertTrue(error?.message.hasPrefix(path + ": cannot write") ?? false, error?.message ?? "")
    XCTAssertFalse(FileBytes.exists(path))
    XCTAssertFalse(FileBytes.exists(missing))
    XCTAssertEqual(try FileBytes.list(directory), [])
  }

  func testWriteOverADirectoryFailsAndKeepsIt() throws {
    let target = joinPath(directory, "taken")
    try FileBytes.makeDirectory(target)
    let error = formatError { () throws(FormatError) in try fullModel().write(to: target) }
    XCTAssertEqual(error?.kind, .io)
    XCTAssertTrue(FileBytes.isDirectory(target))
    XCTAssertEqual(try FileBytes.list(directory), ["taken"])
  }
}
