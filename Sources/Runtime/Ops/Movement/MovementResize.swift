import ONNXFormat

/// Linear and cubic Resize on float32. The resized dims are the last three (`D`, `H`, `W`; missing ones
/// are size 1); every leading dim is unchanged and folds into `outer`. Each output coordinate of each
/// inner dim has `taps` input offsets and weights (1 tap for an unchanged dim), computed at load, so
/// run only gathers and sums. With tf_crop_and_resize, output coordinates whose source lies outside
/// the input are flagged per dim and take `extrapolation` instead.
struct InterpolatePlan {
  let outer: Int
  let inPlane: Int
  let outD: Int
  let outH: Int
  let outW: Int
  let tapsD: Int
  let tapsH: Int
  let tapsW: Int
  /// Element offsets (index × that dim's input stride) for D, then H, then W.
  let offsets: Storage
  let weights: Storage
  let startH: Int
  let startW: Int
  /// tf_crop_and_resize only: one flag (0 or 1) per output coordinate of D, then H, then W, set where
  /// that coordinate's source lies outside the input; nil when no coordinate is outside.
  let outside: Storage?
  let extrapolation: Float

  /// Each output row (fixed D and H coordinates) is the weighted sum, over its D × H taps, of one
  /// input row resampled along W; the output row itself is the accumulator.
  func run(_ buffers: StepBuffers) {
    let input = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: Float.self)
    var output = buffers.outputs[0].assumingMemoryBound(to: Float.self)
    let offset = UnsafePointer(offsets.typed(Int.self))
    let weight = UnsafePointer(weights.typed(Float.self))
    if let outside {
      runExtrapolating(input, output, offset, weight, UnsafePointer(outside.typed(UInt8.self)))
      return
    }
    var plane = 0
    while plane < outer {
      let source = input + plane * inPlane
      var od = 0
      while od < outD {
        var oh = 0
        while oh < outH {
          var first = true
          var td = od * tapsD
          let endD = td + tapsD
          while td < endD {
            var th = startH + oh * tapsH
            let endH = th + tapsH
            while th < endH {
              resampleRow(
                source + (offset[td] + offset[th]), output, weight[td] * weight[th], first, offset,
                weight)
              first = false
              th += 1
            }
            td += 1
          }
          output += outW
          oh += 1
        }
        od += 1
      }
      plane += 1
    }
  }

  /// `run` where some output coordinates take the extrapolation value: whole rows whose D or H
  /// coordinate is outside, and single elements whose W coordinate is.
  private func runExtrapolating(
    _ input: UnsafePointer<Float>, _ start: UnsafeMutablePointer<Float>,
    _ offset: UnsafePointer<Int>,
    _ weight: UnsafePointer<Float>, _ outside: UnsafePointer<UInt8>
  ) {
    let outsideH = outside + outD
    let outsideW = outsideH + outH
    var output = start
    var plane = 0
    while plane < outer {
      let source = input + plane * inPlane
      var od = 0
      while od < outD {
        var oh = 0
        while oh < outH {
          if outside[od] != 0 || outsideH[oh] != 0 {
            var ow = 0
            while ow < outW {
              output[ow] = extrapolation
              ow += 1
            }
          } else {
            var first = true
            var td = od * tapsD
            let endD = td + tapsD
            while td < endD {
              var th = startH + oh * tapsH
              let endH = th + tapsH
              while th < endH {
                resampleRow(
                  source + (offset[td] + offset[th]), output, weight[td] * weight[th], first,
                  offset,
                  weight)
                first = false
                th += 1
              }
              td += 1
            }
            var ow = 0
            while ow < outW {
              if outsideW[ow] != 0 { output[ow] = extrapolation }
              ow += 1
            }
          }
          output += outW
          oh += 1
        }
        od += 1
      }
      plane += 1
    }
  }

  /// `output[ow] (=|+=) scale * Σ_t w[ow, t] * line[offset[ow, t]]` along W.
  @inline(__always)
  private func resampleRow(
    _ line: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ scale: Float,
    _ first: Bool,
    _ offset: UnsafePointer<Int>, _ weight: UnsafePointer<Float>
  ) {
    let offsets = offset + startW
    let weights = weight + startW
    var ow = 0
    switch tapsW {
    case 1:
      if first {
        while ow < outW {
          output[ow] = scale * weights[ow] * line[offsets[ow]]
          ow += 1
        }
      } else {
        while ow < outW {
          output[ow] += scale * weights[ow] * line[offsets[ow]]
          ow += 1
        }
      }
    case 2:
      while ow < outW {
        let t = 2 * ow
        let value = scale * (weights[t] * line[offsets[t]] + weights[t + 1] * line[offsets[t + 1]])
        output[ow] = first ? value : output[ow] + value
        ow += 1
      }
    default:
      while ow < outW {
        var sum: Float = 0
        var t = ow * tapsW
        let end = t + tapsW
        while t < end {
          sum += weights[t] * line[offsets[t]]
          t += 1
        }
        let value = scale * sum
        output[ow] = first ? value : output[ow] + value
        ow += 1
      }
    }
  }
}

