// The generator of QuantizeGoldens.swift and QuantizedPoolingGoldens.swift, kept here because the
// Quantize and QuantizedPooling tests own no other files. To regenerate: copy the Python between the
// markers to gen.py and run
//   python gen.py Tests/RuntimeTests
// with numpy, onnx (1.23) and onnxruntime (1.32) installed, then swift format the two files (line length
// 120, indentation 2). Adding a case means adding it to QUANTIZE_CASES or POOL_CASES here and to a list
// or test in QuantizeTests.swift or QuantizedPoolingTests.swift.

/* --- gen.py ---
"""Generates Tests/RuntimeTests/QuantizeGoldens.swift and QuantizedPoolingGoldens.swift: single-node models
run in onnxruntime (CPU, graph optimizations off) on inputs drawn from a splitmix64 generator that
QuantizeRandom in QuantizeTestSupport.swift mirrors. Needs numpy, onnx and onnxruntime.

    python gen.py Tests/RuntimeTests
    swift format --in-place Tests/RuntimeTests/QuantizeGoldens.swift Tests/RuntimeTests/QuantizedPoolingGoldens.swift
(line length 120, indentation 2)
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

MASK = (1 << 64) - 1
F32 = np.float32
NP = {TP.FLOAT: np.float32, TP.UINT8: np.uint8, TP.INT8: np.int8, TP.UINT16: np.uint16, TP.INT16: np.int16,
      TP.INT32: np.int32}
SWIFT_TYPE = {TP.FLOAT: ".float", TP.UINT8: ".uint8", TP.INT8: ".int8", TP.UINT16: ".uint16", TP.INT16: ".int16",
              TP.INT32: ".int32"}


class Random:
    """splitmix64, as QuantizeRandom."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def hard_floats(self, count, scale):
        """Values within 2 ulps of (k + 0.5) * scale, k in -150...150: round-to-even ties and near-ties."""
        out = np.empty(count, np.float32)
        for i in range(count):
            r = self.next()
            k = r % 301 - 150
            base = (F32(k) + F32(0.5)) * F32(scale)
            nudge = (r >> 32) % 5 - 2
            bits = (int(np.array(base, np.float32).view(np.uint32)) + nudge) & 0xFFFFFFFF
            out[i] = np.array(bits, np.uint32).view(np.float32)
        return out

    def uniform_floats(self, count, spread, offset):
        """float32(int32(r >> 32)) * 2^-31 * spread + offset, each step in float32."""
        out = np.empty(count, np.float32)
        for i in range(count):
            v = (self.next() >> 32) & 0xFFFFFFFF
            if v >= 1 << 31:
                v -= 1 << 32
            out[i] = F32(F32(F32(v) * F32(2.0 ** -31)) * F32(spread)) + F32(offset)
        return out

    def integers(self, count, dtype):
        """The low bits of r >> 32, reinterpreted as dtype."""
        bits = {np.uint8: 8, np.int8: 8, np.uint16: 16, np.int16: 16, np.int32: 32}[dtype]
        raw = np.array([(self.next() >> 32) & ((1 << bits) - 1) for _ in range(count)],
                       {8: np.uint8, 16: np.uint16, 32: np.uint32}[bits])
        return raw.view(dtype)


def make_input(spec, shape):
    count = int(np.prod(shape))
    kind = spec[0]
    if kind == "hard":
        return Random(spec[1]).hard_floats(count, spec[2]).reshape(shape)
    if kind == "uniform":
        return Random(spec[1]).uniform_floats(count, spec[2], spec[3]).reshape(shape)
    if kind == "integers":
        return Random(spec[1]).integers(count, spec[2]).reshape(shape)
    if kind == "floats":
        return np.array(spec[1], np.float32).reshape(shape)
    raise ValueError(kind)


def swift_input(spec):
    kind = spec[0]
    if kind == "hard":
        return ".hard(seed: %d, scale: %s)" % (spec[1], swift_float(spec[2]))
    if kind == "uniform":
        return ".uniform(seed: %d, spread: %s, offset: %s)" % (spec[1], swift_float(spec[2]), swift_float(spec[3]))
    if kind == "integers":
        return ".integers(seed: %d)" % spec[1]
    if kind == "floats":
        return ".bits([%s])" % ", ".join("0x%08x" % b for b in np.array(spec[1], np.float32).view(np.uint32))
    raise ValueError(kind)


def swift_float(value):
    return "Float(bitPattern: 0x%08x)" % int(np.array(value, np.float32).view(np.uint32))


def hex_of(array):
    array = np.ascontiguousarray(array)
    if array.dtype == np.float32:
        array = array.view(np.uint32)
    width = array.dtype.itemsize * 2
    unsigned = array.view({1: np.uint8, 2: np.uint16, 4: np.uint32}[array.dtype.itemsize])
    return "".join("%0*x" % (width, int(v)) for v in unsigned.ravel())


def run(model, feeds):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def hex_literal(text, indent):
    chunks = [text[i:i + 96] for i in range(0, len(text), 96)] or [""]
    pad = " " * indent
    return "\n".join(pad + '"' + c + '"' + (" +" if i < len(chunks) - 1 else "") for i, c in enumerate(chunks))


# ---------------------------------------------------------------------------------------------------------
# QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear

QUANTIZE_CASES = [
    # name, op, opset, x type, x shape, x spec, scale shape, scales, zp type (None: omitted), zps, attributes
    ("quantizeUInt8PerTensor", "QuantizeLinear", 13, TP.FLOAT, [4096], ("hard", 1, 0.0123456789), [], [0.0123456789],
     TP.UINT8, [131], {}),
    ("quantizeInt8PerTensor", "QuantizeLinear", 13, TP.FLOAT, [4096], ("hard", 2, 0.37), [1], [0.37], TP.INT8, [-7], {}),
    ("quantizeUInt8Default", "QuantizeLinear", 10, TP.FLOAT, [1000], ("uniform", 3, 40.0, 20.0), [], [0.173], None, [], {}),
    ("quantizeUInt8PerAxis", "QuantizeLinear", 13, TP.FLOAT, [3, 5, 64], ("hard", 4, 0.05), [5],
     [0.05, 0.021, 0.0999, 0.3333333, 0.0077], TP.UINT8, [128, 0, 255, 17, 90], {}),
    ("quantizeInt8PerAxisLast", "QuantizeLinear", 13, TP.FLOAT, [6, 4, 7], ("hard", 5, 0.011), [7],
     [0.011, 0.02, 0.005, 0.1, 0.0625, 0.013, 0.3], TP.INT8, [0, -3, 5, 127, -128, 1, -60], {"axis": -1}),
    ("quantizeInt8PerAxisFirst", "QuantizeLinear", 13, TP.FLOAT, [3, 33], ("uniform", 6, 8.0, 0.0), [3],
     [0.031, 0.0625, 0.2], TP.INT8, [3, 0, -9], {"axis": 0}),
    ("quantizeInt8Blocked", "QuantizeLinear", 21, TP.FLOAT, [2, 7, 5], ("hard", 7, 0.02), [2, 3, 5],
     [0.02 + 0.001 * i for i in range(30)], TP.INT8, [(i * 37) % 256 - 128 for i in range(30)],
     {"axis": 1, "block_size": 3}),
    ("quantizeUInt16PerTensor", "QuantizeLinear", 21, TP.FLOAT, [2000], ("hard", 8, 0.0003), [], [0.0003], TP.UINT16,
     [30000], {}),
    ("quantizeInt16PerAxis", "QuantizeLinear", 21, TP.FLOAT, [4, 300], ("hard", 9, 0.0007), [4],
     [0.0007, 0.0001, 0.01, 0.00002], TP.INT16, [0, -1000, 32000, 5], {"axis": 0}),
    ("quantizeSpecialValues", "QuantizeLinear", 13, TP.FLOAT, [12],
     ("floats", [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 3e38, -3e38, 1e-45, 2.5, 3.5, -2.5, 127.5]),
     [], [1.0], TP.INT8, [0], {}),
    ("dequantizeUInt8PerTensor", "DequantizeLinear", 13, TP.UINT8, [1000], ("integers", 10, np.uint8), [], [0.0173],
     TP.UINT8, [119], {}),
    ("dequantizeInt8PerAxis", "DequantizeLinear", 13, TP.INT8, [2, 3, 40], ("integers", 11, np.int8), [3],
     [0.0123, 0.5, 3.3e-5], TP.INT8, [-4, 0, 100], {}),
    ("dequantizeInt32", "DequantizeLinear", 13, TP.INT32, [500], ("integers", 12, np.int32), [], [0.000123], None, [],
     {}),
    ("dequantizeInt16Blocked", "DequantizeLinear", 21, TP.INT16, [3, 10], ("integers", 13, np.int16), [3, 3],
     [0.001 * (i + 1) for i in range(9)], TP.INT16, [i * 1000 - 4000 for i in range(9)], {"axis": 1, "block_size": 4}),
    ("dequantizeUInt16PerAxis", "DequantizeLinear", 21, TP.UINT16, [50, 2], ("integers", 14, np.uint16), [2],
     [0.25, 1.0e-4], TP.UINT16, [32768, 7], {"axis": 1}),
    ("dequantizeUInt8Blocked", "DequantizeLinear", 21, TP.UINT8, [4, 9], ("integers", 15, np.uint8), [2, 9],
     [0.1 + 0.01 * i for i in range(18)], TP.UINT8, [i * 13 for i in range(18)], {"axis": 0, "block_size": 3}),
    ("dynamicMixed", "DynamicQuantizeLinear", 11, TP.FLOAT, [3000], ("uniform", 16, 3.0, 0.7), None, [], None, [], {}),
    ("dynamicPositive", "DynamicQuantizeLinear", 11, TP.FLOAT, [257], ("uniform", 17, 1.0, 2.0), None, [], None, [], {}),
    ("dynamicNegative", "DynamicQuantizeLinear", 11, TP.FLOAT, [100], ("uniform", 18, 0.5, -0.6), None, [], None, [],
     {}),
    ("dynamicWide", "DynamicQuantizeLinear", 11, TP.FLOAT, [2, 50], ("uniform", 19, 1000.0, -1.0), None, [], None, [],
     {}),
    ("dynamicZeros", "DynamicQuantizeLinear", 11, TP.FLOAT, [7], ("floats", [0.0] * 7), None, [], None, [], {}),
]


def quantize_case(case):
    name, op, opset, xtype, xshape, xspec, sshape, scales, ztype, zps, attrs = case
    x = make_input(xspec, xshape)
    if op == "DynamicQuantizeLinear":
        node = helper.make_node(op, ["x"], ["y", "y_scale", "y_zero_point"])
        outputs = [helper.make_tensor_value_info("y", TP.UINT8, None),
                   helper.make_tensor_value_info("y_scale", TP.FLOAT, None),
                   helper.make_tensor_value_info("y_zero_point", TP.UINT8, None)]
        initializers = []
    else:
        inputs = ["x", "s"] + (["z"] if ztype is not None else [])
        node = helper.make_node(op, inputs, ["y"], **attrs)
        ytype = TP.FLOAT if op == "DequantizeLinear" else (ztype if ztype is not None else TP.UINT8)
        outputs = [helper.make_tensor_value_info("y", ytype, None)]
        initializers = [numpy_helper.from_array(np.array(scales, np.float32).reshape(sshape), "s")]
        if ztype is not None:
            initializers.append(numpy_helper.from_array(np.array(zps, NP[ztype]).reshape(sshape), "z"))
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", xtype, xshape)], outputs,
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=10)
    results = run(model, {"x": x})
    attr_text = ", ".join('("%s", %d)' % (k, v) for k, v in attrs.items())
    lines = [
        "  /// %s opset %d%s" % (op, opset, (" " + str(attrs)) if attrs else ""),
        "  static let %s = QuantizeGoldenCase(" % name,
        '    op: "%s", opset: %d, attributes: [%s],' % (op, opset, attr_text),
        "    x: %s, xType: %s, xShape: %s," % (swift_input(xspec), SWIFT_TYPE[xtype], list(xshape)),
    ]
    if sshape is not None:
        lines.append("    scaleShape: %s, scales: [%s]," % (list(sshape), ", ".join(
            "0x%08x" % b for b in np.array(scales, np.float32).view(np.uint32))))
        lines.append("    zeroPointType: %s, zeroPoints: %s," % (
            SWIFT_TYPE[ztype] if ztype is not None else "nil", list(zps)))
    else:
        lines.append("    scaleShape: [], scales: [], zeroPointType: nil, zeroPoints: [],")
    lines.append("    outputs: [")
    for result in results:
        lines.append(hex_literal(hex_of(result), 6) + ",")
    lines.append("    ])")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# QLinearGlobalAveragePool, QLinearAveragePool, QLinearConcat

POOL_CASES = [
    # name, op, dtype, x shapes, seeds, (x_scale, x_zp) per input, (y_scale, y_zp), attributes
    ("globalUInt8", "QLinearGlobalAveragePool", TP.UINT8, [[2, 3, 5, 7]], [21], [(0.05, 128)], (0.031, 120), {}),
    ("globalInt8", "QLinearGlobalAveragePool", TP.INT8, [[1, 4, 9]], [22], [(0.1, -3)], (0.05, 10), {}),
    ("globalUInt8ChannelsLast", "QLinearGlobalAveragePool", TP.UINT8, [[2, 6, 5, 9]], [23], [(0.02, 3)],
     (0.02, 3), {"channels_last": 1}),
    ("globalInt8Volume", "QLinearGlobalAveragePool", TP.INT8, [[1, 2, 3, 4, 5]], [24], [(0.5, 0)], (0.06, -20), {}),
    ("globalInt8ChannelsLast", "QLinearGlobalAveragePool", TP.INT8, [[3, 7, 7, 10]], [25], [(0.07, 5)],
     (0.011, -1), {"channels_last": 1}),
    ("averageUInt8", "QLinearAveragePool", TP.UINT8, [[2, 3, 9, 11]], [31], [(0.05, 128)], (0.05, 128),
     {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ("averageInt8IncludePad", "QLinearAveragePool", TP.INT8, [[1, 4, 8, 8]], [32], [(0.031, -10)], (0.027, 3),
     {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ("averageUInt8Ceil", "QLinearAveragePool", TP.UINT8, [[1, 2, 6, 7]], [33], [(0.1, 50)], (0.08, 60),
     {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1, "count_include_pad": 1}),
    ("averageInt8CeilExcludePad", "QLinearAveragePool", TP.INT8, [[2, 2, 7, 6]], [34], [(0.02, 0)], (0.03, 0),
     {"kernel_shape": [2, 3], "strides": [3, 2], "pads": [1, 0, 1, 2], "ceil_mode": 1}),
    ("averageUInt8SameUpper", "QLinearAveragePool", TP.UINT8, [[1, 3, 7, 10]], [35], [(0.013, 100)], (0.019, 90),
     {"kernel_shape": [4, 3], "strides": [2, 3], "auto_pad": "SAME_UPPER"}),
    ("averageInt8SameLower", "QLinearAveragePool", TP.INT8, [[1, 2, 5, 5]], [36], [(0.2, 1)], (0.15, -2),
     {"kernel_shape": [2, 2], "auto_pad": "SAME_LOWER", "count_include_pad": 1}),
    ("averageInt8SameUpperWideStride", "QLinearAveragePool", TP.INT8, [[1, 2, 6, 5]], [44], [(0.03, 2)], (0.02, -3),
     {"kernel_shape": [1, 3], "strides": [3, 1], "auto_pad": "SAME_UPPER", "count_include_pad": 1}),
    ("averageUInt8ValidCeil", "QLinearAveragePool", TP.UINT8, [[1, 2, 5, 8]], [45], [(0.05, 10)], (0.04, 20),
     {"kernel_shape": [3, 3], "strides": [3, 2], "auto_pad": "VALID", "ceil_mode": 1}),
    ("averageUInt8Valid1D", "QLinearAveragePool", TP.UINT8, [[2, 3, 20]], [37], [(0.0625, 0)], (0.05, 0),
     {"kernel_shape": [4], "strides": [3], "auto_pad": "VALID"}),
    ("averageInt8Volume", "QLinearAveragePool", TP.INT8, [[1, 2, 5, 6, 7]], [38], [(0.04, 7)], (0.035, -5),
     {"kernel_shape": [2, 3, 2], "strides": [2, 1, 2], "pads": [1, 0, 1, 0, 1, 1]}),
    ("averageUInt8ChannelsLast", "QLinearAveragePool", TP.UINT8, [[2, 7, 6, 5]], [39], [(0.021, 77)], (0.017, 80),
     {"kernel_shape": [3, 3], "strides": [2, 1], "pads": [1, 1, 1, 1], "channels_last": 1}),
    ("averageInt8ChannelsLastIncludePad", "QLinearAveragePool", TP.INT8, [[1, 5, 5, 6]], [40], [(0.05, -1)],
     (0.05, -1), {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 0, 0], "count_include_pad": 1,
                  "channels_last": 1}),
    ("averageUInt8WholeImage", "QLinearAveragePool", TP.UINT8, [[2, 3, 4, 6]], [41], [(0.05, 128)], (0.03, 100),
     {"kernel_shape": [4, 6]}),
    ("averageInt8WholeImageChannelsLast", "QLinearAveragePool", TP.INT8, [[2, 4, 6, 3]], [42], [(0.05, 0)],
     (0.01, 0), {"kernel_shape": [4, 6], "channels_last": 1}),
    ("averageUInt8SameScale", "QLinearAveragePool", TP.UINT8, [[1, 8, 12, 12]], [43], [(0.0235294, 0)],
     (0.0235294, 0), {"kernel_shape": [2, 2], "strides": [1, 1]}),
    ("concatUInt8", "QLinearConcat", TP.UINT8, [[2, 3, 4], [2, 1, 4], [2, 5, 4]], [51, 52, 53],
     [(0.05, 128), (0.02, 10), (0.1, 200)], (0.05, 128), {"axis": 1}),
    ("concatInt8LastAxis", "QLinearConcat", TP.INT8, [[3, 2, 5], [3, 2, 3]], [54, 55], [(0.013, -5), (0.4, 0)],
     (0.05, 2), {"axis": -1}),
    ("concatUInt8FirstAxis", "QLinearConcat", TP.UINT8, [[2, 6], [3, 6], [1, 6], [2, 6]], [56, 57, 58, 59],
     [(0.3, 5), (0.3, 5), (0.3, 6), (0.29, 5)], (0.3, 5), {"axis": 0}),
    ("concatInt8Saturating", "QLinearConcat", TP.INT8, [[4, 64]], [60], [(1.7, 20)], (0.9, -30), {"axis": 1}),
]


def pool_case(case):
    name, op, dtype, shapes, seeds, xparams, yparams, attrs = case
    npdt = NP[dtype]
    xs = [Random(seed).integers(int(np.prod(shape)), npdt).reshape(shape) for seed, shape in zip(seeds, shapes)]
    initializers = []
    if op == "QLinearConcat":
        inputs = ["ys", "yz"]
        for k in range(len(xs)):
            inputs += ["x%d" % k, "xs%d" % k, "xz%d" % k]
            initializers += [numpy_helper.from_array(np.array(xparams[k][0], np.float32), "xs%d" % k),
                             numpy_helper.from_array(np.array(xparams[k][1], npdt), "xz%d" % k)]
    else:
        inputs = ["x0", "xs0", "xz0", "ys", "yz"]
        initializers += [numpy_helper.from_array(np.array(xparams[0][0], np.float32), "xs0"),
                         numpy_helper.from_array(np.array(xparams[0][1], npdt), "xz0")]
    initializers += [numpy_helper.from_array(np.array(yparams[0], np.float32), "ys"),
                     numpy_helper.from_array(np.array(yparams[1], npdt), "yz")]
    node = helper.make_node(op, inputs, ["y"], domain="com.microsoft", **attrs)
    graph = helper.make_graph([node], name,
                              [helper.make_tensor_value_info("x%d" % k, dtype, s) for k, s in enumerate(shapes)],
                              [helper.make_tensor_value_info("y", dtype, None)], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                              ir_version=10)
    (y,) = run(model, {"x%d" % k: x for k, x in enumerate(xs)})
    attr_lines = []
    for key, value in attrs.items():
        if isinstance(value, list):
            attr_lines.append('QuantizedPoolingAttribute.ints("%s", %s)' % (key, value))
        elif isinstance(value, str):
            attr_lines.append('QuantizedPoolingAttribute.string("%s", "%s")' % (key, value))
        else:
            attr_lines.append('QuantizedPoolingAttribute.int("%s", %d)' % (key, value))
    lines = [
        "  /// %s %s" % (op, attrs),
        "  static let %s = QuantizedPoolingGoldenCase(" % name,
        '    op: "%s", dataType: %s,' % (op, SWIFT_TYPE[dtype]),
        "    attributes: [%s]," % ", ".join(attr_lines),
        "    inputs: [%s]," % ", ".join("(shape: %s, seed: %d, scale: %s, zeroPoint: %d)" % (
            list(s), seed, swift_float(p[0]), p[1]) for s, seed, p in zip(shapes, seeds, xparams)),
        "    outputScale: %s, outputZeroPoint: %d, outputShape: %s," % (swift_float(yparams[0]), yparams[1],
                                                                       list(y.shape)),
        "    output:",
        hex_literal(hex_of(y), 6) + ")",
    ]
    return "\n".join(lines)


HEADER = """// Generated by the script in QuantizeGoldensGenerator.swift with onnxruntime %s, onnx %s, numpy %s.
// Do not edit by hand.
"""


def main(directory):
    versions = (ort.__version__, onnx.__version__, np.__version__)
    with open(os.path.join(directory, "QuantizeGoldens.swift"), "w") as f:
        f.write(HEADER % versions)
        f.write("\n/// onnxruntime's outputs (hex: bytes, 16-bit values or float32 bit patterns, big-endian digits) for\n"
                "/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear on inputs from QuantizeRandom.\n")
        f.write("enum QuantizeGoldens {\n")
        f.write("\n\n".join(quantize_case(c) for c in QUANTIZE_CASES))
        f.write("\n}\n")
    with open(os.path.join(directory, "QuantizedPoolingGoldens.swift"), "w") as f:
        f.write(HEADER % versions)
        f.write("\n/// onnxruntime's outputs (hex bytes) for QLinearGlobalAveragePool, QLinearAveragePool and QLinearConcat\n"
                "/// on inputs from QuantizeRandom.\n")
        f.write("enum QuantizedPoolingGoldens {\n")
        f.write("\n\n".join(pool_case(c) for c in POOL_CASES))
        f.write("\n}\n")


if __name__ == "__main__":
    main(sys.argv[1])
--- end gen.py --- */
