"""Model preparation for scripts/interop.py: fixed-shape float models, ONNX Runtime's static
quantization in QOperator and QDQ format, calibration and held-out test inputs, and a cache.

Recipe (the same for every model):
  1. Fix the input shape (batch 1; ppocr's symbolic H and W to 48x192) in a copy of the model.
  2. If the model's opset is below 13, convert it to 13 with onnx.version_converter: per-channel
     QDQ needs DequantizeLinear's `axis`, which opset 11 lacks (ppocr is opset 11).
  3. onnxruntime.quantization.shape_inference.quant_pre_process with skip_symbolic_shape=True
     (the shapes are static, and symbolic inference needs sympy, which requirements-dev.txt does
     not carry): ONNX Runtime's basic graph optimizations (BatchNormalization folded into Conv,
     constant folding, MatMul+Add to Gemm) and ONNX shape inference, as ORT's docs recommend.
  4. onnxruntime.quantization.quantize_static: per_channel=True, weights QInt8, activations
     QUInt8, CalibrationMethod.MinMax, other options at their defaults, once with
     QuantFormat.QOperator and once with QuantFormat.QDQ, from the same 16 calibration samples.

The quantized models are cached under OUT/models (with MODEL.float.onnx, the pre-processed float
model) beside a stamp per model recording the onnx, onnxruntime and numpy versions, the recipe
version and the hashes of the source model and calibration file; any change regenerates them. The
test inputs go to OUT/inputs/MODEL/test_K/INPUT.npy on every run.
"""
import hashlib
import json
import os
import tempfile

import numpy as np
import onnx
import onnxruntime
from onnx import version_converter

RECIPE_VERSION = 1
CALIBRATION_SAMPLES = 16
TEST_SAMPLES = 4
FORMATS = ("QOperator", "QDQ")


class ModelSpec:
    def __init__(self, name, path, input_name, shape, calibration_file=None):
        self.name = name
        self.path = path
        self.input_name = input_name
        self.shape = shape
        self.calibration_file = calibration_file


def model_specs(shared):
    tiny = os.path.join(shared, "mlperf-tiny")
    return [
        ModelSpec("ppocr_cls_mobile_v2", os.path.join(shared, "ppocr_cls_mobile_v2.onnx"), "x", [1, 3, 48, 192]),
        ModelSpec("kws_dscnn", os.path.join(tiny, "kws_dscnn.onnx"), "input_1", [1, 49, 10, 1],
                  os.path.join(tiny, "kws_calib.npy")),
        ModelSpec("vww_mobilenet_v1_025", os.path.join(tiny, "vww_mobilenet_v1_025.onnx"), "input", [1, 96, 96, 3],
                  os.path.join(tiny, "vww_calib.npy")),
    ]


def smooth_images(seed, count, shape):
    """Smooth random images in [-1, 1]: a few octaves of bilinearly upsampled noise per channel,
    normalised per image so each spans 70-100% of [-1, 1] (ppocr takes pixels scaled to about -1..1)."""
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    images = []
    for _ in range(count):
        image = np.zeros((c, h, w), np.float64)
        for cells, weight in ((3, 1.0), (6, 0.5), (12, 0.25), (24, 0.125)):
            gh, gw = max(2, h * cells // w + 1), cells + 1
            grid = rng.standard_normal((c, gh, gw))
            image += weight * _bilinear(grid, h, w)
        image -= image.mean()
        image /= np.abs(image).max()
        image *= rng.uniform(0.7, 1.0)
        images.append(np.clip(image, -1, 1).astype(np.float32).reshape(n, c, h, w))
    return images


def _bilinear(grid, h, w):
    c, gh, gw = grid.shape
    ys = np.linspace(0, gh - 1, h)
    xs = np.linspace(0, gw - 1, w)
    y0 = np.minimum(np.floor(ys).astype(int), gh - 2)
    x0 = np.minimum(np.floor(xs).astype(int), gw - 2)
    fy = (ys - y0)[None, :, None]
    fx = (xs - x0)[None, None, :]
    a = grid[:, y0][:, :, x0]
    b = grid[:, y0][:, :, x0 + 1]
    cc = grid[:, y0 + 1][:, :, x0]
    d = grid[:, y0 + 1][:, :, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + d * fx) * fy


def samples(spec):
    """(calibration, test): 16 calibration samples and 4 held-out test samples, each [1, ...] float32."""
    if spec.calibration_file is None:
        calibration = smooth_images(20260501, CALIBRATION_SAMPLES, spec.shape)
        test = smooth_images(20260502, TEST_SAMPLES, spec.shape)
        return calibration, test
    data = np.load(spec.calibration_file).astype(np.float32)
    order = np.random.default_rng(20260503).permutation(len(data))
    pick = lambda indices: [data[i:i + 1].reshape(spec.shape) for i in indices]
    return pick(order[:CALIBRATION_SAMPLES]), pick(order[CALIBRATION_SAMPLES:CALIBRATION_SAMPLES + TEST_SAMPLES])


def fixed_float_model(spec):
    """The float model with a static input shape and opset >= 13, and a note of what was done."""
    model = onnx.load(spec.path)
    notes = []
    graph_input = next(i for i in model.graph.input if i.name == spec.input_name)
    dims = graph_input.type.tensor_type.shape.dim
    before = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims]
    for dim, value in zip(dims, spec.shape):
        dim.Clear()
        dim.dim_value = value
    notes.append("input %s %s fixed to %s" % (spec.input_name, before, spec.shape))
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        model = version_converter.convert_version(model, 13)
        notes.append("opset %d converted to 13 with onnx.version_converter" % opset)
    return model, notes


