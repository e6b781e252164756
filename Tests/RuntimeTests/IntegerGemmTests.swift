import CAllocationCounter
import XCTest

@testable import Runtime

/// `IntegerGemm` on raw pointers against a naive int64 reference: packing, zero-point corrections,
/// edges of tiles, panels and blocks, and every output stage.
final class IntegerGemmTests: XCTestCase {
  struct Case {
    var m: Int
    var n: Int
    var k: Int
    var aSigned = false
    var bSigned = true
    /// Zero points per row of A / per column of B (else one per tensor).
    var perRow = false
    var perColumn = false
    var transposedB = false
    var blockRows: Int? = nil
  }

  /// Runs `IntegerGemm.multiply` for `c` with int32 output and checks it against int64 sums wrapped to int32.
  func check(_ c: Case, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
    var rng = SeededGenerator(seed: seed)
    let a = rng.codes(c.m * c.k, signed: c.aSigned)
    let b = rng.codes(c.k * c.n, signed: c.bSigned)
    let za = (0..<(c.perRow ? c.m : 1)).map { _ in rng.zeroPoint(signed: c.aSigned) }
    let zb = (0..<(c.perColumn ? c.n : 1)).map { _ in rng.zeroPoint(signed: c.bSigned) }
    let aConstant = quantizedConstant(c.aSigned, [c.m * c.k], a)
    // B stored [K, N], or [N, K] when transposed.
    var stored = b
    if c.transposedB {
      for p in 0..<c.k { for j in 0..<c.n { stored[j * c.k + p] = b[p * c.n + j] } }
    }
    let bConstant = quantizedConstant(c.bSigned, [c.k * c.n], stored)
    let zaConstant = quantizedConstant(c.aSigned, [za.count], za)
    let zbConstant = quantizedConstant(c.bSigned, [zb.count], zb)
    let layout = IntegerGemm.PackedLayout(k: c.k, n: c.n)
    let packed = Storage(byteCount: layout.byteCount)
    let kStride = c.transposedB ? 1 : c.n
    let nStride = c.transposedB ? c.k : 1
    if c.bSigned {
      IntegerGemm.packB(
        bConstant.storage.typed(Int8.self), kStride: kStride, nStride: nStride, k: c.k, n: c.n,
        zeroPoints: zbConstant.storage.typed(Int8.self), zeroPointStride: c.perColumn ? 1 : 0,
        into: packed.pointer)
    } else {
      IntegerGemm.packB(
        bConstant.storage.typed(UInt8.self), kStride: kStride, nStride: nStride, k: c.k, n: c.n,
        zeroPoints: zbConstant.storage.typed(UInt8.self), zeroPointStride: c.perColumn ? 1 : 0,
        into: packed.pointer)
    }
    let blockRows = c.blockRows ?? IntegerGemm.blockRows(m: c.m, k: c.k)
    let scratch = Storage(byteCount: IntegerGemm.scratchBytes(blockRows: blockRows, k: c.k))
    let result = Storage(byteCount: c.m * c.n * 4)
    let output = IntegerGemm.Output(kind: .int32, c: result.pointer, rowStride: c.n, colStride: 1)
    func run() {
      if c.aSigned {
        let source = IntegerGemmMatrixSource(
          a: UnsafePointer(aConstant.storage.typed(Int8.self)), rowStride: c.k, kStride: 1,
          zeroPoints: UnsafePointer(zaConstant.storage.typed(Int8.self)),
          zeroPointStride: c.perRow ? 1 : 0)
        IntegerGemm.multiply(
          source, m: c.m, blockRows: blockRows, b: packed.pointer, layout: layout, output: output,
          scratch: scratch.pointer)
      } else {
        let source = IntegerGemmMatrixSource(
          a: UnsafePointer(aConstant.storage.typed(UInt8.self)), rowStride: c.k, kStride: 1,
          zeroPoints: UnsafePointer(zaConstant.storage.typed(UInt8.self)),
          zeroPointStride: c.perRow ? 1 : 0)
        IntegerGemm.multiply(
          source, m: c.m, blockRows: blockRows, b: packed.pointer, layout: layout, output: output,
          scratch: scratch.pointer)
      }
    }
    // The first run may instantiate generic metadata; the second must allocate nothing.
    run()
    oq_allocations_start()
    run()
    XCTAssertEqual(oq_allocations_stop(), 0, "multiply allocated", file: file, line: line)
    let values = result.typed(Int32.self)
    for i in 0..<c.m {
      for j in 0..<c.n {
        var sum: Int64 = 0
        for p in 0..<c.k {
          sum +=
            Int64(a[i * c.k + p] - za[c.perRow ? i : 0])
            * Int64(b[p * c.n + j] - zb[c.perColumn ? j : 0])
        }
        if values[i * c.n + j] != Int32(truncatingIfNeeded: sum) {
          XCTFail(
            String(describing: c) + ": C[" + String(i) + ", " + String(j) + "] = "
              + String(values[i * c.n + j])
              + ", expected " + String(sum), file: file, line: line)
          return
        }
      }
    }
  }

