"""``diff``'s argument checks in PyTorch's order, and its ``out=`` form's own refusal (apart
from reduction.py, which stays under the length limit)."""

from __future__ import annotations

import builtins

from ._args import _dim_in, _int_arg, _t, _tensors_only

__all__ = ["_diff_out_before", "_diff_parts"]


def _diff_parts(input, n, dim, prepend, append):
    """diff's checks, in PyTorch's order: ``(x, n, d, parts)``, the input, the order, the dim
    (None where ``n`` is 0 without prepend/append: the input as it is, the dim unchecked) and
    the tensors to concatenate along it."""
    _tensors_only("diff", (1, "input", input), (4, "prepend", prepend), (5, "append", append),
                  optional=("prepend", "append"))
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("diff(): expected a tensor with at least one dimension, got a 0-d "
                         "tensor")
    n = _int_arg(n, "diff", "n")
    if n < 0:
        raise RuntimeError(f"diff(): order n must be non-negative, got {n}")
    if n == 0 and prepend is None and append is None:  # the input as it is, unchecked dim
        return x, n, None, [x]
    d = _dim_in(dim, x.ndim, "diff")
    parts = []
    for name, extra in (("prepend", prepend), (None, x), ("append", append)):
        if extra is None:
            continue
        if name is not None:
            extra = _t(extra, name)
            if extra.ndim != x.ndim:  # (a 0-d one too, as PyTorch)
                raise RuntimeError(f"diff expects prepend or append to be the same dimension as "
                                   f"input: {name} has shape {tuple(extra.shape)}, input "
                                   f"{tuple(x.shape)}")
            for k in range(x.ndim):
                if k != d and extra.shape[k] != x.shape[k]:
                    raise RuntimeError(
                        f"diff expects the shape of tensor to prepend or append to match that "
                        f"of input except along the differencing dimension {d}; input.size({k}) "
                        f"= {x.shape[k]}, but got {name}.size({k}) = {extra.shape[k]}")
        parts.append(extra)
    return x, n, d, parts


def _diff_out_before(out, args):
    """diff(out=): PyTorch's out= kernel narrows the (concatenated) input from position 1
    before it looks at the length, so an empty differencing dimension is its IndexError (the
    function without out= returns the empty result)."""
    x, n, d, parts = _diff_parts(args.get("input"), args.get("n", 1), args.get("dim", -1),
                                 args.get("prepend"), args.get("append"))
    if n and builtins.sum(p.shape[d] for p in parts) == 0:
        raise IndexError("diff(out=): start out of range (expected to be in range of [0, 0], "
                         "but got 1): the differencing dimension is empty; call diff without "
                         "out= for the empty result")
