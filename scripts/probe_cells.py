"""Can a missed rank of Table 43 hold when a chosen set of cities is free? (an experiment)

Usage (from the repository root)::

    # Guangzhou's capital rank, every Guangdong city free, every held Table 43 rank kept
    python scripts/probe_cells.py --free prov:Guangdong --hold Guangzhou:capital
    # the same, the held ranks maximised instead of kept: which ones give way
    python scripts/probe_cells.py --free Guangzhou,Shenzhen,Dongguan,Foshan,Zhuhai \
        --hold Shenzhen:academic --give-way
    # the greatest capital score Changsha can have with Hunan's cities free (no rank kept)
    python scripts/probe_cells.py --free prov:Hunan --most Changsha:capital
    # the least academic score Shenzhen can have, the universities' and institutes' patent samples
    # movable too, solved with highspy
    python scripts/probe_cells.py --free prov:Guangdong --most Shenzhen:academic --least \
        --move-samples univ_avg_patents,inst_avg_patents --solver highspy

It starts from the split the repair stage leaves: the committed ``city_values.csv`` with the
count stage's moves (``record.json``) undone. The cities named in ``--free`` (``prov:Name``
for every city of a province, or a city's English name) have every count and sum free; the
valid samples of the firms' patents and valuations move between a province's cities where
the province's sample is small, as in a row step of the repair stage (``--move-samples``
adds more means, as the sixth session's probes of the academic misses did). Everything else
that a repair step keeps stays: each province's totals, the other valid samples, the
leaders' cells and with them the min-max scales, the realiser's rules and named floors, the
five published city scores. The published city counts are free, as in the count-free steps.

Every cell of Table 43 the split holds must keep its rank (with ``--give-way`` it is
maximised instead, and the cells given up are listed), and so must each ``--hold`` cell.
Any city may pass any other (as in a hold step of the repair stage, whose ``_kept`` builds the
cells); Tables 44-48 are left out unless
``--detail`` maximises them (each cell within the repair stage's row window). With
``--most`` no rank is kept: the program asks what the free cities' resources allow. An
infeasible program shows that no split of the free cities holds those cells together, for
the committed valid samples and scales: it is evidence about this neighbourhood of the
committed split, not about every split. This is an experiment for
docs/sample_calibration.md ("Row steps"), not part of the calibration.
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

from graphkit.atomic import atomic_write  # noqa: E402
from graphkit.sample.calib_counts import undo_moves  # noqa: E402
from graphkit.sample.calib_exact import _rules, _scores, _split, _variables  # noqa: E402
from graphkit.sample.calib_lp import Model  # noqa: E402
from graphkit.sample.calib_polish import CityMatrix  # noqa: E402
from graphkit.sample.calib_repair import (MOVE_UP_TO, ROW_MOVE, ROW_NODES, ROW_WINDOW, _detail_held,  # noqa: E402
                                          _keep_figures, _kept, row_step_rows)
from graphkit.sample.calib_targets import load_targets  # noqa: E402

CALIBRATED = ROOT / "graphkit" / "sample" / "calibrated"


def repair_split(values: Path, record: Path) -> pd.DataFrame:
    """The committed split with the count stage's moves undone: what the repair stage left."""
    return undo_moves(pd.read_csv(values, dtype={"city_code": str, "province_code": str}),
                      json.loads(record.read_text(encoding="utf-8"))["solver"]["counts"])


def free_rows(t, cm: CityMatrix, spec: str) -> list[int]:
    """The rows of ``cm.V`` that ``spec`` names (``prov:Name`` or a city's English name, in
    whichever provinces have a city of that name in the index), through :func:`row_step_rows`."""
    prov_en = dict(zip(t.provinces.code, t.provinces.en))
    where = []
    for w in (w.strip() for w in spec.split(",") if w.strip()):
        if w.startswith("prov:"):
            where.append(w[5:])
            continue
        here = t.cities[(t.cities.en == w) & t.cities.code.isin(cm.codes)]  # Suzhou: Jiangsu's, not Anhui's
        if here.empty:
            raise SystemExit(f"not in the city index: {w!r}")
        where += [(prov_en[p], w) for p in here.province_code]
    return row_step_rows(t, cm, tuple(where))


def _cell(city_row: dict, columns: list[str], text: str) -> tuple[int, int]:
    """(row, column of :meth:`Objective.levels`) of ``City:column``."""
    name, _, col = text.partition(":")
    if name not in city_row or col not in columns:
        raise SystemExit(f"unknown cell {text!r}: a city of the index and one of {columns}")
    return city_row[name], columns.index(col)


