"""Training in PyTorch: the same TrainConfig, schedules and record as ``train.fit``.

``fit_torch`` trains the module that :func:`digitnet.torch_backend.build` makes, on a CPU
or GPU, and returns the same :class:`digitnet.train.History`; the result converts back to
an engine model (``torch_backend.from_torch``), so it saves, loads and predicts like any
other. ``DigitDataset`` is a ``torch.utils.data.Dataset`` over digitnet's arrays, for
code of your own with a standard DataLoader.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Generator

import numpy as np

from digitnet.config import ModelSpec, TrainConfig
from digitnet.data.augment import apply_transforms, draw_transforms
from digitnet.data.datasets import one_hot
from digitnet.data.handwriting import handwriting_transforms
from digitnet.nn import optim
from digitnet.torch_backend import require_torch, torch_dtype
from digitnet.train import EpochCallback, EpochRecord, History, TrainingInterrupted, diverged

CHECK_EVERY = 64  # on a GPU, look for a non-finite cost every this many steps


def dataset_class():
    """``DigitDataset(images, labels, shape=None)``: item k is (float tensor, int label)."""
    torch = require_torch()

    class DigitDataset(torch.utils.data.Dataset):
        """uint8 images (N, H, W) and labels (N,) as float tensors in [0, 1]: flat (H·W,),
        or ``shape`` such as (1, 28, 28) for a convolutional network."""

        def __init__(self, images: np.ndarray, labels: np.ndarray, shape=None):
            self.images, self.labels = images, labels
            self.shape = tuple(shape) if shape else (images[0].size,)

        def __len__(self) -> int:
            return len(self.labels)

        def __getitem__(self, k: int):
            x = torch.from_numpy(self.images[k].astype(np.float32) / 255).reshape(self.shape)
            return x, int(self.labels[k])

    return DigitDataset


def loss_of(module, cost_name: str, x, y, n_layers: int):
    """The mean cost of a batch, computed from the logits for the fused pairs."""
    torch = require_torch()
    if cost_name in ("log-likelihood", "categorical-cross-entropy"):
        return torch.nn.functional.cross_entropy(module(x, stop=n_layers - 1), y)
    if cost_name == "cross-entropy":
        z = module(x, stop=n_layers - 1)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            z, targets_like(y, z), reduction="sum"
        ) / len(x)
    out = module(x)
    return 0.5 * ((out - targets_like(y, out)) ** 2).sum() / len(x)


def targets_like(y, out):
    """Targets as rows like ``out`` (N, classes): y itself if it holds probabilities
    already, else the one-hot rows of its labels."""
    torch = require_torch()
    if y.is_floating_point():
        return y
    return torch.nn.functional.one_hot(y, out.shape[1]).to(out.dtype)


def make_optimizer(module, config: TrainConfig, n: int, capturable: bool = False):
    """torch's optimiser for ``config`` (L2 as the book's λ/n weight decay on weights only);
    ``capturable``: Adam keeps its step count on the GPU, as a CUDA graph needs."""
    torch = require_torch()
    weights = [p for name, p in module.named_parameters() if optim.is_weight(name)]
    biases = [p for name, p in module.named_parameters() if not optim.is_weight(name)]
    groups = [
        {"params": weights, "weight_decay": config.l2 / n},
        {"params": biases, "weight_decay": 0.0},
    ]
    lr = config.learning_rate
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, lr=lr, capturable=capturable)
    momentum = config.momentum if config.optimizer in ("momentum", "nesterov") else 0.0
    return torch.optim.SGD(
        groups, lr=lr, momentum=momentum, nesterov=config.optimizer == "nesterov"
    )


def use_graphs(graphs: bool | None, device) -> bool:
    """CUDA graphs: on a CUDA device unless ``graphs`` is False."""
    return device.type == "cuda" and graphs is not False


class _Steps:
    """The mini-batch steps of one epoch, all on the device.

    ``order`` holds the epoch's shuffled indices, ``counter`` the number of the next step and
    ``costs`` each step's cost; a step takes its mini-batch from ``order`` at ``counter``,
    so the same code runs eagerly or replayed from a CUDA graph, and no step waits for the
    CPU. :func:`training` looks at the costs (:meth:`first_bad`) after every step on a CPU,
    where looking costs nothing, and every CHECK_EVERY steps on a GPU, where looking
    makes the CPU wait for the GPU.
    """

    def __init__(self, module, opt, spec, config, inputs, targets, device):
        torch = require_torch()
        self.torch, self.module, self.opt, self.spec, self.config = torch, module, opt, spec, config
        self.inputs, self.targets = inputs, targets
        n, b = len(inputs), config.mini_batch_size
        self.full, self.rest = divmod(n, b)
        self.order = torch.zeros(n, dtype=torch.int64, device=device)
        self.costs = torch.zeros(self.full + (self.rest > 0), dtype=inputs.dtype, device=device)
        self.counter = torch.zeros(1, dtype=torch.int64, device=device)
        self.n_layers = len(module.net)
        self.graph, self.graph_rate = None, None

    def start_epoch(self, order: np.ndarray) -> None:
        self.order.copy_(self.torch.from_numpy(order))
        self.counter.zero_()
        self.costs.zero_()

    def step(self, rows) -> None:
        """Forward, backward and the optimiser on the mini-batch ``rows``; records the cost."""
        torch, config, n = self.torch, self.config, len(self.inputs)
        x, y = self.inputs.index_select(0, rows), self.targets.index_select(0, rows)
        loss = loss_of(self.module, self.spec.cost, x, y, self.n_layers)
        if config.l1:
            loss = loss + config.l1 / n * sum(
                p.abs().sum() for name, p in self.module.named_parameters() if optim.is_weight(name)
            )
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            self.costs.index_copy_(0, self.counter, loss.detach().reshape(1))
            self.counter.add_(1)

    def full_batch(self) -> None:
        b = self.config.mini_batch_size
        whole = self.order[: self.full * b].view(self.full, b)
        self.step(whole.index_select(0, self.counter).view(-1))

    def capture(self, rate: float) -> None:
        """Record the full-batch step as a CUDA graph (again when the learning rate moved)."""
        from digitnet.torch_graph import capture

        self.graph = None
        self.graph = capture(self.full_batch, self.module, self.opt)
        self.graph_rate = rate
        self.counter.zero_()

    def run(self, graphs: bool, rate: float):
        """The epoch's steps; yields after each."""
        if graphs and self.full and self.graph_rate != rate:
            self.capture(rate)
        for _ in range(self.full):
            if graphs:
                self.graph.replay()
            else:
                self.opt.zero_grad(set_to_none=True)
                self.full_batch()
            yield
        if self.rest:
            self.opt.zero_grad(set_to_none=True)
            self.step(self.order[self.full * self.config.mini_batch_size :])
            yield

    def first_bad(self, start: int = 0, stop: int | None = None) -> tuple[int, float] | None:
        """The first of steps [start, stop) of the epoch whose cost was not finite, and
        that cost; None if all were finite."""
        finite = self.torch.isfinite(self.costs[start:stop])
        if bool(finite.all()):
            return None
        k = start + int((~finite).nonzero()[0, 0])
        return k, float(self.costs[k])


