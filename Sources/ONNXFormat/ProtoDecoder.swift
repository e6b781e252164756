import CONNXProto

/// Builds the Swift model from protobuf-c's unpacked message tree, validating what the wire format cannot:
/// dims, data types, data lengths, unsupported storage. Errors carry the field path.
struct ProtoDecoder {
  func model(_ m: UnsafeMutablePointer<Onnx__ModelProto>) throws(FormatError) -> Model {
    let p = m.pointee
    guard let graphPointer = p.graph else {
      throw FormatError(.invalid, "ModelProto.graph", "the model has no graph")
    }
    return Model(
      irVersion: Int(p.ir_version),
      opsetImports: messages(p.n_opset_import, p.opset_import).map {
        OpsetImport(domain: swiftString($0.pointee.domain), version: Int($0.pointee.version))
      },
      producerName: swiftString(p.producer_name),
      producerVersion: swiftString(p.producer_version),
      domain: swiftString(p.domain),
      modelVersion: Int(p.model_version),
      docString: swiftString(p.doc_string),
      graph: try graph(graphPointer, path: "ModelProto.graph"),
      metadata: pairs(p.n_metadata_props, p.metadata_props),
      opaqueTrainingInfo: swiftArray(p.n_training_info, p.training_info).map(swiftBytes),
      opaqueFunctions: swiftArray(p.n_functions, p.functions).map(swiftBytes),
      opaqueConfigurations: swiftArray(p.n_configuration, p.configuration).map(swiftBytes)
    )
  }

  func graph(_ g: UnsafeMutablePointer<Onnx__GraphProto>, path: String) throws(FormatError) -> Graph {
    let p = g.pointee
    var nodes: [Node] = []
    for (index, n) in messages(p.n_node, p.node).enumerated() {
      nodes.append(try node(n, path: path + ".node[" + String(index) + "]"))
    }
    var initializers: [Tensor] = []
    for (index, t) in messages(p.n_initializer, p.initializer).enumerated() {
      initializers.append(try tensor(t, path: path + ".initializer[" + String(index) + "]"))
    }
    return Graph(
      name: swiftString(p.name),
      nodes: nodes,
      initializers: initializers,
      opaqueSparseInitializers: swiftArray(p.n_sparse_initializer, p.sparse_initializer).map(swiftBytes),
      inputs: try valueInfos(p.n_input, p.input, path: path + ".input"),
      outputs: try valueInfos(p.n_output, p.output, path: path + ".output"),
      valueInfo: try valueInfos(p.n_value_info, p.value_info, path: path + ".value_info"),
      quantizationAnnotations: messages(p.n_quantization_annotation, p.quantization_annotation).map {
        TensorAnnotation(
          tensorName: swiftString($0.pointee.tensor_name),
          quantParameterTensorNames: pairs(
            $0.pointee.n_quant_parameter_tensor_names, $0.pointee.quant_parameter_tensor_names))
      },
      docString: swiftString(p.doc_string),
      metadata: pairs(p.n_metadata_props, p.metadata_props)
    )
  }

  func node(_ n: UnsafeMutablePointer<Onnx__NodeProto>, path: String) throws(FormatError) -> Node {
    let p = n.pointee
    var attributes: [Attribute] = []
    for a in messages(p.n_attribute, p.attribute) {
      attributes.append(try attribute(a, path: path + ".attribute '" + swiftString(a.pointee.name) + "'"))
    }
    return Node(
      name: swiftString(p.name),
      opType: swiftString(p.op_type),
      domain: swiftString(p.domain),
      overload: swiftString(p.overload),
      inputs: swiftArray(p.n_input, p.input).map(swiftString),
      outputs: swiftArray(p.n_output, p.output).map(swiftString),
      attributes: attributes,
      docString: swiftString(p.doc_string),
      metadata: pairs(p.n_metadata_props, p.metadata_props),
      opaqueDeviceConfigurations: swiftArray(p.n_device_configurations, p.device_configurations).map(swiftBytes)
    )
  }

