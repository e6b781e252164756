import ONNXFormat
import TensorFiles
import XCTest

final class TestDataSetTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = try makeTemporaryDirectory()
  }

  override func tearDown() {
    removeTemporaryDirectory(directory)
  }

  /// A one-element int64 tensor holding `value`, so file order is visible in the loaded values.
  private func marker(_ value: Int64, name: String = "") -> Tensor {
    Tensor(name: name, dataType: .int64, dims: [1], bytes: littleEndianBytes([value]))
  }

  func testInputsAndOutputsLoadInNumericOrder() throws {
    try TestDataSet.writeInputs((0...11).map { marker(Int64($0)) }, to: directory)
    try TestDataSet.writeOutputs([marker(100), marker(101)], to: directory)
    let dataSet = try TestDataSet.load(directory)
    XCTAssertEqual(dataSet.directory, directory)
    XCTAssertEqual(dataSet.inputs.map { $0.bytes }, (0...11).map { littleEndianBytes([Int64($0)]) })
    XCTAssertEqual(dataSet.outputs, [marker(100), marker(101)])
  }

  func testGapInNumberingIsAnError() throws {
    try TensorProtoFile.write(marker(0), to: joinPath(directory, "input_0.pb"))
    try TensorProtoFile.write(marker(2), to: joinPath(directory, "input_2.pb"))
    assertFormatError(.invalid, context: directory, detail: "has input_2.pb but no input_1.pb") { () throws(FormatError) in
      try TestDataSet.load(directory)
    }
  }

  func testLeadingZeroIndexIsAnError() throws {
    try TensorProtoFile.write(marker(0), to: joinPath(directory, "output_01.pb"))
    assertFormatError(.invalid, context: "output_01.pb", detail: "decimal index") { () throws(FormatError) in
      try TestDataSet.load(directory)
    }
  }

  func testDirectoryWithoutTestDataIsAnError() throws {
    try FileBytes.write([1, 2, 3], to: joinPath(directory, "notes.txt"))
    assertFormatError(.invalid, context: directory, detail: "no input_K.pb") { () throws(FormatError) in
      try TestDataSet.load(directory)
    }
  }

  func testCorruptProtoNamesTheFile() throws {
    let path = joinPath(directory, "input_0.pb")
    try FileBytes.write([0xFF, 0xFF, 0xFF], to: path)
    do {
      _ = try TestDataSet.load(directory)
      XCTFail("expected an error")
    } catch {
      XCTAssertTrue(error.context.hasPrefix(path), error.message)
    }
  }

  func testDataSetDirectoriesInNumericOrder() throws {
    for index in [10, 2, 0, 1, 9] {
      try FileBytes.makeDirectory(joinPath(directory, "test_data_set_" + String(index)))
    }
    try FileBytes.write([], to: joinPath(directory, "test_data_set_3"))  // a file, not a data set
    try FileBytes.makeDirectory(joinPath(directory, "test_data_set_x"))
    let expected = [0, 1, 2, 9, 10].map { joinPath(directory, "test_data_set_" + String($0)) }
    XCTAssertEqual(try TestDataSet.dataSetDirectories(in: directory), expected)
  }

  func testTensorFileReadsBothKinds() throws {
    let npyPath = joinPath(directory, "a.npy")
    let pbPath = joinPath(directory, "b.pb")
    try Npy.write(marker(5), to: npyPath)
    try TensorProtoFile.write(marker(6, name: "bee"), to: pbPath)
    XCTAssertEqual(try TensorFile.read(npyPath), marker(5, name: "a"))
    XCTAssertEqual(try TensorFile.read(pbPath), marker(6, name: "bee"))
    let other = joinPath(directory, "c.bin")
    assertFormatError(.unsupported, context: other, detail: ".npy or TensorProto .pb") { () throws(FormatError) in
      try TensorFile.read(other)
    }
  }

  func testReadNamedDirectorySortsByName() throws {
    for (name, value) in [("b", 2), ("a-b", 3), ("a", 1)] as [(String, Int64)] {
      try Npy.write(marker(value), to: joinPath(directory, name + ".npy"))
    }
    try FileBytes.write([0], to: joinPath(directory, "readme.txt"))
    let tensors = try TensorFile.readNamedDirectory(directory)
    XCTAssertEqual(tensors.map { $0.name }, ["a", "a-b", "b"])
    XCTAssertEqual(tensors, [marker(1, name: "a"), marker(3, name: "a-b"), marker(2, name: "b")])
  }
}
