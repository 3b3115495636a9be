"""USPS digits as the dataset draws them, 16x16 pixels filling their box: single ones,
light on black or dark on white (the bold ones are digits, not a light sheet on a dark
table), and lines of them side by side, cropped tight (the stems of 1s, 7s and 9s cross
the whole picture, as a grid's lines do, but are no grid)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitnet.data.usps import parse_usps
from digitnet.vision.preprocess import preprocess_image
from digitnet.vision.read import load_reader, load_readers, read_image


@pytest.fixture(scope="module")
def usps_validation(data_dir):
    import gzip

    path = data_dir / "usps" / "zip.train.gz"
    if not path.exists():
        pytest.skip("USPS not in the data folder")
    images, labels = parse_usps(gzip.decompress(path.read_bytes()))  # (N, 16, 16) in [0, 1]
    return images[-400:], labels[-400:]  # of the validation split (the last 1,000)


@pytest.mark.parametrize(("light", "side"), [(True, 16), (False, 16), (True, 64)])
def test_single_usps_digits_are_read_in_either_polarity(usps_validation, light, side):
    images, labels = usps_validation
    pixels = [(a * 255 if light else 255 - a * 255).astype(np.uint8) for a in images]
    pictures = [Image.fromarray(p).resize((side, side), Image.BILINEAR) for p in pixels]
    x = np.stack([preprocess_image(p) for p in pictures]).reshape(len(pictures), 784)
    assert np.mean(load_reader().model.predict(x) == labels) >= 0.985


@pytest.mark.parametrize("zoom", [1, 2])
def test_lines_of_usps_digits_cropped_tight_are_read(usps_validation, zoom):
    images, labels = usps_validation
    readers = load_readers()
    rng = np.random.default_rng(0)
    right = 0
    for _ in range(40):
        picks = rng.integers(0, len(images), int(rng.integers(3, 9)))
        row = np.hstack([images[k] for k in picks])  # (16, 16 n): ink on the top and bottom
        img = Image.fromarray((255 - row * 255).astype(np.uint8))
        img = img.resize((img.width * zoom, img.height * zoom), Image.BILINEAR)
        right += read_image(img, readers, 0).text == "".join(str(labels[k]) for k in picks)
    assert right >= 34  # (37 and 36 of 40; 4 and 9 when such stems were taken for a grid)


def test_tall_digits_of_a_tight_line_are_not_taken_for_blots(data_dir):
    import gzip

    path = data_dir / "usps" / "zip.train.gz"
    if not path.exists():
        pytest.skip("USPS not in the data folder")
    images, labels = parse_usps(gzip.decompress(path.read_bytes()))
    images, labels = images[-1000:], labels[-1000:]  # the validation split, as the benchmark
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(56):
        picks = rng.integers(0, len(images), int(rng.integers(3, 9)))
        row = np.hstack([images[k] for k in picks])
        img = Image.fromarray((255 - row * 255).astype(np.uint8))
        lines.append((img.resize((img.width * 2, img.height * 2), Image.BILINEAR), picks))
    readers = load_readers()
    for img, picks in (lines[53], lines[55]):  # "340" and "4113323": digits that run from
        # the top to the bottom of the picture beside smaller ones that touch no edge
        assert read_image(img, readers, 0).text == "".join(str(labels[k]) for k in picks)
