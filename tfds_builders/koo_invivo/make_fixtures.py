"""Write small DeepSEA bundles in DeepSEA's exact file formats (the builder's dummy data).

``train.mat`` is MATLAB v7.3: an HDF5 file with MATLAB's 512-byte header block, the
arrays stored transposed (h5py reads ``trainxdata`` as (1000, 4, N) and
``traindata`` as (919, N)), a ``MATLAB_class`` attribute on each, chunked and
deflate-compressed as MATLAB saves them by default. ``valid.mat`` and ``test.mat``
are MATLAB v5, written with ``scipy.io.savemat`` (MATLAB sizes (N, 4, 1000) and
(N, 919)). Sequences are one-hot in DeepSEA's channel order A, G, C, T.

Labels are sparse like DeepSEA's: each of the 919 columns is positive in 0.1% to 10%
of the sequences (log-uniform), and each of the 12 kept columns in
``TF_RATE`` of them by default (2.5%, within DeepSEA's range; about a quarter of the
sequences are then kept). A few rows are planted so every fixture covers the edge
cases: the first and the last sequence are kept, one sequence has positives only in
columns that are not kept (and must be dropped), one has three kept positives, and
each of the 12 classes is positive at least once.

Deterministic: the same arguments write the same bytes (``numpy.random.PCG64``, fixed
header texts, no HDF5 time stamps).

    python tfds_builders/koo_invivo/make_fixtures.py            # rewrite dummy_data/
    python tfds_builders/koo_invivo/make_fixtures.py --out DIR --train 200000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

# The builder's own constants are not imported: the fixtures restate DeepSEA's layout.
KEPT_COLUMNS = (592, 602, 344, 345, 635, 636, 349, 642, 359, 361, 661, 369)
NUM_FEATURES = 919
LENGTH = 1000
CHANNELS = "AGCT"  # DeepSEA's one-hot order
TF_RATE = 0.025
#: Positives per class among DeepSEA's 4.4 million training sequences, as printed by the
#: authors' released notebook (p-koo/learning_sequence_motifs,
#: code/0_Generate_invivo_dataset.ipynb); divided by 4.4e6 they give per-class rates.
PAPER_TRAIN_POSITIVES = (27652, 85354, 19724, 34194, 43528, 87290, 9792, 22758, 17450, 7528,
                         4516, 31146)
PAPER_TF_RATES = tuple(c / 4_400_000 for c in PAPER_TRAIN_POSITIVES)
BASE_PROBS = (0.3, 0.2, 0.2, 0.3)  # A, C, G, T (genome-like GC content)
DUMMY_SIZES = {"train": 240, "valid": 64, "test": 96}
DUMMY_DIR = (Path(__file__).resolve().parent / "dummy_data" / "deepsea_train_bundle"
             / "deepsea_train")

_DECOY_COLUMNS = (0, 343, 346, 600, 918)  # positives that must not keep a sequence


def column_rates(seed: int, tf_rates=None) -> np.ndarray:
    """Positive rate of each of the 919 label columns."""
    rng = np.random.Generator(np.random.PCG64([seed, 919]))
    rates = np.exp(rng.uniform(np.log(0.001), np.log(0.10), NUM_FEATURES))
    kept = np.asarray(tf_rates if tf_rates is not None else [TF_RATE] * len(KEPT_COLUMNS))
    rates[list(KEPT_COLUMNS)] = kept
    return rates


def simulate(n: int, first_row: int, total: int, seed: int, rates: np.ndarray):
    """Rows ``first_row:first_row + n`` of a split of ``total`` sequences.

    Returns
    -------
    bases : numpy.ndarray
        uint8 (n, 1000), 0..3 for A, C, G, T.
    labels : numpy.ndarray
        uint8 (n, 919).
    """
    rng = np.random.Generator(np.random.PCG64([seed, first_row]))
    bases = rng.choice(4, size=(n, LENGTH), p=BASE_PROBS).astype(np.uint8)
    labels = (rng.random((n, NUM_FEATURES)) < rates).astype(np.uint8)
    rows = np.arange(first_row, first_row + n)

    def plant(row, columns, only=False):
        hit = np.flatnonzero(rows == row)
        if hit.size:
            if only:
                labels[hit[0], list(KEPT_COLUMNS)] = 0
            labels[hit[0], list(columns)] = 1

    plant(0, [KEPT_COLUMNS[0]])
    if total > 3:
        plant(1, _DECOY_COLUMNS, only=True)
        plant(2, [KEPT_COLUMNS[1], KEPT_COLUMNS[5], KEPT_COLUMNS[11]])
    for k, column in enumerate(KEPT_COLUMNS):
        if 3 + k < total - 1:
            plant(3 + k, [column])
    plant(total - 1, [KEPT_COLUMNS[-1]])
    return bases, labels


def one_hot_agct(bases: np.ndarray) -> np.ndarray:
    """(n, 4, 1000) uint8 one-hot in DeepSEA's A, G, C, T channel order."""
    channel = np.array([CHANNELS.index(b) for b in "ACGT"], np.uint8)[bases]  # (n, 1000)
    x = np.zeros((bases.shape[0], 4, LENGTH), np.uint8)
    np.put_along_axis(x, channel[:, None, :], 1, axis=1)
    return x


