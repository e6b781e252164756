import ONNXFormat

/// Prepares the element-wise operators: binary with numpy broadcasting, the variadic Sum/Mean/Max/Min,
/// Where, the one-input activations and math functions, Clip and Cast.
enum ElementwiseOps {
  static let numericTypes: [DataType] = [.float, .double, .int8, .uint8, .int32, .int64]
  static let signedTypes: [DataType] = [.float, .double, .int8, .int32, .int64]
  static let floatTypes: [DataType] = [.float, .double]

  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    guard context.outputCount == 1 else {
      throw context.error("has " + String(context.outputCount) + " outputs; it makes exactly 1")
    }
    switch context.op {
    case .add: return try binary(context, .add)
    case .sub: return try binary(context, .sub)
    case .mul: return try binary(context, .mul)
    case .div: return try binary(context, .div)
    case .pow: return try binary(context, .pow)
    case .mod:
      let fmod = try context.int("fmod", 0)
      guard fmod == 0 || fmod == 1 else {
        throw context.error("attribute 'fmod' must be 0 or 1, got " + String(fmod))
      }
      return try binary(context, fmod == 1 ? .fmod : .mod)
    case .prelu: return try binary(context, .prelu)
    case .equal: return try binary(context, .equal)
    case .less: return try binary(context, .less)
    case .greater: return try binary(context, .greater)
    case .lessOrEqual: return try binary(context, .lessOrEqual)
    case .greaterOrEqual: return try binary(context, .greaterOrEqual)
    case .and: return try binary(context, .and)
    case .or: return try binary(context, .or)
    case .xor: return try binary(context, .xor)
    case .max: return try variadic(context, .max, mean: false)
    case .min: return try variadic(context, .min, mean: false)
    case .sum: return try variadic(context, .add, mean: false)
    case .mean: return try variadic(context, .add, mean: true)
    case .where: return try select(context)
    case .clip: return try clip(context)
    case .cast: return try cast(context)
    case .relu: return try unary(context, .relu)
    case .leakyRelu: return try unary(context, .leakyRelu, alpha: try context.float("alpha", 0.01))
    case .sigmoid: return try unary(context, .sigmoid)
    case .tanh: return try unary(context, .tanh)
    case .hardSigmoid:
      return try unary(
        context, .hardSigmoid, alpha: try context.float("alpha", 0.2),
        beta: try context.float("beta", 0.5))
    case .hardSwish: return try unary(context, .hardSwish)
    case .elu: return try unary(context, .elu, alpha: try context.float("alpha", 1))
    case .selu:
      return try unary(
        context, .selu, alpha: try context.float("alpha", 1.673_263_192_176_818_847_656_25),
        beta: try context.float("gamma", 1.050_701_022_148_132_324_218_75))
    case .softplus: return try unary(context, .softplus)
    case .softsign: return try unary(context, .softsign)
    case .gelu:
      let approximate = try context.string("approximate", "none")
      switch approximate {
      case "none": return try unary(context, .geluErf)
      case "tanh": return try unary(context, .geluTanh)
      default:
        throw context.error(
          "attribute 'approximate' must be \"none\" or \"tanh\", got \"" + approximate + "\"")
      }
    case .erf: return try unary(context, .erf)
    case .sqrt: return try unary(context, .sqrt)
    case .exp: return try unary(context, .exp)
    case .log: return try unary(context, .log)
    case .abs: return try unary(context, .abs)
    case .neg: return try unary(context, .neg)
    case .reciprocal: return try unary(context, .reciprocal)
    case .floor: return try unary(context, .floor)
    case .ceil: return try unary(context, .ceil)
    case .round: return try unary(context, .round)
    case .sign: return try unary(context, .sign)
    case .sin: return try unary(context, .sin)
    case .cos: return try unary(context, .cos)
    case .not: return try unary(context, .not)
    default: throw context.unsupported("is not an element-wise operator")
    }
  }

  // MARK: - Binary

  static func binary(_ context: OpContext, _ code: BinaryCode) throws(RuntimeError) -> Prepared {
    try requireInputs(context, 2, 2)
    let a = try context.input(0)
    let b = try context.input(1)
    let allowed: [DataType]
    switch code {
    case .pow: allowed = [.float, .double, .int32, .int64]
    case .prelu: allowed = floatTypes
    case .and, .or, .xor: allowed = [.bool]
    case .equal: allowed = numericTypes + [.bool]
    default: allowed = numericTypes
    }
    try requireType(context, a.dataType, allowed)

    // Pow's exponent may have its own type (float32, float64, int32, int64). For a float base, one
    // known at load is converted to the base's type once; otherwise each element is converted.
    var constantB: Storage? = nil
    var rightType = a.dataType
    if b.dataType != a.dataType {
      if code == .pow {
        let floatBase = floatTypes.contains(a.dataType)
        if floatBase, let exponent = context.constant(1), let values = exponent.floats() {
          constantB =
            a.dataType == .double
            ? Storage(values: values.map { Double($0) }) : Storage(values: values)
        } else if [.float, .double, .int32, .int64].contains(b.dataType) {
          rightType = b.dataType
        } else {
          throw context.unsupported("exponent " + b.text + " is not supported with base " + a.text)
        }
      } else {
        throw context.error(
          "input 1 is " + b.text + " but input 0 is " + a.text
            + "; both must have the same element type")
      }
    }

    var shapeB = b.shape
    if context.opset < 7 && code != .prelu && code != .mod && code != .fmod {
      shapeB = try legacyBroadcast(context, a, b)
    }
    guard let shape = broadcastShape(a.shape, shapeB) else {
      throw context.error(
        "input shapes " + a.text + " and " + b.text + " cannot be broadcast together")
    }
    if code == .prelu && shape != a.shape {
      throw context.error(
        "slope " + b.text + " does not broadcast to the input's shape " + a.text
          + " (PRelu broadcasts the slope one way)")
    }
    let output = try context.checkedType(code.makesBool ? .bool : a.dataType, shape)

    // Pow by a load-time scalar 1, 2 or 3 is a copy, square or cube.
    if code == .pow && shape == a.shape, let exponent = context.constant(1),
      exponent.type.count == 1,
      let value = exponent.floats()?.first, value == 1 || value == 2 || value == 3
    {
      let power: UnaryCode = value == 1 ? .copy : (value == 2 ? .square : .cube)
      let step = UnaryStep(
        code: power, dataType: a.dataType, count: output.count, alpha: 0, beta: 0)
      return Prepared(
        .elementwise(ElementwiseKernel(step: .unary(step))), outputs: [output], inPlaceInput: 0)
    }

    let step = BinaryStep(
      code: code, dataType: a.dataType, rightType: rightType,
      plan: BroadcastPlan(output: shape, operands: [a.shape, shapeB]),
      inputA: 0, inputB: 1, constantB: constantB)
    var inPlace: Int? = nil
    if a == output {
      inPlace = 0
    } else if b == output && constantB == nil {
      inPlace = 1
    }
    return Prepared(
      .elementwise(ElementwiseKernel(step: .binary(step))), outputs: [output], inPlaceInput: inPlace
    )
  }

  /// Before opset 7 the arithmetic, logic and comparison operators broadcast only when attribute
  /// `broadcast` is 1, and then B's dims line up with A's from `axis` (by default as a suffix).
  /// Returns B's shape padded with trailing ones so numpy broadcasting gives that alignment.
  static func legacyBroadcast(_ context: OpContext, _ a: TensorType, _ b: TensorType)
    throws(RuntimeError) -> [Int]
  {
    guard try context.int("broadcast", 0) == 1 else {
      guard a.shape == b.shape else {
        throw context.error(
          "input shapes " + a.text + " and " + b.text
            + " differ and attribute 'broadcast' is 0 (opset "
            + String(context.opset) + ")")
      }
      return b.shape
    }
    guard b.rank <= a.rank else {
      throw context.error(
        "input 1 " + b.text + " has a higher rank than input 0 " + a.text + " with legacy broadcast"
      )
    }
    let axis =
      context.has(attribute: "axis")
      ? try context.axis(try context.int("axis", 0), rank: a.rank) : a.rank - b.rank
    guard axis + b.rank <= a.rank else {
      throw context.error(
        "input 1 " + b.text + " does not fit into input 0 " + a.text + " from axis " + String(axis))
    }
    var shape = b.shape
    for _ in 0..<(a.rank - axis - b.rank) { shape.append(1) }
    guard broadcastShape(a.shape, shape) == a.shape else {
      throw context.error(
        "input 1 " + b.text + " does not broadcast to input 0 " + a.text + " from axis "
          + String(axis))
    }
    return shape
  }

  // MARK: - Sum, Mean, Max, Min

  static func variadic(_ context: OpContext, _ code: BinaryCode, mean: Bool) throws(RuntimeError)
    -> Prepared
  {
    guard context.inputCount >= 1 else { throw context.error("needs at least 1 input") }
    let first = try context.input(0)
    try requireType(context, first.dataType, mean ? floatTypes : numericTypes)
    var shape = first.shape
    for index in 1..<context.inputCount {
      let input = try context.input(index)
      guard input.dataType == first.dataType else {
        throw context.error(
          "input " + String(index) + " is " + input.text + " but input 0 is " + first.text
            + "; all inputs must have the same element type")
      }
      guard let joined = broadcastShape(shape, input.shape) else {
        throw context.error(
          "input " + String(index) + " " + input.text + " cannot be broadcast with shape "
            + dimsText(shape)
            + " of the inputs before it")
      }
      shape = joined
    }
    let output = try context.checkedType(first.dataType, shape)
    if context.inputCount == 1 {
      return Prepared(.none, outputs: [output], aliasesInput: true)
    }
    var steps: [BinaryStep] = []
    for index in 1..<context.inputCount {
      let input = try context.input(index)
      let plan = BroadcastPlan(
        output: shape, operands: [index == 1 ? first.shape : shape, input.shape])
      steps.append(
        BinaryStep(
          code: code, dataType: first.dataType, rightType: first.dataType, plan: plan,
          inputA: index == 1 ? 0 : -1, inputB: index,
          constantB: nil))
    }
    // The output may replace input 0 or 1 (read by the first step at the positions it writes),
    // unless the same tensor is also a later input, which later steps read after it was overwritten.
    var inPlace: Int? = nil
    let names = context.node.inputs
    for candidate in 0..<2 where inPlace == nil {
      guard try context.input(candidate) == output else { continue }
      var reusedLater = false
      for later in 2..<max(names.count, 2)
      where candidate < names.count && names[later] == names[candidate] {
        reusedLater = true
      }
      if !reusedLater { inPlace = candidate }
    }
    let step = VariadicStep(
      steps: steps, dataType: first.dataType, count: output.count,
      divisor: mean ? context.inputCount : 0)
    return Prepared(
      .elementwise(ElementwiseKernel(step: .variadic(step))), outputs: [output],
      inPlaceInput: inPlace)
  }

  // MARK: - Where

  static func select(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try requireInputs(context, 3, 3)
    let condition = try context.input(0)
    let x = try context.input(1)
    let y = try context.input(2)
    guard condition.dataType == .bool else {
      throw context.error("condition (input 0) must be bool, got " + condition.text)
    }
    guard x.dataType == y.dataType else {
      throw context.error(
        "input 2 is " + y.text + " but input 1 is " + x.text
          + "; both must have the same element type")
    }
    let width: Int
    switch x.dataType {
    case .string, .undefined, .complex128: width = 0
    default: width = x.dataType.bitsPerElement % 8 == 0 ? x.dataType.bitsPerElement / 8 : 0
    }
    guard width == 1 || width == 2 || width == 4 || width == 8 else {
      throw context.unsupported("does not support element type " + x.dataType.name)
    }
    guard let partial = broadcastShape(condition.shape, x.shape),
      let shape = broadcastShape(partial, y.shape)
    else {
      throw context.error(
        "input shapes " + condition.text + ", " + x.text + " and " + y.text
          + " cannot be broadcast together")
    }
    let output = try context.checkedType(x.dataType, shape)
    let step = SelectStep(
      width: width,
      plan: BroadcastPlan(output: shape, operands: [condition.shape, x.shape, y.shape]))
    var inPlace: Int? = nil
    if x == output {
      inPlace = 1
    } else if y == output {
      inPlace = 2
    } else if condition == output {
      inPlace = 0
    }
    return Prepared(
      .elementwise(ElementwiseKernel(step: .select(step))), outputs: [output], inPlaceInput: inPlace
    )
  }

  // MARK: - One input

  static func unary(
    _ context: OpContext, _ code: UnaryCode, alpha: Float = 0, beta: Float = 0
  ) throws(RuntimeError) -> Prepared {
    try requireInputs(context, 1, 1)
    let x = try context.input(0)
    switch code {
    case .relu, .abs, .neg, .sign: try requireType(context, x.dataType, signedTypes)
    case .not: try requireType(context, x.dataType, [.bool])
    default: try requireType(context, x.dataType, [.float])
    }
    let step = UnaryStep(code: code, dataType: x.dataType, count: x.count, alpha: alpha, beta: beta)
    return Prepared(
      .elementwise(ElementwiseKernel(step: .unary(step))), outputs: [x], inPlaceInput: 0)
  }

  // MARK: - Clip

  /// Bounds are attributes `min`/`max` before opset 11 and optional scalar inputs 1 and 2 from it;
  /// absent bounds are the type's lowest and highest finite values, as in ONNX Runtime.
  static func clip(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try requireInputs(context, 1, context.opset < 11 ? 1 : 3)
    let x = try context.input(0)
    try requireType(context, x.dataType, context.opset < 11 ? floatTypes : numericTypes)
    var low: Constant? = nil
    var high: Constant? = nil
    var lowInput = -1
    var highInput = -1
    if context.opset < 11 {
      if context.has(attribute: "min") { low = try floatBound(context, "min", x.dataType) }
      if context.has(attribute: "max") { high = try floatBound(context, "max", x.dataType) }
    } else {
      for index in 1..<3 where context.has(index) {
        let what = index == 1 ? "min" : "max"
        let bound = try context.input(index)
        guard bound.dataType == x.dataType else {
          throw context.error(
            what + " (input " + String(index) + ") is " + bound.text + " but input 0 is " + x.text
              + "; both must have the same element type")
        }
        guard bound.count == 1 else {
          throw context.error(
            what + " (input " + String(index) + ") must be a scalar, got " + bound.text)
        }
        if let value = context.constant(index) {
          if index == 1 { low = value } else { high = value }
        } else if index == 1 {
          lowInput = 1
        } else {
          highInput = 2
        }
      }
    }
    let bounds: Storage
    switch x.dataType {
    case .float:
      bounds = clipBounds(
        Float.self, -Float.greatestFiniteMagnitude, .greatestFiniteMagnitude, low, high)
    case .double:
      bounds = clipBounds(
        Double.self, -Double.greatestFiniteMagnitude, .greatestFiniteMagnitude, low, high)
    case .int8: bounds = clipBounds(Int8.self, .min, .max, low, high)
    case .uint8: bounds = clipBounds(UInt8.self, .min, .max, low, high)
    case .int32: bounds = clipBounds(Int32.self, .min, .max, low, high)
    default: bounds = clipBounds(Int64.self, .min, .max, low, high)
    }
    let step = ClipStep(
      dataType: x.dataType, count: x.count, bounds: bounds, lowInput: lowInput, highInput: highInput
    )
    return Prepared(
      .elementwise(ElementwiseKernel(step: .clip(step))), outputs: [x], inPlaceInput: 0)
  }

  /// A float attribute bound (before opset 11) as a constant of the input's float type.
  static func floatBound(_ context: OpContext, _ name: String, _ type: DataType)
    throws(RuntimeError) -> Constant
  {
    let value = try context.float(name, 0)
    return type == .double
      ? Constant(.double, [], values: [Double(value)]) : Constant(.float, [], values: [value])
  }

  /// `[low, high]` as `T`: each bound's load-time value (of type `T`), else the default.
  static func clipBounds<T>(
    _ type: T.Type, _ lowest: T, _ highest: T, _ low: Constant?, _ high: Constant?
  ) -> Storage {
    var values = [lowest, highest]
    if let low { values[0] = low.values(T.self)[0] }
    if let high { values[1] = high.values(T.self)[0] }
    return Storage(values: values)
  }

  // MARK: - Cast

  static func cast(_ context: OpContext) throws(RuntimeError) -> Prepared {
    try requireInputs(context, 1, 1)
    let x = try context.input(0)
    guard context.has(attribute: "to") else { throw context.error("attribute 'to' is required") }
    let code = try context.int("to", 0)
    guard code >= 0 && code <= Int(Int32.max), let target = DataType(rawValue: Int32(code)) else {
      throw context.error("attribute 'to' is " + String(code) + ", which is not an ONNX data type")
    }
    guard castTypes.contains(x.dataType) else {
      throw context.unsupported("cannot cast from " + x.dataType.name)
    }
    guard castTypes.contains(target) else {
      throw context.unsupported("cannot cast to " + target.name)
    }
    let output = try context.checkedType(target, x.shape)
    if target == x.dataType {
      return Prepared(.none, outputs: [output], aliasesInput: true)
    }
    let step = CastStep(from: x.dataType, to: target, count: x.count)
    let inPlace: Int? = x.dataType.bitsPerElement == target.bitsPerElement ? 0 : nil
    return Prepared(
      .elementwise(ElementwiseKernel(step: .cast(step))), outputs: [output], inPlaceInput: inPlace)
  }

  // MARK: - Checks

  /// The node has between `low` and `high` inputs (omitted optional ones count by position).
  static func requireInputs(_ context: OpContext, _ low: Int, _ high: Int) throws(RuntimeError) {
    let count = context.inputCount
    guard count >= low && count <= high else {
      let expected = low == high ? String(low) : String(low) + " to " + String(high)
      throw context.error("takes " + expected + " inputs, got " + String(count))
    }
  }

  static func requireType(_ context: OpContext, _ type: DataType, _ allowed: [DataType])
    throws(RuntimeError)
  {
    guard allowed.contains(type) else {
      var names = ""
      for (index, name) in allowed.enumerated() { names += (index > 0 ? ", " : "") + name.name }
      throw context.unsupported(
        "does not support element type " + type.name + " (supported: " + names + ")")
    }
  }
}
