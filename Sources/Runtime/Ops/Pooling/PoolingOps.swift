import CSupport
import ONNXFormat

/// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on NCHW tensors.
///
/// Every pool is planned as a 3-D pool over (D, H, W): 1-D and 2-D inputs get leading spatial dims of
/// size 1 with a window of 1. `prepare` fixes the output shape by the ONNX formulas and tabulates, for
/// each output index of each spatial dim, the first input index its window reads, how many window taps
/// land inside the input and how many land inside input plus padding (AveragePool's
/// count_include_pad divisor). `run` only walks those tables. MaxPool's optional Indices output, when
/// named, runs each window tap by tap (`maxPoolIndices`) to record where its maximum came from.
enum PoolingOps {
  static func prepare(_ context: OpContext) throws(RuntimeError) -> Prepared {
    switch context.op {
    case .globalAveragePool, .globalMaxPool:
      return try prepareGlobal(context)
    case .maxPool, .averagePool:
      return try prepareWindowed(context)
    case .nhwcMaxPool:
      return try prepareChannelsLast(context)
    default:
      throw context.unsupported("is not a pooling operator")
    }
  }

  // MARK: - Global pools

  private static func prepareGlobal(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let isMax = context.op == .globalMaxPool
    let x = try context.input(0)
    guard x.dataType == .float else {
      throw context.unsupported("input X must be float32, got " + x.text)
    }
    guard x.rank >= 3 else {
      throw context.error("input X must have rank 3 or more (N, C, spatial...), got " + x.text)
    }
    var outputShape = [x.shape[0], x.shape[1]]
    var plane = 1
    for index in 2..<x.rank {
      outputShape.append(1)
      plane *= x.shape[index]
    }
    if plane == 0 {
      throw context.error("input X has an empty spatial extent: " + x.text)
    }
    let output = try context.checkedType(.float, outputShape)
    let outputs = [output] + (try extraOutputs(context, output))
    let kernel = PoolingKernel(
      global: PoolingKernel.Global(planes: x.shape[0] * x.shape[1], plane: plane), isMax: isMax)
    return Prepared(.pooling(kernel), outputs: outputs)
  }

  // MARK: - MaxPool and AveragePool

