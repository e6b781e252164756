import ONNXFormat

/// One input of one node: which node reads a value, and at which input slot.
struct QDQUse: Equatable {
  var node: Int
  var slot: Int
}

/// The graph `QDQFusion` rewrites: the model's nodes (removed ones become nil, new ones are appended)
/// with producer and consumer maps kept current through every edit.
///
/// Names keep their meaning through the rewrite: a value name that held a float tensor still holds that
/// float tensor afterwards (or nothing reads it any more), so the graph's value_info stays true. Values the
/// rewrite creates get fresh names.
struct QDQGraph {
  let opset: Int
  let source: Graph
  private(set) var nodes: [Node?]
  /// The node writing each value.
  private(set) var producer: [String: Int] = [:]
  /// The node inputs reading each value, in node order.
  private(set) var consumers: [String: [QDQUse]] = [:]
  let graphOutputs: Set<String>
  /// Names read inside If/Loop/Scan bodies: each counts as a reader that needs the value as it is.
  let subgraphReads: [String: Int]
  /// Initializers, then the rewrite's new ones.
  private(set) var initializers: [String: Tensor] = [:]
  private(set) var addedInitializers: [Tensor] = []
  /// Values of Constant nodes, by output name.
  private(set) var constantNodeValues: [String: Tensor] = [:]
  /// Element types the graph declares for its inputs, outputs and value_info.
  private(set) var declaredTypes: [String: DataType] = [:]
  /// Element types of the values the rewrite creates.
  var createdTypes: [String: DataType] = [:]
  /// The zero-point initializers made for fused nodes, by element type.
  private var zeroPoints: [Int32: String] = [:]
  private var usedValueNames: Set<String> = []
  private var usedNodeNames: Set<String> = []
  /// Nodes of the original graph, which are the only candidates for fusion targets.
  let originalCount: Int

  init(_ graph: Graph, opset: Int) {
    self.opset = opset
    source = graph
    nodes = graph.nodes.map { Optional($0) }
    originalCount = graph.nodes.count
    var outputs: Set<String> = []
    for output in graph.outputs { outputs.insert(output.name) }
    graphOutputs = outputs
    var reads: [String: Int] = [:]
    for node in graph.nodes {
      for attribute in node.attributes {
        switch attribute.value {
        case .graph(let body): QDQGraph.collectReads(body, into: &reads)
        case .graphs(let bodies): for body in bodies { QDQGraph.collectReads(body, into: &reads) }
        default: break
        }
      }
    }
    subgraphReads = reads
    for tensor in graph.initializers {
      initializers[tensor.name] = tensor
      usedValueNames.insert(tensor.name)
    }
    for input in graph.inputs { usedValueNames.insert(input.name) }
    for output in graph.outputs { usedValueNames.insert(output.name) }
    for info in graph.valueInfo + graph.outputs + graph.inputs {
      if let type = info.type?.tensorElementType { declaredTypes[info.name] = type }
    }
    for name in reads.keys { usedValueNames.insert(name) }
    for index in 0..<nodes.count {
      attach(index)
      guard let node = nodes[index] else { continue }
      usedNodeNames.insert(node.name)
      for name in node.inputs { usedValueNames.insert(name) }
      for name in node.outputs { usedValueNames.insert(name) }
      if node.opType == "Constant" && QDQGraph.isStandard(node.domain), let output = node.outputs.first,
        let value = QDQGraph.constantValue(node)
      {
        constantNodeValues[output] = value
      }
    }
  }

  /// Every name a body reads (inputs of its nodes, recursively); names it defines itself are harmless extras.
  private static func collectReads(_ graph: Graph, into reads: inout [String: Int]) {
    for node in graph.nodes {
      for name in node.inputs where !name.isEmpty { reads[name, default: 0] += 1 }
      for attribute in node.attributes {
        switch attribute.value {
        case .graph(let body): collectReads(body, into: &reads)
        case .graphs(let bodies): for body in bodies { collectReads(body, into: &reads) }
        default: break
        }
      }
    }
    for output in graph.outputs { reads[output.name, default: 0] += 1 }
  }

  static func isStandard(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }

  // MARK: Reading

  func node(_ index: Int) -> Node? { index < nodes.count ? nodes[index] : nil }

  /// True when `index` is a live node of `opType` in the ai.onnx domain.
  func isOp(_ index: Int, _ opType: String) -> Bool {
    guard let node = node(index) else { return false }
    return node.opType == opType && QDQGraph.isStandard(node.domain)
  }

  /// QuantizeLinear, in ai.onnx or ONNX Runtime's com.microsoft domain.
  func isQuantize(_ index: Int) -> Bool {
    guard let node = node(index) else { return false }
    return node.opType == "QuantizeLinear" && (QDQGraph.isStandard(node.domain) || node.domain == "com.microsoft")
  }

  func isDequantize(_ index: Int) -> Bool {
    guard let node = node(index) else { return false }
    return node.opType == "DequantizeLinear" && (QDQGraph.isStandard(node.domain) || node.domain == "com.microsoft")
  }

