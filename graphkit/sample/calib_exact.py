"""Which of Table 43's ranks a city split could hold at all, column by column.

The polish stage (:mod:`graphkit.sample.calib_polish`) searches locally and levels off
below the 140 ranks of Table 43. This module asks the question exactly, for one column of
Table 43 (the total or one tier-1 dimension) or a few together: with every city's values
free, how few of the columns' published facts must give way?

What stays as in the given split: the province totals (so every province and circle figure),
the valid samples behind each mean (the ``__n`` columns), the leaders' cells and so the
min-max scales, the realiser's rules (see :class:`graphkit.sample.calib_polish._Rules`),
the named entities' floors, and the five published city scores within
:data:`~graphkit.sample.calib_polish.SCORE_TOL`. With scales and valid samples fixed, every
score is linear in the cities' counts and sums, so the question is a mixed-integer program:

* the published order among the top 20 as consecutive pairs (a tie is an equality); a pair
  may give way at :data:`ORDER_COST`;
* scores count as apart when they differ by at least :data:`MARGIN` (the report prints two
  decimals), so that the solver's tolerances cannot decide an order;
* for each top-20 city, the number of other cities above it, read off its published rank
  (Ningde's government rank 164, below the 19 other top-20 cities, means 144 other cities
  above it); a binary per other city and distinct count says whether it is above, and a
  count may be missed at :data:`PLACE_COST` per city.

The program minimises the orders given up first (a place costs far less than an order).
The answer is exact *for the given valid samples and scales*, which the calibration
chooses; it is not a proof about every conceivable split. See docs/sample_calibration.md.

Run ``python -m graphkit.sample.calib_exact [--values CSV] [--columns total,academic+enterprise]``.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphkit.sample.calib_lp import Expr, Model, esum
from graphkit.sample.calib_polish import SCORE_TOL, CityMatrix
from graphkit.sample.calib_province import MEAN_BASE

__all__ = ["ColumnResult", "MARGIN", "ORDER_COST", "PLACE_COST", "exact_columns", "main"]

#: A city is above another when its score is higher by at least this much. The program's
#: solution is rounded and measured again, so a margin above the solver's tolerances keeps
#: the measured order the program's.
MARGIN = 1e-4
#: Cost of an order among the top 20 given up, and of one city too many or too few above a
#: top-20 city: orders first.
ORDER_COST, PLACE_COST = 5.0, 0.01


@dataclass
class ColumnResult:
    """The answer for some columns: the solver's status, the orders among the top 20 that
    give way as (column, published above, published below), the number of cities too many
    or too few above top-20 cities, and the split found (rows of :class:`CityMatrix`), or
    None when the program found none."""

    columns: tuple[str, ...]
    status: str
    orders_given_up: list[tuple[str, str, str]] = field(default_factory=list)
    places_missed: int = 0
    split: np.ndarray | None = None

    @property
    def solved(self) -> bool:
        """True when the program was solved to optimality (the counts above are minimal)."""
        return self.split is not None and "Optimal" in self.status


def _variables(m: Model, cm: CityMatrix, pcode: np.ndarray, move: tuple[str, ...] = (),
               free: set[int] | None = None, rows: set[int] | None = None,
               move_up_to: int | None = None) -> tuple[dict, dict]:
    """One expression per (row, column): a constant for leaders' cells, the valid samples
    that stay, the columns not in ``free`` (default: all free) and the rows not in ``rows``
    (default: all rows), a variable bounded by the leader's value and the province total
    otherwise.

    A mean in ``move`` gets a valid sample that may move between the cities of a province:
    one binary per city and sample size k, with the city's sum split by size
    (``parts[row, mean]`` lists (k, sum at size k)), so the mean stays linear. With
    ``move_up_to``, only provinces whose sample has at most that many entities move theirs
    (the binaries grow with it). Returns (expressions, parts)."""
    V, rules, obj, col = cm.V, cm.rules, cm.obj, cm.col
    fixed_cols = set(obj.mean_n.tolist())
    if free is not None:
        fixed_cols |= set(range(V.shape[1])) - set(free)
    totals = {p: V[pcode == p].sum(axis=0) for p in set(pcode)}
    x, parts = {}, {}
    for r in range(V.shape[0]):
        if rows is not None and r not in rows:
            for c in range(V.shape[1]):
                x[r, c] = Expr({}, float(V[r, c]))
            continue
        moving = {col[f"{j}__n"]: j for j in move
                  if move_up_to is None or totals[pcode[r]][col[f"{j}__n"]] <= move_up_to}
        moving_sums = {col[f"{j}__sum"] for j in moving.values()}
        for c in range(V.shape[1]):
            if (c in fixed_cols and c not in moving and c not in moving_sums) or (r, c) in rules.frozen:
                x[r, c] = Expr({}, float(V[r, c]))
                continue
            if c in moving or c in moving_sums:
                continue  # below, size by size
            ub = min(float(rules.cap[c]), float(totals[pcode[r]][c]))
            # amounts and sums in cents run to 1e9: continuous and scaled, so that the
            # program's coefficients stay in a range HiGHS handles well (rounded after)
            k = 1e4 if ub > 1e6 else 1.0
            x[r, c] = m.add_var(0.0, ub / k, integer=k == 1.0) * k
        for n_col, j in moving.items():
            if (r, n_col) in rules.frozen:
                continue
            s_col = col[f"{j}__sum"]
            top_k = int(min(rules.cap[col[MEAN_BASE[j]]], totals[pcode[r]][n_col]))
            ys, parts[r, j] = [], []
            for k in range(1, top_k + 1):
                y = m.add_var(0, 1, integer=True)  # 1: the city's sample has k entities
                cap = k * rules.mean_cap[j]
                scale = 1e4 if cap > 1e6 else 1.0
                # whole sums, as the split has them (a rounded continuous sum moved means by
                # more than the margin)
                s_k = m.add_var(0.0, cap / scale, integer=scale == 1.0) * scale
                m.add(s_k - y * cap, hi=0.0)
                ys.append(y)
                parts[r, j].append((k, s_k))
            m.add(esum(ys), hi=1.0)  # one size at most (none: no valid entity)
            x[r, n_col] = esum(y * float(k) for k, y in enumerate(ys, 1))
            x[r, s_col] = esum(s_k for _, s_k in parts[r, j])
    for p in sorted(totals):
        members = np.flatnonzero(pcode == p)
        for c in range(V.shape[1]):
            # a province whose cells are all constants adds nothing (Model.add drops it)
            m.eq(esum(x[int(r), c] for r in members), float(totals[p][c]))
    return x, parts


def _rules(m: Model, cm: CityMatrix, x: dict) -> None:
    """The realiser's rules and the named floors, as the polish stage holds them."""
    V, rules, obj, col = cm.V, cm.rules, cm.obj, cm.col
    fc, bt = col["firm_count"], col["basic_tech_firm_count"]
    amt, rel = obj.amt, obj.rel
    # financing amount per relation stays within the range the split already spans, or a
    # factor 4 of the national figure (the polish stage's measure)
    ref = obj.amount_reference(V)
    have = V[:, rel] > 0
    per = V[have, amt] / V[have, rel]
    k_lo, k_hi = min(ref / 4, per.min()), max(ref * 4, per.max())
    edge_ref = obj.edge_reference(V)
    for r in range(V.shape[0]):
        m.ge(x[r, fc], x[r, bt])
        m.ge(x[r, amt], x[r, rel] * k_lo)
        m.ge(x[r, rel] * k_hi, x[r, amt])
        for j, base in MEAN_BASE.items():
            n, s = col[f"{j}__n"], col[f"{j}__sum"]
            m.ge(x[r, col[base]], x[r, n])
            m.ge(x[r, n] * rules.mean_cap[j], x[r, s])
        # relations per firm at most 4x the province's (or what the split already has):
        # this also keeps every firm-located relation in a city with firms
        for k, c in enumerate(obj.fe):
            lim = 4.0 * edge_ref[r, k]
            if V[r, fc] > 0:
                lim = max(lim, V[r, c] / V[r, fc])
            m.ge(x[r, fc] * lim, x[r, c])
    for r, c, bound in rules.floors:
        m.ge(x[r, c], float(bound))
    for c, lead, rest in obj.leading:
        for a in lead:
            for b in rest:
                m.ge(x[int(a), c], x[int(b), c] + 1.0)


