/// One operator application (`NodeProto`). An empty input name means an omitted optional input.
public struct Node: Equatable {
  public var name: String
  public var opType: String
  public var domain: String
  public var overload: String
  public var inputs: [String]
  public var outputs: [String]
  public var attributes: [Attribute]
  public var docString: String
  public var metadata: [StringPair]
  /// NodeDeviceConfigurationProto entries, kept encoded.
  public var opaqueDeviceConfigurations: [[UInt8]]

  public init(
    name: String = "", opType: String, domain: String = "", overload: String = "", inputs: [String],
    outputs: [String], attributes: [Attribute] = [], docString: String = "", metadata: [StringPair] = [],
    opaqueDeviceConfigurations: [[UInt8]] = []
  ) {
    self.name = name
    self.opType = opType
    self.domain = domain
    self.overload = overload
    self.inputs = inputs
    self.outputs = outputs
    self.attributes = attributes
    self.docString = docString
    self.metadata = metadata
    self.opaqueDeviceConfigurations = opaqueDeviceConfigurations
  }

  public func attribute(_ name: String) -> AttributeValue? {
    for attribute in attributes where attribute.name == name { return attribute.value }
    return nil
  }

  /// How errors name this node: its name when it has one, else its first output.
  public var displayName: String {
    let label = name.isEmpty ? (outputs.first ?? "") : name
    return opType + " node '" + label + "'"
  }
}
