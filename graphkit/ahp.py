"""Analytic hierarchy process: weights and consistency from pairwise judgment matrices.

The report derives its indicator weights with AHP (section 1.3.7: yaahp 12.1, judgment
matrices, consistency ratio below 0.1). This module does the same from judgments stated as
data (``data/ahp/report.toml`` reproduces the report), so an analyst can state their own
judgments, see the weights and consistency they imply, and score with them.

The maths is small pure functions over numpy arrays:

- :func:`validate_matrix` lists every problem of a matrix (shape, positivity, diagonal,
  reciprocity, Saaty scale) with its row and column;
- :func:`priority_vector` derives local weights by a method chosen by name from
  :data:`PRIORITY_METHODS` (``eigenvector``, ``geometric_mean``, ``arithmetic_mean``);
- :func:`consistency` gives λmax, CI, RI and CR, the RI read from a table chosen by name
  from :data:`RI_TABLES` (tools disagree; the default ``yaahp`` reproduces the report);
- :func:`combine_experts` merges several experts' matrices by element-wise geometric mean;
- :func:`synthesise` turns the local weights of a hierarchy of matrices into global weights.

File handling is separate: :func:`load_judgments` reads and validates a judgments file
against the indicator tree of ``data/indicators.toml``; :func:`evaluate_judgments` returns an
:class:`AHPResult` with every node's local and global weight and every matrix's consistency.

Examples
--------
>>> import numpy as np
>>> A = np.array([[1, 1/5, 1/3], [5, 1, 3], [3, 1/3, 1]])
>>> w = priority_vector(A)
>>> [round(float(x), 4) for x in w]
[0.1047, 0.637, 0.2583]
>>> c = consistency(A, w, ri="yaahp")
>>> round(float(c.cr), 4), c.ri
(0.037, 0.52)
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from graphkit.errors import JudgmentError, Problem, UsageError

__all__ = [
    "SAATY_SCALE",
    "RI_TABLES",
    "RI_SOURCES",
    "DEFAULT_RI",
    "DEFAULT_METHOD",
    "DEFAULT_JUDGMENTS",
    "DEFAULT_SPEC",
    "CR_THRESHOLD",
    "ROOT_CODE",
    "PRIORITY_METHODS",
    "Consistency",
    "Tree",
    "Matrix",
    "Judgments",
    "AHPResult",
    "parse_value",
    "validate_matrix",
    "eigenvector_priorities",
    "geometric_mean_priorities",
    "arithmetic_mean_priorities",
    "priority_vector",
    "random_index",
    "consistency",
    "combine_experts",
    "synthesise",
    "load_tree",
    "parse_judgments",
    "load_judgments",
    "evaluate_judgments",
]

_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JUDGMENTS = _ROOT / "data" / "ahp" / "report.toml"
DEFAULT_SPEC = _ROOT / "data" / "indicators.toml"
DEFAULT_METHOD = "eigenvector"
CR_THRESHOLD = 0.1
ROOT_CODE = "overall"

#: Saaty's fundamental scale: 1–9 and their reciprocals.
SAATY_SCALE: tuple[float, ...] = tuple(sorted({float(k) for k in range(1, 10)} | {1.0 / k for k in range(2, 10)}))

#: Random consistency index RI(n) by matrix order n, one table per source. Order 1 and 2
#: matrices are always consistent (RI 0, CR 0).
RI_TABLES: dict[str, dict[int, float]] = {
    # The table of the Chinese AHP literature (1000 random matrices per order) that yaahp
    # uses; RI(3) = 0.52 is the only value of it that reproduces the report's capital CR 0.0370.
    "yaahp": {1: 0.0, 2: 0.0, 3: 0.52, 4: 0.89, 5: 1.12, 6: 1.26, 7: 1.36, 8: 1.41, 9: 1.46,
              10: 1.49, 11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59},
    # Saaty (1980), The Analytic Hierarchy Process, the classic table.
    "saaty1980": {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                  10: 1.49},
    # Saaty (2005), Theory and Applications of the Analytic Network Process, p. 31 (the
    # table `ahpy` calls "saaty").
    "saaty2005": {1: 0.0, 2: 0.0, 3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40, 9: 1.45,
                  10: 1.49, 11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59},
    # Donegan & Dodd (1991), Math. Comput. Modelling 15(10):135-137 (ahpy's default "dd").
    "donegan_dodd": {1: 0.0, 2: 0.0, 3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519,
                     8: 1.3171, 9: 1.3733, 10: 1.4055, 11: 1.4213, 12: 1.4497, 13: 1.4643,
                     14: 1.4822, 15: 1.4969},
    # Alonso & Lamata (2006), Int. J. Uncertainty, Fuzziness Knowl.-Based Syst. 14(4):445-459.
    "alonso_lamata": {1: 0.0, 2: 0.0, 3: 0.5245, 4: 0.8815, 5: 1.1086, 6: 1.2479, 7: 1.3417,
                      8: 1.4056, 9: 1.4499, 10: 1.4854, 11: 1.5141, 12: 1.5365, 13: 1.5551,
                      14: 1.5713, 15: 1.5838},
}
RI_SOURCES: dict[str, str] = {
    "yaahp": "yaahp / Chinese AHP literature (RI(3)=0.52, RI(4)=0.89, RI(5)=1.12); reproduces the report",
    "saaty1980": "Saaty 1980 (RI(3)=0.58, RI(4)=0.90, RI(5)=1.12)",
    "saaty2005": "Saaty 2005 (RI(3)=0.52, RI(4)=0.89, RI(5)=1.11)",
    "donegan_dodd": "Donegan & Dodd 1991 (RI(3)=0.4914, RI(4)=0.8286)",
    "alonso_lamata": "Alonso & Lamata 2006 (RI(3)=0.5245, RI(4)=0.8815)",
}
DEFAULT_RI = "yaahp"

# Relative tolerance for a_ij·a_ji = 1 and for matching a value to the Saaty scale, so that
# hand-typed decimals such as 0.333 for 1/3 are accepted.
_TOL = 0.01


# --------------------------------------------------------------------------- matrices


def parse_value(value: object) -> float:
    """Return a judgment as a float: a number, or a string such as ``"1/5"``, ``"3"``, ``"0.2"``.

    Raises ``ValueError`` (with the offending text) when it is neither.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(Fraction(text))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"not a number or fraction: {value!r}") from None
    raise ValueError(f"not a number: {value!r}")


