"""The indicator system: Table 1's tree, weights and per-indicator aggregations, read from TOML.

The engine interprets this file; nothing about the indicators is written in code. A user
copies ``data/indicators.toml``, changes it, and passes it with ``--spec``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from graphkit.errors import Problem, SpecError
from graphkit.paths import SPEC_FILE
from graphkit.schema import TABLE_TYPES

__all__ = ["Spec", "load_spec", "AGGREGATIONS"]

# The aggregation operations a tier-3 indicator may name; see graphkit.aggregate.
AGGREGATIONS = ("count", "sum", "mean")


@dataclass(frozen=True)
class Spec:
    """An indicator system: three tables (``tier1``, ``tier2``, ``tier3``) with columns
    ``code, parent, zh, en, weight`` (tier-3 also ``op, table, column, where, by``).

    Tier-3 weights are global; a tier-2 or tier-1 weight is the sum of its children's.
    """

    tier1: pd.DataFrame
    tier2: pd.DataFrame
    tier3: pd.DataFrame
    source: str = "built-in"
    meta: dict = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """Tier-3 codes in file order."""
        return list(self.tier3["code"])

    @property
    def weights(self) -> pd.Series:
        """Global tier-3 weights indexed by code."""
        return self.tier3.set_index("code")["weight"]

    def name(self, code: str, lang: str = "zh") -> str:
        """Return the Chinese (``zh``) or English (``en``) name of any indicator code, or of ``total``."""
        if code == "total":
            return "综合得分" if lang == "zh" else "Total"
        for t in (self.tier1, self.tier2, self.tier3):
            hit = t.loc[t["code"] == code, lang]
            if len(hit):
                return str(hit.iloc[0])
        raise KeyError(code)

    def path(self, code: str) -> str:
        """Return ``tier1/tier2/tier3`` for a tier-3 code (or the shorter path of a higher tier)."""
        parent = {**dict(zip(self.tier3.code, self.tier3.parent)), **dict(zip(self.tier2.code, self.tier2.parent))}
        parts = [code]
        while parts[0] in parent:
            parts.insert(0, parent[parts[0]])
        return "/".join(parts)

    def with_weights(self, weights: pd.Series | dict, source: str = "weights") -> "Spec":
        """Return a copy with tier-3 weights replaced (every tier-3 code must be given)."""
        weights = pd.Series(weights, dtype=float)
        missing = [c for c in self.codes if c not in weights.index]
        extra = [c for c in weights.index if c not in self.codes]
        if missing or extra:
            raise SpecError(f"weights must cover exactly the tier-3 codes; missing: {missing or 'none'}, unknown: {extra or 'none'}")
        t3 = self.tier3.copy()
        t3["weight"] = t3["code"].map(weights).astype(float)
        return _with_group_weights(replace(self, tier3=t3, meta={**self.meta, "weights": source}))


def _with_group_weights(spec: Spec) -> Spec:
    t2 = spec.tier2.copy()
    t2["weight"] = t2["code"].map(spec.tier3.groupby("parent")["weight"].sum()).fillna(0.0)
    t1 = spec.tier1.copy()
    t1["weight"] = t1["code"].map(t2.groupby("parent")["weight"].sum()).fillna(0.0)
    return replace(spec, tier1=t1, tier2=t2)


def _check(doc: dict, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for tier in ("tier1", "tier2", "tier3"):
        if not isinstance(doc.get(tier), list) or not doc[tier]:
            problems.append(Problem(f"needs at least one [[{tier}]] table", file=file))
    if problems:
        return problems
    seen: set[str] = set()
    parents = {"tier2": {t.get("code") for t in doc["tier1"]}, "tier3": {t.get("code") for t in doc["tier2"]}}
    for tier in ("tier1", "tier2", "tier3"):
        for i, entry in enumerate(doc[tier], start=1):
            where = f"[[{tier}]] #{i}"
            code = entry.get("code")
            need = ["code", "zh", "en"] + (["parent"] if tier != "tier1" else []) + (["weight", "op", "table"] if tier == "tier3" else [])
            for key in need:
                if key not in entry:
                    problems.append(Problem(f"{where}: missing key", file=file, column=key))
            if code in seen:
                problems.append(Problem(f"{where}: duplicate code", file=file, column="code", value=code))
            seen.add(code)
            if tier != "tier1" and "parent" in entry and entry["parent"] not in parents[tier]:
                problems.append(Problem(f"{where} ({code}): parent is not a code of the tier above", file=file, column="parent", value=entry["parent"]))
            if tier != "tier3":
                continue
            w = entry.get("weight")
            if not isinstance(w, (int, float)) or w < 0:
                problems.append(Problem(f"{where} ({code}): weight must be a non-negative number", file=file, column="weight", value=w))
            op, table = entry.get("op"), entry.get("table")
            if op is not None and op not in AGGREGATIONS:
                problems.append(Problem(f"{where} ({code}): unknown op; valid ops: {', '.join(AGGREGATIONS)}", file=file, column="op", value=op))
            if table is not None and table not in TABLE_TYPES:
                problems.append(Problem(f"{where} ({code}): unknown table; valid tables: {', '.join(TABLE_TYPES)}", file=file, column="table", value=table))
                continue
            if table is None:
                continue
            cols = {c.name for c in TABLE_TYPES[table].columns}
            if op in ("sum", "mean"):
                col = entry.get("column")
                if col is None:
                    problems.append(Problem(f"{where} ({code}): op {op!r} needs a column", file=file, column="column"))
                elif col not in cols:
                    problems.append(Problem(f"{where} ({code}): table {table!r} has no column {col!r}; columns: {', '.join(sorted(cols))}", file=file, column="column", value=col))
            for col in (entry.get("where") or {}):
                if col not in cols:
                    problems.append(Problem(f"{where} ({code}): where names unknown column of {table!r}", file=file, column="where", value=col))
            by = entry.get("by")
            if by is not None and by not in cols:
                problems.append(Problem(f"{where} ({code}): by names unknown column of {table!r}", file=file, column="by", value=by))
    used = {t["parent"] for t in doc["tier3"] if "parent" in t}
    for t in doc["tier2"]:
        if t.get("code") not in used:
            problems.append(Problem(f"tier-2 {t.get('code')!r} has no tier-3 indicators", file=file))
    return problems


def load_spec(path: str | os.PathLike | None = None) -> Spec:
    """Read and check an indicator-system file (default: the report's, ``data/indicators.toml``).

    Returns a :class:`Spec`; raises :class:`SpecError` listing every problem.
    """
    path = Path(path) if path is not None else SPEC_FILE
    file = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError([Problem("indicator file not found", file=file)]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(f"is not valid TOML: {exc}", file=file)]) from None
    problems = _check(doc, file)
    if problems:
        raise SpecError(problems)
    t1 = pd.DataFrame([{"code": t["code"], "parent": None, "zh": t["zh"], "en": t["en"]} for t in doc["tier1"]])
    t2 = pd.DataFrame([{"code": t["code"], "parent": t["parent"], "zh": t["zh"], "en": t["en"]} for t in doc["tier2"]])
    t3 = pd.DataFrame([
        {"code": t["code"], "parent": t["parent"], "zh": t["zh"], "en": t["en"], "weight": float(t["weight"]),
         "op": t["op"], "table": t["table"], "column": t.get("column"), "where": t.get("where"), "by": t.get("by")}
        for t in doc["tier3"]
    ])
    # Keep absent optional keys as None (pandas would turn them into NaN).
    for col in ("column", "where", "by"):
        t3[col] = pd.Series([t.get(col) for t in doc["tier3"]], dtype=object)
    return _with_group_weights(Spec(tier1=t1, tier2=t2, tier3=t3, source=file))
