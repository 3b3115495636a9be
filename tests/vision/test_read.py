"""`digitnet read`: numbers of many digits, the shipped model, and bad images refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet import cli
from digitnet.vision.preprocess import NoDigitError, ink_intensity
from digitnet.vision.read import default_model_path, load_reader, read_image
from digitnet.vision.segment import read_line
from digitnet.vision.synth import make_line


@pytest.fixture(scope="module")
def reader():
    return load_reader().model


def mnist_line(images: np.ndarray, picks: list[int], gap: int = 12, invert: bool = True):
    """MNIST images side by side on a white page (RGB)."""
    row = np.hstack([np.pad(images[k], ((10, 10), (gap // 2, gap // 2))) for k in picks])
    return (
        Image.fromarray(255 - row if invert else row)
        .convert("RGB")
        .resize((row.shape[1] * 2, row.shape[0] * 2), Image.BILINEAR)
    )


def test_the_model_ships_in_the_package(reader):
    assert default_model_path().exists() and default_model_path().stat().st_size < 5_000_000
    assert reader.n_out == 10


def test_separate_digits_are_read_in_order(reader, mnist):
    images, labels = mnist["test"]
    picks = [3, 2, 1, 18, 4, 8]  # 0 1 2 3 4 5
    reading = read_image(mnist_line(images, picks), reader, threshold=0)  # the best guesses
    assert reading.text == "".join(str(labels[k]) for k in picks)
    xs = [d.box[0] for d in reading.digits]
    assert xs == sorted(xs)


def test_generated_lines_are_mostly_read_right(reader, mnist):
    images, labels = mnist["test"]
    rng = np.random.default_rng(7)
    separate = [make_line(images, labels, rng, touching=0.0) for _ in range(20)]
    right = sum(read_image(line.image, reader, 0).text == line.text for line in separate)
    assert right >= 14  # the benchmark (BENCHMARKS.md) measures the harder setting


def test_synth_is_seeded_and_sized(mnist):
    images, labels = mnist["test"]
    a = make_line(images, labels, np.random.default_rng(1), digits=5, jpeg=False)
    b = make_line(images, labels, np.random.default_rng(1), digits=5, jpeg=False)
    assert len(a.text) == 5 and a.text == b.text
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))


def test_cli_json_and_debug(tmp_path, mnist, capsys):
    images, _ = mnist["test"]
    path = tmp_path / "number.png"
    mnist_line(images, [3, 2, 1]).save(path)
    debug = tmp_path / "debug"
    assert cli.main(["read", str(path), "--json", "--debug", str(debug)]) == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert result["text"] == "012"
    assert len(result["digits"]) == 3
    assert all(len(d["box"]) == 4 and 0 < d["confidence"] <= 1 for d in result["digits"])
    crops = sorted(debug.glob("number.digit-*.png"))
    assert (debug / "number.boxes.png").exists() and len(crops) == len(result["digits"])
    assert Image.open(crops[0]).size == (112, 112)


def test_low_confidence_is_a_question_mark(tmp_path, mnist, capsys):
    images, _ = mnist["test"]
    path = tmp_path / "n.png"
    mnist_line(images, [3, 2]).save(path)
    assert cli.main(["read", str(path), "--threshold", "1"]) == 0
    assert "??" in capsys.readouterr().out


def test_predict_without_a_model_uses_the_shipped_ones_together(tmp_path, mnist, capsys):
    import json

    from digitnet.vision.preprocess import preprocess_file
    from digitnet.vision.read import load_readers

    images, labels = mnist["test"]
    path = tmp_path / "seven.png"
    Image.fromarray(255 - images[0]).resize((84, 84)).save(path)
    assert cli.main(["predict", str(path)]) == 0
    assert f": {labels[0]} (confidence" in capsys.readouterr().out
    assert cli.main(["predict", str(path), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)[0]["scores"]
    mean = load_readers().predict_proba(preprocess_file(path).reshape(1, 784))[0]
    assert np.allclose(scores, mean / mean.sum(), atol=1e-4)  # the mean of all of them


def drawn_number(mode: str = "L", ink=0, paper=255, size=(260, 120)) -> Image.Image:
    """A hand-drawn-like "17": two strokes."""
    img = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(img)
    draw.line([(60, 20), (60, 100)], fill=ink, width=9)
    draw.line([(130, 22), (190, 22), (150, 100)], fill=ink, width=9)
    return img


@pytest.mark.parametrize(
    "name, make",
    [
        ("dark-on-light.png", lambda: drawn_number()),
        ("light-on-dark.png", lambda: drawn_number(ink=255, paper=0)),
        ("palette.png", lambda: drawn_number().convert("P")),
        ("sixteen-bit.png", lambda: Image.fromarray(np.asarray(drawn_number(), np.uint16) * 257)),
        ("rgba.png", lambda: drawn_number("RGBA", (0, 0, 0, 255), (0, 0, 0, 0))),
    ],
)
def test_kinds_of_image_read_the_same(tmp_path, capsys, name, make):
    path = tmp_path / name
    make().save(path)
    assert cli.main(["read", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["text"] == "17"


def test_exif_rotated_jpeg_is_turned_upright(tmp_path, capsys):
    stored = drawn_number().rotate(90, expand=True)  # the camera stored it sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to display
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif.tobytes(), quality=92)
    assert cli.main(["read", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["text"] == "17"


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("size", [(200, 80), (1, 1)])
def test_blank_and_tiny_images_have_no_digits(tmp_path, capsys, size):
    path = tmp_path / "blank.png"
    Image.new("L", size, 255).save(path)
    assert cli.main(["read", str(path), "--json"]) == 1
    assert "no digits found" in capsys.readouterr().err


def test_bad_files_are_one_line_and_non_zero(tmp_path, capsys):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert cli.main(["read", str(text)]) == 1
    assert "not an image" in one_line(capsys)

    cut = tmp_path / "cut.png"
    drawn_number().save(cut)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    assert cli.main(["read", str(cut)]) == 1
    assert "truncated" in one_line(capsys)

    bomb = tmp_path / "bomb.png"
    Image.new("1", (30_000, 30_000), 0).save(bomb)
    assert cli.main(["read", str(bomb)]) == 1
    assert "too large" in one_line(capsys)

    assert cli.main(["read", str(tmp_path / "missing.png")]) == 1
    assert "no such file" in one_line(capsys)

    assert cli.main(["read", str(cut), "--model", str(text)]) == 1
    one_line(capsys)


def test_single_digit_pictures_read_as_well_as_the_arrays(reader, mnist):
    from digitnet.train import as_inputs
    from digitnet.vision.preprocess import preprocess_image

    images, labels = mnist["test"]
    images, labels = images[:400], labels[:400]
    on_arrays = np.mean(reader.predict(as_inputs(images, reader.dtype)) == labels)
    for invert in (True, False):
        pictures = [
            Image.fromarray(255 - img if invert else img).resize((84, 84), Image.BILINEAR)
            for img in images
        ]
        x = np.stack([preprocess_image(p) for p in pictures]).reshape(len(images), 784)
        assert np.mean(reader.predict(x) == labels) >= on_arrays - 0.015


def test_a_long_tilted_line_with_mixed_sizes(reader, mnist):
    images, labels = mnist["test"]
    picks = [3, 2, 1, 18, 4, 15, 11, 0, 61, 7] * 2  # 0-9 twice: 20 digits
    line = mnist_line(images, picks)
    big = mnist_line(images, [1, 0], gap=16).resize((2 * 96, 2 * 96))  # larger and lower
    page = Image.new("RGB", (line.width + big.width, big.height), "white")
    page.paste(line, (0, 0))
    page.paste(big, (line.width, 0))
    tilted = page.rotate(6, expand=True, fillcolor="white", resample=Image.BILINEAR)
    truth = "".join(str(labels[k]) for k in [*picks, 1, 0])
    assert read_image(tilted, reader, threshold=0).text == truth


def test_ink_too_wide_for_any_digit_still_gets_a_reading(reader):
    img = Image.new("L", (400, 120), 255)
    zigzag = [(20 + 40 * k, 30 if k % 2 else 90) for k in range(10)]
    ImageDraw.Draw(img).line(zigzag, fill=0, width=20)  # no valley to cut at
    reading = read_image(img, reader, threshold=0)
    assert reading.digits  # every stretch between two cuts is a candidate, so a path exists


def test_a_lone_ruled_line_is_no_digit(reader):
    img = Image.new("L", (400, 120), 255)
    ImageDraw.Draw(img).line([(20, 60), (380, 60)], fill=0, width=20)
    with pytest.raises(NoDigitError):
        read_image(img, reader, threshold=0)


@pytest.mark.parametrize("stretch", [1.0, 1.5, 1.8])
def test_a_wide_digit_is_read_whole(reader, mnist, stretch):
    from digitnet.vision.synth import crop_to_ink

    images, labels = mnist["test"]
    zero = crop_to_ink(images[3])  # a 0, made wider than it is tall
    h = 2 * zero.shape[0]
    wide = Image.fromarray(zero).resize((round(stretch * h), h), Image.BILINEAR)
    one = Image.fromarray(crop_to_ink(images[2])).resize((h * 9 // 20, h), Image.BILINEAR)
    page = Image.new("L", (wide.width + one.width + 3 * h // 2, 2 * h), 0)
    page.paste(one, (h // 2, h // 2))
    page.paste(wide, (h + one.width, h // 2))
    reading = read_image(page, reader, threshold=0)
    assert (labels[2], labels[3]) == (1, 0) and reading.text == "10"


def test_the_shipped_readers_are_read_together(tmp_path, mnist, capsys):
    from digitnet.vision.read import default_model_paths, load_readers

    shipped = default_model_paths()
    assert len(shipped) >= 2 and shipped[0] == default_model_path()
    assert sum(p.stat().st_size for p in shipped) < 5_000_000
    x = mnist["test"][0][:50].reshape(50, 784).astype(np.float32) / 255
    mean = np.mean([load_reader(p).model.predict_proba(x) for p in shipped], axis=0)
    assert np.allclose(load_readers().predict_proba(x), mean, atol=1e-6)

    images, _ = mnist["test"]
    path = tmp_path / "number.png"
    mnist_line(images, [3, 2, 1]).save(path)
    models = [str(p) for arg in shipped[:2] for p in ("--model", arg)]
    assert cli.main(["read", str(path), *models]) == 0  # --model twice: the two together
    assert ": 012 (confidence" in capsys.readouterr().out


@pytest.mark.parametrize("height", [200, 800, 1600])
def test_any_size_reads_the_same(reader, mnist, height):
    """A line of MNIST digits enlarged to digits of 200-1,600 pixels (thick strokes, the
    paper's level estimated at each size) reads as it does at MNIST's own size."""
    images, _ = mnist["test"]
    picks = [3, 2, 1, 18, 4]
    small = mnist_line(images, picks)
    scale = height / 56  # mnist_line draws digits about 56 pixels high
    big = small.resize((round(small.width * scale), round(small.height * scale)), Image.BILINEAR)
    assert read_image(big, reader, threshold=0).text == read_image(small, reader, 0).text


def test_pieces_the_first_reader_finds_surely_no_digit_are_not_read_again(mnist):
    from digitnet.nn.ensemble import Ensemble
    from digitnet.vision.read import load_readers, worth_a_second_look
    from digitnet.vision.segment import candidates

    images, labels = mnist["test"]
    rng = np.random.default_rng(3)
    lines = [make_line(images, labels, rng, digits=6) for _ in range(4)]
    crops = np.concatenate([candidates(ink_intensity(line.image)).crops for line in lines])
    x = crops.reshape(len(crops), 784)
    readers = load_readers()
    first = Ensemble(readers.models[:1]).predict_proba(x)
    again = worth_a_second_look(first)
    assert 0.2 < again.mean() < 0.8  # many pieces of a line are fragments and pairs
    got, mean = readers.predict_proba(x), Ensemble(readers.models).predict_proba(x)
    np.testing.assert_allclose(got[~again], first[~again], atol=1e-6)
    np.testing.assert_allclose(got[again], mean[again], atol=1e-6)
    everyone = Ensemble(readers.models).predict_proba
    for line in lines:  # and the lines read the same
        ink = ink_intensity(line.image)
        assert read_line(ink, readers.predict_proba, 0).text == read_line(ink, everyone, 0).text