  private static func prepareWindowed(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let isMax = context.op == .maxPool
    let x = try context.input(0)
    let element: PoolingKernel.Element
    switch x.dataType {
    case .float: element = .float
    case .int8 where isMax: element = .int8
    case .uint8 where isMax: element = .uint8
    default:
      throw context.unsupported(
        "input X must be float32" + (isMax ? ", int8 or uint8" : "") + ", got " + x.text)
    }
    guard x.rank >= 3 && x.rank <= 5 else {
      throw context.unsupported("supports 1 to 3 spatial dims (input rank 3 to 5), got " + x.text)
    }
    let spatial = x.rank - 2
    let inputSpatial = Array(x.shape[2...])
    if inputSpatial.contains(0) {
      throw context.error("input X has an empty spatial dim: " + x.text)
    }

    let window = try WindowAttributes(context, inputSpatial, inputText: x.text)
    let countIncludePad = isMax ? false : try context.int("count_include_pad", 0) != 0
    // storage_order only changes how MaxPool's Indices output flattens an input position.
    let storageOrder = isMax ? try context.int("storage_order", 0) : 0
    guard storageOrder == 0 || storageOrder == 1 else {
      throw context.error("storage_order " + String(storageOrder) + " is not 0 (row major) or 1 (column major)")
    }
    let kernelShape = window.kernelShape
    let strides = window.strides
    let dilations = window.dilations
    let outputSpatial = window.outputSpatial
    let padBegin = window.padBegin
    let padEnd = window.padEnd
    let output = try context.checkedType(x.dataType, [x.shape[0], x.shape[1]] + outputSpatial)
    let outputs = [output] + (try extraOutputs(context, output))
    let indices: PoolingKernel.IndexOrder =
      wantsIndices(context) ? (storageOrder == 0 ? .rowMajor : .columnMajor) : .none

    // A window that is the whole unpadded plane is a global pool.
    var coversPlane = indices == .none
    for dim in 0..<spatial
    where kernelShape[dim] != inputSpatial[dim] || outputSpatial[dim] != 1 || padBegin[dim] != 0
      || padEnd[dim] != 0 || (kernelShape[dim] > 1 && dilations[dim] != 1)
    {
      coversPlane = false
    }
    let planes = x.shape[0] * x.shape[1]
    if coversPlane && element == .float {
      var plane = 1
      for size in inputSpatial { plane *= size }
      let kernel = PoolingKernel(global: PoolingKernel.Global(planes: planes, plane: plane), isMax: isMax)
      return Prepared(.pooling(kernel), outputs: outputs)
    }

    // Normalize to (D, H, W): missing leading dims have size 1, a window of 1, no padding.
    let inputs3 = leading(inputSpatial, 1)
    let outputs3 = leading(outputSpatial, 1)
    let kernels3 = leading(kernelShape, 1)
    let strides3 = leading(strides, 1)
    let dilations3 = leading(dilations, 1)
    let begins3 = leading(padBegin, 0)
    let ends3 = leading(padEnd, 0)

    var table: [Int] = []
    var interior: [Int] = []
    for dim in 0..<3 {
      let axis = windowTable(
        input: inputs3[dim], output: outputs3[dim], kernel: kernels3[dim], stride: strides3[dim],
        dilation: dilations3[dim], padBegin: begins3[dim], padEnd: ends3[dim])
      table += axis.table
      interior += [axis.interiorBegin, axis.interiorEnd]
    }

    // Unrolled k x k windows (k = 2 or 3, no dilation) on outputs whose window is fully inside the input.
    var unrolled = 0
    if kernels3[0] == 1 && kernels3[1] == kernels3[2] && (kernels3[2] == 2 || kernels3[2] == 3)
      && dilations3[1] == 1 && dilations3[2] == 1
    {
      unrolled = kernels3[2]
    }

    let windowed = PoolingKernel.Windowed(
      element: element, planes: planes,
      inputD: inputs3[0], inputH: inputs3[1], inputW: inputs3[2],
      outputD: outputs3[0], outputH: outputs3[1], outputW: outputs3[2],
      dilationD: dilations3[0], dilationH: dilations3[1], dilationW: dilations3[2],
      countIncludePad: countIncludePad, indices: indices, table: Storage(values: table),
      unrolled: unrolled, interiorH0: interior[2], interiorH1: interior[3], interiorW0: interior[4],
      interiorW1: interior[5], strideW: strides3[2], kernelW: kernels3[2], padW: begins3[2],
      tinyTaps: element != .float && isMax && indices == .none
        ? PoolingKernel.Windowed.tinyTaps(
          input: inputs3, output: outputs3, kernel: kernels3, strides: strides3, dilations: dilations3, pads: begins3)
        : nil)
    // Without the unrolled interior, windows run separably over one row of column results in scratch
    // (not with Indices, whose windows run tap by tap); 8-bit MaxPool always runs separably over one
    // padded row (`maxBytes`).
    var scratch = unrolled == 0 && indices == .none ? inputs3[2] * x.dataType.storageBytes(count: 1)! : 0
    if element != .float && isMax && indices == .none {
      scratch = windowed.paddedW
    }
    return Prepared(
      .pooling(PoolingKernel(windowed: windowed, isMax: isMax)), outputs: outputs, scratchBytes: scratch)
  }

  /// `values` (one per spatial dim) widened to 3 dims with `fill` in front.
  private static func leading(_ values: [Int], _ fill: Int) -> [Int] {
    [Int](repeating: fill, count: 3 - values.count) + values
  }

  /// True when MaxPool's optional Indices output (output 1) is named, so the kernel must write it.
  private static func wantsIndices(_ context: OpContext) -> Bool {
    context.op == .maxPool && context.outputCount == 2 && !context.node.outputs[1].isEmpty
  }

  /// Output types after Y: MaxPool's optional Indices (int64, Y's shape). When omitted (empty name) it
  /// still gets its type, as the graph preparer plans one value per node output, but is not written.
  private static func extraOutputs(_ context: OpContext, _ y: TensorType) throws(RuntimeError) -> [TensorType] {
    guard context.outputCount >= 1, !context.node.outputs[0].isEmpty else {
      throw context.error("output Y is required")
    }
    let limit = context.op == .maxPool ? 2 : 1
    guard context.outputCount <= limit else {
      throw context.error(
        "has " + String(limit) + " output" + (limit == 1 ? "" : "s") + ", not " + String(context.outputCount))
    }
    guard context.outputCount == 2 else { return [] }
    return [try context.checkedType(.int64, y.shape)]
  }

