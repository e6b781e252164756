/// Builds the header exactly as numpy.save does, so files we write are byte-identical to numpy's.
enum NpyHeaderWriter {
  /// numpy aligns the data to 64 bytes so the file can be memory-mapped for any dtype.
  static let alignment = 64
  /// numpy leaves room for the growth axis to reach 21 digits, so arrays can be appended in place.
  static let growthAxisDigits = 21

  /// Magic, version, length and padded header text; the data follows directly.
  static func headerBytes(descr: String, shape: [Int]) -> [UInt8]? {
    var text = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tupleText(shape) + ", }"
    if let first = shape.first { text += spaces(growthAxisDigits - String(first).utf8.count) }
    let dict = Array(text.utf8)
    // Version 1.0 is used whenever its 2-byte length field suffices, as numpy does.
    if let header = wrap(dict, major: 1, lengthWidth: 2, maximumLength: Int(UInt16.max)) { return header }
    return wrap(dict, major: 2, lengthWidth: 4, maximumLength: Int(UInt32.max))
  }

  private static func wrap(_ dict: [UInt8], major: UInt8, lengthWidth: Int, maximumLength: Int) -> [UInt8]? {
    let prefixLength = NpyPreamble.magic.count + 2 + lengthWidth
    let withNewline = dict.count + 1
    // Like numpy, pads a full 64 bytes rather than none when already aligned.
    let padding = alignment - (prefixLength + withNewline) % alignment
    let headerLength = withNewline + padding
    if headerLength > maximumLength { return nil }
    var bytes = NpyPreamble.magic
    bytes.reserveCapacity(prefixLength + headerLength)
    bytes.append(major)
    bytes.append(0)
    for index in 0..<lengthWidth { bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * index))) }
    bytes.append(contentsOf: dict)
    bytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))
    bytes.append(UInt8(ascii: "\n"))
    return bytes
  }

  /// Python's repr of a tuple: `()`, `(3,)`, `(2, 3)`.
  static func tupleText(_ shape: [Int]) -> String {
    var text = "("
    for (index, d) in shape.enumerated() {
      if index > 0 { text += " " }
      text += String(d) + ","
    }
    if shape.count > 1 { text.removeLast() }
    return text + ")"
  }

  private static func spaces(_ count: Int) -> String {
    String(decoding: [UInt8](repeating: UInt8(ascii: " "), count: max(count, 0)), as: UTF8.self)
  }
}
