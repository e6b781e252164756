import CSupport
import ONNXFormat

/// BatchNormalization (inference and training_mode=1), InstanceNormalization, LayerNormalization, Softmax
/// and LogSoftmax on float32. Each is planned as rows of contiguous or strided elements; `run` walks the plan.
enum NormalizationOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .batchNormalization: return try prepareBatch(context)
    case .instanceNormalization: return try prepareInstance(context)
    case .layerNormalization: return try prepareLayer(context)
    case .softmax, .logSoftmax: return try prepareSoftmax(context)
    default: throw context.unsupported("is not a normalization operator")
    }
  }

  private static func floatInput(_ context: OpContext, _ index: Int, _ name: String) throws(RuntimeError)
    -> TensorType
  {
    let type = try context.input(index)
    guard type.dataType == .float else {
      throw context.unsupported("input " + name + " must be float32, got " + type.text)
    }
    return type
  }

  private static func product(_ dims: ArraySlice<Int>) -> Int {
    var total = 1
    for d in dims { total *= d }
    return total
  }

  /// Operators with one output.
  private static func singleOutput(_ context: OpContext) throws(RuntimeError) {
    guard context.outputCount == 1, !context.node.outputs[0].isEmpty else {
      throw context.error("has 1 output, not " + String(context.outputCount))
    }
  }

  // MARK: - BatchNormalization

  private static func prepareBatch(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try floatInput(context, 0, "X")
    guard x.rank >= 2 else {
      throw context.error("input X must have rank 2 or more (N, C, ...), got " + x.text)
    }
    // training_mode exists from opset 14; before that the statistics outputs alone asked for training.
    let training = context.opset >= 14 ? try context.int("training_mode", 0) != 0 : false
    if context.opset < 9, try context.int("spatial", 1) == 0 {
      throw context.unsupported("spatial=0 (per-activation statistics) is not supported")
    }
    let channels = x.shape[1]
    // Outputs after Y. Opset 14+: running_mean and running_var, produced with training_mode=1 and
    // invalid otherwise. Opset 9-13: mean, var, saved_mean, saved_var (training), refused when named.
    // Omitted ones (empty names) still get their types, as the graph preparer plans one value per node
    // output, but are not written.
    let outputLimit = context.opset >= 14 ? 3 : 5
    guard context.outputCount >= 1 && context.outputCount <= outputLimit, !context.node.outputs[0].isEmpty else {
      throw context.error("needs output Y and at most " + String(outputLimit) + " outputs")
    }
    if !training {
      for index in 1..<context.outputCount where !context.node.outputs[index].isEmpty {
        if context.opset >= 14 {
          throw context.error(
            "output " + String(index) + " is a training output, only produced with training_mode=1")
        }
        throw context.unsupported("output " + String(index) + " is a training output (training needs opset 14+)")
      }
    }
    let statistics = TensorType(.float, [channels])
    let outputs = [x] + [TensorType](repeating: statistics, count: context.outputCount - 1)
    let names = ["scale", "B", "input_mean", "input_var"]
    for index in 1...4 {
      let type = try floatInput(context, index, names[index - 1])
      guard type.count == channels && type.rank <= 1 else {
        throw context.error(
          "input " + names[index - 1] + " must have shape [" + String(channels) + "], got " + type.text)
      }
    }
    let epsilon = try context.float("epsilon", 1e-5)
    if training {
      let momentum = try context.float("momentum", 0.9)
      let plan = NormalizationKernel.BatchTraining(
        batch: x.shape[0], channels: channels, spatial: product(x.shape[2...]), epsilon: epsilon,
        momentum: momentum,
        runningMean: context.outputCount > 1 && !context.node.outputs[1].isEmpty,
        runningVar: context.outputCount > 2 && !context.node.outputs[2].isEmpty)
      return Prepared(
        .normalization(NormalizationKernel(.batchTraining(plan))), outputs: outputs, inPlaceInput: 0)
    }
    var params: Storage? = nil
    if let scale = context.constant(1)?.floats(), let bias = context.constant(2)?.floats(),
      let mean = context.constant(3)?.floats(), let variance = context.constant(4)?.floats()
    {
      // y = x * multiplier + offset, with multiplier = scale / sqrt(var + eps), offset = B - mean * multiplier.
      var values = [Float](repeating: 0, count: 2 * channels)
      for c in 0..<channels {
        let multiplier = scale[c] / (variance[c] + epsilon).squareRoot()
        values[c] = multiplier
        values[channels + c] = bias[c] - mean[c] * multiplier
      }
      params = Storage(values: values)
    }
    let plan = NormalizationKernel.Batch(
      batch: x.shape[0], channels: channels, spatial: product(x.shape[2...]), epsilon: epsilon, params: params)
    return Prepared(.normalization(NormalizationKernel(.batch(plan))), outputs: outputs, inPlaceInput: 0)
  }

  // MARK: - InstanceNormalization

  private static func prepareInstance(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try floatInput(context, 0, "input")
    guard x.rank >= 3 else {
      throw context.error("input must have rank 3 or more (N, C, D1, ...), got " + x.text)
    }
    let channels = x.shape[1]
    let names = ["scale", "B"]
    for index in 1...2 {
      let type = try floatInput(context, index, names[index - 1])
      guard type.count == channels && type.rank == 1 else {
        throw context.error(
          "input " + names[index - 1] + " must have shape [" + String(channels) + "], got " + type.text)
      }
    }
    try singleOutput(context)
    let plan = NormalizationKernel.Instance(
      batch: x.shape[0], channels: channels, spatial: product(x.shape[2...]),
      epsilon: try context.float("epsilon", 1e-5))
    return Prepared(.normalization(NormalizationKernel(.instance(plan))), outputs: [x], inPlaceInput: 0)
  }

  // MARK: - LayerNormalization

  private static func prepareLayer(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try floatInput(context, 0, "X")
    guard x.rank >= 1 else { throw context.error("input X must have rank 1 or more, got " + x.text) }
    let axis = try context.axis(try context.int("axis", -1), rank: x.rank)
    if try context.int("stash_type", 1) != 1 {
      throw context.unsupported("stash_type other than 1 (float32) is not supported")
    }
    let normalized = x.shape[axis...]
    let scale = try floatInput(context, 1, "Scale")
    let scaleCount = try trailingCount(context, scale, "Scale", x.rank, normalized)
    var biasCount = 0
    if context.has(2) {
      let bias = try floatInput(context, 2, "B")
      biasCount = try trailingCount(context, bias, "B", x.rank, normalized)
    }
    guard context.outputCount >= 1 && context.outputCount <= 3, !context.node.outputs[0].isEmpty else {
      throw context.error("needs output Y and at most 3 outputs, has " + String(context.outputCount))
    }
    // Mean and InvStdDev, when the node lists them: the input shape with the normalized dims set to 1.
    let statistics = try context.checkedType(
      .float, Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis))
    let outputs = [x] + [TensorType](repeating: statistics, count: context.outputCount - 1)
    let plan = NormalizationKernel.Layer(
      rows: product(x.shape[..<axis]), size: product(normalized), scaleCount: scaleCount, biasCount: biasCount,
      epsilon: try context.float("epsilon", 1e-5), statistics: context.outputCount - 1)
    return Prepared(.normalization(NormalizationKernel(.layer(plan))), outputs: outputs, inPlaceInput: 0)
  }

  /// Element count of a Scale/B input whose shape (without leading 1s) is a suffix of the normalized dims,
  /// so that element j of a row uses value j % count.
  private static func trailingCount(
    _ context: OpContext, _ type: TensorType, _ name: String, _ rank: Int, _ normalized: ArraySlice<Int>
  ) throws(RuntimeError) -> Int {
    var dims = type.shape[...]
    while let first = dims.first, first == 1 { dims = dims.dropFirst() }
    guard type.rank <= rank, dims.count <= normalized.count,
      Array(dims) == Array(normalized.suffix(dims.count))
    else {
      throw context.unsupported(
        "input " + name + " " + type.text + " must match the normalized dims " + dimsText(Array(normalized)))
    }
    return product(dims)
  }

  // MARK: - Softmax and LogSoftmax

  private static func prepareSoftmax(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let x = try floatInput(context, 0, "input")
    guard x.rank >= 1 else { throw context.error("input must have rank 1 or more, got " + x.text) }
    try singleOutput(context)
    let plan: NormalizationKernel.Softmax
    let isLog = context.op == .logSoftmax
    if context.opset < 13 {
      // The input is coerced to 2-D [prod(dims before axis), prod(dims from axis)]; each row is one softmax.
      let axis = try context.axis(try context.int("axis", 1), rank: x.rank)
      plan = NormalizationKernel.Softmax(
        outer: product(x.shape[..<axis]), size: product(x.shape[axis...]), inner: 1, isLog: isLog)
    } else {
      let axis = try context.axis(try context.int("axis", -1), rank: x.rank)
      plan = NormalizationKernel.Softmax(
        outer: product(x.shape[..<axis]), size: x.shape[axis], inner: product(x.shape[(axis + 1)...]),
        isLog: isLog)
    }
    // Strided softmax keeps a running max and sum per inner position.
    let scratch = plan.inner > 1 ? 2 * plan.inner * MemoryLayout<Float>.stride : 0
    return Prepared(
      .normalization(NormalizationKernel(.softmax(plan))), outputs: [x], scratchBytes: scratch, inPlaceInput: 0)
  }
}

