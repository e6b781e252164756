#!/usr/bin/env python3
"""Round-trip check of onnx-quant's model reader and writer against the onnx and onnxruntime packages.

Every model under the shared model folder and the models shipped in the onnx wheel
(onnx/backend/test/data/{light,pytorch-converted,pytorch-operator,real,simple}) is
loaded and saved again with `onnx-quant resave`; the saved model must pass
onnx.checker (full check whenever the original passes it), and ONNX Runtime must
give bit-identical outputs for the original and the saved model on the same inputs
(the model's own test_data_set_0 when it has one, seeded random inputs otherwise).
"""
import argparse
import glob
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator

ort.set_default_logger_severity(4)

WHEEL_SETS = ["light", "pytorch-converted", "pytorch-operator", "real", "simple"]


def model_paths(shared):
    paths = sorted(glob.glob(os.path.join(shared, "**", "*.onnx"), recursive=True))
    data = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    for group in WHEEL_SETS:
        paths += sorted(glob.glob(os.path.join(data, group, "*", "model.onnx")))
    return paths


def label(path):
    parts = path.split(os.sep)
    if parts[-1] == "model.onnx":
        return parts[-3] + "/" + parts[-2]
    return os.path.basename(path)


def checker_error(model, full):
    try:
        onnx.checker.check_model(model, full_check=full)
        return None
    except Exception as error:  # the checker raises several types
        return str(error).splitlines()[0][:160]


def numpy_type(elem_type):
    return onnx.helper.tensor_dtype_to_np_dtype(elem_type)


def make_inputs(path, session, seed):
    directory = os.path.dirname(path)
    data_set = os.path.join(directory, "test_data_set_0")
    names = [i.name for i in session.get_inputs()]
    if os.path.isdir(data_set):
        tensors = []
        k = 0
        while os.path.exists(os.path.join(data_set, "input_%d.pb" % k)):
            t = onnx.TensorProto()
            with open(os.path.join(data_set, "input_%d.pb" % k), "rb") as f:
                t.ParseFromString(f.read())
            tensors.append(numpy_helper.to_array(t))
            k += 1
        if len(tensors) == len(names):
            return dict(zip(names, tensors))
    rng = np.random.default_rng(seed)
    model = onnx.load(path, load_external_data=False)
    declared = {v.name: v for v in model.graph.input}
    feeds = {}
    for meta in session.get_inputs():
        info = declared[meta.name].type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in info.shape.dim]
        dtype = numpy_type(info.elem_type)
        if np.issubdtype(dtype, np.floating):
            feeds[meta.name] = rng.standard_normal(dims).astype(dtype)
        elif dtype == np.bool_:
            feeds[meta.name] = rng.integers(0, 2, dims).astype(np.bool_)
        else:
            feeds[meta.name] = rng.integers(0, 4, dims).astype(dtype)
    return feeds


class evaluator_inputs:
    """Presents a ReferenceEvaluator's inputs the way make_inputs reads an ORT session's."""

    class _Input:
        def __init__(self, name):
            self.name = name

    def __init__(self, evaluator):
        self._inputs = [self._Input(n) for n in evaluator.input_names]

    def get_inputs(self):
        return self._inputs


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def identical(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype == object:
            if not np.array_equal(x, y):
                return False
        elif x.tobytes() != y.tobytes():
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the onnx-quant executable")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--out", default="build/roundtrip")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    counts = {"loaded": 0, "checked": 0, "ran by ORT": 0, "ran by onnx.reference": 0, "not run": 0}
    failures = []
    started = time.time()
    paths = model_paths(args.shared)
    if not paths:
        print("roundtrip: no models found", file=sys.stderr)
        return 1
    for index, path in enumerate(paths):
        name = label(path)
        out = os.path.join(args.out, name.replace("/", "__"))
        result = subprocess.run([args.binary, "resave", path, "-o", out, "--force"], capture_output=True, text=True)
        if result.returncode != 0:
            failures.append((name, "resave failed: " + result.stderr.strip()[:200]))
            continue
        counts["loaded"] += 1
        original = onnx.load(path)
        saved = onnx.load(out)
        full = checker_error(original, True) is None
        problem = checker_error(saved, full)
        if problem:
            failures.append((name, "checker: " + problem))
            continue
        counts["checked"] += 1
        try:
            reference = session(path)
            feeds = make_inputs(path, reference, index)
            expected = reference.run(None, feeds)
        except Exception as error:
            # Old opsets and string locales that this ORT build lacks: fall back to onnx's own
            # reference evaluator, which runs every standard op.
            why = str(error).splitlines()[0][:70]
            try:
                evaluator = ReferenceEvaluator(original)
                feeds = make_inputs(path, evaluator_inputs(evaluator), index)
                expected = evaluator.run(None, feeds)
            except Exception as error2:
                counts["not run"] += 1
                print("  %-55s checked; neither ORT (%s) nor onnx.reference runs the original: %s"
                      % (name, why, str(error2).splitlines()[0][:60]))
                continue
            try:
                actual = ReferenceEvaluator(saved).run(None, feeds)
            except Exception as error2:
                failures.append((name, "onnx.reference fails on the saved model: " + str(error2).splitlines()[0][:200]))
                continue
            if not identical(expected, actual):
                failures.append((name, "onnx.reference outputs differ between original and saved model"))
                continue
            counts["ran by onnx.reference"] += 1
            continue
        try:
            actual = session(out).run(None, feeds)
        except Exception as error:
            failures.append((name, "ORT fails on the saved model: " + str(error).splitlines()[0][:200]))
            continue
        if not identical(expected, actual):
            failures.append((name, "ORT outputs differ between original and saved model"))
            continue
        counts["ran by ORT"] += 1

    print(
        "roundtrip: %d models; %d loaded and saved, %d passed onnx.checker; outputs bit-identical for %d in ORT "
        "and %d more in onnx.reference (ORT cannot run them); %d run by neither (%.1f s)"
        % (len(paths), counts["loaded"], counts["checked"], counts["ran by ORT"], counts["ran by onnx.reference"],
           counts["not run"], time.time() - started)
    )
    for name, reason in failures:
        print("  FAIL %s: %s" % (name, reason))
    print("roundtrip: %d passed, %d failed" % (len(paths) - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
