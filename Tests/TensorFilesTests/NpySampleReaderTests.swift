import ONNXFormat
import TensorFiles
import XCTest

/// NpySampleReader: a .npy streamed one slice of axis 0 at a time.
final class NpySampleReaderTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
  override func tearDown() { removeTemporaryDirectory(directory) }

  private func write(_ bytes: [UInt8], _ name: String) throws -> String {
    let path = directory + "/" + name
    try FileBytes.write(bytes, to: path)
    return path
  }

  /// Every sample of `path`, read to the end (nil after the last, and again after that).
  private func readAll(_ reader: NpySampleReader) throws -> [Tensor] {
    var samples: [Tensor] = []
    while let sample = try reader.next() { samples.append(sample) }
    XCTAssertNil(try reader.next())
    return samples
  }

  func testStreamsSamplesOfEveryKindWrittenByNpyWrite() throws {
    let cases: [(DataType, Int, [UInt8])] = [
      (.float, 4, floatBytes((0..<24).map { Float($0) * 0.5 - 3 })),
      (.int64, 8, littleEndianBytes((0..<24).map { Int64($0) * 1_000_000_007 - (1 << 40) })),
      (.uint8, 1, (0..<24).map { UInt8($0 * 10) }),
      (.int16, 2, littleEndianBytes((0..<24).map { Int16($0 * 1000 - 12000) })),
      (.int8, 1, (0..<24).map { UInt8(bitPattern: Int8($0 - 12)) }),
    ]
    for (dataType, size, bytes) in cases {
      let path = directory + "/" + dataType.name + ".npy"
      try Npy.write(Tensor(dataType: dataType, dims: [4, 3, 2], bytes: bytes), to: path)
      let reader = try NpySampleReader(path)
      XCTAssertEqual(reader.shape, [4, 3, 2])
      XCTAssertEqual(reader.sampleCount, 4)
      XCTAssertEqual(reader.dataType, dataType)
      XCTAssertEqual(reader.path, path)
      let samples = try readAll(reader)
      XCTAssertEqual(reader.samplesRead, 4)
      XCTAssertEqual(samples.count, 4, dataType.name)
      for (index, sample) in samples.enumerated() {
        XCTAssertEqual(sample.dataType, dataType)
        XCTAssertEqual(sample.dims, [1, 3, 2])
        XCTAssertEqual(
          sample.bytes, Array(bytes[(index * 6 * size)..<((index + 1) * 6 * size)]),
          dataType.name + " sample \(index)")
      }
    }
  }

  /// Samples larger than the reader's 4 KiB chunks, and a header far longer than usual.
  func testLargeSamplesAndAVersion2Header() throws {
    let values = (0..<(3 * 1500)).map { Float($0) }
    let large = directory + "/large.npy"
    try Npy.write(Tensor(dataType: .float, dims: [3, 1500], bytes: floatBytes(values)), to: large)
    let samples = try readAll(try NpySampleReader(large))
    XCTAssertEqual(
      samples.map { floats($0.bytes) },
      [Array(values[0..<1500]), Array(values[1500..<3000]), Array(values[3000...])])

    // Version 2.0 (4-byte header length) with a header padded past the first 4 KiB read.
    let header =
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }"
      + String(repeating: " ", count: 5000) + "\n"
    let data = littleEndianBytes([Int32(1), -2, 300, -40000])
    let path = try write(handMadeNpy(header, major: 2, data: data), "v2.npy")
    let reader = try NpySampleReader(path)
    XCTAssertEqual(reader.shape, [2, 2])
    XCTAssertEqual(try readAll(reader).map { $0.bytes }, [Array(data[0..<8]), Array(data[8...])])
  }

  func testBigEndianAndFloat64AreConverted() throws {
    // 1.5, -2.5, 10, 0 as big-endian float32.
    let big: [UInt8] = [0x3F, 0xC0, 0, 0, 0xC0, 0x20, 0, 0, 0x41, 0x20, 0, 0, 0, 0, 0, 0]
    let bigPath = try write(
      handMadeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }\n", data: big),
      "big.npy")
    let bigSamples = try readAll(try NpySampleReader(bigPath))
    XCTAssertEqual(bigSamples.map { floats($0.bytes) }, [[1.5, -2.5], [10, 0]])

    let shorts: [UInt8] = [0x01, 0x02, 0xFF, 0xFE, 0x7F, 0xFF]
    let shortPath = try write(
      handMadeNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }\n", data: shorts),
      "i2.npy")
    let shortSamples = try readAll(try NpySampleReader(shortPath))
    XCTAssertEqual(
      shortSamples.map { $0.bytes },
      [
        littleEndianBytes([Int16(0x0102)]), littleEndianBytes([Int16(-2)]),
        littleEndianBytes([Int16.max]),
      ])
    XCTAssertEqual(shortSamples.map { $0.dims }, [[1], [1], [1]])

    let doubles = littleEndianBytes([(0.25 as Double).bitPattern, (-8 as Double).bitPattern])
    let doublePath = try write(
      handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }\n", data: doubles),
      "f8.npy")
    let reader = try NpySampleReader(doublePath)
    XCTAssertEqual(reader.dataType, .double)
    XCTAssertEqual(
      try readAll(reader).map { $0.bytes }, [Array(doubles[0..<8]), Array(doubles[8...])])
  }

  func testBooleansBecomeZeroOrOne() throws {
    let path = try write(
      handMadeNpy(
        "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }\n", data: [0, 7, 1, 255]),
      "b.npy")
    XCTAssertEqual(try readAll(try NpySampleReader(path)).map { $0.bytes }, [[0, 1], [1, 1]])
  }

  func testTruncatedDataNamesTheSampleAndTheFile() throws {
    let path = directory + "/cut.npy"
    try Npy.write(
      Tensor(dataType: .float, dims: [3, 4], bytes: floatBytes((0..<12).map { Float($0) })),
      to: path)
    let bytes = try FileBytes.read(path)
    try FileBytes.write(Array(bytes.dropLast(5)), to: path)
    let reader = try NpySampleReader(path)
    XCTAssertEqual(reader.sampleCount, 3, "the header alone does not tell the file is short")
    XCTAssertEqual(floats(try XCTUnwrap(try reader.next()).bytes), [0, 1, 2, 3])
    XCTAssertEqual(floats(try XCTUnwrap(try reader.next()).bytes), [4, 5, 6, 7])
    assertFormatError(.truncated, context: path, detail: "inside sample 2 of 3") {
      () throws(FormatError) in
      try reader.next()
    }
  }

  func testScalarArrayIsRefused() throws {
    let path = directory + "/scalar.npy"
    try Npy.write(Tensor(dataType: .float, dims: [], bytes: floatBytes([1.5])), to: path)
    assertFormatError(.invalid, context: path, detail: "a scalar has no samples") {
      () throws(FormatError) in
      try NpySampleReader(path)
    }
  }

  func testHeaderErrorsNameTheFile() throws {
    let fortran = try write(
      handMadeNpy(
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n",
        data: [UInt8](repeating: 0, count: 16)),
      "fortran.npy")
    assertFormatError(
      .unsupported, context: fortran + ": npy header 'fortran_order'", detail: "Fortran"
    ) {
      () throws(FormatError) in try NpySampleReader(fortran)
    }
    let object = try write(
      handMadeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n"), "object.npy")
    assertFormatError(
      .unsupported, context: object + ": npy header 'descr'", detail: "object arrays"
    ) {
      () throws(FormatError) in try NpySampleReader(object)
    }
    let notNpy = try write(Array("just text, long enough to be read".utf8), "text.npy")
    assertFormatError(.malformed, context: notNpy + ": npy header", detail: "bad magic") {
      () throws(FormatError) in
      try NpySampleReader(notNpy)
    }
    let whole = handMadeNpy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", data: [0, 0, 0, 0])
    let cut = try write(Array(whole.prefix(30)), "cut-header.npy")
    assertFormatError(.truncated, context: cut + ": npy header", detail: "only 20 bytes follow") {
      () throws(FormatError) in
      try NpySampleReader(cut)
    }
    assertFormatError(.io, context: directory + "/missing.npy", detail: "No such file") {
      () throws(FormatError) in
      try NpySampleReader(directory + "/missing.npy")
    }
  }

  func testEmptyArrayHasNoSamples() throws {
    let path = directory + "/empty.npy"
    try Npy.write(Tensor(dataType: .float, dims: [0, 3], bytes: []), to: path)
    let reader = try NpySampleReader(path)
    XCTAssertEqual(reader.sampleCount, 0)
    XCTAssertNil(try reader.next())
  }
}
