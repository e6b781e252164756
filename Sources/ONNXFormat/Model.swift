/// An operator set a model imports (`OperatorSetIdProto`); the empty domain is `ai.onnx`.
public struct OpsetImport: Equatable {
  public var domain: String
  public var version: Int
  public init(domain: String, version: Int) {
    self.domain = domain
    self.version = version
  }
}

/// A whole ONNX model (`ModelProto`).
public struct Model: Equatable {
  public var irVersion: Int
  public var opsetImports: [OpsetImport]
  public var producerName: String
  public var producerVersion: String
  public var domain: String
  public var modelVersion: Int
  public var docString: String
  public var graph: Graph
  public var metadata: [StringPair]
  /// TrainingInfoProto, FunctionProto and DeviceConfigurationProto entries, kept encoded.
  public var opaqueTrainingInfo: [[UInt8]]
  public var opaqueFunctions: [[UInt8]]
  public var opaqueConfigurations: [[UInt8]]

  public init(
    irVersion: Int, opsetImports: [OpsetImport], producerName: String = "onnx-quant", producerVersion: String = "",
    domain: String = "", modelVersion: Int = 0, docString: String = "", graph: Graph, metadata: [StringPair] = [],
    opaqueTrainingInfo: [[UInt8]] = [], opaqueFunctions: [[UInt8]] = [], opaqueConfigurations: [[UInt8]] = []
  ) {
    self.irVersion = irVersion
    self.opsetImports = opsetImports
    self.producerName = producerName
    self.producerVersion = producerVersion
    self.domain = domain
    self.modelVersion = modelVersion
    self.docString = docString
    self.graph = graph
    self.metadata = metadata
    self.opaqueTrainingInfo = opaqueTrainingInfo
    self.opaqueFunctions = opaqueFunctions
    self.opaqueConfigurations = opaqueConfigurations
  }

  /// The imported version of `domain` (`""` and `ai.onnx` are the same domain), if imported.
  public func opsetVersion(_ domain: String) -> Int? {
    let wanted = domain == "ai.onnx" ? "" : domain
    for opset in opsetImports where (opset.domain == "ai.onnx" ? "" : opset.domain) == wanted {
      return opset.version
    }
    return nil
  }
}
