import ONNXFormat

/// A heap buffer owned by the model, allocated once at load and aligned for vector loads.
/// Holds weights, folded constants and packed kernel parameters; never touched by `run` except to read.
public final class Storage {
  public static let alignment = 64
  public let pointer: UnsafeMutableRawPointer
  public let byteCount: Int

  public init(byteCount: Int) {
    self.byteCount = byteCount
    pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: Storage.alignment)
    pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
  }

  public convenience init(bytes: [UInt8]) {
    self.init(byteCount: bytes.count)
    bytes.withUnsafeBytes { source in
      if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) }
    }
  }

  /// A buffer holding `values` as `T`.
  public convenience init<T>(values: [T]) {
    self.init(byteCount: values.count * MemoryLayout<T>.stride)
    values.withUnsafeBytes { source in
      if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: source.count) }
    }
  }

  deinit { pointer.deallocate() }

  public func typed<T>(_ type: T.Type) -> UnsafeMutablePointer<T> { pointer.assumingMemoryBound(to: T.self) }
}

/// A tensor whose value is known at load time: an initializer, a Constant node, or a folded result.
public struct Constant {
  public var type: TensorType
  public var storage: Storage

  public init(type: TensorType, storage: Storage) {
    self.type = type
    self.storage = storage
  }

  /// A constant from a model tensor (raw little-endian bytes; the hosts and boards are little-endian).
  public init(_ tensor: Tensor) throws(RuntimeError) {
    if tensor.dataType == .string {
      throw RuntimeError(.unsupported, "tensor '" + tensor.name + "': string tensors are not supported")
    }
    type = TensorType(tensor.dataType, tensor.dims)
    storage = Storage(bytes: tensor.bytes)
  }

  public init<T>(_ dataType: DataType, _ shape: [Int], values: [T]) {
    type = TensorType(dataType, shape)
    storage = Storage(values: values)
  }

  public func values<T>(_ type: T.Type) -> [T] {
    Array(UnsafeBufferPointer(start: storage.typed(T.self), count: self.type.count))
  }

  /// Integer contents (int64, int32, int8, uint8, bool...) as Int, for shape-like inputs.
  public func integers() -> [Int]? {
    let count = type.count
    switch type.dataType {
    case .int64: return values(Int64.self).map { Int($0) }
    case .int32: return values(Int32.self).map { Int($0) }
    case .int16: return values(Int16.self).map { Int($0) }
    case .int8: return values(Int8.self).map { Int($0) }
    case .uint8, .bool: return values(UInt8.self).map { Int($0) }
    case .uint16: return values(UInt16.self).map { Int($0) }
    case .uint32: return values(UInt32.self).map { Int($0) }
    case .uint64: return values(UInt64.self).map { Int(truncatingIfNeeded: $0) }
    default: return count == 0 ? [] : nil
    }
  }

  /// Floating contents as Float (float32, float64, float16 not included).
  public func floats() -> [Float]? {
    switch type.dataType {
    case .float: return values(Float.self)
    case .double: return values(Double.self).map { Float($0) }
    default:
      if let ints = integers() { return ints.map { Float($0) } }
      return nil
    }
  }
}
