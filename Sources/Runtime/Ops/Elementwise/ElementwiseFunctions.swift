import CSupport

// The per-element functions. Each is a small struct so every loop is specialised and inlined per
// operator and element type; parameters (alpha, clip bounds) are stored fields read once per run.

protocol BinaryFunction {
  associatedtype Left
  associatedtype Right
  associatedtype Result
  func callAsFunction(_ a: Left, _ b: Right) -> Result
}

protocol UnaryFunction {
  associatedtype Operand
  associatedtype Result
  func callAsFunction(_ x: Operand) -> Result
}

// MARK: - Binary arithmetic

struct AddFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewAdd(a, b) }
}

struct SubFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewSub(a, b) }
}

struct MulFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewMul(a, b) }
}

struct DivFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewDiv(a, b) }
}

struct ModFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewMod(a, b) }
}

struct FmodFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewFmod(a, b) }
}

struct MaxFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewMax(a, b) }
}

struct MinFunction<T: NumericElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.ewMin(a, b) }
}

/// Pow of a float base by a float exponent of either float type.
struct PowFunction<T: FloatElement & BinaryFloatingPoint, X: BinaryFloatingPoint>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: X) -> T { T.ewPow(a, T(b)) }
}

/// Pow of a float base by an integer exponent.
struct PowByIntegerFunction<T: FloatElement & BinaryFloatingPoint, X: BinaryInteger>: BinaryFunction
{
  @inline(__always) func callAsFunction(_ a: T, _ b: X) -> T { T.ewPow(a, T(b)) }
}

/// Pow of a signed integer base by a float exponent, computed in float64 and truncated toward zero
/// like numpy's `power(x, y).astype(x.dtype)`.
struct IntegerPowByFloatFunction<T: FixedWidthInteger & SignedInteger, X: BinaryFloatingPoint>:
  BinaryFunction
{
  @inline(__always) func callAsFunction(_ a: T, _ b: X) -> T {
    let value = pow(Double(a), Double(b))
    return T.bitWidth <= 32
      ? T(truncatingIfNeeded: integerBits32(value)) : T(truncatingIfNeeded: integerBits(value))
  }
}

/// Pow of a signed integer base by an integer exponent, by repeated squaring with wrapping
/// multiplication. A negative exponent gives the truncated quotient: 1 for base 1, +-1 for base -1,
/// else 0 (0 also for base 0, where numpy raises and ONNX Runtime's result is undefined).
struct IntegerPowFunction<T: FixedWidthInteger & SignedInteger, X: FixedWidthInteger>:
  BinaryFunction
{
  @inline(__always) func callAsFunction(_ a: T, _ b: X) -> T {
    if b < 0 {
      if a == 1 { return 1 }
      if a == -1 { return b & 1 == 0 ? 1 : -1 }
      return 0
    }
    var result: T = 1
    var base = a
    var exponent = b
    while exponent > 0 {
      if exponent & 1 == 1 { result = result &* base }
      exponent >>= 1
      if exponent > 0 { base = base &* base }
    }
    return result
  }
}

/// PRelu: `x` when non-negative, else `slope * x`.
struct PReluFunction<T: FloatElement>: BinaryFunction {
  @inline(__always) func callAsFunction(_ x: T, _ slope: T) -> T {
    x < T.ewZero ? T.ewMul(slope, x) : x
  }
}

// MARK: - Comparisons and logic (bool output, one byte 0 or 1)

struct EqualFunction<T: Equatable>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { a == b ? 1 : 0 }
}

struct LessFunction<T: Comparable>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { a < b ? 1 : 0 }
}

struct GreaterFunction<T: Comparable>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { a > b ? 1 : 0 }
}

struct LessOrEqualFunction<T: Comparable>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { a <= b ? 1 : 0 }
}

struct GreaterOrEqualFunction<T: Comparable>: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: T, _ b: T) -> UInt8 { a >= b ? 1 : 0 }
}

struct BoolEqualFunction: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 {
    (a != 0) == (b != 0) ? 1 : 0
  }
}

