"""The output sizes of ``interpolate``/``upsample`` (``_sizes``), with PyTorch's checks in its
order, apart from resample.py (which stays under the length limit)."""

from __future__ import annotations

import math

__all__ = ["check_size_arity"]


def check_size_arity(x, size, scale_factor, recompute_scale_factor, who):
    """PyTorch's first checks of ``interpolate`` (before its mode and rank checks): exactly one
    of ``size`` and ``scale_factor``, no ``recompute_scale_factor`` with a size, and a sequence
    of one entry per spatial dim (``x.ndim - 2``; a 0-d or 1-d input has none to match)."""
    spatial, dim = list(x.shape[2:]), x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{who}: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{who}: recompute_scale_factor is not meaningful with an explicit "
                             f"size.")
        if isinstance(size, (list, tuple)) and len(size) != dim:
            raise ValueError(
                f"{who}: Input and output must have the same number of spatial dimensions, "
                f"but got input with spatial dimensions of {spatial} and output size of "
                f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                f"output size in (o1, o2, ...,oK) format.")
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)) and len(scale_factor) != dim:
            raise ValueError(
                f"{who}: Input and scale_factor must have the same number of spatial "
                f"dimensions, but got input with spatial dimensions of {spatial} and "
                f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                f"(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
    else:
        raise ValueError(f"{who}: either size or scale_factor should be defined")


def _sizes(x, size, scale_factor, recompute_scale_factor, dim, who, area=False):
    """``(output_size, scale_factors or None)`` as ``torch.nn.functional.interpolate`` computes
    them, with PyTorch's checks in its order: an output size past int64 (an inf/NaN/huge
    scale: OverflowError where ``area`` computes it in Python, else RuntimeError), an empty
    non-batch dim (the kernels, not ``area``'s pooling), then the sizes."""
    spatial = list(x.shape[2:])
    check_size_arity(x, size, scale_factor, recompute_scale_factor, who)
    if size is not None:
        if isinstance(size, (list, tuple)):
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        raw = [float(n) * s for n, s in zip(spatial, scales)]
        if not all(abs(r) < 2.0 ** 63 for r in raw):  # (also inf and NaN)
            # (Python's math.floor there: ValueError for NaN, OverflowError for inf; a finite
            # huge size then fails to unpack as an int64 size: TypeError)
            err = (RuntimeError if not (area or recompute_scale_factor)
                   else ValueError if any(r != r for r in raw)
                   else OverflowError if any(math.isinf(r) for r in raw) else TypeError)
            raise err(f"{who}: the output size of input {tuple(x.shape)} by scale_factor "
                      f"{scale_factor} cannot be converted to an int64 (it is {raw}); pass a "
                      f"finite scale_factor or a size")
        out = [math.floor(r) for r in raw]
        if recompute_scale_factor:
            scales = None
    else:
        raise ValueError(f"{who}: either size or scale_factor should be defined")
    if not area and 0 in tuple(x.shape[1:]):
        raise RuntimeError(f"{who}: Non-empty {x.ndim}D data tensor expected but got a tensor "
                           f"with sizes {list(x.shape)} (only the batch dim may be 0)")
    # (area: PyTorch's adaptive average pooling checks the sizes, and takes an empty output)
    if not area and (any(o <= 0 for o in out) or any(n <= 0 for n in spatial)):
        raise RuntimeError(f"{who}: input and output sizes should be greater than 0, but got "
                         f"input of shape {tuple(x.shape)} and output size {tuple(out)}")
    return out, scales
