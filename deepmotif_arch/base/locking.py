"""One process per folder: an operating-system lock that a killed process cannot leave stuck.

A run writes into its folder only while it holds an exclusive ``flock`` on a file named
``.lock`` in that folder. The kernel drops the lock when the process ends, however it
ends (``kill -9`` and power loss included), so a lock file left behind never blocks
anyone; it holds the holder's PID, which is how a refused process names it. The file
is removed when the holder releases the lock, so a finished folder looks as before.

>>> with lock_folder("runs/x", holder="another `deepmotif train`",
...                  hint="wait for it to finish or choose another --output"):  # doctest: +SKIP
...     ...  # write into runs/x

A second process (or a second lock in the same process) gets :class:`FolderInUseError`:
"runs/x is in use by another `deepmotif train` (PID 4242); wait for it to finish or
choose another --output."

Where ``fcntl`` does not exist (Windows) no lock is taken. ``flock`` works on local file
systems; on network file systems that do not support it the folder is used unlocked.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from deepmotif_arch.base.errors import FolderInUseError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["LOCK_NAME", "FolderLock", "lock_folder", "holder_pid"]

#: Name of the lock file inside a locked folder.
LOCK_NAME = ".lock"
#: errno values of file systems that cannot lock; the folder is then used unlocked.
_NO_LOCKING = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


class FolderLock:
    """An exclusive lock on a folder, held until :meth:`release` (or the process ends).

    Attributes
    ----------
    folder : Path
    path : Path
        The lock file.
    """

    def __init__(self, folder: Path, path: Path, fd: int | None):
        self.folder = folder
        self.path = path
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Remove the lock file and drop the lock; safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # Removed while still locked: a process that opened the file meanwhile finds,
        # once it gets the lock, that the path no longer leads to its file, and retries.
        try:
            self.path.unlink()
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):  # a lock never outlives its object
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)


def holder_pid(folder: str | os.PathLike, name: str = LOCK_NAME) -> int | None:
    """The PID written in a folder's lock file, or None (no file, or none written yet)."""
    path = Path(folder) / name
    for _ in range(20):  # the holder writes its PID right after taking the lock
        try:
            text = path.read_text().strip()
        except OSError:
            return None
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    return None


def lock_folder(folder: str | os.PathLike, *, holder: str, hint: str, name: str = LOCK_NAME,
                wait: bool = False) -> FolderLock:
    """Take the exclusive lock of ``folder`` (which must exist).

    Parameters
    ----------
    folder : path
        The folder to lock.
    holder : str
        Who else would hold it, for the error: "another `deepmotif train`".
    hint : str
        What to do instead, for the error: "wait for it to finish or choose another --output".
    name : str, default ".lock"
        The lock file's name inside ``folder``.
    wait : bool, default False
        Wait for the other process to release the lock instead of failing.

    Returns
    -------
    FolderLock
        Release it (or use it as a context manager) when done.

    Raises
    ------
    FolderInUseError
        Another process holds the lock (and ``wait`` is False); the message names its PID.
    OSError
        The lock file cannot be created (read-only folder, full disk, no permission).
    """
    folder = Path(folder)
    path = folder / name
    if fcntl is None:  # pragma: no cover - Windows
        return FolderLock(folder, path, None)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            pid = holder_pid(folder, name)
            who = f"PID {pid}" if pid is not None else "its PID is not written yet"
            raise FolderInUseError(f"{folder} is in use by {holder} ({who}); {hint}.",
                                   folder=str(folder), pid=pid) from None
        except OSError as exc:
            if exc.errno in _NO_LOCKING:
                os.close(fd)
                return FolderLock(folder, path, None)
            os.close(fd)
            raise
        except BaseException:  # e.g. Ctrl-C while waiting
            os.close(fd)
            raise
        # The previous holder may have removed the file between our open and our lock.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError:
        lock = FolderLock(folder, path, fd)
        lock.release()
        raise
    return FolderLock(folder, path, fd)
