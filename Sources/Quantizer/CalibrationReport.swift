import Commands
import ONNXFormat

/// The report of a calibration: per 8-bit tensor the range chosen and how, per layer the SQNR of
/// its int8 output against float, as a table for people and JSON for scripts.
struct CalibrationReport {
  let result: CalibrationResult
  let options: QuantizationOptions
  let modelPath: String
  let outputPath: String
  let floatBytes: Int
  let writtenBytes: Int

  struct Layer {
    var name: String
    var opType: String
    var integerOp: String?
    var output: String
    var folded: String?
    var sqnr: Double?
  }

  var layers: [Layer] {
    var rows: [Layer] = []
    for planned in result.plan.nodes {
      let node = planned.node
      var row = Layer(
        name: node.name.isEmpty ? planned.output : node.name, opType: node.opType, integerOp: nil,
        output: planned.output, folded: planned.foldedActivation == nil ? nil : "activation folded", sqnr: nil)
      if let form = planned.form {
        row.integerOp = Self.integerOpName(form, node.opType)
        if let sqnr = result.tensorSQNR[planned.output], sqnr.samples > 0 { row.sqnr = sqnr.decibels }
      }
      rows.append(row)
    }
    return rows
  }

  static func integerOpName(_ form: IntegerForm, _ opType: String) -> String {
    switch form {
    case .conv: return "QLinearConv"
    case .gemm: return "QGemm"
    case .matmul: return "QLinearMatMul"
    case .add, .subConstant: return "QLinearAdd"
    case .mul, .divByConstant: return "QLinearMul"
    case .globalAveragePool: return "QLinearGlobalAveragePool"
    case .averagePool: return "QLinearAveragePool"
    case .sigmoid: return "QLinearSigmoid"
    case .leakyRelu: return "QLinearLeakyRelu"
    case .softmax: return "QLinearSoftmax"
    case .concat: return "QLinearConcat"
    case .passThrough: return opType + " (8-bit)"
    }
  }

  func text() -> String {
    let rows = layers
    let integerCount = rows.filter { $0.integerOp != nil }.count
    var text = "prepared: " + (result.prepared.notes.isEmpty ? "nothing to change" : result.prepared.notes.joined(separator: "; ")) + "\n"
    text += "calibration: " + String(result.calibrationSamples) + " samples, method " + options.method.rawValue
    if options.method == .percentile { text += " " + NumberFormat.float(options.percentile) }
    text += ", " + (options.perChannel ? "per-channel" : "per-tensor") + " int8 weights, "
      + (options.activations == .uint8 ? "uint8" : "int8") + " activations\n"
    text += String(integerCount) + " of " + String(rows.count) + " nodes integer\n\n"
    var table: [[String]] = [["layer", "op", "int8 op", "range", "scale", "zp", "SQNR dB"]]
    for row in rows {
      var range = "-"
      var scale = "-"
      var zero = "-"
      if row.integerOp != nil, let r = result.plan.ranges[row.output], let p = result.plan.params[row.output] {
        range = "[" + NumberFormat.float(Double(r.low), significant: 4) + ", " + NumberFormat.float(Double(r.high), significant: 4) + "]"
        scale = NumberFormat.float(Double(p.scale), significant: 4)
        zero = String(p.zeroPoint)
      }
      let op = row.opType + (row.folded != nil ? "+act" : "")
      table.append([
        Self.shorten(row.name, 32), op, row.integerOp ?? "float", range, scale, zero,
        row.sqnr.map { Self.decibels($0) } ?? "-",
      ])
    }
    text += Self.format(table)
    let basis = result.evaluatedOnCalibration ? " calibration samples (too few to hold any out)" : " held-out samples"
    text += "\nSQNR of int8 against float on " + String(result.evaluationSamples) + basis + "\n"
    for output in result.outputSQNR {
      text += "  output " + output.name + ": " + Self.decibels(output.sqnr.decibels) + " dB\n"
    }
    let worst = rows.filter { $0.sqnr != nil && $0.integerOp != nil }.sorted { $0.sqnr! < $1.sqnr! }.prefix(3)
    if !worst.isEmpty {
      text += "  lowest layers: " + worst.map { $0.name + " " + Self.decibels($0.sqnr!) + " dB" }.joined(separator: ", ")
        + " (--exclude NAME keeps a layer float)\n"
    }
    text += "wrote " + outputPath + " (" + options.format.rawValue + "): " + NumberFormat.bytes(writtenBytes) + ", "
      + NumberFormat.fixed(Double(writtenBytes) / Double(max(floatBytes, 1)), decimals: 2) + "x the float model's "
      + NumberFormat.bytes(floatBytes) + ", in " + NumberFormat.fixed(Double(result.nanoseconds) / 1e9, decimals: 2) + " s ("
      + result.stages.map { $0.name + " " + NumberFormat.fixed(Double($0.nanoseconds) / 1e9, decimals: 3) }.joined(separator: ", ")
      + ")\n"
    return text
  }

