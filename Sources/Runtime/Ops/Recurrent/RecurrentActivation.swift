import CSupport

/// One of the activation functions an ONNX recurrent operator names in `activations`, with the
/// alpha and beta it takes from `activation_alpha` / `activation_beta`.
struct RecurrentActivation: Equatable {
  enum Kind: Equatable {
    case sigmoid, tanh, relu, affine, leakyRelu, thresholdedRelu, scaledTanh, hardSigmoid, elu,
      softsign, softplus
  }

  var kind: Kind
  var alpha: Float
  var beta: Float

  init(_ kind: Kind, alpha: Float = 0, beta: Float = 0) {
    self.kind = kind
    self.alpha = alpha
    self.beta = beta
  }

  static let sigmoid = RecurrentActivation(.sigmoid)
  static let tanh = RecurrentActivation(.tanh)

  @inline(__always)
  func callAsFunction(_ x: Float) -> Float {
    switch kind {
    case .sigmoid: return 1 / (1 + expf(-x))
    case .tanh: return tanhf(x)
    case .relu: return x > 0 ? x : 0
    case .affine: return alpha * x + beta
    case .leakyRelu: return x >= 0 ? x : alpha * x
    case .thresholdedRelu: return x > alpha ? x : 0
    case .scaledTanh: return alpha * tanhf(beta * x)
    case .hardSigmoid: return Swift.min(Swift.max(alpha * x + beta, 0), 1)
    case .elu: return x >= 0 ? x : alpha * expm1f(x)
    case .softsign: return x / (1 + Swift.abs(x))
    // log(1 + e^x), which is x to float precision once e^x dwarfs 1.
    case .softplus: return x > 30 ? x : log1pf(expf(x))
    }
  }

  /// The activation `name` names (compared without case, as onnxruntime does), or nil.
  static func kind(named name: [UInt8]) -> Kind? {
    var lower: [UInt8] = []
    lower.reserveCapacity(name.count)
    for byte in name { lower.append(byte >= 65 && byte <= 90 ? byte + 32 : byte) }
    switch String(decoding: lower, as: UTF8.self) {
    case "sigmoid": return .sigmoid
    case "tanh": return .tanh
    case "relu": return .relu
    case "affine": return .affine
    case "leakyrelu": return .leakyRelu
    case "thresholdedrelu": return .thresholdedRelu
    case "scaledtanh": return .scaledTanh
    case "hardsigmoid": return .hardSigmoid
    case "elu": return .elu
    case "softsign": return .softsign
    case "softplus": return .softplus
    default: return nil
    }
  }

  /// Whether the function reads alpha and beta, and the value it takes when the attribute list runs
  /// out: the defaults of the matching ONNX operators (LeakyRelu 0.01, ThresholdedRelu 1, HardSigmoid
  /// 0.2 and 0.5, Elu 1); Affine and ScaledTanh, which have no operator left, default to identity-like
  /// 1 and 0 / 1 and 1.
  static func parameters(_ kind: Kind) -> (alpha: Float?, beta: Float?) {
    switch kind {
    case .sigmoid, .tanh, .relu, .softsign, .softplus: return (nil, nil)
    case .affine: return (1, 0)
    case .leakyRelu: return (0.01, nil)
    case .thresholdedRelu: return (1, nil)
    case .scaledTanh: return (1, 1)
    case .hardSigmoid: return (0.2, 0.5)
    case .elu: return (1, nil)
    }
  }
}
