import CSupport

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
  /// In jammed fixed point: `X = x * multiplier + table[y]`; the output is a nondecreasing step function
  /// of X, so it is the estimate `(X + 1/2) >> u` (within one step of it) corrected by two comparisons
  /// with the step's thresholds, found at load with `rounding` (`QuantizedElementwiseMath.thresholds`).
  struct Add {
    let signed: Bool
    let plan: BroadcastPlan
    /// The streamed operand x is B (ONNX Runtime's input0-scalar case: A is broadcast along rows).
    let swap: Bool
    /// Rx in units of 2^-fractionBits (exact and even).
    let multiplier: Int64
    /// 256 jammed Int64 terms t[y], indexed by y's byte.
    let table: Storage
    let fractionBits: Int
    /// 257 Int64 thresholds of X (see `QuantizedElementwiseMath.thresholds`).
    let thresholds: Storage
    /// The 16-lane path's estimate, or nil.
    let linear: QuantizedElementwiseMath.LinearAdd?

    func run(_ buffers: StepBuffers) {
      if signed { rows(Int8.self, buffers) } else { rows(UInt8.self, buffers) }
    }

    private func rows<T: IntegerGemmElement>(_ type: T.Type, _ buffers: StepBuffers) {
      let a = buffers.input(0, T.self)
      let b = buffers.input(3, T.self)
      plan.forEachRow(
        AddRows<T>(
          x: swap ? b : a, y: swap ? a : b, out: buffers.output(0, T.self), swap: swap,
          strideX: swap ? plan.innerB : plan.innerA, strideY: swap ? plan.innerA : plan.innerB,
          multiplier: multiplier, table: UnsafePointer(table.typed(Int64.self)),
          steps: StepFunction(
            thresholds: UnsafePointer(thresholds.typed(Int64.self)), fractionBits: fractionBits,
            low: Int64(T.min), high: Int64(T.max)),
          linear: linear ?? QuantizedElementwiseMath.LinearAdd(mx: 0, my: 0, base: 0, shift: 0, margin: 0),
          scratch: buffers.scratch.map { $0.assumingMemoryBound(to: T.self) }))
    }
  }

  /// A nondecreasing step function onto the 256 codes `low...high`, given by its thresholds: the estimate
  /// `(X + 1/2) >> fractionBits` clamped, corrected by one step either way, without branches.
  struct StepFunction {
    let thresholds: UnsafePointer<Int64>
    let fractionBits: Int
    let low: Int64
    let high: Int64

    @inline(__always)
    func callAsFunction(_ value: Int64) -> Int64 {
      let half = Int64(1) &<< Int64(fractionBits &- 1)
      var v = (value &+ half) &>> Int64(fractionBits)
      v = min(max(v, low), high)
      let i = Int(truncatingIfNeeded: v &- low)
      let up: Int64 = value >= thresholds[i &+ 1] ? 1 : 0
      let down: Int64 = value < thresholds[i] ? 1 : 0
      return v &+ up &- down
    }
  }

  struct AddRows<T: IntegerGemmElement>: RowKernel {
    let x: UnsafePointer<T>
    let y: UnsafePointer<T>
    let out: UnsafeMutablePointer<T>
    let swap: Bool
    let strideX: Int
    let strideY: Int
    let multiplier: Int64
    let table: UnsafePointer<Int64>
    let steps: StepFunction
    /// The 16-lane estimate (margin 0: none).
    let linear: QuantizedElementwiseMath.LinearAdd
    /// 256 codes of scratch, or nil.
    let scratch: UnsafeMutablePointer<T>?

    /// Elements `0..<count` rounded down to 16 through the linear estimate; a vector with a lane near a
    /// step goes through `lookup` (the row's 256 outputs by x's byte, y fixed) when given, else through
    /// the exact step function. Returns how many were done. y streams when `yStride` is 1, else is y[0].
    @inline(__always)
    func vectors(
      _ xs: UnsafePointer<T>, _ ys: UnsafePointer<T>, yStride: Int, _ z: UnsafeMutablePointer<T>, _ count: Int,
      lookup: UnsafePointer<T>?
    ) -> Int {
      typealias V = IntegerLanes.Vector
      let linear = linear
      let mx = V(repeating: linear.mx)
      let my = V(repeating: linear.my)
      let shift = V(repeating: Int32(linear.shift))
      let half = Int32(1) &<< Int32(linear.shift &- 1)
      let start = V(repeating: linear.base &+ half)
      let margin = V(repeating: linear.margin)
      let twice = V(repeating: linear.margin &* 2)
      let mask = V(repeating: (Int32(1) &<< Int32(linear.shift)) &- 1)
      let lower = V(repeating: Int32(T.min))
      let upper = V(repeating: Int32(T.max))
      let fixedY = V(repeating: Int32(ys[0]))
      let table = table
      let steps = steps
      let multiplier = multiplier
      var index = 0
      while index &+ 16 <= count {
        let xv = T.widen16(UnsafeRawPointer(xs + index))
        let yv = yStride == 0 ? fixedY : T.widen16(UnsafeRawPointer(ys + index))
        let shifted = xv &* mx &+ yv &* my &+ start
        let near = ((shifted &+ margin) & mask) .< twice
        let flags = V(repeating: 0).replacing(with: 1, where: near)
        if (flags[0] | flags[1] | flags[2] | flags[3] | flags[4] | flags[5] | flags[6] | flags[7] | flags[8]
          | flags[9] | flags[10] | flags[11] | flags[12] | flags[13] | flags[14] | flags[15]) == 0
        {
          var q = shifted &>> shift
          q = q.replacing(with: lower, where: q .< lower)
          q = q.replacing(with: upper, where: q .> upper)
          IntegerLanes.storeBytes(q, to: UnsafeMutableRawPointer(z + index))
        } else if let lookup = lookup {
          let codes = UnsafeRawPointer(xs).assumingMemoryBound(to: UInt8.self)
          for lane in index..<index &+ 16 { z[lane] = lookup[Int(codes[lane])] }
        } else {
          let codes = UnsafeRawPointer(ys).assumingMemoryBound(to: UInt8.self)
          for lane in index..<index &+ 16 {
            let term = table[Int(codes[yStride == 0 ? 0 : lane])]
            z[lane] = T(truncatingIfNeeded: steps(Int64(xs[lane]) &* multiplier &+ term))
          }
        }
        index &+= 16
      }
      return index
    }

    @inline(__always)
    func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
      let xs = x + (swap ? ib : ia)
      let ys = y + (swap ? ia : ib)
      let z = out + o
      let multiplier = multiplier
      let table = table
      let steps = steps
      if linear.margin > 0 && strideX != 0 {
        var lookup: UnsafePointer<T>? = nil
        if strideY == 0 && count >= 1024, let scratch = scratch {
          // The row's outputs for every code of x, for the vectors near a step.
          let term = table[Int(UInt8(truncatingIfNeeded: ys[0]))]
          for byte in 0..<256 {
            let code = Int64(T(truncatingIfNeeded: byte))
            scratch[byte] = T(truncatingIfNeeded: steps(code &* multiplier &+ term))
          }
          lookup = UnsafePointer(scratch)
        }
        let done = vectors(xs, ys, yStride: strideY, z, count, lookup: lookup)
        if strideY == 0 {
          let term = table[Int(UInt8(truncatingIfNeeded: ys[0]))]
          for index in done..<count {
            z[index] = T(truncatingIfNeeded: steps(Int64(xs[index]) &* multiplier &+ term))
          }
        } else {
          let codes = UnsafeRawPointer(ys).assumingMemoryBound(to: UInt8.self)
          for index in done..<count {
            z[index] = T(truncatingIfNeeded: steps(Int64(xs[index]) &* multiplier &+ table[Int(codes[index])]))
          }
        }
      } else if strideY == 0 {
        let term = table[Int(UInt8(truncatingIfNeeded: ys[0]))]
        if strideX == 0 {
          let v = T(truncatingIfNeeded: steps(Int64(xs[0]) &* multiplier &+ term))
          for index in 0..<count { z[index] = v }
        } else if count >= 1024, let lookup = scratch {
          // One output per code of x for this row, then a lookup per element.
          for byte in 0..<256 {
            let code = Int64(T(truncatingIfNeeded: byte))
            lookup[byte] = T(truncatingIfNeeded: steps(code &* multiplier &+ term))
          }
          let codes = UnsafeRawPointer(xs).assumingMemoryBound(to: UInt8.self)
          for index in 0..<count { z[index] = lookup[Int(codes[index])] }
        } else {
          for index in 0..<count {
            z[index] = T(truncatingIfNeeded: steps(Int64(xs[index]) &* multiplier &+ term))
          }
        }
      } else {
        let codes = UnsafeRawPointer(ys).assumingMemoryBound(to: UInt8.self)
        for index in 0..<count {
          z[index] = T(truncatingIfNeeded: steps(Int64(xs[index]) &* multiplier &+ table[Int(codes[index])]))
        }
      }
    }
  }

  // MARK: - QLinearMul

  /// `C = round(float32(float32(p * s) + zc))` saturated, `p = (a - za) * (b - zb)`: a nondecreasing step
  /// function of p, evaluated as the estimate `(p * M + offset) >> 32` (M = s * 2^32 rounded, offset =
  /// (zc + 1/2) * 2^32), which is within one step of it, corrected by two comparisons with thresholds
  /// found at load with the exact integer emulation `QuantizedElementwiseOps.mulValue`.
  struct Mul {
    let signed: Bool
    let plan: BroadcastPlan
    let zeroA: Int32
    let zeroB: Int32
    let estimateMultiplier: Int64
    let estimateOffset: Int64
    /// 257 Int32 thresholds of p (see `QuantizedElementwiseMath.thresholds`).
    let thresholds: Storage
    /// The estimate `(p * M + offset) >> 32` is exact for every product p of the operands' codes whose
    /// `p * M + offset` lies `margin` or more away from a multiple of 2^32 (0: no vector path; see
    /// `QuantizedElementwiseMath.estimateMargin`).
    let margin: Int64
    /// When rows are not a whole number of vectors and one operand repeats the same row ([N, H, W, C] by
    /// [N, 1, 1, C]): how many copies of that row go to scratch, so runs of that many rows stream as one
    /// (see `repeatedRows(_:)`); else 0.
    let repeatedRows: Int

    /// Rows per run for `repeatedRows`: up to 4096 elements, when at least 2 rows fit and there are more
    /// rows than one.
    static func repeatedRows(_ plan: BroadcastPlan) -> Int {
      guard plan.rank == 2, plan.inner % 16 != 0, plan.innerA == 1, plan.innerB == 1, let table = plan.table else {
        return 0
      }
      let t = UnsafePointer(table.typed(Int.self))
      let (rows, strideA, strideB) = (t[0], t[4], t[6])
      guard (strideA == 0 && strideB == plan.inner) || (strideB == 0 && strideA == plan.inner) else { return 0 }
      let tile = min(4096 / plan.inner, rows)
      return tile >= 2 ? tile : 0
    }

    func run(_ buffers: StepBuffers) {
      if signed { rows(Int8.self, buffers) } else { rows(UInt8.self, buffers) }
    }

    private func rows<T: IntegerGemmElement>(_ type: T.Type, _ buffers: StepBuffers) {
      let steps = ProductSteps(
        thresholds: UnsafePointer(thresholds.typed(Int32.self)), multiplier: estimateMultiplier,
        offset: estimateOffset, low: Int64(T.min), high: Int64(T.max), margin: margin)
      let a = buffers.input(0, T.self)
      let b = buffers.input(3, T.self)
      let out = buffers.output(0, T.self)
      if repeatedRows > 0, let table = plan.table, let scratch = buffers.scratch {
        // The repeated row copied `repeatedRows` times: runs of rows stream both operands with fewer
        // scalar tails, the same products through the same arithmetic.
        let t = UnsafePointer(table.typed(Int.self))
        let (rows, strideOut, strideA, strideB) = (t[0], t[2], t[4], t[6])
        let inner = plan.inner
        let repeated = scratch.assumingMemoryBound(to: T.self)
        let fixed = strideA == 0 ? a : b
        repeated.update(from: fixed, count: inner)
        var filled = inner
        while filled < repeatedRows * inner {
          let more = min(filled, repeatedRows * inner - filled)
          (repeated + filled).update(from: repeated, count: more)
          filled += more
        }
        let kernel = MulRows<T>(
          a: strideA == 0 ? UnsafePointer(repeated) : a, b: strideB == 0 ? UnsafePointer(repeated) : b, out: out,
          strideA: 1, strideB: 1, zeroA: zeroA, zeroB: zeroB, steps: steps, scratch: nil)
        var row = 0
        while row < rows {
          let count = min(repeatedRows, rows - row)
          kernel.row(row * strideOut, row * strideA, row * strideB, 0, count * inner)
          row += count
        }
        return
      }
      plan.forEachRow(
        MulRows<T>(
          a: a, b: b, out: out, strideA: plan.innerA, strideB: plan.innerB, zeroA: zeroA, zeroB: zeroB, steps: steps,
          scratch: buffers.scratch.map { $0.assumingMemoryBound(to: T.self) }))
    }
  }

  /// QLinearMul's output as a function of the product p (see `Mul`).
  struct ProductSteps {
    let thresholds: UnsafePointer<Int32>
    let multiplier: Int64
    let offset: Int64
    let low: Int64
    let high: Int64
    let margin: Int64

    @inline(__always)
    func callAsFunction(_ product: Int32) -> Int64 {
      var v = (Int64(product) &* multiplier &+ offset) &>> 32
      v = min(max(v, low), high)
      let i = Int(truncatingIfNeeded: v &- low)
      let up: Int64 = product >= thresholds[i &+ 1] ? 1 : 0
      let down: Int64 = product < thresholds[i] ? 1 : 0
      return v &+ up &- down
    }

    /// The outputs of 16 products, or nil when a lane's estimate lies within `margin` of a step (then
    /// the caller takes the scalar path for these lanes). On 64-bit lanes: `vpmullq`, shifts, compares.
    @inline(__always)
    func vector(_ products: IntegerLanes.Vector) -> IntegerLanes.Vector? {
      typealias Wide = IntegerLanes.Wide
      let m = Wide(repeating: multiplier)
      let o = Wide(repeating: offset)
      let ra = IntegerLanes.widenLow(products) &* m &+ o
      let rb = IntegerLanes.widenHigh(products) &* m &+ o
      let e = Wide(repeating: margin)
      let mask = Wide(repeating: 0xFFFF_FFFF)
      let near = ((ra &+ e) & mask) .< (e &+ e) .| (((rb &+ e) & mask) .< (e &+ e))
      let flags = Wide(repeating: 0).replacing(with: 1, where: near)
      if flags[0] | flags[1] | flags[2] | flags[3] | flags[4] | flags[5] | flags[6] | flags[7] != 0 { return nil }
      let lower = Wide(repeating: low)
      let upper = Wide(repeating: high)
      let thirtyTwo = Wide(repeating: 32)
      return IntegerLanes.join(
        IntegerLanes.clamp(ra &>> thirtyTwo, lower, upper), IntegerLanes.clamp(rb &>> thirtyTwo, lower, upper))
    }
  }

  struct MulRows<T: IntegerGemmElement>: RowKernel {
    let a: UnsafePointer<T>
    let b: UnsafePointer<T>
    let out: UnsafeMutablePointer<T>
    let strideA: Int
    let strideB: Int
    let zeroA: Int32
    let zeroB: Int32
    let steps: ProductSteps
    /// 256 codes of scratch, or nil.
    let scratch: UnsafeMutablePointer<T>?

    /// One row where x streams and the other factor `s` is fixed: 16 lanes at a time; a vector with a lane
    /// near a step through the row's 256 outputs by x's byte (rows of 1024 or more) or the thresholds.
    @inline(__always)
    func scaled(_ x: UnsafePointer<T>, _ zero: Int32, _ s: Int32, _ z: UnsafeMutablePointer<T>, _ count: Int) {
      let steps = steps
      // The table is built on first use: most rows never leave the vector path.
      let table = count >= 1024 ? scratch : nil
      var lookup: UnsafeMutablePointer<T>? = nil
      if steps.margin <= 0, let table = table {
        buildTable(table, zero, s)
        lookup = table
      }
      let codes = UnsafeRawPointer(x).assumingMemoryBound(to: UInt8.self)
      var index = 0
      if steps.margin > 0 {
        let zeros = IntegerLanes.Vector(repeating: zero)
        let factor = IntegerLanes.Vector(repeating: s)
        while index &+ 16 <= count {
          let products = (T.widen16(UnsafeRawPointer(x + index)) &- zeros) &* factor
          if let q = steps.vector(products) {
            IntegerLanes.storeBytes(q, to: UnsafeMutableRawPointer(z + index))
          } else if let table = table {
            if lookup == nil {
              buildTable(table, zero, s)
              lookup = table
            }
            for lane in index..<index &+ 16 { z[lane] = table[Int(codes[lane])] }
          } else {
            for lane in 0..<16 { z[index &+ lane] = T(truncatingIfNeeded: steps(products[lane])) }
          }
          index &+= 16
        }
      }
      while index < count {
        if let lookup = lookup {
          z[index] = lookup[Int(codes[index])]
        } else {
          z[index] = T(truncatingIfNeeded: steps((Int32(x[index]) &- zero) &* s))
        }
        index &+= 1
      }
    }

    /// The row's 256 outputs by x's byte, the other factor `s` fixed.
    private func buildTable(_ table: UnsafeMutablePointer<T>, _ zero: Int32, _ s: Int32) {
      for byte in 0..<256 {
        let code = Int32(T(truncatingIfNeeded: byte))
        table[byte] = T(truncatingIfNeeded: steps((code &- zero) &* s))
      }
    }

    @inline(__always)
    func row(_ o: Int, _ ia: Int, _ ib: Int, _ ic: Int, _ count: Int) {
      let x = a + ia
      let y = b + ib
      let z = out + o
      let zeroA = zeroA
      let zeroB = zeroB
      let steps = steps
      if strideA == 1 && strideB == 1 {
        var index = 0
        if steps.margin > 0 {
          let zerosA = IntegerLanes.Vector(repeating: zeroA)
          let zerosB = IntegerLanes.Vector(repeating: zeroB)
          while index &+ 16 <= count {
            let products =
              (T.widen16(UnsafeRawPointer(x + index)) &- zerosA) &* (T.widen16(UnsafeRawPointer(y + index)) &- zerosB)
            if let q = steps.vector(products) {
              IntegerLanes.storeBytes(q, to: UnsafeMutableRawPointer(z + index))
            } else {
              for lane in 0..<16 { z[index &+ lane] = T(truncatingIfNeeded: steps(products[lane])) }
            }
            index &+= 16
          }
        }
        while index < count {
          z[index] = T(truncatingIfNeeded: steps((Int32(x[index]) &- zeroA) &* (Int32(y[index]) &- zeroB)))
          index &+= 1
        }
      } else if strideA == 1 {
        scaled(x, zeroA, Int32(y[0]) &- zeroB, z, count)
      } else if strideB == 1 {
        scaled(y, zeroB, Int32(x[0]) &- zeroA, z, count)
      } else {
        let v = T(truncatingIfNeeded: steps((Int32(x[0]) &- zeroA) &* (Int32(y[0]) &- zeroB)))
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
      oq_lookup_bytes(table.typed(UInt8.self), buffers.input(0, UInt8.self), buffers.output(0, UInt8.self), count)
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
