import CSupport
import Commands

// The board binary's entry point. Embedded Swift has no CommandLine, so the C `main` is ours.
@_cdecl("main")
func boardMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
  var arguments: [String] = []
  var index = 1
  while index < Int(argc) {
    if let argument = argv[index] { arguments.append(String(cString: argument)) }
    index += 1
  }
  return Tool(name: "onnx-run").run(arguments, console: Console(.process))
}
