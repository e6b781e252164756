import ONNXFormat

/// Parses the Python dict literal of a .npy header by hand: numpy writes it with `repr`,
/// and there is no Python here to `literal_eval` it.
///
/// Accepts what numpy has ever written and what a person might type: keys in any order, either
/// quote style, any whitespace, trailing commas, `(3,)` and `()` shapes, Python 2 `3L` ints.
struct NpyHeaderParser {
  private let text: [UInt8]
  private var position = 0

  init(_ text: ArraySlice<UInt8>) { self.text = Array(text) }

  static func parse(_ text: ArraySlice<UInt8>) throws(FormatError) -> NpyHeader {
    var parser = NpyHeaderParser(text)
    return try parser.header()
  }

  private mutating func header() throws(FormatError) -> NpyHeader {
    let context = "npy header"
    skipWhitespace()
    if peek != UInt8(ascii: "{") {
      throw FormatError(.malformed, context, "is not a dict literal: expected '{', found " + describeNext())
    }
    position += 1
    var descr: String?
    var fortranOrder: Bool?
    var shape: [Int]?
    while true {
      skipWhitespace()
      if peek == UInt8(ascii: "}") { break }
      let key = try string(context)
      try expect(UInt8(ascii: ":"), context + " '" + key + "'")
      switch key {
      case "descr":
        if descr != nil { throw duplicate(key) }
        descr = try descrValue()
      case "fortran_order":
        if fortranOrder != nil { throw duplicate(key) }
        fortranOrder = try boolValue("npy header 'fortran_order'")
      case "shape":
        if shape != nil { throw duplicate(key) }
        shape = try shapeValue()
      default:
        throw FormatError(
          .malformed, context, "unexpected key '" + key + "'; a .npy header has only 'descr', 'fortran_order' and 'shape'")
      }
      skipWhitespace()
      if peek == UInt8(ascii: ",") {
        position += 1
      } else if peek != UInt8(ascii: "}") {
        throw FormatError(.malformed, context, "expected ',' or '}' after '" + key + "', found " + describeNext())
      }
    }
    position += 1
    skipWhitespace()
    if position < text.count {
      throw FormatError(.malformed, context, "unexpected " + describeNext() + " after the closing '}'")
    }
    guard let descr else { throw missing("descr") }
    guard let fortranOrder else { throw missing("fortran_order") }
    guard let shape else { throw missing("shape") }
    return NpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
  }

  private mutating func descrValue() throws(FormatError) -> String {
    let context = "npy header 'descr'"
    skipWhitespace()
    if peek == UInt8(ascii: "[") {
      throw FormatError(.unsupported, context, "structured arrays (a list of fields) are not supported")
    }
    return try string(context)
  }

  private mutating func boolValue(_ context: String) throws(FormatError) -> Bool {
    skipWhitespace()
    if consume("True") { return true }
    if consume("False") { return false }
    throw FormatError(.malformed, context, "expected True or False, found " + describeNext())
  }

  private mutating func shapeValue() throws(FormatError) -> [Int] {
    let context = "npy header 'shape'"
    try expect(UInt8(ascii: "("), context)
    var dims: [Int] = []
    var sawComma = false
    while true {
      skipWhitespace()
      if peek == UInt8(ascii: ")") { break }
      dims.append(try dim(index: dims.count, context))
      skipWhitespace()
      if peek == UInt8(ascii: ",") {
        position += 1
        sawComma = true
      } else if peek != UInt8(ascii: ")") {
        throw FormatError(.malformed, context, "expected ',' or ')' in the shape tuple, found " + describeNext())
      }
    }
    position += 1
    // In Python `(3)` is the int 3, not a tuple; numpy rejects it, and so do we, with the fix.
    if dims.count == 1 && !sawComma {
      throw FormatError(
        .malformed, context, "(" + String(dims[0]) + ") is an int, not a tuple; a 1-D shape is written (" + String(dims[0]) + ",)")
    }
    return dims
  }

  private mutating func dim(index: Int, _ context: String) throws(FormatError) -> Int {
    let start = position
    let negative = peek == UInt8(ascii: "-")
    if negative { position += 1 }
    var magnitude: UInt64 = 0
    var overflow = false
    var digits = 0
    while let c = peek, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
      let times10 = magnitude.multipliedReportingOverflow(by: 10)
      let plus = times10.partialValue.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
      overflow = overflow || times10.overflow || plus.overflow
      magnitude = plus.partialValue
      digits += 1
      position += 1
    }
    if digits == 0 {
      throw FormatError(.malformed, context, "expected an integer for dim " + String(index) + ", found " + describeNext())
    }
    let literal = String(decoding: text[start..<position], as: UTF8.self)
    if peek == UInt8(ascii: "L") { position += 1 }  // Python 2 long, as old numpy wrote it
    if negative && magnitude != 0 {
      throw FormatError(.invalid, context, "dim " + String(index) + " is negative (" + literal + ")")
    }
    if overflow || magnitude > UInt64(Int.max) {
      throw FormatError(.invalid, context, "dim " + String(index) + " (" + literal + ") does not fit in a 64-bit integer")
    }
    return Int(magnitude)
  }

  /// A quoted Python string; escapes are kept verbatim minus the backslash, enough for dtype names and keys.
  private mutating func string(_ context: String) throws(FormatError) -> String {
    skipWhitespace()
    guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
      throw FormatError(.malformed, context, "expected a quoted string, found " + describeNext())
    }
    position += 1
    var value: [UInt8] = []
    while let c = peek, c != quote {
      if c == UInt8(ascii: "\\") { position += 1 }
      if let escaped = peek { value.append(escaped) }
      position += 1
    }
    if peek == nil { throw FormatError(.malformed, context, "unterminated string") }
    position += 1
    return String(decoding: value, as: UTF8.self)
  }

  private mutating func expect(_ character: UInt8, _ context: String) throws(FormatError) {
    skipWhitespace()
    if peek != character {
      throw FormatError(
        .malformed, context, "expected '" + String(decoding: [character], as: UTF8.self) + "', found " + describeNext())
    }
    position += 1
  }

  private mutating func consume(_ word: StaticString) -> Bool {
    let count = word.utf8CodeUnitCount
    if text.count - position < count { return false }
    let matches = word.withUTF8Buffer { buffer in buffer.elementsEqual(text[position..<position + count]) }
    if matches { position += count }
    return matches
  }

  private mutating func skipWhitespace() {
    while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
      position += 1
    }
  }

  private var peek: UInt8? { position < text.count ? text[position] : nil }

  private func describeNext() -> String {
    guard let c = peek else { return "the end of the header" }
    let at = " at offset " + String(position)
    if c >= 0x20 && c < 0x7F { return "'" + String(decoding: [c], as: UTF8.self) + "'" + at }
    return "byte 0x" + String(c, radix: 16) + at
  }

  private func duplicate(_ key: String) -> FormatError {
    FormatError(.malformed, "npy header '" + key + "'", "the key appears twice")
  }

  private func missing(_ key: String) -> FormatError {
    FormatError(.malformed, "npy header '" + key + "'", "the header has no '" + key + "' entry")
  }
}
