#!/usr/bin/env python3
"""An int8 GEMM of 256x256x256 through onnx-quant's QLinearConv kernel, in GOPS beside the core's peak.

The product is a 1x1 QLinearConv: x uint8 [1, 256, 16, 16] (K = 256 input channels by 256 positions),
w int8 [256, 256, 1, 1] per-channel, uint8 output: 256 x 256 x 256 multiply-adds, requantized.
`onnx-quant bench --json` times it (median, one thread); GOPS = 2 * 256^3 / median.

Peak int8 throughput per core, from the ISA (stated assumptions, printed): with AVX-512 VNNI,
`vpdpbusd zmm` does 64 u8 x s8 multiply-adds; two vector ports issue it each cycle (Zen 4/5 and Ice
Lake / Sapphire Rapids server cores have two 512-bit integer multiply pipes), at the clock given by
--ghz (default: the `cpu MHz` of /proc/cpuinfo, the nominal clock; boost clocks are higher, so the
ratio is an upper estimate). Without VNNI, AVX2 `vpmaddubsw`+`vpmaddwd` give 32 multiply-adds per
pair on two ports.
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


def model(path, size=256, side=16):
    rng = np.random.default_rng(1)
    w = rng.integers(-127, 128, size=(size, size, 1, 1), dtype=np.int8)
    bias = rng.integers(-2000, 2000, size=(size,), dtype=np.int32)
    inits = [
        numpy_helper.from_array(np.array(0.02, np.float32), "x_scale"),
        numpy_helper.from_array(np.array(128, np.uint8), "x_zero_point"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array((rng.random(size) * 0.01 + 0.001).astype(np.float32), "w_scale"),
        numpy_helper.from_array(np.zeros(size, np.int8), "w_zero_point"),
        numpy_helper.from_array(np.array(0.5, np.float32), "y_scale"),
        numpy_helper.from_array(np.array(128, np.uint8), "y_zero_point"),
        numpy_helper.from_array(bias, "B"),
    ]
    node = helper.make_node(
        "QLinearConv",
        ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B"],
        ["y"])
    graph = helper.make_graph(
        [node], "gemm256",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, size, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, size, side, side])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)


def cpu_info():
    flags, mhz = set(), None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":", 1)[1])
    return flags, mhz


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/onnx-quant")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--ghz", type=float, help="clock for the peak (default: cpu MHz of /proc/cpuinfo)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "gemm256.onnx")
        model(path)
        out = subprocess.run(
            [args.binary, "bench", path, "--json", "--runs", str(args.runs), "--warmup", "50"],
            check=True, capture_output=True, text=True).stdout
    median_us = json.loads(out)["median_us"]
    ops = 2.0 * 256 ** 3
    gops = ops / (median_us * 1e-6) / 1e9
    flags, mhz = cpu_info()
    ghz = args.ghz or (mhz / 1000.0 if mhz else 3.0)
    if "avx512_vnni" in flags:
        macs, what = 64 * 2, "AVX-512 VNNI vpdpbusd zmm: 64 MACs x 2 ports"
    elif "avx2" in flags:
        macs, what = 16 * 2, "AVX2 vpmaddubsw+vpmaddwd ymm: 16 MACs per instruction x 2 ports"
    else:
        macs, what = 8, "scalar/SSE estimate: 8 MACs per cycle"
    peak = 2.0 * macs * ghz
    print("int8 GEMM 256x256x256 (1x1 QLinearConv, u8 x s8 -> u8): median %.1f us, %.1f GOPS" % (median_us, gops))
    print("peak per core: %s x %.2f GHz = %.0f GOPS; ratio %.2f" % (what, ghz, peak, gops / peak))
    return 0


if __name__ == "__main__":
    sys.exit(main())
