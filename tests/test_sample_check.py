"""The reproduction check on the bundled sample: issue 3's acceptance thresholds.

`run_check` scores data/sample with graphkit.evaluate (province, city, circle) and compares
with the report's published figures. Expected values are the report's (data/reference/);
the thresholds are issue 3's.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
VALUES = ROOT / "graphkit" / "sample" / "calibrated" / "city_values.csv"


def _sample_is_current() -> tuple[bool, str]:
    manifest = SAMPLE / "manifest.json"
    if not manifest.exists():
        return False, "data/sample has not been built yet (no manifest.json)"
    m = json.loads(manifest.read_text(encoding="utf-8"))
    want = hashlib.sha256(VALUES.read_bytes()).hexdigest()
    if m.get("values_sha256") != want:
        return False, ("data/sample was built from other calibrated values than the committed "
                       "city_values.csv; rebuild it with `graphkit sample build`")
    return True, ""


_ok, _why = _sample_is_current()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _ok, reason=_why)]


@pytest.fixture(scope="module")
def result():
    from graphkit.sample.check import run_check

    return run_check()


def test_table3_and_scores_and_circles(result):
    for kind in ("province_score", "table3_rank", "circle_score", "circle_rank"):
        assert result.passed[kind], result.mismatches(kind).head()
    assert result.summary.at["table3_rank", "figures"] == 217


def test_detail_ranks_at_least_98_percent(result):
    s = result.summary.loc["detail_rank"]
    assert s.figures == 1052
    assert s.share >= 0.98
    given_up = set(zip(result.mismatches("detail_rank").region_en, result.mismatches("detail_rank").indicator))
    assert given_up == {
        ("Shaanxi", "openness/human_capital/intl_work_experience"),
        ("Shaanxi", "openness/technology/intl_tech_input_relations"),
        ("Shaanxi", "openness/technology/intl_tech_enablement_relations"),
        ("Shaanxi", "linking/linkers/conference_count"),
        ("Shaanxi", "government/response/park_count"),
        ("Hubei", "government/response/park_count"),
        ("Shaanxi", "government/response/policy_count"),
        ("Jilin", "capital/investment"),
        ("Jilin", "capital/financing"),
    }


def test_five_city_scores(result):
    assert result.passed["city_score"], result.mismatches("city_score")


def test_every_mismatch_is_explained(result):
    bad = result.mismatches()
    assert (bad.explanation.str.len() > 0).all(), bad[bad.explanation.str.len() == 0].head()
    contradictions = result.mismatches("detail_rank").explanation
    assert contradictions.str.startswith("report contradiction").all()
    # every explanation is of a kind the terminal table tags in Chinese, and is printed tagged
    from graphkit.commands.sample import EXPLANATION_KINDS, render_check

    kinds = bad.explanation.str.split(":").str[0]
    assert kinds.isin(list(EXPLANATION_KINDS)).all(), bad[~kinds.isin(list(EXPLANATION_KINDS))].explanation.head()
    text = render_check(result, "table", width=2000)
    for kind, n in kinds.value_counts().items():
        assert text.count(f"{EXPLANATION_KINDS[kind]} {kind}:") == n


def test_outside_circle_shares_by_hand(result):
    """The shares published for the regions outside the four circles are shares of the
    national total held by the provinces in no circle: recomputed here from the committed
    city values and circles.csv (the check once gave them as 100 %)."""
    import pandas as pd

    cv = pd.read_csv(VALUES, dtype={"city_code": str, "province_code": str})
    circles = pd.read_csv(ROOT / "data" / "regions" / "circles.csv", dtype=str)
    inside = {p for m in circles.members for p in m.split(";")}
    rows = result.rows[(result.rows.kind == "count") & (result.rows.region_en == "Regions outside the four circles")
                       & result.rows.indicator.str.endswith("_share")]
    assert set(rows.indicator) >= {"park_share", "policy_share"}
    for r in rows.itertuples():
        j = r.indicator.removesuffix("_share") + "_count"
        want = 100.0 * cv.loc[~cv.province_code.isin(inside), j].sum() / cv[j].sum()
        assert 0 < want < 100
        assert r.reproduced == pytest.approx(want, abs=1e-4), r


def test_sample_sizes_exact(result):
    r = result.rows
    nat = r[(r.kind == "count") & (r.region_en == "China (national sample)") & r["match"].notna()]
    assert len(nat) >= 8
    assert nat["match"].all(), nat[~nat["match"].astype(bool)]


def test_city_top20_ranks(result):
    """Table 43: all 140 ranks, as issue 3 asks."""
    assert result.passed["city_rank"] and result.summary.loc["city_rank", "figures"] == 140


def test_city_ranks_share_measured(result):
    """What the city stage reaches besides Table 43 (docs/sample_calibration.md): 167 of 205
    ranks of Tables 44-48, with the five published city scores."""
    s = result.summary
    assert s.loc["city_detail_rank", "matched"] >= 167 and s.loc["city_detail_rank", "figures"] == 205
    assert result.share("city_score") == 1.0


def test_check_detects_a_changed_score(result):
    """The comparison is real: move Beijing's total by 1 point and the check flags it."""
    import graphkit as gk
    from graphkit.sample.calib_targets import load_targets
    from graphkit.sample.check import compare

    ds = gk.load_dataset()
    prov = gk.evaluate(ds, level="province")
    prov.total = prov.total.copy()
    prov.total["110000"] += 1.0
    rows = compare(load_targets(), prov, gk.evaluate(ds, level="city"), gk.evaluate(ds, level="circle"), ds)
    hit = rows[(rows.kind == "province_score") & (rows.region_en == "Beijing") & (rows.indicator == "total")]
    assert not hit["match"].iloc[0]
    assert hit.explanation.iloc[0]


