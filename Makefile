# onnx-quant: build, test and demo targets. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what they need first (`make deps`).

SHELL := /bin/bash
SHARED_MODELS ?= ../shared/models
VENV := .venv
PYTHON := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := protobuf-c-compiler libprotobuf-c-dev libc6-dev-arm64-cross fonts-dejavu-core fonts-dejavu-extra
DEBUG_BIN := .build/debug/onnx-quant
RELEASE_BIN := .build/release/onnx-quant
DEMO_MODEL ?= $(SHARED_MODELS)/ppocr_cls_mobile_v2.onnx

# Release builds use the host's vector units: Swift has no run-time CPU dispatch, and x86-64's
# baseline is SSE2. On an x86-64 host with AVX2 and FMA the float kernels take 16-wide vectors
# and fused multiply-adds (the binary then needs such a CPU). AArch64 gets NEON and FMA by default.
HOST_ARCH := $(shell uname -m)
# A host with AVX-512 VNNI (Ice Lake server and later, Zen 4 and later) gets 512-bit vectors: the int8
# kernels' widening multiply-adds become vpdpwssd on 16 int32 lanes. Targeting icelake-server keeps
# to instructions every such CPU has.
HOST_AVX2_FMA := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo yes)
HOST_AVX512_VNNI := $(shell grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo 2>/dev/null && grep -qw avx512vl /proc/cpuinfo 2>/dev/null && echo yes)
ifeq ($(HOST_ARCH)-$(HOST_AVX512_VNNI),x86_64-yes)
RELEASE_FLAGS ?= -Xswiftc -target-cpu -Xswiftc icelake-server -Xswiftc -DONNXQ_SIMD16 -Xswiftc -DONNXQ_FMA
else ifeq ($(HOST_ARCH)-$(HOST_AVX2_FMA),x86_64-yes)
RELEASE_FLAGS ?= -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DONNXQ_SIMD16 -Xswiftc -DONNXQ_FMA
endif

.PHONY: calibrate-interop bench-float board-icount board-kernel-check ppocr-data ppocr-recipe deps system-deps build build-debug test unit-test roundtrip conformance real-models bench gemm-bench interop interop-bench vad board board-test deploy embedded-check check-proto proto demo format clean

deps: system-deps $(VENV)/.installed

# apt-get only when something is missing, so repeated runs cost nothing.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

build: system-deps
	swift build -c release $(RELEASE_FLAGS)

build-debug: system-deps
	swift build

# Regenerates the protobuf-c code from proto/onnx.proto.
proto: system-deps
	protoc-c --proto_path=proto --c_out=build/proto proto/onnx.proto 2>/dev/null || \
	  (mkdir -p build/proto && protoc-c --proto_path=proto --c_out=build/proto proto/onnx.proto)
	cp build/proto/onnx.pb-c.c Sources/CONNXProto/onnx.pb-c.c
	cp build/proto/onnx.pb-c.h Sources/CONNXProto/include/onnx.pb-c.h

# Fails when the committed generated C is not what protoc-c makes of proto/onnx.proto today.
check-proto: system-deps
	@mkdir -p build/proto-check
	@protoc-c --proto_path=proto --c_out=build/proto-check proto/onnx.proto
	@diff -q build/proto-check/onnx.pb-c.c Sources/CONNXProto/onnx.pb-c.c >/dev/null && \
	 diff -q build/proto-check/onnx.pb-c.h Sources/CONNXProto/include/onnx.pb-c.h >/dev/null || \
	 { echo "Sources/CONNXProto is stale: run 'make proto' and commit"; exit 1; }
	@echo "check-proto: generated C matches proto/onnx.proto"

unit-test: system-deps
	@mkdir -p build
	swift test 2>&1 | tee build/unit-test.log; exit $${PIPESTATUS[0]}

roundtrip: deps build-debug
	$(PYTHON) scripts/roundtrip.py --binary $(DEBUG_BIN) --shared $(SHARED_MODELS) --out build/roundtrip

