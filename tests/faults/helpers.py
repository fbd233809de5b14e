"""Functions for the pool tests: importable, so that worker processes can run them."""

from __future__ import annotations

import os
import signal
import time


def behave(item: str) -> str:
    """Do what the item says: 'kill' (SIGKILL itself, as the OOM killer would), 'abort', 'hog' (allocate
    past any cap), 'hang' (sleep in one call no alarm interrupts), 'slow' (sleep a little); else echo."""
    if item.startswith("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    if item.startswith("abort"):
        os.abort()
    if item.startswith("hog"):
        blocks = []
        while True:
            blocks.append(bytearray(64 << 20))
    if item.startswith("hang"):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        time.sleep(3600)
    if item.startswith("slow"):
        time.sleep(0.2)
    return f"ok:{item}"


def failed(item, reason, kind):
    """The result the pool makes for an item whose worker failed."""
    return f"{kind}:{item}:{reason}"
