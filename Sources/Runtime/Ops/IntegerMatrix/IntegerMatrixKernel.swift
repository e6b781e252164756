/// A prepared QLinearMatMul, MatMulInteger or QGemm: one or more products `C = A · B` on `IntegerGemm`
/// (batched and broadcast like MatMul), B packed at load when it is a constant, else packed into scratch
/// before the products that use it.
public struct IntegerMatrixKernel {
  /// One matrix product of the batch: where its A, A zero points, B (batch index) and C start.
  struct Product {
    var aOffset: Int
    var aZeroOffset: Int
    var bIndex: Int
    var cOffset: Int
  }

  /// Rows of each product (batches whose A rows are consecutive are merged into one product).
  var m: Int
  var n: Int
  var k: Int
  var aSigned: Bool
  var bSigned: Bool
  var products: [Product] = []

  // A: element (i, p) at `a[i * aRowStride + p * aKStride]`; zero point of row i at
  // `aZeroPoints[aZeroOffset + i * aZeroStride]` (0 when the input is omitted).
  var aInput = 0
  var aRowStride = 0
  var aKStride = 1
  var aZeroInput: Int?
  var aZeroStride = 0

  // B: packed at load (`packedB`, one per B batch), or read from input `bInput` at run time:
  // batch b's element (p, j) at `b[b * bBatchStride + p * bKStride + j * bNStride]`, zero point of
  // column j at `bZeroPoints[b * bZeroBatchStride + j * bZeroStride]`.
  var packedB: Storage?
  var layout: IntegerGemm.PackedLayout
  var bInput = 1
  var bBatchStride = 0
  var bKStride = 0
  var bNStride = 1
  var bZeroInput: Int?
  var bZeroStride = 0
  var bZeroBatchStride = 0

  var blockRows = IntegerGemm.mr
  /// Where the GEMM's scratch starts: after the run-time packed B, if any.
  var gemmScratchOffset = 0

  // Output stage.
  var outputKind: IntegerGemm.Output.Kind
  /// Requantizers of columns: `n` per B batch when `requantBatchStride` is `n`, else `n` for all.
  var requantizers: Storage?
  var requantBatchStride = 0
  /// Float output (QGemm): scale of column j at `scales[j * scaleStride]`.
  var scales: Storage?
  var scaleStride = 0
  var yZero: Int32 = 0
  /// Int32 bias (QGemm's C): element (i, j) at `bias[i * biasRowStride + j * biasColStride]`.
  var biasInput: Int?
  var biasRowStride = 0
  var biasColStride = 0

  init(m: Int, n: Int, k: Int, aSigned: Bool, bSigned: Bool, outputKind: IntegerGemm.Output.Kind) {
    self.m = m
    self.n = n
    self.k = k
    self.aSigned = aSigned
    self.bSigned = bSigned
    self.outputKind = outputKind
    layout = IntegerGemm.PackedLayout(k: k, n: n)
  }

  var outputElementBytes: Int { outputKind == .int32 || outputKind == .float ? 4 : 1 }

  public func run(_ buffers: StepBuffers) {
    if aSigned {
      run(buffers, Int8.self)
    } else {
      run(buffers, UInt8.self)
    }
  }

  func run<T: IntegerGemmElement>(_ buffers: StepBuffers, _ type: T.Type) {
    let a = buffers.input(aInput, T.self)
    var aZeroPoints: UnsafePointer<T>? = nil
    if let index = aZeroInput { aZeroPoints = buffers.optionalInput(index, T.self) }
    let scratch = buffers.scratch.unsafelyUnwrapped
    var bias: UnsafePointer<Int32>? = nil
    if let index = biasInput { bias = buffers.optionalInput(index, Int32.self) }
    var packedIndex = -1
    // By index: iterating the array itself boxes each element in unoptimized builds.
    for index in 0..<products.count {
      let product = products[index]
      let b: UnsafeRawPointer
      if let packed = packedB {
        b = UnsafeRawPointer(packed.pointer) + product.bIndex * layout.byteCount
      } else {
        if product.bIndex != packedIndex {
          if bSigned {
            packRuntimeB(buffers, Int8.self, batch: product.bIndex, into: scratch)
          } else {
            packRuntimeB(buffers, UInt8.self, batch: product.bIndex, into: scratch)
          }
          packedIndex = product.bIndex
        }
        b = UnsafeRawPointer(scratch)
      }
      var productZeroPoints = aZeroPoints
      if let zeroPoints = aZeroPoints { productZeroPoints = zeroPoints + product.aZeroOffset }
      let source = IntegerGemmMatrixSource(
        a: a + product.aOffset, rowStride: aRowStride, kStride: aKStride,
        zeroPoints: productZeroPoints,
        zeroPointStride: aZeroStride)
      var output = IntegerGemm.Output(
        kind: outputKind, c: buffers.outputs[0] + product.cOffset * outputElementBytes,
        rowStride: n, colStride: 1)
      if let bias = bias {
        output.bias = bias
        output.biasRowStride = biasRowStride
        output.biasColStride = biasColStride
      }
      if let requantizers = requantizers {
        output.requantizers =
          UnsafePointer(requantizers.typed(Requantizer.self)) + product.bIndex * requantBatchStride
        output.requantColStride = 1
      }
      if let scales = scales {
        output.scales = UnsafePointer(scales.typed(Float.self))
        output.scaleColStride = scaleStride
      }
      output.zeroPoint = yZero
      IntegerGemm.multiply(
        source, m: m, blockRows: blockRows, b: b, layout: layout, output: output,
        scratch: scratch + gemmScratchOffset)
    }
  }

  /// Packs batch `batch` of a B known only at run time into the start of scratch.
  func packRuntimeB<T: IntegerGemmElement>(
    _ buffers: StepBuffers, _ type: T.Type, batch: Int, into scratch: UnsafeMutableRawPointer
  ) {
    let b = buffers.input(bInput, T.self) + batch * bBatchStride
    var zeroPoints: UnsafePointer<T>? = nil
    if let index = bZeroInput, let pointer = buffers.optionalInput(index, T.self) {
      zeroPoints = pointer + batch * bZeroBatchStride
    }
    IntegerGemm.packB(
      b, kStride: bKStride, nStride: bNStride, k: k, n: n, zeroPoints: zeroPoints,
      zeroPointStride: bZeroStride,
      into: scratch)
  }
}
