"""The local web app behind ``digitnet serve``: a JSON API under /api/ and the page that
uses it (``static/``). ``create_app`` builds it; the CLI runs it with uvicorn.

Every request that changes the server's state (training, saving, switching models)
needs the header ``X-Digitnet-Token`` with the token made when the server started; the
page gets it inside index.html. Other sites cannot read it, so they cannot drive the
server from a user's browser.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse

from digitnet import __version__
from digitnet.errors import DigitnetError
from digitnet.web import security
from digitnet.web.schemas import (
    ModelInfo,
    Prediction,
    ReadDigit,
    Reading,
    Saved,
    Select,
    Started,
    TrainSettings,
)
from digitnet.web.trainer import ACTIVE, BusyError, RunSettings, Trainer

SHIPPED = "reader (shipped)"


@dataclass
class Loaded:
    """The model the page is using."""

    name: str
    ckpt: Any


class Server:
    """What the app holds: the model in use, the trainer, the token, cached evaluations."""

    def __init__(self, model_path: Path | None, models_dir: Path, data_dir: str | None) -> None:
        from digitnet.vision.read import default_model_path

        self.shipped = default_model_path()
        self.models_dir = models_dir
        self.data_dir = data_dir
        self.token = secrets.token_urlsafe(24)
        self.trainer = Trainer(data_dir)
        self.lock = threading.Lock()
        self.evaluations: dict[str, dict] = {}
        name = model_path.name if model_path else SHIPPED
        self.current = self.load(name, model_path or self.shipped)

    def load(self, name: str, path: Path) -> Loaded:
        from digitnet.vision.read import load_reader

        return Loaded(name, load_reader(path))

    def model(self) -> Loaded:
        with self.lock:
            return self.current

    def use(self, loaded: Loaded) -> None:
        with self.lock:
            self.current = loaded
            self.evaluations.pop(loaded.name, None)

    def saved_models(self) -> dict[str, Path]:
        """Models the page may switch to: the shipped reader and the models folder's."""
        found = {SHIPPED: self.shipped}
        if self.models_dir.is_dir():
            for p in sorted(self.models_dir.glob("*.safetensors")):
                if p.is_file() and not p.is_symlink():
                    found[p.name] = p
        return found


def image_error(e: DigitnetError) -> HTTPException:
    """400 for a broken or oversized image, 415 for something that is not an image."""
    text = str(e)
    return HTTPException(415 if "not an image" in text else 400, text)


