"""Shared pieces of the command line: error reporting and consoles."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

#: Exit status for anything the user can fix (bad names, options, files).
USAGE_ERROR = 2


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print one sentence to stderr and return the Exit to raise."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-caused errors into one sentence and exit status 2.

    A full disk, a read-only file system or a refused permission met while writing
    (an :class:`OSError` the library did not already explain) is one sentence too,
    naming the file when the error carries it.
    """
    from deepmotif_arch.errors import DeepMotifError, storage_problem

    try:
        yield
    except DeepMotifError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        where = exc.filename or "the output"
        verb = "use" if problem == "permission denied" else "write"
        fix = {"the disk is full": "free some space",
               "the disk quota is exceeded": "free some space",
               "permission denied": "check its permissions"}.get(problem,
                                                                 "choose a writable folder")
        raise fail(f"cannot {verb} {where} ({problem}); {fix} and run the command "
                   "again.") from None


#: TFDS modules that swap ``__import__`` while they load (``with epy.lazy_imports():`` at
#: module level) and that TFDS itself loads only on first use, e.g. when a builder first
#: reads its metadata; :func:`import_keras` loads them before any progress thread runs.
_TFDS_LAZY_MODULES = ("dataset_metadata", "dataset_info", "dataset_builder", "read_only_builder",
                      "file_adapters", "split_builder", "writer", "download.download_manager",
                      "utils.tqdm_utils", "logging.base_logger")


def import_keras(data: bool = True):
    """Import Keras (and its backend) with the backend's start-up chatter silenced.

    TensorFlow writes several INFO lines straight to file descriptor 2 before its
    logging is set up (``TF_CPP_MIN_LOG_LEVEL`` cannot silence them). They are
    captured while importing and replayed only if the import fails.

    With ``data`` (the default), TensorFlow and TensorFlow Datasets are imported too,
    which every command that reads a data set needs: quietly on every backend, and
    before any progress display starts. Importing TFDS the first time swaps Python's
    ``__import__`` for a lazy one process-wide (etils ``lazy_imports``); a rich progress
    thread that imports a module of its own meanwhile failed with "Relative import
    statements not supported (markup)". ``zoo`` commands pass False and stay fast.
    """
    import os
    import sys
    import tempfile

    if "keras" in sys.modules and (not data or "tensorflow_datasets" in sys.modules):
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras

            if keras.backend.backend() == "tensorflow" or data:
                import tensorflow as tf

                tf.config.list_physical_devices()
            if data:
                import importlib

                import tensorflow_datasets  # noqa: F401

                for module in _TFDS_LAZY_MODULES:
                    importlib.import_module(f"tensorflow_datasets.core.{module}")
                import deepmotif_arch.datasets  # noqa: F401  (registers the builders)
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            sys.stderr.write(capture.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
