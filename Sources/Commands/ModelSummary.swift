import ONNXFormat

/// What `inspect` reports about a model: its interface, operators and weights.
struct ModelSummary {
  struct Value {
    var name: String
    var elementType: String
    /// nil when the rank is unknown; entries are numbers or symbolic names.
    var dims: [String]?
  }

  var irVersion: Int
  var producer: String
  var opsets: [OpsetImport]
  var inputs: [Value]
  var outputs: [Value]
  /// (op type with its domain when not ai.onnx, count), most frequent first.
  var operators: [(name: String, count: Int)]
  var nodeCount: Int
  var initializerCount: Int
  var initializerBytes: Int
  /// Tensors held in Constant nodes: some exporters (Paddle, spox) keep every weight there.
  var constantCount: Int
  var constantBytes: Int

  init(_ model: Model) {
    irVersion = model.irVersion
    producer = model.producerName + (model.producerVersion.isEmpty ? "" : " " + model.producerVersion)
    opsets = model.opsetImports
    let graph = model.graph
    var initializerNames = Set<String>()
    for tensor in graph.initializers { initializerNames.insert(tensor.name) }
    // Older exporters list initializers among the inputs too; they are weights, not inputs.
    inputs = graph.inputs.filter { !initializerNames.contains($0.name) }.map(Self.value)
    outputs = graph.outputs.map(Self.value)

    var counts: [String: Int] = [:]
    var nodes = 0
    var weights = (count: 0, bytes: 0)
    var constants = (count: 0, bytes: 0)
    Self.visit(graph, counts: &counts, nodes: &nodes, weights: &weights, constants: &constants)
    operators = counts.map { (name: $0.key, count: $0.value) }.sorted {
      $0.count != $1.count ? $0.count > $1.count : Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8))
    }
    nodeCount = nodes
    initializerCount = weights.count
    initializerBytes = weights.bytes
    constantCount = constants.count
    constantBytes = constants.bytes
  }

  /// Counts nodes and weights of a graph and of the subgraphs in its attributes (If, Loop, Scan bodies).
  private static func visit(
    _ graph: Graph, counts: inout [String: Int], nodes: inout Int, weights: inout (count: Int, bytes: Int),
    constants: inout (count: Int, bytes: Int)
  ) {
    for tensor in graph.initializers {
      weights.count += 1
      weights.bytes += tensor.bytes.count
    }
    for node in graph.nodes {
      nodes += 1
      let domain = node.domain == "ai.onnx" ? "" : node.domain
      counts[domain.isEmpty ? node.opType : domain + "." + node.opType, default: 0] += 1
      for attribute in node.attributes {
        switch attribute.value {
        case .tensor(let value) where node.opType == "Constant":
          constants.count += 1
          constants.bytes += value.bytes.count
        case .graph(let body):
          visit(body, counts: &counts, nodes: &nodes, weights: &weights, constants: &constants)
        case .graphs(let bodies):
          for body in bodies { visit(body, counts: &counts, nodes: &nodes, weights: &weights, constants: &constants) }
        default: break
        }
      }
    }
  }

  private static func value(_ info: ValueInfo) -> Value {
    switch info.type {
    case .tensor(let raw, let shape):
      let typeName = DataType(rawValue: raw)?.name ?? "type " + String(raw)
      return Value(
        name: info.name, elementType: typeName,
        dims: shape?.map { dimension -> String in
          switch dimension.dimension {
          case .value(let v): return String(v)
          case .param(let p): return p
          case .unknown: return "?"
          }
        })
    case .opaque(let field, _):
      let kinds: [Int32: String] = [4: "sequence", 5: "map", 8: "sparse tensor", 9: "optional"]
      return Value(name: info.name, elementType: kinds[field] ?? "opaque", dims: nil)
    case nil:
      return Value(name: info.name, elementType: "unknown", dims: nil)
    }
  }

  func text(path: String, loadNanoseconds: UInt64) -> String {
    var lines: [String] = []
    lines.append("model: " + path)
    lines.append("ir_version: " + String(irVersion) + (producer.isEmpty ? "" : "  producer: " + producer))
    lines.append(
      "opsets: "
        + opsets.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain) + " " + String($0.version) }.joined(separator: ", "))
    lines.append("inputs:")
    for value in inputs { lines.append("  " + Self.describe(value)) }
    lines.append("outputs:")
    for value in outputs { lines.append("  " + Self.describe(value)) }
    lines.append("operators: " + String(nodeCount) + " nodes, " + String(operators.count) + " types")
    let width = operators.reduce(0) { max($0, $1.name.utf8.count) }
    for op in operators {
      lines.append("  " + op.name + String(repeating: " ", count: width - op.name.utf8.count + 2) + String(op.count))
    }
    lines.append(
      "initializers: " + String(initializerCount) + " tensors, " + String(initializerBytes) + " bytes")
    lines.append("constants: " + String(constantCount) + " tensors, " + String(constantBytes) + " bytes")
    lines.append("loaded in " + NumberFormat.duration(nanoseconds: loadNanoseconds))
    return lines.joined(separator: "\n") + "\n"
  }

  func json(path: String, loadNanoseconds: UInt64) -> String {
    var json = JSONWriter()
    json.beginObject()
    json.string("model", path)
    json.int("ir_version", irVersion)
    json.string("producer", producer)
    json.beginArray("opset_import")
    for opset in opsets {
      json.beginObject()
      json.string("domain", opset.domain.isEmpty ? "ai.onnx" : opset.domain)
      json.int("version", opset.version)
      json.endObject()
    }
    json.endArray()
    for (key, values) in [("inputs", inputs), ("outputs", outputs)] {
      json.beginArray(key)
      for value in values {
        json.beginObject()
        json.string("name", value.name)
        json.string("type", value.elementType)
        if let dims = value.dims {
          json.beginArray("shape")
          for d in dims {
            if let number = Int(d) { json.int(nil, number) } else { json.string(nil, d) }
          }
          json.endArray()
        } else {
          json.null("shape")
        }
        json.endObject()
      }
      json.endArray()
    }
    json.int("nodes", nodeCount)
    json.beginObject("operators")
    for op in operators { json.int(op.name, op.count) }
    json.endObject()
    json.beginObject("initializers")
    json.int("count", initializerCount)
    json.int("bytes", initializerBytes)
    json.endObject()
    json.beginObject("constants")
    json.int("count", constantCount)
    json.int("bytes", constantBytes)
    json.endObject()
    json.raw("load_ms", NumberFormat.fixed(Double(loadNanoseconds) / 1e6, decimals: 3))
    json.endObject()
    return json.text + "\n"
  }

  private static func describe(_ value: Value) -> String {
    let shape = value.dims.map { "[" + $0.joined(separator: ", ") + "]" } ?? "(rank unknown)"
    return value.name + "  " + value.elementType + "  " + shape
  }
}
