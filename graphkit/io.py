"""Reading and writing datasets: a folder of node and edge tables (CSV or Parquet).

``load_dataset`` reads, validates and resolves places; every problem of a file is collected
and reported together (file, row, column, value), and nothing is returned half-checked.
Reading (this module) is kept apart from the pure core (aggregate, score), so the core is
testable on in-memory tables.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphkit.errors import DataError, Problem
from graphkit.paths import SAMPLE_DIR
from graphkit.schema import EDGE_TYPES, NODE_TYPES, Column, EdgeType, NodeType

__all__ = ["Dataset", "load_dataset", "read_table", "write_dataset", "dataset_from_tables"]


@dataclass
class Dataset:
    """A validated heterogeneous graph: one pandas table per node and edge type.

    Every schema type is present (an absent file gives an empty table). Domestic node tables
    carry ``province_code`` and ``city_code`` (GB/T 2260 strings); date columns are
    ``datetime64``; numeric columns are floats with NaN for "unknown".
    """

    nodes: dict[str, pd.DataFrame]
    edges: dict[str, pd.DataFrame]
    path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)  # table -> file it came from

    def table(self, name: str) -> pd.DataFrame:
        """Return the node or edge table called ``name``."""
        if name in self.nodes:
            return self.nodes[name]
        if name in self.edges:
            return self.edges[name]
        raise KeyError(f"unknown table {name!r}")

    def locations(self) -> pd.DataFrame:
        """Return every domestic node's ``province_code`` and ``city_code``, indexed by id."""
        parts = [t[["id", "province_code", "city_code"]] for n, t in self.nodes.items() if NODE_TYPES[n].domestic]
        return pd.concat(parts, ignore_index=True).set_index("id")

    def __repr__(self) -> str:
        n = sum(len(t) for t in self.nodes.values())
        e = sum(len(t) for k, t in self.edges.items() if k != "round")
        where = f" from {self.path}" if self.path else ""
        return f"<Dataset{where}: {n:,} nodes, {e:,} edges>"

    def summary(self) -> pd.DataFrame:
        """Return a table of row counts per node and edge type."""
        rows = [("node", k, len(v)) for k, v in self.nodes.items()] + [("edge", k, len(v)) for k, v in self.edges.items()]
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
        problems += _problems_at(bad, frame, col.name, f"is not a number", file, csv)
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
    tables, files, csv = {}, {}, {}
    problems: list[Problem] = []
    for sub in ("nodes", "edges"):
        d = folder / sub
        if not d.is_dir():
            continue
        stems = sorted({p.stem for p in d.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith(".")})
        for stem in stems:
            f = _find_file(d, stem)
            try:
                tables[stem] = read_table(f, encoding=encoding)
            except DataError as exc:
                problems += exc.problems
                continue
            files[stem] = str(f)
            csv[stem] = f.suffix == ".csv"
            expected = "nodes" if stem in NODE_TYPES else "edges" if stem in EDGE_TYPES else None
            if expected and expected != sub:
                problems.append(Problem(f"a {stem} table belongs in {expected}/", file=str(f)))
    if problems:
        raise DataError(problems)
    return dataset_from_tables(tables, files=files, csv=csv, path=folder)


def _for_writing(frame: pd.DataFrame, ttype: NodeType | EdgeType) -> pd.DataFrame:
    cols = [c.name for c in ttype.columns]
    extra = [c for c in frame.columns if c not in cols and c not in ("province_code", "city_code")]
    out = frame[cols + extra].copy()
    for c in ttype.columns:
        if c.kind == "date":
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
                out = _for_writing(frame, types[name])
                if format == "csv":
                    out.to_csv(tmp / sub / f"{name}.csv", index=False, encoding="utf-8")
                else:
                    out.to_parquet(tmp / sub / f"{name}.parquet", index=False)
    return target
