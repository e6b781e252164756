/// Which family prepares each operator. Constant, Dropout, Identity and If are resolved by the graph
/// preparer before nodes get here.
enum OpRegistry {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .conv, .convTranspose, .fusedConv:
      return try ConvolutionOps.prepare(context)
    case .gemm, .matMul:
      return try MatrixOps.prepare(context)
    case .add, .sub, .mul, .div, .pow, .mod, .max, .min, .sum, .mean, .equal, .less, .greater, .lessOrEqual,
      .greaterOrEqual, .and, .or, .xor, .prelu, .where, .relu, .leakyRelu, .clip, .sigmoid, .tanh, .hardSigmoid,
      .hardSwish, .elu, .selu, .softplus, .softsign, .gelu, .erf, .sqrt, .exp, .log, .abs, .neg, .reciprocal,
      .floor, .ceil, .round, .sign, .sin, .cos, .not, .cast:
      return try ElementwiseOps.prepare(context)
    case .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .nhwcMaxPool:
      return try PoolingOps.prepare(context)
    case .batchNormalization, .instanceNormalization, .layerNormalization, .softmax, .logSoftmax:
      return try NormalizationOps.prepare(context)
    case .reduceMean, .reduceMax, .reduceMin, .reduceSum, .reduceProd, .argMax, .argMin:
      return try ReductionOps.prepare(context)
    case .concat, .split, .reshape, .flatten, .transpose, .squeeze, .unsqueeze, .pad, .resize, .slice, .gather,
      .expand, .tile, .range, .shape, .size, .constantOfShape, .identity:
      return try MovementOps.prepare(context)
    case .lstm:
      return try RecurrentOps.prepare(context)
    case .quantizeLinear, .dequantizeLinear, .dynamicQuantizeLinear:
      return try QuantizeOps.prepare(context)
    case .qlinearConv, .convInteger:
      return try IntegerConvolutionOps.prepare(context)
    case .qlinearMatMul, .matMulInteger, .qgemm:
      return try IntegerMatrixOps.prepare(context)
    case .qlinearAdd, .qlinearMul, .qlinearSigmoid, .qlinearLeakyRelu, .qlinearSoftmax:
      return try QuantizedElementwiseOps.prepare(context)
    case .qlinearGlobalAveragePool, .qlinearAveragePool, .qlinearConcat:
      return try QuantizedPoolingOps.prepare(context)
    case .qlinearLookup:
      return try QuantizedLookupOps.prepare(context)
    case .constant, .dropout, .if:
      throw context.error("is resolved before kernels are prepared", .unsupported)
    }
  }
}