/// Each plan is correct when output 0 is input 0 (`inPlaceInput: 0`): every element is read before
/// the same element is written.
public struct NormalizationKernel {
  struct Batch {
    var batch: Int
    var channels: Int
    var spatial: Int
    var epsilon: Float
    /// Per-channel multiplier then offset, when scale, B, mean and var are load-time constants.
    var params: Storage?
  }

  /// BatchNormalization with training_mode=1: Y from the batch's own mean and population variance per
  /// channel; running_mean / running_var = input * momentum + batch statistic * (1 - momentum).
  struct BatchTraining {
    var batch: Int
    var channels: Int
    var spatial: Int
    var epsilon: Float
    var momentum: Float
    /// Whether output 1 (running_mean) and output 2 (running_var) are written.
    var runningMean: Bool
    var runningVar: Bool
  }

  struct Instance {
    var batch: Int
    var channels: Int
    var spatial: Int
    var epsilon: Float
  }

  struct Layer {
    var rows: Int
    var size: Int
    var scaleCount: Int
    /// 0 when B is omitted.
    var biasCount: Int
    var epsilon: Float
    /// Index of the last statistics output written: 0 none, 1 Mean, 2 Mean and InvStdDev.
    var statistics: Int
  }

  /// `outer` blocks of `size` x `inner` elements; the softmax runs over `size` elements `inner` apart.
  struct Softmax {
    var outer: Int
    var size: Int
    var inner: Int
    var isLog: Bool
  }

