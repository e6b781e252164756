// The generator of IntegerGemmGoldens.swift, kept here because the tests own no other files.
// To regenerate: copy the Python between the markers to gen.py and run
//   python gen.py Tests/RuntimeTests/IntegerGemmGoldens.swift
// with numpy, onnx (1.23) and onnxruntime (1.32) installed. Adding a case means adding a call here; every
// case is run by IntegerGemmONNXRuntimeTests.

/* --- gen.py ---
"""Generates Tests/RuntimeTests/IntegerGemmGoldens.swift: QLinearConv, ConvInteger, QLinearMatMul,
MatMulInteger and QGemm cases run in onnxruntime (CPU), inputs from numpy's seeded generator written out
as literals, outputs as ONNX Runtime computed them. Each output is also checked against an exact
integer model (int64 sums, float32 requantization as MlasRequantizeOutput does) before it is written.

    python gen.py Tests/RuntimeTests/IntegerGemmGoldens.swift
"""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto
import onnxruntime as ort

rng = np.random.default_rng(20240611)
NP = {TensorProto.UINT8: np.uint8, TensorProto.INT8: np.int8, TensorProto.INT32: np.int32,
      TensorProto.FLOAT: np.float32}
SWIFT = {np.dtype(np.uint8): "u8", np.dtype(np.int8): "i8", np.dtype(np.int32): "i32",
         np.dtype(np.float32): "f32"}


def q(dtype, shape, low=None, high=None):
    info = np.iinfo(dtype)
    low = info.min if low is None else low
    high = info.max if high is None else high
    return rng.integers(low, high + 1, size=shape).astype(dtype)


def scale(shape=(), low=0.002, high=0.05):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def run(op, domain, inputs, attrs, out_type):
    names = []
    graph_inputs = []
    feeds = {}
    for i, value in enumerate(inputs):
        if value is None:
            names.append("")
            continue
        name = "in%d" % i
        names.append(name)
        elem = {np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.int8): TensorProto.INT8,
                np.dtype(np.int32): TensorProto.INT32, np.dtype(np.float32): TensorProto.FLOAT}[value.dtype]
        graph_inputs.append(helper.make_tensor_value_info(name, elem, value.shape))
        feeds[name] = value
    while names and names[-1] == "":
        names.pop()
    node = helper.make_node(op, names, ["y"], domain=domain, **attrs)
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_tensor_value_info("y", out_type, None)])
    opsets = [helper.make_opsetid("", 13)]
    if domain:
        opsets.append(helper.make_opsetid(domain, 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def requant(acc, multiplier, zp, dtype):
    info = np.iinfo(dtype)
    v = (acc.astype(np.float32) * np.float32(multiplier)).astype(np.float32)
    return np.clip(np.rint(v) + zp, info.min, info.max).astype(dtype)


def conv_reference(x, xzp, w, wzp, group, strides, pads, dilations):
    # NCHW, 2-D or 1-D, int64 sums; padding holds the zero point.
    spatial = x.ndim - 2
    n, c = x.shape[:2]
    m = w.shape[0]
    kernel = w.shape[2:]
    xs = x.astype(np.int64) - int(xzp)
    ws = w.astype(np.int64) - np.asarray(wzp, dtype=np.int64).reshape([-1] + [1] * (w.ndim - 1))
    padded = np.pad(xs, [(0, 0), (0, 0)] + [(pads[i], pads[i + spatial]) for i in range(spatial)])
    out_sizes = [(padded.shape[2 + i] - ((kernel[i] - 1) * dilations[i] + 1)) // strides[i] + 1
                 for i in range(spatial)]
    y = np.zeros([n, m] + out_sizes, dtype=np.int64)
    cg = c // group
    mg = m // group
    for oc in range(m):
        g = oc // mg
        for index in np.ndindex(*out_sizes):
            acc = np.zeros(n, dtype=np.int64)
            for ic in range(cg):
                for tap in np.ndindex(*kernel):
                    pos = tuple(index[i] * strides[i] + tap[i] * dilations[i] for i in range(spatial))
                    acc += padded[(slice(None), g * cg + ic) + pos] * ws[(oc, ic) + tap]
            y[(slice(None), oc) + index] = acc
    return y


def swift_tensor(value):
    value = np.asarray(value)
    kind = SWIFT[value.dtype]
    shape = "[" + ", ".join(str(d) for d in value.shape) + "]"
    if kind == "f32":
        items = ["0x%08x" % v for v in value.astype(np.float32).ravel().view(np.uint32)]
    else:
        items = [str(int(v)) for v in value.ravel()]
    lines = []
    for start in range(0, len(items), 16):
        lines.append("        " + ", ".join(items[start:start + 16]) + ",")
    body = "\n".join(lines)
    return "." + kind + "(" + shape + ", [\n" + body + "\n      ])"


CASES = []


def add(name, op, domain, inputs, attrs, expected_type, exact):
    out = run(op, domain, inputs, attrs, expected_type)
    if not np.array_equal(out, exact):
        diff = np.argwhere(out != exact)
        raise SystemExit("%s: ONNX Runtime differs from the exact model at %d places, first %s: %s vs %s" % (
            name, len(diff), diff[0], out[tuple(diff[0])], exact[tuple(diff[0])]))
    CASES.append((name, op, domain, inputs, attrs, out))


def qlinear_conv(name, x, w, wzp, wscale, group=1, strides=None, pads=None, dilations=None, bias=True,
                 ydtype=None, auto_pad=None, xscale=None, yscale=None):
    spatial = x.ndim - 2
    m = w.shape[0]
    xzp = q(x.dtype, (), -20 if x.dtype == np.int8 else 100, 20 if x.dtype == np.int8 else 150)
    ydtype = ydtype or x.dtype
    yzp = q(ydtype, (), -10 if ydtype == np.int8 else 110, 10 if ydtype == np.int8 else 140)
    xscale = np.float32(xscale or 0.02)
    yscale = np.float32(yscale or 0.05)
    b = rng.integers(-2000, 2000, size=(m,)).astype(np.int32) if bias else None
    attrs = {"group": group} if group != 1 else {}
    s = strides or [1] * spatial
    d = dilations or [1] * spatial
    p = pads or [0] * (2 * spatial)
    if strides: attrs["strides"] = strides
    if dilations: attrs["dilations"] = dilations
    if pads: attrs["pads"] = pads
    if auto_pad:
        attrs["auto_pad"] = auto_pad
        # SAME_UPPER: output = ceil(in / stride)
        p = []
        ends = []
        for i in range(spatial):
            out = -(-x.shape[2 + i] // s[i])
            extent = (w.shape[2 + i] - 1) * d[i] + 1
            total = max(0, (out - 1) * s[i] + extent - x.shape[2 + i])
            p.append(total // 2)
            ends.append(total - total // 2)
        p = p + ends
    acc = conv_reference(x, xzp, w, wzp, group, s, p, d)
    if b is not None:
        acc = acc + b.reshape([1, m] + [1] * spatial)
    acc = acc.astype(np.int32)
    wscale_arr = np.broadcast_to(wscale, (m,))
    exact = np.empty(acc.shape, dtype=ydtype)
    for oc in range(m):
        mult = np.float32(np.float32(xscale * wscale_arr[oc]) / yscale)
        exact[:, oc] = requant(acc[:, oc], mult, int(yzp), ydtype)
    wscale = np.asarray(wscale, np.float32)
    inputs = [x, np.array(xscale, np.float32), xzp, w, wscale, wzp, np.array(yscale, np.float32), yzp, b]
    add(name, "QLinearConv", "", inputs, attrs, {np.dtype(np.uint8): TensorProto.UINT8,
                                                np.dtype(np.int8): TensorProto.INT8}[np.dtype(ydtype)], exact)


# QLinearConv: per-channel, u8 activations, s8 symmetric weights (the quantizer's default).
qlinear_conv("qlinearconv_per_channel_u8s8", q(np.uint8, (1, 3, 7, 6)), q(np.int8, (5, 3, 3, 3), -127, 127),
             np.zeros(5, np.int8), scale((5,), 0.001, 0.01), pads=[1, 1, 1, 1])
# Depthwise, u8 weights with a zero point, stride 2.
qlinear_conv("qlinearconv_depthwise_u8u8", q(np.uint8, (2, 4, 9, 8)), q(np.uint8, (4, 1, 3, 3)),
             np.array(131, np.uint8), scale((4,), 0.002, 0.01), group=4, strides=[2, 2], pads=[1, 1, 1, 1])
# Depthwise, s8, channel multiplier 2, dilation 2.
qlinear_conv("qlinearconv_depthwise_multiplier_s8s8", q(np.int8, (1, 3, 7, 7)), q(np.int8, (6, 1, 3, 3), -127, 127),
             np.zeros(6, np.int8), scale((6,), 0.002, 0.01), group=3, dilations=[2, 2], pads=[2, 1, 2, 1])
# Grouped, int8 activations, asymmetric pads, strides [2, 1], per-tensor weights.
qlinear_conv("qlinearconv_grouped_s8s8", q(np.int8, (1, 4, 6, 7)), q(np.int8, (6, 2, 2, 3), -127, 127),
             np.array(0, np.int8), np.float32(0.004), group=2, strides=[2, 1], pads=[0, 1, 1, 0])
# Pointwise (1x1), u8 x s8 per-channel, no bias.
qlinear_conv("qlinearconv_pointwise_u8s8", q(np.uint8, (1, 16, 5, 5)), q(np.int8, (9, 16, 1, 1), -127, 127),
             np.zeros(9, np.int8), scale((9,), 0.001, 0.01), bias=False)
# 1-D, SAME_UPPER, stride 2, u8 weights per-tensor with zero point.
qlinear_conv("qlinearconv_1d_same_upper_u8u8", q(np.uint8, (1, 3, 11)), q(np.uint8, (4, 3, 4)),
             np.array(120, np.uint8), np.float32(0.003), strides=[2], auto_pad="SAME_UPPER")
# u8 activations, s8 weights, int8 output? ORT's kernels tie T3 to T1: keep u8 output.

# ConvInteger: u8 x u8, per-channel weight zero points, padding with the input zero point.
x = q(np.uint8, (1, 2, 5, 5))
w = q(np.uint8, (3, 2, 3, 3))
xzp = np.array(128, np.uint8)
wzp = np.array(127, np.uint8)
exact = conv_reference(x, xzp, w, wzp, 1, [1, 1], [1, 1, 1, 1], [1, 1]).astype(np.int32)
add("convinteger_padded_u8u8", "ConvInteger", "", [x, w, xzp, wzp], {"pads": [1, 1, 1, 1]}, TensorProto.INT32, exact)


def matmul_exact(a, azp, b, bzp):
    return np.matmul(a.astype(np.int64) - np.asarray(azp, np.int64), b.astype(np.int64) - np.asarray(bzp, np.int64))


# QLinearMatMul u8 x u8, 2-D.
a = q(np.uint8, (5, 19)); b = q(np.uint8, (19, 11))
azp = np.array(118, np.uint8); bzp = np.array(131, np.uint8); yzp = np.array(125, np.uint8)
ascale = np.array(0.03, np.float32); bscale = np.array(0.004, np.float32); yscale = np.array(0.09, np.float32)
acc = matmul_exact(a, azp, b, bzp).astype(np.int32)
exact = requant(acc, np.float32(ascale * bscale) / yscale, int(yzp), np.uint8)
add("qlinearmatmul_2d_u8u8", "QLinearMatMul", "", [a, ascale, azp, b, bscale, bzp, yscale, yzp], {},
    TensorProto.UINT8, exact)
# QLinearMatMul s8 x s8, batched 3-D, per-column b scales [2, 1, N].
a = q(np.int8, (2, 3, 10)); b = q(np.int8, (2, 10, 9), -127, 127)
azp = np.array(-3, np.int8); bzp = np.zeros((2, 1, 9), np.int8); yzp = np.array(4, np.int8)
ascale = np.array(0.02, np.float32); bscale = scale((2, 1, 9), 0.002, 0.01); yscale = np.array(0.06, np.float32)
acc = matmul_exact(a, azp, b, bzp).astype(np.int32)
mult = (np.float32(ascale) * bscale).astype(np.float32) / np.float32(yscale)
exact = np.clip(np.rint((acc.astype(np.float32) * mult.astype(np.float32)).astype(np.float32)) + int(yzp), -128, 127).astype(np.int8)
add("qlinearmatmul_batched_per_column_s8s8", "QLinearMatMul", "", [a, ascale, azp, b, bscale, bzp, yscale, yzp], {},
    TensorProto.INT8, exact)
# QLinearMatMul u8 x s8, B broadcast over A's batch.
a = q(np.uint8, (2, 2, 4, 13)); b = q(np.int8, (13, 6))
azp = np.array(140, np.uint8); bzp = np.array(0, np.int8); yzp = np.array(128, np.uint8)
ascale = np.array(0.025, np.float32); bscale = np.array(0.005, np.float32); yscale = np.array(0.07, np.float32)
acc = matmul_exact(a, azp, b, bzp).astype(np.int32)
exact = requant(acc, np.float32(ascale * bscale) / yscale, int(yzp), np.uint8)
add("qlinearmatmul_broadcast_u8s8", "QLinearMatMul", "", [a, ascale, azp, b, bscale, bzp, yscale, yzp], {},
    TensorProto.UINT8, exact)

# MatMulInteger u8 x s8, per-column b zero points.
a = q(np.uint8, (3, 7)); b = q(np.int8, (7, 5))
azp = np.array(121, np.uint8); bzp = q(np.int8, (5,), -5, 5)
exact = matmul_exact(a, azp, b, bzp).astype(np.int32)
add("matmulinteger_per_column_u8s8", "MatMulInteger", "", [a, b, azp, bzp], {}, TensorProto.INT32, exact)


def qgemm(name, a, b, transA, transB, bscale, bzp, c, quantized, alpha=1.0):
    azp = q(a.dtype, (), -5 if a.dtype == np.int8 else 120, 5 if a.dtype == np.int8 else 136)
    ascale = np.array(0.02, np.float32)
    A = a.T if transA else a
    B = b.T if transB else b
    acc = matmul_exact(A, azp, B, np.asarray(bzp).reshape(1, -1) if np.ndim(bzp) else bzp)
    if c is not None:
        acc = acc + c.astype(np.int64)
    acc = acc.astype(np.int32)
    n = B.shape[1]
    scales = (np.float32(alpha) * ascale * np.broadcast_to(bscale, (n,)).astype(np.float32)).astype(np.float32)
    attrs = {}
    if alpha != 1.0: attrs["alpha"] = alpha
    if transA: attrs["transA"] = 1
    if transB: attrs["transB"] = 1
    if quantized:
        yscale = np.array(0.08, np.float32)
        yzp = q(a.dtype, (), -5 if a.dtype == np.int8 else 120, 5 if a.dtype == np.int8 else 136)
        mult = (scales / yscale).astype(np.float32)
        info = np.iinfo(a.dtype)
        exact = np.clip(np.rint((acc.astype(np.float32) * mult).astype(np.float32)) + int(yzp), info.min, info.max).astype(a.dtype)
        inputs = [a, ascale, azp, b, bscale, bzp, c, yscale, yzp]
        out_type = TensorProto.UINT8 if a.dtype == np.uint8 else TensorProto.INT8
    else:
        exact = (acc.astype(np.float32) * scales).astype(np.float32)
        inputs = [a, ascale, azp, b, bscale, bzp, c]
        out_type = TensorProto.FLOAT
    add(name, "QGemm", "com.microsoft", inputs, attrs, out_type, exact)


# QGemm as the quantizer emits it: u8 x s8, transB, per-column weights, int32 bias [N], u8 output.
qgemm("qgemm_u8s8_transb_per_column", q(np.uint8, (6, 21)), q(np.int8, (10, 21), -127, 127), 0, 1,
      scale((10,), 0.002, 0.01), np.zeros(10, np.int8), rng.integers(-3000, 3000, size=(10,)).astype(np.int32), True)
# QGemm s8 x s8, transA, per-tensor, bias [M, 1], s8 output, alpha 0.75.
qgemm("qgemm_s8s8_transa_alpha", q(np.int8, (9, 4)), q(np.int8, (9, 7), -127, 127), 1, 0,
      np.array(0.006, np.float32), np.array(0, np.int8), rng.integers(-500, 500, size=(4, 1)).astype(np.int32), True,
      alpha=0.75)
# QGemm float output: u8 x u8, bias [M, N], alpha 0.5.
qgemm("qgemm_u8u8_float_output", q(np.uint8, (3, 12)), q(np.uint8, (12, 5)), 0, 0,
      np.array(0.004, np.float32), np.array(128, np.uint8), rng.integers(-800, 800, size=(3, 5)).astype(np.int32), False,
      alpha=0.5)


def attr_swift(attrs):
    items = []
    for key, value in attrs.items():
        if isinstance(value, list):
            items.append('TestNodes.ints("%s", [%s])' % (key, ", ".join(str(v) for v in value)))
        elif isinstance(value, float):
            items.append('TestNodes.float("%s", %r)' % (key, value))
        elif isinstance(value, str):
            items.append('TestNodes.string("%s", "%s")' % (key, value))
        else:
            items.append('TestNodes.int("%s", %d)' % (key, value))
    return "[" + ", ".join(items) + "]"


out = ["// Generated by the script in IntegerGemmGoldensGenerator.swift with onnxruntime %s, onnx %s, numpy %s."
       % (ort.__version__, onnx.__version__, np.__version__),
       "// Do not edit: regenerate.", "", "import ONNXFormat", "", "@testable import Runtime", "",
       "/// Inputs and ONNX Runtime's outputs (CPU) of one quantized node; nil inputs are omitted.",
       "enum IntegerGemmGoldens {",
       "  static let cases: [IntegerGolden] = ["]
for name, op, domain, inputs, attrs, result in CASES:
    out.append("    IntegerGolden(")
    out.append('      name: "%s", opType: "%s", domain: "%s", attributes: %s,' % (name, op, domain, attr_swift(attrs)))
    out.append("      inputs: [")
    for value in inputs:
        out.append("        nil," if value is None else "        " + swift_tensor(value).replace("\n", "\n  ") + ",")
    out.append("      ],")
    out.append("      output: " + swift_tensor(result) + "),")
out.append("  ]")
out.append("}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
print("wrote %d cases" % len(CASES))
for name, op, domain, inputs, attrs, result in CASES:
    r = np.asarray(result)
    if r.dtype in (np.uint8, np.int8):
        info = np.iinfo(r.dtype)
        print(name, r.shape, "saturated %.2f" % np.mean((r == info.min) | (r == info.max)), "distinct", len(np.unique(r)), file=sys.stderr)
    else:
        print(name, r.shape, r.dtype, r.ravel()[:4], file=sys.stderr)
--- end gen.py --- */
