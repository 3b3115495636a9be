"""``digitnet train``: flags (or a spec file) -> ModelSpec + TrainConfig -> a model file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from digitnet.cli.common import (
    EXIT_INTERRUPTED,
    data_dir_option,
    dataset_names,
    engine_options,
    non_negative_float,
    positive_float,
    positive_int,
    sizes_list,
    stall_note,
)
from digitnet.config import ModelSpec, TrainConfig
from digitnet.errors import DigitnetError
from digitnet.train import DivergedError, TrainingInterrupted

NETWORK_FLAGS = ("sizes", "activation", "output", "cost", "init", "dropout")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a network (default: the book's chapter 1 run)",
        description="Train a network. Defaults are the book's chapter 1 run: 784-30-10 "
        "sigmoid, quadratic cost, SGD, mini-batch 10, eta 3.0, 30 epochs.",
    )
    net = p.add_argument_group("the network (or --spec FILE)")
    net.add_argument("--spec", type=Path, help="a JSON model spec (see `digitnet summary`)")
    net.add_argument("--sizes", type=sizes_list, help="neurons per layer (default: 784,30,10)")
    net.add_argument(
        "--activation",
        help="hidden activation: sigmoid (default), tanh, relu, leaky-relu, elu, linear",
    )
    net.add_argument(
        "--output",
        help="output activation (default: softmax with "
        "--cost log-likelihood, else as --activation)",
    )
    net.add_argument("--cost", help="quadratic (default), cross-entropy, log-likelihood")
    net.add_argument(
        "--init", help="normal (default: the book's N(0,1)), scaled-normal, glorot, he"
    )
    net.add_argument(
        "--dropout", type=non_negative_float, metavar="RATE", help="dropout after each hidden layer"
    )

    run = p.add_argument_group("training")
    run.add_argument("--epochs", type=positive_int, default=30)
    run.add_argument("--mini-batch-size", type=positive_int, default=10)
    run.add_argument("--eta", type=positive_float, default=3.0, help="learning rate η (3.0)")
    run.add_argument("--optimizer", choices=["sgd", "momentum", "nesterov", "adam"], default="sgd")
    run.add_argument("--momentum", type=non_negative_float, default=0.9, help="μ (0.9)")
    run.add_argument(
        "--l2",
        "--lmbda",
        type=non_negative_float,
        default=0.0,
        help="L2 regularisation λ (the book's lmbda)",
    )
    run.add_argument("--l1", type=non_negative_float, default=0.0, help="L1 regularisation λ")
    run.add_argument(
        "--schedule",
        choices=["constant", "step", "cosine", "plateau"],
        default="constant",
        help="learning-rate schedule; plateau: the book's halve η when "
        "validation accuracy stops improving, stop at η/128",
    )
    run.add_argument(
        "--patience",
        type=int,
        default=0,
        metavar="N",
        help="stop after N epochs without a better validation accuracy",
    )
    run.add_argument(
        "--augment",
        choices=["none", "shift", "random", "handwriting"],
        default="none",
        help="new random shifts (and small rotations: random; slant, size and stroke "
        "thickness too: handwriting) every epoch",
    )
    run.add_argument(
        "--expand",
        action="store_true",
        help="the book's expanded set: each image and its 4 one-pixel shifts",
    )
    run.add_argument("--no-shuffle", action="store_true", help="keep the data's order")
    run.add_argument(
        "--keep",
        choices=["best", "last"],
        default="best",
        help="save the epoch with the best validation accuracy (default) or the last one",
    )
    engine_options(run)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--dataset", choices=dataset_names(), default="mnist")
    run.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    run.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        help="train on the first N training images only (quick runs)",
    )

    run.add_argument(
        "--train-split",
        choices=["train", "train-full"],
        default="train",
        help="train: the book's 50,000 (validation: the other 10,000); train-full: all "
        "60,000, no validation",
    )

    out = p.add_argument_group("output")
    out.add_argument(
        "--out",
        type=Path,
        help="model file (default: models/DATASET-SIZES"
        ".safetensors); its history goes beside it as .history.json",
    )
    out.add_argument(
        "--force",
        action="store_true",
        help="overwrite --out if it exists (and start over from a half-finished run of it)",
    )
    out.add_argument(
        "--resume",
        action="store_true",
        help="go on from the last whole epoch of a stopped run (OUT.run, written after every "
        "epoch by the NumPy engine); give the same options as that run",
    )
    out.add_argument(
        "--verbose", action="store_true", help="also print costs and training accuracy each epoch"
    )
    out.add_argument(
        "--no-monitor-training",
        action="store_true",
        help="skip measuring cost and accuracy on the training data after each epoch "
        "(faster; `digitnet plot` then draws validation curves only)",
    )
    out.add_argument("--quiet", action="store_true", help="no progress bar")
    data_dir_option(p)
    p.set_defaults(func=cmd_train)


def spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The ModelSpec the flags (or --spec FILE) describe."""
    if args.spec:
        given = [f"--{f}" for f in NETWORK_FLAGS if getattr(args, f) is not None]
        if given:
            raise DigitnetError(f"give --spec or {', '.join(given)}, not both")
        return load_spec(args.spec)
    cost = args.cost or "quadratic"
    hidden = args.activation or "sigmoid"
    output = args.output or (
        "softmax" if cost in ("log-likelihood", "categorical-cross-entropy") else hidden
    )
    sizes = args.sizes or [784, 30, 10]
    layers: list[dict] = []
    for units in sizes[1:-1]:
        layers.append({"type": "dense", "units": units, "activation": hidden})
        if args.dropout:
            layers.append({"type": "dropout", "rate": args.dropout})
    layers.append({"type": "dense", "units": sizes[-1], "activation": output})
    spec = ModelSpec(input_size=sizes[0], layers=layers, cost=cost, init=args.init or "normal")
    spec.validate()
    return spec


