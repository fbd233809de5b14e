"""A papermill engine that runs notebooks in a warm kernel instead of starting one per notebook.

Starting a Python kernel and importing pandas, matplotlib and xxgk takes 2–3 s; running an agency
page takes a few hundred milliseconds. :class:`WarmEngine` keeps one kernel per process alive and,
before each notebook, resets its namespace (``%reset``-like: every variable, the history and the
execution count go; imported modules stay, which is the point) and changes to the notebook's working
directory. Papermill stays the interface::

    papermill.execute_notebook("notebooks/agency_year.ipynb", None, parameters={...}, engine_name="xxgk")
    papermill --engine xxgk notebooks/agency_year.ipynb out.ipynb -p year 2023     # the same from the shell

(registered under the ``papermill.engine`` entry point ``xxgk``; :mod:`xxgk.render` passes its own
:class:`WarmKernel` per worker with ``warm_kernel=``). A kernel is replaced after
:data:`RECYCLE_AFTER` notebooks, or when it died, so one page can never poison the rest.
"""

from __future__ import annotations

import atexit
import os
import sys

import nbformat
from nbclient import NotebookClient

# papermill is imported inside the functions: papermill loads its engine entry points (this module)
# while it is being imported, so this module must be complete before papermill is.

RECYCLE_AFTER = 500  # notebooks per kernel before a fresh one (bounds slow leaks in long runs)
RESET = "get_ipython().reset(new_session=True, aggressive=False); __import__('os').chdir({cwd!r})"
COLLECT_EVERY = 25  # a full garbage collection in the kernel every this many notebooks


class WarmKernel:
    """One running kernel and its client, reused notebook after notebook."""

    def __init__(self, kernel_name: str = "python3", startup_timeout: int = 60):
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.client: NotebookClient | None = None
        self.used = 0

    def _start(self) -> None:
        # the kernel must be this environment's Python (xxgk importable), whatever PATH says
        os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        c = NotebookClient(nbformat.v4.new_notebook(), kernel_name=self.kernel_name,
                           startup_timeout=self.startup_timeout,
                           # no input history database: a page's code is in its notebook, and every
                           # namespace reset would otherwise open a new history session on disk; no
                           # output cache (Out, _, __): a reset flushes it with a full garbage collection,
                           # ~90 ms a page (collections happen every COLLECT_EVERY notebooks instead)
                           extra_arguments=["--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0"])
        c.km = c.create_kernel_manager()
        c.start_new_kernel()
        c.start_new_kernel_client()
        self.client = c
        self.used = 0

    @property
    def km(self):
        return self.ensure().km

    @property
    def kc(self):
        return self.ensure().kc

    def alive(self) -> bool:
        if self.client is None or self.client.km is None:
            return False
        try:
            return bool(self.client.km.has_kernel and _sync(self.client.km.is_alive)())
        except Exception:
            return False

    def ensure(self) -> NotebookClient:
        """The running client; a new kernel when there is none, it died, or it is due for recycling."""
        if self.client is not None and (self.used >= RECYCLE_AFTER or not self.alive()):
            self.shutdown()
        if self.client is None:
            self._start()
        return self.client

    def reset(self, cwd: str) -> None:
        """A clean namespace in ``cwd`` for the next notebook (modules stay imported)."""
        c = self.ensure()
        code = RESET.format(cwd=cwd)
        if self.used and self.used % COLLECT_EVERY == 0:
            code += "; __import__('gc').collect()"
        _sync(_execute_quietly)(c.kc, code)
        self.used += 1

    def shutdown(self) -> None:
        c, self.client = self.client, None
        if c is None:
            return
        try:
            if c.kc is not None:
                c.kc.stop_channels()
            _sync(c.km.shutdown_kernel)(now=True)
        except Exception:
            pass


async def _execute_quietly(kc, code: str, timeout: float = 60) -> None:
    """Run code in the kernel without output or history, and wait for it to finish."""
    from jupyter_core.utils import ensure_async

    msg_id = kc.execute(code, silent=True, store_history=False)
    while True:
        reply = await ensure_async(kc.get_shell_msg(timeout=timeout))
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"kernel reset failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")


def _sync(fn):
    from jupyter_core.utils import ensure_async, run_sync

    async def call(*a, **kw):
        return await ensure_async(fn(*a, **kw))

    return run_sync(call)


_DEFAULT: dict[str, WarmKernel] = {}


def default_kernel(kernel_name: str = "python3") -> WarmKernel:
    """This process's warm kernel (started on first use, shut down at exit)."""
    if kernel_name not in _DEFAULT:
        _DEFAULT[kernel_name] = WarmKernel(kernel_name)
        atexit.register(_DEFAULT[kernel_name].shutdown)
    return _DEFAULT[kernel_name]


class WarmEngine:
    """Papermill's nbclient engine, on a warm kernel with the namespace reset between notebooks.

    (Duck-typed to papermill's Engine interface rather than subclassing it: see the import note above.)
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from papermill.engines import Engine

        return Engine.nb_kernel_name.__func__(cls, nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.engines import Engine

        return Engine.nb_language.__func__(cls, nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import logger
        from papermill.utils import merge_kwargs, remove_args

        kernel = kwargs.pop("warm_kernel", None) or default_kernel(kernel_name or "python3")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout", "km"], **kwargs)
        kernel.reset(os.getcwd())  # papermill has changed to the notebook's cwd for us
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=logger, log_output=log_output, stdout_file=stdout_file,
                             stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
        client.kc = kernel.kc
        return client.execute()


def register() -> None:
    """Make ``engine_name="xxgk"`` known to papermill (the entry point does it too once installed)."""
    from papermill.engines import papermill_engines

    papermill_engines.register("xxgk", WarmEngine)