def fit_torch(
    spec: ModelSpec,
    module,
    x: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: EpochCallback | None = None,
    device=None,
    graphs: bool | None = None,
) -> History:
    """Train ``module`` in place on uint8 images x (N, H, W) and labels (N,).

    On a CUDA device each mini-batch step is replayed from a CUDA graph unless ``graphs``
    is False (:mod:`digitnet.torch_graph`).
    """
    return finish(training(spec, module, x, labels, config, validation, on_epoch, device, graphs))


def finish(run: Generator[None, None, History]) -> History:
    """Run a :func:`training` generator to its end; returns its History."""
    try:
        while True:
            try:
                next(run)
            except KeyboardInterrupt:
                run.throw(KeyboardInterrupt)
    except StopIteration as done:
        return done.value


def train_together(runs: list[Generator[None, None, History]], device) -> list[History]:
    """Train several :func:`training` runs at once, taking turns step by step.

    On a CUDA device each run has its own stream, so the small kernels of one run's step
    fill the GPU beside another's (five ``book-ch6-best`` networks at mini-batch 10 took
    ~0.55 ms a round together, against ~1.4 ms one after another, on an H100).
    Returns each run's History, in order.
    """
    torch = require_torch()
    cuda = device.type == "cuda"
    streams = [torch.cuda.Stream(device) if cuda else None for _ in runs]
    histories: list[History | None] = [None] * len(runs)
    active = list(range(len(runs)))
    while active:
        for k in list(active):
            with torch.cuda.stream(streams[k]) if cuda else contextlib.nullcontext():
                try:
                    next(runs[k])
                except StopIteration as done:
                    histories[k] = done.value
                    active.remove(k)
    if cuda:
        torch.cuda.synchronize(device)
    return histories  # type: ignore[return-value]


