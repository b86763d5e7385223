"""Your own sequences as a versioned TFDS data set: FASTA per class, FASTA plus a label
table, or BED intervals plus a genome.

:func:`import_sequences` (``deepmotif data import NAME``) reads sequences in one of
three forms and writes them into a TFDS data folder as the data set ``NAME``, which
:mod:`deepmotif_arch.data.datasets`, ``deepmotif train --dataset NAME`` and
``tfds.load(NAME, data_dir=...)`` then read like ``koo_synthetic``:

==========================  ==============================================================
one FASTA file per class    ``fasta={"oct4": "oct4.fa", "mafk": "mafk.fa"}``: multi-class,
                            one-hot labels (a record in several files, with the same name
                            and sequence, is one record labelled with each of their classes)
FASTA plus a label table    ``fasta="peaks.fa", labels="labels.tsv"``: multi-label, as
                            DeepSEA; the table has a header (an id column, then one column
                            per class) and one row of 0 and 1 per FASTA record
BED plus a genome           ``bed={"oct4": "oct4.bed", ...}, genome="hg19.fa"`` (one BED
                            file per class) or ``bed="peaks.bed", labels=..., genome=...``;
                            a window of ``length`` nt centred on each interval is read from
                            the genome (indexed with pyfaidx), reverse-complemented for
                            intervals on the ``-`` strand
==========================  ==============================================================

Sequences are stored like ``koo_synthetic``'s: ``sequence`` uint8 letter codes (0..3 for
A, C, G, T) of one length, ``label`` uint8 (one column per class), plus ``id`` (the
record's name) and ``index`` (its position in the input). Lowercase is read as
uppercase. ``N`` and every other IUPAC letter (and the gaps ``-`` and ``.``) become code 4,
an all-zero one-hot row; they are never an error and are counted in the data set's
metadata. Sequences of unequal length are centred and padded (code 4 as well, counted
apart) or cropped to ``length``: position ``m // 2`` of a sequence of ``m`` nt lands at
position ``length // 2``, the same window a BED interval gives. Without ``length`` all
sequences must have one length.

Splits are random (seeded; 0.7 / 0.1 / 0.2 as ``koo_synthetic``) or by chromosome:
``test_chroms=("chr8", "chr9")`` as DeepSEA, with ``valid_chroms`` or a random share of
the rest for validation. FASTA records name their chromosome as ``bedtools getfasta``
writes it (``chr8:1000-1200``).

Layout and versions
-------------------
::

    <data_dir>/<name>/deepmotif_import.json    every imported version and how it was made
    <data_dir>/<name>/default/<version>/        TFDS's files: records, dataset_info.json,
                                                metadata.json (the same record)

The version is ``1.0.0`` on the first import and goes up (``1.1.0``, ``1.2.0``, ...) each
time an import gives different records; importing records identical to the current
version's changes nothing. Whether records differ is decided by their fingerprint, a
SHA-256 of every record (sequence, labels, id, split) and the class names, recorded
with the version. The same input and options give byte-identical record files (TFDS
shuffles records by a hash of their keys, and serialises them deterministically here).
TFDS writes a version into a temporary folder and renames it when complete; the
registry file is replaced atomically afterwards, so an interrupted import leaves the
previous version current.

:func:`builder_class` finds a data set again by name in a later process: it reads the
registry of ``<data_dir>/<name>`` and returns a TFDS builder class (registered with TFDS
under ``name``), or None when nothing of that name was imported there.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.base.io import missing_folders, sha256_file
from deepmotif_arch.base.sequence import UNKNOWN

__all__ = [
    "SequenceSet", "ImportResult", "read_sequences", "import_sequences", "builder_class",
    "find", "list_imported", "check_name", "parse_inputs", "REGISTRY_FILE", "CONFIG_NAME",
    "UNKNOWN",
]

#: Format of the import (records and metadata); part of every fingerprint.
IMPORT_FORMAT = 1
#: The registry of a data set's versions, in ``<data_dir>/<name>/``.
REGISTRY_FILE = "deepmotif_import.json"
#: The one builder config of an imported data set.
CONFIG_NAME = "default"
#: Train / validation / test shares of a random split (those of koo_synthetic).
DEFAULT_FRACTIONS = (0.7, 0.1, 0.2)
SPLITS = ("train", "validation", "test")
#: Data set names: what TFDS accepts as a builder name.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: A FASTA name as ``bedtools getfasta`` writes it: chrom:start-end, maybe (strand).
_LOCATION = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>[\d,]+)-(?P<end>[\d,]+)(?:\([+.-]\))?$")

Progress = Callable[[str, int, int], None]

# ASCII byte -> letter code: 0..3 for A, C, G, T (either case), UNKNOWN for the other
# IUPAC letters and gaps, 255 for anything that is not a nucleotide letter.
_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"ACGT"):
    _CODE[_c] = _CODE[_c + 32] = _i
for _c in b"NRYSWKMBDHVU":
    _CODE[_c] = _CODE[_c + 32] = UNKNOWN
_CODE[ord("-")] = _CODE[ord(".")] = UNKNOWN
_CODE[0] = UNKNOWN  # padding inside this module
_LETTERS = bytes(i for i in range(1, 256) if _CODE[i] != 255)
_COMPLEMENT = bytes.maketrans(b"ACGTRYKMBVDHSWN", b"TGCAYRMKVBHDSWN")


# --------------------------------------------------------------------------- the data


@dataclass
class SequenceSet:
    """Sequences read and encoded, with labels and splits, before they are written.

    Attributes
    ----------
    codes : np.ndarray
        uint8 (n, length): 0..3 for A, C, G, T, :data:`UNKNOWN` for N, other IUPAC
        letters and padding.
    labels : np.ndarray
        uint8 (n, classes).
    ids : list of str
        Record names (FASTA names, BED names or ``chrom:start-end``).
    split : np.ndarray
        int8 (n,): 0 train, 1 validation, 2 test.
    class_names : list of str
    form : str
        ``fasta``, ``fasta+labels``, ``bed`` or ``bed+labels``.
    pad : np.ndarray
        bool (n, length): the padded positions (code 4 too, counted apart from N).
    counts : dict
        What was read: unknown letters per letter, padding, crops, merges, ...
    inputs : list of dict
        Each input file: role, class, path, SHA-256 (the genome: its size), records.
    """

    codes: np.ndarray
    labels: np.ndarray
    ids: list[str]
    split: np.ndarray
    class_names: list[str]
    form: str
    pad: np.ndarray
    counts: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)

    @property
    def length(self) -> int:
        return int(self.codes.shape[1])

    def rows(self, split: str) -> np.ndarray:
        """Indices of the records in ``split``, in input order."""
        return np.flatnonzero(self.split == SPLITS.index(split))

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of every record (sequence, labels, id, index, split) and the classes."""
        digest = hashlib.sha256()
        head = {"format": IMPORT_FORMAT, "class_names": list(self.class_names),
                "length": self.length}
        digest.update(json.dumps(head, sort_keys=True).encode())
        for split in SPLITS:
            rows = self.rows(split)
            digest.update(f"\n{split} {len(rows)}\n".encode())
            digest.update(np.ascontiguousarray(self.codes[rows]).tobytes())
            digest.update(np.ascontiguousarray(self.labels[rows]).tobytes())
            digest.update(rows.astype("<i8").tobytes())
            digest.update("\n".join(self.ids[i] for i in rows).encode())
        return digest.hexdigest()

    def split_counts(self) -> dict:
        """Per split: sequences, positives per class, unknown and padded positions."""
        unknown = self.codes == UNKNOWN
        padded = self.pad
        out = {}
        for split in SPLITS:
            rows = self.rows(split)
            out[split] = {
                "sequences": int(len(rows)),
                "classes": {name: int(v) for name, v in
                            zip(self.class_names, self.labels[rows].sum(axis=0).tolist())},
                "unknown_positions": int((unknown[rows] & ~padded[rows]).sum()),
                "sequences_with_unknown": int((unknown[rows] & ~padded[rows]).any(axis=1).sum()),
                "pad_positions": int(padded[rows].sum()),
            }
        return out

    def metadata(self, request: dict) -> dict:
        """The record of a version: inputs, options, classes, counts and fingerprint."""
        return {
            "deepmotif_import": IMPORT_FORMAT,
            "fingerprint": self.fingerprint,
            "form": self.form,
            "labels": ("multi-label (label table)" if self.form.endswith("+labels")
                       else "multi-class (one file per class)"),
            "class_names": list(self.class_names),
            "length": self.length,
            "num_sequences": int(self.codes.shape[0]),
            "encoding": "sequence: uint8 0..3 for A, C, G, T; 4 for N, other IUPAC letters, "
                        "gaps and padding (an all-zero one-hot row)",
            "counts": dict(self.counts),
            "splits": self.split_counts(),
            "inputs": self.inputs,
            "request": request,
        }


