import XCTest

@testable import ONNXFormat

final class BadInputTests: XCTestCase {
  func testEmptyBytesHaveNoGraph() {
    let error = assertModelError([], .invalid, ["ModelProto.graph"])
    XCTAssertEqual(error?.context, "ModelProto.graph")
  }

  func testModelWithoutGraph() {
    assertModelError(PB.int(1, 10) + PB.string(2, "x"), .invalid, ["ModelProto.graph", "no graph"])
  }

  func testRandomBytesThrowAndNeverCrash() {
    var decoded = 0
    for seed in 0..<200 {
      var rng = SplitMix64(seed: UInt64(seed))
      let length = Int.random(in: 0...400, using: &rng)
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      do {
        _ = try Model(serialized: bytes)
        decoded += 1
      } catch {
        XCTAssertFalse(error.message.isEmpty, "seed \(seed)")
        XCTAssertTrue(error.message.contains("Proto"), "seed \(seed): \(error.message)")
      }
    }
    XCTAssertEqual(decoded, 0, "random bytes decoded as a model")
  }

  func testRandomBytesAfterAGraphTagNeverCrash() {
    // Random content inside a well-framed graph field reaches the graph decoder more often than pure noise.
    for seed in 0..<200 {
      var rng = SplitMix64(seed: 1000 + UInt64(seed))
      let length = Int.random(in: 0...120, using: &rng)
      let content = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      do {
        _ = try Model(serialized: PB.bytes(7, content))
      } catch {
        XCTAssertFalse(error.message.isEmpty, "seed \(seed)")
      }
    }
  }

  func testFlippedBytesOfAValidModelNeverCrash() {
    let valid = Golden.attrs
    for seed in 0..<200 {
      var rng = SplitMix64(seed: 5000 + UInt64(seed))
      var bytes = valid
      for _ in 0..<Int.random(in: 1...4, using: &rng) {
        bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
      }
      do {
        _ = try Model(serialized: bytes)
      } catch {
        XCTAssertFalse(error.message.isEmpty, "seed \(seed)")
      }
    }
  }

  func testEveryTruncatedPrefixThrowsOrDecodes() {
    for valid in [Golden.attrs, fullModel().serialized()] {
      var thrown = 0
      for length in 0..<valid.count {
        do {
          _ = try Model(serialized: Array(valid[0..<length]))
        } catch {
          thrown += 1
          XCTAssertTrue(
            [.truncated, .malformed, .invalid].contains(error.kind), "prefix \(length): \(error.kind) \(error.message)")
          XCTAssertTrue(error.message.hasPrefix("ModelProto"), "prefix \(length): \(error.message)")
        }
      }
      XCTAssertGreaterThan(thrown, valid.count / 2)
      XCTAssertNoThrow(try Model(serialized: valid))
    }
  }

  func testTruncatedInsideTheGraphNamesTheGraph() {
    let valid = Golden.raw
    // The graph is the last field onnx writes before opset_import; cutting its last byte leaves it short.
    guard let graphTag = valid.firstIndex(of: 0x3A) else { return XCTFail("no graph tag") }
    let error = assertModelError(Array(valid[0..<(graphTag + 10)]), .truncated, ["ModelProto.graph", "declares"])
    XCTAssertTrue(error?.context.hasPrefix("ModelProto.graph") ?? false)
  }

  func testLengthPastTheEnd() {
    // Field 7 (graph), length 200, but only 3 bytes follow.
    let bytes: [UInt8] = [0x3A, 0xC8, 0x01, 0x0A, 0x00, 0x12]
    let error = assertModelError(bytes, .truncated, ["ModelProto.graph", "declares 200 bytes"])
    XCTAssertEqual(error?.context, "ModelProto.graph")
    XCTAssertEqual(error?.detail, "declares 200 bytes at byte 1, only 3 remain")
  }

