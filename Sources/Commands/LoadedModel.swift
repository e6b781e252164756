import CSupport
import ONNXFormat
import Runtime

/// A model file loaded and prepared for running, with the time both took.
struct LoadedModel {
  let model: Model
  let session: Session
  let loadNanoseconds: UInt64

  static func load(
    _ path: String, shapes: [String: [Int]], threads: Int = 1, channelsLast: Bool = true
  ) throws(CommandError) -> LoadedModel {
    let start = oq_monotonic_ns()
    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    return try prepare(
      model, path: path, shapes: shapes, start: start, threads: threads, channelsLast: channelsLast)
  }

  /// Prepares `model`. When `given` holds input values and the model needs a value at load that is
  /// computed from some of them (a Reshape's shape, a Resize's scales, weights fed as inputs), those
  /// inputs are fixed at load and the load is tried again; `console` gets a note saying which.
  static func prepare(
    _ model: Model, path: String, shapes: [String: [Int]], start: UInt64,
    given: [String: Tensor] = [:],
    console: Console? = nil, threads: Int = 1, channelsLast: Bool = true
  ) throws(CommandError) -> LoadedModel {
    var options = LoadOptions(shapes: shapes, threads: threads, channelsLast: channelsLast)
    while true {
      do {
        let session = try Session(model: model, options: options)
        return LoadedModel(
          model: model, session: session, loadNanoseconds: oq_monotonic_ns() - start)
      } catch {
        guard let value = error.loadTimeValue else { throw .input(path + ": " + error.message) }
        let inputs = InputDependencies.graphInputs(feeding: value, in: model.graph).filter {
          options.fixedInputs[$0] == nil && given[$0] != nil
        }
        if inputs.isEmpty { throw .input(path + ": " + error.message) }
        for name in inputs {
          options.fixedInputs[name] = given[name]
          options.shapes[name] = nil
          let why = name == value ? "its value" : "'" + value + "', computed from it,"
          console?.error(
            "note: input '" + name + "' is fixed at load: " + why
              + " must be known to plan the model\n")
        }
      }
    }
  }
}

/// `--threads N`, shared by the commands that run a model.
enum ThreadOption {
  static func parse(_ parsed: Arguments) throws(CommandError) -> Int {
    try parsed.int("--threads", default: 1, minimum: 1)
  }
}

/// `--model-layout`, shared by the commands that run a model: every operator in the model's own
/// layout, without the channels-last rewrite (for comparing; results are the same).
enum LayoutOption {
  static let flag = "--model-layout"
  static func channelsLast(_ parsed: Arguments) -> Bool { !parsed.has(flag) }
}
