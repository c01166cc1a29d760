"""Benchmark: rescoring a changed raw table, as what-if analyses and the calibration do.

`graphkit sample check` explains a missed figure by changing a province's raw values and
scoring the table again; the sample calibration's count stage does so for every province
pair a move could take (about 2,700 tables on the committed split). One rescoring is the
pipeline's stages after aggregation, ``graphkit.evaluation.score_raw`` (normalise, weight,
rank), then the circles' sums and ranks, ``graphkit.evaluation.sum_circles``.

This times that on the bundled sample's province table, and, in the same run, the same
computation with the two stages written column by column and group by group (``apply`` of
the per-column min-max, one ``reindex`` per circle): the way graphkit computed them until
29 November 2026. It checks that both give exactly the same tables.

Run:  PYTHONPATH=. python benchmarks/bench_rescore.py [--calls N] [--rounds R]
Writes benchmarks/results/rescore-<date>.json and prints the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _column_by_column(raw: pd.DataFrame, prov, members: dict) -> list:
    """The normalised table and the circles' summed tables, computed as before: a Python
    call per column, a reindex per circle."""
    from graphkit.normalise import minmax

    scores = raw.apply(minmax, axis=0)
    sums = [pd.DataFrame({g: x.reindex(m).sum(axis=0) for g, m in members.items()}).T
            for x in (prov.scores, prov.contributions, prov.tier2, prov.tier1)]
    return [scores, *sums]


def _vectorised(raw: pd.DataFrame, prov, members: dict) -> list:
    """The same through graphkit's own functions."""
    from graphkit.normalise import normalise
    from graphkit.score import sum_groups

    return [normalise(raw), *(sum_groups(x, members) for x in (prov.scores, prov.contributions, prov.tier2,
                                                                  prov.tier1))]


def _best(fn, calls: int, rounds: int) -> float:
    """Least mean milliseconds per call of ``fn`` over ``rounds`` rounds of ``calls`` calls."""
    fn()
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls * 1000.0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=200, help="calls per round (default 200)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds; the best is kept (default 5)")
    ap.add_argument("--out", help="result file (default benchmarks/results/rescore-<date>.json)")
    args = ap.parse_args(argv)

    import graphkit as gk
    from graphkit.atomic import atomic_write
    from graphkit.evaluation import score_raw, sum_circles
    from graphkit.regions import load_regions

    ev = gk.evaluate(gk.load_dataset(ROOT / "data" / "sample"), level="province")
    raw, spec = ev.raw, ev.spec
    members = load_regions().circle_members()

    def rescore():
        scores, contrib, tier2, tier1, _, _ = score_raw(raw, spec)
        prov = SimpleNamespace(scores=scores, contributions=contrib, tier2=tier2, tier1=tier1)
        return sum_circles(prov, members)

    old, new = _column_by_column(raw, ev, members), _vectorised(raw, ev, members)
    for a, b in zip(old, new):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_names=False)
    figures = {
        "rescore_ms": round(_best(rescore, args.calls, args.rounds), 3),
        "normalise_and_circle_sums_ms": {
            "column_by_column": round(_best(lambda: _column_by_column(raw, ev, members), args.calls, args.rounds), 3),
            "vectorised": round(_best(lambda: _vectorised(raw, ev, members), args.calls, args.rounds), 3),
        },
        "identical_tables": True,
        "table": {"regions": int(raw.shape[0]), "indicators": int(raw.shape[1]), "circles": len(members)},
    }
    parts = figures["normalise_and_circle_sums_ms"]
    parts["speed_up"] = round(parts["column_by_column"] / parts["vectorised"], 2)
    result = {
        "benchmark": "rescore",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params": vars(args),
        "figures": figures,
        "machine": {"cpus": os.cpu_count(), "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                    "platform": platform.platform()},
    }
    print(json.dumps(figures, indent=2))
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"rescore-{datetime.now(timezone.utc):%Y%m%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as fh:
        fh.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
