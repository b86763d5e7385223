"""A run folder's state: what a run has saved, how it resumes, and what stops it cleanly.

Owns the records of a run (:class:`EpochRecord`, :class:`RunResult`), ``state/``
(the last epoch's checkpoint, the best one and ``state.json``, written atomically
after every epoch, read back and checked before a run resumes), the finished run's
files (``run.json`` marks a run finished), the folder's lock, and Ctrl-C handling
(:class:`InterruptGuard`). :mod:`deepmotif_arch.training.trainer` drives a run
through these.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepmotif_arch.base.errors import DeepMotifError, TrainingError, storage_problem
from deepmotif_arch.base.io import atomic_write_text
from deepmotif_arch.training import checkpoints

__all__ = ["EpochRecord", "RunResult", "InterruptGuard", "SAVE_PAUSE_ENV", "finished_run",
           "prepare_output", "read_state", "write_state", "same_run", "lock_output",
           "discard_unstarted_state", "load_saved_model", "history_csv", "writing"]


@dataclass
class EpochRecord:
    """One row of the training history."""

    epoch: int
    loss: float
    val_loss: float
    val_auroc: float | None
    seconds: float
    best: bool = False


@dataclass
class RunResult:
    """What :func:`train` returns."""

    output: Path
    checkpoint: Path
    manifest: dict[str, Any]
    history: list[EpochRecord] = field(default_factory=list)
    resumed_from: int = 0
    already_complete: bool = False


#: Test hook: seconds to pause inside every state save (see the module docstring).
SAVE_PAUSE_ENV = "DEEPMOTIF_TEST_SAVE_PAUSE"


class InterruptGuard:
    """Ctrl-C (SIGINT) during a run: raised at once, or held back while state is saved.

    Python's own handler raises :class:`KeyboardInterrupt` wherever the main thread is;
    raised inside a garbage-collection callback or a ``__del__`` method (which JAX and
    h5py run often while a checkpoint is written) it is printed as "Exception ignored"
    and lost, and the run went on to the end. This handler records every SIGINT, raises
    it unless a save is in progress (:meth:`deferred`), and :meth:`check` raises a
    recorded one again at the points between epochs, so none is lost.

    Installed only in the main thread and only over Python's default handler (a process
    started with SIGINT ignored, or an application with its own handler, keeps its own).
    """

    def __init__(self):
        self.received = False
        self._deferring = 0
        self._previous = None

    def __enter__(self) -> InterruptGuard:
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum, frame) -> None:
        self.received = True
        if not self._deferring:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold Ctrl-C back while the block runs; :meth:`check` raises it afterwards."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C came (and was held back or lost) meanwhile."""
        if self.received and not self._deferring:
            raise KeyboardInterrupt


@contextlib.contextmanager
def writing(where: Path, state_dir: Path) -> Iterator[None]:
    """Turn a full disk or a read-only folder while writing into one TrainingError."""
    try:
        yield
    except DeepMotifError:
        raise
    except Exception as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        fix = "free some space" if "disk" in problem else "make it writable"
        then = ("resume from the last saved epoch" if (state_dir / "state.json").exists()
                else "start over")
        raise TrainingError(f"cannot write to {where} ({problem}); {fix} and run the same "
                            f"command again to {then}.") from None


def load_saved_model(path: Path, state_dir: Path):
    """A checkpoint of ``state/``; a damaged one is a TrainingError naming it."""
    import keras

    try:
        return keras.models.load_model(path)
    except Exception as exc:  # Keras raises many kinds for a damaged archive
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise TrainingError(f"{path} is damaged (Keras cannot open it: {reason}); delete "
                            f"{state_dir} to start the run over.") from None


def lock_output(out: Path):
    """Create ``out`` and take its lock; None for a finished run in a read-only folder."""
    from deepmotif_arch.base.locking import lock_folder

    try:
        out.mkdir(parents=True, exist_ok=True)
        return lock_folder(out, holder="another `deepmotif train`",
                           hint="wait for it to finish or choose another --output")
    except OSError as exc:
        if (out / "run.json").is_file():  # nothing will be written: read the finished run
            return None
        raise TrainingError(f"cannot write to the output folder {out} "
                            f"({storage_problem(exc) or exc.strerror}); choose a writable "
                            "--output.") from None


def discard_unstarted_state(state_dir: Path) -> None:
    """Remove ``state/`` unless it holds a saved epoch (a failed start leaves none).

    Only files a run writes there go (checkpoints and their temporary names); a folder
    that still holds anything else is left alone.
    """
    if not state_dir.is_dir() or (state_dir / "state.json").exists():
        return
    for path in state_dir.iterdir():
        if path.is_file() and (path.name == "best.keras" or path.name.startswith("epoch-")
                               or ".tmp-" in path.name):
            path.unlink(missing_ok=True)
    try:
        state_dir.rmdir()
    except OSError:
        pass


def same_run(stored: Any, identity: dict) -> bool:
    """Whether a saved run's identity is this run's.

    Runs saved before the data set version was part of the identity (no
    ``dataset_version``) match on everything else.
    """
    if not isinstance(stored, dict):
        return False
    if "dataset_version" not in stored:
        identity = {k: v for k, v in identity.items() if k != "dataset_version"}
    return stored == identity