@dataclass
class ImportResult:
    """What :func:`import_sequences` returns.

    Attributes
    ----------
    name, version : str
    builder : tfds.core.DatasetBuilder
        The prepared builder of that version.
    metadata : dict
        The version's record (see :meth:`SequenceSet.metadata`).
    already : bool
        True when the current version already held these records (nothing was written).
    """

    name: str
    version: str
    builder: Any
    metadata: dict
    already: bool = False

    @property
    def folder(self) -> Path:
        return Path(str(self.builder.data_dir))


# --------------------------------------------------------------------------- readers


@dataclass
class _Record:
    id: str
    seq: bytes  # uppercase letters as read
    line: int   # line of the header (FASTA) or of the interval (BED)
    path: str
    chrom: str | None = None
    placed: bool = False  # a BED window: its letters start at pad_left
    pad_left: int = 0


def _open(path: Path, what: str):
    """A binary reader of a plain or gzip-compressed file, or one sentence why not."""
    if not path.exists():
        raise DatasetError(f"{path} does not exist; give the path of {what}.")
    if path.is_dir():
        raise DatasetError(f"{path} is a folder; give the path of {what}.")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(2)
        return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")
    except OSError as exc:
        raise DatasetError(f"cannot read {path} ({exc.strerror or exc}); check its "
                           "permissions.") from None


