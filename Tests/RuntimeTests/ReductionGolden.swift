import XCTest

@testable import Runtime

/// Golden values for Reduction kernels, generated with onnx 1.23 (onnx.reference.ReferenceEvaluator) and
/// onnxruntime by a small script: one single-node model per case, seeded inputs rounded to 2 decimals.
/// Each case says whose output it pastes; onnxruntime only where the reference evaluator is known wrong.
enum ReductionGolden {
  enum Value {
    case float([Int], [Float])
    case int64([Int], [Int64])

    var constant: Constant {
      switch self {
      case .float(let shape, let values): return Constant(.float, shape, values: values)
      case .int64(let shape, let values): return Constant(.int64, shape, values: values)
      }
    }
  }

  struct Case {
    var inputs: [Value]
    var outputs: [Value]
  }

  // ReduceSum opset 13 {'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumAll13 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ],
    outputs: [
      .float([], [2.43000031])
    ])

  // ReduceSum opset 13 {'noop_with_empty_axes': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumNoopEmptyAxes13 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ]),
      .int64([0], []),
    ],
    outputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ])

  // ReduceSum opset 13 {'noop_with_empty_axes': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumEmptyAxes13 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ]),
      .int64([0], []),
    ],
    outputs: [
      .float([1, 1, 1], [2.43000031])
    ])

  // ReduceSum opset 13 {'keepdims': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumAxes13 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ]),
      .int64([2], [0, -1]),
    ],
    outputs: [
      .float([1, 3, 1], [0.730000079, 1.62000012, 0.0800001621])
    ])

  // ReduceSum opset 11 {'axes': [1], 'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumAttribute11 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ],
    outputs: [
      .float(
        [2, 4], [0.779999971, -1.58000004, -3.17000008, -0.890000045, 1.6400001, 2.27000022, 1.7299999, 1.6500001])
    ])

  // ReduceMean opset 18 {'keepdims': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let meanEmptyAxes18 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ]),
      .int64([0], []),
    ],
    outputs: [
      .float([1, 1, 1], [0.101250015])
    ])

  // ReduceMean opset 18 {'noop_with_empty_axes': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let meanNoopNoAxes18 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ],
    outputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ])

  // ReduceMax opset 13 {'axes': [0, 2], 'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let maxAttribute13 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ],
    outputs: [
      .float([3], [1.08000004, 2.00999999, 2.13000011])
    ])

  // ReduceMin opset 18 {'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let minAxes18 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ]),
      .int64([1], [1]),
    ],
    outputs: [
      .float(
        [2, 4], [-0.49000001, -1.13, -1.91999996, -0.730000019, -0.720000029, -0.819999993, 0.389999986, -0.639999986])
    ])

  // ReduceProd opset 11 {'axes': [-2]}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let prodAttribute11 = Case(
    inputs: [
      .float(
        [2, 3, 4],
        [
          1.01999998, -0.109999999, -0.699999988, -0.730000019, -0.49000001, -1.13, -0.550000012, -0.0900000036, 0.25,
          -0.340000004, -1.91999996, -0.0700000003, 0.230000004, 1.08000004, 0.579999983, -0.639999986,
          -0.720000029, 2.00999999, 0.75999999, 1.83000004, 2.13000011, -0.819999993, 0.389999986, 0.460000008,
        ])
    ],
    outputs: [
      .float(
        [2, 1, 4],
        [-0.124949999, -0.0422619991, -0.739199936, -0.00459900033, -0.352728069, -1.780056, 0.171911985, -0.538752019])
    ])

  // ReduceMax opset 18 {'keepdims': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let maxEmptySet = Case(
    inputs: [
      .float([2, 0, 3], []),
      .int64([1], [1]),
    ],
    outputs: [
      .float([2, 1, 3], [-.infinity, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity])
    ])

  // ReduceMin opset 18 {'keepdims': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let minEmptySet = Case(
    inputs: [
      .float([2, 0, 3], []),
      .int64([1], [1]),
    ],
    outputs: [
      .float([2, 1, 3], [.infinity, .infinity, .infinity, .infinity, .infinity, .infinity])
    ])

  // ReduceSum opset 13 {'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let sumEmptySet = Case(
    inputs: [
      .float([2, 0, 3], []),
      .int64([1], [1]),
    ],
    outputs: [
      .float([2, 3], [0, 0, 0, 0, 0, 0])
    ])

  // ReduceProd opset 18 {'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let prodEmptySet = Case(
    inputs: [
      .float([2, 0, 3], []),
      .int64([1], [1]),
    ],
    outputs: [
      .float([2, 3], [1, 1, 1, 1, 1, 1])
    ])

  // ArgMax opset 13 {'axis': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let argMaxFirst = Case(
    inputs: [
      .float([3, 4], [1, 3, 3, 0, 2, 2, 1, 2, 0, 5, 5, 5])
    ],
    outputs: [
      .int64([3, 1], [1, 0, 1])
    ])

  // ArgMax opset 13 {'axis': 1, 'select_last_index': 1, 'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let argMaxLast = Case(
    inputs: [
      .float([3, 4], [1, 3, 3, 0, 2, 2, 1, 2, 0, 5, 5, 5])
    ],
    outputs: [
      .int64([3], [2, 3, 3])
    ])

  // ArgMin opset 13 {'axis': 0, 'select_last_index': 1}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let argMinLast = Case(
    inputs: [
      .float([3, 4], [1, 3, 3, 0, 2, 2, 1, 2, 0, 5, 5, 5])
    ],
    outputs: [
      .int64([1, 4], [2, 1, 1, 0])
    ])

  // ArgMin opset 13 {'axis': 0, 'keepdims': 0}; onnx ReferenceEvaluator (onnxruntime agrees)
  static let argMinFirst = Case(
    inputs: [
      .float([3, 4], [1, 3, 3, 0, 2, 2, 1, 2, 0, 5, 5, 5])
    ],
    outputs: [
      .int64([4], [2, 1, 1, 0])
    ])
}
