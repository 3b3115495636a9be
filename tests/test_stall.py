"""A run that stalls (some classes never named) says so, and why, when it ends."""

from __future__ import annotations

import json

import numpy as np

from digitnet import cli
from digitnet.cli.common import stall_note
from digitnet.config import ModelSpec
from digitnet.metrics import per_class_recall, silent_classes
from digitnet.reproduce import EXPERIMENTS, run_seed


def test_recall_per_class_and_the_classes_never_named():
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 2])
    predicted = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 2])
    recall = per_class_recall(predicted, labels, classes=4)
    np.testing.assert_allclose(recall[:3], [0.5, 1.0, 0.2])
    assert np.isnan(recall[3])  # no examples: neither named nor silent
    assert silent_classes(recall) == []
    assert silent_classes(np.array([0.99, 0.0, 0.5, 0.09])) == [1, 3]


def test_the_note_names_the_classes_and_the_cause_only_where_it_is_known():
    book = ModelSpec.from_sizes([784, 100, 10])  # sigmoid outputs, quadratic cost
    recall = np.array([0.0, 0.99, 0.97, 0.02, *[0.95] * 6])
    note = stall_note(recall, [str(k) for k in range(10)], book)
    assert "almost never answers 0 (0%), 3 (2%)" in note and "saturated" in note
    softmax = ModelSpec.from_dict(
        {
            "layers": [
                {"type": "dense", "units": 30, "activation": "relu"},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
            "cost": "log-likelihood",
        }
    )
    assert "saturated" not in stall_note(recall, [str(k) for k in range(10)], softmax)
    assert stall_note(np.full(10, 0.9), [str(k) for k in range(10)], book) is None


def test_a_stalled_run_of_the_books_100_neuron_network_says_so_and_so_does_evaluate(
    data_dir, tmp_path, capsys
):
    # seed 1 of book-ch1-100 stalls in its first epoch (41% on validation, six digits unnamed)
    args = ["train", "--sizes", "784,100,10", "--seed", "1", "--epochs", "1", "--quiet"]
    args += ["--out", str(tmp_path / "m.safetensors"), "--data-dir", str(data_dir)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "this network has stalled: it almost never answers" in out and "saturated" in out
    assert (tmp_path / "m.safetensors").exists()  # the model is still saved
    # and evaluating the saved model says so too, on the data it was asked about
    split = ["--split", "validation", "--data-dir", str(data_dir)]
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), *split]) == 0
    out = capsys.readouterr().out
    assert "this network has stalled" in out and "on the validation data" in out


def test_reproduce_marks_stalled_seeds_and_not_healthy_ones(data_dir):
    stalled = run_seed(EXPERIMENTS["book-ch1-100"], 1, epochs=1, data_dir=data_dir, progress=False)
    assert stalled["silent"] and len(stalled["recall"]) == 10
    healthy = run_seed(EXPERIMENTS["book-ch1"], 0, epochs=1, data_dir=data_dir, progress=False)
    assert healthy["silent"] == [] and min(healthy["recall"]) > 0.8


def test_reproduce_tells_the_median_of_runs_that_did_not_stall_beside_the_median(
    monkeypatch, tmp_path, capsys
):
    from digitnet import reproduce

    def fake(experiment, seed, *args, **kwargs):
        return {
            "seed": seed,
            "accuracy": {0: 96.3, 1: 80.0, 2: 96.5}[seed],
            "members": None,
            "seconds": 1.0,
            "epochs": 30,
            "kept_epoch": 29,
            "kept": [],
            "resumed_at": None,
            "engine": "numpy",
            "recall": [0.9] * 10,
            "silent": [0, 8] if seed == 1 else [],
        }

    monkeypatch.setattr(reproduce, "run_seed", fake)
    out = tmp_path / "r.json"
    assert cli.main(["reproduce", "book-ch1-100", "--seeds", "3", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "seed 1: 80.00%" in text and "stalled: almost never answers 0, 8" in text
    assert "ours: 96.30% (median of 3 seeds)" in text  # the median of all runs stays the figure
    assert "1 of 3 runs stalled" in text
    assert "the 2 that did not stall: median 96.40% (difference -0.19 points)" in text
    assert json.loads(out.read_text())["median_not_stalled"] == 96.4
