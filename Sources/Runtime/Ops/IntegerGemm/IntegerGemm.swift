/// 8-bit matrix multiply with 32-bit accumulation, shared by the IntegerConvolution and IntegerMatrix
/// families: `C[M,N] = Σ_k (A[i,k] - za_i) · (B[k,j] - zb_j)`, then an output stage (bias, requantization,
/// zero point, saturation; or int32; or float for QGemm).
///
/// A holds activations (uint8 or int8, zero point per tensor or per row), B weights (uint8 or int8, zero
/// point per tensor or per column). The inner loop multiplies the raw 8-bit values only; the zero points
/// are applied once per output as corrections,
///   `acc - za·Σ_k b - zb·Σ_k a + K·za·zb  =  acc + (-zb_j)·rowSum_i - za_i·(colSum_j - K·zb_j)`,
/// with the column terms computed when B is packed and the row sums of A while A is packed. All of it is
/// wrapping int32 arithmetic: the result is exact whenever the true value fits in int32 (ONNX allows
/// overflow only there).
///
/// Operands:
/// - B is packed (`packB`, at load for weights, into scratch for a B known only at run time) in panels of
///   NR columns, K in pairs: step `p` of a panel holds `b(2p, j), b(2p + 1, j)` for its NR columns `j`, as
///   int8 codes (uint8 values are stored minus 128, their zero point moved by the same 128, which leaves
///   every difference `b - zb` unchanged). Column terms follow the panels.
/// - A is packed at run time (`IntegerGemmSource`), `blockRows` rows at a time, in tiles of MR rows: step
///   `p` of a tile holds `a(i, 2p), a(i, 2p + 1)` as int16 for each of its MR rows.
///
/// Micro-kernel: MR x NR accumulators of int32 lanes. Per step of K, one B step (2 x NR int8 widened to
/// int16) meets each row's pair of A values broadcast as int16 pairs; the widening multiply that adds
/// adjacent products (`pmaddwd` on x86, `smull`/`smlal` pairs on Arm) does two multiply-adds per lane.
enum IntegerGemm {
  typealias Accumulator = SIMD8<Int32>

  /// Rows of A per micro-tile.
  @inline(__always) static var mr: Int { 4 }
  /// Columns of B per panel: the accumulator width.
  @inline(__always) static var nr: Int { Accumulator.scalarCount }

  @inline(__always)
  static func roundUp(_ value: Int, _ multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }

  // MARK: Packed B

  /// Where everything of one packed B is: `panels` panels of `panelBytes` int8 codes, then, at
  /// `columnsOffset`, `paddedN` int32 values of `-zb_j` and `paddedN` of `colSum_j - K·zb_j` (codes;
  /// zero for the padding columns).
  struct PackedLayout {
    var k: Int
    var n: Int

    init(k: Int, n: Int) {
      self.k = k
      self.n = n
    }

    var kPairs: Int { (k + 1) / 2 }
    var panels: Int { (n + IntegerGemm.nr - 1) / IntegerGemm.nr }
    var paddedN: Int { panels * IntegerGemm.nr }
    var panelBytes: Int { kPairs * 2 * IntegerGemm.nr }
    var columnsOffset: Int { IntegerGemm.roundUp(panels * panelBytes, 64) }
    /// Bytes of one packed B, a multiple of 64 so that consecutive packed matrices stay aligned.
    var byteCount: Int { IntegerGemm.roundUp(columnsOffset + 2 * paddedN * 4, 64) }
  }

