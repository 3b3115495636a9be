"""Finding, downloading and verifying dataset files, against a local HTTP server."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from digitnet.data import sources
from digitnet.data.sources import DataFile, DatasetInfo, download, obtain
from digitnet.errors import DigitnetError
from digitnet.progress import Bar

CONTENT = b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03"  # a tiny IDX label file
GOOD = gzip.compress(CONTENT)
FILE = DataFile("t10k-labels-idx1-ubyte", hashlib.sha256(CONTENT).hexdigest())


class Handler(http.server.BaseHTTPRequestHandler):
    """/missing/* 404s; /good/* serves GOOD; /cut/* stops half-way; /wrong/* serves other bytes."""

    def do_GET(self):
        kind = self.path.strip("/").split("/")[0]
        if kind == "missing":
            self.send_error(404)
            return
        body = gzip.compress(b"not the right content") if kind == "wrong" else GOOD
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if kind == "cut" else body)
        self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_first_mirror_404_second_serves(server, tmp_path):
    path, data = download(FILE, [f"{server}/missing/", f"{server}/good/"], tmp_path)
    assert path == tmp_path / "t10k-labels-idx1-ubyte.gz"
    assert data == CONTENT
    assert leftovers(tmp_path) == ["t10k-labels-idx1-ubyte.gz"]


def test_cut_off_transfer_leaves_no_file(server, tmp_path):
    with pytest.raises(DigitnetError, match="cut short"):
        download(FILE, [f"{server}/cut/"], tmp_path)
    assert leftovers(tmp_path) == []


def test_wrong_bytes_are_rejected(server, tmp_path):
    with pytest.raises(DigitnetError, match="checksum mismatch"):
        download(FILE, [f"{server}/wrong/"], tmp_path)
    assert leftovers(tmp_path) == []


def test_interrupted_download_leaves_no_file(server, tmp_path, monkeypatch):
    def interrupt(self, done):
        raise KeyboardInterrupt

    monkeypatch.setattr(Bar, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        download(FILE, [f"{server}/good/"], tmp_path)
    assert leftovers(tmp_path) == []


def fake_dataset(mirrors: tuple[str, ...], system_dir: Path) -> DatasetInfo:
    files = {
        role: DataFile(name, FILE.sha256)
        for role, name in [
            ("train-images", "train-images-idx3-ubyte"),
            ("train-labels", "train-labels-idx1-ubyte"),
            ("test-images", "t10k-images-idx3-ubyte"),
            ("test-labels", "t10k-labels-idx1-ubyte"),
        ]
    }
    return DatasetInfo("fake", files, mirrors, (str(system_dir),), tuple("0123456789"))


def test_search_order_and_download_into_cache(server, tmp_path, monkeypatch):
    data_dir, system = tmp_path / "data", tmp_path / "system"
    data_dir.mkdir()
    system.mkdir()
    monkeypatch.setitem(sources.DATASETS, "fake", fake_dataset((f"{server}/good/",), system))
    # 1. a system copy is found when nothing else is there
    (system / "t10k-labels-idx1-ubyte").write_bytes(CONTENT)
    ((path, _),) = obtain("fake", ["test-labels"], data_dir).values()
    assert path == system / "t10k-labels-idx1-ubyte"
    # 2. the data dir comes first
    (data_dir / "t10k-labels-idx1-ubyte.gz").write_bytes(GOOD)
    ((path, _),) = obtain("fake", ["test-labels"], data_dir).values()
    assert path == data_dir / "t10k-labels-idx1-ubyte.gz"
    # 3. a corrupt file anywhere is skipped, and a missing one is downloaded into the cache
    (data_dir / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    (system / "t10k-labels-idx1-ubyte").unlink()
    ((path, data),) = obtain("fake", ["test-labels"], data_dir).values()
    assert path == sources.cache_dir() / "fake" / "t10k-labels-idx1-ubyte.gz"
    assert data == CONTENT
    assert (data_dir / "t10k-labels-idx1-ubyte.gz").read_bytes() == b"garbage"  # not touched


def test_offline_and_nothing_found_names_all_four_files(tmp_path, monkeypatch):
    dead = "http://127.0.0.1:9/"  # the discard port: nothing listens
    monkeypatch.setitem(sources.DATASETS, "fake", fake_dataset((dead,), tmp_path / "none"))
    with pytest.raises(DigitnetError) as info:
        obtain("fake", ["train-images", "train-labels"], tmp_path)
    message = str(info.value)
    assert "\n" not in message
    for f in sources.DATASETS["fake"].files.values():
        assert f.name in message
    assert FILE.sha256 in message
    assert "DIGITNET_DATA" in message


def test_unknown_dataset():
    with pytest.raises(DigitnetError, match="unknown dataset"):
        obtain("cifar")
