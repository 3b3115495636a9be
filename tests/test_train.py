"""Training the book's network on real MNIST."""

from __future__ import annotations

import numpy as np

from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import to_inputs
from digitnet.nn import Network, build, losses
from digitnet.train import fit


def test_one_epoch_of_the_books_network_reaches_90_percent(mnist):
    (xtr, ytr), (xva, yva) = mnist["train"], mnist["validation"]
    rng = np.random.default_rng(0)
    model = build(ModelSpec.from_sizes([784, 30, 10]), rng, np.float32)
    lines = []
    history = fit(
        model,
        losses.get("quadratic"),
        xtr,
        ytr,
        TrainConfig(epochs=1),
        rng,
        validation=(xva, yva),
        on_epoch=lines.append,
        progress=False,
    )
    record = history.epochs[0]
    assert record.total == 10_000
    assert record.correct >= 9_000, record.correct
    assert lines == [record]


def test_network_class_learns_with_the_book_interface(mnist, capsys):
    (xtr, ytr), (xva, yva) = mnist["train"], mnist["validation"]
    net = Network([784, 30, 10], seed=1, dtype=np.float32)
    scores = net.SGD((to_inputs(xtr), ytr), 1, 10, 3.0, test_data=(to_inputs(xva), yva))
    assert capsys.readouterr().out == f"Epoch 0: {scores[0]} / 10000\n"
    assert scores[0] >= 9_000
