"""Faults never cost a result: the catalogue of faults a user can meet, and what each gives.

Every row of :data:`CATALOGUE` is (command, fault, expected exit status, expected words
in the one sentence, what must not exist afterwards). Most rows run the command in this
process with the fault injected (a full disk as the ``OSError`` Python raises for it, a
lock held by a helper process, a damaged file on disk); the rows that a user meets
through signals and other processes run real ``deepmotif`` subprocesses: Ctrl-C while a
checkpoint is being written, two trainings into one folder. Where the tests run as root
with ``unshare``, three more rows run on real file systems: a tiny tmpfs that fills up and
a read-only one, each in a private mount namespace.

After every row: no traceback, and no half-written file anywhere under the row's folder
(``*.tmp-*``, TFDS's ``incomplete.*``, an extraction of a manual tarball, a lock file).
With ``DEEPMOTIF_FAULT_REPORT=FILE`` each row appends its exit status and sentence to
FILE (JSON lines), which is how the README's table is made.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from deepmotif_arch.base import locking
from deepmotif_arch.base.errors import FolderInUseError
from deepmotif_arch.cli.main import app
from deepmotif_arch.data import datasets

from .helpers import ROOT

runner = CliRunner()
BUNDLE = ROOT / "tfds_builders" / "koo_invivo" / "dummy_data" / "deepsea_train_bundle"
ARCHIVE = "deepsea_train_bundle.v0.9.tar.gz"
TRAIN = "train cnn-25 --config tiny --data-dir {data} -o {out} --epochs 3"
TRAIN_1 = "train cnn-25 --config tiny --data-dir {data} -o {out} --epochs 1"
HOLDER = """
import signal, sys, time
from deepmotif_arch.base.locking import lock_folder
lock = lock_folder(sys.argv[1], holder="x", hint="y")
signal.signal(signal.SIGTERM, lambda *a: (lock.release(), sys.exit(0)))
print("locked", flush=True)
time.sleep(600)
"""


def _backend() -> str:
    import keras

    return keras.backend.backend()


# ---------------------------------------------------------------------------
# What a row runs in.

@dataclass
class Ctx:
    """A row's folder, the built tiny data, placeholders and the processes it started."""

    tmp: Path
    data: Path
    monkeypatch: pytest.MonkeyPatch
    request: pytest.FixtureRequest
    values: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    procs: list = field(default_factory=list)

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    def fmt(self, text: str) -> str:
        return text.format(tmp=self.tmp, data=self.data, out=self.out, **self.values)

    def hold_lock(self, folder: Path) -> int:
        """Hold ``folder``'s lock in another process; its PID becomes {pid}."""
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)],
                                stdout=subprocess.PIPE, text=True)
        self.procs.append(proc)
        assert proc.stdout.readline().strip() == "locked"
        self.values["pid"] = proc.pid
        return proc.pid

    def deepmotif(self, args: list[str], **env) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "deepmotif_arch.cli.main", *args],
            env={**os.environ, "KERAS_BACKEND": _backend(), "TF_CPP_MIN_LOG_LEVEL": "3",
                 "COLUMNS": "200", **env},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_default_sigint)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@dataclass(frozen=True)
class Fault:
    """One row: a command, a fault, and what the user must get.

    ``command``, ``words`` and ``absent`` take the placeholders {tmp} (the row's folder),
    {out} ({tmp}/out), {data} (a built koo_synthetic/tiny) and what ``before`` sets
    ({pid}). ``absent`` holds globs under {tmp} that must not exist afterwards. ``before``
    sets the fault up, and ``during`` acts while the command runs (from a thread, given
    the PID that runs it). Rows with ``process`` run a real ``deepmotif`` subprocess, the
    others run in this process; ``mount`` runs the subprocess on a fresh tmpfs at
    {tmp}/mnt mounted with those options, in a private mount namespace; ``after`` makes
    extra checks. ``env`` is set while the command runs.
    """

    id: str
    command: str
    exit: int
    words: tuple[str, ...]
    absent: tuple[str, ...] = ()
    before: Callable[[Ctx], None] | None = None
    during: Callable[[Ctx, int, Callable[[], bool]], None] | None = None
    after: Callable[[Ctx], None] | None = None
    process: bool = False
    mount: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    slow: bool = False


