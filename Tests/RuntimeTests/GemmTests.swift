import CAllocationCounter
import Foundation
import XCTest

@testable import Runtime

/// FloatGemm on its own: every operand form against a Double reference, edges of MR/NR/KC/MC.
final class GemmTests: XCTestCase {
  enum AForm: CaseIterable { case packed, rowMajor, transposed }
  enum BForm: CaseIterable { case packed, rowMajor, padded }

  struct Options {
    var alpha: Float = 1
    var rowBias = false
    var colBias = false
    var accumulate = false
    var activation = FloatActivation.none
    /// C stored transposed: element (i, j) at `c[i + j * ldc]`.
    var transposed = false
  }

  /// Runs one product and compares it with `alpha * A·B + biases (+ C)` computed in Double.
  func check(
    m: Int, n: Int, k: Int, _ aForm: AForm, _ bForm: BForm, _ options: Options = Options(), seed: UInt64,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    var rng = SeededGenerator(seed: seed)
    let a = rng.floats(m * k)  // logical [M, K] row-major
    let b = rng.floats(k * n)  // logical [K, N] row-major
    let rowBias = rng.floats(m)
    let colBias = rng.floats(FloatGemm.roundUp(max(n, 1), FloatGemm.nr))
    let initial = rng.floats(m * n)
    let ldc = options.transposed ? m + 3 : n + 3
    // Where element (i, j) of C lives.
    func at(_ i: Int, _ j: Int) -> Int { options.transposed ? i + j * ldc : i * ldc + j }

    var expected = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
        sum *= Double(options.alpha)
        if options.rowBias { sum += Double(rowBias[i]) }
        if options.colBias { sum += Double(colBias[j]) }
        if options.accumulate { sum += Double(initial[i * n + j]) }
        expected[i * n + j] = options.activation.apply(Float(sum))
      }
    }

    // Operand storage in the requested forms.
    let aStorage: [Float]
    var aRowStride = 0
    var aKStride = 0
    switch aForm {
    case .packed:
      var packed = [Float](repeating: .nan, count: max(FloatGemm.packedACount(m: m, k: k), 1))
      a.withUnsafeBufferPointer { source in
        packed.withUnsafeMutableBufferPointer {
          FloatGemm.packA(source.baseAddress!, rowStride: k, kStride: 1, m: m, k: k, into: $0.baseAddress!)
        }
      }
      aStorage = packed
    case .rowMajor:
      aStorage = a + [0]
      aRowStride = k
      aKStride = 1
    case .transposed:
      var t = [Float](repeating: 0, count: m * k + 1)
      for i in 0..<m { for p in 0..<k { t[p * m + i] = a[i * k + p] } }
      aStorage = t
      aRowStride = 1
      aKStride = m
    }
    let bStorage: [Float]
    var ldb = n
    switch bForm {
    case .packed:
      var packed = [Float](repeating: .nan, count: max(FloatGemm.packedBCount(k: k, n: n), 1))
      b.withUnsafeBufferPointer { source in
        packed.withUnsafeMutableBufferPointer {
          FloatGemm.packB(source.baseAddress!, kStride: n, nStride: 1, k: k, n: n, into: $0.baseAddress!)
        }
      }
      bStorage = packed
    case .rowMajor:
      bStorage = b + [0]
    case .padded:
      ldb = FloatGemm.roundUp(max(n, 1), FloatGemm.nr)
      var padded = [Float](repeating: .nan, count: k * ldb + 1)
      for p in 0..<k { for j in 0..<n { padded[p * ldb + j] = b[p * n + j] } }
      bStorage = padded
    }
    var c = [Float](repeating: -7, count: max((options.transposed ? n : m) * ldc, 1))
    if options.accumulate { for i in 0..<m { for j in 0..<n { c[at(i, j)] = initial[i * n + j] } } }
    var scratch = [Float](
      repeating: .nan, count: max(FloatGemm.tailScratchCount(n: n, k: k, bPackedOrPadded: bForm != .rowMajor), 1))

    aStorage.withUnsafeBufferPointer { aPointer in
      bStorage.withUnsafeBufferPointer { bPointer in
        rowBias.withUnsafeBufferPointer { rowPointer in
          colBias.withUnsafeBufferPointer { colPointer in
            c.withUnsafeMutableBufferPointer { cPointer in
              scratch.withUnsafeMutableBufferPointer { scratchPointer in
                var problem = FloatGemm.Problem(
                  m: m, n: n, k: k, a: aPointer.baseAddress!, aPacked: aForm == .packed, aRowStride: aRowStride,
                  aKStride: aKStride, b: bPointer.baseAddress!, bPacked: bForm == .packed, ldb: ldb,
                  bRowsPadded: bForm == .padded, c: cPointer.baseAddress!, ldc: ldc, alpha: options.alpha,
                  rowBias: options.rowBias ? rowPointer.baseAddress! : nil,
                  colBias: options.colBias ? colPointer.baseAddress! : nil, accumulate: options.accumulate)
                problem.activation = options.activation
                problem.cTransposed = options.transposed
                // The first run may instantiate runtime metadata (debug builds); the second must not allocate.
                let saved = Array(cPointer)
                FloatGemm.multiply(problem, scratch: scratchPointer.baseAddress!)
                for index in 0..<saved.count { cPointer[index] = saved[index] }
                oq_allocations_start()
                FloatGemm.multiply(problem, scratch: scratchPointer.baseAddress!)
                XCTAssertEqual(oq_allocations_stop(), 0, "multiply allocated", file: file, line: line)
              }
            }
          }
        }
      }
    }
    var actual: [Float] = []
    for i in 0..<m {
      for j in 0..<n { actual.append(c[at(i, j)]) }
    }
    // Nothing past the matrix in the leading dimension is written.
    for outer in 0..<(options.transposed ? n : m) {
      for inner in (options.transposed ? m : n)..<ldc where c[outer * ldc + inner] != -7 {
        XCTFail("wrote element " + String(inner) + " of line " + String(outer), file: file, line: line)
      }
    }
    assertClose(actual, expected, rtol: 1e-4, atol: 1e-5, file: file, line: line)
  }

  func testEveryFormAtEdgeSizes() {
    var seed: UInt64 = 1
    for (m, n, k) in [(1, 1, 1), (1, 7, 17), (7, 1, 17), (6, 8, 5), (7, 9, 33), (13, 17, 7), (5, 33, 1), (17, 3, 2)] {
      for aForm in AForm.allCases {
        for bForm in BForm.allCases {
          check(m: m, n: n, k: k, aForm, bForm, seed: seed)
          seed += 1
        }
      }
    }
  }

  func testBiasesAlphaAndAccumulate() {
    var seed: UInt64 = 100
    let variants = [
      Options(alpha: 1, rowBias: true), Options(alpha: 1, colBias: true),
      Options(alpha: -0.5, rowBias: true, colBias: true),
      Options(alpha: 2, accumulate: true), Options(alpha: 0.25, rowBias: true, accumulate: true),
    ]
    for options in variants {
      for (m, n, k) in [(7, 9, 17), (1, 3, 4), (12, 16, 8), (33, 17, 1)] {
        for aForm in AForm.allCases {
          for bForm in BForm.allCases {
            check(m: m, n: n, k: k, aForm, bForm, options, seed: seed)
            seed += 1
          }
        }
      }
    }
  }

  func testDepthAndRowBlocking() {
    // K past one KC block, M past one MC block: the later K blocks accumulate, biases added once.
    let k = FloatGemm.kc + 45
    let m = FloatGemm.mc + 7
    check(m: m, n: 19, k: k, .packed, .rowMajor, Options(rowBias: true), seed: 7)
    check(m: m, n: 19, k: k, .rowMajor, .packed, Options(alpha: 0.5, colBias: true), seed: 8)
    check(m: 9, n: 5, k: k, .transposed, .rowMajor, Options(accumulate: true), seed: 9)
    check(m: 9, n: 12, k: 2 * FloatGemm.kc, .packed, .padded, Options(rowBias: true, colBias: true), seed: 10)
  }

  func testSingleRow() {
    // One row runs several B panels side by side.
    var seed: UInt64 = 300
    for n in [1, 5, 8, 16, 33, 70, 130] {
      for aForm in AForm.allCases {
        for bForm in BForm.allCases {
          check(m: 1, n: n, k: 37, aForm, bForm, Options(alpha: 0.5, rowBias: true, colBias: true), seed: seed)
          check(m: 1, n: n, k: FloatGemm.kc + 3, aForm, bForm, Options(accumulate: true), seed: seed + 1)
          seed += 2
        }
      }
    }
  }

  func testZeroDepthGivesTheBias() {
    check(m: 5, n: 9, k: 0, .rowMajor, .rowMajor, Options(rowBias: true, colBias: true), seed: 11)
    check(m: 5, n: 3, k: 0, .packed, .packed, Options(accumulate: true), seed: 12)
  }

  func testRowTilesCoverEveryRow() {
    for m in 0..<60 {
      var next = 0
      for t in 0..<FloatGemm.tileCount(m: m) {
        let (start, rows) = FloatGemm.tile(t, m: m)
        XCTAssertEqual(start, next, "tile " + String(t) + " of " + String(m))
        XCTAssertTrue(rows >= 1 && rows <= FloatGemm.mr)
        if m > FloatGemm.mr { XCTAssertGreaterThanOrEqual(rows, 3, "m " + String(m)) }
        next = start + rows
      }
      XCTAssertEqual(next, m)
    }
  }

  /// Every activation, applied once after the biases, on the last of several K blocks, in every operand form.
  func testActivations() {
    let activations: [FloatActivation] = [
      FloatActivation(.relu), FloatActivation(.clip, -0.5, 0.75), FloatActivation(.leakyRelu, 0.1),
      FloatActivation(.hardSigmoid, 0.2, 0.5), FloatActivation(.sigmoid), FloatActivation(.tanh),
      FloatActivation(.hardSwish), FloatActivation(.hardSwishChain, 3, 0, 6, 6),
    ]
    var seed: UInt64 = 700
    for activation in activations {
      for (m, n, k) in [(7, 21, 9), (1, 40, 5), (13, 3, FloatGemm.kc + 5), (6, 16, 2 * FloatGemm.kc + 1)] {
        for aForm in AForm.allCases {
          for bForm in BForm.allCases {
            check(
              m: m, n: n, k: k, aForm, bForm, Options(rowBias: true, colBias: true, activation: activation),
              seed: seed)
            seed += 1
          }
        }
      }
      check(m: 5, n: 9, k: 3, .rowMajor, .rowMajor, Options(accumulate: true, activation: activation), seed: seed)
      seed += 1
    }
  }

  /// C stored transposed (convolutions with the output channels along the lanes).
  func testTransposedOutput() {
    var seed: UInt64 = 800
    for (m, n, k) in [(1, 1, 1), (1, 37, 20), (4, 128, 387), (9, 256, 40), (36, 17, 8), (5, 16, 300), (23, 40, 7)] {
      for bForm in BForm.allCases {
        check(m: m, n: n, k: k, .transposed, bForm, Options(colBias: true, transposed: true), seed: seed)
        check(
          m: m, n: n, k: k, .packed, bForm,
          Options(rowBias: true, accumulate: true, activation: FloatActivation(.relu), transposed: true),
          seed: seed + 1)
        check(
          m: m, n: n, k: k, .rowMajor, bForm,
          Options(alpha: 0.5, activation: FloatActivation(.hardSwishChain, 3, 0, 6, 6), transposed: true),
          seed: seed + 2)
        seed += 3
      }
    }
  }

  /// The vector activations give what the scalar ones give, lane for lane, including at the edges
  /// (NaN, infinities, signed zeros, the clamp bounds).
  func testVectorActivationsMatchScalar() {
    var values: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 3, -3, 6, -6, 0.5, -0.5, 2.5, 1e-30, -1e30]
    var rng = SeededGenerator(seed: 42)
    values += rng.floats(160).map { $0 * 8 }
    let activations: [FloatActivation] = [
      .none, FloatActivation(.relu), FloatActivation(.clip, -0.5, 0.75), FloatActivation(.clip, 1, -1),
      FloatActivation(.leakyRelu, 0.1), FloatActivation(.hardSigmoid, 0.2, 0.5), FloatActivation(.sigmoid),
      FloatActivation(.tanh), FloatActivation(.hardSwish), FloatActivation(.hardSwishChain, 3, 0, 6, 6),
    ]
    let lanes = FloatGemm.nr
    func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
    for activation in activations {
      var index = 0
      while index + lanes <= values.count {
        var vector = FloatGemm.Vector()
        for lane in 0..<lanes { vector[lane] = values[index + lane] }
        let result = activation.apply(vector)
        let clamped =
          activation.isClamp ? FloatActivation.clamp(vector, activation.clampLow, activation.clampHigh) : result
        for lane in 0..<lanes {
          let expected = activation.apply(values[index + lane])
          XCTAssertTrue(same(result[lane], expected), String(values[index + lane]) + ": " + String(result[lane]))
          XCTAssertTrue(same(clamped[lane], expected), String(values[index + lane]) + ": " + String(clamped[lane]))
        }
        index += lanes
      }
      var buffer = values
      buffer.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
      for (input, output) in zip(values, buffer) {
        XCTAssertTrue(same(output, activation.apply(input)), String(input) + ": " + String(output))
      }
    }
  }

  /// Whole-vector copies write exactly the floats asked for, then zeros up to the vector's end.
  func testWholeVectorCopies() {
    let lanes = FloatGemm.nr
    let source = (0..<(6 * lanes)).map { Float($0) + 0.5 }
    for count in 1...(2 * lanes) {
      var target = [Float](repeating: -1, count: 4 * lanes)
      source.withUnsafeBufferPointer { s in
        target.withUnsafeMutableBufferPointer { FloatGemm.copyWhole(s.baseAddress!, $0.baseAddress!, count) }
      }
      let end = FloatGemm.roundUp(count, lanes)
      XCTAssertEqual(Array(target[0..<count]), Array(source[0..<count]))
      XCTAssertEqual(Array(target[count..<end]), [Float](repeating: 0, count: end - count))
      XCTAssertEqual(Array(target[end...]), [Float](repeating: -1, count: target.count - end))
      target = [Float](repeating: -1, count: 4 * lanes)
      source.withUnsafeBufferPointer { s in
        target.withUnsafeMutableBufferPointer { FloatGemm.copyEvenWhole(s.baseAddress!, $0.baseAddress!, count) }
      }
      XCTAssertEqual(Array(target[0..<count]), (0..<count).map { source[2 * $0] })
      XCTAssertEqual(Array(target[count..<end]), [Float](repeating: 0, count: end - count))
      XCTAssertEqual(Array(target[end...]), [Float](repeating: -1, count: target.count - end))
    }
  }

  func testDot() {
    var rng = SeededGenerator(seed: 5)
    for count in [0, 1, 7, 8, 15, 16, 17, 33, 100] {
      let a = rng.floats(count)
      let b = rng.floats(count)
      var expected = 0.0
      for index in 0..<count { expected += Double(a[index]) * Double(b[index]) }
      let actual = FloatGemm.dot(a + [0], b + [0], count)
      XCTAssertEqual(Double(actual), expected, accuracy: 1e-5)
    }
  }

  /// A printed measurement, not an assertion: `ONNXQ_BENCH=1 swift test -c release -Xswiftc -enable-testing
  /// --filter GemmTests/testBenchmark`.
  func testBenchmark() {
    guard ProcessInfo.processInfo.environment["ONNXQ_BENCH"] != nil else { return }
    for size in [64, 128, 256, 512] {
      let (m, n, k) = (size, size, size)
      var rng = SeededGenerator(seed: 3)
      let a = rng.floats(m * k)
      let b = rng.floats(k * n)
      var packedA = [Float](repeating: 0, count: FloatGemm.packedACount(m: m, k: k))
      var packedB = [Float](repeating: 0, count: FloatGemm.packedBCount(k: k, n: n))
      FloatGemm.packA(a, rowStride: k, kStride: 1, m: m, k: k, into: &packedA)
      FloatGemm.packB(b, kStride: n, nStride: 1, k: k, n: n, into: &packedB)
      var c = [Float](repeating: 0, count: m * n)
      for (label, aPacked, bPacked) in [("A packed, B in place", true, false), ("A in place, B packed", false, true)] {
        let seconds = a.withUnsafeBufferPointer { aRaw in
          b.withUnsafeBufferPointer { bRaw in
            packedA.withUnsafeBufferPointer { aPack in
              packedB.withUnsafeBufferPointer { bPack in
                c.withUnsafeMutableBufferPointer { cPointer in
                  let problem = FloatGemm.Problem(
                    m: m, n: n, k: k, a: aPacked ? aPack.baseAddress! : aRaw.baseAddress!, aPacked: aPacked,
                    aRowStride: k, aKStride: 1, b: bPacked ? bPack.baseAddress! : bRaw.baseAddress!, bPacked: bPacked,
                    ldb: n, c: cPointer.baseAddress!, ldc: n)
                  let repeats = max(3, 200_000_000 / (2 * m * n * k))
                  var best = Double.infinity
                  for _ in 0..<5 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<repeats { FloatGemm.multiply(problem, scratch: nil) }
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(repeats)
                    best = min(best, elapsed)
                  }
                  return best
                }
              }
            }
          }
        }
        let gflops = 2 * Double(m * n * k) / seconds * 1e-9
        print("SGEMM " + String(size) + "^3 (" + label + "): " + String(format: "%.1f GFLOP/s", gflops))
      }
    }
  }
}
