"""Reading and writing datasets: a folder of node and edge tables (CSV or Parquet).

``load_dataset`` reads, validates and resolves places; every problem of a file is collected
and reported together (file, row, column, value), and nothing is returned half-checked.
Reading (this module) is kept apart from the pure core (aggregate, score), so the core is
testable on in-memory tables.

Two paths, one result. CSV files (and Parquet files whose values need converting, such as
dates stored as text) are read into pandas and validated there. A dataset of Parquet files
with the schema's types takes the columnar path (``_load_columnar``, at the end of this
module): it is validated column by column, mostly from row-group statistics, with integer
or string ids, and the aggregation streams it from the files, so 100 million edges are
scored in about the time it takes to read their locating columns once. Both paths raise the
same problems and give the same scores (tests/test_scale.py).
"""
from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphkit.errors import DataError, Problem
from graphkit.paths import SAMPLE_DIR
from graphkit.schema import EDGE_TYPES, NODE_TYPES, TABLE_TYPES, Column, EdgeType, NodeType

__all__ = ["Dataset", "load_dataset", "read_table", "write_dataset", "for_writing", "dataset_from_tables", "LazyTables", "Store", "store_from_frames"]


@dataclass
class Dataset:
    """A validated heterogeneous graph: one pandas table per node and edge type.

    Every schema type is present (an absent file gives an empty table). Domestic node tables
    carry ``province_code`` and ``city_code`` (GB/T 2260 strings); date columns are
    ``datetime64``; numeric columns are floats with NaN for "unknown".

    A dataset of Parquet files is loaded column by column: its tables are read into pandas
    only when first accessed, and ``store`` (a :class:`Store`) is what the aggregation
    streams from. ``engine_store()`` returns the store that describes the tables now.
    """

    nodes: MutableMapping
    edges: MutableMapping
    path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)  # table -> file it came from
    store: "Store | None" = field(default=None, repr=False, compare=False)

    def table(self, name: str) -> pd.DataFrame:
        """Return the node or edge table called ``name``."""
        if name in self.nodes:
            return self.nodes[name]
        if name in self.edges:
            return self.edges[name]
        raise KeyError(f"unknown table {name!r}")

    def engine_store(self) -> "Store":
        """Return the columnar view the aggregation reads: the loader's store when the tables
        are still those it checked, else one built from the pandas tables now."""
        unchanged = all(isinstance(t, LazyTables) and not t.changed for t in (self.nodes, self.edges))
        if self.store is not None and unchanged:
            return self.store
        return store_from_frames(self.nodes, self.edges)

    def rows(self, name: str) -> int:
        """Number of rows of table ``name``, without reading it into pandas."""
        group = self.nodes if name in NODE_TYPES else self.edges
        if self.store is not None and isinstance(group, LazyTables) and not group.loaded(name):
            src = self.store.sources.get(name)
            return 0 if src is None else src.num_rows
        return len(group[name])

    def locations(self) -> pd.DataFrame:
        """Return every domestic node's ``province_code`` and ``city_code``, indexed by id."""
        parts = [t[["id", "province_code", "city_code"]] for n, t in self.nodes.items() if NODE_TYPES[n].domestic]
        return pd.concat(parts, ignore_index=True).set_index("id")

    def __repr__(self) -> str:
        n = sum(self.rows(k) for k in self.nodes)
        e = sum(self.rows(k) for k in self.edges if k != "round")
        where = f" from {self.path}" if self.path else ""
        return f"<Dataset{where}: {n:,} nodes, {e:,} edges>"

    def summary(self) -> pd.DataFrame:
        """Return a table of row counts per node and edge type."""
        rows = [("node", k, self.rows(k)) for k in self.nodes] + [("edge", k, self.rows(k)) for k in self.edges]
        return pd.DataFrame(rows, columns=["kind", "type", "rows"])


# ---------------------------------------------------------------- reading files

def _find_file(folder: Path, name: str) -> Path | None:
    for ext in (".parquet", ".csv"):
        p = folder / f"{name}{ext}"
        if p.exists():
            return p
    return None


def _decode(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        hint = ""
        if enc == "utf-8-sig":
            try:
                raw.decode("gbk")
                hint = "; it looks like GBK (common in Chinese exports): pass --encoding gbk"
            except UnicodeDecodeError:
                pass
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(f"is not valid {encoding} text (byte {exc.start}){hint}", file=str(path), row=line)]) from None
    except LookupError:
        raise DataError([Problem(f"unknown encoding {encoding!r}", file=str(path))]) from None


