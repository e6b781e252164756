// The index-map copy behind Pad and nearest Resize: along every output dim a table gives the input
// coordinate each output coordinate reads, or -1 for the pad value. Output coordinates along a dim
// with -1 fill a whole contiguous sub-block; the innermost dim copies its longest run of consecutive
// input coordinates in bulk. Dims whose table is the identity are merged at prepare and read no table.
struct IndexMapPlan {
  let elementSize: Int
  let dims: [Int]
  /// Input byte stride per dim.
  let inStrides: [Int]
  /// Output byte stride per dim (row-major).
  let outStrides: [Int]
  /// Offset of each dim's table in `maps`, or -1 when the dim is the identity.
  let mapStarts: [Int]
  let maps: Storage
  /// Innermost dim: output coordinates runStart..<runEnd read consecutive input elements.
  let runStart: Int
  let runEnd: Int
  /// The pad value (one element), used when `valueInput` is -1.
  let value: Storage
  /// The input holding the pad value at run time, or -1.
  let valueInput: Int

  /// True when the plan reproduces its input (the step can alias it).
  let isIdentity: Bool
  /// True when the innermost table holds pad entries (-1).
  let innerPads: Bool

  /// `maps[d][o]` is the input coordinate output coordinate `o` of dim `d` reads, or -1 for the pad value.
  init(
    elementSize: Int, inputShape: [Int], outputShape: [Int], maps: [[Int]], value: [UInt8],
    valueInput: Int
  ) {
    // Describe each dim; nil table = identity.
    var dims: [Int] = []
    var strides: [Int] = []
    var tables: [[Int]?] = []
    var inputStride = 1
    var raw: [(dim: Int, stride: Int, table: [Int]?)] = []
    var index = inputShape.count - 1
    while index >= 0 {
      let map = maps[index]
      var identity = inputShape[index] == outputShape[index]
      if identity {
        for (o, m) in map.enumerated() where m != o {
          identity = false
          break
        }
      }
      raw.insert((outputShape[index], inputStride, identity ? nil : map), at: 0)
      inputStride *= inputShape[index]
      index -= 1
    }
    for entry in raw {
      // A dim of one output element reading input coordinate 0 adds nothing.
      if entry.dim == 1, entry.table == nil || entry.table?[0] == 0 { continue }
      if entry.table == nil, let previous = tables.last, previous == nil, let last = dims.last,
        strides[strides.count - 1] == entry.stride * entry.dim
      {
        dims[dims.count - 1] = last * entry.dim
        strides[strides.count - 1] = entry.stride
        continue
      }
      dims.append(entry.dim)
      strides.append(entry.stride)
      tables.append(entry.table)
    }
    if dims.isEmpty {
      dims = [1]
      strides = [1]
      tables = [nil]
    }
    var flat: [Int] = []
    var starts: [Int] = []
    for table in tables {
      if let table {
        starts.append(flat.count)
        flat += table
      } else {
        starts.append(-1)
      }
    }
    let last = dims.count - 1
    var runStart = 0
    var runEnd = 0
    if strides[last] == 1 {
      if let table = tables[last] {
        // The longest stretch of consecutive input coordinates.
        var o = 0
        while o < table.count {
          if table[o] < 0 {
            o += 1
            continue
          }
          var end = o + 1
          while end < table.count && table[end] == table[end - 1] + 1 { end += 1 }
          if end - o > runEnd - runStart && end - o >= 2 {
            runStart = o
            runEnd = end
          }
          o = end
        }
      } else {
        runEnd = dims[last]
      }
    }
    var outStrides = [Int](repeating: elementSize, count: dims.count)
    var d = dims.count - 2
    while d >= 0 {
      outStrides[d] = outStrides[d + 1] * dims[d + 1]
      d -= 1
    }
    self.elementSize = elementSize
    self.dims = dims
    self.inStrides = strides.map { $0 * elementSize }
    self.outStrides = outStrides
    self.mapStarts = starts
    self.maps = Storage(values: flat)
    self.runStart = runStart
    self.runEnd = runEnd
    var padded = value
    while padded.count < 8 { padded.append(0) }
    self.value = Storage(bytes: padded)
    self.valueInput = valueInput
    self.innerPads = tables[last]?.contains(-1) ?? false
    self.isIdentity = dims.count == 1 && tables[0] == nil && inputShape == outputShape
  }

