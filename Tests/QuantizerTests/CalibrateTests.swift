import Commands
import Foundation
import ONNXFormat
import Runtime
import TensorFiles
import XCTest

@testable import Quantizer

/// `onnx-quant calibrate` end to end, on a tiny model and a .npy written to a temporary directory.
final class CalibrateTests: XCTestCase {
  private var directory = ""
  private var modelPath = ""
  private var dataPath = ""
  private var samples: [[Float]] = []

  override func setUpWithError() throws {
    directory = try QT.temporaryDirectory()
    modelPath = directory + "/tiny.onnx"
    dataPath = directory + "/samples.npy"
    try tinyModel().write(to: modelPath)
    var random = QTRandom(seed: 61)
    samples = (0..<10).map { _ in random.floats(16, -1, 1) }
    // The last two samples are much larger: held out by default, so they must not widen the ranges.
    samples[8] = samples[8].map { $0 * 4 }
    samples[9] = samples[9].map { $0 * 4 }
    try Npy.write(QT.floatTensor("", [10, 1, 4, 4], samples.flatMap { $0 }), to: dataPath)
  }

  override func tearDown() { QT.removeDirectory(directory) }

  /// x [1, 1, 4, 4] -> Conv (2 channels, 3x3, pads 1) -> Relu -> Flatten -> Gemm (3 classes).
  private func tinyModel() -> Model {
    var random = QTRandom(seed: 62)
    return QT.model(
      [
        Node(
          name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
          attributes: [QT.attribute("pads", [1, 1, 1, 1])]),
        Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
        Node(name: "flatten", opType: "Flatten", inputs: ["r"], outputs: ["f"]),
        Node(
          name: "gemm", opType: "Gemm", inputs: ["f", "G", "C"], outputs: ["y"],
          attributes: [QT.attribute("transB", 1)]),
      ],
      initializers: [
        QT.floatTensor("W", [2, 1, 3, 3], random.floats(18, -1, 1)),
        QT.floatTensor("B", [2], [0.1, -0.1]),
        QT.floatTensor("G", [3, 32], random.floats(96, -0.5, 0.5)),
        QT.floatTensor("C", [3], [0, 0.5, -0.5]),
      ], inputs: [QT.info("x", [1, 1, 4, 4])], outputs: ["y"])
  }

  private func run(_ arguments: [String]) -> (status: Int32, out: String, error: String) {
    let console = Console(.capture)
    let status = Tool(name: "onnx-quant", extraCommands: [CalibrateCommand.command]).run(
      ["calibrate"] + arguments, console: console)
    return (status, console.capturedOut, console.capturedError)
  }

  func testWritesAnIntegerModelThatRuns() throws {
    let output = directory + "/tiny.int8.onnx"
    let result = run([
      modelPath, "--data", dataPath, "-o", output, "--method", "minmax", "--threads", "2",
    ])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertTrue(result.out.contains("wrote " + output + " (qoperator)"), result.out)
    let model = try Model(contentsOf: output)
    XCTAssertEqual(model.producerName, "onnx-quant")
    XCTAssertEqual(
      model.graph.nodes.map { $0.opType },
      ["QuantizeLinear", "QLinearConv", "Flatten", "QGemm", "DequantizeLinear"])
    // Minmax over the 8 calibration samples only: the 2 held out are 4 times larger.
    let calibration = samples.prefix(8).flatMap { $0 }
    let low = Double(min(calibration.min()!, 0))
    let high = Double(max(calibration.max()!, 0))
    let scale = try XCTUnwrap(QT.initializer(model.graph, model.graph.nodes[0].inputs[1]))
    XCTAssertEqual(QT.floats(scale), [Float((high - low) / 255)])

    let session = try Session(model: model)
    let float = try Session(model: tinyModel())
    let outputScale = QT.floats(
      try XCTUnwrap(QT.initializer(model.graph, model.graph.nodes[4].inputs[1])))[0]
    for sample in samples.prefix(8) {
      let expected = QT.run(float, [sample])[0]
      let actual = QT.run(session, [sample])[0]
      for (a, b) in zip(actual, expected) { XCTAssertEqual(a, b, accuracy: 3 * outputScale) }
    }
  }

