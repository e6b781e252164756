import Commands
import ONNXFormat
import XCTest

final class ToolTests: XCTestCase {
  private var directory = ""

  override func setUp() {
    directory = "/tmp/onnx-quant-tool-tests-" + String(UInt64.random(in: 0..<UInt64.max))
    XCTAssertNoThrow(try FileBytes.makeDirectory(directory))
  }

  private func run(_ arguments: [String]) -> (status: Int32, out: String, error: String) {
    let console = Console(.capture)
    let status = Tool(name: "onnx-quant").run(arguments, console: console)
    return (status, console.capturedOut, console.capturedError)
  }

  /// A two-node model: y = Relu(Add(x, bias)) with a symbolic batch dim.
  private func writeSmallModel(_ name: String) throws -> String {
    var bias = Tensor(name: "bias", dataType: .float, dims: [4])
    for value: Float in [1, 2, 3, 4] {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) { bias.bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
    let graph = Graph(
      name: "small",
      nodes: [
        Node(name: "add", opType: "Add", inputs: ["x", "bias"], outputs: ["sum"]),
        Node(name: "relu", opType: "Relu", inputs: ["sum"], outputs: ["y"]),
      ],
      initializers: [bias],
      inputs: [ValueInfo(name: "x", type: .tensor(elementType: 1, shape: [ShapeDimension(.param("batch")), ShapeDimension(.value(4))]))],
      outputs: [ValueInfo(name: "y", type: .tensor(elementType: 1, shape: [ShapeDimension(.param("batch")), ShapeDimension(.value(4))]))])
    let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)], graph: graph)
    let path = directory + "/" + name
    try model.write(to: path)
    return path
  }

  func testInspectPrintsInterfaceOperatorsAndWeights() throws {
    let path = try writeSmallModel("small.onnx")
    let result = run(["inspect", path])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertTrue(result.out.contains("ir_version: 8"))
    XCTAssertTrue(result.out.contains("opsets: ai.onnx 13"))
    XCTAssertTrue(result.out.contains("  x  float32  [batch, 4]"))
    XCTAssertTrue(result.out.contains("  y  float32  [batch, 4]"))
    XCTAssertTrue(result.out.contains("operators: 2 nodes, 2 types"))
    XCTAssertTrue(result.out.contains("initializers: 1 tensors, 16 bytes"))
  }

  func testInspectJSON() throws {
    let path = try writeSmallModel("small.onnx")
    let result = run(["inspect", path, "--json"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertTrue(result.out.contains("\"inputs\":[{\"name\":\"x\",\"type\":\"float32\",\"shape\":[\"batch\",4]}]"))
    XCTAssertTrue(result.out.contains("\"operators\":{\"Add\":1,\"Relu\":1}"))
    XCTAssertTrue(result.out.contains("\"initializers\":{\"count\":1,\"bytes\":16}"))
  }

  func testMissingFileIsBadInput() {
    let result = run(["inspect", directory + "/missing.onnx"])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.error.contains("missing.onnx: cannot open"))
  }

  func testCorruptFileIsBadInputNamingTheField() throws {
    let path = directory + "/corrupt.onnx"
    // Field 7 (graph), declared 200 bytes long, with 3 present.
    try FileBytes.write([0x3A, 0xC8, 0x01, 0x0A, 0x01, 0x00], to: path)
    let result = run(["inspect", path])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.error.contains("corrupt.onnx: ModelProto.graph"), result.error)
    XCTAssertTrue(result.error.contains("declares 200 bytes"), result.error)
  }

  func testUsageErrorsExitTwo() {
    XCTAssertEqual(run([]).status, 2)
    XCTAssertEqual(run(["frobnicate"]).status, 2)
    XCTAssertEqual(run(["inspect"]).status, 2)
    XCTAssertEqual(run(["inspect", "a.onnx", "b.onnx"]).status, 2)
    XCTAssertEqual(run(["inspect", "a.onnx", "--bogus"]).status, 2)
    XCTAssertEqual(run(["resave", "a.onnx"]).status, 2)
  }

  func testEveryCommandHasHelp() {
    for command in ["inspect", "resave"] {
      let result = run([command, "--help"])
      XCTAssertEqual(result.status, 0)
      XCTAssertTrue(result.out.hasPrefix("usage: onnx-quant " + command), result.out)
    }
    let top = run(["--help"])
    XCTAssertEqual(top.status, 0)
    XCTAssertTrue(top.out.contains("inspect"))
  }

  func testResaveRefusesToOverwriteItsInput() throws {
    let path = try writeSmallModel("small.onnx")
    let before = try FileBytes.read(path)
    let result = run(["resave", path, "-o", path, "--force"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.error.contains("refusing to overwrite the input"))
    XCTAssertEqual(try FileBytes.read(path), before)
  }

  func testResaveNeedsForceToReplaceAnExistingFile() throws {
    let path = try writeSmallModel("small.onnx")
    let output = directory + "/out.onnx"
    try FileBytes.write([1, 2, 3], to: output)
    XCTAssertEqual(run(["resave", path, "-o", output]).status, 2)
    XCTAssertEqual(try FileBytes.read(output), [1, 2, 3])
    XCTAssertEqual(run(["resave", path, "-o", output, "--force"]).status, 0)
    XCTAssertEqual(try Model(contentsOf: output), try Model(contentsOf: path))
  }

  func testFailedResaveLeavesNoOutput() throws {
    let input = directory + "/corrupt.onnx"
    try FileBytes.write([0x3A, 0xC8, 0x01], to: input)
    let output = directory + "/never.onnx"
    XCTAssertEqual(run(["resave", input, "-o", output]).status, 1)
    XCTAssertFalse(FileBytes.exists(output))
  }
}
