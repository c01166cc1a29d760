"""Normalisation of raw indicator values to 0–100 scores, chosen by name."""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphkit.errors import UsageError

__all__ = ["minmax", "normalise", "NORMALISATIONS"]


def minmax(values: pd.Series) -> pd.Series:
    """Return the HDI min–max score ``(x − min)/(max − min) × 100`` of each value.

    A missing value (a region with no valid sample) counts as 0, as a region with no entities
    scores 0; an indicator with max = min scores 0 everywhere (never NaN).
    """
    x = values.astype(float).fillna(0.0)
    lo, hi = x.min(), x.max()
    if len(x) == 0 or not np.isfinite(hi - lo) or hi - lo <= 0:
        return pd.Series(0.0, index=values.index)
    return (x - lo) / (hi - lo) * 100.0


# Methods by name; a spec or CLI option picks one.
NORMALISATIONS = {"minmax": minmax}


def normalise(raw: pd.DataFrame, method: str = "minmax") -> pd.DataFrame:
    """Normalise every column of ``raw`` (regions × indicators) with the named method."""
    try:
        fn = NORMALISATIONS[method]
    except KeyError:
        raise UsageError(f"normalisation must be one of {', '.join(NORMALISATIONS)}; got {method!r} instead") from None
    return raw.apply(fn, axis=0) if len(raw.columns) else raw.copy()
