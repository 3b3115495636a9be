"""The web API through FastAPI's test client: every endpoint and each bad request."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from webhelpers import digit_png, png, wait_for


def auth(client) -> dict:
    return {"X-Digitnet-Token": client.token}


# -- the page and its files ---------------------------------------------------------------


def test_index_carries_the_token_and_strict_headers(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert f'content="{client.token}"' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_static_files_come_only_from_the_list(client):
    assert client.get("/static/app.js").status_code == 200
    assert "javascript" in client.get("/static/app.js").headers["content-type"]
    for bad in ("/static/..%2fapp.py", "/static/%2e%2e%2f__init__.py", "/static/missing.js",
                "/static/../../pyproject.toml", "/static/.hidden"):  # fmt: skip
        assert client.get(bad).status_code == 404, bad


def test_the_static_list_skips_symlinks_and_folders(tmp_path):
    from digitnet.web.security import static_files

    (tmp_path / "ok.js").write_text("1")
    (tmp_path / "secret").symlink_to("/etc/hostname")
    (tmp_path / "sub").mkdir()
    assert list(static_files(tmp_path)) == ["ok.js"]


def test_no_wildcard_cors(client):
    r = client.options(
        "/api/predict",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers
    r = client.get("/api/model", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_other_host_names_are_refused_when_bound_to_loopback(app_factory):
    from fastapi.testclient import TestClient

    app = app_factory(allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/model").status_code == 200
        assert c.get("/api/model", headers={"Host": "evil.example"}).status_code == 400


# -- reading ----------------------------------------------------------------------------


def test_predict_reads_mnist_digits_drawn_as_pictures(client, mnist):
    images, labels = mnist["test"]
    right = 0
    for i in range(10):
        r = client.post(
            "/api/predict", files={"file": ("d.png", digit_png(images[i]), "image/png")}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["probabilities"]) == 10 and len(body["image"]) == 784
        assert abs(sum(body["probabilities"]) - 1) < 1e-3
        assert body["first_layer"]
        assert len(body["hidden"]) == 128  # the reader's last hidden layer, not its fold
        right += body["digit"] == labels[i]
    assert right >= 9


def test_predict_errors(client):
    blank = png(np.full((100, 100), 255, np.uint8))
    r = client.post("/api/predict", files={"file": ("b.png", blank, "image/png")})
    assert r.status_code == 422 and "no digit" in r.json()["detail"]
    r = client.post("/api/predict", files={"file": ("x.png", b"not an image at all", "image/png")})
    assert r.status_code == 415 and "not an image" in r.json()["detail"]
    whole = digit_png(np.eye(28, dtype=np.uint8) * 255)
    r = client.post(
        "/api/predict", files={"file": ("t.png", whole[: len(whole) // 2], "image/png")}
    )
    assert r.status_code == 400 and "broken" in r.json()["detail"]
    r = client.post("/api/predict", files={"file": ("e.png", b"", "image/png")})
    assert r.status_code in (400, 415)
    assert client.post("/api/predict").status_code == 422  # no file at all


def test_an_image_bomb_is_refused_before_decoding(client):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (12_000, 6_000)).save(buf, format="PNG")  # 72 megapixels, a few KB
    assert len(buf.getvalue()) < 200_000
    r = client.post("/api/predict", files={"file": ("bomb.png", buf.getvalue(), "image/png")})
    assert r.status_code == 400 and "too large" in r.json()["detail"]


def test_bodies_over_the_cap_get_413(app_factory):
    from fastapi.testclient import TestClient

    app = app_factory(max_body=50_000)
    with TestClient(app) as c:
        big = b"\0" * 60_000
        r = c.post("/api/predict", files={"file": ("big.png", big, "image/png")})
        assert r.status_code == 413 and "body over" in r.json()["detail"]

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"x" * 10_000

        r = c.post("/api/read", content=chunks(), headers={"Content-Type": "image/png"})
        assert r.status_code == 413


def test_read_a_generated_line(client, mnist):
    from digitnet.vision.synth import make_line

    images, labels = mnist["test"]
    line = make_line(images, labels, np.random.default_rng(3), digits=5, touching=0.0)
    buf = io.BytesIO()
    line.image.save(buf, format="PNG")
    r = client.post("/api/read", files={"file": ("line.png", buf.getvalue(), "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == line.text
    assert (body["width"], body["height"]) == line.image.size
    assert len(body["digits"]) == 5 and all(len(d["image"]) == 784 for d in body["digits"])
    assert all(d["box"][0] < d["box"][2] for d in body["digits"])
    r = client.post("/api/read", data={"threshold": "2"},
                    files={"file": ("line.png", buf.getvalue(), "image/png")})  # fmt: skip
    assert r.status_code == 422


# -- the model --------------------------------------------------------------------------


def test_model_info_weights_and_models(client):
    info = client.get("/api/model").json()
    assert info["name"] == "reader (shipped)" and info["classes"][3] == "3"
    assert info["parameters"] > 100_000 and info["layers"].startswith("784-c32k5")
    w = client.get("/api/model/weights").json()
    assert w["kind"] == "conv" and w["shape"] == [5, 5] and len(w["weights"]) == 32
    assert max(abs(v) for unit in w["weights"] for v in unit) == pytest.approx(1.0)
    assert client.get("/api/models").json() == {
        "models": ["reader (shipped)"],
        "current": "reader (shipped)",
    }


def test_evaluation_on_the_test_set(client):
    r = client.get("/api/model/evaluation").json()
    assert r["images"] == 10_000 and r["accuracy"] > 0.99
    cm = np.array(r["confusion"])
    assert cm.shape == (10, 10) and cm.sum() == 10_000
    assert np.trace(cm) == round(r["accuracy"] * 10_000)
    assert len(r["worst"]) == 12 and all(w["label"] != w["predicted"] for w in r["worst"])
    conf = [w["confidence"] for w in r["worst"]]
    assert conf == sorted(conf, reverse=True)


def test_evaluation_without_test_data_is_503(app_factory, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("DIGITNET_MIRRORS", "http://127.0.0.1:9/")  # nothing listens there
    app = app_factory(data_dir=str(tmp_path / "empty"))
    with TestClient(app) as c:
        r = c.get("/api/model/evaluation")
        assert r.status_code == 503 and "test data not available" in r.json()["detail"]


def test_select_needs_the_token_and_a_listed_name(client):
    r = client.post("/api/model/select", json={"name": "reader (shipped)"})
    assert r.status_code == 403
    r = client.post("/api/model/select", json={"name": "reader (shipped)"},
                    headers={"X-Digitnet-Token": "guess"})  # fmt: skip
    assert r.status_code == 403
    r = client.post("/api/model/select", json={"name": "../../etc/passwd"}, headers=auth(client))
    assert r.status_code == 404
    r = client.post("/api/model/select", json={"name": "reader (shipped)"}, headers=auth(client))
    assert r.status_code == 200 and r.json()["name"] == "reader (shipped)"


# -- training ---------------------------------------------------------------------------

SMALL = {"hidden": [10], "train_size": 1000, "epochs": 1, "learning_rate": 1.0}


def finished(client):
    status = client.get("/api/train/status").json()
    return status if status["state"] not in ("starting", "running", "paused") else None


def test_a_run_trains_reports_and_saves(client):
    assert client.post("/api/train", json=SMALL).status_code == 403
    r = client.post("/api/train", json=SMALL, headers=auth(client))
    assert r.status_code == 202 and r.json()["run_id"] == 1
    status = wait_for(lambda: finished(client))
    assert status["state"] == "finished", status
    assert len(status["points"]) >= 10 and status["points"][-1]["epoch"] == pytest.approx(1.0)
    assert status["epochs"][0]["accuracy"] > 0.7  # 1,000 images, one epoch
    assert client.post("/api/train/save").status_code == 403
    r = client.post("/api/train/save", headers=auth(client))
    assert r.status_code == 200, r.text
    name = r.json()["name"]
    assert (
        name.startswith("web-run1-784-10-10")
        and (client.app_.state.server.models_dir / name).exists()
    )
    assert client.get("/api/model").json()["name"] == name  # the page switched to it
    assert name in client.get("/api/models").json()["models"]
    assert client.get("/api/train/status").json()["saved_as"] == name
    second = client.post("/api/train/save", headers=auth(client)).json()["name"]
    assert second != name  # never overwrites


def test_a_second_run_while_one_runs_is_409(client):
    slow = dict(SMALL, train_size=50_000, epochs=5)
    assert client.post("/api/train", json=slow, headers=auth(client)).status_code == 202
    r = client.post("/api/train", json=SMALL, headers=auth(client))
    assert r.status_code == 409
    assert client.post("/api/train/save", headers=auth(client)).status_code == 409
    wait_for(lambda: client.get("/api/train/status").json()["state"] == "running")
    r = client.post("/api/train/pause", headers=auth(client))
    assert r.status_code == 200 and r.json()["state"] == "paused"
    assert client.post("/api/train/pause", headers=auth(client)).status_code == 409
    held = wait_for(lambda: (s := client.get("/api/train/status").json())["held"] and s)
    time.sleep(0.3)
    assert client.get("/api/train/status").json()["progress"] == held["progress"]  # it waits
    assert client.post("/api/train/resume", headers=auth(client)).json()["state"] == "running"
    assert client.post("/api/train/stop", headers=auth(client)).status_code == 200
    status = wait_for(lambda: finished(client))
    assert status["state"] == "stopped"
    assert client.post("/api/train/stop", headers=auth(client)).status_code == 409
    assert client.post("/api/train/resume", headers=auth(client)).status_code == 409


def test_a_failing_run_is_reported_and_the_server_lives_on(client, monkeypatch):
    from digitnet.web.trainer import Trainer

    def broken(self, settings):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(Trainer, "_train", broken)
    assert client.post("/api/train", json=SMALL, headers=auth(client)).status_code == 202
    status = wait_for(lambda: finished(client))
    assert status["state"] == "failed" and "the disk caught fire" in status["message"]
    assert client.get("/api/model").status_code == 200
    assert client.post("/api/train/save", headers=auth(client)).status_code == 409


@pytest.mark.parametrize(
    "bad",
    [
        {"hidden": [10, 10, 10, 10, 10]},
        {"hidden": [0]},
        {"learning_rate": -1},
        {"epochs": 0},
        {"dataset": "cifar"},
        {"activation": "swish"},
        {"train_size": 10},
    ],
)
def test_bad_settings_are_422(client, bad):
    r = client.post("/api/train", json=dict(SMALL, **bad), headers=auth(client))
    assert r.status_code == 422


def test_events_stream_the_run_until_it_ends(client):
    with client.stream("GET", "/api/train/events") as r:  # idle: one event, then the end
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert [e["state"] for e in events] == ["idle"]
    client.post("/api/train", json=dict(SMALL, train_size=5000), headers=auth(client))
    with client.stream("GET", "/api/train/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1]["state"] == "finished"
    counts = [len(e["points"]) for e in events]
    assert counts == sorted(counts) and counts[-1] > counts[0]  # the curve grew as it ran


def test_the_openapi_schema_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/predict", "/api/read", "/api/model", "/api/model/weights",
                 "/api/model/evaluation", "/api/models", "/api/model/select", "/api/train",
                 "/api/train/pause", "/api/train/resume", "/api/train/stop",
                 "/api/train/status", "/api/train/events", "/api/train/save"):  # fmt: skip
        assert path in paths, path
