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


def warn_once(key: str, message: str, category=UserWarning) -> None:
    """``warn`` the first time ``key`` is met in this process, never again (``TORCH_WARN_ONCE``)."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, category, stacklevel=_user_level())
