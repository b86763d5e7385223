"""DeepSEA's training bundle, and the paper's truncation of it, block by block.

The bundle (Zhou & Troyanskaya 2015) holds ``train.mat`` (MATLAB v7.3),
``valid.mat`` and ``test.mat`` (MATLAB v5). In MATLAB's terms each holds an
``(N, 4, 1000)`` one-hot array of 1000 nt sequences, channels A, G, C, T, and an
``(N, 919)`` array of binary chromatin labels; h5py shows the v7.3 arrays transposed,
``(1000, 4, N)`` and ``(919, N)``. Koo & Eddy (2019) keep the 12 label columns of the
transcription factors of their synthetic set and only the sequences with at least one
of those 12 labels set.

:func:`inspect_split` checks a file before any conversion starts (version, variable
names, shapes, dtypes) and describes it as a picklable :class:`SplitSource`;
:class:`SplitReader` turns blocks of rows into examples: sequences as uint8 indices
0..3 for A, C, G, T, the 12 labels, and each sequence's zero-based row in its file.
Every row of a block is checked to be one-hot and every kept label to be 0 or 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepmotif_arch.errors import DatasetError

from . import matfile

__all__ = [
    "CLASS_NAMES", "DEEPSEA_COLUMNS", "SEQUENCE_LENGTH", "NUM_FEATURES", "BUNDLE_URL",
    "BUNDLE_ARCHIVE", "BUNDLE_FOLDER", "SPLIT_FILES", "SplitFile", "SplitSource", "Block",
    "SplitReader", "find_bundle", "inspect_split", "convert_block",
]

#: The 12 transcription factors, in the class order of the library (and the paper).
CLASS_NAMES = ("Arid3a", "CEBPB", "FOSL1", "Gabpa", "MAFK", "MAX", "MEF2A", "NFYB", "SP1",
               "SRF", "STAT1", "YY1")
#: Their zero-based columns among DeepSEA's 919 labels, in the same order.
DEEPSEA_COLUMNS = (592, 602, 344, 345, 635, 636, 349, 642, 359, 361, 661, 369)
SEQUENCE_LENGTH = 1000
NUM_FEATURES = 919
#: DeepSEA's channel order; the examples use A, C, G, T (0, 1, 2, 3).
DEEPSEA_CHANNELS = "AGCT"

BUNDLE_URL = "http://deepsea.princeton.edu/media/code/deepsea_train_bundle.v0.9.tar.gz"
BUNDLE_ARCHIVE = "deepsea_train_bundle.v0.9.tar.gz"
BUNDLE_FOLDER = "deepsea_train"

#: Sequences per block are chosen so that a block of one-hot values takes about this much
#: memory (64 MiB: 16,384 sequences of uint8).
BLOCK_BYTES = 64 * 2**20
#: Compressed v5 variables are inflated once per block, so their blocks are larger.
COMPRESSED_BLOCK_BYTES = 128 * 2**20
#: The largest block accepted to match the storage chunks of an HDF5 file.
MAX_CHUNK_ALIGNED_BYTES = 256 * 2**20
_POSITION_TILE = 16  # positions checked at a time, so the one-hot check stays in cache

# Index in A, C, G, T of each DeepSEA channel (A, G, C, T): 0, 2, 1, 3.
_ACGT_OF_CHANNEL = np.array(["ACGT".index(b) for b in DEEPSEA_CHANNELS])


@dataclass(frozen=True)
class SplitFile:
    """Where a split lives in the bundle and what its file must contain."""

    split: str
    filename: str
    version: str  # "7.3" or "5"
    x_name: str
    y_name: str

    @property
    def version_label(self) -> str:
        return "MATLAB v7.3 (HDF5)" if self.version == "7.3" else "MATLAB v5"


SPLIT_FILES = (
    SplitFile("train", "train.mat", "7.3", "trainxdata", "traindata"),
    SplitFile("validation", "valid.mat", "5", "validxdata", "validdata"),
    SplitFile("test", "test.mat", "5", "testxdata", "testdata"),
)


@dataclass(frozen=True)
class SplitSource:
    """A checked split file: everything a reader (or a Beam worker) needs to convert it."""

    file: SplitFile
    path: str
    num_sequences: int
    block_size: int
    columns: tuple[int, ...] = DEEPSEA_COLUMNS

    def blocks(self) -> list[tuple[int, int]]:
        """Row ranges ``(start, stop)`` that cover the file, in order."""
        step = self.block_size
        return [(a, min(a + step, self.num_sequences)) for a in range(0, self.num_sequences, step)]


@dataclass
class Block:
    """The kept sequences of a block of rows.

    Attributes
    ----------
    indices : numpy.ndarray
        int64, shape (k,): zero-based rows in the split's file.
    sequences : numpy.ndarray
        uint8, shape (k, 1000): 0, 1, 2, 3 for A, C, G, T.
    labels : numpy.ndarray
        uint8, shape (k, len(columns)): the kept label columns, in class order.
    """

    indices: np.ndarray
    sequences: np.ndarray
    labels: np.ndarray


def find_bundle(root: str | Path) -> tuple[str, Path] | None:
    """Look for the bundle in a folder.

    Returns ``("folder", path)`` for a folder holding any of the three ``.mat`` files
    (``root`` itself or ``root/deepsea_train``), ``("archive", path)`` for the
    downloaded tarball in ``root``, or None.
    """
    root = Path(root)
    for folder in (root, root / BUNDLE_FOLDER):
        if any((folder / f.filename).exists() for f in SPLIT_FILES):
            return "folder", folder
    archive = root / BUNDLE_ARCHIVE
    if archive.is_file():
        return "archive", archive
    return None


def _shape_text(shape) -> str:
    return " x ".join(str(d) for d in shape)


def inspect_split(path: str | Path, file: SplitFile, columns=DEEPSEA_COLUMNS,
                  block_size: int | None = None) -> SplitSource:
    """Check one split file of the bundle without reading its data.

    Parameters
    ----------
    path : str or Path
        The ``.mat`` file.
    file : SplitFile
        Which split it is (one of :data:`SPLIT_FILES`).
    columns : sequence of int
        Label columns to keep (DeepSEA's zero-based numbering).
    block_size : int, optional
        Sequences per block; by default about :data:`BLOCK_BYTES` of one-hot values,
        aligned with the file's HDF5 chunks.

    Raises
    ------
    DatasetError
        One sentence naming the file and what was expected: a missing file, a file of
        the wrong kind or MAT-file version, a missing or non-numeric variable, or
        shapes other than DeepSEA's.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path} does not exist; expected DeepSEA's {file.filename} "
                           f"({file.version_label}) there, as in {BUNDLE_ARCHIVE}.")
    if not path.is_file():
        raise DatasetError(f"{path} is not a file; expected DeepSEA's {file.filename} "
                           f"({file.version_label}).")
    version = matfile.mat_version(path)
    if version != file.version:
        found = {"7.3": "a MATLAB v7.3 (HDF5) file", "5": "a MATLAB v5 MAT-file",
                 "4": "a MATLAB v4 MAT-file"}.get(version, "not a MATLAB MAT-file")
        raise DatasetError(f"{path} is {found}; expected {file.version_label}, the format of "
                           f"{file.filename} in DeepSEA's bundle.")
    with matfile.open_mat(path) as reader:
        found = reader.variables()
        for name in (file.x_name, file.y_name):
            if name not in found:
                names = ", ".join(sorted(found)) or "none"
                raise DatasetError(f"{path} has no variable {name!r} (it has: {names}); "
                                   f"expected {file.x_name} and {file.y_name} as in DeepSEA's "
                                   f"{file.filename}.")
            var = found[name]
            if not var.numeric:
                kind = "complex" if var.complex else var.matlab_class
                raise DatasetError(f"{path}: {name} is a MATLAB {kind} array; expected a real "
                                   "numeric array of 0s and 1s.")
        x, y = found[file.x_name], found[file.y_name]
        n = x.shape[0]
        if len(x.shape) != 3 or x.shape[1:] != (4, SEQUENCE_LENGTH) or n == 0:
            raise DatasetError(
                f"{path}: {file.x_name} is {_describe(x.shape, version)}; expected "
                f"{_describe(('N', 4, SEQUENCE_LENGTH), version)}, N one-hot sequences of "
                f"{SEQUENCE_LENGTH} nt.")
        if len(y.shape) != 2 or y.shape[0] != n:
            raise DatasetError(
                f"{path}: {file.y_name} is {_describe(y.shape, version)}; expected "
                f"{_describe((n, NUM_FEATURES), version)}, one row of labels per sequence of "
                f"{file.x_name}.")
        if y.shape[1] != NUM_FEATURES:
            few = "too few" if y.shape[1] < NUM_FEATURES else "too many"
            raise DatasetError(
                f"{path}: {file.y_name} has {y.shape[1]} label columns ({few}); expected "
                f"DeepSEA's {NUM_FEATURES}, of which columns "
                f"{', '.join(map(str, sorted(columns)))} are kept.")
        if block_size is None:
            block_size = _block_size(reader, x)
    return SplitSource(file, str(path), n, int(block_size), tuple(int(c) for c in columns))