extension MovementOps {
  enum ResizeCoordinates {
    case halfPixel, halfPixelSymmetric, pytorchHalfPixel, alignCorners, asymmetric, tfHalfPixelForNN
    case tfCropAndResize
  }

  enum ResizeNearest {
    case roundPreferFloor, roundPreferCeil, floor, ceil
    /// Resize-10: floor when upsampling, ceil when downsampling (onnxruntime's behaviour).
    case opset10
  }

  /// One dim of a Resize: its input and output lengths, the scale the coordinate transforms divide by,
  /// the target length `output_width` (`scale * inDim`, fractional when it comes from `scales`; the
  /// `sizes` entry when stretching to `sizes`) and the dim's roi (tf_crop_and_resize; 0 and 1 otherwise).
  struct ResizeAxis {
    var inDim: Int
    var outDim: Int
    var scale: Double
    var length: Double
    var roiStart: Double = 0
    var roiEnd: Double = 1
  }

  /// The input coordinate output coordinate `o` maps to along one dim, as the ONNX spec and the onnx
  /// reference (`onnx/reference/ops/op_resize.py`) define it. align_corners and tf_crop_and_resize
  /// divide by the target length minus one, which is fractional when it comes from `scales` (the
  /// reference and the ONNX node tests; onnxruntime divides by the integer output length instead).
  static func sourceCoordinate(_ o: Int, _ mode: ResizeCoordinates, _ axis: ResizeAxis) -> Double {
    let x = Double(o)
    let scale = axis.scale
    switch mode {
    case .halfPixel: return (x + 0.5) / scale - 0.5
    case .halfPixelSymmetric:
      let adjustment = Double(axis.outDim) / axis.length
      let center = Double(axis.inDim) / 2
      return center * (1 - adjustment) + (x + 0.5) / scale - 0.5
    case .pytorchHalfPixel: return axis.outDim > 1 ? (x + 0.5) / scale - 0.5 : 0
    case .alignCorners:
      // With one output coordinate (length < 2) the only coordinate is 0.
      return axis.outDim <= 1 || axis.length == 1
        ? 0 : x * Double(axis.inDim - 1) / (axis.length - 1)
    case .asymmetric: return x / scale
    case .tfHalfPixelForNN: return (x + 0.5) / scale
    case .tfCropAndResize:
      let span = Double(axis.inDim - 1)
      if axis.length > 1 {
        return axis.roiStart * span + x * (axis.roiEnd - axis.roiStart) * span / (axis.length - 1)
      }
      return 0.5 * (axis.roiStart + axis.roiEnd) * span
    }
  }

  /// tf_crop_and_resize: true where output coordinate `o` reads outside `[0, inDim - 1]`, so it takes
  /// extrapolation_value.
  static func isOutside(_ o: Int, _ mode: ResizeCoordinates, _ axis: ResizeAxis) -> Bool {
    guard mode == .tfCropAndResize else { return false }
    let x = sourceCoordinate(o, mode, axis)
    return x < 0 || x > Double(axis.inDim - 1)
  }

