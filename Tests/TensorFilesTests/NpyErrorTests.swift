import ONNXFormat
import TensorFiles
import XCTest

/// One bad input each: the error kind and the field it names.
final class NpyErrorTests: XCTestCase {
  private func npy(shape: String, descr: String = "<f4", fortran: String = "False", data: [UInt8] = []) -> [UInt8] {
    handMadeNpy("{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n", data: data)
  }

  func testBadMagic() {
    var bytes = npy(shape: "(1,)", data: [0, 0, 0, 0])
    bytes[1] = UInt8(ascii: "n")
    assertFormatError(.malformed, context: "npy header", detail: "not a .npy file: bad magic") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
    assertFormatError(.malformed, context: "npy header", detail: "bad magic") { () throws(FormatError) in try Npy.decode([]) }
  }

  func testUnknownVersion() {
    let bytes = handMadeNpy("{}", major: 4)
    assertFormatError(.unsupported, context: "npy header", detail: "version 4.0") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testTruncatedPreamble() {
    let bytes = Array(npy(shape: "(1,)").prefix(9))
    assertFormatError(.truncated, context: "npy header", detail: "9 bytes") { () throws(FormatError) in try Npy.decode(bytes) }
  }

  func testTruncatedHeader() {
    let whole = npy(shape: "(1,)", data: [0, 0, 0, 0])
    let headerLength = Int(whole[8])
    let cut = Array(whole.prefix(40))
    assertFormatError(.truncated, context: "npy header", detail: "says " + String(headerLength) + " bytes, but only 30") {
      () throws(FormatError) in try Npy.decode(cut)
    }
  }

  func testTruncatedData() {
    let bytes = npy(shape: "(2, 3)", data: [UInt8](repeating: 0, count: 20))
    assertFormatError(.truncated, context: "npy data", detail: "needs 24 bytes, the file has 20") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testExtraData() {
    let bytes = npy(shape: "(1,)", data: [UInt8](repeating: 0, count: 5))
    assertFormatError(.invalid, context: "npy data", detail: "needs 4 bytes, the file has 5") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testFortranOrder() {
    let bytes = npy(shape: "(2, 2)", fortran: "True", data: [UInt8](repeating: 0, count: 16))
    assertFormatError(.unsupported, context: "npy header 'fortran_order'", detail: "Fortran") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testObjectDtype() {
    let bytes = npy(shape: "(1,)", descr: "|O", data: [UInt8](repeating: 0, count: 8))
    assertFormatError(.unsupported, context: "npy header 'descr'", detail: "object arrays") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testUnknownDescr() {
    for descr in ["<c8", "<U5", "<M8[ns]", "<f16", "<i3", ""] {
      let bytes = npy(shape: "(1,)", descr: descr)
      assertFormatError(.unsupported, context: "npy header 'descr'", detail: "dtype '" + descr + "' is not supported") {
        () throws(FormatError) in try Npy.decode(bytes)
      }
    }
  }

  func testStructuredDescr() {
    let bytes = handMadeNpy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }")
    assertFormatError(.unsupported, context: "npy header 'descr'", detail: "structured") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testOverflowingShape() {
    let bytes = npy(shape: "(9223372036854775807, 4)")
    assertFormatError(.invalid, context: "npy header 'shape'", detail: "(9223372036854775807, 4) overflows") {
      () throws(FormatError) in try Npy.decode(bytes)
    }
  }

  func testByteSizeOverflow() {
    // The element count fits in Int, but times 4 bytes per float it does not.
    let bytes = npy(shape: "(4611686018427387904,)")
    assertFormatError(.invalid, context: "npy header 'shape'", detail: "byte size") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testDimTooLargeForInt() {
    let bytes = npy(shape: "(99999999999999999999,)")
    assertFormatError(.invalid, context: "npy header 'shape'", detail: "does not fit") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testNegativeDim() {
    let bytes = npy(shape: "(2, -3)")
    assertFormatError(.invalid, context: "npy header 'shape'", detail: "dim 1 is negative (-3)") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testHeaderThatIsNotADict() {
    let bytes = handMadeNpy("[('descr', '<f4')]\n")
    assertFormatError(.malformed, context: "npy header", detail: "is not a dict literal") { () throws(FormatError) in
      try Npy.decode(bytes)
    }
  }

  func testShapeThatIsNotATuple() {
    assertFormatError(.malformed, context: "npy header 'shape'", detail: "(3,)") { () throws(FormatError) in
      try Npy.decode(self.npy(shape: "(3)"))
    }
    assertFormatError(.malformed, context: "npy header 'shape'", detail: "expected '('") { () throws(FormatError) in
      try Npy.decode(self.npy(shape: "[3]"))
    }
  }

  func testMissingDuplicateAndUnknownKeys() {
    assertFormatError(.malformed, context: "npy header 'shape'", detail: "no 'shape' entry") { () throws(FormatError) in
      try Npy.decode(handMadeNpy("{'descr': '<f4', 'fortran_order': False}"))
    }
    assertFormatError(.malformed, context: "npy header 'descr'", detail: "twice") { () throws(FormatError) in
      try Npy.decode(handMadeNpy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}"))
    }
    assertFormatError(.malformed, context: "npy header", detail: "unexpected key 'order'") { () throws(FormatError) in
      try Npy.decode(handMadeNpy("{'descr': '<f4', 'order': 'C', 'fortran_order': False, 'shape': ()}"))
    }
  }

  func testFortranOrderThatIsNotABool() {
    assertFormatError(.malformed, context: "npy header 'fortran_order'", detail: "expected True or False") {
      () throws(FormatError) in try Npy.decode(self.npy(shape: "()", fortran: "0"))
    }
  }

  func testTextAfterTheDict() {
    assertFormatError(.malformed, context: "npy header", detail: "after the closing '}'") { () throws(FormatError) in
      try Npy.decode(handMadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x"))
    }
  }

  func testUnterminatedString() {
    assertFormatError(.malformed, context: "npy header 'descr'", detail: "unterminated") { () throws(FormatError) in
      try Npy.decode(handMadeNpy("{'descr': '<f4"))
    }
  }
}
