#!/usr/bin/env python3
"""Draws the benchmark suite's chart from its results.json (scripts/bench_suite.py).

Left: median latency per model, grouped bars (onnx-quant int8, ORT int8, onnx-quant float, ORT float),
log scale. Right: onnx-quant int8's latency over ONNX Runtime's int8 and float latency, log scale, with
the 0.8x target drawn. A small PNG (well under 100 KB) for BENCHMARKS.md.

usage: bench_chart.py build/bench/results.json -o docs/bench_suite.png
"""
import argparse
import json
import sys

SHORT = {"ppocr_cls_mobile_v2": "ppocr cls", "kws_dscnn": "kws", "vww_mobilenet_v1_025": "vww"}
SERIES = [("oq_int8", "onnx-quant int8", "#1f6fb4"), ("ort_int8", "ONNX Runtime int8", "#f08a24"),
          ("oq_float", "onnx-quant float", "#8cbbe3"), ("ort_float", "ONNX Runtime float", "#f7c792")]


def draw(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    models = [r for r in results["models"] if not r.get("skip") and r.get("timings")]
    names = [SHORT.get(r["name"], r["name"]) + (" *" if r.get("int8_source") == "ort" else "") for r in models]
    value = lambda r, key: (r["timings"].get(key) or {}).get("median_us")
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]})

    width = 0.2
    for index, (key, label, color) in enumerate(SERIES):
        xs = [i + (index - 1.5) * width for i in range(len(models))]
        ys = [value(r, key) or 0 for r in models]
        bars = left.bar(xs, ys, width, label=label, color=color, edgecolor="#333333", linewidth=0.4)
        for bar, y in zip(bars, ys):
            if y:
                left.annotate("%.0f" % y if y >= 10 else "%.1f" % y, (bar.get_x() + width / 2, y), ha="center",
                              va="bottom", fontsize=6, rotation=90, xytext=(0, 2), textcoords="offset points")
    left.set_yscale("log")
    left.set_ylabel("median latency, microseconds (log)")
    left.set_xticks(range(len(models)))
    left.set_xticklabels(names, fontsize=8)
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
    left.legend(fontsize=7, loc="upper left", ncol=2)
    left.grid(axis="y", which="major", alpha=0.3)
    left.set_ylim(top=left.get_ylim()[1] * 4)
    left.set_title("latency, 1 thread, batch 1", fontsize=9)

    pairs = [("ort_int8", "ours int8 / ORT int8", "#f08a24"), ("ort_float", "ours int8 / ORT float", "#f7c792")]
    width = 0.35
    for index, (key, label, color) in enumerate(pairs):
        xs = [i + (index - 0.5) * width for i in range(len(models))]
        ys = [(value(r, "oq_int8") / value(r, key)) if value(r, "oq_int8") and value(r, key) else 0 for r in models]
        bars = right.bar(xs, ys, width, label=label, color=color, edgecolor="#333333", linewidth=0.4)
        for bar, y in zip(bars, ys):
            if y:
                right.annotate("%.2f" % y, (bar.get_x() + width / 2, y), ha="center", va="bottom", fontsize=6,
                               xytext=(0, 2), textcoords="offset points")
    target = results.get("target_ratio", 0.8)
    right.axhline(target, color="#2a7d2a", linestyle="--", linewidth=1)
    right.annotate("target %.1fx" % target, (0.01, target), xycoords=("axes fraction", "data"), color="#2a7d2a",
                   fontsize=7, ha="left", va="bottom")
    right.axhline(1.0, color="#555555", linewidth=0.6)
    right.set_yscale("log")
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%gx" % v))
    right.set_xticks(range(len(models)))
    right.set_xticklabels(names, fontsize=8)
    right.legend(fontsize=7, loc="upper left")
    right.grid(axis="y", which="major", alpha=0.3)
    low = min([target] + [b.get_height() for b in right.patches if b.get_height() > 0])
    right.set_ylim(bottom=low / 2, top=right.get_ylim()[1] * 3)
    right.set_title("onnx-quant int8 / ONNX Runtime (lower is better)", fontsize=9)

    ctx = results.get("context", {})
    caption = "%s, %s%s\nonnx-quant %s, ONNX Runtime %s" % (
        ctx.get("date", ""), (ctx.get("cpu") or {}).get("model", ""),
        " (%s)" % ", ".join((ctx.get("cpu") or {}).get("flags", [])[-3:]) if (ctx.get("cpu") or {}).get("flags") else "",
        ctx.get("commit", ""), ctx.get("onnxruntime", ""))
    if any(r.get("int8_source") == "ort" for r in models):
        caption += "; * onnx-quant int8 runs ONNX Runtime's quantized model (no `calibrate`)"
    figure.text(0.5, 0.01, caption, ha="center", fontsize=7, color="#444444")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(path, dpi=90, pil_kwargs={"optimize": True})
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results.json from scripts/bench_suite.py")
    parser.add_argument("-o", "--output", required=True, help="PNG to write")
    args = parser.parse_args()
    with open(args.results) as f:
        draw(json.load(f), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
