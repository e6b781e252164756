import CSupport
import ONNXFormat
import Runtime

enum BenchCommand {
  static let summary = "measure load time, latency, arena and memory"
  static let usage = """
    usage: onnx-quant bench MODEL [--shape NAME=dims ...] [--runs N] [--warmup N] [--threads N] [--json]
                            [--profile] [--model-layout]

    Loads MODEL, fills its inputs with seeded random values and runs it
    repeatedly (on one thread unless --threads says more). Prints the load time, the latency median, p10 and
    p90, the arena bytes beside their lower bound (the most bytes live at any
    one step), the weight bytes, and the process's peak resident memory.

      --shape NAME=d0,d1,..  a static shape for an input (repeatable)
      --runs N               timed runs (default 100)
      --warmup N             untimed runs first (default 10)
      --threads N            threads the heavy steps split across (default 1)
      --json                 print the results as one JSON object
      --profile              also time every step and print the time per operator
      --model-layout         keep every operator in the model's own layout (no
                             channels-last rewrite; the results are the same)
    """

  static func run(_ arguments: [String], _ console: Console) throws(CommandError) {
    let parsed = try Arguments(
      arguments, valued: ["--shape", "--runs", "--warmup", "--threads"],
      flags: ["--json", "--profile", LayoutOption.flag])
    let path = try parsed.positionals(["MODEL"])[0]
    let runs = try parsed.int("--runs", default: 100, minimum: 1)
    let warmup = try parsed.int("--warmup", default: 10, minimum: 0)
    let threads = try ThreadOption.parse(parsed)
    let loaded = try LoadedModel.load(
      path, shapes: try ShapeOptions.parse(parsed.all("--shape")), threads: threads,
      channelsLast: LayoutOption.channelsLast(parsed))
    let session = loaded.session
    RandomInputs.fill(session)

    for _ in 0..<warmup { session.run() }
    var times = [UInt64](repeating: 0, count: runs)
    for index in 0..<runs {
      let start = oq_monotonic_ns()
      session.run()
      times[index] = oq_monotonic_ns() - start
    }
    times.sort()
    let result = BenchResult(
      path: path, loadNanoseconds: loaded.loadNanoseconds, median: times[runs / 2],
      p10: times[runs / 10],
      p90: times[min(runs - 1, runs * 9 / 10)], runs: runs, warmup: warmup,
      steps: session.plan.steps.count,
      folded: session.foldedNodes, arenaBytes: session.memory.arenaBytes,
      lowerBoundBytes: session.memory.lowerBoundBytes, weightBytes: session.constantBytes,
      peakRSS: Int(oq_peak_rss_bytes()), threads: session.threads)
    console.out(parsed.has("--json") ? result.json() : result.text())
    if parsed.has("--profile") { console.out(profile(session, runs: runs)) }
  }

  /// Time per operator type over `runs` timed runs, largest first.
  private static func profile(_ session: Session, runs: Int) -> String {
    var perStep = [UInt64](repeating: 0, count: session.plan.steps.count)
    for _ in 0..<runs { session.runTimed(&perStep, clock: { oq_monotonic_ns() }) }
    var byOperator: [String: (nanoseconds: UInt64, steps: Int)] = [:]
    var total: UInt64 = 0
    for (index, step) in session.plan.steps.enumerated() {
      let name = step.op.name
      let entry = byOperator[name] ?? (0, 0)
      byOperator[name] = (entry.nanoseconds + perStep[index], entry.steps + 1)
      total += perStep[index]
    }
    let rows = byOperator.sorted { $0.value.nanoseconds > $1.value.nanoseconds }
    var text = "profile (mean per run):\n"

    for row in rows {
      let share = total == 0 ? 0 : Double(row.value.nanoseconds) * 100 / Double(total)
      text +=
        "  " + row.key + String(repeating: " ", count: max(1, 26 - row.key.utf8.count))
        + NumberFormat.duration(nanoseconds: row.value.nanoseconds / UInt64(runs)) + "  "
        + NumberFormat.fixed(share, decimals: 1) + "%  (" + String(row.value.steps) + " steps)\n"
    }
    let slowest = perStep.indices.sorted { perStep[$0] > perStep[$1] }.prefix(12)
    text += "slowest steps (mean per run):\n"
    for index in slowest {
      let step = session.plan.steps[index]
      let shape = step.outputs.first.map { " -> " + session.plan.values[$0].type.text } ?? ""
      text +=
        "  " + NumberFormat.duration(nanoseconds: perStep[index] / UInt64(runs)) + "  "
        + step.op.name + " "
        + step.label + shape + "\n"
    }
    return text
  }
}

struct BenchResult {
  var path: String
  var loadNanoseconds: UInt64
  var median: UInt64
  var p10: UInt64
  var p90: UInt64
  var runs: Int
  var warmup: Int
  var steps: Int
  var folded: Int
  var arenaBytes: Int
  var lowerBoundBytes: Int
  var weightBytes: Int
  var peakRSS: Int
  var threads = 1

  func text() -> String {
    var lines: [String] = []
    lines.append("model: " + path)
    lines.append(
      "load: " + NumberFormat.duration(nanoseconds: loadNanoseconds) + " (" + String(steps)
        + " steps, " + String(folded)
        + " nodes folded at load)")
    lines.append(
      "latency: median " + NumberFormat.duration(nanoseconds: median) + ", p10 "
        + NumberFormat.duration(nanoseconds: p10)
        + ", p90 " + NumberFormat.duration(nanoseconds: p90) + " (" + String(runs) + " runs after "
        + String(warmup)
        + " warm-up, " + String(threads) + (threads == 1 ? " thread)" : " threads)"))
    lines.append(
      "arena: " + NumberFormat.bytes(arenaBytes) + " bytes (lower bound "
        + NumberFormat.bytes(lowerBoundBytes)
        + " bytes)")
    lines.append("weights: " + NumberFormat.bytes(weightBytes) + " bytes")
    lines.append("peak RSS: " + NumberFormat.bytes(peakRSS) + " bytes")
    return lines.joined(separator: "\n") + "\n"
  }

  func json() -> String {
    var json = JSONWriter()
    json.beginObject()
    json.string("model", path)
    json.raw("load_ms", NumberFormat.fixed(Double(loadNanoseconds) / 1e6, decimals: 3))
    json.raw("median_us", NumberFormat.fixed(Double(median) / 1e3, decimals: 2))
    json.raw("p10_us", NumberFormat.fixed(Double(p10) / 1e3, decimals: 2))
    json.raw("p90_us", NumberFormat.fixed(Double(p90) / 1e3, decimals: 2))
    json.int("runs", runs)
    json.int("warmup", warmup)
    json.int("threads", threads)
    json.int("steps", steps)
    json.int("folded_nodes", folded)
    json.int("arena_bytes", arenaBytes)
    json.int("arena_lower_bound_bytes", lowerBoundBytes)
    json.int("weight_bytes", weightBytes)
    json.int("peak_rss_bytes", peakRSS)
    json.endObject()
    return json.text + "\n"
  }
}

/// Seeded inputs for benchmarks: floats uniform in [-1, 1), integers and bools zero.
enum RandomInputs {
  static func fill(_ session: Session, seed: UInt64 = 0x5EED) {
    var state = seed
    for input in session.inputs where input.type.dataType == .float {
      let values = input.pointer.assumingMemoryBound(to: Float.self)
      for index in 0..<input.type.count {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        values[index] = Float(z >> 40) / Float(1 << 23) - 1
      }
    }
  }
}
