"""The synthetic sample builder: exact realisation of the calibrated city values.

Every expected value here comes from the values file the build reads (or from the report's
published_counts.csv), and the built tables are aggregated with plain pandas, independently
of graphkit's own aggregation code.
"""
from __future__ import annotations

import filecmp
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphkit.sample.build import (
    COUNT_COLUMNS,
    DEFAULT_OUT,
    DEFAULT_VALUES,
    MEAN_COLUMNS,
    SAMPLE_SIZES,
    build_sample,
    is_sample_dir,
)

ROOT = Path(__file__).resolve().parents[1]
CITIES = pd.read_csv(ROOT / "data" / "regions" / "cities.csv", dtype=str, keep_default_na=False)
PROVINCES = pd.read_csv(ROOT / "data" / "regions" / "provinces.csv", dtype=str, keep_default_na=False)
PUBLISHED = pd.read_csv(ROOT / "data" / "reference" / "published_counts.csv", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ helpers
def _read(folder: Path, sub: str, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / sub / f"{name}.csv", dtype=str, keep_default_na=False)


def _city_code_of(df: pd.DataFrame) -> pd.Series:
    """The sample writes places as Chinese names; map (province, city) back to the city code."""
    prov_code = dict(zip(PROVINCES["zh"], PROVINCES["code"]))
    key = dict(zip(zip(CITIES["province_code"], CITIES["zh"]), CITIES["code"]))
    return pd.Series([key[(prov_code[p], c)] for p, c in zip(df["province"], df["city"])], index=df.index)


def _cents(s: pd.Series) -> pd.Series:
    return s.map(lambda x: int(Decimal(x) * 100) if x != "" else None)


def aggregate(folder: Path) -> pd.DataFrame:
    """Per-city values of a built sample, by plain pandas, in the columns of city_values.csv
    (money in cents)."""
    n = {k: _read(folder, "nodes", k) for k in ("firm", "university", "institute", "conference",
                                              "alliance", "policy", "park")}
    e = {k: _read(folder, "edges", k) for k in ("financing", "round", "investment", "tech_enablement",
                                              "intl_tech_input", "intl_tech_enablement",
                                              "study_experience", "work_experience")}
    for df in n.values():
        df["code"] = _city_code_of(df)
    firm_city = dict(zip(n["firm"]["id"], n["firm"]["code"]))
    out = {}
    count = lambda s: s.value_counts()
    out["firm_count"] = count(n["firm"]["code"])
    out["basic_tech_firm_count"] = count(n["firm"].loc[n["firm"]["layer"].isin(["basic", "technology"]), "code"])
    out["univ_count"] = count(n["university"]["code"])
    out["inst_count"] = count(n["institute"]["code"])
    for k in ("conference", "alliance", "policy", "park"):
        out[f"{k}_count"] = count(n[k]["code"])
    by_target = lambda df: count(df["target"].map(firm_city))
    by_source = lambda df: count(df["source"].map(firm_city))
    out["financing_relations"] = by_target(e["financing"])
    out["intl_tech_input_relations"] = by_target(e["intl_tech_input"])
    out["tech_enablement_relations"] = by_source(e["tech_enablement"])
    out["investment_relations"] = by_source(e["investment"])
    out["intl_tech_enablement_relations"] = by_source(e["intl_tech_enablement"])
    out["intl_study_experience"] = by_source(e["study_experience"])
    out["intl_work_experience"] = by_source(e["work_experience"])
    rd = e["round"].copy()
    rd["c"] = _cents(rd["amount"])
    rd["code"] = rd["firm"].map(firm_city)
    out["financing_amount_cents"] = rd.dropna(subset=["c"]).groupby("code")["c"].sum()
    for m, (table, col, money) in MEAN_COLUMNS.items():
        df = n[table]
        known = df[df[col] != ""]
        vals = _cents(known[col]) if money else known[col].astype(int)
        out[f"{m}__n"] = known["code"].value_counts()
        out[f"{m}__sum"] = vals.groupby(known["code"]).sum()
    res = pd.DataFrame(out).fillna(0).astype(np.int64)
    return res.sort_index()


def expected(values_path: Path) -> pd.DataFrame:
    v = pd.read_csv(values_path, dtype={"city_code": str, "province_code": str}).set_index("city_code")
    out = pd.DataFrame(index=v.index)
    for c in COUNT_COLUMNS:
        out[c] = v[c].astype(np.int64)
    out["financing_amount_cents"] = v["financing_amount"].map(lambda x: int(Decimal(str(x)) * 100))
    for m, (_, _, money) in MEAN_COLUMNS.items():
        out[f"{m}__n"] = v[f"{m}__n"].astype(np.int64)
        out[f"{m}__sum"] = (v[f"{m}__sum"].map(lambda x: int(Decimal(str(x)) * 100)) if money
                            else v[f"{m}__sum"].astype(np.int64))
    return out.sort_index()


# A small hand-made values file: two provinces' worth of cities, exercising pins (Beijing's
# named investors, Suning's investments in Nanjing), empty means and zero rows.
SMALL = """city_code,province_code,firm_count,basic_tech_firm_count,tech_enablement_relations,univ_count,inst_count,financing_relations,financing_amount,investment_relations,intl_study_experience,intl_work_experience,intl_tech_input_relations,intl_tech_enablement_relations,conference_count,alliance_count,park_count,policy_count,avg_valuation__n,avg_valuation__sum,avg_firm_patents__n,avg_firm_patents__sum,univ_avg_domestic_papers__n,univ_avg_domestic_papers__sum,univ_avg_intl_papers__n,univ_avg_intl_papers__sum,univ_avg_patents__n,univ_avg_patents__sum,inst_avg_domestic_papers__n,inst_avg_domestic_papers__sum,inst_avg_intl_papers__n,inst_avg_intl_papers__sum,inst_avg_patents__n,inst_avg_patents__sum
110000,110000,300,60,900,5,4,700,123456.78,40,30,25,20,15,12,5,9,4,250,987654.32,200,9000,5,500,4,900,5,7000,3,90,3,120,4,400
310000,310000,80,15,400,4,2,300,45678.90,30,12,10,8,6,5,2,4,3,60,765432.10,50,12000,4,300,4,400,4,900,2,30,2,40,2,50
320100,320000,60,9,200,3,1,90,5000.01,400,5,4,3,2,2,1,3,2,40,1234.56,30,600,3,60,2,50,3,300,1,7,0,0,1,3
320500,320000,10,2,0,0,0,3,0.03,0,0,0,0,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
440300,440000,2,0,0,2,0,0,0,0,0,0,0,0,1,0,0,0,1,0.01,2,0,0,0,0,0,0,0,0,0,0,0,0,0
540100,540000,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,1,5,0,0,0,0,0,0,0,0,0,0
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    vp = d / "city_values.csv"
    vp.write_text(SMALL, encoding="utf-8")
    out = d / "sample"
    summary = build_sample(out, seed=7, values_path=vp, progress=False)
    return vp, out, summary


# ------------------------------------------------------------------ small, fast checks
def test_small_build_reproduces_every_value(small):
    vp, out, _ = small
    got = aggregate(out)
    want = expected(vp)
    want = want[(want != 0).any(axis=1)]
    got = got.reindex(index=want.index, columns=want.columns, fill_value=0)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_small_build_named_investors(small):
    _, out, _ = small
    fin = _read(out, "edges", "financing")
    inv = _read(out, "nodes", "investor")
    firms = _read(out, "nodes", "firm")
    firms["code"] = _city_code_of(firms)
    fin = fin.merge(firms[["id", "code"]], left_on="target", right_on="id")
    bj = fin[fin["code"] == "110000"].drop_duplicates(["source", "target"]).groupby("source").size()
    name = dict(zip(inv["name_en"], inv["id"]))
    # report: IDG Capital 82 > Sequoia China 74 > Tencent 68, ahead of everyone else
    assert bj[name["IDG Capital"]] == 82
    assert bj[name["Sequoia Capital China"]] == 74
    assert bj[name["Tencent Investment"]] == 68
    others = bj.drop([name["IDG Capital"], name["Sequoia Capital China"], name["Tencent Investment"]])
    assert others.max() < 68


def test_small_build_suning_invests_in_374(small):
    _, out, _ = small
    firms = _read(out, "nodes", "firm")
    inv = _read(out, "edges", "investment")
    suning = firms.loc[firms["name_en"] == "Suning.com", "id"].item()
    deg = inv.drop_duplicates(["source", "target"]).groupby("source").size()
    assert deg[suning] == 374
    assert deg.drop(suning).max() < 374


def _per_firm(out: Path, table: str, end: str) -> pd.DataFrame:
    firms = _read(out, "nodes", "firm")
    e = _read(out, "edges", table)
    n = e.groupby(end).size().rename("n")
    return firms.set_index("id").join(n).fillna({"n": 0})


def test_small_build_named_firms_rank_as_reported(small):
    """Report line 752: 车和家, 滴滴出行, 乐视体育 have Beijing's most financing relations; 中国电信
    and 新东方 its most investment relations. Line 861: Shanghai's by financing relations are
    蔚来汽车, 思路迪, 星环科技, 璧仞科技. Strictly, in that order."""
    _, out, _ = small
    for table, end, city, order in (
        ("financing", "target", "北京市", ["车和家", "滴滴出行", "乐视体育"]),
        ("investment", "source", "北京市", ["中国电信", "新东方"]),
        ("financing", "target", "上海市", ["蔚来汽车", "思路迪", "星环科技", "璧仞科技"]),
    ):
        f = _per_firm(out, table, end)
        f = f[f["city"] == city]
        top = f.sort_values("n", ascending=False, kind="stable")
        assert top["name"].head(len(order)).tolist() == order, (table, city)
        counts = top["n"].head(len(order) + 1).tolist()
        assert all(a > b for a, b in zip(counts, counts[1:])), (table, city, counts)


def test_small_build_named_patents_and_amounts(small):
    """Line 855: 展讯通信 5013 and 联影医疗 2844 patents, Shanghai's two largest holders;
    line 861: 饿了么, 蔚来汽车, 陆金所, 紫光展锐 raised the most money in Shanghai."""
    _, out, _ = small
    firms = _read(out, "nodes", "firm")
    sh = firms[firms["city"] == "上海市"]
    pat = sh.loc[sh["patents"] != "", ["name", "patents"]].assign(p=lambda d: d["patents"].astype(int))
    top = pat.sort_values("p", ascending=False)
    assert top["name"].head(2).tolist() == ["展讯通信", "联影医疗"]
    assert top["p"].head(3).tolist()[:2] == [5013, 2844] and top["p"].iloc[2] < 2844
    rounds = _read(out, "edges", "round")
    rounds = rounds[rounds["amount"] != ""]
    amt = rounds.assign(a=rounds["amount"].map(Decimal)).groupby("firm")["a"].sum()
    sh_amt = sh.set_index("id").join(amt).dropna(subset=["a"]).sort_values("a", ascending=False)
    assert sh_amt["name"].head(4).tolist() == ["饿了么", "蔚来汽车", "陆金所", "紫光展锐"]


def _shandong_values(folder: Path) -> Path:
    """Three Shandong cities with firms and patents and nothing else (no financing at all):
    Jinan 13 firms, Qingdao 16 whose patent sum is exactly Haier's 11,778, Zibo 14."""
    header = SMALL.splitlines()[0].split(",")

    def row(code, firms, n, patents):
        cells = dict.fromkeys(header, "0")
        cells.update(city_code=code, province_code="370000", firm_count=str(firms),
                     avg_firm_patents__n=str(n), avg_firm_patents__sum=str(patents))
        return ",".join(cells[h] for h in header)

    vp = folder / "city_values.csv"
    vp.write_text("\n".join([",".join(header), row("370100", 13, 12, 4610), row("370200", 16, 16, 11778),
                             row("370300", 14, 12, 6686)]) + "\n", encoding="utf-8")
    return vp


@pytest.fixture(scope="module")
def shandong(tmp_path_factory) -> Path:
    """The sample built from :func:`_shandong_values`; returns its folder."""
    d = tmp_path_factory.mktemp("shandong")
    build_sample(d / "sample", seed=7, values_path=_shandong_values(d), progress=False)
    return d / "sample"


def test_a_moved_named_firm_does_not_crowd_out_a_pinned_one(shandong):
    """Weihai has no firm, so New Beiyang (1,871 patents, line 1012) moves to another
    Shandong city. Qingdao has the most firms, but its patent sum is exactly Haier's 11,778:
    New Beiyang must go to Zibo, and both firms keep their published patents."""
    out = shandong
    firms = _read(out, "nodes", "firm").set_index("name")
    assert (firms.at["海尔集团", "city"], firms.at["海尔集团", "patents"]) == ("青岛市", "11778")
    assert (firms.at["山东新北洋信息技术股份有限公司", "city"],
            firms.at["山东新北洋信息技术股份有限公司", "patents"]) == ("淄博市", "1871")


def test_a_sample_without_financing_builds_empty_financing_tables(shandong):
    """No financing relation anywhere is valid input: the round and financing tables are
    written with their headers and no rows (an empty round table once had untyped columns
    and the build failed)."""
    out = shandong
    rounds, fin = _read(out, "edges", "round"), _read(out, "edges", "financing")
    assert len(rounds) == 0 and {"firm", "amount"} <= set(rounds.columns)
    assert len(fin) == 0 and len(fin.columns) > 0
    assert len(_read(out, "nodes", "firm")) == 13 + 16 + 14


def test_small_build_foreign_leaders(small):
    """Line 754-756: Intel leads technology input to Beijing firms, Stanford their prior
    study, Microsoft their prior work; line 863: Microsoft leads input to Shanghai."""
    _, out, _ = small
    firms = _read(out, "nodes", "firm").set_index("id")["city"]
    partners = _read(out, "nodes", "foreign_partner").set_index("id")["name_en"]
    for table, firm_end, city, leader in (
        ("intl_tech_input", "target", "北京市", "Intel"),
        ("study_experience", "source", "北京市", "Stanford University"),
        ("work_experience", "source", "北京市", "Microsoft"),
        ("intl_tech_input", "target", "上海市", "Microsoft"),
    ):
        e = _read(out, "edges", table)
        other = "source" if firm_end == "target" else "target"
        counts = e[e[firm_end].map(firms) == city][other].map(partners).value_counts()
        assert counts.index[0] == leader and counts.iloc[0] > counts.iloc[1], (table, city, counts.head(3))


def test_sample_sizes_reported_by_small_build(small):
    _, out, summary = small
    # the small file has its own node totals; the investor count is always the report's
    assert summary["rows"]["investor"] == SAMPLE_SIZES["investor"] == 3741
    assert summary["rows"]["firm"] == 452


def test_referential_integrity(small):
    vp, out, _ = small
    check_integrity(out, pd.read_csv(vp, dtype=str)["city_code"])


def check_integrity(out: Path, value_cities) -> None:
    nodes = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in (out / "nodes").glob("*.csv")}
    ids = pd.concat([df["id"] for df in nodes.values()])
    assert not ids.duplicated().any(), "ids must be unique across node types"
    kind = {i: k for k, df in nodes.items() for i in df["id"]}
    ends = {
        "financing": ({"investor"}, {"firm"}), "investment": ({"firm"}, {"firm", "company"}),
        "tech_enablement": ({"firm"}, {"firm", "company"}), "intl_tech_input": ({"foreign_partner"}, {"firm"}),
        "intl_tech_enablement": ({"firm"}, {"foreign_partner"}),
        "study_experience": ({"firm"}, {"foreign_partner"}), "work_experience": ({"firm"}, {"foreign_partner"}),
    }
    for table, (src, tgt) in ends.items():
        e = _read(out, "edges", table)
        assert e["source"].map(kind).isin(src).all(), table
        assert e["target"].map(kind).isin(tgt).all(), table
        assert not (e["source"] == e["target"]).any(), table
    partners = nodes["foreign_partner"].set_index("id")["kind"]
    assert (_read(out, "edges", "study_experience")["target"].map(partners) == "university").all()
    assert (_read(out, "edges", "work_experience")["target"].map(partners) == "company").all()
    rounds = _read(out, "edges", "round")
    fin = _read(out, "edges", "financing")
    firm_of_round = dict(zip(rounds["id"], rounds["firm"]))
    assert (fin["round_id"].map(firm_of_round) == fin["target"]).all(), "a round belongs to the financed firm"
    assert not fin.duplicated(["round_id", "source"]).any(), "an investor appears once per round"
    assert set(rounds["id"]) == set(fin["round_id"]), "every round has at least one investor"
    assert rounds["firm"].map(kind).eq("firm").all()
    # dates within the report's cut-offs
    for t, col, last in (("firm", "founded", "2020-12-31"), ("conference", "date", "2019-12-31"),
                         ("policy", "date", "2019-12-31"), ("alliance", "founded", "2020-12-31"),
                         ("park", "founded", "2020-12-31")):
        assert (nodes[t][col] <= last).all(), t
    for t in ("round", "investment", "tech_enablement", "intl_tech_input", "intl_tech_enablement"):
        assert (_read(out, "edges", t)["date"] <= "2020-12-31").all(), t
    # names unique within each node table
    for t, df in nodes.items():
        if t != "investor":  # investors that are people may share a name, as people do
            assert not df["name"].duplicated().any(), t
    # domestic nodes only in cities of the values file: any other city would join the
    # city-level index as an all-zero region and move its minima
    for t in ("investor", "company"):
        assert set(_city_code_of(nodes[t])) <= set(value_cities), t