@pytest.fixture(scope="module")
def city_world():
    """The committed city values as a raw table of the non-municipal cities, scored with the
    plain pandas helpers of tests/test_calibrate.py (not graphkit's engine)."""
    import pandas as pd

    from graphkit.sample.calib_targets import load_targets
    from tests.test_calibrate import MUNICIPALITIES, _raw, _spec

    t = load_targets()
    tier3, t2parent, _ = _spec()
    cv = pd.read_csv(VALUES, dtype={"city_code": str, "province_code": str})
    raw0 = _raw(cv[~cv.province_code.isin(MUNICIPALITIES)], "city_code", tier3)
    return {"t": t, "tier3": tier3, "t2parent": t2parent, "raw0": raw0, "cv": cv.set_index("city_code"),
            "zh2code": dict(zip(t.cities.zh, t.cities.code)),
            "province": dict(zip(t.cities.code, t.cities.province_code))}


def _city_ranks(w, raw):
    """(ranks of every city on every column, total scores), by the plain pandas scoring."""
    import pandas as pd

    from tests.test_calibrate import _rank, _scores

    norm, _, tier2, tier1, total = _scores(raw, w["tier3"], w["t2parent"])
    return pd.concat([total.rename("total"), tier1, tier2, norm], axis=1).apply(_rank), total


def _city_figures_held(w, raw) -> set:
    """The published city figures that hold in ``raw``: Table 43, the five scores, Tables
    44-48, and the published city counts of the index's count and sum indicators."""
    import pandas as pd

    t, zh2code = w["t"], w["zh2code"]
    ranks, total = _city_ranks(w, raw)
    out = set()
    for r in t.city_top20.itertuples():
        c = zh2code[r.city_zh]
        out |= {("43", c, k) for k in ["total"] + list(t.tier1)
                if ranks.at[c, k] == getattr(r, "total_rank" if k == "total" else f"{k}_rank")}
        if pd.notna(r.total_score) and abs(total[c] - r.total_score) <= 0.1 + 1e-9:
            out.add(("score", c, "total"))
    for r in t.city_detail.itertuples():
        c, k = zh2code[r.city_zh], r.indicator_path.split("/")[-1]
        if ranks.at[c, k] == r.rank_2021:
            out.add(("44-48", c, r.indicator_path))
    for r in t.counts.itertuples():
        c = zh2code.get(r.region_zh)
        if r.region_level == "city" and not r.is_share and r.quantity in raw.columns and c in raw.index:
            if abs(raw.at[c, r.quantity] - float(r.value)) < 0.5:
                out.add(("count", c, r.quantity))
    return out


def _moved(w, code, other, j, units):
    """The committed raw table with ``units`` of ``j`` moved from ``other`` to ``code``."""
    raw = w["raw0"].copy()
    raw.at[code, j] += units
    raw.at[other, j] -= units
    return raw


def _other_city(w, name, code):
    t = w["t"]
    return t.cities[(t.cities.en == name) & (t.cities.province_code == w["province"][code])].code.iloc[0]


