"""graphkit export: the scored graph as GraphML, GEXF, node-link JSON, Parquet or CSV."""
from __future__ import annotations

import sys

from graphkit.commands._common import add_data_options, add_weight_options, evaluation_from_args

__all__ = ["HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

HELP = "export the scored graph: GraphML, GEXF 1.3, node-link JSON, Parquet or CSV tables"
DESCRIPTION = (
    "Write the dataset's heterogeneous graph with region nodes (provinces, cities, circles)\n"
    "joined by located_in edges, each scored region carrying the columns of\n"
    "`graphkit score --detail` (total, ranks, tier-1/tier-2 scores, tier-3 raw values and\n"
    "0-100 scores). graphml/gexf/json write one file (Gephi, yEd, networkx, igraph, D3);\n"
    "parquet/csv write a dataset folder that `graphkit score --data` reads back, plus\n"
    "regions.<ext> with the scores. Provinces and circles are always scored; --level city\n"
    "scores the cities too. Output is written atomically and never over an existing path\n"
    "without --force, nor inside the input data folder. See docs/export.md."
)
EXAMPLES = """examples:
  graphkit export --out scored.graphml                  # format from the suffix
  graphkit export --format gexf --level city --out cities.gexf
  graphkit export --format json --data mydata/ --out graph.json
  graphkit export --format parquet --out export/        # a dataset folder: score it again
  graphkit export --format csv --excel-safe --out for_excel/   # spreadsheet-safe copy
"""


def add_arguments(p) -> None:
    p.add_argument("--format", choices=("graphml", "gexf", "json", "parquet", "csv"),
                   help="output format (default: from the suffix of --out: .graphml, .gexf, .json)")
    p.add_argument("--level", choices=("province", "city"), default="province",
                   help="province (default): provinces and circles carry scores; city: cities as well")
    add_data_options(p)
    add_weight_options(p)
    p.add_argument("--out", metavar="PATH", required=True,
                   help="file (graphml, gexf, json) or folder (parquet, csv) to write")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.add_argument("--excel-safe", action="store_true",
                   help="csv only: prefix text cells starting with = + - @ with an apostrophe so spreadsheets "
                        "do not run them as formulas, and add a UTF-8 BOM (for viewing, not for reloading)")


def run(args) -> int:
    from graphkit.errors import UsageError
    from graphkit.export import export, format_from_path

    fmt = args.format or format_from_path(args.out)
    if args.excel_safe and fmt != "csv":
        raise UsageError("--excel-safe applies to --format csv only")
    ev = evaluation_from_args(args, level=args.level)
    levels = ["city", "province", "circle"] if args.level == "city" else ["province", "circle"]
    result = export(ev, args.out, fmt, levels=levels, force=args.force, excel=args.excel_safe)
    print(f"wrote {result.path} ({fmt}): {result.nodes:,} nodes, {result.edges:,} edges; "
          f"scored levels: {', '.join(levels)}", file=sys.stderr)
    if result.replaced_characters:
        print(f"note: {result.replaced_characters:,} characters that XML 1.0 cannot hold (control characters) "
              f"were replaced by U+FFFD; the json, parquet and csv formats keep them", file=sys.stderr)
    if result.protected_cells:
        print(f"note: {result.protected_cells:,} text cells starting with = + - @ were prefixed with an "
              f"apostrophe (--excel-safe); this copy is for spreadsheets, not for `graphkit score --data`",
              file=sys.stderr)
    return 0
