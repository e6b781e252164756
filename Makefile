# onnx-quant: build, test and demo targets. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what they need first (`make deps`).

SHELL := /bin/bash
SHARED_MODELS ?= ../shared/models
VENV := .venv
PYTHON := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := protobuf-c-compiler libprotobuf-c-dev
DEBUG_BIN := .build/debug/onnx-quant
RELEASE_BIN := .build/release/onnx-quant
DEMO_MODEL ?= $(SHARED_MODELS)/ppocr_cls_mobile_v2.onnx

.PHONY: deps system-deps build build-debug test unit-test roundtrip check-proto proto demo format clean

deps: system-deps $(VENV)/.installed

# apt-get only when something is missing, so repeated runs cost nothing.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

build: system-deps
	swift build -c release

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

test: deps check-proto
	@mkdir -p build
	$(MAKE) unit-test
	$(MAKE) roundtrip

demo: build
	$(RELEASE_BIN) inspect $(DEMO_MODEL)
	@mkdir -p build/demo
	$(RELEASE_BIN) resave $(DEMO_MODEL) -o build/demo/resaved.onnx --force
	$(RELEASE_BIN) inspect build/demo/resaved.onnx --json

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build build
