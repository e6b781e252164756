#!/usr/bin/env python3
"""The benchmark suite: onnx-quant int8 and float beside ONNX Runtime int8 and float, one machine, one run.

For each model, single thread, batch 1, the same seeded input for both runtimes:
  onnx-quant int8   the model from `onnx-quant calibrate FLOAT --data CALIB -o OUT` (when the binary
                    has no `calibrate` command, or it fails on a model: ONNX Runtime's QOperator model
                    run by onnx-quant, labelled so)
  onnx-quant float  the float model as given
  ORT int8          onnxruntime.quantization.quantize_static: QOperator, per-channel, QUInt8
                    activations, QInt8 weights, MinMax, after quant_pre_process (the recipe of
                    scripts/interop_quantize.py), from the same calibration samples as onnx-quant's
  ORT float         the float model as given

Timing, the same rule for both runtimes: a probe (1 warm-up, 3 timed runs) estimates the latency;
then runs = clamp(ceil(SECONDS / estimate), MIN_RUNS, MAX_RUNS) (or --runs N), warm-up = max(3, runs/10),
and the median of the timed runs is reported. onnx-quant is timed by its own `bench --json` (monotonic
clock around each `session.run()`); ONNX Runtime by time.perf_counter_ns() around each
run_with_iobinding() in its own process (InferenceSession, intra_op_num_threads=1,
inter_op_num_threads=1, ORT_SEQUENTIAL, CPUExecutionProvider, default graph optimizations). The input is
onnx-quant bench's own (splitmix64 from seed 0x5EED, floats uniform in [-1, 1)), reproduced here
bit for bit for ONNX Runtime.

Writes OUT/results.json (everything measured, read by scripts/bench_chart.py and scripts/qemu_icount.py),
OUT/bench.md or --markdown FILE (the table, the machine, the versions), and --chart FILE.png.
Quantized models, calibration sets and the ResNet-18 export are cached under OUT.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402

import export_resnet  # noqa: E402
import interop_quantize  # noqa: E402

RECIPE_VERSION = 1  # of the ORT int8 models and calibration sets cached under OUT
CALIBRATION_SAMPLES = interop_quantize.CALIBRATION_SAMPLES  # 16
TARGET_RATIO = 0.8  # issue #8: onnx-quant int8 at most 0.8x ONNX Runtime's int8 and float latency
SEED = 0x5EED

ORT_TIMER = r"""
import json, math, resource, sys, time
import numpy as np
import onnxruntime as ort
path, feeds_path, runs, seconds, min_runs, max_runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
start = time.perf_counter_ns()
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
load_ms = (time.perf_counter_ns() - start) / 1e6
feeds = np.load(feeds_path)
binding = session.io_binding()
for name in feeds.files:
    binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(feeds[name])))
for output in session.get_outputs():
    binding.bind_output(output.name, "cpu")
def timed(count):
    times = []
    for _ in range(count):
        t = time.perf_counter_ns()
        session.run_with_iobinding(binding)
        times.append(time.perf_counter_ns() - t)
    return sorted(times)
session.run_with_iobinding(binding)
probe = timed(3)[1] / 1e9
if runs <= 0:
    runs = min(max_runs, max(min_runs, math.ceil(seconds / max(probe, 1e-7))))
