"""The synthetic generator (NumPy only): recipe, ground truth, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.data import synthetic

SHARED = Path(__file__).resolve().parent / "data" / "reference"


@pytest.fixture(scope="module")
def paper_set():
    return synthetic.generate()


def _read_meme_matrices(path: Path) -> dict[str, np.ndarray]:
    """A deliberately small MEME reader, independent of the library's."""
    motifs, current, rows = {}, None, []
    for line in path.read_text().splitlines():
        parts = line.split()
        if line.startswith("MOTIF"):
            current, rows = parts[1], []
            motifs[current] = rows
        elif current and len(parts) == 4:
            try:
                rows.append([float(p) for p in parts])
            except ValueError:
                pass
    return {k: np.array(v) for k, v in motifs.items()}


def test_ground_truth_pwms_equal_reference_meme_file():
    reference = _read_meme_matrices(SHARED / "ground_truth_12.meme")
    assert sorted(reference) == sorted(synthetic.JASPAR_IDS)
    for matrix_id, pwm in zip(synthetic.JASPAR_IDS, synthetic.ground_truth_pwms()):
        assert pwm.shape == reference[matrix_id].shape
        np.testing.assert_allclose(pwm, reference[matrix_id], atol=1e-6)


def test_reverse_complement():
    pwm = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.2, 0.8]])
    np.testing.assert_array_equal(synthetic.reverse_complement(pwm),
                                  [[0.8, 0.2, 0.0, 0.0], [0.1, 0.1, 0.1, 0.7]])


def test_shapes_and_split_sizes(paper_set):
    assert paper_set.sequences.shape == (25_000, 200)
    assert paper_set.sequences.dtype == np.uint8 and paper_set.sequences.max() == 3
    assert paper_set.labels.shape == (25_000, 12)
    splits = synthetic.split_indices(25_000)
    assert {k: len(v) for k, v in splits.items()} == {
        "train": 17_500, "validation": 2_500, "test": 5_000}
    everything = np.concatenate(list(splits.values()))
    assert np.array_equal(np.sort(everything), np.arange(25_000))


def test_planted_motifs_fit_with_buffers(paper_set):
    d = paper_set
    used = np.arange(d.motif_start.shape[1])[None, :] < d.num_motifs[:, None]
    assert np.all((d.motif_start >= 0) == used)
    starts, ends = d.motif_start, d.motif_start + d.motif_width
    assert np.all(starts[used] >= 1)  # 1 nt from the start
    assert np.all(ends[used] <= 199)  # 1 nt from the end (last index 199 is background)
    gaps = starts[:, 1:] - ends[:, :-1]  # between consecutive motifs
    assert np.all(gaps[used[:, 1:]] >= 1)
    widths = np.array([len(p) for p in synthetic.ground_truth_pwms()])
    assert np.array_equal(d.motif_width[used], widths[d.motif_tf[used]])


def test_without_buffer_motifs_abut_each_other_and_the_ends():
    """buffer=0 (Koo & Ploenzke's set): motifs may start at 0, end at the last position and
    touch; they never overlap. buffer=3 keeps 3 nt everywhere."""
    d = synthetic.generate(5_000, seed=5, buffer=0)
    used = np.arange(d.motif_start.shape[1])[None, :] < d.num_motifs[:, None]
    starts, ends = d.motif_start, d.motif_start + d.motif_width
    gaps = (starts[:, 1:] - ends[:, :-1])[used[:, 1:]]
    assert starts[used].min() == 0 and ends[used].max() == 200
    assert gaps.min() == 0 and np.any(gaps == 0)
    wide = synthetic.generate(2_000, seed=5, buffer=3)
    used = np.arange(wide.motif_start.shape[1])[None, :] < wide.num_motifs[:, None]
    starts, ends = wide.motif_start, wide.motif_start + wide.motif_width
    assert starts[used].min() >= 3 and ends[used].max() <= 197
    assert (starts[:, 1:] - ends[:, :-1])[used[:, 1:]].min() >= 3


def test_buffer_1_is_the_default():
    assert synthetic.fingerprint(synthetic.generate(300, seed=4, buffer=1)) == \
        synthetic.fingerprint(synthetic.generate(300, seed=4))


def test_labels_are_the_planted_tfs(paper_set):
    d = paper_set
    for i in range(0, 25_000, 97):
        expected = np.zeros(12, dtype=np.uint8)
        for tf, *_ in d.planted(i):
            expected[tf] = 1
        assert np.array_equal(d.labels[i], expected)