def training(
    spec: ModelSpec,
    module,
    x: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: EpochCallback | None = None,
    device=None,
    graphs: bool | None = None,
) -> Generator[None, None, History]:
    """:func:`fit_torch` as a generator that yields after every mini-batch step and returns
    the History, so that several runs can share a GPU (:func:`train_together`)."""
    torch = require_torch()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = device or torch.device("cpu")
    graphs = use_graphs(graphs, device)
    every = 1 if device.type == "cpu" else CHECK_EVERY
    dtype = torch_dtype(config.dtype)
    module.to(device)
    n, side = len(x), math.isqrt(x[0].size)
    to_tensor = lambda a: torch.from_numpy(a.reshape(len(a), -1)).to(device, dtype) / 255  # noqa: E731
    inputs, targets = to_tensor(x), torch.from_numpy(labels.astype(np.int64)).to(device)
    if (labels < 0).any():  # NOT_A_DIGIT rows: uniform targets, as probabilities
        with torch.no_grad():
            classes = module(inputs[:1]).shape[1]
        targets = torch.from_numpy(one_hot(labels, classes)).to(device, dtype)
    val = None
    if validation is not None:
        val = (
            to_tensor(validation[0]),
            torch.from_numpy(validation[1].astype(np.int64)).to(device),
        )
    opt = make_optimizer(module, config, n, capturable=graphs)
    steps = _Steps(module, opt, spec, config, inputs, targets, device)
    schedule = optim.schedule(config.schedule, config.learning_rate, config.epochs)
    history = History(engine=f"torch ({device.type})")
    kept = (-1, {k: v.clone() for k, v in module.state_dict().items()})
    track_best = config.keep == "best" and val is not None
    waited = 0
    try:
        for epoch in range(config.epochs):
            start = time.perf_counter()
            rate = schedule.rate(epoch)
            for group in opt.param_groups:
                group["lr"] = rate
            if config.augment == "handwriting":
                inputs.copy_(to_tensor(handwriting_transforms(x.reshape(n, side, side), rng)))
            elif config.augment != "none":
                random = config.augment == "random"
                group, maps = draw_transforms(n, side, rng, 2 if random else 1, 10 if random else 0)
                inputs.copy_(to_tensor(apply_transforms(x.reshape(n, side, side), group, maps)))
            steps.start_epoch(rng.permutation(n) if config.shuffle else np.arange(n))
            module.train()
            checked = 0
            for done, _ in enumerate(steps.run(graphs, rate), 1):
                if done - checked >= every or done == len(steps.costs):
                    bad = steps.first_bad(checked, done)
                    if bad is not None:
                        raise diverged(epoch, bad[0], f"the cost is {bad[1]}")
                    checked = done
                yield
            record = EpochRecord(epoch, time.perf_counter() - start, rate)
            if val is not None:
                module.eval()
                with torch.no_grad():
                    scores = module(val[0])
                    record.correct = int((scores.argmax(dim=1) == val[1]).sum())
                    record.total = len(val[1])
                    record.cost = float(loss_of(module, spec.cost, val[0], val[1], steps.n_layers))
            history.epochs.append(record)
            improved = val is not None and history.best() is record
            waited = 0 if improved else waited + 1
            if improved or not track_best:
                kept = (epoch, {k: v.clone() for k, v in module.state_dict().items()})
            if on_epoch:
                on_epoch(record)
            if not schedule.observe(record.correct) or (
                config.patience and val is not None and waited >= config.patience
            ):
                history.stopped_early = epoch < config.epochs - 1
                break
    except KeyboardInterrupt:
        history.kept_epoch, state = kept
        module.load_state_dict(state)
        raise TrainingInterrupted(history, module) from None
    history.kept_epoch, state = kept
    module.load_state_dict(state)
    module.eval()
    return history