  /// Packs B (element (p, j) at `source[p * kStride + j * nStride]`) with its zero points
  /// (`zeroPoints[j * zeroPointStride]`, 0 when nil) into `destination` (`PackedLayout.byteCount` bytes).
  static func packB<T: IntegerGemmElement>(
    _ source: UnsafePointer<T>, kStride: Int, nStride: Int, k: Int, n: Int,
    zeroPoints: UnsafePointer<T>?,
    zeroPointStride: Int, into destination: UnsafeMutableRawPointer
  ) {
    let layout = PackedLayout(k: k, n: n)
    let lanes = nr
    let codes = destination.assumingMemoryBound(to: Int8.self)
    let negatedZeros = (destination + layout.columnsOffset).assumingMemoryBound(to: Int32.self)
    let adjustments = negatedZeros + layout.paddedN
    let center = T.center
    for panel in 0..<layout.panels {
      let out = codes + panel * layout.panelBytes
      for lane in 0..<lanes {
        let j = panel * lanes + lane
        if j >= n {
          for p in 0..<layout.kPairs {
            out[p * 2 * lanes + 2 * lane] = 0
            out[p * 2 * lanes + 2 * lane + 1] = 0
          }
          negatedZeros[j] = 0
          adjustments[j] = 0
          continue
        }
        let column = source + j * nStride
        var sum: Int32 = 0
        for p in 0..<layout.kPairs {
          let first = Int32(truncatingIfNeeded: column[2 * p * kStride]) &- center
          let second =
            2 * p + 1 < k ? Int32(truncatingIfNeeded: column[(2 * p + 1) * kStride]) &- center : 0
          out[p * 2 * lanes + 2 * lane] = Int8(truncatingIfNeeded: first)
          out[p * 2 * lanes + 2 * lane + 1] = Int8(truncatingIfNeeded: second)
          sum = sum &+ first &+ second
        }
        var zero = 0 &- center
        if let zeroPoints = zeroPoints {
          zero = Int32(truncatingIfNeeded: zeroPoints[j * zeroPointStride]) &- center
        }
        negatedZeros[j] = 0 &- zero
        adjustments[j] = sum &- Int32(truncatingIfNeeded: k) &* zero
      }
    }
  }

  // MARK: Packed A

  /// Rows of A packed per block: whole tiles, about 64 KiB of packed A, at most the (rounded) row count.
  static func blockRows(m: Int, k: Int) -> Int {
    let rowBytes = max((k + 1) / 2, 1) * 4
    let fit = max(mr, (64 * 1024 / rowBytes) / mr * mr)
    return max(mr, min(roundUp(max(m, 1), mr), fit))
  }

  /// Bytes of scratch `multiply` needs with blocks of `blockRows` rows: the packed tiles, then the
  /// row sums and the row zero points.
  static func scratchBytes(blockRows: Int, k: Int) -> Int {
    tileBytes(k: k) * (blockRows / mr) + 2 * blockRows * 4
  }

  /// Bytes of one packed tile of A.
  @inline(__always)
  static func tileBytes(k: Int) -> Int { (k + 1) / 2 * 2 * mr * 2 }

  // MARK: The output stage

  /// What becomes of each corrected accumulator `v` at row `i`, column `j`:
  /// `int32`: `v + bias`; `uint8`/`int8`: `saturate(requantizer.apply(v + bias) + zeroPoint)`;
  /// `float`: `Float(v + bias) * scale` (QGemm without an output zero point).
  struct Output {
    enum Kind {
      case int32, uint8, int8, float
    }

    var kind: Kind
    /// Element (0, 0) of C.
    var c: UnsafeMutableRawPointer
    /// Elements between rows and between columns of C.
    var rowStride: Int
    var colStride: Int
    /// Bias element (i, j) at `bias[i * biasRowStride + j * biasColStride]`.
    var bias: UnsafePointer<Int32>? = nil
    var biasRowStride = 0
    var biasColStride = 0
    /// Requantizer (i, j) at `requantizers[i * requantRowStride + j * requantColStride]`.
    var requantizers: UnsafePointer<Requantizer>? = nil
    var requantRowStride = 0
    var requantColStride = 0
    /// Float scale of column j at `scales[j * scaleColStride]`.
    var scales: UnsafePointer<Float>? = nil
    var scaleColStride = 0
    var zeroPoint: Int32 = 0