def test_city_count_explanations_hold_in_an_independent_rescoring(result, city_world):
    """A city count's explanation says what holding it would cost, one other city of the
    province making up the difference: rescored here with the plain pandas scoring of
    tests/test_calibrate.py, the same change loses exactly the figures it names."""
    import re

    w = city_world
    t, raw0 = w["t"], w["raw0"]
    before = _city_figures_held(w, raw0)
    claim = re.compile(r"at ([\d.]+) here \(([\d.]+) (more, taken from|fewer, given to) ([^;]+); the rest of the "
                       r"split unchanged\) (?:(\d+) published city figures? would be lost|no published city figure)")
    checked = 0
    for r in result.mismatches("count").itertuples():
        m = claim.search(r.explanation)
        if not m or m.group(4) not in set(t.cities.en):
            continue
        code = w["zh2code"][r.region]  # a published count may be any city's (Ma'anshan's too)
        q = "basic_tech_firm_count" if "layer" in r.indicator else r.indicator
        delta = float(m.group(1)) - raw0.at[code, q]
        assert abs(delta) == float(m.group(2)) and (delta > 0) == m.group(3).startswith("more")
        raw = _moved(w, code, _other_city(w, m.group(4), code), q, delta)
        assert len(before - _city_figures_held(w, raw)) == int(m.group(5) or 0), r.explanation
        checked += 1
    assert checked >= 10


def test_city_rank_explanations_hold_in_an_independent_rescoring(result, city_world):
    """A missed city rank's explanation names the least amount of one indicator that, moved
    between the city and another city of its province, puts the city at its published rank,
    and the figures that move loses; for a rank on a mean, the sum over the city's valid
    sample moves and the other city's valid sample takes the difference. Rescored with the
    plain pandas scoring: the move gives the published rank, one unit less (a hundredth of an
    amount) does not, and it loses exactly the figures named. Where the explanation says no
    such move exists, the move it names gives the rank it states, which is not the published
    one."""
    import re

    w = city_world
    cv = w["cv"]
    before = _city_figures_held(w, w["raw0"])
    number = r"([\d,.]+)"
    mean = r"(?: (more|fewer) over its (\d+) \w+, a mean of [\d,.]+ instead of [\d,.]+,)?"
    at_rank = re.compile(rf"at rank (\d+) on (\w+) \({number} (\w+){mean} (taken from|given to) ([^;]+); the rest of the "
                         r"split unchanged\) (?:(\d+) published city figures? would be lost|no published city figure)")
    even = re.compile(rf"puts .+ at rank (\d+): even with all (its )?{number} (\w+) (?:of|given to) (.+?)(?:'s \d+ \w+)? "
                      r"it ranks (\d+)$")
    past = re.compile(rf"puts .+ at rank (\d+): {number} (\w+){mean} (taken from|given to) (.+), the least that moves "
                      r"it to rank \d+ or beyond, puts it at rank (\d+)$")

    def moved(code, column, j, amount, name):
        """``amount`` of ``j`` to the city from the other city named (negative: the other way);
        for a mean, of the sum behind it."""
        other = _other_city(w, name, code)
        if j in w["raw0"].columns:
            return _moved(w, code, other, j, amount)
        raw = w["raw0"].copy()
        assert cv.at[other, f"{column}__n"] > 0
        for c, d in ((code, amount), (other, -amount)):
            raw.at[c, column] = (cv.at[c, f"{column}__sum"] + d) / cv.at[c, f"{column}__n"]
        return raw

    def rank(raw, code, column):
        return _city_ranks(w, raw)[0].at[code, column]

    counted = {"reached": 0, "nearest": 0, "means": 0}
    for r in result.mismatches().itertuples():
        if r.kind not in ("city_rank", "city_detail_rank"):
            continue
        code, column = w["zh2code"][r.region], r.indicator.split("/")[-1]
        is_mean = f"{column}__n" in cv.columns
        expl = r.explanation.split(ROW_BOUND)[0]  # the row's bound is tested below
        if m := at_rank.search(expl):
            pub, units, j = int(m.group(1)), float(m.group(3).replace(",", "")), m.group(4)
            assert m.group(2) == column and pub == r.published
            sign = 1.0 if m.group(7) == "taken from" else -1.0
            if is_mean:
                assert int(m.group(6)) == cv.at[code, f"{column}__n"] and (m.group(5) == "more") == (sign > 0)
            raw = moved(code, column, j, sign * units, m.group(8))
            assert rank(raw, code, column) == pub, r.explanation
            step = 1.0 if "." not in m.group(3) else 0.01
            less = rank(moved(code, column, j, sign * (units - step), m.group(8)), code, column)
            assert (less > pub) if sign > 0 else (less < pub), r.explanation
            assert len(before - _city_figures_held(w, raw)) == int(m.group(9) or 0), r.explanation
            counted["means" if is_mean else "reached"] += 1
        elif m := even.search(expl):
            pub, sign, units, j, name, got = (int(m.group(1)), -1.0 if m.group(2) else 1.0,
                                              float(m.group(3).replace(",", "")), m.group(4), m.group(5), int(m.group(6)))
            assert pub == r.published and got != pub
            assert rank(moved(code, column, j, sign * units, name), code, column) == got, r.explanation
            counted["nearest"] += 1
        elif m := past.search(expl):
            pub, units, j, name, got = (int(m.group(1)), float(m.group(2).replace(",", "")), m.group(3), m.group(7),
                                        int(m.group(8)))
            sign = 1.0 if m.group(6) == "taken from" else -1.0
            assert pub == r.published and got != pub
            assert rank(moved(code, column, j, sign * units, name), code, column) == got, r.explanation
            counted["nearest"] += 1
    # floors against passing on nothing (38 missed city ranks on the committed sample since the
    # tenth session, all of Tables 44-48: 15 reached, 12 nearest, 5 on means)
    assert counted["reached"] >= 15 and counted["nearest"] >= 10 and counted["means"] >= 5, counted


