"""graphkit sample: build the bundled synthetic sample database, and check what it reproduces."""
from __future__ import annotations

import argparse
import sys

from graphkit.errors import UsageError

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

HELP = "build the bundled SYNTHETIC sample database, or check it against the report's published figures"
DESCRIPTION = (
    "The bundled sample (data/sample/) is synthetic: `build` realises the calibrated per-city\n"
    "values (graphkit/sample/calibrated/city_values.csv) as nodes and edges, deterministically\n"
    "for a seed; `check` scores a dataset with the ordinary pipeline and prints the report's\n"
    "published figures next to the reproduced ones, with the share that matches."
)
EXAMPLES = """examples:
  graphkit sample build                      # rebuild data/sample/ (seed 2021)
  graphkit sample build --seed 7 --out /tmp/sample7
  graphkit sample check                      # published vs reproduced, bundled sample
  graphkit sample check --data /tmp/sample7 --format csv --out check.csv
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="sample_command", metavar="ACTION")
    b = sub.add_parser("build", help="write the synthetic sample dataset",
                       description="Realise the calibrated per-city values as a dataset (docs/schema.md). "
                                   "The folder is replaced atomically; the same seed gives byte-identical files.",
                       epilog="examples:\n  graphkit sample build\n  graphkit sample build --seed 7 --out /tmp/s7\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--seed", type=int, default=2021, help="random seed (default: 2021, the bundled sample's)")
    b.add_argument("--out", metavar="DIR", help="output folder (default: the bundled data/sample/)")
    b.add_argument("--values", metavar="FILE",
                   help="per-city values to realise (default: graphkit/sample/calibrated/city_values.csv)")
    b.add_argument("--force", action="store_true", help="overwrite a folder that is not a sample built by graphkit")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    c = sub.add_parser("check", help="published vs reproduced figures, side by side",
                       description="Score a dataset with the ordinary pipeline and compare every figure the "
                                   "report publishes (data/reference/) with what the dataset gives.",
                       epilog="examples:\n  graphkit sample check\n  graphkit sample check --format json\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--data", metavar="DIR", help="dataset folder (default: the bundled synthetic sample)")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    c.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.set_defaults(_sample_parser=p)


def run(args) -> int:
    action = getattr(args, "sample_command", None)
    if action == "build":
        return _build(args)
    if action == "check":
        return _check(args)
    args._sample_parser.print_help()
    return 2


def _build(args) -> int:
    from pathlib import Path

    from graphkit.sample.build import DEFAULT_OUT, build_sample, is_sample_dir

    out = Path(args.out) if args.out else DEFAULT_OUT
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if not args.force and not is_sample_dir(out):
        raise UsageError(f"{out} is not a sample folder written by `graphkit sample build` (no manifest.json); "
                         f"pass --force to replace it, or choose another --out")
    summary = build_sample(out, seed=args.seed, values_path=args.values, progress=not args.quiet)
    rows = summary["rows"]
    width = max(len(k) for k in rows)
    print(f"synthetic sample written to {summary['out']} (seed {summary['seed']}, {summary['seconds']:.1f} s)")
    for k in sorted(rows):
        print(f"  {k:<{width}}  {rows[k]:>7,}")
    bad = [t for s, t in summary["notes"] if s == "not honoured"]
    if bad:
        print(f"named facts of the report not realised ({len(bad)}; see manifest.json):", file=sys.stderr)
        for t in bad:
            print(f"  - {t}", file=sys.stderr)
    return 0


def _check(args) -> int:
    try:
        from graphkit.sample.check import run_check
    except ModuleNotFoundError as exc:
        if exc.name in ("graphkit.sample.check",):
            raise UsageError("`graphkit sample check` is not available in this build: the reproduction check "
                             "(graphkit/sample/check.py) is missing") from None
        raise
    return int(run_check(data=args.data, fmt=args.format, out=args.out) or 0)