  func attribute(_ a: UnsafeMutablePointer<Onnx__AttributeProto>, path: String) throws(FormatError) -> Attribute {
    let p = a.pointee
    let value: AttributeValue
    switch p.type.rawValue {
    case 0: value = .undefined
    case 1: value = .float(p.f)
    case 2: value = .int(Int(p.i))
    case 3: value = .string(swiftBytes(p.s))
    case 4:
      guard let t = p.t else { throw FormatError(.invalid, path, "a TENSOR attribute without a tensor") }
      value = .tensor(try tensor(t, path: path + ".t"))
    case 5:
      guard let g = p.g else { throw FormatError(.invalid, path, "a GRAPH attribute without a graph") }
      value = .graph(try graph(g, path: path + ".g"))
    case 6: value = .floats(swiftArray(p.n_floats, p.floats))
    case 7: value = .ints(swiftArray(p.n_ints, p.ints).map { Int($0) })
    case 8: value = .strings(swiftArray(p.n_strings, p.strings).map(swiftBytes))
    case 9:
      var tensors: [Tensor] = []
      for (index, t) in messages(p.n_tensors, p.tensors).enumerated() {
        tensors.append(try tensor(t, path: path + ".tensors[" + String(index) + "]"))
      }
      value = .tensors(tensors)
    case 10:
      var graphs: [Graph] = []
      for (index, g) in messages(p.n_graphs, p.graphs).enumerated() {
        graphs.append(try graph(g, path: path + ".graphs[" + String(index) + "]"))
      }
      value = .graphs(graphs)
    case 11: value = .sparseTensor(swiftBytes(p.sparse_tensor))
    case 12: value = .sparseTensors(swiftArray(p.n_sparse_tensors, p.sparse_tensors).map(swiftBytes))
    case 13: value = .typeProto(swiftBytes(p.tp))
    case 14: value = .typeProtos(swiftArray(p.n_type_protos, p.type_protos).map(swiftBytes))
    default:
      throw FormatError(.invalid, path + ".type", "unknown attribute type " + String(p.type.rawValue))
    }
    return Attribute(
      name: swiftString(p.name), value: value, refAttrName: swiftString(p.ref_attr_name),
      docString: swiftString(p.doc_string))
  }

  func valueInfos(
    _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?, path: String
  ) throws(FormatError) -> [ValueInfo] {
    var result: [ValueInfo] = []
    for (index, v) in messages(count, pointer).enumerated() {
      let p = v.pointee
      let name = swiftString(p.name)
      var type: ValueType? = nil
      var denotation = ""
      if let t = p.type {
        type = try valueType(t, path: path + "[" + String(index) + "] '" + name + "'.type")
        denotation = swiftString(t.pointee.denotation)
      }
      result.append(
        ValueInfo(
          name: name, type: type, typeDenotation: denotation, docString: swiftString(p.doc_string),
          metadata: pairs(p.n_metadata_props, p.metadata_props)))
    }
    return result
  }

  func valueType(_ t: UnsafeMutablePointer<Onnx__TypeProto>, path: String) throws(FormatError) -> ValueType? {
    let p = t.pointee
    switch p.value_case {
    case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
      guard let tensorType = p.tensor_type else { return nil }
      let shape: [ShapeDimension]?
      if let s = tensorType.pointee.shape {
        shape = messages(s.pointee.n_dim, s.pointee.dim).map { d -> ShapeDimension in
          let denotation = swiftString(d.pointee.denotation)
          switch d.pointee.value_case {
          case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
            return ShapeDimension(.value(Int(d.pointee.dim_value)), denotation: denotation)
          case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
            return ShapeDimension(.param(swiftString(d.pointee.dim_param)), denotation: denotation)
          default:
            return ShapeDimension(.unknown, denotation: denotation)
          }
        }
      } else {
        shape = nil
      }
      return .tensor(elementType: tensorType.pointee.elem_type, shape: shape)
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: return .opaque(field: 4, bytes: swiftBytes(p.sequence_type))
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return .opaque(field: 5, bytes: swiftBytes(p.map_type))
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
      return .opaque(field: 8, bytes: swiftBytes(p.sparse_tensor_type))
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: return .opaque(field: 9, bytes: swiftBytes(p.optional_type))
    default: return nil
    }
  }

  func pairs(
    _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?
  ) -> [StringPair] {
    messages(count, pointer).map { StringPair(key: swiftString($0.pointee.key), value: swiftString($0.pointee.value)) }
  }

