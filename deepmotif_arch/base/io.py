"""File helpers every room uses: atomic writes, folders a failed start removes, JSON, hashes.

Nothing half-written is ever left under a final name: files are written under a
temporary name in the target folder and renamed when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

__all__ = ["missing_folders", "atomic_path", "atomic_copy", "atomic_write_text", "json_default",
           "sha256_file"]


def missing_folders(path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first (what a later
    ``mkdir(parents=True)`` creates, so that a failed start can remove exactly those)."""
    missing = []
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


@contextlib.contextmanager
def atomic_path(dest) -> Iterator[Path]:
    """A temporary name beside ``dest`` to write to; renamed to ``dest`` on success.

    The temporary name keeps ``dest``'s suffix (``.model.tmp-123.keras`` for
    ``model.keras``: Keras and Matplotlib pick a format by it) and is removed if the
    ``with`` block raises, so ``dest`` is either the old file or the whole new one::

        with atomic_path(out / "model.keras") as tmp:
            model.save(tmp)
    """
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.stem}.tmp-{os.getpid()}{dest.suffix}")
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_copy(source, dest) -> Path:
    """Copy a file to ``dest`` through a temporary name and a rename; return ``dest``."""
    import shutil

    with atomic_path(dest) as tmp:
        shutil.copyfile(source, tmp)
    return Path(dest)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename; return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def json_default(value):
    """``json.dumps(default=...)`` for NumPy scalars and arrays and paths."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def as_traversable(file: str | os.PathLike | Traversable) -> Path | Traversable:
    """A path-like as a :class:`pathlib.Path`; a package resource as it is."""
    return Path(file) if isinstance(file, (str, os.PathLike)) else file


def sha256_file(file: str | os.PathLike | Traversable) -> str:
    """The hexadecimal SHA-256 of a file, read in 1 MiB chunks.

    Parameters
    ----------
    file : path-like or importlib.resources.abc.Traversable
        The file to hash.

    Returns
    -------
    str
        64 lowercase hexadecimal digits, as ``sha256sum`` prints them.
    """
    digest = hashlib.sha256()
    with as_traversable(file).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
