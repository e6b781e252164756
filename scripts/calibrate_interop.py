#!/usr/bin/env python3
"""Models written by `onnx-quant calibrate` against ONNX Runtime.

For each model (digits, kws_dscnn, vww_mobilenet_v1_025 and, when build/ppocr/calib.npy exists,
ppocr_cls_mobile_v2), each format (qoperator, qdq) and each --methods entry (default: calibrate's
default method only):
  1. `onnx-quant calibrate MODEL --data SUBSET.npy -o OUT.onnx --format F` (the --binary, normally a
     release build; the calibration subsets are written as .npy under --out/data);
  2. onnx.checker.check_model(model, full_check=True);
  3. onnx-quant (--debug-binary if given, else --binary) against ONNX Runtime (one thread, default
     optimization level) on held-out test inputs, exactly as scripts/interop.py does it
     (interop.run_check): a variant exposing every uint8/int8 intermediate tensor as a graph output;
     every quantized tensor within 1 LSB, the final float outputs (of the variant and of the
     unmodified model) within 1 step of the last quantized output's scale;
  4. the written model's operator histogram and size.
Prints one line per model x format (x method) and `calibrate-interop: N passed, M failed`; exits 1 on
any failure (and on missing ppocr data with --require-ppocr; without it ppocr is skipped with a SKIP
line). Make the ppocr data with `quantize/examples/ppocr/render.py --out build/ppocr` (`make ppocr-data`).
"""
import argparse
import collections
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

import interop  # noqa: E402
import interop_tensors as tensors  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = ("qoperator", "qdq")
METHODS = ("default", "minmax", "percentile", "entropy", "mse")


class Spec:
    """One model: its float model, and (.npy path, slice along axis 0) for the calibration samples and
    for the test inputs. input_name and note are filled in by prepare_data."""

    def __init__(self, name, path, calibration, test, missing_hint=None):
        self.name = name
        self.path = path
        self.calibration = calibration
        self.test = test
        self.missing_hint = missing_hint
        self.input_name = None
        self.note = ""

    def sources(self):
        return [self.path] + [p for p, _ in (self.calibration, self.test)]


def load_slice(path, index):
    return np.load(path)[index].astype(np.float32)


def slice_text(path, index):
    parts = ["" if v is None else str(v) for v in (index.start, index.stop)]
    if index.step is not None:
        parts.append(str(index.step))
    return "`%s`[%s]" % (os.path.relpath(path), ":".join(parts))


def model_specs(shared, ppocr_dir):
    tiny = os.path.join(shared, "mlperf-tiny")
    digits = os.path.join(REPO, "quantize", "examples", "digits")
    kws = os.path.join(tiny, "kws_calib.npy")
    vww = os.path.join(tiny, "vww_calib.npy")
    ppocr_test = os.path.join(ppocr_dir, "test_inputs.npy")
    return [
        Spec("digits", os.path.join(digits, "digits_float.onnx"),
             (os.path.join(digits, "calib.npy"), slice(None)), (os.path.join(digits, "test_inputs.npy"), slice(0, 8))),
        Spec("kws_dscnn", os.path.join(tiny, "kws_dscnn.onnx"), (kws, slice(0, 80)), (kws, slice(80, 100, 5))),
        Spec("vww_mobilenet_v1_025", os.path.join(tiny, "vww_mobilenet_v1_025.onnx"), (vww, slice(0, 20)),
             (vww, slice(20, 24))),
        Spec("ppocr_cls_mobile_v2", os.path.join(shared, "ppocr_cls_mobile_v2.onnx"),
             (os.path.join(ppocr_dir, "calib.npy"), slice(None)), (ppocr_test, slice(0, 4)),
             missing_hint="make it with `%s quantize/examples/ppocr/render.py --out %s` (needs Pillow and the "
                          "DejaVu fonts)" % (sys.executable, ppocr_dir)),
    ]


