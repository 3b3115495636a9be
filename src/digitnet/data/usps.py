"""The USPS digits in their text form, turned into MNIST's form.

Each line of ``zip.train`` / ``zip.test`` is one digit: its label written as a float
(``6.0000``), then 256 grey values in [-1, 1], row-major 16×16, where -1 is paper and
+1 is ink. The digits were deslanted and scaled to fill the 16×16 box; here each is
cropped to its ink and fitted into MNIST's 20×20 box with its centre of mass at the
centre of a 28×28 field (:func:`digitnet.vision.preprocess.fit_to_mnist`), the same
form ``predict`` gives a photo of a digit, so USPS and MNIST train one network.
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import DigitnetError

SIDE = 16
VALUES = 1 + SIDE * SIDE  # the label and the pixels
MAX_DIGITS = 100_000  # the real files hold 7,291 and 2,007


def parse_usps(data: bytes | bytearray, name: str = "<bytes>") -> tuple[np.ndarray, np.ndarray]:
    """Digits (N, 16, 16) float32 in [0, 1] (1 = ink) and labels (N,) uint8 from the text
    of a USPS file; DigitnetError names the file and line of anything malformed."""
    try:
        text = bytes(data).decode("ascii")
    except UnicodeDecodeError:
        raise DigitnetError(f"{name}: not a USPS text file (bytes that are not ASCII)") from None
    lines = text.split("\n")
    if lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DigitnetError(f"{name}: empty USPS file")
    if len(lines) > MAX_DIGITS:
        raise DigitnetError(f"{name}: more than {MAX_DIGITS} lines, not a USPS file")
    rows = np.empty((len(lines), VALUES), np.float64)
    for i, line in enumerate(lines):
        fields = line.split()
        if len(fields) != VALUES:
            raise DigitnetError(f"{name}: line {i + 1} has {len(fields)} values, expected {VALUES}")
        try:
            rows[i] = [float(v) for v in fields]
        except ValueError:
            raise DigitnetError(
                f"{name}: line {i + 1} holds something that is not a number"
            ) from None
    labels, pixels = rows[:, 0], rows[:, 1:]
    if not np.isfinite(rows).all() or np.abs(pixels).max() > 1.0 + 1e-6:
        raise DigitnetError(f"{name}: grey values outside [-1, 1]")
    if (labels != np.round(labels)).any() or labels.min() < 0 or labels.max() > 9:
        raise DigitnetError(f"{name}: labels must be the digits 0-9")
    ink = ((pixels + 1) / 2).reshape(-1, SIDE, SIDE).astype(np.float32)
    return np.clip(ink, 0, 1), labels.astype(np.uint8)


def to_mnist_form(digits: np.ndarray) -> np.ndarray:
    """USPS digits (N, 16, 16) in [0, 1] as MNIST-style images (N, 28, 28) uint8."""
    from digitnet.vision.preprocess import fit_to_mnist

    out = np.zeros((len(digits), 28, 28), np.uint8)
    for i, d in enumerate(digits):
        rows, cols = np.nonzero(d > 0.1)  # the faint halo of the scan is left out
        if len(rows) == 0:
            continue
        crop = d[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.float64)
        out[i] = np.rint(fit_to_mnist(crop) * 255).astype(np.uint8)
    return out
