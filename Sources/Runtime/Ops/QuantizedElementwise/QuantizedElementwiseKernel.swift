/// One quantized element-wise step with every table, multiplier and shift fixed at load. `run` uses
/// integer arithmetic only and allocates nothing. See QuantizedElementwiseOps.swift for what each step
/// reproduces.
public struct QuantizedElementwiseKernel {
  let step: Step

  enum Step {
    case add(Add)
    case mul(Mul)
    case lookup(Lookup)
    case softmax(Softmax)
  }

  public func run(_ buffers: StepBuffers) {
    switch step {
    case .add(let add): add.run(buffers)
    case .mul(let mul): mul.run(buffers)
    case .lookup(let lookup): lookup.run(buffers)
    case .softmax(let softmax): softmax.run(buffers)
    }
  }

  // MARK: - QLinearAdd

  /// `C = round(float32(x * Rx + t[y]))` saturated, where x is the operand ONNX Runtime streams, `Rx`
  /// its scale ratio and `t[y] = float32(y * Ry + F)` the other operand's term, precomputed per byte.
  /// In jammed fixed point: `X = x * multiplier + table[y]`, then `rounding`.
  struct Add {
    let signed: Bool
    let plan: BroadcastPlan
    /// The streamed operand x is B (ONNX Runtime's input0-scalar case: A is broadcast along rows).
    let swap: Bool
    /// Rx in units of 2^-fractionBits (exact and even).
    let multiplier: Int64
    /// 256 jammed Int64 terms t[y], indexed by y's byte.
    let table: Storage
    let rounding: QuantizedElementwiseMath.Float32Rounding

    func run(_ buffers: StepBuffers) {
      if signed { rows(Int8.self, buffers) } else { rows(UInt8.self, buffers) }
    }

    private func rows<T: FixedWidthInteger>(_ type: T.Type, _ buffers: StepBuffers) {
      let a = buffers.input(0, T.self)
      let b = buffers.input(3, T.self)
      plan.forEachRow(
        AddRows<T>(
          x: swap ? b : a, y: swap ? a : b, out: buffers.output(0, T.self), swap: swap,
          strideX: swap ? plan.innerB : plan.innerA, strideY: swap ? plan.innerA : plan.innerB,
          multiplier: multiplier, table: UnsafePointer(table.typed(Int64.self)), rounding: rounding,
          low: Int32(T.min), high: Int32(T.max)))
    }
  }

  struct AddRows<T: FixedWidthInteger>: RowKernel {
    let x: UnsafePointer<T>
    let y: UnsafePointer<T>
    let out: UnsafeMutablePointer<T>
    let swap: Bool
    let strideX: Int
    let strideY: Int
    let multiplier: Int64
    let table: UnsafePointer<Int64>
    let rounding: QuantizedElementwiseMath.Float32Rounding
    let low: Int32
    let high: Int32

    @inline(__always)
    func value(_ x: T, _ term: Int64) -> T {
      let r = rounding.round(Int64(x) &* multiplier &+ term)
      return T(truncatingIfNeeded: min(max(r, low), high))
    }

