/// Explains why protobuf-c refused a message. protobuf-c only says "no"; this walks the wire format along
/// the ONNX schema and names the first field that is cut short or malformed, with its byte offset.
struct WireDiagnostics {
  enum Message {
    case model, graph, node, attribute, tensor, segment, valueInfo, typeProto, typeTensor, shape, dimension
    case stringPair, opset, annotation

    var name: String {
      switch self {
      case .model: return "ModelProto"
      case .graph: return "GraphProto"
      case .node: return "NodeProto"
      case .attribute: return "AttributeProto"
      case .tensor: return "TensorProto"
      case .segment: return "TensorProto.Segment"
      case .valueInfo: return "ValueInfoProto"
      case .typeProto: return "TypeProto"
      case .typeTensor: return "TypeProto.Tensor"
      case .shape: return "TensorShapeProto"
      case .dimension: return "TensorShapeProto.Dimension"
      case .stringPair: return "StringStringEntryProto"
      case .opset: return "OperatorSetIdProto"
      case .annotation: return "TensorAnnotation"
      }
    }
  }

  /// How a field is encoded: a varint, a 32- or 64-bit fixed value, or length-delimited bytes.
  enum Wire: Equatable { case varint, fixed32, fixed64, bytes }

  struct Field {
    var name: String
    var wire: Wire
    /// Set when the bytes are a message this walk descends into.
    var message: Message?
    /// Repeated numeric fields may also come packed (length-delimited).
    var packable: Bool = false
    /// A repeated message field: its path names the element (`node[2]`); a singular one has no index.
    var repeated: Bool = false
  }

  let bytes: [UInt8]

  /// The first problem found in the message at the top, or nil when the walk finds none.
  func diagnose(_ message: Message) -> FormatError? {
    walk(message, from: 0, to: bytes.count, path: message.name)
  }

  /// True when subgraphs (If/Loop/Scan bodies) nest deeper than `limit` graphs. Checked before unpacking:
  /// protobuf-c and the decoder recurse once per level, and a crafted file must not exhaust the stack.
  /// Follows only the fields that can hold a graph; malformed bytes end the walk and are left to the parser.
  func subgraphDepthExceeds(_ limit: Int) -> Bool {
    depthExceeds(.model, from: 0, to: bytes.count, graphs: 0, limit: limit)
  }

  private func depthExceeds(_ message: Message, from start: Int, to end: Int, graphs: Int, limit: Int) -> Bool {
    if graphs > limit { return true }
    var position = start
    while position < end {
      guard let tag = varint(&position, end) else { return false }
      let number = Int(tag >> 3)
      switch tag & 7 {
      case 0: if varint(&position, end) == nil { return false }
      case 1: position += 8
      case 5: position += 4
      case 2:
        guard let length = varint(&position, end), length <= UInt64(end - position) else { return false }
        let contentEnd = position + Int(length)
        let child: Message?
        switch (message, number) {
        case (.model, 7), (.attribute, 6), (.attribute, 11): child = .graph
        case (.graph, 1): child = .node
        case (.node, 5): child = .attribute
        default: child = nil
        }
        if let child {
          let depth = child == .graph ? graphs + 1 : graphs
          if depthExceeds(child, from: position, to: contentEnd, graphs: depth, limit: limit) { return true }
        }
        position = contentEnd
      default: return false
      }
    }
    return false
  }