  static func prepareResize(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    guard input.rank >= 1 else { throw context.error("cannot resize a scalar") }
    let elementSize = try elementBytes(input, context)
    let mode = try context.string("mode", "nearest")
    guard mode == "nearest" || mode == "linear" || mode == "cubic" else {
      throw context.error("mode '" + mode + "' is not one of nearest, linear, cubic")
    }
    // antialias stretches the linear and cubic filters when downsampling; onnxruntime and the onnx
    // reference both reject it in nearest mode.
    let antialias = context.opset >= 18 ? try context.int("antialias", 0) != 0 : false
    if antialias && mode == "nearest" {
      throw context.error("antialias=1 applies to the linear and cubic modes, not nearest")
    }
    let (coordinates, nearest) = try resizeModes(context)
    let (target, shape, listed) = try resizeTarget(context, input)
    var axes = target
    if coordinates == .tfCropAndResize { try applyRoi(context, &axes, listed) }
    let extrapolation = try context.float("extrapolation_value", 0)
    let output = try context.checkedType(input.dataType, shape)
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    for axis in 0..<input.rank where input.shape[axis] == 0 {
      throw context.error(
        "cannot resize an empty axis " + String(axis) + " to " + String(shape[axis]))
    }
    if mode == "nearest" {
      var maps: [[Int]] = []
      var extrapolates = false
      for axis in axes {
        let map = nearestMap(axis, coordinates, nearest)
        if map.contains(-1) { extrapolates = true }
        maps.append(map)
      }
      var value: [UInt8] = []
      if extrapolates {
        guard let bytes = scalarBytes(Double(extrapolation), input.dataType) else {
          throw context.unsupported(
            "extrapolation_value on " + input.dataType.name + " is not supported")
        }
        value = bytes
      }
      let plan = IndexMapPlan(
        elementSize: elementSize, inputShape: input.shape, outputShape: shape, maps: maps,
        value: value, valueInput: -1)
      if plan.isIdentity { return Prepared(.none, outputs: [output], aliasesInput: true) }
      return Prepared(.movement(MovementKernel(.indexMap(plan))), outputs: [output])
    }
    guard input.dataType == .float else {
      throw context.unsupported(
        mode + " mode on " + input.dataType.name + " is not supported (float32 only)")
    }
    return try interpolatingResize(
      context, input, output, axes, coordinates, cubic: mode == "cubic", antialias: antialias,
      extrapolation: extrapolation)
  }

  /// The coordinate transformation and nearest rounding (Resize-10 has neither attribute).
  private static func resizeModes(_ context: OpContext) throws(RuntimeError) -> (
    ResizeCoordinates, ResizeNearest
  ) {
    guard context.opset >= 11 else { return (.asymmetric, .opset10) }
    let coordinates: ResizeCoordinates
    let name = try context.string("coordinate_transformation_mode", "half_pixel")
    switch name {
    case "half_pixel": coordinates = .halfPixel
    case "half_pixel_symmetric": coordinates = .halfPixelSymmetric
    case "pytorch_half_pixel": coordinates = .pytorchHalfPixel
    case "align_corners": coordinates = .alignCorners
    case "asymmetric": coordinates = .asymmetric
    case "tf_half_pixel_for_nn": coordinates = .tfHalfPixelForNN
    case "tf_crop_and_resize": coordinates = .tfCropAndResize
    default: throw context.error("unknown coordinate_transformation_mode '" + name + "'")
    }
    let nearest: ResizeNearest
    let nearestName = try context.string("nearest_mode", "round_prefer_floor")
    switch nearestName {
    case "round_prefer_floor": nearest = .roundPreferFloor
    case "round_prefer_ceil": nearest = .roundPreferCeil
    case "floor": nearest = .floor
    case "ceil": nearest = .ceil
    default: throw context.error("unknown nearest_mode '" + nearestName + "'")
    }
    return (coordinates, nearest)
  }

