import ONNXFormat
import Runtime

/// Conversions between model tensors and the plain arrays the quantizer computes with.
enum TensorValues {
  static func tensor(_ constant: Constant, name: String) -> Tensor {
    let bytes = Array(UnsafeRawBufferPointer(start: constant.storage.pointer, count: constant.type.byteCount))
    return Tensor(name: name, dataType: constant.type.dataType, dims: constant.type.shape, bytes: bytes)
  }

  /// Float contents of a float32 or float64 tensor; nil for other types.
  static func floats(_ tensor: Tensor) -> [Float]? {
    guard tensor.dataType == .float || tensor.dataType == .double else { return nil }
    guard let constant = try? Constant(tensor), constant.storage.byteCount >= constant.type.byteCount else { return nil }
    return withExtendedLifetime(constant) { constant.floats() }
  }

  static func float(_ name: String, dims: [Int], _ values: [Float]) -> Tensor {
    Tensor(name: name, dataType: .float, dims: dims, bytes: bytes(of: values))
  }

  static func int8(_ name: String, dims: [Int], _ values: [Int8]) -> Tensor {
    Tensor(name: name, dataType: .int8, dims: dims, bytes: bytes(of: values))
  }

  static func uint8(_ name: String, dims: [Int], _ values: [UInt8]) -> Tensor {
    Tensor(name: name, dataType: .uint8, dims: dims, bytes: values)
  }

  static func int32(_ name: String, dims: [Int], _ values: [Int32]) -> Tensor {
    Tensor(name: name, dataType: .int32, dims: dims, bytes: bytes(of: values))
  }

  static func int64(_ name: String, dims: [Int], _ values: [Int64]) -> Tensor {
    Tensor(name: name, dataType: .int64, dims: dims, bytes: bytes(of: values))
  }

  static func bytes<T>(of values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
  }
}

/// The graph's nodes in an order where every node follows the producers of its inputs (the model's
/// own order wherever it already is one).
enum NodeOrder {
  static func sorted(_ nodes: [Node]) -> [Node]? {
    var producer: [String: Int] = [:]
    for (index, node) in nodes.enumerated() {
      for output in node.outputs where !output.isEmpty { producer[output] = index }
    }
    var state = [UInt8](repeating: 0, count: nodes.count)
    var order: [Node] = []
    for start in 0..<nodes.count where state[start] == 0 {
      var stack: [(node: Int, next: Int)] = [(start, 0)]
      state[start] = 1
      while let top = stack.last {
        let inputs = nodes[top.node].inputs
        if top.next < inputs.count {
          stack[stack.count - 1].next += 1
          guard let dependency = producer[inputs[top.next]], dependency != top.node else { continue }
          if state[dependency] == 1 { return nil }
          if state[dependency] == 0 {
            state[dependency] = 1
            stack.append((dependency, 0))
          }
        } else {
          state[top.node] = 2
          order.append(nodes[top.node])
          stack.removeLast()
        }
      }
    }
    return order
  }
}

/// Fresh tensor names that collide with nothing already in the graph.
struct NameAllocator {
  private var used: Set<String>

  init(_ graph: Graph) {
    used = []
    for tensor in graph.initializers { used.insert(tensor.name) }
    for input in graph.inputs { used.insert(input.name) }
    for node in graph.nodes {
      for name in node.inputs + node.outputs { used.insert(name) }
      used.insert(node.name)
    }
  }

  mutating func make(_ base: String) -> String {
    var name = base
    var suffix = 1
    while used.contains(name) {
      suffix += 1
      name = base + "_" + String(suffix)
    }
    used.insert(name)
    return name
  }
}
