import Commands
import ONNXFormat
import Runtime

/// A float model made ready to calibrate and rewrite: static shapes, constants and shape chains
/// folded (by the runtime's own folding), Identity and Dropout gone, BatchNormalization folded into
/// the Conv before it, MatMul + bias turned into Gemm, and the ai.onnx opset at least 13 (per-axis
/// QuantizeLinear/DequantizeLinear need it).
struct PreparedModel {
  var model: Model
  /// Types and constants of the prepared model's values.
  var analysis: GraphAnalysis
  /// What preparation changed, one line each, for the report.
  var notes: [String]
}

enum ModelPreparation {
  static let minimumOpset = 13

  static func prepare(_ original: Model, shapes: [String: [Int]]) throws(CommandError) -> PreparedModel {
    var model = original
    guard let opset = model.opsetVersion("") else { throw .input("the model imports no ai.onnx opset") }
    if opset < 11 {
      throw .input(
        "the model uses ai.onnx opset " + String(opset) + "; calibrate needs 11 or later (re-export with opset 13)")
    }
    let analysis: GraphAnalysis
    do { analysis = try GraphAnalysis.analyze(model, options: LoadOptions(shapes: shapes)) } catch {
      throw .input(error.message)
    }
    var notes: [String] = []
    model.graph = try fold(model.graph, analysis, notes: &notes)
    model.graph = BatchNormIntoConv.fold(model.graph, notes: &notes)
    model.graph = AddIntoConvBias.fold(model.graph, analysis: analysis, notes: &notes)
    model.graph = MatMulAddToGemm.rewrite(model.graph, analysis: analysis, notes: &notes)
    if opset < minimumOpset {
      model.graph = try OpsetUpgrade.to13(model.graph, from: opset, analysis: analysis)
      for index in model.opsetImports.indices where model.opsetImports[index].domain.isEmpty {
        model.opsetImports[index].version = minimumOpset
      }
      notes.append("ai.onnx opset " + String(opset) + " upgraded to " + String(minimumOpset))
    }
    let beforeHardSwish = model.graph.nodes.count
    model.graph = HardSwishRecognition.rewrite(model.graph, notes: &notes)
    if model.graph.nodes.count != beforeHardSwish {
      for index in model.opsetImports.indices where model.opsetImports[index].domain.isEmpty {
        model.opsetImports[index].version = max(model.opsetImports[index].version, HardSwishRecognition.opset)
      }
    }
    if model.irVersion < 7 { model.irVersion = 7 }
    let prepared: GraphAnalysis
    do { prepared = try GraphAnalysis.analyze(model) } catch {
      throw .input("the prepared float model does not load: " + error.message)
    }
    return PreparedModel(model: model, analysis: prepared, notes: notes)
  }

  /// Drops every node the runtime folds to a constant (writing the constants it feeds as initializers),
  /// Constant nodes, Identity and inference Dropout, and fixes the declared input and output shapes.
  private static func fold(_ graph: Graph, _ analysis: GraphAnalysis, notes: inout [String]) throws(CommandError) -> Graph {
    guard let ordered = NodeOrder.sorted(graph.nodes) else { throw .input("the graph has a cycle") }
    let outputNames = Set(graph.outputs.map { $0.name })
    var renamed: [String: String] = [:]
    func resolve(_ name: String) -> String { renamed[name] ?? name }
    var kept: [Node] = []
    var foldedCount = 0
    var removedPassThrough = 0
    for var node in ordered {
      node.inputs = node.inputs.map(resolve)
      let standard = node.domain.isEmpty || node.domain == "ai.onnx"
      let produced = node.outputs.filter { !$0.isEmpty }
      if !produced.isEmpty && produced.allSatisfy({ analysis.constant($0) != nil }) {
        if node.opType != "Constant" { foldedCount += 1 }
        continue
      }
      if standard && (node.opType == "Identity" || node.opType == "Dropout"), let source = node.inputs.first,
        let output = node.outputs.first
      {
        if outputNames.contains(output) {
          kept.append(Node(name: node.name, opType: "Identity", inputs: [source], outputs: [output]))
        } else {
          renamed[output] = source
        }
        removedPassThrough += 1
        continue
      }
      kept.append(node)
    }
    var result = graph
    result.nodes = kept
    result.valueInfo = []
    // Initializers: exactly the constants something still reads.
    var needed: [String] = []
    var seen = Set<String>()
    for node in kept {
      for name in node.inputs where !name.isEmpty && !seen.contains(name) && analysis.constant(name) != nil {
        seen.insert(name)
        needed.append(name)
      }
    }
    for output in graph.outputs where !seen.contains(output.name) && analysis.constant(output.name) != nil {
      seen.insert(output.name)
      needed.append(output.name)
    }
    var initializers: [Tensor] = []
    for name in needed {
      if let constant = analysis.constant(name) { initializers.append(TensorValues.tensor(constant, name: name)) }
    }
    result.initializers = initializers
    var inputs: [ValueInfo] = []
    for input in graph.inputs where analysis.constant(input.name) == nil {
      var fixed = input
      if let type = analysis.type(input.name) { fixed.type = declared(type) }
      inputs.append(fixed)
    }
    result.inputs = inputs
    result.outputs = graph.outputs.map { output in
      var fixed = output
      if let type = analysis.type(output.name) { fixed.type = declared(type) }
      return fixed
    }
    if foldedCount > 0 { notes.append(String(foldedCount) + " nodes folded to constants (shapes fixed)") }
    if removedPassThrough > 0 { notes.append(String(removedPassThrough) + " Identity/Dropout nodes removed") }
    return result
  }

  static func declared(_ type: TensorType) -> ValueType {
    .tensor(elementType: type.dataType.rawValue, shape: type.shape.map { ShapeDimension(.value($0)) })
  }
}
