import CSupport
import Commands
import ONNXFormat
import Runtime

/// What `calibrate` produced: the written model and everything the report shows.
struct CalibrationResult {
  var model: Model
  var prepared: PreparedModel
  var plan: QuantizationPlan
  var statistics: [String: TensorStatistics]
  var calibrationSamples: Int
  var evaluationSamples: Int
  /// True when the SQNR was measured on calibration samples (too few to hold any out).
  var evaluatedOnCalibration: Bool
  /// SQNR of each 8-bit tensor (dequantized) against the float model, and of each graph output.
  var tensorSQNR: [String: SQNRAccumulator]
  var outputSQNR: [(name: String, sqnr: SQNRAccumulator)]
  var nanoseconds: UInt64
  /// Time per stage, in order.
  var stages: [(name: String, nanoseconds: UInt64)]
}

/// The whole quantizer: prepare the float graph, stream the calibration samples through it, choose
/// ranges, write the integer model, and measure it against the float model on held-out samples.
enum Calibrator {
  static func run(
    modelPath: String, dataPath: String, options: QuantizationOptions, progress: (String, Int, Int) -> Void
  ) throws(CommandError) -> CalibrationResult {
    let start = oq_monotonic_ns()
    var stages: [(name: String, nanoseconds: UInt64)] = []
    var stageStart = start
    func endStage(_ name: String) {
      let now = oq_monotonic_ns()
      stages.append((name, now - stageStart))
      stageStart = now
    }
    let original: Model
    do { original = try Model(contentsOf: modelPath) } catch { throw CommandError(error) }
    let initializerNames = Set(original.graph.initializers.map { $0.name })
    let inputNames = original.graph.inputs.map { $0.name }.filter { !initializerNames.contains($0) }
    let data = try CalibrationData(dataPath, inputNames: inputNames)
    if data.sampleCount == 0 { throw .input(dataPath + ": no samples") }

    var shapes = options.shapes
    for (index, name) in inputNames.enumerated() where shapes[name] == nil {
      shapes[name] = fitted(data.sampleShapes[index], to: original, input: name)
    }
    let prepared = try ModelPreparation.prepare(original, shapes: shapes)
    endStage("prepare")

    var observedNames: [String] = []
    for input in prepared.model.graph.inputs where prepared.analysis.type(input.name)?.dataType == .float {
      observedNames.append(input.name)
    }
    for node in prepared.model.graph.nodes {
      for output in node.outputs where !output.isEmpty {
        if case .computed(let type)? = prepared.analysis.values[output], type.dataType == .float {
          observedNames.append(output)
        }
      }
    }
    let floatModel = try ModelObserver(prepared.model, observing: observedNames, what: "the prepared float model")
    endStage("load")

    let total = min(options.samples ?? data.sampleCount, data.sampleCount)
    var holdout = options.holdout ?? (total >= 10 ? max(1, min(total / 5, 32)) : 0)
    holdout = min(holdout, total - 1)
    let calibrationCount = total - holdout

    var statistics: [String: TensorStatistics] = [:]
    for name in observedNames { statistics[name] = TensorStatistics(histograms: options.method != .minmax) }
    var runNanoseconds: UInt64 = 0
    for index in 0..<calibrationCount {
      guard let sample = try data.next() else { break }
      let runStart = oq_monotonic_ns()
      try floatModel.run(sample)
      runNanoseconds += oq_monotonic_ns() - runStart
      for name in observedNames {
        if let values = floatModel.floats(name) { statistics[name]!.add(values) }
      }
      progress("calibrating", index + 1, calibrationCount)
    }
    endStage("calibrate")
    stages.append(("of which float runs", runNanoseconds))
    let plan = QuantizationPlan.make(prepared, statistics: statistics, options: options)
    let (qoperator, quantizedNames) = QOperatorWriter.write(prepared, plan, options: options)
    let written = options.format == .qdq ? QDQWriter.write(prepared, plan, options: options) : qoperator
    endStage("ranges and rewrite")

    // SQNR on samples the ranges never saw, through the QOperator form (the QDQ form runs the same
    // integer operators once fused).
    var evaluationSource = data
    var evaluationCount = holdout
    let onCalibration = holdout == 0
    if onCalibration {
      evaluationSource = try CalibrationData(dataPath, inputNames: inputNames)
      evaluationCount = min(total, 8)
    }
    let tensorsWithIntegerForm = plan.params.keys.filter { quantizedNames[$0] != nil }.sorted()
    let integerModel = try ModelObserver(
      qoperator, observing: tensorsWithIntegerForm.map { quantizedNames[$0]! }, what: "the quantized model")
    var tensorSQNR: [String: SQNRAccumulator] = [:]
    let outputNames = prepared.model.graph.outputs.map { $0.name }
    var outputSQNR = outputNames.map { (name: $0, sqnr: SQNRAccumulator()) }
    for index in 0..<evaluationCount {
      guard let sample = try evaluationSource.next() else { break }
      try floatModel.run(sample)
      try integerModel.run(sample)
      for name in tensorsWithIntegerForm {
        guard let reference = floatModel.floats(name),
          let approximation = integerModel.dequantized(quantizedNames[name]!, plan.params[name]!)
        else { continue }
        approximation.withUnsafeBufferPointer { tensorSQNR[name, default: SQNRAccumulator()].add(reference: reference, approximation: $0) }
      }
      for (position, name) in outputNames.enumerated() {
        guard let reference = floatModel.floats(name), let approximation = integerModel.floats(name) else { continue }
        outputSQNR[position].sqnr.add(reference: reference, approximation: approximation)
      }
      progress("measuring", index + 1, evaluationCount)
    }
    endStage("measure")
    return CalibrationResult(
      model: written, prepared: prepared, plan: plan, statistics: statistics, calibrationSamples: calibrationCount,
      evaluationSamples: evaluationCount, evaluatedOnCalibration: onCalibration, tensorSQNR: tensorSQNR,
      outputSQNR: outputSQNR, nanoseconds: oq_monotonic_ns() - start, stages: stages)
  }

  /// A sample shaped [1, ...] for an input declared one rank lower has no batch axis there.
  private static func fitted(_ sampleShape: [Int], to model: Model, input: String) -> [Int] {
    if let declared = model.graph.inputs.first(where: { $0.name == input }),
      case .tensor(_, let dims?)? = declared.type, dims.count == sampleShape.count - 1, sampleShape.first == 1
    {
      return Array(sampleShape.dropFirst())
    }
    return sampleShape
  }
}
