import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu and QLinearSoftmax (com.microsoft): bytes
/// against ONNX Runtime 1.32 (QuantizedElementwiseGoldens), the integer kernels against float32 models of
/// ONNX Runtime's arithmetic on every input pair, and every output against the exact real result.
final class QuantizedElementwiseTests: XCTestCase {
  // MARK: - ONNX Runtime literals

  func testAddAndMulMatchONNXRuntimeBitForBit() throws {
    var compared = 0
    for (index, golden) in QuantizedElementwiseGoldens.binary.enumerated() {
      let got = try QE.binary(
        golden.op, signed: golden.signed, golden.shapeA, QE.bytes(golden.a), golden.shapeB, QE.bytes(golden.b),
        scales: golden.scales, zeroPoints: golden.zeroPoints)
      let expected = QE.bytes(golden.c)
      XCTAssertEqual(QE.differences(got, expected, signed: golden.signed).count, 0, "binary case " + String(index))
      compared += expected.count
    }
    XCTAssertEqual(compared, 8 * 256 + 2 * (256 + 256 + 24 + 24 + 6 + 1) + 8 + 16)
  }

  func testSigmoidAndLeakyReluMatchONNXRuntimeBitForBit() throws {
    for (index, golden) in QuantizedElementwiseGoldens.unary.enumerated() {
      let got = try QE.unary(
        golden.op, signed: golden.signed, scales: golden.scales, zeroPoints: golden.zeroPoints, alpha: golden.alpha)
      XCTAssertEqual(got, QE.bytes(golden.y), "unary case " + String(index))
    }
  }

  func testSoftmaxMatchesONNXRuntimeBitForBit() throws {
    for (index, golden) in QuantizedElementwiseGoldens.softmax.enumerated() {
      let got = try QE.softmax(
        signed: golden.signed, golden.shape, QE.bytes(golden.x), axis: golden.axis, opset: golden.opset,
        scales: golden.scales, zeroPoints: golden.zeroPoints)
      XCTAssertEqual(got, QE.bytes(golden.y), "softmax case " + String(index))
    }
  }

  // MARK: - The integer kernels against float32 models of ONNX Runtime

  /// Every (a, b) pair, for random scale sets and the three ways ONNX Runtime streams the operands:
  /// the integer kernel equals ONNX Runtime's float32 FMA chain, evaluated here with Float.
  func testAddEqualsTheFloat32ModelOnEveryPair() throws {
    var random = QE.Random(seed: 7)
    for set in 0..<12 {
      let signed = set % 2 == 1
      let p = random.binaryParameters(signed: signed, ties: set % 3 == 0)
      let codes = QE.codes()
      // Same shape: x = A, y = B.
      let a = (0..<65536).map { codes[$0 >> 8] }
      let b = (0..<65536).map { codes[$0 & 255] }
      let same = try QE.binary("QLinearAdd", signed: signed, [65536], a, [65536], b, scales: p.scales, zeroPoints: p.zeros)
      // B broadcast along rows of 256 (row i holds b = code i): x = A, y = B.
      let rowsB = try QE.binary("QLinearAdd", signed: signed, [256, 256], b, [256, 1], codes, scales: p.scales, zeroPoints: p.zeros)
      // A broadcast along rows: ONNX Runtime streams B, so x = B, y = A.
      let rowsA = try QE.binary("QLinearAdd", signed: signed, [256, 1], codes, [256, 256], b, scales: p.scales, zeroPoints: p.zeros)
      var mismatches = 0
      for index in 0..<65536 {
        let (ca, cb) = (a[index], b[index])
        if same[index] != QE.addModel(x: ca, y: cb, p, swap: false, signed: signed) { mismatches += 1 }
        if rowsB[index] != QE.addModel(x: cb, y: ca, p, swap: false, signed: signed) { mismatches += 1 }
        let (ra, rb) = (codes[index >> 8], b[index])
        if rowsA[index] != QE.addModel(x: rb, y: ra, p, swap: true, signed: signed) { mismatches += 1 }
      }
      XCTAssertEqual(mismatches, 0, "scale set " + String(set))
    }
  }

  func testMulEqualsTheFloat32ModelOnEveryPair() throws {
    var random = QE.Random(seed: 11)
    for set in 0..<12 {
      let signed = set % 2 == 1
      let p = random.binaryParameters(signed: signed, ties: set % 3 == 0, multiply: true)
      let codes = QE.codes()
      let a = (0..<65536).map { codes[$0 >> 8] }
      let b = (0..<65536).map { codes[$0 & 255] }
      let same = try QE.binary("QLinearMul", signed: signed, [65536], a, [65536], b, scales: p.scales, zeroPoints: p.zeros)
      let rowsA = try QE.binary("QLinearMul", signed: signed, [256, 1], codes, [256, 256], b, scales: p.scales, zeroPoints: p.zeros)
      var mismatches = 0
      for index in 0..<65536 {
        if same[index] != QE.mulModel(a[index], b[index], p, signed: signed) { mismatches += 1 }
        if rowsA[index] != QE.mulModel(codes[index >> 8], b[index], p, signed: signed) { mismatches += 1 }
      }
      XCTAssertEqual(mismatches, 0, "scale set " + String(set))
    }
  }

