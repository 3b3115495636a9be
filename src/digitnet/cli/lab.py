"""``digitnet lab NAME``: the book's small experiments (see ``digitnet.lab``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from digitnet.cli.common import (
    data_dir_option,
    non_negative_float,
    positive_float,
    positive_int,
)
from digitnet.errors import DigitnetError


def png_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise argparse.ArgumentTypeError(f"the figure is a PNG: end the name in .png: {text!r}")
    return path


def number_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not values or not all(0 < v < float("inf") for v in values):
        raise argparse.ArgumentTypeError(f"need positive numbers like 0.03,3: {text!r}")
    return values


def layer_list(text: str) -> list[int]:
    if text.strip().lower() in ("none", "0", ""):
        return []
    try:
        sizes = [int(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"hidden layers are sizes like 4,2 or none: {text!r}"
        ) from None
    if min(sizes) < 1 or len(sizes) > 6 or max(sizes) > 64:
        raise argparse.ArgumentTypeError(f"up to 6 hidden layers of 1-64 neurons: {text!r}")
    return sizes


def add_parser(sub: argparse._SubParsersAction) -> None:
    from digitnet.lab import descent, playground

    p = sub.add_parser("lab", help="the book's small experiments: gates, descent, losses, ...")
    lab = p.add_subparsers(dest="experiment", required=True, parser_class=type(p))

    def experiment(name: str, help_text: str, func) -> argparse.ArgumentParser:
        q = lab.add_parser(name, help=help_text, description=help_text)
        q.add_argument("--out", type=png_path, metavar="FILE.png", help="also draw it as a PNG")
        q.set_defaults(func=func)
        return q

    experiment("gates", "perceptron NAND, the two-bit adder, sigmoids as c → ∞", cmd_gates)

    q = experiment(
        "binary-output", "the 4-bit output layer, proved and run on a trained model", cmd_binary
    )
    q.add_argument("--model", type=Path, help="model file (default: the shipped reader)")
    data_dir_option(q)

    q = experiment("descent", "gradient descent on 2-D surfaces for several η", cmd_descent)
    q.add_argument("--rates", type=number_list, default=list(descent.RATES), metavar="η,η,...",
                   help="learning rates (default: 0.03,0.3,0.8,1.5,3)")  # fmt: skip
    q.add_argument("--surface", choices=[*descent.SURFACES, "all"], default="all")

    q = experiment("linear", "CS231n's linear classifier: SVM and softmax losses", cmd_linear)
    q.add_argument("--steps", type=positive_int, default=100, help="parameter updates to take")

    q = experiment("playground", "2-D problems, input features and hidden layers", cmd_play)
    default = playground.Setup()
    q.add_argument("--dataset", choices=list(playground.DATASETS), default=default.dataset,
                   help="the 2-D problem (default: circle)")  # fmt: skip
    q.add_argument(
        "--features",
        default=",".join(default.features),
        help=f"comma-separated, from {', '.join(playground.FEATURES)} (default: x1,x2)",
    )
    q.add_argument("--hidden", type=layer_list, default=default.hidden, metavar="4,2|none",
                   help="neurons per hidden layer, or none (default: 4,2)")  # fmt: skip
    q.add_argument("--activation", choices=playground.ACTIVATIONS, default=default.activation)
    q.add_argument("--regularization", choices=["none", "l1", "l2"], default="none")
    q.add_argument("--reg-rate", type=non_negative_float, default=0.001,
                   help="λ of the regularization (default: 0.001)")  # fmt: skip
    q.add_argument("--learning-rate", "--eta", type=positive_float, default=default.learning_rate)
    q.add_argument("--epochs", type=positive_int, default=default.epochs)
    q.add_argument("--mini-batch-size", type=positive_int, default=default.mini_batch_size)
    q.add_argument("--points", type=positive_int, default=default.points,
                   help="half to train on, half to test (default: 500)")  # fmt: skip
    q.add_argument("--noise", type=non_negative_float, default=default.noise,
                   help="standard deviation added to each coordinate (default: 0)")  # fmt: skip
    q.add_argument("--seed", type=int, default=0)


def draw(args: argparse.Namespace, make) -> None:
    """Write the PNG if ``--out`` asked for one, and say where."""
    if args.out is None:
        return
    from digitnet.plots import pyplot

    pyplot()  # a clear error if matplotlib is missing
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DigitnetError(f"{args.out.parent}: cannot create ({e.strerror or e})") from None
    print(f"wrote {make(args.out)}")


def cmd_gates(args: argparse.Namespace) -> int:
    from digitnet.lab import gates

    print(gates.report())
    draw(args, gates.figure)
    return 0


def cmd_binary(args: argparse.Namespace) -> int:
    from digitnet.data import load
    from digitnet.lab import binary
    from digitnet.vision.read import load_reader

    ckpt = load_reader(args.model)
    images, _ = load(ckpt.dataset, "test", args.data_dir)
    result = binary.on_model(binary.model_activations(ckpt.model, images))
    name = str(args.model) if args.model else "the shipped reader"
    print(binary.report(result, name))
    draw(args, binary.figure)
    return 0


def cmd_descent(args: argparse.Namespace) -> int:
    from digitnet.lab import descent

    names = list(descent.SURFACES) if args.surface == "all" else [args.surface]
    runs = descent.run_all(names, args.rates)
    print(descent.report(runs))
    draw(args, lambda path: descent.figure(runs, path))
    return 0


def cmd_linear(args: argparse.Namespace) -> int:
    from digitnet.lab import linear

    print(linear.report(args.steps))
    draw(args, lambda path: linear.figure(path, args.steps))
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from digitnet.lab import playground

    setup = playground.Setup(
        dataset=args.dataset,
        features=[f.strip() for f in args.features.split(",") if f.strip()],
        hidden=args.hidden,
        activation=args.activation,
        regularization=args.regularization,
        reg_rate=args.reg_rate,
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        mini_batch_size=args.mini_batch_size,
        points=args.points,
        noise=args.noise,
        seed=args.seed,
    )
    outcome = playground.train(setup)
    print(playground.report(outcome))
    draw(args, lambda path: playground.figure(outcome, path))
    return 0
