/// Choices made when a model is loaded.
public struct LoadOptions {
  /// Static shapes for graph inputs, by input name; they override the declared shapes.
  public var shapes: [String: [Int]]

  public init(shapes: [String: [Int]] = [:]) {
    self.shapes = shapes
  }
}
