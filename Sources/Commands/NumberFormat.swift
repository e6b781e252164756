/// Number formatting without Foundation or the runtime's float printing (absent in Embedded Swift).
public enum NumberFormat {
  /// Like C's `%.6g`: six significant digits, fixed or scientific notation, trailing zeros dropped.
  public static func float(_ value: Double, significant: Int = 6) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == 0 { return value.sign == .minus ? "-0" : "0" }
    let negative = value < 0
    var magnitude = negative ? -value : value
    var exponent = 0
    while magnitude >= 10 {
      magnitude /= 10
      exponent += 1
    }
    while magnitude < 1 {
      magnitude *= 10
      exponent -= 1
    }
    var scale = 1
    for _ in 1..<significant { scale *= 10 }
    var digits = Int((magnitude * Double(scale)).rounded(.toNearestOrEven))
    if digits >= scale * 10 {
      digits /= 10
      exponent += 1
    }
    var text = String(digits)  // `significant` digits, first nonzero
    let sign = negative ? "-" : ""
    if exponent >= -5 && exponent < significant {
      if exponent >= 0 {
        let integerDigits = exponent + 1
        var fraction = String(text.dropFirst(integerDigits))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let whole = String(text.prefix(integerDigits))
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
      }
      while text.hasSuffix("0") { text.removeLast() }
      return sign + "0." + String(repeating: "0", count: -exponent - 1) + text
    }
    var fraction = String(text.dropFirst())
    while fraction.hasSuffix("0") { fraction.removeLast() }
    let mantissa = String(text.prefix(1)) + (fraction.isEmpty ? "" : "." + fraction)
    let exponentText = (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
    return sign + mantissa + "e" + exponentText
  }

  /// `value` with exactly `decimals` digits after the point (rounded half to even).
  public static func fixed(_ value: Double, decimals: Int) -> String {
    if value.isNaN { return "nan" }
    var scale = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((abs(value) * Double(scale)).rounded(.toNearestOrEven))
    let whole = scaled / scale
    let fraction = String(scaled % scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    if decimals == 0 { return sign + String(whole) }
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.utf8.count) + fraction
  }

  /// A duration in nanoseconds as `812 ns`, `41.3 us`, `1.27 ms` or `2.50 s`.
  public static func duration(nanoseconds: UInt64) -> String {
    let ns = Double(nanoseconds)
    if nanoseconds < 1_000 { return String(nanoseconds) + " ns" }
    if nanoseconds < 1_000_000 { return fixed(ns / 1e3, decimals: ns < 1e5 ? 1 : 0) + " us" }
    if nanoseconds < 1_000_000_000 { return fixed(ns / 1e6, decimals: ns < 1e8 ? 2 : 1) + " ms" }
    return fixed(ns / 1e9, decimals: 2) + " s"
  }

  /// Bytes with thousands separators: `1,234,567`.
  public static func bytes(_ count: Int) -> String {
    let digits = String(count)
    var result = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
      result.append(character)
    }
    return result
  }
}
