#!/usr/bin/env python3
"""Runs ONNX's own node tests through onnx-quant and writes CONFORMANCE.md.

The onnx wheel ships the node test generators (onnx.backend.test.case.node) but not their
data. This script:

1. generates every node case as OUT/cases/test_NAME/model.onnx with
   test_data_set_N/input_K.pb and output_K.pb (cached: regenerated only when the onnx
   version changes, or with --regenerate);
2. selects the cases whose nodes (subgraphs included) are all ai.onnx ops that onnx-quant
   supports (`BINARY ops --json`) and whose graph inputs and outputs are tensors of
   float32, int64, int32, int8, uint8 or bool;
3. runs each selected case with `BINARY run model.onnx --inputs test_data_set_N --outputs TMP`
   (2 at a time, 60 s each) and compares the outputs the way ONNX's backend runner does
   (floats with assert_allclose(rtol, atol) of the case, everything else exactly; shapes and
   dtypes must match);
4. writes the report and prints `conformance: N passed, M failed`; exits 1 when the pass
   rate of the selected cases is below --min-pass-rate.

`--runner ort` runs the same cases with ONNX Runtime instead of the binary
(scripts/conformance_ort_runner.py, same command-line contract) to validate the harness.
"""
import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPT_DIR)
ORT_RUNNER = os.path.join(SCRIPT_DIR, "conformance_ort_runner.py")

# Bump when the layout of the generated cases or of index.json changes.
CASES_FORMAT = 2

SUPPORTED_DTYPES = {"float32", "int64", "int32", "int8", "uint8", "bool"}

# Used only when `BINARY ops --json` is not available: the op_types of
# Operator.named(_:domain:) in Sources/Runtime/Core/Operator.swift (domain "" / "ai.onnx").
FALLBACK_OPS = [
    "Conv", "ConvTranspose", "Gemm", "MatMul",
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean",
    "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
    "PRelu", "Where",
    "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu",
    "Softplus", "Softsign", "Gelu", "Erf",
    "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos",
    "Not", "Cast", "Identity",
    "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Softmax", "LogSoftmax",
    "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ArgMax", "ArgMin",
    "Concat", "Split", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Pad", "Resize",
    "Slice", "Gather", "Expand", "Tile", "Range", "Shape", "Size", "Constant", "ConstantOfShape",
    "Dropout",
    "LSTM", "If",
]

DTYPE_NAMES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
    14: "complex64", 15: "complex128", 16: "bfloat16",
}


def dtype_name(elem_type):
    if elem_type in DTYPE_NAMES:
        return DTYPE_NAMES[elem_type]
    try:
        return onnx.TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return "type %d" % elem_type


# --------------------------------------------------------------------------- generation


def graph_ops(graph, found):
    """Appends (domain, op_type) of every node of graph and its subgraphs, first occurrence order."""
    for node in graph.node:
        key = (node.domain if node.domain != "ai.onnx" else "", node.op_type)
        if key not in found:
            found.append(key)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                graph_ops(attr.g, found)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    graph_ops(g, found)
    return found


def value_kind(value_info):
    """'tensor' with its element type, or the kind of a non-tensor value."""
    kind = value_info.type.WhichOneof("value")
    if kind == "tensor_type":
        return "tensor", value_info.type.tensor_type.elem_type
    return kind or "undefined", None


