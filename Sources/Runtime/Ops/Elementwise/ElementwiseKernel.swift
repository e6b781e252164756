import ONNXFormat

/// One element-wise step with everything fixed at load: operator, element type, broadcast plan,
/// attribute values. `run` dispatches once on the operator and type, then runs a loop specialised for
/// both over the step's buffers. It allocates nothing.
public struct ElementwiseKernel {
  let step: ElementwiseStep

  public func run(_ buffers: StepBuffers) {
    switch step {
    case .binary(let binary): binary.run(buffers)
    case .variadic(let variadic): variadic.run(buffers)
    case .select(let select): select.run(buffers)
    case .unary(let unary): unary.run(buffers)
    case .clip(let clip): clip.run(buffers)
    case .cast(let cast): cast.run(buffers)
    }
  }
}

enum ElementwiseStep {
  case binary(BinaryStep)
  case variadic(VariadicStep)
  case select(SelectStep)
  case unary(UnaryStep)
  case clip(ClipStep)
  case cast(CastStep)
}

// MARK: - Binary

enum BinaryCode: Equatable {
  case add, sub, mul, div, pow, mod, fmod, max, min, prelu
  case equal, less, greater, lessOrEqual, greaterOrEqual, and, or, xor

  /// Comparisons and logic make bool.
  var makesBool: Bool {
    switch self {
    case .equal, .less, .greater, .lessOrEqual, .greaterOrEqual, .and, .or, .xor: return true
    default: return false
    }
  }
}

/// Rows of a binary step; the operands move along a row with stride 0 or 1.
struct BinaryRows<F: BinaryFunction>: RowKernel {
  let function: F
  let a: UnsafePointer<F.Left>
  let b: UnsafePointer<F.Right>
  let out: UnsafeMutablePointer<F.Result>
  let strideA: Int
  let strideB: Int

  @inline(__always)
  func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
    let x = a + ia
    let y = b + ib
    let z = out + o
    if strideA == 1 && strideB == 1 {
      for index in 0..<count { z[index] = function(x[index], y[index]) }
    } else if strideA == 1 {
      let s = y[0]
      for index in 0..<count { z[index] = function(x[index], s) }
    } else if strideB == 1 {
      let s = x[0]
      for index in 0..<count { z[index] = function(s, y[index]) }
    } else {
      let s = function(x[0], y[0])
      for index in 0..<count { z[index] = s }
    }
  }
}

/// Float32 Add, Sub, Mul, Div rows 16 lanes at a time (LLVM leaves the generic loop's division
/// scalar): each lane is the same IEEE operation, so the results equal the scalar loop's. The output may
/// be either operand (each vector is read before it is stored).
struct FloatArithmeticRows: RowKernel {
  let code: BinaryCode
  let a: UnsafePointer<Float>
  let b: UnsafePointer<Float>
  let out: UnsafeMutablePointer<Float>
  let strideA: Int
  let strideB: Int

  @inline(__always)
  func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
    switch code {
    case .add: rows(o, ia, ib, count) { $0 + $1 } scalar: { $0 + $1 }
    case .sub: rows(o, ia, ib, count) { $0 - $1 } scalar: { $0 - $1 }
    case .mul: rows(o, ia, ib, count) { $0 * $1 } scalar: { $0 * $1 }
    default: rows(o, ia, ib, count) { $0 / $1 } scalar: { $0 / $1 }
    }
  }

  @inline(__always)
  private func rows(
    _ o: Int, _ ia: Int, _ ib: Int, _ count: Int, _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>,
    scalar g: (Float, Float) -> Float
  ) {
    typealias V = SIMD16<Float>
    if count <= 0 { return }
    let x = UnsafeRawPointer(a + ia)
    let y = UnsafeRawPointer(b + ib)
    let z = UnsafeMutableRawPointer(out + o)
    let sa = strideA == 1 ? 64 : 0
    let sb = strideB == 1 ? 64 : 0
    let fixedA = V(repeating: a[ia])
    let fixedB = V(repeating: b[ib])
    var index = 0
    var offset = 0
    while index &+ 16 <= count {
      let va = sa == 0 ? fixedA : x.loadUnaligned(fromByteOffset: offset, as: V.self)
      let vb = sb == 0 ? fixedB : y.loadUnaligned(fromByteOffset: offset, as: V.self)
      z.storeBytes(of: f(va, vb), toByteOffset: offset, as: V.self)
      index &+= 16
      offset &+= 64
    }
    while index < count {
      (out + o)[index] = g(strideA == 1 ? (a + ia)[index] : a[ia], strideB == 1 ? (b + ib)[index] : b[ib])
      index &+= 1
    }
  }
}