  /// The vector path of QLinearMul (a linear estimate, exact away from the steps) is on for ordinary
  /// scales, and rows of every length around the 16-lane vectors give the scalar path's bytes.
  func testMulVectorPathIsOnAndMatchesTheScalarPath() throws {
    var random = QE.Random(seed: 23)
    var on = 0
    for set in 0..<16 {
      let signed = set % 2 == 1
      let p = random.binaryParameters(signed: signed, ties: set % 4 == 0, multiply: true)
      let codes = QE.codes()
      let inputs = QE.binaryInputs(signed: signed, [256], codes, [256], codes, scales: p.scales, zeroPoints: p.zeros)
      guard case .quantizedElementwise(let kernel) = try QE.prepare(QE.node("QLinearMul", 8), inputs).kernel,
        case .mul(let mul) = kernel.step
      else { return XCTFail("not a QLinearMul kernel") }
      if mul.margin > 0 { on += 1 }
      // Rows of 1...40 elements: vectors of 16, then a scalar tail.
      let a = (0..<(40 * 41 / 2)).map { _ in codes[random.below(256)] }
      let b = (0..<(40 * 41 / 2)).map { _ in codes[random.below(256)] }
      var start = 0
      for length in 1...40 {
        let got = try QE.binary(
          "QLinearMul", signed: signed, [length], Array(a[start..<start + length]), [length],
          Array(b[start..<start + length]), scales: p.scales, zeroPoints: p.zeros)
        for i in 0..<length {
          XCTAssertEqual(got[i], QE.mulModel(a[start + i], b[start + i], p, signed: signed), "set \(set) length \(length)")
        }
        start += length
      }
    }
    XCTAssertGreaterThanOrEqual(on, 12)
  }

  /// QLinearAdd's 16-lane path (a 32-bit linear estimate, exact away from the steps) is on for ordinary
  /// scales, and rows of every length around the vectors, streamed or broadcast, give the model's bytes.
  func testAddVectorPathIsOnAndMatchesTheModel() throws {
    var random = QE.Random(seed: 29)
    var on = 0
    for set in 0..<16 {
      let signed = set % 2 == 1
      let p = random.binaryParameters(signed: signed, ties: set % 4 == 0)
      let codes = QE.codes()
      let inputs = QE.binaryInputs(signed: signed, [256], codes, [256], codes, scales: p.scales, zeroPoints: p.zeros)
      guard case .quantizedElementwise(let kernel) = try QE.prepare(QE.node("QLinearAdd", 8), inputs).kernel,
        case .add(let add) = kernel.step
      else { return XCTFail("not a QLinearAdd kernel") }
      if add.linear != nil { on += 1 }
      for length in 1...40 {
        let a = (0..<length).map { _ in codes[random.below(256)] }
        let b = (0..<length).map { _ in codes[random.below(256)] }
        let same = try QE.binary("QLinearAdd", signed: signed, [length], a, [length], b, scales: p.scales, zeroPoints: p.zeros)
        let scalarB = try QE.binary("QLinearAdd", signed: signed, [length], a, [1], [b[0]], scales: p.scales, zeroPoints: p.zeros)
        for i in 0..<length {
          XCTAssertEqual(same[i], QE.addModel(x: a[i], y: b[i], p, swap: false, signed: signed), "set \(set) length \(length)")
          XCTAssertEqual(scalarB[i], QE.addModel(x: a[i], y: b[0], p, swap: false, signed: signed), "set \(set) length \(length)")
        }
      }
    }
    XCTAssertGreaterThanOrEqual(on, 12)
  }

  /// Random and tie-heavy rows: the integer softmax equals the float32 model (float32 sum in order,
  /// fl(t * fl(1 / sum)), times floor(1 / y_scale), round half to even).
  func testSoftmaxEqualsTheFloat32Model() throws {
    var random = QE.Random(seed: 5)
    var total = 0
    for set in 0..<60 {
      let signed = set % 2 == 1
      let length = [1, 2, 3, 10, 16, 17, 64, 255, 1000][set % 9]
      let rows = 1 + set % 4
      let xScale = Float(random.logUniform(0.003, 0.5))
      let yScale: Float = set % 3 == 0 ? Float(random.logUniform(0.001, 0.1)) : 1.0 / Float(1 << (4 + set % 5))
      let yZero = signed ? (set % 7 == 0 ? Int32(random.below(256)) - 128 : -128) : (set % 7 == 0 ? Int32(random.below(256)) : 0)
      let base = random.below(250)
      var x: [UInt8] = []
      for _ in 0..<(rows * length) {
        x.append(UInt8(truncatingIfNeeded: set % 2 == 0 && set % 4 == 0 ? base + random.below(3) : random.below(256)))
      }
      let got = try QE.softmax(
        signed: signed, [rows, length], x, axis: -1, opset: 13, scales: [xScale, yScale], zeroPoints: [0, yZero])
      let expected = QE.softmaxModel(x, rows: rows, length: length, signed: signed, xScale: xScale, yScale: yScale, yZero: yZero)
      XCTAssertEqual(got, expected, "set " + String(set))
      total += x.count
    }
    XCTAssertEqual(total, 18_770)
  }