def test_motif_counts_follow_released_code_probabilities(paper_set):
    freq = np.bincount(paper_set.num_motifs, minlength=6)[1:] / 25_000
    np.testing.assert_allclose(freq, synthetic.PAPER_COUNT_PROBS, atol=0.01)
    # Strands and TFs drawn uniformly from the 24 PWMs.
    used = paper_set.motif_strand >= 0
    assert abs(paper_set.motif_strand[used].mean() - 0.5) < 0.01
    tf_freq = np.bincount(paper_set.motif_tf[used], minlength=12) / used.sum()
    np.testing.assert_allclose(tf_freq, 1 / 12, atol=0.01)


def test_planted_letters_are_sampled_from_the_right_pwm_and_strand(paper_set):
    d = paper_set
    pwms = synthetic.ground_truth_pwms()
    for tf in range(12):
        for strand in (0, 1):
            pwm = pwms[tf] if strand == 0 else synthetic.reverse_complement(pwms[tf])
            rows, slots = np.nonzero((d.motif_tf == tf) & (d.motif_strand == strand))
            starts = d.motif_start[rows, slots]
            windows = d.sequences[rows[:, None], starts[:, None] + np.arange(len(pwm))]
            counts = np.stack([(windows == b).sum(axis=0) for b in range(4)], axis=1)
            # A letter with probability 0 never appears ...
            assert np.all(counts[pwm == 0] == 0), (tf, strand)
            # ... and the observed frequencies match the PWM (>= ~1000 instances each).
            np.testing.assert_allclose(counts / len(rows), pwm, atol=0.06)


def test_background_is_uniform(paper_set):
    d = paper_set
    mask = np.ones_like(d.sequences, dtype=bool)
    for j in range(d.motif_start.shape[1]):
        for i in np.nonzero(d.motif_start[:, j] >= 0)[0][:2000]:
            mask[i, d.motif_start[i, j]:d.motif_start[i, j] + d.motif_width[i, j]] = False
    freq = np.bincount(d.sequences[:2000][mask[:2000]], minlength=4) / mask[:2000].sum()
    np.testing.assert_allclose(freq, 0.25, atol=0.005)


# Pinned fingerprints: the same version and config must give these arrays on every
# machine. A change here is a new data set version (bump Builder.VERSION).
PAPER_FINGERPRINT = "36de1495b8904dbd7de4f66434e3baaae51d3dd7173a5aff890fb20343605789"
TINY_FINGERPRINT = "7a45491e9639f5d94cc9297fafa2ad6b7ef52faa28a20cea81b6ce0496ab5d90"


def test_paper_config_fingerprint(paper_set):
    assert synthetic.fingerprint(paper_set) == PAPER_FINGERPRINT


def test_tiny_config_fingerprint():
    assert synthetic.fingerprint(synthetic.generate(600, seed=0)) == TINY_FINGERPRINT


def test_determinism_and_seed_sensitivity():
    a = synthetic.generate(600, seed=0)
    b = synthetic.generate(600, seed=0)
    c = synthetic.generate(600, seed=1)
    assert synthetic.fingerprint(a) == synthetic.fingerprint(b)
    assert synthetic.fingerprint(a) != synthetic.fingerprint(c)
    first, second = synthetic.split_indices(600), synthetic.split_indices(600)
    assert np.array_equal(first["test"], second["test"])


def test_custom_length_and_counts():
    d = synthetic.generate(300, length=120, seed=3, count_probs=(0.0, 1.0))
    assert d.sequences.shape == (300, 120)
    assert np.all(d.num_motifs == 2)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"num_sequences": 0}, "num_sequences is 0"),
        ({"num_sequences": -5}, "positive integer"),
        ({"num_sequences": 10}, "at least 30"),
        ({"length": 40}, "use length >= 86"),
        ({"length": -1}, "length is -1"),
        ({"count_probs": (0.5, 0.4)}, "sum to 1"),
        ({"count_probs": (1.2, -0.2)}, "non-negative"),
        ({"buffer": -1}, "buffer is -1"),
        ({"buffer": True}, "buffer is True"),
        ({"length": 79, "buffer": 0}, "use length >= 80"),  # 5 x 16 nt, nothing between
        ({"length": 85, "buffer": 1}, "use length >= 86"),
    ],
)
def test_impossible_configs_are_clear_errors(kwargs, needle):
    with pytest.raises(DatasetError, match=needle):
        synthetic.generate(**{"num_sequences": 100, **kwargs})
