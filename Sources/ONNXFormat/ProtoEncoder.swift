import CONNXProto

/// Builds protobuf-c's message tree from the Swift model, in memory owned by `allocations`.
/// Numeric tensors are always written as raw_data.
struct ProtoEncoder {
  let allocations = CAllocations()

  func model(_ model: Model) -> UnsafeMutablePointer<Onnx__ModelProto> {
    let m = allocations.allocate(Onnx__ModelProto.self, count: 1)
    onnx__model_proto__init(m)
    m.pointee.ir_version = Int64(model.irVersion)
    m.pointee.n_opset_import = model.opsetImports.count
    m.pointee.opset_import = allocations.messageArray(model.opsetImports) { opset in
      let o = allocations.allocate(Onnx__OperatorSetIdProto.self, count: 1)
      onnx__operator_set_id_proto__init(o)
      o.pointee.domain = allocations.cString(opset.domain)
      o.pointee.version = Int64(opset.version)
      return o
    }
    m.pointee.producer_name = allocations.cString(model.producerName)
    m.pointee.producer_version = allocations.cString(model.producerVersion)
    m.pointee.domain = allocations.cString(model.domain)
    m.pointee.model_version = Int64(model.modelVersion)
    m.pointee.doc_string = allocations.cString(model.docString)
    m.pointee.graph = graph(model.graph)
    (m.pointee.n_metadata_props, m.pointee.metadata_props) = pairs(model.metadata)
    m.pointee.n_training_info = model.opaqueTrainingInfo.count
    m.pointee.training_info = allocations.binaries(model.opaqueTrainingInfo)
    m.pointee.n_functions = model.opaqueFunctions.count
    m.pointee.functions = allocations.binaries(model.opaqueFunctions)
    m.pointee.n_configuration = model.opaqueConfigurations.count
    m.pointee.configuration = allocations.binaries(model.opaqueConfigurations)
    return m
  }

  func graph(_ graph: Graph) -> UnsafeMutablePointer<Onnx__GraphProto> {
    let g = allocations.allocate(Onnx__GraphProto.self, count: 1)
    onnx__graph_proto__init(g)
    g.pointee.name = allocations.cString(graph.name)
    g.pointee.n_node = graph.nodes.count
    g.pointee.node = allocations.messageArray(graph.nodes, node)
    g.pointee.n_initializer = graph.initializers.count
    g.pointee.initializer = allocations.messageArray(graph.initializers, tensor)
    g.pointee.n_sparse_initializer = graph.opaqueSparseInitializers.count
    g.pointee.sparse_initializer = allocations.binaries(graph.opaqueSparseInitializers)
    g.pointee.doc_string = allocations.cString(graph.docString)
    g.pointee.n_input = graph.inputs.count
    g.pointee.input = allocations.messageArray(graph.inputs, valueInfo)
    g.pointee.n_output = graph.outputs.count
    g.pointee.output = allocations.messageArray(graph.outputs, valueInfo)
    g.pointee.n_value_info = graph.valueInfo.count
    g.pointee.value_info = allocations.messageArray(graph.valueInfo, valueInfo)
    g.pointee.n_quantization_annotation = graph.quantizationAnnotations.count
    g.pointee.quantization_annotation = allocations.messageArray(graph.quantizationAnnotations) { annotation in
      let a = allocations.allocate(Onnx__TensorAnnotation.self, count: 1)
      onnx__tensor_annotation__init(a)
      a.pointee.tensor_name = allocations.cString(annotation.tensorName)
      (a.pointee.n_quant_parameter_tensor_names, a.pointee.quant_parameter_tensor_names) = pairs(
        annotation.quantParameterTensorNames)
      return a
    }
    (g.pointee.n_metadata_props, g.pointee.metadata_props) = pairs(graph.metadata)
    return g
  }

  func node(_ node: Node) -> UnsafeMutablePointer<Onnx__NodeProto> {
    let n = allocations.allocate(Onnx__NodeProto.self, count: 1)
    onnx__node_proto__init(n)
    n.pointee.n_input = node.inputs.count
    n.pointee.input = allocations.cStrings(node.inputs)
    n.pointee.n_output = node.outputs.count
    n.pointee.output = allocations.cStrings(node.outputs)
    n.pointee.name = allocations.cString(node.name)
    n.pointee.op_type = allocations.cString(node.opType)
    n.pointee.domain = allocations.cString(node.domain)
    n.pointee.overload = allocations.cString(node.overload)
    n.pointee.n_attribute = node.attributes.count
    n.pointee.attribute = allocations.messageArray(node.attributes, attribute)
    n.pointee.doc_string = allocations.cString(node.docString)
    (n.pointee.n_metadata_props, n.pointee.metadata_props) = pairs(node.metadata)
    n.pointee.n_device_configurations = node.opaqueDeviceConfigurations.count
    n.pointee.device_configurations = allocations.binaries(node.opaqueDeviceConfigurations)
    return n
  }

