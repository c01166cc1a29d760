"""`graphkit network`: investor networks as tables or offline interactive pages."""
from __future__ import annotations

import argparse
import sys

from graphkit.errors import UsageError

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

HELP = "investor networks: top investors, co-investment, regional flows, ego networks (table or offline HTML page)"

DESCRIPTION = """\
Explore the investor–firm network of a dataset (financing relations).

views:
  investors   investors by portfolio size (distinct firms financed; in --region if given)
  coinvest    co-investment network: investors linked by shared portfolio firms, with
              PageRank, betweenness and Leiden communities (modularity reported)
  flows       investment flow matrix, investor province -> firm province
  ego NAME    the network around one investor or firm (name, English name or id)

With --out FILE.html the view is written as a self-contained interactive page (works with no
network: search by name, filter by region, legend). Otherwise the table is printed, or written
to --out FILE.csv / FILE.json."""

EXAMPLES = """\
examples:
  graphkit network investors --region 北京 --top 10
  graphkit network investors --region Beijing --top 50 --out beijing_investors.html
  graphkit network coinvest --min-weight 2 --out coinvest.html
  graphkit network flows --format csv > flows.csv
  graphkit network ego "IDG资本" --out idg.html"""

VIEWS = ("investors", "coinvest", "flows", "ego")
FORMATS = ("table", "csv", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``graphkit network``."""
    parser.add_argument("view", choices=VIEWS, help="what to show")
    parser.add_argument("name", nargs="?", help="for ego: the investor or firm (name, English name or id)")
    parser.add_argument("--data", metavar="DIR", help="dataset folder (default: the bundled sample)")
    parser.add_argument("--encoding", default="utf-8", help="encoding of CSV tables (default utf-8; e.g. gbk)")
    parser.add_argument("--region", metavar="R", help="only firms in this province, city or circle (北京, Shenzhen, 440300, 长三角)")
    parser.add_argument("--top", metavar="K", type=int, help="keep the K most important investors (or provinces, or neighbours)")
    parser.add_argument("--min-weight", metavar="W", type=int, default=1,
                        help="least link weight kept: rounds (investors), shared firms (coinvest), pairs (flows); default 1")
    parser.add_argument("--radius", type=int, default=2, help="ego: steps from the centre (default 2)")
    parser.add_argument("--max-nodes", metavar="N", type=int, default=None, help="page: most nodes drawn (default 1500)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table output format when not writing a page")
    parser.add_argument("--out", metavar="FILE", help="write here: .html gives the interactive page, .csv/.json the table")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")


def _kwargs(args) -> dict:
    kw = {"region": args.region, "top": args.top, "min_weight": args.min_weight}
    if args.view == "ego":
        if not args.name:
            raise UsageError("network ego needs a NAME: graphkit network ego \"IDG资本\"")
        kw.update(name=args.name, radius=args.radius)
    elif args.name:
        raise UsageError(f"network {args.view} takes no NAME (got {args.name!r}); did you mean: network ego {args.name!r}?")
    return kw


def _number(x: float) -> str:
    """Amounts in full with thousands separators; small measures (PageRank) to 4 significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _render_table(table, fmt: str) -> str:
    import pandas as pd

    if fmt == "csv":
        return table.to_csv(index=table.index.name is not None)
    if fmt == "json":
        frame = table.reset_index() if table.index.name is not None else table
        return frame.to_json(orient="records", force_ascii=False, indent=1) + "\n"
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", 40, "display.max_rows", 200, "display.float_format", _number):
        return table.to_string(index=table.index.name is not None) + "\n"


def run(args) -> int:
    """Run ``graphkit network``; returns the exit status."""
    import graphkit as gk
    from graphkit import network as gn
    from graphkit.atomic import atomic_write, check_writable

    kw = _kwargs(args)
    if args.max_nodes is not None and args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1; got {args.max_nodes} instead.")
    out = args.out
    if out:
        check_writable(out, args.force)
        suffix = out.rsplit(".", 1)[-1].lower() if "." in out else ""
        if suffix not in ("html", "htm", "csv", "json"):
            raise UsageError(f"--out must end in .html, .csv or .json; got {out!r} instead.")
    ds = gk.load_dataset(args.data, encoding=args.encoding)
    view = gn.VIEWS[args.view](ds, **kw)
    if out and suffix in ("html", "htm"):
        view.to_html(out, max_nodes=args.max_nodes)
        g = view.graph
        shown = min(g.vcount(), args.max_nodes or 1500)
        print(f"wrote {out}: {shown:,} of {g.vcount():,} nodes, {view.title}", file=sys.stderr)
        return 0
    fmt = args.format
    if out:
        fmt = "csv" if suffix == "csv" else "json"
    text = _render_table(view.table, fmt)
    if out:
        with atomic_write(out, "w", encoding="utf-8", newline="" if fmt == "csv" else None) as fh:
            fh.write(text)
        print(f"wrote {out}: {len(view.table):,} rows", file=sys.stderr)
        return 0
    if fmt == "table":
        for note in view.notes:
            print(note)
    sys.stdout.write(text)
    return 0