def test_same_seed_is_byte_identical_and_other_seed_differs(small, tmp_path):
    vp, out, _ = small
    again = tmp_path / "again"
    build_sample(again, seed=7, values_path=vp, progress=False)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for f in files:
        assert filecmp.cmp(out / f, again / f, shallow=False), f
    other = tmp_path / "other"
    build_sample(other, seed=8, values_path=vp, progress=False)
    assert not filecmp.cmp(out / "nodes" / "firm.csv", other / "nodes" / "firm.csv", shallow=False)


def test_refuses_to_overwrite_foreign_folder(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "notes.txt").write_text("keep me")
    assert not is_sample_dir(d)
    assert is_sample_dir(tmp_path / "absent")


def test_bad_values_file_names_row_and_column(tmp_path):
    from graphkit.errors import DataError

    lines = SMALL.splitlines()
    cols = lines[0].split(",")
    row = lines[1].split(",")
    row[cols.index("basic_tech_firm_count")] = "301"
    vp = tmp_path / "bad.csv"
    vp.write_text("\n".join([lines[0], ",".join(row)]) + "\n")
    with pytest.raises(DataError) as exc:
        build_sample(tmp_path / "out", values_path=vp, progress=False)
    msg = str(exc.value)
    assert "row 1" in msg and "basic_tech_firm_count" in msg and "301" in msg
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the bundled sample
@pytest.fixture(scope="module")
def full(tmp_path_factory):
    if not DEFAULT_VALUES.exists():
        pytest.skip("graphkit/sample/calibrated/city_values.csv not committed yet")
    out = tmp_path_factory.mktemp("full") / "sample"
    summary = build_sample(out, values_path=DEFAULT_VALUES, progress=False)
    return out, summary


