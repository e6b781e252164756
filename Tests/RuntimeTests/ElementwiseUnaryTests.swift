import ONNXFormat
import XCTest

@testable import Runtime

/// One-input operators and Clip; expected values from numpy 2 in float64, rounded to float32.
final class UnaryElementwiseTests: XCTestCase {
  typealias E = Elementwise

  /// Inputs for the activations: negative, zero and positive values.
  let x: [Float] = [-3, -1.5, -0.5, 0, 0.25, 1, 2.5, 4]

  private func unary(
    _ op: String, _ attributes: [Attribute] = [], _ values: [Float]? = nil,
    file: StaticString = #filePath,
    line: UInt = #line
  ) throws -> [Float] {
    let input = values ?? x
    let y = try E.run(
      op, [E.floats([2, input.count / 2], input)], attributes, file: file, line: line)
    XCTAssertEqual(y.type, TensorType(.float, [2, input.count / 2]), file: file, line: line)
    return y.values(Float.self)
  }

  func testRelu() throws {
    XCTAssertEqual(try unary("Relu"), [0, 0, 0, 0, 0.25, 1, 2.5, 4])
  }

  func testLeakyRelu() throws {
    assertClose(
      try unary("LeakyRelu"),
      [-0.029999999329447746, -0.014999999664723873, -0.004999999888241291, 0, 0.25, 1, 2.5, 4])
    assertClose(
      try unary("LeakyRelu", [E.float("alpha", 0.2)]),
      [-0.6000000238418579, -0.30000001192092896, -0.10000000149011612, 0, 0.25, 1, 2.5, 4])
  }

  func testSigmoidAndTanh() throws {
    assertClose(
      try unary("Sigmoid"),
      [
        0.04742587357759476, 0.18242552876472473, 0.3775406777858734, 0.5, 0.562176525592804,
        0.7310585975646973,
        0.9241418242454529, 0.9820137619972229,
      ])
    assertClose(
      try unary("Tanh"),
      [
        -0.9950547814369202, -0.9051482677459717, -0.46211716532707214, 0, 0.24491865932941437,
        0.7615941762924194,
        0.9866142868995667, 0.9993293285369873,
      ])
  }

  func testHardSigmoidAndHardSwish() throws {
    assertClose(
      try unary("HardSigmoid"),
      [0, 0.20000000298023224, 0.4000000059604645, 0.5, 0.550000011920929, 0.699999988079071, 1, 1])
    assertClose(
      try unary("HardSigmoid", [E.float("alpha", 0.5), E.float("beta", 0.1)]),
      [0, 0, 0, 0.10000000149011612, 0.22499999403953552, 0.6000000238418579, 1, 1])
    assertClose(
      try unary("HardSwish"),
      [
        0, -0.375, -0.2083333283662796, 0, 0.1354166716337204, 0.6666666865348816,
        2.2916667461395264, 4,
      ])
  }

  func testEluAndSelu() throws {
    assertClose(
      try unary("Elu"),
      [-0.9502129554748535, -0.7768698334693909, -0.39346933364868164, 0, 0.25, 1, 2.5, 4])
    assertClose(
      try unary("Elu", [E.float("alpha", 2)]),
      [-1.900425910949707, -1.5537396669387817, -0.7869386672973633, 0, 0.25, 1, 2.5, 4])
    assertClose(
      try unary("Selu"),
      [
        -1.6705687046051025, -1.3658143281936646, -0.6917582154273987, 0, 0.2626752555370331,
        1.0507010221481323,
        2.6267526149749756, 4.202804088592529,
      ])
  }

  func testSoftplusAndSoftsign() throws {
    assertClose(
      try unary("Softplus"),
      [
        0.04858735203742981, 0.20141327381134033, 0.4740769863128662, 0.6931471824645996,
        0.825939416885376,
        1.31326162815094, 2.578889846801758, 4.0181498527526855,
      ])
    // Large inputs do not overflow.
    assertClose(try unary("Softplus", [], [100, -100]), [100, 0])
    assertClose(
      try unary("Softsign"),
      [
        -0.75, -0.6000000238418579, -0.3333333432674408, 0, 0.20000000298023224, 0.5,
        0.7142857313156128,
        0.800000011920929,
      ])
  }

