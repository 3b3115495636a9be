"""The fast path's sparse rows equal the dense inputs they come from."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.config import ModelSpec
from digitnet.data import to_inputs
from digitnet.data.augment import apply_transforms, draw_transforms
from digitnet.nn import build, fast, losses, optim
from digitnet.nn.fast import CSR


def dense(csr: CSR, n_in: int) -> np.ndarray:
    out = np.zeros((len(csr.indptr) - 1, n_in), csr.values.dtype)
    for r in range(len(out)):
        lo, hi = csr.indptr[r], csr.indptr[r + 1]
        out[r, csr.indices[lo:hi]] = csr.values[lo:hi]
    return out


def test_uint8_images_scaled_without_a_dense_copy():
    rng = np.random.default_rng(0)
    images = (rng.random((37, 6, 5)) > 0.7) * rng.integers(1, 256, (37, 6, 5))
    images = images.astype(np.uint8)
    images[3] = 0  # an empty row
    csr = CSR.from_rows(images, np.dtype(np.float32), 1 / 255, chunk=8)
    assert csr.values.dtype == np.float32 and csr.indices.dtype == np.int32
    np.testing.assert_array_equal(dense(csr, 30), to_inputs(images))
    assert csr.indptr[4] == csr.indptr[3]


def test_float_inputs_kept_as_they_are():
    x = np.array([[0.0, 0.5, 0.0], [0.25, 0.0, 1.0]])
    csr = CSR.from_rows(x, np.dtype(np.float64))
    np.testing.assert_array_equal(dense(csr, 3), x)


def test_transformed_rows_equal_the_transformed_images():
    if not fast.available():
        pytest.skip("numba not installed")
    rng = np.random.default_rng(4)
    images = ((rng.random((40, 28, 28)) > 0.8) * rng.integers(1, 256, (40, 28, 28))).astype(
        np.uint8
    )
    group, maps = draw_transforms(40, 28, rng, max_shift=2, max_degrees=10)
    model = build(ModelSpec.from_sizes([784, 8, 10]), rng, np.float32)
    opt = optim.make("sgd", model.param_grad_pairs(), 1.0)
    runner = fast.FastSGD(model, images, np.zeros(40, np.int64), losses.get("quadratic"), opt)
    runner.set_transformed(group, maps)
    expected = to_inputs(apply_transforms(images, group, maps))
    np.testing.assert_array_equal(dense(runner.csr, 784), expected)
    runner.buffers = runner.new_buffers(10)  # too small: the rows must still all arrive
    runner.set_transformed(group, maps)
    np.testing.assert_array_equal(dense(runner.csr, 784), expected)
