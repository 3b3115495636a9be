"""Augmentation: exact shifts, the book's expanded set, random transforms."""

from __future__ import annotations

import numpy as np

from digitnet.data.augment import expand_shifts, random_transforms, shift


def images(n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 8:20, 10:18] = rng.integers(1, 256, (n, 12, 8))
    return x


def test_shift_moves_every_pixel_and_fills_with_zero():
    x = images()
    down_right = shift(x, 1, 2)
    np.testing.assert_array_equal(down_right[:, 1:, 2:], x[:, :-1, :-2])
    assert down_right[:, 0].sum() == 0 and down_right[:, :, :2].sum() == 0
    np.testing.assert_array_equal(shift(shift(x, -1, 0), 1, 0), x)  # nothing lost at the edge


def test_books_expanded_set_is_five_times_larger():
    x, y = images(), np.arange(6)
    ex, ey = expand_shifts(x, y)
    assert ex.shape == (30, 28, 28) and ey.tolist() == list(range(6)) * 5
    np.testing.assert_array_equal(ex[:6], x)
    np.testing.assert_array_equal(ex[6:12], shift(x, 1, 0))
    np.testing.assert_array_equal(ex[24:], shift(x, 0, -1))


def test_random_shifts_are_whole_pixel_shifts_of_each_image():
    x = images(200)
    out = random_transforms(x, np.random.default_rng(1), max_shift=1)
    assert out.dtype == np.uint8 and out.shape == x.shape
    candidates = [shift(x, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    for k in range(len(x)):
        assert any(np.array_equal(out[k], c[k]) for c in candidates), k


def test_random_rotations_keep_the_digit_and_follow_the_seed():
    x = images(50)
    a = random_transforms(x, np.random.default_rng(3), max_shift=2, max_degrees=10)
    b = random_transforms(x, np.random.default_rng(3), max_shift=2, max_degrees=10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, x)
    mass = a.reshape(50, -1).astype(float).sum(1) / x.reshape(50, -1).astype(float).sum(1)
    assert np.all((mass > 0.8) & (mass < 1.2))  # nearest-neighbour resampling keeps the ink