  struct AxisSize {
    var output: Int
    var padBegin: Int
    var padEnd: Int
  }

  /// One spatial dim's output size and effective padding, per the ONNX MaxPool/AveragePool formulas.
  static func outputSize(
    _ context: OpContext, autoPad: String, input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int,
    padEnd: Int, ceilMode: Bool
  ) throws(RuntimeError) -> AxisSize {
    let extent = (kernel - 1) * dilation + 1
    switch autoPad {
    case "NOTSET", "":
      let span = input + padBegin + padEnd - extent
      guard span >= 0 else {
        throw context.error(
          "window extent " + String(extent) + " is larger than the padded input " + String(input + padBegin + padEnd))
      }
      var output = span / stride + 1
      if ceilMode {
        output = (span + stride - 1) / stride + 1
        // A last window that would start in the right padding is dropped.
        if (output - 1) * stride >= input + padBegin { output -= 1 }
      }
      return AxisSize(output: output, padBegin: padBegin, padEnd: padEnd)
    case "VALID", "SAME_UPPER", "SAME_LOWER":
      guard padBegin == 0 && padEnd == 0 else {
        throw context.error("pads and auto_pad " + autoPad + " cannot both be set")
      }
      if autoPad == "VALID" {
        guard input >= extent else {
          throw context.error(
            "window extent " + String(extent) + " is larger than the input " + String(input) + " (auto_pad VALID)")
        }
        return AxisSize(output: (input - extent) / stride + 1, padBegin: 0, padEnd: 0)
      }
      let output = (input + stride - 1) / stride
      let total = max(0, (output - 1) * stride + extent - input)
      let small = total / 2
      return autoPad == "SAME_UPPER"
        ? AxisSize(output: output, padBegin: small, padEnd: total - small)
        : AxisSize(output: output, padBegin: total - small, padEnd: small)
    default:
      throw context.error("auto_pad '" + autoPad + "' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    }
  }

  struct AxisTable {
    /// first input index (output count), valid tap count (output count), taps within padding (output count)
    var table: [Int]
    /// Outputs whose window lies fully inside the input.
    var interiorBegin: Int
    var interiorEnd: Int
  }

  static func windowTable(
    input: Int, output: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int
  ) -> AxisTable {
    var first = [Int](repeating: 0, count: output)
    var taps = [Int](repeating: 0, count: output)
    var padTaps = [Int](repeating: 0, count: output)
    var interiorBegin = -1
    var interiorEnd = -1
    for o in 0..<output {
      let start = o * stride - padBegin
      // Taps j in 0..<kernel read start + j * dilation; those in 0..<input are real values.
      let low = start >= 0 ? 0 : (-start + dilation - 1) / dilation
      let last = input - 1 - start
      let high = last < 0 ? 0 : min(kernel, last / dilation + 1)
      let count = max(0, high - low)
      first[o] = start + low * dilation
      taps[o] = count
      let lastPadded = input + padEnd - 1 - start
      padTaps[o] = lastPadded < 0 ? 0 : min(kernel, lastPadded / dilation + 1)
      if count == kernel {
        if interiorBegin < 0 { interiorBegin = o }
        interiorEnd = o + 1
      }
    }
    if interiorBegin < 0 {
      interiorBegin = 0
      interiorEnd = 0
    }
    return AxisTable(table: first + taps + padTaps, interiorBegin: interiorBegin, interiorEnd: interiorEnd)
  }
}

/// Element types MaxPool runs on.
protocol PoolingElement: Comparable {
  /// The value of a window with no input under it.
  static var poolingLowest: Self { get }
}

extension Float: PoolingElement {
  static var poolingLowest: Float { -Float.infinity }
}

extension Int8: PoolingElement {
  static var poolingLowest: Int8 { Int8.min }
}

extension UInt8: PoolingElement {
  static var poolingLowest: UInt8 { 0 }
}

public struct PoolingKernel {
  enum Element { case float, int8, uint8 }

  /// How MaxPool's Indices output flattens the (n, c, d, h, w) position of each maximum (ONNX
  /// storage_order 0 or 1), or `none` when the output is not written.
  enum IndexOrder { case none, rowMajor, columnMajor }

  /// One value per (n, c) plane: the max or mean of `plane` contiguous elements.
  struct Global {
    var planes: Int
    var plane: Int
  }

  struct Windowed {
    var element: Element
    var planes: Int
    var inputD: Int, inputH: Int, inputW: Int
    var outputD: Int, outputH: Int, outputW: Int
    var dilationD: Int, dilationH: Int, dilationW: Int
    var countIncludePad: Bool
    var indices: IndexOrder
    /// For D, then H, then W: first input index, valid taps, taps inside the padding (each per output index).
    var table: Storage
    /// 2 or 3 when interior windows are unrolled k x k; else 0 and windows run separably
    /// (`maxSeparable`, `averageSeparable`).
    var unrolled: Int
    var interiorH0: Int, interiorH1: Int, interiorW0: Int, interiorW1: Int
    /// The W stride, window size and padding at the start (windows start at `ow * strideW - padW`).
    var strideW: Int
    var kernelW: Int
    var padW: Int
    /// 8-bit MaxPool on planes of at most 64 bytes: the taps for `oq_max_pool_tiny_8`, else nil.
    var tinyTaps: Storage?

    /// Bytes of one padded row for `maxBytes`: the input row after `padW` bytes, and room for the last
    /// window's taps.
    var paddedW: Int { max(padW + inputW, (outputW - 1) * strideW + (kernelW - 1) * dilationW + 1) }
  }

  enum Plan {
    case global(Global)
    case windowed(Windowed)
    case channelsLast(ChannelsLast)
  }

  let plan: Plan
  let isMax: Bool

  init(global: Global, isMax: Bool) {
    plan = .global(global)
    self.isMax = isMax
  }

  init(windowed: Windowed, isMax: Bool) {
    plan = .windowed(windowed)
    self.isMax = isMax
  }

  init(channelsLast: ChannelsLast) {
    plan = .channelsLast(channelsLast)
    isMax = true
  }

  public func run(_ buffers: StepBuffers) {
    switch plan {
    case .channelsLast(let channelsLast):
      channelsLast.run(buffers.input(0, UInt8.self), buffers.output(0, UInt8.self))
    case .global(let global):
      let x = buffers.input(0, Float.self)
      let y = buffers.output(0, Float.self)
      if isMax {
        PoolingKernel.globalMax(x, y, global)
      } else {
        PoolingKernel.globalAverage(x, y, global)
      }
    case .windowed(let windowed):
      if windowed.indices != .none {
        let indices = buffers.output(1, Int64.self)
        switch windowed.element {
        case .float: windowed.maxPoolIndices(buffers.input(0, Float.self), buffers.output(0, Float.self), indices)
        case .int8: windowed.maxPoolIndices(buffers.input(0, Int8.self), buffers.output(0, Int8.self), indices)
        case .uint8: windowed.maxPoolIndices(buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), indices)
        }
      } else if isMax && windowed.element != .float, let taps = windowed.tinyTaps {
        oq_max_pool_tiny_8(
          buffers.input(0, UInt8.self), windowed.planes, windowed.inputH * windowed.inputW,
          windowed.outputH * windowed.outputW, taps.typed(UInt8.self), taps.byteCount / 72,
          windowed.element == .int8 ? 1 : 0, buffers.output(0, UInt8.self))
      } else if isMax && windowed.element != .float {
        windowed.maxBytes(
          buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), buffers.scratch(UInt8.self),
          signed: windowed.element == .int8)
      } else if windowed.unrolled != 0 {
        if isMax {
          switch windowed.element {
          case .float: windowed.maxPool(buffers.input(0, Float.self), buffers.output(0, Float.self))
          case .int8: windowed.maxPool(buffers.input(0, Int8.self), buffers.output(0, Int8.self))
          case .uint8: windowed.maxPool(buffers.input(0, UInt8.self), buffers.output(0, UInt8.self))
          }
        } else {
          windowed.averagePool(buffers.input(0, Float.self), buffers.output(0, Float.self))
        }
      } else if isMax {
        switch windowed.element {
        case .float:
          windowed.maxSeparable(
            buffers.input(0, Float.self), buffers.output(0, Float.self), buffers.scratch(Float.self))
        case .int8:
          windowed.maxSeparable(buffers.input(0, Int8.self), buffers.output(0, Int8.self), buffers.scratch(Int8.self))
        case .uint8:
          windowed.maxSeparable(
            buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), buffers.scratch(UInt8.self))
        }
      } else {
        windowed.averageSeparable(
          buffers.input(0, Float.self), buffers.output(0, Float.self), buffers.scratch(Float.self))
      }
    }
  }

  static func globalAverage(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ global: Global) {
    let plane = global.plane
    let count = Float(plane)
    for p in 0..<global.planes {
      let row = x + p * plane
      // Four running sums: vectorizes, and rounds less than one long chain.
      var s0: Float = 0
      var s1: Float = 0
      var s2: Float = 0
      var s3: Float = 0
      var i = 0
      while i + 4 <= plane {
        s0 += row[i]
        s1 += row[i + 1]
        s2 += row[i + 2]
        s3 += row[i + 3]
        i += 4
      }
      while i < plane {
        s0 += row[i]
        i += 1
      }
      y[p] = ((s0 + s1) + (s2 + s3)) / count
    }
  }

  static func globalMax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ global: Global) {
    let plane = global.plane
    for p in 0..<global.planes {
      let row = x + p * plane
      var best = row[0]
      for i in 1..<max(plane, 1) where row[i] > best { best = row[i] }
      y[p] = best
    }
  }
}