  /// Every dim's `ResizeAxis` and the output shape, from the `scales` or `sizes` input along `axes`
  /// (opset 18; all dims otherwise), with the `sizes` entries adjusted by keep_aspect_ratio_policy.
  /// Also returns the resized axes in the order `axes` lists them (the order of roi's entries).
  private static func resizeTarget(_ context: OpContext, _ input: TensorType) throws(RuntimeError)
    -> ([ResizeAxis], [Int], [Int])
  {
    let rank = input.rank
    var listed = Array(0..<rank)
    if context.opset >= 18, let given = try context.ints("axes") {
      listed = try normalizedAxes(context, given, rank: rank)
    }
    var scalesGiven: [Float]?
    var sizesGiven: [Int]?
    if context.opset < 11 {
      guard let values = try context.requireConstant(1, "scales").floats() else {
        throw context.error("scales must be a float tensor")
      }
      scalesGiven = values
    } else {
      // Present but empty means absent (opset 11-12 require the scales input even with sizes).
      if context.has(2), let type = context.inputs[2], type.count > 0 {
        guard let values = try context.requireConstant(2, "scales").floats() else {
          throw context.error("scales must be a float tensor")
        }
        scalesGiven = values
      }
      if context.has(3), let type = context.inputs[3], type.count > 0 {
        sizesGiven = try context.requireIntegers(3, "sizes")
      }
    }
    var axes: [ResizeAxis] = []
    for axis in 0..<rank {
      let dim = input.shape[axis]
      axes.append(ResizeAxis(inDim: dim, outDim: dim, scale: 1, length: Double(dim)))
    }
    switch (scalesGiven, sizesGiven) {
    case (let values?, nil):
      guard values.count == listed.count else {
        throw context.error(
          "scales has " + String(values.count) + " entries for " + String(listed.count) + " axes")
      }
      for (index, axis) in listed.enumerated() {
        let scale = Double(values[index])
        guard scale > 0 && scale.isFinite else { throw context.error("scales must be positive") }
        let length = Double(input.shape[axis]) * scale
        guard length < 1e12 else { throw context.error("output is too large") }
        axes[axis].scale = scale
        axes[axis].length = length
        axes[axis].outDim = Int(length.rounded(.down))
      }
    case (nil, let values?):
      guard values.count == listed.count else {
        throw context.error(
          "sizes " + dimsText(values) + " has " + String(values.count) + " entries for "
            + String(listed.count) + " axes")
      }
      for value in values where value < 0 {
        throw context.error("sizes " + dimsText(values) + " has a negative entry")
      }
      let policy =
        context.opset >= 18 ? try context.string("keep_aspect_ratio_policy", "stretch") : "stretch"
      switch policy {
      case "stretch":
        for (index, axis) in listed.enumerated() {
          axes[axis].outDim = values[index]
          axes[axis].length = Double(values[index])
          if input.shape[axis] > 0 {
            axes[axis].scale = Double(values[index]) / Double(input.shape[axis])
          }
        }
      case "not_larger", "not_smaller":
        // One scale for every listed axis: the smallest (largest) sizes / input ratio; each output
        // length is scale * input rounded half up.
        var common = 0.0
        for (index, axis) in listed.enumerated() {
          guard input.shape[axis] > 0 else {
            throw context.error(
              "keep_aspect_ratio_policy '" + policy + "' cannot scale the empty axis "
                + String(axis))
          }
          let ratio = Double(values[index]) / Double(input.shape[axis])
          if index == 0 || (policy == "not_larger" ? ratio < common : ratio > common) {
            common = ratio
          }
        }
        guard common > 0 else {
          throw context.error(
            "sizes " + dimsText(values) + " gives keep_aspect_ratio_policy scale 0")
        }
        for axis in listed {
          let length = common * Double(input.shape[axis])
          guard length < 1e12 else { throw context.error("output is too large") }
          axes[axis].scale = common
          axes[axis].length = length
          axes[axis].outDim = Int((length + 0.5).rounded(.down))
        }
      default:
        throw context.error(
          "keep_aspect_ratio_policy '" + policy + "' is not one of stretch, not_larger, not_smaller"
        )
      }
    case (nil, nil): throw context.error("one of scales and sizes is required")
    default: throw context.error("only one of scales and sizes may be given")
    }
    return (axes, axes.map { $0.outDim }, listed)
  }

  /// tf_crop_and_resize: each resized axis's [start, end] from the load-time roi input
  /// `[starts..., ends...]`, one pair per entry of `axes` (opset 18) or per dim.
  private static func applyRoi(_ context: OpContext, _ axes: inout [ResizeAxis], _ listed: [Int])
    throws(RuntimeError)
  {
    guard context.opset >= 11, context.has(1), let type = context.inputs[1], type.count > 0 else {
      throw context.error("coordinate_transformation_mode 'tf_crop_and_resize' needs the roi input")
    }
    guard let roi = try context.requireConstant(1, "roi").floats() else {
      throw context.unsupported("roi must be a float32 or float64 tensor, got " + type.text)
    }
    guard roi.count == 2 * listed.count else {
      throw context.error(
        "roi has " + String(roi.count) + " entries, not 2 x " + String(listed.count) + " axes")
    }
    for (index, axis) in listed.enumerated() {
      let start = Double(roi[index])
      let end = Double(roi[listed.count + index])
      guard start.isFinite && end.isFinite else { throw context.error("roi must be finite") }
      axes[axis].roiStart = start
      axes[axis].roiEnd = end
    }
  }

