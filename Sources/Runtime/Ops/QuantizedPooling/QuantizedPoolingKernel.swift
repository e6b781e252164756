/// The step of a QLinearGlobalAveragePool, QLinearAveragePool or QLinearConcat node.
public struct QuantizedPoolingKernel {
  /// The mean of every (n, c) plane of uint8 or int8 values, requantized with integers only.
  struct Global {
    var signed: Bool
    var channelsLast: Bool
    var batches: Int
    var channels: Int
    /// Values per plane (product of the spatial dims).
    var image: Int
    /// `x_scale / (y_scale * float(image))`.
    var requantizer: Requantizer
    /// `-x_zero_point * image`.
    var bias: Int32
    var zeroPoint: Int32
    var low: Int32
    var high: Int32

    /// Channels-last sums go through one int32 per channel.
    var scratchBytes: Int { channelsLast && channels > 1 ? channels * MemoryLayout<Int32>.stride : 0 }
  }

  /// ONNX Runtime's float32 average pool of dequantized values, as a 3-D pool over (D, H, W).
  struct Windowed {
    var channelsLast: Bool
    var batches: Int
    var channels: Int
    var inputD: Int, inputH: Int, inputW: Int
    var outputD: Int, outputH: Int, outputW: Int
    /// For D, then H, then W (`PoolingOps.windowTable`): first input index, taps inside the input,
    /// taps inside the padding, each per output index.
    var table: Storage
    var countIncludePad: Bool
    /// Product of kernel_shape: ONNX Runtime's divisor with count_include_pad.
    var kernelSize: Int
    /// 256 float32 values, `x_scale * float(x - x_zero_point)` for each raw byte.
    var dequantized: Storage
    var outputScale: Float
    var outputZeroPoint: Float
    var low: Float
    var high: Float
  }

  /// Inputs copied (same scale and zero point as the output) or mapped through a table, input after
  /// input within each of `outer` rows.
  struct Concat {
    var outer: Int
    /// Bytes per output row.
    var outputPitch: Int
    var inputs: Int
    /// Per input: bytes per row, then the offset of its table in `tables` (-1: copy).
    var parts: Storage
    var tables: Storage
  }

  enum Plan {
    case global(Global)
    case windowed(Windowed)
    case concat(Concat)
  }

  let plan: Plan

  public func run(_ buffers: StepBuffers) {
    switch plan {
    case .global(let global):
      if global.signed {
        global.run(buffers.input(0, Int8.self), buffers.output(0, Int8.self), buffers.scratch)
      } else {
        global.run(buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), buffers.scratch)
      }
    case .windowed(let windowed):
      windowed.run(buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), buffers.scratch)
    case .concat(let concat):
      concat.run(buffers)
    }
  }
}

extension QuantizedPoolingKernel.Global {
  @inline(__always)
  private func output<T: FixedWidthInteger>(_ accumulator: Int32, _ type: T.Type) -> T {
    T(truncatingIfNeeded: requantizer.quantize(accumulator, zeroPoint: zeroPoint, low: low, high: high))
  }

  func run<T: FixedWidthInteger>(
    _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ scratch: UnsafeMutableRawPointer?
  ) {
    if scratchBytes == 0 {
      // Planes are contiguous: NCHW, or channels-last with one channel.
      for p in 0..<(batches * channels) {
        let row = x + p * image
        var accumulator = bias
        for i in 0..<image { accumulator &+= Int32(truncatingIfNeeded: row[i]) }
        y[p] = output(accumulator, T.self)
      }
      return
    }
    let sums = scratch.unsafelyUnwrapped.assumingMemoryBound(to: Int32.self)
    for b in 0..<batches {
      var pixel = x + b * image * channels
      for c in 0..<channels { sums[c] = bias }
      for _ in 0..<image {
        for c in 0..<channels { sums[c] &+= Int32(truncatingIfNeeded: pixel[c]) }
        pixel += channels
      }
      let out = y + b * channels
      for c in 0..<channels { out[c] = output(sums[c], T.self) }
    }
  }
}