  enum Plan {
    case batch(Batch)
    case batchTraining(BatchTraining)
    case instance(Instance)
    case layer(Layer)
    case softmax(Softmax)
  }

  let plan: Plan

  init(_ plan: Plan) { self.plan = plan }

  public func run(_ buffers: StepBuffers) {
    switch plan {
    case .batch(let batch): batch.run(buffers)
    case .batchTraining(let batch): batch.run(buffers)
    case .instance(let instance): instance.run(buffers)
    case .layer(let layer): layer.run(buffers)
    case .softmax(let softmax):
      if softmax.inner == 1 {
        softmax.runContiguous(buffers.input(0, Float.self), buffers.output(0, Float.self))
      } else {
        softmax.runStrided(buffers.input(0, Float.self), buffers.output(0, Float.self), buffers.scratch(Float.self))
      }
    }
  }
}

extension NormalizationKernel {
  /// Sum of `count` floats in eight interleaved chains: vectorizes, and rounds less than one long chain.
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var s0: Float = 0
    var s1: Float = 0
    var s2: Float = 0
    var s3: Float = 0
    var s4: Float = 0
    var s5: Float = 0
    var s6: Float = 0
    var s7: Float = 0
    var i = 0
    while i + 8 <= count {
      s0 += x[i]
      s1 += x[i + 1]
      s2 += x[i + 2]
      s3 += x[i + 3]
      s4 += x[i + 4]
      s5 += x[i + 5]
      s6 += x[i + 6]
      s7 += x[i + 7]
      i += 8
    }
    var total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < count {
      total += x[i]
      i += 1
    }
    return total
  }

  /// Sum of (x - mean)^2, in eight chains like `sum`.
  @inline(__always)
  static func squaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, _ mean: Float) -> Float {
    var s0: Float = 0
    var s1: Float = 0
    var s2: Float = 0
    var s3: Float = 0
    var s4: Float = 0
    var s5: Float = 0
    var s6: Float = 0
    var s7: Float = 0
    var i = 0
    while i + 8 <= count {
      let d0 = x[i] - mean
      let d1 = x[i + 1] - mean
      let d2 = x[i + 2] - mean
      let d3 = x[i + 3] - mean
      let d4 = x[i + 4] - mean
      let d5 = x[i + 5] - mean
      let d6 = x[i + 6] - mean
      let d7 = x[i + 7] - mean
      s0 += d0 * d0
      s1 += d1 * d1
      s2 += d2 * d2
      s3 += d3 * d3
      s4 += d4 * d4
      s5 += d5 * d5
      s6 += d6 * d6
      s7 += d7 * d7
      i += 8
    }
    var total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < count {
      let d = x[i] - mean
      total += d * d
      i += 1
    }
    return total
  }
}

