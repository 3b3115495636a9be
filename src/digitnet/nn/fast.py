"""A compiled fast path for the book's networks: one hidden layer of sigmoid neurons,
quadratic or cross-entropy cost, plain mini-batch SGD, optionally with L2.

It computes exactly what the layer-by-layer engine computes (the same forward pass,
the same four equations, the same update after each mini-batch; only the order of
floating-point sums differs), but as one compiled loop over an epoch:

- no Python or NumPy call per mini-batch, which at mini-batch size 10 is most of the
  cost of a NumPy loop;
- the input is sparse: about 19% of MNIST's pixels are non-zero, so the first layer
  reads (forward) and updates (BP4) only the weight rows of the non-zero pixels.
  Inputs are stored once per run in CSR form (row pointers, column indices, values);
- those row loops are written in LLVM vectors (:mod:`digitnet.nn.simd`), and the next
  images' non-zeros are prefetched, since a shuffled epoch reads them from all over memory.

``train.fit`` uses it when ``supports(...)`` says so and numba is installed, and the
engine otherwise. ``tests/nn/test_sgd.py`` checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitnet.nn.activations import Sigmoid
from digitnet.nn.layers import Dense
from digitnet.nn.losses import CrossEntropy, Quadratic
from digitnet.nn.model import Sequential
from digitnet.nn.optim import SGD

_kernel = None
_transform_kernel = None


def available() -> bool:
    """True if numba can be imported."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def supports(model: Sequential, cost: object, optimizer: object) -> bool:
    """True if the fast path computes this model, cost and optimiser."""
    kinds = [type(layer) for layer in model.layers]
    return (
        kinds == [Dense, Sigmoid, Dense, Sigmoid]
        and type(cost) in (Quadratic, CrossEntropy)
        and type(optimizer) is SGD
        and optimizer.l1 == 0
        and available()
    )


@dataclass
class CSR:
    """Rows of a sparse (N, n_in) matrix: row r is values[indptr[r]:indptr[r+1]] at indices[...]."""

    indptr: np.ndarray  # (N + 1,) int64
    indices: np.ndarray  # (nnz,) int32
    values: np.ndarray  # (nnz,) float

    @classmethod
    def from_rows(
        cls, x: np.ndarray, dtype: np.dtype, scale: float = 1.0, chunk: int = 4096
    ) -> CSR:
        """CSR of x (N, ...) flattened per row and multiplied by ``scale``, stored as ``dtype``.

        uint8 images go in with scale 1/255, so no dense float copy is ever made. The
        arrays are allocated once at their exact size (a first pass counts non-zeros).
        """
        flat = x.reshape(len(x), -1)
        counts = np.zeros(len(flat), np.int64)
        for start in range(0, len(flat), chunk):
            counts[start : start + chunk] = np.count_nonzero(flat[start : start + chunk], axis=1)
        indptr = np.zeros(len(flat) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), np.int32)
        values = np.empty(int(indptr[-1]), dtype)
        for start in range(0, len(flat), chunk):
            block = flat[start : start + chunk]
            rows, cols = np.nonzero(block)
            lo, hi = indptr[start], indptr[start + len(block)]
            indices[lo:hi] = cols
            np.multiply(block[rows, cols], scale, out=values[lo:hi], dtype=dtype, casting="unsafe")
        return cls(indptr, indices, values)


def _compile():
    """The epoch kernel, compiled on first use (numba caches it on disk)."""
    global _kernel
    if _kernel is None:
        from digitnet.nn.fast_kernel import sgd_batches

        _kernel = sgd_batches
    return _kernel


