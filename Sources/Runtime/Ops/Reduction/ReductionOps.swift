import ONNXFormat

/// ReduceMean, ReduceMax, ReduceMin, ReduceSum, ReduceProd, ArgMax and ArgMin.
///
/// `prepare` drops size-1 dims, merges neighbouring dims that are both reduced or both kept, and
/// plans one pass per reduced group, innermost first: each pass reduces `[outer, size, inner]` to
/// `[outer, inner]`. The first pass reads the input; later passes work in place in scratch; the last
/// writes the output.
enum ReductionOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .argMax, .argMin: return try prepareArg(context)
    case .reduceMean, .reduceMax, .reduceMin, .reduceSum, .reduceProd: return try prepareReduce(context)
    default: throw context.unsupported("is not a reduction operator")
    }
  }

  /// ReduceMean: float32. ReduceSum and ReduceProd: also int32 and int64. ReduceMax and ReduceMin:
  /// also int8, uint8 (opset 18) and bool (opset 20). ArgMax and ArgMin: all but bool.
  private static func element(_ context: OpContext, _ type: TensorType) throws(RuntimeError)
    -> ReductionKernel.Element
  {
    let maxMin = context.op == .reduceMax || context.op == .reduceMin
    let arg = context.op == .argMax || context.op == .argMin
    switch type.dataType {
    case .float: return .float
    case .int32 where context.op != .reduceMean: return .int32
    case .int64 where context.op != .reduceMean: return .int64
    case .int8 where maxMin || arg: return .int8
    case .uint8 where maxMin || arg: return .uint8
    case .bool where maxMin: return .bool
    default:
      var types = "float32, int32 or int64"
      if context.op == .reduceMean { types = "float32" }
      if maxMin { types = "float32, int32, int64, int8, uint8 or bool" }
      if arg { types = "float32, int32, int64, int8 or uint8" }
      throw context.unsupported("input data must be " + types + ", got " + type.text)
    }
  }

  private static func singleOutput(_ context: OpContext) throws(RuntimeError) {
    guard context.outputCount == 1, !context.node.outputs[0].isEmpty else {
      throw context.error("has 1 output, not " + String(context.outputCount))
    }
  }

  // MARK: - Reduce*

  private static func prepareReduce(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try context.input(0)
    let operation: ReductionKernel.Operation
    switch context.op {
    case .reduceSum: operation = .sum
    case .reduceMean: operation = .mean
    case .reduceMax: operation = .max
    case .reduceMin: operation = .min
    default: operation = .product
    }
    let element = try element(context, x)
    try singleOutput(context)
    let keepDims = try context.int("keepdims", 1) != 0

    // ReduceSum takes axes as input 1 from opset 13, the others from opset 18.
    let inputOpset = context.op == .reduceSum ? 13 : 18
    var axes: [Int]
    var noop = false
    if context.opset >= inputOpset {
      if context.has(attribute: "axes") {
        throw context.error("axes is input 1 from opset " + String(inputOpset) + ", not an attribute")
      }
      axes = context.has(1) ? try context.requireIntegers(1, "axes") : []
      noop = try context.int("noop_with_empty_axes", 0) != 0
    } else {
      if context.has(1) {
        throw context.error("takes axes as an attribute before opset " + String(inputOpset) + ", not as input 1")
      }
      axes = try context.ints("axes") ?? []
    }

    if axes.isEmpty && noop {
      // The output is the input, unchanged.
      return Prepared(.none, outputs: [x], aliasesInput: true)
    }
    var reduced = [Bool](repeating: axes.isEmpty, count: x.rank)
    for value in axes {
      let axis = try context.axis(value, rank: x.rank, "axes entry")
      guard axis < x.rank else { break }  // a scalar input: nothing to reduce
      if reduced[axis] { throw context.error("axes " + dimsText(axes) + " repeat axis " + String(axis)) }
      reduced[axis] = true
    }
    var outputShape: [Int] = []
    for d in 0..<x.rank {
      if !reduced[d] {
        outputShape.append(x.shape[d])
      } else if keepDims {
        outputShape.append(1)
      }
    }
    let output = try context.checkedType(x.dataType, outputShape)

    // Groups of neighbouring dims (size-1 dims dropped) that are all reduced or all kept.
    var sizes: [Int] = []
    var flags: [Bool] = []
    var reducedCount = 1
    for d in 0..<x.rank where x.shape[d] != 1 {
      if reduced[d] { reducedCount *= x.shape[d] }
      if let last = flags.last, last == reduced[d] {
        sizes[sizes.count - 1] *= x.shape[d]
      } else {
        sizes.append(x.shape[d])
        flags.append(reduced[d])
      }
    }
    if output.count == 0 {
      let fill = ReductionKernel.Fill(element: element, operation: operation, count: 0)
      return Prepared(.reduction(ReductionKernel(.fill(fill))), outputs: [output])
    }
    if reducedCount == 0 {
      // Reducing an empty set: the operation's identity (0, 1, -inf, +inf; NaN for the mean).
      let fill = ReductionKernel.Fill(element: element, operation: operation, count: output.count)
      return Prepared(.reduction(ReductionKernel(.fill(fill))), outputs: [output])
    }
    if reducedCount == 1 {
      // Every reduced dim has size 1: the values are unchanged, only the shape differs.
      return Prepared(.none, outputs: [output], aliasesInput: true)
    }

    var passes: [Int] = []
    var scratchCount = 0
    var group = sizes.count - 1
    while group >= 0 {
      if flags[group] {
        var outer = 1
        for g in 0..<group { outer *= sizes[g] }
        var inner = 1
        for g in (group + 1)..<sizes.count { inner *= sizes[g] }
        passes += [outer, sizes[group], inner]
        if passes.count == 3 { scratchCount = outer * inner }
        sizes.remove(at: group)
        flags.remove(at: group)
      }
      group -= 1
    }
    let passCount = passes.count / 3
    if passCount == 1 { scratchCount = 0 }
    let plan = ReductionKernel.Reduce(
      element: element, operation: operation, passes: Storage(values: passes), passCount: passCount,
      reducedCount: reducedCount, outputCount: output.count)
    return Prepared(
      .reduction(ReductionKernel(.reduce(plan))), outputs: [output],
      scratchBytes: scratchCount * x.dataType.storageBytes(count: 1)!)
  }

  // MARK: - ArgMax and ArgMin

  private static func prepareArg(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try context.input(0)
    let element = try element(context, x)
    try singleOutput(context)
    guard x.rank >= 1 else { throw context.error("input data must have rank 1 or more, got " + x.text) }
    let axis = try context.axis(try context.int("axis", 0), rank: x.rank)
    let keepDims = try context.int("keepdims", 1) != 0
    let selectLast = try context.int("select_last_index", 0) != 0
    let size = x.shape[axis]
    var outputShape = Array(x.shape[..<axis])
    if keepDims { outputShape.append(1) }
    outputShape += x.shape[(axis + 1)...]
    let output = try context.checkedType(.int64, outputShape)
    if size == 0 && output.count > 0 {
      throw context.error("axis " + String(axis) + " of " + x.text + " is empty: there is no index to return")
    }
    var outer = 1
    for d in x.shape[..<axis] { outer *= d }
    var inner = 1
    for d in x.shape[(axis + 1)...] { inner *= d }
    let plan = ReductionKernel.Arg(
      element: element, isMax: context.op == .argMax, selectLast: selectLast, outer: outer, size: size,
      inner: inner)
    return Prepared(.reduction(ReductionKernel(.arg(plan))), outputs: [output])
  }
}