extension QuantizedPoolingKernel.Windowed {
  /// ONNX Runtime's quantize_value: `nearbyintf(average / y_scale + y_zero_point)`, saturated.
  @inline(__always)
  private func output(_ total: Float, _ count: Int) -> UInt8 {
    var v = ((total / Float(count)) / outputScale + outputZeroPoint).rounded(.toNearestOrEven)
    if !(v >= low) { v = low }
    if v > high { v = high }
    return UInt8(truncatingIfNeeded: Int32(v))
  }

  /// Works on raw bytes: the dequantization table is indexed by the byte, and results in [low, high]
  /// are stored as their low byte (two's complement for int8).
  func run(_ x: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<UInt8>, _ scratch: UnsafeMutableRawPointer?) {
    let t = UnsafePointer(table.typed(Int.self))
    let firstD = t
    let tapsD = firstD + outputD
    let firstH = firstD + 3 * outputD
    let tapsH = firstH + outputH
    let firstW = firstH + 3 * outputH
    let tapsW = firstW + outputW
    let values = UnsafePointer(dequantized.typed(Float.self))
    let inputPlane = inputD * inputH * inputW
    let outputPlane = outputD * outputH * outputW
    let sliceStride = inputH * inputW

    if !channelsLast {
      for p in 0..<(batches * channels) {
        let plane = x + p * inputPlane
        var out = y + p * outputPlane
        for od in 0..<outputD {
          let nd = tapsD[od]
          for oh in 0..<outputH {
            let nh = tapsH[oh]
            for ow in 0..<outputW {
              let nw = tapsW[ow]
              // Row-major over the window, from 0, as ONNX Runtime adds.
              var total: Float = 0
              var slice = plane + (firstD[od] * inputH + firstH[oh]) * inputW + firstW[ow]
              for _ in 0..<nd {
                var row = slice
                for _ in 0..<nh {
                  for i in 0..<nw { total += values[Int(row[i])] }
                  row += inputW
                }
                slice += sliceStride
              }
              out[ow] = output(total, countIncludePad ? kernelSize : nd * nh * nw)
            }
            out += outputW
          }
        }
      }
      return
    }

    // Channels last: each channel's window is added in the same order, one running sum per channel.
    let sums = scratch.unsafelyUnwrapped.assumingMemoryBound(to: Float.self)
    let c = channels
    for b in 0..<batches {
      let image = x + b * inputPlane * c
      var out = y + b * outputPlane * c
      for od in 0..<outputD {
        let nd = tapsD[od]
        for oh in 0..<outputH {
          let nh = tapsH[oh]
          for ow in 0..<outputW {
            let nw = tapsW[ow]
            for k in 0..<c { sums[k] = 0 }
            var slice = image + ((firstD[od] * inputH + firstH[oh]) * inputW + firstW[ow]) * c
            for _ in 0..<nd {
              var row = slice
              for _ in 0..<nh {
                var pixel = row
                for _ in 0..<nw {
                  for k in 0..<c { sums[k] += values[Int(pixel[k])] }
                  pixel += c
                }
                row += inputW * c
              }
              slice += sliceStride * c
            }
            let count = countIncludePad ? kernelSize : nd * nh * nw
            for k in 0..<c { out[k] = output(sums[k], count) }
            out += c
          }
        }
      }
    }
  }
}

extension QuantizedPoolingKernel.Concat {
  func run(_ buffers: StepBuffers) {
    let parts = UnsafePointer(parts.typed(Int.self))
    let tables = UnsafePointer(tables.typed(UInt8.self))
    let y = buffers.output(0, UInt8.self)
    var column = 0
    for k in 0..<inputs {
      let pitch = parts[2 * k]
      let tableOffset = parts[2 * k + 1]
      if pitch == 0 { continue }
      let x = buffers.input(2 + 3 * k, UInt8.self)
      for o in 0..<outer {
        let source = x + o * pitch
        let destination = y + o * outputPitch + column
        if tableOffset < 0 {
          UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: pitch)
        } else {
          let table = tables + tableOffset
          for i in 0..<pitch { destination[i] = table[Int(source[i])] }
        }
      }
      column += pitch
    }
  }
}
