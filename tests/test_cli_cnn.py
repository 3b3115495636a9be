"""A convolutional network through the CLI: spec, train, summary, predict, plot."""

from __future__ import annotations

import json

from PIL import Image

from test_cli import run

CNN_SPEC = {
    "input_size": 784,
    "input_shape": [1, 28, 28],
    "cost": "log-likelihood",
    "init": "he",
    "layers": [
        {"type": "conv2d", "filters": 6, "kernel": 5, "activation": "relu"},
        {"type": "maxpool2d", "size": 2},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}


def test_cnn_trains_predicts_and_plots(tmp_path, data_dir, mnist):
    spec = tmp_path / "cnn.json"
    spec.write_text(json.dumps(CNN_SPEC))
    out = tmp_path / "cnn.safetensors"
    result = run(
        "train",
        "--spec",
        str(spec),
        "--optimizer",
        "adam",
        "--eta",
        "0.002",
        "--mini-batch-size",
        "32",
        "--epochs",
        "1",
        "--limit",
        "3000",
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
    )
    assert result.returncode == 0, result.stderr
    assert "Training 784-c6k5-p2-10 " in result.stdout
    epoch = next(line for line in result.stdout.splitlines() if line.startswith("Epoch 0: "))
    assert int(epoch.split()[2]) > 8000  # 3,000 images, one epoch

    summary = run("summary", str(out))
    assert "(None, 6, 24, 24)" in summary.stdout and "Total params: 8,806" in summary.stdout

    images, labels = mnist["test"]
    png = tmp_path / "digit.png"
    Image.fromarray(255 - images[0]).resize((84, 84)).save(png)
    answer = json.loads(run("predict", str(out), str(png), "--json").stdout)[0]
    assert answer["digit"] == int(labels[0])

    plots = run("plot", str(out), "--out", str(tmp_path / "plots"), "--data-dir", str(data_dir))
    assert plots.returncode == 0, plots.stderr
    assert (tmp_path / "plots" / "confusion.png").exists()
