// Golden values for the Movement tests, produced by onnxruntime 1.32 and cross-checked against
// onnx 1.23's ReferenceEvaluator (see the generator scripts at the end of this file). Where the two
// disagree:
// - Resize align_corners with `scales` whose output length is fractional: onnxruntime divides by the
//   integer output length - 1; the reference and the ONNX node tests (test_resize_downsample_scales_
//   {linear,cubic}_align_corners) divide by the fractional `scale * length - 1`, the spec's
//   `length_resized` for scales (`output_width`). The values follow the reference.
// - Pad with negative pads (onnxruntime crops first; numpy cannot) and reflect pads wider than the
//   dim (onnxruntime refuses; the values are numpy's repeated reflection, which the kernel follows).
// - Resize cases onnxruntime refuses (4-D trilinear) or the reference cannot run (opset 10,
//   tf_half_pixel_for_nn, axes) take the other's values.

struct ResizeGolden {
  var name: String
  var opset: Int
  var shape: [Int]
  var uint8: Bool
  var strings: [(String, String)]
  var ints: [(String, Int)]
  var floats: [(String, Float)]
  var axes: [Int]?
  var scales: [Float]?
  var sizes: [Int]?
  var outputShape: [Int]
  var expected: [Float]
  /// tf_crop_and_resize's roi input (input 1), when given.
  var roi: [Float]? = nil
}

struct PadGolden {
  var mode: String
  var pads: [Int]
  var outputShape: [Int]
  var expected: [Float]
}

struct SliceGolden {
  var starts: [Int]
  var ends: [Int]
  var axes: [Int]
  var steps: [Int]
  var outputShape: [Int]
  var expected: [Float]
}

