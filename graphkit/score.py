"""Weighted sums and ranks: from 0–100 tier-3 scores to tier-2, tier-1 and total scores."""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphkit.spec import Spec

__all__ = ["weighted_scores", "rank", "rank_table", "sum_groups"]


def weighted_scores(scores: pd.DataFrame, spec: Spec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """Weight 0–100 tier-3 scores by their global weights and sum them up the tree.

    Returns ``(contributions, tier2, tier1, total)``: ``contributions`` is w·X′ per tier-3
    indicator; a tier-2 score is the sum of its indicators' contributions, a tier-1 score the
    sum of its tier-2 scores, the total the sum of the tier-1 scores.
    """
    w = spec.weights.reindex(scores.columns)
    contrib = scores * w
    tier2 = _sum_children(contrib, spec.tier3, spec.tier2["code"])
    tier1 = _sum_children(tier2, spec.tier2, spec.tier1["code"])
    return contrib, tier2, tier1, tier1.sum(axis=1).rename("total")


def _sum_children(values: pd.DataFrame, children: pd.DataFrame, parents) -> pd.DataFrame:
    parent_of = children.set_index("code")["parent"]
    summed = values.T.groupby(parent_of.reindex(values.columns).to_numpy()).sum().T
    return summed.reindex(columns=list(parents), fill_value=0.0)


def rank(values: pd.Series, decimals: int = 9) -> pd.Series:
    """Rank descending; ties (equal to ``decimals`` places) share the best rank, as the report does."""
    return values.round(decimals).rank(method="min", ascending=False).astype(int)


def rank_table(table: pd.DataFrame, decimals: int = 9) -> pd.DataFrame:
    """Rank every column of ``table`` as :func:`rank` ranks one."""
    # one DataFrame.rank call ranks the columns independently, as column-by-column rank()
    # would, without a Python call per column
    return table.round(decimals).rank(method="min", ascending=False).astype(int)


def sum_groups(table: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Return, for each group (e.g. an economic circle), the sum of its members' rows (a
    member missing from ``table``, or a missing value, adds nothing)."""
    # plain numpy rather than a reindex per group: the calibration sums thousands of tables
    values = table.to_numpy(float)
    row_of = {r: i for i, r in enumerate(table.index)}
    sums = []
    for members in groups.values():
        part = values[[row_of[m] for m in members if m in row_of]]
        sums.append(np.where(np.isnan(part), 0.0, part).sum(axis=0))
    return pd.DataFrame(sums, index=list(groups), columns=table.columns)
