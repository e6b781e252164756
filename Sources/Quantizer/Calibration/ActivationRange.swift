/// The real interval an activation tensor is quantized over; values outside it saturate.
public struct ActivationRange: Equatable {
  public var low: Float
  public var high: Float

  public init(low: Float, high: Float) {
    self.low = low
    self.high = high
  }
}
