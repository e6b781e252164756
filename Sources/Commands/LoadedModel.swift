import CSupport
import ONNXFormat
import Runtime

/// A model file loaded and prepared for running, with the time both took.
struct LoadedModel {
  let model: Model
  let session: Session
  let loadNanoseconds: UInt64

  static func load(_ path: String, shapes: [String: [Int]]) throws(CommandError) -> LoadedModel {
    let start = oq_monotonic_ns()
    let model: Model
    do { model = try Model(contentsOf: path) } catch { throw CommandError(error) }
    return try prepare(model, path: path, shapes: shapes, start: start)
  }

  static func prepare(_ model: Model, path: String, shapes: [String: [Int]], start: UInt64) throws(CommandError)
    -> LoadedModel
  {
    let session: Session
    do {
      session = try Session(model: model, options: LoadOptions(shapes: shapes))
    } catch {
      throw .input(path + ": " + error.message)
    }
    return LoadedModel(model: model, session: session, loadNanoseconds: oq_monotonic_ns() - start)
  }
}
