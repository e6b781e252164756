#!/usr/bin/env python3
"""Voice-activity example check: Silero VAD over a known recording, run as a sensor loop.

Runs

    onnx-quant stream MODEL --format s16le --rate 16000 --window 512 --hop 512 --context 64
                      --feed stateN=state --print output --emit csv < recording.s16le

(or, with --runner ort, the same loop emulated with ONNX Runtime), reads the per-window speech
probability and compares it with quantize/examples/vad/segments.csv:

- a window is speech when p >= --threshold (0.5);
- a window's ground truth is speech when at least half of its 512 samples lie in a speech segment;
- windows within --tolerance windows (2, i.e. 64 ms) of a speech/non-speech boundary are not judged
  (VAD onset and offset latency); a window belongs to the segment holding its centre sample.

One check per segment: it passes when at least --min-agreement (95 %) of its judged windows agree
(for the noise segment that is the same as at most 5 % of its windows flagged as speech). The run
also fails when the overall agreement over all judged windows is below --min-agreement or more
than --max-noise-fp of the noise windows are flagged. Prints `vad: N passed, M failed`; exit 1 on
failure, 2 when the runner itself fails.
"""
import argparse
import csv
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXAMPLE = os.path.join(REPO, "quantize", "examples", "vad")

RATE = 16000
WINDOW = 512
HOP = 512
CONTEXT = 64


# --------------------------------------------------------------------------------------------
# Recording and ground truth


def load_segments(path):
    segments = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            segments.append({"name": row["segment"], "kind": row["kind"],
                             "start": int(row["start_sample"]), "end": int(row["end_sample"])})
    for a, b in zip(segments, segments[1:]):
        if a["end"] != b["start"]:
            raise SystemExit("segments.csv: %s ends at %d but %s starts at %d"
                             % (a["name"], a["end"], b["name"], b["start"]))
    return segments


def verify_recording(raw, sha_file, segments):
    data = open(raw, "rb").read()
    if os.path.exists(sha_file):
        want = open(sha_file).read().split()[0]
        got = hashlib.sha256(data).hexdigest()
        if got != want:
            raise SystemExit("%s: sha256 %s does not match %s (%s); regenerate with make_recording.sh"
                             % (raw, got, os.path.basename(sha_file), want))
    samples = len(data) // 2
    if segments[-1]["end"] != samples or segments[0]["start"] != 0:
        raise SystemExit("segments.csv covers [%d, %d) but %s has %d samples"
                         % (segments[0]["start"], segments[-1]["end"], raw, samples))
    return data


def ground_truth(segments, windows):
    """Per window: (is_speech, segment index holding the centre sample, in boundary margin)."""
    speech_spans = [(s["start"], s["end"]) for s in segments if s["kind"] == "speech"]
    return [window_truth(k, segments, speech_spans) for k in range(windows)]


def window_truth(k, segments, speech_spans):
    start, end = k * HOP, k * HOP + WINDOW
    inside = sum(max(0, min(end, b) - max(start, a)) for a, b in speech_spans)
    centre = start + WINDOW // 2
    seg = next(i for i, s in enumerate(segments) if s["start"] <= centre < s["end"]) \
        if centre < segments[-1]["end"] else len(segments) - 1
    return inside * 2 >= WINDOW, seg


def speech_boundaries(segments):
    """Sample positions where the recording changes between speech and non-speech."""
    out = []
    for a, b in zip(segments, segments[1:]):
        if (a["kind"] == "speech") != (b["kind"] == "speech"):
            out.append(b["start"])
    return out


def in_margin(k, boundaries, tolerance):
    start, end = k * HOP, k * HOP + WINDOW
    reach = tolerance * HOP
    return any(start < b + reach and end > b - reach for b in boundaries)


# --------------------------------------------------------------------------------------------
# Runners


def stream_command(args):
    prefix = shlex.split(args.prefix) if args.prefix else []
    return prefix + [args.binary or "onnx-quant", "stream", args.model, "--format", "s16le", "--rate", str(RATE),
                     "--window", str(WINDOW), "--hop", str(HOP), "--context", str(CONTEXT),
                     "--feed", "stateN=state", "--print", "output", "--emit", args.emit]


def run_onnx_quant(args, raw_path):
    cmd = stream_command(args)
    with open(raw_path, "rb") as stdin:
        result = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, timeout=args.timeout)
    shown = " ".join(shlex.quote(c) for c in cmd) + " < " + shlex.quote(os.path.relpath(raw_path))
    if result.returncode != 0:
        print("runner failed (exit %d): %s\n%s" % (result.returncode, shown, result.stderr.strip()),
              file=sys.stderr)
        sys.exit(2)
    rows = parse_jsonl(result.stdout) if args.emit == "jsonl" else parse_csv(result.stdout)
    return shown, rows, result.stdout