def _matlab_header(version: int) -> bytes:
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(0))
    if version == 0x0200:
        text = f"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: {stamp} HDF5 schema 1.00 ."
    else:
        text = f"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: {stamp}"
    return text.encode("ascii").ljust(116, b" ") + b" " * 8 + version.to_bytes(2, "little") + b"IM"


def write_train_mat(path, n: int, seed: int = 0, *, tf_rates=None, chunk_rows: int | None = 64,
                    compression: str | None = "gzip", level: int = 3, block: int = 8192,
                    x_name: str = "trainxdata", y_name: str = "traindata") -> Path:
    """Write a MATLAB v7.3 ``train.mat`` of ``n`` sequences, ``block`` at a time.

    ``chunk_rows=None, compression=None`` writes contiguous, uncompressed datasets.
    """
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rates = column_rates(seed, tf_rates)
    x_opts, y_opts = {"track_times": False}, {"track_times": False}
    if chunk_rows:
        x_opts["chunks"] = (LENGTH, 4, min(chunk_rows, n))
        y_opts["chunks"] = (NUM_FEATURES, min(chunk_rows, n))
    if compression:
        for opts in (x_opts, y_opts):
            opts.update(compression=compression, compression_opts=level)
    with h5py.File(path, "w", userblock_size=512) as f:
        x = f.create_dataset(x_name, shape=(LENGTH, 4, n), dtype=np.uint8, **x_opts)
        y = f.create_dataset(y_name, shape=(NUM_FEATURES, n), dtype=np.uint8, **y_opts)
        for dset in (x, y):
            dset.attrs["MATLAB_class"] = np.bytes_("uint8")
        for start in range(0, n, block):
            stop = min(start + block, n)
            bases, labels = simulate(stop - start, start, n, seed, rates)
            x[:, :, start:stop] = one_hot_agct(bases).transpose(2, 1, 0)
            y[:, start:stop] = labels.T
    with open(path, "r+b") as f:  # MATLAB's header in the HDF5 user block
        f.write(_matlab_header(0x0200))
    return path


def write_v5_mat(path, prefix: str, n: int, seed: int = 0, *, tf_rates=None,
                 compress: bool = True) -> Path:
    """Write a MATLAB v5 ``valid.mat`` / ``test.mat`` (``prefix`` "valid" or "test")."""
    import scipy.io

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bases, labels = simulate(n, 0, n, seed, column_rates(seed, tf_rates))
    scipy.io.savemat(path, {f"{prefix}xdata": one_hot_agct(bases), f"{prefix}data": labels},
                     do_compression=compress, oned_as="column")
    with open(path, "r+b") as f:  # a fixed header text instead of scipy's time stamp
        f.write(_matlab_header(0x0100)[:116])
    return path


def write_bundle(folder, sizes=None, seed: int = 0, *, compress_v5: bool = True,
                 **train_options) -> Path:
    """Write ``train.mat``, ``valid.mat`` and ``test.mat`` into ``folder``.

    Each file gets its own seed (``seed``, ``seed + 1``, ``seed + 2``).
    """
    sizes = {**DUMMY_SIZES, **(sizes or {})}
    folder = Path(folder)
    write_train_mat(folder / "train.mat", sizes["train"], seed, **train_options)
    tf_rates = train_options.get("tf_rates")
    write_v5_mat(folder / "valid.mat", "valid", sizes["valid"], seed + 1, tf_rates=tf_rates,
                 compress=compress_v5)
    write_v5_mat(folder / "test.mat", "test", sizes["test"], seed + 2, tf_rates=tf_rates,
                 compress=compress_v5)
    return folder


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DUMMY_DIR)
    parser.add_argument("--train", type=int, default=DUMMY_SIZES["train"])
    parser.add_argument("--valid", type=int, default=DUMMY_SIZES["valid"])
    parser.add_argument("--test", type=int, default=DUMMY_SIZES["test"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = write_bundle(args.out, {"train": args.train, "valid": args.valid,
                                     "test": args.test}, args.seed)
    for name in ("train.mat", "valid.mat", "test.mat"):
        print(f"{folder / name}: {(folder / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
