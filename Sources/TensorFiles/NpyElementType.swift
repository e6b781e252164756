import ONNXFormat

/// A numpy `descr` such as `<f4` or `|b1`, reduced to what a Tensor needs.
struct NpyElementType: Equatable {
  var dataType: DataType
  var itemSize: Int
  /// `>` data must be byte-swapped: Tensor bytes are always little-endian.
  var bigEndian: Bool

  static let supportedNames = "float32, float64 (read only), float16, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool"

  /// Parses a descr string; throws .unsupported for dtypes a Tensor cannot hold.
  init(descr: String) throws(FormatError) {
    let context = "npy header 'descr'"
    var characters = Array(descr.utf8)
    var bigEndian = false
    if let order = characters.first, order == UInt8(ascii: "<") || order == UInt8(ascii: ">")
      || order == UInt8(ascii: "|") || order == UInt8(ascii: "=")
    {
      bigEndian = order == UInt8(ascii: ">")
      characters.removeFirst()
    }
    if characters.first == UInt8(ascii: "O") {
      throw FormatError(
        .unsupported, context,
        "object arrays ('" + descr + "') hold Python objects, not numbers; save the array with a numeric dtype")
    }
    guard let kind = characters.first, let size = NpyElementType.decimal(characters.dropFirst()),
      let dataType = NpyElementType.dataType(kind: kind, size: size)
    else {
      throw FormatError(
        .unsupported, context, "dtype '" + descr + "' is not supported; supported dtypes: " + NpyElementType.supportedNames)
    }
    self.dataType = dataType
    self.itemSize = size
    // A single byte has no byte order, whatever the prefix says.
    self.bigEndian = bigEndian && size > 1
  }

  /// The descr numpy.save writes for `dataType`, or nil when .npy output is not offered for it.
  static func descr(for dataType: DataType) -> String? {
    switch dataType {
    case .float: return "<f4"
    case .float16: return "<f2"
    case .uint8: return "|u1"
    case .int8: return "|i1"
    case .bool: return "|b1"
    case .uint16: return "<u2"
    case .int16: return "<i2"
    case .uint32: return "<u4"
    case .int32: return "<i4"
    case .uint64: return "<u8"
    case .int64: return "<i8"
    // float64 is read-only: the runtime never produces it, and writing it would invite
    // comparing float32 results against needlessly wide references.
    default: return nil
    }
  }

  private static func dataType(kind: UInt8, size: Int) -> DataType? {
    switch (kind, size) {
    case (UInt8(ascii: "f"), 2): return .float16
    case (UInt8(ascii: "f"), 4): return .float
    case (UInt8(ascii: "f"), 8): return .double
    case (UInt8(ascii: "i"), 1): return .int8
    case (UInt8(ascii: "i"), 2): return .int16
    case (UInt8(ascii: "i"), 4): return .int32
    case (UInt8(ascii: "i"), 8): return .int64
    case (UInt8(ascii: "u"), 1): return .uint8
    case (UInt8(ascii: "u"), 2): return .uint16
    case (UInt8(ascii: "u"), 4): return .uint32
    case (UInt8(ascii: "u"), 8): return .uint64
    case (UInt8(ascii: "b"), 1): return .bool
    default: return nil
    }
  }

  private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
    if digits.isEmpty || digits.count > 2 { return nil }
    var value = 0
    for d in digits {
      guard d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(d - UInt8(ascii: "0"))
    }
    return value
  }
}
