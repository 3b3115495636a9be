"""Fixtures for the web app: skip cleanly where FastAPI is not installed."""

from __future__ import annotations

import contextlib

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


@pytest.fixture
def app_factory(tmp_path, data_dir):
    from digitnet.web.app import create_app

    made = []

    def make(**kwargs):
        kwargs.setdefault("models_dir", tmp_path / "models")
        kwargs.setdefault("data_dir", str(data_dir))
        app = create_app(**kwargs)
        made.append(app)
        return app

    yield make
    for app in made:  # no training thread outlives its test
        trainer = app.state.server.trainer
        with contextlib.suppress(Exception):  # not running: nothing to stop
            trainer.stop()
        trainer.join(timeout=60)


@pytest.fixture
def client(app_factory):
    from fastapi.testclient import TestClient

    app = app_factory()
    with TestClient(app) as c:
        c.token = app.state.server.token
        c.app_ = app
        yield c
