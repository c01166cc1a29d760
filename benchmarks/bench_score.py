"""Benchmark of `graphkit score` on synthetic national-size graphs, against a floor.

    python benchmarks/bench_score.py                      # 100k and 10M edges
    python benchmarks/bench_score.py --sizes 100k,10m,100m

For every size it generates (once; later runs reuse it) a synthetic dataset with
``graphkit synth`` under ``benchmarks/data/`` (firms = edges / 10), then measures, each in
a fresh subprocess so that peak memory is that measurement's own:

* floor — the least any engine must do, measured in the same run: read just the edge
  columns that locate edges (plus the round amounts) from Parquet in row groups of ~1M
  rows, gather each edge's firm city with numpy and ``bincount`` it;
* load — ``graphkit.load_dataset`` (validation included);
* aggregate — the tier-3 indicators of a level; evaluate — the whole pipeline in process;
* cli — ``graphkit score --data DIR --level L`` end to end, a new Python process timed
  from outside (interpreter start, imports, load, aggregate, normalise, weight, rank, write);
* help — ``graphkit --help``.

The floor and the scores are measured in rounds (floor, then each level's score, right
after one another); ``--repeat N`` runs N rounds and reports, per level, the round with the
best score/floor ratio, keeping every round in the JSON. On a shared machine this pairs each
score with a floor measured under the same load. Times are wall clock and CPU (user +
system) seconds. Peak memory is the subprocess's maximum resident set size. The
score's "edge bytes read" counts the in-memory size of every edge column chunk it read.
Prints a table and writes ``benchmarks/results/score-<UTC time>.json`` and
``benchmarks/results/score-latest.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main", "parse_sizes", "dataset_dir", "floor", "child", "cpu_model"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
LOCATING = {  # edge table -> the column whose firm locates it (graphkit/schema.py)
    "financing": "target", "investment": "source", "tech_enablement": "source",
    "intl_tech_input": "target", "intl_tech_enablement": "source",
    "study_experience": "source", "work_experience": "source", "round": "firm",
}


def parse_sizes(text: str) -> list[int]:
    """``"100k,10m,100m"`` -> ``[100000, 10000000, 100000000]``."""
    sys.path.insert(0, str(ROOT))
    from graphkit.commands.synth import parse_count

    return [parse_count(s) for s in text.split(",") if s.strip()]


def label(n: int) -> str:
    """``100000000`` -> ``100M``."""
    for div, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div}{suffix}"
    return str(n)


def dataset_dir(data: Path, edges: int, seed: int) -> Path:
    """Where the dataset of ``edges`` edges lives (firms = edges / 10)."""
    return data / f"synth-e{label(edges)}-f{label(max(edges // 10, 1))}-s{seed}"


# ---------------------------------------------------------------- measurements (children)

def _usage() -> dict:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": r.ru_utime + r.ru_stime, "peak_rss_mb": r.ru_maxrss / 1024}


def floor(data: Path) -> dict:
    """The floor: locating edge columns read in row groups, firm city gathered, bincount."""
    import numpy as np
    import pyarrow.parquet as pq

    t0, c0 = time.perf_counter(), _usage()["cpu_s"]
    firms = pq.ParquetFile(data / "nodes" / "firm.parquet", read_dictionary=["city"]).read(columns=["id", "city"])
    first = int(firms.column("id").chunk(0)[0].as_py())  # synth writes firm ids as one run
    city = np.concatenate([c.indices.to_numpy() for c in firms.column("city").chunks]).astype(np.int32)
    ncity = max(len(c.dictionary) for c in firms.column("city").chunks)
    counts = np.zeros(ncity)
    edge_bytes = 0
    for table, col in LOCATING.items():
        path = data / "edges" / f"{table}.parquet"
        if not path.exists():
            continue
        f = pq.ParquetFile(path)
        cols = [col, "amount"] if table == "round" else [col]
        for i in range(f.metadata.num_row_groups):
            t = f.read_row_group(i, columns=cols, use_threads=False)
            edge_bytes += t.nbytes
            c = city[t.column(0).to_numpy() - first]
            counts += np.bincount(c, minlength=ncity)
            if table == "round":
                w = t.column(1).to_numpy(zero_copy_only=False)
                counts += np.bincount(c, weights=np.where(np.isnan(w), 0.0, w), minlength=ncity)
    u = _usage()
    return {"wall_s": time.perf_counter() - t0, "cpu_s": u["cpu_s"] - c0, "peak_rss_mb": u["peak_rss_mb"],
            "edge_bytes_read": edge_bytes, "check": float(counts.sum())}


def _count_edge_bytes() -> dict:
    # Wrap the loader's Parquet reads to add up the in-memory size of every edge column read.
    import graphkit.io as gio
    from graphkit.schema import EDGE_TYPES

    tally = {"bytes": 0}
    chunks, column = gio._ParquetSource.chunks, gio._ParquetSource.column

    def is_edge(src):
        return src.path.stem in EDGE_TYPES

    def counted_chunks(self, columns, skip=frozenset()):
        for start, t in chunks(self, columns, skip):
            if is_edge(self):
                tally["bytes"] += t.nbytes
            yield start, t

    def counted_column(self, name):
        c = column(self, name)
        if is_edge(self):
            tally["bytes"] += c.nbytes
        return c

    gio._ParquetSource.chunks, gio._ParquetSource.column = counted_chunks, counted_column
    return tally


def stages(data: Path, level: str) -> dict:
    """load, aggregate and evaluate in one process, each timed."""
    t0, c0 = time.perf_counter(), _usage()["cpu_s"]
    tally = _count_edge_bytes()
    import graphkit as gk
    import graphkit.evaluation as ev_mod

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    ds = gk.load_dataset(data)
    t_load = time.perf_counter() - t1
    agg_time = {}
    inner = ev_mod.aggregate

    def timed(*a, **k):
        s = time.perf_counter()
        out = inner(*a, **k)
        agg_time["s"] = agg_time.get("s", 0.0) + time.perf_counter() - s
        return out

    ev_mod.aggregate = timed
    t2 = time.perf_counter()
    ev = gk.evaluate(ds, level=level)
    table = ev.table()
    t_eval = time.perf_counter() - t2
    u = _usage()
    return {"import_s": t_import, "load_s": t_load, "aggregate_s": agg_time["s"], "evaluate_s": t_eval,
            "rest_s": t_eval - agg_time["s"], "wall_s": time.perf_counter() - t0, "cpu_s": u["cpu_s"] - c0,
            "peak_rss_mb": u["peak_rss_mb"], "edge_bytes_read": tally["bytes"], "regions": len(table),
            "leader": str(table.iloc[0]["region"]), "leader_total": float(table.iloc[0]["total"])}


def cli(data: Path, level: str, out: str) -> dict:
    """`graphkit score` through its command-line entry point (timed from outside too)."""
    t0 = time.perf_counter()
    tally = _count_edge_bytes()
    from graphkit.cli import main as gk_main

    code = gk_main(["score", "--data", str(data), "--level", level, "--format", "csv", "--out", out])
    u = _usage()
    return {"exit": code, "inner_wall_s": time.perf_counter() - t0, "cpu_s": u["cpu_s"],
            "peak_rss_mb": u["peak_rss_mb"], "edge_bytes_read": tally["bytes"]}


def child(argv: list[str]) -> None:
    """Entry point of a measurement subprocess: prints one JSON line."""
    task, data = argv[0], Path(argv[1])
    sys.path.insert(0, str(ROOT))
    if task == "floor":
        res = floor(data)
    elif task == "stages":
        res = stages(data, argv[2])
    elif task == "cli":
        res = cli(data, argv[2], argv[3])
    else:
        raise SystemExit(f"unknown task {task}")
    print("RESULT " + json.dumps(res))


# ---------------------------------------------------------------- parent

def _run(args: list[str], env=None) -> tuple[dict, float]:
    t0 = time.perf_counter()
    p = subprocess.run([PY, str(Path(__file__).resolve()), "--child", *args], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"measurement {args} failed:\n{p.stderr[-3000:]}")
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[7:]), wall


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRAPHKIT_PROGRESS="0")
    return env


def help_time(repeat: int = 5) -> dict:
    """Wall time of `graphkit --help` in a fresh interpreter (best and median of ``repeat``)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([PY, "-m", "graphkit.cli", "--help"], capture_output=True, env=_env(), cwd=ROOT, check=True)
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"best_s": times[0], "median_s": times[len(times) // 2], "runs": repeat}


def ensure_dataset(data: Path, edges: int, seed: int) -> tuple[Path, float | None]:
    """Generate the dataset of ``edges`` edges unless it is already there."""
    d = dataset_dir(data, edges, seed)
    if d.exists():
        return d, None
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "graphkit.cli", "synth", "--firms", str(max(edges // 10, 1)), "--edges", str(edges),
                    "--seed", str(seed), "--out", str(d)], env=_env(), cwd=ROOT, check=True)
    return d, time.perf_counter() - t0


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or "" where it gives none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict:
    """What the figures came from."""
    cpu = cpu_model()
    try:
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        mem_gb = int(mem.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        mem_gb = None
    import numpy
    import pyarrow

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_gb, 1) if mem_gb else None,
            "os": platform.platform(), "python": platform.python_version(), "numpy": numpy.__version__,
            "pyarrow": pyarrow.__version__,
            "load_average_start": os.getloadavg()}


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*.parquet")) / 1e6