  /// A TensorProto with its data moved into the raw little-endian layout, every size checked.
  func tensor(_ t: UnsafeMutablePointer<Onnx__TensorProto>, path: String) throws(FormatError) -> Tensor {
    let p = t.pointee
    let name = swiftString(p.name)
    let where_ = name.isEmpty ? path : path + " '" + name + "'"
    if p.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL || p.n_external_data > 0 {
      throw FormatError(
        .unsupported, where_,
        "external data (data_location=EXTERNAL) is not supported yet; save the model with its weights inside")
    }
    if p.segment != nil {
      throw FormatError(.unsupported, where_ + ".segment", "segmented tensors are not supported")
    }
    guard let dataType = DataType(rawValue: p.data_type), dataType != .undefined else {
      throw FormatError(.invalid, where_ + ".data_type", "unknown data type " + String(p.data_type))
    }
    let dims = swiftArray(p.n_dims, p.dims).map { Int($0) }
    for (index, d) in dims.enumerated() where d < 0 {
      throw FormatError(.invalid, where_ + ".dims", "dim " + String(index) + " is negative (" + String(d) + ")")
    }
    guard let count = elementCount(dims) else {
      throw FormatError(.invalid, where_ + ".dims", "the element count overflows: dims " + dimsText(dims))
    }
    var result = Tensor(
      name: name, dataType: dataType, dims: dims, docString: swiftString(p.doc_string),
      metadata: pairs(p.n_metadata_props, p.metadata_props))

    if dataType == .string {
      result.strings = swiftArray(p.n_string_data, p.string_data).map(swiftBytes)
      if result.strings.count != count {
        throw FormatError(
          .invalid, where_ + ".string_data",
          "holds " + String(result.strings.count) + " strings, dims " + dimsText(dims) + " need " + String(count))
      }
      return result
    }
    guard let expected = dataType.storageBytes(count: count) else {
      throw FormatError(.invalid, where_ + ".dims", "the byte size overflows: dims " + dimsText(dims))
    }
    if p.raw_data.len > 0 || fieldCount(p) == 0 {
      if p.raw_data.len != expected {
        throw FormatError(
          .invalid, where_ + ".raw_data",
          "holds " + String(p.raw_data.len) + " bytes, but " + dataType.name + " " + dimsText(dims) + " needs "
            + String(expected))
      }
      result.bytes = swiftBytes(p.raw_data)
      return result
    }
    result.bytes = try typedFieldBytes(p, dataType: dataType, count: count, expected: expected, path: where_)
    return result
  }

  private func fieldCount(_ p: Onnx__TensorProto) -> Int {
    p.n_float_data + p.n_int32_data + p.n_int64_data + p.n_double_data + p.n_uint64_data
  }

  /// Converts the typed data fields (float_data, int32_data, ...) to raw little-endian bytes.
  private func typedFieldBytes(
    _ p: Onnx__TensorProto, dataType: DataType, count: Int, expected: Int, path: String
  ) throws(FormatError) -> [UInt8] {
    var bytes: [UInt8] = []
    // `expected` comes from the dims, which the file controls: reserve no more than the values present
    // (at most 8 bytes each) can fill, so a tiny file cannot demand a huge allocation before the count check.
    bytes.reserveCapacity(min(expected, fieldCount(p) * 8))
    func check(_ field: String, _ have: Int, _ want: Int) throws(FormatError) {
      if have != want {
        throw FormatError(
          .invalid, path + "." + field,
          "holds " + String(have) + " values, but " + dataType.name + " " + dimsText(swiftArray(p.n_dims, p.dims).map { Int($0) }) + " needs "
            + String(want))
      }
    }
    switch dataType {
    case .float, .complex64:
      let values = swiftArray(p.n_float_data, p.float_data)
      try check("float_data", values.count, dataType == .float ? count : count * 2)
      for v in values { appendLittleEndian(&bytes, UInt64(v.bitPattern), width: 4) }
    case .double, .complex128:
      let values = swiftArray(p.n_double_data, p.double_data)
      try check("double_data", values.count, dataType == .double ? count : count * 2)
      for v in values { appendLittleEndian(&bytes, v.bitPattern, width: 8) }
    case .int64:
      let values = swiftArray(p.n_int64_data, p.int64_data)
      try check("int64_data", values.count, count)
      for v in values { appendLittleEndian(&bytes, UInt64(bitPattern: v), width: 8) }
    case .uint32, .uint64:
      let values = swiftArray(p.n_uint64_data, p.uint64_data)
      try check("uint64_data", values.count, count)
      for v in values { appendLittleEndian(&bytes, v, width: dataType == .uint32 ? 4 : 8) }
    case .uint4, .int4, .float4e2m1, .uint2, .int2:
      // Already packed: each int32 holds one byte of packed elements.
      let values = swiftArray(p.n_int32_data, p.int32_data)
      try check("int32_data", values.count, expected)
      for v in values { bytes.append(UInt8(truncatingIfNeeded: v)) }
    default:
      // int32 and every type of 16 bits or less: one element per int32, bit pattern in the low bits.
      let values = swiftArray(p.n_int32_data, p.int32_data)
      try check("int32_data", values.count, count)
      let width = dataType.bitsPerElement / 8
      for v in values { appendLittleEndian(&bytes, UInt64(UInt32(bitPattern: v)), width: width) }
    }
    return bytes
  }

}

func appendLittleEndian(_ bytes: inout [UInt8], _ value: UInt64, width: Int) {
  for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
}

/// Dims as users read them: `[1, 3, 224, 224]`.
public func dimsText(_ dims: [Int]) -> String {
  var text = "["
  for (index, d) in dims.enumerated() {
    if index > 0 { text += ", " }
    text += String(d)
  }
  return text + "]"
}
