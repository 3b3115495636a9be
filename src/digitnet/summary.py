"""A Keras-style summary of a network: each layer, its output shape, its parameters."""

from __future__ import annotations

import numpy as np

from digitnet.config import ModelSpec


def rows(spec: ModelSpec) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) for each layer of ``spec``."""
    out: list[tuple[str, str, int]] = []
    shape: tuple[int, ...] = tuple(spec.input_shape) if spec.input_shape else (spec.input_size,)
    counts: dict[str, int] = {}

    def add(kind: str, what: str, new_shape: tuple[int, ...], params: int) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        dims = ", ".join(str(d) for d in new_shape)
        out.append((f"{kind}_{counts[kind]} ({what})", f"(None, {dims})", params))

    for layer in spec.layers:
        kind = layer["type"]
        act = layer.get("activation", "linear")
        if kind == "dropout":
            add(kind, f"Dropout {layer['rate']}", shape, 0)
            continue
        if kind == "flatten" or (kind in ("dense", "maxout") and len(shape) > 1):
            shape = (int(np.prod(shape)),)
            add("flatten", "Flatten", shape, 0)
            if kind == "flatten":
                continue
        if kind == "conv2d":
            f, k = int(layer["filters"]), int(layer["kernel"])
            pad = k // 2 if layer.get("padding") == "same" else 0
            params = f * shape[0] * k * k + f
            shape = (f, shape[1] + 2 * pad - k + 1, shape[2] + 2 * pad - k + 1)
            add(kind, f"Conv2D {k}x{k}, {act}", shape, params)
        elif kind == "maxpool2d":
            size = int(layer.get("size", 2))
            shape = (shape[0], shape[1] // size, shape[2] // size)
            add(kind, f"MaxPool {size}x{size}", shape, 0)
        else:
            units, pieces = int(layer["units"]), int(layer.get("pieces", 1))
            params = (shape[0] * units + units) * pieces
            what = f"Maxout x{pieces}" if kind == "maxout" else f"Dense, {act}"
            shape = (units,)
            add(kind, what, shape, params)
    return out


def summarize(spec: ModelSpec) -> str:
    """The table, with the totals, as text."""
    table = rows(spec)
    width = max(len("Layer (type)"), *(len(r[0]) for r in table)) + 2
    line = "-" * (width + 32)
    text = [line, f"{'Layer (type)':<{width}}{'Output Shape':<18}{'Param #':>14}", "=" * len(line)]
    text += [f"{name:<{width}}{shape:<18}{params:>14,}" for name, shape, params in table]
    total = sum(r[2] for r in table)
    text += [
        "=" * len(line),
        f"Total params: {total:,}",
        f"Trainable params: {total:,}",
        "Non-trainable params: 0",
        line,
        f"Input: (None, {', '.join(map(str, spec.input_shape or [spec.input_size]))}); "
        f"cost: {spec.cost}; init: {spec.init}",
    ]
    return "\n".join(text)


def total_parameters(spec: ModelSpec) -> int:
    return sum(r[2] for r in rows(spec))
