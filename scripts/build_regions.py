"""Generate graphkit's region reference tables (data/regions/*.csv) from cpca and pypinyin.

Usage (from the repository root)::

    /work/venv/bin/python scripts/build_regions.py            # write data/regions/
    /work/venv/bin/python scripts/build_regions.py --check    # rebuild in memory, fail if files differ

Sources
-------
* ``cpca`` (MIT) ships ``resources/adcodes.csv``: 3,511 GB/T 2260 divisions (12-digit
  statistical code, Chinese name, longitude, latitude) and ``resources/56_nations.csv``
  (the names of China's 56 ethnic groups, used to shorten autonomous-prefecture names).
* ``pypinyin`` (MIT) romanises the Chinese names.
* ``data/reference/`` (the report's published tables) gives the English province names
  the report uses and the membership of the four economic circles; the script checks its
  output against them and stops if they disagree.

The output is deterministic: rows are sorted by code, floats are written with 6 decimals,
and every file is written to a temporary file first and renamed into place.
See data/regions/README.md for the naming rules.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import tempfile
from pathlib import Path

__all__ = [
    "PROVINCE_EN_OVERRIDES",
    "CITY_EN_OVERRIDES",
    "READING_OVERRIDES",
    "romanise",
    "build_provinces",
    "build_cities",
    "build_circles",
    "build_counties",
    "main",
]

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "regions"
REFERENCE = REPO / "data" / "reference"

MUNICIPALITY_CODES = ("110000", "120000", "310000", "500000")
# Hong Kong, Macau, Taiwan: not part of the report's 31 mainland provinces.
EXCLUDED_PROVINCES = ("710000", "810000", "820000")

# Province English names the report uses that are not plain pinyin of the short name.
# 陕西 is spelt Shaanxi by convention so it differs from 山西 Shanxi.
PROVINCE_EN_OVERRIDES = {"内蒙古": "Inner Mongolia", "西藏": "Tibet", "陕西": "Shaanxi"}

# City English names where the conventional spelling is not pinyin. Harbin is the one the
# report's Table 43 uses; the others are the capitals of autonomous regions, which English
# text always writes this way. Their pinyin forms stay resolvable through the `aliases` column.
CITY_EN_OVERRIDES = {
    "哈尔滨市": "Harbin",
    "呼和浩特市": "Hohhot",
    "乌鲁木齐市": "Urumqi",
    "拉萨市": "Lhasa",
}

# Place-name readings of polyphonic characters that pypinyin's phrase dictionary gets wrong
# (checked one by one against the build output; see README).
READING_OVERRIDES: dict[str, list[str]] = {
    "长治": ["chang", "zhi"],  # pypinyin: zhang zhi
    "朝阳": ["chao", "yang"],  # pypinyin: zhao yang
    "漯河": ["luo", "he"],  # pypinyin: ta he
    "昌都": ["chang", "du"],  # pypinyin: chang dou
    "郭勒": ["guo", "le"],  # 锡林郭勒; pypinyin: guo lei
    "阿勒泰": ["a", "le", "tai"],  # pypinyin: a lei tai
    "克孜勒苏": ["ke", "zi", "le", "su"],  # pypinyin: ke zi lei su
}

SUFFIX_KINDS = (
    # (suffix, English designation, kind) — longest first so 自治州 wins over 州.
    ("自治州", "Autonomous Prefecture", "autonomous_prefecture"),
    ("自治县", "Autonomous County", "county"),
    ("林区", "Forestry District", "forestry_district"),
    ("地区", "Prefecture", "prefecture"),
    ("盟", "League", "league"),
    ("县", "County", "county"),
    ("市", "", "city"),
)


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _cpca_resources() -> Path:
    """Return the folder of cpca's bundled resource files."""
    import cpca

    return Path(cpca.__file__).resolve().parent / "resources"


def _read_adcodes() -> list[dict]:
    """Return cpca's divisions as dicts with a 6-digit ``code``; fail on malformed rows."""
    path = _cpca_resources() / "adcodes.csv"
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=1):
            ad = r["adcode"].strip()
            if len(ad) != 12 or not ad.isdigit() or ad[6:] != "000000":
                raise SystemExit(f"{path}: row {i}, column 'adcode': not a county-or-above code ({ad!r})")
            lon = float(r["longitude"]) if r["longitude"].strip() else math.nan
            lat = float(r["latitude"]) if r["latitude"].strip() else math.nan
            rows.append({"code": ad[:6], "zh": r["name"].strip(), "longitude": lon, "latitude": lat})
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{path}: duplicate codes")
    return rows