def create_app(
    model_path: Path | None = None,
    models_dir: Path = Path("models"),
    data_dir: str | None = None,
    allowed_hosts: list[str] | None = None,
    max_body: int = security.MAX_BODY,
) -> FastAPI:
    """The app. ``allowed_hosts`` guards against DNS rebinding (None: any Host)."""
    server = Server(model_path, models_dir, data_dir)
    files = security.static_files()
    app = FastAPI(
        title="digitnet",
        version=__version__,
        description="Read handwritten digits and look inside the network.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.server = server
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(security.BodyLimit, limit=max_body)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = security.CSP
        return response

    @app.exception_handler(DigitnetError)
    async def digitnet_error(request: Request, e: DigitnetError):
        return JSONResponse({"detail": str(e)}, status_code=400)

    def require_token(x_digitnet_token: Annotated[str | None, Header()] = None) -> None:
        if not security.token_ok(server.token, x_digitnet_token):
            raise HTTPException(403, "missing or wrong X-Digitnet-Token (reload the page)")

    Token = Depends(require_token)

    # -- the page ---------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        html = files["index.html"].read_text(encoding="utf-8").replace("{{TOKEN}}", server.token)
        return Response(html, media_type=security.CONTENT_TYPES[".html"],
                        headers={"Cache-Control": "no-store"})  # fmt: skip

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        path = files.get(name)
        if path is None:
            raise HTTPException(404, "no such file")
        media = security.CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return Response(path.read_bytes(), media_type=media)

    # -- reading ----------------------------------------------------------------------

    @app.post("/api/predict", response_model=Prediction)
    def predict(file: Annotated[UploadFile, File(description="an image of one digit")]):
        """Read one digit: the answer, every class's probability, the 28×28 image the
        network saw and what its neurons did."""
        from digitnet.data.sources import dataset_info
        from digitnet.vision.preprocess import NoDigitError, open_image_bytes, preprocess_image
        from digitnet.web.insight import look

        loaded = server.model()
        try:
            img = open_image_bytes(file.file.read(), file.filename or "upload")
            x = preprocess_image(img).reshape(784)
        except NoDigitError:
            raise HTTPException(422, "no digit found: draw or upload a digit") from None
        except DigitnetError as e:
            raise image_error(e) from None
        seen = look(loaded.ckpt.model, x)
        probs = seen["probabilities"]
        k = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(
            digit=k,
            label=dataset_info(loaded.ckpt.dataset).classes[k],
            confidence=probs[k],
            image=[round(float(v), 3) for v in x],
            **seen,
        )

    @app.post("/api/read", response_model=Reading)
    def read(
        file: Annotated[UploadFile, File(description="a photo or scan of a number")],
        threshold: Annotated[float, Form(ge=0, le=1)] = 0.5,
    ):
        """Read a whole number: the string, each digit's box, crop and confidence."""
        from digitnet.vision.preprocess import NoDigitError, open_image_bytes
        from digitnet.vision.read import read_image

        loaded = server.model()
        try:
            img = open_image_bytes(file.file.read(), file.filename or "upload")
            reading = read_image(img, loaded.ckpt.model, threshold)
        except NoDigitError:
            raise HTTPException(422, "no digits found in the image") from None
        except DigitnetError as e:
            raise image_error(e) from None
        digits = [
            ReadDigit(
                label=d.label,
                confidence=round(float(d.confidence), 4),
                box=[int(v) for v in d.box],
                image=[round(float(v), 3) for v in d.image.ravel()],
            )
            for d in reading.digits
        ]
        return Reading(text=reading.text, width=img.width, height=img.height, digits=digits)

    # -- the model --------------------------------------------------------------------

    @app.get("/api/model", response_model=ModelInfo)
    def model_info():
        """The model in use."""
        from digitnet.data.sources import dataset_info

        loaded = server.model()
        ckpt = loaded.ckpt
        kind = type(ckpt.model.layers[0]).__name__
        return ModelInfo(
            name=loaded.name,
            dataset=ckpt.dataset,
            classes=list(dataset_info(ckpt.dataset).classes),
            layers=ckpt.spec.short_name,
            parameters=int(sum(p.size for p in ckpt.model.parameters().values())),
            test_accuracy=ckpt.training.get("test_accuracy"),
            first_layer=kind,
        )

    @app.get("/api/model/weights")
    def weights() -> dict[str, Any]:
        """The first layer's units as images (what each neuron looks for)."""
        from digitnet.web.insight import first_layer

        return first_layer(server.model().ckpt.model)

    @app.get("/api/model/evaluation")
    def evaluation() -> dict[str, Any]:
        """Test accuracy, confusion matrix and the worst errors of the model in use."""
        from digitnet.data import load
        from digitnet.web.insight import evaluation as evaluate

        loaded = server.model()
        cached = server.evaluations.get(loaded.name)
        if cached is not None:
            return cached
        try:
            images, labels = load(loaded.ckpt.dataset, "test", server.data_dir)
        except DigitnetError as e:
            raise HTTPException(503, f"test data not available: {e}") from None
        result = evaluate(loaded.ckpt.model, images, labels)
        server.evaluations[loaded.name] = result
        return result

    @app.get("/api/models")
    def models() -> dict[str, Any]:
        """The models the page can switch to, and the one in use."""
        return {"models": list(server.saved_models()), "current": server.model().name}

    @app.post("/api/model/select", response_model=ModelInfo, dependencies=[Token])
    def select(choice: Select):
        """Switch to another model (a name from /api/models)."""
        path = server.saved_models().get(choice.name)
        if path is None:
            raise HTTPException(404, f"no model called {choice.name!r}")
        server.use(server.load(choice.name, path))
        return model_info()

    # -- training ---------------------------------------------------------------------

    @app.post("/api/train", response_model=Started, status_code=202, dependencies=[Token])
    def train_start(settings: TrainSettings):
        """Start a training run in the background; 409 while another is going."""
        try:
            return Started(run_id=server.trainer.start(RunSettings(**settings.model_dump())))
        except BusyError as e:
            raise HTTPException(409, str(e)) from None

    def control(action) -> dict[str, Any]:
        try:
            action()
        except DigitnetError as e:
            raise HTTPException(409, str(e)) from None
        return server.trainer.status()

    @app.post("/api/train/pause", dependencies=[Token])
    def train_pause() -> dict[str, Any]:
        return control(server.trainer.pause)

    @app.post("/api/train/resume", dependencies=[Token])
    def train_resume() -> dict[str, Any]:
        return control(server.trainer.resume)

    @app.post("/api/train/stop", dependencies=[Token])
    def train_stop() -> dict[str, Any]:
        return control(server.trainer.stop)

    @app.get("/api/train/status")
    def train_status() -> dict[str, Any]:
        """The run's state, its curve so far and its message."""
        return server.trainer.status()

    @app.get("/api/train/events")
    def train_events() -> StreamingResponse:
        """Server-sent events: the status each time it changes, until the run ends."""

        def stream() -> Iterator[str]:
            status = server.trainer.status()
            yield f"data: {json.dumps(status)}\n\n"
            while status["state"] in ACTIVE:
                status = server.trainer.wait(status["version"], timeout=10.0)
                yield f"data: {json.dumps(status)}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})  # fmt: skip

    @app.post("/api/train/save", response_model=Saved, dependencies=[Token])
    def train_save():
        """Save the last run's model into the models folder and switch the page to it."""
        from digitnet import checkpoint

        result = server.trainer.result
        status = server.trainer.status()
        if result is None:
            raise HTTPException(409, "no trained model to save (finish or stop a run first)")
        model, spec, dataset = result
        try:
            server.models_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HTTPException(500, f"{server.models_dir}: cannot create ({e.strerror})") from None
        stem = f"web-run{status['run_id']}-{spec.short_name}"
        path = server.models_dir / f"{stem}.safetensors"
        n = 1
        while path.exists():  # never overwrite a model
            n += 1
            path = server.models_dir / f"{stem}-{n}.safetensors"
        points = status["epochs"]
        training = {"source": "digitnet serve", "settings": status["settings"], "epochs": points}
        try:
            checkpoint.save(path, model, spec, training, dataset)
        except DigitnetError as e:  # the server's disk, not the request, is at fault
            raise HTTPException(500, str(e)) from None
        server.use(server.load(path.name, path))
        server.trainer.mark_saved(path.name)
        return Saved(name=path.name, path=str(path))

    return app
