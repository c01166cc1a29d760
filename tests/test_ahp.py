"""AHP: priorities, consistency, validation, the report's judgments, the weights command.

Expected values come from hand calculation (closed forms), published examples (Saaty 2008),
the report's own Tables 1 and 2, or an independent implementation (ahpy).
"""
from __future__ import annotations

import copy
import csv
import itertools
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from graphkit import ahp
from graphkit.cli import main
from graphkit.errors import JudgmentError, UsageError

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "data" / "reference"
SAATY = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def random_saaty(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random reciprocal matrix with entries on Saaty's scale."""
    A = np.ones((n, n))
    for i, j in itertools.combinations(range(n), 2):
        A[i, j] = SAATY[rng.integers(len(SAATY))]
        A[j, i] = 1 / A[i, j]
    return A


def report_doc() -> dict:
    with open(ahp.DEFAULT_JUDGMENTS, "rb") as fh:
        return tomllib.load(fh)


def write_doc(doc: dict, path: Path) -> Path:
    import tomli_w

    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def matrix_entry(doc: dict, name: str) -> dict:
    return next(m for m in doc["matrix"] if m["name"] == name)


# --------------------------------------------------------------------------- maths


@pytest.mark.parametrize("method", sorted(ahp.PRIORITY_METHODS))
@pytest.mark.parametrize("n", [2, 3, 5, 9])
def test_consistent_matrix_gives_its_weights_and_cr_zero(method, n):
    w = np.random.default_rng(n).uniform(0.1, 5, n)
    w /= w.sum()
    A = np.outer(w, 1 / w)  # a_ij = w_i / w_j
    got = ahp.priority_vector(A, method)
    np.testing.assert_allclose(got, w, rtol=1e-10, atol=1e-12)
    c = ahp.consistency(A, got)
    assert c.lambda_max == pytest.approx(n, abs=1e-10)
    assert c.ci == pytest.approx(0, abs=1e-12) and c.cr == pytest.approx(0, abs=1e-12)


def test_saaty_2008_drinks_example():
    # Saaty, T.L., "Decision making with the analytic hierarchy process", Int. J. Services
    # Sciences 1(1), 2008, pp. 83-98: relative drink consumption in the US; the paper's
    # derived scale is .177 .019 .042 .116 .190 .129 .327.
    A = np.array([[1, 9, 5, 2, 1, 1, 1 / 2],
                  [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
                  [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
                  [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
                  [1, 9, 4, 2, 1, 2, 1 / 2],
                  [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
                  [2, 9, 9, 3, 2, 3, 1]])
    w = ahp.priority_vector(A)
    assert [round(float(x), 3) for x in w] == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


@pytest.mark.parametrize("seed", range(20))
def test_order_3_closed_forms(seed):
    # For n = 3 the principal eigenvector equals the row geometric means, and
    # λmax = 1 + x^(1/3) + x^(-1/3) with x = a12·a23 / a13 (Saaty 1980).
    A = random_saaty(3, np.random.default_rng(seed))
    x = A[0, 1] * A[1, 2] / A[0, 2]
    lam = 1 + x ** (1 / 3) + x ** (-1 / 3)
    g = np.cbrt(A.prod(axis=1))
    np.testing.assert_allclose(ahp.priority_vector(A), g / g.sum(), rtol=1e-9)
    c = ahp.consistency(A, ri="saaty1980")
    assert c.lambda_max == pytest.approx(lam, rel=1e-10)
    assert c.cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-9)


def test_report_capital_matrix_by_hand_and_ri_tables():
    A = np.array([[1, 1 / 5, 1 / 3], [5, 1, 3], [3, 1 / 3, 1]])
    # Closed form: x = (1/5·3)/(1/3) = 9/5; λmax = 1 + 1.8^(1/3) + 1.8^(-1/3) = 3.038511
    lam = 1 + 1.8 ** (1 / 3) + 1.8 ** (-1 / 3)
    assert lam == pytest.approx(3.038511, abs=1e-6)
    w = ahp.priority_vector(A)
    # Table 1: 0.0195 / 0.1188 / 0.0482 of the capital weight 0.1865
    np.testing.assert_allclose(w * 0.1865, [0.0195, 0.1188, 0.0482], atol=0.00005)
    assert ahp.consistency(A, w, "yaahp").cr == pytest.approx(0.0370, abs=0.00005)  # Table 2
    assert ahp.consistency(A, w, "saaty1980").cr == pytest.approx((lam - 3) / 2 / 0.58)  # 0.0332
    assert ahp.consistency(A, w, "donegan_dodd").cr == pytest.approx((lam - 3) / 2 / 0.4914)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8, 9])
def test_agrees_with_ahpy_on_random_matrices(n):
    ahpy = pytest.importorskip("ahpy")
    rng = np.random.default_rng(100 + n)
    for _ in range(5):
        A = random_saaty(n, rng)
        names = [f"c{i}" for i in range(n)]
        comps = {(names[i], names[j]): float(A[i, j]) for i, j in itertools.combinations(range(n), 2)}
        for ours, theirs in (("saaty2005", "saaty"), ("donegan_dodd", "dd")):
            ref = ahpy.Compare("m", comps, precision=8, random_index=theirs)
            w = ahp.priority_vector(A)
            np.testing.assert_allclose(w, [ref.local_weights[c] for c in names], atol=2e-8)
            assert ahp.consistency(A, w, ours).cr == pytest.approx(ref.consistency_ratio, abs=2e-8)


def test_geometric_mean_method_by_hand():
    A = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])  # consistent: 4/7, 2/7, 1/7
    np.testing.assert_allclose(ahp.priority_vector(A, "geometric_mean"), [4 / 7, 2 / 7, 1 / 7])
    B = np.array([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(ahp.priority_vector(B, "arithmetic_mean"), [0.75, 0.25])


def test_unknown_method_and_ri_table_are_named():
    A = np.eye(3)
    with pytest.raises(UsageError, match="eigenvector, geometric_mean"):
        ahp.priority_vector(A, "median")
    with pytest.raises(UsageError, match="yaahp"):
        ahp.random_index(3, "nope")
    with pytest.raises(UsageError, match="order up to 10"):
        ahp.random_index(12, "saaty1980")


def test_combine_experts_is_elementwise_geometric_mean():
    a = np.array([[1, 2], [1 / 2, 1]])
    b = np.array([[1, 8], [1 / 8, 1]])
    c = ahp.combine_experts([a, b])
    np.testing.assert_allclose(c, [[1, 4], [1 / 4, 1]])  # sqrt(2·8) = 4


def test_synthesise_multiplies_down_the_hierarchy():
    local = {"overall": {"a": 0.6, "b": 0.4}, "a": {"x": 0.5, "y": 0.5}, "b": {"z": 1.0}}
    assert ahp.synthesise(local) == pytest.approx({"a": 0.6, "b": 0.4, "x": 0.3, "y": 0.3, "z": 0.4})


# --------------------------------------------------------------------------- validation


def problems_of(doc: dict) -> list:
    with pytest.raises(JudgmentError) as exc:
        ahp.parse_judgments(doc, ahp.load_tree(), file="j.toml")
    return exc.value.problems


def capital_doc(values, **extra) -> dict:
    doc = report_doc()
    m = matrix_entry(doc, "capital")
    m["values"] = values
    m.update(extra)
    return doc


def test_not_reciprocal_names_the_cell():
    (p,) = problems_of(capital_doc([[1, "1/5", "1/3"], [5, 1, 3], [3, "1/2", 1]]))
    assert p.file == "j.toml" and p.row == 3 and p.column == "financing_amount" and p.value == "1/2"
    assert "matrix 'capital'" in p.message and "reciprocal" in p.message and "1/3" in p.message


@pytest.mark.parametrize("bad", [0, -3])
def test_zero_or_negative_judgment_names_the_cell(bad):
    (p,) = problems_of(capital_doc([[1, "1/5", "1/3"], [5, 1, 3], [3, bad, 1]]))
    assert (p.row, p.column, p.value) == (3, "financing_amount", bad)
    assert "positive" in p.message and "matrix 'capital'" in p.message


def test_wrong_size_is_refused():
    (p,) = problems_of(capital_doc([[1, "1/5"], [5, 1]]))
    assert "2 rows" in p.message and "3 rows" in p.message
    (p,) = problems_of(capital_doc([[1, "1/5", "1/3"], [5, 1], [3, "1/3", 1]]))
    assert p.row == 2 and "2 values" in p.message and "3×3" in p.message


def test_off_scale_names_the_cell_and_free_scale_accepts_it():
    values = [[1, 0.2, 0.3], [5, 1, 3], [1 / 0.3, "1/3", 1]]
    probs = problems_of(capital_doc(values))
    cells = {(p.row, p.column) for p in probs}
    assert cells == {(1, "investment_relations"), (3, "financing_relations")}
    assert all("Saaty" in p.message for p in probs)
    doc = capital_doc(values)
    doc["scale"] = "free"
    j = ahp.parse_judgments(doc, ahp.load_tree())
    assert j.matrices["capital"].values[0, 2] == pytest.approx(0.3)


def test_decimal_for_a_fraction_is_accepted_within_one_percent():
    j = ahp.parse_judgments(capital_doc([[1, 0.2, 0.333], [5, 1, 3], [3, 0.333, 1]]), ahp.load_tree())
    assert j.matrices["capital"].values[0, 2] == pytest.approx(0.333)


def test_not_a_number_and_diagonal():
    (p,) = problems_of(capital_doc([[1, "1/5", "one third"], [5, 1, 3], [3, "1/3", 1]]))
    assert (p.row, p.column, p.value) == (1, "investment_relations", "one third")
    (p,) = problems_of(capital_doc([[2, "1/5", "1/3"], [5, 1, 3], [3, "1/3", 1]]))
    assert (p.row, p.column) == (1, "financing_relations") and "diagonal" in p.message


def test_unknown_codes_are_named():
    doc = report_doc()
    matrix_entry(doc, "capital")["items"][2] = "investment_relation"
    (p,) = problems_of(doc)
    assert p.value == "investment_relation" and "unknown" in p.message
    doc = report_doc()
    matrix_entry(doc, "linking")["name"] = "linkin"
    probs = problems_of(doc)
    assert any(p.value == "linkin" and "unknown code" in p.message for p in probs)


def test_item_outside_its_matrix_node_is_refused():
    doc = report_doc()
    matrix_entry(doc, "government")["items"] = ["park_count", "alliance_count"]
    probs = problems_of(doc)
    assert any(p.value == "alliance_count" and "not under 'government'" in p.message for p in probs)


def test_missing_matrix_is_named():
    doc = report_doc()
    doc["matrix"] = [m for m in doc["matrix"] if m["name"] != "openness"]
    (p,) = problems_of(doc)
    assert "add a matrix named 'openness'" in p.message


def test_missing_matrix_and_bad_cell_are_reported_together():
    doc = capital_doc([[1, "1/5", "1/3"], [5, 1, 3], [3, "1/2", 1]])
    doc["matrix"] = [m for m in doc["matrix"] if m["name"] != "linking"]
    probs = problems_of(doc)
    assert len(probs) == 2
    assert any("reciprocal" in p.message for p in probs)
    assert any("add a matrix named 'linking' comparing its tier-3 indicators "
               "(conference_count, alliance_count)" in p.message for p in probs)


def test_matrix_must_cover_every_indicator_once():
    doc = report_doc()
    m = matrix_entry(doc, "capital")
    m["items"] = ["financing", "financing_amount", "investment_relations"]
    (p,) = problems_of(doc)
    assert "twice" in p.message


def test_all_problems_are_reported_together(tmp_path):
    doc = capital_doc([[1, "1/5", "1/3"], [5, 1, 3], [3, "1/2", 1]])
    matrix_entry(doc, "openness")["values"][0][1] = 0
    path = write_doc(doc, tmp_path / "bad.toml")
    with pytest.raises(JudgmentError) as exc:
        ahp.load_judgments(path)
    assert len(exc.value.problems) == 2
    assert all(p.file == str(path) for p in exc.value.problems)
    assert "bad.toml, row 1, column 'intl_work_experience'" in exc.value.report()


def test_experts_are_combined(tmp_path):
    doc = report_doc()
    cap = matrix_entry(doc, "capital")
    second = copy.deepcopy(cap)
    cap["expert"], second["expert"] = "A", "B"
    second["values"] = [[1, "1/5", 3], [5, 1, 3], ["1/3", "1/3", 1]]
    doc["matrix"].append(second)
    j = ahp.load_judgments(write_doc(doc, tmp_path / "experts.toml"))
    m = j.matrices["capital"]
    assert len(m.experts) == 2
    assert m.values[0, 2] == pytest.approx(1.0)  # sqrt(1/3 · 3)
    assert m.values[2, 0] == pytest.approx(1.0)
    # the same name twice without expert labels is refused
    del cap["expert"], second["expert"]
    with pytest.raises(JudgmentError, match="given 2 times"):
        ahp.parse_judgments(doc, ahp.load_tree())


def test_hierarchical_judgments_with_tier2_matrices():
    """A file may judge tier 2 and tier 3 separately; weights multiply down the tree."""
    tree = ahp.load_tree()
    mats = [{"name": "overall", "items": tree.children("overall"),
             "values": np.ones((6, 6)).tolist()}]
    for code in tree.codes:
        kids = tree.children(code)
        if len(kids) >= 2:
            mats.append({"name": code, "items": kids, "values": np.ones((len(kids), len(kids))).tolist()})
    r = ahp.evaluate_judgments(ahp.parse_judgments({"matrix": mats}, tree))
    g = r.global_weights
    assert g.sum() == pytest.approx(1)
    # all-equal judgments: 1/6 per tier-1; enterprise → size (1/2) → firm_count (1/2)
    assert g["firm_count"] == pytest.approx(1 / 24)
    # capital → investment (1/2) → investment_relations (only child)
    assert g["investment_relations"] == pytest.approx(1 / 12)
    # linking has one tier-2 code (linkers) and two indicators
    assert g["alliance_count"] == pytest.approx(1 / 12)
    w = r.weights.set_index("code")
    assert w.loc["linkers", "local_weight"] == pytest.approx(1)
    assert set(r.matrices["cr"]) == {0.0}


# --------------------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def report():
    return ahp.evaluate_judgments(ahp.load_judgments())


def test_bundled_judgments_reproduce_table_1(report):
    rows = list(csv.DictReader(open(REF / "indicators.csv", encoding="utf-8")))
    assert len(rows) == 24
    for r in rows:
        assert report.global_weights[r["code"]] == pytest.approx(float(r["tier3_weight"]), abs=0.0005), r["code"]
    # and 23 of the 24 to the published 4 decimals; firm_count is 0.17828 against 0.1782
    off = [r["code"] for r in rows if round(report.global_weights[r["code"]], 4) != float(r["tier3_weight"])]
    assert off == ["firm_count"]
    tier1 = {r["tier1_code"]: float(r["tier1_weight"]) for r in rows}
    w = report.weights.set_index("code")["global_weight"]
    for code, pub in tier1.items():
        assert w[code] == pytest.approx(pub, abs=0.00015), code  # openness 0.0775 is derived in Table 1


def test_bundled_judgments_reproduce_table_2(report):
    crs = {r["matrix_code"]: float(r["consistency_ratio"])
           for r in csv.DictReader(open(REF / "consistency.csv", encoding="utf-8"))}
    ours = report.matrices.set_index("name")["cr"]
    assert ours["capital"] == pytest.approx(0.0370, abs=0.0001)
    for name, pub in crs.items():
        assert ours[name] == pytest.approx(pub, abs=0.00005), name
    assert report.ri_table == "yaahp" and report.inconsistent == []


def test_result_tables_cover_the_tree(report):
    tree = ahp.load_tree()
    assert list(report.global_weights.index) == tree.leaves("overall")
    assert sorted(report.weights["code"]) == sorted(tree.codes)
    assert list(report.weights.columns) == ["code", "tier", "parent", "local_weight", "global_weight"]
    assert list(report.matrices.columns) == ["name", "n", "lambda_max", "ci", "ri", "cr"]
    w = report.weights.set_index("code")
    for code in tree.codes:  # a group's weight is the sum of its children's
        kids = tree.children(code)
        if kids:
            assert w.loc[code, "global_weight"] == pytest.approx(w.loc[kids, "global_weight"].sum())
            assert w.loc[kids, "local_weight"].sum() == pytest.approx(1)


# --------------------------------------------------------------------------- CLI


def test_cli_json_shape(capsys):
    assert main(["weights", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"weights", "matrices"}
    assert len(doc["weights"]) == 40
    assert set(doc["weights"][0]) == {"code", "tier", "parent", "local_weight", "global_weight"}
    assert {"name", "n", "lambda_max", "ci", "ri", "cr"} <= set(doc["matrices"][0])
    byname = {m["name"]: m for m in doc["matrices"]}
    assert byname["capital"]["cr"] == pytest.approx(0.0370, abs=0.0001)
    assert byname["capital"]["ri"] == 0.52
    glob = {w["code"]: w["global_weight"] for w in doc["weights"]}
    assert glob["financing_amount"] == pytest.approx(0.1188, abs=0.00005)


def test_cli_table_names_the_ri_table_and_shows_both_languages(capsys):
    assert main(["weights", "--ri", "saaty1980"]) == 0
    out = capsys.readouterr().out
    assert "saaty1980" in out and "资本环境" in out and "Capital Environment" in out
    assert "0.0332" in out  # capital CR with RI(3) = 0.58


def inconsistent_file(tmp_path) -> Path:
    # a cyclic capital matrix: relations > amount > investment > relations
    return write_doc(capital_doc([[1, 5, "1/5"], ["1/5", 1, 5], [5, "1/5", 1]]), tmp_path / "cyclic.toml")


def test_cli_flags_inconsistency_and_strict_fails(tmp_path, capsys):
    path = inconsistent_file(tmp_path)
    assert main(["weights", "--judgments", str(path)]) == 0
    out = capsys.readouterr().out
    assert "matrix 'capital' is inconsistent" in out and "INCONSISTENT" in out
    assert main(["weights", "--judgments", str(path), "--strict", "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "capital" in err and "0.1" in err and "Traceback" not in err


def test_cli_refuses_malformed_file_with_cell(tmp_path, capsys):
    path = write_doc(capital_doc([[1, "1/5", "1/3"], [5, 1, 3], [3, 0, 1]]), tmp_path / "zero.toml")
    assert main(["weights", "--judgments", str(path)]) == 1
    err = capsys.readouterr().err
    assert "zero.toml, row 3, column 'financing_amount'" in err and "positive" in err


def test_cli_out_csv(tmp_path):
    out = tmp_path / "w.csv"
    assert main(["weights", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert sum(r["section"] == "weight" for r in rows) == 40
    cap = next(r for r in rows if r["section"] == "matrix" and r["code"] == "capital")
    assert math.isclose(float(cap["cr"]), 0.0370, abs_tol=0.0001) and cap["zh"] == "资本环境"
    assert main(["weights", "--out", str(out)]) == 1  # exists; needs --force
    assert main(["weights", "--out", str(out), "--force"]) == 0


def test_cli_unknown_ri_table(capsys):
    assert main(["weights", "--ri", "bogus"]) == 1
    assert "saaty1980" in capsys.readouterr().err


# --------------------------------------------------------------------------- the search


@pytest.fixture(scope="module")
def search():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ahp_search", ROOT / "scripts" / "ahp_search.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name, radius, tol", [
    ("overall", 16, 0.00005),     # whole Saaty space, 17^15 matrices
    ("capital", 16, 0.00005),
    ("openness", 16, 0.00005),
    ("enterprise", 16, 0.0005),   # no matrix reproduces all five weights to 4 decimals
    ("academic", 1, 0.00005),     # within one scale step of the consistent ratios
])
def test_search_finds_exactly_the_bundled_matrix(search, name, radius, tol):
    """The row-sum search, targeting Tables 1 and 2, finds one matrix: the one we ship."""
    g = search.groups(exact_tier1=True)[name]
    win = {"openness": (0.07745, 0.07765)} if name == "overall" else None
    res = search.rowsum_search(name, g, radius, windows=win, tol=tol)
    assert len(res["matches"]) == 1
    idx = res["matches"][0][0]
    found = search.build(np.array([idx]), len(g["items"]))[0]
    shipped = ahp.load_judgments().matrices[name]
    assert list(shipped.items) == g["items"]
    np.testing.assert_allclose(found, shipped.values, rtol=1e-12)


def test_enterprise_weights_are_out_of_reach_at_four_decimals(search):
    g = search.groups(exact_tier1=True)["enterprise"]
    res = search.rowsum_search("enterprise", g, 16)  # CR 0.0297 ± 0.00005, every weight ± 0.00005
    assert res["matches"] == []


def test_inconsistent_matrix_is_listed_with_a_plain_warning(tmp_path):
    r = ahp.evaluate_judgments(ahp.load_judgments(inconsistent_file(tmp_path)))
    # closed form: x = a12·a23/a13 = 5·5/(1/5) = 125, λmax = 1 + 5 + 1/5 = 6.2
    cap = r.matrices.set_index("name").loc["capital"]
    assert cap["lambda_max"] == pytest.approx(6.2)
    assert cap["cr"] == pytest.approx(3.2 / 2 / 0.52)
    assert r.inconsistent == ["capital"]
    (line,) = r.warnings()
    assert "capital" in line and "at or above 0.1" in line and "revise" in line


@pytest.mark.slow
def test_score_with_own_judgments_changes_the_scores(tmp_path, capsys):
    """`graphkit score --judgments` scores with the weights the judgments imply."""
    doc = report_doc()
    # the user thinks government matters as much as enterprise capability
    ov = matrix_entry(doc, "overall")
    ov["values"] = np.ones((6, 6)).tolist()
    path = write_doc(doc, tmp_path / "equal.toml")
    assert main(["score", "--format", "csv"]) == 0
    base = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert main(["score", "--format", "csv", "--judgments", str(path)]) == 0
    mine = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    gov = {r["region_code"]: float(r["government"]) for r in base}
    gov_mine = {r["region_code"]: float(r["government"]) for r in mine}
    top = max(gov, key=gov.get)
    # every tier-1 weight becomes 1/6, so a government score scales by (1/6) / 0.0352
    assert gov_mine[top] == pytest.approx(gov[top] * (1 / 6) / 0.0352, rel=0.01)
    assert gov_mine[top] > 4 * gov[top]
