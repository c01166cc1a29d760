"""The pipeline and its result: load → aggregate → normalise → weight → rank, recorded.

:func:`evaluate` wires the stage functions; the :class:`Evaluation` it returns keeps every
stage's table and the parameters that produced it, so a run can be redone with one thing
changed (``ev.redo(level="city")``) and compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from graphkit.aggregate import LEVELS, aggregate, level_regions
from graphkit.errors import UsageError
from graphkit.io import Dataset
from graphkit.normalise import normalise
from graphkit.score import rank, rank_table, sum_groups, weighted_scores
from graphkit.spec import Spec, load_spec

__all__ = ["Evaluation", "evaluate", "score_raw", "sum_circles"]


@dataclass
class Evaluation:
    """Every stage of one index computation and the parameters that made it.

    Tables are indexed by region code: ``raw`` (tier-3 values), ``scores`` (tier-3, 0–100),
    ``contributions`` (weight × score), ``tier2``, ``tier1``; ``total`` is a Series;
    ``ranks`` holds the rank of every code and of ``total``. ``regions`` names the regions
    (code, zh, en).
    """

    dataset: Dataset
    spec: Spec
    level: str
    regions: pd.DataFrame
    raw: pd.DataFrame
    scores: pd.DataFrame
    contributions: pd.DataFrame
    tier2: pd.DataFrame
    tier1: pd.DataFrame
    total: pd.Series
    ranks: pd.DataFrame
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        top = self.table().head(3)
        lead = ", ".join(f"{r.region} {r.total:.2f}" for r in top.itertuples())
        return f"<Evaluation level={self.level} regions={len(self.regions)} top: {lead}>"

    def table(self, detail: bool = False) -> pd.DataFrame:
        """Return one row per region, best first: ``region`` (Chinese name), ``region_en``,
        ``region_code``, ``total``, ``rank`` and, per tier-1 code, ``<code>`` and ``<code>_rank``.

        With ``detail``: per tier-2 code ``<code>``, ``<code>_rank``; per tier-3 code
        ``<code>_raw``, ``<code>`` (0–100 score) and ``<code>_rank``.
        """
        idx = self.regions.set_index("code")
        cols = {"region": idx["zh"], "region_en": idx["en"], "region_code": idx.index.to_series(),
                "total": self.total, "rank": self.ranks["total"]}
        for code in self.spec.tier1["code"]:
            cols[code] = self.tier1[code]
            cols[f"{code}_rank"] = self.ranks[code]
        if detail:
            for code in self.spec.tier2["code"]:
                cols[code] = self.tier2[code]
                cols[f"{code}_rank"] = self.ranks[code]
            for code in self.spec.codes:
                cols[f"{code}_raw"] = self.raw[code]
                cols[code] = self.scores[code]
                cols[f"{code}_rank"] = self.ranks[code]
        out = pd.DataFrame({k: v.reindex(idx.index) for k, v in cols.items()}, index=idx.index)
        return out.sort_values(["rank", "region_code"], kind="stable").reset_index(drop=True)

    def redo(self, **changes) -> "Evaluation":
        """Recompute with some parameters changed (``level``, ``spec``, ``weights``, ``as_of``, ``normalisation``)."""
        params = {k: self.params[k] for k in ("level", "weights", "as_of", "normalisation")}
        params["spec"] = self.spec
        params.update(changes)
        return evaluate(self.dataset, **params)


def _rank_levels(tier3: pd.DataFrame, tier2: pd.DataFrame, tier1: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    return pd.concat([rank_table(tier3), rank_table(tier2), rank_table(tier1), rank(total).rename("total")], axis=1)


def score_raw(raw: pd.DataFrame, spec: Spec, normalisation: str = "minmax") -> tuple:
    """The stages after aggregation, on a raw table (regions × tier-3 indicators): normalise,
    weight, rank. Returns (scores, contributions, tier2, tier1, total, ranks) as in
    :class:`Evaluation`; changing a raw value and calling this again shows what it moves."""
    scores = normalise(raw, normalisation)
    contrib, tier2, tier1, total = weighted_scores(scores, spec)
    # Ranks of tier-3 indicators are ranks of their scores (equivalently of raw values,
    # with a missing mean ranked as 0).
    return scores, contrib, tier2, tier1, total, _rank_levels(scores, tier2, tier1, total)


def sum_circles(prov, members: dict[str, list[str]], index=None) -> tuple:
    """The circles' tables from a province evaluation: each circle's scores are the sums of
    its members' (the report's Table 4), its tier-3 ranks those of the summed contributions.
    ``index`` orders the circles. Returns (scores, contributions, tier2, tier1, total, ranks)."""
    tables = [sum_groups(x, members) for x in (prov.scores, prov.contributions, prov.tier2, prov.tier1)]
    scores, contrib, tier2, tier1 = tables if index is None else [x.reindex(index) for x in tables]
    total = tier1.sum(axis=1).rename("total")
    return scores, contrib, tier2, tier1, total, _rank_levels(contrib, tier2, tier1, total)


def _circle_evaluation(ds: Dataset, spec: Spec, as_of, normalisation: str, params: dict) -> Evaluation:
    from graphkit.regions import load_regions

    prov = evaluate(ds, spec=spec, level="province", as_of=as_of, normalisation=normalisation)
    members = load_regions().circle_members()
    regions = level_regions(ds, "circle")
    # A circle's scores are the sums of its members' scores (the report's Table 4); its raw
    # values are aggregated afresh over the circle, so a mean is the circle's own mean.
    raw = aggregate(ds, spec, "circle", as_of=as_of, regions=regions)
    scores, contrib, tier2, tier1, total, ranks = sum_circles(prov, members, index=raw.index)
    return Evaluation(ds, spec, "circle", regions, raw, scores, contrib, tier2, tier1, total, ranks, params)


def evaluate(
    dataset: Dataset,
    spec: Spec | str | None = None,
    level: str = "province",
    weights: pd.Series | dict | None = None,
    as_of=None,
    normalisation: str = "minmax",
) -> Evaluation:
    """Compute the index of ``dataset`` at ``level`` (``province``, ``city`` or ``circle``).

    ``spec`` is a :class:`Spec` or a path (default: the report's indicator system);
    ``weights`` optionally replaces its tier-3 weights (e.g. from AHP judgments); ``as_of``
    leaves out entities and relations dated after it. Returns an :class:`Evaluation`.
    """
    if level not in LEVELS:
        raise UsageError(f"level must be one of {', '.join(LEVELS)}; got {level!r} instead")
    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    if weights is not None:
        spec = spec.with_weights(weights)
    params = {"level": level, "spec": spec.source, "weights": None if weights is None else dict(pd.Series(weights)),
              "weights_source": spec.meta.get("weights", "spec"), "as_of": None if as_of is None else str(as_of),
              "normalisation": normalisation, "dataset": str(dataset.path) if dataset.path else None}
    if level == "circle":
        return _circle_evaluation(dataset, spec, as_of, normalisation, params)
    regions = level_regions(dataset, level)
    raw = aggregate(dataset, spec, level, as_of=as_of, regions=regions)
    scores, contrib, tier2, tier1, total, ranks = score_raw(raw, spec, normalisation)
    return Evaluation(dataset, spec, level, regions, raw, scores, contrib, tier2, tier1, total, ranks, params)
