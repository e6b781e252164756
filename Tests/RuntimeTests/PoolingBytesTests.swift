import CSupport
import ONNXFormat
import XCTest

@testable import Runtime

/// 8-bit MaxPool's byte-vector kernel against the tap-by-tap kernel it replaced (`maxSeparable`) and the
/// naive reference, and NhwcMaxPool against MaxPool on the NCHW transpose, on seeded random shapes wide
/// enough to cover full vectors, their tails and the borders.
final class PoolingBytesTests: XCTestCase {
  func testByteMaxPoolMatchesSeparableKernelAndReference() throws {
    var random = PoolingRandom(seed: 41)
    var checked = 0
    for round in 0..<240 {
      let config = Self.randomConfig(&random, spatial: 1 + round % 3, maxWidth: 150)
      guard let geometry = config.referenceGeometry() else { continue }
      try check(config, geometry, signed: round % 2 == 0, &random)
      checked += 1
    }
    XCTAssertGreaterThan(checked, 200)
  }

  func testResNetStemPoolAndDigitsPool() throws {
    var random = PoolingRandom(seed: 42)
    for (input, kernel, stride, pad) in [
      ([1, 3, 112, 112], 3, 2, 1), ([1, 5, 8, 8], 2, 2, 0), ([2, 3, 9, 67], 3, 1, 1),
    ] {
      for ceilMode in [false, true] {
        let config = PoolingConfig(
          isMax: true, input: input, kernel: [kernel, kernel], strides: [stride, stride],
          dilations: [1, 1],
          pads: [pad, pad, pad, pad], autoPad: "NOTSET", ceilMode: ceilMode, countIncludePad: false)
        let geometry = try XCTUnwrap(config.referenceGeometry())
        for signed in [false, true] { try check(config, geometry, signed: signed, &random) }
      }
    }
  }

  func testPlanesOfAtMost64BytesTakeThePermutePath() throws {
    let x = Constant(.uint8, [1, 2, 8, 8], values: (0..<128).map { UInt8(($0 * 37) % 256) })
    let attributes = [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("strides", [2, 2])]
    let result = try KernelHarness.run(poolingNode("MaxPool", attributes), opset: 12, [.runtime(x)])
    guard case .pooling(let kernel) = result.prepared.kernel, case .windowed(let plan) = kernel.plan else {
      return XCTFail("expected a windowed pooling plan")
    }
    XCTAssertEqual(plan.tinyTaps?.byteCount, 4 * 72)
    // Plane 0, output (0, 0): max of codes 0, 37, 296 % 256 = 40, 333 % 256 = 77.
    XCTAssertEqual(result.outputs[0].values(UInt8.self)[0], 77)
    let wide = Constant(.uint8, [1, 1, 8, 9], values: [UInt8](repeating: 1, count: 72))
    let other = try KernelHarness.run(poolingNode("MaxPool", attributes), opset: 12, [.runtime(wide)])
    guard case .pooling(let otherKernel) = other.prepared.kernel, case .windowed(let otherPlan) = otherKernel.plan
    else { return XCTFail("expected a windowed pooling plan") }
    XCTAssertNil(otherPlan.tinyTaps)
  }

  func testNhwcMaxPoolEqualsMaxPoolOnTransposedData() throws {
    var random = PoolingRandom(seed: 43)
    var checked = 0
    for round in 0..<160 {
      var config = Self.randomConfig(&random, spatial: 1 + round % 2, maxWidth: 40)
      // Odd channel counts, one vector, a vector and a tail.
      config.input[1] = [1, 3, 17, 64, 65, 130][random.int(0...5)]
      guard let geometry = config.referenceGeometry() else { continue }
      let signed = round % 2 == 1
      let planar = Self.bytes(config.input, signed: signed, &random)
      let maxPool = try KernelHarness.run(
        poolingNode("MaxPool", config.attributes), opset: 12, [.runtime(planar)])
      let node = Node(
        name: "pool", opType: "NhwcMaxPool", domain: "com.microsoft", inputs: ["x"], outputs: ["y"],
        attributes: config.attributes)
      let channelsLast = Self.constant(
        Self.toChannelsLast(planar.values(UInt8.self), config.input),
        Self.channelsLastShape(config.input),
        signed: signed)
      let result = try KernelHarness.run(node, [.runtime(channelsLast)])
      let outputShape = geometry.shape(config)
      XCTAssertEqual(
        result.outputs[0].type,
        TensorType(signed ? .int8 : .uint8, Self.channelsLastShape(outputShape)), config.text)
      XCTAssertEqual(
        result.outputs[0].values(UInt8.self),
        Self.toChannelsLast(maxPool.outputs[0].values(UInt8.self), outputShape),
        config.text)
      checked += 1
    }
    XCTAssertGreaterThan(checked, 120)
  }

  func testNhwcMaxPoolValues() throws {
    // One image of 2 x 3 pixels, 2 channels, 2 x 2 windows with stride 1 over 1 pixel of padding on
    // the right and bottom (uint8: padding never wins).
    let x = Constant(.uint8, [1, 2, 3, 2], values: [UInt8]([1, 9, 5, 2, 3, 7, 8, 0, 4, 4, 6, 1]))
    let node = Node(
      name: "pool", opType: "NhwcMaxPool", domain: "com.microsoft", inputs: ["x"], outputs: ["y"],
      attributes: [PoolAttr.ints("kernel_shape", [2, 2]), PoolAttr.ints("pads", [0, 0, 1, 1])])
    let result = try KernelHarness.run(node, [.runtime(x)])
    XCTAssertEqual(result.outputs[0].type, TensorType(.uint8, [1, 2, 3, 2]))
    XCTAssertEqual(result.outputs[0].values(UInt8.self), [8, 9, 6, 7, 6, 7, 8, 4, 6, 4, 6, 1])
  }

