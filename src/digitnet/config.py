"""Descriptions of a model and of a training run, as dataclasses that round-trip JSON.

A ``ModelSpec`` says what network to build; a ``TrainConfig`` how to train it. CLI
flags map onto them, and model files store both.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from digitnet.errors import DigitnetError

LAYER_TYPES = ("dense", "maxout", "dropout", "conv2d", "maxpool2d", "flatten")


@dataclass
class ModelSpec:
    """A network: an input size and a list of layers, plus the cost it is trained with.

    Each layer is a dict, one of:
    ``{"type": "dense", "units": 30, "activation": "sigmoid"}`` (activation optional;
    any name in ``digitnet.nn.activations``), ``{"type": "maxout", "units": 100,
    "pieces": 2}``, ``{"type": "dropout", "rate": 0.5}``, ``{"type": "conv2d", "filters":
    20, "kernel": 5, "padding": "valid", "activation": "relu"}``, ``{"type": "maxpool2d",
    "size": 2}``, ``{"type": "flatten"}`` (a dense layer after image-shaped data flattens
    it by itself). Networks with conv2d or maxpool2d layers need ``input_shape``, e.g.
    [1, 28, 28]; ``input_size`` is then its product. A layer may name its own
    ``"init"``; ``init`` is the default for all.
    """

    input_size: int = 784
    layers: list[dict[str, Any]] = field(default_factory=list)
    cost: str = "quadratic"
    init: str = "normal"
    input_shape: list[int] | None = None

    @classmethod
    def from_sizes(
        cls,
        sizes: list[int],
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal",
    ) -> ModelSpec:
        """The book's description, e.g. [784, 30, 10]: dense layers with one activation."""
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise DigitnetError(f"sizes must be two or more positive numbers, got {sizes}")
        layers = [{"type": "dense", "units": int(s), "activation": activation} for s in sizes[1:]]
        return cls(input_size=int(sizes[0]), layers=layers, cost=cost, init=init)

    @property
    def sizes(self) -> list[int]:
        """[input, units of each layer with units], e.g. [784, 30, 10]."""
        return [self.input_size] + [int(x["units"]) for x in self.layers if "units" in x]

    @property
    def short_name(self) -> str:
        """A name for files and headers: 784-30-10, or 784-c20k5-p2-100-10 with convolutions."""
        parts = [str(self.input_size)]
        for layer in self.layers:
            kind = layer["type"]
            if kind == "conv2d":
                parts.append(f"c{layer['filters']}k{layer['kernel']}")
            elif kind == "maxpool2d":
                parts.append(f"p{layer.get('size', 2)}")
            elif kind == "maxout":
                parts.append(f"m{layer['units']}x{layer['pieces']}")
            elif "units" in layer:
                parts.append(str(layer["units"]))
        return "-".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSpec:
        if not isinstance(d, dict):
            raise DigitnetError("model spec must be a JSON object")
        known = {f.name for f in fields(cls)}
        extra = set(d) - known
        if extra:
            raise DigitnetError(f"model spec: unknown field(s) {', '.join(sorted(extra))}")
        spec = cls(**d)
        spec.validate()
        return spec

    def validate(self) -> None:
        """Raise DigitnetError if the spec cannot describe a network."""
        if not isinstance(self.input_size, int) or self.input_size < 1:
            raise DigitnetError(f"model spec: bad input_size {self.input_size!r}")
        if not isinstance(self.layers, list) or not self.layers:
            raise DigitnetError("model spec: needs at least one layer")
        from digitnet.nn.activations import ACTIVATIONS
        from digitnet.nn.init import INITIALIZERS

        if self.input_shape is not None:
            shape = self.input_shape
            if (
                not isinstance(shape, list)
                or len(shape) != 3
                or not all(isinstance(d, int) and d > 0 for d in shape)
                or shape[0] * shape[1] * shape[2] != self.input_size
            ):
                raise DigitnetError(
                    "model spec: input_shape must be [channels, height, width] with "
                    f"product input_size ({self.input_size})"
                )
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
                raise DigitnetError(f"model spec: layer {i} has no known type {LAYER_TYPES}")
            if layer["type"] in ("conv2d", "maxpool2d") and self.input_shape is None:
                raise DigitnetError(f"model spec: layer {i} ({layer['type']}) needs input_shape")
            if layer["type"] == "conv2d":
                for key in ("filters", "kernel"):
                    if not isinstance(layer.get(key), int) or layer[key] < 1:
                        raise DigitnetError(f"model spec: layer {i} needs a positive {key!r}")
                if layer.get("padding", "valid") not in ("valid", "same"):
                    raise DigitnetError(f"model spec: layer {i}: padding is valid or same")
                if layer.get("padding") == "same" and layer["kernel"] % 2 == 0:
                    raise DigitnetError(f"model spec: layer {i}: padding same needs an odd kernel")
            if layer["type"] == "maxpool2d" and (
                not isinstance(layer.get("size", 2), int) or layer.get("size", 2) < 1
            ):
                raise DigitnetError(f"model spec: layer {i} needs a positive 'size'")
            if layer["type"] in ("conv2d", "maxpool2d", "flatten"):
                act = layer.get("activation")
                if act is not None and act not in ACTIVATIONS:
                    raise DigitnetError(f"model spec: layer {i}: unknown activation {act!r}")
                continue
            if layer["type"] == "dropout":
                rate = layer.get("rate")
                if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
                    raise DigitnetError(f"model spec: layer {i} needs a 'rate' in [0, 1)")
                continue
            units = layer.get("units")
            if not isinstance(units, int) or isinstance(units, bool) or units < 1:
                raise DigitnetError(f"model spec: layer {i} needs a positive 'units'")
            if layer["type"] == "maxout":
                pieces = layer.get("pieces")
                if not isinstance(pieces, int) or pieces < 1:
                    raise DigitnetError(f"model spec: layer {i} needs a positive 'pieces'")
            act = layer.get("activation")
            if act is not None and act not in ACTIVATIONS:
                raise DigitnetError(f"model spec: layer {i}: unknown activation {act!r}")
            if layer.get("init", self.init) not in INITIALIZERS:
                raise DigitnetError(f"model spec: layer {i}: unknown init {layer.get('init')!r}")
        if self.init not in INITIALIZERS:
            raise DigitnetError(f"model spec: unknown init {self.init!r}")
        from digitnet.nn.losses import ALIASES, COSTS

        if self.cost not in COSTS and self.cost not in ALIASES:
            known = ", ".join([*COSTS, *ALIASES])
            raise DigitnetError(f"model spec: unknown cost {self.cost!r} (known: {known})")

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