    init(kind: Kind, c: UnsafeMutableRawPointer, rowStride: Int, colStride: Int) {
      self.kind = kind
      self.c = c
      self.rowStride = rowStride
      self.colStride = colStride
    }

    /// The same output for the block of C whose element (0, 0) is (row, col) of this one.
    @inline(__always)
    func offset(row: Int, col: Int) -> Output {
      var result = self
      let index = row * rowStride + col * colStride
      switch kind {
      case .int32, .float: result.c = c + index * 4
      case .uint8, .int8: result.c = c + index
      }
      if let bias = bias { result.bias = bias + row * biasRowStride + col * biasColStride }
      if let requantizers = requantizers {
        result.requantizers = requantizers + row * requantRowStride + col * requantColStride
      }
      if let scales = scales { result.scales = scales + col * scaleColStride }
      return result
    }
  }

  /// The accumulators of one micro-tile: row r of the tile in `c<r>`, NR columns each.
  struct Tile {
    var c0 = Accumulator()
    var c1 = Accumulator()
    var c2 = Accumulator()
    var c3 = Accumulator()

    @inline(__always)
    subscript(row: Int) -> Accumulator {
      switch row {
      case 0: return c0
      case 1: return c1
      case 2: return c2
      default: return c3
      }
    }
  }

  // MARK: The driver

  /// C = A · B through `output`, for the `m` rows `source` packs and the packed B at `b`.
  /// `scratch` holds `scratchBytes(blockRows:k:)` bytes.
  static func multiply<Source: IntegerGemmSource>(
    _ source: Source, m: Int, blockRows: Int, b: UnsafeRawPointer, layout: PackedLayout,
    output: Output,
    scratch: UnsafeMutableRawPointer
  ) {
    let n = layout.n
    let k = layout.k
    if m <= 0 || n <= 0 { return }
    let lanes = nr
    let kPairs = layout.kPairs
    let bytesPerTile = tileBytes(k: k)
    let tiles = scratch.assumingMemoryBound(to: Int16.self)
    let rowSums = (scratch + bytesPerTile * (blockRows / mr)).assumingMemoryBound(to: Int32.self)
    let rowZeros = rowSums + blockRows
    let codes = b.assumingMemoryBound(to: Int8.self)
    let negatedZeros = (b + layout.columnsOffset).assumingMemoryBound(to: Int32.self)
    let adjustments = negatedZeros + layout.paddedN
    var i0 = 0
    while i0 < m {
      let rows = min(blockRows, m - i0)
      source.pack(rows: i0, rows, k: k, into: tiles, rowSums: rowSums, rowZeros: rowZeros)
      let tileCount = (rows + mr - 1) / mr
      for panel in 0..<layout.panels {
        let col0 = panel * lanes
        let cols = min(lanes, n - col0)
        let panelCodes = codes + panel * layout.panelBytes
        for t in 0..<tileCount {
          let tile = kernel(
            UnsafePointer(tiles) + t * (bytesPerTile / 2), panelCodes, kPairs)
          let r0 = t * mr
          store(
            tile, rows: min(mr, rows - r0), cols: cols, rowSums: rowSums + r0,
            rowZeros: rowZeros + r0,
            negatedZeros: negatedZeros + col0, adjustments: adjustments + col0,
            output: output.offset(row: i0 + r0, col: col0))
        }
      }
      i0 += rows
    }
  }

  // MARK: Micro-kernel

  /// Int8 codes widened to int16.
  @inline(__always)
  static func widen(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
    var result = SIMD16<Int16>()
    for lane in 0..<16 { result[lane] = Int16(v[lane]) }
    return result
  }