/// `out = a op b` with broadcasting. Operand a may be the output itself (a running Sum, Max, Min).
struct BinaryStep {
  let code: BinaryCode
  /// Operand a's element type (and b's, except for Pow's exponent).
  let dataType: DataType
  /// Operand b's element type: `dataType` except for Pow's exponent computed at run time.
  let rightType: DataType
  let plan: BroadcastPlan
  /// The input operand a comes from, or -1 for the output buffer.
  let inputA: Int
  let inputB: Int
  /// Operand b's load-time value converted to `dataType` (Pow's exponent of another type), else nil.
  let constantB: Storage?

  func run(_ buffers: StepBuffers) {
    let out = buffers.outputs[0]
    let a = inputA < 0 ? UnsafeRawPointer(out) : buffers.inputs[inputA].unsafelyUnwrapped
    let b: UnsafeRawPointer
    if let constantB {
      b = UnsafeRawPointer(constantB.pointer)
    } else {
      b = buffers.inputs[inputB].unsafelyUnwrapped
    }
    if code == .pow {
      power(a, b, out)
      return
    }
    switch dataType {
    case .float where code == .add || code == .sub || code == .mul || code == .div:
      plan.forEachRow(
        FloatArithmeticRows(
          code: code, a: a.assumingMemoryBound(to: Float.self), b: b.assumingMemoryBound(to: Float.self),
          out: out.assumingMemoryBound(to: Float.self), strideA: plan.innerA, strideB: plan.innerB))
    case .float: floating(Float.self, a, b, out)
    case .double: floating(Double.self, a, b, out)
    case .int8: numeric(Int8.self, a, b, out)
    case .uint8: numeric(UInt8.self, a, b, out)
    case .int32: numeric(Int32.self, a, b, out)
    case .int64: numeric(Int64.self, a, b, out)
    case .bool: logic(a, b, out)
    default: break  // refused by prepare
    }
  }

  private func floating<T: FloatElement>(
    _ type: T.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer
  ) {
    switch code {
    case .prelu: apply(PReluFunction<T>(), a, b, out)
    default: numeric(T.self, a, b, out)
    }
  }

  private func power(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer) {
    switch dataType {
    case .float: floatPower(Float.self, a, b, out)
    case .double: floatPower(Double.self, a, b, out)
    case .int32: integerPower(Int32.self, a, b, out)
    case .int64: integerPower(Int64.self, a, b, out)
    default: break  // refused by prepare
    }
  }

  private func floatPower<T: FloatElement & BinaryFloatingPoint>(
    _ type: T.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer
  ) {
    switch rightType {
    case .float: apply(PowFunction<T, Float>(), a, b, out)
    case .double: apply(PowFunction<T, Double>(), a, b, out)
    case .int32: apply(PowByIntegerFunction<T, Int32>(), a, b, out)
    case .int64: apply(PowByIntegerFunction<T, Int64>(), a, b, out)
    default: break  // refused by prepare
    }
  }

  private func integerPower<T: FixedWidthInteger & SignedInteger>(
    _ type: T.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer
  ) {
    switch rightType {
    case .int32: apply(IntegerPowFunction<T, Int32>(), a, b, out)
    case .int64: apply(IntegerPowFunction<T, Int64>(), a, b, out)
    case .float: apply(IntegerPowByFloatFunction<T, Float>(), a, b, out)
    case .double: apply(IntegerPowByFloatFunction<T, Double>(), a, b, out)
    default: break  // refused by prepare
    }
  }

  private func numeric<T: NumericElement>(
    _ type: T.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer
  ) {
    switch code {
    case .add: apply(AddFunction<T>(), a, b, out)
    case .sub: apply(SubFunction<T>(), a, b, out)
    case .mul: apply(MulFunction<T>(), a, b, out)
    case .div: apply(DivFunction<T>(), a, b, out)
    case .mod: apply(ModFunction<T>(), a, b, out)
    case .fmod: apply(FmodFunction<T>(), a, b, out)
    case .max: apply(MaxFunction<T>(), a, b, out)
    case .min: apply(MinFunction<T>(), a, b, out)
    case .equal: apply(EqualFunction<T>(), a, b, out)
    case .less: apply(LessFunction<T>(), a, b, out)
    case .greater: apply(GreaterFunction<T>(), a, b, out)
    case .lessOrEqual: apply(LessOrEqualFunction<T>(), a, b, out)
    case .greaterOrEqual: apply(GreaterOrEqualFunction<T>(), a, b, out)
    case .pow, .prelu, .and, .or, .xor: break  // refused by prepare for this type
    }
  }

  private func logic(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer) {
    switch code {
    case .and: apply(AndFunction(), a, b, out)
    case .or: apply(OrFunction(), a, b, out)
    case .xor: apply(XorFunction(), a, b, out)
    case .equal: apply(BoolEqualFunction(), a, b, out)
    default: break  // refused by prepare for bool
    }
  }

