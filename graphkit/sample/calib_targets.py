"""The published targets of the report, read from ``data/reference/`` for the calibration.

Also holds the decisions the calibration takes where the report contradicts itself: which
printed rank gives way in a column no data can produce (:data:`RANK_REPAIRS`), which side of
a two-valued score is followed (:data:`SCORE_CHOICES`). Each decision says why; the check
(`graphkit.sample.check`) quotes these reasons when it explains a mismatch.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CIRCLE_CODES",
    "SHARE_OF",
    "RANK_REPAIRS",
    "RANK_REPAIRS_ZH",
    "FREE_CELLS",
    "SCORE_CHOICES",
    "SCORE_CHOICES_ZH",
    "Targets",
    "load_targets",
    "is_valid_ranking",
    "count_holds",
    "repo_root",
]


def repo_root() -> Path:
    """Return the repository root (the folder holding ``data/``)."""
    return Path(__file__).resolve().parents[2]


#: The circles' English names in the reference tables -> their codes in data/regions.
CIRCLE_CODES = {"Beijing-Tianjin-Hebei": "JJJ", "Yangtze River Delta": "YRD", "Pearl River Delta": "PRD",
                "Sichuan-Chongqing": "CY"}

#: Published share quantities (published_counts.csv) -> the tier-3 indicator they are a share of.
SHARE_OF = {
    "firm_count_share": "firm_count", "tech_enablement_relations_share": "tech_enablement_relations",
    "univ_share": "univ_count", "inst_share": "inst_count", "financing_amount_share": "financing_amount",
    "financing_relations_share": "financing_relations", "investment_relations_share": "investment_relations",
    "intl_study_experience_share": "intl_study_experience", "intl_work_experience_share": "intl_work_experience",
    "intl_tech_input_relations_share": "intl_tech_input_relations",
    "intl_tech_enablement_relations_share": "intl_tech_enablement_relations",
    "alliance_share": "alliance_count", "conference_share": "conference_count", "park_share": "park_count",
    "policy_share": "policy_count",
}


#: Printed province ranks that cannot hold together with the rest of their column (or with
#: the ranks below them), replaced by the nearest rank that makes the column a valid
#: competition ranking. (province_en, indicator_path) -> (published, used, reason).
RANK_REPAIRS: dict[tuple[str, str], tuple[int, int, str]] = {
    ("Shaanxi", "openness/human_capital/intl_work_experience"): (
        15, 16,
        "the column prints 14, 14, 15: after a tie of two at 14 the next rank is 16; one of "
        "Shandong, Guangxi, Shaanxi must give way (Shaanxi gives way in six columns, see park_count)"),
    ("Shaanxi", "openness/technology/intl_tech_input_relations"): (
        21, 23,
        "the column prints four 19s then 21: after four provinces tied at 19 the next rank is 23; "
        "Shaanxi is the only cell whose change repairs the column"),
    ("Shaanxi", "openness/technology/intl_tech_enablement_relations"): (
        22, 24,
        "the column prints four 20s then 22 and seven 24s: only Shaanxi joining the 24s repairs it"),
    ("Shaanxi", "linking/linkers/conference_count"): (
        15, 10,
        "the column skips rank 10 (9 then 11) and prints 15, 15, 16, 16: moving Guizhou or Shaanxi "
        "to 10 repairs it; Shaanxi chosen (it is the province whose section table is misprinted)"),
    ("Shaanxi", "government/response/park_count"): (
        5, 16,
        "the column prints 5, 5, 6 (Shaanxi and Shandong 5, Anhui 6) and 17, 17, 18 (Hubei, Fujian, "
        "Tianjin); two cells must give way. Shaanxi's 23 parks (line 1487) place it 16th, which also "
        "removes the clash between its park rank 5 and government rank 19"),
    ("Hubei", "government/response/park_count"): (
        17, 15,
        "second cell of the park column (see Shaanxi): Hubei's 26 parks > Fujian's 21, so Hubei "
        "moves above Fujian (17) and Tianjin (18) keep their printed ranks"),
    ("Shaanxi", "government/response/policy_count"): (
        8, 21,
        "the column prints 8, 8, 9 (Hebei and Shaanxi 8, Anhui 9); one of Hebei, Anhui, Shaanxi must "
        "give way; Shaanxi chosen, placed in the column's only free slot"),
    ("Jilin", "capital/investment"): (
        23, 24,
        "investment has one tier-3 child, so its rank must equal investment_relations' rank: Jilin "
        "prints 23 (tied with Shanxi) at tier 2 but 24 at tier 3; the tier-3 column is followed"),
    ("Yunnan", "capital/investment"): (
        25, 25,
        "not changed; listed because Yunnan's investment_relations cell is missing and takes the "
        "tier-2 rank 25 (tied with Hainan)"),
    ("Jilin", "capital/financing"): (
        22, 23,
        "Jilin prints financing 22 tied with Heilongjiang, but Heilongjiang ranks above Jilin on both "
        "financing relations (23 vs 24) and financing amount (21 vs 24), so the tie cannot hold"),
}

#: The reasons of :data:`RANK_REPAIRS` in Chinese, for the check's Chinese explanations
#: (graphkit.sample.check); the calibration reads only RANK_REPAIRS.
RANK_REPAIRS_ZH: dict[tuple[str, str], str] = {
    ("Shaanxi", "openness/human_capital/intl_work_experience"):
        "该列印为 14、14、15：两个并列第 14 之后，下一个名次应为 16；山东省、广西壮族自治区、陕西省三者之一"
        "必须让步（陕西省在六列中让步，见产业园区数一列）",
    ("Shaanxi", "openness/technology/intl_tech_input_relations"):
        "该列印为四个 19 之后接 21：四个省份并列第 19 之后，下一个名次应为 23；陕西省是唯一一个改动后能修复该列的单元格",
    ("Shaanxi", "openness/technology/intl_tech_enablement_relations"):
        "该列印为四个 20 之后接 22，另有七个 24：只有让陕西省并入这些 24 才能修复该列",
    ("Shaanxi", "linking/linkers/conference_count"):
        "该列跳过了第 10 名（9 之后是 11），并印有 15、15、16、16：把贵州省或陕西省移到第 10 名即可修复；"
        "选择陕西省（分节表格印错的正是该省）",
    ("Shaanxi", "government/response/park_count"):
        "该列印有 5、5、6（陕西省和山东省第 5，安徽省第 6）以及 17、17、18（湖北省、福建省、天津市），"
        "必须有两个单元格让步。陕西省的 23 个产业园区（第 1487 行）使其排第 16，这也消除了其产业园区数"
        "排名第 5 与政府响应能力排名第 19 之间的冲突",
    ("Hubei", "government/response/park_count"):
        "产业园区数一列中需让步的第二个单元格（见陕西省）：湖北省的 26 个产业园区多于福建省的 21 个，"
        "因此湖北省移到福建省之上，福建省（17）和天津市（18）保持印出的名次",
    ("Shaanxi", "government/response/policy_count"):
        "该列印有 8、8、9（河北省和陕西省第 8，安徽省第 9）；河北省、安徽省、陕西省三者之一必须让步；"
        "选择陕西省，放在该列唯一空出的名次上",
    ("Jilin", "capital/investment"):
        "投资只有一个三级指标，因此其排名必须等于投资关系数的排名：吉林省在二级指标上印为 23（与山西省并列），"
        "在三级指标上却为 24；采用三级指标一列",
    ("Yunnan", "capital/investment"):
        "未改动；列出是因为云南省的投资关系数单元格缺失，取二级指标排名 25（与海南省并列）",
    ("Jilin", "capital/financing"):
        "吉林省融资印为 22，与黑龙江省并列，但黑龙江省在融资关系数（23 对 24）和融资额（21 对 24）上"
        "都排在吉林省之前，因此并列不能成立",
}

#: Cells the report leaves empty, given the rank their column needs. (province, path) -> rank.
FREE_CELLS: dict[tuple[str, str], int] = {
    ("Chongqing", "government/response/park_count"): 8,
    ("Yunnan", "capital/investment/investment_relations"): 25,
}

#: Scores the report prints twice with different values: (province_en, indicator) -> followed.
SCORE_CHOICES: dict[tuple[str, str], tuple[float, str]] = {
    ("Fujian", "total"): (
        11.89,
        "11.89 (Fujian's own section, table cell and text, lines 1291/1296) followed; the summary "
        "lists (lines 67/87/402) print 11.88"),
}

#: The reasons of :data:`SCORE_CHOICES` in Chinese, for the check's Chinese explanations; the
#: calibration reads only SCORE_CHOICES.
SCORE_CHOICES_ZH: dict[tuple[str, str], str] = {
    ("Fujian", "total"):
        "采用 11.89（福建省本节的表格单元格和正文，第 1291/1296 行）；摘要列表（第 67/87/402 行）印为 11.88",
}


def is_valid_ranking(ranks) -> bool:
    """Return True if ``ranks`` is a competition ranking (1, 2, 2, 4, ...) of its own length."""
    r = np.sort(np.asarray(list(ranks), dtype=int))
    return all(v == 1 + int((r < v).sum()) for v in r)


def count_holds(got, published, share):
    """Whether a reproduced count or share gives the published figure: a share (in points)
    within 0.005 of the printed value, a count exactly (within half a unit, since sums come
    as floats). Elementwise on arrays. The reproduction check and the calibration's count
    stage judge counts by this one rule."""
    return np.abs(np.asarray(got, dtype=float) - published) < np.where(share, 0.005 + 1e-9, 0.5)


@dataclass
class Targets:
    """All published targets, in the shapes the solver and the check use."""

    spec: dict  # code -> {"weight", "op", "tier2", "tier1"}
    tier3: list
    tier2: dict  # tier2 code -> [tier3 codes]
    tier1: dict  # tier1 code -> [tier2 codes]
    provinces: pd.DataFrame  # code, zh, en (31 rows, by code)
    cities: pd.DataFrame  # code, zh, en, province_code, kind
    circles: dict  # circle code -> [province codes]
    circle_names: dict  # circle en -> code
    province_scores: pd.DataFrame
    table3: pd.DataFrame
    detail: pd.DataFrame  # province detail ranks (published)
    ranks: dict  # (level, code) -> {province_en: rank used by the solver}
    circles_table: pd.DataFrame
    circle_subranks: pd.DataFrame
    city_top20: pd.DataFrame
    city_detail: pd.DataFrame
    counts: pd.DataFrame
    en2code: dict = field(default_factory=dict)


def _read(ref: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(ref / name, dtype={"code": str, "province_code": str})


def load_targets(root: Path | None = None, ref_dir: Path | None = None) -> Targets:
    """Read data/reference (or ``ref_dir``), data/indicators.toml and data/regions into :class:`Targets`."""
    root = Path(root) if root else repo_root()
    ref = Path(ref_dir) if ref_dir else root / "data" / "reference"
    with open(root / "data" / "indicators.toml", "rb") as fh:
        doc = tomllib.load(fh)
    t2parent = {t["code"]: t["parent"] for t in doc["tier2"]}
    spec = {}
    tier2: dict = {t["code"]: [] for t in doc["tier2"]}
    tier1: dict = {t["code"]: [] for t in doc["tier1"]}
    for t in doc["tier2"]:
        tier1[t["parent"]].append(t["code"])
    for t in doc["tier3"]:
        spec[t["code"]] = {"weight": float(t["weight"]), "op": t["op"], "tier2": t["parent"],
                           "tier1": t2parent[t["parent"]], "table": t["table"]}
        tier2[t["parent"]].append(t["code"])
    reg = root / "data" / "regions"
    provinces = pd.read_csv(reg / "provinces.csv", dtype=str).sort_values("code").reset_index(drop=True)
    cities = pd.read_csv(reg / "cities.csv", dtype=str).sort_values("code").reset_index(drop=True)
    circ = pd.read_csv(reg / "circles.csv", dtype=str)
    circles = {r.code: r.members.split(";") for r in circ.itertuples()}
    circle_names = {r.en: r.code for r in circ.itertuples()}
    en2code = dict(zip(provinces.en, provinces.code))
    detail = pd.read_csv(ref / "province_detail_ranks.csv")
    ranks: dict = {}
    for path, g in detail.groupby("indicator_path", sort=False):
        level = g.level.iloc[0]
        code = path.split("/")[-1]
        ranks[(level, code)] = {p: (None if np.isnan(r) else int(r)) for p, r in zip(g.province_en, g.rank_2021)}
    for (prov, path), (_pub, used, _why) in RANK_REPAIRS.items():
        level = {1: "tier1", 2: "tier2", 3: "tier3"}[len(path.split("/"))]
        ranks[(level, path.split("/")[-1])][prov] = used
    for (prov, path), used in FREE_CELLS.items():
        ranks[("tier3", path.split("/")[-1])][prov] = used
    table3 = pd.read_csv(ref / "province_ranks_table3.csv")
    for col in ["total"] + list(tier1):
        lvl = "total" if col == "total" else "tier1"
        ranks[(lvl, col)] = dict(zip(table3.province_en, table3[f"{col}_2021"].astype(int)))
    bad = [k for k, v in ranks.items() if None in v.values() or not is_valid_ranking(v.values())]
    if bad:
        raise ValueError(f"rank columns still invalid after the repairs: {bad}")
    return Targets(
        spec=spec, tier3=list(spec), tier2=tier2, tier1=tier1, provinces=provinces, cities=cities,
        circles=circles, circle_names=circle_names,
        province_scores=pd.read_csv(ref / "province_scores.csv"), table3=table3, detail=detail,
        ranks=ranks, circles_table=pd.read_csv(ref / "circles.csv"),
        circle_subranks=pd.read_csv(ref / "circle_subranks.csv"),
        city_top20=pd.read_csv(ref / "city_top20.csv"), city_detail=pd.read_csv(ref / "city_detail_ranks.csv"),
        counts=pd.read_csv(ref / "published_counts.csv"), en2code=en2code,
    )
