"""Saved queries (graphkit.query, graphkit query, queries/).

Every expected row below was worked out by hand from the tiny dataset in ``TABLES``; the
comments show the arithmetic. Each query runs on the same data as CSV read directly, as
Parquet read directly, and through the validating loader, and must give the same rows.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from graphkit.errors import DataError, UsageError
from graphkit.paths import DATA_DIR
from graphkit.query import (
    QUERY_DIR,
    bind_params,
    connect,
    find_query,
    list_queries,
    parse_query,
    resolve_region,
    run_query,
)

# ----------------------------------------------------------------------------- data
# Places are written every way the schema allows (zh, short zh, English, code).
TABLES = {
    "nodes/firm.csv": """id,name,name_en,province,city,founded,layer,valuation,patents
F1,北京深瞳,DeepGlint,北京市,北京市,2015-03-01,basic,500,10
F2,旷视科技,Megvii,Beijing,Beijing,2011,technology,2000,50
F3,乐视体育,LeSports,110000,110000,2014-06,application,100,0
F4,商汤上海,SenseTime Shanghai,上海市,上海市,2016-01-01,technology,,
F5,海康威视,Hikvision,浙江省,杭州市,2001-11-30,basic,9000,300
F6,平安科技,Ping An Technology,广东,深圳,2019-05-01,application,3000,20
F7,宁波智造,Ningbo AI,330000,330200,2020-02-02,application,10,1
""",
    "nodes/investor.csv": """id,name,name_en,province,city,kind
V1,IDG资本,IDG Capital,北京市,北京市,institutional
V2,红杉资本中国,Sequoia Capital China,北京市,北京市,institutional
V3,腾讯投资,Tencent Investment,广东省,深圳市,institutional
V4,杭州天使,Hangzhou Angel,浙江省,杭州市,other
""",
    "nodes/company.csv": """id,name,name_en,province,city
C1,上海数据公司,Shanghai Data Co,上海市,上海市
""",
    "nodes/foreign_partner.csv": """id,name,name_en,country,kind
P1,英特尔,Intel,美国,company
P2,高通,Qualcomm,美国,company
P3,斯坦福大学,Stanford University,美国,university
P4,新加坡国立大学,National University of Singapore,新加坡,university
P5,微软,Microsoft,美国,company
""",
    "nodes/alliance.csv": """id,name,province,city,founded
A1,北京人工智能产业联盟,北京市,北京市,2017
A2,浙江人工智能产业联盟,浙江省,杭州市,2018-06
A3,杭州机器人联盟,浙江省,杭州市,2019
A4,宁波人工智能联盟,浙江省,宁波市,2020-01-01
""",
    "nodes/park.csv": """id,name,province,city,founded
K1,杭州人工智能小镇,浙江省,杭州市,2016
K2,中关村人工智能园,北京市,北京市,2010
""",
    "edges/round.csv": """id,firm,round,date,amount
R1,F1,A,2016-01-01,1000
R2,F1,B,2018-05-01,5000
R3,F2,A,2013-01-01,2000
R4,F3,A,2017-03-01,
R5,F4,A,2019-02-01,3000
R6,F5,A,2010-01-01,800
R7,F6,A,2020-01-01,1500
""",
    "edges/financing.csv": """source,target,round_id,date
V1,F1,R1,2016-01-01
V2,F1,R1,2016-01-01
V1,F1,R2,2018-05-01
V3,F1,R2,2018-05-01
V1,F2,R3,2013-01-01
V2,F2,R3,2013-01-01
V3,F3,R4,2017-03-01
V1,F3,R4,2017-03-01
V1,F4,R5,2019-02-01
V2,F4,R5,2019-02-01
V4,F5,R6,2010-01-01
V3,F6,R7,2020-01-01
V4,F6,R7,2020-01-01
""",
    "edges/investment.csv": """source,target,date,amount
F2,C1,2019-01-01,100
F1,F3,2018,50
""",
    "edges/tech_enablement.csv": """source,target,date
F2,C1,2020-01-01
F6,F2,2020-02-01
""",
    "edges/intl_tech_input.csv": """source,target,date
P1,F1,2018-01-01
P1,F2,2019-01-01
P2,F2,2019-06-01
P5,F4,2020-01-01
P1,F1,2019-01-01
""",
    "edges/intl_tech_enablement.csv": """source,target,date
F2,P1,2020-01-01
""",
    "edges/study_experience.csv": """source,target,person,year
F1,P3,张三,2010
F2,P3,李四,2008
F2,P4,王五,2012
F2,P3,李四,2009
F5,P3,赵六,2005
""",
    "edges/work_experience.csv": """source,target,person,year
F1,P5,张三,2012
F2,P5,李四,2013
F3,P1,孙七,2011
""",
}


def write_tables(root: Path, tables: dict[str, str] = TABLES, encoding: str = "utf-8") -> Path:
    """Write ``tables`` under ``root`` and return it."""
    for rel, text in tables.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode(encoding))
    return root


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory) -> Path:
    return write_tables(tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory, csv_dir) -> Path:
    """The same data as Parquet, written by pyarrow with the types a producer would pick:
    integer codes, real dates, numbers as numbers, and the year as an integer."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("parquet")
    for rel in TABLES:
        src = csv_dir / rel
        table = pcsv.read_csv(src)  # pyarrow's own inference: 110000 -> int64, 2016-01-01 -> date32
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, (root / rel).with_suffix(".parquet"))
    types = pq.read_schema(root / "nodes/alliance.parquet")
    assert types.field("founded").type == pa.string()  # mixed precision stays text
    assert pq.read_schema(root / "edges/round.parquet").field("date").type == pa.date32()
    return root