def read_table(path: str | os.PathLike, encoding: str = "utf-8") -> pd.DataFrame:
    """Read one CSV or Parquet table as strings/objects, untyped (validation types it).

    CSV cells are read as text with empty cells as missing; Parquet keeps its own types.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pandas()
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise DataError([Problem(f"cannot read Parquet file: {exc}", file=str(path))]) from None
    import io

    text = _decode(path, encoding)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise DataError([Problem(f"malformed CSV: {exc}", file=str(path))]) from None
    except pd.errors.EmptyDataError:
        raise DataError([Problem("is empty (no header row)", file=str(path))]) from None


# ---------------------------------------------------------------- validation

def _row_numbers(mask: np.ndarray, csv: bool) -> np.ndarray:
    # Spreadsheet numbering for CSV (header is row 1); 1-based record numbers for Parquet.
    return np.flatnonzero(mask) + (2 if csv else 1)


def _problems_at(mask, frame: pd.DataFrame, column: str, message: str, file: str, csv: bool, limit: int = 50) -> list[Problem]:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    rows = _row_numbers(mask, csv)
    vals = frame[column].to_numpy()[mask] if column in frame else [None] * len(rows)
    out = [Problem(message, file=file, row=int(r), column=column, value=v) for r, v in zip(rows[:limit], vals[:limit])]
    if len(rows) > limit:
        out.append(Problem(f"… {len(rows) - limit} more rows with the same problem", file=file, column=column))
    return out


def _parse_dates(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    # The report gives some dates only to the month or year; pad to the first day.
    s = s.where(~s.str.fullmatch(r"\d{4}", na=False), s + "-01-01")
    s = s.where(~s.str.fullmatch(r"\d{4}-\d{1,2}", na=False), s + "-01")
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def _coerce(frame: pd.DataFrame, col: Column, file: str, csv: bool) -> tuple[pd.Series, list[Problem]]:
    raw = frame[col.name]
    missing = raw.isna().to_numpy()
    problems: list[Problem] = []
    if col.required:
        problems += _problems_at(missing, frame, col.name, "required value is empty", file, csv)
    if col.kind in ("int", "float"):
        if col.kind == "int" and col.name == "year" and pd.api.types.is_datetime64_any_dtype(raw):
            raw = raw.dt.year
        vals = pd.to_numeric(raw, errors="coerce").astype(float)
        bad = vals.isna().to_numpy() & ~missing
        problems += _problems_at(bad, frame, col.name, "is not a number", file, csv)
        if col.kind == "int":
            frac = (vals % 1 != 0).to_numpy() & ~np.isnan(vals.to_numpy())
            problems += _problems_at(frac, frame, col.name, "must be a whole number", file, csv)
        if col.nonnegative:
            problems += _problems_at((vals < 0).to_numpy(), frame, col.name, "must not be negative", file, csv)
        return vals, problems
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(raw):
            return raw, problems
        vals = _parse_dates(raw)
        bad = vals.isna().to_numpy() & ~missing
        problems += _problems_at(bad, frame, col.name, "is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)", file, csv)
        return vals, problems
    vals = raw.astype("string").str.strip().astype(object).where(~missing, None)
    if col.choices:
        bad = ~vals.isin(col.choices).to_numpy() & ~missing
        problems += _problems_at(bad, frame, col.name, f"must be one of {', '.join(col.choices)}", file, csv)
    return vals, problems


def _validate_table(frame: pd.DataFrame, ttype: NodeType | EdgeType, file: str, csv: bool) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    names = [c.name for c in ttype.columns]
    for c in ttype.columns:
        if c.required and c.name not in frame.columns:
            problems.append(Problem(f"missing required column (expected columns: {', '.join(names)})", file=file, column=c.name))
    if problems:
        return frame, problems
    out = {}
    for c in ttype.columns:
        if c.name not in frame.columns:
            out[c.name] = pd.Series([np.nan if c.kind in ("int", "float") else None] * len(frame), dtype=float if c.kind in ("int", "float") else object)
            if c.kind == "date":
                out[c.name] = pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[ns]")
            continue
        out[c.name], p = _coerce(frame, c, file, csv)
        problems += p
    # Extra columns a user keeps are carried along untouched.
    for extra in frame.columns:
        if extra not in out:
            out[extra] = frame[extra]
    return pd.DataFrame(out).reset_index(drop=True), problems


def _empty(ttype: NodeType | EdgeType) -> pd.DataFrame:
    cols = {}
    for c in ttype.columns:
        if c.kind in ("int", "float"):
            cols[c.name] = pd.Series(dtype=float)
        elif c.kind == "date":
            cols[c.name] = pd.Series(dtype="datetime64[ns]")
        else:
            cols[c.name] = pd.Series(dtype=object)
    return pd.DataFrame(cols)


def _resolve_places(frame: pd.DataFrame, file: str, csv: bool) -> list[Problem]:
    from graphkit.regions import load_regions

    regions = load_regions()
    prov = regions.province_codes(frame["province"])
    city = regions.city_codes(frame["city"], prov)
    problems = _problems_at(prov.isna().to_numpy() & frame["province"].notna().to_numpy(), frame, "province",
                            "unknown province (use the Chinese or English name or the GB/T 2260 code)", file, csv)
    city_bad = city.isna().to_numpy() & prov.notna().to_numpy() & frame["city"].notna().to_numpy()
    problems += _problems_at(city_bad, frame, "city", "unknown city, or not a city of the row's province", file, csv)
    frame["province_code"] = prov.to_numpy(dtype=object)
    frame["city_code"] = city.to_numpy(dtype=object)
    return problems


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file or "", p.row or 0))


def dataset_from_tables(tables: dict[str, pd.DataFrame], files: dict[str, str] | None = None, csv: dict[str, bool] | None = None, path: Path | None = None) -> Dataset:
    """Validate in-memory tables (name -> DataFrame, as read from files) into a :class:`Dataset`.

    Checks columns, types, ranges, places, unique ids and that every edge end names a node of
    an allowed type. Raises :class:`DataError` with every problem found.
    """
    files = files or {}
    csv = csv or {}
    problems: list[Problem] = []
    nodes: dict[str, pd.DataFrame] = {}
    edges: dict[str, pd.DataFrame] = {}
    unknown = sorted(set(tables) - set(NODE_TYPES) - set(EDGE_TYPES))
    for name in unknown:
        problems.append(Problem(f"unknown table {name!r}; node tables: {', '.join(NODE_TYPES)}; edge tables: {', '.join(EDGE_TYPES)}", file=files.get(name, name)))
    for name, ttype in list(NODE_TYPES.items()) + list(EDGE_TYPES.items()):
        file = files.get(name, name)
        if name not in tables:
            frame = _empty(ttype)
            if isinstance(ttype, NodeType) and ttype.domestic:
                frame["province_code"] = pd.Series(dtype=object)
                frame["city_code"] = pd.Series(dtype=object)
        else:
            frame, p = _validate_table(tables[name], ttype, file, csv.get(name, True))
            problems += p
            columns_ok = not any(q.row is None for q in p)
            if columns_ok and isinstance(ttype, NodeType) and ttype.domestic:
                problems += _resolve_places(frame, file, csv.get(name, True))
        (nodes if name in NODE_TYPES else edges)[name] = frame
    if problems:
        raise DataError(_in_file_order(problems))

    # Ids are unique across all node types, so an edge end names exactly one node.
    id_frames = [pd.DataFrame({"id": t["id"], "type": n, "pos": np.arange(len(t))}) for n, t in nodes.items()]
    ids = pd.concat(id_frames, ignore_index=True)
    dup = ids.duplicated("id", keep="first")
    for _, r in ids[dup].head(50).iterrows():
        first = ids[ids["id"] == r["id"]].iloc[0]
        problems.append(Problem(f"duplicate id (first used in {files.get(first['type'], first['type'])})",
                                file=files.get(r["type"], r["type"]), row=int(r["pos"]) + (2 if csv.get(r["type"], True) else 1), column="id", value=r["id"]))
    id_type = ids.drop_duplicates("id").set_index("id")["type"]
    for name, etype in EDGE_TYPES.items():
        frame = edges[name]
        file = files.get(name, name)
        ends = [("target" if name != "round" else "firm", etype.target)]
        if etype.source:
            ends.insert(0, ("source", etype.source))
        for col, allowed in ends:
            if len(frame) == 0:
                continue
            types = frame[col].map(id_type)
            problems += _problems_at(types.isna().to_numpy(), frame, col, "names no node of the dataset", file, csv.get(name, True))
            wrong = types.notna().to_numpy() & ~types.isin(allowed).to_numpy()
            problems += _problems_at(wrong, frame, col, f"must name a node of type {' or '.join(allowed)}", file, csv.get(name, True))
    rounds, fin = edges["round"], edges["financing"]
    if len(rounds):
        problems += _problems_at(rounds["id"].duplicated().to_numpy(), rounds, "id", "duplicate round id", files.get("round", "round"), csv.get("round", True))
    if len(fin):
        firm_of_round = rounds.drop_duplicates("id").set_index("id")["firm"]
        rf = fin["round_id"].map(firm_of_round)
        file = files.get("financing", "financing")
        problems += _problems_at(rf.isna().to_numpy(), fin, "round_id", "names no round of edges/round", file, csv.get("financing", True))
        problems += _problems_at((rf.notna() & (rf != fin["target"])).to_numpy(), fin, "round_id",
                                 "names a round of another firm than the edge's target", file, csv.get("financing", True))
    if problems:
        raise DataError(problems)
    return Dataset(nodes=nodes, edges=edges, path=path, sources=dict(files))


def load_dataset(path: str | os.PathLike | None = None, encoding: str = "utf-8") -> Dataset:
    """Read and validate the dataset in folder ``path`` (default: the bundled synthetic sample).

    The folder holds ``nodes/<type>.csv|parquet`` and ``edges/<type>.csv|parquet`` (see
    docs/schema.md). Returns a :class:`Dataset`; raises :class:`DataError` listing every
    problem (file, row, column, value) when anything is wrong.
    """
    folder = Path(path) if path is not None else SAMPLE_DIR
    if not folder.is_dir():
        raise DataError([Problem("dataset folder not found (expected a folder with nodes/ and edges/)", file=str(folder))])
    if not (folder / "nodes").is_dir() and not (folder / "edges").is_dir():
        raise DataError([Problem("has no nodes/ or edges/ sub-folder; see docs/schema.md", file=str(folder))])
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for sub in ("nodes", "edges"):
        d = folder / sub
        if not d.is_dir():
            continue
        stems = sorted({p.stem for p in d.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith(".")})
        for stem in stems:
            found[stem] = f = _find_file(d, stem)
            expected = "nodes" if stem in NODE_TYPES else "edges" if stem in EDGE_TYPES else None
            if expected and expected != sub:
                problems.append(Problem(f"a {stem} table belongs in {expected}/", file=str(f)))
    if not problems and found and all(f.suffix == ".parquet" and f.stem in TABLE_TYPES for f in found.values()):
        # Columnar path: national-size Parquet datasets never become pandas tables.
        try:
            return _load_columnar(folder, found)
        except _NotNative:
            pass  # some column needs converting: the pandas path below does that
    tables, files, csv = {}, {}, {}
    for stem, f in found.items():
        try:
            tables[stem] = read_table(f, encoding=encoding)
        except DataError as exc:
            problems += exc.problems
            continue
        files[stem] = str(f)
        csv[stem] = f.suffix == ".csv"
    if problems:
        raise DataError(problems)
    return dataset_from_tables(tables, files=files, csv=csv, path=folder)


def for_writing(frame: pd.DataFrame, ttype: NodeType | EdgeType, text_dates: bool = True) -> pd.DataFrame:
    """The columns of ``frame`` in schema order, typed for a file: dates as ``YYYY-MM-DD``
    text (or, with ``text_dates=False``, as dates, which Parquet stores natively so the
    columnar loader reads them without parsing), whole numbers as nullable integers."""
    cols = [c.name for c in ttype.columns]
    extra = [c for c in frame.columns if c not in cols and c not in ("province_code", "city_code")]
    out = frame[cols + extra].copy()
    for c in ttype.columns:
        if c.kind == "date" and not text_dates:
            out[c.name] = pd.to_datetime(out[c.name]).dt.date.astype(object).where(out[c.name].notna(), None)
        elif c.kind == "date":
            out[c.name] = pd.to_datetime(out[c.name]).dt.strftime("%Y-%m-%d").astype(object).where(out[c.name].notna(), None)
        elif c.kind == "int":
            out[c.name] = out[c.name].astype("Int64")
    return out


def write_dataset(ds: Dataset, path: str | os.PathLike, format: str = "csv", force: bool = False) -> Path:
    """Write ``ds`` as a dataset folder that :func:`load_dataset` reads back unchanged.

    ``format`` is ``csv`` (UTF-8) or ``parquet``. The folder is written atomically; an
    existing folder is replaced only with ``force``. Returns the folder path.
    """
    from graphkit.atomic import atomic_dir, check_writable
    from graphkit.errors import UsageError

    if format not in ("csv", "parquet"):
        raise UsageError(f"format must be 'csv' or 'parquet'; got {format!r} instead")
    target = check_writable(path, force)
    if ds.path is not None and Path(ds.path).resolve() == target.resolve():
        raise UsageError(f"refusing to write over the input dataset {target}")
    with atomic_dir(target) as tmp:
        for sub, group, types in (("nodes", ds.nodes, NODE_TYPES), ("edges", ds.edges, EDGE_TYPES)):
            (tmp / sub).mkdir()
            for name, frame in group.items():
                if len(frame) == 0:
                    continue
                out = for_writing(frame, types[name], text_dates=format == "csv")
                if format == "csv":
                    out.to_csv(tmp / sub / f"{name}.csv", index=False, encoding="utf-8")
                else:
                    out.to_parquet(tmp / sub / f"{name}.parquet", index=False)
    return target


# ---------------------------------------------------------------- the columnar path
#
# A national registry (10M firms, 100M edges) cannot go through pandas with string ids: the
# frames alone would take tens of GB. For a dataset of Parquet files whose columns already
# have the schema's types, load_dataset instead validates column by column, mostly from the
# files' row-group statistics (null counts, min/max), reads only the columns a check needs,
# and resolves places on distinct values only. What it keeps is a `Store`: node places as
# small integers and a map from ids to node numbers. The aggregation streams the edge columns
# it needs from the files in row groups. Pandas tables are still there for anyone who asks
# (`ds.nodes["firm"]`): they are built on first access, with the same types as before.

CHUNK_ROWS = 1_000_000  # rows per chunk when streaming in-memory tables


class LazyTables(MutableMapping):
    """A dict of pandas tables, some built only when first read (from a loader function).

    Assigning or deleting a table marks the mapping ``changed``, so the engine knows its
    columnar store no longer describes the tables and works from the frames instead.
    """

    def __init__(self, frames: dict | None = None, loaders: dict | None = None):
        self._frames: dict[str, pd.DataFrame] = dict(frames or {})
        self._loaders: dict = dict(loaders or {})
        self.changed = False

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self._loaders:
                raise KeyError(name)
            self._frames[name] = self._loaders.pop(name)()
        return self._frames[name]

    def __setitem__(self, name: str, frame: pd.DataFrame) -> None:
        self._loaders.pop(name, None)
        self._frames[name] = frame
        self.changed = True

    def __delitem__(self, name: str) -> None:
        if name not in self._frames and name not in self._loaders:
            raise KeyError(name)
        self._frames.pop(name, None)
        self._loaders.pop(name, None)
        self.changed = True

    def __iter__(self):
        order = list(NODE_TYPES) + list(EDGE_TYPES)
        keys = set(self._frames) | set(self._loaders)
        return iter([k for k in order if k in keys] + sorted(keys - set(order)))

    def __len__(self) -> int:
        return len(set(self._frames) | set(self._loaders))

    def loaded(self, name: str) -> bool:
        """True when the table is in memory (already read, or given)."""
        return name in self._frames

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {'<not read yet>' if k in self._loaders else f'<{len(self._frames[k]):,} rows>'}" for k in self) + "}"


def threads() -> int:
    """Worker threads for chunk work: ``GRAPHKIT_THREADS`` (default 1). Measured on the
    benchmark machine (2 shared cores), 2 threads made the 100M-edge aggregation slower
    (5.0 s against 3.5 s): the gathers compete for memory bandwidth and cache. The next
    row group is always read in the background whatever this says."""
    try:
        return max(1, int(os.environ.get("GRAPHKIT_THREADS", "1")))
    except ValueError:
        return 1


def map_chunks(fn, items, workers: int | None = None):
    """Yield ``fn(item)`` for every item, in order, working on up to ``workers`` items at
    once in threads (numpy and pyarrow release the GIL for the heavy part of each chunk)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    workers = workers or threads()
    if workers == 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphkit-chunk") as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_ahead(fn, items):
    """Yield ``(item, fn(item))`` in order, computing ``fn`` of the next item in a background
    thread while the caller works on this one (for reads: pyarrow releases the GIL)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphkit-read") as pool:
        pending = deque([(items[0], pool.submit(fn, items[0]))])
        for nxt in items[1:] + [None]:
            item, fut = pending.popleft()
            if nxt is not None:
                pending.append((nxt, pool.submit(fn, nxt)))
            yield item, fut.result()


# -- sources: chunks of columns of one table, as pyarrow tables


class _ParquetSource:
    """Columns of one Parquet table, read row group by row group."""

    # Text columns with few distinct values: read as dictionaries (codes + distinct values),
    # so a 10-million-row province column is 40 MB of int32, not 10 million strings.
    CATEGORICAL = ("province", "city", "layer", "kind", "country", "round")

    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        self.path = path
        names = pq.read_schema(path).names
        self.file = pq.ParquetFile(path, read_dictionary=[c for c in self.CATEGORICAL if c in names])
        self.num_rows = self.file.metadata.num_rows
        self.schema = self.file.schema_arrow
        self.columns = list(self.schema.names)

    def read(self, columns: list[str]):
        """Return whole columns as a pyarrow Table."""
        return self.file.read(columns=columns, use_threads=True)

    def chunks(self, columns: list[str], skip: set | frozenset = frozenset()):
        """Yield ``(first row, pyarrow Table of columns)`` per row group, except the row
        groups whose first row is in ``skip`` (never read). The next row group is read in a
        background thread while the caller works on this one (pyarrow and numpy release
        the GIL, so reading and counting overlap on two cores)."""
        md, start, todo = self.file.metadata, 0, []
        for i in range(md.num_row_groups):
            if start not in skip:
                todo.append((i, start))
            start += md.row_group(i).num_rows
        if not todo:
            return
        from concurrent.futures import ThreadPoolExecutor

        read = lambda i: self.file.read_row_group(i, columns=columns, use_threads=False)  # noqa: E731
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphkit-read") as pool:
            ahead = pool.submit(read, todo[0][0])
            for k, (i, start) in enumerate(todo):
                table = ahead.result()
                if k + 1 < len(todo):
                    ahead = pool.submit(read, todo[k + 1][0])
                yield start, table

    def column(self, name: str):
        """Return the whole column as a pyarrow ChunkedArray."""
        return self.file.read(columns=[name], use_threads=True).column(0)

    def stats(self, name: str) -> list | None:
        """Per row group ``(first row, rows, min, max, null_count)``, or None when a row
        group lacks statistics (the caller then reads the column)."""
        md = self.file.metadata
        j = self.columns.index(name)
        out, start = [], 0
        for i in range(md.num_row_groups):
            rg = md.row_group(i)
            s = rg.column(j).statistics
            if s is None or not s.has_null_count:
                return None
            lo, hi = (s.min, s.max) if s.has_min_max else (None, None)
            out.append((start, rg.num_rows, lo, hi, s.null_count))
            start += rg.num_rows
        return out


class _FrameSource:
    """Columns of an in-memory (validated) pandas table, in chunks of CHUNK_ROWS rows."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.num_rows = len(frame)
        self.columns = list(frame.columns)

    def chunks(self, columns: list[str], skip: set | frozenset = frozenset()):
        import pyarrow as pa

        for start in range(0, max(self.num_rows, 1), CHUNK_ROWS):
            if start in skip:
                continue
            part = self.frame.iloc[start : start + CHUNK_ROWS][columns]
            yield start, pa.Table.from_pandas(part, preserve_index=False)

    def column(self, name: str):
        import pyarrow as pa

        return pa.chunked_array([pa.Array.from_pandas(self.frame[name])])

    def read(self, columns: list[str]):
        import pyarrow as pa

        return pa.Table.from_pandas(self.frame[columns], preserve_index=False)

    def stats(self, name: str) -> None:
        return None


