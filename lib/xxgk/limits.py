"""Bounds on the work one file may cost: every number in one place, and the two primitives that enforce
time and memory.

The numbers (:class:`Limits`) are checked before the expensive call they protect — a file's size
before reading it, a .docx member's size and node count before lxml parses it, a PDF page's area and
glyph estimate before PDFium builds its text page, a digit run's length before the solver cuts it —
and they are the same for ``xxgk parse``, ``xxgk build`` and the library (``xxgk.parse_file``,
``xxgk.parse_bytes``). Two backstops catch what a check cannot foresee: a wall-clock limit
(:func:`time_limit`, plus a watchdog in the parent process that kills a worker stuck in C code) and an
address-space cap in each worker process (:func:`cap_memory`), never in the main process.

``LIMITS`` holds the defaults; :func:`current` is what the readers and the parser consult, and
:func:`using` replaces it for a block (a build hands its limits to every worker this way).
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace

MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one file may cost. Defaults are ~10× what the largest real report needs (docs/benchmarks.md)."""

    # whole file
    max_file_bytes: int = 40 * MB  # larger files are refused before they are read
    file_timeout_s: float = 60  # wall clock per file (0: none); a worker stuck past it is killed
    kill_grace_s: float = 10  # how long past the timeout a parent waits before it kills a worker
    worker_memory_mb: int = 2048  # address-space cap of each worker process, MiB (0: none)
    # structure, counted before the parser that would build it
    max_nodes: int = 1_000_000  # tags of an HTML page or .docx part, lines + cells of a text file
    html_max_depth: int = 500  # nesting of HTML elements (lxml reads 255 by default, 2048 at most)
    docx_max_parts: int = 1000  # members of a .docx package
    docx_max_member_bytes: int = 64 * MB  # uncompressed size of one member
    docx_max_total_bytes: int = 256 * MB  # uncompressed size of all members
    docx_max_paragraphs: int = 100_000  # w:p elements of the main document
    pdf_max_pages: int = 60  # pages read from a PDF (a report is rarely longer than 30)
    pdf_max_page_area_pt2: float = 3000.0 * 3000.0  # a page larger than this (about 1 m square) is not read
    pdf_max_page_objects: int = 100_000  # page objects of one page
    pdf_max_page_glyphs: int = 50_000  # characters of one page (a dense A4 page holds ~5,000)
    pdf_max_glyphs: int = 500_000  # characters of the whole document
    # what is stored (DuckDB sorts these texts within its memory cap: a 40 MB string would not fit)
    max_section_chars: int = 200_000  # text of one narrative section (a long one is ~20,000)
    max_text_chars: int = 2_000  # a cell's raw text, a title, a figure's sentence
    # numbers
    max_value_digits: int = 15  # a number with more integer digits is out of range (Float64 is exact to 2^53)
    run_cell_digits: int = 8  # widest plausible cell in a run of digits (99,999,999)
    solver_steps: int = 500_000  # search steps the digit solver may take for one run (~0.3 s)
    solver_document_steps: int = 3_000_000  # … and for all the runs of one report
    solver_combinations: int = 20_000  # combinations of row candidates tried across a table (R1/R2)


LIMITS = Limits()
_current = LIMITS


def current() -> Limits:
    """The limits in force (:data:`LIMITS` unless a :func:`using` block says otherwise)."""
    return _current


@contextmanager
def using(limits: Limits | None = None, **changes):
    """Run a block under other limits: ``with using(max_file_bytes=10 * MB): ...``."""
    global _current
    before = _current
    _current = replace(limits or before, **changes)
    try:
        yield _current
    finally:
        _current = before


def set_limits(limits: Limits) -> None:
    """Make ``limits`` the limits of this process (a worker calls this once, at start)."""
    global _current
    _current = limits


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


def cap_memory(megabytes: int) -> bool:
    """Cap this process's address space (RLIMIT_AS, soft limit) at ``megabytes``; False where unsupported.

    Only for a process whose one job is parsing (a worker): beyond the cap, Python raises MemoryError,
    lxml fails, and PDFium aborts the process, which the parent reports as a dead worker.
    """
    if megabytes <= 0:
        return False
    try:
        import resource
    except ImportError:  # not POSIX
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = megabytes << 20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        return False
    return True


def peak_rss_mb() -> float:
    """Peak resident memory of this process's own address space so far, in MiB.

    Linux's VmHWM where there is one: getrusage's ru_maxrss survives exec, so a worker started by
    fork + exec would report its parent's resident size as its own peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
        import sys
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