  private func walk(_ message: Message, from start: Int, to end: Int, path: String) -> FormatError? {
    var position = start
    var counts: [Int: Int] = [:]
    while position < end {
      let tagStart = position
      guard let tag = varint(&position, end) else {
        return FormatError(.truncated, path, "a field tag is cut short at byte " + String(tagStart))
      }
      let number = Int(tag >> 3)
      let wireType = Int(tag & 7)
      if number == 0 {
        return FormatError(.malformed, path, "field number 0 at byte " + String(tagStart) + " is invalid")
      }
      let field = Self.field(message, number)
      var fieldPath = path + "." + (field?.name ?? "field " + String(number))
      let index = counts[number, default: 0]
      counts[number] = index + 1
      if let field, field.message != nil, field.repeated { fieldPath += "[" + String(index) + "]" }

      let wire: Wire
      switch wireType {
      case 0: wire = .varint
      case 1: wire = .fixed64
      case 2: wire = .bytes
      case 5: wire = .fixed32
      default:
        return FormatError(
          .malformed, fieldPath, "wire type " + String(wireType) + " at byte " + String(tagStart) + " is not valid here")
      }
      if let field, wire != field.wire, !(field.packable && wire == .bytes) {
        return FormatError(
          .malformed, fieldPath,
          "encoded as " + Self.describe(wire) + " at byte " + String(tagStart) + ", the schema says "
            + Self.describe(field.wire))
      }
      switch wire {
      case .varint:
        let valueStart = position
        if varint(&position, end) == nil {
          return FormatError(.truncated, fieldPath, "the value at byte " + String(valueStart) + " is cut short")
        }
      case .fixed32, .fixed64:
        let size = wire == .fixed32 ? 4 : 8
        if end - position < size {
          return FormatError(
            .truncated, fieldPath,
            "needs " + String(size) + " bytes at byte " + String(position) + ", only " + String(end - position)
              + " remain")
        }
        position += size
      case .bytes:
        let lengthStart = position
        guard let length = varint(&position, end) else {
          return FormatError(.truncated, fieldPath, "the length at byte " + String(lengthStart) + " is cut short")
        }
        if length > UInt64(end - position) {
          return FormatError(
            .truncated, fieldPath,
            "declares " + String(length) + " bytes at byte " + String(lengthStart) + ", only "
              + String(end - position) + " remain")
        }
        let contentEnd = position + Int(length)
        if let child = field?.message, let problem = walk(child, from: position, to: contentEnd, path: fieldPath) {
          return problem
        }
        position = contentEnd
      }
    }
    return nil
  }

