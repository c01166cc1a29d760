"""Investor networks: who invests in which firms, who invests together, where capital flows.

Built from the ``financing`` edges of a dataset (investor → firm, one row per investor per
round), the ``investor`` and ``firm`` node tables (with ``province_code``/``city_code``) and
the ``round`` table (one amount per round). igraph carries the graph algorithms. The
co-investment network is a projection of the investor × firm incidence matrix, built either by
scipy's sparse product ``B @ B.T`` or by igraph's C ``bipartite_projection`` (the default for
graphs: faster at millions of edges) — no step loops over pairs of investors in Python.

Definitions used throughout
---------------------------
* **portfolio** of an investor: the number of *distinct* firms it financed (in any round); when
  a region is given, only firms located in that region count.
* **rounds**: distinct financing rounds the investor took part in.
* **amount**: the sum of the amounts of those rounds (CNY 10k), each round once per investor
  and *not* split among co-investors (the schema records one amount per round, not per
  investor); undisclosed amounts are skipped.
* **co-investment** weight of two investors: the number of firms both have financed.
* **betweenness**: shortest paths by hop count (edge weights are similarities, not lengths).
  Exact for graphs of at most :data:`BETWEENNESS_EXACT_MAX` vertices; above that it is
  *estimated from a random sample of source vertices* (Brandes & Pich 2007): igraph's subset
  betweenness from ``k`` sampled sources, scaled by ``n / k`` (``k`` =
  :data:`BETWEENNESS_SAMPLES`, seeded, so reproducible).
* **communities**: Leiden with the modularity objective (igraph's ``community_leiden``), or
  Louvain (``multilevel``); the modularity of the partition is reported with it.

Examples
--------
>>> import graphkit as gk                                    # doctest: +SKIP
>>> from graphkit import network as gn                       # doctest: +SKIP
>>> ds = gk.load_dataset()                                   # doctest: +SKIP
>>> gn.top_investors(ds, "北京", top=3)                      # doctest: +SKIP
>>> view = gn.coinvest(ds, region="Shanghai", min_weight=2)  # doctest: +SKIP
>>> view.table.head(); view.to_html("coinvest.html")         # doctest: +SKIP
"""
from __future__ import annotations

import difflib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from graphkit.errors import UsageError

__all__ = [
    "BETWEENNESS_EXACT_MAX",
    "BETWEENNESS_SAMPLES",
    "COMMUNITY_METHODS",
    "LEIDEN_UNTIL_STABLE_MAX_EDGES",
    "PROJECTIONS",
    "FLOW_COUNTS",
    "VIEWS",
    "Region",
    "Communities",
    "NetworkView",
    "resolve_region",
    "financing_pairs",
    "investor_table",
    "top_investors",
    "firm_table",
    "investing_firms",
    "incidence",
    "coinvestment_edges",
    "bipartite_graph",
    "coinvest_graph",
    "betweenness",
    "centrality",
    "communities",
    "flow_matrix",
    "find_node",
    "investors",
    "coinvest",
    "flows",
    "ego",
]

#: Largest vertex count for which betweenness is computed exactly (O(n·m)); above it, sampled.
BETWEENNESS_EXACT_MAX = 2_500
#: Number of sampled source vertices for the betweenness estimate of larger graphs.
BETWEENNESS_SAMPLES = 500


# --------------------------------------------------------------------------- regions

@dataclass(frozen=True)
class Region:
    """A province, city or economic circle that restricts a view to the firms located in it."""

    level: str  # "province", "city" or "circle"
    code: str
    zh: str
    en: str
    provinces: tuple[str, ...] = ()  # member province codes of a circle

    def __str__(self) -> str:
        return f"{self.zh} ({self.en})"

    def mask(self, table: pd.DataFrame) -> pd.Series:
        """Return a boolean Series: which rows of a node table (with province_code/city_code) lie in the region."""
        if self.level == "city":
            return table["city_code"] == self.code
        if self.level == "circle":
            return table["province_code"].isin(self.provinces)
        return table["province_code"] == self.code


def resolve_region(value: str | Region | None, regions=None) -> Region | None:
    """Return the :class:`Region` named by ``value`` (province, city or circle; Chinese, English or code).

    Provinces are tried first, then cities, then circles, so ``北京`` is the municipality.
    ``None`` gives ``None``. Raises :class:`UsageError` for a name that is none of them.
    """
    if value is None or isinstance(value, Region):
        return value
    if regions is None:
        from graphkit.regions import load_regions

        regions = load_regions()
    code = regions.province_code(value)
    if code is not None:
        return Region("province", code, regions.name(code, "zh"), regions.name(code, "en"))
    code = regions.city_code(value)
    if code is not None:
        return Region("city", code, regions.name(code, "zh"), regions.name(code, "en"))
    code = regions.circle_code(value)
    if code is not None:
        members = tuple(regions.circle_members()[code])
        return Region("circle", code, regions.name(code, "zh"), regions.name(code, "en"), members)
    raise UsageError(f"--region must be a province, city or economic circle (name in Chinese or English, "
                     f"or GB/T 2260 code, e.g. 北京, Shanghai, 440300, 长三角); got {value!r} instead.")


def _region_names(codes: pd.Series, lang: str = "zh") -> pd.Series:
    from graphkit.regions import load_regions

    regions = load_regions()
    uniq = {c: (regions.name(c, lang) or "") for c in pd.unique(codes.dropna())}
    return codes.map(uniq).fillna("")


