import ONNXFormat

/// Choices made when a model is loaded.
public struct LoadOptions {
  /// Static shapes for graph inputs, by input name; they override the declared shapes.
  public var shapes: [String: [Int]]
  /// Graph inputs whose values are fixed at load, by name: they become constants, so the shapes,
  /// axes or weights computed from them are known when the model is planned. Every run then uses
  /// these values.
  public var fixedInputs: [String: Tensor]

  public init(shapes: [String: [Int]] = [:], fixedInputs: [String: Tensor] = [:]) {
    self.shapes = shapes
    self.fixedInputs = fixedInputs
  }
}
