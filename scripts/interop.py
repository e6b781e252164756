#!/usr/bin/env python3
"""onnx-quant against ONNX Runtime on models ONNX Runtime quantized itself.

ppocr_cls_mobile_v2 and the MLPerf Tiny models kws_dscnn and vww_mobilenet_v1_025 are quantized with
onnxruntime.quantization.quantize_static (per-channel int8 weights, uint8 activations, MinMax, 16
calibration samples) in QOperator and in QDQ format; see scripts/interop_quantize.py for the recipe.
For each model and format a variant whose graph outputs also include every intermediate uint8/int8
tensor runs in ONNX Runtime (one thread, default optimization level, so QDQ groups are fused as in
production) and in onnx-quant on 4 held-out inputs. Every quantized tensor must agree within 1 LSB
and the final float outputs (of the variant and of the unmodified model) within one step of the last
quantized output's scale. One check per model x format; prints `interop: N passed, M failed` and
exits 1 on any failure. Also times the unmodified quantized models: `onnx-quant bench --json`
beside ONNX Runtime, one thread, in the same run.

Develop without onnx-quant: --candidate ort-unfused compares ONNX Runtime with graph optimizations
off (QDQ run literally as float DequantizeLinear -> op -> QuantizeLinear) against the default;
--candidate ort compares ONNX Runtime with itself (must be bit-identical).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

import interop_quantize as quantize  # noqa: E402
import interop_tensors as tensors  # noqa: E402

LSB_LIMIT = 1
STEP_LIMIT = 1.0
STEP_SLACK = 1e-4  # float rounding of (q - zero point) * scale


class Check:
    """One model x format."""

    def __init__(self, model, fmt, candidate_label):
        self.model = model
        self.fmt = fmt
        self.candidate = candidate_label
        self.error = None
        self.exposed = []
        self.stats = []
        self.final_variant = []
        self.final_model = []
        self.ort_consistent = None  # ORT: variant's final output == unmodified model's
        self.ort_consistent_detail = ""
        self.fusion_same = None  # ORT runs the same fused operators for the variant as for the model
        self.fusion_detail = ""
        self.reference_stats = []  # ORT unfused vs ORT, for context
        self.latency = None

    def tensor_totals(self, stats=None):
        stats = self.stats if stats is None else stats
        values = sum(s.values for s in stats)
        identical = sum(s.identical for s in stats)
        worst = max(stats, key=lambda s: (s.lsb, -(s.identical / s.values if s.values else 1.0)), default=None)
        max_lsb = worst.lsb if worst else 0
        return values, identical, max_lsb, worst

    def by_operator(self):
        """[(operator, tensors, max LSB, identical, values)] in order of first appearance."""
        groups = {}
        for s in self.stats:
            entry = groups.setdefault(s.exposed.op_type, [0, 0, 0, 0])
            entry[0] += 1
            entry[1] = max(entry[1], s.lsb)
            entry[2] += s.identical
            entry[3] += s.values
        return [(op,) + tuple(v) for op, v in groups.items()]

    def by_operator_text(self):
        return ", ".join("%s %d: %s LSB" % (op, count, lsb_text(lsb)) + (
            "" if identical == values else " (%s)" % percent(identical, values))
            for op, count, lsb, identical, values in self.by_operator())

    def first_difference(self, threshold=0):
        for s in self.stats:
            if s.lsb > threshold:
                return s
        return None

    @property
    def final_steps(self):
        steps = [f.steps for f in self.final_variant + self.final_model]
        return max(steps) if steps else float("inf")

    @property
    def passed(self):
        if self.error or not self.stats:
            return False
        _, _, max_lsb, _ = self.tensor_totals()
        return max_lsb <= LSB_LIMIT and self.final_steps <= STEP_LIMIT + STEP_SLACK


def fraction(identical, values):
    return identical / values if values else 1.0


def percent(identical, values):
    value = 100.0 * fraction(identical, values)
    if identical != values and value > 99.995:
        return ">99.99%"
    return "%.2f%%" % value


def lsb_text(value):
    return "shape/type mismatch" if value == float("inf") else "%d" % value


def steps_text(value):
    return "n/a" if value == float("inf") else "%.3g" % value


def short(name, limit=60):
    return name if len(name) <= limit else "..." + name[-(limit - 3):]


def make_candidate(args):
    if args.candidate == "onnx-quant":
        return tensors.OnnxQuantRunner(args.binary)
    if args.candidate == "ort-unfused":
        return tensors.OrtRunner(optimized=False)
    runner = tensors.OrtRunner(optimized=True)
    runner.label = "ORT (self)"
    return runner


def run_check(spec, fmt, model_path, test_inputs, variants_dir, reference, candidate, unfused):
    check = Check(spec.name, fmt, candidate.label)
    variant_path = os.path.join(variants_dir, "%s.%s.variant.onnx" % (spec.name, fmt))
    check.exposed = tensors.make_variant(model_path, variant_path)
    scales = tensors.final_output_scale(model_path)
    final_names = [o.name for o in onnx.load(model_path, load_external_data=False).graph.output]
    check.stats = [tensors.TensorStats(e) for e in check.exposed]
    check.reference_stats = [tensors.TensorStats(e) for e in check.exposed] if unfused else []

    def float_stats():
        return [tensors.FloatStats(n, scales[n][0] if scales.get(n) else None) for n in final_names]

    check.final_variant = float_stats()
    check.final_model = float_stats()
    consistent_max = 0.0
    for value in test_inputs:
        expected_variant = reference.run(variant_path, spec.input_name, value)
        expected_model = reference.run(model_path, spec.input_name, value)
        for name in final_names:
            a, b = expected_variant[name], expected_model[name]
            consistent_max = max(consistent_max, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
        if unfused:
            unfused_variant = unfused.run(variant_path, spec.input_name, value)
            for s in check.reference_stats:
                s.add(expected_variant[s.exposed.name], unfused_variant.get(s.exposed.name))
        if check.error:
            continue
        try:
            actual_variant = candidate.run(variant_path, spec.input_name, value)
            actual_model = candidate.run(model_path, spec.input_name, value)
        except tensors.RunFailed as failure:
            check.error = str(failure)
            continue
        for s in check.stats:
            s.add(expected_variant[s.exposed.name], actual_variant.get(s.exposed.name))
        for f in check.final_variant:
            f.add(expected_variant[f.name], actual_variant.get(f.name))
        for f in check.final_model:
            f.add(expected_model[f.name], actual_model.get(f.name))
    check.ort_consistent = consistent_max == 0.0
    model_ops = tensors.ort_optimized_ops(model_path, variant_path + ".ort-model.onnx")
    variant_ops = tensors.ort_optimized_ops(variant_path, variant_path + ".ort-variant.onnx")
    compute = lambda ops: {op: n for op, n in ops.items() if op != "Transpose"}
    check.fusion_same = compute(model_ops) == compute(variant_ops)
    fused = sorted((op, n) for op, n in model_ops.items() if op.startswith("com.microsoft:Q"))
    check.fusion_detail = ", ".join("%d %s" % (n, op.split(":")[1]) for op, n in fused) or "no fused operators"
    extra = variant_ops.get("Transpose", 0) - model_ops.get("Transpose", 0)
    if extra:
        check.fusion_detail += "; the variant adds %d Transposes (NHWC back to NCHW for the added outputs)" % extra
    if not check.fusion_same:
        changed = sorted(op for op in set(model_ops) | set(variant_ops)
                         if op != "Transpose" and model_ops.get(op, 0) != variant_ops.get(op, 0))
        check.fusion_detail = "differs: " + ", ".join(
            "%s %d -> %d" % (op, model_ops.get(op, 0), variant_ops.get(op, 0)) for op in changed)
    if not check.ort_consistent:
        scale = min((f.scale for f in check.final_model if f.scale), default=None)
        check.ort_consistent_detail = "max |diff| %.3g%s" % (
            consistent_max, " (%.3g steps)" % (consistent_max / scale) if scale else "")
    return check


ORT_BENCH = r"""
import json, sys, time
import numpy as np
import onnxruntime as ort
path, input_name, value_path, runs, warmup = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
value = np.load(value_path)
binding = session.io_binding()
binding.bind_ortvalue_input(input_name, ort.OrtValue.ortvalue_from_numpy(value))
for output in session.get_outputs():
    binding.bind_output(output.name, "cpu")
