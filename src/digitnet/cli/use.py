"""Using a trained model: ``digitnet evaluate`` and ``digitnet predict``."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitnet.cli.common import data_dir_option, engine_options, for_each_image
from digitnet.errors import DigitnetError


def scores_of(ckpt, x: np.ndarray, args: argparse.Namespace) -> np.ndarray:
    """Output activations (N, classes) for inputs x (N, inputs), in the chosen engine."""
    if args.engine == "torch":
        from digitnet import torch_backend

        return torch_backend.predict_proba(ckpt.model, ckpt.spec, x, args.device)
    return ckpt.model.predict_proba(x)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="test accuracy of a model, per digit")
    p.add_argument("model", type=Path)
    p.add_argument("--split", choices=["test", "validation", "train"], default="test")
    engine_options(p)
    data_dir_option(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="read single-digit images (PNG, JPEG, ...)")
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="[MODEL] IMAGE",
        help="a model file (default: the shipped reader), then one or more images",
    )
    p.add_argument("--model", type=Path, help="model file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    engine_options(p)
    p.set_defaults(func=cmd_predict)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data import load
    from digitnet.data.sources import dataset_info
    from digitnet.metrics import confusion_matrix, per_class_report
    from digitnet.train import as_inputs, predict

    ckpt = checkpoint.load(args.model)
    x, y = load(ckpt.dataset, args.split, args.data_dir)
    if x[0].size != ckpt.spec.input_size:
        raise DigitnetError(
            f"{args.model}: model expects {ckpt.spec.input_size} inputs, "
            f"{ckpt.dataset} has {x[0].size}"
        )
    if args.engine == "torch":
        predicted = scores_of(ckpt, as_inputs(x, ckpt.model.dtype), args).argmax(axis=1)
    else:
        predicted = predict(ckpt.model, x)
    cm = confusion_matrix(predicted, y)
    right = int(np.trace(cm))
    print(
        f"{args.model}: {ckpt.dataset} {args.split} accuracy: {right} / {len(y)} "
        f"({right / len(y):.2%})"
    )
    print(per_class_report(cm, dataset_info(ckpt.dataset).classes))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data.sources import dataset_info
    from digitnet.vision.preprocess import preprocess_file

    paths = list(args.paths)
    model_path = args.model
    if model_path is None and paths[0].suffix == ".safetensors":
        model_path = paths.pop(0)
    if not paths:
        raise DigitnetError("give one or more images after the model file")
    if model_path is None:
        from digitnet.vision.read import default_model_path

        model_path = default_model_path()  # the reader shipped in the package
    ckpt = checkpoint.load(model_path)
    if ckpt.spec.input_size != 784:
        raise DigitnetError(f"{model_path}: model takes {ckpt.spec.input_size} inputs, not 28x28")
    classes = dataset_info(ckpt.dataset).classes

    def handle(path: Path) -> tuple[dict, str]:
        x = preprocess_file(path).reshape(1, 784)
        scores = scores_of(ckpt, x, args)[0].astype(np.float64)
        share = scores / scores.sum() if scores.sum() > 0 else scores
        k = int(np.argmax(scores))
        record = {
            "digit": k,
            "label": classes[k],
            "confidence": round(float(share[k]), 4),
            "scores": [round(float(s), 4) for s in share],
        }
        return record, f"{path}: {classes[k]} (confidence {share[k]:.1%})"

    return for_each_image(paths, handle, args.json, "digit")
