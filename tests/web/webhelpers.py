"""Helpers for the web tests: images as PNG bytes, and waiting for a condition."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest


def png(array: np.ndarray) -> bytes:
    """PNG bytes of a grey image (H, W) uint8."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def digit_png(image: np.ndarray, scale: int = 8) -> bytes:
    """An MNIST image (28, 28) as a drawing: black ink on white, enlarged."""
    big = np.kron(255 - image, np.ones((scale, scale), np.uint8))
    return png(big.astype(np.uint8))


def wait_for(predicate, timeout: float = 120.0, step: float = 0.05):
    """Poll until predicate() is truthy; returns its value or fails the test."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail("timed out waiting")