class _Reader:
    def __init__(self, input_name, values):
        self._iterator = iter([{input_name: v} for v in values])

    def get_next(self):
        return next(self._iterator, None)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(spec):
    sources = {"model": _sha256(spec.path)}
    if spec.calibration_file:
        sources["calibration"] = _sha256(spec.calibration_file)
    return {"recipe": RECIPE_VERSION, "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__,
            "numpy": np.__version__, "sources": sources}


def quantized_model_path(out, spec, fmt):
    return os.path.join(out, "models", "%s.%s.onnx" % (spec.name, fmt))


def prepare(specs, out, log=print):
    """Quantizes each model in both formats unless its cache entry under OUT/models is current, and
    writes the test inputs to OUT/inputs/MODEL/test_K/INPUT.npy (for `onnx-quant run --inputs`).

    Returns {model name: {"notes": [...], "test": [arrays], "models": {format: path}}}."""
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    models_dir = os.path.join(out, "models")
    os.makedirs(models_dir, exist_ok=True)
    formats = {"QOperator": QuantFormat.QOperator, "QDQ": QuantFormat.QDQ}
    result = {}
    for spec in specs:
        calibration, test = samples(spec)
        paths = {fmt: quantized_model_path(out, spec, fmt) for fmt in FORMATS}
        stamp_path = os.path.join(models_dir, spec.name + ".stamp.json")
        stamp = _stamp(spec)
        cached = None
        if os.path.exists(stamp_path):
            with open(stamp_path) as f:
                cached = json.load(f)
        if cached is not None and cached.get("stamp") == stamp and all(os.path.exists(p) for p in paths.values()):
            notes = cached["notes"]
            log("%s: quantized models cached in %s (onnxruntime %s)" % (spec.name, models_dir, onnxruntime.__version__))
        else:
            if os.path.exists(stamp_path):
                os.remove(stamp_path)
            with tempfile.TemporaryDirectory() as work:
                model, notes = fixed_float_model(spec)
                fixed = os.path.join(work, spec.name + ".fixed.onnx")
                onnx.save(model, fixed)
                pre = os.path.join(models_dir, spec.name + ".float.onnx")
                quant_pre_process(fixed, pre, skip_symbolic_shape=True)
                notes.append("quant_pre_process(skip_symbolic_shape=True)")
                for fmt in FORMATS:
                    log("%s: quantizing (%s, onnxruntime %s)" % (spec.name, fmt, onnxruntime.__version__))
                    quantize_static(pre, paths[fmt], _Reader(spec.input_name, calibration),
                                    quant_format=formats[fmt], per_channel=True, activation_type=QuantType.QUInt8,
                                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
            with open(stamp_path, "w") as f:
                json.dump({"stamp": stamp, "notes": notes}, f, indent=1)
        for index, value in enumerate(test):
            directory = os.path.join(out, "inputs", spec.name, "test_%d" % index)
            os.makedirs(directory, exist_ok=True)
            np.save(os.path.join(directory, spec.input_name + ".npy"), value)
        result[spec.name] = {"notes": notes, "test": test, "models": paths}
    return result
