import CSupport
import Dispatch
#if canImport(Glibc)
  import Glibc
#endif
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
      shapes[name] = SampleShape.fitted(data.sampleShapes[index], to: original, input: name)
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
    let total = min(options.samples ?? data.sampleCount, data.sampleCount)
    var holdout = options.holdout ?? (total >= 10 ? max(1, min(total / 5, 32)) : 0)
    holdout = min(holdout, total - 1)
    let calibrationCount = total - holdout
    let onCalibration = holdout == 0
    let evaluationCount = onCalibration ? min(total, 8) : holdout
    let evaluationStart = onCalibration ? 0 : calibrationCount

    // Samples are independent: each worker runs its own copy of the float model over a slice of
    // them, and the statistics merge exactly afterwards (histogram widths are powers of two).
    let workers = max(1, min(options.threads ?? Self.onlineCores(), calibrationCount, 8))
    var floatModels: [ModelObserver] = []
    for _ in 0..<workers {
      floatModels.append(try ModelObserver(prepared.model, observing: observedNames, what: "the prepared float model"))
    }
    endStage("load")

    var statistics: [String: TensorStatistics] = [:]
    for name in observedNames { statistics[name] = TensorStatistics(histograms: options.method != .minmax) }
    let calibrated = try Self.overSamples(
      dataPath, inputNames: inputNames, first: 0, count: calibrationCount, workers: workers, initial: statistics
    ) { worker, index, sample, value, nanoseconds throws(CommandError) in
      let model = floatModels[worker]
      let runStart = oq_monotonic_ns()
      try model.run(sample)
      nanoseconds += oq_monotonic_ns() - runStart
      for name in observedNames {
        if let values = model.floats(name) { value[name]!.add(values) }
      }
      if worker == 0 { progress("calibrating", min(calibrationCount, (index + 1) * workers), calibrationCount) }
    }
    var runNanoseconds: UInt64 = 0
    for (worker, result) in calibrated.enumerated() {
      runNanoseconds += result.nanoseconds
      if worker == 0 {
        statistics = result.value
      } else {
        for (name, stats) in result.value { statistics[name]!.merge(stats) }
      }
    }
    endStage("calibrate")
    stages.append(("of which float runs, all workers", runNanoseconds))
    let plan = QuantizationPlan.make(prepared, statistics: statistics, options: options)
    let (qoperator, quantizedNames) = QOperatorWriter.write(prepared, plan, options: options)
    let written = options.format == .qdq ? QDQWriter.write(prepared, plan, options: options) : qoperator
    endStage("ranges and rewrite")

    // SQNR on samples the ranges never saw (or, with too few samples, on calibration samples), through
    // the QOperator form: the QDQ form runs the same integer operators once fused.
    let tensorsWithIntegerForm = plan.params.keys.filter { quantizedNames[$0] != nil }.sorted()
    let outputNames = prepared.model.graph.outputs.map { $0.name }
    let measureWorkers = max(1, min(workers, evaluationCount))
    var integerModels: [ModelObserver] = []
    for _ in 0..<measureWorkers {
      integerModels.append(
        try ModelObserver(
          qoperator, observing: tensorsWithIntegerForm.map { quantizedNames[$0]! }, what: "the quantized model"))
    }
    typealias Measured = (tensors: [String: SQNRAccumulator], outputs: [SQNRAccumulator])
    let empty: Measured = ([:], outputNames.map { _ in SQNRAccumulator() })
    let measured = try Self.overSamples(
      dataPath, inputNames: inputNames, first: evaluationStart, count: evaluationCount, workers: measureWorkers,
      initial: empty
    ) { worker, index, sample, value, _ throws(CommandError) in
      let floatModel = floatModels[worker]
      let integerModel = integerModels[worker]
      try floatModel.run(sample)
      try integerModel.run(sample)
      for name in tensorsWithIntegerForm {
        guard let reference = floatModel.floats(name),
          let approximation = integerModel.dequantized(quantizedNames[name]!, plan.params[name]!)
        else { continue }
        approximation.withUnsafeBufferPointer {
          value.tensors[name, default: SQNRAccumulator()].add(reference: reference, approximation: $0)
        }
      }
      for (position, name) in outputNames.enumerated() {
        guard let reference = floatModel.floats(name), let approximation = integerModel.floats(name) else {
          continue
        }
        value.outputs[position].add(reference: reference, approximation: approximation)
      }
      if worker == 0 { progress("measuring", min(evaluationCount, (index + 1) * measureWorkers), evaluationCount) }
    }
    var tensorSQNR: [String: SQNRAccumulator] = [:]
    var outputSQNR = outputNames.map { (name: $0, sqnr: SQNRAccumulator()) }
    for result in measured {
      for (name, sqnr) in result.value.tensors { tensorSQNR[name, default: SQNRAccumulator()].merge(sqnr) }
      for index in outputSQNR.indices { outputSQNR[index].sqnr.merge(result.value.outputs[index]) }
    }
    endStage("measure")
    return CalibrationResult(
      model: written, prepared: prepared, plan: plan, statistics: statistics, calibrationSamples: calibrationCount,
      evaluationSamples: evaluationCount, evaluatedOnCalibration: onCalibration, tensorSQNR: tensorSQNR,
      outputSQNR: outputSQNR, nanoseconds: oq_monotonic_ns() - start, stages: stages)
  }

  static func onlineCores() -> Int {
    #if canImport(Glibc)
      return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
      return 1
    #endif
  }

  /// Streams samples `first ..< first + count` through `body`, split into `workers` contiguous slices
  /// run in parallel. Each worker reads its slice with a reader of its own and accumulates into its own
  /// copy of `initial`; the results come back in worker order, and the first error is thrown.
  static func overSamples<Value>(
    _ dataPath: String, inputNames: [String], first: Int, count: Int, workers: Int, initial: Value,
    _ body: (_ worker: Int, _ index: Int, _ sample: [Tensor], _ value: inout Value, _ nanoseconds: inout UInt64)
      throws(CommandError) -> Void
  ) throws(CommandError) -> [SliceResult<Value>] {
    let slices = split(count, into: workers)
    var results = [SliceResult<Value>](repeating: SliceResult(value: initial), count: workers)
    results.withUnsafeMutableBufferPointer { slots in
      DispatchQueue.concurrentPerform(iterations: workers) { worker in
        do throws(CommandError) {
          let source = try CalibrationData(dataPath, inputNames: inputNames)
          try source.skip(first + slices[worker].lowerBound)
          for index in slices[worker] {
            guard let sample = try source.next() else { break }
            try body(worker, index, sample, &slots[worker].value, &slots[worker].nanoseconds)
          }
        } catch {
          slots[worker].error = error
        }
      }
    }
    for result in results {
      if let error = result.error { throw error }
    }
    return results
  }

  /// `count` items in `parts` contiguous slices, sizes differing by at most one.
  static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
    (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
  }
}

/// One worker's result: its value, time spent in model runs, and the error that stopped it.
struct SliceResult<Value> {
  var value: Value
  var nanoseconds: UInt64 = 0
  var error: CommandError? = nil
}
