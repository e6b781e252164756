/// Text for the `stream` loop without the heap: numbers are formatted into, and parsed from,
/// caller-owned byte buffers. No `String` is built per window.

/// Appends bytes to a fixed buffer; what does not fit is cut off (the buffers are sized at setup
/// for the longest line, so this only guards against a mistake).
struct ByteLine {
  let base: UnsafeMutablePointer<UInt8>
  let capacity: Int
  var count = 0

  init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
    base = buffer.baseAddress!
    capacity = buffer.count
  }

  var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

  mutating func clear() { count = 0 }

  mutating func byte(_ value: UInt8) {
    if count < capacity {
      base[count] = value
      count += 1
    }
  }

  mutating func text(_ value: StaticString) {
    let start = value.utf8Start
    for index in 0..<value.utf8CodeUnitCount { byte(start[index]) }
  }

  mutating func append(_ source: UnsafeBufferPointer<UInt8>) {
    for index in 0..<source.count { byte(source[index]) }
  }

  /// Bytes `start..<end` of `source`.
  mutating func append(_ source: UnsafeMutableBufferPointer<UInt8>, from start: Int, to end: Int) {
    var index = start
    while index < end {
      byte(source[index])
      index += 1
    }
  }

  mutating func int(_ value: Int) {
    if value < 0 {
      byte(45)  // -
      unsigned(UInt64(value.magnitude))
    } else {
      unsigned(UInt64(value))
    }
  }

  mutating func unsigned(_ value: UInt64) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var remaining = value
    var length = 0
    withUnsafeMutableBytes(of: &digits) { raw in
      repeat {
        raw[length] = UInt8(truncatingIfNeeded: remaining % 10) + 48
        remaining /= 10
        length += 1
      } while remaining > 0
    }
    withUnsafeBytes(of: &digits) { raw in
      var index = length - 1
      while index >= 0 {
        byte(raw[index])
        index -= 1
      }
    }
  }

  /// Like C's `%.6g` (the same text as `NumberFormat.float`): `significant` digits, fixed or
  /// scientific notation, trailing zeros dropped; `nan`, `inf`, `-inf`.
  mutating func float(_ value: Double, significant: Int = 6) {
    if value.isNaN { return text("nan") }
    if value.isInfinite { return value < 0 ? text("-inf") : text("inf") }
    if value == 0 { return value.sign == .minus ? text("-0") : text("0") }
    if value < 0 { byte(45) }
    var magnitude = value < 0 ? -value : value
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
    // The digits, most significant first, without trailing zeros.
    var kept = significant
    while kept > 1 && digits % 10 == 0 {
      digits /= 10
      kept -= 1
    }
    var divisor = 1
    for _ in 1..<kept { divisor *= 10 }
    if exponent >= -5 && exponent < significant {
      if exponent >= 0 {
        // `exponent + 1` integer digits (zero-padded when fewer digits remain), then the fraction.
        for position in 0...exponent {
          if position < kept {
            byte(UInt8(truncatingIfNeeded: (digits / divisor) % 10) + 48)
            divisor /= 10
          } else {
            byte(48)
          }
        }
        if kept > exponent + 1 {
          byte(46)  // .
          for _ in (exponent + 1)..<kept {
            byte(UInt8(truncatingIfNeeded: (digits / divisor) % 10) + 48)
            divisor /= 10
          }
        }
        return
      }
      text("0.")
      for _ in 0..<(-exponent - 1) { byte(48) }
      for _ in 0..<kept {
        byte(UInt8(truncatingIfNeeded: (digits / divisor) % 10) + 48)
        divisor /= 10
      }
      return
    }
    byte(UInt8(truncatingIfNeeded: (digits / divisor) % 10) + 48)
    divisor /= 10
    if kept > 1 {
      byte(46)
      for _ in 1..<kept {
        byte(UInt8(truncatingIfNeeded: (digits / divisor) % 10) + 48)
        divisor /= 10
      }
    }
    byte(101)  // e
    byte(exponent < 0 ? 45 : 43)
    let power = exponent < 0 ? -exponent : exponent
    if power < 10 { byte(48) }
    unsigned(UInt64(power))
  }

  /// `value` with at most `decimals` digits after the point, trailing zeros (and a bare point)
  /// dropped: `0.032`, `1.5`, `12`.
  mutating func trimmed(_ value: Double, decimals: Int) {
    if !value.isFinite { return float(value) }
    var scale: UInt64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let magnitude = value < 0 ? -value : value
    let scaled = UInt64((magnitude * Double(scale)).rounded(.toNearestOrEven))
    if value < 0 && scaled != 0 { byte(45) }
    unsigned(scaled / scale)
    var fraction = scaled % scale
    var places = decimals
    while places > 0 && fraction % 10 == 0 {
      fraction /= 10
      places -= 1
    }
    if places == 0 { return }
    byte(46)
    var divisor: UInt64 = 1
    for _ in 1..<places { divisor *= 10 }
    for _ in 0..<places {
      byte(UInt8(truncatingIfNeeded: (fraction / divisor) % 10) + 48)
      divisor /= 10
    }
  }

  /// A JSON string literal's contents (without the quotes) for `source`.
  mutating func jsonEscaped(_ source: [UInt8]) {
    for value in source {
      switch value {
      case 34: text("\\\"")
      case 92: text("\\\\")
      case 10: text("\\n")
      case 13: text("\\r")
      case 9: text("\\t")
      case 0..<32:
        text("\\u00")
        let hex: StaticString = "0123456789abcdef"
        byte(hex.utf8Start[Int(value >> 4)])
        byte(hex.utf8Start[Int(value & 15)])
      default: byte(value)
      }
    }
  }
}