extension PoolingKernel.Windowed {
  /// The window table's sections, per axis D, H, W: first input index, taps and padding count of each
  /// output position (three runs of `outputD`, then of `outputH`, then of `outputW`).
  @inline(__always)
  func windowTable() -> (
    firstD: UnsafePointer<Int>, tapsD: UnsafePointer<Int>, padD: UnsafePointer<Int>,
    firstH: UnsafePointer<Int>, tapsH: UnsafePointer<Int>, padH: UnsafePointer<Int>,
    firstW: UnsafePointer<Int>, tapsW: UnsafePointer<Int>, padW: UnsafePointer<Int>
  ) {
    let firstD = UnsafePointer(table.typed(Int.self))
    let firstH = firstD + 3 * outputD
    let firstW = firstH + 3 * outputH
    return (
      firstD, firstD + outputD, firstD + 2 * outputD, firstH, firstH + outputH, firstH + 2 * outputH,
      firstW, firstW + outputW, firstW + 2 * outputW
    )
  }

  /// MaxPool with its Indices output: each window tap by tap, keeping the first maximum in (d, h, w)
  /// scan order, and its position flattened over the unpadded input including the (n, c) plane,
  /// row major (`((p * D + d) * H + h) * W + w`) or column major within the plane
  /// (`p * D * H * W + d + h * D + w * D * H`), as ONNX's storage_order defines.
  func maxPoolIndices<T: PoolingElement>(
    _ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, _ positions: UnsafeMutablePointer<Int64>
  ) {
    let (firstD, tapsD, _, firstH, tapsH, _, firstW, tapsW, _) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let rowMajor = indices == .rowMajor
    let strideD = rowMajor ? inputH * inputW : 1
    let strideH = rowMajor ? inputW : inputD
    let strideW = rowMajor ? 1 : inputD * inputH
    var o = 0
    for p in 0..<planes {
      let x = input + p * inputPlane
      let planeBase = p * inputPlane
      for od in 0..<outputD {
        for oh in 0..<outputH {
          for ow in 0..<outputW {
            var best = T.poolingLowest
            var found = false
            var bestD = 0
            var bestH = 0
            var bestW = 0
            var d = firstD[od]
            for _ in 0..<tapsD[od] {
              var h = firstH[oh]
              for _ in 0..<tapsH[oh] {
                let row = x + (d * inputH + h) * inputW
                var w = firstW[ow]
                for _ in 0..<tapsW[ow] {
                  let value = row[w]
                  if !found || value > best {
                    found = true
                    best = value
                    bestD = d
                    bestH = h
                    bestW = w
                  }
                  w += dilationW
                }
                h += dilationH
              }
              d += dilationD
            }
            output[o] = best
            positions[o] = found ? Int64(planeBase + bestD * strideD + bestH * strideH + bestW * strideW) : -1
            o += 1
          }
        }
      }
    }
  }

