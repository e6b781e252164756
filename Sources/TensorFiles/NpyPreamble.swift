import ONNXFormat

/// The part of a .npy file before its header text: magic, version and header length.
struct NpyPreamble {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

  var major: UInt8
  var headerStart: Int
  var headerLength: Int

  var dataStart: Int { headerStart + headerLength }

  init(_ bytes: [UInt8]) throws(FormatError) {
    let context = "npy header"
    if bytes.count < NpyPreamble.magic.count || !bytes[0..<NpyPreamble.magic.count].elementsEqual(NpyPreamble.magic) {
      throw FormatError(.malformed, context, "not a .npy file: bad magic (expected \\x93NUMPY)")
    }
    if bytes.count < 8 {
      throw FormatError(.truncated, context, "the file ends inside the format version: " + String(bytes.count) + " bytes")
    }
    major = bytes[6]
    let minor = bytes[7]
    // Version 2.0 widened the header length to 4 bytes; 3.0 only changed the header encoding to UTF-8.
    let lengthWidth: Int
    switch (major, minor) {
    case (1, 0): lengthWidth = 2
    case (2, 0), (3, 0): lengthWidth = 4
    default:
      throw FormatError(
        .unsupported, context,
        "format version " + String(major) + "." + String(minor) + " is not supported (only 1.0, 2.0, 3.0)")
    }
    headerStart = 8 + lengthWidth
    if bytes.count < headerStart {
      throw FormatError(
        .truncated, context,
        "the file has " + String(bytes.count) + " bytes, fewer than the " + String(headerStart)
          + "-byte preamble of version " + String(major) + ".0")
    }
    var length = 0
    for index in 0..<lengthWidth { length |= Int(bytes[8 + index]) << (8 * index) }
    headerLength = length
    let available = bytes.count - headerStart
    if available < length {
      throw FormatError(
        .truncated, context,
        "the header length field says " + String(length) + " bytes, but only " + String(available) + " bytes follow")
    }
  }
}
