"""Make the real-looking examples in examples/ that the README's `read` section shows.

    python bench/make_examples.py

Lines from :mod:`digitnet.vision.world` (MNIST *test* digits, so no reader trained on
them), one per condition and one with all at once, each from its own seed, saved as
examples/world-CONDITION.jpg; and the pen-written "1024.-" on a ruled sheet on a table
(examples/ruled-sheet.jpg). The true digits are in the file names' list printed here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitnet.data import load
from digitnet.vision.world import make_world_line

OUT = Path(__file__).resolve().parents[1] / "examples"
PICKS = {"distractors": 3, "background": 10, "camera": 4, "writing": 1, "all": 11}


def main() -> None:
    x, y = load("mnist", "test")
    for name, seed in PICKS.items():
        rng = np.random.default_rng(seed)
        line = make_world_line(x, y, rng, None if name == "all" else name, digits=(3, 6))
        path = OUT / f"world-{name}.jpg"
        line.image.save(path, quality=90)
        print(f"{path.name}: {line.text}")


if __name__ == "__main__":
    main()
