"""Saved, parameterised SQL queries over a dataset: the ``queries/`` folder.

Each query is one ``.sql`` file. Its leading comment block is a small TOML document (the
*header*: name, descriptions in English and Chinese, typed parameters); the rest is one
DuckDB ``SELECT`` that refers to its parameters as ``$name``. Parameters are always *bound*
by DuckDB, never pasted into the SQL text, so a value like ``北京市'; DROP TABLE firm; --``
is only a string that matches nothing.

The SQL sees every table of the schema as a view named after its type (``firm``,
``investor``, …, ``financing``, ``round``, …), present even when the dataset has no such
file; the region reference tables as ``province``, ``city``, ``circle`` and
``circle_member``; and a few helpers (``node``, ``located``, the macros ``in_region`` and
``alive``). docs/queries.md describes them; ``queries/README.md`` the header format.

Two ways to reach the data (see :func:`connect`):

* **direct** (default for a folder of UTF-8 CSV or Parquet files): DuckDB reads the files
  itself, only the columns a query needs, in parallel and beyond memory. Places are resolved
  once per distinct (province, city) pair with the same :mod:`graphkit.regions` lookups
  as the loader. Values are cast to the schema's types, but ids, edge ends and rounds are
  not cross-checked.
* **validated**: the dataset goes through :func:`graphkit.io.load_dataset` (every check of
  the loader) and its pandas tables are registered with DuckDB. Used for a
  :class:`~graphkit.io.Dataset` passed in, for ``validate=True``, and for non-UTF-8
  encodings (DuckDB's CSV reader only knows UTF-8 without a downloaded extension).

Examples
--------
>>> from graphkit.query import find_query, run_query
>>> q = find_query("top_investors")
>>> q.signature()
'region (region, required); limit (int, default 10)'
>>> r = run_query(q, {"region": "Beijing", "limit": 3})      # the bundled sample
>>> r.bound
{'region': '110000', 'limit': 3}
>>> [(name, int(n)) for name, n in zip(r.frame.investor_en, r.frame.firms)]
[('IDG Capital', 82), ('Sequoia Capital China', 74), ('Tencent Investment', 68)]
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from graphkit.errors import DataError, Problem, UsageError

__all__ = [
    "QUERY_DIR",
    "PARAM_TYPES",
    "Param",
    "Query",
    "QueryResult",
    "parse_query",
    "load_query",
    "list_queries",
    "find_query",
    "parse_param_args",
    "bind_params",
    "resolve_region",
    "connect",
    "run_query",
    "view_names",
    "describe_views",
]

#: The bundled query library (``queries/`` at the repository root); ``GRAPHKIT_QUERIES``
#: points a non-editable install at a copy, as ``GRAPHKIT_DATA`` does for ``data/``.
QUERY_DIR = Path(os.environ.get("GRAPHKIT_QUERIES", Path(__file__).resolve().parent.parent / "queries"))


# ---------------------------------------------------------------- parameter types

def _to_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError("must be text")


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise ValueError("must be a whole number")


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            out = float(value)
        except ValueError:
            pass
        else:
            if out == out and out not in (float("inf"), float("-inf")):
                return out
    raise ValueError("must be a number")


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def _to_date(value: object) -> _dt.date:
    # Like the loader and ``evaluate(as_of=…)``: YYYY and YYYY-MM mean the first day.
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value)
        if m:
            try:
                return _dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
            except ValueError:
                pass
    raise ValueError("must be a date (YYYY-MM-DD, YYYY-MM or YYYY)")


#: Parameter types a query header may declare: name -> converter (raises ValueError).
#: ``region`` takes any name or code of a province, city or circle; the runner binds its
#: code (see :func:`resolve_region`), or the text itself when nothing matches.
PARAM_TYPES: dict[str, Callable[[object], object]] = {
    "text": _to_text,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "date": _to_date,
    "region": _to_text,
}


# ---------------------------------------------------------------- query files

@dataclass(frozen=True)
class Param:
    """One declared parameter of a query: its type, default (``required`` if none), the
    allowed values (``choices``), a help line and an example value for required ones."""

    name: str
    type: str = "text"
    default: object = None
    required: bool = True
    choices: tuple | None = None
    help: str = ""
    example: object = None

    def describe(self) -> str:
        """Return a one-line summary, e.g. ``limit (int, default 10)``."""
        if self.required:
            extra = "required"
        elif self.default == "":
            extra = 'default "" = any'
        elif isinstance(self.default, bool):
            extra = f"default {str(self.default).lower()}"  # as typed on the command line
        else:
            extra = f"default {self.default}"
        ch = f"; one of {', '.join(map(str, self.choices))}" if self.choices else ""
        return f"{self.name} ({self.type}, {extra}{ch})"


@dataclass(frozen=True)
class Query:
    """A saved query: header fields, parameters in declaration order, and the SQL."""

    name: str
    title: str
    description: str
    description_zh: str
    params: tuple[Param, ...]
    sql: str
    path: Path | None = None
    title_zh: str = ""

    def param(self, name: str) -> Param:
        """Return the declared parameter ``name`` (KeyError if the query has none)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def signature(self) -> str:
        """Return the parameters as one line, for error messages and ``--list``."""
        return "; ".join(p.describe() for p in self.params) or "no parameters"

    def example_params(self) -> dict[str, object]:
        """Return a value for every required parameter (its ``example``): a runnable call."""
        return {p.name: p.example for p in self.params if p.required}


