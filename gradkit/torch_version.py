"""``torch.torch_version.TorchVersion``: a version string that compares as a version.

PyTorch's ``torch.__version__`` is a ``str`` that also compares with other version strings,
tuples and lists by release numbers (``torch.__version__ >= (2, 0)``, ``>= "1.13"``), which
programs use to pick a code path. gradkit's ``__version__`` is one too.

Under ``gradkit run`` the program's ``torch.__version__`` (and ``torch.version.__version__``)
read ``API_VERSION`` with gradkit's own version as the local label (``2.13.0+gradkit.0.1.0``):
the PyTorch release whose API and numbers gradkit follows, so a program that branches on the
version takes the path written for the API it gets (a program that read ``0.1.0`` took its
paths for PyTorch before 1.0).
"""

from __future__ import annotations

import re

__all__ = ["TorchVersion", "API_VERSION"]

API_VERSION = "2.13.0"  # the PyTorch release gradkit's API, semantics and tests follow

_RELEASE = re.compile(r"\s*v?(\d+(?:\.\d+)*)")


def _release(v, strict: bool) -> tuple | None:
    """The release numbers of ``v`` (a version string, a tuple/list of ints, an int), trailing
    zeros dropped (``2.0 == 2``); None for what is not a version (``strict``: raise)."""
    if isinstance(v, (tuple, list)):
        parts = v
    elif isinstance(v, str) or hasattr(v, "release"):  # a string or packaging's Version
        rel = getattr(v, "release", None)
        if rel is not None and not isinstance(v, str):
            parts = rel
        else:
            m = _RELEASE.match(str(v))
            if m is None:
                if strict:
                    raise ValueError(f"TorchVersion: {v!r} is not a version (give digits such "
                                     f"as '2.1' or a tuple such as (2, 1))")
                return None
            parts = m.group(1).split(".")
    else:
        return None
    try:
        nums = [int(p) for p in parts]
    except (TypeError, ValueError):
        if strict:
            raise ValueError(f"TorchVersion: {v!r} is not a version (its parts must be whole "
                             f"numbers)") from None
        return None
    while len(nums) > 1 and nums[-1] == 0:
        nums.pop()
    return tuple(nums)


def _key(v, strict: bool):
    """``(release, local label)``: as PEP 440 orders them, a local label (``+cpu``) sorts after
    the same release without one, and equality needs both."""
    rel = _release(v, strict)
    if rel is None:
        return None
    local = str(v).partition("+")[2] if isinstance(v, str) else ""
    return rel, (1, local) if local else (0, "")


class TorchVersion(str):
    """A ``str`` that compares with version strings, tuples and lists as PyTorch's does
    (``TorchVersion('2.13.0+gradkit') >= (2, 1)``; a local label sorts after its release)."""

    def _cmp(self, other, op):
        a = _key(str(self), False)
        b = _key(other, isinstance(other, (tuple, list)))
        if a is None or b is None:  # not a version on one side: as strings (PyTorch's too)
            return op(str(self), other) if isinstance(other, str) else NotImplemented
        return op(a, b)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __eq__(self, other):  # (``!=`` stays str's, as PyTorch's)
        if isinstance(other, str) and str.__eq__(self, other):
            return True
        r = self._cmp(other, lambda a, b: a == b)
        return False if r is NotImplemented else r

    __hash__ = str.__hash__