def tensor_bytes(value, name):
    if isinstance(value, onnx.TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(np.asarray(value), name).SerializeToString()


def case_op(case, base_ops):
    """The op a case tests: its node's op_type, or for *_expanded* cases the op of the base case."""
    graph = case.model.graph
    match = re.match(r"^(.*)_expanded(_ver\d+)?$", case.name)
    if match and match.group(1) in base_ops:
        return base_ops[match.group(1)]
    if len(graph.node) >= 1:
        return graph.node[0].op_type
    return "?"


def generate(cases_dir):
    """Writes every node test case under cases_dir and returns the index."""
    import warnings

    from onnx.backend.test.case import node as node_cases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases(None)

    base_ops = {}
    for case in cases:
        if case.model is not None and len(case.model.graph.node) == 1:
            base_ops[case.name] = case.model.graph.node[0].op_type

    tmp = cases_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    index = []
    for case in cases:
        if case.model is None or not case.data_sets:
            continue
        graph = case.model.graph
        directory = os.path.join(tmp, case.name)
        os.makedirs(directory)
        with open(os.path.join(directory, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        io_kinds = [value_kind(v) for v in list(graph.input) + list(graph.output)]
        non_tensor = sorted({k for k, _ in io_kinds if k != "tensor"})
        for n, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = os.path.join(directory, "test_data_set_%d" % n)
            os.makedirs(data_dir)
            for prefix, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
                if len(values) != len(infos):
                    non_tensor = sorted(set(non_tensor) | {"%s count mismatch" % prefix})
                for k, value in enumerate(values):
                    if k >= len(infos) or value_kind(infos[k])[0] != "tensor":
                        continue  # sequences, optionals, maps: the case is not selected
                    if value is None or isinstance(value, (list, dict)):
                        non_tensor = sorted(set(non_tensor) | {"non-tensor value for a tensor"})
                        continue
                    with open(os.path.join(data_dir, "%s_%d.pb" % (prefix, k)), "wb") as f:
                        f.write(tensor_bytes(value, infos[k].name))
        index.append({
            "name": case.name,
            "op": case_op(case, base_ops),
            "ops": [list(key) for key in graph_ops(graph, [])],
            # element types of the tensor graph inputs then outputs, first occurrence order
            "io_dtypes": list(dict.fromkeys(dtype_name(t) for k, t in io_kinds if k == "tensor")),
            "non_tensor": non_tensor,
            "outputs": len(graph.output),
            "data_sets": len(case.data_sets),
            "rtol": case.rtol,
            "atol": case.atol,
        })
    with open(os.path.join(tmp, "index.json"), "w") as f:
        json.dump(index, f, indent=0)
    with open(os.path.join(tmp, "STAMP"), "w") as f:
        f.write(stamp_text())
    shutil.rmtree(cases_dir, ignore_errors=True)
    os.rename(tmp, cases_dir)
    return index


def stamp_text():
    return json.dumps({"onnx": onnx.__version__, "format": CASES_FORMAT}, sort_keys=True)


def load_cases(out, regenerate):
    cases_dir = os.path.join(out, "cases")
    stamp = os.path.join(cases_dir, "STAMP")
    if not regenerate and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == stamp_text():
                with open(os.path.join(cases_dir, "index.json")) as f2:
                    return cases_dir, json.load(f2), False
    os.makedirs(out, exist_ok=True)
    return cases_dir, generate(cases_dir), True


# --------------------------------------------------------------------------- selection


def supported_ops(command):
    """(set of ai.onnx op_types, source description, warning or None)."""
    try:
        result = subprocess.run(command + ["ops", "--json"], capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            names = json.loads(result.stdout)
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                return set(names), "`ops --json`", None
            problem = "`ops --json` printed something other than a JSON list of strings"
        else:
            first = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[0]
            problem = "`ops --json` failed (%s)" % first
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        problem = "`ops --json` unavailable (%s)" % error
    warning = ("%s; using the op list hard-coded in scripts/conformance.py from "
               "Sources/Runtime/Core/Operator.swift" % problem)
    return set(FALLBACK_OPS), "hard-coded fallback (Operator.swift)", warning


def select(entry, ops, all_ops):
    """None when the case is selected, else the reason it is not."""
    if entry["non_tensor"]:
        non_tensor_reason = "non-tensor values"
    else:
        non_tensor_reason = None
    if not all_ops:
        missing = []
        for domain, op_type in entry["ops"]:
            if domain not in ("", "ai.onnx") or op_type not in ops:
                label = op_type if domain in ("", "ai.onnx") else "%s:%s" % (domain, op_type)
                if label not in missing:
                    missing.append(label)
        if missing:
            entry["unsupported_ops"] = missing
            return "unsupported op " + missing[0]
    if non_tensor_reason:
        return non_tensor_reason
    if not all_ops:
        bad = [d for d in entry["io_dtypes"] if d not in SUPPORTED_DTYPES]
        if bad:
            entry["unsupported_dtypes"] = bad
            return "dtype " + bad[0]
    return None


# --------------------------------------------------------------------------- comparison


def read_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def format_index(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def compare(k, expected, actual, rtol, atol):
    """None when actual matches expected, else a one-line reason."""
    if actual.shape != expected.shape:
        return "output %d: shape %s, expected %s" % (k, list(actual.shape), list(expected.shape))
    if actual.dtype != expected.dtype:
        return "output %d: dtype %s, expected %s" % (k, actual.dtype, expected.dtype)
    if expected.dtype == object:
        mismatch = actual != expected
        if not mismatch.any():
            return None
        where = np.argwhere(mismatch)[0]
        return "output %d: strings differ, first at %s" % (k, format_index(where))
    if expected.dtype.kind in "fc" or expected.dtype.name == "bfloat16":
        a = actual.astype(np.float64) if expected.dtype.name == "bfloat16" else actual
        e = expected.astype(np.float64) if expected.dtype.name == "bfloat16" else expected
        try:
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)
            return None
        except AssertionError:
            pass
        with np.errstate(all="ignore"):
            mismatch = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
            diff = np.abs(a.astype(np.complex128 if e.dtype.kind == "c" else np.float64) - e)
            diff = np.where(mismatch, diff, 0.0)
        where = np.argwhere(mismatch)
        first = where[0] if len(where) else np.zeros(expected.ndim, dtype=int)
        max_err = float(np.nanmax(diff)) if diff.size and not np.all(np.isnan(diff)) else float("nan")
        return "output %d: %d of %d values differ (rtol %g, atol %g), max abs error %.3g, first at %s: got %r, expected %r" % (
            k, len(where), expected.size, rtol, atol, max_err, format_index(first),
            a[tuple(first)].item(), e[tuple(first)].item())
    if np.array_equal(actual, expected):
        return None
    mismatch = actual != expected
    where = np.argwhere(mismatch)
    first = where[0]
    if expected.dtype.kind in "iub":
        max_err = int(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
        err = ", max abs error %d" % max_err
    else:
        err = ""
    return "output %d: %d of %d values differ (exact)%s, first at %s: got %r, expected %r" % (
        k, len(where), expected.size, err, format_index(first), actual[tuple(first)].item(),
        expected[tuple(first)].item())


# --------------------------------------------------------------------------- running


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return ""


def error_line(text):
    """The error itself: the first line that is not a `note:` the runner printed on the way."""
    for line in text.splitlines():
        if line.strip() and not line.startswith("note:"):
            return line.strip()[:500]
    return first_line(text)


def run_case(command, cases_dir, actual_root, entry, timeout):
    """(status, reason, seconds) with status in pass / fail / error / crash."""
    started = time.time()
    case_dir = os.path.join(cases_dir, entry["name"])
    model = os.path.join(case_dir, "model.onnx")
    for n in range(entry["data_sets"]):
        data_dir = os.path.join(case_dir, "test_data_set_%d" % n)
        out_dir = tempfile.mkdtemp(prefix=entry["name"] + ".", dir=actual_root)
        argv = command + ["run", model, "--inputs", data_dir, "--outputs", out_dir]
        prefix = "data set %d: " % n if entry["data_sets"] > 1 else ""
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                    stdin=subprocess.DEVNULL, errors="replace")
        except subprocess.TimeoutExpired:
            return "crash", prefix + "timeout after %d s" % timeout, time.time() - started
        if result.returncode < 0:
            import signal

            try:
                name = signal.Signals(-result.returncode).name
            except ValueError:
                name = "signal %d" % -result.returncode
            detail = first_line(result.stderr).replace(cases_dir + os.sep, "")
            return "crash", prefix + "killed by %s%s" % (name, (": " + detail) if detail else ""), \
                time.time() - started
        if result.returncode != 0:
            detail = error_line(result.stderr) or first_line(result.stdout) or "(no message)"
            detail = detail.replace(cases_dir + os.sep, "")
            return "error", prefix + "exit %d: %s" % (result.returncode, detail), time.time() - started
        for k in range(entry["outputs"]):
            expected_path = os.path.join(data_dir, "output_%d.pb" % k)
            actual_path = os.path.join(out_dir, "output_%d.pb" % k)
            if not os.path.exists(actual_path):
                return "fail", prefix + "output_%d.pb not written" % k, time.time() - started
            try:
                actual = read_tensor(actual_path)
            except Exception as error:  # protobuf and numpy_helper raise several types
                return "fail", prefix + "output_%d.pb unreadable: %s" % (k, error), time.time() - started
            reason = compare(k, read_tensor(expected_path), actual, entry["rtol"] or 1e-3, entry["atol"] or 1e-7)
            if reason:
                return "fail", prefix + reason, time.time() - started
        shutil.rmtree(out_dir, ignore_errors=True)
    return "pass", "", time.time() - started


def tool_version(command):
    try:
        result = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=30)
        return first_line(result.stdout) or first_line(result.stderr) or "unknown (exit %d)" % result.returncode
    except (OSError, subprocess.TimeoutExpired) as error:
        return "unknown (%s)" % error


# --------------------------------------------------------------------------- report


def reason_group(status, reason, op):
    """A failure reason without the case-specific parts, to count how many cases share it."""
    if status == "fail":
        text = re.sub(r"^(data set \d+: )?", "", reason)
        text = re.sub(r"\d+ of \d+ values differ.*", "values differ", text)
        text = re.sub(r"\[[\d, ]*\]", "[...]", text)
        return "wrong values (%s): %s" % (op, text)
    text = re.sub(r"^(data set \d+: )?exit \d+: ", "", reason)
    text = re.sub(r"^[\w.-]+ run: ", "", text)
    text = re.sub(r"\S+(\.onnx|test_data_set_\d+):? ", "", text)
    text = re.sub(r"(node) '[^']*'", r"\1", text)
    text = re.sub(r"\[[\d, ]*\]", "[...]", text)
    text = text.split(";")[0]
    return "%s: %s" % (status, text)


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_report(path, info, index, results, not_selected, ops):
    selected = [e for e in index if e["name"] in results]
    counts = collections.Counter(results[e["name"]][0] for e in selected)
    n_sel = len(selected)
    rate = counts["pass"] / n_sel if n_sel else 0.0
    lines = []
    lines.append("# ONNX node-test conformance")
    lines.append("")
    lines.append("Generated by `%s` — do not edit by hand." % info["command_line"])
    lines.append("")
    lines.append("| | |")
    lines.append("|---|---|")
    lines.append("| date | %s |" % info["date"])
    lines.append("| onnx | %s |" % info["onnx"])
    lines.append("| runtime | %s |" % md(info["version"]))
    lines.append("| runner | `%s run MODEL --inputs DIR --outputs DIR` |" % md(" ".join(info["command"])))
    lines.append("| supported ops from | %s (%d ops) |" % (info["ops_source"], len(ops)))
    lines.append("| supported dtypes | %s |" % ", ".join(sorted(SUPPORTED_DTYPES)))
    lines.append("| cases generated | %d |" % len(index))
    lines.append("| selected | %d |" % n_sel)
    lines.append("| passed | %d |" % counts["pass"])
    lines.append("| failed (wrong values) | %d |" % counts["fail"])
    lines.append("| errored (non-zero exit) | %d |" % counts["error"])
    lines.append("| crashed (signal or timeout) | %d |" % counts["crash"])
    lines.append("| pass rate of selected | %.1f%% (threshold %.1f%%) |" % (100 * rate, 100 * info["min_pass_rate"]))
    lines.append("| wall time | %.0f s |" % info["seconds"])
    lines.append("")
    if info.get("warning"):
        lines.append("**Warning:** %s." % info["warning"])
        lines.append("")

    lines.append("## Per op")
    lines.append("")
    lines.append("A case counts for the op it tests (`*_expanded` cases for the op they expand). "
                 "`failed` includes errors and crashes. Ops the runtime supports with no selected case show 0.")
    lines.append("")
    lines.append("| op | selected | passed | failed |")
    lines.append("|---|---:|---:|---:|")
    per_op = collections.defaultdict(lambda: [0, 0])
    for e in selected:
        per_op[e["op"]][0] += 1
        if results[e["name"]][0] == "pass":
            per_op[e["op"]][1] += 1
    for op in ops:
        per_op.setdefault(op, [0, 0])
    for op in sorted(per_op, key=lambda s: (s.lower(), s)):
        sel, passed = per_op[op]
        lines.append("| %s | %d | %d | %d |" % (md(op), sel, passed, sel - passed))
    lines.append("")

    bad = [e for e in selected if results[e["name"]][0] != "pass"]
    lines.append("## Failing selected cases (%d)" % len(bad))
    lines.append("")
    if bad:
        lines.append("| case | result | reason |")
        lines.append("|---|---|---|")
        for e in sorted(bad, key=lambda e: e["name"]):
            status, reason, _ = results[e["name"]]
            lines.append("| %s | %s | %s |" % (e["name"], status, md(reason)))
    else:
        lines.append("None.")
    lines.append("")

    if bad:
        lines.append("### Failures grouped by reason")
        lines.append("")
        lines.append("Reasons with case paths, node names and indices removed.")
        lines.append("")
        lines.append("| reason | cases |")
        lines.append("|---|---:|")
        grouped = collections.Counter(reason_group(*results[e["name"]][:2], e["op"]) for e in bad)
        for reason, count in grouped.most_common():
            lines.append("| %s | %d |" % (md(reason), count))
        lines.append("")

    groups = collections.Counter(not_selected.values())
    lines.append("## Not selected (%d cases)" % sum(groups.values()))
    lines.append("")
    lines.append("Each case is counted once, under its first reason: an op onnx-quant lacks (the first in graph "
                 "order, subgraphs included), else a non-tensor graph input or output, else an unsupported element "
                 "type of a graph input or output (the first, inputs before outputs).")
    lines.append("")
    top = groups.most_common(40)
    lines.append("| reason | cases |")
    lines.append("|---|---:|")
    for reason, count in top:
        lines.append("| %s | %d |" % (md(reason), count))
    rest = groups.most_common()[len(top):]
    if rest:
        lines.append("| %d other reasons | %d |" % (len(rest), sum(c for _, c in rest)))
        lines.append("")
        lines.append("Other reasons: " + ", ".join("%s (%d)" % (r, c) for r, c in rest) + ".")
    lines.append("")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)
    return rate, counts


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "onnx-quant"),
                        help="the onnx-quant executable (default: %(default)s)")
    parser.add_argument("--runner", choices=["binary", "ort"], default="binary",
                        help="'ort' runs the cases with ONNX Runtime instead of the binary, to check the harness")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "conformance"),
                        help="work directory: generated cases and outputs (default: %(default)s)")
    parser.add_argument("--report", default=os.path.join(ROOT, "CONFORMANCE.md"),
                        help="report file (default: %(default)s)")
    parser.add_argument("--min-pass-rate", type=float, default=0.95,
                        help="exit 1 when passed/selected is below this (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run in parallel (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per case (default: %(default)s)")
    parser.add_argument("--filter", metavar="REGEX", help="only cases whose name matches (re.search)")
    parser.add_argument("--all-ops", action="store_true",
                        help="select every case with tensor inputs and outputs, whatever its ops and dtypes "
                             "(with --runner ort: checks the harness against ORT on everything)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the cases even if cached")
    args = parser.parse_args()

    started = time.time()
    out = os.path.abspath(args.out)
    if args.runner == "ort":
        command = [sys.executable, ORT_RUNNER]
    else:
        binary = os.path.abspath(args.binary)
        if not os.access(binary, os.X_OK):
            print("conformance: %s is not an executable (build it with `swift build`)" % binary, file=sys.stderr)
            return 2
        command = [binary]

    cases_dir, index, generated = load_cases(out, args.regenerate)
    print("conformance: %d node cases %s (onnx %s) in %s" % (
        len(index), "generated" if generated else "cached", onnx.__version__, cases_dir), flush=True)

    ops, ops_source, warning = supported_ops([os.path.abspath(args.binary)])
    if warning:
        print("conformance: warning: " + warning, file=sys.stderr, flush=True)

    not_selected = {}
    chosen = []
    for entry in index:
        if args.filter and not re.search(args.filter, entry["name"]):
            continue
        reason = select(entry, ops, args.all_ops)
        if reason:
            not_selected[entry["name"]] = reason
        else:
            chosen.append(entry)
    if args.filter:
        index = [e for e in index if re.search(args.filter, e["name"])]
    print("conformance: %d selected, running with %s (%d jobs)" % (
        len(chosen), "onnxruntime" if args.runner == "ort" else command[0], args.jobs), flush=True)

    actual_root = os.path.join(out, "actual")
    shutil.rmtree(actual_root, ignore_errors=True)
    os.makedirs(actual_root)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_case, command, cases_dir, actual_root, e, args.timeout): e for e in chosen}
        done = 0
        for future in concurrent.futures.as_completed(futures):
            entry = futures[future]
            try:
                results[entry["name"]] = future.result()
            except Exception as error:  # a harness bug must not lose the other results
                results[entry["name"]] = ("error", "harness: %s: %s" % (type(error).__name__, error), 0.0)
            done += 1
            if done % 200 == 0:
                print("conformance: %d/%d run" % (done, len(chosen)), flush=True)

    info = {
        "command_line": " ".join(["python3", os.path.relpath(os.path.abspath(__file__), ROOT)] +
                                 [a if " " not in a else repr(a) for a in sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "onnx": onnx.__version__,
        "version": tool_version(command),
        "command": [os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c for c in command],
        "ops_source": ops_source,
        "warning": warning,
        "min_pass_rate": args.min_pass_rate,
        "seconds": time.time() - started,
    }
    report = os.path.abspath(args.report)
    rate, counts = write_report(report, info, index, results, not_selected, ops)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"info": info,
                   "results": {n: {"status": s, "reason": r, "seconds": round(t, 3)} for n, (s, r, t) in
                               sorted(results.items())},
                   "not_selected": dict(sorted(not_selected.items()))}, f, indent=1)

    op_of = {e["name"]: e["op"] for e in index}
    grouped = collections.Counter(reason_group(s, r, op_of[n]) for n, (s, r, _) in results.items() if s != "pass")
    if grouped:
        print("conformance: top failure reasons (all %d failing cases are listed in %s):" % (
            sum(grouped.values()), report))
        for reason, count in grouped.most_common(15):
            print("  %4d  %s" % (count, reason[:160]))
    print("conformance: %d generated, %d selected, pass rate %.1f%% (%d failed, %d errored, %d crashed); "
          "report %s (%.0f s)" % (len(index), len(chosen), 100 * rate, counts["fail"], counts["error"],
                                  counts["crash"], report, time.time() - started))
    print("conformance: %d passed, %d failed" % (counts["pass"], len(chosen) - counts["pass"]))
    return 0 if rate >= args.min_pass_rate else 1


if __name__ == "__main__":
    sys.exit(main())
