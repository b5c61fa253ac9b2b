"""How var/std/var_mean/std_mean read their first slot: ``dim``, or by position alone the
legacy ``unbiased`` (PyTorch's overloads)."""

from __future__ import annotations

_NO_DIM = object()


def _dim_or_unbiased(name, positional, dim, unbiased, keepdim, correction):
    """``(dim, unbiased)`` of a call of var/std/var_mean/std_mean, as PyTorch's overloads read
    it: a bool given alone by position is the legacy ``unbiased`` (``x.var(False)``); ``dim``
    given by name (the keyword-only slot) is a dim, never a bool (``x.var(dim=True)``:
    TypeError). ``unbiased`` by name goes with neither ``correction`` nor, unless a ``dim`` is
    given, ``keepdim`` (no overload takes them together: PyTorch's TypeError)."""
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments: unbiased "
                            f"and correction together; pass one of them (unbiased=True is "
                            f"correction=1, unbiased=False is correction=0)")
        if keepdim is not False and positional is _NO_DIM and dim is _NO_DIM:
            raise TypeError(f"{name}() received an invalid combination of arguments: unbiased "
                            f"and keepdim without dim; pass dim=None (all dims) with them, or "
                            f"correction={1 if unbiased else 0} in place of unbiased")
    if positional is not _NO_DIM:
        if dim is not _NO_DIM:
            raise TypeError(f"{name}() got multiple values for argument 'dim'")
        if positional.__class__ is bool:
            if unbiased is not None or keepdim is not False or correction is not None:
                raise TypeError(f"{name}() received an invalid combination of arguments: a bool "
                                f"first argument is the legacy unbiased={positional}, taken "
                                f"alone; pass dim=None, unbiased={positional} with the others")
            return None, positional
        return positional, unbiased
    if dim is _NO_DIM:
        return None, unbiased
    if dim.__class__ is bool or isinstance(dim, (tuple, list)) and \
            any(d.__class__ is bool for d in dim):
        raise TypeError(f"{name}(): argument 'dim' must be an int or a tuple of ints, not "
                        f"bool; the unbiased flag goes by its own name (unbiased=True)")
    return dim, unbiased
