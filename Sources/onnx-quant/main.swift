import CSupport
import Commands

let status = Tool(name: "onnx-quant").run(Array(CommandLine.arguments.dropFirst()), console: Console(.process))
oq_exit(status)
