"""Filters to PPMs (exact alignment with hand-set filters), match statistics, MEME export."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.data import synthetic
from deepmotif_arch.interpretation.filters import (
    InterpretationError,
    SilentFilterError,
    align_activations,
    alignable_layers,
    filter_activations,
    filter_pwms,
    integer_encode,
    layer_alignment,
)
from deepmotif_arch.interpretation.motif_stats import (
    GROUND_TRUTH_TFS,
    RELEVANT_JASPAR_IDS,
    ground_truth_similarity,
    match_filters,
    relevant_tf,
)
from deepmotif_arch.motifs.meme import clip_motif, read_meme, reverse_complement
from deepmotif_arch.motifs.tomtom import read_tomtom_tsv, tomtom
from deepmotif_arch.zoo.architectures import get_spec, layer_geometry

ROOT = Path(__file__).resolve().parents[1]
PAPER_FACTS = Path(__file__).resolve().parent / "data" / "reference" / "PAPER_FACTS.md"
LETTERS = "ACGT"


def _codes(text: str) -> np.ndarray:
    return np.array([LETTERS.index(c) for c in text], dtype=np.uint8)


def _identity_bn(model, name):
    """BatchNorm left at its initial state is y = x / sqrt(1 + eps): a positive scale."""
    layer = model.get_layer(name)
    assert np.allclose(layer.get_weights()[2], 0) and np.allclose(layer.get_weights()[3], 1)


# --------------------------------------------------------------------------- geometry


@pytest.mark.parametrize(("name", "layer", "rf", "offset"), [
    ("cnn-25", "conv1", 19, -9),
    ("cnn9-4", "conv1", 9, -4),
    ("cnn3-50", "conv1", 3, -1),
    ("cnn-1", "conv2", 23, -11),
    ("cnn-1-1-100", "conv2", 23, -11),
    ("cnn-1-1-100", "conv3", 27, -13),
])
def test_layer_alignment_matches_the_zoo_geometry(name, layer, rf, offset):
    import deepmotif_arch as dm

    model = dm.get_model(name)
    a = layer_alignment(model, layer)
    assert (a.receptive_field, a.offset) == (rf, offset)
    geometry = {g.name: g for g in layer_geometry(get_spec(name), 200)}
    assert geometry[layer].receptive_field == a.receptive_field
    assert a.filters == model.get_layer(layer).filters
    # every spelling of the layer means the same
    index = int(layer[4:])
    assert layer_alignment(model, f"{layer}_relu") == a == layer_alignment(model, index)


def test_alignable_layers_and_refusals():
    import deepmotif_arch as dm

    assert alignable_layers(dm.get_model("cnn-1")) == ["conv1", "conv2"]
    assert alignable_layers(dm.get_model("cnn-1-1-100")) == ["conv1", "conv2", "conv3"]
    cnn25 = dm.get_model("cnn-25")
    assert alignable_layers(cnn25) == ["conv1"]
    with pytest.raises(InterpretationError, match=r"conv1_pool .* comes before conv2"):
        layer_alignment(cnn25, "conv2")
    with pytest.raises(InterpretationError, match=r"no convolution layer 'conv5'.*conv1, conv2"):
        layer_alignment(cnn25, "conv5")
    with pytest.raises(InterpretationError, match="no convolution layer 'dense'"):
        layer_alignment(cnn25, "dense")


def test_window_is_centred_on_the_receptive_field():
    import deepmotif_arch as dm

    a = layer_alignment(dm.get_model("cnn-25"), "conv1")
    assert a.window() == (19, -9)
    assert a.window(25) == (25, -12)    # 3 more each side
    assert a.window(22) == (22, -11)    # the odd extra position goes left
    assert a.window(20) == (20, -10)    # Koo & Ploenzke's window: position - 10 .. + 9
    assert a.window(15) == (15, -7)     # 2 fewer each side
    for bad in (0, -3, 201, 2.5):
        with pytest.raises(InterpretationError, match="window"):
            a.window(bad)


def test_integer_encode_marks_unknown_letters():
    one_hot = np.eye(4, dtype=np.float32)[[[0, 1, 2, 3]]]
    one_hot[0, 2] = 0  # an N
    assert integer_encode(one_hot).tolist() == [[0, 1, 4, 3]]
    assert integer_encode(np.array([[0, 3, 7, -1]])).tolist() == [[0, 3, 4, 4]]
    with pytest.raises(InterpretationError, match="one-hot"):
        integer_encode(np.zeros((2, 5, 3)))


# --------------------------------------------------------------------------- exact alignment


KMER = "ACGTTGCA"      # 8 letters, detected by filter 0 at kernel positions 5..12
KMER_AT = 5


def _kmer_model(name="cnn-25"):
    """A zoo model whose filter 0 scores +1 per matching and -4 per mismatching letter of
    KMER: 8 for KMER itself, at most 3 for anything else."""
    import deepmotif_arch as dm

    model = dm.get_model(name)
    conv = model.get_layer("conv1")
    k = conv.kernel_size[0]
    w = np.zeros((k, 4, conv.filters), dtype=np.float32)
    for j, letter in enumerate(KMER):
        w[KMER_AT + j, :, 0] = -4.0
        w[KMER_AT + j, LETTERS.index(letter), 0] = 1.0
    conv.set_weights([w])
    _identity_bn(model, "conv1_bn")
    return model


def _sequences_with_kmer(n=60, length=200, seed=0):
    """Random sequences with KMER planted once (every third sequence twice); the first
    four have it so close to an end that its window runs off."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, (n, length)).astype(np.uint8)
    kmer = _codes(KMER)
    edges = [0, length - len(KMER), 3, length - len(KMER) - 2]
    for i in range(n):
        spots = [edges[i]] if i < len(edges) else [int(rng.integers(0, length - len(KMER)))]
        if i >= len(edges) and i % 3 == 0:
            spots.append(int(rng.integers(0, length - len(KMER))))
        for s in spots:
            x[i, s:s + len(KMER)] = kmer
    return x


