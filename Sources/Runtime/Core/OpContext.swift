import ONNXFormat

/// What an operator's `prepare` sees of a node at load time: attributes, input types and the inputs
/// whose values are already known. Errors it makes name the node.
public struct OpContext {
  public let node: Node
  public let op: Operator
  /// The imported version of the node's domain (ai.onnx), which decides attribute-vs-input forms.
  public let opset: Int
  /// One entry per node input; nil where an optional input is omitted (empty name).
  public let inputs: [TensorType?]
  /// The value of each input known at load time (weights, folded constants), else nil.
  public let constants: [Constant?]

  public init(node: Node, op: Operator, opset: Int, inputs: [TensorType?], constants: [Constant?]) {
    self.node = node
    self.op = op
    self.opset = opset
    self.inputs = inputs
    self.constants = constants
  }

  public var inputCount: Int { inputs.count }
  public var outputCount: Int { node.outputs.count }

  public func error(_ text: String, _ kind: RuntimeError.Kind = .invalid) -> RuntimeError {
    RuntimeError(kind, node.displayName + ": " + text)
  }

  public func unsupported(_ text: String) -> RuntimeError { error(text, .unsupported) }

  /// True when input `index` is present (given and not the empty name).
  public func has(_ index: Int) -> Bool { index < inputs.count && inputs[index] != nil }

  /// The type of a required input.
  public func input(_ index: Int) throws(RuntimeError) -> TensorType {
    guard index < inputs.count, let type = inputs[index] else {
      throw error("input " + String(index) + " is required")
    }
    return type
  }

  /// The load-time value of input `index`, when known.
  public func constant(_ index: Int) -> Constant? { index < constants.count ? constants[index] : nil }

  /// The value of an input that must be known at load time (shapes, axes, pads...).
  public func requireConstant(_ index: Int, _ what: String) throws(RuntimeError) -> Constant {
    guard let value = constant(index) else {
      var failure = error(
        what + " (input " + String(index) + ") must be known when the model is loaded; it is computed at run time",
        .unsupported)
      failure.loadTimeValue = index < node.inputs.count ? node.inputs[index] : nil
      throw failure
    }
    return value
  }

  /// Integer values of a load-time input (e.g. Reshape's shape, Slice's starts).
  public func requireIntegers(_ index: Int, _ what: String) throws(RuntimeError) -> [Int] {
    let value = try requireConstant(index, what)
    guard let integers = value.integers() else { throw error(what + " must be an integer tensor") }
    return integers
  }

  // Attributes, with the node named in errors when one has the wrong kind.

  public func has(attribute name: String) -> Bool { node.attribute(name) != nil }

  public func int(_ name: String, _ fallback: Int) throws(RuntimeError) -> Int {
    switch node.attribute(name) {
    case nil: return fallback
    case .int(let value): return value
    default: throw error("attribute '" + name + "' must be an int")
    }
  }

  public func float(_ name: String, _ fallback: Float) throws(RuntimeError) -> Float {
    switch node.attribute(name) {
    case nil: return fallback
    case .float(let value): return value
    case .int(let value): return Float(value)
    default: throw error("attribute '" + name + "' must be a float")
    }
  }

  public func ints(_ name: String) throws(RuntimeError) -> [Int]? {
    switch node.attribute(name) {
    case nil: return nil
    case .ints(let values): return values
    default: throw error("attribute '" + name + "' must be a list of ints")
    }
  }

  public func floats(_ name: String) throws(RuntimeError) -> [Float]? {
    switch node.attribute(name) {
    case nil: return nil
    case .floats(let values): return values
    default: throw error("attribute '" + name + "' must be a list of floats")
    }
  }

  public func string(_ name: String, _ fallback: String) throws(RuntimeError) -> String {
    switch node.attribute(name) {
    case nil: return fallback
    case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
    default: throw error("attribute '" + name + "' must be a string")
    }
  }

  public func tensor(_ name: String) throws(RuntimeError) -> Tensor? {
    switch node.attribute(name) {
    case nil: return nil
    case .tensor(let value): return value
    default: throw error("attribute '" + name + "' must be a tensor")
    }
  }

  /// An axis attribute or input value normalized into 0..<rank.
  public func axis(_ value: Int, rank: Int, _ what: String = "axis") throws(RuntimeError) -> Int {
    let normalized = value < 0 ? value + rank : value
    guard normalized >= 0 && normalized < max(rank, 1) else {
      throw error(what + " " + String(value) + " is out of range for rank " + String(rank))
    }
    return normalized
  }

  /// A shape made by the operator, checked for negative dims and overflowing sizes.
  public func checkedType(_ dataType: DataType, _ shape: [Int]) throws(RuntimeError) -> TensorType {
    guard let count = elementCount(shape), dataType.storageBytes(count: count) != nil else {
      throw error("output shape " + dimsText(shape) + " is negative or too large")
    }
    return TensorType(dataType, shape)
  }
}
