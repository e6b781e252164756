/// Single-precision matrix multiply shared by the Convolution and Matrix families:
/// `C[M,N] = alpha * A[M,K] · B[K,N] (+ row bias, + column bias, + C when accumulating)`.
///
/// The work is cut into MR x NR tiles of C, each computed by a register-blocked micro-kernel that
/// keeps MR rows of NR lanes in `Vector`s: every step over K loads one NR-wide row of B and
/// broadcasts one value of A per row. The NR axis is the contiguous axis of C, so tiles store with
/// whole vector stores.
///
/// Operands:
/// - A is either packed (`packA`: one block of MR rows per row tile, K-major, zero rows padding a
///   short tile) or read in place through a row stride and a K stride (row-major, transposed, or one
///   im2col column). Row tiles are MR rows, but a remainder of 1 to 3 rows is merged with the tile
///   before it and the two split evenly (see `tile`); a one-row product runs four panels at a time.
/// - B is either packed (`packB`: panels of NR columns, K-major, zero columns padding the last panel)
///   or a row-major matrix read in place (`ldb` between rows, columns contiguous).
///
/// Cache blocking: K in blocks of `kc` (B panel `kc x NR` stays in L1), M in blocks of `mc` rows
/// (A block `mc x kc` stays in L2). Nothing is allocated; the only scratch is `tailScratchCount`
/// floats used when an unpacked B has fewer than NR columns.
///
/// Vector width: SIMD16 on AArch64 (a 6 x 16 tile is 24 of the 32 NEON registers) and where the build
/// defines `ONNXQ_SIMD16` (x86-64 built for AVX2 or AVX-512 with `-target-cpu`); SIMD8 elsewhere
/// (baseline x86-64: SSE2, 16 registers). The multiply-add is fused on AArch64 (always has FMA) and
/// where the build defines `ONNXQ_FMA`; elsewhere it is a multiply then an add, because an FMA the
/// target lacks would become a library call per lane.
enum FloatGemm {
  #if ONNXQ_SIMD16 || arch(arm64)
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

  /// Copies `count` floats (small counts: no library call).
  @inline(__always)
  static func copy(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    var index = 0
    while index + nr <= count {
      store(load(source + index), target + index)
      index += nr
    }
    while index < count {
      target[index] = source[index]
      index += 1
    }
  }

  /// Sets `count` floats to zero (small counts: no library call).
  @inline(__always)
  static func zero(_ target: UnsafeMutablePointer<Float>, _ count: Int) {
    var index = 0
    while index + nr <= count {
      store(Vector(), target + index)
      index += nr
    }
    while index < count {
      target[index] = 0
      index += 1
    }
  }

  /// `target[i] = source[2 * i]` for `count` floats.
  @inline(__always)
  static func copyEven(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    var index = 0
    // Reads 16 floats to write 8: stop while the 16th is still within the 2 * count - 1 read.
    while index + 8 < count {
      let pair = UnsafeRawPointer(source + 2 * index).loadUnaligned(as: SIMD16<Float>.self)
      UnsafeMutableRawPointer(target + index).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
      index += 8
    }
    while index < count {
      target[index] = source[2 * index]
      index += 1
    }
  }

  @inline(__always)
  static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

  /// `even[i] = source[2 * i]` and `odd[i] = source[2 * i + 1]` for `count` (at least 1) floats in whole
  /// vectors: reads up to 2 * NR - 1 floats past `source + 2 * count` and writes up to NR - 1 past each
  /// target's `count`, with zeros.
  @inline(__always)
  static func copyPairWhole(
    _ source: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>, _ odd: UnsafeMutablePointer<Float>,
    _ count: Int
  ) {
    var index = 0
    while index + nr < count {
      let low = load(source + 2 * index)
      let high = load(source + 2 * index + nr)
      store(Vector(lowHalf: low.evenHalf, highHalf: high.evenHalf), even + index)
      store(Vector(lowHalf: low.oddHalf, highHalf: high.oddHalf), odd + index)
      index += nr
    }
    let low = load(source + 2 * index)
    let high = load(source + 2 * index + nr)
    let valid = laneIndices .< Float(count - index)
    store(FloatActivation.select(valid, Vector(lowHalf: low.evenHalf, highHalf: high.evenHalf), Vector()), even + index)
    store(FloatActivation.select(valid, Vector(lowHalf: low.oddHalf, highHalf: high.oddHalf), Vector()), odd + index)
  }

