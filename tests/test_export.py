"""graphkit export: round trips through networkx, igraph and graphkit itself, schema
validation, escaping, formula injection, --force, input protection and atomicity.

Every expected count below is counted by hand from the small dataset written by
``_write_dataset``; expected scores come from ``graphkit.evaluate`` on the *original*
dataset (the export must carry them unchanged), never from the exporter.
"""
from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from networkx.readwrite import json_graph

import graphkit as gk
from graphkit.errors import UsageError
from graphkit.export import (
    GEXF_XSD,
    GRAPHML_XSD,
    Part,
    excel_safe,
    export,
    write_gexf,
    write_graphml,
    write_node_link,
    xml_clean,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"

# Names that have broken exporters: XML specials, quotes, control characters, emoji,
# newlines, and text a spreadsheet would run as a formula.
XML_NAME = 'A&B <C> "q" \'x\' 😀 中文'
CTRL_NAME = "ctrl\x01char\x1fend"
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
MINUS_NAME = "-2+3"
AT_NAME = "@SUM(A1)"
NEWLINE_NAME = "line1\nline2\tend"

NODES = {
    "firm": [
        ["id", "name", "name_en", "province", "city", "founded", "layer", "valuation", "patents"],
        ["F1", XML_NAME, "Firm One", "北京市", "北京市", "2019-06-30", "application", "1500.5", "12"],
        ["F2", FORMULA_NAME, "", "广东省", "深圳市", "2015", "basic", "", "3"],
        ["F3", CTRL_NAME, "", "Guangdong", "Guangzhou", "2017-03", "technology", "20", ""],
        ["F4", MINUS_NAME, "", "浙江省", "杭州市", "", "application", "7", "0"],
    ],
    "investor": [
        ["id", "name", "province", "city", "kind"],
        ["V1", NEWLINE_NAME, "北京市", "北京市", "institutional"],
        ["V2", "红杉", "上海市", "上海市", "other"],
    ],
    "university": [
        ["id", "name", "province", "city", "domestic_papers", "intl_papers", "patents"],
        ["U1", "清华大学", "北京市", "北京市", "100", "50", "30"],
    ],
    "institute": [
        ["id", "name", "province", "city", "domestic_papers", "intl_papers", "patents"],
        ["I1", "深圳研究院", "广东省", "深圳市", "10", "", "4"],
    ],
    "foreign_partner": [
        ["id", "name", "country", "kind"],
        ["P1", "Acme", "US", "company"],
        ["P2", "Oxford", "UK", "university"],
    ],
    "company": [["id", "name", "province", "city"], ["C1", AT_NAME, "上海市", "上海市"]],
    "conference": [["id", "name", "province", "city", "date"], ["M1", "WAIC", "北京市", "北京市", "2019-08-29"]],
    "alliance": [["id", "name", "province", "city", "founded"], ["A1", "联盟", "广东省", "深圳市", "2018"]],
    "policy": [["id", "name", "province", "city", "date"], ["L1", "政策", "浙江省", "杭州市", "2017-07-20"]],
    "park": [["id", "name", "province", "city", "founded"], ["K1", "园区", "广东省", "广州市", "2016"]],
}
EDGES = {
    "round": [["id", "firm", "round", "date", "amount"],
              ["R1", "F1", "A", "2019-06-30", "1000"], ["R2", "F2", "B", "2020-01-01", ""]],
    "financing": [["source", "target", "round_id", "date"],
                  ["V1", "F1", "R1", "2019-06-30"], ["V2", "F1", "R1", "2019-06-30"], ["V1", "F2", "R2", "2020-01-01"]],
    "investment": [["source", "target", "date", "amount"], ["F1", "C1", "2019-01-01", "50"], ["F2", "F3", "", ""]],
    "tech_enablement": [["source", "target", "date"],
                        ["F1", "F2", "2018-01-01"], ["F1", "F2", "2019-01-01"], ["F3", "C1", ""]],
    "intl_tech_input": [["source", "target", "date"], ["P1", "F2", "2018-05-05"]],
    "intl_tech_enablement": [["source", "target", "date"], ["F1", "P1", ""]],
    "study_experience": [["source", "target", "person", "year"], ["F1", "P2", "张三", "2015"]],
    "work_experience": [["source", "target", "person", "year"], ["F2", "P1", "李四", "2018"]],
}

# Hand counts.
N_ENTITIES = 4 + 2 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1  # 15 node rows
N_ROUNDS = 2
N_DOMESTIC = N_ENTITIES - 2  # all but the two foreign partners
CITIES = {"110000", "440300", "440100", "330100", "310000"}  # Beijing, Shenzhen, Guangzhou, Hangzhou, Shanghai
N_PROVINCES = 31
N_RELATIONS = 3 + 2 + 3 + 1 + 1 + 1 + 1  # 12 edge rows besides rounds


def _circle_members() -> int:
    with open(ROOT / "data" / "regions" / "circles.csv", encoding="utf-8") as fh:
        return sum(len(r["members"].split(";")) for r in csv.DictReader(fh))


def _circles() -> int:
    with open(ROOT / "data" / "regions" / "circles.csv", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


N_NODES = N_ENTITIES + N_ROUNDS + len(CITIES) + N_PROVINCES + _circles()
N_EDGES = N_RELATIONS + N_ROUNDS + N_DOMESTIC + len(CITIES) + _circle_members()


def _write_dataset(folder: Path) -> Path:
    for sub, tables in (("nodes", NODES), ("edges", EDGES)):
        (folder / sub).mkdir(parents=True)
        for name, rows in tables.items():
            with open(folder / sub / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows(rows)
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return _write_dataset(tmp_path_factory.mktemp("export") / "data")


@pytest.fixture(scope="module")
def ev(data):
    return gk.evaluate(gk.load_dataset(data), level="province")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("out")


@pytest.fixture(scope="module")
def graphml(ev, out) -> tuple[Path, object]:
    path = out / "g.graphml"
    return path, export(ev, path)


@pytest.fixture(scope="module")
def gexf(ev, out) -> Path:
    path = out / "g.gexf"
    export(ev, path)
    return path


@pytest.fixture(scope="module")
def nodelink(ev, out) -> Path:
    path = out / "g.json"
    export(ev, path)
    return path


def _score_columns() -> list[str]:
    """The columns of `graphkit score --detail`, built from the report's indicator table."""
    ind = pd.read_csv(REFERENCE / "indicators.csv")
    cols = ["region", "region_en", "total", "rank"]
    for t1 in dict.fromkeys(ind["tier1_code"]):
        cols += [t1, f"{t1}_rank"]
    for t2 in dict.fromkeys(ind["tier2_code"]):
        cols += [t2, f"{t2}_rank"]
    for t3 in ind["code"]:
        cols += [f"{t3}_raw", t3, f"{t3}_rank"]
    return cols


# ------------------------------------------------------------------ GraphML

def test_graphml_networkx_counts_and_entity_attributes(graphml):
    path, result = graphml
    G = nx.read_graphml(path)
    assert (G.number_of_nodes(), G.number_of_edges()) == (N_NODES, N_EDGES)
    assert (result.nodes, result.edges) == (N_NODES, N_EDGES)
    assert isinstance(G, nx.MultiDiGraph)  # F1 -> F2 has two tech_enablement edges
    f1 = G.nodes["F1"]
    assert f1["type"] == "firm" and f1["name"] == XML_NAME and f1["name_en"] == "Firm One"
    assert f1["valuation"] == 1500.5 and type(f1["valuation"]) is float
    assert f1["patents"] == 12 and type(f1["patents"]) is int
    assert f1["founded"] == "2019-06-30"
    assert f1["province_code"] == "110000" and f1["city_code"] == "110000"
    f2 = G.nodes["F2"]
    assert "valuation" not in f2  # missing: omitted, never "nan"
    assert f2["founded"] == "2015-01-01"  # the loader pads a year to its first day
    assert "name_en" not in f2
    assert G.nodes["V1"]["name"] == NEWLINE_NAME  # newline and tab survive XML escaping
    assert G.nodes["R2"]["type"] == "round" and "amount" not in G.nodes["R2"]
    assert G.nodes["R1"]["amount"] == 1000.0


def test_graphml_edges_types_and_containment(graphml):
    G = nx.read_graphml(graphml[0])
    types = pd.Series([d["type"] for _, _, d in G.edges(data=True)]).value_counts().to_dict()
    assert types == {"located_in": N_DOMESTIC + len(CITIES) + _circle_members(), "financing": 3,
                     "tech_enablement": 3, "investment": 2, "round_of": 2, "intl_tech_input": 1,
                     "intl_tech_enablement": 1, "study_experience": 1, "work_experience": 1}
    fin = [d for u, v, d in G.edges(data=True) if d["type"] == "financing" and u == "V2"]
    assert fin == [{"type": "financing", "round_id": "R1", "date": "2019-06-30"}]
    study = [d for _, _, d in G.edges(data=True) if d["type"] == "study_experience"][0]
    assert study["year"] == 2015 and type(study["year"]) is int and study["person"] == "张三"
    # entity -> city -> province -> circle
    assert set(G.successors("F2")) >= {"city:440300"}
    assert list(G.successors("city:440300")) == ["province:440000"]
    assert list(G.successors("province:440000")) == ["circle:PRD"]
    assert list(G.successors("city:110000")) == ["province:110000"]  # a municipality is its own city
    assert "province:110000" in G and G.nodes["city:110000"]["type"] == "city"
    # foreign partners are located by country only: no located_in edge
    assert [d["type"] for _, _, d in G.out_edges("P1", data=True)] == ["intl_tech_input"]


def test_graphml_province_node_carries_every_score_column(graphml, ev):
    G = nx.read_graphml(graphml[0])
    expected = ev.table(detail=True).set_index("region_code")
    for code in ("110000", "440000", "650000"):
        node = G.nodes[f"province:{code}"]
        assert node["type"] == "province"
        for col in _score_columns():
            want = expected.loc[code, col]
            if pd.isna(want):  # a mean over no entities is missing: omitted, never "nan"
                assert col.endswith("_raw") and col not in node, col
                continue
            assert col in node, col
            if col.endswith("rank") or col == "rank":
                assert node[col] == int(want) and type(node[col]) is int, col
            elif isinstance(want, str):
                assert node[col] == want
            else:
                assert type(node[col]) is float and node[col] == float(want), col
    assert G.nodes["province:110000"]["region"] == "北京市"
    assert G.nodes["province:110000"]["region_en"] == "Beijing"
    # every province's total unchanged
    totals = {c: G.nodes[f"province:{c}"]["total"] for c in expected.index}
    assert totals == {c: float(v) for c, v in expected["total"].items()}


def test_graphml_circle_scores_are_the_circle_evaluation(graphml, ev):
    G = nx.read_graphml(graphml[0])
    circles = ev.redo(level="circle").table().set_index("region_code")
    for code, row in circles.iterrows():
        assert G.nodes[f"circle:{code}"]["total"] == float(row["total"])
        assert G.nodes[f"circle:{code}"]["rank"] == int(row["rank"])
    # province level only: cities have no scores
    assert "total" not in G.nodes["city:440300"]


def test_graphml_igraph_round_trip(graphml):
    ig = pytest.importorskip("igraph")
    g = ig.Graph.Read_GraphML(str(graphml[0]))
    assert (g.vcount(), g.ecount()) == (N_NODES, N_EDGES)
    by_id = {v["id"]: v for v in g.vs}
    assert by_id["F1"]["name"] == XML_NAME
    assert by_id["F1"]["patents"] == 12 and by_id["F1"]["valuation"] == 1500.5
    assert math.isnan(by_id["F2"]["valuation"])  # igraph's missing numeric
    G = nx.read_graphml(graphml[0])
    for code in ("110000", "440000"):
        assert by_id[f"province:{code}"]["total"] == G.nodes[f"province:{code}"]["total"]
    assert sorted(g.es["type"]) == sorted(d["type"] for _, _, d in G.edges(data=True))


def test_graphml_validates_against_shipped_xsd(graphml):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(GRAPHML_XSD))
    schema.validate(str(graphml[0]))
    broken = graphml[0].read_text(encoding="utf-8").replace('attr.type="double"', 'attr.type="decimal"', 1)
    assert not schema.is_valid(broken)


# ------------------------------------------------------------------ GEXF and JSON

def _attrs(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in ("label", "viz", "id")}


def test_gexf_networkx_round_trip_matches_graphml(gexf, graphml):
    G = nx.read_gexf(gexf)
    H = nx.read_graphml(graphml[0])
    assert (G.number_of_nodes(), G.number_of_edges()) == (N_NODES, N_EDGES)
    cleaned = {n: d for n, d in H.nodes(data=True)}
    for n, d in G.nodes(data=True):
        assert _attrs(d) == cleaned[n], n
        for k, v in _attrs(d).items():
            assert type(v) is type(cleaned[n][k]), (n, k)
    assert G.nodes["F1"]["label"] == XML_NAME
    assert G.nodes["F1"]["viz"]["color"] == {"r": 31, "g": 119, "b": 180, "a": 1.0}
    beijing = G.nodes["province:110000"]
    assert beijing["viz"]["size"] == pytest.approx(5 + beijing["total"] / 4, abs=1e-3)
    types = sorted(d["type"] for _, _, d in G.edges(data=True))
    assert types == sorted(d["type"] for _, _, d in H.edges(data=True))


def test_gexf_validates_against_shipped_xsd(gexf):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema11(str(GEXF_XSD))
    schema.validate(str(gexf))


@pytest.mark.parametrize("change", [
    (' version="1.3"', ""),                                   # version is required
    ('<viz:color r="31" g="119" b="180"/>', '<viz:color r="31" g="119"/>'),  # rgb incomplete, no hex
    ('<viz:color r="31" g="119" b="180"/>', '<viz:color r="31" g="119" b="180" hex="#1f77b4"/>'),
    ('<viz:color r="31" g="119" b="180"/>', '<viz:color r="31" g="119" b="180"/><viz:shape value="dashed"/>'),
    ('type="double"', 'type="decimal"'),                       # not a GEXF attribute type
    ('<nodes count="', '<nodes count="-'),                    # a count is non-negative
])
def test_gexf_schema_rejects_what_the_grammar_rejects(gexf, change):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema11(str(GEXF_XSD))
    text = gexf.read_text(encoding="utf-8")
    assert change[0] in text
    assert not schema.is_valid(text.replace(change[0], change[1], 1))


def test_gexf_schema_accepts_grammar_variants(gexf):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema11(str(GEXF_XSD))
    text = gexf.read_text(encoding="utf-8")
    hexed = text.replace('<viz:color r="31" g="119" b="180"/>', '<viz:color hex="#1f77b4" a="0.5"/>', 1)
    shaped = text.replace('<viz:color r="31" g="119" b="180"/>', '<viz:shape value="square"/><viz:color r="31" g="119" b="180"/>', 1)
    assert schema.is_valid(hexed) and schema.is_valid(shaped)


def test_node_link_json_round_trip_matches_graphml(nodelink, graphml):
    data = json.loads(nodelink.read_text(encoding="utf-8"))
    G = json_graph.node_link_graph(data)
    H = nx.read_graphml(graphml[0])
    assert (G.number_of_nodes(), G.number_of_edges()) == (N_NODES, N_EDGES)
    assert G.is_directed() and G.is_multigraph()
    for n, d in G.nodes(data=True):
        if n == "F3":
            continue  # JSON keeps control characters; XML cannot (next test)
        assert d == H.nodes[n], n
        for k, v in d.items():
            assert type(v) is type(H.nodes[n][k]), (n, k)
    assert G.nodes["F3"]["name"] == CTRL_NAME
    assert "NaN" not in nodelink.read_text(encoding="utf-8")
    assert "\\ud83d" not in nodelink.read_text(encoding="utf-8")  # emoji written as UTF-8, not escaped


def test_control_characters_replaced_in_xml_and_counted(graphml, gexf):
    path, result = graphml
    assert nx.read_graphml(path).nodes["F3"]["name"] == "ctrl\ufffdchar\ufffdend"
    assert result.replaced_characters == 2  # one name, two control characters
    G = nx.read_gexf(gexf)
    assert G.nodes["F3"]["name"] == "ctrl\ufffdchar\ufffdend" and G.nodes["F3"]["label"] == "ctrl\ufffdchar\ufffdend"
    assert xml_clean("a\x00b\x0bc\x0cd\tf\ng\rh\ufffe") == "a\ufffdb\ufffdc\ufffdd\tf\ng\rh\ufffd"


# ------------------------------------------------------------------ types, unit level

def _tricky_parts() -> list[Part]:
    nodes = pd.DataFrame({
        "id": ["a", "b b", "c<&>"],
        "i": pd.array([1, None, 2**40], dtype="Int64"),
        "f": [0.1, np.nan, np.inf],
        "np_obj": pd.Series([np.int64(7), np.int64(8), None], dtype=object),
        "mixed": pd.Series([1, 2.5, None], dtype=object),
        "flag": [True, False, True],
        "when": pd.to_datetime(["2020-01-02", None, "2021-03-04"]),
        "stamp": pd.to_datetime(["2020-01-02 10:30", None, None]),
        "tags": pd.Series([["x", "y"], None, np.array([1, 2])], dtype=object),
    })
    edges = pd.DataFrame({"source": ["a", "b b"], "target": ["b b", "c<&>"], "w": [np.float32(0.5), np.float32(2)]})
    return [Part("node", "thing", nodes), Part("edge", "link", edges)]


def test_types_survive_numpy_scalars_lists_and_missing(tmp_path):
    parts = _tricky_parts()
    path = tmp_path / "t.graphml"
    with open(path, "w", encoding="utf-8") as fh:
        write_graphml(parts, fh)
    G = nx.read_graphml(path)
    a, b, c = G.nodes["a"], G.nodes["b_x0020_b"], G.nodes["c_x003C__x0026__x003E_"]
    assert a["i"] == 1 and type(a["i"]) is int and c["i"] == 2**40
    assert "i" not in b and "f" not in b and "f" not in c  # NaN and inf are omitted
    assert a["f"] == 0.1
    assert a["np_obj"] == 7 and type(a["np_obj"]) is int
    assert a["mixed"] == 1.0 and b["mixed"] == 2.5 and type(a["mixed"]) is float
    assert a["flag"] is True and b["flag"] is False
    assert a["when"] == "2020-01-02" and c["when"] == "2021-03-04" and "when" not in b
    assert a["stamp"] == "2020-01-02T10:30:00"
    assert json.loads(a["tags"]) == ["x", "y"] and json.loads(c["tags"]) == [1, 2]
    # ids that are not XML NMTOKENs are encoded, and the original is kept
    assert b["original_id"] == "b b" and c["original_id"] == "c<&>"
    assert G.edges["a", "b_x0020_b"]["w"] == 0.5 and G.edges["a", "b_x0020_b"]["type"] == "link"
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(GRAPHML_XSD)).validate(str(path))

    jpath = tmp_path / "t.json"
    with open(jpath, "w", encoding="utf-8") as fh:
        write_node_link(parts, fh)
    J = json_graph.node_link_graph(json.loads(jpath.read_text(encoding="utf-8")))
    assert J.nodes["a"]["tags"] == ["x", "y"] and J.nodes["c<&>"]["tags"] == [1, 2]
    assert J.nodes["a"]["np_obj"] == 7 and "f" not in J.nodes["c<&>"]
    assert J.nodes["a"]["flag"] is True and J.nodes["a"]["when"] == "2020-01-02"

    gpath = tmp_path / "t.gexf"
    with open(gpath, "w", encoding="utf-8") as fh:
        write_gexf(parts, fh)
    X = nx.read_gexf(gpath)
    assert X.nodes["c<&>"]["i"] == 2**40 and X.nodes["a"]["flag"] is True
    xmlschema.XMLSchema11(str(GEXF_XSD)).validate(str(gpath))


# ------------------------------------------------------------------ tables

@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_table_export_scores_again_identically(fmt, ev, data, tmp_path):
    target = tmp_path / f"export_{fmt}"
    result = export(ev, target, fmt)
    assert (result.nodes, result.edges) == (N_ENTITIES + N_ROUNDS, N_RELATIONS)
    again = gk.load_dataset(target)
    for level in ("province", "city", "circle"):
        before = gk.evaluate(gk.load_dataset(data), level=level).table(detail=True)
        after = gk.evaluate(again, level=level).table(detail=True)
        pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert again.nodes["firm"].set_index("id").loc["F1", "name"] == XML_NAME
    assert again.nodes["firm"].set_index("id").loc["F2", "name"] == FORMULA_NAME  # data unchanged by default
    assert again.nodes["firm"].set_index("id").loc["F3", "name"] == CTRL_NAME
    regions = pd.read_parquet(target / "regions.parquet") if fmt == "parquet" else pd.read_csv(target / "regions.csv", dtype={"region_code": str})
    prov = regions[regions["type"] == "province"].set_index("region_code")
    want = ev.table(detail=True).set_index("region_code")
    assert np.allclose(prov.loc[want.index, "total"].astype(float), want["total"], rtol=0, atol=1e-12)
    assert regions.set_index("id").loc["city:440300", "located_in"] == "province:440000"


def test_command_score_on_export_prints_identical_table(ev, data, tmp_path):
    from graphkit.cli import main

    target = tmp_path / "ds"
    assert main(["export", "--format", "parquet", "--data", str(data), "--out", str(target)]) == 0
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["score", "--detail", "--format", "csv", "--data", str(data), "--out", str(a)]) == 0
    assert main(["score", "--detail", "--format", "csv", "--data", str(target), "--out", str(b)]) == 0
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")


