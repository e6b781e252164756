/// The step of a QuantizeLinear, DequantizeLinear or DynamicQuantizeLinear node.
public struct QuantizeKernel {
  enum Element { case float, uint8, int8, uint16, int16, int32 }

  /// x viewed as `[outer, axisSize, inner]` around the quantization axis.
  /// - `blockSize == 0`: one (scale, zero point) per axis index (per tensor: `axisSize` 1, `inner` all);
  /// - `blockSize > 0`: blocked; the parameters have x's shape with the axis dim `blocks`, and element
  ///   `(n, a, i)` takes entry `(n * blocks + a / blockSize) * inner + i`.
  struct Layout: Equatable {
    var outer: Int
    var axisSize: Int
    var inner: Int
    var blockSize: Int
    var blocks: Int
  }

  enum Plan {
    case quantize(Layout, input: Element, output: Element)
    case dequantize(Layout, input: Element)
    /// x float32 (count elements) to y uint8, y_scale float32 and y_zero_point uint8.
    case dynamic(count: Int)
  }

  let plan: Plan
  /// float32 scales, one per parameter entry.
  let scales: Storage
  /// int32 zero points, one per parameter entry.
  let zeroPoints: Storage

  public func run(_ buffers: StepBuffers) {
    let s = UnsafePointer(scales.typed(Float.self))
    let z = UnsafePointer(zeroPoints.typed(Int32.self))
    switch plan {
    case .quantize(let layout, let input, let output):
      if input == .float {
        QuantizeKernel.quantize(buffers.input(0, Float.self), output, buffers, layout, s, z)
      } else {
        QuantizeKernel.quantize(buffers.input(0, Int32.self), output, buffers, layout, s, z)
      }
    case .dequantize(let layout, let input):
      let y = buffers.output(0, Float.self)
      switch input {
      case .uint8: QuantizeKernel.dequantize(buffers.input(0, UInt8.self), y, layout, s, z)
      case .int8: QuantizeKernel.dequantize(buffers.input(0, Int8.self), y, layout, s, z)
      case .uint16: QuantizeKernel.dequantize(buffers.input(0, UInt16.self), y, layout, s, z)
      case .int16: QuantizeKernel.dequantize(buffers.input(0, Int16.self), y, layout, s, z)
      case .int32, .float: QuantizeKernel.dequantize(buffers.input(0, Int32.self), y, layout, s, z)
      }
    case .dynamic(let count):
      QuantizeKernel.dynamicQuantize(
        buffers.input(0, Float.self), buffers.output(0, UInt8.self), buffers.output(1, Float.self),
        buffers.output(2, UInt8.self), count)
    }
  }

  @inline(__always)
  private static func quantize<X: QuantizeSource>(
    _ x: UnsafePointer<X>, _ output: Element, _ buffers: StepBuffers, _ layout: Layout,
    _ s: UnsafePointer<Float>,
    _ z: UnsafePointer<Int32>
  ) {
    switch output {
    case .uint8: quantize(x, buffers.output(0, UInt8.self), layout, s, z)
    case .int8: quantize(x, buffers.output(0, Int8.self), layout, s, z)
    case .uint16: quantize(x, buffers.output(0, UInt16.self), layout, s, z)
    case .int16, .int32, .float: quantize(x, buffers.output(0, Int16.self), layout, s, z)
    }
  }

  /// `saturate(round_half_even(x / scale) + zero_point)` with ONNX Runtime's float32 steps.
  static func quantize<X: QuantizeSource, T: FixedWidthInteger>(
    _ x: UnsafePointer<X>, _ y: UnsafeMutablePointer<T>, _ layout: Layout,
    _ scales: UnsafePointer<Float>,
    _ zeroPoints: UnsafePointer<Int32>
  ) {
    let qmin = Int32(truncatingIfNeeded: T.min)
    let qmax = Int32(truncatingIfNeeded: T.max)
    let inner = layout.inner
    var offset = 0
    for n in 0..<layout.outer {
      for a in 0..<layout.axisSize {
        let xs = x + offset
        let ys = y + offset
        if layout.blockSize == 0 {
          let scale = scales[a]
          let zeroPoint = zeroPoints[a]
          X.quantizeRow(
            xs, ys, inner, scale, zeroPoint, Float(qmin - zeroPoint), Float(qmax - zeroPoint))
        } else {
          let row = (n * layout.blocks + a / layout.blockSize) * inner
          for i in 0..<inner {
            let zeroPoint = zeroPoints[row + i]
            let value = X.scaledRounded(
              xs[i], scales[row + i], Float(qmin - zeroPoint), Float(qmax - zeroPoint))
            ys[i] = T(truncatingIfNeeded: value + zeroPoint)
          }
        }
        offset += inner
      }
    }
  }