def _on_scale(x: float) -> bool:
    return any(abs(x - s) <= _TOL * s for s in SAATY_SCALE)


def _fmt(x: float) -> str:
    """A judgment as the user would write it: 5, 1/3, or a decimal when off the scale."""
    if x >= 1 and abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    if x < 1 and abs(1 / x - round(1 / x)) < 1e-6:
        return f"1/{int(round(1 / x))}"
    return f"{x:.4g}"


def validate_matrix(
    values: Sequence[Sequence[object]] | np.ndarray,
    items: Sequence[str] | None = None,
    *,
    name: str = "matrix",
    file: str | None = None,
    scale: str = "saaty",
) -> tuple[np.ndarray | None, list[Problem]]:
    """Check one judgment matrix; return ``(matrix, problems)``.

    The matrix must be square (of order ``len(items)`` when items are given), every entry a
    positive finite number, the diagonal 1, ``a_ji = 1/a_ij`` within 1 %, and — unless
    ``scale="free"`` — every entry on Saaty's 1–9 scale or a reciprocal. Each problem names
    the matrix and the cell (``row`` is the 1-based row, ``column`` the item of the column).
    ``matrix`` is a float array when the shape and numbers are sound (it may still have
    reciprocity or scale problems), otherwise None.
    """
    if scale not in ("saaty", "free"):
        raise UsageError(f"scale must be 'saaty' or 'free'; got {scale!r} instead.")
    problems: list[Problem] = []
    rows = [list(r) for r in values] if not isinstance(values, np.ndarray) else values.tolist()
    n = len(items) if items is not None else len(rows)
    labels = list(items) if items is not None else [str(j + 1) for j in range(n)]

    def cell(i: int, j: int) -> str:
        return f"matrix '{name}', row {i + 1} ({labels[i]}) column {j + 1} ({labels[j]})" \
            if i < len(labels) and j < len(labels) else f"matrix '{name}', row {i + 1} column {j + 1}"

    if len(rows) != n:
        problems.append(Problem(f"matrix '{name}' has {len(rows)} rows; it compares {n} items "
                                f"({', '.join(labels)}), so it needs {n} rows of {n} values",
                                file=file, value=len(rows)))
        return None, problems
    A = np.ones((n, n))
    ok = True
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            problems.append(Problem(f"matrix '{name}', row {i + 1}: a row must be a list of {n} values",
                                    file=file, row=i + 1, value=row))
            ok = False
            continue
        if len(row) != n:
            problems.append(Problem(f"matrix '{name}', row {i + 1} ({labels[i]}) has {len(row)} values; "
                                    f"the matrix is {n}×{n}, so every row needs {n}",
                                    file=file, row=i + 1, column=labels[i], value=len(row)))
            ok = False
            continue
        for j, raw in enumerate(row):
            try:
                x = parse_value(raw)
            except ValueError:
                problems.append(Problem(f"{cell(i, j)}: a judgment must be a number such as 3 or a "
                                        f"fraction such as \"1/3\"", file=file, row=i + 1,
                                        column=labels[j], value=raw))
                ok = False
                continue
            if not math.isfinite(x) or x <= 0:
                problems.append(Problem(f"{cell(i, j)}: a judgment must be positive (1 = equal "
                                        f"importance, 1/9 … 9)", file=file, row=i + 1,
                                        column=labels[j], value=raw))
                ok = False
                continue
            A[i, j] = x
    if not ok:
        return None, problems
    for i in range(n):
        if abs(A[i, i] - 1) > 1e-9:
            problems.append(Problem(f"{cell(i, i)}: the diagonal must be 1 (an item is as important "
                                    f"as itself)", file=file, row=i + 1, column=labels[i],
                                    value=_fmt(A[i, i])))
    for i in range(n):
        for j in range(i + 1, n):
            if abs(A[i, j] * A[j, i] - 1) > _TOL:
                problems.append(Problem(
                    f"{cell(j, i)}: not reciprocal; row {i + 1} column {j + 1} is {_fmt(A[i, j])}, "
                    f"so this cell must be {_fmt(1 / A[i, j])}", file=file, row=j + 1,
                    column=labels[i], value=_fmt(A[j, i])))
    if scale == "saaty":
        for i in range(n):
            for j in range(n):
                if i != j and not _on_scale(A[i, j]):
                    problems.append(Problem(
                        f"{cell(i, j)}: off Saaty's scale (1–9 or 1/2 … 1/9); use the nearest "
                        f"scale value or set scale = \"free\" in the file", file=file, row=i + 1,
                        column=labels[j], value=_fmt(A[i, j])))
    return A, problems


