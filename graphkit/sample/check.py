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

Each mismatch carries an explanation, in English (``explanation``) and in Chinese
(``explanation_zh``), both built from the same values (:mod:`graphkit.sample.bilingual`): a
contradiction in the report (with the figures that contradict), or the trade-off the
calibration took (see docs/sample_calibration.md). For a
count that gives way, the trade-off is measured: the count is held, the difference made up
elsewhere in the same province or outside the circle, the index rescored with the
pipeline's own stages, and the published figures that would be lost are named. A missed
city rank is measured the same way: the least amount of one count or sum (for a rank on a
mean, of the sum over the valid sample) that, moved between the city and another city of
its province, puts the city at its published rank, and what that move loses; or, where no
such move exists, the nearest rank one reaches. The what-ifs are in
:mod:`graphkit.sample.whatif`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphkit.sample.bilingual import (COLON, CONTRADICTION, NO_TEXT, SEP, TRADE_OFF, Text, bi, indicator,
                                       note)
from graphkit.sample.calib_targets import CIRCLE_CODES, SHARE_OF, count_holds
from graphkit.sample.whatif import (Figures, city_count_expl, city_counts, city_rank_expl, members_of,
                                    province_count_expl, rank_of, row_bound_expl, score_of, units_to_hold)

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
    or NA where the dataset cannot show the figure), explanation, explanation_zh (the same
    explanation in Chinese; both empty where the figure matches). ``summary``: per kind the
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


def _row(kind, region, region_en, indicator, published, reproduced, match, explanation: Text = NO_TEXT):
    """One row of :func:`compare`; the explanation stays a :class:`Text` until
    :func:`_in_two_columns` splits it."""
    return {"kind": kind, "region": region, "region_en": region_en, "indicator": indicator,
            "published": published, "reproduced": reproduced, "match": match, "explanation": explanation}


def _in_two_columns(rows: list[dict]) -> pd.DataFrame:
    """The rows as a table, each explanation in two columns: ``explanation`` (English) and
    ``explanation_zh``."""
    return pd.DataFrame([{**r, "explanation": r["explanation"].en, "explanation_zh": r["explanation"].zh}
                         for r in rows])


#: A mismatch the calibration gives way on, without a measured what-if.
_NOT_HELD_RANK = TRADE_OFF + Text("not held by the calibration", "校准未保持此项")
_SEE_DOCS = Text(" (see docs/sample_calibration.md)", "（见 docs/sample_calibration.md）")


def _rank_expl(t, prov_en: str, path: str, published: int, got) -> Text:
    """Why a province's tier-2 or tier-3 rank is not reproduced: the report's contradiction
    that :data:`~graphkit.sample.calib_targets.RANK_REPAIRS` repairs, or a trade-off."""
    from graphkit.sample.calib_targets import RANK_REPAIRS, RANK_REPAIRS_ZH

    key = (prov_en, path)
    if key in RANK_REPAIRS and RANK_REPAIRS[key][0] != RANK_REPAIRS[key][1]:
        pub, used, why = RANK_REPAIRS[key]
        return CONTRADICTION + bi("printed {pub}, calibrated to {used}: {why}",
                                  "公布为第 {pub} 名，校准为第 {used} 名：{why}",
                                  pub=pub, used=used, why=Text(why, RANK_REPAIRS_ZH[key]))
    return _NOT_HELD_RANK + _SEE_DOCS


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
    count_rows, figures = _count_rows(t, prov, city, circ, ds, city_rows)
    code_of = dict(zip(t.cities.zh, t.cities.code))
    for r in city_rows:
        if (r["kind"] in ("city_rank", "city_detail_rank") and not r["match"]
                and not r["explanation"].startswith(CONTRADICTION)):
            r["explanation"] = city_rank_expl(t, city, figures, r, ds) or r["explanation"]
            if r["kind"] == "city_rank" and r["indicator"] != "total":
                row = row_bound_expl(t, city, code_of.get(r["region"]), TOLERANCE["city_score"])
                r["explanation"] += SEP + row if row else NO_TEXT
    return _in_two_columns(rows + city_rows + count_rows)


