import CAllocationCounter
import CSupport
import Foundation
import ONNXFormat
import XCTest

@testable import Commands

/// `stream`: windows, formats, context, fed-back state, output, deadlines, bad input, signals and
/// fixed memory, on small models built here and fed from temporary files.
final class StreamTests: XCTestCase {
  private var directory = ""

  override func setUp() {
    directory = "/tmp/onnx-quant-stream-tests-" + String(UInt64.random(in: 0..<UInt64.max))
    XCTAssertNoThrow(try FileBytes.makeDirectory(directory))
  }

  override func tearDown() {
    try? FileManager.default.removeItem(atPath: directory)
  }

  // MARK: helpers

  private func run(_ arguments: [String]) -> (status: Int32, out: String, error: String) {
    let console = Console(.capture)
    let status = Tool(name: "onnx-quant").run(["stream"] + arguments, console: console)
    return (status, console.capturedOut, console.capturedError)
  }

  /// Output lines without the latency (the last field), header included.
  private func rows(_ out: String) -> [String] {
    out.split(separator: "\n").map { line in
      var fields = line.split(separator: ",", omittingEmptySubsequences: false)
      fields.removeLast()
      return fields.joined(separator: ",")
    }
  }

  private func write(_ bytes: [UInt8], _ name: String) throws -> String {
    let path = directory + "/" + name
    try FileBytes.write(bytes, to: path)
    return path
  }