# --------------------------------------------------------------------------- priorities


def eigenvector_priorities(A: np.ndarray) -> np.ndarray:
    """Saaty's principal right eigenvector of ``A``, normalised to sum 1."""
    vals, vecs = np.linalg.eig(np.asarray(A, dtype=float))
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    return w / w.sum()


def geometric_mean_priorities(A: np.ndarray) -> np.ndarray:
    """Row geometric means of ``A`` normalised to sum 1 (the "root" method, 方根法)."""
    g = np.exp(np.log(np.asarray(A, dtype=float)).mean(axis=1))
    return g / g.sum()


def arithmetic_mean_priorities(A: np.ndarray) -> np.ndarray:
    """Row means of the column-normalised ``A`` (the "sum-product" method, 和积法)."""
    A = np.asarray(A, dtype=float)
    return (A / A.sum(axis=0)).mean(axis=1)


#: Priority-vector methods by name.
PRIORITY_METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "eigenvector": eigenvector_priorities,
    "geometric_mean": geometric_mean_priorities,
    "arithmetic_mean": arithmetic_mean_priorities,
}


def _method(method: str) -> Callable[[np.ndarray], np.ndarray]:
    try:
        return PRIORITY_METHODS[method]
    except KeyError:
        raise UsageError(f"method must be one of {', '.join(PRIORITY_METHODS)}; got {method!r} instead.") from None


def priority_vector(A: np.ndarray, method: str = DEFAULT_METHOD) -> np.ndarray:
    """Local weights (summing to 1) of a judgment matrix by the named method."""
    return _method(method)(A)


# --------------------------------------------------------------------------- consistency


