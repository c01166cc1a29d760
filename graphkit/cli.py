"""The ``graphkit`` command line: a thin layer over the public Python API.

Each sub-command lives in ``graphkit/commands/<name>.py`` and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Command modules import only the standard
library at module level, so ``graphkit --help`` stays fast; heavy libraries are imported
inside ``run``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from graphkit.errors import GraphkitError

__all__ = ["main", "COMMANDS"]

# Order here is the order in `graphkit --help`.
COMMANDS = [
    "score",
    "indicators",
    "weights",
    "sample",
    "network",
    "export",
    "report",
    "query",
    "synth",
]


def _load(name: str):
    try:
        return importlib.import_module(f"graphkit.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"graphkit.commands.{name}":
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="graphkit",
        description="Regional competitiveness indices from relationship graphs "
        "(AI-industry index, 2021 method).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = _load(name)
        if mod is None:
            continue
        p = sub.add_parser(
            name,
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            epilog=getattr(mod, "EXAMPLES", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except GraphkitError as exc:
        # A user's mistake: plain lines, no traceback.
        print(exc.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
