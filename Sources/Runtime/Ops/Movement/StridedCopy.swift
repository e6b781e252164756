import CSupport

// The strided copy behind Transpose, Slice, Expand and Tile: the output is written contiguously and
// each output dim reads the input through a fixed byte stride (0 for broadcast dims, negative for
// reversed slices). Dims are coalesced at prepare so the innermost loop is as long as possible:
// a unit inner stride becomes one bulk copy per row, a zero inner stride a fill. When the innermost
// output dim is strided but another dim reads the input contiguously (a real transpose), rows are
// copied in square tiles so both sides stay in cache.
struct StridedCopyPlan {
  let elementSize: Int
  /// Output dims after coalescing (at least one).
  let dims: [Int]
  /// Input byte stride per output dim.
  let inStrides: [Int]
  /// Output byte stride per dim (row-major over `dims`).
  let outStrides: [Int]
  /// Byte offset in the input of output element 0.
  let inOffset: Int
  /// For tiled transposes, the dim whose input stride is one element; -1 otherwise.
  let tileDim: Int

  static let tile = 16

  /// A plan copying an output of `shape` where output dim `d` steps through the input by `strides[d]`
  /// elements, starting at element `offset`.
  init(elementSize: Int, shape: [Int], strides: [Int], offset: Int) {
    var dims: [Int] = []
    var steps: [Int] = []
    for (index, dim) in shape.enumerated() where dim != 1 {
      let stride = strides[index] * elementSize
      if let last = dims.last, let lastStride = steps.last, lastStride == stride * dim {
        dims[dims.count - 1] = last * dim
        steps[steps.count - 1] = stride
      } else {
        dims.append(dim)
        steps.append(stride)
      }
    }
    if dims.isEmpty {
      dims = [1]
      steps = [elementSize]
    }
    var outStrides = [Int](repeating: elementSize, count: dims.count)
    var index = dims.count - 2
    while index >= 0 {
      outStrides[index] = outStrides[index + 1] * dims[index + 1]
      index -= 1
    }
    var tileDim = -1
    let last = dims.count - 1
    if dims.count >= 2 && steps[last] != elementSize && steps[last] != 0 {
      for index in 0..<last where steps[index] == elementSize { tileDim = index }
    }
    self.elementSize = elementSize
    self.dims = dims
    self.inStrides = steps
    self.outStrides = outStrides
    self.inOffset = offset * elementSize
    self.tileDim = tileDim
  }

  /// True when the plan copies the input unchanged (the step can alias its input).
  var isIdentity: Bool { dims.count == 1 && inStrides[0] == elementSize && inOffset == 0 }

  func run(_ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer) {
    let start = source + inOffset
    switch elementSize {
    case 1: level(0, start, destination, UInt8.self)
    case 2: level(0, start, destination, UInt16.self)
    case 4: level(0, start, destination, UInt32.self)
    default: level(0, start, destination, UInt64.self)
    }
  }

  private func level<T>(
    _ dim: Int, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    let last = dims.count - 1
    if dim == tileDim {
      level(dim + 1, source, destination, type)
      return
    }
    if dim == last {
      if tileDim >= 0 {
        transposeTile(source, destination, type)
      } else {
        copyRow(source, destination, type)
      }
      return
    }
    let count = dims[dim]
    let inStride = inStrides[dim]
    let outStride = outStrides[dim]
    var index = 0
    while index < count {
      level(dim + 1, source + index * inStride, destination + index * outStride, type)
      index += 1
    }
  }

  @inline(__always)
  private func copyRow<T>(
    _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    let last = dims.count - 1
    let count = dims[last]
    let stride = inStrides[last]
    if stride == elementSize {
      destination.copyMemory(from: source, byteCount: count * elementSize)
    } else if stride == 0 {
      fillElements(destination, count, source.assumingMemoryBound(to: T.self).pointee)
    } else {
      let output = destination.assumingMemoryBound(to: T.self)
      var index = 0
      while index < count {
        output[index] = (source + index * stride).assumingMemoryBound(to: T.self).pointee
        index += 1
      }
    }
  }

  /// Copies the 2-D block (tileDim × last dim): input contiguous along tileDim, output along the last dim.
  private func transposeTile<T>(
    _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, _ type: T.Type
  ) {
    let last = dims.count - 1
    let rows = dims[tileDim]
    let columns = dims[last]
    let outRow = outStrides[tileDim] / elementSize
    let inColumn = inStrides[last] / elementSize
    // 1- and 4-byte elements (int8/uint8 and float32 layouts): vector tiles in C. The input is a
    // columns x rows matrix (row stride inColumn), the output its transpose (row stride outRow).
    if elementSize == 1 {
      oq_transpose_8(
        source.assumingMemoryBound(to: UInt8.self), columns, rows, inColumn,
        destination.assumingMemoryBound(to: UInt8.self), outRow)
      return
    }
    if elementSize == 4 {
      oq_transpose_32(
        source.assumingMemoryBound(to: UInt32.self), columns, rows, inColumn,
        destination.assumingMemoryBound(to: UInt32.self), outRow)
      return
    }
    let input = source.assumingMemoryBound(to: T.self)
    let output = destination.assumingMemoryBound(to: T.self)
    let tile = StridedCopyPlan.tile
    var row0 = 0
    while row0 < rows {
      let row1 = Swift.min(row0 + tile, rows)
      var column0 = 0
      while column0 < columns {
        let column1 = Swift.min(column0 + tile, columns)
        var row = row0
        while row < row1 {
          let out = output + row * outRow
          let inp = input + row
          var column = column0
          while column < column1 {
            out[column] = inp[column * inColumn]
            column += 1
          }
          row += 1
        }
        column0 = column1
      }
      row0 = row1
    }
  }
}
