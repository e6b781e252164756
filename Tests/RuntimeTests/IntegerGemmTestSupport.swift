import ONNXFormat
import XCTest

@testable import Runtime

/// A tensor of a golden case: shape and values (float32 as bit patterns, to be exact).
enum GoldenTensor {
  case u8([Int], [UInt8])
  case i8([Int], [Int8])
  case i32([Int], [Int32])
  case f32([Int], [UInt32])

  var constant: Constant {
    switch self {
    case .u8(let shape, let values): return Constant(.uint8, shape, values: values)
    case .i8(let shape, let values): return Constant(.int8, shape, values: values)
    case .i32(let shape, let values): return Constant(.int32, shape, values: values)
    case .f32(let shape, let values):
      return Constant(.float, shape, values: values.map { Float(bitPattern: $0) })
    }
  }
}

/// One node run in ONNX Runtime: inputs (nil = omitted) and its output.
struct IntegerGolden {
  var name: String
  var opType: String
  var domain: String
  var attributes: [Attribute]
  var inputs: [GoldenTensor?]
  var output: GoldenTensor
}

/// The bytes of a constant, for exact comparisons of any element type.
func constantBytes(_ constant: Constant) -> [UInt8] {
  Array(
    UnsafeBufferPointer(start: constant.storage.typed(UInt8.self), count: constant.type.byteCount))
}

/// Asserts two constants have the same type, shape and bytes, naming the first differing element.
func assertSameTensor(
  _ actual: Constant, _ expected: Constant, _ label: String, file: StaticString = #filePath,
  line: UInt = #line
) {
  XCTAssertEqual(actual.type, expected.type, label + ": type", file: file, line: line)
  guard actual.type == expected.type else { return }
  let width = max(expected.type.byteCount / max(expected.type.count, 1), 1)
  let a = constantBytes(actual)
  let e = constantBytes(expected)
  var mismatches = 0
  var first = -1
  for index in 0..<e.count where a[index] != e[index] {
    if first < 0 { first = index / width }
    mismatches += 1
  }
  if first >= 0 {
    XCTFail(
      label + ": " + String(mismatches) + " bytes differ; first element " + String(first) + ": "
        + elementText(actual, first) + " != " + elementText(expected, first), file: file, line: line
    )
  }
}

func elementText(_ constant: Constant, _ index: Int) -> String {
  switch constant.type.dataType {
  case .uint8: return String(constant.storage.typed(UInt8.self)[index])
  case .int8: return String(constant.storage.typed(Int8.self)[index])
  case .int32: return String(constant.storage.typed(Int32.self)[index])
  case .float: return String(constant.storage.typed(Float.self)[index])
  default: return "?"
  }
}

/// Random quantized tensors and parameters for the reference tests.
extension SeededGenerator {
  /// Values of `type` (uint8 or int8) as Int, uniform over the whole range.
  mutating func codes(_ count: Int, signed: Bool) -> [Int] {
    (0..<count).map { _ in
      signed ? Int.random(in: -128...127, using: &self) : Int.random(in: 0...255, using: &self)
    }
  }

  /// A zero point: nonzero and away from the middle often enough to matter.
  mutating func zeroPoint(signed: Bool) -> Int {
    signed ? Int.random(in: -40...40, using: &self) : Int.random(in: 60...200, using: &self)
  }

  mutating func uniform(_ range: ClosedRange<Float>) -> Float {
    Float.random(in: range, using: &self)
  }
}

/// A constant of 8-bit codes.
func quantizedConstant(_ signed: Bool, _ shape: [Int], _ values: [Int]) -> Constant {
  signed
    ? Constant(.int8, shape, values: values.map { Int8($0) })
    : Constant(.uint8, shape, values: values.map { UInt8($0) })
}

/// `saturate(Requantizer(multiplier).apply(acc) + zeroPoint)` for an int64 sum wrapped to int32, as the
/// kernels define it (no float): the reference's requantization.
func referenceQuantize(_ acc: Int64, multiplier: Float, zeroPoint: Int, signed: Bool) -> Int {
  let requantizer = Requantizer(multiplier)
  let value = Int(requantizer.apply(Int32(truncatingIfNeeded: acc))) + zeroPoint
  return signed ? min(max(value, -128), 127) : min(max(value, 0), 255)
}

/// The output values of a constant as Int (uint8, int8, int32).
func integerValues(_ constant: Constant) -> [Int] { constant.integers() ?? [] }