def parse_csv(text):
    """Rows of the stream command's CSV: index, timestamp, output value(s), latency_us.

    A header line is used when present (the probability column is the one named `output`,
    `output[0]`, `output_0` or starting with `output`, latency the one containing `latency`);
    without one, the first column is the index, the last the latency and the one before it p."""
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    if not lines:
        return []
    reader = list(csv.reader(lines))
    header = None
    if not is_number(reader[0][0]):
        header, reader = [h.strip() for h in reader[0]], reader[1:]
    if header:
        exact = ("output", "output[0]", "output_0", "output.0", "output[0,0]", "output[0][0]")
        p_col = pick(header, lambda h: h in exact)
        if p_col is None:
            p_col = pick(header, lambda h: h.startswith("output"))
        if p_col is None:
            raise SystemExit("no output column in the CSV header: %s" % ",".join(header))
        lat_col = pick(header, lambda h: "latency" in h)
        idx_col = pick(header, lambda h: h in ("index", "window", "i"), default=0)
    else:
        idx_col, lat_col, p_col = 0, len(reader[0]) - 1, len(reader[0]) - 2
    rows = []
    for r in reader:
        rows.append({"index": int(float(r[idx_col])), "p": float(r[p_col]),
                     "latency_us": float(r[lat_col]) if lat_col is not None else None})
    return rows


def parse_jsonl(text):
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        out = obj.get("outputs", obj).get("output", obj.get("output"))
        while isinstance(out, (list, tuple)):
            out = out[0]
        if isinstance(out, dict):  # {"shape": ..., "data": [...]}
            out = out.get("data", out.get("values"))
            while isinstance(out, (list, tuple)):
                out = out[0]
        rows.append({"index": int(obj.get("window", obj.get("index", len(rows)))), "p": float(out),
                     "latency_us": obj.get("latency_us")})
    return rows


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def pick(header, pred, default=None):
    for i, h in enumerate(header):
        if pred(h.lower()):
            return i
    return default


