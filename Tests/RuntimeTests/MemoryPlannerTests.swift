import ONNXFormat
import XCTest

@testable import Runtime

final class MemoryPlannerTests: XCTestCase {
  /// A plan of `.none` kernels: enough for the planner, which looks only at values, steps and lifetimes.
  private struct Builder {
    var plan = ExecutionPlan()

    mutating func input(_ bytes: Int) -> Int {
      plan.values.append(PlannedValue(name: "in" + String(plan.values.count), type: TensorType(.uint8, [bytes]), producer: nil, aliasOf: nil))
      plan.inputs.append(plan.values.count - 1)
      return plan.values.count - 1
    }

    @discardableResult
    mutating func step(
      _ inputs: [Int], outputBytes: [Int], scratch: Int = 0, inPlace: Int? = nil, aliasOf: Int? = nil
    ) -> [Int] {
      var outputs: [Int] = []
      for bytes in outputBytes {
        let alias = outputs.isEmpty ? aliasOf.map { plan.values[$0].aliasOf ?? $0 } : nil
        plan.values.append(
          PlannedValue(name: "v" + String(plan.values.count), type: TensorType(.uint8, [bytes]), producer: plan.steps.count, aliasOf: alias))
        outputs.append(plan.values.count - 1)
      }
      plan.steps.append(
        PlannedStep(
          label: "s" + String(plan.steps.count), op: .relu, kernel: .none, inputs: inputs.map { .value($0) },
          outputs: outputs, scratchBytes: scratch, inPlaceInput: inPlace))
      return outputs
    }

    mutating func output(_ value: Int) { plan.outputs.append((name: "out", source: .value(value))) }
  }

  func testChainReusesBuffersDownToTheLowerBound() {
    var b = Builder()
    let x = b.input(1024)
    let a = b.step([x], outputBytes: [1024])[0]
    let c = b.step([a], outputBytes: [1024])[0]
    let d = b.step([c], outputBytes: [1024])[0]
    b.output(d)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertEqual(memory.lowerBoundBytes, 2048)
    XCTAssertEqual(memory.arenaBytes, 2048)
    XCTAssertNotEqual(memory.valueOffsets[a], memory.valueOffsets[c])
    XCTAssertNotEqual(memory.valueOffsets[c], memory.valueOffsets[d])
  }

  func testInPlaceOutputTakesOverADyingInput() {
    var b = Builder()
    let x = b.input(256)
    let a = b.step([x], outputBytes: [512])[0]
    let relu = b.step([a], outputBytes: [512], inPlace: 0)[0]
    let last = b.step([relu], outputBytes: [64])[0]
    b.output(last)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertEqual(memory.valueOffsets[relu], memory.valueOffsets[a])
  }

  func testInPlaceIsRefusedWhenTheInputIsReadLater() {
    var b = Builder()
    let x = b.input(256)
    let a = b.step([x], outputBytes: [512])[0]
    let relu = b.step([a], outputBytes: [512], inPlace: 0)[0]
    let sum = b.step([relu, a], outputBytes: [512])[0]
    b.output(sum)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertNotEqual(memory.valueOffsets[relu], memory.valueOffsets[a])
  }

  func testInPlaceNeverOverwritesAGraphInputOrOutput() {
    var b = Builder()
    let x = b.input(256)
    let relu = b.step([x], outputBytes: [256], inPlace: 0)[0]
    b.output(relu)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertNotEqual(memory.valueOffsets[relu], memory.valueOffsets[x])
  }

  func testAliasSharesTheRootBufferAndExtendsItsLife() {
    var b = Builder()
    let x = b.input(128)
    let a = b.step([x], outputBytes: [1024])[0]
    let reshaped = b.step([a], outputBytes: [1024], aliasOf: a)[0]
    let other = b.step([x], outputBytes: [1024])[0]
    let sum = b.step([reshaped, other], outputBytes: [1024])[0]
    b.output(sum)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertEqual(memory.valueOffsets[reshaped], memory.valueOffsets[a])
    // `a` lives on through its alias until the last step reads it, so `other` cannot share it.
    XCTAssertNotEqual(memory.valueOffsets[other], memory.valueOffsets[a])
  }

  func testScratchIsPlannedForItsStepOnly() {
    var b = Builder()
    let x = b.input(64)
    let a = b.step([x], outputBytes: [64], scratch: 4096)[0]
    let c = b.step([a], outputBytes: [64], scratch: 4096)[0]
    b.output(c)
    let memory = MemoryPlanner.plan(b.plan)
    XCTAssertEqual(memory.scratchOffsets[0], memory.scratchOffsets[1], "scratch of different steps may share bytes")
    XCTAssertGreaterThanOrEqual(memory.arenaBytes, 4096 + 64 + 64)
  }

  /// Random plans: no two buffers live at the same step may overlap in the arena.
  func testRandomPlansNeverOverlapLiveBuffers() {
    var generator = PlannerRandom(seed: 7)
    for _ in 0..<200 {
      var b = Builder()
      var live = [b.input(Int.random(in: 1...4096, using: &generator))]
      let stepCount = Int.random(in: 1...30, using: &generator)
      for _ in 0..<stepCount {
        let inputs = (0..<Int.random(in: 1...3, using: &generator)).map { _ in live.randomElement(using: &generator)! }
        let inPlace: Int? = Bool.random(using: &generator) ? 0 : nil
        let bytes = Int.random(in: 1...4096, using: &generator)
        let outputs = b.step(
          inputs, outputBytes: [inPlace != nil ? b.plan.values[inputs[0]].type.byteCount : bytes],
          scratch: Bool.random(using: &generator) ? Int.random(in: 1...2048, using: &generator) : 0, inPlace: inPlace)
        live.append(contentsOf: outputs)
      }
      b.output(live.last!)
      if Bool.random(using: &generator) { b.output(live[live.count / 2]) }
      let memory = MemoryPlanner.plan(b.plan)
      XCTAssertGreaterThanOrEqual(memory.arenaBytes, memory.lowerBoundBytes)
      assertNoLiveOverlap(b.plan, memory)
    }
  }

  /// Recomputes lifetimes independently and checks that buffers live together do not share bytes,
  /// unless one is the in-place continuation or alias of the other.
  private func assertNoLiveOverlap(_ plan: ExecutionPlan, _ memory: MemoryPlan) {
    let end = plan.steps.count
    var first = [Int](repeating: 0, count: plan.values.count)
    var last = [Int](repeating: -1, count: plan.values.count)
    for (index, step) in plan.steps.enumerated() {
      for output in step.outputs {
        first[output] = index
        last[output] = max(last[output], index)
      }
      for case .value(let input) in step.inputs { last[input] = max(last[input], index) }
    }
    for output in plan.outputs { if case .value(let v) = output.source { last[v] = end } }
    let values = (0..<plan.values.count).filter { memory.valueOffsets[$0] >= 0 }
    for i in values {
      for j in values where j > i {
        let sameBuffer = memory.valueOffsets[i] == memory.valueOffsets[j]
        // A value handed over in place ends exactly where its successor starts.
        let handedOver = sameBuffer && (last[i] == first[j] || last[j] == first[i])
        let overlapTime = !(first[i] > last[j] || first[j] > last[i])
        let a = memory.valueOffsets[i]
        let b = memory.valueOffsets[j]
        let overlapMemory = a < b + plan.values[j].type.byteCount && b < a + plan.values[i].type.byteCount
        if overlapTime && overlapMemory && !handedOver {
          XCTFail("values " + String(i) + " and " + String(j) + " overlap in time and memory")
          return
        }
      }
    }
  }
}

struct PlannerRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
