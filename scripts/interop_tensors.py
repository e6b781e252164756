"""Tensor-level machinery for scripts/interop.py: the variant model that exposes every quantized
intermediate tensor as a graph output, the runners (ONNX Runtime, onnx-quant) and the comparison.
"""
import os
import shutil
import subprocess
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

QUANTIZED_TYPES = (TensorProto.UINT8, TensorProto.INT8)

# Output element type of quantized operators that ONNX shape inference does not cover (com.microsoft
# domain): the index of the input whose type the output takes (the output zero point), and the
# fallback when that input is absent.
_ZERO_POINT_INPUT = {
    "QuantizeLinear": (2, TensorProto.UINT8),
    "QLinearConv": (7, None),
    "QLinearMatMul": (7, None),
    "QLinearAdd": (7, None),
    "QLinearMul": (7, None),
    "QLinearSigmoid": (4, None),
    "QLinearLeakyRelu": (4, None),
    "QLinearSoftmax": (4, None),
    "QLinearGlobalAveragePool": (4, None),
    "QLinearAveragePool": (4, None),
    "QLinearConcat": (1, None),
    "QGemm": (8, TensorProto.FLOAT),
}


def _elem_types(model):
    """Element type of every tensor in the graph: ONNX shape inference, then the rules above for the
    com.microsoft operators, then 'same as input 0' for anything else left unknown."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {}
    for collection in (inferred.graph.input, inferred.graph.value_info, inferred.graph.output):
        for value in collection:
            if value.type.tensor_type.elem_type:
                types[value.name] = value.type.tensor_type.elem_type
    for initializer in model.graph.initializer:
        types[initializer.name] = initializer.data_type
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "value":
                    types[node.output[0]] = attribute.t.data_type
        for index, output in enumerate(node.output):
            if not output or output in types:
                continue
            rule = _ZERO_POINT_INPUT.get(node.op_type)
            if index == 0 and rule is not None:
                position, fallback = rule
                if position < len(node.input) and node.input[position] in types:
                    types[output] = types[node.input[position]]
                elif fallback is not None:
                    types[output] = fallback
                elif node.input and node.input[0] in types:
                    types[output] = types[node.input[0]]
            elif node.input and node.input[0] in types:
                types[output] = types[node.input[0]]
    return types


def _shapes(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.output):
        tensor_type = value.type.tensor_type
        if tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in tensor_type.shape.dim):
            shapes[value.name] = [d.dim_value for d in tensor_type.shape.dim]
    return shapes


class Exposed:
    """One quantized intermediate tensor exposed as a graph output."""

    def __init__(self, name, op_type, node_name, elem_type, order):
        self.name = name
        self.op_type = op_type  # QDQ: Q(Conv) for a QuantizeLinear fed by a Conv
        self.node_name = node_name
        self.elem_type = elem_type
        self.order = order


def make_variant(model_path, variant_path):
    """Writes a copy of the model whose graph outputs also include every uint8/int8 tensor a node
    produces (QOperator: QuantizeLinear, QLinear*, QGemm and the data-movement ops between them;
    QDQ: the QuantizeLinear outputs), each declared with its type. Returns the Exposed list in
    graph (topological) order."""
    model = onnx.load(model_path)
    types = _elem_types(model)
    shapes = _shapes(model)
    existing = {o.name for o in model.graph.output}
    producer = {output: node for node in model.graph.node for output in node.output}
    graph_inputs = {i.name for i in model.graph.input}
    exposed = []
    for order, node in enumerate(model.graph.node):
        if node.op_type == "Constant":
            continue
        label = node.op_type
        if node.op_type == "QuantizeLinear":
            source = producer.get(node.input[0])
            label = "Q(%s)" % (source.op_type if source is not None else
                               "input" if node.input[0] in graph_inputs else "constant")
        for output in node.output:
            if output and output not in existing and types.get(output) in QUANTIZED_TYPES:
                exposed.append(Exposed(output, label, node.name, types[output], order))
                existing.add(output)
    for tensor in exposed:
        model.graph.output.append(helper.make_tensor_value_info(tensor.name, tensor.elem_type, shapes.get(tensor.name)))
    onnx.save(model, variant_path)
    return exposed


def final_output_scale(model_path):
    """For each original graph output: (scale, zero point, DequantizeLinear node name) of the last
    DequantizeLinear on the way to it, walking back through float operators' first non-constant
    input. A per-channel scale gives its largest value."""
    model = onnx.load(model_path)
    constants = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "value":
                    constants[node.output[0]] = numpy_helper.to_array(attribute.t)
    producer = {o: n for n in model.graph.node for o in n.output}
    result = {}
    for graph_output in model.graph.output:
        name = graph_output.name
        found = None
        for _ in range(len(model.graph.node)):
            node = producer.get(name)
            if node is None:
                break
            if node.op_type == "DequantizeLinear":
                scale = constants.get(node.input[1])
                zero_point = constants.get(node.input[2]) if len(node.input) > 2 else None
                if scale is not None:
                    found = (float(np.max(scale)), None if zero_point is None else int(np.max(zero_point)), node.name)
                break
            if node.domain == "com.microsoft" and node.op_type == "QGemm":
                found = (float(np.max(constants[node.input[1]])) * float(np.max(constants[node.input[4]])), None,
                         node.name)
                break
            candidates = [i for i in node.input if i and i not in constants]
            if not candidates:
                break
            name = candidates[0]
        result[graph_output.name] = found
    return result


def ort_session(path, optimized=True):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if not optimized:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


class OrtRunner:
    """ONNX Runtime, single thread. optimized=True leaves the optimization level at its default
    (ORT_ENABLE_ALL: QDQ groups fused into QLinearConv etc., as in production); optimized=False
    runs the graph as written (QDQ as float DequantizeLinear -> op -> QuantizeLinear)."""

    def __init__(self, optimized=True):
        self.optimized = optimized
        self.label = "ORT" if optimized else "ORT unfused"
        self._sessions = {}

    def run(self, model_path, input_name, value):
        session = self._sessions.get(model_path)
        if session is None:
            session = self._sessions[model_path] = ort_session(model_path, self.optimized)
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, {input_name: value})))


class RunFailed(Exception):
    pass


class OnnxQuantRunner:
    """`onnx-quant run MODEL --inputs DIR --outputs DIR`; the outputs are read from output_K.pb."""

    def __init__(self, binary, timeout=300):
        self.binary = binary
        self.label = "onnx-quant"
        self.timeout = timeout

    def run(self, model_path, input_name, value):
        work = tempfile.mkdtemp(prefix="interop-")
        try:
            inputs = os.path.join(work, "inputs")
            outputs = os.path.join(work, "outputs")
            os.makedirs(inputs)
            np.save(os.path.join(inputs, input_name + ".npy"), value)
            command = [self.binary, "run", model_path, "--inputs", inputs, "--outputs", outputs]
            try:
                result = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                raise RunFailed("onnx-quant run timed out after %d s" % self.timeout)
            if result.returncode != 0:
                message = (result.stderr.strip() or result.stdout.strip()).splitlines()
                message = message[-1] if message else ""
                prefix = "onnx-quant run: " + model_path + ": "
                if message.startswith(prefix):
                    message = message[len(prefix):]
                raise RunFailed("onnx-quant run exited %d: %s" % (result.returncode, message))
            model = onnx.load(model_path, load_external_data=False)
            names = [o.name for o in model.graph.output]
            values = {}
            for index, name in enumerate(names):
                path = os.path.join(outputs, "output_%d.pb" % index)
                if not os.path.exists(path):
                    raise RunFailed("onnx-quant wrote no %s (graph output %s)" % (os.path.basename(path), name))
                tensor = TensorProto()
                with open(path, "rb") as f:
                    tensor.ParseFromString(f.read())
                if tensor.name and tensor.name != name:
                    raise RunFailed("output_%d.pb holds %s, expected graph output %s" % (index, tensor.name, name))
                values[name] = numpy_helper.to_array(tensor)
            return values
        finally:
            shutil.rmtree(work, ignore_errors=True)


class TensorStats:
    """Accumulated over the test inputs for one quantized tensor."""

    def __init__(self, exposed):
        self.exposed = exposed
        self.values = 0
        self.identical = 0
        self.max_lsb = 0
        self.problem = None

    def add(self, expected, actual):
        if actual is None:
            self.problem = self.problem or "missing"
            return
        if expected.shape != actual.shape or expected.dtype != actual.dtype:
            self.problem = self.problem or "%s%s, expected %s%s" % (actual.dtype, list(actual.shape), expected.dtype,
                                                                   list(expected.shape))
            return
        difference = np.abs(expected.astype(np.int32) - actual.astype(np.int32))
        self.values += difference.size
        self.identical += int(np.count_nonzero(difference == 0))
        if difference.size:
            self.max_lsb = max(self.max_lsb, int(difference.max()))

    @property
    def lsb(self):
        """Largest difference; a shape or type mismatch counts as infinitely far."""
        return float("inf") if self.problem else self.max_lsb


class FloatStats:
    """Final float output: largest |difference| in units of the last quantized output's scale."""

    def __init__(self, name, scale):
        self.name = name
        self.scale = scale
        self.max_abs = 0.0
        self.problem = None

    def add(self, expected, actual):
        if actual is None:
            self.problem = self.problem or "missing"
            return
        if expected.shape != actual.shape or expected.dtype != actual.dtype:
            self.problem = self.problem or "%s%s, expected %s%s" % (actual.dtype, list(actual.shape), expected.dtype,
                                                                   list(expected.shape))
            return
        difference = np.abs(expected.astype(np.float64) - actual.astype(np.float64))
        if not np.all(np.isfinite(actual)):
            self.problem = self.problem or "non-finite values"
        if difference.size:
            self.max_abs = max(self.max_abs, float(np.nanmax(difference)))

    @property
    def steps(self):
        if self.problem:
            return float("inf")
        return self.max_abs / self.scale if self.scale else (0.0 if self.max_abs == 0 else float("inf"))


def ort_optimized_ops(model_path, save_path):
    """Operator counts of the graph ONNX Runtime actually runs (default optimization level, one thread),
    from the optimized model it saves; NCHWc/NHWC layout operators included."""
    from collections import Counter

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # the "hardware specific optimizations" warning on saving
    options.optimized_model_filepath = save_path
    ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    model = onnx.load(save_path)
    return Counter((node.domain + ":" if node.domain and node.domain != "ai.onnx" else "") + node.op_type
                   for node in model.graph.node)
