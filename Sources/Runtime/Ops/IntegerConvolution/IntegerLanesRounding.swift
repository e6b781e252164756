/// The cheap path of the vector requantization for 8-bit outputs: one rounding of the exact product
/// instead of `Requantizer`'s two, with a per-lane test of the rare lanes where the two can differ.
///
/// For |v| < 2^24 (float32(v) exact) and 0 <= m < 2^24, `P = v * m` is exact in 64 bits. `Requantizer`
/// rounds P to 24 significant bits (half to even: R, a multiple of 2^d with
/// d = max(0, bitlength(|P|) - 24), |R - P| <= 2^(d-1)), then R * 2^-s to an integer (half to even).
/// Write P = q 2^s + f (0 <= f < 2^s) and t = f - 2^(s-1). When |t| > 2^(d-1) and d < s, R stays on
/// P's side of the half point (q + 1/2) 2^s and strictly inside (q - 1/2, q + 3/2) 2^s, so both roundings
/// give q when t < 0 and q + 1 when t > 0: `(P + 2^(s-1)) >> s`, one rounding. Only |t| <= 2^(d-1)
/// (which includes the exact ties, t = 0) needs the exact path.
///
/// d is not known without a leading-zero count, but a bound on it is enough for 8-bit outputs: when the
/// clamp window `[low - zeroPoint, high - zeroPoint]` lies inside [-512, 512], only |P| < 2^(s+9) matters,
/// where d <= s - 15. Beyond it both roundings give results of magnitude 512 or more with P's sign (R
/// does not cross the power of two 2^(s+9)), which the clamp maps to the same bound. So a lane is taken
/// as ambiguous when `-2^(s-15) <= t < 2^(s-15)` (covering |t| <= 2^(s-16), d <= s - 15; about one lane
/// in 2^14), tested without computing t: with `u = P + 2^(s-1) + 2^(s-15)`, the lane is ambiguous
/// exactly when bits s-14..<s of u are all 0 (`(u & (2^s - 2^(s-14))) == 0`). Outside that window
/// `u >> s` is q or q + 1 as `(P + 2^(s-1)) >> s` is (adding 2^(s-15) carries into bit s only when t is
/// in [-2^(s-15), 0)), so u gives both the test and the result.
///
/// Lanes pair up in 64 bits: the even int32 lanes of v are the low halves of its 8 int64 lanes, the odd
/// ones their high halves (one shift down). Each half is a signed 32x32->64 multiply (`vpmuldq`: the
/// mantissas are stored sign-extended per half, and LLVM reads only their low 32 bits), an add, a
/// variable arithmetic shift and a test; the two halves are interleaved back into 16 int32 lanes.
/// Everything per lane (`RoundingLanes`) is computed at load. Parameters outside the range (shifts
/// below 18, mantissas outside 0..<2^24) get a test mask of 0, which makes every vector through them
/// ambiguous: they keep going to the exact path (`RequantizerLanes`) and lane by lane.
extension IntegerLanes {
  struct RoundingLanes {
    /// Per 64-bit lane (even int32 lanes, then odd ones): the mantissa, the shift,
    /// `2^(s-1) + 2^(s-15)` and the ambiguity mask `2^s - 2^(s-14)` (0 for parameters out of range).
    var mantissaEven, mantissaOdd, shiftEven, shiftOdd, roundEven, roundOdd, maskEven, maskOdd: Wide
    /// As `RequantizerLanes.largeBits`: accumulators outside -2^24..<2^24 are ambiguous, except in lanes whose
    /// every result is 0 (their mantissa is 0 here, which gives the 0 whatever the accumulator).
    var largeBits: Vector

    /// Int32 values taken by `RoundingLanes` in a parameter table (`store`, `load`).
    static let valueCount = MemoryLayout<RoundingLanes>.size / 4

    /// From one mantissa and shift per lane (as `Requantizer` holds them), at load.
    init(mantissas: Vector, shifts: Vector) {
      var m = (Wide(), Wide())
      var s = (Wide(), Wide())
      var round = (Wide(), Wide())
      var mask = (Wide(), Wide())
      largeBits = Vector()
      for lane in 0..<16 {
        let (laneM, laneS, valid) = RoundingLanes.normalised(
          Int64(mantissas[lane]), Int64(shifts[lane]))
        let (laneRound, laneMask) = RoundingLanes.constants(laneS, valid: valid)
        largeBits[lane] = laneM == 0 ? 0 : ~0x1FF_FFFF
        let pair = lane / 2
        if lane % 2 == 0 {
          (m.0[pair], s.0[pair], round.0[pair], mask.0[pair]) = (laneM, laneS, laneRound, laneMask)
        } else {
          (m.1[pair], s.1[pair], round.1[pair], mask.1[pair]) = (laneM, laneS, laneRound, laneMask)
        }
      }
      (mantissaEven, mantissaOdd) = m
      (shiftEven, shiftOdd) = s
      (roundEven, roundOdd) = round
      (maskEven, maskOdd) = mask
    }