_HEADER_KEYS = {"name", "title", "title_zh", "description", "description_zh", "params"}
_PARAM_KEYS = {"type", "default", "choices", "help", "example"}
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _split_header(text: str) -> tuple[str, str]:
    """Split a query file into its leading ``--`` comment block (comment marks removed)
    and the SQL after it."""
    lines = text.splitlines()
    head = []
    i = 0
    while i < len(lines) and (lines[i].lstrip().startswith("--") or not lines[i].strip()):
        line = lines[i].lstrip()
        if line.startswith("--"):
            body = line[2:]
            head.append(body[1:] if body.startswith(" ") else body)
        i += 1
    return "\n".join(head), "\n".join(lines[i:])


def _placeholders(sql: str) -> set[str]:
    """Return the ``$name`` parameters used by ``sql`` (comments and string literals ignored)."""
    stripped = re.sub(r"'(?:[^']|'')*'", "''", sql)
    stripped = re.sub(r"--[^\n]*", "", stripped)
    stripped = re.sub(r"/\*.*?\*/", "", stripped, flags=re.S)
    return set(_PLACEHOLDER.findall(stripped))


def parse_query(text: str, path: Path | str | None = None, name: str | None = None) -> Query:
    """Parse the text of a query file into a :class:`Query`.

    Checks the header (TOML; name, both descriptions, known keys, parameter types, defaults
    of the declared type, choices) and that the SQL uses exactly the declared parameters.
    Raises :class:`DataError` naming the file and every problem.
    """
    file = str(path) if path is not None else "<query>"
    head, sql = _split_header(text)
    try:
        meta = tomllib.loads(head)
    except tomllib.TOMLDecodeError as exc:
        raise DataError([Problem(f"header comment block is not valid TOML: {exc}", file=file)]) from None
    problems: list[Problem] = []
    for key in sorted(set(meta) - _HEADER_KEYS):
        problems.append(Problem(f"unknown header key (known: {', '.join(sorted(_HEADER_KEYS))})", file=file, column=key))
    qname = meta.get("name", name)
    if not isinstance(qname, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", qname or ""):
        problems.append(Problem("header needs name = \"lower_case_name\"", file=file, column="name", value=qname))
    if name is not None and qname != name:
        problems.append(Problem(f"name must equal the file name {name!r}", file=file, column="name", value=qname))
    for key in ("description", "description_zh"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(Problem(f"header needs a non-empty {key}", file=file, column=key))
    raw_params = meta.get("params", {})
    if not isinstance(raw_params, dict):
        problems.append(Problem("params must be a table of tables ([params.<name>])", file=file, column="params"))
        raw_params = {}
    params = []
    for pname, spec in raw_params.items():
        col = f"params.{pname}"
        if not isinstance(spec, dict):
            problems.append(Problem("must be a table (type, default, help …)", file=file, column=col))
            continue
        for key in sorted(set(spec) - _PARAM_KEYS):
            problems.append(Problem(f"unknown parameter key {key!r} (known: {', '.join(sorted(_PARAM_KEYS))})", file=file, column=col))
        ptype = spec.get("type", "text")
        if ptype not in PARAM_TYPES:
            problems.append(Problem(f"unknown type (valid: {', '.join(PARAM_TYPES)})", file=file, column=col, value=ptype))
            continue
        conv = PARAM_TYPES[ptype]
        choices = spec.get("choices")
        if choices is not None:
            if not isinstance(choices, list) or not choices:
                problems.append(Problem("choices must be a non-empty list", file=file, column=col))
                choices = None
            else:
                choices = tuple(choices)
        required = "default" not in spec
        default = spec.get("default")
        for what, value in (("default", default if not required else None), ("example", spec.get("example"))):
            if value is None:
                continue
            try:
                converted = conv(value)
            except ValueError as exc:
                problems.append(Problem(f"{what} {exc}", file=file, column=col, value=value))
                continue
            if choices and converted not in choices and not (what == "default" and converted == ""):
                problems.append(Problem(f"{what} must be one of {', '.join(map(str, choices))}", file=file, column=col, value=value))
        if required and spec.get("example") is None:
            problems.append(Problem("a required parameter needs an example value", file=file, column=col))
        params.append(Param(pname, ptype, default, required, choices, str(spec.get("help", "")), spec.get("example")))
    used = _placeholders(sql)
    declared = {p.name for p in params}
    for missing in sorted(used - declared):
        problems.append(Problem(f"the SQL uses ${missing}, which the header does not declare", file=file, column="params"))
    for unused in sorted(declared - used):
        problems.append(Problem(f"parameter {unused!r} is declared but the SQL never uses ${unused}", file=file, column="params"))
    if not sql.strip():
        problems.append(Problem("no SQL after the header", file=file))
    if problems:
        raise DataError(problems)
    return Query(
        name=qname,
        title=str(meta.get("title", qname)),
        title_zh=str(meta.get("title_zh", "")),
        description=meta["description"].strip(),
        description_zh=meta["description_zh"].strip(),
        params=tuple(params),
        sql=sql.strip().rstrip(";").strip(),
        path=Path(path) if path is not None else None,
    )


def load_query(path: str | Path) -> Query:
    """Read and parse one query file; its name must equal the file name's stem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"query file not found: {path}") from None
    except UnicodeDecodeError:
        raise DataError([Problem("query file is not UTF-8 text", file=str(path))]) from None
    return parse_query(text, path=path, name=path.stem)


def _dirs(dirs: Iterable[str | Path] | None) -> list[Path]:
    # User folders first, so a user's query of the same name shadows the bundled one.
    out = [Path(d) for d in (dirs or [])]
    for d in out:
        if not d.is_dir():
            raise UsageError(f"query folder not found: {d}")
    return out + [QUERY_DIR]


def list_queries(dirs: Iterable[str | Path] | None = None) -> list[Query]:
    """Return every query of ``dirs`` and the bundled ``queries/`` folder, sorted by name.

    A query name found in several folders is taken from the first. Every file is parsed,
    so a malformed file raises :class:`DataError` naming it.
    """
    seen: dict[str, Query] = {}
    problems: list[Problem] = []
    for d in _dirs(dirs):
        for f in sorted(d.glob("*.sql")):
            if f.stem in seen:
                continue
            try:
                seen[f.stem] = load_query(f)
            except DataError as exc:
                problems += exc.problems
    if problems:
        raise DataError(problems)
    return [seen[k] for k in sorted(seen)]


def find_query(name: str, dirs: Iterable[str | Path] | None = None) -> Query:
    """Return the query called ``name`` (or the query file at path ``name``).

    Raises :class:`UsageError` listing the available names when there is none.
    """
    if name.endswith(".sql") and Path(name).is_file():
        return load_query(name)
    for d in _dirs(dirs):
        f = d / f"{name}.sql"
        if f.is_file():
            return load_query(f)
    names = sorted({f.stem for d in _dirs(dirs) for f in d.glob("*.sql")})
    raise UsageError(f"unknown query {name!r}; available queries: {', '.join(names) or '(none)'} "
                     "(see graphkit query --list)")


def parse_param_args(items: Iterable[str] | None) -> dict[str, str]:
    """Turn ``["key=value", …]`` (repeated ``--param``) into a dict; the last wins.

    Raises :class:`UsageError` for an item without ``=``.
    """
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param must be key=value; got {item!r} instead")
        out[key.strip()] = value
    return out


def bind_params(query: Query, values: Mapping[str, object] | None) -> dict[str, object]:
    """Check ``values`` against the query's parameters and return them typed, with defaults.

    Unknown names, missing required ones, values of the wrong type and values outside
    ``choices`` raise one :class:`UsageError` listing every problem and the query's
    parameters. Region values are returned as given (see :func:`resolve_region`).
    """
    values = dict(values or {})
    problems: list[str] = []
    declared = {p.name: p for p in query.params}
    for k in values:
        if k not in declared:
            problems.append(f"unknown parameter {k!r}")
    out: dict[str, object] = {}
    for p in query.params:
        if p.name not in values:
            if p.required:
                problems.append(f"missing required parameter {p.name!r}" + (f" (e.g. {p.name}={p.example})" if p.example is not None else ""))
                continue
            raw = p.default
        else:
            raw = values[p.name]
        try:
            val = PARAM_TYPES[p.type](raw)
        except ValueError as exc:
            problems.append(f"parameter {p.name!r} {exc}; got {raw!r} instead")
            continue
        if p.choices and val not in p.choices and not (not p.required and val == p.default):
            problems.append(f"parameter {p.name!r} must be one of {', '.join(map(str, p.choices))}; got {raw!r} instead")
            continue
        out[p.name] = val
    if problems:
        lines = [f"query {query.name!r}: {m}" for m in problems]
        lines.append(f"query {query.name!r} takes: {query.signature()}")
        raise UsageError([Problem(m) for m in lines])
    return out


def resolve_region(value: str, regions=None) -> tuple[str | None, str | None]:
    """Return ``(code, level)`` of a region given by Chinese, short or English name or code.

    Provinces win over cities of the same name (``Jilin`` is the province; write ``吉林市``
    or ``220200`` for the city), cities over circles; ``("", None)`` for an empty value
    (which queries read as "everywhere") and ``(None, None)`` for a value that names nothing.
    An English city name shared by two provinces (Suzhou, Taizhou …) raises
    :class:`UsageError` listing the candidates.
    """
    if regions is None:
        from graphkit.regions import load_regions

        regions = load_regions()
    if value.strip() == "":
        return "", None
    code = regions.province_code(value)
    if code is not None:
        return code, "province"
    code = regions.city_code(value)
    if code is not None:
        return code, "city"
    code = regions.circle_code(value)
    if code is not None:
        return code, "circle"
    hits = regions.cities_named(value)
    if len(hits) > 1:
        cands = ", ".join(f"{r.zh} ({r.code}, {regions.name(r.province_code, 'en')})" for r in hits.itertuples(index=False))
        raise UsageError(f"region {value!r} names several cities: {cands}; give the Chinese name or the code")
    return None, None


# ---------------------------------------------------------------- the DuckDB connection

_SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE"}


def view_names() -> list[str]:
    """Return the names of every view a query can use, in a stable order."""
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    return list(NODE_TYPES) + list(EDGE_TYPES) + ["province", "city", "circle", "circle_member", "node", "located"]


def describe_views(con):
    """Return a DataFrame ``view, column, type`` of every view of a :func:`connect` connection."""
    import pandas as pd

    rows = []
    for name in view_names():
        for col, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM {_q(name)}").fetchall():
            rows.append((name, col, typ))
    return pd.DataFrame(rows, columns=["view", "column", "type"])


def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    """Quote an SQL string literal (only for file paths the runner itself chose)."""
    return "'" + text.replace("'", "''") + "'"


_TEXT_TYPES = ("VARCHAR",)
_TIME_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE")
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _cast(col, expr: str, src_type: str, trim: bool = True) -> str:
    """Return the SQL that casts ``expr`` (of DuckDB type ``src_type``) to the column's type.

    With ``trim`` (CSV text), text is trimmed and empty means missing, as in the loader;
    typed sources (Parquet, loaded tables) keep their text as stored, which lets DuckDB push
    filters and joins down to the file. YYYY and YYYY-MM dates are padded to the first day,
    as the loader does; a year stored as a date keeps its year.
    """
    src_type = src_type.upper()
    text = src_type in _TEXT_TYPES
    if col.kind == "date":
        if src_type in _TIME_TYPES:
            return f"CAST({expr} AS DATE)"
        s = f"trim(CAST({expr} AS VARCHAR))"
        return (f"CAST(CASE WHEN {s} = '' THEN NULL "
                f"WHEN regexp_full_match({s}, '\\d{{4}}') THEN {s} || '-01-01' "
                f"WHEN regexp_full_match({s}, '\\d{{4}}-\\d{{1,2}}') THEN {s} || '-01' "
                f"ELSE {s} END AS DATE)")
    if col.kind in ("int", "float"):
        if src_type in _TIME_TYPES:
            num = f"year({expr})"
        elif text:
            num = f"CAST(NULLIF(trim({expr}), '') AS DOUBLE)"
        else:
            num = f"CAST({expr} AS DOUBLE)"
        return f"CAST({num} AS BIGINT)" if col.kind == "int" else num
    if text:
        return f"NULLIF(trim({expr}), '')" if trim else expr
    if src_type in _FLOAT_TYPES:
        # A code stored as a float (110000.0) is still the code "110000".
        return (f"CASE WHEN {expr} = floor({expr}) THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) "
                f"ELSE CAST({expr} AS VARCHAR) END")
    return f"CAST({expr} AS VARCHAR)"


def _empty_select(ttype, domestic: bool) -> str:
    cols = [f"CAST(NULL AS {_SQL_TYPES[c.kind]}) AS {_q(c.name)}" for c in ttype.columns]
    if domestic:
        cols += ["CAST(NULL AS VARCHAR) AS province_code", "CAST(NULL AS VARCHAR) AS city_code"]
    return f"SELECT {', '.join(cols)} WHERE false"


def _place_exprs(types: dict[str, str]) -> tuple[str, str]:
    """Return the SQL of a node table's province and city as text (alias ``t``)."""
    from graphkit.schema import Column

    # Places are few and matched by name: always trimmed, whatever the source.
    return (_cast(Column("province"), "t.province", types["province"]),
            _cast(Column("city"), "t.city", types["city"]))


def _typed_select(ttype, source: str, types: dict[str, str], domestic: bool, place: str | None,
                  trim: bool = True) -> str:
    """SELECT the schema's columns of ``source`` cast to their types (absent optional columns
    as NULL), extra columns as they are, and the place codes: joined from the table
    ``place`` (files), or taken from the source's own code columns (a loaded Dataset)."""
    cols = []
    for c in ttype.columns:
        if c.name in types:
            cols.append(f"{_cast(c, 't.' + _q(c.name), types[c.name], trim)} AS {_q(c.name)}")
        else:
            cols.append(f"CAST(NULL AS {_SQL_TYPES[c.kind]}) AS {_q(c.name)}")
    known = {c.name for c in ttype.columns} | {"province_code", "city_code"}
    cols += [f"t.{_q(x)}" for x in types if x not in known]
    if not domestic:
        return f"SELECT {', '.join(cols)} FROM {source} t"
    if place is None:
        cols += ["CAST(t.province_code AS VARCHAR) AS province_code", "CAST(t.city_code AS VARCHAR) AS city_code"]
        return f"SELECT {', '.join(cols)} FROM {source} t"
    prov, city = _place_exprs(types)
    cols += ["p.province_code", "p.city_code"]
    return (f"SELECT {', '.join(cols)} FROM {source} t LEFT JOIN {place} p "
            f"ON {prov} IS NOT DISTINCT FROM p.province AND {city} IS NOT DISTINCT FROM p.city")


def _source_types(con, source: str) -> dict[str, str]:
    """Return {column: DuckDB type} of a FROM-clause source."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}


def _find_file(folder: Path, name: str) -> Path | None:
    for ext in (".parquet", ".csv"):  # Parquet wins, as in the loader
        p = folder / f"{name}{ext}"
        if p.is_file():
            return p
    return None


def _csv_header(path: Path) -> list[str]:
    """Return the column names of a CSV file's header row (UTF-8, BOM allowed)."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            row = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise DataError([Problem("is not valid UTF-8 text; if it is GBK (common in Chinese exports) "
                                 "pass --encoding gbk", file=str(path), row=1)]) from None
    if not row:
        raise DataError([Problem("is empty (no header row)", file=str(path))])
    return [c.strip() for c in row]