@pytest.fixture(scope="module", params=["csv", "parquet", "validated"])
def con(request, csv_dir, parquet_dir):
    """One DuckDB connection per way of reading the data; every test runs on all three."""
    if request.param == "csv":
        c = connect(csv_dir)
    elif request.param == "parquet":
        c = connect(parquet_dir)
    else:
        import graphkit as gk

        c = connect(gk.load_dataset(csv_dir))
    yield c
    c.close()


def _plain(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return v.strftime("%Y-%m-%d")
    if hasattr(v, "item"):
        v = v.item()
    return v


def rows(con, name: str, cols: list[str], **params) -> list[tuple]:
    """Run query ``name`` and return the chosen columns as plain tuples."""
    frame = run_query(name, params, connection=con).frame
    return [tuple(_plain(v) for v in r) for r in frame[cols].itertuples(index=False)]


# ----------------------------------------------------------------------------- each query

def test_top_investors(con):
    # Beijing firms F1, F2, F3. IDG: F1 (R1, R2), F2, F3 = 3 firms, 4 edges; Sequoia: F1, F2
    # = 2 firms; Tencent: F1 (R2), F3 = 2 firms; tied second, ordered by name.
    assert rows(con, "top_investors", ["rank", "investor", "investor_en", "firms", "financings"], region="北京市") == [
        (1, "IDG资本", "IDG Capital", 3, 4),
        (2, "红杉资本中国", "Sequoia Capital China", 2, 2),
        (2, "腾讯投资", "Tencent Investment", 2, 2),
    ]
    # limit is a rank cut-off: ties at it stay.
    assert [r[0] for r in rows(con, "top_investors", ["investor_id"], region="Beijing", limit=2)] == ["V1", "V2", "V3"]
    assert rows(con, "top_investors", ["investor_id"], region="110000", limit=1) == [("V1",)]
    # A circle: the Yangtze River Delta is Shanghai (F4: IDG, Sequoia) + Zhejiang (F5: Hangzhou Angel).
    assert rows(con, "top_investors", ["rank", "investor_id", "firms"], region="长三角") == [
        (1, "V1", 1), (1, "V4", 1), (1, "V2", 1)]
    # A city: Hangzhou has F5 only; Ningbo's F7 has no financing.
    assert rows(con, "top_investors", ["investor_id", "investor_province"], region="杭州市") == [("V4", "浙江省")]
    assert rows(con, "top_investors", ["investor_id"], region="宁波") == []


def test_most_financed_firms(con):
    # F1: 4 edges over rounds R1, R2 by V1, V2, V3; amount 1000 + 5000 (each round once).
    # F2: 2 edges, R3, 2000. F3: 2 edges, R4 without amount. F2 and F3 tie; amount orders them.
    assert rows(con, "most_financed_firms", ["rank", "firm_id", "city", "financings", "rounds", "investors", "amount"],
                region="北京") == [
        (1, "F1", "北京市", 4, 2, 3, 6000.0),
        (2, "F2", "北京市", 2, 1, 2, 2000.0),
        (2, "F3", "北京市", 2, 1, 2, None),
    ]
    assert rows(con, "most_financed_firms", ["firm", "financings", "amount"], region="Shanghai") == [
        ("商汤上海", 2, 3000.0)]


def test_foreign_tech_sources(con):
    # Beijing: Intel -> F1 twice and F2 once (3 relations, 2 firms); Qualcomm -> F2.
    assert rows(con, "foreign_tech_sources", ["rank", "partner", "partner_en", "country", "relations", "firms"],
                region="北京市") == [
        (1, "英特尔", "Intel", "美国", 3, 2),
        (2, "高通", "Qualcomm", "美国", 1, 1),
    ]
    assert rows(con, "foreign_tech_sources", ["partner_en", "relations"], region="上海市") == [("Microsoft", 1)]
    assert rows(con, "foreign_tech_sources", ["partner"], region="浙江省") == []


def test_foreign_universities_and_employers(con):
    # Beijing study: Stanford by F1 张三, F2 李四 twice (3 experiences, 2 people, 2 firms); NUS by F2 王五.
    assert rows(con, "foreign_universities", ["rank", "university", "experiences", "people", "firms"],
                region="北京市") == [
        (1, "斯坦福大学", 3, 2, 2),
        (2, "新加坡国立大学", 1, 1, 1),
    ]
    assert rows(con, "foreign_universities", ["university_en", "experiences"], region="浙江") == [
        ("Stanford University", 1)]
    # Beijing work: Microsoft by F1 张三 and F2 李四; Intel by F3 孙七.
    assert rows(con, "foreign_employers", ["rank", "employer", "experiences", "people", "firms"], region="北京市") == [
        (1, "微软", 2, 2, 2),
        (2, "英特尔", 1, 1, 1),
    ]
    assert rows(con, "foreign_employers", ["employer"], region="上海市") == []


def test_firms_by_layer(con):
    cols = ["layer", "layer_zh", "firm_id", "founded", "valuation", "patents"]
    # Partial dates are the first day of their period (2011 -> 2011-01-01, 2014-06 -> 2014-06-01).
    assert rows(con, "firms_by_layer", cols, region="北京市") == [
        ("basic", "基础层", "F1", "2015-03-01", 500.0, 10),
        ("technology", "技术层", "F2", "2011-01-01", 2000.0, 50),
        ("application", "应用层", "F3", "2014-06-01", 100.0, 0),
    ]
    assert rows(con, "firms_by_layer", ["firm_id"], region="北京市", layer="technology") == [("F2",)]
    # Zhejiang: F5 basic (Hangzhou), F7 application (Ningbo).
    assert rows(con, "firms_by_layer", ["firm_id", "city"], region="Zhejiang") == [("F5", "杭州市"), ("F7", "宁波市")]


def test_layers_by_region(con):
    cols = ["code", "region", "basic", "technology", "application", "unknown", "basic_tech", "firms"]
    assert rows(con, "layers_by_region", cols) == [
        ("110000", "北京市", 1, 1, 1, 0, 2, 3),
        ("330000", "浙江省", 1, 0, 1, 0, 1, 2),
        ("310000", "上海市", 0, 1, 0, 0, 1, 1),
        ("440000", "广东省", 0, 0, 1, 0, 0, 1),
    ]
    assert rows(con, "layers_by_region", ["code", "region_en", "basic_tech", "firms"], level="city", region="浙江省") == [
        ("330100", "Hangzhou", 1, 1), ("330200", "Ningbo", 0, 1)]
    # Circles: YRD = Shanghai + Zhejiang = 2 basic/tech of 3 firms; JJJ = Beijing; PRD = Guangdong.
    assert rows(con, "layers_by_region", ["code", "basic_tech", "firms"], level="circle") == [
        ("JJJ", 2, 3), ("YRD", 2, 3), ("PRD", 0, 1)]


def test_alliances_parks_by_city(con):
    cols = ["city_code", "city", "city_en", "province", "alliances", "parks"]
    assert rows(con, "alliances_parks_by_city", cols, region="浙江省") == [
        ("330100", "杭州市", "Hangzhou", "浙江省", 2, 1),
        ("330200", "宁波市", "Ningbo", "浙江省", 1, 0),
    ]
    assert rows(con, "alliances_parks_by_city", cols, region="Beijing") == [
        ("110000", "北京市", "Beijing", "北京市", 1, 1)]


def test_investment_flows(con):
    cols = ["from_province", "to_province", "relations", "sources", "targets"]
    # Cross-province financing: V1, V2 (Beijing) -> F4 (Shanghai); V3 (Guangdong) -> F1, F3
    # (Beijing); V4 (Zhejiang) -> F6 (Guangdong).
    assert rows(con, "investment_flows", cols) == [
        ("北京市", "上海市", 2, 2, 1),
        ("广东省", "北京市", 2, 1, 2),
        ("浙江省", "广东省", 1, 1, 1),
    ]
    # Within Beijing: V1 F1 twice, V2 F1, V1 F2, V2 F2, V1 F3 = 6 edges, 2 investors, 3 firms.
    assert rows(con, "investment_flows", ["from_code", "to_code", "relations"], include_internal="true") == [
        ("110000", "110000", 6), ("110000", "310000", 2), ("440000", "110000", 2),
        ("330000", "330000", 1), ("330000", "440000", 1), ("440000", "440000", 1),
    ]
    assert rows(con, "investment_flows", ["from_code", "to_code"], to_region="北京市") == [("440000", "110000")]
    assert rows(con, "investment_flows", ["from_code"], from_region="Zhejiang") == [("330000",)]
    # Firm investments: F2 (Beijing) -> C1 (Shanghai); F1 -> F3 stays in Beijing.
    assert rows(con, "investment_flows", cols, relation="investment") == [("北京市", "上海市", 1, 1, 1)]


def test_co_investors(con):
    # IDG's rounds R1-R5: Sequoia shares R1, R3, R5 (firms F1, F2, F4); Tencent R2, R4 (F1, F3).
    cols = ["rank", "investor_id", "shared_rounds", "shared_firms"]
    assert rows(con, "co_investors", cols, investor="IDG资本") == [(1, "V2", 3, 3), (2, "V3", 2, 2)]
    assert rows(con, "co_investors", cols, investor="idg capital") == rows(con, "co_investors", cols, investor="V1")
    # Tencent: IDG in R2, R4 (firms F1, F3); Hangzhou Angel in R7 (F6). Sequoia shares firm F1
    # but no round, so it is no co-investor.
    assert rows(con, "co_investors", cols, investor="Tencent Investment") == [(1, "V1", 2, 2), (2, "V4", 1, 1)]
    assert rows(con, "co_investors", cols, investor="nobody") == []


def test_firm_neighbourhood(con):
    cols = ["relation", "direction", "neighbour_type", "neighbour_id", "date", "detail"]
    assert rows(con, "firm_neighbourhood", cols, firm="旷视科技") == [
        ("financing", "in", "investor", "V1", "2013-01-01", "A R3"),
        ("financing", "in", "investor", "V2", "2013-01-01", "A R3"),
        ("investment", "out", "company", "C1", "2019-01-01", "100.0"),
        ("tech_enablement", "in", "firm", "F6", "2020-02-01", None),
        ("tech_enablement", "out", "company", "C1", "2020-01-01", None),
        ("intl_tech_input", "in", "foreign_partner", "P1", "2019-01-01", None),
        ("intl_tech_input", "in", "foreign_partner", "P2", "2019-06-01", None),
        ("intl_tech_enablement", "out", "foreign_partner", "P1", "2020-01-01", None),
        ("study_experience", "out", "foreign_partner", "P3", "2008", "李四"),
        ("study_experience", "out", "foreign_partner", "P3", "2009", "李四"),
        ("study_experience", "out", "foreign_partner", "P4", "2012", "王五"),
        ("work_experience", "out", "foreign_partner", "P5", "2013", "李四"),
    ]
    # By English name, case-insensitive; F3 is also an investee of F1 (dated 2018 -> 2018-01-01).
    assert rows(con, "firm_neighbourhood", ["relation", "direction", "neighbour_id", "date"], firm="lesports") == [
        ("financing", "in", "V1", "2017-03-01"),
        ("financing", "in", "V3", "2017-03-01"),
        ("investment", "in", "F1", "2018-01-01"),
        ("work_experience", "out", "P1", "2011"),
    ]
    frame = run_query("firm_neighbourhood", {"firm": "F2"}, connection=con).frame
    assert list(frame.loc[frame.neighbour_id == "F6", "place"]) == ["深圳市"]
    assert list(frame.loc[frame.neighbour_id == "P4", "place"]) == ["新加坡"]


def test_investor_portfolio(con):
    cols = ["firm_id", "province", "rounds", "first_date", "last_date"]
    assert rows(con, "investor_portfolio", cols, investor="IDG Capital") == [
        ("F1", "北京市", 2, "2016-01-01", "2018-05-01"),
        ("F2", "北京市", 1, "2013-01-01", "2013-01-01"),
        ("F3", "北京市", 1, "2017-03-01", "2017-03-01"),
        ("F4", "上海市", 1, "2019-02-01", "2019-02-01"),
    ]
    assert rows(con, "investor_portfolio", ["firm_id"], investor="V1", region="上海") == [("F4",)]


def test_region_summary(con):
    # Beijing: firms F1-F3, investors V1-V2, A1, K2; edges located at Beijing firms.
    assert rows(con, "region_summary", ["kind", "type", "count"], region="北京市") == [
        ("node", "firm", 3), ("node", "investor", 2), ("node", "alliance", 1), ("node", "park", 1),
        ("edge", "financing", 8), ("edge", "intl_tech_input", 4), ("edge", "round", 4),
        ("edge", "study_experience", 4), ("edge", "work_experience", 3), ("edge", "investment", 2),
        ("edge", "intl_tech_enablement", 1), ("edge", "tech_enablement", 1),
    ]


def test_indicator_change(con):
    cols = ["code", "count_1", "count_2", "change", "change_pct"]
    # Firms founded by 2016-06-01: Beijing F1 F2 F3, Shanghai F4, Zhejiang F5; by 2020-12-31
    # also F6 (Guangdong) and F7 (Zhejiang).
    assert rows(con, "indicator_change", cols, type="firm", date1="2016-06-01", date2="2020-12-31") == [
        ("330000", 1, 2, 1, 100.0),
        ("440000", 0, 1, 1, None),
        ("110000", 3, 3, 0, 0.0),
        ("310000", 1, 1, 0, 0.0),
    ]
    # Financing edges by 2016-06-01 in Beijing: R1 x2, R3 x2 = 4; later all 8.
    assert rows(con, "indicator_change", cols, type="financing", date1="2016-06", date2="2020-12-31", limit=3) == [
        ("110000", 4, 8, 4, 100.0),
        ("310000", 0, 2, 2, None),
        ("440000", 0, 2, 2, None),
    ]
    # Years compare with the date's year (as evaluate(as_of=...)): by 2009-06-01 Beijing's
    # study experiences of 2008 and 2009 count, by 2012 all four.
    assert rows(con, "indicator_change", cols, type="study_experience", date1="2009-06-01", date2="2012") == [
        ("110000", 2, 4, 2, 100.0), ("330000", 1, 1, 0, 0.0)]
    assert rows(con, "indicator_change", ["code", "region", "change"], type="firm", date1="2016-06-01",
                date2="2020-12-31", level="city", region="浙江省") == [("330200", "宁波市", 1), ("330100", "杭州市", 0)]
    assert rows(con, "indicator_change", ["code", "region_en", "count_1", "count_2"], type="firm",
                date1="2016-06-01", date2="2020-12-31", level="circle") == [
        ("YRD", "Yangtze River Delta", 2, 3), ("PRD", "Pearl River Delta", 0, 1), ("JJJ", "Beijing-Tianjin-Hebei", 3, 3)]


def test_every_query_has_a_test_above():
    tested = {"top_investors", "most_financed_firms", "foreign_tech_sources", "foreign_universities",
              "foreign_employers", "firms_by_layer", "layers_by_region", "alliances_parks_by_city",
              "investment_flows", "co_investors", "firm_neighbourhood", "investor_portfolio",
              "region_summary", "indicator_change"}
    assert {q.name for q in list_queries()} == tested


# ----------------------------------------------------------------------------- injection

INJECTION = "北京市'; DROP TABLE firm; --"


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name,param", [
    ("top_investors", "region"), ("most_financed_firms", "region"), ("foreign_tech_sources", "region"),
    ("alliances_parks_by_city", "region"), ("co_investors", "investor"), ("firm_neighbourhood", "firm"),
    ("investor_portfolio", "investor"), ("region_summary", "region"),
])
def test_injection_matches_nothing_and_changes_nothing(name, param, csv_dir):
    before = _digest(csv_dir)
    c = connect(csv_dir)
    try:
        params = find_query(name).example_params()
        params[param] = INJECTION
        result = run_query(name, params, connection=c)
        assert len(result.frame) == 0
        # The value reached DuckDB as a bound parameter, untouched.
        assert INJECTION in result.bound.values()
        if param == "region":
            assert result.notes and "matches no province" in result.notes[0]
        # The firm table is still there and whole.
        assert c.execute("SELECT count(*) FROM firm").fetchone()[0] == 7
    finally:
        c.close()
    assert _digest(csv_dir) == before


