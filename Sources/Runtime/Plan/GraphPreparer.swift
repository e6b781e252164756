import ONNXFormat

/// Turns a model into an execution plan: static input shapes, nodes in dependency order, Constant and
/// Identity/Dropout resolved, If with a known condition inlined, every kernel prepared, every node whose
/// inputs are all known at load folded to a constant, and unused steps dropped.
struct GraphPreparer {
  private(set) var plan = ExecutionPlan()
  /// The source of every visible value name.
  private var names: [String: ValueSource] = [:]
  /// Renames for the values of an inlined subgraph, innermost last.
  private var scopes: [[String: String]] = []
  private var inlineCount = 0
  private let opset: Int
  private(set) var foldedNodes = 0

  static func prepare(_ model: Model, options: LoadOptions) throws(RuntimeError) -> (
    ExecutionPlan, folded: Int
  ) {
    guard let opset = model.opsetVersion("") else {
      throw RuntimeError(.unsupported, "the model imports no ai.onnx opset")
    }
    var preparer = GraphPreparer(opset: opset)
    // QDQ groups become the integer operators first (as ONNX Runtime fuses them), then BatchNorm folds.
    var graph = ActivationFusion.fuse(
      BatchNormFolding.fold(QDQFusion.fuse(model.graph, opset: opset)), opset: opset)
    if options.channelsLast { graph = ChannelsLastLayout.apply(graph) }
    try preparer.build(graph, options: options)
    return (preparer.plan, preparer.foldedNodes)
  }

  private init(opset: Int) { self.opset = opset }

  /// What every top-level value of the unfused graph is once shapes are fixed and constants folded
  /// (see `GraphAnalysis`).
  static func analyze(_ model: Model, options: LoadOptions) throws(RuntimeError) -> GraphAnalysis {
    guard let opset = model.opsetVersion("") else {
      throw RuntimeError(.unsupported, "the model imports no ai.onnx opset")
    }
    var preparer = GraphPreparer(opset: opset)
    try preparer.build(model.graph, options: options, prune: false)
    var analysis = GraphAnalysis()
    for (name, source) in preparer.names {
      switch source {
      case .constant(let index): analysis.values[name] = .constant(preparer.plan.constants[index])
      case .value(let index): analysis.values[name] = .computed(preparer.plan.values[index].type)
      case .omitted: break
      }
    }
    return analysis
  }

  private mutating func build(_ graph: Graph, options: LoadOptions, prune: Bool = true)
    throws(RuntimeError)
  {
    for tensor in graph.initializers {
      plan.constants.append(try Constant(tensor))
      plan.constantNames.append(tensor.name)
      names[tensor.name] = .constant(plan.constants.count - 1)
    }
    var unknownShapes: [String] = []
    for name in options.shapes.keys where !graph.inputs.contains(where: { $0.name == name }) {
      unknownShapes.append(name)
    }
    if !unknownShapes.isEmpty {
      throw RuntimeError(
        .input, "--shape names no graph input: " + unknownShapes.joined(separator: ", "))
    }
    for input in graph.inputs where names[input.name] == nil {
      if let fixed = options.fixedInputs[input.name] {
        plan.constants.append(try Constant(fixed))
        plan.constantNames.append(input.name)
        names[input.name] = .constant(plan.constants.count - 1)
        continue
      }
      let type = try InputShapes.resolve(input, override: options.shapes[input.name])
      plan.values.append(PlannedValue(name: input.name, type: type, producer: nil, aliasOf: nil))
      plan.inputs.append(plan.values.count - 1)
      names[input.name] = .value(plan.values.count - 1)
    }
    try process(graph.nodes)
    for output in graph.outputs {
      guard let source = names[output.name] else {
        throw RuntimeError(
          .format, "graph output '" + output.name + "' is not produced by any node")
      }
      plan.outputs.append((output.name, source))
    }
    if prune { removeUnusedSteps() }
  }

  // MARK: Nodes

  private mutating func process(_ nodes: [Node]) throws(RuntimeError) {
    for node in try dependencyOrder(nodes) {
      try process(node)
    }
  }

  private func lookup(_ name: String) -> String {
    for scope in scopes.reversed() {
      if let renamed = scope[name] { return renamed }
    }
    return name
  }

  private func source(_ name: String) -> ValueSource? {
    name.isEmpty ? .omitted : names[lookup(name)]
  }