warmup = max(3, runs // 10)
timed(warmup)
times = timed(runs)
print(json.dumps({"median_us": times[runs // 2] / 1e3, "p10_us": times[runs // 10] / 1e3,
                  "p90_us": times[min(runs - 1, runs * 9 // 10)] / 1e3, "runs": runs, "warmup": warmup,
                  "probe_us": probe * 1e6, "load_ms": load_ms,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def log(message):
    print("bench_suite: " + message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- models


class Model:
    def __init__(self, name, path, shape=None, calibration=None, calibration_note="", note=""):
        self.name = name
        self.path = path
        self.shape = shape  # {input: dims} given to both runtimes, or None for the model's own
        self.calibration = calibration  # .npy of samples stacked on axis 0, or None for random images
        self.calibration_note = calibration_note
        self.note = note
        self.skip = None


def model_list(args):
    shared = args.shared
    tiny = os.path.join(shared, "mlperf-tiny")
    digits_dir = os.path.join(ROOT, "quantize", "examples", "digits")
    ppocr_calib, ppocr_note = ppocr_calibration()
    models = [
        Model("digits", os.path.join(digits_dir, "digits_float.onnx"), None, os.path.join(digits_dir, "calib.npy"),
              "quantize/examples/digits/calib.npy"),
        Model("ppocr_cls_mobile_v2", os.path.join(shared, "ppocr_cls_mobile_v2.onnx"), {"x": [1, 3, 48, 192]},
              ppocr_calib, ppocr_note),
        Model("kws_dscnn", os.path.join(tiny, "kws_dscnn.onnx"), None, os.path.join(tiny, "kws_calib.npy"),
              "mlperf-tiny/kws_calib.npy"),
        Model("vww_mobilenet_v1_025", os.path.join(tiny, "vww_mobilenet_v1_025.onnx"), None,
              os.path.join(tiny, "vww_calib.npy"), "mlperf-tiny/vww_calib.npy"),
        Model("resnet18", os.path.join(args.out, "resnet18.onnx"), None, None,
              "16 random smooth images (random weights: no real data applies)",
              "torchvision resnet18, random weights, exported by scripts/export_resnet.py"),
    ]
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - {m.name for m in models}
        if unknown:
            raise SystemExit("bench_suite: unknown model(s) %s; known: %s" % (
                ", ".join(sorted(unknown)), ", ".join(m.name for m in models)))
        models = [m for m in models if m.name in wanted]
    for m in models:
        if m.name == "resnet18":
            try:
                stamp = export_resnet.ensure(m.path, args.torch_python)
                m.note += " (torch %s, torchvision %s)" % (stamp["torch"], stamp["torchvision"])
            except (SystemExit, subprocess.CalledProcessError, OSError) as failure:
                m.skip = "ResNet-18 export failed: %s" % failure
        elif not os.path.exists(m.path):
            m.skip = "%s is absent" % os.path.relpath(m.path, ROOT)
        elif m.calibration and not os.path.exists(m.calibration):
            m.skip = "calibration file %s is absent" % os.path.relpath(m.calibration, ROOT)
    return models


def ppocr_calibration():
    """(build/ppocr/calib.npy or None, note): rendered text lines from quantize/examples/ppocr/render.py,
    made here when absent; None (random images) when that cannot be done."""
    path = os.path.join(ROOT, "build", "ppocr", "calib.npy")
    render = os.path.join(ROOT, "quantize", "examples", "ppocr", "render.py")
    if not os.path.exists(path) and os.path.exists(render):
        log("ppocr: rendering build/ppocr with quantize/examples/ppocr/render.py")
        try:
            result = subprocess.run([sys.executable, render, "--out", os.path.dirname(path)], capture_output=True,
                                    text=True, timeout=600)
            reason = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1]
        except subprocess.TimeoutExpired:
            reason = "timed out"
        if not os.path.exists(path):
            return None, "16 random smooth images: quantize/examples/ppocr/render.py failed (%s)" % reason
    if os.path.exists(path):
        return path, "rendered text lines, build/ppocr/calib.npy (quantize/examples/ppocr/render.py)"
    return None, "16 random smooth images: quantize/examples/ppocr/render.py is absent"


def model_input(model):
    """(name, static shape) of the model's one float input; the shape from Model.shape or the model."""
    graph = onnx.load(model.path, load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise SystemExit("bench_suite: %s has %d inputs; the suite handles one" % (model.path, len(inputs)))
    value = inputs[0]
    if model.shape and value.name in model.shape:
        return value.name, list(model.shape[value.name])
    dims = []
    for index, d in enumerate(value.type.tensor_type.shape.dim):
        if d.HasField("dim_value") and d.dim_value > 0:
            dims.append(d.dim_value)
        elif index == 0:
            dims.append(1)  # a symbolic batch dim, as onnx-quant does
        else:
            raise SystemExit("bench_suite: %s: input %s has a symbolic dim %d; give it a shape" % (
                model.path, value.name, index))
    return value.name, dims


# ------------------------------------------------------------------------------------------- the input


def bench_input(shape, seed=SEED):
    """onnx-quant bench's input for one float input: splitmix64 from SEED, z >> 40 scaled to [-1, 1)."""
    count = int(np.prod(shape))
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    values = (z >> np.uint64(40)).astype(np.float32) / np.float32(1 << 23) - np.float32(1)
    return values.reshape(shape)


# ------------------------------------------------------------------------------------------ quantizing


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def calibration_set(model, input_name, shape, out):
    """OUT/calib/NAME.npy: the CALIBRATION_SAMPLES samples both quantizers see, stacked on axis 0
    (each sample one batch-1 input); picked as scripts/interop_quantize.py picks them."""
    spec = interop_quantize.ModelSpec(model.name, model.path, input_name, shape, model.calibration)
    calibration, _ = interop_quantize.samples(spec)
    stacked = np.concatenate(calibration, axis=0).astype(np.float32)
    path = os.path.join(out, "calib", model.name + ".npy")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not (os.path.exists(path) and np.array_equal(np.load(path), stacked)):
        np.save(path, stacked)
    return path, spec, calibration


def ort_int8(model, spec, calibration, calibration_path, out):
    """ONNX Runtime's QOperator model, cached under OUT/models with a stamp of its sources and versions."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    directory = os.path.join(out, "models")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, model.name + ".ort-int8.onnx")
    stamp_path = path + ".stamp.json"
    stamp = {"recipe": RECIPE_VERSION, "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__,
             "numpy": np.__version__, "model": sha256(model.path), "calibration": sha256(calibration_path),
             "shape": spec.shape}
    try:
        with open(stamp_path) as f:
            if json.load(f) == stamp and os.path.exists(path):
                return path
    except (OSError, ValueError):
        pass
    log("%s: quantizing with onnxruntime %s quantize_static (QOperator, per-channel, u8 activations, "
        "s8 weights, MinMax, %d samples)" % (model.name, onnxruntime.__version__, len(calibration)))
    fixed_model, _ = interop_quantize.fixed_float_model(spec)
    fixed = os.path.join(directory, model.name + ".fixed.onnx")
    pre = os.path.join(directory, model.name + ".pre.onnx")
    onnx.save(fixed_model, fixed)
    quant_pre_process(fixed, pre, skip_symbolic_shape=True)
    quantize_static(pre, path, interop_quantize._Reader(spec.input_name, calibration),
                    quant_format=QuantFormat.QOperator, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    for temporary in (fixed, pre):
        os.remove(temporary)
    with open(stamp_path, "w") as f:
        json.dump(stamp, f, indent=1)
    return path


def calibrate_help(binary):
    """`onnx-quant calibrate --help` text, or None when the binary has no calibrate command."""
    listing = subprocess.run([binary, "--help"], capture_output=True, text=True)
    if not re.search(r"^\s+calibrate\b", listing.stdout + listing.stderr, re.M):
        return None
    result = subprocess.run([binary, "calibrate", "--help"], capture_output=True, text=True)
    return result.stdout + result.stderr


def ours_int8(binary, help_text, model, input_name, shape, calibration_path, out, args_method=None):
    """(path, None, command, options) for onnx-quant's own int8 model, or (None, reason, command, options)."""
    path = os.path.join(out, "models", model.name + ".oq-int8.onnx")
    options = []
    if "--format" in help_text:
        options += ["--format", "qoperator"]
    if "--holdout" in help_text:
        options += ["--holdout", "0"]  # calibrate on all the samples ONNX Runtime calibrates on
    if args_method:
        options += ["--method", args_method]
    if "--force" in help_text:
        options += ["--force"]
    command = [binary, "calibrate", model.path, "--data", calibration_path, "-o", path] + options
    if model.shape and "--shape" in help_text:
        command += ["--shape", "%s=%s" % (input_name, ",".join(map(str, shape)))]
    if os.path.exists(path):
        os.remove(path)
    started = time.time()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return None, "`onnx-quant calibrate` timed out", command, options
    if result.returncode != 0 or not os.path.exists(path):
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        return None, "`onnx-quant calibrate` exited %d: %s" % (result.returncode, lines[-1] if lines else ""), \
            command, options
    with open(path + ".calibrate.txt", "w") as f:
        f.write(" ".join(command) + "\n\n" + result.stdout + result.stderr)
    log("%s: onnx-quant calibrate took %.1f s" % (model.name, time.time() - started))
    return path, None, command, options


# ---------------------------------------------------------------------------------------------- timing


def runs_for(estimate_us, args):
    if args.runs:
        return args.runs
    return min(args.max_runs, max(args.min_runs, math.ceil(args.seconds * 1e6 / max(estimate_us, 0.1))))


def time_onnx_quant(binary, path, shapes, args):
    base = [binary, "bench", path, "--json"]
    for name, dims in (shapes or {}).items():
        base += ["--shape", "%s=%s" % (name, ",".join(map(str, dims)))]

    def bench(runs, warmup):
        result = subprocess.run(base + ["--runs", str(runs), "--warmup", str(warmup)], capture_output=True, text=True,
                                timeout=1800)
        if result.returncode != 0:
            lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise RuntimeError("onnx-quant bench exited %d: %s" % (result.returncode, lines[-1] if lines else ""))
        return json.loads(result.stdout)

    probe = None
    if not args.runs:
        probe = bench(3, 1)
    runs = runs_for(probe["median_us"] if probe else 0, args)
    measured = bench(runs, max(3, runs // 10))
    if probe:
        measured["probe_us"] = probe["median_us"]
    return measured


def time_onnx_runtime(path, feeds_path, args):
    command = [sys.executable, "-c", ORT_TIMER, path, feeds_path, str(args.runs or 0), str(args.seconds),
               str(args.min_runs), str(args.max_runs)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise RuntimeError("ONNX Runtime failed: %s" % (lines[-1] if lines else "exit %d" % result.returncode))
    return json.loads(result.stdout.strip().splitlines()[-1])


def ort_call_overhead(args):
    """ONNX Runtime's per-call cost from Python (IOBinding) on an Identity of one float: context for
    the smallest models."""
    path = os.path.join(args.out, "models", "identity.onnx")
    feeds = os.path.join(args.out, "inputs", "identity.npz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.makedirs(os.path.dirname(feeds), exist_ok=True)
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    np.savez(feeds, x=np.zeros([1], np.float32))
    return time_onnx_runtime(path, feeds, args)


# ---------------------------------------------------------------------------------- a shared machine


def cpu_times():
    """(idle, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields[:8])


def busy_since(start):
    """The fraction of all CPUs busy since START (cpu_times()), or None."""
    end = cpu_times()
    if start is None or end is None or end[1] <= start[1]:
        return None
    return 1.0 - (end[0] - start[0]) / (end[1] - start[1])


def wait_quiet(limit, cores):
    """Waits up to LIMIT seconds for a second in which under 15% of the CPUs are busy; returns the busy
    fraction of the last second."""
    deadline = time.time() + limit
    while True:
        start = cpu_times()
        time.sleep(1.0)
        busy = busy_since(start)
        if busy is None or busy < 0.15 or time.time() >= deadline:
            return busy


def contended(busy, cores):
    """True when more than our one thread kept the CPUs busy (plus slack)."""
    return busy is not None and busy > 1.0 / cores + 0.15


# --------------------------------------------------------------------------------------------- context


def cpu_info():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return {"model": platform.processor() or "unknown", "flags": []}
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    shown = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
             "amx_int8", "asimddp", "i8mm"]
    return {"model": model, "flags": [f for f in shown if f in flags]}


def command_output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def context(args, binary_has_calibrate):
    swift = command_output(["swift", "--version"]).splitlines()
    if args.source:
        commit, dirty = args.source, ""
    else:
        commit = command_output(["git", "rev-parse", "--short", "HEAD"])
        dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no", "--", "Sources",
                                "Package.swift"])
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_info(), "cores": os.cpu_count(), "machine": platform.machine(), "kernel": platform.release(),
        "python": platform.python_version(), "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__,
        "numpy": np.__version__, "swift": next((line for line in swift if "Swift version" in line), ""),
        "commit": commit + (" with uncommitted changes in Sources/" if dirty else ""),
        "binary": args.binary, "calibrate": binary_has_calibrate,
        "command": " ".join(["python3", "scripts/bench_suite.py"] + sys.argv[1:]),
    }


def tflite_reference(shared):
    """{model: {column: microseconds}} for the TFLite columns of ../shared/models/MANIFEST.md's table."""
    try:
        with open(os.path.join(shared, "MANIFEST.md")) as f:
            lines = f.read().splitlines()
    except OSError:
        return {}, ""
    result = {}
    header = None
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            header = None
            continue
        if header is None:
            if any("TFLite" in c for c in cells):
                header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        row = {}
        for name, value in zip(header[1:], cells[1:]):
            if "TFLite" in name:
                try:
                    row[name] = float(value)
                except ValueError:
                    pass
        if row:
            result[cells[0]] = row
    caption = next((line for line in lines if line.startswith("Measured on") and "batch 1" in line), "")
    return result, caption


# -------------------------------------------------------------------------------------------- report


def us(value):
    if value is None:
        return "n/a"
    return "%.0f" % value if value >= 1000 else "%.1f" % value if value >= 10 else "%.2f" % value


def ratio_cell(numerator, denominator, target=None):
    if numerator is None or denominator is None:
        return "-"
    ratio = numerator / denominator
    text = "%.2fx" % ratio
    if target is not None:
        text += " ✓" if ratio <= target else " ✗"
    return text


def markdown(results):
    ctx = results["context"]
    cpu = ctx["cpu"]
    lines = []
    lines.append("Measured %s on %s (%s), %d cores, %s, Linux %s; single thread, batch 1, median latency in "
                 "microseconds." % (ctx["date"], cpu["model"], ", ".join(cpu["flags"]) or "no flags of note",
                                    ctx["cores"], ctx["machine"], ctx["kernel"]))
    lines.append("Versions: onnx-quant %s (`%s`), %s; ONNX Runtime %s, onnx %s, numpy %s, Python %s." % (
        ctx["commit"], ctx["binary"], ctx["swift"] or "swift ?", ctx["onnxruntime"], ctx["onnx"], ctx["numpy"],
        ctx["python"]))
    lines.append("Command: `%s`" % ctx["command"])
    lines.append("")
    fallback = any(r.get("int8_source") == "ort" for r in results["models"] if not r.get("skip"))
    int8_header = "onnx-quant int8" + (" *" if fallback else "")
    lines.append("| model | input | %s | ORT int8 | onnx-quant float | ORT float | ours int8 / ORT int8 | "
                 "ours int8 / ORT float | ours float / ORT float |" % int8_header)
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results["models"]:
        if r.get("skip"):
            continue
        t = r["timings"]
        get = lambda key: t.get(key, {}).get("median_us") if t.get(key) else None
        oq8, ort8, oqf, ortf = get("oq_int8"), get("ort_int8"), get("oq_float"), get("ort_float")
        label = r["name"] + (" *" if r.get("int8_source") == "ort" else "")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, "x".join(map(str, r["shape"])), us(oq8), us(ort8), us(oqf), us(ortf),
            ratio_cell(oq8, ort8, TARGET_RATIO), ratio_cell(oq8, ortf, TARGET_RATIO), ratio_cell(oqf, ortf)))
    lines.append("")
    made = [r for r in results["models"] if not r.get("skip") and r.get("int8_source") == "onnx-quant"]
    if made:
        options = made[0]["calibrate_options"]
        lines.append("onnx-quant int8: `onnx-quant calibrate FLOAT.onnx --data CALIB.npy -o OUT.onnx%s` "
                     "(%s; ppocr also `--shape x=1,3,48,192`), from the same %d calibration samples as ONNX "
                     "Runtime's `quantize_static` (MinMax)." % (
                         "".join(" " + o for o in options),
                         "method %s" % results["calibrate_method"] if results.get("calibrate_method") else
                         "its default calibration method", CALIBRATION_SAMPLES))
    lines.append("✓/✗: issue #8's target, onnx-quant int8 at most %.1fx ONNX Runtime's int8 and float latency, "
                 "met/missed." % TARGET_RATIO)
    if fallback:
        lines.append("\\* onnx-quant int8 here runs ONNX Runtime's QOperator model (the ORT int8 column's model; "
                     "onnx-quant runs it bit-identically), not one made by `onnx-quant calibrate`: %s." % "; ".join(
                         "%s: %s" % (r["name"], r["int8_note"]) for r in results["models"]
                         if not r.get("skip") and r.get("int8_source") == "ort"))
    notes = []
    for r in results["models"]:
        if r.get("skip"):
            notes.append("%s: skipped, %s." % (r["name"], r["skip"]))
            continue
        runs = ", ".join("%s %d" % (label, r["timings"][key]["runs"]) for key, label in
                         (("oq_int8", "ours int8"), ("ort_int8", "ORT int8"), ("oq_float", "ours float"),
                          ("ort_float", "ORT float")) if r["timings"].get(key))
        notes.append("%s: calibration %s%s; timed runs %s%s." % (
            r["name"], r["calibration_note"], "; " + r["note"] if r.get("note") else "", runs,
            "".join("; " + e for e in r.get("errors", []))))
    lines.append("")
    lines.append("Per model: " + " ".join(notes))
    cores = results["context"]["cores"] or 1
    busy = ["%s %s (%.0f%%)" % (r["name"], key.replace("oq_", "ours ").replace("ort_", "ORT ").replace("_", " "),
                                t["machine_busy"] * 100)
            for r in results["models"] if not r.get("skip") for key, t in r["timings"].items()
            if t and contended(t.get("machine_busy"), cores)]
    lines.append("")
    if busy:
        lines.append("Other processes shared the CPUs during: %s (share of all %d CPUs busy; one benchmark thread "
                     "is %.0f%%): those figures may be high." % (", ".join(busy), cores, 100.0 / cores))
    else:
        lines.append("No other process kept a CPU busy during the measurements (share of all %d CPUs busy at most "
                     "%.0f%% + 15%% each)." % (cores, 100.0 / cores))
    overhead = results.get("ort_call_overhead_us")
    if overhead is not None:
        lines.append("")
        lines.append("ONNX Runtime is timed from Python around `run_with_iobinding`; that call alone costs %.1f us "
                     "(an Identity on one float), which is inside its figures, most visibly digits'. onnx-quant's "
                     "figures are `onnx-quant bench --json` medians, timed inside the process." % overhead)
    reference = results.get("tflite")
    if reference:
        lines.append("")
        lines.append("TFLite with XNNPACK, quoted from ../shared/models/MANIFEST.md (another run on a machine of the "
                     "same kind, not measured here), beside this run's onnx-quant int8:")
        lines.append("")
        columns = sorted({c for row in reference.values() for c in row})
        lines.append("| model | %s | onnx-quant int8 (this run) | ours int8 / TFLite int8 |" % " | ".join(columns))
        lines.append("|---|%s---:|---:|" % ("---:|" * len(columns)))
        for name, row in reference.items():
            measured = next((r for r in results["models"] if r["name"] == name and not r.get("skip")), None)
            oq8 = measured["timings"].get("oq_int8", {}).get("median_us") if measured and measured["timings"].get(
                "oq_int8") else None
            tflite8 = next((v for c, v in row.items() if "int8" in c), None)
            lines.append("| %s | %s | %s | %s |" % (name, " | ".join(us(row.get(c)) for c in columns), us(oq8),
                                                    ratio_cell(oq8, tflite8)))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------- main


def measure_model(model, args, help_text):
    record = {"name": model.name, "path": os.path.relpath(model.path, ROOT), "note": model.note,
              "calibration_note": model.calibration_note, "timings": {}, "errors": []}
    if model.skip:
        record["skip"] = model.skip
        log("%s: skipped, %s" % (model.name, model.skip))
        return record
    input_name, shape = model_input(model)
    record["input"] = input_name
    record["shape"] = shape
    record["shapes"] = {input_name: shape} if model.shape else {}
    calibration_path, spec, calibration = calibration_set(model, input_name, shape, args.out)
    record["calibration"] = os.path.relpath(calibration_path, ROOT)
    ort_path = ort_int8(model, spec, calibration, calibration_path, args.out)
    record["ort_int8"] = os.path.relpath(ort_path, ROOT)
    oq_path, reason = None, "the binary has no `calibrate` command"
    if help_text is not None:
        oq_path, reason, command, record["calibrate_options"] = ours_int8(args.binary, help_text, model, input_name, shape, calibration_path,
                                             args.out, args.calibrate_method)
        record["calibrate_command"] = " ".join(os.path.relpath(c, ROOT) if os.path.exists(c) else c for c in command)
    if oq_path:
        record["int8_source"] = "onnx-quant"
        record["oq_int8"] = os.path.relpath(oq_path, ROOT)
    else:
        record["int8_source"] = "ort"
        record["int8_note"] = reason
        record["oq_int8"] = record["ort_int8"]
        log("%s: onnx-quant int8 runs ONNX Runtime's model: %s" % (model.name, reason))

    feeds = os.path.join(args.out, "inputs", model.name + ".npz")
    os.makedirs(os.path.dirname(feeds), exist_ok=True)
    np.savez(feeds, **{input_name: bench_input(shape)})
    shapes = record["shapes"]
    plan = [("oq_int8", lambda: time_onnx_quant(args.binary, os.path.join(ROOT, record["oq_int8"]), {}, args)),
            ("ort_int8", lambda: time_onnx_runtime(ort_path, feeds, args)),
            ("oq_float", lambda: time_onnx_quant(args.binary, model.path, shapes, args)),
            ("ort_float", lambda: time_onnx_runtime(model.path, feeds, args))]
    cores = os.cpu_count() or 1
    if args.quiet_wait > 0:
        busy = wait_quiet(args.quiet_wait, cores)
        if busy is not None and busy >= 0.15:
            log("%s: the machine is busy (%.0f%% of %d CPUs) after waiting %.0f s; measuring anyway" % (
                model.name, busy * 100, cores, args.quiet_wait))
    for key, measure in plan:
        try:
            start = cpu_times()
            record["timings"][key] = measure()
            record["timings"][key]["machine_busy"] = busy_since(start)
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as failure:
            record["errors"].append("%s: %s" % (key, failure))
            log("%s: %s failed: %s" % (model.name, key, failure))
    log("%s: %s" % (model.name, ", ".join("%s %s us" % (k, us(v["median_us"])) for k, v in record["timings"].items())))
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/onnx-quant", help="a release build of onnx-quant")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--out", default="build/bench", help="results, caches (quantized models, ResNet-18)")
    parser.add_argument("--markdown", help="write the report here (default OUT/bench.md)")
    parser.add_argument("--chart", help="draw the chart to this PNG (scripts/bench_chart.py)")
    parser.add_argument("--runs", type=int, help="timed runs per measurement (default: adaptive, see --seconds)")
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per measurement (default 1)")
    parser.add_argument("--min-runs", type=int, default=20)
    parser.add_argument("--max-runs", type=int, default=20000)
    parser.add_argument("--models", help="comma-separated subset: digits,ppocr_cls_mobile_v2,kws_dscnn,"
                                         "vww_mobilenet_v1_025,resnet18")
    parser.add_argument("--source", help="what the binary was built from, for the report (default: this tree's "
                                         "HEAD commit, and whether Sources/ has uncommitted changes)")
    parser.add_argument("--from-results", metavar="RESULTS_JSON",
                        help="measure nothing: write the report (and --chart) from an earlier run's results.json")
    parser.add_argument("--calibrate-method", help="onnx-quant calibrate --method (default: its own default)")
    parser.add_argument("--quiet-wait", type=float, default=20,
                        help="before each model, wait up to this many seconds for an idle machine (default 20)")
    parser.add_argument("--torch-python", help="an interpreter with torch, for the ResNet-18 export")
    args = parser.parse_args()
    if args.from_results:
        with open(args.from_results) as f:
            results = json.load(f)
        if args.source:
            results["context"]["commit"] = args.source
        return report(results, args)
    if not os.access(args.binary, os.X_OK):
        parser.error("no onnx-quant binary at %s (make build)" % args.binary)
    args.binary = os.path.abspath(args.binary)
    args.out = os.path.abspath(args.out)
    args.shared = os.path.abspath(args.shared)
    os.makedirs(args.out, exist_ok=True)
    started = time.time()

    help_text = calibrate_help(args.binary)
    if help_text is None:
        log("%s has no `calibrate` command: the onnx-quant int8 column runs ONNX Runtime's QOperator models"
            % args.binary)
    records = [measure_model(m, args, help_text) for m in model_list(args)]
    reference, caption = tflite_reference(args.shared)
    results = {"context": context(args, help_text is not None), "models": records,
               "tflite": reference, "tflite_caption": caption, "target_ratio": TARGET_RATIO,
               "calibrate_method": args.calibrate_method}
    try:
        results["ort_call_overhead_us"] = ort_call_overhead(args)["median_us"]
    except (RuntimeError, subprocess.TimeoutExpired) as failure:
        log("ORT call overhead: %s" % failure)
    results["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    status = report(results, args)
    log("wrote %s in %.0f s" % (os.path.join(args.out, "results.json"), time.time() - started))
    return status


def report(results, args):
    """Writes the Markdown report and the chart; 1 when a measurement failed."""
    text = markdown(results)
    print(text)
    report_path = args.markdown or os.path.join(args.out, "bench.md")
    os.makedirs(os.path.dirname(os.path.abspath(report_path)), exist_ok=True)
    with open(report_path, "w") as f:
        f.write(text)
    if args.chart:
        import bench_chart
        bench_chart.draw(results, args.chart)
        log("chart: %s (%d bytes)" % (args.chart, os.path.getsize(args.chart)))
    log("wrote %s" % report_path)
    failed = [r["name"] for r in results["models"] if r.get("errors")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