  func attribute(_ attribute: Attribute) -> UnsafeMutablePointer<Onnx__AttributeProto> {
    let a = allocations.allocate(Onnx__AttributeProto.self, count: 1)
    onnx__attribute_proto__init(a)
    a.pointee.name = allocations.cString(attribute.name)
    a.pointee.ref_attr_name = allocations.cString(attribute.refAttrName)
    a.pointee.doc_string = allocations.cString(attribute.docString)
    a.pointee.type = Onnx__AttributeProto__AttributeType(rawValue: UInt32(attribute.value.typeNumber))
    switch attribute.value {
    case .undefined: break
    case .float(let v): a.pointee.f = v
    case .int(let v): a.pointee.i = Int64(v)
    case .string(let v): a.pointee.s = allocations.binary(v)
    case .tensor(let v): a.pointee.t = tensor(v)
    case .graph(let v): a.pointee.g = graph(v)
    case .floats(let v):
      a.pointee.n_floats = v.count
      a.pointee.floats = allocations.array(v)
    case .ints(let v):
      a.pointee.n_ints = v.count
      a.pointee.ints = allocations.array(v.map { Int64($0) })
    case .strings(let v):
      a.pointee.n_strings = v.count
      a.pointee.strings = allocations.binaries(v)
    case .tensors(let v):
      a.pointee.n_tensors = v.count
      a.pointee.tensors = allocations.messageArray(v, tensor)
    case .graphs(let v):
      a.pointee.n_graphs = v.count
      a.pointee.graphs = allocations.messageArray(v, graph)
    case .sparseTensor(let v): a.pointee.sparse_tensor = allocations.binary(v)
    case .sparseTensors(let v):
      a.pointee.n_sparse_tensors = v.count
      a.pointee.sparse_tensors = allocations.binaries(v)
    case .typeProto(let v): a.pointee.tp = allocations.binary(v)
    case .typeProtos(let v):
      a.pointee.n_type_protos = v.count
      a.pointee.type_protos = allocations.binaries(v)
    }
    return a
  }

  func valueInfo(_ info: ValueInfo) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
    let v = allocations.allocate(Onnx__ValueInfoProto.self, count: 1)
    onnx__value_info_proto__init(v)
    v.pointee.name = allocations.cString(info.name)
    if let type = info.type { v.pointee.type = valueType(type, denotation: info.typeDenotation) }
    v.pointee.doc_string = allocations.cString(info.docString)
    (v.pointee.n_metadata_props, v.pointee.metadata_props) = pairs(info.metadata)
    return v
  }

  func valueType(_ type: ValueType, denotation: String) -> UnsafeMutablePointer<Onnx__TypeProto> {
    let t = allocations.allocate(Onnx__TypeProto.self, count: 1)
    onnx__type_proto__init(t)
    t.pointee.denotation = allocations.cString(denotation)
    switch type {
    case .tensor(let elementType, let shape):
      let tensorType = allocations.allocate(Onnx__TypeProto__Tensor.self, count: 1)
      onnx__type_proto__tensor__init(tensorType)
      tensorType.pointee.elem_type = elementType
      if let shape {
        let s = allocations.allocate(Onnx__TensorShapeProto.self, count: 1)
        onnx__tensor_shape_proto__init(s)
        s.pointee.n_dim = shape.count
        s.pointee.dim = allocations.messageArray(shape) { dimension in
          let d = allocations.allocate(Onnx__TensorShapeProto__Dimension.self, count: 1)
          onnx__tensor_shape_proto__dimension__init(d)
          d.pointee.denotation = allocations.cString(dimension.denotation)
          switch dimension.dimension {
          case .value(let v):
            d.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
            d.pointee.dim_value = Int64(v)
          case .param(let name):
            d.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
            d.pointee.dim_param = allocations.cString(name)
          case .unknown: break
          }
          return d
        }
        tensorType.pointee.shape = s
      }
      t.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      t.pointee.tensor_type = tensorType
    case .opaque(let field, let bytes):
      let data = allocations.binary(bytes)
      switch field {
      case 4:
        t.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
        t.pointee.sequence_type = data
      case 5:
        t.pointee.value_case = ONNX__TYPE_PROTO__VALUE_MAP_TYPE
        t.pointee.map_type = data
      case 8:
        t.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE
        t.pointee.sparse_tensor_type = data
      default:
        t.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE
        t.pointee.optional_type = data
      }
    }
    return t
  }

  func tensor(_ tensor: Tensor) -> UnsafeMutablePointer<Onnx__TensorProto> {
    let t = allocations.allocate(Onnx__TensorProto.self, count: 1)
    onnx__tensor_proto__init(t)
    t.pointee.name = allocations.cString(tensor.name)
    t.pointee.doc_string = allocations.cString(tensor.docString)
    t.pointee.n_dims = tensor.dims.count
    t.pointee.dims = allocations.array(tensor.dims.map { Int64($0) })
    t.pointee.data_type = tensor.dataType.rawValue
    if tensor.dataType == .string {
      t.pointee.n_string_data = tensor.strings.count
      t.pointee.string_data = allocations.binaries(tensor.strings)
    } else {
      t.pointee.raw_data = allocations.binary(tensor.bytes)
    }
    (t.pointee.n_metadata_props, t.pointee.metadata_props) = pairs(tensor.metadata)
    return t
  }

  func pairs(_ values: [StringPair]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) {
    let array = allocations.messageArray(values) { pair in
      let e = allocations.allocate(Onnx__StringStringEntryProto.self, count: 1)
      onnx__string_string_entry_proto__init(e)
      e.pointee.key = allocations.cString(pair.key)
      e.pointee.value = allocations.cString(pair.value)
      return e
    }
    return (values.count, array)
  }
}
