#!/usr/bin/env python3
"""Runs the board binary under qemu-user against the host build on the same inputs.

Cases: every ONNX node-test case the host build runs (build/conformance/cases, made by `make
conformance`), the shared float models, and the int8 models ONNX Runtime's quantizer made for `make
interop` (build/interop/models) when present. Integer outputs (int8, uint8, int32, int64, bool) must
be byte-identical to the host build's; float outputs within 1e-5 (absolute, or relative for values
above 1).
"""
import argparse
import concurrent.futures
import glob
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

FLOAT_TOLERANCE = 1e-5


def read_outputs(directory):
    values = []
    k = 0
    while os.path.exists(os.path.join(directory, "output_%d.pb" % k)):
        tensor = onnx.TensorProto()
        with open(os.path.join(directory, "output_%d.pb" % k), "rb") as f:
            tensor.ParseFromString(f.read())
        values.append(numpy_helper.to_array(tensor))
        k += 1
    return values


def run(command, model, inputs, extra, out, timeout):
    argv = command + ["run", model, "--inputs", inputs, "--outputs", out] + extra
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return result.returncode, result.stderr.strip().splitlines()[-1:] if result.stderr.strip() else []


def compare(host, board):
    if len(host) != len(board):
        return "%d outputs on the board, %d on the host" % (len(board), len(host))
    for index, (h, b) in enumerate(zip(host, board)):
        if h.dtype != b.dtype or h.shape != b.shape:
            return "output %d: %s%s on the board, %s%s on the host" % (index, b.dtype, b.shape, h.dtype, h.shape)
        if np.issubdtype(h.dtype, np.floating):
            hf, bf = h.astype(np.float64), b.astype(np.float64)
            same = (np.isnan(hf) & np.isnan(bf)) | (hf == bf)
            with np.errstate(invalid="ignore"):
                error = np.where(same, 0, np.abs(hf - bf) / np.maximum(1, np.abs(hf)))
            if h.size and (np.isnan(error).any() or error.max() > FLOAT_TOLERANCE):
                return "output %d: float difference %.3g > %g" % (index, float(np.nanmax(error)), FLOAT_TOLERANCE)
        elif h.tobytes() != b.tobytes():
            return "output %d: %d of %d values differ (integers must be identical)" % (
                index, int(np.sum(h != b)), h.size)
    return None


def case(job):
    name, model, inputs, extra, host_command, board_command, timeout = job
    with tempfile.TemporaryDirectory() as work:
        host_out, board_out = os.path.join(work, "host"), os.path.join(work, "board")
        try:
            status, _ = run(host_command, model, inputs, extra, host_out, timeout)
        except subprocess.TimeoutExpired:
            return name, "skip", "host timed out"
        if status != 0:
            return name, "skip", "the host build does not run it"
        try:
            status, error = run(board_command, model, inputs, extra, board_out, timeout * 20)
        except subprocess.TimeoutExpired:
            return name, "fail", "board binary timed out"
        if status != 0:
            return name, "fail", "board binary failed: " + " ".join(error)
        problem = compare(read_outputs(host_out), read_outputs(board_out))
        return name, ("fail" if problem else "pass"), problem or ""


def jobs(args, host, board):
    cases = sorted(glob.glob(os.path.join(args.cases, "test_*", "model.onnx")))
    if not cases:
        sys.exit("board-test: no cases under %s; run `make conformance` first" % args.cases)
    for model in cases:
        data = os.path.join(os.path.dirname(model), "test_data_set_0")
        if os.path.isdir(data):
            yield os.path.basename(os.path.dirname(model)), model, data, [], host, board, args.timeout
    rng = np.random.default_rng(7)
    work = tempfile.mkdtemp(prefix="board-test-")
    shared = [
        ("ppocr_cls_mobile_v2", os.path.join(args.shared, "ppocr_cls_mobile_v2.onnx"), {"x": (1, 3, 48, 192)}),
        ("silero_vad_16k_stateful", os.path.join(args.shared, "silero_vad_16k_stateful.onnx"),
         {"input": (1, 576), "state": (2, 1, 128)}),
        ("kws_dscnn", os.path.join(args.shared, "mlperf-tiny", "kws_dscnn.onnx"), {"input_1": (1, 49, 10, 1)}),
        ("vww_mobilenet_v1_025", os.path.join(args.shared, "mlperf-tiny", "vww_mobilenet_v1_025.onnx"),
         {"input": (1, 96, 96, 3)}),
    ]
    for label, model, shapes in shared:
        if not os.path.exists(model):
            continue
        inputs = os.path.join(work, label)
        os.makedirs(inputs, exist_ok=True)
        for name, shape in shapes.items():
            np.save(os.path.join(inputs, name + ".npy"), rng.uniform(-1, 1, shape).astype(np.float32))
        yield label + " (float)", model, inputs, [], host, board, args.timeout
        for quantized in sorted(glob.glob(os.path.join(args.interop, label + ".Q*.onnx"))):
            fmt = quantized.split(".")[-2]
            # The quantized models have fixed input shapes; feed the same random inputs.
            yield "%s (int8 %s)" % (label, fmt), quantized, inputs, [], host, board, args.timeout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="the host build of onnx-quant")
    parser.add_argument("--board", required=True, help="the board binary, e.g. build/boards/rpi4/onnx-run")
    parser.add_argument("--qemu", default="qemu-aarch64", help="qemu-user command ('' to run natively)")
    parser.add_argument("--cpu", default="cortex-a72", help="qemu -cpu model")
    parser.add_argument("--cases", default="build/conformance/cases")
    parser.add_argument("--interop", default="build/interop/models")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    board = ([args.qemu, "-cpu", args.cpu] if args.qemu else []) + [os.path.abspath(args.board)]
    host = [os.path.abspath(args.host)]
    results = {"pass": [], "fail": [], "skip": []}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, status, detail in pool.map(case, list(jobs(args, host, board))):
            results[status].append((name, detail))
            if status == "fail" or "(" in name:
                print("  %-45s %s %s" % (name, status, detail))
    print("board-test (%s): %d cases compared, %d identical to the host build (integers byte for byte, floats "
          "within %g), %d not run by the host build" % (" ".join(shlex.quote(p) for p in board), len(results["pass"]) +
          len(results["fail"]), len(results["pass"]), FLOAT_TOLERANCE, len(results["skip"])))
    print("board-test: %d passed, %d failed" % (len(results["pass"]), len(results["fail"])))
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
