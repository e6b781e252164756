/// Places every run-time buffer (values and kernel scratch) in one arena before the first run.
///
/// Lifetimes are step intervals over the execution order. Values that alias another (Reshape and kin)
/// share their root's buffer; an element-wise output may take over an input that dies at its step.
/// Offsets come from the greedy-by-size first-fit heuristic (the TFLite Micro planner): buffers sorted
/// by size, largest first, each put at the lowest aligned offset that does not overlap a placed buffer
/// live at the same time.
public struct MemoryPlan {
  public static let alignment = 64

  /// Arena offset of each value's bytes; -1 for values without a buffer (unused).
  public var valueOffsets: [Int]
  /// Arena offset of each step's scratch; -1 when it needs none.
  public var scratchOffsets: [Int]
  public var arenaBytes: Int
  /// The most bytes live at any one step: no plan of these lifetimes can use less.
  public var lowerBoundBytes: Int
  public var bufferCount: Int
}

struct MemoryPlanner {
  struct Buffer {
    var bytes: Int
    var first: Int
    var last: Int
    var offset = -1
  }

  /// `threads`: the session's threads; a parallel step whose scratch is per thread gets that many
  /// copies, each `threadScratchStride` bytes apart.
  static func plan(_ plan: ExecutionPlan, threads: Int = 1) -> MemoryPlan {
    let stepCount = plan.steps.count
    let end = max(stepCount - 1, 0)
    // Each value's buffer group: the root value whose buffer it uses.
    var group = [Int](repeating: -1, count: plan.values.count)
    var planned = [Bool](repeating: false, count: plan.values.count)
    for index in plan.inputs { planned[index] = true }
    for step in plan.steps {
      for output in step.outputs { planned[output] = true }
    }
    for index in 0..<plan.values.count where planned[index] {
      group[index] = plan.values[index].aliasOf ?? index
    }

    // Uses: the last step reading each value (graph outputs are read after the last step).
    var lastUse = [Int](repeating: -1, count: plan.values.count)
    var firstUse = [Int](repeating: Int.max, count: plan.values.count)
    for index in plan.inputs { firstUse[index] = 0 }
    for (stepIndex, step) in plan.steps.enumerated() {
      for output in step.outputs {
        firstUse[output] = min(firstUse[output], stepIndex)
        lastUse[output] = max(lastUse[output], stepIndex)
      }
      for input in step.inputs {
        if case .value(let index) = input { lastUse[index] = max(lastUse[index], stepIndex) }
      }
    }
    var pinned = [Bool](repeating: false, count: plan.values.count)
    for index in plan.inputs { pinned[index] = true }
    for output in plan.outputs {
      if case .value(let index) = output.source {
        lastUse[index] = end + 1
        pinned[index] = true
      }
    }

    // Group lifetimes, merged over aliases.
    var groupFirst = [Int](repeating: Int.max, count: plan.values.count)
    var groupLast = [Int](repeating: -1, count: plan.values.count)
    var groupPinned = [Bool](repeating: false, count: plan.values.count)
    for index in 0..<plan.values.count where planned[index] {
      let root = group[index]
      groupFirst[root] = min(groupFirst[root], firstUse[index])
      groupLast[root] = max(groupLast[root], lastUse[index], firstUse[index])
      if pinned[index] { groupPinned[root] = true }
    }

    // In place: output 0 joins its input's group when every member of that group is last read here.
    for (stepIndex, step) in plan.steps.enumerated() {
      guard let inputIndex = step.inPlaceInput, inputIndex < step.inputs.count,
        case .value(let input) = step.inputs[inputIndex], let output = step.outputs.first
      else { continue }
      let inputRoot = group[input]
      let outputRoot = group[output]
      guard inputRoot >= 0, outputRoot == output, !groupPinned[inputRoot], groupLast[inputRoot] == stepIndex,
        plan.values[inputRoot].type.byteCount >= plan.values[output].type.byteCount
      else { continue }
      for index in 0..<plan.values.count where planned[index] && group[index] == outputRoot {
        group[index] = inputRoot
      }
      groupLast[inputRoot] = max(groupLast[inputRoot], groupLast[outputRoot])
      groupPinned[inputRoot] = groupPinned[outputRoot]
    }

    var buffers: [Buffer] = []
    var bufferOfRoot = [Int](repeating: -1, count: plan.values.count)
    for index in 0..<plan.values.count where planned[index] && group[index] == index {
      bufferOfRoot[index] = buffers.count
      let first = groupFirst[index] == Int.max ? 0 : groupFirst[index]
      buffers.append(Buffer(bytes: plan.values[index].type.byteCount, first: first, last: max(groupLast[index], first)))
    }
    var bufferOfScratch = [Int](repeating: -1, count: stepCount)
    for (stepIndex, step) in plan.steps.enumerated() where step.scratchBytes > 0 {
      bufferOfScratch[stepIndex] = buffers.count
      let copies = threads > 1 && step.parallel && step.scratchPerThread ? threads : 1
      let bytes = copies == 1 ? step.scratchBytes : threadScratchStride(step.scratchBytes) * copies
      buffers.append(Buffer(bytes: bytes, first: stepIndex, last: stepIndex))
    }

    let arenaBytes = place(&buffers)

    var lowerBound = 0
    if !buffers.isEmpty {
      var live = [Int](repeating: 0, count: end + 2)
      for buffer in buffers {
        for step in buffer.first...min(buffer.last, end + 1) { live[step] += buffer.bytes }
      }
      lowerBound = live.max() ?? 0
    }

    var valueOffsets = [Int](repeating: -1, count: plan.values.count)
    for index in 0..<plan.values.count where planned[index] {
      valueOffsets[index] = buffers[bufferOfRoot[group[index]]].offset
    }
    return MemoryPlan(
      valueOffsets: valueOffsets,
      scratchOffsets: bufferOfScratch.map { $0 < 0 ? -1 : buffers[$0].offset },
      arenaBytes: arenaBytes, lowerBoundBytes: lowerBound, bufferCount: buffers.count)
  }

  /// Greedy by size, first fit; returns the arena size.
  static func place(_ buffers: inout [Buffer]) -> Int {
    let order = buffers.indices.sorted {
      buffers[$0].bytes != buffers[$1].bytes ? buffers[$0].bytes > buffers[$1].bytes : $0 < $1
    }
    var placed: [Int] = []  // indices into buffers, kept sorted by offset
    var arena = 0
    for index in order {
      let buffer = buffers[index]
      var candidate = 0
      var insertAt = placed.count
      for (position, other) in placed.enumerated() {
        let placedBuffer = buffers[other]
        let overlaps = !(placedBuffer.first > buffer.last || buffer.first > placedBuffer.last)
        if !overlaps { continue }
        if placedBuffer.offset >= candidate + buffer.bytes {
          insertAt = position
          break
        }
        candidate = max(candidate, aligned(placedBuffer.offset + placedBuffer.bytes))
      }
      buffers[index].offset = candidate
      // Keep `placed` sorted by offset.
      insertAt = placed.firstIndex { buffers[$0].offset > candidate } ?? placed.count
      placed.insert(index, at: insertAt)
      arena = max(arena, candidate + buffer.bytes)
    }
    return aligned(arena)
  }

  /// Bytes between two threads' copies of `scratchBytes` of scratch.
  static func threadScratchStride(_ scratchBytes: Int) -> Int { aligned(scratchBytes) }

  static func aligned(_ bytes: Int) -> Int {
    (bytes + MemoryPlan.alignment - 1) / MemoryPlan.alignment * MemoryPlan.alignment
  }
}
