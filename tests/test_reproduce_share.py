"""Two runs of `digitnet reproduce --keep DIR` share a vote's networks (digitnet.claim)."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest

from digitnet import cli, reproduce
from digitnet import experiment as runs
from digitnet.claim import Claim
from digitnet.config import TrainConfig
from digitnet.reproduce import EXPERIMENTS, dense, member_file, run_seed, with_seed

SMALL = replace(
    EXPERIMENTS["book-ch6-ensemble"],
    spec=dense([784, 20, 10], "sigmoid", "softmax", "log-likelihood", "glorot"),
    config=TrainConfig(epochs=2, mini_batch_size=20, learning_rate=0.5),
    ensemble=3,
)
LIMIT = 1500


@pytest.fixture
def trained_seeds(monkeypatch) -> list[int]:
    """The seeds of the networks actually trained (not loaded) from here on."""
    seeds: list[int] = []
    real_run = runs.run

    def counting(spec, config, *a, **k):
        seeds.append(config.seed)
        return real_run(spec, config, *a, **k)

    monkeypatch.setattr(runs, "run", counting)
    return seeds


def network_file(folder, member: int):
    return folder / member_file(SMALL.spec, with_seed(SMALL, member), LIMIT, "numpy")


def test_a_claim_is_one_run_s_at_a_time(tmp_path):
    target = tmp_path / "seed1-abc.safetensors"
    mine, theirs = Claim(target), Claim(target)
    assert mine.take(wait=False)
    assert not theirs.take(wait=False)  # held by another open of the file: another run
    mine.release(finished=False)
    assert theirs.take(wait=False)
    theirs.release(finished=True)
    assert not list(tmp_path.iterdir())  # a finished network's claim file goes


def test_a_network_another_run_is_training_is_waited_for_and_loaded(
    data_dir, tmp_path, trained_seeds
):
    alone = tmp_path / "alone"
    whole = run_seed(SMALL, 0, data_dir=data_dir, limit=LIMIT, progress=False, keep=alone)
    shared = tmp_path / "shared"
    shared.mkdir()
    other_run = Claim(network_file(shared, 1))
    assert other_run.take(wait=False)
    trained_seeds.clear()
    waited = []

    def the_other_run_finishes(network):  # told just before this run waits for it
        waited.append((network, list(trained_seeds)))
        for f in alone.glob(f"{network_file(alone, 1).stem}.*"):
            shutil.copy(f, shared / f.name)
        other_run.release(finished=True)

    r = run_seed(
        *(SMALL, 0, None, data_dir, LIMIT, False),
        keep=shared,
        on_wait=the_other_run_finishes,
    )
    assert waited == [(1, [0, 2])]  # the free networks first, then the wait
    assert trained_seeds == [0, 2]  # network 1 was loaded, not trained again
    assert r["kept"] == [1]
    assert r["accuracy"] == whole["accuracy"] and r["members"] == whole["members"]
    assert sorted(f.name for f in shared.iterdir()) == sorted(f.name for f in alone.iterdir())


def test_a_network_whose_run_died_is_trained_by_the_one_waiting(data_dir, tmp_path, trained_seeds):
    other_run = Claim(network_file(tmp_path, 0))
    assert other_run.take(wait=False)
    r = run_seed(
        *(SMALL, 0, None, data_dir, LIMIT, False),
        keep=tmp_path,
        on_wait=lambda network: other_run.release(finished=False),  # killed, nothing saved
    )
    assert trained_seeds == [1, 2, 0] and r["kept"] == []
    assert len(list(tmp_path.glob("*.safetensors"))) == 3
    assert not list(tmp_path.glob(".*"))  # no claim files left behind


def test_cli_says_which_network_it_waits_for(data_dir, tmp_path, capsys, monkeypatch):
    asked = []

    class BusyOnce(Claim):  # network 0 is the other run's the first time it is asked
        def take(self, wait: bool) -> bool:
            if not wait and self.path.name.startswith(".seed0-") and not asked:
                asked.append(self.path)
                return False
            return super().take(wait)

    monkeypatch.setattr(reproduce, "Claim", BusyOnce)
    monkeypatch.setitem(EXPERIMENTS, "small-vote", replace(SMALL, name="small-vote", ensemble=2))
    args = ["reproduce", "small-vote", "--limit", str(LIMIT), "--quiet"]
    assert cli.main([*args, "--keep", str(tmp_path), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"    network 0 is being trained by another run in {tmp_path}; waiting for it\n" in out
    assert len(list(tmp_path.glob("*.safetensors"))) == 2


def test_cli_does_not_wait_for_a_network_finished_meanwhile(
    data_dir, tmp_path, capsys, monkeypatch
):
    vote = replace(SMALL, name="small-vote", ensemble=2)
    alone, shared = tmp_path / "alone", tmp_path / "shared"
    run_seed(vote, 0, data_dir=data_dir, limit=LIMIT, progress=False, keep=alone)
    shared.mkdir()

    class FinishedMeanwhile(Claim):  # the other run saves network 0 as this run passes it by
        def take(self, wait: bool) -> bool:
            if not wait and self.path.name.startswith(".seed0-"):
                for f in alone.glob("seed0-*"):
                    shutil.copy(f, shared / f.name)
                return False
            return super().take(wait)

    monkeypatch.setattr(reproduce, "Claim", FinishedMeanwhile)
    monkeypatch.setitem(EXPERIMENTS, "small-vote", vote)
    args = ["reproduce", "small-vote", "--limit", str(LIMIT), "--quiet"]
    assert cli.main([*args, "--keep", str(shared), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "waiting for it" not in out
    assert f"loaded network 0 from {shared}, not trained again" in out
    assert re.search(r"; epochs [01], [01] of 2 kept", out)  # each network's, not the first's
