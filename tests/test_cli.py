"""The digitnet command end to end: train small, evaluate, predict, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from digitnet import cli


def run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "digitnet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir):
    """A model trained by the CLI: 1 epoch on all 50,000 training images."""
    out = tmp_path_factory.mktemp("models") / "m.safetensors"
    result = run("train", "--epochs", "1", "--out", str(out), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_train_prints_the_books_lines_and_saves(trained):
    out, stdout = trained
    lines = stdout.splitlines()
    epoch = [line for line in lines if line.startswith("Epoch 0: ")]
    assert len(epoch) == 1 and epoch[0].endswith(" / 10000")
    assert int(epoch[0].split()[2]) >= 9000
    assert any(line.startswith("Test accuracy: ") for line in lines)
    assert out.exists()


def test_train_refuses_to_overwrite_a_model(trained, data_dir):
    out, _ = trained
    before = out.read_bytes()
    line = one_line_error(
        run("train", "--epochs", "1", "--out", str(out), "--data-dir", str(data_dir))
    )
    assert "already exists" in line
    assert out.read_bytes() == before


def test_evaluate_prints_accuracy_and_per_digit_table(trained, data_dir):
    out, _ = trained
    result = run("evaluate", str(out), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "test accuracy" in lines[0]
    assert [line.split()[0] for line in lines[2:12]] == [str(d) for d in range(10)]


def test_evaluate_several_models_adds_their_majority_vote(trained, data_dir, tmp_path):
    out, _ = trained
    second = tmp_path / "second.safetensors"
    result = run(
        "train", "--epochs", "1", "--seed", "1", "--out", str(second), "--data-dir", str(data_dir)
    )
    assert result.returncode == 0, result.stderr
    result = run("evaluate", str(out), str(second), str(out), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == [str(out), str(second), str(out)]
    accuracies = [float(line.rsplit("(", 1)[1].rstrip("%)")) for line in lines[:4]]
    assert lines[3].startswith("a vote of 3 models: mnist test accuracy")
    assert accuracies[3] == accuracies[0]  # the model given twice outvotes the other


def test_evaluate_refuses_a_vote_of_different_datasets(trained, data_dir, tmp_path):
    from digitnet import checkpoint

    out, _ = trained
    ckpt = checkpoint.load(out)
    fashion = tmp_path / "fashion.safetensors"
    checkpoint.save(fashion, ckpt.model, ckpt.spec, ckpt.training, "fashion-mnist")
    line = one_line_error(run("evaluate", str(out), str(fashion), "--data-dir", str(data_dir)))
    assert "cannot vote" in line


def test_predict_reads_test_digits_saved_as_png(trained, mnist, tmp_path):
    out, _ = trained
    from digitnet import checkpoint
    from digitnet.data import to_inputs

    images, labels = mnist["test"]
    model = checkpoint.load(out).model
    right = np.nonzero(model.predict(to_inputs(images[:50])) == labels[:50])[0][:4]
    paths = []
    for k in right:
        path = tmp_path / f"test-{k}.png"
        Image.fromarray(255 - images[k]).resize((112, 112)).save(path)  # dark ink on paper
        paths.append(str(path))
    result = run("predict", str(out), *paths, "--json")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert [a["digit"] for a in answers] == [int(labels[k]) for k in right]
    assert all(0 < a["confidence"] <= 1 for a in answers)
    text = run("predict", str(out), paths[0])
    assert text.stdout.startswith(f"{paths[0]}: {labels[right[0]]} (confidence ")


def test_predict_bad_inputs_give_one_line(trained, tmp_path):
    out, _ = trained
    not_image = tmp_path / "x.png"
    not_image.write_text("hello")
    assert "not an image" in one_line_error(run("predict", str(out), str(not_image)))
    assert "no such file" in one_line_error(run("predict", str(out), str(tmp_path / "nope.png")))
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(out.read_bytes()[:300])
    assert "corrupt.safetensors" in one_line_error(run("predict", str(corrupt), str(not_image)))
    blank = tmp_path / "blank.png"
    Image.new("L", (40, 40), 255).save(blank)
    result = run("predict", str(out), str(blank))
    assert result.returncode != 0 and "no digit found" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--eta", "-1"],
        ["train", "--epochs", "zero"],
        ["train", "--sizes", "784"],
        ["train", "--dataset", "cifar"],
        ["evaluate"],
        ["frobnicate"],
        ["train-reader", "--out", "r.safetensors", "--negatives", "1.5"],
        ["train-reader", "--out", "r.safetensors", "--negatives", "0"],
    ],
)
def test_bad_options_give_one_line_and_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    one_line_error(result)


def test_sizes_that_do_not_fit_the_data(data_dir, tmp_path):
    line = one_line_error(
        run("train", "--sizes", "100,10", "--out", str(tmp_path / "m"), "--data-dir", str(data_dir))
    )
    assert "784" in line


def test_offline_with_no_data_names_the_four_files(tmp_path):
    env = {
        "DIGITNET_DATA": str(tmp_path),
        "DIGITNET_CACHE": str(tmp_path / "cache"),
        "DIGITNET_MIRRORS": "http://127.0.0.1:9/{dataset}/",  # the discard port: refused
    }
    for args in (["data", "fetch", "--dataset", "mnist"], ["train", "--out", str(tmp_path / "m")]):
        line = one_line_error(run(*args, env_extra=env))
        for name in (
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ):
            assert name in line
        assert "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" in line
        assert "127.0.0.1:9" in line
    assert not (tmp_path / "cache" / "mnist").exists() or not any(
        (tmp_path / "cache" / "mnist").iterdir()
    )


def test_missing_model_file(tmp_path):
    assert "no such file" in one_line_error(run("evaluate", str(tmp_path / "m.safetensors")))


def test_data_where_and_check(data_dir):
    result = run("data", "where", "--dataset", "mnist", "--data-dir", str(data_dir))
    assert result.returncode == 0
    assert "train-images-idx3-ubyte" in result.stdout
    result = run("data", "check", "--dataset", "mnist", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(": ok ") == 4


def test_interrupted_training_saves_what_it_had(monkeypatch, tmp_path, data_dir, capsys):
    import digitnet.cli.train
    from digitnet import checkpoint

    real_line = digitnet.cli.train.epoch_line

    def interrupt_on_second_epoch(record, verbose):
        if record.epoch == 1:
            raise KeyboardInterrupt  # as Ctrl-C inside the training loop would
        return real_line(record, verbose)

    monkeypatch.setattr(digitnet.cli.train, "epoch_line", interrupt_on_second_epoch)
    out = tmp_path / "m.safetensors"
    argv = ["train", "--epochs", "3", "--limit", "500", "--out", str(out), "--quiet"]
    status = cli.main([*argv, "--data-dir", str(data_dir)])
    assert status == 130
    assert not out.exists()
    aside = tmp_path / "m.interrupted.safetensors"
    ckpt = checkpoint.load(aside)
    assert ckpt.training["interrupted"] is True
    assert ckpt.training["history"]["kept_epoch"] == 1  # the last whole (and best) epoch
    assert "epoch 1 saved in" in capsys.readouterr().err
