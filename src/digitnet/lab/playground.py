"""A small TensorFlow-Playground-like experiment: 2-D points, chosen input features, a few
hidden layers trained by digitnet's engine, and the decision boundary it learns.

Datasets (points in [−6, 6]², two classes, as in the Playground):

- ``circle``: class 1 inside radius 2.5, class 0 in the ring from 3.5 to 5;
- ``xor``: class 1 where x1 and x2 have the same sign;
- ``gauss``: two Gaussian clouds around (2, 2) and (−2, −2);
- ``spiral``: two interleaved spirals.

Features are computed from (x1, x2) and scaled by fixed constants so each lies in about
[−1, 1]: x1, x2, x1², x2², x1·x2, sin(x1), sin(x2). The right features make a problem
linear: circle with x1² and x2², XOR with x1·x2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitnet.errors import DigitnetError

RANGE = 6.0  # points and the drawn window lie in [−RANGE, RANGE]²
SCALE = 5.0  # coordinates are divided by this before the features are made

FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin1": lambda a, b: np.sin(a * SCALE),
    "sin2": lambda a, b: np.sin(b * SCALE),
}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def circle(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return points, (np.arange(n) < half).astype(np.int64)


def xor(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # a gap along the axes, as in the Playground
    return points, (points[:, 0] * points[:, 1] > 0).astype(np.int64)


def gauss(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.arange(n) < n // 2).astype(np.int64)
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centres + rng.normal(0, 1.0, (n, 2)), labels


def spiral(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    i = np.concatenate([np.arange(half), np.arange(n - half)])
    labels = (np.arange(n) < half).astype(np.int64)
    r = i / max(half, 1) * 5
    t = 1.75 * i / max(half, 1) * 2 * np.pi + np.where(labels == 1, 0, np.pi)
    return np.column_stack([r * np.sin(t), r * np.cos(t)]), labels


DATASETS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral}


def make_data(
    name: str, n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, 2), labels (n,) in {0, 1}) of one dataset, with Gaussian noise of
    standard deviation ``noise`` added to each coordinate, in random order."""
    if name not in DATASETS:
        raise DigitnetError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    points, labels = DATASETS[name](n, rng, noise)
    points = points + rng.normal(0, noise, points.shape) if noise else points
    order = rng.permutation(n)
    return points[order], labels[order]


