"""Training the reader that ships in the package: ``digitnet train-reader``.

The network (READER_SPEC, a small CNN) learns from all 60,000 MNIST training images with
handwriting augmentation (slant, size, aspect, rotation, position, stroke thickness,
drawn anew each epoch) and from candidates that the segmentation cut out of synthetic
lines of training digits, with fragments and pairs labelled "not a digit". The test
images are used only to report: MNIST test accuracy, and the share of synthetic test
lines read exactly right.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet import checkpoint
from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import load_all
from digitnet.nn import build, losses
from digitnet.train import evaluate, fit
from digitnet.vision.reader_data import segmentation_examples
from digitnet.vision.segment import read_line
from digitnet.vision.synth import make_line

READER_SPEC = ModelSpec.from_dict(
    {
        "input_size": 784,
        "input_shape": [1, 28, 28],
        "cost": "log-likelihood",
        "init": "he",
        "layers": [
            {"type": "conv2d", "filters": 32, "kernel": 5, "activation": "relu"},
            {"type": "maxpool2d", "size": 2},
            {"type": "conv2d", "filters": 64, "kernel": 5, "activation": "relu"},
            {"type": "maxpool2d", "size": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 128, "activation": "relu"},
            {"type": "dropout", "rate": 0.3},
            {"type": "dense", "units": 10, "activation": "softmax"},
        ],
    }
)


@dataclass
class ReaderReport:
    test_accuracy: float  # MNIST test, single digits
    lines_right: float  # share of synthetic test lines read exactly
    lines: int
    examples: int  # segmentation candidates added to the training data
    seconds: float


def line_accuracy(model, images, labels, lines: int, seed: int, touching: float = 1 / 3) -> float:
    """Share of ``lines`` synthetic lines (2-8 digits, ``touching`` of the gaps touching
    or overlapping, from ``seed``) that ``model`` reads exactly right."""
    from digitnet.vision.preprocess import NoDigitError, ink_intensity

    rng = np.random.default_rng(seed)
    right = 0
    for _ in range(lines):
        line = make_line(images, labels, rng, touching=touching)
        with contextlib.suppress(NoDigitError):  # counts as wrong
            right += read_line(ink_intensity(line.image), model.predict_proba, 0).text == line.text
    return right / lines


def train_reader(
    out: str | Path,
    data_dir: str | Path | None = None,
    lines: int = 3000,
    epochs: int = 15,
    seed: int = 0,
    engine: str = "numpy",
    device: str = "auto",
    progress: bool | None = None,
    limit: int | None = None,
    report_lines: int = 200,
    closer: bool = False,
) -> ReaderReport:
    """Train the reader, save it to ``out`` and report how well it reads."""
    data = load_all("mnist", data_dir)
    x = np.concatenate([data["train"][0], data["validation"][0]])[:limit]
    y = np.concatenate([data["train"][1], data["validation"][1]])[:limit]
    rng = np.random.default_rng(seed)
    crops, targets = segmentation_examples(x, y, lines, rng, progress is not False, closer)
    xs, ys = np.concatenate([x, crops]), np.concatenate([y, targets])
    config = TrainConfig(
        epochs=epochs,
        mini_batch_size=64,
        learning_rate=0.002,
        optimizer="adam",
        schedule="cosine",
        augment="handwriting",
        train_split="train-full",
        keep="last",
        monitor_training=False,
        seed=seed,
    )
    model = build(READER_SPEC, rng)
    start = time.perf_counter()
    if engine == "torch":
        from digitnet.experiment import fit_with_torch

        history, model = fit_with_torch(READER_SPEC, model, xs, ys, config, None, None, device)
    else:
        history = fit(
            model, losses.get(READER_SPEC.cost), xs, ys, config, rng, None, None, progress
        )
    seconds = time.perf_counter() - start
    test_x, test_y = data["test"]
    report = ReaderReport(
        evaluate(model, test_x, test_y) / len(test_y),
        line_accuracy(model, test_x, test_y, report_lines, seed=1),
        report_lines,
        len(crops),
        seconds,
    )
    training = {
        "config": config.to_dict(),
        "history": history.to_dict(),
        "test_accuracy": report.test_accuracy,
        "synthetic_lines_right": report.lines_right,
        "segmentation_examples": len(crops),
        "synthetic_lines": lines,
        "closer_look_examples": closer,
        "train_size": len(xs),
        "seconds": round(seconds, 3),
    }
    checkpoint.save(out, model, READER_SPEC, training, "mnist")
    return report