def _lines(path: Path, what: str, progress: Progress | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its end) of a text file, with progress in bytes."""
    total = max(path.stat().st_size, 1) if path.exists() and path.is_file() else 1
    task = f"reading {path.name}"
    handle = _open(path, what)
    done, step = 0, max(total // 200, 1 << 16)
    try:
        with handle:
            for number, raw in enumerate(handle, 1):
                done += len(raw)
                if progress is not None and done // step != (done - len(raw)) // step:
                    progress(task, min(done, total), total)
                yield number, raw.rstrip(b"\r\n")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(f"{path} is a damaged or truncated file ({exc}); give an intact "
                           f"copy of {what}.") from None
    if progress is not None:
        progress(task, total, total)


def _snippet(line: bytes) -> str:
    text = line[:24].decode("utf-8", errors="replace")
    return text + ("..." if len(line) > 24 else "")


def _bad_letter(path, number: int, line: bytes) -> DatasetError:
    column = next(i for i, b in enumerate(line, 1) if b not in _LETTERS and b not in b" \t")
    char = chr(line[column - 1]) if 32 <= line[column - 1] < 127 else f"byte {line[column - 1]}"
    return DatasetError(
        f"{path} line {number}, column {column}: {char!r} is not a nucleotide letter; a FASTA "
        "sequence may hold A, C, G, T (either case) and IUPAC codes such as N.")


def read_fasta(path: str | os.PathLike, progress: Progress | None = None) -> Iterator[_Record]:
    """The records of a FASTA file (plain or gzip), checked line by line.

    Names are the header up to the first white space. Blank lines and ``;`` comment
    lines are skipped.

    Raises
    ------
    DatasetError
        One sentence naming the file and line: not FASTA (text before the first
        ``>``), a letter that is no nucleotide code, a header without a name or a
        sequence, a name given twice, or a file without records.
    """
    path = Path(path)
    what = "a FASTA file"
    header: tuple[str, int] | None = None
    chunks: list[bytes] = []
    seen: dict[str, int] = {}
    count = 0

    def finish():
        name, line = header
        seq = b"".join(chunks)
        if not seq:
            raise DatasetError(f"{path} line {line}: record {name!r} has no sequence; add its "
                               "sequence or remove the header.")
        return _Record(name, seq.upper(), line, str(path))

    for number, line in _lines(path, what, progress):
        if line.startswith(b">"):
            if header is not None:
                count += 1
                yield finish()
            fields = line[1:].split()
            if not fields:
                raise DatasetError(f"{path} line {number}: the header has no name; give every "
                                   "record a name after '>'.")
            name = fields[0].decode("utf-8", errors="replace")
            if name in seen:
                raise DatasetError(f"{path} line {number}: record {name!r} appears a second "
                                   f"time (first at line {seen[name]}); give every record its "
                                   "own name.")
            seen[name] = number
            header, chunks = (name, number), []
        elif not line.strip() or line.startswith(b";"):
            continue
        elif header is None:
            raise DatasetError(f"{path} is not a FASTA file: line {number} starts with "
                               f"{_snippet(line)!r} where a header line starting with '>' was "
                               "expected; give a FASTA file (a '>' line before each sequence).")
        else:
            seq = line.translate(None, b" \t")
            if seq.translate(None, _LETTERS):
                raise _bad_letter(path, number, line)
            chunks.append(seq)
    if header is not None:
        count += 1
        yield finish()
    if count == 0:
        raise DatasetError(f"{path} is empty: it holds no FASTA records; give a file with a "
                           "'>' header line before each sequence.")


@dataclass
class _Interval:
    chrom: str
    start: int
    end: int
    name: str
    strand: str
    line: int
    path: str


def read_bed(path: str | os.PathLike, progress: Progress | None = None) -> list[_Interval]:
    """The intervals of a BED file (plain or gzip): chrom, start, end, [name, score, strand].

    ``track``, ``browser`` and ``#`` lines are skipped. An interval's id is its name
    (column 4) when it has one other than ``.``, else ``chrom:start-end``.

    Raises
    ------
    DatasetError
        One sentence naming the file and line: fewer than 3 columns, positions that
        are not whole numbers, an interval that ends before it starts, a name given
        twice, or no intervals at all.
    """
    path = Path(path)
    out: list[_Interval] = []
    seen: dict[str, int] = {}
    for number, raw in _lines(path, "a BED file", progress):
        if not raw.strip() or raw.startswith((b"#", b"track", b"browser")):
            continue
        line = raw.decode("utf-8", errors="replace")
        cols = line.split("\t") if "\t" in line else line.split()
        if len(cols) < 3:
            raise DatasetError(f"{path} is not a BED file: line {number} ({_snippet(raw)!r}) "
                               f"has {len(cols)} column(s) where chrom, start and end are "
                               "needed (tab-separated).")
        chrom, start, end = cols[0].strip(), cols[1].strip(), cols[2].strip()
        for label, value in (("start", start), ("end", end)):
            if not value.isdigit():
                raise DatasetError(f"{path} line {number}: the {label} {value!r} is not a "
                                   "whole number; BED columns 2 and 3 are 0-based start and "
                                   "end positions.")
        start_i, end_i = int(start), int(end)
        if end_i <= start_i:
            raise DatasetError(f"{path} line {number}: the interval {chrom}:{start_i}-{end_i} "
                               "ends where or before it starts; BED intervals need end > "
                               "start.")
        name = cols[3].strip() if len(cols) > 3 and cols[3].strip() not in ("", ".") else \
            f"{chrom}:{start_i}-{end_i}"
        strand = cols[5].strip() if len(cols) > 5 else "."
        if name in seen:
            raise DatasetError(f"{path} line {number}: the interval {name!r} appears a second "
                               f"time (first at line {seen[name]}); give every interval its "
                               "own name (column 4) or remove the repeat.")
        seen[name] = number
        out.append(_Interval(chrom, start_i, end_i, name, strand, number, str(path)))
    if not out:
        raise DatasetError(f"{path} is empty: it holds no BED intervals; give a file with "
                           "chrom, start and end on each line.")
    return out


def read_labels(path: str | os.PathLike) -> tuple[list[str], dict[str, tuple[np.ndarray, int]]]:
    """A label table: a header (id column, then one column per class) and rows of 0/1.

    Tab-separated, or comma-separated when the header has commas and no tabs.

    Returns
    -------
    class_names, rows
        ``rows`` maps each id to (its labels as uint8, its line).

    Raises
    ------
    DatasetError
        One sentence naming the file and line: no classes, a repeated class or id, a
        row with another number of columns, a value other than 0 or 1, no rows.
    """
    path = Path(path)
    classes: list[str] | None = None
    sep = "\t"
    rows: dict[str, tuple[np.ndarray, int]] = {}
    for number, raw in _lines(path, "a label table"):
        if not raw.strip() or raw.startswith(b"#"):
            continue
        line = raw.decode("utf-8", errors="replace")
        if classes is None:
            sep = "\t" if "\t" in line else ","
            header = [c.strip() for c in line.split(sep)]
            classes = header[1:]
            if not classes or not all(classes):
                raise DatasetError(f"{path} line {number}: the header {_snippet(raw)!r} names "
                                   "no class; a label table starts with a line 'id<TAB>class1"
                                   "<TAB>class2...'.")
            repeated = sorted({c for c in classes if classes.count(c) > 1})
            if repeated:
                raise DatasetError(f"{path} line {number}: the class {repeated[0]!r} is named "
                                   "twice in the header; give every column its own name.")
            continue
        cells = [c.strip() for c in line.split(sep)]
        if len(cells) != len(classes) + 1:
            raise DatasetError(f"{path} line {number} has {len(cells)} columns where the header "
                               f"has {len(classes) + 1}; give an id and a 0 or 1 for each of "
                               f"{', '.join(classes)}.")
        bad = next((i for i, v in enumerate(cells[1:]) if v not in ("0", "1")), None)
        if bad is not None:
            raise DatasetError(f"{path} line {number}, column {bad + 2} ({classes[bad]}): "
                               f"{cells[bad + 1]!r} is not 0 or 1; a label table holds 0 or 1 "
                               "for every class.")
        if cells[0] in rows:
            raise DatasetError(f"{path} line {number}: the id {cells[0]!r} has a second row "
                               f"(first at line {rows[cells[0]][1]}); give one row per "
                               "sequence.")
        rows[cells[0]] = (np.array([int(v) for v in cells[1:]], dtype=np.uint8), number)
    if classes is None or not rows:
        raise DatasetError(f"{path} is empty: it holds no label rows; give a header line "
                           "(id, then one column per class) and one row of 0 and 1 per "
                           "sequence.")
    return classes, rows


class _Genome:
    """A genome FASTA read through pyfaidx (an index ``.fai`` beside it, or in a temporary
    folder when that one is read-only)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        for number, line in _lines(self.path, "a genome FASTA file"):
            if not line.strip():
                continue
            if not line.startswith(b">"):
                raise DatasetError(f"{self.path} is not a FASTA genome: line {number} starts "
                                   f"with {_snippet(line)!r} where a header line starting with "
                                   "'>' was expected; give the genome as a FASTA file.")
            break
        else:
            raise DatasetError(f"{self.path} is empty: it holds no sequences; give the genome "
                               "as a FASTA file.")
        self._tmp = None
        try:
            import pyfaidx
        except ImportError:  # pragma: no cover - a declared dependency
            raise DatasetError("reading BED intervals needs pyfaidx; install it with `pip "
                               "install pyfaidx`.") from None
        index = None
        fai = Path(f"{self.path}.fai")
        if not fai.exists() and not os.access(self.path.parent, os.W_OK):
            import tempfile

            self._tmp = tempfile.mkdtemp(prefix="deepmotif-fai-")
            index = os.path.join(self._tmp, self.path.name + ".fai")
        try:
            self.fasta = pyfaidx.Fasta(str(self.path), indexname=index, as_raw=True,
                                       sequence_always_upper=True, rebuild=True)
        except Exception as exc:  # pyfaidx raises several kinds for bad files
            self.close()
            reason = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
            raise DatasetError(f"{self.path} cannot be indexed as a FASTA genome ({reason}); "
                               "give an uncompressed or bgzip-compressed FASTA file whose "
                               "sequence lines have one length per sequence.") from None
        self.lengths = {name: len(self.fasta[name]) for name in self.fasta.keys()}

    def close(self) -> None:
        fasta = getattr(self, "fasta", None)
        if fasta is not None:
            fasta.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def chrom_length(self, interval: _Interval) -> int:
        length = self.lengths.get(interval.chrom)
        if length is None:
            names = list(self.lengths)
            other = (interval.chrom[3:] if interval.chrom.startswith("chr")
                     else f"chr{interval.chrom}")
            hint = (f"it calls it {other!r}, so the BED file and the genome name chromosomes "
                    "differently" if other in self.lengths else
                    f"it has {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}")
            raise DatasetError(f"{interval.path} line {interval.line}: chromosome "
                               f"{interval.chrom!r} is not in the genome {self.path} ({hint}); "
                               "use the genome the BED file was made for.")
        if interval.end > length:
            raise DatasetError(f"{interval.path} line {interval.line}: the interval "
                               f"{interval.chrom}:{interval.start}-{interval.end} runs off "
                               f"{interval.chrom}, which is {length:,} nt long in {self.path}; "
                               "fix the interval or use the genome the BED file was made for.")
        return length

    def window(self, interval: _Interval, length: int) -> _Record:
        """``length`` nt centred on the interval; positions off the chromosome are padding."""
        size = self.chrom_length(interval)
        mid = (interval.start + interval.end) // 2
        lo = mid - length // 2
        a, b = max(lo, 0), min(lo + length, size)
        seq = self.fasta[interval.chrom][a:b].encode() if b > a else b""
        bad = seq.translate(None, _LETTERS)
        if bad:
            raise DatasetError(f"{self.path}: {interval.chrom}:{a}-{b} (for {interval.path} line "
                               f"{interval.line}) holds {chr(bad[0])!r}, which is not a "
                               "nucleotide letter; give a DNA genome FASTA file.")
        return _Record(interval.name, seq, interval.line, interval.path, interval.chrom,
                       placed=True, pad_left=a - lo)


