"""Calibrate the sample database: per-city indicator values that reproduce the report.

Run ``python -m graphkit.sample.calibrate [--out DIR] [--time-limit S]``. Reads only
``data/reference/*.csv``, ``data/indicators.toml`` and ``data/regions/*``; writes
``city_values.csv`` (the interface to the realiser, see docs/sample_calibration.md) and
``record.json`` (what was honoured, what was given up and why) into
``graphkit/sample/calibrated/`` by default.

Stages: :func:`graphkit.sample.calib_province.solve_provinces` (a mixed-integer program over
the 31 provinces) and :func:`graphkit.sample.calib_city.split_cities` (province totals split
over cities). Deterministic: HiGHS runs single-threaded with fixed settings.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["DEFAULT_OUT", "calibrate", "main"]

DEFAULT_OUT = Path(__file__).resolve().parent / "calibrated"


def _record(t, ps, city) -> dict:
    """What the solution honours and gives up, for record.json."""
    from graphkit.sample.calib_targets import FREE_CELLS, RANK_REPAIRS, SCORE_CHOICES

    return {
        "solver": {"status": ps.status, "objective": round(ps.objective, 6), "seconds": round(ps.seconds, 1)},
        "rank_repairs": [
            {"province": p, "indicator": path, "published": pub, "used": used, "reason": why}
            for (p, path), (pub, used, why) in RANK_REPAIRS.items() if pub != used
        ],
        "free_cells": [{"province": p, "indicator": path, "used": r} for (p, path), r in FREE_CELLS.items()],
        "score_choices": [{"province": p, "indicator": k, "followed": v, "reason": why}
                          for (p, k), (v, why) in SCORE_CHOICES.items()],
        "cities": int(len(city)),
    }


def calibrate(out: Path | None = None, time_limit: float = 60.0, root: Path | None = None):
    """Solve and write city_values.csv and record.json; return the city table."""
    from graphkit.atomic import atomic_write
    from graphkit.sample.calib_city import split_cities
    from graphkit.sample.calib_province import solve_provinces
    from graphkit.sample.calib_targets import load_targets

    out = Path(out) if out else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    t = load_targets(root)
    ps = solve_provinces(t, time_limit=time_limit)
    city = split_cities(t, ps.values)
    with atomic_write(out / "city_values.csv") as fh:
        city.to_csv(fh, index=False, lineterminator="\n", float_format="%.2f")
    with atomic_write(out / "record.json") as fh:
        json.dump(_record(t, ps, city), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return city


def main(argv=None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m graphkit.sample.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solver pass (default 60)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    city = calibrate(a.out, a.time_limit)
    print(f"wrote {len(city)} cities to {a.out or DEFAULT_OUT} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