def test_excel_safe_csv_protects_formula_cells_only_when_asked(ev, tmp_path):
    plain = tmp_path / "plain"
    export(ev, plain, "csv")
    firms = pd.read_csv(plain / "nodes" / "firm.csv", dtype=str, keep_default_na=False)
    assert firms.set_index("id").loc["F2", "name"] == FORMULA_NAME
    assert not (plain / "nodes" / "firm.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    safe = tmp_path / "safe"
    result = export(ev, safe, "csv", excel=True)
    assert result.protected_cells == 3  # F2's, F4's and C1's names
    raw = (safe / "nodes" / "firm.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # so spreadsheets read the Chinese names as UTF-8
    firms = pd.read_csv(safe / "nodes" / "firm.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("id")
    assert firms.loc["F2", "name"] == "'" + FORMULA_NAME
    assert firms.loc["F4", "name"] == "'" + MINUS_NAME
    assert firms.loc["F1", "name"] == XML_NAME and firms.loc["F1", "valuation"] == "1500.5"
    comp = pd.read_csv(safe / "nodes" / "company.csv", dtype=str, encoding="utf-8-sig")
    assert comp["name"].tolist() == ["'" + AT_NAME]
    assert excel_safe(-3) == -3 and excel_safe("ok") == "ok" and excel_safe("+1") == "'+1"
    with pytest.raises(UsageError, match="csv only"):
        export(ev, tmp_path / "x.graphml", excel=True)


# ------------------------------------------------------------------ safety

def test_existing_output_needs_force(ev, tmp_path):
    path = tmp_path / "g.graphml"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError, match="--force"):
        export(ev, path)
    assert path.read_text(encoding="utf-8") == "keep me"
    export(ev, path, force=True)
    assert nx.read_graphml(path).number_of_nodes() == N_NODES
    folder = tmp_path / "tables"
    export(ev, folder, "csv")
    with pytest.raises(UsageError, match="--force"):
        export(ev, folder, "parquet")
    export(ev, folder, "parquet", force=True)  # a previous export is replaced whole
    assert (folder / "nodes" / "firm.parquet").exists() and not (folder / "nodes" / "firm.csv").exists()
    # ... but never a folder holding anything else (`--out . --force` must not delete a project)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="more than a graphkit export"):
        export(ev, folder, "csv", force=True)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(UsageError, match="not a folder"):
        export(ev, path, "csv", force=True)


def test_never_writes_into_or_over_the_input_folder(ev, data):
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    with pytest.raises(UsageError, match="inside the input folder"):
        export(ev, data / "scored.graphml")
    with pytest.raises(UsageError, match="inside the input folder"):
        export(ev, data, "csv", force=True)
    with pytest.raises(UsageError, match="contains the input folder"):
        export(ev, data.parent, "parquet", force=True)
    with pytest.raises(UsageError, match="inside the input folder"):
        export(ev, ROOT / "data" / "scored.graphml")
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before


def _sigint_default() -> None:
    # A job started in the background by a shell without job control inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt: give the export the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_export(args: list[str], env_extra: dict) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_extra)
    return subprocess.Popen([sys.executable, "-m", "graphkit.cli", "export", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
                            preexec_fn=_sigint_default)


def _pause_mark(folder: Path) -> Path:
    """The marker file a paused export touches, beside ``folder`` (which the tests expect to
    end up empty)."""
    return folder.with_name(folder.name + ".paused")


def _pausing(tmp_path: Path) -> dict:
    """Environment that makes an export pause mid-write and say so through the marker file."""
    return {"GRAPHKIT_EXPORT_TEST_PAUSE": "120", "GRAPHKIT_EXPORT_TEST_MARK": str(_pause_mark(tmp_path))}


def _wait_for_temp(folder: Path, proc: subprocess.Popen, timeout: float = 120) -> list[Path]:
    """Wait until the export has written into its temporary file (or folder) and paused."""
    mark = _pause_mark(folder)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        temps = [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
        written = [p for p in temps if (p.is_dir() and any(p.rglob("*.*"))) or (p.is_file() and p.stat().st_size)]
        if written and mark.exists():
            return written
        if proc.poll() is not None:
            raise AssertionError(f"export ended before writing: {proc.stderr.read().decode()}")
        time.sleep(0.05)
    raise AssertionError("no temporary file appeared")


@pytest.mark.slow
@pytest.mark.parametrize("fmt,name", [("graphml", "g.graphml"), ("json", "g.json"), ("parquet", "tables")])
def test_kill_during_write_leaves_no_file_at_target(fmt, name, data, tmp_path):
    target = tmp_path / name
    proc = _run_export(["--format", fmt, "--data", str(data), "--out", str(target)], _pausing(tmp_path))
    try:
        _wait_for_temp(tmp_path, proc)  # the write has begun
    finally:
        proc.kill()
        proc.wait()
    assert not target.exists()


@pytest.mark.slow
def test_interrupt_during_write_cleans_up(data, tmp_path):
    target = tmp_path / "g.gexf"
    proc = _run_export(["--data", str(data), "--out", str(target)], _pausing(tmp_path))
    try:
        _wait_for_temp(tmp_path, proc)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, proc.stderr.read().decode()
    assert list(tmp_path.iterdir()) == []  # neither the target nor the temporary file


# ------------------------------------------------------------------ command line

def test_cli_city_level_and_messages(data, tmp_path, capsys):
    from graphkit.cli import main

    path = tmp_path / "c.json"
    assert main(["export", "--data", str(data), "--level", "city", "--out", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{N_NODES:,} nodes" in err and "scored levels: city, province, circle" in err
    assert "2 characters" not in err  # JSON keeps control characters: nothing replaced
    G = json_graph.node_link_graph(json.loads(path.read_text(encoding="utf-8")))
    cities = gk.evaluate(gk.load_dataset(data), level="city").table(detail=True).set_index("region_code")
    for code in ("440300", "440100", "330100"):
        assert G.nodes[f"city:{code}"]["total"] == float(cities.loc[code, "total"])
        row = cities.loc[code]
        present = {c for c in _score_columns() if not pd.isna(row[c])}
        assert present <= set(G.nodes[f"city:{code}"])
        assert not ({c for c in _score_columns() if pd.isna(row[c])} & set(G.nodes[f"city:{code}"]))
    assert "total" not in G.nodes["city:110000"]  # the city index leaves out municipalities
    assert "total" in G.nodes["province:110000"]

    assert main(["export", "--data", str(data), "--out", str(tmp_path / "g.graphml")]) == 0
    assert "2 characters that XML 1.0 cannot hold" in capsys.readouterr().err
    assert main(["export", "--data", str(data), "--out", str(tmp_path / "g.graphml")]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["export", "--data", str(data), "--format", "gexf", "--excel-safe", "--out", str(tmp_path / "x")]) == 1
    assert main(["export", "--data", str(data), "--out", str(tmp_path / "x.txt")]) == 1


def test_cli_judgments_weights_reach_the_scores(data, tmp_path):
    from graphkit import ahp
    from graphkit.cli import main

    judgments = ROOT / "data" / "ahp" / "report.toml"
    path = tmp_path / "j.graphml"
    assert main(["export", "--data", str(data), "--judgments", str(judgments), "--out", str(path)]) == 0
    weights = ahp.evaluate_judgments(ahp.load_judgments(judgments)).global_weights
    ds = gk.load_dataset(data)
    want = gk.evaluate(ds, weights=weights).table().set_index("region_code")["total"]
    G = nx.read_graphml(path)
    assert {c: G.nodes[f"province:{c}"]["total"] for c in want.index} == pytest.approx(want.to_dict(), abs=1e-12)


def test_exported_files_have_ordinary_permissions(ev, tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    path = export(ev, tmp_path / "p.json").path
    folder = export(ev, tmp_path / "p", "csv").path
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask


# ------------------------------------------------------------------ the bundled sample

@pytest.mark.slow
def test_sample_every_format_reads_back_with_counts_and_totals(tmp_path):
    """The issue's acceptance check on the bundled sample: each format is read back (networkx
    and igraph for the graph files, graphkit for the tables) with the same node and edge counts
    and every province's and circle's total unchanged."""
    ig = pytest.importorskip("igraph")
    ds = gk.load_dataset()
    ev = gk.evaluate(ds)
    totals = {f"province:{c}": float(t) for c, t in ev.table().set_index("region_code")["total"].items()}
    totals.update({f"circle:{c}": float(t) for c, t in ev.redo(level="circle").table().set_index("region_code")["total"].items()})
    cities = pd.concat([t["city_code"] for n, t in ds.nodes.items() if "city_code" in t], ignore_index=True).dropna().nunique()
    domestic = sum(int(t["city_code"].notna().sum()) for n, t in ds.nodes.items() if "city_code" in t)
    n_rows = sum(len(t) for t in ds.nodes.values()) + len(ds.edges["round"])
    n_nodes = n_rows + cities + N_PROVINCES + _circles()
    n_relations = sum(len(t) for k, t in ds.edges.items() if k != "round")
    n_edges = n_relations + len(ds.edges["round"]) + domestic + cities + _circle_members()

    readers = {
        "graphml": nx.read_graphml,
        "gexf": nx.read_gexf,
        "json": lambda p: json_graph.node_link_graph(json.loads(Path(p).read_text(encoding="utf-8"))),
    }
    for fmt, read in readers.items():
        path = export(ev, tmp_path / f"sample.{fmt}").path
        G = read(path)
        assert (G.number_of_nodes(), G.number_of_edges()) == (n_nodes, n_edges), fmt
        assert {n: G.nodes[n]["total"] for n in totals} == totals, fmt
    g = ig.Graph.Read_GraphML(str(tmp_path / "sample.graphml"))
    assert (g.vcount(), g.ecount()) == (n_nodes, n_edges)
    by_id = dict(zip(g.vs["id"], g.vs["total"]))
    assert {n: by_id[n] for n in totals} == totals

    before = ev.table(detail=True)
    for fmt in ("parquet", "csv"):
        folder = export(ev, tmp_path / f"sample_{fmt}", fmt).path
        again = gk.load_dataset(folder)
        assert sum(len(t) for t in again.nodes.values()) + len(again.edges["round"]) == n_rows
        assert sum(len(t) for k, t in again.edges.items() if k != "round") == n_relations
        pd.testing.assert_frame_equal(gk.evaluate(again).table(detail=True), before, check_exact=True)
