"""``graphkit query``: run a saved, parameterised query of ``queries/`` over a dataset.

A thin layer over :mod:`graphkit.query`; only the standard library is imported at module
level so that ``graphkit --help`` stays fast.
"""
from __future__ import annotations

import sys

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run", "render"]

HELP = "run a saved query over a dataset (see --list)"

DESCRIPTION = """\
Run one of the saved, parameterised SQL queries of queries/ over a dataset (the bundled
sample by default) and print the rows as a table, CSV or JSON. Parameters are given as
--param key=value and are bound by the SQL engine (DuckDB), never pasted into the SQL.
Region parameters take a province, city or circle by Chinese name, English name or code.
运行 queries/ 中保存的参数化查询；地区参数可用中文名、英文名或代码。"""

EXAMPLES = """\
examples:
  graphkit query --list
  graphkit query top_investors --param region=北京市
  graphkit query top_investors -p region=Beijing -p limit=3 --format json
  graphkit query foreign_tech_sources -p region=深圳市 --data my_dataset/
  graphkit query investment_flows -p to_region=浙江省 --out flows.csv
  graphkit query indicator_change -p type=financing -p date1=2019 -p date2=2020-12-31
  graphkit query top_investors --show-sql
  graphkit query --views --format csv
"""

FORMATS = ("table", "csv", "json", "markdown")


def add_arguments(parser) -> None:
    """Register the options of ``graphkit query``."""
    parser.add_argument("name", nargs="?", help="query name (see --list), or the path of a .sql file")
    parser.add_argument("--list", action="store_true", help="list every query with its parameters and exit")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="a query parameter (repeat for several)")
    parser.add_argument("--data", metavar="DIR", help="dataset folder (default: the bundled sample)")
    parser.add_argument("--encoding", default="utf-8", help="CSV encoding, e.g. gbk (default utf-8)")
    parser.add_argument("--validate", action="store_true",
                        help="load the dataset through the full validating loader first (slower on large data)")
    parser.add_argument("--format", choices=FORMATS,
                        help="output format (default: table, or from the --out file's extension)")
    parser.add_argument("--out", metavar="FILE", help="write the result to FILE (atomically) instead of stdout")
    parser.add_argument("--queries", action="append", default=[], metavar="DIR",
                        help="also look for queries in DIR (before the bundled ones)")
    parser.add_argument("--show-sql", action="store_true", help="print the query's header and SQL and exit")
    parser.add_argument("--views", action="store_true",
                        help="list the views (tables) a query can use, with their columns and types, and exit")


def _format_for(args) -> str:
    if args.format:
        return args.format
    if args.out:
        suffix = args.out.rsplit(".", 1)[-1].lower() if "." in args.out else ""
        if suffix in ("csv", "json"):
            return suffix
        if suffix == "md":
            return "markdown"
    return "table"


