"""Export the scored graph: GraphML, GEXF 1.3, node-link JSON, or Parquet/CSV tables.

The exported graph is one heterogeneous, directed multigraph:

* every **entity** of the dataset (firms, investors, universities, …) as a node with its
  ``type``, ``name``, place (``province``, ``city`` and their codes) and every other column;
  financing **rounds** are nodes too (type ``round``), joined to their firm by a ``round_of``
  edge, so a round's amount is stored once, never once per co-investor;
* every **relation** as an edge with its ``type`` and columns;
* **region nodes** — ``province:<code>``, ``city:<code>``, ``circle:<code>`` — joined by
  ``located_in`` edges (entity → city → province → circle), each scored region carrying the
  columns of ``graphkit score --detail`` under the same names: ``region``, ``region_en``,
  ``region_code``, ``total``, ``rank``, ``<tier1>``, ``<tier1>_rank``, ``<tier2>``,
  ``<tier2>_rank``, ``<tier3>_raw``, ``<tier3>``, ``<tier3>_rank``.

The graph is assembled as a list of :class:`Part` tables (one per node or edge type) and the
writers stream rows straight to the file, so no networkx graph of millions of edges is ever
held in memory. Values keep their types: integers stay integers, floats floats, dates become
ISO 8601 strings, lists become JSON text in XML (native lists in JSON), and a missing value
is left out (never written as ``nan``). XML 1.0 cannot carry most control characters at all
(not even escaped): they are replaced by U+FFFD in GraphML and GEXF and counted; JSON, CSV
and Parquet keep them exactly. Every file is written atomically (temporary file, then
rename). See docs/export.md.

Examples
--------
>>> import graphkit as gk
>>> from graphkit.export import export
>>> ev = gk.evaluate(gk.load_dataset("mydata/"))            # doctest: +SKIP
>>> export(ev, "scored.graphml")                            # doctest: +SKIP
<ExportResult graphml scored.graphml: 2,431 nodes, 9,870 edges>
"""
from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

import numpy as np
import pandas as pd

from graphkit.errors import DataError, Problem, UsageError

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "TABLE_FORMATS",
    "SCHEMA_DIR",
    "GRAPHML_XSD",
    "GEXF_XSD",
    "Part",
    "ExportResult",
    "scored_graph",
    "export",
    "export_parts",
    "write_graphml",
    "write_gexf",
    "write_node_link",
    "write_tables",
    "xml_clean",
    "excel_safe",
    "check_target",
    "format_from_path",
]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GRAPHML_XSD = SCHEMA_DIR / "graphml" / "graphml.xsd"
GEXF_XSD = SCHEMA_DIR / "gexf-1.3" / "gexf.xsd"

GRAPH_FORMATS = ("graphml", "gexf", "json")
TABLE_FORMATS = ("parquet", "csv")
FORMATS = GRAPH_FORMATS + TABLE_FORMATS
_SUFFIX = {".graphml": "graphml", ".gexf": "gexf", ".json": "json"}

#: Region levels in containment order (an entity sits in a city, a city in a province …).
REGION_LEVELS = ("city", "province", "circle")
CONTAINMENT = "located_in"
ROUND_EDGE = "round_of"

# Value kinds a column can have; each writer maps them to its own type names.
_GRAPHML_TYPE = {"int": "long", "float": "double", "bool": "boolean", "str": "string", "date": "string", "json": "string"}
_GEXF_TYPE = {"int": "long", "float": "double", "bool": "boolean", "str": "string", "date": "string", "json": "string"}

# Colour by node type in GEXF (Gephi shows it as is). Tableau-10 for entities, greys for regions.
_COLOURS = {
    "firm": (31, 119, 180), "investor": (255, 127, 14), "university": (44, 160, 44),
    "institute": (214, 39, 40), "foreign_partner": (148, 103, 189), "company": (140, 86, 75),
    "conference": (227, 119, 194), "alliance": (127, 127, 127), "policy": (188, 189, 34),
    "park": (23, 190, 207), "round": (174, 199, 232),
    "city": (170, 170, 170), "province": (90, 90, 90), "circle": (30, 30, 30),
}
_DEFAULT_COLOUR = (200, 200, 200)

# XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# The rest cannot appear even as character references, so they are replaced.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ATTR_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                              "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
_TEXT_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})

# XML 1.0 (5th edition) NameChar: GraphML ids and attribute names must be NMTOKENs.
_NAME_CHAR = (":A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
              "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
              "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040")
_NMTOKEN = re.compile(f"[{_NAME_CHAR}]+")
_NOT_NAME_CHAR = re.compile(f"[^{_NAME_CHAR}]")

#: Characters that make a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------ the graph as tables

