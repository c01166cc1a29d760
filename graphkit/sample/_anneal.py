"""Compiled inner loop of the polish stage (:mod:`graphkit.sample.calib_polish`).

The polish stage tries millions of moves; in Python each cost about 140 µs, most of it
rescoring all 168 cities and re-sorting every column. Here a move rescores only the two
cities it touches and updates each published rank by counting how those two cities moved
past it, which brings a move down to a few microseconds. numba compiles the loop; the
arithmetic is the pipeline's (min-max with the leaders' fixed scales, weighted sums, ranks
on 9 decimals), and :class:`graphkit.sample.calib_polish.Objective` re-measures the result
in plain numpy.

Everything is passed as flat arrays (numba takes no Python objects); :func:`anneal` is the
only entry point.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _row_levels(V, r, pin, pscale, ms, mn, mscale, hi, L, out):
    # tier-3 min-max values (the minimum is 0, the maximum the leader's) times the
    # coefficients that sum them into the 41 levels (total, tier 1, tier 2, tier 3)
    out[:] = 0.0
    for j in range(pin.shape[0]):
        if pin[j] >= 0:
            raw = V[r, pin[j]] / pscale[j]
        else:
            n = V[r, mn[j]]
            raw = V[r, ms[j]] / (n * mscale[j]) if n > 0 else 0.0
        x = raw * 100.0 / hi[j]
        if x != 0.0:
            for k in range(L.shape[1]):
                if L[j, k] != 0.0:
                    out[k] += x * L[j, k]


@njit(cache=True)
def _row_term(V, r, amt, rel, ref, log4, fc, fe, fe_ref, w_amt, w_edge):
    # plausibility of one city: its amount per financing relation near the national one, and
    # its relations per firm not far above its province's (per e-fold beyond a factor 4)
    out = 0.0
    if V[r, rel] > 0:
        per = max(V[r, amt] / V[r, rel], 1e-9)
        out += w_amt * max(abs(np.log(per / ref)) - log4, 0.0)
    f = V[r, fc]
    if f > 0:
        for i in range(fe.shape[0]):
            x = V[r, fe[i]]
            if x > 0 and fe_ref[r, i] > 0:
                out += w_edge * max(np.log(x / f / fe_ref[r, i]) - log4, 0.0)
    return out


@njit(cache=True)
def _ok(V, r, amt, rel, rules):
    # the realiser's rules for one city (see calib_polish._Rules)
    cap, frozen, fc, bt, fe, mean_n, mean_s, mean_b, mean_cap, fl_row, fl_col, fl_b = rules
    for c in range(V.shape[1]):
        if V[r, c] < 0 or V[r, c] > cap[c]:
            return False
    if V[r, bt] > V[r, fc]:
        return False
    if (V[r, amt] > 0) != (V[r, rel] > 0):
        return False
    if V[r, fc] == 0:
        for c in fe:
            if V[r, c] != 0:
                return False
    for i in range(mean_n.shape[0]):
        n = V[r, mean_n[i]]
        if n > V[r, mean_b[i]] or (n == 0 and V[r, mean_s[i]] != 0):
            return False
        if n > 0 and V[r, mean_s[i]] / n > mean_cap[i] + 1e-9:
            return False
    for f in range(fl_row.shape[0]):
        if fl_row[f] == r and V[r, fl_col[f]] < fl_b[f]:
            return False
    return True


@njit(cache=True)
def _rank(S9, r, lv):
    # competition rank of city r at level lv: one plus the cities strictly above it
    above = 0
    for q in range(S9.shape[0]):
        if S9[q, lv] > S9[r, lv]:
            above += 1
    return 1 + above


@njit(cache=True)
def _penalty(V, S, rank, row_pen, pen):
    cpub, cw, log1p, srow, spub, tol, nrow, ncol, npub, of_col, of_lptr, of_lead, of_rptr, of_rest, w = pen
    miss = 0.0
    dist = 0.0
    for k in range(cpub.shape[0]):
        d = abs(rank[k] - cpub[k])
        if d > 0:
            miss += cw[k]
            dist += cw[k] * log1p[d]
    score = 0.0
    for i in range(srow.shape[0]):
        score += max(abs(S[srow[i], 0] - spub[i]) - tol, 0.0)
    cnt = 0.0
    for i in range(nrow.shape[0]):
        if V[nrow[i], ncol[i]] != npub[i]:
            cnt += 1.0
    order = 0.0
    for f in range(of_col.shape[0]):
        c = of_col[f]
        low = V[of_lead[of_lptr[f]], c]
        for i in range(of_lptr[f], of_lptr[f + 1]):
            low = min(low, V[of_lead[i], c])
        for i in range(of_rptr[f], of_rptr[f + 1]):
            if V[of_rest[i], c] >= low:
                order += 1.0
                break
    return w[0] * score + w[1] * miss + w[2] * dist + w[3] * cnt + w[4] * order + row_pen.sum()


@njit(cache=True)
def _move_rows(V, S, S9, rank, row_pen, a, b, dc, dd, nd, sav_S, sav_rank, sav_row, sc):
    """Apply a move (units dd of columns dc from row a to row b) and update levels and ranks;
    the previous state goes to the save buffers (see _undo): sav_S holds the two rows' levels
    and then their rounded levels."""
    pin, pscale, ms, mn, mscale, hi, L, crow, ccol, amt, rel, ref, log4, fc_, fe_, fe_ref, w_amt, w_edge = sc
    for i in range(nd):
        V[a, dc[i]] -= dd[i]
        V[b, dc[i]] += dd[i]
    sav_S[0, :] = S[a]
    sav_S[1, :] = S[b]
    sav_S[2, :] = S9[a]
    sav_S[3, :] = S9[b]
    sav_rank[:] = rank
    sav_row[0] = row_pen[a]
    sav_row[1] = row_pen[b]
    _row_levels(V, a, pin, pscale, ms, mn, mscale, hi, L, S[a])
    _row_levels(V, b, pin, pscale, ms, mn, mscale, hi, L, S[b])
    row_pen[a] = _row_term(V, a, amt, rel, ref, log4, fc_, fe_, fe_ref, w_amt, w_edge)
    row_pen[b] = _row_term(V, b, amt, rel, ref, log4, fc_, fe_, fe_ref, w_amt, w_edge)
    for k in range(S.shape[1]):
        S9[a, k] = np.round(S[a, k], 9)
        S9[b, k] = np.round(S[b, k], 9)
    old_a, old_b = sav_S[2], sav_S[3]
    for k in range(crow.shape[0]):
        r = crow[k]
        lv = ccol[k]
        if r == a or r == b:
            rank[k] = _rank(S9, r, lv)
        else:
            s = S9[r, lv]
            rank[k] += (int(S9[a, lv] > s) - int(old_a[lv] > s)) + (int(S9[b, lv] > s) - int(old_b[lv] > s))


@njit(cache=True)
def _undo(V, S, S9, rank, row_pen, a, b, dc, dd, nd, sav_S, sav_rank, sav_row):
    for i in range(nd):
        V[a, dc[i]] += dd[i]
        V[b, dc[i]] -= dd[i]
    S[a, :] = sav_S[0]
    S[b, :] = sav_S[1]
    S9[a, :] = sav_S[2]
    S9[b, :] = sav_S[3]
    rank[:] = sav_rank
    row_pen[a] = sav_row[0]
    row_pen[b] = sav_row[1]


@njit(cache=True)
def _propose(V, a, b, counts, means_n, means_s, amt, rel, dc, dd):
    """One random move from row a to row b (see calib_polish for the kinds); returns the
    number of (column, units) pairs written to dc/dd, 0 when the move is void."""
    kind = np.random.random()
    if kind < 0.1:  # the two cities trade places on one indicator
        if np.random.random() < 0.6:
            c = counts[np.random.randint(0, counts.shape[0])]
            dc[0] = c
            dd[0] = V[a, c] - V[b, c]
            if c == rel:
                dc[1] = amt
                dd[1] = V[a, amt] - V[b, amt]
                return 2
            return 1
        i = np.random.randint(0, means_n.shape[0])
        dc[0] = means_n[i]
        dd[0] = V[a, means_n[i]] - V[b, means_n[i]]
        dc[1] = means_s[i]
        dd[1] = V[a, means_s[i]] - V[b, means_s[i]]
        return 2
    if kind < 0.55:  # units of a count
        c = counts[np.random.randint(0, counts.shape[0])]
        have = V[a, c]
        if have <= 0:
            return 0
        d = 1 if np.random.random() < 0.6 else np.random.randint(1, have // 2 + 2)
        d = min(d, have)
        dc[0] = c
        dd[0] = d
        if c == rel:
            if d == have:  # a loses every relation: its amount goes too
                dc[1] = amt
                dd[1] = V[a, amt]
                return 2
            if V[b, c] == 0:  # b gains its first relation: a share of a's amount comes along
                dc[1] = amt
                dd[1] = V[a, amt] * d // (have + d)
                return 2
        return 1
    if kind < 0.7:  # a share of the financing amount
        if V[a, amt] <= 1 or V[b, rel] == 0:
            return 0
        dc[0] = amt
        dd[0] = np.int64(V[a, amt] * np.random.random() * 0.5)
        return 1
    i = np.random.randint(0, means_n.shape[0])
    n = means_n[i]
    s = means_s[i]
    if kind < 0.85:  # part of a mean's sum
        if V[a, s] <= 0 or V[b, n] == 0:
            return 0
        dc[0] = s
        dd[0] = np.int64(V[a, s] * np.random.random() * 0.5)
        return 1
    if V[a, n] == 0:  # one entity with a known value, and its share of the sum
        return 0
    if V[a, n] == 1:
        share = V[a, s]
    else:
        share = np.int64(V[a, s] * np.random.random() * 2 // V[a, n])
    dc[0] = n
    dd[0] = 1
    dc[1] = s
    dd[1] = min(share, V[a, s])
    return 2


@njit(cache=True)
def _void(a, b, dc, dd, nd, frozen):
    any_ = False
    for i in range(nd):
        if dd[i] != 0:
            any_ = True
        if frozen[a, dc[i]] or frozen[b, dc[i]]:
            return True
    return not any_


@njit(cache=True)
def anneal(V, best_V, state, moves, first, total_moves, seed, temps,
           sc, pen, rules, moves_data):
    """Run ``moves`` annealing moves from move number ``first`` of ``total_moves``.

    ``state`` holds [current objective, best objective, moves kept]; ``V`` is the current
    matrix and ``best_V`` the best seen, both updated in place. ``seed`` >= 0 reseeds the
    generator (the first call of a chain); later calls continue its stream."""
    pin, pscale, ms, mn, mscale, hi, L, crow, ccol, amt, rel, ref, log4, fc_, fe_, fe_ref, w_amt, w_edge = sc
    frozen, mean_n, mean_s = rules[1], rules[5], rules[6]
    gptr, gidx, gcum, group_of, scored, counts = moves_data
    if seed >= 0:
        np.random.seed(seed)
    N, K = V.shape[0], L.shape[1]
    S = np.zeros((N, K))
    S9 = np.zeros((N, K))
    row_pen = np.zeros(N)
    for r in range(N):
        _row_levels(V, r, pin, pscale, ms, mn, mscale, hi, L, S[r])
        row_pen[r] = _row_term(V, r, amt, rel, ref, log4, fc_, fe_, fe_ref, w_amt, w_edge)
        for k in range(K):
            S9[r, k] = np.round(S[r, k], 9)
    rank = np.empty(crow.shape[0], dtype=np.int64)
    for k in range(crow.shape[0]):
        rank[k] = _rank(S9, crow[k], ccol[k])
    cur = _penalty(V, S, rank, row_pen, pen)
    best = state[1]
    kept = np.int64(state[2])
    if first == 0:
        best = cur
        best_V[:, :] = V
    dc = np.empty(2, dtype=np.int64)
    dd = np.empty(2, dtype=np.int64)
    dc2 = np.empty(2, dtype=np.int64)
    dd2 = np.empty(2, dtype=np.int64)
    bc2 = np.empty(2, dtype=np.int64)
    bd2 = np.empty(2, dtype=np.int64)
    sav_S = np.empty((4, K))
    sav_rank = np.empty_like(rank)
    sav_row = np.empty(2)
    sav2_S = np.empty((4, K))
    sav2_rank = np.empty_like(rank)
    sav2_row = np.empty(2)
    t0, t1 = temps[0], temps[1]
    for i in range(first, first + moves):
        g = np.searchsorted(gcum, np.random.random(), side="right")
        g = min(g, gcum.shape[0] - 1)
        lo_, n_g = gptr[g], gptr[g + 1] - gptr[g]
        x = np.random.randint(0, n_g)
        y = np.random.randint(0, n_g - 1)
        if y >= x:
            y += 1
        a, b = gidx[lo_ + x], gidx[lo_ + y]
        nd = _propose(V, a, b, counts, mean_n, mean_s, amt, rel, dc, dd)
        if nd == 0 or _void(a, b, dc, dd, nd, frozen):
            continue
        _move_rows(V, S, S9, rank, row_pen, a, b, dc, dd, nd, sav_S, sav_rank, sav_row, sc)
        if not (_ok(V, a, amt, rel, rules)
                and _ok(V, b, amt, rel, rules)):
            _undo(V, S, S9, rank, row_pen, a, b, dc, dd, nd, sav_S, sav_rank, sav_row)
            continue
        new = _penalty(V, S, rank, row_pen, pen)
        temp = t0 * (t1 / t0) ** (i / total_moves)
        second = False
        a2, b2, nd2 = 0, 0, 0
        if new > cur and (scored[a] or scored[b]):
            # a published city score may have left its tolerance: the best of twelve second
            # moves at the same city can restore it (score-neutral trades become reachable)
            r = a if scored[a] else b
            g2 = group_of[r]
            lo2, n2 = gptr[g2], gptr[g2 + 1] - gptr[g2]
            best2 = new
            for _ in range(12):
                o = gidx[lo2 + np.random.randint(0, n2)]
                while o == r:
                    o = gidx[lo2 + np.random.randint(0, n2)]
                if np.random.random() < 0.5:
                    p, q = r, o
                else:
                    p, q = o, r
                m = _propose(V, p, q, counts, mean_n, mean_s, amt, rel, dc2, dd2)
                if m == 0 or _void(p, q, dc2, dd2, m, frozen):
                    continue
                _move_rows(V, S, S9, rank, row_pen, p, q, dc2, dd2, m, sav2_S, sav2_rank, sav2_row, sc)
                if (_ok(V, p, amt, rel, rules)
                        and _ok(V, q, amt, rel, rules)):
                    v2 = _penalty(V, S, rank, row_pen, pen)
                    if v2 < best2:
                        best2 = v2
                        a2, b2, nd2 = p, q, m
                        bc2[:] = dc2
                        bd2[:] = dd2
                _undo(V, S, S9, rank, row_pen, p, q, dc2, dd2, m, sav2_S, sav2_rank, sav2_row)
            if nd2 > 0:
                _move_rows(V, S, S9, rank, row_pen, a2, b2, bc2, bd2, nd2, sav2_S, sav2_rank, sav2_row, sc)
                new = best2
                second = True
        if new <= cur or np.random.random() < np.exp(-(new - cur) / temp):
            cur = new
            kept += 1
            if cur < best:
                best = cur
                best_V[:, :] = V
            continue
        if second:
            _undo(V, S, S9, rank, row_pen, a2, b2, bc2, bd2, nd2, sav2_S, sav2_rank, sav2_row)
        _undo(V, S, S9, rank, row_pen, a, b, dc, dd, nd, sav_S, sav_rank, sav_row)
    state[0] = cur
    state[1] = best
    state[2] = kept