def features(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Network inputs (n, len(names)) for points (n, 2)."""
    unknown = [f for f in names if f not in FEATURES]
    if unknown or not names:
        raise DigitnetError(
            f"unknown feature {', '.join(unknown) or '(none given)'} (known: {', '.join(FEATURES)})"
        )
    a, b = points[:, 0] / SCALE, points[:, 1] / SCALE
    return np.column_stack([FEATURES[f](a, b) for f in names])


@dataclass
class Setup:
    """One experiment; the defaults are the Playground's (two hidden layers, 4 and 2)."""

    dataset: str = "circle"
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activation: str = "tanh"
    regularization: str = "none"  # none, l1 or l2
    reg_rate: float = 0.0
    learning_rate: float = 0.03
    epochs: int = 200
    mini_batch_size: int = 10
    points: int = 500
    noise: float = 0.0
    seed: int = 0


@dataclass
class Outcome:
    setup: Setup
    model: object
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    train_accuracy: float
    test_accuracy: float
    test_cost: float
    curve: list[float]  # test accuracy after each epoch


def train(setup: Setup) -> Outcome:
    """Make the data (half for training, half for testing), build the network (softmax
    output over the two classes, log-likelihood cost) and train it with Adam."""
    from digitnet.config import ModelSpec, TrainConfig
    from digitnet.nn import build
    from digitnet.nn import losses as costs
    from digitnet.train import fit, measure

    if setup.activation not in ACTIVATIONS:
        raise DigitnetError(f"activation must be one of {', '.join(ACTIVATIONS)}")
    if setup.regularization not in ("none", "l1", "l2"):
        raise DigitnetError("regularization must be none, l1 or l2")
    if setup.points < 4:
        raise DigitnetError("need at least 4 points")
    rng = np.random.default_rng(setup.seed)
    points, labels = make_data(setup.dataset, setup.points, setup.noise, rng)
    half = setup.points // 2
    train_set, test_set = (points[:half], labels[:half]), (points[half:], labels[half:])
    x_train, x_test = features(train_set[0], setup.features), features(test_set[0], setup.features)
    layers = [{"type": "dense", "units": u, "activation": setup.activation} for u in setup.hidden]
    layers.append({"type": "dense", "units": 2, "activation": "softmax"})
    spec = ModelSpec(len(setup.features), layers, cost="log-likelihood", init="glorot")
    model = build(spec, rng, np.float64)
    reg = setup.reg_rate if setup.regularization != "none" else 0.0
    config = TrainConfig(
        epochs=setup.epochs,
        mini_batch_size=setup.mini_batch_size,
        learning_rate=setup.learning_rate,
        optimizer="adam",
        l2=reg if setup.regularization == "l2" else 0.0,
        l1=reg if setup.regularization == "l1" else 0.0,
        keep="last",
        monitor_training=False,
        dtype="float64",
    )
    config.validate()
    curve: list[float] = []
    fit(
        model,
        costs.get(spec.cost),
        x_train,
        train_set[1],
        config,
        rng,
        validation=(x_test, test_set[1]),
        on_epoch=lambda r: curve.append(r.correct / r.total),
        progress=False,
    )
    cost = costs.get(spec.cost)
    _, right_train = measure(model, cost, x_train, train_set[1])
    test_cost, right_test = measure(model, cost, x_test, test_set[1])
    return Outcome(
        setup,
        model,
        train_set,
        test_set,
        right_train / len(x_train),
        right_test / len(x_test),
        test_cost,
        curve,
    )


def probability_grid(outcome: Outcome, size: int) -> np.ndarray:
    """P(class 1) on a size × size grid over the window, row 0 at the top (v2 = +RANGE)."""
    axis = np.linspace(-RANGE, RANGE, size)
    gx, gy = np.meshgrid(axis, axis[::-1])
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    probs = outcome.model.predict_proba(features(grid, outcome.setup.features))
    return probs[:, 1].reshape(size, size)


def ascii_map(outcome: Outcome, width: int = 60, height: int = 24) -> str:
    """The decision regions in text ('·' where the network says class 1, ' ' for class
    0) with the test points on top ('o' class 1, 'x' class 0; capitals where wrong)."""
    gx, gy = np.meshgrid(np.linspace(-RANGE, RANGE, width), np.linspace(RANGE, -RANGE, height))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    region = outcome.model.predict(features(grid, outcome.setup.features)).reshape(height, width)
    rows = [["·" if c else " " for c in row] for row in region]
    points, labels = outcome.test
    predicted = outcome.model.predict(features(points, outcome.setup.features))
    for (a, b), label, guess in zip(points, labels, predicted, strict=True):
        col = round((a + RANGE) / (2 * RANGE) * (width - 1))
        row = round((RANGE - b) / (2 * RANGE) * (height - 1))
        if 0 <= col < width and 0 <= row < height:
            mark = "o" if label else "x"
            rows[row][col] = mark if guess == label else mark.upper()
    border = "+" + "-" * width + "+"
    return "\n".join([border, *("|" + "".join(r) + "|" for r in rows), border])


def report(outcome: Outcome) -> str:
    s = outcome.setup
    hidden = "-".join(map(str, s.hidden)) or "none"
    reg = f"{s.regularization} {s.reg_rate:g}" if s.regularization != "none" else "none"
    return "\n".join(
        [
            f"{s.dataset}: {s.points} points ({s.points // 2} to train, the rest to test), "
            f"noise {s.noise:g}",
            f"features {', '.join(s.features)}; hidden layers {hidden} ({s.activation}); "
            f"regularization {reg}",
            f"Adam, η = {s.learning_rate:g}, mini-batch {s.mini_batch_size}, {s.epochs} epochs",
            ascii_map(outcome),
            f"train accuracy {outcome.train_accuracy:.1%}, test accuracy "
            f"{outcome.test_accuracy:.1%}, test cost {outcome.test_cost:.3f}",
        ]
    )


def figure(outcome: Outcome, path: Path) -> Path:
    """The network's P(class 1) over the plane with the points, beside the test accuracy
    per epoch."""
    from digitnet.plots import pyplot, save

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), dpi=100)
    probs = probability_grid(outcome, 200)
    extent = (-RANGE, RANGE, -RANGE, RANGE)
    left.imshow(probs, extent=extent, cmap="RdBu", vmin=-0.3, vmax=1.3, alpha=0.5)
    left.contour(np.linspace(-RANGE, RANGE, 200), np.linspace(RANGE, -RANGE, 200), probs,
                 levels=[0.5], colors="black", linewidths=1)  # fmt: skip
    for (points, labels), marker, name in (
        (outcome.train, "o", "train"),
        (outcome.test, "^", "test"),
    ):
        colors = np.where(labels == 1, "tab:blue", "tab:orange")
        left.scatter(points[:, 0], points[:, 1], c=colors, marker=marker, s=14,
                     edgecolors="white", linewidths=0.4, label=name)  # fmt: skip
    s = outcome.setup
    left.set_title(
        f"{s.dataset}, features {', '.join(s.features)}: test {outcome.test_accuracy:.1%}"
    )
    left.set_xlim(-RANGE, RANGE)
    left.set_ylim(-RANGE, RANGE)
    left.legend(fontsize=8, loc="lower right")
    right.plot(range(1, len(outcome.curve) + 1), [100 * c for c in outcome.curve])
    right.set_xlabel("epoch")
    right.set_ylabel("test accuracy (%)")
    right.set_title("Learning")
    right.grid(alpha=0.3)
    return save(fig, path)