@pytest.mark.slow
def test_full_build_sample_sizes(full):
    _, summary = full
    for table, n in SAMPLE_SIZES.items():
        assert summary["rows"][table] == n, table


@pytest.mark.slow
def test_full_build_reproduces_city_values(full):
    out, _ = full
    got = aggregate(out)
    want = expected(DEFAULT_VALUES)
    want = want[(want != 0).any(axis=1)]
    got = got.reindex(index=want.index, columns=want.columns, fill_value=0)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.slow
def test_full_build_integrity(full):
    check_integrity(full[0], pd.read_csv(DEFAULT_VALUES, dtype=str)["city_code"])


@pytest.mark.slow
def test_full_build_named_investor_portfolios(full):
    """published_counts.csv: IDG Capital 82 Beijing firms, Sequoia China 74, Tencent 68, …
    each exact and ranked top of its province (where the values leave room for it)."""
    out, summary = full
    fin = _read(out, "edges", "financing")
    inv = _read(out, "nodes", "investor")
    firms = _read(out, "nodes", "firm")
    firms["province"] = firms["province"]
    fin = fin.merge(firms[["id", "province"]], left_on="target", right_on="id")
    rows = PUBLISHED[PUBLISHED["quantity"] == "investor_portfolio_count"]
    name = dict(zip(inv["name_en"], inv["id"]))
    checked = 0
    for r in rows.itertuples():
        en = r.subject.split(" (")[0]
        if en not in name:
            continue
        port = fin[fin["province"] == r.region_zh].drop_duplicates(["source", "target"]).groupby("source").size()
        assert port.get(name[en], 0) == int(r.value), (r.region_zh, en)
        named_here = [name[s.split(" (")[0]] for s in rows.loc[rows["region_zh"] == r.region_zh, "subject"]
                      if s.split(" (")[0] in name]
        assert port.drop(named_here).max() < int(r.value)
        checked += 1
    assert checked == 6


