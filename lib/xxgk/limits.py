"""Bounds on the work spent on one file: a wall-clock limit that raises instead of hanging."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager


class TimeLimit(Exception):
    """Raised inside :func:`time_limit` when the time is up."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`TimeLimit` in the block after ``seconds`` (POSIX main thread; elsewhere no limit)."""
    usable = (seconds and seconds > 0 and os.name == "posix" and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise TimeLimit()

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