  func maxPool<T: PoolingElement>(_ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>) {
    let (firstD, tapsD, _, firstH, tapsH, _, firstW, tapsW, _) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let outputPlane = outputD * outputH * outputW
    let rowStride = inputW
    let sliceStride = inputH * inputW
    for p in 0..<planes {
      let x = input + p * inputPlane
      var y = output + p * outputPlane
      for od in 0..<outputD {
        let xd = x + firstD[od] * sliceStride
        let nd = tapsD[od]
        let unrolledSlice = unrolled != 0 && nd == 1
        for oh in 0..<outputH {
          let xh = xd + firstH[oh] * rowStride
          let nh = tapsH[oh]
          var ow = 0
          if unrolledSlice && oh >= interiorH0 && oh < interiorH1 {
            // Border columns, then the unrolled interior, then border columns.
            while ow < interiorW0 {
              y[ow] = window(xd, firstH[oh], nd, nh, firstW[ow], tapsW[ow])
              ow += 1
            }
            if unrolled == 3 {
              while ow < interiorW1 {
                let a = xh + firstW[ow]
                let b = a + rowStride
                let c = b + rowStride
                var m = a[0]
                if a[1] > m { m = a[1] }
                if a[2] > m { m = a[2] }
                if b[0] > m { m = b[0] }
                if b[1] > m { m = b[1] }
                if b[2] > m { m = b[2] }
                if c[0] > m { m = c[0] }
                if c[1] > m { m = c[1] }
                if c[2] > m { m = c[2] }
                y[ow] = m
                ow += 1
              }
            } else {
              while ow < interiorW1 {
                let a = xh + firstW[ow]
                let b = a + rowStride
                var m = a[0]
                if a[1] > m { m = a[1] }
                if b[0] > m { m = b[0] }
                if b[1] > m { m = b[1] }
                y[ow] = m
                ow += 1
              }
            }
          }
          while ow < outputW {
            y[ow] = window(xd, firstH[oh], nd, nh, firstW[ow], tapsW[ow])
            ow += 1
          }
          y += outputW
        }
      }
    }
  }