  /// Lane j: `a[2j] * b[2j] + a[2j + 1] * b[2j + 1]` in int32 (products of int16 never overflow, and
  /// two of 8-bit values never do either).
  @inline(__always)
  static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> Accumulator {
    var wideA = SIMD16<Int32>()
    var wideB = SIMD16<Int32>()
    for lane in 0..<16 {
      wideA[lane] = Int32(a[lane])
      wideB[lane] = Int32(b[lane])
    }
    let products = wideA &* wideB
    var result = Accumulator()
    for lane in 0..<8 { result[lane] = products[2 * lane] &+ products[2 * lane + 1] }
    return result
  }

  /// A row's pair `a(i, 2p), a(i, 2p + 1)` repeated across the vector.
  @inline(__always)
  static func broadcastPair(_ pointer: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int16> {
    unsafeBitCast(
      SIMD8<Int32>(repeating: pointer.loadUnaligned(fromByteOffset: offset, as: Int32.self)),
      to: SIMD16<Int16>.self)
  }

  /// Σ over K of one packed A tile (MR rows) times one B panel (NR columns), raw values.
  @inline(never)
  static func kernel(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int8>, _ kPairs: Int) -> Tile {
    var tile = Tile()
    var pa = UnsafeRawPointer(a)
    var pb = UnsafeRawPointer(b)
    var remaining = kPairs
    while remaining > 0 {
      let bv = widen(pb.loadUnaligned(as: SIMD16<Int8>.self))
      tile.c0 &+= multiplyAddPairs(broadcastPair(pa, 0), bv)
      tile.c1 &+= multiplyAddPairs(broadcastPair(pa, 4), bv)
      tile.c2 &+= multiplyAddPairs(broadcastPair(pa, 8), bv)
      tile.c3 &+= multiplyAddPairs(broadcastPair(pa, 12), bv)
      pa += 16
      pb += 16
      remaining -= 1
    }
    return tile
  }

  /// Applies the zero-point corrections to a tile and hands each valid element to the output stage.
  @inline(__always)
  static func store(
    _ tile: Tile, rows: Int, cols: Int, rowSums: UnsafePointer<Int32>,
    rowZeros: UnsafePointer<Int32>,
    negatedZeros: UnsafePointer<Int32>, adjustments: UnsafePointer<Int32>, output: Output
  ) {
    let negated = UnsafeRawPointer(negatedZeros).loadUnaligned(as: Accumulator.self)
    let adjustment = UnsafeRawPointer(adjustments).loadUnaligned(as: Accumulator.self)
    for r in 0..<rows {
      let corrected =
        tile[r] &+ negated &* Accumulator(repeating: rowSums[r]) &- Accumulator(
          repeating: rowZeros[r]) &* adjustment
      writeRow(corrected, row: r, cols: cols, output)
    }
  }

  /// `requantizer.quantize(accumulator, zeroPoint:low:high:)`, bit for bit, with a short exact path for
  /// the common case.
  ///
  /// With the scale `mantissa * 2^-shift` and |acc| < 2^24 (so `float32(acc)` is exact), `apply` rounds
  /// `P = acc * mantissa` to 24 significant bits (moving it by at most `2^(d-1)`, d = bits(P) - 24 <=
  /// bits(acc), so by at most |acc|), then rounds `P' / 2^shift` to an integer, half to even. When P is
  /// more than |acc| away from every half-integer point `(j + 1/2) * 2^shift`, P' lies strictly between
  /// the same two such points as P, so both roundings give `floor((P + 2^(shift-1)) / 2^shift)` (no tie
  /// occurs). That covers almost every accumulator whose result lands in the 8-bit range; the rest take
  /// `Requantizer.quantize`. `low` and `high` are 8-bit bounds, so clamping the unsaturated result gives
  /// what clamping the int32-saturated one does.
  @inline(__always)
  static func quantize(
    _ requantizer: Requantizer, _ accumulator: Int32, zeroPoint: Int32, low: Int32, high: Int32
  ) -> Int32 {
    let shift = requantizer.shift
    let acc = Int64(accumulator)
    let magnitude = acc.magnitude
    if magnitude < 1 << 24 && UInt(bitPattern: shift &- 1) < 61 {
      let product = acc &* requantizer.mantissa
      let half = Int64(1) &<< Int64(shift &- 1)
      let fraction = product & (2 &* half &- 1)
      if (fraction &- half).magnitude > magnitude {
        let value = ((product &+ half) &>> Int64(shift)) &+ Int64(zeroPoint)
        return Int32(truncatingIfNeeded: min(max(value, Int64(low)), Int64(high)))
      }
    }
    return requantizer.quantize(accumulator, zeroPoint: zeroPoint, low: low, high: high)
  }

  /// Writes lanes `0..<cols` of row `row` of a tile.
  @inline(__always)
  static func writeRow(_ values: Accumulator, row: Int, cols: Int, _ output: Output) {
    var bias = Accumulator()
    if let pointer = output.bias {
      let start = pointer + row * output.biasRowStride
      for lane in 0..<cols { bias[lane] = start[lane * output.biasColStride] }
    }
    let sums = values &+ bias
    let base = row * output.rowStride
    switch output.kind {
    case .int32:
      let c = output.c.assumingMemoryBound(to: Int32.self) + base
      for lane in 0..<cols { c[lane * output.colStride] = sums[lane] }
    case .uint8:
      let c = output.c.assumingMemoryBound(to: UInt8.self) + base
      let requantizers = output.requantizers.unsafelyUnwrapped + row * output.requantRowStride
      for lane in 0..<cols {
        let q = quantize(
          requantizers[lane &* output.requantColStride], sums[lane], zeroPoint: output.zeroPoint,
          low: 0, high: 255)
        c[lane &* output.colStride] = UInt8(truncatingIfNeeded: q)
      }
    case .int8:
      let c = output.c.assumingMemoryBound(to: Int8.self) + base
      let requantizers = output.requantizers.unsafelyUnwrapped + row * output.requantRowStride
      for lane in 0..<cols {
        let q = quantize(
          requantizers[lane &* output.requantColStride], sums[lane], zeroPoint: output.zeroPoint,
          low: -128, high: 127)
        c[lane &* output.colStride] = Int8(truncatingIfNeeded: q)
      }
    case .float:
      let c = output.c.assumingMemoryBound(to: Float.self) + base
      let scales = output.scales.unsafelyUnwrapped
      for lane in 0..<cols {
        c[lane * output.colStride] = Float(sums[lane]) * scales[lane * output.scaleColStride]
      }
    }
  }
}

// MARK: Elements

/// The 8-bit element types of the integer operators.
protocol IntegerGemmElement: FixedWidthInteger {
  /// What is subtracted from a value to make its int8 code: 128 for uint8, 0 for int8.
  static var center: Int32 { get }
  /// The 16 values at `pointer`, widened to int32 lanes.
  static func widen16(_ pointer: UnsafeRawPointer) -> SIMD16<Int32>
}

extension UInt8: IntegerGemmElement {
  @inline(__always) static var center: Int32 { 128 }
  @inline(__always)
  static func widen16(_ pointer: UnsafeRawPointer) -> SIMD16<Int32> {
    IntegerLanes.widen(pointer.loadUnaligned(as: SIMD16<UInt8>.self))
  }
}

extension Int8: IntegerGemmElement {
  @inline(__always) static var center: Int32 { 0 }
  @inline(__always)
  static func widen16(_ pointer: UnsafeRawPointer) -> SIMD16<Int32> {
    IntegerLanes.widen(pointer.loadUnaligned(as: SIMD16<Int8>.self))
  }
}

// MARK: Sources of A

/// Packs rows of A for `IntegerGemm.multiply`.
protocol IntegerGemmSource {
  /// Packs rows `start..<start + count` as tiles of MR rows (rows past `count` and the pair after an odd
  /// K hold 0) and writes each row's sum of values and its zero point.
  func pack(
    rows start: Int, _ count: Int, k: Int, into tiles: UnsafeMutablePointer<Int16>,
    rowSums: UnsafeMutablePointer<Int32>, rowZeros: UnsafeMutablePointer<Int32>)
}

/// A matrix read through strides: element (i, p) at `a[i * rowStride + p * kStride]`, zero point of row i
/// at `zeroPoints[i * zeroPointStride]` (0 when nil).
struct IntegerGemmMatrixSource<T: IntegerGemmElement>: IntegerGemmSource {
  var a: UnsafePointer<T>
  var rowStride: Int
  var kStride: Int
  var zeroPoints: UnsafePointer<T>?
  var zeroPointStride: Int