  /// `float32(int32(x) - zero_point) * scale`, ONNX Runtime's DequantizeLinear arithmetic.
  static func dequantize<X: FixedWidthInteger>(
    _ x: UnsafePointer<X>, _ y: UnsafeMutablePointer<Float>, _ layout: Layout,
    _ scales: UnsafePointer<Float>,
    _ zeroPoints: UnsafePointer<Int32>
  ) {
    let inner = layout.inner
    var offset = 0
    for n in 0..<layout.outer {
      for a in 0..<layout.axisSize {
        let xs = x + offset
        let ys = y + offset
        if layout.blockSize == 0 {
          let scale = scales[a]
          let zeroPoint = zeroPoints[a]
          for i in 0..<inner {
            ys[i] = Float(Int32(truncatingIfNeeded: xs[i]) &- zeroPoint) * scale
          }
        } else {
          let row = (n * layout.blocks + a / layout.blockSize) * inner
          for i in 0..<inner {
            ys[i] = Float(Int32(truncatingIfNeeded: xs[i]) &- zeroPoints[row + i]) * scales[row + i]
          }
        }
        offset += inner
      }
    }
  }

  /// ONNX Runtime's DynamicQuantizeLinear (`GetQuantizationParameter` then `MlasQuantizeLinear`).
  static func dynamicQuantize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt8>,
    _ scaleOutput: UnsafeMutablePointer<Float>,
    _ zeroPointOutput: UnsafeMutablePointer<UInt8>, _ count: Int
  ) {
    var low = Float.greatestFiniteMagnitude
    var high = -Float.greatestFiniteMagnitude
    for i in 0..<count {
      let v = x[i]
      if v < low { low = v }
      if v > high { high = v }
    }
    // The range includes zero.
    if low > 0 { low = 0 }
    if high < 0 { high = 0 }
    let scale: Float = high == low ? 1 : (high - low) / 255
    // std::max(float(qmin), std::min(float(qmax), 0 - min / scale)), then round half to even.
    let initial: Float = 0 - low / scale
    let upper: Float = initial < 255 ? initial : 255
    let clamped: Float = 0 < upper ? upper : 0
    let zeroPoint = clamped.isFinite ? Int32(clamped.rounded(.toNearestOrEven)) : 0
    scaleOutput.pointee = scale
    zeroPointOutput.pointee = UInt8(truncatingIfNeeded: zeroPoint)
    let lowBound = Float(0 - zeroPoint)
    let highBound = Float(255 - zeroPoint)
    Float.quantizeRow(x, y, count, scale, zeroPoint, lowBound, highBound)
  }
}

/// Input element types of QuantizeLinear.
protocol QuantizeSource {
  /// `round_half_even(clamp(x / scale, low, high))`; NaN gives `low`.
  static func scaledRounded(_ x: Self, _ scale: Float, _ low: Float, _ high: Float) -> Int32
  /// `y[i] = scaledRounded(x[i], scale, low, high) + zeroPoint` (truncated to T) for `count` elements;
  /// `low...high` lies within ±2^22.
  static func quantizeRow<T: FixedWidthInteger>(
    _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ scale: Float,
    _ zeroPoint: Int32,
    _ low: Float, _ high: Float)
}

extension Float: QuantizeSource {
  /// MLAS: a float32 division, MAXPS/FMAXNM with `low` (NaN becomes `low`), MINPS with `high`, then
  /// CVTPS2DQ/FCVTNS (round half to even).
  @inline(__always)
  static func scaledRounded(_ x: Float, _ scale: Float, _ low: Float, _ high: Float) -> Int32 {
    var v = x / scale
    if !(v >= low) { v = low }
    if v > high { v = high }
    return Int32(v.rounded(.toNearestOrEven))
  }
}

