import Commands
import ONNXFormat
import TensorFiles

/// Calibration samples, read one at a time so memory does not grow with their number:
/// a `.npy` with samples on axis 0 (one-input models), a directory with one `NAME.npy` per graph
/// input (samples on axis 0 in each), or a directory of `test_data_set_*` directories of
/// `input_K.pb` files (one sample each, inputs in graph order).
final class CalibrationData {
  let path: String
  let inputNames: [String]
  let sampleCount: Int
  /// One sample's shape per input, in `inputNames` order.
  let sampleShapes: [[Int]]
  private var readers: [NpySampleReader] = []
  private var sets: [String] = []
  private var position = 0

  init(_ path: String, inputNames: [String]) throws(CommandError) {
    self.path = path
    self.inputNames = inputNames
    if inputNames.isEmpty { throw .input("the model has no inputs to calibrate") }
    if !FileBytes.exists(path) { throw .input(path + ": no such file or directory") }
    do {
      if !FileBytes.isDirectory(path) {
        guard inputNames.count == 1 else {
          throw CommandError.input(
            path + ": one .npy feeds a one-input model; this one has " + String(inputNames.count)
              + " inputs (" + inputNames.joined(separator: ", ") + "): give a directory with one NAME.npy per input")
        }
        let reader = try NpySampleReader(path)
        readers = [reader]
        sampleCount = reader.sampleCount
        sampleShapes = [[1] + reader.shape.dropFirst()]
        return
      }
      let dataSets = try TestDataSet.dataSetDirectories(in: path)
      if !dataSets.isEmpty {
        sets = dataSets
        sampleCount = dataSets.count
        let first = try TestDataSet.load(dataSets[0])
        guard first.inputs.count == inputNames.count else {
          throw CommandError.input(
            dataSets[0] + ": holds " + String(first.inputs.count) + " inputs, the model takes "
              + String(inputNames.count))
        }
        sampleShapes = first.inputs.map { $0.dims }
        return
      }
      var shapes: [[Int]] = []
      var count: Int? = nil
      for name in inputNames {
        let file = path + "/" + name + ".npy"
        guard FileBytes.exists(file) else {
          throw CommandError.input(path + ": no " + name + ".npy for graph input '" + name + "'")
        }
        let reader = try NpySampleReader(file)
        if let count, count != reader.sampleCount {
          throw CommandError.input(
            file + ": " + String(reader.sampleCount) + " samples, but another input has " + String(count))
        }
        count = reader.sampleCount
        readers.append(reader)
        shapes.append([1] + reader.shape.dropFirst())
      }
      sampleCount = count ?? 0
      sampleShapes = shapes
    } catch let error as CommandError {
      throw error
    } catch let error as FormatError {
      throw CommandError(error)
    } catch {
      throw .input(path + ": unreadable calibration data")
    }
  }

  /// Passes over `count` samples (each worker of a parallel calibration starts at its own slice).
  func skip(_ count: Int) throws(CommandError) {
    if !sets.isEmpty {
      position = min(sampleCount, position + count)
      return
    }
    for _ in 0..<count {
      if position >= sampleCount { return }
      for reader in readers {
        do { _ = try reader.next() } catch { throw CommandError(error) }
      }
      position += 1
    }
  }

  /// The next sample's tensors in `inputNames` order, float64 converted to float32; nil at the end.
  func next() throws(CommandError) -> [Tensor]? {
    if position >= sampleCount { return nil }
    defer { position += 1 }
    var tensors: [Tensor] = []
    if !sets.isEmpty {
      do { tensors = try TestDataSet.load(sets[position]).inputs } catch { throw CommandError(error) }
      if tensors.count != inputNames.count {
        throw .input(sets[position] + ": holds " + String(tensors.count) + " inputs, the model takes " + String(inputNames.count))
      }
    } else {
      for reader in readers {
        let sample: Tensor?
        do { sample = try reader.next() } catch { throw CommandError(error) }
        guard let sample else { return nil }
        tensors.append(sample)
      }
    }
    for index in tensors.indices {
      tensors[index].name = inputNames[index]
      if tensors[index].dataType == .double { tensors[index] = SampleShape.float32(tensors[index]) }
    }
    return tensors
  }
}
