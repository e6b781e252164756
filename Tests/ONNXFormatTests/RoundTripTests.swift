import XCTest

@testable import ONNXFormat

/// A model that uses every part of the Swift model: all attribute kinds, every dimension form, opaque fields.
func fullModel() -> Model {
  let weights = Tensor(
    name: "w", dataType: .float, dims: [2, 2],
    bytes: littleEndian([Float(1.5), -2, 0.25, 1e-3].map { $0.bitPattern }),
    docString: "weights", metadata: [StringPair(key: "origin", value: "test")])
  let q = Tensor(name: "q", dataType: .int8, dims: [3], bytes: [0x80, 0x00, 0x7F])
  let zeroPoint = Tensor(name: "zp", dataType: .uint8, dims: [], bytes: [0xFF])
  let shape = Tensor(name: "shape", dataType: .int64, dims: [2], bytes: littleEndian([Int64(-1), 1 << 40]))
  let mask = Tensor(name: "mask", dataType: .bool, dims: [1, 3], bytes: [1, 0, 1])
  let half = Tensor(name: "half", dataType: .float16, dims: [2], bytes: littleEndian([UInt16(0x3C00), 0xC000]))
  // int4 [-1, 2, -8] packed low nibble first: 0x2F, 0x08.
  let nibbles = Tensor(name: "nibbles", dataType: .int4, dims: [3], bytes: [0x2F, 0x08])
  let words = Tensor(name: "words", dataType: .string, dims: [2], strings: [Array("héllo".utf8), [0x00, 0xFF]])
  let empty = Tensor(name: "empty", dataType: .float, dims: [0, 4])
  let double = Tensor(name: "d", dataType: .double, dims: [1], bytes: littleEndian(0.1.bitPattern))

  let body = Graph(
    name: "body",
    nodes: [Node(opType: "Identity", inputs: ["a"], outputs: ["b"], attributes: [Attribute(name: "k", value: .int(3))])],
    inputs: [ValueInfo(name: "a", type: .tensor(elementType: 1, shape: []))],
    outputs: [ValueInfo(name: "b", type: .tensor(elementType: 1, shape: nil))])
  let otherBody = Graph(name: "other", docString: "second graph", metadata: [StringPair(key: "g", value: "2")])

  let attributes: [Attribute] = [
    Attribute(name: "f", value: .float(-0.75), docString: "a float"),
    Attribute(name: "f0", value: .float(0)),
    Attribute(name: "i", value: .int(-42)),
    Attribute(name: "i0", value: .int(0)),
    Attribute(name: "big", value: .int(Int(Int64.max))),
    Attribute(name: "s", value: .string(Array("constant".utf8))),
    Attribute(name: "s0", value: .string([])),
    Attribute(name: "t", value: .tensor(q)),
    Attribute(name: "g", value: .graph(body)),
    Attribute(name: "fs", value: .floats([1, -2.5, 3e10])),
    Attribute(name: "is", value: .ints([0, -1, Int(Int64.min), 300])),
    Attribute(name: "ss", value: .strings([Array("a".utf8), [], [0xC3, 0xA9]])),
    Attribute(name: "ts", value: .tensors([weights, words, nibbles])),
    Attribute(name: "gs", value: .graphs([body, otherBody])),
    Attribute(name: "sp", value: .sparseTensor([0x0A, 0x02, 0x08, 0x01])),
    Attribute(name: "sps", value: .sparseTensors([[0x01], [0x02, 0x03]])),
    Attribute(name: "tp", value: .typeProto([0x0A, 0x02, 0x08, 0x01])),
    Attribute(name: "tps", value: .typeProtos([[0x0A, 0x00], [0x32, 0x01, 0x41]])),
    Attribute(name: "ref", value: .undefined, refAttrName: "outer_alpha"),
  ]

  let graph = Graph(
    name: "main",
    nodes: [
      Node(
        name: "n0", opType: "Custom", domain: "my.domain", overload: "v2", inputs: ["x", "", "w"],
        outputs: ["y", "aux"], attributes: attributes, docString: "every attribute kind",
        metadata: [StringPair(key: "node", value: "meta")], opaqueDeviceConfigurations: [[0x0A, 0x01, 0x41]]),
      Node(opType: "Relu", inputs: ["y"], outputs: ["z"]),
    ],
    initializers: [weights, q, zeroPoint, shape, mask, half, nibbles, words, empty, double],
    opaqueSparseInitializers: [[0x0A, 0x03, 0x01, 0x02, 0x03]],
    inputs: [
      ValueInfo(
        name: "x",
        type: .tensor(
          elementType: 1,
          shape: [
            ShapeDimension(.param("N"), denotation: "DATA_BATCH"),
            ShapeDimension(.value(3), denotation: "DATA_CHANNEL"),
            ShapeDimension(.unknown),
            ShapeDimension(.value(0)),
            ShapeDimension(.unknown, denotation: "DATA_FEATURE"),
          ]),
        typeDenotation: "IMAGE", docString: "input", metadata: [StringPair(key: "vi", value: "1")])
    ],
    outputs: [
      ValueInfo(name: "z", type: .tensor(elementType: 3, shape: nil)),
      ValueInfo(name: "untyped", type: nil),
    ],
    valueInfo: [
      ValueInfo(name: "scalar", type: .tensor(elementType: 7, shape: [])),
      ValueInfo(name: "seq", type: .opaque(field: 4, bytes: [0x0A, 0x02, 0x0A, 0x00])),
      ValueInfo(name: "map", type: .opaque(field: 5, bytes: [0x08, 0x08])),
      ValueInfo(name: "sparse", type: .opaque(field: 8, bytes: [0x08, 0x01])),
      ValueInfo(name: "opt", type: .opaque(field: 9, bytes: [0x0A, 0x00]), typeDenotation: "TENSOR"),
    ],
    quantizationAnnotations: [
      TensorAnnotation(
        tensorName: "y",
        quantParameterTensorNames: [
          StringPair(key: "SCALE_TENSOR", value: "y_scale"), StringPair(key: "ZERO_POINT_TENSOR", value: "y_zp"),
        ])
    ],
    docString: "the main graph",
    metadata: [StringPair(key: "graph", value: "meta")])

  return Model(
    irVersion: 10,
    opsetImports: [OpsetImport(domain: "", version: 21), OpsetImport(domain: "my.domain", version: 1)],
    producerName: "onnx-quant-tests", producerVersion: "0.1", domain: "org.test", modelVersion: 7,
    docString: "round trip", graph: graph,
    metadata: [StringPair(key: "author", value: "tests"), StringPair(key: "empty", value: "")],
    opaqueTrainingInfo: [[0x0A, 0x00], []], opaqueFunctions: [[0x0A, 0x01, 0x66, 0x12, 0x01, 0x64]],
    opaqueConfigurations: [[0x0A, 0x03, 0x63, 0x66, 0x67]])
}

