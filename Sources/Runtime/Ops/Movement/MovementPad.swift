import ONNXFormat

// Pad: constant, reflect, edge and wrap modes. Negative pads crop first, then the remaining pads are
// applied to the cropped tensor (onnxruntime's order), so reflect and edge read the cropped border.
extension MovementOps {
  enum PadMode { case constant, reflect, edge, wrap }

  static func preparePad(_ context: OpContext) throws(RuntimeError) -> Prepared {
    let input = try context.input(0)
    let rank = input.rank
    let elementSize = try elementBytes(input, context)
    let modeName = try context.string("mode", "constant")
    let mode: PadMode
    switch modeName {
    case "constant": mode = .constant
    case "reflect": mode = .reflect
    case "edge": mode = .edge
    case "wrap": mode = .wrap
    default: throw context.unsupported("mode '" + modeName + "' is not supported")
    }

    var pads: [Int]
    var value: [UInt8] = [UInt8](repeating: 0, count: elementSize)
    var valueInput = -1
    var axes = Array(0..<rank)
    if context.opset < 11 {
      guard let given = try context.ints(context.opset < 2 ? "paddings" : "pads") else {
        throw context.error("attribute 'pads' is required")
      }
      pads = given
      let number = try context.float("value", 0)
      guard let bytes = scalarBytes(Double(number), input.dataType) else {
        throw context.unsupported("a pad value for " + input.dataType.name + " is not supported")
      }
      value = bytes
    } else {
      pads = try context.requireIntegers(1, "pads")
      if context.has(2) {
        let valueType = try context.input(2)
        guard valueType.dataType == input.dataType else {
          throw context.error(
            "constant_value is " + valueType.dataType.name + ", data is " + input.dataType.name)
        }
        if let constant = context.constant(2) {
          if constant.type.count > 0 {
            value = Array(
              UnsafeRawBufferPointer(start: constant.storage.pointer, count: elementSize))
          }
        } else {
          guard valueType.count >= 1 else { throw context.error("constant_value is empty") }
          valueInput = 2
        }
      }
      if context.opset >= 18 && context.has(3) {
        axes = try normalizedAxes(context, try context.requireIntegers(3, "axes"), rank: rank)
      }
    }
    guard pads.count == 2 * axes.count else {
      throw context.error(
        "pads " + dimsText(pads) + " must hold 2 entries per axis (" + String(axes.count) + " axes)"
      )
    }
    var begins = [Int](repeating: 0, count: rank)
    var ends = [Int](repeating: 0, count: rank)
    for (index, axis) in axes.enumerated() {
      begins[axis] = pads[index]
      ends[axis] = pads[axes.count + index]
    }

    var shape: [Int] = []
    var maps: [[Int]] = []
    for axis in 0..<rank {
      let dim = input.shape[axis]
      let low = Swift.max(-begins[axis], 0)
      let kept = dim - low - Swift.max(-ends[axis], 0)
      guard kept >= 0 else {
        throw context.error(
          "pads " + dimsText(pads) + " crop more than dim " + String(dim) + " of axis "
            + String(axis))
      }
      let before = Swift.max(begins[axis], 0)
      let count = kept + before + Swift.max(ends[axis], 0)
      if count > kept && kept == 0 && mode != .constant {
        throw context.error(
          "cannot pad an empty axis " + String(axis) + " in " + modeName + " mode")
      }
      var map: [Int] = []
      map.reserveCapacity(count)
      for o in 0..<count {
        let c = o - before
        if c >= 0 && c < kept {
          map.append(low + c)
          continue
        }
        switch mode {
        case .constant:
          map.append(-1)
        case .edge:
          map.append(low + Swift.min(Swift.max(c, 0), kept - 1))
        case .wrap:
          let r = c % kept
          map.append(low + (r < 0 ? r + kept : r))
        case .reflect:
          if kept == 1 {
            map.append(low)
          } else {
            let period = 2 * (kept - 1)
            var r = c % period
            if r < 0 { r += period }
            map.append(low + (r < kept ? r : period - r))
          }
        }
      }
      shape.append(count)
      maps.append(map)
    }
    let output = try context.checkedType(input.dataType, shape)
    if output.count == 0 { return Prepared(.none, outputs: [output]) }
    let plan = IndexMapPlan(
      elementSize: elementSize, inputShape: input.shape, outputShape: shape, maps: maps,
      value: value,
      valueInput: valueInput)
    if plan.isIdentity { return Prepared(.none, outputs: [output], aliasesInput: true) }
    return Prepared(.movement(MovementKernel(.indexMap(plan))), outputs: [output])
  }
}
