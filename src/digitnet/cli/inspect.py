"""Looking at models: ``digitnet summary`` and ``digitnet plot``."""

from __future__ import annotations

import argparse
from pathlib import Path

from digitnet.cli.common import data_dir_option
from digitnet.errors import DigitnetError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="layers, output shapes and parameter counts")
    p.add_argument("path", type=Path, metavar="MODEL|SPEC", help="a model file or a JSON spec")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("plot", help="PNG figures of a model: curves, confusion, mistakes, weights")
    p.add_argument("model", type=Path)
    p.add_argument("--out", type=Path, help="folder for the PNGs (default: MODEL-plots/)")
    data_dir_option(p)
    p.set_defaults(func=cmd_plot)


def load_spec_or_model(path: Path):
    """(spec, checkpoint or None) from a model file or a JSON spec file."""
    from digitnet import checkpoint
    from digitnet.cli.train import load_spec

    if path.suffix == ".json":
        return load_spec(path), None
    ckpt = checkpoint.load(path)
    return ckpt.spec, ckpt


def cmd_summary(args: argparse.Namespace) -> int:
    from digitnet.summary import summarize

    if not args.path.exists():
        raise DigitnetError(f"{args.path}: no such file")
    spec, ckpt = load_spec_or_model(args.path)
    print(summarize(spec))
    if ckpt is not None:
        acc = ckpt.training.get("test_accuracy")
        trained = f"; test accuracy {acc:.2%}" if acc is not None else ""
        print(f"Trained on {ckpt.dataset}{trained}; digitnet {ckpt.version}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from digitnet import checkpoint, plots
    from digitnet.data import load
    from digitnet.data.sources import dataset_info
    from digitnet.metrics import confusion_matrix
    from digitnet.nn.layers import Dense
    from digitnet.train import as_inputs

    plots.pyplot()  # say which extra is missing before any work
    ckpt = checkpoint.load(args.model)
    out = args.out or args.model.with_name(args.model.name.removesuffix(".safetensors") + "-plots")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DigitnetError(f"{out}: cannot create ({e.strerror or e})") from None
    written = []
    history = ckpt.training.get("history")
    if history and history.get("epochs"):
        written += plots.curves(history, out)
    images, labels = load(ckpt.dataset, "test", args.data_dir)
    scores = ckpt.model.predict_proba(as_inputs(images, ckpt.model.dtype))
    classes = dataset_info(ckpt.dataset).classes
    written.append(plots.confusion(confusion_matrix(scores.argmax(axis=1), labels), classes, out))
    written.append(plots.mistakes(images, labels, scores, classes, out))
    first = ckpt.model.layers[0]
    if isinstance(first, Dense):
        written.append(plots.first_layer_weights(first.weight, out))
    for path in written:
        print(path)
    return 0
