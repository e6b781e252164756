import ONNXFormat

/// How a kernel window walks an image: the image element a tap reads (Conv, im2col) or writes
/// (ConvTranspose, col2im) is `grid * stride - pad + tap * dilation` on every spatial axis.
/// Spatial axes are always three (D, H, W); 1-D and 2-D convolutions have leading axes of size 1.
struct ConvWindow {
  var imageD = 1, imageH = 1, imageW = 1
  var gridD = 1, gridH = 1, gridW = 1
  var kernelD = 1, kernelH = 1, kernelW = 1
  var strideD = 1, strideH = 1, strideW = 1
  var dilationD = 1, dilationH = 1, dilationW = 1
  /// Padding before the first element; negative only for a ConvTranspose whose output_shape
  /// asks for more than the natural size.
  var padD = 0, padH = 0, padW = 0

  var imageSize: Int { imageD * imageH * imageW }
  var gridSize: Int { gridD * gridH * gridW }
  var taps: Int { kernelD * kernelH * kernelW }

  /// The grid positions `g` in `0..<grid` whose image index `g * stride + offset` is in `0..<image`.
  @inline(__always)
  static func validRange(offset: Int, stride: Int, grid: Int, image: Int) -> (lower: Int, upper: Int) {
    var lower: Int
    var upper: Int
    if stride == 1 {
      lower = max(0, -offset)
      upper = max(0, image - offset)
    } else {
      lower = offset >= 0 ? 0 : (-offset + stride - 1) / stride
      upper = image - 1 - offset < 0 ? 0 : (image - 1 - offset) / stride + 1
    }
    lower = min(lower, grid)
    upper = min(upper, grid)
    return (lower, max(lower, upper))
  }
}

/// `auto_pad` of Conv and ConvTranspose.
enum AutoPad {
  case notSet, sameUpper, sameLower, valid
}

/// The attributes Conv and ConvTranspose share, checked against the spatial rank.
struct ConvAttributes {
  var kernel: [Int]
  var strides: [Int]
  var dilations: [Int]
  /// Begin pads then end pads, one per spatial axis each.
  var pads: [Int]
  var autoPad: AutoPad
  var group: Int

  /// Reads the attributes for a node whose weight has spatial dims `kernel`.
  init(_ context: OpContext, kernel: [Int]) throws(RuntimeError) {
    let rank = kernel.count
    self.kernel = kernel
    if let declared = try context.ints("kernel_shape"), declared != kernel {
      throw context.error(
        "kernel_shape " + dimsText(declared) + " does not match the weight's spatial dims " + dimsText(kernel))
    }
    strides = try ConvAttributes.list(context, "strides", count: rank, fallback: 1, minimum: 1)
    dilations = try ConvAttributes.list(context, "dilations", count: rank, fallback: 1, minimum: 1)
    pads = try ConvAttributes.list(context, "pads", count: 2 * rank, fallback: 0, minimum: 0)
    switch try context.string("auto_pad", "NOTSET") {
    case "NOTSET", "": autoPad = .notSet
    case "SAME_UPPER": autoPad = .sameUpper
    case "SAME_LOWER": autoPad = .sameLower
    case "VALID": autoPad = .valid
    case let other: throw context.error("auto_pad '" + other + "' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
    }
    group = try context.int("group", 1)
    guard group >= 1 else { throw context.error("group must be 1 or more, got " + String(group)) }
  }

  static func list(_ context: OpContext, _ name: String, count: Int, fallback: Int, minimum: Int)
    throws(RuntimeError) -> [Int]
  {
    guard let values = try context.ints(name) else { return [Int](repeating: fallback, count: count) }
    guard values.count == count else {
      throw context.error(
        name + " has " + String(values.count) + " values; " + String(count) + " expected for "
          + String(count / (name == "pads" ? 2 : 1)) + " spatial axes")
    }
    for value in values where value < minimum {
      throw context.error(name + " " + dimsText(values) + " must be " + String(minimum) + " or more")
    }
    return values
  }

  /// Floor division (Python's `//`), for paddings that may be negative.
  static func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
  }

