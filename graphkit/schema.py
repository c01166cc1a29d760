"""The dataset schema: node and edge types, their columns, and which end locates an edge.

This module is data, not logic: the loader validates against it, the aggregator uses
``locates`` to put an edge in a region, and writers use the column order. docs/schema.md
is its human-readable twin.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Column",
    "NodeType",
    "EdgeType",
    "NODE_TYPES",
    "EDGE_TYPES",
    "DOMESTIC_NODE_TYPES",
    "TABLE_TYPES",
    "table_type",
    "id_prefix",
]


@dataclass(frozen=True)
class Column:
    """One column: its kind (``str``, ``int``, ``float``, ``date``), whether it is required,
    and the allowed values for a categorical column."""

    name: str
    kind: str = "str"
    required: bool = False
    choices: tuple[str, ...] | None = None
    nonnegative: bool = True


@dataclass(frozen=True)
class NodeType:
    """A node table. Domestic nodes are located by ``province``/``city``; ``date`` names the
    column ``as_of`` cuts on (None: never cut)."""

    name: str
    columns: tuple[Column, ...]
    domestic: bool = True
    date: str | None = None
    prefix: str = ""
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class EdgeType:
    """An edge table: ``source``/``target`` node types, the column whose node locates the
    edge in a region, and the date column ``as_of`` cuts on."""

    name: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    locates: str
    columns: tuple[Column, ...] = field(default=())
    date: str | None = "date"
    zh: str = ""
    en: str = ""


def _place() -> tuple[Column, ...]:
    return (
        Column("id", required=True),
        Column("name", required=True),
        Column("name_en"),
        Column("province", required=True),
        Column("city", required=True),
    )


_PAPERS = (
    Column("domestic_papers", "int"),
    Column("intl_papers", "int"),
    Column("patents", "int"),
)

NODE_TYPES: dict[str, NodeType] = {
    t.name: t
    for t in [
        NodeType(
            "firm",
            _place()
            + (
                Column("founded", "date"),
                Column("layer", choices=("basic", "technology", "application")),
                Column("valuation", "float"),
                Column("patents", "int"),
            ),
            date="founded", prefix="F", zh="人工智能企业", en="AI firm",
        ),
        NodeType(
            "investor",
            _place() + (Column("kind", choices=("institutional", "other")),),
            prefix="V", zh="投资者", en="investor",
        ),
        NodeType("university", _place() + _PAPERS, prefix="U", zh="AI 大学", en="AI university"),
        NodeType("institute", _place() + _PAPERS, prefix="I", zh="非大学科研机构", en="research institute"),
        NodeType(
            "foreign_partner",
            (
                Column("id", required=True),
                Column("name", required=True),
                Column("name_en"),
                Column("country", required=True),
                Column("kind", required=True, choices=("company", "university")),
            ),
            domestic=False, prefix="P", zh="国外合作方", en="foreign partner",
        ),
        NodeType("company", _place(), prefix="C", zh="其他企业", en="company"),
        NodeType("conference", _place() + (Column("date", "date"),), date="date", prefix="M", zh="会议", en="conference"),
        NodeType("alliance", _place() + (Column("founded", "date"),), date="founded", prefix="A", zh="产业联盟", en="industrial alliance"),
        NodeType("policy", _place() + (Column("date", "date"),), date="date", prefix="L", zh="政策", en="policy"),
        NodeType("park", _place() + (Column("founded", "date"),), date="founded", prefix="K", zh="产业园区", en="industrial park"),
    ]
}

DOMESTIC_NODE_TYPES = tuple(n for n, t in NODE_TYPES.items() if t.domestic)

_EDGE = (Column("source", required=True), Column("target", required=True))
_DATED = _EDGE + (Column("date", "date"),)
_EXPERIENCE = _EDGE + (Column("person"), Column("year", "int"))

EDGE_TYPES: dict[str, EdgeType] = {
    t.name: t
    for t in [
        EdgeType("financing", ("investor",), ("firm",), "target",
                 _EDGE + (Column("round_id", required=True), Column("date", "date")),
                 zh="融资关系", en="financing"),
        # A round is an event, not an edge, but like an edge it is located through a node
        # (its firm), so it lives beside the edges; see docs/schema.md.
        EdgeType("round", (), ("firm",), "firm",
                 (Column("id", required=True), Column("firm", required=True), Column("round"),
                  Column("date", "date"), Column("amount", "float")),
                 zh="融资轮次", en="financing round"),
        EdgeType("investment", ("firm",), ("firm", "company"), "source",
                 _DATED + (Column("amount", "float"),), zh="投资关系", en="investment"),
        EdgeType("tech_enablement", ("firm",), ("firm", "company"), "source", _DATED,
                 zh="技术赋能关系", en="technology enablement"),
        EdgeType("intl_tech_input", ("foreign_partner",), ("firm",), "target", _DATED,
                 zh="国际技术输入关系", en="international technology input"),
        EdgeType("intl_tech_enablement", ("firm",), ("foreign_partner",), "source", _DATED,
                 zh="国际技术赋能关系", en="international technology enablement"),
        EdgeType("study_experience", ("firm",), ("foreign_partner",), "source", _EXPERIENCE, date="year",
                 zh="前期国际学习经验", en="prior international study"),
        EdgeType("work_experience", ("firm",), ("foreign_partner",), "source", _EXPERIENCE, date="year",
                 zh="前期国际工作经验", en="prior international work"),
    ]
}

TABLE_TYPES: dict[str, NodeType | EdgeType] = {**NODE_TYPES, **EDGE_TYPES}


def table_type(name: str) -> NodeType | EdgeType:
    """Return the schema entry of a node or edge table; raises KeyError listing the valid names."""
    try:
        return TABLE_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; valid tables: {', '.join(TABLE_TYPES)}") from None


def id_prefix(node_type: str) -> str:
    """Return the id prefix the bundled sample uses for a node type (a convention, not a rule)."""
    return NODE_TYPES[node_type].prefix
