import CSupport

extension PoolingKernel.Windowed {
  /// MaxPool on int8 or uint8 planes without Indices: per output depth position and output row of each plane,
  /// the C kernel takes the max over the window's rows in byte vectors into one row padded with the
  /// lowest code (padding never wins a max), then over each window's columns, a vector of outputs at a
  /// time. `columns` holds `paddedW` bytes.
  func maxBytes(
    _ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>,
    _ columns: UnsafeMutablePointer<UInt8>,
    signed: Bool
  ) {
    let (firstD, tapsD, _, firstH, tapsH, _, _, _, _) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let outputSlice = outputH * outputW
    let sliceStride = inputH * inputW
    let paddedW = paddedW
    for od in 0..<outputD {
      oq_max_pool_planes_8(
        input + firstD[od] * sliceStride, planes, inputPlane, outputD * outputSlice, tapsD[od],
        dilationD * sliceStride, inputW, dilationH, firstH, tapsH, outputH, outputW, strideW, kernelW, dilationW,
        padW, paddedW, signed ? 1 : 0, columns, output + od * outputSlice)
    }
  }

  /// The taps of a 2-D (or 1-D) pool whose input and output planes have at most 64 positions and whose
  /// window has at most 64 taps, as `oq_max_pool_tiny_8` reads them: per tap, the input position of
  /// every output position (64 bytes) and a 64-bit little-endian mask of the outputs whose tap lies
  /// inside the input. Nil for other pools. `input`, `output`, ... are per (D, H, W).
  static func tinyTaps(
    input: [Int], output: [Int], kernel: [Int], strides: [Int], dilations: [Int], pads: [Int]
  ) -> Storage? {
    guard input[0] == 1, output[0] == 1, kernel[0] == 1, input[1] * input[2] <= 64, output[1] * output[2] <= 64,
      kernel[1] * kernel[2] <= 64
    else { return nil }
    var bytes: [UInt8] = []
    for i in 0..<kernel[1] {
      for j in 0..<kernel[2] {
        var index = [UInt8](repeating: 0, count: 64)
        var valid: UInt64 = 0
        for oh in 0..<output[1] {
          for ow in 0..<output[2] {
            let h = oh * strides[1] - pads[1] + i * dilations[1]
            let w = ow * strides[2] - pads[2] + j * dilations[2]
            guard h >= 0 && h < input[1] && w >= 0 && w < input[2] else { continue }
            let q = oh * output[2] + ow
            index[q] = UInt8(h * input[2] + w)
            valid |= UInt64(1) << UInt64(q)
          }
        }
        bytes += index
        for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: valid >> UInt64(8 * b))) }
      }
    }
    return Storage(values: bytes)
  }
}
