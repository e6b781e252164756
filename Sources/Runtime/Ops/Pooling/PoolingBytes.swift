import CSupport

extension PoolingKernel.Windowed {
  /// MaxPool on int8 or uint8 planes without Indices: per depth position of each plane and output row,
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
    for p in 0..<planes {
      let x = input + p * inputPlane
      var y = output + p * outputD * outputSlice
      for od in 0..<outputD {
        oq_max_pool_plane_8(
          x + firstD[od] * sliceStride, tapsD[od], dilationD * sliceStride, inputW, dilationH,
          firstH, tapsH,
          outputH, outputW, strideW, kernelW, dilationW, padW, paddedW, signed ? 1 : 0, columns, y)
        y += outputSlice
      }
    }
  }
}
