/// Single-precision matrix multiply shared by the Convolution and Matrix families:
/// `C[M,N] = alpha * A[M,K] · B[K,N] (+ row bias, + column bias, + C when accumulating)`.
///
/// The work is cut into MR x NR tiles of C, each computed by a register-blocked micro-kernel that
/// keeps MR rows of NR lanes in `Vector`s: every step over K loads one NR-wide row of B and
/// broadcasts one value of A per row. The NR axis is the contiguous axis of C, so tiles store with
/// whole vector stores.
///
/// Operands:
/// - A is either packed (`packA`: blocks of MR rows, K-major, zero rows padding the last block) or
///   read in place through a row stride and a K stride (row-major, transposed, or one im2col column).
/// - B is either packed (`packB`: panels of NR columns, K-major, zero columns padding the last panel)
///   or a row-major matrix read in place (`ldb` between rows, columns contiguous).
///
/// Cache blocking: K in blocks of `kc` (B panel `kc x NR` stays in L1), M in blocks of `mc` rows
/// (A block `mc x kc` stays in L2). Nothing is allocated; the only scratch is `tailScratchCount`
/// floats used when an unpacked B has fewer than NR columns.
///
/// Vector width: SIMD8 (two SSE registers, one AVX register, two NEON registers) unless the build
/// defines `ONNXQ_SIMD16` (for AVX2/AVX-512 targets built with `-target-cpu`). The multiply-add is
/// fused on AArch64 (always has FMA) and where the build defines `ONNXQ_FMA`; elsewhere it is a
/// multiply then an add, which baseline x86-64 executes without a library call.
enum FloatGemm {
  #if ONNXQ_SIMD16
    typealias Vector = SIMD16<Float>
  #else
    typealias Vector = SIMD8<Float>
  #endif

  /// Rows of C per micro-tile.
  @inline(__always) static var mr: Int { 6 }
  /// Columns of C per micro-tile: the vector width.
  @inline(__always) static var nr: Int { Vector.scalarCount }
  /// Depth of one K block.
  @inline(__always) static var kc: Int { 256 }
  /// Rows of one M block (a multiple of `mr`).
  @inline(__always) static var mc: Int { 120 }

