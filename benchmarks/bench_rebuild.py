"""Benchmark: rebuilding the synthetic sample database from scratch (issue 3's five minutes).

Issue 3 asks that rebuilding the bundled sample from scratch take under 5 minutes on 2 cores
and give byte-identical files for the same seed. From scratch is both steps, each a new
Python process that reads nothing but the report's published figures and the region and
indicator data:

1. the calibration, ``python -m graphkit.sample.calibrate`` (writes
   ``graphkit/sample/calibrated/city_values.csv`` and ``record.json``);
2. the realisation, ``graphkit sample build --seed 2021`` (writes ``data/sample/``).

Both run in a copy of the repository's tracked files, where they write to their default
places, as a user's rebuild does. Each step is timed from outside, start to exit (wall
clock, and the child's CPU seconds). By default numba's cache is an empty folder
(``NUMBA_CACHE_DIR``), so the calibration's search loop is compiled as on a fresh machine;
``--warm`` keeps the usual cache. Then every file the two steps wrote is compared byte for
byte with the committed one. (The copy matters for that last check: a build from values
outside the repository is labelled provisional in its README and manifest, by design.)

Run:  python benchmarks/bench_rebuild.py [--runs N] [--warm]
Writes benchmarks/results/rebuild-<date>.json and prints the figures.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_score import cpu_model  # this folder is first on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
CALIBRATED = ROOT / "graphkit" / "sample" / "calibrated"
SAMPLE = ROOT / "data" / "sample"
SEED = 2021
#: The ``graphkit`` command, run by this interpreter (whichever environment runs the benchmark).
_CLI = "import sys; from graphkit.cli import main; sys.exit(main())"
#: Issue 3's limit for the two steps together.
LIMIT_SECONDS = 300.0


def _timed(cmd: list[str], cwd: Path, env: dict, log: Path) -> dict:
    """Run ``cmd`` in ``cwd`` with its output in ``log``; return its wall and CPU seconds.
    Exits with the log's path if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with status {done.returncode}:\n" + log.read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}


def _differing(new: Path, committed: Path) -> list[str]:
    """The files under ``committed`` that ``new`` lacks or holds with other bytes, and the
    files ``new`` has beyond them (relative paths)."""
    have = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    want = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
    off = [str(p) for p in sorted(want) if p not in have or not filecmp.cmp(new / p, committed / p, shallow=False)]
    return off + [f"{p} (extra)" for p in sorted(have - want)]


def _checkout(dest: Path) -> None:
    """Copy the repository's tracked files (as they are in the working tree) to ``dest``: a
    fresh tree in which both steps write where they always write."""
    import shutil

    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def rebuild_once(work: Path, cold: bool) -> dict:
    """One rebuild in a copy of the repository under ``work``: both steps with their default
    outputs, timed, and every file they wrote compared with the committed one. Returns the
    figures of the run and the calibration's progress lines."""
    tree = work / "tree"
    _checkout(tree)
    env = dict(os.environ)
    if cold:  # an empty cache: numba compiles the search loop, as on a fresh machine
        env["NUMBA_CACHE_DIR"] = str(work / "numba-cache")
    # run from the copy's root, so that the copy's graphkit is the one imported (and writes
    # into the copy, never into the repository): checked first
    where = subprocess.run([sys.executable, "-c", "import graphkit; print(graphkit.__file__)"], cwd=tree, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(where).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"the copy imports graphkit from {where}, not from {tree}; nothing was run")
    steps = {
        "calibrate": _timed([sys.executable, "-m", "graphkit.sample.calibrate"], tree, env, work / "calibrate.log"),
        "build": _timed([sys.executable, "-c", _CLI, "sample", "build", "--seed", str(SEED), "--quiet"], tree, env,
                        work / "build.log"),
    }
    differ = [f"graphkit/sample/calibrated/{f}" for f in _differing(tree / "graphkit/sample/calibrated", CALIBRATED)]
    differ += [f"data/sample/{f}" for f in _differing(tree / "data/sample", SAMPLE)]
    total = sum(s["wall_s"] for s in steps.values())
    return {"steps": steps, "total_wall_s": round(total, 1), "under_limit": total < LIMIT_SECONDS,
            "identical_to_committed": not differ, "files_differing": differ,
            "calibrate_log": (work / "calibrate.log").read_text(encoding="utf-8").splitlines()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="rebuilds, one after another (default 1)")
    ap.add_argument("--warm", action="store_true", help="keep numba's usual cache instead of an empty one")
    ap.add_argument("--out", help="result file (default benchmarks/results/rebuild-<date>.json)")
    args = ap.parse_args(argv)

    from graphkit.atomic import atomic_write

    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="graphkit-rebuild-") as tmp:
            run = rebuild_once(Path(tmp), cold=not args.warm)
        runs.append(run)
        s = run["steps"]
        print(f"run {i + 1}: calibrate {s['calibrate']['wall_s']:.0f} s, build {s['build']['wall_s']:.0f} s, "
              f"total {run['total_wall_s']:.0f} s (limit {LIMIT_SECONDS:.0f}); files identical to the committed "
              f"ones: {'yes' if run['identical_to_committed'] else 'NO: ' + ', '.join(run['files_differing'])}",
              flush=True)
    result = {
        "benchmark": "rebuild",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params": {"runs": args.runs, "cold_numba_cache": not args.warm, "seed": SEED,
                   "limit_s": LIMIT_SECONDS},
        "runs": runs,
        "figures": {"worst_total_wall_s": max(r["total_wall_s"] for r in runs),
                    "all_under_limit": all(r["under_limit"] for r in runs),
                    "all_identical_to_committed": all(r["identical_to_committed"] for r in runs)},
        "machine": {"cpus": os.cpu_count(), "cpu": cpu_model() or platform.processor(), "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "platform": platform.platform()},
    }
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"rebuild-{datetime.now(timezone.utc):%Y%m%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as fh:
        fh.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["figures"], indent=2))
    print(f"wrote {out}")
    return 0 if result["figures"]["all_under_limit"] and result["figures"]["all_identical_to_committed"] else 1


if __name__ == "__main__":
    sys.exit(main())
