import ONNXFormat
import XCTest

@testable import Runtime

/// Reshape and kin (aliases) and the operators whose output is known at load.
final class MovementShapeTests: XCTestCase {
  func testReshapeCopiesZeroAndInfersMinusOne() {
    let input = MV.iota([2, 3, 4])
    guard
      let result = MV.run(
        MV.node("Reshape", inputs: 2), [.runtime(input), .constant(MV.int64s([0, -1]))])
    else { return }
    XCTAssertTrue(result.prepared.aliasesInput)
    XCTAssertEqual(result.outputs[0].type, TensorType(.float, [2, 12]))
    XCTAssertEqual(result.outputs[0].values(Float.self), input.values(Float.self))
  }

  func testReshapeInt64AndUInt8() {
    let shape = MV.int64s([2, 2])
    guard
      let wide = MV.run(
        MV.node("Reshape", inputs: 2),
        [.runtime(MV.int64s([4], [1, -2, 3, -4])), .constant(shape)]),
      let narrow = MV.run(
        MV.node("Reshape", inputs: 2),
        [.runtime(MV.uint8s([4], [1, 2, 3, 255])), .constant(shape)])
    else { return }
    XCTAssertEqual(wide.outputs[0].type, TensorType(.int64, [2, 2]))
    XCTAssertEqual(wide.outputs[0].values(Int64.self), [1, -2, 3, -4])
    XCTAssertEqual(narrow.outputs[0].type, TensorType(.uint8, [2, 2]))
  }

