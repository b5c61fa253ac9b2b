"""Convolution primitives: 2-D convolution, its input-gradient (the transposed convolution) and its
weight-gradient, as three ops that are closed under differentiation.

All three are bilinear, so each one's backward rule is made of the other two:

* ``CONV(x, w, b)``: the convolution (cross-correlation) ``y = conv(x, w) + b``.
* ``CONV_T(y, w, b)``: the adjoint of ``x -> conv(x, w)`` applied to ``y`` (``conv_transpose2d``).
* ``CONV_W(x, g)``: the adjoint of ``w -> conv(x, w)`` applied to ``g`` (the weight gradient).

On the fast (first-order) path the rules call the array kernels directly and reuse the im2col
matrix the forward kept; under ``create_graph=True`` they call the ops through ``xp.apply``, so the
backward is recorded and can be differentiated again.

Layout: im2col builds a contiguous ``(C * kh * kw, Ho * Wo * N)`` matrix (rows ordered
``(c, i, j)``, columns ``(ho, wo, n)``: batch last, so every strided copy and every col2im add
runs over long contiguous stretches) with one strided copy, so every product is one large GEMM
and the weight gradient is ``g2 @ cols.T`` with no further copy. The input gradient (col2im) sums
the ``kh * kw`` kernel offsets into strided slices of a padded buffer: one vectorised add each.

Geometry travels as static op parameters ``(stride, padding, dilation, groups)``: ``stride`` and
``dilation`` are ``(sh, sw)``, ``padding`` is ``(top, bottom, left, right)`` (``'same'`` may be
asymmetric).
"""

from __future__ import annotations

from .._backend import namespace_of
from ..autograd.graph import SAVES_INPUTS, Op

__all__ = ["CONV", "CONV_T", "CONV_W", "col2im", "conv_out_size", "im2col"]


