"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``,
``adaptive_max_pool1d/2d``, ``lp_pool1d/2d``, ``max_unpool1d/2d``, and the 3-D forms
``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d``, ``adaptive_max_pool3d``
(``torch.nn.functional``).

The 3-D forms pool each depth slice with the 2-D primitive, then pool across depth with the
per-axis gather of :mod:`gradkit.ops.resample` (box windows are separable).

The 1-D forms view their input as ``(N, C, 1, L)`` and run the 2-D primitives of
:mod:`gradkit.ops.pooling`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import _memory_format as MF
from ..._backend import namespace_of, to_host
from ..._tensor import Tensor, apply1, as_tensor_arg, wrap
from ..._tensor.tensor import _int_value
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.graph import present
from ...functions import where
from ...functions._args import _tensor_attr_arg
from ...ops import pooling as P
from . import _node_names as _NN
from ._faces import replaced
from ._pool_rank import lp_kernel_check, rank_error, unpool_stride_check

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool2d_with_indices",
           "max_pool3d", "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d"]

_IntOr = int | Sequence[int]


def _is_int(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _tuple(v, n, name, who, allow_none=False, repeat_one=True):
    """An int or a sequence of ``n`` ints (one is repeated), as PyTorch's binding: TypeError for
    another type (a float, a bool), RuntimeError for another length."""
    if v is None and allow_none:
        return (None,) * n
    if isinstance(v, Tensor) and _int_value(v, True) is not None:
        v = _int_value(v, True)  # (an integer tensor of one element, as PyTorch's int lists)
    if _is_int(v):
        return (int(v),) * n
    if isinstance(v, (tuple, list)) and any(isinstance(a, Tensor) for a in v):
        v = [_int_value(a, True) if isinstance(a, Tensor) and _int_value(a, True) is not None
             else a for a in v]
    if not isinstance(v, (tuple, list)) or not all(
            _is_int(a) or (a is None and allow_none) for a in v):
        raise TypeError(f"{who}: argument '{name}' must be an int or a tuple of {n} ints, got "
                        f"{type(v).__name__} {v!r}")
    t = tuple(None if a is None else int(a) for a in v)
    if len(t) == 1 and n > 1 and repeat_one:  # (an adaptive output_size is not repeated)
        t = t * n
    if len(t) != n:
        raise RuntimeError(f"{who}: {name} must either be a single int, or a tuple of {n} ints, "
                           f"got {v!r}")
    return t


def _input(input, who):
    """PyTorch's TypeError for a non-Tensor input (a list is not converted)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input


def _check_rank(x, n, who, nonempty, low=RuntimeError):
    """RuntimeError unless ``x`` has ``n + 1`` or ``n + 2`` dimensions and, after the optional
    batch axis, no empty one (``nonempty="all"``) or no empty spatial one (``"spatial"``)."""
    spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[n]
    if x.ndim not in (n + 1, n + 2):
        raise (low if x.ndim < n + 1 else RuntimeError)(  # (PyTorch's type: rank_error)
            f"{who}: Expected {n + 1}D or {n + 2}D (batch mode) input of shape "
                           f"(N, C, {spatial}) or (C, {spatial}), but got a {x.ndim}-D input of "
                           f"shape {tuple(x.shape)}")
    first = x.ndim - n if nonempty == "spatial" else x.ndim - n - 1
    if any(v == 0 for v in x.shape[first:]):
        raise RuntimeError(f"{who}: Expected input with non-zero size for non-batch dimensions "
                           f"(optional 0-size batch only), but got input of shape "
                           f"{tuple(x.shape)}")


def _as4d(input, n, who, nonempty="all", low=RuntimeError):
    """Check the type and rank, return ``(x as (N, C, H, W), undo)``."""
    x = _input(input, who)
    _check_rank(x, n, who, nonempty, low)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x.unsqueeze(0)
    if n == 1:
        x = x.unsqueeze(2)

    def undo(y):
        if n == 1:
            y = y.squeeze(2)
        return y.squeeze(0) if unbatched else y

    return x, undo


def _window_checks(k, s, p, d, who):
    """PyTorch's checks of a window (RuntimeError): positive kernel, stride and dilation, a
    padding of at most half the kernel (not the dilated one, as PyTorch's max pooling)."""
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{who}: kernel_size must be greater than zero, but got "
                           f"kernel_size={k}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{who}: stride should be greater than zero, but got stride={s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{who}: dilation should be greater than zero, but got dilation={d}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{who}: pad must be non-negative, but got padding={p}")
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise RuntimeError(f"{who}: pad should be at most half of kernel size, but got "
                               f"padding={p}, kernel_size={k} and dilation={d}")


def _window_args(x, kernel_size, stride, padding, dilation, ceil_mode, n, who):
    k = _tuple(kernel_size, n, "kernel_size", who)
    s = k if stride is None or (not _is_int(stride) and len(stride) == 0) else \
        _tuple(stride, n, "stride", who)
    p = _tuple(padding, n, "padding", who)
    d = _tuple(dilation, n, "dilation", who)
    _window_checks(k, s, p, d, who)
    if n == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    in_hw = tuple(x.shape[2:])
    out = tuple(P.pool_out_size(i, kk, ss, pp, dd, ceil_mode)
                for i, kk, ss, pp, dd in zip(in_hw, k, s, p, d))
    if any(o <= 0 for o in out):
        shown = in_hw[1:] if n == 1 else in_hw
        raise RuntimeError(f"{who}: Given input size {shown}, the kernel {k[-n:]} (dilation "
                           f"{d[-n:]}, padding {p[-n:]}) gives output size {out[-n:]}: Output "
                           f"size is too small")
    return k, s, p, d, out


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n, who):
    x, undo = _as4d(input, n, who)
    k, s, p, d, out = _window_args(x, kernel_size, stride, padding, dilation, ceil_mode, n, who)
    if n == 1 and not return_indices:
        _not_for_dtype(x, "max_pool1d_impl", "biu")
    _not_for_dtype(x, "max_pool3d" if who.startswith("max_pool3d") else "max_pool2d")
    box = [] if return_indices else None
    y = apply1(P.MAX_POOL, x, (k, s, p, d, out, box))
    if return_indices:
        # for 1-D the (1, L) plane index is the index along L
        return undo(y), undo(wrap(box[0]))
    y = undo(y)
    if n == 1 and not y.is_contiguous() and (
            y.ndim == 2 or not (x.requires_grad and is_grad_enabled())):
        # PyTorch's own 1-D kernel writes a row-major output whatever the input's layout; the
        # 2-D kernel gradkit runs keeps a transposed input's, as PyTorch's does where it runs
        # it instead (indices asked for, or a batched input that records a gradient)
        y = y.contiguous()
    return y


