"""Read numeric matrices from MATLAB MAT-files a block of rows at a time.

DeepSEA's bundle mixes two MAT-file versions: ``train.mat`` is MATLAB v7.3 (an HDF5
file, read here through h5py) and ``valid.mat`` / ``test.mat`` are MATLAB v5 (parsed
here, because ``scipy.io.loadmat`` can only load a whole variable, 2 GB for
``testxdata``). Both readers present a variable the way MATLAB sees it: ``shape`` is
MATLAB's size, rows first, and :meth:`MatReader.read` returns rows ``start:stop`` of
chosen *columns*, where a column is one position of the trailing dimensions in
MATLAB's column-major order. For a ``(N, 4, 1000)`` array, column ``j = c + 4 * p``
holds channel ``c`` at position ``p``, so reading all columns gives an array that
reshapes to ``(1000, 4, n)``: the layout in which both file versions store the data,
which makes every read a set of contiguous runs.

Memory stays bounded by the block asked for: v7.3 files are read with HDF5
hyperslabs (with HDF5's data sieve turned off, see :func:`_open_hdf5`), uncompressed
v5 variables with one positioned read per column, and compressed (``-v7``) v5
variables by inflating the zlib stream once per block and keeping only the bytes of
the requested rows.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from deepmotif_arch.base.errors import DatasetError

__all__ = ["Variable", "MatReader", "mat_version", "open_mat"]

# MAT-file v5 data types (MATLAB's "MAT-File Format" reference, table 1-1).
_MI_NUMERIC = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8",
               12: "i8", 13: "u8"}
_MI_INT8, _MI_INT32, _MI_UINT32, _MI_MATRIX, _MI_COMPRESSED = 1, 5, 6, 14, 15
# MATLAB array classes (table 1-3).
_MX_CLASSES = {1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double",
               7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32",
               13: "uint32", 14: "int64", 15: "uint64"}
_LOGICAL_FLAG, _COMPLEX_FLAG = 0x02, 0x08

_COMPRESSED_READ = 1 << 20  # compressed bytes read from disk at a time
_INFLATE_PIECE = 1 << 22  # decompressed bytes produced at a time


@dataclass(frozen=True)
class Variable:
    """A variable of a MAT-file as MATLAB sees it.

    Attributes
    ----------
    name : str
        The variable name.
    shape : tuple of int
        MATLAB's size, rows first (``(N, 4, 1000)`` for DeepSEA's sequences).
    dtype : numpy.dtype or None
        How the values are stored in the file (None for non-numeric variables).
    matlab_class : str
        ``"uint8"``, ``"double"``, ``"logical"``, ``"cell"``, ... as MATLAB reports it.
    complex : bool
        True for complex arrays.
    compressed : bool
        True when the values sit in a zlib stream (v5 ``-v7`` files).
    """

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype | None
    matlab_class: str
    complex: bool = False
    compressed: bool = False

    @property
    def numeric(self) -> bool:
        return self.dtype is not None and self.dtype.kind in "biuf" and not self.complex


def mat_version(path: str | os.PathLike) -> str | None:
    """The MAT-file version of a file: ``"7.3"``, ``"5"``, ``"4"`` or None (not a MAT-file)."""
    import h5py

    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(128)
    if len(head) == 128 and head[126:128] in (b"IM", b"MI"):
        order = "<" if head[126:128] == b"IM" else ">"
        version = struct.unpack(order + "H", head[124:126])[0]
        if version == 0x0100:
            return "5"
        if version == 0x0200 and h5py.is_hdf5(path):
            return "7.3"
    if h5py.is_hdf5(path):  # HDF5 without MATLAB's header, e.g. written by h5py
        return "7.3"
    if _looks_like_v4(head):
        return "4"
    return None


def _looks_like_v4(head: bytes) -> bool:
    """MATLAB v4 files start with five int32: type code, rows, columns, imaginary, name length."""
    if len(head) < 20:
        return False
    for order in "<>":
        mopt, rows, cols, imagf, namelen = struct.unpack(order + "5i", head[:20])
        m, o, p, t = mopt // 1000, (mopt // 100) % 10, (mopt // 10) % 10, mopt % 10
        if (0 <= mopt < 5000 and m in (0, 1) and o == 0 and p <= 5 and t <= 2
                and rows >= 0 and cols >= 0 and imagf in (0, 1) and 0 < namelen < 64):
            return True
    return False


def open_mat(path: str | os.PathLike) -> MatReader:
    """Open a MATLAB v5 or v7.3 MAT-file for block reads.

    Raises
    ------
    DatasetError
        When the file is missing, is not a MAT-file, is MATLAB v4, or is damaged.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DatasetError(f"{path} does not exist; expected a MATLAB MAT-file there.")
    if not os.path.isfile(path):
        raise DatasetError(f"{path} is not a file; expected a MATLAB MAT-file there.")
    version = mat_version(path)
    if version == "7.3":
        return _Hdf5Reader(path)
    if version == "5":
        return _V5Reader(path)
    what = "a MATLAB v4 MAT-file" if version == "4" else "not a MATLAB MAT-file"
    raise DatasetError(f"{path} is {what}; expected a MATLAB v5 or v7.3 MAT-file.")


