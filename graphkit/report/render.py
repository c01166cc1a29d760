"""The report as a list of blocks (headings, paragraphs, tables, figures, notes), and its two
renderings: one self-contained HTML page and one Markdown file.

The builder decides *what* the report says; this module only decides how it looks. The HTML
has inline CSS, no script, no web font and no remote URL; its images are embedded as
``data:`` URIs (the same PNGs are in ``figures/`` for the Markdown), so the one file opens
offline in any browser and can be mailed on its own.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from graphkit.report.charts import png_size

__all__ = ["Heading", "Para", "Note", "Table", "Figure", "Links", "Block", "render_html", "render_markdown"]


@dataclass
class Heading:
    """A section heading; ``level`` 1 is the title, 2 a chapter, 3 a section."""

    level: int
    text: str
    id: str = ""


@dataclass
class Para:
    """A paragraph of plain text."""

    text: str


@dataclass
class Note:
    """A small-print note (footnote, method remark, warning)."""

    text: str


@dataclass
class Table:
    """A table with a numbered caption; ``levels`` optionally gives each row's indent level."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    levels: list[int] | None = None
    id: str = ""
    numeric_from: int = 1  # columns from this index on are right-aligned


@dataclass
class Figure:
    """A PNG chart in the figures folder, with a numbered caption."""

    src: str
    caption: str
    kind: str = "chart"
    id: str = ""


@dataclass
class Links:
    """A line of in-page links: (label, anchor id)."""

    label: str
    items: list[tuple[str, str]] = field(default_factory=list)


Block = Union[Heading, Para, Note, Table, Figure, Links]

_CSS = """
body{margin:0;background:#f6f7f9;color:#1d1d1f;font:15px/1.7 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:26px;line-height:1.3;margin:16px 0 4px}
h2{font-size:21px;border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:48px}
h3{font-size:17px;margin-top:32px}
p{margin:8px 0}
.meta,.note{color:#555;font-size:13px}
.warning{color:#a04000;font-weight:bold}
nav.toc ol{columns:2;font-size:14px}
nav.links{font-size:13px;line-height:2}
nav.links a{margin-right:8px;white-space:nowrap}
figure{margin:20px 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figure.radar img{max-width:420px}
figcaption,caption{font-size:13px;color:#333;margin:6px 0}
table{border-collapse:collapse;margin:16px auto;font-size:13px;min-width:50%}
caption{caption-side:top;font-weight:bold}
th,td{border:1px solid #d0d4da;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.l0 td{font-weight:bold;background:#f4f8fc}
tr.l1 td:first-child{font-weight:bold}
tr.l2 td:first-child{padding-left:24px}
tr.l3 td:first-child{padding-left:44px;color:#333}
a{color:#0060a0;text-decoration:none}
"""


def _esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def render_html(blocks: list[Block], title: str, lang: str, figures_dir: Path, embed: bool = True) -> str:
    """Return the report as one HTML page. Figures are read from ``figures_dir`` and embedded
    as ``data:`` URIs (``embed``), or linked by relative path."""
    toc = [(b.text, b.id) for b in blocks if isinstance(b, Heading) and b.level == 2 and b.id]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    toc_done = False
    for b in blocks:
        if isinstance(b, Heading):
            if b.level == 2 and not toc_done and toc:
                out.append('<nav class="toc"><ol>' + "".join(f'<li><a href="#{_esc(i)}">{_esc(txt)}</a></li>' for txt, i in toc) + "</ol></nav>")
                toc_done = True
            ident = f' id="{_esc(b.id)}"' if b.id else ""
            out.append(f"<h{b.level}{ident}>{_esc(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_esc(b.text)}</p>")
        elif isinstance(b, Note):
            cls = "note warning" if b.text.startswith(("注意", "Warning")) else "note"
            out.append(f'<p class="{cls}">{_esc(b.text)}</p>')
        elif isinstance(b, Links):
            out.append(f'<nav class="links">{_esc(b.label)}' + "".join(f'<a href="#{_esc(i)}">{_esc(txt)}</a>' for txt, i in b.items) + "</nav>")
        elif isinstance(b, Figure):
            file = figures_dir / Path(b.src).name
            w, h = png_size(file)
            ident = f' id="{_esc(b.id)}"' if b.id else ""
            src = "data:image/png;base64," + base64.b64encode(file.read_bytes()).decode("ascii") if embed else _esc(b.src)
            out.append(
                f'<figure class="{_esc(b.kind)}"{ident}><img src="{src}" data-file="{_esc(b.src)}" alt="{_esc(b.caption)}" width="{w}" height="{h}">'
                f"<figcaption>{_esc(b.caption)}</figcaption></figure>"
            )
        elif isinstance(b, Table):
            ident = f' id="{_esc(b.id)}"' if b.id else ""
            rows = []
            for i, row in enumerate(b.rows):
                cls = f' class="l{b.levels[i]}"' if b.levels else ""
                cells = "".join(
                    f'<td class="num">{_esc(c)}</td>' if j >= b.numeric_from else f"<td>{_esc(c)}</td>" for j, c in enumerate(row)
                )
                rows.append(f"<tr{cls}>{cells}</tr>")
            head = "".join(f"<th>{_esc(h)}</th>" for h in b.header)
            out.append(f"<table{ident}><caption>{_esc(b.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _md_cell(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block], title: str) -> str:
    """Return the report as GitHub-flavoured Markdown (images by relative path)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f'<a id="{b.id}"></a>\n' if b.id and b.level > 1 else ""
            out.append(f"{anchor}{'#' * b.level} {b.text}\n")
        elif isinstance(b, Para):
            out.append(b.text + "\n")
        elif isinstance(b, Note):
            out.append(f"> {b.text}\n")
        elif isinstance(b, Links):
            out.append(b.label + " · ".join(f"[{txt}](#{i})" for txt, i in b.items) + "\n")
        elif isinstance(b, Figure):
            out.append(f"![{_md_cell(b.caption)}]({b.src})\n\n*{b.caption}*\n")
        elif isinstance(b, Table):
            lines = [f"**{b.caption}**", "", "| " + " | ".join(_md_cell(h) for h in b.header) + " |"]
            lines.append("|" + "|".join("---:" if j >= b.numeric_from else "---" for j in range(len(b.header))) + "|")
            for i, row in enumerate(b.rows):
                cells = [_md_cell(c) for c in row]
                if b.levels and cells:
                    cells[0] = {0: f"**{cells[0]}**", 1: f"**{cells[0]}**", 2: f"· {cells[0]}", 3: f"· · {cells[0]}"}.get(b.levels[i], cells[0])
                lines.append("| " + " | ".join(cells) + " |")
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)