def load_spec(path: Path) -> ModelSpec:
    """A ModelSpec from a JSON file; one clear error for a missing or bad file."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise DigitnetError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DigitnetError(f"{path}: cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise DigitnetError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    try:
        return ModelSpec.from_dict(data)
    except TypeError as e:
        raise DigitnetError(f"{path}: bad model spec ({e})") from None


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    config = TrainConfig(
        dataset=args.dataset,
        epochs=args.epochs,
        mini_batch_size=args.mini_batch_size,
        learning_rate=args.eta,
        seed=args.seed,
        dtype=args.dtype,
        optimizer=args.optimizer,
        momentum=args.momentum,
        l2=args.l2,
        l1=args.l1,
        schedule=args.schedule,
        patience=args.patience,
        augment=args.augment,
        expand=args.expand,
        shuffle=not args.no_shuffle,
        keep=args.keep,
        train_split=args.train_split,
        monitor_training=not args.no_monitor_training,
    )
    config.validate()
    return config


def epoch_line(record, verbose: bool) -> str:
    """The book's line, ``Epoch 0: 9129 / 10000``; with --verbose, costs and time too."""
    if record.total is None:  # no validation data, as the book prints then
        line = f"Epoch {record.epoch} complete"
    else:
        line = f"Epoch {record.epoch}: {record.correct} / {record.total}"
    if not verbose:
        return line
    parts = []
    if record.cost is not None:
        parts.append(f"validation cost {record.cost:.4f}")
    if record.train_cost is not None:
        accuracy = record.train_correct / record.train_total
        parts.append(f"training cost {record.train_cost:.4f}, accuracy {accuracy:.2%}")
    parts.append(f"η {record.learning_rate:g}; {record.seconds:.2f} s")
    return f"{line}  ({'; '.join(parts)})"


