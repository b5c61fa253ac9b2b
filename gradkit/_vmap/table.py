"""The table of batching rules (op name -> rule) and the helpers rules share."""

from __future__ import annotations

from .batched import VmapFallback, max_level

__all__ = ["RULES", "_call", "_is_tensor", "_norm_dim", "_padded", "_rank", "_reg"]

RULES: dict = {}


def _call(func, *args, **kwargs):
    """``func`` on physical values: dispatched again where one is batched at an outer level
    (``func`` may be a Tensor method's plain implementation)."""
    if max_level(args, kwargs):
        from .rules import run_op

        return run_op(func, args, kwargs)
    return func(*args, **kwargs)


def _rank(x):
    return x.ndim if hasattr(x, "ndim") and not isinstance(x, (int, float, bool, complex)) \
        else 0


def _is_tensor(x):
    from .._tensor.tensor import Tensor

    return isinstance(x, Tensor)


def _padded(v, n, rank):
    """Physical value ``v`` (batch, then ``n`` logical dims) with leading logical ones up to
    ``rank`` logical dims, so it broadcasts against unbatched operands."""
    if n >= rank:
        return v
    shape = tuple(v.shape)
    return v.reshape(shape[:1] + (1,) * (rank - n) + shape[1:])


def _norm_dim(d, n, what="dim"):
    m = max(n, 1)
    if isinstance(d, bool) or not isinstance(d, int):
        raise VmapFallback("a dim that is not an int")
    if not -m <= d < m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], "
                         f"but got {d})")
    return d % m


def _reg(names, rule):
    for n in names:
        RULES[n] = rule