def _province_rows(t, prov) -> list:
    """Rows for the province figures: published scores, Table 3, tier-2 and tier-3 ranks;
    ``prov`` as in :func:`compare`."""
    from graphkit.sample.calib_targets import SCORE_CHOICES, SCORE_CHOICES_ZH

    rows = []
    pz = dict(zip(t.provinces.en, t.provinces.zh))
    pcode = t.en2code

    for r in t.province_scores.itertuples():
        got = score_of(prov, r.level, r.indicator, pcode[r.province_en])
        ok = abs(got - r.score) <= TOLERANCE["province_score"] + 1e-9
        expl = NO_TEXT
        key = (r.province_en, r.indicator)
        if key in SCORE_CHOICES:
            expl = bi("report prints two values; {why}", "报告印出了两个不同的数值；{why}",
                      why=Text(SCORE_CHOICES[key][1], SCORE_CHOICES_ZH[key]))
        elif not ok:
            expl = TRADE_OFF + Text("the integer counts cannot meet this score within tolerance",
                                    "计数只能取整数，无法使该得分落在容差之内")
        rows.append(_row("province_score", pz[r.province_en], r.province_en, r.indicator, float(r.score),
                         round(got, 4), ok, expl))
    # Table 3
    for r in t.table3.itertuples():
        for code in ["total"] + list(t.tier1):
            pub = int(getattr(r, f"{code}_2021"))
            got = rank_of(prov, code, pcode[r.province_en])
            rows.append(_row("table3_rank", pz[r.province_en], r.province_en, code, pub, got, got == pub,
                             NO_TEXT if got == pub else _NOT_HELD_RANK))
    # detail ranks (tier 2 and 3)
    d = t.detail[t.detail.level.isin(["tier2", "tier3"]) & t.detail.rank_2021.notna()]
    for r in d.itertuples():
        code = r.indicator_path.split("/")[-1]
        got = rank_of(prov, code, pcode[r.province_en])
        pub = int(r.rank_2021)
        rows.append(_row("detail_rank", r.province_zh, r.province_en, r.indicator_path, pub, got, got == pub,
                         NO_TEXT if got == pub else _rank_expl(t, r.province_en, r.indicator_path, pub, got)))
    return rows


def _circle_rows(t, circ) -> list:
    """Rows for the circle figures: Table 4's scores and ranks, the sub-ranks of Tables 5-11;
    ``circ`` as in :func:`compare`."""
    rows = []
    for r in t.circles_table.itertuples():
        c = r.circle_code
        for code in ["total"] + list(t.tier1):
            pub = float(r.total_score if code == "total" else getattr(r, f"{code}_score"))
            got = score_of(circ, "total" if code == "total" else "tier1", code, c)
            ok = abs(got - pub) <= TOLERANCE["circle_score"] + 1e-9
            rows.append(_row("circle_score", r.circle_zh, r.circle_en, code, pub, round(got, 4), ok,
                             NO_TEXT if ok else TRADE_OFF + Text("circle sums follow the province scores",
                                                                 "经济圈得分是成员省份得分之和，随省级得分而定")))
            pr = int(r.total_rank if code == "total" else getattr(r, f"{code}_rank"))
            gr = rank_of(circ, code, c)
            rows.append(_row("circle_rank", r.circle_zh, r.circle_en, code, pr, gr, gr == pr,
                             NO_TEXT if gr == pr else _NOT_HELD_RANK))
    for r in t.circle_subranks.itertuples():
        c = CIRCLE_CODES[r.circle_en]
        gr = rank_of(circ, r.indicator, c)
        pr = int(r.rank_2021)
        rows.append(_row("circle_rank", r.circle_zh, r.circle_en, f"table{r.table}:{r.indicator}", pr, gr, gr == pr,
                         NO_TEXT if gr == pr else _NOT_HELD_RANK))
    return rows


