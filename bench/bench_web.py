"""The web page's answer time: issue 7's "predict on a drawing in ≤ 50 ms at the API".

    python bench/bench_web.py [--requests 200]

Starts `digitnet serve --port 0` (the shipped reader), then POSTs drawings to
/api/predict over one keep-alive HTTP connection from this process: MNIST test digits
drawn as the page sends them (280×280 PNG, black ink on white). Reports the median and
95th percentile round trip, and beside it, in the same run, what one image costs inside:
the preprocessing, the NumPy engine's forward pass, and PyTorch's forward pass of the
same network on the CPU (the peer).
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import statistics
import subprocess
import sys
import time
import uuid

import numpy as np
from PIL import Image

from digitnet.data import load
from digitnet.vision.preprocess import open_image_bytes, preprocess_image
from digitnet.vision.read import load_reader
from report import machine, write_section


def drawing(image: np.ndarray) -> bytes:
    """An MNIST digit as the page's canvas would send it: 280×280, black on white."""
    img = Image.fromarray(255 - image).resize((280, 280), Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def multipart(blob: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="d.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + blob
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def api_times(blobs: list[bytes], data_dir: str | None) -> list[float]:
    cmd = [sys.executable, "-m", "digitnet", "serve", "--port", "0", "--models-dir", "/tmp"]
    cmd += ["--data-dir", data_dir] if data_dir else []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split("serving on ")[1].split()[0]
        host, port = url.split("//")[1].rstrip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port))
        times = []
        for k, blob in enumerate(blobs):
            body, ctype = multipart(blob)
            start = time.perf_counter()
            conn.request("POST", "/api/predict", body, {"Content-Type": ctype})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"request {k}: HTTP {response.status}")
            if k >= 5:  # the first few warm up the server
                times.append(elapsed)
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def inside_times(blobs: list[bytes]) -> tuple[float, float, float | None]:
    """Medians of preprocessing, NumPy forward and PyTorch forward, one image each."""
    ckpt = load_reader()
    pre, numpy_fwd, torch_fwd = [], [], []
    xs = []
    for blob in blobs:
        start = time.perf_counter()
        x = preprocess_image(open_image_bytes(blob)).reshape(1, 784)
        pre.append(time.perf_counter() - start)
        xs.append(x)
        start = time.perf_counter()
        ckpt.model.predict_proba(x)
        numpy_fwd.append(time.perf_counter() - start)
    try:
        import torch

        from digitnet import torch_backend

        torch.set_num_threads(os.cpu_count() or 1)
        net = torch_backend.to_torch(ckpt.model, ckpt.spec, on="cpu")
        net.eval()
        with torch.no_grad():
            for x in xs:
                start = time.perf_counter()
                net(torch.from_numpy(x.astype(np.float32)))
                torch_fwd.append(time.perf_counter() - start)
    except ImportError:
        torch_fwd = []
    median = statistics.median
    return median(pre), median(numpy_fwd), median(torch_fwd) if torch_fwd else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    images, _ = load("mnist", "test", args.data_dir)
    blobs = [drawing(images[i]) for i in range(args.requests + 5)]
    times = api_times(blobs, args.data_dir)
    pre, numpy_fwd, torch_fwd = inside_times(blobs[5:])
    ms = 1000
    torch_cell = f"{torch_fwd * ms:.1f} ms" if torch_fwd is not None else "(torch not installed)"
    body = f"""## The web page: predict on a drawing

Command: `python bench/bench_web.py --requests {args.requests}`; model: the shipped reader;
machine: {machine()}. Round trips over one keep-alive connection to `digitnet serve` on
127.0.0.1 (uvicorn), each a 280×280 PNG drawing in a multipart upload; the answer holds
the probabilities, the 28×28 input and the hidden activations.

| measure | target | measured |
|---|---|---|
| POST /api/predict, median of {len(times)} | ≤ 50 ms | {statistics.median(times) * ms:.1f} ms |
| POST /api/predict, 95th percentile | | {percentile(times, 95) * ms:.1f} ms |
| inside: decode and preprocess (median) | | {pre * ms:.1f} ms |
| inside: forward pass, NumPy engine (median) | | {numpy_fwd * ms:.1f} ms |
| peer: forward pass of the same network in PyTorch, CPU (median) | | {torch_cell} |
"""
    write_section("bench_web", body)


if __name__ == "__main__":
    main()