  func testQDQFormat() throws {
    let output = directory + "/tiny.qdq.onnx"
    let result = run([modelPath, "--data", dataPath, "-o", output, "--format", "qdq", "--quiet"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(result.out, "")
    let model = try Model(contentsOf: output)
    let kinds = Set(model.graph.nodes.map { $0.opType })
    XCTAssertTrue(
      kinds.isSuperset(of: ["QuantizeLinear", "DequantizeLinear", "Conv", "Gemm"]), "\(kinds)")
    XCTAssertFalse(kinds.contains("QLinearConv"))
    XCTAssertNoThrow(try Session(model: model))
  }

  func testReportIsJSONWithLayersAndTensors() throws {
    let output = directory + "/tiny.int8.onnx"
    let report = directory + "/report.json"
    let result = run([
      modelPath, "--data", dataPath, "-o", output, "--report", report, "--method", "minmax",
    ])
    XCTAssertEqual(result.status, 0, result.error)
    let bytes = try FileBytes.read(report)
    let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    XCTAssertEqual(json["calibration_samples"] as? Int, 8)
    XCTAssertEqual(json["evaluation_samples"] as? Int, 2)
    XCTAssertEqual(json["method"] as? String, "minmax")
    XCTAssertEqual(json["output"] as? String, output)
    let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
    XCTAssertEqual(layers.compactMap { $0["name"] as? String }, ["conv", "flatten", "gemm"])
    XCTAssertEqual(
      layers.compactMap { $0["integer_op"] as? String },
      ["QLinearConv", "Flatten (8-bit)", "QGemm"])
    XCTAssertEqual(layers[0]["activation_folded"] as? Bool, true)
    XCTAssertNotNil(layers[2]["sqnr_db"] as? Double)
    let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
    XCTAssertEqual(tensors.compactMap { $0["name"] as? String }.sorted(), ["f", "r", "x", "y"])
    for tensor in tensors {
      XCTAssertNotNil(tensor["scale"] as? Double, "\(tensor)")
      XCTAssertNotNil(tensor["zero_point"] as? Int, "\(tensor)")
    }
    let relu = try XCTUnwrap(tensors.first { $0["name"] as? String == "r" })
    XCTAssertEqual(relu["zero_point"] as? Int, 0)
    XCTAssertEqual(relu["low"] as? Double, 0)
    let outputs = try XCTUnwrap(json["outputs"] as? [[String: Any]])
    XCTAssertEqual(outputs.first?["name"] as? String, "y")
  }

  func testRefusesToOverwriteItsInputs() throws {
    let before = try FileBytes.read(modelPath)
    let overModel = run([modelPath, "--data", dataPath, "-o", modelPath, "--force"])
    XCTAssertEqual(overModel.status, 2)
    XCTAssertTrue(
      overModel.error.contains("refusing to overwrite the input " + modelPath), overModel.error)
    XCTAssertEqual(try FileBytes.read(modelPath), before)

    let data = try FileBytes.read(dataPath)
    let overData = run([modelPath, "--data", dataPath, "-o", dataPath, "--force"])
    XCTAssertEqual(overData.status, 2)
    XCTAssertEqual(try FileBytes.read(dataPath), data)

    let report = run([
      modelPath, "--data", dataPath, "-o", directory + "/out.onnx", "--report", modelPath,
      "--force",
    ])
    XCTAssertEqual(report.status, 2)
    XCTAssertEqual(try FileBytes.read(modelPath), before)
    XCTAssertFalse(FileBytes.exists(directory + "/out.onnx"))
  }

  func testExistingOutputNeedsForce() throws {
    let output = directory + "/existing.onnx"
    try FileBytes.write([1, 2, 3], to: output)
    let refused = run([modelPath, "--data", dataPath, "-o", output])
    XCTAssertEqual(refused.status, 2)
    XCTAssertTrue(refused.error.contains(output + " exists; pass --force"), refused.error)
    XCTAssertEqual(try FileBytes.read(output), [1, 2, 3])

    let forced = run([modelPath, "--data", dataPath, "-o", output, "--force", "--quiet"])
    XCTAssertEqual(forced.status, 0, forced.error)
    XCTAssertTrue(try Model(contentsOf: output).graph.nodes.contains { $0.opType == "QLinearConv" })
  }

  func testTruncatedSamplesFailNamingTheFileAndWriteNothing() throws {
    let truncated = directory + "/truncated.npy"
    let bytes = try FileBytes.read(dataPath)
    try FileBytes.write(Array(bytes.dropLast(10)), to: truncated)
    let output = directory + "/never.onnx"
    let report = directory + "/never.json"
    let result = run([
      modelPath, "--data", truncated, "-o", output, "--report", report, "--holdout", "0",
    ])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.error.contains(truncated), result.error)
    XCTAssertTrue(result.error.contains("sample 9 of 10"), result.error)
    XCTAssertFalse(FileBytes.exists(output))
    XCTAssertFalse(FileBytes.exists(report))
  }

  func testUsageErrors() {
    let output = directory + "/out.onnx"
    let cases: [([String], String)] = [
      ([modelPath, "-o", output], "--data PATH is required"),
      ([modelPath, "--data", dataPath], "-o OUT.onnx is required"),
      (
        [modelPath, "--data", dataPath, "-o", output, "--output", output + "2"],
        "-o is given more than once"
      ),
      ([modelPath, "--data", dataPath, "-o", output, "--method", "median"], "--method takes"),
      ([modelPath, "--data", dataPath, "-o", output, "--percentile", "0"], "--percentile takes"),
      (
        [modelPath, "--data", dataPath, "-o", output, "--per-channel", "--per-tensor"],
        "exclude each other"
      ),
      (
        [modelPath, "--data", dataPath, "-o", output, "--activations", "int4"],
        "--activations takes"
      ),
      ([modelPath, "--data", dataPath, "-o", output, "--format", "qlinear"], "--format takes"),
    ]
    for (arguments, message) in cases {
      let result = run(arguments)
      XCTAssertEqual(result.status, 2, message)
      XCTAssertTrue(result.error.contains(message), result.error)
    }
    XCTAssertFalse(FileBytes.exists(output))
  }

  func testCalibratorWithFewSamplesMeasuresOnTheCalibrationSamples() throws {
    var options = QuantizationOptions()
    options.samples = 5
    options.threads = 1
    let result = try Calibrator.run(modelPath: modelPath, dataPath: dataPath, options: options) {
      _, _, _ in
    }
    XCTAssertEqual(result.calibrationSamples, 5)
    XCTAssertTrue(result.evaluatedOnCalibration)
    XCTAssertEqual(result.evaluationSamples, 5)
    XCTAssertEqual(result.statistics["x"]?.count, 5 * 16)
    XCTAssertEqual(result.statistics["x"]?.minimum, samples.prefix(5).flatMap { $0 }.min())
    XCTAssertEqual(result.statistics["x"]?.maximum, samples.prefix(5).flatMap { $0 }.max())
    XCTAssertEqual(result.outputSQNR.map { $0.name }, ["y"])
    XCTAssertGreaterThan(result.outputSQNR[0].sqnr.decibels, 20)
  }

  func testDirectoryOfNamedArraysAndExclude() throws {
    let data = directory + "/data"
    try FileBytes.makeDirectory(data)
    try Npy.write(QT.floatTensor("", [10, 1, 4, 4], samples.flatMap { $0 }), to: data + "/x.npy")
    let output = directory + "/out.onnx"
    let result = run([modelPath, "--data", data, "-o", output, "--exclude", "Gemm", "--quiet"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(
      try Model(contentsOf: output).graph.nodes.map { $0.opType },
      ["QuantizeLinear", "QLinearConv", "Flatten", "DequantizeLinear", "Gemm"])

    let empty = directory + "/empty"
    try FileBytes.makeDirectory(empty)
    let missing = run([modelPath, "--data", empty, "-o", directory + "/never.onnx"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.error.contains(empty + ": no x.npy for graph input 'x'"), missing.error)
    XCTAssertFalse(FileBytes.exists(directory + "/never.onnx"))
  }

  /// Workers calibrate slices of the samples and merge their statistics: the model written must not
  /// depend on how many there were.
  func testOutputIsTheSameForAnyThreadCount() throws {
    for method in ["percentile", "entropy", "mse"] {
      var written: [[UInt8]] = []
      for threads in ["1", "3"] {
        let output = directory + "/" + method + "-" + threads + ".onnx"
        let result = run([
          modelPath, "--data", dataPath, "-o", output, "--method", method, "--threads", threads,
          "--quiet",
        ])
        XCTAssertEqual(result.status, 0, result.error)
        written.append(try FileBytes.read(output))
      }
      XCTAssertEqual(written[0], written[1], method)
    }
  }
}