  func testShapesAcrossTileAndPanelEdges() {
    var seed: UInt64 = 1
    for (m, n, k) in [
      (1, 1, 1), (1, 8, 2), (4, 8, 16), (3, 7, 5), (5, 9, 3), (9, 17, 33), (13, 24, 64), (2, 33, 1),
      (7, 1, 40),
      (17, 15, 129), (1, 64, 300), (32, 8, 7),
    ] {
      for (aSigned, bSigned) in [(false, true), (true, true), (false, false), (true, false)] {
        check(Case(m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned), seed: seed)
        seed += 1
      }
    }
  }

  func testZeroPointsPerRowAndPerColumn() {
    var seed: UInt64 = 100
    for (m, n, k) in [(5, 11, 9), (12, 8, 20), (1, 3, 2)] {
      for (perRow, perColumn) in [(true, false), (false, true), (true, true)] {
        check(
          Case(m: m, n: n, k: k, aSigned: seed % 2 == 0, perRow: perRow, perColumn: perColumn),
          seed: seed)
        seed += 1
      }
    }
  }

  func testTransposedBAndRowBlocks() {
    check(Case(m: 23, n: 10, k: 17, transposedB: true), seed: 7)
    // Blocks of 4 and 8 rows: A is packed several times, rows past the last block's end are dropped.
    check(Case(m: 23, n: 10, k: 17, blockRows: 4), seed: 8)
    check(Case(m: 21, n: 19, k: 6, aSigned: true, perRow: true, blockRows: 8), seed: 9)
  }

  func testEmptyInnerDimensionGivesZero() {
    check(Case(m: 3, n: 5, k: 0), seed: 10)
  }

  /// u8 x u8 at the extremes over a K whose true sums overflow int32: the result wraps like int32.
  func testOverflowingSumsWrapLikeInt32() {
    let k = 40_000
    let n = 3
    let a = Constant(.uint8, [k], values: [UInt8](repeating: 255, count: k))
    let b = Constant(.uint8, [k * n], values: [UInt8](repeating: 255, count: k * n))
    let layout = IntegerGemm.PackedLayout(k: k, n: n)
    let packed = Storage(byteCount: layout.byteCount)
    IntegerGemm.packB(
      b.storage.typed(UInt8.self), kStride: n, nStride: 1, k: k, n: n, zeroPoints: nil,
      zeroPointStride: 0,
      into: packed.pointer)
    let blockRows = IntegerGemm.blockRows(m: 1, k: k)
    let scratch = Storage(byteCount: IntegerGemm.scratchBytes(blockRows: blockRows, k: k))
    let result = Storage(byteCount: n * 4)
    let source = IntegerGemmMatrixSource<UInt8>(
      a: UnsafePointer(a.storage.typed(UInt8.self)), rowStride: k, kStride: 1, zeroPoints: nil,
      zeroPointStride: 0)
    IntegerGemm.multiply(
      source, m: 1, blockRows: blockRows, b: packed.pointer, layout: layout,
      output: .init(kind: .int32, c: result.pointer, rowStride: n, colStride: 1),
      scratch: scratch.pointer)
    let expected = Int32(truncatingIfNeeded: Int64(k) * 255 * 255)
    XCTAssertEqual(
      Array(UnsafeBufferPointer(start: result.typed(Int32.self), count: n)),
      [expected, expected, expected])
  }

