"""3-D convolution primitives, the volumetric twins of :mod:`gradkit.ops.conv`: the convolution
``CONV3(x, w, b)``, its input adjoint ``CONV3_T(y, w, b)`` (``conv_transpose3d``) and its weight
adjoint ``CONV3_W(x, g)``; each one's backward is made of the other two, so gradients of any
order work.

The same layout as the 2-D ops: im2col copies the (padded) input once into a contiguous
``(C * kd * kh * kw, Do * Ho * Wo * N)`` patch matrix (batch last) through one strided view, so
each product is one GEMM (grouped: one batched matmul), and col2im adds the ``kd * kh * kw``
kernel offsets into strided slices of a padded buffer.

Geometry: ``stride`` and ``dilation`` are ``(sd, sh, sw)``; ``padding`` is ``(front, back, top,
bottom, left, right)``.
"""

from __future__ import annotations

from .._backend import namespace_of
from ..autograd.graph import SAVES_INPUTS, Op
from .conv import (
    _apply_weight,
    _apply_weight_t,
    _recorded,
    _to_batch_first,
    _to_rows,
    _weight_grad,
    conv_out_size,
)

__all__ = ["CONV3", "CONV3_T", "CONV3_W", "col2im3d", "im2col3d"]


def _to_cdhwn(x, padding):
    """(N, C, D, H, W) -> contiguous, zero-padded (C, D', H', W', N)."""
    pf, pk, pt, pb, pl, pr = padding
    n, c, d, h, w = x.shape
    xp = namespace_of(x)
    if not any(padding):
        return xp.ascontiguousarray(x.transpose(1, 2, 3, 4, 0))
    out = xp.zeros((c, d + pf + pk, h + pt + pb, w + pl + pr, n), dtype=x.dtype)
    out[:, pf:pf + d, pt:pt + h, pl:pl + w, :] = x.transpose(1, 2, 3, 4, 0)
    return out


def im2col3d(x, kernel, out_dhw, stride, padding, dilation):
    """The ``(C * kd * kh * kw, Do * Ho * Wo * N)`` patch matrix of ``x`` (N, C, D, H, W)."""
    n, c = x.shape[:2]
    kd, kh, kw = kernel
    do, ho, wo = out_dhw
    xt = _to_cdhwn(x, padding)
    xp = namespace_of(xt)
    s_c, s_d, s_h, s_w, s_n = xt.strides
    sd, sh, sw = stride
    dd, dh, dw = dilation
    view = xp.lib.stride_tricks.as_strided(
        xt, shape=(c, kd, kh, kw, do, ho, wo, n),
        strides=(s_c, s_d * dd, s_h * dh, s_w * dw, s_d * sd, s_h * sh, s_w * sw, s_n))
    return xp.ascontiguousarray(view).reshape(c * kd * kh * kw, do * ho * wo * n)


def col2im3d(cols, x_shape, kernel, out_dhw, stride, padding, dilation):
    """The adjoint of :func:`im2col3d`: sum patch gradients into an (N, C, D, H, W) array."""
    n, c, d, h, w = x_shape
    kd, kh, kw = kernel
    do, ho, wo = out_dhw
    pf, pk, pt, pb, pl, pr = padding
    sd, sh, sw = stride
    dd, dh, dw = dilation
    buf = namespace_of(cols).zeros((c, d + pf + pk, h + pt + pb, w + pl + pr, n),
                                   dtype=cols.dtype)
    g8 = cols.reshape(c, kd, kh, kw, do, ho, wo, n)
    dspan, hspan, wspan = sd * (do - 1) + 1, sh * (ho - 1) + 1, sw * (wo - 1) + 1
    for a in range(kd):
        z0 = a * dd
        for i in range(kh):
            r0 = i * dh
            for j in range(kw):
                c0 = j * dw
                buf[:, z0:z0 + dspan:sd, r0:r0 + hspan:sh, c0:c0 + wspan:sw, :] += g8[:, a, i, j]
    return buf[:, pf:pf + d, pt:pt + h, pl:pl + w, :].transpose(4, 0, 1, 2, 3)


def _out_dhw(x_shape, kernel, stride, padding, dilation):
    return tuple(conv_out_size(x_shape[2 + i], kernel[i], stride[i], padding[2 * i],
                               padding[2 * i + 1], dilation[i]) for i in range(3))


def _conv_kernel(x, w, b, stride, padding, dilation, groups):
    kernel = tuple(w.shape[2:])
    out = _out_dhw(x.shape, kernel, stride, padding, dilation)
    cols = im2col3d(x, kernel, out, stride, padding, dilation)
    y2 = _apply_weight(w, cols, groups)
    if b is not None:
        y2 += b.reshape(-1, 1)
    return _to_batch_first(y2, x.shape[0], w.shape[0], out), cols


