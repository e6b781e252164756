import CSupport
import XCTest

@testable import Runtime

/// The C output stage (csupport_requant.h) against `Requantizer.quantize`, lane by lane: every vector it
/// writes must hold the scalar results, and it must stop exactly at the vectors the Swift single
/// rounding (`RoundingLanes.requantize`) refuses, which the kernels then finish on the exact path.
final class RequantizeNativeTests: XCTestCase {
  typealias Vector = IntegerLanes.Vector

  override func setUpWithError() throws {
    try XCTSkipUnless(oq_has_lane_requantize() == 1, "no AVX-512 on this CPU")
  }

  /// The C offsets name the fields of the Swift records.
  func testRecordLayoutMatchesC() {
    typealias R = IntegerLanes.RoundingLanes
    let base = 192
    let fields: [(PartialKeyPath<R>, Int32)] = [
      (\R.mantissaEven, OQ_REQUANT_MANTISSA_EVEN), (\R.mantissaOdd, OQ_REQUANT_MANTISSA_ODD),
      (\R.largeBits, OQ_REQUANT_LARGE_BITS),
    ]
    for (path, offset) in fields { XCTAssertEqual(base + MemoryLayout<R>.offset(of: path)!, Int(offset)) }
    typealias N = IntegerChannelsLastKernel.NativeLanes
    let native = base + MemoryLayout<R>.size
    let nativeFields: [(PartialKeyPath<N>, Int32)] = [
      (\N.constant, OQ_REQUANT_NATIVE_CONSTANT), (\N.roundEven, OQ_REQUANT_NATIVE_ROUND_EVEN),
      (\N.roundOdd, OQ_REQUANT_NATIVE_ROUND_ODD), (\N.shiftEven, OQ_REQUANT_NATIVE_SHIFT_EVEN),
      (\N.shiftOdd, OQ_REQUANT_NATIVE_SHIFT_ODD), (\N.maskEven, OQ_REQUANT_NATIVE_MASK_EVEN),
      (\N.maskOdd, OQ_REQUANT_NATIVE_MASK_ODD),
    ]
    for (path, offset) in nativeFields { XCTAssertEqual(native + MemoryLayout<N>.offset(of: path)!, Int(offset)) }
    XCTAssertEqual(IntegerChannelsLastKernel.laneValues * 4, native + MemoryLayout<N>.size)
  }

  struct Channels {
    var requantizers: [Requantizer]
    var constants: [Int32]
  }

  /// Per-channel requantizers as real models have them (scales from 1e-7 to 0.1), with dead channels
  /// (scale 0) and shifts past 56 among them, and constants up to ±2^20.
  static func channels(_ m: Int, _ rng: inout SeededGenerator) -> Channels {
    var requantizers: [Requantizer] = []
    var constants: [Int32] = []
    for channel in 0..<m {
      let scale: Float =
        channel % 11 == 5 ? 0 : channel % 13 == 7 ? 1e-19 : Float(pow(10, Double.random(in: -7 ... -1, using: &rng)))
      requantizers.append(Requantizer(scale))
      constants.append(Int32.random(in: -(1 << 20)...(1 << 20), using: &rng))
    }
    return Channels(requantizers: requantizers, constants: constants)
  }

  /// A sum for `channel`: mostly ordinary, some within one step of a rounding half point (where the
  /// single rounding may not settle the result), some beyond ±2^24.
  static func sum(_ requantizer: Requantizer, constant: Int32, _ rng: inout SeededGenerator) -> Int32 {
    let kind = Int.random(in: 0..<16, using: &rng)
    if kind == 0 { return Int32.random(in: Int32.min / 2...Int32.max / 2, using: &rng) &- constant }
    if kind <= 3 && requantizer.mantissa > 0 && requantizer.shift < 62 {
      // v * m / 2^s = q + 1/2, rounded to an integer v, then nudged.
      let q = Double(Int.random(in: -300...300, using: &rng)) + 0.5
      let v = (q * Double(Int64(1) << Int64(requantizer.shift)) / Double(requantizer.mantissa)).rounded()
      if v.magnitude < Double(1 << 30) {
        return Int32(v) &+ Int32.random(in: -1...1, using: &rng) &- constant
      }
    }
    return Int32.random(in: -(1 << 21)...(1 << 21), using: &rng)
  }