  /// 0, 1, 2, ... in the lanes.
  #if ONNXQ_SIMD16 || arch(arm64)
    @inline(__always) static var laneIndices: Vector { Vector(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }
  #else
    @inline(__always) static var laneIndices: Vector { Vector(0, 1, 2, 3, 4, 5, 6, 7) }
  #endif

  /// Copies `count` (at least 1) floats in whole vectors: reads up to NR - 1 floats past `source + count`
  /// and writes as many past `target + count`, with zeros.
  @inline(__always)
  static func copyWhole(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    var index = 0
    while index + nr < count {
      store(load(source + index), target + index)
      index += nr
    }
    let tail = load(source + index)
    store(FloatActivation.select(laneIndices .< Float(count - index), tail, Vector()), target + index)
  }

  /// `target[i] = source[2 * i]` for `count` (at least 1) floats in whole vectors: reads up to 2 * NR - 1
  /// floats past `source + 2 * count` and writes up to NR - 1 past `target + count`, with zeros.
  @inline(__always)
  static func copyEvenWhole(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    var index = 0
    while index + nr < count {
      let low = load(source + 2 * index)
      let high = load(source + 2 * index + nr)
      store(Vector(lowHalf: low.evenHalf, highHalf: high.evenHalf), target + index)
      index += nr
    }
    let low = load(source + 2 * index)
    let high = load(source + 2 * index + nr)
    let tail = Vector(lowHalf: low.evenHalf, highHalf: high.evenHalf)
    store(FloatActivation.select(laneIndices .< Float(count - index), tail, Vector()), target + index)
  }

  // MARK: Packing (load time, or run time into scratch)

  /// Floats a packed A of `m x k` takes: one block of MR rows per tile.
  static func packedACount(m: Int, k: Int) -> Int { tileCount(m: m) * mr * k }

  // MARK: Row tiles

  /// Rows of C are cut into tiles of MR rows, except that a remainder of 1 to 3 rows is merged with the
  /// tile before it and the two are split evenly (7 = 4 + 3, 8 = 4 + 4, 9 = 5 + 4): tiles of one to three
  /// rows have too few independent accumulators to hide the multiply-add latency.
  @inline(__always)
  static func tileCount(m: Int) -> Int {
    if m <= mr { return m > 0 ? 1 : 0 }
    let remainder = m % mr
    return m / mr + (remainder == 0 ? 0 : 1)
  }

  /// The first row and the row count of tile `t` of `m` rows.
  @inline(__always)
  static func tile(_ t: Int, m: Int) -> (start: Int, rows: Int) {
    let full = m / mr
    let remainder = m - full * mr
    if remainder == 0 || m <= mr { return (t * mr, min(mr, m - t * mr)) }
    if remainder >= 4 || t < full - 1 { return (t * mr, t < full ? mr : remainder) }
    // The last two tiles share mr + remainder rows.
    let merged = mr + remainder
    let first = (merged + 1) / 2
    let start = (full - 1) * mr
    return t == full - 1 ? (start, first) : (start + first, merged - first)
  }

  /// Floats a packed B of `k x n` takes: whole panels of NR columns.
  static func packedBCount(k: Int, n: Int) -> Int { roundUp(n, nr) * k }

  /// Packs A (element (i, p) at `source[i * rowStride + p * kStride]`) tile by tile (see `tile`):
  /// tile `t` at `t * MR * k`, element (i, p) of the tile at `p * MR + i`; rows past the tile's are zero.
  static func packA(
    _ source: UnsafePointer<Float>, rowStride: Int, kStride: Int, m: Int, k: Int,
    into destination: UnsafeMutablePointer<Float>
  ) {
    let rows = mr
    var out = destination
    for t in 0..<tileCount(m: m) {
      let (start, count) = tile(t, m: m)
      for p in 0..<k {
        for i in 0..<rows { out[i] = i < count ? source[(start + i) * rowStride + p * kStride] : 0 }
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
    /// Applied to every result as it is finally stored, after the biases (FusedConv).
    var activation = FloatActivation.none
    /// C is stored transposed: element (i, j) at `c[i + j * ldc]` (a convolution computed with the
    /// output positions as rows and the channels along the lanes).
    var cTransposed = false
    /// B's rows anywhere: row p at `b + bRowOffsets[p]` (columns contiguous, whole vectors readable as with
    /// `bRowsPadded`; `ldb` unused). For a convolution, B is then its input planes themselves (implicit
    /// im2col). A must be packed and M more than 1.
    var bRowOffsets: UnsafePointer<Int>? = nil

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
    let rowStride = problem.cTransposed ? 1 : problem.ldc
    let laneStride = problem.cTransposed ? problem.ldc : 1
    var k0 = 0
    repeat {
      let depth = min(kc, kTotal - k0)
      let firstBlock = k0 == 0
      let activation = k0 + kc >= kTotal ? problem.activation : .none
      // Clamps are applied as tiles are stored; other activations once a block of tiles is stored.
      let clamp = activation.isClamp ? activation : .none
      let pass = activation.isClamp ? FloatActivation.none : activation
      let tiles = tileCount(m: m)
      let tilesPerBlock = mc / rowsPerTile
      // A single row has one accumulator per panel: run several panels side by side instead.
      let firstColumn =
        m == 1 ? rowPanels(problem, k0: k0, depth: depth, firstBlock: firstBlock, activation: clamp) : 0
      if m == 1 && pass.kind != .none {
        pass.apply(
          problem.c, rows: 1, rowStride: rowStride, laneStride: laneStride, laneStart: 0, laneEnd: firstColumn)
      }
      var t0 = 0
      while t0 < tiles {
        let tEnd = min(tiles, t0 + tilesPerBlock)
        var j0 = firstColumn
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
          } else if problem.bRowOffsets != nil {
            bPanel = problem.b + j0
            bStride = 0
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
            c: problem.c + column * laneStride, rowStride: rowStride, laneStride: laneStride, laneStart: laneStart,
            laneEnd: laneEnd, alpha: problem.alpha, rowBias: nil, colBias: nil,
            accumulate: problem.accumulate || !firstBlock, clamped: clamp.kind != .none, clampLow: clamp.clampLow,
            clampHigh: clamp.clampHigh)
          if firstBlock, let bias = problem.colBias { output.colBias = bias + column }
          for t in t0..<tEnd {
            let (start, rows) = tile(t, m: m)
            output.c = problem.c + start * rowStride + column * laneStride
            if firstBlock, let bias = problem.rowBias { output.rowBias = bias + start }
            if let offsets = problem.bRowOffsets {
              let aBlock = problem.a + t * rowsPerTile * kTotal + k0 * rowsPerTile
              indirectTile(rows, aBlock, bPanel, offsets + k0, depth, output)
            } else if problem.aPacked {
              let aBlock = problem.a + t * rowsPerTile * kTotal + k0 * rowsPerTile
              packedTile(rows, aBlock, bPanel, bStride, depth, output)
            } else {
              let aBlock = problem.a + start * problem.aRowStride + k0 * problem.aKStride
              stridedTile(rows, aBlock, problem.aRowStride, problem.aKStride, bPanel, bStride, depth, output)
            }
          }
          if pass.kind != .none {
            let first = tile(t0, m: m).start
            let last = tile(tEnd - 1, m: m)
            pass.apply(
              problem.c + first * rowStride + column * laneStride, rows: last.start + last.rows - first,
              rowStride: rowStride, laneStride: laneStride, laneStart: laneStart, laneEnd: laneEnd)
          }
          j0 += lanes
        }
        t0 = tEnd
      }
      k0 += kc
    } while k0 < kTotal
  }

  /// The columns of a one-row product whose B panels can be read whole (all of them when B is packed
  /// or padded, the whole panels of a row-major B), four panels per pass; returns the first column left.
  static func rowPanels(
    _ problem: Problem, k0: Int, depth: Int, firstBlock: Bool, activation: FloatActivation
  ) -> Int {
    let lanes = nr
    let n = problem.n
    let direct = problem.bPacked || problem.bRowsPadded
    let panels = direct ? (n + lanes - 1) / lanes : n / lanes
    let a = problem.aPacked ? problem.a + k0 * mr : problem.a + k0 * problem.aKStride
    let aK = problem.aPacked ? mr : problem.aKStride
    let panelStride = problem.bPacked ? lanes * problem.k : lanes
    let bK = problem.bPacked ? lanes : problem.ldb
    let laneStride = problem.cTransposed ? problem.ldc : 1
    var output = TileOutput(
      c: problem.c, rowStride: problem.cTransposed ? 1 : problem.ldc, laneStride: laneStride, laneStart: 0,
      laneEnd: lanes, alpha: problem.alpha, rowBias: nil, colBias: nil, accumulate: problem.accumulate || !firstBlock,
      clamped: activation.kind != .none, clampLow: activation.clampLow, clampHigh: activation.clampHigh)
    if firstBlock, let bias = problem.rowBias { output.rowBias = bias }
    var panel = 0
    while panel < panels {
      let count = min(4, panels - panel)
      let j0 = panel * lanes
      output.c = problem.c + j0 * laneStride
      if firstBlock, let bias = problem.colBias { output.colBias = bias + j0 }
      let b = problem.bPacked ? problem.b + panel * panelStride + k0 * lanes : problem.b + k0 * problem.ldb + j0
      let lastLanes = min(lanes, n - (panel + count - 1) * lanes)
      switch count {
      case 4: row4(a, aK, b, panelStride, bK, depth, output, lastLanes)
      case 3: row3(a, aK, b, panelStride, bK, depth, output, lastLanes)
      case 2: row2(a, aK, b, panelStride, bK, depth, output, lastLanes)
      default: row1(a, aK, b, panelStride, bK, depth, output, lastLanes)
      }
      panel += count
    }
    return min(n, panels * lanes)
  }

  /// One row of C across `panels` panels of B (`panelStride` apart); the last panel writes `lastLanes`.
  @inline(__always)
  static func rowTile(
    panels: Int, _ a: UnsafePointer<Float>, _ aK: Int, _ b: UnsafePointer<Float>, _ panelStride: Int, _ bK: Int,
    _ depth: Int, _ output: TileOutput, _ lastLanes: Int
  ) {
    var c0 = Vector()
    var c1 = Vector()
    var c2 = Vector()
    var c3 = Vector()
    var pa = a
    var pb = b
    var remaining = depth
    while remaining > 0 {
      let av = Vector(repeating: pa[0])
      multiplyAdd(&c0, av, load(pb))
      if panels > 1 { multiplyAdd(&c1, av, load(pb + panelStride)) }
      if panels > 2 { multiplyAdd(&c2, av, load(pb + 2 * panelStride)) }
      if panels > 3 { multiplyAdd(&c3, av, load(pb + 3 * panelStride)) }
      pa += aK
      pb += bK
      remaining -= 1
    }
    let lanes = Vector.scalarCount
    var out = output
    for panel in 0..<panels {
      let value = panel == 0 ? c0 : panel == 1 ? c1 : panel == 2 ? c2 : c3
      if panel == panels - 1 { out.laneEnd = lastLanes }
      out.write(0, value)
      out.c += lanes * out.laneStride
      if let bias = out.colBias { out.colBias = bias + lanes }
    }
  }

  @inline(never) static func row4(
    _ a: UnsafePointer<Float>, _ aK: Int, _ b: UnsafePointer<Float>, _ panelStride: Int, _ bK: Int, _ depth: Int,
    _ output: TileOutput, _ lastLanes: Int
  ) { rowTile(panels: 4, a, aK, b, panelStride, bK, depth, output, lastLanes) }
  @inline(never) static func row3(
    _ a: UnsafePointer<Float>, _ aK: Int, _ b: UnsafePointer<Float>, _ panelStride: Int, _ bK: Int, _ depth: Int,
    _ output: TileOutput, _ lastLanes: Int
  ) { rowTile(panels: 3, a, aK, b, panelStride, bK, depth, output, lastLanes) }
  @inline(never) static func row2(
    _ a: UnsafePointer<Float>, _ aK: Int, _ b: UnsafePointer<Float>, _ panelStride: Int, _ bK: Int, _ depth: Int,
    _ output: TileOutput, _ lastLanes: Int
  ) { rowTile(panels: 2, a, aK, b, panelStride, bK, depth, output, lastLanes) }
  @inline(never) static func row1(
    _ a: UnsafePointer<Float>, _ aK: Int, _ b: UnsafePointer<Float>, _ panelStride: Int, _ bK: Int, _ depth: Int,
    _ output: TileOutput, _ lastLanes: Int
  ) { rowTile(panels: 1, a, aK, b, panelStride, bK, depth, output, lastLanes) }

  // MARK: Micro-kernels

  /// Where one tile's accumulators go and what is added on the way.
  struct TileOutput {
    /// Row 0, lane 0 of the tile in C.
    var c: UnsafeMutablePointer<Float>
    /// Floats between two rows and between two lanes of C: (ldc, 1), or (1, ldc) when C is transposed.
    var rowStride: Int
    var laneStride: Int
    /// Lanes written: all NR, or the valid ones of an edge tile.
    var laneStart: Int
    var laneEnd: Int
    var alpha: Float
    /// At the tile's row 0.
    var rowBias: UnsafePointer<Float>?
    /// At the tile's lane 0; NR lanes readable.
    var colBias: UnsafePointer<Float>?
    var accumulate: Bool
    /// Results are clamped to `clampLow...clampHigh` as they are stored (Relu, Clip; the final K block).
    var clamped: Bool
    var clampLow: Float
    var clampHigh: Float

    @inline(__always)
    func write(_ row: Int, _ accumulator: Vector) {
      var value = accumulator
      if alpha != 1 { value *= alpha }
      if let bias = rowBias { value += Vector(repeating: bias[row]) }
      if let bias = colBias { value += FloatGemm.load(bias) }
      let out = c + row * rowStride
      if laneStride == 1 && laneStart == 0 && laneEnd == Vector.scalarCount {
        if accumulate { value += FloatGemm.load(out) }
        if clamped { value = FloatActivation.clamp(value, clampLow, clampHigh) }
        FloatGemm.store(value, out)
      } else {
        writeLanes(out, value)
      }
    }

    /// The lanes of an edge tile, or of a transposed C.
    @inline(never)
    func writeLanes(_ out: UnsafeMutablePointer<Float>, _ result: Vector) {
      var value = result
      if accumulate {
        var prior = Vector()
        for lane in laneStart..<laneEnd { prior[lane] = out[lane * laneStride] }
        value += prior
      }
      if clamped { value = FloatActivation.clamp(value, clampLow, clampHigh) }
      for lane in laneStart..<laneEnd { out[lane * laneStride] = value[lane] }
    }
  }

  /// Up to six rows of a tile. `rows` is a constant at every call site, so the untaken rows fold away.
  /// With `bRows`, B's row p is at `b + bRows[p]` instead of `b + p * bK`.
  @inline(__always)
  static func tile(
    rows: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput, bRows: UnsafePointer<Int>? = nil
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
    var row = bRows
    while remaining > 0 {
      let bv: Vector
      if let current = row {
        bv = load(b + current[0])
        row = current + 1
      } else {
        bv = load(pb)
      }
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
  @inline(__always)
  static func packedTile(
    _ rows: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) {
    switch rows {
    case 6: packed6(a, b, bK, depth, output)
    case 5: packed5(a, b, bK, depth, output)
    case 4: packed4(a, b, bK, depth, output)
    case 3: packed3(a, b, bK, depth, output)
    case 2: packed2(a, b, bK, depth, output)
    default: packed1(a, b, bK, depth, output)
    }
  }

  /// A tile whose A block is packed and whose B rows are found through a table of offsets.
  @inline(__always)
  static func indirectTile(
    _ rows: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) {
    switch rows {
    case 6: indirect6(a, b, bRows, depth, output)
    case 5: indirect5(a, b, bRows, depth, output)
    case 4: indirect4(a, b, bRows, depth, output)
    case 3: indirect3(a, b, bRows, depth, output)
    case 2: indirect2(a, b, bRows, depth, output)
    default: indirect1(a, b, bRows, depth, output)
    }
  }

  /// A tile whose A is read in place through strides.
  @inline(__always)
  static func stridedTile(
    _ rows: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int,
    _ depth: Int, _ output: TileOutput
  ) {
    switch rows {
    case 6: strided6(a, aRow, aK, b, bK, depth, output)
    case 5: strided5(a, aRow, aK, b, bK, depth, output)
    case 4: strided4(a, aRow, aK, b, bK, depth, output)
    case 3: strided3(a, aRow, aK, b, bK, depth, output)
    case 2: strided2(a, aRow, aK, b, bK, depth, output)
    default: strided1(a, aRow, aK, b, bK, depth, output)
    }
  }

  // One function per row count, so that each holds exactly one copy of `tile` with `rows` folded.
  @inline(never) static func packed6(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 6, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func packed5(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 5, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func packed4(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 4, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func packed3(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 3, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func packed2(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 2, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func packed1(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int, _ output: TileOutput
  ) { tile(rows: 1, a, 1, 6, b, bK, depth, output) }
  @inline(never) static func indirect6(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 6, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func indirect5(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 5, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func indirect4(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 4, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func indirect3(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 3, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func indirect2(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 2, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func indirect1(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bRows: UnsafePointer<Int>, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 1, a, 1, 6, b, 0, depth, output, bRows: bRows) }
  @inline(never) static func strided6(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 6, a, aRow, aK, b, bK, depth, output) }
  @inline(never) static func strided5(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 5, a, aRow, aK, b, bK, depth, output) }
  @inline(never) static func strided4(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 4, a, aRow, aK, b, bK, depth, output) }
  @inline(never) static func strided3(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 3, a, aRow, aK, b, bK, depth, output) }
  @inline(never) static func strided2(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 2, a, aRow, aK, b, bK, depth, output) }
  @inline(never) static func strided1(
    _ a: UnsafePointer<Float>, _ aRow: Int, _ aK: Int, _ b: UnsafePointer<Float>, _ bK: Int, _ depth: Int,
    _ output: TileOutput
  ) { tile(rows: 1, a, aRow, aK, b, bK, depth, output) }

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
