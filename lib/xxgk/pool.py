"""Worker processes that survive their files: one bad file costs one result, never the batch.

:func:`imap` runs a function over items in worker processes and yields one result per item, in
completion order, whatever happens to the workers:

- a worker that dies (SIGKILL from the out-of-memory killer, an abort inside PDFium) is noticed when
  its pipe closes; the item it was on gets a result saying so, the items queued behind it go to the
  other workers, and a new worker takes its place;
- a worker that raises :class:`MemoryError` (it hit its cap) reports the item and is replaced, since
  its heap can no longer be trusted;
- a worker stuck longer than the time limit plus a grace period (inside one C call that no signal
  interrupts) is killed, and its item gets a result saying so.

Each worker caps its own address space (``Limits.worker_memory_mb``) as it starts. The cap is never
set in the main process, which holds DuckDB and the Parquet writers and must not fail for a file's
sake. RLIMIT_AS counts every mapping a process has, including what it inherits at a fork, and a build's
main process maps ~0.5 GB for pyarrow and DuckDB alone and runs their threads; so a worker is not
forked from it but started as a fresh interpreter (``python -c``, ~0.1 s) that imports only the
parser: its cap means what it says, it inherits no thread in an unknown state, and, unlike
multiprocessing's spawn and forkserver methods, it never imports the caller's ``__main__`` (a user's
script without an ``if __name__ == "__main__"`` guard still works). ``xxgk parse``, a process that
has imported only the parser and started no thread, forks its one worker instead (:func:`run_one`).
Workers talk to the parent over
two pipes, with the pickle framing of :mod:`multiprocessing.connection`; their stdout and stderr go
nowhere, so that what a crashing library prints cannot break a one-line error.

A worker takes a batch of a few items at a time and sends a result after each, so the parent always
knows which item a dead worker was on: the first of its batch without a result.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from .limits import LIMITS, Limits, cap_memory, set_limits

_BATCH = 8  # items sent to a worker at a time (fewer when few are left)
_BOOT = "import sys; sys.path[:0] = {path!r}; from xxgk.pool import _serve; _serve({rfd}, {wfd})"


def _serve(rfd: int, wfd: int) -> None:
    """A worker's life (in the child): learn the function and the limits, cap memory, then run batches
    until told to stop or the parent is gone."""
    inbox, outbox = Connection(rfd, writable=False), Connection(wfd, readable=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        module, name, limits = inbox.recv()
    except (EOFError, OSError):
        return
    fn = importlib.import_module(module)
    for part in name.split("."):
        fn = getattr(fn, part)
    set_limits(limits)
    cap_memory(limits.worker_memory_mb)
    outbox.send(("ready", None))
    while True:
        try:
            batch = inbox.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for item in batch:
            try:
                result = fn(item)
            except MemoryError:
                result = None
            try:
                if result is None:
                    outbox.send(("memory", None))
                    return
                outbox.send(("done", result))
            except (BrokenPipeError, OSError):
                return


def _where(fn: Callable) -> tuple[str, str]:
    """The module and name a worker imports ``fn`` by (``__main__`` run with ``-m`` is its real name)."""
    module = fn.__module__
    if module == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        if spec is None:
            raise ValueError(f"{fn.__qualname__} must be defined in an importable module to run in a worker")
        module = spec.name
    return module, fn.__qualname__


class _Forked:
    """The few things of :class:`subprocess.Popen` a worker needs, for a child made by ``os.fork``."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class _Worker:
    """A worker process and the two pipes to it.

    Started as a fresh interpreter, or (``fork=True``, for a caller that has imported only the parser
    and runs no thread, like ``xxgk parse``) forked, which saves that interpreter's start.
    """

    def __init__(self, fn: Callable, limits: Limits, fork: bool = False):
        down_r, down_w = os.pipe()  # parent → child
        up_r, up_w = os.pipe()  # child → parent
        self.stderr = tempfile.TemporaryFile()  # read only if the worker cannot start
        self.ready = False
        try:
            if fork:
                self.proc = self._fork(down_r, down_w, up_r, up_w)
            else:
                boot = _BOOT.format(path=list(sys.path), rfd=down_r, wfd=up_w)
                self.proc = subprocess.Popen(
                    [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", boot],
                    pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=self.stderr)
        finally:
            os.close(down_r)
            os.close(up_w)
        self.outbox = Connection(down_w, readable=False)
        self.inbox = Connection(up_r, writable=False)
        self.outbox.send((*_where(fn), limits))

    def _fork(self, down_r: int, down_w: int, up_r: int, up_w: int) -> _Forked:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return _Forked(pid)
        try:  # the child: nothing of the parent's but the two pipe ends
            os.close(down_w)
            os.close(up_r)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1):
                os.dup2(null, fd)
            os.dup2(self.stderr.fileno(), 2)
            _serve(down_r, up_w)
        finally:
            os._exit(0)

    def startup_error(self) -> str:
        """Why the worker could not start: the last line it wrote to stderr."""
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else signal_name(self.exitcode)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        for c in (self.outbox, self.inbox, self.stderr):
            try:
                c.close()
            except OSError:
                pass

    @property
    def exitcode(self) -> int | None:
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None


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
    worker: _Worker
    batch: deque = field(default_factory=deque)
    started: float = 0.0  # when its current item started

    def send(self, items: list) -> None:
        self.batch.extend(items)
        self.started = time.monotonic()
        self.worker.outbox.send(items)


