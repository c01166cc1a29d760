"""The command line: formats, levels, help, and the documented columns."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from graphkit.cli import COMMANDS, build_parser, main
from handmade import write_handmade


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_handmade(tmp_path_factory.mktemp("cli"))


def run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_csv_has_documented_columns(capsys, data):
    code, out, _ = run(capsys, "score", "--data", str(data), "--format", "csv", "--detail")
    assert code == 0
    t = pd.read_csv(io.StringIO(out), dtype={"region_code": str})
    assert len(t) == 31
    for col in ("region", "region_en", "total", "rank", "enterprise", "enterprise_rank", "size_rank",
                "firm_count_raw", "firm_count", "firm_count_rank", "policy_count_raw"):
        assert col in t.columns
    assert t.iloc[0]["region"] == "广东省" and t.iloc[0]["rank"] == 1


def test_json_and_markdown(capsys, data):
    code, out, _ = run(capsys, "score", "--data", str(data), "--format", "json", "--level", "city")
    rows = json.loads(out)
    assert [r["region_en"] for r in rows][:2] == ["Shenzhen", "Hangzhou"]
    assert rows[0]["total"] == pytest.approx(68.02)
    assert "Beijing" not in {r["region_en"] for r in rows}  # municipalities are not cities here
    code, out, _ = run(capsys, "score", "--data", str(data), "--format", "markdown", "--level", "circle")
    assert out.startswith("| region |") and out.count("\n") == 6


def test_table_aligns_chinese_and_english(capsys, data):
    code, out, _ = run(capsys, "score", "--data", str(data), "--level", "city")
    assert code == 0
    assert "深圳市" in out and "Shenzhen" in out and "68.02" in out


def test_out_file_written_atomically(capsys, data, tmp_path):
    target = tmp_path / "s.json"
    code, out, err = run(capsys, "score", "--data", str(data), "--format", "json", "--out", str(target))
    assert code == 0 and out == "" and str(target) in err
    assert json.loads(target.read_text(encoding="utf-8"))[0]["region"] == "广东省"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_indicators_command(capsys, data):
    code, out, _ = run(capsys, "indicators", "--data", str(data), "--level", "city", "--format", "csv")
    t = pd.read_csv(io.StringIO(out))
    assert t.set_index("region_en").loc["Shenzhen", "financing_relations"] == 3


def test_every_command_has_help_and_examples():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert name in COMMANDS
        assert p.description, name
        assert "example" in (p.epilog or "").lower(), f"{name} has no examples in its help"


def test_help_is_fast_and_light():
    code = "import sys, time; t=time.time(); from graphkit.cli import main; \n" \
           "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n" \
           "    try: main(['--help'])\n    except SystemExit: pass\n" \
           "print(','.join(m for m in ('pandas','numpy','igraph','matplotlib','duckdb','pyvis') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "", f"heavy modules imported by --help: {r.stdout}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2


def test_inconsistent_judgments_are_flagged_but_still_score(capsys, data, tmp_path):
    from graphkit.ahp import DEFAULT_JUDGMENTS

    text = DEFAULT_JUDGMENTS.read_text(encoding="utf-8")
    consistent = '[1,     3,     4,     5,     6,     7    ],'
    assert consistent in text
    # enterprise ≫ academic but academic ≫ capital ≫ ... ≫ enterprise: a cycle, CR far above 0.1
    bad = text.replace(consistent, '[1,     9,     "1/9", 5,     6,     7    ],', 1)
    bad = bad.replace('["1/3", 1,     2,     3,     4,     5    ],', '["1/9", 1,     9,     3,     4,     5    ],', 1)
    bad = bad.replace('["1/4", "1/2", 1,     4,     5,     6    ],', '[9,     "1/9", 1,     4,     5,     6    ],', 1)
    judgments = tmp_path / "bad.toml"
    judgments.write_text(bad, encoding="utf-8")
    code, out, err = run(capsys, "score", "--data", str(data), "--judgments", str(judgments), "--format", "csv")
    assert code == 0 and "warning:" in err and "overall" in err and "inconsistent" in err
    code, out2, _ = run(capsys, "score", "--data", str(data), "--format", "csv")
    assert out != out2  # the judgments' weights were used


def test_out_file_has_ordinary_permissions(capsys, data, tmp_path):
    import os

    target = tmp_path / "perm.csv"
    assert main(["score", "--data", str(data), "--format", "csv", "--out", str(target)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~mask)


def test_rounding_hides_order_by_hand():
    from graphkit.output import rounding_hides_order

    # 16.2043 and 16.1989 both print 16.20 at different ranks; 15.00 stands apart
    assert rounding_hides_order(pd.Series([16.2043, 16.1989, 15.0]), pd.Series([10, 11, 12]))
    # equal values sharing a rank are a true tie, not hidden order
    assert not rounding_hides_order(pd.Series([16.2043, 16.2043]), pd.Series([1, 1]))
    # 16.214 and 16.196 print 16.21 and 16.20
    assert not rounding_hides_order(pd.Series([16.214, 16.196]), pd.Series([1, 2]))
    # three decimals tell them apart
    assert not rounding_hides_order(pd.Series([16.2043, 16.1989]), pd.Series([1, 2]), digits=3)


@pytest.mark.parametrize("level", ["province", "city", "circle"])
def test_table_notes_totals_that_print_equal_at_different_ranks(capsys, level):
    _, csv_out, _ = run(capsys, "score", "--level", level, "--format", "csv")
    t = pd.read_csv(io.StringIO(csv_out))
    printed = t["total"].map("{:.2f}".format)
    hidden = (t.groupby(printed)["rank"].nunique() > 1).any()
    _, out, _ = run(capsys, "score", "--level", level)
    assert ("totals that print equal" in out) == hidden
    if level == "city":  # Hefei, Changsha and Jinan print 16.20 at ranks 10-12 in the bundled sample
        assert hidden


@pytest.mark.slow
def test_sample_check_explains_in_chinese(capsys, data):
    """`graphkit sample check --lang zh` prints each reason in Chinese; the default prints the
    English one with its kind tagged in Chinese; CSV carries both columns."""
    code, out, _ = run(capsys, "sample", "check", "--data", str(data), "--kind", "city_rank", "--region", "成都",
                       "--lang", "zh")
    assert code == 0
    assert "取舍：" in out and "trade-off" not in out and "成都市是城市指数中四川省唯一的城市" in out
    assert "企业能力" in out  # the indicator's Chinese name over its code (the report's tier-1 name)
    code, out, _ = run(capsys, "sample", "check", "--data", str(data), "--kind", "city_rank", "--region", "成都")
    assert code == 0 and "取舍 trade-off: Chengdu is the only city of Sichuan" in out and "取舍：" not in out
    code, out, _ = run(capsys, "sample", "check", "--data", str(data), "--kind", "city_rank", "--format", "csv")
    t = pd.read_csv(io.StringIO(out))
    assert list(t.columns[-2:]) == ["explanation", "explanation_zh"]
    differ = t[t["match"] == False]  # noqa: E712 (a column of True, False and blanks)
    assert len(differ) and differ.explanation_zh.str.startswith("取舍：").all()
    assert t.explanation.isna().equals(t.explanation_zh.isna())
