"""Pooling primitives over (N, C, H, W) arrays: max pooling (fixed and adaptive windows) and
average pooling with its adjoint.

Max pooling is a running maximum over the ``kh * kw`` kernel offsets, each a strided view of the
(padded) input: no window copy and no argmax. Its backward walks the offsets again and hands each
offset's slice the gradient still unassigned where it equals the maximum, so the first maximum
in row-major window order receives it (PyTorch's choice): one assignment per offset when windows
do not overlap, one vectorised add per offset when they do; no ``np.add.at``. Arrays keep the
input's memory layout (convolution outputs are batch-last views), which keeps every loop
contiguous. ``return_indices`` and the ``create_graph`` path compute the winners' plane indices;
under ``create_graph`` the scatter is gradkit's ``index_add``, so second order works. Adaptive
max pooling records plane indices in forward and scatters with ``bincount``.

Average pooling is linear: ``AVG_POOL`` and its adjoint ``AVG_POOL_T`` are each other's backward.
Both sum ``kh * kw`` strided slices (one vectorised add per kernel offset).

``UNPOOL`` (``F.max_unpool``) puts each row's values at the given positions of a zero row;
``PICK`` reads them back. They are each other's backward (the exact adjoints when no position
repeats in a row; where one does, the last value is kept and every copy reads its gradient, as
PyTorch's CPU kernels do).
"""

from __future__ import annotations

import numpy as np

from .. import _memory_format as MF
from .._backend import namespace_of
from ..autograd.graph import OUTPUT_COPY_ON_WRITE, SAVES_INPUTS, SAVES_OUTPUT, Op

__all__ = ["ADAPTIVE_MAX_POOL", "AVG_POOL", "AVG_POOL_T", "MAX_POOL", "PICK", "UNPOOL",
           "avg_divisor", "pool_out_size", "window_argmax"]


def pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length of a pooling window sweep along one axis (PyTorch's rule)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _recorded(xp) -> bool:
    return getattr(xp, "name", "") == "tensor"


def _pad_to(x, pt, pl, hp, wp, fill):
    n, c, h, w = x.shape
    if pt == 0 and pl == 0 and hp == h and wp == w:
        return x
    out = namespace_of(x).full((n, c, hp, wp), fill, dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def _padded_extent(n, k, s, p, d, out):
    """Padded length needed so that ``out`` windows fit (ceil mode may need extra on the right)."""
    return max(n + 2 * p, (out - 1) * s + d * (k - 1) + 1 + p) if out > 0 else n + 2 * p


# ----------------------------------------------------------------------------- max pooling
def _offset_slices(kernel, stride, dilation, out_hw):
    """For each kernel offset (row-major), the strided slice of the padded plane it reads."""
    sh, sw = stride
    dh, dw = dilation
    ho, wo = out_hw
    hspan = sh * (ho - 1) + 1
    wspan = sw * (wo - 1) + 1
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            yield (Ellipsis, slice(i * dh, i * dh + hspan, sh), slice(j * dw, j * dw + wspan, sw))


def _max_pool_padded(x, kernel, stride, padding, dilation, out_hw):
    h, w = x.shape[2:]
    ph, pw = padding
    hp = _padded_extent(h, kernel[0], stride[0], ph, dilation[0], out_hw[0])
    wp = _padded_extent(w, kernel[1], stride[1], pw, dilation[1], out_hw[1])
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return _pad_to(x, ph, pw, hp, wp, fill)


def _max_pool_2x2_f(x):
    """2x2, stride-2 max pooling that tiles a C-contiguous NumPy ``x``: the maximum of each
    pair of neighbours along the rows (a pass over whole rows of ``x``, the pairs' elements
    2 apart), then of each pair of those rows (whole half-rows), chunk by chunk of samples
    (about ``_POOL_CHUNK_BYTES`` of ``x``: the half-width rows stay in cache). The maximum of
    the same four elements, NaN where one is NaN (where zeros of both signs tie, NumPy's
    maximum keeps either one, as in the general loop). The general loop's four passes over
    2-strided views: CIFAR-sized 64x64x32x32 7.6 -> 3.9 ms, LeNet's 64x16x24x24 0.66 -> 0.39
    ms, one thread."""
    n, c, h, w = x.shape
    out = np.empty((n, c, h // 2, w // 2), dtype=x.dtype)
    step = max(1, min(n, _POOL_CHUNK_BYTES // max(1, x[:1].nbytes)))
    half = np.empty((step, c, h, w // 2), dtype=x.dtype)
    for a in range(0, n, step):
        b = min(n, a + step)
        x5 = x[a:b].reshape(b - a, c, h, w // 2, 2)
        t = np.maximum(x5[..., 0], x5[..., 1], out=half[:b - a])
        t = t.reshape(b - a, c, h // 2, 2, w // 2)
        np.maximum(t[:, :, :, 0], t[:, :, :, 1], out=out[a:b])
    return out


def _max_pool_f(xp, x, kernel, stride, padding, dilation, out_hw, box):
    # a running maximum over the kernel offsets, each a strided view: no window copy, no argmax
    xpad = _max_pool_padded(x, kernel, stride, padding, dilation, out_hw)
    if (tuple(kernel) == (2, 2) and tuple(stride) == (2, 2) and tuple(dilation) == (1, 1)
            and xpad is x and type(x) is np.ndarray and x.ndim == 4 and x.flags.c_contiguous
            and tuple(x.shape[2:]) == (2 * out_hw[0], 2 * out_hw[1]) and x.size
            and x.dtype.kind == "f"):
        best = _max_pool_2x2_f(x)
    else:
        slices = _offset_slices(kernel, stride, dilation, out_hw)
        # the input's suggested format (channels-last kept, any other order row-major)
        best = MF.copy_as(xp, xpad[next(slices)], MF.suggest(x))
        for sl in slices:
            xp.maximum(best, xpad[sl], out=best)  # propagates NaN, as PyTorch
    aux = (x.shape, kernel, stride, padding, dilation, out_hw)
    if box is not None:
        box.append(_plane_indices(_winners(xpad, best, aux), aux))
    return best, aux


def _winners(xpad, out, aux):
    """Which kernel offset (row-major) gave each output: the first one equal to the maximum,
    the last NaN of a window holding one.

    Padding is never chosen: a window whose elements are all -inf picks its first element
    inside the input, as PyTorch (the padding's -inf fill equals that maximum too)."""
    x_shape, kernel, stride, padding, dilation, out_hw = aux
    xp = namespace_of(out)
    which = xp.zeros(out.shape, dtype=np.int64)
    taken = xp.zeros(out.shape, dtype=bool)
    nan = xp.isnan(out) if out.dtype.kind == "f" else xp.zeros(out.shape, dtype=bool)
    h, w = x_shape[2:]
    inside = xp.zeros(xpad.shape[2:], dtype=bool)
    inside[padding[0]:padding[0] + h, padding[1]:padding[1] + w] = True
    for k, sl in enumerate(_offset_slices(kernel, stride, dilation, out_hw)):
        cand = xpad[sl]
        hit = (cand == out) & inside[sl[1:]] & ~taken
        which[hit] = k
        taken |= hit
        # PyTorch's loop keeps every NaN it meets (``val > maxval || isnan(val)``): the last
        which[nan & xp.isnan(cand) & inside[sl[1:]]] = k
    return which


def window_argmax(xp, vals):
    """The tap PyTorch's max-pooling loops keep along the last axis (``if (val > maxval ||
    isnan(val))``): the last NaN where the window holds one (a NaN after an inf too), else the
    first maximum."""
    first = xp.argmax(vals, axis=-1)
    if vals.dtype.kind != "f":
        return first
    nan = xp.isnan(vals)
    last_nan = vals.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1)
    return xp.where(nan.any(axis=-1), last_nan, first)


def _plane_indices(which, aux):
    """Index of each chosen element in its (H * W) input plane, shape (N, C, Ho, Wo), int64."""
    x_shape, kernel, stride, padding, dilation, out_hw = aux
    kw = kernel[1]
    w = x_shape[3]
    xp = namespace_of(which)
    rows = (xp.arange(out_hw[0]) * stride[0] - padding[0])[:, None] + (which // kw) * dilation[0]
    cols = (xp.arange(out_hw[1]) * stride[1] - padding[1]) + (which % kw) * dilation[1]
    return rows * w + cols


def _scatter_planes(xp, g, idx, x_shape, unique):
    n, c, h, w = x_shape
    nc = n * c
    ixp = namespace_of(idx)  # the arrays' namespace (xp is gradkit's under create_graph)
    flat = (ixp.arange(nc, dtype=np.int64)[:, None] * (h * w) + idx.reshape(nc, -1)).ravel()
    if _recorded(xp):
        gx = xp.index_add((nc * h * w,), (flat,), xp.reshape(g, (-1,)))
        return xp.reshape(gx, tuple(x_shape))
    if unique:
        gx = xp.zeros(nc * h * w, dtype=g.dtype)
        gx[flat] = g.ravel()
        return gx.reshape(x_shape)
    gx = xp.bincount(flat, weights=g.ravel(), minlength=nc * h * w)
    return gx.astype(g.dtype, copy=False).reshape(x_shape)


_POOL_CHUNK_BYTES = 1 << 20  # chunks of samples, for inputs over 4 of them


def _doubled(a):
    """``a`` (..., W) with each element twice in a row: a contiguous (..., 2 * W) array (4-byte
    elements through one 64-bit multiply of their bits, a single pass)."""
    if a.dtype.itemsize == 4 and a.flags.c_contiguous:
        w = a.view(np.uint32).astype(np.uint64)
        w *= np.uint64(0x100000001)
        return w.view(a.dtype).reshape(*a.shape[:-1], 2 * a.shape[-1])
    out = np.empty((*a.shape, 2), dtype=a.dtype)
    out[..., 0] = a
    out[..., 1] = a
    return out.reshape(*a.shape[:-1], 2 * a.shape[-1])


def _max_pool_2x2_b(x, y, g):
    """The backward of a 2x2, stride-2 max pooling that tiles a C-contiguous NumPy ``x`` (no
    NaN in ``y``): the same result as the general loop over kernel offsets, with whole window
    rows per operation. Each of the two window rows is compared with ``y`` doubled along the
    width (full rows, not stride-2 views: NumPy's loops over 2-strided operands run about 10x
    slower per element); the two booleans of a window row are one 16-bit word (little-endian:
    the low byte is the left element), so keeping the first maximum in row-major order is a few
    whole-array integer operations; the gradient, doubled too, is then multiplied in row by row.
    LeNet's 64x16x24x24 layer 1.19 -> 0.85 ms, its 64x32x8x8 layer 0.42 -> 0.28 ms, one thread.
    Samples are taken in chunks of about ``_POOL_CHUNK_BYTES`` of ``x`` (in cache)."""
    n, c, h, w = x.shape
    ho = h // 2
    gx = np.empty(x.shape, dtype=g.dtype)
    step = max(1, n if x.nbytes <= _POOL_CHUNK_BYTES else _POOL_CHUNK_BYTES // max(1, x[:1].nbytes))
    for a in range(0, n, step):
        b = min(n, a + step)
        x5 = x[a:b].reshape(b - a, c, ho, 2, w)
        yd = _doubled(y[a:b])
        t0 = np.equal(x5[:, :, :, 0], yd).view(np.uint16)  # one word per window row
        t1 = np.equal(x5[:, :, :, 1], yd).view(np.uint16)
        first = np.right_shift(t0, 8)
        first |= t0
        first &= 1
        first -= 1  # 0xFFFF where the window's first row holds no maximum, else 0
        for t in (t0, t1):  # the right element only where the left one is no maximum
            s = np.left_shift(t, 8)
            np.invert(s, out=s)
            t &= s
        t1 &= first
        gd = _doubled(g[a:b])
        g5 = gx[a:b].reshape(b - a, c, ho, 2, w)
        # the words' bytes are 0 or 1: read as uint8, not bool (the same product, but Pyodide's
        # NumPy casts bool to float element by element: 810 against 34 us for 32k elements)
        np.multiply(t0.view(np.uint8), gd, out=g5[:, :, :, 0])
        np.multiply(t1.view(np.uint8), gd, out=g5[:, :, :, 1])
    return gx


def _max_pool_b(xp, g, ins, out, aux, needs):
    if len(aux) == 2:  # adaptive pooling: the forward kept the plane indices
        idx, x_shape = aux
        return (_scatter_planes(xp, g, idx, x_shape, unique=False),)
    x_shape, kernel, stride, padding, dilation, out_hw = aux
    x = getattr(ins[0], "_data", ins[0])
    y = getattr(out, "_data", out)
    xpad = _max_pool_padded(x, kernel, stride, padding, dilation, out_hw)
    if _recorded(xp):
        idx = _plane_indices(_winners(xpad, y, aux), aux)
        return (_scatter_planes(xp, g, idx, x_shape, unique=False),)
    # the adjoint of the running maximum: each offset's slice takes the gradient still unassigned
    # where it equals the maximum, so the first maximum in row-major order wins (as PyTorch)
    _n, _c, h, w = x_shape
    ph, pw = padding
    if y.dtype.kind == "f" and (xp.isnan(y).any()
                                or (xpad.shape != x.shape and xp.isneginf(y).any())):
        # NaN, or an all -inf window that the padding's -inf fill would also match
        idx = _plane_indices(_winners(xpad, y, aux), aux)
        return (_scatter_planes(xp, g, idx, x_shape, unique=False),)
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
    covered = (disjoint and dilation == (1, 1) and stride == tuple(kernel)
               and xpad.shape[2:] == (out_hw[0] * kernel[0], out_hw[1] * kernel[1]))
    if (covered and tuple(kernel) == (2, 2) and xpad is x and getattr(xp, "name", "") == "numpy"
            and np.little_endian and x.flags.c_contiguous and y.dtype.kind == "f"):
        return (_max_pool_2x2_b(x, y, g),)
    # same memory layout as the input; uninitialised when the windows tile it exactly
    buf = (xp.empty_like if covered else xp.zeros_like)(xpad, dtype=g.dtype)
    slices = list(_offset_slices(kernel, stride, dilation, out_hw))
    n = xpad.shape[0]
    # a few samples at a time when samples are contiguous blocks: each pass over the offsets
    # then runs in cache (a CIFAR-sized 64x64x32x32 layer: 35 -> 16 ms, one thread)
    step = max(1, n)  # (an empty batch: no chunk)
    if xpad.nbytes > 4 * _POOL_CHUNK_BYTES and xpad.flags.c_contiguous:
        step = max(1, _POOL_CHUNK_BYTES // max(1, xpad[:1].nbytes))
    for a in range(0, n, step):
        xc, yc, bc = xpad[a:a + step], y[a:a + step], buf[a:a + step]
        left = xp.empty_like(yc)  # the output's memory layout: the loop runs in one order
        xp.copyto(left, g[a:a + step])
        for k, sl in enumerate(slices):
            hit = xp.equal(xc[sl], yc)
            if disjoint:  # each input element is read by one window at most: assign
                part = xp.multiply(left, hit, out=bc[sl])
            else:
                part = left * hit
                bc[sl] += part
            if k + 1 < len(slices):
                left -= part
    if buf.shape[2:] == (h, w):
        return (buf,)
    return (xp.ascontiguousarray(buf[:, :, ph:ph + h, pw:pw + w]),)


def adaptive_windows(n_in: int, n_out: int):
    """``[(start, end)]`` of PyTorch's adaptive pooling windows along one axis."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def _adaptive_max_f(xp, x, out_hw, box):
    n, c, h, w = x.shape
    ho, wo = out_hw
    idx = xp.empty((n, c, ho, wo), dtype=np.int64)
    for i, (hs, he) in enumerate(adaptive_windows(h, ho)):
        for j, (ws, we) in enumerate(adaptive_windows(w, wo)):
            win = x[:, :, hs:he, ws:we].reshape(n, c, -1)
            a = window_argmax(xp, win)
            idx[:, :, i, j] = (hs + a // (we - ws)) * w + ws + a % (we - ws)
    out = xp.take_along_axis(x.reshape(n, c, h * w), idx.reshape(n, c, -1), axis=2)
    if box is not None:
        box.append(idx)
    out = out.reshape(n, c, ho, wo)
    fmt = MF.suggest(x)
    if fmt is not MF.contiguous_format:  # PyTorch's kernel keeps a channels-last input's format
        out = MF.relayout(xp, out, fmt)
    return out, (idx, x.shape)


MAX_POOL = Op("MaxPool2DWithIndices", _max_pool_f, _max_pool_b, saves=SAVES_INPUTS | SAVES_OUTPUT,
              returns_aux=True)
OUTPUT_COPY_ON_WRITE.add(MAX_POOL)  # PyTorch's rule reads the indices: y.relu_() is allowed
ADAPTIVE_MAX_POOL = Op("AdaptiveMaxPool2D", _adaptive_max_f, _max_pool_b, saves=0,
                       returns_aux=True)


# ----------------------------------------------------------------------------- average pooling
def avg_divisor(in_hw, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
    """The (Ho, Wo) array each window's sum is divided by (PyTorch's rule)."""
    if divisor_override:
        return np.full(out_hw, float(divisor_override))
    sizes = []
    for n, k, s, p, o in zip(in_hw, kernel, stride, padding, out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        full = end - start
        clipped = np.minimum(end, n) - np.maximum(start, 0)
        sizes.append(full if count_include_pad else clipped)
    return (sizes[0][:, None] * sizes[1][None, :]).astype(np.float64)


def _avg_geometry(in_hw, kernel, stride, padding, out_hw):
    hp = max(in_hw[0] + 2 * padding[0], (out_hw[0] - 1) * stride[0] + kernel[0])
    wp = max(in_hw[1] + 2 * padding[1], (out_hw[1] - 1) * stride[1] + kernel[1])
    return hp, wp


def _zeros_in(xp, shape, dtype, fmt):
    """Zeros laid out in ``fmt`` (row-major: one plain ``zeros``)."""
    if fmt is None or fmt is MF.contiguous_format:
        return xp.zeros(shape, dtype=dtype)
    return MF.empty_in(xp, shape, dtype, fmt, fill=0)


def _avg_pool_f(xp, x, kernel, stride, padding, out_hw, div, fmt=None):
    n, c, h, w = x.shape
    hp, wp = _avg_geometry((h, w), kernel, stride, padding, out_hw)
    xpad = _pad_to(x, padding[0], padding[1], hp, wp, 0)
    ho, wo = out_hw
    sh, sw = stride
    hspan = sh * (ho - 1) + 1
    wspan = sw * (wo - 1) + 1
    acc = _zeros_in(xp, (n, c, ho, wo), x.dtype, fmt)  # the input's format, as PyTorch's kernel
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            acc += xpad[:, :, i:i + hspan:sh, j:j + wspan:sw]
    if acc.dtype.kind in "iu":  # PyTorch's integer kernel: sum / divisor, truncated toward 0
        div = xp.asarray(np.rint(np.asarray(div)).astype(acc.dtype))
        return (xp.abs(acc) // div) * xp.sign(acc)
    acc /= xp.asarray(div, dtype=x.dtype)  # (divided, as PyTorch; a host array: moved over)
    return acc


def _avg_pool_t_f(xp, g, kernel, stride, padding, out_hw, div, in_hw, fmt=None):
    n, c = g.shape[:2]
    hp, wp = _avg_geometry(in_hw, kernel, stride, padding, out_hw)
    buf = _zeros_in(xp, (n, c, hp, wp), g.dtype, fmt)
    gd = g / xp.asarray(div, dtype=g.dtype)
    ho, wo = out_hw
    sh, sw = stride
    hspan = sh * (ho - 1) + 1
    wspan = sw * (wo - 1) + 1
    # (kernel offsets from the last: each input element then receives its windows' shares in
    # the order of the windows, as PyTorch's kernel adds them)
    for i in reversed(range(kernel[0])):
        for j in reversed(range(kernel[1])):
            buf[:, :, i:i + hspan:sh, j:j + wspan:sw] += gd
    ph, pw = padding
    if fmt is None or fmt is MF.contiguous_format:
        return xp.ascontiguousarray(buf[:, :, ph:ph + in_hw[0], pw:pw + in_hw[1]])
    return MF.relayout(xp, buf[:, :, ph:ph + in_hw[0], pw:pw + in_hw[1]], fmt)


def _avg_pool_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(AVG_POOL_T, (g,), aux),)
    return (_avg_pool_t_f(xp, g, *aux),)


def _avg_pool_t_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(AVG_POOL, (g,), aux),)
    return (_avg_pool_fwd(xp, g, *aux),)


def _avg_pool_fwd(xp, x, kernel, stride, padding, out_hw, div, in_hw, fmt=None):
    """``fmt``: the memory format of the output and of the input's gradient (the input's
    suggested one, as PyTorch's kernels)."""
    return _avg_pool_f(xp, x, kernel, stride, padding, out_hw, div, fmt)


AVG_POOL = Op("AvgPool2D", _avg_pool_fwd, _avg_pool_b, saves=0)
AVG_POOL_T = Op("AvgPool2DAdjoint", _avg_pool_t_f, _avg_pool_t_b, saves=0)


def _on(xp, a):
    """Host index array ``a`` on ``xp``'s device (a no-op for NumPy)."""
    return a if xp.name == "numpy" else xp.asarray(a)


# ----------------------------------------------------------------------------- UNPOOL / PICK
# params: (idx (M, K) int array, L): rows of K values go to positions idx of rows of length L
def _unpool_f(xp, x, idx, length):
    ns = namespace_of(x)
    out = ns.zeros((x.shape[0], length), dtype=x.dtype)
    rows = _on(ns, np.arange(x.shape[0])[:, None])
    out[rows, _on(ns, idx)] = x  # repeated positions: the last value wins
    return out


def _pick_f(xp, g, idx, length):
    ns = namespace_of(g)
    return ns.take_along_axis(g, _on(ns, idx), axis=1)


def _unpool_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(PICK, (g,), aux),)
    return (_pick_f(xp, g, *aux),)


def _pick_b(xp, g, ins, out, aux, needs):
    if _recorded(xp):
        return (xp.apply(UNPOOL, (g,), aux),)
    return (_unpool_f(xp, g, *aux),)


UNPOOL = Op("MaxUnpool", _unpool_f, _unpool_b, saves=0)
PICK = Op("MaxUnpoolAdjoint", _pick_f, _pick_b, saves=0)
