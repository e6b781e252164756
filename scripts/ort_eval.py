#!/usr/bin/env python3
"""Top-1 accuracy of an ONNX model with ONNX Runtime (CPU, one thread): the reference for
`onnx-quant eval`.

    ort_eval.py --model M.onnx --inputs X.npy --labels Y.npy

X.npy holds N samples of the model's single input stacked on axis 0 ([N, ...]); each runs as a
batch of one ([1, ...]). Y.npy holds N integer class indices. The prediction is the argmax of the
model's first output (logits or probabilities alike). Prints one JSON object on stdout:
{"accuracy", "samples", "correct", ...}.

With --reference FLOAT.onnx (e.g. the float model an int8 one came from), it also runs that model
on the same inputs and reports how often the two agree on top-1 and the largest and mean absolute
difference of the first outputs.
"""
import argparse
import json
import sys
import time

import numpy as np
import onnxruntime


def run_all(path, inputs):
    """The first output of the model at path for each sample, flattened: [N, K] float64."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    session_inputs = session.get_inputs()
    if len(session_inputs) != 1:
        sys.exit("ort_eval.py: %s has %d inputs; this script takes models with one" % (path, len(session_inputs)))
    input_name = session_inputs[0].name
    output_name = session.get_outputs()[0].name
    dtype = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}.get(
        session_inputs[0].type, np.float32)
    outputs = []
    for i in range(len(inputs)):
        (output,) = session.run([output_name], {input_name: inputs[i:i + 1].astype(dtype, copy=False)})
        outputs.append(output.reshape(-1).astype(np.float64))
    return np.stack(outputs)


def main():
    parser = argparse.ArgumentParser(description="Top-1 accuracy with ONNX Runtime, one thread, batch 1.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--inputs", required=True, help=".npy [N, ...] float32")
    parser.add_argument("--labels", required=True, help=".npy [N] integer labels")
    parser.add_argument("--reference", metavar="FLOAT.onnx", help="also compare top-1 and outputs with this model")
    args = parser.parse_args()

    inputs = np.load(args.inputs)
    labels = np.load(args.labels).reshape(-1)
    if len(inputs) != len(labels):
        sys.exit("ort_eval.py: %d inputs but %d labels" % (len(inputs), len(labels)))

    start = time.perf_counter()
    outputs = run_all(args.model, inputs)
    seconds = time.perf_counter() - start
    predictions = outputs.argmax(axis=1)
    correct = int((predictions == labels).sum())
    classes = sorted(set(labels.tolist()) | set(predictions.tolist()))
    result = {
        "model": args.model,
        "accuracy": correct / len(labels),
        "samples": int(len(labels)),
        "correct": correct,
        "per_class_accuracy": {str(c): round(float((predictions[labels == c] == c).mean()), 4)
                               for c in classes if (labels == c).any()},
        "seconds": round(seconds, 3),
        "onnxruntime": onnxruntime.__version__,
    }
    if args.reference:
        reference = run_all(args.reference, inputs)
        if reference.shape != outputs.shape:
            sys.exit("ort_eval.py: the reference's output is %s per sample, the model's %s"
                     % (reference.shape[1:], outputs.shape[1:]))
        difference = np.abs(outputs.astype(np.float64) - reference)
        result["reference"] = {
            "model": args.reference,
            "accuracy": float((reference.argmax(axis=1) == labels).mean()),
            "top1_agreement": float((reference.argmax(axis=1) == predictions).mean()),
            "max_abs_difference": float(difference.max()),
            "mean_abs_difference": float(difference.mean()),
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
