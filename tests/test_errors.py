"""Every bad input of the schema gives a plain error naming file, row and column, exit 1,
no traceback, and no output file."""
from __future__ import annotations

import pytest

from graphkit.cli import main
from handmade import TABLES, write_handmade


def run_cli(capsys, tmp_path, overrides, *extra):
    data = write_handmade(tmp_path / "data", overrides)
    out = tmp_path / "out.csv"
    code = main(["score", "--data", str(data), "--format", "csv", "--out", str(out), *extra])
    err = capsys.readouterr().err
    return code, err, out


def bad_firm_row(row: str) -> dict:
    return {"nodes/firm.csv": TABLES["nodes/firm.csv"] + row + "\n"}


CASES = {
    "missing column": (
        {"nodes/park.csv": "id,name,province\nK1,园区,江苏省\n"},
        ["park.csv", "column 'city'", "missing required column"],
    ),
    "edge names unknown node": (
        {"edges/financing.csv": TABLES["edges/financing.csv"] + "V1,F99,R1,2018-01-01\n"},
        ["financing.csv", "row 6", "column 'target'", "F99"],
    ),
    "edge end of wrong type": (
        {"edges/investment.csv": TABLES["edges/investment.csv"] + "F1,V1,2019-01-01,\n"},
        ["investment.csv", "row 4", "column 'target'", "firm or company"],
    ),
    "duplicate id": (
        {"nodes/park.csv": "id,name,province,city,founded\nF1,园区,江苏省,南京市,2017\n"},
        ["park.csv", "row 2", "column 'id'", "duplicate id", "firm.csv"],
    ),
    "unknown province": (
        bad_firm_row("F6,火星公司,,火星省,火星市,2015,basic,1,1"),
        ["firm.csv", "row 7", "column 'province'", "火星省"],
    ),
    "unknown city": (
        bad_firm_row("F6,某公司,,广东省,杭州市,2015,basic,1,1"),
        ["firm.csv", "row 7", "column 'city'", "杭州市"],
    ),
    "negative count": (
        bad_firm_row("F6,某公司,,广东省,深圳市,2015,basic,1,-3"),
        ["firm.csv", "row 7", "column 'patents'", "negative"],
    ),
    "negative amount": (
        {"edges/round.csv": TABLES["edges/round.csv"] + "R4,F5,A,2019-01-01,-5\n"},
        ["round.csv", "row 5", "column 'amount'", "negative"],
    ),
    "unparseable date": (
        bad_firm_row("F6,某公司,,广东省,深圳市,2019-13-45,basic,1,1"),
        ["firm.csv", "row 7", "column 'founded'", "2019-13-45", "not a date"],
    ),
    "not a number": (
        bad_firm_row("F6,某公司,,广东省,深圳市,2019,basic,lots,1"),
        ["firm.csv", "row 7", "column 'valuation'", "lots"],
    ),
    "round of another firm": (
        {"edges/financing.csv": TABLES["edges/financing.csv"] + "V1,F5,R1,2018-01-01\n"},
        ["financing.csv", "row 6", "column 'round_id'", "another firm"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, tmp_path, capsys):
    overrides, needles = CASES[case]
    code, err, out = run_cli(capsys, tmp_path, overrides)
    assert code == 1
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".out.csv*"))


def test_all_problems_of_a_file_reported_together(tmp_path, capsys):
    rows = "F6,甲,,火星省,火星市,2015,basic,1,1\nF7,乙,,广东省,深圳市,20x5,basic,-1,1\nF8,丙,,广东省,深圳市,2015,top,1,1"
    code, err, _ = run_cli(capsys, tmp_path, bad_firm_row(rows))
    assert code == 1
    lines = err.strip().splitlines()
    assert any("row 7" in l and "province" in l for l in lines)
    assert any("row 8" in l and "founded" in l for l in lines)
    assert any("row 8" in l and "valuation" in l for l in lines)
    assert any("row 9" in l and "layer" in l for l in lines)
    assert all(l.startswith("error: ") for l in lines)


def test_missing_dataset_folder(tmp_path, capsys):
    code = main(["score", "--data", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1 and "nowhere" in err and "not found" in err


def test_gbk_file_is_recognised_and_accepted_with_encoding(tmp_path, capsys):
    data = write_handmade(tmp_path / "gbk", encoding="gbk")
    code = main(["score", "--data", str(data), "--format", "csv"])
    err = capsys.readouterr().err
    assert code == 1 and "GBK" in err and "--encoding gbk" in err and ".csv" in err
    code = main(["score", "--data", str(data), "--format", "csv", "--encoding", "gbk"])
    out = capsys.readouterr().out
    assert code == 0 and "广东省" in out


def test_bad_spec_is_reported(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('[[tier1]]\ncode="a"\nzh="甲"\nen="A"\n[[tier2]]\ncode="b"\nparent="a"\nzh="乙"\nen="B"\n'
                    '[[tier3]]\ncode="c"\nparent="b"\nzh="丙"\nen="C"\nweight=1\nop="median"\ntable="firm"\n', encoding="utf-8")
    code = main(["score", "--spec", str(spec)])
    err = capsys.readouterr().err
    assert code == 1 and "spec.toml" in err and "median" in err and "count, sum, mean" in err
