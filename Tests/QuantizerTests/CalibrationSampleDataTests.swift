import Quantizer
import XCTest

/// Reproducible calibration data for the Calibration tests: a SplitMix64 generator and the
/// distributions activations tend to have.
struct SampleData {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  /// Uniform in [0, 1), 53 random bits.
  mutating func unit() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Double(z >> 11) / Double(1 << 53)
  }

  mutating func uniform(_ count: Int, in range: ClosedRange<Double>) -> [Float] {
    (0..<count).map { _ in Float(range.lowerBound + (range.upperBound - range.lowerBound) * unit())
    }
  }

  /// Box-Muller.
  mutating func gaussian(_ count: Int, mean: Double = 0, deviation: Double = 1) -> [Float] {
    (0..<count).map { _ in
      let radius = (-2 * log(1 - unit())).squareRoot()
      return Float(mean + deviation * radius * cos(2 * Double.pi * unit()))
    }
  }

  /// Student's t with `degrees` degrees of freedom: polynomial tails, so a large sample has a few values
  /// far beyond the bulk, as outlier-prone activations do.
  mutating func studentT(_ count: Int, degrees: Int) -> [Float] {
    (0..<count).map { _ in
      let z = Double(gaussian(1)[0])
      let chiSquare = (0..<degrees).reduce(0.0) { sum, _ in
        let g = Double(gaussian(1)[0])
        return sum + g * g
      }
      return Float(z / (chiSquare / Double(degrees)).squareRoot())
    }
  }

  /// Laplace (double exponential): heavier tails than a Gaussian, like many conv activations.
  mutating func laplace(_ count: Int, scale: Double = 1) -> [Float] {
    (0..<count).map { _ in
      let u = unit() - 0.5
      return Float(-scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u)))
    }
  }
}

/// Quantizes `values` over `range` (with the parameters `QuantParams.activation` gives) as QuantizeLinear
/// then DequantizeLinear would (float32 division, round half to even, saturate) and returns the summed
/// squared error: the quantity a range choice is meant to keep small.
func measuredSquaredError(_ values: [Float], range: ActivationRange, type: ActivationType = .uint8)
  -> Double
{
  let params = QuantParams.activation(range, type)
  let (qmin, qmax): (Float, Float) = type == .uint8 ? (0, 255) : (-128, 127)
  let zeroPoint = Float(params.zeroPoint)
  return values.reduce(0.0) { sum, x in
    let q = min(max((x / params.scale).rounded(.toNearestOrEven) + zeroPoint, qmin), qmax)
    let error = Double(x) - Double((q - zeroPoint) * params.scale)
    return sum + error * error
  }
}

final class CalibrationSampleDataTests: XCTestCase {
  func testGaussianHasTheRequestedMoments() {
    var data = SampleData(seed: 1)
    let values = data.gaussian(100_000, mean: 2, deviation: 3).map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    XCTAssertEqual(mean, 2, accuracy: 0.05)
    XCTAssertEqual(variance.squareRoot(), 3, accuracy: 0.05)
  }

  func testSameSeedSameData() {
    var first = SampleData(seed: 7)
    var second = SampleData(seed: 7)
    XCTAssertEqual(first.laplace(100), second.laplace(100))
  }
}