  /// The integer float32 helpers against the hardware's float32 on random operands, subnormals included.
  func testFloat32EmulationMatchesFloat() {
    var random = QE.Random(seed: 99)
    let rounding = QuantizedElementwiseMath.Float32Rounding(fractionBits: 27)
    for _ in 0..<200_000 {
      // Sums of non-negative floats below 2^126 (no overflow), exponents far apart or close.
      let a = UInt32(random.below(0x7E80_0000))
      let b = UInt32(random.below(2) == 0 ? random.below(0x7E80_0000) : (Int(a) + random.below(1 << 26)) % 0x7E80_0000)
      XCTAssertEqual(
        QuantizedElementwiseMath.addPositive(a, b), (Float(bitPattern: a) + Float(bitPattern: b)).bitPattern)
      // 1 / d for normal d in [1, 2^126).
      let d = UInt32(0x3F80_0000 + random.below(0x7E80_0000 - 0x3F80_0000))
      let inverse = QuantizedElementwiseMath.reciprocal(d)
      let expected = 1 / Float(bitPattern: d)
      XCTAssertEqual(Float(inverse.significand) * Float(sign: .plus, exponent: inverse.exponent, significand: 1), expected)
      // round(float32(float32(t * r) * s)) with s = floor(1 / y_scale).
      let t = UInt32(random.below(0x7F00_0000))
      let s = Float(1 + random.below(4000))
      let sBits = s.bitPattern
      let product = QuantizedElementwiseMath.roundedProduct(
        t, inverse.significand, inverse.exponent, Int64(sBits & 0x7F_FFFF) | (1 << 23), Int(sBits >> 23) - 150,
        rounding)
      let value = Float(bitPattern: t) * expected * s
      let reference = value >= 1024 ? 32767 : Int32(value.rounded(.toNearestOrEven))
      XCTAssertEqual(product, reference)
    }
  }

  // MARK: - Against the exact real result

  /// All 256 inputs of each ONNX Runtime set: at most one step from round_half_even of the float64 result.
  func testLookupTablesAgainstFloat64() throws {
    var counts: [Int] = []
    for golden in QuantizedElementwiseGoldens.unary {
      let got = try QE.unary(
        golden.op, signed: golden.signed, scales: golden.scales, zeroPoints: golden.zeroPoints, alpha: golden.alpha)
      var expected: [UInt8] = []
      for code in QE.codes() {
        let v = Double(golden.signed ? Int(Int8(bitPattern: code)) : Int(code)) - Double(golden.zeroPoints[0])
        let x = Double(golden.scales[0]) * v
        let y = golden.op == "QLinearSigmoid" ? 1 / (1 + Foundation.exp(-x)) : (x >= 0 ? x : Double(golden.alpha ?? 0.01) * x)
        expected.append(QE.quantize(y / Double(golden.scales[1]), golden.zeroPoints[1], signed: golden.signed))
      }
      let differences = QE.differences(got, expected, signed: golden.signed)
      XCTAssertLessThanOrEqual(differences.largest, 1)
      counts.append(differences.count)
    }
    // Only LeakyRelu with alpha 0.3 and x_scale = y_scale: alpha * x rounded to float32 lands on the other
    // side of a half for 5 codes.
    XCTAssertEqual(counts, [0, 0, 0, 0, 0, 0, 0, 5])
  }

  /// All 65,536 (a, b) pairs for four scale sets: at most one step from the exact real result.
  func testAddAndMulOnEveryPairAgainstFloat64() throws {
    let sets: [(signed: Bool, scales: [Float], zeros: [Int32])] = [
      (false, [0.05, 0.03, 0.07], [128, 100, 120]),
      (true, [0.0125, 0.0125, 0.025], [3, -7, -20]),
      (false, [0.02, 0.08, 0.04], [0, 200, 10]),
      (true, [0.1, 0.0037, 0.011], [-5, 17, 0]),
    ]
    var addCounts: [Int] = []
    var mulCounts: [Int] = []
    let codes = QE.codes()
    let a = (0..<65536).map { codes[$0 >> 8] }
    let b = (0..<65536).map { codes[$0 & 255] }
    for set in sets {
      let scales = set.scales.map { Double($0) }
      for multiply in [false, true] {
        let got = try QE.binary(
          multiply ? "QLinearMul" : "QLinearAdd", signed: set.signed, [65536], a, [65536], b, scales: set.scales,
          zeroPoints: set.zeros)
        var expected: [UInt8] = []
        for index in 0..<65536 {
          let va = Double(QE.value(a[index], set.signed) - set.zeros[0])
          let vb = Double(QE.value(b[index], set.signed) - set.zeros[1])
          let real = multiply ? scales[0] * scales[1] * va * vb / scales[2] : (scales[0] * va + scales[1] * vb) / scales[2]
          expected.append(QE.quantize(real, set.zeros[2], signed: set.signed))
        }
        let differences = QE.differences(got, expected, signed: set.signed)
        XCTAssertLessThanOrEqual(differences.largest, 1)
        if multiply { mulCounts.append(differences.count) } else { addCounts.append(differences.count) }
      }
    }
    // Add: the float32 FMA chain rounds a few sums just below or above a half the other way (ratios 9.1
    // and 0.34). Mul: ONNX Runtime rounds the product to float32 and adds C_zp in float32 before rounding,
    // which moves results near halves (up to 0.9% of pairs when C_zp is large).
    XCTAssertEqual(addCounts, [0, 0, 0, 41])
    XCTAssertEqual(mulCounts, [574, 485, 0, 32])
  }

