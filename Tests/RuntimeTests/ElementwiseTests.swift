import ONNXFormat
import XCTest

@testable import Runtime

/// In-place reuse and load-time validation of the element-wise family.
final class ElementwiseTests: XCTestCase {
  typealias E = Elementwise

  // MARK: - In place: the output written over an input (the two pointers equal)

  func testBinaryInPlaceOverEitherInput() throws {
    let big = KernelHarness.floats([2, 3], [1, 2, 3, 4, 5, 6])
    let row = KernelHarness.floats([3], [10, 20, 30])
    let left = try E.runInPlace("Add", [big, row])
    XCTAssertEqual(left.inPlace, 0)
    XCTAssertEqual(left.output.values(Float.self), [11, 22, 33, 14, 25, 36])
    let right = try E.runInPlace("Sub", [row, big])
    XCTAssertEqual(right.inPlace, 1)
    XCTAssertEqual(right.output.values(Float.self), [9, 18, 27, 6, 15, 24])
    // Same shapes: the flat loop.
    let same = try E.runInPlace("Mul", [big, big])
    XCTAssertEqual(same.output.values(Float.self), [1, 4, 9, 16, 25, 36])
    let ints = try E.runInPlace(
      "Div",
      [Constant(.int64, [3], values: [Int64(-7), 8, 9]), Constant(.int64, [], values: [Int64(2)])])
    XCTAssertEqual(ints.output.values(Int64.self), [-3, 4, 4])
  }

  func testComparisonsAreNotInPlace() throws {
    let prepared = try E.prepare("Less", [E.floats([2], [1, 2]), E.floats([2], [2, 1])])
    XCTAssertNil(prepared.inPlaceInput)
    XCTAssertEqual(prepared.outputs, [TensorType(.bool, [2])])
    // A bool input of the output's shape may be reused.
    let logic = try E.runInPlace(
      "And",
      [Constant(.bool, [3], values: [UInt8(1), 1, 0]), Constant(.bool, [1], values: [UInt8(1)])])
    XCTAssertEqual(logic.inPlace, 0)
    XCTAssertEqual(E.bools(logic.output), [true, true, false])
  }

  func testUnaryInPlace() throws {
    let input = KernelHarness.floats([4], [-1, 0, 1, 2])
    let sigmoid = try E.runInPlace("Sigmoid", [input])
    XCTAssertEqual(sigmoid.inPlace, 0)
    assertClose(
      sigmoid.output.values(Float.self),
      [0.2689414213699951, 0.5, 0.7310585975646973, 0.8807970779778004])
    XCTAssertEqual(try E.runInPlace("Neg", [input]).output.values(Float.self), [1, 0, -1, -2])
    let clipped = try E.runInPlace(
      "Clip", [input, KernelHarness.floats([], [-0.5]), KernelHarness.floats([], [1.5])], opset: 13)
    XCTAssertEqual(clipped.output.values(Float.self), [-0.5, 0, 1, 1.5])
    let squared = try E.runInPlace("Pow", [input, KernelHarness.floats([], [2])])
    XCTAssertEqual(squared.output.values(Float.self), [1, 0, 1, 4])
  }

  func testCastInPlaceOnlyForSameWidth() throws {
    let input = KernelHarness.floats([4], [-2.5, 0.5, 7.9, -0.1])
    let ints = try E.runInPlace("Cast", [input], [E.int("to", Int(DataType.int32.rawValue))])
    XCTAssertEqual(ints.inPlace, 0)
    XCTAssertEqual(ints.output.type, TensorType(.int32, [4]))
    XCTAssertEqual(ints.output.values(Int32.self), [-2, 0, 7, 0])
    let back = try E.runInPlace("Cast", [ints.output], [E.int("to", Int(DataType.float.rawValue))])
    XCTAssertEqual(back.output.values(Float.self), [-2, 0, 7, 0])
    let widening = try E.prepare(
      "Cast", [.runtime(input)], [E.int("to", Int(DataType.double.rawValue))])
    XCTAssertNil(widening.inPlaceInput)
  }