  private mutating func bind(_ name: String, _ source: ValueSource) {
    if name.isEmpty { return }
    if !scopes.isEmpty {
      let unique = "if" + String(inlineCount) + "/" + name
      scopes[scopes.count - 1][name] = unique
      names[unique] = source
    } else {
      names[name] = source
    }
  }

  private mutating func process(_ node: Node) throws(RuntimeError) {
    var sources: [ValueSource] = []
    for name in node.inputs {
      guard let found = source(name) else {
        throw RuntimeError(
          .format,
          node.displayName + ": input '" + name
            + "' is not produced by any node, initializer or graph input")
      }
      sources.append(found)
    }
    let isStandard = node.domain.isEmpty || node.domain == "ai.onnx"
    switch (isStandard, node.opType) {
    case (true, "Constant"):
      try bindConstant(node)
    case (true, "Identity"), (true, "Dropout"):
      guard let first = sources.first, first != .omitted else {
        throw RuntimeError(.invalid, node.displayName + ": input 0 is required")
      }
      if node.opType == "Dropout" && sources.count > 2 && sources[2] != .omitted {
        // Training mode drops at random, which no runtime can reproduce, unless the ratio is 0.
        guard case .constant(let mode) = sources[2],
          let training = plan.constants[mode].integers()?.first
        else {
          throw RuntimeError(
            .unsupported,
            node.displayName + ": training_mode must be known when the model is loaded",
            loadTimeValue: node.inputs[2])
        }
        var ratio: Float = 0.5
        if training != 0 && sources.count > 1 && sources[1] != .omitted {
          guard case .constant(let r) = sources[1], let value = plan.constants[r].floats()?.first
          else {
            throw RuntimeError(
              .unsupported, node.displayName + ": ratio must be known when the model is loaded",
              loadTimeValue: node.inputs[1])
          }
          ratio = value
        }
        if training != 0 && ratio != 0 {
          throw RuntimeError(
            .unsupported,
            node.displayName
              + ": training_mode with ratio > 0 drops at random; only inference is run")
        }
      }
      if node.opType == "Dropout" && node.outputs.count > 1 && !node.outputs[1].isEmpty {
        // Inference mode: nothing is dropped, so the mask is all true.
        guard let type = plan.type(of: first) else { return }
        plan.constants.append(
          Constant(type: TensorType(.bool, type.shape), storage: filled(count: type.count, 1)))
        plan.constantNames.append(node.outputs[1])
        bind(node.outputs[1], .constant(plan.constants.count - 1))
      }
      bind(node.outputs.first ?? "", first)
    case (true, "If"):
      try inline(node, condition: sources.first ?? .omitted)
    default:
      try prepareKernel(node, sources)
    }
  }

  private func filled(count: Int, _ byte: UInt8) -> Storage {
    let storage = Storage(byteCount: count)
    storage.pointer.initializeMemory(as: UInt8.self, repeating: byte, count: count)
    return storage
  }

  private mutating func bindConstant(_ node: Node) throws(RuntimeError) {
    let value: Constant
    if let tensor = node.attribute("value"), case .tensor(let t) = tensor {
      value = try Constant(t)
    } else if case .float(let f)? = node.attribute("value_float") {
      value = Constant(.float, [], values: [f])
    } else if case .floats(let fs)? = node.attribute("value_floats") {
      value = Constant(.float, [fs.count], values: fs)
    } else if case .int(let i)? = node.attribute("value_int") {
      value = Constant(.int64, [], values: [Int64(i)])
    } else if case .ints(let values)? = node.attribute("value_ints") {
      value = Constant(.int64, [values.count], values: values.map { Int64($0) })
    } else {
      throw RuntimeError(
        .unsupported, node.displayName + ": only tensor, float(s) and int(s) values are supported")
    }
    plan.constants.append(value)
    plan.constantNames.append(node.outputs.first ?? "")
    bind(node.outputs.first ?? "", .constant(plan.constants.count - 1))
  }