# --------------------------------------------------------------------------- tables

def financing_pairs(ds, region: str | Region | None = None) -> pd.DataFrame:
    """Return the distinct investor–firm pairs of the financing edges, one row per pair.

    Columns: ``investor``, ``firm`` (ids), ``rounds`` (distinct rounds of the pair). With
    ``region``, only firms located in it are kept.
    """
    fin = ds.edges["financing"]
    if len(fin) == 0:
        return pd.DataFrame({"investor": pd.Series(dtype=object), "firm": pd.Series(dtype=object),
                             "rounds": pd.Series(dtype=np.int64)})
    region = resolve_region(region)
    if region is not None:
        firms = ds.nodes["firm"]
        inside = set(firms.loc[region.mask(firms).to_numpy(), "id"])
        fin = fin[fin["target"].isin(inside)]
    pairs = (fin.groupby(["source", "target"], sort=False)["round_id"].nunique()
             .reset_index().rename(columns={"source": "investor", "target": "firm", "round_id": "rounds"}))
    return pairs


def _investor_rounds(ds, firm_ids: set | None) -> pd.DataFrame:
    """Distinct (investor, round) with the round's amount."""
    fin = ds.edges["financing"]
    if firm_ids is not None:
        fin = fin[fin["target"].isin(firm_ids)]
    ir = fin[["source", "round_id"]].drop_duplicates()
    rounds = ds.edges["round"]
    amount = rounds.drop_duplicates("id").set_index("id")["amount"] if len(rounds) else pd.Series(dtype=float)
    ir = ir.assign(amount=ir["round_id"].map(amount).astype(float))
    return ir


def investor_table(ds, region: str | Region | None = None) -> pd.DataFrame:
    """Return one row per investor with at least one portfolio firm (in ``region`` if given).

    Columns: ``rank`` (ties share the best rank), ``id``, ``name``, ``name_en``, ``province``
    (the investor's own, Chinese name), ``portfolio`` (distinct firms), ``rounds``, ``amount``
    (CNY 10k; see the module notes), ``firm_regions`` (distinct provinces of its firms),
    ``main_region`` (the province holding most of its firms). Sorted by portfolio, then amount,
    then name.
    """
    region = resolve_region(region)
    pairs = financing_pairs(ds, region)
    inv = ds.nodes["investor"]
    firms = ds.nodes["firm"]
    cols = ["rank", "id", "name", "name_en", "province", "portfolio", "rounds", "amount", "firm_regions", "main_region"]
    if len(pairs) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    firm_prov = firms.set_index("id")["province_code"]
    pairs = pairs.assign(firm_province=pairs["firm"].map(firm_prov))
    g = pairs.groupby("investor", sort=False)
    out = pd.DataFrame({"portfolio": g["firm"].nunique(), "firm_regions": g["firm_province"].nunique()})
    ir = _investor_rounds(ds, set(pairs["firm"]))
    rg = ir.groupby("source")
    out["rounds"] = rg["round_id"].nunique()
    out["amount"] = rg["amount"].sum(min_count=1)
    by_prov = pairs.groupby(["investor", "firm_province"]).size().reset_index(name="n")
    by_prov = by_prov.sort_values(["investor", "n", "firm_province"], ascending=[True, False, True])
    main = by_prov.drop_duplicates("investor").set_index("investor")["firm_province"]
    out["main_region"] = _region_names(main.reindex(out.index))
    meta = inv.set_index("id")
    out["name"] = meta["name"].reindex(out.index)
    out["name_en"] = meta["name_en"].reindex(out.index) if "name_en" in meta else None
    out["province"] = _region_names(meta["province_code"].reindex(out.index))
    out = out.rename_axis("id").reset_index()
    out = out.sort_values(["portfolio", "amount", "name"], ascending=[False, False, True], na_position="last", kind="mergesort")
    out["rank"] = out["portfolio"].rank(method="min", ascending=False).astype(int)
    out["rounds"] = out["rounds"].fillna(0).astype(int)
    return out[cols].reset_index(drop=True)


def top_investors(ds, region: str | Region | None, top: int | None = 10) -> pd.DataFrame:
    """Return the ``top`` investors of a region by portfolio size (firms of the region they financed).

    The same columns as :func:`investor_table`. ``top=None`` returns them all.
    """
    table = investor_table(ds, region)
    return table if top is None else table.head(_positive(top, "--top"))