@dataclass(frozen=True)
class Consistency:
    """λmax, CI = (λmax − n)/(n − 1), RI(n) of the named table, and CR = CI/RI (0 when n ≤ 2)."""

    n: int
    lambda_max: float
    ci: float
    ri: float
    cr: float


def random_index(n: int, table: str = DEFAULT_RI) -> float:
    """RI(n) from the named table; a ``UsageError`` names the valid tables or orders."""
    try:
        t = RI_TABLES[table]
    except KeyError:
        raise UsageError(f"RI table must be one of {', '.join(RI_TABLES)}; got {table!r} instead.") from None
    if n not in t:
        raise UsageError(f"RI table {table!r} covers matrices of order up to {max(t)}; got order {n}. "
                         f"Use a table that covers it ({', '.join(k for k, v in RI_TABLES.items() if n in v) or 'none'}).")
    return t[n]


def consistency(A: np.ndarray, w: np.ndarray | None = None, ri: str = DEFAULT_RI) -> Consistency:
    """Consistency of ``A`` given its priority vector ``w`` (the eigenvector when omitted).

    λmax is estimated as mean((A·w)ᵢ / wᵢ), which is exactly the principal eigenvalue when
    ``w`` is the principal eigenvector and the usual textbook estimate for the other methods.
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if w is None:
        w = eigenvector_priorities(A)
    lam = float(np.mean(A @ w / w)) if n else 0.0
    r = random_index(n, ri)
    if n <= 2:
        return Consistency(n, float(n), 0.0, r, 0.0)
    ci = (lam - n) / (n - 1)
    # Rounding noise can make a perfectly consistent matrix's CI a tiny negative number.
    ci = 0.0 if abs(ci) < 1e-12 else ci
    return Consistency(n, lam, ci, r, ci / r)


def combine_experts(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise geometric mean of several experts' matrices (keeps reciprocity)."""
    stack = np.stack([np.asarray(m, dtype=float) for m in matrices])
    return np.exp(np.log(stack).mean(axis=0))


def synthesise(local: Mapping[str, Mapping[str, float]], root: str = ROOT_CODE) -> dict[str, float]:
    """Global weights from local ones: ``local[matrix][item]`` is an item's weight within the
    matrix named after its ancestor; an item's global weight is its local weight times the
    global weight of that matrix's node (the root has 1). Returns item → global weight for
    every item reachable from ``root``.
    """
    out: dict[str, float] = {root: 1.0}
    pending = [root]
    while pending:
        node = pending.pop()
        for item, w in local.get(node, {}).items():
            out[item] = out[node] * w
            pending.append(item)
    out.pop(root)
    return out


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Tree:
    """The indicator tree of ``data/indicators.toml``: codes, tiers, parents, names."""

    codes: tuple[str, ...]  # tier 1, then tier 2, then tier 3, in file order
    tier: dict[str, int]
    parent: dict[str, str]  # tier-1 nodes have parent "overall"
    zh: dict[str, str]
    en: dict[str, str]

    def children(self, code: str) -> list[str]:
        """Direct children of ``code`` ("overall" for the tier-1 nodes), in file order."""
        return [c for c in self.codes if self.parent[c] == code]

    def leaves(self, code: str) -> list[str]:
        """Tier-3 descendants of ``code`` (itself if it is tier 3), in file order."""
        if code != ROOT_CODE and self.tier[code] == 3:
            return [code]
        return [leaf for c in self.children(code) for leaf in self.leaves(c)]

    def walk(self, code: str = ROOT_CODE) -> list[str]:
        """Every code below ``code`` depth-first (a tier-1 code, its tier-2 codes each followed by
        their tier-3 codes, then the next tier-1 code): the order in which a tree reads."""
        return [c for child in self.children(code) for c in (child, *self.walk(child))]

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, … up to and including "overall"."""
        out = []
        while code != ROOT_CODE:
            code = self.parent[code]
            out.append(code)
        return out


def _read_toml(path: Path, what: str) -> dict:
    """Return the parsed TOML document at ``path``; a missing or malformed file is a user error."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise JudgmentError([Problem(f"not valid TOML: {exc}", file=str(path))]) from None


