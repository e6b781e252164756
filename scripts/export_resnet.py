#!/usr/bin/env python3
"""Exports torchvision's ResNet-18 (random weights, eval mode) to ONNX for the benchmark suite.

The model: torchvision.models.resnet18(weights=None) after torch.manual_seed(SEED), in eval mode
(BatchNormalization with its initial running statistics), input `input` float32 1x3x224x224,
output `logits` 1x1000, opset 13, legacy TorchScript exporter (dynamo=False: the torch.export-based
exporter starts at opset 18). No weights are downloaded: the point is a real ResNet-18 graph with
realistic weight shapes, not its accuracy.

The result is cached: OUT (default build/bench/resnet18.onnx) with OUT.stamp.json beside it
(torch and torchvision versions, seed, recipe); a current cache entry is returned without torch.
torch is needed only to make it. The interpreter is the first of: this Python if it imports torch,
$TORCH_PYTHON, --torch-python, build/bench/torch-venv/bin/python; when none imports torch, the script
creates build/bench/torch-venv and runs `pip install torch torchvision onnx` there from PyPI (a few
GB, once), and says so.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPE = 1
SEED = 0
SHAPE = [1, 3, 224, 224]
OPSET = 13
VENV_PACKAGES = ["torch", "torchvision", "onnx"]


def log(message):
    print("export_resnet: " + message, file=sys.stderr, flush=True)


def stamp_path(out):
    return out + ".stamp.json"


def cached(out):
    """The stamp of a current cache entry, or None."""
    try:
        with open(stamp_path(out)) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return None
    if stamp.get("recipe") != RECIPE or not os.path.exists(out) or os.path.getsize(out) != stamp.get("bytes"):
        return None
    return stamp


def imports_torch(python):
    try:
        result = subprocess.run([python, "-c", "import torch, torchvision"], capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def torch_python(requested, venv):
    """An interpreter with torch and torchvision; creates VENV with them when none has them."""
    candidates = [sys.executable, os.environ.get("TORCH_PYTHON"), requested, os.path.join(venv, "bin", "python")]
    for python in candidates:
        if python and os.path.exists(python) and imports_torch(python):
            return python
    log("torch is not importable here (tried %s); creating %s and installing %s from PyPI "
        "(once; a few GB, several minutes)" % (", ".join(p for p in candidates if p), venv, " ".join(VENV_PACKAGES)))
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q"] + VENV_PACKAGES, check=True)
    if not imports_torch(python):
        raise SystemExit("export_resnet: %s still cannot import torch after pip install" % python)
    return python


def export_here(out):
    """Runs inside an interpreter with torch: writes OUT and its stamp."""
    import warnings

    import torch
    import torchvision

    torch.manual_seed(SEED)
    model = torchvision.models.resnet18(weights=None).eval()
    example = torch.randn(*SHAPE)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    partial = out + ".partial"
    started = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
        with torch.no_grad():
            torch.onnx.export(model, (example,), partial, opset_version=OPSET, dynamo=False,
                              input_names=["input"], output_names=["logits"], do_constant_folding=True)
    os.replace(partial, out)
    stamp = {"recipe": RECIPE, "model": "torchvision.models.resnet18(weights=None), eval mode",
             "seed": SEED, "input": {"input": SHAPE}, "opset": OPSET, "exporter": "torch.onnx.export(dynamo=False)",
             "torch": torch.__version__, "torchvision": torchvision.__version__, "bytes": os.path.getsize(out),
             "export_seconds": round(time.time() - started, 2)}
    with open(stamp_path(out), "w") as f:
        json.dump(stamp, f, indent=1)
    return stamp


def ensure(out, requested_python=None, venv=None):
    """OUT, exported when the cache is missing or stale; returns its stamp."""
    stamp = cached(out)
    if stamp is not None:
        return stamp
    venv = venv or os.path.join(ROOT, "build", "bench", "torch-venv")
    python = torch_python(requested_python, venv)
    log("exporting ResNet-18 (random weights, seed %d, opset %d) to %s with %s" % (SEED, OPSET, out, python))
    subprocess.run([python, os.path.abspath(__file__), "--out", out, "--here"], check=True)
    stamp = cached(out)
    if stamp is None:
        raise SystemExit("export_resnet: the export did not leave a valid %s" % out)
    return stamp


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("build", "bench", "resnet18.onnx"))
    parser.add_argument("--torch-python", help="an interpreter that imports torch and torchvision")
    parser.add_argument("--venv", help="where to create a venv with torch when none is found "
                                       "(default build/bench/torch-venv)")
    parser.add_argument("--force", action="store_true", help="export again even when the cache is current")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)  # in the torch interpreter
    args = parser.parse_args()
    if args.here:
        export_here(args.out)
        return 0
    if args.force and os.path.exists(stamp_path(args.out)):
        os.remove(stamp_path(args.out))
    stamp = ensure(args.out, args.torch_python, args.venv)
    print("%s: ResNet-18, torch %s, torchvision %s, %d bytes" % (args.out, stamp["torch"], stamp["torchvision"],
                                                                 stamp["bytes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
