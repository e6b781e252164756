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

  /// ONNX op_type names (domain ai.onnx) of every operator, in the order `onnx-quant ops` lists them.
  public static let table: [(name: String, op: Operator)] = [
    ("Conv", .conv),
    ("ConvTranspose", .convTranspose),
    ("Gemm", .gemm),
    ("MatMul", .matMul),
    ("Add", .add),
    ("Sub", .sub),
    ("Mul", .mul),
    ("Div", .div),
    ("Pow", .pow),
    ("Mod", .mod),
    ("Max", .max),
    ("Min", .min),
    ("Sum", .sum),
    ("Mean", .mean),
    ("Equal", .equal),
    ("Less", .less),
    ("Greater", .greater),
    ("LessOrEqual", .lessOrEqual),
    ("GreaterOrEqual", .greaterOrEqual),
    ("And", .and),
    ("Or", .or),
    ("Xor", .xor),
    ("PRelu", .prelu),
    ("Where", .where),
    ("Relu", .relu),
    ("LeakyRelu", .leakyRelu),
    ("Clip", .clip),
    ("Sigmoid", .sigmoid),
    ("Tanh", .tanh),
    ("HardSigmoid", .hardSigmoid),
    ("HardSwish", .hardSwish),
    ("Elu", .elu),
    ("Selu", .selu),
    ("Softplus", .softplus),
    ("Softsign", .softsign),
    ("Gelu", .gelu),
    ("Erf", .erf),
    ("Sqrt", .sqrt),
    ("Exp", .exp),
    ("Log", .log),
    ("Abs", .abs),
    ("Neg", .neg),
    ("Reciprocal", .reciprocal),
    ("Floor", .floor),
    ("Ceil", .ceil),
    ("Round", .round),
    ("Sign", .sign),
    ("Sin", .sin),
    ("Cos", .cos),
    ("Not", .not),
    ("Cast", .cast),
    ("Identity", .identity),
    ("MaxPool", .maxPool),
    ("AveragePool", .averagePool),
    ("GlobalAveragePool", .globalAveragePool),
    ("GlobalMaxPool", .globalMaxPool),
    ("BatchNormalization", .batchNormalization),
    ("InstanceNormalization", .instanceNormalization),
    ("LayerNormalization", .layerNormalization),
    ("Softmax", .softmax),
    ("LogSoftmax", .logSoftmax),
    ("ReduceMean", .reduceMean),
    ("ReduceMax", .reduceMax),
    ("ReduceMin", .reduceMin),
    ("ReduceSum", .reduceSum),
    ("ReduceProd", .reduceProd),
    ("ArgMax", .argMax),
    ("ArgMin", .argMin),
    ("Concat", .concat),
    ("Split", .split),
    ("Reshape", .reshape),
    ("Flatten", .flatten),
    ("Transpose", .transpose),
    ("Squeeze", .squeeze),
    ("Unsqueeze", .unsqueeze),
    ("Pad", .pad),
    ("Resize", .resize),
    ("Slice", .slice),
    ("Gather", .gather),
    ("Expand", .expand),
    ("Tile", .tile),
    ("Range", .range),
    ("Shape", .shape),
    ("Size", .size),
    ("Constant", .constant),
    ("ConstantOfShape", .constantOfShape),
    ("Dropout", .dropout),
    ("LSTM", .lstm),
    ("If", .if),
  ]

  /// The operator for a node's domain and op_type, or nil when the runtime has none.
  public static func named(_ opType: String, domain: String) -> Operator? {
    guard domain.isEmpty || domain == "ai.onnx" else { return nil }
    for entry in table where entry.name == opType { return entry.op }
    return nil
  }

  /// The ONNX op_type name.
  public var name: String {
    for entry in Operator.table where entry.op == self { return entry.name }
    return ""
  }
}