def load_tree(path: str | Path | None = None) -> Tree:
    """Read the indicator tree (not the weights) from an indicator file (default data/indicators.toml)."""
    path = Path(path) if path else DEFAULT_SPEC
    doc = _read_toml(path, "indicator file")
    codes, tier, parent, zh, en = [], {}, {}, {}, {}
    for t in (1, 2, 3):
        for entry in doc.get(f"tier{t}", []):
            c = entry["code"]
            codes.append(c)
            tier[c] = t
            parent[c] = entry.get("parent", ROOT_CODE) if t > 1 else ROOT_CODE
            zh[c] = entry.get("zh", c)
            en[c] = entry.get("en", c)
    zh[ROOT_CODE], en[ROOT_CODE] = "区域竞争力", "Regional competitiveness"
    return Tree(tuple(codes), tier, parent, zh, en)


# --------------------------------------------------------------------------- judgments files


@dataclass(frozen=True)
class Matrix:
    """One judgment matrix: the node it belongs to, the items it compares, its values.

    ``experts`` holds each expert's matrix when several were given; ``values`` is then their
    element-wise geometric mean.
    """

    name: str
    items: tuple[str, ...]
    values: np.ndarray
    experts: tuple[np.ndarray, ...] = ()
    note: str = ""
    published_cr: float | None = None  # a reference CR the file records, shown next to ours


@dataclass(frozen=True)
class Judgments:
    """A validated judgments file: its matrices by name, the tree they refer to, and where from."""

    matrices: dict[str, Matrix]
    tree: Tree
    path: str | None = None
    title: str = ""
    scale: str = "saaty"