@dataclass
class Part:
    """One node or edge type of the exported graph, as a table.

    ``kind`` is ``"node"`` (``frame`` has an ``id`` column) or ``"edge"`` (``source`` and
    ``target``); every other column is an attribute, and ``type`` is added to every row.
    ``kinds`` maps attribute columns to ``int``, ``float``, ``bool``, ``str``, ``date`` or
    ``json``; columns not in it are typed from their values.
    """

    kind: str
    type: str
    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> list[str]:
        """The attribute columns (every column but the id or the two ends)."""
        skip = ("id",) if self.kind == "node" else ("source", "target")
        return [c for c in self.frame.columns if c not in skip]

    def __repr__(self) -> str:
        return f"<Part {self.kind} {self.type}: {len(self.frame):,} rows, {len(self.attributes)} attributes>"


@dataclass
class ExportResult:
    """What an export wrote: format, path, node and edge counts, and the characters XML
    could not carry (replaced by U+FFFD) or the CSV cells protected for spreadsheets."""

    format: str
    path: Path
    nodes: int
    edges: int
    replaced_characters: int = 0
    protected_cells: int = 0

    def __repr__(self) -> str:
        return f"<ExportResult {self.format} {self.path}: {self.nodes:,} nodes, {self.edges:,} edges>"


def _infer_kind(series: pd.Series) -> str:
    """Return the value kind of a column from its dtype, or from its values for objects."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    kinds = set()
    for v in series.dropna().head(100_000):  # enough to type a column; the rest is converted
        if isinstance(v, (bool, np.bool_)):
            kinds.add("bool")
        elif isinstance(v, (int, np.integer)):
            kinds.add("int")
        elif isinstance(v, (float, np.floating)):
            kinds.add("float")
        elif isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"):
            kinds.add("date")
        elif isinstance(v, (list, tuple, dict, np.ndarray, set)):
            kinds.add("json")
        else:
            kinds.add("str")
    if not kinds:
        return "str"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"int", "float"}:
        return "float"
    if "json" in kinds and kinds <= {"json", "int", "float", "bool", "str"}:
        return "json"
    return "str"


def _unify(a: str, b: str) -> str:
    """Return the kind that holds values of kinds ``a`` and ``b`` (int+float: float; else str)."""
    if a == b:
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    return "str"


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return not math.isfinite(v)
    return False


def _iso(v) -> str:
    """Return a date or timestamp as ISO 8601 text: a date alone when the time is midnight."""
    ts = pd.Timestamp(v)
    if ts.hour == ts.minute == ts.second == ts.microsecond == ts.nanosecond == 0 and ts.tz is None:
        return ts.strftime("%Y-%m-%d")
    return ts.isoformat()


def _json_default(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (np.ndarray, set, tuple)):
        return list(v)
    if hasattr(v, "isoformat"):
        return _iso(v)
    return str(v)


def _plain(v):
    """Return a JSON-ready value (numpy scalars unwrapped, NaN inside lists as None)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if hasattr(v, "isoformat"):
        return _iso(v)
    return v


def _values(series: pd.Series, kind: str) -> list:
    """Return the column as a list of plain Python values of ``kind``; None where missing.

    Vectorised where pandas allows: a 10-million-row column is one conversion, not a loop
    over numpy scalars (which networkx's writers reject, networkx #3572/#7560).
    """
    n = len(series)
    if n == 0:
        return []
    if kind == "float":
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        out = arr.tolist()
        bad = ~np.isfinite(arr)
        if bad.any():
            for i in np.flatnonzero(bad):
                out[i] = None
        return out
    if kind == "int":
        num = pd.to_numeric(series, errors="coerce")
        arr = num.to_numpy(dtype=float, na_value=np.nan) if not pd.api.types.is_integer_dtype(num) else None
        if arr is not None:
            missing = ~np.isfinite(arr)
            if (arr[~missing] % 1 != 0).any():  # not whole numbers after all: keep them as floats
                return _values(series, "float")
            ints = np.where(missing, 0, arr).astype(np.int64).tolist()
            for i in np.flatnonzero(missing):
                ints[i] = None
            return ints
        return [None if v is pd.NA else int(v) for v in num.astype("Int64").tolist()]
    if kind == "bool":
        return [None if _missing(v) else bool(v) for v in series.tolist()]
    if kind == "date":
        ts = pd.to_datetime(series, errors="coerce")
        if getattr(ts.dt, "tz", None) is None and (ts.dropna() == ts.dropna().dt.normalize()).all():
            text = ts.dt.strftime("%Y-%m-%d")
        else:
            text = ts.map(lambda t: None if t is pd.NaT else t.isoformat())
        return [None if not isinstance(v, str) else v for v in text.tolist()]
    if kind == "json":
        return [None if _missing(v) else _plain(v) for v in series.tolist()]
    # str
    out = []
    for v in series.tolist():
        if _missing(v):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (bool, np.bool_)):
            out.append("true" if v else "false")
        elif hasattr(v, "isoformat"):
            out.append(_iso(v))
        elif isinstance(v, np.generic):
            out.append(str(v.item()))
        else:
            out.append(str(v))
    return out


