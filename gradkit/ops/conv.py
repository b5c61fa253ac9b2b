"""Convolution primitives for any number of spatial dimensions (1-D runs as 2-D with a unit
height; 2-D; 3-D): the convolution, its input-gradient (the transposed convolution) and its
weight-gradient, as three ops that are closed under differentiation.

All three are bilinear, so each one's backward rule is made of the other two:

* ``CONV(x, w, b)``: the convolution (cross-correlation) ``y = conv(x, w) + b``.
* ``CONV_T(y, w, b)``: the adjoint of ``x -> conv(x, w)`` applied to ``y`` (``conv_transpose``).
* ``CONV_W(x, g)``: the adjoint of ``w -> conv(x, w)`` applied to ``g`` (the weight gradient).

``CONV3``, ``CONV3_T`` and ``CONV3_W`` are the same rules under the node names the volumetric
ops have always had (``Convolution3dBackward``, ...); the rank comes from the arrays, and a rule
that records its siblings picks them by the weight's rank (:data:`_FAMILY`).

On the fast (first-order) path the rules call the array kernels directly and reuse the im2col
matrix the forward kept; under ``create_graph=True`` they call the ops through ``xp.apply``, so the
backward is recorded and can be differentiated again.

Layout: im2col builds a contiguous ``(C * prod(kernel), prod(out) * N)`` matrix (rows ordered
``(c, *kernel offset)``, columns ``(*out position, n)``: batch last, so every strided copy and
every col2im add runs over long contiguous stretches) with one strided copy, so every product is
one large GEMM (grouped: one batched matmul) and the weight gradient is ``g2 @ cols.T`` with no
further copy. The input gradient (col2im) sums the ``prod(kernel)`` kernel offsets into strided
slices of a padded buffer: one vectorised add each.

Geometry travels as static op parameters ``(stride, padding, dilation, groups)``: ``stride`` and
``dilation`` have one entry per spatial axis, ``padding`` two (``(top, bottom, left, right)`` in
2-D, ``(front, back, top, bottom, left, right)`` in 3-D; ``'same'`` may be asymmetric).
"""

from __future__ import annotations

from itertools import product
from math import prod

import numpy as np

from .. import _memory_format as _mf
from .._activation_float32 import _onednn_avx512
from .._backend import channel_sums, namespace_of
from .._runtime import get_num_threads
from ..autograd.graph import SAVES_INPUTS, Op
from .conv_winograd import WinogradConv, winograd_ok

__all__ = ["CONV", "CONV3", "CONV3_T", "CONV3_W", "CONV_T", "CONV_W", "col2im", "conv_out_size",
           "im2col"]

