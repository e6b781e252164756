import ONNXFormat

// Cast between the numeric and bool types. Every source type hands its value to the destination in
// one of four exact forms (Float, Double, Int64, UInt64); the destination converts it like numpy's
// `astype` on x86-64: floats to integers truncate toward zero (then wrap into narrower types; values
// outside int32/int64 are implementation-defined in numpy and give the x86 sentinel here), anything to bool
// is `!= 0`, integers and doubles to float round to nearest.

protocol CastTarget {
  init(castFloat value: Float)
  init(castDouble value: Double)
  init(castInt value: Int64)
  init(castUInt value: UInt64)
}

protocol CastSource {
  func cast<D: CastTarget>(to type: D.Type) -> D
}

extension CastTarget where Self: FixedWidthInteger {
  @inline(__always) init(castFloat value: Float) { self.init(castDouble: Double(value)) }
  /// Types narrower than 32 bits and int32 go through int32, wider ones through int64, as numpy does.
  @inline(__always) init(castDouble value: Double) {
    if Self.bitWidth < 32 || (Self.bitWidth == 32 && Self.isSigned) {
      self.init(truncatingIfNeeded: integerBits32(value))
    } else {
      self.init(truncatingIfNeeded: integerBits(value))
    }
  }
  @inline(__always) init(castInt value: Int64) { self.init(truncatingIfNeeded: value) }
  @inline(__always) init(castUInt value: UInt64) { self.init(truncatingIfNeeded: value) }
}

extension CastSource where Self: FixedWidthInteger & SignedInteger {
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D { D(castInt: Int64(self)) }
}

extension CastSource where Self: FixedWidthInteger & UnsignedInteger {
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D { D(castUInt: UInt64(self)) }
}

extension Int8: CastTarget, CastSource {}
extension Int16: CastTarget, CastSource {}
extension Int32: CastTarget, CastSource {}
extension Int64: CastTarget, CastSource {}
extension UInt8: CastTarget, CastSource {}
extension UInt16: CastTarget, CastSource {}
extension UInt32: CastTarget, CastSource {}
extension UInt64: CastTarget, CastSource {}

extension Float: CastTarget, CastSource {
  @inline(__always) init(castFloat value: Float) { self = value }
  @inline(__always) init(castDouble value: Double) { self = Float(value) }
  @inline(__always) init(castInt value: Int64) { self = Float(value) }
  @inline(__always) init(castUInt value: UInt64) { self = Float(value) }
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D { D(castFloat: self) }
}

extension Double: CastTarget, CastSource {
  @inline(__always) init(castFloat value: Float) { self = Double(value) }
  @inline(__always) init(castDouble value: Double) { self = value }
  @inline(__always) init(castInt value: Int64) { self = Double(value) }
  @inline(__always) init(castUInt value: UInt64) { self = Double(value) }
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D { D(castDouble: self) }
}

/// float64 and large integers reach half precision through float32 (a second rounding that only
/// matters in the last bit of values halfway between two halves after the first rounding).
extension HalfElement: CastTarget, CastSource {
  @inline(__always) init(castFloat value: Float) { bits = halfBits(value) }
  @inline(__always) init(castDouble value: Double) { bits = halfBits(Float(value)) }
  @inline(__always) init(castInt value: Int64) { bits = halfBits(Float(value)) }
  @inline(__always) init(castUInt value: UInt64) { bits = halfBits(Float(value)) }
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D {
    D(castFloat: floatFromHalf(bits))
  }
}

extension BFloat16Element: CastTarget, CastSource {
  @inline(__always) init(castFloat value: Float) { bits = bfloat16Bits(value) }
  @inline(__always) init(castDouble value: Double) { bits = bfloat16Bits(Float(value)) }
  @inline(__always) init(castInt value: Int64) { bits = bfloat16Bits(Float(value)) }
  @inline(__always) init(castUInt value: UInt64) { bits = bfloat16Bits(Float(value)) }
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D {
    D(castFloat: floatFromBFloat16(bits))
  }
}

extension BoolElement: CastTarget, CastSource {
  /// NaN is true, like numpy.
  @inline(__always) init(castFloat value: Float) { raw = value != 0 ? 1 : 0 }
  @inline(__always) init(castDouble value: Double) { raw = value != 0 ? 1 : 0 }
  @inline(__always) init(castInt value: Int64) { raw = value != 0 ? 1 : 0 }
  @inline(__always) init(castUInt value: UInt64) { raw = value != 0 ? 1 : 0 }
  @inline(__always) func cast<D: CastTarget>(to type: D.Type) -> D { D(castUInt: raw != 0 ? 1 : 0) }
}

/// The element types Cast converts between.
let castTypes: [DataType] = [
  .float, .double, .float16, .bfloat16, .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64,
  .uint64, .bool,
]

/// The Cast step: `count` elements from `from` to `to`. Reads and writes go through raw pointers
/// element by element, so the output may be the input's own buffer when both types have one size.
struct CastStep {
  let from: DataType
  let to: DataType
  let count: Int

  func run(_ buffers: StepBuffers) {
    let x = buffers.inputs[0].unsafelyUnwrapped
    let y = buffers.outputs[0]
    switch from {
    case .float: castInto(Float.self, x, y)
    case .double: castInto(Double.self, x, y)
    case .float16: castInto(HalfElement.self, x, y)
    case .bfloat16: castInto(BFloat16Element.self, x, y)
    case .int8: castInto(Int8.self, x, y)
    case .uint8: castInto(UInt8.self, x, y)
    case .int16: castInto(Int16.self, x, y)
    case .uint16: castInto(UInt16.self, x, y)
    case .int32: castInto(Int32.self, x, y)
    case .uint32: castInto(UInt32.self, x, y)
    case .int64: castInto(Int64.self, x, y)
    case .uint64: castInto(UInt64.self, x, y)
    case .bool: castInto(BoolElement.self, x, y)
    default: break  // refused by prepare
    }
  }

  @inline(__always)
  private func castInto<S: CastSource>(
    _ source: S.Type, _ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer
  ) {
    switch to {
    case .float: castLoop(S.self, Float.self, x, y)
    case .double: castLoop(S.self, Double.self, x, y)
    case .float16: castLoop(S.self, HalfElement.self, x, y)
    case .bfloat16: castLoop(S.self, BFloat16Element.self, x, y)
    case .int8: castLoop(S.self, Int8.self, x, y)
    case .uint8: castLoop(S.self, UInt8.self, x, y)
    case .int16: castLoop(S.self, Int16.self, x, y)
    case .uint16: castLoop(S.self, UInt16.self, x, y)
    case .int32: castLoop(S.self, Int32.self, x, y)
    case .uint32: castLoop(S.self, UInt32.self, x, y)
    case .int64: castLoop(S.self, Int64.self, x, y)
    case .uint64: castLoop(S.self, UInt64.self, x, y)
    case .bool: castLoop(S.self, BoolElement.self, x, y)
    default: break  // refused by prepare
    }
  }

  @inline(__always)
  private func castLoop<S: CastSource, D: CastTarget>(
    _ source: S.Type, _ target: D.Type, _ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer
  ) {
    let sourceStride = MemoryLayout<S>.stride
    let targetStride = MemoryLayout<D>.stride
    for index in 0..<count {
      let value = x.load(fromByteOffset: index &* sourceStride, as: S.self)
      y.storeBytes(of: value.cast(to: D.self), toByteOffset: index &* targetStride, as: D.self)
    }
  }
}
