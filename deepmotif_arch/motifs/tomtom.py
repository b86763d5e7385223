"""Tomtom motif comparison, as MEME Tomtom 5.5.8 computes it (Gupta et al., Genome Biol. 2007).

Tomtom asks, for every query motif, which target motifs it resembles and how
surprising the resemblance is. This module recomputes what the MEME suite's
``tomtom`` program reports, column for column, about 100 times faster. Against
MEME's own output on JASPAR 2016 CORE vertebrates (519 x 519, Pearson and
Euclidean with minimum overlaps 5 and 1, E < 0.1) it finds every pair MEME reports
and no other, with the same offsets, overlaps and orientations and p-, E- and
q-values equal to MEME's single-precision output (``tests/test_tomtom.py``).
:func:`tomtom`'s defaults are MEME's own (Euclidean distance, minimum overlap 1,
complete scores, both strands, pseudocount 0.1), which are also what the authors
ran: ``tomtom -evalue -thresh 0.1`` with no ``-dist`` and no ``-min-overlap``
(PAPER_FACTS section 5).

How a query is scored
---------------------
1. Every matrix is renormalized (rows off 1 by more than 1e-5) and given MEME's
   pseudocount: ``p' = (p n + 0.1 bg) / (n + 0.1)``, with ``n`` the motif's
   ``nsites`` as an integer (20 when unknown) and ``bg`` the query background
   made strand-symmetric. Each target is also used reverse complemented.
2. Every query column is scored against every column of every target strand:
   Pearson correlation of the two 4-vectors (``dist="pearson"``; 0 when either
   column is uniform) or minus their Euclidean distance (``dist="ed"``).
3. *Complete scores* (MEME's default; ``-incomplete-scores`` turns it off): each
   query column's scores are shifted so that their median over all target
   columns (the lower middle one of an even number) is 0. An unaligned query
   column then scores 0, so an alignment's score is a sum over *all* query
   columns, and leaving an informative column unaligned costs more than leaving
   a vague one unaligned.
4. The scores are quantized: ``offset = floor(min)`` and ``scale = floor(100 /
   (max - offset))`` over the query's whole score matrix, and a score ``s``
   becomes ``int((s - offset) * scale + 0.5)``, an integer in 0..100.
5. Null model: each query column's score is drawn independently and uniformly
   from its scores against all target columns. Convolving those integer
   histograms gives the exact distribution of the summed score of every
   contiguous run of query columns (MEME does the same sum, target column by
   target column; a histogram per column gives the same numbers much faster).
6. For each target strand, every offset with at least ``min_overlap`` aligned
   columns (capped at the shorter width) is scored; the highest score wins
   (ties: the larger overlap, then the leftmost offset).
7. Its p-value is that of the best score among *all* ``w_q + w_t - 1`` offsets
   of a query of width ``w_q`` and a target of width ``w_t``, both orientations
   counted: ``p = 1 - prod_a P(S_a < x)^2``, where each alignment ``a`` sums its
   aligned columns and scores its unaligned ones as 0. (MEME builds the
   distribution of that maximum by dynamic programming; the product is the same
   number, summed in logarithms when small so nothing cancels.) As MEME, the
   p-value is kept in single precision, which makes p-values within 6e-8 of 1
   tie at 1. With ``complete_scores=False``, the best offset is the one whose
   own p-value is smallest, corrected for the offsets tried: ``1 - (1 - p)^k``
   (``p k`` when below 0.001), ``k`` = 2 x number of offsets.
8. E-value = p-value x number of targets. q-value: per query, over the p-values
   of *every target strand* (2 x targets values, in MEME's order: p ascending,
   then larger overlap, then '+' strands, then target id), Benjamini-Hochberg
   scaled by Storey's estimate of the null share pi0 and made monotone. pi0 is
   chosen among 100 lambdas in (0, 0.5] by 100 bootstraps of 1000 p-values, as
   MEME's ``qvalue.c`` does, drawing from the same random stream (MT19937 as
   seeded by mtwist's default, 4357, continued from query to query), so the
   q-values agree with MEME's too.
9. A match is reported for the better orientation of each target whose E-value
   (``evalue=True``) or q-value is at most ``thresh``, best first.

Where the arithmetic differs from MEME's: MEME's Pearson rounds partial sums to
14 significant digits and divides by ``sqrt(|q|^2 |t|^2)``; here the dot product
is multiplied by precomputed reciprocal norms. The two differ around 1e-15,
which can only matter when a score lands exactly on a quantization boundary
(never, on the reference data). ``complete_scores=False``, ``internal`` and
``norc`` follow MEME's code but have no MEME reference output to test against.

The hot loops are numba kernels, compiled on first use (15-20 s on a 2-core
machine) and cached on disk (``cache=True``), so later processes load them in
about half a second. Queries, and their q-value bootstraps, run in parallel on
numba's threads (``NUMBA_NUM_THREADS``). The public functions validate and
convert their input, then call the kernels.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numba
import numpy as np

from deepmotif_arch.base.errors import InvalidMotifError, MotifFormatError
from deepmotif_arch.motifs.meme import Motif, as_motifs, consensus

__all__ = [
    "TomtomMatch",
    "TomtomScores",
    "tomtom",
    "tomtom_scores",
    "write_tomtom_tsv",
    "read_tomtom_tsv",
    "TSV_COLUMNS",
    "MEME_VERSION",
]

#: The MEME Tomtom version whose results this module reproduces.
MEME_VERSION = "5.5.8"

#: Column names of Tomtom's TSV output (and of :class:`TomtomMatch`, in order).
TSV_COLUMNS = ("Query_ID", "Target_ID", "Optimal_offset", "p-value", "E-value", "q-value",
               "Overlap", "Query_consensus", "Target_consensus", "Orientation")

_BINS = 100                 # integer range of one quantized column score (MEME's BINS)
_PSEUDO_SITES = 20          # sites assumed when a motif gives no nsites (MEME's default)
_NORMALIZE_TOLERANCE = 1e-5  # rows farther than this from summing to 1 are renormalized
_MEDIAN_BUCKETS = 4096      # buckets of the exact median selection (any number works)
_MAX_QUERY_WIDTH = 100      # MEME's limit too: memory grows with the cube of the width
# Storey's pi0 as MEME's qvalue.c estimates it.
_NUM_BOOTSTRAPS = 100
_BOOTSTRAP_SAMPLES = 1000     # a multiple of 4 (the tally loop takes 4 at a time)
_NUM_LAMBDA = 100
_MAX_LAMBDA = 0.5
_MIN_PVALUES_FOR_PI0 = 100   # fewer p-values than this: pi0 = 1
_DISTANCES = {"pearson": 0, "pearson_correlation": 0, "ed": 1, "euclidean": 1}


class TomtomMatch(NamedTuple):
    """One line of Tomtom's output: a query, a target and how they align.

    Attributes
    ----------
    query_id, target_id : str
    optimal_offset : int
        Offset of the query relative to the target in the best alignment
        (negative: the query starts left of the target), as MEME reports it.
    p_value, e_value, q_value : float
    overlap : int
        Number of aligned columns.
    query_consensus, target_consensus : str
        Consensus of the query, and of the target in the matched orientation.
    orientation : str
        ``"+"`` for the target as given, ``"-"`` for its reverse complement.
    """

    query_id: str
    target_id: str
    optimal_offset: int
    p_value: float
    e_value: float
    q_value: float
    overlap: int
    query_consensus: str
    target_consensus: str
    orientation: str


class TomtomScores(NamedTuple):
    """Every query-target comparison, as arrays (what :func:`tomtom_scores` returns).

    For each pair, the better orientation of the target (the one Tomtom would
    report). Shapes are ``(n_queries, n_targets)``.

    Attributes
    ----------
    query_ids : list of str, length n_queries
    target_ids : list of str, length n_targets
    p_value, e_value, q_value : numpy.ndarray of float64
    offset : numpy.ndarray of int64
        Optimal offset, as in :class:`TomtomMatch`.
    overlap : numpy.ndarray of int64
    orientation : numpy.ndarray of str (``"+"`` or ``"-"``)
    """

    query_ids: list
    target_ids: list
    p_value: np.ndarray
    e_value: np.ndarray
    q_value: np.ndarray
    offset: np.ndarray
    overlap: np.ndarray
    orientation: np.ndarray


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True)
def _score_row(qcol, tcolsT, tnorm, dist, row):
    """Scores of one query column against N target columns, into ``row``.

    ``tcolsT`` is (4, N). For Pearson it holds the centred target columns
    (p - 0.25) and ``tnorm`` their reciprocal norms (0 for a uniform column):
    r = sum (q - 1/4)(t - 1/4) / (|q - 1/4| |t - 1/4|), 0 when either norm is 0,
    as MEME defines it. For the Euclidean distance ``tcolsT`` holds the raw
    columns and the score is -sqrt(sum (q - t)^2).
    """
    n = tcolsT.shape[1]
    t0 = tcolsT[0]
    t1 = tcolsT[1]
    t2 = tcolsT[2]
    t3 = tcolsT[3]
    if dist == 0:
        a0 = qcol[0] - 0.25
        a1 = qcol[1] - 0.25
        a2 = qcol[2] - 0.25
        a3 = qcol[3] - 0.25
        qd = a0 * a0
        qd += a1 * a1
        qd += a2 * a2
        qd += a3 * a3
        qn = 1.0 / math.sqrt(qd) if qd > 0.0 else 0.0
        for j in range(n):
            num = a0 * t0[j]
            num += a1 * t1[j]
            num += a2 * t2[j]
            num += a3 * t3[j]
            row[j] = num * qn * tnorm[j]
    else:
        b0 = qcol[0]
        b1 = qcol[1]
        b2 = qcol[2]
        b3 = qcol[3]
        for j in range(n):
            d = (b0 - t0[j]) * (b0 - t0[j])
            d += (b1 - t1[j]) * (b1 - t1[j])
            d += (b2 - t2[j]) * (b2 - t2[j])
            d += (b3 - t3[j]) * (b3 - t3[j])
            row[j] = -math.sqrt(d)


@numba.njit(cache=True)
def _row_stats(row, k1, k2, lo_bound, hi_bound, want_ranks):
    """Exact minimum, maximum and k1-th / k2-th smallest (0-based) of ``row``.

    Values are put into buckets by a monotone index over [lo_bound, hi_bound]
    (values outside are clamped into the end buckets, which keeps the order);
    only the elements of the buckets that hold the wanted ranks and the
    extremes are looked at again.
    """
    n = row.shape[0]
    nb = _MEDIAN_BUCKETS
    top = nb - 1
    inv = nb / (hi_bound - lo_bound)
    bidx = np.empty(n, np.int32)
    for j in range(n):
        b = int((row[j] - lo_bound) * inv)
        b = b if b > 0 else 0
        bidx[j] = b if b < top else top
    counts = np.zeros(nb, np.int64)
    for j in range(n):
        counts[bidx[j]] += 1
    bmin = 0
    while counts[bmin] == 0:
        bmin += 1
    bmax = top
    while counts[bmax] == 0:
        bmax -= 1
    lo = np.inf
    hi = -np.inf
    for j in range(n):
        b = bidx[j]
        if b == bmin or b == bmax:
            x = row[j]
            if x < lo:
                lo = x
            if x > hi:
                hi = x
    if not want_ranks:
        return lo, hi, lo, lo
    seen = 0
    b1 = -1
    b2 = -1
    before = 0
    for b in range(nb):
        c = counts[b]
        if b1 < 0 and seen + c > k1:
            b1 = b
            before = seen
        if seen + c > k2:
            b2 = b
            break
        seen += c
    size = 0
    for b in range(b1, b2 + 1):
        size += counts[b]
    buf = np.empty(size)
    m = 0
    span = np.uint32(b2 - b1)
    for j in range(n):
        # one unsigned comparison tests b1 <= b <= b2 (and keeps the loop fast)
        if np.uint32(bidx[j] - b1) <= span:
            buf[m] = row[j]
            m += 1
    part = np.sort(buf)
    return lo, hi, part[k1 - before], part[k2 - before]


@numba.njit(cache=True)
def _convolve_into(cur, clo, chi, probs, hl, hh, new):
    """new[k + v] += cur[k] * probs[v] for k in [clo, chi], v in [hl, hh]."""
    for v in range(hl, hh + 1):
        pv = probs[v]
        if pv == 0.0:
            continue
        dst = new[clo + v:chi + v + 1]
        src = cur[clo:chi + 1]
        for k in range(src.shape[0]):
            dst[k] += src[k] * pv


@numba.njit(cache=True)
def _survival_tables(hist, lo_row, hi_row, n_total, w):
    """Survival functions of the summed score of every run of query columns.

    ``hist`` (w, BINS + 1) counts how often each quantized score occurs in each
    query column's row. For the run of columns s..e the table holds
    ``P(sum >= k)`` for k = 0 .. max possible sum, in one flat array; ``start``,
    ``lo`` and ``hi`` (indexed [s, e]) locate it and bound its support.
    """
    start = np.full((w, w), -1, np.int64)
    lo = np.zeros((w, w), np.int64)
    hi = np.zeros((w, w), np.int64)
    total = 0
    for s in range(w):
        a = 0
        b = 0
        for e in range(s, w):
            a += lo_row[e]
            b += hi_row[e]
            start[s, e] = total
            lo[s, e] = a
            hi[s, e] = b
            total += b + 1
    sf = np.empty(total, np.float64)
    top = 0
    for e in range(w):
        top += hi_row[e]
    cur = np.zeros(top + 1, np.float64)
    new = np.zeros(top + 1, np.float64)
    probs = np.zeros(hist.shape[1], np.float64)
    inv = 1.0 / n_total
    for s in range(w):
        cur[0] = 1.0
        clo = 0
        chi = 0
        for e in range(s, w):
            hl = lo_row[e]
            hh = hi_row[e]
            for v in range(hl, hh + 1):
                probs[v] = hist[e, v] * inv
            nlo = clo + hl
            nhi = chi + hh
            for k in range(nlo, nhi + 1):
                new[k] = 0.0
            _convolve_into(cur, clo, chi, probs, hl, hh, new)
            # survival P(sum >= k) for k = 0..nhi (MEME caps it at 1)
            base = start[s, e]
            acc = 0.0
            for k in range(nhi, nlo - 1, -1):
                acc += new[k]
                sf[base + k] = acc if acc < 1.0 else 1.0
            for k in range(0, nlo):
                sf[base + k] = 1.0
            for k in range(clo, chi + 1):
                cur[k] = 0.0
            for k in range(nlo, nhi + 1):
                cur[k] = new[k]
            clo = nlo
            chi = nhi
        for k in range(clo, chi + 1):
            cur[k] = 0.0
    return sf, start, lo, hi


@numba.njit(cache=True)
def _alignment_window(c, w, tl):
    """Query start column, target start column and overlap of configuration c.

    Configurations run from 1 (the query's last column over the target's first)
    to w + tl - 1 (the query's first column over the target's last), as in MEME;
    the reported offset is c - w.
    """
    if c <= w:
        qc = w - c
        tc = 0
    else:
        qc = 0
        tc = c - w
    ov = min(w - qc, tl - tc)
    return qc, tc, ov


@numba.njit(cache=True)
def _compare_one(qcols, tcolsT, tnorm, tstart, tlen, len_index, n_lengths, dist, complete,
                 min_overlap, internal, norient, scores, vals, out_p, out_off, out_ov):
    """Compare one query with every target strand; fills out_p / out_off / out_ov.

    ``scores`` (w, N) float and ``vals`` (w, N) int32 are scratch: the column
    scores, then their quantized values.
    """
    w = qcols.shape[0]
    n = tcolsT.shape[1]
    # 1. column scores; 2. (complete scores) each row's median, which becomes 0
    k1 = n // 2 - 1
    k2 = (n + 1) // 2 - 1
    if k1 < 0:
        k1 = 0
    if k2 < k1:
        k2 = k1
    if dist == 0:
        lo_bound = -1.0 - 1e-9
        hi_bound = 1.0 + 1e-9
    else:
        lo_bound = -1.5
        hi_bound = 1e-9
    med = np.zeros(w)
    small = np.inf
    large = -np.inf
    for i in range(w):
        row = scores[i]
        _score_row(qcols[i], tcolsT, tnorm, dist, row)
        lo, hi, m1, m2 = _row_stats(row, k1, k2, lo_bound, hi_bound, complete)
        if complete:
            med[i] = (m1 + m2) / 2.0
            # x -> x - med is monotone, so the extremes move with it exactly
            lo = lo - med[i]
            hi = hi - med[i]
        small = min(small, lo)
        large = max(large, hi)
    # 3. quantize: offset and scale as MEME's scale_score_matrix
    if large == small:
        small = large - 1.0
    offset = math.floor(small)
    scale = math.floor(_BINS / (large - offset))
    zshift = int(round(-offset * scale))  # what an unaligned column adds (an integer)
    hist = np.zeros((w, _BINS + 1), np.int64)
    lo_row = np.zeros(w, np.int64)
    hi_row = np.zeros(w, np.int64)
    tally = np.zeros((4, _BINS + 1), np.int64)
    n4 = n - n % 4
    for i in range(w):
        row = scores[i]
        mi = med[i]
        # MEME's rounding: (int)((x - offset) * scale + 0.5), x >= offset here
        vrow = vals[i]
        for j in range(n):
            vrow[j] = int(((row[j] - mi) - offset) * scale + 0.5)
        # four interleaved tallies: runs of equal values would serialize one counter
        tally[:] = 0
        for j in range(0, n4, 4):
            tally[0, vrow[j]] += 1
            tally[1, vrow[j + 1]] += 1
            tally[2, vrow[j + 2]] += 1
            tally[3, vrow[j + 3]] += 1
        for j in range(n4, n):
            tally[0, vrow[j]] += 1
        hrow = hist[i]
        vmin = _BINS
        vmax = 0
        for v in range(_BINS + 1):
            hrow[v] = tally[0, v] + tally[1, v] + tally[2, v] + tally[3, v]
            if hrow[v] > 0:
                vmin = min(vmin, v)
                vmax = v
        lo_row[i] = vmin
        hi_row[i] = vmax
    # 4. null distributions of every run of query columns
    sf, rstart, rlo, rhi = _survival_tables(hist, lo_row, hi_row, n, w)
    # 5. best alignment of each target strand
    n_targets = tstart.shape[0]
    best_x = np.zeros(n_targets, np.int64)
    for t in range(n_targets):
        c0 = tstart[t]
        tl = tlen[t]
        first = 1
        last = w + tl - 1
        if internal:
            first = min(w, tl)
            last = max(w, tl)
        elif min_overlap > 1:
            mo = min(min_overlap, w, tl)
            first = mo
            last = w + tl - mo
        best_key = np.inf
        best_ov = -1
        best_off = 0
        best_score = 0
        for c in range(first, last + 1):
            qc, tc, ov = _alignment_window(c, w, tl)
            total = 0
            for k in range(ov):
                total += vals[qc + k, c0 + tc + k]
            if complete:
                key = -float(total + (w - ov) * zshift)
            else:
                key = sf[rstart[qc, qc + ov - 1] + total]
            if key < best_key or (key == best_key and ov > best_ov):
                best_key = key
                best_ov = ov
                best_off = c - w
                best_score = total + (w - ov) * zshift
        out_off[t] = best_off
        out_ov[t] = best_ov
        if complete:
            best_x[t] = best_score
        else:
            n_tests = (last - first + 1) * norient
            pv = best_key
            if pv * n_tests < 0.001:
                out_p[t] = pv * n_tests
            else:
                out_p[t] = 1.0 - (1.0 - pv) ** n_tests
    if not complete:
        return
    # 6. p-value of the best complete score over all alignments of a target width:
    #    1 - prod_a P(S_a < x)^norient, each alignment's unaligned columns adding zshift
    cache = np.full((n_lengths, w * _BINS + 1), -1.0)
    for t in range(n_targets):
        tl = tlen[t]
        x = best_x[t]
        li = len_index[t]
        if cache[li, x] >= 0.0:
            out_p[t] = cache[li, x]
            continue
        prod = 1.0
        ssum = 0.0
        certain = False
        for c in range(1, w + tl):
            qc, tc, ov = _alignment_window(c, w, tl)
            e = qc + ov - 1
            j = x - (w - ov) * zshift
            if j <= rlo[qc, e]:
                certain = True
                break
            if j > rhi[qc, e]:
                continue
            s = sf[rstart[qc, e] + j]
            if s >= 1.0:
                certain = True
                break
            prod *= 1.0 - s
            ssum += s
        if certain:
            p = 1.0
        elif ssum < 1e-3:
            # small p-value: sum logarithms so that nothing cancels
            acc = 0.0
            for c in range(1, w + tl):
                qc, tc, ov = _alignment_window(c, w, tl)
                e = qc + ov - 1
                j = x - (w - ov) * zshift
                if j <= rhi[qc, e]:
                    acc += math.log1p(-sf[rstart[qc, e] + j])
            p = -math.expm1(norient * acc)
        else:
            p = 1.0 - prod ** norient
        cache[li, x] = p
        out_p[t] = p


@numba.njit(cache=True, parallel=True)
def _compare_all(qcols_all, qstart, qlen, tcolsT, tnorm, tstart, tlen, len_index, n_lengths,
                 dist, complete, min_overlap, internal, norient):
    """Every query against every target strand: p-values, offsets and overlaps (Q, T2).

    Queries are independent and run in parallel (numba threads; set
    ``NUMBA_NUM_THREADS`` to limit them).
    """
    nq = qstart.shape[0]
    nt = tstart.shape[0]
    n = tcolsT.shape[1]
    out_p = np.ones((nq, nt))
    out_off = np.zeros((nq, nt), np.int64)
    out_ov = np.zeros((nq, nt), np.int64)
    for q in numba.prange(nq):
        w = qlen[q]
        qcols = qcols_all[qstart[q]:qstart[q] + w]
        scores = np.empty((w, n))
        vals = np.empty((w, n), np.int32)
        _compare_one(qcols, tcolsT, tnorm, tstart, tlen, len_index, n_lengths, dist, complete,
                     min_overlap, internal, norient, scores, vals, out_p[q], out_off[q],
                     out_ov[q])
    return out_p, out_off, out_ov


# The bootstrap of MEME's pi0 estimate draws from the Mersenne Twister (MT19937) of
# Kuenning's mtwist library, never seeded by Tomtom, so it starts from mtwist's default:
# the original (1998) MT seeding of 4357. Each draw is a 64-bit double built from two
# consecutive 32-bit outputs.
_MT_N = 624
_MT_M = 397
_MT_DEFAULT_SEED = 4357


@numba.njit(cache=True)
def _mt_seed_old(seed):
    """MT19937 state filled by the original Knuth recurrence (x <- 69069 x mod 2^32)."""
    mt = np.empty(_MT_N, np.uint64)
    mt[0] = np.uint64(seed) & np.uint64(0xFFFFFFFF)
    for k in range(1, _MT_N):
        mt[k] = (np.uint64(69069) * mt[k - 1]) & np.uint64(0xFFFFFFFF)
    return mt


@numba.njit(cache=True)
def _mt_twist(mt):
    """Advance the MT19937 state by one block of 624 words."""
    upper = np.uint64(0x80000000)
    lower = np.uint64(0x7FFFFFFF)
    one = np.uint64(1)
    mag = np.uint64(0x9908B0DF)
    zero = np.uint64(0)
    for k in range(_MT_N - _MT_M):
        y = (mt[k] & upper) | (mt[k + 1] & lower)
        mt[k] = mt[k + _MT_M] ^ (y >> one) ^ (mag if (y & one) else zero)
    for k in range(_MT_N - _MT_M, _MT_N - 1):
        y = (mt[k] & upper) | (mt[k + 1] & lower)
        mt[k] = mt[k + _MT_M - _MT_N] ^ (y >> one) ^ (mag if (y & one) else zero)
    y = (mt[_MT_N - 1] & upper) | (mt[0] & lower)
    mt[_MT_N - 1] = mt[_MT_M - 1] ^ (y >> one) ^ (mag if (y & one) else zero)


@numba.njit(cache=True)
def _mt_temper(mt, out):
    """The 624 tempered 32-bit outputs of the current block, as floats (exact)."""
    for k in range(_MT_N):
        y = mt[k]
        y ^= y >> np.uint64(11)
        y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
        y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
        y ^= y >> np.uint64(18)
        out[k] = float(np.int64(y & np.uint64(0xFFFFFFFF)))


@numba.njit(cache=True)
def _mt_block(mt, out):
    """Advance the MT19937 state by one block and write its 624 outputs to ``out``."""
    _mt_twist(mt)
    _mt_temper(mt, out)


@numba.njit(cache=True)
def _mt_checkpoints(mt_seed, n_rows, outputs_per_row):
    """Generator state (block and position in it) where each row's draws start.

    MEME draws for its queries one after another from one stream; recording
    where each query starts lets the queries then be processed in parallel.
    """
    mt = _mt_seed_old(mt_seed)
    states = np.empty((n_rows, _MT_N), np.uint64)
    positions = np.empty(n_rows, np.int64)
    pos = _MT_N
    for q in range(n_rows):
        states[q] = mt
        positions[q] = pos
        remaining = outputs_per_row
        while remaining > 0:
            if pos >= _MT_N:
                _mt_twist(mt)
                pos = 0
            take = min(_MT_N - pos, remaining)
            pos += take
            remaining -= take
    return states, positions


@numba.njit(cache=True)
def _pi0(p, mt, pos, lambdas):
    """Storey's pi0 of ascending p-values as MEME's qvalue.c estimates it.

    The lambda whose pi0 estimate has the smallest bootstrap mean squared error
    against the smallest estimate wins; the bootstrap draws come from the
    MT19937 block ``mt`` (modified), starting at output ``pos``.
    """
    m = p.shape[0]
    nl = lambdas.shape[0]
    level = np.empty(m, np.int64)  # how many lambdas each p-value reaches
    pi0_lambda = np.empty(nl)
    k = 0
    for i in range(nl):
        while k < m and p[k] < lambdas[i]:
            level[k] = i
            k += 1
        est = (m - k) / ((1.0 - lambdas[i]) * m)
        pi0_lambda[i] = est if est != 0.0 else np.inf
    while k < m:
        level[k] = nl
        k += 1
    min_pi0 = np.min(pi0_lambda)
    block = np.empty(_MT_N)
    if pos < _MT_N:
        _mt_temper(mt, block)
    n_draws = _NUM_BOOTSTRAPS * _BOOTSTRAP_SAMPLES
    draws = np.empty(n_draws, np.int64)
    # Every draw takes two 32-bit outputs (high word first). The stream position
    # stays even, so a pair never straddles two blocks.
    d = 0
    while d < n_draws:
        if pos >= _MT_N:
            _mt_block(mt, block)
            pos = 0
        take = min((_MT_N - pos) // 2, n_draws - d)
        for t in range(take):
            hi = block[pos + 2 * t]
            lo = block[pos + 2 * t + 1]
            # (hi 2^32 + lo) rounded once to double, as converting the 64-bit
            # word does, then scaled to [0, 1)
            u = (hi * 4294967296.0 + lo) * (2.0 ** -64)
            idx = int(u * m)
            draws[d + t] = level[idx if idx < m else m - 1]
        pos += 2 * take
        d += take
    mse = np.zeros(nl)
    tally = np.empty((4, nl + 1), np.int64)
    for b in range(_NUM_BOOTSTRAPS):
        # four interleaved tallies, so that runs of equal levels do not serialize
        tally[:] = 0
        first = b * _BOOTSTRAP_SAMPLES
        for t in range(0, _BOOTSTRAP_SAMPLES, 4):
            tally[0, draws[first + t]] += 1
            tally[1, draws[first + t + 1]] += 1
            tally[2, draws[first + t + 2]] += 1
            tally[3, draws[first + t + 3]] += 1
        # the draws whose p-value is >= lambda_i are those of level > i
        above = 0
        for i in range(nl - 1, -1, -1):
            j = i + 1
            above += tally[0, j] + tally[1, j] + tally[2, j] + tally[3, j]
            est = above / ((1.0 - lambdas[i]) * _BOOTSTRAP_SAMPLES)
            if est == 0.0:
                est = np.inf
            err = est - min_pi0
            mse[i] += err * err
    best = 0
    for i in range(1, nl):
        if mse[i] < mse[best]:
            best = i
    return min(max(pi0_lambda[best], 0.0), 1.0)


@numba.njit(cache=True, parallel=True)
def _qvalues(sorted_p, mt_seed, use_pi0):
    """q-values of each row of ascending p-values (MEME's compute_qvalues with pi0).

    Row q's bootstrap continues the random stream where row q - 1's left off, as
    MEME's queries do. Returns (q-values in the same sorted order, pi0 per row).
    """
    nq, m = sorted_p.shape
    out = np.empty((nq, m))
    pi0s = np.ones(nq)
    lambdas = np.empty(_NUM_LAMBDA)
    for i in range(_NUM_LAMBDA):
        lambdas[i] = (float(i + 1) / float(_NUM_LAMBDA)) * _MAX_LAMBDA
    estimate = use_pi0 and m > _MIN_PVALUES_FOR_PI0
    per_row = 2 * _NUM_BOOTSTRAPS * _BOOTSTRAP_SAMPLES if estimate else 0
    states, positions = _mt_checkpoints(mt_seed, nq, per_row)
    for q in numba.prange(nq):
        p = sorted_p[q]
        pi0 = 1.0
        if estimate:
            pi0 = _pi0(p, states[q].copy(), positions[q], lambdas)
        pi0s[q] = pi0
        row = out[q]
        for i in range(m):
            fdr = (pi0 * p[i] * m) / (i + 1)
            row[i] = fdr if fdr < 1.0 else 1.0
        for i in range(m - 2, -1, -1):
            if row[i + 1] < row[i]:
                row[i] = row[i + 1]
    return out, pi0s


# --------------------------------------------------------------------------- input


def _coerce(motifs, what: str) -> list[Motif]:
    """Motifs from any accepted form, checked; later motifs repeating an id are dropped."""
    items = as_motifs(motifs, prefix="query" if what == "queries" else "target")
    if not items:
        raise InvalidMotifError(f"no {what} given; expected at least one motif.")
    for m in items:
        if m.width == 0:
            raise InvalidMotifError(
                f"motif {m.id} among the {what} has no columns; drop empty (fully "
                "uninformative) motifs before comparing them."
            )
        if np.any(m.matrix.sum(axis=1) <= 0):
            raise InvalidMotifError(f"motif {m.id} has a row of zeros; expected probabilities.")
    seen: set[str] = set()
    unique = []
    for m in items:
        if m.id not in seen:
            seen.add(m.id)
            unique.append(m)
    if len(unique) < len(items):
        warnings.warn(
            f"{len(items) - len(unique)} of the {what} repeat an earlier motif's id and were "
            "left out, as MEME does; give every motif its own id to compare them all.",
            stacklevel=3,
        )
    return unique


def _prepare(motifs: list[Motif], bg: np.ndarray, pseudo: float) -> list[np.ndarray]:
    """Renormalize and add MEME's pseudocount; returns one (width, 4) matrix per motif."""
    out = []
    for m in motifs:
        mat = np.array(m.matrix, dtype=np.float64)
        sums = mat.sum(axis=1, keepdims=True)
        off = np.abs(sums - 1.0) > _NORMALIZE_TOLERANCE
        if off.any():
            mat = np.where(off, mat / sums, mat)
        if pseudo > 0:
            sites = int(m.nsites) if (m.nsites is not None and m.nsites > 0) else _PSEUDO_SITES
            mat = (mat * sites + pseudo * bg) / (sites + pseudo)
        out.append(np.ascontiguousarray(mat))
    return out


def _symmetric_background(queries: list[Motif], background) -> np.ndarray:
    bg = np.array(queries[0].background if background is None else background, dtype=np.float64)
    if bg.shape != (4,) or not np.all(np.isfinite(bg)) or np.any(bg < 0) or bg.sum() <= 0:
        raise InvalidMotifError(
            f"background is {background!r}; expected 4 non-negative frequencies (A, C, G, T)."
        )
    bg = bg / bg.sum()
    at = (bg[0] + bg[3]) / 2
    cg = (bg[1] + bg[2]) / 2
    return np.array([at, cg, cg, at])


def _check_options(dist, min_overlap, thresh, motif_pseudo) -> int:
    key = str(dist).lower()
    if key not in _DISTANCES:
        raise InvalidMotifError(
            f"unknown distance {dist!r}; expected 'ed' (Euclidean, MEME's default) or "
            "'pearson'."
        )
    if isinstance(min_overlap, bool) or not isinstance(min_overlap, (int, np.integer)) \
            or min_overlap < 0:
        raise InvalidMotifError(f"min_overlap is {min_overlap!r}; expected an integer >= 0.")
    if thresh is not None and (not isinstance(thresh, (int, float, np.floating, np.integer))
                               or not thresh >= 0):
        raise InvalidMotifError(f"thresh is {thresh!r}; expected a number >= 0 or None.")
    if not isinstance(motif_pseudo, (int, float, np.floating, np.integer)) \
            or not motif_pseudo >= 0:
        raise InvalidMotifError(f"motif_pseudo is {motif_pseudo!r}; expected a number >= 0.")
    return _DISTANCES[key]


def _default_targets() -> list[Motif]:
    from deepmotif_arch.motifs.jaspar import load_jaspar

    return load_jaspar()


class _Run(NamedTuple):
    queries: list
    targets: list
    qmats: list
    tmats: list        # per target strand (2 per target when rc)
    p: np.ndarray      # (Q, T2)
    off: np.ndarray
    ov: np.ndarray
    q: np.ndarray      # (Q, T2) q-values
    order: np.ndarray  # (Q, T2) strand indices sorted best first
    norient: int
    n_targets: int


def _run(queries, targets, dist, min_overlap, complete_scores, norc, internal, motif_pseudo,
         background, qvalue_seed) -> _Run:
    dist_code = _check_options(dist, min_overlap, None, motif_pseudo)
    qs = _coerce(queries, "queries")
    too_wide = [m.id for m in qs if m.width > _MAX_QUERY_WIDTH]
    if too_wide:
        raise InvalidMotifError(
            f"query {too_wide[0]} is wider than {_MAX_QUERY_WIDTH} columns (MEME's limit too: "
            "memory grows with the cube of the width); clip it with clip_motif first."
        )
    ts = _coerce(_default_targets() if targets is None else targets, "targets")
    bg = _symmetric_background(qs, background)
    qmats = _prepare(qs, bg, float(motif_pseudo))
    base = _prepare(ts, bg, float(motif_pseudo))
    norient = 1 if norc else 2
    tmats = []
    for mat in base:
        tmats.append(mat)
        if norient == 2:
            tmats.append(np.ascontiguousarray(mat[::-1, ::-1]))
    tlen = np.array([m.shape[0] for m in tmats], dtype=np.int64)
    tstart = np.concatenate([[0], np.cumsum(tlen)[:-1]]).astype(np.int64)
    tcols = np.concatenate(tmats)
    if dist_code == 0:
        centred = tcols - 0.25
        sq = np.zeros(len(centred))
        for k in range(4):
            sq += centred[:, k] * centred[:, k]
        tnorm = np.divide(1.0, np.sqrt(sq), out=np.zeros_like(sq), where=sq > 0)
        tcolsT = np.ascontiguousarray(centred.T)
    else:
        tnorm = np.zeros(len(tcols))
        tcolsT = np.ascontiguousarray(tcols.T)
    lengths, len_index = np.unique(tlen, return_inverse=True)
    qlen = np.array([m.shape[0] for m in qmats], dtype=np.int64)
    qstart = np.concatenate([[0], np.cumsum(qlen)[:-1]]).astype(np.int64)
    qcols = np.ascontiguousarray(np.concatenate(qmats))
    p, off, ov = _compare_all(qcols, qstart, qlen, tcolsT, tnorm, tstart, tlen,
                              len_index.astype(np.int64), len(lengths), dist_code,
                              bool(complete_scores), int(min_overlap), bool(internal), norient)
    if complete_scores:
        # MEME keeps complete-score p-values in single precision; near 1 that makes
        # ties, which it breaks by overlap and strand (below), so round the same way.
        p = p.astype(np.float32).astype(np.float64)
    # Sort each query's matches as MEME does: p ascending, overlap descending, then
    # '+' strands before '-' strands, then target id.
    ids = [m.id for m in ts]
    strand = np.tile(np.arange(norient), len(ts))
    tid = np.repeat(np.arange(len(ts)), norient)
    id_rank = np.empty(len(ts), dtype=np.int64)
    id_rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(len(ts))
    tie = strand * len(ts) + id_rank[tid]
    order = np.empty(p.shape, dtype=np.int64)
    for i in range(p.shape[0]):
        order[i] = np.lexsort((tie, -ov[i], p[i]))
    sorted_p = np.take_along_axis(p, order, axis=1)
    q_sorted, _ = _qvalues(np.ascontiguousarray(sorted_p), qvalue_seed, True)
    q = np.empty_like(p)
    np.put_along_axis(q, order, q_sorted, axis=1)
    return _Run(qs, ts, qmats, tmats, p, off, ov, q, order, norient, len(ts))


# --------------------------------------------------------------------------- public API


def tomtom(queries, targets=None, *, dist: str = "ed", min_overlap: int = 1,
           evalue: bool = True, thresh: float | None = 0.1, complete_scores: bool = True,
           norc: bool = False, internal: bool = False, motif_pseudo: float = 0.1,
           background=None) -> list[TomtomMatch]:
    """Compare query motifs with target motifs as MEME Tomtom 5.5.8 does.

    Parameters
    ----------
    queries : Motif, sequence of Motif or arrays, array of shape (n, width, 4), or path
        The motifs to look up, e.g. first-layer filters turned into probability
        matrices (columns A, C, G, T; rows summing to 1) and clipped with
        :func:`~deepmotif_arch.motifs.meme.clip_motif`. Bare matrices are named
        ``query0``, ``query1`` ... A path is read with
        :func:`~deepmotif_arch.motifs.meme.read_meme`.
    targets : same forms as ``queries``, optional
        The database; default JASPAR 2016 CORE vertebrates (519 motifs, from
        :func:`~deepmotif_arch.motifs.jaspar.load_jaspar`), as in the paper. MEME warns
        that p-values need at least 50 targets to be accurate.
    dist : {"ed", "pearson"}, default "ed"
        Column similarity: minus the Euclidean distance (``-dist ed``, MEME's
        default and the one the authors' Tomtom runs used; ``"euclidean"`` is
        accepted too) or Pearson correlation (``-dist pearson``).
    min_overlap : int, default 1
        Fewest aligned columns an alignment may have (capped at the shorter
        motif's width), as ``-min-overlap``; 1 is MEME's default.
    evalue : bool, default True
        Threshold on the E-value (``-evalue``); ``False`` thresholds on the q-value.
    thresh : float or None, default 0.1
        Report matches whose E-value (or q-value) is at most this; ``None``
        reports every target for every query.
    complete_scores : bool, default True
        MEME's default; ``False`` is ``-incomplete-scores`` (see the module notes).
    norc : bool, default False
        Do not compare with the targets' reverse complements (``-norc``).
    internal : bool, default False
        Only allow alignments where one motif lies wholly inside the other
        (``-internal``).
    motif_pseudo : float, default 0.1
        Pseudocount added to every motif (``-motif-pseudo``).
    background : array_like of shape (4,), optional
        Letter frequencies for the pseudocount; default the first query's (uniform
        for bare matrices), made strand-symmetric as MEME does.

    Returns
    -------
    list of TomtomMatch
        For each query in order, its matches best first (ascending p-value,
        then larger overlap), one per target (the better orientation), the
        columns of MEME's ``tomtom.tsv``. ``pandas.DataFrame(matches)`` makes a
        table of it; :func:`write_tomtom_tsv` writes MEME's TSV.

    Raises
    ------
    InvalidMotifError
        For unusable motifs (bad shape, negative values, empty, a query wider
        than 100 columns) or options.
    MotifFormatError
        If a path given as queries or targets is not a MEME motif file.

    Warns
    -----
    UserWarning
        When motifs repeat an earlier motif's id; as MEME, only the first is kept.

    Notes
    -----
    As in MEME, a query's p-values depend on the whole target set (its columns
    are the null model), and its q-values on its position among the queries
    (one random stream runs through all of them, for the pi0 bootstrap). The
    numbers are MEME's for the same files and options; a query compared in a
    different batch gets the same p- and E-values but may get q-values that
    differ in the third digit.

    Examples
    --------
    >>> from deepmotif_arch.motifs.meme import read_meme
    >>> hits = tomtom(read_meme("ground_truth_12.meme"))     # doctest: +SKIP
    >>> hits[0].target_id, hits[0].orientation                # doctest: +SKIP
    ('MA0052.3', '+')
    """
    _check_options(dist, min_overlap, thresh, motif_pseudo)
    run = _run(queries, targets, dist, min_overlap, complete_scores, norc, internal,
               motif_pseudo, background, _QVALUE_SEED)
    return _matches(run, evalue, thresh)


def _consensi(mats: list[np.ndarray]) -> list[str]:
    """Consensus of each matrix, computed in one pass over all their rows."""
    letters = consensus(np.concatenate(mats))
    ends = np.cumsum([m.shape[0] for m in mats])
    return [letters[e - m.shape[0]:e] for e, m in zip(ends, mats)]


def _matches(run: _Run, evalue: bool, thresh: float | None) -> list[TomtomMatch]:
    out: list[TomtomMatch] = []
    q_cons = _consensi(run.qmats)
    t_cons = _consensi(run.tmats)
    for qi, query in enumerate(run.queries):
        seen = set()
        for t2 in run.order[qi]:
            p = float(run.p[qi, t2])
            e = p * run.n_targets
            qv = float(run.q[qi, t2])
            if thresh is not None and (e if evalue else qv) > thresh:
                break
            target = t2 // run.norient
            if target in seen:
                continue
            seen.add(target)
            out.append(TomtomMatch(
                query_id=query.id,
                target_id=run.targets[target].id,
                optimal_offset=int(run.off[qi, t2]),
                p_value=p,
                e_value=e,
                q_value=qv,
                overlap=int(run.ov[qi, t2]),
                query_consensus=q_cons[qi],
                target_consensus=t_cons[t2],
                orientation="+" if t2 % run.norient == 0 else "-",
            ))
    return out


def tomtom_scores(queries, targets=None, *, dist: str = "ed", min_overlap: int = 1,
                  complete_scores: bool = True, norc: bool = False, internal: bool = False,
                  motif_pseudo: float = 0.1, background=None) -> TomtomScores:
    """Every query-target comparison as arrays (no threshold).

    Same parameters as :func:`tomtom`, without the threshold. Useful for
    questions like "which filters match anything at E < 0.1":
    ``(tomtom_scores(filters).e_value < 0.1).any(axis=1)``.

    Returns
    -------
    TomtomScores
        Arrays of shape ``(n_queries, n_targets)``, each pair in the orientation
        Tomtom would report (the better one).
    """
    run = _run(queries, targets, dist, min_overlap, complete_scores, norc, internal,
               motif_pseudo, background, _QVALUE_SEED)
    nq, nt, k = len(run.queries), run.n_targets, run.norient
    # rank of each strand in its query's sorted order; the better strand ranks first
    rank = np.empty_like(run.order)
    np.put_along_axis(rank, run.order, np.arange(run.order.shape[1])[None, :].repeat(nq, 0),
                      axis=1)
    best = np.argmin(rank.reshape(nq, nt, k), axis=2)
    cols = np.arange(nt)[None, :] * k + best
    take = lambda a: np.take_along_axis(a, cols, axis=1)  # noqa: E731
    p = take(run.p)
    return TomtomScores(
        query_ids=[m.id for m in run.queries],
        target_ids=[m.id for m in run.targets],
        p_value=p,
        e_value=p * nt,
        q_value=take(run.q),
        offset=take(run.off),
        overlap=take(run.ov),
        orientation=np.where(best == 0, "+", "-"),
    )


# Seed of the bootstrap stream: mtwist's default when never seeded (see _mt_seed_old).
_QVALUE_SEED = _MT_DEFAULT_SEED


# --------------------------------------------------------------------------- TSV


def write_tomtom_tsv(matches: Iterable[TomtomMatch], path, *, comment: str | None = None
                     ) -> Path:
    """Write matches as MEME's ``tomtom.tsv`` (same header, columns and number format).

    Parameters
    ----------
    matches : iterable of TomtomMatch
    path : str or os.PathLike
    comment : str, optional
        Text for a trailing ``#`` line (MEME writes its version and command there).

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    with open(out, "w") as fh:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for m in matches:
            fh.write(f"{m.query_id}\t{m.target_id}\t{m.optimal_offset:d}\t{m.p_value:g}\t"
                     f"{m.e_value:g}\t{m.q_value:g}\t{m.overlap:d}\t{m.query_consensus}\t"
                     f"{m.target_consensus}\t{m.orientation}\n")
        fh.write(f"\n# deepmotif-arch tomtom (after MEME Tomtom {MEME_VERSION})\n")
        if comment:
            for line in str(comment).splitlines():
                fh.write(f"# {line}\n")
    return out


def read_tomtom_tsv(path) -> list[TomtomMatch]:
    """Read a Tomtom TSV (MEME's ``tomtom.tsv`` or :func:`write_tomtom_tsv`'s).

    Returns
    -------
    list of TomtomMatch
        In file order; comment (``#``) and blank lines are skipped.

    Raises
    ------
    MotifFormatError
        If the header or a row does not have Tomtom's 10 columns.
    """
    source = os.fspath(path)
    out = []
    with open(source) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if tuple(header) != TSV_COLUMNS:
            raise MotifFormatError(
                f"line 1 of {source}: expected Tomtom's header ({' '.join(TSV_COLUMNS)}).",
                source=source, line=1)
        for n, line in enumerate(fh, start=2):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            f = line.split("\t")
            try:
                if len(f) != 10:
                    raise ValueError
                out.append(TomtomMatch(f[0], f[1], int(f[2]), float(f[3]), float(f[4]),
                                       float(f[5]), int(f[6]), f[7], f[8], f[9]))
            except ValueError:
                raise MotifFormatError(
                    f"line {n} of {source}: expected 10 tab-separated Tomtom columns.",
                    source=source, line=n) from None
    return out
