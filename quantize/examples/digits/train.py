"""Trains a small CNN on scikit-learn's bundled digits (8x8 grayscale, 10 classes) and exports it
to ONNX for the int8 workflow in README.md.

Needs torch, scikit-learn, onnx and numpy (no downloads: load_digits ships with scikit-learn).
Writes, next to this file unless --out says otherwise:
  digits_float.onnx  float model, opset 13, input `input` [1,1,8,8] float32, output `logits` [1,10]
  calib.npy          200 training samples (20 per class) [200,1,8,8] float32, for calibration
  test_inputs.npy    the 360 held-out samples [360,1,8,8] float32
  test_labels.npy    their labels [360] int64

Pixels are divided by 16 (load_digits' values are 0..16), so inputs are in 0..1. The model
returns logits (no softmax): top-1 is the argmax.

The export keeps BatchNormalization as its own inference op (TorchScript exporter with
TrainingMode.PRESERVE and the model in eval mode; the default TrainingMode.EVAL would fold it into
the convolutions). Dropout does not survive any exporter in eval mode: it is an identity then,
and torch.onnx drops it.
"""
import argparse
import os
import random
import warnings

import numpy as np
import onnx
import torch
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 20260501
SPLIT_SEED = 0
EPOCHS = 40
BATCH = 32
CALIBRATION_PER_CLASS = 20


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),       # 16x8x8
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),      # 32x8x8
            nn.MaxPool2d(2),                                                                 # 32x4x4
            nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),        # 32x2x2
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # float sums in the same order on every machine


def data():
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=360, stratify=y, random_state=SPLIT_SEED)


def calibration_subset(x_train, y_train):
    """CALIBRATION_PER_CLASS training samples of each class, in a fixed shuffled order."""
    rng = np.random.default_rng(SEED)
    picked = []
    for label in range(10):
        indices = np.flatnonzero(y_train == label)
        picked.extend(rng.choice(indices, CALIBRATION_PER_CLASS, replace=False))
    picked = rng.permutation(np.array(picked))
    return x_train[picked]


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def train(x_train, y_train):
    model = DigitsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        total = 0.0
        for start in range(0, len(xt), BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        scheduler.step()
        if (epoch + 1) % 10 == 0:
            print("epoch %d: loss %.4f, train accuracy %.4f" % (epoch + 1, total / len(xt),
                                                                 accuracy(model, x_train, y_train)))
    return model.eval()


def export(model, path):
    with warnings.catch_warnings():
        # "legacy TorchScript-based ONNX export" (it is what keeps BatchNormalization), and
        # "constant folding ... in training-amenable mode" (the model is in eval mode: nothing to fold
        # but the BatchNormalization parameters, which stay as they are).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*constant folding.*")
        torch.onnx.export(model, (torch.zeros(1, 1, 8, 8),), path, dynamo=False, opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    return proto


class BatchNormalization(OpRun):
    """BatchNormalization-9 in inference mode (one output), as the ONNX spec defines it.

    onnx.reference's own BatchNormalization_9 normalises with the batch's statistics whenever the
    `momentum` attribute has a value, and the attribute's schema default (0.9) always gives it one,
    so with it an opset-9..13 model comes out as in training mode. ONNX Runtime follows the spec."""

    op_domain = ""

    def _run(self, x, scale, bias, mean, var, epsilon=None, momentum=None, training_mode=None):  # noqa: ARG002
        shape = (-1,) + (1,) * (x.ndim - 2)
        y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon) * scale.reshape(shape) + bias.reshape(shape)
        return (y.astype(x.dtype),)


def check_export(model, proto, x):
    """The largest difference between the ONNX file (onnx's reference evaluator) and PyTorch."""
    evaluator = ReferenceEvaluator(proto, new_ops=[BatchNormalization])
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    worst = 0.0
    for i in range(len(x)):
        (got,) = evaluator.run(None, {"input": x[i:i + 1]})
        worst = max(worst, float(np.abs(got - expected[i:i + 1]).max()))
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    seed_everything(SEED)
    x_train, x_test, y_train, y_test = data()
    print("train %d, test %d samples" % (len(x_train), len(x_test)))
    model = train(x_train, y_train)
    test_accuracy = accuracy(model, x_test, y_test)
    print("PyTorch test accuracy: %.4f (%d/%d)" % (test_accuracy, round(test_accuracy * len(y_test)), len(y_test)))

    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, "digits_float.onnx")
    proto = export(model, model_path)
    print("%s: ops %s" % (model_path, sorted({n.op_type for n in proto.graph.node})))
    print("max |ONNX reference - PyTorch| on 32 test samples: %.2e" % check_export(model, proto, x_test[:32]))

    calibration = calibration_subset(x_train, y_train)
    np.save(os.path.join(args.out, "calib.npy"), calibration.astype(np.float32))
    np.save(os.path.join(args.out, "test_inputs.npy"), x_test.astype(np.float32))
    np.save(os.path.join(args.out, "test_labels.npy"), y_test.astype(np.int64))
    print("wrote calib.npy %s, test_inputs.npy %s, test_labels.npy %s" % (calibration.shape, x_test.shape, y_test.shape))


if __name__ == "__main__":
    main()
