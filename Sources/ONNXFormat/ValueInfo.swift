/// One dimension of a declared shape.
public enum Dimension: Equatable {
  case value(Int)
  /// A symbolic dimension such as `batch`, fixed at load time.
  case param(String)
  /// Neither value nor name was given.
  case unknown
}

/// A declared dimension with its optional denotation (`DATA_BATCH`, ...).
public struct ShapeDimension: Equatable {
  public var dimension: Dimension
  public var denotation: String
  public init(_ dimension: Dimension, denotation: String = "") {
    self.dimension = dimension
    self.denotation = denotation
  }
}

/// The declared type of a graph value (`TypeProto`).
public enum ValueType: Equatable {
  /// A tensor; `shape` is nil when the rank is unknown.
  case tensor(elementType: Int32, shape: [ShapeDimension]?)
  /// A sequence, map, optional or sparse type, kept as its encoded bytes under its field number.
  case opaque(field: Int32, bytes: [UInt8])

  /// The element type, when it is a tensor of a known type.
  public var tensorElementType: DataType? {
    if case .tensor(let raw, _) = self { return DataType(rawValue: raw) }
    return nil
  }
}

/// A named, typed graph input, output or intermediate (`ValueInfoProto`).
public struct ValueInfo: Equatable {
  public var name: String
  public var type: ValueType?
  public var typeDenotation: String
  public var docString: String
  public var metadata: [StringPair]

  public init(
    name: String, type: ValueType?, typeDenotation: String = "", docString: String = "",
    metadata: [StringPair] = []
  ) {
    self.name = name
    self.type = type
    self.typeDenotation = typeDenotation
    self.docString = docString
    self.metadata = metadata
  }
}
