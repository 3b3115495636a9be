"""Figures of a trained model, as PNG files (matplotlib, imported only here).

- ``accuracy.png`` and ``cost.png``: per epoch, on the training and validation data
  (the book's chapter 3 overfitting figures);
- ``confusion.png``: the confusion matrix on the test data;
- ``mistakes.png``: the test images the model gets wrong with the most confidence;
- ``weights.png``: each first-layer neuron's weights as an image ("what it looks for").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitnet.errors import DigitnetError


def pyplot():
    """matplotlib.pyplot with a file-only backend, or a clear error naming the extra."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DigitnetError("plotting needs matplotlib: pip install 'digitnet[plot]'") from None
    return plt


def curves(history: dict, out: Path) -> list[Path]:
    """accuracy.png and cost.png from a run's history dict (see train.History.to_dict)."""
    plt = pyplot()
    epochs = history.get("epochs", [])
    if not epochs:
        raise DigitnetError("the model has no training history to plot")
    x = [e["epoch"] for e in epochs]
    written = []
    for name, train_key, val_key, ylabel in (
        ("accuracy", "train_correct", "correct", "accuracy (%)"),
        ("cost", "train_cost", "cost", "cost"),
    ):
        fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
        for key, label in ((train_key, "training data"), (val_key, "validation data")):
            values = [e.get(key) for e in epochs]
            if any(v is None for v in values):
                continue
            if name == "accuracy":
                total = "train_total" if key == "train_correct" else "total"
                values = [100 * e[key] / e[total] for e in epochs]
            ax.plot(x, values, marker="o", markersize=3, label=label)
        kept = history.get("kept_epoch")
        if kept is not None and kept >= 0:
            ax.axvline(kept, color="grey", linestyle=":", label=f"kept (epoch {kept})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{name.capitalize()} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(save(fig, out / f"{name}.png"))
    return written


def confusion(cm: np.ndarray, classes: tuple[str, ...], out: Path) -> Path:
    """confusion.png: rows are the true class, columns the predicted one."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5), dpi=100)
    image = ax.imshow(np.log1p(cm), cmap="Blues")
    for i in range(len(cm)):
        for j in range(len(cm)):
            colour = "white" if cm[i, j] > cm.max() / 3 else "black"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7, color=colour)
    short = [c[:8] for c in classes]
    ax.set_xticks(range(len(cm)), short, rotation=45 if len(short[0]) > 1 else 0)
    ax.set_yticks(range(len(cm)), short)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix (test accuracy {np.trace(cm) / cm.sum():.2%})")
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    return save(fig, out / "confusion.png")


def mistakes(
    images: np.ndarray,
    labels: np.ndarray,
    scores: np.ndarray,
    classes: tuple[str, ...],
    out: Path,
    count: int = 24,
) -> Path:
    """mistakes.png: the wrong answers with the highest scores; images (N, 28, 28)."""
    plt = pyplot()
    predicted = scores.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    share = scores.max(axis=1) / np.maximum(scores.sum(axis=1), 1e-12)
    worst = wrong[np.argsort(-share[wrong])][:count]
    cols = 8
    rows = max(1, -(-len(worst) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.5), dpi=100, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, k in zip(axes.ravel(), worst, strict=False):
        ax.imshow(images[k], cmap="gray_r")
        ax.set_title(
            f"{classes[labels[k]][:6]}→{classes[predicted[k]][:6]}\n{share[k]:.0%}", fontsize=7
        )
    fig.suptitle("Most confident mistakes (true → predicted, confidence)")
    return save(fig, out / "mistakes.png")


def first_layer_weights(weight: np.ndarray, out: Path, count: int = 100) -> Path:
    """weights.png: rows of weight (n_out, 784) as 28x28 images, blue < 0 < red."""
    plt = pyplot()
    side = int(np.sqrt(weight.shape[1]))
    if side * side != weight.shape[1]:
        raise DigitnetError("the first layer's inputs are not a square image")
    shown = weight[:count]
    cols = min(10, len(shown))
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.0, rows * 1.0), dpi=100, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, w in zip(axes.ravel(), shown, strict=False):
        limit = np.abs(w).max() or 1
        ax.imshow(w.reshape(side, side), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle("First-layer weights: what each hidden neuron looks for")
    return save(fig, out / "weights.png")


def save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, bbox_inches="tight")
    except OSError as e:
        raise DigitnetError(f"{path}: cannot write ({e.strerror or e})") from None
    finally:
        plt.close(fig)
    return path