ROW_BOUND = "; with every other city's scores as they are, no "


def _row_interval(scores, code, rank: int) -> tuple[float, float]:
    """(at least, less than) what ``code`` must score for competition rank ``rank`` with the
    other scores fixed, from a plain sort of the other scores (rounded as ranks round them)."""
    others = sorted(scores.drop(code).round(9), reverse=True)
    return (others[rank - 1] if rank <= len(others) else float("-inf"),
            others[rank - 2] if rank >= 2 else float("inf"))


def test_row_bound_by_hand():
    """The row bound against cases worked out by hand: four cities, two dimensions."""
    from types import SimpleNamespace

    import pandas as pd

    from graphkit.sample.whatif import row_bound_expl

    tier1 = pd.DataFrame({"e": [5.0, 4.0, 3.0, 1.0], "a": [1.0, 2.0, 6.0, 0.0]}, index=list("ABCD"))
    city = SimpleNamespace(tier1=tier1, total=tier1.sum(axis=1))  # totals A 6, B 6, C 9, D 1
    cities = pd.DataFrame({"code": list("ABCD"), "zh": list("ABCD"), "en": ["Aa", "Bb", "Cc", "Dd"]})

    def bound(code, e, a, total, score=float("nan")):
        top = pd.DataFrame([{"city_zh": code, "e_rank": e, "a_rank": a, "total_rank": total, "total_score": score}])
        return row_bound_expl(SimpleNamespace(city_top20=top, cities=cities), city, code, 0.1)

    # D first on both needs 5 + 6 = 11, but 4th in total needs less than the 3rd other (B's 6)
    assert bound("D", 1, 1, 4).en.endswith("need at least 11.00 in all (e 5.00, a 6.00), but total rank 4 needs "
                                        "less than Bb's 6.00")
    assert bound("D", 1, 1, 4).zh == ("在其他城市得分不变时，D 自身的任何得分都无法保持其在表43中的整行排名：按其公布的"
                                      "一级指标排名，各项合计至少为 11.00（e 5.00、a 6.00），但综合排名第 4 名要求低于 B 的 6.00")
    # B third on both: less than 3 (C's e) + 1 (A's a) = 4, but 1st in total needs C's 9
    assert bound("B", 3, 3, 1).en.endswith("allow less than 4.00 in all (e 3.00, a 1.00), but total rank 1 needs "
                                        "at least 9.00")
    assert bound("B", 3, 3, 1, 12.0).en.endswith("less than 4.00 in all (e 3.00, a 1.00), but its published "
                                              "total is 12.00")  # 11.9 at least, more than C's 9
    # C second on e, first on a: at least 4 + 2 = 6; first in total needs 6 or more: it can
    assert bound("C", 2, 1, 1) is None
    # ... unless its printed total is 5.00 (within 0.1)
    assert bound("C", 2, 1, 1, 5.0).en.endswith("need at least 6.00 in all (e 4.00, a 2.00), but its published "
                                             "total is 5.00")
    city.tier1.loc["B", "e"] = 5.0  # A and B tie at 5 on e: no other city can stand 2nd between them
    city.total = city.tier1.sum(axis=1)
    assert bound("D", 2, 1, 4).en.endswith("no e score of Dd's own ranks 2: the 1st and 2nd best other cities "
                                        "tie at 5.00")


