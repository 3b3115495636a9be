"""Published experiments, with their exact settings and published figures.

Each entry is a ModelSpec, a TrainConfig and the figure its source reports, measured on
the split the source used: the book's chapter 1 runs report test accuracy, its chapter
3 run validation accuracy. Where the figure is on test data, digitnet keeps the epoch
with the best *validation* accuracy and then measures the test data once; where it is on
validation data, digitnet keeps the last epoch, so the reported split never chooses.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from digitnet.claim import Claim
from digitnet.config import ModelSpec, TrainConfig
from digitnet.errors import DigitnetError, lookup
from digitnet.metrics import per_class_recall, silent_classes
from digitnet.train import EpochRecord


@dataclass(frozen=True)
class Experiment:
    name: str
    source: str
    spec: ModelSpec
    config: TrainConfig
    published: float  # percent
    split: str  # "test" or "validation"
    note: str = ""
    ensemble: int = 1  # > 1: that many networks (seeds) vote on each test image

    def describe(self) -> str:
        c = self.config
        layers = self.spec.short_name
        acts = "/".join(
            dict.fromkeys(x["activation"] for x in self.spec.layers if x.get("activation"))
        )
        return (
            f"{layers} {acts}, {self.spec.cost}, {c.optimizer} η {c.learning_rate:g}"
            + (f", L2 λ {c.l2:g}" if c.l2 else "")
            + f", mini-batch {c.mini_batch_size}, {c.epochs} epochs, {c.dataset}"
            + (" expanded ×5" if c.expand else "")
            + (f", a vote of {self.ensemble}" if self.ensemble > 1 else "")
        )


def dense(sizes: list[int], hidden: str, output: str, cost: str, init: str) -> ModelSpec:
    layers = [{"type": "dense", "units": u, "activation": hidden} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": output})
    return ModelSpec(input_size=sizes[0], layers=layers, cost=cost, init=init)


def book_cnn(
    activation: str, convs: int = 1, hidden: tuple[int, ...] = (100,), dropout: float = 0.0
) -> ModelSpec:
    """The book's chapter 6 networks (network3.py): ``convs`` conv-pool layers (20 then 40
    maps, 5×5 kernels, 2×2 max-pooling), fully connected ``hidden`` layers, softmax.

    network3 drops out each fully connected layer's *input* (``p_dropout``), so with
    ``dropout`` a Dropout layer stands before every dense layer, the softmax included.
    network3 draws weights N(0, 1/n_out); digitnet uses He for ReLU and Glorot otherwise.
    """
    layers: list[dict] = []
    for filters in (20, 40)[:convs]:
        layers.append({"type": "conv2d", "filters": filters, "kernel": 5, "activation": activation})
        layers.append({"type": "maxpool2d", "size": 2})
    layers.append({"type": "flatten"})
    for units, act in [*((u, activation) for u in hidden), (10, "softmax")]:
        if dropout:
            layers.append({"type": "dropout", "rate": dropout})
        layers.append({"type": "dense", "units": units, "activation": act})
    return ModelSpec(
        input_size=784,
        input_shape=[1, 28, 28],
        layers=layers,
        cost="log-likelihood",
        init="he" if activation == "relu" else "glorot",
    )


# network3's L2 term is λ/(2·batches)·Σw² on the mean cost; digitnet's is λ'/(2n)·Σw², so
# λ' = λ·n/batches = λ·mini-batch size (the same for the expanded data).
CH6 = "Nielsen, Neural Networks and Deep Learning, ch. 6 (network3.py)"
CH6_SGD = TrainConfig(epochs=60, mini_batch_size=10, learning_rate=0.1)
CH6_RELU = replace(CH6_SGD, learning_rate=0.03, l2=0.1 * 10)
CH6_BEST = replace(CH6_SGD, learning_rate=0.03, epochs=40, expand=True)

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
        Experiment("book-ch6-conv1", CH6, book_cnn("sigmoid", 1), CH6_SGD, 98.78, "test"),
        Experiment("book-ch6-conv2", CH6, book_cnn("sigmoid", 2), CH6_SGD, 99.06, "test"),
        Experiment("book-ch6-relu", CH6, book_cnn("relu", 2), CH6_RELU, 99.23, "test"),
        Experiment(
            "book-ch6-expanded",
            CH6,
            book_cnn("relu", 2),
            replace(CH6_RELU, expand=True),
            99.37,
            "test",
        ),
        Experiment(
            "book-ch6-best",
            CH6,
            book_cnn("relu", 2, (1000, 1000), dropout=0.5),
            CH6_BEST,
            99.60,
            "test",
        ),
        Experiment(
            "book-ch6-ensemble",
            CH6,
            book_cnn("relu", 2, (1000, 1000), dropout=0.5),
            CH6_BEST,
            99.67,
            "test",
            note="five book-ch6-best networks, seeds 5s..5s+4, vote on each test image",
            ensemble=5,
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


def member_file(spec: ModelSpec, config: TrainConfig, limit: int | None, engine: str) -> str:
    """The file name a network of these settings is kept under: ``seed3-<digest>.safetensors``,
    the digest of everything that decides its weights (so book-ch6-best seed 0 and the
    first member of the book-ch6-ensemble vote are one file)."""
    settings = {
        "spec": spec.to_dict(),
        "config": config.to_dict(),
        "limit": limit,
        "engine": engine,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    return f"seed{config.seed}-{digest[:12]}.safetensors"


def majority_vote(scores: list[np.ndarray]) -> np.ndarray:
    """Each network's digit counts one vote; ties go to the larger summed output.

    scores: one (N, classes) array per network. Returns (N,) int64.
    """
    n, k = scores[0].shape
    votes = np.zeros((n, k))
    for s in scores:
        votes[np.arange(n), s.argmax(axis=1)] += 1
    total = sum(s.astype(np.float64) for s in scores)
    return (votes + 1e-6 * total / (np.abs(total).max() or 1)).argmax(axis=1)


def run_seed(
    experiment: Experiment,
    seed: int,
    epochs: int | None = None,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    progress: bool | None = None,
    engine: str = "numpy",
    device: str = "auto",
    on_epoch: Callable[[int, EpochRecord], None] | None = None,
    keep: Path | None = None,
    on_wait: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run one seed of ``experiment`` (an ensemble trains ``ensemble`` networks and votes).
    ``on_epoch(network, record)`` hears of each epoch of each network trained (``network``:
    its seed, which is ``seed`` but in an ensemble). With
    ``keep``, a folder, each network is saved there once trained, and a network already
    there (same settings) is loaded and measured instead of trained again. Two runs with
    the same ``keep`` share the networks (:mod:`digitnet.claim`): each trains those the
    other is not training, then waits for the rest, telling ``on_wait(network)``.

    Returns the accuracy (percent, on the experiment's split), seconds, epochs and kept epoch.
    """
    from digitnet.data import load
    from digitnet.train import as_inputs

    members = range(seed * experiment.ensemble, (seed + 1) * experiment.ensemble)
    configs = [with_seed(experiment, member, epochs) for member in members]
    results, loaded, seconds = _networks(
        experiment.spec, configs, data_dir, limit, progress, engine, device, on_epoch, keep, on_wait
    )
    first = results[0]
    if experiment.ensemble > 1:
        x, y = load(experiment.config.dataset, "test", data_dir)
        x = as_inputs(x, first.model.dtype)
        if engine == "torch":
            from digitnet.torch_backend import predict_proba

            scores = [predict_proba(r.model, experiment.spec, x, device) for r in results]
        else:
            scores = [r.model.predict_proba(x) for r in results]
        voted = majority_vote(scores)
        accuracy = 100 * float(np.mean(voted == y))
        recall = per_class_recall(voted, y)
    elif experiment.split == "validation":
        if first.validation_correct is None:
            raise DigitnetError(f"{experiment.name} reports validation accuracy but has none")
        accuracy = 100 * first.validation_correct / 10_000
    else:
        accuracy = 100 * first.test_accuracy
    if experiment.ensemble == 1:
        recall = first.test_recall
    return {
        "seed": seed,
        "accuracy": accuracy,
        # on the test data, each class (None for a class with no test images)
        "recall": [round(float(r), 4) if np.isfinite(r) else None for r in recall],
        "silent": silent_classes(recall),  # the classes it (almost) never names: a stall
        "members": [100 * r.test_accuracy for r in results] if experiment.ensemble > 1 else None,
        # in a vote, the epoch each network ended with (``kept_epoch`` is the first one's)
        "member_epochs": (
            [r.history.kept_epoch for r in results] if experiment.ensemble > 1 else None
        ),
        "seconds": seconds,
        "kept": [members[k] for k in loaded],  # loaded from ``keep``, not trained in this run
        "epochs": len(first.history.epochs),
        "kept_epoch": first.history.kept_epoch,
        "resumed_at": first.history.resumed_at,  # the epoch a saved run went on from
        "engine": first.history.engine,
    }


