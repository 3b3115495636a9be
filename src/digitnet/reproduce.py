"""Published experiments, with their exact settings and published figures.

Each entry is a ModelSpec, a TrainConfig and the figure its source reports, measured on
the split the source used: the book's chapter 1 runs report test accuracy, its chapter
3 run validation accuracy. Where the figure is on test data, digitnet keeps the epoch
with the best *validation* accuracy and then measures the test data once; where it is on
validation data, digitnet keeps the last epoch, so the reported split never chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from digitnet.config import ModelSpec, TrainConfig
from digitnet.errors import lookup


@dataclass(frozen=True)
class Experiment:
    name: str
    source: str
    spec: ModelSpec
    config: TrainConfig
    published: float  # percent
    split: str  # "test" or "validation"
    note: str = ""

    def describe(self) -> str:
        c = self.config
        layers = "-".join(map(str, self.spec.sizes))
        acts = "/".join(dict.fromkeys(x.get("activation", "") for x in self.spec.layers))
        return (
            f"{layers} {acts}, {self.spec.cost}, {c.optimizer} η {c.learning_rate:g}"
            + (f", L2 λ {c.l2:g}" if c.l2 else "")
            + f", mini-batch {c.mini_batch_size}, {c.epochs} epochs, {c.dataset}"
        )


def dense(sizes: list[int], hidden: str, output: str, cost: str, init: str) -> ModelSpec:
    layers = [{"type": "dense", "units": u, "activation": hidden} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": output})
    return ModelSpec(input_size=sizes[0], layers=layers, cost=cost, init=init)


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in [
        Experiment(
            "book-ch1",
            "Nielsen, Neural Networks and Deep Learning, ch. 1",
            dense([784, 30, 10], "sigmoid", "sigmoid", "quadratic", "normal"),
            TrainConfig(epochs=30, mini_batch_size=10, learning_rate=3.0),
            95.42,
            "test",
        ),
        Experiment(
            "book-ch1-100",
            "Nielsen, Neural Networks and Deep Learning, ch. 1",
            dense([784, 100, 10], "sigmoid", "sigmoid", "quadratic", "normal"),
            TrainConfig(epochs=30, mini_batch_size=10, learning_rate=3.0),
            96.59,
            "test",
        ),
        Experiment(
            "book-ch3",
            "Nielsen, Neural Networks and Deep Learning, ch. 3 (regularization)",
            dense([784, 100, 10], "sigmoid", "sigmoid", "cross-entropy", "normal"),
            TrainConfig(epochs=60, mini_batch_size=10, learning_rate=0.1, l2=5.0, keep="last"),
            98.04,
            "validation",
        ),
        Experiment(
            "keras-dense",
            "the seed slides' Keras model (Dense 64 sigmoid, Dense 10 softmax)",
            dense([784, 64, 10], "sigmoid", "softmax", "log-likelihood", "glorot"),
            TrainConfig(epochs=10, mini_batch_size=32, learning_rate=0.001, optimizer="adam"),
            97.14,
            "test",
        ),
        Experiment(
            "pytorch-quickstart",
            "PyTorch's quickstart tutorial (figure measured here with PyTorch)",
            dense([784, 512, 512, 10], "relu", "softmax", "log-likelihood", "fan-in-uniform"),
            TrainConfig(
                dataset="fashion-mnist",
                epochs=5,
                mini_batch_size=64,
                learning_rate=1e-3,
                shuffle=False,
                train_split="train-full",
                keep="last",
            ),
            64.5,
            "test",
            note="PyTorch's tutorial prints about 64-65% after 5 epochs",
        ),
    ]
}


def get(name: str) -> Experiment:
    """The experiment called ``name``."""
    return lookup(EXPERIMENTS, name, "experiment")


def with_seed(experiment: Experiment, seed: int, epochs: int | None = None) -> TrainConfig:
    """The experiment's config for one seed (and, for short runs, fewer epochs)."""
    return replace(
        experiment.config,
        seed=seed,
        epochs=epochs or experiment.config.epochs,
        monitor_training=False,
    )