  @inline(__always)
  private func apply<F: BinaryFunction>(
    _ function: F, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer
  ) {
    plan.forEachRow(
      BinaryRows(
        function: function, a: a.assumingMemoryBound(to: F.Left.self),
        b: b.assumingMemoryBound(to: F.Right.self), out: out.assumingMemoryBound(to: F.Result.self),
        strideA: plan.innerA, strideB: plan.innerB))
  }
}

/// Sum, Mean, Max, Min of two or more inputs: the first step combines inputs 0 and 1 into the
/// output, each later step folds one more input into it. Mean divides by the input count at the end.
struct VariadicStep {
  let steps: [BinaryStep]
  let dataType: DataType
  let count: Int
  /// Mean's input count; 0 for Sum, Max, Min.
  let divisor: Int

  func run(_ buffers: StepBuffers) {
    for index in 0..<steps.count { steps[index].run(buffers) }
    guard divisor > 0 else { return }
    switch dataType {
    case .float: divide(Float.self, buffers.outputs[0])
    case .double: divide(Double.self, buffers.outputs[0])
    default: break  // refused by prepare
    }
  }

  private func divide<T: FloatElement>(_ type: T.Type, _ out: UnsafeMutableRawPointer) {
    let y = out.assumingMemoryBound(to: T.self)
    let n = T.ewFromCount(divisor)
    for index in 0..<count { y[index] = T.ewDiv(y[index], n) }
  }
}

// MARK: - Where

/// Rows of Where. Each operand moves along a row with stride 0 or 1; a stride-0 value is read once.
struct SelectRows<T>: RowKernel {
  let condition: UnsafePointer<UInt8>
  let x: UnsafePointer<T>
  let y: UnsafePointer<T>
  let out: UnsafeMutablePointer<T>
  let strideC: Int
  let strideX: Int
  let strideY: Int

  @inline(__always)
  func row(_ o: Int, _ ic: Int, _ ix: Int, _ iy: Int, _ count: Int) {
    let c = condition + ic
    let p = x + ix
    let q = y + iy
    let z = out + o
    if strideC == 1 && strideX == 1 && strideY == 1 {
      for index in 0..<count { z[index] = c[index] != 0 ? p[index] : q[index] }
    } else if strideC == 1 && strideX == 1 {
      let other = q[0]
      for index in 0..<count { z[index] = c[index] != 0 ? p[index] : other }
    } else if strideC == 1 && strideY == 1 {
      let other = p[0]
      for index in 0..<count { z[index] = c[index] != 0 ? other : q[index] }
    } else if strideC == 1 {
      let first = p[0]
      let second = q[0]
      for index in 0..<count { z[index] = c[index] != 0 ? first : second }
    } else if c[0] != 0 {
      // One condition for the whole row: a copy from x.
      for index in 0..<count { z[index] = p[index &* strideX] }
    } else {
      for index in 0..<count { z[index] = q[index &* strideY] }
    }
  }
}

/// Where: elements are moved by their width only, so every element type of one size shares a loop.
struct SelectStep {
  /// Element bytes: 1, 2, 4 or 8.
  let width: Int
  let plan: BroadcastPlan

  func run(_ buffers: StepBuffers) {
    switch width {
    case 1: select(UInt8.self, buffers)
    case 2: select(UInt16.self, buffers)
    case 4: select(UInt32.self, buffers)
    default: select(UInt64.self, buffers)
    }
  }

  @inline(__always)
  private func select<T>(_ type: T.Type, _ buffers: StepBuffers) {
    plan.forEachRow(
      SelectRows(
        condition: buffers.input(0, UInt8.self), x: buffers.input(1, T.self),
        y: buffers.input(2, T.self),
        out: buffers.output(0, T.self), strideC: plan.innerA, strideX: plan.innerB,
        strideY: plan.innerC))
  }
}

// MARK: - Unary

enum UnaryCode: Equatable {
  case relu, leakyRelu, sigmoid, tanh, hardSigmoid, hardSwish, elu, selu, softplus, softsign
  case geluErf, geluTanh, erf, sqrt, exp, log, abs, neg, reciprocal, floor, ceil, round, sign, sin,
    cos, not
  /// Pow with a load-time exponent of 1, 2 or 3.
  case copy, square, cube
}

@inline(__always)
func unaryLoop<F: UnaryFunction>(
  _ function: F, _ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer, _ count: Int
) {
  let p = x.assumingMemoryBound(to: F.Operand.self)
  let q = y.assumingMemoryBound(to: F.Result.self)
  for index in 0..<count { q[index] = function(p[index]) }
}