extension NormalizationKernel.Batch {
  func run(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    var offset = 0
    for _ in 0..<batch {
      for c in 0..<channels {
        let multiplier: Float
        let shift: Float
        if let params {
          let p = params.typed(Float.self)
          multiplier = p[c]
          shift = p[channels + c]
        } else {
          let scale = buffers.input(1, Float.self)[c]
          let bias = buffers.input(2, Float.self)[c]
          let mean = buffers.input(3, Float.self)[c]
          let variance = buffers.input(4, Float.self)[c]
          multiplier = scale / (variance + epsilon).squareRoot()
          shift = bias - mean * multiplier
        }
        let xc = x + offset
        let yc = y + offset
        for i in 0..<spatial { yc[i] = xc[i] * multiplier + shift }
        offset += spatial
      }
    }
  }
}

extension NormalizationKernel.BatchTraining {
  /// One channel at a time: its mean and variance (two passes, accumulated in double over the batch's
  /// planes), then its Y. Every element of a channel is read before any of it is written, so Y may be X.
  func run(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let scale = buffers.input(1, Float.self)
    let bias = buffers.input(2, Float.self)
    let inputMean = buffers.input(3, Float.self)
    let inputVar = buffers.input(4, Float.self)
    let planeStride = channels * spatial
    let count = Double(batch * spatial)
    for c in 0..<channels {
      var total = 0.0
      var offset = c * spatial
      for _ in 0..<batch {
        total += Double(NormalizationKernel.sum(x + offset, spatial))
        offset += planeStride
      }
      let mean = count > 0 ? total / count : 0
      let meanFloat = Float(mean)
      var squares = 0.0
      offset = c * spatial
      for _ in 0..<batch {
        // Deviations from the float mean, then the (tiny) correction for its rounding.
        squares += Double(NormalizationKernel.squaredDeviations(x + offset, spatial, meanFloat))
        offset += planeStride
      }
      let shiftFromMean = mean - Double(meanFloat)
      let variance = count > 0 ? Swift.max(squares / count - shiftFromMean * shiftFromMean, 0) : 0
      let multiplier = Float(Double(scale[c]) / (variance + Double(epsilon)).squareRoot())
      offset = c * spatial
      for _ in 0..<batch {
        let xc = x + offset
        let yc = y + offset
        let b = bias[c]
        for i in 0..<spatial { yc[i] = (xc[i] - meanFloat) * multiplier + b }
        offset += planeStride
      }
      if runningMean {
        buffers.output(1, Float.self)[c] = Float(
          Double(inputMean[c]) * Double(momentum) + mean * Double(1 - momentum))
      }
      if runningVar {
        buffers.output(2, Float.self)[c] = Float(
          Double(inputVar[c]) * Double(momentum) + variance * Double(1 - momentum))
      }
    }
  }
}

extension NormalizationKernel.Instance {
  func run(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let scale = buffers.input(1, Float.self)
    let bias = buffers.input(2, Float.self)
    let count = Float(spatial)
    var offset = 0
    for _ in 0..<batch {
      for c in 0..<channels {
        let xc = x + offset
        let yc = y + offset
        let mean = NormalizationKernel.sum(xc, spatial) / count
        let squares = NormalizationKernel.squaredDeviations(xc, spatial, mean)
        let multiplier = scale[c] / (squares / count + epsilon).squareRoot()
        let shift = bias[c]
        for i in 0..<spatial { yc[i] = (xc[i] - mean) * multiplier + shift }
        offset += spatial
      }
    }
  }
}