def _file_source(con, path: Path) -> tuple[str, dict[str, str]]:
    """Return the FROM-clause reader of one table file and {column: DuckDB type}.

    CSV is read as text (every column VARCHAR, the header as written) so that codes such as
    ``110000`` stay text and the schema decides every type; Parquet keeps its own types.
    """
    if path.suffix == ".parquet":
        src = f"read_parquet({_lit(str(path))})"
        try:
            return src, _source_types(con, src)
        except Exception as exc:  # duckdb raises several types for a corrupt file
            raise DataError([Problem(f"cannot read Parquet file: {exc}", file=str(path))]) from None
    cols = _csv_header(path)
    spec = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in cols) + "}"
    src = (f"read_csv({_lit(str(path))}, header=true, auto_detect=false, delim=',', quote='\"', "
           f"escape='\"', columns={spec})")
    return src, {c: "VARCHAR" for c in cols}


def _check_columns(ttype, cols: Iterable[str], file: str) -> list[Problem]:
    names = [c.name for c in ttype.columns]
    cols = set(cols)
    return [Problem(f"missing required column (expected columns: {', '.join(names)})", file=file, column=c.name)
            for c in ttype.columns if c.required and c.name not in cols]


def _reading_error(exc: Exception, default_file: str) -> DataError:
    """Turn a DuckDB error met while reading the dataset into a DataError naming the file,
    line and problem (DuckDB reports CSV lines as file lines, the header being line 1)."""
    text = str(exc)
    file = re.search(r"^\s*file = (.+)$", text, re.M)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    first = text.split("\n")[0].split("Error: ", 1)[-1].strip()
    reason = next((ln.strip() for ln in text.split("\n")[1:] if ln.strip() and not ln.startswith(("Original Line", "  "))), "")
    if line and reason:
        first = reason
    message = re.sub(r"^CSV Error on Line: \d+\s*", "", first) or "cannot be read"
    return DataError([Problem(message, file=file[1].strip() if file else default_file,
                              row=int(line[1]) if line else None)])