def _ethnic_names() -> list[str]:
    """Return the ethnic-group names to strip from autonomous-division names, longest first.

    Each group is listed with 族 (苗族) and, for names of two or more characters, also
    without it (蒙古, 哈萨克, 柯尔克孜), because prefecture names use both forms
    (博尔塔拉蒙古自治州, 克孜勒苏柯尔克孜自治州). One-character names are never stripped
    without 族, so a place ending in 水 or 白 is left alone.
    """
    path = _cpca_resources() / "56_nations.csv"
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        n = line.strip()
        if not n or n == "汉族":
            continue
        names.add(n)
        base = n[:-1] if n.endswith("族") else n
        if len(base) >= 2:
            names.add(base)
    return sorted(names, key=lambda s: (-len(s), s))


def _strip_ethnic(base: str, ethnic: list[str]) -> str:
    """Remove trailing ethnic-group names (湘西土家族苗族 -> 湘西); never empty the name."""
    changed = True
    while changed:
        changed = False
        for e in ethnic:
            if base.endswith(e) and len(base) > len(e):
                base = base[: -len(e)]
                changed = True
                break
    return base


def romanise(zh: str) -> str:
    """Return ``zh`` in pinyin without tones as one capitalised word (西安 -> Xi'an).

    An apostrophe separates a syllable starting with a, o or e from the one before it, as
    pinyin orthography requires (Xi'an, Lu'an). ü is kept (Lüliang).
    """
    from pypinyin import Style, lazy_pinyin

    syllables: list[str] = []
    i = 0
    # Apply reading overrides on the longest matching prefix; pypinyin for the rest.
    while i < len(zh):
        for key in sorted(READING_OVERRIDES, key=len, reverse=True):
            if zh.startswith(key, i):
                syllables.extend(READING_OVERRIDES[key])
                i += len(key)
                break
        else:
            j = i
            while j < len(zh) and not any(zh.startswith(k, j) for k in READING_OVERRIDES):
                j += 1
            syllables.extend(lazy_pinyin(zh[i:j], style=Style.NORMAL, v_to_u=True))
            i = j
    out = ""
    for k, s in enumerate(syllables):
        s = s.lower()
        if k > 0 and s[:1] in ("a", "o", "e"):
            out += "'"
        out += s
    return out[:1].upper() + out[1:]


def _province_short(zh: str) -> str:
    """Return the short name of a province (广西壮族自治区 -> 广西, 北京市 -> 北京)."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if zh.endswith(suffix):
            return zh[: -len(suffix)]
    raise SystemExit(f"cannot shorten province name {zh!r}")


def _read_reference(name: str) -> list[dict]:
    """Return the rows of ``data/reference/<name>``."""
    with open(REFERENCE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _city_names(zh: str, ethnic: list[str]) -> tuple[str, str, str, list[str]]:
    """Return (short_zh, en, kind, aliases) of a city-level division named ``zh``.

    Rules: drop the designation suffix; for autonomous divisions also drop the ethnic-group
    names; romanise the rest; append the English designation (Prefecture, Autonomous
    Prefecture, League, County, Autonomous County, Forestry District); nothing for 市.
    """
    for suffix, designation, kind in SUFFIX_KINDS:
        if zh.endswith(suffix) and len(zh) > len(suffix):
            base = zh[: -len(suffix)]
            if suffix.startswith("自治"):
                base = _strip_ethnic(base, ethnic)
            pinyin = romanise(base)
            en = f"{pinyin} {designation}".strip()
            aliases: list[str] = []
            if zh in CITY_EN_OVERRIDES:
                en = CITY_EN_OVERRIDES[zh]
                aliases.append(pinyin)
            if designation:
                aliases.append(pinyin)  # 'Akesu' finds 阿克苏地区 as well as 'Akesu Prefecture'
            return base, en, kind, aliases
    raise SystemExit(f"cpca adcodes.csv: city-level name {zh!r} has no known suffix")


def build_provinces(adcodes: list[dict]) -> list[dict]:
    """Return the 31 mainland provinces, checked against the report's English names."""
    ref = {r["province_zh"]: r["province_en"] for r in _read_reference("province_ranks_table3.csv")}
    rows = []
    for r in sorted(adcodes, key=lambda r: r["code"]):
        code = r["code"]
        if not code.endswith("0000") or code in EXCLUDED_PROVINCES:
            continue
        short = _province_short(r["zh"])
        pinyin = romanise(short)
        en = PROVINCE_EN_OVERRIDES.get(short, pinyin)
        rows.append(
            {
                "code": code,
                "zh": r["zh"],
                "short_zh": short,
                "en": en,
                "municipality": code in MUNICIPALITY_CODES,
                "aliases": [pinyin] if pinyin != en else [],
                "longitude": r["longitude"],
                "latitude": r["latitude"],
            }
        )
    # A pinyin alias that is another province's name (陕西 -> Shanxi) would be ambiguous.
    ens = {r["en"].lower() for r in rows}
    for r in rows:
        r["aliases"] = [a for a in r["aliases"] if a.lower() not in ens]
    problems = []
    if len(rows) != 31:
        problems.append(f"expected 31 provinces, built {len(rows)}")
    built = {r["zh"]: r["en"] for r in rows}
    for zh, en in sorted(ref.items()):
        if built.get(zh) != en:
            problems.append(f"province {zh}: reference English name {en!r}, built {built.get(zh)!r}")
    for zh in sorted(set(built) - set(ref)):
        problems.append(f"province {zh} is not in data/reference/province_ranks_table3.csv")
    if problems:
        raise SystemExit("\n".join(problems))
    return rows


