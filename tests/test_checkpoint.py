"""Model files: round trip, atomic writes, and refusal of anything that is not ours."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save as st_save

from digitnet import checkpoint
from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError
from digitnet.nn import build

SPEC = ModelSpec.from_sizes([784, 30, 10])


@pytest.fixture
def model():
    return build(SPEC, np.random.default_rng(0), np.float32)


def test_round_trip(tmp_path, model):
    path = checkpoint.save(tmp_path / "m.safetensors", model, SPEC, {"epochs": 3}, "mnist")
    ckpt = checkpoint.load(path)
    assert ckpt.spec == SPEC
    assert ckpt.training == {"epochs": 3}
    assert ckpt.dataset == "mnist"
    for name, p in model.parameters().items():
        np.testing.assert_array_equal(ckpt.model.parameters()[name], p)
        assert ckpt.model.parameters()[name].dtype == np.float32
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary left


def test_file_is_not_pickle_and_is_plain_safetensors(tmp_path, model):
    path = checkpoint.save(tmp_path / "m.safetensors", model, SPEC)
    blob = path.read_bytes()
    assert b"\x80\x04" not in blob[:2]
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    assert header["__metadata__"]["format"] == "digitnet"
    assert header["0.weight"]["shape"] == [30, 784]


def write(path, tensors, metadata):
    path.write_bytes(st_save(tensors, metadata=metadata))
    return path


def good_meta():
    return {"format": "digitnet", "format_version": "1", "spec": SPEC.to_json()}


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "too short"),
        (b"hello world, not a model", "bad header length"),
        (struct.pack("<Q", 2**62) + b"{}", "bad header length"),
        (struct.pack("<Q", 4) + b"\xff\xfe{}", "not JSON"),
        (struct.pack("<Q", 2) + b"{}", "no digitnet metadata"),
    ],
)
def test_refuses_bad_bytes(tmp_path, blob, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(blob)
    with pytest.raises(DigitnetError, match=message):
        checkpoint.load(path)


def test_refuses_wrong_names_shapes_values(tmp_path, model):
    tensors = {k: v.copy() for k, v in model.parameters().items()}
    bad = dict(tensors)
    bad["9.weight"] = bad.pop("2.weight")
    with pytest.raises(DigitnetError, match="do not match"):
        checkpoint.load(write(tmp_path / "a", bad, good_meta()))
    bad = dict(tensors, **{"0.bias": np.zeros(31, np.float32)})
    with pytest.raises(DigitnetError, match="shape"):
        checkpoint.load(write(tmp_path / "b", bad, good_meta()))
    nan = tensors["0.bias"].copy()
    nan[3] = np.nan
    with pytest.raises(DigitnetError, match="NaN"):
        checkpoint.load(write(tmp_path / "c", dict(tensors, **{"0.bias": nan}), good_meta()))
    ints = dict(tensors, **{"0.bias": np.zeros(30, np.int32)})
    with pytest.raises(DigitnetError, match="float32"):
        checkpoint.load(write(tmp_path / "d", ints, good_meta()))
    with pytest.raises(DigitnetError, match="no digitnet metadata"):
        checkpoint.load(write(tmp_path / "e", tensors, {"format": "pt"}))
    meta = dict(good_meta(), spec='{"layers": "nope"}')
    with pytest.raises(DigitnetError, match="spec"):
        checkpoint.load(write(tmp_path / "f", tensors, meta))


def test_truncated_file_is_refused(tmp_path, model):
    path = checkpoint.save(tmp_path / "m.safetensors", model, SPEC)
    blob = path.read_bytes()
    path.write_bytes(blob[:-100])
    with pytest.raises(DigitnetError, match="corrupt"):
        checkpoint.load(path)


def test_failed_save_keeps_the_old_file(tmp_path, model, monkeypatch):
    path = checkpoint.save(tmp_path / "m.safetensors", model, SPEC)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    from digitnet import fileio

    monkeypatch.setattr(fileio.os, "fsync", broken_fsync)
    with pytest.raises(DigitnetError, match="No space left"):
        checkpoint.save(path, build(SPEC, np.random.default_rng(1)), SPEC)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_saved_file_has_the_usual_permissions(tmp_path, model):
    import os

    old = os.umask(0o022)
    try:
        path = checkpoint.save(tmp_path / "m.safetensors", model, SPEC)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # readable by others, as open() makes it


def test_missing_model(tmp_path):
    with pytest.raises(DigitnetError, match="no such file"):
        checkpoint.load(tmp_path / "nope.safetensors")
