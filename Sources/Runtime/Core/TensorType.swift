import ONNXFormat

/// A tensor's element type and static shape. Every value the runtime plans has one before the first run.
public struct TensorType: Equatable {
  public var dataType: DataType
  public var shape: [Int]

  public init(_ dataType: DataType, _ shape: [Int]) {
    self.dataType = dataType
    self.shape = shape
  }

  public var rank: Int { shape.count }
  /// Element count; shapes are validated when they are made, so this does not overflow.
  public var count: Int { elementCount(shape) ?? 0 }
  public var byteCount: Int { dataType.storageBytes(count: count) ?? 0 }

  /// `float32[1, 3, 224, 224]`
  public var text: String { dataType.name + dimsText(shape) }
}