# -- id maps: node id -> node number (position in the concatenation of node tables)


class _BlockMap:
    """Integer ids where every node table's ids are one run ``lo, lo+1, …`` (a registry's
    surrogate keys): node number = id − lo + offset, no lookup table, no hashing."""

    kind = "blocks"

    def __init__(self, lo: np.ndarray, hi: np.ndarray, off: np.ndarray):
        order = np.argsort(lo, kind="stable")
        self.lo, self.hi, self.off = lo[order], hi[order], off[order]

    def block(self, lo, hi) -> int | None:
        """Index of the run holding every id in ``[lo, hi]``, or None."""
        if lo is None or hi is None:
            return None
        b = int(np.searchsorted(self.lo, lo, side="right")) - 1
        return b if b >= 0 and hi <= self.hi[b] else None

    def blocks(self, lo, hi) -> list[int] | None:
        """Indices of the adjacent runs that together hold every id in ``[lo, hi]`` (no gap
        between them), or None when some id of the range names no node."""
        if lo is None or hi is None:
            return None
        b = int(np.searchsorted(self.lo, lo, side="right")) - 1
        if b < 0 or lo > self.hi[b]:
            return None
        out = [b]
        while hi > self.hi[out[-1]]:
            nxt = out[-1] + 1
            if nxt >= len(self.lo) or self.lo[nxt] != self.hi[out[-1]] + 1:
                return None
            out.append(nxt)
        return out

    def map(self, ids: np.ndarray) -> np.ndarray:
        """Node numbers of ``ids`` (int64), −1 where an id names no node."""
        if len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        b = self.block(ids.min(), ids.max())
        if b is not None:  # the common case: one run, one subtraction
            return ids - (self.lo[b] - self.off[b])
        r = np.searchsorted(self.lo, ids, side="right") - 1
        rc = np.maximum(r, 0)
        ok = (r >= 0) & (ids <= self.hi[rc])
        return np.where(ok, ids - self.lo[rc] + self.off[rc], -1)


