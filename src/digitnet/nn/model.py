"""Sequential: a stack of layers, and building one from a ModelSpec."""

from __future__ import annotations

import numpy as np

from digitnet.config import ModelSpec
from digitnet.nn import init as initializers
from digitnet.nn.activations import Identity, ReLU, Softmax, activation
from digitnet.nn.conv import Conv2D, Flatten, MaxPool2D
from digitnet.nn.layers import Dense, Dropout, Layer, Maxout
from digitnet.threads import blas_threads, threads_for


class Sequential:
    """Layers applied in order. Inputs are (N, n_in); outputs (N, n_out).

    Parameters are named ``"{index}.{name}"`` (``"0.weight"``, ``"0.bias"``, ...), the
    index counting every layer, activations included, as torch's ``nn.Sequential`` does.
    """

    def __init__(
        self,
        layers: list[Layer],
        dtype: np.dtype | str = np.float32,
        input_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.layers = layers
        self.dtype = np.dtype(dtype)
        self.input_shape = tuple(input_shape) if input_shape else None
        if layers and hasattr(layers[0], "input_grad"):
            layers[0].input_grad = False  # the inputs are data, not parameters

    def forward(self, x: np.ndarray, train: bool = False, stop: int | None = None) -> np.ndarray:
        """Output activations (N, n_out) for inputs x (N, n_in).

        ``stop`` ends before layer ``stop`` (e.g. ``len(layers) - 1``: the output
        layer's weighted input z, without its activation).
        """
        a = self.inputs(x)
        for layer in self.layers[:stop]:
            a = layer.forward(a, train)
        return a

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """x (N, n_in) in the model's dtype, shaped (N, *input_shape) for a convolutional
        network."""
        a = np.asarray(x, dtype=self.dtype)
        if self.input_shape and a.ndim == 2:
            a = a.reshape(len(a), *self.input_shape)
        return a

    def backward(self, grad_output: np.ndarray, start: int | None = None) -> np.ndarray | None:
        """Backpropagate ∂C/∂(output of the last forward); fills every layer's gradients.

        ``start`` begins below layer ``start`` (then grad_output is ∂C/∂ of its input).
        Returns ∂C/∂x, or None when the first layer is Dense (it does not compute it).
        """
        g = grad_output
        for layer in reversed(self.layers[:start]):
            g = layer.backward(g)
        return g

    def parameters(self) -> dict[str, np.ndarray]:
        """Name -> parameter array (the live arrays, not copies)."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params().items()
        }

    def gradients(self) -> dict[str, np.ndarray]:
        """Name -> gradient array, filled by ``backward``."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads().items()
        }

    def param_grad_pairs(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(name, parameter, gradient) for an optimiser."""
        grads = self.gradients()
        return [(name, p, grads[name]) for name, p in self.parameters().items()]

    def load_parameters(self, tensors: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters of the same names (shapes must match)."""
        for name, p in self.parameters().items():
            p[...] = tensors[name]

    def predict_proba(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Output activations (N, n_out), computed in batches for reading only (on every
        core where the work is large enough to gain from them)."""
        with blas_threads(threads_for(len(x) * self.multiply_adds())):
            out = [self.infer(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.empty((0, self.n_out), self.dtype)

    def multiply_adds(self) -> int:
        """The multiply-adds of the weights for one example: a dense layer's weight once,
        a convolution's at every output position."""
        shape, total = self.input_shape, 0
        for layer in self.layers:
            if isinstance(layer, Conv2D) and shape is not None:
                shape = layer.output_shape(shape)
                total += layer.weight.size * shape[1] * shape[2]
            elif isinstance(layer, MaxPool2D) and shape is not None:
                shape = layer.output_shape(shape)
            elif hasattr(layer, "weight"):
                total += layer.weight.size
        return total

    def infer(self, x: np.ndarray) -> np.ndarray:
        """The same outputs (N, n_out) as ``forward(x)``, for reading only (no ``backward``
        after it): a ReLU before a max-pool is taken after it (the two commute, and the
        pool leaves a quarter of the values to clip)."""
        return self.infer_from(self.inputs(x), 0)

    def infer_from(self, a: np.ndarray, start: int) -> np.ndarray:
        """``infer`` from layer ``start`` on, ``a`` being that layer's input."""
        layers, i = self.layers, start
        while i < len(layers):
            here, after = layers[i], layers[i + 1] if i + 1 < len(layers) else None
            if isinstance(here, ReLU) and isinstance(after, MaxPool2D):
                a, i = here.forward(after.forward(a)), i + 2
            else:
                a, i = here.forward(a), i + 1
        return a

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The most active output for each input: (N,) int64."""
        return self.predict_proba(x, batch_size).argmax(axis=1)

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_out(self) -> int:
        return self.dense_layers[-1].n_out


def build(
    spec: ModelSpec, rng: np.random.Generator, dtype: np.dtype | str = np.float32
) -> Sequential:
    """A new Sequential for ``spec``, its weights drawn from ``rng`` with ``spec.init``.

    Dropout layers draw their masks from ``rng`` too, so one seed fixes a whole run.
    """
    spec.validate()
    dtype = np.dtype(dtype)
    layers: list[Layer] = []
    shape: tuple[int, ...] = tuple(spec.input_shape) if spec.input_shape else (spec.input_size,)
    for layer_spec in spec.layers:
        kind = layer_spec["type"]
        make = initializers.get(layer_spec.get("init", spec.init))
        if kind == "dropout":
            layers.append(Dropout(float(layer_spec["rate"]), rng))
            continue
        if kind == "flatten" or (kind in ("dense", "maxout") and len(shape) > 1):
            layers.append(Flatten())
            shape = (int(np.prod(shape)),)
            if kind == "flatten":
                continue
        if kind == "conv2d":
            filters, k = int(layer_spec["filters"]), int(layer_spec["kernel"])
            w, b = make(shape[0] * k * k, filters, rng, dtype)
            conv = Conv2D(w.reshape(filters, shape[0], k, k), b, layer_spec.get("padding", "valid"))
            layers.append(conv)
            shape = conv.output_shape(shape)
        elif kind == "maxpool2d":
            pool = MaxPool2D(int(layer_spec.get("size", 2)))
            layers.append(pool)
            shape = pool.output_shape(shape)
        elif kind == "maxout":
            units, pieces = int(layer_spec["units"]), int(layer_spec["pieces"])
            w, b = make(shape[0], units * pieces, rng, dtype)
            layers.append(Maxout(w, b, pieces))
            shape = (units,)
        else:
            units = int(layer_spec["units"])
            w, b = make(shape[0], units, rng, dtype)
            layers.append(Dense(w, b))
            shape = (units,)
        if layer_spec.get("activation"):
            layers.append(activation(layer_spec["activation"]))
    return Sequential(layers, dtype, spec.input_shape)


def folded_softmax(model: Sequential) -> bool:
    """Whether a model ends in softmax, then a dense layer with no activation whose
    weights (n_out, n_in) are ≥ 0 with each column summing to 1 and no bias: its outputs
    are then probabilities too (the readers fold "not a digit" into ten outputs so)."""
    if len(model.layers) < 3:
        return False
    soft, dense, last = model.layers[-3:]
    if not (isinstance(soft, Softmax) and isinstance(dense, Dense) and isinstance(last, Identity)):
        return False
    w = np.asarray(dense.weight, np.float64)
    return bool((w >= 0).all() and np.allclose(w.sum(axis=0), 1) and not dense.bias.any())