  func testGeluBothApproximations() throws {
    assertClose(
      try unary("Gelu"),
      [
        -0.004049694165587425, -0.10021080076694489, -0.1542687714099884, 0, 0.14967657625675201,
        0.8413447737693787, 2.48447585105896, 3.999873399734497,
      ])
    assertClose(
      try unary("Gelu", [E.string("approximate", "tanh")]),
      [
        -0.003637392073869705, -0.10042842477560043, -0.1542859971523285, 0, 0.14967535436153412,
        0.8411920070648193, 2.4849157333374023, 3.999929666519165,
      ])
  }

  func testErfExpSinCos() throws {
    assertClose(
      try unary("Erf"),
      [
        -0.9999778866767883, -0.9661051630973816, -0.5204998850822449, 0, 0.27632638812065125,
        0.8427007794380188,
        0.9995930194854736, 1,
      ])
    assertClose(
      try unary("Exp"),
      [
        0.049787066876888275, 0.22313016653060913, 0.6065306663513184, 1, 1.2840254306793213,
        2.7182817459106445,
        12.182494163513184, 54.598148345947266,
      ])
    assertClose(
      try unary("Sin"),
      [
        -0.14112000167369843, -0.9974949955940247, -0.4794255495071411, 0, 0.24740396440029144,
        0.8414709568023682,
        0.5984721183776855, -0.756802499294281,
      ])
    assertClose(
      try unary("Cos"),
      [
        -0.9899924993515015, 0.07073719799518585, 0.8775825500488281, 1, 0.9689124226570129,
        0.5403022766113281,
        -0.8011435866355896, -0.6536436080932617,
      ])
  }

  func testSqrtLogReciprocal() throws {
    let positive: [Float] = [0.25, 1, 2, 9, 100, 1e-3]
    assertClose(
      try unary("Sqrt", [], positive), [0.5, 1, 1.4142135381698608, 3, 10, 0.03162277862429619])
    assertClose(
      try unary("Log", [], positive),
      [
        -1.3862943649291992, 0, 0.6931471824645996, 2.1972246170043945, 4.605170249938965,
        -6.907755374908447,
      ])
    assertClose(
      try unary("Reciprocal", [], positive),
      [4, 1, 0.5, 0.1111111119389534, 0.009999999776482582, 999.9999389648438])
    let special = try unary("Log", [], [0, -1])
    XCTAssertEqual(special[0], -.infinity)
    XCTAssertTrue(special[1].isNaN)
  }