def cmd_train(args: argparse.Namespace) -> int:
    from digitnet import checkpoint, experiment
    from digitnet.data.sources import dataset_info
    from digitnet.run_state import epochs_done

    spec = spec_from_args(args)
    config = config_from_args(args)
    if args.engine == "torch":
        from digitnet import torch_backend

        torch_backend.device(args.device)  # says now if torch or the device is missing
    sizes = spec.short_name
    out = args.out or Path("models") / f"{config.dataset}-{sizes}.safetensors"
    if out.is_dir():
        raise DigitnetError(f"{out}: is a directory")
    if out.exists() and not args.force:
        raise DigitnetError(f"{out}: already exists; pass --force to overwrite or choose --out")
    state = saved_run(out, args)
    print(
        f"Training {sizes} ({spec.cost} cost) on {config.dataset}: {config.epochs} "
        f"epoch{'s' * (config.epochs != 1)}, "
        f"mini-batch {config.mini_batch_size}, η = {config.learning_rate}, "
        f"{config.optimizer}",
        flush=True,
    )
    if args.resume:
        print(f"Going on from the stopped run in {state} (epochs done: {epochs_done(state)})")

    def report(record) -> None:
        print(epoch_line(record, args.verbose), flush=True)

    try:
        result = experiment.run(
            spec,
            config,
            args.data_dir,
            args.limit,
            report,
            progress=False if args.quiet else None,
            engine=args.engine,
            device=args.device,
            state_file=state,
        )
    except DivergedError:
        if state is not None:
            state.unlink(missing_ok=True)  # going on from it would diverge again
        raise
    except TrainingInterrupted as stop:
        if not stop.history.epochs:
            print(
                "digitnet: interrupted before the first epoch ended; nothing saved", file=sys.stderr
            )
            return EXIT_INTERRUPTED
        if state is not None and state.exists():
            print(
                f"digitnet: interrupted; the same command with --resume goes on from epoch "
                f"{stop.history.epochs[-1].epoch + 1} ({state})",
                file=sys.stderr,
            )
        aside = out.with_name(out.name.removesuffix(".safetensors") + ".interrupted.safetensors")
        training = {
            "config": config.to_dict(),
            "history": stop.history.to_dict(),
            "interrupted": True,
        }
        checkpoint.save(aside, stop.model, spec, training, config.dataset)
        print(
            f"digitnet: interrupted; epoch {stop.history.kept_epoch} saved in {aside}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    kept = result.history.epochs[result.history.kept_epoch]
    if result.history.stopped_early:
        print(f"Stopped early after epoch {result.history.epochs[-1].epoch}")
    if kept.total:
        print(
            f"Kept epoch {kept.epoch} ({config.keep}: {kept.correct} / {kept.total} on validation)"
        )
    print(
        f"Test accuracy: {result.test_correct} / {result.test_total} "
        f"({result.test_accuracy:.2%}); trained in {result.seconds:.1f} s "
        f"({result.history.engine})"
    )
    note = stall_note(result.test_recall, dataset_info(config.dataset).classes, spec)
    if note:
        print(note)
    experiment.save(out, spec, config, result)
    if state is not None:
        state.unlink(missing_ok=True)  # the model is safe: the half-finished run is done
    print(f"Saved {out}")
    return 0


def saved_run(out: Path, args: argparse.Namespace) -> Path | None:
    """Where the NumPy engine saves the run after each epoch (``OUT.run``), checked against
    --resume and --force; None for PyTorch, whose runs start afresh."""
    from digitnet import run_state

    state = out.with_name(out.name.removesuffix(".safetensors") + ".run")
    if args.engine == "torch":
        if args.resume:
            raise DigitnetError(
                "--resume goes on from a NumPy-engine run; PyTorch runs start afresh"
            )
        return None
    if args.resume:
        if not state.exists():
            raise DigitnetError(f"{state}: no stopped run to go on from")
        run_state.epochs_done(state)  # a file that is not a saved run says so now
    elif state.exists():
        if not args.force:
            raise DigitnetError(
                f"{state}: a stopped run of this model is here; pass --resume to go on from "
                "it, or --force to start over"
            )
        state.unlink()
    return state
