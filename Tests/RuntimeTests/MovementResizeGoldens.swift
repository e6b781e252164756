// Golden values for Resize's tf_crop_and_resize (roi, extrapolation_value, axes), keep_aspect_ratio_policy
// and antialias, from onnx 1.23's ReferenceEvaluator (`onnx/reference/ops/op_resize.py`, which the ONNX
// node tests follow), cross-checked against onnxruntime 1.32 (generator at the end of this file).
// Where the two disagree the values follow the reference, which follows the spec:
// - "crop nearest uint8": for the W roi [-0.5, 0.5] (source coordinates -1, 0, 1) onnxruntime returns
//   input columns 0, 1, 2; the spec's source coordinate -1 is outside the input, so extrapolated.
// - "crop linear axes 3 2": onnxruntime's values do not follow the roi as the spec pairs it with
//   `axes` as listed (axis 3 gets [0.1, 0.7], axis 2 [0.3, 0.9]; output[0] = 5.825 by hand).
// - "aspect cubic not_smaller align_corners", "antialias linear align_corners": onnxruntime divides
//   align_corners by the integer output length - 1, the reference by the fractional
//   `scale * length - 1` (as in test_resize_downsample_scales_{linear,cubic}_align_corners).
// - "antialias cubic 3-D": onnxruntime refuses cubic resizes of 3-D inputs.