def test_row_bounds_hold_in_an_independent_rescoring(result, city_world):
    """Where the row bound (whatif.row_bound_expl) says a city's own scores cannot hold its row
    of Table 43 (every other city's scores as they are), the plain pandas scoring agrees: the
    sums of the six dimensions' bounds printed are those of a plain sort of the other cities'
    scores, and they cannot meet the total's bounds (its total rank and printed score). Where
    it says nothing, they can. Asked of the check's explanation of each missed rank of Table
    43, of every top-20 city's published row, and of a row made to fail: first on every
    dimension, 20th in total."""
    import re
    from types import SimpleNamespace

    import graphkit as gk
    from graphkit.sample.whatif import row_bound_expl
    from tests.test_calibrate import _scores

    w, t = city_world, city_world["t"]
    _, _, _, tier1, total = _scores(w["raw0"], w["tier3"], w["t2parent"])
    top = t.city_top20.set_index("city_zh")
    said = {}
    for r in result.mismatches("city_rank").itertuples():
        if r.indicator != "total":
            said.setdefault(r.region, set()).add(r.explanation.split(ROW_BOUND)[1] if ROW_BOUND in r.explanation else "")
    assert all(len(s) == 1 for s in said.values()), said  # one bound per row
    asked = [(top.loc[zh], text) for zh, (text,) in said.items()]  # (the row, what is said of it)
    city = gk.evaluate(gk.load_dataset(), level="city")
    first = t.city_top20.assign(total_rank=20, total_score=float("nan"), **{f"{k}_rank": 1 for k in tier1.columns})
    for rows in (t.city_top20, first):
        targets = SimpleNamespace(city_top20=rows, cities=t.cities)
        for zh, row in rows.set_index("city_zh").iterrows():
            text = row_bound_expl(targets, city, w["zh2code"][zh], 0.1)
            asked.append((row, ("; " + text.en).split(ROW_BOUND)[1] if text else ""))
    claims = 0
    for row, text in asked:
        code = w["zh2code"][row.name]
        bounds = {k: _row_interval(tier1[k], code, int(row[f"{k}_rank"])) for k in tier1.columns}
        least, most = sum(b[0] for b in bounds.values()), sum(b[1] for b in bounds.values())
        t_lo, t_hi = _row_interval(total, code, int(row["total_rank"]))
        if row["total_score"] == row["total_score"]:  # printed: within the check's 0.1
            t_lo, t_hi = max(t_lo, row["total_score"] - 0.1), min(t_hi, row["total_score"] + 0.1)
        empty = [k for k, (lo, hi) in bounds.items() if lo >= hi]
        can = not empty and least < t_hi and most > t_lo
        assert (text == "") == can, (row.name, text, least, most, t_lo, t_hi)
        if m := re.search(r"need at least ([\d.]+) in all", text):
            assert float(m.group(1)) == pytest.approx(least, abs=0.01) and least >= t_hi - 1e-9, text
            claims += 1
        elif m := re.search(r"allow less than ([\d.]+) in all", text):
            assert float(m.group(1)) == pytest.approx(most, abs=0.01) and most <= t_lo + 1e-9, text
            claims += 1
        elif text:
            assert empty and re.match(rf"({'|'.join(empty)}) score of", text), text
            claims += 1
    # a floor against passing on nothing: the rows made to fail make a claim each
    assert claims >= 20, asked


def test_least_amount_search():
    """The what-ifs' search for the least amount (whole units or hundredths) that makes a
    monotone condition hold, against thresholds worked out by hand."""
    from graphkit.sample.whatif import _least

    assert _least(lambda u: u >= 7, 20, True) == 7
    assert _least(lambda u: u >= 1, 20, True) == 1
    assert _least(lambda u: u >= 20, 20.7, True) == 20  # whole units: at most what there is
    assert _least(lambda u: u >= 21, 20.7, True) is None
    assert _least(lambda u: u >= 3.141, 10, False) == 3.15
    assert _least(lambda u: u > 9.99, 10, False) == 10
    assert _least(lambda u: True, 0, True) is None


def test_check_explains_a_dataset_other_than_the_sample(tmp_path):
    """On another dataset (the hand-made one of the CLI tests) the check still runs, and every
    figure that differs has an explanation. A city that is the only one of its province in the
    city index is said to be so, and it is: the dataset has no other city of that province."""
    import graphkit as gk
    from graphkit.sample.check import run_check
    from handmade import write_handmade

    data = write_handmade(tmp_path)
    result = run_check(data)
    bad = result.mismatches()
    assert len(bad) > 100 and (bad.explanation.str.len() > 0).all()
    assert (bad.explanation_zh.str.len() > 0).all()
    import pandas as pd

    cities = pd.read_csv(ROOT / "data" / "regions" / "cities.csv", dtype=str)
    province = dict(zip(cities.code, cities.province_code))
    indexed = gk.evaluate(gk.load_dataset(data), level="city").raw.index
    alone = bad[bad.explanation.str.contains("is the only city of")]
    assert len(alone) > 0
    for r in alone.drop_duplicates("region").itertuples():
        code = cities.code[cities.zh == r.region].iloc[0]
        assert [c for c in indexed if province[c] == province[code]] == [code], r.region
    # in Chinese too, naming the city and its province by their Chinese names
    assert alone.explanation_zh.str.contains("是城市指数中").all()
    assert all(r.region in r.explanation_zh for r in alone.itertuples())