def bench_size(d: Path, edges: int, levels: list[str], repeat: int) -> dict:
    """Every measurement of one dataset.

    The machine may be shared, so the floor and the scores are measured in rounds, one right
    after the other: floor, score of each level, (the next round …). Each ratio compares a
    score with the floor of its own round, and the round with the best ratio is reported
    (all rounds are kept in ``rounds``). The in-process stage times come from one extra run
    per level.
    """
    env = _env()
    out: dict = {"edges": edges, "firms": max(edges // 10, 1), "dataset": str(d.relative_to(ROOT) if d.is_relative_to(ROOT) else d),
                 "dataset_mb": round(_size_mb(d), 1), "rounds": []}
    for _ in range(repeat):
        rnd: dict = {}
        fl, wall = _run(["floor", str(d)], env)
        fl["process_wall_s"] = wall
        rnd["floor"] = fl
        for level in levels:
            tmp = str(ROOT / "benchmarks" / "data" / f".score-{level}.csv")
            c, wall = _run(["cli", str(d), level, tmp], env)
            Path(tmp).unlink(missing_ok=True)
            c["wall_s"] = wall
            rnd[level] = c
        out["rounds"].append(rnd)
    for level in levels:
        st, _ = _run(["stages", str(d), level], env)
        best = min(out["rounds"], key=lambda r: r[level]["wall_s"] / r["floor"]["process_wall_s"])
        fl, c = best["floor"], best[level]
        out[level] = {
            "floor": fl, "stages": st, "cli": c,
            "ratio_cli_wall_to_floor_process": c["wall_s"] / fl["process_wall_s"],
            "ratios_all_rounds": [r[level]["wall_s"] / r["floor"]["process_wall_s"] for r in out["rounds"]],
            "ratio_cpu_to_floor": c["cpu_s"] / fl["cpu_s"],
            "memory_limit_mb": 2 * c["edge_bytes_read"] / 2**20,
            "memory_ok": c["peak_rss_mb"] < 2 * c["edge_bytes_read"] / 2**20,
        }
    out["floor"] = min((r["floor"] for r in out["rounds"]), key=lambda f: f["process_wall_s"])
    return out


def print_table(results: list[dict], levels: list[str]) -> None:
    """One line per size and level: floor, load, aggregate, score, ratios, memory."""
    head = (f"{'edges':>6} {'level':<8} {'floor s':>8} {'load s':>7} {'agg s':>6} {'eval s':>7} "
            f"{'score s':>8} {'×floor':>7} {'cpu×':>5} {'peak MB':>8} {'edgeMB':>7} {'mem×':>5}")
    print(head)
    print("-" * len(head))
    for r in results:
        for level in levels:
            x = r[level]
            fl, st, c = x["floor"], x["stages"], x["cli"]
            print(f"{label(r['edges']):>6} {level:<8} {fl['process_wall_s']:8.2f} {st['load_s']:7.2f} {st['aggregate_s']:6.2f} "
                  f"{st['evaluate_s']:7.2f} {c['wall_s']:8.2f} {x['ratio_cli_wall_to_floor_process']:7.2f} "
                  f"{x['ratio_cpu_to_floor']:5.2f} {c['peak_rss_mb']:8.0f} {c['edge_bytes_read'] / 2**20:7.0f} "
                  f"{c['peak_rss_mb'] / max(c['edge_bytes_read'] / 2**20, 1e-9):5.2f}")
    print("floor s: the floor's process (start to exit); score s: `graphkit score` process (start to exit), from")
    print("the round (floor, then scores) with the best ratio; load/agg/eval s: in-process stages of a separate run.")
    print("×floor: score s / floor s; cpu×: CPU seconds of the score process / of the floor's work; mem×: peak RSS / edge bytes read.")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,10m", help="edge counts, e.g. 100k,10m,100m (default 100k,10m)")
    ap.add_argument("--levels", default="province,city")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of floor + scores; the best-ratio round is reported (default 1)")
    ap.add_argument("--data", default=str(HERE / "data"), help="where datasets are generated and reused")
    ap.add_argument("--results", default=str(HERE / "results"))
    args = ap.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    levels = [l.strip() for l in args.levels.split(",") if l.strip()]
    sys.path.insert(0, str(ROOT))
    from graphkit.atomic import atomic_write

    report = {"benchmark": "graphkit score", "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "command": "python benchmarks/bench_score.py " + " ".join(argv), "machine": machine(),
              "help": help_time(), "sizes": []}
    print(f"graphkit --help: best {report['help']['best_s']:.3f} s, median {report['help']['median_s']:.3f} s")
    for edges in sizes:
        d, gen = ensure_dataset(Path(args.data), edges, args.seed)
        print(f"{label(edges)} edges: {d}" + (f" (generated in {gen:.1f} s)" if gen else " (reused)"), flush=True)
        r = bench_size(d, edges, levels, args.repeat)
        r["generate_s"] = gen
        report["sizes"].append(r)
    report["machine"]["load_average_end"] = os.getloadavg()
    if len(report["sizes"]) > 1:
        # Scaling: seconds and MB per million edges at each size (flat = linear growth).
        report["scaling"] = [{"edges": r["edges"],
                              **{f"{lvl}_s_per_medge": r[lvl]["cli"]["wall_s"] / (r["edges"] / 1e6) for lvl in levels},
                              "floor_s_per_medge": r["floor"]["process_wall_s"] / (r["edges"] / 1e6),
                              "floor_peak_mb": r["floor"]["peak_rss_mb"],
                              **{f"{lvl}_peak_mb": r[lvl]["cli"]["peak_rss_mb"] for lvl in levels}}
                             for r in report["sizes"]]
    print()
    print_table(report["sizes"], levels)
    res = Path(args.results)
    res.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    for name in (f"score-{stamp}.json", "score-latest.json"):
        with atomic_write(res / name) as fh:
            fh.write(text)
    print(f"\nwrote {res / f'score-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