    @inline(__always)
    func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
      let xs = x + (swap ? ib : ia)
      let ys = y + (swap ? ia : ib)
      let z = out + o
      if strideY == 0 {
        let term = table[Int(UInt8(truncatingIfNeeded: ys[0]))]
        if strideX == 0 {
          let v = value(xs[0], term)
          for index in 0..<count { z[index] = v }
        } else {
          for index in 0..<count { z[index] = value(xs[index], term) }
        }
      } else {
        for index in 0..<count { z[index] = value(xs[index], table[Int(UInt8(truncatingIfNeeded: ys[index]))]) }
      }
    }
  }

  // MARK: - QLinearMul

  /// `C = round(float32(float32(p * s) + zc))` saturated, `p = (a - za) * (b - zb)`: the first rounding
  /// as `Requantizer` does it, the sum and the second rounding in jammed fixed point.
  struct Mul {
    let signed: Bool
    let plan: BroadcastPlan
    let zeroA: Int64
    let zeroB: Int64
    /// s = mantissa * 2^-shift (as `Requantizer` splits it).
    let mantissa: Int64
    let shift: Int
    /// C's zero point in units of 2^-fractionBits.
    let zeroC: Int64
    let rounding: QuantizedElementwiseMath.Float32Rounding

    func run(_ buffers: StepBuffers) {
      if signed { rows(Int8.self, buffers) } else { rows(UInt8.self, buffers) }
    }

    private func rows<T: FixedWidthInteger>(_ type: T.Type, _ buffers: StepBuffers) {
      plan.forEachRow(
        MulRows<T>(
          a: buffers.input(0, T.self), b: buffers.input(3, T.self), out: buffers.output(0, T.self),
          strideA: plan.innerA, strideB: plan.innerB, zeroA: zeroA, zeroB: zeroB, mantissa: mantissa,
          shift: shift, zeroC: zeroC, rounding: rounding, low: Int32(T.min), high: Int32(T.max)))
    }
  }

  struct MulRows<T: FixedWidthInteger>: RowKernel {
    let a: UnsafePointer<T>
    let b: UnsafePointer<T>
    let out: UnsafeMutablePointer<T>
    let strideA: Int
    let strideB: Int
    let zeroA: Int64
    let zeroB: Int64
    let mantissa: Int64
    let shift: Int
    let zeroC: Int64
    let rounding: QuantizedElementwiseMath.Float32Rounding
    let low: Int32
    let high: Int32

    /// The output for the exact product p = (a - za) * (b - zb).
    @inline(__always)
    func value(_ product: Int64) -> T {
      // float32(p * s) = significand * 2^(dropped - shift), exactly as float32 rounds the product.
      let (significand, dropped) = Requantizer.roundToFloat32(product &* mantissa)
      // Jam it into units of 2^-u: k is the left shift of the significand in units of 2^-(u - 1).
      let k = dropped - shift + rounding.fractionBits - 1
      var jammed: Int64
      if k >= 0 {
        jammed = (significand &<< Int64(k)) &<< 1
      } else if k > -40 {
        let whole = significand &>> Int64(-k)
        jammed = whole &<< 1 | ((whole &<< Int64(-k)) != significand ? 1 : 0)
      } else {
        jammed = significand == 0 ? 0 : (significand < 0 ? -1 : 1)
      }
      let r = rounding.round(jammed &+ zeroC)
      return T(truncatingIfNeeded: min(max(r, low), high))
    }

    @inline(__always)
    func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
      let x = a + ia
      let y = b + ib
      let z = out + o
      if strideA == 1 && strideB == 1 {
        for index in 0..<count { z[index] = value((Int64(x[index]) &- zeroA) &* (Int64(y[index]) &- zeroB)) }
      } else if strideA == 1 {
        let s = Int64(y[0]) &- zeroB
        for index in 0..<count { z[index] = value((Int64(x[index]) &- zeroA) &* s) }
      } else if strideB == 1 {
        let s = Int64(x[0]) &- zeroA
        for index in 0..<count { z[index] = value(s &* (Int64(y[index]) &- zeroB)) }
      } else {
        let v = value((Int64(x[0]) &- zeroA) &* (Int64(y[0]) &- zeroB))
        for index in 0..<count { z[index] = v }
      }
    }
  }

  // MARK: - QLinearSigmoid, QLinearLeakyRelu

  /// `y = table[byte(x)]`, the 256 outputs ONNX Runtime builds at load.
  struct Lookup {
    let count: Int
    let table: Storage

    func run(_ buffers: StepBuffers) {
      let x = buffers.input(0, UInt8.self)
      let y = buffers.output(0, UInt8.self)
      let t = UnsafePointer(table.typed(UInt8.self))
      for index in 0..<count { y[index] = t[Int(x[index])] }
    }
  }

  // MARK: - QLinearSoftmax

  /// Rows of `length` elements `stride` apart: the float32 exp table shifted by the row max, its float32
  /// sum in element order, then `round(float32(float32(table[x] * float32(1 / sum)) * floor(1 / y_scale)))
  /// + y_zp` saturated. Float32 additions and products are emulated on integer significands; the
  /// reciprocal takes one integer division per row.
  struct Softmax {
    let signed: Bool
    let outer: Int
    let length: Int
    let stride: Int
    /// 256 float32 bit patterns of exp((i - 255 + bit_shift) * x_scale).
    let exponentials: Storage
    /// floor(1 / y_scale) = scaleSignificand * 2^scaleExponent.
    let scaleSignificand: Int64
    let scaleExponent: Int
    let zeroPoint: Int32
    let rounding: QuantizedElementwiseMath.Float32Rounding

    func run(_ buffers: StepBuffers) {
      if signed { rows(Int8.self, buffers) } else { rows(UInt8.self, buffers) }
    }

    private func rows<T: FixedWidthInteger>(_ type: T.Type, _ buffers: StepBuffers) {
      if length == 0 { return }
      let x = buffers.input(0, T.self)
      let y = buffers.output(0, T.self)
      let exp = UnsafePointer(exponentials.typed(UInt32.self))
      let high = Int32(T.max)
      for o in 0..<outer {
        for i in 0..<stride {
          let base = o * length * stride + i
          var largest = x[base]
          for d in 1..<length where x[base + d * stride] > largest { largest = x[base + d * stride] }
          // Index 255 holds the row max's term (at least 1, so the sum is a normal float32 >= 1).
          let offset = 255 - Int(largest)
          var sum: UInt32 = 0
          for d in 0..<length {
            sum = QuantizedElementwiseMath.addPositive(sum, exp[Int(x[base + d * stride]) + offset])
          }
          let inverse = QuantizedElementwiseMath.reciprocal(sum)
          for d in 0..<length {
            let at = base + d * stride
            let q = QuantizedElementwiseMath.roundedProduct(
              exp[Int(x[at]) + offset], inverse.significand, inverse.exponent, scaleSignificand, scaleExponent,
              rounding)
            y[at] = T(truncatingIfNeeded: min(q + zeroPoint, high))
          }
        }
      }
    }
  }
}
