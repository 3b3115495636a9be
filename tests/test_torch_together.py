"""PyTorch training as steps: runs taking turns, CUDA graphs, divergence found at once.

The CUDA tests skip without a GPU; on one they check that a step replayed from a CUDA
graph does what the eager step does, and that runs trained together on their own streams
end where each would alone.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from digitnet import checkpoint, torch_backend  # noqa: E402
from digitnet.config import ModelSpec, TrainConfig  # noqa: E402
from digitnet.errors import DigitnetError  # noqa: E402
from digitnet.nn import build  # noqa: E402
from digitnet.torch_train import fit_torch, train_together, training  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")

CNN = ModelSpec(
    784,
    [
        {"type": "conv2d", "filters": 4, "kernel": 5, "activation": "relu"},
        {"type": "maxpool2d", "size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "log-likelihood",
    "he",
    input_shape=[1, 28, 28],
)
DROPOUT = replace(CNN, layers=[*CNN.layers[:3], {"type": "dropout", "rate": 0.5}, *CNN.layers[3:]])


def images(n: int = 205, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Digit-like data: each class a blob at its own place, plus noise. (N, 28, 28) uint8."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    x = rng.integers(0, 60, (n, 28, 28))
    for k, digit in enumerate(labels):
        r, c = 4 + 2 * digit, 4 + (digit * 7) % 18
        x[k, r : r + 6, c : c + 6] = 255
    return x.astype(np.uint8), labels


def module_for(spec: ModelSpec, seed: int = 0):
    return torch_backend.to_torch(build(spec, np.random.default_rng(seed), np.float32), spec)


def weights(module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def assert_same_weights(a, b, rtol: float) -> None:
    wa, wb = weights(a), weights(b)
    for name in wa:
        scale = np.abs(wa[name]).max() or 1.0
        assert np.abs(wa[name] - wb[name]).max() / scale < rtol, name


CONFIGS = {
    "sgd": TrainConfig(epochs=2, mini_batch_size=10, learning_rate=0.1),
    "momentum-l2-l1": TrainConfig(
        epochs=2, mini_batch_size=10, learning_rate=0.05, optimizer="momentum", l2=1.0, l1=0.1
    ),
    "adam-cosine": TrainConfig(
        epochs=3, mini_batch_size=16, learning_rate=0.003, optimizer="adam", schedule="cosine"
    ),
}


def test_runs_taken_together_end_as_each_alone():
    x, y = images()
    config = CONFIGS["momentum-l2-l1"]
    alone = [module_for(CNN, s) for s in (0, 1)]
    for s, module in enumerate(alone):
        fit_torch(CNN, module, x, y, replace(config, seed=s))
    together = [module_for(CNN, s) for s in (0, 1)]
    runs = [
        training(CNN, module, x, y, replace(config, seed=s)) for s, module in enumerate(together)
    ]
    histories = train_together(runs, torch.device("cpu"))
    assert [len(h.epochs) for h in histories] == [2, 2]
    for a, b in zip(alone, together, strict=True):
        assert_same_weights(a, b, 1e-6)


def test_a_diverging_run_names_its_epoch_and_mini_batch():
    x, y = images()
    config = TrainConfig(epochs=2, mini_batch_size=10, learning_rate=1e9)
    with pytest.raises(DigitnetError, match=r"diverged at epoch 0, mini-batch \d+: the cost is"):
        fit_torch(CNN, module_for(CNN), x, y, config)


def test_on_a_cpu_a_diverging_run_stops_after_the_bad_mini_batch():
    x, y = images()
    config = TrainConfig(epochs=2, mini_batch_size=10, learning_rate=1e9)
    steps = training(CNN, module_for(CNN), x, y, config)
    taken = 0
    with pytest.raises(DigitnetError) as caught:
        while True:
            next(steps)
            taken += 1
    bad = int(str(caught.value).split("mini-batch ")[1].split(":")[0])
    assert taken == bad  # steps 0 .. bad-1 went on; step ``bad`` was the last one run


@cuda
@pytest.mark.parametrize("name", CONFIGS)
def test_graph_steps_do_what_eager_steps_do(name):
    x, y = images()
    config = CONFIGS[name]  # 205 images: full mini-batches and a shorter last one
    eager, graphed = module_for(CNN), module_for(CNN)
    on = torch.device("cuda")
    h1 = fit_torch(CNN, eager, x, y, config, validation=(x, y), device=on, graphs=False)
    h2 = fit_torch(CNN, graphed, x, y, config, validation=(x, y), device=on, graphs=True)
    assert_same_weights(eager, graphed, 1e-4)
    assert [e.correct for e in h1.epochs] == [e.correct for e in h2.epochs]


@cuda
def test_capture_leaves_the_training_state_as_it_was():
    from digitnet.torch_graph import capture

    module = module_for(CNN).cuda()
    opt = torch.optim.Adam(module.parameters(), lr=0.01, capturable=True)
    x = torch.rand(10, 784, device="cuda")
    y = torch.randint(0, 10, (10,), device="cuda")
    before = weights(module)

    def step():
        torch.nn.functional.cross_entropy(module(x, stop=4), y).backward()
        opt.step()

    graph = capture(step, module, opt)
    assert all(np.array_equal(before[k], v) for k, v in weights(module).items())
    for state in opt.state.values():
        assert all(float(v.abs().sum()) == 0 for v in state.values())
    graph.replay()
    assert not np.array_equal(before["net.0.weight"], weights(module)["net.0.weight"])


@cuda
def test_runs_with_dropout_train_together_on_their_own_streams():
    x, y = images(400)
    config = TrainConfig(epochs=3, mini_batch_size=10, learning_rate=0.1)
    on = torch.device("cuda")
    modules = [module_for(DROPOUT, s) for s in range(3)]
    runs = [
        training(DROPOUT, m, x, y, replace(config, seed=s), validation=(x, y), device=on)
        for s, m in enumerate(modules)
    ]
    histories = train_together(runs, on)
    for h in histories:  # the blobs are easy: each run learns them
        assert h.epochs[-1].correct > 0.9 * len(y)


def test_an_ensemble_trains_its_networks_together_and_votes(data_dir):
    from digitnet import reproduce

    small = reproduce.book_cnn("relu", 1, (10,))  # the ensemble's path, a smaller network
    experiment = replace(reproduce.get("book-ch6-ensemble"), spec=small, ensemble=3)
    heard = []
    start = time.perf_counter()
    result = reproduce.run_seed(
        *(experiment, 0, 1, data_dir, 60),
        engine="torch",
        device="cpu",
        on_epoch=lambda network, record: heard.append((network, record.epoch)),
    )
    wall = time.perf_counter() - start
    assert sorted(heard) == [(0, 0), (1, 0), (2, 0)]  # each network's epochs, told as they end
    assert len(result["members"]) == 3 and result["engine"] == "torch (cpu)"
    assert 0 < result["accuracy"] <= 100
    assert len(set(result["members"])) > 1  # three seeds, three different networks
    assert 0 < result["seconds"] <= wall  # the time they took together, counted once


def test_a_kept_ensemble_trains_only_its_missing_networks_together(data_dir, tmp_path):
    from digitnet import reproduce

    small = reproduce.book_cnn("relu", 1, (10,))
    experiment = replace(reproduce.get("book-ch6-ensemble"), spec=small, ensemble=3)
    run = dict(epochs=1, data_dir=data_dir, limit=60, engine="torch", device="cpu", keep=tmp_path)
    first = reproduce.run_seed(experiment, 0, **run)
    files = sorted(tmp_path.glob("*.safetensors"))
    assert len(files) == 3 and first["kept"] == []
    shares = [checkpoint.load(f).training["seconds"] for f in files]
    assert sum(shares) == pytest.approx(first["seconds"], abs=0.01)  # the time, counted once
    files[0].unlink()
    again = reproduce.run_seed(experiment, 0, **run)
    assert again["kept"] == [1, 2]
    assert again["members"][1:] == first["members"][1:]
    assert 0 < again["accuracy"] <= 100
