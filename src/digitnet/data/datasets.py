"""Load a dataset split as arrays.

``load("mnist", "train")`` returns ``(images, labels)``: uint8 arrays of shape
(N, 28, 28) and (N,). The splits follow the book: the 60,000 training images are
divided into 50,000 for training (``"train"``) and the last 10,000 for validation
(``"validation"``); ``"train-full"`` is all 60,000, ``"test"`` the 10,000 test images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitnet.data.idx import check_pair, parse_idx
from digitnet.data.sources import dataset_info, obtain
from digitnet.errors import DigitnetError

SPLITS = ("train", "validation", "test", "train-full")
VALIDATION_SIZE = 10_000  # MNIST's and Fashion-MNIST's (each dataset's is in its table entry)


def load_pair(
    name: str, part: str, data_dir: str | Path | None = None, allow_download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, H, W) and labels (N,) of the ``part`` file pair ("train" or "test");
    USPS's one text file per part comes in MNIST's form, (N, 28, 28)."""
    if dataset_info(name).layout == "usps":
        from digitnet.data.usps import parse_usps, to_mnist_form

        path, data = obtain(name, [part], data_dir, allow_download)[part]
        digits, labels = parse_usps(data, str(path))
        return to_mnist_form(digits), labels
    roles = [f"{part}-images", f"{part}-labels"]
    files = obtain(name, roles, data_dir, allow_download)
    (img_path, img_bytes), (lab_path, lab_bytes) = files[roles[0]], files[roles[1]]
    images = parse_idx(img_bytes, str(img_path))
    labels = parse_idx(lab_bytes, str(lab_path))
    if images.ndim != 3:
        raise DigitnetError(f"{img_path}: expected images with 3 dimensions, got {images.ndim}")
    if labels.ndim != 1:
        raise DigitnetError(f"{lab_path}: expected labels with 1 dimension, got {labels.ndim}")
    check_pair(images, labels, f"{name} {part}")
    return images, labels


def load(
    name: str = "mnist",
    split: str = "train",
    data_dir: str | Path | None = None,
    allow_download: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` of a split: uint8 (N, 28, 28) and uint8 (N,).

    The validation split is the training file's last 10,000 images (USPS: 1,000)."""
    if split not in SPLITS:
        raise DigitnetError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    part = "test" if split == "test" else "train"
    images, labels = load_pair(name, part, data_dir, allow_download)
    held = dataset_info(name).validation
    if split == "train":
        return images[:-held], labels[:-held]
    if split == "validation":
        return images[-held:], labels[-held:]
    return images, labels


def load_all(
    name: str = "mnist", data_dir: str | Path | None = None, allow_download: bool = True
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The book's three splits at once: {"train", "validation", "test"} -> (images, labels)."""
    x, y = load_pair(name, "train", data_dir, allow_download)
    xt, yt = load_pair(name, "test", data_dir, allow_download)
    n = len(x) - dataset_info(name).validation
    return {"train": (x[:n], y[:n]), "validation": (x[n:], y[n:]), "test": (xt, yt)}


def to_inputs(images: np.ndarray, dtype: np.dtype | str = np.float32) -> np.ndarray:
    """Scale uint8 images (N, H, W) to floats in [0, 1], flattened to (N, H*W)."""
    x = np.asarray(images).reshape(len(images), -1)
    return np.multiply(x, np.asarray(1 / 255, dtype=dtype), dtype=dtype)


NOT_A_DIGIT = -1  # the label of an image that holds no single digit


def one_hot(
    labels: np.ndarray, classes: int = 10, dtype: np.dtype | str = np.float32
) -> np.ndarray:
    """Labels (N,) -> one-hot rows (N, classes).

    A label of NOT_A_DIGIT (−1) gives the uniform row 1/classes: "no digit is more likely
    than another", the target for fragments and pairs of digits (see digitnet.vision).
    """
    labels = np.asarray(labels)
    y = np.zeros((len(labels), classes), dtype=dtype)
    known = labels >= 0
    y[np.nonzero(known)[0], labels[known]] = 1
    y[~known] = 1 / classes
    return y