def _scores(cm: CityMatrix, x: dict, parts_of: dict, lv: int) -> list[Expr]:
    """Every row's score at level ``lv`` of :meth:`Objective.levels` as an expression
    (``parts_of``: the sums by sample size of the means whose samples move)."""
    obj, V = cm.obj, cm.V
    hi = obj.raw(V).max(axis=0)
    weight = obj.level_matrix()[:, lv]
    plain = dict(zip(obj.plain_out.tolist(), zip(obj.plain_in.tolist(), obj.plain_scale.tolist())))
    mean = dict(zip(obj.mean_out.tolist(), zip(obj.mean_s.tolist(), obj.mean_n.tolist(), obj.mean_scale.tolist())))
    out = []
    for r in range(V.shape[0]):
        parts = []
        for j in np.flatnonzero(weight):
            j = int(j)
            if j in plain:
                c, scale = plain[j]
                parts.append(x[r, c] * (100.0 * weight[j] / (scale * hi[j])))
            else:
                s, n, scale = mean[j]
                if (r, obj.tier3[j]) in parts_of:
                    parts += [s_k * (100.0 * weight[j] / (scale * k * hi[j])) for k, s_k in parts_of[r, obj.tier3[j]]]
                elif V[r, n] > 0:
                    parts.append(x[r, s] * (100.0 * weight[j] / (scale * V[r, n] * hi[j])))
        out.append(esum(parts))
    return out