# ---------------------------------------------------------------------------
# Faults.

def _oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def _fail_lock_under(folder_of: Callable[[Ctx], Path], code: int):
    """Taking a lock under a folder fails as on a read-only (or full) file system."""
    def before(ctx: Ctx) -> None:
        real = locking.lock_folder
        root = folder_of(ctx)

        def lock_folder(folder, **kwargs):
            if str(folder).startswith(str(root)):
                raise _oserror(code)
            return real(folder, **kwargs)

        ctx.monkeypatch.setattr(locking, "lock_folder", lock_folder)
    return before


def _fail_save(which: str, code: int = errno.ENOSPC):
    """Saving the checkpoint ``which`` (a file name) fails with ``code``."""
    def before(ctx: Ctx) -> None:
        from deepmotif_arch.training import checkpoints

        real = checkpoints.save_checkpoint

        def save_checkpoint(model, path, *args, **kwargs):
            if Path(path).name == which:
                raise _oserror(code)
            return real(model, path, *args, **kwargs)

        ctx.monkeypatch.setattr(checkpoints, "save_checkpoint", save_checkpoint)
    return before


def _raise_in(target: str, exc: BaseException, *, prepare: Callable[[Ctx], None] | None = None):
    """``target`` (module:attribute) raises ``exc``."""
    def before(ctx: Ctx) -> None:
        module, attribute = target.split(":")
        obj = __import__(module, fromlist=["_"])
        *parents, name = attribute.split(".")
        for parent in parents:
            obj = getattr(obj, parent)

        def fail(*args, **kwargs):
            if prepare is not None:
                prepare(ctx)
            raise exc

        ctx.monkeypatch.setattr(obj, name, fail)
    return before


def _tfds_leftovers(ctx: Ctx) -> None:
    """What TFDS has written by the time a build fails: its folders and config note."""
    root = ctx.tmp / "d"
    (root / "downloads" / "extracted").mkdir(parents=True, exist_ok=True)
    (root / "koo_synthetic" / ".config").mkdir(parents=True, exist_ok=True)
    (root / "koo_synthetic" / ".config" / "metadata.json").write_text("{}")


def _disk_full_build(ctx: Ctx) -> None:
    cls = datasets.builder_class("koo_synthetic")

    def download_and_prepare(self, *args, **kwargs):
        _tfds_leftovers(ctx)
        raise RuntimeError('ResourceExhaustedError: Failed to finalize writing of split "train": '
                           f'{ctx.tmp}/d/koo_synthetic/tiny/incomplete.X_1.0.0/koo_synthetic-'
                           'train.tfrecord-00000-of-00001; No space left on device')

    ctx.monkeypatch.setattr(cls, "download_and_prepare", download_and_prepare)


def _interrupted_build(ctx: Ctx) -> None:
    cls = datasets.builder_class("koo_synthetic")

    def download_and_prepare(self, *args, **kwargs):
        _tfds_leftovers(ctx)
        raise KeyboardInterrupt

    ctx.monkeypatch.setattr(cls, "download_and_prepare", download_and_prepare)


def _saved_run(ctx: Ctx) -> None:
    """{out} holds a run of TRAIN interrupted after its first epoch was saved."""
    shutil.copytree(ctx.request.getfixturevalue("saved_run"), ctx.out)


def _damage(relative: str, how: str):
    def before(ctx: Ctx) -> None:
        _saved_run(ctx)
        path = ctx.out / relative
        if how == "truncate":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        else:
            path.write_text(how)
    return before


def _write_run_json(text: str):
    def before(ctx: Ctx) -> None:
        ctx.out.mkdir()
        (ctx.out / "run.json").write_text(text)
        (ctx.out / "model.keras").write_bytes(b"")
    return before


def _killed_holder(ctx: Ctx) -> None:
    """A run that held {out} was killed with SIGKILL: its lock file stays, unlocked."""
    ctx.hold_lock(ctx.out)
    proc = ctx.procs[-1]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (ctx.out / ".lock").read_text().strip() == str(proc.pid)


