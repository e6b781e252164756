import ONNXFormat

/// Choices made when a model is loaded.
public struct LoadOptions {
  /// Static shapes for graph inputs, by input name; they override the declared shapes.
  public var shapes: [String: [Int]]
  /// Graph inputs whose values are fixed at load, by name: they become constants, so the shapes,
  /// axes or weights computed from them are known when the model is planned. Every run then uses
  /// these values.
  public var fixedInputs: [String: Tensor]
  /// Threads the heavy steps split their work across: the caller and `threads - 1` workers the
  /// session starts at load (1: no workers, everything on the caller).
  public var threads: Int
  /// Whether chains of int8 image operators run channels-last (`ChannelsLastLayout`); off, every
  /// operator runs in the model's own layout. Results are the same either way.
  public var channelsLast: Bool

  public init(
    shapes: [String: [Int]] = [:], fixedInputs: [String: Tensor] = [:], threads: Int = 1,
    channelsLast: Bool = true
  ) {
    self.shapes = shapes
    self.fixedInputs = fixedInputs
    self.threads = threads
    self.channelsLast = channelsLast
  }
}
