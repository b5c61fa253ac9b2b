"""gradkit's primitives (one module per kind). Under ``gradkit run`` this package is also
``torch.ops``: an attribute that is no submodule here is an operator namespace
(``torch.ops.aten``, see :mod:`gradkit._ops`); ``load_library`` refuses compiled libraries."""

import os as _os


def __getattr__(name):
    if name == "load_library":
        from .._ops import load_library

        return load_library
    here = _os.path.dirname(__file__)
    if name.startswith("_") or _os.path.exists(_os.path.join(here, name + ".py")) \
            or _os.path.isdir(_os.path.join(here, name)):
        raise AttributeError(f"module 'gradkit.ops' has no attribute {name!r}")
    from .._ops import namespace

    return namespace(name)