  // MARK: Vector helpers

  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
  }

  @inline(__always)
  static func load(_ pointer: UnsafeMutablePointer<Float>) -> Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
  }

  @inline(__always)
  static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
  }

  /// `acc += a * b`, fused where the target has FMA.
  @inline(__always)
  static func multiplyAdd(_ acc: inout Vector, _ a: Vector, _ b: Vector) {
    #if arch(arm64) || ONNXQ_FMA
      acc = acc.addingProduct(a, b)
    #else
      acc += a * b
    #endif
  }

  @inline(__always)
  static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

  // MARK: Packing (load time, or run time into scratch)

  /// Floats a packed A of `m x k` takes: whole blocks of MR rows.
  static func packedACount(m: Int, k: Int) -> Int { roundUp(m, mr) * k }

  /// Floats a packed B of `k x n` takes: whole panels of NR columns.
  static func packedBCount(k: Int, n: Int) -> Int { roundUp(n, nr) * k }

  /// Packs A (element (i, p) at `source[i * rowStride + p * kStride]`) into blocks of MR rows:
  /// block `b` at `b * MR * k`, element (i, p) of the block at `p * MR + i`; rows past `m` are zero.
  static func packA(
    _ source: UnsafePointer<Float>, rowStride: Int, kStride: Int, m: Int, k: Int,
    into destination: UnsafeMutablePointer<Float>
  ) {
    let rows = mr
    let blocks = (m + rows - 1) / rows
    var out = destination
    for block in 0..<blocks {
      for p in 0..<k {
        for i in 0..<rows {
          let row = block * rows + i
          out[i] = row < m ? source[row * rowStride + p * kStride] : 0
        }
        out += rows
      }
    }
  }

  /// Packs B (element (p, j) at `source[p * kStride + j * nStride]`) into panels of NR columns:
  /// panel `q` at `q * NR * k`, element (p, j) of the panel at `p * NR + j`; columns past `n` are zero.
  static func packB(
    _ source: UnsafePointer<Float>, kStride: Int, nStride: Int, k: Int, n: Int,
    into destination: UnsafeMutablePointer<Float>
  ) {
    let lanes = nr
    let panels = (n + lanes - 1) / lanes
    var out = destination
    for panel in 0..<panels {
      let first = panel * lanes
      let count = min(lanes, n - first)
      if nStride == 1 && count == lanes {
        for p in 0..<k {
          store(load(source + p * kStride + first), out)
          out += lanes
        }
      } else {
        for p in 0..<k {
          let row = source + p * kStride
          for j in 0..<lanes { out[j] = j < count ? row[(first + j) * nStride] : 0 }
          out += lanes
        }
      }
    }
  }

  // MARK: The problem

  /// One multiplication, all pointers resolved. `a` and `b` point at element (0, 0).
  struct Problem {
    var m: Int
    var n: Int
    var k: Int
    var a: UnsafePointer<Float>
    /// A holds `packA` blocks (the strides below are then unused).
    var aPacked: Bool
    var aRowStride: Int
    var aKStride: Int
    var b: UnsafePointer<Float>
    /// B holds `packB` panels (`ldb` is then unused).
    var bPacked: Bool
    var ldb: Int
    /// Every row of an unpacked B may be read up to a whole number of NR lanes past column 0
    /// (im2col buffers are laid out so); the extra lanes are computed and dropped.
    var bRowsPadded: Bool
    var c: UnsafeMutablePointer<Float>
    var ldc: Int
    var alpha: Float
    /// `rowBias[i]` is added to row i.
    var rowBias: UnsafePointer<Float>?
    /// `colBias[j]` is added to column j; readable up to `n` rounded up to NR.
    var colBias: UnsafePointer<Float>?
    /// C already holds values the product is added to (Gemm's beta * C).
    var accumulate: Bool

    init(
      m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aPacked: Bool = false, aRowStride: Int = 0,
      aKStride: Int = 0, b: UnsafePointer<Float>, bPacked: Bool = false, ldb: Int = 0, bRowsPadded: Bool = false,
      c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, rowBias: UnsafePointer<Float>? = nil,
      colBias: UnsafePointer<Float>? = nil, accumulate: Bool = false
    ) {
      self.m = m
      self.n = n
      self.k = k
      self.a = a
      self.aPacked = aPacked
      self.aRowStride = aRowStride
      self.aKStride = aKStride
      self.b = b
      self.bPacked = bPacked
      self.ldb = ldb
      self.bRowsPadded = bRowsPadded
      self.c = c
      self.ldc = ldc
      self.alpha = alpha
      self.rowBias = rowBias
      self.colBias = colBias
      self.accumulate = accumulate
    }
  }

  /// Floats of scratch `multiply` needs for a problem with `n` columns whose B is unpacked and unpadded.
  static func tailScratchCount(n: Int, k: Int, bPackedOrPadded: Bool) -> Int {
    bPackedOrPadded || n >= nr || n == 0 ? 0 : max(min(k, kc), 1) * nr
  }

  // MARK: The driver

  static func multiply(_ problem: Problem, scratch: UnsafeMutablePointer<Float>?) {
    let m = problem.m
    let n = problem.n
    let kTotal = problem.k
    if m <= 0 || n <= 0 { return }
    let lanes = nr
    let rowsPerTile = mr
    var k0 = 0
    repeat {
      let depth = min(kc, kTotal - k0)
      let firstBlock = k0 == 0
      var i0 = 0
      while i0 < m {
        let rowsInBlock = min(mc, m - i0)
        var j0 = 0
        while j0 < n {
          let cols = min(lanes, n - j0)
          var bPanel: UnsafePointer<Float>
          var bStride: Int
          var column = j0
          var laneStart = 0
          var laneEnd = cols
          if problem.bPacked {
            bPanel = problem.b + (j0 / lanes) * lanes * kTotal + k0 * lanes
            bStride = lanes
          } else if cols == lanes || problem.bRowsPadded {
            bPanel = problem.b + k0 * problem.ldb + j0
            bStride = problem.ldb
          } else if n >= lanes {
            // The last NR columns, overlapping the previous tile; only the new lanes are stored.
            column = n - lanes
            laneStart = lanes - cols
            laneEnd = lanes
            bPanel = problem.b + k0 * problem.ldb + column
            bStride = problem.ldb
          } else {
            let panel = scratch.unsafelyUnwrapped
            let source = problem.b + k0 * problem.ldb + j0
            for p in 0..<depth {
              let row = source + p * problem.ldb
              let out = panel + p * lanes
              for j in 0..<lanes { out[j] = j < cols ? row[j] : 0 }
            }
            bPanel = UnsafePointer(panel)
            bStride = lanes
          }
          var output = TileOutput(
            c: problem.c + i0 * problem.ldc + column, ldc: problem.ldc, laneStart: laneStart, laneEnd: laneEnd,
            alpha: problem.alpha, rowBias: nil, colBias: nil, accumulate: problem.accumulate || !firstBlock)
          if firstBlock, let bias = problem.colBias { output.colBias = bias + column }
          var i = i0
          let iEnd = i0 + rowsInBlock
          while i < iEnd {
            let rows = min(rowsPerTile, iEnd - i)
            if firstBlock, let bias = problem.rowBias { output.rowBias = bias + i }
            if problem.aPacked {
              let aBlock = problem.a + (i / rowsPerTile) * rowsPerTile * kTotal + k0 * rowsPerTile
              packedTile(rows, aBlock, bPanel, bStride, depth, output)
            } else {
              let aBlock = problem.a + i * problem.aRowStride + k0 * problem.aKStride
              stridedTile(rows, aBlock, problem.aRowStride, problem.aKStride, bPanel, bStride, depth, output)
            }
            output.c += rows * problem.ldc
            i += rows
          }
          j0 += lanes
        }
        i0 += rowsInBlock
      }
      k0 += kc
    } while k0 < kTotal
  }

  // MARK: Micro-kernels

  /// Where one tile's accumulators go and what is added on the way.
  struct TileOutput {
    /// Row 0, lane 0 of the tile in C.
    var c: UnsafeMutablePointer<Float>
    var ldc: Int
    /// Lanes written: all NR, or the valid ones of an edge tile.
    var laneStart: Int
    var laneEnd: Int
    var alpha: Float
    /// At the tile's row 0.
    var rowBias: UnsafePointer<Float>?
    /// At the tile's lane 0; NR lanes readable.
    var colBias: UnsafePointer<Float>?
    var accumulate: Bool

    @inline(__always)
    func write(_ row: Int, _ accumulator: Vector) {
      var value = accumulator
      if alpha != 1 { value *= alpha }
      if let bias = rowBias { value += Vector(repeating: bias[row]) }
      if let bias = colBias { value += FloatGemm.load(bias) }
      let out = c + row * ldc
      if laneStart == 0 && laneEnd == Vector.scalarCount {
        if accumulate { value += FloatGemm.load(out) }
        FloatGemm.store(value, out)
      } else if accumulate {
        for lane in laneStart..<laneEnd { out[lane] += value[lane] }
      } else {
        for lane in laneStart..<laneEnd { out[lane] = value[lane] }
      }
    }
  }

  /// Up to six rows of a tile. `rows` is a constant at every call site, so the untaken rows fold away.
  @inline(__always)
  static func tile(
    rows: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) {
    var c0 = Vector()
    var c1 = Vector()
    var c2 = Vector()
    var c3 = Vector()
    var c4 = Vector()
    var c5 = Vector()
    var pa = a
    var pb = b
    var remaining = depth
    while remaining > 0 {
      let bv = load(pb)
      multiplyAdd(&c0, Vector(repeating: pa[0]), bv)
      if rows > 1 { multiplyAdd(&c1, Vector(repeating: pa[aRow]), bv) }
      if rows > 2 { multiplyAdd(&c2, Vector(repeating: pa[2 * aRow]), bv) }
      if rows > 3 { multiplyAdd(&c3, Vector(repeating: pa[3 * aRow]), bv) }
      if rows > 4 { multiplyAdd(&c4, Vector(repeating: pa[4 * aRow]), bv) }
      if rows > 5 { multiplyAdd(&c5, Vector(repeating: pa[5 * aRow]), bv) }
      pa += aK
      pb += bK
      remaining -= 1
    }
    output.write(0, c0)
    if rows > 1 { output.write(1, c1) }
    if rows > 2 { output.write(2, c2) }
    if rows > 3 { output.write(3, c3) }
    if rows > 4 { output.write(4, c4) }
    if rows > 5 { output.write(5, c5) }
  }

  /// A tile whose A block is packed (row stride 1, K stride MR: constant offsets).
  static func packedTile(
    _ rows: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) {
    switch rows {
    case 6: tile(rows: 6, a, 1, 6, b, bK, depth, output)
    case 5: tile(rows: 5, a, 1, 6, b, bK, depth, output)
    case 4: tile(rows: 4, a, 1, 6, b, bK, depth, output)
    case 3: tile(rows: 3, a, 1, 6, b, bK, depth, output)
    case 2: tile(rows: 2, a, 1, 6, b, bK, depth, output)
    default: tile(rows: 1, a, 1, 6, b, bK, depth, output)
    }
  }

  /// A tile whose A is read in place through strides.
  static func stridedTile(
    _ rows: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int,
    _ depth: Int, _ output: TileOutput
  ) {
    switch rows {
    case 6: tile(rows: 6, a, aRow, aK, b, bK, depth, output)
    case 5: tile(rows: 5, a, aRow, aK, b, bK, depth, output)
    case 4: tile(rows: 4, a, aRow, aK, b, bK, depth, output)
    case 3: tile(rows: 3, a, aRow, aK, b, bK, depth, output)
    case 2: tile(rows: 2, a, aRow, aK, b, bK, depth, output)
    default: tile(rows: 1, a, aRow, aK, b, bK, depth, output)
    }
  }

  // MARK: Vector products

  /// `sum(a[p] * b[p])` over `count` contiguous elements.
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    let lanes = nr
    var acc0 = Vector()
    var acc1 = Vector()
    var p = 0
    while p + 2 * lanes <= count {
      multiplyAdd(&acc0, load(a + p), load(b + p))
      multiplyAdd(&acc1, load(a + p + lanes), load(b + p + lanes))
      p += 2 * lanes
    }
    if p + lanes <= count {
      multiplyAdd(&acc0, load(a + p), load(b + p))
      p += lanes
    }
    var sum = (acc0 + acc1).sum()
    while p < count {
      sum += a[p] * b[p]
      p += 1
    }
    return sum
  }
}
