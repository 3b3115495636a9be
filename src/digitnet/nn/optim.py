"""Optimisers: update parameters in place from their gradients.

An optimiser holds the model's named (parameter, gradient) pairs; ``step()`` applies
one update after backpropagation has filled the gradients of the mean mini-batch cost.

Regularisation lives here because it is a change to the update. The book's L2 adds
(λ/2n) Σ w² to the cost, so each step adds (λ/n) w to the gradient of every weight
(never a bias): with plain SGD that is the weight decay w ← (1 − ηλ/n) w − η ∂C₀/∂w.
L1 adds (λ/n) Σ |w|, so the step adds (λ/n) sgn(w). n is the size of the training set.
"""

from __future__ import annotations

import math

import numpy as np

from digitnet.errors import DigitnetError
from digitnet.nn.optim_kernel import adam_step, add_scaled

Pairs = list[tuple[str, np.ndarray, np.ndarray]]


def is_weight(name: str) -> bool:
    """Regularisation applies to weights, not biases."""
    return name.endswith("weight")


class Optimizer:
    """Base: learning rate, regularisation, and the gradient each rule starts from."""

    name = ""

    def __init__(
        self,
        pairs: Pairs,
        learning_rate: float,
        l2: float = 0.0,
        l1: float = 0.0,
        n_train: int = 1,
    ) -> None:
        self.pairs = pairs
        self.learning_rate = learning_rate
        self.l2 = l2
        self.l1 = l1
        self.n_train = max(int(n_train), 1)

    @property
    def regularised(self) -> bool:
        return self.l2 > 0 or self.l1 > 0

    def gradient(self, name: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """∂C/∂p including the regularisation terms."""
        if not self.regularised or not is_weight(name):
            return g
        total = g
        if self.l2:
            total = total + p.dtype.type(self.l2 / self.n_train) * p
        if self.l1:
            total = total + p.dtype.type(self.l1 / self.n_train) * np.sign(p)
        return total

    def step(self) -> None:
        raise NotImplementedError

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """What the rule carries from step to step: (arrays by name, numbers by name),
        for a run saved at the end of an epoch (plain SGD carries nothing)."""
        return {}, {}

    def restore(self, arrays: dict[str, np.ndarray], numbers: dict[str, float]) -> None:
        """Take back what :meth:`state` gave (arrays copied into the rule's own)."""
        own, _ = self.state()
        if set(arrays) != set(own):
            raise DigitnetError(f"a saved {self.name} state needs {sorted(own)}")
        for name, a in own.items():
            if arrays[name].shape != a.shape:
                raise DigitnetError(f"a saved {self.name} state has {name} of the wrong shape")
            a[...] = arrays[name]


class SGD(Optimizer):
    """Gradient descent: p ← p − η ∂C/∂p; with C the mean over a mini-batch of m this is
    the book's p ← p − (η/m) Σ_x ∂C_x/∂p."""

    name = "sgd"

    def step(self) -> None:
        for name, p, g in self.pairs:
            add_scaled(p, self.gradient(name, p, g), -self.learning_rate)  # p -= η·∂C/∂p


class Momentum(Optimizer):
    """Momentum (chapter 3): v ← μv − η∇C; p ← p + v. With ``nesterov`` the gradient is
    taken at the look-ahead point, written as p ← p + μv − η∇C (the usual rearrangement)."""

    name = "momentum"

    def __init__(
        self,
        pairs: Pairs,
        learning_rate: float,
        momentum: float = 0.9,
        nesterov: bool = False,
        **kw: float,
    ) -> None:
        super().__init__(pairs, learning_rate, **kw)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = [np.zeros_like(p) for _, p, _ in pairs]

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        return {f"velocity.{k}": v for k, v in enumerate(self.velocity)}, {}

    def step(self) -> None:
        mu = self.momentum
        for (name, p, g), v in zip(self.pairs, self.velocity, strict=True):
            grad = self.gradient(name, p, g)
            eta = p.dtype.type(self.learning_rate)
            v *= p.dtype.type(mu)
            add_scaled(v, grad, -eta)  # v -= η·∇C
            if self.nesterov:
                p += p.dtype.type(mu) * v - eta * grad
            else:
                p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): running means of the gradient (β₁) and of its square (β₂),
    bias-corrected; p ← p − η m̂ / (√v̂ + ε)."""

    name = "adam"

    def __init__(
        self,
        pairs: Pairs,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        **kw: float,
    ) -> None:
        super().__init__(pairs, learning_rate, **kw)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m = [np.zeros_like(p) for _, p, _ in pairs]
        self.v = [np.zeros_like(p) for _, p, _ in pairs]

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        arrays = {f"m.{k}": m for k, m in enumerate(self.m)}
        arrays.update({f"v.{k}": v for k, v in enumerate(self.v)})
        return arrays, {"t": self.t}

    def restore(self, arrays: dict[str, np.ndarray], numbers: dict[str, float]) -> None:
        super().restore(arrays, numbers)
        self.t = int(numbers["t"])

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for (name, p, g), m, v in zip(self.pairs, self.m, self.v, strict=True):
            eps_hat = self.eps * math.sqrt(1 - b2**self.t)  # ε on the uncorrected scale
            adam_step(p, self.gradient(name, p, g), m, v, (b1, b2), step_size, eps_hat)


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")


def make(
    name: str,
    pairs: Pairs,
    learning_rate: float,
    l2: float = 0.0,
    l1: float = 0.0,
    n_train: int = 1,
    momentum: float = 0.9,
) -> Optimizer:
    """The optimiser called ``name`` (one of OPTIMIZERS) over named (param, grad) pairs."""
    reg = {"l2": l2, "l1": l1, "n_train": n_train}
    if name == "sgd":
        return SGD(pairs, learning_rate, **reg)
    if name in ("momentum", "nesterov"):
        return Momentum(pairs, learning_rate, momentum, nesterov=name == "nesterov", **reg)
    if name == "adam":
        return Adam(pairs, learning_rate, **reg)
    raise DigitnetError(f"unknown optimiser {name!r} (known: {', '.join(OPTIMIZERS)})")


# --- learning-rate schedules ----------------------------------------------------------


class Schedule:
    """η per epoch. ``rate(epoch)`` before each epoch; ``observe(correct)`` after it,
    which returns False when the run should stop."""

    def __init__(self, learning_rate: float, epochs: int) -> None:
        self.base = learning_rate
        self.epochs = epochs

    def rate(self, epoch: int) -> float:
        return self.base

    def observe(self, correct: int | None) -> bool:
        return True

    def state(self) -> dict[str, float | None]:
        """What the schedule has learnt from the epochs so far (for a saved run)."""
        return {}

    def restore(self, state: dict[str, float | None]) -> None:
        for name in self.state():  # only the names this schedule keeps
            setattr(self, name, state[name])


class StepDecay(Schedule):
    """η × γ^⌊epoch / every⌋."""

    def __init__(self, learning_rate: float, epochs: int, every: int = 10, gamma: float = 0.5):
        super().__init__(learning_rate, epochs)
        self.every, self.gamma = max(int(every), 1), gamma

    def rate(self, epoch: int) -> float:
        return self.base * self.gamma ** (epoch // self.every)


class Cosine(Schedule):
    """η/2 (1 + cos(π epoch / epochs)), from η down towards 0."""

    def rate(self, epoch: int) -> float:
        return 0.5 * self.base * (1 + math.cos(math.pi * epoch / max(self.epochs, 1)))


class HalveOnPlateau(Schedule):
    """The book's chapter 3 rule: halve η whenever validation accuracy has not improved
    for ``patience`` epochs; stop once η has fallen to η₀/``floor`` (128 in the book)."""

    def __init__(self, learning_rate: float, epochs: int, patience: int = 10, floor: int = 128):
        super().__init__(learning_rate, epochs)
        self.current = learning_rate
        self.patience, self.floor = max(int(patience), 1), floor
        self.best: int | None = None
        self.waited = 0

    def rate(self, epoch: int) -> float:
        return self.current

    def state(self) -> dict[str, float | None]:
        return {"current": self.current, "best": self.best, "waited": self.waited}

    def observe(self, correct: int | None) -> bool:
        if correct is None:
            return True
        if self.best is None or correct > self.best:
            self.best, self.waited = correct, 0
            return True
        self.waited += 1
        if self.waited >= self.patience:
            self.current /= 2
            self.waited = 0
        return self.current > self.base / self.floor


SCHEDULES = {"constant": Schedule, "step": StepDecay, "cosine": Cosine, "plateau": HalveOnPlateau}


def schedule(name: str, learning_rate: float, epochs: int, **options: float) -> Schedule:
    """The schedule called ``name``."""
    if name not in SCHEDULES:
        raise DigitnetError(f"unknown schedule {name!r} (known: {', '.join(SCHEDULES)})")
    return SCHEDULES[name](learning_rate, epochs, **options)
