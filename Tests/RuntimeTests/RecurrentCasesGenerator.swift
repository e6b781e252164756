// The generator of RecurrentCases.swift, kept here because the Recurrent tests own no other files.
// To regenerate: copy the Python between the markers to gen.py and run
//   python gen.py Tests/RuntimeTests/RecurrentCases.swift
// with numpy, onnx (1.23) and onnxruntime (1.32) installed. Adding a case means adding it to CASES here
// and a test method in RecurrentTests.swift.

/* --- gen.py ---
"""Generates Tests/RuntimeTests/RecurrentCases.swift: LSTM cases whose inputs come from a 64-bit LCG
(mirrored by LSTMInputs in RecurrentTests.swift) and whose expected outputs come from a float64 numpy
reference, itself checked against onnx.reference (default activations, no clip / input_forget) and
onnxruntime (layout 0; it refuses layout 1). Needs numpy, onnx and onnxruntime.

    python gen.py Tests/RuntimeTests/RecurrentCases.swift
"""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator
import onnxruntime as ort

MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return np.float32(((self.state >> 40) - (1 << 23)) / float(1 << 23))

    def tensor(self, shape):
        n = int(np.prod(shape))
        return np.array([self.next() for _ in range(n)], dtype=np.float32).reshape(shape)


DEFAULT_ALPHA = {"leakyrelu": 0.01, "thresholdedrelu": 1.0, "hardsigmoid": 0.2, "elu": 1.0, "affine": 1.0,
                 "scaledtanh": 1.0}
DEFAULT_BETA = {"hardsigmoid": 0.5, "affine": 0.0, "scaledtanh": 1.0}
USES_ALPHA = {"affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu"}
USES_BETA = {"affine", "scaledtanh", "hardsigmoid"}


def act(name, alpha, beta, x):
    n = name.lower()
    if n == "sigmoid": return 1 / (1 + np.exp(-x))
    if n == "tanh": return np.tanh(x)
    if n == "relu": return np.maximum(x, 0)
    if n == "affine": return alpha * x + beta
    if n == "leakyrelu": return np.where(x >= 0, x, alpha * x)
    if n == "thresholdedrelu": return np.where(x > alpha, x, 0)
    if n == "scaledtanh": return alpha * np.tanh(beta * x)
    if n == "hardsigmoid": return np.clip(alpha * x + beta, 0, 1)
    if n == "elu": return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0)))
    if n == "softsign": return x / (1 + np.abs(x))
    if n == "softplus": return np.log1p(np.exp(x))
    raise ValueError(name)


def parse_activations(names, alphas, betas, dirs):
    names = list(names)
    if dirs == 2 and len(names) == 3: names = names * 2  # only the default list
    ai, bi, out = 0, 0, []
    for n in names:
        l = n.lower(); a = b = 0.0
        if l in USES_ALPHA:
            if ai < len(alphas): a = alphas[ai]; ai += 1
            else: a = DEFAULT_ALPHA[l]
        if l in USES_BETA:
            if bi < len(betas): b = betas[bi]; bi += 1
            else: b = DEFAULT_BETA[l]
        out.append((l, np.float32(a), np.float32(b)))
    return out


def reference(c, X, W, R, B, h0, c0, P):
    """float64 LSTM following the ONNX spec; clip on gate inputs, input_forget couples f = 1 - i."""
    layout, H, dirs = c["layout"], c["hidden"], c["dirs"]
    X = X.astype(np.float64)
    if layout == 1:
        X = X.transpose(1, 0, 2)
        if h0 is not None: h0 = h0.transpose(1, 0, 2)
        if c0 is not None: c0 = c0.transpose(1, 0, 2)
    seq, batch = X.shape[0], X.shape[1]
    acts = parse_activations(c["activations"] or ["Sigmoid", "Tanh", "Tanh"], c["alphas"], c["betas"], dirs)
    clip = c["clip"]
    Y = np.zeros((seq, dirs, batch, H)); Yh = np.zeros((dirs, batch, H)); Yc = np.zeros((dirs, batch, H))
    for d in range(dirs):
        f, g, h = acts[3 * d:3 * d + 3]
        w = W[d].astype(np.float64); r = R[d].astype(np.float64)
        b = B[d].astype(np.float64) if B is not None else np.zeros(8 * H)
        p = P[d].astype(np.float64) if P is not None else np.zeros(3 * H)
        Ht = h0[d].astype(np.float64) if h0 is not None else np.zeros((batch, H))
        Ct = c0[d].astype(np.float64) if c0 is not None else np.zeros((batch, H))
        reverse = c["direction"] == "reverse" or d == 1
        steps = range(seq - 1, -1, -1) if reverse else range(seq)
        cl = (lambda v: np.clip(v, -clip, clip)) if clip is not None else (lambda v: v)
        for t in steps:
            gates = X[t] @ w.T + Ht @ r.T + b[:4 * H] + b[4 * H:]
            gi, go, gf, gc = np.split(gates, 4, -1)
            i = act(*f, cl(gi + p[:H] * Ct))
            ff = 1 - i if c["input_forget"] else act(*f, cl(gf + p[2 * H:] * Ct))
            cc = act(*g, cl(gc))
            Ct = ff * Ct + i * cc
            o = act(*f, cl(go + p[H:2 * H] * Ct))
            Ht = o * act(*h, Ct)
            Y[t, d] = Ht
        Yh[d] = Ht; Yc[d] = Ct
    if layout == 1:
        Y = Y.transpose(2, 0, 1, 3); Yh = Yh.transpose(1, 0, 2); Yc = Yc.transpose(1, 0, 2)
    return [a.astype(np.float32) for a in (Y, Yh, Yc)]


def make_inputs(c):
    g = Lcg(c["seed"])
    seq, batch, inp, H, dirs = c["seq"], c["batch"], c["input"], c["hidden"], c["dirs"]
    xshape = [seq, batch, inp] if c["layout"] == 0 else [batch, seq, inp]
    sshape = [dirs, batch, H] if c["layout"] == 0 else [batch, dirs, H]
    scale = np.float32(c["weight_scale"])
    X = g.tensor(xshape); W = g.tensor([dirs, 4 * H, inp]) * scale; R = g.tensor([dirs, 4 * H, H]) * scale
    B = g.tensor([dirs, 8 * H]) if c["bias"] else None
    h0 = g.tensor(sshape) if c["initial"] else None
    c0 = g.tensor(sshape) if c["initial"] else None
    P = g.tensor([dirs, 3 * H]) if c["peephole"] else None
    return X, W, R, B, h0, c0, P


def onnx_model(c, inputs):
    X, W, R, B, h0, c0, P = inputs
    names = ["X", "W", "R", "B" if B is not None else "", "", "h0" if h0 is not None else "",
             "c0" if c0 is not None else "", "P" if P is not None else ""]
    while names[-1] == "": names.pop()
    attrs = {"hidden_size": c["hidden"], "direction": c["direction"]}
    if c["layout"]: attrs["layout"] = 1
    if c["activations"]: attrs["activations"] = c["activations"]
    if c["alphas"]: attrs["activation_alpha"] = c["alphas"]
    if c["betas"]: attrs["activation_beta"] = c["betas"]
    if c["clip"] is not None: attrs["clip"] = c["clip"]
    if c["input_forget"]: attrs["input_forget"] = 1
    node = helper.make_node("LSTM", names, ["Y", "Y_h", "Y_c"], **attrs)
    values = {"X": X, "W": W, "R": R, "B": B, "h0": h0, "c0": c0, "P": P}
    feeds = {n: values[n] for n in names if n}
    ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape)) for n, v in feeds.items()]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ["Y", "Y_h", "Y_c"]]
    graph = helper.make_graph([node], "g", ins, outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model, feeds


def check(c, inputs, expected):
    model, feeds = onnx_model(c, inputs)
    default = not c["activations"] and c["clip"] is None and not c["input_forget"]
    checked = []
    if default:
        got = ReferenceEvaluator(model).run(None, feeds)
        for a, e in zip(got, expected): np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
        checked.append("onnx.reference")
    if c["layout"] == 0:
        so = ort.SessionOptions(); so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        got = sess.run(None, feeds)
        for a, e in zip(got, expected): np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)
        checked.append("onnxruntime")
    assert checked, c["name"]
    return checked


def case(name, seed, direction="forward", layout=0, seq=3, batch=2, input=4, hidden=5, bias=True, initial=True,
         peephole=False, activations=None, alphas=(), betas=(), clip=None, input_forget=False, weight_scale=1.0):
    return dict(name=name, seed=seed, direction=direction, dirs=2 if direction == "bidirectional" else 1,
                layout=layout, seq=seq, batch=batch, input=input, hidden=hidden, bias=bias, initial=initial,
                peephole=peephole, activations=activations, alphas=list(alphas), betas=list(betas), clip=clip,
                input_forget=input_forget, weight_scale=weight_scale)


CASES = [
    case("forwardMinimal", 1, bias=False, initial=False),
    case("forwardBias", 2, initial=False),
    case("forwardInitialState", 3),
    case("forwardPeephole", 4, peephole=True),
    case("reverse", 5, direction="reverse", peephole=True),
    case("bidirectional", 6, direction="bidirectional", peephole=True),
    case("bidirectionalMinimal", 7, direction="bidirectional", bias=False, initial=False),
    case("layout1Forward", 8, layout=1, peephole=True),
    case("layout1Bidirectional", 9, direction="bidirectional", layout=1, peephole=True),
    case("layout1Reverse", 10, direction="reverse", layout=1, bias=False),
    case("clip", 11, peephole=True, clip=0.4),
    case("inputForget", 12, peephole=True, input_forget=True),
    case("clipInputForgetBidirectional", 13, direction="bidirectional", peephole=True, clip=0.7, input_forget=True),
    case("activationsHardSigmoidEluSoftplus", 14, activations=["HardSigmoid", "Elu", "Softplus"],
         alphas=[0.3, 0.8], betas=[0.45]),
    case("activationsBidirectional", 15, direction="bidirectional", peephole=True,
         activations=["Sigmoid", "LeakyRelu", "ScaledTanh", "HardSigmoid", "Softsign", "Affine"],
         alphas=[0.2, 0.9, 0.25, 0.7], betas=[1.3, 0.55, 0.1]),
    case("activationsReluThresholdedTanh", 16, direction="reverse",
         activations=["sigmoid", "Relu", "ThresholdedRelu"], alphas=[0.05]),
    case("activationsDefaultsBidirectional", 17, direction="bidirectional",
         activations=["HardSigmoid", "LeakyRelu", "Elu", "Tanh", "HardSigmoid", "LeakyRelu"], alphas=[0.3]),
    case("multiTileHidden", 18, seq=4, batch=3, input=7, hidden=9, peephole=True),
    case("sileroShape", 19, seq=1, batch=1, input=128, hidden=128, weight_scale=0.125),
    case("sileroShapeLong", 20, seq=3, batch=1, input=128, hidden=128, peephole=True, weight_scale=0.125),
]


def float_literal(v):
    """Shortest text that reads back as the same float32."""
    v = np.float32(v)
    if v == 0: return "0.0"
    if 1e-4 <= abs(v) < 1e4: text = np.format_float_positional(v, unique=True, trim="0")
    else: text = np.format_float_scientific(v, unique=True, trim="0")
    assert np.float32(text) == v, text
    return text


def swift_floats(a, per_line=6):
    vals = [float_literal(v) for v in np.asarray(a, dtype=np.float32).ravel()]
    lines = [", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    return "[\n      " + ",\n      ".join(lines) + ",\n    ]" if vals else "[]"


def swift_strings(xs):
    return "[" + ", ".join('"' + x + '"' for x in xs) + "]"


def main(out):
    parts = []
    for c in CASES:
        inputs = make_inputs(c)
        expected = reference(c, *inputs)
        checked = check(c, inputs, expected)
        clip = "nil" if c["clip"] is None else repr(float(np.float32(c["clip"])))
        parts.append(
            f"  /// Checked against {' and '.join(checked)}.\n"
            f"  static let {c['name']} = LSTMCase(\n"
            f"    name: \"{c['name']}\", seed: {c['seed']}, direction: \"{c['direction']}\", layout: {c['layout']},\n"
            f"    seq: {c['seq']}, batch: {c['batch']}, input: {c['input']}, hidden: {c['hidden']},\n"
            f"    bias: {str(c['bias']).lower()}, initial: {str(c['initial']).lower()}, "
            f"peephole: {str(c['peephole']).lower()},\n"
            f"    activations: {swift_strings(c['activations'] or [])}, "
            f"alphas: {swift_floats(c['alphas']) if c['alphas'] else '[]'}, "
            f"betas: {swift_floats(c['betas']) if c['betas'] else '[]'},\n"
            f"    clip: {clip}, inputForget: {str(c['input_forget']).lower()}, weightScale: {c['weight_scale']},\n"
            f"    y: {swift_floats(expected[0])},\n"
            f"    yH: {swift_floats(expected[1])},\n"
            f"    yC: {swift_floats(expected[2])}\n"
            f"  )\n")
        print(c["name"], "checked against", checked, file=sys.stderr)
    names = ", ".join(c["name"] for c in CASES)
    with open(out, "w") as f:
        f.write("// Generated by the script in RecurrentCasesGenerator.swift; do not edit by hand.\n")
        f.write("// Inputs come from LSTMInputs in RecurrentTests.swift (a 64-bit LCG the script mirrors); expected\n")
        f.write("// outputs from a float64 reference checked against onnx.reference and onnxruntime.\n\n")
        f.write("enum LSTMCases {\n")
        f.write("\n".join(parts))
        f.write(f"\n  static let all: [LSTMCase] = [{names}]\n}}\n")


if __name__ == "__main__":
    main(sys.argv[1])
--- end gen.py --- */