def _part_kinds(part: Part) -> list[tuple[str, str]]:
    """Return ``(name, kind)`` of the attribute columns of ``part``, ``type`` first.

    Cheap: from the part's declared kinds or the dtype (object columns look at up to
    100,000 values), so headers can be written before any value is converted.
    """
    out = [("type", "str")]
    for c in part.attributes:
        if c != "type":  # the part's own type wins; _user_type_column renamed a user's "type"
            out.append((c, part.kinds.get(c) or _infer_kind(part.frame[c])))
    return out


def _part_columns(part: Part, kinds: list[tuple[str, str]] | None = None) -> list[tuple[str, str, list]]:
    """Return ``(name, kind, values)`` for the attribute columns of ``part`` (``type`` first).

    Writers call it one part at a time, so only one table's converted values are in memory.
    """
    kinds = kinds or _part_kinds(part)
    return [(name, kind, [part.type] * len(part.frame) if name == "type" else _values(part.frame[name], kind))
            for name, kind in kinds]


# ------------------------------------------------------------------ building the parts

def _schema_kinds(columns) -> dict[str, str]:
    return {c.name: c.kind for c in columns}


def _user_type_column(frame: pd.DataFrame) -> pd.DataFrame:
    # A user's own "type" column would be shadowed by the part type; keep it as type_.
    return frame.rename(columns={"type": "type_"}) if "type" in frame.columns else frame


def _region_parts(ds, evaluations: dict, regions) -> tuple[list[Part], list[Part]]:
    """Return the region node parts (city, province, circle) and the containment edge parts."""
    from graphkit.schema import NODE_TYPES

    domestic = [t for n, t in ds.nodes.items() if NODE_TYPES[n].domestic and len(t)]
    if domestic:
        places = pd.concat([t[["province_code", "city_code"]] for t in domestic], ignore_index=True).dropna()
        places = places.drop_duplicates()
    else:
        places = pd.DataFrame({"province_code": pd.Series(dtype=object), "city_code": pd.Series(dtype=object)})

    tables = {
        "province": regions.province_table()[["code", "zh", "en"]],
        "circle": regions.circles[["code", "zh", "en"]].reset_index(drop=True),
    }
    cities = regions.city_table()
    used = set(places["city_code"])
    scored_cities = set(evaluations["city"].regions["code"]) if "city" in evaluations else set()
    tables["city"] = cities[cities["code"].isin(used | scored_cities)][["code", "zh", "en"]].reset_index(drop=True)

    node_parts, edge_parts = [], []
    for level in REGION_LEVELS:
        t = tables[level]
        frame = pd.DataFrame({
            "id": (level + ":" + t["code"].astype(str)).to_numpy(),
            "name": t["zh"].to_numpy(),
            "region": t["zh"].to_numpy(),
            "region_en": t["en"].to_numpy(),
            "region_code": t["code"].astype(str).to_numpy(),
        })
        kinds = {"name": "str", "region": "str", "region_en": "str", "region_code": "str"}
        ev = evaluations.get(level)
        if ev is not None:
            scores = ev.table(detail=True).drop(columns=["region", "region_en"])
            frame = frame.merge(scores, on="region_code", how="left", validate="one_to_one")
            for c in scores.columns:
                if c != "region_code":
                    kinds[c] = "int" if c == "rank" or c.endswith("_rank") else "float"
        node_parts.append(Part("node", level, frame, kinds))

    # entity -> city
    for name, t in ds.nodes.items():
        if not NODE_TYPES[name].domestic or not len(t):
            continue
        has = t["city_code"].notna().to_numpy()
        edge_parts.append(Part("edge", CONTAINMENT, pd.DataFrame({
            "source": t["id"].to_numpy()[has],
            "target": ("city:" + t["city_code"][has].astype(str)).to_numpy(),
        })))
    # city -> province: the reference table's province, which for a municipality is itself
    c = tables["city"]
    prov_of = c["code"].map(regions.province_of)
    edge_parts.append(Part("edge", CONTAINMENT, pd.DataFrame({
        "source": ("city:" + c["code"].astype(str)).to_numpy(),
        "target": ("province:" + prov_of.astype(str)).to_numpy(),
    })[prov_of.notna().to_numpy()]))
    # province -> circle
    pairs = [(p, circle) for circle, members in regions.circle_members().items() for p in members]
    edge_parts.append(Part("edge", CONTAINMENT, pd.DataFrame(
        {"source": [f"province:{p}" for p, _ in pairs], "target": [f"circle:{c}" for _, c in pairs]},
        dtype=object)))
    return node_parts, edge_parts