  // MARK: - Layouts

  /// Broadcast operands give the bytes of their expanded same-shape form wherever ONNX Runtime streams the
  /// same operand (Mul always; Add when A is the streamed one).
  func testBroadcastMatchesExpandedOperands() throws {
    let p = QE.Parameters(scales: [0.0125, 0.0125, 0.025], zeros: [3, -7, -20])
    var random = QE.Random(seed: 3)
    let a = (0..<120).map { _ in UInt8(truncatingIfNeeded: random.below(256)) }
    let bias = (0..<4).map { _ in UInt8(truncatingIfNeeded: random.below(256)) }
    // [2, 4, 15] + [4, 1]: a per-channel term broadcast along rows of 15.
    var expanded: [UInt8] = []
    for _ in 0..<2 {
      for c in 0..<4 { expanded += [UInt8](repeating: bias[c], count: 15) }
    }
    for op in ["QLinearAdd", "QLinearMul"] {
      let broadcast = try QE.binary(op, signed: true, [2, 4, 15], a, [4, 1], bias, scales: p.scales, zeroPoints: p.zeros)
      let same = try QE.binary(op, signed: true, [2, 4, 15], a, [2, 4, 15], expanded, scales: p.scales, zeroPoints: p.zeros)
      XCTAssertEqual(broadcast, same, op)
      // A scalar on either side.
      let scalarB = try QE.binary(op, signed: true, [120], a, [1], [bias[1]], scales: p.scales, zeroPoints: p.zeros)
      let scalarExpanded = try QE.binary(
        op, signed: true, [120], a, [120], [UInt8](repeating: bias[1], count: 120), scales: p.scales, zeroPoints: p.zeros)
      XCTAssertEqual(scalarB, scalarExpanded, op)
    }
    // Mul does not depend on which operand is streamed.
    let left = try QE.binary("QLinearMul", signed: true, [4, 1], bias, [2, 4, 15], a, scales: p.scales, zeroPoints: p.zeros)
    let right = try QE.binary("QLinearMul", signed: true, [2, 4, 15], a, [4, 1], bias, scales: [0.0125, 0.0125, 0.025], zeroPoints: [-7, 3, -20])
    XCTAssertEqual(left, right)
  }

  /// Squeeze-excitation scaling: [1, C, H, W] by [1, C, 1, 1] (rows of H * W, 1024 or more here, against
  /// one fixed code) and [1, H, W, C] by [1, 1, 1, C] (rows of C, both streaming; under 16 channels, runs
  /// of rows against the repeated gate) equal the product with the operand expanded, odd channel counts
  /// included.
  func testChannelBroadcastsOfBothLayoutsMatchExpandedOperands() throws {
    var random = QE.Random(seed: 23)
    for (channels, height, width) in [(3, 32, 40), (8, 12, 10), (17, 5, 7), (200, 2, 9)] {
      for signed in [false, true] {
        let p = random.binaryParameters(signed: signed, ties: false, multiply: true)
        let image = height * width
        let x = (0..<(channels * image)).map { _ in UInt8(truncatingIfNeeded: random.below(256)) }
        let gate = (0..<channels).map { _ in UInt8(truncatingIfNeeded: random.below(256)) }
        var planar: [UInt8] = []
        for c in 0..<channels { planar += [UInt8](repeating: gate[c], count: image) }
        var interleaved: [UInt8] = []
        for _ in 0..<image { interleaved += gate }
        for op in ["QLinearMul", "QLinearAdd"] {
          let nchw = try QE.binary(
            op, signed: signed, [1, channels, height, width], x, [1, channels, 1, 1], gate, scales: p.scales,
            zeroPoints: p.zeros)
          let nchwExpanded = try QE.binary(
            op, signed: signed, [1, channels, height, width], x, [1, channels, height, width], planar,
            scales: p.scales, zeroPoints: p.zeros)
          XCTAssertEqual(nchw, nchwExpanded, op + " NCHW C=" + String(channels))
          let nhwc = try QE.binary(
            op, signed: signed, [1, height, width, channels], x, [1, 1, 1, channels], gate, scales: p.scales,
            zeroPoints: p.zeros)
          let nhwcExpanded = try QE.binary(
            op, signed: signed, [1, height, width, channels], x, [1, height, width, channels], interleaved,
            scales: p.scales, zeroPoints: p.zeros)
          XCTAssertEqual(nhwc, nhwcExpanded, op + " NHWC C=" + String(channels))
        }
      }
    }
  }

