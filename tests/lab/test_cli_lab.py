"""``digitnet lab ...`` end to end: each experiment prints its result and draws its PNG."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitnet", "lab", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def assert_drawn(path):
    """A real figure: a PNG of a sensible size with more than a few colours in it."""
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width > 300 and im.height > 200
        pixels = np.asarray(im.convert("L"))
    assert pixels.std() > 10 and len(np.unique(pixels)) > 20


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["gates"], ["NAND perceptron", "Two-bit adder", "σ(c·0) = 0.5"]),
        (["descent"], ["converged smoothly in 4,294 steps", "diverged after"]),
        (["linear", "--steps", "50"], ["softmax loss's: 1.84, 3.50, 5.34"]),
        (
            ["playground", "--dataset", "xor", "--features", "x1x2", "--hidden", "none"],
            ["test accuracy", "features x1x2"],
        ),
    ],
)
def test_each_experiment_prints_and_draws(tmp_path, args, expected):
    out = tmp_path / "figs" / f"{args[0]}.png"
    result = run(*args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout
    assert f"wrote {out}" in result.stdout
    assert_drawn(out)


def test_descent_takes_the_rates_and_surface_asked_for():
    result = run("descent", "--surface", "bowl", "--rates", "0.03,3")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("  bowl ")]
    assert len(rows) == 2 and "converged smoothly" in rows[0] and "diverged" in rows[1]
    assert "  valley " not in result.stdout


def test_playground_reaches_95_percent_on_circle_from_the_command(tmp_path):
    result = run("playground", "--dataset", "circle", "--features", "x1^2,x2^2", "--hidden", "none")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("train accuracy"))
    assert float(line.split("test accuracy ")[1].split("%")[0]) >= 95.0


def small_model(path, data_dir):
    """784-30-10 sigmoid, cross-entropy, one epoch on 10,000 training images."""
    from digitnet import checkpoint
    from digitnet.config import ModelSpec, TrainConfig
    from digitnet.data import load
    from digitnet.nn import build, losses
    from digitnet.train import fit

    images, labels = load("mnist", "train", data_dir, allow_download=False)
    spec = ModelSpec.from_sizes([784, 30, 10], cost="cross-entropy", init="scaled-normal")
    rng = np.random.default_rng(0)
    model = build(spec, rng)
    config = TrainConfig(epochs=1, learning_rate=0.5, monitor_training=False)
    fit(model, losses.get(spec.cost), images[:10_000], labels[:10_000], config, rng, progress=False)
    return checkpoint.save(path, model, spec)


def test_binary_output_on_a_trained_model(tmp_path, data_dir):
    model = small_model(tmp_path / "m.safetensors", data_dir)
    result = run("binary-output", "--model", str(model), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "10 / 10 right" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "conditions hold for" in x)
    held = int(line.split("hold for ")[1].split(" ")[0].replace(",", ""))
    agree = int(line.split("; on ")[1].split(" ")[0].replace(",", ""))
    assert held > 100 and agree == held


def test_binary_output_with_the_shipped_reader_draws(tmp_path, data_dir):
    out = tmp_path / "binary.png"
    result = run("binary-output", "--data-dir", str(data_dir), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "On top of the shipped reader" in result.stdout
    assert_drawn(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gates", "--out", "figure.jpg"], "end the name in .png"),
        (["playground", "--features", "x1,x3"], "unknown feature x3"),
        (["playground", "--hidden", "4,x"], "hidden layers are sizes"),
        (["descent", "--rates", "0.1,-1"], "positive numbers"),
        (["binary-output", "--model", "missing.safetensors"], "missing.safetensors"),
    ],
)
def test_bad_input_is_one_line(args, message):
    result = run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