  /// The DequantizeLinear writing `name`, if any.
  func dequantizeProducing(_ name: String) -> Int? {
    guard !name.isEmpty, let index = producer[name], isDequantize(index) else { return nil }
    return index
  }

  func uses(_ name: String) -> [QDQUse] { consumers[name] ?? [] }

  /// How many node inputs read `name`, counting reads from subgraph bodies.
  func readCount(_ name: String) -> Int { uses(name).count + (subgraphReads[name] ?? 0) }

  /// ONNX Runtime's output edge count: node inputs (and subgraph reads) fed by any output of the node.
  func outputEdgeCount(_ index: Int) -> Int {
    guard let node = node(index) else { return 0 }
    var count = 0
    for output in node.outputs where !output.isEmpty { count += readCount(output) }
    return count
  }

  func producesGraphOutput(_ index: Int) -> Bool {
    guard let node = node(index) else { return false }
    return node.outputs.contains { graphOutputs.contains($0) }
  }

  /// Exactly one reader, which is a node input, and not a graph output (ONNX Runtime's `CheckOutputEdges(1)`).
  func hasSingleUse(_ name: String) -> Bool {
    readCount(name) == 1 && uses(name).count == 1 && !graphOutputs.contains(name)
  }

  /// The value of an initializer or Constant node output.
  func constant(_ name: String) -> Tensor? {
    if name.isEmpty { return nil }
    if let tensor = initializers[name] { return tensor }
    return constantNodeValues[name]
  }

  /// How errors and new names refer to a node: its name, else its first output.
  static func label(_ node: Node) -> String {
    if !node.name.isEmpty { return node.name }
    return node.outputs.first ?? node.opType
  }

  // MARK: Editing

  private mutating func attach(_ index: Int) {
    guard let node = nodes[index] else { return }
    for (slot, name) in node.inputs.enumerated() where !name.isEmpty {
      consumers[name, default: []].append(QDQUse(node: index, slot: slot))
    }
    for name in node.outputs where !name.isEmpty { producer[name] = index }
  }

  private mutating func detach(_ index: Int) {
    guard let node = nodes[index] else { return }
    for (slot, name) in node.inputs.enumerated() where !name.isEmpty {
      consumers[name]?.removeAll { $0 == QDQUse(node: index, slot: slot) }
      if consumers[name]?.isEmpty == true { consumers[name] = nil }
    }
    for name in node.outputs where !name.isEmpty && producer[name] == index { producer[name] = nil }
  }

  /// Replaces node `index` (keeping its place in the order).
  mutating func replace(_ index: Int, with node: Node) {
    detach(index)
    nodes[index] = node
    usedNodeNames.insert(node.name)
    for name in node.outputs { usedValueNames.insert(name) }
    attach(index)
  }

  mutating func edit(_ index: Int, _ change: (inout Node) -> Void) {
    guard var node = nodes[index] else { return }
    change(&node)
    replace(index, with: node)
  }

  mutating func setInput(_ index: Int, _ slot: Int, _ name: String) {
    edit(index) { node in
      while node.inputs.count <= slot { node.inputs.append("") }
      node.inputs[slot] = name
    }
  }

  mutating func remove(_ index: Int) {
    detach(index)
    nodes[index] = nil
  }

  /// Appends a node; the final topological order places it right before its first reader.
  @discardableResult
  mutating func add(_ node: Node) -> Int {
    nodes.append(node)
    usedNodeNames.insert(node.name)
    for name in node.outputs { usedValueNames.insert(name) }
    attach(nodes.count - 1)
    return nodes.count - 1
  }

  /// Makes every reader of `old` read `new` instead.
  mutating func redirectUses(of old: String, to new: String) {
    for use in uses(old) { setInput(use.node, use.slot, new) }
  }

  mutating func freshValueName(_ base: String) -> String {
    var name = base
    var counter = 1
    while usedValueNames.contains(name) {
      name = base + "_" + String(counter)
      counter += 1
    }
    usedValueNames.insert(name)
    return name
  }

  mutating func freshNodeName(_ base: String) -> String {
    var name = base
    var counter = 1
    while usedNodeNames.contains(name) {
      name = base + "_" + String(counter)
      counter += 1
    }
    usedNodeNames.insert(name)
    return name
  }

  /// Adds an initializer under a fresh name derived from `base` and returns the name.
  mutating func addInitializer(_ base: String, _ tensor: Tensor) -> String {
    var tensor = tensor
    tensor.name = freshValueName(base)
    initializers[tensor.name] = tensor
    addedInitializers.append(tensor)
    return tensor.name
  }

  /// A scalar zero of `type` for fused nodes whose Q or DQ omitted its zero point (one per type).
  mutating func zeroPoint(_ type: DataType) -> String {
    if let existing = zeroPoints[type.rawValue] { return existing }
    let bytes = [UInt8](repeating: 0, count: type.storageBytes(count: 1) ?? 1)
    let name = addInitializer("qdq_fusion_zero_point_" + type.name, Tensor(dataType: type, dims: [], bytes: bytes))
    zeroPoints[type.rawValue] = name
    return name
  }

