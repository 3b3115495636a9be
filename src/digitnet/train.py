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

from digitnet.data.datasets import one_hot
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

    def to_dict(self) -> dict:
        return {"engine": self.engine, "epochs": [asdict(e) for e in self.epochs]}


def evaluate(model: Sequential, x: np.ndarray, labels: np.ndarray) -> int:
    """How many of x (N, n_in) the model classifies as labels (N,)."""
    return int(np.sum(model.predict(x) == labels))


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
) -> History:
    """Train ``model`` in place by mini-batch SGD on x (N, n_in) and labels (N,).

    After each epoch the model is evaluated on ``validation`` (x, labels) if given,
    and ``on_epoch`` is called with the record. ``progress`` draws a bar on stderr
    (default: when stderr is a terminal).
    """
    x = np.asarray(x, dtype=model.dtype)
    labels = np.asarray(labels, dtype=np.int64)
    n = len(x)
    optimizer = SGD(model.param_grad_pairs(), learning_rate)
    runner = (
        fast.FastSGD(model, x, labels, learning_rate)
        if use_fast and fast.supports(model, cost, optimizer)
        else None
    )
    y = None if runner else one_hot(labels, model.n_out, model.dtype)
    history = History(engine="numpy+numba" if runner else "numpy")
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
        if on_epoch:
            on_epoch(record)
    return history


def check_finite(model: Sequential, epoch: int) -> None:
    """Stop a run whose weights have become NaN or infinite."""
    for name, p in model.parameters().items():
        if not np.all(np.isfinite(p)):
            raise DigitnetError(
                f"training diverged at epoch {epoch}: parameter {name} is not finite; "
                "try a smaller learning rate (--eta)"
            )