def max_pool2d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, dilation: _IntOr = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling: the largest value of each (dilated) window.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides, at most half the kernel.
        dilation: spacing between window elements.
        ceil_mode: round the output size up, so a last partial window counts (one that starts
            inside the input or its left padding).
        return_indices: also return, for each output, the flat index of the chosen element in
            its ``H * W`` input plane (what ``max_unpool2d`` takes).

    Returns:
        The pooled tensor, or ``(output, indices)`` when ``return_indices``.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` with
          :math:`H_{out} = \\lfloor (H + 2p - d (k - 1) - 1) / s \\rfloor + 1` (ceil in ceil mode)

    Examples:
        >>> max_pool2d(gradkit.randn(1, 1, 4, 4), 2).shape
        gradkit.Size([1, 1, 2, 2])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d()")


def max_pool1d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, dilation: _IntOr = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling (see :func:`max_pool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d()")


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, n, who, kernel3d=False):
    x, undo = _as4d(input, n, who, low=rank_error(input, None, n, "index" if n == 2 else ""))
    k, s, p, _d, out = _window_args(x, kernel_size, stride, padding, 1, ceil_mode, n, who)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{who}: divisor must be not zero, got divisor_override=0")
    if x.dtype.kind in "biu" and x.dtype.type is not np.int64:  # int64 is the one integer kernel
        _not_for_dtype(x, "avg_pool3d_out_frame" if kernel3d else "avg_pool2d", "biu")
    if kernel3d and x.dtype.kind == "f" and x.dtype.itemsize == 2:  # (also under lp_pool3d)
        label = "Half" if x.dtype.type is np.float16 else "BFloat16"
        raise NotImplementedError(f"{who}: \"avg_pool3d_out_frame\" not implemented for "
                                  f"'{label}'; convert the input with .float() first")
    in_hw = tuple(x.shape[2:])
    div = P.avg_divisor(in_hw, k, s, p, out, count_include_pad, divisor_override)
    y = apply1(P.AVG_POOL, x, (k, s, p, out, div, in_hw, MF.suggest(x._data)))
    return undo(y)


def avg_pool2d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling: the mean of each window.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count padded zeros in the divisor.
        divisor_override: divide every window sum by this instead.

    Returns:
        The pooled tensor.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})`,
          :math:`H_{out} = \\lfloor (H + 2p - k) / s \\rfloor + 1` (ceil in ceil mode)
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d()")


def avg_pool1d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling (see :func:`avg_pool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                     "avg_pool1d()")


def _adaptive_out(x, output_size, n, who):
    if n == 1 and isinstance(output_size, (tuple, list)) and len(output_size) != 1:
        raise RuntimeError(f"{who}: argument 'output_size' should contain one int (got "
                           f"{len(output_size)})")
    o = _tuple(output_size, n, "output_size", who, allow_none=True, repeat_one=False)
    if n == 1:
        o = (1,) + o
    in_hw = tuple(x.shape[2:])
    o = tuple(i if v is None else v for v, i in zip(o, in_hw))
    if any(v < 0 for v in o):
        raise RuntimeError(f"{who}: elements of output_size must be greater than or equal to 0 "
                           f"but received {output_size!r}")
    return in_hw, o


