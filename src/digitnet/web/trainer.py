"""Training runs for the web page: one at a time, in a background thread, that can be
paused, resumed and stopped, and that reports its curve as it goes.

The run trains with ``digitnet.train.fit``. About 50 times an epoch (``on_chunk``) it
measures the network on a fixed sample of validation images and adds a point to the
curve; the same hook waits while the run is paused and raises to stop it. Anything that
goes wrong inside the run ends it in state ``failed`` with the message: the server
keeps going.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from digitnet.errors import DigitnetError

CURVE_SAMPLE = 1000  # validation images measured for each point of the curve
MAX_POINTS = 2000  # a long run keeps every other point once it has this many
ACTIVE = ("starting", "running", "paused")


class BusyError(DigitnetError):
    """A run is already going."""


class StopRun(KeyboardInterrupt):
    """Raised in the training thread to stop it: fit treats it as Ctrl-C and keeps the
    best (or last) whole epoch."""


@dataclass
class RunSettings:
    """What the page's Train tab chooses."""

    dataset: str = "mnist"
    hidden: list[int] = field(default_factory=lambda: [30])
    activation: str = "sigmoid"
    cost: str = "cross-entropy"
    learning_rate: float = 0.5
    mini_batch_size: int = 10
    epochs: int = 1
    train_size: int = 10_000
    seed: int = 0


@dataclass
class RunState:
    run_id: int = 0
    state: str = "idle"  # idle, starting, running, paused, finished, stopped, failed
    settings: dict[str, Any] | None = None
    epoch: int = 0
    progress: float = 0.0  # epochs done, fractional
    points: list[dict[str, float]] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    message: str = ""
    saved_as: str | None = None
    held: bool = False  # paused and actually waiting (a pause takes hold at the next point)
    version: int = 0  # bumped on every change, for the event stream