# --------------------------------------------------------------------------- reading


def _named_inputs(value, what: str, labels) -> list[tuple[str | None, Path]]:
    """[(class or None, path)] from a mapping, a path or a list of paths."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        pairs = [(str(k), Path(v)) for k, v in value.items()]
        if labels is not None:
            raise DatasetError(f"the label table gives the classes; give the {what} files "
                               "without class names (not CLASS=path).")
    else:
        paths = [value] if isinstance(value, (str, os.PathLike)) else list(value)
        pairs = [(None, Path(p)) for p in paths]
    if not pairs:
        raise DatasetError(f"no {what} file was given; give at least one.")
    for name, _ in pairs:
        if name is not None and (not name.strip() or any(c.isspace() for c in name)):
            raise DatasetError(f"the class name {name!r} is empty or has spaces; give names "
                               "such as oct4 or POU5F1.")
    if labels is None and pairs[0][0] is None:
        stems = [_stem(p) for _, p in pairs]
        if len(set(stems)) != len(stems):
            raise DatasetError(f"two {what} files have the same name ({stems}); give the class "
                               f"of each as CLASS=path.")
        pairs = [(s, p) for s, (_, p) in zip(stems, pairs)]
    names = [n for n, _ in pairs if n is not None]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DatasetError(f"the class {repeated[0]!r} is given twice; give one {what} file "
                           "per class.")
    return pairs


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bgz"):
        name = name.removesuffix(suffix)
    for suffix in (".fasta", ".fa", ".fna", ".bed", ".narrowPeak", ".broadPeak"):
        name = name.removesuffix(suffix)
    return name


def read_sequences(*, fasta=None, bed=None, genome=None, labels=None, length: int | None = None,
                   test_chroms: Sequence[str] | str | None = None,
                   valid_chroms: Sequence[str] | str | None = None, seed: int = 0,
                   fractions: Sequence[float] = DEFAULT_FRACTIONS,
                   progress: Progress | None = None) -> SequenceSet:
    """Read, encode, label and split sequences (nothing is written).

    Parameters
    ----------
    fasta : mapping, path or list of paths, optional
        ``{class: FASTA}`` (one file per class), or FASTA file(s) with ``labels``; a
        list without ``labels`` takes each file's name as its class.
    bed : mapping, path or list of paths, optional
        BED files, as ``fasta``; needs ``genome``.
    genome : path, optional
        The genome FASTA the BED intervals refer to (indexed with pyfaidx).
    labels : path, optional
        A label table (TSV or CSV): id, then one 0/1 column per class.
    length : int, optional
        Length of every sequence: longer ones are cropped and shorter ones padded
        around their centre; BED windows are this long. Default: the common length of
        all sequences (an error when they differ).
    test_chroms, valid_chroms : sequence of str or comma-separated str, optional
        Split by chromosome: these chromosomes are the test (validation) split; without
        ``valid_chroms``, validation is a random share of the rest. Default: a random
        split.
    seed : int, default 0
        Seed of the random split.
    fractions : (train, validation, test), default (0.7, 0.1, 0.2)
        Shares of a random split (summing to 1); with ``test_chroms`` and no
        ``valid_chroms`` the validation share of the non-test sequences is
        ``validation / (train + validation)``.
    progress : callable, optional
        ``progress(task, done, total)`` while files are read.

    Raises
    ------
    DatasetError
        Bad options, or a bad file (one sentence naming the file and line).
    """
    if (fasta is None) == (bed is None):
        raise DatasetError("give FASTA files (fasta=, --fasta) or BED files with a genome "
                           "(bed=, --bed and --genome), one of the two.")
    if bed is not None and genome is None:
        raise DatasetError("BED intervals need the genome they refer to; give genome= "
                           "(--genome genome.fa).")
    if bed is None and genome is not None:
        raise DatasetError("a genome is only read for BED intervals; give bed= (--bed) or "
                           "leave out the genome.")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)
                               or length < 1):
        raise DatasetError(f"length is {length!r}; it must be a positive whole number of "
                           "nucleotides such as 200.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DatasetError(f"seed is {seed!r}; it must be 0 or a positive integer such as 3.")
    test_chroms, valid_chroms = _chrom_list(test_chroms), _chrom_list(valid_chroms)
    fractions = _check_fractions(fractions)
    if valid_chroms and not test_chroms:
        raise DatasetError("validation chromosomes need test chromosomes too; give "
                           "test_chroms (--test-chroms) as well.")
    overlap = sorted(set(test_chroms or ()) & set(valid_chroms or ()))
    if overlap:
        raise DatasetError(f"{overlap[0]} is both a test and a validation chromosome; give "
                           "each chromosome to one split.")

    kind = "FASTA" if fasta is not None else "BED"
    pairs = _named_inputs(fasta if fasta is not None else bed, kind, labels)
    inputs: list[dict] = []
    records: list[_Record] = []
    record_class: list[str | None] = []
    counts: dict[str, Any] = {}
    if fasta is not None:
        for cls, path in pairs:
            start = len(records)
            for rec in read_fasta(path, progress):
                rec.chrom = _chrom_of(rec.id)
                records.append(rec)
            inputs.append(_input_entry("fasta", cls, path, len(records) - start))
            record_class.extend([cls] * (len(records) - start))
    else:
        genome_reader = _Genome(genome)
        try:
            beds = [(cls, path, read_bed(path, progress)) for cls, path in pairs]
            if length is None:  # every interval must have one size, which is the length
                first = beds[0][2][0]
                for _, _, intervals in beds:
                    for iv in intervals:
                        if iv.end - iv.start != first.end - first.start:
                            raise _mixed(iv.path, iv.line, iv.name, iv.end - iv.start,
                                         first.name, first.path, first.line,
                                         first.end - first.start)
                length = first.end - first.start
            flipped = 0
            for cls, path, intervals in beds:
                for number, iv in enumerate(intervals, 1):
                    rec = genome_reader.window(iv, length)
                    if iv.strand == "-":
                        pad_right = length - rec.pad_left - len(rec.seq)
                        rec.seq, rec.pad_left = rec.seq.translate(_COMPLEMENT)[::-1], pad_right
                        flipped += 1
                    records.append(rec)
                    if progress is not None and (number % 1000 == 0 or number == len(intervals)):
                        progress(f"reading the genome for {path.name}", number, len(intervals))
                inputs.append(_input_entry("bed", cls, path, len(intervals)))
                record_class.extend([cls] * len(intervals))
            counts["reverse_complemented"] = flipped
            inputs.append({"role": "genome", "class": None,
                           "path": str(Path(genome).resolve()),
                           "bytes": Path(genome).stat().st_size,
                           "records": len(genome_reader.lengths)})
        finally:
            genome_reader.close()

    # Labels: a table, or one class per file (a record in several files merged).
    if labels is not None:
        class_names, table = read_labels(labels)
        label_rows = []
        for rec in records:
            row = table.get(rec.id)
            if row is None:
                raise DatasetError(f"{rec.path} line {rec.line}: record {rec.id!r} has no row "
                                   f"in the label table {labels}; give every sequence a row "
                                   "(matched by its name).")
            label_rows.append(row[0])
        names = {rec.id for rec in records}
        extra = next(((i, line) for i, (_, line) in table.items() if i not in names), None)
        if extra is not None:
            files = ", ".join(str(p) for _, p in pairs)
            raise DatasetError(f"{labels} line {extra[1]}: the id {extra[0]!r} is not a record "
                               f"of {files}; the table must have one row per sequence, "
                               "matched by name.")
        repeated = _first_repeat(records)
        if repeated is not None:
            first, again = repeated
            raise DatasetError(f"{again.path} line {again.line}: record {again.id!r} is also in "
                               f"{first.path} (line {first.line}); one label row cannot tell "
                               "them apart, so give them different names.")
        label_array = np.stack(label_rows).astype(np.uint8)
        form = f"{kind.lower()}+labels"
        inputs.append(_input_entry("labels", None, Path(labels), len(table)))
        counts["merged"] = 0
    else:
        class_names = [c for c, _ in pairs]
        if len(class_names) < 2:
            raise DatasetError(f"one {kind} file gives one class ({class_names[0]}) and no "
                               f"negatives; give a file per class (at least two) or a label "
                               "table (--labels).")
        records, label_array, merged = _merge_classes(records, record_class, class_names)
        form = kind.lower()
        counts["merged"] = merged

    codes, pad, fixed = _encode(records, length)
    counts = {**fixed, **counts}
    ids = [rec.id for rec in records]
    split = _assign_splits(records, test_chroms, valid_chroms, seed, fractions)
    return SequenceSet(codes=codes, labels=label_array, ids=ids, split=split,
                       class_names=list(class_names), form=form, pad=pad, counts=counts,
                       inputs=inputs)


def _input_entry(role: str, cls: str | None, path: Path, records: int) -> dict:
    return {"role": role, "class": cls, "path": str(path.resolve()), "sha256": sha256_file(path),
            "records": records}


def _mixed(path, line, name, size, first_name, first_path, first_line, first_size):
    return DatasetError(
        f"{path} line {line}: {name!r} is {size} nt long but {first_name!r} ({first_path} line "
        f"{first_line}) is {first_size} nt; give --length to centre every sequence and pad or "
        "crop it to one length.")


def _first_repeat(records: list[_Record]):
    seen: dict[str, _Record] = {}
    for rec in records:
        if rec.id in seen:
            return seen[rec.id], rec
        seen[rec.id] = rec
    return None


def _merge_classes(records, record_class, class_names):
    """One record per name: the same name and sequence in several class files is one
    record with each of their classes; the same name with another sequence is an error."""
    where: dict[str, int] = {}
    kept: list[_Record] = []
    rows: list[np.ndarray] = []
    merged = 0
    for rec, cls in zip(records, record_class):
        column = class_names.index(cls)
        index = where.get(rec.id)
        if index is None:
            where[rec.id] = len(kept)
            kept.append(rec)
            row = np.zeros(len(class_names), dtype=np.uint8)
            row[column] = 1
            rows.append(row)
            continue
        first = kept[index]
        if first.seq != rec.seq or first.pad_left != rec.pad_left:
            raise DatasetError(f"{rec.path} line {rec.line}: record {rec.id!r} is also in "
                               f"{first.path} (line {first.line}) with another sequence; give "
                               "the two records different names.")
        rows[index][column] = 1
        merged += 1
    return kept, np.stack(rows), merged


def _encode(records: list[_Record], length: int | None):
    """Letter codes (n, length), the padding mask and what centring did."""
    if length is None:
        first = records[0]
        for rec in records:
            if len(rec.seq) != len(first.seq):
                raise _mixed(rec.path, rec.line, rec.id, len(rec.seq), first.id, first.path,
                             first.line, len(first.seq))
        length = len(first.seq)
    n = len(records)
    raw = np.zeros((n, length), dtype=np.uint8)  # 0 = padding
    cropped = padded = 0
    for i, rec in enumerate(records):
        seq = np.frombuffer(rec.seq, dtype=np.uint8)
        m = len(seq)
        padded += m < length
        if rec.placed:  # a BED window, padded where it runs off the chromosome
            raw[i, rec.pad_left:rec.pad_left + m] = seq
            continue
        offset = m // 2 - length // 2  # the centre m // 2 lands at length // 2
        lo, hi = max(offset, 0), min(offset + length, m)
        raw[i, lo - offset:hi - offset] = seq[lo:hi]
        cropped += m > length
    codes = _CODE[raw]
    pad_mask = raw == 0
    unknown_letters = raw[(codes == UNKNOWN) & ~pad_mask]
    letters = np.bincount(unknown_letters, minlength=256)
    by_letter = {chr(c): int(letters[c]) for c in np.flatnonzero(letters)}
    fixed = {
        "sequences": n,
        "length": length,
        "unknown_positions": int(unknown_letters.size),
        "unknown_letters": dict(sorted(by_letter.items())),
        "sequences_with_unknown": int(((codes == UNKNOWN) & ~pad_mask).any(axis=1).sum()),
        "pad_positions": int(pad_mask.sum()),
        "padded_sequences": int(padded),
        "cropped_sequences": int(cropped),
    }
    return codes, pad_mask, fixed


def _chrom_list(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    items = tuple(str(c).strip() for c in items if str(c).strip())
    if not items:
        raise DatasetError(f"the chromosome list {value!r} is empty; give names such as "
                           "chr8,chr9.")
    return items


def _check_fractions(fractions) -> tuple[float, float, float]:
    try:
        values = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or min(values) <= 0 or abs(sum(values) - 1) > 1e-6:
        raise DatasetError(f"split fractions {fractions!r} must be three positive shares "
                           "(train, validation, test) that sum to 1, such as 0.7,0.1,0.2.")
    return values


def _chrom_of(name: str) -> str | None:
    match = _LOCATION.match(name)
    return match.group("chrom") if match else None


def _assign_splits(records, test_chroms, valid_chroms, seed, fractions) -> np.ndarray:
    n = len(records)
    split = np.zeros(n, dtype=np.int8)
    if test_chroms is None:
        from deepmotif_arch.data.synthetic import split_indices

        for i, rows in enumerate(split_indices(n, seed=seed, fractions=fractions).values()):
            split[rows] = i
        how = (f"{n:,} sequences split {fractions[0]:g} / {fractions[1]:g} / {fractions[2]:g} "
               "at random")
    else:
        chroms = []
        for rec in records:
            if rec.chrom is None:
                raise DatasetError(
                    f"{rec.path} line {rec.line}: record {rec.id!r} names no chromosome, so it "
                    "cannot be split by chromosome; name records chrom:start-end (as bedtools "
                    "getfasta does), import BED intervals, or leave out --test-chroms.")
            chroms.append(rec.chrom)
        chroms = np.array(chroms, dtype=object)
        present = sorted(set(chroms.tolist()), key=_chrom_order)
        for label, wanted in (("test", test_chroms), ("validation", valid_chroms)):
            if wanted and not set(wanted) & set(present):
                raise DatasetError(
                    f"no sequence lies on the {label} chromosomes {', '.join(wanted)}; the "
                    f"sequences lie on {', '.join(present[:8])}"
                    f"{', ...' if len(present) > 8 else ''}, so choose from those.")
        test = np.isin(chroms, list(test_chroms))
        split[test] = 2
        if valid_chroms:
            split[np.isin(chroms, list(valid_chroms))] = 1
        else:
            rest = np.flatnonzero(~test)
            rng = np.random.Generator(np.random.PCG64([seed, 2]))
            order = rest[np.argsort(rng.random(len(rest)), kind="stable")]
            n_valid = int(round(fractions[1] / (fractions[0] + fractions[1]) * len(rest)))
            split[order[:n_valid]] = 1
        how = f"{n:,} sequences split by chromosome (test {', '.join(test_chroms)})"
    for i, name in enumerate(SPLITS):
        if not np.any(split == i):
            raise DatasetError(f"the {name} split would be empty ({how}); give more sequences "
                               "or other split options.")
    return split


def _chrom_order(name: str):
    core = name[3:] if name.startswith("chr") else name
    return (0, int(core), "") if core.isdigit() else (1, 0, core)


# --------------------------------------------------------------------------- names, registry


def check_name(name: str) -> str:
    """A data set name fit for TFDS and not taken by a built-in data set.

    Raises
    ------
    DatasetError
        Naming a form that would work.
    """
    from deepmotif_arch.data.datasets import DATASETS

    if not isinstance(name, str) or not _NAME.match(name):
        fixed = re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_")
        fixed = fixed if fixed and fixed[0].isalpha() else f"data_{fixed}".rstrip("_")
        raise DatasetError(f"data set name {name!r} is not usable; use lowercase letters, "
                           f"digits and _ starting with a letter, such as {fixed[:64]!r}.")
    if name in DATASETS:
        raise DatasetError(f"{name!r} is a data set of this library; give your data set "
                           f"another name, such as 'my_{name}'.")
    registry = _registry_of_tfds()
    other = registry.get(name) if registry is not None else None
    if other is not None and not issubclass(other, _base()):
        raise DatasetError(f"{name!r} is the name of a TFDS data set; give your data set "
                           f"another name, such as 'my_{name}'.")
    return name


def _root(data_dir) -> str:
    """The data folder: ``data_dir``, else TFDS's default ($TFDS_DATA_DIR or
    ~/tensorflow_datasets), as an absolute path."""
    if data_dir is None:
        data_dir = os.environ.get("TFDS_DATA_DIR") or os.path.join("~", "tensorflow_datasets")
    data_dir = os.fspath(data_dir)
    if "://" in data_dir:
        return data_dir
    return os.path.abspath(os.path.expanduser(data_dir))


def _registry_path(name: str, data_dir=None) -> Path:
    return Path(_root(data_dir)) / name / REGISTRY_FILE


def find(name: str, data_dir=None) -> dict | None:
    """The registry of an imported data set (``current`` version and every version's
    record), or None when nothing of that name was imported into ``data_dir``.

    Raises
    ------
    DatasetError
        A registry file that cannot be read.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        return None
    path = _registry_path(name, data_dir)
    if "://" in str(path):
        return None
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DatasetError(f"cannot read {path} ({exc.strerror or exc}); check its "
                           "permissions.") from None
    try:
        registry = json.loads(text)
        current = registry["current"]
        registry["versions"][current]["class_names"]  # noqa: B018 (checks the shape)
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path} is damaged ({type(exc).__name__}: {exc}); delete "
                           f"{path.parent} and import {name} again.") from None
    return registry


