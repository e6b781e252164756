import XCTest

@testable import Runtime

/// The vector requantizations (`IntegerLanes.requantize` with one requantizer or one per lane) against
/// `Requantizer.quantize`, lane by lane, bit for bit.
final class RequantizerLanesTests: XCTestCase {
  typealias Vector = IntegerLanes.Vector

  /// A float32 scale of every kind: mostly the sizes models use, some with short significands (exact
  /// products, many ties), tiny ones (shifts of 56 and more), subnormal ones, zero, and scales from 32
  /// on (shifts below 18, which take the lane-by-lane path).
  private func randomScale(_ random: inout SeededGenerator) -> Float {
    switch Int.random(in: 0..<16, using: &random) {
    case 0..<7:
      return Float(bitPattern: UInt32.random(in: 0x3000_0000...0x3F80_0000, using: &random))
    case 7..<10:
      let short = Float(Int.random(in: 1...255, using: &random))
      return short
        * Float(sign: .plus, exponent: Int.random(in: -36...(-4), using: &random), significand: 1)
    case 10: return Float(bitPattern: UInt32.random(in: 0x2000_0000...0x3000_0000, using: &random))
    case 11: return Float(bitPattern: UInt32.random(in: 1...0x7F_FFFF, using: &random))
    case 12: return 0
    case 13: return Float(bitPattern: UInt32.random(in: 0x3F80_0000...0x4300_0000, using: &random))
    case 14: return Float(bitPattern: UInt32.random(in: 0x4300_0000...0x4F00_0000, using: &random))
    default: return Float(bitPattern: UInt32.random(in: 0x3400_0000...0x3C00_0000, using: &random))
    }
  }

  /// An accumulator of random magnitude (every bit length up to 32), sometimes a boundary value.
  private func randomAccumulator(_ random: inout SeededGenerator) -> Int32 {
    switch Int.random(in: 0..<32, using: &random) {
    case 0:
      let boundaries: [Int32] = [
        Int32.min, Int32.max, Int32.min + 1, 1 << 24, -(1 << 24), (1 << 24) + 1, -(1 << 24) - 1,
        (1 << 24) - 1, -(1 << 24) + 1, 0, 1, -1,
      ]
      return boundaries[Int.random(in: 0..<boundaries.count, using: &random)]
    default:
      let bits = Int32.random(in: 0...31, using: &random)
      let bound = bits == 31 ? Int32.max : Int32(1) << bits
      return Int32.random(in: -bound...bound, using: &random)
    }
  }

  /// An output range with its zero point: 8-bit ones mostly, some wide, some whose bounds minus the
  /// zero point leave Int32 (where `quantize` saturates first).
  private func randomRange(_ random: inout SeededGenerator) -> (zeroPoint: Int32, low: Int32, high: Int32) {
    switch Int.random(in: 0..<8, using: &random) {
    case 0..<3: return (Int32.random(in: 0...255, using: &random), 0, 255)
    case 3..<6: return (Int32.random(in: -128...127, using: &random), -128, 127)
    case 6: return (Int32.random(in: -1000...1000, using: &random), Int32.min, Int32.max)
    default: return (Int32.random(in: Int32.min...Int32.max, using: &random), Int32.min, Int32.max)
    }
  }

  private var exactVectors = 0
  private var checkedVectors = 0
  private var wideVectors = 0
  private var wideCandidates = 0

