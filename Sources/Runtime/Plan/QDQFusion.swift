import ONNXFormat

/// Runs QDQ models as the integer operators a QOperator model would use.
///
/// A QDQ model (ONNX Runtime's recommended quantized format) keeps float operators between
/// DequantizeLinear and QuantizeLinear nodes. ONNX Runtime's CPU provider rewrites such groups at load into
/// its integer kernels, so what its users measure is the integer computation. This pass makes the same
/// rewrites on the model's graph before it is prepared, following ONNX Runtime 1.32
/// (`onnxruntime/core/optimizer/qdq_transformer/`), so a QDQ model gives the bytes ONNX Runtime gives:
///
/// 1. Q -> DQ -> Q -> DQ loses its middle pair (DoubleQDQPairsRemover).
/// 2. Q and DQ move across Reshape, Transpose, Squeeze, Unsqueeze, Slice and MaxPool so those run on the
///    quantized tensor and the compute operators meet their Q and DQ (QDQPropagationTransformer).
/// 3. A float bias of a Conv or Gemm between DQ and Q becomes int32 (WeightBiasQuantization).
/// 4. Relu or Clip before a Q that saturates at least as much goes (ReluQuantFusion, ClipQuantFusion).
/// 5. Groups become integer operators (QDQSelectorActionTransformer's CPU rules): Conv -> QLinearConv,
///    MatMul -> QLinearMatMul (MatMulInteger -> Cast -> Mul without a Q), Gemm -> QGemm, Add/Mul ->
///    QLinearAdd/QLinearMul, AveragePool, GlobalAveragePool, LeakyRelu, Sigmoid, Softmax -> QLinear*,
///    Concat -> QLinearConcat (plain Concat when every parameter is equal); data movement (Reshape, Flatten,
///    Transpose, Squeeze, Unsqueeze, Slice, Gather, Expand, Tile, Split, MaxPool, ReduceMax/Min, Resize
///    nearest, Pad) between equal parameters runs on the quantized tensor; ArgMax reads it directly.
/// 6. DQ -> Q with equal parameters is removed (QDQFinalCleanupTransformer).
///
/// A group fuses only when its scales and zero points are known at load, its types match, each DQ output
/// it consumes needs no float value for this reader (a DQ other nodes still read stays for them), and the
/// target's output goes to its Q alone. Everything else runs as written. Fused nodes keep the float
/// operator's name. The rewrite never gives an existing value name a different meaning.
public enum QDQFusion {
  /// The graph with its QDQ groups fused; `opset` is the ai.onnx version the model imports.
  public static func fuse(_ graph: Graph, opset: Int) -> Graph {
    guard graph.nodes.contains(where: { $0.opType == "DequantizeLinear" || $0.opType == "QuantizeLinear" }) else {
      return graph
    }
    var work = QDQGraph(graph, opset: opset)
    work.removeDoubleQDQPairs()
    work.hoistQuantizeLinear()
    work.sinkDequantizeLinear()
    work.quantizeFloatBiases()
    work.removeRedundantActivations()
    work.fuseGroups()
    work.removeCancellingPairs()
    work.removeUnreadQDQ()
    return work.result()
  }
}