class _SortedMap:
    """Any integer ids: binary search in the sorted ids."""

    kind = "sorted"

    def __init__(self, ids: np.ndarray):
        self.order = np.argsort(ids, kind="stable")
        self.sorted = ids[self.order]

    def block(self, lo, hi) -> None:
        return None

    def blocks(self, lo, hi) -> None:
        return None

    def map(self, ids: np.ndarray) -> np.ndarray:
        if len(self.sorted) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        i = np.searchsorted(self.sorted, ids)
        ic = np.minimum(i, len(self.sorted) - 1)
        return np.where(self.sorted[ic] == ids, self.order[ic], -1)

    def duplicates(self) -> tuple[np.ndarray, np.ndarray]:
        """Node numbers of every id used before, and of that id's first use."""
        if len(self.sorted) < 2:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        new = np.r_[True, self.sorted[1:] != self.sorted[:-1]]
        group_start = np.maximum.accumulate(np.where(new, np.arange(len(new)), 0))
        later = np.flatnonzero(~new)
        return self.order[later], self.order[group_start[later]]


class _HashMap:
    """String ids (or a mix): a pandas hash index over the distinct ids."""

    kind = "hash"

    def __init__(self, ids: np.ndarray):
        self.codes, uniques = pd.factorize(ids, use_na_sentinel=True)
        self.index = pd.Index(uniques, dtype=object)
        # node number of the first node with each distinct id
        self.first = np.full(len(uniques), -1, dtype=np.int64)
        self.first[self.codes[::-1]] = np.arange(len(ids) - 1, -1, -1)

    def block(self, lo, hi) -> None:
        return None

    def blocks(self, lo, hi) -> None:
        return None

    def map(self, ids: np.ndarray) -> np.ndarray:
        if len(self.index) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        # An explicit object Index: left to itself pandas 3 would first convert the strings
        # to its Arrow string type, which made this lookup 7x slower.
        at = self.index.get_indexer(pd.Index(ids, dtype=object, copy=False))
        return np.where(at >= 0, self.first[at], -1)

    def duplicates(self) -> tuple[np.ndarray, np.ndarray]:
        """Node numbers of every id used before, and of that id's first use."""
        later = np.flatnonzero(self.first[self.codes] != np.arange(len(self.codes)))
        return later, self.first[self.codes[later]]


