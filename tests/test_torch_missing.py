"""Without torch installed, the PyTorch engine says which extra to install."""

from __future__ import annotations

import sys

import pytest

from digitnet import torch_backend
from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError


def test_missing_torch_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    torch_backend.classes.cache_clear()
    with pytest.raises(DigitnetError, match=r"digitnet\[torch\]") as info:
        torch_backend.build(ModelSpec.from_sizes([4, 3, 2]))
    assert "\n" not in str(info.value)
    torch_backend.classes.cache_clear()


def test_engine_torch_without_torch_exits_with_one_line(monkeypatch, tmp_path, capsys, data_dir):
    from digitnet import cli

    monkeypatch.setitem(sys.modules, "torch", None)
    torch_backend.classes.cache_clear()
    status = cli.main(
        [
            "train",
            "--engine",
            "torch",
            "--epochs",
            "1",
            "--limit",
            "100",
            "--out",
            str(tmp_path / "m.safetensors"),
            "--data-dir",
            str(data_dir),
        ]
    )
    torch_backend.classes.cache_clear()
    assert status == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "digitnet[torch]" in err[0]
    assert not (tmp_path / "m.safetensors").exists()
