"""The PyTorch backend against the NumPy engine: same weights, same losses and gradients."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from digitnet import torch_backend  # noqa: E402
from digitnet.config import ModelSpec  # noqa: E402
from digitnet.errors import DigitnetError  # noqa: E402
from digitnet.nn import build, losses  # noqa: E402

CASES = {
    "sigmoid-quadratic": ModelSpec.from_sizes([12, 7, 4]),
    "tanh-cross-entropy": ModelSpec(
        12,
        [
            {"type": "dense", "units": 7, "activation": "tanh"},
            {"type": "dense", "units": 4, "activation": "sigmoid"},
        ],
        "cross-entropy",
        "glorot",
    ),
    "relu-leaky-elu-softmax": ModelSpec(
        12,
        [
            {"type": "dense", "units": 8, "activation": "relu"},
            {"type": "dense", "units": 7, "activation": "leaky-relu"},
            {"type": "dense", "units": 6, "activation": "elu"},
            {"type": "dense", "units": 4, "activation": "softmax"},
        ],
        "log-likelihood",
        "he",
    ),
    "maxout-linear": ModelSpec(
        12,
        [
            {"type": "maxout", "units": 5, "pieces": 3},
            {"type": "dense", "units": 4, "activation": "linear"},
        ],
        "quadratic",
        "glorot",
    ),
    "conv-pool-same": ModelSpec(
        36,
        [
            {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same", "activation": "relu"},
            {"type": "maxpool2d", "size": 2},
            {"type": "conv2d", "filters": 2, "kernel": 2, "activation": "tanh"},
            {"type": "dense", "units": 4, "activation": "softmax"},
        ],
        "log-likelihood",
        "he",
        input_shape=[1, 6, 6],
    ),
}


def engine_model(spec, seed=0):
    rng = np.random.default_rng(seed)
    model = build(spec, rng, np.float64)
    for p in model.parameters().values():
        p += rng.standard_normal(p.shape) * 0.2
    return model


def torch_loss(module, cost, x, y, n_layers):
    if cost.fused_with is not None:
        z = module(x, stop=n_layers - 1)
        if cost.name == "log-likelihood":
            return -(y * torch.log_softmax(z, dim=1)).sum() / len(x)
        return (torch.nn.functional.softplus(z) - y * z).sum() / len(x)
    a = module(x)
    return 0.5 * ((a - y) ** 2).sum() / len(x)


@pytest.mark.parametrize("name", list(CASES))
def test_same_loss_and_gradients(name):
    spec = CASES[name]
    model = engine_model(spec)
    module = torch_backend.to_torch(model, spec)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, spec.input_size))
    y = np.eye(4)[rng.integers(0, 4, 5)]
    cost = losses.get(spec.cost)
    ours = losses.loss_and_backward(model, cost, x, y)
    theirs = torch_loss(module, cost, torch.from_numpy(x), torch.from_numpy(y), len(model.layers))
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=1e-10)
    grads = model.gradients()
    for key, p in module.named_parameters():
        mine = grads[key.removeprefix("net.")]
        theirs_grad = p.grad.numpy()
        err = np.abs(mine - theirs_grad).max() / max(np.abs(theirs_grad).max(), 1e-12)
        assert err < 1e-6, (key, err)


@pytest.mark.parametrize("name", list(CASES))
def test_weights_both_ways_give_the_same_outputs(name):
    spec = CASES[name]
    model = engine_model(spec, seed=3)
    x = np.random.default_rng(2).random((6, spec.input_size)).astype(np.float32)
    model32 = build(spec, np.random.default_rng(0), np.float32)
    model32.load_parameters(model.parameters())
    module = torch_backend.to_torch(model32, spec).eval()
    with torch.no_grad():
        theirs = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model32.predict_proba(x), theirs, atol=1e-5)
    back = torch_backend.from_torch(module, spec, np.float32)
    for key, p in model32.parameters().items():
        np.testing.assert_array_equal(back.parameters()[key], p)


def test_a_module_trained_in_torch_loads_into_the_engine():
    spec = CASES["relu-leaky-elu-softmax"]
    module = torch_backend.build(spec, np.float32)  # torch's own initial weights
    x = torch.rand(8, 12)
    model = torch_backend.from_torch(module, spec)
    with torch.no_grad():
        np.testing.assert_allclose(model.predict_proba(x.numpy()), module(x).numpy(), atol=1e-5)


def test_dropout_maps_to_torch_dropout_and_is_identity_in_eval():
    spec = ModelSpec(
        12,
        [
            {"type": "dense", "units": 6, "activation": "relu"},
            {"type": "dropout", "rate": 0.5},
            {"type": "dense", "units": 4, "activation": "softmax"},
        ],
        "log-likelihood",
        "he",
    )
    model = engine_model(spec)
    module = torch_backend.to_torch(model, spec).eval()
    assert isinstance(module.net[2], torch.nn.Dropout) and module.net[2].p == 0.5
    x = np.random.default_rng(0).random((3, 12))
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(x)).numpy(), model.predict_proba(x))


def test_device_choice_runs_on_cpu_without_a_gpu():
    chosen = torch_backend.device("auto")
    assert chosen.type in ("cpu", "cuda", "mps")
    assert torch_backend.device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(DigitnetError, match="no CUDA GPU"):
            torch_backend.device("cuda")
    with pytest.raises(DigitnetError, match="unknown device"):
        torch_backend.device("tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_same_outputs_on_the_gpu():
    spec = CASES["conv-pool-same"]
    model = build(spec, np.random.default_rng(0), np.float32)
    module = torch_backend.to_torch(model, spec, on="cuda").eval()
    x = np.random.default_rng(1).random((4, 36)).astype(np.float32)
    with torch.no_grad():
        out = module(torch.from_numpy(x).cuda()).cpu().numpy()
    np.testing.assert_allclose(out, model.predict_proba(x), atol=1e-5)


def test_train_with_the_torch_engine_saves_an_ordinary_model(tmp_path, data_dir, capsys):
    from digitnet import checkpoint, cli

    out = tmp_path / "t.safetensors"
    argv = [
        "train",
        "--engine",
        "torch",
        "--device",
        "cpu",
        "--sizes",
        "784,32,10",
        "--activation",
        "relu",
        "--cost",
        "log-likelihood",
        "--init",
        "he",
        "--optimizer",
        "adam",
        "--eta",
        "0.002",
        "--mini-batch-size",
        "32",
        "--epochs",
        "2",
        "--limit",
        "3000",
        "--out",
        str(out),
        "--quiet",
        "--data-dir",
        str(data_dir),
    ]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "torch (cpu)" in text
    ckpt = checkpoint.load(out)  # an engine model: loads and predicts without torch
    history = ckpt.training["history"]
    assert history["engine"] == "torch (cpu)"
    assert history["epochs"][1]["correct"] > 8500 and history["epochs"][1]["cost"] > 0


def test_dataset_with_a_standard_dataloader():
    from digitnet.torch_train import dataset_class

    images = np.arange(5 * 28 * 28, dtype=np.int64).reshape(5, 28, 28).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5])
    flat = dataset_class()(images, labels)
    assert len(flat) == 5 and flat[2][0].shape == (784,) and flat[2][1] == 4
    shaped = dataset_class()(images, labels, shape=(1, 28, 28))
    loader = torch.utils.data.DataLoader(shaped, batch_size=2, shuffle=False)
    xb, yb = next(iter(loader))
    assert xb.shape == (2, 1, 28, 28) and xb.dtype == torch.float32
    assert float(xb.max()) <= 1.0 and yb.tolist() == [3, 1]


def test_evaluate_and_predict_agree_across_engines(tmp_path, data_dir, capsys, mnist):
    from PIL import Image

    from digitnet import cli

    out = tmp_path / "m.safetensors"
    assert (
        cli.main(
            [
                "train",
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
        == 0
    )
    capsys.readouterr()
    lines = {}
    for engine in ("numpy", "torch"):
        assert (
            cli.main(
                [
                    "evaluate",
                    str(out),
                    "--engine",
                    engine,
                    "--device",
                    "cpu",
                    "--data-dir",
                    str(data_dir),
                ]
            )
            == 0
        )
        lines[engine] = capsys.readouterr().out.splitlines()[0]
    assert lines["numpy"] == lines["torch"]
    png = tmp_path / "d.png"
    Image.fromarray(255 - mnist["test"][0][0]).save(png)
    answers = []
    for engine in ("numpy", "torch"):
        assert cli.main(["predict", str(out), str(png), "--json", "--engine", engine]) == 0
        answers.append(json.loads(capsys.readouterr().out)[0])
    assert answers[0]["digit"] == answers[1]["digit"]
    assert answers[0]["confidence"] == pytest.approx(answers[1]["confidence"], abs=1e-4)


def test_reproduce_with_the_torch_engine(data_dir, capsys):
    from digitnet import cli

    assert (
        cli.main(
            [
                "reproduce",
                "keras-dense",
                "--engine",
                "torch",
                "--device",
                "cpu",
                "--epochs",
                "1",
                "--limit",
                "2000",
                "--quiet",
                "--data-dir",
                str(data_dir),
            ]
        )
        == 0
    )
    assert "torch (cpu)" in capsys.readouterr().out


def test_not_a_digit_targets_give_the_same_loss_in_both_engines():
    from digitnet.data.datasets import NOT_A_DIGIT, one_hot
    from digitnet.torch_train import loss_of

    spec = ModelSpec(
        12, [{"type": "dense", "units": 10, "activation": "softmax"}], "log-likelihood", "he"
    )
    model = engine_model(spec)
    module = torch_backend.to_torch(model, spec)
    x = np.random.default_rng(2).standard_normal((6, 12))
    y = one_hot(np.array([1, NOT_A_DIGIT, 4, NOT_A_DIGIT, 9, 0]), 10, np.float64)
    ours = losses.loss_and_backward(model, losses.get(spec.cost), x, y)
    theirs = loss_of(module, spec.cost, torch.from_numpy(x), torch.from_numpy(y), 2)
    assert ours == pytest.approx(theirs.item(), rel=1e-10)


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy", "log-likelihood"])
def test_targets_have_as_many_classes_as_the_network_has_outputs(cost):
    from digitnet.config import TrainConfig
    from digitnet.data.datasets import NOT_A_DIGIT
    from digitnet.torch_train import fit_torch, loss_of

    last = "softmax" if cost == "log-likelihood" else "sigmoid"
    spec = ModelSpec(16, [{"type": "dense", "units": 4, "activation": last}], cost, "he")
    module = torch_backend.to_torch(engine_model(spec), spec)
    x = torch.from_numpy(np.random.default_rng(2).random((5, 16)))
    labels = torch.tensor([0, 3, 1, 2, 3])
    rows = torch.nn.functional.one_hot(labels, 4).to(x.dtype)
    assert loss_of(module, cost, x, labels, 2).item() == pytest.approx(
        loss_of(module, cost, x, rows, 2).item()
    )
    if cost == "log-likelihood":
        return  # (labels, not rows, are what cross_entropy is given in training)
    images = np.random.default_rng(3).integers(0, 256, (20, 4, 4), dtype=np.uint8)
    with_fragments = np.array([0, 1, 2, 3, NOT_A_DIGIT] * 4)  # uniform rows of 1/4
    config = TrainConfig(epochs=1, mini_batch_size=5, learning_rate=0.1, seed=0)
    module = torch_backend.to_torch(build(spec, np.random.default_rng(0)), spec)  # float32
    history = fit_torch(spec, module, images, with_fragments, config)
    assert len(history.epochs) == 1


@pytest.mark.parametrize("progress", [True, False])
def test_torch_training_shows_a_bar_of_epochs_unless_told_not_to(progress, capsys):
    from digitnet.config import TrainConfig
    from digitnet.experiment import fit_with_torch

    spec = ModelSpec(16, [{"type": "dense", "units": 4, "activation": "softmax"}], "log-likelihood")
    images = np.random.default_rng(3).integers(0, 256, (20, 4, 4), dtype=np.uint8)
    config = TrainConfig(epochs=3, mini_batch_size=5, learning_rate=0.1, seed=0)
    heard = []
    model = build(spec, np.random.default_rng(0))
    history, _ = fit_with_torch(
        spec, model, images, np.arange(20) % 4, config, None, heard.append, "cpu", progress
    )
    assert [r.epoch for r in heard] == [0, 1, 2] and len(history.epochs) == 3
    err = capsys.readouterr().err
    assert ("3/3 epochs" in err) == progress and ("Training on cpu" in err) == progress