def _province_figures_held(t, raw, tier3, t2parent, tier1_codes, members) -> set:
    """Published province and circle figures that hold for province raw values, scored with the
    plain pandas helpers of tests/test_calibrate.py (circles: sums of their members)."""
    import pandas as pd

    from tests.test_calibrate import _rank, _scores

    norm, contrib, tier2, tier1, total = _scores(raw, tier3, t2parent)
    level = pd.concat([total.rename("total"), tier1, tier2], axis=1)
    ranks = pd.concat([level, norm], axis=1).apply(_rank)
    en = t.en2code
    held = {("score", r.province_en, r.indicator, r.score) for r in t.province_scores.itertuples()
            if abs(level.at[en[r.province_en], r.indicator] - r.score) <= 0.05 + 1e-9}
    held |= {("table3", r.province_en, k) for r in t.table3.itertuples() for k in ["total"] + tier1_codes
             if ranks.at[en[r.province_en], k] == getattr(r, f"{k}_2021")}
    d = t.detail[t.detail.level.isin(["tier2", "tier3"]) & t.detail.rank_2021.notna()]
    held |= {("detail", r.province_en, r.indicator_path) for r in d.itertuples()
             if ranks.at[en[r.province_en], r.indicator_path.split("/")[-1]] == r.rank_2021}
    circ = pd.DataFrame({c: pd.concat([level, contrib], axis=1).loc[m].sum() for c, m in members.items()}).T
    crank = circ.apply(_rank)
    for r in t.circles_table.itertuples():
        for k in ["total"] + tier1_codes:
            if abs(circ.at[r.circle_code, k] - getattr(r, "total_score" if k == "total" else f"{k}_score")) <= 0.1 + 1e-9:
                held.add(("circle score", r.circle_en, k))
            if crank.at[r.circle_code, k] == getattr(r, "total_rank" if k == "total" else f"{k}_rank"):
                held.add(("circle rank", r.circle_en, k))
    code = {v: k for k, v in {"JJJ": "Beijing-Tianjin-Hebei", "YRD": "Yangtze River Delta", "PRD": "Pearl River Delta",
                              "CY": "Sichuan-Chongqing"}.items()}
    held |= {("circle sub-rank", r.table, r.circle_en, r.indicator) for r in t.circle_subranks.itertuples()
             if crank.at[code[r.circle_en], r.indicator] == r.rank_2021}
    return held


def _printed_as_published(t, raw, tier3, t2parent) -> set:
    """Published province scores that the plain pandas scoring gives as the report prints
    them, to two decimals."""
    import pandas as pd

    from tests.test_calibrate import _scores

    _, _, tier2, tier1, total = _scores(raw, tier3, t2parent)
    level = pd.concat([total.rename("total"), tier1, tier2], axis=1)
    return {(r.province_en, r.indicator, r.score) for r in t.province_scores.itertuples()
            if round(level.at[t.en2code[r.province_en], r.indicator], 2) == round(r.score, 2)}


