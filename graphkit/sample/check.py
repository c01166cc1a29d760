"""The reproduction check: score a dataset with the ordinary pipeline, compare with the report.

:func:`run_check` evaluates the dataset (default: the bundled sample) at province, city and
circle level with :func:`graphkit.evaluate` — never with the calibration's own numbers — and
lines up every figure the report publishes (``data/reference/``) with its reproduction:

========================  =====================================================  ==========
kind                      what                                                   tolerance
========================  =====================================================  ==========
``province_score``        totals, tier-1 and tier-2 scores (province_scores.csv)  ±0.05
``table3_rank``           Table 3: total and tier-1 ranks, 31 provinces           exact
``detail_rank``           tier-2 and tier-3 ranks (province_detail_ranks.csv)     exact
``circle_score``          Table 4 scores of the four circles                     ±0.1
``circle_rank``           Table 4 ranks and the circles' sub-ranks (Tables 5-11)  exact
``city_score``            the five published city scores                          ±0.1
``city_rank``             Table 43 (top 20: total and tier-1 ranks)               exact
``city_detail_rank``      Tables 44-48 (five cities, all indicators)              exact
``count``                 absolute counts and shares (published_counts.csv)      printed precision
========================  =====================================================  ==========

Each mismatch carries an explanation: a contradiction in the report (with the figures that
contradict), or the trade-off the calibration took (see docs/sample_calibration.md). For a
count that gives way, the trade-off is measured: the count is held, the difference made up
elsewhere in the same province or outside the circle, the index rescored with the
pipeline's own stages, and the published figures that would be lost are named. A missed
city rank is measured the same way: the least amount of one count or sum (for a rank on a
mean, of the sum over the valid sample) that, moved between the city and another city of
its province, puts the city at its published rank, and what that move loses; or, where no
such move exists, the nearest rank one reaches.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphkit.sample.calib_targets import CIRCLE_CODES, SHARE_OF

__all__ = ["KINDS", "TOLERANCE", "CheckResult", "run_check", "compare"]

#: Kinds of published figure, in the order the check reports them, with zh/en labels.
KINDS: dict[str, tuple[str, str]] = {
    "province_score": ("省级得分", "province scores"),
    "table3_rank": ("表3排名", "Table 3 ranks"),
    "detail_rank": ("省级二三级指标排名", "province tier-2/3 ranks"),
    "circle_score": ("经济圈得分", "circle scores"),
    "circle_rank": ("经济圈排名", "circle ranks"),
    "city_score": ("城市得分", "city scores"),
    "city_rank": ("表43城市排名", "Table 43 city ranks"),
    "city_detail_rank": ("城市指标排名", "city indicator ranks"),
    "count": ("绝对数量与占比", "absolute counts and shares"),
}
#: Acceptance tolerance of score kinds (issue 3).
TOLERANCE = {"province_score": 0.05, "circle_score": 0.1, "city_score": 0.1}
#: Acceptance thresholds: kind -> minimum share of matches.
ACCEPT = {"province_score": 1.0, "table3_rank": 1.0, "circle_score": 1.0, "circle_rank": 1.0,
          "detail_rank": 0.98, "city_score": 1.0, "city_rank": 1.0}

_NODE_COUNTS = {"firm_count": "firm", "investor_count": "investor", "univ_count": "university",
                "inst_count": "institute", "conference_count": "conference", "alliance_count": "alliance",
                "policy_count": "policy", "park_count": "park"}


@dataclass
class CheckResult:
    """Published vs reproduced, one row per published figure, and the shares that match.

    ``rows`` columns: kind, region, region_en, indicator, published, reproduced, match (bool,
    or NA where the dataset cannot show the figure), explanation. ``summary``: per kind the
    number of figures, of checkable ones, of matches and the share. ``passed``: acceptance
    criterion -> bool.
    """

    rows: pd.DataFrame
    summary: pd.DataFrame
    passed: dict = field(default_factory=dict)

    def share(self, kind: str) -> float:
        """Share of checkable figures of ``kind`` that match."""
        return float(self.summary.loc[kind, "share"])

    def mismatches(self, kind: str | None = None) -> pd.DataFrame:
        """Rows that do not match (of one kind, or all)."""
        r = self.rows[self.rows["match"].eq(False)]
        return r if kind is None else r[r.kind == kind]

    def __repr__(self) -> str:
        parts = [f"{k} {s.matched}/{s.checked}" for k, s in self.summary.iterrows()]
        return "<CheckResult " + ", ".join(parts) + ">"


def _row(kind, region, region_en, indicator, published, reproduced, match, explanation=""):
    return {"kind": kind, "region": region, "region_en": region_en, "indicator": indicator,
            "published": published, "reproduced": reproduced, "match": match, "explanation": explanation}


def _rank_expl(t, prov_en: str, path: str, published: int, got) -> str:
    from graphkit.sample.calib_targets import RANK_REPAIRS

    key = (prov_en, path)
    if key in RANK_REPAIRS and RANK_REPAIRS[key][0] != RANK_REPAIRS[key][1]:
        pub, used, why = RANK_REPAIRS[key]
        return f"report contradiction: printed {pub}, calibrated to {used}: {why}"
    return "trade-off: not held by the calibration (see docs/sample_calibration.md)"


def _score_of(ev, level, code, region) -> float:
    """Score of ``region`` at ``level`` (total, tier1, tier2) and indicator ``code``."""
    if level == "total":
        return float(ev.total.get(region, np.nan))
    tab = ev.tier1 if level == "tier1" else ev.tier2
    return float(tab.at[region, code]) if region in tab.index else np.nan


def _rank_of(ev, code, region):
    """Rank of ``region`` on ``code`` (any level), None where it has none."""
    return int(ev.ranks.at[region, code]) if region in ev.ranks.index and pd.notna(ev.ranks.at[region, code]) else None


def compare(t, prov, city, circ, ds=None) -> pd.DataFrame:
    """Build the published-vs-reproduced rows from three evaluations (province, city, circle).

    ``t`` is :class:`graphkit.sample.calib_targets.Targets`; ``prov``/``city``/``circ`` are
    objects with ``total`` (Series), ``tier1``, ``tier2``, ``raw`` (DataFrames) and ``ranks``
    (DataFrame with a ``total`` column), indexed by region code; ``ds`` (optional) is the
    dataset, for the counts the index does not aggregate (layers, named investors, nodes).
    """
    rows = _province_rows(t, prov)
    rows += _circle_rows(t, circ)
    city_rows = _city_rows(t, city)
    count_rows = _count_rows(t, prov, city, circ, ds, city_rows)
    figures = _Figures(t, city_rows + _city_counts(t, city, count_rows))
    for r in city_rows:
        if r["kind"] in ("city_rank", "city_detail_rank") and not r["match"] and "contradiction" not in r["explanation"]:
            r["explanation"] = _city_rank_expl(t, city, figures, r, ds) or r["explanation"]
    return pd.DataFrame(rows + city_rows + count_rows)


def _province_rows(t, prov) -> list:
    """Rows for the province figures: published scores, Table 3, tier-2 and tier-3 ranks;
    ``prov`` as in :func:`compare`."""
    from graphkit.sample.calib_targets import SCORE_CHOICES

    rows = []
    pz = dict(zip(t.provinces.en, t.provinces.zh))
    pcode = t.en2code

    for r in t.province_scores.itertuples():
        got = _score_of(prov, r.level, r.indicator, pcode[r.province_en])
        ok = abs(got - r.score) <= TOLERANCE["province_score"] + 1e-9
        expl = ""
        key = (r.province_en, r.indicator)
        if key in SCORE_CHOICES:
            expl = f"report prints two values; {SCORE_CHOICES[key][1]}"
        elif not ok:
            expl = "trade-off: the integer counts cannot meet this score within tolerance"
        rows.append(_row("province_score", pz[r.province_en], r.province_en, r.indicator, float(r.score),
                         round(got, 4), ok, expl))
    # Table 3
    for r in t.table3.itertuples():
        for code in ["total"] + list(t.tier1):
            pub = int(getattr(r, f"{code}_2021"))
            got = _rank_of(prov, code, pcode[r.province_en])
            rows.append(_row("table3_rank", pz[r.province_en], r.province_en, code, pub, got, got == pub,
                             "" if got == pub else "trade-off: not held by the calibration"))
    # detail ranks (tier 2 and 3)
    d = t.detail[t.detail.level.isin(["tier2", "tier3"]) & t.detail.rank_2021.notna()]
    for r in d.itertuples():
        code = r.indicator_path.split("/")[-1]
        got = _rank_of(prov, code, pcode[r.province_en])
        pub = int(r.rank_2021)
        rows.append(_row("detail_rank", r.province_zh, r.province_en, r.indicator_path, pub, got, got == pub,
                         "" if got == pub else _rank_expl(t, r.province_en, r.indicator_path, pub, got)))
    return rows


def _circle_rows(t, circ) -> list:
    """Rows for the circle figures: Table 4's scores and ranks, the sub-ranks of Tables 5-11;
    ``circ`` as in :func:`compare`."""
    rows = []
    for r in t.circles_table.itertuples():
        c = r.circle_code
        for code in ["total"] + list(t.tier1):
            pub = float(r.total_score if code == "total" else getattr(r, f"{code}_score"))
            got = _score_of(circ, "total" if code == "total" else "tier1", code, c)
            ok = abs(got - pub) <= TOLERANCE["circle_score"] + 1e-9
            rows.append(_row("circle_score", r.circle_zh, r.circle_en, code, pub, round(got, 4), ok,
                             "" if ok else "trade-off: circle sums follow the province scores"))
            pr = int(r.total_rank if code == "total" else getattr(r, f"{code}_rank"))
            gr = _rank_of(circ, code, c)
            rows.append(_row("circle_rank", r.circle_zh, r.circle_en, code, pr, gr, gr == pr,
                             "" if gr == pr else "trade-off: not held by the calibration"))
    for r in t.circle_subranks.itertuples():
        c = CIRCLE_CODES[r.circle_en]
        gr = _rank_of(circ, r.indicator, c)
        pr = int(r.rank_2021)
        rows.append(_row("circle_rank", r.circle_zh, r.circle_en, f"table{r.table}:{r.indicator}", pr, gr, gr == pr,
                         "" if gr == pr else "trade-off: not held by the calibration"))
    return rows


_NOT_EXACT = "trade-off: city split not exact (see docs/sample_calibration.md)"


def _city_rows(t, city) -> list:
    """Rows for the city figures: Table 43's ranks and the five published scores, and
    Tables 44-48; ``city`` as in :func:`compare`."""
    rows = []
    czh = dict(zip(t.cities.zh, t.cities.code))
    for r in t.city_top20.itertuples():
        cc = czh.get(r.city_zh)
        for code in ["total"] + list(t.tier1):
            pub = int(getattr(r, "total_rank" if code == "total" else f"{code}_rank"))
            got = _rank_of(city, code, cc)
            rows.append(_row("city_rank", r.city_zh, r.city_en, code, pub, got, got == pub,
                             "" if got == pub else _NOT_EXACT))
        if pd.notna(r.total_score):
            got = float(city.total.get(cc, np.nan))
            ok = abs(got - r.total_score) <= TOLERANCE["city_score"] + 1e-9
            rows.append(_row("city_score", r.city_zh, r.city_en, "total", float(r.total_score), round(got, 4), ok,
                             "" if ok else _NOT_EXACT))
    for r in t.city_detail.itertuples():
        cc = czh.get(r.city_zh)
        code = r.indicator_path.split("/")[-1]
        got = _rank_of(city, code, cc)
        pub = int(r.rank_2021)
        expl = ""
        if got != pub:
            expl = _NOT_EXACT
            if isinstance(r.note, str) and "DISAGREEMENT" in r.note:
                expl = "report contradiction: " + r.note
        rows.append(_row("city_detail_rank", r.city_zh, r.city_en, r.indicator_path, pub, got, got == pub, expl))
    return rows


def _norm_name(s: str) -> str:
    return re.sub(r"[\s\u3000]", "", str(s)).lower()


def _count_rows(t, prov, city, circ, ds, city_rows: list) -> list:
    """Rows for published_counts.csv; ``city_rows`` from :func:`_city_rows`."""
    rows, pending = [], []
    pcode = t.en2code
    czh = dict(zip(t.cities.en, t.cities.code))
    ccode = {r.city_en: czh_code for r in t.city_top20.itertuples()
             for czh_code in [t.cities[t.cities.zh == r.city_zh].code.iloc[0]]}
    for name in ("Hefei", "Ma'anshan", "Wuhu", "Suzhou", "Nanjing"):
        ccode.setdefault(name, czh.get(name))
    circles = t.circles
    all_circ = sorted({p for ps in circles.values() for p in ps})
    prov_raw = prov.raw
    pfig = None  # the province and circle figures: built when a count needs them
    national = prov_raw.fillna(0).sum()
    layer = None
    if ds is not None and "layer" in ds.nodes["firm"].columns:
        f = ds.nodes["firm"]
        layer = f.groupby(["province_code", "layer"]).size().unstack(fill_value=0)
        layer_city = f.groupby(["city_code", "layer"]).size().unstack(fill_value=0)

    def raw_value(level, region_en, code):
        if level == "province":
            return float(prov_raw.at[pcode[region_en], code]) if pcode.get(region_en) in prov_raw.index else np.nan
        if level == "city":
            cc = ccode.get(region_en)
            return float(city.raw.at[cc, code]) if cc in city.raw.index else 0.0
        if level == "circle":
            if region_en == "Four economic circles combined":
                return float(prov_raw.loc[all_circ, code].fillna(0).sum())
            if region_en == "Regions outside the four circles":
                return float(national[code] - prov_raw.loc[all_circ, code].fillna(0).sum())
            return float(prov_raw.loc[circles[CIRCLE_CODES[region_en]], code].fillna(0).sum())
        return float(national[code])

    for r in t.counts.itertuples():
        q, lvl, val = r.quantity, r.region_level, float(r.value)
        label = r.region_en
        got, expl = np.nan, ""
        note = r.note if isinstance(r.note, str) else ""
        if lvl == "national" and q in _NODE_COUNTS and ds is not None:
            got = float(len(ds.nodes[_NODE_COUNTS[q]]))
        elif q in prov_raw.columns and not r.is_share and lvl != "national":
            got = raw_value(lvl, label, q)
        elif r.is_share and q in SHARE_OF:
            code = SHARE_OF[q]
            whole = float(national[code])
            if lvl == "city" or lvl == "province":
                whole = np.nan  # shares of a circle or province total: below
                if label == "Beijing":
                    whole = float(national[code])
                elif label == "Shanghai":
                    whole = raw_value("circle", "Yangtze River Delta", code)
                elif label == "Shenzhen":
                    whole = raw_value("province", "Guangdong", code)
                elif label == "Chengdu":
                    whole = raw_value("circle", "Sichuan-Chongqing", code)
            part = raw_value(lvl, label, code)
            got = round(100.0 * part / whole, 4) if whole and not np.isnan(whole) else np.nan
            if q == "policy_share":
                expl = "report contradiction: the policy shares use 589 policies, the sample has 577 (" + note + ")"
        elif q in ("basic_layer_firm_count", "tech_layer_firm_count", "application_layer_firm_count") and layer is not None:
            lay = q.split("_")[0]
            lay = {"tech": "technology"}.get(lay, lay)
            if lvl == "province":
                got = float(layer.at[pcode[label], lay]) if pcode[label] in layer.index and lay in layer.columns else 0.0
            elif lvl == "city" and ccode.get(label) in layer_city.index:
                got = float(layer_city.at[ccode[label], lay]) if lay in layer_city.columns else 0.0
        elif q == "investor_portfolio_count" and ds is not None:
            got = _portfolio(ds, r.subject, pcode.get(label))
        elif q == "firm_patents" and ds is not None:
            got = _node_value(ds, "firm", r.subject, "patents")
        elif q.startswith("univ_") and q.split("_", 1)[1] in ("domestic_papers", "intl_papers", "patents") and ds is not None:
            got = _node_value(ds, "university", r.subject, q.split("_", 1)[1])
        if np.isnan(got):
            rows.append(_row("count", r.region_zh, label, q + (f" [{r.subject}]" if isinstance(r.subject, str) else ""),
                             val, None, None, "not a quantity the dataset can show (dates, sub-groups or text)"))
            continue
        ok = abs(got - val) < (0.005 + 1e-9 if r.is_share else 0.5) or (q == "avg_valuation" and abs(got - val * 1e4) < 0.5)
        if not ok and not expl:
            pending.append((len(rows), r, q, lvl, label, val, got, note))
        rows.append(_row("count", r.region_zh, label, q + (f" [{r.subject}]" if isinstance(r.subject, str) else ""),
                         val, got, ok, expl))
    # the city figures a count's what-if may lose include the other published city counts
    cfig = _Figures(t, city_rows + _city_counts(t, city, rows))
    for i, r, q, lvl, label, val, got, note in pending:
        expl = _count_expl(t, prov, q, lvl, label, val, got, note)
        if lvl == "city" and not r.is_share:
            expl = _city_count_expl(t, city, cfig, ccode.get(label), q, val, got) or expl
        if lvl == "city" and q in ("basic_layer_firm_count", "tech_layer_firm_count"):
            # the index sees the two layers together: what the missing firms would cost there
            cc = ccode.get(label)
            bt = float(city.raw.at[cc, "basic_tech_firm_count"]) if cc in city.raw.index else None
            why = bt is not None and _city_count_expl(t, city, cfig, cc, "basic_tech_firm_count", bt + val - got, bt)
            if why:
                kind, _, rest = why.partition(": ")
                expl = f"{kind}: the index counts basic- and technology-layer firms together; {rest}"
        if lvl in ("province", "circle", "outside_circles") and expl.startswith("trade-off"):
            members = _members(t, lvl, label)
            j, delta = _units(q, r.is_share, val, got, members, prov_raw, national)
            if members and j is not None and r.is_share and delta == 0:
                part, whole = float(prov_raw.loc[members, j].fillna(0).sum()), float(national[j])
                expl = (f"trade-off: whole counts: {part:g} of the sample's {whole:g} {j} give {got:.4f} %, "
                        f"one more {100 * (part + 1) / whole:.4f} %, one fewer {100 * (part - 1) / whole:.4f} %; "
                        f"none is within 0.005 of {val:g} %")
            elif members and j is not None:
                if pfig is None:
                    pfig = _Figures(t, _province_rows(t, prov) + _circle_rows(t, circ))
                expl = _province_count_expl(t, prov, pfig, members, j, delta, lvl == "province") or expl
        rows[i]["explanation"] = expl
    return rows


def _count_expl(t, prov, q, lvl, label, val, got, note) -> str:
    """Why a published count is not held: the rank or score it contradicts."""
    if "CONFLICT" in note:
        return "report contradiction: " + note
    if lvl == "province" and ("tier3", q) in t.ranks:
        rk = t.ranks[("tier3", q)].get(label)
        raw = prov.raw[q].fillna(0)
        code = t.en2code[label]
        above = raw[raw > raw[code]].min() if (raw > raw[code]).any() else None
        below = raw[raw < raw[code]].max() if (raw < raw[code]).any() else None
        return (f"trade-off: rank {rk} on {q} and the published scores need {got:g} here "
                f"(next above {above:g}, next below {below:g})" if above is not None and below is not None else
                f"trade-off: rank {rk} on {q} and the published scores need {got:g}")
    if lvl == "circle" or lvl == "outside_circles":
        return ("trade-off: a sum or share over provinces whose counts are held by their published scores and "
                "ranks (priority: scores, then ranks, then counts)")
    return "trade-off: published scores and ranks come first; this figure gives way"


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


class _Figures:
    """Published figures (rows of :func:`compare` of the score and rank kinds, and published
    city counts of the index's own indicators) as index arrays, to tell quickly which of them
    hold in a rescored evaluation."""

    LEVEL = {"province_score": "province", "table3_rank": "province", "detail_rank": "province",
             "circle_score": "circle", "circle_rank": "circle",
             "city_score": "city", "city_rank": "city", "city_detail_rank": "city", "count": "city"}

    def __init__(self, t, rows: list[dict]):
        """``rows`` of kind ``count`` must be city counts of a raw indicator (see
        :func:`_city_counts`)."""
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
        self.tol = np.array([0.5 - 1e-9 if r["kind"] == "count" else TOLERANCE.get(r["kind"], 0.0) + 1e-9
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
                frame = self._frame(ev, kind)
                r = frame.index.get_indexer([self.region[i] for i in sel])
                c = frame.columns.get_indexer([self.column[i] for i in sel])
                v = frame.to_numpy(float)[r, c]
                out[sel] = v == self.published[sel] if kind == "rank" else np.abs(v - self.published[sel]) <= self.tol[sel]
        return out

    def value(self, i: int, evs: dict) -> float:
        """Figure i (a score, a rank or a count) as it is in ``evs``."""
        ev, col, region = evs[self.level[i]], self.column[i], self.region[i]
        if self.type[i] == "rank":
            return float(_rank_of(ev, col, region))
        if self.type[i] == "count":
            return float(ev.raw.at[region, col])
        return _score_of(ev, "total" if col == "total" else "tier1" if col in ev.tier1.columns else "tier2", col, region)

    def describe(self, i: int, evs: dict) -> str:
        """One figure, published and as it would be in ``evs``."""
        r, col = self.rows[i], self.column[i]
        if self.type[i] == "score":
            return f"{r['region_en']}'s {col} score {r['published']:g} -> {self.value(i, evs):.2f}"
        if self.type[i] == "count":
            return f"{r['region_en']}'s published {col} {r['published']:g} -> {self.value(i, evs):g}"
        table = {"city_rank": "Table 43 ", "table3_rank": "Table 3 "}.get(r["kind"], "")
        return f"{table}{r['region_en']} {col} rank {r['published']} -> {int(self.value(i, evs))}"


def _city_counts(t, city, rows: list[dict]) -> list[dict]:
    """Of the count rows, the published city counts of the index's own count and sum
    indicators: what a split of a province's units between its cities can hold or lose."""
    code = dict(zip(t.cities.zh, t.cities.code))
    return [r for r in rows if r["kind"] == "count" and code.get(r["region"]) in city.raw.index
            and r["indicator"] in city.raw.columns and r["match"] is not None]


def _cheapest(figures: _Figures, options: dict, rescore) -> tuple:
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


def _cost_text(figures: _Figures, best: tuple, how: str, what: str, printed: str | None = None) -> str:
    """The explanation of a count that gives way, from :func:`_cheapest`'s choice."""
    _, lost, gained, evs = best
    if not len(lost):
        off = ""
        if printed:  # within the check's tolerance, but off the printed value the calibration keeps
            moved = [i for i in range(len(figures.rows)) if figures.rows[i]["kind"] == printed and figures.held[i]
                     and abs(figures.value(i, evs) - figures.published[i]) > 0.005
                     and abs(figures.value(i, evs) - figures.reproduced[i]) > 0.0005]
            off = "; ".join(figures.describe(i, evs) for i in moved[:3]) + (
                f"; and {len(moved) - 3} more" if len(moved) > 3 else "")
            off = f", though {off} (within tolerance; the calibration keeps the printed scores)" if off else ""
        return (f"not held by the calibration: {how} no published {what} figure would be lost"
                + (f" and {gained} would be gained" if gained else "") + off)
    shown = "; ".join(figures.describe(i, evs) for i in lost[:3]) + (f"; and {len(lost) - 3} more" if len(lost) > 3 else "")
    return f"trade-off: {how} {len(lost)} published {what} figure{'s' if len(lost) > 1 else ''} would be lost: {shown}"


def _members(t, lvl: str, label: str) -> list[str]:
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


def _units(q: str, is_share: bool, val: float, got: float, members: list, raw: pd.DataFrame, national) -> tuple:
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


def _province_count_expl(t, prov, figures: _Figures, members: list, j: str, delta: float,
                         single: bool) -> str | None:
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
    name = dict(zip(t.provinces.code, t.provinces.en))
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
    where = "here" if single else f"in {best[0]}"
    how = (f"with {amount} {'more' if delta > 0 else 'fewer'} {j} {where} ({'taken from' if delta > 0 else 'given to'} "
           f"the provinces outside in proportion; the rest unchanged)")
    return _cost_text(figures, best, how, "province or circle", printed="province_score")


def _city_count_expl(t, city, figures: _Figures, code, q, val, got) -> str | None:
    """What holding a published city count would cost, the rest of the split unchanged.

    The city gets the published value; the difference comes from (or goes to) one other city
    of its province, so that the province's figures stay as they are. Of those cities, the one
    that loses the fewest published city figures (Table 43, the five scores, Tables 44-48, the
    other published city counts) is shown, with the figures it loses. Where no single city
    holds enough, the difference comes from all of them in proportion. None where the count is not a count or sum indicator
    of the index (a mean does not move by units between cities)."""
    ops = dict(zip(city.spec.tier3.code, city.spec.tier3.op))
    if code is None or ops.get(q, "mean") == "mean" or code not in city.raw.index:
        return None
    province = dict(zip(t.cities.code, t.cities.province_code))
    name = dict(zip(t.cities.code, t.cities.en))
    delta = val - got
    others = [c for c in city.raw.index if c != code and province.get(c) == province.get(code)]
    held = city.raw.loc[others, q].fillna(0.0)
    if not others or held.sum() < delta:
        return None
    takes = {name[c]: pd.Series({c: delta}) for c in others if held[c] >= delta}
    if not takes:  # several cities give, in proportion to what they hold
        take = _spread(held[held > 0], delta, True)
        takes = {"the other cities of its province in proportion": take[take > 0]}
    options = {}
    for label, take in takes.items():
        raw = city.raw.copy()
        raw.at[code, q] = val
        raw.loc[take.index, q] -= take
        options[label] = raw
    best = _cheapest(figures, options, lambda raw: {"city": _rescored(city, raw)})
    how = (f"at {val:g} here ({abs(delta):g} {'more, taken from' if delta > 0 else 'fewer, given to'} "
           f"{best[0]}; the rest of the split unchanged)")
    return _cost_text(figures, best, how, "city", printed="city_score")


def _leaves(spec, column: str) -> list[str]:
    """The tier-3 codes a score column adds up: all for ``total``, a tier-1 or tier-2 code's
    indicators, or the tier-3 code itself."""
    t3 = spec.tier3
    if column == "total":
        return list(t3.code)
    if column in set(t3.code):
        return [column]
    children = list(spec.tier2.code[spec.tier2.parent == column]) if column in set(spec.tier1.code) else [column]
    return list(t3.code[t3.parent.isin(children)])


def _column_scores(ev, column: str) -> pd.Series:
    """The scores a rank column ranks: the total, a tier-1 or tier-2 score, or a tier-3 0-100 score."""
    if column == "total":
        return ev.total
    return next(table[column] for table in (ev.tier1, ev.tier2, ev.scores) if column in table.columns)


def _least(ok, most: float, whole: bool) -> float | None:
    """The least amount u in (0, ``most``] with ``ok(u)``, for ``ok`` monotone in u (whole
    units, or hundredths); None where even ``most`` is not enough."""
    if most <= 0 or not ok(most):
        return None
    lo, hi = 0.0, float(most)
    while hi - lo > (1.0 if whole else 0.005):
        mid = (lo + hi) / 2
        if whole:
            mid = float(np.floor(mid))
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    if not whole:  # hundredths of the amount's unit, as the dataset prints it
        hi = min(float(np.ceil(hi * 100) / 100), float(most))
        while hi > 0.01 and ok(round(hi - 0.01, 2)):
            hi = round(hi - 0.01, 2)
    return hi


_PLURAL = {"firm": "firms", "university": "universities", "institute": "institutes"}


def _entities(table: str, k: int) -> str:
    """"1 university", "2 universities": ``k`` entities of a node table."""
    return f"{k} {table if k == 1 else _PLURAL.get(table, table)}"


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
    label: Callable[[float], str]  # "3 univ_count taken from Guangzhou"
    everything: Callable[[float], str]  # "all 21 firm_count of Ningbo" (for ``most``)


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
        units = (lambda u, j=j: f"{u:,.2f} {j}") if ops[j] == "sum" else (lambda u, j=j: f"{u:g} {j}")
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

            where = name[other]
            moves.append(_Move(
                most=float(x[k] if up else x[c]), whole=ops[j] != "sum", scale=float(x.sum()),
                rank=lambda u, after=after, norm0=norm0, w=w: _rank_in(base + w * (_minmax_array(after(u)) - norm0), c),
                raw=moved, label=lambda u, units=units, where=where: f"{units(u)} {'taken from' if up else 'given to'} {where}",
                everything=lambda u, units=units, where=where: (f"all {units(u)} of {where}" if up
                                                                 else f"all its {units(u)} given to {where}")))
    return moves


def _mean_moves(city, code, column: str, up: bool, others: list, name: dict, where: str, ds) -> list[_Move] | str:
    """Moves of the sum behind a mean (over each city's valid sample: its entities in ``ds``
    with a known value) between the city and each of ``others`` with a valid sample, so the
    province's sum and mean stay; or why there is none."""
    spec = city.spec.tier3.set_index("code").loc[column]
    if ds is None or spec.table not in ds.nodes:
        return []
    nodes = ds.nodes[spec.table]
    n = nodes.groupby("city_code")[spec.column].count()
    whole = bool((nodes[spec.column].dropna() % 1 == 0).all())
    raw, sign = city.raw, (1.0 if up else -1.0)
    index = list(raw.index)
    c = index.index(code)
    x = raw[column].astype(float).fillna(0.0).to_numpy()
    size = int(n.get(code, 0))
    if size == 0:
        return f"{name[code]} has no {spec.table} of known {spec.column}, so no sum of its own moves its mean"
    total, mates = x[c] * size, [o for o in others if n.get(o, 0)]
    if not mates:
        return (f"{name[code]}'s {_entities(spec.table, size)} of known {spec.column} "
                f"{'is' if size == 1 else 'are'} all of {where}'s, so its mean is {where}'s, which the province "
                f"figures fix")
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
            return (f"{amount(d)} {spec.column} {'more' if up else 'fewer'} over its {_entities(spec.table, size)}, "
                    f"a mean of {after(d)[c]:,.2f} instead of {x[c]:,.2f}, {'taken from' if up else 'given to'} {where}")

        def everything(d, where=name[other], nk=nk):
            return (f"all {amount(d)} {spec.column} of {where}'s {_entities(spec.table, nk)}" if up
                    else f"all its {amount(d)} {spec.column} given to {where}")

        moves.append(_Move(most=float(x[k] * nk if up else total), whole=whole, scale=scale,
                           rank=lambda d, after=after: _rank_in(_minmax_array(after(d)), c),
                           raw=moved, label=label, everything=everything))
    return [m for m in moves if m.most > 0]


def _city_rank_expl(t, city, figures: _Figures, row: dict, ds=None) -> str | None:
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
    name = dict(zip(t.cities.code, t.cities.en))
    where = dict(zip(t.provinces.code, t.provinces.en)).get(province.get(code), "its province")
    others = [o for o in city.raw.index if o != code and province.get(o) == province.get(code)]
    is_mean = dict(zip(city.spec.tier3.code, city.spec.tier3.op)).get(column) == "mean"
    moves = (_mean_moves(city, code, column, up, others, name, where, ds) if is_mean
             else _count_moves(city, code, column, up, others, name))
    if moves is None or isinstance(moves, str):
        return moves and "trade-off: " + moves
    what = (f"{city.spec.tier3.set_index('code').at[column, 'column']} behind {column}" if is_mean
            else f"count or sum of {column}")
    if not moves:
        return (f"trade-off: no other city of {where} has any {what} to give" if up
                else f"trade-off: {name[code]} has no {what} to give")
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
        return _cost_text(figures, best, f"at rank {pub} on {column} ({best[0]}; the rest of the split unchanged)", "city",
                          printed="city_score")
    _, mv, u, everything = nearest
    r = _rank_of(_rescored(city, mv.raw(u)), column, code)
    if everything:
        nearest_text = f"even with {mv.everything(u)} it ranks {r}"
    else:  # the least move that gets that far passes the published rank
        nearest_text = f"{mv.label(u)}, the least that moves it to rank {pub} or beyond, puts it at rank {r}"
    return (f"trade-off: no {what} moved between {name[code]} and one other city of {where} "
            f"(the rest of the split unchanged) puts {name[code]} at rank {pub}: {nearest_text}")


def _portfolio(ds, subject: str, province_code) -> float:
    """Number of distinct firms in the province financed by the named investor."""
    inv = ds.nodes["investor"]
    names = [_norm_name(s) for s in re.findall(r"\(([^)]*)\)", subject)] + [_norm_name(subject.split(" (")[0])]
    hit = inv[inv["name"].map(_norm_name).isin(names) | inv.get("name_en", inv["name"]).map(_norm_name).isin(names)]
    if hit.empty:
        return np.nan
    fin = ds.edges["financing"]
    firms = ds.nodes["firm"].set_index("id")
    tg = fin[fin.source.isin(hit.id)].target.unique()
    if province_code is None:
        return float(len(tg))
    return float((firms.loc[[x for x in tg if x in firms.index], "province_code"] == province_code).sum())


def _node_value(ds, table: str, subject: str, column: str) -> float:
    """The value of ``column`` of the node named in ``subject`` (Chinese name in parentheses)."""
    nodes = ds.nodes[table]
    names = [_norm_name(s) for s in re.findall(r"\(([^)]*)\)", subject)] + [_norm_name(subject.split(" (")[0])]
    hit = nodes[nodes["name"].map(_norm_name).isin(names)]
    if hit.empty and "name_en" in nodes.columns:
        hit = nodes[nodes["name_en"].map(_norm_name).isin(names)]
    if hit.empty or column not in hit.columns:
        return np.nan
    return float(hit[column].iloc[0])


def summarise(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Per-kind counts and shares, and the acceptance criteria of issue 3."""
    out = []
    for kind, (zh, en) in KINDS.items():
        r = rows[rows.kind == kind]
        checked = r["match"].notna().sum()
        matched = int(r["match"].eq(True).sum())
        out.append({"kind": kind, "zh": zh, "en": en, "figures": len(r), "checked": int(checked),
                    "matched": matched, "share": matched / checked if checked else np.nan})
    summary = pd.DataFrame(out).set_index("kind")
    passed = {k: bool(summary.at[k, "share"] >= v - 1e-12) for k, v in ACCEPT.items()}
    return summary, passed


def run_check(dataset_path=None, reference_dir=None) -> CheckResult:
    """Score the dataset (default: the bundled sample) with graphkit.evaluate and compare it
    with the report's published figures; return a :class:`CheckResult`.

    ``reference_dir`` is a folder of published tables laid out like ``data/reference``
    (default: the repository's).
    """
    import graphkit as gk
    from graphkit.sample.calib_targets import load_targets

    t = load_targets(ref_dir=reference_dir)
    ds = gk.load_dataset(dataset_path)
    prov = gk.evaluate(ds, level="province")
    city = gk.evaluate(ds, level="city")
    circ = gk.evaluate(ds, level="circle")
    rows = compare(t, prov, city, circ, ds)
    summary, passed = summarise(rows)
    return CheckResult(rows, summary, passed)
