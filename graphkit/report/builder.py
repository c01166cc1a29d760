"""Assemble the report from evaluations: what it says, in which order, with which charts.

The report follows the seed's chapters: a summary; the indicator system; the overall ranking
with echelons (Figure 1) and one chart per tier-1 dimension (Figures 2–7); the economic
circles (Tables 4–11, composition Figures 8–18); one profile per province (a radar of the
reciprocal ranks, generated sentences and the 41-row rank table); the top cities and
profiles of the leading ones. It reads only ``Evaluation.table(detail=True)`` of the three
levels and the indicator spec, so any dataset and any indicator system give a report.
"""
from __future__ import annotations

import datetime as _dt
import textwrap
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from graphkit.output import rounding_hides_order
from graphkit.report import text as tx
from graphkit.report.charts import Charts, chart_style
from graphkit.report.echelons import echelons
from graphkit.report.render import Block, Figure, Heading, Links, Note, Para, Table, render_html, render_markdown

__all__ = ["ReportInputs", "ReportResult", "ReportWarning", "Profile", "inputs_from_evaluation", "build_report", "report_blocks", "profile"]

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
FIGURES = "figures"
# Indicator ops whose raw values add up over regions (so circle shares are meaningful).
_ADDITIVE = ("count", "sum")


class ReportWarning(UserWarning):
    """Something that makes the report less than intended (e.g. no CJK font for the charts)."""


@dataclass
class ReportInputs:
    """What a report is built from: the detail tables (``Evaluation.table(detail=True)``) of
    the province, city and circle levels, the indicator spec, and a record of the run."""

    province: pd.DataFrame
    spec: Any
    city: pd.DataFrame | None = None
    circle: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class ReportResult:
    """Where a report was written and what it holds (counts are of charts and sections)."""

    path: Path
    html: Path
    markdown: Path
    figures: int
    ranking_charts: int
    radar_charts: int
    composition_charts: int
    province_profiles: int
    city_profiles: int
    lang: str
    chart_lang: str
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"report written to {self.html} (+ {self.markdown.name}): {self.figures} charts — "
                f"{self.ranking_charts} rankings, {self.composition_charts} circle compositions, "
                f"{self.radar_charts} radars; {self.province_profiles} province and {self.city_profiles} city profiles "
                f"[{self.lang}] in {self.seconds:.1f} s")


def inputs_from_evaluation(ev, with_city: bool = True, with_circle: bool = True) -> ReportInputs:
    """Return :class:`ReportInputs` from a province-level Evaluation, recomputing it at the
    city and circle levels with the same spec, weights and date."""
    prov = ev if ev.level == "province" else ev.redo(level="province")
    city = prov.redo(level="city").table(detail=True) if with_city else None
    circle = prov.redo(level="circle").table(detail=True) if with_circle else None
    params = dict(getattr(prov, "params", {}) or {})
    ds_path = params.get("dataset") or ""
    meta = {
        "data": ds_path or "(in memory)",
        "spec": params.get("spec") or "built-in",
        "weights": params.get("weights_source") or "spec",
        "as_of": params.get("as_of"),
        "synthetic": "sample" in Path(ds_path).parts[-1:] if ds_path else False,
        "counts": {name: len(t) for name, t in getattr(prov.dataset, "nodes", {}).items()},
    }
    return ReportInputs(province=prov.table(detail=True), spec=prov.spec, city=city, circle=circle, meta=meta)


