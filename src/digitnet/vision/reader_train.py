"""Training the reader that ships in the package: ``digitnet train-reader``.

The network (READER_SPEC, a small CNN) learns from all 60,000 MNIST training images with
handwriting augmentation (slant, size, aspect, rotation, position, stroke thickness,
drawn anew each epoch) and from candidates that the segmentation cut out of synthetic
lines of training digits, with fragments and pairs labelled "not a digit". The test
images are used only to report: MNIST test accuracy, and the share of synthetic test
lines read exactly right.

"Not a digit" is an eleventh class while it learns (TRAIN_SPEC), as the garbage class of
check readers: a piece the network takes for a fragment keeps its ten digit scores, so
when the best cut there is still looks like a fragment (a narrow 3 is also the right
half of an 8), its digit is still read. The saved reader (READER_SPEC) folds the eleven
outputs p back into ten: p_k + p_not / 10, which sum to 1 and are low everywhere for a
fragment (the uniform row), so everything that reads ten outputs reads it unchanged.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet import checkpoint
from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import load, load_all
from digitnet.data.datasets import NOT_A_DIGIT
from digitnet.nn import Sequential, build, losses
from digitnet.train import evaluate, fit
from digitnet.vision.reader_data import segmentation_examples
from digitnet.vision.segment import read_line
from digitnet.vision.synth import make_line

LAYERS = [
    {"type": "conv2d", "filters": 32, "kernel": 5, "activation": "relu"},
    {"type": "maxpool2d", "size": 2},
    {"type": "conv2d", "filters": 64, "kernel": 5, "activation": "relu"},
    {"type": "maxpool2d", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 128, "activation": "relu"},
    {"type": "dropout", "rate": 0.3},
    {"type": "dense", "units": 11, "activation": "softmax"},  # ten digits, "not a digit"
]
FOLD = {"type": "dense", "units": 10, "activation": "linear"}  # 11 -> 10, fixed weights
BASE = {"input_size": 784, "input_shape": [1, 28, 28], "cost": "log-likelihood", "init": "he"}
WORLD_SHARE = 0.7  # the share of real-world lines among the lines cut for examples
TRAIN_SPEC = ModelSpec.from_dict({**BASE, "layers": LAYERS})
READER_SPEC = ModelSpec.from_dict({**BASE, "layers": [*LAYERS, FOLD]})


def fold(trained: Sequential) -> Sequential:
    """The reader that ships: ``trained`` (TRAIN_SPEC, 11 outputs) and a last layer that
    maps its outputs p (N, 11) to p[:, :10] + p[:, 10:] / 10 (N, 10)."""
    model = build(READER_SPEC, np.random.default_rng(0), trained.dtype)
    tensors = trained.parameters()
    last = len(trained.layers)
    weight = np.hstack([np.eye(10), np.full((10, 1), 0.1)])  # (10, 11)
    tensors |= {f"{last}.weight": weight, f"{last}.bias": np.zeros(10)}
    model.load_parameters(tensors)
    return model


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
    lines: int = 5000,
    epochs: int = 15,
    seed: int = 0,
    engine: str = "numpy",
    device: str = "auto",
    progress: bool | None = None,
    limit: int | None = None,
    report_lines: int = 200,
    closer: bool = False,
    negatives: float = 0.6,
    usps: bool = True,
    world: float = WORLD_SHARE,
    jobs: int = 1,
) -> ReaderReport:
    """Train the reader, save it to ``out`` and report how well it reads.

    It learns from MNIST's 60,000 training digits and, with ``usps``, USPS's training
    split (6,291 real digits from US mail; its last 1,000, the validation split, are left
    for the benchmark), and from candidates cut from ``lines`` synthetic lines of those
    digits, a share ``world`` of them real-world lines (:mod:`digitnet.vision.world`)."""
    data = load_all("mnist", data_dir)
    x = np.concatenate([data["train"][0], data["validation"][0]])
    y = np.concatenate([data["train"][1], data["validation"][1]])
    if usps:
        ux, uy = load("usps", "train", data_dir)
        x, y = np.concatenate([x, ux]), np.concatenate([y, uy])
        order = np.random.default_rng(seed + 1).permutation(len(x))  # --limit takes both
        x, y = x[order], y[order]
    x, y = x[:limit], y[:limit]
    rng = np.random.default_rng(seed)
    crops, targets = segmentation_examples(
        x, y, lines, rng, progress is not False, closer, negatives, world, jobs
    )
    targets = np.where(targets == NOT_A_DIGIT, 10, targets)  # the eleventh class
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
    model = build(TRAIN_SPEC, rng)
    start = time.perf_counter()
    if engine == "torch":
        from digitnet.experiment import fit_with_torch

        history, model = fit_with_torch(
            TRAIN_SPEC, model, xs, ys, config, None, None, device, progress
        )
    else:
        history = fit(model, losses.get(TRAIN_SPEC.cost), xs, ys, config, rng, None, None, progress)
    seconds = time.perf_counter() - start
    model = fold(model)
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
        "negatives_kept": negatives,
        "usps": usps,
        "real_world_lines": world,
        "not_a_digit": "an eleventh class in training, folded into ten outputs",
        "train_size": len(xs),
        "seconds": round(seconds, 3),
    }
    checkpoint.save(out, model, READER_SPEC, training, "mnist")  # (its classes: MNIST's)
    return report