def _expected_counts(x, window, offset, first_only):
    """Letter counts of the windows around KMER occurrences, by a per-sequence loop over
    strings: the window of an occurrence at s starts at s - KMER_AT + (offset + 9)."""
    counts = np.zeros((window, 4), dtype=np.int64)
    sites = 0
    for row in x:
        text = "".join(LETTERS[c] for c in row)
        starts = [m.start() for m in re.finditer(f"(?={KMER})", text)]
        if first_only:
            starts = starts[:1]
        for s in starts:
            # activation position p: the kernel's position KMER_AT sits at p - 9 + KMER_AT
            p = s - KMER_AT + 9
            lo = p + offset
            if lo < 0 or lo + window > len(text):
                continue
            sites += 1
            for j in range(window):
                counts[j, LETTERS.index(text[lo + j])] += 1
    return counts, sites


@pytest.mark.backend
@pytest.mark.parametrize("variant", ["paper", "released"])
@pytest.mark.parametrize("window", [None, 24])
def test_planted_kmer_is_recovered_exactly(variant, window):
    model = _kmer_model()
    x = _sequences_with_kmer()
    result = filter_pwms(model, x, "conv1", variant=variant, window=window, batch_size=17)
    width, offset = layer_alignment(model, "conv1").window(window)
    expected, sites = _expected_counts(x, width, offset, first_only=variant == "paper")
    assert result.window == width and result.offset == offset
    np.testing.assert_array_equal(result.counts[0], expected)
    assert result.sites[0] == sites > 0
    ppm = result.ppm(0)
    core = ppm[KMER_AT - offset - 9:][:len(KMER)]  # KMER_AT relative to the window start
    assert "".join(LETTERS[i] for i in core.argmax(1)) == KMER and np.all(core.max(1) == 1)
    # the planted copies at the very ends run off, and are counted as candidates only
    assert result.candidates[0] > result.sites[0]
    # every other filter is zero: never active
    assert result.silent == list(range(1, 30))
    assert "never active" in result.silent_reason(5)