  func testDimsProductOverflows() {
    let tensor = PB.name("big") + PB.dims([Int64.max / 2, 4]) + PB.dataType(1) + PB.rawData([0, 0, 0, 0])
    let error = assertModelError(PB.model(initializer: tensor), .invalid, [".dims", "'big'", "overflows"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'big'.dims")
  }

  func testByteSizeOverflows() {
    // The element count fits in Int, its size in bytes does not.
    let tensor = PB.name("wide") + PB.dims([Int64.max / 4]) + PB.dataType(7) + PB.rawData([0])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'wide'.dims", "byte size overflows"])
  }

  func testNegativeDim() {
    let tensor = PB.name("neg") + PB.dims([2, -3]) + PB.dataType(1) + PB.rawData([])
    let error = assertModelError(PB.model(initializer: tensor), .invalid, ["'neg'.dims", "dim 1 is negative (-3)"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'neg'.dims")
  }

  func testRawDataLengthMismatch() {
    let tensor = PB.name("w") + PB.dims([2, 2]) + PB.dataType(1) + PB.rawData(Array(repeating: 0, count: 12))
    let error = assertModelError(PB.model(initializer: tensor), .invalid, ["raw_data", "'w'"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'w'.raw_data")
    XCTAssertEqual(error?.detail, "holds 12 bytes, but float32 [2, 2] needs 16")
  }

  func testMissingDataIsARawDataMismatch() {
    let tensor = PB.name("nothing") + PB.dims([3]) + PB.dataType(3)
    assertModelError(PB.model(initializer: tensor), .invalid, ["'nothing'.raw_data", "holds 0 bytes", "needs 3"])
  }

  func testUnknownDataType() {
    let tensor = PB.name("odd") + PB.dims([1]) + PB.dataType(99) + PB.rawData([0])
    let error = assertModelError(PB.model(initializer: tensor), .invalid, [".data_type", "99"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'odd'.data_type")
  }

  func testUndefinedDataType() {
    let tensor = PB.name("none") + PB.dims([1]) + PB.rawData([0])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'none'.data_type", "unknown data type 0"])
  }

  func testTypedFieldCountMismatch() {
    let tensor = PB.name("f") + PB.dims([2, 2]) + PB.dataType(1) + PB.packedFloats(4, [1, 2, 3])
    let error = assertModelError(PB.model(initializer: tensor), .invalid, ["float_data", "'f'"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'f'.float_data")
    XCTAssertEqual(error?.detail, "holds 3 values, but float32 [2, 2] needs 4")
  }

  func testInt32DataCountMismatch() {
    let tensor = PB.name("q") + PB.dims([4]) + PB.dataType(3) + PB.packedVarints(5, [1, -1])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'q'.int32_data", "holds 2 values", "needs 4"])
  }

  func testPackedInt4NeedsOneInt32PerByte() {
    // int4 [3] takes 2 bytes, so 2 int32 values; 3 (one per element) is wrong.
    let tensor = PB.name("n") + PB.dims([3]) + PB.dataType(22) + PB.packedVarints(5, [1, 2, 3])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'n'.int32_data", "holds 3 values", "needs 2"])
  }

  func testHugeDimsWithFewTypedValuesFailWithoutAllocating() {
    // 2^40 floats declared, one given: must be a count mismatch, not a 4 TiB allocation.
    let tensor = PB.name("huge") + PB.dims([1 << 40]) + PB.dataType(1) + PB.packedFloats(4, [1])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'huge'.float_data", "holds 1 values"])
    let bytes = PB.name("huge8") + PB.dims([1 << 50]) + PB.dataType(2) + PB.packedVarints(5, [7])
    assertModelError(PB.model(initializer: bytes), .invalid, ["'huge8'.int32_data", "holds 1 values"])
  }

  func testStringTensorCountMismatch() {
    let tensor = PB.name("s") + PB.dims([3]) + PB.dataType(8) + PB.bytes(6, [0x61]) + PB.bytes(6, [])
    assertModelError(PB.model(initializer: tensor), .invalid, ["'s'.string_data", "holds 2 strings", "need 3"])
  }

  func testExternalData() {
    let tensor =
      PB.name("ext") + PB.dims([4]) + PB.dataType(1)
      + PB.message(13, PB.string(1, "location"), PB.string(2, "weights.bin")) + PB.int(14, 1)
    let error = assertModelError(PB.model(initializer: tensor), .unsupported, ["external data", "'ext'"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'ext'")
  }

  func testExternalDataLocationAlone() {
    let tensor = PB.name("ext") + PB.dims([1]) + PB.dataType(1) + PB.int(14, 1)
    assertModelError(PB.model(initializer: tensor), .unsupported, ["external data"])
  }

  func testSegment() {
    let tensor = PB.name("seg") + PB.dims([1]) + PB.dataType(1) + PB.message(3, PB.int(1, 0), PB.int(2, 1))
      + PB.rawData([0, 0, 0, 0])
    let error = assertModelError(PB.model(initializer: tensor), .unsupported, ["segment"])
    XCTAssertEqual(error?.context, "ModelProto.graph.initializer[0] 'seg'.segment")
  }

  func testErrorInAnAttributeTensorNamesTheAttribute() {
    let tensor = PB.dims([-1]) + PB.dataType(1)
    let attribute = PB.string(1, "value") + PB.int(20, 4) + PB.bytes(5, tensor)
    let node = PB.string(4, "Constant") + PB.string(2, "c") + PB.bytes(5, attribute)
    let bytes = PB.message(7, PB.bytes(1, node), PB.bytes(1, node))
    let error = assertModelError(bytes, .invalid, ["negative"])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute 'value'.t.dims")
  }

  func testTensorAttributeWithoutATensor() {
    let attribute = PB.string(1, "value") + PB.int(20, 4)
    let bytes = PB.message(7, PB.message(1, PB.string(4, "Constant"), PB.bytes(5, attribute)))
    assertModelError(bytes, .invalid, ["ModelProto.graph.node[0].attribute 'value'", "without a tensor"])
  }

  func testUnknownAttributeType() {
    let attribute = PB.string(1, "x") + PB.int(20, 42)
    let bytes = PB.message(7, PB.message(1, PB.string(4, "Op"), PB.bytes(5, attribute)))
    let error = assertModelError(bytes, .invalid, ["unknown attribute type 42"])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute 'x'.type")
  }

  func testErrorInASubgraphNamesThePath() {
    let tensor = PB.name("inner") + PB.dims([2]) + PB.dataType(1) + PB.rawData([1])
    let body = PB.string(2, "body") + PB.bytes(5, tensor)
    let attribute = PB.string(1, "then_branch") + PB.int(20, 5) + PB.bytes(6, body)
    let bytes = PB.message(7, PB.message(1, PB.string(4, "If"), PB.bytes(5, attribute)))
    let error = assertModelError(bytes, .invalid, ["raw_data"])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute 'then_branch'.g.initializer[0] 'inner'.raw_data")
  }

  func testTensorSerializedErrors() {
    XCTAssertEqual(
      formatError { () throws(FormatError) in try Tensor(serialized: PB.dims([1]) + PB.dataType(1)) }?.context,
      "TensorProto.raw_data")
    let cut = PB.dims([1]) + PB.dataType(1) + [0x4A, 0x04, 0x00]
    let error = formatError { () throws(FormatError) in try Tensor(serialized: cut) }
    XCTAssertEqual(error?.kind, .truncated)
    XCTAssertEqual(error?.context, "TensorProto.raw_data")
  }
}

final class NestingDepthTests: XCTestCase {
  /// graph -> node -> attribute g -> graph ... `levels` graphs deep, built as wire bytes.
  private func nestedModel(levels: Int) -> [UInt8] {
    var graph = PB.string(2, "leaf")
    for _ in 0..<levels {
      let attribute = PB.string(1, "then_branch") + PB.int(20, 5) + PB.bytes(6, graph)
      let node = PB.string(4, "If") + PB.bytes(5, attribute)
      graph = PB.bytes(1, node)
    }
    return PB.int(1, 10) + PB.message(8, PB.int(2, 21)) + PB.bytes(7, graph)
  }

  func testDeepNestingIsRefusedBeforeParsing() {
    // 5,000 levels overflow the stack of a recursive parser; the depth check must refuse it first.
    XCTAssertThrowsError(try Model(serialized: nestedModel(levels: 5000))) { error in
      let formatError = error as! FormatError
      XCTAssertEqual(formatError.kind, .unsupported)
      XCTAssertTrue(formatError.message.contains("nest deeper than 64 levels"), formatError.message)
    }
  }

  func testNestingAtTheLimitLoads() throws {
    let model = try Model(serialized: nestedModel(levels: Model.subgraphDepthLimit - 1))
    XCTAssertEqual(model.graph.nodes.first?.opType, "If")
  }
}
