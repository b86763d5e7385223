"""File helpers every room uses: atomic writes, folders a failed start removes, JSON, hashes.

Nothing half-written is ever left under a final name: files are written under a
temporary name in the target folder and renamed when complete.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

__all__ = ["missing_folders", "atomic_copy", "atomic_write_text", "json_default", "sha256_file"]


def missing_folders(path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first (what a later
    ``mkdir(parents=True)`` creates, so that a failed start can remove exactly those)."""
    missing = []
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def atomic_copy(source, dest) -> Path:
    """Copy a file to ``dest`` through a temporary name and a rename; return ``dest``."""
    import shutil

    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename; return ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


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
