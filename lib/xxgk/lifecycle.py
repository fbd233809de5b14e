"""The dataset folder's life cycle: a build writes a temporary folder beside it and swaps it in whole;
readers never see half a dataset, and nothing a dead build leaves behind survives the next look.

Files beside the dataset ``DIR`` (all hidden, all in ``DIR``'s parent folder):

- ``.DIR.lock`` — held (``flock``) by the running build for its whole life, with its pid written in
  it, and removed when the build ends. The kernel drops the lock when the builder dies, however it
  dies, so "is a build running?" is answered by the lock, never by a folder's age.
- ``.DIR.tmp-PID-XXXX`` — the new dataset being written (:func:`staging`).
- ``.DIR.old-XXXX`` — the previous dataset for a moment during a swap on a file system that cannot
  exchange two folders atomically.

:func:`swap` exchanges the new folder and the old one in one ``renameat2(RENAME_EXCHANGE)`` call
where Linux offers it, so a reader opening ``DIR`` finds either dataset, never none; elsewhere it
renames twice. :func:`recover` (run by every build and every reader) puts the previous dataset back
if a build died between those two renames and removes the temporary folders of dead builds — only
when it can take the lock, i.e. when no build is running. A reader never blocks a build for more
than that moment, and never touches a live build's folders.

Both ``build`` and ``load``/``sql`` use this module; it depends on nothing else in the package.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no locking; recover() then only mends an interrupted swap
    fcntl = None


class Busy(Exception):
    """Another build is writing the same dataset folder."""


def lock_path(out: Path) -> Path:
    """The lock file of a dataset folder."""
    return out.parent / f".{out.name}.lock"


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


def _acquire(path: Path) -> int | None:
    """Open and lock ``path`` (created if missing) without waiting; its fd, or None when it is held.

    The lock file is removed when released (:func:`_release`), so after locking, the path must still
    name the file that was locked; otherwise another process removed it meanwhile, and it is tried again.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _release(path: Path, fd: int) -> None:
    try:
        os.unlink(path)  # while still holding it: nobody is left locking a file that is gone
    except OSError:
        pass
    os.close(fd)


@contextmanager
def build_lock(out: Path, wait_s: float = 2.0):
    """Hold the dataset's lock for a build (the pid written in it); a reader's brief hold is waited for.

    Raises:
        Busy: another build holds the lock.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(out)
    if fcntl is None:
        yield
        return
    deadline = time.monotonic() + wait_s
    while (fd := _acquire(path)) is None:
        if time.monotonic() > deadline:
            raise Busy(f"another build ({_holder(path)}) is writing {out}; wait for it to finish")
        time.sleep(0.05)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        _release(path, fd)


@contextmanager
def _try_lock(out: Path):
    """Yield True while holding the lock if no build holds it, else False (never waits)."""
    if fcntl is None:
        yield True
        return
    path = lock_path(out)
    try:
        fd = _acquire(path)
    except OSError:  # a folder we cannot write in: no build can be running there either
        yield not path.exists()
        return
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        _release(path, fd)


def is_building(out: Path) -> bool:
    """Whether a build of this dataset is running now."""
    with _try_lock(out) as free:
        return not free


def staging(out: Path) -> Path:
    """A new, empty temporary folder for a build of ``out`` (call it while holding :func:`build_lock`)."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP, errno.EPERM):
        return False  # this file system cannot exchange: rename twice instead
    raise OSError(err, os.strerror(err), str(b))


def swap(tmp: Path, out: Path) -> None:
    """Put the new dataset ``tmp`` in place of ``out`` and remove the previous one.

    One atomic exchange where the system offers it; else two renames, between which :func:`recover`
    would put the previous dataset back if the build died there.
    """
    if out.exists() and _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous dataset
        return
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    if out.exists():
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def _mend(out: Path) -> None:
    """With the lock held: put back a dataset lost between two renames, remove dead builds' folders."""
    parent = out.parent
    olds = sorted(parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for p in olds + list(parent.glob(f".{out.name}.tmp-*")):
        shutil.rmtree(p, ignore_errors=True)


def recover(out: Path, wait_s: float = 2.0) -> None:
    """Make ``out`` readable if a build died mid-swap, and clean up after dead builds.

    Run by readers before they read and by builds before they start. Does nothing while a build is
    running, except wait (up to ``wait_s``) for a dataset that is between two renames to reappear.
    Never raises: recovery is a courtesy, reading is the job.
    """
    out = Path(out)
    if not out.parent.exists():
        return
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with _try_lock(out) as free:
                if free:
                    _mend(out)
                    return
        except OSError:
            return
        if out.exists() or not any(out.parent.glob(f".{out.name}.old-*")) or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def present(out: Path, name: str = "reports.parquet", wait_s: float = 2.0) -> bool:
    """Whether ``out`` holds a dataset (its file ``name``), after :func:`recover`.

    A reader can look in the instant between a swap's two renames, when the folder is missing and the
    previous one sits beside it as ``.NAME.old-*``; it then looks again (each look waits up to ``wait_s``
    in :func:`recover`) rather than report that there is no dataset.
    """
    out = Path(out)
    for _ in range(3):  # recover() waits for the folder to reappear; a swap that starts just after it is looked at again
        recover(out, wait_s)
        if (out / name).exists():
            return True
        if not any(out.parent.glob(f".{out.name}.old-*")):
            return False
    return (out / name).exists()


def clean(out: Path) -> None:
    """:func:`recover` for a build that holds the lock: mend and remove every leftover temporary folder."""
    try:
        _mend(out)
    except OSError:
        pass


def generation(out: Path) -> tuple[int, int, int] | None:
    """Which dataset ``out`` is now (changes with every swap); None when there is none.

    The folder's device, inode and change time: a swap puts another folder at the path, and even if
    the file system gives it an inode number a removed folder once had, it was renamed later.
    """
    try:
        st = os.stat(out)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns
