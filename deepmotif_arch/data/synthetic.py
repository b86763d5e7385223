"""The synthetic data set of Koo & Eddy (2019), generated with NumPy.

Twelve JASPAR 2016 motifs (and their reverse complements, 24 PWMs) are planted in
uniform random DNA: 1 to 5 motifs per sequence, drawn with replacement, each
sampled column by column from its PWM and placed at least 1 nt away from the ends
and from every other motif (``buffer``; Koo & Ploenzke's 2021 set has none, the
``kp21`` config). The label of a sequence marks the TFs whose motif (on
either strand) was planted; motifs that arise by chance are not labelled.

Everything is vectorised over sequences (no per-nucleotide Python loop). Every random
number comes from a seeded PCG64 bit generator, either as raw 64-bit words
(background letters, 2 bits each) or through ``Generator.random`` (doubles from the
top 53 bits of a word); both streams are fixed by the PCG64 algorithm and do not
depend on NumPy's version or the platform, so the same arguments give byte-identical
arrays everywhere (:func:`fingerprint`).

The TFDS builder ``koo_synthetic`` stores what :func:`generate` returns.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.base.sequence import reverse_complement

__all__ = [
    "CLASS_NAMES",
    "JASPAR_IDS",
    "PAPER_COUNT_PROBS",
    "SPLIT_FRACTIONS",
    "SyntheticSet",
    "ground_truth_pwms",
    "reverse_complement",
    "generate",
    "split_indices",
    "fingerprint",
    "check_config",
]

#: The 12 transcription factors, in class (label column) order.
CLASS_NAMES: tuple[str, ...] = (
    "Arid3a", "CEBPB", "FOSL1", "Gabpa", "MAFK", "MAX",
    "MEF2A", "NFYB", "SP1", "SRF", "STAT1", "YY1",
)
#: Their JASPAR 2016 matrix IDs (the ground-truth PWMs), in class order.
JASPAR_IDS: tuple[str, ...] = (
    "MA0151.1", "MA0466.2", "MA0477.1", "MA0062.2", "MA0496.1", "MA0058.3",
    "MA0052.3", "MA0502.1", "MA0079.3", "MA0083.3", "MA0137.3", "MA0095.2",
)
#: Probabilities of planting 1, 2, 3, 4 or 5 motifs (the authors' released code;
#: the paper's text only says "1 to 5").
PAPER_COUNT_PROBS: tuple[float, ...] = (0.50, 0.25, 0.17, 0.05, 0.03)
#: Train / validation / test fractions.
SPLIT_FRACTIONS: tuple[float, float, float] = (0.7, 0.1, 0.2)


@functools.lru_cache(maxsize=1)
def ground_truth_pwms() -> tuple[np.ndarray, ...]:
    """The 12 ground-truth position probability matrices, read offline from pyjaspar
    (:func:`deepmotif_arch.motifs.jaspar.jaspar_motifs`, exact count ratios).

    Returns
    -------
    tuple of numpy.ndarray
        One float64 array of shape (width, 4) per class, columns A, C, G, T, each
        row the JASPAR 2016 counts divided by their sum (as JASPAR's MEME files).
    """
    from deepmotif_arch.motifs.jaspar import jaspar_motifs

    return tuple(np.array(m.matrix) for m in jaspar_motifs(JASPAR_IDS, "JASPAR2016"))


@dataclass(frozen=True)
class SyntheticSet:
    """Generated sequences with their labels and ground truth.

    Attributes
    ----------
    sequences : numpy.ndarray
        uint8, shape (n, length); 0..3 for A, C, G, T.
    labels : numpy.ndarray
        uint8, shape (n, 12); 1 where the TF's motif was planted.
    num_motifs : numpy.ndarray
        int32, shape (n,): motifs planted per sequence.
    motif_tf, motif_start, motif_width, motif_strand : numpy.ndarray
        int32, shape (n, max_motifs), left-aligned by position along the sequence;
        entries past ``num_motifs`` are -1. ``motif_strand`` is 0 for the JASPAR
        orientation and 1 for its reverse complement; ``motif_start`` is 0-based.
    """

    sequences: np.ndarray
    labels: np.ndarray
    num_motifs: np.ndarray
    motif_tf: np.ndarray
    motif_start: np.ndarray
    motif_width: np.ndarray
    motif_strand: np.ndarray

    def __len__(self) -> int:
        return len(self.sequences)

    def planted(self, index: int) -> list[tuple[int, int, int, int]]:
        """(tf, start, width, strand) of every motif planted in sequence ``index``."""
        k = int(self.num_motifs[index])
        return [
            (int(self.motif_tf[index, j]), int(self.motif_start[index, j]),
             int(self.motif_width[index, j]), int(self.motif_strand[index, j]))
            for j in range(k)
        ]


def check_config(num_sequences: int, length: int, count_probs: Sequence[float],
                 pwms: Sequence[np.ndarray] | None = None, buffer: int = 1) -> None:
    """Raise :class:`DatasetError` for a configuration that cannot be generated."""
    if isinstance(num_sequences, bool) or not isinstance(num_sequences, (int, np.integer)) \
            or num_sequences < 1:
        raise DatasetError(
            f"num_sequences is {num_sequences!r}; it must be a positive integer such as 25000."
        )
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise DatasetError(f"length is {length!r}; it must be a positive integer such as 200.")
    probs = np.asarray(count_probs, dtype=np.float64)
    if probs.ndim != 1 or probs.size == 0 or np.any(probs < 0) or \
            not np.isclose(probs.sum(), 1.0, atol=1e-6):
        raise DatasetError(
            f"count_probs {tuple(count_probs)!r} must be non-negative probabilities of planting "
            "1, 2, ... motifs that sum to 1, such as (0.5, 0.25, 0.17, 0.05, 0.03)."
        )
    if isinstance(buffer, bool) or not isinstance(buffer, (int, np.integer)) or buffer < 0:
        raise DatasetError(f"buffer is {buffer!r}; it must be 0 or a positive number of "
                           "nucleotides such as 1 (the paper's).")
    max_count = int(np.flatnonzero(probs > 0).max()) + 1
    widths = [len(p) for p in (pwms if pwms is not None else ground_truth_pwms())]
    needed = max_count * max(widths) + buffer * (max_count + 1)
    if needed > length:
        raise DatasetError(
            f"length={length} cannot hold {max_count} motifs of up to {max(widths)} nt with "
            f"{buffer} nt of buffer around each ({needed} nt needed); use length >= {needed} "
            "or fewer motifs per sequence."
        )
    if num_sequences < len(SPLIT_FRACTIONS) * 10:
        raise DatasetError(
            f"num_sequences={num_sequences} is too small to split into train, validation and "
            "test; use at least 30."
        )


def generate(
    num_sequences: int = 25_000,
    length: int = 200,
    seed: int = 0,
    count_probs: Sequence[float] = PAPER_COUNT_PROBS,
    pwms: Sequence[np.ndarray] | None = None,
    buffer: int = 1,
) -> SyntheticSet:
    """Generate the synthetic data set.

    Parameters
    ----------
    num_sequences : int, default 25000
        Number of sequences (the paper's 25,000).
    length : int, default 200
        Sequence length in nucleotides.
    seed : int, default 0
        Seed of the PCG64 generator; the same arguments give identical arrays.
    count_probs : sequence of float
        Probability of planting 1, 2, ... motifs per sequence.
    pwms : sequence of arrays of shape (width, 4), optional
        Forward-strand PWMs, one per class; default the 12 JASPAR 2016 ground truths.
        Their reverse complements are added, so 2 * len(pwms) PWMs are drawn from.
    buffer : int, default 1
        Least number of background nucleotides before the first motif, between motifs
        and after the last (the paper's 1; 0 lets motifs abut each other and the ends,
        as in Koo & Ploenzke's set). The default gives the same arrays as before it
        existed.

    Returns
    -------
    SyntheticSet
    """
    pwms = tuple(np.asarray(p, dtype=np.float64) for p in (pwms or ground_truth_pwms()))
    check_config(num_sequences, length, count_probs, pwms, buffer)
    buffer = int(buffer)
    n, n_classes = int(num_sequences), len(pwms)
    probs = np.asarray(count_probs, dtype=np.float64)
    probs = probs / probs.sum()
    k_max = len(probs)
    rng = np.random.Generator(np.random.PCG64(seed))

    # All 2 * n_classes PWMs: forward strands first, then reverse complements.
    library = [*pwms, *(reverse_complement(p) for p in pwms)]
    widths_of = np.array([len(p) for p in library], dtype=np.int64)
    w_max = int(widths_of.max())
    thresholds = np.full((len(library), w_max, 3), np.inf)
    for m, pwm in enumerate(library):
        col = pwm / pwm.sum(axis=1, keepdims=True)
        cum = np.cumsum(col, axis=1)[:, :3]
        # A letter with probability 0 must never be drawn, whatever the rounding:
        # once nothing is left to the right, the remaining thresholds are unreachable.
        remaining = np.cumsum(col[:, ::-1], axis=1)[:, ::-1][:, 1:]  # P(letter > k)
        thresholds[m, : len(pwm)] = np.where(remaining > 0, cum, np.inf)

    # 1. how many motifs, 2. which ones (in placement order).
    counts = np.searchsorted(np.cumsum(probs)[:-1], rng.random(n), side="right") + 1
    used = np.arange(k_max)[None, :] < counts[:, None]  # (n, k_max)
    which = np.minimum((rng.random((n, k_max)) * len(library)).astype(np.int64),
                       len(library) - 1)
    widths = np.where(used, widths_of[which], 0)

    # 3. positions: spread the free space over the k + 1 gaps. k cut points drawn
    # uniformly in [0, slack] and sorted give the extra space before each motif.
    slack = length - widths.sum(axis=1) - buffer * (counts + 1)
    cuts = np.floor(rng.random((n, k_max)) * (slack[:, None] + 1)).astype(np.int64)
    cuts = np.sort(np.where(used, cuts, np.iinfo(np.int64).max), axis=1)
    cuts = np.where(used, cuts, 0)
    before = np.cumsum(widths, axis=1) - widths  # motif nucleotides placed earlier
    starts = buffer * (1 + np.arange(k_max)[None, :]) + before + cuts

    # 4. background: 2 bits per nucleotide straight from the raw 64-bit stream.
    sequences = _uniform_letters(rng, n, length)

    # 5. motif letters, sampled column by column from their PWMs (only where planted),
    # one uniform draw per planted nucleotide in sequence / motif / column order.
    draws = rng.random(int(widths.sum()))
    _plant_letters(sequences, counts, which, starts, widths_of, thresholds, draws)

    tf = which % n_classes
    labels = np.zeros((n, n_classes), dtype=np.uint8)
    every = np.arange(n)
    for j in range(k_max):
        labels[every, tf[:, j]] |= used[:, j].view(np.uint8)

    def masked(values):
        return np.where(used, values, -1).astype(np.int32)

    return SyntheticSet(
        sequences=sequences,
        labels=labels,
        num_motifs=counts.astype(np.int32),
        motif_tf=masked(tf),
        motif_start=masked(starts),
        motif_width=masked(widths),
        motif_strand=masked(which // n_classes),
    )


@numba.njit(cache=True, nogil=True)
def _plant_letters(sequences, counts, which, starts, widths_of, thresholds, draws):
    """Write the sampled letters of every planted motif into ``sequences`` in place.

    A letter is the number of its column's cumulative thresholds the draw reaches
    (unreachable thresholds are +inf, so letters of probability 0 never appear).
    """
    k = 0
    for i in range(sequences.shape[0]):
        for j in range(counts[i]):
            m = which[i, j]
            start = starts[i, j]
            for c in range(widths_of[m]):
                u = draws[k]
                k += 1
                t = thresholds[m, c]
                sequences[i, start + c] = (u >= t[0]) + (u >= t[1]) + (u >= t[2])


def _uniform_letters(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """Uniform letters 0..3 of shape (n, length), 32 per raw 64-bit draw (2 bits each)."""
    words = -(-n * length // 32)
    raw = rng.bit_generator.random_raw(words).astype("<u8").view(np.uint8)
    letters = _BYTE_TO_LETTERS[raw].view(np.uint8)  # 4 letters per byte, low bits first
    return letters[: n * length].reshape(n, length)


# Byte value -> its four 2-bit letters (low bits first), packed little-endian in a uint32.
_BYTE_TO_LETTERS = (
    (np.arange(256)[:, None] >> np.array([0, 2, 4, 6]) & 3).astype(np.uint8)
    .view("<u4").reshape(256)
)


def split_indices(num_sequences: int, seed: int = 0,
                  fractions: Sequence[float] = SPLIT_FRACTIONS) -> dict[str, np.ndarray]:
    """Random train / validation / test split of ``range(num_sequences)``.

    The split has its own generator (seeded from ``seed`` and a fixed offset) so
    that it does not depend on how the sequences were drawn. Counts are
    ``round(fraction * n)`` for train and validation, the rest is test; indices
    within each split are sorted.
    """
    rng = np.random.Generator(np.random.PCG64([seed, 1]))
    order = np.argsort(rng.random(num_sequences), kind="stable")
    n_train = int(round(fractions[0] * num_sequences))
    n_valid = int(round(fractions[1] * num_sequences))
    return {
        "train": np.sort(order[:n_train]),
        "validation": np.sort(order[n_train:n_train + n_valid]),
        "test": np.sort(order[n_train + n_valid:]),
    }


def fingerprint(data: SyntheticSet) -> str:
    """SHA-256 over every array of a :class:`SyntheticSet` (shapes, dtypes and bytes)."""
    digest = hashlib.sha256()
    for name in ("sequences", "labels", "num_motifs", "motif_tf", "motif_start",
                 "motif_width", "motif_strand"):
        array = np.ascontiguousarray(getattr(data, name))
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