_NOT_EXACT = TRADE_OFF + Text("city split not exact", "城市间的分配并不精确") + _SEE_DOCS


def _city_rows(t, city) -> list:
    """Rows for the city figures: Table 43's ranks and the five published scores, and
    Tables 44-48; ``city`` as in :func:`compare`."""
    rows = []
    czh = dict(zip(t.cities.zh, t.cities.code))
    for r in t.city_top20.itertuples():
        cc = czh.get(r.city_zh)
        for code in ["total"] + list(t.tier1):
            pub = int(getattr(r, "total_rank" if code == "total" else f"{code}_rank"))
            got = rank_of(city, code, cc)
            rows.append(_row("city_rank", r.city_zh, r.city_en, code, pub, got, got == pub,
                             NO_TEXT if got == pub else _NOT_EXACT))
        if pd.notna(r.total_score):
            got = float(city.total.get(cc, np.nan))
            ok = abs(got - r.total_score) <= TOLERANCE["city_score"] + 1e-9
            rows.append(_row("city_score", r.city_zh, r.city_en, "total", float(r.total_score), round(got, 4), ok,
                             NO_TEXT if ok else _NOT_EXACT))
    for r in t.city_detail.itertuples():
        cc = czh.get(r.city_zh)
        code = r.indicator_path.split("/")[-1]
        got = rank_of(city, code, cc)
        pub = int(r.rank_2021)
        expl = NO_TEXT
        if got != pub:
            expl = _NOT_EXACT
            if isinstance(r.note, str) and "DISAGREEMENT" in r.note:
                expl = CONTRADICTION + note(r.note)
        rows.append(_row("city_detail_rank", r.city_zh, r.city_en, r.indicator_path, pub, got, got == pub, expl))
    return rows


def _norm_name(s: str) -> str:
    return re.sub(r"[\s\u3000]", "", str(s)).lower()


