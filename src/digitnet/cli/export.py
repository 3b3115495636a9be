"""``digitnet export MODEL OUT.onnx``: a model for other runtimes."""

from __future__ import annotations

import argparse
from pathlib import Path

from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a model as ONNX (pip install 'digitnet[onnx]')")
    p.add_argument("model", type=Path, help="a digitnet model file (.safetensors)")
    p.add_argument("out", type=Path, help="the ONNX file to write (.onnx)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from digitnet import checkpoint
    from digitnet.data.sources import dataset_info
    from digitnet.export import export, require_onnx

    if args.out.suffix.lower() != ".onnx":
        raise DigitnetError(f"{args.out}: the output file should end in .onnx")
    if args.out.exists() and not args.force:
        raise DigitnetError(f"{args.out} exists; add --force to overwrite it")
    require_onnx()
    ckpt = checkpoint.load(args.model)
    classes = list(dataset_info(ckpt.dataset).classes)
    export(ckpt.model, ckpt.spec, args.out, ckpt.dataset, classes)
    print(
        f"wrote {args.out}: input 'pixels' (N, {ckpt.spec.input_size}) float32 in [0, 1], "
        f"output 'scores' (N, {len(classes)})"
    )
    return 0
