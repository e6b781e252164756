/// A node attribute's value (`AttributeProto`, all kinds).
public enum AttributeValue: Equatable {
  case float(Float)
  case int(Int)
  case string([UInt8])
  case tensor(Tensor)
  case graph(Graph)
  case floats([Float])
  case ints([Int])
  case strings([[UInt8]])
  case tensors([Tensor])
  case graphs([Graph])
  /// SparseTensorProto, kept encoded.
  case sparseTensor([UInt8])
  case sparseTensors([[UInt8]])
  /// TypeProto, kept encoded.
  case typeProto([UInt8])
  case typeProtos([[UInt8]])
  /// Only the reference (inside functions); no value.
  case undefined

  /// The `AttributeProto.AttributeType` number.
  public var typeNumber: Int32 {
    switch self {
    case .undefined: return 0
    case .float: return 1
    case .int: return 2
    case .string: return 3
    case .tensor: return 4
    case .graph: return 5
    case .floats: return 6
    case .ints: return 7
    case .strings: return 8
    case .tensors: return 9
    case .graphs: return 10
    case .sparseTensor: return 11
    case .sparseTensors: return 12
    case .typeProto: return 13
    case .typeProtos: return 14
    }
  }
}

public struct Attribute: Equatable {
  public var name: String
  public var value: AttributeValue
  public var refAttrName: String
  public var docString: String

  public init(name: String, value: AttributeValue, refAttrName: String = "", docString: String = "") {
    self.name = name
    self.value = value
    self.refAttrName = refAttrName
    self.docString = docString
  }
}