  /// Compares both vector functions with `quantize` on 16 accumulators; lane i of the per-lane one
  /// uses `requantizers[i]`, the shared one `requantizers[0]`.
  private func check(
    _ v: Vector, _ requantizers: [Requantizer],
    _ range: (zeroPoint: Int32, low: Int32, high: Int32),
    file: StaticString = #filePath, line: UInt = #line
  ) -> Bool {
    var mantissas = Vector()
    var shifts = Vector()
    for lane in 0..<16 {
      mantissas[lane] = Int32(requantizers[lane].mantissa)
      shifts[lane] = Int32(requantizers[lane].shift)
    }
    let (zeroPoint, low, high) = range
    let perLane = IntegerLanes.requantize(
      v, mantissas: mantissas, shifts: shifts, zeroPoint: zeroPoint, low: low, high: high)
    let shared = IntegerLanes.requantize(
      v, requantizers[0], zeroPoint: zeroPoint, low: low, high: high)
    // Which vectors the exact path took (the rest went lane by lane), to show it is exercised.
    if IntegerLanes.RequantizerLanes(mantissas: mantissas, shifts: shifts).exact(
      v, zeroPoint: zeroPoint, low: low, high: high) != nil
    {
      exactVectors += 1
    }
    checkedVectors += 1
    if IntegerLanes.RequantizerLanes(mantissas: mantissas, shifts: shifts).exact(
      v, zeroPoint: zeroPoint, low: low, high: high) != nil
      && (0..<16).contains(where: {
        Int64(v[$0]).magnitude >= 1 << 24 && requantizers[$0].mantissa != 0
      })
    {
      wideVectors += 1
    }
    for lane in 0..<16 {
      let expected = requantizers[lane].quantize(
        v[lane], zeroPoint: zeroPoint, low: low, high: high)
      let expectedShared = requantizers[0].quantize(
        v[lane], zeroPoint: zeroPoint, low: low, high: high)
      if perLane[lane] != expected || shared[lane] != expectedShared {
        XCTFail(
          "acc \(v[lane]) mantissa \(requantizers[lane].mantissa) shift \(requantizers[lane].shift) "
            + "range \(range): per-lane \(perLane[lane]) != \(expected) or shared \(shared[lane]) "
            + "!= \(expectedShared)", file: file, line: line)
        return false
      }
    }
    return true
  }

  /// Random scales (16 per vector, one per lane) and accumulators of every size: a million lanes.
  func testRandomScalesAndAccumulators() {
    var random = SeededGenerator(seed: 2024)
    for trial in 0..<16_000 {
      // Two thirds of the vectors have scales below 32 (the vector path's range), half of those
      // accumulators below 2^24 too.
      let inRange = trial % 3 != 2
      let small = trial % 3 == 0
      let requantizers = (0..<16).map { _ in
        var r = Requantizer(randomScale(&random))
        while inRange && r.mantissa != 0 && r.shift < 18 { r = Requantizer(randomScale(&random)) }
        return r
      }
      let range = randomRange(&random)
      for _ in 0..<4 {
        var v = Vector()
        for lane in 0..<16 {
          v[lane] = randomAccumulator(&random)
          if small && Int64(v[lane]).magnitude > 1 << 24 { v[lane] >>= 7 + Int32(lane % 2) }
        }
        if !small && inRange { wideCandidates += 1 }
        if !check(v, requantizers, range) { return }
      }
    }
    // The last third mostly has a scale of 32 or more in a lane, some ranges leave Int32.
    XCTAssertGreaterThan(exactVectors, checkedVectors / 2, "of \(checkedVectors)")
    XCTAssertGreaterThan(wideVectors, wideCandidates / 2, "vectors beyond 2^24 on the vector path")
  }