  func testRowsMatchTheScalarRequantizer() {
    var rng = SeededGenerator(seed: 9100)
    var deferred = 0
    var written = 0
    for trial in 0..<120 {
      let m = [16, 20, 37, 64, 8, 3, 48][trial % 7]
      let rows = 1 + trial % 13
      let vectors = (m + 15) / 16
      let starts = (0..<vectors).map { m >= 16 ? min(16 * $0, m - 16) : 0 }
      let channels = Self.channels(m, &rng)
      let ySigned = trial % 2 == 1
      let (low, high): (Int32, Int32) = ySigned ? (-128, 127) : (0, 255)
      let zeroPoint = Int32.random(in: low...high, using: &rng)
      let values = IntegerChannelsLastKernel.laneParameters(
        vectors: vectors, mantissas: channels.requantizers.map { Int32(truncatingIfNeeded: $0.mantissa) },
        shifts: channels.requantizers.map { Int32($0.shift) }, constants: channels.constants,
        zeroPoint: zeroPoint
      ) { v, lane in starts[v] + lane < m ? starts[v] + lane : nil }
      let bias: [Int32]? = trial % 3 == 0 ? (0..<m).map { _ in Int32.random(in: -5000...5000, using: &rng) } : nil
      let width = vectors * 16
      var acc = [Int32](repeating: 0, count: rows * width)
      for r in 0..<rows {
        for channel in 0..<m {
          let s = Self.sum(channels.requantizers[channel], constant: channels.constants[channel], &rng)
          for v in 0..<vectors where channel >= starts[v] && channel < starts[v] + 16 {
            acc[r * width + 16 * v + channel - starts[v]] = s
          }
        }
      }
      // Rows of y wider than M, with a guard byte pattern after each row's M codes.
      let yStride = m + 5
      var y = [UInt8](repeating: 0xA5, count: rows * yStride)
      var next = 0
      while true {
        next = acc.withUnsafeBufferPointer { a in
          values.withUnsafeBytes { p in
            starts.withUnsafeBufferPointer { st in
              y.withUnsafeMutableBufferPointer { out in
                Int(
                  oq_requant_rows_u8(
                    a.baseAddress, width, Int32(rows), Int32(vectors), st.baseAddress, Int32(m), p.baseAddress,
                    IntegerChannelsLastKernel.laneValues * 4, bias, zeroPoint, low, high, out.baseAddress, yStride,
                    Int32(next)))
              }
            }
          }
        }
        if next >= rows * vectors { break }
        XCTAssertGreaterThanOrEqual(next, 0)
        // The vector left: the Swift single rounding refuses it too; computed here from the scalar.
        let v = next / rows
        let r = next % rows
        var sums = Vector()
        for lane in 0..<16 {
          let channel = starts[v] + lane
          sums[lane] =
            acc[r * width + 16 * v + lane] &+ (channel < m ? channels.constants[channel] &+ (bias?[channel] ?? 0) : 0)
        }
        let rounding = values.withUnsafeBytes {
          IntegerLanes.RoundingLanes.load($0.baseAddress! + (v * IntegerChannelsLastKernel.laneValues + 48) * 4)
        }
        XCTAssertNil(
          rounding.requantize(sums, zeroPoint: zeroPoint, low: low, high: high), "trial \(trial) vector \(v) row \(r)")
        for lane in 0..<16 where starts[v] + lane < m {
          let channel = starts[v] + lane
          y[r * yStride + channel] = UInt8(
            truncatingIfNeeded: channels.requantizers[channel].quantize(
              sums[lane], zeroPoint: zeroPoint, low: low, high: high))
        }
        deferred += 1
        next += 1
      }
      for r in 0..<rows {
        for channel in 0..<m {
          let v = (0..<vectors).first { channel >= starts[$0] && channel < starts[$0] + 16 }!
          let s = acc[r * width + 16 * v + channel - starts[v]]
          let expected = channels.requantizers[channel].quantize(
            s &+ channels.constants[channel] &+ (bias?[channel] ?? 0), zeroPoint: zeroPoint, low: low, high: high)
          XCTAssertEqual(
            y[r * yStride + channel], UInt8(truncatingIfNeeded: expected), "trial \(trial) row \(r) channel \(channel)")
          written += 1
        }
        for pad in m..<yStride { XCTAssertEqual(y[r * yStride + pad], 0xA5, "trial \(trial): a byte past M written") }
      }
    }
    // The construction puts near-ties and large sums in; most vectors still go through C.
    XCTAssertGreaterThan(deferred, 20)
    XCTAssertGreaterThan(written, 20_000)
  }