def _resolve_places(con, sources: dict[str, tuple[str, dict[str, str], str]], regions) -> list[Problem]:
    """Create table ``_place(province, city, province_code, city_code)`` from the distinct
    (province, city) pairs of every domestic node table, resolved with the loader's lookups
    (one Python call per distinct pair, however many rows); return the pairs that fail."""
    import pandas as pd

    problems: list[Problem] = []
    rows = []
    for name, (src, types, file) in sources.items():
        import duckdb

        prov, city = _place_exprs(types)
        try:
            pairs = con.execute(f"SELECT {prov} AS province, {city} AS city, count(*) AS n "
                                f"FROM {src} t GROUP BY ALL ORDER BY ALL").fetchall()
        except duckdb.Error as exc:
            problems += _reading_error(exc, file).problems
            continue
        for province, cityname, n in pairs:
            pc = regions.province_code(province) if province is not None else None
            cc = regions.city_code(cityname, pc) if pc is not None and cityname is not None else None
            many = f" ({n} rows)" if n > 1 else ""
            if province is None:
                problems.append(Problem(f"required value is empty{many}", file=file, column="province"))
            elif pc is None:
                problems.append(Problem(f"unknown province (use the Chinese or English name or the GB/T 2260 code){many}",
                                        file=file, column="province", value=province))
            elif cityname is None:
                problems.append(Problem(f"required value is empty{many}", file=file, column="city"))
            elif cc is None:
                problems.append(Problem(f"unknown city, or not a city of the row's province {province}{many}",
                                        file=file, column="city", value=cityname))
            rows.append((province, cityname, pc, cc))
    place = pd.DataFrame(rows, columns=["province", "city", "province_code", "city_code"], dtype=object)
    place = place.drop_duplicates(["province", "city"])
    con.register("_place_df", place)
    con.execute("CREATE TEMP TABLE _place AS SELECT CAST(province AS VARCHAR) AS province, CAST(city AS VARCHAR) AS city, "
                "CAST(province_code AS VARCHAR) AS province_code, CAST(city_code AS VARCHAR) AS city_code FROM _place_df")
    con.unregister("_place_df")
    return problems


