import ONNXFormat
import XCTest

@testable import Runtime

/// Pad and Resize against onnxruntime goldens (MovementGoldens.swift).
final class MovementPadResizeTests: XCTestCase {
  // MARK: Pad

  func testPadGoldens() {
    let input = MV.floats([3, 4], (1...12).map { Float($0) })
    for golden in MovementGoldens.pad {
      var inputs: [HarnessInput] = [.runtime(input), .constant(MV.int64s(golden.pads))]
      if golden.mode == "constant" { inputs.append(.constant(MV.floats([], [9.5]))) }
      let node = MV.node("Pad", inputs: inputs.count, [MV.string("mode", golden.mode)])
      guard let result = MV.run(node, opset: 19, inputs) else { return }
      let label = golden.mode + " " + dimsText(golden.pads)
      XCTAssertEqual(result.outputs[0].type.shape, golden.outputShape, label)
      XCTAssertEqual(result.outputs[0].values(Float.self), golden.expected, label)
    }
  }

  /// numpy.pad semantics for non-negative pads, element by element.
  private func naivePad(
    _ values: [Float], _ shape: [Int], _ pads: [Int], _ mode: String, _ value: Float
  ) -> [Float] {
    let rank = shape.count
    let outShape = (0..<rank).map { shape[$0] + pads[$0] + pads[rank + $0] }
    let count = outShape.reduce(1, *)
    return (0..<count).map { index in
      let out = MV.coordinates(index, outShape)
      var source: [Int] = []
      for axis in 0..<rank {
        let n = shape[axis]
        var c = out[axis] - pads[axis]
        if c < 0 || c >= n {
          switch mode {
          case "constant": return value
          case "edge": c = min(max(c, 0), n - 1)
          case "wrap": c = ((c % n) + n) % n
          default:
            while c < 0 || c >= n { c = c < 0 ? -c : 2 * (n - 1) - c }
          }
        }
        source.append(c)
      }
      return values[MV.offset(source, shape)]
    }
  }

  func testPad4DMatchesNaiveReference() {
    let shape = [2, 3, 4, 5]
    let input = MV.iota(shape)
    let padsList = [
      [0, 0, 1, 2, 0, 0, 3, 1], [1, 0, 0, 0, 0, 2, 0, 0], [0, 1, 2, 3, 1, 0, 3, 4],
      [0, 0, 0, 4, 0, 0, 0, 0],
    ]
    for mode in ["constant", "edge", "reflect", "wrap"] {
      for pads in padsList {
        let node = MV.node("Pad", inputs: 3, [MV.string("mode", mode)])
        guard
          let result = MV.run(
            node, opset: 19,
            [.runtime(input), .constant(MV.int64s(pads)), .constant(MV.floats([], [-1.5]))])
        else { return }
        XCTAssertEqual(
          result.outputs[0].values(Float.self),
          naivePad(input.values(Float.self), shape, pads, mode, -1.5),
          mode + " " + dimsText(pads))
      }
    }
  }

