import ONNXFormat

/// Linear and cubic Resize on float32. The resized dims are the last three (`D`, `H`, `W`; missing ones
/// are size 1); every leading dim is unchanged and folds into `outer`. Each output coordinate of each
/// inner dim has `taps` input offsets and weights (1 tap for an unchanged dim), computed at load, so
/// run only gathers and sums.
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

  /// Each output row (fixed D and H coordinates) is the weighted sum, over its D × H taps, of one
  /// input row resampled along W; the output row itself is the accumulator.
  func run(_ buffers: StepBuffers) {
    let input = buffers.inputs[0].unsafelyUnwrapped.assumingMemoryBound(to: Float.self)
    var output = buffers.outputs[0].assumingMemoryBound(to: Float.self)
    let offset = UnsafePointer(offsets.typed(Int.self))
    let weight = UnsafePointer(weights.typed(Float.self))
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
  }

  enum ResizeNearest {
    case roundPreferFloor, roundPreferCeil, floor, ceil
    /// Resize-10: floor when upsampling, ceil when downsampling (onnxruntime's behaviour).
    case opset10
  }

  /// The input coordinate output coordinate `o` maps to along one dim.
  static func sourceCoordinate(
    _ o: Int, _ mode: ResizeCoordinates, inDim: Int, outDim: Int, scale: Double
  ) -> Double {
    let x = Double(o)
    switch mode {
    case .halfPixel: return (x + 0.5) / scale - 0.5
    case .halfPixelSymmetric:
      let outputWidth = scale * Double(inDim)
      let adjustment = Double(outDim) / outputWidth
      let center = Double(inDim) / 2
      return center * (1 - adjustment) + (x + 0.5) / scale - 0.5
    case .pytorchHalfPixel: return outDim > 1 ? (x + 0.5) / scale - 0.5 : 0
    case .alignCorners: return outDim == 1 ? 0 : x * Double(inDim - 1) / Double(outDim - 1)
    case .asymmetric: return x / scale
    case .tfHalfPixelForNN: return (x + 0.5) / scale
    }
  }

  static func prepareResize(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    guard input.rank >= 1 else { throw context.error("cannot resize a scalar") }
    let elementSize = try elementBytes(input, context)
    let mode = try context.string("mode", "nearest")
    guard mode == "nearest" || mode == "linear" || mode == "cubic" else {
      throw context.error("mode '" + mode + "' is not one of nearest, linear, cubic")
    }
    let antialias = context.opset >= 18 ? try context.int("antialias", 0) : 0
    if antialias != 0 { throw context.unsupported("antialias=1 is not supported") }
    let (coordinates, nearest) = try resizeModes(context)
    let (scales, shape) = try resizeTarget(context, input)
    let output = try context.checkedType(input.dataType, shape)
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    for axis in 0..<input.rank where input.shape[axis] == 0 {
      throw context.error(
        "cannot resize an empty axis " + String(axis) + " to " + String(shape[axis]))
    }
    if mode == "nearest" {
      var maps: [[Int]] = []
      for axis in 0..<input.rank {
        maps.append(
          nearestMap(
            inDim: input.shape[axis], outDim: shape[axis], scale: scales[axis], coordinates, nearest
          ))
      }
      let plan = IndexMapPlan(
        elementSize: elementSize, inputShape: input.shape, outputShape: shape, maps: maps,
        value: [], valueInput: -1)
      if plan.isIdentity { return Prepared(.none, outputs: [output], aliasesInput: true) }
      return Prepared(.movement(MovementKernel(.indexMap(plan))), outputs: [output])
    }
    guard input.dataType == .float else {
      throw context.unsupported(
        mode + " mode on " + input.dataType.name + " is not supported (float32 only)")
    }
    return try interpolatingResize(
      context, input, output, scales, coordinates, cubic: mode == "cubic")
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
    case "tf_crop_and_resize":
      throw context.unsupported(
        "coordinate_transformation_mode 'tf_crop_and_resize' is not supported")
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

  /// Per-dim scales (as the coordinate transforms use them) and the output shape, from the `scales`
  /// or `sizes` input along `axes` (opset 18; all dims otherwise).
  private static func resizeTarget(_ context: OpContext, _ input: TensorType) throws(RuntimeError)
    -> ([Double], [Int])
  {
    let rank = input.rank
    var axes = Array(0..<rank)
    if context.opset >= 18, let given = try context.ints("axes") {
      axes = try normalizedAxes(context, given, rank: rank)
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
    var scales = [Double](repeating: 1, count: rank)
    var shape = input.shape
    switch (scalesGiven, sizesGiven) {
    case (let values?, nil):
      guard values.count == axes.count else {
        throw context.error(
          "scales has " + String(values.count) + " entries for " + String(axes.count) + " axes")
      }
      for (index, axis) in axes.enumerated() {
        let scale = Double(values[index])
        guard scale > 0 && scale.isFinite else { throw context.error("scales must be positive") }
        let size = (Double(input.shape[axis]) * scale).rounded(.down)
        guard size < 1e12 else { throw context.error("output is too large") }
        scales[axis] = scale
        shape[axis] = Int(size)
      }
    case (nil, let values?):
      guard values.count == axes.count else {
        throw context.error(
          "sizes " + dimsText(values) + " has " + String(values.count) + " entries for "
            + String(axes.count) + " axes")
      }
      if context.opset >= 18 {
        let policy = try context.string("keep_aspect_ratio_policy", "stretch")
        guard policy == "stretch" else {
          throw context.unsupported("keep_aspect_ratio_policy '" + policy + "' is not supported")
        }
      }
      for (index, axis) in axes.enumerated() {
        guard values[index] >= 0 else {
          throw context.error("sizes " + dimsText(values) + " has a negative entry")
        }
        shape[axis] = values[index]
        if input.shape[axis] > 0 {
          scales[axis] = Double(values[index]) / Double(input.shape[axis])
        }
      }
    case (nil, nil): throw context.error("one of scales and sizes is required")
    default: throw context.error("only one of scales and sizes may be given")
    }
    return (scales, shape)
  }

  /// The input index each output coordinate of one dim reads in nearest mode.
  private static func nearestMap(
    inDim: Int, outDim: Int, scale: Double, _ coordinates: ResizeCoordinates,
    _ nearest: ResizeNearest
  ) -> [Int] {
    var map: [Int] = []
    map.reserveCapacity(outDim)
    for o in 0..<outDim {
      let x = sourceCoordinate(o, coordinates, inDim: inDim, outDim: outDim, scale: scale)
      let low = x.rounded(.down)
      var index: Double
      switch nearest {
      case .roundPreferFloor: index = x - low <= 0.5 ? low : low + 1
      case .roundPreferCeil: index = x - low < 0.5 ? low : low + 1
      case .floor: index = low
      case .ceil: index = x.rounded(.up)
      case .opset10: index = scale < 1 ? x.rounded(.up) : low
      }
      map.append(Int(Swift.min(Swift.max(index, 0), Double(inDim - 1))))
    }
    return map
  }

  /// Taps of one dim in linear (2) or cubic (4) mode: per output coordinate, clamped input indices and
  /// weights (the onnx reference's neighbours and coefficients; indices past an edge repeat the edge).
  private struct ResizeTaps {
    var count: Int
    var indices: [Int] = []
    var weights: [Double] = []
  }

  private static func interpolationTaps(
    inDim: Int, outDim: Int, scale: Double, _ coordinates: ResizeCoordinates, cubic: Bool,
    a: Double,
    excludeOutside: Bool
  ) -> ResizeTaps {
    var taps = ResizeTaps(count: cubic ? 4 : 2)
    for o in 0..<outDim {
      let x = sourceCoordinate(o, coordinates, inDim: inDim, outDim: outDim, scale: scale)
      let low = x.rounded(.down)
      let r = x - low
      var w: [Double]
      if cubic {
        let s = r + 1
        let t = 1 - r
        let u = 2 - r
        w = [
          ((a * s - 5 * a) * s + 8 * a) * s - 4 * a,
          ((a + 2) * r - (a + 3)) * r * r + 1,
          ((a + 2) * t - (a + 3)) * t * t + 1,
          ((a * u - 5 * a) * u + 8 * a) * u - 4 * a,
        ]
      } else {
        w = [1 - r, r]
      }
      let first = Int(low) - (cubic ? 1 : 0)
      if excludeOutside {
        var total = 0.0
        for t in 0..<taps.count {
          if first + t < 0 || first + t >= inDim { w[t] = 0 }
          total += w[t]
        }
        if total != 0 { for t in 0..<taps.count { w[t] /= total } }
      }
      for t in 0..<taps.count {
        taps.indices.append(Swift.min(Swift.max(first + t, 0), inDim - 1))
        taps.weights.append(w[t])
      }
    }
    return taps
  }

  /// Linear or cubic Resize: the changed dims must lie within the last three.
  private static func interpolatingResize(
    _ context: OpContext, _ input: TensorType, _ output: TensorType, _ scales: [Double],
    _ coordinates: ResizeCoordinates, cubic: Bool
  ) throws(RuntimeError) -> Prepared {
    let rank = input.rank
    let shape = output.shape
    let a = Double(try context.float("cubic_coeff_a", -0.75))
    let excludeOutside = try context.int("exclude_outside", 0) != 0

    // nil where the dim is unchanged: same length and every output coordinate on its input coordinate.
    var tables: [ResizeTaps?] = []
    var first = rank
    for axis in 0..<rank {
      let inDim = input.shape[axis]
      let outDim = shape[axis]
      var identity = inDim == outDim
      if identity && inDim > 1 {
        for o in 0..<outDim
        where sourceCoordinate(o, coordinates, inDim: inDim, outDim: outDim, scale: scales[axis])
          != Double(o)
        {
          identity = false
          break
        }
      }
      if identity {
        tables.append(nil)
        continue
      }
      if first == rank { first = axis }
      tables.append(
        interpolationTaps(
          inDim: inDim, outDim: outDim, scale: scales[axis], coordinates, cubic: cubic, a: a,
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
    for _ in 0..<(3 - (rank - first)) {
      innerIn.append(1)
      innerOut.append(1)
      innerTables.append(nil)
    }
    for axis in first..<rank {
      innerIn.append(input.shape[axis])
      innerOut.append(shape[axis])
      innerTables.append(tables[axis])
    }
    let innerStrides = [innerIn[1] * innerIn[2], innerIn[2], 1]
    var offsets: [Int] = []
    var weights: [Float] = []
    var starts: [Int] = []
    var counts: [Int] = []
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
    }
    let plan = InterpolatePlan(
      outer: product(input.shape, 0..<first), inPlane: innerIn[0] * innerIn[1] * innerIn[2],
      outD: innerOut[0], outH: innerOut[1], outW: innerOut[2], tapsD: counts[0], tapsH: counts[1],
      tapsW: counts[2], offsets: Storage(values: offsets), weights: Storage(values: weights),
      startH: starts[1],
      startW: starts[2])
    return Prepared(.movement(MovementKernel(.interpolate(plan))), outputs: [output])
  }
}