def _register_regions(con, regions) -> None:
    """Create the region tables ``province``, ``city``, ``circle`` and ``circle_member``."""
    import pandas as pd

    prov = regions.provinces[["code", "zh", "short_zh", "en", "municipality", "capital_code", "longitude", "latitude"]]
    city_cols = [c for c in ("code", "zh", "short_zh", "en", "province_code", "kind", "longitude", "latitude")
                 if c in regions.cities.columns]
    city = regions.cities[city_cols]
    circ = regions.circles[["code", "zh", "en"]]
    members = pd.DataFrame([(c, p, i + 1) for c, ps in regions.circle_members().items() for i, p in enumerate(ps)],
                           columns=["circle_code", "province_code", "position"])
    for name, df in (("province", prov), ("city", city), ("circle", circ), ("circle_member", members)):
        con.register(f"_{name}_df", df)
        con.execute(f"CREATE TEMP TABLE {_q(name)} AS SELECT * FROM _{name}_df")
        con.unregister(f"_{name}_df")


def _register_helpers(con) -> None:
    """Create the ``node`` and ``located`` views and the ``in_region``/``alive`` macros."""
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    parts = []
    for name, t in NODE_TYPES.items():
        if t.domestic:
            parts.append(f"SELECT id, {_lit(name)} AS type, name, name_en, province_code, city_code, "
                         f"CAST(NULL AS VARCHAR) AS country FROM {_q(name)}")
        else:
            parts.append(f"SELECT id, {_lit(name)} AS type, name, name_en, CAST(NULL AS VARCHAR), "
                         f"CAST(NULL AS VARCHAR), country FROM {_q(name)}")
    con.execute("CREATE TEMP VIEW node AS " + " UNION ALL ".join(parts))
    parts = []
    for name, t in NODE_TYPES.items():
        if not t.domestic:
            continue
        date = _q(t.date) if t.date else "CAST(NULL AS DATE)"
        parts.append(f"SELECT {_lit(name)} AS type, 'node' AS kind, id, CAST(NULL AS VARCHAR) AS source, "
                     f"CAST(NULL AS VARCHAR) AS target, province_code, city_code, {date} AS date, "
                     f"CAST(NULL AS BIGINT) AS year FROM {_q(name)}")
    for name, t in EDGE_TYPES.items():
        cols = {c.name for c in t.columns}
        src = "e.source" if "source" in cols else "CAST(NULL AS VARCHAR)"
        tgt = "e.target" if "target" in cols else f"e.{_q(t.locates)}"
        ident = "e.id" if "id" in cols else "CAST(NULL AS VARCHAR)"
        if t.date == "year":
            date, year = "CAST(NULL AS DATE)", "e.year"
        else:
            date, year = (f"e.{_q(t.date)}" if t.date else "CAST(NULL AS DATE)"), "CAST(NULL AS BIGINT)"
        # Join only the node types the locating end may name (the firm, for every edge type
        # of the schema): a much smaller plan than joining the union of all nodes.
        ends = t.target if t.locates in ("target", "firm") else t.source
        places = [n for n in ends if NODE_TYPES[n].domestic]
        if len(places) == 1:
            at = _q(places[0])
        else:
            at = "(" + " UNION ALL ".join(f"SELECT id, province_code, city_code FROM {_q(n)}" for n in places) + ")"
        parts.append(f"SELECT {_lit(name)}, 'edge', {ident}, {src}, {tgt}, n.province_code, n.city_code, {date}, {year} "
                     f"FROM {_q(name)} e LEFT JOIN {at} n ON n.id = e.{_q(t.locates)}")
    con.execute("CREATE TEMP VIEW located AS " + " UNION ALL ".join(parts))
    # A region parameter is bound as a code ('' = everywhere); a circle code matches its members.
    # The circles' members are written into the macro as literal lists: a lookup per row
    # that costs as little as the comparisons (a subquery here doubled a query's time).
    members = con.execute("SELECT circle_code, list(province_code ORDER BY position) FROM circle_member "
                          "GROUP BY circle_code ORDER BY circle_code").fetchall()
    cases = " ".join(f"WHEN {_lit(c)} THEN [{', '.join(_lit(p) for p in ps)}]" for c, ps in members)
    circle = f"list_contains(CASE r {cases} ELSE []::VARCHAR[] END, pc)" if members else "false"
    con.execute(f"CREATE TEMP MACRO in_region(pc, cc, r) AS (r = '' OR pc = r OR cc = r OR {circle})")
    # evaluate(as_of=…)'s rule: a row dated after the cut-off is not yet there; undated rows always are.
    con.execute("CREATE TEMP MACRO alive(d, y, cutoff) AS "
                "((d IS NULL OR d <= cutoff) AND (y IS NULL OR y <= year(cutoff)))")