  func testFlatMatchesTheScalarRequantizer() {
    var rng = SeededGenerator(seed: 9200)
    var deferred = 0
    for trial in 0..<80 {
      let m = [3, 8, 24, 17, 64, 1, 10][trial % 7]
      var a = m
      var b = 16
      while b != 0 { (a, b) = (b, a % b) }
      let period = m / a
      let count = m * (1 + trial % 9)
      let channels = Self.channels(m, &rng)
      let ySigned = trial % 2 == 0
      let (low, high): (Int32, Int32) = ySigned ? (-128, 127) : (0, 255)
      let zeroPoint = Int32.random(in: low...high, using: &rng)
      let values = IntegerChannelsLastKernel.laneParameters(
        vectors: period, mantissas: channels.requantizers.map { Int32(truncatingIfNeeded: $0.mantissa) },
        shifts: channels.requantizers.map { Int32($0.shift) }, constants: channels.constants,
        zeroPoint: zeroPoint
      ) { v, lane in (16 * v + lane) % m }
      var acc = [Int32](repeating: 0, count: count + 16)
      for e in 0..<count {
        acc[e] = Self.sum(channels.requantizers[e % m], constant: channels.constants[e % m], &rng)
      }
      var y = [UInt8](repeating: 0x5A, count: count + 16)
      let vectors = (count + 15) / 16
      var next = 0
      while true {
        next = acc.withUnsafeBufferPointer { p in
          values.withUnsafeBytes { v in
            y.withUnsafeMutableBufferPointer { out in
              Int(
                oq_requant_flat_u8(
                  p.baseAddress, Int32(count), v.baseAddress, IntegerChannelsLastKernel.laneValues * 4,
                  Int32(period), zeroPoint, low, high, out.baseAddress, Int32(next)))
            }
          }
        }
        if next >= vectors { break }
        for lane in 0..<min(16, count - 16 * next) {
          let e = 16 * next + lane
          y[e] = UInt8(
            truncatingIfNeeded: channels.requantizers[e % m].quantize(
              acc[e] &+ channels.constants[e % m], zeroPoint: zeroPoint, low: low, high: high))
        }
        deferred += 1
        next += 1
      }
      for e in 0..<count {
        let expected = channels.requantizers[e % m].quantize(
          acc[e] &+ channels.constants[e % m], zeroPoint: zeroPoint, low: low, high: high)
        XCTAssertEqual(y[e], UInt8(truncatingIfNeeded: expected), "trial \(trial) element \(e) (m \(m))")
      }
      for e in count..<count + 16 { XCTAssertEqual(y[e], 0x5A, "trial \(trial): written past count") }
    }
    XCTAssertGreaterThan(deferred, 5)
  }
}