def firm_table(ds, region: str | Region | None = None) -> pd.DataFrame:
    """Return one row per financed firm (in ``region`` if given): its investors and rounds.

    Columns: ``id``, ``name``, ``province``, ``city``, ``investors`` (distinct),
    ``rounds``, ``amount`` (sum of its rounds' amounts, each once). Sorted by investors.
    """
    pairs = financing_pairs(ds, region)
    firms = ds.nodes["firm"].set_index("id")
    g = pairs.groupby("firm", sort=False)
    out = pd.DataFrame({"investors": g["investor"].nunique()})
    rounds = ds.edges["round"]
    fin = ds.edges["financing"]
    fr = fin[fin["target"].isin(out.index)][["target", "round_id"]].drop_duplicates()
    amount = rounds.drop_duplicates("id").set_index("id")["amount"] if len(rounds) else pd.Series(dtype=float)
    fr = fr.assign(amount=fr["round_id"].map(amount).astype(float))
    rg = fr.groupby("target")
    out["rounds"] = rg["round_id"].nunique().reindex(out.index).fillna(0).astype(int)
    out["amount"] = rg["amount"].sum(min_count=1).reindex(out.index)
    out["name"] = firms["name"].reindex(out.index)
    out["province"] = _region_names(firms["province_code"].reindex(out.index))
    out["city"] = _region_names(firms["city_code"].reindex(out.index))
    out = out.rename_axis("id").reset_index()
    out = out.sort_values(["investors", "amount", "name"], ascending=[False, False, True], na_position="last", kind="mergesort")
    return out[["id", "name", "province", "city", "investors", "rounds", "amount"]].reset_index(drop=True)


def investing_firms(ds, region: str | Region | None = None) -> pd.DataFrame:
    """Return the firms (in ``region`` if given) that invest outward, by number of investees.

    Counts distinct targets of the ``investment`` edges (firm → firm or company), which is how
    the report counts a corporate investor such as Hikvision ("invested in 65 AI-related
    firms"); financing *received* is :func:`investor_table`'s subject. Columns: ``rank``,
    ``id``, ``name``, ``name_en``, ``province``, ``city``, ``investees``, ``amount`` (sum of
    the edges' amounts, CNY 10k). Sorted by investees.
    """
    region = resolve_region(region)
    firms = ds.nodes["firm"]
    inv = ds.edges["investment"]
    if region is not None:
        inv = inv[inv["source"].isin(set(firms.loc[region.mask(firms).to_numpy(), "id"]))]
    cols = ["rank", "id", "name", "name_en", "province", "city", "investees", "amount"]
    if len(inv) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    g = inv.groupby("source")
    amount = g["amount"].sum(min_count=1) if "amount" in inv else pd.Series(np.nan, index=g.size().index)
    out = pd.DataFrame({"investees": g["target"].nunique(), "amount": amount})
    meta = firms.set_index("id")
    out["name"] = meta["name"].reindex(out.index)
    out["name_en"] = meta["name_en"].reindex(out.index) if "name_en" in meta else None
    out["province"] = _region_names(meta["province_code"].reindex(out.index))
    out["city"] = _region_names(meta["city_code"].reindex(out.index))
    out = out.rename_axis("id").reset_index()
    out = out.sort_values(["investees", "amount", "name"], ascending=[False, False, True], na_position="last", kind="mergesort")
    out["rank"] = out["investees"].rank(method="min", ascending=False).astype(int)
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- sparse core

def incidence(investor: np.ndarray | pd.Series, firm: np.ndarray | pd.Series):
    """Return ``(B, investor_ids, firm_ids)``: the binary investor × firm CSR matrix of the pairs.

    ``B[i, f] = 1`` when investor ``investor_ids[i]`` financed firm ``firm_ids[f]`` (repeated
    pairs count once). Ids are in order of first appearance.
    """
    from scipy import sparse

    ii, inv_ids = pd.factorize(pd.Series(investor), sort=False)
    ff, firm_ids = pd.factorize(pd.Series(firm), sort=False)
    data = np.ones(len(ii), dtype=np.int32)
    B = sparse.csr_matrix((data, (ii, ff)), shape=(len(inv_ids), len(firm_ids)))
    B.sum_duplicates()
    B.data[:] = 1  # a pair financed in several rounds is still one shared firm
    return B, np.asarray(inv_ids, dtype=object), np.asarray(firm_ids, dtype=object)


def coinvestment_edges(B, min_weight: int = 1) -> pd.DataFrame:
    """Return the co-investment edges of incidence matrix ``B`` (investors × firms).

    One row per unordered investor pair (``source`` < ``target``, row indices of ``B``) with
    ``weight`` = number of firms both financed, keeping ``weight >= min_weight``. Computed as
    the sparse product ``B @ B.T`` (upper triangle only), never a loop over pairs.
    """
    from scipy import sparse

    if min_weight < 1:
        raise UsageError(f"--min-weight must be at least 1; got {min_weight} instead.")
    C = sparse.triu(B @ B.T, k=1).tocoo()
    keep = C.data >= min_weight
    return pd.DataFrame({"source": C.row[keep].astype(np.int64), "target": C.col[keep].astype(np.int64),
                         "weight": C.data[keep].astype(np.int64)})


def _project_sparse(B, min_weight: int = 1):
    """Co-investment graph by the scipy product B @ B.T (see :func:`coinvestment_edges`)."""
    import igraph as ig

    edges = coinvestment_edges(B, min_weight)
    return ig.Graph(n=B.shape[0], edges=edges[["source", "target"]].to_numpy().tolist(), directed=False,
                    edge_attrs={"weight": edges["weight"].tolist()})