# The runtime core must compile as Embedded Swift for the boards' bare target.
embedded-check: system-deps
	scripts/embedded-build.sh aarch64-none-none-elf build/embedded/aarch64

# ONNX's own node tests, generated from the onnx wheel, run through `onnx-quant run`.
conformance: deps build-debug
	$(PYTHON) scripts/conformance.py --binary $(DEBUG_BIN) --out build/conformance --report CONFORMANCE.md

# The real models in ../shared/models against ONNX Runtime on random inputs.
real-models: deps build-debug
	$(PYTHON) scripts/real_models.py --binary $(DEBUG_BIN) --shared $(SHARED_MODELS)

# onnx-quant beside ONNX Runtime, one run, single thread (a release build).
# onnx-quant int8/float beside ONNX Runtime int8/float (digits, ppocr cls, MLPerf Tiny, ResNet-18), one run,
# single thread, release build; writes build/bench/bench.md, results.json and the chart.
bench: deps build
	$(PYTHON) scripts/bench_suite.py --binary $(RELEASE_BIN) --shared $(SHARED_MODELS) --out build/bench \
	  --markdown build/bench/bench.md --chart build/bench/bench_suite.png
	@echo "wrote build/bench/bench.md; record the table in BENCHMARKS.md with the date"

# The float-only comparison (includes silero VAD).
bench-float: deps build
	$(PYTHON) scripts/bench_vs_ort.py --binary $(RELEASE_BIN) --shared $(SHARED_MODELS) --markdown build/bench-float.md

# Guest instructions per inference of the board binary under qemu (run `make bench` first).
board-icount: board
	$(PYTHON) scripts/qemu_icount.py --board-binary build/boards/$(BOARD)/onnx-run --board $(BOARD) \
	  --suite build/bench/results.json --models ppocr_cls_mobile_v2,kws_dscnn,vww_mobilenet_v1_025 \
	  --markdown build/bench/icount.md

# An int8 256x256x256 GEMM (a 1x1 QLinearConv) in GOPS beside the core's peak (release build).
gemm-bench: deps build
	$(PYTHON) scripts/gemm_bench.py --binary $(RELEASE_BIN)

# ORT-quantized models (QOperator and QDQ) against ONNX Runtime, tensor by tensor (no timing: the
# debug build is for correctness; `make interop-bench` times a release build).
interop: deps build-debug
	$(PYTHON) scripts/interop.py --binary $(DEBUG_BIN) --shared $(SHARED_MODELS) --out build/interop \
	  --report build/interop/INTEROP.md --no-bench

# The same, with onnx-quant's latency (release build) beside ONNX Runtime's.
interop-bench: deps build-debug build
	$(PYTHON) scripts/interop.py --binary $(DEBUG_BIN) --bench-binary $(RELEASE_BIN) --shared $(SHARED_MODELS) \
	  --out build/interop --report build/interop/INTEROP.md

# The static board binary: build/boards/$(BOARD)/onnx-run (boards/$(BOARD).conf).
BOARD ?= rpi4
board: system-deps
	boards/deps.sh $(BOARD)
	boards/build.sh $(BOARD)

# The board binary under qemu-user against the host build: conformance cases, shared models, int8 models.
board-test: board conformance
	@. boards/$(BOARD).conf; cp $(DEBUG_BIN) build/onnx-quant-host; \
	$(PYTHON) scripts/board_test.py --host build/onnx-quant-host --board build/boards/$(BOARD)/onnx-run \
	  --qemu "$$BOARD_QEMU" --cpu "$$BOARD_QEMU_CPU" --shared $(SHARED_MODELS)