def _cell(value) -> str:
    """Return a value as table text: blanks for missing, thousands separators for numbers."""
    import datetime as dt
    import math

    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return ""
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def _plain(frame):
    """Return a copy of ``frame`` with dates as ISO text, for CSV and JSON."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            s = out[col]
            out[col] = s.dt.strftime("%Y-%m-%d").where(s.notna(), None)
    return out


def render(result, fmt: str, width: int | None = None) -> str:
    """Return a :class:`graphkit.query.QueryResult` as text in ``fmt`` (table, csv, json,
    markdown); CSV, JSON and Markdown come from :func:`graphkit.output.render`, dates as ISO text."""
    import io

    frame = result.frame
    if fmt != "table":
        from graphkit.output import render as render_frame

        return render_frame(_plain(frame), fmt, title=result.query.title)
    from rich import box
    from rich.console import Console
    from rich.table import Table

    q = result.query
    title = q.title + (f" · {q.title_zh}" if q.title_zh else "")
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    import pandas as pd

    cells = []
    for col in frame.columns:
        s = frame[col]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
        if pd.api.types.is_float_dtype(s):
            # One number of decimals per column: none if every value is whole, else two.
            whole = bool(((s.dropna() % 1) == 0).all())
            cells.append([_cell(v) if whole or v != v else f"{v:,.2f}" for v in s])
        else:
            cells.append([_cell(v) for v in s])
    for row in zip(*cells):
        table.add_row(*row)
    buf = io.StringIO()
    # Rich measures CJK characters as two cells, so Chinese columns line up.
    console = Console(file=buf, width=width or 200, no_color=True, highlight=False, emoji=False)
    console.print(table)
    shown = ", ".join(f"{k}={_cell(v) if v != '' else '(any)'}" for k, v in result.params.items())
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    lines.append(f"{len(frame)} rows" + (f" · {shown}" if shown else ""))
    return "\n".join(lines) + "\n"


def _list_text(queries, fmt: str) -> str:
    import json

    if fmt == "json":
        rows = [{"name": q.name, "title": q.title, "title_zh": q.title_zh, "description": q.description,
                 "description_zh": q.description_zh, "file": str(q.path) if q.path else None,
                 "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                             "choices": list(p.choices) if p.choices else None, "help": p.help,
                             "example": p.example} for p in q.params]} for q in queries]
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        import pandas as pd

        from graphkit.output import render as render_frame

        frame = pd.DataFrame([(q.name, f"{q.description} {q.description_zh}", q.signature()) for q in queries],
                             columns=["name", "description", "params"])
        return render_frame(frame, "markdown")
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "description", "description_zh", "params"])
        for q in queries:
            w.writerow([q.name, q.description, q.description_zh, q.signature()])
        return buf.getvalue()
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    # One line per query (its title in both languages); the full descriptions are in
    # --format json/csv/markdown and at the top of each file (--show-sql).
    table = Table(title=f"{len(queries)} saved queries · 已保存的查询", box=box.SIMPLE_HEAD,
                  title_justify="left", caption="graphkit query NAME -p key=value …   (--show-sql NAME for the details)",
                  caption_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("question · 问题", overflow="fold")
    table.add_column("parameters (type, default)", overflow="fold")
    for q in queries:
        params = "; ".join(p.describe() for p in q.params) or "-"
        table.add_row(q.name, q.title + (f" · {q.title_zh}" if q.title_zh else ""), params)
    buf = io.StringIO()
    Console(file=buf, width=200, no_color=True, highlight=False, emoji=False).print(table)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _emit(text: str, args) -> None:
    from graphkit.output import emit

    emit(text, args.out)


def run(args) -> int:
    """Run ``graphkit query``; returns the exit status."""
    from graphkit.errors import UsageError
    from graphkit.query import find_query, list_queries, parse_param_args, run_query

    fmt = _format_for(args)
    if args.views:
        from graphkit.output import render as render_frame
        from graphkit.query import connect, describe_views

        con = connect(args.data, encoding=args.encoding, validate=args.validate)
        try:
            frame = describe_views(con)
        finally:
            con.close()
        _emit(render_frame(frame, fmt, title="Views a query can use · 查询可用的视图"), args)
        return 0
    if args.list:
        if args.name or args.param:
            raise UsageError("--list takes no query name or --param")
        _emit(_list_text(list_queries(args.queries), fmt), args)
        return 0
    if not args.name:
        raise UsageError("give a query name (graphkit query --list shows them) or --list")
    query = find_query(args.name, args.queries)
    if args.show_sql:
        sys.stdout.write(query.path.read_text(encoding="utf-8") if query.path else query.sql + "\n")
        return 0
    params = parse_param_args(args.param)
    result = run_query(query, params, args.data, encoding=args.encoding, validate=args.validate)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    width = None
    if fmt == "table" and not args.out:
        import shutil

        width = shutil.get_terminal_size((200, 24)).columns if sys.stdout.isatty() else 200
    _emit(render(result, fmt, width=width), args)
    return 0