def _id_values(array, int_mode: bool) -> np.ndarray:
    """numpy ids of a pyarrow array: int64 in integer mode, else Python strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if int_mode:
        if array.null_count:
            array = array.fill_null(-1)
        return array.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array.to_numpy(zero_copy_only=False)


def _make_id_map(ids_by_type: dict[str, np.ndarray], int_mode: bool):
    """Return the id map of the node tables (in NODE_TYPES order)."""
    if not int_mode:
        parts = [v for v in ids_by_type.values()]
        return _HashMap(np.concatenate(parts) if parts else np.empty(0, dtype=object))
    lo, hi, off, start, runs = [], [], [], 0, True
    for ids in ids_by_type.values():
        if len(ids):
            if not (ids[-1] - ids[0] == len(ids) - 1 and (len(ids) == 1 or bool((np.diff(ids) == 1).all()))):
                runs = False
                break
            lo.append(ids[0])
            hi.append(ids[-1])
            off.append(start)
        start += len(ids)
    if runs:
        order = np.argsort(lo)
        l, h = np.asarray(lo)[order], np.asarray(hi)[order]
        if len(l) < 2 or bool((l[1:] > h[:-1]).all()):
            return _BlockMap(np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64), np.asarray(off, dtype=np.int64))
    parts = list(ids_by_type.values())
    return _SortedMap(np.concatenate(parts) if parts else np.empty(0, dtype=np.int64))


@dataclass
class Store:
    """The columnar view of a validated dataset that the aggregation streams from.

    ``offset[t]``/``count[t]``: node numbers of node table ``t`` are ``offset .. offset+count``;
    ``province``/``city``: region index of every node (−1: none, e.g. abroad) into
    ``province_codes``/``city_codes``; ``ids`` maps id values to node numbers; ``sources``
    gives chunks of any column of any table; ``int_ids`` says whether ids are int64.
    """

    sources: dict
    offset: dict[str, int]
    count: dict[str, int]
    province: np.ndarray
    city: np.ndarray
    province_codes: np.ndarray
    city_codes: np.ndarray
    ids: object
    int_ids: bool
    files: dict[str, str] = field(default_factory=dict)
    # (edge table, column) -> node number of every row (int32), kept from validation so the
    # aggregation does not read that column a second time
    cache: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes of all types."""
        return len(self.province)

    def node_ids(self, values) -> np.ndarray:
        """Node numbers (−1: unknown) of a pyarrow/numpy array of ids."""
        if not isinstance(values, np.ndarray):
            values = _id_values(values, self.int_ids)
        return self.ids.map(values)


def _place_indices(prov_codes: pd.Series, city_codes: pd.Series, pindex: dict, cindex: dict) -> tuple[np.ndarray, np.ndarray]:
    def idx(codes: pd.Series, index: dict) -> np.ndarray:
        values, uniques = pd.factorize(codes.to_numpy(dtype=object), use_na_sentinel=True)
        lut = np.array([index.setdefault(u, len(index)) for u in uniques] + [-1], dtype=np.int32)
        return lut[values]

    return idx(prov_codes, pindex), idx(city_codes, cindex)