# The aarch64 SDOT micro-kernel of the channels-last convolution against a scalar reference on random
# shapes under qemu, built as for a Cortex-A72 board (SDOT only under its target attribute): run on a
# Cortex-A76 it must find the dot product and match; on a Cortex-A72 it must find none.
board-kernel-check: system-deps
	boards/deps.sh rpi4
	@mkdir -p build/kernel-check
	aarch64-linux-gnu-gcc -mcpu=cortex-a72 -O2 -Wall -static -I Sources/CSupport/include \
	  Tests/CSupportChecks/nhwc_s8s8_check.c Sources/CSupport/csupport_int8_nhwc_arm.c \
	  Sources/CSupport/csupport_int8.c -o build/kernel-check/nhwc_s8s8_check
	qemu-aarch64 -cpu cortex-a76 build/kernel-check/nhwc_s8s8_check 2
	qemu-aarch64 -cpu cortex-a72 build/kernel-check/nhwc_s8s8_check 0

# Copies the board binary and a model to a board over ssh and runs a smoke test there.
DEPLOY_MODEL ?= $(SHARED_MODELS)/silero_vad_16k_stateful.onnx
deploy: board
	@test -n "$(HOST)" || { echo "usage: make deploy BOARD=rpi4 HOST=user@host [DEPLOY_MODEL=model.onnx]"; exit 2; }
	ssh $(HOST) mkdir -p onnx-quant
	scp build/boards/$(BOARD)/onnx-run $(DEPLOY_MODEL) $(HOST):onnx-quant/
	ssh $(HOST) "cd onnx-quant && ./onnx-run inspect $(notdir $(DEPLOY_MODEL)) && ./onnx-run bench $(notdir $(DEPLOY_MODEL)) --runs 50"

# The voice-activity example: the Silero VAD streamed over a recording with known speech segments.
vad: deps build-debug
	$(PYTHON) scripts/vad_check.py --binary $(DEBUG_BIN) --model $(SHARED_MODELS)/silero_vad_16k_stateful.onnx

test: deps check-proto
	@mkdir -p build
	$(MAKE) embedded-check
	$(MAKE) unit-test
	$(MAKE) roundtrip
	$(MAKE) conformance
	$(MAKE) real-models
	$(MAKE) interop
	$(MAKE) calibrate-interop
	$(MAKE) vad
	$(MAKE) board-test BOARD=rpi4
	$(MAKE) board-kernel-check
	$(MAKE) board-test BOARD=rpi5

# Models written by `onnx-quant calibrate` (QOperator and QDQ; the default method and entropy) through
# onnx.checker and against ONNX Runtime tensor by tensor; the debug build runs them.
calibrate-interop: deps build build-debug ppocr-data
	$(PYTHON) scripts/calibrate_interop.py --binary $(RELEASE_BIN) --debug-binary $(DEBUG_BIN) \
	  --shared $(SHARED_MODELS) --out build/calibrate-interop --methods default,entropy --require-ppocr \
	  --report build/calibrate-interop/CALIBRATE_INTEROP.md

# The quantizer's main job on the shipped digits example: calibrate, evaluate float and int8 top-1,
# benchmark both, print a table.
demo: deps build
	$(PYTHON) scripts/demo.py --binary $(RELEASE_BIN)

# The ppocr recipe's rendered calibration and test sets (generated, not committed: ~50 MB).
build/ppocr/calib.npy: quantize/examples/ppocr/render.py | deps
	$(PYTHON) quantize/examples/ppocr/render.py --out build/ppocr

ppocr-data: build/ppocr/calib.npy

# The ppocr text-orientation classifier quantized from rendered text lines, float and int8 top-1.
ppocr-recipe: deps build ppocr-data
	$(RELEASE_BIN) calibrate $(DEMO_MODEL) --data build/ppocr/calib.npy -o build/ppocr/ppocr_int8.onnx \
	  --report build/ppocr/report.json --force
	$(RELEASE_BIN) eval $(DEMO_MODEL) --inputs build/ppocr/test_inputs.npy --labels build/ppocr/test_labels.npy
	$(RELEASE_BIN) eval build/ppocr/ppocr_int8.onnx --inputs build/ppocr/test_inputs.npy --labels build/ppocr/test_labels.npy

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build build
