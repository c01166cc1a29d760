"""Where graphkit's bundled data lives."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT", "DATA_DIR", "SAMPLE_DIR", "SPEC_FILE", "REGIONS_DIR"]

ROOT = Path(__file__).resolve().parent.parent
# GRAPHKIT_DATA lets a non-editable install point at a copy of the data folder.
DATA_DIR = Path(os.environ.get("GRAPHKIT_DATA", ROOT / "data"))
SAMPLE_DIR = DATA_DIR / "sample"
SPEC_FILE = DATA_DIR / "indicators.toml"
REGIONS_DIR = DATA_DIR / "regions"