  /// The input index each output coordinate of one dim reads in nearest mode, or -1 where
  /// tf_crop_and_resize reads outside the input (extrapolation_value).
  private static func nearestMap(
    _ axis: ResizeAxis, _ coordinates: ResizeCoordinates, _ nearest: ResizeNearest
  ) -> [Int] {
    var map: [Int] = []
    map.reserveCapacity(axis.outDim)
    for o in 0..<axis.outDim {
      if isOutside(o, coordinates, axis) {
        map.append(-1)
        continue
      }
      let x = sourceCoordinate(o, coordinates, axis)
      let low = x.rounded(.down)
      var index: Double
      switch nearest {
      case .roundPreferFloor: index = x - low <= 0.5 ? low : low + 1
      case .roundPreferCeil: index = x - low < 0.5 ? low : low + 1
      case .floor: index = low
      case .ceil: index = x.rounded(.up)
      case .opset10: index = axis.scale < 1 ? x.rounded(.up) : low
      }
      map.append(Int(Swift.min(Swift.max(index, 0), Double(axis.inDim - 1))))
    }
    return map
  }

  /// Taps of one dim: per output coordinate, `count` clamped input indices and weights (the onnx
  /// reference's neighbours and coefficients; indices past an edge repeat the edge).
  private struct ResizeTaps {
    var count: Int
    var indices: [Int] = []
    var weights: [Double] = []
  }

  /// The cubic convolution kernel of the onnx reference's antialias filter at distance `x`.
  private static func cubicKernel(_ distance: Double, _ a: Double) -> Double {
    let x = Swift.abs(distance)
    if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
    if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    return 0
  }

  /// Linear (2 taps) or cubic (4 taps) weights; with antialias and a downsampling scale the filter is
  /// stretched by 1 / scale, so `2 * ceil-ish(support / scale)` taps contribute, weighted by the
  /// filter at `(tap - x) * scale` and normalized to sum 1 (`_linear_coeffs_antialias`,
  /// `_cubic_coeffs_antialias` in the onnx reference).
  private static func interpolationTaps(
    _ axis: ResizeAxis, _ coordinates: ResizeCoordinates, cubic: Bool, antialias: Bool, a: Double,
    excludeOutside: Bool
  ) -> ResizeTaps {
    let inDim = axis.inDim
    let stretched = antialias && axis.scale < 1
    let scale = axis.scale
    // First tap relative to the input index left of x (x in (left, left + 1]), and the tap count.
    let firstTap: Int
    if stretched {
      firstTap = Int(((cubic ? -2 : -1) / scale).rounded(.down)) + 1
    } else {
      firstTap = cubic ? -1 : 0
    }
    let count = 2 - 2 * firstTap
    var taps = ResizeTaps(count: count)
    taps.indices.reserveCapacity(axis.outDim * count)
    taps.weights.reserveCapacity(axis.outDim * count)
    var w = [Double](repeating: 0, count: count)
    for o in 0..<axis.outDim {
      let x = sourceCoordinate(o, coordinates, axis)
      // ratio in (0, 1]: an integer x counts as the right end of the interval left of it.
      var left = x.rounded(.down)
      var ratio = x - left
      if ratio == 0 {
        ratio = 1
        left -= 1
      }
      if stretched {
        var total = 0.0
        for t in 0..<count {
          let distance = (Double(firstTap + t) - ratio) * scale
          w[t] = cubic ? cubicKernel(distance, a) : Swift.max(0, 1 - Swift.abs(distance))
          total += w[t]
        }
        if total != 0 { for t in 0..<count { w[t] /= total } }
      } else if cubic {
        let r = ratio
        let s = r + 1
        let u = 1 - r
        let v = 2 - r
        w[0] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
        w[1] = ((a + 2) * r - (a + 3)) * r * r + 1
        w[2] = ((a + 2) * u - (a + 3)) * u * u + 1
        w[3] = ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
      } else {
        w[0] = 1 - ratio
        w[1] = ratio
      }
      let first = Int(left) + firstTap
      if excludeOutside {
        var total = 0.0
        for t in 0..<count {
          if first + t < 0 || first + t >= inDim { w[t] = 0 }
          total += w[t]
        }
        if total != 0 { for t in 0..<count { w[t] /= total } }
      }
      for t in 0..<count {
        taps.indices.append(Swift.min(Swift.max(first + t, 0), inDim - 1))
        taps.weights.append(w[t])
      }
    }
    return taps
  }