def scored_graph(ds, evaluations: dict, regions=None) -> list[Part]:
    """Return the exported graph of dataset ``ds`` as a list of :class:`Part` tables.

    ``evaluations`` maps a level (``province``, ``city``, ``circle``) to the
    :class:`~graphkit.evaluation.Evaluation` whose scores the region nodes of that level
    carry; levels left out get region nodes without scores. ``regions`` defaults to
    :func:`graphkit.regions.load_regions`. Node parts come first, then edge parts.
    Raises :class:`DataError` if an entity id collides with a region node id.
    """
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    if regions is None:
        from graphkit.regions import load_regions

        regions = load_regions()
    nodes: list[Part] = []
    edges: list[Part] = []
    for name, frame in ds.nodes.items():
        if len(frame):
            kinds = _schema_kinds(NODE_TYPES[name].columns) if name in NODE_TYPES else {}
            kinds.update({"province_code": "str", "city_code": "str"})
            nodes.append(Part("node", name, _user_type_column(frame), kinds))
    rounds = ds.edges.get("round")
    if rounds is not None and len(rounds):
        nodes.append(Part("node", "round", _user_type_column(rounds), _schema_kinds(EDGE_TYPES["round"].columns)))
        edges.append(Part("edge", ROUND_EDGE, pd.DataFrame({"source": rounds["id"].to_numpy(), "target": rounds["firm"].to_numpy()})))
    for name, frame in ds.edges.items():
        if name != "round" and len(frame):
            kinds = _schema_kinds(EDGE_TYPES[name].columns) if name in EDGE_TYPES else {}
            edges.append(Part("edge", name, _user_type_column(frame), kinds))
    region_nodes, containment = _region_parts(ds, evaluations, regions)

    region_ids = pd.Index(pd.concat([p.frame["id"] for p in region_nodes], ignore_index=True))
    problems = []
    for p in nodes:
        clash = p.frame["id"][p.frame["id"].isin(region_ids)]
        for v in clash.head(20):
            problems.append(Problem("entity id collides with a region node id of the export; rename the entity",
                                    file=p.type, column="id", value=v))
    if problems:
        raise DataError(problems)
    return nodes + region_nodes + edges + containment


# ------------------------------------------------------------------ text safety

class _Counter:
    """Counts characters replaced while cleaning text for XML."""

    def __init__(self) -> None:
        self.n = 0

    def sub(self, pattern: re.Pattern, s: str) -> str:
        s, k = pattern.subn("\ufffd", s)
        self.n += k
        return s


def xml_clean(text: str) -> str:
    """Return ``text`` with the characters XML 1.0 forbids (C0 controls but tab, newline and
    carriage return; U+FFFE, U+FFFF; lone surrogates) replaced by U+FFFD.

    >>> xml_clean("a\\x00b\\x1fc\\td")
    'a\\ufffdb\\ufffdc\\td'
    """
    return _XML_ILLEGAL.sub("\ufffd", text)


def _attr(s: str, counter: _Counter) -> str:
    if _XML_ILLEGAL.search(s):
        s = counter.sub(_XML_ILLEGAL, s)
    return s.translate(_ATTR_ESCAPE)


def _text(s: str, counter: _Counter) -> str:
    if _XML_ILLEGAL.search(s):
        s = counter.sub(_XML_ILLEGAL, s)
    return s.translate(_TEXT_ESCAPE)


def _scalar_text(v, kind: str) -> str:
    """Return the XML text of a non-missing value of ``kind`` (before escaping)."""
    if kind == "float":
        return repr(float(v))
    if kind == "int":
        return str(int(v))
    if kind == "bool":
        return "true" if v else "false"
    if kind == "json" or isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=_json_default, allow_nan=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else str(v)


