"""The bundled synthetic sample: calibration (per-city values) and realisation (nodes, edges).

``build_sample`` writes the dataset; see ``graphkit sample build`` and data/sample/README.md.
"""
from __future__ import annotations

__all__ = ["build_sample"]


def build_sample(*args, **kwargs):
    """Build the synthetic sample dataset; see :func:`graphkit.sample.build.build_sample`."""
    from graphkit.sample.build import build_sample as _build

    return _build(*args, **kwargs)