enum MovementGoldens {
  /// Input of every float Resize case: element i is (i * 7 % 11) + i * 0.25; uint8 cases use (i * 37 + 11) % 251.
  static let resize: [ResizeGolden] = [
    ResizeGolden(
      name: "nearest half_pixel round_prefer_floor up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest half_pixel round_prefer_floor down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [7.25, 10.75, 10.5, 3.0, 6.0, 9.5]),
    ResizeGolden(
      name: "nearest half_pixel round_prefer_floor scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5]),
    ResizeGolden(
      name: "nearest half_pixel round_prefer_ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest half_pixel round_prefer_ceil down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [7.25, 10.75, 2.75, 6.25, 6.0, 9.5]),
    ResizeGolden(
      name: "nearest half_pixel round_prefer_ceil scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75]),
    ResizeGolden(
      name: "nearest half_pixel floor up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25,
        3.5, 3.5, 10.75, 7.0, 3.25, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 3.25, 3.25, 10.5, 6.75,
        6.75, 3.0, 10.25, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25,
        13.5, 9.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest half_pixel floor down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 10.75, 3.25, 3.0, 6.5, 6.25]),
    ResizeGolden(
      name: "nearest half_pixel floor scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 6.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25]),
    ResizeGolden(
      name: "nearest half_pixel ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 3.25, 10.5,
        6.75, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 6.5, 2.75, 10.0,
        10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest half_pixel ceil down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [10.5, 10.25, 2.75, 13.5, 6.0, 5.75]),
    ResizeGolden(
      name: "nearest half_pixel ceil scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_floor up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 7.0, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5,
        10.5, 6.75, 3.0, 10.25, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 13.5, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        5.75, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_floor down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 3.5, 3.25, 6.75, 9.75, 13.25]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_floor scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5, 10.5, 6.75, 3.0, 10.25, 10.25, 3.25,
        10.5, 10.5, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 2.75, 10.0, 6.25, 13.5, 13.5, 6.5, 2.75,
        2.75, 10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5, 5.75, 5.75, 9.75, 6.0, 6.0, 13.25,
        9.5, 5.75, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_ceil down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 10.75, 3.25, 3.0, 9.75, 9.5]),
    ResizeGolden(
      name: "nearest asymmetric round_prefer_ceil scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5]),
    ResizeGolden(
      name: "nearest asymmetric floor up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 3.25, 3.25,
        10.5, 6.75, 6.75, 3.0, 10.25, 3.25, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 6.5, 6.5, 2.75,
        10.0, 10.0, 6.25, 13.5, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 9.75, 9.75, 6.0, 13.25,
        13.25, 9.5, 5.75, 9.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest asymmetric floor down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 3.5, 3.25, 6.75, 6.5, 10.0]),
    ResizeGolden(
      name: "nearest asymmetric floor scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5]),
    ResizeGolden(
      name: "nearest asymmetric ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 10.75, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 3.0, 3.0, 10.25, 10.25, 3.25,
        10.5, 6.75, 3.0, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 6.25, 6.25, 13.5, 13.5, 6.5, 2.75,
        10.0, 6.25, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 9.5, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 9.5,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 9.5, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest asymmetric ceil down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 10.75, 6.5, 6.25, 9.75, 9.5]),
    ResizeGolden(
      name: "nearest asymmetric ceil scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_floor up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_floor down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 7.0, 3.25, 10.25, 9.75, 5.75]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_floor scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 3.5, 10.75, 7.0, 9.75, 6.0, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_ceil up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_ceil down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 7.0, 6.5, 13.5, 9.75, 5.75]),
    ResizeGolden(
      name: "nearest align_corners round_prefer_ceil scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 3.5, 10.75, 7.0, 9.75, 6.0, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners floor up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25,
        3.5, 3.5, 10.75, 7.0, 3.25, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 3.25, 3.25, 10.5, 6.75,
        6.75, 3.0, 10.25, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25,
        13.5, 9.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners floor down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 7.0, 3.25, 10.25, 9.75, 5.75]),
    ResizeGolden(
      name: "nearest align_corners floor scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        0.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 9.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5,
      ]),
    ResizeGolden(
      name: "nearest align_corners ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 3.25, 10.5,
        6.75, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 6.5, 2.75, 10.0,
        10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest align_corners ceil down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 7.0, 6.5, 13.5, 9.75, 5.75]),
    ResizeGolden(
      name: "nearest align_corners ceil scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "align_corners"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_floor up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_floor down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [7.25, 10.75, 10.5, 3.0, 6.0, 9.5]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_floor scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_ceil up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_ceil down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [7.25, 10.75, 2.75, 6.25, 6.0, 9.5]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel round_prefer_ceil scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel floor up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 0.0, 0.0, 7.25,
        3.5, 3.5, 10.75, 7.0, 3.25, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 3.25, 3.25, 10.5, 6.75,
        6.75, 3.0, 10.25, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25,
        13.5, 9.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel floor down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 10.75, 3.25, 3.0, 6.5, 6.25]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel floor scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [0.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 6.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 3.25, 10.5,
        6.75, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 6.5, 2.75, 10.0,
        10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel ceil down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [10.5, 10.25, 2.75, 13.5, 6.0, 5.75]),
    ResizeGolden(
      name: "nearest pytorch_half_pixel ceil scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "pytorch_half_pixel"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_floor up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 3.25, 10.5,
        6.75, 6.75, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 6.5, 2.75, 10.0,
        10.0, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_floor down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [10.5, 10.25, 2.75, 13.5, 6.0, 5.75]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_floor scales", opset: 13,
      shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_ceil up", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 3.5, 10.75, 10.75, 7.0, 7.0, 3.25, 10.5, 6.75, 3.0, 3.0, 10.25, 10.25, 3.25,
        10.5, 6.75, 3.0, 3.0, 10.25, 10.25, 6.5, 2.75, 10.0, 6.25, 6.25, 13.5, 13.5, 6.5, 2.75,
        10.0, 6.25, 6.25, 13.5, 13.5, 9.75, 6.0, 13.25, 9.5, 9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 9.5,
        9.5, 5.75, 5.75, 9.75, 6.0, 13.25, 9.5, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_ceil down", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [10.5, 10.25, 2.75, 13.5, 6.0, 5.75]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn round_prefer_ceil scales", opset: 13,
      shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "round_prefer_ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn floor up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 0.0, 7.25, 7.25, 3.5, 10.75, 10.75, 7.0, 3.25,
        10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 6.5, 2.75, 2.75,
        10.0, 6.25, 6.25, 13.5, 6.5, 2.75, 2.75, 10.0, 6.25, 6.25, 13.5, 9.75, 6.0, 6.0, 13.25, 9.5,
        9.5, 5.75, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn floor down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [7.25, 10.75, 2.75, 6.25, 6.0, 9.5]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn floor scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "floor"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [3.25, 10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 9.75, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn ceil up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 10.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 10.25,
        2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 13.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 13.5, 6.0,
        13.25, 13.25, 9.5, 5.75, 5.75, 5.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 5.75, 6.0, 13.25,
        13.25, 9.5, 5.75, 5.75, 5.75, 6.0, 13.25, 13.25, 9.5, 5.75, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn ceil down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [6.75, 10.25, 10.0, 13.5, 13.25, 5.75]),
    ResizeGolden(
      name: "nearest tf_half_pixel_for_nn ceil scales", opset: 13, shape: [1, 1, 4, 5],
      uint8: false,
      strings: [
        ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
        ("nearest_mode", "ceil"),
      ], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [10.5, 10.5, 6.75, 3.0, 3.0, 10.25, 10.25, 6.0, 6.0, 13.25, 9.5, 9.5, 5.75, 5.75]),
    ResizeGolden(
      name: "nearest default uint8", opset: 13, shape: [1, 2, 3, 3], uint8: true,
      strings: [("mode", "nearest")], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 2.0, 2.0], sizes: nil, outputShape: [1, 2, 6, 6],
      expected: [
        11.0, 11.0, 48.0, 48.0, 85.0, 85.0, 11.0, 11.0, 48.0, 48.0, 85.0, 85.0, 122.0, 122.0, 159.0,
        159.0, 196.0, 196.0, 122.0, 122.0, 159.0, 159.0, 196.0, 196.0, 233.0, 233.0, 19.0, 19.0,
        56.0, 56.0, 233.0, 233.0, 19.0, 19.0, 56.0, 56.0, 93.0, 93.0, 130.0, 130.0, 167.0, 167.0,
        93.0, 93.0, 130.0, 130.0, 167.0, 167.0, 204.0, 204.0, 241.0, 241.0, 27.0, 27.0, 204.0,
        204.0, 241.0, 241.0, 27.0, 27.0, 64.0, 64.0, 101.0, 101.0, 138.0, 138.0, 64.0, 64.0, 101.0,
        101.0, 138.0, 138.0,
      ]),
    ResizeGolden(
      name: "nearest 5-D", opset: 13, shape: [1, 2, 2, 3, 2], uint8: false,
      strings: [("mode", "nearest")], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 3, 3, 2, 4], outputShape: [1, 3, 3, 2, 4],
      expected: [
        0.0, 0.0, 7.25, 7.25, 7.0, 7.0, 3.25, 3.25, 0.0, 0.0, 7.25, 7.25, 7.0, 7.0, 3.25, 3.25,
        10.5, 10.5, 6.75, 6.75, 6.5, 6.5, 2.75, 2.75, 0.0, 0.0, 7.25, 7.25, 7.0, 7.0, 3.25, 3.25,
        0.0, 0.0, 7.25, 7.25, 7.0, 7.0, 3.25, 3.25, 10.5, 10.5, 6.75, 6.75, 6.5, 6.5, 2.75, 2.75,
        10.0, 10.0, 6.25, 6.25, 6.0, 6.0, 13.25, 13.25, 10.0, 10.0, 6.25, 6.25, 6.0, 6.0, 13.25,
        13.25, 9.5, 9.5, 5.75, 5.75, 5.5, 5.5, 12.75, 12.75,
      ]),
    ResizeGolden(
      name: "linear half_pixel up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "half_pixel")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 4.142857074737549, 6.178571701049805, 3.5, 8.678571701049805, 9.14285659790039, 7.0,
        0.8125, 4.955357074737549, 6.9910712242126465, 4.3125, 7.526785850524902, 8.383928298950195,
        7.8125, 2.4375, 6.580356597900391, 8.616071701049805, 5.9375, 5.223214149475098,
        6.866071701049805, 9.4375, 4.0625, 6.633928298950195, 8.276784896850586, 7.5625,
        4.883928298950195, 6.919643402099609, 11.0625, 5.6875, 5.1160712242126465,
        5.973214149475098, 9.1875, 6.508928298950195, 8.54464340209961, 12.6875, 7.3125,
        5.169642925262451, 5.633928298950195, 10.8125, 8.133928298950195, 8.991071701049805,
        11.5625, 8.9375, 6.794642925262451, 7.258928298950195, 12.4375, 9.758928298950195,
        8.258928298950195, 7.6875, 9.75, 7.607143402099609, 8.071428298950195, 13.25,
        10.571428298950195, 7.892857074737549, 5.75,
      ]),
    ResizeGolden(
      name: "linear half_pixel down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "half_pixel")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [
        5.979166507720947, 8.979166030883789, 6.1875, 6.4375, 6.3958330154418945, 8.479166030883789,
      ]),
    ResizeGolden(
      name: "linear half_pixel scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "half_pixel")], ints: [],
      floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        1.625, 5.25, 8.25, 5.750000476837158, 6.0, 7.166666507720947, 8.333333969116211, 8.125,
        6.25, 5.5833330154418945, 10.416666030883789, 9.75, 8.166666984558105, 9.333333969116211,
      ]),
    ResizeGolden(
      name: "linear half_pixel to one", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "half_pixel")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 1, 3], outputShape: [1, 1, 1, 3],
      expected: [5.458333492279053, 8.375, 9.458332061767578]),
    ResizeGolden(
      name: "linear align_corners up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 4.833333492279053, 6.0, 3.5, 8.333333969116211, 9.5, 7.0, 1.3928571939468384,
        6.226190567016602, 7.392856597900391, 4.892857074737549, 6.583333492279053, 7.75,
        8.39285659790039, 2.7857143878936768, 7.619048118591309, 8.785714149475098,
        6.285714149475098, 4.8333330154418945, 5.999999523162842, 9.785714149475098,
        4.1785712242126465, 6.9166669845581055, 8.083333015441895, 7.678571701049805,
        5.1785712242126465, 6.345237731933594, 11.178571701049805, 5.571428298950195,
        5.166666507720947, 6.3333330154418945, 9.071429252624512, 6.571428298950195,
        7.738094329833984, 12.571428298950195, 6.964285850524902, 4.464285373687744,
        5.630952835083008, 10.464285850524902, 7.964284896850586, 8.607142448425293,
        12.392857551574707, 8.35714340209961, 5.857142448425293, 7.023809432983398,
        11.85714340209961, 9.357142448425293, 8.428571701049805, 9.071428298950195, 9.75, 7.25,
        8.416666984558105, 13.25, 10.75, 8.25, 5.75,
      ]),
    ResizeGolden(
      name: "linear align_corners down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [0.0, 7.0, 4.875, 11.875, 9.75, 5.75]),
    ResizeGolden(
      name: "linear align_corners scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        0.0, 4.461538314819336, 6.384615421295166, 4.07692289352417, 6.846153736114502,
        10.461538314819336, 8.15384578704834, 9.75, 7.442307472229004, 7.67307710647583,
        12.134614944458008, 11.519230842590332, 9.211538314819336, 6.903846263885498,
      ]),
    ResizeGolden(
      name: "linear align_corners to one", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 1, 3], outputShape: [1, 1, 1, 3],
      expected: [0.0, 3.5, 7.0]),
    ResizeGolden(
      name: "linear pytorch_half_pixel up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 4.142857074737549, 6.178571701049805, 3.5, 8.678571701049805, 9.14285659790039, 7.0,
        0.8125, 4.955357074737549, 6.9910712242126465, 4.3125, 7.526785850524902, 8.383928298950195,
        7.8125, 2.4375, 6.580356597900391, 8.616071701049805, 5.9375, 5.223214149475098,
        6.866071701049805, 9.4375, 4.0625, 6.633928298950195, 8.276784896850586, 7.5625,
        4.883928298950195, 6.919643402099609, 11.0625, 5.6875, 5.1160712242126465,
        5.973214149475098, 9.1875, 6.508928298950195, 8.54464340209961, 12.6875, 7.3125,
        5.169642925262451, 5.633928298950195, 10.8125, 8.133928298950195, 8.991071701049805,
        11.5625, 8.9375, 6.794642925262451, 7.258928298950195, 12.4375, 9.758928298950195,
        8.258928298950195, 7.6875, 9.75, 7.607143402099609, 8.071428298950195, 13.25,
        10.571428298950195, 7.892857074737549, 5.75,
      ]),
    ResizeGolden(
      name: "linear pytorch_half_pixel down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [
        5.979166507720947, 8.979166030883789, 6.1875, 6.4375, 6.3958330154418945, 8.479166030883789,
      ]),
    ResizeGolden(
      name: "linear pytorch_half_pixel scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel")],
      ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        1.625, 5.25, 8.25, 5.750000476837158, 6.0, 7.166666507720947, 8.333333969116211, 8.125,
        6.25, 5.5833330154418945, 10.416666030883789, 9.75, 8.166666984558105, 9.333333969116211,
      ]),
    ResizeGolden(
      name: "linear pytorch_half_pixel to one", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 1, 3], outputShape: [1, 1, 1, 3],
      expected: [2.4166665077209473, 3.5, 8.25]),
    ResizeGolden(
      name: "linear asymmetric up", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "asymmetric")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 8, 7], outputShape: [1, 1, 8, 7],
      expected: [
        0.0, 5.178571701049805, 5.642857074737549, 4.5357136726379395, 9.714286804199219,
        8.60714340209961, 7.0, 1.625, 6.803571701049805, 7.267857074737549, 5.375, 6.625, 7.875,
        8.625, 3.25, 8.428571701049805, 8.89285659790039, 6.214285850524902, 3.5357141494750977,
        7.142856597900391, 10.25, 4.875, 6.125, 7.375, 7.839285850524902, 5.160714149475098,
        8.76785659790039, 11.875, 6.5, 3.8214282989501953, 5.857143402099609, 9.464285850524902,
        6.785714149475098, 10.39285659790039, 13.5, 8.125, 5.446428298950195, 7.482143402099609,
        11.089285850524902, 8.410714149475098, 8.875, 9.625, 9.75, 7.071428298950195,
        9.10714340209961, 12.714285850524902, 10.035714149475098, 7.357142925262451, 5.75, 9.75,
        7.071428298950195, 9.10714340209961, 12.714285850524902, 10.035714149475098,
        7.357142925262451, 5.75,
      ]),
    ResizeGolden(
      name: "linear asymmetric down", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "asymmetric")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [
        0.0, 7.125, 4.333333492279053, 5.9583330154418945, 8.666666984558105, 10.291666030883789,
      ]),
    ResizeGolden(
      name: "linear asymmetric scales", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "asymmetric")], ints: [],
      floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 1.5], sizes: nil, outputShape: [1, 1, 2, 7],
      expected: [
        0.0, 4.833333492279053, 6.0, 3.5, 8.333333969116211, 9.5, 7.0, 6.5, 4.0, 5.1666669845581055,
        10.0, 7.499999523162842, 8.666666030883789, 13.5,
      ]),
    ResizeGolden(
      name: "linear asymmetric to one", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "asymmetric")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 1, 3], outputShape: [1, 1, 1, 3],
      expected: [0.0, 4.75, 9.5]),
    ResizeGolden(
      name: "linear half_pixel_symmetric", opset: 19, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "half_pixel_symmetric")],
      ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 1.7000000476837158, 0.699999988079071], sizes: nil,
      outputShape: [1, 1, 6, 3],
      expected: [
        4.238445281982422, 3.595588445663452, 9.053571701049805, 6.150210380554199,
        5.507352828979492, 7.267857551574707, 6.767857074737549, 7.4191179275512695,
        6.776260852813721, 4.982142925262451, 9.330883026123047, 8.68802547454834,
        5.599790573120117, 11.242647171020508, 8.797268867492676, 7.511554718017578,
        13.154411315917969, 7.935924530029297,
      ]),
    ResizeGolden(
      name: "linear 3-D batch", opset: 13, shape: [2, 3, 5], uint8: false,
      strings: [("mode", "linear")], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [2, 6, 4], outputShape: [2, 6, 4],
      expected: [
        0.90625, 5.84375, 8.03125, 7.46875, 1.71875, 6.65625, 7.125, 7.9375, 3.34375, 8.28125,
        5.3125, 8.875, 4.625, 8.1875, 5.21875, 10.15625, 5.5625, 6.375, 6.84375, 11.78125, 6.03125,
        5.46875, 7.65625, 12.59375, 9.28125, 8.71875, 10.90625, 6.21875, 10.09375, 8.5, 10.6875,
        7.03125, 11.71875, 8.0625, 10.25, 8.65625, 13.34375, 8.65625, 10.84375, 10.28125, 14.96875,
        10.28125, 12.46875, 11.90625, 15.78125, 11.09375, 13.28125, 12.71875,
      ]),
    ResizeGolden(
      name: "linear NHWC", opset: 13, shape: [1, 4, 5, 2], uint8: false,
      strings: [("mode", "linear")], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 7, 3, 2], outputShape: [1, 7, 3, 2],
      expected: [
        1.1666666269302368, 8.416666030883789, 7.0, 3.25, 5.500000953674316, 9.083332061767578,
        3.488095283508301, 6.809523582458496, 9.321428298950195, 5.571428298950195,
        6.511905193328857, 8.785714149475098, 7.202381134033203, 4.238094806671143,
        13.035715103149414, 9.285714149475098, 8.130952835083008, 8.309525489807129,
        9.083333969116211, 7.1666669845581055, 11.25, 13.0, 11.583333015441895, 9.666667938232422,
        10.440475463867188, 10.619047164916992, 9.464285850524902, 15.928570747375488,
        14.773809432983398, 11.547618865966797, 9.964285850524902, 12.238094329833984,
        13.178571701049805, 13.35714340209961, 14.297619819641113, 15.261903762817383,
        9.666666984558105, 13.25, 15.5, 11.75, 14.000001907348633, 17.583332061767578,
      ]),
    ResizeGolden(
      name: "linear trilinear", opset: 13, shape: [1, 2, 3, 4], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 4, 5, 3], outputShape: [1, 4, 5, 3],
      expected: [
        0.0, 5.375, 10.75, 3.5, 6.125, 8.75, 7.0, 6.875, 6.75, 5.0, 7.625, 4.75, 3.0, 8.375, 2.75,
        3.3333332538604736, 6.875, 10.416666984558105, 5.0, 7.625, 8.416666984558105,
        6.666666507720947, 8.375, 6.416666507720947, 6.5, 8.208333015441895, 6.25,
        6.333333492279053, 8.041666984558105, 6.083333492279053, 6.666666507720947, 8.375,
        10.083333015441895, 6.5, 9.125, 8.083333015441895, 6.333333492279053, 9.875,
        6.083333492279053, 8.0, 8.791666984558105, 7.75, 9.666666984558105, 7.708333492279053,
        9.416666984558105, 10.0, 9.875, 9.75, 8.0, 10.625, 7.75, 6.0, 11.375, 5.75, 9.5, 9.375,
        9.25, 13.0, 7.375, 12.75,
      ]),
    ResizeGolden(
      name: "linear axes", opset: 18, shape: [2, 1, 4, 5], uint8: false,
      strings: [("mode", "linear")], ints: [], floats: [], axes: [-2, -1],
      scales: nil, sizes: [6, 3], outputShape: [2, 1, 6, 3],
      expected: [
        2.4166665077209473, 3.5, 8.25, 4.041666507720947, 5.125, 8.041666030883789,
        5.597222328186035, 7.2916669845581055, 8.374999046325684, 5.31944465637207,
        9.458332061767578, 10.541665077209473, 6.875, 11.625, 9.041666030883789, 8.5, 13.25,
        7.000000953674316, 11.75, 5.5, 10.25, 13.375, 7.125, 11.875, 14.319445610046387,
        9.291666030883789, 13.43055534362793, 11.597222328186035, 11.458333015441895,
        13.152776718139648, 12.541666030883789, 13.625, 14.708332061767578, 14.166666030883789,
        15.25, 16.333332061767578,
      ]),
    ResizeGolden(
      name: "cubic half_pixel", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic")], ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 7, 3], outputShape: [1, 1, 7, 3],
      expected: [
        2.1682896614074707, 3.1775472164154053, 8.665093421936035, 3.6488378047943115,
        4.407547950744629, 8.102665901184082, 5.5928568840026855, 6.413923740386963,
        7.656278610229492, 5.328706741333008, 8.375, 9.708904266357422, 5.064556121826172,
        10.336073875427246, 10.91408634185791, 7.008577346801758, 12.342453956604004,
        8.382861137390137, 8.489121437072754, 13.572446823120117, 6.2968645095825195,
      ]),
    ResizeGolden(
      name: "cubic align_corners", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic"), ("coordinate_transformation_mode", "align_corners")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 6, 8], outputShape: [1, 1, 6, 8],
      expected: [
        0.0, 4.599854469299316, 7.271866798400879, 4.013845443725586, 5.166911602020264,
        10.118803024291992, 9.936589241027832, 7.0, 1.6379998922348022, 7.051789283752441,
        10.135964393615723, 6.7532572746276855, 4.604395866394043, 5.293802738189697,
        6.962283611297607, 8.6379976272583, 4.056003570556641, 7.329442501068115, 9.631881713867188,
        8.792454719543457, 5.714845180511475, 2.63308048248291, 5.843484878540039,
        11.320002555847168, 5.694000720977783, 4.083827972412109, 4.432820796966553,
        8.151432991027832, 8.341110229492188, 5.060769557952881, 8.356610298156738,
        13.750001907348633, 8.11199951171875, 4.361474514007568, 3.8554155826568604,
        9.579686164855957, 11.414682388305664, 8.191682815551758, 8.720331192016602,
        10.843995094299316, 9.75, 6.813411712646484, 6.631196975708008, 11.58309268951416,
        13.217202186584473, 10.344022750854492, 7.532071113586426, 5.75,
      ]),
    ResizeGolden(
      name: "cubic exclude_outside", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic")], ints: [("exclude_outside", 1)],
      floats: [("cubic_coeff_a", -0.5)], axes: nil,
      scales: [1.0, 1.0, 2.0, 0.6000000238418579], sizes: nil, outputShape: [1, 1, 8, 3],
      expected: [
        1.8425456285476685, 3.213235378265381, 8.298934936523438, 2.749685525894165,
        4.045620441436768, 8.182229995727539, 4.671097755432129, 5.807251930236816,
        7.933664798736572, 5.498383522033691, 7.5625, 8.879846572875977, 5.096444129943848, 9.1875,
        11.038251876831055, 5.923730373382568, 10.9427490234375, 10.550077438354492,
        7.845142364501953, 12.704379081726074, 7.621255874633789, 8.752281188964844,
        13.536765098571777, 6.239097595214844,
      ]),
    ResizeGolden(
      name: "opset10 nearest", opset: 10, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "nearest")], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 2.0, 0.6000000238418579], sizes: nil, outputShape: [1, 1, 8, 3],
      expected: [
        0.0, 3.5, 7.0, 0.0, 3.5, 7.0, 3.25, 6.75, 10.25, 3.25, 6.75, 10.25, 6.5, 10.0, 13.5, 6.5,
        10.0, 13.5, 9.75, 13.25, 5.75, 9.75, 13.25, 5.75,
      ]),
    ResizeGolden(
      name: "opset10 nearest up", opset: 10, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "nearest")], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 1.5, 3.0], sizes: nil, outputShape: [1, 1, 6, 15],
      expected: [
        0.0, 0.0, 0.0, 7.25, 7.25, 7.25, 3.5, 3.5, 3.5, 10.75, 10.75, 10.75, 7.0, 7.0, 7.0, 0.0,
        0.0, 0.0, 7.25, 7.25, 7.25, 3.5, 3.5, 3.5, 10.75, 10.75, 10.75, 7.0, 7.0, 7.0, 3.25, 3.25,
        3.25, 10.5, 10.5, 10.5, 6.75, 6.75, 6.75, 3.0, 3.0, 3.0, 10.25, 10.25, 10.25, 6.5, 6.5, 6.5,
        2.75, 2.75, 2.75, 10.0, 10.0, 10.0, 6.25, 6.25, 6.25, 13.5, 13.5, 13.5, 6.5, 6.5, 6.5, 2.75,
        2.75, 2.75, 10.0, 10.0, 10.0, 6.25, 6.25, 6.25, 13.5, 13.5, 13.5, 9.75, 9.75, 9.75, 6.0,
        6.0, 6.0, 13.25, 13.25, 13.25, 9.5, 9.5, 9.5, 5.75, 5.75, 5.75,
      ]),
    ResizeGolden(
      name: "opset10 linear", opset: 10, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear")], ints: [], floats: [], axes: nil,
      scales: [1.0, 1.0, 2.0, 0.6000000238418579], sizes: nil, outputShape: [1, 1, 8, 3],
      expected: [
        0.0, 4.75, 9.5, 1.625, 6.375, 7.4583330154418945, 3.25, 8.0, 5.416666030883789, 4.875,
        7.791666507720947, 7.041666030883789, 6.5, 7.5833330154418945, 8.666666030883789, 8.125,
        9.208333015441895, 8.458333015441895, 9.75, 10.833333015441895, 8.25, 9.75,
        10.833333015441895, 8.25,
      ]),
  ]

  /// Input [3, 4] holding 1...12; constant mode pads with 9.5 (opset 19, pads as input).
  static let pad: [PadGolden] = [
    PadGolden(
      mode: "constant", pads: [1, 2, 0, 1], outputShape: [4, 7],
      expected: [
        9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 1.0, 2.0, 3.0, 4.0, 9.5, 9.5, 9.5, 5.0, 6.0,
        7.0, 8.0, 9.5, 9.5, 9.5, 9.0, 10.0, 11.0, 12.0, 9.5,
      ]),
    PadGolden(
      mode: "reflect", pads: [2, 3, 2, 3], outputShape: [7, 10],
      expected: [
        12.0, 11.0, 10.0, 9.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 6.0, 7.0, 8.0,
        7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 8.0, 7.0, 6.0, 5.0, 6.0,
        7.0, 8.0, 7.0, 6.0, 5.0, 12.0, 11.0, 10.0, 9.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0,
        6.0, 5.0, 6.0, 7.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0,
      ]),
    PadGolden(
      mode: "edge", pads: [2, 1, 1, 3], outputShape: [6, 8],
      expected: [
        1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0, 1.0, 1.0,
        2.0, 3.0, 4.0, 4.0, 4.0, 4.0, 5.0, 5.0, 6.0, 7.0, 8.0, 8.0, 8.0, 8.0, 9.0, 9.0, 10.0, 11.0,
        12.0, 12.0, 12.0, 12.0, 9.0, 9.0, 10.0, 11.0, 12.0, 12.0, 12.0, 12.0,
      ]),
    PadGolden(
      mode: "wrap", pads: [1, 2, 2, 5], outputShape: [6, 11],
      expected: [
        11.0, 12.0, 9.0, 10.0, 11.0, 12.0, 9.0, 10.0, 11.0, 12.0, 9.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0,
        1.0, 2.0, 3.0, 4.0, 1.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0, 5.0, 11.0, 12.0,
        9.0, 10.0, 11.0, 12.0, 9.0, 10.0, 11.0, 12.0, 9.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0,
        3.0, 4.0, 1.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0, 5.0,
      ]),
    PadGolden(
      mode: "reflect", pads: [-1, 2, 1, -1], outputShape: [3, 5],
      expected: [7.0, 6.0, 5.0, 6.0, 7.0, 11.0, 10.0, 9.0, 10.0, 11.0, 7.0, 6.0, 5.0, 6.0, 7.0]),
    PadGolden(
      mode: "edge", pads: [-1, -2, 2, 1], outputShape: [4, 3],
      expected: [7.0, 8.0, 8.0, 11.0, 12.0, 12.0, 11.0, 12.0, 12.0, 11.0, 12.0, 12.0]),
    PadGolden(
      mode: "constant", pads: [0, -1, -1, 2], outputShape: [2, 5],
      expected: [2.0, 3.0, 4.0, 9.5, 9.5, 6.0, 7.0, 8.0, 9.5, 9.5]),
    PadGolden(
      mode: "reflect", pads: [3, 0, 3, 0], outputShape: [9, 4],
      expected: [
        5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0,
        7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0,
      ]),
  ]

  /// Input [3, 4, 5] holding 0..<60 (opset 13, all four inputs given).
  static let slice: [SliceGolden] = [
    SliceGolden(
      starts: [0, 1], ends: [3, -1], axes: [0, 2], steps: [1, 2], outputShape: [3, 4, 2],
      expected: [
        1.0, 3.0, 6.0, 8.0, 11.0, 13.0, 16.0, 18.0, 21.0, 23.0, 26.0, 28.0, 31.0, 33.0, 36.0, 38.0,
        41.0, 43.0, 46.0, 48.0, 51.0, 53.0, 56.0, 58.0,
      ]),
    SliceGolden(
      starts: [-1], ends: [-1_000_000_000_000_000_000], axes: [1], steps: [-1],
      outputShape: [3, 4, 5],
      expected: [
        15.0, 16.0, 17.0, 18.0, 19.0, 10.0, 11.0, 12.0, 13.0, 14.0, 5.0, 6.0, 7.0, 8.0, 9.0, 0.0,
        1.0, 2.0, 3.0, 4.0, 35.0, 36.0, 37.0, 38.0, 39.0, 30.0, 31.0, 32.0, 33.0, 34.0, 25.0, 26.0,
        27.0, 28.0, 29.0, 20.0, 21.0, 22.0, 23.0, 24.0, 55.0, 56.0, 57.0, 58.0, 59.0, 50.0, 51.0,
        52.0, 53.0, 54.0, 45.0, 46.0, 47.0, 48.0, 49.0, 40.0, 41.0, 42.0, 43.0, 44.0,
      ]),
    SliceGolden(
      starts: [10], ends: [-100], axes: [2], steps: [-2], outputShape: [3, 4, 3],
      expected: [
        4.0, 2.0, 0.0, 9.0, 7.0, 5.0, 14.0, 12.0, 10.0, 19.0, 17.0, 15.0, 24.0, 22.0, 20.0, 29.0,
        27.0, 25.0, 34.0, 32.0, 30.0, 39.0, 37.0, 35.0, 44.0, 42.0, 40.0, 49.0, 47.0, 45.0, 54.0,
        52.0, 50.0, 59.0, 57.0, 55.0,
      ]),
    SliceGolden(
      starts: [1, 4], ends: [9_223_372_036_854_775_807, -9_223_372_036_854_775_808],
      axes: [-2, -1], steps: [1, -3], outputShape: [3, 3, 2],
      expected: [
        9.0, 6.0, 14.0, 11.0, 19.0, 16.0, 29.0, 26.0, 34.0, 31.0, 39.0, 36.0, 49.0, 46.0, 54.0,
        51.0, 59.0, 56.0,
      ]),
    SliceGolden(
      starts: [-2, 0], ends: [-1, 100], axes: [0, 1], steps: [1, 3], outputShape: [1, 2, 5],
      expected: [20.0, 21.0, 22.0, 23.0, 24.0, 35.0, 36.0, 37.0, 38.0, 39.0]),
    SliceGolden(
      starts: [2], ends: [1], axes: [1], steps: [1], outputShape: [3, 0, 5], expected: []),

  ]
}

