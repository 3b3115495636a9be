"""The fast path's vector intrinsics against NumPy, for both float types and two widths."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.nn import fast

pytestmark = pytest.mark.skipif(not fast.available(), reason="numba not installed")


def kernels():
    import numba

    from digitnet.nn.simd import add_rows, prefetch, scatter_rows, sum_rows

    @numba.njit
    def run_sum(indices, values, lo, hi, src, dst, row, accumulate=False):
        prefetch(values, lo, hi)
        if accumulate:
            add_rows(indices, values, lo, hi, src, dst, row)
        else:
            sum_rows(indices, values, lo, hi, src, dst, row)

    @numba.njit
    def run_scatter(indices, values, lo, hi, d, d_row, w):
        scatter_rows(indices, values, lo, hi, d, d_row, w)

    return run_sum, run_scatter


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [32, 64])
def test_sum_rows_is_a_sparse_dot_product(dtype, width):
    run_sum, _ = kernels()
    rng = np.random.default_rng(0)
    src = rng.standard_normal((50, width)).astype(dtype)
    indices = rng.integers(0, 50, 40).astype(np.int32)
    indices[5] = indices[6]  # a repeated index counts twice
    values = rng.standard_normal(40).astype(dtype)
    dst = np.full((3, width), 7, dtype)
    run_sum(indices, values, 4, 31, src, dst, 1)
    expected = values[4:31] @ src[indices[4:31]]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(dst[1], expected, rtol=tol, atol=tol)
    np.testing.assert_array_equal(dst[[0, 2]], 7)  # other rows untouched
    run_sum(indices, values, 9, 9, src, dst, 2)  # an empty range gives zeros
    np.testing.assert_array_equal(dst[2], 0)
    run_sum(indices, values, 4, 31, src, dst, 0, accumulate=True)  # add_rows: onto dst
    np.testing.assert_allclose(dst[0], 7 + expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [32, 64])
def test_scatter_rows_adds_an_outer_product(dtype, width):
    _, run_scatter = kernels()
    rng = np.random.default_rng(1)
    w = rng.standard_normal((50, width)).astype(dtype)
    d = rng.standard_normal((4, width)).astype(dtype)
    indices = rng.integers(0, 50, 40).astype(np.int32)
    indices[10] = indices[11]  # a repeated index is added twice
    values = rng.standard_normal(40).astype(dtype)
    expected = w.copy()
    np.add.at(expected, indices[3:30], values[3:30, None] * d[2])
    run_scatter(indices, values, 3, 30, d, 2, w)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(w, expected, rtol=tol, atol=tol)
