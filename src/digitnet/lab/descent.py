"""Gradient descent as a ball rolling downhill (chapter 1), on surfaces of two variables.

Each step moves v = (v1, v2) by Δv = −η ∇C(v). Near a minimum where the surface curves
by h along some direction, a step multiplies the distance along it by (1 − ηh): a small
η creeps (thousands of steps when h is small), 1/h < η < 2/h overshoots and oscillates
but still converges, and η > 2/h makes each overshoot bigger than the last: divergence.

Surfaces:

- ``bowl``: C = (v1² + v2²) / 2, curvature 1 both ways;
- ``valley``: C = 0.05 v1² + v2², a long narrow valley (curvatures 0.1 and 2);
- ``double-well``: C = (v1² − 1)² + 0.3 v1 + v2², two minima with a saddle between them;
  the one at v1 ≈ 0.96 is a false minimum, the deeper one is at v1 ≈ −1.04.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATES = (0.03, 0.3, 0.8, 1.5, 3.0)
TOLERANCE = 1e-6  # converged when |∇C| falls below this
MAX_STEPS = 20_000
ESCAPE = 1e6  # diverged when |v| grows past this (or stops being finite)


@dataclass(frozen=True)
class Surface:
    """A cost C(v1, v2), its gradient, where descent starts and the window to draw."""

    name: str
    formula: str
    cost: Callable[[float, float], float]
    gradient: Callable[[float, float], tuple[float, float]]
    start: tuple[float, float]
    view: tuple[float, float, float, float]  # v1 from, v1 to, v2 from, v2 to


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface(
            "bowl",
            "(v1² + v2²) / 2",
            lambda a, b: (a * a + b * b) / 2,
            lambda a, b: (a, b),
            (2.0, 1.5),
            (-3, 3, -3, 3),
        ),
        Surface(
            "valley",
            "0.05 v1² + v2²",
            lambda a, b: 0.05 * a * a + b * b,
            lambda a, b: (0.1 * a, 2 * b),
            (-4.0, 1.5),
            (-5, 5, -2.5, 2.5),
        ),
        Surface(
            "double-well",
            "(v1² − 1)² + 0.3 v1 + v2²",
            lambda a, b: (a * a - 1) ** 2 + 0.3 * a + b * b,
            lambda a, b: (4 * a * (a * a - 1) + 0.3, 2 * b),
            (1.7, 1.2),
            (-2, 2, -1.6, 1.6),
        ),
    )
}


@dataclass
class Descent:
    """One run: the points visited (steps + 1, 2), how it ended and whether it oscillated."""

    surface: str
    eta: float
    path: np.ndarray
    outcome: str  # "converged", "diverged" or "still moving" (MAX_STEPS reached)
    oscillating: bool
    final_cost: float

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def smooth(self) -> bool:
        """True if every step lowered the cost and no step turned back."""
        costs = [SURFACES[self.surface].cost(*p) for p in self.path]
        return not self.oscillating and all(b <= a for a, b in itertools.pairwise(costs))


def descend(
    surface: Surface,
    eta: float,
    start: tuple[float, float] | None = None,
    max_steps: int = MAX_STEPS,
    tolerance: float = TOLERANCE,
) -> Descent:
    """Gradient descent with learning rate ``eta`` until |∇C| < tolerance, divergence or
    ``max_steps``. It oscillates when, on most steps, some coordinate's step turns back."""
    v1, v2 = start or surface.start
    path = [(v1, v2)]
    turns, last = 0, (0.0, 0.0)
    outcome = "still moving"
    for _ in range(max_steps):
        g1, g2 = surface.gradient(v1, v2)
        if math.hypot(g1, g2) < tolerance:
            outcome = "converged"
            break
        d1, d2 = -eta * g1, -eta * g2
        turns += d1 * last[0] < 0 or d2 * last[1] < 0
        last = (d1, d2)
        v1, v2 = v1 + d1, v2 + d2
        path.append((v1, v2))
        if not (math.isfinite(v1) and math.isfinite(v2)) or math.hypot(v1, v2) > ESCAPE:
            outcome = "diverged"
            break
    else:
        g1, g2 = surface.gradient(v1, v2)
        if math.hypot(g1, g2) < tolerance:
            outcome = "converged"
    steps = len(path) - 1
    oscillating = steps > 1 and turns > (steps - 1) / 2
    final = surface.cost(v1, v2) if outcome != "diverged" else math.inf
    return Descent(surface.name, eta, np.array(path), outcome, oscillating, final)


