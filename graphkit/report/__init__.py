"""The report: rankings, echelons, economic circles, province and city profiles, as a
self-contained HTML page (plus Markdown) with matplotlib charts, in Chinese or English.

>>> import graphkit as gk                                             # doctest: +SKIP
>>> from graphkit.report import build_report, inputs_from_evaluation  # doctest: +SKIP
>>> ev = gk.evaluate(gk.load_dataset(), level="province")             # doctest: +SKIP
>>> print(build_report(inputs_from_evaluation(ev), "r/", lang="en"))  # doctest: +SKIP
"""
from __future__ import annotations

from graphkit.report.builder import (
    Profile,
    ReportInputs,
    ReportResult,
    ReportWarning,
    build_report,
    inputs_from_evaluation,
    profile,
    report_blocks,
)
from graphkit.report.echelons import ECHELON_METHODS, echelons, natural_breaks
from graphkit.report.fonts import find_cjk_font

__all__ = [
    "Profile",
    "ReportInputs",
    "ReportResult",
    "ReportWarning",
    "build_report",
    "inputs_from_evaluation",
    "report_blocks",
    "profile",
    "ECHELON_METHODS",
    "echelons",
    "natural_breaks",
    "find_cjk_font",
]