@pytest.mark.slow
def test_bundled_sample_is_a_fresh_build(full):
    """data/sample/ must be exactly what the builder makes from the committed values."""
    out, _ = full
    bundled = DEFAULT_OUT
    assert (bundled / "manifest.json").exists(), "data/sample/ has not been built"
    manifest = json.loads((bundled / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == 2021
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    stale = [str(f) for f in files if not filecmp.cmp(out / f, bundled / f, shallow=False)]
    assert not stale, f"data/sample is stale; run `graphkit sample build`: {stale}"


# ------------------------------------------------------------------ the command line
def test_cli_build_refuses_a_foreign_folder_and_rebuilds_its_own(small, tmp_path, capsys):
    from graphkit.cli import main

    vp, _, _ = small
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not a sample")
    assert main(["sample", "build", "--out", str(foreign), "--values", str(vp), "--quiet"]) == 1
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in foreign.iterdir()] == ["keep.txt"]
    mine = tmp_path / "mine"
    assert main(["sample", "build", "--out", str(mine), "--values", str(vp), "--quiet", "--seed", "7"]) == 0
    first = (mine / "nodes" / "firm.csv").read_bytes()
    assert main(["sample", "build", "--out", str(mine), "--values", str(vp), "--quiet", "--seed", "7"]) == 0
    assert (mine / "nodes" / "firm.csv").read_bytes() == first
    out = capsys.readouterr().out
    assert "synthetic sample written to" in out and "firm" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign", "mine"], "no temporary folders left behind"


@pytest.mark.slow
def test_cli_check_prints_published_and_reproduced(capsys, tmp_path):
    """`graphkit sample check` on the bundled sample: the summary per kind, and one row per
    published figure in CSV/JSON with both numbers side by side."""
    pytest.importorskip("graphkit.sample.check")
    from graphkit.cli import main

    assert main(["sample", "check"]) == 0
    out = capsys.readouterr().out
    assert "published vs reproduced" in out and "省级得分 province scores" in out and "%" in out
    target = tmp_path / "check.json"
    assert main(["sample", "check", "--format", "json", "--out", str(target)]) == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert {"summary", "passed", "rows", "named_facts"} <= set(doc)
    assert any("IDG" in f["fact"] and f["status"] == "honoured" for f in doc["named_facts"])
    # the firms the report ranks within their city (financing, investment) keep their places:
    # the calibration leaves those cities room for them (calib_city.named_floors)
    ranked = [f for f in doc["named_facts"] if " ranks " in f["fact"] and " on " in f["fact"]]
    assert len(ranked) > 20
    assert [f["fact"] for f in ranked if f["status"] != "honoured"] == []
    assert sum(s["figures"] for s in doc["summary"]) == len(doc["rows"])
    beijing = [r for r in doc["rows"] if r["kind"] == "province_score" and r["region_en"] == "Beijing"
               and r["indicator"] == "total"]
    assert beijing and beijing[0]["published"] == 82.37  # Table 3 / section 2.2 of the report
    assert isinstance(beijing[0]["reproduced"], float)
    assert main(["sample", "check", "--format", "csv", "--out", str(tmp_path / "c.csv")]) == 0
    csv = pd.read_csv(tmp_path / "c.csv")
    assert list(csv.columns[:6]) == ["kind", "region", "region_en", "indicator", "published", "reproduced"]
    assert len(csv) == len(doc["rows"])


@pytest.mark.slow
def test_cli_check_narrows_to_kinds_and_a_region(capsys, tmp_path):
    """`--kind` and `--region` narrow the rows (Chinese or English name, any case); the
    summary stays whole; a kind or region that matches nothing is an error that says so."""
    pytest.importorskip("graphkit.sample.check")
    from graphkit.cli import main

    target = tmp_path / "chengdu.csv"
    assert main(["sample", "check", "--region", "成都", "--kind", "city_rank", "--format", "csv",
                 "--out", str(target)]) == 0
    rows = pd.read_csv(target)
    # Table 43's Chengdu row: the total and six tier-1 ranks
    assert len(rows) == 7 and set(rows.kind) == {"city_rank"} and set(rows.region) == {"成都市"}
    assert set(rows.indicator) == {"total", "enterprise", "academic", "capital", "openness", "linking", "government"}
    assert main(["sample", "check", "--region", "CHENGDU", "--kind", "city_rank", "--kind", "city_score",
                 "--format", "json", "--out", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert len(doc["rows"]) == 8 and sum(s["figures"] for s in doc["summary"]) > 2000
    capsys.readouterr()
    assert main(["sample", "check", "--region", "Atlantis"]) == 1
    assert "--region 'Atlantis'" in capsys.readouterr().err
    assert main(["sample", "check", "--kind", "city_ranks"]) == 1
    assert "city_rank" in capsys.readouterr().err


@pytest.mark.slow
def test_full_build_dates_follow_published_year_counts(full):
    """published_counts.csv: Tianjin's 11 parks newly planned in 2020, 6 alliances founded in
    2020, 11 policies issued in 2019; Shaanxi's 12 new parks … — and every date within the
    report's cut-offs (December 2020; conferences and policies December 2019)."""
    out, _ = full
    checks = {"alliance_count_new_2020": ("alliance", "founded", "2020"),
              "park_count_new_2020": ("park", "founded", "2020"),
              "park_count_increase_vs_2020": ("park", "founded", "2020"),
              "policy_count_issued_2019": ("policy", "date", "2019")}
    rows = PUBLISHED[PUBLISHED["quantity"].isin(list(checks)) & (PUBLISHED["region_level"] == "province")]
    assert len(rows) >= 8
    for r in rows.itertuples():
        table, col, year = checks[r.quantity]
        nodes = _read(out, "nodes", table)
        here = nodes[nodes["province"] == r.region_zh]
        assert (here[col].str[:4] == year).sum() == int(r.value), (r.region_zh, r.quantity)
    for table, col, last in (("conference", "date", "2019-12-31"), ("policy", "date", "2019-12-31"),
                             ("park", "founded", "2020-12-31"), ("alliance", "founded", "2020-12-31")):
        assert (_read(out, "nodes", table)[col] <= last).all()


# ------------------------------------------------------------------ the small pure helpers
def test_split_is_exact_and_respects_minimum_and_cap():
    from graphkit.sample.build import _split

    out = _split(10, np.array([1.0, 1.0, 2.0]))
    assert out.tolist() == [3, 2, 5] or out.tolist() == [2, 3, 5]  # largest remainder: 2.5, 2.5, 5
    assert out.sum() == 10
    out = _split(7, np.array([100.0, 1.0, 1.0]), minimum=2)
    assert out.tolist() == [3, 2, 2]
    out = _split(9, np.array([10.0, 1.0, 1.0]), cap=4)
    assert out.sum() == 9 and out.max() <= 4
    assert _split(0, np.array([])).tolist() == []


def test_order_top_and_strict_order():
    from graphkit.sample.build import _order_top, _strict_order

    v = np.array([5, 9, 9, 1, 7])
    o = _order_top(v, [3, 0])                 # item 3 first, item 0 second
    assert sorted(o.tolist()) == sorted(v.tolist()) and o[3] == 9 and o[0] == 9
    s = _strict_order(o, [3, 0])
    assert s.sum() == v.sum()
    assert s[3] > s[0] > max(s[i] for i in (1, 2, 4))
    # a cap stops a named item from rising past it
    c = _strict_order(np.array([4, 4, 4]), [0], cap=4)
    assert c.tolist() == [4, 4, 4]


@pytest.mark.slow
def test_full_build_scored_by_graphkit_gives_the_values_back(full):
    """Integration with the loader and aggregator: graphkit's own province raw values equal the
    values file summed over each province's cities (means as Σsum / Σn)."""
    import graphkit as gk

    out, _ = full
    ev = gk.evaluate(gk.load_dataset(out), level="province")
    v = expected(DEFAULT_VALUES)
    v["province"] = pd.read_csv(DEFAULT_VALUES, dtype=str).set_index("city_code")["province_code"]
    p = v.groupby("province").sum(numeric_only=True)
    raw = ev.raw
    for code in COUNT_COLUMNS:
        got = raw[code].reindex(p.index).fillna(0)
        assert (got.round(6) == p[code]).all(), code
    assert np.allclose(raw["financing_amount"].reindex(p.index).fillna(0), p["financing_amount_cents"] / 100, atol=1e-6)
    for m, (_, _, money) in MEAN_COLUMNS.items():
        n = p[f"{m}__n"]
        s = p[f"{m}__sum"] / (100 if money else 1)
        want = (s / n.where(n > 0)).dropna()
        assert np.allclose(raw[m].reindex(want.index), want, rtol=1e-12), m