  /// Accumulators whose product lies on, next to, or within float32's rounding step of a half-integer
  /// point `(j + 1/2) * 2^shift`: exact ties, ties created or broken by float32's rounding of the
  /// product, and its own ties (the product halfway between two float32 values). Counts the lanes where
  /// the double rounding differs from rounding the exact product once, so that the cases are covered.
  func testTiesAndDoubleRounding() {
    var random = SeededGenerator(seed: 99)
    var doubleRounded = 0
    var ties = 0
    var floatTies = 0
    for trial in 0..<6_000 {
      // Requantizers with results in the 8-bit range for accumulators up to 2^24.
      let scale: Float
      if trial % 2 == 0 {
        scale = Float(bitPattern: UInt32.random(in: 0x3300_0000...0x3F00_0000, using: &random))
      } else {
        let short = Float(Int.random(in: 1...4095, using: &random) | 1)
        scale =
          short
          * Float(
            sign: .plus, exponent: Int.random(in: -40...(-10), using: &random), significand: 1)
      }
      let requantizer = Requantizer(scale)
      guard requantizer.mantissa != 0 else { continue }
      let m = requantizer.mantissa
      let s = requantizer.shift
      guard s >= 18 && s < 62 else { continue }
      var v = Vector()
      for lane in 0..<16 {
        // A half-integer point below 2^24 * m, the accumulator nearest to it, and a small offset.
        let maxJ = min((Int64(1) << 24) * m >> Int64(s), 300)
        let j = Int64.random(in: -maxJ...maxJ, using: &random)
        let point = (2 * j + 1) << Int64(s - 1)
        let nearest = (point + m / 2) / m
        let offset = Int64.random(in: -2...2, using: &random)
        var acc = Int32(clamping: nearest + (lane < 8 ? 0 : offset))
        // An exact tie: acc * m = q * oddPart(m) * 2^(shift - 1) with q odd.
        let t = m.trailingZeroBitCount
        let odd = m >> Int64(t)
        // float32's own tie: acc = q * 2^e with q * oddPart(m) odd and of 25 bits, so the product is
        // halfway between two float32 values; e puts the result near 2^0...2^7.
        let (qLow, qHigh) = (((1 << 24) + odd - 1) / odd, ((1 << 25) - 1) / odd)
        let e = s - 24 - t + Int.random(in: 0...7, using: &random)
        if lane >= 8 && lane < 12 && qLow <= qHigh && e >= 0 {
          var q = Int64.random(in: qLow...qHigh, using: &random) | 1
          if q > qHigh { q -= 2 }
          if q >= qLow && (q << Int64(e)) <= 1 << 24 {
            acc = Int32(lane % 2 == 0 ? q << Int64(e) : -(q << Int64(e)))
          }
        }
        if lane >= 12 && s - 1 - t <= 24 {
          let q =
            Int64.random(in: 0...min(255, (Int64(1) << 24) >> Int64(s - 1 - t)) / 2, using: &random)
            * 2 + 1
          acc = Int32(clamping: (lane % 2 == 0 ? q : -q) << Int64(s - 1 - t))
        }
        v[lane] = acc
        let p = Int64(acc) * m
        if Int64(acc).magnitude <= 1 << 24 {
          let single = Requantizer.roundingShift(p, s)
          if Int64(requantizer.apply(acc)) != single { doubleRounded += 1 }
          if p & ((Int64(1) << Int64(s)) - 1) == Int64(1) << Int64(s - 1) { ties += 1 }
          let d = 40 - p.magnitude.leadingZeroBitCount
          if d >= 1 && p & ((Int64(1) << Int64(d)) - 1) == Int64(1) << Int64(d - 1) {
            floatTies += 1
          }
        }
      }
      let ranges: [(Int32, Int32, Int32)] = [
        (128, 0, 255), (0, -128, 127), (0, Int32.min, Int32.max),
      ]
      let range = ranges[trial % 3]
      if !check(v, [Requantizer](repeating: requantizer, count: 16), range) { return }
    }
    XCTAssertGreaterThan(exactVectors, checkedVectors * 3 / 4, "of \(checkedVectors)")
    print(
      "requantizer lanes: \(doubleRounded) double-rounded lanes, \(ties) ties, \(floatTies) float32 ties, \(exactVectors) of \(checkedVectors) vectors exact"
    )
    XCTAssertGreaterThan(
      doubleRounded, 1_000, "lanes whose double rounding differs from a single one")
    XCTAssertGreaterThan(ties, 1_000, "lanes whose product is exactly a half-integer point")
    XCTAssertGreaterThan(
      floatTies, 1_000, "lanes whose product is halfway between two float32 values")
  }