def _register_dataset(con, ds) -> None:
    """Create one view per schema type over the tables of an in-memory Dataset."""
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    for name, t in list(NODE_TYPES.items()) + list(EDGE_TYPES.items()):
        frame = ds.nodes.get(name) if name in NODE_TYPES else ds.edges.get(name)
        domestic = name in NODE_TYPES and t.domestic
        if frame is None:
            con.execute(f"CREATE TEMP VIEW {_q(name)} AS {_empty_select(t, domestic)}")
            continue
        src = _q(f"_df_{name}")
        con.register(f"_df_{name}", frame)
        sql = _typed_select(t, src, _source_types(con, src), domestic, None, trim=False)
        con.execute(f"CREATE TEMP VIEW {_q(name)} AS {sql}")


def _register_files(con, folder: Path, regions) -> None:
    """Create one view per schema type reading the files of ``folder`` directly."""
    from graphkit.schema import EDGE_TYPES, NODE_TYPES

    problems: list[Problem] = []
    plan = []
    for sub, types in (("nodes", NODE_TYPES), ("edges", EDGE_TYPES)):
        for name, t in types.items():
            f = _find_file(folder / sub, name)
            domestic = sub == "nodes" and t.domestic
            if f is None:
                plan.append((name, t, None, domestic))
                continue
            try:
                src, types_ = _file_source(con, f)
            except DataError as exc:
                problems += exc.problems
                continue
            p = _check_columns(t, types_, str(f))
            problems += p
            if not p:
                plan.append((name, t, (src, types_, str(f)), domestic))
    if problems:
        raise DataError(problems)
    problems = _resolve_places(con, {n: s for n, t, s, d in plan if d and s is not None}, regions)
    if problems:
        raise DataError(problems)
    for name, t, s, domestic in plan:
        if s is None:
            sql = _empty_select(t, domestic)
        else:
            sql = _typed_select(t, s[0], s[1], domestic, "_place", trim=s[2].endswith(".csv"))
        con.execute(f"CREATE TEMP VIEW {_q(name)} AS {sql}")