  // MARK: Result

  /// The rewritten graph: live nodes in dependency order (the model's order kept where it already is one,
  /// new nodes placed before their first reader), the new initializers after the model's.
  func result() -> Graph {
    var graph = source
    graph.nodes = orderedNodes()
    graph.initializers = source.initializers + addedInitializers
    return graph
  }

  private func orderedNodes() -> [Node] {
    var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the path, 2 placed
    var order: [Node] = []
    order.reserveCapacity(nodes.count)
    for start in 0..<nodes.count where state[start] == 0 && nodes[start] != nil {
      var stack: [(node: Int, nextInput: Int)] = [(start, 0)]
      state[start] = 1
      while !stack.isEmpty {
        let top = stack.count - 1
        let index = stack[top].node
        let inputs = nodes[index]?.inputs ?? []
        if stack[top].nextInput < inputs.count {
          let name = inputs[stack[top].nextInput]
          stack[top].nextInput += 1
          // A cycle is left for the graph preparer to report.
          guard !name.isEmpty, let dependency = producer[name], dependency != index, state[dependency] == 0 else {
            continue
          }
          state[dependency] = 1
          stack.append((dependency, 0))
        } else {
          state[index] = 2
          if let node = nodes[index] { order.append(node) }
          stack.removeLast()
        }
      }
    }
    return order
  }

  // MARK: Constant nodes

  static func constantValue(_ node: Node) -> Tensor? {
    switch node.attribute("value") {
    case .tensor(let tensor)?: return tensor
    default: break
    }
    switch node.attribute("value_float") {
    case .float(let value)?: return QDQTensors.floats([value], dims: [])
    default: break
    }
    switch node.attribute("value_floats") {
    case .floats(let values)?: return QDQTensors.floats(values, dims: [values.count])
    default: break
    }
    switch node.attribute("value_int") {
    case .int(let value)?: return QDQTensors.int64s([value], dims: [])
    default: break
    }
    switch node.attribute("value_ints") {
    case .ints(let values)?: return QDQTensors.int64s(values, dims: [values.count])
    default: break
    }
    return nil
  }
}

/// Reading and writing the little-endian bytes of small constant tensors (scales, zero points, biases).
enum QDQTensors {
  static func floats(_ tensor: Tensor) -> [Float]? {
    guard tensor.dataType == .float, tensor.bytes.count == tensor.count * 4 else { return nil }
    var values: [Float] = []
    values.reserveCapacity(tensor.count)
    for index in 0..<tensor.count {
      var bits: UInt32 = 0
      for byte in 0..<4 { bits |= UInt32(tensor.bytes[index * 4 + byte]) << UInt32(byte * 8) }
      values.append(Float(bitPattern: bits))
    }
    return values
  }

  /// Integer element values (8, 16, 32 and 64-bit types).
  static func integers(_ tensor: Tensor) -> [Int]? {
    let width: Int
    let signed: Bool
    switch tensor.dataType {
    case .int8: (width, signed) = (1, true)
    case .uint8: (width, signed) = (1, false)
    case .int16: (width, signed) = (2, true)
    case .uint16: (width, signed) = (2, false)
    case .int32: (width, signed) = (4, true)
    case .uint32: (width, signed) = (4, false)
    case .int64: (width, signed) = (8, true)
    default: return nil
    }
    guard tensor.bytes.count == tensor.count * width else { return nil }
    var values: [Int] = []
    values.reserveCapacity(tensor.count)
    for index in 0..<tensor.count {
      var bits: UInt64 = 0
      for byte in 0..<width { bits |= UInt64(tensor.bytes[index * width + byte]) << UInt64(byte * 8) }
      if signed && width < 8 && bits & (UInt64(1) << UInt64(width * 8 - 1)) != 0 {
        bits |= ~UInt64(0) << UInt64(width * 8)
      }
      values.append(Int(Int64(bitPattern: bits)))
    }
    return values
  }

  static func floats(_ values: [Float], dims: [Int]) -> Tensor {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
    return Tensor(dataType: .float, dims: dims, bytes: bytes)
  }

  static func int64s(_ values: [Int], dims: [Int]) -> Tensor {
    integers(values, .int64, dims: dims)
  }

  /// A tensor of `type` (8, 16, 32 or 64-bit integers) holding `values`, which must fit.
  static func integers(_ values: [Int], _ type: DataType, dims: [Int]) -> Tensor {
    let width = type.bitsPerElement / 8
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * width)
    for value in values {
      let bits = UInt64(bitPattern: Int64(value))
      for byte in 0..<width { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(byte * 8))) }
    }
    return Tensor(dataType: type, dims: dims, bytes: bytes)
  }

  /// The range of an integer quantization type.
  static func range(_ type: DataType) -> (min: Int, max: Int)? {
    switch type {
    case .int8: return (-128, 127)
    case .uint8: return (0, 255)
    case .int16: return (-32768, 32767)
    case .uint16: return (0, 65535)
    default: return nil
    }
  }
}