  /// The hardest case: the product is halfway between two float32 values, one of which is a
  /// half-integer point `(2j + 1) * 2^(shift - 1)`: `P = (2j + 1) * 2^(shift - 1) ± 2^(d - 1)` with
  /// `d = bitlength(P) - 24`. float32 rounds it to the even neighbour, then the result rounds half to
  /// even again; rounding either step differently changes the result. Built from short significands
  /// (mantissa = odd * 2^t), where the accumulator `P / mantissa` is an integer for some j.
  func testFloat32TieOnHalfPoint() {
    var random = SeededGenerator(seed: 31)
    var lanes: [(Int32, Requantizer)] = []
    var differing = 0
    var tries = 0
    while lanes.count < 16 * 400 && tries < 100_000 {
      tries += 1
      let odd = Int64.random(in: 0...127, using: &random) * 2 + 1
      let t = Int64(24 - (64 - odd.leadingZeroBitCount))
      let s = Int.random(in: 18...40, using: &random)
      let requantizer = Requantizer(mantissa: odd << t, shift: s)
      let sign: Int64 = Bool.random(using: &random) ? 1 : -1
      for j in Int64.random(in: 0...64, using: &random)..<300 {
        let bits = Int64(64 - (2 * j + 1).leadingZeroBitCount)
        let d = Int64(s) - 25 + bits
        guard d >= 1 && t <= d - 1 else { continue }
        let inner = (2 * j + 1) << (Int64(s) - d) + sign
        guard inner % odd == 0 else { continue }
        let p = inner << (d - 1)
        guard 64 - p.magnitude.leadingZeroBitCount == 24 + d, p % (odd << t) == 0 else { continue }
        let acc = p / (odd << t)
        guard acc.magnitude <= 1 << 24 else { continue }
        let negate = Bool.random(using: &random)
        let value = Int32(negate ? -acc : acc)
        if Int64(requantizer.apply(value))
          != Requantizer.roundingShift(Int64(value) * (odd << t), s)
        {
          differing += 1
        }
        lanes.append((value, requantizer))
        break
      }
    }
    for start in stride(from: 0, to: lanes.count, by: 16) {
      var v = Vector()
      for lane in 0..<16 { v[lane] = lanes[start + lane].0 }
      let requantizers = (0..<16).map { lanes[start + $0].1 }
      if !check(v, requantizers, (0, Int32.min, Int32.max)) { return }
      if !check(v, requantizers, (0, -128, 127)) { return }
    }
    XCTAssertEqual(exactVectors, checkedVectors)
    XCTAssertGreaterThan(differing, 1_000, "lanes where float32's tie changes the result")
  }

  /// Shifts of 56 and more, zero mantissas and subnormal scales give 0 (plus the zero point) for every
  /// accumulator; mixed with ordinary lanes in one vector.
  func testZeroResultsAndMixedLanes() {
    var random = SeededGenerator(seed: 5)
    for trial in 0..<500 {
      var requantizers: [Requantizer] = []
      for lane in 0..<16 {
        switch (trial + lane) % 5 {
        case 0: requantizers.append(Requantizer(0))
        case 1:
          requantizers.append(
            Requantizer(mantissa: 0x80_0000 | Int64(lane), shift: 56 + trial % 100))
        case 2: requantizers.append(Requantizer(Float(bitPattern: UInt32(lane + 1))))
        default: requantizers.append(Requantizer(randomScale(&random)))
        }
      }
      var v = Vector()
      for lane in 0..<16 { v[lane] = randomAccumulator(&random) }
      if !check(v, requantizers, randomRange(&random)) { return }
    }
    XCTAssertEqual(
      IntegerLanes.requantize(
        Vector(repeating: Int32.max), mantissas: Vector(repeating: 0x80_0000),
        shifts: Vector(repeating: 56), zeroPoint: 7, low: 0, high: 255),
      Vector(repeating: 7))
  }

