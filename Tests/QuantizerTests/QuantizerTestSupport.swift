import Commands
import ONNXFormat
import Runtime
import XCTest

@testable import Quantizer

// Helpers shared by the Preparation, Plan, Writer and Calibrate tests: small models built in code,
// run with the runtime's Session, and statistics gathered without the quantizer's own observer.

/// A reproducible generator (SplitMix64) for weights and inputs.
struct QTRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [low, high).
  mutating func floats(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
    (0..<count).map { _ in low + (high - low) * Float(Double(next() >> 11) / Double(1 << 53)) }
  }
}

enum QT {
  static func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    precondition(
      dims.reduce(1, *) == values.count, "dims \(dims) do not hold \(values.count) values")
    return Tensor(
      name: name, dataType: .float, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  static func int64Tensor(_ name: String, _ dims: [Int], _ values: [Int64]) -> Tensor {
    Tensor(name: name, dataType: .int64, dims: dims, bytes: values.withUnsafeBytes { Array($0) })
  }

  static func info(_ name: String, _ dims: [Int], _ type: DataType = .float) -> ValueInfo {
    ValueInfo(
      name: name,
      type: .tensor(elementType: type.rawValue, shape: dims.map { ShapeDimension(.value($0)) }))
  }

  static func model(
    _ nodes: [Node], initializers: [Tensor] = [], inputs: [ValueInfo], outputs: [String],
    opset: Int = 13
  ) -> Model {
    Model(
      irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset)],
      graph: Graph(
        name: "test", nodes: nodes, initializers: initializers, inputs: inputs,
        outputs: outputs.map { ValueInfo(name: $0, type: nil) }))
  }

  static func attribute(_ name: String, _ values: [Int]) -> Attribute {
    Attribute(name: name, value: .ints(values))
  }
  static func attribute(_ name: String, _ value: Int) -> Attribute {
    Attribute(name: name, value: .int(value))
  }
  static func attribute(_ name: String, _ value: Float) -> Attribute {
    Attribute(name: name, value: .float(value))
  }

  /// The float values of a float tensor (little-endian host).
  static func floats(_ tensor: Tensor) -> [Float] {
    precondition(tensor.dataType == .float)
    return tensor.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
  }

  static func int8s(_ tensor: Tensor) -> [Int8] {
    precondition(tensor.dataType == .int8)
    return tensor.bytes.map { Int8(bitPattern: $0) }
  }

  static func int32s(_ tensor: Tensor) -> [Int32] {
    precondition(tensor.dataType == .int32)
    return tensor.bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
  }

  static func int64s(_ tensor: Tensor) -> [Int64] {
    precondition(tensor.dataType == .int64)
    return tensor.bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
  }

  static func initializer(
    _ graph: Graph, _ name: String, file: StaticString = #filePath, line: UInt = #line
  ) -> Tensor? {
    let found = graph.initializers.first { $0.name == name }
    if found == nil { XCTFail("no initializer '" + name + "'", file: file, line: line) }
    return found
  }

  /// Runs `model` once with `inputs` (in graph-input order) and returns every float output's values.
  static func run(_ model: Model, _ inputs: [[Float]], shapes: [String: [Int]] = [:]) throws
    -> [[Float]]
  {
    let session = try Session(model: model, options: LoadOptions(shapes: shapes))
    return run(session, inputs)
  }

  /// (Outputs of other types come back empty.)
  static func run(_ session: Session, _ inputs: [[Float]]) -> [[Float]] {
    for (index, values) in inputs.enumerated() {
      let input = session.inputs[index]
      precondition(
        input.type.dataType == .float && input.type.count == values.count, "input \(index) mismatch"
      )
      values.withUnsafeBytes {
        input.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count)
      }
    }
    session.run()
    return session.outputs.map { output in
      guard output.type.dataType == .float else { return [] }
      return Array(
        UnsafeBufferPointer(
          start: output.pointer.assumingMemoryBound(to: Float.self), count: output.type.count))
    }
  }

  /// Statistics of every float tensor a prepared model computes (and its inputs), over `samples`,
  /// gathered by running a copy of the model that exposes them all as outputs.
  static func statistics(_ prepared: PreparedModel, samples: [[Float]]) throws -> [String:
    TensorStatistics]
  {
    var exposed = prepared.model
    var names: [String] = prepared.model.graph.inputs.map { $0.name }
    for node in prepared.model.graph.nodes {
      for output in node.outputs where !output.isEmpty && prepared.analysis.constant(output) == nil
      {
        names.append(output)
      }
    }
    let present = Set(exposed.graph.outputs.map { $0.name })
    exposed.graph.outputs =
      names.filter { !present.contains($0) }.map { ValueInfo(name: $0, type: nil) }
      + exposed.graph.outputs
    let session = try Session(model: exposed)
    var statistics: [String: TensorStatistics] = [:]
    for sample in samples {
      let outputs = run(session, [sample])
      for (index, output) in session.outputs.enumerated() {
        statistics[output.name, default: TensorStatistics()].add(outputs[index])
      }
    }
    return statistics
  }

  /// Statistics holding exactly `values`.
  static func stats(_ values: [Float]) -> TensorStatistics {
    var statistics = TensorStatistics()
    statistics.add(values)
    return statistics
  }

  static func prepare(_ model: Model, shapes: [String: [Int]] = [:]) throws -> PreparedModel {
    do { return try ModelPreparation.prepare(model, shapes: shapes) } catch {
      throw QTError(error.message)
    }
  }

  static func minmaxOptions() -> QuantizationOptions {
    var options = QuantizationOptions()
    options.method = .minmax
    return options
  }

  /// A fresh directory under /tmp for one test.
  static func temporaryDirectory() throws -> String {
    let path =
      "/tmp/onnx-quant-quantizer-tests-" + String(UInt64.random(in: 0..<UInt64.max), radix: 16)
    try FileBytes.makeDirectory(path)
    return path
  }

  static func removeDirectory(_ path: String) {
    precondition(path.hasPrefix("/tmp/onnx-quant-quantizer-tests-"))
    try? FileManager.default.removeItem(atPath: path)
  }
}

struct QTError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Asserts `body` throws a CommandError whose message contains every one of `texts`.
func assertCommandError<T>(
  _ texts: [String], file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws(CommandError) -> T
) {
  do {
    _ = try body()
    XCTFail(
      "expected a CommandError mentioning " + texts.joined(separator: ", "), file: file, line: line)
  } catch {
    for text in texts {
      XCTAssertTrue(
        error.message.contains(text), "'" + text + "' not in: " + error.message, file: file,
        line: line)
    }
  }
}
