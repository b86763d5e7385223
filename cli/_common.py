"""Shared pieces of the command line: error reporting, consoles, tables and progress."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

#: Exit status for anything the user can fix (bad names, options, files).
USAGE_ERROR = 2


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print one sentence to stderr and return the Exit to raise."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


def check_file(path: Path | None, what: str, hint: str) -> None:
    """Refuse a file named on the command line that does not exist, before any framework
    import (which takes seconds): ``the checkpoint 'x.keras' does not exist ...; give HINT``."""
    if path is not None and not Path(path).is_file():
        raise fail(f"the {what} {str(path)!r} does not exist or is not a file; give {hint}.")


def check_folder(path: str | Path | None, what: str, hint: str) -> None:
    """As :func:`check_file`, for a folder."""
    if path is not None and not Path(path).expanduser().is_dir():
        raise fail(f"the {what} {str(path)!r} does not exist or is not a folder; give {hint}.")


def _plain(cell) -> str:
    from rich.errors import MarkupError
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain
    try:
        return Text.from_markup(str(cell)).plain
    except MarkupError:
        return str(cell)


def print_table(table: Table, out: Console | None = None) -> None:
    """A Rich table on a terminal; plain tab-separated lines when piped or redirected.

    Rich fits a table to the width it assumes (80 columns when the output is not a
    terminal) by folding or cutting cells, which cut names ("CNN-50- / 2",
    "JASPAR201"). Plain output keeps every value whole: the title, the header row (when
    the table shows one), one line per row with cells separated by tabs, the caption.
    """
    out = out or console
    if out.is_terminal:
        out.print(table)
        return
    lines = [_plain(table.title)] if table.title else []
    if table.show_header:
        lines.append("\t".join(_plain(column.header) for column in table.columns))
    for row in zip(*(list(column.cells) for column in table.columns)):
        lines.append("\t".join(_plain(cell) for cell in row))
    if table.caption:
        lines.append(_plain(table.caption))
    for line in lines:  # written as they are: Rich would turn the tabs into spaces
        typer.echo(line, err=out.stderr)


def say(text: str, quiet: bool = False) -> None:
    """One progress line on stderr (kept out of stdout, which holds the results)."""
    if not quiet:
        err_console.print(text, highlight=False, soft_wrap=True, style="dim")


@contextlib.contextmanager
def working(text: str, quiet: bool = False) -> Iterator[None]:
    """A step that takes a while: a spinner on a terminal, one plain line when piped.

    Only after :func:`import_keras` (a spinner thread must not run while TFDS swaps
    ``__import__``; see there).
    """
    if quiet:
        yield
    elif err_console.is_terminal:
        with err_console.status(text, spinner="dots"):
            yield
    else:
        say(text)
        yield


def counted(items: Iterable, total: int, text: str, quiet: bool = False) -> Iterator:
    """Iterate ``items`` with a progress bar of ``total`` steps (a terminal) or one plain
    line (piped)."""
    if quiet or not err_console.is_terminal:
        say(text, quiet)
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task(text, total=total)
        for item in items:
            yield item
            progress.advance(task)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-caused errors into one sentence and exit status 2.

    A full disk, a read-only file system or a refused permission met while writing
    (an :class:`OSError` the library did not already explain) is one sentence too,
    naming the file when the error carries it.
    """
    from deepmotif_arch.base.errors import DeepMotifError, storage_problem

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


def import_keras(data: bool = True, progress: bool = False):
    """Import Keras (and its backend) with the backend's start-up chatter silenced.

    With ``progress``, a line on stderr says what is loading first (it takes seconds,
    tens on a busy machine).

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
    if progress:
        say("Loading Keras and TensorFlow..." if data else "Loading Keras...")
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
                import deepmotif_arch.data.datasets  # noqa: F401  (registers the builders)
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            sys.stderr.write(capture.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
