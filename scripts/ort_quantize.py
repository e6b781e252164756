#!/usr/bin/env python3
"""ONNX Runtime's static int8 quantization of a float model from a calibration file: the reference
that `onnx-quant calibrate` is compared with (accuracy, quantization time, file size).

    ort_quantize.py --model F.onnx --calib calib.npy -o out.onnx [--format qoperator|qdq]
                    [--method minmax|entropy|percentile]

calib.npy holds N samples of the model's single input stacked on axis 0 ([N, ...], one sample per
batch-1 inference, e.g. [200,1,8,8] for a [1,1,8,8] input). The recipe, the one ORT documents:
  1. Fix the input shape to [1, ...sample shape] where the model leaves dimensions open (ppocr's
     N, H and W) so the shapes are static.
  2. If the model's opset is below 13, convert it to 13 with onnx.version_converter. Per-channel
     QDQ needs DequantizeLinear's `axis` (opset 13); left alone, quantize_static rewrites the
     opset number without converting the ops (Softmax's axis semantics change at 13).
  3. onnxruntime.quantization.shape_inference.quant_pre_process with skip_symbolic_shape=True:
     ORT's basic graph optimizations (BatchNormalization folded into Conv, constant folding,
     MatMul+Add to Gemm) and ONNX shape inference. Symbolic inference needs sympy, which
     requirements-dev.txt does not carry, and the shapes are static after step 1.
  4. onnxruntime.quantization.quantize_static with a CalibrationDataReader over the N samples:
     per_channel=True, weights QInt8, activations QUInt8, QOperator format unless --format qdq,
     CalibrationMethod MinMax unless --method says otherwise, all other options at their defaults.
     With those defaults (ORT 1.32), --method entropy makes the same model as minmax: its
     calibrator gets num_bins = num_quantized_bins = 128, so the KL search has only the full
     range to choose from, and quantize_static does not pass other bin counts through.
     percentile keeps 99.999% of each histogram (2048 bins).

Prints one JSON object on stdout (ORT's own progress messages go to stderr): the times of steps 1-2, 3 and 4 separately and in total (wall
clock, seconds), the float and quantized file sizes in bytes, the settings and ORT's version.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime
from onnx import version_converter
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

FORMATS = {"qoperator": QuantFormat.QOperator, "qdq": QuantFormat.QDQ}
METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
           "percentile": CalibrationMethod.Percentile}


class SampleReader(CalibrationDataReader):
    """Feeds the calibration samples one at a time, each as a batch of one."""

    def __init__(self, input_name, samples):
        self.input_name = input_name
        self.samples = samples
        self.index = 0

    def get_next(self):
        if self.index >= len(self.samples):
            return None
        sample = self.samples[self.index:self.index + 1]
        self.index += 1
        return {self.input_name: sample}

    def rewind(self):
        self.index = 0


def model_input(model):
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        sys.exit("ort_quantize.py: the model has %d inputs (%s); this script takes models with one"
                 % (len(inputs), ", ".join(i.name for i in inputs)))
    return inputs[0]


def static_float_model(model, sample_shape):
    """Steps 1 and 2: the model with its input fixed to [1, *sample_shape] and opset >= 13."""
    notes = []
    graph_input = model_input(model)
    dims = graph_input.type.tensor_type.shape.dim
    want = [1] + list(sample_shape)
    if len(dims) != len(want):
        sys.exit("ort_quantize.py: input %s has rank %d, calibration samples make %s"
                 % (graph_input.name, len(dims), want))
    before = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else (d.dim_param or "?") for d in dims]
    for dim, value in zip(dims, want):
        if dim.HasField("dim_value") and dim.dim_value > 0:
            if dim.dim_value != value:
                sys.exit("ort_quantize.py: input %s is %s, calibration samples make %s" % (graph_input.name, before, want))
            continue
        dim.Clear()
        dim.dim_value = value
    if before != want:
        notes.append("input %s %s fixed to %s" % (graph_input.name, before, want))
        # Stale value_info and output shapes from the open dimensions would fight shape inference.
        del model.graph.value_info[:]
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        model = version_converter.convert_version(model, 13)
        notes.append("opset %d converted to 13 with onnx.version_converter" % opset)
    return model, graph_input.name, notes


def main():
    parser = argparse.ArgumentParser(description="ONNX Runtime static int8 quantization (quant_pre_process + quantize_static).")
    parser.add_argument("--model", required=True, help="float ONNX model")
    parser.add_argument("--calib", required=True, help=".npy with calibration samples [N, ...]")
    parser.add_argument("-o", "--output", required=True, help="quantized model to write")
    parser.add_argument("--format", choices=sorted(FORMATS), default="qoperator")
    parser.add_argument("--method", choices=sorted(METHODS), default="minmax")
    parser.add_argument("--samples", type=int, help="use only the first N calibration samples")
    parser.add_argument("--keep-preprocessed", metavar="PATH",
                        help="also keep the pre-processed float model (the input of quantize_static) here")
    args = parser.parse_args()

    calibration = np.load(args.calib)
    if calibration.dtype != np.float32:
        calibration = calibration.astype(np.float32)
    if args.samples:
        calibration = calibration[:args.samples]

    start = time.perf_counter()
    model, input_name, notes = static_float_model(onnx.load(args.model), calibration.shape[1:])
    prepare_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as work:
        static_path = os.path.join(work, "static.onnx")
        onnx.save(model, static_path)
        pre_path = args.keep_preprocessed or os.path.join(work, "preprocessed.onnx")
        t = time.perf_counter()
        quant_pre_process(static_path, pre_path, skip_symbolic_shape=True)
        preprocess_seconds = time.perf_counter() - t
        notes.append("quant_pre_process(skip_symbolic_shape=True)")
        t = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # the histogram calibrators print progress
            quantize_static(pre_path, args.output, SampleReader(input_name, calibration),
                            quant_format=FORMATS[args.format], per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=METHODS[args.method])
        quantize_seconds = time.perf_counter() - t
    total_seconds = time.perf_counter() - start

    print(json.dumps({
        "model": args.model,
        "output": args.output,
        "format": args.format,
        "method": args.method,
        "per_channel": True,
        "activations": "QUInt8",
        "weights": "QInt8",
        "calibration_samples": int(len(calibration)),
        "prepare_seconds": round(prepare_seconds, 4),
        "preprocess_seconds": round(preprocess_seconds, 4),
        "quantize_seconds": round(quantize_seconds, 4),
        "total_seconds": round(total_seconds, 4),
        "float_bytes": os.path.getsize(args.model),
        "output_bytes": os.path.getsize(args.output),
        "onnxruntime": onnxruntime.__version__,
        "notes": notes,
    }, indent=1))


if __name__ == "__main__":
    main()