def _networks(
    spec: ModelSpec,
    configs: list[TrainConfig],
    data_dir: str | Path | None,
    limit: int | None,
    progress: bool | None,
    engine: str,
    device: str,
    on_epoch: Callable[[int, EpochRecord], None] | None,
    keep: Path | None,
    on_wait: Callable[[int], None] | None = None,
) -> tuple[list[Any], list[int], float]:
    """Train (or, from ``keep``, load) a network for each config: their results, the
    indices of those loaded, and the seconds of training all of them took."""
    from digitnet import experiment as runs

    if keep:  # before any training: hours of it must not end in "cannot save"
        try:
            keep.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DigitnetError(f"{keep}: cannot keep networks there ({e.strerror or e})") from None
    files = [keep / member_file(spec, c, limit, engine) if keep else None for c in configs]
    results: list[Any] = [
        runs.load_run(f, spec, c, data_dir, limit, engine, device) if f and f.exists() else None
        for f, c in zip(files, configs, strict=True)
    ]
    loaded = [k for k, r in enumerate(results) if r is not None]
    todo = [k for k, r in enumerate(results) if r is None]
    seconds = sum(results[k].seconds for k in loaded)
    if engine == "torch" and len(todo) > 1:  # they take turns on the device
        jobs = [(spec, configs[k]) for k in todo]
        heard = (lambda j, r: on_epoch(configs[todo[j]].seed, r)) if on_epoch else None
        trained = runs.run_together(jobs, data_dir, limit, device, heard, progress)
        for k, r in zip(todo, trained, strict=True):
            # r's seconds are those of all of them: each network keeps its share, so the
            # kept files of a vote add up to the time it took
            results[k] = replace(r, seconds=r.seconds / len(todo))
            seconds += results[k].seconds
            if files[k]:
                runs.save(files[k], spec, configs[k], results[k])
        return results, loaded, seconds

    def one(k: int) -> None:  # train network k (this run holds its claim), or load it
        nonlocal seconds
        if files[k] and files[k].exists():  # another run trained it meanwhile
            results[k] = runs.load_run(files[k], spec, configs[k], data_dir, limit, engine, device)
            loaded.append(k)
        else:
            partial = files[k].with_suffix(".run") if files[k] else None  # the epochs so far
            heard = functools.partial(on_epoch, configs[k].seed) if on_epoch else None
            results[k] = runs.run(
                spec, configs[k], data_dir, limit, heard, progress, engine, device, partial
            )
            if files[k]:  # saved at once: a later network's failure never costs this one
                runs.save(files[k], spec, configs[k], results[k])
                if partial:
                    partial.unlink(missing_ok=True)
        seconds += results[k].seconds

    # another run with the same folder may be training some of them: take the others first
    waiting = []
    for k in todo:
        claim = Claim(files[k]) if files[k] else None
        if claim and not claim.take(wait=False):
            waiting.append(k)
            continue
        _done_with(claim, one, k)
    for k in waiting:
        if on_wait and not files[k].exists():  # not when it was finished meanwhile
            on_wait(configs[k].seed)
        claim = Claim(files[k])
        claim.take(wait=True)
        _done_with(claim, one, k)
    loaded.sort()
    return results, loaded, seconds


def _done_with(claim: Claim | None, work: Callable[[int], None], k: int) -> None:
    """``work(k)`` under ``claim``, which is let go however it ends (and its file removed
    when the network was saved)."""
    finished = False
    try:
        work(k)
        finished = True
    finally:
        if claim:
            claim.release(finished)
