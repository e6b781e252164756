import ONNXFormat

/// A single serialized ONNX TensorProto, as in the `input_0.pb` files of ONNX test data.
public enum TensorProtoFile {
  public static func read(_ path: String) throws(FormatError) -> Tensor {
    let bytes = try FileBytes.read(path)
    do {
      return try Tensor(serialized: bytes)
    } catch {
      throw error.within(path)
    }
  }

  /// Writes atomically, so a crash never leaves a half-written reference file.
  public static func write(_ tensor: Tensor, to path: String) throws(FormatError) {
    try FileBytes.write(tensor.serialized(), to: path)
  }
}
