import ONNXFormat

/// One `test_data_set_N` directory of an ONNX model test: `input_K.pb` and the expected `output_K.pb`.
public struct TestDataSet {
  public var directory: String
  public var inputs: [Tensor]
  public var outputs: [Tensor]

  public init(directory: String, inputs: [Tensor], outputs: [Tensor]) {
    self.directory = directory
    self.inputs = inputs
    self.outputs = outputs
  }

  /// Loads `input_K.pb` and `output_K.pb`, K = 0, 1, 2... in numeric order (input_10 after input_9).
  public static func load(_ directory: String) throws(FormatError) -> TestDataSet {
    let entries = try FileBytes.list(directory)
    let inputFiles = try numberedFiles(prefix: "input_", suffix: ".pb", in: entries, directory: directory)
    let outputFiles = try numberedFiles(prefix: "output_", suffix: ".pb", in: entries, directory: directory)
    if inputFiles.isEmpty && outputFiles.isEmpty {
      throw FormatError(.invalid, directory, "contains no input_K.pb or output_K.pb files; is it a test_data_set_N directory?")
    }
    var inputs: [Tensor] = []
    for name in inputFiles { inputs.append(try TensorProtoFile.read(joinPath(directory, name))) }
    var outputs: [Tensor] = []
    for name in outputFiles { outputs.append(try TensorProtoFile.read(joinPath(directory, name))) }
    return TestDataSet(directory: directory, inputs: inputs, outputs: outputs)
  }

  /// Paths of the `test_data_set_N` subdirectories of a model directory, in numeric order
  /// (test_data_set_10 after test_data_set_9).
  public static func dataSetDirectories(in modelDirectory: String) throws(FormatError) -> [String] {
    var numbered: [(index: Int, path: String)] = []
    for entry in try FileBytes.list(modelDirectory) {
      guard let digits = removingPrefix("test_data_set_", from: entry), let index = decimalIndex(digits) else { continue }
      let path = joinPath(modelDirectory, entry)
      if FileBytes.isDirectory(path) { numbered.append((index, path)) }
    }
    numbered.sort { $0.index < $1.index }
    return numbered.map { $0.path }
  }

  /// Writes `tensors` as `input_0.pb`, `input_1.pb`, ... in `directory`, creating it if needed.
  public static func writeInputs(_ tensors: [Tensor], to directory: String) throws(FormatError) {
    try writeNumbered(tensors, prefix: "input_", to: directory)
  }

  /// Writes `tensors` as `output_0.pb`, `output_1.pb`, ... in `directory`, creating it if needed.
  /// Files with higher numbers left over from an earlier run are not removed.
  public static func writeOutputs(_ tensors: [Tensor], to directory: String) throws(FormatError) {
    try writeNumbered(tensors, prefix: "output_", to: directory)
  }

  private static func writeNumbered(_ tensors: [Tensor], prefix: String, to directory: String) throws(FormatError) {
    try FileBytes.makeDirectory(directory)
    for (index, tensor) in tensors.enumerated() {
      try TensorProtoFile.write(tensor, to: joinPath(directory, prefix + String(index) + ".pb"))
    }
  }

  /// File names `PREFIX K SUFFIX` from `entries`, ordered by K; K must run 0, 1, 2... without gaps,
  /// since a missing file would silently shift every later input to the wrong model input.
  private static func numberedFiles(
    prefix: String, suffix: String, in entries: [String], directory: String
  ) throws(FormatError) -> [String] {
    var numbered: [(index: Int, name: String)] = []
    for entry in entries {
      guard let rest = removingPrefix(prefix, from: entry), let digits = removingSuffix(suffix, from: rest) else {
        continue
      }
      guard let index = decimalIndex(digits) else {
        let example = prefix + "0" + suffix
        throw FormatError(
          .invalid, joinPath(directory, entry), "the number is not a plain decimal index like " + example)
      }
      numbered.append((index, entry))
    }
    numbered.sort { $0.index < $1.index }
    for (position, file) in numbered.enumerated() where file.index != position {
      let missing = prefix + String(position) + suffix
      throw FormatError(.invalid, directory, "has " + file.name + " but no " + missing + "; numbering must have no gaps")
    }
    return numbered.map { $0.name }
  }
}