def exact_columns(cm: CityMatrix, names: list[str], columns, time_limit: float = 300.0,
                  move_samples: tuple[str, ...] = (), solver: str = "scipy") -> ColumnResult:
    """Fewest orders among the top 20 (then places) of Table 43's ``columns`` that must give
    way together for the split ``cm`` (its valid samples and scales); ``names`` are the
    top-20 cities' names in Table 43's order. The valid samples of the means in
    ``move_samples`` may move between the cities of a province. ``solver``: see
    :meth:`Model.solve` (scipy's HiGHS stops with "Solve error" on some of these programs).
    Returns a :class:`ColumnResult`."""
    obj, V = cm.obj, cm.V
    pcode = np.asarray(obj.prov_idx)
    m = Model()
    x, parts = _variables(m, cm, pcode, tuple(move_samples))
    _rules(m, cm, x)
    total = _scores(cm, x, parts, 0)
    for r, pub in zip(obj.score_rows, obj.score_pub):
        m.add(total[int(r)], pub - SCORE_TOL, pub + SCORE_TOL)
    levels = ["total"] + list(obj.t1_codes)  # the first columns of Objective.levels
    gave, slack = [], []
    for column in columns:
        lv = levels.index(column)
        g, s = _column(m, cm, total if lv == 0 else _scores(cm, x, parts, lv), lv)
        gave += [(column, a, b, v) for a, b, v in g]
        slack += s
    sol = m.solve(time_limit=time_limit, gap=1e-6, solver=solver)
    if not sol.ok:
        return ColumnResult(tuple(columns), sol.status)
    split = _split(V, x, sol, pcode)
    return ColumnResult(tuple(columns), sol.status,
                        [(column, names[a], names[b]) for column, a, b, v in gave if sol(v) > 0.5],
                        int(round(sum(sol(v) for v in slack))), split)


def _split(V: np.ndarray, x: dict, sol, pcode: np.ndarray) -> np.ndarray:
    """The matrix ``V`` with the solved cells of ``x`` rounded in; each province's rounding
    of the scaled (continuous) columns goes to its largest cell, so its totals stay."""
    split = V.copy()
    for (r, c), e in x.items():
        split[r, c] = int(round(sol(e)))
    for p in np.unique(pcode):
        rows = np.flatnonzero(pcode == p)
        d = V[rows].sum(axis=0) - split[rows].sum(axis=0)
        for c in np.flatnonzero(d):
            split[rows[int(np.argmax(split[rows, c]))], c] += d[c]
    return split