def excel_safe(value):
    """Return ``value`` made safe to open in a spreadsheet: text starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return gets a leading apostrophe (``'=1+1``), which
    spreadsheets show but do not evaluate. Other values are returned unchanged.

    >>> excel_safe("=HYPERLINK(\\"http://x\\")"), excel_safe("Alibaba"), excel_safe(-3)
    ('\\'=HYPERLINK("http://x")', 'Alibaba', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _nmtoken(s: str) -> str:
    """Return ``s`` as an XML NMTOKEN: invalid characters become ``_xHHHH_``."""
    if _NMTOKEN.fullmatch(s):
        return s
    if not s:
        return "_x_"
    return _NOT_NAME_CHAR.sub(lambda m: f"_x{ord(m.group()):04X}_", s)


def _graphml_ids(ids: pd.Series, counter: _Counter) -> list[str]:
    """Return node ids as escaped GraphML NMTOKENs (see :func:`_nmtoken`).

    The usual case, every id already a NMTOKEN, is one vectorised check and needs no
    escaping (a NMTOKEN holds none of & < > ").
    """
    if bool(ids.str.fullmatch(_NMTOKEN.pattern).all()):
        return ids.tolist()
    return [_attr(_nmtoken(v), counter) for v in ids.tolist()]


def _pause_for_tests() -> None:
    # Lets the test suite kill an export mid-write deterministically (tests/test_export.py):
    # the marker file tells the test the pause has begun, so its signal cannot arrive early.
    delay = os.environ.get("GRAPHKIT_EXPORT_TEST_PAUSE")
    if delay:
        mark = os.environ.get("GRAPHKIT_EXPORT_TEST_MARK")
        if mark:
            Path(mark).touch()
        time.sleep(float(delay))


# ------------------------------------------------------------------ writers

@dataclass
class _Key:
    id: str
    domain: str
    name: str
    kind: str


def _keys(parts: list[Part], prefix: Callable[[str], str]) -> tuple[dict[tuple[str, str], _Key], list[list]]:
    """Declare one key per (domain, attribute name) over all parts, with unified kinds.

    Returns the keys and, per part, its ``(name, kind)`` list for :func:`_part_columns`.
    """
    kinds: dict[tuple[str, str], str] = {}
    converted = []
    for p in parts:
        cols = _part_kinds(p)
        converted.append(cols)
        for name, kind in cols:
            k = (p.kind, name)
            kinds[k] = _unify(kinds[k], kind) if k in kinds else kind
    keys = {}
    for i, ((domain, name), kind) in enumerate(kinds.items()):
        keys[(domain, name)] = _Key(f"{prefix(domain)}{i}", domain, name, kind)
    return keys, converted


def _chunks(rows: Iterator[str], fh: TextIO, size: int = 5000) -> None:
    buf = []
    first = True
    for r in rows:
        buf.append(r)
        if len(buf) >= size:
            fh.write("".join(buf))
            buf.clear()
            if first:
                fh.flush()
                _pause_for_tests()
                first = False
    fh.write("".join(buf))
    if first:
        fh.flush()
        _pause_for_tests()


def _graph_meta(parts: list[Part], meta: dict | None) -> dict:
    out = {"generator": "graphkit", "node_types": ",".join(dict.fromkeys(p.type for p in parts if p.kind == "node")),
           "edge_types": ",".join(dict.fromkeys(p.type for p in parts if p.kind == "edge"))}
    out.update({k: v for k, v in (meta or {}).items() if v is not None})
    return out


def write_graphml(parts: list[Part], fh: TextIO, meta: dict | None = None) -> tuple[int, int, int]:
    """Stream ``parts`` to ``fh`` as GraphML (valid against the shipped GraphML 1.0 XSD).

    One ``<key>`` per attribute name and domain (``long``, ``double``, ``boolean`` or
    ``string``); a node's id is its dataset id (an id that is not an XML NMTOKEN is encoded
    as ``_xHHHH_`` and the original kept in ``original_id``); edges have ids ``e0``, ``e1`` …
    Graph-level ``meta`` is written as graph data. Returns (nodes, edges, replaced characters).
    """
    counter = _Counter()
    keys, converted = _keys(parts, lambda d: "n" if d == "node" else "e")
    needs_original = False
    for p in parts:
        if p.kind == "node":
            ids = p.frame["id"].astype(str)
            ok = ids.str.fullmatch(_NMTOKEN.pattern)
            needs_original |= not bool(ok.all())
    if needs_original:
        keys[("node", "original_id")] = _Key("n_original_id", "node", "original_id", "str")
    graph_meta = _graph_meta(parts, meta)

    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"\n'
             '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
             '    xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for i, name in enumerate(graph_meta):
        fh.write(f'  <key id="g{i}" for="graph" attr.name="{_nmtoken(name)}" attr.type="string"/>\n')
    for k in keys.values():
        fh.write(f'  <key id="{k.id}" for="{k.domain}" attr.name="{_attr(_nmtoken(k.name), counter)}" '
                 f'attr.type="{_GRAPHML_TYPE[k.kind]}"/>\n')
    fh.write('  <graph id="G" edgedefault="directed">\n')
    for i, (name, value) in enumerate(graph_meta.items()):
        fh.write(f'    <data key="g{i}">{_text(str(value), counter)}</data>\n')

    n_nodes = n_edges = 0

    def rows():
        nonlocal n_nodes, n_edges
        for p, pk in zip(parts, converted):
            cols = _part_columns(p, pk)
            ks = [keys[(p.kind, name)] for name, _, _ in cols]
            vals = [v for _, _, v in cols]
            if p.kind == "node":
                raw = p.frame["id"].astype(str)
                ends = zip(_graphml_ids(raw, counter), raw.tolist())
                n_nodes += len(raw)
            else:
                ends = zip(_graphml_ids(p.frame["source"].astype(str), counter),
                           _graphml_ids(p.frame["target"].astype(str), counter))
            for i, (a, b) in enumerate(ends):
                if p.kind == "node":
                    out = [f'    <node id="{a}">']
                    if a != b:
                        out.append(f'<data key="n_original_id">{_text(b, counter)}</data>')
                    close = "</node>\n"
                else:
                    out = [f'    <edge id="e{n_edges}" source="{a}" target="{b}">']
                    n_edges += 1
                    close = "</edge>\n"
                for k, col in zip(ks, vals):
                    v = col[i]
                    if v is not None:
                        out.append(f'<data key="{k.id}">{_text(_scalar_text(v, k.kind), counter)}</data>')
                out.append(close)
                yield "".join(out)

    _chunks(rows(), fh)
    fh.write("  </graph>\n</graphml>\n")
    return n_nodes, n_edges, counter.n


def _viz_size(p: Part, i: int, total: list | None) -> float:
    if total is not None and total[i] is not None:
        return round(5.0 + max(float(total[i]), 0.0) / 4.0, 4)
    return 5.0 if p.type in REGION_LEVELS else 2.0


def write_gexf(parts: list[Part], fh: TextIO, meta: dict | None = None) -> tuple[int, int, int]:
    """Stream ``parts`` to ``fh`` as GEXF 1.3 (valid against the shipped GEXF 1.3 XSD).

    Attributes are declared per class (``long``, ``double``, ``boolean``, ``string``);
    nodes are labelled with their ``name``, coloured by type and sized by total score
    (regions; 5 + total/4); an edge's ``kind`` is its type, so Gephi keeps parallel edges of
    different types apart. Returns (nodes, edges, replaced characters).
    """
    counter = _Counter()
    keys, converted = _keys(parts, lambda d: "n" if d == "node" else "e")
    graph_meta = _graph_meta(parts, meta)
    n_nodes = sum(len(p.frame) for p in parts if p.kind == "node")
    n_edges = sum(len(p.frame) for p in parts if p.kind == "edge")
    desc = "; ".join(f"{k}={v}" for k, v in graph_meta.items() if k != "generator")

    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz"\n'
             '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
             '    xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
             f'  <meta>\n    <creator>graphkit</creator>\n    <description>{_text(desc, counter)}</description>\n  </meta>\n'
             '  <graph defaultedgetype="directed" mode="static">\n')
    for domain in ("node", "edge"):
        fh.write(f'    <attributes class="{domain}" mode="static">\n')
        for k in keys.values():
            if k.domain == domain:
                fh.write(f'      <attribute id="{k.id}" title="{_attr(k.name, counter)}" type="{_GEXF_TYPE[k.kind]}"/>\n')
        fh.write("    </attributes>\n")

    def rows():
        edge_no = 0
        yield f'    <nodes count="{n_nodes}">\n'
        for p, pk in zip(parts, converted):
            if p.kind == "edge":
                continue
            cols = _part_columns(p, pk)
            ks = [keys[(p.kind, name)] for name, _, _ in cols]
            vals = [v for _, _, v in cols]
            names = dict((n, v) for n, _, v in cols)
            label = names.get("name")
            total = names.get("total")
            r, g, b = _COLOURS.get(p.type, _DEFAULT_COLOUR)
            for i, nid in enumerate(p.frame["id"].astype(str).tolist()):
                lab = label[i] if label is not None and label[i] is not None else nid
                out = [f'      <node id="{_attr(nid, counter)}" label="{_attr(str(lab), counter)}"><attvalues>']
                for k, col in zip(ks, vals):
                    v = col[i]
                    if v is not None:
                        out.append(f'<attvalue for="{k.id}" value="{_attr(_scalar_text(v, k.kind), counter)}"/>')
                out.append(f'</attvalues><viz:color r="{r}" g="{g}" b="{b}"/>'
                           f'<viz:size value="{_viz_size(p, i, total)}"/></node>\n')
                yield "".join(out)
        yield "    </nodes>\n"
        yield f'    <edges count="{n_edges}">\n'
        for p, pk in zip(parts, converted):
            if p.kind == "node":
                continue
            cols = _part_columns(p, pk)
            ks = [keys[(p.kind, name)] for name, _, _ in cols]
            vals = [v for _, _, v in cols]
            kind = _attr(p.type, counter)
            for i, (s, t) in enumerate(zip(p.frame["source"].astype(str).tolist(), p.frame["target"].astype(str).tolist())):
                out = [f'      <edge id="e{edge_no}" source="{_attr(s, counter)}" target="{_attr(t, counter)}" kind="{kind}"><attvalues>']
                edge_no += 1
                for k, col in zip(ks, vals):
                    v = col[i]
                    if v is not None:
                        out.append(f'<attvalue for="{k.id}" value="{_attr(_scalar_text(v, k.kind), counter)}"/>')
                out.append("</attvalues></edge>\n")
                yield "".join(out)
        yield "    </edges>\n"

    _chunks(rows(), fh)
    fh.write("  </graph>\n</gexf>\n")
    return n_nodes, n_edges, counter.n


def _json_value(v, kind: str):
    if kind == "float":
        return float(v)
    if kind == "int" and not isinstance(v, bool):
        return int(v)
    return v


def write_node_link(parts: list[Part], fh: TextIO, meta: dict | None = None) -> tuple[int, int, int]:
    """Stream ``parts`` to ``fh`` as node-link JSON, the format of networkx's
    ``json_graph.node_link_data`` (``nodes``/``edges``, each edge with a unique ``key``),
    which ``json_graph.node_link_graph(data)`` reads back and D3 draws (``edges`` is
    D3's ``links``).

    UTF-8 without ``\\u`` escapes for Chinese or emoji; control characters are escaped by
    JSON and survive exactly; only lone surrogates (not encodable in UTF-8) become U+FFFD.
    Returns (nodes, edges, replaced characters).
    """
    counter = _Counter()
    converted = [_part_kinds(p) for p in parts]
    graph = _graph_meta(parts, meta)

    def dump(obj) -> str:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_json_default)
        return counter.sub(_SURROGATE, text) if _SURROGATE.search(text) else text

    fh.write('{"directed": true, "multigraph": true, "graph": ' + dump(graph) + ',\n"nodes": [\n')
    n_nodes = n_edges = 0

    def node_rows():
        nonlocal n_nodes
        for p, pk in zip(parts, converted):
            if p.kind != "node":
                continue
            cols = _part_columns(p, pk)
            for i, nid in enumerate(p.frame["id"].astype(str).tolist()):
                rec = {"id": nid}
                for name, kind, col in cols:
                    if col[i] is not None:
                        rec[name] = _json_value(col[i], kind)
                yield ("" if n_nodes == 0 else ",\n") + dump(rec)
                n_nodes += 1

    def edge_rows():
        nonlocal n_edges
        for p, pk in zip(parts, converted):
            if p.kind != "edge":
                continue
            cols = _part_columns(p, pk)
            for i, (s, t) in enumerate(zip(p.frame["source"].astype(str).tolist(), p.frame["target"].astype(str).tolist())):
                rec = {"source": s, "target": t, "key": f"e{n_edges}"}
                for name, kind, col in cols:
                    if col[i] is not None:
                        rec[name] = _json_value(col[i], kind)
                yield ("" if n_edges == 0 else ",\n") + dump(rec)
                n_edges += 1

    _chunks(node_rows(), fh)
    fh.write('\n],\n"edges": [\n')
    _chunks(edge_rows(), fh)
    fh.write("\n]}\n")
    return n_nodes, n_edges, counter.n


def _protect(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return ``frame`` with :func:`excel_safe` applied to text cells, and how many changed."""
    out = frame.copy()
    changed = 0
    for c in out.columns:
        if out[c].dtype != object:
            continue
        s = out[c]
        hit = s.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START)).to_numpy(dtype=bool)
        if hit.any():
            out.loc[hit, c] = "'" + s[hit].astype(str)
            changed += int(hit.sum())
    return out, changed


