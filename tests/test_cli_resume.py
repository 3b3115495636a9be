"""``digitnet train --resume``: a stopped run goes on from its last whole epoch (OUT.run)."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet.cli.train
from digitnet import checkpoint, cli

ARGS = ["train", "--epochs", "3", "--limit", "300", "--quiet"]


def train(out, data_dir, *extra: str) -> int:
    return cli.main([*ARGS, "--out", str(out), "--data-dir", str(data_dir), *extra])


@pytest.fixture
def stopped(monkeypatch, tmp_path, data_dir, capsys):
    """A run of ARGS stopped (as by Ctrl-C) after its epoch 0: the model path it would have."""
    real_line = digitnet.cli.train.epoch_line

    def stop_after_first_epoch(record, verbose):
        if record.epoch == 0:
            raise KeyboardInterrupt
        return real_line(record, verbose)

    out = tmp_path / "m.safetensors"
    with monkeypatch.context() as m:
        m.setattr(digitnet.cli.train, "epoch_line", stop_after_first_epoch)
        assert train(out, data_dir) == 130
    err = capsys.readouterr().err
    assert "the same command with --resume goes on from epoch 1" in err
    assert (tmp_path / "m.run").exists() and not out.exists()
    return out


def test_a_resumed_run_ends_as_a_run_never_stopped(stopped, tmp_path, data_dir, capsys):
    whole = tmp_path / "whole.safetensors"
    assert train(whole, data_dir) == 0
    assert not (tmp_path / "whole.run").exists()  # removed once the model is saved
    capsys.readouterr()
    assert train(stopped, data_dir, "--resume") == 0
    out = capsys.readouterr().out
    assert "Going on from the stopped run in" in out and "(epochs done: 1)" in out
    assert "Epoch 0:" not in out and "Epoch 1:" in out and "Epoch 2:" in out
    assert not stopped.with_suffix(".run").exists()
    a, b = checkpoint.load(whole), checkpoint.load(stopped)
    for key, p in a.model.parameters().items():
        assert np.array_equal(b.model.parameters()[key], p), key
    assert b.training["history"]["resumed_at"] == 1


def test_a_stopped_run_is_never_overwritten_by_accident(stopped, data_dir, capsys):
    state = stopped.with_suffix(".run")
    before = state.read_bytes()
    assert train(stopped, data_dir) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("pass --resume to go on from it, or --force to start over")
    assert len(err.splitlines()) == 1 and state.read_bytes() == before
    assert train(stopped, data_dir, "--force") == 0  # start over, on purpose
    assert stopped.exists() and not state.exists()


def test_resume_refuses_another_network_or_other_settings(stopped, data_dir, capsys):
    state = stopped.with_suffix(".run")
    assert train(stopped, data_dir, "--resume", "--activation", "relu") == 1
    assert "a run of another network saved it" in capsys.readouterr().err
    assert train(stopped, data_dir, "--resume", "--eta", "0.5") == 1
    assert "a run with other settings saved it" in capsys.readouterr().err
    assert state.exists()


def test_resume_with_nothing_to_go_on_from(tmp_path, data_dir, capsys):
    assert train(tmp_path / "m.safetensors", data_dir, "--resume") == 1
    assert "m.run: no stopped run to go on from" in capsys.readouterr().err
    (tmp_path / "n.run").write_bytes(b"junk" * 10)
    assert train(tmp_path / "n.safetensors", data_dir, "--resume") == 1
    assert "n.run: not a saved digitnet run" in capsys.readouterr().err


def test_resume_is_for_the_numpy_engine(tmp_path, data_dir, capsys):
    pytest.importorskip("torch")
    assert train(tmp_path / "m.safetensors", data_dir, "--resume", "--engine", "torch") == 1
    assert "PyTorch runs start afresh" in capsys.readouterr().err


def test_a_run_that_diverged_leaves_no_run_to_go_on_from(monkeypatch, tmp_path, data_dir, capsys):
    from digitnet.train import diverged

    def diverge_after_second_epoch(record, verbose):
        if record.epoch == 1:  # its state is saved: going on would diverge again
            raise diverged(2, 0, "the cost is nan")
        return f"Epoch {record.epoch}"

    monkeypatch.setattr(digitnet.cli.train, "epoch_line", diverge_after_second_epoch)
    out = tmp_path / "m.safetensors"
    assert train(out, data_dir) == 1
    assert "training diverged at epoch 2, mini-batch 0" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "m.run").exists()