class Result:
    """One model x format: calibrate, checker, tensor comparison, histogram."""

    def __init__(self, spec, fmt, method):
        self.spec = spec
        self.fmt = fmt
        self.method = method  # "default": no --method option
        self.label = fmt if method == "default" else "%s/%s" % (fmt, method)
        self.model_path = None
        self.size = None
        self.float_size = None
        self.ops = collections.Counter()
        self.output_sqnr = None  # from the calibrate --report JSON
        self.method_used = None  # likewise, e.g. "minmax" or "percentile 99.999"
        self.error = None  # calibrate or checker failure (before the comparison)
        self.checker = None  # None: not run; "ok" or the checker's message
        self.check = None  # interop.Check

    @property
    def passed(self):
        return self.error is None and self.checker == "ok" and self.check is not None and self.check.passed

    def counts(self):
        if self.check is None or self.check.error or not self.check.stats:
            return None
        values, identical, max_lsb, worst = self.check.tensor_totals()
        return values, identical, max_lsb, worst


def op_histogram(model):
    counter = collections.Counter()
    for node in model.graph.node:
        domain = node.domain if node.domain not in ("", "ai.onnx") else ""
        counter[(domain + ":" if domain else "") + node.op_type] += 1
    return counter


def histogram_text(counter):
    return ", ".join("%s %d" % (op, n) for op, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def calibrate(args, spec, data_path, result):
    models_dir = os.path.join(args.out, "models")
    stem = "%s.%s" % (spec.name, result.label.replace("/", "."))
    result.model_path = os.path.join(models_dir, stem + ".onnx")
    report_path = os.path.join(models_dir, stem + ".report.json")
    for stale in (result.model_path, report_path):
        if os.path.exists(stale):
            os.remove(stale)
    command = [args.binary, "calibrate", spec.path, "--data", data_path, "-o", result.model_path, "--format",
               result.fmt, "--report", report_path, "--force", "--quiet"]
    if result.method != "default":
        command += ["--method", result.method]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        result.error = "onnx-quant calibrate timed out"
        return False
    log_path = os.path.join(models_dir, stem + ".calibrate.log")
    with open(log_path, "w") as f:
        f.write("$ %s\n%s%s" % (" ".join(command), completed.stdout, completed.stderr))
    if completed.returncode != 0 or not os.path.exists(result.model_path):
        result.error = "onnx-quant calibrate exited %d: %s" % (
            completed.returncode, last_line(completed.stderr) or last_line(completed.stdout))
        return False
    result.size = os.path.getsize(result.model_path)
    result.float_size = os.path.getsize(spec.path)
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
        outputs = report.get("outputs") or []
        sqnrs = [o.get("sqnr_db") for o in outputs if o.get("sqnr_db") is not None]
        result.output_sqnr = min(sqnrs) if sqnrs else None
        result.method_used = report.get("method")
        if result.method_used == "percentile" and report.get("percentile") is not None:
            result.method_used += " %g" % report["percentile"]
    return True


def run_checker(result):
    model = onnx.load(result.model_path)
    result.ops = op_histogram(model)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as failure:  # onnx.checker.ValidationError, shape inference errors
        result.checker = "%s: %s" % (type(failure).__name__, last_line(str(failure)) or failure)
        result.error = "onnx.checker: " + result.checker
        return False
    result.checker = "ok"
    return True


def fix_input(model_path, input_name, sample):
    """[1, ...] sample in the model's static input shape."""
    model = onnx.load(model_path, load_external_data=False)
    graph_input = next(i for i in model.graph.input if i.name == input_name)
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in graph_input.type.tensor_type.shape.dim]
    if dims and all(d > 0 for d in dims) and int(np.prod(dims)) == sample.size:
        return sample.reshape(dims)
    return sample[None] if sample.ndim + 1 == len(dims) else sample


