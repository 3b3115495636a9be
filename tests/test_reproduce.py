"""`digitnet reproduce`: every experiment runs (short versions; full runs are benchmarks)."""

from __future__ import annotations

import json

import pytest

from digitnet import cli
from digitnet.reproduce import EXPERIMENTS


def test_list_names_every_experiment_with_its_figure(capsys):
    assert cli.main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name, exp in EXPERIMENTS.items():
        assert name in out and f"{exp.published:.2f}%" in out


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_short_version_runs_and_sets_ours_beside_theirs(name, data_dir, tmp_path, capsys):
    out = tmp_path / "r.json"
    status = cli.main(
        [
            "reproduce",
            name,
            "--epochs",
            "1",
            "--limit",
            "3000",
            "--quiet",
            "--json",
            str(out),
            "--data-dir",
            str(data_dir),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    exp = EXPERIMENTS[name]
    assert f"published: {exp.published:.2f}%" in text
    result = json.loads(out.read_text())
    assert result["runs"][0]["epochs"] == 1
    assert 10 < result["median"] <= 100  # it learned something in one short epoch


def test_the_published_settings_are_the_sources(capsys):
    ch3 = EXPERIMENTS["book-ch3"]
    assert (ch3.spec.sizes, ch3.spec.cost, ch3.spec.init) == (
        [784, 100, 10],
        "cross-entropy",
        "normal",
    )
    assert (ch3.config.learning_rate, ch3.config.l2, ch3.config.epochs) == (0.1, 5.0, 60)
    assert ch3.split == "validation"
    quick = EXPERIMENTS["pytorch-quickstart"].config
    assert (quick.shuffle, quick.mini_batch_size, quick.train_split) == (False, 64, "train-full")


def test_unknown_experiment_is_one_line(capsys):
    assert cli.main(["reproduce", "book-ch9"]) == 1
    assert "unknown experiment" in capsys.readouterr().err


def test_train_on_all_60000_has_no_validation(data_dir, tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    status = cli.main(
        [
            "train",
            "--train-split",
            "train-full",
            "--epochs",
            "1",
            "--limit",
            "2000",
            "--out",
            str(out),
            "--quiet",
            "--data-dir",
            str(data_dir),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "Epoch 0 complete" in text and "Kept epoch" not in text