  /// An If whose condition is known at load runs one branch: its nodes join the graph.
  private mutating func inline(_ node: Node, condition: ValueSource) throws(RuntimeError) {
    guard case .constant(let index) = condition, let flag = plan.constants[index].integers()?.first
    else {
      throw RuntimeError(
        .unsupported,
        node.displayName + ": the condition must be known when the model is loaded (after folding)",
        loadTimeValue: node.inputs.first)
    }
    let branchName = flag != 0 ? "then_branch" : "else_branch"
    guard case .graph(let branch)? = node.attribute(branchName) else {
      throw RuntimeError(.invalid, node.displayName + ": no " + branchName + " graph")
    }
    if branch.outputs.count != node.outputs.count {
      throw RuntimeError(
        .invalid,
        node.displayName + ": " + branchName + " has " + String(branch.outputs.count)
          + " outputs, the node "
          + String(node.outputs.count))
    }
    inlineCount += 1
    scopes.append([:])
    for tensor in branch.initializers {
      plan.constants.append(try Constant(tensor))
      plan.constantNames.append(tensor.name)
      bind(tensor.name, .constant(plan.constants.count - 1))
    }
    try process(branch.nodes)
    var results: [ValueSource] = []
    for output in branch.outputs {
      guard let found = source(output.name) else {
        throw RuntimeError(
          .format, node.displayName + ": branch output '" + output.name + "' is not produced")
      }
      results.append(found)
    }
    scopes.removeLast()
    for (name, result) in zip(node.outputs, results) { bind(name, result) }
  }

  private mutating func prepareKernel(_ node: Node, _ sources: [ValueSource]) throws(RuntimeError) {
    guard let op = Operator.named(node.opType, domain: node.domain) else {
      let domain = node.domain.isEmpty ? "" : " (domain " + node.domain + ")"
      throw RuntimeError(
        .unsupported,
        node.displayName + ": operator " + node.opType + domain + " is not supported by onnx-quant")
    }
    var types: [TensorType?] = []
    var constants: [Constant?] = []
    var allConstant = true
    for source in sources {
      types.append(plan.type(of: source))
      switch source {
      case .constant(let index): constants.append(plan.constants[index])
      case .value:
        constants.append(nil)
        allConstant = false
      case .omitted: constants.append(nil)
      }
    }
    let context = OpContext(node: node, op: op, opset: opset, inputs: types, constants: constants)
    let prepared = try OpRegistry.prepare(context)
    if prepared.outputs.count < node.outputs.count {
      throw RuntimeError(
        .unsupported,
        node.displayName + ": only the first " + String(prepared.outputs.count)
          + " outputs are supported")
    }

    if let known = prepared.constantOutputs {
      for (name, value) in zip(node.outputs, known) { bindNewConstant(name, value) }
      return
    }
    if allConstant || (prepared.aliasesInput && constants[0] != nil) {
      for (name, value) in zip(node.outputs, fold(prepared, constants)) {
        bindNewConstant(name, value)
      }
      foldedNodes += 1
      return
    }

    let stepIndex = plan.steps.count
    var outputs: [Int] = []
    for (index, type) in prepared.outputs.enumerated() {
      var alias: Int? = nil
      if index == 0 && prepared.aliasesInput, case .value(let input) = sources[0] {
        alias = plan.values[input].aliasOf ?? input
      }
      let name = index < node.outputs.count ? node.outputs[index] : ""
      plan.values.append(PlannedValue(name: name, type: type, producer: stepIndex, aliasOf: alias))
      outputs.append(plan.values.count - 1)
      bind(name, .value(plan.values.count - 1))
    }
    let label = node.name.isEmpty ? node.opType + " " + (node.outputs.first ?? "") : node.name
    plan.steps.append(
      PlannedStep(
        label: label, op: op, kernel: prepared.aliasesInput ? .none : prepared.kernel,
        inputs: sources,
        outputs: outputs, scratchBytes: prepared.scratchBytes, inPlaceInput: prepared.inPlaceInput,
        parallel: prepared.parallel, scratchPerThread: prepared.scratchPerThread))
  }

  private mutating func bindNewConstant(_ name: String, _ value: Constant) {
    plan.constants.append(value)
    plan.constantNames.append(name)
    bind(name, .constant(plan.constants.count - 1))
  }

