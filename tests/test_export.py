"""ONNX export: every layer kind, run by onnxruntime, gives the engine's outputs."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError
from digitnet.nn import build

SPECS = {
    "book": ModelSpec.from_sizes([784, 30, 10]),
    "every-activation": ModelSpec.from_dict(
        {
            "input_size": 784,
            "cost": "log-likelihood",
            "layers": [
                {"type": "dense", "units": 24, "activation": "tanh"},
                {"type": "dense", "units": 20, "activation": "leaky-relu"},
                {"type": "dropout", "rate": 0.5},
                {"type": "maxout", "units": 16, "pieces": 3},
                {"type": "dense", "units": 14, "activation": "elu"},
                {"type": "dense", "units": 12, "activation": "linear"},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
        }
    ),
    "cnn": ModelSpec.from_dict(
        {
            "input_size": 784,
            "input_shape": [1, 28, 28],
            "cost": "log-likelihood",
            "init": "he",
            "layers": [
                {
                    "type": "conv2d",
                    "filters": 4,
                    "kernel": 3,
                    "padding": "same",
                    "activation": "relu",
                },
                {"type": "maxpool2d", "size": 2},
                {"type": "conv2d", "filters": 6, "kernel": 5, "activation": "relu"},
                {"type": "maxpool2d", "size": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
        }
    ),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_onnxruntime_gives_the_engines_outputs(name):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from digitnet.export import INPUT, to_onnx

    spec = SPECS[name]
    model = build(spec, np.random.default_rng(1))
    x = np.random.default_rng(2).random((37, 784), dtype=np.float32)
    proto = to_onnx(model, spec)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (scores,) = session.run(None, {INPUT: x})
    expected = model.predict_proba(x)
    assert scores.shape == expected.shape
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)
    assert (scores.argmax(1) == expected.argmax(1)).all()


def test_float64_model_exports_as_float32():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from digitnet.export import INPUT, to_onnx

    spec = SPECS["book"]
    model = build(spec, np.random.default_rng(3), np.float64)
    x = np.random.default_rng(4).random((5, 784))
    session = ort.InferenceSession(to_onnx(model, spec).SerializeToString())
    (scores,) = session.run(None, {INPUT: x.astype(np.float32)})
    np.testing.assert_allclose(scores, model.predict_proba(x), atol=1e-5)


def test_cli_export_round_trip(tmp_path, data_dir, mnist):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from test_cli import run

    model = tmp_path / "m.safetensors"
    trained = run(
        "train",
        "--epochs",
        "1",
        "--limit",
        "2000",
        "--out",
        str(model),
        "--data-dir",
        str(data_dir),
    )
    assert trained.returncode == 0, trained.stderr
    out = tmp_path / "m.onnx"
    result = run("export", str(model), str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout

    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["dataset"] == "mnist" and json.loads(props["classes"])[7] == "7"

    from digitnet import checkpoint
    from digitnet.train import as_inputs

    images, _ = mnist["test"]
    x = as_inputs(images[:500], np.float32)
    (scores,) = ort.InferenceSession(str(out)).run(None, {"pixels": x})
    assert (scores.argmax(1) == checkpoint.load(model).model.predict(x)).all()

    again = run("export", str(model), str(out))
    assert again.returncode == 1 and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert run("export", str(model), str(out), "--force").returncode == 0
    wrong = run("export", str(model), str(tmp_path / "m.txt"))
    assert wrong.returncode == 1 and ".onnx" in wrong.stderr


def test_missing_onnx_is_one_clear_line(monkeypatch):
    from digitnet.export import to_onnx

    monkeypatch.setitem(sys.modules, "onnx", None)
    spec = SPECS["book"]
    with pytest.raises(DigitnetError, match=r"digitnet\[onnx\]") as info:
        to_onnx(build(spec, np.random.default_rng(0)), spec)
    assert "\n" not in str(info.value)