    /// One requantizer for every lane (a few broadcasts, loop-invariant in the callers).
    @_transparent
    init(_ requantizer: Requantizer) {
      let (m, s, valid) = RoundingLanes.normalised(requantizer.mantissa, Int64(requantizer.shift))
      let (r, k) = RoundingLanes.constants(s, valid: valid)
      // The mantissa as given, not `m`: a value LLVM knows to lie in 0..<2^24 loses the shifts that
      // make `requantize`'s products `vpmuldq` (it would take `vpmullq`). Where the lanes compute it
      // is `m`; where all results are 0 (shift 62), |v * mantissa| < 2^55 still gives 0, not ambiguous;
      // out of range, the mask sends the vector to the exact path.
      mantissaEven = Wide(repeating: Int64(Int32(truncatingIfNeeded: requantizer.mantissa)))
      mantissaOdd = mantissaEven
      shiftEven = Wide(repeating: s)
      shiftOdd = shiftEven
      roundEven = Wide(repeating: r)
      roundOdd = roundEven
      maskEven = Wide(repeating: k)
      maskOdd = maskEven
      largeBits = Vector(repeating: m == 0 ? 0 : ~0x1FF_FFFF)
    }

    /// As `RequantizerLanes` normalises them: a shift of 56 or more or a zero mantissa gives 0 for every
    /// accumulator (mantissa 0, shift 62); `valid` when the parameters are in the path's range.
    @_transparent
    static func normalised(_ m: Int64, _ s: Int64) -> (m: Int64, s: Int64, valid: Bool) {
      let zero = m == 0 || s >= 56
      let valid = zero || (m > 0 && m < 1 << 24 && s >= 18)
      return (zero || !valid ? 0 : m, zero || !valid ? 62 : s, valid)
    }

    /// `2^(s-1) + 2^(s-15)` and the ambiguity mask for a shift from 18 to 62.
    @_transparent
    static func constants(_ s: Int64, valid: Bool) -> (round: Int64, mask: Int64) {
      let round = (Int64(1) &<< (s &- 1)) &+ (Int64(1) &<< (s &- 15))
      let mask = (Int64(1) &<< s) &- (Int64(1) &<< (s &- 14))
      return (round, valid ? mask : 0)
    }

    /// Writes these constants at `values[index...]` (`valueCount` Int32), for `load`.
    func store(into values: inout [Int32], at index: Int) {
      values.withUnsafeMutableBytes {
        $0.storeBytes(of: self, toByteOffset: index * 4, as: RoundingLanes.self)
      }
    }

    /// The constants `store` wrote at `pointer`.
    @_transparent
    static func load(_ pointer: UnsafeRawPointer) -> RoundingLanes {
      pointer.loadUnaligned(as: RoundingLanes.self)
    }

    /// The 16 results `Requantizer.quantize` gives, or nil when the vector needs the exact path: a lane
    /// ambiguous (see the extension's comment), or a clamp window beyond [-512, 512].
    @_transparent
    func requantize(_ v: Vector, zeroPoint: Int32, low: Int32, high: Int32) -> Vector? {
      let lower = Int64(low) &- Int64(zeroPoint)
      let upper = Int64(high) &- Int64(zeroPoint)
      let pairs = unsafeBitCast(v, to: Wide.self)
      // vpmuldq reads the low 32 bits of each 64-bit lane, sign-extended: the shifts below tell LLVM
      // so (and disappear) for the even lanes and the mantissas.
      let thirtyTwo = Wide(repeating: 32)
      let even = (pairs &<< thirtyTwo) &>> thirtyTwo
      let odd = pairs &>> thirtyTwo
      let me = (mantissaEven &<< thirtyTwo) &>> thirtyTwo
      let mo = (mantissaOdd &<< thirtyTwo) &>> thirtyTwo
      let ue = even &* me &+ roundEven
      let uo = odd &* mo &+ roundOdd
      let zero = Wide(repeating: 0)
      let ambiguous = ((ue & maskEven) .== zero) .| ((uo & maskOdd) .== zero)
      let large = (v &+ Vector(repeating: 1 << 24)) & largeBits
      let flags = zero.replacing(with: 1, where: ambiguous)
      let any =
        flags[0] | flags[1] | flags[2] | flags[3] | flags[4] | flags[5] | flags[6] | flags[7]
      guard lower >= -512 && upper <= 512 && any == 0 && !IntegerLanes.anyNonzero(large) else {
        return nil
      }
      let qe = ue &>> shiftEven
      let qo = uo &>> shiftOdd
      // The odd results into the high halves (LLVM makes the two one `vpermt2d`).
      let r = unsafeBitCast((qe & Wide(repeating: 0xFFFF_FFFF)) | (qo &<< thirtyTwo), to: Vector.self)
      // Lane by lane, which LLVM makes `vpmaxsd` and `vpminsd` (a select on a comparison stays a
      // compare and a blend).
      var clamped = r
      for lane in 0..<16 { clamped[lane] = min(max(r[lane], low &- zeroPoint), high &- zeroPoint) }
      return clamped &+ Vector(repeating: zeroPoint)
    }
  }
}
