"""``digitnet serve`` from the command line: the URL, the warning, one-line errors."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from digitnet import cli


def test_a_taken_port_is_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        status = cli.main(["serve", "--port", str(port)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1 and f"cannot listen on 127.0.0.1:{port}" in err[0]


def test_a_bad_port_is_one_line(capsys):
    assert cli.main(["serve", "--port", "70000"]) == 1
    assert "port must be 0-65535" in capsys.readouterr().err


def test_without_fastapi_it_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    assert cli.main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "digitnet[web]" in err[0]


def test_a_missing_model_is_one_line(capsys, tmp_path):
    assert cli.main(["serve", "--port", "0", "--model", str(tmp_path / "nope.safetensors")]) == 1
    assert "nope.safetensors" in capsys.readouterr().err


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_it_prints_the_url_and_warns_off_loopback(tmp_path, host, warned):
    command = ["serve", "--port", "0", "--host", host, "--models-dir", str(tmp_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "digitnet", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("digitnet is serving on http://127.0.0.1:")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert ("warning: listening on 0.0.0.0" in err) == warned


def test_the_listening_socket_sends_small_answers_at_once():
    """TCP_NODELAY, inherited by each connection: no 40 ms wait on keep-alive answers."""
    from digitnet.cli.serve import listen

    with listen("127.0.0.1", 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