def _conv_t_kernel(g2, w, x_shape, out_dhw, stride, padding, dilation, groups):
    gcols = _apply_weight_t(w, g2, groups)
    return col2im3d(gcols, x_shape, tuple(w.shape[2:]), out_dhw, stride, padding, dilation)


# ----------------------------------------------------------------------------- CONV3
def _conv_f(xp, x, w, b, stride, padding, dilation, groups):
    y, cols = _conv_kernel(x, w, b, stride, padding, dilation, groups)
    return y, (stride, padding, dilation, groups, cols)


def _conv_b(xp, g, ins, out, aux, needs):
    x, w, _b = ins
    stride, padding, dilation, groups, cols = aux
    gb = xp.sum(g, axis=(0, 2, 3, 4)) if needs[2] else None
    x_shape, w_shape = tuple(x.shape), tuple(w.shape)
    if _recorded(xp):
        geo = (stride, padding, dilation, groups)
        gx = xp.apply(CONV3_T, (g, w, None), geo + (x_shape[2:],)) if needs[0] else None
        gw = xp.apply(CONV3_W, (x, g), geo + (w_shape,)) if needs[1] else None
        return gx, gw, gb
    g2 = _to_rows(g)
    gw = _weight_grad(g2, cols, w_shape, groups) if needs[1] else None
    gx = None
    if needs[0]:
        gx = _conv_t_kernel(g2, w, x_shape, g.shape[2:], stride, padding, dilation, groups)
    return gx, gw, gb


# ----------------------------------------------------------------------------- CONV3_T
def _conv_t_f(xp, y, w, b, stride, padding, dilation, groups, x_dhw):
    x_shape = (y.shape[0], w.shape[1] * groups) + tuple(x_dhw)
    out = _conv_t_kernel(_to_rows(y), w, x_shape, y.shape[2:], stride, padding, dilation,
                         groups)
    if b is not None:
        out += b.reshape(1, -1, 1, 1, 1)
    return out


def _conv_t_b(xp, g, ins, out, aux, needs):
    y, w, _b = ins
    stride, padding, dilation, groups, _x_dhw = aux
    gb = xp.sum(g, axis=(0, 2, 3, 4)) if needs[2] else None
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        gy = xp.apply(CONV3, (g, w, None), geo) if needs[0] else None
        gw = xp.apply(CONV3_W, (g, y), geo + (tuple(w.shape),)) if needs[1] else None
        return gy, gw, gb
    kernel = tuple(w.shape[2:])
    cols = im2col3d(g, kernel, tuple(y.shape[2:]), stride, padding, dilation)
    gy = gw = None
    if needs[0]:
        gy = _to_batch_first(_apply_weight(w, cols, groups), y.shape[0], w.shape[0], y.shape[2:])
    if needs[1]:
        gw = _weight_grad(_to_rows(y), cols, w.shape, groups)
    return gy, gw, gb


# ----------------------------------------------------------------------------- CONV3_W
def _conv_w_f(xp, x, g, stride, padding, dilation, groups, w_shape):
    cols = im2col3d(x, tuple(w_shape[2:]), tuple(g.shape[2:]), stride, padding, dilation)
    return _weight_grad(_to_rows(g), cols, w_shape, groups)


def _conv_w_b(xp, gg, ins, out, aux, needs):
    x, g = ins
    stride, padding, dilation, groups, _w_shape = aux
    geo = (stride, padding, dilation, groups)
    if _recorded(xp):
        gx = xp.apply(CONV3_T, (g, gg, None), geo + (tuple(x.shape[2:]),)) if needs[0] else None
        gg_ = xp.apply(CONV3, (x, gg, None), geo) if needs[1] else None
        return gx, gg_
    gx = gg_ = None
    if needs[0]:
        gx = _conv_t_f(xp, g, gg, None, stride, padding, dilation, groups, x.shape[2:])
    if needs[1]:
        gg_ = _conv_kernel(x, gg, None, stride, padding, dilation, groups)[0]
    return gx, gg_


CONV3 = Op("Convolution3d", _conv_f, _conv_b, saves=SAVES_INPUTS, returns_aux=True)
CONV3_T = Op("ConvolutionTranspose3d", _conv_t_f, _conv_t_b, saves=SAVES_INPUTS)
CONV3_W = Op("ConvolutionWeight3d", _conv_w_f, _conv_w_b, saves=SAVES_INPUTS)
