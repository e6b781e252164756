/// One row of a broadcast step: `count` output elements from output offset `o`, with operands
/// starting at element offsets `a`, `b`, `c` and moving by the plan's inner strides.
protocol RowKernel {
  func row(_ o: Int, _ a: Int, _ b: Int, _ c: Int, _ count: Int)
}

/// How up to three operands map onto a contiguous output under numpy broadcasting, fixed at load.
///
/// Output dims of size 1 are dropped and neighbouring dims merged wherever every operand walks them
/// as one (both contiguous or both broadcast), so same-shape operands become one flat row, a scalar
/// becomes stride 0, and a per-channel bias `[C,1,1]` against `[N,C,H,W]` becomes rows of `H*W` over
/// `[N, C]`. The innermost merged dim is the row; each operand moves along it with stride 0 or 1.
/// Outer dims are walked with strides read from `table`, which is allocated here and only read by `run`.
struct BroadcastPlan {
  /// Output elements.
  let count: Int
  /// Merged rank, at least 1.
  let rank: Int
  /// Elements in one row (the innermost merged dim).
  let inner: Int
  /// Each operand's stride along the row: 0 (broadcast) or 1.
  let innerA: Int
  let innerB: Int
  let innerC: Int
  /// For rank >= 2: dims, then output strides, then the strides of operands a, b, c; `rank` Ints each.
  let table: Storage?

  /// `operands` are the shapes of up to three operands, each already known to broadcast to `output`.
  init(output: [Int], operands: [[Int]]) {
    var total = 1
    for d in output { total *= d }
    count = total
    // Per output dim (outer first), each operand's element stride; 0 where it is broadcast.
    var strides: [[Int]] = [[], [], []]
    for k in 0..<3 {
      var row = [Int](repeating: 0, count: output.count)
      if k < operands.count {
        let shape = operands[k]
        let offset = output.count - shape.count
        var elements = 1
        for index in stride(from: shape.count - 1, through: 0, by: -1) {
          if shape[index] != 1 { row[index + offset] = elements }
          elements *= shape[index]
        }
      }
      strides[k] = row
    }
    // Merge from the innermost dim outward; dims of size 1 carry no elements and are dropped.
    var dims: [Int] = []
    var merged: [[Int]] = [[], [], []]
    if total > 0 {
      for index in stride(from: output.count - 1, through: 0, by: -1) where output[index] != 1 {
        if let last = dims.last {
          var joins = true
          for k in 0..<3 where strides[k][index] != merged[k][dims.count - 1] * last {
            joins = false
          }
          if joins {
            dims[dims.count - 1] = last * output[index]
            continue
          }
        }
        dims.append(output[index])
        for k in 0..<3 { merged[k].append(strides[k][index]) }
      }
    }
    if dims.isEmpty {
      dims = [total == 0 ? 0 : 1]
      merged = [[0], [0], [0]]
    }
    dims.reverse()
    for k in 0..<3 { merged[k].reverse() }
    rank = dims.count
    inner = dims[rank - 1]
    innerA = merged[0][rank - 1]
    innerB = merged[1][rank - 1]
    innerC = merged[2][rank - 1]
    if rank >= 2 {
      var values = dims
      var outStrides = [Int](repeating: 1, count: rank)
      for index in stride(from: rank - 2, through: 0, by: -1) {
        outStrides[index] = outStrides[index + 1] * dims[index + 1]
      }
      values += outStrides
      for k in 0..<3 { values += merged[k] }
      table = Storage(values: values)
    } else {
      table = nil
    }
  }

  /// Calls `kernel.row` once per row of the output, in order.
  @inline(__always)
  func forEachRow<K: RowKernel>(_ kernel: K) {
    if count == 0 { return }
    guard let table else {
      kernel.row(0, 0, 0, 0, inner)
      return
    }
    let t = UnsafePointer(table.typed(Int.self))
    if rank == 2 {
      let n = t[0]
      let so = t[2]
      let sa = t[4]
      let sb = t[6]
      let sc = t[8]
      var o = 0
      var a = 0
      var b = 0
      var c = 0
      for _ in 0..<n {
        kernel.row(o, a, b, c, inner)
        o += so
        a += sa
        b += sb
        c += sc
      }
    } else {
      walk(0, t, 0, 0, 0, 0, kernel)
    }
  }

  /// Walks outer dim `level` (rank >= 3), recursing until the last outer dim, whose rows it runs.
  func walk<K: RowKernel>(
    _ level: Int, _ t: UnsafePointer<Int>, _ o: Int, _ a: Int, _ b: Int, _ c: Int, _ kernel: K
  ) {
    let n = t[level]
    let so = t[rank + level]
    let sa = t[2 * rank + level]
    let sb = t[3 * rank + level]
    let sc = t[4 * rank + level]
    var o = o
    var a = a
    var b = b
    var c = c
    if level == rank - 2 {
      for _ in 0..<n {
        kernel.row(o, a, b, c, inner)
        o += so
        a += sa
        b += sb
        c += sc
      }
    } else {
      for _ in 0..<n {
        walk(level + 1, t, o, a, b, c, kernel)
        o += so
        a += sa
        b += sb
        c += sc
      }
    }
  }
}

/// The numpy broadcast of two shapes, or nil when they disagree on a dim where neither is 1.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
  let rank = max(a.count, b.count)
  var shape = [Int](repeating: 1, count: rank)
  for index in 0..<rank {
    let da = index < rank - a.count ? 1 : a[index - (rank - a.count)]
    let db = index < rank - b.count ? 1 : b[index - (rank - b.count)]
    if da == db || db == 1 {
      shape[index] = da
    } else if da == 1 {
      shape[index] = db
    } else {
      return nil
    }
  }
  return shape
}
