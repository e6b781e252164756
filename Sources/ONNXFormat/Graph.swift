/// A computation graph (`GraphProto`); also the body of If/Loop/Scan attributes.
public struct Graph: Equatable {
  public var name: String
  public var nodes: [Node]
  public var initializers: [Tensor]
  /// SparseTensorProto initializers, kept encoded.
  public var opaqueSparseInitializers: [[UInt8]]
  public var inputs: [ValueInfo]
  public var outputs: [ValueInfo]
  public var valueInfo: [ValueInfo]
  public var quantizationAnnotations: [TensorAnnotation]
  public var docString: String
  public var metadata: [StringPair]

  public init(
    name: String = "", nodes: [Node] = [], initializers: [Tensor] = [], opaqueSparseInitializers: [[UInt8]] = [],
    inputs: [ValueInfo] = [], outputs: [ValueInfo] = [], valueInfo: [ValueInfo] = [],
    quantizationAnnotations: [TensorAnnotation] = [], docString: String = "", metadata: [StringPair] = []
  ) {
    self.name = name
    self.nodes = nodes
    self.initializers = initializers
    self.opaqueSparseInitializers = opaqueSparseInitializers
    self.inputs = inputs
    self.outputs = outputs
    self.valueInfo = valueInfo
    self.quantizationAnnotations = quantizationAnnotations
    self.docString = docString
    self.metadata = metadata
  }
}

/// Names of the tensors holding a tensor's quantization parameters (`TensorAnnotation`).
public struct TensorAnnotation: Equatable {
  public var tensorName: String
  public var quantParameterTensorNames: [StringPair]
  public init(tensorName: String, quantParameterTensorNames: [StringPair]) {
    self.tensorName = tensorName
    self.quantParameterTensorNames = quantParameterTensorNames
  }
}