// MARK: Generators (run with /tmp/venvtest/bin/python: onnx 1.23, onnxruntime 1.32, numpy)

// resize_gen.py
// # Generates Tests/RuntimeTests/MovementResizeGoldens.swift: onnxruntime's Resize outputs, cross-checked
// # against onnx.reference.ReferenceEvaluator.
// import numpy as np, onnx, onnxruntime as ort, sys
// from onnx import helper as h, TensorProto as TP, numpy_helper as nh
// from onnx.reference import ReferenceEvaluator
//
// def data(shape, dtype):
//     n = int(np.prod(shape)); i = np.arange(n)
//     if dtype == np.uint8:
//         return ((i * 37 + 11) % 251).astype(np.uint8).reshape(shape)
//     return (((i * 7) % 11).astype(np.float32) + i.astype(np.float32) * 0.25).reshape(shape)
//
// def model(opset, shape, dtype, scales, sizes, attrs):
//     tp = TP.FLOAT if dtype == np.float32 else TP.UINT8
//     inits = []
//     if opset == 10:
//         names = ['x', 's']; inits.append(nh.from_array(np.array(scales, np.float32), 's'))
//     else:
//         names = ['x', '', '', '']
//         if scales is not None:
//             names[2] = 's'; inits.append(nh.from_array(np.array(scales, np.float32), 's'))
//         if sizes is not None:
//             names[3] = 'z'; inits.append(nh.from_array(np.array(sizes, np.int64), 'z'))
//         while names[-1] == '': names.pop()
//     node = h.make_node('Resize', names, ['y'], **attrs)
//     g = h.make_graph([node], 'g', [h.make_tensor_value_info('x', tp, shape)], [h.make_tensor_value_info('y', tp, None)], inits)
//     m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)]); m.ir_version = 9
//     return m
//
// cases = []
// def add(name, opset, shape, attrs, scales=None, sizes=None, dtype=np.float32):
//     cases.append((name, opset, shape, attrs, scales, sizes, dtype))
//
// coords = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn']
// nmodes = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']
// for c in coords:
//     for nm in nmodes:
//         a = dict(mode='nearest', coordinate_transformation_mode=c, nearest_mode=nm)
//         add(f'nearest {c} {nm} up', 13, [1, 1, 4, 5], a, sizes=[1, 1, 8, 7])
//         add(f'nearest {c} {nm} down', 13, [1, 1, 4, 5], a, sizes=[1, 1, 3, 2])
//         add(f'nearest {c} {nm} scales', 13, [1, 1, 4, 5], a, scales=[1, 1, 0.5, 1.5])
// add('nearest default uint8', 13, [1, 2, 3, 3], dict(mode='nearest'), scales=[1, 1, 2, 2], dtype=np.uint8)
// add('nearest 5-D', 13, [1, 2, 2, 3, 2], dict(mode='nearest'), sizes=[1, 3, 3, 2, 4])
// for c in ['half_pixel', 'align_corners', 'pytorch_half_pixel', 'asymmetric']:
//     a = dict(mode='linear', coordinate_transformation_mode=c)
//     add(f'linear {c} up', 13, [1, 1, 4, 5], a, sizes=[1, 1, 8, 7])
//     add(f'linear {c} down', 13, [1, 1, 4, 5], a, sizes=[1, 1, 3, 2])
//     add(f'linear {c} scales', 13, [1, 1, 4, 5], a, scales=[1, 1, 0.5, 1.5])
//     add(f'linear {c} to one', 13, [1, 1, 4, 5], a, sizes=[1, 1, 1, 3])
// add('linear half_pixel_symmetric', 19, [1, 1, 4, 5], dict(mode='linear', coordinate_transformation_mode='half_pixel_symmetric'), scales=[1, 1, 1.7, 0.7])
// add('linear 3-D batch', 13, [2, 3, 5], dict(mode='linear'), sizes=[2, 6, 4])
// add('linear NHWC', 13, [1, 4, 5, 2], dict(mode='linear'), sizes=[1, 7, 3, 2])
// add('linear trilinear', 13, [1, 2, 3, 4], dict(mode='linear', coordinate_transformation_mode='align_corners'), sizes=[1, 4, 5, 3])
// add('linear axes', 18, [2, 1, 4, 5], dict(mode='linear', axes=[-2, -1]), sizes=[6, 3])
// add('cubic half_pixel', 13, [1, 1, 4, 5], dict(mode='cubic'), sizes=[1, 1, 7, 3])
// add('cubic align_corners', 13, [1, 1, 4, 5], dict(mode='cubic', coordinate_transformation_mode='align_corners'), sizes=[1, 1, 6, 8])
// add('cubic exclude_outside', 13, [1, 1, 4, 5], dict(mode='cubic', exclude_outside=1, cubic_coeff_a=-0.5), scales=[1, 1, 2, 0.6])
// add('opset10 nearest', 10, [1, 1, 4, 5], dict(mode='nearest'), scales=[1, 1, 2, 0.6])
// add('opset10 nearest up', 10, [1, 1, 4, 5], dict(mode='nearest'), scales=[1, 1, 1.5, 3])
// add('opset10 linear', 10, [1, 1, 4, 5], dict(mode='linear'), scales=[1, 1, 2, 0.6])
//
// def swift_floats(v):
//     return '[' + ', '.join(repr(float(np.float32(x))) for x in v) + ']'
//
// out = []
// bad = 0
// for (name, opset, shape, attrs, scales, sizes, dtype) in cases:
//     m = model(opset, shape, dtype, scales, sizes, attrs)
//     x = data(shape, dtype)
//     note = ''
//     try:
//         y = ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider']).run(None, {'x': x})[0]
//     except Exception as e:
//         print(name, '-> onnxruntime refuses; using the reference', file=sys.stderr)
//         y = ReferenceEvaluator(m).run(None, {'x': x})[0]
//     if attrs.get('coordinate_transformation_mode') == 'align_corners':
//         # The ONNX node tests (and the reference) divide by the fractional scale * length - 1.
//         y = ReferenceEvaluator(m).run(None, {'x': x})[0]
//     try:
//         r = ReferenceEvaluator(m).run(None, {'x': x})[0]
//         if r.shape != y.shape or not np.allclose(r.astype(np.float64), y.astype(np.float64), rtol=1e-5, atol=1e-5):
//             note = 'reference differs'
//             print('DIFF', name, '\n ort', y.ravel().tolist(), '\n ref', r.ravel().tolist(), file=sys.stderr)
//     except Exception as e:
//         note = 'reference: ' + str(e).split('\n')[0][:60]
//     if note: print(name, '->', note, file=sys.stderr)
//     q = chr(34)
//     strs = ', '.join('(' + q + k + q + ', ' + q + v + q + ')' for k, v in attrs.items() if isinstance(v, str))
//     ints = ', '.join('(' + q + k + q + ', ' + str(v) + ')' for k, v in attrs.items() if isinstance(v, int))
//     flts = ', '.join('(' + q + k + q + ', ' + repr(v) + ')' for k, v in attrs.items() if isinstance(v, float))
//     axes = str(attrs['axes']) if 'axes' in attrs else 'nil'
//     sc = swift_floats(scales) if scales is not None else 'nil'
//     sz = str(sizes) if sizes is not None else 'nil'
//     lines = [
//         '    ResizeGolden(',
//         '      name: ' + q + name + q + ', opset: ' + str(opset) + ', shape: ' + str(list(shape)) + ', uint8: ' + str(dtype == np.uint8).lower() + ',',
//         '      strings: [' + strs + '], ints: [' + ints + '], floats: [' + flts + '], axes: ' + axes + ',',
//         '      scales: ' + sc + ', sizes: ' + sz + ', outputShape: ' + str(list(y.shape)) + ',',
//         '      expected: ' + swift_floats(y.ravel()) + '),',
//     ]
//     out.append('\n'.join(lines))
// print('\n'.join(out))
// print(len(cases), 'cases', file=sys.stderr)