struct AndFunction: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 {
    a != 0 && b != 0 ? 1 : 0
  }
}

struct OrFunction: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 {
    a != 0 || b != 0 ? 1 : 0
  }
}

struct XorFunction: BinaryFunction {
  @inline(__always) func callAsFunction(_ a: UInt8, _ b: UInt8) -> UInt8 {
    (a != 0) != (b != 0) ? 1 : 0
  }
}

// MARK: - Unary on any signed type (float32, float64, int8, int32, int64)

struct ReluFunction<T: SignedElement>: UnaryFunction {
  /// NaN stays NaN, like numpy's maximum(x, 0).
  @inline(__always) func callAsFunction(_ x: T) -> T { x < T.ewZero ? T.ewZero : x }
}

struct NegFunction<T: SignedElement>: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: T) -> T { T.ewNeg(x) }
}

struct AbsFunction<T: SignedElement>: UnaryFunction {
  /// The most negative integer stays itself, like numpy.
  @inline(__always) func callAsFunction(_ x: T) -> T { x < T.ewZero ? T.ewNeg(x) : x }
}

struct SignFunction<T: SignedElement>: UnaryFunction {
  /// -1, 0 or 1; NaN stays NaN.
  @inline(__always) func callAsFunction(_ x: T) -> T {
    x > T.ewZero ? T.ewOne : (x < T.ewZero ? T.ewNeg(T.ewOne) : x)
  }
}

struct ClipFunction<T: Comparable>: UnaryFunction {
  let low: T
  let high: T
  /// min(max(x, low), high) like ONNX Runtime: NaN stays NaN, and low > high gives high.
  @inline(__always) func callAsFunction(_ x: T) -> T {
    let raised = x < low ? low : x
    return raised > high ? high : raised
  }
}

struct SquareFunction<T: NumericElement>: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: T) -> T { T.ewMul(x, x) }
}

struct CubeFunction<T: NumericElement>: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: T) -> T { T.ewMul(T.ewMul(x, x), x) }
}

struct NotFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: UInt8) -> UInt8 { x == 0 ? 1 : 0 }
}

// MARK: - Unary float32 math

struct LeakyReluFunction: UnaryFunction {
  let alpha: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x >= 0 ? x : alpha * x }
}

struct SigmoidFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}

struct TanhFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { tanhf(x) }
}

struct HardSigmoidFunction: UnaryFunction {
  let alpha: Float
  let beta: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    let y = alpha * x + beta
    return y < 0 ? 0 : (y > 1 ? 1 : y)
  }
}

struct HardSwishFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    let y = x * Float(1.0 / 6.0) + 0.5
    return x * (y < 0 ? 0 : (y > 1 ? 1 : y))
  }
}

struct EluFunction: UnaryFunction {
  let alpha: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x >= 0 ? x : alpha * expm1f(x) }
}

struct SeluFunction: UnaryFunction {
  let alpha: Float
  let gamma: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    x > 0 ? gamma * x : gamma * (alpha * expf(x) - alpha)
  }
}

struct SoftplusFunction: UnaryFunction {
  /// log(1 + exp(x)) without overflow for large x.
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x))
  }
}

struct SoftsignFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x / (1 + (x < 0 ? -x : x)) }
}

struct GeluErfFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    0.5 * x * (1 + erff(x * Float(0.707_106_781_186_547_524_40)))
  }
}

struct GeluTanhFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    let inner = Float(0.797_884_560_802_865_355_88) * (x + Float(0.044715) * x * x * x)
    return 0.5 * x * (1 + tanhf(inner))
  }
}

struct ErfFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { erff(x) }
}

struct SqrtFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
}

struct ExpFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { expf(x) }
}

struct LogFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { logf(x) }
}

struct ReciprocalFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x }
}

struct FloorFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.down) }
}

struct CeilFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.up) }
}

struct RoundFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }
}

struct SinFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { sinf(x) }
}

struct CosFunction: UnaryFunction {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { cosf(x) }
}
