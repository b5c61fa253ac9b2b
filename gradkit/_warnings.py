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


def through_out_face() -> bool:
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
    if per_out and through_out_face():
        key += " (out=)" + (per_out if isinstance(per_out, str) else "")
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, category, stacklevel=_user_level())


# NumPy's floating-point warnings from inside gradkit's own modules ("divide by zero encountered
# in log" for log(0), "overflow encountered in cast", ...): PyTorch gives inf/nan silently, and so
# does gradkit. Only warnings attributed to gradkit's modules are matched; the user's NumPy code
# keeps NumPy's warnings.
_NUMPY_FP = dict(action="ignore",
                 message=r"(divide by zero|overflow|invalid value|underflow) encountered in ",
                 category=RuntimeWarning, module=r"gradkit(\.|$)")


def quiet_numpy_fp() -> None:
    """Ignore NumPy's floating-point warnings raised inside gradkit, also after the program
    changes the warning filters: a filter added later (``warnings.simplefilter("error")``, as
    ``pytest -W error`` or a test suite's ``filterwarnings = error`` does at each test, or
    ``"always"``) goes in front of this one and would turn ``log(0)`` into an exception. Every
    filter change through the ``warnings`` functions ends in its module's ``_filters_mutated``
    hook (``_filters_mutated_lock_held`` from Python 3.13); wrapped here, it puts this filter
    back in front. Where neither hook exists, the filter is added once, as before."""
    warnings.filterwarnings(**_NUMPY_FP)
    module = sys.modules.get(getattr(warnings.filterwarnings, "__module__", ""), warnings)
    ours = module.filters[0]
    for name in ("_filters_mutated", "_filters_mutated_lock_held"):
        hook = getattr(module, name, None)
        if hook is not None and not getattr(hook, "_keeps_gradkit_filter", False):
            setattr(module, name, _keeping_in_front(module, hook, ours))


def _keeping_in_front(module, mutated, ours):
    def filters_mutated():
        mutated()
        filters = module.filters
        if filters and filters[0] == ours:
            return
        try:
            filters.remove(ours)
        except ValueError:
            pass
        filters.insert(0, ours)
        mutated()

    filters_mutated._keeps_gradkit_filter = True
    return filters_mutated
