import ONNXFormat
import TensorFiles
import XCTest

/// Headers numpy (old or new) or a person may write, beyond what our encoder produces.
final class NpyHeaderTests: XCTestCase {
  func testVersion2HeaderBuiltByHand() throws {
    let npy = handMadeNpy(
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", major: 2, data: littleEndianBytes([Int32(-7), 42]))
    XCTAssertEqual(Array(npy[6..<12]), [2, 0, 58, 0, 0, 0])
    let tensor = try Npy.decode(npy, name: "v2")
    XCTAssertEqual(tensor.name, "v2")
    XCTAssertEqual(tensor.dataType, .int32)
    XCTAssertEqual(tensor.dims, [2])
    XCTAssertEqual(tensor.bytes, littleEndianBytes([Int32(-7), 42]))
  }

  func testVersion3HeaderIsAccepted() throws {
    let npy = handMadeNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}", major: 3, data: [9, 8, 7])
    XCTAssertEqual(try Npy.decode(npy).bytes, [9, 8, 7])
  }

  func testBigEndianDataIsConvertedToLittleEndian() throws {
    let int32s = handMadeNpy(
      "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", data: [0x00, 0x00, 0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFE])
    let decoded = try Npy.decode(int32s)
    XCTAssertEqual(decoded.dataType, .int32)
    XCTAssertEqual(decoded.bytes, littleEndianBytes([Int32(0x0102), -2]))

    let float32s = handMadeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0x3F, 0xC0, 0x00, 0x00])
    XCTAssertEqual(floats(try Npy.decode(float32s).bytes), [1.5])

    let int16s = handMadeNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", data: [0x12, 0x34, 0x80, 0x00])
    XCTAssertEqual(try Npy.decode(int16s).bytes, littleEndianBytes([Int16(0x1234), Int16.min]))
  }

  func testKeysInAnyOrderWithLooseSyntax() throws {
    let header = "  {\"shape\":(2 ,3 ,),\n\t'fortran_order' :False ,'descr':\"<i2\",}   \n"
    let tensor = try Npy.decode(handMadeNpy(header, data: [UInt8](repeating: 1, count: 12)))
    XCTAssertEqual(tensor.dataType, .int16)
    XCTAssertEqual(tensor.dims, [2, 3])
  }

  func testPython2LongDims() throws {
    let tensor = try Npy.decode(
      handMadeNpy("{'descr': '|i1', 'fortran_order': False, 'shape': (2L, 1L), }", data: [0xFF, 1]))
    XCTAssertEqual(tensor.dims, [2, 1])
    XCTAssertEqual(tensor.bytes, [0xFF, 1])
  }

  func testEveryReadableDescr() throws {
    let expected: [(String, DataType)] = [
      ("<f4", .float), ("<f8", .double), ("<f2", .float16), ("|u1", .uint8), ("|i1", .int8), ("|b1", .bool),
      ("<i2", .int16), ("<i4", .int32), ("<i8", .int64), ("<u2", .uint16), ("<u4", .uint32), ("<u8", .uint64),
    ]
    for (descr, dataType) in expected {
      let size = dataType.bitsPerElement / 8
      let npy = handMadeNpy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: size))
      XCTAssertEqual(try Npy.decode(npy).dataType, dataType, descr)
    }
  }

  func testBoolBytesAreNormalizedToZeroOrOne() throws {
    let npy = handMadeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [0, 2, 255])
    XCTAssertEqual(try Npy.decode(npy).bytes, [0, 1, 1])
  }
}