def probe(t, city: pd.DataFrame, spec: str, hold=(), give_way=False, most=None, time_limit=300.0,
          detail=False, move=ROW_MOVE, solver="scipy", least=False):
    """Build and solve the program; returns (status, seconds, cells given up as
    (city, column), the greatest score for ``most`` (the least with ``least``) or None, the
    split found as a city table or None). ``move``: the means whose valid samples move
    between a province's cities; ``solver``: as :meth:`Model.solve`."""
    cm = CityMatrix(t, city)
    obj, V = cm.obj, cm.V
    columns = ["total", *obj.t1_codes]
    city_en = dict(zip(t.cities.code, t.cities.en))
    city_row = {city_en[code]: r for r, code in reversed(list(enumerate(cm.codes)))}  # first of a name
    rows = free_rows(t, cm, spec)
    pcode = np.asarray(obj.prov_idx)
    m = Model()
    free = set(range(V.shape[1])) - set(obj.mean_n.tolist())
    x, parts = _variables(m, cm, pcode, move=tuple(move), free=free, rows=set(rows), move_up_to=MOVE_UP_TO)
    _rules(m, cm, x)
    total = _keep_figures(m, cm, x, parts, rows, pin_counts=False)
    S0 = obj.levels(V)
    wanted = [_cell(city_row, columns, h) for h in hold]
    binaries = []
    for k in range(0 if most else len(columns)):  # --most asks about the free cities' resources alone
        S = total if k == 0 else _scores(cm, x, parts, k)
        cells = list(zip(obj.top_rows.tolist(), obj.top_ranks[:, k].tolist()))
        _, _, each = _kept(m, S, S0[:, k], cells, [r for r, c in wanted if c == k], give_way)
        binaries += [(city_en[cm.codes[row]], columns[k], h) for row, h in each]
    if detail:  # Tables 44-48 maximised, within the repair stage's row window
        _detail_held(m, cm, x, parts, S0, 0.01 if give_way else 1.0, window=ROW_WINDOW)
    target = None
    if most:
        row, k = _cell(city_row, columns, most)
        target = (total if k == 0 else _scores(cm, x, parts, k))[row]
        for v, c in target.terms.items():
            m.cost[v] += c if least else -c
    t0 = time.perf_counter()
    sol = m.solve(time_limit=time_limit, gap=1e-6, node_limit=ROW_NODES, solver=solver)
    seconds = time.perf_counter() - t0
    if not sol.ok:
        return sol.status, seconds, None, None, None
    lost = [(c, col) for c, col, h in binaries if sol(h) < 0.5]
    split = cm.table(_split(V, x, sol, pcode))
    return sol.status, seconds, lost, (sol(target) if target is not None else None), split


def main(argv=None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--free", required=True, help="cities free: prov:Name or English city names, comma-separated")
    ap.add_argument("--hold", action="append", default=[], help="City:column that must hold (repeatable)")
    ap.add_argument("--give-way", action="store_true", help="held cells maximised instead of kept")
    ap.add_argument("--detail", action="store_true",
                    help="maximise the cells of Tables 44-48 too (below any Table 43 cell with --give-way)")
    ap.add_argument("--most", help="City:column whose score is maximised, no rank kept")
    ap.add_argument("--least", action="store_true", help="with --most: minimise the score instead")
    ap.add_argument("--move-samples", default="",
                    help="more means whose valid samples move between a province's cities, comma-separated "
                         f"(always: {','.join(ROW_MOVE)}), e.g. univ_avg_patents,inst_avg_patents")
    ap.add_argument("--solver", choices=("scipy", "highspy"), default="scipy",
                    help="HiGHS through scipy (default) or the highspy package (a test dependency)")
    ap.add_argument("--values", type=Path, default=CALIBRATED / "city_values.csv")
    ap.add_argument("--record", type=Path, default=CALIBRATED / "record.json")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--out", type=Path, help="write the split found (city_values.csv format)")
    a = ap.parse_args(argv)
    t = load_targets()
    if a.least and not a.most:
        raise SystemExit("--least goes with --most")
    move = tuple(dict.fromkeys((*ROW_MOVE, *(m.strip() for m in a.move_samples.split(",") if m.strip()))))
    start = repair_split(a.values, a.record)
    unknown = [m for m in move if f"{m}__n" not in start.columns]
    if unknown:
        raise SystemExit(f"--move-samples: not a mean of {a.values}: {', '.join(unknown)}")
    status, seconds, lost, best, split = probe(t, start, a.free, a.hold, a.give_way,
                                               a.most, a.time_limit, a.detail, move, a.solver, a.least)
    print(f"{status} ({seconds:.0f} s)")
    if best is not None:
        print(f"{'least' if a.least else 'greatest'} {a.most} score: {best:.4f}")
    if lost:
        print("given up: " + ", ".join(f"{c} {col}" for c, col in lost))
    if split is not None:
        cm = CityMatrix(t, split)
        held = cm.obj.parts(cm.V)
        print(f"measured: Table 43 {held['top_held']}, Tables 44-48 {held['detail_held']}, "
              f"published city counts missed {held['count_miss']:g}")
        if a.out:
            with atomic_write(a.out) as fh:
                split.to_csv(fh, index=False, lineterminator="\n", float_format="%.2f")
    return 0


if __name__ == "__main__":
    sys.exit(main())