/// Decimal numbers from bytes: `[+-]digits[.digits][e[+-]digits]`, `nan`, `inf`, `infinity`
/// (any case), with no surrounding text. Exact for up to 15 significant digits and powers of ten
/// up to 1e22 (the common case for sensor data); otherwise within a few ulps.
enum DecimalParser {
  static func parse(_ bytes: UnsafePointer<UInt8>, count: Int) -> Double? {
    if count == 0 { return nil }
    var index = 0
    var negative = false
    if bytes[0] == 43 || bytes[0] == 45 {
      negative = bytes[0] == 45
      index = 1
    }
    if let special = word(bytes + index, count: count - index) { return negative ? -special : special }
    var mantissa: UInt64 = 0
    var digitsKept = 0
    var dropped = 0  // integer digits beyond the 19 kept
    var sawDigit = false
    var fractionDigits = 0
    while index < count, bytes[index] >= 48, bytes[index] <= 57 {
      sawDigit = true
      if digitsKept < 19 {
        mantissa = mantissa * 10 + UInt64(bytes[index] - 48)
        if mantissa != 0 { digitsKept += 1 }
      } else {
        dropped += 1
      }
      index += 1
    }
    if index < count && bytes[index] == 46 {
      index += 1
      while index < count, bytes[index] >= 48, bytes[index] <= 57 {
        sawDigit = true
        if digitsKept < 19 {
          mantissa = mantissa * 10 + UInt64(bytes[index] - 48)
          if mantissa != 0 { digitsKept += 1 }
          fractionDigits += 1
        }
        index += 1
      }
    }
    if !sawDigit { return nil }
    var exponent = 0
    if index < count && (bytes[index] == 101 || bytes[index] == 69) {
      index += 1
      var exponentNegative = false
      if index < count && (bytes[index] == 43 || bytes[index] == 45) {
        exponentNegative = bytes[index] == 45
        index += 1
      }
      var sawExponentDigit = false
      while index < count, bytes[index] >= 48, bytes[index] <= 57 {
        sawExponentDigit = true
        if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - 48) }
        index += 1
      }
      if !sawExponentDigit { return nil }
      if exponentNegative { exponent = -exponent }
    }
    if index != count { return nil }
    let power = exponent + dropped - fractionDigits
    var result = Double(mantissa)
    if mantissa != 0 {
      if power > 0 {
        result = power > 400 ? Double.infinity : result * powerOfTen(power)
      } else if power < 0 {
        if power < -400 {
          result = 0
        } else if -power <= 22 {
          result /= powerOfTen(-power)
        } else {
          // Two steps keep intermediate values normal down to 1e-400.
          result /= powerOfTen(22)
          result /= powerOfTen(-power - 22)
        }
      }
    }
    return negative ? -result : result
  }

  static func parse(_ text: String) -> Double? {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return nil }
      return parse(base, count: buffer.count)
    }
  }

  private static func powerOfTen(_ power: Int) -> Double {
    var result = 1.0
    var base = 10.0
    var remaining = power
    while remaining > 0 {
      if remaining & 1 == 1 { result *= base }
      base *= base
      remaining >>= 1
    }
    return result
  }

  /// `nan`, `inf`, `infinity`, any case.
  private static func word(_ bytes: UnsafePointer<UInt8>, count: Int) -> Double? {
    func matches(_ expected: StaticString) -> Bool {
      guard count == expected.utf8CodeUnitCount else { return false }
      for index in 0..<count where bytes[index] | 0x20 != expected.utf8Start[index] { return false }
      return true
    }
    if matches("nan") { return Double.nan }
    if matches("inf") || matches("infinity") { return Double.infinity }
    return nil
  }
}