def _adaptive_avg_dtype(x, out, who):
    """PyTorch's adaptive average has no integer or bool kernel; a (1, 1) output goes through
    ``mean``, whose error is a RuntimeError; an empty input or output is returned unchecked."""
    if tuple(out) == (1, 1) and not x.dtype.is_floating_point:  # (even an empty input)
        raise RuntimeError(f"{who}: mean(): could not infer output dtype. Input dtype must "
                           f"be either a floating point or complex dtype. Got: {x.dtype}")
    if not x.dtype.is_floating_point and 0 not in tuple(out) and x.numel():
        if tuple(out) == (1, 1):
            raise RuntimeError(f"{who}: mean(): could not infer output dtype. Input dtype must "
                               f"be either a floating point or complex dtype. Got: {x.dtype}")
        _not_for_dtype(x, "adaptive_avg_pool2d", "biu")


def _empty_pool(x, out, undo, return_indices=None):
    """The result of an adaptive pool with an empty input or output: zeros of its shape,
    connected to ``x`` for autograd."""
    shape = tuple(x.shape[:2]) + tuple(out)
    # (connected through a zero times the sum, which only a floating input can take without
    # promoting: an empty bool or int8 input keeps its dtype)
    y = undo(x.new_zeros(shape) + x.sum() * 0 if x.dtype.is_floating_point
             else x.new_zeros(shape))
    if return_indices is None:
        return y
    return (y, undo(x.new_zeros(shape, dtype=np.int64))) if return_indices else y


@_NN.named(_NN.adaptive_avg_name(0))
def _adaptive_avg(input, output_size, n, who):
    x, undo = _as4d(input, n, who, "spatial", rank_error(input, output_size, n, "adaptive_avg"))
    in_hw, out = _adaptive_out(x, output_size, n, who)
    _adaptive_avg_dtype(x, out, who)
    if x.numel() == 0 or 0 in out:
        return _empty_pool(x, out, undo)
    if in_hw[0] % out[0] == 0 and in_hw[1] % out[1] == 0:
        k = (in_hw[0] // out[0], in_hw[1] // out[1])
        div = np.full(out, float(k[0] * k[1]))
        y = apply1(P.AVG_POOL, x, (k, k, (0, 0), out, div, in_hw, MF.suggest(x._data)))
        return undo(y)
    # uneven windows: every window's elements gathered (not a product with an averaging matrix,
    # whose zeros would turn an inf elsewhere in the row into NaN), added one by one in row-major
    # order and divided by the window's height and width, as PyTorch's kernel
    y = _adaptive_avg_windows(x, in_hw, out)
    # PyTorch's one node (connected: its gradients stay in the graph under create_graph)
    fmt = MF.suggest(x._data)  # PyTorch's kernel writes the input's suggested format
    y = y.contiguous(memory_format=fmt)
    return undo(present(y, "AdaptiveAvgPool2DBackward0", (x,), connected=True))


def _adaptive_avg_windows(x, in_hw, out):
    """The mean of each 2-D adaptive window of ``x`` (N, C, H, W): its sum in row-major order,
    one element at a time, divided by its height, then by its width."""
    rows, cols = P.adaptive_windows(in_hw[0], out[0]), P.adaptive_windows(in_hw[1], out[1])
    wins = [[h * in_hw[1] + w for h in range(h0, h1) for w in range(w0, w1)]
            for h0, h1 in rows for w0, w1 in cols]
    k = max(len(win) for win in wins)
    idx = np.array([win + [win[-1]] * (k - len(win)) for win in wins], dtype=np.int64)
    ok = np.array([[j < len(win) for j in range(k)] for win in wins])
    kh = np.array([h1 - h0 for h0, h1 in rows for _ in cols], dtype=x.dtype)
    kw = np.array([w1 - w0 for _ in rows for w0, w1 in cols], dtype=x.dtype)
    xp = namespace_of(x._data)
    v = x.reshape(x.shape[0], x.shape[1], -1)[..., wrap(xp.asarray(idx))]
    zero = wrap(xp.zeros((), dtype=x.dtype))
    total = v[..., 0] + 0.0  # (PyTorch's sum starts at +0)
    for j in range(1, k):
        term = v[..., j] if ok[:, j].all() else where(wrap(xp.asarray(ok[:, j])), v[..., j], zero)
        total = total + term
    total = total / wrap(xp.asarray(kh)) / wrap(xp.asarray(kw))  # (PyTorch's two divisions)
    return total.reshape(x.shape[0], x.shape[1], *out)


def _adaptive_avg_last(x, n_in, n_out):
    """The mean of each adaptive window along the last axis of ``x``."""
    wins = P.adaptive_windows(n_in, n_out)
    k = max(e - s for s, e in wins)
    idx = np.array([[min(s + j, e - 1) for j in range(k)] for s, e in wins], dtype=np.int64)
    ok = np.array([[s + j < e for j in range(k)] for s, e in wins])
    cnt = np.array([e - s for s, e in wins], dtype=x.dtype)
    xp = namespace_of(x._data)
    v = x[..., wrap(xp.asarray(idx))]
    v = where(wrap(xp.asarray(ok)), v, wrap(xp.zeros((), dtype=x.dtype)))
    return v.sum(-1) / wrap(xp.asarray(cnt))


def _one_per_plane(input, output_size, k):
    """The output size resolves to all ones: PyTorch then takes ``input.mean`` over the last
    ``k`` dims (keepdim) instead of pooling, with no check of the input's rank beyond that."""
    sizes = (output_size,) * k if _is_int(output_size) else output_size
    if not isinstance(sizes, (tuple, list)) or len(sizes) != k:
        return False
    if sizes is output_size and isinstance(input, Tensor) and input.ndim <= k:
        # (PyTorch's Python code fills a sequence's None sizes from the input's: ValueError)
        raise ValueError(f"adaptive_avg_pool{k}d(): Input dimension should be at least {k + 1} "
                         f"for output_size {output_size!r}, got an input of shape "
                         f"{tuple(input.shape)}")
    if any(v is None for v in sizes):
        if not isinstance(input, Tensor) or input.ndim < k:
            return False
        sizes = [d if v is None else v for v, d in zip(sizes, input.shape[-k:])]
    return all(type(v) is int and v == 1 for v in sizes)


def _plane_mean(input, k, who):
    x = input if isinstance(input, Tensor) else _tensor_attr_arg(input, who[:-2])
    if not x.is_floating_point():
        raise RuntimeError(f"{who}: mean(): could not infer output dtype. Input dtype must be "
                           f"either a floating point or complex dtype. Got: {x.dtype}")
    if x.ndim < k:
        raise IndexError(f"{who}: Dimension out of range (expected to be in range of "
                         f"[{-max(x.ndim, 1)}, {max(x.ndim, 1) - 1}], but got {-k}): an output "
                         f"of one element per plane averages the last {k} dims of the input, "
                         f"of shape {tuple(x.shape)}")
    return x.mean(tuple(range(-k, 0)), keepdim=True)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D average pooling to a fixed output size; window ``i`` spans
    ``[floor(i H / H_out), ceil((i + 1) H / H_out))``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: ``(H_out, W_out)`` or one int; ``None`` keeps that input size.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """
    if _one_per_plane(input, output_size, 2):
        return _plane_mean(input, 2, "adaptive_avg_pool2d()")
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d()")


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling (see :func:`adaptive_avg_pool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d()")


def _not_for_dtype(x, kernel, kinds="b"):
    """PyTorch's NotImplementedError for a pooling kernel that has no ``x.dtype`` version."""
    if x.dtype.kind in kinds:
        label = {"b": "Bool", "u": "Byte"}.get(x.dtype.kind) or \
            {np.int64: "Long", np.int32: "Int", np.int16: "Short", np.int8: "Char"}.get(
                x.dtype.type, str(x.dtype))
        raise NotImplementedError(f'"{kernel}" not implemented for \'{label}\'; convert the '
                                  f"input with .float() first")


def _nonempty_after_first(x, who):
    """PyTorch's check of adaptive max pooling (and 3-D average pooling): every dimension but
    the first (the batch, or the channels of an unbatched input) non-empty."""
    for d in range(1, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{who}: Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(x.shape)} with dimension "
                               f"{d} being empty")


