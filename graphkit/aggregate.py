"""Tier-3 indicator values per region, by aggregating node and edge tables.

The only hot loop of the engine, so it is vectorised: every row gets the integer position of
its region (through the node that locates it, for edges), then ``numpy.bincount`` counts and
sums per region. No Python loop runs over entities or edges.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphkit.errors import UsageError
from graphkit.io import Dataset
from graphkit.schema import EDGE_TYPES, NODE_TYPES
from graphkit.spec import Spec

__all__ = ["LEVELS", "level_regions", "aggregate", "OPERATIONS"]

LEVELS = ("province", "city", "circle")


def level_regions(ds: Dataset, level: str) -> pd.DataFrame:
    """Return the regions a level ranks, as a table ``code, zh, en`` in reference order.

    ``province``: the 31 provinces, always. ``city``: every city where the dataset has a
    domestic node, without the four municipalities. ``circle``: the four economic circles.
    """
    from graphkit.regions import load_regions

    regions = load_regions()
    if level == "province":
        t = regions.province_table()
    elif level == "city":
        used = pd.unique(pd.concat([t["city_code"] for n, t in ds.nodes.items() if NODE_TYPES[n].domestic], ignore_index=True).dropna())
        t = regions.city_table()
        t = t[t["code"].isin(used) & ~t["code"].isin(regions.province_table()["code"])]
    elif level == "circle":
        t = regions.circles
    else:
        raise UsageError(f"level must be one of {', '.join(LEVELS)}; got {level!r} instead")
    return t[["code", "zh", "en"]].reset_index(drop=True)


def _node_region_codes(ds: Dataset, level: str) -> dict[str, pd.Series]:
    """Per domestic node table, the code of each row's region at ``level`` (NaN: none)."""
    from graphkit.regions import load_regions

    out = {}
    circle_of = None
    if level == "circle":
        circle_of = {p: c for c, members in load_regions().circle_members().items() for p in members}
    for name, t in ds.nodes.items():
        if not NODE_TYPES[name].domestic:
            continue
        if level == "city":
            out[name] = t["city_code"]
        elif level == "circle":
            out[name] = t["province_code"].map(circle_of)
        else:
            out[name] = t["province_code"]
    return out


def _alive(frame: pd.DataFrame, date_col: str | None, as_of) -> np.ndarray | None:
    # Rows dated after the cut-off are not yet part of the graph; undated rows always are.
    if as_of is None or date_col is None or date_col not in frame or len(frame) == 0:
        return None
    col = frame[date_col]
    if date_col == "year":
        return ~(col > pd.Timestamp(as_of).year).to_numpy()
    return ~(col > pd.Timestamp(as_of)).to_numpy()


def _positions(ds: Dataset, level: str, codes: pd.Index, as_of) -> dict[str, np.ndarray]:
    """Integer region position (−1: outside the level, or cut by ``as_of``) of every row of
    every table; edges take the position of the node that locates them."""
    pos: dict[str, np.ndarray] = {}
    node_codes = _node_region_codes(ds, level)
    for name, rc in node_codes.items():
        p = codes.get_indexer(rc.to_numpy(dtype=object)) if len(rc) else np.empty(0, dtype=np.intp)
        alive = _alive(ds.nodes[name], NODE_TYPES[name].date, as_of)
        if alive is not None:
            p = np.where(alive, p, -1)
        pos[name] = p
    ids = pd.Index(pd.concat([ds.nodes[n]["id"] for n in node_codes], ignore_index=True))
    node_pos = np.concatenate([pos[n] for n in node_codes]) if node_codes else np.empty(0, dtype=np.intp)
    pos["_ids"] = ids  # type: ignore[assignment]
    pos["_node_pos"] = node_pos
    return pos


def _edge_positions(ds: Dataset, name: str, by: str | None, pos: dict, as_of) -> np.ndarray:
    frame = ds.edges[name]
    col = by or EDGE_TYPES[name].locates
    if len(frame) == 0:
        return np.empty(0, dtype=np.intp)
    ids: pd.Index = pos["_ids"]
    at = ids.get_indexer(frame[col].to_numpy(dtype=object)) if len(ids) else np.full(len(frame), -1)
    p = np.where(at >= 0, pos["_node_pos"][np.maximum(at, 0)] if len(ids) else -1, -1)
    alive = _alive(frame, EDGE_TYPES[name].date, as_of)
    if alive is not None:
        p = np.where(alive, p, -1)
    return p


def _count(p, values, n):
    return np.bincount(p, minlength=n).astype(float)


def _sum(p, values, n):
    known = ~np.isnan(values)
    return np.bincount(p[known], weights=values[known], minlength=n)


def _mean(p, values, n):
    known = ~np.isnan(values)
    total = np.bincount(p[known], weights=values[known], minlength=n)
    count = np.bincount(p[known], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


# Operations by name, as the spec file names them; each maps (region positions, values, n) to n values.
OPERATIONS = {"count": _count, "sum": _sum, "mean": _mean}


def aggregate(ds: Dataset, spec: Spec, level: str = "province", as_of=None, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compute every tier-3 indicator of ``spec`` for every region of ``level``.

    Returns a table indexed by region code (in :func:`level_regions` order) with one column
    per tier-3 code: counts and sums (0 where a region has none) and means over the valid
    sample (NaN where a region has no entity with a known value). ``as_of`` (a date) leaves
    out rows dated after it.
    """
    if regions is None:
        regions = level_regions(ds, level)
    codes = pd.Index(regions["code"])
    n = len(codes)
    pos = _positions(ds, level, codes, as_of)
    out = {}
    for ind in spec.tier3.itertuples(index=False):
        frame = ds.table(ind.table)
        if ind.table in NODE_TYPES:
            if not NODE_TYPES[ind.table].domestic:
                raise UsageError(f"indicator {ind.code!r}: table {ind.table!r} has no region (it is located abroad)")
            p = pos[ind.table]
        else:
            p = _edge_positions(ds, ind.table, ind.by, pos, as_of)
        keep = p >= 0
        if ind.where:
            for col, allowed in ind.where.items():
                allowed = allowed if isinstance(allowed, list) else [allowed]
                keep &= frame[col].isin(allowed).to_numpy()
        values = frame[ind.column].to_numpy(dtype=float)[keep] if ind.column else None
        out[ind.code] = OPERATIONS[ind.op](p[keep], values, n)
    return pd.DataFrame(out, index=codes).rename_axis("region_code")