// pad_slice_gen.py
// # Pad and Slice goldens from onnxruntime (negative pads: onnxruntime crops, numpy cannot).
// import numpy as np, onnx, onnxruntime as ort, sys
// from onnx import helper as h, TensorProto as TP, numpy_helper as nh
// from onnx.reference import ReferenceEvaluator
//
// def run(op, opset, x, inits, attrs, names):
//     tp = TP.FLOAT
//     node = h.make_node(op, names, ['y'], **attrs)
//     g = h.make_graph([node], 'g', [h.make_tensor_value_info('x', tp, x.shape)], [h.make_tensor_value_info('y', tp, None)],
//                      [nh.from_array(v, k) for k, v in inits.items()])
//     m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)]); m.ir_version = 9
//     try:
//         y = ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider']).run(None, {'x': x})[0]
//     except Exception as e:
//         print('ort refuses', op, attrs, inits, '; using the reference', file=sys.stderr)
//         y = ReferenceEvaluator(m).run(None, {'x': x})[0]
//     try:
//         r = ReferenceEvaluator(m).run(None, {'x': x})[0]
//         if r.shape != y.shape or not np.array_equal(r, y): print('DIFF', op, attrs, inits, file=sys.stderr)
//     except Exception as e:
//         print('ref fails', op, attrs, str(e)[:80], file=sys.stderr)
//     return y
//
// def fl(v): return '[' + ', '.join(repr(float(t)) for t in v.ravel()) + ']'
// x = (np.arange(12, dtype=np.float32) + 1).reshape(3, 4)
// out = []
// pad_cases = [
//     ('constant', [1, 2, 0, 1], None, 19),
//     ('reflect', [2, 3, 2, 3], None, 19),
//     ('edge', [2, 1, 1, 3], None, 19),
//     ('wrap', [1, 2, 2, 5], None, 19),
//     ('reflect', [-1, 2, 1, -1], None, 19),
//     ('edge', [-1, -2, 2, 1], None, 19),
//     ('constant', [0, -1, -1, 2], None, 19),
//     ('reflect', [3, 0, 3, 0], None, 19),
// ]
// for mode, pads, axes, opset in pad_cases:
//     inits = {'p': np.array(pads, np.int64)}
//     names = ['x', 'p']
//     if mode == 'constant':
//         inits['v'] = np.array(9.5, np.float32); names.append('v')
//     y = run('Pad', opset, x, inits, dict(mode=mode), names)
//     out.append(f'    PadGolden(mode: "{mode}", pads: {pads}, outputShape: {list(y.shape)}, expected: {fl(y)}),')
// print('\n'.join(out))
// print()
// x3 = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
// slice_cases = [
//     ([0, 1], [3, -1], [0, 2], [1, 2]),
//     ([-1], [-10**18], [1], [-1]),
//     ([10], [-100], [2], [-2]),
//     ([1, 4], [9223372036854775807, -9223372036854775808], [-2, -1], [1, -3]),
//     ([-2, 0], [-1, 100], [0, 1], [1, 3]),
//     ([2], [1], [1], [1]),
// ]
// out = []
// for starts, ends, axes, steps in slice_cases:
//     inits = {'s': np.array(starts, np.int64), 'e': np.array(ends, np.int64), 'a': np.array(axes, np.int64), 't': np.array(steps, np.int64)}
//     y = run('Slice', 13, x3, inits, {}, ['x', 's', 'e', 'a', 't'])
//     out.append(f'    SliceGolden(starts: {starts}, ends: {ends}, axes: {axes}, steps: {steps}, outputShape: {list(y.shape)}, expected: {fl(y)}),')
// print('\n'.join(out))
