"""Fractional max pooling (Graham, 2014): ``fractional_max_pool2d``/``3d`` and their
``*_with_indices`` forms, windows from PyTorch's interval rule (split from ``pooling.py``)."""

from __future__ import annotations

import math

import numpy as np

from ..._backend import namespace_of
from ..._tensor import Tensor, as_tensor_arg, wrap
from .pooling import _IntOr, _tuple, _window_argmax

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]


def _fractional_intervals(sample, n_in, n_out, pool, dtype):
    """Window starts of fractional max pooling (PyTorch's ``generate_intervals``): ``(P, n_out)``
    for ``P`` planes' samples."""
    seq = np.empty(sample.shape + (n_out,), dtype=np.int64)
    if n_out > 1:
        ft = np.dtype(dtype).type
        alpha = ft(n_in - pool) / ft(n_out - 1)
        i = np.arange(n_out - 1, dtype=dtype)
        sample = sample.astype(dtype)[..., None]
        seq[..., :-1] = (((i + sample) * alpha).astype(np.int64)
                         - (sample * alpha).astype(np.int64))
    seq[..., -1] = n_in - pool
    return seq


def fractional_max_pool2d(input: Tensor, kernel_size: _IntOr, output_size=None,
                          output_ratio=None, return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """Fractional max pooling (Graham, 2014): max over ``kernel_size`` windows whose starts
    advance by a pseudo-random mix of two step lengths, giving any ``output_size`` (or
    ``floor(input_size * output_ratio)``).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size.
        output_size: the output ``(H_out, W_out)``.
        output_ratio: or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: also return each maximum's flat index into its ``H * W`` plane.
        _random_samples: ``(N, C, 2)`` samples in ``[0, 1)`` (column samples, then row
            samples) fixing the windows; drawn from gradkit's generator when None.

    Shape:
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices,
                                _random_samples, 2, "fractional_max_pool2d()")


def _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices,
                         samples, dims, who):
    """Fractional max pooling over the last ``dims`` (2 or 3) axes of a batched or unbatched
    input: windows from PyTorch's interval rule, the first maximum of each (NaN wins)."""
    from ... import functions as _F
    from ...random import _gen
    from ...random import uniform as _uniform

    x = input if isinstance(input, Tensor) else as_tensor_arg(input, name="input")
    spatial = "H, W" if dims == 2 else "D, H, W"
    if output_size is None and output_ratio is not None and x.ndim < dims:
        # (PyTorch's Python face sizes the output from the ratio first: input.size(-dims))
        raise IndexError(f"{who}: Dimension out of range: output_ratio reads the last {dims} "
                         f"sizes ({spatial}) of the input, got a {x.ndim}-D input of shape "
                         f"{tuple(x.shape)}")
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{who} expects input of shape (N, C, {spatial}) or (C, {spatial}), "
                           f"got a {x.ndim}-D input of shape {tuple(x.shape)}")
    if any(d == 0 for d in x.shape[x.ndim - dims - 1:]):
        raise RuntimeError(f"{who}: Expected input to have non-zero size for non-batch "
                           f"dimensions, but got {list(x.shape)}")
    unbatched = x.ndim == dims + 1
    if unbatched:
        x = x.unsqueeze(0)
    for what, v in (("kernel_size", kernel_size), ("output_size", output_size)):
        if isinstance(v, (tuple, list)) and len(v) != dims:  # (PyTorch widens no 1-tuple)
            raise RuntimeError(f"{who} {what} must either be a single Int or tuple of "
                               f"{dims} Ints, got {v!r}")
    k = _tuple(kernel_size, dims, "kernel_size", who)
    if any(kk <= 0 for kk in k):
        # (PyTorch 2.13 takes it unchecked: empty windows, -inf, indices past the input)
        raise RuntimeError(f"{who}: kernel_size must be positive, got {k}")
    n, c = x.shape[:2]
    size = tuple(x.shape[2:])
    if output_size is None and output_ratio is None:
        raise ValueError(f"{who} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratio = (output_ratio,) * dims if isinstance(output_ratio, (int, float)) \
            else tuple(output_ratio)
        if len(ratio) != dims or not all(0 < r < 1 for r in ratio):
            raise ValueError(f"{who}: output_ratio must be in (0, 1) (one value or "
                             f"{'a pair' if dims == 2 else 'three'}), got {output_ratio!r}")
        output_size = tuple(int(v * r) for v, r in zip(size, ratio))
    out = _tuple(output_size, dims, "output_size", who)
    if any(o < 0 for o in out):
        raise RuntimeError(f"{who}: Trying to create tensor with negative dimension: {out}")
    # PyTorch's checks: output + kernel - 1 <= input in 2-D, < input in 3-D
    strict = dims == 3
    if any(o + kk - 1 > v - strict for o, kk, v in zip(out, k, size)):
        raise RuntimeError(f"{who}: pool size {k} too large relative to the input size "
                           f"{size} for output size {out}: need output + kernel - 1 "
                           f"{'<' if strict else '<='} input size per axis")
    dt = x._data.dtype
    if samples is not None:  # checked before an empty output (PyTorch's order)
        if isinstance(samples, Tensor) and samples._data.dtype != dt:
            raise RuntimeError(f"{who}: Expect _random_samples to have the same dtype as input "
                               f"({x.dtype}), got {samples.dtype}")
        smp = samples._data if isinstance(samples, Tensor) else np.asarray(samples)
        smp = smp if type(smp) is np.ndarray else smp.get()
        if smp.ndim != 3 or smp.shape[2] != dims or smp.shape[0] < n or smp.shape[1] < c:
            raise RuntimeError(f"{who}: _random_samples must have shape ({n}, {c}, {dims}), got "
                               f"{tuple(smp.shape)}")
        smp = smp[:n, :c]
    else:  # drawn for an empty output too (PyTorch's Python face draws them first)
        smp = _uniform(_gen(None), n * c * dims, dt).reshape(n, c, dims)
    if 0 in out or n == 0:  # an empty output (as PyTorch): no window to sample
        y = x.reshape(n, c, math.prod(size))[..., :math.prod(out)].reshape((n, c) + out)
        ind = wrap(namespace_of(x._data).zeros((n, c) + out, dtype=np.int64))
        if unbatched:
            y, ind = y.squeeze(0), ind.squeeze(0)
        return (y, ind) if return_indices else y
    # which sample drives which axis: (W, H) in 2-D, (D, H, W) in 3-D (as PyTorch)
    order = (1, 0) if dims == 2 else (0, 1, 2)
    flat = np.zeros((n, c) + (1,) * (2 * dims), dtype=np.int64)
    for a in range(dims):  # flat (row-major) positions of every window tap
        starts = _fractional_intervals(smp[..., order[a]], size[a], out[a], k[a], dt)
        taps = starts.reshape((n, c) + tuple(out[a] if i == a else 1 for i in range(dims))
                              + (1,) * dims) \
            + np.arange(k[a]).reshape((1, 1) + (1,) * dims
                                      + tuple(k[a] if i == a else 1 for i in range(dims)))
        flat = flat * size[a] + taps
    flat = flat.reshape((n, c) + out + (-1,))  # (N, C, *out, prod(k)): row-major window order
    planes = math.prod(size)
    vals = x._data.reshape(n, c, planes)
    vals = vals if type(vals) is np.ndarray else vals.get()
    cand = np.take_along_axis(vals, flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    first = _window_argmax(cand)
    idx = np.take_along_axis(flat, first[..., None], -1)[..., 0]  # (N, C, *out)
    dev = namespace_of(x._data)
    y = _F.gather(x.reshape(n, c, planes), 2, wrap(dev.asarray(idx.reshape(n, c, -1))))
    y = y.reshape((n, c) + out)
    ind = wrap(dev.asarray(idx))
    if unbatched:
        y, ind = y.squeeze(0), ind.squeeze(0)
    return (y, ind) if return_indices else y


def fractional_max_pool3d(input: Tensor, kernel_size: _IntOr, output_size=None,
                          output_ratio=None, return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """3-D fractional max pooling (see :func:`fractional_max_pool2d`); ``_random_samples`` is
    ``(N, C, 3)`` (depth, row, column samples, as PyTorch) and the indices are flat
    ``D * H * W`` positions.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices,
                                _random_samples, 3, "fractional_max_pool3d()")


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """:func:`fractional_max_pool2d` returning ``(output, indices)``."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """:func:`fractional_max_pool3d` returning ``(output, indices)``."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)
