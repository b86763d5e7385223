"""Exceptions a user can cause.

Every error the library raises for bad input derives from :class:`DeepMotifError`,
so the command line can turn it into one sentence and exit status 2 instead of a
traceback.
"""

from __future__ import annotations

import errno

__all__ = ["DeepMotifError", "UnknownModelError", "InvalidArchitectureError", "DatasetError"]


class DeepMotifError(ValueError):
    """Base class for errors caused by user input (bad names, shapes, files)."""


class UnknownModelError(DeepMotifError, KeyError):
    """A model name that is neither a canonical zoo name nor a known alias.

    Attributes
    ----------
    name : str
        The name that was asked for.
    suggestions : list of str
        Canonical names that look closest to ``name`` (possibly empty).
    """

    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = list(suggestions)
        hint = (
            f"did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else "run `deepmotif zoo list` to see every name."
        )
        super().__init__(f"unknown model {name!r}; {hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class InvalidArchitectureError(DeepMotifError):
    """An architecture that cannot be built (inconsistent depth, bad sizes, input too short)."""


class DatasetError(DeepMotifError):
    """A data set that cannot be generated, found, read or trusted (bad config, missing or
    corrupted files)."""


class MotifFormatError(DeepMotifError):
    """A motif file that cannot be read (bad header, matrix, numbers or alphabet).

    The message is one sentence naming the file, the line and what was expected.

    Attributes
    ----------
    source : str
        The file name (or ``"<string>"`` for text given directly).
    line : int or None
        1-based line number of the problem; ``None`` when it concerns the whole file.
    """

    def __init__(self, message: str, *, source: str = "<string>", line: int | None = None):
        self.source = source
        self.line = line
        super().__init__(message)


class InvalidMotifError(DeepMotifError):
    """A motif given in memory that is unusable (wrong shape, negative or non-finite values)."""


class MotifDatabaseError(DeepMotifError):
    """A motif database that cannot be loaded (missing package or release)."""

__all__ += ["MotifFormatError", "InvalidMotifError", "MotifDatabaseError"]


class ResultFileError(DeepMotifError):
    """A result file written by this library (``matches.json``, ``result.json``) that
    cannot be read back."""


class CheckpointError(DeepMotifError):
    """A checkpoint that is missing, not a Keras file, or fed input it was not trained on."""


class TrainingError(DeepMotifError):
    """A run that cannot start or continue (different run in the output folder, divergence)."""


__all__ += ["CheckpointError", "TrainingError"]


class FolderInUseError(DeepMotifError):
    """A folder that another running process holds (see :mod:`deepmotif_arch.base.locking`).

    Attributes
    ----------
    folder : str
        The folder.
    pid : int or None
        The process that holds it, when it could be read.
    """

    def __init__(self, message: str, *, folder: str, pid: int | None):
        self.folder = folder
        self.pid = pid
        super().__init__(message)


__all__ += ["FolderInUseError", "storage_problem", "is_out_of_memory"]

#: errno values of storage faults a user can fix, and how each is described.
_STORAGE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}
#: The same faults as the C library spells them, for errors that carry only text
#: (TensorFlow's file system, TFDS's wrappers).
_STORAGE_TEXTS = {
    "No space left on device": "the disk is full",
    "Disk quota exceeded": "the disk quota is exceeded",
    "Read-only file system": "the file system is read-only",
    "Permission denied": "permission denied",
}


def storage_problem(exc: BaseException) -> str | None:
    """What a storage fault is, in a few words, or None for any other error.

    A full disk or quota, a read-only file system and a refused permission are faults a
    user can fix; they come as :class:`OSError` with an ``errno`` from Python, and as
    TensorFlow or TFDS errors whose message quotes the C library's text. The cause chain
    is followed, so wrapped errors are recognised too.

    >>> storage_problem(OSError(28, "No space left on device"))
    'the disk is full'
    >>> storage_problem(ValueError("bad")) is None
    True
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
            return _STORAGE_ERRNOS[exc.errno]
        text = str(exc)
        for needle, problem in _STORAGE_TEXTS.items():
            if needle in text:
                return problem
        exc = exc.__cause__ or exc.__context__
    return None


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an error says that a size is too large to allocate (NumPy, JAX, TensorFlow,
    PyTorch)."""
    if isinstance(exc, (MemoryError, OverflowError)):
        return True
    text = str(exc)
    return any(needle in text for needle in (
        "RESOURCE_EXHAUSTED", "Out of memory", "out of memory", "OOM when allocating",
        "can't allocate memory", "Unable to allocate"))
