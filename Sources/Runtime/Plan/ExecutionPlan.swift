import ONNXFormat

/// Where a step's input comes from.
public enum ValueSource: Equatable {
  /// A value computed at run time (a graph input or a step's output), by value index.
  case value(Int)
  /// A load-time constant, by index into `ExecutionPlan.constants`.
  case constant(Int)
  /// An omitted optional input.
  case omitted
}

/// A tensor computed at run time: a graph input or a step output.
public struct PlannedValue {
  public var name: String
  public var type: TensorType
  /// The step that writes it; nil for graph inputs.
  public var producer: Int?
  /// Set when the value is another value's bytes reinterpreted (Reshape and kin): no buffer of its own.
  public var aliasOf: Int?
}

/// One node that runs, with its kernel fixed.
public struct PlannedStep {
  public var label: String
  public var op: Operator
  public var kernel: Kernel
  public var inputs: [ValueSource]
  public var outputs: [Int]
  public var scratchBytes: Int
  /// The input whose buffer output 0 may take over when the input dies here.
  public var inPlaceInput: Int?
  /// The kernel may split its work across threads (`Prepared.parallel`).
  public var parallel = false
  /// Each thread needs its own copy of the scratch (`Prepared.scratchPerThread`).
  public var scratchPerThread = false
}

/// A model prepared for execution: every shape static, constants folded, steps in order.
/// Built once at load; the memory planner and the session work from it.
public struct ExecutionPlan {
  public var values: [PlannedValue] = []
  public var constants: [Constant] = []
  public var constantNames: [String] = []
  public var steps: [PlannedStep] = []
  /// Graph inputs and outputs, in the model's order.
  public var inputs: [Int] = []
  public var outputs: [(name: String, source: ValueSource)] = []

  public func type(of source: ValueSource) -> TensorType? {
    switch source {
    case .value(let index): return values[index].type
    case .constant(let index): return constants[index].type
    case .omitted: return nil
    }
  }

  /// Bytes of the load-time tensors the steps read (weights and folded constants).
  public var constantBytes: Int {
    var used = [Bool](repeating: false, count: constants.count)
    for step in steps {
      for input in step.inputs {
        if case .constant(let index) = input { used[index] = true }
      }
    }
    for output in outputs {
      if case .constant(let index) = output.source { used[index] = true }
    }
    var total = 0
    for (index, constant) in constants.enumerated() where used[index] { total += constant.type.byteCount }
    return total
  }
}
