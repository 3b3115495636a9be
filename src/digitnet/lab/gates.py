"""Chapter 1's perceptrons: a NAND gate, the two-bit adder wired from NANDs, and sigmoid
neurons as smoothed perceptrons.

A perceptron outputs 1 if w·x + b > 0 and 0 otherwise; a sigmoid neuron outputs
σ(w·x + b). Multiplying every weight and bias by c > 0 multiplies each w·x + b by c,
which never changes its sign, so a network of perceptrons behaves the same. A sigmoid
neuron's σ(c(w·x + b)) tends to the perceptron's output as c → ∞, unless w·x + b = 0,
where it stays at σ(0) = 0.5 for every c.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

Neuron = Callable[[Sequence[float], Sequence[float], float], float]

NAND_WEIGHTS = (-2.0, -2.0)
NAND_BIAS = 3.0
#: A gate whose w·x + b is exactly 0 on two of its inputs: where sigmoids fail.
BOUNDARY_WEIGHTS = (-2.0, -2.0)
BOUNDARY_BIAS = 2.0
INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))
SCALES = (1.0, 10.0, 100.0)


def weighted_input(x: Sequence[float], w: Sequence[float], b: float) -> float:
    """z = w·x + b."""
    return sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b


def perceptron(x: Sequence[float], w: Sequence[float], b: float) -> float:
    """1 if w·x + b > 0, else 0 (the book's rule: 0 when w·x + b ≤ 0)."""
    return 1.0 if weighted_input(x, w, b) > 0 else 0.0


def sigmoid_neuron(x: Sequence[float], w: Sequence[float], b: float) -> float:
    """σ(w·x + b) = 1 / (1 + exp(−(w·x + b)))."""
    z = weighted_input(x, w, b)
    if z < -700:  # exp would overflow; σ is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def gate(
    x: Sequence[float],
    w: Sequence[float],
    b: float,
    neuron: Neuron = perceptron,
    c: float = 1.0,
) -> float:
    """One neuron with every weight and the bias multiplied by c."""
    return neuron(x, [c * wi for wi in w], c * b)


def nand(x1: float, x2: float, neuron: Neuron = perceptron, c: float = 1.0) -> float:
    """The book's NAND perceptron: weights −2, −2 and bias 3."""
    return gate((x1, x2), NAND_WEIGHTS, NAND_BIAS, neuron, c)


def adder(x1: float, x2: float, neuron: Neuron = perceptron, c: float = 1.0) -> tuple[float, float]:
    """(sum bit, carry bit) of x1 + x2, wired from NAND gates as in the book's figure.

    The sum is x1 XOR x2 from four NANDs; the carry is a NAND whose two inputs both come
    from the first gate, which the book draws as one perceptron with weight −4.
    """
    n1 = nand(x1, x2, neuron, c)
    n2 = nand(x1, n1, neuron, c)
    n3 = nand(x2, n1, neuron, c)
    total = nand(n2, n3, neuron, c)
    carry = gate((n1,), (2 * NAND_WEIGHTS[0],), NAND_BIAS, neuron, c)
    return total, carry


def boundary_gate(x1: float, x2: float, neuron: Neuron = perceptron, c: float = 1.0) -> float:
    """A gate with weights −2, −2 and bias 2: w·x + b = 0 on inputs (0, 1) and (1, 0)."""
    return gate((x1, x2), BOUNDARY_WEIGHTS, BOUNDARY_BIAS, neuron, c)


def largest_gap(c: float) -> float:
    """The largest |sigmoid − perceptron| over the NAND and adder outputs, at scale c."""
    gaps = []
    for x1, x2 in INPUTS:
        gaps.append(abs(nand(x1, x2, sigmoid_neuron, c) - nand(x1, x2)))
        gaps += [
            abs(s - p) for s, p in zip(adder(x1, x2, sigmoid_neuron, c), adder(x1, x2), strict=True)
        ]
    return max(gaps)


