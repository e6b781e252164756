#!/usr/bin/env python3
"""Model load time: onnx-quant (read + protobuf-c decode into its Swift model) beside `onnx.load`, in one run.

Both are measured in-process: onnx-quant reports its own load time (`inspect --json`, `load_ms`), and
onnx.load is timed here; the median of --repeat runs each.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import onnx


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    for model in args.models:
        ours = []
        for _ in range(args.repeat):
            result = subprocess.run([args.binary, "inspect", model, "--json"], capture_output=True, text=True, check=True)
            ours.append(float(json.loads(result.stdout)["load_ms"]))
        theirs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            onnx.load(model)
            theirs.append((time.perf_counter() - start) * 1e3)
        print("%s: onnx-quant %.2f ms, onnx.load %.2f ms (median of %d)" % (
            model, statistics.median(ours), statistics.median(theirs), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
