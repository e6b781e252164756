import CAllocationCounter
import ONNXFormat
import XCTest

@testable import Runtime

/// The real models of ../shared/models run repeatedly without a single heap allocation after load.
final class RealModelAllocationTests: XCTestCase {
  private func sharedModel(_ name: String) throws -> Model {
    let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    let path = "/" + root + "/../shared/models/" + name
    guard FileBytes.exists(path) else { throw XCTSkip(path + " is not present") }
    return try Model(contentsOf: path)
  }

  private func assertRunsWithoutAllocating(_ session: Session, runs: Int, file: StaticString = #filePath, line: UInt = #line) {
    for input in session.inputs where input.type.dataType == .float {
      let values = input.pointer.assumingMemoryBound(to: Float.self)
      for index in 0..<input.type.count { values[index] = Float((index * 7919) % 200) / 100 - 1 }
    }
    session.run()
    oq_allocations_start()
    for _ in 0..<runs { session.run() }
    let allocations = oq_allocations_stop()
    XCTAssertEqual(allocations, 0, String(runs) + " runs allocated on the heap", file: file, line: line)
  }

  func testPaddleOCRClassifierRunsWithoutAllocating() throws {
    let session = try Session(model: try sharedModel("ppocr_cls_mobile_v2.onnx"), options: LoadOptions(shapes: ["x": [1, 3, 48, 192]]))
    XCTAssertEqual(session.outputs[0].type.shape, [1, 2])
    XCTAssertGreaterThanOrEqual(session.memory.arenaBytes, session.memory.lowerBoundBytes)
    assertRunsWithoutAllocating(session, runs: 5)
  }

  func testSileroVADRunsWithoutAllocating() throws {
    let session = try Session(model: try sharedModel("silero_vad_16k_stateful.onnx"))
    XCTAssertEqual(session.inputs.map { $0.type.shape }, [[1, 576], [2, 1, 128]])
    assertRunsWithoutAllocating(session, runs: 50)
  }
}
