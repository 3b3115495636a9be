"""`digitnet reproduce`: every experiment runs (short versions; full runs are benchmarks)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from digitnet import cli
from digitnet.config import TrainConfig
from digitnet.reproduce import EXPERIMENTS, dense, majority_vote, run_seed


def test_list_names_every_experiment_with_its_figure(capsys):
    assert cli.main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name, exp in EXPERIMENTS.items():
        assert name in out and f"{exp.published:.2f}%" in out


SINGLE = [name for name, e in EXPERIMENTS.items() if e.ensemble == 1]


@pytest.mark.parametrize("name", SINGLE)
def test_short_version_runs_and_sets_ours_beside_theirs(name, data_dir, tmp_path, capsys):
    out = tmp_path / "r.json"
    limit = "1000" if name.startswith("book-ch6") else "3000"  # CNNs: the shape of the run
    status = cli.main(
        [
            "reproduce",
            name,
            "--epochs",
            "1",
            "--limit",
            limit,
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
    assert f"a quick check (1 epoch, the first {limit} training images)" in text
    result = json.loads(out.read_text())
    assert result["runs"][0]["epochs"] == 1
    # It learned something in one short epoch; the sigmoid CNNs sit on a plateau for their
    # first few hundred steps (book-ch6-conv2 is at 88% after 1,500), so they only run here.
    plateau = name in ("book-ch6-conv1", "book-ch6-conv2")
    assert (0 if plateau else 10) < result["median"] <= 100


def test_verbose_prints_each_epoch(data_dir, capsys):
    args = ["reproduce", "book-ch1", "--epochs", "2", "--limit", "500", "--verbose", "--quiet"]
    assert cli.main([*args, "--data-dir", str(data_dir)]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if ", epoch " in x]
    assert [x.split(":")[0].strip() for x in lines] == ["seed 0, epoch 0", "seed 0, epoch 1"]
    assert all("validation" in x and "% (" in x and x.endswith(" s)") for x in lines)


def test_majority_vote_counts_digits_and_breaks_ties_by_summed_outputs():
    a = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0]])
    b = np.array([[0.2, 0.8, 0.0], [0.1, 0.9, 0.0]])
    c = np.array([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0]])
    assert majority_vote([a, b, c]).tolist() == [0, 1]  # row 1: one vote each, 1 sums most


def test_an_ensemble_trains_its_members_and_votes(data_dir, monkeypatch):
    from digitnet import experiment as runs

    small = replace(
        EXPERIMENTS["book-ch6-ensemble"],
        spec=dense([784, 20, 10], "sigmoid", "softmax", "log-likelihood", "glorot"),
        config=TrainConfig(epochs=1, mini_batch_size=20, learning_rate=0.5),
        ensemble=3,
    )
    seeds = []
    real_run = runs.run
    monkeypatch.setattr(
        runs,
        "run",
        lambda spec, config, *a, **k: seeds.append(config.seed) or real_run(spec, config, *a, **k),
    )
    r = run_seed(small, seed=1, data_dir=data_dir, limit=2000, progress=False)
    assert seeds == [3, 4, 5]
    assert len(r["members"]) == 3 and r["accuracy"] > 70
    assert r["accuracy"] >= min(r["members"]) - 1  # a vote is no worse than its worst member


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
