import Commands
import Foundation
import ONNXFormat
import TensorFiles
import XCTest

/// `onnx-quant eval`: top-1 accuracy of a classifier whose arg max is known for every sample.
final class EvalCommandTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = "/tmp/onnx-quant-eval-tests-" + String(UInt64.random(in: 0..<UInt64.max))
    try FileBytes.makeDirectory(directory)
  }

  override func tearDown() {
    if directory.hasPrefix("/tmp/onnx-quant-eval-tests-") {
      try? FileManager.default.removeItem(atPath: directory)
    }
  }

  private func run(_ arguments: [String]) -> (status: Int32, out: String, error: String) {
    let console = Console(.capture)
    let status = Tool(name: "onnx-quant").run(["eval"] + arguments, console: console)
    return (status, console.capturedOut, console.capturedError)
  }

  private func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    Tensor(name: name, dataType: .float, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  private func info(_ name: String, _ dims: [Int]) -> ValueInfo {
    ValueInfo(
      name: name,
      type: .tensor(
        elementType: DataType.float.rawValue, shape: dims.map { ShapeDimension(.value($0)) }))
  }

  /// x [1, 4] -> Gemm with the identity matrix -> "scores" (= x), and Gemm with minus the identity ->
  /// "negated" (arg max = arg min of x).
  private func writeClassifier() throws -> String {
    let identity: [Float] = (0..<16).map { $0 % 5 == 0 ? 1 : 0 }
    let model = Model(
      irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)],
      graph: Graph(
        name: "classifier",
        nodes: [
          Node(name: "gemm", opType: "Gemm", inputs: ["x", "I", "zero"], outputs: ["scores"]),
          Node(name: "negate", opType: "Gemm", inputs: ["x", "minusI"], outputs: ["negated"]),
        ],
        initializers: [
          floatTensor("I", [4, 4], identity), floatTensor("minusI", [4, 4], identity.map { -$0 }),
          floatTensor("zero", [4], [0, 0, 0, 0]),
        ],
        inputs: [info("x", [1, 4])],
        outputs: [ValueInfo(name: "scores", type: nil), ValueInfo(name: "negated", type: nil)]))
    let path = directory + "/classifier.onnx"
    try model.write(to: path)
    return path
  }

  /// Four samples whose arg max is 0, 2, 1, 3 and whose arg min is 1, 1, 2, 1.
  private let samples: [Float] = [
    0.9, 0.1, 0.2, 0.3,
    0.5, 0.0, 2.0, 1.0,
    0.7, 3.0, -1.0, 0.0,
    0.5, -0.5, 0.0, 0.6,
  ]

  private func writeSamples() throws -> String {
    let path = directory + "/x.npy"
    try Npy.write(floatTensor("", [4, 4], samples), to: path)
    return path
  }

  private func writeLabels(_ labels: [Int64], dims: [Int]? = nil, name: String = "y.npy") throws
    -> String
  {
    let path = directory + "/" + name
    try Npy.write(
      Tensor(
        dataType: .int64, dims: dims ?? [labels.count], bytes: labels.withUnsafeBytes { Array($0) }),
      to: path)
    return path
  }

  func testThreeOfFourCorrect() throws {
    let model = try writeClassifier()
    let result = run([
      model, "--inputs", try writeSamples(), "--labels", try writeLabels([0, 2, 1, 0]),
    ])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(result.out, "top-1: 75.00% (3/4)\n")
    XCTAssertEqual(result.error, "")
  }

  func testJSONAndAnotherOutput() throws {
    let model = try writeClassifier()
    let inputs = try writeSamples()
    // Arg min of x: 1, 1, 2, 1; labels 1, 0, 2, 3 give 2 of 4.
    let labels = try writeLabels([1, 0, 2, 3])
    let result = run([
      model, "--inputs", inputs, "--labels", labels, "--output", "negated", "--json",
    ])
    XCTAssertEqual(result.status, 0, result.error)
    let json = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    XCTAssertEqual(json["samples"] as? Int, 4)
    XCTAssertEqual(json["correct"] as? Int, 2)
    XCTAssertEqual(json["accuracy"] as? Double, 0.5)
    XCTAssertEqual(json["model"] as? String, model)

    let unknown = run([model, "--inputs", inputs, "--labels", labels, "--output", "logits"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(
      unknown.error.contains("--output logits: the model has no such output"), unknown.error)
  }

  func testLabelsOfShapeNByOneAndOtherIntegerTypes() throws {
    let model = try writeClassifier()
    let inputs = try writeSamples()
    let column = try writeLabels([0, 2, 1, 3], dims: [4, 1])
    XCTAssertEqual(
      run([model, "--inputs", inputs, "--labels", column]).out, "top-1: 100.00% (4/4)\n")
    let bytes = directory + "/u8.npy"
    try Npy.write(Tensor(dataType: .uint8, dims: [4], bytes: [3, 3, 3, 3]), to: bytes)
    XCTAssertEqual(
      run([model, "--inputs", inputs, "--labels", bytes]).out, "top-1: 25.00% (1/4)\n")
  }

  /// numpy's default dtype: float64 samples are converted to the model's float32.
  func testFloat64Samples() throws {
    let model = try writeClassifier()
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }\n".utf8)
    bytes += [UInt8(header.count), 0] + header
    bytes += samples.map { Double($0) }.withUnsafeBytes { Array($0) }
    let inputs = directory + "/x64.npy"
    try FileBytes.write(bytes, to: inputs)
    let result = run([model, "--inputs", inputs, "--labels", try writeLabels([0, 2, 1, 3])])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(result.out, "top-1: 100.00% (4/4)\n")
  }

  func testSampleAndLabelCountsMustMatch() throws {
    let model = try writeClassifier()
    let inputs = try writeSamples()
    let labels = try writeLabels([0, 2, 1, 0, 1])
    let result = run([model, "--inputs", inputs, "--labels", labels])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(
      result.error.contains(inputs + " holds 4 samples but " + labels + " 5 labels"), result.error)
    XCTAssertEqual(result.out, "")
  }

  func testFloatLabelsAreRefused() throws {
    let model = try writeClassifier()
    let labels = directory + "/float-labels.npy"
    try Npy.write(floatTensor("", [4], [0, 2, 1, 0]), to: labels)
    let result = run([model, "--inputs", try writeSamples(), "--labels", labels])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(
      result.error.contains(labels + ": labels must be integers, not float32"), result.error)
  }

  func testLabelsMustBeAVector() throws {
    let model = try writeClassifier()
    let labels = try writeLabels([0, 2, 1, 0], dims: [2, 2])
    let result = run([model, "--inputs", try writeSamples(), "--labels", labels])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.error.contains("labels must have shape [N]"), result.error)
  }

  func testUsageErrors() throws {
    let model = try writeClassifier()
    let inputs = try writeSamples()
    let labels = try writeLabels([0, 2, 1, 0])
    for (arguments, message) in [
      ([model, "--labels", labels], "--inputs X.npy is required"),
      ([model, "--inputs", inputs], "--labels Y.npy is required"),
      ([model, "--inputs", inputs, "--labels", labels, "--top", "5"], "unknown option --top"),
    ] {
      let result = run(arguments)
      XCTAssertEqual(result.status, 2, message)
      XCTAssertTrue(result.error.contains(message), result.error)
    }
    let help = run(["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.out.hasPrefix("usage: onnx-quant eval"), help.out)
  }
}
