"""The linear classifier demo from Stanford's CS231n: 9 points in 2-D, 3 classes.

Scores s = W x + b, W (3, 2) and b (3,). For one point with class y:

- multiclass SVM (Weston-Watkins): L = Σ_{j≠y} max(0, s_j − s_y + 1);
- one-vs-all SVM: L = Σ_j max(0, 1 − t_j s_j), t_j = +1 for j = y and −1 otherwise;
- softmax: L = −log(e^{s_y} / Σ_j e^{s_j}).

The data loss is the mean over the points; the regularisation loss is λ Σ W² (biases
not included). With the demo's W, b and λ = 0.1 the softmax loss gives the slide's
numbers: data loss 1.84, regularisation loss 3.50, total 5.34.

Updates follow the gradient of the total loss. Softmax is smooth, so each small step
lowers it; the SVM losses are hinges, and near their bottom a fixed step can overshoot a
kink and raise the loss by a little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

POINTS = np.array(
    [
        [0.5, 0.4], [0.8, 0.3], [0.3, 0.8],  # class 0
        [-0.4, 0.3], [-0.3, 0.7], [-0.7, 0.2],  # class 1
        [0.7, -0.4], [0.5, -0.6], [-0.4, -0.5],  # class 2
    ]
)  # fmt: skip
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
W0 = np.array([[1.0, 2.0], [2.0, -4.0], [3.0, -1.0]])
B0 = np.array([0.0, 0.5, -0.5])
REG = 0.1
STEP = 0.1

LossFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def scores(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """s = x Wᵀ + b: (N, 3) for points x (N, 2)."""
    return x @ w.T + b


def svm_ww(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weston-Watkins multiclass SVM: (per-point losses (N,), dL/ds (N, 3))."""
    n = np.arange(len(y))
    margins = np.maximum(0.0, s - s[n, y][:, None] + 1.0)
    margins[n, y] = 0.0
    active = (margins > 0).astype(float)
    grad = active.copy()
    grad[n, y] = -active.sum(axis=1)
    return margins.sum(axis=1), grad


