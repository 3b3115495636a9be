"""Training: the mini-batch SGD loop, evaluation, and the record of a run.

``fit`` shuffles with the run's Generator each epoch, cuts mini-batches, and for each
one runs forward, the cost's gradient, backward and the optimiser's step. The book's
one-hidden-layer sigmoid networks go through the compiled fast path
(:mod:`digitnet.nn.fast`) when numba is present; the arithmetic is the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from digitnet.data.datasets import one_hot, to_inputs
from digitnet.errors import DigitnetError
from digitnet.nn import fast
from digitnet.nn.model import Sequential
from digitnet.nn.optim import SGD
from digitnet.progress import Bar


@dataclass
class EpochRecord:
    """What one epoch did: validation results (if any) and its wall time."""

    epoch: int
    seconds: float
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

    def best(self) -> EpochRecord | None:
        """The epoch with the most validation inputs right (the earliest among ties)."""
        scored = [e for e in self.epochs if e.correct is not None]
        return max(scored, key=lambda e: e.correct) if scored else None

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "kept_epoch": self.kept_epoch,
            "epochs": [asdict(e) for e in self.epochs],
        }


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


EpochCallback = Callable[[EpochRecord], None]


def fit(
    model: Sequential,
    cost,
    x: np.ndarray,
    labels: np.ndarray,
    epochs: int,
    mini_batch_size: int,
    learning_rate: float,
    rng: np.random.Generator,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: EpochCallback | None = None,
    progress: bool | None = None,
    use_fast: bool = True,
    keep_best: bool = False,
) -> History:
    """Train ``model`` in place by mini-batch SGD on x and labels (N,).

    x is uint8 images (N, H, W), scaled here to [0, 1] (the fast path reads them
    sparsely and never makes a dense float copy), or float inputs (N, n_in).

    After each epoch the model is evaluated on ``validation`` (x, labels) if given,
    and ``on_epoch`` is called with the record. With ``keep_best`` and validation data
    the model ends with the parameters of its best validation epoch (the test data is
    never looked at). ``progress`` draws a bar on stderr (default: when stderr is a
    terminal).
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(x)
    optimizer = SGD(model.param_grad_pairs(), learning_rate)
    runner = (
        fast.FastSGD(model, x, labels, learning_rate)
        if use_fast and fast.supports(model, cost, optimizer)
        else None
    )
    if runner is None:
        x = as_inputs(x, model.dtype)
        y = one_hot(labels, model.n_out, model.dtype)
    history = History(engine="numpy+numba" if runner else "numpy")
    best: dict[str, np.ndarray] | None = None
    batches = -(-n // mini_batch_size)
    chunk = max(1, batches // 50) * mini_batch_size  # progress updates ~50 times an epoch

    for epoch in range(epochs):
        start_time = time.perf_counter()
        bar = Bar(f"Epoch {epoch}", batches, enabled=progress)
        order = rng.permutation(n)
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            if runner:
                runner.run(order, start, stop, mini_batch_size)
            else:
                for k in range(start, stop, mini_batch_size):
                    idx = order[k : min(k + mini_batch_size, stop)]
                    a = model.forward(x[idx], train=True)
                    model.backward(cost.grad(a, y[idx]))
                    optimizer.step()
            bar.update(-(-stop // mini_batch_size))
        bar.close()
        if runner:
            runner.sync()
        check_finite(model, epoch)
        record = EpochRecord(epoch, time.perf_counter() - start_time)
        if validation is not None:
            record.correct = evaluate(model, *validation)
            record.total = len(validation[1])
        history.epochs.append(record)
        history.kept_epoch = epoch
        if keep_best and validation is not None and history.best() is record:
            best = {name: p.copy() for name, p in model.parameters().items()}
        if on_epoch:
            on_epoch(record)
    if best is not None:
        model.load_parameters(best)
        history.kept_epoch = history.best().epoch
    return history


def check_finite(model: Sequential, epoch: int) -> None:
    """Stop a run whose weights have become NaN or infinite."""
    for name, p in model.parameters().items():
        if not np.all(np.isfinite(p)):
            raise DigitnetError(
                f"training diverged at epoch {epoch}: parameter {name} is not finite; "
                "try a smaller learning rate (--eta)"
            )
