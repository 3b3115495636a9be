"""The page in a real browser: Playwright driving Debian's Chromium (headless) against
``digitnet serve``. Each tab's screenshot is kept in test-artifacts/web/."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium for the browser tests (apt-get install)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def start_server(models: Path, data_dir: Path, env: dict | None = None):
    """``digitnet serve --port 0`` in a subprocess: (process, URL)."""
    command = ["serve", "--port", "0", "--models-dir", str(models), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "digitnet", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        pytest.fail(f"the server did not start: {line}{proc.stderr.read()}")
    return proc, line.split("serving on ")[1].split()[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory, data_dir):
    proc, url = start_server(tmp_path_factory.mktemp("models"), data_dir)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str):
    """A new page on url, with a list that collects the page's script errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    sync_api.expect(page.locator("#model-name")).to_contain_text("model:")
    return context, page


@pytest.fixture
def page(browser, server):
    context, page = open_page(browser, server)
    yield page
    context.close()
    assert not page.errors, page.errors


def screenshot(page, name: str) -> Path:
    """Save the page; fail if it is blank (one colour, or nearly)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    grey = np.asarray(Image.open(path).convert("L"))
    assert grey.std() > 10 and len(np.unique(grey)) > 30, f"{path} looks blank"
    return path


def stroke(page, points) -> None:
    """One mouse stroke through points given in board pixels (0-280)."""
    box = page.locator("#board").bounding_box()
    sx, sy = box["width"] / 280, box["height"] / 280
    x0, y0 = points[0]
    page.mouse.move(box["x"] + x0 * sx, box["y"] + y0 * sy)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=2)
    page.mouse.up()


def test_draw_a_one_and_a_zero(page):
    expect = sync_api.expect
    stroke(page, [(150, 45 + 10 * i) for i in range(20)])
    expect(page.locator("#answer")).to_have_text("1")
    expect(page.locator("#bars .bar")).to_have_count(10)
    screenshot(page, "draw-1")
    page.click("#clear")
    expect(page.locator("#answer")).to_have_text("–")
    oval = [(140 + 55 * math.sin(t), 140 - 90 * math.cos(t))
            for t in np.linspace(0, 2 * math.pi * 1.05, 40)]  # fmt: skip
    stroke(page, oval)
    expect(page.locator("#answer")).to_have_text("0")
    screenshot(page, "draw-0")
    page.click("#undo")
    expect(page.locator("#answer")).to_have_text("–")


def test_read_a_line_of_digits(page, mnist, tmp_path):
    from digitnet.vision.synth import make_line

    images, labels = mnist["test"]
    # a line the reader gets right (it reads about 87% of such lines right: BENCHMARKS.md)
    line = make_line(images, labels, np.random.default_rng(3), digits=5, touching=0.0)
    path = tmp_path / "line.png"
    line.image.save(path)
    page.click("#tab-read")
    page.set_input_files("#file", str(path))
    sync_api.expect(page.locator("#read-text")).to_have_text(line.text, timeout=30_000)
    sync_api.expect(page.locator("#photo .box")).to_have_count(5)
    sync_api.expect(page.locator("#crops .crop")).to_have_count(5)
    screenshot(page, "read")


def test_inside_shows_weights_and_the_confusion_matrix(page):
    stroke(page, [(150, 45 + 10 * i) for i in range(20)])
    sync_api.expect(page.locator("#answer")).to_have_text("1")
    page.click("#tab-inside")
    sync_api.expect(page.locator("#weights canvas")).to_have_count(32)
    page.click("#evaluate")
    sync_api.expect(page.locator("#eval-summary")).to_contain_text("test images", timeout=60_000)
    sync_api.expect(page.locator("#confusion tr")).to_have_count(11)
    screenshot(page, "inside")


def test_train_watch_the_curve_and_use_the_result(page):
    expect = sync_api.expect
    page.click("#tab-train")
    page.fill("input[name=train_size]", "2000")
    page.fill("input[name=hidden]", "20")
    page.fill("input[name=epochs]", "1")
    page.click("#train-start")
    expect(page.locator("#train-state")).to_have_text("finished", timeout=120_000)
    points = int(page.locator("#curve").get_attribute("data-points"))
    assert points >= 10  # the curve grew point by point
    screenshot(page, "train")
    page.click("#train-save")
    expect(page.locator("#train-message")).to_contain_text("saved as web-run")
    expect(page.locator("#model-name")).to_contain_text("web-run")
    page.click("#tab-inside")
    expect(page.locator("#weights canvas")).to_have_count(20)  # the new model's 20 neurons


def test_a_failed_run_shows_its_reason_and_the_page_goes_on(browser, tmp_path, data_dir):
    """Fashion-MNIST cannot be found or downloaded: the run fails, the page says why,
    and the server still reads drawings."""
    if Path("/usr/share/datasets/fashion-mnist").exists():
        pytest.skip("a system copy of Fashion-MNIST would be found")
    only_mnist = tmp_path / "data"
    (only_mnist / "mnist").mkdir(parents=True)
    for f in (data_dir / "mnist").iterdir():
        (only_mnist / "mnist" / f.name).symlink_to(f)
    env = {"DIGITNET_CACHE": str(tmp_path / "cache"), "DIGITNET_MIRRORS": "http://127.0.0.1:9/"}
    proc, url = start_server(tmp_path / "models", only_mnist, env)
    try:
        context, page = open_page(browser, url)
        page.click("#tab-train")
        page.select_option("select[name=dataset]", "fashion-mnist")
        page.click("#train-start")
        sync_api.expect(page.locator("#train-state")).to_have_text("failed", timeout=60_000)
        sync_api.expect(page.locator("#train-error")).to_contain_text("fashion")
        screenshot(page, "train-failed")
        page.click("#tab-draw")
        stroke(page, [(150, 45 + 10 * i) for i in range(20)])
        sync_api.expect(page.locator("#answer")).to_have_text("1")
        context.close()
        assert not page.errors, page.errors
    finally:
        proc.terminate()
        proc.wait(timeout=30)
