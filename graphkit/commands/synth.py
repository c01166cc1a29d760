"""graphkit synth: a synthetic national-size graph in the dataset schema (Parquet)."""
from __future__ import annotations

import argparse

from graphkit.errors import UsageError

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run", "parse_count"]

HELP = "write a synthetic graph of any size (Parquet), e.g. 10M firms and 100M edges, for benchmarks"
DESCRIPTION = (
    "Stream a SYNTHETIC dataset in the graphkit schema to a folder of Parquet files: firms\n"
    "spread over provinces and cities with the report's regional skew, heavy-tailed degrees,\n"
    "every node and edge type, dates, amounts and missing values. The same seed always gives\n"
    "the same dataset. Tables are written in million-row chunks: 10M firms and 100M edges\n"
    "take about 2 minutes and 0.6 GB of memory on 2 cores, and 1.7 GB of disk."
)
EXAMPLES = """examples:
  graphkit synth --firms 10k --edges 100k --out /tmp/small
  graphkit synth --firms 10M --edges 100M --seed 7 --out /data/national
  graphkit score --data /data/national --level city
"""

_SUFFIX = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000, "b": 1_000_000_000}


def parse_count(text: str) -> int:
    """Parse a row count such as ``100000``, ``100k``, ``10M``, ``1.5m`` or ``1_000``."""
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = _SUFFIX.get(t[-1:], 1)
    if t[-1:] in _SUFFIX:
        t = t[:-1]
    try:
        value = float(t) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count like 100000, 100k or 10M; got {text!r}") from None
    if value < 0 or value != int(value):
        raise argparse.ArgumentTypeError(f"expected a whole, non-negative count; got {text!r}")
    return int(value)


def add_arguments(p) -> None:
    p.add_argument("--firms", type=parse_count, required=True, metavar="N", help="number of AI firms (e.g. 10M)")
    p.add_argument("--edges", type=parse_count, required=True, metavar="M",
                   help="number of relations over all edge types (e.g. 100M); rounds come on top")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same seed gives the same files")
    p.add_argument("--ids", choices=("int", "str"), default="int",
                   help="id columns as int64 (default, like registry keys) or prefixed strings like F1")
    p.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write (atomically)")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")


def run(args) -> int:
    import sys
    import time

    from graphkit.progress import step
    from graphkit.synth import plan, synthesize

    if args.firms < 1:
        raise UsageError(f"--firms must be at least 1; got {args.firms}")
    p = plan(args.firms, args.edges)
    total = sum(p.nodes.values()) + sum(p.edges.values())
    t0 = time.perf_counter()
    with step(f"writing {args.out}", total=total) as s:
        counts = synthesize(args.out, args.firms, args.edges, seed=args.seed, id_kind=args.ids,
                            force=args.force, progress=s.advance)
    nodes = sum(v for k, v in counts.items() if k in p.nodes)
    edges = sum(v for k, v in counts.items() if k in p.edges and k != "round")
    print(f"wrote {args.out}: {nodes:,} nodes, {edges:,} edges, {counts.get('round', 0):,} rounds "
          f"(synthetic, seed {args.seed}) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