def test_province_and_circle_count_explanations_hold_in_an_independent_rescoring(result):
    """A province or circle count's explanation says what holding it would cost, the
    provinces outside making up the difference in proportion to what they hold: rescored
    here with the plain pandas scoring, the same change loses exactly the figures it names."""
    import re

    import numpy as np
    import pandas as pd

    from graphkit.sample.calib_targets import load_targets
    from tests.test_calibrate import _raw, _spec

    t = load_targets()
    tier3, t2parent, tier1_codes = _spec()
    cv = pd.read_csv(VALUES, dtype={"city_code": str, "province_code": str})
    codes = sorted(t.provinces.code)
    raw0 = _raw(cv, "province_code", tier3).reindex(codes)
    for c, spec in tier3.items():
        if spec["op"] != "mean":
            raw0[c] = raw0[c].fillna(0.0)
    circles = pd.read_csv(ROOT / "data" / "regions" / "circles.csv", dtype=str)
    members = {r.code: r.members.split(";") for r in circles.itertuples()}
    group = {r.en: r.members.split(";") for r in circles.itertuples()}
    in_circle = sorted({p for m in members.values() for p in m})
    group["Four economic circles combined"] = in_circle
    group["Regions outside the four circles"] = sorted(set(codes) - set(in_circle))
    before = _province_figures_held(t, raw0, tier3, t2parent, tier1_codes, members)
    printed0, nothing_lost = _printed_as_published(t, raw0, tier3, t2parent), 0
    claim = re.compile(r"with ([\d,.]+) (more|fewer) (\w+) (here|in ([\w ]+)) \((?:taken from|given to) the provinces "
                       r"outside in proportion; the rest unchanged\) (?:(\d+) published province or circle figures? "
                       r"would be lost|no published province or circle figure would be lost"
                       r"(?:, but (\d+) published scores? would no longer print)?)")
    name_code = dict(zip(t.provinces.en, t.provinces.code))
    checked = 0
    for r in result.mismatches("count").itertuples():
        m = claim.search(r.explanation)
        if not m or m.group(3) == "financing_amount":
            continue
        j = m.group(3)
        delta = float(m.group(1).replace(",", "")) * (1 if m.group(2) == "more" else -1)
        region = name_code[r.region_en] if m.group(4) == "here" else name_code[m.group(5)]
        inside = [region] if m.group(4) == "here" else group[r.region_en]
        outside = raw0.loc[[c for c in codes if c not in inside], j]
        outside = outside[outside > 0]
        share = outside / outside.sum() * delta
        give = np.floor(share)
        order = (share - give).sort_values(ascending=False, kind="stable").index
        give[order[:int(round(delta - give.sum()))]] += 1
        raw = raw0.copy()
        raw.at[region, j] += delta
        raw.loc[give.index, j] -= give
        lost = before - _province_figures_held(t, raw, tier3, t2parent, tier1_codes, members)
        assert len(lost) == int(m.group(6) or 0), (r.explanation, sorted(lost))
        if not lost:
            # nothing lost: a trade-off only where published scores stop printing as the
            # report prints them, as many as it says; otherwise the calibration left it
            off = printed0 - _printed_as_published(t, raw, tier3, t2parent)
            assert len(off) == int(m.group(7) or 0), (r.explanation, sorted(off))
            assert r.explanation.startswith("trade-off" if off else "not held by the calibration")
            nothing_lost += 1
        checked += 1
    assert checked >= 30 and nothing_lost >= 8


# --- the explanations in Chinese -------------------------------------------------------------

#: Identifiers the Chinese explanations keep as they are: the documentation file they point to.
_KEPT_IN_CHINESE = re.compile(r"docs/[\w./-]+\.md")
#: "tier-1", "tier 2": the English names the tier by its number, the Chinese in words (一级, 二级).
_TIER_NUMBER = re.compile(r"\btier[- ]\d\b")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")  # 158,348.84 is one number; "14, 15" two


def _numbers(text: str) -> list[str]:
    return sorted(_NUMBER.findall(text))


def test_every_explanation_has_its_chinese(result):
    """explanation and explanation_zh are both empty or both filled, in every row."""
    r = result.rows
    assert "explanation_zh" in r.columns
    en, zh = r.explanation.fillna("").str.len() > 0, r.explanation_zh.fillna("").str.len() > 0
    assert (en == zh).all(), r[en != zh][["kind", "region_en", "indicator", "explanation"]].head()
    assert en.sum() > 150  # 186 on the committed sample (ninth session)


def test_chinese_explanations_leave_no_english(result):
    """No English word is left in a Chinese explanation: with the documentation path removed,
    no run of three or more Latin letters remains ("AI 大学数" is the indicator's own name)."""
    r = result.rows[result.rows.explanation_zh.fillna("").str.len() > 0]
    left = {z: m.group() for z in r.explanation_zh
            for m in [re.search(r"[A-Za-z]{3,}", _KEPT_IN_CHINESE.sub("", z))] if m}
    assert not left, list(left.items())[:5]


def test_chinese_explanations_carry_the_same_numbers(result):
    """The numbers of each Chinese explanation are those of its English one, as a multiset of
    printed strings: an independent sign that both are built from the same values and
    formatted once. The English "tier-1" / "tier 2" is left out: the Chinese names the tier
    in words (一级指标). Ordinals need no care: "the 2nd and 3rd" gives 2 and 3, as
    "第 2 和第 3 名" does."""
    r = result.rows[result.rows.explanation.fillna("").str.len() > 0]
    differ = [(en, zh) for en, zh in zip(r.explanation, r.explanation_zh)
              if _numbers(_TIER_NUMBER.sub("", en)) != _numbers(zh)]
    assert not differ, differ[:3]