class _Tree:
    """The indicator tree of a spec, with names in both languages."""

    def __init__(self, spec):
        self.t1 = list(spec.tier1["code"])
        self.t2 = {p: list(g["code"]) for p, g in spec.tier2.groupby("parent", sort=False)}
        self.t3 = {p: list(g["code"]) for p, g in spec.tier3.groupby("parent", sort=False)}
        self.parent = {**dict(zip(spec.tier2["code"], spec.tier2["parent"])), **dict(zip(spec.tier3["code"], spec.tier3["parent"]))}
        self.weight = {}
        for tab in (spec.tier1, spec.tier2, spec.tier3):
            if "weight" in tab:
                self.weight.update(dict(zip(tab["code"], tab["weight"])))
        self.op = dict(zip(spec.tier3["code"], spec.tier3["op"])) if "op" in spec.tier3 else {}
        self.names = {lang: {} for lang in tx.LANGS}
        for tab in (spec.tier1, spec.tier2, spec.tier3):
            for lang in tx.LANGS:
                self.names[lang].update(dict(zip(tab["code"], tab[lang])))
        self.tier3_codes = list(spec.tier3["code"])
        self.tier2_codes = list(spec.tier2["code"])

    def name(self, code: str, lang: str) -> str:
        return str(self.names[lang].get(code, code))

    def qualified(self, code: str, lang: str) -> str:
        """A tier-3 name made unique by its tier-2 parent when two share a name."""
        n = self.name(code, lang)
        if sum(self.name(c, lang) == n for c in self.tier3_codes) > 1:
            return f"{self.name(self.parent[code], lang)}·{n}"
        return n

    def tier2_of(self, t1: str) -> list[str]:
        return self.t2.get(t1, [])

    def tier3_of(self, t2: str) -> list[str]:
        return self.t3.get(t2, [])

    def tier3_under(self, t1: str) -> list[str]:
        return [c for t2 in self.tier2_of(t1) for c in self.tier3_of(t2)]


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _rank(v) -> int | None:
    v = _num(v)
    return None if v != v else int(v)