def inverse_maps(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For maps (G, P) of target -> source (P = outside), the inverse as CSR per group:
    targets[g, ptr[g, s] : ptr[g, s + 1]] are the targets that take source pixel s."""
    groups, p = maps.shape
    order = np.argsort(maps, axis=1, kind="stable")
    sources = np.take_along_axis(maps, order, axis=1)
    ptr = np.stack([np.searchsorted(sources[g], np.arange(p + 1)) for g in range(groups)])
    return ptr.astype(np.int64), order.astype(np.int32)


def _compile_transform():
    """Compile the kernel that moves sparse rows through inverse index maps."""
    global _transform_kernel
    if _transform_kernel is not None:
        return _transform_kernel
    import numba

    @numba.njit(cache=True, nogil=True)
    def transformed_rows(
        indptr, indices, values, group, inv_ptr, inv_targets, out_ptr, out_indices, out_values
    ):
        """CSR rows resampled: each non-zero source pixel s of row k goes to every target
        that takes s under group[k]'s map. One pass over the non-zeros, into the out_
        buffers; returns the number written, or -1 if out_indices is too small."""
        n = len(indptr) - 1
        capacity = len(out_indices)
        w = 0
        out_ptr[0] = 0
        for k in range(n):
            g = group[k]
            for q in range(indptr[k], indptr[k + 1]):
                s = indices[q]
                for u in range(inv_ptr[g, s], inv_ptr[g, s + 1]):
                    if w == capacity:
                        return -1
                    out_indices[w] = inv_targets[g, u]
                    out_values[w] = values[q]
                    w += 1
            out_ptr[k + 1] = w
        return w

    _transform_kernel = transformed_rows
    return _transform_kernel


class FastSGD:
    """Runs epochs of the kernel on a model, in chunks so a progress bar can move.

    x (N, n_in) inputs, or uint8 images (N, H, W) (scaled by 1/255); labels (N,) ints.
    The learning rate and λ are read from ``optimizer`` at every call.
    """

    def __init__(
        self, model: Sequential, x: np.ndarray, labels: np.ndarray, cost: object, optimizer: SGD
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.cross_entropy = isinstance(cost, CrossEntropy)
        self.set_inputs(x)
        self.base = self.csr  # the untransformed rows, for augmentation
        self.buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.labels = np.ascontiguousarray(labels, dtype=np.int64)
        self.kernel = _compile()
        first, second = model.dense_layers
        from digitnet.nn.simd import ROW_MULTIPLE  # here: simd needs numba

        width = -(-first.n_out // ROW_MULTIPLE) * ROW_MULTIPLE
        self.w1t = np.zeros((first.n_in, width), model.dtype)
        self.w1t[:, : first.n_out] = first.weight.T
        self.w1_scale = np.ones(1, np.float64)
        self.b1 = np.zeros(width, model.dtype)
        self.b1[: first.n_out] = first.bias
        out_width = -(-second.n_out // ROW_MULTIPLE) * ROW_MULTIPLE
        self.w2t = np.zeros((first.n_out, out_width), model.dtype)
        self.w2t[:, : second.n_out] = second.weight.T
        self.hidden_units = np.arange(first.n_out, dtype=np.int32)

    def set_inputs(self, x: np.ndarray) -> None:
        """Train on new inputs from now on (the same examples, e.g. augmented anew)."""
        scale = 1 / 255 if x.dtype == np.uint8 else 1.0
        self.csr = CSR.from_rows(x, self.model.dtype, scale)

    def set_transformed(self, group: np.ndarray, maps: np.ndarray) -> None:
        """Train on the original inputs (as square images) resampled through
        maps[group[k]] (see :func:`digitnet.data.augment.draw_transforms`). The rows are
        written into buffers kept from epoch to epoch."""
        kernel = _compile_transform()
        inv_ptr, inv_targets = inverse_maps(maps)
        base = self.base
        if self.buffers is None:
            self.buffers = self.new_buffers(int(len(base.indices) * 1.1) + 1024)
        while True:
            ptr, idx, val = self.buffers
            count = kernel(
                base.indptr, base.indices, base.values, group, inv_ptr, inv_targets, ptr, idx, val
            )
            if count >= 0:
                self.csr = CSR(ptr, idx[:count], val[:count])
                return
            self.buffers = self.new_buffers(2 * len(idx))  # rare: more ink than room

    def new_buffers(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row pointers, indices and values for transformed rows with ``size`` non-zeros."""
        return (
            np.empty(len(self.base.indptr), np.int64),
            np.empty(size, np.int32),
            np.empty(size, self.base.values.dtype),
        )

    def run(self, order: np.ndarray, start: int, stop: int, mini_batch_size: int) -> int:
        """Train on the mini-batches order[start:stop]; start must begin a mini-batch.

        Returns -1, or the position in ``order`` of a mini-batch that diverged."""
        eta = float(self.optimizer.learning_rate)
        decay = 1.0 - eta * self.optimizer.l2 / self.optimizer.n_train
        return self.kernel(
            self.csr.indptr,
            self.csr.indices,
            self.csr.values,
            self.labels,
            order,
            start,
            stop,
            mini_batch_size,
            eta,
            decay,
            self.cross_entropy,
            *self.network(),
        )

    def network(self) -> tuple[np.ndarray, ...]:
        """The arrays both kernels take last: w1t, w1_scale, b1, w2t, b2, hidden_units."""
        b2 = self.model.dense_layers[1].bias
        return self.w1t, self.w1_scale, self.b1, self.w2t, b2, self.hidden_units

    def measure(self) -> tuple[float, int]:
        """(mean cost, number right) on the training inputs as given (not augmented), with
        the weights as they are; the same figures as ``train.measure`` without the
        regularisation term, up to the order of the sums."""
        from digitnet.nn.fast_kernel import cost_and_correct

        base = self.base
        total, right = cost_and_correct(
            base.indptr,
            base.indices,
            base.values,
            self.labels,
            self.cross_entropy,
            *self.network(),
        )
        return total / max(len(self.labels), 1), int(right)

    def sync(self) -> None:
        """Fold the decay scale back in and copy the weights into the model."""
        if self.w1_scale[0] != 1.0:
            self.w1t *= self.w1t.dtype.type(self.w1_scale[0])
            self.w1_scale[0] = 1.0
        first, second = self.model.dense_layers
        first.weight[...] = self.w1t[:, : first.n_out].T
        first.bias[...] = self.b1[: first.n_out]
        second.weight[...] = self.w2t[:, : second.n_out].T
