#!/usr/bin/env python3
"""Counts the guest instructions one inference of the aarch64 board binary executes, under qemu-user.

A stand-in for board latency while no board is at hand that does not depend on the host or its load,
unlike the wall time of emulation: the same binary, model and input give the same count on any host, to
within the noise of one process (tens of thousands of instructions per process, from model loading, the
same for any number of runs; divided by K below). It is not a cycle count: a NEON
multiply-accumulate and a scalar add count one each, and caches and pipelines are not modelled.

Method: a TCG plugin built here (gcc, from the C below, against the plugin API that Debian's qemu-user
exports; Debian ships no plugin files) adds each translation block's instruction count to a counter
every time the block runs (an inline add, exact for blocks that run to their end) and writes the total
at exit. Each model runs as `onnx-run bench MODEL --warmup 1 --runs N` and `... --runs N+K` (the same
seeded input onnx-quant bench uses); (count(N+K) - count(N)) / K is one inference, without process
start, model load and preparation, which cancel. count(N) - (N+1) x per-inference is reported as load.

usage:
  qemu_icount.py --board-binary build/boards/rpi4/onnx-run --model M.onnx [--shape x=1,3,48,192] [--model ...]
  qemu_icount.py --board-binary build/boards/rpi4/onnx-run --suite build/bench/results.json \\
      --models ppocr_cls_mobile_v2,kws_dscnn,vww_mobilenet_v1_025 --markdown build/bench/icount.md
--shape applies to the --model before it. --suite takes the float and int8 models scripts/bench_suite.py
prepared (its results.json).
"""
import argparse
import datetime
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The plugin, against QEMU's plugin API version 1 (QEMU 5.x-8.1; Debian 12 has 7.2). Only the few
# declarations it needs, as in include/qemu/qemu-plugin.h of that API version.
PLUGIN_SOURCE = r"""
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct {
    const char *target_name;
    struct { int min, cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus; int max_vcpus; } system; };
} qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t instructions;
static char out_path[4096];

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &instructions,
                                             qemu_plugin_tb_n_insns(tb));
}

static void on_exit(qemu_plugin_id_t id, void *userdata) {
    FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
    if (f == NULL) return;
    fprintf(f, "%llu\n", (unsigned long long)instructions);
    if (f != stderr) fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0) snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
"""


def log(message):
    print("qemu_icount: " + message, file=sys.stderr, flush=True)


def build_plugin(directory):
    """directory/libicount.so, rebuilt when the source above changes."""
    os.makedirs(directory, exist_ok=True)
    digest = hashlib.sha256(PLUGIN_SOURCE.encode()).hexdigest()[:16]
    library = os.path.join(directory, "libicount-%s.so" % digest)
    if os.path.exists(library):
        return library
    source = os.path.join(directory, "icount.c")
    with open(source, "w") as f:
        f.write(PLUGIN_SOURCE)
    compiler = os.environ.get("CC", "cc")
    result = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-Wall", "-o", library, source],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("qemu_icount: building the plugin with %s failed:\n%s" % (compiler, result.stderr))
    return library


def count(qemu, library, binary, model, shapes, runs, timeout):
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "count")
        command = qemu + ["-plugin", "%s,out=%s" % (library, out), binary, "bench", model, "--warmup", "1",
                          "--runs", str(runs)]
        for name, dims in shapes.items():
            command += ["--shape", "%s=%s" % (name, ",".join(map(str, dims)))]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise RuntimeError("%s exited %d: %s" % (" ".join(command[:2]), result.returncode,
                                                     lines[-1] if lines else ""))
        if not os.path.exists(out):
            raise RuntimeError("the plugin wrote no count (does %s support -plugin?)" % qemu[0])
        with open(out) as f:
            return int(f.read().split()[0])


def measure(args, qemu, library, label, variant, model, shapes):
    started = time.time()
    base = count(qemu, library, args.board_binary, model, shapes, args.base, args.timeout)
    more = count(qemu, library, args.board_binary, model, shapes, args.base + args.extra, args.timeout)
    per = (more - base) / args.extra
    load = base - (args.base + 1) * per
    log("%s %s: %s instructions per inference, %s at load (%.1f s)" % (
        label, variant, "{:,.0f}".format(per), "{:,.0f}".format(load), time.time() - started))
    return {"model": label, "variant": variant, "path": os.path.relpath(model, ROOT), "shapes": shapes,
            "per_inference": per, "load": load, "count_base": base, "count_more": more}


def parse_shape(text):
    name, _, dims = text.partition("=")
    if not name or not dims:
        raise argparse.ArgumentTypeError("--shape takes NAME=d0,d1,..., not %r" % text)
    return name, [int(d) for d in dims.split(",")]


def suite_jobs(path, wanted):
    if not os.path.exists(path):
        raise SystemExit("qemu_icount: no %s: run scripts/bench_suite.py (make bench) first" % path)
    with open(path) as f:
        results = json.load(f)
    jobs = []
    for record in results["models"]:
        if record.get("skip") or (wanted and record["name"] not in wanted):
            continue
        jobs.append((record["name"], "float", os.path.join(ROOT, record["path"]), record.get("shapes", {})))
        if record.get("int8_source") == "onnx-quant":
            jobs.append((record["name"], "int8 (onnx-quant calibrate)", os.path.join(ROOT, record["oq_int8"]), {}))
        jobs.append((record["name"], "int8 (ORT QOperator)", os.path.join(ROOT, record["ort_int8"]), {}))
    return jobs