def run_ort(args, data):
    """The stream loop in ONNX Runtime: 512 new samples per window after 64 samples of context (zeros
    before the first window), s16 scaled by 1/32768, state fed back from stateN."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    padded = np.concatenate([np.zeros(CONTEXT, np.float32), samples])
    state = np.zeros((2, 1, 128), np.float32)
    rows = []
    lines = ["index,timestamp,output,latency_us"]
    for k in range((len(samples) - WINDOW) // HOP + 1):
        x = padded[k * HOP: k * HOP + CONTEXT + WINDOW][None, :]
        t0 = time.perf_counter_ns()
        p, state = session.run(["output", "stateN"], {"input": x, "state": state})
        latency = (time.perf_counter_ns() - t0) / 1000.0
        rows.append({"index": k, "p": float(p.reshape(-1)[0]), "latency_us": latency})
        lines.append("%d,%.6f,%.6f,%.1f" % (k, k * HOP / RATE, rows[-1]["p"], latency))
    shown = "ONNX Runtime %s emulation of: %s" % (
        ort.__version__, " ".join(shlex.quote(c) for c in stream_command(args)))
    return shown, rows, "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="onnx-quant (or a board's onnx-run) binary; needed for --runner onnx-quant")
    parser.add_argument("--model", default=os.path.join(os.environ.get("SHARED_MODELS", "../shared/models"),
                                                       "silero_vad_16k_stateful.onnx"))
    parser.add_argument("--runner", choices=["onnx-quant", "ort"], default="onnx-quant")
    parser.add_argument("--prefix", default="", help="command prefix, e.g. 'qemu-aarch64 -cpu cortex-a72'")
    parser.add_argument("--emit", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--example", default=EXAMPLE, help="folder with recording.s16le and segments.csv")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--tolerance", type=int, default=2, help="windows not judged at each side of a boundary")
    parser.add_argument("--min-agreement", type=float, default=0.95)
    parser.add_argument("--max-noise-fp", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--dump", help="write the per-window table (index,p,truth,segment,judged) to this CSV")
    parser.add_argument("--raw-output", help="write the runner's stdout to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every window")
    args = parser.parse_args()
    if args.runner == "onnx-quant" and not args.binary:
        parser.error("--binary is required with --runner onnx-quant")

    if not os.path.exists(args.model):
        parser.error("no model at %s (set --model or SHARED_MODELS)" % args.model)
    raw_path = os.path.join(args.example, "recording.s16le")
    segments = load_segments(os.path.join(args.example, "segments.csv"))
    data = verify_recording(raw_path, raw_path + ".sha256", segments)
    windows = (len(data) // 2 - WINDOW) // HOP + 1

    if args.runner == "ort":
        shown, rows, stdout = run_ort(args, data)
    else:
        shown, rows, stdout = run_onnx_quant(args, raw_path)
    if args.raw_output:
        with open(args.raw_output, "w") as f:
            f.write(stdout)
    print("command: " + shown)

    if len(rows) != windows:
        print("expected %d windows, the runner printed %d" % (windows, len(rows)), file=sys.stderr)
        if len(rows) < windows - 1:
            sys.exit(2)
        # one window more or fewer at the end (a trailing partial window) is tolerated
    if [r["index"] for r in rows] != list(range(rows[0]["index"], rows[0]["index"] + len(rows))):
        print("window indices are not consecutive", file=sys.stderr)
        sys.exit(2)
    base = rows[0]["index"]
    truth = ground_truth(segments, windows)
    boundaries = speech_boundaries(segments)

    per_seg = [{"judged": 0, "agree": 0, "flagged": 0, "windows": 0, "p": []} for _ in segments]
    table = []
    for r in rows:
        k = r["index"] - base
        if k >= windows:
            continue
        is_speech, seg = truth[k]
        said = r["p"] >= args.threshold
        margin = in_margin(k, boundaries, args.tolerance)
        s = per_seg[seg]
        s["windows"] += 1
        s["p"].append(r["p"])
        if not margin:
            s["judged"] += 1
            s["agree"] += said == is_speech
            s["flagged"] += said
        table.append((k, r["p"], is_speech, segments[seg]["name"], not margin, said == is_speech))
        if args.verbose:
            print("%4d %6.3fs p=%.3f truth=%-6s %s%s" % (k, k * HOP / RATE, r["p"],
                  "speech" if is_speech else "-", segments[seg]["name"],
                  "" if not margin else " (margin)") + ("" if said == is_speech or margin else "  <-- disagrees"))
    if args.dump:
        with open(args.dump, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["index", "p", "truth_speech", "segment", "judged", "agrees"])
            for row in table:
                w.writerow([row[0], "%.6f" % row[1], int(row[2]), row[3], int(row[4]), int(row[5])])

    # Onset/offset latency of each speech segment, in windows: first window at or after the segment's
    # first full window whose p crosses the threshold, and first window after the segment's end below it.
    said = {k: (r["p"] >= args.threshold) for k, r in ((r["index"] - base, r) for r in rows)}

    print("%-10s %-8s %9s %7s %7s %9s %7s  %s" % ("segment", "kind", "samples", "windows", "judged",
                                               "agree", "mean p", "notes"))
    passed = failed = 0
    judged_total = agree_total = 0
    noise_judged = noise_flagged = 0
    for seg, s in zip(segments, per_seg):
        frac = s["agree"] / s["judged"] if s["judged"] else 1.0
        judged_total += s["judged"]
        agree_total += s["agree"]
        notes = []
        if seg["kind"] == "noise":
            noise_judged += s["judged"]
            noise_flagged += s["flagged"]
            notes.append("%d/%d flagged as speech" % (s["flagged"], s["judged"]))
        if seg["kind"] == "speech":
            first = -(-seg["start"] // HOP)
            onset = next((k - first for k in range(first, windows) if said.get(k)), None)
            last = (seg["end"] - 1) // HOP
            offset = next((k - last for k in range(last + 1, windows) if not said.get(k)), None)
            notes.append("onset +%s, offset +%s windows" % (onset, offset))
        ok = frac >= args.min_agreement
        passed += ok
        failed += not ok
        print("%-10s %-8s %9s %7d %7d %8.1f%% %7.3f  %s%s" % (
            seg["name"], seg["kind"], "%d-%d" % (seg["start"], seg["end"]), s["windows"], s["judged"],
            100 * frac, statistics.fmean(s["p"]) if s["p"] else float("nan"), "; ".join(notes),
            "" if ok else "  FAIL"))

    overall = agree_total / judged_total if judged_total else 0.0
    noise_fp = noise_flagged / noise_judged if noise_judged else 0.0
    latencies = [r["latency_us"] for r in rows if r.get("latency_us") is not None]
    print("overall: %d/%d judged windows agree (%.1f%%, need >= %.0f%%); %d windows in boundary margins"
          % (agree_total, judged_total, 100 * overall, 100 * args.min_agreement, windows - judged_total))
    print("noise: %d/%d windows flagged as speech (%.1f%%, allowed <= %.0f%%)"
          % (noise_flagged, noise_judged, 100 * noise_fp, 100 * args.max_noise_fp))
    if latencies:
        print("latency: mean %.1f us, median %.1f us, max %.1f us per window (%d windows, %.1f ms of audio each)"
              % (statistics.fmean(latencies), statistics.median(latencies), max(latencies), len(latencies),
                 1000.0 * HOP / RATE))
    else:
        print("latency: no latency column in the output")
    ok = failed == 0 and overall >= args.min_agreement and noise_fp <= args.max_noise_fp
    print("vad: %d passed, %d failed" % (passed, failed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
