"""Reading real-world images, one condition at a time, against RapidOCR and Tesseract.

    python bench/bench_read_world.py [--lines 60] [--singles 300] [--seed 5] [--model FILE ...]

Each row is the share of strings read exactly right, by digitnet (its shipped readers,
or --model), and in the same run by the peers where they are installed:

- RapidOCR 3.10 (PP-OCRv6 detection and recognition, onnxruntime; the digits of its
  text kept), a general OCR engine that knows nothing of MNIST;
- Tesseract (the `tesseract` command, its LSTM engine, digits-only whitelist, page
  segmentation mode 7, "a single text line", its best mode on these images: see PSM).

Rows: the real-world generator's lines (:mod:`digitnet.vision.world`, MNIST *test*
digits, seed --seed) for each condition and for all at once; MNIST-like touching lines
(:mod:`digitnet.vision.synth`, seed 0); lines of real USPS digits from USPS's validation
split (the training file's last 1,000 digits, which the reader never trains on), and
the same digits as the dataset draws them (16x16 boxes side by side, no margin); "1024"
written with pen strokes at 200-1,600 pixels and strokes of 8-60 pixels; and single
digits (MNIST test and USPS validation, dark on light, 3x enlarged).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from digitnet.data import load
from digitnet.vision.pen import draw_number
from digitnet.vision.preprocess import NoDigitError, ink_intensity
from digitnet.vision.read import load_readers
from digitnet.vision.segment import read_line
from digitnet.vision.synth import make_line
from digitnet.vision.world import CONDITIONS, make_world_line
from report import machine, write_section

PEN_SIZES = [(200, 8), (400, 30), (800, 60), (1600, 60), (1600, 8), (200, 34)]
PSM = 7  # 6, 7, 8 and 13 read the same 2 of 30 world lines (all at once, seed 5)

Reader = Callable[[Image.Image], str]


def digitnet_reader(model) -> Reader:
    def read(img: Image.Image) -> str:
        try:
            return read_line(ink_intensity(img), model.predict_proba, 0).text
        except NoDigitError:
            return ""

    return read


def rapidocr_reader() -> Reader | None:
    try:
        from rapidocr import RapidOCR
    except ImportError:
        return None
    import logging

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    engine = RapidOCR()

    def read(img: Image.Image) -> str:
        result = engine(np.asarray(img.convert("RGB")))
        texts = getattr(result, "txts", None) or ()
        boxes = getattr(result, "boxes", None)
        if boxes is not None and len(texts) > 1:  # left to right
            order = np.argsort([float(np.min(np.asarray(b)[:, 0])) for b in boxes])
            texts = [texts[k] for k in order]
        return "".join(ch for t in texts for ch in t if ch.isdigit())

    return read


def tesseract_reader(psm: int = PSM) -> Reader | None:
    if shutil.which("tesseract") is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="bench-tess-"))

    def read(img: Image.Image) -> str:
        path = folder / "line.png"
        img.convert("RGB").save(path)
        out = subprocess.run(
            ["tesseract", str(path), "-", "--psm", str(psm), "-c",
             "tessedit_char_whitelist=0123456789"],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        return "".join(ch for ch in out if ch.isdigit())

    return read


def share(readers: dict[str, Reader], cases: list[tuple[Image.Image, str]]) -> dict[str, float]:
    """Each reader's share of ``cases`` (picture, true string) read exactly."""
    return {
        name: float(np.mean([read(img) == text for img, text in cases]))
        for name, read in readers.items()
    }


def singles(images: np.ndarray, labels: np.ndarray, n: int) -> list[tuple[Image.Image, str]]:
    """Single digits as pictures, dark on light, 3x enlarged (28 -> 84 pixels)."""
    return [
        (Image.fromarray(255 - images[k]).resize((84, 84), Image.BILINEAR), str(labels[k]))
        for k in range(min(n, len(images)))
    ]


def side_by_side(images, labels, pad: int, zoom: int, args) -> list[tuple[Image.Image, str]]:
    """3-8 whole images (N, 28, 28) uint8 in MNIST's form (USPS's fill their box: ``pad``
    0 crops them back to their ink's rows and 16 columns) set side by side, as a dataset's
    own images are joined into a line, dark on light, ``zoom`` times enlarged (seed 0)."""
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(args.lines * 2):
        picks = rng.integers(0, len(images), int(rng.integers(3, 9)))
        if pad:
            row = np.hstack([images[k] for k in picks])
        else:  # USPS in MNIST's form: its 20-pixel box, as the 16x16 original fills it
            row = np.hstack([images[k][4:24, 4:24] for k in picks])
            row = np.pad(row, 4)
        img = Image.fromarray(255 - row)
        img = img.resize((img.width * zoom, img.height * zoom), Image.BILINEAR)
        cases.append((img, "".join(str(labels[k]) for k in picks)))
    return cases