def finished_run(out: Path, identity: dict) -> RunResult | None:
    manifest_path = out / "run.json"
    if not manifest_path.exists():
        return None
    damaged = (f"{manifest_path} is damaged; move the folder away or choose another "
               "--output.")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TrainingError(f"{manifest_path} is not valid JSON; move the folder away or "
                            "choose another --output.") from None
    except OSError as exc:
        raise TrainingError(f"cannot read {manifest_path} ({exc.strerror}); move the folder "
                            "away or choose another --output.") from None
    if not isinstance(manifest, dict):
        raise TrainingError(damaged)
    if not same_run(manifest.get("identity"), identity):
        raise TrainingError(_different_run_message(out, manifest.get("identity"), identity))
    try:
        history = [EpochRecord(**r) for r in manifest.get("history", [])]
    except TypeError:
        raise TrainingError(damaged) from None
    if not (out / "model.keras").is_file():
        raise TrainingError(f"{out} holds run.json but no model.keras; move the folder away "
                            "or choose another --output.")
    return RunResult(out, out / "model.keras", manifest, history, already_complete=True)


def _different_run_message(out: Path, theirs: dict | None, ours: dict) -> str:
    if not theirs or not isinstance(theirs, dict):
        return (f"{out} holds files that are not a deepmotif run; choose another --output or "
                "empty the folder.")
    diff = [k for k in ours if theirs.get(k) != ours.get(k)]
    first = diff[0] if diff else "settings"
    return (f"{out} holds a different run ({first}: {theirs.get(first)!r} there, "
            f"{ours.get(first)!r} now); choose another --output or delete that folder.")


def prepare_output(out: Path, state_dir: Path, identity: dict) -> dict | None:
    """The saved state of the run in ``out`` (None for a new run); refuses a folder that
    holds something else. ``state/`` itself is made by the first save."""
    state = read_state(state_dir)
    if state is not None and not same_run(state.get("identity"), identity):
        raise TrainingError(_different_run_message(out, state.get("identity"), identity))
    if state is None:
        foreign = [p.name for p in out.iterdir() if not p.name.startswith(".")
                   and p.name != "state"]
        if foreign:
            raise TrainingError(
                f"{out} already holds {', '.join(sorted(foreign)[:3])} but no unfinished run "
                "to resume; choose another --output or empty the folder."
            )
    return state


#: state.json's fields and their JSON types.
_STATE_FIELDS = {"identity": dict, "epoch": int, "checkpoint": str,
                 "best_val_loss": (int, float), "best_epoch": int, "wait": int, "history": list}


def read_state(state_dir: Path) -> dict | None:
    path = state_dir / "state.json"
    if not path.exists():
        return None
    damaged = f"{path} is damaged; delete {state_dir} to start the run over."
    try:
        state = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TrainingError(damaged) from None
    if not isinstance(state, dict) or any(not isinstance(state.get(k), t)
                                          for k, t in _STATE_FIELDS.items()):
        raise TrainingError(damaged)
    try:
        [EpochRecord(**r) for r in state["history"]]
    except TypeError:
        raise TrainingError(damaged) from None
    if Path(state["checkpoint"]).name != state["checkpoint"] or \
            not state["checkpoint"].endswith(".keras"):
        raise TrainingError(damaged)
    needed = [state["checkpoint"]] + (["best.keras"] if state["best_epoch"] >= 0 else [])
    for name in needed:
        if not (state_dir / name).is_file():
            raise TrainingError(f"{path} points to a missing checkpoint; delete {state_dir} to "
                                "start the run over.")
        if not _complete_archive(state_dir / name):
            raise TrainingError(f"{state_dir / name} is damaged (truncated or not a .keras "
                                f"archive); delete {state_dir} to start the run over.")
    return state


def _complete_archive(path: Path) -> bool:
    """Whether a ``.keras`` file is a zip archive whose members all pass their CRC check."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None and "config.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


def write_state(model, state_dir: Path, identity: dict, epoch: int, best_loss: float,
                 best_epoch: int, wait: int, history: list[EpochRecord]) -> None:
    """Checkpoint the epoch, then point state.json at it, then drop older checkpoints."""
    name = f"epoch-{epoch + 1:04d}.keras"
    checkpoints.save_checkpoint(model, state_dir / name)
    pause = os.environ.get(SAVE_PAUSE_ENV)
    if pause:  # tests only: a save in progress that a test can interrupt
        time.sleep(float(pause))
    state = {
        "identity": identity,
        "epoch": epoch,
        "checkpoint": name,
        "best_val_loss": best_loss,
        "best_epoch": best_epoch,
        "wait": wait,
        "history": [dataclasses.asdict(r) for r in history],
    }
    atomic_write_text(state_dir / "state.json", json.dumps(state, indent=1))
    for old in state_dir.glob("epoch-*.keras"):
        if old.name != name:
            old.unlink()


def history_csv(history: list[EpochRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", "loss", "val_loss", "val_auroc", "seconds", "best"])
    for r in history:
        writer.writerow([r.epoch, f"{r.loss:.6f}", f"{r.val_loss:.6f}",
                         "" if r.val_auroc is None else f"{r.val_auroc:.6f}",
                         f"{r.seconds:.3f}", int(r.best)])
    return buffer.getvalue()