  /// Hand-picked values: scale 0.5 ties at both signs, 2^-20 with accumulators at 2^24, and a scale
  /// whose product is rounded by float32 onto a half point.
  func testKnownValues() {
    let half = Requantizer(0.5)
    var v = Vector()
    for lane in 0..<11 { v[lane] = Int32(lane - 5) }
    let got = IntegerLanes.requantize(v, half, zeroPoint: 0, low: -128, high: 127)
    XCTAssertEqual((0..<11).map { got[$0] }, [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2])
    let small = Requantizer(Float(sign: .plus, exponent: -20, significand: 1))
    let big = IntegerLanes.requantize(
      Vector(repeating: (1 << 24) + 8), small, zeroPoint: 0, low: -128, high: 127)
    XCTAssertEqual(big, Vector(repeating: 16))
    // 12582911 * (1 - 2^-24) = 12582910.25, which float32 (24 significant bits) rounds to 12582910.
    let nearOne = Requantizer(Float(bitPattern: 0x3F7F_FFFF))
    let wide = IntegerLanes.requantize(
      Vector(repeating: 12_582_911), nearOne, zeroPoint: 0, low: Int32.min, high: Int32.max)
    XCTAssertEqual(wide, Vector(repeating: 12_582_910))
  }

  /// An accumulator v whose product with `m` (= odd * 2^k) has the low `s` bits `f` (a multiple of
  /// 2^k) and `v * m / 2^s` near `near`, or nil when none is below 2^24 in magnitude.
  private func accumulator(mantissa m: Int64, shift s: Int, low f: Int64, near: Int64) -> Int32? {
    let k = m.trailingZeroBitCount
    let odd = m >> Int64(k)
    let e = s - k
    guard e >= 1 && e <= 30 else { return nil }
    let modulus = Int64(1) << Int64(e)
    var inverse = odd  // Newton's iteration for odd^-1 mod 2^e
    for _ in 0..<6 { inverse = (inverse &* (2 &- odd &* inverse)) & (modulus - 1) }
    let v0 = ((f >> Int64(k)) &* inverse) & (modulus - 1)
    // v = v0 + n 2^e keeps the low bits of v * m; v * odd / 2^e is the result.
    let n = (near * modulus / odd - v0) / modulus
    let v = v0 + n * modulus
    guard v.magnitude < 1 << 24 else { return nil }
    return Int32(v)
  }

