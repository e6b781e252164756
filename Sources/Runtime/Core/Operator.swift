/// Every operator the runtime implements. Nodes are dispatched on this enum, never on strings at run time.
public enum Operator: Equatable {
  // Convolution and matrix products
  case conv, convTranspose, gemm, matMul
  /// com.microsoft FusedConv: Conv with its activation (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, Tanh)
  /// applied to the output, as ONNX Runtime's Conv+activation fusion writes it.
  case fusedConv
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
  // Quantization (ai.onnx)
  case quantizeLinear, dequantizeLinear, dynamicQuantizeLinear, qlinearConv, convInteger, qlinearMatMul, matMulInteger
  // Quantized operators of ONNX Runtime's quantizer (com.microsoft)
  case qgemm, qlinearAdd, qlinearMul, qlinearSigmoid, qlinearLeakyRelu, qlinearGlobalAveragePool, qlinearAveragePool
  case qlinearConcat, qlinearSoftmax
  /// com.microsoft NhwcMaxPool: MaxPool of an 8-bit channels-last [N, H, W, C] tensor.
  case nhwcMaxPool
  /// onnx-quant's own: an element-wise function of an 8-bit tensor as a 256-entry table built at load.
  /// Made at load from DequantizeLinear -> Tanh | HardSigmoid | HardSwish -> QuantizeLinear; never written
  /// to a file.
  case qlinearLookup

  /// The op_type name and domain ("" is ai.onnx) of every operator.
  public static let table: [(name: String, domain: String, op: Operator)] = [
    ("Conv", "", .conv),
    ("ConvTranspose", "", .convTranspose),
    ("Gemm", "", .gemm),
    ("MatMul", "", .matMul),
    ("Add", "", .add),
    ("Sub", "", .sub),
    ("Mul", "", .mul),
    ("Div", "", .div),
    ("Pow", "", .pow),
    ("Mod", "", .mod),
    ("Max", "", .max),
    ("Min", "", .min),
    ("Sum", "", .sum),
    ("Mean", "", .mean),
    ("Equal", "", .equal),
    ("Less", "", .less),
    ("Greater", "", .greater),
    ("LessOrEqual", "", .lessOrEqual),
    ("GreaterOrEqual", "", .greaterOrEqual),
    ("And", "", .and),
    ("Or", "", .or),
    ("Xor", "", .xor),
    ("PRelu", "", .prelu),
    ("Where", "", .where),
    ("Relu", "", .relu),
    ("LeakyRelu", "", .leakyRelu),
    ("Clip", "", .clip),
    ("Sigmoid", "", .sigmoid),
    ("Tanh", "", .tanh),
    ("HardSigmoid", "", .hardSigmoid),
    ("HardSwish", "", .hardSwish),
    ("Elu", "", .elu),
    ("Selu", "", .selu),
    ("Softplus", "", .softplus),
    ("Softsign", "", .softsign),
    ("Gelu", "", .gelu),
    ("Erf", "", .erf),
    ("Sqrt", "", .sqrt),
    ("Exp", "", .exp),
    ("Log", "", .log),
    ("Abs", "", .abs),
    ("Neg", "", .neg),
    ("Reciprocal", "", .reciprocal),
    ("Floor", "", .floor),
    ("Ceil", "", .ceil),
    ("Round", "", .round),
    ("Sign", "", .sign),
    ("Sin", "", .sin),
    ("Cos", "", .cos),
    ("Not", "", .not),
    ("Cast", "", .cast),
    ("Identity", "", .identity),
    ("MaxPool", "", .maxPool),
    ("AveragePool", "", .averagePool),
    ("GlobalAveragePool", "", .globalAveragePool),
    ("GlobalMaxPool", "", .globalMaxPool),
    ("BatchNormalization", "", .batchNormalization),
    ("InstanceNormalization", "", .instanceNormalization),
    ("LayerNormalization", "", .layerNormalization),
    ("Softmax", "", .softmax),
    ("LogSoftmax", "", .logSoftmax),
    ("ReduceMean", "", .reduceMean),
    ("ReduceMax", "", .reduceMax),
    ("ReduceMin", "", .reduceMin),
    ("ReduceSum", "", .reduceSum),
    ("ReduceProd", "", .reduceProd),
    ("ArgMax", "", .argMax),
    ("ArgMin", "", .argMin),
    ("Concat", "", .concat),
    ("Split", "", .split),
    ("Reshape", "", .reshape),
    ("Flatten", "", .flatten),
    ("Transpose", "", .transpose),
    ("Squeeze", "", .squeeze),
    ("Unsqueeze", "", .unsqueeze),
    ("Pad", "", .pad),
    ("Resize", "", .resize),
    ("Slice", "", .slice),
    ("Gather", "", .gather),
    ("Expand", "", .expand),
    ("Tile", "", .tile),
    ("Range", "", .range),
    ("Shape", "", .shape),
    ("Size", "", .size),
    ("Constant", "", .constant),
    ("ConstantOfShape", "", .constantOfShape),
    ("Dropout", "", .dropout),
    ("LSTM", "", .lstm),
    ("If", "", .if),
    ("QuantizeLinear", "", .quantizeLinear),
    ("DequantizeLinear", "", .dequantizeLinear),
    ("DynamicQuantizeLinear", "", .dynamicQuantizeLinear),
    ("QLinearConv", "", .qlinearConv),
    ("ConvInteger", "", .convInteger),
    ("QLinearMatMul", "", .qlinearMatMul),
    ("MatMulInteger", "", .matMulInteger),
    ("FusedConv", "com.microsoft", .fusedConv),
    // ai.onnx QLinearConv plus channels_last (x and y NHWC when 1), as ONNX Runtime's layout pass writes it.
    ("QLinearConv", "com.microsoft", .qlinearConv),
    ("QGemm", "com.microsoft", .qgemm),
    ("QLinearAdd", "com.microsoft", .qlinearAdd),
    ("QLinearMul", "com.microsoft", .qlinearMul),
    ("QLinearSigmoid", "com.microsoft", .qlinearSigmoid),
    ("QLinearLeakyRelu", "com.microsoft", .qlinearLeakyRelu),
    ("QLinearGlobalAveragePool", "com.microsoft", .qlinearGlobalAveragePool),
    ("QLinearAveragePool", "com.microsoft", .qlinearAveragePool),
    ("QLinearConcat", "com.microsoft", .qlinearConcat),
    ("QLinearSoftmax", "com.microsoft", .qlinearSoftmax),
    ("NhwcMaxPool", "com.microsoft", .nhwcMaxPool),
    ("QLinearLookup", "ai.onnx-quant", .qlinearLookup),
    // ONNX Runtime also accepts its contrib QuantizeLinear/DequantizeLinear under com.microsoft.
    ("QuantizeLinear", "com.microsoft", .quantizeLinear),
    ("DequantizeLinear", "com.microsoft", .dequantizeLinear),
  ]

  /// The operator for a node's domain and op_type, or nil when the runtime has none.
  public static func named(_ opType: String, domain: String) -> Operator? {
    let normalized = domain == "ai.onnx" ? "" : domain
    for entry in table where entry.name == opType && entry.domain == normalized { return entry.op }
    return nil
  }

  /// The op_type name.
  public var name: String {
    for entry in Operator.table where entry.op == self { return entry.name }
    return ""
  }

  /// The domain ("" for ai.onnx) the operator is first listed under.
  public var domain: String {
    for entry in Operator.table where entry.op == self { return entry.domain }
    return ""
  }
}