  func testRoundingFamily() throws {
    let values: [Float] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.2]
    XCTAssertEqual(try unary("Floor", [], values), [-3, -2, -1, 0, 1, 2, -2, 1])
    XCTAssertEqual(try unary("Ceil", [], values), [-2, -1, 0, 1, 2, 3, -1, 2])
    // Halves go to the even neighbour.
    XCTAssertEqual(try unary("Round", [], values), [-2, -2, 0, 0, 2, 2, -2, 1])
  }

  func testAbsNegSignOnFloats() throws {
    XCTAssertEqual(try unary("Abs"), [3, 1.5, 0.5, 0, 0.25, 1, 2.5, 4])
    XCTAssertEqual(try unary("Neg"), [3, 1.5, 0.5, 0, -0.25, -1, -2.5, -4])
    XCTAssertEqual(try unary("Sign"), [-1, -1, -1, 0, 1, 1, 1, 1])
  }

  func testSignedOpsOnIntegers() throws {
    let ints = E.int32s([4], [-7, 0, 3, Int32.min])
    XCTAssertEqual(try E.run("Neg", [ints]).values(Int32.self), [7, 0, -3, Int32.min])
    XCTAssertEqual(try E.run("Abs", [ints]).values(Int32.self), [7, 0, 3, Int32.min])
    XCTAssertEqual(try E.run("Sign", [ints]).values(Int32.self), [-1, 0, 1, -1])
    XCTAssertEqual(try E.run("Relu", [ints]).values(Int32.self), [0, 0, 3, 0])
    let wide = E.int64s([3], [-9_000_000_000, 0, 5])
    XCTAssertEqual(try E.run("Neg", [wide]).values(Int64.self), [9_000_000_000, 0, -5])
    XCTAssertEqual(try E.run("Sign", [wide]).values(Int64.self), [-1, 0, 1])
    XCTAssertEqual(try E.run("Abs", [E.int8s([2], [-128, -5])]).values(Int8.self), [-128, 5])
    XCTAssertEqual(try E.run("Neg", [E.doubles([2], [1.5, -2])]).values(Double.self), [-1.5, 2])
  }

  func testNot() throws {
    let y = try E.run("Not", [E.bools([3], [true, false, true])])
    XCTAssertEqual(y.type.dataType, .bool)
    XCTAssertEqual(E.bools(y), [false, true, false])
  }

  // MARK: - Clip

  func testClipWithAttributesBeforeOpset11() throws {
    let input = E.floats([5], [-3, -1, 0.5, 2, 7])
    let y = try E.run("Clip", [input], [E.float("min", -1.5), E.float("max", 1.5)], opset: 6)
    XCTAssertEqual(y.values(Float.self), [-1.5, -1, 0.5, 1.5, 1.5])
    let onlyMax = try E.run("Clip", [input], [E.float("max", 0)], opset: 6)
    XCTAssertEqual(onlyMax.values(Float.self), [-3, -1, 0, 0, 0])
  }

  func testClipWithLoadTimeInputs() throws {
    let input = E.floats([5], [-3, -1, 0.5, 2, 7])
    let y = try E.run("Clip", [input, E.constFloats([], [0]), E.constFloats([], [6])], opset: 13)
    XCTAssertEqual(y.values(Float.self), [0, 0, 0.5, 2, 6])
    // Min omitted: only the upper bound applies.
    let onlyMax = try E.run("Clip", [input, .omitted, E.constFloats([1], [1])], opset: 13)
    XCTAssertEqual(onlyMax.values(Float.self), [-3, -1, 0.5, 1, 1])
    // No bounds: the type's finite range, like ONNX Runtime.
    let none = try E.run("Clip", [E.floats([3], [-.infinity, 1, .infinity])], opset: 13)
    XCTAssertEqual(
      none.values(Float.self), [-.greatestFiniteMagnitude, 1, .greatestFiniteMagnitude])
  }

  func testClipWithRunTimeInputs() throws {
    let input = E.floats([5], [-3, -1, 0.5, 2, 7])
    let y = try E.run("Clip", [input, E.floats([], [-2]), E.floats([], [1])], opset: 12)
    XCTAssertEqual(y.values(Float.self), [-2, -1, 0.5, 1, 1])
    let mixed = try E.run("Clip", [input, E.floats([], [-0.5]), E.constFloats([], [5])], opset: 13)
    XCTAssertEqual(mixed.values(Float.self), [-0.5, -0.5, 0.5, 2, 5])
  }

  func testClipIntegers() throws {
    let y = try E.run(
      "Clip",
      [
        E.int32s([4], [-100, -3, 4, 100]), .constant(Constant(.int32, [], values: [Int32(-5)])),
        .runtime(Constant(.int32, [], values: [Int32(10)])),
      ], opset: 13)
    XCTAssertEqual(y.values(Int32.self), [-5, -3, 4, 10])
    let bytes = try E.run(
      "Clip", [E.uint8s([3], [0, 100, 255]), .omitted, E.uint8s([], [200])], opset: 13)
    XCTAssertEqual(bytes.values(UInt8.self), [0, 100, 200])
  }
}