def list_imported(data_dir=None) -> list[str]:
    """Names of the data sets imported into ``data_dir``, sorted."""
    root = Path(_root(data_dir))
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{REGISTRY_FILE}")
                  if _NAME.match(p.parent.name))


def _write_registry(path: Path, registry: dict) -> None:
    from deepmotif_arch.base.io import atomic_write_text

    atomic_write_text(path, json.dumps(registry, indent=1) + "\n")


def parse_inputs(values: Sequence[str] | None, option: str = "--fasta"):
    """Command-line inputs: ``CLASS=path`` for each -> {class: path}; plain paths -> list.

    A value that is an existing file is a path even when it holds ``=``.
    """
    if not values:
        return None
    named, plain = {}, []
    for value in values:
        left, sep, right = value.partition("=")
        if sep and left and right and not os.path.exists(value) and "/" not in left:
            if left in named:
                raise DatasetError(f"the class {left!r} is given twice in {option}; give one "
                                   "file per class.")
            named[left] = right
        else:
            plain.append(value)
    if named and plain:
        raise DatasetError(f"give every {option} as CLASS=path or none of them ({plain[0]!r} "
                           "has no class).")
    return named or plain


# --------------------------------------------------------------------------- TFDS builder


def _registry_of_tfds():
    try:
        from tensorflow_datasets.core import registered
    except ImportError:  # pragma: no cover
        return None
    return getattr(registered, "_DATASET_REGISTRY", None)


