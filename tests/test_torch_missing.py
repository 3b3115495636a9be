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
