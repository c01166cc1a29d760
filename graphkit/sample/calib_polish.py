"""Third stage of the calibration: polish the city split by local search.

The city program (:mod:`graphkit.sample.calib_city`) has to linearise: the cities outside the
top 20 share their province's leftover mean, and where they stand around the top 20 is
chosen before it runs. Its split therefore holds the five city scores but only part of
Table 43 and of Tables 44-48. This stage starts from that split and moves units between two
cities of one province — relations, firms, universities, institutes, linkers, parks,
policies, financing amounts, entities with a known value and their sums — and keeps a move
when it lowers the miss of the published *city* figures, measured exactly as the scoring
pipeline measures them.

Every move keeps the province totals (counts, amounts and the valid samples and sums behind
each mean), so every province and circle figure of the first stage is untouched. Every move
keeps the interface the realiser relies on (docs/sample_calibration.md): no edge in a city
without firms, basic/technology-layer firms and valid samples within their counts, an amount
exactly where there are financing relations, the named entities' floors, and no city above
an indicator's leader (the leader fixes the min-max scale).

Deterministic: a seeded generator and a fixed number of moves per chain; :func:`polish` runs
one chain, :func:`polish_best` several side by side and keeps the best. Both return the new
city table and a record of what changed.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graphkit.sample.calib_city import FIRM_EDGES, NAMED_FLOORS, unit_is_cents
from graphkit.sample.calib_province import COUNT_SCALE, MEAN_BASE
from graphkit.sample.calib_targets import Targets

__all__ = ["Objective", "polish", "polish_best", "MOVES", "SEEDS", "TEMPERATURES", "WEIGHTS"]

#: Moves tried per chain (one proposal each; 600,000 take about 85 s on one core), and the
#: seeds of the chains run side by side (the best is kept).
MOVES = 600_000
SEEDS = (2021, 2022)
#: Objective weights: a city score off by more than its tolerance (per point), a missed rank
#: of Table 43 or of Tables 44-48, the distance of a missed rank (log(1 + places): it guides
#: the search towards the published rank even from far away), a missed published city
#: count, and a financing amount per relation far from the national one (per e-fold beyond
#: a factor 4).
WEIGHTS = {"score": 1000.0, "rank": 1.0, "rank_distance": 0.3, "count": 0.5, "amount_ratio": 0.3}
SCORE_TOL = 0.004
#: Annealing temperatures, first and last move (geometric in between): early on a move that
#: costs a rank is sometimes kept, to leave plateaus of equal rank counts; late, almost never.
TEMPERATURES = (0.1, 0.02)


class Objective:
    """The miss of the published city figures for a city table, computed as the pipeline does.

    ``columns`` are the city_values columns held in the integer matrix (amounts and valuation
    sums in cents). :meth:`__call__` returns the total penalty; :meth:`parts` its components.
    """

    def __init__(self, t: Targets, codes: list[str], columns: list[str]):
        self.columns = columns
        self.col = {c: i for i, c in enumerate(columns)}
        self.tier3 = list(t.tier3)
        w = np.array([t.spec[j]["weight"] for j in self.tier3])
        t2 = list(t.tier2)
        t1 = list(t.tier1)
        self.t2_of = np.array([[1.0 if j in t.tier2[k] else 0.0 for k in t2] for j in self.tier3]) * w[:, None]
        self.t1_of = np.array([[1.0 if k in t.tier1[g] else 0.0 for g in t1] for k in t2])
        self.t2_codes, self.t1_codes = t2, t1
        row = {c: i for i, c in enumerate(codes)}
        zh2code = dict(zip(t.cities.zh, t.cities.code))
        en2code = dict(zip(t.cities.en, t.cities.code))
        top = t.city_top20
        self.top_rows = np.array([row[zh2code[z]] for z in top.city_zh])
        # Table 43: total then the tier-1 dimensions, in the order of _levels()
        self.top_ranks = np.array([[r.total_rank] + [getattr(r, f"{k}_rank") for k in t1]
                                   for r in top.itertuples()], dtype=float)
        scored = top[top.total_score.notna()]
        self.score_rows = np.array([row[zh2code[z]] for z in scored.city_zh])
        self.score_pub = scored.total_score.to_numpy(float)
        # Tables 44-48: every ranked indicator of the five cities
        names = ["total"] + t1 + t2 + self.tier3
        pos = {n: i for i, n in enumerate(names)}
        cd = t.city_detail
        self.det_rows = np.array([row[zh2code[z]] for z in cd.city_zh])
        self.det_cols = np.array([pos[p.split("/")[-1]] for p in cd.indicator_path])
        self.det_pub = cd.rank_2021.to_numpy(float)
        # published city counts that are indicators of the table
        cnt = t.counts[(t.counts.region_level == "city") & ~t.counts.is_share.astype(bool)
                       & t.counts.quantity.isin(columns)]
        cnt = cnt[cnt.region_en.map(en2code).isin(row)]
        self.cnt_rows = np.array([row[en2code[e]] for e in cnt.region_en], dtype=int)
        self.cnt_cols = np.array([self.col[q] for q in cnt.quantity], dtype=int)
        self.cnt_pub = cnt.value.to_numpy(float)
        self.amt, self.rel = self.col["financing_amount"], self.col["financing_relations"]
        # gathers for raw(): plain columns, and the means' samples and sums
        plain = [i for i, j in enumerate(self.tier3) if j not in MEAN_BASE]
        self.plain_out = np.array(plain)
        self.plain_in = np.array([self.col[self.tier3[i]] for i in plain])
        self.plain_scale = np.array([100.0 if self.tier3[i] == "financing_amount" else 1.0 for i in plain])
        mean = [i for i, j in enumerate(self.tier3) if j in MEAN_BASE]
        self.mean_out = np.array(mean)
        self.mean_n = np.array([self.col[f"{self.tier3[i]}__n"] for i in mean])
        self.mean_s = np.array([self.col[f"{self.tier3[i]}__sum"] for i in mean])
        self.mean_scale = np.array([100.0 if unit_is_cents(self.tier3[i]) else 1.0 for i in mean])
        # every ranked cell, Table 43 first: (row, column of levels(), published rank)
        n1 = 1 + len(t1)
        self.cells_row = np.concatenate([np.repeat(self.top_rows, n1), self.det_rows])
        self.cells_col = np.concatenate([np.tile(np.arange(n1), len(self.top_rows)), self.det_cols])
        self.cells_pub = np.concatenate([self.top_ranks.ravel(), self.det_pub])
        self.n_top = self.top_ranks.size

    def raw(self, V: np.ndarray) -> np.ndarray:
        """The tier-3 raw values (cities x indicators); a mean without valid sample is 0."""
        out = np.empty((V.shape[0], len(self.tier3)))
        out[:, self.plain_out] = V[:, self.plain_in] / self.plain_scale
        n = V[:, self.mean_n]
        s = V[:, self.mean_s] / self.mean_scale
        out[:, self.mean_out] = np.divide(s, n, out=np.zeros(n.shape), where=n > 0)
        return out

    def levels(self, V: np.ndarray) -> np.ndarray:
        """Scores of every city: total, tier-1, tier-2, tier-3 (min-max x 100) side by side."""
        x = self.raw(V)
        lo, hi = x.min(axis=0), x.max(axis=0)
        span = hi - lo
        norm = np.divide((x - lo) * 100.0, span, out=np.zeros_like(x), where=span > 0)
        t2 = norm @ self.t2_of
        t1 = t2 @ self.t1_of
        return np.column_stack([t1.sum(axis=1), t1, t2, norm])

    def ranks(self, S: np.ndarray) -> np.ndarray:
        """Competition ranks (ties share the best rank, 9 decimals) of every published cell."""
        # One sort for all columns: scores lie in [0, 100], so column c is shifted by 1000 c
        # and a cell's rank is the number of values of its column above it, plus one.
        n, k = S.shape
        R = np.round(S, 9) + np.arange(k) * 1000.0
        flat = np.sort(R.T.ravel())
        above = (self.cells_col + 1) * n - np.searchsorted(flat, R[self.cells_row, self.cells_col], side="right")
        return 1 + above

    def parts(self, V: np.ndarray) -> dict[str, float]:
        """Penalty components and the counts of figures held."""
        S = self.levels(V)
        d = np.abs(self.ranks(S) - self.cells_pub)
        d_top, d_det = d[:self.n_top], d[self.n_top:]
        score_miss = np.maximum(np.abs(S[self.score_rows, 0] - self.score_pub) - SCORE_TOL, 0.0)
        cnt_miss = V[self.cnt_rows, self.cnt_cols] != self.cnt_pub
        rel, amt = V[:, self.rel].astype(float), V[:, self.amt].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per = amt / rel
            ref = amt.sum() / max(rel.sum(), 1.0)
            dev = np.where(rel > 0, np.abs(np.log(np.maximum(per, 1e-9) / ref)) - math.log(4.0), 0.0)
        return {
            "score": float(score_miss.sum()),
            "top_held": int((d_top == 0).sum()), "top_all": int(d_top.size),
            "detail_held": int((d_det == 0).sum()), "detail_all": int(d_det.size),
            "rank_miss": float((d_top > 0).sum() + (d_det > 0).sum()),
            "rank_distance": float(np.log1p(d_top).sum() + np.log1p(d_det).sum()),
            "count_miss": float(cnt_miss.sum()), "count_all": int(cnt_miss.size),
            "amount_ratio": float(np.maximum(dev, 0.0).sum()),
        }

    def __call__(self, V: np.ndarray) -> float:
        p = self.parts(V)
        return (WEIGHTS["score"] * p["score"] + WEIGHTS["rank"] * p["rank_miss"]
                + WEIGHTS["rank_distance"] * p["rank_distance"] + WEIGHTS["count"] * p["count_miss"]
                + WEIGHTS["amount_ratio"] * p["amount_ratio"])


class _Rules:
    """The interface constraints of one city row, checked after a move."""

    def __init__(self, col: dict, V: np.ndarray, codes: list[str], t: Targets):
        self.col = col
        self.fe = [col[j] for j in FIRM_EDGES]
        self.means = [(col[f"{j}__n"], col[f"{j}__sum"], col[b]) for j, b in MEAN_BASE.items()]
        # leaders fix the min-max scale: their cells stay, no other city may pass them
        self.cap = np.full(V.shape[1], np.iinfo(np.int64).max, dtype=np.int64)
        self.frozen: set[tuple[int, int]] = set()
        for j in list(COUNT_SCALE) + ["financing_amount"]:
            c = col[j]
            lead = int(np.argmax(V[:, c]))
            self.cap[c] = V[lead, c]
            self.frozen.add((lead, c))
        self.mean_cap = {}
        for j in MEAN_BASE:
            n, s = V[:, col[f"{j}__n"]], V[:, col[f"{j}__sum"]]
            m = np.divide(s, n, out=np.zeros(len(n)), where=n > 0)
            lead = int(np.argmax(m))
            self.mean_cap[j] = m[lead]
            self.frozen |= {(lead, col[f"{j}__n"]), (lead, col[f"{j}__sum"])}
        row = {c: i for i, c in enumerate(codes)}
        zh2code = dict(zip(t.cities.zh, t.cities.code))
        en2zh = dict(zip(t.city_top20.city_en, t.city_top20.city_zh))
        self.floors = []
        for city, j, bound in NAMED_FLOORS:
            code = zh2code.get(en2zh.get(city, ""))
            if code in row:
                c = col[f"{j}__sum"] if j in MEAN_BASE else col[j]
                if V[row[code], c] >= bound:  # held by the program: keep it
                    self.floors.append((row[code], c, bound))

    def ok(self, V: np.ndarray, r: int) -> bool:
        """True when row ``r`` of ``V`` keeps every rule."""
        v = V[r]
        c = self.col
        if (v < 0).any() or (v > self.cap).any():
            return False
        if v[c["basic_tech_firm_count"]] > v[c["firm_count"]]:
            return False
        if (v[c["financing_amount"]] > 0) != (v[c["financing_relations"]] > 0):
            return False
        if v[c["firm_count"]] == 0 and v[self.fe].any():
            return False
        for n, s, b in self.means:
            if v[n] > v[b] or (v[n] == 0 and v[s] != 0):
                return False
        for j, cap in self.mean_cap.items():
            n = v[c[f"{j}__n"]]
            if n and v[c[f"{j}__sum"]] / n > cap + 1e-9:
                return False
        return all(V[fr, fc] >= b for fr, fc, b in self.floors if fr == r)


def _propose(rng, V, groups, p_group, col, counts, means, force=None):
    """One random move inside one province: returns (row a, row b, deltas by column) or None.

    With ``force`` (a row and its province's rows) one end of the move is that row."""
    if force is None:
        g = groups[rng.choice(len(groups), p=p_group)]
        a, b = (int(x) for x in rng.choice(g, 2, replace=False))
    else:
        r, g = force
        other = int(rng.choice(g[g != r]))
        a, b = (r, other) if rng.random() < 0.5 else (other, r)
    kind = rng.random()
    if kind < 0.1:  # two cities trade places on one indicator (a mean: its sample and sum)
        if rng.random() < 0.6:
            j = counts[rng.integers(len(counts))]
            cs = [col[j]] + ([col["financing_amount"]] if j == "financing_relations" else [])
        else:
            j = means[rng.integers(len(means))]
            cs = [col[f"{j}__n"], col[f"{j}__sum"]]
        return a, b, {c: int(V[a, c] - V[b, c]) for c in cs}
    if kind < 0.55:  # a count (with the amount when financing relations appear or vanish)
        c = col[counts[rng.integers(len(counts))]]
        have = V[a, c]
        if have <= 0:
            return None
        d = 1 if rng.random() < 0.6 else int(rng.integers(1, have // 2 + 2))
        d = min(d, int(have))
        delta = {c: d}
        if c == col["financing_relations"]:
            amt = col["financing_amount"]
            if d == have:  # a loses every relation: its amount goes too
                delta[amt] = int(V[a, amt])
            elif V[b, c] == 0:  # b gains its first relation: a share of a's amount comes along
                delta[amt] = int(V[a, amt] * d // (have + d))
        return a, b, delta
    if kind < 0.7:  # a share of the financing amount
        amt = col["financing_amount"]
        if V[a, amt] <= 1 or V[b, col["financing_relations"]] == 0:
            return None
        return a, b, {amt: int(V[a, amt] * rng.random() * 0.5)}
    j = means[rng.integers(len(means))]
    n, s = col[f"{j}__n"], col[f"{j}__sum"]
    if kind < 0.85:  # part of a mean's sum
        if V[a, s] <= 0 or V[b, n] == 0:
            return None
        return a, b, {s: int(V[a, s] * rng.random() * 0.5)}
    if V[a, n] == 0:  # one entity with a known value, and its share of the sum
        return None
    share = V[a, s] if V[a, n] == 1 else int(V[a, s] * rng.random() * 2 // V[a, n])
    return a, b, {n: 1, s: int(min(share, V[a, s]))}


def _compensate(rng, V, obj, value, force, col, rules, counts, means, tries: int = 12):
    """Try ``tries`` second moves at the forced row; apply the best that lowers ``value``.

    Returns (objective after, (a, b, delta) of the applied move or None)."""
    best, best_move = value, None
    for _ in range(tries):
        prop = _propose(rng, V, None, None, col, counts, means, force=force)
        if prop is None or not any(prop[2].values()) or any(
                (prop[0], c) in rules.frozen or (prop[1], c) in rules.frozen for c in prop[2]):
            continue
        a, b, delta = prop
        for c, d in delta.items():
            V[a, c] -= d
            V[b, c] += d
        if rules.ok(V, a) and rules.ok(V, b):
            new = obj(V)
            if new < best:
                best, best_move = new, prop
        for c, d in delta.items():
            V[a, c] += d
            V[b, c] -= d
    if best_move is not None:
        a, b, delta = best_move
        for c, d in delta.items():
            V[a, c] -= d
            V[b, c] += d
    return best, best_move


def polish(t: Targets, city: pd.DataFrame, moves: int = MOVES, seed: int = 2021, log=None,
           temperatures: tuple[float, float] = TEMPERATURES):
    """Improve the city split ``city`` (city_values rows) by local search.

    Returns (new city table, record) where record holds the objective's parts before and
    after and the number of moves kept.
    """
    muni = set(t.provinces[t.provinces.municipality.str.lower() == "true"].code)
    keep = city[city.province_code.isin(muni)]
    work = city[~city.province_code.isin(muni)].reset_index(drop=True)
    columns = [c for c in work.columns if c not in ("city_code", "province_code")]
    cents = {"financing_amount"} | {f"{j}__sum" for j in MEAN_BASE if unit_is_cents(j)}
    V = np.column_stack([np.round(work[c].to_numpy(float) * (100 if c in cents else 1)).astype(np.int64)
                         for c in columns])
    codes = list(work.city_code)
    col = {c: i for i, c in enumerate(columns)}
    obj = Objective(t, codes, columns)
    rules = _Rules(col, V, codes, t)
    groups = [np.flatnonzero(work.province_code.to_numpy() == pc) for pc in sorted(work.province_code.unique())]
    groups = [g for g in groups if len(g) > 1]
    # provinces holding published cities are where most figures move: tried four times as often
    published = set(obj.top_rows)
    p_group = np.array([1.0 + 3.0 * len(published.intersection(g)) for g in groups])
    p_group /= p_group.sum()
    counts = list(COUNT_SCALE)
    means = list(MEAN_BASE)
    scored = set(int(r) for r in obj.score_rows)
    group_of = {int(r): g for g in groups for r in g}
    rng = np.random.default_rng(seed)
    before = obj.parts(V)
    cur = best = obj(V)
    best_V = V.copy()
    kept = 0
    t0, t1 = temperatures
    for i in range(moves):
        if log and i and i % 100_000 == 0:
            p = obj.parts(best_V)
            log(f"polish (seed {seed}): {i:,} of {moves:,} moves, best objective {best:.2f}, Table 43 {p['top_held']}/{p['top_all']}, "
                f"Tables 44-48 {p['detail_held']}/{p['detail_all']}")
        prop = _propose(rng, V, groups, p_group, col, counts, means)
        if prop is None:
            continue
        a, b, delta = prop
        if not any(delta.values()) or any((a, c) in rules.frozen or (b, c) in rules.frozen for c in delta):
            continue
        for c, d in delta.items():
            V[a, c] -= d
            V[b, c] += d
        second = None
        if rules.ok(V, a) and rules.ok(V, b):
            new = obj(V)
            temp = t0 * (t1 / t0) ** (i / moves)
            if new > cur and (a in scored or b in scored):
                # a published city score may have left its tolerance: a second move at the same
                # city can restore it, which makes score-neutral trades reachable
                r = a if a in scored else b
                new, second = _compensate(rng, V, obj, new, (r, group_of[r]), col, rules, counts, means)
            if new <= cur or rng.random() < math.exp(-(new - cur) / temp):
                cur = new
                kept += 1
                if cur < best:
                    best, best_V = cur, V.copy()
                continue
        for a_, b_, delta_ in ([second] if second else []) + [(a, b, delta)]:
            for c, d in delta_.items():
                V[a_, c] += d
                V[b_, c] -= d
    V = best_V
    after = obj.parts(V)
    out = work.copy()
    for c, i in col.items():
        vals = V[:, i] / (100.0 if c in cents else 1.0)
        out[c] = vals if c in cents else vals.astype(np.int64)
    out = pd.concat([keep, out], ignore_index=True).sort_values("city_code", kind="stable").reset_index(drop=True)
    return out[city.columns], {"moves": moves, "kept": kept, "seed": seed, "objective": round(best, 6),
                               "before": before, "after": after}


def _chain(args):
    t, city, moves, seed, log = args
    return polish(t, city, moves=moves, seed=seed, log=log)


def polish_best(t: Targets, city: pd.DataFrame, seeds: tuple[int, ...] = SEEDS, moves: int = MOVES, log=None):
    """Run one :func:`polish` chain per seed (in parallel where there are cores) and keep the
    best; ties go to the earlier seed, so the result does not depend on the machine.

    Returns (city table, record) of the chain kept, the record listing every chain's result."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(t, city, moves, s, log) for s in seeds]  # log must be a module-level function
    workers = min(len(seeds), os.cpu_count() or 1)
    if log:
        log(f"polish: {len(seeds)} chains of {moves:,} moves on {workers} processes")
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_chain, jobs))
    else:
        results = [_chain(j) for j in jobs]
    best = min(range(len(results)), key=lambda i: (results[i][1]["objective"], i))
    out, record = results[best]
    record = dict(record, chains=[{"seed": r["seed"], "objective": r["objective"],
                                   "table43": r["after"]["top_held"], "tables44_48": r["after"]["detail_held"]}
                                  for _, r in results])
    if log:
        a = record["after"]
        log(f"polish: kept seed {record['seed']}: Table 43 {a['top_held']}/{a['top_all']}, "
            f"Tables 44-48 {a['detail_held']}/{a['detail_all']}")
    return out, record
