import ONNXFormat
import TensorFiles
import XCTest

final class NpyRoundTripTests: XCTestCase {
  func testEveryWritableTypeRoundTrips() throws {
    let cases: [(DataType, [UInt8])] = [
      (.float, floatBytes([1.5, -2.25, 0, .infinity, -0.0, 3.4e38])),
      (.float16, littleEndianBytes([UInt16(0x3C00), 0xC000, 0x7BFF, 0, 0x8000, 0x0001])),
      (.uint8, [0, 1, 127, 128, 254, 255]),
      (.int8, [0x80, 0xFF, 0, 1, 0x7F, 0x10]),
      (.bool, [1, 0, 0, 1, 1, 0]),
      (.uint16, littleEndianBytes([UInt16(0), 1, 0x1234, 0x8000, 0xFFFE, 0xFFFF])),
      (.int16, littleEndianBytes([Int16.min, -1, 0, 1, 300, .max])),
      (.uint32, littleEndianBytes([UInt32(0), 1, 0xDEAD_BEEF, 0x8000_0000, 7, .max])),
      (.int32, littleEndianBytes([Int32.min, -70000, 0, 1, 70000, .max])),
      (.uint64, littleEndianBytes([UInt64(0), 1, 0x0123_4567_89AB_CDEF, 1 << 63, 9, .max])),
      (.int64, littleEndianBytes([Int64.min, -1, 0, 1, 1 << 40, .max])),
    ]
    for (dataType, bytes) in cases {
      let tensor = Tensor(name: "t", dataType: dataType, dims: [2, 3], bytes: bytes)
      let decoded = try Npy.decode(try Npy.encode(tensor), name: "t")
      XCTAssertEqual(decoded, tensor, dataType.name)
    }
  }

  func testDecodedFloatValuesAreThoseWritten() throws {
    let tensor = Tensor(dataType: .float, dims: [4], bytes: floatBytes([0.5, -1, 2.75, 1e-7]))
    XCTAssertEqual(floats(try Npy.decode(try Npy.encode(tensor)).bytes), [0.5, -1, 2.75, 1e-7])
  }

  func testDataStartsAtAMultipleOf64ForManyShapes() throws {
    // Includes header lengths around the 64-byte boundaries and a 9-digit dim (with no data).
    let shapes: [[Int]] = [[], [0], [1], [7], [10], [0, 123_456_789], [2, 3], [1, 3, 224, 22], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]
    for dims in shapes {
      let tensor = Tensor(dataType: .uint8, dims: dims, bytes: [UInt8](repeating: 7, count: elementCount(dims)!))
      let npy = try Npy.encode(tensor)
      let offset = dataOffset(npy)
      XCTAssertEqual(offset % 64, 0, "shape " + dimsText(dims))
      XCTAssertEqual(npy.count - offset, tensor.bytes.count)
      XCTAssertEqual(npy[offset - 1], UInt8(ascii: "\n"))
      XCTAssertEqual(try Npy.decode(npy), tensor)
    }
  }

  func testScalarShapeRoundTrips() throws {
    let scalar = Tensor(dataType: .float, dims: [], bytes: floatBytes([1.5]))
    let npy = try Npy.encode(scalar)
    XCTAssertTrue(String(decoding: npy, as: UTF8.self).contains("'shape': (), }"))
    let decoded = try Npy.decode(npy)
    XCTAssertEqual(decoded.dims, [])
    XCTAssertEqual(floats(decoded.bytes), [1.5])
  }

  func testEmptyShapeRoundTrips() throws {
    let empty = Tensor(dataType: .int8, dims: [0], bytes: [])
    let npy = try Npy.encode(empty)
    XCTAssertTrue(String(decoding: npy, as: UTF8.self).contains("'shape': (0,), }"))
    let decoded = try Npy.decode(npy)
    XCTAssertEqual(decoded.dims, [0])
    XCTAssertEqual(decoded.bytes, [])
  }

  func testHugeHeaderIsWrittenAsVersion2() throws {
    // 30000 dims of 1 make a header of about 90 kB, past version 1.0's 2-byte length field.
    let tensor = Tensor(dataType: .int32, dims: [Int](repeating: 1, count: 30_000), bytes: littleEndianBytes([Int32(-5)]))
    let npy = try Npy.encode(tensor)
    XCTAssertEqual(Array(npy[6..<8]), [2, 0])
    XCTAssertGreaterThan(dataOffset(npy), 65535)
    XCTAssertEqual(dataOffset(npy) % 64, 0)
    XCTAssertEqual(try Npy.decode(npy), tensor)
  }

  func testFloat64IsReadButNotWritten() throws {
    let npy = handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", data: littleEndianBytes([(2.5 as Double).bitPattern]))
    let decoded = try Npy.decode(npy)
    XCTAssertEqual(decoded.dataType, .double)
    XCTAssertEqual(decoded.bytes, littleEndianBytes([(2.5 as Double).bitPattern]))
    assertFormatError(.unsupported, context: "tensor", detail: "float64") { () throws(FormatError) in try Npy.encode(decoded) }
  }

  func testEncodeRejectsTypesWithoutNpyDescr() {
    for dataType: DataType in [.string, .bfloat16, .int4, .complex64, .float8e4m3fn] {
      let tensor = Tensor(name: "w", dataType: dataType, dims: [0])
      assertFormatError(.unsupported, context: "tensor 'w'", detail: dataType.name) { () throws(FormatError) in
        try Npy.encode(tensor)
      }
    }
  }

  func testEncodeRejectsBytesThatDoNotMatchDims() {
    let tensor = Tensor(name: "x", dataType: .int32, dims: [2], bytes: [1, 2, 3])
    assertFormatError(.invalid, context: "tensor 'x'", detail: "need 8") { () throws(FormatError) in try Npy.encode(tensor) }
  }

  func testFileRoundTripNamesTheTensorAfterTheFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryDirectory(directory) }
    let tensor = Tensor(name: "ignored", dataType: .int16, dims: [3], bytes: littleEndianBytes([Int16(-1), 2, 300]))
    let path = joinPath(directory, "conv1.weight.npy")
    try Npy.write(tensor, to: path)
    let read = try Npy.read(path)
    XCTAssertEqual(read.name, "conv1.weight")
    XCTAssertEqual(read.dims, [3])
    XCTAssertEqual(read.bytes, tensor.bytes)
  }

  func testReadErrorsNameTheFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryDirectory(directory) }
    let path = joinPath(directory, "bad.npy")
    try FileBytes.write(Array("not numpy".utf8), to: path)
    assertFormatError(.malformed, context: path + ": npy header", detail: "bad magic") { () throws(FormatError) in
      try Npy.read(path)
    }
  }
}