@functools.lru_cache(maxsize=1)
def _base():
    """The builder class every imported data set's class derives from (not registered)."""
    import tensorflow_datasets as tfds

    class UserSequences(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        """DatasetBuilder of a data set imported by :func:`import_sequences`.

        Subclasses (one per name and data folder, made by :func:`builder_class`) carry
        the registry: ``VERSION`` is the current version, ``SUPPORTED_VERSIONS`` the
        others, and each version's record gives its length, classes and inputs.
        """

        VERSION = tfds.core.Version("1.0.0")
        BUILDER_CONFIGS = [tfds.core.BuilderConfig(
            name=CONFIG_NAME, description="Sequences imported by deepmotif data import.")]
        DEFAULT_CONFIG_NAME = CONFIG_NAME
        REGISTRY: dict = {}
        ROOT = ""
        CLASS_NAMES: tuple = ()

        def __new__(cls, *args, **kwargs):
            # tfds.load(name, data_dir=other) with this class registered: hand over to the
            # class of the data set in that folder.
            root = _root(kwargs.get("data_dir"))
            if cls.ROOT and root != cls.ROOT:
                other = builder_class(cls.name, root)
                if other is None:
                    raise DatasetError(f"no data set {cls.name!r} was imported into {root}; "
                                       "import it there with `deepmotif data import`.")
                if other is not cls:
                    builder = object.__new__(other)
                    builder.__init__(*args, **kwargs)
                    return builder
            return super().__new__(cls)

        def __init__(self, **kwargs):
            self._pending = None
            self._progress = None
            super().__init__(**kwargs)
            self.CLASS_NAMES = tuple(self._record()["class_names"])

        def _record(self) -> dict:
            return self.REGISTRY["versions"][str(self.version)]

        def _info(self):
            record = self._record()
            names = record["class_names"]
            return tfds.core.DatasetInfo(
                builder=self,
                description=_description(record),
                features=tfds.features.FeaturesDict({
                    "index": tfds.features.Scalar(
                        dtype=np.int32, doc="Position in the input (files in the order given)."),
                    "id": tfds.features.Text(doc="The record's name (FASTA name, BED name or "
                                                 "chrom:start-end)."),
                    "sequence": tfds.features.Tensor(
                        shape=(int(record["length"]),), dtype=np.uint8,
                        doc="Nucleotides as 0..3 for A, C, G, T; 4 for N, other IUPAC "
                            "letters and padding (an all-zero one-hot row)."),
                    "label": tfds.features.Tensor(
                        shape=(len(names),), dtype=np.uint8,
                        doc="1 for each class of the sequence, in CLASS_NAMES order: "
                            + ", ".join(names)),
                }),
                supervised_keys=("sequence", "label"),
                metadata=tfds.core.MetadataDict(record),
            )

        def _download_and_prepare(self, dl_manager, download_config=None):
            from deepmotif_arch.data._tfds_utils import deterministic_serialization

            with deterministic_serialization():
                return super()._download_and_prepare(dl_manager, download_config)

        # TFDS prints "Downloading and preparing dataset..." around a build; nothing is
        # downloaded here, and the import reports what it wrote.
        def _log_download_bytes(self) -> None:
            pass

        def _log_download_done(self) -> None:
            pass

        def _split_generators(self, dl_manager):
            del dl_manager  # everything is read from the user's files
            data = self._pending if self._pending is not None else self._read_again()
            return {split: self._generate_examples(data, data.rows(split), split)
                    for split in SPLITS}

        def _read_again(self) -> SequenceSet:
            """The inputs of this version read again (for a rebuild), checked unchanged."""
            record = self._record()
            data = read_sequences(**record["request"])
            if data.fingerprint != record["fingerprint"]:
                raise DatasetError(
                    f"{self.name} {self.version} was imported from files that have changed "
                    "since; import them again with `deepmotif data import "
                    f"{self.name} ...` to make a new version.")
            return data

        def _generate_examples(self, data: SequenceSet, rows: np.ndarray, split: str = ""):
            total = len(rows)
            for done, i in enumerate(rows, 1):
                yield int(i), {"index": int(i), "id": data.ids[i], "sequence": data.codes[i],
                               "label": data.labels[i]}
                if self._progress is not None and (done % 1000 == 0 or done == total):
                    self._progress(f"writing {split}", done, total)

    return UserSequences


def _description(record: dict) -> str:
    files = ", ".join(Path(i["path"]).name for i in record["inputs"])
    return (f"Sequences imported by deepmotif data import ({record['form']}, "
            f"{record['labels']}) from {files}: {record['num_sequences']:,} sequences of "
            f"{record['length']} nt, classes {', '.join(record['class_names'])}. Letter codes "
            "0..3 for A, C, G, T and 4 (an all-zero one-hot row) for N, other IUPAC letters "
            f"and padding. Fingerprint sha256:{record['fingerprint']}.")


_CLASSES: dict[tuple, type] = {}


def _make_class(name: str, root: str, registry: dict) -> type:
    key = (name, root, json.dumps(registry, sort_keys=True))
    cls = _CLASSES.get(key)
    if cls is not None:
        return cls
    import tensorflow_datasets as tfds

    base = _base()
    current = registry["current"]
    versions = sorted(registry["versions"], key=lambda v: tuple(int(x) for x in v.split(".")))
    attrs = {
        "name": name,
        "__module__": __name__,
        "__doc__": f"DatasetBuilder for {name} (imported sequences).",
        "VERSION": tfds.core.Version(current),
        "SUPPORTED_VERSIONS": [tfds.core.Version(v) for v in versions if v != current],
        "RELEASE_NOTES": {v: _release_note(registry["versions"][v]) for v in versions},
        "REGISTRY": registry,
        "ROOT": root,
        "CLASS_NAMES": tuple(registry["versions"][current]["class_names"]),
    }
    tfds_registry = _registry_of_tfds()
    old = tfds_registry.get(name) if tfds_registry is not None else None
    ours = old is None or issubclass(old, base)
    if old is not None and ours:
        del tfds_registry[name]  # a newer import (or another folder) replaces it
    cls = types.new_class(_class_name(name), (base,),
                          {"skip_registration": tfds_registry is None or not ours},
                          lambda ns: ns.update(attrs))
    _CLASSES[key] = cls
    return cls


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) or "Imported"