def test_chinese_explanation_kinds_match_the_english(result):
    """A Chinese explanation opens with the Chinese of its English kind, as the terminal table
    tags it (EXPLANATION_KINDS), followed by a full-width colon."""
    from graphkit.commands.sample import EXPLANATION_KINDS

    r = result.rows[result.rows.explanation.fillna("").str.contains(":")]
    checked = 0
    for en, zh in zip(r.explanation, r.explanation_zh):
        kind = en.split(":", 1)[0]
        if kind in EXPLANATION_KINDS:
            assert zh.startswith(EXPLANATION_KINDS[kind] + "："), (en, zh)
            checked += 1
    assert checked > 150  # 181 explained figures on the committed sample


def test_chinese_explanations_by_hand(result):
    """Two sentences written out by hand: the report's two values of Fujian's total, and
    Jilin's financing rank that the report prints tied where its own columns forbid it."""
    r = result.rows

    def zh(kind, region_en, indicator):  # Fujian's total is a row per printed value, explained alike
        (one,) = set(r[(r.kind == kind) & (r.region_en == region_en) & (r.indicator == indicator)].explanation_zh)
        return one

    assert zh("province_score", "Fujian", "total") == (
        "报告印出了两个不同的数值；采用 11.89（福建省本节的表格单元格和正文，第 1291/1296 行）；"
        "摘要列表（第 67/87/402 行）印为 11.88")
    assert zh("detail_rank", "Jilin", "capital/financing") == (
        "报告自相矛盾：公布为第 22 名，校准为第 23 名：吉林省融资印为 22，与黑龙江省并列，但黑龙江省在"
        "融资关系数（23 对 24）和融资额（21 对 24）上都排在吉林省之前，因此并列不能成立")
    # a city's name and an indicator's take their Chinese names from data/regions and the
    # indicator system: Tables 44-48's missed Shenzhen ranks name 深圳市, never Shenzhen
    shenzhen = result.mismatches("city_detail_rank")
    shenzhen = shenzhen[shenzhen.region_en == "Shenzhen"].explanation_zh
    assert shenzhen.str.contains("深圳市").any() and not shenzhen.str.contains("Shenzhen").any()


def test_every_quoted_reason_has_its_chinese():
    """Every reason the check can quote has a Chinese version: the repairs and choices of
    calib_targets, and the notes of the reference tables that the check quotes (a
    DISAGREEMENT of Tables 44-48, a CONFLICT of a count, the notes of the policy shares)."""
    import pandas as pd

    from graphkit.sample.bilingual import note
    from graphkit.sample.calib_targets import RANK_REPAIRS, RANK_REPAIRS_ZH, SCORE_CHOICES, SCORE_CHOICES_ZH

    assert set(RANK_REPAIRS_ZH) == set(RANK_REPAIRS) and set(SCORE_CHOICES_ZH) == set(SCORE_CHOICES)
    ref = ROOT / "data" / "reference"
    detail = pd.read_csv(ref / "city_detail_ranks.csv").note.dropna()
    counts = pd.read_csv(ref / "published_counts.csv")
    quoted = (set(detail[detail.str.contains("DISAGREEMENT")])
              | set(counts.note.dropna()[counts.note.dropna().str.contains("CONFLICT")])
              | set(counts[counts.quantity == "policy_share"].note.dropna()))
    assert len(quoted) >= 9
    for en in quoted:
        zh = note(en).zh
        assert zh and not re.search(r"[A-Za-z]{3,}", zh), (en, zh)


def test_a_note_without_chinese_is_an_error():
    """A note the check would quote with no Chinese version stops it, naming the note and the
    file to add it to, rather than printing it untranslated."""
    from graphkit.errors import DataError
    from graphkit.sample.bilingual import NOTES_FILE, note

    with pytest.raises(DataError, match="notes_zh.toml") as exc:
        note("CONFLICT: a note nobody translated")
    assert "nobody translated" in str(exc.value) and NOTES_FILE.name in str(exc.value)


def test_an_explanations_kind_is_its_prefix_in_both_languages():
    """The check tells a contradiction from a trade-off by the explanation's bilingual prefix
    (Text.startswith), not by an English word somewhere in it; the module's examples hold."""
    import doctest

    import graphkit.sample.bilingual as bilingual
    from graphkit.sample.bilingual import CONTRADICTION, SEP, TRADE_OFF, Text

    reason = TRADE_OFF + Text("x", "甲")
    assert reason.startswith(TRADE_OFF) and not reason.startswith(CONTRADICTION)
    # a contradiction quoted after a trade-off does not make the explanation one
    assert not (reason + SEP + CONTRADICTION).startswith(CONTRADICTION)
    # English alone is not enough: both forms must carry the prefix
    assert not Text(TRADE_OFF.en + "x", "甲").startswith(TRADE_OFF)
    assert doctest.testmod(bilingual).failed == 0