def _other_training(ctx: Ctx) -> None:
    """A real `deepmotif train` (the default --lr, 1e-3) is running into {out}; its PID becomes
    {pid}."""
    proc = ctx.deepmotif(shlex.split(ctx.fmt(TRAIN)) + ["--quiet"],
                         DEEPMOTIF_TEST_SAVE_PAUSE="2")
    deadline = time.time() + 300
    while not (ctx.out / ".lock").exists():
        assert proc.poll() is None and time.time() < deadline, proc.stderr.read()[-2000:]
        time.sleep(0.02)
    ctx.values["pid"] = proc.pid


def _other_training_finishes(ctx: Ctx) -> None:
    proc = next(p for p in ctx.procs if p.pid == ctx.values["pid"])
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    manifest = json.loads((ctx.out / "run.json").read_text())
    assert manifest["training"]["learning_rate"] == 1e-3  # the first run's, untouched
    assert [r["epoch"] for r in manifest["history"]] == [1, 2, 3]


def _sigint_while_saving(ctx: Ctx, pid: int, running: Callable[[], bool]) -> None:
    """Ctrl-C while epoch 2's checkpoint is written (the save pauses there, test hook)."""
    deadline = time.time() + 300
    while not (ctx.out / "state" / "epoch-0002.keras").exists():
        if not running() or time.time() > deadline:
            return
        time.sleep(0.01)
    time.sleep(0.3)
    os.kill(pid, signal.SIGINT)


def _epoch_2_was_saved_whole(ctx: Ctx) -> None:
    state = ctx.out / "state"
    assert sorted(p.name for p in state.iterdir()) == ["best.keras", "epoch-0002.keras",
                                                       "state.json"]
    assert json.loads((state / "state.json").read_text())["epoch"] == 1


