"""Warnings as PyTorch gives them: its category and text, pointed at the user's line (the first
caller outside gradkit, where PyTorch's C++ warnings and most of its Python ones point), and
``warn_once`` for the ones PyTorch gives once per process (``TORCH_WARN_ONCE``), whatever the
warning filters say."""

from __future__ import annotations

import os
import sys
import warnings

# gradkit's files, and the code it generates (function faces: "<gradkit face add>")
_OURS = (os.path.dirname(os.path.abspath(__file__)) + os.sep, "<gradkit")
_WARNED: set = set()


def _user_level() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` called by this function's caller that names
    the first frame outside gradkit (and outside code it generated)."""
    f, level = sys._getframe(2), 2
    while f is not None and f.f_code.co_filename.startswith(_OURS):
        f, level = f.f_back, level + 1
    return level


def warn(message: str, category=UserWarning) -> None:
    """``warnings.warn`` at the user's line."""
    warnings.warn(message, category, stacklevel=_user_level())


def _through_out_face() -> bool:
    """Whether the op calling ``warn_once`` was called through its ``out=`` face (a generated
    face, "<gradkit face NAME>", with an ``out`` given)."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_OURS):
        if f.f_code.co_filename.startswith("<gradkit") and f.f_locals.get("out") is not None:
            return True
        f = f.f_back
    return False


def warn_once(key: str, message: str, category=UserWarning, per_out=False) -> None:
    """``warn`` the first time ``key`` is met in this process, never again (``TORCH_WARN_ONCE``).
    ``per_out``: the op's ``out=`` face warns once on its own (PyTorch's ``NAME_out`` kernel
    is another function, with its own ``TORCH_WARN_ONCE``); a string names which of several
    ``out=`` overloads."""
    if per_out and _through_out_face():
        key += " (out=)" + (per_out if isinstance(per_out, str) else "")
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, category, stacklevel=_user_level())
