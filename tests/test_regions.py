"""Tests of the region reference tables (data/regions) and graphkit.regions.

Expected values come from the report's published tables (data/reference), from cpca's
division list read directly, or from general knowledge of Chinese geography written out
by hand here — never from the tables under test.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphkit.errors import DataError, UsageError
from graphkit.regions import MUNICIPALITIES, Regions, load_regions

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "data" / "reference"


def _reference(name: str) -> list[dict]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def regions() -> Regions:
    return load_regions()


# -- the tables ------------------------------------------------------------------------------
def test_31_mainland_provinces(regions):
    p = regions.province_table()
    assert len(p) == 31
    assert p.code.is_unique
    assert not set(p.code) & {"710000", "810000", "820000"}  # Taiwan, Hong Kong, Macau
    assert set(p.zh) == {r["province_zh"] for r in _reference("province_ranks_table3.csv")}


def test_english_province_names_equal_the_reports(regions):
    ref = {r["province_zh"]: r["province_en"] for r in _reference("province_ranks_table3.csv")}
    got = dict(zip(regions.provinces.zh, regions.provinces.en))
    assert got == ref
    assert len(ref) == 31


def test_short_names(regions):
    short = dict(zip(regions.provinces.zh, regions.provinces.short_zh))
    assert short["广西壮族自治区"] == "广西"
    assert short["新疆维吾尔自治区"] == "新疆"
    assert short["内蒙古自治区"] == "内蒙古"
    assert short["北京市"] == "北京"
    assert short["黑龙江省"] == "黑龙江"


def test_municipalities(regions):
    assert MUNICIPALITIES == ("110000", "120000", "310000", "500000")
    flagged = set(regions.provinces.loc[regions.provinces.municipality, "zh"])
    assert flagged == {"北京市", "天津市", "上海市", "重庆市"}
    for code in MUNICIPALITIES:
        assert regions.is_municipality(code)
        row = regions.cities[regions.cities.code == code]
        assert len(row) == 1, "a municipality is exactly one city, coded like the province"
        assert row.zh.iat[0] == regions.name(code, "zh")
        assert row.province_code.iat[0] == code
        # no 市辖区 / 县 pseudo-cities under a municipality
        assert (regions.cities.province_code == code).sum() == 1
    assert regions.is_municipality("重庆") and not regions.is_municipality("四川")
    assert regions.city_code("北京市", "110000") == "110000"


def test_capitals(regions):
    # Capitals written out by hand (general knowledge), compared with the derived codes.
    capital = {"河北省": "石家庄市", "辽宁省": "沈阳市", "黑龙江省": "哈尔滨市", "江苏省": "南京市",
               "浙江省": "杭州市", "山东省": "济南市", "湖南省": "长沙市", "广东省": "广州市",
               "海南省": "海口市", "云南省": "昆明市", "西藏自治区": "拉萨市", "陕西省": "西安市",
               "新疆维吾尔自治区": "乌鲁木齐市", "内蒙古自治区": "呼和浩特市", "北京市": "北京市"}
    for prov_zh, city_zh in capital.items():
        pc = regions.province_code(prov_zh)
        got = regions.provinces.set_index("code").at[pc, "capital_code"]
        assert regions.name(got) == city_zh, prov_zh
    p = regions.provinces
    for cap, pc in zip(p.capital_code, p.code):
        assert regions.province_of(cap) == pc


def test_cities_cover_cpca_prefecture_level_and_direct_counties(regions):
    # Independent count from cpca's list: xxyy00 codes of the 31 provinces except the
    # municipalities' 市辖区/县 rows and the 省直辖 grouping rows, plus the xx90yy divisions.
    import cpca

    ad = pd.read_csv(Path(cpca.__file__).parent / "resources" / "adcodes.csv", dtype={"adcode": str})
    code = ad.adcode.str[:6]
    mainland = ~code.str[:2].isin(["71", "81", "82"])
    muni = code.str[:2].isin(["11", "12", "31", "50"])
    prefecture = code.str.endswith("00") & ~code.str.endswith("0000") & (code.str[2:4] != "90")
    direct = (code.str[2:4] == "90") & ~code.str.endswith("00")
    expected = set(code[mainland & ~muni & (prefecture | direct)]) | set(MUNICIPALITIES)
    assert set(regions.cities.code) == expected
    assert regions.cities.code.is_unique
    # the examples the brief names as province-administered cities of their own
    for zh, prov in [("仙桃市", "湖北"), ("济源市", "河南"), ("琼海市", "海南"), ("石河子市", "新疆")]:
        c = regions.city_code(zh, prov)
        assert c is not None and regions.province_of(c) == regions.province_code(prov)
    # every city's province is one of the 31
    assert set(regions.cities.province_code) <= set(regions.provinces.code)


def test_city_top20_english_names(regions):
    by_zh = dict(zip(regions.cities.zh, regions.cities.en))
    for r in _reference("city_top20.csv"):
        assert by_zh[r["city_zh"]] == r["city_en"], r["city_zh"]
    for en in ("Shenzhen", "Hangzhou", "Guangzhou", "Nanjing", "Chengdu"):
        assert en in set(regions.cities.en)


@pytest.mark.parametrize(
    "zh,en",
    [  # polyphonic characters pypinyin misreads, spelt by hand
        ("长治市", "Changzhi"), ("朝阳市", "Chaoyang"), ("漯河市", "Luohe"), ("昌都市", "Changdu"),
        ("阿勒泰地区", "Aletai Prefecture"), ("锡林郭勒盟", "Xilinguole League"),
        ("六安市", "Lu'an"), ("蚌埠市", "Bengbu"), ("厦门市", "Xiamen"), ("重庆市", "Chongqing"),
        ("长沙市", "Changsha"), ("西安市", "Xi'an"), ("吕梁市", "Lüliang"),
        ("延边朝鲜族自治州", "Yanbian Autonomous Prefecture"),
        ("克孜勒苏柯尔克孜自治州", "Kezilesu Autonomous Prefecture"),
        ("湘西土家族苗族自治州", "Xiangxi Autonomous Prefecture"),
        ("阿克苏地区", "Akesu Prefecture"), ("神农架林区", "Shennongjia Forestry District"),
    ],
)
def test_english_city_names(regions, zh, en):
    assert dict(zip(regions.cities.zh, regions.cities.en))[zh] == en


def test_shenzhen_coordinates(regions):
    row = regions.cities.set_index("code").loc["440300"]
    assert abs(row.longitude - 114.06) < 0.3 and abs(row.latitude - 22.54) < 0.3
    # every city with coordinates lies inside China's bounding box
    c = regions.cities.dropna(subset=["longitude"])
    assert c.longitude.between(73, 136).all() and c.latitude.between(3, 54).all()


def test_circles(regions):
    members = regions.circle_members()
    assert members == {
        "JJJ": ["110000", "120000", "130000"],
        "YRD": ["310000", "320000", "330000", "340000"],
        "PRD": ["440000"],
        "CY": ["500000", "510000"],
    }
    ref = {r["circle_code"]: (r["circle_zh"], r["circle_en"]) for r in _reference("circles.csv")}
    for code, (zh, en) in ref.items():
        assert regions.name(code, "zh") == zh and regions.name(code, "en") == en
        assert regions.circle_code(zh) == code and regions.circle_code(en.lower()) == code
    # membership agrees with the reference file row by row
    for r in _reference("circle_membership.csv"):
        assert regions.province_code(r["province_zh"]) in members[regions.circle_code(r["circle_zh"])]


# -- scalar lookups --------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["广东省", "广东", "Guangdong", "guangdong", "GUANGDONG", "440000", 440000,
                                   440000.0, "440000000000", " 广东省 "])
def test_province_code_forms(regions, value):
    assert regions.province_code(value) == "440000"


def test_province_special_names(regions):
    assert regions.province_code("Inner Mongolia") == "150000"
    assert regions.province_code("Neimenggu") == "150000"
    assert regions.province_code("Tibet") == "540000" == regions.province_code("Xizang")
    assert regions.province_code("Shaanxi") == "610000"
    assert regions.province_code("Shanxi") == "140000"  # not ambiguous with 陕西
    assert regions.province_code("广西壮族自治区") == "450000"


@pytest.mark.parametrize("value,code", [
    ("Guangxi Zhuang Autonomous Region", "450000"), ("Xinjiang Uygur Autonomous Region", "650000"),
    ("Xinjiang Uyghur Autonomous Region", "650000"), ("Ningxia Hui Autonomous Region", "640000"),
    ("Inner Mongolia Autonomous Region", "150000"), ("Tibet Autonomous Region", "540000"),
    ("Guangdong Province", "440000"), ("Beijing Municipality", "110000"), ("Shaanxi Province", "610000"),
    ("Anhui Province", "340000"), ("Anhui", "340000"), ("ANHUI PROVINCE", "340000"),
])
def test_province_english_designations(regions, value, code):
    assert regions.province_code(value) == code


@pytest.mark.parametrize("value", ["深圳市", "深圳", "Shenzhen", "shenzhen", "SHENZHEN", "Shenzhen City",
                                   "440300", 440300, "440300000000"])
def test_city_code_forms(regions, value):
    assert regions.city_code(value) == "440300"
    assert regions.city_code(value, "440000") == "440300"
    assert regions.city_code(value, "广东") == "440300"


def test_city_in_wrong_province(regions):
    assert regions.city_code("深圳市", "浙江省") is None
    assert regions.city_code("440300", "330000") is None
    assert regions.city_code("Hangzhou", "广东") is None
    assert regions.city_code("深圳", "no such province") is None


def test_ambiguous_city_names_need_the_province(regions):
    # 台州 (Zhejiang) and 泰州 (Jiangsu) are both Taizhou; 苏州/宿州 both Suzhou.
    assert regions.city_code("Taizhou") is None
    assert regions.city_code("Taizhou", "浙江") == "331000"
    assert regions.city_code("Taizhou", "江苏") == "321200"
    assert regions.city_code("Suzhou", "江苏") == "320500"
    assert regions.city_code("Suzhou", "安徽") == "341300"
    # 吉林 is a province and a city of that province: the city lookup finds the city
    assert regions.city_code("吉林", "吉林省") == "220200"
    # 海南 is a province and also 海南藏族自治州 in Qinghai
    assert regions.city_code("海南", "青海") == "632500"


def test_pinyin_aliases(regions):
    assert regions.city_code("Akesu") == "652900"
    assert regions.city_code("Akesu Prefecture", "新疆") == "652900"
    assert regions.city_code("Haerbin") == "230100" == regions.city_code("Harbin")
    assert regions.city_code("xian") == regions.city_code("Xi'an") == "610100"
    assert regions.city_code("Lvliang") == regions.city_code("Lüliang") == "141100"


@pytest.mark.parametrize("value", [None, np.nan, pd.NA, "", "  ", "Atlantis", "999999", 123, "11", True, 3.5])
def test_unknown_values_give_none(regions, value):
    assert regions.province_code(value) is None
    assert regions.city_code(value) is None
    assert regions.city_code(value, "440000") is None


def test_name(regions):
    assert regions.name("440300") == "深圳市"
    assert regions.name("440300", "en") == "Shenzhen"
    assert regions.name(440000, "short_zh") == "广东"
    assert regions.name("110000", "en") == "Beijing"
    assert regions.name("000000") is None
    with pytest.raises(UsageError, match="lang must be one of"):
        regions.name("440300", "fr")


def test_city_table_of_one_province(regions):
    gd = regions.city_table("广东")
    assert len(gd) == 21  # Guangdong has 21 prefecture-level cities
    assert set(gd.province_code) == {"440000"}


def test_counties_resolve_to_their_city(regions):
    assert regions.city_code("海淀区", "北京市") == "110000"  # a municipality's district
    assert regions.city_code("海淀区") == "110000"  # unique in the country
    assert regions.city_code("南山区", "广东") == "440300"
    assert regions.city_code("南山区") is None  # also 鹤岗市南山区 in Heilongjiang
    assert regions.city_code("鼓楼区", "江苏") is None  # in both 南京 and 徐州
    assert regions.city_code("鼓楼区", "福建") == "350100"
    assert regions.city_code("440305") == "440300"  # 南山区's code
    assert regions.city_code("440305", "浙江") is None
    assert regions.city_code("忠县", "重庆") == "500000"  # a Chongqing county (cpca groups it under 500200)
    assert regions.city_code("昆山市", "江苏") == "320500"  # a county-level city under Suzhou


def test_city_names_win_over_county_names():
    # The bundled data has no county named like a city; build tiny tables where one is.
    provinces = pd.DataFrame({"code": ["910000"], "zh": ["甲省"], "short_zh": ["甲"], "en": ["Jia"],
                              "municipality": [False], "capital_code": ["910100"],
                              "longitude": [1.0], "latitude": [1.0]})
    cities = pd.DataFrame({"code": ["910100", "910200"], "zh": ["乙市", "丙市"], "short_zh": ["乙", "丙"],
                           "en": ["Yi", "Bing"], "province_code": ["910000"] * 2,
                           "longitude": [1.0, 2.0], "latitude": [1.0, 2.0]})
    circles = pd.DataFrame({"code": ["X"], "zh": ["圈"], "en": ["Ring"], "members": ["910000"]})
    counties = pd.DataFrame({"code": ["910201", "910202"], "zh": ["乙市", "丁区"], "city_code": ["910200"] * 2,
                             "province_code": ["910000"] * 2, "longitude": [2.0] * 2, "latitude": [2.0] * 2})
    r = Regions(provinces, cities, circles, counties=counties)
    assert r.city_code("乙市", "甲") == "910100"  # the city, not the county of 丙市 named 乙市
    assert r.city_code("乙市") == "910100"
    assert r.city_code("丁区", "甲") == "910200"
    assert r.city_code("910201") == "910200"
    assert r.circle_members() == {"X": ["910000"]}


def test_county_table_is_complete(regions):
    import cpca

    ad = pd.read_csv(Path(cpca.__file__).parent / "resources" / "adcodes.csv", dtype={"adcode": str})
    code = ad.adcode.str[:6]
    county = ~code.str.endswith("00") & ~code.str[:2].isin(["71", "81", "82"]) & (code.str[2:4] != "90")
    t = regions.county_table()
    assert set(t.code) == set(code[county])
    assert set(t.city_code) <= set(regions.cities.code)
    assert (t.city_code.str[:2] == t.code.str[:2]).all()


# -- vectorised ------------------------------------------------------------------------------
def test_vectorised_agrees_with_scalar(regions):
    rng = np.random.default_rng(7)
    c = regions.cities
    p = regions.provinces
    n = 3000
    i = rng.integers(0, len(c), n)
    form = rng.integers(0, 4, n)
    names = np.where(form == 0, c.zh.to_numpy()[i],
                     np.where(form == 1, c.short_zh.to_numpy()[i],
                              np.where(form == 2, c.en.to_numpy()[i], c.code.to_numpy()[i]))).astype(object)
    prov = c.province_code.to_numpy()[i].astype(object)
    # noise: wrong provinces, unknown names, missing values, province names instead of codes
    j = rng.integers(0, len(p), n)
    wrong = rng.random(n) < 0.1
    prov[wrong] = p.code.to_numpy()[j][wrong]
    names[rng.random(n) < 0.05] = "Nowhere"
    counties = regions.county_table()
    k = rng.integers(0, len(counties), n)
    as_county = rng.random(n) < 0.1
    names[as_county] = counties.zh.to_numpy()[k][as_county]
    names[rng.random(n) < 0.05] = None
    prov[rng.random(n) < 0.05] = None
    as_zh = rng.random(n) < 0.2
    prov[as_zh] = [regions.name(x) if x is not None else None for x in prov[as_zh]]
    names_s = pd.Series(names, index=np.arange(n) * 2)
    prov_s = pd.Series(prov, index=names_s.index)

    vec = regions.city_codes(names_s, prov_s)
    scalar = [regions.city_code(a, b) for a, b in zip(names_s, prov_s)]
    assert list(vec.index) == list(names_s.index)
    assert vec.tolist() == scalar
    assert sum(x is not None for x in scalar) > n * 0.6  # the sample is mostly resolvable

    pv = regions.province_codes(prov_s)
    assert pv.tolist() == [regions.province_code(x) for x in prov_s]
    glob = regions.city_codes(names_s)
    assert glob.tolist() == [regions.city_code(x) for x in names_s]


def test_vectorised_handles_empty_and_lists(regions):
    assert regions.province_codes(pd.Series([], dtype=object)).tolist() == []
    assert regions.city_codes(pd.Series([], dtype=object), pd.Series([], dtype=object)).tolist() == []
    assert regions.province_codes(["北京", None, "Mars"]).tolist() == ["110000", None, None]
    with pytest.raises(UsageError):
        regions.city_codes(pd.Series(["深圳"]), pd.Series(["广东", "广东"]))


# -- loading ---------------------------------------------------------------------------------
def test_module_doctests():
    import doctest

    import graphkit.regions

    result = doctest.testmod(graphkit.regions)
    assert result.attempted > 0 and result.failed == 0


def test_load_is_cached():
    assert load_regions() is load_regions()
    assert load_regions(REPO / "data" / "regions") is load_regions()


def test_missing_table_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="provinces.csv"):
        load_regions(tmp_path)


def test_malformed_code_names_file_row_column(tmp_path):
    for f in ("provinces.csv", "cities.csv", "circles.csv", "counties.csv"):
        (tmp_path / f).write_text((REPO / "data" / "regions" / f).read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "cities.csv").read_text(encoding="utf-8").replace("440300,", "44030X,", 1)
    (tmp_path / "cities.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_regions(tmp_path)
    msg = str(e.value)
    assert "cities.csv" in msg and "column 'code'" in msg and "44030X" in msg and "row " in msg


def test_build_script_reproduces_the_tables():
    # The committed tables are exactly what the generator writes (deterministic, up to date).
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "build_regions.py"), "--check"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_cities_named_lists_every_city_an_ambiguous_name_could_mean():
    r = load_regions()
    # Taizhou is 泰州 (Jiangsu, 321200) and 台州 (Zhejiang, 331000): GB/T 2260.
    assert set(r.cities_named("Taizhou")["code"]) == {"321200", "331000"}
    assert r.city_code("Taizhou") is None
    assert list(r.cities_named("xi an")["zh"]) == ["西安市"]
    assert r.cities_named("Atlantis").empty and r.cities_named(None).empty
