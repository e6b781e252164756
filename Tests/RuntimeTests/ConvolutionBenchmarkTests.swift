import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// A printed measurement, never an assertion: the 53 Conv layers of ppocr_cls_mobile_v2 at 1x3x48x192
/// (random weights), each prepared like the loader does and run on its own buffers.
/// `ONNXQ_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ConvolutionBenchmarkTests`
final class ConvolutionBenchmarkTests: XCTestCase {
  /// (C_in, C_out, H, W, kernel, stride H, stride W, pad, group) of every Conv, in model order.
  static let layers: [(Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
    (3, 8, 48, 192, 3, 2, 2, 1, 1), (8, 8, 24, 96, 1, 1, 1, 0, 1), (8, 8, 24, 96, 3, 2, 1, 1, 8),
    (8, 2, 1, 1, 1, 1, 1, 0, 1),
    (2, 8, 1, 1, 1, 1, 1, 0, 1), (8, 8, 12, 96, 1, 1, 1, 0, 1), (8, 24, 12, 96, 1, 1, 1, 0, 1),
    (24, 24, 12, 96, 3, 2, 1, 1, 24),
    (24, 8, 6, 96, 1, 1, 1, 0, 1), (8, 32, 6, 96, 1, 1, 1, 0, 1), (32, 32, 6, 96, 3, 1, 1, 1, 32),
    (32, 8, 6, 96, 1, 1, 1, 0, 1),
    (8, 32, 6, 96, 1, 1, 1, 0, 1), (32, 32, 6, 96, 5, 2, 1, 2, 32), (32, 8, 1, 1, 1, 1, 1, 0, 1),
    (8, 32, 1, 1, 1, 1, 1, 0, 1),
    (32, 16, 3, 96, 1, 1, 1, 0, 1), (16, 88, 3, 96, 1, 1, 1, 0, 1), (88, 88, 3, 96, 5, 1, 1, 2, 88),
    (88, 22, 1, 1, 1, 1, 1, 0, 1),
    (22, 88, 1, 1, 1, 1, 1, 0, 1), (88, 16, 3, 96, 1, 1, 1, 0, 1), (16, 88, 3, 96, 1, 1, 1, 0, 1),
    (88, 88, 3, 96, 5, 1, 1, 2, 88),
    (88, 22, 1, 1, 1, 1, 1, 0, 1), (22, 88, 1, 1, 1, 1, 1, 0, 1), (88, 16, 3, 96, 1, 1, 1, 0, 1),
    (16, 40, 3, 96, 1, 1, 1, 0, 1),
    (40, 40, 3, 96, 5, 1, 1, 2, 40), (40, 10, 1, 1, 1, 1, 1, 0, 1), (10, 40, 1, 1, 1, 1, 1, 0, 1),
    (40, 16, 3, 96, 1, 1, 1, 0, 1),
    (16, 48, 3, 96, 1, 1, 1, 0, 1), (48, 48, 3, 96, 5, 1, 1, 2, 48), (48, 12, 1, 1, 1, 1, 1, 0, 1),
    (12, 48, 1, 1, 1, 1, 1, 0, 1),
    (48, 16, 3, 96, 1, 1, 1, 0, 1), (16, 104, 3, 96, 1, 1, 1, 0, 1), (104, 104, 3, 96, 5, 2, 1, 2, 104),
    (104, 26, 1, 1, 1, 1, 1, 0, 1), (26, 104, 1, 1, 1, 1, 1, 0, 1), (104, 32, 2, 96, 1, 1, 1, 0, 1),
    (32, 200, 2, 96, 1, 1, 1, 0, 1), (200, 200, 2, 96, 5, 1, 1, 2, 200), (200, 50, 1, 1, 1, 1, 1, 0, 1),
    (50, 200, 1, 1, 1, 1, 1, 0, 1), (200, 32, 2, 96, 1, 1, 1, 0, 1), (32, 200, 2, 96, 1, 1, 1, 0, 1),
    (200, 200, 2, 96, 5, 1, 1, 2, 200), (200, 50, 1, 1, 1, 1, 1, 0, 1), (50, 200, 1, 1, 1, 1, 1, 0, 1),
    (200, 32, 2, 96, 1, 1, 1, 0, 1), (32, 200, 2, 96, 1, 1, 1, 0, 1),
  ]

  struct Step {
    var kernel: Kernel
    var buffers: StepBuffers
    var flops: Int
    var label: String
    var keep: [Storage]
  }

  func testBenchmarkModelLayers() throws {
    guard ProcessInfo.processInfo.environment["ONNXQ_BENCH"] != nil else { return }
    var rng = SeededGenerator(seed: 1)
    var steps: [Step] = []
    for (cIn, cOut, h, w, k, sh, sw, pad, group) in Self.layers {
      let xType = TensorType(.float, [1, cIn, h, w])
      let wConstant = KernelHarness.floats([cOut, cIn / group, k, k], rng.floats(cOut * cIn / group * k * k))
      let bConstant = KernelHarness.floats([cOut], rng.floats(cOut))
      let node = TestNodes.node(
        "Conv", inputs: ["X", "W", "B"],
        [
          TestNodes.ints("strides", [sh, sw]), TestNodes.ints("pads", [pad, pad, pad, pad]),
          TestNodes.int("group", group), TestNodes.ints("kernel_shape", [k, k]),
        ])
      let context = OpContext(
        node: node, op: .conv, opset: 11, inputs: [xType, wConstant.type, bConstant.type],
        constants: [nil, wConstant, bConstant])
      let prepared = try OpRegistry.prepare(context)
      let x = Storage(byteCount: xType.byteCount)
      let values = rng.floats(xType.count)
      for index in 0..<values.count { x.typed(Float.self)[index] = values[index] }
      let y = Storage(byteCount: prepared.outputs[0].byteCount)
      let scratch = Storage(byteCount: prepared.scratchBytes)
      let buffers = StepBuffers(
        inputs: [
          UnsafeRawPointer(x.pointer), UnsafeRawPointer(wConstant.storage.pointer),
          UnsafeRawPointer(bConstant.storage.pointer),
        ],
        outputs: [y.pointer], scratch: prepared.scratchBytes > 0 ? scratch.pointer : nil)
      var label = "?"
      if case .convolution(let kernel) = prepared.kernel {
        label = kernel.swapped ? "one-position" : String(describing: kernel.strategy)
      }
      let flops = 2 * prepared.outputs[0].count * (cIn / group) * k * k
      steps.append(Step(kernel: prepared.kernel, buffers: buffers, flops: flops, label: label, keep: [x, y, scratch]))
    }
    var best = [Double](repeating: .infinity, count: steps.count)
    for _ in 0..<200 {
      for (index, step) in steps.enumerated() {
        let start = DispatchTime.now().uptimeNanoseconds
        step.kernel.run(step.buffers)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        best[index] = min(best[index], elapsed)
      }
    }
    if ProcessInfo.processInfo.environment["ONNXQ_BENCH"] == "layers" {
      for (index, layer) in Self.layers.enumerated() {
        print(String(describing: layer) + " " + steps[index].label + String(format: " %.1f us", best[index] * 1e6))
      }
    }
    var byLabel: [String: (Double, Int)] = [:]
    for (index, step) in steps.enumerated() {
      let entry = byLabel[step.label] ?? (0, 0)
      byLabel[step.label] = (entry.0 + best[index], entry.1 + step.flops)
    }
    for (label, entry) in byLabel.sorted(by: { $0.key < $1.key }) {
      let name = label.padding(toLength: 13, withPad: " ", startingAt: 0)
      print(name + String(format: " %7.1f us  %6.2f GFLOP/s", entry.0 * 1e6, Double(entry.1) / entry.0 * 1e-9))
    }
    let total = best.reduce(0, +)
    let flops = steps.reduce(0) { $0 + $1.flops }
    print(
      String(
        format: "all 53 Conv   %7.1f us  %6.2f GFLOP/s (sum of per-layer best times)", total * 1e6,
        Double(flops) / total * 1e-9))
  }
}
