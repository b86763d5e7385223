"""Tomtom against MEME Tomtom 5.5.8's own output on JASPAR 2016, and against memelite.

The reference files (PAPER_FACTS section 6, copied into ``tests/data/reference/`` so that
a plain clone runs every comparison) are MEME's ``tomtom.tsv`` for JASPAR 2016 CORE
vertebrates against itself (Pearson with min overlap 5; Euclidean with min overlap 5 and
with MEME's default 1; E < 0.1) and for the 12 ground-truth motifs against it (every
p-value).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch.base.errors import InvalidMotifError, MotifFormatError
from deepmotif_arch.motifs.meme import Motif, read_meme, reverse_complement
from deepmotif_arch.motifs.tomtom import (
    TSV_COLUMNS,
    TomtomMatch,
    read_tomtom_tsv,
    tomtom,
    tomtom_scores,
    write_tomtom_tsv,
)

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
TOMTOM_DIR = REFERENCE / "tomtom"
JASPAR_MEME = REFERENCE / "JASPAR_CORE_2016_vertebrates.meme"



@pytest.fixture(scope="module")
def jaspar():
    return read_meme(JASPAR_MEME)


@pytest.fixture(scope="module")
def ground_truth():
    return read_meme(REFERENCE / "ground_truth_12.meme")


def _by_pair(matches):
    return {(m.query_id, m.target_id): m for m in matches}


def _log10(p):
    return math.log10(max(p, 1e-300))


# --------------------------------------------------------------------------- MEME outputs


@pytest.fixture(scope="module")
def ground_truth_run(jaspar, ground_truth):
    return tomtom(ground_truth, jaspar, dist="pearson", min_overlap=5, thresh=None)


def test_ground_truth_every_pvalue_matches_meme(ground_truth_run):
    meme = _by_pair(read_tomtom_tsv(
        TOMTOM_DIR / "ground_truth12_vs_jaspar2016.pearson.all_pvalues.tsv"))
    ours = _by_pair(ground_truth_run)
    assert len(meme) == 6228 and set(ours) == set(meme)
    small = [k for k in meme if meme[k].p_value < 0.01]
    assert len(small) > 150
    worst = max(abs(_log10(ours[k].p_value) - _log10(meme[k].p_value)) for k in small)
    assert worst <= 0.05, f"max |delta log10 p| = {worst:.3g} for p < 0.01"
    # every p-value, not only the small ones, is MEME's to single precision
    everything = max(abs(_log10(ours[k].p_value) - _log10(meme[k].p_value)) for k in meme)
    assert everything < 1e-4
    for k in meme:
        assert ours[k].e_value == pytest.approx(meme[k].e_value, rel=1e-4, abs=1e-300)


def test_ground_truth_alignments_match_meme(ground_truth_run):
    meme = _by_pair(read_tomtom_tsv(
        TOMTOM_DIR / "ground_truth12_vs_jaspar2016.pearson.all_pvalues.tsv"))
    ours = _by_pair(ground_truth_run)

    def alignment(m):
        return (m.optimal_offset, m.overlap, m.orientation, m.query_consensus,
                m.target_consensus)

    differ = [k for k in meme if alignment(ours[k]) != alignment(meme[k])]
    significant = [k for k in differ if meme[k].p_value < 0.01]
    assert significant == []
    assert len(differ) <= 6, differ[:5]  # 0 measured; ties at p = 1 may flip elsewhere


def test_ground_truth_qvalues_match_meme(ground_truth_run):
    meme = _by_pair(read_tomtom_tsv(
        TOMTOM_DIR / "ground_truth12_vs_jaspar2016.pearson.all_pvalues.tsv"))
    ours = _by_pair(ground_truth_run)
    rel = [abs(ours[k].q_value / meme[k].q_value - 1) for k in meme]
    assert max(rel) < 1e-4


def test_ground_truth_rows_in_meme_order(ground_truth_run):
    meme = read_tomtom_tsv(TOMTOM_DIR / "ground_truth12_vs_jaspar2016.pearson.all_pvalues.tsv")
    assert [(m.query_id, m.target_id) for m in ground_truth_run] == \
        [(m.query_id, m.target_id) for m in meme]


@pytest.mark.parametrize("dist,min_overlap,name", [
    ("pearson", 5, "pearson"), ("ed", 5, "euclidean"),
    ("ed", 1, "euclidean.min-overlap1"),  # MEME's defaults, the authors' setting
])
def test_jaspar_all_vs_all_evalue_pairs_match_meme(jaspar, dist, min_overlap, name):
    meme = _by_pair(read_tomtom_tsv(TOMTOM_DIR / f"jaspar2016_all_vs_all.{name}.evalue0.1.tsv"))
    ours = _by_pair(tomtom(jaspar, jaspar, dist=dist, min_overlap=min_overlap, evalue=True,
                           thresh=0.1))
    found = len(set(meme) & set(ours))
    extra = len(set(ours) - set(meme))
    assert found >= 0.99 * len(meme), f"found {found} of {len(meme)}"
    assert extra <= 0.01 * len(meme), f"{extra} pairs MEME does not report"
    common = set(meme) & set(ours)
    worst = max(abs(_log10(ours[k].p_value) - _log10(meme[k].p_value)) for k in common)
    assert worst < 0.05
    same = sum((ours[k].optimal_offset, ours[k].overlap, ours[k].orientation)
               == (meme[k].optimal_offset, meme[k].overlap, meme[k].orientation)
               for k in common)
    assert same >= 0.999 * len(common)
    q_ok = sum(abs(ours[k].q_value / meme[k].q_value - 1) < 1e-3 for k in common
               if meme[k].q_value > 0)
    assert q_ok >= 0.999 * sum(meme[k].q_value > 0 for k in common)


# --------------------------------------------------------------------------- memelite


@pytest.mark.slow  # memelite compiles its kernels first: `make test-slow`
def test_euclidean_agrees_with_memelite(jaspar, ground_truth):
    memelite = pytest.importorskip("memelite")
    p_lite = memelite.tomtom([m.matrix.T.copy() for m in ground_truth],
                             [m.matrix.T.copy() for m in jaspar])[0]
    scores = tomtom_scores(ground_truth, jaspar, dist="ed")
    assert scores.p_value.shape == p_lite.shape == (12, 519)
    ours = scores.e_value < 0.1
    lite = p_lite * len(jaspar) < 0.1
    both = np.sum(ours & lite)
    assert both >= 0.95 * lite.sum() and both >= 0.95 * ours.sum()
    # memelite approximates medians and merges similar target columns, and applies
    # no pseudocount: its p-values follow ours closely where they are small
    small = (scores.p_value < 1e-3) & (p_lite < 1e-3)
    delta = np.abs(np.log10(np.maximum(scores.p_value[small], 1e-300))
                   - np.log10(np.maximum(p_lite[small], 1e-300)))
    assert np.median(delta) < 0.25


@pytest.mark.slow
@pytest.mark.slow
def test_euclidean_all_vs_all_agrees_with_memelite_as_meme_does(jaspar):
    memelite = pytest.importorskip("memelite")
    matrices = [m.matrix.T.copy() for m in jaspar]
    p_lite = memelite.tomtom(matrices, matrices)[0]
    ids = [m.id for m in jaspar]
    lite = {(ids[i], ids[j]) for i, j in zip(*np.nonzero(p_lite * len(ids) < 0.1))}
    ours = set(_by_pair(tomtom(jaspar, jaspar, dist="ed")))
    meme = set(_by_pair(read_tomtom_tsv(
        TOMTOM_DIR / "jaspar2016_all_vs_all.euclidean.evalue0.1.tsv")))
    # PAPER_FACTS: memelite's pairs agree with MEME's on 8,448 of 8,479
    assert len(lite & ours) == len(lite & meme)
    assert len(lite & ours) >= 0.99 * len(meme)


# --------------------------------------------------------------------------- behaviour


def test_self_match_is_best_and_exact(jaspar):
    query = jaspar[10]
    (best, *_) = tomtom([query], jaspar)
    assert best.target_id == query.id
    assert (best.optimal_offset, best.overlap, best.orientation) == (0, query.width, "+")
    rc = Motif(id="rc", matrix=reverse_complement(query.matrix), nsites=query.nsites)
    (best_rc, *_) = tomtom([rc], jaspar)
    assert best_rc.target_id == query.id and best_rc.orientation == "-"
    assert best_rc.p_value == pytest.approx(best.p_value, rel=1e-6)


def test_accepts_arrays_and_names_them(jaspar):
    arrays = np.stack([jaspar[0].matrix, jaspar[0].matrix])
    hits = tomtom(arrays, jaspar)
    assert {h.query_id for h in hits} == {"query0", "query1"}
    one = tomtom(jaspar[0].matrix, jaspar)
    assert [h.target_id for h in one] == [h.target_id for h in hits if h.query_id == "query0"]


def test_thresholds_and_orderings(jaspar, ground_truth):
    everything = tomtom(ground_truth[:2], jaspar, thresh=None)
    assert len(everything) == 2 * 519
    for q in ("MA0052.3", "MA0058.3"):
        rows = [m for m in everything if m.query_id == q]
        assert [m.p_value for m in rows] == sorted(m.p_value for m in rows)
        assert len({m.target_id for m in rows}) == 519
    e01 = tomtom(ground_truth[:2], jaspar, thresh=0.1)
    assert e01 == [m for m in everything if m.e_value <= 0.1]
    q05 = tomtom(ground_truth[:2], jaspar, evalue=False, thresh=0.05)
    assert q05 == [m for m in everything if m.q_value <= 0.05]
    for m in everything:
        assert m.e_value == pytest.approx(m.p_value * 519)
        assert m.q_value >= 0 and m.p_value <= 1


def test_scores_arrays_agree_with_table(jaspar, ground_truth):
    table = _by_pair(tomtom(ground_truth, jaspar, thresh=None))
    s = tomtom_scores(ground_truth, jaspar)
    assert s.p_value.shape == (12, 519) and s.offset.dtype.kind == "i"
    for i, q in enumerate(s.query_ids):
        for j in (0, 17, 200, 518):
            m = table[(q, s.target_ids[j])]
            assert (s.p_value[i, j], s.e_value[i, j], s.q_value[i, j]) == \
                (m.p_value, m.e_value, m.q_value)
            assert (s.offset[i, j], s.overlap[i, j], s.orientation[i, j]) == \
                (m.optimal_offset, m.overlap, m.orientation)


def test_options_change_results_sensibly(jaspar, ground_truth):
    query = ground_truth[0]
    norc = tomtom([query], jaspar, norc=True, thresh=None)
    assert {m.orientation for m in norc} == {"+"}
    internal = tomtom([query], jaspar, internal=True, thresh=None)
    widths = {m.id: m.width for m in jaspar}
    for m in internal:
        assert m.overlap == min(query.width, widths[m.target_id])
    incomplete = tomtom([query], jaspar, complete_scores=False)
    assert incomplete[0].target_id == query.id and incomplete[0].optimal_offset == 0
    overlap1 = tomtom([query], jaspar, min_overlap=1, thresh=None)
    assert min(m.overlap for m in overlap1) >= 1


def test_default_targets_are_jaspar2016(ground_truth):
    pytest.importorskip("pyjaspar")
    hits = tomtom(ground_truth[:1])
    assert hits[0].target_id == ground_truth[0].id


def test_invalid_input_raises(jaspar):
    good = jaspar[0].matrix
    for bad in (np.zeros((0, 4)), np.full((3, 5), 0.2), np.array([[1.5, -0.5, 0, 0]])):
        with pytest.raises(InvalidMotifError):
            tomtom([bad], jaspar)
    with pytest.raises(InvalidMotifError, match="row of zeros"):
        tomtom([np.zeros((3, 4))], jaspar)
    with pytest.raises(InvalidMotifError, match="distance"):
        tomtom([good], jaspar, dist="sandelin")
    with pytest.raises(InvalidMotifError, match="min_overlap"):
        tomtom([good], jaspar, min_overlap=-1)
    with pytest.raises(InvalidMotifError, match="thresh"):
        tomtom([good], jaspar, thresh=-0.1)
    with pytest.raises(InvalidMotifError, match="no queries"):
        tomtom([], jaspar)
    with pytest.raises(InvalidMotifError, match="wider than 100"):
        tomtom([np.full((101, 4), 0.25)], jaspar)


def test_duplicate_ids_are_dropped_with_a_warning(jaspar):
    with pytest.warns(UserWarning, match="repeat an earlier motif's id"):
        hits = tomtom([jaspar[0], jaspar[0]], jaspar)
    assert {h.query_id for h in hits} == {jaspar[0].id}


def test_bootstrap_stream_is_mt19937_seeded_as_mtwist():
    from deepmotif_arch.motifs import tomtom as tt

    key = np.zeros(624, dtype=np.uint64)
    key[0] = 4357
    for k in range(1, 624):  # the original MT seeding, x <- 69069 x mod 2^32
        key[k] = (69069 * int(key[k - 1])) & 0xFFFFFFFF
    reference = np.random.MT19937(0)
    reference.state = {"bit_generator": "MT19937",
                       "state": {"key": key.astype(np.uint32), "pos": 624}}
    expected = reference.random_raw(3 * 624)
    state = tt._mt_seed_old(4357)
    block = np.empty(624)
    got = []
    for _ in range(3):
        tt._mt_block(state, block)
        got.extend(int(v) for v in block)
    assert got == [int(v) for v in expected]


def test_tsv_round_trip_and_meme_format(tmp_path, jaspar, ground_truth):
    hits = tomtom(ground_truth[:3], jaspar)
    path = write_tomtom_tsv(hits, tmp_path / "tomtom.tsv", comment="tomtom -evalue -thresh 0.1")
    lines = path.read_text().splitlines()
    assert lines[0].split("\t") == list(TSV_COLUMNS)
    back = read_tomtom_tsv(path)
    assert len(back) == len(hits)
    for a, b in zip(back, hits):
        assert isinstance(a, TomtomMatch)
        assert a.query_id == b.query_id and a.target_id == b.target_id
        assert a.p_value == pytest.approx(b.p_value, rel=1e-5)
    assert lines[-1] == "# tomtom -evalue -thresh 0.1"
    bad = tmp_path / "bad.tsv"
    bad.write_text("not a header\n")
    with pytest.raises(MotifFormatError, match="line 1"):
        read_tomtom_tsv(bad)


def test_defaults_are_memes_and_the_authors(jaspar, ground_truth):
    """No options means MEME's `tomtom` with no options: Euclidean, minimum overlap 1,
    which is also what the authors ran (and the `authors` preset)."""
    from deepmotif_arch.interpretation.presets import PRESETS

    default = tomtom(ground_truth[:3], jaspar)
    assert default == tomtom(ground_truth[:3], jaspar, dist="ed", min_overlap=1)
    assert default != tomtom(ground_truth[:3], jaspar, dist="pearson", min_overlap=5)
    authors = PRESETS["authors"]
    assert (authors.dist, authors.min_overlap, authors.evalue) == ("ed", 1, 0.1)