class Trainer:
    """One training run at a time, in a thread; every method is safe to call from any
    thread."""

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir
        self.lock = threading.Condition()
        self.run = RunState()
        self.resume_event = threading.Event()
        self.stop_requested = False
        self.thread: threading.Thread | None = None
        self.result = None  # (model, spec, dataset) of the last run that ended with a model

    # -- controls ---------------------------------------------------------------------

    def start(self, settings: RunSettings) -> int:
        """Start a run; raises BusyError if one is going. Returns the run's id."""
        with self.lock:
            if self.run.state in ACTIVE:
                raise BusyError(f"run {self.run.run_id} is still {self.run.state}")
            self.run = RunState(run_id=self.run.run_id + 1, state="starting")
            self.run.settings = asdict(settings)
            self.stop_requested = False
            self.resume_event.set()
            self.result = None
            self._changed()
            run_id = self.run.run_id
        self.thread = threading.Thread(
            target=self._main, args=(settings, run_id), name=f"train-{run_id}", daemon=True
        )
        self.thread.start()
        return run_id

    def pause(self) -> None:
        with self.lock:
            if self.run.state != "running":
                raise DigitnetError(f"no running run to pause (state: {self.run.state})")
            self.resume_event.clear()
            self.run.state = "paused"
            self._changed()

    def resume(self) -> None:
        with self.lock:
            if self.run.state != "paused":
                raise DigitnetError(f"no paused run to resume (state: {self.run.state})")
            self.run.state = "running"
            self.resume_event.set()
            self._changed()

    def stop(self) -> None:
        with self.lock:
            if self.run.state not in ACTIVE:
                raise DigitnetError(f"no run to stop (state: {self.run.state})")
            self.stop_requested = True
            self.resume_event.set()  # a paused run wakes up to stop

    def status(self) -> dict[str, Any]:
        with self.lock:
            return asdict(self.run)

    def wait(self, version: int, timeout: float) -> dict[str, Any]:
        """The status once its version differs from ``version`` (or after ``timeout``)."""
        with self.lock:
            self.lock.wait_for(lambda: self.run.version != version, timeout)
            return asdict(self.run)

    def join(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def mark_saved(self, name: str) -> None:
        with self.lock:
            self.run.saved_as = name
            self._changed()

    # -- the run ------------------------------------------------------------------------

    def _changed(self) -> None:
        """Call with the lock held."""
        self.run.version += 1
        self.lock.notify_all()

    def _update(self, **values) -> None:
        with self.lock:
            for key, value in values.items():
                setattr(self.run, key, value)
            self._changed()

    def _main(self, settings: RunSettings, run_id: int) -> None:
        try:
            model, spec = self._train(settings)
        except StopRun:
            self._update(state="stopped", message="stopped before the end of the first epoch")
        except DigitnetError as e:
            self._update(state="failed", message=str(e))
        except Exception as e:  # a bug must not take the server down: report it
            traceback.print_exc()
            self._update(state="failed", message=f"{type(e).__name__}: {e}")
        else:
            with self.lock:
                self.result = (model, spec, settings.dataset)
                stopped = self.stop_requested
                self.run.state = "stopped" if stopped else "finished"
                last = self.run.epochs[-1] if self.run.epochs else None
                done = f"{last['accuracy']:.1%} on the validation images" if last else ""
                self.run.message = (
                    f"stopped; the model is its last whole epoch ({done})" if stopped else done
                )
                self._changed()

    def _train(self, settings: RunSettings):
        from digitnet.config import ModelSpec, TrainConfig
        from digitnet.data import load
        from digitnet.nn import build
        from digitnet.nn import losses as costs
        from digitnet.train import TrainingInterrupted, as_inputs, fit, measure

        x, labels = load(settings.dataset, "train", self.data_dir)
        val_x, val_labels = load(settings.dataset, "validation", self.data_dir)
        x, labels = x[: settings.train_size], labels[: settings.train_size]
        sample = (as_inputs(val_x[:CURVE_SAMPLE], np.float32), val_labels[:CURVE_SAMPLE])
        output = "softmax" if settings.cost == "log-likelihood" else "sigmoid"
        spec = ModelSpec.from_sizes([784, *settings.hidden, 10], settings.activation)
        spec.layers[-1]["activation"] = output
        spec.cost = settings.cost
        spec.init = "scaled-normal"
        spec.validate()
        config = TrainConfig(
            dataset=settings.dataset,
            epochs=settings.epochs,
            mini_batch_size=settings.mini_batch_size,
            learning_rate=settings.learning_rate,
            seed=settings.seed,
            keep="last",
            monitor_training=False,
        )
        config.validate()
        rng = np.random.default_rng(settings.seed)
        model = build(spec, rng, np.float32)
        cost = costs.get(spec.cost)
        started = time.perf_counter()

        def on_chunk(epoch: int, fraction: float) -> None:
            if self.stop_requested:
                raise StopRun
            value, right = measure(model, cost, *sample)
            point = {
                "epoch": epoch + fraction,
                "accuracy": right / len(sample[1]),
                "cost": value,
                "seconds": time.perf_counter() - started,
            }
            with self.lock:
                points = self.run.points
                points.append(point)
                if len(points) > MAX_POINTS:
                    self.run.points = points[::2]
                self.run.epoch, self.run.progress = epoch, epoch + fraction
                if self.run.state == "starting":
                    self.run.state = "running"
                self._changed()
            if not self.resume_event.is_set():
                self._update(held=True)
                self.resume_event.wait()
                self._update(held=False)
            if self.stop_requested:
                raise StopRun

        def on_epoch(record) -> None:
            with self.lock:
                self.run.epochs.append(
                    {"epoch": record.epoch, "accuracy": record.accuracy, "cost": record.cost}
                )
                self._changed()

        try:
            fit(
                model,
                cost,
                x,
                labels,
                config,
                rng,
                validation=(val_x, val_labels),
                on_epoch=on_epoch,
                progress=False,
                on_chunk=on_chunk,
            )
        except TrainingInterrupted as e:
            if e.history.kept_epoch < 0:
                raise StopRun from None
        return model, spec
