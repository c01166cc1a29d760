"""graphkit report: the index as a report — rankings, echelons, circles, province and city profiles."""
from __future__ import annotations

from graphkit.commands._common import add_data_options, add_weight_options

HELP = "write the index as an HTML + Markdown report with charts (Chinese or English)"
DESCRIPTION = (
    "Score the dataset at the province, city and circle levels and write a static report\n"
    "into DIR: report.html (self-contained, opens offline), report.md and figures/*.png.\n"
    "It has the overall ranking with echelons, one chart per tier-1 dimension, the economic\n"
    "circles, a profile of every province (radar chart, 41-row rank table, generated text),\n"
    "the top cities and profiles of the leading five. Chinese chart labels need a CJK font\n"
    "(fonts-noto-cjk or fonts-wqy-microhei); without one the charts use English labels.\n"
    "With no --data the bundled SYNTHETIC sample database is used."
)
EXAMPLES = """examples:
  graphkit report --out r/                      # Chinese report of the bundled sample
  graphkit report --out r-en/ --lang en
  graphkit report --data mydata/ --judgments my_ahp.toml --out r/ --force
"""


def add_arguments(p) -> None:
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the report into (replaced atomically)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report (default: zh)")
    p.add_argument("--force", action="store_true", help="replace DIR if it already exists")
    p.add_argument("--echelons", choices=("jenks", "gaps"), default="jenks",
                   help="rule that splits rankings into echelons (default: jenks natural breaks; see docs/report.md)")
    add_data_options(p)
    add_weight_options(p)


def run(args) -> int:
    import sys
    import warnings

    from graphkit.atomic import check_writable
    from graphkit.commands._common import evaluation_from_args
    from graphkit.report import ReportWarning, build_report, inputs_from_evaluation

    check_writable(args.out, args.force)  # fail before the (slower) scoring
    ev = evaluation_from_args(args, level="province")
    with warnings.catch_warnings():
        # shown once, plainly, below instead of as a Python warning with a file name
        warnings.simplefilter("ignore", ReportWarning)
        result = build_report(inputs_from_evaluation(ev), args.out, lang=args.lang, force=args.force, echelon_method=args.echelons)
    for note in result.warnings:
        print(f"warning: {note}", file=sys.stderr)
    print(result)
    return 0