def _region_table(parts: list[Part]) -> pd.DataFrame:
    """Return one table of all region nodes with their scores and their containing region."""
    frames = []
    parent = {}
    for p in parts:
        if p.kind == "edge" and p.type == CONTAINMENT:
            f = p.frame
            is_region = f["source"].astype(str).str.match(r"^(city|province):")
            parent.update(zip(f["source"][is_region], f["target"][is_region]))
    for p in parts:
        if p.kind == "node" and p.type in REGION_LEVELS:
            f = p.frame.copy()
            f.insert(1, "type", p.type)
            f.insert(2, "located_in", f["id"].map(parent))
            for c, kind in p.kinds.items():
                if kind == "int" and c in f:
                    f[c] = f[c].astype("Int64")
            frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_tables(ds, parts: list[Part], folder: Path, format: str, excel: bool = False) -> tuple[int, int, int]:
    """Write ``ds`` into ``folder`` as a dataset in the loader's schema (``nodes/``,
    ``edges/``, docs/schema.md), plus ``regions.<format>``: every region node with its
    scores and the region containing it.

    ``graphkit score --data folder`` reproduces the scores. With ``excel`` (CSV only) text
    cells that a spreadsheet would run as a formula get a leading apostrophe and files get a
    UTF-8 byte-order mark; such a folder is for reading in a spreadsheet, not for reloading.
    Returns (nodes, edges, protected cells).
    """
    from graphkit.io import for_writing  # the loader's own column order and types
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    protected = 0
    first = True

    def write(frame: pd.DataFrame, path: Path) -> None:
        nonlocal protected, first
        if format == "csv":
            if excel:
                frame, k = _protect(frame)
                protected += k
            frame.to_csv(path, index=False, encoding="utf-8-sig" if excel else "utf-8", lineterminator="\n")
        else:
            frame.to_parquet(path, index=False)
        if first:
            first = False
            _pause_for_tests()

    n_nodes = n_edges = 0
    for sub, group, types in (("nodes", ds.nodes, NODE_TYPES), ("edges", ds.edges, EDGE_TYPES)):
        (folder / sub).mkdir()
        for name, frame in group.items():
            if len(frame) == 0:
                continue
            write(for_writing(frame, types[name]), folder / sub / f"{name}.{format}")
            if sub == "nodes" or name == "round":
                n_nodes += len(frame)
            else:
                n_edges += len(frame)
    regions = _region_table(parts)
    if len(regions):
        write(regions, folder / f"regions.{format}")
    return n_nodes, n_edges, protected


