/// Exact requantization of 16 int32 accumulators at once, integers only: lane i gives, bit for bit,
/// `Requantizer(mantissa: m_i, shift: s_i).quantize(v_i, zeroPoint:low:high:)`.
///
/// `Requantizer.apply` rounds twice, as ONNX Runtime's float32 arithmetic does: for |v| <= 2^24
/// (float32(v) exact), `P = v * m` (at most 48 bits, exact in 64) is rounded to 24 significant bits,
/// half to even (the float32 multiply), i.e. to a multiple of 2^d with d = max(0, bitlength(|P|) - 24);
/// that value times 2^-s is then rounded to an integer, half to even. Here both roundings are done on
/// 64-bit lanes (8 per vector), in P's own units so that no per-lane `s - d` is needed:
/// - `mask = 2^d - 1 = (2^40 - 1) >> lzcnt(|P|)`, `half = 2^39 >> lzcnt(|P|)` (0 when d = 0);
/// - `t = P + half`, rounded half up: `t & ~mask`; a tie (`t & mask == 0`) also clears bit d, which
///   makes the multiple of 2^d even (a no-op when d = 0, as `2 * half` is 0 then);
/// - the result: `(R + 2^(s-1) - 1 + bit s of R) >> s`, the rounding shift of `Requantizer`; when
///   d >= s, R is a multiple of 2^s and this is the exact quotient, as `apply`'s left shift gives.
/// On x86-64 with AVX-512 every step is one instruction (`vpmuldq`, `vpabsq`, `vplzcntq`, `vpsrlvq`,
/// `vptestnmq`, `vpandnq` under the tie mask, `vpsravq`, ...): about 17 per 8 lanes, no branch per lane.
///
/// The path covers every lane with -2^24 <= v < 2^24 once the parameters are normalised: a shift of 56
/// or more or a zero mantissa gives 0 for every accumulator (|v * scale| < 2^31 * 2^24 * 2^-56 = 1/2),
/// so lanes with such parameters get mantissa 0, shift 62 and no limit on the accumulator. Shifts from
/// 18 on keep |result| <= 2^48 / 2^18 in int32, so the clamp is done on 32-bit lanes. A vector with a
/// larger accumulator (a bias quantized with a near-zero weight scale) takes `requantizeWide`, still on
/// vectors. Parameters with a shift below 18 (scales of 32 and more) or a mantissa outside 0..<2^24,
/// or bounds `low - zeroPoint`, `high - zeroPoint` outside Int32 (where `quantize`'s saturation to
/// Int32 would matter), go lane by lane through `Requantizer.quantize`.
///
/// For 8-bit outputs, `requantize` first tries `RoundingLanes` (IntegerLanesRounding.swift): one
/// rounding of the exact product, about 22 instructions per 16 lanes, with a per-lane test of the rare
/// lanes (about one in 2^14) where it could differ from the double rounding; a vector with such a lane
/// comes here (`requantizeSlow`, `exact`). `LaneRequantizers` (the NCHW depthwise kernel) still uses
/// `fits` and `fast` directly.
///
/// The functions on the hot path are `@_transparent`: the SIL inliner takes `@inline(__always)` callees
/// of more than 64 blocks (SIMD code over 16 lanes is that large before LLVM vectorizes it) only into
/// callers of fewer than 64, so the requantization stayed a call, with its vectors passed through
/// memory, in the convolutions' output stages.
extension IntegerLanes {
  /// The 16 requantizers of a vector, normalised for `exact` (see the extension's comment).
  struct RequantizerLanes {
    var mantissaLow, mantissaHigh, shiftLow, shiftHigh, biasLow, biasHigh: Wide
    /// The bits an accumulator plus 2^24 must not have (`fits`): all from 25 on in the lanes that
    /// compute, none in those whose every result is 0 (shift of 56 or more, zero mantissa; their
    /// mantissa 0 gives the zeros whatever the accumulator), so that a large accumulator there (a bias
    /// quantized with a near-zero scale, as an all-zero filter has) keeps the vector on the fast path.
    var largeBits: Vector
    /// Whether every lane's parameters are in the exact path's range.
    var vector: Bool

    /// From one mantissa and shift per lane (as `Requantizer` holds them).
    @_transparent
    init(mantissas: Vector, shifts: Vector) {
      let maximum = Vector(repeating: 62)
      let zero = (shifts .>= Vector(repeating: 56)) .| (mantissas .== Vector(repeating: 0))
      largeBits = Vector(repeating: ~0x1FF_FFFF).replacing(with: 0, where: zero)
      let s = shifts.replacing(with: maximum, where: zero)
      let shortShift = Vector(repeating: 0).replacing(with: 1, where: s .< Vector(repeating: 18))
      vector = !anyNonzero(shortShift | (mantissas & Vector(repeating: ~0xFF_FFFF)))
      let m = mantissas.replacing(with: 0, where: zero)
      mantissaLow = widenLow(m)
      mantissaHigh = widenHigh(m)
      shiftLow = widenLow(s)
      shiftHigh = widenHigh(s)
      let one = Wide(repeating: 1)
      biasLow = (one &<< (shiftLow &- one)) &- one
      biasHigh = (one &<< (shiftHigh &- one)) &- one
    }