def _column(m: Model, cm: CityMatrix, S: list[Expr], lv: int):
    """Add one column's orders and places to ``m``; return (order binaries as (a, b, var),
    place slacks)."""
    obj, V = cm.obj, cm.V
    big = 100.0 * obj.level_matrix()[:, lv].sum() + 1.0
    top = [int(r) for r in obj.top_rows]
    pub = obj.top_ranks[:, lv]
    order = sorted(range(len(top)), key=lambda i: (pub[i], i))
    gave = []
    for a, b in zip(order, order[1:]):
        e = S[top[a]] - S[top[b]]
        g = m.add_var(0, 1, integer=True, cost=ORDER_COST)
        gave.append((a, b, g))
        if pub[a] == pub[b]:  # in Table 43 only at the bottom (academic 87: a score of 0)
            m.add(e + g * big, lo=0.0)
            m.add(e - g * big, hi=0.0)
        else:
            m.add(e + g * (big + MARGIN), lo=MARGIN)
    # others above each top-20 city: published rank - 1 - top-20 cities ranked above it
    above = {i: int(pub[i]) - 1 - int((pub < pub[i]).sum()) for i in range(len(top))}
    counts = sorted(set(above.values()))
    # not above: below by the margin too, so that the solver's tolerance cannot turn a tie
    # into an order; only the column's last top-20 place may tie, and only at a score of 0
    # (shared with every city that has nothing in this column; Changchun's capital rank 54
    # is last but scores above 0, and a city the solver left 1e-9 above it took rank 54)
    s0 = obj.levels(V)[:, lv]
    below = {i: 0.0 if pub[i] == pub.max() and s0[top[i]] == 0 else MARGIN for i in range(len(top))}
    others = [r for r in range(V.shape[0]) if r not in set(top)]
    u = {}
    for o in others:
        prev = None
        for n in counts:
            u[o, n] = m.add_var(0, 1, integer=True)  # 1: o is above the top-20 cities with n above
            if prev is not None:  # above a city with fewer others above -> above those below it
                m.ge(u[o, n], u[o, prev])
            prev = n
        for i in range(len(top)):
            e = S[o] - S[top[i]]
            m.add(e - u[o, above[i]] * (MARGIN + big), lo=-big)
            m.add(e - u[o, above[i]] * (big + below[i]), hi=-below[i])
    slack = []
    for n in counts:
        over = m.add_var(0, np.inf, cost=PLACE_COST)
        under = m.add_var(0, np.inf, cost=PLACE_COST)
        m.eq(esum(u[o, n] for o in others) - over + under, float(n))
        slack += [over, under]
    return gave, slack


def main(argv=None) -> int:
    """Command-line entry point: print, per column, what must give way."""
    from graphkit.sample.calib_targets import load_targets
    from graphkit.sample.calibrate import DEFAULT_OUT

    ap = argparse.ArgumentParser(prog="python -m graphkit.sample.calib_exact", description=__doc__.split("\n")[0])
    ap.add_argument("--values", type=Path, default=DEFAULT_OUT / "city_values.csv", help="city_values.csv to start from")
    ap.add_argument("--columns", default=None, help="Table 43 columns, each on its own (default: all seven); a+b asks for columns together")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per group of columns (default 300)")
    ap.add_argument("--solver", choices=("scipy", "highspy"), default="scipy",
                    help="HiGHS through scipy (default) or the highspy package, if installed")
    ap.add_argument("--move-samples", default="", help="means whose valid samples may move, comma-separated "
                    "(e.g. univ_avg_patents); default: none")
    a = ap.parse_args(argv)
    t = load_targets()
    cm = CityMatrix(t, pd.read_csv(a.values, dtype={"city_code": str, "province_code": str}))
    names = list(t.city_top20.city_en)
    known = ["total"] + list(cm.obj.t1_codes)
    groups = [g.split("+") for g in (a.columns or ",".join(known)).split(",")]
    move = tuple(filter(None, a.move_samples.split(",")))
    for bad in [c for g in groups for c in g if c not in known]:
        ap.error(f"unknown column {bad!r}; Table 43's columns are {', '.join(known)}")
    for bad in [j for j in move if j not in MEAN_BASE]:
        ap.error(f"{bad!r} is not a mean; the means are {', '.join(MEAN_BASE)}")
    for group in groups:
        res = exact_columns(cm, names, group, a.time_limit, move, a.solver)
        label = " + ".join(group)
        if res.split is None:
            print(f"{label}: no split found ({res.status})")
            continue
        given = "; ".join(f"{c} {x} > {y}" for c, x, y in res.orders_given_up) or "none"
        kind = "minimal" if res.solved else "not proven minimal"
        held = cm.obj.parts(res.split)["top_held"]
        print(f"{label}: orders given up ({kind}): {given}; cities too many or too few above: "
              f"{res.places_missed}; the split found holds {held} of Table 43's 140 ranks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
