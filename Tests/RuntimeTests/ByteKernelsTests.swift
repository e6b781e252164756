import CSupport
import ONNXFormat
import XCTest

@testable import Runtime

/// The C byte-lane kernels (csupport_bytes.c) on both of their paths, the vector one this CPU picks and
/// the portable one other architectures run, against plain Swift loops; and the operators built on them
/// (QLinearLookup, Transpose between NCHW and NHWC, 8-bit MaxPool) against their references.
final class ByteKernelsTests: XCTestCase {
  private func bothPaths(_ body: () throws -> Void) rethrows {
    try body()
    oq_bytes_force_portable(1)
    defer { oq_bytes_force_portable(0) }
    try body()
  }

  func testLookupEveryLengthAndInPlace() {
    var random = PoolingRandom(seed: 51)
    let table = (0..<256).map { _ in UInt8(random.int(0...255)) }
    bothPaths {
      for count in [0, 1, 15, 63, 64, 65, 127, 128, 200, 4099] {
        let x = (0..<count).map { _ in UInt8(random.int(0...255)) }
        let expected = x.map { table[Int($0)] }
        var y = [UInt8](repeating: 0, count: count)
        oq_lookup_bytes(table, x, &y, count)
        XCTAssertEqual(y, expected, "count " + String(count))
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { buffer in
          oq_lookup_bytes(table, buffer.baseAddress, buffer.baseAddress, count)
        }
        XCTAssertEqual(inPlace, expected, "in place, count " + String(count))
      }
    }
  }

  func testTransposesOfOneAndFourByteElements() {
    var random = PoolingRandom(seed: 52)
    bothPaths {
      let shapes = [(1, 1), (16, 16), (17, 33), (64, 64), (3, 200), (200, 3), (130, 70)]
      // Padded strides, then packed ones (few rows or columns: the interleaving paths).
      let packed = [(2, 37), (3, 200), (4, 16), (37, 2), (200, 3), (16, 4), (3, 5)]
      for (number, (rows, columns)) in (shapes + packed).enumerated() {
        // Source rows padded by 5 elements, destination rows by 3: strides differ from the extents.
        let sourceStride = number < shapes.count ? columns + 5 : columns
        let destinationStride = number < shapes.count ? rows + 3 : rows
        let bytes = (0..<(rows * sourceStride)).map { _ in UInt8(random.int(0...255)) }
        let words = (0..<(rows * sourceStride)).map { _ in UInt32(truncatingIfNeeded: random.next())
        }
        var expectedBytes = [UInt8](repeating: 0, count: columns * destinationStride)
        var expectedWords = [UInt32](repeating: 0, count: columns * destinationStride)
        for i in 0..<rows {
          for j in 0..<columns {
            expectedBytes[j * destinationStride + i] = bytes[i * sourceStride + j]
            expectedWords[j * destinationStride + i] = words[i * sourceStride + j]
          }
        }
        var actualBytes = [UInt8](repeating: 0, count: columns * destinationStride)
        var actualWords = [UInt32](repeating: 0, count: columns * destinationStride)
        oq_transpose_8(bytes, rows, columns, sourceStride, &actualBytes, destinationStride)
        oq_transpose_32(words, rows, columns, sourceStride, &actualWords, destinationStride)
        let text = String(rows) + "x" + String(columns)
        XCTAssertEqual(actualBytes, expectedBytes, text)
        XCTAssertEqual(actualWords, expectedWords, text)
      }
    }
  }

  func testTransposeBetweenNCHWAndNHWC() throws {
    var random = PoolingRandom(seed: 53)
    for shape in [[1, 64, 9, 7], [2, 3, 20, 22], [1, 17, 5, 33]] {
      for perm in [[0, 2, 3, 1], [0, 3, 1, 2]] {
        let count = shape.reduce(1, *)
        let bytes = (0..<count).map { _ in Int8(truncatingIfNeeded: random.int(0...255)) }
        let floats = random.floats(count)
        let node = MV.node("Transpose", inputs: 1, [MV.ints("perm", perm)])
        let narrow = try KernelHarness.run(node, [.runtime(Constant(.int8, shape, values: bytes))])
        let wide = try KernelHarness.run(node, [.runtime(Constant(.float, shape, values: floats))])
        let text = dimsText(shape) + " perm " + dimsText(perm)
        XCTAssertEqual(narrow.outputs[0].values(Int8.self), MV.transpose(bytes, shape, perm), text)
        XCTAssertEqual(wide.outputs[0].values(Float.self), MV.transpose(floats, shape, perm), text)
      }
    }
  }

  func testTransposeOfUnitAxesAliasesItsInput() throws {
    // [1, 1, 1, C] -> [1, C, 1, 1]: the bytes keep their order, so no copy runs.
    let input = Constant(.uint8, [1, 1, 1, 40], values: (0..<40).map { UInt8($0 * 3) })
    let result = try KernelHarness.run(
      MV.node("Transpose", inputs: 1, [MV.ints("perm", [0, 3, 1, 2])]), [.runtime(input)])
    XCTAssertTrue(result.prepared.aliasesInput)
    XCTAssertEqual(result.outputs[0].type, TensorType(.uint8, [1, 40, 1, 1]))
    XCTAssertEqual(result.outputs[0].values(UInt8.self), (0..<40).map { UInt8($0 * 3) })
  }
}
