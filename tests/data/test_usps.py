"""USPS: the real training file matches shared/datasets/README.md; the text parser refuses
malformed files in one line; a USPS-layout file downloads and loads like any other."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

from digitnet.data import load, sources
from digitnet.data.sources import DataFile
from digitnet.data.usps import parse_usps, to_mnist_form
from digitnet.errors import DigitnetError

TRAIN_COUNTS = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]


def test_real_usps_train_counts_and_form(data_dir):
    x, y = load("usps", "train-full", data_dir, allow_download=False)
    assert x.shape == (7291, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == TRAIN_COUNTS
    xt, _ = load("usps", "train", data_dir, allow_download=False)
    xv, _ = load("usps", "validation", data_dir, allow_download=False)
    assert len(xt) == 6291 and len(xv) == 1000  # the last 1,000 are held out
    np.testing.assert_array_equal(xv, x[-1000:])
    # MNIST's form: the ink in a 20-pixel box near the centre, the brightest ink at 255
    assert x[:, :2].mean() < 2 and x[:, -2:].mean() < 2
    assert (x.reshape(len(x), -1).max(axis=1) == 255).all()


def line(label: str, values: list[str]) -> str:
    return " ".join([label, *values])


def test_parser_reads_a_digit_and_refuses_junk():
    pixels = ["-1.0000"] * 256
    pixels[17] = "1.0000"
    digits, labels = parse_usps((line("3.0000", pixels) + "\n").encode())
    assert labels.tolist() == [3] and digits.shape == (1, 16, 16)
    assert digits[0, 1, 1] == 1.0 and digits.sum() == 1.0
    bad = {
        b"": "empty",
        line("3.0", pixels[:-1]).encode(): "256 values",
        line("11.0", pixels).encode(): "labels",
        line("2.5", pixels).encode(): "labels",
        line("3.0", ["2.0"] * 256).encode(): r"outside \[-1, 1\]",
        line("3.0", ["x"] * 256).encode(): "not a number",
        b"\xff\xfe": "not ASCII",
    }
    for blob, message in bad.items():
        with pytest.raises(DigitnetError, match=message):
            parse_usps(blob, "zip.train")


def test_a_blank_digit_stays_blank():
    out = to_mnist_form(np.zeros((1, 16, 16), np.float32))
    assert out.shape == (1, 28, 28) and out.max() == 0


def test_usps_downloads_verifies_and_loads(tmp_path, monkeypatch):
    rows = []
    for k in range(30):
        ink = np.full((16, 16), -1.0)
        ink[3:13, 5 + k % 3 : 9 + k % 3] = 1.0
        rows.append(line(f"{k % 10}.0000", [f"{v:.4f}" for v in ink.ravel()]))
    text = ("\n".join(rows) + "\n").encode()
    body = gzip.compress(text)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        info = sources.DATASETS["usps"]
        fake = sources.DatasetInfo(
            "usps",
            {
                "train": DataFile("zip.train", hashlib.sha256(text).hexdigest()),
                **{"test": info.files["test"]},
            },
            (f"http://127.0.0.1:{httpd.server_address[1]}/",),
            (),
            info.classes,
            layout="usps",
            validation=10,
        )
        monkeypatch.setitem(sources.DATASETS, "usps", fake)
        x, y = load("usps", "train", tmp_path / "empty")
        assert x.shape == (20, 28, 28) and y.tolist() == [k % 10 for k in range(20)]
        assert (sources.cache_dir() / "usps" / "zip.train.gz").read_bytes() == body
    finally:
        httpd.shutdown()
        httpd.server_close()
