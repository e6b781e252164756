/// Every operator the runtime implements. Nodes are dispatched on this enum, never on strings at run time.
public enum Operator: Equatable {
  // Convolution and matrix products
  case conv, convTranspose, gemm, matMul
  // Element-wise with numpy broadcasting
  case add, sub, mul, div, pow, mod, max, min, sum, mean
  case equal, less, greater, lessOrEqual, greaterOrEqual, and, or, xor
  case prelu, `where`
  // Element-wise, one input
  case relu, leakyRelu, clip, sigmoid, tanh, hardSigmoid, hardSwish, elu, selu, softplus, softsign, gelu, erf
  case sqrt, exp, log, abs, neg, reciprocal, floor, ceil, round, sign, sin, cos, not, cast, identity
  // Pooling, normalization, reductions
  case maxPool, averagePool, globalAveragePool, globalMaxPool
  case batchNormalization, instanceNormalization, layerNormalization, softmax, logSoftmax
  case reduceMean, reduceMax, reduceMin, reduceSum, reduceProd, argMax, argMin
  // Moving data
  case concat, split, reshape, flatten, transpose, squeeze, unsqueeze, pad, resize, slice, gather
  case expand, tile, range, shape, size, constant, constantOfShape, dropout
  // Recurrent and control flow
  case lstm, `if`

  /// The operator for a node's domain and op_type, or nil when the runtime has none.
  public static func named(_ opType: String, domain: String) -> Operator? {
    guard domain.isEmpty || domain == "ai.onnx" else { return nil }
    switch opType {
    case "Conv": return .conv
    case "ConvTranspose": return .convTranspose
    case "Gemm": return .gemm
    case "MatMul": return .matMul
    case "Add": return .add
    case "Sub": return .sub
    case "Mul": return .mul
    case "Div": return .div
    case "Pow": return .pow
    case "Mod": return .mod
    case "Max": return .max
    case "Min": return .min
    case "Sum": return .sum
    case "Mean": return .mean
    case "Equal": return .equal
    case "Less": return .less
    case "Greater": return .greater
    case "LessOrEqual": return .lessOrEqual
    case "GreaterOrEqual": return .greaterOrEqual
    case "And": return .and
    case "Or": return .or
    case "Xor": return .xor
    case "PRelu": return .prelu
    case "Where": return .where
    case "Relu": return .relu
    case "LeakyRelu": return .leakyRelu
    case "Clip": return .clip
    case "Sigmoid": return .sigmoid
    case "Tanh": return .tanh
    case "HardSigmoid": return .hardSigmoid
    case "HardSwish": return .hardSwish
    case "Elu": return .elu
    case "Selu": return .selu
    case "Softplus": return .softplus
    case "Softsign": return .softsign
    case "Gelu": return .gelu
    case "Erf": return .erf
    case "Sqrt": return .sqrt
    case "Exp": return .exp
    case "Log": return .log
    case "Abs": return .abs
    case "Neg": return .neg
    case "Reciprocal": return .reciprocal
    case "Floor": return .floor
    case "Ceil": return .ceil
    case "Round": return .round
    case "Sign": return .sign
    case "Sin": return .sin
    case "Cos": return .cos
    case "Not": return .not
    case "Cast": return .cast
    case "Identity": return .identity
    case "MaxPool": return .maxPool
    case "AveragePool": return .averagePool
    case "GlobalAveragePool": return .globalAveragePool
    case "GlobalMaxPool": return .globalMaxPool
    case "BatchNormalization": return .batchNormalization
    case "InstanceNormalization": return .instanceNormalization
    case "LayerNormalization": return .layerNormalization
    case "Softmax": return .softmax
    case "LogSoftmax": return .logSoftmax
    case "ReduceMean": return .reduceMean
    case "ReduceMax": return .reduceMax
    case "ReduceMin": return .reduceMin
    case "ReduceSum": return .reduceSum
    case "ReduceProd": return .reduceProd
    case "ArgMax": return .argMax
    case "ArgMin": return .argMin
    case "Concat": return .concat
    case "Split": return .split
    case "Reshape": return .reshape
    case "Flatten": return .flatten
    case "Transpose": return .transpose
    case "Squeeze": return .squeeze
    case "Unsqueeze": return .unsqueeze
    case "Pad": return .pad
    case "Resize": return .resize
    case "Slice": return .slice
    case "Gather": return .gather
    case "Expand": return .expand
    case "Tile": return .tile
    case "Range": return .range
    case "Shape": return .shape
    case "Size": return .size
    case "Constant": return .constant
    case "ConstantOfShape": return .constantOfShape
    case "Dropout": return .dropout
    case "LSTM": return .lstm
    case "If": return .if
    default: return nil
    }
  }
}
