"""Synthetic national-size graphs in the dataset schema, streamed to Parquet.

``synthesize(out, firms=N, edges=M, seed=S)`` writes a dataset folder (``nodes/``,
``edges/``) that ``load_dataset`` reads and ``graphkit score`` scores, with the shape of a
business registry: firms spread over provinces and cities with the report's regional skew
(Beijing, Guangdong, Shanghai, Zhejiang, Jiangsu far ahead), heavy-tailed degrees (a few
firms and investors take a large share of the relations), every edge type, dates, amounts
and missing values.

It is built for size: every table is generated and written in chunks of ``CHUNK`` rows
with numpy and pyarrow, so 100 million edges never exist as Python objects, and memory
stays at a few chunks plus one permutation of the firms and one of the investors (measured:
0.56 GB peak, 106 s, 1.7 GB of files for 10M firms and 100M edges on 2 shared cores). Output is deterministic for a
seed: chunk ``k`` of table ``t`` draws from ``default_rng([seed, t, k])``.

Ids are int64 by default, one contiguous block per node type (firms ``1..N``, then
investors, …), as a registry's surrogate keys would be; ``id_kind="str"`` writes the
prefixed string ids of the bundled sample (``F1``, ``V1``, …) instead.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graphkit.schema import EDGE_TYPES, NODE_TYPES

__all__ = ["synthesize", "plan", "Plan", "CHUNK", "EDGE_SHARES", "PROVINCE_WEIGHTS"]

CHUNK = 1_000_000  # rows per generated chunk and per Parquet row group

# Share of the requested edges per edge type (financing edges are investor -> firm, one
# per co-investor of a round; rounds come on top, about one per 2.5 financing edges).
EDGE_SHARES = {
    "financing": 0.30,
    "investment": 0.20,
    "tech_enablement": 0.25,
    "intl_tech_input": 0.06,
    "intl_tech_enablement": 0.07,
    "study_experience": 0.06,
    "work_experience": 0.06,
}

# Firms per province in the report's sample (data/reference/published_counts.csv: Beijing
# 628, Guangdong 596, Shanghai 314, Zhejiang 197, Jiangsu 144, Hubei 14, Xinjiang 4;
# Sichuan + Chongqing 76 with Chengdu 55; Tianjin + Hebei 28 and Anhui 17 by difference
# from the circle totals). Other provinces share the remaining ~187 firms, ~10 each.
PROVINCE_WEIGHTS = {
    "110000": 628, "440000": 596, "310000": 314, "330000": 197, "320000": 144,
    "510000": 60, "500000": 16, "120000": 18, "130000": 10, "340000": 17, "420000": 14,
    "650000": 4,
}
_OTHER_PROVINCE_WEIGHT = 10
# Firms of the named cities in the sample (same file); the rest of a province's firms go
# to its other cities with Zipf weights 1/k in code order (the capital is usually first).
_CITY_WEIGHTS = {"440300": 308, "440100": 189, "330100": 169, "320100": 53, "510100": 55}
_CITY_KINDS = ("city", "municipality", "autonomous_prefecture", "prefecture", "league")

_COUNTRIES = ["United States", "United Kingdom", "Germany", "Japan", "Canada", "France",
              "Singapore", "Israel", "South Korea", "Australia", "Switzerland", "Netherlands"]
_COUNTRY_P = np.array([40, 10, 8, 8, 6, 5, 5, 4, 4, 4, 3, 3], dtype=float)


@dataclass(frozen=True)
class Plan:
    """How many rows each table gets and where each node type's id block starts."""

    nodes: dict[str, int]
    edges: dict[str, int]
    first_id: dict[str, int]

    def total_edges(self) -> int:
        """Relations over all edge tables (rounds are events, not counted)."""
        return sum(n for k, n in self.edges.items() if k != "round")


