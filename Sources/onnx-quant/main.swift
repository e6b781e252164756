import CSupport
import Commands
import Quantizer

let tool = Tool(name: "onnx-quant", extraCommands: [CalibrateCommand.command])
let status = tool.run(Array(CommandLine.arguments.dropFirst()), console: Console(.process))
oq_exit(status)