_ALL = slice(None)
_HALF = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def conv_out_size(n: int, k: int, stride: int, pad_lo: int, pad_hi: int, dilation: int) -> int:
    """Output length of a convolution along one axis."""
    return (n + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


# A matrix whose rows lie a multiple of 1 KiB apart (a 4096-column float32 patch matrix: 16 KiB)
# maps the same column of every row to the same few cache sets, and OpenBLAS's packing reads and
# its result writes then evict each other. Such matrices get rows this many bytes longer (views
# of the first columns): LeNet's second layer, one thread, the input gradient's (400, 32) @ (32,
# 4096) product 1.8 -> 1.1 ms, the forward's (32, 400) @ (400, 4096) 1.62 -> 1.5 ms; a 64->64 3x3
# layer's per-sample (64, 576) @ (576, 1024) products 4.0 -> 3.7 ms per 4 samples.
_ROW_PAD_BYTES = 64


def _row_padded_empty(xp, shape, dtype):
    """``xp.empty(shape, dtype)``, with its rows (the last axis) laid ``_ROW_PAD_BYTES`` further
    apart when they would lie a multiple of 1 KiB apart (on the CPU only: a strided view)."""
    if getattr(xp, "name", "") != "numpy" or not shape:
        return xp.empty(shape, dtype=dtype)
    itemsize = xp.dtype(dtype).itemsize
    row = shape[-1] * itemsize
    if row == 0 or row % 1024 or prod(shape[:-1]) < 2:
        return xp.empty(shape, dtype=dtype)
    extra = -(-_ROW_PAD_BYTES // itemsize)
    full = xp.empty((*shape[:-1], shape[-1] + extra), dtype=dtype)
    return full[..., :shape[-1]]


# Source rows per block of :func:`_transposed`: 16 float32 rows fill one 64-byte line of each
# result row per pass.
_T_BLOCK = 16


def _transposed(xp, a):
    """A contiguous copy of ``a.T`` for a 2-D ``a``. On the CPU, for a C-contiguous ``a``, copied
    in blocks of ``_T_BLOCK`` rows of ``a``: the one-pass copy walks ``a`` a whole row apart per
    element, and where its rows lie a power of two apart (a batch-last copy of LeNet's (64, 32,
    8, 8) gradient: 8 KiB) every read of a result row lands in the same cache sets (0.37 ->
    0.13 ms, one thread)."""
    rows, width = a.shape
    if (getattr(xp, "name", "") != "numpy" or rows <= _T_BLOCK or width < 2 * _T_BLOCK
            or not a.flags.c_contiguous):
        return xp.ascontiguousarray(a.T)
    out = xp.empty((width, rows), dtype=a.dtype)
    for i in range(0, rows, _T_BLOCK):
        out[:, i:i + _T_BLOCK] = a[i:i + _T_BLOCK].T
    return out


def _recorded(xp) -> bool:
    """True when the rule runs under create_graph (xp is gradkit's Tensor namespace)."""
    return getattr(xp, "name", "") == "tensor"


def _to_batch_last(x, padding):
    """(N, C, *S) -> contiguous, zero-padded (C, *S_padded, N)."""
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    k = len(spatial)
    xp = namespace_of(x)
    xt = x.transpose(*range(1, k + 2), 0)
    if not any(padding):
        if x.flags.c_contiguous:
            return _transposed(xp, x.reshape(n, prod(x.shape[1:]))).reshape((*x.shape[1:], n))
        return xp.ascontiguousarray(xt)
    lows = padding[::2]
    padded = tuple(s + lo + hi for s, lo, hi in zip(spatial, lows, padding[1::2]))
    out = xp.zeros((c, *padded, n), dtype=x.dtype)
    out[(_ALL, *(slice(lo, lo + s) for lo, s in zip(lows, spatial)), _ALL)] = xt
    return out


def im2col(x, kernel, out_size, stride, padding, dilation):
    """The ``(C * prod(kernel), prod(out_size) * N)`` patch matrix of ``x`` (N, C, *S) (rows maybe
    padded: :func:`_row_padded_empty`).

    Built from a batch-last copy of the input, so each copied run is ``out_size[-1] * N`` long
    (stride 1).
    """
    n, c = x.shape[:2]
    xt = _to_batch_last(x, padding)
    xp = namespace_of(xt)
    strides = xt.strides
    s_sp = strides[1:-1]
    # a read-only use (copied at once), so no writeable= (CuPy's as_strided has no such argument)
    view = xp.lib.stride_tricks.as_strided(
        xt, shape=(c, *kernel, *out_size, n),
        strides=(strides[0], *[s * d for s, d in zip(s_sp, dilation)],
                 *[s * q for s, q in zip(s_sp, stride)], strides[-1]))
    cols = _row_padded_empty(xp, (c * prod(kernel), prod(out_size) * n), xt.dtype)
    xp.copyto(cols.reshape(view.shape), view)  # (a view: the rows split, the columns too)
    return cols


def _offsets(kernel, stride, dilation, out_size):
    """Per kernel offset (row-major: the row order of the patch matrices), the strided slice of
    each padded spatial axis it reads."""
    axes = [[slice(i * d, i * d + q * (o - 1) + 1, q) for i in range(kk)]
            for kk, d, q, o in zip(kernel, dilation, stride, out_size)]
    return product(*axes)


def col2im(cols, x_shape, kernel, out_size, stride, padding, dilation):
    """The adjoint of :func:`im2col`: sum patch gradients back into an (N, C, *S) array."""
    n, c = x_shape[:2]
    spatial = x_shape[2:]
    k = len(spatial)
    lows = padding[::2]
    padded = tuple(s + lo + hi for s, lo, hi in zip(spatial, lows, padding[1::2]))
    buf = namespace_of(cols).zeros((c, *padded, n), dtype=cols.dtype)
    gk = cols.reshape(c, prod(kernel), *out_size, n)
    # per axis, the strided slice of the padded buffer each kernel offset adds into
    axes = [[slice(i * d, i * d + q * (o - 1) + 1, q) for i in range(kk)]
            for kk, d, q, o in zip(kernel, dilation, stride, out_size)]
    for j, sl in enumerate(product(*axes)):  # row-major offsets: the row order of im2col
        buf[(_ALL, *sl, _ALL)] += gk[:, j]
    # an (N, C, *S) view of batch-last memory: the next conv's im2col reads it without a copy
    inner = buf[(_ALL, *(slice(lo, lo + s) for lo, s in zip(lows, spatial)), _ALL)]
    return inner.transpose(k + 1, *range(k + 1))


def _grouped(mat, groups):
    """(rows, cols) -> (groups, rows/groups, cols) view."""
    return mat.reshape(groups, mat.shape[0] // groups, mat.shape[1])


def _apply_weight(w, cols, groups):
    """``w`` (O, C/g, *kernel) times the patch matrix: (O, N*L)."""
    o = w.shape[0]
    if groups == 1:
        return namespace_of(w).matmul(w.reshape(o, -1), cols)
    wg = w.reshape(groups, o // groups, -1)
    return namespace_of(w).matmul(wg, _grouped(cols, groups)).reshape(o, cols.shape[1])


def _apply_weight_t(w, g2, groups):
    """``w`` transposed times the output gradient matrix ``g2`` (O, N*L): (C*prod(kernel), N*L)."""
    o = w.shape[0]
    if groups == 1:
        xp = namespace_of(w)
        wt = w.reshape(o, -1).T
        return xp.matmul(wt, g2, out=_row_padded_empty(xp, (wt.shape[0], g2.shape[1]), g2.dtype))
    wg = w.reshape(groups, o // groups, -1)
    out = namespace_of(w).matmul(wg.transpose(0, 2, 1), _grouped(g2, groups))
    return out.reshape(groups * out.shape[1], g2.shape[1])  # (not -1: N*L may be 0)


def _weight_grad(g2, cols, w_shape, groups):
    """``g2`` (O, N*L) times the patch matrix transposed, shaped like the weight."""
    if groups == 1:
        # as (cols @ g2.T).T: OpenBLAS runs this skinny product (a long inner dimension, O
        # and C*K small) 1.3-2x faster with the patch matrix untransposed (LeNet's layers: 1.0
        # -> 0.5 ms and 2.1 -> 1.4 ms, one thread); the transposed (C*K, O) result is small
        xp = namespace_of(g2)
        return xp.ascontiguousarray(xp.matmul(cols, g2.T).T).reshape(w_shape)
    out = namespace_of(g2).matmul(_grouped(g2, groups), _grouped(cols, groups).transpose(0, 2, 1))
    return out.reshape(w_shape)


def _to_batch_first(y2, n, o, spatial):
    """(O, prod(spatial)*N) -> (N, O, *spatial), a view of the batch-last kernel result (the
    conv op then makes it contiguous, PyTorch's layout). Any number of spatial dimensions."""
    k = len(spatial)
    return y2.reshape((o, *spatial, n)).transpose(k + 1, *range(k + 1))


def _to_rows(g):
    """(N, O, *spatial) -> contiguous (O, prod(spatial)*N), the column order of :func:`im2col`."""
    n, o = g.shape[:2]
    xp = namespace_of(g)
    if g.flags.c_contiguous:
        return _transposed(xp, g.reshape(n, prod(g.shape[1:]))).reshape(o, prod(g.shape[2:]) * n)
    return xp.ascontiguousarray(g.transpose(*range(1, g.ndim), 0)).reshape(o, -1)


def _out_size(x_shape, kernel, stride, padding, dilation):
    return tuple(conv_out_size(n, k, s, lo, hi, d) for n, k, s, lo, hi, d
                 in zip(x_shape[2:], kernel, stride, padding[::2], padding[1::2], dilation))


def _bias_grad(xp, g):
    """The bias gradient: ``g`` summed over the batch and every spatial axis."""
    if type(g) is np.ndarray:
        return channel_sums(g)
    return xp.sum(g, axis=(0, *range(2, len(g.shape))))


# ----------------------------------------------------------------------------- kernels
def _conv_kernel(x, w, b, stride, padding, dilation, groups):
    kernel = w.shape[2:]
    out = _out_size(x.shape, kernel, stride, padding, dilation)
    cols = im2col(x, kernel, out, stride, padding, dilation)
    y2 = _apply_weight(w, cols, groups)
    if b is not None:
        y2 += b.reshape(-1, 1)
    return _to_batch_first(y2, x.shape[0], w.shape[0], out), cols


def _conv_t_kernel(g2, w, x_shape, out_size, stride, padding, dilation, groups):
    gcols = _apply_weight_t(w, g2, groups)
    return col2im(gcols, x_shape, w.shape[2:], out_size, stride, padding, dilation)


# ----------------------------------------------------------------------------- per-sample path
# From this many output positions per sample the convolution runs on each sample's own patch
# matrix (``(C * prod(kernel), L)``, the GEMM's result is the sample's (O, L) output already in
# NCHW order), in chunks of samples; below it one batch-last patch matrix and one GEMM serve the
# whole batch (long copy runs where each sample's rows are short). Measured on LeNet's and a
# 3x32x32 CNN's layers, one thread: L = 576 and 1024 run 2-4x faster per sample (no transposing
# copies of the batch), L = 64 2x slower (short copy runs, small GEMMs).
_SAMPLE_MIN = 256
# Samples per chunk: as many as keep one chunk's patch matrix under this size. The patch matrix
# is built per chunk in forward and again in backward, never for the whole batch (for a 64->64
# 3x3 layer on 64 x 32x32 inputs the whole-batch matrix is 151 MB; a chunk fits in cache).
_CHUNK_BYTES = 4 << 20


def _chunks(n, per_sample):
    """``(samples per chunk, [(start, stop)])``."""
    step = max(1, min(n, _CHUNK_BYTES // max(1, per_sample)))
    return step, [(a, min(n, a + step)) for a in range(0, n, step)]


class _Patches:
    """Builds the ``(n, C * prod(kernel), prod(out_size))`` patch matrices of chunks of samples
    (rows ordered ``(c, *kernel offset)``, as :func:`im2col`) into one buffer reused from chunk
    to chunk, through a zero-bordered scratch copy of the chunk when there is padding (its
    border is written once): one strided copy of the window view per chunk, and no allocation
    per chunk (a 64->64 3x3 layer on 64 x 32x32 inputs, one sample per chunk: 10.4 -> 9.3 ms of
    copies per pass, one thread)."""

    def __init__(self, x, kernel, out_size, stride, padding, dilation, step, ones=False,
                 samples=None):
        xp = namespace_of(x)
        c = x.shape[1]
        spatial = x.shape[2:]
        lows = padding[::2]
        self.geometry = (tuple(kernel), tuple(out_size), tuple(stride), tuple(dilation))
        self.kernel, self.length = prod(kernel), prod(out_size)
        rows = c * self.kernel
        # ``ones``: a last row of ones under the patches (written once), so that a weight
        # matrix with the bias as its last column adds the bias inside the product.
        # ``samples``: room for that many samples' patches (each chunk then written at its
        # own place, ``at``), else for one chunk's, reused
        self.full = _row_padded_empty(xp, (samples or step, rows + bool(ones), self.length),
                                      x.dtype)
        self.cols = self.full[:, :rows] if ones else self.full
        if ones:
            self.full[:, rows] = 1
        self.pad = None
        if any(padding):
            padded = tuple(s + lo + hi for s, lo, hi in zip(spatial, lows, padding[1::2]))
            self.pad = xp.zeros((step, c, *padded), dtype=x.dtype)
            self.inner = (_ALL, _ALL, *(slice(lo, lo + s) for lo, s in zip(lows, spatial)))

    def __call__(self, xc, at=0):
        m, c = xc.shape[:2]
        src = xc
        if self.pad is not None:
            src = self.pad[:m]
            src[self.inner] = xc
        kernel, out_size, stride, dilation = self.geometry
        st = src.strides
        xp = namespace_of(src)
        # a read-only use (copied at once), so no writeable= (CuPy's has no such argument)
        view = xp.lib.stride_tricks.as_strided(
            src, shape=(m, c, *kernel, *out_size),
            strides=(st[0], st[1], *[s * d for s, d in zip(st[2:], dilation)],
                     *[s * q for s, q in zip(st[2:], stride)]))
        # (a view: rows and columns split)
        xp.copyto(self.cols[at:at + m].reshape(view.shape), view)
        return self.full[at:at + m]


# Up to this many bytes of patches (the whole batch's) the forward keeps its patch matrices
# for the weight gradient, which otherwise builds them again: LeNet's first layer (3.7 MB) and
# a 3->64 3x3 layer on 64 x 32x32 inputs (7.1 MB). Where they fill one chunk (LeNet's first
# layer) the forward writes no more than before; the memory is held from forward to backward.
_KEEP_BYTES = 8 << 20


class _Kept(list):
    """The forward's patch matrices (``(N, C * prod(kernel), L)``), kept for the backward,
    which empties the box (a second backward, under retain_graph, builds them again)."""

    __slots__ = ()


def _conv_samples(x, w, b, out_size, stride, padding, dilation, groups, keep=None):
    """The convolution, chunk by chunk of samples: a contiguous (N, O, *out_size) result.
    ``keep``: a :class:`_Kept` that receives the patch matrices when the direct path builds
    them for the whole batch within ``_KEEP_BYTES``."""
    xp = namespace_of(x)
    n, o = x.shape[0], w.shape[0]
    y = xp.empty((n, o, *out_size), dtype=x.dtype)
    if winograd_ok(x, w, stride, dilation, groups):
        wino = WinogradConv(x.shape, w, b, padding, x.dtype)
        with xp.errstate(all="ignore"):  # (inf - inf in a transform: that chunk is redone)
            redo = [(a, z) for a, z in wino.chunks(n) if not wino(x[a:z], y[a:z])]
        if not redo:
            return y
        # a non-finite input or weight (or an overflow in a transform): those chunks again,
        # directly, where inf and nan reach only the outputs whose windows hold them
        for a, z in redo:
            y[a:z] = _conv_samples_direct(x[a:z], w, b, out_size, stride, padding, dilation,
                                          groups)
        return y
    return _conv_samples_direct(x, w, b, out_size, stride, padding, dilation, groups, y, keep)


def _conv_samples_direct(x, w, b, out_size, stride, padding, dilation, groups, y=None,
                         keep=None):
    """:func:`_conv_samples` by im2col per chunk of samples (into ``y`` when given)."""
    xp = namespace_of(x)
    n, o = x.shape[0], w.shape[0]
    length = prod(out_size)
    if y is None:
        y = xp.empty((n, o, *out_size), dtype=x.dtype)
    y3 = y.reshape(n, o, length)
    wm = w.reshape(groups, o // groups, -1) if groups > 1 else w.reshape(o, -1)
    per = prod(w.shape[1:]) * groups * length * x.dtype.itemsize
    bias = b.reshape(-1, 1) if b is not None else None
    fused = bias is not None and groups == 1
    if fused:
        # the bias as one more column of the weight against a row of ones under the patches:
        # added inside the product instead of in a pass over the output (a 64->64 3x3 layer on
        # 64 x 32x32 inputs: one pass over 16 MiB less, for 1/577 more multiply-adds)
        wm = xp.concatenate([wm, bias.astype(wm.dtype, copy=False)], axis=1)
        bias = None
    step, chunks = _chunks(n, per)
    whole = keep is not None and n * per <= _KEEP_BYTES
    patches = _Patches(x, w.shape[2:], out_size, stride, padding, dilation, step,
                       ones=fused, samples=n if whole else None)
    for a, z in chunks:
        cols = patches(x[a:z], a if whole else 0)
        if groups == 1:
            xp.matmul(wm, cols, out=y3[a:z])
        else:
            xp.matmul(wm, cols.reshape(z - a, groups, -1, length),
                      out=y3[a:z].reshape(z - a, groups, o // groups, length))
        if bias is not None:
            y3[a:z] += bias  # while the chunk is in cache
    if whole:
        keep.append(patches.cols)
    return y


def _conv_samples_b(g, x, w, stride, padding, dilation, groups, need_x, need_w, kept=None):
    """Input and weight gradients of :func:`_conv_samples`, chunk by chunk of samples (the
    patch matrices ``kept`` from forward, else rebuilt per chunk)."""
    xp = namespace_of(g)
    n, o = g.shape[:2]
    out_size = g.shape[2:]
    length = prod(out_size)
    kernel = w.shape[2:]
    c = x.shape[1]
    g3 = g.reshape(n, o, length)
    og = o // groups
    wm = w.reshape(groups, og, -1)  # (groups, O/g, C/g * prod(kernel))
    per = c * prod(kernel) * length * g.dtype.itemsize
    gw = xp.zeros((groups, wm.shape[2], og), dtype=g.dtype) if need_w else None
    gx = xp.zeros(x.shape, dtype=g.dtype) if need_x else None
    wt = wm.transpose(0, 2, 1)
    lows = padding[::2]
    spatial = x.shape[2:]
    inner = (_ALL, _ALL, *(slice(lo, lo + s) for lo, s in zip(lows, spatial)))
    offsets = list(_offsets(kernel, stride, dilation, out_size))
    step, chunks = _chunks(n, per)
    # buffers reused from chunk to chunk (fresh ones would fault their pages in every time)
    patches = None
    if need_w and kept is None:
        patches = _Patches(x, kernel, out_size, stride, padding, dilation, step)
    part = xp.empty((step, groups, wm.shape[2], og), dtype=g.dtype) if need_w else None
    gcols = _row_padded_empty(xp, (step, groups, wm.shape[2], length), g.dtype) if need_x else None
    pad = None
    if need_x and any(padding):
        pad = xp.empty((step, c, *(s + lo + hi for s, lo, hi
                                   in zip(spatial, lows, padding[1::2]))), dtype=g.dtype)
    for a, z in chunks:
        m = z - a
        gc = g3[a:z].reshape(m, groups, og, length)
        if need_w:
            cols = patches(x[a:z]) if kept is None else kept[a:z]
            # (C/g*K, L) @ (L, O/g) per sample: the untransposed patch operand runs faster
            pc = xp.matmul(cols.reshape(m, groups, -1, length), gc.transpose(0, 1, 3, 2),
                           out=part[:m])
            gw += pc.sum(axis=0)
        if need_x:
            gk = xp.matmul(wt, gc, out=gcols[:m]).reshape(m, c, prod(kernel), *out_size)
            if pad is None:
                buf = gx[a:z]
            else:
                buf = pad[:m]
                buf.fill(0)
            for j, sl in enumerate(offsets):  # row-major offsets: the patch rows' order
                buf[(_ALL, _ALL, *sl)] += gk[:, :, j]
            if pad is not None:
                gx[a:z] = buf[inner]
    if need_w:
        gw = xp.ascontiguousarray(gw.transpose(0, 2, 1)).reshape(w.shape)
    return gx, gw


def _input_grad_as_conv(g, w, x_shape, stride, padding, dilation, groups):
    """The input gradient of a stride-1 convolution as a forward convolution of ``g`` with the
    spatially flipped weight, its in/out channels swapped (per group), and padding
    ``d * (k - 1) - pad`` on each side; ``None`` where that does not apply (a stride, or a
    padding past ``d * (k - 1)``).

    The same products as the transposed GEMM and col2im, in a better shape for BLAS: the
    reduction runs over ``O * prod(kernel)`` instead of ``O`` (a 64->64 3x3 layer: ``(64, 576)
    @ (576, 1024)`` per sample instead of ``(576, 64) @ (64, 1024)`` and nine strided adds,
    about 2x faster with OpenBLAS, one thread), and no patch-gradient matrix is written. Taken
    only where the input is not much larger than the output (``'same'``-like padding): for a
    valid 5x5 convolution of 12x12 planes it would multiply over 144 input positions instead of
    64 output ones (LeNet's second layer: 1.6x slower); nor where the output has many more
    channels than the input (the patch matrix of ``g`` then dwarfs the patch gradient: a 3->64
    layer, 2.9x slower)."""
    if (any(s != 1 for s in stride) or prod(x_shape[2:]) * 8 > prod(g.shape[2:]) * 9
            or w.shape[0] > 2 * x_shape[1]):
        return None
    xp = namespace_of(g)
    if not bool(xp.isfinite(w).all()):
        # an inf/NaN weight would meet the zero padding of g here (0 * inf = NaN) where the
        # transposed product, like PyTorch's, never multiplies padding: take that path
        return None
    kernel = w.shape[2:]
    reach = [d * (k - 1) for k, d in zip(kernel, dilation)]
    pads = []
    for r, lo, hi in zip(reach, padding[::2], padding[1::2]):
        if lo > r or hi > r:
            return None
        pads += [r - lo, r - hi]
    o, cg = w.shape[:2]
    wf = w.reshape(groups, o // groups, cg, *kernel).swapaxes(1, 2)
    wf = wf[(_ALL, _ALL, _ALL, *(slice(None, None, -1),) * len(kernel))]
    wf = xp.ascontiguousarray(wf).reshape(groups * cg, o // groups, *kernel)
    pads = tuple(pads)
    ones = (1,) * len(kernel)
    out = _out_size(g.shape, kernel, ones, pads, dilation)
    if tuple(out) != tuple(x_shape[2:]):  # (cannot happen for stride 1; kept as a guard)
        return None
    if prod(out) >= _SAMPLE_MIN:
        return _conv_samples(g, wf, None, out, ones, pads, dilation, groups)
    y = _conv_kernel(g, wf, None, ones, pads, dilation, groups)[0]
    return xp.ascontiguousarray(y)


# ----------------------------------------------------------------------------- CONV
def _channels_last_of(x, w, onednn=None):
    """The channels-last format the output of a convolution of ``x`` by ``w`` takes, as
    PyTorch's CPU kernels: when either operand is laid out channels-last (and not also
    row-major, as a one-channel tensor can be). None: row-major. A 3-d convolution (or
    transposed one) that PyTorch does not hand to oneDNN (``onednn`` False, see
    ``onednn_3d``; None: unless float64) writes a row-major output whatever the layout
    (slow_conv3d, slow_conv_dilated3d, slow_conv_transpose3d), where its 2-d fallbacks keep
    channels-last."""
    fmt = _mf.channels_last if x.ndim == 4 else _mf.channels_last_3d if x.ndim == 5 else None
    if fmt is None:
        return None
    if fmt is _mf.channels_last_3d and not (x.dtype != np.float64 if onednn is None else onednn):
        return None
    for a in (x, w):
        if (not a.flags.c_contiguous or _mf.exact_channels_last(a)) and _mf.is_in(a, fmt):
            return fmt
    return None


def onednn_3d(dtype, x_shape, w_shape, stride, dilation, groups, opad=None):
    """Whether PyTorch's CPU convolution runs a 3-d convolution of an input of ``x_shape`` by
    a weight of ``w_shape`` through oneDNN (ConvParams::use_mkldnn): never for float64; half
    precision always (gradkit follows PyTorch's oneDNN half kernels, see README), bfloat16 on
    processors with AVX-512 (elsewhere its slow kernels); float32
    when strided, dilated, of a batch of 16 or more, of a kernel other than 1 in its last
    two dims or with more than one thread, and also grouped, of a kernel above 3 in its last
    two dims, of a batch above one or of N * C * D * H above 20480 (elsewhere its own
    kernels are faster); a transposed one (``opad``: its output_padding) of any dtype never
    with an output_padding of at least its stride (which a larger dilation admits)."""
    name = str(dtype)
    if name == "float64" or opad is not None and any(o >= s for o, s in zip(opad, stride)):
        return False
    if name == "bfloat16":  # (oneDNN's bfloat16 kernels need AVX-512: mkldnn_bf16_device_check)
        return _onednn_avx512()
    if name != "float32":
        return True
    k = tuple(w_shape[-2:])
    first = (any(s != 1 for s in stride) or any(d != 1 for d in dilation)
             or x_shape[0] >= 16 or k != (1, 1) or get_num_threads() > 1)
    return first and (groups > 1 or min(k) > 3 or x_shape[0] > 1
                      or prod(x_shape[:4]) > 20480)


def _conv_f(xp, x, w, b, stride, padding, dilation, groups, onednn=None):
    if x.dtype is _HALF and type(w) is np.ndarray and any(np.ravel(padding)) \
            and not np.isfinite(w).all():
        return _conv_half_unpadded_taps(xp, x, w, b, stride, padding, dilation, groups)
    return _conv_f_body(xp, x, w, b, stride, padding, dilation, groups, onednn)


def _conv_half_unpadded_taps(xp, x, w, b, stride, padding, dilation, groups):
    """PyTorch's float16 kernel reads no padding: a NaN or inf weight whose taps at an output
    fall on padding only adds nothing there (0 * inf would be NaN). There the result is the
    convolution with those weights zeroed (the same sums); elsewhere the usual one. An
    asymmetric padding (padding='same' of an even kernel) is the kernel's symmetric one around
    a copy of the input padded with real zeros on the high side by the difference, as
    PyTorch's: those zeros are read."""
    args = (stride, padding, dilation, groups)
    finite = np.isfinite(w)
    y, aux = _conv_f_body(xp, x, w, b, *args)
    kept, _ = _conv_f_body(xp, x, np.where(finite, w, 0).astype(w.dtype), b, *args)
    # how many taps of a non-finite weight fall inside the (zero-extended) input at each output
    lows, highs = padding[::2], padding[1::2]
    extended = x.shape[:2] + tuple(n + hi - lo for n, lo, hi in zip(x.shape[2:], lows, highs))
    sym = tuple(v for lo in lows for v in (lo, lo))
    inside, _ = _conv_f_body(xp, np.ones(extended, x.dtype), (~finite).astype(x.dtype), None,
                             stride, sym, dilation, groups)
    return np.where(inside == 0, kept, y), aux


def _conv_f_body(xp, x, w, b, stride, padding, dilation, groups, onednn=None):
    if b is not None and x.dtype is _HALF:
        # PyTorch's half kernel adds the bias to the float32 sums and rounds once (rounding the
        # convolution first gives another last bit in about a quarter of the entries)
        y, aux = _conv_f_body(xp, x.astype(_F32), w.astype(_F32), b.astype(_F32), stride,
                              padding, dilation, groups)
        box = aux[4]
        if box:  # the kept patch matrix in the input's dtype, as backward expects it
            box[0] = box[0].astype(_HALF)
        return y.astype(_HALF), aux
    out = _out_size(x.shape, w.shape[2:], stride, padding, dilation)
    fmt = _channels_last_of(x, w, onednn)
    if fmt is not None:  # one more copy of the output, in the layout the user asked for
        y, aux = _conv_rowmajor(xp, x, w, b, out, stride, padding, dilation, groups)
        return _mf.copy_as(namespace_of(y), y, fmt), aux
    return _conv_rowmajor(xp, x, w, b, out, stride, padding, dilation, groups)


def _conv_rowmajor(xp, x, w, b, out, stride, padding, dilation, groups):
    if prod(out) >= _SAMPLE_MIN:
        kept = _Kept()
        y = _conv_samples(x, w, b, out, stride, padding, dilation, groups, kept)
        return y, (stride, padding, dilation, groups, kept or None)
    y, cols = _conv_kernel(x, w, b, stride, padding, dilation, groups)
    # PyTorch's layout: a contiguous NCHW output, so that x.view(x.size(0), -1) works after it
    # (the kernel's batch-last result is one transposing copy away; none for a batch of one).
    # The patch matrix travels in a box that backward empties: the node keeps it no longer than
    # its first backward (a second one, under retain_graph, builds it again from the input).
    return namespace_of(y).ascontiguousarray(y), (stride, padding, dilation, groups, [cols])


def _conv_b(xp, g, ins, out, aux, needs):
    x, w, _b = ins
    stride, padding, dilation, groups, box = aux
    gb = _bias_grad(xp, g) if needs[2] else None
    x_shape = tuple(x.shape)
    w_shape = tuple(w.shape)
    if _recorded(xp):
        _conv, conv_t, conv_w = _FAMILY[len(w_shape)]
        geo = (stride, padding, dilation, groups)
        gx = xp.apply(conv_t, (g, w, None), geo + (x_shape[2:],)) if needs[0] else None
        gw = xp.apply(conv_w, (x, g), geo + (w_shape,)) if needs[1] else None
        return gx, gw, gb
    if box is None or type(box) is _Kept:  # the per-sample path
        kept = box.pop() if box else None
        gx = None
        if needs[0]:
            gx = _input_grad_as_conv(g, w, x_shape, stride, padding, dilation, groups)
        need_x = needs[0] and gx is None
        gx2, gw = _conv_samples_b(g, x, w, stride, padding, dilation, groups, need_x, needs[1],
                                  kept)
        return (gx2 if need_x else gx), gw, gb
    cols = box.pop() if box else None
    g2 = _to_rows(g)
    gw = gx = None
    if needs[1]:
        if cols is None:
            cols = im2col(x, w_shape[2:], g.shape[2:], stride, padding, dilation)
        gw = _weight_grad(g2, cols, w_shape, groups)
    del cols  # before the input gradient's patch matrix of the same size
    if needs[0]:
        gx = _input_grad_as_conv(g, w, x_shape, stride, padding, dilation, groups)
        if gx is None:
            gx = _conv_t_kernel(g2, w, x_shape, g.shape[2:], stride, padding, dilation, groups)
    return gx, gw, gb


# ----------------------------------------------------------------------------- CONV_T
def _conv_t_f(xp, y, w, b, stride, padding, dilation, groups, x_spatial, onednn=None):
    if str(getattr(y, "dtype", "")) == "float16":  # (PyTorch's float16 kernel sums in float32:
        # col2im's overlapping taps summed in float16 drift by several ulps)
        out = _conv_t_f(xp, y.astype("float32"), w.astype("float32"),
                        None if b is None else b.astype("float32"), stride, padding, dilation,
                        groups, x_spatial)
        return out.astype("float16")
    x_shape = (y.shape[0], w.shape[1] * groups, *x_spatial)
    out = _conv_t_kernel(_to_rows(y), w, x_shape, y.shape[2:], stride, padding, dilation, groups)
    if b is not None:
        out += b.reshape((1, -1) + (1,) * len(x_spatial))
    ns = namespace_of(out)
    # PyTorch's kernel: channels-last kept, else contiguous
    fmt = _channels_last_of(y, w, onednn)
    return ns.ascontiguousarray(out) if fmt is None else _mf.copy_as(ns, out, fmt)


def _conv_t_b(xp, g, ins, out, aux, needs):
    y, w, _b = ins
    stride, padding, dilation, groups = aux[:4]
    gb = _bias_grad(xp, g) if needs[2] else None
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        conv, _conv_t, conv_w = _FAMILY[len(w.shape)]
        gy = _cropped(xp.apply(conv, (g, w, None), geo), y.shape) if needs[0] else None
        gw = xp.apply(conv_w, (g, y), geo + (tuple(w.shape),)) if needs[1] else None
        return gy, gw, gb
    y_spatial = y.shape[2:]
    cols = im2col(g, w.shape[2:], y_spatial, stride, padding, dilation)
    gy = gw = None
    if needs[0]:
        gy = _to_batch_first(_apply_weight(w, cols, groups), y.shape[0], w.shape[0], y_spatial)
    if needs[1]:
        gw = _weight_grad(_to_rows(y), cols, w.shape, groups)
    return gy, gw, gb


# ----------------------------------------------------------------------------- CONV_W
def _conv_w_f(xp, x, g, stride, padding, dilation, groups, w_shape):
    cols = im2col(x, w_shape[2:], g.shape[2:], stride, padding, dilation)
    return _weight_grad(_to_rows(g), cols, w_shape, groups)


def _conv_w_b(xp, gg, ins, out, aux, needs):
    # CONV_W(x, g) = d<g, conv(x, w)>/dw; its adjoint in x is CONV_T(g, gg), in g CONV(x, gg)
    x, g = ins
    stride, padding, dilation, groups, _w_shape = aux
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        conv, conv_t, _conv_w = _FAMILY[len(gg.shape)]
        gx = xp.apply(conv_t, (g, gg, None), geo + (tuple(x.shape[2:]),)) if needs[0] else None
        gg_ = _cropped(xp.apply(conv, (x, gg, None), geo), g.shape) if needs[1] else None
        return gx, gg_
    gx = gg_ = None
    if needs[0]:
        gx = _conv_t_f(xp, g, gg, None, stride, padding, dilation, groups, x.shape[2:])
    if needs[1]:
        gg_ = _cropped(_conv_kernel(x, gg, None, stride, padding, dilation, groups)[0], g.shape)
    return gx, gg_


def _cropped(a, shape):
    """``a`` cut to the spatial size of ``shape``: a convolution of a transposed
    convolution's output is longer by ``output_padding // stride`` (an output_padding of at
    least the stride, which a larger dilation admits); those last positions have no input."""
    if tuple(a.shape[2:]) == tuple(shape[2:]):
        return a
    return a[(slice(None), slice(None)) + tuple(slice(0, n) for n in shape[2:])]


CONV = Op("Convolution", _conv_f, _conv_b, saves=SAVES_INPUTS, returns_aux=True)
CONV_T = Op("ConvolutionTranspose", _conv_t_f, _conv_t_b, saves=SAVES_INPUTS,
            grad_name="ConvolutionBackward0")  # PyTorch's one node for every convolution
CONV_W = Op("ConvolutionWeight", _conv_w_f, _conv_w_b, saves=SAVES_INPUTS)
CONV3 = Op("Convolution3d", _conv_f, _conv_b, saves=SAVES_INPUTS, returns_aux=True,
           grad_name="ConvolutionBackward0")
CONV3_T = Op("ConvolutionTranspose3d", _conv_t_f, _conv_t_b, saves=SAVES_INPUTS,
             grad_name="ConvolutionBackward0")
CONV3_W = Op("ConvolutionWeight3d", _conv_w_f, _conv_w_b, saves=SAVES_INPUTS)

# weight rank -> (conv, transposed conv, weight gradient): the ops a recorded rule applies
_FAMILY = {4: (CONV, CONV_T, CONV_W), 5: (CONV3, CONV3_T, CONV3_W)}
