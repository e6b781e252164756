import ONNXFormat
