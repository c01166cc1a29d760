"""Rewrite the table of published counts that give way in docs/sample_calibration.md.

Run ``python scripts/count_table.py`` after the sample changes: it runs the reproduction
check on the bundled sample and replaces the rows under the table's header (``| region |
quantity | ...``) with one row per published count the sample does not reproduce, as
``graphkit sample check`` explains it. Counts the dataset cannot show at all (dates,
sub-groups) are left out.
"""
from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "sample_calibration.md"
HEADER = "| region | quantity | published | reproduced | why |"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4g}"


def main() -> int:
    from graphkit.atomic import atomic_write
    from graphkit.sample.check import run_check

    rows = run_check().mismatches("count")
    lines = DOC.read_text(encoding="utf-8").split("\n")
    start = lines.index(HEADER) + 2  # below the header and its rule
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    table = [f"| {r.region_en} | {r.indicator} | {_num(r.published)} | {_num(r.reproduced)} | {r.explanation} |"
             for r in rows.itertuples()]
    with atomic_write(DOC) as fh:
        fh.write("\n".join(lines[:start] + table + lines[end:]))
    print(f"{DOC.name}: {len(table)} rows (were {end - start})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
