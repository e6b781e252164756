import ONNXFormat
import XCTest

@testable import Runtime

/// QLinearMatMul, MatMulInteger and QGemm against naive integer references written from the ONNX and
/// ONNX Runtime definitions: int64 sums, wrapped to int32, then the same `Requantizer` (no float), on
/// seeded random data.
final class IntegerMatrixTests: XCTestCase {
  // MARK: MatMul reference

  struct MatMulCase {
    var a: [Int]
    var b: [Int]
    var aSigned = false
    var bSigned = true
    var ySigned: Bool? = nil
    /// Shapes of the zero points / b_scale; nil = omitted (zero points) or one value (scale).
    var aZero: [Int]? = []
    var bZero: [Int]? = []
    var bScale: [Int] = []
    var constantB = true
    var runtimeAZero = false
    var integer = false
  }

  /// numpy broadcasting of batch dims, and the linear index each output batch reads from a source.
  static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    return (0..<rank).map { axis in
      let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
      let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
      return max(x, y)
    }
  }

  static func sourceIndex(_ index: Int, batch: [Int], source: [Int]) -> Int {
    var rest = index
    var result = 0
    var step = 1
    for axis in stride(from: batch.count - 1, through: 0, by: -1) {
      let coordinate = rest % batch[axis]
      rest /= batch[axis]
      let sourceAxis = axis - (batch.count - source.count)
      if sourceAxis >= 0 {
        if source[sourceAxis] != 1 { result += coordinate * step }
        step *= source[sourceAxis]
      }
    }
    return result
  }

  struct MatMulData {
    var a: [Int]
    var b: [Int]
    var aZero: [Int]
    var bZero: [Int]
    var aScale: Float
    var bScale: [Float]
    var yScale: Float
    var yZero: Int
  }

  /// Output shape, and for every output element its int64 sum and its b_scale index.
  static func matMulSums(_ c: MatMulCase, _ d: MatMulData) -> (
    shape: [Int], sums: [Int64], scales: [Int]
  ) {
    let aShape = c.a.count == 1 ? [1, c.a[0]] : c.a
    let bShape = c.b.count == 1 ? [c.b[0], 1] : c.b
    let m = aShape[aShape.count - 2]
    let k = aShape[aShape.count - 1]
    let n = bShape[bShape.count - 1]
    let aBatch = Array(aShape.dropLast(2))
    let bBatch = Array(bShape.dropLast(2))
    let batch = broadcast(aBatch, bBatch)
    var shape = batch
    if c.a.count > 1 { shape.append(m) }
    if c.b.count > 1 { shape.append(n) }
    func perBatch(_ spreadShape: [Int]?, _ count: Int, batchOf source: [Int], column: Bool) -> (
      Int, Int
    ) {
      // (stride, batch stride) of a zero point or scale for rows (or columns) of a source batch.
      guard let s = spreadShape, !(s.reduce(1, *) == 1) else { return (0, 0) }
      if s.count == 1 { return (1, 0) }
      let leading = s.dropLast(2).reduce(1, *)
      return (1, leading == 1 ? 0 : count)
    }
    let (aZeroStride, aZeroBatch) = perBatch(c.aZero, m, batchOf: aBatch, column: false)
    let (bZeroStride, bZeroBatch) = perBatch(c.bZero, n, batchOf: bBatch, column: true)
    let (bScaleStride, bScaleBatch) = perBatch(c.bScale, n, batchOf: bBatch, column: true)
    var sums: [Int64] = []
    var scales: [Int] = []
    for index in 0..<max(batch.reduce(1, *), 1) {
      let ai = sourceIndex(index, batch: batch, source: aBatch)
      let bi = sourceIndex(index, batch: batch, source: bBatch)
      for i in 0..<m {
        let za = d.aZero.isEmpty ? 0 : d.aZero[ai * aZeroBatch + i * aZeroStride]
        for j in 0..<n {
          let zb = d.bZero.isEmpty ? 0 : d.bZero[bi * bZeroBatch + j * bZeroStride]
          var acc: Int64 = 0
          for p in 0..<k {
            acc += Int64(d.a[(ai * m + i) * k + p] - za) * Int64(d.b[(bi * k + p) * n + j] - zb)
          }
          sums.append(acc)
          scales.append(bi * bScaleBatch + j * bScaleStride)
        }
      }
    }
    return (shape, sums, scales)
  }

  static func matMulData(_ c: MatMulCase, _ rng: inout SeededGenerator) -> MatMulData {
    let aSigned = c.aSigned
    let ySigned = c.ySigned ?? c.aSigned
    var d = MatMulData(
      a: rng.codes(c.a.reduce(1, *), signed: aSigned),
      b: rng.codes(c.b.reduce(1, *), signed: c.bSigned),
      aZero: (0..<(c.aZero?.reduce(1, *) ?? 0)).map { _ in rng.zeroPoint(signed: aSigned) },
      bZero: (0..<(c.bZero?.reduce(1, *) ?? 0)).map { _ in rng.zeroPoint(signed: c.bSigned) },
      aScale: rng.uniform(0.01...0.05),
      bScale: (0..<c.bScale.reduce(1, *)).map { _ in rng.uniform(0.004...0.008) },
      yScale: 1, yZero: rng.zeroPoint(signed: ySigned))
    let largest = matMulSums(c, d).sums.map { $0.magnitude }.max() ?? 1
    d.yScale = d.aScale * 0.006 * Float(max(largest, 1)) / 100 * rng.uniform(0.7...1.3)
    return d
  }

  func checkMatMul(
    _ c: MatMulCase, seed: UInt64, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var rng = SeededGenerator(seed: seed)
    let d = Self.matMulData(c, &rng)
    let a = quantizedConstant(c.aSigned, c.a, d.a)
    let b = quantizedConstant(c.bSigned, c.b, d.b)
    let aZero: HarnessInput =
      c.aZero.map {
        let value = quantizedConstant(c.aSigned, $0, d.aZero)
        return c.runtimeAZero ? .runtime(value) : .constant(value)
      } ?? .omitted
    let bZero: HarnessInput =
      c.bZero.map { .constant(quantizedConstant(c.bSigned, $0, d.bZero)) } ?? .omitted
    let bInput: HarnessInput = c.constantB ? .constant(b) : .runtime(b)
    let ySigned = c.ySigned ?? c.aSigned
    let node: Node
    let inputs: [HarnessInput]
    if c.integer {
      node = TestNodes.node(
        "MatMulInteger", name: "mm",
        inputs: [
          "A", "B", c.aZero == nil ? "" : "a_zero_point", c.bZero == nil ? "" : "b_zero_point",
        ])
      inputs = [.runtime(a), bInput, aZero, bZero]
    } else {
      node = TestNodes.node(
        "QLinearMatMul", name: "qmm",
        inputs: [
          "a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point",
        ])
      inputs = [
        .runtime(a), .constant(KernelHarness.floats([], [d.aScale])), aZero, bInput,
        .constant(KernelHarness.floats(c.bScale, d.bScale)), bZero,
        .constant(KernelHarness.floats([], [d.yScale])),
        .constant(quantizedConstant(ySigned, [], [d.yZero])),
      ]
    }
    let output = try KernelHarness.run(node, opset: 13, inputs, file: file, line: line).outputs[0]
    let (shape, sums, scales) = Self.matMulSums(c, d)
    let expected: [Int] = sums.enumerated().map { index, acc in
      if c.integer { return Int(Int32(truncatingIfNeeded: acc)) }
      let multiplier = requantizationScale(
        inputScale: d.aScale, weightScale: d.bScale[scales[index]], outputScale: d.yScale)
      return referenceQuantize(acc, multiplier: multiplier, zeroPoint: d.yZero, signed: ySigned)
    }
    let dataType: DataType = c.integer ? .int32 : (ySigned ? .int8 : .uint8)
    XCTAssertEqual(output.type, TensorType(dataType, shape), file: file, line: line)
    let actual = integerValues(output)
    for index in 0..<min(actual.count, expected.count) where actual[index] != expected[index] {
      XCTFail(
        "seed " + String(seed) + " " + String(describing: c) + ": element " + String(index) + " is "
          + String(actual[index]) + ", expected " + String(expected[index]), file: file, line: line)
      return
    }
    XCTAssertEqual(actual.count, expected.count, file: file, line: line)
    if !c.integer {
      let low = ySigned ? -128 : 0
      let inside = expected.filter { $0 != low && $0 != low + 255 }.count
      XCTAssertGreaterThan(
        inside * 2, expected.count, "mostly saturated outputs", file: file, line: line)
    }
  }

  static let matMulShapes: [MatMulCase] = [
    MatMulCase(a: [5, 19], b: [19, 11]),
    MatMulCase(a: [2, 3, 10], b: [2, 10, 9], bScale: [2, 1, 9]),
    MatMulCase(a: [2, 2, 4, 13], b: [13, 6]),
    MatMulCase(a: [3, 1, 4, 7], b: [2, 7, 5], bZero: [1, 5], bScale: [5]),
    MatMulCase(a: [7], b: [7, 4]),
    MatMulCase(a: [3, 6], b: [6]),
    MatMulCase(a: [4, 9], b: [9, 10], bZero: [10], bScale: [10]),
    MatMulCase(a: [1, 33], b: [33, 17], aZero: nil, bZero: nil),
    MatMulCase(a: [9, 300], b: [300, 20]),
    MatMulCase(a: [2, 5, 8], b: [2, 8, 3], bZero: [2, 1, 3], bScale: [2, 1, 3]),
  ]

  func testQLinearMatMulAcrossShapesAndTypes() throws {
    var seed: UInt64 = 1
    for base in Self.matMulShapes {
      for (aSigned, bSigned) in [(false, true), (true, true), (false, false), (true, false)] {
        var c = base
        c.aSigned = aSigned
        c.bSigned = bSigned
        c.constantB = seed % 2 == 0
        c.ySigned = seed % 3 == 0 ? !aSigned : nil
        try checkMatMul(c, seed: seed)
        seed += 1
      }
    }
  }

  func testMatMulIntegerAcrossShapesAndZeroPoints() throws {
    var shapes = Self.matMulShapes.map { base -> MatMulCase in
      var c = base
      c.integer = true
      return c
    }
    shapes += [
      MatMulCase(a: [6, 7], b: [7, 5], aZero: [6], bZero: [5], integer: true),
      MatMulCase(a: [2, 3, 4], b: [4, 9], aZero: [2, 3, 1], bZero: [9], integer: true),
      MatMulCase(a: [2, 3, 4], b: [2, 4, 9], aZero: [3], bZero: [2, 1, 9], integer: true),
      MatMulCase(a: [5, 4], b: [4, 3], aZero: nil, bZero: nil, integer: true),
    ]
    var seed: UInt64 = 100
    for base in shapes {
      for (aSigned, bSigned) in [(false, false), (true, true), (false, true)] {
        var c = base
        c.aSigned = aSigned
        c.bSigned = bSigned
        c.constantB = seed % 2 == 1
        c.runtimeAZero = c.aZero != nil && seed % 3 == 0
        try checkMatMul(c, seed: seed)
        seed += 1
      }
    }
  }

  // MARK: QGemm reference

  struct QGemmCase {
    var m: Int
    var n: Int
    var k: Int
    var transA = false
    var transB = false
    var aSigned = false
    var bSigned = true
    var perColumn = false
    /// Shape of C (int32 bias); nil = omitted.
    var c: [Int]? = nil
    /// The output: quantized with y_scale and y_zero_point, or float.
    var quantized = true
    var alpha: Float = 1
    var constantB = true
  }

  func checkQGemm(_ q: QGemmCase, seed: UInt64, file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    var rng = SeededGenerator(seed: seed)
    let a = rng.codes(q.m * q.k, signed: q.aSigned)  // logical [M, K], row-major
    let b = rng.codes(q.k * q.n, signed: q.bSigned)  // logical [K, N], row-major
    let aZero = rng.zeroPoint(signed: q.aSigned)
    let columns = q.perColumn ? q.n : 1
    let bZero = (0..<columns).map { _ in rng.zeroPoint(signed: q.bSigned) }
    let aScale = rng.uniform(0.01...0.05)
    let bScale = (0..<columns).map { _ in rng.uniform(0.004...0.008) }
    let cValues = q.c.map { shape in
      (0..<shape.reduce(1, *)).map { _ in Int32.random(in: -3000...3000, using: &rng) }
    }
    var sums: [Int64] = []
    for i in 0..<q.m {
      for j in 0..<q.n {
        var acc: Int64 = 0
        for p in 0..<q.k {
          acc += Int64(a[i * q.k + p] - aZero) * Int64(b[p * q.n + j] - bZero[q.perColumn ? j : 0])
        }
        if let shape = q.c, let values = cValues {
          let rows = shape.count == 2 ? shape[0] : 1
          let cols = shape.count >= 1 ? shape[shape.count - 1] : 1
          acc += Int64(values[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)])
        }
        sums.append(acc)
      }
    }
    let largest = sums.map { $0.magnitude }.max() ?? 1
    let yScale = q.alpha * aScale * 0.006 * Float(max(largest, 1)) / 100 * rng.uniform(0.7...1.3)
    let yZero = rng.zeroPoint(signed: q.aSigned)
    // Stored operands, transposed when asked.
    var aStored = a
    if q.transA { for i in 0..<q.m { for p in 0..<q.k { aStored[p * q.m + i] = a[i * q.k + p] } } }
    var bStored = b
    if q.transB { for p in 0..<q.k { for j in 0..<q.n { bStored[j * q.k + p] = b[p * q.n + j] } } }
    let bConstant = quantizedConstant(q.bSigned, q.transB ? [q.n, q.k] : [q.k, q.n], bStored)
    var inputs: [HarnessInput] = [
      .runtime(quantizedConstant(q.aSigned, q.transA ? [q.k, q.m] : [q.m, q.k], aStored)),
      .constant(KernelHarness.floats([], [aScale])),
      .constant(quantizedConstant(q.aSigned, [], [aZero])),
      q.constantB ? .constant(bConstant) : .runtime(bConstant),
      .constant(KernelHarness.floats(q.perColumn ? [q.n] : [], bScale)),
      .constant(quantizedConstant(q.bSigned, q.perColumn ? [q.n] : [], bZero)),
      cValues.map { .constant(Constant(.int32, q.c ?? [], values: $0)) } ?? .omitted,
    ]
    var names = [
      "A", "a_scale", "a_zero_point", "B", "b_scale", "b_zero_point", q.c == nil ? "" : "C",
    ]
    if q.quantized {
      inputs += [
        .constant(KernelHarness.floats([], [yScale])),
        .constant(quantizedConstant(q.aSigned, [], [yZero])),
      ]
      names += ["y_scale", "y_zero_point"]
    }
    var attributes: [Attribute] = []
    if q.transA { attributes.append(TestNodes.int("transA", 1)) }
    if q.transB { attributes.append(TestNodes.int("transB", 1)) }
    if q.alpha != 1 { attributes.append(TestNodes.float("alpha", q.alpha)) }
    var node = TestNodes.node("QGemm", name: "qgemm", inputs: names, attributes)
    node.domain = "com.microsoft"
    let output = try KernelHarness.run(node, opset: 13, inputs, file: file, line: line).outputs[0]
    let label = "seed " + String(seed) + " " + String(describing: q)
    if q.quantized {
      XCTAssertEqual(
        output.type, TensorType(q.aSigned ? .int8 : .uint8, [q.m, q.n]), label, file: file,
        line: line)
      let actual = integerValues(output)
      for index in 0..<sums.count {
        let j = index % q.n
        // ONNX Runtime: alpha * a_scale * b_scale[j] / y_scale, in float32, in that order.
        let multiplier = q.alpha * aScale * bScale[q.perColumn ? j : 0] / yScale
        let expected = referenceQuantize(
          sums[index], multiplier: multiplier, zeroPoint: yZero, signed: q.aSigned)
        if actual[index] != expected {
          XCTFail(
            label + ": element " + String(index) + " is " + String(actual[index]) + ", expected "
              + String(expected), file: file, line: line)
          return
        }
      }
    } else {
      XCTAssertEqual(output.type, TensorType(.float, [q.m, q.n]), label, file: file, line: line)
      let actual = floatValues(output)
      for index in 0..<sums.count {
        let j = index % q.n
        let expected =
          Float(Int32(truncatingIfNeeded: sums[index]))
          * (q.alpha * aScale * bScale[q.perColumn ? j : 0])
        if actual[index].bitPattern != expected.bitPattern {
          XCTFail(
            label + ": element " + String(index) + " is " + String(actual[index]) + ", expected "
              + String(expected), file: file, line: line)
          return
        }
      }
    }
  }

  func testQGemmAcrossTranspositionsBiasesAndOutputs() throws {
    let cases: [QGemmCase] = [
      QGemmCase(m: 6, n: 10, k: 21, transB: true, perColumn: true, c: [10]),
      QGemmCase(m: 4, n: 7, k: 9, transA: true, c: [4, 1], alpha: 0.75),
      QGemmCase(m: 3, n: 5, k: 12, c: [3, 5], quantized: false, alpha: 0.5),
      QGemmCase(m: 9, n: 17, k: 40, transA: true, transB: true, c: [1, 17]),
      QGemmCase(m: 1, n: 8, k: 64, c: []),
      QGemmCase(m: 5, n: 3, k: 7, perColumn: true, quantized: false),
      QGemmCase(m: 13, n: 9, k: 5, c: [1]),
      QGemmCase(m: 2, n: 2, k: 1),
    ]
    var seed: UInt64 = 200
    for base in cases {
      for (aSigned, bSigned) in [(false, true), (true, true), (false, false)] {
        var q = base
        q.aSigned = aSigned
        q.bSigned = bSigned
        q.constantB = seed % 2 == 0
        try checkQGemm(q, seed: seed)
        seed += 1
      }
    }
  }

  // MARK: Errors

  func qlinearMatMulInputs(_ change: (inout [HarnessInput]) -> Void) -> [HarnessInput] {
    var inputs: [HarnessInput] = [
      .runtime(quantizedConstant(false, [2, 3], [1, 2, 3, 4, 5, 6])),
      .constant(KernelHarness.floats([], [0.1])),
      .constant(quantizedConstant(false, [], [128])),
      .constant(quantizedConstant(true, [3, 4], [Int](repeating: 1, count: 12))),
      .constant(KernelHarness.floats([], [0.02])), .constant(quantizedConstant(true, [], [0])),
      .constant(KernelHarness.floats([], [0.2])), .constant(quantizedConstant(false, [], [120])),
    ]
    change(&inputs)
    return inputs
  }

  static let qmmNode = TestNodes.node(
    "QLinearMatMul", name: "mm_3",
    inputs: [
      "a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point",
    ])

  func testQLinearMatMulErrorsNameTheNode() {
    let zeroType = qlinearMatMulInputs { $0[5] = .constant(quantizedConstant(false, [], [0])) }
    assertRuntimeError(
      .invalid, ["QLinearMatMul node 'mm_3'", "b_zero_point is uint8 but B is int8"]
    ) {
      _ = try KernelHarness.run(Self.qmmNode, zeroType)
    }
    let scaleShape = qlinearMatMulInputs {
      $0[4] = .constant(KernelHarness.floats([3], [0.1, 0.1, 0.1]))
    }
    assertRuntimeError(
      .invalid, ["mm_3", "b_scale float32[3] must be a scalar, 1-D with 4 values"]
    ) {
      _ = try KernelHarness.run(Self.qmmNode, scaleShape)
    }
    let perRow = qlinearMatMulInputs { $0[1] = .constant(KernelHarness.floats([2], [0.1, 0.2])) }
    assertRuntimeError(.unsupported, ["mm_3", "per-tensor a_scale and a_zero_point only"]) {
      _ = try KernelHarness.run(Self.qmmNode, perRow)
    }
    let runtimeScale = qlinearMatMulInputs { $0[6] = .runtime(KernelHarness.floats([], [0.2])) }
    assertRuntimeError(.unsupported, ["mm_3", "y_scale", "known when the model is loaded"]) {
      _ = try KernelHarness.run(Self.qmmNode, runtimeScale)
    }
    let zeroScale = qlinearMatMulInputs { $0[1] = .constant(KernelHarness.floats([], [0])) }
    assertRuntimeError(.invalid, ["mm_3", "a_scale must hold positive finite values"]) {
      _ = try KernelHarness.run(Self.qmmNode, zeroScale)
    }
    let inner = qlinearMatMulInputs {
      $0[3] = .constant(quantizedConstant(true, [4, 4], [Int](repeating: 1, count: 16)))
    }
    assertRuntimeError(.invalid, ["mm_3", "inner dimensions differ"]) {
      _ = try KernelHarness.run(Self.qmmNode, inner)
    }
    let floats = qlinearMatMulInputs {
      $0[0] = .runtime(KernelHarness.floats([2, 3], [0, 0, 0, 0, 0, 0]))
    }
    assertRuntimeError(.unsupported, ["mm_3", "A must be uint8 or int8"]) {
      _ = try KernelHarness.run(Self.qmmNode, floats)
    }
  }

  func testMatMulIntegerErrors() {
    let node = TestNodes.node(
      "MatMulInteger", name: "mmi", inputs: ["A", "B", "a_zero_point", "b_zero_point"])
    let a = quantizedConstant(false, [2, 3], [1, 2, 3, 4, 5, 6])
    let b = quantizedConstant(false, [3, 2], [1, 2, 3, 4, 5, 6])
    assertRuntimeError(
      .invalid, ["MatMulInteger node 'mmi'", "a_zero_point is int8 but A is uint8"]
    ) {
      _ = try KernelHarness.run(
        node, [.runtime(a), .constant(b), .constant(quantizedConstant(true, [], [1])), .omitted])
    }
    assertRuntimeError(
      .invalid, ["mmi", "a_zero_point uint8[3] must be a scalar, 1-D with 2 values (one per row)"]
    ) {
      _ = try KernelHarness.run(
        node,
        [.runtime(a), .constant(b), .constant(quantizedConstant(false, [3], [1, 2, 3])), .omitted])
    }
    assertRuntimeError(
      .invalid,
      ["mmi", "b_zero_point uint8[3] must be a scalar, 1-D with 2 values (one per column)"]
    ) {
      _ = try KernelHarness.run(
        node,
        [.runtime(a), .constant(b), .omitted, .constant(quantizedConstant(false, [3], [1, 2, 3]))])
    }
    // A constant B with its zero point computed at run time: the zero point must be fixed at load.
    do {
      _ = try KernelHarness.run(
        node, [.runtime(a), .constant(b), .omitted, .runtime(quantizedConstant(false, [], [3]))])
      XCTFail("accepted")
    } catch {
      XCTAssertEqual(error.loadTimeValue, "b_zero_point")
      XCTAssertTrue(error.message.contains("mmi"), error.message)
    }
  }

  func testQGemmErrors() {
    var node = TestNodes.node(
      "QGemm", name: "qg",
      inputs: [
        "A", "a_scale", "a_zero_point", "B", "b_scale", "b_zero_point", "", "", "y_zero_point",
      ])
    node.domain = "com.microsoft"
    let inputs: [HarnessInput] = [
      .runtime(quantizedConstant(false, [2, 3], [1, 2, 3, 4, 5, 6])),
      .constant(KernelHarness.floats([], [0.1])),
      .constant(quantizedConstant(false, [], [128])),
      .constant(quantizedConstant(true, [3, 2], [1, 2, 3, 4, 5, 6])),
      .constant(KernelHarness.floats([], [0.02])), .constant(quantizedConstant(true, [], [0])),
      .omitted, .omitted,
      .constant(quantizedConstant(false, [], [120])),
    ]
    assertRuntimeError(.invalid, ["QGemm node 'qg'", "y_zero_point is given without y_scale"]) {
      _ = try KernelHarness.run(node, inputs)
    }
    var bias = inputs
    bias[6] = .constant(Constant(.int32, [3, 2], values: [Int32](repeating: 0, count: 6)))
    bias[8] = .omitted
    node.inputs = ["A", "a_scale", "a_zero_point", "B", "b_scale", "b_zero_point", "C"]
    assertRuntimeError(.invalid, ["qg", "C int32[3, 2] does not broadcast to [2, 2]"]) {
      _ = try KernelHarness.run(node, Array(bias.prefix(7)))
    }
    var columns = Array(inputs.prefix(6))
    columns[4] = .constant(KernelHarness.floats([3], [0.1, 0.1, 0.1]))
    node.inputs = ["A", "a_scale", "a_zero_point", "B", "b_scale", "b_zero_point"]
    assertRuntimeError(
      .invalid, ["qg", "b_scale must be a scalar or 1-D with 2 values (one per column)"]
    ) {
      _ = try KernelHarness.run(node, columns)
    }
  }
}