  func testPadOpset2AttributesOnInt64() {
    let node = MV.node("Pad", inputs: 1, [MV.ints("pads", [0, 1, 0, 2]), MV.float("value", -3)])
    guard let result = MV.run(node, opset: 2, [.runtime(MV.int64s([2, 2], [1, 2, 3, 4]))]) else {
      return
    }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 5])
    XCTAssertEqual(result.outputs[0].values(Int64.self), [-3, 1, 2, -3, -3, -3, 3, 4, -3, -3])
  }

  func testPadEdgeAndReflectOnUInt8WithAxes() {
    let data = MV.uint8s([2, 3], [1, 2, 3, 4, 5, 6])
    let edge = MV.node("Pad", inputs: 4, [MV.string("mode", "edge")])
    guard
      let result = MV.run(
        edge, opset: 18,
        [.runtime(data), .constant(MV.int64s([2, 1])), .omitted, .constant(MV.int64s([-1]))])
    else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 6])
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6])
    let reflect = MV.node("Pad", inputs: 2, [MV.string("mode", "reflect")])
    guard
      let mirrored = MV.run(
        reflect, opset: 13, [.runtime(data), .constant(MV.int64s([1, 2, 1, 0]))])
    else { return }
    XCTAssertEqual(mirrored.outputs[0].type.shape, [4, 5])
    XCTAssertEqual(
      mirrored.outputs[0].values(UInt8.self),
      [6, 5, 4, 5, 6, 3, 2, 1, 2, 3, 6, 5, 4, 5, 6, 3, 2, 1, 2, 3])
  }

  func testPadRuntimeConstantValueAndAlias() {
    let node = MV.node("Pad", inputs: 3)
    guard
      let result = MV.run(
        node, opset: 13,
        [
          .runtime(MV.floats([2], [1, 2])), .constant(MV.int64s([1, 1])),
          .runtime(MV.floats([], [-7])),
        ])
    else { return }
    XCTAssertEqual(result.outputs[0].values(Float.self), [-7, 1, 2, -7])
    guard
      let none = MV.run(
        node, opset: 13, [.runtime(MV.iota([2, 3])), .constant(MV.int64s([0, 0, 0, 0]))])
    else { return }
    XCTAssertTrue(none.prepared.aliasesInput)
  }

  func testPadAndResizeWithAStridedInnermostDim() {
    // Cropping the last dim to one element leaves a strided innermost dim.
    guard
      let padded = MV.run(
        MV.node("Pad", inputs: 3), opset: 13,
        [
          .runtime(MV.iota([2, 3])), .constant(MV.int64s([1, 0, 0, -2])),
          .constant(MV.floats([], [-1])),
        ])
    else { return }
    XCTAssertEqual(padded.outputs[0].type.shape, [3, 1])
    XCTAssertEqual(padded.outputs[0].values(Float.self), [-1, 0, 3])
    let node = MV.node(
      "Resize", inputs: 4,
      [
        MV.string("coordinate_transformation_mode", "asymmetric"),
        MV.string("nearest_mode", "floor"),
      ])
    guard
      let resized = MV.run(
        node, opset: 13,
        [.runtime(MV.iota([1, 1, 2, 3])), .omitted, .omitted, .constant(MV.int64s([1, 1, 4, 1]))])
    else { return }
    XCTAssertEqual(resized.outputs[0].values(Float.self), [0, 0, 3, 3])
    guard
      let strided = MV.run(
        MV.node("Pad", inputs: 2), opset: 13,
        [.runtime(MV.iota([3, 3])), .constant(MV.int64s([-1, 0, 0, -2]))])
    else { return }
    XCTAssertEqual(strided.outputs[0].values(Float.self), [3, 6])
  }

  func testPadErrors() {
    let input = HarnessInput.runtime(MV.iota([2, 3]))
    MV.expectError(
      MV.node("Pad", inputs: 2), opset: 13, [input, .constant(MV.int64s([1, 1]))],
      contains: "2 entries per axis")
    MV.expectError(
      MV.node("Pad", inputs: 2), opset: 13, [input, .constant(MV.int64s([-3, 0, 0, 0]))],
      contains: "crop more")
    MV.expectError(
      MV.node("Pad", inputs: 2, [MV.string("mode", "reflect")]), opset: 13,
      [input, .constant(MV.int64s([-2, 0, 1, 0]))], contains: "empty axis")
    MV.expectError(
      MV.node("Pad", inputs: 2, [MV.string("mode", "mirror")]), opset: 13,
      [input, .constant(MV.int64s([0, 0, 0, 0]))],
      .unsupported, contains: "mirror")
    MV.expectError(
      MV.node("Pad", inputs: 3), opset: 13,
      [input, .constant(MV.int64s([0, 0, 0, 0])), .constant(MV.int64s([], [1]))],
      contains: "constant_value")
  }

  // MARK: Resize

  func testResizeGoldens() {
    checkResizeGoldens(MovementGoldens.resize)
  }

  /// tf_crop_and_resize (roi, extrapolation_value, axes), keep_aspect_ratio_policy and antialias.
  func testResizeCropAspectAntialiasGoldens() {
    checkResizeGoldens(MovementGoldens.resizeCropAspectAntialias)
  }

  private func checkResizeGoldens(_ goldens: [ResizeGolden]) {
    for golden in goldens {
      let count = golden.shape.reduce(1, *)
      let input: Constant
      if golden.uint8 {
        input = MV.uint8s(golden.shape, (0..<count).map { UInt8(($0 * 37 + 11) % 251) })
      } else {
        input = MV.floats(golden.shape, (0..<count).map { Float(($0 * 7) % 11) + Float($0) * 0.25 })
      }
      var attributes: [Attribute] = []
      for (name, value) in golden.strings { attributes.append(MV.string(name, value)) }
      for (name, value) in golden.ints { attributes.append(MV.int(name, value)) }
      for (name, value) in golden.floats { attributes.append(MV.float(name, value)) }
      if let axes = golden.axes { attributes.append(MV.ints("axes", axes)) }
      var inputs: [HarnessInput] = [.runtime(input)]
      if golden.opset == 10 {
        inputs.append(.constant(MV.floats([golden.scales!.count], golden.scales!)))
      } else {
        if let roi = golden.roi {
          inputs.append(.constant(MV.floats([roi.count], roi)))
        } else {
          inputs.append(.omitted)
        }
        if let scales = golden.scales {
          inputs.append(.constant(MV.floats([scales.count], scales)))
        } else {
          inputs.append(.omitted)
          inputs.append(.constant(MV.int64s(golden.sizes!)))
        }
      }
      let node = MV.node("Resize", inputs: inputs.count, attributes)
      guard let result = MV.run(node, opset: golden.opset, inputs) else {
        XCTFail(golden.name)
        return
      }
      XCTAssertEqual(result.outputs[0].type.shape, golden.outputShape, golden.name)
      if golden.uint8 {
        XCTAssertEqual(
          result.outputs[0].values(UInt8.self), golden.expected.map { UInt8($0) }, golden.name)
      } else {
        let actual = result.outputs[0].values(Float.self)
        if actual.count != golden.expected.count {
          XCTFail(golden.name + ": element count")
          continue
        }
        for index in 0..<actual.count
        where abs(actual[index] - golden.expected[index]) > 1e-5 + 1e-5
          * abs(golden.expected[index])
        {
          XCTFail(
            golden.name + ": element " + String(index) + " " + String(actual[index]) + " != "
              + String(golden.expected[index]))
          break
        }
      }
    }
  }

  func testResizeNearestOnInt64AndIdentityAlias() {
    let input = MV.int64s([1, 2], [-5, 9])
    let node = MV.node("Resize", inputs: 3, [MV.string("mode", "nearest")])
    guard
      let result = MV.run(
        node, opset: 13, [.runtime(input), .omitted, .constant(MV.floats([2], [2, 2]))])
    else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [2, 4])
    XCTAssertEqual(result.outputs[0].values(Int64.self), [-5, -5, 9, 9, -5, -5, 9, 9])
    guard
      let same = MV.run(
        MV.node("Resize", inputs: 4, [MV.string("mode", "linear")]), opset: 13,
        [.runtime(MV.iota([1, 3, 4])), .omitted, .omitted, .constant(MV.int64s([1, 3, 4]))])
    else { return }
    XCTAssertTrue(same.prepared.aliasesInput)
  }

  func testResizeRefusals() {
    let input = HarnessInput.runtime(MV.iota([1, 1, 2, 2]))
    let scales = HarnessInput.constant(MV.floats([4], [1, 1, 2, 2]))
    let crop = MV.string("coordinate_transformation_mode", "tf_crop_and_resize")
    MV.expectError(
      MV.node("Resize", inputs: 3, [crop]), opset: 13, [input, .omitted, scales],
      contains: "needs the roi input")
    MV.expectError(
      MV.node("Resize", inputs: 3, [crop]), opset: 13,
      [input, .constant(MV.floats([4], [0, 0, 1, 1])), scales], contains: "roi has 4 entries")
    MV.expectError(
      MV.node("Resize", inputs: 3, [crop]), opset: 13,
      [input, .runtime(MV.floats([8], [0, 0, 0, 0, 1, 1, 1, 1])), scales], .unsupported,
      contains: "roi")
    MV.expectError(
      MV.node("Resize", inputs: 3, [MV.string("mode", "linear")]), opset: 13,
      [.runtime(MV.uint8s([1, 1, 2, 2], [1, 2, 3, 4])), .omitted, scales], .unsupported,
      contains: "float32 only")
    MV.expectError(
      MV.node("Resize", inputs: 4), opset: 13,
      [input, .omitted, scales, .constant(MV.int64s([1, 1, 4, 4]))],
      contains: "only one of")
    MV.expectError(
      MV.node("Resize", inputs: 2), opset: 13, [input, .omitted],
      contains: "one of scales and sizes")
    MV.expectError(
      MV.node("Resize", inputs: 4, [MV.string("keep_aspect_ratio_policy", "fit")]),
      opset: 18,
      [input, .omitted, .omitted, .constant(MV.int64s([1, 1, 4, 4]))],
      contains: "keep_aspect_ratio_policy 'fit'")
    MV.expectError(
      MV.node("Resize", inputs: 3), opset: 13,
      [input, .omitted, .runtime(MV.floats([4], [1, 1, 2, 2]))], .unsupported,
      contains: "scales")
    MV.expectError(
      MV.node("Resize", inputs: 3, [MV.string("mode", "linear")]), opset: 13,
      [.runtime(MV.iota([2, 2, 2, 2])), .omitted, .constant(MV.floats([4], [2, 2, 2, 2]))],
      .unsupported,
      contains: "last three dims")
  }

  /// test_resize_downsample_scales_linear_align_corners: with `scales`, align_corners divides by the
  /// fractional target length `scale * length - 1` (the spec's length_resized for scales, the onnx
  /// reference and the node test's data); onnxruntime divides by the integer output length - 1 and
  /// gives [1, 4].
  func testResizeAlignCornersWithScalesUsesTheFractionalLength() {
    let node = MV.node(
      "Resize", inputs: 3,
      [MV.string("mode", "linear"), MV.string("coordinate_transformation_mode", "align_corners")])
    guard
      let result = MV.run(
        node, opset: 19,
        [
          .runtime(MV.floats([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8])), .omitted,
          .constant(MV.floats([4], [1, 1, 0.6, 0.6])),
        ])
    else { return }
    XCTAssertEqual(result.outputs[0].type.shape, [1, 1, 1, 2])
    assertClose(result.outputs[0].values(Float.self), [1, 3.142857])
  }

  /// antialias stretches the filter only when downsampling: linear upsampling is unchanged. Nearest
  /// mode rejects it, as onnxruntime and the onnx reference do.
  func testResizeAntialiasLeavesUpsamplingAloneAndRejectsNearest() {
    let input = HarnessInput.runtime(MV.floats([1, 1, 3, 4], (0..<12).map { Float($0 * $0 % 7) }))
    let scales = HarnessInput.constant(MV.floats([4], [1, 1, 2, 1.5]))
    for mode in ["linear", "cubic"] {
      guard
        let plain = MV.run(
          MV.node("Resize", inputs: 3, [MV.string("mode", mode)]), opset: 18,
          [input, .omitted, scales]),
        let antialiased = MV.run(
          MV.node("Resize", inputs: 3, [MV.string("mode", mode), MV.int("antialias", 1)]),
          opset: 18, [input, .omitted, scales])
      else { return }
      XCTAssertEqual(plain.outputs[0].type.shape, [1, 1, 6, 6], mode)
      XCTAssertEqual(antialiased.outputs[0].type.shape, [1, 1, 6, 6], mode)
      assertClose(
        antialiased.outputs[0].values(Float.self), plain.outputs[0].values(Float.self))
    }
    MV.expectError(
      MV.node("Resize", inputs: 3, [MV.string("mode", "nearest"), MV.int("antialias", 1)]),
      opset: 18, [input, .omitted, scales], contains: "not nearest")
  }

  /// tf_crop_and_resize with an roi of [0, 1] on every dim and the same sizes reads every input
  /// coordinate: the step aliases its input; an roi reaching outside fills extrapolation_value.
  func testResizeCropIdentityAndExtrapolation() {
    let input = MV.iota([1, 2, 3])
    let crop = MV.string("coordinate_transformation_mode", "tf_crop_and_resize")
    guard
      let same = MV.run(
        MV.node("Resize", inputs: 4, [MV.string("mode", "linear"), crop]), opset: 13,
        [
          .runtime(input), .constant(MV.floats([6], [0, 0, 0, 1, 1, 1])), .omitted,
          .constant(MV.int64s([1, 2, 3])),
        ])
    else { return }
    XCTAssertTrue(same.prepared.aliasesInput)
    // W roi [-1, 2] on 3 elements: source coordinates -2, 0, 2, 4; H roi [0, 1].
    guard
      let outside = MV.run(
        MV.node(
          "Resize", inputs: 4,
          [MV.string("mode", "linear"), crop, MV.float("extrapolation_value", -9)]),
        opset: 13,
        [
          .runtime(input), .constant(MV.floats([6], [0, 0, -1, 1, 1, 2])), .omitted,
          .constant(MV.int64s([1, 2, 4])),
        ])
    else { return }
    XCTAssertEqual(outside.outputs[0].values(Float.self), [-9, 0, 2, -9, -9, 3, 5, -9])
  }
}
