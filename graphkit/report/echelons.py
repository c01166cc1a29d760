"""Echelons: splitting a ranking into tiers of similar scores.

The report groups provinces into a "first echelon" and a "second echelon" by the gaps between
their scores but does not state a rule. graphkit's default rule, ``"jenks"``:

1. take the square root of each score (index scores are right-skewed — a few leaders far
   ahead — and on the raw scale the leaders each take a class of their own);
2. split the sorted values into *k* classes by Fisher–Jenks natural breaks (the partition
   into contiguous classes with the least within-class sum of squares, found exactly by
   dynamic programming), with *k* from Sturges' rule, ``1 + ceil(log2 n)`` (6 for 31
   provinces);
3. merge any class of fewer than ``min_size`` (3) members into the class below it (the
   last into the one above): an echelon is a group, not one or two outliers;
4. regions scoring 0 (nothing measured) are not classified: they form the last echelon
   on their own.

On the report's 31 published totals this gives exactly its first echelon (Beijing …
Shandong) and second echelon (Sichuan … Hubei). ``"gaps"`` (cut at the k−1 largest gaps
between neighbouring scores) is the simple alternative.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

__all__ = ["ECHELON_METHODS", "echelons", "natural_breaks", "largest_gaps", "sturges"]


def sturges(n: int) -> int:
    """Return Sturges' number of classes for ``n`` values, ``1 + ceil(log2 n)`` (1 for n ≤ 1)."""
    return 1 if n <= 1 else 1 + math.ceil(math.log2(n))


def natural_breaks(values: Sequence[float], k: int) -> list[int]:
    """Return the Fisher–Jenks class of each value (0 = the class of the largest values).

    The classes are contiguous in sorted order and minimise the total within-class sum of
    squared deviations; ``k`` is capped at the number of distinct values. Equal values always
    share a class.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return []
    order = np.argsort(-x, kind="stable")
    s = x[order]
    k = max(1, min(k, len(np.unique(s))))
    cs = np.concatenate([[0.0], np.cumsum(s)])
    cs2 = np.concatenate([[0.0], np.cumsum(s * s)])

    def sse(i: np.ndarray, j: int) -> np.ndarray:
        # within-class sum of squares of s[i:j] for every start i, vectorised
        m = j - i
        tot = cs[j] - cs[i]
        return (cs2[j] - cs2[i]) - tot * tot / m

    inf = np.inf
    cost = np.full((k + 1, n + 1), inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            i = np.arange(c - 1, j)
            cand = cost[c - 1, i] + sse(i, j)
            best = int(np.argmin(cand))
            cost[c, j] = cand[best]
            back[c, j] = i[best]
    labels_sorted = np.empty(n, dtype=int)
    j = n
    for c in range(k, 0, -1):
        i = back[c, j]
        labels_sorted[i:j] = c - 1
        j = i
    labels_sorted = _unsplit_ties(s, labels_sorted)
    out = np.empty(n, dtype=int)
    out[order] = labels_sorted
    return out.tolist()


def largest_gaps(values: Sequence[float], k: int) -> list[int]:
    """Return classes (0 = highest) from cutting the sorted values at their ``k − 1`` largest gaps."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return []
    order = np.argsort(-x, kind="stable")
    s = x[order]
    gaps = s[:-1] - s[1:]
    k = max(1, min(k, int((gaps > 0).sum()) + 1))
    # the k-1 largest positive gaps; stable so an earlier (higher) gap wins a tie
    cut_after = sorted(np.argsort(-gaps, kind="stable")[: k - 1].tolist())
    labels_sorted = np.zeros(n, dtype=int)
    for c in cut_after:
        labels_sorted[c + 1 :] += 1
    out = np.empty(n, dtype=int)
    out[order] = labels_sorted
    return out.tolist()


def _unsplit_ties(s: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give every run of equal sorted values the class of its first member, renumbered 0.."""
    labels = labels.copy()
    for idx in range(1, len(s)):
        if s[idx] == s[idx - 1]:
            labels[idx] = labels[idx - 1]
    _, dense = np.unique(labels, return_inverse=True)
    return dense


def _merge_small(labels_sorted: np.ndarray, min_size: int) -> np.ndarray:
    """Merge classes smaller than ``min_size`` into the next lower class (the last one upward)."""
    labels = labels_sorted.copy()
    while True:
        classes, counts = np.unique(labels, return_counts=True)
        if len(classes) <= 1:
            return labels
        small = [c for c, m in zip(classes, counts) if m < min_size]
        if not small:
            return labels
        c = small[0]
        pos = list(classes).index(c)
        target = classes[pos + 1] if pos + 1 < len(classes) else classes[pos - 1]
        labels[labels == c] = target
        _, labels = np.unique(labels, return_inverse=True)


def _jenks_sqrt(values: Sequence[float], k: int | None = None, min_size: int = 3) -> list[int]:
    x = np.sqrt(np.clip(np.asarray(values, dtype=float), 0.0, None))
    return _classes_with_merge(x, natural_breaks, k, min_size)


def _gaps(values: Sequence[float], k: int | None = None, min_size: int = 3) -> list[int]:
    return _classes_with_merge(np.asarray(values, dtype=float), largest_gaps, k, min_size)


def _classes_with_merge(x: np.ndarray, split: Callable, k: int | None, min_size: int) -> list[int]:
    n = len(x)
    if n == 0:
        return []
    k = sturges(n) if k is None else k
    labels = np.asarray(split(x, k))
    order = np.argsort(-x, kind="stable")
    merged = _merge_small(labels[order], min_size)
    out = np.empty(n, dtype=int)
    out[order] = merged
    return out.tolist()


#: Echelon rules by name: ``f(values, k=None, min_size=...) -> class per value (0 = top)``.
ECHELON_METHODS: dict[str, Callable[..., list[int]]] = {"jenks": _jenks_sqrt, "gaps": _gaps}


def echelons(values: Sequence[float], method: str = "jenks", **params) -> list[int]:
    """Return the echelon of each score, 1 = first (highest) echelon.

    ``method`` names a rule of :data:`ECHELON_METHODS`; ``params`` (``k``, ``min_size``) are
    passed to it. NaN scores are treated as 0.

    Examples
    --------
    >>> echelons([82.37, 65.50, 36.05, 27.62, 24.44, 23.35, 14.79, 13.79, 13.63, 12.17,
    ...           11.90, 11.88, 11.40, 9.92, 9.40, 8.10, 8.10, 7.92, 6.26, 5.07, 4.80,
    ...           4.59, 4.29, 3.20, 3.16, 2.05, 1.21, 0.55, 0.46, 0.39, 0.05])[:14]
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]
    """
    if method not in ECHELON_METHODS:
        from graphkit.errors import UsageError

        raise UsageError(f"echelon method must be one of {', '.join(ECHELON_METHODS)}; got {method!r} instead.")
    x = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    pos = x > 0
    out = np.zeros(len(x), dtype=int)
    if pos.any():
        out[pos] = np.asarray(ECHELON_METHODS[method](x[pos], **params)) + 1
    # Zero scores (nothing measured) are no tier of their own making: they come last.
    out[~pos] = out.max() + 1 if pos.any() else 1
    return out.tolist()
