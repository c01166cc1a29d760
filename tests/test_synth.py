"""The synthetic-graph generator: exact sizes, determinism, schema validity, shape
(heavy tails, the report's regional skew), the `graphkit synth` command, progress lines."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import graphkit as gk
from graphkit.cli import main
from graphkit.commands.synth import parse_count
from graphkit.progress import Step, enabled
from graphkit.schema import EDGE_TYPES, NODE_TYPES
from graphkit.synth import EDGE_SHARES, plan, synthesize

FIRMS, EDGES = 3000, 30_000


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "d"
    synthesize(out, FIRMS, EDGES, seed=3)
    return out


def test_plan_splits_edges_exactly_and_ids_do_not_overlap():
    p = plan(1_000, 12_345)
    assert p.total_edges() == 12_345
    assert set(p.edges) == set(EDGE_TYPES)
    assert p.edges["financing"] == int(12_345 * EDGE_SHARES["financing"])
    runs = sorted((p.first_id[t], p.first_id[t] + p.nodes[t] - 1) for t in NODE_TYPES)
    assert all(a[1] < b[0] for a, b in zip(runs, runs[1:]))
    # firms and companies are adjacent, so an investment target (firm or company) is one run
    assert p.first_id["company"] == p.first_id["firm"] + p.nodes["firm"]


def test_row_counts_match_the_plan(synth_dir):
    p = plan(FIRMS, EDGES)
    for name in NODE_TYPES:
        assert pq.read_metadata(synth_dir / "nodes" / f"{name}.parquet").num_rows == p.nodes[name]
    for name in EDGE_TYPES:
        assert pq.read_metadata(synth_dir / "edges" / f"{name}.parquet").num_rows == p.edges[name], name


def test_same_seed_same_data_other_seed_other_data(synth_dir, tmp_path):
    again = synthesize(tmp_path / "again", FIRMS, EDGES, seed=3)
    other = tmp_path / "other"
    synthesize(other, FIRMS, EDGES, seed=4)
    for rel in ("nodes/firm.parquet", "edges/financing.parquet", "edges/round.parquet", "edges/study_experience.parquet"):
        a = pq.read_table(synth_dir / rel)
        assert a.equals(pq.read_table(tmp_path / "again" / rel)), rel
        assert not a.equals(pq.read_table(other / rel)), rel
    assert again["firm"] == FIRMS


def test_loads_and_validates_as_a_dataset(synth_dir):
    ds = gk.load_dataset(synth_dir)
    assert ds.rows("firm") == FIRMS
    assert sum(ds.rows(t) for t in EDGE_TYPES if t != "round") == EDGES
    # every financing edge's round belongs to its target (checked by the loader, re-checked here)
    fin = pq.read_table(synth_dir / "edges/financing.parquet").to_pandas()
    rounds = pq.read_table(synth_dir / "edges/round.parquet").to_pandas().set_index("id")
    assert (rounds.loc[fin["round_id"], "firm"].to_numpy() == fin["target"].to_numpy()).all()


def test_degrees_are_heavy_tailed(synth_dir):
    src = pq.read_table(synth_dir / "edges/tech_enablement.parquet", columns=["source"]).column(0).to_numpy()
    deg = np.sort(np.bincount(src))[::-1]
    top1 = deg[: FIRMS // 100].sum() / deg.sum()
    # uniform picking would give the top 1% of firms about 2-3% of the edges
    assert top1 > 0.12
    assert deg[0] > 20 * np.median(deg[deg > 0])


def test_regional_skew_follows_the_report(synth_dir):
    firms = pq.read_table(synth_dir / "nodes/firm.parquet", columns=["province", "city"]).to_pandas()
    share = firms["province"].astype(str).value_counts(normalize=True)
    # The report's sample: Beijing 628, Guangdong 596, Shanghai 314, Zhejiang 197, Jiangsu 144 of 2,205
    assert list(share.index[:2]) == ["北京市", "广东省"] or list(share.index[:2]) == ["广东省", "北京市"]
    assert set(share.index[:5]) == {"北京市", "广东省", "上海市", "浙江省", "江苏省"}
    assert share["北京市"] == pytest.approx(628 / 2205, abs=0.03)
    gd = firms[firms["province"].astype(str) == "广东省"]["city"].astype(str).value_counts(normalize=True)
    assert gd.index[0] == "深圳市" and gd["深圳市"] == pytest.approx(308 / 596, abs=0.05)


def test_string_ids_give_the_same_scores_as_integer_ids(tmp_path):
    a, b = tmp_path / "int", tmp_path / "str"
    synthesize(a, 500, 5_000, seed=9, id_kind="int")
    synthesize(b, 500, 5_000, seed=9, id_kind="str")
    assert pq.read_table(b / "nodes/firm.parquet").column("id")[0].as_py() == "F1"
    for level in ("province", "city"):
        ta = gk.evaluate(gk.load_dataset(a), level=level).table(detail=True)
        tb = gk.evaluate(gk.load_dataset(b), level=level).table(detail=True)
        pd.testing.assert_frame_equal(ta, tb)


def test_synth_command(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["synth", "--firms", "1k", "--edges", "10k", "--seed", "2", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "10,000 edges" in err and "synthetic" in err
    assert (out / "edges" / "financing.parquet").exists()
    # refuses to overwrite without --force, names the folder, writes nothing half-done
    assert main(["synth", "--firms", "1k", "--edges", "10k", "--out", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("text,value", [("100", 100), ("100k", 100_000), ("10M", 10_000_000), ("1.5m", 1_500_000), ("1_000", 1000)])
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["ten", "-5", "1.5", "k"])
def test_parse_count_rejects(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_count(text)


def test_progress_only_on_a_terminal_and_only_for_long_steps():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert not enabled(io.StringIO())
    quiet = io.StringIO()
    with Step("quick", stream=quiet):
        pass
    assert quiet.getvalue() == ""
    tty = Tty()
    with Step("reading edges", total=10, stream=tty, delay=0.0, interval=0.01, force=True) as s:
        s.advance(5)
        import time

        time.sleep(0.1)
    text = tty.getvalue()
    assert "reading edges" in text and "50%" in text and "done in" in text
    fast = Tty()
    with Step("fast", stream=fast, delay=5.0, force=True):
        pass
    assert fast.getvalue() == ""  # finished before the delay: nothing drawn
