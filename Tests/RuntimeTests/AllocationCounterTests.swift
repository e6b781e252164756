import CAllocationCounter
import XCTest

/// The counter must see Swift's own allocations, or the no-allocation tests would prove nothing.
final class AllocationCounterTests: XCTestCase {
  func testCountsSwiftArrayAllocations() {
    oq_allocations_start()
    var arrays: [[Int]] = []
    for index in 0..<10 { arrays.append([index, index + 1]) }
    let counted = oq_allocations_stop()
    XCTAssertGreaterThanOrEqual(counted, 10)
    XCTAssertEqual(arrays.count, 10)
  }

  func testCountsNothingWhenNothingIsAllocated() {
    var total = 0
    oq_allocations_start()
    for index in 0..<1000 { total &+= index }
    let counted = oq_allocations_stop()
    XCTAssertEqual(counted, 0)
    XCTAssertEqual(total, 499_500)
  }
}
