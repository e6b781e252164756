/// A minimal JSON text builder: enough for reports, with correct string escaping.
public struct JSONWriter {
  public private(set) var text = ""
  private var needsComma: [Bool] = [false]

  public init() {}

  public mutating func beginObject(_ key: String? = nil) { open(key, "{") }
  public mutating func endObject() { close("}") }
  public mutating func beginArray(_ key: String? = nil) { open(key, "[") }
  public mutating func endArray() { close("]") }

  public mutating func string(_ key: String?, _ value: String) { element(key, quoted(value)) }
  public mutating func int(_ key: String?, _ value: Int) { element(key, String(value)) }
  public mutating func bool(_ key: String?, _ value: Bool) { element(key, value ? "true" : "false") }
  public mutating func null(_ key: String?) { element(key, "null") }
  /// A number already formatted by the caller (floats are formatted where their precision is known).
  public mutating func raw(_ key: String?, _ value: String) { element(key, value) }

  private mutating func open(_ key: String?, _ bracket: String) {
    element(key, bracket)
    needsComma.append(false)
  }

  private mutating func close(_ bracket: String) {
    needsComma.removeLast()
    text += bracket
  }

  private mutating func element(_ key: String?, _ value: String) {
    if needsComma[needsComma.count - 1] { text += "," }
    needsComma[needsComma.count - 1] = true
    if let key { text += quoted(key) + ":" }
    text += value
  }

  private func quoted(_ value: String) -> String {
    var result = "\""
    for scalar in value.unicodeScalars {
      let unit = scalar.value
      switch unit {
      case 0x22: result += "\\\""
      case 0x5C: result += "\\\\"
      case 0x0A: result += "\\n"
      case 0x0D: result += "\\r"
      case 0x09: result += "\\t"
      case 0..<0x20:
        let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        result += "\\u00" + String(hex[Int(unit >> 4)]) + String(hex[Int(unit & 15)])
      default:
        result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