  private func f32(_ values: [Float]) -> [UInt8] {
    var bytes: [UInt8] = []
    for value in values {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
    return bytes
  }

  private func s16(_ values: [Int16]) -> [UInt8] {
    var bytes: [UInt8] = []
    for value in values {
      let bits = UInt16(bitPattern: value)
      bytes.append(UInt8(truncatingIfNeeded: bits))
      bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
    }
    return bytes
  }

  private func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Tensor {
    var tensor = Tensor(name: name, dataType: .float, dims: dims)
    tensor.bytes = f32(values)
    return tensor
  }

  private func info(_ name: String, _ dims: [Int]) -> ValueInfo {
    ValueInfo(name: name, type: .tensor(elementType: 1, shape: dims.map { ShapeDimension(.value($0)) }))
  }

  private func writeModel(_ name: String, nodes: [Node], initializers: [Tensor] = [], inputs: [ValueInfo], outputs: [ValueInfo])
    throws -> String
  {
    let graph = Graph(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
    let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)], graph: graph)
    let path = directory + "/" + name + ".onnx"
    try model.write(to: path)
    return path
  }

  /// y = x (through Mul by one), x: [1, count].
  private func copyModel(_ count: Int) throws -> String {
    try writeModel(
      "copy", nodes: [Node(opType: "Mul", inputs: ["x", "one"], outputs: ["y"])],
      initializers: [floatTensor("one", [1], [1])], inputs: [info("x", [1, count])], outputs: [info("y", [1, count])])
  }

  /// mean = ReduceMean(x), x: [1, count].
  private func meanModel(_ count: Int) throws -> String {
    try writeModel(
      "mean", nodes: [Node(opType: "ReduceMean", inputs: ["x"], outputs: ["mean"])], inputs: [info("x", [1, count])],
      outputs: [info("mean", [1, 1])])
  }

  /// mean = ReduceMean(x * 2) and stateN = state + 1: x [1, count], state [1, 1].
  private func stateModel(_ count: Int) throws -> String {
    try writeModel(
      "state",
      nodes: [
        Node(opType: "Mul", inputs: ["x", "two"], outputs: ["doubled"]),
        Node(opType: "ReduceMean", inputs: ["doubled"], outputs: ["mean"]),
        Node(opType: "Add", inputs: ["state", "one"], outputs: ["stateN"]),
      ],
      initializers: [floatTensor("two", [1], [2]), floatTensor("one", [1], [1])],
      inputs: [info("x", [1, count]), info("state", [1, 1])], outputs: [info("mean", [1, 1]), info("stateN", [1, 1])])
  }

  // MARK: windows

  func testHelpAndCommandList() {
    let help = run(["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.out.hasPrefix("usage: onnx-quant stream MODEL"), help.out)
    let console = Console(.capture)
    XCTAssertEqual(Tool(name: "onnx-quant").run(["--help"], console: console), 0)
    XCTAssertTrue(console.capturedOut.contains("  stream    "), console.capturedOut)
  }

  func testOverlappingWindowsOfARamp() throws {
    let model = try copyModel(4)
    let source = try write(f32((0..<10).map { Float($0) }), "ramp.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--rate", "10", "--window", "4", "--hop", "2"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(
      rows(result.out),
      [
        "window,time_s,y[0],y[1],y[2],y[3]",
        "0,0,0,1,2,3",
        "1,0.2,2,3,4,5",
        "2,0.4,4,5,6,7",
        "3,0.6,6,7,8,9",
      ])
    XCTAssertTrue(result.error.contains("stream: 4 windows, latency mean "), result.error)
    XCTAssertFalse(result.error.contains("dropped"), result.error)
  }

  func testMeansOfAdjacentAndSkippingWindows() throws {
    let model = try meanModel(4)
    let source = try write(f32((0..<16).map { Float($0) }), "ramp.f32")
    let adjacent = run([model, "--source", source, "--format", "f32le", "--rate", "4"])  // window from the input: 4
    XCTAssertEqual(adjacent.status, 0, adjacent.error)
    XCTAssertEqual(rows(adjacent.out), ["window,time_s,mean", "0,0,1.5", "1,1,5.5", "2,2,9.5", "3,3,13.5"])
    // hop 6 > window 4: frames 4 and 5, 10 and 11 are skipped.
    let skipping = run([model, "--source", source, "--format", "f32le", "--rate", "4", "--hop", "6"])
    XCTAssertEqual(skipping.status, 0, skipping.error)
    XCTAssertEqual(rows(skipping.out), ["window,time_s,mean", "0,0,1.5", "1,1.5,7.5", "2,3,13.5"])
  }

  func testMaxValuesTruncatesPrintedValues() throws {
    let model = try copyModel(4)
    let source = try write(f32([1, 2, 3, 4]), "four.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--max-values", "2"])
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1]", "0,0,1,2"])
  }

  // MARK: formats

  func testS16LEUsesOneOver32768ByDefault() throws {
    let model = try copyModel(4)
    let source = try write(s16([0, 16384, -16384, -32768, 32767, 8192, 1, -1]), "x.s16")
    let result = run([model, "--source", source, "--rate", "16000"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1],y[2],y[3]", "0,0,0,0.5,-0.5,-1", "1,0.00025,0.999969,0.25,0.0000305176,-0.0000305176"])
  }

  func testU8MapsToMinusOneToOne() throws {
    let model = try copyModel(4)
    let source = try write([0, 64, 128, 192], "x.u8")
    let result = run([model, "--source", source, "--format", "u8"])
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1],y[2],y[3]", "0,0,-1,-0.5,0,0.5"])
  }

  func testF32LEWithScaleAndOffset() throws {
    let model = try copyModel(2)
    let source = try write(f32([1, 2, -3, 0.5]), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--scale", "2", "--offset", "1/4"])
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1]", "0,0,2.25,4.25", "1,0.000125,-5.75,1.25"])
  }

  func testCSVWithChannelsInterleavesFrames() throws {
    let model = try copyModel(6)
    let source = try write(Array("1,10\n2, 20\r\n# a comment\n\n3 ,30\n4,40\n5,50\n6,60e0".utf8), "x.csv")
    let result = run([model, "--source", source, "--format", "csv", "--channels", "2", "--rate", "1"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(
      rows(result.out),
      ["window,time_s,y[0],y[1],y[2],y[3],y[4],y[5]", "0,0,1,10,2,20,3,30", "1,3,4,40,5,50,6,60"])
  }

  // MARK: state

  func testContextPrependsThePreviousWindowsLastFrames() throws {
    let model = try copyModel(3)
    let source = try write(f32([1, 2, 3, 4, 5, 6]), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--window", "2", "--context", "1"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1],y[2]", "0,0,0,1,2", "1,0.000125,2,3,4", "2,0.00025,4,5,6"])
    // With overlap, the context is still the previous window's last frame.
    let overlapping = run([model, "--source", source, "--format", "f32le", "--window", "2", "--hop", "1", "--context", "1"])
    XCTAssertEqual(
      rows(overlapping.out),
      ["window,time_s,y[0],y[1],y[2]", "0,0,0,1,2", "1,0.0000625,2,2,3", "2,0.000125,3,3,4", "3,0.0001875,4,4,5", "4,0.00025,5,5,6"])
  }

  func testFedBackStateCountsWindows() throws {
    let model = try stateModel(2)
    let source = try write(f32([1, 2, 3, 4, 5, 6, 7, 8]), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--feed", "stateN=state", "--print", "stateN,mean"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(rows(result.out), ["window,time_s,stateN,mean", "0,0,1,3", "1,0.000125,2,7", "2,0.00025,3,11", "3,0.000375,4,15"])
    // By default, fed outputs are not printed.
    let quiet = run([model, "--source", source, "--format", "f32le", "--feed", "stateN=state"])
    XCTAssertEqual(rows(quiet.out).first, "window,time_s,mean")
  }

  func testFeedMustMatchTypeAndShape() throws {
    let model = try writeModel(
      "mismatch", nodes: [Node(opType: "ReduceMean", inputs: ["x"], outputs: ["mean"]),
                          Node(opType: "Mul", inputs: ["state", "state"], outputs: ["stateN"])],
      inputs: [info("x", [1, 2]), info("state", [1, 2])], outputs: [info("mean", [1, 1]), info("stateN", [1, 2])])
    let source = try write(f32([1, 2]), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--feed", "mean=state"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.error.contains("output 'mean' is float32[1, 1] but input 'state' is float32[1, 2]"), result.error)
    let unknown = run([model, "--source", source, "--format", "f32le", "--feed", "stateN=nope"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.error.contains("the model has no input 'nope' (inputs: x, state)"), unknown.error)
  }

  // MARK: output

  func testJSONLines() throws {
    let model = try stateModel(2)
    let source = try write(f32([1, 2, 3, 4]), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--feed", "stateN=state", "--print", "mean,stateN", "--emit", "jsonl", "--rate", "2"])
    XCTAssertEqual(result.status, 0, result.error)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 2)
    XCTAssertTrue(lines[0].hasPrefix("{\"window\":0,\"time_s\":0,\"outputs\":{\"mean\":[3],\"stateN\":[1]},\"latency_us\":"), lines[0])
    XCTAssertTrue(lines[1].hasPrefix("{\"window\":1,\"time_s\":1,\"outputs\":{\"mean\":[7],\"stateN\":[2]},\"latency_us\":"), lines[1])
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      XCTAssertNotNil(object?["latency_us"] as? Double, line)
    }
  }

  func testDeadlineOfZeroCountsEveryWindowAsAnOverrun() throws {
    let model = try meanModel(2)
    let source = try write(f32((0..<20).map { Float($0) }), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le", "--deadline-us", "0"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertTrue(result.error.contains("stream: 10 windows, latency mean "), result.error)
    XCTAssertTrue(result.error.contains(", 10 overruns of the 0 us deadline"), result.error)
    let generous = run([model, "--source", source, "--format", "f32le", "--deadline-us", "10000000"])
    XCTAssertTrue(generous.error.contains(", 0 overruns of the 10000000 us deadline"), generous.error)
  }

  // MARK: bad input

  func testTrailingPartialWindowIsDroppedAndExitsZero() throws {
    let model = try meanModel(4)
    let source = try write(f32((0..<11).map { Float($0) }), "x.f32")
    let result = run([model, "--source", source, "--format", "f32le"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(rows(result.out).count, 3)
    XCTAssertTrue(result.error.contains("the input ended inside a window: dropped 3 trailing samples (a window is 4)"), result.error)
  }

  func testInputEndingInsideASampleEndsCleanlyWithExitOne() throws {
    let model = try meanModel(2)
    let source = try write(s16([100, 200, 300, 400]) + [7], "x.s16")
    let result = run([model, "--source", source])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(rows(result.out).count, 3)  // header and both windows
    XCTAssertTrue(result.error.contains(source + ": the input ends inside a sample: 1 byte of a 2-byte sample at byte 8"), result.error)
    XCTAssertTrue(result.error.contains("stream: input problems: the input ended inside a sample (1 bytes dropped)"), result.error)

    let f32Source = try write(f32([1, 2, 3]) + [0, 0], "x.f32")
    let cut = run([model, "--source", f32Source, "--format", "f32le"])
    XCTAssertEqual(cut.status, 1)
    XCTAssertTrue(cut.error.contains("2 bytes of a 4-byte sample at byte 12"), cut.error)
    XCTAssertTrue(cut.error.contains("dropped 1 trailing sample "), cut.error)
  }

  func testMalformedCSVLineIsSkippedWithItsLineNumber() throws {
    let model = try copyModel(4)
    let source = try write(Array("1,1\n2,2\n3\n4,4,4\n5,5\n6,6\n".utf8), "x.csv")
    let result = run([model, "--source", source, "--format", "csv", "--channels", "2"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1],y[2],y[3]", "0,0,1,1,2,2", "1,0.000125,5,5,6,6"])
    XCTAssertTrue(result.error.contains(source + ": line 3: 1 value, expected 2 (--channels); skipped"), result.error)
    XCTAssertTrue(result.error.contains(source + ": line 4: 3 values, expected 2 (--channels); skipped"), result.error)
    XCTAssertTrue(result.error.contains("input problems: 2 malformed lines skipped"), result.error)
  }

  func testValuesThatDoNotParseOrAreNotFiniteBecomeZero() throws {
    let model = try copyModel(4)
    let source = try write(Array("1\nabc\nnan\n1e999\n\n-inf\n2.5\n,\n8\n".utf8), "x.csv")
    let result = run([model, "--source", source, "--format", "csv"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(rows(result.out), ["window,time_s,y[0],y[1],y[2],y[3]", "0,0,1,0,0,0"])
    XCTAssertTrue(result.error.contains("line 2: 'abc' is not a number; replaced with 0"), result.error)
    XCTAssertTrue(result.error.contains("line 3: 'nan' is not a finite float32 value; replaced with 0"), result.error)
    XCTAssertTrue(result.error.contains("line 4: '1e999' is not a finite float32 value; replaced with 0"), result.error)
    XCTAssertTrue(result.error.contains("line 8: 2 values, expected 1"), result.error)
    XCTAssertTrue(result.error.contains("dropped 3 trailing samples"), result.error)
    XCTAssertTrue(
      result.error.contains("input problems: 1 malformed lines skipped, 1 values that are not numbers replaced with 0, "
        + "3 non-finite or out-of-range values replaced with 0"), result.error)

    let f32Source = try write(f32([1, .nan, .infinity, 4, 3e38, 0]), "x.f32")
    let scaled = run([try copyModel(2), "--source", f32Source, "--format", "f32le", "--scale", "2"])
    XCTAssertEqual(scaled.status, 1)
    XCTAssertEqual(rows(scaled.out), ["window,time_s,y[0],y[1]", "0,0,2,0", "1,0.000125,0,8", "2,0.00025,0,0"])
    XCTAssertTrue(scaled.error.contains("sample 1 (byte 4): nan; replaced with 0"), scaled.error)
    XCTAssertTrue(scaled.error.contains("sample 2 (byte 8): inf; replaced with 0"), scaled.error)
    XCTAssertTrue(scaled.error.contains("sample 4 (byte 16): 3e+38 maps to a value out of float range; replaced with 0"), scaled.error)
  }

  func testCSVLineLongerThanTheBufferIsSkipped() throws {
    let model = try meanModel(2)
    let long = String(repeating: "1", count: 70_000)
    let source = try write(Array(("1\n" + long + "\n3\n4\n5\n").utf8), "x.csv")
    let result = run([model, "--source", source, "--format", "csv"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(rows(result.out), ["window,time_s,mean", "0,0,2", "1,0.000125,4.5"])
    XCTAssertTrue(result.error.contains("line 2: longer than 65536 bytes; skipped"), result.error)
  }

  func testOnlyTheFirstProblemsAreReportedOneByOne() throws {
    let model = try meanModel(1)
    let source = try write(Array(String(repeating: "x\n", count: 25).utf8), "x.csv")
    let result = run([model, "--source", source, "--format", "csv"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(rows(result.out).count, 26)
    XCTAssertEqual(result.error.components(separatedBy: "is not a number").count - 1, 10)
    XCTAssertTrue(result.error.contains("further input problems are counted, not reported one by one"), result.error)
    XCTAssertTrue(result.error.contains("25 values that are not numbers replaced with 0"), result.error)
  }

  func testReadErrorEndsTheLoopWithExitOne() throws {
    let model = try meanModel(2)
    let result = run([model, "--source", directory])  // read(2) on a directory: EISDIR
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.error.contains(directory + ": read error after byte 0: Is a directory"), result.error)
    XCTAssertTrue(result.error.contains("input problems: a read error (Is a directory)"), result.error)
    let missing = run([model, "--source", directory + "/missing.s16"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.error.contains("missing.s16: cannot open: No such file or directory"), missing.error)
  }

  func testUsageErrors() throws {
    let model = try writeModel(
      "silero-like", nodes: [Node(opType: "ReduceMean", inputs: ["input"], outputs: ["output"])],
      inputs: [info("input", [1, 576])], outputs: [info("output", [1, 1])])
    let source = try write([], "empty.s16")
    let wrong = run([model, "--source", source, "--window", "500", "--context", "64"])
    XCTAssertEqual(wrong.status, 2)
    XCTAssertTrue(
      wrong.error.contains("input 'input' is float32[1, 576] (576 values), but (context 64 + window 500) x 1 channel is 564 values"),
      wrong.error)
    XCTAssertEqual(run([model, "--source", source, "--window", "512", "--context", "64"]).status, 0)
    XCTAssertEqual(run([model, "--source", source, "--context", "64"]).status, 0)  // window 512 from the shape
    XCTAssertTrue(run([model, "--source", source, "--format", "s24le"]).error.contains("--format takes s16le, u8, f32le or csv"))
    for bad in [
      ["--emit", "xml"], ["--rate", "0"], ["--scale", "x"], ["--channels", "7"], ["--context", "400"], ["--print", "nope"],
      ["--input", "nope"], ["--bogus"], ["--hop", "0"], ["--max-values", "0"], ["--deadline-us", "-1"],
    ] {
      XCTAssertEqual(run([model, "--source", source] + bad).status, 2, bad.joined(separator: " "))
    }
    XCTAssertEqual(run([]).status, 2)
  }

  // MARK: signals

  func testSIGTERMStopsBetweenWindowsWithTheSummary() throws {
    let model = try meanModel(2)
    let fifo = directory + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    let writer = Thread {
      // Only this thread is not the reader, so SIGTERM interrupts the reader's blocked read(2).
      var blocked = sigset_t()
      sigemptyset(&blocked)
      sigaddset(&blocked, SIGTERM)
      pthread_sigmask(SIG_BLOCK, &blocked, nil)
      let fd = open(fifo, O_WRONLY)
      let bytes = self.f32([1, 2, 3, 4, 5, 6])
      _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      usleep(300_000)
      kill(getpid(), SIGTERM)
      usleep(100_000)
      close(fd)
    }
    writer.start()
    let result = run([model, "--source", fifo, "--format", "f32le"])
    XCTAssertEqual(result.status, 143, result.error)
    XCTAssertEqual(rows(result.out), ["window,time_s,mean", "0,0,1.5", "1,0.000125,3.5", "2,0.00025,5.5"])
    XCTAssertTrue(result.error.contains("stream: stopped by SIGTERM"), result.error)
    XCTAssertTrue(result.error.contains("stream: 3 windows"), result.error)
    usleep(200_000)  // the writer closes its end
  }

  // MARK: fixed memory

  func testWindowsAfterTheFirstAllocateNothing() throws {
    let model = try stateModel(16)
    var samples: [Int16] = []
    for index in 0..<(16 * 4000) { samples.append(Int16(truncatingIfNeeded: (index * 37) % 20000 - 10000)) }
    let source = try write(s16(samples), "x.s16")
    let outputPath = directory + "/out.csv"
    let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    let console = Console(.capture)
    let loop = try StreamCommand.makeLoop(
      [model, "--source", source, "--window", "12", "--hop", "8", "--context", "4", "--feed", "stateN=state",
       "--print", "mean,stateN", "--deadline-us", "1000"],
      console, output: .descriptor(fd))
    loop.writeHeader()
    XCTAssertEqual(loop.runWindows(max: 2), 2)
    oq_allocations_start()
    let ran = loop.runWindows(max: Int.max)
    let allocations = oq_allocations_stop()
    XCTAssertEqual(ran, 7997)
    XCTAssertEqual(allocations, 0, String(ran) + " windows allocated on the heap")
    XCTAssertEqual(loop.finish(), 0, console.capturedError)
    let lines = try String(contentsOfFile: outputPath, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, 8000)
    XCTAssertTrue(lines.last!.hasPrefix("7998,3.999,"), String(lines.last!))
    XCTAssertEqual(lines.last!.split(separator: ",")[3], "7999")  // stateN counts windows
  }

  /// The shared Silero VAD model as the brief runs it: 512-sample windows with 64 context samples
  /// and its LSTM state fed back, on a synthetic tone, allocating nothing after the first window.
  func testSileroVADStreamsWithoutAllocating() throws {
    let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    let model = root + "/../shared/models/silero_vad_16k_stateful.onnx"
    guard FileBytes.exists(model) else { throw XCTSkip(model + " is not present") }
    var samples: [Int16] = []
    for index in 0..<(512 * 64) {
      let t = Double(index) / 16000
      let voiced = (index / 8000) % 2 == 1
      samples.append(Int16(voiced ? 8000 * sin(2 * Double.pi * 220 * t) * (1 + 0.5 * sin(2 * Double.pi * 5 * t)) : 0))
    }
    let source = try write(s16(samples), "tone.s16")
    let fd = open("/dev/null", O_WRONLY)
    defer { close(fd) }
    let console = Console(.capture)
    let loop = try StreamCommand.makeLoop(
      [model, "--source", source, "--format", "s16le", "--rate", "16000", "--window", "512", "--hop", "512", "--context",
       "64", "--feed", "stateN=state", "--print", "output"],
      console, output: .descriptor(fd))
    XCTAssertEqual(loop.runWindows(max: 1), 1)
    oq_allocations_start()
    let ran = loop.runWindows(max: Int.max)
    let allocations = oq_allocations_stop()
    XCTAssertEqual(ran, 63)
    XCTAssertEqual(allocations, 0)
    XCTAssertEqual(loop.finish(), 0, console.capturedError)
    let output = run([model, "--source", source, "--context", "64", "--feed", "stateN=state", "--print", "output"])
    XCTAssertEqual(output.status, 0, output.error)
    let lines = rows(output.out)
    XCTAssertEqual(lines.first, "window,time_s,output")
    XCTAssertEqual(lines.count, 65)
    for line in lines.dropFirst() {
      let probability = Double(line.split(separator: ",")[2])!
      XCTAssertTrue(probability >= 0 && probability <= 1, line)
    }
  }

  // MARK: number text

  func testFloatTextMatchesNumberFormat() {
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64)
    defer { buffer.deallocate() }
    let values: [Double] = [
      0, -0.0, 1, -1, 0.5, 1.5, 10, 100, 123456, 1234567, 0.1, 0.001, 0.0001, 0.00001, 1.0 / 3, 2.0 / 3, 999999.5,
      9.999995, 1e-7, 1.5e-12, 3e38, -2.5e-40, 12345.678, 100000, 0.000123456789, .nan, .infinity, -.infinity,
      Double(Float(0.1)), 65504, 1e21,
    ]
    for value in values {
      var line = ByteLine(buffer)
      line.float(value)
      XCTAssertEqual(String(decoding: line.bytes, as: UTF8.self), NumberFormat.float(value))
    }
    var line = ByteLine(buffer)
    line.trimmed(0.032, decimals: 6)
    line.byte(32)
    line.trimmed(2, decimals: 6)
    line.byte(32)
    line.int(-9_223_372_036_854_775_807)
    XCTAssertEqual(String(decoding: line.bytes, as: UTF8.self), "0.032 2 -9223372036854775807")
  }

  func testDecimalParser() {
    let cases: [(String, Double?)] = [
      ("0", 0), ("1", 1), ("-2.5", -2.5), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1E-3", 0.001),
      ("0.1", 0.1), ("123456789012", 123456789012), ("-0.000125", -0.000125), ("3.14159", 3.14159), ("1e-30", 1e-30),
      ("", nil), ("-", nil), (".", nil), ("1e", nil), ("1.2.3", nil), ("abc", nil), ("1 2", nil), ("0x10", nil),
    ]
    for (text, expected) in cases {
      XCTAssertEqual(DecimalParser.parse(text), expected, text)
    }
    XCTAssertTrue(DecimalParser.parse("NaN")!.isNaN)
    XCTAssertEqual(DecimalParser.parse("-Infinity"), -.infinity)
    XCTAssertEqual(DecimalParser.parse("1e999"), .infinity)
  }
}
