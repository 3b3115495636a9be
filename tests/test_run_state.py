"""A run saved after each epoch goes on where it stopped, and ends as if it never had."""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import pytest

from digitnet.config import ModelSpec, TrainConfig
from digitnet.errors import DigitnetError
from digitnet.nn import build, losses
from digitnet.train import TrainingInterrupted, fit

DENSE = ModelSpec(
    784,
    [
        {"type": "dense", "units": 16, "activation": "sigmoid"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "log-likelihood",
    "glorot",
)
CNN = ModelSpec(
    784,
    [
        {"type": "conv2d", "filters": 3, "kernel": 5, "activation": "relu"},
        {"type": "maxpool2d", "size": 2},
        {"type": "flatten"},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "log-likelihood",
    "he",
    input_shape=[1, 28, 28],
)
BOOK = ModelSpec(
    784,
    [
        {"type": "dense", "units": 16, "activation": "sigmoid"},
        {"type": "dense", "units": 10, "activation": "sigmoid"},
    ],
    "quadratic",
)  # the book's network: trained by the compiled fast path, on its own copy of the weights
RUNS = {
    "book sgd, fast path": (BOOK, TrainConfig(epochs=4, mini_batch_size=10, learning_rate=3.0)),
    "dense sgd, softmax": (DENSE, TrainConfig(epochs=4, mini_batch_size=10, learning_rate=0.5)),
    "dense adam, L2, shifts": (
        DENSE,
        TrainConfig(
            epochs=4, mini_batch_size=16, optimizer="adam", learning_rate=1e-3, l2=1.0,
            augment="shift",
        ),
    ),
    "cnn dropout, momentum, plateau": (
        CNN,
        TrainConfig(
            epochs=4, mini_batch_size=10, optimizer="momentum", learning_rate=0.05,
            schedule="plateau", seed=3,
        ),
    ),
}  # fmt: skip


def images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random 28×28 uint8 images whose label is the brighter of ten bands."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28)) < 0.2).astype(np.uint8) * 255
    labels = x.reshape(n, -1)[:, :780].reshape(n, 10, 78).sum(axis=2).argmax(axis=1)
    return x, labels


TRAIN, VALIDATION = images(300, 0), images(100, 1)


def train(spec: ModelSpec, config: TrainConfig, state_file=None, stop_after: int | None = None):
    """(model, history) of a run from the seed; None when stopped after ``stop_after``."""
    rng = np.random.default_rng(config.seed)
    model = build(spec, rng, np.float32)

    def hook(record) -> None:
        if record.epoch == stop_after:
            raise KeyboardInterrupt  # what Ctrl-C does at that moment

    cost = losses.get(spec.cost)
    args = (model, cost, *TRAIN, config, rng, VALIDATION)
    try:
        history = fit(*args, on_epoch=hook, progress=False, state_file=state_file)
    except TrainingInterrupted:
        return None
    return model, history


def without_seconds(history) -> list[dict]:
    return [{**asdict(e), "seconds": 0} for e in history.epochs]


@pytest.mark.parametrize("name", RUNS)
@pytest.mark.parametrize("stop_after", [0, 2])
def test_a_stopped_run_ends_as_the_whole_run_to_the_bit(name, stop_after, tmp_path):
    spec, config = RUNS[name]
    whole_model, whole = train(spec, config)
    state = tmp_path / "run.safetensors"
    assert train(spec, config, state, stop_after) is None
    assert state.exists()
    model, history = train(spec, config, state)
    assert history.resumed_at == stop_after + 1
    assert without_seconds(history) == without_seconds(whole)
    assert history.kept_epoch == whole.kept_epoch
    for key, p in whole_model.parameters().items():
        assert np.array_equal(model.parameters()[key], p), key


def test_a_run_of_other_settings_refuses_the_file(tmp_path):
    spec, config = RUNS["dense sgd, softmax"]
    state = tmp_path / "run.safetensors"
    train(spec, config, state, stop_after=0)
    with pytest.raises(DigitnetError, match="with other settings saved it; move it away"):
        train(spec, replace(config, learning_rate=0.1), state)
    wider = replace(spec, layers=[{**spec.layers[0], "units": 17}, spec.layers[1]])
    with pytest.raises(DigitnetError, match="another network"):
        train(wider, config, state)


@pytest.mark.parametrize("blob", [b"", b"\x10\x00\x00\x00\x00\x00\x00\x00{}", b"junk" * 50])
def test_a_damaged_file_is_one_clear_error(tmp_path, blob):
    spec, config = RUNS["dense sgd, softmax"]
    state = tmp_path / "run.safetensors"
    state.write_bytes(blob)
    with pytest.raises(DigitnetError, match=r"run\.safetensors: not a saved digitnet run"):
        train(spec, config, state)
    assert state.read_bytes() == blob  # left as it was, for the user to look at
