import CSupport

/// An activation applied to a product's results as they are stored, after the bias: FusedConv's
/// `activation` (ONNX Runtime's names and `activation_params`). Each kind computes exactly what the
/// element-wise operator it replaces computes, so a fused model gives the unfused model's values.
struct FloatActivation: Equatable {
  enum Kind: Equatable {
    case none
    /// `x < 0 ? 0 : x` (NaN stays NaN).
    case relu
    /// `min(max(x, a), b)` with Clip's NaN and `a > b` behaviour.
    case clip
    /// `x >= 0 ? x : a * x`.
    case leakyRelu
    /// `clamp(a * x + b, 0, 1)`.
    case hardSigmoid
    case sigmoid
    case tanh
    /// The HardSwish operator: `x * clamp(x / 6 + 0.5, 0, 1)`.
    case hardSwish
    /// HardSwish as exporters spell it with four nodes: `x * clip(x + a, b, c) / d`
    /// (Add, Clip, Mul, Div); see `ActivationFusion`.
    case hardSwishChain
  }

  var kind: Kind = .none
  var a: Float = 0
  var b: Float = 0
  var c: Float = 0
  var d: Float = 0
  /// `hardSwishChain`: 1 / d rounded, when both are normal numbers (else 0): the division is then done
  /// as a product and two fused multiply-adds where the target has them (see `divide`).
  var reciprocal: Float = 0

  static var none: FloatActivation { FloatActivation() }

  /// None, Relu and Clip are one clamp (`x < low ? low : x`, then `> high ? high`), cheap enough to
  /// apply inside every product's store; the others are applied to the stored results in a pass
  /// of their own (`apply(_:count:)`), out of line.
  var isClamp: Bool { kind == .none || kind == .relu || kind == .clip }
  var clampLow: Float {
    kind == .relu ? 0 : kind == .clip ? a : -Float.infinity
  }
  var clampHigh: Float { kind == .clip ? b : Float.infinity }

  init(_ kind: Kind = .none, _ a: Float = 0, _ b: Float = 0, _ c: Float = 0, _ d: Float = 0) {
    self.kind = kind
    self.a = a
    self.b = b
    self.c = c
    self.d = d
    if kind == .hardSwishChain && d.isNormal && (1 / d).isNormal { reciprocal = 1 / d }
  }

  /// FusedConv's attributes: nil when the name is not an activation onnx-quant implements or the
  /// parameters do not fit it.
  init?(name: String, parameters: [Float]) {
    switch name {
    case "", "Identity":
      self.init()
    case "Relu":
      self.init(.relu)
    case "Clip":
      guard parameters.count == 2 else { return nil }
      self.init(.clip, parameters[0], parameters[1])
    case "LeakyRelu":
      guard parameters.count <= 1 else { return nil }
      self.init(.leakyRelu, parameters.first ?? 0.01)
    case "HardSigmoid":
      guard parameters.count == 0 || parameters.count == 2 else { return nil }
      self.init(.hardSigmoid, parameters.count == 2 ? parameters[0] : 0.2, parameters.count == 2 ? parameters[1] : 0.5)
    case "Sigmoid":
      self.init(.sigmoid)
    case "Tanh":
      self.init(.tanh)
    case "HardSwish":
      if parameters.isEmpty {
        self.init(.hardSwish)
      } else if parameters.count == 4 {
        self.init(.hardSwishChain, parameters[0], parameters[1], parameters[2], parameters[3])
      } else {
        return nil
      }
    default:
      return nil
    }
  }

  @inline(__always)
  static func clamp(_ x: Float, _ low: Float, _ high: Float) -> Float {
    let raised = x < low ? low : x
    return raised > high ? high : raised
  }

  @inline(__always)
  func apply(_ x: Float) -> Float {
    switch kind {
    case .none: return x
    case .relu: return x < 0 ? 0 : x
    case .clip: return FloatActivation.clamp(x, a, b)
    case .leakyRelu: return x >= 0 ? x : a * x
    case .hardSigmoid:
      let y = a * x + b
      return y < 0 ? 0 : (y > 1 ? 1 : y)
    case .sigmoid: return 1 / (1 + expf(-x))
    case .tanh: return tanhf(x)
    case .hardSwish:
      let y = x * Float(1.0 / 6.0) + 0.5
      return x * (y < 0 ? 0 : (y > 1 ? 1 : y))
    case .hardSwishChain:
      return x * FloatActivation.clamp(x + a, b, c) / d
    }
  }

  /// `mask ? a : b` per lane. The standard library's `replacing(with:where:)` is a loop over the lanes
  /// in SIL, large enough to stop the kernels that use it from being inlined; this is wrapping integer
  /// arithmetic on the bit patterns, which LLVM turns into a blend, or a min/max for a clamp.
  @inline(__always)
  static func select(
    _ mask: SIMDMask<FloatGemm.Vector.MaskStorage>, _ a: FloatGemm.Vector, _ b: FloatGemm.Vector
  ) -> FloatGemm.Vector {
    typealias Bits = FloatGemm.Vector.MaskStorage
    let m = unsafeBitCast(mask, to: Bits.self)
    let ai = unsafeBitCast(a, to: Bits.self)
    let bi = unsafeBitCast(b, to: Bits.self)
    return unsafeBitCast(bi &+ (ai &- bi) &* (Bits() &- m), to: FloatGemm.Vector.self)
  }

  @inline(__always)
  static func clamp(_ x: FloatGemm.Vector, _ low: Float, _ high: Float) -> FloatGemm.Vector {
    let raised = select(x .< low, FloatGemm.Vector(repeating: low), x)
    return select(raised .> high, FloatGemm.Vector(repeating: high), raised)
  }