    /// One requantizer for every lane.
    @_transparent
    init(_ requantizer: Requantizer) {
      let valid = requantizer.mantissa >= 0 && requantizer.mantissa < 1 << 24
      let zero = requantizer.mantissa == 0 || requantizer.shift >= 56
      let m = zero ? 0 : requantizer.mantissa
      let s = zero ? 62 : requantizer.shift
      // Mantissa 0 alone gives the zeros (`requantize` returns before that): no lane to spare.
      largeBits = Vector(repeating: ~0x1FF_FFFF)
      vector = valid && s >= 18
      mantissaLow = Wide(repeating: Int64(Int32(truncatingIfNeeded: m)))
      mantissaHigh = mantissaLow
      shiftLow = Wide(repeating: Int64(s))
      shiftHigh = shiftLow
      biasLow = Wide(repeating: (Int64(1) &<< Int64(max(s, 1) &- 1)) &- 1)
      biasHigh = biasLow
    }

    /// Whether `fast` gives the 16 results: parameters and bounds in range, every accumulator in
    /// -2^24..<2^24 (see the extension's comment).
    @_transparent
    func fits(_ v: Vector, zeroPoint: Int32, low: Int32, high: Int32) -> Bool {
      let lower = Int64(low) &- Int64(zeroPoint)
      let upper = Int64(high) &- Int64(zeroPoint)
      // -2^24 <= v < 2^24: v + 2^24 has no bit from 25 on.
      let large = (v &+ Vector(repeating: 1 << 24)) & largeBits
      return vector && lower >= Int64(Int32.min) && upper <= Int64(Int32.max) && !anyNonzero(large)
    }

    /// The 16 results when `fits(v, ...)`.
    @_transparent
    func fast(_ v: Vector, zeroPoint: Int32, low: Int32, high: Int32) -> Vector {
      let r = join(
        IntegerLanes.roundTwice(widenLow(v), mantissaLow, shiftLow, biasLow),
        IntegerLanes.roundTwice(widenHigh(v), mantissaHigh, shiftHigh, biasHigh))
      let lowerLanes = Vector(repeating: low &- zeroPoint)
      let upperLanes = Vector(repeating: high &- zeroPoint)
      let raised = r.replacing(with: lowerLanes, where: r .< lowerLanes)
      let clamped = raised.replacing(with: upperLanes, where: raised .> upperLanes)
      return clamped &+ Vector(repeating: zeroPoint)
    }

    /// The 16 results on vectors (`fast`, or `requantizeWide` for accumulators beyond 2^24), or nil
    /// when the vector must go lane by lane (see the extension's comment). For the callers' slow
    /// paths, out of line.
    @inline(__always)
    func exact(_ v: Vector, zeroPoint: Int32, low: Int32, high: Int32) -> Vector? {
      let lower = Int64(low) &- Int64(zeroPoint)
      let upper = Int64(high) &- Int64(zeroPoint)
      guard vector, lower >= Int64(Int32.min), upper <= Int64(Int32.max) else { return nil }
      if fits(v, zeroPoint: zeroPoint, low: low, high: high) {
        return fast(v, zeroPoint: zeroPoint, low: low, high: high)
      }
      return IntegerLanes.requantizeWide(v, self, lower: lower, upper: upper, zeroPoint: zeroPoint)
    }
  }

  /// Whether a lane is not 0: an OR of 0/1 flags, which LLVM makes one `vptestmd` and `kortestw` (the
  /// generic `any` and `SIMD.min` stay calls in large callers).
  @_transparent
  static func anyNonzero(_ x: Vector) -> Bool {
    let f = Vector(repeating: 0).replacing(with: 1, where: x .!= Vector(repeating: 0))
    return f[0] | f[1] | f[2] | f[3] | f[4] | f[5] | f[6] | f[7] | f[8] | f[9] | f[10] | f[11]
      | f[12] | f[13] | f[14] | f[15] != 0
  }

  /// `round_half_even(round_float32(v * m) * 2^-s)` lane by lane, for |v| <= 2^24, 0 <= m < 2^24,
  /// 1 <= s <= 62 and `bias = 2^(s-1) - 1` (the extension's comment). v and m are used as int32 (one
  /// `vpmuldq`).
  @_transparent
  static func roundTwice(_ v: Wide, _ m: Wide, _ s: Wide, _ bias: Wide) -> Wide {
    let rounded = roundToFloat32(v &* m)
    return (rounded &+ bias &+ ((rounded &>> s) & Wide(repeating: 1))) &>> s
  }