for _ in range(warmup):
    session.run_with_iobinding(binding)
times = []
for _ in range(runs):
    start = time.perf_counter_ns()
    session.run_with_iobinding(binding)
    times.append(time.perf_counter_ns() - start)
times.sort()
print(json.dumps({"median_us": times[len(times) // 2] / 1e3, "p10_us": times[len(times) // 10] / 1e3,
                  "p90_us": times[min(len(times) - 1, len(times) * 9 // 10)] / 1e3}))
"""


def measure_latency(args, spec, model_path, value, work):
    """onnx-quant bench --json and ONNX Runtime (own process, IOBinding, one thread) on the same model."""
    result = {"onnx_quant": None, "ort": None, "error": None}
    value_path = os.path.join(work, "%s.bench_input.npy" % spec.name)
    np.save(value_path, value)
    command = [args.python, "-c", ORT_BENCH, model_path, spec.input_name, value_path, str(args.runs), str(args.warmup)]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode == 0:
        result["ort"] = json.loads(completed.stdout.strip().splitlines()[-1])
    else:
        result["error"] = "ORT bench failed: " + (completed.stderr.strip().splitlines() or [""])[-1]
    if os.access(args.bench_binary, os.X_OK):
        command = [args.bench_binary, "bench", model_path, "--runs", str(args.runs), "--warmup", str(args.warmup),
                   "--json"]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if completed.returncode == 0:
            result["onnx_quant"] = json.loads(completed.stdout)
        else:
            lines = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
            message = lines[-1] if lines else ""
            prefix = "onnx-quant bench: " + model_path + ": "
            message = message[len(prefix):] if message.startswith(prefix) else message
            result["error"] = "onnx-quant bench exited %d: %s" % (completed.returncode, message)
    return result


def print_check(check):
    print("%s %s: %d quantized tensors x %d inputs, %s vs ORT" % (
        check.model, check.fmt, len(check.exposed), quantize.TEST_SAMPLES, check.candidate))
    if check.ort_consistent is not None:
        print("  ORT: variant's final output %s the unmodified model's%s" % (
            "equals" if check.ort_consistent else "DIFFERS FROM",
            "" if check.ort_consistent else " (" + check.ort_consistent_detail + ")"))
        print("  ORT runs %s operators for the variant as for the model: %s" % (
            "the same fused" if check.fusion_same else "DIFFERENT", check.fusion_detail))
    if check.reference_stats:
        values, identical, max_lsb, worst = check.tensor_totals(check.reference_stats)
        print("  context, ORT unfused vs ORT: %s bit-identical, max %s LSB" % (percent(identical, values),
                                                                              lsb_text(max_lsb)))
    if check.error:
        print("  %s: %s" % (check.candidate, check.error))
        print("  -> FAIL")
        return
    values, identical, max_lsb, worst = check.tensor_totals()
    print("  %-10s %-14s %-8s %s" % ("tensors", "bit-identical", "max LSB", "worst tensor"))
    worst_text = "-" if worst is None or worst.lsb == 0 else "%s [%s] %s LSB, %s identical%s" % (
        short(worst.exposed.name), worst.exposed.op_type, lsb_text(worst.lsb), percent(worst.identical, worst.values),
        ", " + worst.problem if worst.problem else "")
    print("  %-10d %-14s %-8s %s" % (len(check.stats), percent(identical, values), lsb_text(max_lsb), worst_text))
    print("  by operator (count: max LSB (bit-identical)): " + check.by_operator_text())
    first = check.first_difference()
    if first is not None:
        print("  first differing tensor (graph order): %s [%s] %s LSB" % (
            short(first.exposed.name), first.exposed.op_type, lsb_text(first.lsb)))
        over = check.first_difference(LSB_LIMIT)
        if over is not None and over is not first:
            print("  first tensor over %d LSB: %s [%s] %s LSB" % (
                LSB_LIMIT, short(over.exposed.name), over.exposed.op_type, lsb_text(over.lsb)))
    for label, finals in (("variant", check.final_variant), ("model", check.final_model)):
        for f in finals:
            print("  final %s (%s): max |diff| %.3g = %s steps of scale %s%s" % (
                f.name, label, f.max_abs, steps_text(f.steps), "%.6g" % f.scale if f.scale else "?",
                ", " + f.problem if f.problem else ""))
    print("  -> %s" % ("PASS" if check.passed else "FAIL"))


def latency_text(check):
    latency = check.latency
    if latency is None:
        return "-", "-", "-"
    ours = "%.1f" % latency["onnx_quant"]["median_us"] if latency["onnx_quant"] else "n/a"
    theirs = "%.1f" % latency["ort"]["median_us"] if latency["ort"] else "n/a"
    ratio = "%.2fx" % (latency["onnx_quant"]["median_us"] / latency["ort"]["median_us"]) if (
        latency["onnx_quant"] and latency["ort"]) else "-"
    return ours, theirs, ratio


def write_report(path, args, checks, prepared, elapsed):
    lines = []
    passed = sum(1 for c in checks if c.passed)
    lines.append("# onnx-quant against ONNX Runtime on ORT-quantized models")
    lines.append("")
    lines.append("Generated by `scripts/interop.py` on %s (%.0f s): **%d passed, %d failed**." % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), elapsed, passed, len(checks) - passed))
    lines.append("")
    lines.append("Candidate: %s; reference: ONNX Runtime %s, CPUExecutionProvider, one thread, default graph "
                 "optimization level (QDQ groups fused). onnx %s, numpy %s, Python %s, %s, %s." % (
                     args.candidate if args.candidate != "onnx-quant" else "`%s`" % args.binary, ort.__version__,
                     onnx.__version__, np.__version__, platform.python_version(), platform.machine(), cpu_note()))
    lines.append("")
    lines.append("Pass: every quantized intermediate tensor within %d LSB of ORT's, and the final float outputs "
                 "(of the variant and of the unmodified model) within %d step of the last quantized output's "
                 "scale. One check per model x format over %d held-out inputs." % (
                     LSB_LIMIT, STEP_LIMIT, quantize.TEST_SAMPLES))
    lines.append("")
    lines.append("| model | format | quantized tensors | bit-identical | max LSB | worst tensor | final (steps) | "
                 "ORT variant = model | ORT unfused max LSB | result |")
    lines.append("|---|---|---:|---:|---:|---|---:|---|---:|---|")
    for c in checks:
        reference = "-"
        if c.reference_stats:
            values, identical, max_lsb, _ = c.tensor_totals(c.reference_stats)
            reference = "%s (%s)" % (lsb_text(max_lsb), percent(identical, values))
        if c.ort_consistent is None:
            consistent = "-"
        else:
            consistent = ("yes" if c.ort_consistent else "**no**, " + c.ort_consistent_detail) + (
                ", same fusion" if c.fusion_same else ", **fusion differs**: " + c.fusion_detail)
        if c.error:
            lines.append("| %s | %s | %d | - | - | %s | - | %s | %s | **FAIL** |" % (
                c.model, c.fmt, len(c.exposed), "run failed: " + c.error.replace("|", "\\|"), consistent, reference))
            continue
        values, identical, max_lsb, worst = c.tensor_totals()
        worst_text = "-" if worst is None or worst.lsb == 0 else "`%s` (%s, %s LSB)" % (
            short(worst.exposed.name, 50), worst.exposed.op_type, lsb_text(worst.lsb))
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            c.model, c.fmt, len(c.exposed), percent(identical, values), lsb_text(max_lsb), worst_text,
            steps_text(c.final_steps), consistent, reference, "pass" if c.passed else "**FAIL**"))
    lines.append("")
    if any(c.latency for c in checks):
        lines.append("## Latency")
        lines.append("")
        lines.append("Unmodified quantized models, batch 1, one thread, median of %d runs after %d warm-up, measured "
                     "back to back in this run. onnx-quant: `%s bench MODEL --json`%s. ORT: own process, "
                     "IOBinding (`run_with_iobinding`, no per-call numpy copies), default optimization level." % (
                         args.runs, args.warmup, args.bench_binary,
                         " (a **debug** build: not representative)" if "/debug/" in args.bench_binary else ""))
        lines.append("")
        lines.append("Load average at the end of the run: %s (%d CPUs); other processes on the machine make medians "
                     "noisy." % (" ".join("%.2f" % v for v in os.getloadavg()), os.cpu_count() or 0))
        lines.append("")
        lines.append("| model | format | onnx-quant median (us) | ORT median (us) | onnx-quant / ORT |")
        lines.append("|---|---|---:|---:|---:|")
        for c in checks:
            ours, theirs, ratio = latency_text(c)
            if c.latency and c.latency.get("error") and ours == "n/a":
                ours = "n/a (%s)" % c.latency["error"].replace("|", "\\|")
            lines.append("| %s | %s | %s | %s | %s |" % (c.model, c.fmt, ours, theirs, ratio))
        lines.append("")
    lines.append("## Worst tensors")
    lines.append("")
    for c in checks:
        if c.error or not c.stats:
            continue
        ranked = sorted(c.stats, key=lambda s: (-s.lsb, fraction(s.identical, s.values)))
        ranked = [s for s in ranked if s.lsb > 0][:5]
        if not ranked:
            lines.append("- %s %s: every quantized tensor bit-identical." % (c.model, c.fmt))
            continue
        first = c.first_difference()
        lines.append("- %s %s: first difference in graph order at `%s` (%s). By operator: %s." % (
            c.model, c.fmt, first.exposed.name, first.exposed.op_type, c.by_operator_text()))
        for s in ranked:
            lines.append("  - `%s` (%s): max %s LSB, %s identical%s" % (
                s.exposed.name, s.exposed.op_type, lsb_text(s.lsb), percent(s.identical, s.values),
                ", " + s.problem if s.problem else ""))
    lines.append("")
    lines.append("## Method")
    lines.append("")
    lines.append("Quantization (`scripts/interop_quantize.py`; cached in `%s/models`, regenerated per model when "
                 "onnx, onnxruntime, numpy, the recipe, the source model or its calibration file changes):" % args.out)
    lines.append("")
    lines.append("1. Copy of the float model with a static input shape (batch 1; ppocr's symbolic H, W set to "
                 "48x192).")
    lines.append("2. Opset below 13 converted to 13 with `onnx.version_converter` (ppocr is opset 11; per-channel "
                 "QDQ needs DequantizeLinear's `axis`, and ORT's QDQ output is invalid without it). The converter "
                 "wraps the final Softmax in Flatten/Reshape.")
    lines.append("3. `onnxruntime.quantization.shape_inference.quant_pre_process(skip_symbolic_shape=True)`: ORT's "
                 "basic optimizations (BatchNormalization folded into Conv, constant folding, MatMul+Add to Gemm) "
                 "and ONNX shape inference. Symbolic shape inference is skipped: the shapes are static and it "
                 "needs sympy, which requirements-dev.txt does not carry.")
    lines.append("4. `quantize_static(per_channel=True, weight_type=QInt8, activation_type=QUInt8, "
                 "calibrate_method=MinMax)`, other options at their defaults, once with `QuantFormat.QOperator` "
                 "and once with `QuantFormat.QDQ`, from the same 16 calibration samples.")
    lines.append("")
    lines.append("Reproduce one run by hand: `onnx-quant run %s/variants/MODEL.FORMAT.variant.onnx --inputs "
                 "%s/inputs/MODEL/test_K --outputs DIR` (the unmodified quantized models are in `%s/models`)." % (
                     args.out, args.out, args.out))
    lines.append("")
    lines.append("Inputs: ppocr gets smooth random images in [-1, 1] (four octaves of bilinearly upsampled seeded "
                 "noise), 16 for calibration and 4 other seeded ones for the test; kws and vww take a seeded "
                 "permutation of kws_calib.npy / vww_calib.npy: 16 samples calibrate, the next 4 (never seen by "
                 "calibration) are the test inputs.")
    lines.append("")
    for name, entry in prepared.items():
        lines.append("- %s: %s." % (name, "; ".join(entry["notes"])))
    lines.append("")
    lines.append("Variant: the quantized model with every node output of type uint8/int8 added as a graph output "
                 "with its type (QOperator: QuantizeLinear, QLinear*, QGemm outputs and the Reshape/Flatten/"
                 "Transpose/MaxPool between them; QDQ: the QuantizeLinear outputs). Adding graph outputs can change "
                 "ORT's QDQ fusion, so the variant's final output is compared with ORT's output of the unmodified "
                 "model (column *ORT variant = model*), and the operators ORT runs after its optimizations (saved with "
                 "`optimized_model_filepath`) are compared, ignoring the Transposes ORT adds to return NHWC "
                 "QLinearConv outputs in NCHW. The final-output check runs the candidate on both the "
                 "variant and the unmodified model. *ORT unfused* is ORT with graph optimizations disabled (QDQ run "
                 "literally in float) against ORT's default: how far ORT's own reference semantics are from its "
                 "fused integer kernels.")
    lines.append("")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def cpu_note():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return "CPU unknown"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "CPU")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    vnni = [f for f in ("avx512_vnni", "avx_vnni") if f in flags]
    return "%s (%s)" % (model, ", ".join(vnni) if vnni else "no VNNI: ORT's u8s8 kernels may saturate")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/debug/onnx-quant", help="onnx-quant for `run`")
    parser.add_argument("--bench-binary", help="onnx-quant for `bench` (default: --binary; use a release build)")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--out", default="build/interop", help="cache of quantized models, variants")
    parser.add_argument("--report", help="Markdown summary (default OUT/INTEROP.md)")
    parser.add_argument("--candidate", choices=["onnx-quant", "ort-unfused", "ort"], default="onnx-quant")
    parser.add_argument("--models", help="comma-separated subset: ppocr_cls_mobile_v2,kws_dscnn,vww_mobilenet_v1_025")
    parser.add_argument("--formats", default=",".join(quantize.FORMATS))
    parser.add_argument("--no-bench", action="store_true", help="skip the latency measurement")
    parser.add_argument("--no-reference", action="store_true", help="skip the ORT-unfused context comparison")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    args.bench_binary = args.bench_binary or args.binary
    args.report = args.report or os.path.join(args.out, "INTEROP.md")
    args.python = sys.executable
    started = time.time()

    if args.candidate == "onnx-quant" and not os.access(args.binary, os.X_OK):
        print("interop: no onnx-quant binary at %s (swift build, or pass --binary)" % args.binary, file=sys.stderr)
        return 2
    specs = quantize.model_specs(args.shared)
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - {s.name for s in specs}
        if unknown:
            parser.error("unknown model(s): " + ", ".join(sorted(unknown)))
        specs = [s for s in specs if s.name in wanted]
    formats = args.formats.split(",")
    if set(formats) - set(quantize.FORMATS):
        parser.error("formats are QOperator and QDQ")

    prepared = quantize.prepare(specs, args.out)
    variants_dir = os.path.join(args.out, "variants")
    os.makedirs(variants_dir, exist_ok=True)
    reference = tensors.OrtRunner(optimized=True)
    candidate = make_candidate(args)
    unfused = None if args.no_reference or args.candidate == "ort-unfused" else tensors.OrtRunner(optimized=False)

    checks = []
    for spec in specs:
        entry = prepared[spec.name]
        for fmt in formats:
            try:
                check = run_check(spec, fmt, entry["models"][fmt], entry["test"], variants_dir, reference, candidate,
                                  unfused)
            except Exception as failure:  # a broken check must not hide the others
                check = Check(spec.name, fmt, candidate.label)
                check.error = "interop.py: %s: %s" % (type(failure).__name__, failure)
            if not args.no_bench:
                check.latency = measure_latency(args, spec, entry["models"][fmt], entry["test"][0], variants_dir)
            checks.append(check)
            print_check(check)
            if check.latency:
                ours, theirs, ratio = latency_text(check)
                print("  latency (median, 1 thread): onnx-quant %s us, ORT %s us%s%s" % (
                    ours, theirs, " (%s)" % ratio if ratio != "-" else "",
                    "; " + check.latency["error"] if check.latency.get("error") else ""))
            print()

    print("%-22s %-9s %7s %14s %8s %12s  %s" % ("model", "format", "tensors", "bit-identical", "max LSB",
                                               "final steps", "result"))
    for c in checks:
        if c.error:
            print("%-22s %-9s %7d %14s %8s %12s  FAIL (run failed)" % (c.model, c.fmt, len(c.exposed), "-", "-", "-"))
            continue
        values, identical, max_lsb, _ = c.tensor_totals()
        print("%-22s %-9s %7d %14s %8s %12s  %s" % (c.model, c.fmt, len(c.exposed), percent(identical, values),
                                                   lsb_text(max_lsb), steps_text(c.final_steps),
                                                   "pass" if c.passed else "FAIL"))
    write_report(args.report, args, checks, prepared, time.time() - started)
    print("report: %s" % args.report)
    for c in checks:
        if c.ort_consistent is False or c.fusion_same is False:
            print("interop: warning: %s %s: adding graph outputs changed ONNX Runtime's result or fusion (%s; %s); "
                  "its intermediate tensors may not be production's" % (
                      c.model, c.fmt, "final output same" if c.ort_consistent else c.ort_consistent_detail,
                      c.fusion_detail))
    passed = sum(1 for c in checks if c.passed)
    print("interop: %d passed, %d failed" % (passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