  @inline(__always)
  func apply(_ x: FloatGemm.Vector) -> FloatGemm.Vector {
    typealias Vector = FloatGemm.Vector
    switch kind {
    case .none: return x
    case .relu: return FloatActivation.select(x .< 0, Vector(), x)
    case .clip: return FloatActivation.clamp(x, a, b)
    case .leakyRelu: return FloatActivation.select(x .>= 0, x, x * a)
    case .hardSigmoid:
      let y = x * a + Vector(repeating: b)
      return FloatActivation.clamp(y, 0, 1)
    case .hardSwish:
      let y = x * Float(1.0 / 6.0) + Vector(repeating: 0.5)
      return x * FloatActivation.clamp(y, 0, 1)
    case .hardSwishChain:
      return divide(x * FloatActivation.clamp(x + a, b, c))
    case .sigmoid, .tanh:
      return applyByLane(x)
    }
  }

  /// `t / d`, correctly rounded. With fused multiply-adds, Markstein's correction of the product by the
  /// rounded reciprocal: q = t * (1/d), u = q * d - t (exact), q - u * (1/d) is the correctly rounded
  /// quotient whenever it is a normal number or zero (checked over every float for d = 3 and 6, with
  /// clang); infinities and NaN keep q. A division takes several times as long (vdivps).
  @inline(__always)
  func divide(_ t: FloatGemm.Vector) -> FloatGemm.Vector {
    typealias Vector = FloatGemm.Vector
    #if arch(arm64) || ONNXQ_FMA
      if reciprocal != 0 {
        // `t * -1`, not `-t`: the standard library negates vectors as `0 - t`, which loses -0.
        let q = t * reciprocal
        let u = (t * -1).addingProduct(q, Vector(repeating: d))
        let result = q.addingProduct(u, Vector(repeating: -reciprocal))
        return FloatActivation.select(q * 0 .== 0, result, q)
      }
    #endif
    return t / Vector(repeating: d)
  }

  /// Sigmoid and Tanh, one lane at a time through the C library (kept out of the callers' loops).
  @inline(never)
  func applyByLane(_ x: FloatGemm.Vector) -> FloatGemm.Vector {
    var result = x
    for lane in 0..<FloatGemm.Vector.scalarCount { result[lane] = apply(x[lane]) }
    return result
  }

  /// Applies the activation to `count` floats in place.
  @inline(never)
  func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
    // One loop per kind, the kind a constant in each (the switch in `apply` folds away).
    switch kind {
    case .none: return
    case .relu, .clip: applyLoop(.clip, values, count)
    case .leakyRelu: applyLoop(.leakyRelu, values, count)
    case .hardSigmoid: applyLoop(.hardSigmoid, values, count)
    case .hardSwish: applyLoop(.hardSwish, values, count)
    case .hardSwishChain: applyLoop(.hardSwishChain, values, count)
    case .sigmoid, .tanh: applyLoop(kind, values, count)
    }
  }

  @inline(__always)
  func applyLoop(_ constant: Kind, _ values: UnsafeMutablePointer<Float>, _ count: Int) {
    var activation = self
    if constant == .clip {
      activation = FloatActivation(.clip, clampLow, clampHigh)
    } else {
      activation.kind = constant
    }
    let lanes = FloatGemm.nr
    var index = 0
    while index + lanes <= count {
      FloatGemm.store(activation.apply(FloatGemm.load(values + index)), values + index)
      index += lanes
    }
    while index < count {
      values[index] = activation.apply(values[index])
      index += 1
    }
  }
}

extension FloatActivation {
  @inline(__always)
  func applyRows(_ constant: Kind, _ c: UnsafeMutablePointer<Float>, _ rows: Int, _ rowStride: Int) {
    var activation = self
    if constant == .clip {
      activation = FloatActivation(.clip, clampLow, clampHigh)
    } else {
      activation.kind = constant
    }
    var p = c
    for _ in 0..<rows {
      FloatGemm.store(activation.apply(FloatGemm.load(p)), p)
      p += rowStride
    }
  }

  /// Applies the activation in place to `rows` rows of lanes `laneStart..<laneEnd` of a tile of C
  /// (`rowStride` and `laneStride` floats apart).
  @inline(never)
  func apply(
    _ c: UnsafeMutablePointer<Float>, rows: Int, rowStride: Int, laneStride: Int, laneStart: Int, laneEnd: Int
  ) {
    if kind == .none { return }
    if laneStride == 1 && laneStart == 0 && laneEnd == FloatGemm.nr {
      switch kind {
      case .none: return
      case .relu, .clip: applyRows(.clip, c, rows, rowStride)
      case .leakyRelu: applyRows(.leakyRelu, c, rows, rowStride)
      case .hardSigmoid: applyRows(.hardSigmoid, c, rows, rowStride)
      case .hardSwish: applyRows(.hardSwish, c, rows, rowStride)
      case .hardSwishChain: applyRows(.hardSwishChain, c, rows, rowStride)
      case .sigmoid, .tanh: applyRows(kind, c, rows, rowStride)
      }
    } else if laneStride == 1 {
      for row in 0..<rows { apply(c + row * rowStride + laneStart, count: laneEnd - laneStart) }
    } else if rowStride == 1 {
      for lane in laneStart..<laneEnd { apply(c + lane * laneStride, count: rows) }
    } else {
      for row in 0..<rows {
        for lane in laneStart..<laneEnd {
          let p = c + row * rowStride + lane * laneStride
          p[0] = apply(p[0])
        }
      }
    }
  }
}
