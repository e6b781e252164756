// Path and file-name helpers over UTF-8 bytes, which behave the same on every platform
// and need no Unicode tables in Embedded Swift.

/// The last path component: `a/b/c.npy` → `c.npy`.
func fileName(_ path: String) -> String {
  let bytes = Array(path.utf8)
  guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return path }
  return String(decoding: bytes[(slash + 1)...], as: UTF8.self)
}

/// `name` without `suffix`, or nil when it does not end with it.
func removingSuffix(_ suffix: String, from name: String) -> String? {
  let bytes = Array(name.utf8)
  let tail = Array(suffix.utf8)
  guard bytes.count >= tail.count, bytes[(bytes.count - tail.count)...].elementsEqual(tail) else { return nil }
  return String(decoding: bytes[..<(bytes.count - tail.count)], as: UTF8.self)
}

/// `prefix` removed from `name`, or nil when it does not start with it.
func removingPrefix(_ prefix: String, from name: String) -> String? {
  let bytes = Array(name.utf8)
  let head = Array(prefix.utf8)
  guard bytes.count >= head.count, bytes[..<head.count].elementsEqual(head) else { return nil }
  return String(decoding: bytes[head.count...], as: UTF8.self)
}

/// The tensor name a file stands for: its file name without `ext`.
func tensorName(forFile path: String, extension ext: String) -> String {
  let name = fileName(path)
  return removingSuffix(ext, from: name) ?? name
}

/// Parses a decimal index as ONNX test data names it (`0`, `1`, ... `10`): digits only, no leading zero.
func decimalIndex(_ text: String) -> Int? {
  let digits = Array(text.utf8)
  if digits.isEmpty || (digits.count > 1 && digits[0] == UInt8(ascii: "0")) { return nil }
  var value = 0
  for d in digits {
    guard d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else { return nil }
    let next = value.multipliedReportingOverflow(by: 10)
    let sum = next.partialValue.addingReportingOverflow(Int(d - UInt8(ascii: "0")))
    if next.overflow || sum.overflow { return nil }
    value = sum.partialValue
  }
  return value
}

/// Bytewise order, the same on every machine (String's `<` depends on Unicode normalization).
func precedesBytewise(_ a: String, _ b: String) -> Bool {
  a.utf8.lexicographicallyPrecedes(b.utf8)
}