extension Float {
  /// The row of `scaledRounded` without branches or checked conversions, so it vectorizes: the clamps as
  /// selects (NaN fails `>= low` and becomes `low`), and round half to even by adding 1.5 * 2^23, whose
  /// float32 sum keeps whole units only (ulp 1 on [2^23, 2^24), exact for |v| <= 2^22) and rounds half to
  /// even as the conversion does; the integer is the sum's bit pattern minus that of 1.5 * 2^23.
  @inline(__always)
  static func quantizeRow<T: FixedWidthInteger>(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ scale: Float,
    _ zeroPoint: Int32,
    _ low: Float, _ high: Float
  ) {
    let magic: Float = 12_582_912
    let magicBits = Int32(bitPattern: magic.bitPattern)
    var start = 0
    let reciprocal = 1 / scale
    if scale.isNormal && reciprocal.isNormal {
      start = quantizeBlocks(x, y, count, scale, reciprocal, zeroPoint, low, high)
    }
    for i in start..<count {
      var v = x[i] / scale
      v = v >= low ? v : low
      v = v > high ? high : v
      let rounded = Int32(bitPattern: (v + magic).bitPattern) &- magicBits
      y[i] = T(truncatingIfNeeded: rounded &+ zeroPoint)
    }
  }
}

extension Float {
  typealias Block = SIMD16<Float>

  @inline(__always)
  static func magnitude(_ v: Block) -> Block {
    unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Block.self)
  }

  /// `quantizeRow` 16 values at a time with a multiplication by the reciprocal instead of the
  /// division (several times its throughput), keeping the division's results: `x * (1 / scale)` is
  /// within `|v| * 2^-22` of the float32 quotient v, so both round to the same integer unless v lies
  /// that close to a half-integer inside the clamp range; a block with such a lane is divided instead.
  /// Returns how many leading values were done (whole blocks).
  @inline(__always)
  static func quantizeBlocks<T: FixedWidthInteger>(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ scale: Float,
    _ reciprocal: Float,
    _ zeroPoint: Int32, _ low: Float, _ high: Float
  ) -> Int {
    let magic = Block(repeating: 12_582_912)
    let magicBits = SIMD16<Int32>(repeating: Int32(bitPattern: Float(12_582_912).bitPattern))
    let lows = Block(repeating: low)
    let highs = Block(repeating: high)
    let lowMargin = Block(repeating: low - 2)
    let highMargin = Block(repeating: high + 2)
    let near = Block(repeating: 0x1p-21)
    let half = Block(repeating: 0.5)
    let zeroPoints = SIMD16<Int32>(repeating: zeroPoint)
    let raw = UnsafeRawPointer(x)
    var i = 0
    while i + 16 <= count {
      let values = raw.loadUnaligned(fromByteOffset: i * 4, as: Block.self)
      var v = values * Block(repeating: reciprocal)
      let nearest = (v + magic) - magic
      let distance = magnitude(magnitude(v - nearest) - half)
      let ambiguous = (distance .<= magnitude(v) * near) .& (v .> lowMargin) .& (v .< highMargin)
      if any(ambiguous) { v = values / Block(repeating: scale) }
      v = v.replacing(with: lows, where: .!(v .>= lows))
      v = v.replacing(with: highs, where: v .> highs)
      let rounded = unsafeBitCast(v + magic, to: SIMD16<Int32>.self) &- magicBits
      let codes = rounded &+ zeroPoints
      for lane in 0..<16 { y[i + lane] = T(truncatingIfNeeded: codes[lane]) }
      i += 16
    }
    return i
  }
}

extension Int32: QuantizeSource {
  @inline(__always)
  static func quantizeRow<T: FixedWidthInteger>(
    _ x: UnsafePointer<Int32>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ scale: Float,
    _ zeroPoint: Int32,
    _ low: Float, _ high: Float
  ) {
    for i in 0..<count {
      y[i] = T(truncatingIfNeeded: scaledRounded(x[i], scale, low, high) &+ zeroPoint)
    }
  }

  /// int32 input (opset 10+): ONNX Runtime has no kernel for it; ONNX's reference divides in float64.
  @inline(__always)
  static func scaledRounded(_ x: Int32, _ scale: Float, _ low: Float, _ high: Float) -> Int32 {
    var v = Double(x) / Double(scale)
    if !(v >= Double(low)) { v = Double(low) }
    if v > Double(high) { v = Double(high) }
    return Int32(v.rounded(.toNearestOrEven))
  }
}