  func testWhereAndVariadicInPlace() throws {
    let condition = Constant(.bool, [2, 2], values: [UInt8(1), 0, 0, 1])
    let x = KernelHarness.floats([2, 2], [1, 2, 3, 4])
    let y = KernelHarness.floats([2], [-1, -2])
    let select = try E.runInPlace("Where", [condition, x, y])
    XCTAssertEqual(select.inPlace, 1)
    XCTAssertEqual(select.output.values(Float.self), [1, -2, -1, 4])
    let sum = try E.runInPlace("Sum", [y, x, KernelHarness.floats([], [100])])
    XCTAssertEqual(sum.inPlace, 1)
    XCTAssertEqual(sum.output.values(Float.self), [100, 100, 102, 102])
    let mean = try E.runInPlace("Mean", [x, x])
    XCTAssertEqual(mean.output.values(Float.self), [1, 2, 3, 4])
  }

  func testVariadicInputRepeatedLaterIsNotReused() throws {
    // Sum(a, b, a): writing over a would corrupt the third operand.
    let a = E.floats([2], [1, 2])
    let prepared = try E.prepare("Sum", [a, E.floats([2], [10, 20]), a], names: ["a", "b", "a"])
    XCTAssertEqual(prepared.inPlaceInput, 1)
    let all = try E.prepare("Max", [a, a, a], names: ["a", "a", "a"])
    XCTAssertNil(all.inPlaceInput)
  }

  // MARK: - Validation

  func testMismatchedBroadcastNamesNodeAndShapes() {
    E.assertThrows(
      .invalid, ["Add node 'add_node'", "float32[2, 3]", "float32[4]", "cannot be broadcast"]
    ) {
      _ = try E.prepare(
        "Add", [E.floats([2, 3], Array(repeating: 0, count: 6)), E.floats([4], [0, 0, 0, 0])])
    }
    E.assertThrows(.invalid, ["Where node 'where_node'", "bool[3]", "float32[2]", "float32[1]"]) {
      _ = try E.prepare(
        "Where", [E.bools([3], [true, true, false]), E.floats([2], [1, 2]), E.floats([1], [0])])
    }
    E.assertThrows(.invalid, ["Max node 'max_node'", "input 2 float32[3]", "[2, 2]"]) {
      _ = try E.prepare(
        "Max", [E.floats([2, 1], [1, 2]), E.floats([2], [1, 2]), E.floats([3], [1, 2, 3])])
    }
    E.assertThrows(.invalid, ["PRelu node 'prelu_node'", "slope float32[2, 1]", "float32[3]"]) {
      _ = try E.prepare("PRelu", [E.floats([3], [1, 2, 3]), E.floats([2, 1], [1, 2])])
    }
    E.assertThrows(.invalid, ["float32[2]", "float32[3]", "'broadcast' is 0"]) {
      _ = try E.prepare("Add", [E.floats([2], [1, 2]), E.floats([3], [1, 2, 3])], opset: 6)
    }
    E.assertThrows(.invalid, ["from axis 0"]) {
      _ = try E.prepare(
        "Add", [E.floats([2, 3], Array(repeating: 0, count: 6)), E.floats([3], [0, 0, 0])],
        [E.int("broadcast", 1), E.int("axis", 0)], opset: 6)
    }
  }

  func testWrongInputCounts() {
    E.assertThrows(.invalid, ["Add node 'add_node'", "takes 2 inputs, got 1"]) {
      _ = try E.prepare("Add", [E.floats([1], [1])])
    }
    E.assertThrows(.invalid, ["Relu node 'relu_node'", "takes 1 inputs, got 2"]) {
      _ = try E.prepare("Relu", [E.floats([1], [1]), E.floats([1], [1])])
    }
    E.assertThrows(.invalid, ["Where node 'where_node'", "takes 3 inputs, got 2"]) {
      _ = try E.prepare("Where", [E.bools([1], [true]), E.floats([1], [1])])
    }
    E.assertThrows(.invalid, ["Sum node 'sum_node'", "at least 1 input"]) {
      _ = try E.prepare("Sum", [])
    }
    E.assertThrows(.invalid, ["Clip node 'clip_node'", "takes 1 inputs, got 3"]) {
      _ = try E.prepare(
        "Clip", [E.floats([1], [1]), E.floats([], [0]), E.floats([], [1])], opset: 6)
    }
  }