def conv_out_size(n: int, k: int, stride: int, pad_lo: int, pad_hi: int, dilation: int) -> int:
    """Output length of a convolution along one axis."""
    return (n + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def _recorded(xp) -> bool:
    """True when the rule runs under create_graph (xp is gradkit's Tensor namespace)."""
    return getattr(xp, "name", "") == "tensor"


def _to_chwn(x, padding):
    """(N, C, H, W) -> contiguous, zero-padded (C, H + pt + pb, W + pl + pr, N)."""
    pt, pb, pl, pr = padding
    n, c, h, w = x.shape
    xp = namespace_of(x)
    if not (pt or pb or pl or pr):
        return xp.ascontiguousarray(x.transpose(1, 2, 3, 0))
    out = xp.zeros((c, h + pt + pb, w + pl + pr, n), dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w, :] = x.transpose(1, 2, 3, 0)
    return out


def im2col(x, kh, kw, out_hw, stride, padding, dilation):
    """The ``(C * kh * kw, Ho * Wo * N)`` patch matrix of ``x`` (N, C, H, W), contiguous.

    Built from a batch-last copy of the input, so each copied run is ``Wo * N`` long (stride 1).
    """
    n, c = x.shape[:2]
    ho, wo = out_hw
    xt = _to_chwn(x, padding)
    xp = namespace_of(xt)
    s_c, s_h, s_w, s_n = xt.strides
    sh, sw = stride
    dh, dw = dilation
    # a read-only use (copied at once), so no writeable= (CuPy's as_strided has no such argument)
    view = xp.lib.stride_tricks.as_strided(
        xt, shape=(c, kh, kw, ho, wo, n),
        strides=(s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw, s_n))
    cols = xp.ascontiguousarray(view)
    return cols.reshape(c * kh * kw, ho * wo * n)


def col2im(cols, x_shape, kh, kw, out_hw, stride, padding, dilation):
    """The adjoint of :func:`im2col`: sum patch gradients back into an (N, C, H, W) array."""
    n, c, h, w = x_shape
    ho, wo = out_hw
    pt, pb, pl, pr = padding
    sh, sw = stride
    dh, dw = dilation
    buf = namespace_of(cols).zeros((c, h + pt + pb, w + pl + pr, n), dtype=cols.dtype)
    g6 = cols.reshape(c, kh, kw, ho, wo, n)
    hspan = sh * (ho - 1) + 1
    wspan = sw * (wo - 1) + 1
    for i in range(kh):
        r0 = i * dh
        for j in range(kw):
            c0 = j * dw
            buf[:, r0:r0 + hspan:sh, c0:c0 + wspan:sw, :] += g6[:, i, j]
    # an (N, C, H, W) view of batch-last memory: the next conv's im2col reads it without a copy
    return buf[:, pt:pt + h, pl:pl + w, :].transpose(3, 0, 1, 2)


def _grouped(mat, groups):
    """(rows, cols) -> (groups, rows/groups, cols) view."""
    return mat.reshape(groups, mat.shape[0] // groups, mat.shape[1])


def _apply_weight(w, cols, groups):
    """``w`` (O, C/g, kh, kw) times the patch matrix: (O, N*L)."""
    o = w.shape[0]
    if groups == 1:
        return w.reshape(o, -1) @ cols
    wg = w.reshape(groups, o // groups, -1)
    return namespace_of(w).matmul(wg, _grouped(cols, groups)).reshape(o, cols.shape[1])


def _apply_weight_t(w, g2, groups):
    """``w`` transposed times the output gradient matrix ``g2`` (O, N*L): (C*kh*kw, N*L)."""
    o = w.shape[0]
    if groups == 1:
        return w.reshape(o, -1).T @ g2
    wg = w.reshape(groups, o // groups, -1)
    out = namespace_of(w).matmul(wg.transpose(0, 2, 1), _grouped(g2, groups))
    return out.reshape(-1, g2.shape[1])


def _weight_grad(g2, cols, w_shape, groups):
    """``g2`` (O, N*L) times the patch matrix transposed, shaped like the weight."""
    if groups == 1:
        return (g2 @ cols.T).reshape(w_shape)
    out = namespace_of(g2).matmul(_grouped(g2, groups), _grouped(cols, groups).transpose(0, 2, 1))
    return out.reshape(w_shape)


def _to_batch_first(y2, n, o, spatial):
    """(O, prod(spatial)*N) -> (N, O, *spatial), a view: the output keeps the batch-last memory
    layout (like PyTorch's channels_last, it is an ordinary strided array), so elementwise ops
    and pooling after it preserve that layout, and the next conv's im2col and this conv's
    backward (``_to_rows``) need no transposing copy. Any number of spatial dimensions."""
    k = len(spatial)
    return y2.reshape((o, *spatial, n)).transpose(k + 1, *range(k + 1))


def _to_rows(g):
    """(N, O, *spatial) -> contiguous (O, prod(spatial)*N), the column order of :func:`im2col`
    (and of ``im2col3d``)."""
    o = g.shape[1]
    return namespace_of(g).ascontiguousarray(g.transpose(*range(1, g.ndim), 0)).reshape(o, -1)


def _out_hw(x_shape, kh, kw, stride, padding, dilation):
    h, w = x_shape[2:]
    pt, pb, pl, pr = padding
    return (conv_out_size(h, kh, stride[0], pt, pb, dilation[0]),
            conv_out_size(w, kw, stride[1], pl, pr, dilation[1]))


# ----------------------------------------------------------------------------- kernels
def _conv_kernel(x, w, b, stride, padding, dilation, groups):
    kh, kw = w.shape[2:]
    ho, wo = _out_hw(x.shape, kh, kw, stride, padding, dilation)
    cols = im2col(x, kh, kw, (ho, wo), stride, padding, dilation)
    y2 = _apply_weight(w, cols, groups)
    if b is not None:
        y2 += b.reshape(-1, 1)
    return _to_batch_first(y2, x.shape[0], w.shape[0], (ho, wo)), cols


def _conv_t_kernel(g2, w, x_shape, out_hw, stride, padding, dilation, groups):
    kh, kw = w.shape[2:]
    gcols = _apply_weight_t(w, g2, groups)
    return col2im(gcols, x_shape, kh, kw, out_hw, stride, padding, dilation)


def _x_shape_for(y, w, x_hw, groups):
    return (y.shape[0], w.shape[1] * groups, x_hw[0], x_hw[1])


# ----------------------------------------------------------------------------- CONV
def _conv_f(xp, x, w, b, stride, padding, dilation, groups):
    y, cols = _conv_kernel(x, w, b, stride, padding, dilation, groups)
    return y, (stride, padding, dilation, groups, cols)


def _conv_b(xp, g, ins, out, aux, needs):
    x, w, _b = ins
    stride, padding, dilation, groups, cols = aux
    gb = xp.sum(g, axis=(0, 2, 3)) if needs[2] else None
    x_shape = tuple(x.shape)
    w_shape = tuple(w.shape)
    if _recorded(xp):
        geo = (stride, padding, dilation, groups)
        gx = xp.apply(CONV_T, (g, w, None), geo + (x_shape[2:],)) if needs[0] else None
        gw = xp.apply(CONV_W, (x, g), geo + (w_shape,)) if needs[1] else None
        return gx, gw, gb
    g2 = _to_rows(g)
    gw = _weight_grad(g2, cols, w_shape, groups) if needs[1] else None
    gx = None
    if needs[0]:
        gx = _conv_t_kernel(g2, w, x_shape, g.shape[2:], stride, padding, dilation, groups)
    return gx, gw, gb


# ----------------------------------------------------------------------------- CONV_T
def _conv_t_f(xp, y, w, b, stride, padding, dilation, groups, x_hw):
    x_shape = _x_shape_for(y, w, x_hw, groups)
    out = _conv_t_kernel(_to_rows(y), w, x_shape, y.shape[2:], stride, padding, dilation, groups)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _conv_t_b(xp, g, ins, out, aux, needs):
    y, w, _b = ins
    stride, padding, dilation, groups, _x_hw = aux
    gb = xp.sum(g, axis=(0, 2, 3)) if needs[2] else None
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        gy = xp.apply(CONV, (g, w, None), geo) if needs[0] else None
        gw = xp.apply(CONV_W, (g, y), geo + (tuple(w.shape),)) if needs[1] else None
        return gy, gw, gb
    kh, kw = w.shape[2:]
    ho, wo = y.shape[2:]
    cols = im2col(g, kh, kw, (ho, wo), stride, padding, dilation)
    gy = gw = None
    if needs[0]:
        gy = _to_batch_first(_apply_weight(w, cols, groups), y.shape[0], w.shape[0], (ho, wo))
    if needs[1]:
        gw = _weight_grad(_to_rows(y), cols, w.shape, groups)
    return gy, gw, gb


# ----------------------------------------------------------------------------- CONV_W
def _conv_w_f(xp, x, g, stride, padding, dilation, groups, w_shape):
    kh, kw = w_shape[2:]
    cols = im2col(x, kh, kw, g.shape[2:], stride, padding, dilation)
    return _weight_grad(_to_rows(g), cols, w_shape, groups)


def _conv_w_b(xp, gg, ins, out, aux, needs):
    # CONV_W(x, g) = d<g, conv(x, w)>/dw; its adjoint in x is CONV_T(g, gg), in g CONV(x, gg)
    x, g = ins
    stride, padding, dilation, groups, _w_shape = aux
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        gx = xp.apply(CONV_T, (g, gg, None), geo + (tuple(x.shape[2:]),)) if needs[0] else None
        gg_ = xp.apply(CONV, (x, gg, None), geo) if needs[1] else None
        return gx, gg_
    gx = gg_ = None
    if needs[0]:
        gx = _conv_t_f(xp, g, gg, None, stride, padding, dilation, groups, x.shape[2:])
    if needs[1]:
        gg_ = _conv_kernel(x, gg, None, stride, padding, dilation, groups)[0]
    return gx, gg_


CONV = Op("Convolution", _conv_f, _conv_b, saves=SAVES_INPUTS, returns_aux=True)
CONV_T = Op("ConvolutionTranspose", _conv_t_f, _conv_t_b, saves=SAVES_INPUTS)
CONV_W = Op("ConvolutionWeight", _conv_w_f, _conv_w_b, saves=SAVES_INPUTS)