def _resumes_after_epoch_2(ctx: Ctx) -> None:
    _epoch_2_was_saved_whole(ctx)
    result = runner.invoke(app, shlex.split(ctx.fmt(TRAIN)) + ["--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads((ctx.out / "run.json").read_text())["resumed_from_epoch"] == 2


def _state_epoch(epoch: int):
    def after(ctx: Ctx) -> None:
        assert json.loads((ctx.out / "state" / "state.json").read_text())["epoch"] == epoch
    return after


def _manual(*, content: str):
    """Put a bundle tarball in {tmp}/manual: good, truncated, not a tar, or without data."""
    def before(ctx: Ctx) -> None:
        manual = ctx.tmp / "manual"
        manual.mkdir()
        archive = manual / ARCHIVE
        if content == "empty":
            return
        if content == "not a tar":
            archive.write_text("<html>404 Not Found</html>\n")
            return
        if content == "no data":
            folder = ctx.tmp / "empty_bundle" / "deepsea_train"
            folder.mkdir(parents=True)
            (folder / "README").write_text("no data\n")
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(folder, arcname="deepsea_train")
            return
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(BUNDLE / "deepsea_train", arcname="deepsea_train")
        if content == "truncated":
            archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return before


def _offline(ctx: Ctx) -> None:
    import socket

    def create_connection(*args, **kwargs):
        raise OSError(errno.ENETUNREACH, os.strerror(errno.ENETUNREACH))

    ctx.monkeypatch.setattr(socket, "create_connection", create_connection)


def _stale_extraction(ctx: Ctx) -> None:
    """An earlier tarball of the same name, without the data, was extracted (and failed)."""
    _manual(content="no data")(ctx)
    first = runner.invoke(app, ["data", "build", "koo_invivo", "--manual-dir",
                                str(ctx.tmp / "manual"), "--data-dir", str(ctx.tmp / "d")])
    assert first.exit_code == 2 and "unpacked without train.mat" in first.output, first.output
    shutil.rmtree(ctx.tmp / "manual")
    shutil.rmtree(ctx.tmp / "empty_bundle")
    _manual(content="good")(ctx)


def _then(*steps):
    def before(ctx: Ctx) -> None:
        for step in steps:
            step(ctx)
    return before


# ---------------------------------------------------------------------------
# The catalogue.

#: Test hook of deepmotif_arch.training.trainer: every state save pauses this long (seconds).
PAUSE = (("DEEPMOTIF_TEST_SAVE_PAUSE", "1"),)
INVIVO = "data build koo_invivo --manual-dir {tmp}/manual --data-dir {tmp}/d"
BUILD = "data build koo_synthetic --config tiny --data-dir {tmp}/d"

CATALOGUE = [
    # --- Ctrl-C and concurrent runs: real processes and signals.
    Fault("train: Ctrl-C while an epoch's checkpoint is being written", TRAIN, 130,
          ("Interrupted", "Run the same command again to resume"),
          absent=("out/model.keras", "out/run.json", "out/state/epoch-0001.keras"),
          during=_sigint_while_saving, after=_epoch_2_was_saved_whole, env=PAUSE),
    Fault("train: Ctrl-C at the terminal while a checkpoint is written, then the same "
          "command", TRAIN, 130, ("Interrupted", "Run the same command again to resume"),
          absent=("out/model.keras", "out/run.json", "out/state/epoch-0001.keras"),
          during=_sigint_while_saving, after=_resumes_after_epoch_2, process=True, env=PAUSE,
          slow=True),
    Fault("train: a second `deepmotif train` into a folder in use", TRAIN + " --lr 5e-4", 2,
          ("{out} is in use by another `deepmotif train` (PID {pid})",
           "wait for it to finish or choose another --output"),
          before=_other_training, after=_other_training_finishes, process=True, slow=True),
    Fault("train: a folder held by another process", TRAIN, 2,
          ("{out} is in use by another `deepmotif train` (PID {pid})",),
          absent=("out/state", "out/model.keras"), before=lambda ctx: ctx.hold_lock(ctx.out)),
    Fault("train: the lock file of a run killed with SIGKILL", TRAIN_1, 0,
          ("best epoch",), absent=("out/state", "out/.lock"), before=_killed_holder),
    Fault("train: Ctrl-C before the first epoch is saved", TRAIN, 130,
          ("Interrupted before the first epoch was saved", "Run the same command again"),
          absent=("out",),
          before=_raise_in("deepmotif_arch.data.datasets:SplitStream.__init__",
                           KeyboardInterrupt())),
    # --- Storage.
    Fault("train: disk full while saving the first epoch", TRAIN, 2,
          ("cannot write to {out}/state (the disk is full)", "free some space",
           "run the same command again to start over"),
          absent=("out",), before=_fail_save("epoch-0001.keras")),
    Fault("train: disk full while saving epoch 2", TRAIN, 2,
          ("cannot write to {out}/state (the disk is full)",
           "run the same command again to resume from the last saved epoch"),
          absent=("out/model.keras", "out/run.json", "out/state/epoch-0002.keras"),
          before=_fail_save("epoch-0002.keras"), after=_state_epoch(0)),
    Fault("train: disk full while writing model.keras", TRAIN_1, 2,
          ("cannot write to {out} (the disk is full)", "resume from the last saved epoch"),
          absent=("out/model.keras", "out/run.json"), before=_fail_save("model.keras"),
          after=_state_epoch(0)),
    Fault("train: read-only output folder", TRAIN, 2,
          ("cannot write to the output folder {out} (the file system is read-only)",
           "choose a writable --output"),
          absent=("out",), before=_fail_lock_under(lambda ctx: ctx.out, errno.EROFS)),
    Fault("train: read-only data folder without the data built",
          "train cnn-25 --config tiny --data-dir {tmp}/ro -o {out} --epochs 1", 2,
          ("cannot build koo_synthetic/tiny in {tmp}/ro (the file system is read-only)",
           "give a writable --data-dir"),
          absent=("out", "ro"), before=_fail_lock_under(lambda ctx: ctx.tmp / "ro", errno.EROFS)),
    # --- Damaged state of an unfinished run, damaged manifest of a finished one.
    Fault("train: truncated state/epoch-0001.keras on resume", TRAIN, 2,
          ("{out}/state/epoch-0001.keras is damaged", "delete {out}/state to start the run over"),
          absent=("out/model.keras", "out/run.json"),
          before=_damage("state/epoch-0001.keras", "truncate")),
    Fault("train: truncated state/best.keras on resume", TRAIN, 2,
          ("{out}/state/best.keras is damaged",), absent=("out/model.keras",),
          before=_damage("state/best.keras", "truncate")),
    Fault("train: state.json holds a JSON list", TRAIN, 2,
          ("{out}/state/state.json is damaged", "delete {out}/state to start the run over"),
          absent=("out/model.keras",), before=_damage("state/state.json", "[1, 2]")),
    Fault("train: state.json lacks fields", TRAIN, 2, ("{out}/state/state.json is damaged",),
          before=_damage("state/state.json", '{"epoch": "two"}')),
    Fault("train: run.json holds a JSON string", TRAIN, 2,
          ("{out}/run.json is damaged", "choose another --output"), absent=("out/state",),
          before=_write_run_json('"done"')),
    Fault("train: run.json holds a JSON list", TRAIN, 2, ("{out}/run.json is damaged",),
          absent=("out/state",), before=_write_run_json("[]")),
    # --- Settings that cannot work.
    Fault("train: --lr 1e6 blows the weights up", TRAIN + " --lr 1e6", 2,
          ("training diverged: the loss rose to", "the weights have blown up",
           "smaller --lr than 1e+06"), absent=("out",)),
    Fault("train: --filters with an empty item", TRAIN + " --filters 30,,128", 2,
          ("--filters '30,,128' has an empty item",), absent=("out",)),
    Fault("train: a model too large for memory", TRAIN + " --filters 100000000,128", 2,
          ("parameters, more than this machine can allocate",), absent=("out",),
          before=_raise_in("deepmotif_arch.zoo.models:build_model", MemoryError())),
    Fault("zoo show: --filters 100000000000000000000,128",
          "zoo show --filters 100000000000000000000,128 --kernels 19,5 --pools 25,4", 2,
          ("--filters value 100000000000000000000 is too large",)),
    Fault("zoo show: --filters 30,,128", "zoo show cnn-25 --filters 30,,128", 2,
          ("--filters '30,,128' has an empty item", "give one integer per convolution layer")),
    Fault("zoo show: a model too large for memory", "zoo show cnn-25 --filters 1000000000,128", 2,
          ("more than this machine can allocate",),
          before=_raise_in("deepmotif_arch.zoo.models:build_model",
                           RuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating 4e9 bytes"))),
    # --- Building data.
    Fault("data build: --seed=-1", BUILD + " --seed=-1", 2,
          ("seed is -1", "0 or a positive integer"), absent=("d",)),
    Fault("data build: disk full", BUILD, 2,
          ("cannot build koo_synthetic/tiny in {tmp}/d (the disk is full)", "free some space"),
          absent=("d",), before=_disk_full_build),
    Fault("data build: read-only data folder", BUILD, 2,
          ("cannot build koo_synthetic/tiny in {tmp}/d (the file system is read-only)",
           "give a writable --data-dir"),
          absent=("d",), before=_fail_lock_under(lambda ctx: ctx.tmp / "d", errno.EROFS)),
    Fault("data build: the same config being built by another process", BUILD, 2,
          ("{tmp}/d/koo_synthetic/tiny is in use by another build of koo_synthetic/tiny "
           "(PID {pid})", "wait for it to finish"),
          absent=("d/koo_synthetic/tiny/1.0.0",),
          before=lambda ctx: ctx.hold_lock(ctx.tmp / "d" / "koo_synthetic" / "tiny")),
    Fault("data build: Ctrl-C", BUILD, 130,
          ("Interrupted; nothing partial was kept", "Run the same command again"),
          absent=("d",), before=_interrupted_build),
    Fault("data build koo_invivo: truncated tarball in --manual-dir", INVIVO, 2,
          (f"{{tmp}}/manual/{ARCHIVE} is truncated or damaged", "download it again"),
          absent=("d",), before=_manual(content="truncated")),
    Fault("data build koo_invivo: a file that is not a tar archive", INVIVO, 2,
          (f"{{tmp}}/manual/{ARCHIVE} is not a tar archive",), absent=("d",),
          before=_manual(content="not a tar")),
    Fault("data build koo_invivo: an empty --manual-dir, offline", INVIVO, 2,
          ("not in the manual folder {tmp}/manual (it is empty)",), absent=("d",),
          before=_then(_manual(content="empty"), _offline)),
    Fault("data build koo_invivo: a good tarball after a bad one of the same name", INVIVO, 0,
          ("Built in {tmp}/d/koo_invivo/paper/1.1.0",),
          absent=("d/downloads/extracted/*",), before=_stale_extraction),
    # --- Real file systems (root with unshare only): a full tmpfs, a read-only one.
    Fault("data build: a real full disk", "data build koo_synthetic --config tiny "
          "--data-dir {tmp}/mnt/d", 2,
          ("cannot build koo_synthetic/tiny in {tmp}/mnt/d (the disk is full)",),
          absent=("mnt/*",), mount="size=96k"),
    Fault("data build: a real read-only file system", "data build koo_synthetic --config tiny "
          "--data-dir {tmp}/mnt/d", 2,
          ("cannot build koo_synthetic/tiny in {tmp}/mnt/d (the file system is read-only)",),
          absent=("mnt/*",), mount="ro"),
    Fault("train: a real full disk", "train cnn-25 --config tiny --data-dir {data} -o "
          "{tmp}/mnt/out --epochs 2", 2,
          ("cannot write to {tmp}/mnt/out/state (the disk is full)",),
          absent=("mnt/*",), mount="size=1m"),
]


def _can_unshare() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True)
    return probe.returncode == 0


def _params():
    for row in CATALOGUE:
        marks = [pytest.mark.slow] if row.slow else []
        if row.mount:
            marks.append(pytest.mark.skipif(not _can_unshare(), reason="needs root and "
                                            "unshare for a private tmpfs mount"))
        yield pytest.param(row, id=row.id, marks=marks)


@pytest.fixture(scope="module")
def saved_run(tiny_data_dir, tmp_path_factory) -> Path:
    """A run of TRAIN (3 epochs) interrupted after its first epoch was saved."""
    from deepmotif_arch.training.trainer import TrainSettings, train
    from deepmotif_arch.zoo.architectures import get_spec

    out = tmp_path_factory.mktemp("saved") / "out"

    def stop(record, facts):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(TrainSettings(get_spec("cnn-25"), dataset_config="tiny",
                            data_dir=str(tiny_data_dir), epochs=3), out, on_epoch=stop)
    assert sorted(p.name for p in (out / "state").iterdir()) == ["best.keras",
                                                                 "epoch-0001.keras",
                                                                 "state.json"]
    return out


def _run(row: Fault, ctx: Ctx) -> tuple[int, str]:
    args = shlex.split(ctx.fmt(row.command))
    if row.mount:
        mnt = ctx.tmp / "mnt"
        mnt.mkdir()
        cli = [sys.executable, "-m", "deepmotif_arch.cli.main", *args]
        script = (f"mount -t tmpfs -o {row.mount} tmpfs {shlex.quote(str(mnt))} && "
                  f"{shlex.join(cli)}; rc=$?; echo '--- left'; "
                  f"find {shlex.quote(str(mnt))} -mindepth 1; exit $rc")
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                              env={**os.environ, "KERAS_BACKEND": _backend(),
                                   "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200"},
                              capture_output=True, text=True, timeout=600)
        stdout, _, left = proc.stdout.partition("--- left\n")
        output = stdout + proc.stderr
        ctx.values["left"] = [Path(line).relative_to(ctx.tmp).as_posix()
                              for line in left.splitlines() if line.startswith(str(mnt))]
        return proc.returncode, output
    if row.process:
        proc = ctx.deepmotif(args, **dict(row.env))
        if row.during:
            row.during(ctx, proc.pid, lambda: proc.poll() is None)
        stdout, stderr = proc.communicate(timeout=600)
        return proc.returncode, stdout + stderr
    watcher = None
    if row.during:
        import threading

        # Ctrl-C as at a terminal, even where this test run inherited SIGINT ignored
        # (started in the background by nohup or CI)
        before = signal.signal(signal.SIGINT, signal.default_int_handler)
        ctx.request.addfinalizer(lambda: signal.signal(signal.SIGINT, before))

        busy = threading.Event()
        busy.set()
        watcher = threading.Thread(target=row.during, args=(ctx, os.getpid(), busy.is_set),
                                   daemon=True)
        watcher.start()
    try:
        result = runner.invoke(app, args, env={"COLUMNS": "200", **dict(row.env)})
    finally:
        if watcher is not None:
            busy.clear()
            watcher.join()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError("".join(traceback.format_exception(*result.exc_info)))
    return result.exit_code, result.output


@pytest.mark.parametrize("row", list(_params()))
def test_fault(row: Fault, tmp_path, tiny_data_dir, monkeypatch, request):
    ctx = Ctx(tmp_path, tiny_data_dir, monkeypatch, request)
    try:
        if row.before is not None:
            row.before(ctx)
        code, output = _run(row, ctx)
        text = " ".join(output.split())
        if os.environ.get("DEEPMOTIF_FAULT_REPORT"):  # what each row printed, for the docs
            with open(os.environ["DEEPMOTIF_FAULT_REPORT"], "a") as report:
                said = [line for line in output.splitlines()
                        if line.startswith(("Error:", "Interrupted"))]
                report.write(json.dumps({"row": row.id, "exit": code,
                                         "said": " ".join(said)}) + "\n")
        assert code == row.exit, output
        for words in row.words:
            assert " ".join(ctx.fmt(words).split()) in text, output
        assert "Traceback" not in output, output
        if row.exit == 2:
            assert text.count("Error:") == 1, output
        left = ctx.values.get("left")
        for pattern in row.absent:
            pattern = ctx.fmt(pattern)
            if left is not None:
                assert not [p for p in left if fnmatch(p, pattern)], left
            else:
                assert not list(tmp_path.glob(pattern)), (pattern, list(tmp_path.glob(pattern)))
        if row.after is not None:
            row.after(ctx)
    finally:
        ctx.close()
    half_written = [p for p in tmp_path.rglob("*")
                    if fnmatch(p.name, "*.tmp-*") or p.name.startswith("incomplete.")
                    or p.name.startswith("koo_invivo-manual-bundle.") or p.name == ".lock"]
    assert not half_written, half_written


def test_catalogue_size():
    """The README's reliability section quotes this count."""
    assert len(CATALOGUE) == 35


# ---------------------------------------------------------------------------
# The pieces behind the rows.

def _default_sigint() -> None:
    """In a child: Ctrl-C as a terminal delivers it. A test run started in the background
    (nohup, CI) inherits SIGINT ignored, and a child would never see the signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler for the test, whatever the test run inherited."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_a_lost_ctrl_c_is_raised_at_the_next_check(python_sigint):
    """Python drops a KeyboardInterrupt raised inside a gc callback or ``__del__`` (JAX
    and h5py run those while a checkpoint is written); the guard raises it again."""
    from deepmotif_arch.training.state import InterruptGuard
    with InterruptGuard() as guard:
        assert signal.getsignal(signal.SIGINT) == guard._handle
        try:
            guard._handle(signal.SIGINT, None)  # raised where it would be swallowed
        except KeyboardInterrupt:
            pass
        with pytest.raises(KeyboardInterrupt):
            guard.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_waits_for_the_save_in_progress(python_sigint):
    from deepmotif_arch.training.state import InterruptGuard
    done = []
    with InterruptGuard() as guard:
        with pytest.raises(KeyboardInterrupt):
            with guard.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the signal is handled meanwhile
                done.append("saved")
            guard.check()
    assert done == ["saved"]


def test_a_folder_lock_names_its_holder_and_goes_with_it(tmp_path):
    with locking.lock_folder(tmp_path, holder="another `deepmotif experiment table1`",
                             hint="wait for it to finish or give another --results"):
        assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
        with pytest.raises(FolderInUseError) as caught:  # a second lock, even here
            locking.lock_folder(tmp_path, holder="another `deepmotif experiment table1`",
                                hint="wait for it to finish or give another --results")
        assert str(caught.value) == (
            f"{tmp_path} is in use by another `deepmotif experiment table1` (PID {os.getpid()}); "
            "wait for it to finish or give another --results.")
        assert caught.value.pid == os.getpid()
    assert not (tmp_path / ".lock").exists()
    locking.lock_folder(tmp_path, holder="x", hint="y").release()


def test_a_killed_holder_never_blocks(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(FolderInUseError, match=f"PID {proc.pid}"):
        locking.lock_folder(tmp_path, holder="x", hint="y")
    proc.kill()
    proc.wait()
    assert (tmp_path / ".lock").exists()  # left behind, but no longer locked
    with locking.lock_folder(tmp_path, holder="x", hint="y") as lock:
        assert lock.held


def test_predict_on_an_empty_batch_keeps_the_model_usable():
    from deepmotif_arch import checkpoints, get_model

    model = get_model("cnn-25", input_length=200)
    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 200))]
    before = checkpoints.predict((model, {}), x)
    empty = checkpoints.predict((model, {}), x[:0])
    assert empty.shape == (0, 12) and empty.dtype == np.float32
    np.testing.assert_allclose(checkpoints.predict((model, {}), x), before, atol=1e-6)


def test_no_lazy_import_window_after_the_cli_imported_the_data_stack(tiny_data_dir, tmp_path):
    """TFDS swaps ``builtins.__import__`` while some of its modules load; a rich progress
    thread importing meanwhile printed "Relative import statements not supported
    (markup)". After ``import_keras()`` nothing of TFDS loads that way any more."""
    script = f"""
import builtins, contextlib, sys
from deepmotif_arch.cli._common import import_keras
import_keras()
from etils import epy
import etils.epy.lazy_imports_utils as utils
windows = []
real = utils.lazy_imports
@contextlib.contextmanager
def counted(*args, **kwargs):
    windows.append(1)
    with real(*args, **kwargs):
        yield
utils.lazy_imports = epy.lazy_imports = counted
from deepmotif_arch.data import datasets
datasets.get_builder("koo_synthetic", "tiny", {str(tiny_data_dir)!r}).info.splits
datasets.build("koo_synthetic", "tiny", {str(tmp_path)!r}, num_sequences=50)
print("windows", len(windows))
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": _backend(),
                               "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "windows 0"


def test_extract_bundle_streams_and_checks(tmp_path):
    from deepmotif_arch.base.errors import DatasetError
    from deepmotif_arch.tfds_builders.koo_invivo import deepsea

    archive = tmp_path / ARCHIVE
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(BUNDLE / "deepsea_train", arcname="deepsea_train")
    first = deepsea.extract_bundle(archive, tmp_path / "x")
    assert deepsea.find_bundle(first)[0] == "folder"
    second = deepsea.extract_bundle(archive, tmp_path / "x")  # afresh, the old one gone
    assert [p.name for p in (tmp_path / "x").iterdir()] == [second.name]
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(DatasetError, match="outside the folder"):
        deepsea.extract_bundle(evil, tmp_path / "y")
    assert not (tmp_path / "outside.txt").exists() and not list((tmp_path / "y").iterdir())
    gzip_only = tmp_path / "only.gz"
    gzip_only.write_bytes(gzip.compress(b"not a tar at all" * 100))
    with pytest.raises(DatasetError, match="is not a tar archive"):
        deepsea.extract_bundle(gzip_only, tmp_path / "z")


def test_a_loss_that_blows_up_stops_the_run(tmp_path):
    from deepmotif_arch.base.errors import TrainingError
    from deepmotif_arch.training.trainer import EpochRecord, TrainSettings, _check_loss
    from deepmotif_arch.zoo.architectures import get_spec

    settings = TrainSettings(get_spec("cnn-25"), learning_rate=0.5)
    first = [EpochRecord(1, 0.04, 0.05, 0.9, 1.0, True)]
    _check_loss(3.9, 1, first, settings, tmp_path, saved=True)  # under 100 x 0.04
    with pytest.raises(TrainingError, match=r"loss rose to 5 in epoch 2, more than 100 times "
                       r"the first epoch's 0\.04.*delete .* smaller --lr than 0\.5\.$"):
        _check_loss(5.0, 1, first, settings, tmp_path, saved=True)
    with pytest.raises(TrainingError, match=r"4\.9e\+10 in epoch 1, more than binary "
                       r"cross-entropy alone can reach \(16\.1\).*; try a smaller --lr"):
        _check_loss(4.9e10, 0, [], settings, tmp_path, saved=False)
    _check_loss(16.0, 0, [], settings, tmp_path, saved=False)  # an untrained model's worst
