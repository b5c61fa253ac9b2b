"""Where gradkit's public classes say they live: ``<class 'gradkit.Tensor'>``, not the private file
that defines them (``gradkit._tensor.tensor``), as PyTorch shows ``torch.Tensor``.

:func:`publish` gives each public class of a namespace whose defining module is private the
namespace's name as its ``__module__``; pickle finds a class by ``module.qualname``, and the
namespace holds the class under that name, so pickling still works (and files that name the old
private path still load: that module still defines the class). :func:`is_own` tells whether a
class name belongs to gradkit, whichever name it shows (``gradkit run`` shows PyTorch's:
:mod:`gradkit.compat.typenames`).
"""

from __future__ import annotations

__all__ = ["publish", "is_private", "is_own", "home_module", "gradkit_module"]


_COMPAT = "gradkit.compat."  # PyTorch's names gradkit keeps apart (OutOfMemoryError): as private


def is_private(module: str) -> bool:
    """Whether a dotted module path has a private part (``gradkit._tensor.tensor``)."""
    return any(part.startswith("_") for part in module.split("."))


def publish(namespace: dict, module: str, names=None) -> None:
    """Set ``__module__ = module`` on each class in ``namespace`` (by ``names``, or its
    ``__all__``) that a private gradkit module defines. Cheap (one pass over the names)."""
    if names is None:
        names = namespace.get("__all__", ())
    for name in names:
        cls = namespace.get(name)
        if isinstance(cls, type) and cls.__qualname__ == name:
            home = cls.__dict__.get("__module__") or ""
            if home.startswith("gradkit") and (is_private(home) or home.startswith(_COMPAT)):
                cls.__module__ = module


def is_own(module: str | None) -> bool:
    """Whether a class's ``__module__`` names gradkit (``gradkit.*``; under ``gradkit run`` also
    the ``torch.*``/``torchvision.*`` names gradkit's classes show there)."""
    if not module:
        return False
    root = module.split(".", 1)[0]
    if root == "gradkit":
        return True
    if root in ("torch", "torchvision"):
        import sys

        names = sys.modules.get("gradkit.compat.typenames")
        return names is not None and names.active()
    return False


def home_module(cls) -> str | None:
    """The gradkit module of a class ``gradkit run`` shows under PyTorch's name
    (``torch.nn.modules.linear.Linear`` -> ``gradkit.nn.modules.linear``); None for any other.
    Checkpoints name this one, so they load with or without ``gradkit run``."""
    import sys

    names = sys.modules.get("gradkit.compat.typenames")
    return None if names is None else names.home_of(cls)


def gradkit_module(cls) -> str:
    """``cls.__module__`` as gradkit names it, whichever name ``gradkit run`` shows."""
    return home_module(cls) or cls.__module__ or ""
