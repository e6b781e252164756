import ONNXFormat
import XCTest

@testable import Runtime

/// Deterministic random numbers (SplitMix64) so every failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform floats in [-1, 1).
  mutating func floats(_ count: Int) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1..<1, using: &self) }
  }
}

/// Builders for test nodes and attributes.
enum TestNodes {
  static func node(
    _ opType: String, name: String = "", inputs: [String], outputs: [String] = ["Y"], _ attributes: [Attribute] = []
  ) -> Node {
    Node(name: name, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes)
  }

  static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name: name, value: .ints(values)) }
  static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
  static func float(_ name: String, _ value: Float) -> Attribute { Attribute(name: name, value: .float(value)) }
  static func string(_ name: String, _ value: String) -> Attribute {
    Attribute(name: name, value: .string(Array(value.utf8)))
  }
}

/// The float contents of an output.
func floatValues(_ constant: Constant) -> [Float] { constant.values(Float.self) }

/// Asserts `body` throws a RuntimeError of `kind` whose message contains every one of `fragments`.
func assertRuntimeError(
  _ kind: RuntimeError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  do {
    try body()
    XCTFail("expected an error containing " + fragments.joined(separator: ", "), file: file, line: line)
  } catch let error as RuntimeError {
    XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
    for fragment in fragments {
      XCTAssertTrue(
        error.message.contains(fragment), "'" + error.message + "' lacks '" + fragment + "'", file: file, line: line)
    }
  } catch {
    XCTFail("unexpected error type", file: file, line: line)
  }
}
