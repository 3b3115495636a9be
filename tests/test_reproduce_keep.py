"""`digitnet reproduce --keep DIR`: trained networks are saved, and reused on the next run."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from digitnet import cli
from digitnet import experiment as runs
from digitnet.config import TrainConfig
from digitnet.errors import DigitnetError
from digitnet.reproduce import EXPERIMENTS, dense, member_file, run_seed, with_seed
from digitnet.train import History

SMALL = replace(
    EXPERIMENTS["book-ch6-ensemble"],
    spec=dense([784, 20, 10], "sigmoid", "softmax", "log-likelihood", "glorot"),
    config=TrainConfig(epochs=2, mini_batch_size=20, learning_rate=0.5),
    ensemble=3,
)


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


def test_a_vote_goes_on_where_it_stopped(data_dir, tmp_path, trained_seeds):
    first = run_seed(SMALL, seed=0, data_dir=data_dir, limit=2000, progress=False, keep=tmp_path)
    assert trained_seeds == [0, 1, 2] and first["kept"] == []
    files = sorted(tmp_path.glob("*.safetensors"))
    assert [f.name.split("-")[0] for f in files] == ["seed0", "seed1", "seed2"]

    files[1].unlink()  # as if the run had stopped while training the second network
    trained_seeds.clear()
    heard = []
    again = run_seed(
        *(SMALL, 0, None, data_dir, 2000, False),
        on_epoch=lambda network, record: heard.append((network, record.epoch)),
        keep=tmp_path,
    )
    assert trained_seeds == [1]  # only the missing one is trained
    assert heard == [(1, 0), (1, 1)]  # and each of its epochs told, with its network
    assert again["kept"] == [0, 2]
    assert again["accuracy"] == first["accuracy"]  # the seeded network is the same again
    assert again["members"] == first["members"]
    assert again["epochs"] == first["epochs"] and again["kept_epoch"] == first["kept_epoch"]
    assert again["seconds"] == pytest.approx(first["seconds"], rel=0.5)  # saved, not 0


def test_one_network_and_the_first_of_a_vote_are_one_file():
    best, vote = EXPERIMENTS["book-ch6-best"], EXPERIMENTS["book-ch6-ensemble"]
    name = member_file(best.spec, with_seed(best, 0), None, "numpy")
    assert name == member_file(vote.spec, with_seed(vote, 0), None, "numpy")
    assert name.startswith("seed0-") and name.endswith(".safetensors")
    others = [
        member_file(best.spec, with_seed(best, 1), None, "numpy"),
        member_file(best.spec, with_seed(best, 0), 1000, "numpy"),
        member_file(best.spec, with_seed(best, 0), None, "torch"),
        member_file(best.spec, with_seed(best, 0, epochs=1), None, "numpy"),
    ]
    assert len({name, *others}) == 5


def test_a_file_trained_otherwise_is_refused_in_one_line(data_dir, tmp_path, capsys):
    one = replace(SMALL, ensemble=1, name="small")
    run_seed(one, seed=0, data_dir=data_dir, limit=1000, progress=False, keep=tmp_path)
    (saved,) = tmp_path.glob("*.safetensors")
    other = with_seed(one, 1)  # seed 1's file name, seed 0's network inside
    shutil.copy(saved, tmp_path / member_file(one.spec, other, 1000, "numpy"))
    with pytest.raises(DigitnetError, match="not trained with this run's settings"):
        run_seed(one, seed=1, data_dir=data_dir, limit=1000, progress=False, keep=tmp_path)


def test_cli_keep_says_what_it_loaded(data_dir, tmp_path, capsys):
    args = ["reproduce", "book-ch1", "--epochs", "1", "--limit", "500", "--quiet"]
    args += ["--keep", str(tmp_path), "--data-dir", str(data_dir)]
    assert cli.main(args) == 0
    assert "loaded" not in capsys.readouterr().out
    assert cli.main(args) == 0
    assert f"seed 0: loaded network 0 from {tmp_path}, not trained again" in capsys.readouterr().out


def test_cli_keep_on_a_file_is_one_line(data_dir, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    args = ["reproduce", "book-ch1", "--epochs", "1", "--limit", "200", "--quiet"]
    assert cli.main([*args, "--keep", str(blocker), "--data-dir", str(data_dir)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("digitnet:") and "a-file" in err and len(err.splitlines()) == 1
    assert blocker.read_text() == "not a folder"


def test_history_comes_back_from_its_dict():
    from digitnet.train import EpochRecord

    h = History([EpochRecord(0, 1.5, 0.1, None, None, None, 0.2, 90, 100)], "numpy", 0, True)
    assert History.from_dict(h.to_dict()) == h


def test_a_network_stopped_mid_run_goes_on_from_its_last_epoch(data_dir, tmp_path):
    one = replace(SMALL, ensemble=1, name="small")
    whole = run_seed(one, seed=0, data_dir=data_dir, limit=1000, progress=False)

    def stop(network, record):
        if record.epoch == 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_seed(
            one, 0, data_dir=data_dir, limit=1000, progress=False, on_epoch=stop, keep=tmp_path
        )
    (partial,) = tmp_path.glob("*.run")
    assert not list(tmp_path.glob("*.safetensors"))  # no finished network yet
    again = run_seed(one, seed=0, data_dir=data_dir, limit=1000, progress=False, keep=tmp_path)
    assert again["resumed_at"] == 1 and whole["resumed_at"] is None
    assert again["accuracy"] == whole["accuracy"] and again["recall"] == whole["recall"]
    assert not partial.exists() and len(list(tmp_path.glob("*.safetensors"))) == 1


def test_cli_stopped_with_keep_says_how_to_go_on(data_dir, tmp_path, capsys, monkeypatch):
    from digitnet.cli import reproduce as command

    def stopping(network, record, ensemble=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "epoch_line", stopping)
    args = ["reproduce", "book-ch1", "--epochs", "2", "--limit", "300", "--quiet", "--verbose"]
    args += ["--keep", str(tmp_path), "--data-dir", str(data_dir)]
    assert cli.main(args) == 130
    err = capsys.readouterr().err.strip()
    assert err == (
        f"digitnet: interrupted; what was trained is kept in {tmp_path}: "
        "the same command goes on from there"
    )
    assert len(list(tmp_path.glob("*.run"))) == 1


def test_cli_verbose_tells_each_epoch_of_each_network_of_a_vote(capsys):
    from digitnet.cli.reproduce import epoch_line
    from digitnet.train import EpochRecord

    record = EpochRecord(3, 41.3, 0.03, correct=9912, total=10000)
    epoch_line(2, record, ensemble=True)
    epoch_line(0, record)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "    network 2, epoch 3: validation 99.12% (41.3 s)",
        "    seed 0, epoch 3: validation 99.12% (41.3 s)",
    ]
