import ONNXFormat

/// Tensor files of either kind, told apart by extension.
public enum TensorFile {
  /// Reads a `.npy` or TensorProto `.pb` file.
  public static func read(_ path: String) throws(FormatError) -> Tensor {
    let name = fileName(path)
    if removingSuffix(".npy", from: name) != nil { return try Npy.read(path) }
    if removingSuffix(".pb", from: name) != nil { return try TensorProtoFile.read(path) }
    throw FormatError(.unsupported, path, "unknown tensor file type; expected a .npy or TensorProto .pb file")
  }

  /// The tensors of every `NAME.npy` in `directory`, sorted by NAME, each named NAME;
  /// the way named model inputs are handed over from Python.
  public static func readNamedDirectory(_ directory: String) throws(FormatError) -> [Tensor] {
    var files: [(name: String, path: String)] = []
    for entry in try FileBytes.list(directory) {
      guard let name = removingSuffix(".npy", from: entry), !name.isEmpty else { continue }
      let path = joinPath(directory, entry)
      if FileBytes.isDirectory(path) { continue }
      files.append((name, path))
    }
    // Sorted by NAME rather than file name: `a.npy` and `a-b.npy` list in the opposite order.
    files.sort { precedesBytewise($0.name, $1.name) }
    var tensors: [Tensor] = []
    for file in files {
      var tensor = try Npy.read(file.path)
      tensor.name = file.name
      tensors.append(tensor)
    }
    return tensors
  }
}
