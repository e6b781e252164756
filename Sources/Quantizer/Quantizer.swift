/// The calibrating quantizer: float model + calibration data in, int8 ONNX model out (host only).
public enum QuantizerInfo {
  public static let producerName = "onnx-quant"
}