class _Builder:
    """Builds the report's blocks and charts for one language."""

    def __init__(self, inputs: ReportInputs, charts: Charts, lang: str, chart_lang: str, echelon_method: str,
                 top_cities: int, city_profiles: int):
        self.inp = inputs
        self.tree = _Tree(inputs.spec)
        self.charts = charts
        self.lang = lang
        self.clang = chart_lang
        self.method = echelon_method
        self.top_cities = top_cities
        self.n_city_profiles = city_profiles
        self.blocks: list[Block] = []
        self.n_fig = 0
        self.n_tab = 0
        self.counts = {"ranking": 0, "radar": 0, "composition": 0, "province_profiles": 0, "city_profiles": 0}
        self.prov = inputs.province.sort_values("rank", kind="stable").reset_index(drop=True)
        self.prov_ech = self._echelons(self.prov["total"])

    # -- helpers --------------------------------------------------------------------------
    def s(self, key: str, **f) -> str:
        return tx.t(self.lang, key, **f)

    def sent(self, key: str, **f) -> str:
        return tx.SENTENCES[self.lang][key].format(**f)

    def rname(self, row, lang: str | None = None) -> str:
        lang = lang or self.lang
        if lang == "en":
            en = row.get("region_en")
            if isinstance(en, str) and en:
                return en
        return str(row.get("region", row.get("region_code")))

    def cname(self, code: str) -> str:
        """Indicator name for a chart label."""
        return self.tree.name(code, self.clang)

    def _echelons(self, values: pd.Series) -> list[int]:
        return echelons(values.astype(float).tolist(), method=self.method)

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def figure(self, src: str, caption: str, kind: str = "chart", ident: str = "") -> None:
        self.n_fig += 1
        self.add(Figure(f"{FIGURES}/{src}", self.s("figure", n=self.n_fig, caption=caption), kind, ident))

    def table(self, caption: str, header, rows, levels=None, numeric_from: int = 1) -> None:
        self.n_tab += 1
        self.add(Table(self.s("table", n=self.n_tab, caption=caption), list(header), rows, levels, numeric_from=numeric_from))

    def echelon_lines(self, df: pd.DataFrame, col: str, ech: list[int], which=(1, 2)) -> list[str]:
        out = []
        for e in which:
            # regions scoring 0 form the last echelon; it is not worth a sentence
            members = [i for i, x in enumerate(ech) if x == e and _num(df.iloc[i][col]) > 0]
            if not members:
                continue
            names = [self.rname(df.iloc[i]) for i in members]
            scores = [tx.fmt_score(df.iloc[i][col]) for i in members]
            out.append(self.sent("echelon_line", echelon=tx.echelon_name(e, self.lang), names=tx.join(names, self.lang),
                                 scores=("、" if self.lang == "zh" else ", ").join(scores)))
        return out

    # -- chapters -------------------------------------------------------------------------
    def build(self) -> list[Block]:
        m = self.inp.meta
        self.add(Heading(1, self.s("title")))
        as_of = self.s("as_of", as_of=m["as_of"]) if m.get("as_of") else ""
        weights = m.get("weights") or "spec"
        weights = self.s("weights_spec") if weights == "spec" else weights
        self.add(Note(self.s("generated", date=_dt.date.today().isoformat(), data=m.get("data", "—"), spec=m.get("spec", "—"),
                             weights=weights, as_of=as_of)))
        if m.get("synthetic"):
            self.add(Note("注：数据为 graphkit 自带的合成样本数据库，并非真实企业数据。" if self.lang == "zh"
                          else "Note: the data is graphkit's bundled SYNTHETIC sample database, not real firm data."))
        if self.clang != self.lang:
            self.add(Note(self.s("note_font")))
        self.summary()
        self.method_chapter()
        self.overall()
        self.circles()
        self.provinces()
        self.cities()
        return self.blocks

    def summary(self) -> None:
        self.add(Heading(2, self.s("summary"), "summary"))
        parts = [self.sent("summary_regions", n=len(self.prov))]
        counts = self.inp.meta.get("counts") or {}
        items = [f"{counts[k]} {zh}" if self.lang == "zh" else f"{counts[k]:,} {en}" for k, (zh, en) in tx.ENTITY_WORDS.items() if counts.get(k)]
        if items:
            parts.append(self.sent("summary_data", items=tx.join(items, self.lang)))
        for e in (1, 2):
            idx = [i for i, x in enumerate(self.prov_ech) if x == e]
            if idx:
                parts.append(self.sent("summary_echelon", echelon=tx.echelon_name(e, self.lang),
                                       names=tx.join([self.rname(self.prov.iloc[i]) for i in idx], self.lang),
                                       scores=("、" if self.lang == "zh" else ", ").join(tx.fmt_score(self.prov.iloc[i]["total"]) for i in idx)))
        self.add(Para("".join(parts) if self.lang == "zh" else " ".join(parts)))
        circ = self._circle_df()
        if circ is not None:
            first = circ.iloc[0]
            others = [self.sent("summary_circle_item", name=self.rname(r), score=tx.fmt_score(r["total"])) for _, r in circ.iloc[1:].iterrows()]
            self.add(Para(self.sent("summary_circle", name=self.rname(first), score=tx.fmt_score(first["total"]),
                                    others=("，".join(others) if self.lang == "zh" else ", ".join(others)))))
        cities = self._city_df()
        if cities is not None:
            ech = self._echelons(cities["total"])
            k = sum(1 for e in ech if e == 1)
            k = k if 0 < k <= 10 else min(5, len(cities))
            top = cities.iloc[:k]
            self.add(Para(self.sent("summary_cities", n=len(cities), k=k, names=tx.join([self.rname(r) for _, r in top.iterrows()], self.lang),
                                    scores=("、" if self.lang == "zh" else ", ").join(tx.fmt_score(v) for v in top["total"]))))

    def method_chapter(self) -> None:
        tr = self.tree
        self.add(Heading(2, self.s("method"), "method"))
        rows = []
        for t1 in tr.t1:
            first1 = True
            for t2 in tr.tier2_of(t1):
                first2 = True
                for t3 in tr.tier3_of(t2):
                    w1 = f"{tr.name(t1, self.lang)} ({tr.weight.get(t1, float('nan')):.4f})" if first1 else ""
                    w2 = f"{tr.name(t2, self.lang)} ({tr.weight.get(t2, float('nan')):.4f})" if first2 else ""
                    rows.append([w1, w2, tr.name(t3, self.lang), f"{tr.weight.get(t3, float('nan')):.4f}"])
                    first1 = first2 = False
        self.table(self.s("tab_indicators"), [self.s("col_tier1"), self.s("col_tier2"), self.s("col_tier3"), self.s("col_weight")], rows, numeric_from=3)
        self.add(Note(self.s("note_method")))
        self.add(Note(self.s("note_echelon")))
        self.add(Note(self.s("note_radar")))

    def overall(self) -> None:
        df, tr = self.prov, self.tree
        self.add(Heading(2, self.s("overall"), "overall"))
        self.add(Heading(3, self.s("overall_rank"), "overall-rank"))
        self.add(Para(("" if self.lang == "zh" else " ").join(self.echelon_lines(df, "total", self.prov_ech))))
        labels = [self.rname(r, self.clang) for _, r in df.iterrows()]
        glabels = {e: tx.echelon_name(e, self.clang) for e in set(self.prov_ech)}
        src = self.charts.ranking("fig_total.png", labels, df["total"].tolist(), "", groups=self.prov_ech, group_labels=glabels,
                                  xlabel=tx.t(self.clang, "score_axis"))
        self.counts["ranking"] += 1
        self.figure(src, self.s("fig_total"))
        header = [self.s("col_rank"), self.s("col_province"), self.s("col_total"), self.s("col_echelon")] + [tr.name(c, self.lang) for c in tr.t1]
        rows = []
        for i, r in df.iterrows():
            rows.append([str(_rank(r["rank"])), self.rname(r), tx.fmt_score(r["total"]), tx.zh_numeral(self.prov_ech[i]) if self.lang == "zh" else str(self.prov_ech[i])]
                        + [f"{tx.fmt_score(r[c])} ({_rank(r[c + '_rank'])})" for c in tr.t1])
        self.table(self.s("tab_ranking"), header, rows, numeric_from=2)
        self.rounding_note(df)
        for t1 in tr.t1:
            self.dimension(t1)

    def dimension(self, t1: str) -> None:
        tr = self.tree
        df = self.prov.sort_values([f"{t1}_rank", "rank"], kind="stable").reset_index(drop=True)
        dim = tr.name(t1, self.lang)
        self.add(Heading(3, self.s("dimension_section", dim=dim), f"dim-{t1}"))
        ech = self._echelons(df[t1])
        parts = self.echelon_lines(df, t1, ech)
        for t2 in tr.tier2_of(t1):
            top = df[df[t2].astype(float) > 0].sort_values([f"{t2}_rank", "rank"], kind="stable").head(5)
            if top.empty:
                continue
            parts.append(self.sent("top_k", dim=tr.name(t2, self.lang), k=len(top), names=tx.join([self.rname(r) for _, r in top.iterrows()], self.lang),
                                   scores=("、" if self.lang == "zh" else ", ").join(tx.fmt_score(v) for v in top[t2])))
        self.add(Para(("" if self.lang == "zh" else " ").join(parts)))
        labels = [self.rname(r, self.clang) for _, r in df.iterrows()]
        parts_data = {self.cname(t2): df[t2].astype(float).tolist() for t2 in tr.tier2_of(t1)}
        src = self.charts.stacked(f"fig_dim_{t1}.png", labels, parts_data, "")
        self.counts["ranking"] += 1
        self.figure(src, self.s("fig_dimension", dim=dim))

    # -- circles --------------------------------------------------------------------------
    def _circle_df(self) -> pd.DataFrame | None:
        c = self.inp.circle
        if c is None or len(c) == 0:
            return None
        return c.sort_values("rank", kind="stable").reset_index(drop=True)

    def _city_df(self) -> pd.DataFrame | None:
        c = self.inp.city
        if c is None or len(c) == 0:
            return None
        return c.sort_values("rank", kind="stable").reset_index(drop=True)

    def circles(self) -> None:
        tr = self.tree
        self.add(Heading(2, self.s("circles"), "circles"))
        circ = self._circle_df()
        if circ is None:
            self.add(Para(self.s("no_circles")))
            return
        self.add(Heading(3, self.s("circles_overall"), "circles-overall"))
        header = [self.s("col_circle"), self.s("col_total")] + [tr.name(c, self.lang) for c in tr.t1]
        rows = [[self.rname(r), f"{tx.fmt_score(r['total'])} ({_rank(r['rank'])})"] + [f"{tx.fmt_score(r[c])} ({_rank(r[c + '_rank'])})" for c in tr.t1]
                for _, r in circ.iterrows()]
        self.table(self.s("tab_circles"), header, rows)
        for _, r in circ.iterrows():
            ranks = {c: _num(r[f"{c}_rank"]) for c in tr.t1}
            best, worst = tx.extremes(ranks)
            if not best or set(best) == set(worst):
                self.add(Para(self.sent("circle_flat", name=self.rname(r), score=tx.fmt_score(r["total"]), rank=tx.ordinal(_rank(r["rank"]), self.lang),
                                        best_rank=tx.ordinal(_rank(ranks[tr.t1[0]]), self.lang) if tr.t1 else "—")))
                continue
            self.add(Para(self.sent("circle_overall", name=self.rname(r), score=tx.fmt_score(r["total"]), rank=tx.ordinal(_rank(r["rank"]), self.lang),
                                    best=tx.join([tr.name(c, self.lang) for c in best], self.lang), best_rank=tx.ordinal(ranks[best[0]], self.lang),
                                    worst=tx.join([tr.name(c, self.lang) for c in worst], self.lang), worst_rank=tx.ordinal(ranks[worst[0]], self.lang))))
        names = [self.rname(r) for _, r in circ.iterrows()]
        cnames = [self.rname(r, self.clang) for _, r in circ.iterrows()]
        national = {c: pd.to_numeric(self.prov[f"{c}_raw"], errors="coerce").sum() for c in tr.tier3_codes if f"{c}_raw" in self.prov}
        for t1 in tr.t1:
            self.add(Heading(3, tr.name(t1, self.lang), f"circle-{t1}"))
            rows = [[tr.name(t1, self.lang)] + [str(_rank(v)) for v in circ[f"{t1}_rank"]]]
            levels = [1]
            for t2 in tr.tier2_of(t1):
                rows.append([tr.name(t2, self.lang)] + [str(_rank(v)) for v in circ[f"{t2}_rank"]])
                levels.append(2)
                for t3 in tr.tier3_of(t2):
                    rows.append([tr.qualified(t3, self.lang)] + [str(_rank(v)) for v in circ[f"{t3}_rank"]])
                    levels.append(3)
            self.table(self.s("tab_circle_dim", dim=tr.name(t1, self.lang)), [self.s("col_indicator")] + names, rows, levels)
            for t2 in tr.tier2_of(t1):
                codes = [c for c in tr.tier3_of(t2) if self.tree.op.get(c, "count") in _ADDITIVE and f"{c}_raw" in circ]
                if not codes:
                    continue
                matrix, share_lines = [], []
                for c in codes:
                    vals = [max(_num(v), 0.0) if _num(v) == _num(v) else 0.0 for v in circ[f"{c}_raw"]]
                    other = max(_num(national.get(c, 0.0)) - sum(vals), 0.0)
                    matrix.append(vals + [other])
                    tot = sum(vals) + other
                    if tot > 0:
                        j = max(range(len(vals)), key=lambda k: vals[k])
                        share_lines.append(self.sent("circle_share", n=len(vals), name=tr.qualified(c, self.lang), share=100 * sum(vals) / tot,
                                                     top=names[j], top_share=100 * vals[j] / tot))
                src = self.charts.composition(f"fig_circle_{t2}.png", [self.tree.qualified(c, self.clang) for c in codes],
                                              cnames + [tx.t(self.clang, "other_regions")], matrix, "")
                self.counts["composition"] += 1
                if share_lines:
                    self.add(Para(("" if self.lang == "zh" else " ").join(share_lines)))
                self.figure(src, self.s("fig_composition", names=tr.name(t2, self.lang)))
        self.add(Heading(3, self.s("circles_raw"), "circles-raw"))
        rows = []
        for c in tr.tier3_codes:
            if self.tree.op.get(c, "count") not in _ADDITIVE or f"{c}_raw" not in circ:
                continue
            vals = [_num(v) for v in circ[f"{c}_raw"]]
            nat = _num(national.get(c, float("nan")))
            rows.append([tr.qualified(c, self.lang)] + [tx.fmt_value(v) for v in vals] + [tx.fmt_value(max(nat - sum(v for v in vals if v == v), 0.0)), tx.fmt_value(nat)])
        self.table(self.s("tab_circle_raw"), [self.s("col_indicator")] + names + [self.s("other_regions"), self.s("col_all")], rows)

    # -- profiles -------------------------------------------------------------------------
    def profile_paragraphs(self, r, echelon: int, kind: str) -> list[str]:
        """Generated sentences on one region: rank and echelon, strongest and weakest tier-1,
        tier-2 and tier-3 indicators, and the largest contribution to the total."""
        tr, lang = self.tree, self.lang
        key = "overall" if kind == "province" else "city_overall"
        out = [self.sent(key, name=self.rname(r), rank=tx.ordinal(_rank(r["rank"]), lang), score=tx.fmt_score(r["total"]),
                         echelon=tx.echelon_name(echelon, lang))]
        for tier, codes in (("1", tr.t1), ("2", tr.tier2_codes)):
            ranks = {c: _num(r.get(f"{c}_rank")) for c in codes}
            best, worst = tx.extremes(ranks)
            tier_word = {"zh": {"1": "一级", "2": "二级"}, "en": {"1": "tier-1", "2": "tier-2"}}[lang][tier]
            if not best:
                continue
            if set(best) == set(worst):
                out.append(self.sent("dims_all_same", n=len(codes), tier=tier_word, rank=tx.ordinal(ranks[best[0]], lang)))
            else:
                out.append(self.sent("dims_best_worst", n=len(codes), tier=tier_word,
                                     best=tx.limited([tr.name(c, lang) for c in best], lang, limit=5 if tier == "1" else 3),
                                     best_rank=tx.ordinal(ranks[best[0]], lang),
                                     worst=tx.limited([tr.name(c, lang) for c in worst], lang, limit=5 if tier == "1" else 3),
                                     worst_rank=tx.ordinal(ranks[worst[0]], lang)))
        ranks3 = {c: _num(r.get(f"{c}_rank")) for c in tr.tier3_codes}
        best, worst = tx.extremes(ranks3)
        if best and set(best) != set(worst):
            out.append(self.sent("t3_best_worst", n=len(tr.tier3_codes),
                                 best=tx.ranked_names([(tr.qualified(c, lang), ranks3[c]) for c in best], lang),
                                 worst=tx.ranked_names([(tr.qualified(c, lang), ranks3[c]) for c in worst], lang)))
        total = _num(r["total"])
        if total > 0:
            top = max(tr.t1, key=lambda c: _num(r[c]) if _num(r[c]) == _num(r[c]) else -1)
            out.append(self.sent("share", dim=tr.name(top, lang), share=100 * _num(r[top]) / total))
        return out

    def rank_table_rows(self, r) -> tuple[list[list[str]], list[int]]:
        """The 41-row table (total, tier-1, tier-2, tier-3): name, tier, rank, score, raw value."""
        tr, lang = self.tree, self.lang
        rows = [[self.s("total"), self.s("tier0"), str(_rank(r["rank"])), tx.fmt_score(r["total"]), ""]]
        levels = [0]
        for t1 in tr.t1:
            rows.append([tr.name(t1, lang), self.s("tier1"), str(_rank(r[f"{t1}_rank"])), tx.fmt_score(r[t1]), ""])
            levels.append(1)
            for t2 in tr.tier2_of(t1):
                rows.append([tr.name(t2, lang), self.s("tier2"), str(_rank(r.get(f"{t2}_rank"))), tx.fmt_score(r.get(t2)), ""])
                levels.append(2)
                for t3 in tr.tier3_of(t2):
                    rows.append([tr.name(t3, lang), self.s("tier3"), str(_rank(r.get(f"{t3}_rank"))), tx.fmt_score(r.get(t3)), tx.fmt_value(_num(r.get(f"{t3}_raw")))])
                    levels.append(3)
        return rows, levels

    def profile(self, r, echelon: int, kind: str, number: int, heading_level: int) -> None:
        tr = self.tree
        prefix = f"（{tx.zh_numeral(number)}）" if self.lang == "zh" else f"{number}. "
        code = str(r["region_code"])
        self.add(Heading(heading_level, prefix + self.rname(r), f"{kind[0]}-{code}"))
        axes = [textwrap.fill(self.cname(c), 16) if self.clang == "en" else self.cname(c) for c in tr.t1]
        ranks = [_rank(r[f"{c}_rank"]) or 0 for c in tr.t1]
        src = self.charts.radar(f"radar_{kind}_{code}.png", axes, ranks, self.rname(r, self.clang))
        self.counts["radar"] += 1
        self.figure(src, self.s("fig_radar" if kind == "province" else "fig_city_radar", name=self.rname(r)), kind="radar")
        self.add(Para(("" if self.lang == "zh" else " ").join(self.profile_paragraphs(r, echelon, kind))))
        rows, levels = self.rank_table_rows(r)
        self.table(self.s("tab_profile" if kind == "province" else "tab_city_profile", name=self.rname(r)),
                   [self.s("col_indicator"), self.s("col_tier"), self.s("col_rank"), self.s("col_score"), self.s("col_raw")], rows, levels, numeric_from=2)

    def provinces(self) -> None:
        self.add(Heading(2, self.s("provinces"), "provinces"))
        self.add(Links(self.s("jump"), [(self.rname(r), f"p-{r['region_code']}") for _, r in self.prov.iterrows()]))
        self.add(Note(self.s("note_radar")))
        self.add(Note(self.s("note_profile")))
        for i, r in self.prov.iterrows():
            self.profile(r, self.prov_ech[i], "province", i + 1, 3)
            self.counts["province_profiles"] += 1

    def rounding_note(self, df: pd.DataFrame) -> None:
        """Say so under a ranking table whose two-decimal totals hide the order of its ranks."""
        if rounding_hides_order(df["total"], df["rank"]):
            self.add(Note(self.s("note_rounding")))

    def cities(self) -> None:
        tr = self.tree
        self.add(Heading(2, self.s("cities"), "cities"))
        cities = self._city_df()
        if cities is None:
            self.add(Para(self.s("no_cities")))
            return
        ech = self._echelons(cities["total"])
        k = min(self.top_cities, len(cities))
        top = cities.iloc[:k]
        self.add(Heading(3, self.s("city_rank"), "city-rank"))
        self.add(Para(("" if self.lang == "zh" else " ").join(self.echelon_lines(cities, "total", ech, which=(1,)))))
        src = self.charts.ranking("fig_city_top.png", [self.rname(r, self.clang) for _, r in top.iterrows()], top["total"].tolist(), "",
                                  groups=ech[:k], group_labels={e: tx.echelon_name(e, self.clang) for e in set(ech[:k])},
                                  xlabel=tx.t(self.clang, "score_axis"))
        self.counts["ranking"] += 1
        self.figure(src, self.s("fig_city_top", k=k))
        header = [self.s("col_rank"), self.s("col_city"), self.s("col_total")] + [self.s("col_rank_of", dim=tr.name(c, self.lang)) for c in tr.t1]
        rows = [[str(_rank(r["rank"])), self.rname(r), tx.fmt_score(r["total"])] + [str(_rank(r[f"{c}_rank"])) for c in tr.t1] for _, r in top.iterrows()]
        self.table(self.s("tab_city_top", k=k), header, rows, numeric_from=2)
        self.rounding_note(top)
        self.add(Note(self.s("note_city")))
        n = min(self.n_city_profiles, len(cities))
        if n:
            self.add(Heading(3, self.s("city_profiles"), "city-profiles"))
            for i in range(n):
                self.profile(cities.iloc[i], ech[i], "city", i + 1, 4)
                self.counts["city_profiles"] += 1


