"""Autocast's state and its two casting policies, read by the ops PyTorch's CPU autocast lists.

``CPU[0]`` is True inside an enabled ``autocast("cpu")`` region and ``CPU[1]`` holds its lower
precision dtype (bfloat16 unless given). An op on PyTorch's CPU lower-precision list (linear,
matmul, mm, bmm, addmm, addbmm, baddbmm, conv1d/2d/3d, conv_transpose1d/2d/3d, prelu,
scaled_dot_product_attention, linalg.vecdot; einsum when it contracts operands, as PyTorch's
einsum does with bmm) starts with ``if CPU[0]: args = lower(*args)``: floating CPU tensors
other than float64 become the lower dtype (a recorded, differentiable cast, so gradients reach
float32 parameters as float32), and the op computes in float32 and rounds its output, as
PyTorch's kernels do. An op on the float32 list (the losses, ``cdist``, ``prod``) casts such
tensors to float32 with :func:`fp32`; ``cdist``, which computes with matmul, runs whole in
float32 with autocast off inside (:func:`run_fp32`), as PyTorch's kernel runs below autocast.
``mv`` and ``inner`` of two vectors, on neither list but built here from matmul, run with
autocast off (:func:`run_unlisted`). Every other op runs on the dtypes it is given, promoting
as usual (bfloat16 with float32 gives float32).
"""

from __future__ import annotations

__all__ = ["CPU", "lower", "fp32", "run_fp32", "run_unlisted"]

CPU = [False, None]


def _eligible(t) -> bool:
    data = getattr(t, "_data", None)
    if data is None or type(data).__module__ != "numpy":  # a CPU tensor only
        return False
    d = t.dtype
    return d.is_floating_point and d.itemsize < 8


def lower(*tensors):
    """``tensors`` with each eligible one (floating, not float64, on the CPU) cast to the
    region's lower-precision dtype; others (None, numbers, integers) pass unchanged."""
    dt = CPU[1]
    return tuple(t.to(dt) if _eligible(t) and t.dtype != dt else t for t in tensors)


def fp32(*tensors):
    """``tensors`` with each eligible lower-precision one cast to float32."""
    from .._dtype import float32

    return tuple(t.to(float32) if _eligible(t) and t.dtype != float32 else t for t in tensors)


def run_fp32(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in float32 with autocast off inside (an op on the float32 list
    that is built from ops on the lower-precision list)."""
    return run_unlisted(fn, *fp32(*args), **kwargs)


def run_unlisted(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on the dtypes given, with autocast off inside: an op on neither
    of PyTorch's CPU lists (``mv``, ``inner`` of two vectors, which PyTorch computes with its
    own kernels) that gradkit builds from an op on the lower-precision list."""
    before = CPU[0]
    CPU[0] = False
    try:
        return fn(*args, **kwargs)
    finally:
        CPU[0] = before