  /// Conv: output sizes and begin pads for input spatial sizes `input`.
  func convOutput(_ context: OpContext, input: [Int]) throws(RuntimeError) -> (shape: [Int], padsBegin: [Int]) {
    var shape: [Int] = []
    var begins: [Int] = []
    for axis in 0..<kernel.count {
      let size = input[axis]
      let stride = strides[axis]
      let extent = (kernel[axis] - 1) * dilations[axis] + 1
      switch autoPad {
      case .notSet, .valid:
        let begin = autoPad == .valid ? 0 : pads[axis]
        let end = autoPad == .valid ? 0 : pads[axis + kernel.count]
        let span = size + begin + end - extent
        guard span >= 0 else {
          throw context.error(
            "the kernel (extent " + String(extent) + " on spatial axis " + String(axis) + ") is larger than the "
              + "padded input (" + String(size + begin + end) + ")")
        }
        shape.append(span / stride + 1)
        begins.append(begin)
      case .sameUpper, .sameLower:
        let out = (size + stride - 1) / stride
        let total = max(0, (out - 1) * stride + extent - size)
        shape.append(out)
        begins.append(autoPad == .sameUpper ? total / 2 : total - total / 2)
      }
    }
    return (shape, begins)
  }

  /// ConvTranspose: output sizes and begin pads for input spatial sizes `input`, per the ONNX
  /// definition (output_shape, when given, decides the pads; SAME_* make `input * stride`).
  func transposeOutput(_ context: OpContext, input: [Int]) throws(RuntimeError) -> (shape: [Int], padsBegin: [Int]) {
    let rank = kernel.count
    let outputPadding = try ConvAttributes.list(context, "output_padding", count: rank, fallback: 0, minimum: 0)
    for axis in 0..<rank where outputPadding[axis] >= max(strides[axis], dilations[axis]) {
      throw context.error(
        "output_padding " + dimsText(outputPadding) + " must be less than the stride or the dilation on each axis")
    }
    var requested: [Int]? = nil
    if let values = try context.ints("output_shape") {
      // The spec gives spatial dims only; some exporters include batch and channels.
      if values.count == rank {
        requested = values
      } else if values.count == rank + 2 {
        requested = Array(values[2...])
      } else {
        throw context.error(
          "output_shape " + dimsText(values) + " must have " + String(rank) + " spatial dims")
      }
    }
    var shape: [Int] = []
    var begins: [Int] = []
    for axis in 0..<rank {
      let extent = (kernel[axis] - 1) * dilations[axis] + 1
      let natural = strides[axis] * (input[axis] - 1) + outputPadding[axis] + extent
      var out: Int
      var begin: Int
      if let requested = requested {
        out = requested[axis]
        let total = natural - out
        begin =
          autoPad == .sameUpper ? ConvAttributes.floorDivide(total, 2) : total - ConvAttributes.floorDivide(total, 2)
      } else {
        switch autoPad {
        case .sameUpper, .sameLower:
          out = input[axis] * strides[axis]
          let total = natural - out
          begin =
            autoPad == .sameUpper ? ConvAttributes.floorDivide(total, 2) : total - ConvAttributes.floorDivide(total, 2)
        case .valid:
          out = natural
          begin = 0
        case .notSet:
          begin = pads[axis]
          out = natural - pads[axis] - pads[axis + rank]
        }
      }
      guard out >= 1 else {
        throw context.error("output size " + String(out) + " on spatial axis " + String(axis) + " is not positive")
      }
      shape.append(out)
      begins.append(begin)
    }
    return (shape, begins)
  }

  /// A window with the spatial axes right-aligned into D, H, W.
  func window(image: [Int], grid: [Int], padsBegin: [Int]) -> ConvWindow {
    var window = ConvWindow()
    let rank = kernel.count
    func at(_ values: [Int], _ axis: Int, _ fallback: Int) -> Int {
      let index = axis - (3 - rank)
      return index >= 0 ? values[index] : fallback
    }
    window.imageD = at(image, 0, 1)
    window.imageH = at(image, 1, 1)
    window.imageW = at(image, 2, 1)
    window.gridD = at(grid, 0, 1)
    window.gridH = at(grid, 1, 1)
    window.gridW = at(grid, 2, 1)
    window.kernelD = at(kernel, 0, 1)
    window.kernelH = at(kernel, 1, 1)
    window.kernelW = at(kernel, 2, 1)
    window.strideD = at(strides, 0, 1)
    window.strideH = at(strides, 1, 1)
    window.strideW = at(strides, 2, 1)
    window.dilationD = at(dilations, 0, 1)
    window.dilationH = at(dilations, 1, 1)
    window.dilationW = at(dilations, 2, 1)
    window.padD = at(padsBegin, 0, 0)
    window.padH = at(padsBegin, 1, 0)
    window.padW = at(padsBegin, 2, 0)
    return window
  }
}
