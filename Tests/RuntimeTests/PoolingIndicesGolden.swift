import XCTest

@testable import Runtime

/// Golden values for MaxPool's Indices output (int64, the maximum's position flattened over the unpadded
/// input including the batch and channel, row major for storage_order 0 and column major within each
/// plane for 1). Generated with onnx 1.23's ReferenceEvaluator and onnxruntime 1.32 by the script at the
/// end of this file; inputs are small integers, so windows hold ties and the first maximum in scan order
/// wins. Each case says whose output it pastes: onnxruntime where the reference evaluator's stride-1 path
/// (CommonPool) gives indices that are not input positions.
enum PoolingIndicesGolden {
  enum Element { case float, int8 }

  struct IndicesCase {
    var element: Element
    var shape: [Int]
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var pads: [Int]
    var ceilMode: Int
    var storageOrder: Int
    var input: [Float]
    var outputShape: [Int]
    var values: [Float]
    var indices: [Int64]
  }

  // MaxPool opset 12 {'kernel_shape': [3, 3], 'strides': [2, 2], 'pads': [1, 1, 1, 1]}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let padded2D = IndicesCase(
    element: .float, shape: [2, 2, 5, 6], kernel: [3, 3],
    strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], ceilMode: 0, storageOrder: 0,
    input: [0, 0, 2, 3, -3, -2, 2, 3, -2, -1, 3, -1, -2, 2, -2, -1, 1, 0, -3, -3, 3, 2, 2, 0, 2, -1, 0, 2, -3, -1, -3, 0, 3, -3, -1, -1, 3, -2, 0, -2, -3, 2, -3, -2, 0, 0, -3, 3, 2, 3, -3, 2, -1, 0, 3, -2, 2, -2, -1, 3, -1, 0, -1, -3, -1, 1, 0, 2, -1, 1, 2, 3, -1, -3, 2, 0, 3, 0, -1, -3, 0, 1, 2, 2, -2, 1, 2, -2, -1, 2, 1, 0, 1, 0, 3, 2, -3, -2, 0, 2, -3, 1, 2, 2, 3, -2, 0, 2, -1, -2, 0, -3, -2, 2, 1, 3, 2, 3, -1, 0],
    outputShape: [2, 2, 3, 3],
    values: [3, 3, 3, 3, 3, 3, 2, 3, 2, 3, 3, 2, 3, 3, 3, 3, 3, 3, 2, 2, 3, 2, 2, 3, 1, 2, 2, 1, 2, 3, 2, 3, 2, 3, 3, 3],
    indices: [7, 3, 3, 7, 7, 10, 24, 20, 21, 36, 32, 41, 36, 49, 47, 49, 49, 59, 67, 67, 71, 67, 67, 71, 85, 86, 82, 90, 99, 94, 102, 104, 99, 115, 115, 117])

  // MaxPool opset 12 {'kernel_shape': [3, 3], 'strides': [2, 2], 'pads': [1, 1, 1, 1], 'storage_order': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let padded2DColumnMajor = IndicesCase(
    element: .float, shape: [2, 2, 5, 6], kernel: [3, 3],
    strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], ceilMode: 0, storageOrder: 1,
    input: [0, 0, 2, 3, -3, -2, 2, 3, -2, -1, 3, -1, -2, 2, -2, -1, 1, 0, -3, -3, 3, 2, 2, 0, 2, -1, 0, 2, -3, -1, -3, 0, 3, -3, -1, -1, 3, -2, 0, -2, -3, 2, -3, -2, 0, 0, -3, 3, 2, 3, -3, 2, -1, 0, 3, -2, 2, -2, -1, 3, -1, 0, -1, -3, -1, 1, 0, 2, -1, 1, 2, 3, -1, -3, 2, 0, 3, 0, -1, -3, 0, 1, 2, 2, -2, 1, 2, -2, -1, 2, 1, 0, 1, 0, 3, 2, -3, -2, 0, 2, -3, 1, 2, 2, 3, -2, 0, 2, -1, -2, 0, -3, -2, 2, 1, 3, 2, 3, -1, 0],
    outputShape: [2, 2, 3, 3],
    values: [3, 3, 3, 3, 3, 3, 2, 3, 2, 3, 3, 2, 3, 3, 3, 3, 3, 3, 2, 2, 3, 2, 2, 3, 1, 2, 2, 1, 2, 3, 2, 3, 2, 3, 3, 3],
    indices: [6, 15, 15, 6, 6, 21, 4, 13, 18, 31, 40, 56, 31, 38, 57, 38, 38, 59, 66, 66, 86, 66, 66, 86, 69, 74, 83, 90, 106, 110, 92, 102, 106, 99, 99, 109])

  // MaxPool opset 12 {'kernel_shape': [2, 3], 'strides': [1, 2], 'dilations': [2, 1], 'pads': [1, 0, 0, 1], 'ceil_mode': 1, 'storage_order': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let dilatedCeil2DColumnMajor = IndicesCase(
    element: .float, shape: [1, 2, 5, 7], kernel: [2, 3],
    strides: [1, 2], dilations: [2, 1], pads: [1, 0, 0, 1], ceilMode: 1, storageOrder: 1,
    input: [2, -2, -3, -1, -1, 2, 0, -3, -1, 1, 2, 2, 3, -2, 3, -3, 0, -2, -2, 1, -1, 0, -2, -2, 2, 0, 1, 1, 3, -1, -2, 1, 3, 3, 3, 1, -1, -1, -3, -2, -1, -1, 1, 0, 1, 3, 3, 2, 3, -1, 3, 3, -2, 0, 0, 1, 1, -3, 0, -3, 3, -2, 0, 3, 0, 1, 0, 2, 1, 1],
    outputShape: [1, 2, 4, 4],
    values: [1, 2, 3, -2, 3, 0, 2, 0, 1, 2, 3, 1, 3, 3, 3, 3, 1, 3, 3, 3, 3, 3, 1, 1, 1, 3, 3, 3, 3, 3, 2, 1],
    indices: [11, 16, 26, 31, 2, 12, 25, 30, 11, 16, 26, 33, 2, 24, 24, 34, 36, 51, 56, 66, 42, 47, 67, 67, 36, 51, 56, 66, 42, 47, 59, 67])

  // MaxPool opset 12 {'kernel_shape': [3], 'strides': [2], 'pads': [1, 1]}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let padded1D = IndicesCase(
    element: .float, shape: [2, 1, 7], kernel: [3],
    strides: [2], dilations: [1], pads: [1, 1], ceilMode: 0, storageOrder: 0,
    input: [2, -3, -2, -2, -2, 2, 3, 1, -3, -3, -1, 0, 1, 0],
    outputShape: [2, 1, 4],
    values: [2, -2, 2, 3, 1, -1, 1, 1],
    indices: [0, 2, 5, 6, 7, 10, 12, 12])

  // MaxPool opset 12 {'kernel_shape': [2, 2, 2], 'strides': [1, 2, 2], 'pads': [0, 1, 0, 0, 0, 1]}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let padded3D = IndicesCase(
    element: .float, shape: [1, 2, 3, 4, 4], kernel: [2, 2, 2],
    strides: [1, 2, 2], dilations: [1, 1, 1], pads: [0, 1, 0, 0, 0, 1], ceilMode: 0, storageOrder: 0,
    input: [2, 3, 3, 0, 3, 3, 3, -3, 0, 1, -2, -1, 1, 2, 1, -2, 1, 3, -2, 0, -1, 3, -3, 0, 3, 0, -3, 2, 3, 3, 3, -1, 2, 3, 1, 3, 1, -2, 0, 1, -1, 1, -1, 3, -2, 1, -3, -3, 0, 0, 0, 0, 2, 0, -1, 3, 3, -1, -2, -2, -2, 0, 1, 1, 3, 3, 0, 1, -3, -2, 3, 3, -3, 0, 0, 1, -3, 0, -1, -2, 2, 1, -2, 2, 0, -2, 1, 0, 0, -1, 3, -2, 3, -2, 2, 3],
    outputShape: [1, 2, 2, 2, 2],
    values: [3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 3, 3, 3, 2, 0, 3],
    indices: [1, 2, 4, 6, 17, 35, 21, 43, 64, 67, 56, 55, 64, 83, 73, 70])

  // MaxPool opset 12 {'kernel_shape': [2, 2, 2], 'strides': [1, 2, 2], 'pads': [0, 1, 0, 0, 0, 1], 'storage_order': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let padded3DColumnMajor = IndicesCase(
    element: .float, shape: [1, 2, 3, 4, 4], kernel: [2, 2, 2],
    strides: [1, 2, 2], dilations: [1, 1, 1], pads: [0, 1, 0, 0, 0, 1], ceilMode: 0, storageOrder: 1,
    input: [2, 3, 3, 0, 3, 3, 3, -3, 0, 1, -2, -1, 1, 2, 1, -2, 1, 3, -2, 0, -1, 3, -3, 0, 3, 0, -3, 2, 3, 3, 3, -1, 2, 3, 1, 3, 1, -2, 0, 1, -1, 1, -1, 3, -2, 1, -3, -3, 0, 0, 0, 0, 2, 0, -1, 3, 3, -1, -2, -2, -2, 0, 1, 1, 3, 3, 0, 1, -3, -2, 3, 3, -3, 0, 0, 1, -3, 0, -1, -2, 2, 1, -2, 2, 0, -2, 1, 0, 0, -1, 3, -2, 3, -2, 2, 3],
    outputShape: [1, 2, 2, 2, 2],
    values: [3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 3, 3, 3, 2, 0, 3],
    indices: [12, 24, 3, 27, 13, 38, 16, 44, 49, 85, 54, 87, 49, 86, 67, 76])

  // MaxPool opset 12 {'kernel_shape': [2, 2], 'strides': [2, 1], 'storage_order': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let int8ColumnMajor = IndicesCase(
    element: .int8, shape: [1, 2, 4, 5], kernel: [2, 2],
    strides: [2, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: 0, storageOrder: 1,
    input: [1, 2, -3, 2, 0, 0, 1, -1, 3, -3, -2, -1, 0, -1, -3, -3, -3, -3, -2, 3, -2, 1, 2, -2, -2, 0, -2, 3, -2, 3, 2, 2, -3, -1, 1, 0, 1, 1, 1, -3],
    outputShape: [1, 2, 2, 4],
    values: [2, 2, 3, 3, -1, 0, 0, 3, 1, 3, 3, 3, 2, 2, 1, 1],
    indices: [4, 4, 13, 13, 6, 10, 10, 19, 24, 29, 29, 37, 22, 26, 31, 38])

  // MaxPool opset 12 {'kernel_shape': [3, 4]}; onnxruntime; the reference evaluator gives indices [16, 40, 8, 4, 28, 28]
  static let wholePlane = IndicesCase(
    element: .float, shape: [2, 3, 3, 4], kernel: [3, 4],
    strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: 0, storageOrder: 0,
    input: [0, 0, 0, -1, 3, -1, 1, -1, 0, 3, -2, 1, -1, 1, 2, -1, 1, 1, 0, -3, 1, -3, 3, 2, 2, -3, 3, 3, 1, 2, 2, 2, -2, -3, -2, -2, 0, 2, 2, 0, 0, 1, 2, -3, 2, -2, 1, 0, 2, 2, -2, 0, -3, -3, 0, 3, -2, -3, 3, 0, -3, 1, -1, -1, -1, -1, 2, 3, -2, 0, 1, 0],
    outputShape: [2, 3, 1, 1],
    values: [3, 3, 3, 2, 3, 3],
    indices: [4, 22, 26, 37, 55, 67])

  // MaxPool opset 12 {'kernel_shape': [3, 3], 'pads': [1, 1, 1, 1], 'storage_order': 1}; onnxruntime; the reference evaluator gives indices [-1, -1, 2, 2, 0, 0, 3, 3, 10, 10, 10, 10, 11, 11, 11, 11, 0, 0, 0, 2, 1, 8, 8, 8, 4, 9, 9, 9, 8, 10, 10, 10]
  static let stride1Padded = IndicesCase(
    element: .float, shape: [1, 2, 4, 4], kernel: [3, 3],
    strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], ceilMode: 0, storageOrder: 1,
    input: [3, 1, 1, 3, 1, 2, 2, -2, -3, -1, -2, 3, 3, -3, 0, 2, -3, 2, -3, 0, 2, -1, -1, -2, 2, -2, 3, 0, 0, 0, 1, 0],
    outputShape: [1, 2, 4, 4],
    values: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 0, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3],
    indices: [0, 0, 12, 12, 0, 0, 12, 12, 3, 3, 14, 14, 3, 3, 14, 14, 20, 20, 20, 28, 20, 26, 26, 26, 17, 26, 26, 26, 18, 26, 26, 26])
}