final class RoundTripTests: XCTestCase {
  func testFullModelRoundTripsEqual() throws {
    let model = fullModel()
    let bytes = model.serialized()
    XCTAssertFalse(bytes.isEmpty)
    let decoded = try Model(serialized: bytes)
    XCTAssertEqual(decoded, model)
    // Field by field too, so a failure says where.
    XCTAssertEqual(decoded.graph.initializers, model.graph.initializers)
    XCTAssertEqual(decoded.graph.nodes[0].attributes, model.graph.nodes[0].attributes)
    XCTAssertEqual(decoded.graph.inputs, model.graph.inputs)
    XCTAssertEqual(decoded.graph.valueInfo, model.graph.valueInfo)
    XCTAssertEqual(decoded.opaqueTrainingInfo, [[0x0A, 0x00], []])
  }

  func testSerializationIsStable() throws {
    let bytes = fullModel().serialized()
    let again = try Model(serialized: bytes).serialized()
    XCTAssertEqual(again, bytes)
    XCTAssertNil(WireDiagnostics(bytes: bytes).diagnose(.model))
  }

  func testEveryAttributeKindSurvives() throws {
    let decoded = try Model(serialized: fullModel().serialized())
    let node = decoded.graph.nodes[0]
    let kinds = Set(node.attributes.map { $0.value.typeNumber })
    XCTAssertEqual(kinds, Set(0...14))
    XCTAssertEqual(node.attribute("f"), .float(-0.75))
    XCTAssertEqual(node.attribute("i"), .int(-42))
    XCTAssertEqual(node.attribute("big"), .int(Int(Int64.max)))
    XCTAssertEqual(node.attribute("is"), .ints([0, -1, Int(Int64.min), 300]))
    XCTAssertEqual(node.attribute("ref"), .undefined)
    XCTAssertEqual(node.attributes.last?.refAttrName, "outer_alpha")
    XCTAssertNil(node.attribute("missing"))
    XCTAssertEqual(node.inputs, ["x", "", "w"])
    XCTAssertEqual(node.domain, "my.domain")
    XCTAssertEqual(node.overload, "v2")
  }