@dataclass
class Profile:
    """One region's profile: its generated sentences and its 41-row rank table."""

    region: str
    sentences: list[str]
    table: pd.DataFrame

    def __str__(self) -> str:
        return "\n".join(self.sentences)


def profile(table: pd.DataFrame, spec, region: str, lang: str = "zh", kind: str = "province", echelon_method: str = "jenks") -> Profile:
    """Return the profile of ``region`` (code, Chinese or English name) from a detail table
    (``Evaluation.table(detail=True)``): the report's sentences and rank table, without charts.

    ``kind`` is ``"province"`` or ``"city"`` (it only changes the wording).
    """
    from graphkit.errors import UsageError

    b = _Builder(ReportInputs(province=table, spec=spec), None, lang, lang, echelon_method, 0, 0)
    df = b.prov
    key = str(region).strip().lower()
    hits = [i for i, r in df.iterrows() if key in {str(r["region_code"]).lower(), str(r["region"]).lower(), str(r.get("region_en", "")).lower()}]
    if not hits:
        raise UsageError(f"region must be a code or name of the table's regions; got {region!r} instead.")
    r = df.iloc[hits[0]]
    rows, levels = b.rank_table_rows(r)
    header = [b.s("col_indicator"), b.s("col_tier"), b.s("col_rank"), b.s("col_score"), b.s("col_raw")]
    return Profile(b.rname(r), b.profile_paragraphs(r, b.prov_ech[hits[0]], kind), pd.DataFrame(rows, columns=header))