  /// Runs a node whose inputs are all known, once, at load.
  private func fold(_ prepared: Prepared, _ constants: [Constant?]) -> [Constant] {
    if prepared.aliasesInput, let source = constants[0] {
      return [Constant(type: prepared.outputs[0], storage: source.storage)]
    }
    let outputs = prepared.outputs.map {
      Constant(type: $0, storage: Storage(byteCount: $0.byteCount))
    }
    let scratch = prepared.scratchBytes > 0 ? Storage(byteCount: prepared.scratchBytes) : nil
    let buffers = StepBuffers(
      inputs: constants.map { $0.map { UnsafeRawPointer($0.storage.pointer) } },
      outputs: outputs.map { $0.storage.pointer }, scratch: scratch?.pointer)
    // Keep the scratch alive through the run: `buffers` holds only its address.
    withExtendedLifetime(scratch) { prepared.kernel.run(buffers) }
    return outputs
  }

  // MARK: Order and pruning

  /// Nodes ordered so each comes after the producers of its inputs; the model's order is kept where it
  /// already is one (exporters almost always write sorted graphs).
  private func dependencyOrder(_ nodes: [Node]) throws(RuntimeError) -> [Node] {
    var producer: [String: Int] = [:]
    for (index, node) in nodes.enumerated() {
      for output in node.outputs where !output.isEmpty { producer[output] = index }
    }
    var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the path, 2 placed
    var order: [Node] = []
    order.reserveCapacity(nodes.count)
    for start in 0..<nodes.count where state[start] == 0 {
      var stack: [(node: Int, nextInput: Int)] = [(start, 0)]
      state[start] = 1
      while !stack.isEmpty {
        let top = stack.count - 1
        let node = stack[top].node
        let inputs = nodes[node].inputs
        if stack[top].nextInput < inputs.count {
          let name = inputs[stack[top].nextInput]
          stack[top].nextInput += 1
          guard !name.isEmpty, let dependency = producer[name], dependency != node else { continue }
          if state[dependency] == 1 {
            throw RuntimeError(
              .format, nodes[node].displayName + ": the graph has a cycle through '" + name + "'")
          }
          if state[dependency] == 0 {
            state[dependency] = 1
            stack.append((dependency, 0))
          }
        } else {
          state[node] = 2
          order.append(nodes[node])
          stack.removeLast()
        }
      }
    }
    return order
  }

  /// Drops steps whose outputs nothing reads.
  private mutating func removeUnusedSteps() {
    var needed = [Bool](repeating: false, count: plan.values.count)
    func mark(_ source: ValueSource, _ needed: inout [Bool]) {
      if case .value(let index) = source {
        needed[index] = true
        if let root = plan.values[index].aliasOf { needed[root] = true }
      }
    }
    for output in plan.outputs { mark(output.source, &needed) }
    var keep = [Bool](repeating: false, count: plan.steps.count)
    for index in stride(from: plan.steps.count - 1, through: 0, by: -1) {
      let step = plan.steps[index]
      if step.outputs.contains(where: { needed[$0] }) {
        keep[index] = true
        for input in step.inputs { mark(input, &needed) }
      }
    }
    var steps: [PlannedStep] = []
    for (index, step) in plan.steps.enumerated() {
      if keep[index] {
        for output in step.outputs { plan.values[output].producer = steps.count }
        steps.append(step)
      } else {
        for output in step.outputs { plan.values[output].producer = nil }
      }
    }
    plan.steps = steps
    releaseUnusedConstants()
  }

  /// Keeps only the constants that steps or outputs read: the rest (weights already folded into others,
  /// shape chains) would otherwise stay in memory for the life of the session.
  private mutating func releaseUnusedConstants() {
    var newIndex = [Int](repeating: -1, count: plan.constants.count)
    func use(_ source: ValueSource) {
      if case .constant(let index) = source { newIndex[index] = 0 }
    }
    for step in plan.steps { for input in step.inputs { use(input) } }
    for output in plan.outputs { use(output.source) }
    var constants: [Constant] = []
    var names: [String] = []
    for index in 0..<plan.constants.count where newIndex[index] == 0 {
      newIndex[index] = constants.count
      constants.append(plan.constants[index])
      names.append(plan.constantNames[index])
    }
    func remap(_ source: ValueSource) -> ValueSource {
      if case .constant(let index) = source { return .constant(newIndex[index]) }
      return source
    }
    for index in 0..<plan.steps.count {
      plan.steps[index].inputs = plan.steps[index].inputs.map(remap)
    }
    for index in 0..<plan.outputs.count {
      plan.outputs[index].source = remap(plan.outputs[index].source)
    }
    plan.constants = constants
    plan.constantNames = names
  }
}