  /// The max of one window: `nd x nh x nw` taps from slice `xd`, row `h`, column `w`.
  @inline(__always)
  private func window<T: PoolingElement>(
    _ xd: UnsafePointer<T>, _ h: Int, _ nd: Int, _ nh: Int, _ w: Int, _ nw: Int
  ) -> T {
    var best = T.poolingLowest
    var slice = xd + h * inputW + w
    for _ in 0..<nd {
      var row = slice
      for _ in 0..<nh {
        var i = 0
        for _ in 0..<nw {
          if row[i] > best { best = row[i] }
          i += dilationW
        }
        row += dilationH * inputW
      }
      slice += dilationD * inputH * inputW
    }
    return best
  }

  func averagePool(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
    let (firstD, tapsD, padD, firstH, tapsH, padH, firstW, tapsW, padW) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let outputPlane = outputD * outputH * outputW
    let rowStride = inputW
    let sliceStride = inputH * inputW
    for p in 0..<planes {
      let x = input + p * inputPlane
      var y = output + p * outputPlane
      for od in 0..<outputD {
        let xd = x + firstD[od] * sliceStride
        let nd = tapsD[od]
        let countD = countIncludePad ? padD[od] : nd
        let unrolledSlice = unrolled != 0 && nd == 1
        for oh in 0..<outputH {
          let xh = xd + firstH[oh] * rowStride
          let nh = tapsH[oh]
          let countDH = countD * (countIncludePad ? padH[oh] : nh)
          var ow = 0
          if unrolledSlice && oh >= interiorH0 && oh < interiorH1 {
            while ow < interiorW0 {
              let count = countDH * (countIncludePad ? padW[ow] : tapsW[ow])
              y[ow] = sum(xd, firstH[oh], nd, nh, firstW[ow], tapsW[ow]) / Float(count)
              ow += 1
            }
            if unrolled == 3 {
              let count = Float(countDH * 3)
              while ow < interiorW1 {
                let a = xh + firstW[ow]
                let b = a + rowStride
                let c = b + rowStride
                let s = ((a[0] + a[1]) + a[2]) + ((b[0] + b[1]) + b[2]) + ((c[0] + c[1]) + c[2])
                y[ow] = s / count
                ow += 1
              }
            } else {
              let count = Float(countDH * 2)
              while ow < interiorW1 {
                let a = xh + firstW[ow]
                let b = a + rowStride
                y[ow] = ((a[0] + a[1]) + (b[0] + b[1])) / count
                ow += 1
              }
            }
          }
          while ow < outputW {
            let count = countDH * (countIncludePad ? padW[ow] : tapsW[ow])
            y[ow] = sum(xd, firstH[oh], nd, nh, firstW[ow], tapsW[ow]) / Float(count)
            ow += 1
          }
          y += outputW
        }
      }
    }
  }