def board_conf(board):
    values = {}
    path = os.path.join(ROOT, "boards", board + ".conf")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep and not key.startswith("#"):
                    values[key] = value.strip('"')
    return values


def display_path(path):
    relative = os.path.relpath(path, ROOT)
    return path if relative.startswith("..") else relative


def markdown(args, rows):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    qemu_version = subprocess.run([args.qemu, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = args.source or "tree at " + subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                                       text=True, cwd=ROOT).stdout.strip()
    lines = ["Counted %s with %s, -cpu %s; board binary `%s` (%s bytes) at %s; per inference = (count(%d+%d runs) - "
             "count(%d runs)) / %d, after 1 warm-up." % (
                 stamp, qemu_version, args.cpu, display_path(args.board_binary),
                 "{:,}".format(os.path.getsize(args.board_binary)), commit, args.base, args.extra, args.base,
                 args.extra),
             "Command: `%s`" % " ".join(["python3", "scripts/qemu_icount.py"] + [shlex.quote(a) for a in sys.argv[1:]]),
             "",
             "| model | variant | instructions per inference | vs float | load and start-up |",
             "|---|---|---:|---:|---:|"]
    floats = {r["model"]: r["per_inference"] for r in rows if r["variant"] == "float"}
    for r in rows:
        ratio = "%.2fx" % (r["per_inference"] / floats[r["model"]]) if r["variant"] != "float" and floats.get(
            r["model"]) else "-"
        lines.append("| %s | %s | %s | %s | %s |" % (r["model"], r["variant"], "{:,.0f}".format(r["per_inference"]),
                                                    ratio, "{:,.0f}".format(r["load"])))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--board-binary", required=True, help="the aarch64 onnx-run (make board BOARD=rpi4)")
    parser.add_argument("--model", action="append", default=[], help="a model to count (repeatable)")
    parser.add_argument("--shape", action="append", default=[], type=parse_shape,
                        help="NAME=d0,d1,...: a static input shape for the --model before it")
    parser.add_argument("--suite", help="results.json of scripts/bench_suite.py: count its float and int8 models")
    parser.add_argument("--models", help="with --suite: comma-separated model names")
    parser.add_argument("--board", default="rpi4", help="boards/BOARD.conf names qemu and its CPU (default rpi4)")
    parser.add_argument("--qemu", help="qemu-user binary (default from the board profile)")
    parser.add_argument("--cpu", help="qemu -cpu model (default from the board profile)")
    parser.add_argument("--base", type=int, default=2, help="N: timed runs of the shorter count (default 2)")
    parser.add_argument("--extra", type=int, default=20, help="K: more runs in the longer count (default 20)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per qemu process")
    parser.add_argument("--plugin-dir", default=os.path.join(ROOT, "build", "qemu-icount"))
    parser.add_argument("--source", help="what the board binary was built from, for the report "
                                         "(default: this tree's HEAD commit)")
    parser.add_argument("--markdown", help="also write the table here")
    parser.add_argument("--json", help="also write the counts here")
    argv = sys.argv[1:]
    args = parser.parse_args(argv)
    if args.base < 1 or args.extra < 1:
        parser.error("--base and --extra are at least 1")
    # --shape belongs to the --model before it.
    jobs, current = [], None
    tokens = iter(argv)
    for token in tokens:
        key, eq, value = token.partition("=")
        if key in ("--model", "--shape") and not eq:
            value = next(tokens, "")
        if key == "--model":
            current = (os.path.splitext(os.path.basename(value))[0], "as given", os.path.abspath(value), {})
            jobs.append(current)
        elif key == "--shape":
            if current is None:
                parser.error("--shape comes after the --model it belongs to")
            name, dims = parse_shape(value)
            current[3][name] = dims
    if args.suite:
        jobs += suite_jobs(args.suite, set(args.models.split(",")) if args.models else None)
    if not jobs:
        parser.error("nothing to count: give --model or --suite")
    conf = board_conf(args.board)
    args.qemu = args.qemu or conf.get("BOARD_QEMU", "qemu-aarch64")
    args.cpu = args.cpu or conf.get("BOARD_QEMU_CPU", "cortex-a72")
    args.board_binary = os.path.abspath(args.board_binary)
    if not os.access(args.board_binary, os.X_OK):
        parser.error("no board binary at %s (make board BOARD=%s)" % (args.board_binary, args.board))
    library = build_plugin(args.plugin_dir)
    qemu = [args.qemu, "-cpu", args.cpu]
    rows, failures = [], 0
    for label, variant, model, shapes in jobs:
        try:
            rows.append(measure(args, qemu, library, label, variant, model, shapes))
        except (RuntimeError, subprocess.TimeoutExpired) as failure:
            failures += 1
            log("%s %s: %s" % (label, variant, failure))
    text = markdown(args, rows)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