  func run(_ buffers: StepBuffers) {
    switch elementSize {
    case 1: start(buffers, UInt8.self)
    case 2: start(buffers, UInt16.self)
    case 4: start(buffers, UInt32.self)
    default: start(buffers, UInt64.self)
    }
  }

  private func start<T>(_ buffers: StepBuffers, _ type: T.Type) {
    var source = UnsafeRawPointer(value.pointer)
    if valueInput >= 0, valueInput < buffers.inputs.count, let given = buffers.inputs[valueInput] {
      source = given
    }
    let padValue = source.assumingMemoryBound(to: T.self).pointee
    level(0, buffers.inputs[0].unsafelyUnwrapped, buffers.outputs[0], padValue)
  }

  private func level<T>(
    _ dim: Int, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, _ padValue: T
  ) {
    let count = dims[dim]
    let start = mapStarts[dim]
    let table = maps.typed(Int.self)
    if dim == dims.count - 1 {
      innermost(count, start, table, source, destination, padValue)
      return
    }
    let inStride = inStrides[dim]
    let outStride = outStrides[dim]
    var previous = -1
    var o = 0
    while o < count {
      let m = start < 0 ? o : table[start + o]
      let out = destination + o * outStride
      if m < 0 {
        fillElements(out, outStride / elementSize, padValue)
      } else if m == previous {
        // Same input slice as the block before (nearest upsampling, edge padding): copy that block.
        out.copyMemory(from: out - outStride, byteCount: outStride)
      } else {
        level(dim + 1, source + m * inStride, out, padValue)
      }
      previous = m
      o += 1
    }
  }

  @inline(__always)
  private func innermost<T>(
    _ count: Int, _ start: Int, _ table: UnsafeMutablePointer<Int>, _ source: UnsafeRawPointer,
    _ destination: UnsafeMutableRawPointer, _ padValue: T
  ) {
    let inStride = inStrides[dims.count - 1]
    if runEnd > runStart {
      let first = start < 0 ? runStart : table[start + runStart]
      (destination + runStart * elementSize).copyMemory(
        from: source + first * inStride, byteCount: (runEnd - runStart) * elementSize)
    }
    if start < 0 {
      if runEnd > runStart { return }
      // Identity without a bulk run: the input is strided.
      var o = 0
      while o < count {
        destination.assumingMemoryBound(to: T.self)[o] =
          (source + o * inStride).assumingMemoryBound(to: T.self).pointee
        o += 1
      }
      return
    }
    if runEnd > runStart {
      gather(0, runStart, table + start, source, destination, padValue)
      gather(runEnd, count, table + start, source, destination, padValue)
    } else {
      gather(0, count, table + start, source, destination, padValue)
    }
  }

  @inline(__always)
  private func gather<T>(
    _ low: Int, _ high: Int, _ map: UnsafeMutablePointer<Int>, _ source: UnsafeRawPointer,
    _ destination: UnsafeMutableRawPointer, _ padValue: T
  ) {
    let out = destination.assumingMemoryBound(to: T.self)
    let inStride = inStrides[dims.count - 1]
    var o = low
    if innerPads {
      while o < high {
        let m = map[o]
        out[o] = m < 0 ? padValue : (source + m * inStride).assumingMemoryBound(to: T.self).pointee
        o += 1
      }
    } else if inStride == elementSize {
      let input = source.assumingMemoryBound(to: T.self)
      while o < high {
        out[o] = input[map[o]]
        o += 1
      }
    } else {
      while o < high {
        out[o] = (source + map[o] * inStride).assumingMemoryBound(to: T.self).pointee
        o += 1
      }
    }
  }
}
