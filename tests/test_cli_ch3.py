"""Chapter 3 through the CLI: specs, summary, plots, divergence."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
from PIL import Image

from test_cli import one_line_error, run

KERAS_SPEC = {
    "input_size": 784,
    "cost": "log-likelihood",
    "init": "glorot",
    "layers": [
        {"type": "dense", "units": 64, "activation": "sigmoid"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}


def test_summary_of_the_seed_slides_network(tmp_path):
    spec = tmp_path / "keras.json"
    spec.write_text(json.dumps(KERAS_SPEC))
    result = run("summary", str(spec))
    assert result.returncode == 0, result.stderr
    assert "50,240" in result.stdout and "650" in result.stdout
    assert "Total params: 50,890" in result.stdout


def test_bad_spec_files_give_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert "not valid JSON" in one_line_error(run("summary", str(bad)))
    bad.write_text(json.dumps({**KERAS_SPEC, "layers": [{"type": "conv9"}]}))
    assert "no known type" in one_line_error(run("train", "--spec", str(bad)))
    assert "unknown cost" in one_line_error(run("train", "--cost", "hinge"))
    assert "unknown activation" in one_line_error(run("train", "--activation", "swish"))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(KERAS_SPEC))
    assert "not both" in one_line_error(run("train", "--spec", str(good), "--sizes", "784,5,10"))


@pytest.fixture(scope="module")
def spec_model(tmp_path_factory, data_dir):
    """A softmax network trained from a spec file with Adam for 2 epochs on 5,000 images."""
    folder = tmp_path_factory.mktemp("spec")
    spec = folder / "keras.json"
    spec.write_text(json.dumps(KERAS_SPEC))
    out = folder / "m.safetensors"
    result = run(
        "train",
        "--spec",
        str(spec),
        "--optimizer",
        "adam",
        "--eta",
        "0.001",
        "--mini-batch-size",
        "32",
        "--epochs",
        "2",
        "--limit",
        "5000",
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
        "--verbose",
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_train_from_a_spec_with_adam_learns_and_writes_history(spec_model):
    out, stdout = spec_model
    assert "validation cost" in stdout
    history = json.loads(out.with_name("m.history.json").read_text())
    epochs = history["history"]["epochs"]
    assert len(epochs) == 2
    assert all(e["train_cost"] is not None and e["cost"] is not None for e in epochs)
    assert epochs[1]["correct"] > 8500  # Adam on 5,000 images, 2 epochs
    assert history["config"]["optimizer"] == "adam"


def png_pixels(path) -> np.ndarray:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    zlib.crc32(data)  # readable
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        assert 200 <= img.width <= 4000 and 150 <= img.height <= 4000
        return np.asarray(img.convert("L"))


def test_plot_writes_valid_non_blank_pngs(spec_model, data_dir, tmp_path):
    out, _ = spec_model
    result = run("plot", str(out), "--out", str(tmp_path / "plots"), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["accuracy.png", "confusion.png", "cost.png", "mistakes.png", "weights.png"]
    for name in names:
        pixels = png_pixels(tmp_path / "plots" / name)
        assert pixels.std() > 10, name  # not blank: real marks on the page
        assert (pixels < 128).mean() > 0.005, name


def test_divergence_stops_at_once_and_keeps_the_old_model(spec_model, data_dir, tmp_path):
    old, _ = spec_model
    target = tmp_path / "keep.safetensors"
    target.write_bytes(old.read_bytes())
    before = target.read_bytes()
    line = one_line_error(
        run(
            "train",
            "--eta",
            "1e6",
            "--activation",
            "relu",
            "--output",
            "linear",
            "--epochs",
            "2",
            "--limit",
            "1000",
            "--out",
            str(target),
            "--force",
            "--data-dir",
            str(data_dir),
        )
    )
    assert "diverged at epoch 0, mini-batch" in line
    assert target.read_bytes() == before
    assert not target.with_name("keep.history.json").exists()
