"""Reading numbers from image files with a model: the library behind ``digitnet read``.

The package ships a default reader (``digitnet/weights/reader*.safetensors``): small
CNNs trained by digitnet itself, from different seeds, on MNIST with handwriting
augmentation (slant, size, aspect, rotation, position, stroke thickness) and on pieces
cut from synthetic lines; ``read`` takes the mean of their outputs. The README has the
commands that rebuilt them. They run on the NumPy engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digitnet.errors import DigitnetError
from digitnet.nn.ensemble import Ensemble
from digitnet.vision.preprocess import NoDigitError, ink_intensity, open_image
from digitnet.vision.segment import Reading, not_a_digit_share, read_line

DEFAULT_MODEL = "reader.safetensors"
SURELY_NOT = 0.98  # the first reader's "not a digit" share from which the others are not asked


def default_model_path() -> Path:
    """The first reader model shipped in the package (the one ``predict`` uses)."""
    return Path(str(resources.files("digitnet") / "weights" / DEFAULT_MODEL))


def default_model_paths() -> list[Path]:
    """Every reader model shipped in the package, the first one first."""
    first = default_model_path()
    return [first, *sorted(p for p in first.parent.glob("reader-*.safetensors"))]


def load_readers(paths: Sequence[str | Path] | None = None) -> Ensemble:
    """The networks of ``paths`` (default: the shipped readers), read as one: the first
    reads every piece a line is cut into, and the others only the pieces it does not
    find surely no digit (:func:`worth_a_second_look`)."""
    paths = list(paths) if paths else default_model_paths()
    return Ensemble([load_reader(p).model for p in paths], screen=worth_a_second_look)


def worth_a_second_look(probs: np.ndarray) -> np.ndarray:
    """Which pieces (K,) the other readers should read too, from the first reader's ten
    outputs (K, 10): those it does not call "not a digit" with a share of at least
    SURELY_NOT (:func:`~digitnet.vision.segment.not_a_digit_share`). About half the
    pieces cut from a line are fragments, pairs and marks that every reader rejects;
    asking one is enough."""
    return not_a_digit_share(probs) < SURELY_NOT


def load_reader(path: str | Path | None = None):
    """A checkpoint for reading: ``path``, or the shipped default. Must take 28×28 inputs."""
    from digitnet import checkpoint

    path = Path(path) if path else default_model_path()
    if not path.exists() and path == default_model_path():
        raise DigitnetError(f"the default model is missing from the package ({path})")
    ckpt = checkpoint.load(path)
    if ckpt.spec.input_size != 784 or ckpt.model.n_out != 10:
        raise DigitnetError(f"{path}: a reader takes 28x28 images and gives 10 digits")
    return ckpt


def read_image(img: Image.Image, model, threshold: float = 0.5) -> Reading:
    """Read the number in a PIL image with an engine model (``predict_proba``)."""
    return read_line(ink_intensity(img), model.predict_proba, threshold)


def read_file(path: str | Path, model, threshold: float = 0.5) -> Reading:
    """Read the number in an image file; errors name the file in one line."""
    img = open_image(path)
    try:
        return read_image(img, model, threshold)
    except NoDigitError:
        raise NoDigitError(f"{path}: no digits found") from None


def write_debug(path: str | Path, reading: Reading, folder: str | Path) -> list[Path]:
    """Write the image with its boxes drawn (NAME.boxes.png) and each 28×28 crop the
    network saw (NAME.digit-K.png, 4× enlarged) into ``folder``; returns the files."""
    path, folder = Path(path), Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        img = open_image(path).convert("RGB")
        draw = ImageDraw.Draw(img)
        written = []
        for k, d in enumerate(reading.digits):
            colour = (0, 160, 0) if d.confidence >= reading.threshold else (220, 0, 0)
            draw.rectangle([d.box[0], d.box[1], d.box[2] - 1, d.box[3] - 1], outline=colour)
            draw.text((d.box[0], max(0, d.box[1] - 11)), f"{d.label}", fill=colour)
            crop = Image.fromarray((np.clip(d.image, 0, 1) * 255).astype(np.uint8))
            out = folder / f"{path.stem}.digit-{k}.png"
            crop.resize((112, 112), Image.NEAREST).save(out)
            written.append(out)
        boxes = folder / f"{path.stem}.boxes.png"
        img.save(boxes)
    except OSError as e:
        raise DigitnetError(f"{folder}: cannot write debug images ({e.strerror or e})") from None
    return [boxes, *written]
