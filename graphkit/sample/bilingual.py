"""The reproduction check's explanations in English and Chinese, built together.

Every explanation the check gives (:mod:`graphkit.sample.check`, :mod:`graphkit.sample.whatif`)
is a :class:`Text`: one English and one Chinese form, filled by :func:`bi` from the same
numbers and names. Nothing is translated after the fact, so the two forms cannot drift apart,
and a number is formatted once for both. Names come from the data: the regions' Chinese
names, the indicators' through the indicator system (:meth:`graphkit.spec.Spec.name`), and
the notes of the reference tables through :data:`NOTES_FILE`.

>>> n = Text("Hefei", "合肥市")
>>> bi("{city} ranks {rank}", "{city}排第 {rank} 名", city=n, rank=3)
Text(en='Hefei ranks 3', zh='合肥市排第 3 名')
>>> (TRADE_OFF + Text("a", "甲")).partition(COLON)
(Text(en='trade-off', zh='取舍'), Text(en=': ', zh='：'), Text(en='a', zh='甲'))
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Text", "bi", "NO_TEXT", "COLON", "SEP", "TRADE_OFF", "CONTRADICTION", "NOT_HELD",
           "indicator", "score_label", "rank_label", "entities", "column_zh", "note", "NOTES_FILE"]


@dataclass(frozen=True)
class Text:
    """A phrase or sentence in English (``en``) and Chinese (``zh``). ``+`` joins two texts
    language by language; a text is false when it is empty in English."""

    en: str = ""
    zh: str = ""

    def __add__(self, other: "Text") -> "Text":
        if not isinstance(other, Text):
            return NotImplemented
        return Text(self.en + other.en, self.zh + other.zh)

    def __bool__(self) -> bool:
        return bool(self.en)

    def join(self, parts: Iterable["Text"]) -> "Text":
        """The ``parts`` joined with this text between them, as :meth:`str.join` joins."""
        parts = list(parts)
        return Text(self.en.join(p.en for p in parts), self.zh.join(p.zh for p in parts))

    def startswith(self, prefix: "Text") -> bool:
        """True when both languages begin with ``prefix``'s: how an explanation's kind
        (:data:`TRADE_OFF`, :data:`CONTRADICTION`, :data:`NOT_HELD`) is recognised."""
        return self.en.startswith(prefix.en) and self.zh.startswith(prefix.zh)

    def partition(self, sep: "Text") -> tuple["Text", "Text", "Text"]:
        """(before, separator, after) at the first ``sep`` of each language, as
        :meth:`str.partition`."""
        en, zh = self.en.partition(sep.en), self.zh.partition(sep.zh)
        return Text(en[0], zh[0]), Text(en[1], zh[1]), Text(en[2], zh[2])


def bi(en: str, zh: str, **values) -> Text:
    """A :class:`Text` from an English and a Chinese template (:meth:`str.format` syntax)
    filled with the same ``values``: a :class:`Text` value gives each language its own form,
    any other value (a number) is formatted the same way in both. In the Chinese, a Latin
    word gets a space from the characters around it ("调入 AI 大学数"), as the report sets it.

    >>> bi("{n} {j} taken from {c}", "从{c}调入{j} {n}", n=3, j=Text("univ_count", "AI 大学数"),
    ...    c=Text("Wenzhou", "温州市")).zh
    '从温州市调入 AI 大学数 3'
    """
    zh = zh.format(**{k: v.zh if isinstance(v, Text) else v for k, v in values.items()})
    return Text(en.format(**{k: v.en if isinstance(v, Text) else v for k, v in values.items()}),
                _LATIN_NEXT_TO_HAN.sub(" ", zh))


#: Where a Latin letter meets a Chinese character.
_LATIN_NEXT_TO_HAN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u4e00-\u9fff])")


NO_TEXT = Text()
#: Between an explanation's kind and the rest.
COLON = Text(": ", "：")
#: Between the parts of a list or of a two-part explanation.
SEP = Text("; ", "；")
#: The kinds of explanation (graphkit.commands.sample.EXPLANATION_KINDS maps them for its tags).
TRADE_OFF = Text("trade-off", "取舍") + COLON
CONTRADICTION = Text("report contradiction", "报告自相矛盾") + COLON
NOT_HELD = Text("not held by the calibration", "校准未保持") + COLON


@lru_cache(maxsize=1)
def _default_spec():
    from graphkit.spec import load_spec

    return load_spec()


def indicator(code: str, spec=None) -> Text:
    """An indicator as the explanations name it: its code in English, its Chinese name
    (:meth:`graphkit.spec.Spec.name`) in Chinese; a Chinese name that several tier-3
    indicators share ("平均专利数") is preceded by the entities it averages over
    ("AI 大学平均专利数"). ``spec`` defaults to the report's indicator system; a code it does
    not have (a test's made-up dimension) is its own name in both languages."""
    from graphkit.schema import TABLE_TYPES

    spec = spec if spec is not None else _default_spec()
    try:
        zh = spec.name(code, "zh")
    except KeyError:
        return Text(code, code)
    t3 = spec.tier3
    if code in set(t3.code) and int((t3.zh == zh).sum()) > 1:
        zh = TABLE_TYPES[t3.loc[t3.code == code, "table"].iloc[0]].zh + zh
    return Text(code, zh)


def score_label(code: str, spec=None) -> Text:
    """"total score" / "综合得分", "enterprise score" / "企业能力得分"."""
    return Text("total score", "综合得分") if code == "total" else indicator(code, spec) + Text(" score", "得分")


def rank_label(code: str, spec=None) -> Text:
    """"total rank" / "综合排名", "enterprise rank" / "企业能力排名"."""
    return Text("total rank", "综合排名") if code == "total" else indicator(code, spec) + Text(" rank", "排名")


_PLURAL = {"firm": "firms", "university": "universities", "institute": "institutes"}


def entities(table: str, k: int) -> Text:
    """``k`` entities of a node table: "1 university" / "1 所 AI 大学", "289 firms" /
    "289 家人工智能企业"."""
    from graphkit.report.text import ENTITY_WORDS

    en = table if k == 1 else _PLURAL.get(table, table)
    return Text(f"{k} {en}", f"{k} {ENTITY_WORDS[table][0]}" if table in ENTITY_WORDS else f"{k} 个{table}")


#: Chinese names of the node columns a mean indicator averages (indicator system: ``column``).
_COLUMNS_ZH = {"valuation": "估值", "patents": "专利", "domestic_papers": "国内论文", "intl_papers": "国际论文",
               "amount": "金额"}


def column_zh(column: str) -> Text:
    """A node column as the explanations name it: the column in English, its Chinese name in
    Chinese (the column itself where it has none: an indicator system of one's own)."""
    return Text(column, _COLUMNS_ZH.get(column, column))


#: Chinese versions of the notes of data/reference/*.csv that the check quotes.
NOTES_FILE = Path(__file__).with_name("notes_zh.toml")


@lru_cache(maxsize=1)
def _notes() -> dict[str, str]:
    with open(NOTES_FILE, "rb") as fh:
        return {n["en"]: n["zh"] for n in tomllib.load(fh)["note"]}


def note(en: str) -> Text:
    """A note of the reference tables with its Chinese version from :data:`NOTES_FILE`
    (looked up by the exact English text). Raises :class:`graphkit.errors.DataError` naming the
    note where there is none: a quoted note must not appear untranslated."""
    from graphkit.errors import DataError, Problem

    zh = _notes().get(en)
    if zh is None:
        raise DataError([Problem("a note of the reference tables has no Chinese version; add an [[note]] "
                                 "entry with this en and its zh", file=str(NOTES_FILE), value=en)])
    return Text(en, zh)