extension NormalizationKernel.Layer {
  func run(_ buffers: StepBuffers) {
    let x = buffers.input(0, Float.self)
    let y = buffers.output(0, Float.self)
    let scale = buffers.input(1, Float.self)
    let bias = biasCount > 0 ? buffers.input(2, Float.self) : scale
    let meanOutput = statistics >= 1 ? buffers.output(1, Float.self) : nil
    let invOutput = statistics >= 2 ? buffers.output(2, Float.self) : nil
    let count = Float(size)
    let exact = scaleCount == size && (biasCount == size || biasCount == 0)
    for r in 0..<rows {
      let xr = x + r * size
      let yr = y + r * size
      let mean = NormalizationKernel.sum(xr, size) / count
      let squares = NormalizationKernel.squaredDeviations(xr, size, mean)
      let inverse = 1 / (squares / count + epsilon).squareRoot()
      if let meanOutput { meanOutput[r] = mean }
      if let invOutput { invOutput[r] = inverse }
      if exact {
        if biasCount > 0 {
          for j in 0..<size { yr[j] = ((xr[j] - mean) * inverse) * scale[j] + bias[j] }
        } else {
          for j in 0..<size { yr[j] = ((xr[j] - mean) * inverse) * scale[j] }
        }
      } else {
        // Scale and B repeat every scaleCount / biasCount elements.
        var s = 0
        var b = 0
        for j in 0..<size {
          var value = ((xr[j] - mean) * inverse) * scale[s]
          if biasCount > 0 {
            value += bias[b]
            b += 1
            if b == biasCount { b = 0 }
          }
          yr[j] = value
          s += 1
          if s == scaleCount { s = 0 }
        }
      }
    }
  }
}

extension NormalizationKernel.Softmax {
  /// Rows of `size` contiguous elements (the last axis, or any axis before opset 13).
  func runContiguous(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    guard size > 0 else { return }
    for o in 0..<outer {
      let xr = x + o * size
      let yr = y + o * size
      var best = xr[0]
      for j in 1..<size where xr[j] > best { best = xr[j] }
      var sum: Float = 0
      if isLog {
        for j in 0..<size { sum += expf(xr[j] - best) }
        let logSum = logf(sum)
        for j in 0..<size { yr[j] = (xr[j] - best) - logSum }
      } else {
        for j in 0..<size {
          let e = expf(xr[j] - best)
          yr[j] = e
          sum += e
        }
        let inverse = 1 / sum
        for j in 0..<size { yr[j] *= inverse }
      }
    }
  }

  /// A middle axis: every pass runs along the contiguous inner positions, with the running max and
  /// sum of each inner position in scratch.
  func runStrided(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
    guard size > 0 else { return }
    let best = scratch
    let sums = scratch + inner
    let block = size * inner
    for o in 0..<outer {
      let xo = x + o * block
      let yo = y + o * block
      for i in 0..<inner { best[i] = xo[i] }
      for k in 1..<size {
        let row = xo + k * inner
        for i in 0..<inner where row[i] > best[i] { best[i] = row[i] }
      }
      for i in 0..<inner { sums[i] = 0 }
      for k in 0..<size {
        let xr = xo + k * inner
        let yr = yo + k * inner
        if isLog {
          for i in 0..<inner { sums[i] += expf(xr[i] - best[i]) }
        } else {
          for i in 0..<inner {
            let e = expf(xr[i] - best[i])
            yr[i] = e
            sums[i] += e
          }
        }
      }
      if isLog {
        for i in 0..<inner { sums[i] = logf(sums[i]) }
        for k in 0..<size {
          let xr = xo + k * inner
          let yr = yo + k * inner
          for i in 0..<inner { yr[i] = (xr[i] - best[i]) - sums[i] }
        }
      } else {
        for i in 0..<inner { sums[i] = 1 / sums[i] }
        for k in 0..<size {
          let yr = yo + k * inner
          for i in 0..<inner { yr[i] *= sums[i] }
        }
      }
    }
  }
}
