import Commands
import ONNXFormat
import Runtime

/// Runs a model with chosen intermediate tensors exposed as extra outputs, so one run yields every
/// value the calibration statistics or the SQNR report need.
final class ModelObserver {
  let session: Session
  /// Output index of each observed tensor.
  private(set) var outputIndex: [String: Int] = [:]

  init(_ model: Model, observing names: [String], what: String) throws(CommandError) {
    var exposed = model
    var present = Set(model.graph.outputs.map { $0.name })
    for name in names where !present.contains(name) {
      exposed.graph.outputs.append(ValueInfo(name: name, type: nil))
      present.insert(name)
    }
    do { session = try Session(model: exposed) } catch { throw .input(what + " does not load: " + error.message) }
    for (index, output) in session.outputs.enumerated() { outputIndex[output.name] = index }
  }

  func run(_ sample: [Tensor]) throws(CommandError) {
    for (index, tensor) in sample.enumerated() {
      guard index < session.inputs.count else { break }
      var fitted = tensor
      if fitted.dims != session.inputs[index].type.shape && fitted.count == session.inputs[index].type.count {
        fitted.dims = session.inputs[index].type.shape
      }
      do { try session.setInput(index, fitted) } catch { throw .input(error.message) }
    }
    session.run()
  }

  /// The float values of an observed tensor after the last run.
  func floats(_ name: String) -> UnsafeBufferPointer<Float>? {
    guard let index = outputIndex[name] else { return nil }
    let output = session.outputs[index]
    guard output.type.dataType == .float else { return nil }
    return UnsafeBufferPointer(start: output.pointer.assumingMemoryBound(to: Float.self), count: output.type.count)
  }

  /// An 8-bit observed tensor's values, dequantized with `params`.
  func dequantized(_ name: String, _ params: QuantParams) -> [Float]? {
    guard let index = outputIndex[name] else { return nil }
    let output = session.outputs[index]
    let count = output.type.count
    let zero = Float(params.zeroPoint)
    switch output.type.dataType {
    case .uint8:
      let values = output.pointer.assumingMemoryBound(to: UInt8.self)
      return (0..<count).map { (Float(values[$0]) - zero) * params.scale }
    case .int8:
      let values = output.pointer.assumingMemoryBound(to: Int8.self)
      return (0..<count).map { (Float(values[$0]) - zero) * params.scale }
    default:
      return nil
    }
  }
}
