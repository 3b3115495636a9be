"""``digitnet data where|check|fetch``."""

from __future__ import annotations

import argparse

from digitnet.cli.common import EXIT_ERROR, data_dir_option, dataset_names
from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="show, verify or fetch the datasets")
    p.add_argument(
        "action",
        choices=["where", "check", "fetch"],
        help="where: show where files are; check: verify checksums; fetch: download",
    )
    p.add_argument("--dataset", choices=[*dataset_names(), "all"], default="all")
    data_dir_option(p)
    p.set_defaults(func=cmd_data)


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
