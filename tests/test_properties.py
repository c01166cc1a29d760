"""Invariants of the stage functions on random raw indicator tables (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import graphkit as gk

SPEC = gk.load_spec()
CODES = SPEC.codes

values = st.one_of(st.just(np.nan), st.floats(0, 1e9, allow_nan=False), st.integers(0, 10_000).map(float))


@st.composite
def raw_tables(draw):
    n = draw(st.integers(1, 12))
    data = draw(arrays(float, (n, len(CODES)), elements=values))
    index = [f"R{i:02d}" for i in range(n)]
    return pd.DataFrame(data, index=index, columns=CODES)


def pipeline(raw, spec=SPEC):
    scores = gk.normalise(raw)
    contrib, tier2, tier1, total = gk.weighted_scores(scores, spec)
    return scores, tier1, total


@settings(max_examples=60, deadline=None)
@given(raw_tables())
def test_scores_bounded(raw):
    scores, tier1, total = pipeline(raw)
    assert not scores.isna().any().any()
    assert ((scores >= 0) & (scores <= 100 + 1e-9)).all().all()
    weight_sum = SPEC.weights.sum()
    assert ((total >= -1e-9) & (total <= 100 * weight_sum + 1e-6)).all()
    for code, w in SPEC.tier1.set_index("code")["weight"].items():
        assert (tier1[code] <= 100 * w + 1e-6).all()
    # each column has a leader at 100 unless it is constant
    for c in CODES:
        col = raw[c].fillna(0)
        assert scores[c].max() == (0.0 if col.max() == col.min() else 100.0)


@settings(max_examples=40, deadline=None)
@given(raw_tables(), st.randoms(use_true_random=False))
def test_reordering_and_relabelling_regions_changes_nothing(raw, rnd):
    _, _, total = pipeline(raw)
    order = list(raw.index)
    rnd.shuffle(order)
    relabel = {old: f"X{i}" for i, old in enumerate(order)}
    shuffled = raw.loc[order].rename(index=relabel)
    _, _, total2 = pipeline(shuffled)
    back = total2.rename(index={v: k for k, v in relabel.items()})
    pd.testing.assert_series_equal(total.sort_index(), back.sort_index(), check_names=False)
    assert (gk.rank(total).sort_index() == gk.rank(back).sort_index()).all()


@settings(max_examples=40, deadline=None)
@given(raw_tables(), st.floats(0.01, 1000))
def test_scaling_weights_keeps_ranks(raw, factor):
    scaled = SPEC.with_weights(SPEC.weights * factor)
    _, _, total = pipeline(raw)
    _, _, total2 = pipeline(raw, scaled)
    np.testing.assert_allclose(total2.to_numpy(), total.to_numpy() * factor, rtol=1e-9, atol=1e-9)
    assert (gk.rank(total, decimals=6) == gk.rank(total2 / factor, decimals=6)).all()


@settings(max_examples=40, deadline=None)
@given(raw_tables())
def test_ranks_are_competition_ranks(raw):
    _, _, total = pipeline(raw)
    r = gk.rank(total)
    # rank = 1 + number of strictly better regions
    better = np.array([(total.round(9) > v).sum() for v in total.round(9)])
    assert (r.to_numpy() == better + 1).all()