@pytest.mark.backend
def test_same_padding_of_an_even_kernel():
    """Keras pads (k - 1) // 2 on the left on every backend: an even kernel of 8."""
    import deepmotif_arch as dm

    model = dm.get_model("cnn-25", kernels=[8, 5])
    conv = model.get_layer("conv1")
    w = np.zeros((8, 4, conv.filters), dtype=np.float32)
    w[2, LETTERS.index("G"), 0] = 1.0  # G at kernel position 2
    conv.set_weights([w])
    a = layer_alignment(model, "conv1")
    assert (a.receptive_field, a.offset) == (8, -3)
    x = np.full((3, 200), LETTERS.index("A"), dtype=np.uint8)
    x[:, [50, 120, 190]] = LETTERS.index("G")
    acts = filter_activations(model, x, "conv1")[..., 0]
    # G at position g lights up output p where p - 3 + 2 = g
    assert set(np.flatnonzero(acts[0] > 0.5)) == {51, 121, 191}
    result = filter_pwms(model, x, "conv1", variant="released")
    assert result.sites[0] == 9 and np.all(result.counts[0, 2] == [0, 0, 9, 0])


@pytest.mark.backend
def test_second_layer_window_spans_the_receptive_field():
    """CNN-1 conv2: output p = [A at p - 2] + [C at p - 7]; window 23 from p - 11."""
    import deepmotif_arch as dm

    model = dm.get_model("cnn-1")
    c1, c2 = model.get_layer("conv1"), model.get_layer("conv2")
    w1 = np.zeros((19, 4, c1.filters), dtype=np.float32)
    w1[9, LETTERS.index("A"), 0] = 1.0   # filter 0: A at its centre (input p)
    w1[0, LETTERS.index("C"), 1] = 1.0   # filter 1: C at input p - 9
    c1.set_weights([w1])
    w2 = np.zeros((5, c1.filters, c2.filters), dtype=np.float32)
    w2[0, 0, 0] = 1.0                     # conv1 filter 0 at p - 2: A at p - 2
    w2[4, 1, 0] = 1.0                     # conv1 filter 1 at p + 2: C at p - 7
    c2.set_weights([w2])
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, (80, 200)).astype(np.uint8)
    result = filter_pwms(model, x, "conv2", variant="released")
    assert (result.window, result.offset, result.receptive_field) == (23, -11, 23)
    # the authors' read-out cuts 19 nt centred on the same receptive field
    authors = filter_pwms(model, x, "conv2")
    assert (authors.window, authors.offset) == (19, -9)
    assert authors.ppm(0)[7, LETTERS.index("A")] == 1.0
    assert authors.ppm(0)[2, LETTERS.index("C")] == 1.0
    ppm = result.ppm(0)
    assert ppm[9, LETTERS.index("A")] == 1.0 and ppm[4, LETTERS.index("C")] == 1.0
    others = np.delete(ppm, [4, 9], axis=0)
    assert others.max() < 1.0  # nothing else is fixed
    assert result.silent == list(range(1, 128))


# --------------------------------------------------------------------------- vectorised = loop


def _loop_align(codes, acts, window, offset, variant, threshold):
    """The straightforward per-sequence, per-filter loop."""
    n, length, n_filters = acts.shape
    counts = np.zeros((n_filters, window, 4), dtype=np.int64)
    sites = np.zeros(n_filters, dtype=np.int64)
    for f in range(n_filters):
        peak = float(acts[:, :, f].max())
        for s in range(n):
            if variant == "paper":
                p = int(np.argmax(acts[s, :, f]))
                v = float(acts[s, p, f])
                positions = [p] if v > 0 and v >= threshold * peak else []
            else:
                positions = [p for p in range(length)
                             if float(acts[s, p, f]) > 0
                             and float(acts[s, p, f]) > threshold * peak]
            for p in positions:
                lo = p + offset
                if lo < 0 or lo + window > length:
                    continue
                sites[f] += 1
                for j in range(window):
                    if codes[s, lo + j] < 4:
                        counts[f, j, codes[s, lo + j]] += 1
    return counts, sites


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), variant=st.sampled_from(["paper", "released"]),
       threshold=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]), window=st.integers(1, 12),
       offset=st.integers(-12, 3))
def test_vectorised_alignment_equals_a_loop(seed, variant, threshold, window, offset):
    rng = np.random.default_rng(seed)
    n, length, n_filters = int(rng.integers(1, 7)), int(rng.integers(8, 30)), 4
    codes = rng.integers(0, 5, (n, length)).astype(np.uint8)  # 4 = unknown letter
    acts = np.maximum(rng.normal(size=(n, length, n_filters)), 0).astype(np.float32)
    acts[:, :, 3] = 0  # a filter that never fires
    acts = np.round(acts, 1)  # ties, to exercise "first position" and ">=" vs ">"
    result = align_activations(codes, acts, window=window, offset=offset, variant=variant,
                               threshold=threshold)
    counts, sites = _loop_align(codes, acts, window, offset, variant, threshold)
    np.testing.assert_array_equal(result.counts, counts)
    np.testing.assert_array_equal(result.sites, sites)
    assert 3 in result.silent