def parse_judgments(doc: Mapping, tree: Tree, file: str | None = None) -> Judgments:
    """Validate a parsed judgments document against ``tree``; return :class:`Judgments`.

    Collects every problem (unknown or misplaced codes, missing or duplicate matrices,
    malformed cells) and raises one :class:`JudgmentError` listing them all.
    """
    problems: list[Problem] = []
    scale = doc.get("scale", "saaty")
    if scale not in ("saaty", "free"):
        problems.append(Problem("scale must be \"saaty\" or \"free\"", file=file, column="scale", value=scale))
        scale = "saaty"
    entries = doc.get("matrix")
    if not isinstance(entries, list) or not entries:
        raise JudgmentError([Problem("no judgment matrices: add [[matrix]] tables with name, items and "
                                     "values (see data/ahp/README.md)", file=file)])
    known = set(tree.codes) | {ROOT_CODE}
    grouped: dict[str, list[tuple[int, dict]]] = {}
    for k, e in enumerate(entries, start=1):
        if not isinstance(e, dict):
            problems.append(Problem(f"[[matrix]] number {k} is not a table", file=file, value=e))
            continue
        name = e.get("name")
        if not isinstance(name, str):
            problems.append(Problem(f"[[matrix]] number {k} has no name; name it after the node whose "
                                    f"children it compares (\"overall\" for the tier-1 indicators)",
                                    file=file, column="name", value=name))
            continue
        grouped.setdefault(name, []).append((k, e))

    matrices: dict[str, Matrix] = {}
    declared: dict[str, list[str]] = {}  # matrices whose items are sound, whatever their values
    named: set[str] = set()  # matrices given under a known name (their items may be faulty)
    for name, group in grouped.items():
        if name not in known:
            problems.append(Problem(f"matrix '{name}': unknown code; a matrix is named \"overall\" or after "
                                    f"a tier-1 or tier-2 code of the indicator file", file=file,
                                    column="name", value=name))
            continue
        named.add(name)
        if name != ROOT_CODE and tree.tier[name] == 3:
            problems.append(Problem(f"matrix '{name}': a tier-3 indicator has no children to compare",
                                    file=file, column="name", value=name))
            continue
        experts = [e.get("expert") for _, e in group]
        if len(group) > 1 and (None in experts or len(set(experts)) != len(experts)):
            problems.append(Problem(f"matrix '{name}' is given {len(group)} times; give each expert's "
                                    f"copy a distinct expert = \"…\" to combine them", file=file,
                                    column="name", value=name))
            continue
        items = group[0][1].get("items")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items) or not items:
            problems.append(Problem(f"matrix '{name}': items must be a list of indicator codes",
                                    file=file, column="items", value=items))
            continue
        bad = False
        for k, e in group[1:]:
            if e.get("items") != items:
                problems.append(Problem(f"matrix '{name}', expert {e.get('expert')!r}: items differ from "
                                        f"the first expert's {items}", file=file, column="items",
                                        value=e.get("items")))
                bad = True
        for it in items:
            if it not in known or it == ROOT_CODE:
                problems.append(Problem(f"matrix '{name}': unknown item code", file=file, column="items", value=it))
                bad = True
            elif name not in tree.ancestors(it):
                problems.append(Problem(f"matrix '{name}': item '{it}' is not under '{name}' in the "
                                        f"indicator tree (its parent is '{tree.parent[it]}')",
                                        file=file, column="items", value=it))
                bad = True
        if len(set(items)) != len(items):
            dup = sorted({i for i in items if items.count(i) > 1})
            problems.append(Problem(f"matrix '{name}': items listed twice", file=file, column="items", value=dup))
            bad = True
        if bad:
            continue
        covered = [leaf for it in items for leaf in tree.leaves(it)]
        want = tree.leaves(name)
        if sorted(covered) != sorted(want):
            missing = [c for c in want if c not in covered]
            twice = sorted({c for c in covered if covered.count(c) > 1})
            what = []
            if missing:
                what.append(f"leaves out {', '.join(missing)}")
            if twice:
                what.append(f"covers {', '.join(twice)} twice (an item and its own ancestor)")
            problems.append(Problem(f"matrix '{name}' {' and '.join(what)}; its items must cover every "
                                    f"tier-3 indicator under '{name}' exactly once", file=file,
                                    column="items", value=items))
            continue
        declared[name] = list(items)
        arrays = []
        for k, e in group:
            label = name if e.get("expert") is None else f"{name}' expert '{e.get('expert')}"
            A, probs = validate_matrix(e.get("values", []), items, name=label, file=file, scale=scale)
            problems.extend(probs)
            if A is not None and not probs:
                arrays.append(A)
        if len(arrays) != len(group):
            continue
        values = arrays[0] if len(arrays) == 1 else combine_experts(arrays)
        pub = group[0][1].get("published_cr")
        if pub is not None and (isinstance(pub, bool) or not isinstance(pub, (int, float))):
            problems.append(Problem(f"matrix '{name}': published_cr must be a number", file=file,
                                    column="published_cr", value=pub))
            continue
        matrices[name] = Matrix(name, tuple(items), values, tuple(arrays) if len(arrays) > 1 else (),
                                str(group[0][1].get("note", "")), None if pub is None else float(pub))

    # Every indicator must get a weight: walking up from each tier-3 code, each node is either
    # listed in exactly one matrix, or the only child of its parent.
    if declared:
        judge: dict[str, list[str]] = {}
        for mname, mitems in declared.items():
            for it in mitems:
                judge.setdefault(it, []).append(mname)
        for it, names in judge.items():
            if len(names) > 1:
                problems.append(Problem(f"'{it}' is compared in several matrices ({', '.join(names)}); "
                                        f"keep it in one", file=file, column="items", value=it))
        reported: set[str] = set()
        for leaf in tree.leaves(ROOT_CODE):
            node = leaf
            while node != ROOT_CODE:
                if node in judge:
                    node = judge[node][0]
                    continue
                parent = tree.parent[node]
                if len(tree.children(parent)) == 1:
                    node = parent
                    continue
                # The matrix that is missing belongs to the nearest ancestor that has a weight.
                top = parent
                while top != ROOT_CODE and top not in judge:
                    top = tree.parent[top]
                # A matrix of that name whose items were refused above is already reported.
                if top not in reported and not (top in named and top not in declared):
                    reported.add(top)
                    kids = tree.children(top)
                    what = (f"its children ({', '.join(kids)}) or its tier-3 indicators "
                            if len(kids) > 1 else "its tier-3 indicators ")
                    problems.append(Problem(
                        f"no matrix gives '{node}' a weight: add a matrix named '{top}' comparing "
                        f"{what}({', '.join(tree.leaves(top))})", file=file, column="name", value=top))
                break
    if problems:
        raise JudgmentError(problems)
    return Judgments(matrices, tree, file, str(doc.get("title", "")), scale)


