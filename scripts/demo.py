#!/usr/bin/env python3
"""`make demo`: the quantizer's main job on the shipped digits example.

Calibrates quantize/examples/digits/digits_float.onnx with its calibration set, evaluates float and
int8 top-1 on the labeled test set with `onnx-quant eval`, benchmarks both with `onnx-quant bench`,
and prints a short table. Everything runs through the onnx-quant binary; Python only orchestrates.
"""
import argparse
import json
import os
import subprocess
import sys


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("demo: command failed: " + " ".join(command))
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--example", default="quantize/examples/digits")
    parser.add_argument("--out", default="build/demo")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    example = args.example
    float_model = os.path.join(example, "digits_float.onnx")
    int8_model = os.path.join(args.out, "digits_int8.onnx")
    report = os.path.join(args.out, "digits_report.json")
    inputs = os.path.join(example, "test_inputs.npy")
    labels = os.path.join(example, "test_labels.npy")

    print("$ onnx-quant calibrate %s --data %s/calib.npy -o %s --report %s --force" % (float_model, example, int8_model, report))
    sys.stdout.write(run([args.binary, "calibrate", float_model, "--data", os.path.join(example, "calib.npy"),
                          "-o", int8_model, "--report", report, "--force"]))
    rows = []
    for label, model in (("float", float_model), ("int8", int8_model)):
        accuracy = json.loads(run([args.binary, "eval", model, "--inputs", inputs, "--labels", labels, "--json"]))
        bench = json.loads(run([args.binary, "bench", model, "--runs", "2000", "--warmup", "200", "--json"]))
        rows.append((label, accuracy["accuracy"] * 100, accuracy["correct"], accuracy["samples"], bench["median_us"],
                     os.path.getsize(model), bench["arena_bytes"], bench["weight_bytes"]))
    print()
    print("digits example, %d test samples, one thread, batch 1" % rows[0][3])
    print("%-6s %8s %12s %11s %10s %10s" % ("model", "top-1", "latency", "file", "arena", "weights"))
    for label, accuracy, correct, samples, median, size, arena, weights in rows:
        print("%-6s %7.2f%% %9.2f us %9d B %8d B %8d B" % (label, accuracy, median, size, arena, weights))
    print("int8 - float top-1: %+.2f points; int8 latency %.2fx float; file %.2fx" % (
        rows[1][1] - rows[0][1], rows[1][4] / rows[0][4], rows[1][5] / rows[0][5]))


if __name__ == "__main__":
    main()