  func pack(
    rows start: Int, _ count: Int, k: Int, into tiles: UnsafeMutablePointer<Int16>,
    rowSums: UnsafeMutablePointer<Int32>, rowZeros: UnsafeMutablePointer<Int32>
  ) {
    let mr = IntegerGemm.mr
    let kPairs = (k + 1) / 2
    let tileCount = (count + mr - 1) / mr
    for t in 0..<tileCount {
      let tile = tiles + t * kPairs * 2 * mr
      if rowStride == 1 && count - t * mr >= mr {
        // The tile's rows are consecutive (a pointwise convolution's positions): each k reads MR
        // consecutive values.
        let base = a + (start + t * mr)
        var sums = SIMD4<Int32>()
        var p = 0
        while 2 &* p &+ 1 < k {
          let first = base + 2 &* p &* kStride
          let second = first + kStride
          let out = tile + p &* 2 &* mr
          for r in 0..<4 {
            let x = Int16(truncatingIfNeeded: first[r])
            let y = Int16(truncatingIfNeeded: second[r])
            out[2 &* r] = x
            out[2 &* r &+ 1] = y
            sums[r] = sums[r] &+ Int32(x) &+ Int32(y)
          }
          p &+= 1
        }
        if 2 &* p < k {
          let first = base + 2 &* p &* kStride
          let out = tile + p &* 2 &* mr
          for r in 0..<4 {
            let x = Int16(truncatingIfNeeded: first[r])
            out[2 &* r] = x
            out[2 &* r &+ 1] = 0
            sums[r] = sums[r] &+ Int32(x)
          }
        }
        for r in 0..<4 {
          let i = t * mr + r
          rowSums[i] = sums[r]
          var zero: Int32 = 0
          if let zeroPoints = zeroPoints {
            zero = Int32(truncatingIfNeeded: zeroPoints[(start + i) * zeroPointStride])
          }
          rowZeros[i] = zero
        }
        continue
      }
      for r in 0..<mr {
        let i = t * mr + r
        let out = tile + 2 * r
        if i >= count {
          for p in 0..<kPairs {
            out[p * 2 * mr] = 0
            out[p * 2 * mr + 1] = 0
          }
          continue
        }
        let row = a + (start + i) * rowStride
        var sum: Int32 = 0
        var p = 0
        while 2 * p + 1 < k {
          let first = Int16(truncatingIfNeeded: row[2 * p * kStride])
          let second = Int16(truncatingIfNeeded: row[(2 * p + 1) * kStride])
          out[p * 2 * mr] = first
          out[p * 2 * mr + 1] = second
          sum = sum &+ Int32(first) &+ Int32(second)
          p += 1
        }
        if 2 * p < k {
          let first = Int16(truncatingIfNeeded: row[2 * p * kStride])
          out[p * 2 * mr] = first
          out[p * 2 * mr + 1] = 0
          sum = sum &+ Int32(first)
        }
        rowSums[i] = sum
        var zero: Int32 = 0
        if let zeroPoints = zeroPoints {
          zero = Int32(truncatingIfNeeded: zeroPoints[(start + i) * zeroPointStride])
        }
        rowZeros[i] = zero
      }
    }
    // Rows of the last tile past `count`: their sums and zero points are read, never used.
    var i = count
    while i < tileCount * mr {
      rowSums[i] = 0
      rowZeros[i] = 0
      i += 1
    }
  }
}