def test_injection_through_the_cli(csv_dir, capsys):
    from graphkit.cli import main

    before = _digest(csv_dir)
    assert main(["query", "top_investors", "--data", str(csv_dir), "-p", f"region={INJECTION}", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert _digest(csv_dir) == before
    assert main(["query", "top_investors", "--data", str(csv_dir), "-p", "region=北京市", "--format", "json"]) == 0
    assert [r["investor_id"] for r in json.loads(capsys.readouterr().out)] == ["V1", "V2", "V3"]


def test_a_query_file_must_hold_one_select(tmp_path, csv_dir):
    head = '-- name = "bad"\n-- description = "d"\n-- description_zh = "说明"\n'
    for body in ("DROP TABLE firm", "SELECT 1; DROP TABLE firm"):
        q = parse_query(head + body, name="bad")
        with pytest.raises(DataError, match="exactly one SELECT"):
            run_query(q, {}, csv_dir)


# ----------------------------------------------------------------------------- parameters

def test_parameter_errors_list_the_parameters():
    q = find_query("top_investors")
    with pytest.raises(UsageError) as err:
        bind_params(q, {"regoin": "北京市", "limit": "ten"})
    text = err.value.report()
    assert "unknown parameter 'regoin'" in text
    assert "missing required parameter 'region'" in text
    assert "parameter 'limit' must be a whole number; got 'ten' instead" in text
    assert "takes: region (region, required); limit (int, default 10)" in text
    with pytest.raises(UsageError, match="must be one of province, city, circle"):
        bind_params(find_query("layers_by_region"), {"level": "county"})
    with pytest.raises(UsageError, match="must be a date"):
        bind_params(find_query("indicator_change"), {"type": "firm", "date1": "2019-13-01", "date2": "2020"})
    with pytest.raises(UsageError, match="must be true or false"):
        bind_params(find_query("investment_flows"), {"include_internal": "maybe"})


def test_parameters_are_typed_and_defaulted():
    q = find_query("indicator_change")
    got = bind_params(q, {"type": "firm", "date1": "2019", "date2": "2020-06"})
    assert got == {"type": "firm", "date1": dt.date(2019, 1, 1), "date2": dt.date(2020, 6, 1),
                   "level": "province", "region": "", "limit": 10}
    assert bind_params(find_query("investment_flows"), {"include_internal": "yes", "limit": 3})["include_internal"] is True


def test_regions_resolve_by_any_name():
    assert resolve_region("北京市") == ("110000", "province")
    assert resolve_region("beijing") == ("110000", "province")
    assert resolve_region("深圳") == ("440300", "city")
    assert resolve_region("Shenzhen") == ("440300", "city")
    assert resolve_region("440300") == ("440300", "city")
    assert resolve_region("长三角") == ("YRD", "circle")
    assert resolve_region("Jilin") == ("220000", "province")  # the province wins over 吉林市
    assert resolve_region("吉林市") == ("220200", "city")
    assert resolve_region("") == ("", None)
    assert resolve_region(INJECTION) == (None, None)
    with pytest.raises(UsageError, match="苏州市 .*宿州市"):
        resolve_region("Suzhou")


# ----------------------------------------------------------------------------- query files

def test_list_shows_every_file_of_queries(capsys):
    from graphkit.cli import main

    files = sorted(p.stem for p in QUERY_DIR.glob("*.sql"))
    assert len(files) >= 10
    assert main(["query", "--list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [q["name"] for q in listed] == files
    for q in listed:
        assert q["description"].strip() and q["description_zh"].strip()
    assert main(["query", "--list"]) == 0
    table = capsys.readouterr().out
    for name in files:
        assert name in table


def test_every_query_file_documents_itself():
    for q in list_queries():
        assert q.title and q.title_zh, q.name
        # The Chinese description is Chinese.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in q.description_zh), q.name
        for p in q.params:
            assert p.help, f"{q.name}.{p.name} has no help"
            if p.required:
                assert p.example is not None


HEADER = '''-- name = "{name}"
-- description = "Counts firms"
-- description_zh = "企业数"
--
-- [params.region]
-- type = "region"
-- example = "北京市"
SELECT count(*) AS n FROM firm WHERE in_region(province_code, city_code, $region)
'''


def test_a_query_without_a_description_fails(tmp_path):
    bad = HEADER.format(name="no_description").replace('-- description = "Counts firms"\n', "")
    (tmp_path / "no_description.sql").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match="non-empty description"):
        list_queries([tmp_path])
    bad_zh = HEADER.format(name="x").replace('-- description_zh = "企业数"\n', "")
    with pytest.raises(DataError, match="description_zh"):
        parse_query(bad_zh, name="x")


def test_header_and_sql_must_agree():
    text = HEADER.format(name="x")
    with pytest.raises(DataError, match=r"uses \$limit, which the header does not declare"):
        parse_query(text.replace("$region)", "$region) LIMIT $limit"), name="x")
    with pytest.raises(DataError, match="declared but the SQL never uses"):
        parse_query(text.replace("WHERE in_region(province_code, city_code, $region)", ""), name="x")
    with pytest.raises(DataError, match="must equal the file name"):
        parse_query(text, name="y")
    with pytest.raises(DataError, match="unknown type"):
        parse_query(text.replace('type = "region"', 'type = "regon"'), name="x")
    with pytest.raises(DataError, match="needs an example"):
        parse_query(text.replace('-- example = "北京市"\n', ""), name="x")
    with pytest.raises(DataError, match="not valid TOML"):
        parse_query(text.replace('-- name = "x"', "-- name = x"), name="x")
    # $ inside a string literal or a comment is not a parameter.
    q = parse_query(text.replace("SELECT count(*) AS n", "SELECT '$x' AS s, count(*) AS n -- $y\n"), name="x")
    assert [p.name for p in q.params] == ["region"]


def test_a_user_query_folder_extends_the_library(tmp_path, csv_dir, capsys):
    from graphkit.cli import main

    (tmp_path / "firm_count.sql").write_text(HEADER.format(name="firm_count"), encoding="utf-8")
    assert "firm_count" in [q.name for q in list_queries([tmp_path])]
    assert main(["query", "firm_count", "--queries", str(tmp_path), "--data", str(csv_dir),
                 "-p", "region=浙江", "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\n2\n"


# ----------------------------------------------------------------------------- data handling

def test_views_exist_for_absent_tables(tmp_path):
    root = write_tables(tmp_path, {k: v for k, v in TABLES.items() if k == "nodes/firm.csv"})
    c = connect(root)
    try:
        assert c.execute("SELECT count(*) FROM financing").fetchone()[0] == 0
        cols = [r[0] for r in c.execute("DESCRIBE SELECT * FROM policy").fetchall()]
        assert cols == ["id", "name", "name_en", "province", "city", "date", "province_code", "city_code"]
        assert rows(c, "top_investors", ["investor"], region="北京市") == []
        assert c.execute("SELECT count(*) FROM province").fetchone()[0] == 31
    finally:
        c.close()


def test_places_resolve_like_the_loader(csv_dir):
    import graphkit as gk

    ds = gk.load_dataset(csv_dir)
    want = ds.nodes["firm"][["id", "province_code", "city_code"]].sort_values("id").values.tolist()
    c = connect(csv_dir)
    try:
        got = c.execute("SELECT id, province_code, city_code FROM firm ORDER BY id").fetchall()
    finally:
        c.close()
    assert [list(r) for r in got] == want


def test_unknown_place_is_reported_with_file_and_value(tmp_path):
    tables = dict(TABLES)
    tables["nodes/park.csv"] = TABLES["nodes/park.csv"] + "K3,火星园区,火星省,火星市,2020\nK4,错城园区,浙江省,深圳市,2020\n"
    root = write_tables(tmp_path, tables)
    with pytest.raises(DataError) as err:
        connect(root)
    text = err.value.report()
    assert "park.csv, column 'province': unknown province" in text and "'火星省'" in text
    assert "column 'city': unknown city, or not a city of the row's province 浙江省" in text and "'深圳市'" in text


def test_missing_column_and_folder(tmp_path):
    root = write_tables(tmp_path / "d", {"nodes/firm.csv": "id,name,province\nF1,x,北京市\n"})
    with pytest.raises(DataError, match="firm.csv, column 'city': missing required column"):
        connect(root)
    with pytest.raises(DataError, match="dataset folder not found"):
        connect(tmp_path / "nowhere")
    with pytest.raises(DataError, match="has no nodes/ or edges/"):
        connect(tmp_path)


def test_gbk_needs_the_encoding_option(tmp_path):
    root = write_tables(tmp_path, TABLES, encoding="gbk")
    with pytest.raises(DataError, match="pass --encoding gbk"):
        connect(root)
    c = connect(root, encoding="gbk")
    try:
        assert rows(c, "top_investors", ["investor", "firms"], region="北京市", limit=1) == [("IDG资本", 3)]
    finally:
        c.close()


def test_a_value_of_the_wrong_type_is_a_data_error(tmp_path):
    tables = dict(TABLES)
    tables["nodes/firm.csv"] = TABLES["nodes/firm.csv"].replace("2000,50", "lots,50")
    root = write_tables(tmp_path, tables)
    with pytest.raises(DataError, match="does not have the schema's type.*--validate"):
        run_query("firms_by_layer", {"region": "北京市"}, root)
    with pytest.raises(DataError, match="firm.csv, row 3, column 'valuation': is not a number"):
        run_query("firms_by_layer", {"region": "北京市"}, root, validate=True)


# ----------------------------------------------------------------------------- the CLI

def test_cli_table_csv_json_and_out(csv_dir, tmp_path, capsys):
    from graphkit.cli import main

    args = ["query", "foreign_tech_sources", "--data", str(csv_dir), "-p", "region=Beijing"]
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "英特尔" in table and "Intel" in table and "2 rows" in table
    # Rich counts a Chinese character as two cells: the columns after a Chinese name line up.
    lines = [ln for ln in table.splitlines() if "Intel" in ln or "Qualcomm" in ln]
    from rich.cells import cell_len

    assert len({cell_len(ln[: ln.index(w)]) for ln, w in zip(lines, ("Intel", "Qualcomm"))}) == 1
    out = tmp_path / "sources.csv"
    assert main(args + ["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[:2] == [
        "rank,partner_id,partner,partner_en,country,kind,relations,firms",
        "1,P1,英特尔,Intel,美国,company,3,2",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["sources.csv"]  # no temporary file left
    assert main(args + ["-p", "limit=1", "--out", str(out)]) == 0  # replaced, like every --out
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert main(args + ["--format", "markdown"]) == 0
    assert "| 1 | P1 | 英特尔 | Intel |" in capsys.readouterr().out
    out_json = tmp_path / "sources.json"
    assert main(args + ["--out", str(out_json)]) == 0
    assert json.loads(out_json.read_text(encoding="utf-8"))[0] == {
        "rank": 1, "partner_id": "P1", "partner": "英特尔", "partner_en": "Intel", "country": "美国",
        "kind": "company", "relations": 3, "firms": 2}


def test_cli_errors_are_plain(csv_dir, capsys):
    from graphkit.cli import main

    assert main(["query", "no_such_query"]) == 1
    assert "available queries: alliances_parks_by_city" in capsys.readouterr().err
    assert main(["query", "top_investors", "--data", str(csv_dir), "-p", "limit=3"]) == 1
    err = capsys.readouterr().err
    assert "missing required parameter 'region'" in err and "Traceback" not in err
    assert main(["query", "top_investors", "-p", "region"]) == 1
    assert "--param must be key=value" in capsys.readouterr().err
    assert main(["query"]) == 1
    assert main(["query", "top_investors", "--show-sql"]) == 0
    assert "$region" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the bundled sample

def _sample_ready() -> bool:
    from graphkit.paths import SAMPLE_DIR

    return (SAMPLE_DIR / "edges").is_dir() and any((SAMPLE_DIR / "edges").glob("financing.*"))


@pytest.fixture(scope="module")
def sample_con():
    if not _sample_ready():
        pytest.skip("data/sample has no financing table yet (the sample builder has not written it)")
    c = connect(None)
    yield c
    c.close()


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERY_DIR.glob("*.sql")))
def test_every_query_runs_on_the_sample(name, sample_con):
    q = find_query(name)
    result = run_query(q, q.example_params(), connection=sample_con)
    assert list(result.frame.columns)  # ran and returned a table
    assert not result.notes, result.notes  # example regions resolve


def test_top_investors_of_beijing_reproduce_the_report(sample_con):
    # Published: IDG Capital 82, Sequoia Capital China 74, Tencent Investment 68 Beijing AI firms
    # (data/reference/published_counts.csv, report line 752).
    published = [(s, int(v)) for s, v in _published("investor_portfolio_count", "Beijing")]
    assert [v for _, v in published] == [82, 74, 68]
    top = run_query("top_investors", {"region": "北京市", "limit": 3}, connection=sample_con).frame
    want_names = [s.split(" (")[0] for s, _ in published]  # "IDG Capital (IDG 资本)" -> "IDG Capital"
    got = [(n, int(v)) for n, v in zip(top["investor_en"], top["firms"])]
    assert got == list(zip(want_names, [v for _, v in published]))


def _published(quantity: str, region_en: str) -> list[tuple[str, float]]:
    import csv

    with open(DATA_DIR / "reference" / "published_counts.csv", encoding="utf-8") as fh:
        return [(r["subject"], float(r["value"])) for r in csv.DictReader(fh)
                if r["quantity"] == quantity and r["region_en"] == region_en]


def test_the_sample_answers_the_reports_questions(sample_con):
    """The seed's narrative, asked through the queries (report line numbers in comments)."""
    def top(name, region, col, n=1, **kw):
        return list(run_query(name, {"region": region, "limit": n, **kw}, connection=sample_con).frame[col][:n])

    # 752: 车和家、滴滴出行和乐视体育 have the most financing relations in Beijing.
    assert top("most_financed_firms", "北京市", "firm", 3) == ["车和家", "滴滴出行", "乐视体育"]
    # 756: Intel supplies Beijing's firms most; 2416: Intel, Qualcomm, NVIDIA for Shenzhen;
    # 863: Microsoft for Shanghai.
    assert top("foreign_tech_sources", "北京市", "partner_en") == ["Intel"]
    assert top("foreign_tech_sources", "深圳市", "partner_en", 3) == ["Intel", "Qualcomm", "NVIDIA"]
    assert top("foreign_tech_sources", "上海市", "partner_en") == ["Microsoft"]
    # 754: Stanford first; of the top ten universities one is NUS, the other nine American.
    unis = run_query("foreign_universities", {"region": "北京市", "limit": 10}, connection=sample_con).frame
    assert unis["university_en"].iloc[0] == "Stanford University"
    assert len(unis) == 10 and sorted(unis["country"].value_counts().tolist()) == [1, 9]
    assert "National University of Singapore" in set(unis["university_en"])
    # 756: Microsoft is the commonest prior employer of Beijing's core staff.
    assert top("foreign_employers", "北京市", "employer_en") == ["Microsoft"]
    # 914: Zhejiang's 25 alliances, mainly in Hangzhou and Ningbo. The query must agree with a plain count
    # of the alliance table; the sample may depart from 25 only where its own check declares
    # the figure a trade-off against the published scores and ranks.
    (_, zj), = _published("alliance_count", "Zhejiang")
    cities = run_query("alliances_parks_by_city", {"region": "浙江省"}, connection=sample_con).frame
    table = pd.read_csv(DATA_DIR / "sample" / "nodes" / "alliance.csv", dtype=str)
    assert cities["alliances"].sum() == (table["province"] == "浙江省").sum()
    if cities["alliances"].sum() != zj:
        from graphkit.sample.check import run_check
        rows = run_check().rows
        row = rows[(rows.region_en == "Zhejiang") & (rows.indicator == "alliance_count")]
        assert row["explanation"].str.startswith("trade-off").all() and len(row) == 1
    assert list(cities["city_en"][:2]) == ["Hangzhou", "Ningbo"]
    # 746: Beijing has 16 basic-layer and 97 technology-layer firms.
    layers = run_query("layers_by_region", {"region": "北京市"}, connection=sample_con).frame.iloc[0]
    assert (layers["basic"], layers["technology"]) == (_published("basic_layer_firm_count", "Beijing")[0][1],
                                                       _published("tech_layer_firm_count", "Beijing")[0][1])


def test_parquet_with_integer_codes_and_real_dates(tmp_path):
    # A producer may store places as integer codes and dates as dates; the views still give
    # text codes, DATE dates and BIGINT years.
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "nodes").mkdir()
    (tmp_path / "edges").mkdir()
    pq.write_table(pa.table({
        "id": ["F1", "F2"], "name": ["甲", "乙"], "province": pa.array([110000, 440000], pa.int64()),
        "city": pa.array([110000.0, 440300.0]), "founded": pa.array([dt.date(2019, 5, 1), None], pa.date32()),
        "layer": ["basic", None]}), tmp_path / "nodes" / "firm.parquet")
    pq.write_table(pa.table({"source": ["F1"], "target": ["P1"], "person": ["张三"],
                             "year": pa.array([dt.date(2012, 1, 1)], pa.date32())}),
                   tmp_path / "edges" / "study_experience.parquet")
    c = connect(tmp_path)
    try:
        assert c.execute("SELECT id, province_code, city_code, founded, typeof(founded) FROM firm ORDER BY id").fetchall() == [
            ("F1", "110000", "110000", dt.date(2019, 5, 1), "DATE"), ("F2", "440000", "440300", None, "DATE")]
        assert c.execute("SELECT year, typeof(year) FROM study_experience").fetchall() == [(2012, "BIGINT")]
        assert rows(c, "layers_by_region", ["code", "basic", "unknown"]) == [("110000", 1, 0), ("440000", 0, 1)]
    finally:
        c.close()


def test_docs_name_every_query():
    names = {p.stem for p in QUERY_DIR.glob("*.sql")}
    readme = (QUERY_DIR / "README.md").read_text(encoding="utf-8")
    assert {n for n in names if f"`{n}.sql`" not in readme} == set()
    docs = (QUERY_DIR.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    for view in ("firm", "financing", "round", "province", "city", "circle_member", "node", "located"):
        assert f"`{view}`" in docs


def test_a_query_file_can_be_run_by_path(csv_dir, capsys):
    from graphkit.cli import main

    path = QUERY_DIR / "top_investors.sql"
    assert main(["query", str(path), "--data", str(csv_dir), "-p", "region=上海", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["1,V1,IDG资本,IDG Capital,北京市,1,1", "1,V2,红杉资本中国,Sequoia Capital China,北京市,1,1"]


def test_views_are_the_same_whichever_way_the_data_is_read(csv_dir, parquet_dir, capsys):
    import graphkit as gk
    from graphkit.cli import main
    from graphkit.query import describe_views, view_names

    frames = []
    for data in (csv_dir, parquet_dir, gk.load_dataset(csv_dir)):
        c = connect(data)
        try:
            frames.append(describe_views(c))
        finally:
            c.close()
    assert frames[0].equals(frames[1]) and frames[0].equals(frames[2])
    assert list(dict.fromkeys(frames[0]["view"])) == view_names()
    firm = frames[0][frames[0]["view"] == "firm"]
    assert dict(zip(firm["column"], firm["type"])) == {
        "id": "VARCHAR", "name": "VARCHAR", "name_en": "VARCHAR", "province": "VARCHAR", "city": "VARCHAR",
        "founded": "DATE", "layer": "VARCHAR", "valuation": "DOUBLE", "patents": "BIGINT",
        "province_code": "VARCHAR", "city_code": "VARCHAR"}
    assert main(["query", "--views", "--data", str(csv_dir), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("view,column,type\nfirm,id,VARCHAR\n") and "located,year,BIGINT" in out


def test_a_malformed_csv_is_a_data_error_with_its_line(tmp_path):
    tables = dict(TABLES)
    tables["nodes/investor.csv"] = TABLES["nodes/investor.csv"] + 'V9,"unterminated,北京市,北京市,other\n'
    with pytest.raises(DataError, match=r"investor.csv, row 6: .*unterminated quote"):
        connect(write_tables(tmp_path / "a", tables))
    tables = dict(TABLES)
    tables["edges/intl_tech_input.csv"] = TABLES["edges/intl_tech_input.csv"] + 'P1,"F2\n'
    with pytest.raises(DataError, match=r"intl_tech_input.csv, row 7: .*unterminated quote"):
        run_query("foreign_tech_sources", {"region": "北京市"}, write_tables(tmp_path / "b", tables))
    tables = dict(TABLES)
    tables["nodes/firm.csv"] = TABLES["nodes/firm.csv"] + "F9,x,y,北京市,北京市,2019/06/31,basic,1,1\n"
    with pytest.raises(DataError, match=r'schema\'s type \(date field value out of range: "2019/06/31"\)'):
        run_query("firms_by_layer", {"region": "北京市"}, write_tables(tmp_path / "c", tables))


def test_indicator_change_offers_every_located_type():
    from graphkit.schema import DOMESTIC_NODE_TYPES, EDGE_TYPES

    assert set(find_query("indicator_change").param("type").choices) == set(DOMESTIC_NODE_TYPES) | set(EDGE_TYPES)


@pytest.fixture(scope="module")
def sample_parquet_con(sample_con, tmp_path_factory):
    import graphkit as gk

    out = gk.write_dataset(gk.load_dataset(None), tmp_path_factory.mktemp("sample") / "pq", format="parquet")
    c = connect(out)
    yield c
    c.close()


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERY_DIR.glob("*.sql")))
def test_every_query_gives_the_same_rows_on_the_sample_as_parquet(name, sample_con, sample_parquet_con):
    import pandas.testing as pdt

    q = find_query(name)
    a = run_query(q, q.example_params(), connection=sample_con).frame
    b = run_query(q, q.example_params(), connection=sample_parquet_con).frame
    assert len(a) > 0, f"{name} finds nothing on the sample with its example parameters"
    pdt.assert_frame_equal(a, b, check_dtype=False)


def test_module_examples_run(sample_con):
    import doctest

    import graphkit.query

    result = doctest.testmod(graphkit.query, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4 and result.failed == 0