  func json() -> String {
    var json = JSONWriter()
    json.beginObject()
    json.string("model", modelPath)
    json.string("output", outputPath)
    json.string("format", options.format.rawValue)
    json.string("method", options.method.rawValue)
    if options.method == .percentile { json.raw("percentile", NumberFormat.float(options.percentile, significant: 9)) }
    json.bool("per_channel", options.perChannel)
    json.string("activations", options.activations == .uint8 ? "uint8" : "int8")
    json.int("calibration_samples", result.calibrationSamples)
    json.int("evaluation_samples", result.evaluationSamples)
    json.bool("evaluated_on_calibration_samples", result.evaluatedOnCalibration)
    json.raw("seconds", NumberFormat.fixed(Double(result.nanoseconds) / 1e9, decimals: 3))
    json.int("float_bytes", floatBytes)
    json.int("output_bytes", writtenBytes)
    json.beginArray("preparation")
    for note in result.prepared.notes { json.string(nil, note) }
    json.endArray()
    json.beginArray("tensors")
    for name in result.plan.params.keys.sorted() {
      guard let params = result.plan.params[name] else { continue }
      json.beginObject()
      json.string("name", name)
      if let range = result.plan.ranges[name] {
        json.raw("low", Self.number(Double(range.low)))
        json.raw("high", Self.number(Double(range.high)))
      }
      json.raw("scale", NumberFormat.float(Double(params.scale), significant: 9))
      json.int("zero_point", Int(params.zeroPoint))
      if let stats = result.statistics[name], stats.count > 0 {
        json.string("method", options.method.rawValue)
        json.raw("observed_min", Self.number(Double(stats.minimum)))
        json.raw("observed_max", Self.number(Double(stats.maximum)))
      } else {
        json.string("method", result.plan.constantOperands[name] != nil ? "constant" : "fixed")
      }
      if let sqnr = result.tensorSQNR[name], sqnr.samples > 0 { json.raw("sqnr_db", Self.number(sqnr.decibels)) }
      json.endObject()
    }
    json.endArray()
    json.beginArray("layers")
    for row in layers {
      json.beginObject()
      json.string("name", row.name)
      json.string("op", row.opType)
      if let op = row.integerOp { json.string("integer_op", op) } else { json.null("integer_op") }
      json.string("output", row.output)
      json.bool("activation_folded", row.folded != nil)
      if let sqnr = row.sqnr { json.raw("sqnr_db", Self.number(sqnr)) }
      json.endObject()
    }
    json.endArray()
    json.beginArray("outputs")
    for output in result.outputSQNR {
      json.beginObject()
      json.string("name", output.name)
      json.raw("sqnr_db", Self.number(output.sqnr.decibels))
      json.endObject()
    }
    json.endArray()
    json.endObject()
    return json.text + "\n"
  }

  /// JSON has no infinity or NaN: a noiseless SQNR is written as a large number, a missing one as null.
  static func number(_ value: Double) -> String {
    if value.isNaN { return "null" }
    if value.isInfinite { return value > 0 ? "1e308" : "-1e308" }
    return NumberFormat.float(value, significant: 7)
  }

  static func decibels(_ value: Double) -> String {
    if value.isNaN { return "-" }
    if value.isInfinite { return value > 0 ? "exact" : "-inf" }
    return NumberFormat.fixed(value, decimals: 1)
  }

  static func shorten(_ text: String, _ limit: Int) -> String {
    let characters = Array(text)
    if characters.count <= limit { return text }
    return "..." + String(characters.suffix(limit - 3))
  }

  static func format(_ table: [[String]]) -> String {
    var widths = [Int](repeating: 0, count: table.first?.count ?? 0)
    for row in table {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    var text = ""
    for row in table {
      var line = ""
      for (index, cell) in row.enumerated() {
        line += cell + String(repeating: " ", count: widths[index] - cell.count + 2)
      }
      while line.hasSuffix(" ") { line.removeLast() }
      text += "  " + line + "\n"
    }
    return text
  }
}
