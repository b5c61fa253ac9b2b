"""NumPy's argument names on functions written in Python (``torch.linalg.norm(a, axis=0,
keepdims=True)``).

PyTorch's argument parser takes NumPy's names for some parameters of every native function:
``axis`` for ``dim``, ``keepdims`` for ``keepdim`` and ``x``/``a``/``x1`` (and the Python name
``input``) for the tensor argument ``self``. POT's torch backend calls
``torch.linalg.norm(a, dim=axis, keepdims=keepdims)``. The generated faces of
``functions/_registry.py`` take these names already; :func:`numpy_names` gives them to a
function written by hand (the linalg norms, ``F.cosine_similarity``), leaving a call without
keywords as fast as before.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["numpy_names"]

# NumPy's name -> PyTorch's (python_arg_parser.cpp's numpy_compatibility_arg_names)
_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))
_SELF_NAMES = ("input", "x", "a", "x1")


def numpy_names(fn, name=None):
    """``fn`` taking NumPy's names for its ``dim``/``keepdim`` parameters and for its first
    (tensor) parameter, as PyTorch's native functions do."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    first = params[0].name if params else None
    label = name or fn.__name__
    renames = tuple((alias, real) for alias, real in _ALIASES
                    if real in sig.parameters and alias not in sig.parameters)
    selfs = tuple(n for n in _SELF_NAMES if n != first and n not in sig.parameters)

    @functools.wraps(fn)
    def face(*args, **kwargs):
        if kwargs:
            for alias, real in renames:
                if alias in kwargs:
                    if real in kwargs:
                        raise TypeError(f"{label}() got the argument '{real}' twice: as "
                                        f"'{real}' and by its NumPy name '{alias}'; pass one")
                    kwargs[real] = kwargs.pop(alias)
            if not args and first not in kwargs:
                given = [n for n in selfs if n in kwargs]
                if len(given) == 1:
                    args = (kwargs.pop(given[0]),)
        return fn(*args, **kwargs)

    extra = [inspect.Parameter(alias, inspect.Parameter.KEYWORD_ONLY, default=None)
             for alias, _ in renames]
    at = len(params) - (params[-1].kind is inspect.Parameter.VAR_KEYWORD if params else 0)
    face.__signature__ = sig.replace(parameters=params[:at] + extra + params[at:])
    return face