  /// `x` rounded to 24 significant bits, half to even, in x's own units (a multiple of 2^d), for
  /// |x| < 2^63 (the extension's comment).
  @_transparent
  static func roundToFloat32(_ x: Wide) -> Wide {
    // lzcnt is 64 for x = 0, taken as 0 by the shifts: the mask is then 2^40 - 1 and the result still 0.
    let zeros = magnitude(x).leadingZeroBitCount
    let mask = Wide(repeating: (1 << 40) - 1) &>> zeros
    let half = Wide(repeating: 1 << 39) &>> zeros
    let t = x &+ half
    let up = t & ~mask
    return up.replacing(with: up & ~(half &+ half), where: (t & mask) .== Wide(repeating: 0))
  }

  /// The vectors with an accumulator outside -2^24..<2^24 (rare: a bias quantized with a tiny scale),
  /// still on vectors: float32(v) rounded first (|v| <= 2^31, |float32(v)| <= 2^31 taken unsigned
  /// by `vpmuludq`), the product (up to 2^55) rounded to 24 bits, the result (up to 2^37) clamped on
  /// 64-bit lanes.
  @inline(__always)
  static func requantizeWide(
    _ v: Vector, _ lanes: RequantizerLanes, lower: Int64, upper: Int64, zeroPoint: Int32
  ) -> Vector {
    let lowerLanes = Wide(repeating: lower)
    let upperLanes = Wide(repeating: upper)
    let r = join(
      clamp(
        roundTwiceWide(widenLow(v), lanes.mantissaLow, lanes.shiftLow, lanes.biasLow), lowerLanes,
        upperLanes),
      clamp(
        roundTwiceWide(widenHigh(v), lanes.mantissaHigh, lanes.shiftHigh, lanes.biasHigh),
        lowerLanes, upperLanes))
    return r &+ Vector(repeating: zeroPoint)
  }

  /// `roundTwice` for any int32 v: float32(v) first, its magnitude (at most 2^31) multiplied unsigned.
  @_transparent
  static func roundTwiceWide(_ v: Wide, _ m: Wide, _ s: Wide, _ bias: Wide) -> Wide {
    let value = roundToFloat32(v)
    let sign = value &>> 63
    let unsigned = ((value ^ sign) &- sign) & Wide(repeating: 0xFFFF_FFFF)
    let product = ((unsigned &* (m & Wide(repeating: 0xFF_FFFF))) ^ sign) &- sign
    let rounded = roundToFloat32(product)
    return (rounded &+ bias &+ ((rounded &>> s) & Wide(repeating: 1))) &>> s
  }

  /// The 8-bit results of 16 accumulators that share one requantizer:
  /// `requantizer.quantize(v[i], zeroPoint:low:high:)` for every lane, bit for bit (see above).
  @_transparent
  static func requantize(
    _ v: Vector, _ requantizer: Requantizer, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    let m = requantizer.mantissa
    if m == 0 || (requantizer.shift >= 56 && m > 0 && m < 1 << 24) {
      // Every result is 0 (see above): the zero point, clamped.
      return Vector(repeating: min(max(zeroPoint, low), high))
    }
    if let q = RoundingLanes(requantizer).requantize(v, zeroPoint: zeroPoint, low: low, high: high) {
      return q
    }
    return requantizeSlow(v, requantizer, zeroPoint: zeroPoint, low: low, high: high)
  }

  /// Per-lane requantizers, one output channel per lane (the channels-last kernels): lane i uses
  /// `Requantizer(mantissa: mantissas[i], shift: shifts[i])`, bit for bit `Requantizer.quantize`.
  /// `rounding` is `RoundingLanes(mantissas: mantissas, shifts: shifts)`, computed at load.
  @_transparent
  static func requantize(
    _ v: Vector, _ rounding: RoundingLanes, mantissas: Vector, shifts: Vector, zeroPoint: Int32,
    low: Int32, high: Int32
  ) -> Vector {
    if let q = rounding.requantize(v, zeroPoint: zeroPoint, low: low, high: high) { return q }
    return requantizeSlow(
      v, mantissas: mantissas, shifts: shifts, zeroPoint: zeroPoint, low: low, high: high)
  }

  /// The rare vectors outside the fast path, out of line to keep the callers' loops small (and their
  /// parameters in registers): on vectors when `exact` takes them, else lane by lane.
  @inline(never)
  static func requantizeSlow(
    _ v: Vector, _ requantizer: Requantizer, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    if let result = RequantizerLanes(requantizer).exact(
      v, zeroPoint: zeroPoint, low: low, high: high)
    {
      return result
    }
    var result = Vector()
    for lane in 0..<16 {
      result[lane] = requantizer.quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high)
    }
    return result
  }

  @inline(never)
  static func requantizeSlow(
    _ v: Vector, mantissas: Vector, shifts: Vector, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    if let result = RequantizerLanes(mantissas: mantissas, shifts: shifts).exact(
      v, zeroPoint: zeroPoint, low: low, high: high)
    {
      return result
    }
    var result = Vector()
    for lane in 0..<16 {
      let requantizer = Requantizer(mantissa: Int64(mantissas[lane]), shift: Int(shifts[lane]))
      result[lane] = requantizer.quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high)
    }
    return result
  }
}