def test_streaming_batches_equal_one_pass():
    """The released variant prunes per batch against a running maximum; any batching
    gives the result of one pass over all activations."""
    import deepmotif_arch as dm

    model = dm.get_model("cnn-25")
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (97, 200)).astype(np.uint8)
    acts = filter_activations(model, x, "conv1", batch_size=40)
    for variant in ("paper", "released"):
        whole = align_activations(x, acts, window=19, offset=-9, variant=variant)
        for batch in (1, 13, 97, 500):
            streamed = filter_pwms(model, x, "conv1", variant=variant, batch_size=batch)
            np.testing.assert_array_equal(streamed.counts, whole.counts)
            np.testing.assert_array_equal(streamed.sites, whole.sites)


def test_bad_options_are_refused():
    model = _kmer_model()
    x = _sequences_with_kmer(n=4)
    with pytest.raises(InterpretationError, match="variant 'text'"):
        filter_pwms(model, x, variant="text")
    with pytest.raises(InterpretationError, match="threshold is 1.5"):
        filter_pwms(model, x, threshold=1.5)
    with pytest.raises(InterpretationError, match="150 nt long but the model takes 200"):
        filter_pwms(model, x[:, :150])
    with pytest.raises(InterpretationError, match="batch_size"):
        filter_pwms(model, x, batch_size=0)


# --------------------------------------------------------------------------- silent filters


def test_silent_filters_are_reported_never_passed_on():
    model = _kmer_model()
    x = np.full((10, 200), LETTERS.index("T"), dtype=np.uint8)
    # KMER only at the ends: filter 0 fires, but every window runs off
    x[:5, :len(KMER)] = _codes(KMER)
    x[5:, -len(KMER):] = _codes(KMER)
    result = filter_pwms(model, x, variant="released")
    assert result.sites[0] == 0 and result.candidates[0] == 10
    assert "run off the sequence ends" in result.silent_reason(0)
    # the authors' read-out zero-pads those windows instead of dropping them
    assert filter_pwms(model, x).sites[0] == 10
    assert "never active" in result.silent_reason(1)
    assert result.silent == list(range(30))
    with pytest.raises(SilentFilterError, match="filter 0 of conv1 has no probability matrix"):
        result.ppm(0)
    assert result.motifs() == [] and result.ppms() == {}
    report = match_filters(result)
    stats = report.statistics()
    assert stats["num_filters"] == 30 and stats["num_silent"] == 30
    assert stats["fraction_matched"] == 0.0 and stats["fraction_relevant"] == 0.0
    assert all(f.status == "silent" for f in report.filters)


# --------------------------------------------------------------------------- statistics


def test_relevant_ids_are_the_papers():
    text = PAPER_FACTS.read_text().replace("\n", " ")
    listed = text[text.index("Relevant JASPAR 2016 IDs per TF"):]
    listed = listed[listed.index("):") + 1:listed.index("Deeper layers")]
    parsed = {}
    for item in listed.split(":", 1)[1].split(";"):
        words = item.strip().rstrip(".").split()
        parsed[words[0]] = tuple(words[1:])
    assert parsed == RELEVANT_JASPAR_IDS


def test_relevant_ids_cover_the_ground_truth_and_exist_in_jaspar():
    from deepmotif_arch.motifs.jaspar import load_jaspar

    assert GROUND_TRUTH_TFS == synthetic.CLASS_NAMES
    for tf, jid in zip(synthetic.CLASS_NAMES, synthetic.JASPAR_IDS):
        assert relevant_tf(jid) == tf
    ids = {m.id for m in load_jaspar()}
    assert all(j in ids for js in RELEVANT_JASPAR_IDS.values() for j in js)
    assert relevant_tf("MA0002.2") is None


