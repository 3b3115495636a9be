"""The real MNIST files pass every check and match the facts in shared/datasets/README.md."""

from __future__ import annotations

import numpy as np

from digitnet.data import load, to_inputs
from digitnet.data.sources import DATASETS, find_local

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist_files_verify(data_dir):
    info = DATASETS["mnist"]
    for role in info.files:
        assert find_local(info, role, data_dir) is not None, role


def test_label_counts_match_readme(data_dir):
    _, train_labels = load("mnist", "train-full", data_dir, allow_download=False)
    _, test_labels = load("mnist", "test", data_dir, allow_download=False)
    assert np.bincount(train_labels, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(test_labels, minlength=10).tolist() == TEST_COUNTS


def test_books_split_and_pixel_statistics(mnist):
    (xtr, ytr), (xva, _yva), (xte, _yte) = mnist["train"], mnist["validation"], mnist["test"]
    assert xtr.shape == (50_000, 28, 28) and ytr.shape == (50_000,)
    assert xva.shape == (10_000, 28, 28) and xte.shape == (10_000, 28, 28)
    assert xtr.dtype == np.uint8
    full = np.concatenate([xtr, xva])
    x = to_inputs(full, np.float64)
    assert x.shape == (60_000, 784) and x.min() >= 0.0 and x.max() <= 1.0
    assert abs(x.mean() - 0.1307) < 5e-4
    assert abs(x.std() - 0.3081) < 5e-4


def test_fashion_mnist_loads(data_dir):
    x, y = load("fashion-mnist", "test", data_dir, allow_download=False)
    assert x.shape == (10_000, 28, 28)
    assert np.bincount(y).tolist() == [1000] * 10