def build_cities(adcodes: list[dict], provinces: list[dict]) -> list[dict]:
    """Return every city-level division of the 31 provinces (see module docstring)."""
    ethnic = _ethnic_names()
    prov = {p["code"]: p for p in provinces}
    rows = []
    for p in provinces:  # one row per municipality, coded and named like the province
        if p["municipality"]:
            rows.append(
                {
                    "code": p["code"], "zh": p["zh"], "short_zh": p["short_zh"], "en": p["en"],
                    "province_code": p["code"], "kind": "municipality", "aliases": [],
                    "longitude": p["longitude"], "latitude": p["latitude"],
                }
            )
    for r in sorted(adcodes, key=lambda r: r["code"]):
        code = r["code"]
        pcode = code[:2] + "0000"
        if pcode not in prov or prov[pcode]["municipality"] or code == pcode:
            continue
        prefecture = code.endswith("00")
        # xx90yy: county-level divisions administered directly by the province (仙桃市, 济源市,
        # Hainan's cities and counties, Xinjiang's Production and Construction Corps cities).
        direct = code[2:4] == "90" and not prefecture
        if code[2:4] == "90" and prefecture:
            continue  # the 省直辖县级行政区划 grouping row itself
        if not (prefecture or direct):
            continue
        short, en, kind, aliases = _city_names(r["zh"], ethnic)
        if direct:
            kind = "province_administered_" + kind
        rows.append(
            {
                "code": code, "zh": r["zh"], "short_zh": short, "en": en, "province_code": pcode,
                "kind": kind, "aliases": aliases,
                "longitude": r["longitude"], "latitude": r["latitude"],
            }
        )
    rows.sort(key=lambda r: r["code"])
    _check_cities(rows)
    return rows


