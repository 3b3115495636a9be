"""Any single-digit image -> MNIST's 28x28 form, and bad images refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet.errors import DigitnetError
from digitnet.vision.preprocess import NoDigitError, preprocess_file


def drawn_one(size=(120, 160), ink=0, paper=255, mode="L") -> Image.Image:
    img = Image.new(mode, size, paper)
    ImageDraw.Draw(img).line([(60, 20), (60, 140)], fill=ink, width=12)
    return img


def check_mnist_like(x: np.ndarray) -> None:
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1 and x.max() > 0.9
    rows, _cols = np.nonzero(x > 0.1)
    assert rows.max() - rows.min() + 1 <= 21  # fitted into a 20x20 box
    ys, xs = np.indices(x.shape)
    assert abs((ys * x).sum() / x.sum() - 14) <= 1
    assert abs((xs * x).sum() / x.sum() - 14) <= 1
    assert x[0].sum() == 0 and x[:, 0].sum() == 0  # the border stays empty


@pytest.mark.parametrize(
    "make",
    [
        lambda: drawn_one(),  # dark ink on light paper
        lambda: drawn_one(ink=255, paper=0),  # light on dark
        lambda: drawn_one(mode="RGB", ink=(20, 30, 200), paper=(250, 240, 230)),  # blue pen
        lambda: drawn_one().convert("P"),  # palette
        lambda: Image.fromarray(np.asarray(drawn_one(), np.uint16) * 257),  # 16-bit
    ],
)
def test_kinds_of_image_give_the_same_digit(tmp_path, make):
    reference = preprocess_file(save(tmp_path / "ref.png", drawn_one()))
    x = preprocess_file(save(tmp_path / "img.png", make()))
    check_mnist_like(x)
    assert np.abs(x - reference).max() < 0.1


def test_transparent_drawing_uses_alpha_as_ink(tmp_path):
    img = Image.new("RGBA", (120, 160), (0, 0, 0, 0))  # transparent black background
    ImageDraw.Draw(img).line([(60, 20), (60, 140)], fill=(0, 0, 0, 255), width=12)
    x = preprocess_file(save(tmp_path / "a.png", img))
    check_mnist_like(x)
    reference = preprocess_file(save(tmp_path / "ref.png", drawn_one()))
    assert np.abs(x - reference).max() < 0.1


def test_exif_orientation_is_applied(tmp_path):
    upright = Image.new("L", (160, 120), 255)
    ImageDraw.Draw(upright).line([(20, 60), (140, 60)], fill=0, width=12)  # a horizontal bar
    stored = upright.rotate(90, expand=True)  # the camera stored it sideways (vertical bar)
    exif = Image.Exif()
    exif[0x0112] = 8  # orientation: rotate 90 CW to display
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif.tobytes(), quality=95)
    x = preprocess_file(path)
    rows, cols = np.nonzero(x > 0.5)
    assert np.ptp(cols) > 3 * np.ptp(rows)  # horizontal again


def test_mnist_digit_survives_preprocessing(mnist, tmp_path):
    images, _ = mnist["test"]
    for k in range(5):
        for dark_on_light in (True, False):
            arr = 255 - images[k] if dark_on_light else images[k]
            img = Image.fromarray(arr).resize((84, 84), Image.Resampling.BILINEAR)
            x = preprocess_file(save(tmp_path / f"{k}.png", img))
            original = images[k] / 255
            # centring rounds to whole pixels, so allow the digit to sit one pixel off
            corr = max(
                np.corrcoef(np.roll(x, (dy, dx), (0, 1)).ravel(), original.ravel())[0, 1]
                for dy in (-1, 0, 1)
                for dx in (-1, 0, 1)
            )
            assert corr > 0.9, (k, dark_on_light, corr)


def test_blank_image_has_no_digit(tmp_path):
    for colour in (255, 0, 128):
        with pytest.raises(NoDigitError, match="no digit found"):
            preprocess_file(save(tmp_path / "blank.png", Image.new("L", (50, 50), colour)))
    noisy = np.random.default_rng(0).integers(250, 256, (60, 60)).astype(np.uint8)
    with pytest.raises(NoDigitError):
        preprocess_file(save(tmp_path / "paper.png", Image.fromarray(noisy)))


def test_bad_files_are_refused_with_a_reason(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    with pytest.raises(DigitnetError, match="not an image"):
        preprocess_file(text)
    with pytest.raises(DigitnetError, match="no such file"):
        preprocess_file(tmp_path / "missing.png")
    good = save(tmp_path / "cut.png", drawn_one())
    good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DigitnetError, match="broken or truncated"):
        preprocess_file(good)


def test_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (30_000, 30_000), 0).save(path)  # 900 megapixels, a few hundred KB
    assert path.stat().st_size < 2_000_000
    with pytest.raises(DigitnetError, match="too large"):
        preprocess_file(path)


def save(path, img):
    img.save(path)
    return path
