"""Rendering result tables for people and programs: aligned terminal tables (Chinese and
English), CSV, JSON and Markdown, written to stdout or atomically to a file."""
from __future__ import annotations

import json
import math
import sys

import pandas as pd

from graphkit.errors import UsageError

__all__ = ["FORMATS", "render", "emit", "rounding_hides_order"]

FORMATS = ("table", "csv", "json", "markdown")


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _fmt(v, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _rich_table(frame: pd.DataFrame, title: str | None, headers: dict[str, str] | None, digits: int) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column((headers or {}).get(col, col), justify="right" if numeric else "left", no_wrap=True)
    for row in frame.itertuples(index=False):
        table.add_row(*[_fmt(v, digits) for v in row])
    buf = io.StringIO()
    # rich measures East Asian wide characters, so Chinese names line up.
    Console(file=buf, width=max(80, 12 * len(frame.columns) + 20), force_terminal=False, color_system=None).print(table)
    return buf.getvalue()


def render(frame: pd.DataFrame, fmt: str, title: str | None = None, headers: dict[str, str] | None = None, digits: int = 2) -> str:
    """Return ``frame`` as text in ``fmt`` (``table``, ``csv``, ``json`` or ``markdown``).

    ``table`` rounds floats to ``digits`` and may relabel columns with ``headers``; the other
    formats keep column names and full precision, with missing values empty (CSV) or null (JSON).
    """
    if fmt == "table":
        return _rich_table(frame, title, headers, digits)
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(_records(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        cols = list(frame.columns)
        lines = ["| " + " | ".join((headers or {}).get(c, c) for c in cols) + " |",
                 "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in cols) + "|"]
        for row in frame.itertuples(index=False):
            lines.append("| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |")
        return "\n".join(lines) + "\n"
    raise UsageError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r} instead")


def rounding_hides_order(values: pd.Series, ranks: pd.Series, digits: int = 2) -> bool:
    """True when two regions of different rank print the same value at ``digits`` decimals
    (Hefei, Changsha and Jinan all print 16.20 at ranks 10-12), so a table can say that the
    ranks follow the unrounded scores rather than look like a mistake."""
    printed = pd.Series([_fmt(float(v), digits) for v in values], index=values.index)
    return bool((pd.DataFrame({"p": printed, "r": ranks}).groupby("p")["r"].nunique() > 1).any())


def emit(text: str, out: str | None) -> None:
    """Write ``text`` to the file ``out`` atomically, or to stdout when ``out`` is None."""
    if out:
        from graphkit.atomic import atomic_write

        with atomic_write(out) as fh:
            fh.write(text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