  /// Rows of 1024 or more with one operand fixed per row take a per-row table of the 256 outputs: every
  /// (streamed, fixed) code pair still equals the float32 models, in both operand orders.
  func testLongBroadcastRowsOnEveryPair() throws {
    var random = QE.Random(seed: 19)
    let codes = QE.codes()
    // Row r holds every code four times (rotated by r); the fixed operand of row r is code r.
    let streamed = (0..<(256 * 1024)).map { codes[($0 + $0 >> 10) & 255] }
    for set in 0..<8 {
      let signed = set % 2 == 1
      let multiply = set >= 4
      let p = random.binaryParameters(signed: signed, ties: set % 3 == 0, multiply: multiply)
      let op = multiply ? "QLinearMul" : "QLinearAdd"
      let rowsB = try QE.binary(op, signed: signed, [256, 1024], streamed, [256, 1], codes, scales: p.scales, zeroPoints: p.zeros)
      let rowsA = try QE.binary(op, signed: signed, [256, 1], codes, [256, 1024], streamed, scales: p.scales, zeroPoints: p.zeros)
      var mismatches = 0
      for index in 0..<(256 * 1024) {
        let (fixed, x) = (codes[index >> 10], streamed[index])
        if multiply {
          if rowsB[index] != QE.mulModel(x, fixed, p, signed: signed) { mismatches += 1 }
          if rowsA[index] != QE.mulModel(fixed, x, p, signed: signed) { mismatches += 1 }
        } else {
          if rowsB[index] != QE.addModel(x: x, y: fixed, p, swap: false, signed: signed) { mismatches += 1 }
          if rowsA[index] != QE.addModel(x: x, y: fixed, p, swap: true, signed: signed) { mismatches += 1 }
        }
      }
      XCTAssertEqual(mismatches, 0, "scale set " + String(set))
    }
  }

  /// Where A is broadcast ONNX Runtime streams B, so its FMA chain runs in the other order. With ratios
  /// 9.1 and 0.34, 8 of the 65,536 pairs come out one step apart between the two layouts (ONNX Runtime
  /// does the same: see the last two binary literals), each as the model of the streamed order says.
  func testAddOperandOrderFollowsONNXRuntime() throws {
    let p = QE.Parameters(scales: [0.1, 0.0037, 0.011], zeros: [-5, 17, 0])
    let codes = QE.codes()
    let b = (0..<65536).map { codes[$0 & 255] }
    let expandedA = (0..<65536).map { codes[$0 >> 8] }
    let broadcast = try QE.binary("QLinearAdd", signed: true, [256, 1], codes, [256, 256], b, scales: p.scales, zeroPoints: p.zeros)
    let expanded = try QE.binary("QLinearAdd", signed: true, [256, 256], expandedA, [256, 256], b, scales: p.scales, zeroPoints: p.zeros)
    var differing = 0
    for index in 0..<65536 where broadcast[index] != expanded[index] {
      differing += 1
      XCTAssertEqual(broadcast[index], QE.addModel(x: b[index], y: expandedA[index], p, swap: true, signed: true))
      XCTAssertEqual(expanded[index], QE.addModel(x: expandedA[index], y: b[index], p, swap: false, signed: true))
    }
    XCTAssertEqual(differing, 8)
  }

  func testEmptyAndInPlace() throws {
    let empty = try QE.binary("QLinearAdd", signed: false, [0, 3], [], [3], [1, 2, 3], scales: [0.1, 0.1, 0.1], zeroPoints: [0, 0, 0])
    XCTAssertEqual(empty, [])
    XCTAssertEqual(try QE.softmax(signed: false, [2, 0], [], axis: -1, opset: 13, scales: [0.1, 1.0 / 256], zeroPoints: [0, 0]), [])

    // The step may write over input 0: run it with the output buffer being the input.
    let x: [UInt8] = (0..<256).map { UInt8($0) }
    let cases: [(Node, [HarnessInput])] = [
      (QE.node("QLinearSigmoid", 5), [.runtime(Constant(.uint8, [256], values: x))] + QE.scalars([0.05, 1.0 / 256], [128, 0], signed: false, unary: true)),
      (QE.node("QLinearSoftmax", 5, [Attribute(name: "opset", value: .int(13))]), [.runtime(Constant(.uint8, [16, 16], values: x))] + QE.scalars([0.05, 1.0 / 256], [128, 0], signed: false, unary: true)),
      (QE.node("QLinearAdd", 8), QE.binaryInputs(signed: false, [256], x, [256], Array(x.reversed()), scales: [0.05, 0.03, 0.07], zeroPoints: [128, 100, 120])),
      (QE.node("QLinearMul", 8), QE.binaryInputs(signed: false, [256], x, [256], Array(x.reversed()), scales: [0.05, 0.03, 0.07], zeroPoints: [128, 100, 120])),
    ]
    for (node, inputs) in cases {
      let expected = try KernelHarness.run(node, inputs).outputs[0].values(UInt8.self)
      let prepared = try QE.prepare(node, inputs)
      XCTAssertEqual(prepared.inPlaceInput, 0, node.opType)
      guard case .runtime(let input) = inputs[0] else { return XCTFail("input 0 is not a runtime value") }
      let buffer = Storage(values: input.values(UInt8.self))
      var pointers: [UnsafeRawPointer?] = inputs.map { input -> UnsafeRawPointer? in
        switch input {
        case .runtime(let value), .constant(let value): return UnsafeRawPointer(value.storage.pointer)
        case .omitted: return nil
        }
      }
      pointers[0] = UnsafeRawPointer(buffer.pointer)
      withExtendedLifetime(inputs) {
        prepared.kernel.run(StepBuffers(inputs: pointers, outputs: [buffer.pointer], scratch: nil))
      }
      XCTAssertEqual(Array(UnsafeBufferPointer(start: buffer.typed(UInt8.self), count: expected.count)), expected, node.opType)
    }
  }