// maxpool_indices_gen.py
// # MaxPool with its Indices output: onnx ReferenceEvaluator values, cross-checked against onnxruntime.
// # Inputs are small integers (many ties: the first maximum in scan order wins).
// import numpy as np, onnx, onnxruntime as ort, sys
// from onnx import helper as h, TensorProto as TP
// from onnx.reference import ReferenceEvaluator
//
// def run(name, shape, attrs, dtype=np.float32, opset=12, seed=0):
//     rng = np.random.default_rng(seed)
//     x = rng.integers(-3, 4, size=shape).astype(dtype)
//     tp = TP.FLOAT if dtype == np.float32 else TP.INT8
//     node = h.make_node('MaxPool', ['x'], ['y', 'i'], **attrs)
//     g = h.make_graph([node], 'g', [h.make_tensor_value_info('x', tp, shape)],
//                      [h.make_tensor_value_info('y', tp, None), h.make_tensor_value_info('i', TP.INT64, None)])
//     m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)]); m.ir_version = 8
//     y, i = ReferenceEvaluator(m).run(None, {'x': x})
//     note = 'onnx ReferenceEvaluator'
//     try:
//         oy, oi = ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider']).run(None, {'x': x})
//         if np.array_equal(oy, y) and np.array_equal(oi, i): note += ' (onnxruntime agrees)'
//         else:
//             # With strides and dilations of 1 the reference runs CommonPool, whose indices are not the
//             # flattened input positions the spec defines: take onnxruntime's.
//             note = 'onnxruntime; the reference evaluator gives indices ' + str(i.ravel().tolist())
//             y, i = oy, oi
//     except Exception as e:
//         note += ' (onnxruntime refuses: ' + str(e).split('\n')[0].split('Status Message: ')[-1][:60] + ')'
//     kind = 'float' if dtype == np.float32 else 'int8'
//     def vals(a): return ', '.join(str(int(v)) for v in a.ravel())
//     print('  // MaxPool opset ' + str(opset) + ' ' + str(attrs) + '; ' + note)
//     print('  static let ' + name + ' = IndicesCase(')
//     spatial = len(shape) - 2
//     print('    element: .' + kind + ', shape: ' + str(list(shape)) + ', kernel: ' + str(attrs['kernel_shape']) + ',')
//     print('    strides: ' + str(attrs.get('strides', [1] * spatial)) + ', dilations: ' + str(attrs.get('dilations', [1] * spatial))
//           + ', pads: ' + str(attrs.get('pads', [0] * 2 * spatial)) + ', ceilMode: ' + str(attrs.get('ceil_mode', 0))
//           + ', storageOrder: ' + str(attrs.get('storage_order', 0)) + ',')
//     print('    input: [' + vals(x) + '],')
//     print('    outputShape: ' + str(list(y.shape)) + ',')
//     print('    values: [' + vals(y) + '],')
//     print('    indices: [' + vals(i) + '])')
//     print()
//
// run('padded2D', [2, 2, 5, 6], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), seed=1)
// run('padded2DColumnMajor', [2, 2, 5, 6], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], storage_order=1), seed=1)
// run('dilatedCeil2DColumnMajor', [1, 2, 5, 7], dict(kernel_shape=[2, 3], strides=[1, 2], dilations=[2, 1], pads=[1, 0, 0, 1], ceil_mode=1, storage_order=1), seed=2)
// run('padded1D', [2, 1, 7], dict(kernel_shape=[3], strides=[2], pads=[1, 1]), seed=3)
// run('padded3D', [1, 2, 3, 4, 4], dict(kernel_shape=[2, 2, 2], strides=[1, 2, 2], pads=[0, 1, 0, 0, 0, 1]), seed=4)
// run('padded3DColumnMajor', [1, 2, 3, 4, 4], dict(kernel_shape=[2, 2, 2], strides=[1, 2, 2], pads=[0, 1, 0, 0, 0, 1], storage_order=1), seed=4)
// run('int8ColumnMajor', [1, 2, 4, 5], dict(kernel_shape=[2, 2], strides=[2, 1], storage_order=1), dtype=np.int8, seed=5)
// run('wholePlane', [2, 3, 3, 4], dict(kernel_shape=[3, 4]), seed=6)
// run('stride1Padded', [1, 2, 4, 4], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], storage_order=1), seed=7)
