import CSupport
import ONNXFormat

// com.microsoft NhwcMaxPool: MaxPool of an int8 or uint8 channels-last tensor [N, H, W, C] (or
// [N, W, C]) into [N, H_out, W_out, C], with MaxPool's window attributes (auto_pad, kernel_shape,
// pads, strides, dilations, ceil_mode). Each output pixel takes the max of its window's pixels with
// the channels in vector lanes (`oq_max_pool_nhwc_8`); it equals MaxPool on the NCHW transpose.
extension PoolingOps {
  static func prepareChannelsLast(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try context.input(0)
    guard x.dataType == .uint8 || x.dataType == .int8 else {
      throw context.unsupported("input x must be uint8 or int8, got " + x.text)
    }
    guard x.rank == 3 || x.rank == 4 else {
      throw context.unsupported("supports 1 or 2 spatial dims (input rank 3 or 4), got " + x.text)
    }
    guard context.outputCount == 1, !context.node.outputs[0].isEmpty else {
      throw context.error("has one output Y")
    }
    let inputSpatial = Array(x.shape[1..<(x.rank - 1)])
    if inputSpatial.contains(0) {
      throw context.error("input x has an empty spatial dim: " + x.text)
    }
    let window = try WindowAttributes(context, inputSpatial, inputText: x.text)
    let channels = x.shape[x.rank - 1]
    let output = try context.checkedType(
      x.dataType, [x.shape[0]] + window.outputSpatial + [channels])
    // Normalize to (H, W): a 1-D pool has one row and a window of one row.
    let two = x.rank == 3 ? 1 : 0
    func widened(_ values: [Int], _ fill: Int) -> [Int] {
      [Int](repeating: fill, count: two) + values
    }
    let inputs2 = widened(inputSpatial, 1)
    let outputs2 = widened(window.outputSpatial, 1)
    let kernels2 = widened(window.kernelShape, 1)
    let strides2 = widened(window.strides, 1)
    let dilations2 = widened(window.dilations, 1)
    let begins2 = widened(window.padBegin, 0)
    let ends2 = widened(window.padEnd, 0)
    var table: [Int] = []
    for dim in 0..<2 {
      let axis = windowTable(
        input: inputs2[dim], output: outputs2[dim], kernel: kernels2[dim], stride: strides2[dim],
        dilation: dilations2[dim], padBegin: begins2[dim], padEnd: ends2[dim])
      // First input index and valid taps per output (the padding counts are AveragePool's).
      table += axis.table[0..<(2 * outputs2[dim])]
    }
    let plan = PoolingKernel.ChannelsLast(
      signed: x.dataType == .int8, images: x.shape[0], channels: channels, inputH: inputs2[0],
      inputW: inputs2[1],
      outputH: outputs2[0], outputW: outputs2[1], dilationH: dilations2[0],
      dilationW: dilations2[1],
      table: Storage(values: table))
    return Prepared(.pooling(PoolingKernel(channelsLast: plan)), outputs: [output])
  }
}

extension PoolingKernel {
  /// NhwcMaxPool's plan: images of `inputH x inputW` pixels of `channels` bytes.
  struct ChannelsLast {
    var signed: Bool
    var images: Int
    var channels: Int
    var inputH: Int, inputW: Int
    var outputH: Int, outputW: Int
    var dilationH: Int, dilationW: Int
    /// First input row per output row, valid row taps per output row, then the same for columns.
    var table: Storage

    func run(_ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
      let firstH = UnsafePointer(table.typed(Int.self))
      let tapsH = firstH + outputH
      let firstW = tapsH + outputH
      let tapsW = firstW + outputW
      let inputImage = inputH * inputW * channels
      let outputImage = outputH * outputW * channels
      for n in 0..<images {
        oq_max_pool_nhwc_8(
          input + n * inputImage, inputW, channels, dilationH, firstH, tapsH, outputH, dilationW,
          firstW, tapsW,
          outputW, signed ? 1 : 0, output + n * outputImage)
      }
    }
  }
}
