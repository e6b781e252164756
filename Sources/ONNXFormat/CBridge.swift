import CONNXProto

// Conversions between protobuf-c's C representations and Swift values, shared by the decoder and encoder.

/// A NUL-terminated C string as a Swift String (nil reads as empty, as protobuf-c's default).
func swiftString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
  guard let pointer else { return "" }
  var length = 0
  while pointer[length] != 0 { length += 1 }
  return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
  }
}

func swiftBytes(_ data: ProtobufCBinaryData) -> [UInt8] {
  guard data.len > 0, let pointer = data.data else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: data.len))
}

func swiftArray<T>(_ count: Int, _ pointer: UnsafeMutablePointer<T>?) -> [T] {
  guard count > 0, let pointer else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// Every pointer of a protobuf-c repeated message field, skipping nulls.
func messages<T>(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) -> [UnsafeMutablePointer<T>] {
  guard count > 0, let pointer else { return [] }
  var result: [UnsafeMutablePointer<T>] = []
  result.reserveCapacity(count)
  for index in 0..<count {
    if let element = pointer[index] { result.append(element) }
  }
  return result
}

/// C memory that an encoder builds a message tree in; all of it is released together.
final class CAllocations {
  private var blocks: [UnsafeMutableRawPointer] = []

  deinit {
    for block in blocks { block.deallocate() }
  }

  func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
    blocks.append(UnsafeMutableRawPointer(pointer))
    return pointer
  }

  func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
    var utf8 = Array(string.utf8)
    utf8.append(0)
    let pointer = allocate(CChar.self, count: utf8.count)
    for index in 0..<utf8.count { pointer[index] = CChar(bitPattern: utf8[index]) }
    return pointer
  }

  func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
    if bytes.isEmpty { return ProtobufCBinaryData(len: 0, data: nil) }
    let pointer = allocate(UInt8.self, count: bytes.count)
    pointer.initialize(from: bytes, count: bytes.count)
    return ProtobufCBinaryData(len: bytes.count, data: pointer)
  }

  func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
    if values.isEmpty { return nil }
    let pointer = allocate(T.self, count: values.count)
    pointer.initialize(from: values, count: values.count)
    return pointer
  }

  func binaries(_ values: [[UInt8]]) -> UnsafeMutablePointer<ProtobufCBinaryData>? {
    array(values.map { binary($0) })
  }

  func cStrings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    array(values.map { Optional(cString($0)) })
  }

  /// A repeated message field: each element built by `make` in this allocation set.
  func messageArray<S, T>(_ values: [S], _ make: (S) -> UnsafeMutablePointer<T>)
    -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>?
  {
    array(values.map { Optional(make($0)) })
  }
}
