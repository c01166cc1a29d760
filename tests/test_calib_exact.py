"""The exact column program (graphkit.sample.calib_exact) against an independent rescoring.

The program claims a split of the committed calibration in which a Table 43 column holds
everything except the orders it lists. Each split is scored here with the plain pandas
helpers of tests/test_calibrate.py (not graphkit's engine, not the program's expressions)
and must hold what the program says it holds, keep every province total, keep the five
published city scores within the calibration's tolerance and obey the realiser's rules.
"""
from __future__ import annotations

import pandas as pd
import pytest

from tests.test_calibrate import MUNICIPALITIES, REF, ROOT, VALUES, _rank, _raw, _scores, _spec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup():
    from graphkit.sample.calib_polish import CityMatrix
    from graphkit.sample.calib_targets import load_targets

    t = load_targets()
    committed = pd.read_csv(VALUES, dtype={"city_code": str, "province_code": str})
    return t, CityMatrix(t, committed), committed


def _independent(table: pd.DataFrame, column: str):
    """Scores of the non-municipal cities: (total, the column's scores), by city code."""
    tier3, t2parent, _ = _spec()
    cities = table[~table.city_code.isin(MUNICIPALITIES)]
    _, _, _, tier1, total = _scores(_raw(cities, "city_code", tier3), tier3, t2parent)
    return total, (total if column == "total" else tier1[column])


def _solve(setup, column, move=(), time_limit=120.0, solver="scipy"):
    from graphkit.sample.calib_exact import exact_columns

    t, cm, committed = setup
    res = exact_columns(cm, list(t.city_top20.city_en), [column], time_limit=time_limit, move_samples=move,
                        solver=solver)
    assert res.split is not None, res.status
    return res, cm.table(res.split), committed


def _common_checks(table: pd.DataFrame, committed: pd.DataFrame, total: pd.Series):
    cols = [c for c in committed.columns if c not in ("city_code", "province_code")]
    got = table.groupby("province_code")[cols].sum()
    want = committed.groupby("province_code")[cols].sum()
    assert (got - want).abs().max().max() < 0.005  # every province figure is untouched
    assert (table.basic_tech_firm_count <= table.firm_count).all()
    assert ((table.financing_amount > 0) == (table.financing_relations > 0)).all()
    top = pd.read_csv(REF / "city_top20.csv")
    cities = pd.read_csv(ROOT / "data" / "regions" / "cities.csv", dtype=str)
    code = dict(zip(cities.zh, cities.code))
    for r in top[top.total_score.notna()].itertuples():
        assert abs(total[code[r.city_zh]] - r.total_score) <= 0.004 + 1e-6, r.city_en
    return top, code


def test_capital_column_can_hold_all_twenty_ranks(setup):
    res, table, committed = _solve(setup, "capital")
    assert res.solved and res.orders_given_up == [] and res.places_missed == 0
    total, capital = _independent(table, "capital")
    top, code = _common_checks(table, committed, total)
    ranks = _rank(capital)
    for r in top.itertuples():
        assert ranks[code[r.city_zh]] == r.capital_rank, r.city_en


def test_academic_orders_not_given_up_hold(setup):
    # scipy's bundled HiGHS stops with "Solve error" on this program since the second hold step
    res, table, committed = _solve(setup, "academic", solver="highspy")
    # three orders gave way on the samples committed before the eighth session; on Shenzhen's
    # small valid sample of patents none does (docs/sample_calibration.md)
    assert res.solved and len(res.orders_given_up) <= 19
    total, academic = _independent(table, "academic")
    top, code = _common_checks(table, committed, total)
    score = {r.city_en: round(float(academic[code[r.city_zh]]), 9) for r in top.itertuples()}
    rank = dict(zip(top.city_en, top.academic_rank))
    order = sorted(rank, key=lambda e: (rank[e], list(rank).index(e)))
    given = {(a, b) for _, a, b in res.orders_given_up}
    for a, b in zip(order, order[1:]):
        if (a, b) in given:
            continue
        if rank[a] == rank[b]:
            assert score[a] == score[b], (a, b)
        else:
            assert score[a] > score[b], (a, b)


def test_academic_holds_when_the_institutes_valid_samples_move(setup):
    """Letting the institutes' samples move within their provinces, the program finds a split
    that holds all 20 academic ranks (on the samples committed before the eighth session three
    orders gave way without the move)."""
    move = ("inst_avg_domestic_papers", "inst_avg_intl_papers", "inst_avg_patents")
    # scipy's bundled HiGHS stops with "Solve error" on this program since the hold steps
    # (29 November 2026); highspy's (a test dependency) finds it optimal in seconds
    res, table, committed = _solve(setup, "academic", move, time_limit=600.0, solver="highspy")
    assert res.solved and res.orders_given_up == [] and res.places_missed == 0
    total, academic = _independent(table, "academic")
    top, code = _common_checks(table, committed, total)  # includes the samples' province totals
    ranks = _rank(academic)
    for r in top.itertuples():
        assert ranks[code[r.city_zh]] == r.academic_rank, r.city_en
    for j in move:
        assert (table[f"{j}__n"] <= table.inst_count).all()
        assert (table[f"{j}__sum"] > 0).le(table[f"{j}__n"] > 0).all()  # no sum without a sample
    assert not table[[f"{j}__n" for j in move]].equals(committed[[f"{j}__n" for j in move]])


def test_command_names_an_unknown_column_or_mean(capsys):
    from graphkit.sample.calib_exact import main

    with pytest.raises(SystemExit) as e:
        main(["--columns", "total+capitol"])
    assert e.value.code == 2 and "unknown column 'capitol'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["--columns", "academic", "--move-samples", "univ_count"])
    assert e.value.code == 2 and "'univ_count' is not a mean" in capsys.readouterr().err


@pytest.mark.parametrize("solver", ["scipy", "highspy"])
def test_both_solvers_solve_a_program_worked_by_hand(solver):
    """Maximise x + y with x + 2y <= 4, x a whole number at most 3, y >= 0: by hand x = 3 and
    y = 0.5 (the objective 3.5); an unknown solver is an error."""
    from graphkit.sample.calib_lp import Model

    m = Model()
    x, y = m.add_var(0.0, 3.0, integer=True, cost=-1.0), m.add_var(0.0, 10.0, cost=-1.0)
    m.add(x + y * 2.0, hi=4.0)
    sol = m.solve(time_limit=10, solver=solver)
    assert sol.ok and sol(x) == pytest.approx(3.0) and sol(y) == pytest.approx(0.5)
    assert sol.objective == pytest.approx(-3.5)
    with pytest.raises(ValueError, match="unknown solver"):
        m.solve(solver="gurobi")


def test_a_constraint_between_constants_is_checked_to_their_size():
    """A row without variables is checked, not added. Two financing amounts of about 3.07
    million that are equal in exact arithmetic may differ by 3e-8 in floats: a repair step once
    failed on that. 1.0 >= 2.0, or 3e6 >= 3e6 + 1, still fails."""
    from graphkit.sample.calib_lp import Expr, Model

    m = Model()
    amount = 3071914.81
    m.ge(Expr(const=amount), Expr(const=amount + 3e-8))
    m.ge(Expr(const=amount) * 1.0, amount + 3e-8)
    assert m.rows == []
    for a, b in ((1.0, 2.0), (3e6, 3e6 + 1)):
        with pytest.raises(ValueError, match="constant constraint cannot hold"):
            m.ge(Expr(const=a), Expr(const=b))