def prepare_data(args, spec):
    """Writes OUT/data/NAME.calib.npy and OUT/inputs/NAME/test_K/INPUT.npy; returns (calibration path,
    [test inputs in the float model's input layout, batch 1])."""
    model = onnx.load(spec.path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise ValueError("%s has %d inputs; this script handles one" % (spec.path, len(inputs)))
    spec.input_name = inputs[0]
    calibration = load_slice(*spec.calibration)
    test = load_slice(*spec.test)
    spec.note = "calibration %s (%d samples); test inputs %s (%d)" % (
        slice_text(*spec.calibration), len(calibration), slice_text(*spec.test), len(test))
    data_dir = os.path.join(args.out, "data")
    os.makedirs(data_dir, exist_ok=True)
    data_path = os.path.join(data_dir, "%s.calib.npy" % spec.name)
    np.save(data_path, calibration)
    values = []
    for index, sample in enumerate(test):
        value = np.ascontiguousarray(sample[None])
        directory = os.path.join(args.out, "inputs", spec.name, "test_%d" % index)
        os.makedirs(directory, exist_ok=True)
        np.save(os.path.join(directory, spec.input_name + ".npy"), value)
        values.append(value)
    return data_path, values, len(calibration)


def size_text(n):
    return "-" if n is None else "{:,}".format(n)


def line(result):
    spec, c = result.spec, result.check
    status = "PASS" if result.passed else "FAIL"
    if result.error:
        return "%-22s %-20s FAIL  %s" % (spec.name, result.label, result.error)
    if c is None or c.error:
        return "%-22s %-20s FAIL  checker ok; run failed: %s  size %s B" % (
            spec.name, result.label, c.error if c else "not run", size_text(result.size))
    values, identical, max_lsb, worst = result.counts()
    return "%-22s %-20s %s  %3d tensors  max %s LSB  (%s identical)  final %s steps  size %s B  checker ok" % (
        spec.name, result.label, status, len(c.stats), interop.lsb_text(max_lsb), interop.percent(identical, values),
        interop.steps_text(c.final_steps), size_text(result.size))


def details(result):
    """Extra lines for a failure or an inconsistency worth knowing about."""
    c = result.check
    out = []
    if c is None or c.error:
        return out
    if not result.passed:
        _, _, _, worst = result.counts()
        out.append("    by operator (count: max LSB): " + c.by_operator_text())
        first = c.first_difference(interop.LSB_LIMIT)
        if first is not None:
            out.append("    first tensor over %d LSB (graph order): %s [%s] %s LSB, %s identical%s" % (
                interop.LSB_LIMIT, first.exposed.name, first.exposed.op_type, interop.lsb_text(first.lsb),
                interop.percent(first.identical, first.values), ", " + first.problem if first.problem else ""))
        if worst is not None and worst is not first and worst.lsb > interop.LSB_LIMIT:
            out.append("    worst tensor: %s [%s] %s LSB" % (worst.exposed.name, worst.exposed.op_type,
                                                               interop.lsb_text(worst.lsb)))
        for label, finals in (("variant", c.final_variant), ("model", c.final_model)):
            for f in finals:
                out.append("    final %s (%s): max |diff| %.3g = %s steps of scale %s%s" % (
                    f.name, label, f.max_abs, interop.steps_text(f.steps), "%.6g" % f.scale if f.scale else "?",
                    ", " + f.problem if f.problem else ""))
    if c.reference_stats:
        values, identical, max_lsb, _ = c.tensor_totals(c.reference_stats)
        if max_lsb > 0 and not result.passed:
            out.append("    context, ORT unfused vs ORT: %s identical, max %s LSB" % (
                interop.percent(identical, values), interop.lsb_text(max_lsb)))
    if c.ort_consistent is False or c.fusion_same is False:
        out.append("    warning: adding graph outputs changed ORT's %s (%s; %s)" % (
            "result" if c.ort_consistent is False else "fusion",
            "final output same" if c.ort_consistent else c.ort_consistent_detail, c.fusion_detail))
    return out


def write_report(path, args, results, skipped, elapsed, passed, failed, skip_count):
    lines = ["# `onnx-quant calibrate` models against ONNX Runtime", ""]
    lines.append("Generated by `scripts/calibrate_interop.py` on %s (%.0f s): **%d passed, %d failed**%s." % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), elapsed, passed, failed,
        ", %d skipped" % skip_count if skip_count else ""))
    lines.append("")
    lines.append("Quantizer: `%s calibrate` (`--format qoperator|qdq`, other options at their defaults unless the "
                 "format column names a `--method`). Runtime under "
                 "test: `%s run`. Reference: ONNX Runtime %s, CPUExecutionProvider, one thread, default graph "
                 "optimization level. onnx %s, numpy %s, Python %s, %s." % (
                     args.binary, args.candidate_binary, ort.__version__, onnx.__version__, np.__version__,
                     platform.python_version(), platform.machine()))
    lines.append("")
    lines.append("Pass: `onnx.checker.check_model(full_check=True)` accepts the written model, ONNX Runtime runs it, "
                 "every quantized intermediate tensor is within %d LSB of ORT's and the final float outputs within "
                 "%d step of the last quantized output's scale (the comparison of `scripts/interop.py`)." % (
                     interop.LSB_LIMIT, interop.STEP_LIMIT))
    lines.append("")
    lines.append("| model | format | result | quantized tensors | bit-identical | max LSB | worst tensor "
                 "| final (steps) | size (B) | float (B) | method | output SQNR (dB) | ORT unfused max LSB |")
    lines.append("|---|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|")
    for r in results:
        sqnr = "%.1f" % r.output_sqnr if r.output_sqnr is not None else "-"
        counts = r.counts()
        if r.error or counts is None:
            reason = r.error or (r.check.error if r.check else "not run")
            lines.append("| %s | %s | **FAIL** | - | - | - | %s | - | %s | %s | %s | %s | - |" % (
                r.spec.name, r.label, reason.replace("|", "\\|"), size_text(r.size), size_text(r.float_size),
                r.method_used or "-", sqnr))
            continue
        values, identical, max_lsb, worst = counts
        worst_text = "-" if worst is None or worst.lsb == 0 else "`%s` (%s, %s LSB)" % (
            interop.short(worst.exposed.name, 50), worst.exposed.op_type, interop.lsb_text(worst.lsb))
        reference = "-"
        if r.check.reference_stats:
            ref_values, ref_identical, ref_lsb, _ = r.check.tensor_totals(r.check.reference_stats)
            reference = "%s (%s)" % (interop.lsb_text(ref_lsb), interop.percent(ref_identical, ref_values))
        lines.append("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r.spec.name, r.label, "pass" if r.passed else "**FAIL**", len(r.check.stats),
            interop.percent(identical, values), interop.lsb_text(max_lsb), worst_text,
            interop.steps_text(r.check.final_steps), size_text(r.size), size_text(r.float_size),
            r.method_used or "-", sqnr, reference))
    for name, reason in skipped:
        lines.append("| %s | all | %s | - | - | - | %s | - | - | - | - | - | - |" % (
            name, "**FAIL**" if reason.startswith("FAIL: ") else "SKIP", reason.replace("|", "\\|")))
    lines.append("")
    lines.append("*ORT unfused*: ONNX Runtime with graph optimizations disabled (QDQ run literally in float) against "
                 "its default level, on the same tensors: how far ORT's reference semantics are from its fused "
                 "integer kernels, for context.")
    lines.append("")
    lines.append("## Operators")
    lines.append("")
    lines.append("In the written model, and (after the arrow) the fused operators ONNX Runtime runs for it at its "
                 "default optimization level.")
    lines.append("")
    for r in results:
        if r.ops:
            lines.append("- %s %s: %s%s" % (r.spec.name, r.label, histogram_text(r.ops),
                                            " -> ORT runs " + r.check.fusion_detail if r.check else ""))
    lines.append("")
    notes = [(r, d) for r in results for d in [details(r)] if d]
    if notes:
        lines.append("## Details")
        lines.append("")
        for r, d in notes:
            lines.append("- %s %s:" % (r.spec.name, r.label))
            lines.extend("  - " + text.strip() for text in d)
        lines.append("")
    lines.append("## Data")
    lines.append("")
    seen = set()
    for r in results:
        if r.spec.name not in seen:
            seen.add(r.spec.name)
            lines.append("- %s: %s." % (r.spec.name, r.spec.note))
    lines.append("")
    lines.append("Calibration subsets: `%s/data/MODEL.calib.npy`; written models, calibrate logs and JSON reports: "
                 "`%s/models`; variants: `%s/variants`; test inputs: `%s/inputs/MODEL/test_K` (for `onnx-quant run "
                 "--inputs`)." % (args.out, args.out, args.out, args.out))
    lines.append("")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/onnx-quant", help="onnx-quant for `calibrate`")
    parser.add_argument("--debug-binary", help="onnx-quant for `run` (default: --binary)")
    parser.add_argument("--shared", default=os.environ.get("SHARED_MODELS", "../shared/models"))
    parser.add_argument("--ppocr-data", default="build/ppocr", help="render.py's --out (calib.npy, test_inputs.npy)")
    parser.add_argument("--require-ppocr", action="store_true", help="fail instead of skipping ppocr without data")
    parser.add_argument("--out", default="build/calibrate-interop")
    parser.add_argument("--report", help="Markdown summary")
    parser.add_argument("--models", help="comma-separated subset: digits,kws_dscnn,vww_mobilenet_v1_025,"
                                         "ppocr_cls_mobile_v2")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--methods", default="default",
                        help="comma-separated calibrate --method values to check; `default` passes no --method")
    parser.add_argument("--no-reference", action="store_true", help="skip the ORT-unfused context comparison")
    args = parser.parse_args()
    args.candidate_binary = args.debug_binary or args.binary
    started = time.time()

    for binary in {args.binary, args.candidate_binary}:
        if not os.access(binary, os.X_OK):
            print("calibrate-interop: no onnx-quant binary at %s (swift build, or pass --binary)" % binary,
                  file=sys.stderr)
            return 2
    specs = model_specs(args.shared, args.ppocr_data)
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - {s.name for s in specs}
        if unknown:
            parser.error("unknown model(s): " + ", ".join(sorted(unknown)))
        specs = [s for s in specs if s.name in wanted]
    formats = args.formats.split(",")
    if set(formats) - set(FORMATS):
        parser.error("formats are qoperator and qdq")
    methods = args.methods.split(",")
    if set(methods) - set(METHODS):
        parser.error("methods are " + ", ".join(METHODS))

    variants_dir = os.path.join(args.out, "variants")
    os.makedirs(variants_dir, exist_ok=True)
    os.makedirs(os.path.join(args.out, "models"), exist_ok=True)
    reference = tensors.OrtRunner(optimized=True)
    unfused = None if args.no_reference else tensors.OrtRunner(optimized=False)
    candidate = tensors.OnnxQuantRunner(args.candidate_binary)

    results, skipped, hard_failures = [], [], 0
    for spec in specs:
        missing = [p for p in spec.sources() if not os.path.exists(p)]
        if missing:
            reason = "missing %s" % ", ".join(missing) + ("; " + spec.missing_hint if spec.missing_hint else "")
            if spec.name == "ppocr_cls_mobile_v2" and not args.require_ppocr:
                print("%-22s %-20s SKIP  %s" % (spec.name, "all", reason))
                skipped.append((spec.name, reason))
            else:
                print("%-22s %-20s FAIL  %s" % (spec.name, "all", reason))
                skipped.append((spec.name, "FAIL: " + reason))
                hard_failures += len(formats) * len(methods)
            continue
        data_path, test_values, calibration_count = prepare_data(args, spec)
        for fmt, method in [(f, m) for m in methods for f in formats]:
            result = Result(spec, fmt, method)
            results.append(result)
            try:
                if calibrate(args, spec, data_path, result) and run_checker(result):
                    values = [fix_input(result.model_path, spec.input_name, v) for v in test_values]
                    result.check = interop.run_check(spec, result.label.replace("/", "."), result.model_path, values,
                                                     variants_dir, reference, candidate, unfused)
            except Exception as failure:  # a broken check must not hide the others
                result.error = result.error or "calibrate_interop.py: %s: %s" % (type(failure).__name__, failure)
            print(line(result))
            for text in details(result):
                print(text)
            sys.stdout.flush()

    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed + hard_failures
    skip_count = len(formats) * len(methods) * sum(1 for _, reason in skipped if not reason.startswith("FAIL: "))
    if args.report:
        write_report(args.report, args, results, skipped, time.time() - started, passed, failed, skip_count)
        print("report: %s" % args.report)
    print("calibrate-interop: %d passed, %d failed%s (%.0f s)" % (
        passed, failed, ", %d skipped" % skip_count if skip_count else "", time.time() - started))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
