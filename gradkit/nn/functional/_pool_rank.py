"""The exception type PyTorch raises for a pooling input of too few dimensions, which depends on
where its code meets the missing dimension (kept apart from pooling.py, at its length limit)."""

from __future__ import annotations

__all__ = []


def rank_error(x, output_size, n, kind):
    """The type for an input ``x`` of fewer than ``n + 1`` dims: ``kind`` ``"adaptive_avg"`` /
    ``"adaptive_max"`` (a tuple ``output_size`` of the 2-D/3-D functions meets Python's
    ``_list_with_default``: its ValueError is raised here, for an input of any rank up to the
    size's length; an all-ones size of the average ones a mean over the
    last ``n`` dims: IndexError), ``"index"`` (a kernel that reads ``size(-3)``: IndexError)
    or another (RuntimeError)."""
    ndim = getattr(x, "ndim", n + 1)
    seq = isinstance(output_size, (tuple, list))
    if kind.startswith("adaptive") and n > 1 and seq and ndim <= len(output_size):
        # (whatever the rank: _list_with_default fills the sizes from the input's last ones)
        raise ValueError(f"{kind}_pool{n}d(): Input dimension should be at least "
                         f"{len(output_size) + 1} for output_size {output_size!r}, got an input "
                         f"of shape {tuple(getattr(x, 'shape', ()))}")
    if ndim >= n + 1:
        return RuntimeError
    if kind == "index":
        return IndexError
    if kind.startswith("adaptive") and n > 1:
        ones = all(v == 1 for v in (output_size if seq else (output_size,)))
        # (a size of another length than n: the kernel's RuntimeError first)
        if kind == "adaptive_avg" and ones and ndim < n and (not seq or len(output_size) == n):
            return IndexError
    return RuntimeError


def lp_kernel_check(kernel_size, n, who, norm_type=1.0):
    """lp_pool2d/lp_pool3d's kernel of another length than ``n``: PyTorch's Python code
    unpacks it into ``n`` sizes (ValueError); a norm_type of 0: its ``1.0 / norm_type``
    (ZeroDivisionError)."""
    if norm_type == 0:
        raise ZeroDivisionError(f"{who}: norm_type must not be 0 (the result is raised to the "
                                f"power 1 / norm_type): float division by zero")
    if n > 1 and isinstance(kernel_size, (tuple, list)) and len(kernel_size) != n:
        raise ValueError(f"{who}: kernel_size must be an int or a tuple of {n} ints, got "
                         f"{kernel_size!r} ({len(kernel_size)} values, expected {n})")


def unpool_stride_check(n, stride, who):
    """max_unpool3d's kernel (not max_unpool1d/2d's) refuses a stride <= 0, after the rank and
    the indices."""
    if n == 3 and any(v <= 0 for v in stride):
        raise RuntimeError(f"{who}: strides should be greater than zero, but got stride: "
                           f"{list(stride)}")
