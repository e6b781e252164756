#!/usr/bin/env python3
"""NCHW QLinearConv against com.microsoft QLinearConv channels_last = 1, layer by layer.

For each shape (the int8 convolutions of the small edge models and two ResNet layers), writes two
single-node models with identical parameters: the ai.onnx QLinearConv on x [N, C, H, W], and ONNX
Runtime's contrib com.microsoft QLinearConv with channels_last = 1 on x [N, H, W, C] (w stays
[M, C / group, kH, kW]). Times both with `onnx-quant bench --json` back to back (median) and prints the
before (NCHW) and after (NHWC) times, the speedup and the channels-last GMAC/s. Weights are int8,
symmetric, per output channel, with an int32 bias; x and y are uint8 (--signed: int8).
--ort also times ONNX Runtime on the NCHW model (its own layout choice, one thread); --check runs
the channels-last model through `onnx-quant run` and ONNX Runtime (which implements the contrib op) on
the same random x and reports whether every output byte agrees.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name, C, M, (H, W), (kH, kW), strides, pads [top, left, bottom, right], group
SHAPES = [
    ("kws 1x1 64->64 25x5", 64, 64, (25, 5), (1, 1), (1, 1), (0, 0, 0, 0), 1),
    ("kws dw 3x3 64ch 25x5", 64, 64, (25, 5), (3, 3), (1, 1), (1, 1, 1, 1), 64),
    ("kws conv1 1->64 10x4 s2 49x10", 1, 64, (49, 10), (10, 4), (2, 2), (4, 1, 5, 1), 1),
    ("vww dw 3x3 s2 48x48x16", 16, 16, (48, 48), (3, 3), (2, 2), (0, 0, 1, 1), 16),
    ("vww dw 3x3 8ch 48x48", 8, 8, (48, 48), (3, 3), (1, 1), (1, 1, 1, 1), 8),
    ("dw 3x3 s2 8ch 48x48", 8, 8, (48, 48), (3, 3), (2, 2), (0, 0, 1, 1), 8),
    ("vww conv1 3->8 s2 96x96", 3, 8, (96, 96), (3, 3), (2, 2), (0, 0, 1, 1), 1),
    ("ppocr dw 5x5 200ch 2x96", 200, 200, (2, 96), (5, 5), (1, 1), (2, 2, 2, 2), 200),
    ("vww 1x1 8->16 48x48", 8, 16, (48, 48), (1, 1), (1, 1), (0, 0, 0, 0), 1),
    ("vww 1x1 128->128 6x6", 128, 128, (6, 6), (1, 1), (1, 1), (0, 0, 0, 0), 1),
    ("resnet 3x3 64->64 56x56", 64, 64, (56, 56), (3, 3), (1, 1), (1, 1, 1, 1), 1),
    ("resnet 3x3 512->512 7x7", 512, 512, (7, 7), (3, 3), (1, 1), (1, 1, 1, 1), 1),
    ("digits 3x3 16->32 8x8", 16, 32, (8, 8), (3, 3), (1, 1), (1, 1, 1, 1), 1),
]


def output_size(size, kernel, stride, begin, end):
    return (size + begin + end - kernel) // stride + 1


def write(path, shape, channels_last, signed):
    _, c, m, (h, w), (kh, kw), strides, pads, group = shape
    rng = np.random.default_rng(7)
    weights = rng.integers(-127, 128, size=(m, c // group, kh, kw), dtype=np.int8)
    bias = rng.integers(-2000, 2000, size=(m,), dtype=np.int32)
    code = np.int8 if signed else np.uint8
    zero = 0 if signed else 128
    elem = TensorProto.INT8 if signed else TensorProto.UINT8
    inits = [
        numpy_helper.from_array(np.array(0.02, np.float32), "x_scale"),
        numpy_helper.from_array(np.array(zero + 3, code), "x_zero_point"),
        numpy_helper.from_array(weights, "w"),
        numpy_helper.from_array((rng.random(m) * 0.004 + 0.002).astype(np.float32), "w_scale"),
        numpy_helper.from_array(np.zeros(m, np.int8), "w_zero_point"),
        numpy_helper.from_array(np.array(0.05 * np.sqrt(c // group * kh * kw), np.float32), "y_scale"),
        numpy_helper.from_array(np.array(zero - 5, code), "y_zero_point"),
        numpy_helper.from_array(bias, "B"),
    ]
    ho = output_size(h, kh, strides[0], pads[0], pads[2])
    wo = output_size(w, kw, strides[1], pads[1], pads[3])
    attributes = dict(kernel_shape=[kh, kw], strides=list(strides), pads=list(pads), group=group)
    inputs = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B"]
    if channels_last:
        node = helper.make_node("QLinearConv", inputs, ["y"], domain="com.microsoft", channels_last=1, **attributes)
        x_shape, y_shape = [1, h, w, c], [1, ho, wo, m]
    else:
        node = helper.make_node("QLinearConv", inputs, ["y"], **attributes)
        x_shape, y_shape = [1, c, h, w], [1, m, ho, wo]
    graph = helper.make_graph(
        [node], "conv", [helper.make_tensor_value_info("x", elem, x_shape)],
        [helper.make_tensor_value_info("y", elem, y_shape)], inits)
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid("com.microsoft", 1)] if channels_last else [])
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    onnx.save(model, path)
    return ho * wo * m * (c // group) * kh * kw


def bench(binary, path, runs, threads):
    out = subprocess.run(
        [binary, "bench", path, "--json", "--runs", str(runs), "--warmup", str(max(10, runs // 10)),
         "--threads", str(threads)], check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["median_us"])


def bench_ort(path, runs, signed):
    import time

    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0]
    x = np.random.default_rng(1).integers(-128 if signed else 0, 128 if signed else 256, size=feed.shape)
    x = {feed.name: x.astype(np.int8 if signed else np.uint8)}
    for _ in range(max(10, runs // 10)):
        session.run(None, x)
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        session.run(None, x)
        times.append(time.perf_counter_ns() - start)
    return sorted(times)[len(times) // 2] / 1e3


def check(binary, path, shape, signed, tmp):
    import onnxruntime as ort
    _, c, _, (h, w), *_ = shape
    x = np.random.default_rng(3).integers(-128 if signed else 0, 128 if signed else 256, size=(1, h, w, c))
    x = x.astype(np.int8 if signed else np.uint8)
    np.save(os.path.join(tmp, "x.npy"), x)
    expected = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    out = os.path.join(tmp, "out")
    subprocess.run([binary, "run", path, "--input", "x=" + os.path.join(tmp, "x.npy"), "--outputs", out], check=True,
                   capture_output=True)
    actual = np.load(os.path.join(out, "y.npy"))
    return actual.shape == expected.shape and np.array_equal(actual, expected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/onnx-quant")
    parser.add_argument("--runs", type=int, default=2000, help="timed runs of the small layers")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--signed", action="store_true", help="int8 x and y instead of uint8")
    parser.add_argument("--ort", action="store_true", help="also time ONNX Runtime on the NCHW model")
    parser.add_argument("--check", action="store_true", help="compare channels-last outputs with ONNX Runtime's")
    parser.add_argument("--only", help="run the shapes whose name contains this text")
    args = parser.parse_args()
    header = "%-32s %10s %10s %8s %9s" % ("layer", "NCHW us", "NHWC us", "speedup", "GMAC/s")
    if args.ort:
        header += " %10s" % "ORT us"
    if args.check:
        header += "  same as ORT"
    print("threads %d, %s x" % (args.threads, "int8" if args.signed else "uint8"))
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for shape in SHAPES:
            if args.only and args.only not in shape[0]:
                continue
            before = os.path.join(tmp, "nchw.onnx")
            after = os.path.join(tmp, "nhwc.onnx")
            macs = write(before, shape, False, args.signed)
            write(after, shape, True, args.signed)
            # Fewer runs for the big layers: about the same wall time per shape.
            runs = max(50, min(args.runs, int(args.runs * 2e5 / max(macs, 1))))
            nchw = bench(args.binary, before, runs, args.threads)
            nhwc = bench(args.binary, after, runs, args.threads)
            line = "%-32s %10.2f %10.2f %7.2fx %9.1f" % (shape[0], nchw, nhwc, nchw / nhwc, macs / nhwc / 1e3)
            if args.ort:
                line += " %10.2f" % bench_ort(before, runs, args.signed)
            if args.check:
                line += "  " + ("yes" if check(args.binary, after, shape, args.signed, tmp) else "NO")
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