/// Element types the reductions run on.
protocol ReductionElement: Comparable {
  static var reductionZero: Self { get }
  static var reductionOne: Self { get }
  /// The max of nothing: -inf, or the type's minimum.
  static var reductionLowest: Self { get }
  /// The min of nothing: +inf, or the type's maximum.
  static var reductionHighest: Self { get }
  /// Integer sums and products wrap.
  static func reductionAdd(_ a: Self, _ b: Self) -> Self
  static func reductionMultiply(_ a: Self, _ b: Self) -> Self
}

extension Float: ReductionElement {
  static var reductionZero: Float { 0 }
  static var reductionOne: Float { 1 }
  static var reductionLowest: Float { -Float.infinity }
  static var reductionHighest: Float { Float.infinity }
  @inline(__always) static func reductionAdd(_ a: Float, _ b: Float) -> Float { a + b }
  @inline(__always) static func reductionMultiply(_ a: Float, _ b: Float) -> Float { a * b }
}

extension Int32: ReductionElement {
  static var reductionZero: Int32 { 0 }
  static var reductionOne: Int32 { 1 }
  static var reductionLowest: Int32 { Int32.min }
  static var reductionHighest: Int32 { Int32.max }
  @inline(__always) static func reductionAdd(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
  @inline(__always) static func reductionMultiply(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
}

extension Int8: ReductionElement {
  static var reductionZero: Int8 { 0 }
  static var reductionOne: Int8 { 1 }
  static var reductionLowest: Int8 { Int8.min }
  static var reductionHighest: Int8 { Int8.max }
  @inline(__always) static func reductionAdd(_ a: Int8, _ b: Int8) -> Int8 { a &+ b }
  @inline(__always) static func reductionMultiply(_ a: Int8, _ b: Int8) -> Int8 { a &* b }
}

/// Also bool (0 or 1), for ReduceMax and ReduceMin.
extension UInt8: ReductionElement {
  static var reductionZero: UInt8 { 0 }
  static var reductionOne: UInt8 { 1 }
  static var reductionLowest: UInt8 { UInt8.min }
  static var reductionHighest: UInt8 { UInt8.max }
  @inline(__always) static func reductionAdd(_ a: UInt8, _ b: UInt8) -> UInt8 { a &+ b }
  @inline(__always) static func reductionMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 { a &* b }
}

extension Int64: ReductionElement {
  static var reductionZero: Int64 { 0 }
  static var reductionOne: Int64 { 1 }
  static var reductionLowest: Int64 { Int64.min }
  static var reductionHighest: Int64 { Int64.max }
  @inline(__always) static func reductionAdd(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
  @inline(__always) static func reductionMultiply(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

/// How two partial results combine; one type per operation so each pass specializes to a tight loop.
protocol ReductionCombiner {
  static func combine<T: ReductionElement>(_ a: T, _ b: T) -> T
}

enum ReductionSumCombiner: ReductionCombiner {
  @inline(__always) static func combine<T: ReductionElement>(_ a: T, _ b: T) -> T { T.reductionAdd(a, b) }
}

enum ReductionProductCombiner: ReductionCombiner {
  @inline(__always) static func combine<T: ReductionElement>(_ a: T, _ b: T) -> T { T.reductionMultiply(a, b) }
}

enum ReductionMaxCombiner: ReductionCombiner {
  @inline(__always) static func combine<T: ReductionElement>(_ a: T, _ b: T) -> T { b > a ? b : a }
}

enum ReductionMinCombiner: ReductionCombiner {
  @inline(__always) static func combine<T: ReductionElement>(_ a: T, _ b: T) -> T { b < a ? b : a }
}

/// Whether `value` replaces the current best of an ArgMax/ArgMin scan.
protocol ReductionArgRule {
  static func better<T: Comparable>(_ value: T, _ best: T) -> Bool
}

enum ReductionArgMaxFirst: ReductionArgRule {
  @inline(__always) static func better<T: Comparable>(_ value: T, _ best: T) -> Bool { value > best }
}

enum ReductionArgMaxLast: ReductionArgRule {
  @inline(__always) static func better<T: Comparable>(_ value: T, _ best: T) -> Bool { value >= best }
}

enum ReductionArgMinFirst: ReductionArgRule {
  @inline(__always) static func better<T: Comparable>(_ value: T, _ best: T) -> Bool { value < best }
}

enum ReductionArgMinLast: ReductionArgRule {
  @inline(__always) static func better<T: Comparable>(_ value: T, _ best: T) -> Bool { value <= best }
}

public struct ReductionKernel {
  /// bool runs as uint8 (its values are 0 and 1); only the empty-set min differs.
  enum Element { case float, int32, int64, int8, uint8, bool }
  enum Operation { case sum, mean, max, min, product }

  struct Reduce {
    var element: Element
    var operation: Operation
    /// (outer, size, inner) per pass.
    var passes: Storage
    var passCount: Int
    /// Elements reduced into each output (the mean's divisor).
    var reducedCount: Int
    var outputCount: Int
  }

  /// The output is the operation's identity: a reduction over an empty set.
  struct Fill {
    var element: Element
    var operation: Operation
    var count: Int
  }

  struct Arg {
    var element: Element
    var isMax: Bool
    var selectLast: Bool
    var outer: Int
    var size: Int
    var inner: Int
  }

  enum Plan {
    case reduce(Reduce)
    case fill(Fill)
    case arg(Arg)
  }

  let plan: Plan

  init(_ plan: Plan) { self.plan = plan }

  public func run(_ buffers: StepBuffers) {
    switch plan {
    case .reduce(let reduce):
      switch reduce.element {
      case .float: reduce.run(Float.self, buffers)
      case .int32: reduce.run(Int32.self, buffers)
      case .int64: reduce.run(Int64.self, buffers)
      case .int8: reduce.run(Int8.self, buffers)
      case .uint8, .bool: reduce.run(UInt8.self, buffers)
      }
    case .fill(let fill):
      switch fill.element {
      case .float: fill.run(buffers.output(0, Float.self))
      case .int32: fill.run(buffers.output(0, Int32.self))
      case .int64: fill.run(buffers.output(0, Int64.self))
      case .int8: fill.run(buffers.output(0, Int8.self))
      case .uint8, .bool: fill.run(buffers.output(0, UInt8.self))
      }
    case .arg(let arg):
      switch arg.element {
      case .float: arg.run(buffers.input(0, Float.self), buffers.output(0, Int64.self))
      case .int32: arg.run(buffers.input(0, Int32.self), buffers.output(0, Int64.self))
      case .int64: arg.run(buffers.input(0, Int64.self), buffers.output(0, Int64.self))
      case .int8: arg.run(buffers.input(0, Int8.self), buffers.output(0, Int64.self))
      case .uint8, .bool: arg.run(buffers.input(0, UInt8.self), buffers.output(0, Int64.self))
      }
    }
  }
}

extension ReductionKernel.Reduce {
  func run<T: ReductionElement>(_ type: T.Type, _ buffers: StepBuffers) {
    switch operation {
    case .sum, .mean: run(T.self, ReductionSumCombiner.self, buffers)
    case .product: run(T.self, ReductionProductCombiner.self, buffers)
    case .max: run(T.self, ReductionMaxCombiner.self, buffers)
    case .min: run(T.self, ReductionMinCombiner.self, buffers)
    }
    if operation == .mean {
      // Only float32 reaches here.
      let y = buffers.output(0, Float.self)
      let divisor = Float(reducedCount)
      for i in 0..<outputCount { y[i] = y[i] / divisor }
    }
  }

  private func run<T: ReductionElement, C: ReductionCombiner>(
    _ type: T.Type, _ combiner: C.Type, _ buffers: StepBuffers
  ) {
    let table = UnsafePointer(passes.typed(Int.self))
    let output = buffers.output(0, T.self)
    var source = buffers.input(0, T.self)
    for pass in 0..<passCount {
      let destination = pass == passCount - 1 ? output : buffers.scratch(T.self)
      ReductionKernel.Reduce.pass(
        C.self, source, destination, outer: table[3 * pass], size: table[3 * pass + 1], inner: table[3 * pass + 2])
      source = UnsafePointer(destination)
    }
  }

  /// `[outer, size, inner]` to `[outer, inner]`. Safe in place (destination == source): each output is
  /// written after, and never over, the inputs still to be read.
  static func pass<T: ReductionElement, C: ReductionCombiner>(
    _ combiner: C.Type, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, outer: Int, size: Int, inner: Int
  ) {
    if inner == 1 {
      for o in 0..<outer {
        let row = x + o * size
        var i = 0
        var a0 = row[0]
        if size >= 8 {
          // Four independent chains.
          var a1 = row[1]
          var a2 = row[2]
          var a3 = row[3]
          i = 4
          while i + 4 <= size {
            a0 = C.combine(a0, row[i])
            a1 = C.combine(a1, row[i + 1])
            a2 = C.combine(a2, row[i + 2])
            a3 = C.combine(a3, row[i + 3])
            i += 4
          }
          a0 = C.combine(C.combine(a0, a1), C.combine(a2, a3))
        } else {
          i = 1
        }
        while i < size {
          a0 = C.combine(a0, row[i])
          i += 1
        }
        y[o] = a0
      }
      return
    }
    for o in 0..<outer {
      let block = x + o * size * inner
      let out = y + o * inner
      for i in 0..<inner { out[i] = block[i] }
      for k in 1..<size {
        let row = block + k * inner
        for i in 0..<inner { out[i] = C.combine(out[i], row[i]) }
      }
    }
  }
}

extension ReductionKernel.Fill {
  func run<T: ReductionElement>(_ y: UnsafeMutablePointer<T>) {
    let value: T
    switch operation {
    case .sum: value = T.reductionZero
    case .product: value = T.reductionOne
    case .max: value = T.reductionLowest
    case .min: value = element == .bool ? T.reductionOne : T.reductionHighest
    case .mean: value = T.reductionZero
    }
    for i in 0..<count { y[i] = value }
    if operation == .mean {
      let floats = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
      for i in 0..<count { floats[i] = Float.nan }
    }
  }
}

extension ReductionKernel.Arg {
  func run<T: ReductionElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<Int64>) {
    switch (isMax, selectLast) {
    case (true, false): run(ReductionArgMaxFirst.self, x, y)
    case (true, true): run(ReductionArgMaxLast.self, x, y)
    case (false, false): run(ReductionArgMinFirst.self, x, y)
    case (false, true): run(ReductionArgMinLast.self, x, y)
    }
  }

  private func run<T: ReductionElement, R: ReductionArgRule>(
    _ rule: R.Type, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<Int64>
  ) {
    guard size > 0 else { return }
    for o in 0..<outer {
      let block = x + o * size * inner
      let out = y + o * inner
      if inner == 1 {
        var best = block[0]
        var index = 0
        for k in 1..<size where R.better(block[k], best) {
          best = block[k]
          index = k
        }
        out[0] = Int64(index)
      } else {
        for i in 0..<inner { out[i] = 0 }
        for k in 1..<size {
          let row = block + k * inner
          for i in 0..<inner where R.better(row[i], block[Int(out[i]) * inner + i]) { out[i] = Int64(k) }
        }
      }
    }
  }
}
