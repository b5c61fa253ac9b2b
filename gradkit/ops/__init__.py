"""gradkit's primitives (one module per kind). Under ``gradkit run`` this package is also
``torch.ops``: an attribute that is no submodule here is an operator namespace
(``torch.ops.aten``, see :mod:`gradkit._ops`)."""

import os as _os


def __getattr__(name):
    here = _os.path.dirname(__file__)
    if name.startswith("_") or _os.path.exists(_os.path.join(here, name + ".py")) \
            or _os.path.isdir(_os.path.join(here, name)):
        raise AttributeError(f"module 'gradkit.ops' has no attribute {name!r}")
    from .._ops import namespace

    return namespace(name)
