"""Worker processes that survive their files: one bad file costs one result, never the batch.

:func:`imap` runs a function over items in worker processes and yields one result per item, in
completion order, whatever happens to the workers:

- a worker that dies (SIGKILL from the out-of-memory killer, an abort inside PDFium) is noticed from
  its sentinel; the item it was on gets a result saying so, the items queued behind it go to the
  other workers, and a new worker takes its place;
- a worker that raises :class:`MemoryError` (it hit its cap) reports the item and is replaced, since
  its heap can no longer be trusted;
- a worker stuck longer than the time limit plus a grace period (inside one C call that no signal
  interrupts) is killed, and its item gets a result saying so.

Each worker caps its own address space (``Limits.worker_memory_mb``) as it starts. The cap is never
set in the main process, which holds DuckDB and the Parquet writers and must not fail for a file's
sake. RLIMIT_AS counts every mapping a process has, including what it inherits at fork, so the
workers of a build are started from a fork server (a small process that imported only the parser,
see :data:`PRELOAD`) rather than forked from the main process, whose pyarrow and DuckDB alone map
~400 MB of address space, and whose threads (DuckDB's, pyarrow's) a fork would copy in whatever
state they were in. ``xxgk parse`` forks its single worker directly: that process has imported
nothing else and started no threads.

A worker takes a batch of a few items at a time and sends a result after each, so the parent always
knows which item a dead worker was on: the first of its batch without a result.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from .limits import LIMITS, Limits, cap_memory, set_limits

PRELOAD = ["xxgk.worker"]  # what the fork server imports once, so that each worker starts warm
_BATCH = 8  # items sent to a worker at a time (fewer when few are left)


def context(kind: str | None = None):
    """The multiprocessing context for workers: a fork server where there is one, else spawn.

    Args:
        kind: ``"fork"`` for a process that has no threads and little mapped (``xxgk parse``).
    """
    methods = mp.get_all_start_methods()
    if kind == "fork" and "fork" in methods:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def _worker(conn, fn: Callable, limits: Limits) -> None:
    """A worker's life: cap memory, then run batches until told to stop or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    set_limits(limits)
    cap_memory(limits.worker_memory_mb)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for item in batch:
            try:
                result = fn(item)
            except MemoryError:
                result = None
            if result is None:
                conn.send(("memory", None))
                return
            try:
                conn.send(("done", result))
            except (BrokenPipeError, OSError):
                return


def signal_name(code: int | None) -> str:
    """How a process ended, in words: 'killed by SIGKILL', 'exit code 3'."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass
class _Slot:
    proc: object
    conn: object
    batch: deque = field(default_factory=deque)
    started: float = 0.0  # when its current item started

    def send(self, items: list) -> None:
        self.batch.extend(items)
        self.started = time.monotonic()
        self.conn.send(items)


def imap(fn: Callable, items: Iterable, *, workers: int = 1, limits: Limits = LIMITS,
         failed: Callable[[object, str, str], object], ctx=None) -> Iterator:
    """``fn(item)`` for every item, in worker processes; results in completion order.

    Args:
        fn: a picklable, importable function of one item; it returns a result (never None).
        items: the work (picklable).
        workers: processes at a time.
        limits: handed to each worker (time limit, memory cap and every reader limit).
        failed: ``failed(item, reason, kind)`` makes the result for an item whose worker died
            (kind ``worker_died``), ran out of memory (``out_of_memory``) or was stuck (``timeout``).
        ctx: the multiprocessing context (default :func:`context`).
    """
    ctx = ctx or context()
    queue = deque(items)
    slots: list[_Slot] = []
    stuck_after = limits.file_timeout_s + limits.kill_grace_s if limits.file_timeout_s > 0 else None
    workers = max(1, workers)

    def start() -> _Slot:
        here, there = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker, args=(there, fn, limits), daemon=True)
        proc.start()
        there.close()
        return _Slot(proc, here)

    def retire(slot: _Slot) -> None:
        queue.extendleft(reversed(slot.batch))  # items it had not begun go back to the queue
        slot.batch.clear()
        slots.remove(slot)
        try:
            slot.conn.close()
        except OSError:
            pass
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join()

    try:
        while queue or any(s.batch for s in slots):
            while len(slots) < workers and len(slots) < len(queue) + sum(bool(s.batch) for s in slots):
                slots.append(start())
            for s in list(slots):
                if not s.batch and queue:
                    n = max(1, min(_BATCH, len(queue) // (workers * 4)))
                    try:
                        s.send([queue.popleft() for _ in range(min(n, len(queue)))])
                    except OSError:  # it died idle: its batch goes back, nothing was begun
                        retire(s)
            busy = [s for s in slots if s.batch]
            if not busy:
                continue
            timeout = 1.0
            if stuck_after is not None:
                timeout = max(0.0, min(timeout, min(s.started + stuck_after for s in busy) - time.monotonic()))
            ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=timeout))
            for s in busy:
                dead = s.proc.sentinel in ready
                leaving = False  # it reported its item and is leaving (memory)
                if dead or s.conn in ready:
                    while s.batch and s.conn.poll():
                        try:
                            kind, result = s.conn.recv()
                        except (EOFError, OSError):
                            dead = True
                            break
                        item = s.batch.popleft()
                        s.started = time.monotonic()
                        if kind == "done":
                            yield result
                            continue
                        yield failed(item, f"needs more memory than the {limits.worker_memory_mb} MiB a worker may "
                                           "use", "out_of_memory")
                        leaving = True
                        break
                if leaving:
                    retire(s)
                elif dead:
                    s.proc.join(timeout=5)
                    if s.batch:  # the first item without a result is the one it died on
                        item = s.batch.popleft()
                        yield failed(item, f"worker died ({signal_name(s.proc.exitcode)}; out of memory?)",
                                     "worker_died")
                    retire(s)
                elif stuck_after is not None and s.batch and time.monotonic() - s.started > stuck_after:
                    s.proc.kill()
                    s.proc.join()
                    item = s.batch.popleft()
                    yield failed(item, f"gave up after {limits.file_timeout_s:g} s (worker stopped)", "timeout")
                    retire(s)
    finally:
        for s in list(slots):
            try:
                s.conn.send(None)
            except OSError:
                pass
        for s in list(slots):
            s.proc.join(timeout=2)
            if s.proc.is_alive():
                s.proc.kill()
                s.proc.join()
            s.conn.close()


def run_one(fn: Callable, item, *, limits: Limits = LIMITS, failed: Callable[[object, str, str], object]):
    """``fn(item)`` in one forked worker under the limits (``xxgk parse``): its result, or ``failed(...)``."""
    ctx = context("fork" if os.name == "posix" else None)
    return next(imap(fn, [item], workers=1, limits=limits, failed=failed, ctx=ctx))