  /// The single-rounding path's test of ambiguous lanes, at its edges: products whose low `s` bits lie
  /// at `2^(s-1) + t` for t on, next to and around the bound `|t| <= 2^(s-16)` the double rounding needs
  /// (results up to 511, where float32 drops up to s - 15 bits) and the test's window
  /// `[-2^(s-15), 2^(s-15))`, exact ties, accumulators at 2^24 - 1 and 2^24, clamp windows at and
  /// beyond ±512. Every lane within the bound must send its vector to the exact path; vectors whose lanes
  /// all lie just outside the window must take the fast path.
  func testSingleRoundingAmbiguityBound() {
    var random = SeededGenerator(seed: 77)
    let ranges: [(Int32, Int32, Int32)] = [
      (128, 0, 255), (0, -128, 127), (-3, -128, 127), (255, 0, 255), (0, -512, 512),
      (0, -511, 511), (5, -507, 517), (0, -513, 513), (0, -500, 500), (-1, -512, 511),
    ]
    var fastVectors = 0
    var ambiguousLanes = 0
    var outsideLanes = 0
    for trial in 0..<20_000 {
      // m = odd * 2^k with bit 23 set (a float32 significand with a short odd part), or a short m.
      let odd = Int64.random(in: 0...127, using: &random) * 2 + 1
      let k = trial % 8 == 0 ? 0 : 24 - (64 - odd.leadingZeroBitCount)
      let m = odd << Int64(k)
      let s = Int.random(in: max(18, k + 1)...min(55, k + 24), using: &random)
      let requantizer = Requantizer(mantissa: m, shift: s)
      let bound = Int64(1) << Int64(s - 16)
      let window = Int64(1) << Int64(s - 15)
      let step = Int64(1) << Int64(k)
      // Offsets t from the half point: in the ambiguity bound (first), or just outside the window.
      let inside: [Int64] = [0, bound, -bound, bound - step, -bound + step, step, -step, -window]
      let outside: [Int64] = [window, window + step, -window - step, 2 * window, -2 * window, 3 * bound]
      let edge = trial % 2 == 0
      var v = Vector()
      var ambiguous = false
      for lane in 0..<16 {
        let offsets = edge && lane == trial % 16 ? inside : outside
        let t = offsets[Int.random(in: 0..<offsets.count, using: &random)]
        let f = (Int64(1) << Int64(s - 1)) + t
        // Results over the whole 9-bit range, both signs, the largest float32 steps near ±511.
        let near = Int64.random(in: -520...520, using: &random)
        guard f % step == 0, t.magnitude < Int64(1) << Int64(s - 2),
          let acc = accumulator(mantissa: m, shift: s, low: f, near: near)
        else {
          v[lane] = Int32(near)
          continue
        }
        v[lane] = acc
        let p = Int64(acc) * m
        let low = p & ((Int64(1) << Int64(s)) - 1)
        XCTAssertEqual(low, f, "m \(m) s \(s) acc \(acc) t \(t)")
        if t.magnitude <= bound && (p >> Int64(s)).magnitude < 512 {
          ambiguous = true
          ambiguousLanes += 1
        }
        if offsets == outside { outsideLanes += 1 }
      }
      // Accumulators at 2^24 - 1 and 2^24 in some vectors.
      if trial % 16 == 1 { v[3] = (1 << 24) - 1 }
      if trial % 16 == 3 { v[5] = -(1 << 24) }
      if trial % 16 == 5 {
        v[7] = 1 << 24
        ambiguous = true
      }
      let range = ranges[trial % ranges.count]
      let rounding = IntegerLanes.RoundingLanes(
        mantissas: Vector(repeating: Int32(m)), shifts: Vector(repeating: Int32(s)))
      let fast = rounding.requantize(v, zeroPoint: range.0, low: range.1, high: range.2)
      if ambiguous {
        XCTAssertNil(fast, "a lane within 2^(s-16) of the half point, s \(s), m \(m), v \(v)")
      }
      if fast != nil { fastVectors += 1 }
      if !check(v, [Requantizer](repeating: requantizer, count: 16), range) { return }
    }
    XCTAssertGreaterThan(ambiguousLanes, 3_000)
    print(
      "single rounding: \(ambiguousLanes) lanes within the bound, \(outsideLanes) outside, \(fastVectors) fast vectors")
    XCTAssertGreaterThan(outsideLanes, 100_000)
    XCTAssertGreaterThan(fastVectors, 6_000, "vectors just outside the window on the fast path")
  }

  /// Clamp windows beyond [-512, 512] and parameters out of the fast path's range leave it.
  func testSingleRoundingLeavesWideWindows() {
    let rounding = IntegerLanes.RoundingLanes(Requantizer(Float(0.01)))
    let v = Vector(repeating: 1000)
    XCTAssertEqual(rounding.requantize(v, zeroPoint: 0, low: -128, high: 127), Vector(repeating: 10))
    XCTAssertEqual(rounding.requantize(v, zeroPoint: 0, low: -512, high: 512), Vector(repeating: 10))
    XCTAssertNil(rounding.requantize(v, zeroPoint: 0, low: -513, high: 512))
    XCTAssertNil(rounding.requantize(v, zeroPoint: 0, low: -512, high: 513))
    XCTAssertNil(rounding.requantize(v, zeroPoint: 1000, low: 0, high: 255))
    XCTAssertNil(IntegerLanes.RoundingLanes(Requantizer(64)).requantize(v, zeroPoint: 0, low: 0, high: 255))
    var shifts = Vector(repeating: 30)
    shifts[9] = 17
    XCTAssertNil(
      IntegerLanes.RoundingLanes(mantissas: Vector(repeating: 0x80_0000), shifts: shifts).requantize(
        v, zeroPoint: 0, low: 0, high: 255))
  }
}

extension IntegerLanes {
  /// The per-lane requantization with its single-rounding constants computed on the spot (kernels
  /// pack them at load).
  static func requantize(
    _ v: Vector, mantissas: Vector, shifts: Vector, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Vector {
    requantize(
      v, RoundingLanes(mantissas: mantissas, shifts: shifts), mantissas: mantissas, shifts: shifts,
      zeroPoint: zeroPoint, low: low, high: high)
  }
}
