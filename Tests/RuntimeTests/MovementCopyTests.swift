import ONNXFormat
import XCTest

@testable import Runtime

/// Concat, Split, Transpose, Slice, Gather, Expand, Tile: each on float32 and on int64 / uint8.
final class MovementCopyTests: XCTestCase {
  // MARK: Concat and Split

  func testConcatNegativeAxisFloat() {
    let a = MV.floats([2, 2], [1, 2, 3, 4])
    let b = MV.floats([2, 1], [5, 6])
    let c = MV.floats([2, 3], [7, 8, 9, 10, 11, 12])
    guard
      let result = MV.run(
        MV.node("Concat", inputs: 3, [MV.int("axis", -1)]),
        [.runtime(a), .constant(b), .runtime(c)])
    else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 6])
    XCTAssertEqual(result.outputs[0].values(Float.self), [1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12])
  }

  func testConcatInt64AndUInt8() {
    guard
      let wide = MV.run(
        MV.node("Concat", inputs: 3, [MV.int("axis", 0)]),
        [
          .runtime(MV.int64s([2], [1, 2])), .runtime(MV.int64s([0], [])),
          .runtime(MV.int64s([1], [-3])),
        ]),
      let narrow = MV.run(
        MV.node("Concat", inputs: 2, [MV.int("axis", 1)]),
        [
          .runtime(MV.uint8s([2, 1, 2], [1, 2, 3, 4])),
          .runtime(MV.uint8s([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12])),
        ])
    else { return }
    XCTAssertEqual(wide.outputs[0].values(Int64.self), [1, 2, -3])
    XCTAssertEqual(narrow.outputs[0].type.shape, [2, 3, 2])
    XCTAssertEqual(narrow.outputs[0].values(UInt8.self), [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
  }

  func testConcatErrorsAndSingleInputAlias() {
    let node = MV.node("Concat", inputs: 2, [MV.int("axis", 0)])
    MV.expectError(
      node, [.runtime(MV.iota([2, 3])), .runtime(MV.iota([2, 4]))], contains: "does not match")
    MV.expectError(
      node, [.runtime(MV.iota([2, 3])), .runtime(MV.int64s([1, 3], [1, 2, 3]))], contains: "int64")
    MV.expectError(MV.node("Concat", inputs: 1), [.runtime(MV.iota([2]))], contains: "axis")
    guard
      let single = MV.run(
        MV.node("Concat", inputs: 1, [MV.int("axis", 0)]), [.runtime(MV.iota([3]))])
    else { return }
    XCTAssertTrue(single.prepared.aliasesInput)
  }

  func testSplitOpset11Attribute() {
    let node = MV.node(
      "Split", inputs: 1, outputs: 2, [MV.int("axis", -1), MV.ints("split", [1, 2])])
    guard let result = MV.run(node, opset: 11, [.runtime(MV.iota([2, 3]))]) else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 1])
    XCTAssertEqual(result.outputs[0].values(Float.self), [0, 3])
    XCTAssertEqual(result.outputs[1].values(Float.self), [1, 2, 4, 5])
    // Equal split when no sizes are given.
    guard
      let equal = MV.run(
        MV.node("Split", inputs: 1, outputs: 3), opset: 11, [.runtime(MV.iota([6, 2]))])
    else { return }
    XCTAssertEqual(
      equal.outputs.map { $0.values(Float.self) }, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
  }

  func testSplitOpset13Input() {
    let node = MV.node("Split", inputs: 2, outputs: 3, [MV.int("axis", 1)])
    let input = MV.int64s([2, 4], [1, 2, 3, 4, 5, 6, 7, 8])
    guard let result = MV.run(node, opset: 13, [.runtime(input), .constant(MV.int64s([2, 0, 2]))])
    else { return }
    XCTAssertEqual(result.outputs.map { $0.type.shape }, [[2, 2], [2, 0], [2, 2]])
    XCTAssertEqual(result.outputs[0].values(Int64.self), [1, 2, 5, 6])
    XCTAssertEqual(result.outputs[2].values(Int64.self), [3, 4, 7, 8])
    MV.expectError(
      node, opset: 13, [.runtime(input), .constant(MV.int64s([2, 1, 2]))], contains: "does not sum")
    MV.expectError(
      node, opset: 13, [.runtime(input), .constant(MV.int64s([2, 2]))], contains: "entries")
    MV.expectError(
      MV.node("Split", inputs: 1, outputs: 3, [MV.int("axis", 1)]), opset: 13, [.runtime(input)],
      contains: "evenly")
  }

  func testSplitOpset18NumOutputs() {
    let node = MV.node("Split", inputs: 1, outputs: 3, [MV.int("num_outputs", 3)])
    guard let result = MV.run(node, opset: 18, [.runtime(MV.uint8s([7], [1, 2, 3, 4, 5, 6, 7]))])
    else { return }
    XCTAssertEqual(result.outputs.map { $0.values(UInt8.self) }, [[1, 2, 3], [4, 5, 6], [7]])
    MV.expectError(
      MV.node("Split", inputs: 1, outputs: 2, [MV.int("num_outputs", 3)]), opset: 18,
      [.runtime(MV.uint8s([7], [1, 2, 3, 4, 5, 6, 7]))], contains: "num_outputs")
  }

  // MARK: Transpose

  func testTransposeEvery4DPermutationMatchesNaiveReference() {
    let shape = [2, 3, 4, 5]
    let input = MV.iota(shape)
    let values = input.values(Float.self)
    for perm in MV.permutations(4) {
      guard
        let result = MV.run(
          MV.node("Transpose", inputs: 1, [MV.ints("perm", perm)]), [.runtime(input)])
      else { return }
      XCTAssertEqual(result.outputs[0].type.shape, perm.map { shape[$0] })
      XCTAssertEqual(
        result.outputs[0].values(Float.self), MV.transpose(values, shape, perm),
        "perm " + dimsText(perm))
    }
  }

  func testTransposeIntegerTypesAndLargeTiles() {
    // Large enough for the tiled path with partial tiles, on 1-, 2- and 8-byte elements.
    let shape = [3, 37, 21]
    let count = shape.reduce(1, *)
    let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7) }
    let wide = (0..<count).map { Int64($0) * 1_000_003 - 5 }
    let halves = (0..<count).map { Int16(truncatingIfNeeded: $0 - 600) }
    for perm in MV.permutations(3) {
      let node = MV.node("Transpose", inputs: 1, [MV.ints("perm", perm)])
      guard let narrow = MV.run(node, [.runtime(MV.uint8s(shape, bytes))]),
        let long = MV.run(node, [.runtime(MV.int64s(shape, wide))]),
        let half = MV.run(node, [.runtime(Constant(.int16, shape, values: halves))])
      else { return }
      XCTAssertEqual(
        narrow.outputs[0].values(UInt8.self), MV.transpose(bytes, shape, perm),
        "uint8 " + dimsText(perm))
      XCTAssertEqual(
        long.outputs[0].values(Int64.self), MV.transpose(wide, shape, perm),
        "int64 " + dimsText(perm))
      XCTAssertEqual(
        half.outputs[0].values(Int16.self), MV.transpose(halves, shape, perm),
        "int16 " + dimsText(perm))
    }
  }

  func testTransposePlansUseBulkRowsAndTiles() {
    func plan(_ perm: [Int], _ shape: [Int]) -> StridedCopyPlan? {
      let node = MV.node("Transpose", inputs: 1, [MV.ints("perm", perm)])
      guard let result = MV.run(node, [.runtime(MV.iota(shape))]),
        case .movement(let kernel) = result.prepared.kernel, case .strided(let plan) = kernel.body
      else { return nil }
      return plan
    }
    // Innermost dim kept: [C, N, H*W] with rows of H*W copied in bulk, no tiles.
    let rows = plan([1, 0, 2, 3], [2, 3, 4, 5])
    XCTAssertEqual(rows?.tileDim, -1)
    XCTAssertEqual(rows?.inStrides.last, 4)
    XCTAssertEqual(rows?.dims, [3, 2, 20])
    // NCHW -> NHWC: tiles over (H*W, C) per image.
    let nhwc = plan([0, 2, 3, 1], [2, 3, 4, 5])
    XCTAssertEqual(nhwc?.dims, [2, 20, 3])
    XCTAssertEqual(nhwc?.tileDim, 1)
  }

  func testTranspose2DDefaultPermAndIdentityAlias() {
    let shape = [33, 50]
    let input = MV.iota(shape)
    guard let result = MV.run(MV.node("Transpose", inputs: 1), [.runtime(input)]) else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [50, 33])
    XCTAssertEqual(
      result.outputs[0].values(Float.self), MV.transpose(input.values(Float.self), shape, [1, 0]))
    // Moving only a unit dim reproduces the input: the step aliases it.
    guard
      let alias = MV.run(
        MV.node("Transpose", inputs: 1, [MV.ints("perm", [1, 0, 2])]),
        [.runtime(MV.iota([1, 4, 5]))])
    else { return }
    XCTAssertTrue(alias.prepared.aliasesInput)
    XCTAssertEqual(alias.outputs[0].type.shape, [4, 1, 5])
    MV.expectError(
      MV.node("Transpose", inputs: 1, [MV.ints("perm", [0, 0])]), [.runtime(input)],
      contains: "repeated")
    MV.expectError(
      MV.node("Transpose", inputs: 1, [MV.ints("perm", [1, 0, 2])]), [.runtime(input)],
      contains: "rank")
  }

  // MARK: Slice

  func testSliceGoldens() {
    let input = MV.iota([3, 4, 5])
    for golden in MovementGoldens.slice {
      let inputs: [HarnessInput] = [
        .runtime(input), .constant(MV.int64s(golden.starts)), .constant(MV.int64s(golden.ends)),
        .constant(MV.int64s(golden.axes)), .constant(MV.int64s(golden.steps)),
      ]
      guard let result = MV.run(MV.node("Slice", inputs: 5), opset: 13, inputs) else { return }
      let label = "starts " + dimsText(golden.starts) + " steps " + dimsText(golden.steps)
      XCTAssertEqual(result.outputs[0].type.shape, golden.outputShape, label)
      XCTAssertEqual(result.outputs[0].values(Float.self), golden.expected, label)
    }
  }

  func testSliceNegativeStepOnIntegersAndClamping() {
    let bytes = MV.uint8s([2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    let inputs: [HarnessInput] = [
      .runtime(bytes), .constant(MV.int64s([100])), .constant(MV.int64s([Int(Int64.min)])),
      .constant(MV.int64s([-1])), .constant(MV.int64s([-2])),
    ]
    guard let result = MV.run(MV.node("Slice", inputs: 5), opset: 13, inputs) else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 3])
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [5, 3, 1, 10, 8, 6])

    let wide = MV.int64s([6], [10, 11, 12, 13, 14, 15])
    guard
      let tail = MV.run(
        MV.node("Slice", inputs: 3), opset: 10,
        [.runtime(wide), .constant(MV.int64s([-4])), .constant(MV.int64s([Int(Int64.max)]))])
    else { return }
    XCTAssertEqual(tail.outputs[0].values(Int64.self), [12, 13, 14, 15])
  }

  func testSliceOpset9AttributesAndErrors() {
    let node = MV.node(
      "Slice", inputs: 1,
      [MV.ints("starts", [1, -3]), MV.ints("ends", [2, 1000]), MV.ints("axes", [0, 1])])
    guard let result = MV.run(node, opset: 9, [.runtime(MV.iota([3, 4]))]) else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [1, 3])
    XCTAssertEqual(result.outputs[0].values(Float.self), [5, 6, 7])
    // Taking everything aliases the input.
    guard
      let all = MV.run(
        MV.node("Slice", inputs: 3), opset: 13,
        [.runtime(MV.iota([3, 4])), .constant(MV.int64s([0])), .constant(MV.int64s([10]))])
    else { return }
    XCTAssertTrue(all.prepared.aliasesInput)
    MV.expectError(
      MV.node("Slice", inputs: 5), opset: 13,
      [
        .runtime(MV.iota([3])), .constant(MV.int64s([0])), .constant(MV.int64s([2])),
        .constant(MV.int64s([0])),
        .constant(MV.int64s([0])),
      ], contains: "zero")
    MV.expectError(
      MV.node("Slice", inputs: 3), opset: 13,
      [.runtime(MV.iota([3])), .runtime(MV.int64s([0])), .constant(MV.int64s([2]))],
      .unsupported, contains: "starts")
  }

  // MARK: Gather

  func testGatherConstantIndices() {
    let data = MV.iota([3, 4])
    guard
      let rows = MV.run(
        MV.node("Gather", inputs: 2), [.runtime(data), .constant(MV.int64s([2], [2, -3]))]),
      let columns = MV.run(
        MV.node("Gather", inputs: 2, [MV.int("axis", -1)]),
        [.runtime(data), .constant(MV.int64s([2, 2], [3, 0, -1, 1]))]),
      let scalar = MV.run(
        MV.node("Gather", inputs: 2, [MV.int("axis", 1)]),
        [.runtime(data), .constant(MV.int64s([], [2]))])
    else { return }
    XCTAssertEqual(rows.outputs[0].type.shape, [2, 4])
    XCTAssertEqual(rows.outputs[0].values(Float.self), [8, 9, 10, 11, 0, 1, 2, 3])
    XCTAssertEqual(columns.outputs[0].type.shape, [3, 2, 2])
    XCTAssertEqual(columns.outputs[0].values(Float.self), [3, 0, 3, 1, 7, 4, 7, 5, 11, 8, 11, 9])
    XCTAssertEqual(scalar.outputs[0].type.shape, [3])
    XCTAssertEqual(scalar.outputs[0].values(Float.self), [2, 6, 10])
    MV.expectError(
      MV.node("Gather", inputs: 2), [.runtime(data), .constant(MV.int64s([1], [3]))],
      contains: "out of range")
  }

  func testGatherRuntimeIndicesWrapAndClamp() {
    // Out-of-range run-time indices clamp into the axis instead of reading outside the tensor.
    let data = MV.int64s([4, 2], [10, 11, 20, 21, 30, 31, 40, 41])
    guard
      let wide = MV.run(
        MV.node("Gather", inputs: 2),
        [.runtime(data), .runtime(MV.int64s([5], [-1, 1, 7, -9, 0]))]),
      let narrow = MV.run(
        MV.node("Gather", inputs: 2, [MV.int("axis", 1)]),
        [
          .runtime(MV.uint8s([2, 3], [1, 2, 3, 4, 5, 6])),
          .runtime(MV.int32s([4], [2, -1, 0, 99])),
        ])
    else { return }
    XCTAssertEqual(wide.outputs[0].values(Int64.self), [40, 41, 20, 21, 40, 41, 10, 11, 10, 11])
    XCTAssertEqual(narrow.outputs[0].values(UInt8.self), [3, 3, 1, 3, 6, 6, 4, 6])
  }

  // MARK: Expand and Tile

  func testExpand() {
    guard
      let float = MV.run(
        MV.node("Expand", inputs: 2),
        [.runtime(MV.floats([3, 1], [1, 2, 3])), .constant(MV.int64s([2, 1, 4]))]),
      let wide = MV.run(
        MV.node("Expand", inputs: 2),
        [.runtime(MV.int64s([1, 3], [7, 8, 9])), .constant(MV.int64s([2, 1]))]),
      let same = MV.run(
        MV.node("Expand", inputs: 2), [.runtime(MV.iota([2, 3])), .constant(MV.int64s([1, 1]))]),
      let narrow = MV.run(
        MV.node("Expand", inputs: 2),
        [.runtime(MV.uint8s([2, 1], [4, 9])), .constant(MV.int64s([2, 3]))])
    else { return }
    XCTAssertEqual(narrow.outputs[0].values(UInt8.self), [4, 4, 4, 9, 9, 9])
    XCTAssertEqual(float.outputs[0].type.shape, [2, 3, 4])
    XCTAssertEqual(
      float.outputs[0].values(Float.self),
      [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
    XCTAssertEqual(wide.outputs[0].values(Int64.self), [7, 8, 9, 7, 8, 9])
    XCTAssertTrue(same.prepared.aliasesInput)
    MV.expectError(
      MV.node("Expand", inputs: 2), [.runtime(MV.iota([3])), .constant(MV.int64s([4]))],
      contains: "cannot expand")
  }

  func testTile() {
    guard
      let float = MV.run(
        MV.node("Tile", inputs: 2),
        [.runtime(MV.floats([2, 2], [1, 2, 3, 4])), .constant(MV.int64s([2, 3]))]),
      let narrow = MV.run(
        MV.node("Tile", inputs: 2),
        [.runtime(MV.uint8s([1, 3], [5, 6, 7])), .constant(MV.int64s([2, 1]))]),
      let wide = MV.run(
        MV.node("Tile", inputs: 2),
        [.runtime(MV.int64s([3], [1, 2, 3])), .constant(MV.int64s([1]))])
    else { return }
    XCTAssertEqual(float.outputs[0].type.shape, [4, 6])
    XCTAssertEqual(
      float.outputs[0].values(Float.self),
      [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
    XCTAssertEqual(narrow.outputs[0].values(UInt8.self), [5, 6, 7, 5, 6, 7])
    XCTAssertTrue(wide.prepared.aliasesInput)
    MV.expectError(
      MV.node("Tile", inputs: 2), [.runtime(MV.iota([3])), .constant(MV.int64s([1, 2]))],
      contains: "rank")
  }
}