def svm_ova(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-all SVM (a binary hinge per class): (losses (N,), dL/ds (N, 3))."""
    t = -np.ones_like(s)
    t[np.arange(len(y)), y] = 1.0
    hinge = np.maximum(0.0, 1.0 - t * s)
    return hinge.sum(axis=1), -t * (hinge > 0)


def softmax(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Softmax with the cross-entropy loss: (losses (N,), dL/ds (N, 3))."""
    z = s - s.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = np.arange(len(y))
    grad = p.copy()
    grad[n, y] -= 1.0
    return -np.log(p[n, y]), grad


LOSSES: dict[str, LossFn] = {
    "multiclass SVM (Weston-Watkins)": svm_ww,
    "one-vs-all SVM": svm_ova,
    "softmax": softmax,
}


@dataclass
class Loss:
    """The losses of one parameter setting."""

    per_point: np.ndarray  # (N,)
    data: float
    reg: float

    @property
    def total(self) -> float:
        return self.data + self.reg


def loss(
    fn: LossFn, w: np.ndarray, b: np.ndarray, reg: float = REG
) -> tuple[Loss, np.ndarray, np.ndarray]:
    """(losses, dL/dW (3, 2), dL/db (3,)) of the total loss on the demo's points."""
    per_point, ds = fn(scores(POINTS, w, b), LABELS)
    n = len(LABELS)
    dw = ds.T @ POINTS / n + 2 * reg * w
    db = ds.sum(axis=0) / n
    return Loss(per_point, float(per_point.mean()), float(reg * np.sum(w * w))), dw, db


def descend(
    fn: LossFn, steps: int, step_size: float = STEP, reg: float = REG
) -> tuple[list[float], np.ndarray, np.ndarray]:
    """``steps`` parameter updates from the demo's W, b: (total loss before each update
    and after the last (steps + 1 values), W, b)."""
    w, b = W0.copy(), B0.copy()
    totals = []
    for _ in range(steps):
        current, dw, db = loss(fn, w, b, reg)
        totals.append(current.total)
        w, b = w - step_size * dw, b - step_size * db
    totals.append(loss(fn, w, b, reg)[0].total)
    return totals, w, b


def report(steps: int = 100) -> str:
    """Scores, losses per point and in total, and the loss falling under updates."""
    s = scores(POINTS, W0, B0)
    names = list(LOSSES)
    results = {name: loss(fn, W0, B0)[0] for name, fn in LOSSES.items()}
    lines = [
        "W = [[1, 2], [2, -4], [3, -1]], b = [0, 0.5, -0.5], λ = 0.1, step size 0.1",
        "   x1    x2  class |  s0    s1    s2  | WW SVM  1vA SVM  softmax",
    ]
    for i, (x, y) in enumerate(zip(POINTS, LABELS, strict=True)):
        losses = "  ".join(f"{results[n].per_point[i]:6.2f}" for n in names)
        lines.append(
            f"  {x[0]:4.1f}  {x[1]:4.1f}    {y}   | {s[i, 0]:4.1f}  {s[i, 1]:4.1f}  {s[i, 2]:4.1f} "
            f"| {losses}"
        )
    lines.append("")
    lines.append("  loss                              data    reg     total  | one update | "
                 f"after {steps}")  # fmt: skip
    for name, fn in LOSSES.items():
        r = results[name]
        totals, w, b = descend(fn, steps)
        right = int((scores(POINTS, w, b).argmax(axis=1) == LABELS).sum())
        lines.append(
            f"  {name:<32s} {r.data:5.2f}  {r.reg:5.2f}  {r.total:6.2f}  |   {totals[1]:6.2f}   | "
            f"{totals[-1]:5.2f} ({right}/9 right)"
        )
    sm = results["softmax"]
    lines += [
        "",
        f"The slide's numbers (data loss 1.84, regularisation loss 3.50, total 5.34) are the "
        f"softmax loss's: {sm.data:.2f}, {sm.reg:.2f}, {sm.total:.2f}.",
    ]
    return "\n".join(lines)


def figure(path: Path, steps: int = 100) -> Path:
    """The class regions (softmax) before and after ``steps`` updates, and the total loss
    of each loss function against the number of updates."""
    from matplotlib.colors import ListedColormap

    from digitnet.plots import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), dpi=100)
    gx, gy = np.meshgrid(np.linspace(-1, 1, 300), np.linspace(-1, 1, 300))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    colors = ["tab:red", "tab:green", "tab:blue"]
    _, w, b = descend(softmax, steps)
    for ax, (title, wk, bk) in zip(
        axes, (("the demo's W, b", W0, B0), (f"after {steps} softmax updates", w, b)), strict=False
    ):
        regions = scores(grid, wk, bk).argmax(axis=1).reshape(gx.shape)
        ax.imshow(regions, extent=(-1, 1, -1, 1), origin="lower", alpha=0.25,
                  cmap=ListedColormap(colors), vmin=0, vmax=2)  # fmt: skip
        for k, color in enumerate(colors):
            pts = POINTS[k == LABELS]
            ax.scatter(pts[:, 0], pts[:, 1], c=color, edgecolors="black", s=60, label=f"class {k}")
        right = int((scores(POINTS, wk, bk).argmax(axis=1) == LABELS).sum())
        ax.set_title(f"{title}: {right}/9 right")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.legend(fontsize=8)
    for name, fn in LOSSES.items():
        axes[2].plot(descend(fn, steps)[0], label=name)
    axes[2].set_xlabel("parameter updates (step size 0.1)")
    axes[2].set_ylabel("total loss (data + 0.1 ΣW²)")
    axes[2].set_title("The loss falls with each update")
    axes[2].grid(alpha=0.3)
    axes[2].legend(fontsize=8)
    return save(fig, path)