def store_from_frames(nodes: dict, edges: dict) -> Store:
    """Build the engine's :class:`Store` from validated pandas tables (string ids)."""
    pindex: dict = {}
    cindex: dict = {}
    offset, count, provs, cities, ids = {}, {}, [], [], {}
    start = 0
    for name in NODE_TYPES:
        frame = nodes.get(name)
        n = 0 if frame is None else len(frame)
        offset[name], count[name] = start, n
        start += n
        if n == 0:
            continue
        if NODE_TYPES[name].domestic and "province_code" in frame:
            p, c = _place_indices(frame["province_code"], frame["city_code"], pindex, cindex)
        else:
            p = c = np.full(n, -1, dtype=np.int32)
        provs.append(p)
        cities.append(c)
        ids[name] = frame["id"].to_numpy(dtype=object)
    sources = {n: _FrameSource(f) for n, f in {**nodes, **edges}.items() if f is not None}
    cat = lambda parts: np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)  # noqa: E731
    return Store(sources, offset, count, cat(provs), cat(cities),
                 np.array(list(pindex), dtype=object), np.array(list(cindex), dtype=object),
                 _make_id_map(ids, False), False)


# -- validating Parquet tables column by column

_ID_COLUMNS = {"id", "source", "target", "firm", "round_id"}


def _arrow_kind(t) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "date"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_null(t):
        return "null"
    return "other"


def _native(source: _ParquetSource, ttype) -> bool:
    """True when every schema column in the file already has the schema's type, so the file
    can be checked without converting values (otherwise: the pandas path, which parses)."""
    for c in ttype.columns:
        if c.name not in source.columns:
            continue
        k = _arrow_kind(source.schema.field(c.name).type)
        if k == "null":
            continue
        if c.kind == "float" and k not in ("int", "float"):
            return False
        if c.kind == "int" and k != "int":
            return False  # floats need a whole-number check, text needs parsing: pandas path
        if c.kind == "date" and k != "date":
            return False
        if c.kind == "str" and k not in ("str", "int" if c.name in _ID_COLUMNS else "str"):
            return False
    return True


def _row_problems(rows: np.ndarray, values, column: str, message: str, file: str, limit: int = 50) -> list[Problem]:
    """Problems at 0-based ``rows`` of a Parquet table (reported 1-based)."""
    out = [Problem(message, file=file, row=int(r) + 1, column=column, value=_plain(v))
           for r, v in zip(rows[:limit], values[:limit])]
    if len(rows) > limit:
        out.append(Problem(f"… {len(rows) - limit} more rows with the same problem", file=file, column=column))
    return out


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _check_columns(source: _ParquetSource, ttype, file: str) -> list[Problem]:
    """Required columns present; no empty required value; no negative number; categorical
    values among the allowed ones. Proven from statistics where they suffice."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [c.name for c in ttype.columns]
    problems = [Problem(f"missing required column (expected columns: {', '.join(names)})", file=file, column=c.name)
                for c in ttype.columns if c.required and c.name not in source.columns]
    if problems:
        return problems
    for c in ttype.columns:
        if c.name not in source.columns:
            continue
        stats = source.stats(c.name)
        nulls = None if stats is None else sum(s[4] for s in stats)
        negative = c.kind in ("int", "float") and c.nonnegative and (
            stats is None or any(s[2] is not None and s[2] < 0 for s in stats))
        need_read = (c.required and nulls != 0) or negative or c.choices
        if not need_read:
            continue
        col = source.column(c.name)
        if c.required:
            bad = np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))
            problems += _row_problems(bad, [None] * len(bad), c.name, "required value is empty", file)
        if negative:
            vals = col.to_numpy() if col.null_count == 0 else pc.fill_null(col, 0).to_numpy()
            bad = np.flatnonzero(vals < 0)
            problems += _row_problems(bad, vals[bad], c.name, "must not be negative", file)
        if c.choices:
            if pa.types.is_dictionary(col.type):
                # the distinct values are in the dictionaries: no need to decode every row
                uniq = sorted({u for ch in col.chunks for u in ch.dictionary.to_pylist() if u is not None})
                if not set(uniq) - set(c.choices) and all(u.strip() == u for u in uniq):
                    continue
                plain = col.cast(col.type.value_type)
            else:
                plain = col
            uniq = [u for u in pc.unique(plain).to_pylist() if u is not None]
            if any(u.strip() != u for u in uniq):
                raise _NotNative(c.name)  # padded values: the pandas path strips them
            if set(uniq) - set(c.choices):
                bad_mask = pc.and_(pc.invert(pc.is_in(plain, value_set=pa.array(list(c.choices)))), pc.is_valid(plain))
                bad = np.flatnonzero(bad_mask.to_numpy(zero_copy_only=False))
                problems += _row_problems(bad, plain.take(pa.array(bad[:50])).to_pylist(), c.name,
                                          f"must be one of {', '.join(c.choices)}", file)
    return problems


class _NotNative(Exception):
    """A Parquet file needs the pandas path (values must be converted before checking)."""


def _dictionary_codes(col) -> tuple[np.ndarray, list]:
    """Integer codes (−1: empty) and distinct values of a string column, without building a
    Python object per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    col = col.unify_dictionaries() if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    values = col.chunk(0).dictionary.to_pylist() if col.num_chunks else []
    codes = [(c.indices.fill_null(-1) if c.null_count else c.indices).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
             for c in col.chunks]
    return (np.concatenate(codes) if codes else np.empty(0, dtype=np.int32)), values