/// A one-input step over `count` contiguous elements; the output may be the input's buffer.
struct UnaryStep {
  let code: UnaryCode
  let dataType: DataType
  let count: Int
  let alpha: Float
  let beta: Float

  func run(_ buffers: StepBuffers) {
    let x = buffers.inputs[0].unsafelyUnwrapped
    let y = buffers.outputs[0]
    if code == .copy {
      if UnsafeRawPointer(y) != x {
        y.copyMemory(from: x, byteCount: dataType.storageBytes(count: count) ?? 0)
      }
      return
    }
    switch dataType {
    case .float: float(x, y)
    case .double: signed(Double.self, x, y)
    case .int8: signed(Int8.self, x, y)
    case .int32: signed(Int32.self, x, y)
    case .int64: signed(Int64.self, x, y)
    case .bool: unaryLoop(NotFunction(), x, y, count)
    default: break  // refused by prepare
    }
  }

  private func signed<T: SignedElement>(
    _ type: T.Type, _ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer
  ) {
    switch code {
    case .relu: unaryLoop(ReluFunction<T>(), x, y, count)
    case .abs: unaryLoop(AbsFunction<T>(), x, y, count)
    case .neg: unaryLoop(NegFunction<T>(), x, y, count)
    case .sign: unaryLoop(SignFunction<T>(), x, y, count)
    case .square: unaryLoop(SquareFunction<T>(), x, y, count)
    case .cube: unaryLoop(CubeFunction<T>(), x, y, count)
    default: break  // refused by prepare for this type
    }
  }

  private func float(_ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer) {
    switch code {
    case .relu, .abs, .neg, .sign, .square, .cube: signed(Float.self, x, y)
    case .leakyRelu: unaryLoop(LeakyReluFunction(alpha: alpha), x, y, count)
    case .sigmoid: unaryLoop(SigmoidFunction(), x, y, count)
    case .tanh: unaryLoop(TanhFunction(), x, y, count)
    case .hardSigmoid: unaryLoop(HardSigmoidFunction(alpha: alpha, beta: beta), x, y, count)
    case .hardSwish: unaryLoop(HardSwishFunction(), x, y, count)
    case .elu: unaryLoop(EluFunction(alpha: alpha), x, y, count)
    case .selu: unaryLoop(SeluFunction(alpha: alpha, gamma: beta), x, y, count)
    case .softplus: unaryLoop(SoftplusFunction(), x, y, count)
    case .softsign: unaryLoop(SoftsignFunction(), x, y, count)
    case .geluErf: unaryLoop(GeluErfFunction(), x, y, count)
    case .geluTanh: unaryLoop(GeluTanhFunction(), x, y, count)
    case .erf: unaryLoop(ErfFunction(), x, y, count)
    case .sqrt: unaryLoop(SqrtFunction(), x, y, count)
    case .exp: unaryLoop(ExpFunction(), x, y, count)
    case .log: unaryLoop(LogFunction(), x, y, count)
    case .reciprocal: unaryLoop(ReciprocalFunction(), x, y, count)
    case .floor: unaryLoop(FloorFunction(), x, y, count)
    case .ceil: unaryLoop(CeilFunction(), x, y, count)
    case .round: unaryLoop(RoundFunction(), x, y, count)
    case .sin: unaryLoop(SinFunction(), x, y, count)
    case .cos: unaryLoop(CosFunction(), x, y, count)
    case .not, .copy: break  // refused by prepare / handled in run
    }
  }
}

/// Clip: bounds known at load sit in `bounds` (two elements of the input type: low, high, defaulting
/// to the type's lowest and highest finite values); bounds computed at run time are read from their
/// inputs (`lowInput`, `highInput`, else -1) on every run.
struct ClipStep {
  let dataType: DataType
  let count: Int
  let bounds: Storage
  let lowInput: Int
  let highInput: Int

  func run(_ buffers: StepBuffers) {
    switch dataType {
    case .float: clip(Float.self, buffers)
    case .double: clip(Double.self, buffers)
    case .int8: clip(Int8.self, buffers)
    case .uint8: clip(UInt8.self, buffers)
    case .int32: clip(Int32.self, buffers)
    case .int64: clip(Int64.self, buffers)
    default: break  // refused by prepare
    }
  }

  private func clip<T: NumericElement>(_ type: T.Type, _ buffers: StepBuffers) {
    let stored = UnsafePointer(bounds.typed(T.self))
    let low = lowInput >= 0 ? buffers.input(lowInput, T.self)[0] : stored[0]
    let high = highInput >= 0 ? buffers.input(highInput, T.self)[0] : stored[1]
    unaryLoop(
      ClipFunction(low: low, high: high), buffers.inputs[0].unsafelyUnwrapped, buffers.outputs[0],
      count)
  }
}