def _count_rows(t, prov, city, circ, ds, city_rows: list) -> tuple[list, Figures]:
    """Rows for published_counts.csv, and the published city figures (``city_rows`` from
    :func:`_city_rows` and the city counts) that the count and city-rank what-ifs weigh."""
    rows, pending = [], []
    pcode = t.en2code
    czh = dict(zip(t.cities.en, t.cities.code))
    ccode = {r.city_en: czh_code for r in t.city_top20.itertuples()
             for czh_code in [t.cities[t.cities.zh == r.city_zh].code.iloc[0]]}
    for name in ("Hefei", "Ma'anshan", "Wuhu", "Suzhou", "Nanjing"):
        ccode.setdefault(name, czh.get(name))
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
        if level in ("circle", "outside_circles"):
            return float(prov_raw.reindex(members_of(t, level, region_en))[code].fillna(0).sum())
        return float(national[code])

    for r in t.counts.itertuples():
        q, lvl, val = r.quantity, r.region_level, float(r.value)
        label = r.region_en
        got, expl = np.nan, NO_TEXT
        r_note = r.note if isinstance(r.note, str) else ""
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
                expl = CONTRADICTION + bi("the policy shares use 589 policies, the sample has 577 ({note})",
                                          "政策占比按 589 项政策计算，而样本有 577 项（{note}）", note=note(r_note))
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
                             val, None, None, Text("not a quantity the dataset can show (dates, sub-groups or text)",
                                                   "不是数据集能给出的数量（日期、子类或文字）")))
            continue
        # the report prints a mean valuation in 亿元 (1e8 CNY) where the data have 万元 (1e4 CNY)
        ok = bool(count_holds(got, val, r.is_share)) or (q == "avg_valuation" and bool(count_holds(got, val * 1e4, False)))
        if not ok and not expl:
            pending.append((len(rows), r, q, lvl, label, val, got, r_note))
        rows.append(_row("count", r.region_zh, label, q + (f" [{r.subject}]" if isinstance(r.subject, str) else ""),
                         val, got, ok, expl))
    # the city figures a count's what-if may lose include the other published city counts
    cfig = Figures(t, city_rows + city_counts(t, city, rows), TOLERANCE, spec=city.spec)
    for i, r, q, lvl, label, val, got, r_note in pending:
        expl = _count_expl(t, prov, q, lvl, label, val, got, r_note)
        if lvl == "city" and not r.is_share:
            expl = city_count_expl(t, city, cfig, ccode.get(label), q, val, got) or expl
        if lvl == "city" and q in ("basic_layer_firm_count", "tech_layer_firm_count"):
            # the index sees the two layers together: what the missing firms would cost there
            cc = ccode.get(label)
            bt = float(city.raw.at[cc, "basic_tech_firm_count"]) if cc in city.raw.index else None
            why = bt is not None and city_count_expl(t, city, cfig, cc, "basic_tech_firm_count", bt + val - got, bt)
            if why:
                kind, colon, rest = why.partition(COLON)
                expl = kind + colon + Text("the index counts basic- and technology-layer firms together; ",
                                           "指数把基础层和技术层企业合并计数；") + rest
        if lvl in ("province", "circle", "outside_circles") and expl.startswith(TRADE_OFF):
            members = members_of(t, lvl, label)
            j, delta = units_to_hold(q, r.is_share, val, got, members, prov_raw, national)
            if members and j is not None and r.is_share and delta == 0:
                part, whole = float(prov_raw.loc[members, j].fillna(0).sum()), float(national[j])
                expl = TRADE_OFF + bi("whole counts: {part:g} of the sample's {whole:g} {j} give {got:.4f} %, one "
                                      "more {more:.4f} %, one fewer {fewer:.4f} %; none is within 0.005 of {val:g} %",
                                      "计数只能取整数：样本的{j}共 {whole:g}，这里占 {part:g}，即 {got:.4f} %，"
                                      "多一个为 {more:.4f} %，少一个为 {fewer:.4f} %，都不在 {val:g} % 的 0.005 之内",
                                      part=part, whole=whole, j=indicator(j, prov.spec), got=got,
                                      more=100 * (part + 1) / whole, fewer=100 * (part - 1) / whole, val=val)
            elif members and j is not None:
                if pfig is None:
                    pfig = Figures(t, _province_rows(t, prov) + _circle_rows(t, circ), TOLERANCE, spec=prov.spec)
                expl = province_count_expl(t, prov, pfig, members, j, delta, lvl == "province") or expl
        rows[i]["explanation"] = expl
    return rows, cfig


def _count_expl(t, prov, q, lvl, label, val, got, r_note) -> Text:
    """Why a published count is not held: the contradiction its note records, or the rank or
    score it gives way to."""
    if "CONFLICT" in r_note:
        return CONTRADICTION + note(r_note)
    if lvl == "province" and ("tier3", q) in t.ranks:
        rk = t.ranks[("tier3", q)].get(label)
        raw = prov.raw[q].fillna(0)
        code = t.en2code[label]
        above = raw[raw > raw[code]].min() if (raw > raw[code]).any() else None
        below = raw[raw < raw[code]].max() if (raw < raw[code]).any() else None
        need = bi("rank {rk} on {q} and the published scores need {got:g}",
                  "{q}排名第 {rk} 名和已公布的得分要求这里为 {got:g}", rk=rk, q=indicator(q, prov.spec), got=got)
        if above is None or below is None:
            return TRADE_OFF + need
        return TRADE_OFF + need + bi(" here (next above {above:g}, next below {below:g})",
                                     "（比它大的最近值为 {above:g}，比它小的最近值为 {below:g}）",
                                     above=above, below=below)
    if lvl == "circle" or lvl == "outside_circles":
        return TRADE_OFF + Text("a sum or share over provinces whose counts are held by their published scores and "
                                "ranks (priority: scores, then ranks, then counts)",
                                "这是若干省份的总和或占比，而这些省份的计数已由其公布的得分和排名确定"
                                "（优先顺序：得分，其次排名，最后计数）")
    return TRADE_OFF + Text("published scores and ranks come first; this figure gives way",
                            "公布的得分和排名优先，这一数据让步")


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
