"""Which ``nn.functional`` faces a program has replaced.

PyTorch's modules call ``F.<name>`` looked up at call time (``nn.Linear`` calls ``F.linear``,
``nn.MaxPool2d`` ``F.max_pool2d``, ...), so a FLOP counter or profiler that assigns
``torch.nn.functional.X`` (ptflops, thop, fvcore) sees every layer's call. gradkit's modules take
their faster internal paths while the face is the one gradkit installed, and call the public name
once a program has replaced it; so do the functions that PyTorch writes in Python on top of others
(``lp_pool2d`` calls ``avg_pool2d``, ``multi_head_attention_forward`` calls ``linear``)."""

from __future__ import annotations

import sys

_INSTALLED: dict = {}
_PACKAGE: list = [None]


def snapshot() -> None:
    """Records the faces as installed (called once, at the end of the package's import)."""
    _PACKAGE[0] = package = sys.modules[__name__.rpartition(".")[0]]
    _INSTALLED.update((name, value) for name, value in vars(package).items()
                      if not name.startswith("_"))


def replaced(name: str):
    """``F.<name>`` when a program has assigned another function there, else None."""
    f = getattr(_PACKAGE[0], name)
    return None if f is _INSTALLED.get(name) else f


def face(name: str):
    """``F.<name>`` as it is now (gradkit's or a program's): for a function PyTorch writes in
    Python over others, which it looks up at call time."""
    return getattr(_PACKAGE[0], name)