def test_ground_truth_similarity_measure():
    gts = synthetic.ground_truth_pwms()
    srf = gts[synthetic.CLASS_NAMES.index("SRF")]
    hit = ground_truth_similarity(srf)
    assert hit.tf == "SRF" and hit.offset == 0 and hit.similarity == pytest.approx(1.0)
    wide = np.full((19, 4), 0.25)
    wide[2:2 + len(srf)] = reverse_complement(srf)
    hit = ground_truth_similarity(wide)
    assert (hit.tf, hit.strand, hit.offset) == ("SRF", "-", 2)
    assert hit.similarity == pytest.approx(1.0)
    # half of the motif: the correlation is the square root of the kept share of variance
    half = np.full_like(srf, 0.25)
    keep = slice(0, len(srf) // 2)
    half[keep] = srf[keep]
    centred = srf - 0.25
    expected = np.sqrt((centred[keep] ** 2).sum() / (centred ** 2).sum())
    only_srf = ground_truth_similarity(half, [srf], ["SRF"])
    assert only_srf.similarity == pytest.approx(expected)
    assert ground_truth_similarity(np.full((10, 4), 0.25)).similarity == 0.0


def _ground_truth_model():
    """cnn-25 whose filters 0-23 are the log-odds of the 24 planted PWMs, 24-28 random,
    29 zero (silent)."""
    import deepmotif_arch as dm

    model = dm.get_model("cnn-25")
    w = np.zeros((19, 4, 30), dtype=np.float32)
    pwms = list(synthetic.ground_truth_pwms())
    pwms += [reverse_complement(p) for p in pwms]
    for i, p in enumerate(pwms):
        start = (19 - len(p)) // 2
        w[start:start + len(p), :, i] = np.log2((p + 0.01) / 0.25)
    w[:, :, 24:29] = np.random.default_rng(0).normal(size=(19, 4, 5))
    model.get_layer("conv1").set_weights([w])
    return model


@pytest.fixture(scope="module")
def ground_truth_run(tiny_data_dir):
    from deepmotif_arch.data import datasets
    from deepmotif_arch.interpretation.interpret import interpret_model

    x, _ = datasets.load_numpy("koo_synthetic", "test", config="tiny",
                               data_dir=str(tiny_data_dir), one_hot=False)
    model = _ground_truth_model()
    source = {"model": "cnn-25", "trial": 0,
              "dataset": {"name": "koo_synthetic", "config": "tiny"}, "split": "test"}
    return interpret_model(model, x, ground_truth=True, source=source)


def test_statistics_of_filters_set_to_the_ground_truth(ground_truth_run):
    report = ground_truth_run.report
    stats = report.statistics()
    assert stats["num_filters"] == 30 and stats["silent_filters"] == [29]
    matched = [f.index for f in report.filters if f.hits]
    relevant = [f.index for f in report.filters if f.relevant_tfs]
    assert stats["fraction_matched"] == len(matched) / 30
    assert stats["fraction_relevant"] == len(relevant) / 30
    assert set(relevant) <= set(range(24))  # random and silent filters are not relevant
    covered = {tf for f in report.filters for tf in f.relevant_tfs}
    assert stats["tfs_covered"] == [tf for tf in GROUND_TRUTH_TFS if tf in covered]
    assert stats["tfs_missed"] == [tf for tf in GROUND_TRUTH_TFS if tf not in covered]
    for i in relevant:  # a filter set to a TF's motif, when relevant, matches that TF
        assert GROUND_TRUTH_TFS[i % 12] in report.filters[i].relevant_tfs
    for f in report.filters:
        if f.hits:
            assert f.best.e_value <= 0.1
            assert [h.p_value for h in f.hits] == sorted(h.p_value for h in f.hits)
    # the direct measure finds the planted motif each filter was set to, and ranks every
    # such filter above the random ones
    for i in range(24):
        assert report.filters[i].ground_truth.tf == GROUND_TRUTH_TFS[i % 12]
    planted = min(report.filters[i].ground_truth.similarity for i in range(24))
    random = max(report.filters[i].ground_truth.similarity for i in range(24, 29))
    assert planted > random
    assert report.filters[29].ground_truth is None


def test_exported_queries_reproduce_the_matches(ground_truth_run, tmp_path):
    from deepmotif_arch.interpretation.interpret import write_interpretation

    files = write_interpretation(ground_truth_run, tmp_path, formats=["png"])
    names = {p.name for p in files}
    assert {"filters.meme", "filters_full.meme", "tomtom.tsv", "matches.json", "stats.json",
            "logos.png", "ground_truth.png"} <= names
    pwms, report = ground_truth_run.pwms, ground_truth_run.report
    queries = read_meme(tmp_path / "filters.meme")
    assert [m.id for m in queries] == [f"filter{i}" for i in range(29)]
    for m in queries:
        i = int(m.id[6:])
        assert m.nsites == m.width  # the authors' MEME files: nsites = width
        np.testing.assert_allclose(m.matrix, clip_motif(pwms.ppm(i)), atol=5e-7)
    # Tomtom run directly on the written file gives the report's matches, pair by pair
    direct = tomtom(queries)
    assert direct == report.matches
    rows = read_tomtom_tsv(tmp_path / "tomtom.tsv")
    assert [(r.query_id, r.target_id, r.orientation, r.optimal_offset) for r in rows] == \
           [(m.query_id, m.target_id, m.orientation, m.optimal_offset) for m in direct]
    np.testing.assert_allclose([r.e_value for r in rows], [m.e_value for m in direct],
                               rtol=1e-5)
    full = read_meme(tmp_path / "filters_full.meme")
    assert all(m.width == 19 for m in full)


def test_unclipped_matching_and_other_database(ground_truth_run, tmp_path):
    pwms = ground_truth_run.pwms
    unclipped = match_filters(pwms, clip=False)
    assert all(f.width == 19 for f in unclipped.filters if not f.silent)
    # a database of the 12 ground truths: the relevant share is defined; a database
    # without any of those IDs: reported as None, not as 0
    gt_file = PAPER_FACTS.parent / "ground_truth_12.meme"
    small = match_filters(pwms, gt_file)
    assert small.num_targets == 12 and small.fraction_relevant is not None
    assert small.database == str(gt_file)
    from deepmotif_arch.motifs.jaspar import load_jaspar

    others = [m for m in load_jaspar() if relevant_tf(m.id) is None][:60]
    none = match_filters(pwms, others)
    assert none.fraction_relevant is None and none.statistics()["tfs_covered"] is None
    with pytest.raises(DeepMotifError, match="E-value threshold"):
        match_filters(pwms, evalue=0)
    with pytest.raises(DeepMotifError, match="distance 'cosine'"):
        match_filters(pwms, dist="cosine")
    with pytest.raises(DeepMotifError, match="does not exist"):
        match_filters(pwms, tmp_path / "missing.meme")


def test_a_failed_write_leaves_nothing_behind(ground_truth_run, tmp_path, monkeypatch):
    """A full disk in the middle of writing: this call's files and new folder are gone."""
    import errno

    from deepmotif_arch.interpretation import interpret, logos

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logos, "save_figure", full)
    out = tmp_path / "new" / "conv1"
    with pytest.raises(OSError):
        interpret.write_interpretation(ground_truth_run, out, formats=["png"])
    assert not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "mine.txt").write_text("x")
    with pytest.raises(OSError):
        interpret.write_interpretation(ground_truth_run, kept, formats=["png"])
    assert [p.name for p in kept.iterdir()] == ["mine.txt"]


def test_one_settings_object_or_its_fields_as_keywords(tiny_data_dir):
    """interpret_model takes an InterpretSettings; keyword options change its fields."""
    from deepmotif_arch.data import datasets
    from deepmotif_arch.interpretation.interpret import interpret_model
    from deepmotif_arch.interpretation.presets import PRESETS, InterpretSettings

    x, _ = datasets.load_numpy("koo_synthetic", "test", config="tiny",
                               data_dir=str(tiny_data_dir), one_hot=False)
    x = x[:300]
    model = _ground_truth_model()
    v0 = PRESETS["v0"]
    a = interpret_model(model, x, v0)
    b = interpret_model(model, x, **v0.to_dict())
    c = interpret_model(model, x, InterpretSettings(), **v0.to_dict())
    for other in (b, c):
        assert [f.best and f.best.target_id for f in a.report.filters] == \
            [f.best and f.best.target_id for f in other.report.filters]
        np.testing.assert_array_equal(a.pwms.sites, other.pwms.sites)
    with pytest.raises(TypeError, match="unexpected keyword argument 'windw'"):
        interpret_model(model, x, windw=9)
    with pytest.raises(DeepMotifError, match="window is 0"):
        interpret_model(model, x, v0, window=0)