def report(scales: Sequence[float] = SCALES) -> str:
    """The truth tables and the c → ∞ tables, as text."""
    lines = ["NAND perceptron: weights −2, −2, bias 3", "  x1 x2 | w·x+b | output"]
    for x1, x2 in INPUTS:
        z = weighted_input((x1, x2), NAND_WEIGHTS, NAND_BIAS)
        lines.append(f"   {x1}  {x2} | {z:+5.0f} | {nand(x1, x2):.0f}")
    lines += ["", "Two-bit adder from NAND perceptrons", "  x1 x2 | sum carry | x1+x2"]
    for x1, x2 in INPUTS:
        s, carry = adder(x1, x2)
        ok = "ok" if 2 * carry + s == x1 + x2 else "WRONG"
        lines.append(f"   {x1}  {x2} |  {s:.0f}    {carry:.0f}   |  {x1 + x2}  {ok}")
    same = all(
        adder(x1, x2, c=c) == adder(x1, x2) and nand(x1, x2, c=c) == nand(x1, x2)
        for c in (0.001, 0.5, 7.0, 1e6)
        for x1, x2 in INPUTS
    )
    lines.append(
        "Every weight and bias times c > 0 (c = 0.001, 0.5, 7, 1e6): "
        + ("the same outputs" if same else "DIFFERENT outputs")
    )
    lines += ["", "Sigmoid neurons in place of perceptrons, weights and biases times c"]
    lines.append("      c  x1 x2 | NAND   sum    carry")
    for c in scales:
        for x1, x2 in INPUTS:
            s, carry = adder(x1, x2, sigmoid_neuron, c)
            nand_out = nand(x1, x2, sigmoid_neuron, c)
            lines.append(f"  {c:5g}   {x1}  {x2} | {nand_out:.3f}  {s:.3f}  {carry:.3f}")
        lines.append(f"          largest gap to the perceptrons: {largest_gap(c):.2e}")
    lines += [
        "",
        "Where it fails: weights −2, −2, bias 2 give w·x+b = 0 on (0, 1) and (1, 0)",
        "  x1 x2 | perceptron | " + " | ".join(f"sigmoid c={c:<3g}" for c in scales),
    ]
    for x1, x2 in INPUTS:
        sig = " | ".join(f"{boundary_gate(x1, x2, sigmoid_neuron, c):13.3f}" for c in scales)
        lines.append(f"   {x1}  {x2} | {boundary_gate(x1, x2):10.0f} | {sig}")
    lines.append("  σ(c·0) = 0.5 for every c: the sigmoid never approaches the perceptron's 0.")
    return "\n".join(lines)


def figure(path: Path, scales: Sequence[float] = SCALES) -> Path:
    """σ(c·z) for each c beside the perceptron's step, with the NAND gate's z values."""
    import numpy as np

    from digitnet.plots import pyplot, save

    plt = pyplot()
    z = np.linspace(-4, 4, 801)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.step(z, (z > 0).astype(float), where="post", color="black", lw=2, label="perceptron")
    for c in scales:
        ax.plot(z, 1 / (1 + np.exp(-np.clip(c * z, -700, 700))), label=f"sigmoid, c = {c:g}")
    nand_z = sorted({weighted_input(x, NAND_WEIGHTS, NAND_BIAS) for x in INPUTS})
    ax.plot(nand_z, [1.0 if v > 0 else 0.0 for v in nand_z], "o", color="tab:red", ms=8)
    ax.plot([0], [0.5], "X", color="tab:purple", ms=10, label="w·x+b = 0: σ stays 0.5")
    for v in nand_z:
        ax.annotate(f"NAND z={v:g}", (v, 1.0 if v > 0 else 0.0), textcoords="offset points",
                    xytext=(4, -14 if v > 0 else 6), fontsize=8)  # fmt: skip
    ax.set_xlabel("weighted input z = w·x + b (before scaling by c)")
    ax.set_ylabel("output")
    ax.set_title("Sigmoid neurons approach perceptrons as c → ∞")
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    return save(fig, path)