  func testDimensionsAndTypesSurvive() throws {
    let decoded = try Model(serialized: fullModel().serialized())
    guard case .tensor(let elementType, let shape)? = decoded.graph.inputs[0].type else {
      return XCTFail("input x lost its tensor type")
    }
    XCTAssertEqual(elementType, 1)
    XCTAssertEqual(
      shape,
      [
        ShapeDimension(.param("N"), denotation: "DATA_BATCH"), ShapeDimension(.value(3), denotation: "DATA_CHANNEL"),
        ShapeDimension(.unknown), ShapeDimension(.value(0)), ShapeDimension(.unknown, denotation: "DATA_FEATURE"),
      ])
    XCTAssertEqual(decoded.graph.inputs[0].typeDenotation, "IMAGE")
    // Unknown rank (nil) and scalar ([]) stay distinct.
    XCTAssertEqual(decoded.graph.outputs[0].type, .tensor(elementType: 3, shape: nil))
    XCTAssertEqual(decoded.graph.valueInfo[0].type, .tensor(elementType: 7, shape: []))
    XCTAssertNil(decoded.graph.outputs[1].type)
    XCTAssertEqual(decoded.graph.outputs[0].type?.tensorElementType, .int8)
    XCTAssertEqual(decoded.graph.valueInfo[4].type, .opaque(field: 9, bytes: [0x0A, 0x00]))
  }

  func testTensorsKeepTheirBytes() throws {
    let decoded = try Model(serialized: fullModel().serialized())
    var byName: [String: Tensor] = [:]
    for t in decoded.graph.initializers { byName[t.name] = t }
    XCTAssertEqual(byName["w"]?.bytes, [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x80, 0x3E] + littleEndian(Float(1e-3).bitPattern))
    XCTAssertEqual(byName["w"]?.count, 4)
    XCTAssertEqual(byName["zp"]?.dims, [])
    XCTAssertEqual(byName["zp"]?.count, 1)
    XCTAssertEqual(byName["nibbles"]?.bytes, [0x2F, 0x08])
    XCTAssertEqual(byName["half"]?.bytes, [0x00, 0x3C, 0x00, 0xC0])
    XCTAssertEqual(byName["words"]?.strings, [Array("héllo".utf8), [0x00, 0xFF]])
    XCTAssertEqual(byName["words"]?.bytes, [])
    XCTAssertEqual(byName["empty"]?.count, 0)
    XCTAssertEqual(byName["empty"]?.bytes, [])
  }

  func testSingleTensorRoundTrip() throws {
    let tensor = Tensor(name: "t", dataType: .uint32, dims: [2], bytes: littleEndian([UInt32(7), .max]))
    XCTAssertEqual(try Tensor(serialized: tensor.serialized()), tensor)
  }

  func testMinimalModelDefaults() throws {
    let model = Model(irVersion: 9, opsetImports: [], graph: Graph())
    let decoded = try Model(serialized: model.serialized())
    XCTAssertEqual(decoded, model)
    XCTAssertEqual(decoded.producerName, "onnx-quant")
    XCTAssertNil(decoded.opsetVersion(""))
  }

  func testNestedSubgraphsRoundTrip() throws {
    // If inside Loop inside ...: 32 levels is far beyond real models (which nest a handful).
    var graph = Graph(name: "leaf", nodes: [Node(opType: "Relu", inputs: ["a"], outputs: ["b"])])
    for level in 0..<32 {
      graph = Graph(
        name: "level" + String(level),
        nodes: [Node(opType: "If", inputs: ["c"], outputs: ["r"], attributes: [Attribute(name: "then_branch", value: .graph(graph))])])
    }
    let model = Model(irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
    XCTAssertEqual(try Model(serialized: model.serialized()), model)
  }

  func testOpsetVersionTreatsAiOnnxAsDefault() {
    let model = Model(
      irVersion: 10, opsetImports: [OpsetImport(domain: "ai.onnx", version: 19), OpsetImport(domain: "x", version: 2)],
      graph: Graph())
    XCTAssertEqual(model.opsetVersion(""), 19)
    XCTAssertEqual(model.opsetVersion("ai.onnx"), 19)
    XCTAssertEqual(model.opsetVersion("x"), 2)
    XCTAssertNil(model.opsetVersion("y"))
  }
}
