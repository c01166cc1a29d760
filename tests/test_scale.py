"""The columnar path for large Parquet datasets: the same indicators as an independent pandas
computation and as the pandas loader, chunking, laziness, and every validation error still
naming file, row, column and value."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import graphkit as gk
import graphkit.io as gio
import graphkit.synth as synth
from graphkit.cli import main
from graphkit.io import dataset_from_tables, read_table
from graphkit.regions import load_regions


@pytest.fixture(scope="module")
def chunked(tmp_path_factory, request):
    """A synthetic dataset written in row groups of 700 rows, so every table has many chunks."""
    out = tmp_path_factory.mktemp("scale") / "d"
    old = synth.CHUNK
    synth.CHUNK = 700
    try:
        synth.synthesize(out, 2_000, 20_000, seed=5)
    finally:
        synth.CHUNK = old
    assert pq.ParquetFile(out / "edges" / "financing.parquet").metadata.num_row_groups > 5
    return out


def _pandas_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: read_table(p) for sub in ("nodes", "edges") for p in (folder / sub).glob("*.parquet")}


def test_columnar_path_is_taken_and_tables_stay_unread(chunked):
    ds = gk.load_dataset(chunked)
    assert ds.store is not None and ds.store.ids.kind == "blocks"
    ev = gk.evaluate(ds, level="city")
    assert len(ev.table()) > 100
    # scoring never built a pandas table: that is what keeps memory near the data's size
    assert not any(ds.nodes.loaded(n) for n in ds.nodes) and not any(ds.edges.loaded(n) for n in ds.edges)
    assert ds.rows("firm") == 2_000 and "2,000" not in repr(ds.nodes)  # counted without reading
    firm = ds.nodes["firm"]  # built on demand, with the pandas loader's columns and types
    assert {"province_code", "city_code"} <= set(firm.columns)
    assert firm["id"].iloc[0] == "1" and firm["city_code"].str.fullmatch(r"\d{6}").all()


def test_indicators_match_an_independent_pandas_computation(chunked):
    """Raw values recomputed with plain pandas merges and group-bys on the files."""
    ev = gk.evaluate(gk.load_dataset(chunked), level="province")
    raw = ev.raw
    read = lambda rel: pq.read_table(chunked / rel).to_pandas()  # noqa: E731
    prov_code = load_regions().province_table().set_index("zh")["code"]
    firms = read("nodes/firm.parquet")
    firms["prov"] = firms["province"].astype(str).map(prov_code)
    by = lambda frame: frame.groupby("prov").size().reindex(raw.index, fill_value=0)  # noqa: E731
    np.testing.assert_array_equal(raw["firm_count"], by(firms))
    np.testing.assert_array_equal(raw["basic_tech_firm_count"], by(firms[firms["layer"].astype(str).isin(["basic", "technology"])]))
    mean_val = firms.groupby("prov")["valuation"].mean().reindex(raw.index)
    np.testing.assert_allclose(raw["avg_valuation"], mean_val, rtol=1e-12)
    where = firms.set_index("id")["prov"]
    for table, col, code in [("financing", "target", "financing_relations"), ("investment", "source", "investment_relations"),
                             ("tech_enablement", "source", "tech_enablement_relations"),
                             ("intl_tech_input", "target", "intl_tech_input_relations"),
                             ("work_experience", "source", "intl_work_experience")]:
        e = read(f"edges/{table}.parquet")
        e["prov"] = e[col].map(where)
        np.testing.assert_array_equal(raw[code], by(e), err_msg=code)
    rounds = read("edges/round.parquet")
    rounds["prov"] = rounds["firm"].map(where)
    amount = rounds.groupby("prov")["amount"].sum().reindex(raw.index, fill_value=0)
    np.testing.assert_allclose(raw["financing_amount"], amount, rtol=1e-12)


@pytest.mark.parametrize("level", ["province", "city", "circle"])
@pytest.mark.parametrize("as_of", [None, "2016-06-30"])
def test_columnar_and_pandas_paths_agree(chunked, level, as_of):
    fast = gk.evaluate(gk.load_dataset(chunked), level=level, as_of=as_of).table(detail=True)
    slow = gk.evaluate(dataset_from_tables(_pandas_tables(chunked)), level=level, as_of=as_of).table(detail=True)
    pd.testing.assert_frame_equal(fast, slow)


def test_assigning_a_table_switches_to_the_frames(chunked):
    ds = gk.load_dataset(chunked)
    before = gk.evaluate(ds, level="province").raw["firm_count"].sum()
    ds.nodes["firm"] = ds.nodes["firm"].iloc[:100]  # edges now name missing firms: not counted
    after = gk.evaluate(ds, level="province").raw["firm_count"].sum()
    assert before == 2_000 and after == 100


def test_non_native_parquet_goes_through_the_pandas_path(tmp_path):
    # dates as text need parsing: the pandas path does it, with the same results
    src = tmp_path / "d"
    synth.synthesize(src, 300, 3_000, seed=1)
    firm = pq.read_table(src / "nodes/firm.parquet")
    firm = firm.set_column(firm.schema.get_field_index("founded"), "founded", firm.column("founded").cast(pa.string()))
    pq.write_table(firm, src / "nodes/firm.parquet")
    ds = gk.load_dataset(src)
    assert ds.store is None
    assert gk.evaluate(ds).raw["firm_count"].sum() == 300


# ---------------------------------------------------------------- errors on the columnar path


@pytest.fixture()
def small(tmp_path, monkeypatch):
    """A native Parquet dataset; the pandas loader is switched off, so every error below
    comes from the columnar path."""
    def no_pandas_path(*a, **k):
        raise AssertionError("the pandas path was used")

    monkeypatch.setattr(gio, "dataset_from_tables", no_pandas_path)
    out = tmp_path / "d"
    synth.synthesize(out, 200, 2_000, seed=2)
    return out


def _edit(path: Path, column: str, row: int, value) -> None:
    t = pq.read_table(path)
    vals = t.column(column).to_pylist()
    vals[row] = value
    i = t.schema.get_field_index(column)
    typ = t.schema.field(column).type
    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    pq.write_table(t.set_column(i, column, pa.array(vals, type=typ)), path)


def _score(capsys, data: Path) -> tuple[int, str]:
    code = main(["score", "--data", str(data), "--format", "csv"])
    return code, capsys.readouterr().err


def test_edge_naming_no_node(small, capsys):
    _edit(small / "edges/tech_enablement.parquet", "target", 41, 10**12)
    code, err = _score(capsys, small)
    assert code == 1 and "Traceback" not in err
    assert "tech_enablement.parquet, row 42, column 'target': names no node of the dataset (got 1000000000000)" in err


def test_edge_end_of_wrong_type(small, capsys):
    investor = pq.read_table(small / "nodes/investor.parquet").column("id")[0].as_py()
    _edit(small / "edges/investment.parquet", "target", 7, investor)
    code, err = _score(capsys, small)
    assert code == 1 and "investment.parquet, row 8, column 'target': must name a node of type firm or company" in err


def test_duplicate_id_across_tables(small, capsys):
    _edit(small / "nodes/park.parquet", "id", 1, 5)  # firm 5 exists
    code, err = _score(capsys, small)
    assert code == 1 and "park.parquet, row 2, column 'id': duplicate id (first used in" in err and "firm.parquet" in err


def test_unknown_places_negative_values_and_bad_choices_together(small, capsys):
    _edit(small / "nodes/firm.parquet", "province", 3, "火星省")
    _edit(small / "nodes/firm.parquet", "patents", 9, -3)
    _edit(small / "nodes/firm.parquet", "layer", 11, "top")
    _edit(small / "nodes/investor.parquet", "city", 0, "杭州市X")
    code, err = _score(capsys, small)
    assert code == 1
    assert "firm.parquet, row 4, column 'province': unknown province" in err and "火星省" in err
    assert "firm.parquet, row 10, column 'patents': must not be negative (got -3)" in err
    assert "firm.parquet, row 12, column 'layer': must be one of basic, technology, application (got 'top')" in err
    assert "investor.parquet, row 1, column 'city': unknown city" in err
    lines = err.strip().splitlines()
    assert all(l.startswith("error: ") for l in lines) and len(lines) == 4


def test_round_of_another_firm_and_missing_round(small, capsys):
    fin = pq.read_table(small / "edges/financing.parquet")
    rounds = pq.read_table(small / "edges/round.parquet")
    target = fin.column("target")[0].as_py()
    other = next(r for r, f in zip(rounds.column("id").to_pylist(), rounds.column("firm").to_pylist()) if f != target)
    _edit(small / "edges/financing.parquet", "round_id", 0, other)
    _edit(small / "edges/financing.parquet", "round_id", 5, 10**12)
    code, err = _score(capsys, small)
    assert code == 1
    assert "financing.parquet, row 1, column 'round_id': names a round of another firm than the edge's target" in err
    assert "financing.parquet, row 6, column 'round_id': names no round of edges/round" in err


def test_missing_required_column_and_empty_required_value(small, capsys):
    t = pq.read_table(small / "nodes/park.parquet")
    pq.write_table(t.drop_columns(["city"]), small / "nodes/park.parquet")
    _edit(small / "nodes/firm.parquet", "name", 2, None)
    code, err = _score(capsys, small)
    assert code == 1
    assert "park.parquet, column 'city': missing required column" in err
    assert "firm.parquet, row 3, column 'name': required value is empty" in err


def test_id_maps_agree():
    ids = np.array([5, 6, 7, 20, 21, 100], dtype=np.int64)
    block = gio._make_id_map({"a": ids[:3], "b": ids[3:5], "c": ids[5:]}, True)
    sort = gio._SortedMap(ids)
    hashed = gio._HashMap(ids.astype(str).astype(object))
    probe = np.array([5, 7, 8, 21, 100, 0, 101], dtype=np.int64)
    want = [0, 2, -1, 4, 5, -1, -1]
    assert block.kind == "blocks"
    assert list(block.map(probe)) == want and list(sort.map(probe)) == want
    assert list(hashed.map(probe.astype(str).astype(object))) == want
    assert block.blocks(5, 7) == [0] and block.blocks(5, 8) is None
    dup = gio._SortedMap(np.array([3, 1, 3, 2, 3], dtype=np.int64))
    later, first = dup.duplicates()
    assert sorted(later.tolist()) == [2, 4] and set(first.tolist()) == {0}


@pytest.mark.slow
def test_benchmark_runs_end_to_end(tmp_path):
    """`python benchmarks/bench_score.py` on a tiny size: generates, measures, writes JSON."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    p = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_score.py"), "--sizes", "3k",
                        "--data", str(tmp_path / "data"), "--results", str(tmp_path / "results")],
                       capture_output=True, text=True, cwd=root, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "×floor" in p.stdout and "graphkit --help" in p.stdout
    r = json.loads((tmp_path / "results" / "score-latest.json").read_text())
    size = r["sizes"][0]
    assert size["edges"] == 3000 and size["floor"]["edge_bytes_read"] > 0
    for level in ("province", "city"):
        x = size[level]
        assert x["cli"]["exit"] == 0 and x["stages"]["regions"] > 0
        assert level != "province" or x["stages"]["regions"] == 31
        assert x["ratio_cli_wall_to_floor_process"] > 0 and x["cli"]["peak_rss_mb"] > 0
    assert r["help"]["best_s"] > 0 and r["machine"]["cores"] >= 1


