"""Shared fixtures: the real datasets (from DIGITNET_DATA or ../shared/datasets)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def real_data_dir() -> Path | None:
    """The folder with the real MNIST files, or None."""
    for candidate in (os.environ.get("DIGITNET_DATA"), ROOT.parent / "shared" / "datasets"):
        if candidate and (Path(candidate) / "mnist" / "t10k-labels-idx1-ubyte.gz").exists():
            return Path(candidate).resolve()
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Real datasets; CI must have them (fail), elsewhere tests skip without them."""
    found = real_data_dir()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("real datasets not found: set DIGITNET_DATA")
        pytest.skip("real MNIST not available (set DIGITNET_DATA)")
    return found


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the user's cache: each test gets its own empty cache dir."""
    monkeypatch.setenv("DIGITNET_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def mnist(data_dir):
    """The book's splits of real MNIST: {"train", "validation", "test"} -> (images, labels)."""
    from digitnet.data import load_all

    return load_all("mnist", data_dir, allow_download=False)