  /// The requantizing and float output stages, with a bias broadcast by row or by column.
  func testOutputStages() {
    var rng = SeededGenerator(seed: 77)
    let (m, n, k) = (6, 13, 21)
    let a = rng.codes(m * k, signed: false)
    let b = rng.codes(k * n, signed: true)
    let za = 131
    let aConstant = quantizedConstant(false, [m * k], a)
    let bConstant = quantizedConstant(true, [k * n], b)
    let zaConstant = quantizedConstant(false, [1], [za])
    let layout = IntegerGemm.PackedLayout(k: k, n: n)
    let packed = Storage(byteCount: layout.byteCount)
    IntegerGemm.packB(
      bConstant.storage.typed(Int8.self), kStride: n, nStride: 1, k: k, n: n, zeroPoints: nil,
      zeroPointStride: 0,
      into: packed.pointer)
    let multipliers = (0..<n).map { _ in rng.uniform(0.001...0.02) }
    let requantizers = Storage(values: multipliers.map { Requantizer($0) })
    let scales = Storage(values: multipliers)
    let bias = (0..<max(m, n)).map { _ in Int32.random(in: -3000...3000, using: &rng) }
    let biasStorage = Storage(values: bias)
    let blockRows = IntegerGemm.blockRows(m: m, k: k)
    let scratch = Storage(byteCount: IntegerGemm.scratchBytes(blockRows: blockRows, k: k))
    let source = IntegerGemmMatrixSource(
      a: UnsafePointer(aConstant.storage.typed(UInt8.self)), rowStride: k, kStride: 1,
      zeroPoints: UnsafePointer(zaConstant.storage.typed(UInt8.self)), zeroPointStride: 0)
    func sum(_ i: Int, _ j: Int) -> Int64 {
      var total: Int64 = 0
      for p in 0..<k { total += Int64(a[i * k + p] - za) * Int64(b[p * n + j]) }
      return total
    }
    for kind in [IntegerGemm.Output.Kind.uint8, .int8, .float] {
      for byRow in [false, true] {
        let bytes = kind == .float ? 4 : 1
        let result = Storage(byteCount: m * n * bytes)
        // C written transposed (column-major), as the convolutions write NCHW.
        var output = IntegerGemm.Output(kind: kind, c: result.pointer, rowStride: 1, colStride: m)
        output.bias = UnsafePointer(biasStorage.typed(Int32.self))
        output.biasRowStride = byRow ? 1 : 0
        output.biasColStride = byRow ? 0 : 1
        output.requantizers = UnsafePointer(requantizers.typed(Requantizer.self))
        output.requantColStride = 1
        output.scales = UnsafePointer(scales.typed(Float.self))
        output.scaleColStride = 1
        output.zeroPoint = kind == .uint8 ? 120 : -7
        IntegerGemm.multiply(
          source, m: m, blockRows: blockRows, b: packed.pointer, layout: layout, output: output,
          scratch: scratch.pointer)
        for i in 0..<m {
          for j in 0..<n {
            let acc = sum(i, j) + Int64(bias[byRow ? i : j])
            let index = j * m + i
            switch kind {
            case .float:
              XCTAssertEqual(result.typed(Float.self)[index], Float(Int32(acc)) * multipliers[j])
            case .uint8:
              let expected = referenceQuantize(
                acc, multiplier: multipliers[j], zeroPoint: 120, signed: false)
              XCTAssertEqual(Int(result.typed(UInt8.self)[index]), expected)
            default:
              let expected = referenceQuantize(
                acc, multiplier: multipliers[j], zeroPoint: -7, signed: true)
              XCTAssertEqual(Int(result.typed(Int8.self)[index]), expected)
            }
          }
        }
      }
    }
  }

