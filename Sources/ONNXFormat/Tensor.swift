/// A tensor's value as ONNX stores it: element type, dims and little-endian bytes.
///
/// Numeric data is always held in `bytes` (the `raw_data` layout, sub-byte types packed low nibble first),
/// whichever typed field the file used; string tensors hold `strings`.
public struct Tensor: Equatable {
  public var name: String
  public var dataType: DataType
  public var dims: [Int]
  public var bytes: [UInt8]
  public var strings: [[UInt8]]
  public var docString: String
  public var metadata: [StringPair]

  public init(
    name: String = "", dataType: DataType, dims: [Int], bytes: [UInt8] = [], strings: [[UInt8]] = [],
    docString: String = "", metadata: [StringPair] = []
  ) {
    self.name = name
    self.dataType = dataType
    self.dims = dims
    self.bytes = bytes
    self.strings = strings
    self.docString = docString
    self.metadata = metadata
  }

  /// Element count; dims are validated on load, so this cannot overflow for a loaded tensor.
  public var count: Int { elementCount(dims) ?? 0 }
}

/// A key/value pair (`StringStringEntryProto`).
public struct StringPair: Equatable {
  public var key: String
  public var value: String
  public init(key: String, value: String) {
    self.key = key
    self.value = value
  }
}
