/// ONNX tensor element types, with the numbers of `TensorProto.DataType`.
public enum DataType: Int32, CaseIterable, Equatable {
  case undefined = 0
  case float = 1
  case uint8 = 2
  case int8 = 3
  case uint16 = 4
  case int16 = 5
  case int32 = 6
  case int64 = 7
  case string = 8
  case bool = 9
  case float16 = 10
  case double = 11
  case uint32 = 12
  case uint64 = 13
  case complex64 = 14
  case complex128 = 15
  case bfloat16 = 16
  case float8e4m3fn = 17
  case float8e4m3fnuz = 18
  case float8e5m2 = 19
  case float8e5m2fnuz = 20
  case uint4 = 21
  case int4 = 22
  case float4e2m1 = 23
  case float8e8m0 = 24
  case uint2 = 25
  case int2 = 26

  /// Storage bits per element; 0 where elements have no fixed size (strings, undefined).
  public var bitsPerElement: Int {
    switch self {
    case .undefined, .string: return 0
    case .uint2, .int2: return 2
    case .uint4, .int4, .float4e2m1: return 4
    case .uint8, .int8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
      return 8
    case .uint16, .int16, .float16, .bfloat16: return 16
    case .float, .int32, .uint32: return 32
    case .int64, .uint64, .double, .complex64: return 64
    case .complex128: return 128
    }
  }

  /// The name numpy and users know it by (`float32`, `int8`, ...).
  public var name: String {
    switch self {
    case .undefined: return "undefined"
    case .float: return "float32"
    case .uint8: return "uint8"
    case .int8: return "int8"
    case .uint16: return "uint16"
    case .int16: return "int16"
    case .int32: return "int32"
    case .int64: return "int64"
    case .string: return "string"
    case .bool: return "bool"
    case .float16: return "float16"
    case .double: return "float64"
    case .uint32: return "uint32"
    case .uint64: return "uint64"
    case .complex64: return "complex64"
    case .complex128: return "complex128"
    case .bfloat16: return "bfloat16"
    case .float8e4m3fn: return "float8e4m3fn"
    case .float8e4m3fnuz: return "float8e4m3fnuz"
    case .float8e5m2: return "float8e5m2"
    case .float8e5m2fnuz: return "float8e5m2fnuz"
    case .uint4: return "uint4"
    case .int4: return "int4"
    case .float4e2m1: return "float4e2m1"
    case .float8e8m0: return "float8e8m0"
    case .uint2: return "uint2"
    case .int2: return "int2"
    }
  }

  /// Bytes needed to store `count` elements (sub-byte types are packed, rounded up);
  /// nil when the size overflows.
  public func storageBytes(count: Int) -> Int? {
    let bits = count.multipliedReportingOverflow(by: bitsPerElement)
    if bits.overflow { return nil }
    return bits.partialValue / 8 + (bits.partialValue % 8 == 0 ? 0 : 1)
  }
}

/// Number of elements in a tensor of `dims`, or nil when a dim is negative or the product overflows `Int`.
public func elementCount(_ dims: [Int]) -> Int? {
  var count = 1
  for d in dims {
    if d < 0 { return nil }
    let product = count.multipliedReportingOverflow(by: d)
    if product.overflow { return nil }
    count = product.partialValue
  }
  return count
}
