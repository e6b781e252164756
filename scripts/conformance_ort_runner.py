#!/usr/bin/env python3
"""Stand-in for `onnx-quant run` that runs a model with ONNX Runtime (`conformance.py --runner ort`).

Same command line and contract as the binary:
    conformance_ort_runner.py run MODEL --inputs DIR --outputs DIR
reads DIR/input_K.pb (one per graph input, in order), writes OUTDIR/output_K.pb (one per graph
output, in order); exit 0 on success, 1 with a message on stderr when the model cannot be run,
2 for a bad command line. It exists to validate the conformance harness itself: on cases that
ORT supports it must pass (nearly) everything.
"""
import os
import sys

USAGE = "usage: conformance_ort_runner.py run MODEL --inputs DIR --outputs DIR"


def parse(argv):
    if len(argv) >= 1 and argv[0] == "--version":
        return "version", None
    if not argv or argv[0] != "run":
        return None, USAGE
    rest = argv[1:]
    if "--help" in rest or "-h" in rest:
        return "help", None
    model, inputs, outputs = None, None, None
    i = 0
    while i < len(rest):
        if rest[i] in ("--inputs", "--outputs") and i + 1 < len(rest):
            if rest[i] == "--inputs":
                inputs = rest[i + 1]
            else:
                outputs = rest[i + 1]
            i += 2
        elif rest[i].startswith("-") or model is not None:
            return None, "unexpected argument '%s'\n%s" % (rest[i], USAGE)
        else:
            model = rest[i]
            i += 1
    if model is None or inputs is None or outputs is None:
        return None, USAGE
    return "run", (model, inputs, outputs)


def main(argv):
    action, value = parse(argv)
    if action is None:
        print(value, file=sys.stderr)
        return 2
    if action == "help":
        print(USAGE)
        return 0
    import onnxruntime as ort

    if action == "version":
        print("onnxruntime %s (conformance stand-in runner)" % ort.__version__)
        return 0
    model, inputs, outputs = value
    import onnx
    from onnx import numpy_helper

    ort.set_default_logger_severity(4)
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # ORT raises several types
        print("%s: %s" % (model, str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__),
              file=sys.stderr)
        return 1
    feeds = {}
    for k, meta in enumerate(session.get_inputs()):
        path = os.path.join(inputs, "input_%d.pb" % k)
        try:
            tensor = onnx.TensorProto()
            with open(path, "rb") as f:
                tensor.ParseFromString(f.read())
            feeds[meta.name] = numpy_helper.to_array(tensor)
        except Exception as error:
            print("%s: %s" % (path, error), file=sys.stderr)
            return 1
    try:
        results = session.run(None, feeds)
    except Exception as error:
        text = str(error).strip()
        print("%s: %s" % (model, text.splitlines()[0] if text else type(error).__name__), file=sys.stderr)
        return 1
    os.makedirs(outputs, exist_ok=True)
    for k, (meta, value) in enumerate(zip(session.get_outputs(), results)):
        import numpy as np

        if not isinstance(value, np.ndarray):
            print("%s: output %d (%s) is not a tensor" % (model, k, meta.name), file=sys.stderr)
            return 1
        with open(os.path.join(outputs, "output_%d.pb" % k), "wb") as f:
            f.write(numpy_helper.from_array(value, meta.name).SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