  // MARK: - Errors

  func testErrorsNameTheNode() {
    let x = Constant(.uint8, [2, 3], values: [UInt8](repeating: 1, count: 6))
    func failure(_ node: Node, _ inputs: [HarnessInput]) -> RuntimeError? {
      do {
        _ = try QE.prepare(node, inputs)
        return nil
      } catch {
        return error
      }
    }
    // A scale computed at run time.
    var inputs = QE.binaryInputs(signed: false, [2, 3], [1, 2, 3, 4, 5, 6], [3], [1, 2, 3], scales: [0.1, 0.1, 0.1], zeroPoints: [0, 0, 0])
    inputs[1] = .runtime(Constant(.float, [], values: [Float(0.1)]))
    var error = failure(QE.node("QLinearAdd", 8), inputs)
    XCTAssertEqual(error?.kind, .unsupported)
    XCTAssertEqual(error?.loadTimeValue, "x1")
    XCTAssertTrue(error?.message.hasPrefix("QLinearAdd node 'qlinearadd': A_scale (input 1) must be known") ?? false, error?.message ?? "")

    // Shapes that do not broadcast.
    inputs = QE.binaryInputs(signed: false, [2, 3], [1, 2, 3, 4, 5, 6], [2], [1, 2], scales: [0.1, 0.1, 0.1], zeroPoints: [0, 0, 0])
    error = failure(QE.node("QLinearMul", 8), inputs)
    XCTAssertEqual(error?.message, "QLinearMul node 'qlinearmul': input shapes uint8[2, 3] and uint8[2] cannot be broadcast together")

    // A zero point of the other type.
    inputs = QE.binaryInputs(signed: false, [2, 3], [1, 2, 3, 4, 5, 6], [3], [1, 2, 3], scales: [0.1, 0.1, 0.1], zeroPoints: [0, 0, 0])
    inputs[5] = .constant(Constant(.int8, [], values: [Int8(0)]))
    error = failure(QE.node("QLinearAdd", 8), inputs)
    XCTAssertEqual(error?.message, "QLinearAdd node 'qlinearadd': B_zero_point must be one uint8 value, got int8[]")

    // Scale ratios outside the supported range.
    inputs = QE.binaryInputs(signed: false, [2, 3], [1, 2, 3, 4, 5, 6], [3], [1, 2, 3], scales: [1e6, 0.1, 0.1], zeroPoints: [0, 0, 0])
    error = failure(QE.node("QLinearAdd", 8), inputs)
    XCTAssertEqual(error?.kind, .unsupported)
    XCTAssertTrue(error?.message.hasPrefix("QLinearAdd node 'qlinearadd': A_scale / C_scale = ") ?? false, error?.message ?? "")

    // A non-positive scale.
    error = failure(
      QE.node("QLinearSigmoid", 5), [.runtime(x)] + QE.scalars([0, 1.0 / 256], [0, 0], signed: false, unary: true))
    XCTAssertEqual(error?.message, "QLinearSigmoid node 'qlinearsigmoid': X_scale must be a positive finite float, got 0.0")

    // Float data.
    error = failure(
      QE.node("QLinearLeakyRelu", 5),
      [.runtime(Constant(.float, [2], values: [Float(1), 2]))] + QE.scalars([0.1, 0.1], [0, 0], signed: false, unary: true))
    XCTAssertEqual(error?.kind, .unsupported)
    XCTAssertEqual(error?.message, "QLinearLeakyRelu node 'qlinearleakyrelu': input X must be uint8 or int8, got float32[2]")

    // Softmax without its opset attribute, or with an axis out of range.
    error = failure(QE.node("QLinearSoftmax", 5), [.runtime(x)] + QE.scalars([0.1, 1.0 / 256], [0, 0], signed: false, unary: true))
    XCTAssertEqual(
      error?.message,
      "QLinearSoftmax node 'qlinearsoftmax': attribute 'opset' is required (the Softmax version whose axis rule applies)")
    error = failure(
      QE.node("QLinearSoftmax", 5, [Attribute(name: "opset", value: .int(13)), Attribute(name: "axis", value: .int(2))]),
      [.runtime(x)] + QE.scalars([0.1, 1.0 / 256], [0, 0], signed: false, unary: true))
    XCTAssertEqual(error?.message, "QLinearSoftmax node 'qlinearsoftmax': axis 2 is out of range for rank 2")

    // Wrong input count.
    error = failure(QE.node("QLinearAdd", 3), [.runtime(x), .runtime(x), .runtime(x)])
    XCTAssertEqual(
      error?.message,
      "QLinearAdd node 'qlinearadd': takes 8 inputs (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point), got 3")
  }
}