def imap(fn: Callable, items: Iterable, *, workers: int = 1, limits: Limits = LIMITS,
         failed: Callable[[object, str, str], object], fork: bool = False) -> Iterator:
    """``fn(item)`` for every item, in worker processes; results in completion order.

    Args:
        fn: a module-level function of one item (importable by the worker); it returns a result, never None.
        items: the work (picklable).
        workers: processes at a time.
        limits: handed to each worker (time limit, memory cap and every reader limit).
        failed: ``failed(item, reason, kind)`` makes the result for an item whose worker died
            (kind ``worker_died``), ran out of memory (``out_of_memory``) or was stuck (``timeout``).
        fork: fork the workers from this process (only for a process with no threads, see :class:`_Worker`).
    """
    queue = deque(items)
    slots: list[_Slot] = []
    stuck_after = limits.file_timeout_s + limits.kill_grace_s if limits.file_timeout_s > 0 else None
    workers = max(1, workers)

    def retire(slot: _Slot) -> None:
        queue.extendleft(reversed(slot.batch))  # items it had not begun go back to the queue
        slot.batch.clear()
        slots.remove(slot)
        slot.worker.close()
        slot.worker.kill()

    try:
        while queue or any(s.batch for s in slots):
            while len(slots) < workers and len(slots) < len(queue) + sum(bool(s.batch) for s in slots):
                slots.append(_Slot(_Worker(fn, limits, fork)))
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
            ready = set(wait([s.worker.inbox for s in busy], timeout=timeout))
            for s in busy:
                dead = leaving = False  # leaving: it reported its item and is going (memory)
                if s.worker.inbox in ready:
                    while s.batch and s.worker.inbox.poll():
                        try:
                            kind, result = s.worker.inbox.recv()
                        except (EOFError, OSError):  # its end of the pipe closed: it died
                            dead = True
                            break
                        if kind == "ready":
                            s.worker.ready = True
                            continue
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
                elif dead and not s.worker.ready:
                    code = s.worker.exitcode
                    raise RuntimeError(f"a worker process could not start ({signal_name(code)}): "
                                       f"{s.worker.startup_error()}")
                elif dead:
                    code = s.worker.exitcode
                    if s.batch:  # the first item without a result is the one it died on
                        item = s.batch.popleft()
                        yield failed(item, f"worker died ({signal_name(code)}; out of memory?)", "worker_died")
                    retire(s)
                elif stuck_after is not None and s.batch and time.monotonic() - s.started > stuck_after:
                    s.worker.kill()
                    item = s.batch.popleft()
                    yield failed(item, f"gave up after {limits.file_timeout_s:g} s (worker stopped)", "timeout")
                    retire(s)
    finally:
        for s in slots:
            try:
                s.worker.outbox.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 2
        for s in slots:
            try:
                s.worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            s.worker.kill()
            s.worker.close()


def run_one(fn: Callable, item, *, limits: Limits = LIMITS, failed: Callable[[object, str, str], object]):
    """``fn(item)`` in one worker under the limits: its result, or ``failed(...)``.

    For ``xxgk parse``: the worker is forked (where there is ``os.fork``), since that process has
    imported only the parser and started no thread; this saves ~0.3 s a call.
    """
    return next(imap(fn, [item], workers=1, limits=limits, failed=failed, fork=hasattr(os, "fork")))
