"""City stage of the calibration: split each province's solved values over its cities.

The province totals are held exactly (counts, amounts to the cent, mean sums and valid
samples). Published city figures (Shenzhen's 308 firms, Hangzhou's 46 parks, ...) are placed
first; the rest of a province is spread over its hub cities (the report's top-20 cities and
the capital) and, for parks and policies, over further cities of the province, so that the
city index sees many small cities behind the hubs. Edges located at a city go only to cities
that have firms; basic/technology-layer firms never exceed a city's firms.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphkit.sample.calib_province import COUNT_SCALE, MEAN_BASE, MEAN_SCALE
from graphkit.sample.calib_targets import Targets

__all__ = ["CITY_FIXED", "HUB_WEIGHT", "split_cities", "largest_remainder"]

#: Published city figures (published_counts.csv, city rows), held where the province total allows.
CITY_FIXED: dict[str, dict[str, int]] = {
    "Shenzhen": {"firm_count": 308, "basic_tech_firm_count": 33, "tech_enablement_relations": 12719,
                 "alliance_count": 35, "park_count": 76},
    "Hangzhou": {"firm_count": 169, "basic_tech_firm_count": 24, "tech_enablement_relations": 5290,
                 "univ_count": 9, "alliance_count": 20, "park_count": 46},
    "Guangzhou": {"firm_count": 189, "basic_tech_firm_count": 18, "tech_enablement_relations": 2240,
                  "univ_count": 9, "alliance_count": 23, "park_count": 47},
    "Nanjing": {"firm_count": 53, "basic_tech_firm_count": 9, "tech_enablement_relations": 755,
                "univ_count": 15, "inst_count": 2, "alliance_count": 10, "park_count": 40},
    "Chengdu": {"firm_count": 55, "basic_tech_firm_count": 7, "tech_enablement_relations": 515,
                "univ_count": 15, "alliance_count": 13, "park_count": 19},
    "Hefei": {"park_count": 13},
    "Ma'anshan": {"park_count": 6},
    "Wuhu": {"park_count": 5},
    "Suzhou": {"alliance_count": 10},
}

#: Relative weight of a hub city when the rest of its province is shared out.
HUB_WEIGHT = {"capital": 3.0, "top20": 4.0, "other": 1.0}

_FIRM_EDGES = ["tech_enablement_relations", "financing_relations", "investment_relations",
               "intl_study_experience", "intl_work_experience", "intl_tech_input_relations",
               "intl_tech_enablement_relations"]


def largest_remainder(total: int, weights) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (ties to the earlier item)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=int)
    q = total * w / w.sum()
    base = np.floor(q).astype(int)
    rest = total - int(base.sum())
    order = sorted(range(len(w)), key=lambda i: (-(q[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def _city_lists(t: Targets) -> dict:
    """Per province code: (hub city codes, further city codes), deterministic."""
    top = t.city_top20
    cities = t.cities
    named = {}
    for r in top.itertuples():
        hit = cities[cities.zh == r.city_zh]
        named[r.city_en] = hit.code.iloc[0]
    for name in ("Ma'anshan", "Wuhu"):
        named[name] = cities[(cities.en == name)].code.iloc[0]
    capital = dict(zip(t.provinces.code, t.provinces.capital_code))
    out = {}
    for pc in t.provinces.code:
        own = cities[cities.province_code == pc].code.tolist()
        if len(own) == 1 or pc in own:
            out[pc] = ([pc], [])
            continue
        hubs = [capital[pc]] + [c for c in named.values() if c in own and c != capital[pc]]
        hubs = list(dict.fromkeys(hubs))
        rest = [c for c in own if c not in hubs]
        out[pc] = (hubs, rest)
    return out, named


def split_cities(t: Targets, prov: pd.DataFrame) -> pd.DataFrame:
    """Return city_values rows (one per city with any entity) from the province values."""
    lists, named = _city_lists(t)
    code_named = {v: k for k, v in named.items()}
    top20 = set(named[c] for c in t.city_top20.city_en)
    rows = []
    for pname, pv in prov.iterrows():
        pc = pv.province_code
        hubs, rest = lists[pc]
        cities = hubs + rest
        wt = np.array([HUB_WEIGHT["top20"] if c in top20 else HUB_WEIGHT["capital"] if i == 0 else HUB_WEIGHT["other"]
                       for i, c in enumerate(hubs)] + [0.0] * len(rest))
        vals = {c: {} for c in cities}

        def place(code, weights, eligible=None):
            total = int(pv[code])
            fixed = {c: CITY_FIXED.get(code_named.get(c, ""), {}).get(code) for c in cities}
            fixed = {c: v for c, v in fixed.items() if v is not None}
            if sum(fixed.values()) > total:  # published city figure above the province's: scale down
                fixed = dict(zip(fixed, largest_remainder(total, list(fixed.values()))))
            free = total - sum(fixed.values())
            w = np.array([0.0 if c in fixed else weights[i] for i, c in enumerate(cities)])
            if eligible is not None:
                w = w * np.array([1.0 if eligible(c) else 0.0 for c in cities])
            if free > 0 and w.sum() == 0:
                w = np.array([0.0 if c in fixed else 1.0 for c in cities]) * (
                    np.array([1.0 if eligible(c) else 0.0 for c in cities]) if eligible else 1.0)
            if free > 0 and w.sum() == 0:  # only fixed cities are eligible: add to them
                w = np.array([1.0 if c in fixed else 0.0 for c in cities])
            share = largest_remainder(free, w)
            for i, c in enumerate(cities):
                vals[c][code] = int(fixed.get(c, 0) + share[i])

        place("firm_count", wt)
        has_firm = lambda c: vals[c]["firm_count"] > 0  # noqa: E731
        place("basic_tech_firm_count", [vals[c]["firm_count"] for c in cities])
        for c in cities:  # never more basic/tech firms than firms
            over = vals[c]["basic_tech_firm_count"] - vals[c]["firm_count"]
            if over > 0:
                vals[c]["basic_tech_firm_count"] -= over
                tgt = next(d for d in cities if vals[d]["firm_count"] > vals[d]["basic_tech_firm_count"])
                vals[tgt]["basic_tech_firm_count"] += over
        for code in _FIRM_EDGES:
            place(code, [vals[c]["firm_count"] for c in cities], eligible=has_firm)
        for code in ("univ_count", "inst_count", "alliance_count", "conference_count"):
            place(code, wt)
        # parks and policies reach beyond the hubs: every further city gets a share
        spread = np.where(wt > 0, wt, 0.5)
        place("park_count", spread)
        place("policy_count", wt)
        # financing amount follows financing relations; cents kept exact
        rel = np.array([vals[c]["financing_relations"] for c in cities], dtype=float)
        cents = largest_remainder(int(round(pv["financing_amount"] * 100)), rel)
        for i, c in enumerate(cities):
            vals[c]["financing_amount"] = cents[i] / 100.0
        # means: n = the city's count; sums split so the city mean is the province mean
        for j, base in MEAN_BASE.items():
            n_tot = int(pv[f"{j}__n"])
            ns = np.array([vals[c][base] for c in cities]) if n_tot == int(pv[base]) else largest_remainder(
                n_tot, [vals[c][base] for c in cities])
            s_tot = float(pv[f"{j}__sum"])
            unit = 100 if j == "avg_valuation" else 1  # valuation sums in cents
            parts = largest_remainder(int(round(s_tot * unit)), ns)
            for i, c in enumerate(cities):
                vals[c][f"{j}__n"] = int(ns[i])
                vals[c][f"{j}__sum"] = parts[i] / unit if unit > 1 else int(parts[i])
        for c in cities:
            v = vals[c]
            if any(v.get(k, 0) for k in COUNT_SCALE) or v["financing_amount"] > 0:
                rows.append({"city_code": c, "province_code": pc, **v})
    cols = (["city_code", "province_code"] + list(COUNT_SCALE) + ["financing_amount"]
            + [f"{j}__{s}" for j in MEAN_SCALE for s in ("n", "sum")])
    df = pd.DataFrame(rows)[cols].sort_values("city_code").reset_index(drop=True)
    return df
