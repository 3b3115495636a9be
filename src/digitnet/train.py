"""Training: the mini-batch loop, evaluation, and the record of a run.

``fit`` shuffles with the run's Generator each epoch, cuts mini-batches, and for each
one runs forward, the cost's gradient, backward and the optimiser's step. The book's
one-hidden-layer sigmoid networks with plain SGD go through the compiled fast path
(:mod:`digitnet.nn.fast`) when numba is present, and a convolutional network's steps
through its fused conv-activation-pool layers (:mod:`digitnet.nn.conv_fused`); the
arithmetic is the same.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from digitnet import run_state
from digitnet.config import TrainConfig
from digitnet.data.augment import apply_transforms, draw_transforms
from digitnet.data.datasets import one_hot, to_inputs
from digitnet.data.handwriting import handwriting_transforms
from digitnet.errors import DigitnetError
from digitnet.nn import conv_fused, fast, optim
from digitnet.nn.losses import Cost, loss_and_backward
from digitnet.nn.model import Sequential
from digitnet.progress import Bar


@dataclass
class EpochRecord:
    """One epoch: its learning rate, wall time, and cost and accuracy where measured."""

    epoch: int
    seconds: float
    learning_rate: float = 0.0
    train_cost: float | None = None
    train_correct: int | None = None
    train_total: int | None = None
    cost: float | None = None  # validation
    correct: int | None = None
    total: int | None = None

    @property
    def accuracy(self) -> float | None:
        return None if not self.total else self.correct / self.total


@dataclass
class History:
    """Every epoch of a run, in order."""

    epochs: list[EpochRecord] = field(default_factory=list)
    engine: str = "numpy"
    kept_epoch: int | None = None  # the epoch whose parameters the model ends with
    stopped_early: bool = False
    resumed_at: int | None = None  # the first epoch of this run when it went on from a saved one

    def best(self) -> EpochRecord | None:
        """The epoch with the most validation inputs right (the earliest among ties)."""
        scored = [e for e in self.epochs if e.correct is not None]
        return max(scored, key=lambda e: e.correct) if scored else None

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "kept_epoch": self.kept_epoch,
            "stopped_early": self.stopped_early,
            "resumed_at": self.resumed_at,
            "epochs": [asdict(e) for e in self.epochs],
        }

    @classmethod
    def from_dict(cls, d: dict) -> History:
        """The history :meth:`to_dict` wrote (as a model file's metadata holds it)."""
        known = {f.name for f in fields(EpochRecord)}
        return cls(
            epochs=[EpochRecord(**{k: v for k, v in e.items() if k in known}) for e in d["epochs"]],
            engine=d.get("engine", "numpy"),
            kept_epoch=d.get("kept_epoch"),
            stopped_early=bool(d.get("stopped_early", False)),
            resumed_at=d.get("resumed_at"),
        )


def as_inputs(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Network inputs (N, n_in): uint8 images (N, H, W) scaled to [0, 1], floats flattened."""
    if x.dtype == np.uint8:
        return to_inputs(x, dtype)
    return np.asarray(x, dtype=dtype).reshape(len(x), -1)


def predict(model: Sequential, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """Predicted classes (N,) for uint8 images or inputs, converted a batch at a time."""
    out = [
        model.predict(as_inputs(x[i : i + batch_size], model.dtype), batch_size)
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(out) if out else np.empty(0, np.int64)


def evaluate(model: Sequential, x: np.ndarray, labels: np.ndarray) -> int:
    """How many of x (uint8 images or inputs, N first) the model classifies as labels (N,)."""
    return int(np.sum(predict(model, x) == labels))


def measure(
    model: Sequential,
    cost: Cost,
    x: np.ndarray,
    labels: np.ndarray,
    penalty: float = 0.0,
    batch_size: int | None = None,
) -> tuple[float, int]:
    """(mean cost + ``penalty``, number right) of the model on x and labels (N,), taken
    ``batch_size`` inputs at a time (default: 2048, or 64 for a convolutional network,
    whose patch matrices are then a few MB, not hundreds)."""
    batch_size = batch_size or (64 if model.input_shape else 2048)
    total, right = 0.0, 0
    last = model.layers[-1]
    fused = cost.fused_with is not None and isinstance(last, cost.fused_with)
    for i in range(0, len(x), batch_size):
        xb = as_inputs(x[i : i + batch_size], model.dtype)
        yb = one_hot(labels[i : i + batch_size], model.n_out, model.dtype)
        if fused:
            z = model.forward(xb, stop=len(model.layers) - 1)
            total += cost.value_logits(z, yb) * len(xb)
        else:
            z = model.forward(xb)
            total += cost.value(z, yb) * len(xb)
        right += int(np.sum(z.argmax(axis=1) == labels[i : i + batch_size]))
    return total / max(len(x), 1) + penalty, right


def penalty(model: Sequential, config: TrainConfig, n: int) -> float:
    """The regularisation part of the cost: (λ₂/2n) Σ w² + (λ₁/n) Σ |w|."""
    if not (config.l2 or config.l1):
        return 0.0
    weights = [p for name, p in model.parameters().items() if optim.is_weight(name)]
    l2 = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in weights)
    l1 = sum(float(np.sum(np.abs(w))) for w in weights)
    return config.l2 / (2 * n) * l2 + config.l1 / n * l1


EpochCallback = Callable[[EpochRecord], None]
ChunkCallback = Callable[[int, float], None]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fit``. The model has been put back to its best epoch (with
    keep="best") or its last complete one; ``history`` holds the epochs done."""

    def __init__(self, history: History, model: Sequential) -> None:
        super().__init__()
        self.history = history
        self.model = model


class DivergedError(DigitnetError):
    """A cost or weight became NaN or infinite: the run cannot go on (a saved run of it
    would diverge again at the same step)."""


def diverged(epoch: int, step: int, what: str) -> DivergedError:
    return DivergedError(
        f"training diverged at epoch {epoch}, mini-batch {step}: {what}; "
        "try a smaller learning rate (--eta)"
    )


class _Batches:
    """The mechanics of one run's epochs: inputs (augmented anew if asked), mini-batches
    through the fast kernel or the engine, and the checks for divergence."""

    def __init__(self, model, cost, x, labels, config, optimizer, rng, use_fast, on_chunk=None):
        self.model, self.cost, self.x, self.labels = model, cost, x, labels
        self.on_chunk = on_chunk
        self.config, self.optimizer, self.rng = config, optimizer, rng
        self.n, self.m = len(x), config.mini_batch_size
        self.runner = None
        if use_fast and fast.supports(model, cost, optimizer):
            self.runner = fast.FastSGD(model, x, labels, cost, optimizer)
        # a CNN's steps: its conv-activation-pool runs fused, on the model's own arrays
        view = conv_fused.fused(model) if use_fast else None
        self.net = model if view is None else view
        self.y = one_hot(labels, model.n_out, model.dtype)
        self.inputs = x  # converted to floats a mini-batch at a time
        self.count = -(-self.n // self.m)
        self.chunk = max(1, self.count // 50) * self.m  # a progress bar moves ~50 times

    def augment(self) -> None:
        """Draw this epoch's shifts (and rotations) of every training image."""
        side = math.isqrt(self.x[0].size)
        if self.config.augment == "handwriting":
            images = handwriting_transforms(self.x.reshape(self.n, side, side), self.rng)
            if self.runner:
                self.runner.set_inputs(images.reshape(self.n, -1))
            else:
                self.inputs = images
            return
        random = self.config.augment == "random"
        group, maps = draw_transforms(
            self.n, side, self.rng, max_shift=2 if random else 1, max_degrees=10 if random else 0
        )
        if self.runner:
            self.runner.set_transformed(group, maps)
        else:
            self.inputs = apply_transforms(self.x.reshape(self.n, side, side), group, maps)

    def epoch(self, epoch: int, rate: float, bar: Bar) -> None:
        """One pass over the training data in mini-batches at learning rate ``rate``."""
        if self.config.augment != "none":
            self.augment()
        self.optimizer.learning_rate = rate
        order = self.rng.permutation(self.n) if self.config.shuffle else np.arange(self.n)
        for start in range(0, self.n, self.chunk):
            stop = min(start + self.chunk, self.n)
            if self.runner:
                bad = self.runner.run(order, start, stop, self.m)
                if bad >= 0:
                    raise diverged(epoch, bad // self.m, "the output became NaN or infinite")
            else:
                for k in range(start, stop, self.m):
                    self.step(epoch, k, order[k : k + self.m])
            bar.update(-(-stop // self.m))
            if self.on_chunk:
                if self.runner:
                    self.runner.sync()
                self.on_chunk(epoch, stop / self.n)
        if self.runner:
            self.runner.sync()
        for name, p in self.model.parameters().items():
            if not np.all(np.isfinite(p)):
                raise diverged(epoch, self.count - 1, f"parameter {name} is not finite")

    def step(self, epoch: int, k: int, idx: np.ndarray) -> None:
        """One mini-batch through the engine: forward, backward, update."""
        x = as_inputs(self.inputs[idx], self.model.dtype)
        value = loss_and_backward(self.net, self.cost, x, self.y[idx])
        if not math.isfinite(value):
            raise diverged(epoch, k // self.m, f"the cost is {value}")
        self.optimizer.step()


def snapshot(model: Sequential) -> dict[str, np.ndarray]:
    return {name: p.copy() for name, p in model.parameters().items()}


def fit(
    model: Sequential,
    cost: Cost,
    x: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    rng: np.random.Generator,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: EpochCallback | None = None,
    progress: bool | None = None,
    use_fast: bool = True,
    on_chunk: ChunkCallback | None = None,
    state_file: Path | None = None,
    state_spec: dict | None = None,
) -> History:
    """Train ``model`` in place on x and labels (N,) as ``config`` says.

    x is uint8 images (N, H, W), scaled here to [0, 1] (the fast path reads them
    sparsely and never makes a dense float copy), or float inputs (N, n_in). After each
    epoch the model is measured on ``validation`` (x, labels) if given (and on the
    training data with ``config.monitor_training``), and ``on_epoch`` gets the record.
    With ``config.keep == "best"`` and validation data the model ends with its best
    validation epoch (the test data is never looked at). A cost or weight that becomes
    NaN or infinite stops the run at once with a DigitnetError naming epoch and step;
    Ctrl-C raises TrainingInterrupted with the model at its best or last whole epoch.
    ``on_chunk(epoch, fraction done)`` runs about 50 times an epoch with the model's
    parameters up to date (for live curves); it may block (a pause) or raise
    KeyboardInterrupt (a stop, handled as Ctrl-C is). With ``state_file`` the run is saved
    there after every epoch, and a run that finds the file goes on from it
    (:mod:`digitnet.run_state`): the caller removes it once the trained model is safe.
    ``state_spec``, the model spec as a dict, goes in the file, so another network's run
    is refused even where its parameters have the same shapes.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(x)
    optimizer = optim.make(
        config.optimizer,
        model.param_grad_pairs(),
        config.learning_rate,
        l2=config.l2,
        l1=config.l1,
        n_train=n,
        momentum=config.momentum,
    )
    schedule = optim.schedule(config.schedule, config.learning_rate, config.epochs)
    history = History()
    kept = (-1, snapshot(model))  # (epoch, parameters) the model ends with
    waited, first = 0, 0
    if state_file is not None and state_file.exists():  # before the fast path copies weights
        resumed = run_state.load(state_file, model, optimizer, schedule, rng, config, n, state_spec)
        first, kept, waited = resumed.next_epoch, resumed.kept, resumed.waited
        history.epochs = History.from_dict(resumed.history).epochs
        history.resumed_at = first
    batches = _Batches(model, cost, x, labels, config, optimizer, rng, use_fast, on_chunk)
    compiled = batches.runner or batches.net is not model
    history.engine = "numpy+numba" if compiled else "numpy"
    track_best = config.keep == "best" and validation is not None
    try:
        for epoch in range(first, config.epochs):
            start_time = time.perf_counter()
            rate = schedule.rate(epoch)
            bar = Bar(f"Epoch {epoch}", batches.count, enabled=progress)
            # overflow shows up as inf or NaN, which the checks catch and report
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                batches.epoch(epoch, rate, bar)
            bar.close()
            record = EpochRecord(epoch, time.perf_counter() - start_time, rate)
            reg = penalty(model, config, n)
            if config.monitor_training:
                if batches.runner:  # the fast path measures from its sparse rows
                    train_cost, right = batches.runner.measure()
                    train_cost += reg
                else:
                    train_cost, right = measure(batches.net, cost, x, labels, reg)
                record.train_cost, record.train_correct, record.train_total = train_cost, right, n
            if validation is not None:
                record.cost, record.correct = measure(batches.net, cost, *validation, reg)
                record.total = len(validation[1])
            history.epochs.append(record)
            improved = validation is not None and history.best() is record
            waited = 0 if improved else waited + 1
            if improved or not track_best:
                kept = (epoch, snapshot(model))
            keep_going = schedule.observe(record.correct)
            if state_file is not None:
                state = (epoch, model, kept, optimizer, schedule, rng, history.to_dict(), waited)
                run_state.save(state_file, *state, config, n, state_spec)
            if on_epoch:
                on_epoch(record)
            if not keep_going or (config.patience and validation and waited >= config.patience):
                history.stopped_early = epoch < config.epochs - 1
                break
    except KeyboardInterrupt:
        history.kept_epoch, params = kept
        model.load_parameters(params)
        raise TrainingInterrupted(history, model) from None
    finally:
        for layer in {*model.layers, *batches.net.layers}:
            layer.release()
    history.kept_epoch, params = kept
    model.load_parameters(params)
    return history
