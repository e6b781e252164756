import XCTest

@testable import Runtime

/// The channels-innermost depthwise path (IntegerDepthwiseChannels.swift) against the integer reference
/// and the phase-plane path, on awkward sizes: channels not a multiple of 16, 1x1, 3x3 and 25x5 planes,
/// strides 2 on odd sizes, padding variants, dilation, a batch of 2, int8 and uint8 activations.
extension IntegerConvolutionTests {
  func testDepthwiseChannelsPathMatchesReferenceAndPlanes() throws {
    let cases: [Case] = [
      Case(inChannels: 64, outChannels: 64, spatial: [25, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 64),
      Case(inChannels: 17, outChannels: 17, spatial: [25, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 17),
      Case(inChannels: 5, outChannels: 5, spatial: [1, 1], kernel: [3, 3], pads: [1, 1, 1, 1], group: 5),
      Case(inChannels: 33, outChannels: 33, spatial: [3, 3], kernel: [3, 3], pads: [1, 1, 1, 1], group: 33),
      Case(
        inChannels: 20, outChannels: 20, spatial: [7, 9], kernel: [3, 3], strides: [2, 2],
        pads: [1, 1, 1, 1], group: 20),
      Case(
        inChannels: 16, outChannels: 16, spatial: [6, 6], kernel: [3, 3], strides: [2, 2],
        pads: [0, 0, 1, 1], group: 16),
      Case(
        inChannels: 18, outChannels: 18, spatial: [11, 5], kernel: [3, 3], strides: [2, 2],
        autoPad: "SAME_UPPER", group: 18),
      Case(inChannels: 3, outChannels: 3, spatial: [5, 4], kernel: [3, 3], group: 3),
      Case(
        inChannels: 7, outChannels: 7, spatial: [6, 7], kernel: [3, 3], dilations: [2, 1],
        pads: [2, 0, 1, 1], group: 7),
      Case(
        batch: 2, inChannels: 31, outChannels: 31, spatial: [4, 6], kernel: [3, 3],
        pads: [1, 1, 1, 1], group: 31),
      Case(inChannels: 9, outChannels: 9, spatial: [12], kernel: [3], pads: [1, 1], group: 9),
      Case(inChannels: 12, outChannels: 12, spatial: [5, 5], kernel: [5, 3], pads: [2, 0, 2, 2], group: 12),
    ]
    var seed: UInt64 = 900
    defer { IntegerConvolutionKernel.allowDepthwiseChannels = true }
    for base in cases {
      for (xSigned, wSigned) in [(false, true), (true, true), (false, false), (true, false)] {
        let c = base.varied(xSigned: xSigned, wSigned: wSigned, seed: seed)
        var outputs: [[Int]] = []
        for allow in [true, false] {
          IntegerConvolutionKernel.allowDepthwiseChannels = allow
          var rng = SeededGenerator(seed: seed)
          let data = Self.makeData(c, &rng)
          let result = try KernelHarness.run(Self.node(c), opset: 13, Self.inputs(c, data))
          outputs.append(integerValues(result.outputs[0]))
          XCTAssertEqual(outputs.last!, Self.reference(c, data), "seed \(seed) channels \(allow) \(c)")
          if case .integerConvolution(let kernel) = result.prepared.kernel {
            XCTAssertEqual(kernel.strategy, .depthwise)
            XCTAssertEqual(kernel.channelSums != nil, allow, "seed \(seed)")
          }
        }
        XCTAssertEqual(outputs[0], outputs[1], "seed \(seed)")
        seed += 1
      }
    }
  }

  /// Accumulators far past the saturation bound, and near 2^24, take the lane-by-lane path exactly.
  func testDepthwiseChannelsSaturateAndFallBackExactly() throws {
    let c = Case(
      inChannels: 19, outChannels: 19, spatial: [5, 5], kernel: [3, 3], pads: [1, 1, 1, 1], group: 19,
      xSigned: false, wSigned: true, bias: true)
    for seed: UInt64 in 950..<954 {
      var rng = SeededGenerator(seed: seed)
      var data = Self.makeData(c, &rng)
      // Biases across the whole int32 range and a small output scale: most outputs saturate, some
      // accumulators exceed 2^24.
      var bias: [Int32] = []
      for i in 0..<c.outChannels {
        let large: Int32 = 1 << 24
        bias.append(i % 3 == 0 ? large + Int32(i) : Int32(-20000 * i))
      }
      data.bias = bias
      data.yScale *= seed % 2 == 0 ? 0.05 : 20
      let result = try KernelHarness.run(Self.node(c), opset: 13, Self.inputs(c, data))
      XCTAssertEqual(integerValues(result.outputs[0]), Self.reference(c, data), "seed \(seed)")
      if case .integerConvolution(let kernel) = result.prepared.kernel { XCTAssertNotNil(kernel.channelSums) }
    }
  }
}

/// The vector requantizations against `Requantizer.quantize`, lane by lane, on scales from near zero (a
/// quantizer's all-zero filter) and subnormal to above 1, one per lane.
final class IntegerLaneRequantizationTests: XCTestCase {
  static func scale(_ trial: Int, _ random: inout SeededGenerator) -> Float {
    switch trial % 6 {
    case 0: return Float(sign: .plus, exponent: Int.random(in: -126...(-40), using: &random), significand: 1.37)
    case 1: return Float.random(in: 1e-40...1e-38, using: &random)
    case 2: return [Float(0), 4.5e-33, 2.3e-9, 1e-15][Int.random(in: 0...3, using: &random)]
    case 3: return Float(sign: .plus, exponent: Int.random(in: -30...0, using: &random), significand: 1)
    default: return Float(pow(10, Double.random(in: -7...1, using: &random)))
    }
  }

  func testLaneRequantizersMatchScalar() {
    var random = SeededGenerator(seed: 31)
    for trial in 0..<400 {
      let requantizers = (0..<16).map { lane in Requantizer(Self.scale(trial + lane, &random)) }
      let zeroPoint = Int32.random(in: -20...200, using: &random)
      let (low, high): (Int32, Int32) = trial % 2 == 0 ? (0, 255) : (-128, 127)
      requantizers.withUnsafeBufferPointer { r in
        let parameters = IntegerConvolutionKernel.laneParameters(r.baseAddress!, channels: 16)
        parameters.withUnsafeBufferPointer { p in
          let lanes = IntegerLanes.LaneRequantizers(p.baseAddress!, r.baseAddress!, count: 16)
          for _ in 0..<16 {
            var v = IntegerLanes.Vector()
            let magnitude = Int32.random(in: 0...31, using: &random)
            let bound = magnitude == 31 ? Int32.max : Int32(1) << magnitude
            for lane in 0..<16 { v[lane] = Int32.random(in: -bound...bound, using: &random) }
            let got = lanes.requantize(v, zeroPoint: zeroPoint, low: low, high: high)
            for lane in 0..<16 {
              let expected = r[lane].quantize(v[lane], zeroPoint: zeroPoint, low: low, high: high)
              XCTAssertEqual(got[lane], expected, "v \(v[lane]) shift \(r[lane].shift)")
              let single = IntegerLanes.requantize(v, r[lane], zeroPoint: zeroPoint, low: low, high: high)
              XCTAssertEqual(
                single[lane], expected, "single: v \(v[lane]) shift \(r[lane].shift)")
            }
          }
        }
      }
    }
  }
}
