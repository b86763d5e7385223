"""The authors' read-out (PAPER_FACTS section 5) against a direct loop written from the text,
the presets, and the one-switch ablation settings."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.interpretation.filters import (
    DEFAULT_WINDOWS,
    InterpretationError,
    align_activations,
    filter_pwms,
)
from deepmotif_arch.interpretation.motif_stats import match_filters, query_motifs
from deepmotif_arch.interpretation.presets import ABLATION, PRESETS, InterpretSettings, preset
from deepmotif_arch.motifs.meme import parse_meme


def _reference(codes, acts, *, threshold=0.5, window=19, offset=-9, weighted=True, pad=True):
    """``activation_pwm`` as PAPER_FACTS words it, one window at a time.

    Every (sequence, position) above threshold x the filter's maximum; the window from
    ``position + offset``; off-end positions add nothing when padded, the window is
    skipped when not; each window adds its activation (or 1); per position the sums are
    divided by the summed weights of the windows that have a letter there.
    """
    n, length, filters = acts.shape
    out = []
    for f in range(filters):
        peak = acts[:, :, f].max()
        sums = np.zeros((window, 4))
        kept = 0
        for i in range(n):
            for p in range(length):
                a = float(acts[i, p, f])
                if not (a > threshold * peak and a > 0):
                    continue
                start = p + offset
                if not pad and (start < 0 or start + window > length):
                    continue
                kept += 1
                w = a if weighted else 1.0
                for j in range(window):
                    q = start + j
                    if 0 <= q < length and codes[i, q] < 4:
                        sums[j, codes[i, q]] += w
        totals = sums.sum(axis=1, keepdims=True)
        ppm = np.divide(sums, totals, out=np.full_like(sums, 0.25), where=totals > 0)
        out.append((kept, ppm))
    return out


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 4, size=(12, 40)).astype(np.uint8)
    codes[3, 5] = 4  # an N
    acts = np.maximum(rng.normal(size=(12, 40, 3)), 0).astype(np.float32)
    acts[0, 1, 0] = 9.0  # a strong activation 1 nt from the left end
    acts[5, 38, 1] = 7.5  # and one 1 nt from the right end
    return codes, acts


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("pad", [True, False])
@pytest.mark.parametrize(("window", "offset"), [(19, -9), (9, -4), (3, -1)])
def test_readout_equals_the_direct_loop(data, weighted, pad, window, offset):
    codes, acts = data
    got = align_activations(codes, acts, window=window, offset=offset, variant="authors",
                            weighted=weighted, pad_edges=pad)
    ref = _reference(codes, acts, window=window, offset=offset, weighted=weighted, pad=pad)
    assert got.weighted is weighted and got.pad_edges is pad
    for f, (kept, ppm) in enumerate(ref):
        assert got.sites[f] == kept
        if kept:
            np.testing.assert_allclose(got.ppm(f), ppm, rtol=1e-12, atol=1e-12)


def test_authors_defaults_and_edge_windows(data):
    codes, acts = data
    got = align_activations(codes, acts, window=19, offset=-9)  # variant authors by default
    assert got.variant == "authors" and got.weighted and got.pad_edges
    assert DEFAULT_WINDOWS["authors"] == 19
    # the activation at position 1 keeps its window: 8 padded positions on the left
    dropped = align_activations(codes, acts, window=19, offset=-9, pad_edges=False)
    assert (got.sites >= dropped.sites).all() and got.sites[0] > dropped.sites[0]
    assert (got.sites == got.candidates).all()  # padding drops nothing


def test_weighting_moves_the_matrix_towards_strong_sites():
    # two sites: a strong one reading AAA and a weak one reading CCC
    codes = np.array([[0, 0, 0, 1, 1, 1]], dtype=np.uint8)
    acts = np.zeros((1, 6, 1), dtype=np.float32)
    acts[0, 1, 0], acts[0, 4, 0] = 3.0, 2.0
    weighted = align_activations(codes, acts, window=3, offset=-1, weighted=True)
    counted = align_activations(codes, acts, window=3, offset=-1, weighted=False)
    np.testing.assert_allclose(weighted.ppm(0)[1], [0.6, 0.4, 0, 0])
    np.testing.assert_allclose(counted.ppm(0)[1], [0.5, 0.5, 0, 0])


def test_nsites_width_reaches_the_meme_file_and_tomtom():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(50, 60)).astype(np.uint8)
    acts = np.zeros((50, 60, 2), dtype=np.float32)
    acts[:, 30, 0] = rng.uniform(1, 2, size=50)
    codes[:, 27:34] = [0, 3, 3, 2, 0, 1, 3]  # a planted 7-mer under filter 0
    acts[:, 10, 1] = 1.0
    pwms = align_activations(codes, acts, window=19, offset=-9)
    width = query_motifs(pwms, nsites="width")
    sites = query_motifs(pwms, nsites="sites")
    assert all(m.nsites == m.width for m in width)
    assert [m.nsites for m in sites] == [50.0, 50.0]
    assert parse_meme(match_filters(pwms).queries_meme, "q")[0].nsites == width[0].width
    with pytest.raises(InterpretationError, match="nsites"):
        pwms.motifs(nsites="many")


def test_bad_switches_are_refused(data):
    codes, acts = data
    with pytest.raises(InterpretationError, match="weighted"):
        align_activations(codes, acts, window=19, offset=-9, weighted="yes")
    with pytest.raises(InterpretationError, match="variant"):
        align_activations(codes, acts, window=19, offset=-9, variant="author")


def test_presets():
    assert list(PRESETS)[0] == "authors"
    authors = preset("authors")
    assert (authors.variant, authors.dist, authors.min_overlap, authors.nsites,
            authors.evalue, authors.clip) == ("authors", "ed", 1, "width", 0.1, True)
    v0 = preset("v0")
    assert (v0.variant, v0.dist, v0.min_overlap, v0.nsites) == ("released", "pearson", 5,
                                                               "sites")
    assert preset("paper-text").variant == "paper"
    kp21 = preset("kp21")
    assert (kp21.variant, kp21.window, kp21.dist, kp21.min_overlap, kp21.nsites, kp21.exclude) \
        == ("released", 20, "ed", 1, "width", ("MA0615.1",))
    assert kp21.to_dict()["exclude"] == ["MA0615.1"]
    assert "exclude" not in authors.to_dict()  # settings written before it compare equal
    for item in PRESETS.values():
        assert item.validate() is item
        assert InterpretSettings.from_dict(item.to_dict()) == item
    with pytest.raises(DeepMotifError, match="preset 'authorz'"):
        preset("authorz")
    with pytest.raises(DeepMotifError, match="min_overlap"):
        authors.replace(min_overlap=0).validate()
    with pytest.raises(DeepMotifError, match="distance"):
        authors.replace(dist="sandelin").validate()
    for bad in ("MA0615.1", ("",), (3,)):
        with pytest.raises(DeepMotifError, match="exclude is"):
            authors.replace(exclude=bad).validate()


def test_excluded_targets_leave_the_database():
    """A filter whose windows are drawn from Gmeb1 hits Gmeb1 in JASPAR 2016; with Gmeb1
    excluded, as Koo & Ploenzke's database has it, it cannot, and the report says what was
    left out."""
    from deepmotif_arch.motifs.jaspar import load_jaspar

    jaspar = load_jaspar()
    gmeb1 = next(m for m in jaspar if m.id == "MA0615.1")
    rng = np.random.default_rng(0)
    codes = np.stack([rng.choice(4, size=2000, p=column / column.sum())
                      for column in gmeb1.matrix], axis=1).astype(np.uint8)
    codes = np.pad(codes, ((0, 0), (9, 9)), constant_values=0)
    acts = np.zeros((*codes.shape, 1), dtype=np.float32)
    acts[:, 9 + gmeb1.width // 2, 0] = 1.0
    pwms = align_activations(codes, acts, window=gmeb1.width, offset=-(gmeb1.width // 2),
                             weighted=False, pad_edges=False)
    full = match_filters(pwms, jaspar)
    assert "MA0615.1" in {h.target_id for h in full.filters[0].hits}
    cut = match_filters(pwms, jaspar, exclude=["MA0615.1"])
    assert "MA0615.1" not in {h.target_id for h in cut.filters[0].hits}
    assert cut.num_targets == full.num_targets - 1 == 518
    assert cut.settings["excluded_targets"] == ["MA0615.1"] and "without MA0615.1" in cut.database
    with pytest.raises(DeepMotifError, match="cannot exclude 'MA9999.1'"):
        match_filters(pwms, jaspar, exclude=["MA9999.1"])


def test_ablation_changes_one_switch_each():
    from deepmotif_arch.paper.experiment import _ablation_settings

    settings = _ablation_settings()
    assert [name for name, _, _ in ABLATION] == list(settings)
    base = settings["authors"].to_dict()
    for name, item in settings.items():
        changed = {k for k, v in item.to_dict().items() if v != base.get(k)}
        if name == "authors":
            assert not changed
        elif name == "paper-selection":
            assert changed == {"variant", "window", "weighted", "pad_edges"}
        elif name in ("v0", "kp21"):
            assert item == PRESETS[name]
        else:
            assert len(changed) == 1, (name, changed)


@pytest.mark.backend
def test_filter_pwms_defaults_to_the_authors_readout():
    from deepmotif_arch.zoo import models

    model = models.get_model("cnn3-50", input_length=200)
    rng = np.random.default_rng(3)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(20, 200))]
    default = filter_pwms(model, x)
    assert (default.variant, default.window, default.offset) == ("authors", 19, -9)
    assert default.weighted and default.pad_edges
    receptive = filter_pwms(model, x, variant="released")
    assert (receptive.window, receptive.offset) == (3, -1)
    assert not receptive.weighted and not receptive.pad_edges