def run_all(
    surfaces: Sequence[str] = tuple(SURFACES), rates: Sequence[float] = RATES
) -> list[Descent]:
    """Every surface with every learning rate."""
    return [descend(SURFACES[name], eta) for name in surfaces for eta in rates]


def describe(d: Descent) -> str:
    if d.outcome == "diverged":
        return f"diverged after {d.steps} steps"
    how = "oscillating" if d.oscillating else "smoothly"
    if d.outcome == "converged":
        return f"converged {how} in {d.steps:,} steps"
    return f"still moving ({how}) after {d.steps:,} steps"


def report(runs: Sequence[Descent]) -> str:
    """A table of the runs."""
    lines = [
        f"Gradient descent, Δv = −η∇C, until |∇C| < {TOLERANCE:g} (at most {MAX_STEPS:,} steps)",
        "  surface      η     outcome                                final cost   final v",
    ]
    for d in runs:
        v = d.path[-1]
        where = f"({v[0]:+.3f}, {v[1]:+.3f})" if d.outcome != "diverged" else "-"
        cost = f"{d.final_cost:.6f}" if math.isfinite(d.final_cost) else "inf"
        lines.append(f"  {d.surface:<11s} {d.eta:<5g} {describe(d):<38s} {cost:>10s}   {where}")
    for name, s in SURFACES.items():
        lines.append(f"  {name}: C = {s.formula}, from v = {s.start}")
    well = SURFACES["double-well"]
    deep = descend(well, 0.03, start=(-well.start[0], well.start[1]))
    v = deep.path[-1]
    lines.append(
        f"  double-well's deeper minimum is at v = ({v[0]:+.3f}, {v[1]:+.3f}) with C = "
        f"{deep.final_cost:.6f}: descent from {well.start} rolls into the false one"
    )
    return "\n".join(lines)


def figure(runs: Sequence[Descent], path: Path) -> Path:
    """One panel per surface: contours of C and each learning rate's path."""
    from digitnet.plots import pyplot, save

    plt = pyplot()
    names = list(dict.fromkeys(d.surface for d in runs))
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), dpi=100)
    axes = np.atleast_1d(axes)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes, names, strict=True):
        s = SURFACES[name]
        x0, x1, y0, y1 = s.view
        gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
        c = s.cost(gx, gy)
        levels = np.quantile(c, np.linspace(0, 1, 22) ** 2)
        ax.contour(gx, gy, c, levels=np.unique(levels), cmap="viridis", linewidths=0.7)
        mine = [r for r in runs if r.surface == name]
        for i, d in sorted(enumerate(mine), key=lambda x: x[1].outcome != "diverged"):
            color, label = colors[i % len(colors)], f"η = {d.eta:g}: {describe(d)}"
            if d.outcome == "diverged":  # its first steps tell the story; drawn underneath
                ax.plot(d.path[:12, 0], d.path[:12, 1], "--", lw=1, color=color, label=label)
                continue
            ax.plot(d.path[:, 0], d.path[:, 1], "-", lw=1.2, color=color, label=label)
            ax.plot(d.path[:40, 0], d.path[:40, 1], ".", ms=4, color=color)
        ax.plot(*s.start, "k*", ms=10)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{name}: C = {s.formula}")
        ax.set_xlabel("v1")
        ax.set_ylabel("v2")
        ax.legend(fontsize=7, loc="lower left")
    return save(fig, path)