extension MovementGoldens {
  /// Same input data as `resize`: element i is (i * 7 % 11) + i * 0.25; uint8 cases use (i * 37 + 11) % 251.
  static let resizeCropAspectAntialias: [ResizeGolden] = [
    ResizeGolden(
      name: "crop linear sizes", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 3, 3], outputShape: [1, 1, 3, 3],
      expected: [
        5.899999618530273, 4.400000095367432, 5.100000381469727, 6.875, 5.375, 6.075000762939453,
        7.849999904632568, 6.349999904632568, 7.0500006675720215,
      ],
      roi: [
        0.0, 0.0, 0.4000000059604645, 0.6000000238418579, 1.0, 1.0, 0.6000000238418579,
        0.800000011920929,
      ]),
    ResizeGolden(
      name: "crop linear scales extrapolation", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [("extrapolation_value", 10.0)], axes: nil,
      scales: [1.0, 1.0, 1.5, 0.800000011920929], sizes: nil, outputShape: [1, 1, 6, 4],
      expected: [
        4.849999904632568, 5.949999809265137, 7.049999713897705, 10.0, 6.126999855041504,
        7.285666465759277, 5.481666564941406, 10.0, 5.644000053405762, 8.034667015075684,
        6.8466668128967285, 10.0, 5.160999774932861, 8.783666610717773, 8.21166706085205, 10.0,
        5.909999847412109, 9.943333625793457, 8.550000190734863, 10.0, 7.275000095367432,
        11.308333396911621, 8.375, 10.0,
      ],
      roi: [
        0.0, 0.0, 0.20000000298023224, 0.10000000149011612, 1.0, 1.0, 0.8999999761581421,
        1.2000000476837158,
      ]),
    ResizeGolden(
      name: "crop cubic extrapolation", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [("extrapolation_value", -2.5)], axes: nil,
      scales: nil, sizes: [1, 1, 5, 4], outputShape: [1, 1, 5, 4],
      expected: [
        -2.5000009536743164, -2.4999985694885254, -2.499999523162842, -2.5, -2.5000009536743164,
        -2.4999985694885254, -2.499999523162842, -2.5, 9.064959526062012, 4.6165690422058105,
        7.931087017059326, -2.5, 7.463082790374756, 6.420070171356201, 9.735322952270508, -2.5,
        2.5631513595581055, 10.152857780456543, 11.367295265197754, -2.5,
      ],
      roi: [
        0.0, 0.0, -0.30000001192092896, 0.20000000298023224, 1.0, 1.0, 0.699999988079071,
        1.2999999523162842,
      ]),
    ResizeGolden(
      name: "crop nearest extrapolation", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "nearest"), ("nearest_mode", "round_prefer_ceil"),
        ("coordinate_transformation_mode", "tf_crop_and_resize"),
      ], ints: [], floats: [("extrapolation_value", 7.0)], axes: nil,
      scales: nil, sizes: [1, 1, 5, 6], outputShape: [1, 1, 5, 6],
      expected: [
        7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 0.0, 7.25, 3.5, 7.0, 7.0, 7.0, 3.25, 10.5, 6.75, 10.25, 7.0,
        7.0, 6.5, 2.75, 10.0, 13.5, 7.0, 7.0, 9.75, 6.0, 13.25, 5.75, 7.0, 7.0,
      ],
      roi: [
        0.0, 0.0, -0.20000000298023224, 0.10000000149011612, 1.0, 1.0, 0.8999999761581421,
        1.399999976158142,
      ]),
    ResizeGolden(
      name: "crop nearest uint8", opset: 13, shape: [1, 2, 3, 3], uint8: true,
      strings: [("mode", "nearest"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [("extrapolation_value", 9.0)], axes: nil,
      scales: nil, sizes: [1, 2, 4, 3], outputShape: [1, 2, 4, 3],
      expected: [
        9.0, 122.0, 159.0, 9.0, 233.0, 19.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 204.0, 241.0, 9.0,
        64.0, 101.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0,
      ], roi: [0.0, 0.0, 0.5, -0.5, 1.0, 1.0, 1.5, 0.5]),
    ResizeGolden(
      name: "crop linear axes 3 2", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [], axes: [3, 2],
      scales: nil, sizes: [3, 4], outputShape: [1, 1, 4, 3],
      expected: [
        5.825000286102295, 7.925000190734863, 4.305000305175781, 5.574999809265137,
        7.674999713897705, 5.375000476837158, 5.324999809265137, 7.424999237060547,
        7.325000286102295, 7.274999618530273, 9.374999046325684, 9.27500057220459,
      ], roi: [0.10000000149011612, 0.30000001192092896, 0.699999988079071, 0.8999999761581421]),
    ResizeGolden(
      name: "crop linear to one", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 1, 3], outputShape: [1, 1, 1, 3],
      expected: [5.402500152587891, 6.822500228881836, 7.362499713897705],
      roi: [
        0.0, 0.0, 0.20000000298023224, 0.10000000149011612, 1.0, 1.0, 0.8999999761581421,
        0.6000000238418579,
      ]),
    ResizeGolden(
      name: "crop linear 3-D", opset: 13, shape: [2, 3, 5], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [2, 4, 4], outputShape: [2, 4, 4],
      expected: [
        3.25, 10.5, 6.75, 3.0, 4.333333492279053, 7.916666507720947, 7.833333492279053,
        4.083333492279053, 5.416666507720947, 5.333333492279053, 8.916666984558105,
        5.166666507720947, 6.5, 2.75, 10.0, 6.25, 13.0, 9.25, 5.5, 12.75, 14.083333015441895,
        10.333333015441895, 6.583333492279053, 13.833333015441895, 15.166666984558105,
        11.416666984558105, 7.666666507720947, 14.916666984558105, 16.25, 12.5, 8.75, 16.0,
      ], roi: [0.0, 0.5, 0.0, 1.0, 1.0, 0.75]),
    ResizeGolden(
      name: "crop cubic identity roi", opset: 13, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic"), ("coordinate_transformation_mode", "tf_crop_and_resize")],
      ints: [], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 4, 5], outputShape: [1, 1, 4, 5],
      expected: [
        0.0, 7.25, 3.5, 10.75, 7.0, 3.25, 10.5, 6.75, 3.0, 10.25, 6.5, 2.75, 10.0, 6.25, 13.5, 9.75,
        6.0, 13.25, 9.5, 5.75,
      ], roi: [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
    ResizeGolden(
      name: "aspect nearest not_larger", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "nearest"), ("keep_aspect_ratio_policy", "not_larger")], ints: [],
      floats: [], axes: [2, 3],
      scales: nil, sizes: [7, 8], outputShape: [1, 1, 6, 8],
      expected: [
        0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 0.0, 0.0, 7.25, 3.5, 3.5, 10.75, 7.0, 7.0, 3.25,
        3.25, 10.5, 6.75, 6.75, 3.0, 10.25, 10.25, 6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5,
        6.5, 6.5, 2.75, 10.0, 10.0, 6.25, 13.5, 13.5, 9.75, 9.75, 6.0, 13.25, 13.25, 9.5, 5.75,
        5.75,
      ], roi: nil),
    ResizeGolden(
      name: "aspect linear not_larger", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("keep_aspect_ratio_policy", "not_larger")], ints: [],
      floats: [], axes: [2, 3],
      scales: nil, sizes: [7, 8], outputShape: [1, 1, 6, 8],
      expected: [
        0.0, 3.171875, 7.015625, 4.671875, 5.765625, 10.296875, 8.640625, 7.0, 1.421875, 4.59375,
        8.4375, 6.09375, 5.68359375, 7.20703125, 7.95703125, 8.421875, 3.453125, 6.32421875,
        9.82421875, 7.91015625, 5.78125, 3.4375, 7.28125, 10.453125, 5.484375, 5.34765625,
        5.41015625, 7.79296875, 7.8125, 5.46875, 9.3125, 12.484375, 7.515625, 5.875, 4.21875, 8.75,
        9.84375, 7.5, 9.41015625, 11.078125, 9.546875, 7.90625, 6.25, 10.78125, 11.875, 9.53125,
        7.57421875, 6.234375,
      ], roi: nil),
    ResizeGolden(
      name: "aspect linear not_smaller", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("keep_aspect_ratio_policy", "not_smaller")], ints: [],
      floats: [], axes: [2, 3],
      scales: nil, sizes: [3, 3], outputShape: [1, 1, 3, 4],
      expected: [
        1.75, 5.916666507720947, 8.55555534362793, 7.541666507720947, 5.166666507720947, 7.5, 5.25,
        11.875, 8.583333015441895, 9.083333015441895, 9.583333015441895, 7.041666507720947,
      ], roi: nil),
    ResizeGolden(
      name: "aspect cubic not_smaller align_corners", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [
        ("mode", "cubic"), ("keep_aspect_ratio_policy", "not_smaller"),
        ("coordinate_transformation_mode", "align_corners"),
      ], ints: [], floats: [], axes: [2, 3],
      scales: nil, sizes: [6, 5], outputShape: [1, 1, 6, 8],
      expected: [
        0.0, 4.970185279846191, 6.99397611618042, 3.5023884773254395, 6.757736682891846,
        10.87425708770752, 8.433429718017578, 6.585226058959961, 1.6379997730255127,
        7.485259056091309, 9.902703285217285, 5.870382785797119, 4.622469425201416,
        5.866049766540527, 7.8069987297058105, 8.967817306518555, 4.056003093719482,
        7.59687614440918, 9.686613082885742, 8.271063804626465, 4.441511154174805,
        3.0442497730255127, 8.622357368469238, 12.267882347106934, 5.694000720977783,
        3.972418785095215, 4.916876316070557, 8.800548553466797, 7.156656742095947,
        5.513182163238525, 11.091289520263672, 14.697880744934082, 8.111997604370117,
        4.084028720855713, 4.5290961265563965, 10.739579200744629, 10.48948860168457,
        7.86224365234375, 9.803189277648926, 11.173816680908203, 9.75, 6.5991058349609375,
        7.230999946594238, 12.55142879486084, 12.587390899658203, 9.083520889282227,
        6.642686367034912, 5.335227012634277,
      ], roi: nil),
    ResizeGolden(
      name: "aspect nearest not_larger all axes", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "nearest"), ("keep_aspect_ratio_policy", "not_larger")], ints: [],
      floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 2, 9], outputShape: [1, 1, 2, 3],
      expected: [0.0, 3.5, 7.0, 6.5, 10.0, 13.5], roi: nil),
    ResizeGolden(
      name: "aspect linear not_smaller axes 3 2", opset: 19, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear"), ("keep_aspect_ratio_policy", "not_smaller")], ints: [],
      floats: [], axes: [3, 2],
      scales: nil, sizes: [2, 3], outputShape: [1, 1, 3, 4],
      expected: [
        1.75, 5.916666507720947, 8.55555534362793, 7.541666507720947, 5.166666507720947, 7.5, 5.25,
        11.875, 8.583333015441895, 9.083333015441895, 9.583333015441895, 7.041666507720947,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear scales", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear")], ints: [("antialias", 1)], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.6000000238418579, 0.6000000238418579], sizes: nil,
      outputShape: [1, 1, 2, 3],
      expected: [
        3.937499761581421, 6.246527671813965, 8.078125, 6.010416507720947, 8.09876537322998,
        9.253471374511719,
      ], roi: nil),
    ResizeGolden(
      name: "antialias cubic scales", opset: 18, shape: [1, 1, 6, 8], uint8: false,
      strings: [("mode", "cubic")], ints: [("antialias", 1)], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 0.30000001192092896], sizes: nil, outputShape: [1, 1, 3, 2],
      expected: [
        5.239586353302002, 7.638150691986084, 10.401618003845215, 10.803176879882812,
        13.47988224029541, 15.172399520874023,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear sizes", opset: 18, shape: [1, 1, 6, 8], uint8: false,
      strings: [("mode", "linear")], ints: [("antialias", 1)], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 2, 3], outputShape: [1, 1, 2, 3],
      expected: [
        6.833333492279053, 8.017857551574707, 9.397286415100098, 12.352713584899902,
        13.732142448425293, 14.916666984558105,
      ], roi: nil),
    ResizeGolden(
      name: "antialias cubic exclude_outside", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "cubic")], ints: [("antialias", 1), ("exclude_outside", 1)],
      floats: [("cubic_coeff_a", -0.5)], axes: nil,
      scales: nil, sizes: [1, 1, 3, 2], outputShape: [1, 1, 3, 2],
      expected: [
        4.745190620422363, 7.4526472091674805, 6.19060754776001, 8.063192367553711,
        8.183344841003418, 9.294293403625488,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear up and down", opset: 18, shape: [1, 1, 4, 5], uint8: false,
      strings: [("mode", "linear")], ints: [("antialias", 1)], floats: [], axes: nil,
      scales: [1.0, 1.0, 2.0, 0.4000000059604645], sizes: nil, outputShape: [1, 1, 8, 2],
      expected: [
        3.740000009536743, 7.659999847412109, 4.442500114440918, 7.482500076293945,
        5.847499847412109, 7.127500057220459, 6.372499942779541, 7.652499675750732,
        6.017499923706055, 9.057499885559082, 6.652500152587891, 9.47249984741211, 8.27750015258789,
        8.897500038146973, 9.09000015258789, 8.609999656677246,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear align_corners", opset: 18, shape: [1, 1, 4, 6], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")],
      ints: [("antialias", 1)], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.5, 0.699999988079071], sizes: nil, outputShape: [1, 1, 2, 4],
      expected: [
        3.46875, 5.12379789352417, 8.645661354064941, 4.5333709716796875, 8.921875,
        9.743990898132324, 8.941115379333496, 10.15215015411377,
      ], roi: nil),
    ResizeGolden(
      name: "antialias cubic asymmetric", opset: 18, shape: [1, 1, 5, 9], uint8: false,
      strings: [("mode", "cubic"), ("coordinate_transformation_mode", "asymmetric")],
      ints: [("antialias", 1)], floats: [], axes: nil,
      scales: [1.0, 1.0, 0.800000011920929, 0.25], sizes: nil, outputShape: [1, 1, 4, 2],
      expected: [
        2.9743850231170654, 7.591180324554443, 8.449444770812988, 8.24636459350586,
        9.43317985534668, 10.903884887695312, 15.586215019226074, 14.48643684387207,
      ], roi: nil),
    ResizeGolden(
      name: "antialias cubic 3-D", opset: 18, shape: [2, 3, 9], uint8: false,
      strings: [("mode", "cubic")], ints: [("antialias", 1)], floats: [], axes: nil,
      scales: nil, sizes: [2, 3, 4], outputShape: [2, 3, 4],
      expected: [
        3.259995460510254, 7.7563652992248535, 6.9790754318237305, 5.877762317657471,
        7.3615498542785645, 6.496167182922363, 10.348601341247559, 9.808268547058105,
        8.787569999694824, 9.245282173156738, 9.85254955291748, 13.670860290527344,
        12.191732406616211, 12.183808326721191, 11.91986083984375, 12.462430953979492,
        16.122238159179688, 15.02092456817627, 14.97907543182373, 13.877762794494629,
        17.53757095336914, 18.08013916015625, 17.816190719604492, 17.808269500732422,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear axes", opset: 18, shape: [2, 1, 4, 7], uint8: false,
      strings: [("mode", "linear")], ints: [("antialias", 1)], floats: [], axes: [3],
      scales: [0.44999998807907104], sizes: nil, outputShape: [2, 1, 4, 3],
      expected: [
        3.315340995788574, 7.553370952606201, 6.593406677246094, 5.940340995788574,
        6.5168538093566895, 7.057692050933838, 10.815340995788574, 10.053370475769043,
        9.093406677246094, 8.440340995788574, 11.365168571472168, 12.096153259277344,
        13.315340995788574, 12.553370475769043, 11.593406677246094, 15.065340995788574,
        14.730337142944336, 14.596153259277344, 15.815340995788574, 15.176966667175293,
        18.80769157409668, 17.565340042114258, 17.230337142944336, 17.096153259277344,
      ], roi: nil),
    ResizeGolden(
      name: "antialias linear align_corners sizes", opset: 18, shape: [1, 1, 4, 6], uint8: false,
      strings: [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")],
      ints: [("antialias", 1)], floats: [], axes: nil,
      scales: nil, sizes: [1, 1, 2, 4], outputShape: [1, 1, 2, 4],
      expected: [
        3.5250000953674316, 5.375, 8.625, 3.875, 8.875, 10.048076629638672, 8.22115421295166,
        11.425000190734863,
      ], roi: nil),
  ]
}

