"""Training in PyTorch: the same TrainConfig, schedules and record as ``train.fit``.

``fit_torch`` trains the module that :func:`digitnet.torch_backend.build` makes, on a CPU
or GPU, and returns the same :class:`digitnet.train.History`; the result converts back to
an engine model (``torch_backend.from_torch``), so it saves, loads and predicts like any
other. ``DigitDataset`` is a ``torch.utils.data.Dataset`` over digitnet's arrays, for
code of your own with a standard DataLoader.
"""

from __future__ import annotations

import math
import time

import numpy as np

from digitnet.config import ModelSpec, TrainConfig
from digitnet.data.augment import apply_transforms, draw_transforms
from digitnet.data.datasets import one_hot
from digitnet.data.handwriting import handwriting_transforms
from digitnet.nn import optim
from digitnet.torch_backend import require_torch, torch_dtype
from digitnet.train import EpochCallback, EpochRecord, History, TrainingInterrupted, diverged


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
    onehot = y if y.is_floating_point() else torch.nn.functional.one_hot(y, 10).to(x.dtype)
    if cost_name == "cross-entropy":
        z = module(x, stop=n_layers - 1)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            z, onehot, reduction="sum"
        ) / len(x)
    return 0.5 * ((module(x) - onehot) ** 2).sum() / len(x)


def make_optimizer(module, config: TrainConfig, n: int):
    """torch's optimiser for ``config`` (L2 as the book's λ/n weight decay on weights only)."""
    torch = require_torch()
    weights = [p for name, p in module.named_parameters() if optim.is_weight(name)]
    biases = [p for name, p in module.named_parameters() if not optim.is_weight(name)]
    groups = [
        {"params": weights, "weight_decay": config.l2 / n},
        {"params": biases, "weight_decay": 0.0},
    ]
    lr = config.learning_rate
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, lr=lr)
    momentum = config.momentum if config.optimizer in ("momentum", "nesterov") else 0.0
    return torch.optim.SGD(
        groups, lr=lr, momentum=momentum, nesterov=config.optimizer == "nesterov"
    )


def fit_torch(
    spec: ModelSpec,
    module,
    x: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: EpochCallback | None = None,
    device=None,
) -> History:
    """Train ``module`` in place on uint8 images x (N, H, W) and labels (N,)."""
    torch = require_torch()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = device or torch.device("cpu")
    dtype = torch_dtype(config.dtype)
    module.to(device)
    n, side = len(x), math.isqrt(x[0].size)
    n_layers = len(module.net)
    to_tensor = lambda a: torch.from_numpy(a.reshape(len(a), -1)).to(device, dtype) / 255  # noqa: E731
    inputs, targets = to_tensor(x), torch.from_numpy(labels.astype(np.int64)).to(device)
    if (labels < 0).any():  # NOT_A_DIGIT rows: uniform targets, as probabilities
        targets = torch.from_numpy(one_hot(labels, 10)).to(device, dtype)
    val = None
    if validation is not None:
        val = (
            to_tensor(validation[0]),
            torch.from_numpy(validation[1].astype(np.int64)).to(device),
        )
    opt = make_optimizer(module, config, n)
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
                inputs = to_tensor(handwriting_transforms(x.reshape(n, side, side), rng))
            elif config.augment != "none":
                random = config.augment == "random"
                group, maps = draw_transforms(n, side, rng, 2 if random else 1, 10 if random else 0)
                inputs = to_tensor(apply_transforms(x.reshape(n, side, side), group, maps))
            order = torch.from_numpy(rng.permutation(n) if config.shuffle else np.arange(n))
            module.train()
            for step, k in enumerate(range(0, n, config.mini_batch_size)):
                idx = order[k : k + config.mini_batch_size].to(device)
                loss = loss_of(module, spec.cost, inputs[idx], targets[idx], n_layers)
                if config.l1:
                    loss = loss + config.l1 / n * sum(
                        p.abs().sum()
                        for name, p in module.named_parameters()
                        if optim.is_weight(name)
                    )
                if not torch.isfinite(loss):
                    raise diverged(epoch, step, f"the cost is {loss.item()}")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            record = EpochRecord(epoch, time.perf_counter() - start, rate)
            if val is not None:
                module.eval()
                with torch.no_grad():
                    scores = module(val[0])
                    record.correct = int((scores.argmax(dim=1) == val[1]).sum())
                    record.total = len(val[1])
                    record.cost = float(loss_of(module, spec.cost, val[0], val[1], n_layers))
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
