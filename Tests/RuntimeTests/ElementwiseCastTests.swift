import ONNXFormat
import XCTest

@testable import Runtime

/// Cast, checked against numpy's `astype` on x86-64.
final class CastElementwiseTests: XCTestCase {
  typealias E = Elementwise

  private func cast(
    _ input: HarnessInput, to type: DataType, file: StaticString = #filePath, line: UInt = #line
  ) throws
    -> Constant
  {
    let y = try E.run("Cast", [input], [E.int("to", Int(type.rawValue))], file: file, line: line)
    XCTAssertEqual(y.type.dataType, type, file: file, line: line)
    return y
  }

  let values: [Float] = [-2.7, -1.5, -0.5, 0.5, 1.9, 2.5, 300.7, -129.2]

  func testFloatToIntegersTruncatesTowardZero() throws {
    let input = E.floats([2, 4], values)
    let int32 = try cast(input, to: .int32)
    XCTAssertEqual(int32.type.shape, [2, 4])
    XCTAssertEqual(int32.values(Int32.self), [-2, -1, 0, 0, 1, 2, 300, -129])
    XCTAssertEqual(try cast(input, to: .int64).values(Int64.self), [-2, -1, 0, 0, 1, 2, 300, -129])
    // Narrow types keep the low bits of the truncated value, like numpy.
    XCTAssertEqual(try cast(input, to: .uint8).values(UInt8.self), [254, 255, 0, 0, 1, 2, 44, 127])
    XCTAssertEqual(try cast(input, to: .int8).values(Int8.self), [-2, -1, 0, 0, 1, 2, 44, 127])
    XCTAssertEqual(try cast(input, to: .uint64).values(UInt64.self).first, UInt64.max - 1)
    // Out of int32's range and NaN give the x86 sentinel int32 min, also in narrower types.
    let wild = E.floats([3], [3e9, .nan, -1])
    XCTAssertEqual(try cast(wild, to: .int32).values(Int32.self), [Int32.min, Int32.min, -1])
    XCTAssertEqual(try cast(wild, to: .uint16).values(UInt16.self), [0, 0, 65535])
    XCTAssertEqual(try cast(wild, to: .int64).values(Int64.self), [3_000_000_000, Int64.min, -1])
    XCTAssertEqual(try cast(wild, to: .uint32).values(UInt32.self)[0], 3_000_000_000)
  }

  func testToAndFromBool() throws {
    let bools = try cast(E.floats([5], [0, -0.0, 1.5, .nan, -2]), to: .bool)
    XCTAssertEqual(E.bools(bools), [false, false, true, true, true])
    XCTAssertEqual(E.bools(try cast(E.int64s([3], [0, 256, -1]), to: .bool)), [false, true, true])
    let back = E.bools([3], [true, false, true])
    XCTAssertEqual(try cast(back, to: .float).values(Float.self), [1, 0, 1])
    XCTAssertEqual(try cast(back, to: .int64).values(Int64.self), [1, 0, 1])
    XCTAssertEqual(try cast(back, to: .double).values(Double.self), [1, 0, 1])
  }

  func testIntegersToFloatAndBetweenWidths() throws {
    let wide = E.int64s([5], [-3, 0, 7, (1 << 40) + 1, -(1 << 31)])
    XCTAssertEqual(
      try cast(wide, to: .float).values(Float.self), [-3, 0, 7, 1_099_511_627_776, -2_147_483_648])
    XCTAssertEqual(try cast(wide, to: .int32).values(Int32.self), [-3, 0, 7, 1, Int32.min])
    let ints = E.int32s([5], [-129, 128, 255, -1, 300])
    XCTAssertEqual(try cast(ints, to: .int8).values(Int8.self), [127, -128, -1, -1, 44])
    XCTAssertEqual(try cast(ints, to: .uint8).values(UInt8.self), [127, 128, 255, 255, 44])
    XCTAssertEqual(try cast(E.uint8s([2], [200, 3]), to: .int8).values(Int8.self), [-56, 3])
    XCTAssertEqual(
      try cast(.runtime(Constant(.uint64, [1], values: [UInt64.max])), to: .double).values(
        Double.self),
      [18_446_744_073_709_551_616.0])
  }

  func testFloatToHalfRoundsToNearestEven() throws {
    // 70000 overflows to infinity, 1e-8 underflows to zero, 6e-5 is subnormal, 1 + 2^-11 ties to 1.
    let input = E.floats([8], [1.0 / 3.0, 65504, 70000, 1e-8, 6e-5, -2.5, 0.1, 1.00048828125])
    let half = try cast(input, to: .float16)
    XCTAssertEqual(half.values(UInt16.self), [13653, 31743, 31744, 0, 1007, 49408, 11878, 15360])
    let back = try cast(.runtime(half), to: .float)
    XCTAssertEqual(
      back.values(Float.self),
      [0.333251953125, 65504, .infinity, 0, 6.002187728881836e-05, -2.5, 0.0999755859375, 1])
    let subnormals = try cast(
      .runtime(Constant(.float16, [5], values: [UInt16(1), 0x3ff, 0x400, 0x7bff, 0x8001])),
      to: .float)
    XCTAssertEqual(
      subnormals.values(Float.self),
      [
        5.960464477539063e-08, 6.097555160522461e-05, 6.103515625e-05, 65504,
        -5.960464477539063e-08,
      ])
    let nan = try cast(E.floats([1], [.nan]), to: .float16).values(UInt16.self)[0]
    XCTAssertEqual(nan & 0x7c00, 0x7c00)
    XCTAssertNotEqual(nan & 0x3ff, 0)
  }

  func testBFloat16() throws {
    let bf = try cast(E.floats([3], [1.0 / 3.0, 1, -2]), to: .bfloat16)
    XCTAssertEqual(bf.values(UInt16.self), [0x3eab, 0x3f80, 0xc000])
    XCTAssertEqual(try cast(.runtime(bf), to: .float).values(Float.self), [0.333984375, 1, -2])
  }

  func testDoubleToFloat() throws {
    let y = try cast(E.doubles([3], [0.1, 1e300, -2.5]), to: .float)
    XCTAssertEqual(y.values(Float.self), [Float(0.1), .infinity, -2.5])
    XCTAssertEqual(
      try cast(E.floats([1], [0.1]), to: .double).values(Double.self), [Double(Float(0.1))])
  }

  func testCastToSameTypeAliases() throws {
    let prepared = try E.prepare("Cast", [E.floats([2], [1, 2])], [E.int("to", 1)])
    XCTAssertTrue(prepared.aliasesInput)
    guard case .none = prepared.kernel else { return XCTFail("a same-type Cast runs a kernel") }
  }

  func testCastRefusesFloat8AndStrings() {
    E.assertThrows(.unsupported, ["Cast node 'cast_node'", "float8e4m3fn"]) {
      _ = try E.prepare("Cast", [E.floats([2], [1, 2])], [E.int("to", 17)])
    }
    E.assertThrows(.invalid, ["attribute 'to' is required"]) {
      _ = try E.prepare("Cast", [E.floats([2], [1, 2])])
    }
    E.assertThrows(.invalid, ["99", "not an ONNX data type"]) {
      _ = try E.prepare("Cast", [E.floats([2], [1, 2])], [E.int("to", 99)])
    }
  }
}