def load_judgments(path: str | Path | None = None, spec: str | Path | None = None) -> Judgments:
    """Read and validate a judgments TOML file (default: the report's, ``DEFAULT_JUDGMENTS``).

    ``spec`` is the indicator file whose tree the codes refer to (default data/indicators.toml).
    Raises :class:`~graphkit.errors.JudgmentError` naming the file, matrix and cell of every
    problem.
    """
    path = Path(path) if path else DEFAULT_JUDGMENTS
    tree = load_tree(spec)
    return parse_judgments(_read_toml(path, "judgments file"), tree, file=str(path))


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency implied by a set of judgments, with the parameters used.

    ``global_weights``: pandas Series of tier-3 global weights (index: tier-3 codes in file
    order, summing to 1). ``weights``: DataFrame with code, tier, parent, local_weight,
    global_weight for every node (local = global / parent's global). ``matrices``: DataFrame
    with name, n, lambda_max, ci, ri, cr per matrix. ``ri_table`` and ``method`` name what
    was used; ``judgments`` is the input.
    """

    global_weights: "object"
    weights: "object"
    matrices: "object"
    ri_table: str
    method: str
    judgments: Judgments
    local: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def inconsistent(self) -> list[str]:
        """Names of the matrices whose CR is at or above the 0.1 threshold."""
        return [r.name for r in self.matrices.itertuples() if r.cr >= CR_THRESHOLD]

    def warnings(self) -> list[str]:
        """One plain-words line per matrix with CR at or above 0.1 (empty when all pass)."""
        return [f"matrix '{r.name}' is inconsistent: CR {r.cr:.4f} is at or above 0.1 (RI table "
                f"{self.ri_table}), so its pairwise judgments contradict each other too much to trust "
                f"its weights; revise them" for r in self.matrices.itertuples() if r.cr >= CR_THRESHOLD]

    def __str__(self) -> str:
        worst = self.matrices["cr"].max() if len(self.matrices) else 0.0
        return (f"AHPResult({len(self.global_weights)} indicators, {len(self.matrices)} matrices, "
                f"method={self.method}, RI table={self.ri_table}, max CR {worst:.4f})")


def evaluate_judgments(judgments: Judgments, method: str = DEFAULT_METHOD, ri: str = DEFAULT_RI) -> AHPResult:
    """Local and global weights of every node, and every matrix's consistency."""
    import pandas as pd

    _method(method)
    tree = judgments.tree
    local: dict[str, dict[str, float]] = {}
    rows = []
    for name, m in judgments.matrices.items():
        w = priority_vector(m.values, method)
        c = consistency(m.values, w, ri)
        local[name] = dict(zip(m.items, map(float, w)))
        rows.append({"name": name, "n": c.n, "lambda_max": c.lambda_max, "ci": c.ci, "ri": c.ri, "cr": c.cr})
    # Only children pass their parent's weight on unchanged.
    for code in tree.codes:
        p = tree.parent[code]
        if len(tree.children(p)) == 1 and not any(code in d for d in local.values()):
            local.setdefault(p, {})[code] = 1.0
    reach = synthesise(local)
    leaves = tree.leaves(ROOT_CODE)
    g = {leaf: reach[leaf] for leaf in leaves}
    glob = {c: sum(g[leaf] for leaf in tree.leaves(c)) for c in tree.codes}
    wrows = []
    for c in tree.walk():
        p = tree.parent[c]
        pg = 1.0 if p == ROOT_CODE else glob[p]
        wrows.append({"code": c, "tier": tree.tier[c], "parent": p, "local_weight": glob[c] / pg if pg else 0.0,
                      "global_weight": glob[c]})
    order = {n: i for i, n in enumerate([ROOT_CODE, *tree.codes])}
    rows.sort(key=lambda r: order.get(r["name"], len(order)))
    return AHPResult(
        global_weights=pd.Series({leaf: g[leaf] for leaf in leaves}, name="weight"),
        weights=pd.DataFrame(wrows, columns=["code", "tier", "parent", "local_weight", "global_weight"]),
        matrices=pd.DataFrame(rows, columns=["name", "n", "lambda_max", "ci", "ri", "cr"]),
        ri_table=ri,
        method=method,
        judgments=judgments,
        local=local,
    )
