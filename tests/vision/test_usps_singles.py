"""Single USPS digits as the dataset draws them: 16x16 pixels filling their box, light
on black or dark on white; the bold ones are digits, not a light sheet on a dark table."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitnet.data.usps import parse_usps
from digitnet.vision.preprocess import preprocess_image
from digitnet.vision.read import load_reader


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
