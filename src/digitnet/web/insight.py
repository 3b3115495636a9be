"""What the web page shows of a model: its first layer, its activations for one input,
and how it does on the test set. Plain data (lists of numbers) ready to be JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from digitnet.nn.activations import ACTIVATIONS, Softmax
from digitnet.nn.conv import Conv2D
from digitnet.nn.layers import Dense, Maxout
from digitnet.nn.model import folded_softmax

ACTIVATION_LAYERS = (*ACTIVATIONS.values(), Maxout)  # layers whose outputs are activations

MAX_UNITS = 64  # first-layer units shown
MAX_HIDDEN = 256  # hidden activations sent back with a prediction
WORST = 12  # worst errors shown


def rounded(values: np.ndarray, digits: int = 4) -> list:
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def first_layer(model) -> dict[str, Any]:
    """The first layer's units as images: ``weights`` (units, h·w) scaled so each unit's
    largest |weight| is 1, with ``shape`` [h, w] and ``kind`` "dense" or "conv"."""
    layer = model.layers[0]
    if isinstance(layer, Dense) and layer.weight.shape[1] == 784:
        w, shape, kind = layer.weight, [28, 28], "dense"
    elif isinstance(layer, Conv2D):
        f, c, kh, kw = layer.weight.shape
        w, shape, kind = layer.weight.reshape(f, c, kh * kw).mean(axis=1), [kh, kw], "conv"
    else:
        return {"kind": "other", "shape": [0, 0], "weights": [], "units": 0}
    w = np.asarray(w[:MAX_UNITS], dtype=np.float64)
    scale = np.abs(w).max(axis=1, keepdims=True)
    w = w / np.where(scale > 0, scale, 1)
    return {"kind": kind, "shape": shape, "weights": rounded(w, 3), "units": len(layer.bias)}


def look(model, x: np.ndarray) -> dict[str, Any]:
    """Run one input x (784,) layer by layer: the output probabilities (10,), each
    first-layer unit's activation (a conv unit: its feature map's mean) and the last
    hidden layer's activations (at most MAX_HIDDEN)."""
    a = np.asarray(x, dtype=model.dtype).reshape(1, -1)
    if model.input_shape:
        a = a.reshape(1, *model.input_shape)
    first = None
    hidden = None
    dense_seen = 0
    n_dense = len(model.dense_layers) - folded_softmax(model)  # a fold is the output's
    for layer in model.layers:
        a = layer.forward(a, False)
        is_activation = isinstance(layer, ACTIVATION_LAYERS)
        if first is None and is_activation:
            first = a.reshape(1, a.shape[1], -1).mean(axis=2)[0] if a.ndim == 4 else a[0]
        if isinstance(layer, Dense):
            dense_seen += 1
        if is_activation and dense_seen == n_dense - 1 and a.ndim == 2:
            hidden = a[0]
    out = a[0].astype(np.float64)
    if not isinstance(model.layers[-1], Softmax):
        total = out.sum()
        out = out / total if total > 0 else out
    return {
        "probabilities": rounded(out),
        "first_layer": rounded(first[:MAX_UNITS]) if first is not None else [],
        "hidden": rounded(hidden[:MAX_HIDDEN]) if hidden is not None else [],
    }


def evaluation(model, images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Accuracy, the confusion matrix (rows: true class) and the most confident mistakes
    (each with its 28×28 image as 784 values in [0, 1]) on images (N, 28, 28)."""
    from digitnet.metrics import confusion_matrix
    from digitnet.train import as_inputs

    x = as_inputs(images, model.dtype)
    probs = model.predict_proba(x, batch_size=256)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    worst = wrong[np.argsort(-probs[wrong, predicted[wrong]])][:WORST]
    return {
        "images": len(labels),
        "accuracy": float((predicted == labels).mean()),
        "confusion": confusion_matrix(predicted, labels).tolist(),
        "worst": [
            {
                "label": int(labels[i]),
                "predicted": int(predicted[i]),
                "confidence": round(float(probs[i, predicted[i]]), 4),
                "image": rounded(x[i], 3),
            }
            for i in worst
        ],
    }
