"""Realise calibrated per-city indicator values as the bundled synthetic sample dataset.

The calibration (:mod:`graphkit.sample.calibrate`) solves for what every city must
aggregate to — firm counts, relation counts, amounts, and the sums and valid-sample sizes
behind every mean — and writes them to ``graphkit/sample/calibrated/city_values.csv``.
:func:`build_sample` turns those numbers into nodes and edges in the schema of
docs/schema.md, choosing everything the index does not see (names, dates, rounds,
co-investors, counterparties, foreign partners) from a seeded random stream, so that

* aggregating the written tables reproduces every value of the values file exactly
  (counts; sums to the cent; means as sum / n with the other entities' values empty);
* the report's named facts hold where the values allow them (IDG Capital invested in 82
  Beijing firms and is Beijing's most active investor, Haier holds 11,778 patents, …);
* the same seed gives byte-identical files.

Money is handled in integer cents throughout, so sums are exact; random choices come
from one :class:`numpy.random.Generator` per component, keyed by the seed and a fixed
component name (never Python's ``hash``), and every table is sorted before writing.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphkit.errors import DataError, Problem
from graphkit.paths import DATA_DIR, REGIONS_DIR, SAMPLE_DIR
from graphkit.paths import ROOT as _ROOT
from graphkit.sample import names as N
from graphkit.sample.real_academia import INSTITUTES, TOP_UNIVERSITIES, UNIVERSITIES
from graphkit.sample.real_firms import NAMED_INVESTORS, REAL_FIRMS
from graphkit.sample.real_partners import FAVOURITES, FOREIGN_COMPANIES, FOREIGN_UNIVERSITIES

__all__ = [
    "build_sample",
    "read_values",
    "COUNT_COLUMNS",
    "MEAN_COLUMNS",
    "SAMPLE_SIZES",
    "DEFAULT_VALUES",
    "DEFAULT_OUT",
    "MANIFEST",
    "is_sample_dir",
]

DEFAULT_VALUES = Path(__file__).resolve().parent / "calibrated" / "city_values.csv"
DEFAULT_OUT = SAMPLE_DIR
_REGIONS = REGIONS_DIR
_PUBLISHED = DATA_DIR / "reference" / "published_counts.csv"
MANIFEST = "manifest.json"
_GENERATOR = "graphkit sample build"

COUNT_COLUMNS = (
    "firm_count", "basic_tech_firm_count", "tech_enablement_relations", "univ_count", "inst_count",
    "financing_relations", "investment_relations", "intl_study_experience", "intl_work_experience",
    "intl_tech_input_relations", "intl_tech_enablement_relations", "conference_count",
    "alliance_count", "park_count", "policy_count",
)
# mean indicator -> (node table, column, is money in CNY 10k with 2 decimals)
MEAN_COLUMNS: dict[str, tuple[str, str, bool]] = {
    "avg_valuation": ("firm", "valuation", True),
    "avg_firm_patents": ("firm", "patents", False),
    "univ_avg_domestic_papers": ("university", "domestic_papers", False),
    "univ_avg_intl_papers": ("university", "intl_papers", False),
    "univ_avg_patents": ("university", "patents", False),
    "inst_avg_domestic_papers": ("institute", "domestic_papers", False),
    "inst_avg_intl_papers": ("institute", "intl_papers", False),
    "inst_avg_patents": ("institute", "patents", False),
}
# The report's sample sizes (published_counts.csv, national rows).
SAMPLE_SIZES = {
    "firm": 2205, "investor": 3741, "university": 295, "institute": 123,
    "conference": 1708, "alliance": 444, "policy": 577, "park": 1073,
}
_NODE_COUNT_COLUMN = {
    "firm": "firm_count", "university": "univ_count", "institute": "inst_count",
    "conference": "conference_count", "alliance": "alliance_count", "policy": "policy_count",
    "park": "park_count",
}
_CUTOFF = _dt.date(2020, 12, 31)
_CUTOFF_2019 = _dt.date(2019, 12, 31)
_ROUND_LADDER = ("Seed", "Angel", "Pre-A", "A", "A+", "B", "B+", "C", "C+", "D", "E", "F", "Pre-IPO", "IPO")


# --------------------------------------------------------------------------------------
# small pure helpers
# --------------------------------------------------------------------------------------
def _rng(seed: int, component: str) -> np.random.Generator:
    """One independent, reproducible stream per component (adding a component elsewhere
    does not shift this one's draws)."""
    return np.random.default_rng([int(seed), zlib.crc32(component.encode("utf-8"))])


def _split(total: int, weights: np.ndarray, minimum: int = 0, cap: int | None = None) -> np.ndarray:
    """Split the integer ``total`` into ``len(weights)`` integers proportional to ``weights``
    (largest remainder), each ≥ ``minimum`` (when the total allows it) and ≤ ``cap`` (when
    the total allows it). Returns an int64 array summing exactly to ``total``."""
    k = len(weights)
    if k == 0:
        if total:
            raise ValueError("cannot split a non-zero total over no items")
        return np.zeros(0, dtype=np.int64)
    total = int(total)
    minimum = min(minimum, total // k)
    w = np.asarray(weights, dtype=float)
    w = np.where(w > 0, w, 0.0)
    if w.sum() <= 0:
        w = np.ones(k)
    rest = total - minimum * k
    share = w / w.sum() * rest
    out = np.floor(share).astype(np.int64)
    left = rest - int(out.sum())
    if left:
        order = np.lexsort((np.arange(k), -(share - out)))
        out[order[:left]] += 1
    out += minimum
    if cap is not None and cap * k >= total:
        # Move any excess above the cap onto items below it, largest weight first.
        for _ in range(k + 1):
            over = out > cap
            if not over.any():
                break
            excess = int((out[over] - cap).sum())
            out[over] = cap
            room = np.where(out < cap, cap - out, 0)
            order = np.lexsort((np.arange(k), -w))
            for i in order:
                if excess == 0:
                    break
                take = min(int(room[i]), excess)
                out[i] += take
                excess -= take
    return out


def _order_top(values: np.ndarray, top_idx: list[int]) -> np.ndarray:
    """Permute ``values`` so that positions ``top_idx`` hold the largest values, in order
    (the report's "X, Y and Z are the top three"); the other values keep their order."""
    if not top_idx:
        return values
    values = np.asarray(values).copy()
    desc = np.argsort(-values, kind="stable")
    chosen = desc[: len(top_idx)]
    big = values[chosen].copy()
    top_set, chosen_set = set(top_idx), set(chosen.tolist())
    rest_pos = [i for i in range(len(values)) if i not in top_set]
    rest_vals = [values[i] for i in range(len(values)) if i not in chosen_set]
    out = values.copy()
    for pos, v in zip(top_idx, big):
        out[pos] = v
    for pos, v in zip(rest_pos, rest_vals):
        out[pos] = v
    return out


def _strict_order(values: np.ndarray, top_idx: list[int], floor: np.ndarray | int = 0,
                  cap: int | None = None) -> np.ndarray:
    """Make ``values[top_idx[0]] > values[top_idx[1]] > … > every other value`` (the report's
    "X, Y and Z rank first, second and third") by moving single units onto the named items
    from the largest other items, never below ``floor`` nor a named item above ``cap``.
    The total is unchanged; where it cannot be done the values are left as close as possible."""
    v = np.asarray(values, dtype=np.int64).copy()
    n = len(v)
    floor = np.broadcast_to(np.asarray(floor, dtype=np.int64), (n,))
    tops = list(top_idx)
    rest = np.asarray([j for j in range(n) if j not in set(tops)], dtype=np.int64)
    for _ in range(int(v.sum()) + 1):
        changed = False
        for pos, i in enumerate(tops):
            later = tops[pos + 1:]
            rival = max([v[j] for j in later] + ([int(v[rest].max())] if len(rest) else []), default=None)
            if rival is None or v[i] > rival:
                continue
            if cap is not None and v[i] + 1 > cap:
                continue
            donors = rest[v[rest] > floor[rest]] if len(rest) else rest
            if len(donors) == 0:
                continue
            d = donors[np.argmax(v[donors])]
            v[d] -= 1
            v[i] += 1
            changed = True
        if not changed:
            break
    return v


def _cents_str(c: np.ndarray, known: np.ndarray | None = None) -> list[str]:
    """Format integer cents as fixed two-decimal strings ('' where not known)."""
    c = np.asarray(c, dtype=np.int64)
    known = np.ones(len(c), dtype=bool) if known is None else known
    return [f"{v // 100}.{v % 100:02d}" if k else "" for v, k in zip(c.tolist(), known.tolist())]


def _int_str(v: np.ndarray, known: np.ndarray | None = None) -> list[str]:
    v = np.asarray(v, dtype=np.int64)
    known = np.ones(len(v), dtype=bool) if known is None else known
    return [str(x) if k else "" for x, k in zip(v.tolist(), known.tolist())]


def _dates(rng: np.random.Generator, n: int, start: _dt.date, end: _dt.date,
           skew: float = 1.0, after: np.ndarray | None = None) -> np.ndarray:
    """``n`` dates (as day ordinals) in [start, end]; ``skew`` > 1 favours recent dates;
    ``after`` gives per-item earliest ordinals."""
    lo = np.full(n, start.toordinal(), dtype=np.int64)
    if after is not None:
        lo = np.maximum(lo, np.asarray(after, dtype=np.int64))
    hi = end.toordinal()
    lo = np.minimum(lo, hi)
    u = rng.random(n) ** (1.0 / skew)
    return lo + np.floor(u * (hi - lo + 1)).astype(np.int64).clip(0, None)


def _iso(ordinals: np.ndarray) -> list[str]:
    return [_dt.date.fromordinal(int(o)).isoformat() for o in ordinals]


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------
def read_values(path: str | Path) -> pd.DataFrame:
    """Read and check a city_values.csv (see helpers' interface and docs).

    Returns one row per city, sorted by city code, with integer count columns, the
    financing amount and mean sums in integer cents (``*_cents``) or integers, and the
    ``__n`` columns. Raises :class:`DataError` naming file, row, column and value.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: values file not found (run `python -m graphkit.sample.calibrate`)")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = ["city_code", "province_code", *COUNT_COLUMNS, "financing_amount"]
    for m in MEAN_COLUMNS:
        need += [f"{m}__n", f"{m}__sum"]
    problems = [Problem("column missing", file=str(path), column=c) for c in need if c not in df.columns]
    if problems:
        raise DataError(problems)
    out = pd.DataFrame({"city_code": df["city_code"].str.strip(), "province_code": df["province_code"].str.strip()})

    def _num(col: str, money: bool) -> np.ndarray:
        vals = []
        for i, raw in enumerate(df[col].tolist(), start=1):
            s = raw.strip() or "0"
            try:
                if money:
                    v = int(round(float(s) * 100))
                else:
                    f = float(s)
                    if f != int(f):
                        raise ValueError
                    v = int(f)
            except ValueError:
                problems.append(Problem("not a number of the right kind", file=str(path), row=i, column=col, value=raw))
                v = 0
            if v < 0:
                problems.append(Problem("must be ≥ 0", file=str(path), row=i, column=col, value=raw))
            vals.append(v)
        return np.asarray(vals, dtype=np.int64)

    for c in COUNT_COLUMNS:
        out[c] = _num(c, False)
    out["financing_amount_cents"] = _num("financing_amount", True)
    for m, (_, _, money) in MEAN_COLUMNS.items():
        out[f"{m}__n"] = _num(f"{m}__n", False)
        out[f"{m}__sum"] = _num(f"{m}__sum", money)
    for i, r in enumerate(out.itertuples(index=False), start=1):
        def bad(col, msg, val):
            problems.append(Problem(msg, file=str(path), row=i, column=col, value=val))
        if r.basic_tech_firm_count > r.firm_count:
            bad("basic_tech_firm_count", "exceeds firm_count", r.basic_tech_firm_count)
        if (r.financing_amount_cents > 0) and r.financing_relations == 0:
            bad("financing_amount", "an amount needs at least one financing relation", r.financing_amount_cents / 100)
        firm_edges = (r.tech_enablement_relations + r.financing_relations + r.investment_relations
                      + r.intl_study_experience + r.intl_work_experience + r.intl_tech_input_relations
                      + r.intl_tech_enablement_relations)
        if firm_edges and r.firm_count == 0:
            bad("firm_count", "relations are located here but there is no firm", 0)
        for m, (table, _, _) in MEAN_COLUMNS.items():
            cnt = getattr(r, _NODE_COUNT_COLUMN[table])
            if getattr(r, f"{m}__n") > cnt:
                bad(f"{m}__n", f"exceeds the number of {table} rows ({cnt})", getattr(r, f"{m}__n"))
            if getattr(r, f"{m}__n") == 0 and getattr(r, f"{m}__sum") != 0:
                bad(f"{m}__sum", "a sum without any valid value", getattr(r, f"{m}__sum"))
    if out["city_code"].duplicated().any():
        for c in out.loc[out["city_code"].duplicated(), "city_code"]:
            problems.append(Problem("duplicate city", file=str(path), column="city_code", value=c))
    if problems:
        raise DataError(problems)
    return out.sort_values("city_code", kind="stable").reset_index(drop=True)


def _read_published(path: Path = _PUBLISHED) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=["region_zh", "region_level", "quantity", "subject", "value"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _subject_en(subject: str) -> str:
    return subject.split(" (")[0].strip()


@dataclass
class _Ctx:
    """Everything the component builders share: inputs, regions and the tables built so far."""

    seed: int
    values: pd.DataFrame
    cities: pd.DataFrame          # code -> zh, short_zh, en, province_code
    provinces: pd.DataFrame       # code -> zh, short_zh, en, capital_code
    published: pd.DataFrame
    tables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)       # (status, text) about the report's named facts

    def city(self, code: str) -> dict:
        """The region row of city ``code`` as a plain dict (cached: pandas row lookups are slow)."""
        cache = self.__dict__.setdefault("_city_cache", {})
        if code not in cache:
            cache[code] = {k: str(v) for k, v in self.cities.loc[code].items()}
        return cache[code]

    def place_cols(self, codes: list[str]) -> tuple[list[str], list[str]]:
        """Province and city columns (Chinese names) of nodes located at ``codes``."""
        city_zh = self.cities["zh"].to_dict()
        prov_of = self.cities["province_code"].to_dict()
        prov_zh = self.provinces["zh"].to_dict()
        return [prov_zh[prov_of[c]] for c in codes], [city_zh[c] for c in codes]


def _load_regions() -> tuple[pd.DataFrame, pd.DataFrame]:
    cities = pd.read_csv(_REGIONS / "cities.csv", dtype=str, keep_default_na=False).set_index("code")
    provinces = pd.read_csv(_REGIONS / "provinces.csv", dtype=str, keep_default_na=False).set_index("code")
    return cities, provinces


def _city_en_word(en: str) -> str:
    """'Xilinguole League' -> 'Xilinguole' for use inside names."""
    for suffix in (" League", " Autonomous Prefecture", " Prefecture", " Region", " City"):
        if en.endswith(suffix):
            return en[: -len(suffix)]
    return en


# --------------------------------------------------------------------------------------
# nodes
# --------------------------------------------------------------------------------------
def _basic_counts(ctx: _Ctx) -> dict[str, int]:
    """Basic-layer firms per city: the report's city figures, then its province figures spread
    over the province's other cities, else about 14% of the basic+technology firms."""
    v = ctx.values.set_index("city_code")
    bt = v["basic_tech_firm_count"].to_dict()
    pub = ctx.published[ctx.published["quantity"] == "basic_layer_firm_count"]
    zh_to_city = {z: c for c, z in ctx.cities["zh"].items()}
    zh_to_prov = {z: c for c, z in ctx.provinces["zh"].items()}
    out: dict[str, int] = {}
    fixed_city: dict[str, int] = {}
    for r in pub.itertuples(index=False):
        if r.region_level == "city" and r.region_zh in zh_to_city:
            fixed_city[zh_to_city[r.region_zh]] = int(float(r.value))
    for c, b in fixed_city.items():
        if c in bt:
            out[c] = min(b, bt[c])
    for r in pub.itertuples(index=False):
        if r.region_level != "province" or r.region_zh not in zh_to_prov:
            continue
        p = zh_to_prov[r.region_zh]
        members = [c for c in v.index if v.loc[c, "province_code"] == p]
        rest = int(float(r.value)) - sum(out.get(c, 0) for c in members if c in fixed_city)
        free = [c for c in members if c not in fixed_city]
        if not free or rest < 0:
            continue
        caps = np.array([bt[c] for c in free])
        alloc = _split(min(rest, int(caps.sum())), caps.astype(float) + 1e-9)
        alloc = np.minimum(alloc, caps)
        for c, b in zip(free, alloc):
            out[c] = int(b)
    for c in v.index:
        if c not in out:
            out[c] = int(round(bt[c] * 0.14))
    return out


def _pins(ctx: _Ctx, quantity: str) -> dict[str, int]:
    """Published per-entity figures of ``quantity``: English subject name -> value."""
    p = ctx.published[ctx.published["quantity"] == quantity]
    return {_subject_en(s): int(float(x)) for s, x in zip(p["subject"], p["value"])}


def _place_named_firms(ctx: _Ctx) -> dict[str, list[int]]:
    """Which REAL_FIRMS go to which city: their own city if it has room, else the city of the
    same province with the most firms among those whose patent sum still holds the firm's
    published patents (any city with room when none does). Returns city -> indices into
    REAL_FIRMS."""
    v = ctx.values.set_index("city_code")
    counts = v["firm_count"].to_dict()
    # what each city's patent sum and valid sample have left once the named firms placed
    # there hold their published counts: a moved firm must not crowd out a pinned one
    # (Qingdao's sum can be exactly Haier's 11,778)
    room = {c: [int(v.at[c, "avg_firm_patents__sum"]), int(v.at[c, "avg_firm_patents__n"])] for c in counts}
    pins = _pins(ctx, "firm_patents")
    used: dict[str, int] = {}
    out: dict[str, list[int]] = {}
    for i, (zh, en, city, _, _) in enumerate(REAL_FIRMS):
        target = city
        pin = pins.get(en, 0)
        if counts.get(city, 0) - used.get(city, 0) <= 0:
            prov = ctx.cities.loc[city, "province_code"] if city in ctx.cities.index else None
            cands = sorted((c for c in counts if ctx.cities.loc[c, "province_code"] == prov
                            and counts[c] - used.get(c, 0) > 0),
                           key=lambda c: (pin > 0 and (room[c][0] < pin or room[c][1] < 1), -counts[c], c))
            if not cands:
                ctx.notes.append(("not honoured", f"{zh} ({en}): no firm slot left in its province"))
                continue
            target = cands[0]
            ctx.notes.append(("moved", f"{zh} ({en}) placed in {ctx.cities.loc[target, 'zh']} "
                                       f"(its own city has no firm slot)"))
        used[target] = used.get(target, 0) + 1
        if pin:  # every target is a city of counts, so it has a room entry
            room[target][0] -= pin
            room[target][1] -= 1
        out.setdefault(target, []).append(i)
    return out


def _values_for(rng, n_items: int, n_known: int, total: int, forced: dict[int, int],
                weights: np.ndarray, minimum: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Choose ``n_known`` of ``n_items`` to carry a value and split ``total`` over them.

    ``forced`` pins item -> value (the report's figures); pins are honoured when they fit
    (their count ≤ n_known and their sum ≤ total), and the other items are then capped
    below the smallest pin so that the pinned items stay on top. Returns (values, known).
    """
    values = np.zeros(n_items, dtype=np.int64)
    known = np.zeros(n_items, dtype=bool)
    if n_known == 0:
        return values, known
    # keep the pins that fit, smallest first (so that as many as possible hold)
    pinned, used = [], 0
    for i in sorted(forced, key=lambda i: (forced[i], i)):
        if len(pinned) + 1 <= n_known and used + forced[i] <= total:
            pinned.append(i)
            used += forced[i]
    if len(pinned) == n_known and used != total and pinned:
        used -= forced[pinned.pop()]  # the last valid item must absorb the remainder
    pinned = sorted(pinned)
    rest_items = [i for i in range(n_items) if i not in set(pinned)]
    k_rest = n_known - len(pinned)
    # valid sample: prefer heavier items (named ones get heavier weights upstream)
    if k_rest > 0:
        w = np.asarray([weights[i] for i in rest_items], dtype=float)
        pick = rng.choice(len(rest_items), size=k_rest, replace=False, p=w / w.sum())
        chosen = sorted(rest_items[j] for j in pick)
    else:
        chosen = []
    for i in pinned:
        values[i] = forced[i]
        known[i] = True
    remaining = total - sum(values[i] for i in pinned)
    if chosen:
        cap = None
        if pinned:
            c = min(forced[i] for i in pinned) - 1
            if c * len(chosen) >= remaining:
                cap = c
        w = rng.lognormal(0.0, 1.0, len(chosen)) * np.asarray([weights[i] for i in chosen])
        vals = _split(remaining, w, minimum=minimum, cap=cap)
        values[chosen] = vals
        known[chosen] = True
    return values, known


def _build_firms(ctx: _Ctx) -> pd.DataFrame:
    rng = _rng(ctx.seed, "firms")
    v = ctx.values
    basic = _basic_counts(ctx)
    named_at = _place_named_firms(ctx)
    pin_patents = _pins(ctx, "firm_patents")
    pool = N.NamePool({f[0] for f in REAL_FIRMS})
    rows = []
    for r in v.itertuples(index=False):
        n = r.firm_count
        if n == 0:
            continue
        c = ctx.city(r.city_code)
        czh, cen = c["short_zh"], _city_en_word(c["en"])
        named = named_at.get(r.city_code, [])[:n]
        names = [(REAL_FIRMS[i][0], REAL_FIRMS[i][1]) for i in named]
        names += [pool.take(lambda: N.firm_name(rng, czh, cen)) for _ in range(n - len(named))]
        # layers: named firms with a stated layer take those slots first
        b = basic[r.city_code]
        t = r.basic_tech_firm_count - b
        layer = np.array(["application"] * n, dtype=object)
        slots = {"basic": b, "technology": t}
        for j, i in enumerate(named):
            want = REAL_FIRMS[i][3]
            if want and slots[want] > 0:
                layer[j] = want
                slots[want] -= 1
            elif want:
                ctx.notes.append(("not honoured", f"{REAL_FIRMS[i][0]}: no {want}-layer slot left in its city"))
        free = [j for j in range(n) if layer[j] == "application"]
        pick = rng.permutation(free)
        layer[pick[: slots["basic"]]] = "basic"
        layer[pick[slots["basic"]: slots["basic"] + slots["technology"]]] = "technology"
        weight = np.where(layer == "application", 1.0, 2.5)
        weight[: len(named)] *= 4.0  # the report's named firms are the big ones
        forced = {j: pin_patents[REAL_FIRMS[i][1]] for j, i in enumerate(named) if REAL_FIRMS[i][1] in pin_patents}
        pat, pat_known = _values_for(rng, n, r.avg_firm_patents__n, r.avg_firm_patents__sum, forced, weight)
        pat, pat_known = _fallback_on_top(ctx, pat, pat_known, forced,
                                          {j: f"{REAL_FIRMS[i][0]} holds {forced[j]} patents" for j, i in enumerate(named)
                                           if j in forced}, "the city's patent sum or valid sample is too small")
        val, val_known = _values_for(rng, n, r.avg_valuation__n, r.avg_valuation__sum, {}, weight)
        founded = _dates(rng, n, _dt.date(1992, 1, 1), _dt.date(2020, 6, 30), skew=2.5)
        for j in range(n):
            rows.append((r.city_code, names[j][0], names[j][1], founded[j], layer[j],
                         val[j], val_known[j], pat[j], pat_known[j], named[j] if j < len(named) else -1))
    df = pd.DataFrame(rows, columns=["city", "name", "name_en", "founded_ord", "layer", "val_cents",
                                     "val_known", "patents_v", "pat_known", "real"])
    df["id"] = [f"F{i:05d}" for i in range(1, len(df) + 1)]
    return df


def _build_academic(ctx: _Ctx, kind: str) -> pd.DataFrame:
    """Universities (``kind="university"``) or institutes: names real-first, papers and patents
    split from the city's sums over its valid sample."""
    rng = _rng(ctx.seed, kind)
    prefix, real, count_col, gen = (
        ("U", UNIVERSITIES, "univ_count", N.university_name) if kind == "university"
        else ("I", INSTITUTES, "inst_count", N.institute_name))
    short = "univ" if kind == "university" else "inst"
    pins = {col: _pins(ctx, f"univ_{col}") if kind == "university" else {}
            for col in ("domestic_papers", "intl_papers", "patents")}
    all_real = {zh for lst in real.values() for zh, _ in lst}
    pool = N.NamePool(all_real)
    rows = []
    for r in ctx.values.itertuples(index=False):
        n = getattr(r, count_col)
        if n == 0:
            continue
        c = ctx.city(r.city_code)
        czh, cen = c["short_zh"], _city_en_word(c["en"])
        names = list(real.get(r.city_code, ()))[:n]
        n_real = len(names)
        names += [pool.take(lambda: gen(rng, czh, cen)) for _ in range(n - n_real)]
        weight = np.ones(n)
        weight[:n_real] = 3.0
        cols = {}
        for col in ("domestic_papers", "intl_papers", "patents"):
            m = f"{short}_avg_{col}"
            forced = {j: pins[col][names[j][1]] for j in range(n) if names[j][1] in pins[col]}
            vals, known = _values_for(rng, n, getattr(r, f"{m}__n"), getattr(r, f"{m}__sum"), forced, weight)
            vals, known = _fallback_on_top(ctx, vals, known, forced,
                                           {j: f"{names[j][0]} {col.replace('_', ' ')} = {forced[j]}" for j in forced},
                                           "the city's sum or valid sample is too small")
            tops = TOP_UNIVERSITIES.get((r.city_code, col), ()) if kind == "university" else ()
            if tops:
                vals, known = _put_on_top(vals, known, [j for t in tops for j in range(n) if names[j][1] == t],
                                          set(forced))
                order = [names[j][0] for j in np.argsort(-np.where(known, vals, -1), kind="stable")[: len(tops)]]
                want = [zh for t in tops for zh, en in names if en == t]
                ctx.notes.append(("honoured" if order == want else "not honoured",
                                  f"{'、'.join(want)} hold the most {col.replace('_', ' ')} of "
                                  f"{ctx.city(r.city_code)['zh']}'s universities, in that order"))
            cols[col] = (vals, known)
        for j in range(n):
            rows.append((r.city_code, names[j][0], names[j][1],
                         *[x for col in ("domestic_papers", "intl_papers", "patents")
                           for x in (cols[col][0][j], cols[col][1][j])]))
    df = pd.DataFrame(rows, columns=["city", "name", "name_en", "dp", "dp_k", "ip", "ip_k", "pt", "pt_k"])
    df["id"] = [f"{prefix}{i:04d}" for i in range(1, len(df) + 1)]
    return df


def _fallback_on_top(ctx: _Ctx, vals: np.ndarray, known: np.ndarray, forced: dict[int, int],
                     facts: dict[int, str], why: str) -> tuple[np.ndarray, np.ndarray]:
    """Record which published per-entity figures hold; the named entities whose figure does
    not fit at least get the largest values of their city, largest figure first."""
    held = {j for j in forced if known[j] and vals[j] == forced[j]}
    for j in sorted(forced):
        ok = j in held
        ctx.notes.append(("honoured" if ok else "not honoured",
                          facts[j] + ("" if ok else f" ({why}; it gets the city's largest value instead)")))
    missed = sorted((j for j in forced if j not in held), key=lambda j: (-forced[j], j))
    if missed:
        vals, known = _put_on_top(vals, known, missed, held)
    return vals, known


def _put_on_top(vals: np.ndarray, known: np.ndarray, tops: list[int], frozen: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """Give items ``tops`` the largest known values, in order and strictly, by swapping values
    (and valid-sample membership) with other items; ``frozen`` items (published figures) keep
    theirs. The multiset of known values changes only by the unit moves of _strict_order."""
    vals, known = vals.copy(), known.copy()
    for t in tops:  # each named item must be in the valid sample
        if not known[t]:
            donors = [j for j in np.flatnonzero(known) if j not in set(tops) and j not in frozen]
            if not donors:
                return vals, known
            d = donors[0]
            vals[t], vals[d], known[t], known[d] = vals[d], 0, True, False
    free = [j for j in np.flatnonzero(known) if j not in frozen]
    pos = [free.index(t) for t in tops if t in free]
    if len(pos) < len(tops):
        return vals, known
    sub = _order_top(vals[free], pos)
    vals[free] = _strict_order(sub, pos)
    return vals, known


def _city_weights(ctx: _Ctx, power: float = 1.2) -> tuple[list[str], np.ndarray]:
    """Cities of the values file, weighted by firms (plus a little everywhere), for placing
    nodes the values do not place (investors, counterparties)."""
    v = ctx.values
    w = (v["firm_count"].to_numpy(dtype=float) + 0.5) ** power
    # never a city the values leave empty: it would join the city index as an all-zero region
    has_node = v[list(_NODE_COUNT_COLUMN.values())].to_numpy().sum(axis=1) > 0
    w = np.where(has_node, w, 0.0)
    return v["city_code"].tolist(), w / w.sum()


def _build_investors(ctx: _Ctx) -> pd.DataFrame:
    rng = _rng(ctx.seed, "investors")
    codes, w = _city_weights(ctx, 1.3)
    present = set(codes)
    rows = []
    pool = N.NamePool({x[0] for x in NAMED_INVESTORS.values()})
    for _key, (zh, en, home) in NAMED_INVESTORS.items():
        city = home if home in present else codes[int(np.argmax(w))]
        rows.append((city, zh, en, "institutional"))
    n_gen = SAMPLE_SIZES["investor"] - len(rows)
    where = rng.choice(len(codes), size=n_gen, p=w)
    inst = rng.random(n_gen) < 0.72
    for k in range(n_gen):
        c = ctx.city(codes[where[k]])
        zh, en = pool.take(lambda: N.investor_name(rng, c["short_zh"], _city_en_word(c["en"]), bool(inst[k])))
        rows.append((codes[where[k]], zh, en, "institutional" if inst[k] else "other"))
    df = pd.DataFrame(rows, columns=["city", "name", "name_en", "kind"])
    df["id"] = [f"V{i:05d}" for i in range(1, len(df) + 1)]
    return df


# --------------------------------------------------------------------------------------
# financing: rounds and investor participations
# --------------------------------------------------------------------------------------
def _named_portfolios(ctx: _Ctx) -> dict[str, list[tuple[int, int]]]:
    """province code -> [(investor row, portfolio size)] from published_counts.csv, largest first."""
    inv = ctx.tables["investor"]
    by_en = {en: i for i, en in enumerate(inv["name_en"])}
    zh_to_prov = {z: c for c, z in ctx.provinces["zh"].items()}
    p = ctx.published[ctx.published["quantity"] == "investor_portfolio_count"]
    out: dict[str, list[tuple[int, int]]] = {}
    for r in p.itertuples(index=False):
        en = _subject_en(r.subject)
        if en in NAMED_INVESTORS and r.region_zh in zh_to_prov:
            out.setdefault(zh_to_prov[r.region_zh], []).append((by_en[NAMED_INVESTORS[en][1]], int(float(r.value))))
    return {k: sorted(vv, key=lambda t: -t[1]) for k, vv in out.items()}


def _real_roles(ctx: _Ctx, firms: pd.DataFrame, indicator: str) -> dict[str, list[int]]:
    """city -> firm row indices that the report ranks top on ``indicator``, in rank order."""
    out: dict[str, list[tuple[int, int]]] = {}
    for idx, real in zip(firms.index, firms["real"]):
        if real < 0:
            continue
        for role in REAL_FIRMS[real][4]:
            if role[0] == "top" and role[1] == indicator:
                out.setdefault(firms.at[idx, "city"], []).append((role[2], idx))
    return {c: [i for _, i in sorted(v)] for c, v in out.items()}


def _build_financing(ctx: _Ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(ctx.seed, "financing")
    firms = ctx.tables["firm"]
    inv = ctx.tables["investor"]
    named = _named_portfolios(ctx)
    top_rel = _real_roles(ctx, firms, "financing_relations")
    top_amt = _real_roles(ctx, firms, "financing_amount")
    by_city = {c: np.asarray(ix) for c, ix in firms.groupby("city", sort=True).groups.items()}
    layer_arr = firms["layer"].to_numpy(dtype=object)
    founded_arr = firms["founded_ord"].to_numpy()
    prov_of = ctx.cities["province_code"].to_dict()
    # Funded firms per city; a province whose investors the report names needs at least
    # as many funded firms as the largest named portfolio there.
    v = ctx.values.set_index("city_code")
    funded_n = {}
    for c in v.index:
        R, n = int(v.at[c, "financing_relations"]), int(v.at[c, "firm_count"])
        if R == 0:
            continue
        nr = max(1, int(round(R / 2.3)))
        funded_n[c] = (min(n, nr, max(1, int(round(nr / 1.7)))), nr)
    for p, lst in named.items():
        need = lst[0][1]
        cs = [c for c in funded_n if prov_of[c] == p]
        have = sum(funded_n[c][0] for c in cs)
        for c in sorted(cs, key=lambda c: -int(v.at[c, "financing_relations"])):
            if have >= need:
                break
            m, nr = funded_n[c]
            new_nr = min(int(v.at[c, "financing_relations"]), max(nr, need))
            new_m = min(int(v.at[c, "firm_count"]), new_nr)
            have += new_m - m
            funded_n[c] = (new_m, new_nr)
    rounds = []   # (round idx, firm idx, k investors, stage, date ord, amount cents or -1)
    slots_firm, slots_round, slots_prov = [], [], []
    r_id = 0
    for c in sorted(funded_n):
        m, nr = funded_n[c]
        R = int(v.at[c, "financing_relations"])
        A = int(v.at[c, "financing_amount_cents"])
        city_firms = by_city[c]
        # named firms with a financing role are always funded
        must = [i for i in top_rel.get(c, []) + top_amt.get(c, []) if i in set(city_firms.tolist())]
        must = list(dict.fromkeys(must))[:m]
        others = [i for i in city_firms.tolist() if i not in set(must)]
        w = np.where(layer_arr[others] == "application", 1.0, 2.0)
        pick = rng.choice(len(others), size=m - len(must), replace=False, p=w / w.sum()) if m > len(must) else []
        funded = np.asarray(must + sorted(others[j] for j in pick), dtype=np.int64)
        # rounds per firm, then investors per round; relation totals per firm put the
        # report's named firms on top
        n_rounds = 1 + _split(nr - m, rng.lognormal(0, 0.8, m), cap=9)  # ≤ 10 rounds when possible
        k_inv = 1 + _split(R - nr, rng.lognormal(0, 0.7, nr))
        bundles, pos = [], 0
        for q in n_rounds:
            bundles.append(k_inv[pos:pos + q].copy())
            pos += q
        totals = np.asarray([b.sum() for b in bundles])
        order_top = [list(funded).index(i) for i in top_rel.get(c, []) if i in set(funded.tolist())]
        perm_vals = _order_top(totals, order_top)
        # realise the permutation on bundles: match each target total to a bundle with it
        remaining = {}
        for bi, t in enumerate(totals.tolist()):
            remaining.setdefault(t, []).append(bi)
        bundles = [bundles[remaining[t].pop(0)] for t in perm_vals.tolist()]
        if order_top:
            # strict ranks: move single investor slots between firms (each round keeps ≥ 1)
            cur = np.asarray([b.sum() for b in bundles])
            want = _strict_order(cur, order_top, floor=np.asarray([len(b) for b in bundles]))
            for j in np.flatnonzero(want != cur):
                delta = int(want[j] - cur[j])
                b = bundles[j]
                if delta > 0:
                    b[-1] += delta
                else:
                    for q in range(len(b) - 1, -1, -1):
                        take = min(b[q] - 1, -delta)
                        b[q] -= take
                        delta += take
                        if delta == 0:
                            break
        # amounts: per firm, then per round
        disclosed = [np.ones(len(b), dtype=bool) for b in bundles]
        if A == 0:
            disclosed = [np.zeros(len(b), dtype=bool) for b in bundles]
        else:
            for d in disclosed:
                if len(d) > 1:
                    d[:-1] = rng.random(len(d) - 1) > 0.08
        has_disc = np.asarray([d.any() for d in disclosed])
        firm_amt = np.zeros(m, dtype=np.int64)
        if A:
            idx = np.flatnonzero(has_disc)
            fw = rng.lognormal(0, 1.2, len(idx)) * np.asarray([len(bundles[j]) for j in idx])
            firm_amt[idx] = _split(A, fw, minimum=100_000)  # ≥ 1,000 (CNY 10k) cents where A allows
            amt_top = [list(funded).index(i) for i in top_amt.get(c, []) if i in set(funded.tolist())]
            amt_top = [j for j in amt_top if has_disc[j]]
            if amt_top:
                top_pos = [list(idx).index(j) for j in amt_top]
                sub = _order_top(firm_amt[idx], top_pos)
                firm_amt[idx] = _strict_order(sub, top_pos, floor=np.minimum(sub, 100_000))
        for j, f in enumerate(funded.tolist()):
            q = len(bundles[j])
            start = int(min(int(rng.integers(0, 4)), len(_ROUND_LADDER) - q)) if q <= len(_ROUND_LADDER) else 0
            founded = int(founded_arr[f])
            lo = max(founded + 90, _dt.date(2005, 1, 1).toordinal())
            hi = _CUTOFF.toordinal()
            if lo > hi:
                lo = hi
            ds = np.sort(lo + np.floor(rng.random(q) * (hi - lo + 1)).astype(np.int64))
            amts = np.full(q, -1, dtype=np.int64)
            dmask = disclosed[j]
            if dmask.any():
                # later rounds are larger: about 1.8x per stage
                stage_w = 1.8 ** np.minimum(np.arange(q)[dmask], 10) * rng.lognormal(0, 0.5, int(dmask.sum()))
                amts[dmask] = _split(int(firm_amt[j]), stage_w, minimum=10_000)
            for s in range(q):
                label = _ROUND_LADDER[start + s] if start + s < len(_ROUND_LADDER) else "Strategic"
                rounds.append((r_id, f, int(bundles[j][s]), label, int(ds[s]), int(amts[s])))
                slots_firm.extend([f] * int(bundles[j][s]))
                slots_round.extend([r_id] * int(bundles[j][s]))
                slots_prov.extend([prov_of[c]] * int(bundles[j][s]))
                r_id += 1
    # typed, so that a sample without financing gives empty integer columns, not objects
    rounds_df = pd.DataFrame(rounds, columns=["r", "firm", "k", "round", "date_ord", "amount"]).astype(
        {"r": np.int64, "firm": np.int64, "k": np.int64, "date_ord": np.int64, "amount": np.int64})
    slot_firm = np.asarray(slots_firm, dtype=np.int64)
    slot_round = np.asarray(slots_round, dtype=np.int64)
    slot_prov = np.asarray(slots_prov, dtype=object)
    inv_of = _assign_investors(ctx, rng, slot_firm, slot_round, slot_prov, named, len(inv))
    fin = pd.DataFrame({"inv": inv_of, "firm": slot_firm, "r": slot_round})
    return rounds_df, fin


def _assign_investors(ctx, rng, slot_firm, slot_round, slot_prov, named, n_inv) -> np.ndarray:
    """Give every investor slot of every round an investor such that: no investor twice in
    one round; each named investor invests in exactly its published number of distinct
    firms of its province; nobody else in that province reaches the smallest named
    portfolio there; every investor takes part in at least one round (when there are
    enough slots)."""
    S = len(slot_firm)
    out = np.full(S, -1, dtype=np.int64)
    fixed = np.zeros(S, dtype=bool)
    named_ids = sorted({i for lst in named.values() for i, _ in lst})
    # 1. named investors: distinct firms of their province, one slot in one of the firm's rounds
    for p, lst in sorted(named.items()):
        in_p = np.flatnonzero(slot_prov == p)
        for inv_i, size in lst:
            free = in_p[out[in_p] < 0]
            # a firm can take this investor only once; choose firms weighted by free slots
            firms_u = np.unique(slot_firm[free])
            who = ctx.tables["investor"].at[inv_i, "name"]
            where = ctx.provinces.at[p, "zh"]
            if len(firms_u) < size:
                ctx.notes.append(("not honoured", f"{who} invested in {size} firms of {where} (投资{where} {size} "
                                  f"家企业): only {len(firms_u)} funded firms there have a free investor slot"))
                size = len(firms_u)
            else:
                ctx.notes.append(("honoured", f"{who} invested in {size} firms of {where} (投资{where} {size} 家企业), "
                                  f"ahead of every investor the report does not name there"))
            if size == 0:
                continue
            cnt = np.bincount(np.searchsorted(firms_u, slot_firm[free]), minlength=len(firms_u)).astype(float)
            chosen = np.sort(rng.choice(len(firms_u), size=size, replace=False, p=cnt / cnt.sum()))
            for fi in chosen:
                cands = free[slot_firm[free] == firms_u[fi]]
                # not a round that already has this investor (cannot happen: first visit)
                s = cands[int(rng.integers(len(cands)))]
                out[s] = inv_i
                fixed[s] = True
    # caps for everyone else, per named province
    cap = {p: min(sz for _, sz in lst) - 1 for p, lst in named.items()}
    banned = {p: {i for i, _ in lst} for p, lst in named.items()}
    open_ = np.flatnonzero(out < 0)
    generic = np.asarray([i for i in range(n_inv) if i not in set(named_ids)], dtype=np.int64)
    # 2. coverage: every generic investor once, at random open slots
    if len(open_) >= len(generic):
        at = rng.choice(open_, size=len(generic), replace=False)
        out[at] = rng.permutation(generic)
        fixed[at] = True
    # 3. popularity for the rest (a few very active institutions, a long tail)
    pop = 1.0 / (np.arange(len(generic)) + 8.0) ** 0.95
    pop = pop[np.argsort(rng.permutation(len(generic)), kind="stable")]
    pop_all = np.zeros(n_inv)
    pop_all[generic] = pop
    pop_all[named_ids] = pop.max() * 1.5  # named institutions are active elsewhere too
    todo = np.flatnonzero(out < 0)
    for _ in range(60):
        if len(todo) == 0:
            break
        out[todo] = rng.choice(n_inv, size=len(todo), p=pop_all / pop_all.sum())
        bad = np.zeros(S, dtype=bool)
        # (a) named investors outside their own slots in provinces where they are named
        for p, ids in banned.items():
            m = (slot_prov == p) & ~fixed & np.isin(out, list(ids))
            bad |= m
        # (b) the same investor twice in one round: keep the fixed one, else the first
        order = np.lexsort((~fixed, out, slot_round))
        dup = np.zeros(S, dtype=bool)
        same = (slot_round[order][1:] == slot_round[order][:-1]) & (out[order][1:] == out[order][:-1])
        dup[order[1:][same]] = True
        bad |= dup & ~fixed
        # (c) caps on distinct firms per investor in named provinces
        for p, cp in cap.items():
            in_p = np.flatnonzero((slot_prov == p) & ~bad)
            if len(in_p) == 0:
                continue
            key = pd.DataFrame({"inv": out[in_p], "firm": slot_firm[in_p], "s": in_p, "fixed": fixed[in_p]})
            key = key[~key["inv"].isin(list(banned[p]))]
            pairs = key.drop_duplicates(["inv", "firm"]).sort_values(["inv", "fixed", "s"], ascending=[True, False, True])
            pairs["rank"] = pairs.groupby("inv").cumcount()
            over = pairs[pairs["rank"] >= cp][["inv", "firm"]]
            if len(over):
                drop = key.merge(over, on=["inv", "firm"])
                drop = drop[~drop["fixed"]]
                bad[drop["s"].to_numpy()] = True
        todo = np.flatnonzero(bad)
    if len(todo):
        raise RuntimeError(f"could not place {len(todo)} investor slots without conflicts")
    return out


# --------------------------------------------------------------------------------------
# firm -> firm/company relations
# --------------------------------------------------------------------------------------
def _draw_targets(rng, src: np.ndarray, n_pool: int, p: np.ndarray | None, forbid: np.ndarray | None,
                  distinct: bool = True, tries: int = 80) -> np.ndarray:
    """Draw one target from ``range(n_pool)`` per source entry (weights ``p``), redrawing
    a target equal to ``forbid`` (the source itself) or repeating a (source, target) pair."""
    E = len(src)
    tgt = rng.choice(n_pool, size=E, p=p)
    todo = np.arange(E)
    for _ in range(tries):
        bad = np.zeros(E, dtype=bool)
        if forbid is not None:
            bad |= tgt == forbid
        if distinct:
            key = src.astype(np.int64) * (n_pool + 1) + tgt
            order = np.argsort(key, kind="stable")
            dup = np.zeros(E, dtype=bool)
            dup[order[1:]] = key[order][1:] == key[order][:-1]
            bad |= dup
        todo = np.flatnonzero(bad)
        if len(todo) == 0:
            return tgt
        tgt[todo] = rng.choice(n_pool, size=len(todo), p=p)
    if forbid is not None and (tgt == forbid).any():
        raise RuntimeError("could not avoid self-relations")
    return tgt  # a few repeated pairs remain only when a source has more relations than targets


def _out_degrees(ctx: _Ctx, rng, indicator: str, weight_fn, pins: dict[int, int] | None = None,
                 prov_caps: dict[str, int] | None = None, top: dict[str, list[int]] | None = None,
                 active_share: float = 0.6) -> np.ndarray:
    """Per-firm number of relations of ``indicator`` (a count column of the values file),
    summing to the city's value; ``pins`` fix a firm's number, ``prov_caps`` cap every
    other firm of a province, ``top`` puts named firms first within their city."""
    firms = ctx.tables["firm"]
    deg = np.zeros(len(firms), dtype=np.int64)
    pins = pins or {}
    prov_caps = prov_caps or {}
    top = top or {}
    prov_of = ctx.cities["province_code"].to_dict()
    groups = firms.groupby("city", sort=True).groups
    base_w = np.asarray(weight_fn(firms), dtype=float)
    for r in ctx.values.itertuples(index=False):
        T = int(getattr(r, indicator))
        if T == 0:
            continue
        ix = np.asarray(groups[r.city_code])
        w = base_w[ix] * rng.lognormal(0, 1.0, len(ix))
        # some firms have no such relations at all
        active = rng.random(len(ix)) < active_share
        active[np.argmax(w)] = True
        w = np.where(active, w, 0.0)
        fixed = {j: pins[i] for j, i in enumerate(ix.tolist()) if i in pins}
        pinned_total = sum(fixed.values())
        if pinned_total > T:
            for j in fixed:
                ctx.notes.append(("not honoured", f"{firms.at[ix[j], 'name']} invested in {pins[ix[j]]} distinct "
                                  f"firms or companies: more than its city's {T} {indicator}"))
            fixed, pinned_total = {}, 0
        free = [j for j in range(len(ix)) if j not in fixed]
        cap = prov_caps.get(prov_of[r.city_code])
        ww = w[free]
        if cap is not None:
            ww = np.where(ww > 0, ww, 1e-6)  # every firm may be needed to stay under the cap
        d = np.zeros(len(ix), dtype=np.int64)
        n_tops = sum(1 for i in top.get(r.city_code, []) if i in set(ix.tolist()))
        if free:
            # leave room under the cap for the named firms to rank strictly above the rest
            split_cap = cap - n_tops if cap is not None and cap - n_tops > 0 else cap
            d[free] = _split(T - pinned_total, ww, cap=split_cap)
        elif T != pinned_total:
            fixed = {}
            d = _split(T, w)
        for j, val in fixed.items():
            d[j] = val
        # named top firms (the pinned ones are top already through the cap)
        tops = [list(ix).index(i) for i in top.get(r.city_code, []) if i in set(ix.tolist())]
        tops = [j for j in tops if j not in fixed]
        if tops:
            free_pos = [j for j in range(len(ix)) if j not in fixed]
            top_pos = [free_pos.index(j) for j in tops]
            sub = _order_top(d[free_pos], top_pos)
            d[free_pos] = _strict_order(sub, top_pos, cap=cap)
        deg[ix] = d
    return deg


def _build_companies_and_firm_edges(ctx: _Ctx) -> None:
    rng = _rng(ctx.seed, "firm_edges")
    firms = ctx.tables["firm"]
    nf = len(firms)
    prov_of = ctx.cities["province_code"].to_dict()
    # investment: the report's named investing firms
    pins = {}
    prov_caps = {}
    inv_pins = _pins(ctx, "investor_portfolio_count")
    for i, (real, city) in enumerate(zip(firms["real"], firms["city"])):
        if real >= 0 and REAL_FIRMS[real][1] in inv_pins:
            pins[i] = inv_pins[REAL_FIRMS[real][1]]
            p = prov_of[city]
            prov_caps[p] = min(prov_caps.get(p, 10 ** 9), pins[i] - 1)
    lay_w = lambda df: df["layer"].map({"basic": 3.0, "technology": 3.0, "application": 1.0}).to_numpy()
    inv_deg = _out_degrees(ctx, rng, "investment_relations", lambda df: np.ones(len(df)) + 2 * (df["real"] >= 0),
                           pins=pins, prov_caps=prov_caps, top=_real_roles(ctx, firms, "investment_relations"),
                           active_share=0.35)
    for i, target in pins.items():
        if inv_deg[i] == target:  # a pin that does not fit was reported by _out_degrees
            ctx.notes.append(("honoured", f"{firms.at[i, 'name']} invested in {target} distinct firms or companies"))
    te_deg = _out_degrees(ctx, rng, "tech_enablement_relations", lay_w, active_share=0.75)
    # domestic counterparties: enough that big enablers do not run out of distinct clients
    n_comp = int(np.clip(0.2 * te_deg.sum() + 0.6 * inv_deg.sum(), 1500, 15000))
    n_comp = max(n_comp, int(max(te_deg.max(initial=0), inv_deg.max(initial=0)) * 1.5))
    codes, cw = _city_weights(ctx, 1.1)
    comp_city_idx = rng.choice(len(codes), size=n_comp, p=cw)
    comp_city = np.asarray(codes, dtype=object)[comp_city_idx]
    pool = N.NamePool(set(firms["name"]))
    comp_names = []
    for k in range(n_comp):
        c = ctx.city(comp_city[k])
        comp_names.append(pool.take(lambda: N.company_name(rng, c["short_zh"], _city_en_word(c["en"]))))
    comp_pop = rng.pareto(1.2, n_comp) + 1.0
    firm_pop = (firms["layer"].map({"basic": 1.0, "technology": 1.0, "application": 2.0}).to_numpy()
                * (rng.pareto(1.5, nf) + 1.0))

    def edges(deg: np.ndarray, firm_share: float, name: str, dated: tuple[int, int]):
        src = np.repeat(np.arange(nf), deg)
        pool_p = np.concatenate([firm_pop / firm_pop.sum() * firm_share, comp_pop / comp_pop.sum() * (1 - firm_share)])
        tgt = _draw_targets(rng, src, nf + n_comp, pool_p, forbid=src)
        lo = np.maximum(firms["founded_ord"].to_numpy()[src], _dt.date(dated[0], 1, 1).toordinal())
        d = _dates(rng, len(src), _dt.date(dated[0], 1, 1), _CUTOFF, skew=1.8, after=lo)
        return src, tgt, d

    inv_src, inv_tgt, inv_d = edges(inv_deg, 0.35, "investment", (2008, 1))
    te_src, te_tgt, te_d = edges(te_deg, 0.25, "tech_enablement", (2014, 1))
    # keep only counterparties some relation needs, re-numbered in order of first creation
    used = np.zeros(n_comp, dtype=bool)
    for t in (inv_tgt, te_tgt):
        used[t[t >= nf] - nf] = True
    keep = np.flatnonzero(used)
    new_id = np.full(n_comp, -1)
    new_id[keep] = np.arange(len(keep))
    comp = pd.DataFrame({"city": comp_city[keep], "name": [comp_names[k][0] for k in keep],
                         "name_en": [comp_names[k][1] for k in keep]})
    comp["id"] = [f"C{i:05d}" for i in range(1, len(comp) + 1)]
    ctx.tables["company"] = comp
    firm_ids = firms["id"].to_numpy()

    def ids(t):
        return np.where(t < nf, firm_ids[np.minimum(t, nf - 1)],
                        comp["id"].to_numpy()[np.maximum(new_id[np.maximum(t - nf, 0)], 0)])

    amount = rng.lognormal(np.log(3000), 1.3, len(inv_src))
    amount_c = np.round(amount * 100).astype(np.int64)
    amount_known = rng.random(len(inv_src)) < 0.7
    ctx.tables["investment"] = pd.DataFrame({
        "source": firm_ids[inv_src], "target": ids(inv_tgt), "date": _iso(inv_d),
        "amount": _cents_str(amount_c, amount_known)})
    ctx.tables["tech_enablement"] = pd.DataFrame({
        "source": firm_ids[te_src], "target": ids(te_tgt), "date": _iso(te_d)})


def _verify_firm_roles(ctx: _Ctx) -> None:
    """Record whether each named firm holds the rank the report gives it in its city
    (ties share the best rank), measured on the built tables."""
    firms = ctx.tables["firm"]
    nf = len(firms)
    slots, rounds = ctx.tables["financing_slots"], ctx.tables["round"]
    inv_src = pd.Index(firms["id"]).get_indexer(ctx.tables["investment"]["source"])
    measures = {
        "financing_relations": np.bincount(slots["firm"].to_numpy(), minlength=nf),
        "financing_amount": np.bincount(rounds["firm"].to_numpy(), weights=np.maximum(rounds["amount"].to_numpy(), 0),
                                        minlength=nf),
        "investment_relations": np.bincount(inv_src, minlength=nf),
    }
    city = firms["city"].to_numpy()
    for i, real in enumerate(firms["real"].tolist()):
        if real < 0:
            continue
        for role in REAL_FIRMS[real][4]:
            if role[0] != "top":
                continue
            _, ind, k = role
            m = measures[ind]
            here = m[city == city[i]]
            rank = 1 + int((here > m[i]).sum())
            ok = rank == k and m[i] > 0
            ctx.notes.append(("honoured" if ok else "not honoured",
                              f"{REAL_FIRMS[real][0]} ranks {k} in {ctx.city(city[i])['zh']} on {ind}"
                              + ("" if ok else f" (built: rank {rank}, value {m[i]:g})")))


# --------------------------------------------------------------------------------------
# foreign partners and international relations
# --------------------------------------------------------------------------------------
def _build_partners(ctx: _Ctx) -> pd.DataFrame:
    rows = [(k, zh, en, country, "company", pop) for k, zh, en, country, pop in FOREIGN_COMPANIES]
    rows += [(k, zh, en, country, "university", pop) for k, zh, en, country, pop in FOREIGN_UNIVERSITIES]
    df = pd.DataFrame(rows, columns=["key", "name", "name_en", "country", "kind", "pop"])
    df["id"] = [f"P{i:03d}" for i in range(1, len(df) + 1)]
    return df


def _relabel_favourites(part_idx: np.ndarray, mask: np.ndarray, fav: list[int], kind_ids: np.ndarray) -> np.ndarray:
    """Within the edges ``mask``, swap partner labels (a bijection on ``kind_ids``) so that
    the partners ``fav`` have the most edges, in order. Pairs stay distinct."""
    if not mask.any() or not fav:
        return part_idx
    sub = part_idx[mask]
    counts = {int(k): 0 for k in kind_ids}
    for k, c in zip(*np.unique(sub, return_counts=True)):
        counts[int(k)] = int(c)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    rest = [k for k in ranked if k not in set(fav)]
    target = list(fav) + rest
    mapping = dict(zip(ranked, target))
    part_idx = part_idx.copy()
    part_idx[mask] = np.asarray([mapping[int(k)] for k in sub])
    return part_idx


def _strict_favourites(part_idx: np.ndarray, firm_idx: np.ndarray, mask: np.ndarray, fav: list[int],
                       distinct: bool = True, region_firms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Make the partners ``fav`` strictly the most frequent within ``mask``, in that order
    (the report names *the* largest source, and ranked lists), by moving single edges from
    the strongest rival onto the favourite that is short. With ``distinct`` an edge only
    moves onto a firm without an edge to that favourite (re-homed onto another firm of
    ``region_firms`` if need be: only the region's total is calibrated), so (firm, partner)
    pairs stay distinct. Stops where the edges are too few for a strict order.
    Returns the new (partner, firm) index arrays."""
    part_idx = part_idx.copy()
    firm_idx = firm_idx.copy()
    sub = np.flatnonzero(mask)
    if len(sub) == 0:
        return part_idx, firm_idx
    for _ in range(4 * len(fav) + 4):  # lifting a later favourite can tie an earlier one again
        before = part_idx[sub].copy()
        for pos, top in enumerate(fav):
            done = set(fav[: pos + 1])
            while _lift_once(part_idx, firm_idx, sub, top, done, distinct, region_firms):
                pass
        if np.array_equal(before, part_idx[sub]):
            break
    return part_idx, firm_idx


def _lift_once(part_idx, firm_idx, sub, top, done, distinct, region_firms) -> bool:
    """Move one edge onto partner ``top`` from its strongest rival outside ``done`` if that
    rival has at least as many edges; True if an edge moved (arrays are changed in place)."""
    labels, counts = np.unique(part_idx[sub], return_counts=True)
    cnt = dict(zip(labels.tolist(), counts.tolist()))
    c_top = cnt.get(top, 0)
    rivals = sorted(((c, k) for k, c in cnt.items() if k not in done and c >= c_top), key=lambda t: (-t[0], t[1]))
    if not rivals:
        return False
    has_top = set(firm_idx[sub][part_idx[sub] == top].tolist()) if distinct else set()
    for _, rival in rivals:
        edges = [e for e in sub.tolist() if part_idx[e] == rival]
        cand = [e for e in edges if firm_idx[e] not in has_top]
        if cand:
            part_idx[cand[0]] = top
            return True
        spare = [f for f in (region_firms.tolist() if region_firms is not None else []) if f not in has_top]
        if edges and spare:
            part_idx[edges[0]] = top
            firm_idx[edges[0]] = spare[0]
            return True
    return False


def _build_intl(ctx: _Ctx) -> None:
    rng = _rng(ctx.seed, "international")
    firms = ctx.tables["firm"]
    partners = ctx.tables["foreign_partner"]
    key_idx = {k: i for i, k in enumerate(partners["key"])}
    comp_ids = np.flatnonzero(partners["kind"].to_numpy() == "company")
    univ_ids = np.flatnonzero(partners["kind"].to_numpy() == "university")
    pop = partners["pop"].to_numpy(dtype=float)
    firm_city = firms["city"].to_numpy()
    prov_of = ctx.cities["province_code"].to_dict()
    firm_prov = np.asarray([prov_of[c] for c in firm_city], dtype=object)
    lay_w = lambda df: df["layer"].map({"basic": 3.0, "technology": 2.5, "application": 1.0}).to_numpy()
    specs = (
        ("intl_tech_input", "intl_tech_input_relations", "both", True, (2012, 1)),
        ("intl_tech_enablement", "intl_tech_enablement_relations", "company", True, (2014, 1)),
        ("study_experience", "intl_study_experience", "university", False, (1990, 1)),
        ("work_experience", "intl_work_experience", "company", False, (1995, 1)),
    )
    for table, col, kinds, distinct, start in specs:
        deg = _out_degrees(ctx, rng, col, lay_w, active_share=0.5)
        fsrc = np.repeat(np.arange(len(firms)), deg)
        ids = {"both": np.arange(len(partners)), "company": comp_ids, "university": univ_ids}[kinds]
        p = pop[ids] * (np.where(partners["kind"].to_numpy()[ids] == "university", 0.25, 1.0) if kinds == "both" else 1.0)
        pi = ids[_draw_targets(rng, fsrc, len(ids), p / p.sum(), forbid=None, distinct=distinct)]
        # the report's named leading partners, per city (or province without city lists)
        city_lists = {c: fav for (c, t), fav in FAVOURITES.items() if t == table}
        for region, fav in sorted(city_lists.items()):
            favi = [key_idx[k] for k in fav if key_idx[k] in set(ids.tolist())]
            if region in ctx.provinces.index and ctx.provinces.at[region, "capital_code"] != region:
                mask = firm_prov[fsrc] == region
            else:
                mask = firm_city[fsrc] == region
            pi = _relabel_favourites(pi, mask, favi, ids)
            region_firms = np.flatnonzero(firm_prov == region) if region in ctx.provinces.index and \
                ctx.provinces.at[region, "capital_code"] != region else np.flatnonzero(firm_city == region)
            pi, fsrc = _strict_favourites(pi, fsrc, mask, favi, distinct=distinct, region_firms=region_firms)
        cols: dict = {}
        if table in ("study_experience", "work_experience"):
            persons = [N.person_name(rng)[0] for _ in range(len(fsrc))]  # people may share a name
            lo = 1990 if table == "study_experience" else 1995
            year = rng.integers(lo, 2021, len(fsrc))
            cols = {"person": persons, "year": _int_str(year)}
        else:
            d = _dates(rng, len(fsrc), _dt.date(start[0], 1, 1), _CUTOFF, skew=1.6,
                       after=firms["founded_ord"].to_numpy()[fsrc])
            cols = {"date": _iso(d)}
        f_ids = firms["id"].to_numpy()[fsrc]
        p_ids = partners["id"].to_numpy()[pi]
        if table == "intl_tech_input":
            df = pd.DataFrame({"source": p_ids, "target": f_ids, **cols})
        else:
            df = pd.DataFrame({"source": f_ids, "target": p_ids, **cols})
        ctx.tables[table] = df
        for region, fav in sorted(city_lists.items()):
            if region in ctx.provinces.index and ctx.provinces.at[region, "capital_code"] != region:
                mask = firm_prov[fsrc] == region
                where = ctx.provinces.at[region, "zh"]
            else:
                mask = firm_city[fsrc] == region
                where = ctx.city(region)["zh"]
            labels, counts = np.unique(pi[mask], return_counts=True)
            top = key_idx[fav[0]]
            c_top = int(counts[labels == top].sum())
            strict = c_top > 0 and (counts[labels != top] < c_top).all()
            ctx.notes.append(("honoured" if strict else "not honoured",
                              f"{partners.at[top, 'name']} ({partners.at[top, 'name_en']}) leads {where}'s "
                              f"{_TABLE_ZH[table]} ({c_top})"))


# --------------------------------------------------------------------------------------
# linkers and government
# --------------------------------------------------------------------------------------
# Published "how many of them are from year Y" figures: (quantity, node table, year).
_YEAR_QUOTAS = (
    ("alliance_count_new_2020", "alliance", 2020),
    ("park_count_new_2020", "park", 2020),
    ("park_count_increase_vs_2020", "park", 2020),
    ("policy_count_issued_2019", "policy", 2019),
)


def _year_quotas(ctx: _Ctx, kind: str) -> dict[str, tuple[int, int]]:
    """city -> (year, number of the city's ``kind`` nodes dated in that year), spreading the
    report's province figures (e.g. Tianjin's 11 parks newly planned in 2020) over the
    province's cities in proportion to their counts. Every other node of such a province
    is dated before that year."""
    zh_to_prov = {z: c for c, z in ctx.provinces["zh"].items()}
    col = _NODE_COUNT_COLUMN[kind]
    v = ctx.values
    out: dict[str, tuple[int, int]] = {}
    for quantity, table, year in _YEAR_QUOTAS:
        if table != kind:
            continue
        rows = ctx.published[(ctx.published["quantity"] == quantity) & (ctx.published["region_level"] == "province")]
        for r in rows.itertuples(index=False):
            p = zh_to_prov.get(r.region_zh)
            members = v[v["province_code"] == p]
            counts = members[col].to_numpy(dtype=np.int64)
            want = int(float(r.value))
            if counts.sum() < want:
                ctx.notes.append(("not honoured", f"{r.region_zh} {want} {_TABLE_ZH[kind]} in {year}: "
                                  f"only {int(counts.sum())} in the values"))
                want = int(counts.sum())
            else:
                ctx.notes.append(("honoured", f"{r.region_zh}: {want} {_TABLE_ZH[kind]} dated {year}"))
            alloc = _split(want, counts.astype(float), cap=None)
            alloc = np.minimum(alloc, counts)
            short = want - int(alloc.sum())
            for i in np.argsort(-(counts - alloc), kind="stable"):  # top up where room is left
                if short == 0:
                    break
                add = min(short, int(counts[i] - alloc[i]))
                alloc[i] += add
                short -= add
            for c, q in zip(members["city_code"], alloc):
                out[c] = (year, int(q))
    return out


def _build_places(ctx: _Ctx, kind: str) -> pd.DataFrame:
    rng = _rng(ctx.seed, kind)
    col = _NODE_COUNT_COLUMN[kind]
    prefix = {"conference": "M", "alliance": "A", "policy": "L", "park": "K"}[kind]
    quotas = _year_quotas(ctx, kind)
    start = {"conference": _dt.date(2013, 1, 1), "policy": _dt.date(2013, 1, 1),
             "alliance": _dt.date(2010, 1, 1), "park": _dt.date(2003, 1, 1)}[kind]
    end = _CUTOFF_2019 if kind in ("conference", "policy") else _CUTOFF
    skew = {"conference": 2.2, "policy": 2.2, "alliance": 2.0, "park": 1.8}[kind]
    pool = N.NamePool()
    rows = []
    for r in ctx.values.itertuples(index=False):
        n = int(getattr(r, col))
        if n == 0:
            continue
        c = ctx.city(r.city_code)
        prov = ctx.provinces.loc[c["province_code"]]
        is_capital = prov["capital_code"] == r.city_code and prov["municipality"] != "true"
        if r.city_code in quotas:
            year, q = quotas[r.city_code]
            d = np.concatenate([
                _dates(rng, q, _dt.date(year, 1, 1), _dt.date(year, 12, 31)),
                _dates(rng, n - q, start, _dt.date(year - 1, 12, 31), skew=skew)])
        else:
            d = _dates(rng, n, start, end, skew=skew)
        for j in range(n):
            year = _dt.date.fromordinal(int(d[j])).year
            issuer = prov["zh"] if is_capital and rng.random() < 0.5 else c["zh"]
            if kind == "conference":
                zh, en = pool.take(lambda: N.conference_name(rng, c["short_zh"], year))
            elif kind == "policy":
                zh, en = pool.take(lambda: N.policy_name(rng, issuer, year))
            elif kind == "alliance":
                zh, en = pool.take(lambda: N.alliance_name(rng, issuer))
            else:
                zh, en = pool.take(lambda: N.park_name(rng, c["short_zh"]))
            rows.append((r.city_code, zh, en, int(d[j])))
    df = pd.DataFrame(rows, columns=["city", "name", "name_en", "date_ord"])
    df["id"] = [f"{prefix}{i:04d}" for i in range(1, len(df) + 1)]
    return df


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def _node_frames(ctx: _Ctx) -> dict[str, pd.DataFrame]:
    t = ctx.tables
    out = {}

    def place(df):
        return ctx.place_cols(df["city"].tolist())

    f = t["firm"]
    pz, cz = place(f)
    out["firm"] = pd.DataFrame({
        "id": f["id"], "name": f["name"], "name_en": f["name_en"], "province": pz, "city": cz,
        "founded": _iso(f["founded_ord"].to_numpy()), "layer": f["layer"],
        "valuation": _cents_str(f["val_cents"].to_numpy(), f["val_known"].to_numpy()),
        "patents": _int_str(f["patents_v"].to_numpy(), f["pat_known"].to_numpy())})
    i = t["investor"]
    pz, cz = place(i)
    out["investor"] = pd.DataFrame({"id": i["id"], "name": i["name"], "name_en": i["name_en"],
                                    "province": pz, "city": cz, "kind": i["kind"]})
    for kind in ("university", "institute"):
        a = t[kind]
        pz, cz = place(a)
        out[kind] = pd.DataFrame({
            "id": a["id"], "name": a["name"], "name_en": a["name_en"], "province": pz, "city": cz,
            "domestic_papers": _int_str(a["dp"].to_numpy(), a["dp_k"].to_numpy()),
            "intl_papers": _int_str(a["ip"].to_numpy(), a["ip_k"].to_numpy()),
            "patents": _int_str(a["pt"].to_numpy(), a["pt_k"].to_numpy())})
    p = t["foreign_partner"]
    out["foreign_partner"] = p[["id", "name", "name_en", "country", "kind"]].copy()
    c = t["company"]
    pz, cz = place(c)
    out["company"] = pd.DataFrame({"id": c["id"], "name": c["name"], "name_en": c["name_en"],
                                   "province": pz, "city": cz})
    for kind, datecol in (("conference", "date"), ("alliance", "founded"), ("policy", "date"), ("park", "founded")):
        d = t[kind]
        pz, cz = place(d)
        out[kind] = pd.DataFrame({"id": d["id"], "name": d["name"], "name_en": d["name_en"],
                                  "province": pz, "city": cz, datecol: _iso(d["date_ord"].to_numpy())})
    return out


def _edge_frames(ctx: _Ctx) -> dict[str, pd.DataFrame]:
    t = ctx.tables
    firms = t["firm"]
    rd = t["round"]
    r_ids = np.asarray([f"R{k:06d}" for k in range(1, len(rd) + 1)], dtype=object)
    out = {}
    out["round"] = pd.DataFrame({
        "id": r_ids, "firm": firms["id"].to_numpy()[rd["firm"].to_numpy()], "round": rd["round"],
        "date": _iso(rd["date_ord"].to_numpy()),
        "amount": _cents_str(np.maximum(rd["amount"].to_numpy(), 0), rd["amount"].to_numpy() >= 0)})
    fin = t["financing_slots"]
    out["financing"] = pd.DataFrame({
        "source": t["investor"]["id"].to_numpy()[fin["inv"].to_numpy()],
        "target": firms["id"].to_numpy()[fin["firm"].to_numpy()],
        "round_id": r_ids[fin["r"].to_numpy()],
        "date": _iso(rd["date_ord"].to_numpy()[fin["r"].to_numpy()])})
    for k in ("investment", "tech_enablement", "intl_tech_input", "intl_tech_enablement",
              "study_experience", "work_experience"):
        out[k] = t[k]
    return out


def _sorted(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    df = df.reindex(columns=columns)
    keys = [c for c in ("id", "source", "target", "round_id", "date", "year", "person") if c in df.columns]
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _schema_columns() -> dict[str, list[str]]:
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    cols = {k: [c.name for c in t.columns] for k, t in NODE_TYPES.items()}
    cols.update({k: [c.name for c in t.columns] for k, t in EDGE_TYPES.items()})
    return cols


def is_sample_dir(path: str | Path) -> bool:
    """True if ``path`` is absent, empty, or a folder this builder wrote (it has our manifest)."""
    path = Path(path)
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    if not any(path.iterdir()):
        return True
    m = path / MANIFEST
    if not m.exists():
        return False
    try:
        return json.loads(m.read_text(encoding="utf-8")).get("generator") == _GENERATOR
    except (OSError, ValueError):
        return False


_TABLE_ZH = {
    "firm": "人工智能企业", "investor": "投资者", "university": "AI 大学", "institute": "非大学科研机构",
    "foreign_partner": "国外合作方", "company": "其他企业（交易对手）", "conference": "会议", "alliance": "产业联盟",
    "policy": "政策", "park": "产业园区", "round": "融资轮次", "financing": "融资关系", "investment": "投资关系",
    "tech_enablement": "技术赋能关系", "intl_tech_input": "国际技术输入关系", "intl_tech_enablement": "国际技术赋能关系",
    "study_experience": "前期国际学习经验", "work_experience": "前期国际工作经验",
}


def _readme(rows: dict[str, int], seed: int, values_rel: str, digest: str, notes: list) -> str:
    """The sample's README: what it is (synthetic), how it was made, what it reproduces."""
    node_order = ["firm", "investor", "university", "institute", "foreign_partner", "company",
                  "conference", "alliance", "policy", "park"]
    edge_order = ["round", "financing", "investment", "tech_enablement", "intl_tech_input",
                  "intl_tech_enablement", "study_experience", "work_experience"]
    lines = [
        "# The bundled sample dataset — SYNTHETIC",
        "",
        "**This dataset is synthetic.** It is not the report's underlying records: the database of",
        "2,205 AI firms and their relations behind *China's New Generation AI Technology Industry",
        "Regional Competitiveness Evaluation Index (2021)* is proprietary and is not distributed here.",
        "Every firm, round, amount, date and relation below was generated by a program; where a real",
        "name appears (a university, a foreign partner, a firm or investor the report names), only the",
        "name is real — its numbers and relations in this folder are made up to fit the report's",
        "published aggregates, and say nothing about the real organisation.",
        "",
        "## How it was made",
        "",
        "```",
        f"graphkit sample build --seed {seed}",
        "```",
        "",
        "1. The calibration (`python -m graphkit.sample.calibrate`) solves for per-city indicator",
        "   values — counts, sums and valid-sample sizes — such that the ordinary scoring pipeline",
        "   reproduces the report's published scores and ranks, and writes them to",
        f"   `{values_rel}` (sha256 `{digest[:16]}…`).",
        "2. The builder (`graphkit/sample/build.py`) realises those values as nodes and edges:",
        "   aggregating these tables gives back every value of that file exactly. Everything the",
        "   index does not see — names (from word lists), dates (up to December 2020; conferences",
        "   and policies up to December 2019), rounds and co-investors, counterparties, foreign",
        "   partners — is drawn from a random stream seeded with the seed above. The same seed",
        "   gives byte-identical files.",
        "",
        "## What it reproduces",
        "",
        "Scored with the ordinary pipeline (`graphkit score`, nothing in it knows the report's",
        "numbers), the sample is calibrated to reproduce the report's published figures",
        "(`data/reference/`):",
        "",
        "- the 31 provinces' totals and every published tier-1 and tier-2 score (±0.05) and the",
        "  total and tier-1 ranks of Table 3;",
        "- the four economic circles' scores and ranks (Tables 4-11);",
        "- the provinces' tier-2 and tier-3 ranks (Tables 12-42), except where the report",
        "  contradicts itself (the check names each case and the side it follows);",
        "- the city index: the five published city scores; the ranks of Tables 43-48 only in part",
        "  (`graphkit sample check` counts them; docs/sample_calibration.md says why);",
        "- the absolute counts and shares the narrative states, wherever they agree with the",
        "  published ranks and scores.",
        "",
        "How far it actually does, figure by figure — published and reproduced side by side, with",
        "the share that matches and the reason for every difference:",
        "",
        "```",
        "graphkit sample check",
        "graphkit sample check --region Chengdu --kind city_rank --kind city_detail_rank",
        "```",
        "",
        "For a missed city rank the reason is measured: the least amount of one indicator that,",
        "moved between the city and another city of its province, would put the city at its",
        "published rank, and the published figures that move would lose (or the nearest rank such a",
        "move reaches). For a rank of Table 43 it also says when no scores of the city's own could",
        "hold its whole row, with every other city's scores as they are.",
        "",
        "The report's sample sizes are exact: 2,205 firms, 3,741 investors, 295 AI universities,",
        "123 research institutes, 1,708 conferences, 444 alliances, 577 policies and 1,073 parks.",
        "The named facts of the report that the builder realises (IDG Capital's 82 Beijing",
        "portfolio firms, Haier's patents, Intel as Beijing's largest source of technology input …)",
        "are listed with their status in `manifest.json` (`named_facts`).",
        "",
        "## Files",
        "",
        "| file | contents | rows |",
        "|---|---|---:|",
    ]
    for k in node_order:
        lines.append(f"| `nodes/{k}.csv` | {_TABLE_ZH[k]} ({k.replace('_', ' ')}) | {rows.get(k, 0):,} |")
    for k in edge_order:
        lines.append(f"| `edges/{k}.csv` | {_TABLE_ZH[k]} ({k.replace('_', ' ')}) | {rows.get(k, 0):,} |")
    lines += [
        "| `manifest.json` | seed, values file and its hash, row counts, status of the report's named facts | |",
        "",
        "## How the relations are laid out",
        "",
        "- A financing round (`edges/round.csv`) belongs to one firm and carries the round's amount",
        "  once; each co-investor of the round is one row of `edges/financing.csv` (its `round_id`),",
        "  so a region's financing relations count investor participations and its financing amount",
        "  sums rounds, never investor rows.",
        "- Investment and technology-enablement relations go from a sample firm to another sample",
        "  firm or to a domestic counterparty (`nodes/company.csv`, only those some relation needs).",
        "- International relations link firms with real foreign companies and universities",
        "  (`nodes/foreign_partner.csv`); prior study and work experiences name a (synthetic) person.",
        "- Investors and counterparties are placed only in cities that hold some of the report's",
        "  entities, so they never add an empty city to the city-level index.",
        "",
        "Columns follow `docs/schema.md`. Places are written as Chinese names (`广东省`, `深圳市`);",
        "amounts and valuations are in CNY 10,000 (万元) with two decimals; an empty cell is a",
        "missing value (outside the valid sample of a mean indicator, or an undisclosed round).",
        "Do not edit these files by hand: rebuild them (`graphkit sample build`).",
        "",
    ]
    if values_rel != DEFAULT_VALUES.relative_to(_ROOT).as_posix():
        lines.insert(2, f"> **Provisional build:** made from `{values_rel}`, not from the committed calibration "
                        "(graphkit/sample/calibrated/city_values.csv); its scores are not the report's.\n")
    missed = [t for st, t in notes if st == "not honoured"]
    honoured = sum(1 for st, _ in notes if st == "honoured")
    extra = []
    if notes:
        extra = [f"Of these facts, {honoured} of {honoured + len(missed)} hold in this build."]
        if missed:
            extra += ["The per-city values leave no room for:", ""] + [f"- {t}" for t in missed]
        extra.append("")
    at = lines.index("## Files")
    lines[at:at] = extra
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# the builder
# --------------------------------------------------------------------------------------
def build_sample(out_dir: str | Path | None = None, seed: int = 2021, values_path: str | Path | None = None,
                 progress: bool = True) -> dict:
    """Build the synthetic sample dataset into ``out_dir`` (default: the bundled data/sample/).

    Reads the per-city values (default graphkit/sample/calibrated/city_values.csv) and writes
    ``nodes/*.csv``, ``edges/*.csv``, ``README.md`` and ``manifest.json`` into a temporary
    folder beside ``out_dir`` that then replaces it, so a failed build leaves the old sample
    intact. Returns a summary: ``{"out", "seed", "values", "rows": {table: n}, "notes":
    [(status, text)], "seconds"}``.
    """
    from graphkit.atomic import atomic_dir

    t0 = time.perf_counter()
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    values_path = Path(values_path) if values_path is not None else DEFAULT_VALUES

    def say(msg):
        if progress:
            print(f"[{time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr)

    values = read_values(values_path)
    cities, provinces = _load_regions()
    unknown = sorted(set(values["city_code"]) - set(cities.index))
    if unknown:
        raise DataError([Problem("unknown city code (not in data/regions/cities.csv)", file=str(values_path),
                                 column="city_code", value=c) for c in unknown])
    ctx = _Ctx(seed=seed, values=values, cities=cities, provinces=provinces, published=_read_published())
    say(f"values: {len(values)} cities from {values_path}")
    for table, col in _NODE_COUNT_COLUMN.items():
        total = int(values[col].sum())
        if total != SAMPLE_SIZES[table]:
            ctx.notes.append(("not honoured", f"sample size of {table}: the values give {total:,}, "
                                              f"the report {SAMPLE_SIZES[table]:,}"))
    ctx.tables["firm"] = _build_firms(ctx)
    ctx.tables["university"] = _build_academic(ctx, "university")
    ctx.tables["institute"] = _build_academic(ctx, "institute")
    ctx.tables["investor"] = _build_investors(ctx)
    say("nodes: firms, universities, institutes, investors")
    rounds, slots = _build_financing(ctx)
    ctx.tables["round"], ctx.tables["financing_slots"] = rounds, slots
    say(f"financing: {len(rounds)} rounds, {len(slots)} investor participations")
    _build_companies_and_firm_edges(ctx)
    say("investment and technology-enablement relations")
    _verify_firm_roles(ctx)
    ctx.tables["foreign_partner"] = _build_partners(ctx)
    _build_intl(ctx)
    say("international relations")
    for kind in ("conference", "alliance", "policy", "park"):
        ctx.tables[kind] = _build_places(ctx, kind)
    say("conferences, alliances, policies, parks")

    columns = _schema_columns()
    frames = {("nodes", k): _sorted(v, columns[k]) for k, v in _node_frames(ctx).items()}
    frames.update({("edges", k): _sorted(v, columns[k]) for k, v in _edge_frames(ctx).items()})
    rows = {k: len(v) for (_, k), v in frames.items()}
    digest = hashlib.sha256(values_path.read_bytes()).hexdigest()
    try:
        values_rel = values_path.resolve().relative_to(_ROOT).as_posix()
    except ValueError:
        values_rel = values_path.name
    notes = sorted(set(ctx.notes), key=lambda t: (t[0], t[1]))
    manifest = {
        "generator": _GENERATOR,
        "synthetic": True,
        "seed": seed,
        "values": values_rel,
        "values_sha256": digest,
        "rows": dict(sorted(rows.items())),
        "named_facts": [{"status": s, "fact": f} for s, f in notes],
    }
    with atomic_dir(out_dir) as tmp:
        for (folder, k), df in sorted(frames.items()):
            (tmp / folder).mkdir(exist_ok=True)
            _write_csv(df, tmp / folder / f"{k}.csv")
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(_readme(rows, seed, values_rel, digest, notes), encoding="utf-8")
    say(f"wrote {out_dir}")
    return {"out": str(out_dir), "seed": seed, "values": str(values_path), "rows": rows,
            "notes": notes, "seconds": round(time.perf_counter() - t0, 2)}
