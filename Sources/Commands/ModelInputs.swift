import ONNXFormat
import TensorFiles

/// The graph inputs a caller must feed (initializers listed as inputs are weights, not inputs),
/// and the tensors given for them on the command line.
struct ModelInputs {
  /// Names of the inputs to feed, in the model's order.
  let names: [String]
  /// Tensors by input name.
  private(set) var tensors: [String: Tensor] = [:]

  init(_ model: Model) {
    var weights = Set<String>()
    for tensor in model.graph.initializers { weights.insert(tensor.name) }
    names = model.graph.inputs.map { $0.name }.filter { !weights.contains($0) }
  }

  /// `--inputs DIR`: `input_K.pb` files in graph-input order, or one `NAME.npy` per input.
  mutating func addDirectory(_ directory: String) throws(CommandError) {
    let found: (numbered: Bool, tensors: [Tensor])
    do {
      found = try Self.read(directory)
    } catch {
      throw CommandError(error)
    }
    if found.numbered {
      if found.tensors.count > names.count {
        throw .input(
          directory + ": has " + String(found.tensors.count) + " input files; the model has " + String(names.count)
            + " inputs")
      }
      for (index, tensor) in found.tensors.enumerated() { tensors[names[index]] = tensor }
      return
    }
    if found.tensors.isEmpty {
      if names.isEmpty { return }
      throw .input(directory + ": holds neither input_K.pb nor NAME.npy files")
    }
    for tensor in found.tensors {
      guard names.contains(tensor.name) else {
        throw .input(
          directory + "/" + tensor.name + ".npy: the model has no input '" + tensor.name + "' (inputs: "
            + names.joined(separator: ", ") + ")")
      }
      tensors[tensor.name] = tensor
    }
  }

  private static func read(_ directory: String) throws(FormatError) -> (numbered: Bool, tensors: [Tensor]) {
    if try FileBytes.list(directory).contains("input_0.pb") {
      return (true, try TestDataSet.load(directory).inputs)
    }
    return (false, try TensorFile.readNamedDirectory(directory))
  }

  /// `--input NAME=FILE` (.npy or .pb).
  mutating func addFile(_ assignment: String) throws(CommandError) {
    guard let equals = assignment.firstIndex(of: "=") else {
      throw .usage("--input takes NAME=FILE, not '" + assignment + "'")
    }
    let name = String(assignment[..<equals])
    let path = String(assignment[assignment.index(after: equals)...])
    guard names.contains(name) else {
      throw .input("the model has no input '" + name + "' (inputs: " + names.joined(separator: ", ") + ")")
    }
    do {
      var tensor = try TensorFile.read(path)
      tensor.name = name
      tensors[name] = tensor
    } catch {
      throw CommandError(error)
    }
  }

  func tensor(_ name: String) -> Tensor? { tensors[name] }
}

/// `--shape NAME=d0,d1,...` options, parsed.
public enum ShapeOptions {
  public static func parse(_ values: [String]) throws(CommandError) -> [String: [Int]] {
    var shapes: [String: [Int]] = [:]
    for value in values {
      guard let equals = value.firstIndex(of: "=") else {
        throw .usage("--shape takes NAME=d0,d1,..., not '" + value + "'")
      }
      let name = String(value[..<equals])
      var dims: [Int] = []
      let text = value[value.index(after: equals)...]
      if !text.isEmpty {
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
          guard let dim = Int(part), dim >= 0 else {
            throw .usage("--shape " + name + ": '" + String(part) + "' is not a dimension")
          }
          dims.append(dim)
        }
      }
      if shapes[name] != nil { throw .usage("--shape " + name + " is given more than once") }
      shapes[name] = dims
    }
    return shapes
  }
}
