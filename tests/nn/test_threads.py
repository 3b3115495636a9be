"""BLAS threads chosen by the work (digitnet.threads)."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import threads
from digitnet.config import ModelSpec
from digitnet.nn.model import build

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_counts() -> list[int]:
    return [
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    ]


@pytest.fixture
def chosen_by_digitnet(monkeypatch):
    """No thread count set by the user; a fresh controller."""
    for name in threads.USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "_tried", False)
    monkeypatch.setattr(threads, "_controller", None)
    yield
    monkeypatch.setattr(threads, "_tried", False)
    monkeypatch.setattr(threads, "_controller", None)


def test_blas_threads_sets_and_restores(chosen_by_digitnet):
    if not blas_counts():
        pytest.skip("no BLAS library that threadpoolctl can see")
    before = blas_counts()
    with threads.blas_threads(1):
        assert set(blas_counts()) == {1}
    assert blas_counts() == before


def test_a_users_thread_count_is_kept(chosen_by_digitnet, monkeypatch):
    if not blas_counts():
        pytest.skip("no BLAS library that threadpoolctl can see")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    before = blas_counts()
    with threads.blas_threads(2):
        assert blas_counts() == before
    assert threads.controller() is None


def test_threads_for_small_and_large_work(monkeypatch):
    monkeypatch.setattr(threads, "cores", lambda: 4)
    assert threads.threads_for(23_860 * 10) == 1  # the book's network, a mini-batch of 10
    assert threads.threads_for(3_870_190 * 51 * 3) == 4  # three readers on a line's crops


def test_multiply_adds_counts_dense_and_convolution_weights():
    book = build(ModelSpec.from_sizes([784, 30, 10]), np.random.default_rng(0))
    assert book.multiply_adds() == 784 * 30 + 30 * 10
    spec = ModelSpec.from_dict(
        {
            "input_shape": [1, 28, 28],
            "layers": [
                {"type": "conv2d", "filters": 4, "kernel": 5},
                {"type": "maxpool2d", "size": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
        }
    )
    cnn = build(spec, np.random.default_rng(0))
    assert cnn.multiply_adds() == 4 * 25 * 24 * 24 + 4 * 12 * 12 * 10
