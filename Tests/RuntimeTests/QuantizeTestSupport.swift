import ONNXFormat
import XCTest

@testable import Runtime

/// splitmix64: the inputs of the golden cases, mirrored by `Random` in the generator
/// (QuantizeGoldensGenerator.swift).
struct QuantizeRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Values within 2 ulps of `(k + 0.5) * scale`, k in -150...150: ties of x / scale and near-ties.
  mutating func hardFloats(_ count: Int, scale: Float) -> [Float] {
    var values: [Float] = []
    for _ in 0..<count {
      let r = next()
      let k = Int64(r % 301) - 150
      let base = (Float(k) + 0.5) * scale
      let nudge = Int64((r >> 32) % 5) - 2
      values.append(Float(bitPattern: UInt32(truncatingIfNeeded: Int64(base.bitPattern) + nudge)))
    }
    return values
  }

  /// `float32(int32(r >> 32)) * 2^-31 * spread + offset`, each step in float32.
  mutating func uniformFloats(_ count: Int, spread: Float, offset: Float) -> [Float] {
    var values: [Float] = []
    for _ in 0..<count {
      let v = Float(Int32(bitPattern: UInt32(truncatingIfNeeded: next() >> 32)))
      values.append((v * 0x1p-31) * spread + offset)
    }
    return values
  }

  /// The low bits of `r >> 32` as `T`.
  mutating func integers<T: FixedWidthInteger>(_ count: Int, _ type: T.Type) -> [T] {
    var values: [T] = []
    for _ in 0..<count { values.append(T(truncatingIfNeeded: next() >> 32)) }
    return values
  }

  /// Random integer tensor of `dataType` (uint8, int8, uint16, int16, int32).
  mutating func constant(_ dataType: DataType, _ shape: [Int]) -> Constant {
    let count = shape.reduce(1, *)
    switch dataType {
    case .uint8: return Constant(.uint8, shape, values: integers(count, UInt8.self))
    case .int8: return Constant(.int8, shape, values: integers(count, Int8.self))
    case .uint16: return Constant(.uint16, shape, values: integers(count, UInt16.self))
    case .int16: return Constant(.int16, shape, values: integers(count, Int16.self))
    default: return Constant(.int32, shape, values: integers(count, Int32.self))
    }
  }
}

enum QuantizeGoldenInput {
  case hard(seed: UInt64, scale: Float)
  case uniform(seed: UInt64, spread: Float, offset: Float)
  case integers(seed: UInt64)
  case bits([UInt32])
}

/// One single-node model of QuantizeGoldens: what the node is, its inputs, onnxruntime's outputs.
struct QuantizeGoldenCase {
  var op: String
  var opset: Int
  var attributes: [(String, Int)]
  var x: QuantizeGoldenInput
  var xType: DataType
  var xShape: [Int]
  var scaleShape: [Int]
  /// float32 bit patterns.
  var scales: [UInt32]
  var zeroPointType: DataType?
  var zeroPoints: [Int]
  /// One hex string per output (`quantizeHexElements`).
  var outputs: [String]

  var xConstant: Constant {
    let count = xShape.reduce(1, *)
    switch x {
    case .hard(let seed, let scale):
      var random = QuantizeRandom(seed: seed)
      return Constant(.float, xShape, values: random.hardFloats(count, scale: scale))
    case .uniform(let seed, let spread, let offset):
      var random = QuantizeRandom(seed: seed)
      return Constant(.float, xShape, values: random.uniformFloats(count, spread: spread, offset: offset))
    case .integers(let seed):
      var random = QuantizeRandom(seed: seed)
      return random.constant(xType, xShape)
    case .bits(let bits):
      return Constant(.float, xShape, values: bits.map { Float(bitPattern: $0) })
    }
  }

  var scaleConstant: Constant { Constant(.float, scaleShape, values: scales.map { Float(bitPattern: $0) }) }

  var zeroPointConstant: Constant? {
    guard let zeroPointType else { return nil }
    return quantizeIntegerConstant(zeroPointType, scaleShape, zeroPoints)
  }

  var node: Node {
    let isDynamic = op == "DynamicQuantizeLinear"
    let inputs = isDynamic ? ["x"] : (zeroPointType == nil ? ["x", "s"] : ["x", "s", "z"])
    return Node(
      name: "n", opType: op, inputs: inputs, outputs: isDynamic ? ["y", "y_scale", "y_zero_point"] : ["y"],
      attributes: attributes.map { Attribute(name: $0.0, value: .int($0.1)) })
  }

  var harnessInputs: [HarnessInput] {
    if op == "DynamicQuantizeLinear" { return [.runtime(xConstant)] }
    var inputs: [HarnessInput] = [.runtime(xConstant), .constant(scaleConstant)]
    if let zeroPointConstant { inputs.append(.constant(zeroPointConstant)) }
    return inputs
  }
}

