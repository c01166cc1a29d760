"""What holding a published figure would cost: the what-ifs behind the reproduction check.

:mod:`graphkit.sample.check` explains every figure the sample does not reproduce. Where the
reason is a trade-off the calibration took, the explanation is measured here: the figure
is held by a small change to the raw values (units moved between two cities of a province,
between a province and the provinces outside, or the sum behind a mean), the index is
rescored with the pipeline's own stages (:func:`graphkit.evaluation.score_raw`), and the
published figures that change would lose are named (:class:`Figures`). Every sentence is
built in English and Chinese at once, from the same values (:mod:`graphkit.sample.bilingual`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphkit.sample.bilingual import (NO_TEXT, NOT_HELD, SEP, TRADE_OFF, Text, bi, column_zh, entities, indicator,
                                       rank_label, score_label)
from graphkit.sample.calib_targets import CIRCLE_CODES, SHARE_OF
from graphkit.schema import TABLE_TYPES

__all__ = ["Figures", "city_counts", "city_count_expl", "city_rank_expl", "members_of", "province_count_expl",
           "rank_of", "row_bound_expl", "score_of", "units_to_hold"]


def score_of(ev, level, code, region) -> float:
    """Score of ``region`` at ``level`` (total, tier1, tier2) and indicator ``code``."""
    if level == "total":
        return float(ev.total.get(region, np.nan))
    tab = ev.tier1 if level == "tier1" else ev.tier2
    return float(tab.at[region, code]) if region in tab.index else np.nan


def rank_of(ev, code, region):
    """Rank of ``region`` on ``code`` (any level), None where it has none."""
    return int(ev.ranks.at[region, code]) if region in ev.ranks.index and pd.notna(ev.ranks.at[region, code]) else None


def _rescored(ev, raw: pd.DataFrame):
    """The evaluation ``ev`` with its raw values replaced by ``raw``, scored by the pipeline's
    own stages (:func:`graphkit.evaluation.score_raw`)."""
    from types import SimpleNamespace

    from graphkit.evaluation import score_raw

    scores, contrib, tier2, tier1, total, ranks = score_raw(raw, ev.spec, ev.params.get("normalisation", "minmax"))
    return SimpleNamespace(raw=raw, scores=scores, contributions=contrib, total=total, tier1=tier1, tier2=tier2,
                           ranks=ranks, spec=ev.spec, params=ev.params)


def _circles_of(prov):
    """The circles' scores and ranks as the pipeline derives them from province scores
    (:func:`graphkit.evaluation.sum_circles`)."""
    from types import SimpleNamespace

    from graphkit.evaluation import sum_circles
    from graphkit.regions import load_regions

    _, _, tier2, tier1, total, ranks = sum_circles(prov, load_regions().circle_members())
    return SimpleNamespace(total=total, tier1=tier1, tier2=tier2, ranks=ranks)


class Figures:
    """Published figures (rows of :func:`graphkit.sample.check.compare` of the score and rank
    kinds, and published city counts of the index's own indicators) as index arrays, to tell
    quickly which of them hold in a rescored evaluation."""

    LEVEL = {"province_score": "province", "table3_rank": "province", "detail_rank": "province",
             "circle_score": "circle", "circle_rank": "circle",
             "city_score": "city", "city_rank": "city", "city_detail_rank": "city", "count": "city"}

    def __init__(self, t, rows: list[dict], tolerance: dict, spec=None):
        """``rows`` of kind ``count`` must be city counts of a raw indicator (see
        :func:`city_counts`); ``spec`` (default: the report's indicator system) names the
        indicators in Chinese."""
        self.spec = spec
        code = {"province": {**t.en2code, **dict(zip(t.provinces.zh, t.provinces.code))},
                "circle": CIRCLE_CODES, "city": dict(zip(t.cities.zh, t.cities.code))}
        self.rows = [r for r in rows if r["kind"] in self.LEVEL]
        self.level = np.array([self.LEVEL[r["kind"]] for r in self.rows])
        self.region = [code[self.LEVEL[r["kind"]]].get(r["region_en"], code[self.LEVEL[r["kind"]]].get(r["region"]))
                       if r["kind"] != "count" else code["city"][r["region"]] for r in self.rows]
        self.column = [str(r["indicator"]).split("/")[-1].split(":")[-1] for r in self.rows]
        self.type = np.array(["count" if r["kind"] == "count" else "score" if r["kind"].endswith("_score") else "rank"
                              for r in self.rows])
        self.published = np.array([float(r["published"]) for r in self.rows])
        self.tol = np.array([0.5 - 1e-9 if r["kind"] == "count" else tolerance.get(r["kind"], 0.0) + 1e-9
                             for r in self.rows])
        self.held = np.array([bool(r["match"]) for r in self.rows])
        self.reproduced = np.array([float(r["reproduced"]) if r["reproduced"] is not None else np.nan
                                    for r in self.rows])

    @staticmethod
    def _frame(ev, kind: str) -> pd.DataFrame:
        if kind == "score":
            return pd.concat([ev.total.rename("total"), ev.tier1, ev.tier2], axis=1)
        return ev.ranks if kind == "rank" else ev.raw

    def holding(self, evs: dict) -> np.ndarray:
        """Which figures hold in ``evs`` (level -> evaluation-like object)."""
        out = self.held.copy()
        for level, ev in evs.items():
            for kind in ("score", "rank", "count"):
                sel = np.flatnonzero((self.level == level) & (self.type == kind))
                if not len(sel):
                    continue
                v = self._values(ev, sel, kind)
                out[sel] = v == self.published[sel] if kind == "rank" else np.abs(v - self.published[sel]) <= self.tol[sel]
        return out

    def _values(self, ev, sel: np.ndarray, kind: str) -> np.ndarray:
        """Figures ``sel`` (all of type ``kind``: score, rank or count) as ``ev`` gives them."""
        frame = self._frame(ev, kind)
        r = frame.index.get_indexer([self.region[i] for i in sel])
        c = frame.columns.get_indexer([self.column[i] for i in sel])
        return frame.to_numpy(float)[r, c]

    def printed(self, evs: dict, kind: str) -> np.ndarray:
        """Which figures of the score kind ``kind`` (``province_score``, ``city_score``…)
        ``evs`` gives as the report prints them, to two decimals; False for other figures."""
        out = np.zeros(len(self.rows), dtype=bool)
        sel = np.flatnonzero([r["kind"] == kind for r in self.rows])
        if len(sel):
            v = self._values(evs[self.LEVEL[kind]], sel, "score")
            out[sel] = np.round(v, 2) == np.round(self.published[sel], 2)
        return out

    def value(self, i: int, evs: dict) -> float:
        """Figure i (a score, a rank or a count) as it is in ``evs``."""
        ev, col, region = evs[self.level[i]], self.column[i], self.region[i]
        if self.type[i] == "rank":
            return float(rank_of(ev, col, region))
        if self.type[i] == "count":
            return float(ev.raw.at[region, col])
        return score_of(ev, "total" if col == "total" else "tier1" if col in ev.tier1.columns else "tier2", col, region)

    def describe(self, i: int, evs: dict) -> Text:
        """One figure, published and as it would be in ``evs``."""
        r, col = self.rows[i], self.column[i]
        region = Text(r["region_en"], r["region"])
        if self.type[i] == "score":
            return bi("{region}'s {col} score {pub:g} -> {now:.2f}", "{region}{label} {pub:g} → {now:.2f}",
                      region=region, col=col, label=score_label(col, self.spec), pub=r["published"],
                      now=self.value(i, evs))
        if self.type[i] == "count":
            return bi("{region}'s published {col} {pub:g} -> {now:g}", "{region}公布的{col} {pub:g} → {now:g}",
                      region=region, col=indicator(col, self.spec), pub=r["published"], now=self.value(i, evs))
        table = {"city_rank": Text("Table 43 ", "表43 "), "table3_rank": Text("Table 3 ", "表3 ")}.get(r["kind"], NO_TEXT)
        return bi("{table}{region} {col} rank {pub} -> {now}", "{table}{region}{label} {pub} → {now}",
                  table=table, region=region, col=col, label=rank_label(col, self.spec), pub=r["published"],
                  now=int(self.value(i, evs)))


def city_counts(t, city, rows: list[dict]) -> list[dict]:
    """Of the count rows, the published city counts of the index's own count and sum
    indicators: what a split of a province's units between its cities can hold or lose."""
    code = dict(zip(t.cities.zh, t.cities.code))
    return [r for r in rows if r["kind"] == "count" and code.get(r["region"]) in city.raw.index
            and r["indicator"] in city.raw.columns and r["match"] is not None]


def _cheapest(figures: Figures, options: dict, rescore) -> tuple:
    """Of ``options`` (label -> raw table), the one whose rescoring (``rescore``: raw -> {level:
    evaluation}) loses the fewest published figures, then gains the most. Returns (label,
    lost figure indices, number gained, the rescored evaluations)."""
    best = None
    for label, raw in options.items():
        evs = rescore(raw)
        now = figures.holding(evs)
        lost = np.flatnonzero(figures.held & ~now)
        gained = int((~figures.held & now).sum())
        if best is None or (len(lost), -gained) < (len(best[1]), -best[2]):
            best = (label, lost, gained, evs)
    return best


def _cost_text(figures: Figures, best: tuple, how: Text, what: Text, printed: str | None = None) -> Text:
    """The explanation of a figure (a count or a city rank) that gives way, from
    :func:`_cheapest`'s choice: what holding it would lose, or that it would lose nothing,
    and then which published scores (of kind ``printed``) would print otherwise."""
    _, lost, gained, evs = best
    if not len(lost):
        moved = []
        if printed:  # printed as the report prints it, and no longer (within tolerance still)
            before = np.round(figures.reproduced, 2) == np.round(figures.published, 2)
            kind = np.array([r["kind"] == printed for r in figures.rows])
            moved = np.flatnonzero(kind & before & ~figures.printed(evs, printed))
        held = bi("{how} no published {what} figure would be lost", "{how}，不会失去任何已公布的{what}数据",
                  how=how, what=what)
        if gained:
            held += bi(" and {gained} would be gained", "，还会多符合 {gained} 项", gained=gained)
        if not len(moved):
            return NOT_HELD + held
        # scores come before counts and ranks: the calibration changes no printed score for
        # them (calib_counts)
        n = len(moved)
        return TRADE_OFF + bi("{held}, but {n} published score{s} would no longer print as the report prints {them}: "
                              "{off}", "{held}，但有 {n} 个已公布的得分将不再与报告印出的一致：{off}",
                              held=held, n=n, s="s" if n > 1 else "", them="them" if n > 1 else "it",
                              off=_some(figures, moved, evs))
    n = len(lost)
    return TRADE_OFF + bi("{how} {n} published {what} figure{s} would be lost: {shown}",
                          "{how}，会失去 {n} 项已公布的{what}数据：{shown}",
                          how=how, n=n, what=what, s="s" if n > 1 else "", shown=_some(figures, lost, evs))


def _some(figures: Figures, which: np.ndarray, evs: dict) -> Text:
    """The first three of figures ``which`` as they are published and in ``evs``, and how
    many more there are."""
    shown = SEP.join(figures.describe(i, evs) for i in which[:3])
    more = len(which) - 3
    return shown + bi("; and {more} more", "；另有 {more} 项", more=more) if more > 0 else shown


def members_of(t, lvl: str, label: str) -> list[str]:
    """Province codes a published province, circle or outside-circles count adds up."""
    in_circle = sorted({p for ps in t.circles.values() for p in ps})
    if lvl == "province":
        return [t.en2code[label]] if label in t.en2code else []
    if label == "Four economic circles combined":
        return in_circle
    if label == "Regions outside the four circles":
        return sorted(set(t.provinces.code) - set(in_circle))
    return list(t.circles.get(CIRCLE_CODES.get(label, ""), []))


#: Layer counts the index sees as part of another indicator.
_LAYER_OF = {"basic_layer_firm_count": "basic_tech_firm_count", "tech_layer_firm_count": "basic_tech_firm_count",
             "application_layer_firm_count": "firm_count"}


def units_to_hold(q: str, is_share: bool, val: float, got: float, members: list, raw: pd.DataFrame, national) -> tuple:
    """(indicator, units to add to the members) that would hold a published count or share of
    them; (None, 0) where it is not a count or sum indicator of the index."""
    j = SHARE_OF.get(q) if is_share else _LAYER_OF.get(q, q)
    if j not in raw.columns:
        return None, 0.0
    if is_share:
        part = float(raw.loc[members, j].fillna(0).sum())
        delta = float(val) / 100.0 * float(national[j]) - part
    else:
        delta = float(val) - float(got)
    return j, (delta if j == "financing_amount" else float(round(delta)))


def _spread(values: pd.Series, total: float, whole: bool) -> pd.Series:
    """``total`` split over ``values``' index in proportion to them (whole units by largest
    remainders when ``whole``)."""
    share = values / values.sum() * total
    if not whole:
        return share
    out = np.floor(share)
    out[(share - out).sort_values(ascending=False, kind="stable").index[:int(round(total - out.sum()))]] += 1
    return out


def province_count_expl(t, prov, figures: Figures, members: list, j: str, delta: float,
                         single: bool) -> Text | None:
    """What holding a published province or circle count would cost, the rest unchanged.

    ``delta`` units of indicator ``j`` go to (or leave) one member province; the provinces
    outside ``members`` make up the difference in proportion to what they hold, so national
    totals (the sample sizes) stay. Each member is tried; the one that loses the fewest
    published province and circle figures is shown."""
    ops = dict(zip(prov.spec.tier3.code, prov.spec.tier3.op))
    if ops.get(j, "mean") == "mean" or abs(delta) < 1e-9:
        return None
    raw0 = prov.raw.fillna({c: 0.0 for c in prov.raw.columns if ops.get(c) != "mean"})
    outside = raw0.loc[~raw0.index.isin(members), j]
    outside = outside[outside > 0]
    if outside.empty or outside.sum() < delta:
        return None
    give = _spread(outside, delta, j != "financing_amount")
    name = _names(t.provinces)
    options = {}
    for m in members:
        if raw0.at[m, j] + delta < 0:
            continue
        raw = raw0.copy()
        raw.at[m, j] += delta
        raw.loc[give.index, j] -= give
        options[name[m]] = raw

    def rescore(raw):
        p2 = _rescored(prov, raw)
        return {"province": p2, "circle": _circles_of(p2)}

    if not options:
        return None
    best = _cheapest(figures, options, rescore)
    amount = f"{abs(delta):,.2f}" if j == "financing_amount" else f"{abs(delta):g}"
    where = Text("here", "本地区") if single else bi("in {p}", "{p}", p=best[0])
    if delta > 0:
        how = bi("with {amount} more {j} {where} (taken from the provinces outside in proportion; the rest unchanged)",
                 "若{where}的{j}多 {amount}（按比例取自所涉地区以外的省份，其余不变）", amount=amount, j=indicator(j, prov.spec),
                 where=where)
    else:
        how = bi("with {amount} fewer {j} {where} (given to the provinces outside in proportion; the rest unchanged)",
                 "若{where}的{j}少 {amount}（按比例分给所涉地区以外的省份，其余不变）", amount=amount, j=indicator(j, prov.spec),
                 where=where)
    return _cost_text(figures, best, how, Text("province or circle", "省级或经济圈"), printed="province_score")


def city_count_expl(t, city, figures: Figures, code, q, val, got) -> Text | None:
    """What holding a published city count would cost, the rest of the split unchanged.

    The city gets the published value; the difference comes from (or goes to) one other city
    of its province, so that the province's figures stay as they are. Of those cities, the one
    that loses the fewest published city figures (Table 43, the five scores, Tables 44-48, the
    other published city counts) is shown, with the figures it loses. Where no single city
    holds enough, the difference comes from all of them in proportion. None where the count is
    not a count or sum indicator of the index (a mean does not move by units between cities)."""
    ops = dict(zip(city.spec.tier3.code, city.spec.tier3.op))
    if code is None or ops.get(q, "mean") == "mean" or code not in city.raw.index:
        return None
    province = dict(zip(t.cities.code, t.cities.province_code))
    name = _names(t.cities)
    delta = val - got
    others = [c for c in city.raw.index if c != code and province.get(c) == province.get(code)]
    held = city.raw.loc[others, q].fillna(0.0)
    if not others or held.sum() < delta:
        return None
    takes = {name[c]: pd.Series({c: delta}) for c in others if held[c] >= delta}
    if not takes:  # several cities give, in proportion to what they hold
        take = _spread(held[held > 0], delta, True)
        takes = {Text("the other cities of its province in proportion", "本省其他城市（按比例）"): take[take > 0]}
    options = {}
    for label, take in takes.items():
        raw = city.raw.copy()
        raw.at[code, q] = val
        raw.loc[take.index, q] -= take
        options[label] = raw
    best = _cheapest(figures, options, lambda raw: {"city": _rescored(city, raw)})
    if delta > 0:
        how = bi("at {val:g} here ({d:g} more, taken from {other}; the rest of the split unchanged)",
                 "若本市此项为 {val:g}（多 {d:g}，取自{other}；其余分配不变）", val=val, d=abs(delta), other=best[0])
    else:
        how = bi("at {val:g} here ({d:g} fewer, given to {other}; the rest of the split unchanged)",
                 "若本市此项为 {val:g}（少 {d:g}，分给{other}；其余分配不变）", val=val, d=abs(delta), other=best[0])
    return _cost_text(figures, best, how, Text("city", "城市"), printed="city_score")


def _names(places: pd.DataFrame) -> dict:
    """Code -> name as the explanations give it (:class:`Text`: English, Chinese), for a
    table of places with code, en and zh columns (``t.cities``, ``t.provinces``)."""
    return {c: Text(en, zh) for c, en, zh in zip(places.code, places.en, places.zh)}


def _leaves(spec, column: str) -> list[str]:
    """The tier-3 codes a score column adds up: all for ``total``, a tier-1 or tier-2 code's
    indicators, or the tier-3 code itself."""
    return [c for c in spec.codes if column == "total" or column in spec.path(c).split("/")]


def _column_scores(ev, column: str) -> pd.Series:
    """The scores a rank column ranks: the total, a tier-1 or tier-2 score, or a tier-3 0-100 score."""
    if column == "total":
        return ev.total
    return next(table[column] for table in (ev.tier1, ev.tier2, ev.scores) if column in table.columns)


def _least(ok, most: float, whole: bool) -> float | None:
    """The least amount u in (0, ``most``] with ``ok(u)``, for ``ok`` monotone in u (whole
    units, or hundredths); None where even ``most`` is not enough."""
    most = float(np.floor(most)) if whole else float(most)
    if most <= 0 or not ok(most):
        return None
    lo, hi = 0.0, most
    while hi - lo > (1.0 if whole else 0.005):
        mid = (lo + hi) / 2
        if whole:
            mid = float(np.floor(mid))
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    if not whole:  # hundredths of the amount's unit, as the dataset prints it
        hi = min(float(np.ceil(hi * 100) / 100), most)
        while hi > 0.01 and ok(round(hi - 0.01, 2)):
            hi = round(hi - 0.01, 2)
    return hi


def _minmax_array(x: np.ndarray) -> np.ndarray:
    # graphkit.normalise.minmax on an array: a what-if's search calls it thousands of times
    span = x.max() - x.min()
    return (x - x.min()) / span * 100.0 if span > 0 else np.zeros_like(x)


def _rank_in(scores: np.ndarray, i: int) -> int:
    """Competition rank of entry ``i`` of ``scores``, as :func:`graphkit.score.rank` ranks."""
    s = np.round(scores, 9)
    return 1 + int((s > s[i]).sum())


@dataclass
class _Move:
    """One what-if for a missed city rank: an amount of one indicator moved between the city
    and another city of its province. Each callable takes the amount."""

    most: float  # the largest amount there is to move
    whole: bool  # whole units, or hundredths
    scale: float  # the indicator's national total, to order moves by relative size
    rank: Callable[[float], int]  # the city's rank on the column after the move
    raw: Callable[[float], pd.DataFrame]  # the raw table after the move
    label: Callable[[float], Text]  # "3 univ_count taken from Guangzhou"
    everything: Callable[[float], Text]  # "all 21 firm_count of Ningbo" (for ``most``)


def _count_moves(city, code, column: str, up: bool, others: list, name: dict) -> list[_Move] | None:
    """Moves of each count or sum under ``column`` between the city and each of ``others``,
    toward the city when ``up``, away from it otherwise; None where there is no count or sum
    under ``column``."""
    ops = dict(zip(city.spec.tier3.code, city.spec.tier3.op))
    if all(ops[j] == "mean" for j in _leaves(city.spec, column)):
        return None
    raw, sign = city.raw, (1.0 if up else -1.0)
    index = list(raw.index)
    c = index.index(code)
    base = _column_scores(city, column).reindex(raw.index).to_numpy(float)
    moves = []
    for j in [j for j in _leaves(city.spec, column) if ops[j] != "mean"]:
        x = raw[j].astype(float).fillna(0.0).to_numpy()
        norm0 = _minmax_array(x)
        w = 1.0 if j == column else float(city.spec.weights[j])
        amount = (lambda u: f"{u:,.2f}") if ops[j] == "sum" else (lambda u: f"{u:g}")
        what = indicator(j, city.spec)
        for other in others:
            k = index.index(other)
            if (x[k] if up else x[c]) <= 0:
                continue

            def after(u, x=x, k=k):
                x2 = x.copy()
                x2[c] += sign * u
                x2[k] -= sign * u
                return x2

            def moved(u, j=j, other=other):
                out = raw.copy()
                out.at[code, j] += sign * u
                out.at[other, j] -= sign * u
                return out

            def rank(u, after=after, norm0=norm0, w=w):
                return _rank_in(base + w * (_minmax_array(after(u)) - norm0), c)

            def label(u, amount=amount, what=what, where=name[other]):
                if up:
                    return bi("{u} {j} taken from {where}", "从{where}调入{j} {u}", u=amount(u), j=what, where=where)
                return bi("{u} {j} given to {where}", "把{j} {u} 调给{where}", u=amount(u), j=what, where=where)

            def everything(u, amount=amount, what=what, where=name[other]):
                if up:
                    return bi("all {u} {j} of {where}", "把{where}的{j} {u} 全部调入", u=amount(u), j=what, where=where)
                return bi("all its {u} {j} given to {where}", "把自身的{j} {u} 全部调给{where}", u=amount(u), j=what,
                          where=where)

            moves.append(_Move(most=float(x[k] if up else x[c]), whole=ops[j] != "sum", scale=float(x.sum()),
                               rank=rank, raw=moved, label=label, everything=everything))
    return moves


def _mean_moves(city, code, column: str, up: bool, others: list, name: dict, where: Text,
                ds) -> list[_Move] | Text | None:
    """Moves of the sum behind a mean (over each city's valid sample: its entities in ``ds``
    with a known value) between the city and each of ``others`` with a valid sample, so the
    province's sum and mean stay; or why there is none; None where ``ds`` does not hold the
    entities behind the mean."""
    spec = city.spec.tier3.set_index("code").loc[column]
    if ds is None or spec.table not in ds.nodes or spec.column not in ds.nodes[spec.table].columns:
        return None
    nodes = ds.nodes[spec.table]
    n = nodes.groupby("city_code")[spec.column].count()
    whole = bool((nodes[spec.column].dropna() % 1 == 0).all())
    raw, sign = city.raw, (1.0 if up else -1.0)
    index = list(raw.index)
    c = index.index(code)
    x = raw[column].astype(float).fillna(0.0).to_numpy()
    size = int(n.get(code, 0))
    col = column_zh(spec.column)
    if size == 0:
        return bi("{city} has no {table} of known {col}, so no sum of its own moves its mean",
                  "{city}没有{col}已知的{table}，因此没有属于它自己的总量可以调动来改变其平均值",
                  city=name[code], table=Text(spec.table, TABLE_TYPES[spec.table].zh), col=col)
    total, mates = x[c] * size, [o for o in others if n.get(o, 0)]
    if not mates:
        return bi("{city}'s {entities} of known {col} {are} all of {where}'s, so its mean is {where}'s, which the "
                  "province figures fix", "{city}{col}已知的 {entities}即{where}的全部，因此它的平均值就是{where}的"
                  "平均值，而后者由省级数据确定", city=name[code], entities=entities(spec.table, size), col=col,
                  are="is" if size == 1 else "are", where=where)
    amount = (lambda d: f"{d:,.0f}") if whole else (lambda d: f"{d:,.2f}")
    scale = float((x * n.reindex(index).fillna(0).to_numpy()).sum())
    moves = []
    for other in mates:
        k, nk = index.index(other), int(n[other])

        def after(d, k=k, nk=nk):
            v = x.copy()
            v[c] = (total + sign * d) / size
            v[k] = (x[k] * nk - sign * d) / nk
            return v

        def moved(d, after=after, other=other, k=k):
            out, v = raw.copy(), after(d)
            out.at[code, column], out.at[other, column] = v[c], v[k]
            return out

        def label(d, after=after, where=name[other]):
            values = dict(d=amount(d), col=col, n=entities(spec.table, size), mean=after(d)[c], was=x[c], where=where)
            if up:
                return bi("{d} {col} more over its {n}, a mean of {mean:,.2f} instead of {was:,.2f}, "
                          "taken from {where}",
                          "其 {n}的{col}总数多 {d}，平均值为 {mean:,.2f} 而非 {was:,.2f}，差额取自{where}", **values)
            return bi("{d} {col} fewer over its {n}, a mean of {mean:,.2f} instead of {was:,.2f}, given to {where}",
                      "其 {n}的{col}总数少 {d}，平均值为 {mean:,.2f} 而非 {was:,.2f}，差额分给{where}", **values)

        def everything(d, where=name[other], nk=nk):
            if up:
                return bi("all {d} {col} of {where}'s {n}", "把{where} {n}的{col} {d} 全部调入",
                          d=amount(d), col=col, where=where, n=entities(spec.table, nk))
            return bi("all its {d} {col} given to {where}", "把自身的{col} {d} 全部调给{where}",
                      d=amount(d), col=col, where=where)

        moves.append(_Move(most=float(x[k] * nk if up else total), whole=whole, scale=scale,
                           rank=lambda d, after=after: _rank_in(_minmax_array(after(d)), c),
                           raw=moved, label=label, everything=everything))
    return [m for m in moves if m.most > 0]


def city_rank_expl(t, city, figures: Figures, row: dict, ds=None) -> Text | None:
    """What holding a missed city rank would take, the rest of the split unchanged.

    An amount of one indicator moves between the city and one other city of its province, so
    every province figure stays: a count or sum under the rank's column, or, for a rank on a
    mean, the sum over the city's valid sample (the other city's valid sample takes the
    difference, so the province's mean stays). For each indicator and city, the least amount
    that puts the city at its published rank is found; the four smallest (relative to the
    national total) are rescored with the pipeline's stages, and the one that loses the fewest
    published city figures is named with what it loses. Where no move lands on the published
    rank, the nearest rank a move reaches is named instead, or why there is no move at all.
    None where the column has no count or sum and is not a mean.
    """
    code = dict(zip(t.cities.zh, t.cities.code)).get(row["region"])
    column = str(row["indicator"]).split("/")[-1]
    if code not in city.raw.index or row["reproduced"] is None:
        return None
    pub, up = int(row["published"]), int(row["published"]) < int(row["reproduced"])
    province = dict(zip(t.cities.code, t.cities.province_code))
    name = _names(t.cities)
    where = _names(t.provinces).get(province.get(code), Text("its province", "其所在省份"))
    others = [o for o in city.raw.index if o != code and province.get(o) == province.get(code)]
    if not others:
        return TRADE_OFF + bi("{city} is the only city of {where} in the city index, so no move within its province "
                              "changes it", "{city}是城市指数中{where}唯一的城市，省内的任何调动都改变不了它",
                              city=name[code], where=where)
    is_mean = dict(zip(city.spec.tier3.code, city.spec.tier3.op)).get(column) == "mean"
    moves = (_mean_moves(city, code, column, up, others, name, where, ds) if is_mean
             else _count_moves(city, code, column, up, others, name))
    if moves is None or isinstance(moves, Text):
        return moves and TRADE_OFF + moves
    if is_mean:
        what = bi("{col} behind {column}", "构成{column}的{col}", column=indicator(column, city.spec),
                  col=column_zh(city.spec.tier3.set_index("code").at[column, "column"]))
    else:
        # in Chinese a tier-3 column is its own count or sum; a higher one has them beneath it
        what = bi("count or sum of {column}", "{column}" if column in city.spec.codes else "{column}下的数量或总量",
                  column=indicator(column, city.spec))
    if not moves:
        return TRADE_OFF + (bi("no other city of {where} has any {what} to give", "{where}没有别的城市有{what}可以调出",
                               where=where, what=what) if up
                            else bi("{city} has no {what} to give", "{city}没有{what}可以调出", city=name[code], what=what))
    found, nearest = [], None
    for i, mv in enumerate(moves):
        u = _least(lambda v, mv=mv: mv.rank(v) <= pub if up else mv.rank(v) >= pub, mv.most, mv.whole)
        r = mv.rank(mv.most if u is None else u)
        if u is not None and r == pub:
            found.append((u / max(mv.scale, 1e-9), i, u))
        elif nearest is None or abs(r - pub) < abs(nearest[0] - pub):
            nearest = (r, mv, mv.most if u is None else u, u is None)
    if found:
        options = {moves[i].label(u): moves[i].raw(u) for _, i, u in sorted(found)[:4]}
        best = _cheapest(figures, options, lambda r: {"city": _rescored(city, r)})
        how = bi("at rank {pub} on {column} ({move}; the rest of the split unchanged)",
                 "要使{column}排到第 {pub} 名（{move}；其余分配不变）", pub=pub, column=indicator(column, city.spec),
                 move=best[0])
        return _cost_text(figures, best, how, Text("city", "城市"), printed="city_score")
    _, mv, u, everything = nearest
    r = rank_of(_rescored(city, mv.raw(u)), column, code)
    if everything:
        nearest_text = bi("even with {move} it ranks {r}", "即使{move}，它也排第 {r} 名", move=mv.everything(u), r=r)
    else:  # the least move that gets that far passes the published rank
        nearest_text = bi("{move}, the least that moves it to rank {pub} or beyond, puts it at rank {r}",
                          "{move}（使其达到或越过第 {pub} 名的最小调动量）会使它排第 {r} 名",
                          move=mv.label(u), pub=pub, r=r)
    return TRADE_OFF + bi("no {what} moved between {city} and one other city of {where} (the rest of the split "
                          "unchanged) puts {city} at rank {pub}: {nearest}",
                          "在{city}与{where}另一个城市之间调动{what}（其余分配不变），都不能使{city}排到第 {pub} 名："
                          "{nearest}", what=what, city=name[code], where=where, pub=pub, nearest=nearest_text)


def _interval(scores: pd.Series, code, rank: int) -> tuple[float, float, object]:
    """What ``code`` must score to rank ``rank`` with every other region's score as it is:
    (at least, less than, the region whose score is the upper limit or None). Competition
    ranks: ``rank - 1`` others strictly above, so at least the ``rank``-th best other."""
    others = scores.drop(code).round(9).sort_values(ascending=False, kind="stable")  # as ranks round
    lo = float(others.iloc[rank - 1]) if rank - 1 < len(others) else -np.inf
    if rank < 2:
        return lo, np.inf, None
    return lo, float(others.iloc[rank - 2]), others.index[rank - 2]


def row_bound_expl(t, city, code, tolerance: float) -> Text | None:
    """Why the city's own scores cannot hold its whole row of Table 43, where they cannot.

    With every other city's scores as they are, each published tier-1 rank bounds the city's
    score on that dimension (at least the score of the rank-th best other city, less than the
    one before it); the six scores add up to the total, which must keep the published total
    rank, and the published total score within ``tolerance`` where the report prints one.
    Returns a sentence where the bounds of the six dimensions and of the total do not meet,
    None where they do or the city is not in Table 43's top 20."""
    pub = t.city_top20.set_index("city_zh")
    zh = dict(zip(t.cities.code, t.cities.zh)).get(code)
    if zh not in pub.index or code not in city.total.index:
        return None
    row, name = pub.loc[zh], _names(t.cities)
    spec = getattr(city, "spec", None)  # the indicator names; a hand-made evaluation may have none
    dims = list(city.tier1.columns)
    if max(int(row[f"{k}_rank"]) for k in ["total", *dims]) > len(city.total):
        return None  # a dataset with fewer cities than the rank: no score reaches it
    bounds = {k: _interval(city.tier1[k], code, int(row[f"{k}_rank"])) for k in dims}
    empty = [k for k, (lo, hi, _) in bounds.items() if lo >= hi]
    if empty:  # the others tie where the city would have to stand between them
        from graphkit.report.text import ordinal

        k = empty[0]
        rank = int(row[f"{k}_rank"])
        return bi("with every other city's scores as they are, no {k} score of {city}'s own ranks {rank}: the {a} and "
                  "{b} best other cities tie at {tie:.2f}", "在其他城市得分不变时，{city}自身的任何{k}得分都排不到第 "
                  "{rank} 名：其他城市中第 {rank_a} 和第 {rank} 名并列，均为 {tie:.2f}", k=indicator(k, spec),
                  city=name[code], rank=rank, a=ordinal(rank - 1, "en"), b=ordinal(rank, "en"), rank_a=rank - 1,
                  tie=bounds[k][0])
    least = sum(lo for lo, _, _ in bounds.values())
    most = sum(hi for _, hi, _ in bounds.values())
    total_rank = int(row["total_rank"])
    t_lo, t_hi, above = _interval(city.total, code, total_rank)
    printed = float(row["total_score"]) if pd.notna(row["total_score"]) else np.nan
    hi_printed, lo_printed = printed + tolerance < t_hi, printed - tolerance > t_lo  # False for NaN
    t_hi, t_lo = (printed + tolerance if hi_printed else t_hi), (printed - tolerance if lo_printed else t_lo)

    def limit(upper: bool, value: float, decimals: int) -> Text:
        if hi_printed if upper else lo_printed:
            return bi("its published total is {printed:.2f}", "其公布的综合得分为 {printed:.2f}", printed=printed)
        value = f"{value:.{decimals}f}"
        if upper:
            return bi("total rank {rank} needs less than {above}'s {value}", "综合排名第 {rank} 名要求低于{above}的 {value}",
                      rank=total_rank, above=name.get(above, Text(str(above), str(above))), value=value)
        return bi("total rank {rank} needs at least {value}", "综合排名第 {rank} 名要求至少 {value}",
                  rank=total_rank, value=value)

    def parts(side: int) -> Text:
        return Text(", ", "、").join(bi("{k} {v:.2f}", "{k} {v:.2f}", k=indicator(k, spec), v=bounds[k][side])
                                    for k in dims)

    head = bi("with every other city's scores as they are, no scores of {city}'s own hold its row of Table 43: ",
              "在其他城市得分不变时，{city}自身的任何得分都无法保持其在表43中的整行排名：", city=name[code])
    if least > t_hi or (least == t_hi and not hi_printed):  # below the city above: strictly
        d = _decimals(least, t_hi)
        return head + bi("its published tier-1 ranks need at least {least} in all ({parts}), but {limit}",
                         "按其公布的一级指标排名，各项合计至少为 {least}（{parts}），但{limit}",
                         least=f"{least:.{d}f}", parts=parts(0), limit=limit(True, t_hi, d))
    if most <= t_lo:
        d = _decimals(most, t_lo)
        return head + bi("its published tier-1 ranks allow less than {most} in all ({parts}), but {limit}",
                         "按其公布的一级指标排名，各项合计须低于 {most}（{parts}），但{limit}",
                         most=f"{most:.{d}f}", parts=parts(1), limit=limit(False, t_lo, d))
    return None


def _decimals(a: float, b: float) -> int:
    """Decimals (2 to 6) that print ``a`` and ``b`` apart, where they differ at all."""
    return next((d for d in range(2, 7) if round(a, d) != round(b, d)), 6)