  func testElementTypeMismatches() {
    E.assertThrows(
      .invalid, ["Add node 'add_node'", "int64[2]", "float32[2]", "same element type"]
    ) {
      _ = try E.prepare("Add", [E.floats([2], [1, 2]), E.int64s([2], [1, 2])])
    }
    E.assertThrows(.invalid, ["Sum node 'sum_node'", "input 2 is int32[1]"]) {
      _ = try E.prepare("Sum", [E.floats([1], [1]), E.floats([1], [1]), E.int32s([1], [1])])
    }
    E.assertThrows(.invalid, ["condition (input 0) must be bool", "float32[2]"]) {
      _ = try E.prepare(
        "Where", [E.floats([2], [1, 0]), E.floats([2], [1, 2]), E.floats([2], [3, 4])])
    }
    E.assertThrows(.invalid, ["input 2 is int64[2]", "input 1 is float32[2]"]) {
      _ = try E.prepare(
        "Where", [E.bools([2], [true, false]), E.floats([2], [1, 2]), E.int64s([2], [3, 4])])
    }
    E.assertThrows(.invalid, ["min (input 1) is float64[]", "float32[2]"]) {
      _ = try E.prepare("Clip", [E.floats([2], [1, 2]), E.doubles([], [0])], opset: 13)
    }
    E.assertThrows(.unsupported, ["Pow node 'pow_node'", "exponent uint8[1]", "base float32[2]"]) {
      _ = try E.prepare("Pow", [E.floats([2], [1, 2]), E.uint8s([1], [2])])
    }
  }

  func testUnsupportedElementTypesAreNamed() {
    E.assertThrows(
      .unsupported, ["Sigmoid node 'sigmoid_node'", "element type int32", "supported: float32"]
    ) {
      _ = try E.prepare("Sigmoid", [E.int32s([1], [1])])
    }
    E.assertThrows(.unsupported, ["Add node 'add_node'", "element type float16"]) {
      _ = try E.prepare(
        "Add",
        [
          .runtime(Constant(.float16, [1], values: [UInt16(0)])),
          .runtime(Constant(.float16, [1], values: [UInt16(0)])),
        ])
    }
    E.assertThrows(.unsupported, ["Less node 'less_node'", "element type bool"]) {
      _ = try E.prepare("Less", [E.bools([1], [true]), E.bools([1], [false])])
    }
    E.assertThrows(
      .unsupported, ["And node 'and_node'", "element type float32", "supported: bool"]
    ) {
      _ = try E.prepare("And", [E.floats([1], [1]), E.floats([1], [1])])
    }
    E.assertThrows(.unsupported, ["Mean node 'mean_node'", "element type int64"]) {
      _ = try E.prepare("Mean", [E.int64s([1], [1]), E.int64s([1], [1])])
    }
    E.assertThrows(.unsupported, ["Neg node 'neg_node'", "element type uint8"]) {
      _ = try E.prepare("Neg", [E.uint8s([1], [1])])
    }
    E.assertThrows(.unsupported, ["Not node 'not_node'", "element type float32"]) {
      _ = try E.prepare("Not", [E.floats([1], [1])])
    }
  }

  func testInvalidAttributesAndBounds() {
    E.assertThrows(.invalid, ["Mod node 'mod_node'", "'fmod' must be 0 or 1, got 2"]) {
      _ = try E.prepare("Mod", [E.int32s([1], [1]), E.int32s([1], [1])], [E.int("fmod", 2)])
    }
    E.assertThrows(.invalid, ["Gelu node 'gelu_node'", "\"erf\""]) {
      _ = try E.prepare("Gelu", [E.floats([1], [1])], [E.string("approximate", "erf")], opset: 20)
    }
    E.assertThrows(
      .invalid, ["Clip node 'clip_node'", "max (input 2) must be a scalar", "float32[2]"]
    ) {
      _ = try E.prepare(
        "Clip", [E.floats([2], [1, 2]), .omitted, E.floats([2], [0, 1])], opset: 13)
    }
    E.assertThrows(.invalid, ["LeakyRelu node 'leakyrelu_node'", "'alpha' must be a float"]) {
      _ = try E.prepare("LeakyRelu", [E.floats([1], [1])], [E.string("alpha", "x")])
    }
  }
}
