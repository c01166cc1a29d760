"""graphkit sample: build the bundled synthetic sample database, and check what it reproduces."""
from __future__ import annotations

import argparse
import sys

from graphkit.errors import UsageError
from graphkit.sample.bilingual import COLON, CONTRADICTION, NOT_HELD, TRADE_OFF

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run", "render_check"]

HELP = "build the bundled SYNTHETIC sample database, or check it against the report's published figures"
DESCRIPTION = (
    "The bundled sample (data/sample/) is synthetic: `build` realises the calibrated per-city\n"
    "values (graphkit/sample/calibrated/city_values.csv) as nodes and edges, deterministically\n"
    "for a seed; `check` scores a dataset with the ordinary pipeline and prints the report's\n"
    "published figures next to the reproduced ones, with the share that matches."
)
EXAMPLES = """examples:
  graphkit sample build                      # rebuild data/sample/ (seed 2021)
  graphkit sample build --seed 7 --out /tmp/sample7
  graphkit sample check                      # published vs reproduced, bundled sample
  graphkit sample check --data /tmp/sample7 --format csv --out check.csv
  graphkit sample check --lang zh            # the reasons in Chinese
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="sample_command", metavar="ACTION")
    b = sub.add_parser("build", help="write the synthetic sample dataset",
                       description="Realise the calibrated per-city values as a dataset (docs/schema.md). "
                                   "The folder is replaced atomically; the same seed gives byte-identical files.",
                       epilog="examples:\n  graphkit sample build\n  graphkit sample build --seed 7 --out /tmp/s7\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--seed", type=int, default=2021, help="random seed (default: 2021, the bundled sample's)")
    b.add_argument("--out", metavar="DIR", help="output folder (default: the bundled data/sample/)")
    b.add_argument("--values", metavar="FILE",
                   help="per-city values to realise (default: graphkit/sample/calibrated/city_values.csv)")
    b.add_argument("--force", action="store_true", help="overwrite a folder that is not a sample built by graphkit")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    c = sub.add_parser("check", help="published vs reproduced figures, side by side",
                       description="Score a dataset with the ordinary pipeline and compare every figure the "
                                   "report publishes (data/reference/) with what the dataset gives.",
                       epilog="examples:\n  graphkit sample check\n  graphkit sample check --format json\n"
                              "  graphkit sample check --region 成都 --kind city_rank --kind city_detail_rank\n"
                              "  graphkit sample check --lang zh --kind count     # the reasons in Chinese\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--data", metavar="DIR", help="dataset folder (default: the bundled synthetic sample)")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    c.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    c.add_argument("--all", action="store_true", help="table format: list every published figure, not only those that differ")
    c.add_argument("--kind", action="append", metavar="KIND",
                   help="only figures of this kind (repeatable), e.g. city_rank, city_detail_rank, count; "
                        "the summary stays whole")
    c.add_argument("--region", metavar="NAME",
                   help="only figures of regions whose Chinese or English name contains NAME (成都, chengdu); "
                        "the summary stays whole")
    c.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="table format: language of the explanations (default: en); CSV and JSON carry both "
                        "(explanation, explanation_zh)")
    c.add_argument("--strict", action="store_true", help="exit with status 1 unless every acceptance criterion of issue 3 holds")
    p.set_defaults(_sample_parser=p)


def run(args) -> int:
    action = getattr(args, "sample_command", None)
    if action == "build":
        return _build(args)
    if action == "check":
        return _check(args)
    args._sample_parser.print_help()
    return 2


def _build(args) -> int:
    from pathlib import Path

    from graphkit.sample.build import DEFAULT_OUT, build_sample, is_sample_dir

    out = Path(args.out) if args.out else DEFAULT_OUT
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if not args.force and not is_sample_dir(out):
        raise UsageError(f"{out} is not a sample folder written by `graphkit sample build` (no manifest.json); "
                         f"pass --force to replace it, or choose another --out")
    summary = build_sample(out, seed=args.seed, values_path=args.values, progress=not args.quiet)
    rows = summary["rows"]
    width = max(len(k) for k in rows)
    print(f"synthetic sample written to {summary['out']} (seed {summary['seed']}, {summary['seconds']:.1f} s)")
    for k in sorted(rows):
        print(f"  {k:<{width}}  {rows[k]:>7,}")
    bad = [t for s, t in summary["notes"] if s == "not honoured"]
    if bad:
        print(f"named facts of the report not realised ({len(bad)}; see manifest.json):", file=sys.stderr)
        for t in bad:
            print(f"  - {t}", file=sys.stderr)
    return 0


def _check(args) -> int:
    try:
        from graphkit.sample.check import KINDS, run_check
    except ModuleNotFoundError as exc:
        if exc.name in ("graphkit.sample.check",):
            raise UsageError("`graphkit sample check` is not available in this build: the reproduction check "
                             "(graphkit/sample/check.py) is missing") from None
        raise
    from graphkit.output import emit

    unknown = [k for k in args.kind or [] if k not in KINDS]
    if unknown:
        raise UsageError(f"--kind {unknown[0]!r} is not a kind of figure; choose from {', '.join(KINDS)}")
    result = run_check(args.data)
    shown = _only(result, args.kind, args.region)
    text = render_check(shown, args.format, show_all=args.all, named_facts=_named_facts(args.data), lang=args.lang)
    emit(text, args.out)
    if args.strict and not all(result.passed.values()):
        return 1
    return 0


def _only(result, kinds: list[str] | None, region: str | None):
    """The check's result with its rows narrowed to ``kinds`` and to regions whose Chinese or
    English name contains ``region`` (case-insensitive); the summary and acceptance stay whole."""
    from dataclasses import replace

    rows = result.rows
    if kinds:
        rows = rows[rows.kind.isin(kinds)]
    if region:
        needle = region.strip().lower()
        rows = rows[rows.region.astype(str).str.lower().str.contains(needle, regex=False)
                    | rows.region_en.astype(str).str.lower().str.contains(needle, regex=False)]
        if rows.empty:
            raise UsageError(f"--region {region!r}: no published figure of a region whose name contains it"
                             + (f" among kinds {', '.join(kinds)}" if kinds else ""))
    return replace(result, rows=rows)


def _named_facts(data) -> list[dict] | None:
    """The per-entity facts of the report a sample build realised (its manifest.json), if any."""
    import json
    from pathlib import Path

    from graphkit.paths import SAMPLE_DIR

    m = Path(data or SAMPLE_DIR) / "manifest.json"
    try:
        return json.loads(m.read_text(encoding="utf-8")).get("named_facts")
    except (OSError, ValueError):
        return None


def render_check(result, fmt: str, show_all: bool = False, width: int | None = None,
                 named_facts: list[dict] | None = None, lang: str = "en") -> str:
    """Published vs reproduced as text: ``table`` prints the match share of every kind of
    figure, then the figures that differ (all of them with ``show_all``) with the reason in
    ``lang`` (``en``: the English sentence, its kind tagged in Chinese; ``zh``: the Chinese
    sentence), then the status of the report's named per-entity facts recorded by the sample
    build; ``csv`` is one row per published figure; ``json`` holds ``summary``, ``passed``,
    ``rows`` and ``named_facts``. CSV and JSON rows carry the reason in both languages."""
    import io
    import json
    import shutil

    from rich.console import Console
    from rich.table import Table

    from graphkit.output import render

    def _records(frame):
        # NaN -> null, numpy scalars -> JSON numbers
        return json.loads(frame.to_json(orient="records", force_ascii=False))

    summary = result.summary.reset_index()
    rows = result.rows
    if fmt == "csv":
        return render(rows, "csv")
    if fmt == "json":
        doc = {"summary": _records(summary), "passed": dict(result.passed), "rows": _records(rows),
               "named_facts": named_facts or []}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    width = width or max(120, shutil.get_terminal_size((160, 40)).columns)
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    t = Table(title="合成样本复现报告公布数据 · published vs reproduced (synthetic sample)", header_style="bold")
    for head, just in (("类别 kind", "left"), ("公布\npublished", "right"), ("可核对\ncheckable", "right"),
                       ("一致\nmatched", "right"), ("一致率\nshare", "right"), ("达标\naccepted", "left")):
        t.add_column(head, justify=just, no_wrap=True)
    for r in summary.itertuples(index=False):
        share = "" if r.share != r.share else f"{100 * r.share:.1f}%"
        ok = "" if r.kind not in result.passed else ("yes 是" if result.passed[r.kind] else "NO 否")
        t.add_row(f"{r.zh} {r.en}", f"{r.figures}", f"{r.checked}", f"{r.matched}", share, ok)
    console.print(t)
    shown = rows if show_all else rows[rows["match"].eq(False)]
    if len(shown):
        label = "all published figures 全部公布数据" if show_all else "figures that differ 不一致的数据"
        d = Table(title=f"{label} ({len(shown)})", header_style="bold")
        d.add_column("类别 kind", no_wrap=True)
        d.add_column("地区 region", overflow="fold", max_width=18)
        d.add_column("指标 indicator", overflow="fold", max_width=30)
        d.add_column("公布\npublished", justify="right", no_wrap=True)
        d.add_column("复现\nreproduced", justify="right", no_wrap=True)
        if show_all:
            d.add_column("", no_wrap=True)
        d.add_column("说明 explanation", overflow="fold", ratio=1)
        for r in shown.itertuples(index=False):
            name = _indicator_zh(str(r.indicator)) if lang == "zh" else ""
            cells = [r.kind, f"{r.region} {r.region_en}", f"{name}\n{r.indicator}" if name else str(r.indicator),
                     _num(r.published), _num(r.reproduced)]
            if show_all:
                cells.append("" if r.match is None or r.match != r.match else ("✓" if r.match else "✗"))
            why = str(r.explanation_zh or "") if lang == "zh" else tag_explanation(str(r.explanation or ""))
            d.add_row(*cells, why)
        console.print(d)
    if named_facts:
        facts = [f for f in named_facts if f.get("status") in ("honoured", "not honoured")]
        held = sum(f["status"] == "honoured" for f in facts)
        console.print(f"\nNamed facts of the report realised by the sample build (manifest.json): "
                      f"{held} of {len(facts)} hold 报告点名的个体事实")
        for f in facts:
            if f["status"] != "honoured" or show_all:
                console.print(f"  {'✓' if f['status'] == 'honoured' else '✗'} {f['fact']}")
    return buf.getvalue()


#: The kinds of explanation the check gives, tagged in Chinese in the terminal table's English
#: sentences (``--lang en``), so a Chinese reader sees at a glance which kind each is; ``--lang zh``
#: prints the Chinese sentences. English -> Chinese, from the kinds graphkit.sample.bilingual names.
EXPLANATION_KINDS = {k.en: k.zh for k in (kind.partition(COLON)[0] for kind in (CONTRADICTION, TRADE_OFF, NOT_HELD))}


def tag_explanation(text: str) -> str:
    """``text`` with its kind (the words before the first colon) tagged in Chinese, as the
    terminal table prints it; other text unchanged."""
    kind = text.split(":", 1)[0]
    return f"{EXPLANATION_KINDS[kind]} {text}" if ":" in text and kind in EXPLANATION_KINDS else text


def _indicator_zh(path: str) -> str:
    """The Chinese name of the indicator a check row names (``capital/financing/financing_amount``,
    ``table5:financing``, ``firm_count [IDG Capital]``: the last code of the path), or "" where
    the indicator system has none (counts of the report's text, such as shares of a year)."""
    from graphkit.sample.bilingual import indicator

    code = path.split(" [")[0].split("/")[-1].split(":")[-1]
    zh = indicator(code).zh
    return "" if zh == code else zh


def _num(v) -> str:
    """A published or reproduced figure: integers without decimals, scores with up to 4."""
    if v is None or v != v:
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:.4f}".rstrip("0")