def connect(data=None, encoding: str = "utf-8", validate: bool = False, threads: int | None = None):
    """Return an in-memory DuckDB connection with every view a query can use.

    ``data`` is a dataset folder (default: the bundled sample, ``data/sample``) or a
    :class:`graphkit.io.Dataset`. A folder is read directly by DuckDB unless ``validate``
    is true or ``encoding`` is not UTF-8, in which case it goes through
    :func:`graphkit.io.load_dataset` first (see the module docstring). Raises
    :class:`DataError` for a missing folder, a missing required column, an unreadable file
    or a place that does not resolve.
    """
    import duckdb

    from graphkit.regions import load_regions

    regions = load_regions()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    _register_regions(con, regions)
    if hasattr(data, "nodes") and hasattr(data, "edges"):
        _register_dataset(con, data)
    else:
        from graphkit.paths import SAMPLE_DIR

        folder = Path(data) if data is not None else SAMPLE_DIR
        if not folder.is_dir():
            raise DataError([Problem("dataset folder not found (expected a folder with nodes/ and edges/)", file=str(folder))])
        if not (folder / "nodes").is_dir() and not (folder / "edges").is_dir():
            raise DataError([Problem("has no nodes/ or edges/ sub-folder; see docs/schema.md", file=str(folder))])
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
        if validate or not utf8:
            from graphkit.io import load_dataset

            _register_dataset(con, load_dataset(folder, encoding=encoding))
        else:
            _register_files(con, folder, regions)
    _register_helpers(con)
    return con


