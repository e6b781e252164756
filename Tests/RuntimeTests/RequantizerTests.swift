import Foundation
import XCTest

@testable import Runtime

final class RequantizerTests: XCTestCase {
  /// What ONNX Runtime computes: float32 product, rounded half to even (saturated to Int32 like `apply`).
  private func float32Reference(_ accumulator: Int32, _ scale: Float) -> Int64 {
    let product = Double((Float(accumulator) * scale).rounded(.toNearestOrEven))
    return Int64(min(max(product, Double(Int32.min)), Double(Int32.max)))
  }

  /// The exact real product, rounded half to even.
  private func float64Reference(_ accumulator: Int32, _ scale: Float) -> Int64 {
    Int64((Double(accumulator) * Double(scale)).rounded(.toNearestOrEven))
  }

  private struct Random: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Scales of the size real models use (x_scale * w_scale / y_scale is mostly 1e-5..1) and accumulators
  /// of every magnitude, including beyond 2^24 where float32 loses integer precision.
  func testMatchesONNXRuntimeFloat32BitForBit() {
    var random = Random(state: 42)
    var checked = 0
    for _ in 0..<2_000 {
      let scale = Float(pow(10, Double.random(in: -6...0.5, using: &random)))
      let requantizer = Requantizer(scale)
      for _ in 0..<500 {
        let magnitude = Int32.random(in: 0...30, using: &random)
        let accumulator = Int32.random(in: -(1 << magnitude)...(1 << magnitude), using: &random)
        let expected = float32Reference(accumulator, scale)
        let actual = Int64(requantizer.apply(accumulator))
        if actual != expected {
          XCTFail("acc " + String(accumulator) + " scale " + String(scale) + ": " + String(actual) + " != " + String(expected))
          return
        }
        checked += 1
      }
    }
    XCTAssertEqual(checked, 1_000_000)
  }

  /// The 16-lane requantization equals the scalar one lane by lane, on random scales and on scales with
  /// short significands (powers of two, 3 * 2^k, ...), where float32 products are exact and ties common,
  /// and on accumulators up to 2^31 (saturating lanes).
  func testLanesMatchScalarIncludingExactTies() {
    var random = Random(state: 77)
    var checked = 0
    for trial in 0..<3_000 {
      let scale: Float
      switch trial % 3 {
      case 0: scale = Float(pow(10, Double.random(in: -6...0.5, using: &random)))
      case 1: scale = Float(sign: .plus, exponent: Int.random(in: -30...0, using: &random), significand: 1)
      default:
        let short = Float(Int.random(in: 1...255, using: &random))
        scale = short * Float(sign: .plus, exponent: Int.random(in: -36...(-8), using: &random), significand: 1)
      }
      let requantizer = Requantizer(scale)
      let zeroPoint = Int32.random(in: -20...200, using: &random)
      let (low, high): (Int32, Int32) = trial % 2 == 0 ? (0, 255) : (-128, 127)
      for _ in 0..<8 {
        var v = IntegerLanes.Vector()
        let magnitude = Int32.random(in: 0...31, using: &random)
        let bound = magnitude == 31 ? Int32.max : Int32(1) << magnitude
        for lane in 0..<16 { v[lane] = Int32.random(in: -bound...bound, using: &random) }
        let got = IntegerLanes.requantize(v, requantizer, zeroPoint: zeroPoint, low: low, high: high)
        for lane in 0..<16 {
          XCTAssertEqual(
            got[lane], requantizer.quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high),
            "v \(v[lane]) scale \(scale)")
          checked += 1
        }
      }
    }
    XCTAssertEqual(checked, 3_000 * 8 * 16)
  }

  func testHalfwayCasesRoundToEven() {
    let half = Requantizer(0.5)
    // -2.5 -2 -1.5 -1 -0.5 0 0.5 1 1.5 2 2.5
    XCTAssertEqual((-5...5).map { half.apply(Int32($0)) }, [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2])
    let quarter = Requantizer(0.25)
    XCTAssertEqual([2, 6, 10, -2, -6].map { quarter.apply(Int32($0)) }, [0, 2, 2, 0, -2])
  }

  /// Against the exact product, on accumulators whose result lands in the 8-bit range where outputs live.
  func testAgreesWithTheExactProductWithinOneStep() {
    var random = Random(state: 7)
    var differing = 0
    var total = 0
    for _ in 0..<1_000 {
      let scale = Float(pow(10, Double.random(in: -6...0, using: &random)))
      let requantizer = Requantizer(scale)
      let reach = Int32(min(Double(Int32.max - 1), 300 / Double(scale)))
      for _ in 0..<1_000 {
        let accumulator = Int32.random(in: -reach...reach, using: &random)
        let difference = abs(Int64(requantizer.apply(accumulator)) - float64Reference(accumulator, scale))
        XCTAssertLessThanOrEqual(difference, 1)
        if difference != 0 { differing += 1 }
        total += 1
      }
    }
    // float32 rounding of the product moves it across a half-integer only rarely (about 2^-16 of
    // results below 256 keep 16 fraction bits).
    XCTAssertLessThan(Double(differing) / Double(total), 1e-4, String(differing) + " of " + String(total))
    print("requantizer: " + String(differing) + " of " + String(total) + " results differ from the exact product by 1")
  }

  func testLargeScalesSaturate() {
    let big = Requantizer(1e20)
    XCTAssertEqual(big.apply(5), Int32.max)
    XCTAssertEqual(big.apply(-5), Int32.min)
    XCTAssertEqual(big.apply(0), 0)
    XCTAssertEqual(Requantizer(3).apply(1000), 3000)
  }

  func testQuantizeAddsZeroPointAndSaturates() {
    let r = Requantizer(0.1)
    XCTAssertEqual(r.quantize(1000, zeroPoint: 128, low: 0, high: 255), 228)
    XCTAssertEqual(r.quantize(5000, zeroPoint: 128, low: 0, high: 255), 255)
    XCTAssertEqual(r.quantize(-5000, zeroPoint: 0, low: -128, high: 127), -128)
  }

  func testSubnormalAndZeroScales() {
    XCTAssertEqual(Requantizer(0).apply(123_456), 0)
    let tiny = Requantizer(Float.leastNonzeroMagnitude * 4)
    XCTAssertEqual(tiny.apply(Int32.max), 0)
  }
}