_GRAPH_WRITERS: dict[str, Callable[..., tuple[int, int, int]]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "json": write_node_link,
}


# ------------------------------------------------------------------ safety and orchestration

def format_from_path(path: str | os.PathLike) -> str:
    """Return the graph format named by a file suffix (``.graphml``, ``.gexf``, ``.json``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX:
        raise UsageError(f"cannot tell the format from {str(path)!r}; pass a format "
                         f"({', '.join(FORMATS)}) or use a suffix {', '.join(_SUFFIX)}")
    return _SUFFIX[suffix]


_EXPORT_ENTRIES = {"nodes", "edges", "regions.csv", "regions.parquet"}


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_target(path: str | os.PathLike, format: str, force: bool = False,
                 inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Check that ``path`` may be written and return it.

    Refuses (:class:`UsageError`) a target inside an input folder (the dataset, the bundled
    ``data/``), a target that contains an input folder (``--force`` would delete it), a
    file where a folder is expected or the reverse, any existing target without ``force``,
    and, even with ``force``, a folder holding anything but a previous export (``nodes/``,
    ``edges/``, ``regions.*``).
    """
    target = Path(path)
    resolved = target.resolve()
    for inp in inputs:
        if inp is None:
            continue
        folder = Path(inp).resolve()
        if _inside(resolved, folder):
            raise UsageError(f"refusing to write {target} inside the input folder {inp}; choose an --out outside it")
        if _inside(folder, resolved):
            raise UsageError(f"refusing to write {target}: it contains the input folder {inp}, which overwriting would delete")
    if target.exists():
        is_dir = format in TABLE_FORMATS
        if is_dir and not target.is_dir():
            raise UsageError(f"{target} exists and is not a folder; a {format} export is a folder of tables")
        if not is_dir and target.is_dir():
            raise UsageError(f"{target} is a folder; a {format} export is one file")
        if not force:
            raise UsageError(f"{target} already exists; pass --force to overwrite it")
        if is_dir:
            # --force replaces the whole folder: allow it only for what an export writes, so a
            # slip like `--out . --force` cannot delete a working directory.
            foreign = sorted(p.name for p in target.iterdir() if p.name not in _EXPORT_ENTRIES)
            if foreign:
                shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
                raise UsageError(f"refusing to replace {target}: it holds more than a graphkit export ({shown}); "
                                 "choose a new or empty folder")
    return target