/// An integer tensor of `dataType` holding `values`.
func quantizeIntegerConstant(_ dataType: DataType, _ shape: [Int], _ values: [Int]) -> Constant {
  switch dataType {
  case .uint8: return Constant(.uint8, shape, values: values.map { UInt8(truncatingIfNeeded: $0) })
  case .int8: return Constant(.int8, shape, values: values.map { Int8(truncatingIfNeeded: $0) })
  case .uint16: return Constant(.uint16, shape, values: values.map { UInt16(truncatingIfNeeded: $0) })
  case .int16: return Constant(.int16, shape, values: values.map { Int16(truncatingIfNeeded: $0) })
  case .int32: return Constant(.int32, shape, values: values.map { Int32(truncatingIfNeeded: $0) })
  default: return Constant(.int64, shape, values: values.map { Int64($0) })
  }
}

enum QuantizedPoolingAttribute {
  static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name: name, value: .ints(values)) }
  static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
  static func string(_ name: String, _ value: String) -> Attribute {
    Attribute(name: name, value: .string(Array(value.utf8)))
  }
}

/// One com.microsoft node of QuantizedPoolingGoldens and onnxruntime's output.
struct QuantizedPoolingGoldenCase {
  var op: String
  var dataType: DataType
  var attributes: [Attribute]
  /// Pools: one input. QLinearConcat: every (X, X_scale, X_zero_point).
  var inputs: [(shape: [Int], seed: UInt64, scale: Float, zeroPoint: Int)]
  var outputScale: Float
  var outputZeroPoint: Int
  var outputShape: [Int]
  var output: String

  var node: Node {
    var names: [String] = []
    if op == "QLinearConcat" {
      names = ["ys", "yz"]
      for k in 0..<inputs.count { names += ["x" + String(k), "xs" + String(k), "xz" + String(k)] }
    } else {
      names = ["x", "xs", "xz", "ys", "yz"]
    }
    return Node(name: "n", opType: op, domain: "com.microsoft", inputs: names, outputs: ["y"], attributes: attributes)
  }

  func xConstant(_ k: Int) -> Constant {
    var random = QuantizeRandom(seed: inputs[k].seed)
    return random.constant(dataType, inputs[k].shape)
  }

  func scalar(_ value: Float) -> HarnessInput { .constant(Constant(.float, [], values: [value])) }
  func zeroPoint(_ value: Int) -> HarnessInput { .constant(quantizeIntegerConstant(dataType, [], [value])) }

  var harnessInputs: [HarnessInput] {
    if op == "QLinearConcat" {
      var list: [HarnessInput] = [scalar(outputScale), zeroPoint(outputZeroPoint)]
      for k in 0..<inputs.count {
        list += [.runtime(xConstant(k)), scalar(inputs[k].scale), zeroPoint(inputs[k].zeroPoint)]
      }
      return list
    }
    return [
      .runtime(xConstant(0)), scalar(inputs[0].scale), zeroPoint(inputs[0].zeroPoint), scalar(outputScale),
      zeroPoint(outputZeroPoint),
    ]
  }
}

/// Hex digits, `width` per element, most significant first.
func quantizeHexElements(_ hex: String, width: Int) -> [UInt64] {
  var values: [UInt64] = []
  var current: UInt64 = 0
  var digits = 0
  for character in hex.utf8 {
    let digit: UInt64
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(character - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(character - UInt8(ascii: "a") + 10)
    default: continue
    }
    current = current << 4 | digit
    digits += 1
    if digits == width {
      values.append(current)
      current = 0
      digits = 0
    }
  }
  return values
}

/// A tensor's elements as unsigned bit patterns of their width.
func quantizeElementBits(_ constant: Constant) -> [UInt64] {
  let count = constant.type.count
  switch constant.type.dataType.bitsPerElement {
  case 8: return constant.values(UInt8.self).map { UInt64($0) }
  case 16: return constant.values(UInt16.self).map { UInt64($0) }
  case 32: return constant.values(UInt32.self).map { UInt64($0) }
  default: return count == 0 ? [] : constant.values(UInt64.self)
  }
}

/// Asserts `actual` holds exactly the elements of `hex`, naming the first few differences.
func assertQuantizeBits(
  _ actual: Constant, _ hex: String, _ label: String, file: StaticString = #filePath, line: UInt = #line
) {
  let width = actual.type.dataType.bitsPerElement / 4
  let expected = quantizeHexElements(hex, width: width)
  let bits = quantizeElementBits(actual)
  XCTAssertEqual(bits.count, expected.count, label + ": element count", file: file, line: line)
  var differences = 0
  var report = ""
  for index in 0..<min(bits.count, expected.count) where bits[index] != expected[index] {
    differences += 1
    if differences <= 5 {
      report +=
        " [" + String(index) + "] " + String(bits[index], radix: 16) + " != " + String(expected[index], radix: 16)
    }
  }
  XCTAssertEqual(
    differences, 0, label + ": " + String(differences) + " elements differ:" + report, file: file, line: line)
}
