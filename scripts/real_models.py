#!/usr/bin/env python3
"""Runs the real third-party models through onnx-quant and ONNX Runtime on the same random inputs.

ppocr_cls_mobile_v2.onnx (x 1x3x48x192) and silero_vad_16k_stateful.onnx (input 1x576, state
2x1x128, three calls with each call's `stateN` fed to the next call's `state`) must match
ONNX Runtime within rtol 1e-4, atol 1e-5 on every output.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

RTOL, ATOL = 1e-4, 1e-5


def ort_session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run_onnx_quant(binary, model, feeds, workdir):
    inputs = os.path.join(workdir, "inputs")
    outputs = os.path.join(workdir, "outputs")
    os.makedirs(inputs, exist_ok=True)
    for name, value in feeds.items():
        np.save(os.path.join(inputs, name + ".npy"), value)
    result = subprocess.run([binary, "run", model, "--inputs", inputs, "--outputs", outputs],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError("onnx-quant run failed: " + result.stderr.strip())
    values = []
    k = 0
    while os.path.exists(os.path.join(outputs, "output_%d.pb" % k)):
        t = onnx.TensorProto()
        with open(os.path.join(outputs, "output_%d.pb" % k), "rb") as f:
            t.ParseFromString(f.read())
        values.append(numpy_helper.to_array(t))
        k += 1
    return values


def compare(label, names, expected, actual):
    problems = []
    if len(expected) != len(actual):
        return ["%s: %d outputs, expected %d" % (label, len(actual), len(expected))]
    for name, e, a in zip(names, expected, actual):
        if e.shape != a.shape or e.dtype != a.dtype:
            problems.append("%s %s: %s %s, expected %s %s" % (label, name, a.dtype, a.shape, e.dtype, e.shape))
            continue
        error = np.abs(a.astype(np.float64) - e.astype(np.float64))
        bound = ATOL + RTOL * np.abs(e.astype(np.float64))
        worst = float(np.max(error - bound)) if e.size else 0.0
        status = "ok" if worst <= 0 else "MISMATCH"
        print("  %-28s %-10s max |diff| %.3g (%s)" % (label, name, float(np.max(error)) if e.size else 0.0, status))
        if worst > 0:
            problems.append("%s %s: max |diff| %.3g exceeds rtol %g atol %g" % (label, name, float(np.max(error)), RTOL, ATOL))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    problems = []
    checks = 0
    failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        ppocr = os.path.join(args.shared, "ppocr_cls_mobile_v2.onnx")
        session = ort_session(ppocr)
        names = [o.name for o in session.get_outputs()]
        for trial in range(3):
            feeds = {"x": rng.uniform(-1, 1, (1, 3, 48, 192)).astype(np.float32)}
            expected = session.run(None, feeds)
            actual = run_onnx_quant(args.binary, ppocr, feeds, os.path.join(workdir, "ppocr%d" % trial))
            found = compare("ppocr_cls_mobile_v2 #%d" % trial, names, expected, actual)
            problems += found
            failed += bool(found)
            checks += 1

        vad = os.path.join(args.shared, "silero_vad_16k_stateful.onnx")
        session = ort_session(vad)
        names = [o.name for o in session.get_outputs()]
        state_ort = np.zeros((2, 1, 128), np.float32)
        state_ours = np.zeros((2, 1, 128), np.float32)
        for call in range(3):
            audio = (rng.standard_normal((1, 576)) * 0.1).astype(np.float32)
            expected = session.run(None, {"input": audio, "state": state_ort})
            actual = run_onnx_quant(args.binary, vad, {"input": audio, "state": state_ours},
                                    os.path.join(workdir, "vad%d" % call))
            found = compare("silero_vad call %d" % call, names, expected, actual)
            problems += found
            failed += bool(found)
            checks += 1
            state_ort = expected[names.index("stateN")]
            state_ours = actual[names.index("stateN")] if len(actual) == len(names) else state_ort
    for problem in problems:
        print("  FAIL " + problem)
    print("real-models: %d passed, %d failed" % (checks - failed, failed))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