def _describe(shape, version: str) -> str:
    """A MATLAB size as text, with h5py's reversed view of it for v7.3 files."""
    text = f"{_shape_text(shape)} in MATLAB"
    if version == "7.3":
        text += f" ({_shape_text(tuple(shape)[::-1])} as h5py reads it)"
    return text


def _block_size(reader: matfile.MatReader, x: matfile.Variable) -> int:
    """Sequences per block: about BLOCK_BYTES of values, aligned with HDF5 chunks."""
    row_bytes = math.prod(x.shape[1:]) * x.dtype.itemsize
    budget = COMPRESSED_BLOCK_BYTES if (x.compressed and reader.version == "5") else BLOCK_BYTES
    size = max(1, budget // row_bytes)
    chunk = reader.chunk_rows(x.name)
    if chunk:
        if chunk <= size:
            size = size // chunk * chunk  # every chunk inflated exactly once
        elif chunk * row_bytes <= MAX_CHUNK_ALIGNED_BYTES:
            size = chunk
    return int(min(size, x.shape[0]))


class SplitReader:
    """Converts a checked split file block by block (use as a context manager).

    >>> with SplitReader(source) as reader:              # doctest: +SKIP
    ...     for block in reader:
    ...         print(block.indices[:3], block.sequences.shape)
    """

    def __init__(self, source: SplitSource):
        self.source = source
        self._reader = matfile.open_mat(source.path)
        self._x_buffer = None

    def __enter__(self) -> SplitReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    def __iter__(self) -> Iterator[Block]:
        for start, stop in self.source.blocks():
            yield self.read_block(start, stop)

    def read_block(self, start: int, stop: int) -> Block:
        """Read rows ``start:stop``, check them, and keep those with a positive label."""
        src = self.source
        labels = self._reader.read(src.file.y_name, start, stop, columns=src.columns)
        labels = self._binary_labels(labels, start)
        keep = np.flatnonzero(labels.any(axis=0))
        x = self._read_sequences(start, stop)  # (1000, 4, n) view of the block
        self._check_one_hot(x, start)
        if keep.size == 0:
            empty = np.empty((0, SEQUENCE_LENGTH), np.uint8)
            return Block(np.empty(0, np.int64), empty, np.empty((0, len(src.columns)), np.uint8))
        n = x.shape[2]
        kept = np.take(x.reshape(-1, n), keep, axis=1).reshape(SEQUENCE_LENGTH, 4, keep.size)
        if kept.dtype != np.uint8:
            kept = kept.astype(np.uint8)
        # Index in A, C, G, T = sum over DeepSEA's channels of (one-hot value x index).
        codes = np.zeros((SEQUENCE_LENGTH, keep.size), np.uint8)
        for channel, acgt in enumerate(_ACGT_OF_CHANNEL.tolist()):
            if acgt:
                codes += kept[:, channel, :] * np.uint8(acgt)
        return Block(indices=(start + keep).astype(np.int64),
                     sequences=np.ascontiguousarray(codes.T),
                     labels=np.ascontiguousarray(labels[:, keep].T))

    def _read_sequences(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the one-hot array as a (1000, 4, n) view, read in place."""
        name, n = self.source.file.x_name, stop - start
        dtype = self._reader.variables()[name].dtype
        size = 4 * SEQUENCE_LENGTH * max(n, self.source.block_size)
        buffer = self._x_buffer
        if buffer is None or buffer.dtype != dtype or buffer.size < 4 * SEQUENCE_LENGTH * n:
            self._x_buffer = np.empty(size, dtype)  # one buffer for every block
        out = self._x_buffer[:4 * SEQUENCE_LENGTH * n].reshape(4 * SEQUENCE_LENGTH, n)
        self._reader.read(name, start, stop, out=out)
        return out.reshape(SEQUENCE_LENGTH, 4, n)

    def _binary_labels(self, labels: np.ndarray, start: int) -> np.ndarray:
        """The kept labels as uint8, after checking that each is 0 or 1."""
        if labels.dtype.kind in "iu":
            ok = labels.min() >= 0 and labels.max() <= 1
        else:
            ok = bool(np.all((labels == 0) | (labels == 1)))
        if not ok:
            column, row = np.argwhere((labels != 0) & (labels != 1))[0]
            raise DatasetError(
                f"{self.source.path}: {self.source.file.y_name} holds "
                f"{_number(labels[column, row])} for sequence {start + row} in label column "
                f"{self.source.columns[column]}; expected binary labels, 0 or 1.")
        return labels if labels.dtype == np.uint8 else labels.astype(np.uint8)

    def _check_one_hot(self, x: np.ndarray, start: int) -> None:
        """Raise unless every position of every sequence has exactly one 1 and three 0s."""
        if _is_one_hot(x):
            return
        seq, position = _first_not_one_hot(x)
        values = ", ".join(f"{b}={_number(x[position, c, seq])}"
                           for c, b in enumerate(DEEPSEA_CHANNELS))
        raise DatasetError(
            f"{self.source.path}: sequence {start + seq} of {self.source.file.x_name} is not "
            f"one-hot at position {position} ({values}); expected exactly one 1 among "
            f"{', '.join(DEEPSEA_CHANNELS)} at each of its {SEQUENCE_LENGTH} positions.")


def _number(value) -> str:
    value = value.item()
    return str(int(value)) if float(value).is_integer() else repr(value)


def _is_one_hot(x: np.ndarray) -> bool:
    """True when each (position, sequence) of a (1000, 4, n) block is one-hot.

    For uint8, with every value 0 or 1 (the bitwise OR of the four channels is then 1)
    no uint8 sum can wrap, so "OR is 1 and sum is 1" means exactly one 1. Positions
    are checked a tile at a time so the work stays in the CPU cache.
    """
    n = x.shape[2]
    tile = min(_POSITION_TILE, x.shape[0])
    if x.dtype != np.uint8:
        return all(_tile_is_one_hot(x[p:p + tile]) for p in range(0, x.shape[0], tile))
    total = np.empty((tile, n), np.uint8)
    either = np.empty((tile, n), np.uint8)
    for p in range(0, x.shape[0], tile):
        t = x[p:p + tile]
        s, o = total[:len(t)], either[:len(t)]
        np.add(t[:, 0], t[:, 1], out=s)
        np.add(s, t[:, 2], out=s)
        np.add(s, t[:, 3], out=s)
        np.bitwise_or(t[:, 0], t[:, 1], out=o)
        np.bitwise_or(o, t[:, 2], out=o)
        np.bitwise_or(o, t[:, 3], out=o)
        if s.min() != 1 or s.max() != 1 or o.max() != 1:
            return False
    return True


def _tile_is_one_hot(t: np.ndarray) -> bool:
    return bool(np.all((t == 0) | (t == 1))) and bool(np.all(t.sum(axis=1) == 1))


def _bad_positions(t: np.ndarray) -> np.ndarray:
    """(positions, n) bool: where a tile of a block is not one-hot (no wrap-around)."""
    t = t.astype(np.float64)
    return ((t != 0) & (t != 1)).any(axis=1) | (t.sum(axis=1) != 1)


def _first_not_one_hot(x: np.ndarray) -> tuple[int, int]:
    """(sequence, position) of the first sequence of a block that is not one-hot."""
    bad_sequence = np.zeros(x.shape[2], bool)
    for p in range(0, x.shape[0], _POSITION_TILE):
        bad_sequence |= _bad_positions(x[p:p + _POSITION_TILE]).any(axis=0)
    seq = int(np.flatnonzero(bad_sequence)[0])
    position = int(np.flatnonzero(_bad_positions(x[:, :, seq:seq + 1])[:, 0])[0])
    return seq, position


def convert_block(span: tuple[int, int], source: SplitSource):
    """Examples ``(key, features)`` of rows ``span`` of a split (one Beam work item)."""
    with SplitReader(source) as reader:
        block = reader.read_block(*span)
    yield from block_examples(block)


def block_examples(block: Block):
    """``(key, features)`` pairs for TFDS, keyed by the row in the source file."""
    for index, sequence, label in zip(block.indices.tolist(), block.sequences, block.labels,
                                      strict=True):
        yield index, {"sequence": sequence, "label": label, "index": index}