class MatReader:
    """Block reads of the numeric variables of one MAT-file (use as a context manager)."""

    path: str
    version: str

    def variables(self) -> dict[str, Variable]:
        """Every top-level variable, by name."""
        raise NotImplementedError

    def chunk_rows(self, name: str) -> int | None:
        """Rows per storage chunk along the first MATLAB dimension, if the storage is chunked."""
        return None

    def read(self, name: str, start: int, stop: int, columns=None,
             out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``start:stop`` of ``columns`` of a numeric variable.

        Parameters
        ----------
        name : str
            The variable.
        start, stop : int
            Rows along the first MATLAB dimension, ``0 <= start < stop <= shape[0]``.
        columns : sequence of int, optional
            Columns in MATLAB's column-major numbering of the trailing dimensions;
            all of them, in order, when omitted.
        out : numpy.ndarray, optional
            A C-contiguous buffer of shape (len(columns), stop - start) and the
            variable's dtype to read into.

        Returns
        -------
        numpy.ndarray
            Shape (len(columns), stop - start), the variable's stored dtype.
        """
        var = self.variables()[name]
        if not var.numeric:
            raise DatasetError(f"{self.path}: {name} is a MATLAB {var.matlab_class} array; "
                               "expected a real numeric matrix.")
        total = math.prod(var.shape[1:])
        if columns is None:
            columns = np.arange(total)
        columns = np.asarray(columns, dtype=np.int64)
        n = stop - start
        if not (0 <= start < stop <= var.shape[0]) or columns.size == 0:
            raise ValueError(f"rows {start}:{stop} / {columns.size} columns of {var.shape}")
        if columns.min() < 0 or columns.max() >= total:
            raise ValueError(f"columns outside 0..{total - 1}")
        if out is None:
            out = np.empty((columns.size, n), dtype=var.dtype)
        elif out.shape != (columns.size, n) or out.dtype != var.dtype or not out.flags.c_contiguous:
            raise ValueError(f"out must be C-contiguous {var.dtype} of shape {(columns.size, n)}")
        self._read(var, start, stop, columns, out)
        return out

    def _read(self, var, start, stop, columns, out) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Hdf5Reader(MatReader):
    """MATLAB v7.3: an HDF5 file whose datasets hold the arrays with their dimensions reversed."""

    version = "7.3"

    def __init__(self, path: str):
        import h5py

        self.path = path
        try:
            self._file = h5py.File(_open_hdf5(path))
        except OSError as exc:
            raise DatasetError(f"{path} cannot be opened as HDF5 ({exc}); expected an intact "
                               "MATLAB v7.3 MAT-file.") from None
        self._variables = None

    def variables(self) -> dict[str, Variable]:
        if self._variables is None:
            import h5py

            found = {}
            for name, obj in self._file.items():
                if not isinstance(obj, h5py.Dataset) or name.startswith("#"):
                    continue
                cls = obj.attrs.get("MATLAB_class", b"")
                cls = cls.decode() if isinstance(cls, bytes) else str(cls)
                dtype = obj.dtype if obj.dtype.kind in "biuf" else None
                found[name] = Variable(name, tuple(obj.shape[::-1]), dtype,
                                       cls or (dtype.name if dtype is not None else "unknown"),
                                       compressed=obj.compression is not None)
            self._variables = found
        return self._variables

    def chunk_rows(self, name: str) -> int | None:
        chunks = self._file[name].chunks
        return chunks[-1] if chunks else None

    def _read(self, var, start, stop, columns, out) -> None:
        dset = self._file[var.name]
        n = stop - start
        in_order = bool(np.all(np.diff(columns) == 1))
        if in_order and columns.size == math.prod(var.shape[1:]):
            # Every column in order: one hyperslab straight into the caller's buffer.
            dset.read_direct(out.reshape(dset.shape[:-1] + (n,)),
                             source_sel=np.s_[..., start:stop])
            return
        # h5py's leading dimensions, flattened in C order, number the columns as MATLAB
        # does, so a run of columns that covers whole slices of the first is one
        # hyperslab too.
        inner = math.prod(dset.shape[1:-1])
        first = int(columns[0])
        if in_order and dset.ndim > 1 and first % inner == 0 and columns.size % inner == 0:
            rows = columns.size // inner
            dset.read_direct(out.reshape((rows,) + dset.shape[1:-1] + (n,)),
                             source_sel=np.s_[first // inner:first // inner + rows, ...,
                                              start:stop])
            return
        if dset.ndim != 2:
            raise ValueError("column subsets of N-D variables must be runs of whole "
                             "slices of their first h5py dimension")
        order = np.argsort(columns, kind="stable")
        unique, inverse = np.unique(columns[order], return_inverse=True)
        block = dset[unique.tolist(), start:stop]  # h5py wants increasing indices
        out[order] = block[inverse]

    def close(self) -> None:
        self._file.close()


def _open_hdf5(path: str):
    """A read-only h5py file id for ``path`` with HDF5's data sieve buffer turned off.

    A block of rows of a contiguous (uncompressed) variable is one run of bytes per
    column: 4000 runs of n bytes, N bytes apart, for DeepSEA's sequences. HDF5 reads
    each run shorter than its sieve buffer (64 KiB by default) through that buffer, a
    whole buffer at a time, so a run of 16 KiB costs a 64 KiB read and a copy. Without
    the sieve each run is read straight into the destination, three to four times
    faster here. Chunked variables never use the sieve (they have a chunk cache).
    """
    import h5py

    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_sieve_buf_size(0)
    return h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY, fapl=fapl)


@dataclass(frozen=True)
class _V5Location:
    data_offset: int  # absolute file offset of the values (uncompressed variables)
    payload_offset: int  # absolute file offset of the zlib stream (compressed variables)
    payload_length: int
    stream_offset: int  # offset of the values inside the inflated stream


class _V5Reader(MatReader):
    """MATLAB v5 (and v6/v7): a 128-byte header, then one tagged data element per variable."""

    version = "5"

    def __init__(self, path: str):
        self.path = path
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        try:
            self._size = os.fstat(self._file.fileno()).st_size
            head = self._read_at(0, 128)
            self._order = "<" if head[126:128] == b"IM" else ">"
            self._variables, self._locations = self._scan()
        except BaseException:
            self._file.close()
            raise

    def _read_at(self, offset: int, size: int) -> bytes:
        buffer = bytearray(size)
        return bytes(buffer[:self._read_into(offset, memoryview(buffer))])

    def _read_into(self, offset: int, view: memoryview) -> int:
        """Fill ``view`` from ``offset``; the count is short only at the end of the file."""
        self._file.seek(offset)
        done = 0
        while done < len(view):
            got = self._file.readinto(view[done:])
            if not got:
                break
            done += got
        return done

    def _damaged(self, what: str) -> DatasetError:
        return DatasetError(f"{self.path} is damaged ({what}); expected an intact MATLAB v5 "
                            "MAT-file.")

    def _scan(self):
        variables, locations = {}, {}
        pos = 128
        while pos + 8 <= self._size:
            mtype, nbytes = struct.unpack(self._order + "II", self._read_at(pos, 8))
            data = pos + 8
            if data + nbytes > self._size:
                raise self._damaged(f"a data element at byte {pos} runs past the end of the file")
            if mtype == _MI_COMPRESSED:
                header, stream_pos = self._inflate_head(data, nbytes)
                found = header and self._parse_matrix(header, 0, stream_pos, compressed=True)
                if found:
                    var, offset = found
                    variables[var.name] = var
                    locations[var.name] = _V5Location(0, data, nbytes, offset)
                pos = data + nbytes
            else:
                if mtype == _MI_MATRIX and nbytes:
                    header = self._read_at(data, min(nbytes, 1 << 16))
                    found = self._parse_matrix(header, data, 0, compressed=False)
                    if found:
                        var, offset = found
                        variables[var.name] = var
                        locations[var.name] = _V5Location(offset, 0, 0, 0)
                pos = data + _padded(nbytes)
        return variables, locations

    def _inflate_head(self, offset: int, length: int) -> tuple[bytes, int]:
        """The first bytes of a compressed element (enough for its array header)."""
        inflater = zlib.decompressobj()
        raw = self._read_at(offset, min(length, 1 << 16))
        try:
            head = inflater.decompress(raw, 1 << 16)
        except zlib.error as exc:
            raise self._damaged(f"the compressed element at byte {offset - 8} does not inflate: "
                                f"{exc}") from None
        if len(head) < 8:
            raise self._damaged(f"the compressed element at byte {offset - 8} is truncated")
        mtype, nbytes = struct.unpack(self._order + "II", head[:8])
        if mtype != _MI_MATRIX:
            return b"", 0
        return head[8:], 8

    def _parse_matrix(self, buf: bytes, base: int, stream_base: int, compressed: bool):
        """Parse an miMATRIX header; return (Variable, offset of its values) or None."""
        order = self._order
        try:
            pos = 0
            mtype, nbytes, start, pos = _tag(buf, pos, order)
            if mtype != _MI_UINT32 or nbytes != 8:
                raise struct.error("bad array flags")
            flags_word = struct.unpack_from(order + "I", buf, start)[0]
            mx_class, flags = flags_word & 0xFF, (flags_word >> 8) & 0xFF
            mtype, nbytes, start, pos = _tag(buf, pos, order)
            if mtype != _MI_INT32 or nbytes % 4:
                raise struct.error("bad dimensions")
            shape = struct.unpack_from(f"{order}{nbytes // 4}i", buf, start)
            mtype, nbytes, start, pos = _tag(buf, pos, order)
            name = bytes(buf[start:start + nbytes]).decode("latin-1")
            cls = _MX_CLASSES.get(mx_class, f"class {mx_class}")
            if flags & _LOGICAL_FLAG:
                cls = "logical"
            if cls in ("cell", "struct", "object", "char", "sparse") or mx_class not in _MX_CLASSES:
                return Variable(name, tuple(shape), None, cls, compressed=compressed), 0
            mtype, nbytes, start, pos = _tag(buf, pos, order)
        except struct.error:
            raise self._damaged("a variable header cannot be parsed") from None
        if mtype not in _MI_NUMERIC:
            raise self._damaged(f"{name} stores its values as unknown type {mtype}")
        dtype = np.dtype(order + _MI_NUMERIC[mtype])
        if nbytes != math.prod(shape) * dtype.itemsize:
            raise self._damaged(f"{name} holds {nbytes} bytes for a {'x'.join(map(str, shape))} "
                                f"{dtype.name} array")
        var = Variable(name, tuple(shape), dtype, cls, complex=bool(flags & _COMPLEX_FLAG),
                       compressed=compressed)
        return var, (stream_base if compressed else base) + start

    def variables(self) -> dict[str, Variable]:
        return self._variables

    def _read(self, var, start, stop, columns, out) -> None:
        loc = self._locations[var.name]
        rows, size = var.shape[0], var.dtype.itemsize
        n = stop - start
        offsets = (columns * rows + start) * size
        if not var.compressed:
            for i, offset in enumerate(offsets.tolist()):
                got = self._read_into(loc.data_offset + offset, memoryview(out[i]).cast("B"))
                if got != n * size:
                    raise self._damaged(f"{var.name} ends early")
            return
        order = np.argsort(offsets, kind="stable")
        targets = [(int(offsets[i]) + loc.stream_offset, memoryview(out[i]).cast("B"))
                   for i in order.tolist()]
        self._inflate_into(loc, targets, var.name)

    def _inflate_into(self, loc: _V5Location, targets, name: str) -> None:
        """Inflate a compressed element from its start, copying the byte ranges asked for.

        ``targets`` are (offset in the inflated stream, writable byte view), sorted by offset.
        """
        inflater = zlib.decompressobj()
        file_pos, file_end = loc.payload_offset, loc.payload_offset + loc.payload_length
        pending = b""
        produced = 0  # inflated bytes seen so far
        t = 0
        while t < len(targets):
            if not pending and file_pos < file_end:
                pending = self._read_at(file_pos, min(_COMPRESSED_READ, file_end - file_pos))
                file_pos += len(pending)
            try:  # with no input left, this still returns output zlib holds back
                piece = inflater.decompress(pending, _INFLATE_PIECE)
            except zlib.error as exc:
                raise self._damaged(f"the compressed stream of {name} is corrupt: {exc}") from None
            pending = inflater.unconsumed_tail
            if not piece:
                if inflater.eof or (not pending and file_pos >= file_end):
                    raise self._damaged(f"the compressed stream of {name} ends early")
                continue
            piece_start, piece_end = produced, produced + len(piece)
            piece = memoryview(piece)
            while t < len(targets):
                offset, view = targets[t]
                end = offset + len(view)
                if offset >= piece_end:
                    break
                lo, hi = max(offset, piece_start), min(end, piece_end)
                if hi > lo:
                    view[lo - offset:hi - offset] = piece[lo - piece_start:hi - piece_start]
                if end > piece_end:
                    break
                t += 1
            produced = piece_end

    def close(self) -> None:
        self._file.close()


def _padded(nbytes: int) -> int:
    return (nbytes + 7) // 8 * 8


def _tag(buf: bytes, pos: int, order: str) -> tuple[int, int, int, int]:
    """Read a data-element tag at ``pos``: (type, byte count, data offset, next element offset)."""
    word = struct.unpack_from(order + "I", buf, pos)[0]
    if word >> 16:  # small data element: type and count share the first word
        return word & 0xFFFF, word >> 16, pos + 4, pos + 8
    nbytes = struct.unpack_from(order + "I", buf, pos + 4)[0]
    return word, nbytes, pos + 8, pos + 8 + _padded(nbytes)