# ---------------------------------------------------------------- running

@dataclass
class QueryResult:
    """The rows of one query run and what produced them.

    ``params`` are the typed values as the user gave them (defaults filled in);
    ``bound`` what DuckDB received (regions as codes); ``notes`` things worth telling the
    user, such as a region that matched nothing.
    """

    query: Query
    params: dict[str, object]
    bound: dict[str, object]
    frame: Any  # pandas.DataFrame
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.frame)


def _check_sql(query: Query) -> None:
    """Raise DataError unless the query's SQL is exactly one SELECT (DuckDB's own parser)."""
    import duckdb

    try:
        statements = duckdb.extract_statements(query.sql)
    except duckdb.Error as exc:
        raise DataError([Problem(f"SQL does not parse: {exc}", file=str(query.path or query.name))]) from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise DataError([Problem("a query file must hold exactly one SELECT statement",
                                 file=str(query.path or query.name))])


def run_query(query: Query | str, params: Mapping[str, object] | None = None, data=None, *,
              encoding: str = "utf-8", validate: bool = False, connection=None,
              dirs: Iterable[str | Path] | None = None) -> QueryResult:
    """Run a saved query and return a :class:`QueryResult` (rows as a pandas DataFrame).

    ``query`` is a :class:`Query` or a name found in ``dirs`` and ``queries/``; ``params``
    maps parameter names to values (strings are converted to the declared types); ``data``
    and ``encoding``/``validate`` are as in :func:`connect`, or pass an open ``connection``
    to run several queries over one dataset. Raises :class:`UsageError` for bad parameters
    (listing the query's parameters) and :class:`DataError` for bad data.
    """
    import time

    import duckdb

    q = query if isinstance(query, Query) else find_query(query, dirs)
    typed = bind_params(q, params)
    bound: dict[str, object] = {}
    notes: list[str] = []
    for p in q.params:
        val = typed[p.name]
        if p.type == "region":
            code, _level = resolve_region(val)
            if code is None:
                notes.append(f"region {val!r} matches no province, city or circle, so no rows match it")
                # Bound as given: it equals no code, so the query matches nothing.
                code = val
            bound[p.name] = code
        else:
            bound[p.name] = val
    _check_sql(q)  # before reading any data
    con = connection if connection is not None else connect(data, encoding=encoding, validate=validate)
    t0 = time.perf_counter()
    try:
        frame = con.execute(q.sql, bound).df()
    except duckdb.ConversionException as exc:
        reason = str(exc).split("\n")[0].split("Error: ", 1)[-1]
        raise DataError([Problem(f"a value does not have the schema's type ({reason}); "
                                 "run with --validate to see the file, row and column",
                                 file=str(getattr(data, "path", data) or "dataset"))]) from None
    except duckdb.InvalidInputException as exc:
        raise _reading_error(exc, str(getattr(data, "path", data) or "dataset")) from None
    except duckdb.Error as exc:
        raise DataError([Problem(f"query failed: {exc}", file=str(q.path or q.name))]) from None
    finally:
        if connection is None:
            con.close()
    return QueryResult(q, typed, bound, frame, notes, time.perf_counter() - t0)
