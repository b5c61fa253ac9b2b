"""PyTorch's ``grad_fn`` name for the result of a functional that gradkit composes of other ops.

``F.interpolate`` is a resampling per axis, ``F.prelu`` a ``where``, ``F.pad`` a resampling; the
node just recorded would show as the last step (``UpsampleAxisBackward0``), where PyTorch's one
kernel shows ``UpsampleNearest2DBackward0``. :func:`named` wraps such a functional so that its
result's node reads as PyTorch's (the graph and its rules are unchanged), as
``gradkit.functions._grad_names`` does for the registry's ops. A rule receives the call's
arguments by name (defaults applied) and returns the name, or None to leave it.
"""

from __future__ import annotations

import functools
import inspect
import numbers

from ...autograd.graph import present
from ...functions._grad_names import _named, _plain

__all__ = ["add_number", "named"]


def add_number(t, number):
    """``t + number`` as PyTorch's C++ composites add a Scalar (``at::add(t, margin)``): one
    ``AddBackward1`` node over ``t``, where Python's ``t + number`` wraps the number in a
    tensor (``AddBackward0`` with a None entry)."""
    out = t + number
    return out if hasattr(number, "_data") else present(out, "AddBackward1", (t,))


def named(rule):
    """Decorator: the result's node is named ``rule`` (a string) or ``rule(arguments)``."""

    def wrap(f):
        sig = inspect.signature(f)

        @functools.wraps(f)
        def face(*args, **kwargs):
            res = f(*args, **kwargs)
            if _plain(res):
                return res
            if isinstance(rule, str):
                name = rule
            else:
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                name = rule(bound.arguments)
            return _named(res, args[0] if args else None, name)

        return face

    return wrap


_UPSAMPLE = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
             "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear"}


def interpolate_name(a):
    kind = _UPSAMPLE.get(a["mode"])
    if kind is None:  # 'area' is an adaptive average pool, named there
        return None
    aa = "Aa" if a.get("antialias") else ""
    return f"Upsample{kind}{a['input'].ndim - 2}D{aa}Backward0"


def pad_name(a):
    mode, k = a["mode"], len(a["pad"]) // 2
    if mode == "constant":
        return "ConstantPadNdBackward0"
    if mode in ("reflect", "replicate"):
        return f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{k}DBackward0"
    return None  # circular: PyTorch's is a composite of slice copies


def adaptive_avg_name(n):
    """``n`` pooled dims (0: the call's ``n`` argument)."""

    def rule(a):
        k = n or a["n"]
        if k == 1:  # PyTorch pools a 1-D input as 2-D and squeezes
            return "SqueezeBackward1"
        size = a["output_size"]
        sizes = (size,) * k if isinstance(size, numbers.Integral) else tuple(size)
        shape = tuple(a["input"].shape[-k:])
        sizes = tuple(s if s is not None else d for s, d in zip(sizes, shape))
        # PyTorch takes a mean for an output of one element per plane
        return "MeanBackward1" if all(s == 1 for s in sizes) else f"AdaptiveAvgPool{k}DBackward0"

    return rule


def grid_name(a):
    return f"GridSampler{a['input'].ndim - 2}DBackward0"