def export_parts(ds, parts: list[Part], path: str | os.PathLike, format: str, *, force: bool = False,
                 excel: bool = False, meta: dict | None = None) -> ExportResult:
    """Write ``parts`` (from :func:`scored_graph`) to ``path`` in ``format``, atomically.

    The target is checked with :func:`check_target` (the dataset folder and the bundled data
    folder count as inputs). Returns an :class:`ExportResult`.
    """
    from graphkit.atomic import atomic_dir, atomic_write
    from graphkit.paths import DATA_DIR

    if format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}; got {format!r} instead")
    if excel and format != "csv":
        raise UsageError("--excel-safe applies to --format csv only")
    target = check_target(path, format, force, inputs=(getattr(ds, "path", None), DATA_DIR))
    if format in TABLE_FORMATS:
        with atomic_dir(target) as tmp:
            n, e, protected = write_tables(ds, parts, tmp, format, excel)
        _usual_permissions(target, folder=True)
        return ExportResult(format, target, n, e, protected_cells=protected)
    with atomic_write(target, "w", encoding="utf-8", newline="\n") as fh:
        n, e, replaced = _GRAPH_WRITERS[format](parts, fh, meta)
    _usual_permissions(target, folder=False)
    return ExportResult(format, target, n, e, replaced_characters=replaced)


def _usual_permissions(path: Path, folder: bool) -> None:
    # Temporary files and folders are created private (0600/0700); an export is an ordinary
    # output, so give it the permissions a plain open() or mkdir() would have (umask applies).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if folder else 0o666) & ~umask)


def _evaluations(ev, levels: Iterable[str]) -> dict:
    out = {ev.level: ev}
    for level in levels:
        if level not in out:
            out[level] = ev.redo(level=level)
    return out


def export(ev, path: str | os.PathLike, format: str | None = None, *, levels: Iterable[str] | None = None,
           force: bool = False, excel: bool = False) -> ExportResult:
    """Export the graph of evaluation ``ev`` with scored region nodes to ``path``.

    ``format`` is one of :data:`FORMATS` (default: from the suffix of ``path``). ``levels``
    are the region levels whose nodes carry scores (default: ``ev.level`` plus provinces and
    circles); each missing level is computed with ``ev.redo(level=…)``, so it uses the same
    spec, weights and cut-off date. Returns an :class:`ExportResult`.
    """
    format = format or format_from_path(path)
    levels = list(levels) if levels is not None else list(dict.fromkeys([ev.level, "province", "circle"]))
    bad = [lv for lv in levels if lv not in REGION_LEVELS]
    if bad:
        raise UsageError(f"levels must be among {', '.join(REGION_LEVELS)}; got {bad} instead")
    evaluations = _evaluations(ev, levels)
    parts = scored_graph(ev.dataset, {lv: evaluations[lv] for lv in levels})
    meta = {"scored_levels": ",".join(levels), "spec": ev.params.get("spec"),
            "weights": ev.params.get("weights_source"), "as_of": ev.params.get("as_of"),
            "dataset": ev.params.get("dataset")}
    meta = {k: str(v) for k, v in meta.items() if v is not None}
    return export_parts(ev.dataset, parts, path, format, force=force, excel=excel, meta=meta)