def _adaptive_max(input, output_size, return_indices, n, who, check=True):
    x, undo = _as4d(input, n, who, "spatial", rank_error(input, output_size, n, "adaptive_max"))
    if check:
        _nonempty_after_first(input, who)
    _in_hw, out = _adaptive_out(x, output_size, n, who)
    _not_for_dtype(x, "adaptive_max_pool2d", "biu")
    if x.numel() == 0 or 0 in out:  # an empty batch: an empty result of the output size
        return _empty_pool(x, out, undo, return_indices)
    box = [] if return_indices else None
    y = apply1(P.ADAPTIVE_MAX_POOL, x, (out, box))
    if return_indices:
        return undo(y), undo(wrap(box[0]))
    return undo(y)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D max pooling to a fixed output size (windows as in :func:`adaptive_avg_pool2d`).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: ``(H_out, W_out)`` or one int; ``None`` keeps that input size.
        return_indices: also return the flat index of each chosen element in its input plane.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """
    with_indices = None if return_indices else replaced("adaptive_max_pool2d_with_indices")
    if with_indices is not None:  # (a program's, called as PyTorch's Python does)
        return with_indices(input, output_size)[0]
    return _adaptive_max(input, output_size, return_indices, 2, "adaptive_max_pool2d()")


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling (see :func:`adaptive_max_pool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    with_indices = None if return_indices else replaced("adaptive_max_pool1d_with_indices")
    if with_indices is not None:  # (a program's, called as PyTorch's Python does)
        return with_indices(input, output_size)[0]
    return _adaptive_max(input, output_size, return_indices, 1, "adaptive_max_pool1d()")


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, n, who):
    from ...functions import abs as _abs
    from ...functions import relu, sign

    lp_kernel_check(kernel_size, n, who)  # (PyTorch unpacks the kernel before any tensor work)
    x = _tensor_attr_arg(input, who.removesuffix("()"))
    k = _tuple(kernel_size, n, "kernel_size", who)
    stride = kernel_size if stride is None else stride
    if n == 3:
        def pool_max(v):
            return _max_pool3d(v, kernel_size, stride, 0, 1, ceil_mode, False, who)

        def pool_avg(v):
            return _avg_pool3d(v, kernel_size, stride, 0, ceil_mode, True, None, who)
    else:
        def pool_max(v):
            return _max_pool(v, kernel_size, stride, 0, 1, ceil_mode, False, n, who)

        def pool_avg(v):
            return _avg_pool(v, kernel_size, stride, 0, ceil_mode, True, None, n, who)
    # a program's F.avg_pool<n>d / F.max_pool<n>d / F.relu, called as PyTorch's Python does
    avg_face, max_face, relu_face = (replaced(f"avg_pool{n}d"), replaced(f"max_pool{n}d"),
                                     replaced("relu"))
    if max_face is not None:
        def pool_max(v):
            return max_face(v, kernel_size, stride, 0, 1, ceil_mode)
    if avg_face is not None:
        def pool_avg(v):
            return avg_face(v, kernel_size, stride, 0, ceil_mode)
    if relu_face is not None:
        relu = relu_face  # noqa: F811
    if norm_type == float("inf"):
        return pool_max(_abs(x))
    if norm_type == -float("inf"):
        return -pool_max(-_abs(x))
    out = pool_avg(x ** norm_type)
    size = int(np.prod(k))
    lp_kernel_check(None, 0, who, norm_type)
    return (sign(out) * relu(_abs(out)) * size) ** (1.0 / norm_type)  # PyTorch's formula


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: _IntOr, stride: _IntOr | None = None,
              ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling: ``(sum_{window} x^p)^(1/p)`` (``p = inf``: max of ``|x|``).

    As in PyTorch, a window whose sum of powers is negative (odd or fractional ``p``) gives NaN.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        norm_type: ``p``.
        kernel_size: window size.
        stride: step between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d()")


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: int | None = None,
              ceil_mode: bool = False) -> Tensor:
    """1-D power-average pooling (see :func:`lp_pool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d()")


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n, who):
    x = input if isinstance(input, Tensor) else as_tensor_arg(input, name="input")
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[n]
    # PyTorch's Python face reads the input's last n sizes (IndexError), its kernel checks the
    # rank and the indices (RuntimeError)
    def kernel_checks():  # (after the Python face's output size)
        if x.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"{who} expects input of shape (N, C, {spatial}) or "
                               f"(C, {spatial}), got a {x.ndim}-D input of shape "
                               f"{tuple(x.shape)}")
        if tuple(idx.shape) != tuple(x.shape) or idx.dtype != np.int64:
            raise RuntimeError(f"{who} expects int64 indices of the input's shape "
                               f"{tuple(x.shape)}, got indices of shape {tuple(idx.shape)} and "
                               f"dtype {idx.dtype}")
        unpool_stride_check(n, s, who)
    if x.ndim < n:
        raise IndexError(f"{who} expects input of shape (N, C, {spatial}) or (C, {spatial}), got "
                         f"a {x.ndim}-D input of shape {tuple(x.shape)}")
    nk = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else n
    if nk != n and (output_size is None or len(output_size) in (nk, nk + 2)):
        # PyTorch's Python face sizes the output by the kernel's length, its kernel refuses it
        names = {1: "one", 2: "two", 3: "three"}[n]
        raise RuntimeError(f"{who}: There should be exactly {names} elements ({spatial}) in "
                           f"output_size, but got {nk} elements (from kernel_size "
                           f"{kernel_size!r}: give {n} sizes)")
    k = _tuple(kernel_size, n, "kernel_size", who)
    s = _tuple(k if stride is None else stride, n, "stride", who)
    p = _tuple(padding, n, "padding", who)
    in_sp = tuple(x.shape[x.ndim - n:])
    default = tuple((i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(in_sp, s, p, k))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)
        if len(out) == nk + 2:  # (N, C, *spatial)
            out = out[2:]
        if len(out) != nk:  # (PyTorch's Python face: ValueError)
            raise ValueError(f"{who}: output_size should be a sequence containing {nk} or "
                             f"{nk + 2} elements, but it has a length of '{len(out)}' "
                             f"(output_size {tuple(output_size)!r}); give the spatial sizes")
        if any(abs(o - d) >= ss for o, d, ss in zip(out, default, s)):
            raise ValueError(f"{who}: output_size {tuple(output_size)} must be within one stride "
                             f"of the default size {default} for input of shape "
                             f"{tuple(x.shape)}")
    for d, o in enumerate(out):
        if o < 0:  # (PyTorch's Python face, before its kernel)
            raise ValueError(f"{who}: output_size must contain non-negative spatial dimensions, "
                             f"but got output_size[{d}]={o} (from kernel_size {kernel_size!r}, "
                             f"stride {stride!r}, padding {padding!r})")
    kernel_checks()
    plane = 1
    for v in out:
        plane *= v
    lead = tuple(x.shape[:x.ndim - n])
    flat_idx = idx.reshape(-1, int(np.prod(in_sp)))
    _not_for_dtype(x, f"max_unpool{n}d", "biu")  # (PyTorch's kernels: before the indices)
    if plane == 0:  # (an empty output plane: PyTorch reads no index)
        return x.reshape(flat_idx.shape).narrow(-1, 0, 0).reshape(lead + out)
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= plane):
        bad = int(flat_idx[(flat_idx < 0) | (flat_idx >= plane)][0])
        raise RuntimeError(f"{who}: found an invalid max index {bad} (the output plane "
                           f"{out} has {plane} positions)")
    y = apply1(P.UNPOOL, x.reshape(flat_idx.shape), (flat_idx, plane))
    return y.reshape(lead + out)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: _IntOr,
                 stride: _IntOr | None = None, padding: _IntOr = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of :func:`max_pool2d`: put each value at the position its index
    names in a zero plane (the indices ``max_pool2d(..., return_indices=True)`` returns).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        indices: the pooling's indices (into each ``H_out * W_out`` plane), the input's shape.
        kernel_size, stride, padding: the pooling's.
        output_size: the exact output size (default ``(H - 1) s - 2 p + k``).

    Shape:
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`

    Note:
        Where indices repeat (overlapping windows) the last value is kept, as in PyTorch's CPU
        kernel.
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                       "max_unpool2d()")


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: _IntOr,
                 stride: _IntOr | None = None, padding: _IntOr = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of :func:`max_pool1d` (see :func:`max_unpool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                       "max_unpool1d()")


# ----------------------------------------------------------------------------- 3-D pooling
def _as5d(input, who, nonempty="all", low=RuntimeError):
    x = _input(input, who)
    _check_rank(x, 3, who, nonempty, low)
    unbatched = x.ndim == 4
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _depth_taps(n_in, starts, width, step=1):
    """Tap ``a`` of output ``o`` reads ``starts[o] + a * step``: clamped indices, valid mask."""
    raw = starts[:, None] + np.arange(width)[None, :] * step
    ok = (raw >= 0) & (raw < n_in)
    return np.clip(raw, 0, n_in - 1), ok


def _depth_out(dep, k, s, p, d, ceil_mode, who):
    """Output depth of a window sweep (checked like the other two axes)."""
    out = P.pool_out_size(dep, k[0], s[0], p[0], d[0], ceil_mode)
    if out <= 0:
        raise RuntimeError(f"{who}: the kernel {k} (dilation {d}, padding {p}) is larger than "
                           f"the padded input depth {dep}: output depth would be {out}: Output "
                           f"size is too small")
    return out


def _slices_2d(x):
    n, c, d, h, w = x.shape
    return x.reshape(n, c * d, h, w)


def _window_argmax(vals):
    """``window_argmax`` of host values (see ``ops/pooling.py``)."""
    return P.window_argmax(np, vals)


def _depth_max(y, idx, ok, hw_idx, plane, return_indices):
    """Max over depth taps (the first maximal tap wins, as PyTorch's window order)."""
    from ... import functions as _F
    from ...ops import resample as RS

    n_in = y.shape[2]
    taps = [apply1(RS.RESAMPLE, y, (2, n_in, (idx[:, a],), None)) for a in range(idx.shape[1])]
    vals = np.stack([to_host(t._data) for t in taps], axis=-1)  # (N, C, Do, Ho, Wo, K)
    mask = ok.reshape((1, 1, -1, 1, 1, idx.shape[1]))
    vals = np.where(mask, vals, -np.inf)
    first = _window_argmax(vals)
    dev = namespace_of(y._data)
    out = None
    for a, t in enumerate(taps):
        sel = wrap(dev.asarray(first == a))
        term = _F.where(sel, t, 0.0)  # (not t * 0: a window all in the padding holds -inf)
        out = term if out is None else out + term
    if not return_indices:
        return out, None
    d_sel = np.take_along_axis(np.broadcast_to(idx[None, None, :, None, None, :],
                                               vals.shape), first[..., None], -1)[..., 0]
    hw = to_host(hw_idx._data)  # (N, C, D, Ho, Wo) plane indices per depth slice
    hw_sel = np.take_along_axis(hw, d_sel, axis=2)
    return out, wrap(dev.asarray(d_sel * plane + hw_sel))


@_NN.named("MaxPool3DWithIndicesBackward0")
def max_pool3d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, dilation: _IntOr = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling: the largest value of each (dilated) box window.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size, stride (default ``kernel_size``), padding (``-inf``, at most half the
            kernel), dilation, ceil_mode: per axis, as in :func:`max_pool2d`.
        return_indices: also return each maximum's flat index into its ``D * H * W`` volume.

    Shape:
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """
    return _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, "max_pool3d()")


def _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, who):
    x, unbatched = _as5d(input, who)
    k = _tuple(kernel_size, 3, "kernel_size", who)
    s = k if stride is None or (not _is_int(stride) and len(stride) == 0) else \
        _tuple(stride, 3, "stride", who)
    p = _tuple(padding, 3, "padding", who)
    d = _tuple(dilation, 3, "dilation", who)
    _window_checks(k, s, p, d, who)
    n, c, dep = x.shape[:3]
    _depth_out(dep, k, s, p, d, ceil_mode, who)
    got = _max_pool(_slices_2d(x), k[1:], s[1:], p[1:], d[1:], ceil_mode, return_indices, 2, who)
    y2, hw_idx = got if return_indices else (got, None)
    out_d = _depth_out(dep, k, s, p, d, ceil_mode, who)
    y = y2.reshape((n, c, dep) + tuple(y2.shape[2:]))
    if hw_idx is not None:
        hw_idx = hw_idx.reshape(tuple(y.shape))
    starts = np.arange(out_d) * s[0] - p[0]
    idx, ok = _depth_taps(dep, starts, k[0], d[0])
    res, ind = _depth_max(y, idx, ok, hw_idx, x.shape[3] * x.shape[4], return_indices)
    if res.dtype != x.dtype:  # integer inputs keep their dtype (the depth step works in float)
        res = res.to(x.dtype)
    fmt = MF.suggest(x._data)
    if fmt is not MF.contiguous_format:  # PyTorch's kernel keeps a channels-last input's format
        res = res.contiguous(memory_format=fmt)
        ind = ind.contiguous(memory_format=fmt) if ind is not None else None
    if unbatched:
        res = res.squeeze(0)
        ind = ind.squeeze(0) if ind is not None else None
    return (res, ind) if return_indices else res


@_NN.named("AvgPool3DBackward0")
def avg_pool3d(input: Tensor, kernel_size: _IntOr, stride: _IntOr | None = None,
               padding: _IntOr = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """3-D average pooling: the mean of each box window (see :func:`avg_pool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """
    return _avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, "avg_pool3d()")


def _avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, who):
    from ...ops import resample as RS

    x, unbatched = _as5d(input, who)
    k = _tuple(kernel_size, 3, "kernel_size", who)
    s = k if stride is None or (not _is_int(stride) and len(stride) == 0) else \
        _tuple(stride, 3, "stride", who)
    p = _tuple(padding, 3, "padding", who)
    _window_checks(k, s, p, (1, 1, 1), who)
    if any(v < kk for v, kk in zip(x.shape[2:], k)):  # PyTorch's avg_pool3d: padding aside
        raise RuntimeError(f"{who}: input image (T: {x.shape[2]} H: {x.shape[3]} W: "
                           f"{x.shape[4]}) smaller than kernel size (kT: {k[0]} kH: {k[1]} "
                           f"kW: {k[2]})")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{who}: divisor must be not zero, got divisor_override=0")
    n, c, dep = x.shape[:3]
    _depth_out(dep, k, s, p, (1, 1, 1), ceil_mode, who)
    # an int64 input (the one integer kernel): window sums, then one division truncated toward
    # 0 by the whole window's divisor (dividing per axis truncated twice: 1/3 weights were 0)
    integer = x.dtype.kind in "iu"
    y2 = _avg_pool(_slices_2d(x), k[1:], s[1:], p[1:], ceil_mode, count_include_pad,
                   None if divisor_override is None and not integer else 1, 2, who,
                   kernel3d=True)
    out_d = _depth_out(dep, k, s, p, (1, 1, 1), ceil_mode, who)
    y = y2.reshape((n, c, dep) + tuple(y2.shape[2:]))
    starts = np.arange(out_d) * s[0] - p[0]
    idx, ok = _depth_taps(dep, starts, k[0])
    if divisor_override is not None:
        div = np.full(out_d, float(divisor_override))
    elif count_include_pad:
        div = (np.minimum(starts + k[0], dep + p[0]) - starts).astype(np.float64)
    else:
        div = (np.minimum(starts + k[0], dep) - np.maximum(starts, 0)).astype(np.float64)
    dt = x._data.dtype
    raw = starts[:, None] + np.arange(k[0])[None, :]
    lo, hi = max(0, -int(raw.min())), max(0, int(raw.max()) - (dep - 1))
    if lo or hi:  # taps past the input (padding, ceil_mode) read zeros: 0 * inf would be NaN
        from .resample import pad as _pad
        y = _pad(y, (0, 0, 0, 0, lo, hi))
        idx, dep = raw + lo, dep + lo + hi
    taps = tuple(idx[:, a] for a in range(k[0]))
    if integer:
        sums = apply1(RS.RESAMPLE, y, (2, dep, taps, tuple(ok[:, a].astype(dt)
                                                            for a in range(k[0]))))
        total = np.full((out_d,) + tuple(y2.shape[2:]), divisor_override or 0, dtype=np.int64)
        if divisor_override is None:
            hw = P.avg_divisor(tuple(x.shape[3:]), k[1:], s[1:], p[1:], tuple(y2.shape[2:]),
                               count_include_pad, None)
            total = np.rint(div[:, None, None] * hw).astype(np.int64)
        xp = namespace_of(sums._data)
        a = sums._data
        res = wrap((xp.abs(a) // xp.asarray(total)) * xp.sign(a))
        return res.squeeze(0) if unbatched else res
    ws = tuple((ok[:, a] / div).astype(dt) for a in range(k[0]))
    res = apply1(RS.RESAMPLE, y, (2, dep, taps, ws))
    return res.squeeze(0) if unbatched else res


def _adaptive3d(input, output_size, who):
    kind = "adaptive_max" if "max" in who.lower() else "adaptive_avg"
    x, unbatched = _as5d(input, who, "spatial", rank_error(input, output_size, 3, kind))
    o = _tuple(output_size, 3, "output_size", who, allow_none=True, repeat_one=False)
    o = tuple(i if v is None else v for v, i in zip(o, x.shape[2:]))
    if any(v < 0 for v in o):
        raise RuntimeError(f"{who}: elements of output_size must be greater than or equal to 0, "
                           f"got {output_size!r}")
    _nonempty_after_first(input, who)
    # PyTorch's 3-D kernels have no integer or bool version (checked before an empty output)
    _not_for_dtype(x, kind + "_pool3d_cpu", "biu")
    if 0 in o:  # an empty output (PyTorch's too)
        return x, unbatched, o, None, None, None
    wins = P.adaptive_windows(x.shape[2], o[0])
    width = max(e - b for b, e in wins)
    starts = np.array([b for b, _e in wins])
    ends = np.array([e for _b, e in wins])
    idx, ok = _depth_taps(x.shape[2], starts, width)
    ok &= (starts[:, None] + np.arange(width)[None, :]) < ends[:, None]
    return x, unbatched, o, idx, ok, ends - starts


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D average pooling to a fixed output size (windows as :func:`adaptive_avg_pool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, *output\\_size)`; ``None`` keeps that input size
    """
    if _one_per_plane(input, output_size, 3):
        return _plane_mean(input, 3, "adaptive_avg_pool3d()")
    return _adaptive_avg_pool3d(input, output_size, "adaptive_avg_pool3d()")


@_NN.named(_NN.adaptive_avg_name(3))
def _adaptive_avg_pool3d(input, output_size, who):
    from ...ops import resample as RS

    x, unbatched, o, idx, ok, lengths = _adaptive3d(input, output_size, who)
    if idx is None:
        return _empty_pool(x, o, (lambda y: y.squeeze(0)) if unbatched else (lambda y: y))
    n, c, dep = x.shape[:3]
    y2 = _adaptive_avg(_slices_2d(x), o[1:], 2, who)
    y = y2.reshape((n, c, dep) + o[1:])
    if not ok.all():  # uneven depth windows: gathered, not weighted (0 * inf would be NaN)
        res = _adaptive_avg_last(y.movedim(2, -1), dep, o[0]).movedim(-1, 2).contiguous()
        return res.squeeze(0) if unbatched else res
    dt = x._data.dtype
    ws = tuple((ok[:, a] / lengths).astype(dt) for a in range(idx.shape[1]))
    res = apply1(RS.RESAMPLE, y, (2, dep, tuple(idx[:, a] for a in range(idx.shape[1])), ws))
    return res.squeeze(0) if unbatched else res


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D max pooling to a fixed output size (windows as :func:`adaptive_avg_pool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, *output\\_size)`
    """
    with_indices = None if return_indices else replaced("adaptive_max_pool3d_with_indices")
    if with_indices is not None:  # (a program's, called as PyTorch's Python does)
        return with_indices(input, output_size)[0]
    return _adaptive_max_pool3d(input, output_size, return_indices, "adaptive_max_pool3d()")


def _adaptive_max_pool3d(input, output_size, return_indices, who):
    x, unbatched, o, idx, ok, _lengths = _adaptive3d(input, output_size, who)
    if idx is None:
        return _empty_pool(x, o, (lambda y: y.squeeze(0)) if unbatched else (lambda y: y),
                           return_indices)
    n, c, dep = x.shape[:3]
    got = _adaptive_max(_slices_2d(x), o[1:], return_indices, 2, who, check=False)
    y2, hw_idx = got if return_indices else (got, None)
    y = y2.reshape((n, c, dep) + o[1:])
    if hw_idx is not None:
        hw_idx = hw_idx.reshape(tuple(y.shape))
    res, ind = _depth_max(y, idx, ok, hw_idx, x.shape[3] * x.shape[4], return_indices)
    if res.dtype != x.dtype:  # integer inputs keep their dtype (the depth step works in float)
        res = res.to(x.dtype)
    if unbatched:
        res = res.squeeze(0)
        ind = ind.squeeze(0) if ind is not None else None
    return (res, ind) if return_indices else res


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: _IntOr, stride: _IntOr | None = None,
              ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling (see :func:`lp_pool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch axis
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, "lp_pool3d()")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: _IntOr,
                 stride: _IntOr | None = None, padding: _IntOr = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of :func:`max_pool3d` (see :func:`max_unpool2d`); ``indices`` index
    each ``D_out * H_out * W_out`` volume.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})`, each :math:`(n - 1) s - 2 p + k`
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3,
                       "max_unpool3d()")


# ----------------------------------------------------------------------------- *_with_indices
def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """:func:`max_pool1d` returning ``(output, indices)`` (``return_indices`` is ignored, as
    in PyTorch)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """:func:`max_pool2d` returning ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """:func:`max_pool3d` returning ``(output, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool1d` returning ``(output, indices)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool2d` returning ``(output, indices)``."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool3d` returning ``(output, indices)``."""
    return adaptive_max_pool3d(input, output_size, True)