def _check_cities(rows: list[dict]) -> None:
    """Fail unless names are unique within a province and Table 43's English names match."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for r in rows:
        for field in ("zh", "short_zh", "en"):
            key = (r["province_code"], r[field].lower())
            if key in seen and seen[key] != r["code"]:
                problems.append(f"city {r['zh']} ({r['code']}): {field} {r[field]!r} also names {seen[key]}")
            seen[key] = r["code"]
    by_zh = {r["zh"]: r for r in rows}
    for ref in _read_reference("city_top20.csv"):
        got = by_zh.get(ref["city_zh"])
        if got is None:
            problems.append(f"city_top20.csv: {ref['city_zh']} not built")
        elif got["en"] != ref["city_en"]:
            problems.append(f"city {ref['city_zh']}: reference English name {ref['city_en']!r}, built {got['en']!r}")
    if problems:
        raise SystemExit("\n".join(problems))


def _assign_capitals(provinces: list[dict], cities: list[dict]) -> None:
    """Set each province's ``capital_code``: the city nearest the province's coordinates.

    cpca places a province at its seat of government, so the nearest city is the capital; a
    municipality is its own capital. The seat coordinates are a few kilometres off the city's
    in cpca (up to 0.21 degrees, Yunnan), so the nearest city must be within 0.25 degrees and
    the runner-up at least 1.5 times as far, else the build stops rather than guess.
    """
    for p in provinces:
        if p["municipality"]:
            p["capital_code"] = p["code"]
            continue
        dists = sorted(
            (math.hypot(c["longitude"] - p["longitude"], c["latitude"] - p["latitude"]), c["code"])
            for c in cities
            if c["province_code"] == p["code"] and not math.isnan(c["longitude"])
        )
        if len(dists) < 2 or dists[0][0] > 0.25 or dists[1][0] < 1.5 * dists[0][0]:
            raise SystemExit(f"province {p['zh']}: cannot tell its capital from the coordinates ({dists[:2]})")
        p["capital_code"] = dists[0][1]


def build_circles(provinces: list[dict]) -> list[dict]:
    """Return the four economic circles with member province codes from the reference."""
    zh_to_code = {p["zh"]: p["code"] for p in provinces}
    members: dict[str, list[str]] = {}
    for r in _read_reference("circle_membership.csv"):
        if r["province_zh"] not in zh_to_code:
            raise SystemExit(f"circle_membership.csv: unknown province {r['province_zh']!r}")
        members.setdefault(r["circle_zh"], []).append(zh_to_code[r["province_zh"]])
    rows = []
    for r in _read_reference("circles.csv"):
        rows.append(
            {
                "code": r["circle_code"], "zh": r["circle_zh"], "en": r["circle_en"],
                "members": ";".join(sorted(members[r["circle_zh"]])),
            }
        )
    return rows


def build_counties(adcodes: list[dict], cities: list[dict]) -> list[dict]:
    """Return every county-level division (区, 县, 县级市, 旗 …) that is not itself a city.

    Each row names its city: the prefecture ``xxyy00`` above it, or for a municipality's
    districts and counties the municipality. They let a dataset locate an entity by district
    (海淀区 -> 北京市, 南山区 -> 深圳市). Fails if a county's city is not in the city table.
    """
    city_codes = {c["code"]: c["province_code"] for c in cities}
    rows, problems = [], []
    for r in sorted(adcodes, key=lambda r: r["code"]):
        code = r["code"]
        pcode = code[:2] + "0000"
        if code.endswith("00") or pcode in EXCLUDED_PROVINCES or code in city_codes:
            continue
        ccode = pcode if pcode in MUNICIPALITY_CODES else code[:4] + "00"
        if ccode not in city_codes:
            problems.append(f"county {r['zh']} ({code}): no city {ccode} in the city table")
            continue
        rows.append({"code": code, "zh": r["zh"], "city_code": ccode, "province_code": pcode,
                     "longitude": r["longitude"], "latitude": r["latitude"]})
    if problems:
        raise SystemExit("\n".join(problems))
    return rows


def _fmt(v: object) -> str:
    """Format one CSV cell: booleans as true/false, floats with 6 decimals, NaN as empty."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6f}"
    if isinstance(v, list):
        return ";".join(v)
    return str(v)


def _to_csv(rows: list[dict], columns: list[str]) -> str:
    """Return ``rows`` as CSV text with ``columns`` in order and LF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_fmt(r[c]) for c in columns])
    return buf.getvalue()


PROVINCE_COLUMNS = [
    "code", "zh", "short_zh", "en", "municipality", "capital_code", "aliases", "longitude", "latitude",
]
CITY_COLUMNS = ["code", "zh", "short_zh", "en", "province_code", "kind", "aliases", "longitude", "latitude"]
CIRCLE_COLUMNS = ["code", "zh", "en", "members"]
COUNTY_COLUMNS = ["code", "zh", "city_code", "province_code", "longitude", "latitude"]


def build() -> dict[str, str]:
    """Return {file name: CSV text} of the three tables."""
    adcodes = _read_adcodes()
    provinces = build_provinces(adcodes)
    cities = build_cities(adcodes, provinces)
    _assign_capitals(provinces, cities)
    circles = build_circles(provinces)
    counties = build_counties(adcodes, cities)
    return {
        "provinces.csv": _to_csv(provinces, PROVINCE_COLUMNS),
        "cities.csv": _to_csv(cities, CITY_COLUMNS),
        "circles.csv": _to_csv(circles, CIRCLE_COLUMNS),
        "counties.csv": _to_csv(counties, COUNTY_COLUMNS),
    }


def main(argv: list[str] | None = None) -> int:
    """Build the tables; write them to --out, or with --check compare them to what is there."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default: data/regions)")
    ap.add_argument("--check", action="store_true", help="fail if the files on disk differ from a fresh build")
    args = ap.parse_args(argv)
    files = build()
    if args.check:
        stale = [n for n, text in files.items()
                 if not (args.out / n).exists() or (args.out / n).read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("data/regions is up to date")
        return 0
    for name, text in files.items():
        _atomic_write_text(args.out / name, text)
        print(f"wrote {args.out / name} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
