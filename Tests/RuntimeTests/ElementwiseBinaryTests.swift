import ONNXFormat
import XCTest

@testable import Runtime

/// Binary, variadic and ternary element-wise operators; expected values from numpy 2.
final class BinaryElementwiseTests: XCTestCase {
  typealias E = Elementwise

  private func iota(_ count: Int, scale: Float = 1, offset: Float = 0) -> [Float] {
    (0..<count).map { Float($0) * scale + offset }
  }

  // MARK: - Broadcasting

  func testAddBroadcastsTrailingColumn() throws {
    // [2,3,4] + [3,1]: the column is repeated along the last dim and over the first.
    let y = try E.run("Add", [E.floats([2, 3, 4], iota(24)), E.floats([3, 1], [10, 20, 30])])
    XCTAssertEqual(y.type, TensorType(.float, [2, 3, 4]))
    XCTAssertEqual(
      y.values(Float.self),
      [
        10, 11, 12, 13, 24, 25, 26, 27, 38, 39, 40, 41, 22, 23, 24, 25, 36, 37, 38, 39, 50, 51, 52,
        53,
      ])
  }

  func testAddScalarOnEitherSide() throws {
    let left = try E.run("Add", [E.floats([], [0.5]), E.floats([2, 3], iota(6))])
    XCTAssertEqual(left.type.shape, [2, 3])
    XCTAssertEqual(left.values(Float.self), [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
    let right = try E.run("Sub", [E.floats([2, 3], iota(6)), E.floats([], [0.5])])
    XCTAssertEqual(right.values(Float.self), [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5])
  }

  func testAddOneElementVectorAgainstMatrix() throws {
    let y = try E.run("Add", [E.floats([1], [100]), E.floats([2, 3], iota(6))])
    XCTAssertEqual(y.type.shape, [2, 3])
    XCTAssertEqual(y.values(Float.self), [100, 101, 102, 103, 104, 105])
  }

  func testAddChannelBias() throws {
    // A per-channel bias [1,4,1,1] known at load against [2,4,3,3].
    let y = try E.run(
      "Add",
      [
        E.floats([2, 4, 3, 3], iota(72, scale: 0.5, offset: -10)),
        E.constFloats([1, 4, 1, 1], [1, -2, 3.5, -4]),
      ])
    XCTAssertEqual(y.type.shape, [2, 4, 3, 3])
    XCTAssertEqual(
      y.values(Float.self),
      [
        -9, -8.5, -8, -7.5, -7, -6.5, -6, -5.5, -5, -7.5, -7, -6.5, -6, -5.5, -5, -4.5, -4, -3.5,
        2.5, 3, 3.5, 4, 4.5,
        5, 5.5, 6, 6.5, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5,
        13, 10.5, 11, 11.5,
        12, 12.5, 13, 13.5, 14, 14.5, 20.5, 21, 21.5, 22, 22.5, 23, 23.5, 24, 24.5, 17.5, 18, 18.5,
        19, 19.5, 20, 20.5,
        21, 21.5,
      ])
  }

  func testOuterBroadcastSubMulDiv() throws {
    // [3,1] op [1,4]: both operands broadcast.
    let p = E.floats([3, 1], [1, 2, 3])
    let q = E.floats([1, 4], [1, 2, 4, 8])
    XCTAssertEqual(
      try E.run("Sub", [p, q]).values(Float.self), [0, -1, -3, -7, 1, 0, -2, -6, 2, 1, -1, -5])
    XCTAssertEqual(
      try E.run("Mul", [p, q]).values(Float.self), [1, 2, 4, 8, 2, 4, 8, 16, 3, 6, 12, 24])
    let quotient = try E.run("Div", [p, q])
    XCTAssertEqual(quotient.type.shape, [3, 4])
    XCTAssertEqual(
      quotient.values(Float.self), [1, 0.5, 0.25, 0.125, 2, 1, 0.5, 0.25, 3, 1.5, 0.75, 0.375])
  }

  func testRankFiveBroadcastWalksEveryDim() throws {
    // [2,1,3,1,2] + [1,4,1,5,1]: no two dims merge, so the general walk runs over rank 5.
    let y = try E.run(
      "Add",
      [E.floats([2, 1, 3, 1, 2], iota(12)), E.floats([1, 4, 1, 5, 1], iota(20, scale: 100))])
    XCTAssertEqual(y.type.shape, [2, 4, 3, 5, 2])
    let expected: [Float] = [
      0, 1, 100, 101, 200, 201, 300, 301, 400, 401, 2, 3, 102, 103, 202, 203, 302, 303, 402, 403, 4,
      5, 104, 105, 204,
      205, 304, 305, 404, 405, 500, 501, 600, 601, 700, 701, 800, 801, 900, 901, 502, 503, 602, 603,
      702, 703, 802, 803,
      902, 903, 504, 505, 604, 605, 704, 705, 804, 805, 904, 905, 1000, 1001, 1100, 1101, 1200,
      1201, 1300, 1301, 1400,
      1401, 1002, 1003, 1102, 1103, 1202, 1203, 1302, 1303, 1402, 1403, 1004, 1005, 1104, 1105,
      1204, 1205, 1304, 1305,
      1404, 1405, 1500, 1501, 1600, 1601, 1700, 1701, 1800, 1801, 1900, 1901, 1502, 1503, 1602,
      1603, 1702, 1703, 1802,
      1803, 1902, 1903, 1504, 1505, 1604, 1605, 1704, 1705, 1804, 1805, 1904, 1905, 6, 7, 106, 107,
      206, 207, 306, 307,
      406, 407, 8, 9, 108, 109, 208, 209, 308, 309, 408, 409, 10, 11, 110, 111, 210, 211, 310, 311,
      410, 411, 506, 507,
      606, 607, 706, 707, 806, 807, 906, 907, 508, 509, 608, 609, 708, 709, 808, 809, 908, 909, 510,
      511, 610, 611, 710,
      711, 810, 811, 910, 911, 1006, 1007, 1106, 1107, 1206, 1207, 1306, 1307, 1406, 1407, 1008,
      1009, 1108, 1109, 1208,
      1209, 1308, 1309, 1408, 1409, 1010, 1011, 1110, 1111, 1210, 1211, 1310, 1311, 1410, 1411,
      1506, 1507, 1606, 1607,
      1706, 1707, 1806, 1807, 1906, 1907, 1508, 1509, 1608, 1609, 1708, 1709, 1808, 1809, 1908,
      1909, 1510, 1511, 1610,
      1611, 1710, 1711, 1810, 1811, 1910, 1911,
    ]
    XCTAssertEqual(y.values(Float.self), expected)
  }

  func testBroadcastPlanMergesDims() {
    // Same shapes merge into one flat row; a channel bias becomes rows of H*W over [N, C].
    let flat = BroadcastPlan(output: [2, 3, 4], operands: [[2, 3, 4], [2, 3, 4]])
    XCTAssertEqual(flat.rank, 1)
    XCTAssertEqual(flat.inner, 24)
    XCTAssertEqual([flat.innerA, flat.innerB], [1, 1])
    let bias = BroadcastPlan(output: [2, 4, 3, 3], operands: [[2, 4, 3, 3], [4, 1, 1]])
    XCTAssertEqual(bias.rank, 3)
    XCTAssertEqual(bias.inner, 9)
    XCTAssertEqual([bias.innerA, bias.innerB], [1, 0])
    let suffix = BroadcastPlan(output: [2, 4, 3, 3], operands: [[2, 4, 3, 3], [3, 3]])
    XCTAssertEqual(suffix.rank, 2)
    XCTAssertEqual(suffix.inner, 9)
    let scalar = BroadcastPlan(output: [], operands: [[], [1]])
    XCTAssertEqual(scalar.rank, 1)
    XCTAssertEqual(scalar.inner, 1)
    XCTAssertEqual(scalar.count, 1)
  }

  func testEmptyTensorsRunNothing() throws {
    let y = try E.run("Add", [E.floats([0, 3], []), E.floats([3], [1, 2, 3])])
    XCTAssertEqual(y.type, TensorType(.float, [0, 3]))
    XCTAssertEqual(y.values(Float.self), [])
  }

  func testLegacyBroadcastWithAxisBeforeOpset7() throws {
    // Opset 6 Add with broadcast=1, axis=1: B [3] lines up with A's dim 1, not its last dim.
    let y = try E.run(
      "Add", [E.floats([2, 3, 2], iota(12)), E.floats([3], [100, 200, 300])],
      [E.int("broadcast", 1), E.int("axis", 1)],
      opset: 6)
    XCTAssertEqual(y.type.shape, [2, 3, 2])
    XCTAssertEqual(
      y.values(Float.self), [100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311])
    // Without axis, B is a suffix of A.
    let suffix = try E.run(
      "Mul", [E.floats([2, 3], iota(6)), E.floats([3], [1, 10, 100])], [E.int("broadcast", 1)],
      opset: 6)
    XCTAssertEqual(suffix.values(Float.self), [0, 10, 200, 3, 40, 500])
  }

  // MARK: - Pow, Mod, PRelu

  func testPowFloat() throws {
    let y = try E.run(
      "Pow", [E.floats([4], [1.5, 2, 0.25, 3]), E.floats([4], [2, 0.5, -1, 1.5])])
    assertClose(y.values(Float.self), [2.25, 1.4142135381698608, 4, 5.196152687072754])
  }

  func testPowByLoadTimeExponentOfAnotherType() throws {
    // An int64 exponent 3 known at load: a cube of the float base.
    let cube = try E.run(
      "Pow", [E.floats([4], [-1.5, 2, 0.5, -3]), .constant(KernelHarness.int64s([], [3]))])
    XCTAssertEqual(cube.type, TensorType(.float, [4]))
    XCTAssertEqual(cube.values(Float.self), [-3.375, 8, 0.125, -27])
    // A float exponent 2 known at load: a square, offered in place.
    let square = try E.prepare("Pow", [E.floats([2], [1, 2]), E.constFloats([1], [2])])
    XCTAssertEqual(square.inPlaceInput, 0)
    let squared = try E.run("Pow", [E.floats([3], [-3, 0.5, 4]), E.constFloats([1], [2])])
    XCTAssertEqual(squared.values(Float.self), [9, 0.25, 16])
    // A non-special int32 exponent known at load is converted once.
    let half = try E.run(
      "Pow", [E.floats([2], [4, 9]), .constant(Constant(.int32, [2], values: [Int32(-1), 0]))])
    XCTAssertEqual(half.values(Float.self), [0.25, 1])
    // Double base and exponent.
    let double = try E.run("Pow", [E.doubles([2], [2, 9]), E.doubles([2], [10, 0.5])])
    XCTAssertEqual(double.values(Double.self), [1024, 3])
  }

  func testPowByRunTimeExponentOfAnotherType() throws {
    let base = E.floats([4], [2, -3, 0.5, 10])
    let byInt64 = try E.run("Pow", [base, E.int64s([4], [3, 2, -2, 0])])
    XCTAssertEqual(byInt64.type, TensorType(.float, [4]))
    XCTAssertEqual(byInt64.values(Float.self), [8, 9, 4, 1])
    let byInt32 = try E.run("Pow", [base, E.int32s([], [2])])
    XCTAssertEqual(byInt32.values(Float.self), [4, 9, 0.25, 100])
    let byDouble = try E.run("Pow", [base, E.doubles([1], [-1])])
    assertClose(byDouble.values(Float.self), [0.5, -0.33333334, 2, 0.1])
  }

  func testIntegerPow() throws {
    let y = try E.run(
      "Pow", [E.int32s([6], [1, 2, 3, -2, 0, 7]), E.int32s([6], [4, 5, 6, 3, 0, 1])])
    XCTAssertEqual(y.type.dataType, .int32)
    XCTAssertEqual(y.values(Int32.self), [1, 32, 729, -8, 1, 7])
    // Negative exponents truncate: only bases 1 and -1 stay non-zero.
    let negative = try E.run(
      "Pow", [E.int64s([4], [1, -1, -1, 2]), E.int64s([4], [-3, -3, -2, -1])])
    XCTAssertEqual(negative.values(Int64.self), [1, -1, 1, 0])
    let mixed = try E.run("Pow", [E.int64s([2], [3, 1 << 20]), E.int32s([2], [40, 3])])
    // 3^40 wraps like numpy's int64 power; 2^60 fits.
    XCTAssertEqual(mixed.values(Int64.self), [-6_289_078_614_652_622_815, 1 << 60])
    // A float exponent: computed in float64, truncated.
    let byFloat = try E.run(
      "Pow", [E.int32s([4], [1, 2, 3, 10]), E.floats([4], [4, 0.5, -1, 2.5])])
    XCTAssertEqual(byFloat.values(Int32.self), [1, 1, 0, 316])
  }

  func testIntegerDivTruncatesTowardZero() throws {
    let a: [Int32] = [7, -7, 7, -7, 0, 5]
    let b: [Int32] = [2, 2, -2, -2, 3, 0]
    let y = try E.run("Div", [E.int32s([6], a), E.int32s([6], b)])
    XCTAssertEqual(y.type.dataType, .int32)
    // Division by zero gives 0 rather than trapping.
    XCTAssertEqual(y.values(Int32.self), [3, -3, -3, 3, 0, 0])
    let wide = try E.run("Div", [E.int64s([3], [Int64.min, -9, 9]), E.int64s([3], [-1, 4, -4])])
    XCTAssertEqual(wide.values(Int64.self), [Int64.min, -2, -2])
  }

  func testIntegerModSignRules() throws {
    let a: [Int32] = [7, -7, 7, -7, 0, 5]
    let b: [Int32] = [2, 2, -2, -2, 3, 0]
    // fmod=0: the sign of the divisor, like numpy.mod.
    let mod = try E.run("Mod", [E.int32s([6], a), E.int32s([6], b)])
    XCTAssertEqual(mod.values(Int32.self), [1, 1, -1, -1, 0, 0])
    // fmod=1: the sign of the dividend, like C fmod.
    let fmod = try E.run("Mod", [E.int32s([6], a), E.int32s([6], b)], [E.int("fmod", 1)])
    XCTAssertEqual(fmod.values(Int32.self), [1, -1, 1, -1, 0, 0])
    let wide = try E.run("Mod", [E.int64s([2], [-13, 13]), E.int64s([], [5])])
    XCTAssertEqual(wide.values(Int64.self), [2, 3])
    let small = try E.run("Mod", [E.int8s([2], [-128, 100]), E.int8s([2], [-1, -7])])
    XCTAssertEqual(small.values(Int8.self), [0, -5])
  }

  func testFloatMod() throws {
    let a = E.floats([4], [5.5, -5.5, 5.5, -5.5])
    let b = E.floats([4], [2, 2, -2, -2])
    XCTAssertEqual(
      try E.run("Mod", [a, b], [E.int("fmod", 1)]).values(Float.self), [1.5, -1.5, 1.5, -1.5])
    XCTAssertEqual(try E.run("Mod", [a, b]).values(Float.self), [1.5, 0.5, -0.5, -1.5])
  }

  func testIntegerArithmeticWraps() throws {
    let add = try E.run("Add", [E.int8s([3], [127, -128, 5]), E.int8s([3], [1, -1, -7])])
    XCTAssertEqual(add.values(Int8.self), [-128, 127, -2])
    let mul = try E.run("Mul", [E.uint8s([2], [16, 200]), E.uint8s([], [16])])
    XCTAssertEqual(mul.values(UInt8.self), [0, 128])
    let sub = try E.run("Sub", [E.int64s([2], [5, -5]), E.int64s([2, 1], [1, 2])])
    XCTAssertEqual(sub.type.shape, [2, 2])
    XCTAssertEqual(sub.values(Int64.self), [4, -6, 3, -7])
  }

  func testPReluBroadcastsSlopePerChannel() throws {
    let y = try E.run(
      "PRelu",
      [E.floats([1, 3, 2, 2], iota(12, offset: -6)), E.constFloats([3, 1, 1], [0.1, 0.2, 0.3])])
    XCTAssertEqual(y.type.shape, [1, 3, 2, 2])
    assertClose(
      y.values(Float.self),
      [
        -0.6000000238418579, -0.5, -0.4000000059604645, -0.30000001192092896, -0.4000000059604645,
        -0.20000000298023224, 0, 1, 2, 3, 4, 5,
      ])
  }

  // MARK: - Comparisons and logic

  func testComparisonsMakeBool() throws {
    let a = E.floats([2, 3], [1, 2, 3, 4, 5, 6])
    let b = E.floats([3], [2, 2, 7])
    let equal = try E.run("Equal", [a, b])
    XCTAssertEqual(equal.type, TensorType(.bool, [2, 3]))
    XCTAssertEqual(E.bools(equal), [false, true, false, false, false, false])
    XCTAssertEqual(E.bools(try E.run("Less", [a, b])), [true, false, true, false, false, true])
    XCTAssertEqual(
      E.bools(try E.run("Greater", [a, b])), [false, false, false, true, true, false])
    XCTAssertEqual(
      E.bools(try E.run("LessOrEqual", [a, b])), [true, true, true, false, false, true])
    XCTAssertEqual(
      E.bools(try E.run("GreaterOrEqual", [a, b])), [false, true, false, true, true, false])
    // NaN compares unequal and unordered.
    let nan = try E.run("Equal", [E.floats([2], [.nan, 1]), E.floats([2], [.nan, 1])])
    XCTAssertEqual(E.bools(nan), [false, true])
  }

  func testIntegerAndBoolComparisons() throws {
    let equal = try E.run("Equal", [E.int64s([3], [1, -2, 3]), E.int64s([], [-2])])
    XCTAssertEqual(E.bools(equal), [false, true, false])
    let less = try E.run("Less", [E.int32s([3], [-5, 0, 5]), E.int32s([3], [0, 0, 0])])
    XCTAssertEqual(E.bools(less), [true, false, false])
    let greater = try E.run("Greater", [E.uint8s([2], [200, 3]), E.uint8s([2], [100, 4])])
    XCTAssertEqual(E.bools(greater), [true, false])
    let bools = try E.run(
      "Equal", [E.bools([4], [true, true, false, false]), E.bools([2, 1], [true, false])])
    XCTAssertEqual(E.bools(bools), [true, true, false, false, false, false, true, true])
  }

  func testLogicWithBroadcast() throws {
    let a = E.bools([2, 2], [true, true, false, false])
    let b = E.bools([2], [true, false])
    XCTAssertEqual(E.bools(try E.run("And", [a, b])), [true, false, false, false])
    XCTAssertEqual(E.bools(try E.run("Or", [a, b])), [true, true, true, false])
    XCTAssertEqual(E.bools(try E.run("Xor", [a, b])), [false, true, true, false])
  }

  // MARK: - Variadic

  func testMaxMinSumMeanOfThreeBroadcastInputs() throws {
    let inputs = [
      E.floats([2, 3], [1, 5, -2, 4, 0, 7]), E.floats([3], [3, -1, 2]), E.floats([2, 1], [2, 6]),
    ]
    let max = try E.run("Max", inputs)
    XCTAssertEqual(max.type.shape, [2, 3])
    XCTAssertEqual(max.values(Float.self), [3, 5, 2, 6, 6, 7])
    XCTAssertEqual(try E.run("Min", inputs).values(Float.self), [1, -1, -2, 3, -1, 2])
    XCTAssertEqual(try E.run("Sum", inputs).values(Float.self), [6, 6, 2, 13, 5, 15])
    assertClose(
      try E.run("Mean", inputs).values(Float.self),
      [2, 2, 0.6666666865348816, 4.333333492279053, 1.6666666269302368, 5])
  }

  func testVariadicOutputLargerThanEveryInput() throws {
    // [3,1] and [1,2]: neither input has the output's shape, so nothing is offered in place.
    let prepared = try E.prepare(
      "Sum", [E.floats([3, 1], [1, 2, 3]), E.floats([1, 2], [10, 20])])
    XCTAssertNil(prepared.inPlaceInput)
    let y = try E.run(
      "Sum", [E.floats([3, 1], [1, 2, 3]), E.floats([1, 2], [10, 20]), E.floats([], [100])])
    XCTAssertEqual(y.values(Float.self), [111, 121, 112, 122, 113, 123])
  }

  func testVariadicSingleInputAliases() throws {
    let prepared = try E.prepare("Sum", [E.floats([2], [1, 2])])
    XCTAssertTrue(prepared.aliasesInput)
    XCTAssertEqual(try E.run("Max", [E.floats([2], [1, 2])]).values(Float.self), [1, 2])
  }

  func testIntegerMaxMinSum() throws {
    let a = E.int32s([3], [1, -5, 9])
    let b = E.int32s([3], [0, -2, 10])
    XCTAssertEqual(try E.run("Max", [a, b]).values(Int32.self), [1, -2, 10])
    XCTAssertEqual(try E.run("Min", [a, b]).values(Int32.self), [0, -5, 9])
    XCTAssertEqual(
      try E.run("Sum", [a, b, E.int32s([], [100])]).values(Int32.self), [101, 93, 119])
    XCTAssertEqual(
      try E.run("Max", [E.int64s([2], [-1, 4]), E.int64s([2], [3, 2])]).values(Int64.self), [3, 4])
  }

  func testMaxMinPropagateNaN() throws {
    let a = E.floats([3], [.nan, 1, 2])
    let b = E.floats([3], [0, .nan, 3])
    let max = try E.run("Max", [a, b]).values(Float.self)
    XCTAssertTrue(max[0].isNaN && max[1].isNaN)
    XCTAssertEqual(max[2], 3)
    let min = try E.run("Min", [a, b]).values(Float.self)
    XCTAssertTrue(min[0].isNaN && min[1].isNaN)
    XCTAssertEqual(min[2], 2)
  }

  // MARK: - Where

  func testWhereBroadcastsAllThree() throws {
    let y = try E.run(
      "Where",
      [E.bools([2, 1], [true, false]), E.floats([1, 3], [1, 2, 3]), E.floats([], [-1])])
    XCTAssertEqual(y.type, TensorType(.float, [2, 3]))
    XCTAssertEqual(y.values(Float.self), [1, 2, 3, -1, -1, -1])
  }

  func testWhereOnOtherElementTypes() throws {
    let condition = E.bools([4], [true, false, false, true])
    let wide = try E.run(
      "Where", [condition, E.int64s([4], [1, 2, 3, 4]), E.int64s([4], [-1, -2, -3, -4])])
    XCTAssertEqual(wide.values(Int64.self), [1, -2, -3, 4])
    let bytes = try E.run(
      "Where", [condition, E.bools([], [true]), E.bools([4], [false, true, false, true])])
    XCTAssertEqual(E.bools(bytes), [true, true, false, true])
    let half = try E.run(
      "Where",
      [
        condition, .runtime(Constant(.float16, [4], values: [UInt16(1), 2, 3, 4])),
        .runtime(Constant(.float16, [1], values: [UInt16(9)])),
      ])
    XCTAssertEqual(half.type.dataType, .float16)
    XCTAssertEqual(half.values(UInt16.self), [1, 9, 9, 4])
    let scalars = try E.run("Where", [condition, E.floats([], [5]), E.floats([1], [-5])])
    XCTAssertEqual(scalars.values(Float.self), [5, -5, -5, 5])
  }
}
