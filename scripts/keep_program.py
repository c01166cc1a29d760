"""What can a city split still win while every rank it holds stays held? (an experiment)

Usage (from the repository root; needs ``highspy``, which graphkit does not install)::

    pip install highspy
    python scripts/keep_program.py                     # fractional counts: 6 s
    # the bound of the docs (2-3 min):
    python scripts/keep_program.py --detail --counts-free --highs '{"mip_heuristic_effort": 0.3}'
    # Suzhou's academic rank for one of Tables 44-48 (25 min):
    python scripts/keep_program.py --whole --detail --soft --only academic:Suzhou \
        --highs '{"mip_heuristic_effort": 0.3}' --out /tmp/s.csv

From a committed-format split (``--start``, default the committed city_values.csv) every
city's counts and sums are free, except what the exact program (`calib_exact`) keeps: each
province's totals, the valid samples behind each mean, the leaders' cells and with them the
min-max scales, the realiser's rules and named floors, the five published city scores within
±0.004, and each city's financing amount per relation within 4x of the national figure (or
as far as it is now). Every cell of Table 43 (with ``--detail`` also of Tables 44-48) that the
split holds keeps the side of every other city; every missed cell gets a binary that, when 1,
puts every city on the side its published rank needs. The program maximises the cells won
(a Table 43 cell 1, a cell of Tables 44-48 ``--detail-weight``). With ``--soft`` the held
cells of Tables 44-48 may give way at that weight too.

The sides are added lazily: the program starts with those the split is near breaking, and
each solution adds the ones it breaks, until none is broken. A solve before the last keeps
fewer sides, so its optimum bounds the whole program's from above: a fractional run whose
last optimal solve wins no Table 43 cell shows that none can be won while the held cells keep
the cities above them.

HiGHS through ``highspy`` (1.16 measured; ``Model.solve(solver="highspy")``) is used: scipy's bundled HiGHS stopped
with "Solve error" on these models. This is an experiment for docs/sample_calibration.md
("From the committed split, the whole sample at once"), not part of the calibration: its
integer runs take 1-25 minutes and stop on time limits, so they are not reproducible to the
byte.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphkit.sample.calib_exact import MARGIN, _rules, _scores, _split, _variables  # noqa: E402
from graphkit.sample.calib_lp import Model  # noqa: E402
from graphkit.sample.calib_polish import DETAIL_WEIGHT, CityMatrix  # noqa: E402
from graphkit.sample.calib_repair import _gap, _keep_figures, _ranks  # noqa: E402
from graphkit.sample.calib_targets import load_targets  # noqa: E402

#: Big-M of a conditional side: larger than any difference of two scores (0-100 scale).
BIG_M = 300.0
#: A side is added up front when the split has it within this many points of breaking.
NEAR = 1.0


def main(argv=None) -> int:
    """Command-line entry point; prints each round and the split's figures at the end."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", type=Path, default=ROOT / "graphkit/sample/calibrated/city_values.csv")
    ap.add_argument("--whole", action="store_true", help="whole counts (default: fractions, a relaxation)")
    ap.add_argument("--detail", action="store_true", help="Tables 44-48 too")
    ap.add_argument("--soft", action="store_true", help="held cells of Tables 44-48 may give way")
    ap.add_argument("--detail-weight", type=float, default=DETAIL_WEIGHT)
    ap.add_argument("--counts-free", action="store_true", help="published city counts held now may change")
    ap.add_argument("--only", default=None, help="missed cells that may be won, as column:City,...")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--highs", default="{}", help='HiGHS options as JSON, e.g. \'{"presolve": "off"}\'')
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--out", type=Path, default=None, help="write the split (city_values format)")
    a = ap.parse_args(argv)

    t = load_targets(None)
    names = dict(zip(t.cities.code, t.cities.en))
    cm = CityMatrix(t, pd.read_csv(a.start, dtype={"city_code": str, "province_code": str}))
    obj, V = cm.obj, cm.V
    pcode = np.asarray(obj.prov_idx)
    columns = ["total", *obj.t1_codes]
    S0 = np.round(obj.levels(V), 9)
    n = V.shape[0]

    def label(cell):
        r, k, _ = cell
        return f"{columns[k] if k < len(columns) else k}:{names[cm.codes[r]]}"

    cells = [(int(r), k, int(obj.top_ranks[i, k])) for i, r in enumerate(obj.top_rows) for k in range(len(columns))]
    if a.detail:
        cells += [(int(r), int(k), int(p)) for r, k, p in zip(obj.det_rows, obj.det_cols, obj.det_pub)]
    levels = sorted({k for _, k, _ in cells})

    def holds(S):
        """Whether each cell holds its published rank under the scores ``S``."""
        rank = {k: _ranks(S[:, k]) for k in levels}
        return lambda c: rank[c[1]][c[0]] == c[2]

    holds0 = holds(S0)
    held = [c for c in cells if holds0(c)]
    missed = [c for c in cells if not holds0(c)]
    if a.only:
        missed = [c for c in missed if label(c) in set(a.only.split(","))]
    print(f"held {len(held)}, missed cells that may be won {len(missed)}", flush=True)

    m = Model()
    x, parts = _variables(m, cm, pcode)
    _rules(m, cm, x)
    total = _keep_figures(m, cm, x, parts, range(n), not a.counts_free)
    S = {k: total if k == 0 else _scores(cm, x, parts, k) for k in levels}
    if not a.whole:
        m.integer = [0] * len(m.integer)
    top = len(columns)
    win = {c: m.add_var(0, 1, integer=True, cost=-(1.0 if c[1] < top else a.detail_weight)) for c in missed}
    if a.soft:
        win.update({c: m.add_var(0, 1, integer=True, cost=-a.detail_weight) for c in held if c[1] >= top})

    def above(r, k, p):
        """The cities that must score above row r in column k for rank p (those above now,
        fewest changed)."""
        now = {int(j) for j in np.flatnonzero(S0[:, k] > S0[r, k])}
        if len(now) > p - 1:
            return set(sorted(now, key=lambda j: -S0[j, k])[:p - 1])
        below = [int(j) for j in np.argsort(-S0[:, k], kind="stable") if j != r and int(j) not in now]
        return now | set(below[:p - 1 - len(now)])

    need = {c: above(*c) for c in held + missed}
    added = set()

    def add_sides(Scur, near):
        """Add the sides that ``Scur`` breaks or is within ``near`` of breaking; return how many."""
        count = 0
        for c in held + missed:
            r, k, _ = c
            for j in range(n):
                if j == r or (r, k, j) in added:
                    continue
                up = j in need[c]
                d = Scur[j, k] - Scur[r, k]
                if not ((up and d < MARGIN + near) or (not up and d > -near)):
                    continue
                added.add((r, k, j))
                gap, below = _gap(S0[j, k] - S0[r, k], S0[r, k])
                e = S[k][j] - S[k][r]
                slack = (1 - win[c]) * BIG_M if c in win else 0.0
                if up:
                    m.add(e + slack, lo=gap)
                else:
                    m.add(e - slack, hi=-below)
                count += 1
        return count

    print(f"sides to start with: {add_sides(S0, NEAR)}", flush=True)
    t0 = time.perf_counter()
    options = json.loads(a.highs)
    sol = None
    for i in range(a.rounds):
        sol = m.solve(a.time_limit, a.gap, solver="highspy", options=options)
        if not sol.ok:
            print(f"round {i}: no solution ({sol.status})")
            return 1
        won = [c for c in missed if sol(win[c]) > 0.5]
        lost = [c for c in held if c in win and sol(win[c]) < 0.5]
        X = V.astype(float).copy()
        for (r, c), e in x.items():
            X[r, c] = sol(e)
        Ssol = np.round(obj.levels(X), 9)
        holds_now = holds(Ssol)
        broken = [c for c in held + won if c not in lost and not holds_now(c)]
        print(f"round {i}: {sol.status}, {time.perf_counter() - t0:.0f} s; won {len(won)}: "
              f"{', '.join(map(label, won))}; given way {len(lost)}: {', '.join(map(label, lost))}; "
              f"cells broken {len(broken)}", flush=True)
        if not broken:
            break
        add_sides(Ssol, 0.0)
    if a.out and sol is not None and sol.ok and a.whole:
        from graphkit.atomic import atomic_write

        split = _split(V, x, sol, pcode)
        p = obj.parts(split)
        print(f"split: Table 43 {p['top_held']}, Tables 44-48 {p['detail_held']}, "
              f"published city counts missed {p['count_miss']:.0f}, score miss {p['score']}")
        with atomic_write(a.out) as fh:
            cm.table(split).to_csv(fh, index=False, lineterminator="\n", float_format="%.2f")
    return 0


if __name__ == "__main__":
    sys.exit(main())
