import XCTest

@testable import ONNXFormat

final class WireDiagnosticsTests: XCTestCase {
  /// A model whose node `nodeIndex`, attribute `attributeIndex` is a TENSOR attribute with `tensor` as its value.
  private func model(tensor: [UInt8], nodeIndex: Int, attributeIndex: Int) -> [UInt8] {
    let plainAttribute = PB.string(1, "k") + PB.int(20, 2) + PB.int(3, 1)
    let tensorAttribute = PB.string(1, "value") + PB.int(20, 4) + PB.bytes(5, tensor)
    var node = PB.string(4, "Constant") + PB.string(2, "c")
    for index in 0...attributeIndex {
      node += PB.bytes(5, index == attributeIndex ? tensorAttribute : plainAttribute)
    }
    var graph = PB.string(2, "g")
    for _ in 0..<nodeIndex { graph += PB.message(1, PB.string(4, "Relu")) }
    graph += PB.bytes(1, node)
    return PB.int(1, 10) + PB.bytes(7, graph) + PB.message(8, PB.int(2, 21))
  }

  /// A TensorProto whose raw_data declares 8 bytes but holds 3 (the enclosing lengths are consistent).
  private let cutTensor = PB.dims([2]) + PB.dataType(1) + [0x4A, 0x08, 0x01, 0x02, 0x03]

  func testCutRawDataInAnAttributeTensorNamesTheNestedPath() {
    let error = assertModelError(model(tensor: cutTensor, nodeIndex: 0, attributeIndex: 0), .truncated, ["raw_data"])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute[0].t.raw_data")
    XCTAssertEqual(error?.detail.hasPrefix("declares 8 bytes at byte "), true, error?.detail ?? "")
    XCTAssertEqual(error?.detail.hasSuffix(", only 3 remain"), true, error?.detail ?? "")
  }

  func testIndicesCountRepeatedElements() {
    let error = assertModelError(model(tensor: cutTensor, nodeIndex: 2, attributeIndex: 1), .truncated, [])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[2].attribute[1].t.raw_data")
  }

  func testByteOffsetIsAbsolute() {
    let bytes = model(tensor: cutTensor, nodeIndex: 0, attributeIndex: 0)
    // The raw_data length byte is the 8 after the 0x4A tag; its offset in the whole message is reported.
    guard let tag = bytes.indices.first(where: { bytes[$0] == 0x4A && bytes[$0 + 1] == 0x08 }) else {
      return XCTFail("raw_data tag not found")
    }
    let error = assertModelError(bytes, .truncated, [])
    XCTAssertEqual(error?.detail, "declares 8 bytes at byte " + String(tag + 1) + ", only 3 remain")
  }

  func testCutInAGraphAttributeInitializer() {
    let body = PB.string(2, "then") + PB.bytes(5, PB.name("w") + cutTensor)
    let attribute = PB.string(1, "then_branch") + PB.int(20, 5) + PB.bytes(6, body)
    let bytes = PB.message(7, PB.message(1, PB.string(4, "If"), PB.bytes(5, attribute)))
    let error = assertModelError(bytes, .truncated, [])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute[0].g.initializer[0].raw_data")
  }

  func testCutDimensionInAValueInfo() {
    let dim = [UInt8(0x12), 0x05, 0x4E]  // dim_param declares 5 bytes, 1 follows
    let valueInfo = PB.string(1, "x") + PB.message(2, PB.message(1, PB.int(1, 1), PB.message(2, PB.bytes(1, dim))))
    let bytes = PB.message(7, PB.bytes(11, PB.string(1, "a")), PB.bytes(11, valueInfo))
    let error = assertModelError(bytes, .truncated, [])
    XCTAssertEqual(error?.context, "ModelProto.graph.input[1].type.tensor_type.shape.dim[0].dim_param")
  }

  func testWrongWireType() {
    // graph (field 7) as a varint.
    let error = assertModelError([0x38, 0x01], .malformed, ["ModelProto.graph"])
    XCTAssertEqual(error?.detail, "encoded as a varint at byte 0, the schema says length-delimited bytes")
  }

  func testInvalidWireType() {
    let error = assertModelError([0x0B], .malformed, ["wire type 3"])
    XCTAssertEqual(error?.context, "ModelProto.ir_version")
  }

  func testFieldNumberZero() {
    let error = assertModelError([0x00, 0x01], .malformed, ["field number 0"])
    XCTAssertEqual(error?.context, "ModelProto")
  }

  func testCutVarint() {
    let error = assertModelError([0x08, 0xFF, 0xFF], .truncated, ["cut short"])
    XCTAssertEqual(error?.context, "ModelProto.ir_version")
  }

  func testCutFixed32InsideAnAttribute() {
    let attribute = PB.string(1, "alpha") + [0x15, 0x00, 0x00]  // f: 32 bits, 2 present
    let bytes = PB.message(7, PB.message(1, PB.string(4, "LeakyRelu"), PB.bytes(5, attribute)))
    let error = assertModelError(bytes, .truncated, ["needs 4 bytes", "only 2 remain"])
    XCTAssertEqual(error?.context, "ModelProto.graph.node[0].attribute[0].f")
  }

  func testUnknownFieldsAreSkipped() {
    // Field 99 (unknown to the schema) of every wire type, then a valid graph: protobuf-c and the walk both accept it.
    let unknown = PB.int(99, 5) + PB.bytes(98, [1, 2, 3]) + PB.fixed32(97, 7)
    let bytes = unknown + PB.message(7, PB.string(2, "g"))
    XCTAssertNil(WireDiagnostics(bytes: bytes).diagnose(.model))
    XCTAssertEqual(try Model(serialized: bytes).graph.name, "g")
  }

  func testPackedAndUnpackedRepeatedFieldsAreAccepted() throws {
    let unpacked = [Int64(1), -2, 3].flatMap { PB.int(8, $0) }
    for ints in [PB.packedVarints(8, [1, -2, 3]), unpacked] {
      let attribute = PB.string(1, "pads") + PB.int(20, 7) + ints
      let bytes = PB.message(7, PB.message(1, PB.string(4, "Pad"), PB.bytes(5, attribute)))
      XCTAssertNil(WireDiagnostics(bytes: bytes).diagnose(.model))
      XCTAssertEqual(try Model(serialized: bytes).graph.nodes[0].attribute("pads"), .ints([1, -2, 3]))
    }
  }
}
