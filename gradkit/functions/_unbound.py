"""Function faces that a class attribute leaves unbound, as PyTorch's built-in functions."""

from __future__ import annotations

__all__ = ["UnboundFace"]


def _public_face(name, module="gradkit"):
    """``gradkit.<name>`` (or ``gradkit.special.<name>``): how a pickled face is found again."""
    import importlib

    return getattr(importlib.import_module(module), name)


class UnboundFace(staticmethod):
    """A function face that stays a plain function where a class stores it, as PyTorch's
    built-in ``torch.*`` functions do: kornia's ``conv = torch.conv2d`` in a class body, called
    as ``self.conv(x, w)``, passes no ``self``. Calls run at C speed (``staticmethod``'s own
    ``__call__``); other attributes (``__code__``, ``__defaults__``, ...) are the function's."""

    def __getattr__(self, name):
        return getattr(self.__func__, name)

    def __reduce__(self):  # pickled by its public name, as PyTorch's functions are
        special = self.__module__ == "gradkit.special"
        return _public_face, (self.__name__, "gradkit.special" if special else "gradkit")

    def __repr__(self):
        return repr(self.__func__)
