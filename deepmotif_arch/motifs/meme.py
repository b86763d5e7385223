"""Motif files in MEME minimal format, and the small helpers that go with them.

The MEME suite reads and writes motifs as plain text ("MEME minimal motif format",
version 4 and later)::

    MEME version 4

    ALPHABET= ACGT

    strands: + -

    Background letter frequencies
    A 0.25 C 0.25 G 0.25 T 0.25

    MOTIF MA0002.2 RUNX1

    letter-probability matrix: alength= 4 w= 11 nsites= 2000 E= 0
      0.143500  0.248000  0.348000  0.260500
      ...

    URL http://jaspar.genereg.net?ID=MA0002.2

:func:`read_meme` turns such a file into a list of :class:`Motif` records (one
position probability matrix of shape ``(width, 4)``, columns A, C, G, T, per
motif) and :func:`write_meme` writes motifs or bare matrices (for instance the
first-layer filters of a model turned into probability matrices) back out, so
that reading what was written gives the same motifs again.

Anything that is not such a file raises
:class:`~deepmotif_arch.base.errors.MotifFormatError` with one sentence that names the
file, the line and what was expected there.

:func:`clip_motif` trims a matrix to its informative columns before motif
comparison, as the authors' released code did before running Tomtom.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import InvalidMotifError, MotifFormatError
from deepmotif_arch.base.sequence import ALPHABET
from deepmotif_arch.base.sequence import reverse_complement as _reverse_complement

__all__ = [
    "ALPHABET",
    "Motif",
    "read_meme",
    "parse_meme",
    "write_meme",
    "format_meme",
    "as_motifs",
    "reverse_complement",
    "information_content",
    "informative_span",
    "clip_motif",
    "consensus",
]

#: How far a matrix row may sum from 1 before the reader refuses it.
ROW_SUM_TOLERANCE = 0.01

_UNIFORM = (0.25, 0.25, 0.25, 0.25)


# --------------------------------------------------------------------------- records


def _as_matrix(matrix, what: str = "motif matrix") -> np.ndarray:
    """A float64, C-ordered, read-only copy of a ``(width, 4)`` matrix; raises if unusable."""
    try:
        arr = np.array(matrix, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as err:
        raise InvalidMotifError(f"the {what} is not numeric ({err}).") from None
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InvalidMotifError(
            f"the {what} has shape {arr.shape}; expected (width, 4) with columns A, C, G, T."
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidMotifError(f"the {what} contains NaN or infinite values.")
    if np.any(arr < 0):
        raise InvalidMotifError(f"the {what} contains negative values; expected probabilities.")
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Motif:
    """One motif: a position probability matrix and what a MEME file says about it.

    Parameters
    ----------
    id : str
        Identifier (the first word after ``MOTIF``), e.g. ``"MA0002.2"``.
    matrix : array_like, shape (width, 4)
        Letter probabilities per position, columns in A, C, G, T order. Stored as a
        read-only float64 array. ``width`` may be 0 only for a motif built in
        memory (for example an uninformative filter clipped to nothing).
    name : str, default ""
        Alternative name (the rest of the ``MOTIF`` line), e.g. ``"RUNX1"``.
    nsites : float or None, default None
        Number of sites the matrix was estimated from (``nsites=``); ``None`` when
        unknown. Tomtom uses it to weigh its pseudocount (20 when unknown).
    evalue : float or None, default None
        The motif's own E-value (``E=``), if the file gave one.
    url : str, default ""
        The ``URL`` line, if any.
    background : array_like, shape (4,), default uniform
        Letter frequencies of the file the motif came from.
    """

    id: str
    matrix: np.ndarray
    name: str = ""
    nsites: float | None = None
    evalue: float | None = None
    url: str = ""
    background: np.ndarray = field(default_factory=lambda: np.array(_UNIFORM))

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or any(c.isspace() for c in self.id):
            raise InvalidMotifError(
                f"motif id {self.id!r} is not usable; expected a non-empty word without spaces."
            )
        object.__setattr__(self, "matrix", _as_matrix(self.matrix, f"matrix of motif {self.id}"))
        bg = np.array(self.background, dtype=np.float64)
        if bg.shape != (4,) or not np.all(np.isfinite(bg)) or np.any(bg < 0) or bg.sum() <= 0:
            raise InvalidMotifError(
                f"background of motif {self.id} is {self.background!r}; expected 4 "
                "non-negative letter frequencies (A, C, G, T)."
            )
        bg = bg / bg.sum()
        bg.setflags(write=False)
        object.__setattr__(self, "background", bg)
        if self.nsites is not None:
            nsites = float(self.nsites)
            if not math.isfinite(nsites) or nsites < 0:
                raise InvalidMotifError(
                    f"nsites of motif {self.id} is {self.nsites!r}; expected a count >= 0."
                )
            object.__setattr__(self, "nsites", nsites)
        if self.evalue is not None:
            object.__setattr__(self, "evalue", float(self.evalue))

    @property
    def width(self) -> int:
        """Number of positions."""
        return int(self.matrix.shape[0])

    @property
    def consensus(self) -> str:
        """The most probable letter at each position (first of A, C, G, T on ties)."""
        return consensus(self.matrix)

    def reverse_complement(self) -> Motif:
        """The same motif on the other strand (positions reversed, A<->T, C<->G)."""
        return self.replace(matrix=reverse_complement(self.matrix),
                            background=self.background[::-1])  # A<->T, C<->G

    def replace(self, **changes) -> Motif:
        """A copy with some fields changed (``motif.replace(matrix=clip_motif(m.matrix))``)."""
        values = {
            "id": self.id, "matrix": self.matrix, "name": self.name, "nsites": self.nsites,
            "evalue": self.evalue, "url": self.url, "background": self.background,
        }
        values.update(changes)
        return Motif(**values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Motif):
            return NotImplemented
        return (
            self.id == other.id
            and self.name == other.name
            and self.nsites == other.nsites
            and self.evalue == other.evalue
            and self.url == other.url
            and np.array_equal(self.matrix, other.matrix)
            and np.array_equal(self.background, other.background)
        )

    __hash__ = None  # mutable-looking contents (arrays): not hashable

    def __repr__(self) -> str:
        name = f" {self.name}" if self.name else ""
        return f"<Motif {self.id}{name} width={self.width} consensus={self.consensus}>"


# --------------------------------------------------------------------------- matrices


def reverse_complement(matrix) -> np.ndarray:
    """Reverse complement of a probability matrix.

    Parameters
    ----------
    matrix : array_like, shape (width, 4)
        Columns A, C, G, T.

    Returns
    -------
    numpy.ndarray, shape (width, 4)
        Rows reversed and columns swapped A<->T, C<->G.
    """
    return _reverse_complement(np.asarray(matrix, dtype=np.float64))


def information_content(matrix) -> np.ndarray:
    """Information content of each position, in bits, against a uniform background.

    ``IC_i = log2(4) + sum_n p_i(n) log2 p_i(n)``, with ``0 log 0 = 0``.

    Parameters
    ----------
    matrix : array_like, shape (width, 4)

    Returns
    -------
    numpy.ndarray, shape (width,)
        Between 0 (uniform column) and 2 bits (a single letter).
    """
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InvalidMotifError(f"matrix has shape {arr.shape}; expected (width, 4).")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(arr > 0, arr * np.log2(np.where(arr > 0, arr, 1.0)), 0.0)
    return 2.0 + terms.sum(axis=1)


def informative_span(matrix, min_bits: float = 0.5, pad: int = 3) -> tuple[int, int] | None:
    """The half-open span ``[start, stop)`` that :func:`clip_motif` keeps.

    From the first to the last position carrying more than ``min_bits`` bits,
    widened by ``pad`` positions each side and clamped to the matrix.

    Returns
    -------
    tuple of int, or None
        ``None`` when no position carries more than ``min_bits`` bits.
    """
    if pad < 0:
        raise InvalidMotifError(f"pad is {pad}; expected a number of positions >= 0.")
    ic = information_content(matrix)
    hits = np.flatnonzero(ic > min_bits)
    if hits.size == 0:
        return None
    start = max(int(hits[0]) - pad, 0)
    stop = min(int(hits[-1]) + pad + 1, ic.shape[0])
    return start, stop


def clip_motif(matrix, min_bits: float = 0.5, pad: int = 3, *, keep_uninformative: bool = True):
    """Trim a probability matrix to its informative span.

    Keeps the positions from the first to the last one whose information content
    (:func:`information_content`) exceeds ``min_bits``, plus ``pad`` positions of
    padding on each side, clamped to the matrix. This is what the authors'
    released code did to every filter before Tomtom (0.5 bits, 3 positions).

    Parameters
    ----------
    matrix : array_like of shape (width, 4), or Motif
        The motif; a :class:`Motif` comes back as a :class:`Motif` with its
        matrix clipped.
    min_bits : float, default 0.5
        A position counts as informative when its information content is strictly
        greater than this.
    pad : int, default 3
        Positions kept on each side of the informative span.
    keep_uninformative : bool, default True
        What to do with a matrix that has no informative position at all. ``True``
        returns it whole, unclipped (what the released code did, so such filters
        still reach Tomtom, where they rarely match anything); ``False`` returns an
        empty matrix of shape ``(0, 4)`` so that callers can drop it.

    Returns
    -------
    numpy.ndarray of shape (clipped_width, 4), or Motif
        A copy; ``clipped_width <= width``.

    Notes
    -----
    The released code computed ``log2(p + 1e-7)`` and tested ``index.any()``,
    which treats a matrix whose only informative position is the first one as
    uninformative. Here ``0 log 0 = 0`` exactly and every informative position
    counts, so that one corner case differs.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.full((12, 4), 0.25); m[6] = [1, 0, 0, 0]
    >>> clip_motif(m).shape
    (7, 4)
    """
    if isinstance(matrix, Motif):
        clipped = clip_motif(matrix.matrix, min_bits, pad, keep_uninformative=keep_uninformative)
        return matrix.replace(matrix=clipped)
    arr = np.asarray(matrix, dtype=np.float64)
    span = informative_span(arr, min_bits, pad)
    if span is None:
        return arr.copy() if keep_uninformative else np.zeros((0, 4))
    return arr[span[0]:span[1]].copy()


def consensus(matrix) -> str:
    """The most probable letter of each position of a ``(width, 4)`` matrix.

    Ties go to the first letter in A, C, G, T order. As in MEME's Tomtom, the
    running maximum is kept in single precision, so letters whose probabilities
    agree to about 7 digits count as tied.
    """
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InvalidMotifError(f"matrix has shape {arr.shape}; expected (width, 4).")
    best = np.zeros(arr.shape[0], dtype=np.int64)
    top = arr[:, 0].astype(np.float32)
    for j in range(1, 4):
        better = arr[:, j] > top.astype(np.float64)
        best[better] = j
        top[better] = arr[better, j].astype(np.float32)
    return "".join(np.array(list(ALPHABET))[best])


# --------------------------------------------------------------------------- reading


class _Lines:
    """Numbered lines of a text with a cursor; raises MotifFormatError with context."""

    def __init__(self, text: str, source: str):
        # lines end at \n, \r\n or \r only, as an editor numbers them
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.source = source
        self.i = 0

    def peek(self) -> tuple[int, str] | None:
        while self.i < len(self.lines):
            stripped = self.lines[self.i].strip()
            if stripped and not stripped.startswith("#"):
                return self.i + 1, stripped
            self.i += 1
        return None

    def take(self) -> tuple[int, str] | None:
        item = self.peek()
        if item is not None:
            self.i += 1
        return item

    def fail(self, line: int | None, expected: str, found: str | None = None) -> MotifFormatError:
        where = f"line {line} of {self.source}" if line is not None else self.source
        if found is None:
            message = f"{where}: expected {expected}."
        else:
            shown = found if len(found) <= 60 else found[:57] + "..."
            message = f"{where}: expected {expected}, found {shown!r}."
        return MotifFormatError(message, source=self.source, line=line)

    @property
    def last_line(self) -> int:
        """Number of the last line that has text (1 for an empty file)."""
        for i in range(len(self.lines) - 1, -1, -1):
            if self.lines[i].strip():
                return i + 1
        return 1


_HEADER = re.compile(r"^MEME\s+version\s+(\d+)(?:\.\d+)*\s*$")
_KEY_VALUE = re.compile(r"(\w+)\s*=\s*(\S+)")


def _number(lines: _Lines, line: int, token: str, what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise lines.fail(line, what, token) from None
    if not math.isfinite(value):
        raise lines.fail(line, what, token)
    return value


def _parse_alphabet_block(lines: _Lines, line: int) -> None:
    """MEME 5 custom alphabet block; accepted only when its core letters are A, C, G, T."""
    core = []
    while True:
        item = lines.take()
        if item is None:
            raise lines.fail(lines.last_line, "'END ALPHABET' to close the alphabet of line "
                             f"{line}")
        n, text = item
        if text.upper().startswith("END ALPHABET"):
            break
        if "=" in text:  # ambiguity codes such as 'N = ACGT'
            continue
        parts = text.split()
        core.append(parts[0].upper())
        if "~" in parts:  # 'A "Adenine" CC0000 ~ T "Thymine" 008000': a complement pair
            k = parts.index("~") + 1
            if k >= len(parts):
                raise lines.fail(n, "a letter after '~' in the alphabet", text)
            core.append(parts[k].upper())
    if sorted(core) != sorted(ALPHABET):
        raise lines.fail(line, "a DNA alphabet with the core letters A, C, G, T",
                         " ".join(core))


def _parse_background(lines: _Lines, line: int) -> np.ndarray:
    found: dict[str, float] = {}
    start = line
    while len(found) < 4:
        item = lines.peek()
        if item is None:
            raise lines.fail(lines.last_line, "background frequencies for A, C, G and T "
                             f"after line {start}")
        n, text = item
        tokens = text.split()
        if len(tokens) % 2 or tokens[0].upper() not in ALPHABET:
            raise lines.fail(n, "background frequencies as 'A 0.25 C 0.25 G 0.25 T 0.25'",
                             text)
        lines.take()
        for letter, value in zip(tokens[::2], tokens[1::2]):
            letter = letter.upper()
            if letter not in ALPHABET or letter in found:
                raise lines.fail(n, "each of the letters A, C, G and T once in the background",
                                 text)
            number = _number(lines, n, value, f"a background frequency for {letter}")
            if number < 0:
                raise lines.fail(n, "non-negative background frequencies", text)
            found[letter] = number
    bg = np.array([found[a] for a in ALPHABET])
    if abs(bg.sum() - 1.0) > ROW_SUM_TOLERANCE:
        raise lines.fail(start, "background frequencies that sum to 1",
                         f"sum {bg.sum():.6g}")
    return bg


def _parse_matrix_header(lines: _Lines, n: int, text: str, kind: str) -> dict[str, float]:
    rest = text.split(":", 1)[1] if ":" in text else ""
    values: dict[str, float] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        match = _KEY_VALUE.match(rest, pos)
        if match is None:
            raise lines.fail(n, f"'{kind}: alength= 4 w= WIDTH nsites= N E= X'", text)
        key, value = match.group(1), match.group(2)
        values[key] = _number(lines, n, value, f"a number after {key}=")
        pos = match.end()
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
    if "alength" in values and values["alength"] != 4:
        raise lines.fail(n, "alength= 4 (DNA: A, C, G, T)", text)
    if "w" in values:
        w = values["w"]
        if w != int(w) or w < 1:
            raise lines.fail(n, "a positive whole width after w=", text)
    if "nsites" in values and values["nsites"] < 0:
        raise lines.fail(n, "a non-negative count after nsites=", text)
    return values


def _is_numeric_row(text: str) -> bool:
    tokens = text.split()
    if not tokens:
        return False
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return True


def _parse_rows(lines: _Lines, header_line: int, width: int | None, motif_id: str,
                check_sums: bool) -> np.ndarray:
    rows = []
    while width is None or len(rows) < width:
        item = lines.peek()
        if item is None:
            if width is None:
                break
            raise lines.fail(lines.last_line, f"{width} rows for motif {motif_id} (w= {width} "
                             f"on line {header_line}) but the file ended after {len(rows)}")
        n, text = item
        if width is None and not _is_numeric_row(text):
            break
        tokens = text.split()
        if len(tokens) != 4:
            what = (f"row {len(rows) + 1} of {width}" if width else f"row {len(rows) + 1}")
            raise lines.fail(n, f"4 probabilities (A C G T) in {what} of motif {motif_id}",
                             text)
        values = [_number(lines, n, t, f"a probability in motif {motif_id}") for t in tokens]
        lines.take()
        if check_sums:
            if any(v < 0 for v in values):
                raise lines.fail(n, f"non-negative probabilities in motif {motif_id}", text)
            total = sum(values)
            if abs(total - 1.0) > ROW_SUM_TOLERANCE:
                raise lines.fail(n, f"probabilities summing to 1 in motif {motif_id}",
                                 f"{text} (sum {total:.6g})")
        rows.append(values)
    if not rows:
        raise lines.fail(header_line + 1, f"matrix rows for motif {motif_id}")
    return np.array(rows, dtype=np.float64)


def parse_meme(text: str, source: str = "<string>") -> list[Motif]:
    """Parse the text of a MEME minimal-format motif file.

    Parameters
    ----------
    text : str
        The whole file.
    source : str, default "<string>"
        Name used in error messages.

    Returns
    -------
    list of Motif
        In file order.

    Raises
    ------
    MotifFormatError
        If the text is not a MEME (version 4 or later) DNA motif file.
    """
    lines = _Lines(text[1:] if text.startswith("\ufeff") else text, source)
    first = lines.take()
    if first is None:
        raise lines.fail(1, "the header 'MEME version 4'", "an empty file")
    n, header = first
    match = _HEADER.match(header)
    if match is None:
        raise lines.fail(n, "the header 'MEME version 4'", header)
    if int(match.group(1)) < 4:
        raise lines.fail(n, "MEME version 4 or later", header)

    background = np.array(_UNIFORM)
    motifs: list[Motif] = []
    current: dict | None = None  # fields of the motif being read

    def finish(at_line: int) -> None:
        nonlocal current
        if current is None:
            return
        if current.get("matrix") is None:
            raise lines.fail(at_line, f"a 'letter-probability matrix:' for motif "
                             f"{current['id']} (line {current['line']})")
        motifs.append(Motif(id=current["id"], name=current["name"], matrix=current["matrix"],
                            nsites=current.get("nsites"), evalue=current.get("evalue"),
                            url=current.get("url", ""), background=background))
        current = None

    while True:
        item = lines.take()
        if item is None:
            break
        n, text = item
        keyword = text.split()[0]
        upper = keyword.upper()
        if text.startswith("ALPHABET="):
            letters = text.split("=", 1)[1].strip()
            if letters.upper() != ALPHABET:
                raise lines.fail(n, "the DNA alphabet 'ALPHABET= ACGT'", text)
            continue
        if upper == "ALPHABET":
            _parse_alphabet_block(lines, n)
            continue
        if text.startswith("strands:"):
            strands = text.split(":", 1)[1].split()
            if not strands or any(s not in ("+", "-") for s in strands):
                raise lines.fail(n, "'strands: + -' or 'strands: +'", text)
            continue
        if text.startswith("Background letter frequencies"):
            if motifs or current is not None:
                raise lines.fail(n, "the background before the first MOTIF", text)
            background = _parse_background(lines, n)
            continue
        if keyword == "MOTIF":
            finish(n)
            parts = text.split(None, 2)
            if len(parts) < 2:
                raise lines.fail(n, "a motif identifier after MOTIF", text)
            current = {"id": parts[1], "name": parts[2].strip() if len(parts) > 2 else "",
                       "line": n, "matrix": None}
            continue
        if text.startswith("letter-probability matrix"):
            if current is None:
                raise lines.fail(n, "a MOTIF line before the letter-probability matrix", text)
            if current["matrix"] is not None:
                raise lines.fail(n, f"one letter-probability matrix for motif {current['id']}",
                                 text)
            values = _parse_matrix_header(lines, n, text, "letter-probability matrix")
            width = int(values["w"]) if "w" in values else None
            current["matrix"] = _parse_rows(lines, n, width, current["id"], check_sums=True)
            if "nsites" in values:
                current["nsites"] = values["nsites"]
            if "E" in values:
                current["evalue"] = values["E"]
            continue
        if text.startswith("log-odds matrix"):
            if current is None:
                raise lines.fail(n, "a MOTIF line before the log-odds matrix", text)
            values = _parse_matrix_header(lines, n, text, "log-odds matrix")
            width = int(values["w"]) if "w" in values else None
            _parse_rows(lines, n, width, current["id"], check_sums=False)
            continue
        if keyword == "URL":
            if current is None:
                raise lines.fail(n, "a MOTIF line before its URL", text)
            current["url"] = text[3:].strip()
            continue
        expected = ("MOTIF, a letter-probability matrix or URL" if current is not None
                    else "ALPHABET=, strands:, Background letter frequencies or MOTIF")
        raise lines.fail(n, expected, text)

    finish(lines.last_line)
    if not motifs:
        raise lines.fail(lines.last_line, "at least one MOTIF with a letter-probability matrix",
                         "no motif")
    return motifs


def read_meme(path) -> list[Motif]:
    """Read every motif of a MEME minimal-format file.

    Parameters
    ----------
    path : str, os.PathLike or text file object
        The motif file (for example ``JASPAR_CORE_2016_vertebrates.meme``).

    Returns
    -------
    list of Motif
        In file order; each ``matrix`` has shape ``(width, 4)``, columns A, C, G, T,
        exactly the numbers in the file.

    Raises
    ------
    MotifFormatError
        If the file is empty, lacks the ``MEME version 4`` header, uses another
        alphabet than DNA, has a matrix whose ``alength``, row count (``w=``) or
        numbers are wrong, or rows that do not sum to 1 (within 0.01).
    FileNotFoundError
        If the path does not exist.

    Examples
    --------
    >>> motifs = read_meme("JASPAR_CORE_2016_vertebrates.meme")  # doctest: +SKIP
    >>> len(motifs), motifs[0].id, motifs[0].matrix.shape  # doctest: +SKIP
    (519, 'MA0002.2', (11, 4))
    """
    if hasattr(path, "read"):
        source = getattr(path, "name", "<stream>")
        text = path.read()
    else:
        source = os.fspath(path)
        try:
            raw = Path(source).read_bytes()
        except IsADirectoryError:
            raise MotifFormatError(f"{source} is a directory; expected a MEME motif file.",
                                   source=source) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise MotifFormatError(
                f"line {line} of {source}: expected UTF-8 text, found undecodable bytes.",
                source=source, line=line) from None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return parse_meme(text, str(source))


# --------------------------------------------------------------------------- writing


def as_motifs(motifs, prefix: str = "motif") -> list[Motif]:
    """Coerce motifs given in any of the usual forms into a list of :class:`Motif`.

    Parameters
    ----------
    motifs : Motif, sequence of Motif or arrays, or array of shape (n, width, 4) or (width, 4)
        Bare matrices get the ids ``f"{prefix}{i}"`` (``motif0``, ``motif1`` ...).
        A str or path is read with :func:`read_meme`.
    prefix : str, default "motif"

    Returns
    -------
    list of Motif
    """
    if isinstance(motifs, (str, os.PathLike)):
        return read_meme(motifs)
    if isinstance(motifs, Motif):
        return [motifs]
    if isinstance(motifs, np.ndarray):
        if motifs.ndim == 2:
            return [Motif(id=f"{prefix}0", matrix=motifs)]
        if motifs.ndim == 3:
            return [Motif(id=f"{prefix}{i}", matrix=m) for i, m in enumerate(motifs)]
        raise InvalidMotifError(
            f"motif array has shape {motifs.shape}; expected (width, 4) or (n, width, 4)."
        )
    if not isinstance(motifs, Iterable):
        raise InvalidMotifError(f"cannot read motifs from a {type(motifs).__name__}.")
    out = []
    for i, m in enumerate(motifs):
        out.append(m if isinstance(m, Motif) else Motif(id=f"{prefix}{i}", matrix=m))
    return out


def _format_number(value: float, precision: int | None) -> str:
    if precision is None:
        return repr(float(value))
    return f"{value:.{precision}f}"


def _format_count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def format_meme(motifs, *, background=None, strands: str = "+ -", precision: int | None = 6,
                names: Sequence[str] | None = None) -> str:
    """MEME minimal-format text for some motifs (what :func:`write_meme` writes).

    Parameters
    ----------
    motifs : Motif, sequence of Motif or arrays, or array of shape (n, width, 4)
        Bare matrices (e.g. filters turned into probability matrices) are named
        ``motif0``, ``motif1`` ... unless ``names`` is given.
    background : array_like of shape (4,), optional
        Letter frequencies for the header; default that of the first motif
        (uniform for bare matrices).
    strands : str, default "+ -"
    precision : int or None, default 6
        Decimals written per probability (MEME and JASPAR write 6). ``None`` writes
        the shortest text that reads back to the exact same float.
    names : sequence of str, optional
        Ids for bare matrices (one per motif, no whitespace).

    Returns
    -------
    str
    """
    items = as_motifs(motifs)
    if names is not None:
        if len(names) != len(items):
            raise InvalidMotifError(f"got {len(names)} names for {len(items)} motifs.")
        items = [m.replace(id=str(nm)) for m, nm in zip(items, names)]
    if not items:
        raise InvalidMotifError("no motifs to write; a MEME file needs at least one.")
    if background is None:
        bg = items[0].background
    else:
        bg = Motif(id="bg", matrix=np.full((1, 4), 0.25), background=background).background
    if strands not in ("+ -", "+"):
        raise InvalidMotifError(f"strands is {strands!r}; expected '+ -' or '+'.")
    out = io.StringIO()
    out.write("MEME version 4\n\nALPHABET= ACGT\n\n")
    out.write(f"strands: {strands}\n\n")
    out.write("Background letter frequencies\n")
    out.write(" ".join(f"{a} {_format_number(v, precision)}" for a, v in zip(ALPHABET, bg)))
    out.write("\n\n")
    for m in items:
        if m.width == 0:
            raise InvalidMotifError(f"motif {m.id} has no positions; a MEME file cannot hold it.")
        sums = m.matrix.sum(axis=1)
        if np.any(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE):
            raise InvalidMotifError(
                f"rows of motif {m.id} sum to {sums.min():.4g}..{sums.max():.4g}; a MEME file "
                "holds probabilities, so normalize each row to sum to 1 first."
            )
        if any(c in text for text in (m.name, m.url) for c in "\r\n"):
            raise InvalidMotifError(f"the name or URL of motif {m.id} contains a line break.")
        name = f" {m.name}" if m.name else ""
        out.write(f"MOTIF {m.id}{name}\n\n")
        nsites = m.nsites if m.nsites is not None else 20
        evalue = m.evalue if m.evalue is not None else 0
        out.write(f"letter-probability matrix: alength= 4 w= {m.width} "
                  f"nsites= {_format_count(nsites)} E= {evalue:g}\n")
        for row in m.matrix:
            out.write("  " + "\t  ".join(_format_number(v, precision) for v in row) + "\t\n")
        out.write("\n")
        if m.url:
            out.write(f"URL {m.url}\n\n")
    return out.getvalue()


def write_meme(motifs, path, *, background=None, strands: str = "+ -",
               precision: int | None = 6, names: Sequence[str] | None = None) -> Path:
    """Write motifs (or bare probability matrices) as a MEME minimal-format file.

    Reading the file back with :func:`read_meme` gives the same motifs (exactly
    with ``precision=None``; to ``precision`` decimals otherwise).

    Parameters
    ----------
    motifs : Motif, sequence of Motif or arrays, or array of shape (n, width, 4)
        What to write; see :func:`format_meme`.
    path : str or os.PathLike
        Output file (overwritten).
    background, strands, precision, names
        See :func:`format_meme`.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import numpy as np
    >>> filters = np.full((30, 19, 4), 0.25)           # e.g. 30 first-layer filters
    >>> write_meme(filters, "filters.meme")             # doctest: +SKIP
    """
    text = format_meme(motifs, background=background, strands=strands, precision=precision,
                       names=names)
    out = Path(path)
    out.write_text(text)
    return out
