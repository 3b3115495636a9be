"""Using a trained model: ``digitnet evaluate`` and ``digitnet predict``."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitnet.cli.common import data_dir_option, engine_options, for_each_image, stall_note
from digitnet.errors import DigitnetError


def scores_of(ckpt, x: np.ndarray, args: argparse.Namespace) -> np.ndarray:
    """Output activations (N, classes) for inputs x (N, inputs), in the chosen engine."""
    if args.engine == "torch":
        from digitnet import torch_backend

        return torch_backend.predict_proba(ckpt.model, ckpt.spec, x, args.device)
    return ckpt.model.predict_proba(x)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="test accuracy of a model, per digit (of several: each, then their majority vote)",
    )
    p.add_argument("models", nargs="+", type=Path, metavar="model")
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
        help="a model file (default: the shipped readers, read together), then one or more images",
    )
    p.add_argument("--model", type=Path, help="model file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    engine_options(p)
    p.set_defaults(func=cmd_predict)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data import load
    from digitnet.data.sources import dataset_info
    from digitnet.metrics import confusion_matrix, per_class_recall, per_class_report
    from digitnet.reproduce import majority_vote
    from digitnet.train import as_inputs

    ckpts = [checkpoint.load(path) for path in args.models]
    first = ckpts[0]
    for path, ckpt in zip(args.models, ckpts, strict=True):
        if (ckpt.dataset, ckpt.spec.input_size) != (first.dataset, first.spec.input_size):
            raise DigitnetError(
                f"{path}: a {ckpt.dataset} model of {ckpt.spec.input_size} inputs cannot vote "
                f"beside {args.models[0]} ({first.dataset}, {first.spec.input_size} inputs)"
            )
    x, y = load(first.dataset, args.split, args.data_dir)
    if x[0].size != first.spec.input_size:
        raise DigitnetError(
            f"{args.models[0]}: model expects {first.spec.input_size} inputs, "
            f"{first.dataset} has {x[0].size}"
        )
    scores = [scores_of(ckpt, as_inputs(x, ckpt.model.dtype), args) for ckpt in ckpts]
    for path, s in zip(args.models, scores, strict=True):
        right = int((s.argmax(axis=1) == y).sum())
        print(
            f"{path}: {first.dataset} {args.split} accuracy: {right} / {len(y)} "
            f"({right / len(y):.2%})"
        )
    predicted = scores[0].argmax(axis=1)
    if len(scores) > 1:  # each model's digit is a vote; ties go to the larger summed output
        predicted = majority_vote(scores)
        right = int((predicted == y).sum())
        print(
            f"a vote of {len(scores)} models: {first.dataset} {args.split} accuracy: "
            f"{right} / {len(y)} ({right / len(y):.2%})"
        )
    names = dataset_info(first.dataset).classes
    print(per_class_report(confusion_matrix(predicted, y), names))
    if len(ckpts) == 1:
        note = stall_note(per_class_recall(predicted, y), names, first.spec, args.split)
        if note:
            print(note)
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
    if model_path is None:  # the readers shipped in the package, their outputs' mean
        from digitnet.vision.read import default_model_paths

        ckpts = [checkpoint.load(p) for p in default_model_paths()]
    else:
        ckpts = [checkpoint.load(model_path)]
    ckpt = ckpts[0]
    if ckpt.spec.input_size != 784:
        raise DigitnetError(f"{model_path}: model takes {ckpt.spec.input_size} inputs, not 28x28")
    classes = dataset_info(ckpt.dataset).classes

    def handle(path: Path) -> tuple[dict, str]:
        x = preprocess_file(path).reshape(1, 784)
        scores = np.mean([scores_of(c, x, args)[0] for c in ckpts], axis=0).astype(np.float64)
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