def _release_note(record: dict) -> str:
    return (f"{record['num_sequences']:,} sequences of {record['length']} nt "
            f"({record['form']}), fingerprint sha256:{record['fingerprint'][:16]}.")


def builder_class(name: str, data_dir=None) -> type | None:
    """The TFDS builder class of a data set imported into ``data_dir``, or None.

    This is how :mod:`deepmotif_arch.data.datasets` finds a user's data set by name (see
    the module docstring). The class is registered with TFDS under ``name``, so
    ``tfds.builder(name, data_dir=...)`` finds it too in this process; without it TFDS
    reads the prepared files on its own.

    Raises
    ------
    DatasetError
        A registry file that cannot be read.
    """
    registry = find(name, data_dir)
    if registry is None:
        return None
    return _make_class(name, _root(data_dir), registry)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def _next_version(registry: dict | None, config_dir: Path) -> str:
    """One minor version above every version registered or on disk."""
    known = list(registry["versions"]) if registry else []
    if config_dir.is_dir():
        known += [p.name for p in config_dir.iterdir()
                  if p.is_dir() and re.fullmatch(r"\d+\.\d+\.\d+", p.name)]
    if not known:
        return "1.0.0"
    major, minor, _ = max(_version_key(v) for v in known)
    return f"{major}.{minor + 1}.0"