def usps_as_drawn(args) -> list[tuple[Image.Image, str]]:
    """3-8 USPS validation digits as the dataset draws them (16x16, filling their box)
    side by side with no margin, so the line is cropped tight, dark on light, 2x
    enlarged (seed 0)."""
    from digitnet.data.sources import obtain
    from digitnet.data.usps import parse_usps

    _path, data = obtain("usps", ["train"], None, True)["train"]
    digits, labels = parse_usps(data)
    digits, labels = digits[-1000:], labels[-1000:]  # the validation split
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(args.lines * 2):
        picks = rng.integers(0, len(digits), int(rng.integers(3, 9)))
        row = np.hstack([digits[k] for k in picks])
        img = Image.fromarray((255 - row * 255).astype(np.uint8))
        img = img.resize((img.width * 2, img.height * 2), Image.BILINEAR)
        cases.append((img, "".join(str(labels[k]) for k in picks)))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--model", action="append")
    parser.add_argument("--no-write", action="store_true", help="print, leave BENCHMARKS.md")
    args = parser.parse_args()

    readers: dict[str, Reader] = {"digitnet": digitnet_reader(load_readers(args.model))}
    for name, make in (("RapidOCR", rapidocr_reader), ("Tesseract", tesseract_reader)):
        peer = make()
        if peer is not None:
            readers[name] = peer
    x, y = load("mnist", "test")
    ux, uy = load("usps", "validation")
    rows: list[tuple[str, dict[str, float]]] = []

    def row(name: str, cases: list[tuple[Image.Image, str]]) -> None:
        result = share(readers, cases)
        rows.append((f"{name} ({len(cases)})", result))
        print(name, {k: f"{v:.1%}" for k, v in result.items()}, flush=True)

    for condition in [*CONDITIONS, None]:
        rng = np.random.default_rng(args.seed)
        cases = []
        sizes = (20.0, 2000.0) if condition == "size" else None  # the whole range
        for _ in range(args.lines):
            line = make_world_line(x, y, rng, condition, height=sizes)
            cases.append((line.image, line.text))
        row(f"world: {condition or 'all at once'}", cases)
    rng = np.random.default_rng(0)
    row("MNIST-like touching lines", [
        ((line := make_line(x, y, rng)).image, line.text) for _ in range(args.lines * 2)
    ])  # fmt: skip
    rng = np.random.default_rng(0)
    row("lines of real USPS digits (validation split)", [
        ((line := make_line(ux, uy, rng)).image, line.text) for _ in range(args.lines * 2)
    ])  # fmt: skip
    row("MNIST test images side by side (28x28 boxes, 2x)", side_by_side(x, y, 8, 2, args))
    row("USPS validation images side by side (16x16 boxes, 4x)", side_by_side(ux, uy, 0, 4, args))
    row("USPS validation digits as drawn (16x16, no margin), side by side, 2x", usps_as_drawn(args))
    row("pen '1024', digits 200-1,600 px, strokes 8-60 px", [
        (draw_number("1024", h, s).convert("RGB"), "1024") for h, s in PEN_SIZES
    ])  # fmt: skip
    row("single MNIST test digits", singles(x, y, args.singles))
    row("single USPS validation digits", singles(ux, uy, args.singles))

    names = list(readers)
    body = [
        "## Reading the real world, condition by condition, against RapidOCR and Tesseract",
        "",
        f"`OPENBLAS_NUM_THREADS=1 python bench/bench_read_world.py --lines {args.lines} "
        f"--singles {args.singles} --seed {args.seed}`"
        + (f" with --model {' '.join(args.model)}" if args.model else " (the shipped readers)")
        + f"; {machine()}. Strings read exactly right (count in brackets); peers in the same "
        f"run: RapidOCR 3.10 (PP-OCRv6, onnxruntime, digits of its text kept), Tesseract "
        f"(LSTM, digits whitelist, --psm {PSM}).",
        "",
        "| what | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for name, result in rows:
        cells = [f"{result[n]:.1%}" for n in names]
        best = max(result.values())
        cells = [f"**{c}**" if result[n] == best else c for c, n in zip(cells, names, strict=True)]
        body.append(f"| {name} | " + " | ".join(cells) + " |")
    if not args.no_write:
        with contextlib.suppress(OSError):
            write_section("bench_read_world", "\n".join(body))
    else:
        print("\n".join(body))


if __name__ == "__main__":
    main()