@pytest.mark.parametrize("level", ["province", "city", "circle"])
def test_hand_made_dataset_written_as_parquet_takes_the_columnar_path(tmp_path, level):
    """The hand-calculated dataset of tests/test_core.py, saved as Parquet (string ids, native
    dates), scores exactly as from CSV through the pandas path."""
    from handmade import write_handmade

    csv = gk.load_dataset(write_handmade(tmp_path / "csv"))
    gk.write_dataset(csv, tmp_path / "pq", format="parquet")
    fast = gk.load_dataset(tmp_path / "pq")
    assert csv.store is None and fast.store is not None and fast.store.ids.kind == "hash"
    for as_of in (None, "2019-12-31"):
        pd.testing.assert_frame_equal(gk.evaluate(fast, level=level, as_of=as_of).table(detail=True),
                                      gk.evaluate(csv, level=level, as_of=as_of).table(detail=True))


def test_chunk_threads_give_the_same_numbers(chunked, monkeypatch):
    one = gk.evaluate(gk.load_dataset(chunked), level="city").raw
    monkeypatch.setenv("GRAPHKIT_THREADS", "2")
    assert gio.threads() == 2
    two = gk.evaluate(gk.load_dataset(chunked), level="city").raw
    pd.testing.assert_frame_equal(one, two)
