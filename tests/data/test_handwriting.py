"""Handwriting augmentation: shapes, determinism, and what each part does."""

from __future__ import annotations

import numpy as np

from digitnet.data.handwriting import dilate, handwriting_transforms, thin, warp


def bar() -> np.ndarray:
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 6:22, 13:15] = 255  # a vertical stroke, 2 pixels wide
    return img


def test_shapes_dtype_and_seed():
    images = np.repeat(bar(), 50, axis=0)
    a = handwriting_transforms(images, np.random.default_rng(3))
    b = handwriting_transforms(images, np.random.default_rng(3))
    assert a.shape == images.shape and a.dtype == np.uint8
    assert (a == b).all()
    assert (a != images).any(axis=(1, 2)).mean() > 0.8  # nearly every image changed


def test_identity_warp_and_shift():
    img = bar()
    eye = np.eye(2, dtype=np.float32)[None]
    assert (warp(img, eye, np.zeros((1, 2), np.float32)) == img).all()
    moved = warp(img, eye, np.array([[0, 3]], np.float32))
    assert (moved[0, :, 16:18] == img[0, :, 13:15]).all()


def test_slant_shears_a_vertical_stroke():
    shear = np.array([[[1, 0], [0.5, 1]]], np.float32)  # inverse map: x_src = x + 0.5 y
    out = warp(bar(), shear, np.zeros((1, 2), np.float32))
    top, bottom = np.nonzero(out[0, 7])[0].mean(), np.nonzero(out[0, 20])[0].mean()
    assert abs(top - bottom) > 4  # the stroke leans now


def test_thicker_and_thinner_strokes():
    img = bar()
    assert (dilate(img) > 0).sum() > 1.5 * (img > 0).sum()
    soft = img.copy()
    soft[0, 6:22, 12] = soft[0, 6:22, 15] = 100  # faint edges
    assert (thin(soft) > 0).sum() < (soft > 0).sum()
    assert (thin(soft)[0, 6:22, 13:15] > 0).all()  # the core stays
