import CONNXProto

/// Loading and saving whole models.
extension Model {
  /// Real models nest If/Loop bodies a few levels deep; far beyond this is a crafted file.
  public static let subgraphDepthLimit = 64

  /// Decodes a serialized ModelProto.
  public init(serialized bytes: [UInt8]) throws(FormatError) {
    if WireDiagnostics(bytes: bytes).subgraphDepthExceeds(Model.subgraphDepthLimit) {
      throw FormatError(
        .unsupported, "ModelProto.graph",
        "subgraphs nest deeper than " + String(Model.subgraphDepthLimit) + " levels")
    }
    let unpacked = bytes.withUnsafeBufferPointer { buffer in
      onnx__model_proto__unpack(nil, buffer.count, buffer.baseAddress)
    }
    guard let unpacked else {
      if let problem = WireDiagnostics(bytes: bytes).diagnose(.model) { throw problem }
      throw FormatError(.malformed, "ModelProto", "not a valid ONNX protobuf message")
    }
    defer { onnx__model_proto__free_unpacked(unpacked, nil) }
    self = try ProtoDecoder().model(unpacked)
  }

  /// Loads the model file at `path`; errors name the file and the field.
  public init(contentsOf path: String) throws(FormatError) {
    let bytes = try FileBytes.read(path)
    do {
      self = try Model(serialized: bytes)
    } catch {
      throw error.within(path)
    }
  }

  /// The model as a serialized ModelProto.
  public func serialized() -> [UInt8] {
    let encoder = ProtoEncoder()
    let message = encoder.model(self)
    let size = onnx__model_proto__get_packed_size(message)
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      initialized = onnx__model_proto__pack(message, buffer.baseAddress)
    }
  }

  /// Writes the model to `path` atomically.
  public func write(to path: String) throws(FormatError) {
    try FileBytes.write(serialized(), to: path)
  }
}

extension Tensor {
  /// Decodes a serialized TensorProto (the `.pb` files of ONNX test data).
  public init(serialized bytes: [UInt8]) throws(FormatError) {
    if WireDiagnostics(bytes: bytes).subgraphDepthExceeds(Model.subgraphDepthLimit) {
      throw FormatError(
        .unsupported, "ModelProto.graph",
        "subgraphs nest deeper than " + String(Model.subgraphDepthLimit) + " levels")
    }
    let unpacked = bytes.withUnsafeBufferPointer { buffer in
      onnx__tensor_proto__unpack(nil, buffer.count, buffer.baseAddress)
    }
    guard let unpacked else {
      if let problem = WireDiagnostics(bytes: bytes).diagnose(.tensor) { throw problem }
      throw FormatError(.malformed, "TensorProto", "not a valid TensorProto message")
    }
    defer { onnx__tensor_proto__free_unpacked(unpacked, nil) }
    self = try ProtoDecoder().tensor(unpacked, path: "TensorProto")
  }

  public func serialized() -> [UInt8] {
    let encoder = ProtoEncoder()
    let message = encoder.tensor(self)
    let size = onnx__tensor_proto__get_packed_size(message)
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      initialized = onnx__tensor_proto__pack(message, buffer.baseAddress)
    }
  }
}
