"""The matrix resize gives PIL's result for float images, at a fraction of the cost."""

import numpy as np
import pytest
from PIL import Image

from digitnet.vision.resample import resize, resize_matrix


def pil_resize(img: np.ndarray, height: int, width: int, shrink: bool) -> np.ndarray:
    """PIL's float resize, across then down, clipped to [0, 1] after each pass."""
    kind = Image.Resampling.LANCZOS if shrink else Image.Resampling.BILINEAR
    for size in [(width, img.shape[0]), (width, height)]:
        im = Image.fromarray(img.astype(np.float32), "F").resize(size, kind)
        img = np.clip(np.asarray(im, np.float64), 0, 1)
    return img


@pytest.mark.parametrize("shrink", [True, False])
def test_resize_matches_pil(shrink: bool) -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w = rng.integers(21, 90, 2) if shrink else rng.integers(2, 20, 2)
        img = np.where(rng.random((h, w)) > 0.5, rng.random((h, w)), 0)
        scale = 20 / max(h, w)  # as fit_to_mnist: into 20×20, keeping the aspect
        height, width = max(1, round(h * scale)), max(1, round(w * scale))
        ours = resize(img, height, width)
        assert ours.shape == (height, width)
        np.testing.assert_allclose(ours, pil_resize(img, height, width, shrink), atol=1e-5)


def test_resize_matrix_rows_are_weights() -> None:
    for n_in, n_out in [(57, 20), (20, 20), (7, 20), (1, 3), (3, 1)]:
        m = resize_matrix(n_in, n_out)
        assert m.shape == (n_out, n_in)
        np.testing.assert_allclose(m.sum(axis=1), 1.0)
    np.testing.assert_allclose(resize_matrix(9, 9), np.eye(9), atol=1e-12)  # same size: a copy


def test_resize_keeps_a_flat_image_flat_and_in_range() -> None:
    flat = np.full((40, 25), 0.6)
    np.testing.assert_allclose(resize(flat, 20, 12), 0.6)
    edge = np.zeros((30, 30))
    edge[:, 15:] = 1.0  # Lanczos rings at a sharp edge: clipped to [0, 1]
    out = resize(edge, 20, 20)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out.min() == 0.0 and out.max() == 1.0
