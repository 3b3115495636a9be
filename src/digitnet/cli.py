"""The ``digitnet`` command: thin wrappers over the library, one function per command.

Errors a user can cause end as one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from digitnet import __version__
from digitnet.errors import DigitnetError

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def sizes_list(text: str) -> list[int]:
    parts = text.replace(",", " ").replace("-", " ").split()
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be numbers like 784,30,10: {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"need two or more positive sizes: {text!r}")
    return sizes


def build_parser() -> Parser:
    from digitnet.data.sources import DATASETS

    parser = Parser(
        prog="digitnet",
        description="Neural networks that read handwritten digits (Nielsen's book, from scratch).",
    )
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    datasets = list(DATASETS)

    def data_dir_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir",
            metavar="DIR",
            help="folder with the IDX files (default: $DIGITNET_DATA, cache, system)",
        )

    p = sub.add_parser("data", help="show, verify or fetch the datasets")
    p.add_argument(
        "action",
        choices=["where", "check", "fetch"],
        help="where: show where files are; check: verify checksums; fetch: download",
    )
    p.add_argument("--dataset", choices=[*datasets, "all"], default="all")
    data_dir_option(p)
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train a network (default: the book's chapter 1 run)")
    p.add_argument(
        "--sizes",
        type=sizes_list,
        default=[784, 30, 10],
        help="neurons per layer (default: 784,30,10)",
    )
    p.add_argument("--epochs", type=positive_int, default=30)
    p.add_argument("--mini-batch-size", type=positive_int, default=10)
    p.add_argument("--eta", type=positive_float, default=3.0, help="learning rate η (default: 3.0)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dataset", choices=datasets, default="mnist")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        help="train on the first N training images only (quick runs)",
    )
    p.add_argument(
        "--out", type=Path, help="model file (default: models/DATASET-SIZES.safetensors)"
    )
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "--keep",
        choices=["best", "last"],
        default="best",
        help="save the epoch with the best validation accuracy (default) or the last one",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    data_dir_option(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="test accuracy of a model, per digit")
    p.add_argument("model", type=Path)
    p.add_argument("--split", choices=["test", "validation", "train"], default="test")
    data_dir_option(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="read single-digit images (PNG, JPEG, ...)")
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="[MODEL] IMAGE",
        help="a model file (unless --model is given), then one or more images",
    )
    p.add_argument("--model", type=Path, help="model file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``digitnet`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except DigitnetError as e:
        print(f"digitnet: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("digitnet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR


# --- data -----------------------------------------------------------------------------


def cmd_data(args: argparse.Namespace) -> int:
    from digitnet.data import sources

    names = list(sources.DATASETS) if args.dataset == "all" else [args.dataset]
    status = 0
    for name in names:
        info = sources.dataset_info(name)
        if args.action == "fetch":
            files = sources.obtain(name, None, args.data_dir)
            for role, (path, _) in files.items():
                print(f"{name} {role}: {path} (verified)")
            continue
        dirs = sources.search_dirs(info, args.data_dir)
        if args.action == "where":
            print(f"{name}: looked for in " + ", ".join(str(d) for d in dirs))
        for role, f in info.files.items():
            found = [p for d in dirs for p in sources.candidates(d, f)]
            if args.action == "where":
                print(f"  {f.name}: {found[0] if found else 'missing'}")
                continue
            ok = None
            for path in found:
                try:
                    sources.verify(path, f)
                    ok = path
                    break
                except DigitnetError as e:
                    print(f"{name} {role}: BAD {e}")
            if ok:
                print(f"{name} {role}: ok {ok}")
            else:
                print(f"{name} {role}: missing (sha256 {f.sha256})")
                status = EXIT_ERROR
    return status


# --- train / evaluate -----------------------------------------------------------------


def cmd_train(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.config import ModelSpec, TrainConfig
    from digitnet.data import load_all
    from digitnet.nn import build, losses
    from digitnet.train import evaluate, fit

    spec = ModelSpec.from_sizes(args.sizes)
    config = TrainConfig(
        dataset=args.dataset,
        epochs=args.epochs,
        mini_batch_size=args.mini_batch_size,
        learning_rate=args.eta,
        seed=args.seed,
        dtype=args.dtype,
    )
    config.validate()
    out = (
        args.out or Path("models") / f"{args.dataset}-{'-'.join(map(str, args.sizes))}.safetensors"
    )
    if out.exists() and not args.force:
        raise DigitnetError(f"{out}: already exists; pass --force to overwrite or choose --out")
    if out.is_dir():
        raise DigitnetError(f"{out}: is a directory")

    data = load_all(args.dataset, args.data_dir)
    (xtr, ytr), (xva, yva), (xte, yte) = data["train"], data["validation"], data["test"]
    if args.limit:
        xtr, ytr = xtr[: args.limit], ytr[: args.limit]
    if spec.input_size != xtr[0].size or spec.sizes[-1] != 10:
        raise DigitnetError(
            f"--sizes must start with {xtr[0].size} and end with 10, got {args.sizes}"
        )
    dtype = np.dtype(config.dtype)
    rng = np.random.default_rng(config.seed)
    model = build(spec, rng, dtype)
    cost = losses.get(spec.cost)
    print(
        f"Training {'-'.join(map(str, spec.sizes))} on {len(xtr)} {args.dataset} images: "
        f"{config.epochs} epochs, mini-batch {config.mini_batch_size}, η = {config.learning_rate}"
    )

    def report(record) -> None:
        print(f"Epoch {record.epoch}: {record.correct} / {record.total}", flush=True)

    start = time.perf_counter()
    try:
        history = fit(
            model,
            cost,
            xtr,
            ytr,
            config.epochs,
            config.mini_batch_size,
            config.learning_rate,
            rng,
            validation=(xva, yva),
            on_epoch=report,
            progress=None if not args.quiet else False,
            keep_best=args.keep == "best",
        )
    except KeyboardInterrupt:
        partial = out.with_name(out.stem + ".interrupted.safetensors")
        checkpoint.save(
            partial, model, spec, {"config": config.to_dict(), "interrupted": True}, args.dataset
        )
        print(f"digitnet: interrupted; the model as it was is saved in {partial}", file=sys.stderr)
        return EXIT_INTERRUPTED
    seconds = time.perf_counter() - start
    correct = evaluate(model, xte, yte)
    kept = history.epochs[history.kept_epoch]
    print(f"Kept epoch {kept.epoch} ({args.keep}: {kept.correct} / {kept.total} on validation)")
    print(
        f"Test accuracy: {correct} / {len(yte)} ({correct / len(yte):.2%}); "
        f"trained in {seconds:.1f} s ({history.engine})"
    )
    training = {
        "config": config.to_dict(),
        "history": history.to_dict(),
        "test_accuracy": correct / len(yte),
        "train_size": len(xtr),
    }
    checkpoint.save(out, model, spec, training, args.dataset)
    print(f"Saved {out}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data import load
    from digitnet.data.sources import dataset_info
    from digitnet.metrics import confusion_matrix, per_class_report
    from digitnet.train import predict

    ckpt = checkpoint.load(args.model)
    x, y = load(ckpt.dataset, args.split, args.data_dir)
    if x[0].size != ckpt.spec.input_size:
        raise DigitnetError(
            f"{args.model}: model expects {ckpt.spec.input_size} inputs, "
            f"{ckpt.dataset} has {x[0].size}"
        )
    predicted = predict(ckpt.model, x)
    cm = confusion_matrix(predicted, y)
    right = int(np.trace(cm))
    print(
        f"{args.model}: {ckpt.dataset} {args.split} accuracy: {right} / {len(y)} "
        f"({right / len(y):.2%})"
    )
    print(per_class_report(cm, dataset_info(ckpt.dataset).classes))
    return 0


# --- predict --------------------------------------------------------------------------


def cmd_predict(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data.sources import dataset_info
    from digitnet.vision.preprocess import NoDigitError, preprocess_file

    paths = list(args.paths)
    model_path = args.model
    if model_path is None:
        if len(paths) < 2 or paths[0].suffix != ".safetensors":
            raise DigitnetError("give a model file first (or --model FILE), then images")
        model_path = paths.pop(0)
    ckpt = checkpoint.load(model_path)
    if ckpt.spec.input_size != 784:
        raise DigitnetError(f"{model_path}: model takes {ckpt.spec.input_size} inputs, not 28x28")
    classes = dataset_info(ckpt.dataset).classes
    results, status = [], 0
    for path in paths:
        try:
            x = preprocess_file(path).reshape(1, 784)
        except NoDigitError as e:
            results.append({"file": str(path), "digit": None, "error": "no digit found"})
            print(e, file=sys.stderr if args.json else sys.stdout)
            status = EXIT_ERROR
            continue
        except DigitnetError as e:
            results.append({"file": str(path), "digit": None, "error": str(e)})
            print(f"digitnet: error: {e}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        scores = ckpt.model.predict_proba(x)[0].astype(np.float64)
        share = scores / scores.sum() if scores.sum() > 0 else scores
        k = int(np.argmax(scores))
        results.append(
            {
                "file": str(path),
                "digit": k,
                "label": classes[k],
                "confidence": round(float(share[k]), 4),
                "scores": [round(float(s), 4) for s in share],
            }
        )
        if not args.json:
            print(f"{path}: {classes[k]} (confidence {share[k]:.1%})")
    if args.json:
        print(json.dumps(results, indent=2))
    return status
