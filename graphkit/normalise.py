"""Normalisation of raw indicator values to 0–100 scores, chosen by name."""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphkit.errors import UsageError

__all__ = ["minmax", "normalise", "NORMALISATIONS"]


def minmax(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Return the HDI min–max score ``(x − min)/(max − min) × 100`` of each value (of each
    column on its own, for a table of regions × indicators).

    A missing value (a region with no valid sample) counts as 0, as a region with no entities
    scores 0; an indicator with max = min scores 0 everywhere (never NaN).
    """
    x = values.astype(float).fillna(0.0)
    lo, hi = x.min(), x.max()
    span = hi - lo
    ok = np.isfinite(span) & (span > 0)
    if isinstance(x, pd.Series):
        return (x - lo) / span * 100.0 if ok else pd.Series(0.0, index=values.index)
    # one vectorised pass over the table instead of a Python call per column: what-if
    # analyses and the sample calibration rescore thousands of tables
    scaled = (x - lo) / span.where(ok, 1.0) * 100.0
    scaled.loc[:, ~ok] = 0.0
    return scaled


# Methods by name; a spec or CLI option picks one. A method takes a column (a Series) or a
# table (regions × indicators) and normalises each column on its own.
NORMALISATIONS = {"minmax": minmax}


def normalise(raw: pd.DataFrame, method: str = "minmax") -> pd.DataFrame:
    """Normalise every column of ``raw`` (regions × indicators) with the named method."""
    try:
        fn = NORMALISATIONS[method]
    except KeyError:
        raise UsageError(f"normalisation must be one of {', '.join(NORMALISATIONS)}; got {method!r} instead") from None
    return fn(raw) if len(raw.columns) else raw.copy()
