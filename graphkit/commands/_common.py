"""Options shared by several commands (``--data``, ``--spec``/``--judgments``, ``--format``,
``--out``), and the one function that turns them into an Evaluation."""
from __future__ import annotations

import argparse
import sys

__all__ = ["add_data_options", "add_output_options", "add_weight_options", "evaluation_from_args"]


def add_data_options(p: argparse.ArgumentParser) -> None:
    """Add ``--data``, ``--encoding`` and ``--as-of``."""
    p.add_argument("--data", metavar="DIR", help="dataset folder with nodes/ and edges/ (default: the bundled synthetic sample)")
    p.add_argument("--encoding", default="utf-8", help="text encoding of CSV files, e.g. gbk (default: utf-8)")
    p.add_argument("--as-of", metavar="DATE", help="leave out entities and relations dated after DATE (YYYY-MM-DD)")


def add_weight_options(p: argparse.ArgumentParser) -> None:
    """Add ``--spec`` and ``--judgments`` (mutually exclusive)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--spec", metavar="FILE", help="indicator-system file (default: data/indicators.toml, the report's Table 1)")
    g.add_argument("--judgments", metavar="FILE", help="AHP judgments file; score with the weights it implies")


def add_output_options(p: argparse.ArgumentParser, formats=("table", "csv", "json", "markdown")) -> None:
    """Add ``--format`` and ``--out``."""
    p.add_argument("--format", choices=formats, default=formats[0], help=f"output format (default: {formats[0]})")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")


def evaluation_from_args(args, level: str | None = None):
    """Load the dataset and spec named by ``args`` and return the Evaluation at ``level``."""
    import pandas as pd

    import graphkit as gk
    from graphkit.errors import UsageError

    as_of = None
    if getattr(args, "as_of", None):
        try:
            as_of = pd.Timestamp(args.as_of)
        except ValueError:
            raise UsageError(f"--as-of must be a date like 2019-12-31; got {args.as_of!r} instead") from None
    spec = gk.load_spec(getattr(args, "spec", None))
    if getattr(args, "judgments", None):
        from graphkit import ahp

        result = ahp.evaluate_judgments(ahp.load_judgments(args.judgments, spec=getattr(args, "spec", None)))
        for line in result.warnings():
            print(f"warning: {line}", file=sys.stderr)
        spec = spec.with_weights(result.global_weights, source=args.judgments)
    ds = gk.load_dataset(args.data, encoding=args.encoding)
    return gk.evaluate(ds, spec=spec, level=level or args.level, as_of=as_of)