@dataclass
class TrainConfig:
    """How a model is trained: the book's chapter 1 run by default.

    optimizer: sgd, momentum, nesterov or adam; l2 / l1: the book's λ (on weights, scaled
    by 1/n); schedule: constant, step, cosine or plateau (the book's halve-η rule);
    patience: stop after this many epochs without a better validation accuracy (0: never);
    augment: none, shift (the book's 1-pixel shifts, each epoch), random (shifts and
    small rotations, each epoch) or handwriting (slant, size, aspect, rotation, position
    and stroke thickness, each epoch: for handwriting that is not MNIST's); expand: train
    on the book's expanded set (each image and its four 1-pixel shifts: 250,000 images);
    train_split: "train" (the book's 50,000, with the other 10,000 for validation) or
    "train-full" (all 60,000, no validation); keep: best or last epoch.
    """

    dataset: str = "mnist"
    epochs: int = 30
    mini_batch_size: int = 10
    learning_rate: float = 3.0
    seed: int = 0
    dtype: str = "float32"
    optimizer: str = "sgd"
    momentum: float = 0.9
    l2: float = 0.0
    l1: float = 0.0
    schedule: str = "constant"
    patience: int = 0
    augment: str = "none"
    expand: bool = False
    train_split: str = "train"
    shuffle: bool = True
    keep: str = "best"
    monitor_training: bool = True

    def validate(self) -> None:
        if self.epochs < 1:
            raise DigitnetError(f"epochs must be at least 1, got {self.epochs}")
        if self.mini_batch_size < 1:
            raise DigitnetError(f"mini-batch size must be at least 1, got {self.mini_batch_size}")
        if not self.learning_rate > 0 or self.learning_rate == float("inf"):
            raise DigitnetError(
                f"learning rate must be a positive number, got {self.learning_rate}"
            )
        if self.dtype not in ("float32", "float64"):
            raise DigitnetError(f"dtype must be float32 or float64, got {self.dtype!r}")
        choices = {
            "optimizer": ("sgd", "momentum", "nesterov", "adam"),
            "schedule": ("constant", "step", "cosine", "plateau"),
            "augment": ("none", "shift", "random", "handwriting"),
            "keep": ("best", "last"),
            "train_split": ("train", "train-full"),
        }
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise DigitnetError(f"{key} must be one of {', '.join(allowed)}")
        if self.l2 < 0 or self.l1 < 0 or self.patience < 0 or not 0 <= self.momentum < 1:
            raise DigitnetError("l2, l1 and patience must be ≥ 0 and momentum in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
