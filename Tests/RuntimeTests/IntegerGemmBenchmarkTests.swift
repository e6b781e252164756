import Foundation
import ONNXFormat
import XCTest

@testable import Runtime

/// A printed measurement, never an assertion: a 256x256x256 u8 x s8 product on `IntegerGemm` (int32
/// output) and as a prepared QLinearMatMul (requantized uint8 output), best of 50 runs.
/// `ONNXQ_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter IntegerGemmBenchmarkTests`
final class IntegerGemmBenchmarkTests: XCTestCase {
  func testBenchmarkSquareProduct() throws {
    guard ProcessInfo.processInfo.environment["ONNXQ_BENCH"] != nil else { return }
    let size = 256
    var rng = SeededGenerator(seed: 1)
    let a = quantizedConstant(false, [size, size], rng.codes(size * size, signed: false))
    let b = quantizedConstant(true, [size, size], rng.codes(size * size, signed: true))
    let node = TestNodes.node(
      "QLinearMatMul",
      inputs: [
        "a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point",
      ])
    let types = [
      a.type, TensorType(.float, []), TensorType(.uint8, []), b.type, TensorType(.float, []),
      TensorType(.int8, []), TensorType(.float, []), TensorType(.uint8, []),
    ]
    let constants: [Constant?] = [
      nil, KernelHarness.floats([], [0.02]), quantizedConstant(false, [], [128]), b,
      KernelHarness.floats([], [0.005]),
      quantizedConstant(true, [], [0]), KernelHarness.floats([], [20]),
      quantizedConstant(false, [], [128]),
    ]
    let context = OpContext(
      node: node, op: .qlinearMatMul, opset: 13, inputs: types, constants: constants)
    let prepared = try OpRegistry.prepare(context)
    let y = Storage(byteCount: prepared.outputs[0].byteCount)
    let scratch = Storage(byteCount: prepared.scratchBytes)
    var inputs: [UnsafeRawPointer?] = [UnsafeRawPointer(a.storage.pointer)]
    for constant in constants.dropFirst() {
      inputs.append(constant.map { UnsafeRawPointer($0.storage.pointer) })
    }
    let buffers = StepBuffers(inputs: inputs, outputs: [y.pointer], scratch: scratch.pointer)
    let operations = 2.0 * Double(size * size * size)
    var best = Double.infinity
    for _ in 0..<50 {
      let start = DispatchTime.now().uptimeNanoseconds
      prepared.kernel.run(buffers)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    print(
      String(
        format: "QLinearMatMul 256x256x256 u8s8 -> u8: %.3f ms, %.1f GOPS", best * 1e3,
        operations / best * 1e-9))

    // The GEMM alone, int32 output.
    guard case .integerMatrix(let kernel) = prepared.kernel, let packed = kernel.packedB else {
      return
    }
    let c = Storage(byteCount: size * size * 4)
    let source = IntegerGemmMatrixSource<UInt8>(
      a: UnsafePointer(a.storage.typed(UInt8.self)), rowStride: size, kStride: 1,
      zeroPoints: UnsafePointer(constants[2]!.storage.typed(UInt8.self)), zeroPointStride: 0)
    best = .infinity
    for _ in 0..<50 {
      let start = DispatchTime.now().uptimeNanoseconds
      IntegerGemm.multiply(
        source, m: size, blockRows: kernel.blockRows, b: packed.pointer, layout: kernel.layout,
        output: .init(kind: .int32, c: c.pointer, rowStride: size, colStride: 1),
        scratch: scratch.pointer)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    print(
      String(
        format: "IntegerGemm 256x256x256 u8s8 -> i32: %.3f ms, %.1f GOPS", best * 1e3,
        operations / best * 1e-9))
    withExtendedLifetime((a, b, y, scratch, c, constants)) {}
  }
}
