import ONNXFormat

/// Fixes a graph input's static type from its declaration and the user's `--shape`.
enum InputShapes {
  /// A declared leading dim that is symbolic or unknown becomes 1 (batch 1, the embedded default);
  /// any other unknown dim must come from `override`.
  static func resolve(_ input: ValueInfo, override: [Int]?) throws(RuntimeError) -> TensorType {
    guard case .tensor(let rawType, let declared)? = input.type else {
      throw RuntimeError(.unsupported, "graph input '" + input.name + "' is not a tensor")
    }
    guard let dataType = DataType(rawValue: rawType), dataType != .undefined else {
      throw RuntimeError(.unsupported, "graph input '" + input.name + "' has element type " + String(rawType))
    }
    if let override {
      if let declared, declared.count != override.count {
        throw RuntimeError(
          .input,
          "input '" + input.name + "' is declared with rank " + String(declared.count) + ", but the given shape "
            + dimsText(override) + " has rank " + String(override.count))
      }
      if let declared {
        for (index, dimension) in declared.enumerated() {
          if case .value(let fixed) = dimension.dimension, fixed >= 0, fixed != override[index] {
            throw RuntimeError(
              .input,
              "input '" + input.name + "' dim " + String(index) + " is declared " + String(fixed) + ", but the given shape "
                + dimsText(override) + " says " + String(override[index]))
          }
        }
      }
      return try checked(dataType, override, input.name)
    }
    guard let declared else {
      throw RuntimeError(
        .input, "input '" + input.name + "' has no declared shape; give it with --shape " + input.name + "=d0,d1,...")
    }
    var shape: [Int] = []
    for (index, dimension) in declared.enumerated() {
      switch dimension.dimension {
      case .value(let fixed) where fixed >= 0:
        shape.append(fixed)
      default:
        if index == 0 {
          shape.append(1)
        } else {
          let label: String
          if case .param(let name) = dimension.dimension { label = " ('" + name + "')" } else { label = "" }
          throw RuntimeError(
            .input,
            "input '" + input.name + "' dim " + String(index) + label + " is unknown; give the shape with --shape "
              + input.name + "=d0,d1,...")
        }
      }
    }
    return try checked(dataType, shape, input.name)
  }

  private static func checked(_ dataType: DataType, _ shape: [Int], _ name: String) throws(RuntimeError)
    -> TensorType
  {
    guard let count = elementCount(shape), let bytes = dataType.storageBytes(count: count), bytes <= 1 << 34 else {
      throw RuntimeError(.input, "input '" + name + "' shape " + dimsText(shape) + " is negative or too large")
    }
    return TensorType(dataType, shape)
  }
}