def _project_igraph(B, min_weight: int = 1):
    """Co-investment graph by igraph's C ``bipartite_projection`` (multiplicity = shared firms).

    At scale this is the faster path: igraph receives the investor–firm pairs (one per
    financing pair) rather than the several-times-larger list of investor pairs, whose
    conversion from Python dominates building a graph of millions of edges.
    """
    import igraph as ig

    if min_weight < 1:
        raise UsageError(f"--min-weight must be at least 1; got {min_weight} instead.")
    ni, nf = B.shape
    coo = B.tocoo()
    bip = ig.Graph(n=ni + nf, edges=np.column_stack([coo.row, coo.col.astype(np.int64) + ni]).tolist(), directed=False)
    g = bip.bipartite_projection(types=[False] * ni + [True] * nf, multiplicity=True, which=0)
    if g.ecount() == 0:
        g.es["weight"] = []
    elif min_weight > 1:
        w = np.asarray(g.es["weight"])
        g.delete_edges(np.flatnonzero(w < min_weight).tolist())
    return g


#: Ways to build the co-investment graph from the incidence matrix, by name; they give the same graph.
PROJECTIONS: dict[str, Callable] = {"igraph": _project_igraph, "sparse": _project_sparse}


# --------------------------------------------------------------------------- graphs

def _node_meta(ds, ids, kind: str) -> dict[str, list]:
    table = ds.nodes[kind].set_index("id")
    idx = pd.Index(ids)
    name = table["name"].reindex(idx)
    name_en = table["name_en"].reindex(idx) if "name_en" in table else pd.Series(index=idx, dtype=object)
    prov = table["province_code"].reindex(idx)
    return {
        "id": [str(i) for i in idx],
        "name": [str(n) if isinstance(n, str) else str(i) for n, i in zip(name, idx)],
        "name_en": ["" if not isinstance(n, str) else n for n in name_en],
        "province_code": ["" if not isinstance(p, str) else p for p in prov],
        "region": list(_region_names(prov)),
        "region_en": list(_region_names(prov, "en")),
        "type": [kind] * len(idx),
    }


def bipartite_graph(ds, region: str | Region | None = None, investors_subset=None, min_weight: int = 1):
    """Return the investor–firm graph as an undirected :class:`igraph.Graph`.

    Vertices carry ``id``, ``name``, ``name_en``, ``type`` (``investor``/``firm``),
    ``province_code``, ``region``, ``region_en`` and ``portfolio`` (investors: distinct firms;
    firms: distinct investors); edges carry ``weight`` = rounds of the pair. ``region`` keeps
    firms located in it; ``investors_subset`` keeps only those investor ids; edges with fewer
    than ``min_weight`` rounds are dropped.
    """
    import igraph as ig

    pairs = financing_pairs(ds, region)
    if investors_subset is not None:
        pairs = pairs[pairs["investor"].isin(set(investors_subset))]
    pairs = pairs[pairs["rounds"] >= min_weight]
    inv_ids = pd.unique(pairs["investor"])
    firm_ids = pd.unique(pairs["firm"])
    vi = _node_meta(ds, inv_ids, "investor")
    vf = _node_meta(ds, firm_ids, "firm")
    attrs = {k: vi[k] + vf[k] for k in vi}
    pos = {v: i for i, v in enumerate(attrs["id"])}
    src = pairs["investor"].astype(str).map(pos).to_numpy()
    dst = pairs["firm"].astype(str).map(pos).to_numpy()
    g = ig.Graph(n=len(attrs["id"]), edges=np.column_stack([src, dst]).tolist() if len(pairs) else [],
                 directed=False, vertex_attrs=attrs, edge_attrs={"weight": pairs["rounds"].astype(int).tolist()})
    g.vs["portfolio"] = g.degree()
    g["kind"] = "investors"
    return g


def coinvest_graph(ds, region: str | Region | None = None, min_weight: int = 1, investors_subset=None,
                   drop_isolates: bool = True, projection: str = "igraph"):
    """Return the co-investment network: investors linked by the firms they have both financed.

    An undirected weighted :class:`igraph.Graph`; vertices carry ``id``, ``name``, ``name_en``,
    ``type`` (``investor``), ``province_code``, ``region``, ``region_en`` and ``portfolio``;
    edges carry ``weight`` = shared firms (``>= min_weight``). ``region`` counts only firms in
    it; ``drop_isolates`` removes investors without any co-investor left. ``projection``
    names the method in :data:`PROJECTIONS` (same result; ``igraph`` is faster at scale).
    """
    if projection not in PROJECTIONS:
        raise UsageError(f"projection must be one of {', '.join(PROJECTIONS)}; got {projection!r} instead.")
    pairs = financing_pairs(ds, region)
    if investors_subset is not None:
        pairs = pairs[pairs["investor"].isin(set(investors_subset))]
    B, inv_ids, _ = incidence(pairs["investor"], pairs["firm"])
    g = PROJECTIONS[projection](B, min_weight)
    portfolio = np.asarray(B.sum(axis=1)).ravel().astype(int)
    keep = np.arange(len(inv_ids))
    if drop_isolates:
        keep = np.flatnonzero(np.asarray(g.degree()) > 0)
        g.delete_vertices(np.flatnonzero(np.asarray(g.degree()) == 0).tolist())
    for key, values in _node_meta(ds, inv_ids[keep], "investor").items():
        g.vs[key] = values
    g.vs["portfolio"] = portfolio[keep].tolist()
    g["kind"] = "coinvest"
    return g


# --------------------------------------------------------------------------- measures