def report_blocks(inputs: ReportInputs, figures_dir: str | Path, lang: str = "zh", chart_lang: str | None = None,
                  echelon_method: str = "jenks", top_cities: int = 20, city_profiles: int = 5) -> tuple[list[Block], dict]:
    """Draw the charts into ``figures_dir`` and return (the report's blocks, counts of charts
    and profiles). Charts use ``chart_lang`` (default ``lang``); fonts are the caller's
    matplotlib settings (see :func:`graphkit.report.charts.chart_style`)."""
    b = _Builder(inputs, Charts(figures_dir), lang, chart_lang or lang, echelon_method, top_cities, city_profiles)
    blocks = b.build()
    return blocks, {**b.counts, "figures": len(b.charts.written)}


def build_report(inputs: ReportInputs, out: str | Path, lang: str = "zh", force: bool = False, echelon_method: str = "jenks",
                 top_cities: int = 20, city_profiles: int = 5) -> ReportResult:
    """Write the report (``report.html``, ``report.md``, ``figures/``) into the folder ``out``.

    The folder is built beside ``out`` and renamed into place only when complete; an
    existing ``out`` is replaced only with ``force``. Chinese chart labels need a CJK font
    (see :mod:`graphkit.report.fonts`); without one the charts fall back to English labels
    and a :class:`ReportWarning` is issued. Returns a :class:`ReportResult`.
    """
    from graphkit.atomic import atomic_dir, check_writable
    from graphkit.errors import UsageError
    from graphkit.report.fonts import find_cjk_font

    if lang not in tx.LANGS:
        raise UsageError(f"lang must be one of {', '.join(tx.LANGS)}; got {lang!r} instead.")
    out = check_writable(out, force)
    t0 = time.perf_counter()
    notes: list[str] = []
    font = find_cjk_font()
    chart_lang = lang
    if font is None and lang == "zh":
        chart_lang = "en"
        msg = ("no font with Chinese glyphs found (install fonts-noto-cjk or fonts-wqy-microhei); "
               "the charts use English labels")
        warnings.warn(msg, ReportWarning, stacklevel=2)
        notes.append(msg)
    title = tx.t(lang, "title")
    with atomic_dir(out) as tmp:
        tmp.chmod(0o755)  # mkdtemp makes it private; a report folder is meant to be shared
        figs = tmp / FIGURES
        with chart_style(font):
            blocks, counts = report_blocks(inputs, figs, lang, chart_lang, echelon_method, top_cities, city_profiles)
        (tmp / HTML_NAME).write_text(render_html(blocks, title, lang, figs), encoding="utf-8")
        (tmp / MARKDOWN_NAME).write_text(render_markdown(blocks, title), encoding="utf-8")
    return ReportResult(out, out / HTML_NAME, out / MARKDOWN_NAME, counts["figures"], counts["ranking"], counts["radar"], counts["composition"],
                        counts["province_profiles"], counts["city_profiles"], lang, chart_lang, time.perf_counter() - t0, notes)