  func testReshapeAllowZeroKeepsZeroDims() {
    let node = MV.node("Reshape", inputs: 2, [MV.int("allowzero", 1)])
    guard
      let result = MV.run(
        node, opset: 14, [.runtime(MV.floats([0, 4], [])), .constant(MV.int64s([4, 0]))])
    else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [4, 0])
    // Without allowzero, 0 copies the input dim.
    guard
      let copied = MV.run(
        MV.node("Reshape", inputs: 2), opset: 14,
        [.runtime(MV.iota([3, 4])), .constant(MV.int64s([0, 2, 2]))])
    else { return }
    XCTAssertEqual(copied.outputs[0].type.shape, [3, 2, 2])
  }

  func testReshapeErrors() {
    let node = MV.node("Reshape", inputs: 2)
    let input = HarnessInput.runtime(MV.iota([2, 3]))
    MV.expectError(
      node, [input, .constant(MV.int64s([4, 2]))], contains: "cannot reshape [2, 3] to [4, 2]")
    MV.expectError(
      node, [input, .constant(MV.int64s([4, -1]))], contains: "cannot reshape [2, 3] to [4, -1]")
    MV.expectError(node, [input, .constant(MV.int64s([-1, -1]))], contains: "more than one -1")
    MV.expectError(node, [input, .constant(MV.int64s([6, -2]))], contains: "negative")
    MV.expectError(
      node, [input, .constant(MV.int64s([1, 1, 0]))], contains: "copies no input dim")
    MV.expectError(
      MV.node("Reshape", inputs: 2, [MV.int("allowzero", 1)]), opset: 14,
      [.runtime(MV.floats([0, 3], [])), .constant(MV.int64s([0, -1]))], contains: "allowzero")
    MV.expectError(
      node, [input, .runtime(MV.int64s([6]))], .unsupported,
      contains: "must be known when the model is loaded")
  }

  func testReshapeOpset1Attribute() {
    let node = MV.node("Reshape", inputs: 1, [MV.ints("shape", [3, -1])])
    guard let result = MV.run(node, opset: 4, [.runtime(MV.iota([2, 3]))]) else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [3, 2])
  }

  func testFlattenAxes() {
    let input = HarnessInput.runtime(MV.iota([2, 3, 4, 5]))
    let cases: [(Int, [Int])] = [
      (1, [2, 60]), (-1, [24, 5]), (0, [1, 120]), (4, [120, 1]), (-4, [1, 120]),
    ]
    for (axis, shape) in cases {
      guard
        let result = MV.run(
          MV.node("Flatten", inputs: 1, [MV.int("axis", axis)]), opset: 13, [input])
      else { return }
      XCTAssertEqual(result.outputs[0].type.shape, shape, "axis " + String(axis))
      XCTAssertTrue(result.prepared.aliasesInput)
    }
    MV.expectError(
      MV.node("Flatten", inputs: 1, [MV.int("axis", 5)]), opset: 13, [input],
      contains: "out of range")
  }

  func testSqueezeAttributeBefore13AndInputFrom13() {
    let input = HarnessInput.runtime(MV.iota([1, 3, 1, 2]))
    guard
      let old = MV.run(MV.node("Squeeze", inputs: 1, [MV.ints("axes", [-2])]), opset: 11, [input]),
      let new = MV.run(
        MV.node("Squeeze", inputs: 2), opset: 13, [input, .constant(MV.int64s([0]))]),
      let all = MV.run(MV.node("Squeeze", inputs: 1), opset: 13, [input])
    else { return }
    XCTAssertEqual(old.outputs[0].type.shape, [1, 3, 2])
    XCTAssertEqual(new.outputs[0].type.shape, [3, 1, 2])
    XCTAssertEqual(all.outputs[0].type.shape, [3, 2])
    XCTAssertTrue(all.prepared.aliasesInput)
    MV.expectError(
      MV.node("Squeeze", inputs: 2), opset: 13, [input, .constant(MV.int64s([1]))],
      contains: "is not 1")
    MV.expectError(
      MV.node("Squeeze", inputs: 2), opset: 13, [input, .constant(MV.int64s([4]))],
      contains: "out of range")
  }

  func testUnsqueezeNegativeAxes() {
    let input = HarnessInput.runtime(MV.iota([3, 4]))
    guard
      let new = MV.run(
        MV.node("Unsqueeze", inputs: 2), opset: 13, [input, .constant(MV.int64s([-1, 0]))]),
      let old = MV.run(MV.node("Unsqueeze", inputs: 1, [MV.ints("axes", [1])]), opset: 11, [input])
    else { return }
    XCTAssertEqual(new.outputs[0].type.shape, [1, 3, 4, 1])
    XCTAssertEqual(old.outputs[0].type.shape, [3, 1, 4])
    MV.expectError(
      MV.node("Unsqueeze", inputs: 2), opset: 13, [input, .constant(MV.int64s([0, -4]))],
      contains: "repeated")
    MV.expectError(MV.node("Unsqueeze", inputs: 1), opset: 13, [input], contains: "axes")
  }

  func testAliasOpsKeepEveryElementType() {
    let inputs: [Constant] = [
      MV.iota([1, 2, 3]), MV.int64s([1, 2, 3], [1, -2, 3, -4, 5, -6]),
      MV.uint8s([1, 2, 3], [1, 2, 3, 250, 251, 252]),
    ]
    for input in inputs {
      let runs: [(Node, Int, [HarnessInput], [Int])] = [
        (MV.node("Flatten", inputs: 1, [MV.int("axis", -1)]), 13, [.runtime(input)], [2, 3]),
        (
          MV.node("Squeeze", inputs: 2), 13, [.runtime(input), .constant(MV.int64s([-3]))], [2, 3]
        ),
        (MV.node("Squeeze", inputs: 2), 13, [.runtime(input), .constant(MV.int64s([]))], [2, 3]),
        (
          MV.node("Unsqueeze", inputs: 2), 13, [.runtime(input), .constant(MV.int64s([-1]))],
          [1, 2, 3, 1]
        ),
        (MV.node("Identity", inputs: 1), 13, [.runtime(input)], [1, 2, 3]),
        (
          MV.node("Reshape", inputs: 2), 13, [.runtime(input), .constant(MV.int64s([3, -1]))],
          [3, 2]
        ),
      ]
      for (node, opset, harnessInputs, shape) in runs {
        guard let result = MV.run(node, opset: opset, harnessInputs) else { return }
        let label = node.opType + " " + input.type.text
        XCTAssertTrue(result.prepared.aliasesInput, label)
        XCTAssertEqual(result.outputs[0].type, TensorType(input.type.dataType, shape), label)
        XCTAssertTrue(result.outputs[0].storage === input.storage, label)
      }
    }
  }

  func testIdentityAliases() {
    guard
      let result = MV.run(MV.node("Identity", inputs: 1), [.runtime(MV.uint8s([3], [1, 2, 3]))])
    else { return }
    XCTAssertTrue(result.prepared.aliasesInput)
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [1, 2, 3])
  }

  func testShapeWithStartAndEnd() {
    let input = HarnessInput.runtime(MV.iota([2, 3, 4, 5]))
    guard let full = MV.run(MV.node("Shape", inputs: 1), opset: 13, [input]),
      let tail = MV.run(MV.node("Shape", inputs: 1, [MV.int("start", -2)]), opset: 15, [input]),
      let middle = MV.run(
        MV.node("Shape", inputs: 1, [MV.int("start", 1), MV.int("end", -1)]), opset: 15, [input]),
      let clamped = MV.run(
        MV.node("Shape", inputs: 1, [MV.int("start", -10), MV.int("end", 10)]), opset: 15, [input]),
      let empty = MV.run(
        MV.node("Shape", inputs: 1, [MV.int("start", 3), MV.int("end", 1)]), opset: 15, [input])
    else { return }
    XCTAssertNotNil(full.prepared.constantOutputs)
    XCTAssertEqual(full.outputs[0].type, TensorType(.int64, [4]))
    XCTAssertEqual(full.outputs[0].values(Int64.self), [2, 3, 4, 5])
    XCTAssertEqual(tail.outputs[0].values(Int64.self), [4, 5])
    XCTAssertEqual(middle.outputs[0].values(Int64.self), [3, 4])
    XCTAssertEqual(clamped.outputs[0].values(Int64.self), [2, 3, 4, 5])
    XCTAssertEqual(empty.outputs[0].type.shape, [0])
  }

  func testSize() {
    guard
      let result = MV.run(
        MV.node("Size", inputs: 1),
        [.runtime(MV.uint8s([2, 3, 7], [UInt8](repeating: 0, count: 42)))])
    else { return }
    XCTAssertEqual(result.outputs[0].type, TensorType(.int64, []))
    XCTAssertEqual(result.outputs[0].values(Int64.self), [42])
  }

  func testConstantOfShape() {
    guard let zeros = MV.run(MV.node("ConstantOfShape", inputs: 1), [.constant(MV.int64s([2, 3]))])
    else { return }
    XCTAssertEqual(zeros.outputs[0].type, TensorType(.float, [2, 3]))
    XCTAssertEqual(zeros.outputs[0].values(Float.self), [Float](repeating: 0, count: 6))

    var seven = Int64(-7)
    let bytes = withUnsafeBytes(of: &seven) { Array($0) }
    let value = Tensor(dataType: .int64, dims: [1], bytes: bytes)
    let node = MV.node(
      "ConstantOfShape", inputs: 1, [Attribute(name: "value", value: .tensor(value))])
    guard let filled = MV.run(node, [.constant(MV.int64s([3]))]) else { return }
    XCTAssertEqual(filled.outputs[0].type, TensorType(.int64, [3]))
    XCTAssertEqual(filled.outputs[0].values(Int64.self), [-7, -7, -7])

    let byte = Tensor(dataType: .uint8, dims: [1], bytes: [200])
    let byteNode = MV.node(
      "ConstantOfShape", inputs: 1, [Attribute(name: "value", value: .tensor(byte))])
    guard let scalar = MV.run(byteNode, [.constant(MV.int64s([]))]) else { return }
    XCTAssertEqual(scalar.outputs[0].type, TensorType(.uint8, []))
    XCTAssertEqual(scalar.outputs[0].values(UInt8.self), [200])

    MV.expectError(
      MV.node("ConstantOfShape", inputs: 1), [.constant(MV.int64s([2, -1]))], contains: "negative")
    MV.expectError(
      MV.node("ConstantOfShape", inputs: 1), [.runtime(MV.int64s([2]))], .unsupported,
      contains: "shape")
  }

  func testRange() {
    let node = MV.node("Range", inputs: 3)
    func scalar(_ value: Int64) -> HarnessInput { .constant(MV.int64s([], [value])) }
    func scalar(_ value: Float) -> HarnessInput { .constant(MV.floats([], [value])) }
    guard let ints = MV.run(node, [scalar(Int64(10)), scalar(Int64(1)), scalar(Int64(-3))]),
      let floats = MV.run(node, [scalar(Float(1)), scalar(Float(2)), scalar(Float(0.25))]),
      let empty = MV.run(node, [scalar(Int64(5)), scalar(Int64(1)), scalar(Int64(2))]),
      let int32s = MV.run(
        node,
        [
          .constant(MV.int32s([], [0])), .constant(MV.int32s([], [7])),
          .constant(MV.int32s([], [3])),
        ])
    else { return }
    XCTAssertNotNil(ints.prepared.constantOutputs)
    XCTAssertEqual(ints.outputs[0].values(Int64.self), [10, 7, 4])
    XCTAssertEqual(floats.outputs[0].values(Float.self), [1, 1.25, 1.5, 1.75])
    XCTAssertEqual(empty.outputs[0].type, TensorType(.int64, [0]))
    XCTAssertEqual(int32s.outputs[0].values(Int32.self), [0, 3, 6])
    MV.expectError(
      node, [scalar(Int64(0)), .runtime(MV.int64s([], [4])), scalar(Int64(1))], .unsupported,
      contains: "limit")
    MV.expectError(node, [scalar(Int64(0)), scalar(Int64(4)), scalar(Int64(0))], contains: "zero")
  }
}