// MARK: Generator (run with /tmp/venvtest/bin/python: onnx 1.23, onnxruntime 1.32, numpy)

// resize_crop_aspect_antialias_gen.py
// # Generates MovementResizeGoldens.swift: Resize tf_crop_and_resize, keep_aspect_ratio_policy and antialias
// # cases. Values from onnx.reference.ReferenceEvaluator (which the ONNX node tests follow), cross-checked
// # against onnxruntime.
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
// def model(opset, shape, dtype, roi, scales, sizes, attrs):
//     tp = TP.FLOAT if dtype == np.float32 else TP.UINT8
//     inits = []
//     names = ['x', '', '', '']
//     if roi is not None:
//         names[1] = 'r'; inits.append(nh.from_array(np.array(roi, np.float32), 'r'))
//     if scales is not None:
//         names[2] = 's'; inits.append(nh.from_array(np.array(scales, np.float32), 's'))
//     if sizes is not None:
//         names[3] = 'z'; inits.append(nh.from_array(np.array(sizes, np.int64), 'z'))
//     while names[-1] == '': names.pop()
//     node = h.make_node('Resize', names, ['y'], **attrs)
//     g = h.make_graph([node], 'g', [h.make_tensor_value_info('x', tp, shape)], [h.make_tensor_value_info('y', tp, None)], inits)
//     m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)]); m.ir_version = 9
//     return m
//
// cases = []
// def add(name, opset, shape, attrs, roi=None, scales=None, sizes=None, dtype=np.float32):
//     cases.append((name, opset, shape, attrs, roi, scales, sizes, dtype))
//
// crop = dict(coordinate_transformation_mode='tf_crop_and_resize')
// add('crop linear sizes', 13, [1, 1, 4, 5], dict(mode='linear', **crop), roi=[0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8], sizes=[1, 1, 3, 3])
// add('crop linear scales extrapolation', 13, [1, 1, 4, 5], dict(mode='linear', extrapolation_value=10.0, **crop), roi=[0, 0, 0.2, 0.1, 1, 1, 0.9, 1.2], scales=[1, 1, 1.5, 0.8])
// add('crop cubic extrapolation', 13, [1, 1, 4, 5], dict(mode='cubic', extrapolation_value=-2.5, **crop), roi=[0, 0, -0.3, 0.2, 1, 1, 0.7, 1.3], sizes=[1, 1, 5, 4])
// add('crop nearest extrapolation', 13, [1, 1, 4, 5], dict(mode='nearest', nearest_mode='round_prefer_ceil', extrapolation_value=7.0, **crop), roi=[0, 0, -0.2, 0.1, 1, 1, 0.9, 1.4], sizes=[1, 1, 5, 6])
// add('crop nearest uint8', 13, [1, 2, 3, 3], dict(mode='nearest', extrapolation_value=9.0, **crop), roi=[0, 0, 0.5, -0.5, 1, 1, 1.5, 0.5], sizes=[1, 2, 4, 3], dtype=np.uint8)
// add('crop linear axes 3 2', 18, [1, 1, 4, 5], dict(mode='linear', axes=[3, 2], **crop), roi=[0.1, 0.3, 0.7, 0.9], sizes=[3, 4])
// add('crop linear to one', 13, [1, 1, 4, 5], dict(mode='linear', **crop), roi=[0, 0, 0.2, 0.1, 1, 1, 0.9, 0.6], sizes=[1, 1, 1, 3])
// add('crop linear 3-D', 13, [2, 3, 5], dict(mode='linear', **crop), roi=[0, 0.5, 0, 1, 1, 0.75], sizes=[2, 4, 4])
// add('crop cubic identity roi', 13, [1, 1, 4, 5], dict(mode='cubic', **crop), roi=[0, 0, 0, 0, 1, 1, 1, 1], sizes=[1, 1, 4, 5])
// add('aspect nearest not_larger', 18, [1, 1, 4, 5], dict(mode='nearest', axes=[2, 3], keep_aspect_ratio_policy='not_larger'), sizes=[7, 8])
// add('aspect linear not_larger', 18, [1, 1, 4, 5], dict(mode='linear', axes=[2, 3], keep_aspect_ratio_policy='not_larger'), sizes=[7, 8])
// add('aspect linear not_smaller', 18, [1, 1, 4, 5], dict(mode='linear', axes=[2, 3], keep_aspect_ratio_policy='not_smaller'), sizes=[3, 3])
// add('aspect cubic not_smaller align_corners', 18, [1, 1, 4, 5], dict(mode='cubic', axes=[2, 3], keep_aspect_ratio_policy='not_smaller', coordinate_transformation_mode='align_corners'), sizes=[6, 5])
// add('aspect nearest not_larger all axes', 18, [1, 1, 4, 5], dict(mode='nearest', keep_aspect_ratio_policy='not_larger'), sizes=[1, 1, 2, 9])
// add('aspect linear not_smaller axes 3 2', 19, [1, 1, 4, 5], dict(mode='linear', axes=[3, 2], keep_aspect_ratio_policy='not_smaller'), sizes=[2, 3])
// add('antialias linear scales', 18, [1, 1, 4, 5], dict(mode='linear', antialias=1), scales=[1, 1, 0.6, 0.6])
// add('antialias cubic scales', 18, [1, 1, 6, 8], dict(mode='cubic', antialias=1), scales=[1, 1, 0.5, 0.3])
// add('antialias linear sizes', 18, [1, 1, 6, 8], dict(mode='linear', antialias=1), sizes=[1, 1, 2, 3])
// add('antialias cubic exclude_outside', 18, [1, 1, 4, 5], dict(mode='cubic', antialias=1, exclude_outside=1, cubic_coeff_a=-0.5), sizes=[1, 1, 3, 2])
// add('antialias linear up and down', 18, [1, 1, 4, 5], dict(mode='linear', antialias=1), scales=[1, 1, 2, 0.4])
// add('antialias linear align_corners', 18, [1, 1, 4, 6], dict(mode='linear', antialias=1, coordinate_transformation_mode='align_corners'), scales=[1, 1, 0.5, 0.7])
// add('antialias cubic asymmetric', 18, [1, 1, 5, 9], dict(mode='cubic', antialias=1, coordinate_transformation_mode='asymmetric'), scales=[1, 1, 0.8, 0.25])
// add('antialias cubic 3-D', 18, [2, 3, 9], dict(mode='cubic', antialias=1), sizes=[2, 3, 4])
// add('antialias linear axes', 18, [2, 1, 4, 7], dict(mode='linear', antialias=1, axes=[3]), scales=[0.45])
// add('antialias linear align_corners sizes', 18, [1, 1, 4, 6], dict(mode='linear', antialias=1, coordinate_transformation_mode='align_corners'), sizes=[1, 1, 2, 4])
//
// def swift_floats(v):
//     return '[' + ', '.join(repr(float(np.float32(x))) for x in v) + ']'
//
// out = []
// for (name, opset, shape, attrs, roi, scales, sizes, dtype) in cases:
//     m = model(opset, shape, dtype, roi, scales, sizes, attrs)
//     x = data(shape, dtype)
//     y = ReferenceEvaluator(m).run(None, {'x': x})[0]
//     try:
//         o = ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider']).run(None, {'x': x})[0]
//         if o.shape != y.shape or not np.allclose(o.astype(np.float64), y.astype(np.float64), rtol=1e-4, atol=1e-4):
//             print('DIFF onnxruntime', name, '\n ort', o.shape, o.ravel().tolist(), '\n ref', y.shape, y.ravel().tolist(), file=sys.stderr)
//     except Exception as e:
//         print(name, '-> onnxruntime:', str(e).split('\n')[0][:120], file=sys.stderr)
//     q = chr(34)
//     strs = ', '.join('(' + q + k + q + ', ' + q + v + q + ')' for k, v in attrs.items() if isinstance(v, str))
//     ints = ', '.join('(' + q + k + q + ', ' + str(v) + ')' for k, v in attrs.items() if isinstance(v, int))
//     flts = ', '.join('(' + q + k + q + ', ' + repr(v) + ')' for k, v in attrs.items() if isinstance(v, float))
//     axes = str(attrs['axes']) if 'axes' in attrs else 'nil'
//     sc = swift_floats(scales) if scales is not None else 'nil'
//     sz = str(sizes) if sizes is not None else 'nil'
//     rs = swift_floats(roi) if roi is not None else 'nil'
//     lines = [
//         '    ResizeGolden(',
//         '      name: ' + q + name + q + ', opset: ' + str(opset) + ', shape: ' + str(list(shape)) + ', uint8: ' + str(dtype == np.uint8).lower() + ',',
//         '      strings: [' + strs + '], ints: [' + ints + '], floats: [' + flts + '], axes: ' + axes + ',',
//         '      scales: ' + sc + ', sizes: ' + sz + ', outputShape: ' + str(list(y.shape)) + ',',
//         '      expected: ' + swift_floats(y.ravel()) + ', roi: ' + rs + '),',
//     ]
//     out.append('\n'.join(lines))
// print('\n'.join(out))
// print(len(cases), 'cases', file=sys.stderr)
