"""A Keras-style summary of a network: each layer, its output shape, its parameters."""

from __future__ import annotations

from digitnet.config import ModelSpec


def rows(spec: ModelSpec) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) for each layer of ``spec``."""
    out = []
    n_in = spec.input_size
    counts: dict[str, int] = {}
    for layer in spec.layers:
        kind = layer["type"]
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}_{counts[kind]}"
        if kind == "dropout":
            out.append((f"{name} (Dropout {layer['rate']})", f"(None, {n_in})", 0))
            continue
        units = int(layer["units"])
        pieces = int(layer.get("pieces", 1))
        params = (n_in * units + units) * pieces
        what = (
            f"Maxout x{pieces}"
            if kind == "maxout"
            else f"Dense, {layer.get('activation', 'linear')}"
        )
        out.append((f"{name} ({what})", f"(None, {units})", params))
        n_in = units
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
        f"Input: (None, {spec.input_size}); cost: {spec.cost}; init: {spec.init}",
    ]
    return "\n".join(text)


def total_parameters(spec: ModelSpec) -> int:
    return sum(r[2] for r in rows(spec))