  @inline(__always)
  private func sum(_ xd: UnsafePointer<Float>, _ h: Int, _ nd: Int, _ nh: Int, _ w: Int, _ nw: Int) -> Float {
    var total: Float = 0
    var slice = xd + h * inputW + w
    for _ in 0..<nd {
      var row = slice
      for _ in 0..<nh {
        var i = 0
        for _ in 0..<nw {
          total += row[i]
          i += dilationW
        }
        row += dilationH * inputW
      }
      slice += dilationD * inputH * inputW
    }
    return total
  }

  /// Any window shape: for each output row, the max over the row's (d, h) taps of every input column
  /// goes to `columns`, then each output takes the max over its w taps of `columns`.
  func maxSeparable<T: PoolingElement>(
    _ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, _ columns: UnsafeMutablePointer<T>
  ) {
    let (firstD, tapsD, _, firstH, tapsH, _, firstW, tapsW, _) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let outputPlane = outputD * outputH * outputW
    let sliceStride = inputH * inputW
    for p in 0..<planes {
      let x = input + p * inputPlane
      var y = output + p * outputPlane
      for od in 0..<outputD {
        let xd = x + firstD[od] * sliceStride
        let nd = tapsD[od]
        for oh in 0..<outputH {
          let nh = tapsH[oh]
          let source: UnsafePointer<T>
          if nd * nh == 1 {
            // One input row under the window: read it directly.
            source = xd + firstH[oh] * inputW
          } else {
            for iw in 0..<inputW { columns[iw] = T.poolingLowest }
            var slice = xd + firstH[oh] * inputW
            for _ in 0..<nd {
              var row = slice
              for _ in 0..<nh {
                for iw in 0..<inputW where row[iw] > columns[iw] { columns[iw] = row[iw] }
                row += dilationH * inputW
              }
              slice += dilationD * sliceStride
            }
            source = UnsafePointer(columns)
          }
          for ow in 0..<outputW {
            var best = T.poolingLowest
            var i = firstW[ow]
            for _ in 0..<tapsW[ow] {
              if source[i] > best { best = source[i] }
              i += dilationW
            }
            y[ow] = best
          }
          y += outputW
        }
      }
    }
  }

  /// `maxSeparable` with sums, divided by the window's count (inside the input, or inside the padding).
  func averageSeparable(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ columns: UnsafeMutablePointer<Float>
  ) {
    let (firstD, tapsD, padD, firstH, tapsH, padH, firstW, tapsW, padW) = windowTable()
    let inputPlane = inputD * inputH * inputW
    let outputPlane = outputD * outputH * outputW
    let sliceStride = inputH * inputW
    for p in 0..<planes {
      let x = input + p * inputPlane
      var y = output + p * outputPlane
      for od in 0..<outputD {
        let xd = x + firstD[od] * sliceStride
        let nd = tapsD[od]
        let countD = countIncludePad ? padD[od] : nd
        for oh in 0..<outputH {
          let nh = tapsH[oh]
          let countDH = countD * (countIncludePad ? padH[oh] : nh)
          let source: UnsafePointer<Float>
          if nd * nh == 1 {
            source = xd + firstH[oh] * inputW
          } else {
            for iw in 0..<inputW { columns[iw] = 0 }
            var slice = xd + firstH[oh] * inputW
            for _ in 0..<nd {
              var row = slice
              for _ in 0..<nh {
                for iw in 0..<inputW { columns[iw] += row[iw] }
                row += dilationH * inputW
              }
              slice += dilationD * sliceStride
            }
            source = UnsafePointer(columns)
          }
          for ow in 0..<outputW {
            var total: Float = 0
            var i = firstW[ow]
            for _ in 0..<tapsW[ow] {
              total += source[i]
              i += dilationW
            }
            y[ow] = total / Float(countDH * (countIncludePad ? padW[ow] : tapsW[ow]))
          }
          y += outputW
        }
      }
    }
  }
}
