import XCTest

@testable import ONNXFormat

final class GoldenTests: XCTestCase {
  private func initializers(_ model: Model) -> [String: Tensor] {
    var result: [String: Tensor] = [:]
    for t in model.graph.initializers { result[t.name] = t }
    return result
  }

  private func assertTensor(
    _ tensor: Tensor?, _ dataType: DataType, _ dims: [Int], _ bytes: [UInt8],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    guard let tensor else { return XCTFail("tensor missing", file: file, line: line) }
    XCTAssertEqual(tensor.dataType, dataType, tensor.name, file: file, line: line)
    XCTAssertEqual(tensor.dims, dims, tensor.name, file: file, line: line)
    XCTAssertEqual(tensor.bytes, bytes, tensor.name, file: file, line: line)
    XCTAssertEqual(tensor.strings, [], tensor.name, file: file, line: line)
  }

  func testTypedFieldsBecomeLittleEndianBytes() throws {
    let model = try Model(serialized: Golden.typed)
    XCTAssertEqual(model.irVersion, 10)
    XCTAssertEqual(model.producerName, "gold")
    XCTAssertEqual(model.opsetVersion(""), 21)
    XCTAssertEqual(model.graph.name, "typed")
    XCTAssertEqual(model.graph.initializers.map(\.name), ["f", "i8", "u8", "h", "b", "i64", "d", "u32", "i4"])
    let t = initializers(model)
    assertTensor(t["f"], .float, [2], littleEndian([Float(1.5).bitPattern, Float(-2).bitPattern]))
    XCTAssertEqual(t["f"]?.bytes, [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    assertTensor(t["i8"], .int8, [3], [0xFF, 0x00, 0x7F])
    assertTensor(t["u8"], .uint8, [2], [0x00, 0xFF])
    assertTensor(t["h"], .float16, [2], [0x00, 0x3C, 0x00, 0xC0])
    assertTensor(t["b"], .bool, [3], [1, 0, 1])
    assertTensor(t["i64"], .int64, [2], littleEndian([Int64(-1), Int64(1) << 40]))
    assertTensor(t["d"], .double, [1], littleEndian((0.1).bitPattern))
    assertTensor(t["u32"], .uint32, [2], [0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF])
  }

  func testInt4FromInt32DataIsPacked() throws {
    let t = initializers(try Model(serialized: Golden.typed))
    // onnx packs [-1, 2, -8] as int32_data [0x2F, 0x08]: low nibble first, odd count padded.
    assertTensor(t["i4"], .int4, [3], [0x2F, 0x08])
    XCTAssertEqual(t["i4"]?.count, 3)
    XCTAssertEqual(DataType.int4.storageBytes(count: 3), 2)
  }

  func testTypedModelReencodesAsRawData() throws {
    let model = try Model(serialized: Golden.typed)
    let bytes = model.serialized()
    XCTAssertNotEqual(bytes, Golden.typed)
    XCTAssertEqual(try Model(serialized: bytes), model)
  }

  func testRawDataModel() throws {
    let model = try Model(serialized: Golden.raw)
    XCTAssertEqual(model.graph.name, "raw")
    let t = initializers(model)
    assertTensor(t["w"], .float, [2, 2], littleEndian([Float(1.5), -2, 0.25, 3].map { $0.bitPattern }))
    assertTensor(t["q"], .int8, [2, 3], [0x80, 0xFF, 0x00, 0x01, 0x02, 0x7F])
    assertTensor(t["z"], .int64, [], littleEndian(Int64(-3)))
    XCTAssertEqual(t["z"]?.count, 1)
    // The graph around them.
    XCTAssertEqual(model.graph.nodes, [Node(opType: "Identity", inputs: ["x"], outputs: ["y"])])
    XCTAssertEqual(
      model.graph.inputs,
      [ValueInfo(name: "x", type: .tensor(elementType: 1, shape: [ShapeDimension(.param("N")), ShapeDimension(.value(2))]))])
    XCTAssertEqual(
      model.graph.outputs, [ValueInfo(name: "y", type: .tensor(elementType: 1, shape: [ShapeDimension(.value(1))]))])
  }

  func testAttributesFromOnnx() throws {
    let model = try Model(serialized: Golden.attrs)
    XCTAssertEqual(model.producerVersion, "1.0")
    XCTAssertEqual(model.modelVersion, 7)
    XCTAssertEqual(model.docString, "doc")
    XCTAssertEqual(model.metadata, [StringPair(key: "author", value: "me")])
    XCTAssertEqual(model.opsetVersion("my.domain"), 1)
    XCTAssertEqual(model.graph.nodes.count, 2)

    let custom = model.graph.nodes[1]
    XCTAssertEqual(custom.name, "c0")
    XCTAssertEqual(custom.domain, "my.domain")
    XCTAssertEqual(custom.displayName, "Custom node 'c0'")
    XCTAssertEqual(custom.attribute("alpha"), .float(0.5))
    XCTAssertEqual(custom.attribute("axis"), .int(-1))
    XCTAssertEqual(custom.attribute("mode"), .string(Array("edge".utf8)))
    XCTAssertEqual(custom.attribute("value"), .tensor(Tensor(name: "v", dataType: .int8, dims: [2], bytes: [0xFD, 0x04])))
    XCTAssertEqual(custom.attribute("pads"), .ints([1, -2, 300]))
    XCTAssertEqual(custom.attribute("scales"), .floats([0.25, -1]))
    XCTAssertEqual(custom.attribute("names"), .strings([Array("a".utf8), Array("bc".utf8)]))

    let ifNode = model.graph.nodes[0]
    XCTAssertEqual(ifNode.opType, "If")
    guard case .graph(let thenBranch)? = ifNode.attribute("then_branch"),
      case .graph(let elseBranch)? = ifNode.attribute("else_branch")
    else { return XCTFail("If lost its branches") }
    XCTAssertEqual(thenBranch.name, "then")
    XCTAssertEqual(thenBranch.nodes.first?.attribute("value_float"), .float(1))
    XCTAssertEqual(thenBranch.outputs, [ValueInfo(name: "t", type: .tensor(elementType: 1, shape: []))])
    XCTAssertEqual(elseBranch.nodes.first?.attribute("value_float"), .float(2))
  }

  func testValueInfosAndAnnotationsFromOnnx() throws {
    let graph = try Model(serialized: Golden.attrs).graph
    XCTAssertEqual(
      graph.inputs[0].type,
      .tensor(
        elementType: 3,
        shape: [
          ShapeDimension(.param("N"), denotation: "DATA_BATCH"), ShapeDimension(.value(3), denotation: "DATA_CHANNEL"),
          ShapeDimension(.unknown),
        ]))
    XCTAssertEqual(graph.inputs[1].type, .tensor(elementType: 9, shape: []))
    XCTAssertEqual(graph.outputs[0].type, .tensor(elementType: 1, shape: nil))
    XCTAssertEqual(
      graph.outputs[1].type,
      .tensor(elementType: 3, shape: [ShapeDimension(.value(1)), ShapeDimension(.value(3)), ShapeDimension(.value(5))]))
    XCTAssertEqual(
      graph.quantizationAnnotations,
      [TensorAnnotation(tensorName: "z", quantParameterTensorNames: [StringPair(key: "SCALE_TENSOR", value: "z_scale")])])
  }

  func testGoldenModelsPassWireDiagnostics() {
    for bytes in [Golden.typed, Golden.raw, Golden.attrs] {
      XCTAssertNil(WireDiagnostics(bytes: bytes).diagnose(.model))
    }
  }
}