  /// Linear or cubic Resize: the changed dims must lie within the last three.
  private static func interpolatingResize(
    _ context: OpContext, _ input: TensorType, _ output: TensorType, _ axes: [ResizeAxis],
    _ coordinates: ResizeCoordinates, cubic: Bool, antialias: Bool, extrapolation: Float
  ) throws(RuntimeError) -> Prepared {
    let rank = input.rank
    let shape = output.shape
    let a = Double(try context.float("cubic_coeff_a", -0.75))
    let excludeOutside = try context.int("exclude_outside", 0) != 0

    // nil where the dim is unchanged: same length and every output coordinate on its input coordinate.
    var tables: [ResizeTaps?] = []
    var first = rank
    for axis in axes {
      var identity = axis.inDim == axis.outDim && !(antialias && axis.scale < 1)
      if identity && axis.inDim > 1 {
        for o in 0..<axis.outDim where sourceCoordinate(o, coordinates, axis) != Double(o) {
          identity = false
          break
        }
      }
      if identity {
        tables.append(nil)
        continue
      }
      if first == rank { first = tables.count }
      tables.append(
        interpolationTaps(
          axis, coordinates, cubic: cubic, antialias: antialias, a: a,
          excludeOutside: excludeOutside))
    }
    if first == rank { return Prepared(.none, outputs: [output], aliasesInput: true) }
    guard rank - first <= 3 else {
      throw context.unsupported(
        (cubic ? "cubic" : "linear") + " resize of more than the last three dims is not supported")
    }

    // The inner three dims (unit dims in front when fewer change), their strides and tables.
    var innerIn: [Int] = []
    var innerOut: [Int] = []
    var innerTables: [ResizeTaps?] = []
    var innerAxes: [ResizeAxis?] = []
    for _ in 0..<(3 - (rank - first)) {
      innerIn.append(1)
      innerOut.append(1)
      innerTables.append(nil)
      innerAxes.append(nil)
    }
    for axis in first..<rank {
      innerIn.append(input.shape[axis])
      innerOut.append(shape[axis])
      innerTables.append(tables[axis])
      innerAxes.append(axes[axis])
    }
    let innerStrides = [innerIn[1] * innerIn[2], innerIn[2], 1]
    var offsets: [Int] = []
    var weights: [Float] = []
    var starts: [Int] = []
    var counts: [Int] = []
    var outside: [UInt8] = []
    var anyOutside = false
    for k in 0..<3 {
      starts.append(offsets.count)
      if let table = innerTables[k] {
        counts.append(table.count)
        for (index, source) in table.indices.enumerated() {
          offsets.append(source * innerStrides[k])
          weights.append(Float(table.weights[index]))
        }
      } else {
        counts.append(1)
        for o in 0..<innerOut[k] {
          offsets.append(o * innerStrides[k])
          weights.append(1)
        }
      }
      for o in 0..<innerOut[k] {
        let flag = innerAxes[k].map { isOutside(o, coordinates, $0) } ?? false
        if flag { anyOutside = true }
        outside.append(flag ? 1 : 0)
      }
    }
    let plan = InterpolatePlan(
      outer: product(input.shape, 0..<first), inPlane: innerIn[0] * innerIn[1] * innerIn[2],
      outD: innerOut[0], outH: innerOut[1], outW: innerOut[2], tapsD: counts[0], tapsH: counts[1],
      tapsW: counts[2], offsets: Storage(values: offsets), weights: Storage(values: weights),
      startH: starts[1],
      startW: starts[2], outside: anyOutside ? Storage(values: outside) : nil,
      extrapolation: extrapolation)
    return Prepared(.movement(MovementKernel(.interpolate(plan))), outputs: [output])
  }
}
