"""Chinese in every chart: the bundled CJK font and the house style, applied as soon as charts are possible.

``import xxgk`` must be enough for a chart the user draws afterwards with pyplot, seaborn or pandas to
show Chinese instead of boxes. Importing matplotlib costs half a second, which ``xxgk parse`` and ``xxgk
build`` should not pay, so nothing is imported here: when pyplot is already loaded the style is applied
at once, otherwise a one-shot import hook applies it right after pyplot's own import, once matplotlib is
whole (:func:`xxgk.plots.setup` registers Noto Sans CJK SC from mplfonts and sets the house style; the
library's own charts call it themselves).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

_applying = False


def _apply() -> None:
    global _applying
    if _applying:  # setup() itself imports pyplot (through seaborn)
        return
    _applying = True
    try:
        from .plots import setup

        setup()
    finally:
        _applying = False


class _Loader(importlib.abc.Loader):
    """Runs pyplot's own loader, then applies the style."""

    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _apply()


class _AfterPyplot(importlib.abc.MetaPathFinder):
    """An import hook for ``matplotlib.pyplot`` that removes itself once used."""

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.pyplot":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Apply the style now if pyplot is loaded, else when it is (idempotent)."""
    if "matplotlib.pyplot" in sys.modules:
        _apply()
    elif not any(isinstance(f, _AfterPyplot) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterPyplot())
