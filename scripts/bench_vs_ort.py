#!/usr/bin/env python3
"""Measures onnx-quant beside ONNX Runtime on the same machine in one run: single thread, batch 1.

For each model: onnx-quant's `bench --json` (median latency, arena and its lower bound, weights, peak
RSS) and ONNX Runtime's median latency and peak RSS, each in its own process so peak RSS is the
runtime's own. Prints a Markdown table; with --markdown FILE, writes it there too.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

ORT_SNIPPET = r"""
import json, resource, sys, time
import numpy as np
import onnxruntime as ort
path, shape_args, runs, warmup = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
start = time.perf_counter()
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
load = time.perf_counter() - start
rng = np.random.default_rng(0x5EED)
feeds = {}
types = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
         "tensor(uint8)": np.uint8, "tensor(int8)": np.int8, "tensor(bool)": np.bool_}
for i in session.get_inputs():
    shape = shape_args.get(i.name) or [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
    dtype = types[i.type]
    feeds[i.name] = rng.uniform(-1, 1, shape).astype(dtype) if dtype == np.float32 else np.zeros(shape, dtype)
for _ in range(warmup):
    session.run(None, feeds)
times = []
for _ in range(runs):
    t = time.perf_counter()
    session.run(None, feeds)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"load_ms": load * 1e3, "median_us": times[len(times) // 2] * 1e6,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def onnx_quant(binary, model, shapes, runs, warmup):
    command = [binary, "bench", model, "--runs", str(runs), "--warmup", str(warmup), "--json"]
    for name, dims in shapes.items():
        command += ["--shape", name + "=" + ",".join(str(d) for d in dims)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def onnx_runtime(python, model, shapes, runs, warmup):
    result = subprocess.run([python, "-c", ORT_SNIPPET, model, json.dumps(shapes), str(runs), str(warmup)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="a release build of onnx-quant")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    models = [
        ("ppocr_cls_mobile_v2 (float)", os.path.join(args.shared, "ppocr_cls_mobile_v2.onnx"), {"x": [1, 3, 48, 192]}),
        ("silero_vad_16k_stateful (float)", os.path.join(args.shared, "silero_vad_16k_stateful.onnx"), {}),
        ("kws_dscnn (float)", os.path.join(args.shared, "mlperf-tiny", "kws_dscnn.onnx"), {}),
        ("vww_mobilenet_v1_025 (float)", os.path.join(args.shared, "mlperf-tiny", "vww_mobilenet_v1_025.onnx"), {}),
    ]
    rows = []
    for label, path, shapes in models:
        if not os.path.exists(path):
            continue
        ours = onnx_quant(args.binary, path, shapes, args.runs, args.warmup)
        theirs = onnx_runtime(sys.executable, path, shapes, args.runs, args.warmup)
        rows.append((label, ours, theirs))

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = "%s, %d cores, %s" % (platform.machine(), os.cpu_count(), platform.processor() or platform.platform())
    lines = [
        "Measured %s on %s; single thread, batch 1, median of %d runs after %d warm-up; ONNX Runtime %s." % (
            stamp, machine, args.runs, args.warmup, ort_version(sys.executable)),
        "Command: `%s`" % " ".join(["python3", "scripts/bench_vs_ort.py"] + sys.argv[1:]),
        "",
        "| model | onnx-quant | ONNX Runtime | ratio | arena (lower bound) | weights | peak RSS onnx-quant | peak RSS ORT |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, ours, theirs in rows:
        lines.append("| %s | %.1f us | %.1f us | %.2fx | %s (%s) | %s | %.1f MB | %.1f MB |" % (
            label, float(ours["median_us"]), theirs["median_us"], float(ours["median_us"]) / theirs["median_us"],
            "{:,}".format(ours["arena_bytes"]), "{:,}".format(ours["arena_lower_bound_bytes"]),
            "{:,}".format(ours["weight_bytes"]), ours["peak_rss_bytes"] / 1e6, theirs["peak_rss_bytes"] / 1e6))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


def ort_version(python):
    return subprocess.run([python, "-c", "import onnxruntime; print(onnxruntime.__version__)"],
                          capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