def plan(firms: int, edges: int) -> Plan:
    """Return the row counts of a synthetic dataset with ``firms`` firms and ``edges``
    relations (the edge total is split by :data:`EDGE_SHARES`, exactly)."""
    if firms < 1 or edges < 0:
        raise ValueError("firms must be >= 1 and edges >= 0")
    n = {
        "firm": firms,
        "investor": max(10, firms // 2),
        "company": max(10, firms // 2),
        "foreign_partner": max(20, firms // 100),
        "university": min(3000, max(5, firms // 700)),
        "institute": min(2000, max(3, firms // 1800)),
        "conference": max(3, firms // 1000),
        "alliance": max(3, firms // 5000),
        "policy": max(3, firms // 2000),
        "park": max(3, firms // 5000),
    }
    e = {k: int(edges * s) for k, s in EDGE_SHARES.items()}
    e["tech_enablement"] += edges - sum(e.values())  # rounding remainder
    e["round"] = math.ceil(e["financing"] / 2.5) if e["financing"] else 0
    first, nxt = {}, 1
    # Firms and other companies share one run of ids (a registry numbers all enterprises
    # together), so an investment's target, a firm or a company, is one contiguous range.
    for name in ["firm", "company"] + [t for t in NODE_TYPES if t not in ("firm", "company")]:
        first[name] = nxt
        nxt += n[name]
    return Plan(nodes=n, edges=e, first_id=first)


# ---------------------------------------------------------------- places

def _places(regions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (province zh name, city zh name, probability) of every city firms may sit in."""
    cities = regions.city_table()
    cities = cities[cities["kind"].isin(_CITY_KINDS)]
    provinces = regions.province_table().set_index("code")
    prov_w = {c: PROVINCE_WEIGHTS.get(c, _OTHER_PROVINCE_WEIGHT) for c in provinces.index}
    pz, cz, w = [], [], []
    for pcode, group in cities.groupby("province_code", sort=True):
        named = {c: _CITY_WEIGHTS[c] for c in group["code"] if c in _CITY_WEIGHTS}
        rest = prov_w[pcode] - sum(named.values())
        others = [c for c in group["code"] if c not in named]
        zipf = np.array([1.0 / (k + 1) for k in range(len(others))])
        zipf = zipf / zipf.sum() * max(rest, 0.0) if len(others) else zipf
        weights = {**named, **dict(zip(others, zipf))}
        for r in group.itertuples(index=False):
            pz.append(provinces.loc[pcode, "zh"])
            cz.append(r.zh)
            w.append(weights[r.code])
    w = np.asarray(w, dtype=float)
    return np.asarray(pz, dtype=object), np.asarray(cz, dtype=object), w / w.sum()


# ---------------------------------------------------------------- column helpers

def _rng(seed: int, table: str, chunk: int) -> np.random.Generator:
    tid = list(NODE_TYPES).index(table) if table in NODE_TYPES else 100 + list(EDGE_TYPES).index(table)
    return np.random.default_rng([seed, tid, chunk])


def _ids(values: np.ndarray, prefix: str, id_kind: str) -> pa.Array:
    if id_kind == "int":
        return pa.array(values, type=pa.int64())
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values, type=pa.int64()), pa.string()), "")


def _dates(rng, n: int, start: str, end: str) -> pa.Array:
    lo, hi = np.datetime64(start, "D").astype(np.int32), np.datetime64(end, "D").astype(np.int32)
    return pa.array(rng.integers(lo, hi + 1, n, dtype=np.int32), type=pa.int32()).cast(pa.date32())


def _with_nulls(rng, values: np.ndarray, share: float) -> pa.Array:
    return pa.array(values, mask=rng.random(len(values)) < share)


def _heavy(rng, n: int, size: int, order: np.ndarray | None, alpha: float = 3.0) -> np.ndarray:
    """``n`` row numbers in ``[0, size)`` with a heavy tail: row of popularity rank r is
    drawn with density ∝ r^(1/alpha − 1), so the top 1% of rows take ~20% of draws
    (alpha 3). ``order`` maps popularity rank to row, so popular rows are spread out."""
    ranks = np.minimum((rng.random(n) ** alpha * size).astype(np.int64), size - 1)
    return ranks if order is None else order[ranks]


def _dict_column(rng, choices: np.ndarray, p: np.ndarray, n: int) -> pa.DictionaryArray:
    idx = rng.choice(len(choices), size=n, p=p).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(idx), pa.array(list(choices), type=pa.string()))


# ---------------------------------------------------------------- tables

def _node_chunk(name: str, p: Plan, start: int, n: int, rng, places, id_kind: str) -> pa.Table:
    prefix = NODE_TYPES[name].prefix
    ids = np.arange(start, start + n, dtype=np.int64) + p.first_id[name]
    cols: dict[str, pa.Array] = {"id": _ids(ids, prefix, id_kind)}
    names = pc.cast(pa.array(ids - p.first_id[name] + 1), pa.string())
    label = {"firm": "智能科技", "investor": "创投", "company": "企业", "university": "大学", "institute": "研究院",
             "conference": "人工智能大会", "alliance": "产业联盟", "policy": "人工智能政策", "park": "人工智能产业园",
             "foreign_partner": "Partner "}[name]
    cols["name"] = pc.binary_join_element_wise(label, names, "")
    if name == "foreign_partner":
        cols["country"] = _dict_column(rng, np.array(_COUNTRIES, dtype=object), _COUNTRY_P / _COUNTRY_P.sum(), n)
        half = p.nodes[name] // 2  # the first half are universities (study), the rest companies (work)
        kinds = np.where(np.arange(start, start + n) < half, 0, 1).astype(np.int32)
        cols["kind"] = pa.DictionaryArray.from_arrays(pa.array(kinds), pa.array(["university", "company"]))
        return pa.table(cols)
    pz, cz, w = places
    where = rng.choice(len(w), size=n, p=w).astype(np.int32)
    cols["province"] = pa.DictionaryArray.from_arrays(pa.array(where), pa.array(list(pz), type=pa.string()))
    cols["city"] = pa.DictionaryArray.from_arrays(pa.array(where), pa.array(list(cz), type=pa.string()))
    if name == "firm":
        cols["founded"] = _dates(rng, n, "1990-01-01", "2020-12-31")
        cols["layer"] = _dict_column(rng, np.array(["basic", "technology", "application"], dtype=object),
                                     np.array([0.05, 0.15, 0.80]), n)
        cols["valuation"] = _with_nulls(rng, np.round(rng.lognormal(8.0, 2.0, n), 2), 0.3)
        cols["patents"] = _with_nulls(rng, np.floor(rng.pareto(1.2, n) * 3).astype(np.int64), 0.2)
    elif name == "investor":
        cols["kind"] = _dict_column(rng, np.array(["institutional", "other"], dtype=object), np.array([0.6, 0.4]), n)
    elif name in ("university", "institute"):
        cols["domestic_papers"] = _with_nulls(rng, np.floor(rng.pareto(1.5, n) * 50).astype(np.int64), 0.05)
        cols["intl_papers"] = _with_nulls(rng, np.floor(rng.pareto(1.5, n) * 20).astype(np.int64), 0.1)
        cols["patents"] = _with_nulls(rng, np.floor(rng.pareto(1.5, n) * 10).astype(np.int64), 0.1)
    elif name in ("conference", "policy"):
        cols["date"] = _dates(rng, n, "2010-01-01", "2020-12-31")
    elif name in ("alliance", "park"):
        cols["founded"] = _dates(rng, n, "2000-01-01", "2020-12-31")
    return pa.table(cols)


class _Popularity:
    """Random popularity orders of firms and investors, shared by all edge tables."""

    def __init__(self, p: Plan, seed: int):
        rng = np.random.default_rng([seed, 999])
        self.firm = rng.permutation(p.nodes["firm"]).astype(np.int64)
        self.investor = rng.permutation(p.nodes["investor"]).astype(np.int64)


def _node_ids(p: Plan, name: str, rows: np.ndarray, id_kind: str) -> pa.Array:
    return _ids(rows + p.first_id[name], NODE_TYPES[name].prefix, id_kind)


def _round_ids(p: Plan, rows: np.ndarray, id_kind: str) -> pa.Array:
    # Rounds get their own id block after all nodes (ids are unique across the dataset).
    first = max(p.first_id[t] + p.nodes[t] for t in p.nodes)
    return _ids(rows + first, "R", id_kind)


def _round_firms(p: Plan, pop: _Popularity, seed: int, start: int, n: int) -> np.ndarray:
    # The firm of a round is a function of (seed, chunk) only, so financing edges can find it.
    return _heavy(_rng(seed, "round", start // CHUNK), n, p.nodes["firm"], pop.firm, alpha=2.0)


def _round_dates(seed: int, start: int, n: int) -> pa.Array:
    # Like the firm, a round's date depends on (seed, chunk) only: its financing edges share it.
    return _dates(np.random.default_rng([seed, 501, start // CHUNK]), n, "2010-01-01", "2020-12-31")


def _round_chunk(p: Plan, pop, seed, start, n, id_kind) -> pa.Table:
    rng = np.random.default_rng([seed, 500, start // CHUNK])
    firms = _round_firms(p, pop, seed, start, n)
    stage = np.array(["天使轮", "A", "B", "C", "D", "IPO"], dtype=object)
    return pa.table({
        "id": _round_ids(p, np.arange(start, start + n, dtype=np.int64), id_kind),
        "firm": _node_ids(p, "firm", firms, id_kind),
        "round": _dict_column(rng, stage, np.array([0.3, 0.3, 0.2, 0.1, 0.07, 0.03]), n),
        "date": _round_dates(seed, start, n),
        "amount": _with_nulls(rng, np.round(rng.lognormal(7.5, 1.8, n), 1), 0.25),
    })


def _financing_chunks(p: Plan, pop, seed: int, id_kind: str) -> Iterator[pa.Table]:
    """Financing edges, round by round: each round has 1 + Poisson(0.5) investors (mean 1.5;
    heavier rounds come from popular firms alone), until the planned edge count is reached."""
    total, written, rnd = p.edges["financing"], 0, 0
    nrounds = p.edges["round"]
    while written < total:
        start = (rnd // CHUNK) * CHUNK
        n = min(CHUNK, nrounds - start)
        rng = np.random.default_rng([seed, 600, start // CHUNK])
        firms = _round_firms(p, pop, seed, start, n)
        k = 1 + rng.poisson(1.5, n)
        rows = np.repeat(np.arange(start, start + n, dtype=np.int64), k)
        rows = rows[: total - written]
        m = len(rows)
        investors = _heavy(rng, m, p.nodes["investor"], pop.investor)
        yield pa.table({
            "source": _node_ids(p, "investor", investors, id_kind),
            "target": _node_ids(p, "firm", firms[rows - start], id_kind),
            "round_id": _round_ids(p, rows, id_kind),
            "date": _round_dates(seed, start, n).take(pa.array(rows - start)),
        })
        written += m
        rnd = start + n
        if rnd >= nrounds and written < total:  # rounds ran out (tiny plans): reuse them
            rnd = 0


def _edge_chunk(name: str, p: Plan, pop, start: int, n: int, rng, id_kind: str) -> pa.Table:
    firm = lambda m: _node_ids(p, "firm", _heavy(rng, m, p.nodes["firm"], pop.firm), id_kind)  # noqa: E731
    fp = p.nodes["foreign_partner"]
    cols: dict[str, pa.Array]
    if name in ("investment", "tech_enablement"):
        to_firm = rng.random(n) < 0.5
        t_firm = _heavy(rng, n, p.nodes["firm"], pop.firm) + p.first_id["firm"]
        t_comp = rng.integers(0, p.nodes["company"], n) + p.first_id["company"]
        tgt = np.where(to_firm, t_firm, t_comp)
        if id_kind == "int":
            target = pa.array(tgt, type=pa.int64())
        else:
            prefix = pa.array(np.where(to_firm, NODE_TYPES["firm"].prefix, NODE_TYPES["company"].prefix))
            target = pc.binary_join_element_wise(prefix, pc.cast(pa.array(tgt), pa.string()), "")
        cols = {"source": firm(n), "target": target, "date": _dates(rng, n, "2010-01-01", "2020-12-31")}
        if name == "investment":
            cols["amount"] = _with_nulls(rng, np.round(rng.lognormal(6.0, 2.0, n), 1), 0.5)
    elif name == "intl_tech_input":
        cols = {"source": _node_ids(p, "foreign_partner", _heavy(rng, n, fp, None, 2.0), id_kind),
                "target": firm(n), "date": _dates(rng, n, "2010-01-01", "2020-12-31")}
    elif name == "intl_tech_enablement":
        cols = {"source": firm(n), "target": _node_ids(p, "foreign_partner", _heavy(rng, n, fp, None, 2.0), id_kind),
                "date": _dates(rng, n, "2010-01-01", "2020-12-31")}
    else:  # study at a foreign university (first half of partners), work at a company (second half)
        half = fp // 2
        rows = _heavy(rng, n, half, None, 2.0) if name == "study_experience" else half + _heavy(rng, n, fp - half, None, 2.0)
        cols = {"source": firm(n), "target": _node_ids(p, "foreign_partner", rows, id_kind),
                "year": pa.array(rng.integers(1990, 2021, n, dtype=np.int32))}
    return pa.table(cols)


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, CHUNK):
        yield start, min(CHUNK, total - start)


def _write(path: Path, tables: Iterator[pa.Table], progress: Callable[[int], None] | None) -> int:
    writer, rows = None, 0
    try:
        for t in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, t.schema, compression="snappy")
            writer.write_table(t, row_group_size=CHUNK)
            rows += t.num_rows
            if progress:
                progress(t.num_rows)
    finally:
        if writer is not None:
            writer.close()
    return rows


def synthesize(out: str | os.PathLike, firms: int, edges: int, seed: int = 0, id_kind: str = "int",
               force: bool = False, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write a synthetic dataset with ``firms`` firms and ``edges`` relations to folder ``out``.

    The folder is written atomically (a half-written dataset never appears); an existing one
    is replaced only with ``force``. ``progress`` is called with the number of rows of every
    chunk written. Returns the row count of every table written.
    """
    from graphkit.atomic import atomic_dir, check_writable
    from graphkit.regions import load_regions

    if id_kind not in ("int", "str"):
        raise ValueError(f"id_kind must be 'int' or 'str'; got {id_kind!r}")
    p = plan(firms, edges)
    target = check_writable(out, force)
    places = _places(load_regions())
    counts: dict[str, int] = {}
    with atomic_dir(target) as tmp:
        (tmp / "nodes").mkdir()
        (tmp / "edges").mkdir()
        for name in NODE_TYPES:
            chunks = (_node_chunk(name, p, s, n, _rng(seed, name, s // CHUNK), places, id_kind)
                      for s, n in _chunks(p.nodes[name]))
            counts[name] = _write(tmp / "nodes" / f"{name}.parquet", chunks, progress)
        pop = _Popularity(p, seed)
        if p.edges["round"]:
            counts["round"] = _write(tmp / "edges" / "round.parquet",
                                     (_round_chunk(p, pop, seed, s, n, id_kind) for s, n in _chunks(p.edges["round"])), progress)
            counts["financing"] = _write(tmp / "edges" / "financing.parquet", _financing_chunks(p, pop, seed, id_kind), progress)
        for name in EDGE_TYPES:
            if name in ("round", "financing") or not p.edges[name]:
                continue
            chunks = (_edge_chunk(name, p, pop, s, n, _rng(seed, name, s // CHUNK), id_kind) for s, n in _chunks(p.edges[name]))
            counts[name] = _write(tmp / "edges" / f"{name}.parquet", chunks, progress)
    return counts