  private func varint(_ position: inout Int, _ end: Int) -> UInt64? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while position < end && shift < 70 {
      let byte = bytes[position]
      position += 1
      if shift == 63 && byte > 1 { return nil }
      result |= UInt64(byte & 0x7f) << shift
      if byte & 0x80 == 0 { return result }
      shift += 7
    }
    return nil
  }

  private static func describe(_ wire: Wire) -> String {
    switch wire {
    case .varint: return "a varint"
    case .fixed32: return "32 bits"
    case .fixed64: return "64 bits"
    case .bytes: return "length-delimited bytes"
    }
  }

  // The ONNX schema, by field number (proto/onnx.proto).
  private static func field(_ message: Message, _ number: Int) -> Field? {
    func scalar(_ name: String, _ wire: Wire) -> Field { Field(name: name, wire: wire) }
    func repeated(_ name: String, _ wire: Wire) -> Field { Field(name: name, wire: wire, packable: true) }
    func bytes(_ name: String) -> Field { Field(name: name, wire: .bytes) }
    func child(_ name: String, _ message: Message) -> Field {
      Field(name: name, wire: .bytes, message: message, repeated: true)
    }
    func single(_ name: String, _ message: Message) -> Field { Field(name: name, wire: .bytes, message: message) }
    switch (message, number) {
    case (.model, 1): return scalar("ir_version", .varint)
    case (.model, 2): return bytes("producer_name")
    case (.model, 3): return bytes("producer_version")
    case (.model, 4): return bytes("domain")
    case (.model, 5): return scalar("model_version", .varint)
    case (.model, 6): return bytes("doc_string")
    case (.model, 7): return single("graph", .graph)
    case (.model, 8): return child("opset_import", .opset)
    case (.model, 14): return child("metadata_props", .stringPair)
    case (.model, 20): return bytes("training_info")
    case (.model, 25): return bytes("functions")
    case (.model, 26): return bytes("configuration")
    case (.graph, 1): return child("node", .node)
    case (.graph, 2): return bytes("name")
    case (.graph, 5): return child("initializer", .tensor)
    case (.graph, 10): return bytes("doc_string")
    case (.graph, 11): return child("input", .valueInfo)
    case (.graph, 12): return child("output", .valueInfo)
    case (.graph, 13): return child("value_info", .valueInfo)
    case (.graph, 14): return child("quantization_annotation", .annotation)
    case (.graph, 15): return bytes("sparse_initializer")
    case (.graph, 16): return child("metadata_props", .stringPair)
    case (.node, 1): return bytes("input")
    case (.node, 2): return bytes("output")
    case (.node, 3): return bytes("name")
    case (.node, 4): return bytes("op_type")
    case (.node, 5): return child("attribute", .attribute)
    case (.node, 6): return bytes("doc_string")
    case (.node, 7): return bytes("domain")
    case (.node, 8): return bytes("overload")
    case (.node, 9): return child("metadata_props", .stringPair)
    case (.node, 10): return bytes("device_configurations")
    case (.attribute, 1): return bytes("name")
    case (.attribute, 2): return scalar("f", .fixed32)
    case (.attribute, 3): return scalar("i", .varint)
    case (.attribute, 4): return bytes("s")
    case (.attribute, 5): return single("t", .tensor)
    case (.attribute, 6): return single("g", .graph)
    case (.attribute, 7): return repeated("floats", .fixed32)
    case (.attribute, 8): return repeated("ints", .varint)
    case (.attribute, 9): return bytes("strings")
    case (.attribute, 10): return child("tensors", .tensor)
    case (.attribute, 11): return child("graphs", .graph)
    case (.attribute, 13): return bytes("doc_string")
    case (.attribute, 14): return bytes("tp")
    case (.attribute, 15): return bytes("type_protos")
    case (.attribute, 20): return scalar("type", .varint)
    case (.attribute, 21): return bytes("ref_attr_name")
    case (.attribute, 22): return bytes("sparse_tensor")
    case (.attribute, 23): return bytes("sparse_tensors")
    case (.tensor, 1): return repeated("dims", .varint)
    case (.tensor, 2): return scalar("data_type", .varint)
    case (.tensor, 3): return single("segment", .segment)
    case (.tensor, 4): return repeated("float_data", .fixed32)
    case (.tensor, 5): return repeated("int32_data", .varint)
    case (.tensor, 6): return bytes("string_data")
    case (.tensor, 7): return repeated("int64_data", .varint)
    case (.tensor, 8): return bytes("name")
    case (.tensor, 9): return bytes("raw_data")
    case (.tensor, 10): return repeated("double_data", .fixed64)
    case (.tensor, 11): return repeated("uint64_data", .varint)
    case (.tensor, 12): return bytes("doc_string")
    case (.tensor, 13): return child("external_data", .stringPair)
    case (.tensor, 14): return scalar("data_location", .varint)
    case (.tensor, 16): return child("metadata_props", .stringPair)
    case (.segment, 1): return scalar("begin", .varint)
    case (.segment, 2): return scalar("end", .varint)
    case (.valueInfo, 1): return bytes("name")
    case (.valueInfo, 2): return single("type", .typeProto)
    case (.valueInfo, 3): return bytes("doc_string")
    case (.valueInfo, 4): return child("metadata_props", .stringPair)
    case (.typeProto, 1): return single("tensor_type", .typeTensor)
    case (.typeProto, 4): return bytes("sequence_type")
    case (.typeProto, 5): return bytes("map_type")
    case (.typeProto, 6): return bytes("denotation")
    case (.typeProto, 8): return bytes("sparse_tensor_type")
    case (.typeProto, 9): return bytes("optional_type")
    case (.typeTensor, 1): return scalar("elem_type", .varint)
    case (.typeTensor, 2): return single("shape", .shape)
    case (.shape, 1): return child("dim", .dimension)
    case (.dimension, 1): return scalar("dim_value", .varint)
    case (.dimension, 2): return bytes("dim_param")
    case (.dimension, 3): return bytes("denotation")
    case (.stringPair, 1): return bytes("key")
    case (.stringPair, 2): return bytes("value")
    case (.opset, 1): return bytes("domain")
    case (.opset, 2): return scalar("version", .varint)
    case (.annotation, 1): return bytes("tensor_name")
    case (.annotation, 2): return child("quant_parameter_tensor_names", .stringPair)
    default: return nil
    }
  }
}
