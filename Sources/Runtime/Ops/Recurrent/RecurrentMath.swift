// Eight-lane exp, sigmoid and tanh for the LSTM cell update: the cell would otherwise spend about as
// long in libm's scalar expf / tanhf as in its gate products. Cephes-style range reduction and
// polynomials, within a few ulp of libm over the whole float range.

/// Eight floats, the width of the vectorized cell update.
typealias RecurrentLanes = SIMD8<Float>

enum RecurrentMath {
  /// sum + a * b: one fused instruction per 4 lanes on AArch64 (NEON fmla). Elsewhere a multiply and
  /// an add, because x86-64's baseline (SSE2) has no FMA and LLVM would call fmaf per lane.
  @inline(__always)
  static func multiplyAdd(_ sum: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<
    Float
  > {
    #if arch(arm64)
      return sum.addingProduct(a, b)
    #else
      return sum + a * b
    #endif
  }

  /// e^x. Inputs are clamped to [-87.3, 88.3], where e^x stays a normal float.
  @inline(__always)
  static func exp(_ x: RecurrentLanes) -> RecurrentLanes {
    let clamped = pointwiseMax(
      pointwiseMin(x, RecurrentLanes(repeating: 88.3)), RecurrentLanes(repeating: -87.3))
    // n = round(x / ln 2) by the 1.5 * 2^23 trick: t's low mantissa bits then hold n.
    let magic = RecurrentLanes(repeating: 12_582_912)
    let t = clamped * RecurrentLanes(repeating: 1.442_695_04) + magic
    let n = t - magic
    // r = x - n ln 2 in two parts, so r is exact to float precision.
    var r = clamped - n * RecurrentLanes(repeating: 0.693_359_375)
    r = r - n * RecurrentLanes(repeating: -2.121_944_4e-4)
    var p = RecurrentLanes(repeating: 1.987_569_15e-4)
    p = p * r + RecurrentLanes(repeating: 1.398_199_95e-3)
    p = p * r + RecurrentLanes(repeating: 8.333_451_9e-3)
    p = p * r + RecurrentLanes(repeating: 4.166_579_59e-2)
    p = p * r + RecurrentLanes(repeating: 1.666_666_55e-1)
    p = p * r + RecurrentLanes(repeating: 5.000_000_12e-1)
    p = p * (r * r) + r + RecurrentLanes(repeating: 1)
    // 2^n from n's bits: shifting t's bits left by 23 leaves n in the exponent field.
    let scale =
      (unsafeBitCast(t, to: SIMD8<UInt32>.self) &<< 23) &+ SIMD8<UInt32>(repeating: 127 << 23)
    return p * unsafeBitCast(scale, to: RecurrentLanes.self)
  }

  /// 1 / (1 + e^-x).
  @inline(__always)
  static func sigmoid(_ x: RecurrentLanes) -> RecurrentLanes {
    RecurrentLanes(repeating: 1) / (RecurrentLanes(repeating: 1) + exp(-x))
  }

  /// tanh x: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^2|x| + 1) with x's sign.
  @inline(__always)
  static func tanh(_ x: RecurrentLanes) -> RecurrentLanes {
    let signBit = SIMD8<UInt32>(repeating: 0x8000_0000)
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let magnitude = unsafeBitCast(bits & ~signBit, to: RecurrentLanes.self)
    let z = x * x
    var p = RecurrentLanes(repeating: -5.704_988_727_45e-3)
    p = p * z + RecurrentLanes(repeating: 2.063_908_879_54e-2)
    p = p * z + RecurrentLanes(repeating: -5.373_971_555_31e-2)
    p = p * z + RecurrentLanes(repeating: 1.333_144_220_36e-1)
    p = p * z + RecurrentLanes(repeating: -3.333_328_194_22e-1)
    let small = p * z * x + x
    let large =
      RecurrentLanes(repeating: 1) - RecurrentLanes(repeating: 2)
      / (exp(magnitude + magnitude) + RecurrentLanes(repeating: 1))
    let signedLarge = unsafeBitCast(
      unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & signBit), to: RecurrentLanes.self)
    return signedLarge.replacing(with: small, where: magnitude .< RecurrentLanes(repeating: 0.625))
  }

  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>) -> RecurrentLanes {
    UnsafeRawPointer(pointer).loadUnaligned(as: RecurrentLanes.self)
  }

  @inline(__always)
  static func store(_ value: RecurrentLanes, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: RecurrentLanes.self)
  }

  /// The first `count` (< 8) floats at `pointer`, zeros after.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, count: Int) -> RecurrentLanes {
    var value = RecurrentLanes()
    for lane in 0..<count { value[lane] = pointer[lane] }
    return value
  }

  @inline(__always)
  static func store(_ value: RecurrentLanes, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    for lane in 0..<count { pointer[lane] = value[lane] }
  }
}
