#!/usr/bin/env python3
"""The targets of `onnx-quant calibrate` measured in one run (issue #5), as a markdown table.

For the digits example and the ppocr cls recipe (rendered text lines): float top-1, onnx-quant int8
top-1 (default method, and percentile), ONNX Runtime quantize_static int8 top-1 (MinMax and
Percentile, same calibration samples, QOperator, per-channel), the time each quantizer takes (median
of --repeat runs: onnx-quant's whole command, wall clock; quantize_static in-process as
scripts/ort_quantize.py reports it, and its whole script wall clock), and file sizes.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def wall(command):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
    return elapsed, result.stdout


def ours_accuracy(binary, model, inputs, labels):
    _, out = wall([binary, "eval", model, "--inputs", inputs, "--labels", labels, "--json"])
    return json.loads(out)["accuracy"] * 100


def ort_accuracy(model, inputs, labels):
    _, out = wall([sys.executable, os.path.join(HERE, "ort_eval.py"), "--model", model, "--inputs", inputs,
                   "--labels", labels])
    return json.loads(out)["accuracy"] * 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--shared", default="../shared/models")
    parser.add_argument("--out", default="build/targets")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    examples = [
        ("digits", "quantize/examples/digits/digits_float.onnx", "quantize/examples/digits/calib.npy",
         "quantize/examples/digits/test_inputs.npy", "quantize/examples/digits/test_labels.npy"),
        ("ppocr_cls", os.path.join(args.shared, "ppocr_cls_mobile_v2.onnx"), "build/ppocr/calib.npy",
         "build/ppocr/test_inputs.npy", "build/ppocr/test_labels.npy"),
    ]
    lines = []
    lines.append("Measured %s on %s (%s), `python3 scripts/quantizer_targets.py --binary %s`, median of %d runs." % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), platform.machine(), os.cpu_count(), args.binary,
        args.repeat))
    lines.append("")
    lines.append("| model | quantizer | method | top-1 | vs float | time (s) | ours / ORT time | file (B) | x float |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for name, model, calib, inputs, labels in examples:
        if not os.path.exists(calib):
            lines.append("| %s | skipped: %s missing | | | | | | | |" % (name, calib))
            continue
        float_size = os.path.getsize(model)
        float_top1 = ours_accuracy(args.binary, model, inputs, labels)
        lines.append("| %s | float | | %.2f%% | | | | %d | 1.00 |" % (name, float_top1, float_size))
        ort_times = {}
        rows = []
        for method in ("minmax", "percentile"):
            out = os.path.join(args.out, "%s.ort.%s.onnx" % (name, method))
            inner, outer = [], []
            for _ in range(args.repeat):
                elapsed, text = wall([sys.executable, os.path.join(HERE, "ort_quantize.py"), "--model", model,
                                      "--calib", calib, "-o", out, "--method", method])
                inner.append(json.loads(text)["total_seconds"])
                outer.append(elapsed)
            ort_times[method] = (statistics.median(inner), statistics.median(outer))
            top1 = ort_accuracy(out, inputs, labels)
            rows.append(("ORT quantize_static (in-process; script wall %.2f s)" % ort_times[method][1], method, top1,
                         ort_times[method][0], None, os.path.getsize(out)))
        for method in ("minmax", "percentile"):
            out = os.path.join(args.out, "%s.ours.%s.onnx" % (name, method))
            times = []
            for _ in range(args.repeat):
                elapsed, _ = wall([args.binary, "calibrate", model, "--data", calib, "-o", out, "--method", method,
                                   "--force", "--quiet"])
                times.append(elapsed)
            ours = statistics.median(times)
            top1 = ours_accuracy(args.binary, out, inputs, labels)
            label = "onnx-quant calibrate (whole command)" + (" (default)" if method == "minmax" else "")
            rows.append((label, method, top1, ours, ours / ort_times[method][0], os.path.getsize(out)))
        for label, method, top1, seconds, ratio, size in rows:
            lines.append("| %s | %s | %s | %.2f%% | %+.2f | %.3f | %s | %d | %.2f |" % (
                name, label, method, top1, top1 - float_top1, seconds,
                "" if ratio is None else "%.2fx" % ratio, size, size / float_size))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
