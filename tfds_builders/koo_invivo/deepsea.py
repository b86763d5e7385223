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
Every row of a block is checked to be one-hot (or all four 0s, an N: code 4) and every
kept label to be 0 or 1.
"""

from __future__ import annotations

import math
import os
import shutil
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import DatasetError, storage_problem
from deepmotif_arch.base.sequence import UNKNOWN  # N: all four channels 0

from . import matfile

__all__ = [
    "CLASS_NAMES", "DEEPSEA_COLUMNS", "SEQUENCE_LENGTH", "NUM_FEATURES", "BUNDLE_URL",
    "BUNDLE_ARCHIVE", "BUNDLE_FOLDER", "SPLIT_FILES", "SplitFile", "SplitSource", "Block",
    "SplitReader", "find_bundle", "extract_bundle", "inspect_split", "convert_block",
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
_POSITION_TILE = 8  # positions decoded at a time, so the work stays in the CPU cache
#: Positions read at a time from files whose one-hot values can be read in any slice
#: (uncompressed and unchunked): 64 positions of a block of 16,777 uint8 sequences are
#: 4.3 MB, still in the CPU cache when they are checked and decoded. A multiple of
#: _POSITION_TILE.
_SLAB_POSITIONS = 64


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
        uint8, shape (k, 1000): 0, 1, 2, 3 for A, C, G, T, 4 for N (all four 0).
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


#: Folders that :func:`extract_bundle` extracts into start with this name.
EXTRACT_PREFIX = "koo_invivo-manual-bundle."


def extract_bundle(archive: str | Path, into: str | Path) -> Path:
    """Extract DeepSEA's tarball into a new folder under ``into``; return that folder.

    Every call extracts afresh: a tarball replaced under the same name is never
    answered by an earlier extraction (TFDS's own extractor reuses any folder of the
    same name), and folders left by an extraction that was killed are removed first.
    Members stream to disk one at a time (TFDS's extractor reads each whole member into
    memory, 17.6 GB for ``train.mat``); only regular files and folders inside the
    archive are written (tarfile's ``data`` filter). The caller removes the folder when
    done with it.

    Raises
    ------
    DatasetError
        One sentence naming the archive: not a tar archive, truncated or damaged, a
        member that would land outside the folder, or a full or read-only disk. The
        partial folder is removed.
    """
    archive, into = Path(archive), Path(into)
    try:
        into.mkdir(parents=True, exist_ok=True)
        for old in into.glob(EXTRACT_PREFIX + "*"):
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise DatasetError(_extract_failure(archive, into, exc, 0)) from None
    target = into / f"{EXTRACT_PREFIX}{os.getpid()}"
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    members = 0
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                if not safe and not _safe_member(member):  # Pythons before tarfile filters
                    raise DatasetError(f"{archive} holds {member.name!r}, which would land "
                                       f"outside the folder it is extracted to; download the "
                                       f"bundle again from {BUNDLE_URL}.")
                tar.extract(member, target, **safe)
                members += 1
    except DatasetError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise DatasetError(_extract_failure(archive, into, exc, members)) from None
    except BaseException:  # Ctrl-C: nothing partial stays
        shutil.rmtree(target, ignore_errors=True)
        raise
    if members == 0:
        shutil.rmtree(target, ignore_errors=True)
        raise DatasetError(f"{archive} is an empty tar archive; download DeepSEA's bundle "
                           f"again from {BUNDLE_URL}.")
    return target


def _safe_member(member: tarfile.TarInfo) -> bool:
    parts = Path(member.name).parts
    return (member.isfile() or member.isdir()) and not Path(member.name).is_absolute() \
        and ".." not in parts


def _extract_failure(archive: Path, into: Path, exc: BaseException, members: int) -> str:
    """One sentence for an archive that could not be extracted."""
    problem = storage_problem(exc)
    if problem is not None:
        fix = ("free some space (the extracted bundle takes about 20 GB)" if "disk" in problem
               else "give a writable --data-dir")
        return f"cannot extract {archive} into {into} ({problem}); {fix} and build again."
    reason = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
    if isinstance(exc, tarfile.FilterError):
        return (f"{archive} holds a member that would land outside the folder it is "
                f"extracted to ({reason}); download the bundle again from {BUNDLE_URL}.")
    truncated = (members > 0 or isinstance(exc, EOFError)
                 or "end of data" in reason or "ended before" in reason)
    if truncated:
        return (f"{archive} is truncated or damaged ({reason}); download it again from "
                f"{BUNDLE_URL}.")
    return (f"{archive} is not a tar archive ({reason}); put DeepSEA's {BUNDLE_ARCHIVE} from "
            f"{BUNDLE_URL} there, or its extracted {BUNDLE_FOLDER}/ folder.")


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
        x = self._reader.variables()[source.file.x_name]
        # Compressed or chunked values are inflated or read a whole chunk at a time, so
        # a block of them is read at once; other values a slab of positions at a time.
        whole = x.compressed or self._reader.chunk_rows(x.name) is not None
        self._slab = SEQUENCE_LENGTH if whole else _SLAB_POSITIONS
        self._x_dtype = x.dtype

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
        codes = self._sequences(start, stop, keep)
        return Block(indices=(start + keep).astype(np.int64),
                     sequences=np.ascontiguousarray(codes.T),
                     labels=np.ascontiguousarray(labels[:, keep].T))

    def _sequences(self, start: int, stop: int, keep: np.ndarray) -> np.ndarray:
        """Check that every sequence of rows ``start:stop`` is one-hot or N; codes of the kept ones.

        The values are read a slab of positions at a time (or the whole block, for
        compressed or chunked files) and decoded a tile of positions at a time, so that
        a tile is checked, and its kept columns gathered and turned into codes, while
        it is in the CPU cache.

        Returns
        -------
        numpy.ndarray
            uint8, shape (1000, len(keep)): 0, 1, 2, 3 for A, C, G, T, 4 for N.
        """
        n, k = stop - start, keep.size
        tile = _POSITION_TILE
        codes = np.empty((SEQUENCE_LENGTH, k), np.uint8)
        total = np.empty((tile, n), np.uint8) if self._x_dtype == np.uint8 else None
        gathered = np.empty((tile, 4, k), self._x_dtype)
        scratch = np.empty((tile, k), np.uint8)
        for p0 in range(0, SEQUENCE_LENGTH, self._slab):
            p1 = min(p0 + self._slab, SEQUENCE_LENGTH)
            slab = self._read_positions(start, stop, p0, p1)
            for q in range(0, len(slab), tile):
                t = slab[q:q + tile]
                ok = (_uint8_tile_is_one_hot(t, total) if total is not None
                      else _tile_is_one_hot(t))
                if not ok:
                    self._raise_not_one_hot(start, stop, slab if p1 - p0 == SEQUENCE_LENGTH
                                            else None)
                if k:
                    # mode="clip" (keep is in range): by default NumPy copies via a buffer.
                    g = np.take(t, keep, axis=2, out=gathered[:len(t)], mode="clip")
                    if g.dtype != np.uint8:  # one-hot, so every value is exactly 0 or 1
                        g = g.astype(np.uint8)
                    _acgt_codes(g, out=codes[p0 + q:p0 + q + len(t)], scratch=scratch)
        return codes

    def _read_positions(self, start: int, stop: int, p0: int, p1: int) -> np.ndarray:
        """Positions ``p0:p1`` of rows ``start:stop`` as a (p1 - p0, 4, n) view, read in place."""
        n, size = stop - start, (p1 - p0) * 4 * (stop - start)
        if self._x_buffer is None or self._x_buffer.size < size:  # one buffer for every read
            self._x_buffer = np.empty(self._slab * 4 * max(n, self.source.block_size),
                                      self._x_dtype)
        out = self._x_buffer[:size].reshape((p1 - p0) * 4, n)
        columns = None if p1 - p0 == SEQUENCE_LENGTH else np.arange(4 * p0, 4 * p1)
        self._reader.read(self.source.file.x_name, start, stop, columns=columns, out=out)
        return out.reshape(p1 - p0, 4, n)

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

    def _raise_not_one_hot(self, start: int, stop: int, x: np.ndarray | None = None) -> None:
        """Raise for the first sequence of rows ``start:stop`` that is not one-hot.

        ``x`` is the block's (1000, 4, n) values if at hand; otherwise they are read.
        """
        if x is None:
            x = self._reader.read(self.source.file.x_name, start, stop)
            x = x.reshape(SEQUENCE_LENGTH, 4, stop - start)
        seq, position = _first_not_one_hot(x)
        values = ", ".join(f"{b}={_number(x[position, c, seq])}"
                           for c, b in enumerate(DEEPSEA_CHANNELS))
        raise DatasetError(
            f"{self.source.path}: sequence {start + seq} of {self.source.file.x_name} is not "
            f"one-hot at position {position} ({values}); expected exactly one 1 among "
            f"{', '.join(DEEPSEA_CHANNELS)} (or four 0s for N) at each of its "
            f"{SEQUENCE_LENGTH} positions.")


def _number(value) -> str:
    value = value.item()
    return str(int(value)) if float(value).is_integer() else repr(value)


def _uint8_tile_is_one_hot(t: np.ndarray, total: np.ndarray) -> bool:
    """True when each (position, sequence) of a uint8 tile (positions, 4, n) is a base or N.

    A base is exactly one 1 among the four channels; N is four 0s (how DeepSEA-style
    files write an unknown base). With every value 0 or 1 no uint8 sum of four can
    wrap, so a sum of at most 1 then means one 1 or none. ``total`` is scratch space
    of at least (positions, n).
    """
    if t.max() > 1:
        return False
    s = total[:len(t)]
    np.add(t[:, 0], t[:, 1], out=s)
    np.add(s, t[:, 2], out=s)
    np.add(s, t[:, 3], out=s)
    return s.max() <= 1


def _acgt_codes(g: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    """Codes 0..3 for A, C, G, T and 4 for N of a checked uint8 tile (positions, 4, k).

    The channels are DeepSEA's, A, G, C, T (:data:`DEEPSEA_CHANNELS`): bit 1 of the
    code is set for G and T, bit 0 for C and T, and bit 2 when no channel is set (the
    other bits are then 0, so N is 4). ``scratch`` is uint8 space of at least
    (positions, k).
    """
    np.bitwise_or(g[:, 1], g[:, 3], out=out)
    np.left_shift(out, 1, out=out)
    np.bitwise_or(out, g[:, 2], out=out)
    np.bitwise_or(out, g[:, 3], out=out)
    n = scratch[:len(g)]
    np.bitwise_or(g[:, 0], g[:, 1], out=n)
    np.bitwise_or(n, g[:, 2], out=n)
    np.bitwise_or(n, g[:, 3], out=n)
    np.bitwise_xor(n, 1, out=n)           # 1 where the position is N
    np.left_shift(n, 2, out=n)
    np.bitwise_or(out, n, out=out)


def _tile_is_one_hot(t: np.ndarray) -> bool:
    return bool(np.all((t == 0) | (t == 1))) and bool(np.all(t.sum(axis=1) <= 1))


def _bad_positions(t: np.ndarray) -> np.ndarray:
    """(positions, n) bool: where a tile of a block is neither one-hot nor N (no wrap-around)."""
    t = t.astype(np.float64)
    return ((t != 0) & (t != 1)).any(axis=1) | (t.sum(axis=1) > 1)


def _first_not_one_hot(x: np.ndarray) -> tuple[int, int]:
    """(sequence, position) of the first sequence of a block that is not one-hot."""
    bad_sequence = np.zeros(x.shape[2], bool)
    for p in range(0, x.shape[0], _POSITION_TILE):
        bad_sequence |= _bad_positions(x[p:p + _POSITION_TILE]).any(axis=0)
    seq = int(np.flatnonzero(bad_sequence)[0])
    position = int(np.flatnonzero(_bad_positions(x[:, :, seq:seq + 1])[:, 0])[0])
    return seq, position


def unknown_counts(block: Block) -> tuple[int, int]:
    """Unknown bases (N, code 4) in a block's kept sequences, and the sequences holding any."""
    unknown = block.sequences == UNKNOWN
    return int(unknown.sum()), int(unknown.any(axis=1).sum())


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
