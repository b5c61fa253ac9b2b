"""The user's additions to the ``weights_only`` allow-list: PyTorch's
``torch.serialization.add_safe_globals`` / ``safe_globals`` / ``get_safe_globals`` /
``clear_safe_globals``. A class or function listed here may be named by a checkpoint read with
``weights_only=True`` (classes rebuilt through ``__new__`` and ``__setstate__``/``__dict__``, as
PyTorch's restricted unpickler does); nothing else outside the built-in list is."""

from __future__ import annotations

import contextlib

__all__ = ["add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals",
           "lookup"]

_SAFE: list = []


def _name_of(entry) -> tuple[str, object]:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError("add_safe_globals: a tuple entry must be (callable, "
                            "'module.name'), got " + repr(entry)[:80])
        return entry[1], entry[0]
    if not callable(entry):
        raise TypeError(f"add_safe_globals: expected classes or functions, got "
                        f"{type(entry).__name__}")
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "module.name")`` pairs) in weights-only loads."""
    for entry in safe_globals:
        _name_of(entry)  # checked now, not at load time
    _SAFE.extend(safe_globals)


def get_safe_globals() -> list:
    return list(_SAFE)


def clear_safe_globals() -> None:
    _SAFE.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """Allow these globals within the block only."""
    before = list(_SAFE)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _SAFE[:] = before


def lookup(full_name: str):
    """The object the user allowed under ``module.name`` (None if not allowed)."""
    from ._typenames import home_module

    for entry in _SAFE:
        name, obj = _name_of(entry)
        # a gradkit class gradkit run shows by PyTorch's name is in a file by its gradkit name
        home = home_module(obj) if not isinstance(entry, tuple) else None
        if name == full_name or (home is not None and f"{home}.{obj.__qualname__}" == full_name):
            return obj
    return None
