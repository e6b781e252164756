import ONNXFormat
import XCTest

@testable import Runtime

/// Gemm and MatMul against Double references written from the ONNX definitions.
final class MatrixTests: XCTestCase {
  // MARK: Gemm

  /// `alpha * A' · B' + beta * C` with C broadcast from `cShape`.
  static func referenceGemm(
    a: [Float], b: [Float], c: [Float]?, cShape: [Int], m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
    alpha: Float, beta: Float
  ) -> [Float] {
    var y = [Float](repeating: 0, count: m * n)
    let cRows = cShape.count == 2 ? cShape[0] : 1
    let cCols = cShape.count >= 1 ? cShape[cShape.count - 1] : 1
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let av = transA ? a[p * m + i] : a[i * k + p]
          let bv = transB ? b[j * k + p] : b[p * n + j]
          sum += Double(av) * Double(bv)
        }
        sum *= Double(alpha)
        if let c = c {
          sum += Double(beta) * Double(c[(cRows == 1 ? 0 : i) * cCols + (cCols == 1 ? 0 : j)])
        }
        y[i * n + j] = Float(sum)
      }
    }
    return y
  }

  func checkGemm(
    m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float?, beta: Float?, cShape: [Int]?, bConstant: Bool,
    cConstant: Bool, seed: UInt64, file: StaticString = #filePath, line: UInt = #line
  ) {
    var rng = SeededGenerator(seed: seed)
    let a = rng.floats(m * k)
    let b = rng.floats(k * n)
    let c = cShape.map { rng.floats($0.reduce(1, *)) }
    let expected = Self.referenceGemm(
      a: a, b: b, c: c, cShape: cShape ?? [], m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha ?? 1,
      beta: beta ?? 1)
    var attributes: [Attribute] = []
    if let alpha = alpha { attributes.append(TestNodes.float("alpha", alpha)) }
    if let beta = beta { attributes.append(TestNodes.float("beta", beta)) }
    if transA { attributes.append(TestNodes.int("transA", 1)) }
    if transB { attributes.append(TestNodes.int("transB", 1)) }
    let node = TestNodes.node("Gemm", name: "fc", inputs: cShape == nil ? ["A", "B"] : ["A", "B", "C"], attributes)
    let bValue = KernelHarness.floats(transB ? [n, k] : [k, n], b)
    var inputs: [HarnessInput] = [
      .runtime(KernelHarness.floats(transA ? [k, m] : [m, k], a)), bConstant ? .constant(bValue) : .runtime(bValue),
    ]
    if let cShape = cShape, let c = c {
      let value = KernelHarness.floats(cShape, c)
      inputs.append(cConstant ? .constant(value) : .runtime(value))
    }
    do {
      let result = try KernelHarness.run(node, inputs, file: file, line: line)
      XCTAssertEqual(result.outputs[0].type.shape, [m, n], file: file, line: line)
      assertClose(floatValues(result.outputs[0]), expected, rtol: 1e-4, atol: 1e-5, file: file, line: line)
    } catch {
      XCTFail(error.message, file: file, line: line)
    }
  }

  func testGemmEveryCombination() {
    var seed: UInt64 = 1
    for (m, k, n) in [(7, 17, 33), (1, 5, 1), (33, 7, 9)] {
      let cShapes: [[Int]?] = [nil, [], [1], [n], [1, n], [m, 1], [m, n], [1, 1]]
      for transA in [false, true] {
        for transB in [false, true] {
          for (alpha, beta) in [(nil, nil), (Float(0.5), Float(-2)), (Float(-1.5), Float(0))] as [(Float?, Float?)] {
            for cShape in cShapes {
              for bConstant in [true, false] {
                for cConstant in [true, false] where cShape != nil || cConstant {
                  checkGemm(
                    m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta, cShape: cShape,
                    bConstant: bConstant, cConstant: cConstant, seed: seed)
                  seed += 1
                }
              }
            }
          }
        }
      }
    }
  }

  func testGemmLargerThanOneBlock() {
    checkGemm(
      m: 130, n: 21, k: 300, transA: false, transB: true, alpha: 1, beta: 1, cShape: [21], bConstant: true,
      cConstant: true, seed: 900)
    checkGemm(
      m: 9, n: 40, k: 270, transA: true, transB: true, alpha: 2, beta: 0.5, cShape: [9, 40], bConstant: false,
      cConstant: false, seed: 901)
  }

  func testGemmEmptyInnerDimension() {
    // K = 0: the product is zero and Y is beta * C, whatever form B takes.
    var seed: UInt64 = 950
    for transB in [false, true] {
      for bConstant in [false, true] {
        for n in [3, 20] {
          checkGemm(
            m: 4, n: n, k: 0, transA: false, transB: transB, alpha: 1, beta: 0.5, cShape: [n], bConstant: bConstant,
            cConstant: false, seed: seed)
          checkGemm(
            m: 4, n: n, k: 0, transA: true, transB: transB, alpha: 1, beta: 1, cShape: nil, bConstant: bConstant,
            cConstant: false, seed: seed + 1)
          seed += 2
        }
      }
    }
  }

  // MARK: MatMul

  /// numpy matmul, written with explicit index arithmetic.
  static func referenceMatMul(a: [Float], aShape: [Int], b: [Float], bShape: [Int]) -> (shape: [Int], values: [Float]) {
    let a2 = aShape.count == 1 ? [1] + aShape : aShape
    let b2 = bShape.count == 1 ? bShape + [1] : bShape
    let m = a2[a2.count - 2]
    let k = a2[a2.count - 1]
    let n = b2[b2.count - 1]
    let aBatch = Array(a2.dropLast(2))
    let bBatch = Array(b2.dropLast(2))
    let rank = max(aBatch.count, bBatch.count)
    let aPadded = [Int](repeating: 1, count: rank - aBatch.count) + aBatch
    let bPadded = [Int](repeating: 1, count: rank - bBatch.count) + bBatch
    let batch = (0..<rank).map { max(aPadded[$0], bPadded[$0]) }
    var shape = batch
    if aShape.count > 1 { shape.append(m) }
    if bShape.count > 1 { shape.append(n) }
    var values: [Float] = []
    for flat in 0..<batch.reduce(1, *) {
      // Unravel, then ravel into each operand with broadcast dims pinned to 0.
      var rest = flat
      var index = [Int](repeating: 0, count: rank)
      for axis in stride(from: rank - 1, through: 0, by: -1) {
        index[axis] = rest % batch[axis]
        rest /= batch[axis]
      }
      var aOffset = 0
      var bOffset = 0
      for axis in 0..<rank {
        aOffset = aOffset * aPadded[axis] + (aPadded[axis] == 1 ? 0 : index[axis])
        bOffset = bOffset * bPadded[axis] + (bPadded[axis] == 1 ? 0 : index[axis])
      }
      for i in 0..<m {
        for j in 0..<n {
          var sum = 0.0
          for p in 0..<k {
            sum += Double(a[aOffset * m * k + i * k + p]) * Double(b[bOffset * k * n + p * n + j])
          }
          values.append(Float(sum))
        }
      }
    }
    return (shape, values)
  }

  func checkMatMul(
    _ aShape: [Int], _ bShape: [Int], bConstant: Bool, seed: UInt64, file: StaticString = #filePath, line: UInt = #line
  ) {
    var rng = SeededGenerator(seed: seed)
    let a = rng.floats(aShape.reduce(1, *))
    let b = rng.floats(bShape.reduce(1, *))
    let expected = Self.referenceMatMul(a: a, aShape: aShape, b: b, bShape: bShape)
    let bValue = KernelHarness.floats(bShape, b)
    do {
      let result = try KernelHarness.run(
        TestNodes.node("MatMul", inputs: ["A", "B"]),
        [.runtime(KernelHarness.floats(aShape, a)), bConstant ? .constant(bValue) : .runtime(bValue)], file: file,
        line: line)
      XCTAssertEqual(result.outputs[0].type.shape, expected.shape, "output shape", file: file, line: line)
      assertClose(floatValues(result.outputs[0]), expected.values, rtol: 1e-4, atol: 1e-5, file: file, line: line)
    } catch {
      XCTFail(error.message, file: file, line: line)
    }
  }

  func testMatMulShapes() {
    var seed: UInt64 = 500
    let cases: [([Int], [Int])] = [
      ([17], [17]), ([7], [7, 9]), ([9, 7], [7]), ([1, 1], [1, 1]), ([7, 17], [17, 33]), ([33, 7], [7, 9]),
      ([5, 300], [300, 3]), ([1, 200], [200, 2]), ([3, 4], [4, 16]), ([2, 3, 5, 7], [7, 9]),
      ([2, 1, 5, 7], [3, 7, 9]),
      ([5, 7], [2, 7, 9]), ([1, 5, 7], [2, 3, 7, 9]), ([7], [2, 7, 9]), ([2, 5, 7], [7]), ([2, 5, 7], [2, 7, 1]),
      ([2, 5, 7], [1, 7, 4]), ([4, 1, 3, 6], [1, 2, 6, 5]), ([3, 0], [0, 4]), ([0, 3], [3, 4]),
    ]
    for (aShape, bShape) in cases {
      for bConstant in [true, false] {
        checkMatMul(aShape, bShape, bConstant: bConstant, seed: seed)
        seed += 1
      }
    }
  }

  func testMatMulIntegersAndDoubles() throws {
    let node = TestNodes.node("MatMul", inputs: ["A", "B"])
    let a32 = Constant(.int32, [2, 3], values: [Int32]([1, 2, 3, 4, 5, 6]))
    let b32 = Constant(.int32, [3, 2], values: [Int32]([7, 8, 9, 10, 11, 12]))
    let r32 = try KernelHarness.run(node, [.runtime(a32), .constant(b32)])
    XCTAssertEqual(r32.outputs[0].values(Int32.self), [58, 64, 139, 154])
    let a64 = Constant(.int64, [3], values: [Int64]([1, -2, 3]))
    let b64 = Constant(.int64, [2, 3, 1], values: [Int64]([1, 1, 1, 2, 0, Int64.max]))
    let r64 = try KernelHarness.run(node, [.runtime(a64), .runtime(b64)])
    XCTAssertEqual(r64.outputs[0].type.shape, [2, 1])
    XCTAssertEqual(r64.outputs[0].values(Int64.self), [2, 2 &+ 3 &* Int64.max])
    let ad = Constant(.double, [1, 2], values: [0.5, 0.25])
    let bd = Constant(.double, [2, 2], values: [2.0, 4, 8, 16])
    let rd = try KernelHarness.run(node, [.runtime(ad), .runtime(bd)])
    XCTAssertEqual(rd.outputs[0].values(Double.self), [3, 6])
  }

  // MARK: Goldens (onnxruntime 1.32)

  /// A[i] = (i % 11 - 5) / 4, B[i] = (i % 7 - 3) / 8, C[i] = (i % 5 - 2) / 2: exact in float32.
  static func pattern(_ shape: [Int], _ modulus: Int, _ center: Int, _ scale: Float) -> Constant {
    KernelHarness.floats(shape, (0..<shape.reduce(1, *)).map { Float($0 % modulus - center) * scale })
  }

  func testGoldenBatchedMatMul() throws {
    let result = try KernelHarness.run(
      TestNodes.node("MatMul", inputs: ["A", "B"]),
      [.runtime(Self.pattern([2, 1, 3, 4], 11, 5, 0.25)), .constant(Self.pattern([3, 4, 5], 7, 3, 0.125))])
    XCTAssertEqual(result.outputs[0].type.shape, [2, 3, 3, 5])
    assertClose(floatValues(result.outputs[0]), MatrixGoldens.batchedMatMul, rtol: 1e-6, atol: 1e-6)
  }

  func testGoldenGemm() throws {
    // A [4, 3] transposed, B [5, 4] transposed, C [5], alpha 0.5, beta 2.
    let node = TestNodes.node(
      "Gemm", inputs: ["A", "B", "C"],
      [
        TestNodes.int("transA", 1), TestNodes.int("transB", 1), TestNodes.float("alpha", 0.5),
        TestNodes.float("beta", 2),
      ])
    let result = try KernelHarness.run(
      node,
      [
        .runtime(Self.pattern([4, 3], 11, 5, 0.25)), .constant(Self.pattern([5, 4], 7, 3, 0.125)),
        .constant(Self.pattern([5], 5, 2, 0.5)),
      ])
    XCTAssertEqual(result.outputs[0].type.shape, [3, 5])
    assertClose(floatValues(result.outputs[0]), MatrixGoldens.gemmTransposed, rtol: 1e-6, atol: 1e-6)
  }

  // MARK: Errors

  func testErrorsNameTheNode() {
    let gemm = TestNodes.node("Gemm", name: "fc", inputs: ["A", "B", "C"])
    let a = KernelHarness.floats([2, 3], [Float](repeating: 1, count: 6))
    let b = KernelHarness.floats([4, 5], [Float](repeating: 1, count: 20))
    assertRuntimeError(.invalid, ["Gemm node 'fc'", "inner dimensions"]) {
      _ = try KernelHarness.run(gemm, [.runtime(a), .constant(b), .omitted])
    }
    let b35 = KernelHarness.floats([3, 5], [Float](repeating: 1, count: 15))
    assertRuntimeError(.invalid, ["Gemm node 'fc'", "does not broadcast"]) {
      _ = try KernelHarness.run(gemm, [.runtime(a), .constant(b35), .constant(KernelHarness.floats([3], [1, 2, 3]))])
    }
    assertRuntimeError(.invalid, ["Gemm node 'fc'", "matrix"]) {
      _ = try KernelHarness.run(gemm, [.runtime(KernelHarness.floats([6], [1, 2, 3, 4, 5, 6])), .constant(b35)])
    }
    let ints = Constant(.int32, [2, 3], values: [Int32](repeating: 1, count: 6))
    assertRuntimeError(.unsupported, ["Gemm node 'fc'", "float32"]) {
      _ = try KernelHarness.run(gemm, [.runtime(ints), .constant(b35)])
    }
    let matMul = TestNodes.node("MatMul", name: "mm", inputs: ["A", "B"])
    assertRuntimeError(.invalid, ["MatMul node 'mm'", "inner dimensions"]) {
      _ = try KernelHarness.run(matMul, [.runtime(a), .runtime(b)])
    }
    assertRuntimeError(.invalid, ["MatMul node 'mm'", "batch"]) {
      _ = try KernelHarness.run(
        matMul,
        [
          .runtime(KernelHarness.floats([2, 2, 3], [Float](repeating: 1, count: 12))),
          .runtime(KernelHarness.floats([3, 3, 5], [Float](repeating: 1, count: 45))),
        ])
    }
    assertRuntimeError(.invalid, ["MatMul node 'mm'", "float"]) {
      _ = try KernelHarness.run(
        matMul, [.runtime(a), .runtime(Constant(.int32, [3, 1], values: [Int32]([1, 2, 3])))])
    }
    assertRuntimeError(.unsupported, ["MatMul node 'mm'", "bool"]) {
      let flags = Constant(.bool, [2, 2], values: [UInt8]([1, 0, 0, 1]))
      _ = try KernelHarness.run(matMul, [.runtime(flags), .runtime(flags)])
    }
  }
}