  /// `IntegerGemm.quantize` (the output stage's short path) against `Requantizer.quantize` on 4,000,000
  /// random (scale, accumulator, zero point) triples: scales over every float32 magnitude a product may
  /// take (including subnormal, huge and zero), accumulators of every magnitude and, more often, near the
  /// scale's 8-bit range and its half-integer points, where the float32 rounding of the product matters.
  func testShortRequantizationPathIsBitIdentical() {
    var rng = SeededGenerator(seed: 0x5EED_0123)
    var fast = 0
    var total = 0
    var mismatches = 0
    for _ in 0..<4000 {
      let kind = rng.next() % 8
      let scale: Float
      switch kind {
      case 0: scale = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7F7F_FFFF)
      case 1: scale = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x007F_FFFF)
      case 2: scale = 0
      default:
        // 2^-30 .. 2^4, random significand.
        let exponent = UInt32(127 - 30 + Int(rng.next() % 35))
        scale = Float(bitPattern: exponent << 23 | UInt32(truncatingIfNeeded: rng.next()) & 0x7F_FFFF)
      }
      let requantizer = Requantizer(scale)
      let zeroPoint = Int32(truncatingIfNeeded: Int64(rng.next() % 256) - 128)
      let signed = rng.next() & 1 == 0
      let low: Int32 = signed ? -128 : 0
      let high: Int32 = signed ? 127 : 255
      // Accumulators whose result is near the output range: about target / scale.
      let reach = scale > 0 ? min(Double(Int32.max), 300 / Double(scale)) : Double(Int32.max)
      for _ in 0..<1000 {
        let accumulator: Int32
        switch rng.next() % 4 {
        case 0:
          let bits = Int(rng.next() % 32)
          let raw = Int64(truncatingIfNeeded: rng.next()) >> Int64(63 - bits)
          accumulator = Int32(truncatingIfNeeded: raw)
        case 1:
          // Close to a half-integer result: (j + 1/2) / scale, nudged.
          let j = Double(Int64(rng.next() % 600) - 300) + 0.5
          let center = scale > 0 ? j / Double(scale) : 0
          let nudged = center.rounded() + Double(Int64(rng.next() % 9) - 4)
          accumulator = Int32(max(-2_147_483_648, min(2_147_483_647, nudged)))
        default:
          let r = Int64(reach)
          accumulator = Int32(Int64(truncatingIfNeeded: rng.next() % UInt64(2 * r + 1)) - r)
        }
        let expected = requantizer.quantize(accumulator, zeroPoint: zeroPoint, low: low, high: high)
        let actual = IntegerGemm.quantize(
          requantizer, accumulator, zeroPoint: zeroPoint, low: low, high: high)
        if actual != expected {
          mismatches += 1
          if mismatches < 10 {
            XCTFail(
              "scale \(scale) acc \(accumulator) zp \(zeroPoint): \(actual) != \(expected)")
          }
        }
        // Whether the short path applied (same test as in IntegerGemm.quantize).
        let shift = requantizer.shift
        if Int64(accumulator).magnitude < 1 << 24 && shift >= 1 && shift <= 61 {
          let product = Int64(accumulator) * requantizer.mantissa
          let half = Int64(1) << Int64(shift - 1)
          if ((product & (2 * half - 1)) - half).magnitude > Int64(accumulator).magnitude {
            fast += 1
          }
        }
        total += 1
      }
    }
    XCTAssertEqual(mismatches, 0)
    XCTAssertEqual(total, 4_000_000)
    // Both paths are exercised (about 43% of these deliberately hard inputs take the short one).
    XCTAssertGreaterThan(fast, total / 3)
    XCTAssertLessThan(fast, total)
  }
}
