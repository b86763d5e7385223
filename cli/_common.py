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
    """Turn the library's user-caused errors into one sentence and exit status 2."""
    from deepmotif_arch.errors import DeepMotifError

    try:
        yield
    except DeepMotifError as exc:
        raise fail(str(exc)) from None


def import_keras():
    """Import Keras (and its backend) with the backend's start-up chatter silenced.

    TensorFlow writes several INFO lines straight to file descriptor 2 before its
    logging is set up (``TF_CPP_MIN_LOG_LEVEL`` cannot silence them). They are
    captured while importing and replayed only if the import fails.
    """
    import os
    import sys
    import tempfile

    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            sys.stderr.write(capture.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