def import_sequences(name: str, *, data_dir=None, progress: Progress | None = None,
                     **options) -> ImportResult:
    """Read sequences and write them as the data set ``name`` in ``data_dir``.

    Parameters
    ----------
    name : str
        Lowercase letters, digits and ``_``; the name ``datasets.load``,
        ``deepmotif train --dataset`` and ``tfds.load`` use.
    data_dir : path, optional
        TFDS data folder; default TFDS's ($TFDS_DATA_DIR or ~/tensorflow_datasets).
    progress : callable, optional
        ``progress(task, done, total)`` while files are read and records written.
    **options
        ``fasta``, ``bed``, ``genome``, ``labels``, ``length``, ``test_chroms``,
        ``valid_chroms``, ``seed``, ``fractions``: see :func:`read_sequences`.

    Returns
    -------
    ImportResult
        With ``already`` True when the current version holds the same records (then
        nothing is written).

    Raises
    ------
    DatasetError
        A bad name, option or file (one sentence naming the file and line), or a data
        folder that cannot be written.
    FolderInUseError
        Another process is importing or building this data set in that folder.
    """
    import tensorflow_datasets as tfds

    from deepmotif_arch.base.errors import storage_problem
    from deepmotif_arch.base.locking import lock_folder

    check_name(name)
    request = _request(options)
    data = read_sequences(progress=progress, **options)
    root = _root(data_dir)
    folder = Path(root) / name
    config_dir = folder / CONFIG_NAME
    made = missing_folders(config_dir)
    lock = None
    ok = False
    try:
        try:
            config_dir.mkdir(parents=True, exist_ok=True)
            lock = lock_folder(config_dir, holder=f"another import or build of {name}",
                               hint="wait for it to finish or give another --data-dir")
        except OSError as exc:
            raise DatasetError(_storage_sentence(exc, root)) from None
        registry = find(name, root)
        if registry is not None:
            current = registry["current"]
            record = registry["versions"][current]
            if record["fingerprint"] == data.fingerprint:
                builder = _make_class(name, root, registry)(data_dir=root)
                if builder.is_prepared() and _intact(builder):
                    ok = True
                    return ImportResult(name, current, builder, record, already=True)
                shutil.rmtree(str(builder.data_dir), ignore_errors=True)  # damaged: rewrite
                version = current
            else:
                version = _next_version(registry, config_dir)
        else:
            foreign = [p.parent for p in folder.rglob("dataset_info.json")
                       if not _imported_here(p.parent)]
            if foreign:
                raise DatasetError(f"{folder} holds a data set that was not imported by "
                                   f"deepmotif ({foreign[0]}); give your data set another "
                                   "name or another --data-dir.")
            version = _next_version(None, config_dir)
            stale = config_dir / version  # left by an import killed before its registry
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        record = {"version": version, **data.metadata(request)}
        new_registry = {"format": IMPORT_FORMAT, "name": name, "current": version,
                        "versions": {**(registry or {}).get("versions", {}), version: record}}
        builder = _make_class(name, root, new_registry)(data_dir=root)
        builder._pending = data
        builder._progress = progress
        try:
            builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
                download_mode=tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS))
        except DatasetError:
            raise
        except Exception as exc:
            if storage_problem(exc) is None:
                raise
            raise DatasetError(_storage_sentence(exc, root)) from None
        finally:
            builder._pending = None
            builder._progress = None
        try:
            _write_registry(folder / REGISTRY_FILE, new_registry)
        except OSError as exc:
            raise DatasetError(_storage_sentence(exc, root)) from None
        ok = True
        return ImportResult(name, version, builder, record)
    finally:
        if lock is not None:
            lock.release()
        if not ok:
            for path in made + [Path(root) / "downloads"]:
                try:
                    path.rmdir()  # only the empty folders this import made
                except OSError:
                    pass


def _imported_here(version_dir: Path) -> bool:
    """Whether a prepared version folder was written by an import (its metadata says so)."""
    try:
        return "deepmotif_import" in json.loads((version_dir / "metadata.json").read_text())
    except (OSError, ValueError):
        return False


def _intact(builder) -> bool:
    from deepmotif_arch.data.datasets import verify_prepared

    try:
        verify_prepared(builder)
    except DatasetError:
        return False
    return True


def _request(options: dict) -> dict:
    """The options of an import as JSON, paths absolute (to read the inputs again)."""
    def path(p):
        return str(Path(p).resolve())

    out: dict[str, Any] = {}
    for key in ("fasta", "bed"):
        value = options.get(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            out[key] = {str(k): path(v) for k, v in value.items()}
        elif isinstance(value, (str, os.PathLike)):
            out[key] = [path(value)]
        else:
            out[key] = [path(v) for v in value]
    for key in ("genome", "labels"):
        if options.get(key) is not None:
            out[key] = path(options[key])
    for key in ("test_chroms", "valid_chroms"):
        chroms = _chrom_list(options.get(key))
        if chroms is not None:
            out[key] = list(chroms)
    if options.get("length") is not None:
        out["length"] = options["length"]
    out["seed"] = options.get("seed", 0)
    out["fractions"] = list(_check_fractions(options.get("fractions", DEFAULT_FRACTIONS)))
    unknown = sorted(set(options) - {"fasta", "bed", "genome", "labels", "length", "test_chroms",
                                     "valid_chroms", "seed", "fractions"})
    if unknown:
        raise DatasetError(f"import_sequences has no option {unknown[0]!r}; use fasta, bed, "
                           "genome, labels, length, test_chroms, valid_chroms, seed or "
                           "fractions.")
    return out


def _storage_sentence(exc: BaseException, root) -> str:
    from deepmotif_arch.base.errors import storage_problem

    problem = storage_problem(exc) or getattr(exc, "strerror", None) or type(exc).__name__
    fix = "free some space" if "disk" in str(problem) else "give a writable --data-dir"
    return f"cannot write the data set into {root} ({problem}); {fix} and import again."
