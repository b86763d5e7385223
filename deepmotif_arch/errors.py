"""Exceptions a user can cause.

Every error the library raises for bad input derives from :class:`DeepMotifError`,
so the command line can turn it into one sentence and exit status 2 instead of a
traceback.
"""

from __future__ import annotations

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


class CheckpointError(DeepMotifError):
    """A checkpoint that is missing, not a Keras file, or fed input it was not trained on."""


class TrainingError(DeepMotifError):
    """A run that cannot start or continue (different run in the output folder, divergence)."""


__all__ += ["CheckpointError", "TrainingError"]
