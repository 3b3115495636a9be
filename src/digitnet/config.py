"""Descriptions of a model and of a training run, as dataclasses that round-trip JSON.

A ``ModelSpec`` says what network to build; a ``TrainConfig`` how to train it. CLI
flags map onto them, and model files store both.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from digitnet.errors import DigitnetError

LAYER_TYPES = ("dense",)


@dataclass
class ModelSpec:
    """A network: an input size and a list of layers, plus the cost it is trained with.

    Each layer is a dict: ``{"type": "dense", "units": 30, "activation": "sigmoid"}``.
    """

    input_size: int = 784
    layers: list[dict[str, Any]] = field(default_factory=list)
    cost: str = "quadratic"
    init: str = "normal"

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
        """[input, units of each layer], e.g. [784, 30, 10]."""
        return [self.input_size] + [int(layer["units"]) for layer in self.layers]

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
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
                raise DigitnetError(f"model spec: layer {i} has no known type ({LAYER_TYPES})")
            units = layer.get("units")
            if not isinstance(units, int) or units < 1:
                raise DigitnetError(f"model spec: layer {i} needs a positive 'units'")

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


@dataclass
class TrainConfig:
    """How a model is trained: the book's chapter 1 run by default."""

    dataset: str = "mnist"
    epochs: int = 30
    mini_batch_size: int = 10
    learning_rate: float = 3.0
    seed: int = 0
    dtype: str = "float32"

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
