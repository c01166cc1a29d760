"""graphkit indicators: the raw tier-3 indicator table of a dataset."""
from __future__ import annotations

from graphkit.commands._common import add_data_options, add_output_options, add_weight_options, evaluation_from_args

HELP = "print the raw tier-3 indicator values per region (before normalisation)"
EXAMPLES = """examples:
  graphkit indicators
  graphkit indicators --level city --format csv --out raw.csv
"""


def add_arguments(p) -> None:
    p.add_argument("--level", choices=("province", "city", "circle"), default="province", help="regions (default: province)")
    add_data_options(p)
    add_weight_options(p)
    add_output_options(p)


def run(args) -> int:
    from graphkit.output import emit, render

    ev = evaluation_from_args(args)
    names = ev.regions.set_index("code")
    raw = ev.raw.copy()
    raw.insert(0, "region_en", names["en"].reindex(raw.index))
    raw.insert(0, "region", names["zh"].reindex(raw.index))
    raw = raw.reset_index()
    digits = 2
    if args.format == "table":
        # Wide: show codes transposed, one row per indicator, so it fits a terminal.
        t = ev.raw.T
        t.columns = [names["zh"].get(c, c) for c in t.columns]
        t.insert(0, "indicator", [ev.spec.name(c, "zh") for c in t.index])
        t.insert(0, "code", t.index)
        emit(render(t.reset_index(drop=True), "table", title="三级指标原始值 · raw tier-3 indicators", digits=digits), args.out)
    else:
        emit(render(raw, args.format), args.out)
    return 0