def betweenness(g, exact_max: int = BETWEENNESS_EXACT_MAX, samples: int = BETWEENNESS_SAMPLES,
                seed: int = 0) -> tuple[np.ndarray, str]:
    """Return ``(values, method)``: the betweenness of every vertex of ``g`` by hop count.

    Exact when ``g.vcount() <= exact_max``; otherwise the source-sampling estimate: igraph's
    betweenness restricted to ``samples`` random source vertices, scaled by n / samples.
    ``method`` says which (``"exact"`` or ``"sampled k=500, seed=0"``).
    """
    n = g.vcount()
    if n == 0:
        return np.zeros(0), "exact"
    if n <= exact_max:
        return np.asarray(g.betweenness(directed=g.is_directed()), dtype=float), "exact"
    rng = np.random.default_rng(seed)
    k = min(samples, n)
    sources = rng.choice(n, size=k, replace=False).tolist()
    part = np.asarray(g.betweenness(directed=g.is_directed(), sources=sources), dtype=float)
    # With every vertex as a source igraph's subset betweenness equals the exact value (for
    # undirected graphs too), so a uniform sample of k sources estimates it scaled by n / k.
    return part * (n / k), f"sampled k={k}, seed={seed}"


def centrality(g, weights: str | None = "weight", exact_max: int = BETWEENNESS_EXACT_MAX,
               samples: int = BETWEENNESS_SAMPLES, seed: int = 0) -> pd.DataFrame:
    """Return one row per vertex: ``id``, ``name``, ``degree``, ``weighted_degree``, ``pagerank``, ``betweenness``.

    PageRank and weighted degree use the edge attribute ``weights`` (None: unweighted);
    betweenness is by hop count, exact or sampled (see :func:`betweenness`); the method used
    is in ``table.attrs["betweenness"]``.
    """
    w = weights if (weights and weights in g.es.attributes()) else None
    bt, method = betweenness(g, exact_max, samples, seed)
    table = pd.DataFrame({
        "id": g.vs["id"] if "id" in g.vs.attributes() else list(range(g.vcount())),
        "name": g.vs["name"] if "name" in g.vs.attributes() else [str(i) for i in range(g.vcount())],
        "degree": g.degree(),
        "weighted_degree": g.strength(weights=w),
        "pagerank": g.pagerank(weights=w, directed=g.is_directed()) if g.vcount() else [],
        "betweenness": bt,
    })
    table.attrs["betweenness"] = method
    return table


@dataclass
class Communities:
    """A partition of a graph's vertices, with the modularity that scores it and how it was made."""

    membership: np.ndarray
    modularity: float
    method: str
    params: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Number of communities."""
        return int(self.membership.max()) + 1 if len(self.membership) else 0

    def sizes(self) -> pd.Series:
        """Return community sizes, largest first (index: community number)."""
        return pd.Series(self.membership).value_counts().rename_axis("community").rename("size")

    def __repr__(self) -> str:
        return f"<Communities {self.method}: {self.count} communities, modularity {self.modularity:.4f}>"


def _seeded(seed: int, fn: Callable):
    """Run ``fn`` with igraph's random generator seeded, restoring the global one afterwards."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        return fn()
    finally:
        ig.set_random_number_generator(random)


#: Leiden runs until stable (n_iterations=-1) on graphs up to this many edges, else 2 iterations.
LEIDEN_UNTIL_STABLE_MAX_EDGES = 1_000_000


def _leiden(g, weights, resolution, seed, n_iterations=None):
    if n_iterations is None:
        n_iterations = -1 if g.ecount() <= LEIDEN_UNTIL_STABLE_MAX_EDGES else 2
    return _seeded(seed, lambda: g.community_leiden(objective_function="modularity", weights=weights,
                                                    resolution=resolution, n_iterations=n_iterations).membership)


def _multilevel(g, weights, resolution, seed, n_iterations=None):
    return _seeded(seed, lambda: g.community_multilevel(weights=weights, resolution=resolution).membership)


#: Community detection methods by name: each takes (graph, weights, resolution, seed) and returns a membership list.
COMMUNITY_METHODS: dict[str, Callable] = {"leiden": _leiden, "multilevel": _multilevel}