/// Helpers for the quantized element-wise tests.
enum QE {
  struct Parameters {
    var scales: [Float]
    var zeros: [Int32]
  }

  /// SplitMix64: reproducible scale sets.
  struct Random {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func logUniform(_ low: Double, _ high: Double) -> Double {
      let u = Double(next() >> 11) / Double(1 << 53)
      return Foundation.exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low)))
    }
    /// Scales from 0.001 to 1; with `ties`, ratios of small powers of two that put many results on halves.
    mutating func binaryParameters(signed: Bool, ties: Bool, multiply: Bool = false) -> Parameters {
      var scales = (0..<3).map { _ in Float(logUniform(0.001, 1)) }
      if ties {
        let power = Float(1 << below(4))
        if multiply {
          scales[2] = scales[0] * scales[1] * power
        } else {
          scales[1] = scales[0] * power
          scales[2] = scales[0] * 2
        }
      }
      let zeros = (0..<3).map { _ in Int32(below(256)) - (signed ? 128 : 0) }
      return Parameters(scales: scales, zeros: zeros)
    }
  }

  static func codes() -> [UInt8] { (0..<256).map { UInt8($0) } }

  static func value(_ byte: UInt8, _ signed: Bool) -> Int32 { signed ? Int32(Int8(bitPattern: byte)) : Int32(byte) }

  static func bytes(_ hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var high: UInt8? = nil
    for character in hex.utf8 {
      let digit = character <= 57 ? character - 48 : character - 87
      if let h = high {
        result.append(h << 4 | digit)
        high = nil
      } else {
        high = digit
      }
    }
    return result
  }

  /// round_half_even(real) + zero point, saturated, as a byte.
  static func quantize(_ real: Double, _ zeroPoint: Int32, signed: Bool) -> UInt8 {
    let q = real.rounded(.toNearestOrEven) + Double(zeroPoint)
    let clamped = min(max(q, signed ? -128 : 0), signed ? 127 : 255)
    return UInt8(truncatingIfNeeded: Int(clamped))
  }

  static func differences(_ got: [UInt8], _ expected: [UInt8], signed: Bool) -> (count: Int, largest: Int) {
    guard got.count == expected.count else { return (Int.max, Int.max) }
    var count = 0
    var largest = 0
    for (g, e) in zip(got, expected) where g != e {
      count += 1
      largest = max(largest, Int((value(g, signed) - value(e, signed)).magnitude))
    }
    return (count, largest)
  }

  static func node(_ op: String, _ inputCount: Int, _ attributes: [Attribute] = []) -> Node {
    Node(
      name: op.lowercased(), opType: op, domain: "com.microsoft", inputs: (0..<inputCount).map { "x" + String($0) },
      outputs: ["y"], attributes: attributes)
  }

  static func scale(_ value: Float) -> HarnessInput { .constant(Constant(.float, [], values: [value])) }

  static func zero(_ value: Int32, signed: Bool) -> HarnessInput {
    signed
      ? .constant(Constant(.int8, [], values: [Int8(value)])) : .constant(Constant(.uint8, [], values: [UInt8(value)]))
  }

  /// X_scale, X_zero_point, Y_scale, Y_zero_point.
  static func scalars(_ scales: [Float], _ zeros: [Int32], signed: Bool, unary: Bool) -> [HarnessInput] {
    [scale(scales[0]), zero(zeros[0], signed: signed), scale(scales[1]), zero(zeros[1], signed: signed)]
  }

  static func binaryInputs(
    signed: Bool, _ shapeA: [Int], _ a: [UInt8], _ shapeB: [Int], _ b: [UInt8], scales: [Float], zeroPoints: [Int32]
  ) -> [HarnessInput] {
    let type: DataType = signed ? .int8 : .uint8
    return [
      .runtime(Constant(type, shapeA, values: a)), scale(scales[0]), zero(zeroPoints[0], signed: signed),
      .runtime(Constant(type, shapeB, values: b)), scale(scales[1]), zero(zeroPoints[1], signed: signed),
      scale(scales[2]), zero(zeroPoints[2], signed: signed),
    ]
  }

  static func binary(
    _ op: String, signed: Bool, _ shapeA: [Int], _ a: [UInt8], _ shapeB: [Int], _ b: [UInt8], scales: [Float],
    zeroPoints: [Int32]
  ) throws -> [UInt8] {
    let inputs = binaryInputs(signed: signed, shapeA, a, shapeB, b, scales: scales, zeroPoints: zeroPoints)
    return try KernelHarness.run(node(op, 8), inputs).outputs[0].values(UInt8.self)
  }

  /// The op on all 256 codes in byte order.
  static func unary(_ op: String, signed: Bool, scales: [Float], zeroPoints: [Int32], alpha: Float?) throws -> [UInt8] {
    let attributes = alpha.map { [Attribute(name: "alpha", value: .float($0))] } ?? []
    let inputs: [HarnessInput] =
      [.runtime(Constant(signed ? .int8 : .uint8, [256], values: codes()))]
      + scalars(scales, zeroPoints, signed: signed, unary: true)
    return try KernelHarness.run(node(op, 5, attributes), inputs).outputs[0].values(UInt8.self)
  }

  static func softmax(
    signed: Bool, _ shape: [Int], _ x: [UInt8], axis: Int?, opset: Int, scales: [Float], zeroPoints: [Int32]
  ) throws -> [UInt8] {
    var attributes = [Attribute(name: "opset", value: .int(opset))]
    if let axis { attributes.append(Attribute(name: "axis", value: .int(axis))) }
    let inputs: [HarnessInput] =
      [.runtime(Constant(signed ? .int8 : .uint8, shape, values: x))]
      + scalars(scales, zeroPoints, signed: signed, unary: true)
    return try KernelHarness.run(node("QLinearSoftmax", 5, attributes), inputs).outputs[0].values(UInt8.self)
  }

  static func prepare(_ node: Node, _ inputs: [HarnessInput]) throws(RuntimeError) -> Prepared {
    var types: [TensorType?] = []
    var constants: [Constant?] = []
    for input in inputs {
      switch input {
      case .runtime(let value):
        types.append(value.type)
        constants.append(nil)
      case .constant(let value):
        types.append(value.type)
        constants.append(value)
      case .omitted:
        types.append(nil)
        constants.append(nil)
      }
    }
    let op = Operator.named(node.opType, domain: node.domain)!
    return try OpRegistry.prepare(OpContext(node: node, op: op, opset: 17, inputs: types, constants: constants))
  }

  // MARK: Float32 models of ONNX Runtime's arithmetic

  static func saturate(_ v: Float, signed: Bool) -> UInt8 {
    let q = Int(v.rounded(.toNearestOrEven))
    return UInt8(truncatingIfNeeded: min(max(q, signed ? -128 : 0), signed ? 127 : 255))
  }

  /// MLAS's AVX2 QLinearAdd: fma(x, Rx, fma(y, Ry, F)), F = C_zp - fma(Rx, x_zp, Ry * y_zp), where x is the
  /// streamed operand (B when `swap`).
  static func addModel(x: UInt8, y: UInt8, _ p: Parameters, swap: Bool, signed: Bool) -> UInt8 {
    let (sx, sy) = swap ? (p.scales[1], p.scales[0]) : (p.scales[0], p.scales[1])
    let (zx, zy) = swap ? (p.zeros[1], p.zeros[0]) : (p.zeros[0], p.zeros[1])
    let rx = sx / p.scales[2]
    let ry = sy / p.scales[2]
    let f = Float(p.zeros[2]) - (ry * Float(zy)).addingProduct(rx, Float(zx))
    let v = f.addingProduct(Float(value(y, signed)), ry).addingProduct(Float(value(x, signed)), rx)
    return saturate(v, signed: signed)
  }

  /// MLAS's SSE2 QLinearMul: float(p) * s + C_zp in float32, then rounded.
  static func mulModel(_ a: UInt8, _ b: UInt8, _ p: Parameters, signed: Bool) -> UInt8 {
    let s = (p.scales[0] * p.scales[1]) / p.scales[2]
    let product = (value(a, signed) - p.zeros[0]) * (value(b, signed) - p.zeros[1])
    return saturate(Float(product) * s + Float(p.zeros[2]), signed: signed)
  }

  static func softmaxModel(
    _ x: [UInt8], rows: Int, length: Int, signed: Bool, xScale: Float, yScale: Float, yZero: Int32
  ) -> [UInt8] {
    let shift = max(0, Double(logf(Float.greatestFiniteMagnitude / Float(length))) - 5) / Double(xScale)
    let table = (0..<256).map { Float(Foundation.exp((Double($0) - 255 + shift) * Double(xScale))) }
    let outputScale = (1 / yScale).rounded(.down)
    var y: [UInt8] = []
    for row in 0..<rows {
      let values = (0..<length).map { Int(value(x[row * length + $0], signed)) }
      let largest = values.max()!
      var sum: Float = 0
      for v in values { sum += table[v - largest + 255] }
      let inverse = 1 / sum
      for v in values {
        let q = Int((table[v - largest + 255] * inverse * outputScale).rounded(.toNearestOrEven)) + Int(yZero)
        y.append(UInt8(truncatingIfNeeded: min(q, signed ? 127 : 255)))
      }
    }
    return y
  }
}
