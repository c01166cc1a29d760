"""graphkit score: the regional competitiveness index of a dataset."""
from __future__ import annotations

from graphkit.commands._common import add_data_options, add_output_options, add_weight_options, evaluation_from_args

HELP = "score a dataset: indicators, 0-100 scores, tier-1/tier-2 scores, total and ranks"
DESCRIPTION = (
    "Aggregate the dataset's relations into the 24 tier-3 indicators per region, normalise\n"
    "them to 0-100 (min-max), weight them into tier-2, tier-1 and total scores, and rank.\n"
    "With no --data the bundled SYNTHETIC sample database is scored."
)
EXAMPLES = """examples:
  graphkit score                                   # provinces of the bundled sample
  graphkit score --level city --format csv --out cities.csv
  graphkit score --level circle --detail --format json
  graphkit score --data mydata/ --encoding gbk --judgments my_ahp.toml
"""


def add_arguments(p) -> None:
    p.add_argument("--level", choices=("province", "city", "circle"), default="province",
                   help="regions to rank: provinces, cities (without the four municipalities) or economic circles")
    p.add_argument("--detail", action="store_true", help="add every tier-2 score and tier-3 raw value, score and rank")
    add_data_options(p)
    add_weight_options(p)
    add_output_options(p)


def headers(ev) -> dict[str, str]:
    """Column labels for the terminal table: Chinese over English names."""
    spec = ev.spec
    out = {"region": "地区", "region_en": "Region", "total": "总分 Total", "rank": "排名 Rank", "region_code": "代码 Code"}
    for code in list(spec.tier1["code"]) + list(spec.tier2["code"]) + spec.codes:
        # Chinese name over the code, which is short English and what CSV/JSON columns are called.
        out[code] = f"{spec.name(code, 'zh')}\n{code}"
        out[f"{code}_rank"] = "名次"
    return out


def run(args) -> int:
    from graphkit.output import emit, render, rounding_hides_order

    ev = evaluation_from_args(args)
    table = ev.table(detail=args.detail)
    if args.format == "table":
        table = table.drop(columns=["region_code"])
        if not args.detail:
            table = table[["rank", "region", "region_en", "total", *ev.spec.tier1["code"]]]
        level = {"province": "省份 provinces", "city": "城市 cities", "circle": "经济圈 circles"}[ev.level]
        title = f"人工智能科技产业区域竞争力指数 · AI industry regional competitiveness — {level}"
        if ev.dataset.path and "sample" in str(ev.dataset.path):
            title += "\n(synthetic sample database 合成样本数据库)"
        text = render(table, "table", title=title, headers=headers(ev))
        if rounding_hides_order(table["total"], table["rank"]):
            text += ("注：总分显示相同而名次不同的地区，按未四舍五入的总分排名 · note: totals that print equal "
                     "but rank apart differ beyond two decimals (--format csv gives them in full)\n")
    else:
        text = render(table, args.format)
    emit(text, args.out)
    return 0
