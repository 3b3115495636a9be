"""Chapter 1's exercise: a fourth layer that turns the ten output neurons into binary.

The old output layer has ten neurons, one per digit. When the network is sure of digit d,
the correct neuron's activation is at least 0.99 and the other nine at most 0.01. A new
layer of four sigmoid neurons (bit 8, 4, 2, 1) reads those ten activations a (10,)::

    weights[k, j] = +10 if bit k of digit j is 1, else −10;   biases = 0

Why it works: for bit k the correct neuron adds at least 0.99 · 10 = 9.9 to z with the
right sign, and the nine others together change z by at most 9 · 0.01 · 10 = 0.9 the
other way, so |z| ≥ 9 with the right sign and σ(z) is within 1.3e-4 of the bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BITS = 4
PLACES = tuple(2**k for k in reversed(range(BITS)))  # 8, 4, 2, 1: the output neurons
WEIGHT = 10.0
SURE = 0.99  # the correct neuron's activation is at least this
UNSURE = 0.01  # and every other neuron's at most this


def binary_layer(weight: float = WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """(weights (4, 10), biases (4,)): row k is the neuron for place value PLACES[k]."""
    digits = np.arange(10)
    bits = np.array([(digits & place) > 0 for place in PLACES])
    return np.where(bits, weight, -weight), np.zeros(BITS)


def bit_outputs(activations: np.ndarray, weight: float = WEIGHT) -> np.ndarray:
    """The new layer's sigmoid outputs (N, 4) for old-output activations (N, 10)."""
    w, b = binary_layer(weight)
    z = np.asarray(activations, dtype=np.float64) @ w.T + b
    return 1.0 / (1.0 + np.exp(-z))


def decode(bits: np.ndarray) -> np.ndarray:
    """Digits (N,) from bit outputs (N, 4): each bit is 1 where its output exceeds 0.5."""
    return (np.asarray(bits) > 0.5).astype(np.int64) @ np.array(PLACES)


def conditions_hold(activations: np.ndarray) -> np.ndarray:
    """(N,) bool: one activation ≥ 0.99 and all the others ≤ 0.01, for (N, 10) input."""
    a = np.sort(np.asarray(activations), axis=1)
    return (a[:, -1] >= SURE) & (a[:, -2] <= UNSURE)


def worst_case_inputs() -> np.ndarray:
    """(10, 10): row d has 0.99 for digit d and 0.01 for the others (the edge of the
    conditions, where the bits are closest to failing)."""
    return np.where(np.eye(10, dtype=bool), SURE, UNSURE)


def on_model(activations: np.ndarray) -> dict[str, int]:
    """How the layer does on a model's output activations (N, 10): how many images meet
    the conditions, how many of those decode to the argmax, and how many of all do."""
    held = conditions_hold(activations)
    agree = decode(bit_outputs(activations)) == np.asarray(activations).argmax(axis=1)
    return {
        "images": len(agree),
        "conditions_hold": int(held.sum()),
        "agree_where_held": int(agree[held].sum()),
        "agree_overall": int(agree.sum()),
    }


def model_activations(model, images: np.ndarray) -> np.ndarray:
    """A model's output activations (N, 10) on uint8 images (N, 28, 28); the model must
    end in sigmoid or softmax neurons, whose activations lie in [0, 1] as the exercise
    assumes (or, as the shipped readers do, in a softmax folded by a fixed linear map
    that keeps probabilities probabilities)."""
    from digitnet.errors import DigitnetError
    from digitnet.nn.activations import Sigmoid, Softmax
    from digitnet.nn.model import folded_softmax
    from digitnet.train import as_inputs

    if model.n_out != 10 or not (
        isinstance(model.layers[-1], (Sigmoid, Softmax)) or folded_softmax(model)
    ):
        raise DigitnetError(
            "binary-output needs a model with ten sigmoid or softmax output neurons"
        )
    # small batches keep a convolutional model's working set in cache: faster here
    return model.predict_proba(as_inputs(images, model.dtype), batch_size=256)


def report(model_result: dict[str, int] | None = None, model_name: str = "") -> str:
    """The weights, the proof on the ten inputs, and the result on a model, as text."""
    w, b = binary_layer()
    lines = ["Weights from the old output neuron (columns: digit 0-9) to each bit neuron:"]
    lines.append("  bit |" + "".join(f"{d:>5d}" for d in range(10)) + " | bias")
    for place, row, bias in zip(PLACES, w, b, strict=True):
        lines.append(f"  {place:>3d} |" + "".join(f"{v:>5.0f}" for v in row) + f" | {bias:.0f}")
    lines += ["", "On the ten inputs (0.99 for the digit, 0.01 for the others):"]
    lines.append("  digit | bit outputs (8 4 2 1)         | code | decoded")
    bits = bit_outputs(worst_case_inputs())
    for d, row in enumerate(bits):
        outs = " ".join(f"{v:.4f}" for v in row)
        code = "".join("1" if v > 0.5 else "0" for v in row)
        lines.append(f"  {d:>5d} | {outs} | {code} | {decode(row[None])[0]}")
    right = int((decode(bits) == np.arange(10)).sum())
    gap = np.abs(bits - bits.round()).max()
    lines.append(f"  {right} / 10 right; the bits are at most {gap:.1e} from 0 or 1")
    if model_result is not None:
        r = model_result
        lines += [
            "",
            f"On top of {model_name} over the MNIST test set ({r['images']:,} images):",
            f"  the conditions hold for {r['conditions_hold']:,} images; on "
            f"{r['agree_where_held']:,} of them the bits decode to the argmax digit",
            f"  over all {r['images']:,} images the bits agree with the argmax on "
            f"{r['agree_overall']:,}",
        ]
    return "\n".join(lines)


def figure(path: Path) -> Path:
    """The 4 × 10 weights as an image, beside the bit outputs for the ten inputs."""
    from digitnet.plots import pyplot, save

    plt = pyplot()
    w, _ = binary_layer()
    bits = bit_outputs(worst_case_inputs())
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), dpi=100)
    left.imshow(w, cmap="RdBu_r", vmin=-WEIGHT, vmax=WEIGHT)
    left.set_title("weights: old output neuron → bit neuron")
    right.imshow(bits.T, cmap="Greys", vmin=0, vmax=1)
    right.set_title("bit outputs for each digit (0.99 / 0.01 inputs)")
    for ax, values, fmt in ((left, w, "{:+.0f}"), (right, bits.T, "{:.2f}")):
        ax.set_xticks(range(10))
        ax.set_xlabel("digit")
        ax.set_yticks(range(BITS), [f"bit {p}" for p in PLACES])
        for (k, j), v in np.ndenumerate(values):
            shade = "white" if ax is left or v > 0.5 else "black"  # on dark cells
            ax.text(j, k, fmt.format(v), ha="center", va="center", fontsize=8, color=shade)
    return save(fig, path)
