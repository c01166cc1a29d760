"""``graphkit weights``: the AHP weights and consistency implied by a judgments file."""
from __future__ import annotations

import argparse
import json
import sys

from graphkit.errors import JudgmentError, Problem

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run", "render_table", "to_json", "to_csv"]

HELP = "AHP weights and consistency ratios from pairwise judgment matrices"
DESCRIPTION = """\
Derive indicator weights by the analytic hierarchy process from a judgments file
(default: the report's judgments, data/ahp/report.toml) and print the tree with every
node's local and global weight, and every matrix's order n, λmax, CI, RI and CR.
A matrix with CR >= 0.1 is flagged; --strict makes that an error (exit status 1).
Score with the weights: graphkit score --judgments FILE."""
EXAMPLES = """\
examples:
  graphkit weights
  graphkit weights --format json --out weights.json
  graphkit weights --judgments my_judgments.toml --ri saaty1980 --strict
  graphkit weights --method geometric_mean --format csv"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("--judgments", metavar="FILE", help="judgments TOML file (default: the report's, "
                        "data/ahp/report.toml)")
    parser.add_argument("--spec", metavar="FILE", help="indicator file whose tree the codes refer to "
                        "(default: data/indicators.toml)")
    parser.add_argument("--ri", metavar="TABLE", default="yaahp",
                        help="random-index table: yaahp (default, reproduces the report), saaty1980, "
                        "saaty2005, donegan_dodd, alonso_lamata")
    parser.add_argument("--method", default="eigenvector",
                        help="priority method: eigenvector (default), geometric_mean, arithmetic_mean")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any CR >= 0.1")
    parser.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    parser.add_argument("--force", action="store_true", help="overwrite --out FILE if it exists")


def _published(result) -> dict[str, float]:
    """published_cr per matrix, when the judgments file records it (the report's does)."""
    return {m.name: m.published_cr for m in result.judgments.matrices.values()
            if getattr(m, "published_cr", None) is not None}


def to_json(result) -> str:
    """The result as JSON: {"weights": [...], "matrices": [...], "ri_table", "method", "judgments"}."""
    pub = _published(result)
    weights = [{"code": r.code, "tier": int(r.tier), "parent": r.parent,
                "local_weight": float(r.local_weight), "global_weight": float(r.global_weight)}
               for r in result.weights.itertuples()]
    matrices = []
    for r in result.matrices.itertuples():
        d = {"name": r.name, "n": int(r.n), "lambda_max": float(r.lambda_max),
             "ci": float(r.ci), "ri": float(r.ri), "cr": float(r.cr)}
        if r.name in pub:
            d["published_cr"] = pub[r.name]
        matrices.append(d)
    doc = {"weights": weights, "matrices": matrices, "ri_table": result.ri_table, "method": result.method,
           "judgments": result.judgments.path}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(result) -> str:
    """One CSV: ``section`` = weight rows (the tree) then matrix rows (consistency)."""
    import csv
    import io

    tree = result.judgments.tree
    pub = _published(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "code", "tier", "parent", "zh", "en", "local_weight", "global_weight",
                "n", "lambda_max", "ci", "ri", "cr", "published_cr"])
    for r in result.weights.itertuples():
        w.writerow(["weight", r.code, r.tier, r.parent, tree.zh[r.code], tree.en[r.code],
                    f"{r.local_weight:.6f}", f"{r.global_weight:.6f}", "", "", "", "", "", ""])
    for r in result.matrices.itertuples():
        w.writerow(["matrix", r.name, "", "", tree.zh.get(r.name, ""), tree.en.get(r.name, ""), "", "",
                    r.n, f"{r.lambda_max:.6f}", f"{r.ci:.6f}", r.ri, f"{r.cr:.6f}", pub.get(r.name, "")])
    return buf.getvalue()


def _flag_lines(result) -> list[str]:
    return result.warnings()


def render_table(result, width: int | None = None) -> str:
    """The tree and the consistency table as text for a terminal (CJK-aware alignment)."""
    import io
    import shutil

    from rich.console import Console
    from rich.table import Table, box

    from graphkit.ahp import RI_SOURCES

    tree = result.judgments.tree
    pub = _published(result)
    # A terminal gets its own width; a pipe or file gets room for the whole tree on one line each.
    width = width or (max(100, shutil.get_terminal_size((160, 24)).columns) if sys.stdout.isatty() else 160)
    console = Console(width=width, record=True, file=io.StringIO(), force_terminal=False, color_system=None)
    console.print(f"judgments: {result.judgments.path or '(in memory)'}", soft_wrap=True)
    console.print(f"priority method: {result.method}", soft_wrap=True)
    console.print(f"random index (RI) table: {result.ri_table} — {RI_SOURCES.get(result.ri_table, '')}",
                  soft_wrap=True)
    console.print()
    t = Table(title="Weights 权重", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("indicator 指标")
    t.add_column("code")
    t.add_column("English")
    t.add_column("local", justify="right")
    t.add_column("global", justify="right")
    for r in result.weights.itertuples():
        indent = "  " * (int(r.tier) - 1)
        t.add_row(f"{indent}{tree.zh[r.code]}", r.code, tree.en[r.code], f"{r.local_weight:.4f}",
                  f"{r.global_weight:.4f}")
    console.print(t)
    m = Table(title="Consistency 一致性检验 (CR = CI / RI; CR < 0.1 passes)", title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False)
    m.add_column("matrix 判断矩阵")
    for col in ("n", "λmax", "CI", "RI", "CR"):
        m.add_column(col, justify="right")
    if pub:
        m.add_column("published CR", justify="right")
    m.add_column("check")
    for r in result.matrices.itertuples():
        row = [f"{r.name} {tree.zh.get(r.name, '')}", str(r.n), f"{r.lambda_max:.4f}", f"{r.ci:.4f}",
               f"{r.ri:.2f}", f"{r.cr:.4f}"]
        if pub:
            row.append(f"{pub[r.name]:.4f}" if r.name in pub else "")
        row.append("INCONSISTENT (CR ≥ 0.1)" if r.cr >= 0.1 else "ok")
        m.add_row(*row)
    console.print(m)
    flags = _flag_lines(result)
    for line in flags:
        console.print(f"warning: {line}", soft_wrap=True)
    if not flags:
        console.print("Every matrix passes the consistency check (CR < 0.1).")
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def run(args: argparse.Namespace) -> int:
    """Evaluate the judgments and print or write them in the chosen format."""
    from graphkit.ahp import evaluate_judgments, load_judgments
    from graphkit.atomic import atomic_write, check_writable

    if args.out:
        check_writable(args.out, args.force)
    result = evaluate_judgments(load_judgments(args.judgments, args.spec), method=args.method, ri=args.ri)
    if args.format == "json":
        text = to_json(result)
    elif args.format == "csv":
        text = to_csv(result)
    else:
        text = render_table(result)
    if args.out:
        with atomic_write(args.out) as fh:
            fh.write(text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    flags = _flag_lines(result)
    if flags and args.strict:
        raise JudgmentError([Problem(line, file=result.judgments.path) for line in flags])
    if flags and args.format != "table":
        for line in flags:
            print(f"warning: {line}", file=sys.stderr)
    return 0
