"""A process-wide patch that nested ``with`` blocks share (used by fast_pool and fast_rng)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any


class NestedPatch:
    """``install()`` on entering the outermost block, ``restore(token)`` on leaving it.

    ``install`` returns a token (what it replaced); blocks may nest and run from
    several threads; only the outermost pair installs and restores.
    """

    def __init__(self, install: Callable[[], Any], restore: Callable[[Any], None]):
        self._install = install
        self._restore = restore
        self._lock = threading.Lock()
        self._depth = 0
        self._token: Any = None

    @contextlib.contextmanager
    def active(self):
        with self._lock:
            if self._depth == 0:
                self._token = self._install()
            self._depth += 1
        try:
            yield True
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore(self._token)
                    self._token = None