def _by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities so that 0 is the largest (ties: the one whose first vertex comes first)."""
    labels, first, counts = np.unique(membership, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    new = np.empty(len(labels), dtype=int)
    new[order] = np.arange(len(labels))
    return new[np.searchsorted(labels, membership)]


def communities(g, method: str = "leiden", weights: str | None = "weight", resolution: float = 1.0,
                seed: int = 0, **kwargs) -> Communities:
    """Return the communities of ``g`` found by ``method`` (see :data:`COMMUNITY_METHODS`) and their modularity.

    Leiden optimises modularity (``objective_function="modularity"``); unless ``n_iterations``
    is given it iterates until the partition is stable on graphs of up to
    :data:`LEIDEN_UNTIL_STABLE_MAX_EDGES` edges and runs igraph's default 2 iterations on
    larger ones (on structureless graphs of millions of edges, "until stable" can take
    minutes for a negligible gain). ``multilevel`` is Louvain. Both are seeded, so the
    same input gives the same partition. Communities are numbered by size, 0 the largest.
    """
    if method not in COMMUNITY_METHODS:
        raise UsageError(f"method must be one of {', '.join(COMMUNITY_METHODS)}; got {method!r} instead.")
    w = weights if (weights and weights in g.es.attributes()) else None
    if g.vcount() == 0:
        return Communities(np.zeros(0, dtype=int), float("nan"), method, {"resolution": resolution, "seed": seed})
    membership = _by_size(np.asarray(COMMUNITY_METHODS[method](g, w, resolution, seed, **kwargs), dtype=int))
    q = g.modularity(membership.tolist(), weights=w, resolution=resolution) if g.ecount() else float("nan")
    return Communities(membership, float(q), method, {"weights": w, "resolution": resolution, "seed": seed, **kwargs})


# --------------------------------------------------------------------------- flows

#: What a cell of the flow matrix counts.
FLOW_COUNTS = {
    "pairs": "distinct investor–firm pairs",
    "rounds": "investor participations in rounds (distinct investor–round pairs)",
}


def flow_matrix(ds, count: str = "pairs", lang: str = "zh") -> pd.DataFrame:
    """Return the investment flow matrix: rows the investor's province, columns the firm's province.

    Cells count :data:`FLOW_COUNTS` ``[count]``; rows and columns are provinces (named in
    ``lang``) that appear at least once, in GB/T 2260 order; the diagonal is investment
    within a province.
    """
    if count not in FLOW_COUNTS:
        raise UsageError(f"count must be one of {', '.join(FLOW_COUNTS)}; got {count!r} instead.")
    fin = ds.edges["financing"]
    if count == "pairs":
        fin = fin.drop_duplicates(["source", "target"])
    else:
        fin = fin.drop_duplicates(["source", "round_id"])
    inv = ds.nodes["investor"].set_index("id")["province_code"]
    firm = ds.nodes["firm"].set_index("id")["province_code"]
    frame = pd.DataFrame({"from": fin["source"].map(inv), "to": fin["target"].map(firm)}).dropna()
    m = pd.crosstab(frame["from"], frame["to"])
    codes = sorted(set(m.index) | set(m.columns))
    m = m.reindex(index=codes, columns=codes, fill_value=0).astype(int)
    names = dict(zip(codes, _region_names(pd.Series(codes), lang)))
    m.index = pd.Index([names[c] for c in codes], name="investor_province")
    m.columns = pd.Index([names[c] for c in codes], name="firm_province")
    m.attrs["codes"] = codes
    m.attrs["count"] = FLOW_COUNTS[count]
    return m


def _flow_graph(matrix: pd.DataFrame, min_weight: int = 1):
    """A directed province graph from a flow matrix; the diagonal becomes the vertex attribute ``local``."""
    import igraph as ig

    codes = matrix.attrs.get("codes", list(matrix.index))
    arr = matrix.to_numpy()
    rows, cols = np.nonzero((arr >= min_weight) & ~np.eye(len(arr), dtype=bool))
    from graphkit.regions import load_regions

    regions = load_regions()
    g = ig.Graph(n=len(codes), edges=list(zip(rows.tolist(), cols.tolist())), directed=True,
                 vertex_attrs={"id": list(codes), "name": list(matrix.index), "type": ["province"] * len(codes),
                               "province_code": list(codes), "region": list(matrix.index),
                               "region_en": [regions.name(c, "en") or "" for c in codes],
                               "local": np.diag(arr).astype(int).tolist(),
                               "outflow": (arr.sum(axis=1) - np.diag(arr)).astype(int).tolist(),
                               "inflow": (arr.sum(axis=0) - np.diag(arr)).astype(int).tolist()},
                 edge_attrs={"weight": arr[rows, cols].astype(int).tolist()})
    g["kind"] = "flows"
    return g


# --------------------------------------------------------------------------- lookup

def find_node(ds, name: str, types: tuple[str, ...] = ("investor", "firm")) -> tuple[str, str]:
    """Return ``(type, id)`` of the investor or firm called ``name``.

    Tries, in order: the id, the exact Chinese name, the English name (any case), then a
    unique substring of either. Raises :class:`UsageError` when nothing or several match,
    listing the candidates.
    """
    key = str(name).strip()
    frames = [(t, ds.nodes[t]) for t in types]
    tests = [
        lambda f: f["id"].astype(str) == key,
        lambda f: f["name"].astype(str) == key,
        lambda f: f["name_en"].astype(str).str.casefold() == key.casefold() if "name_en" in f else pd.Series(False, index=f.index),
        lambda f: f["name"].astype(str).str.casefold().str.contains(key.casefold(), regex=False)
        | (f["name_en"].astype(str).str.casefold().str.contains(key.casefold(), regex=False) if "name_en" in f else False),
    ]
    for test in tests:
        hits = [(t, r) for t, f in frames if len(f) for r in f[test(f).to_numpy()].itertuples(index=False)]
        if len(hits) == 1:
            return hits[0][0], str(hits[0][1].id)
        if len(hits) > 1:
            names = ", ".join(f"{r.name} ({t} {r.id})" for t, r in hits[:10])
            more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
            raise UsageError(f"{name!r} matches several nodes: {names}{more}; give the id or the full name.")
    every = [str(n) for _, f in frames for n in f["name"].tolist()]
    close = difflib.get_close_matches(key, every, n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UsageError(f"no investor or firm is called {name!r}.{hint}")


# --------------------------------------------------------------------------- views (the API of `graphkit network`)

@dataclass
class NetworkView:
    """What one ``graphkit network`` sub-command produces: a graph, a table, and how they were made.

    ``graph`` is an igraph Graph whose vertices carry ``id``, ``name``, ``type``, ``region``
    and measures; ``table`` is the tabular answer; ``params`` records the arguments;
    ``legend`` maps colour group to its label (filled by the view).
    """

    kind: str
    graph: object
    table: pd.DataFrame
    params: dict
    title: str = ""
    color_by: str = "type"
    size_by: str = "pagerank"
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        g = self.graph
        return (f"<NetworkView {self.kind}: {g.vcount():,} nodes, {g.ecount():,} edges, "
                f"table {len(self.table):,} rows; {self.params}>")

    def to_html(self, path: str | Path | None = None, max_nodes: int | None = None,
                max_edges: int | None = None, physics: bool = True) -> str:
        """Render the view as a self-contained offline HTML page; write it to ``path`` if given.

        At most ``max_nodes`` nodes (default :data:`graphkit.page.MAX_NODES`) and
        ``max_edges`` edges are drawn, chosen by importance; the page says what was left out.
        Returns the HTML text.
        """
        from graphkit import page

        html = page.render(self.graph, title=self.title, color_by=self.color_by, size_by=self.size_by,
                           notes=self.notes, max_nodes=max_nodes or page.MAX_NODES,
                           max_edges=max_edges or page.MAX_EDGES, physics=physics)
        if path is not None:
            page.write(html, path)
        return html

    def _repr_html_(self) -> str:  # notebooks: embed the page in an iframe
        from graphkit import page

        return page.iframe(self.to_html())


def _positive(value, option: str) -> int:
    if value is None:
        return value
    value = int(value)
    if value < 1:
        raise UsageError(f"{option} must be at least 1; got {value} instead.")
    return value


def _scope(region: Region | None) -> str:
    return f"{region.zh} {region.en}" if region else "全国 all regions"


def _add_measures(g) -> pd.DataFrame:
    cen = centrality(g)
    g.vs["pagerank"] = cen["pagerank"].tolist()
    g.vs["betweenness"] = cen["betweenness"].tolist()
    g.vs["degree"] = cen["degree"].tolist()
    g.vs["weighted_degree"] = cen["weighted_degree"].tolist()
    return cen


def investors(ds, region: str | Region | None = None, top: int | None = None, min_weight: int = 1) -> NetworkView:
    """The investor–firm network (``graphkit network investors``).

    ``region`` keeps the firms located in it; ``top`` keeps the ``top`` investors by portfolio
    (with all their firms in scope); ``min_weight`` drops investor–firm links with fewer rounds.
    The table is :func:`investor_table` (the top investors when ``top`` is given).
    """
    region = resolve_region(region)
    top = _positive(top, "--top")
    _positive(min_weight, "--min-weight")
    table = investor_table(ds, region)
    if top is not None:
        table = table.head(top)
    g = bipartite_graph(ds, region, investors_subset=set(table["id"]) if top is not None else None, min_weight=min_weight)
    cen = _add_measures(g)
    method = cen.attrs["betweenness"]
    title = f"投资网络 Investor–firm network · {_scope(region)}"
    notes = [f"{sum(1 for t in g.vs['type'] if t == 'investor'):,} investors, "
             f"{sum(1 for t in g.vs['type'] if t == 'firm'):,} firms, {g.ecount():,} financing links"
             + (f" (top {top} investors by portfolio)" if top else ""),
             f"node size: PageRank; betweenness {method}"]
    return NetworkView("investors", g, table, {"region": region and region.code, "top": top, "min_weight": min_weight},
                       title=title, color_by="type", size_by="pagerank", notes=notes)


def coinvest(ds, region: str | Region | None = None, top: int | None = None, min_weight: int = 1,
             method: str = "leiden", seed: int = 0) -> NetworkView:
    """The co-investment network (``graphkit network coinvest``): investors linked by shared firms.

    ``region`` counts only firms located in it; ``top`` keeps the ``top`` investors by
    portfolio before projecting; ``min_weight`` is the least number of shared firms for a
    link. Communities by ``method`` (see :func:`communities`). The table has one row per
    investor: portfolio, degree, weighted degree, PageRank, betweenness, community, sorted by
    PageRank; ``table.attrs`` holds the modularity and the betweenness method.
    """
    region = resolve_region(region)
    top = _positive(top, "--top")
    _positive(min_weight, "--min-weight")
    subset = None
    if top is not None:
        subset = set(investor_table(ds, region).head(top)["id"])
    g = coinvest_graph(ds, region, min_weight=min_weight, investors_subset=subset)
    cen = _add_measures(g)
    com = communities(g, method=method, seed=seed)
    g.vs["community"] = com.membership.tolist()
    table = cen.assign(region=g.vs["region"], portfolio=g.vs["portfolio"], community=com.membership)
    table = table[["id", "name", "region", "portfolio", "degree", "weighted_degree", "pagerank", "betweenness", "community"]]
    table = table.sort_values(["pagerank", "name"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    table.attrs.update({"modularity": com.modularity, "communities": com.count, "betweenness": cen.attrs["betweenness"],
                        "method": method})
    title = f"共同投资网络 Co-investment network · {_scope(region)}"
    notes = [f"{g.vcount():,} investors, {g.ecount():,} co-investment links (≥ {min_weight} shared firm"
             f"{'s' if min_weight > 1 else ''})" + (f"; top {top} investors by portfolio" if top else ""),
             f"{com.count} communities ({method}), modularity {com.modularity:.3f}",
             f"node size: PageRank; colour: community; betweenness {cen.attrs['betweenness']}"]
    return NetworkView("coinvest", g, table, {"region": region and region.code, "top": top, "min_weight": min_weight,
                                              "method": method, "seed": seed, "modularity": com.modularity},
                       title=title, color_by="community", size_by="pagerank", notes=notes)


def flows(ds, region: str | Region | None = None, top: int | None = None, min_weight: int = 1,
          count: str = "pairs") -> NetworkView:
    """The province-to-province investment flows (``graphkit network flows``).

    The table is :func:`flow_matrix`; with ``region`` (a province or circle) only its rows and
    columns of interest are kept: flows out of it and into it. ``top`` keeps the ``top``
    provinces by total flow; ``min_weight`` drops smaller flows from the graph.
    """
    region = resolve_region(region)
    top = _positive(top, "--top")
    _positive(min_weight, "--min-weight")
    m = flow_matrix(ds, count=count)
    codes = list(m.attrs["codes"])
    if top is not None:
        total = m.sum(axis=0).to_numpy() + m.sum(axis=1).to_numpy()
        order = np.argsort(-total, kind="stable")[:top]
        keep = sorted(order.tolist())
        m2 = m.iloc[keep, keep].copy()
        m2.attrs.update(m.attrs, codes=[codes[i] for i in keep])
        m = m2
    g = _flow_graph(m, min_weight)
    if region is not None:
        if region.level == "city":
            raise UsageError("network flows works on provinces; --region must be a province or an economic circle.")
        members = set(region.provinces) if region.level == "circle" else {region.code}
        touch = [v.index for v in g.vs if v["id"] in members]
        touch = sorted(set(touch) | {n for v in touch for n in g.neighbors(v, mode="all")})
        g = g.induced_subgraph(touch)
        g["kind"] = "flows"
    cen = _add_measures(g)
    g.vs["pagerank"] = cen["pagerank"].tolist()
    title = f"投资流向 Investment flows, investor province → firm province · {_scope(region)}"
    notes = [f"cells count {m.attrs['count']}; arrows ≥ {min_weight}; node label: province, "
             "tooltip: outflow, inflow and investment within the province",
             "node size: PageRank of the weighted flow graph"]
    return NetworkView("flows", g, m, {"region": region and region.code, "top": top, "min_weight": min_weight, "count": count},
                       title=title, color_by="type", size_by="pagerank", notes=notes)


def ego(ds, name: str, radius: int = 2, region: str | Region | None = None, top: int | None = None,
        min_weight: int = 1) -> NetworkView:
    """The neighbourhood of one investor or firm in the investor–firm graph (``graphkit network ego NAME``).

    ``radius`` 2 (the default) shows an investor's firms and their other investors, or a
    firm's investors and their other firms. ``top`` keeps the ``top`` neighbours by
    portfolio. The table lists the neighbours with their distance and portfolio.
    """
    region = resolve_region(region)
    top = _positive(top, "--top")
    _positive(radius, "--radius")
    kind, node_id = find_node(ds, name)
    g = bipartite_graph(ds, region, min_weight=min_weight)
    ids = g.vs["id"]
    if node_id not in ids:
        raise UsageError(f"{name!r} ({kind} {node_id}) has no financing links"
                         + (f" with firms in {region}" if region else "") + ".")
    center = ids.index(node_id)
    dist = g.distances(source=[center])[0]
    near = [v for v, d in enumerate(dist) if d <= radius]
    sub = g.induced_subgraph(near)
    d_sub = [dist[v] for v in near]
    sub.vs["distance"] = d_sub
    if top is not None:
        order = sorted(range(sub.vcount()), key=lambda v: (sub.vs[v]["distance"] != 0, -sub.vs[v]["portfolio"], sub.vs[v]["name"]))
        keep = order[: top + 1]
        sub = sub.induced_subgraph(sorted(keep))
    sub["kind"] = "ego"
    _add_measures(sub)
    sub.vs["node_type"] = sub.vs["type"]
    sub.vs["type"] = ["center" if i == node_id else t for i, t in zip(sub.vs["id"], sub.vs["type"])]
    table = pd.DataFrame({"id": sub.vs["id"], "name": sub.vs["name"], "type": sub.vs["type"],
                          "region": sub.vs["region"], "distance": sub.vs["distance"], "portfolio": sub.vs["portfolio"]})
    table = table.sort_values(["distance", "portfolio", "name"], ascending=[True, False, True], kind="mergesort").reset_index(drop=True)
    center_name = sub.vs[sub.vs["id"].index(node_id)]["name"]
    title = f"关系网络 Ego network · {center_name} · radius {radius}"
    notes = [f"{sub.vcount() - 1:,} nodes within {radius} steps of {center_name} ({kind})"
             + (f"; firms in {region}" if region else ""), "node size: PageRank"]
    return NetworkView("ego", sub, table, {"name": name, "id": node_id, "radius": radius, "region": region and region.code,
                                           "top": top, "min_weight": min_weight},
                       title=title, color_by="type", size_by="pagerank", notes=notes)


#: The views of ``graphkit network`` by name.
VIEWS: dict[str, Callable] = {"investors": investors, "coinvest": coinvest, "flows": flows, "ego": ego}