  /// The same checks on the portable C loops other architectures run.
  func testPortablePaths() throws {
    oq_bytes_force_portable(1)
    defer { oq_bytes_force_portable(0) }
    try testResNetStemPoolAndDigitsPool()
    try testNhwcMaxPoolEqualsMaxPoolOnTransposedData()
    try testNhwcMaxPoolValues()
    var random = PoolingRandom(seed: 44)
    for round in 0..<80 {
      let config = Self.randomConfig(&random, spatial: 1 + round % 3, maxWidth: 150)
      guard let geometry = config.referenceGeometry() else { continue }
      try check(config, geometry, signed: round % 2 == 0, &random)
    }
  }

  // MARK: - Helpers

  private func check(
    _ config: PoolingConfig, _ geometry: PoolingConfig.Geometry, signed: Bool,
    _ random: inout PoolingRandom
  )
    throws
  {
    let x = Self.bytes(config.input, signed: signed, &random)
    let result = try KernelHarness.run(
      poolingNode("MaxPool", config.attributes), opset: 12, [.runtime(x)])
    let actual = result.outputs[0].values(UInt8.self)
    // The naive reference on the codes' values.
    let values: [Float] = x.values(UInt8.self).map {
      signed ? Float(Int8(bitPattern: $0)) : Float($0)
    }
    let lowest: Float = signed ? -128 : 0
    let expected = config.referencePool(values, geometry).map {
      $0 == -Float.infinity ? lowest : $0
    }
    let actualValues: [Float] = actual.map { signed ? Float(Int8(bitPattern: $0)) : Float($0) }
    XCTAssertEqual(actualValues, expected, config.text)
    // The tap-by-tap separable kernel on the same plan.
    guard case .pooling(let kernel) = result.prepared.kernel, case .windowed(let plan) = kernel.plan
    else {
      return XCTFail("expected a windowed pooling plan")
    }
    var old = [UInt8](repeating: 0xAA, count: actual.count)
    var columns = [UInt8](repeating: 0, count: plan.inputW)
    let input = x.values(UInt8.self)
    if signed {
      let codes = input.map { Int8(bitPattern: $0) }
      var out = [Int8](repeating: 0, count: actual.count)
      var signedColumns = [Int8](repeating: 0, count: plan.inputW)
      plan.maxSeparable(codes, &out, &signedColumns)
      old = out.map { UInt8(bitPattern: $0) }
    } else {
      plan.maxSeparable(input, &old, &columns)
    }
    XCTAssertEqual(actual, old, config.text)
  }

  static func randomConfig(_ random: inout PoolingRandom, spatial: Int, maxWidth: Int)
    -> PoolingConfig
  {
    var input = [random.int(1...2), random.int(1...3)]
    var kernel: [Int] = []
    var strides: [Int] = []
    var dilations: [Int] = []
    var begins: [Int] = []
    var ends: [Int] = []
    for dim in 0..<spatial {
      input.append(
        dim == spatial - 1 ? random.int(1...maxWidth) : random.int(1...(spatial == 3 ? 4 : 9)))
      let k = random.int(1...4)
      kernel.append(k)
      strides.append(random.int(1...3))
      dilations.append(random.int(0...3) == 0 ? 2 : 1)
      begins.append(random.int(0...(k - 1)))
      ends.append(random.int(0...(k - 1)))
    }
    let autoPads = ["NOTSET", "NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"]
    let autoPad = autoPads[random.int(0...(autoPads.count - 1))]
    return PoolingConfig(
      isMax: true, input: input, kernel: kernel, strides: strides, dilations: dilations,
      pads: autoPad == "NOTSET" ? begins + ends : [Int](repeating: 0, count: 2 * spatial),
      autoPad: autoPad,
      ceilMode: autoPad == "NOTSET" && random.int(0...1) == 1, countIncludePad: false)
  }

  static func bytes(_ shape: [Int], signed: Bool, _ random: inout PoolingRandom) -> Constant {
    let codes = (0..<shape.reduce(1, *)).map { _ in UInt8(random.int(0...255)) }
    return constant(codes, shape, signed: signed)
  }

  static func constant(_ codes: [UInt8], _ shape: [Int], signed: Bool) -> Constant {
    signed
      ? Constant(.int8, shape, values: codes.map { Int8(bitPattern: $0) })
      : Constant(.uint8, shape, values: codes)
  }

  /// [N, C, spatial...] -> [N, spatial..., C].
  static func channelsLastShape(_ shape: [Int]) -> [Int] { [shape[0]] + shape[2...] + [shape[1]] }

  static func toChannelsLast(_ values: [UInt8], _ shape: [Int]) -> [UInt8] {
    let channels = shape[1]
    let plane = shape[2...].reduce(1, *)
    var out = [UInt8](repeating: 0, count: values.count)
    for n in 0..<shape[0] {
      for c in 0..<channels {
        for p in 0..<plane {
          out[(n * plane + p) * channels + c] = values[(n * channels + c) * plane + p]
        }
      }
    }
    return out
  }
}