def _resolve_places_columnar(province, city, file: str, pindex: dict, cindex: dict, known: dict) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Province and city index of every row (into ``pindex``/``cindex``, which grow), each
    distinct (province, city) pair resolved once; problems name rows as the pandas path does."""
    from graphkit.regions import load_regions

    regions = load_regions()
    pcodes, pvals = _dictionary_codes(province)
    ccodes, cvals = _dictionary_codes(city)
    width = len(cvals) + 1
    pair = (pcodes.astype(np.int64) + 1) * width + (ccodes.astype(np.int64) + 1)
    if (len(pvals) + 1) * width <= 50_000_000:
        seen = np.flatnonzero(np.bincount(pair, minlength=(len(pvals) + 1) * width))
        lut_p = np.full((len(pvals) + 1) * width, -1, dtype=np.int32)
        lut_c = lut_p.copy()
        inverse = None
    else:
        seen, inverse = np.unique(pair, return_inverse=True)
        lut_p = np.full(len(seen), -1, dtype=np.int32)
        lut_c = lut_p.copy()
    bad_p, bad_c = [], []
    for k, pr in enumerate(seen):
        pi, ci = divmod(int(pr), width)
        if pi == 0 or ci == 0:
            continue  # empty: reported as a required value by _check_columns
        slot = pr if inverse is None else k
        key = (pvals[pi - 1], cvals[ci - 1])
        if key not in known:  # each distinct (province, city) text resolved once per dataset
            pc_ = regions.province_code(key[0])
            known[key] = (pc_, regions.city_code(key[1], pc_) if pc_ is not None else None)
        pc_, cc = known[key]
        if pc_ is None:
            bad_p.append(pr)
            continue
        lut_p[slot] = pindex.setdefault(pc_, len(pindex))
        if cc is None:
            bad_c.append(pr)
        else:
            lut_c[slot] = cindex.setdefault(cc, len(cindex))
    at = pair if inverse is None else inverse
    prov, city = lut_p[at], lut_c[at]
    problems = []
    if bad_p:
        rows = np.flatnonzero(np.isin(pair, bad_p))
        problems += _row_problems(rows, [pvals[pcodes[r]] for r in rows[:50]], "province",
                                  "unknown province (use the Chinese or English name or the GB/T 2260 code)", file)
    if bad_c:
        rows = np.flatnonzero(np.isin(pair, bad_c))
        problems += _row_problems(rows, [cvals[ccodes[r]] for r in rows[:50]], "city",
                                  "unknown city, or not a city of the row's province", file)
    return prov, city, problems


def _check_ends(store: Store, name: str, source, file: str) -> list[Problem]:
    """Every edge end names a node of an allowed type. A row group whose id statistics fall
    inside one run of node ids of an allowed type is proven without reading it."""
    etype = EDGE_TYPES[name]
    ends = [("target" if name != "round" else "firm", etype.target)]
    if etype.source:
        ends.insert(0, ("source", etype.source))
    node_type = _node_type_array(store)
    names = list(NODE_TYPES)
    problems: list[Problem] = []
    for col, allowed in ends:
        allowed_codes = np.array([names.index(a) for a in allowed], dtype=np.int8)
        stats = source.stats(col) if store.int_ids else None
        proven = set()
        if stats is not None:
            for i, (start, rows, lo, hi, nulls) in enumerate(stats):
                runs = store.ids.blocks(lo, hi)
                if nulls == 0 and runs is not None and all(node_type[store.ids.off[b]] in allowed_codes for b in runs):
                    proven.add(start)
        missing_rows, missing_vals, wrong_rows, wrong_vals = [], [], [], []
        for start, t in source.chunks([col], skip=proven):
            arr = t.column(0)
            vals = _id_values(arr, store.int_ids)
            g = store.ids.map(vals)
            present = arr.is_valid().to_numpy(zero_copy_only=False) if arr.null_count else np.ones(len(vals), bool)
            miss = np.flatnonzero((g < 0) & present)
            wrong = np.flatnonzero((g >= 0) & ~np.isin(node_type[np.maximum(g, 0)], allowed_codes))
            if len(missing_rows) < 60:
                missing_rows.append(miss + start)
                missing_vals.append(vals[miss[:60]])
            if len(wrong_rows) < 60:
                wrong_rows.append(wrong + start)
                wrong_vals.append(vals[wrong[:60]])
        cat = lambda p: np.concatenate(p) if p else np.empty(0, dtype=np.int64)  # noqa: E731
        problems += _row_problems(cat(missing_rows), list(cat(missing_vals)), col, "names no node of the dataset", file)
        problems += _row_problems(cat(wrong_rows), list(cat(wrong_vals)), col, f"must name a node of type {' or '.join(allowed)}", file)
    return problems


def _node_type_array(store: Store) -> np.ndarray:
    if getattr(store, "_types", None) is None:
        t = np.empty(store.n_nodes, dtype=np.int8)
        for i, name in enumerate(NODE_TYPES):
            t[store.offset[name] : store.offset[name] + store.count[name]] = i
        store._types = t  # type: ignore[attr-defined]
    return store._types  # type: ignore[attr-defined]


def _check_rounds(sources: dict, int_ids: bool, files: dict[str, str]):
    """Round ids are unique; every financing edge's round exists and is a round of its target.

    Works on raw ids, so it needs no node table and runs beside their checks. Returns the
    problems and the raw ids of the rounds' firms and of the financing targets (read here
    anyway; the caller turns them into node numbers for the aggregation), None where absent.
    """
    rounds, fin = sources.get("round"), sources.get("financing")
    problems: list[Problem] = []
    rfile, ffile = files.get("round", "round"), files.get("financing", "financing")
    empty = np.empty(0, dtype=np.int64 if int_ids else object)
    rid = rfirm = empty
    if rounds is not None and rounds.num_rows:
        if not {"id", "firm"} <= set(rounds.columns):
            return problems, None, None  # reported as a missing column
        both = rounds.read(["id", "firm"])
        rid = _id_values(both.column(0), int_ids)
        rfirm = _id_values(both.column(1), int_ids)
        del both
    rmap = _make_id_map({"round": rid}, int_ids)
    if not isinstance(rmap, _BlockMap):
        later, _ = rmap.duplicates()
        later = np.sort(later)
        problems += _row_problems(later, rid[later[:50]], "id", "duplicate round id", rfile)
    if fin is None or fin.num_rows == 0 or not {"round_id", "target"} <= set(fin.columns):
        return problems, (rfirm if len(rfirm) else None), None
    target = np.empty(fin.num_rows, dtype=np.int64 if int_ids else object)
    nomatch_r, nomatch_v, other_r, other_v = [], [], [], []
    for start, t in fin.chunks(["round_id", "target"]):
        r = _id_values(t.column(0), int_ids)
        tg = _id_values(t.column(1), int_ids)
        target[start : start + len(tg)] = tg
        at = rmap.map(r)
        if len(at) and at.min() < 0:
            none = np.flatnonzero(at < 0)
            other = np.flatnonzero((at >= 0) & (rfirm[np.maximum(at, 0)] != tg)) if len(rfirm) else np.empty(0, dtype=np.int64)
        else:  # every round found: one gather, one comparison
            none = np.empty(0, dtype=np.int64)
            other = np.flatnonzero(rfirm[at] != tg)
        nomatch_r.append(none + start)
        nomatch_v.append(r[none[:60]])
        other_r.append(other + start)
        other_v.append(r[other[:60]])
    cat = lambda p: np.concatenate(p) if p else np.empty(0, dtype=np.int64)  # noqa: E731
    problems += _row_problems(cat(nomatch_r), list(cat(nomatch_v)), "round_id", "names no round of edges/round", ffile)
    problems += _row_problems(cat(other_r), list(cat(other_v)), "round_id",
                              "names a round of another firm than the edge's target", ffile)
    return problems, (rfirm if len(rfirm) else None), target


def _node_numbers(store: Store, ids: np.ndarray) -> np.ndarray:
    """int32 node numbers (−1: unknown) of raw ids, in chunks to keep the temporaries small."""
    out = np.empty(len(ids), dtype=np.int32)
    for start in range(0, len(ids), CHUNK_ROWS):
        out[start : start + CHUNK_ROWS] = store.ids.map(ids[start : start + CHUNK_ROWS])
    return out


def _materialiser(path: Path, ttype) -> "callable":
    # The pandas table of a Parquet file, exactly as the pandas path builds it.
    def load() -> pd.DataFrame:
        frame, _ = _validate_table(read_table(path), ttype, str(path), False)
        if isinstance(ttype, NodeType) and ttype.domestic:
            _resolve_places(frame, str(path), False)
        return frame

    return load


def _load_columnar(folder: Path, found: dict[str, Path]) -> Dataset:
    """Validate a dataset of Parquet files column by column and return a Dataset whose
    pandas tables are built on first access and whose Store serves the aggregation.
    Raises _NotNative when some file needs the pandas path."""
    try:
        sources = {name: _ParquetSource(p) for name, p in found.items()}
    except Exception:  # unreadable file: the pandas path reports it with its name
        raise _NotNative("unreadable") from None
    files = {name: str(p) for name, p in found.items()}
    for name, src in sources.items():
        if not _native(src, TABLE_TYPES[name]):
            raise _NotNative(name)
    int_ids = all(_arrow_kind(src.schema.field(c).type) == "int"
                  for name, src in sources.items() for c in _ID_COLUMNS if c in src.columns)
    # The rounds check reads only edge files and compares raw ids: it runs in a background
    # thread while the node tables are checked here (pyarrow and numpy release the GIL).
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphkit-rounds")
    # its own file handles: a pyarrow ParquetFile is not promised to be safe across threads
    own = {n: _ParquetSource(found[n]) for n in ("round", "financing") if n in found}
    rounds_job = pool.submit(_check_rounds, own, int_ids, files)
    try:
        return _load_columnar_rest(folder, found, sources, files, int_ids, rounds_job)
    finally:
        pool.shutdown(wait=True)


def _load_columnar_rest(folder, found, sources, files, int_ids, rounds_job) -> Dataset:
    """The part of :func:`_load_columnar` that runs beside the rounds check."""
    from graphkit.progress import step

    problems: list[Problem] = []
    pindex: dict = {}
    cindex: dict = {}
    known: dict = {}
    offset, count, provs, cities, ids = {}, {}, [], [], {}
    start = 0
    for name in NODE_TYPES:
        offset[name] = start
        count[name] = sources[name].num_rows if name in sources else 0
        start += count[name]

    def read_places(name):
        # id, province and city in one read: pyarrow decodes the columns side by side
        want = ["id", "province", "city"] if NODE_TYPES[name].domestic else ["id"]
        return sources[name].read(want) if all(c in sources[name].columns for c in want) else None

    with step("checking node tables"):
        # the next table's columns are read in the background while this one is resolved
        for name, cols in read_ahead(read_places, [n for n in NODE_TYPES if n in sources]):
            src, n = sources[name], count[name]
            p = _check_columns(src, NODE_TYPES[name], files[name])
            problems += p
            if any(q.row is None for q in p) or cols is None:
                continue
            if NODE_TYPES[name].domestic:
                pr, ci, p = _resolve_places_columnar(cols.column(1), cols.column(2), files[name], pindex, cindex, known)
                problems += p
            else:
                pr = ci = np.full(n, -1, dtype=np.int32)
            provs.append(pr)
            cities.append(ci)
            ids[name] = _id_values(cols.column(0), int_ids)
            del cols
        for name in EDGE_TYPES:
            if name in sources:
                problems += _check_columns(sources[name], EDGE_TYPES[name], files[name])
    if problems:
        raise DataError(_in_file_order(problems))
    cat = lambda parts: np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)  # noqa: E731
    store = Store(sources, offset, count, cat(provs), cat(cities), np.array(list(pindex), dtype=object),
                  np.array(list(cindex), dtype=object), _make_id_map(ids, int_ids), int_ids, files)
    if not isinstance(store.ids, _BlockMap):
        later, first = store.ids.duplicates()
        node_of = lambda g: next(n for n in NODE_TYPES if offset[n] <= g < offset[n] + count[n])  # noqa: E731
        for g, f in sorted(zip(later[:50].tolist(), first[:50].tolist())):
            t, ft = node_of(g), node_of(f)
            problems.append(Problem(f"duplicate id (first used in {files[ft]})", file=files[t], row=g - offset[t] + 1,
                                    column="id", value=_plain(ids[t][g - offset[t]])))
    with step("checking edge ends", total=sum(s.num_rows for n, s in sources.items() if n in EDGE_TYPES)):
        for name in EDGE_TYPES:
            if name in sources and sources[name].num_rows:
                problems += _check_ends(store, name, sources[name], files[name])
        round_problems, round_firm, target = rounds_job.result()
        problems += round_problems
    if problems:
        raise DataError(problems)
    # Node numbers of the rounds' firms and financing targets, kept so that the aggregation
    # does not read those columns again.
    if round_firm is not None:
        store.cache[("round", "firm")] = _node_numbers(store, round_firm)
    if target is not None:
        store.cache[("financing", "target")] = _node_numbers(store, target)
    del round_firm, target
    nodes = LazyTables(loaders={n: _materialiser(found[n], NODE_TYPES[n]) if n in found else _empty_loader(NODE_TYPES[n])
                                for n in NODE_TYPES})
    edges = LazyTables(loaders={n: _materialiser(found[n], EDGE_TYPES[n]) if n in found else _empty_loader(EDGE_TYPES[n])
                                for n in EDGE_TYPES})
    ds = Dataset(nodes=nodes, edges=edges, path=folder, sources=files)
    ds.store = store
    return ds


def _empty_loader(ttype):
    def load() -> pd.DataFrame:
        frame = _empty(ttype)
        if isinstance(ttype, NodeType) and ttype.domestic:
            frame["province_code"] = pd.Series(dtype=object)
            frame["city_code"] = pd.Series(dtype=object)
        return frame

    return load
