"""gradkit.vision.ops' position-sensitive RoI pooling and deformable convolution against
references that transcribe torchvision's CPU kernels loop by loop (csrc/ops/cpu/
ps_roi_pool_kernel.cpp, deform_conv2d_kernel.cpp: torchvision's compiled ops do not load beside
a CPU torch), torchvision's pure-Python wrappers (module reprs, initialisation, argument
checks), and gradients against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import torchvision_module
from test_vision_ops_detection import ROIS, finite_difference_grad

import gradkit as gk
from gradkit.vision import ops

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------- ps_roi_pool

def ps_roi_pool_reference(x, rois, scale, ph_, pw_):
    """torchvision's ps_roi_pool_kernel.cpp (forward) in plain Python."""
    T = x.dtype.type
    _, C, H, W = x.shape
    c_out = C // (ph_ * pw_)
    out = np.zeros((rois.shape[0], c_out, ph_, pw_), dtype=x.dtype)

    def cround(v):  # C's round: half away from zero
        return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

    for n in range(rois.shape[0]):
        r = rois[n]
        b = int(r[0])
        sw, sh = cround(r[1] * T(scale)), cround(r[2] * T(scale))
        ew, eh = cround(r[3] * T(scale)), cround(r[4] * T(scale))
        rw, rh = max(ew - sw, 1), max(eh - sh, 1)
        bh, bw = T(rh) / T(ph_), T(rw) / T(pw_)
        c_in = 0
        for co in range(c_out):
            for ph in range(ph_):
                for pw in range(pw_):
                    hs = min(max(int(math.floor(T(ph) * bh)) + sh, 0), H - 1)
                    ws = min(max(int(math.floor(T(pw) * bw)) + sw, 0), W - 1)
                    he = min(max(int(math.ceil(T(ph + 1) * bh)) + sh, 0), H - 1)
                    we = min(max(int(math.ceil(T(pw + 1) * bw)) + sw, 0), W - 1)
                    total = T(0)
                    for h in range(hs, he):
                        for w in range(ws, we):
                            total += x[b, c_in, h, w]
                    empty = he <= hs or we <= ws
                    out[n, co, ph, pw] = 0 if empty else total / T((he - hs) * (we - ws))
                    c_in += 1
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale,size", [(1.0, (2, 3)), (0.5, (2, 2)), (1.25, (3, 1)),
                                        (0.625, (1, 1))])
def test_ps_roi_pool_matches_kernel(dtype, scale, size):
    rng = np.random.default_rng(31)
    c = 2 * size[0] * size[1]
    x = rng.normal(size=(2, c, 8, 9)).astype(dtype)
    rois = ROIS.astype(dtype)
    rois[6] = [0, 2.5, 0.5, 7.5, 7.5]  # halves: C's round goes away from zero
    got = ops.ps_roi_pool(gk.tensor(x), gk.tensor(rois), size, scale)
    want = ps_roi_pool_reference(x, rois, scale, *size)
    assert got.dtype == gk.tensor(x).dtype and tuple(got.shape) == want.shape
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


def test_ps_roi_pool_gradient():
    rng = np.random.default_rng(32)
    x = rng.normal(size=(2, 8, 6, 7))
    rois = np.array([[0, 0.3, 0.7, 4.2, 5.1], [1, -1.0, 1.0, 8.0, 3.0], [0, 2.0, 2.0, 2.5, 2.7],
                     [1, 0.0, 0.0, 6.0, 5.0], [0, 9.0, 9.0, 12.0, 12.0]])
    w = rng.normal(size=(5, 2, 2, 2))
    gx = gk.tensor(x, requires_grad=True)
    (ops.ps_roi_pool(gx, gk.tensor(rois), 2) * gk.tensor(w)).sum().backward()
    fd = finite_difference_grad(lambda a: ps_roi_pool_reference(a, rois, 1.0, 2, 2), x, w)
    np.testing.assert_allclose(gx.grad.numpy(), fd, rtol=1e-6, atol=1e-8)
    # the forward never reads the last row or column (the kernel clips bins to H - 1, W - 1)
    assert not gx.grad.numpy()[:, :, -1, :].any() and not gx.grad.numpy()[:, :, :, -1].any()


def test_ps_roi_pool_module_list_half_empty_and_errors():
    x = gk.randn(2, 8, 6, 6)
    per_image = [gk.tensor([[0.0, 0, 3, 3]]), gk.tensor([[1.0, 1, 5, 4], [2.0, 0, 4, 4]])]
    rois = gk.tensor([[0, 0.0, 0, 3, 3], [1, 1, 1, 5, 4], [1, 2, 0, 4, 4]])
    m = ops.PSRoIPool((2, 2), 1.0)
    np.testing.assert_array_equal(m(x, per_image).numpy(), ops.ps_roi_pool(x, rois, 2).numpy())
    tv_m = torchvision_module("torchvision.ops.ps_roi_pool").PSRoIPool((2, 2), 1.0)
    assert repr(m) == repr(tv_m)
    half = ops.ps_roi_pool(x.half(), rois.half(), 2)
    assert half.dtype == gk.float16
    np.testing.assert_allclose(half.float().numpy(), ops.ps_roi_pool(x, rois, 2).numpy(),
                               atol=1e-2)
    gx = gk.randn(1, 8, 4, 4, requires_grad=True)
    empty = ops.ps_roi_pool(gx, gk.zeros(0, 5), 2)
    assert tuple(empty.shape) == (0, 2, 2, 2)
    empty.sum().backward()
    assert gx.grad is not None and not gx.grad.numpy().any()
    with pytest.raises(RuntimeError, match="multiple of pooling height"):
        ops.ps_roi_pool(gk.randn(1, 6, 5, 5), rois[:1], 2)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ops.ps_roi_pool(gk.zeros(1, 4, 3, 3, dtype=gk.int64), gk.zeros(1, 5, dtype=gk.int64), 2)
    with pytest.raises(RuntimeError, match="same type as rois"):
        ops.ps_roi_pool(x, rois.double(), 2)
    with pytest.raises(IndexError, match="batch indices"):
        ops.ps_roi_pool(x, gk.tensor([[2.0, 0, 0, 1, 1]]), 2)
    with pytest.raises(AssertionError, match="Tensor\\[K, 5\\]"):
        ops.ps_roi_pool(x, gk.zeros(2, 4), 2)


# ----------------------------------------------------------------------------- deform_conv2d

def _bilinear(img, y, x):
    """deform_conv2d_kernel.cpp's bilinear_interpolate."""
    T = img.dtype.type
    height, width = img.shape
    if y <= -1 or height <= y or x <= -1 or width <= x:
        return T(0)
    yl, xl = int(math.floor(y)), int(math.floor(x))
    yh, xh = yl + 1, xl + 1
    ly, lx = T(y - T(yl)), T(x - T(xl))
    hy, hx = T(1) - ly, T(1) - lx
    v1 = img[yl, xl] if yl >= 0 and xl >= 0 else T(0)
    v2 = img[yl, xh] if yl >= 0 and xh <= width - 1 else T(0)
    v3 = img[yh, xl] if yh <= height - 1 and xl >= 0 else T(0)
    v4 = img[yh, xh] if yh <= height - 1 and xh <= width - 1 else T(0)
    return hy * hx * v1 + hy * lx * v2 + ly * hx * v3 + ly * lx * v4


def deform_conv2d_reference(x, offset, weight, bias, stride, padding, dilation, mask):
    """deform_conv2d_kernel.cpp's forward (deformable_im2col, then one product per weight
    group, plus the bias) in plain Python."""
    T = x.dtype.type
    n, channels, height, width = x.shape
    c_out, per_group, kh, kw = weight.shape
    groups = channels // per_group
    offset_groups = offset.shape[1] // (2 * kh * kw)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    out_h = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    out_w = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    cols = np.zeros((n, channels * kh * kw, out_h * out_w), dtype=x.dtype)
    for b in range(n):
        for c in range(channels):
            g = c // (channels // offset_groups)
            for oy in range(out_h):
                for ox in range(out_w):
                    for i in range(kh):
                        for j in range(kw):
                            t = i * kw + j
                            oh_ = offset[b, g * 2 * kh * kw + 2 * t, oy, ox]
                            ow_ = offset[b, g * 2 * kh * kw + 2 * t + 1, oy, ox]
                            y = T(oy * sh - ph + i * dh) + oh_
                            xx = T(ox * sw - pw + j * dw) + ow_
                            m = T(1) if mask is None else mask[b, g * kh * kw + t, oy, ox]
                            cols[b, c * kh * kw + t, oy * out_w + ox] = \
                                m * _bilinear(x[b, c], y, xx)
    out = np.zeros((n, c_out, out_h * out_w), dtype=x.dtype)
    step = c_out // groups
    for b in range(n):
        for g in range(groups):
            w = weight[g * step:(g + 1) * step].reshape(step, -1)
            out[b, g * step:(g + 1) * step] = w @ cols[b, g * per_group * kh * kw:
                                                        (g + 1) * per_group * kh * kw]
    out = out.reshape(n, c_out, out_h, out_w)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def _deform_case(rng, dtype, n=2, channels=4, c_out=6, k=(3, 2), groups=2, offset_groups=2,
                 size=(5, 6), stride=(1, 2), padding=(1, 0), dilation=(2, 1), masked=True,
                 spread=2.0):
    kh, kw = k
    out_h = (size[0] + 2 * padding[0] - (dilation[0] * (kh - 1) + 1)) // stride[0] + 1
    out_w = (size[1] + 2 * padding[1] - (dilation[1] * (kw - 1) + 1)) // stride[1] + 1
    x = rng.normal(size=(n, channels, *size))
    # whole steps plus a fraction away from 0 and 1: no sample sits on a pixel line, where the
    # bilinear weights have a kink (finite differences would straddle it)
    shape = (n, 2 * offset_groups * kh * kw, out_h, out_w)
    offset = rng.integers(-3, 3, size=shape) * spread / 2 + rng.uniform(0.1, 0.9, size=shape)
    mask = rng.uniform(-1, 2, size=(n, offset_groups * kh * kw, out_h, out_w)) if masked \
        else None
    weight = rng.normal(size=(c_out, channels // groups, kh, kw))
    bias = rng.normal(size=(c_out,))

    def cast(a):
        return None if a is None else a.astype(dtype)

    return cast(x), cast(offset), cast(weight), cast(bias), cast(mask), stride, padding, dilation


def _run(case, bias=True):
    x, offset, weight, b, mask, stride, padding, dilation = case

    def t(a):
        return None if a is None else gk.tensor(a)

    return ops.deform_conv2d(t(x), t(offset), t(weight), t(b) if bias else None, stride,
                             padding, dilation, mask=t(mask))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("config", [
    {},                                                   # groups 2, offset groups 2, mask
    {"masked": False},                                    # v1
    {"groups": 1, "offset_groups": 1, "stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)},
    {"groups": 4, "offset_groups": 4, "k": (1, 1), "c_out": 4, "padding": (2, 2)},
    {"groups": 1, "offset_groups": 2, "k": (2, 3), "spread": 6.0},  # far outside the image
    {"n": 1, "channels": 3, "c_out": 2, "groups": 1, "offset_groups": 3, "size": (1, 1),
     "k": (1, 1)},
])
def test_deform_conv2d_matches_kernel(dtype, config):
    case = _deform_case(np.random.default_rng(41), dtype, **config)
    for bias in (True, False):
        got = _run(case, bias)
        x, offset, weight, b, mask, stride, padding, dilation = case
        want = deform_conv2d_reference(x, offset, weight, b if bias else None, stride, padding,
                                       dilation, mask)
        assert got.dtype == gk.tensor(x).dtype and tuple(got.shape) == want.shape
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


def test_deform_conv2d_zero_offsets_and_unit_mask_is_conv2d():
    rng = np.random.default_rng(42)
    x, w = rng.normal(size=(2, 6, 7, 8)), rng.normal(size=(4, 3, 3, 3))
    b = rng.normal(size=(4,))
    tx, tw, tb = torch.tensor(x), torch.tensor(w), torch.tensor(b)
    want = torch.nn.functional.conv2d(tx, tw, tb, stride=(2, 1), padding=1, dilation=(1, 2),
                                      groups=2)
    offset = gk.zeros(2, 2 * 3 * 9, *want.shape[2:], dtype=gk.float64)
    mask = gk.ones(2, 3 * 9, *want.shape[2:], dtype=gk.float64)
    for m in (None, mask):
        got = ops.deform_conv2d(gk.tensor(x), offset, gk.tensor(w), gk.tensor(b), (2, 1), 1,
                                (1, 2), mask=m)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("masked", [True, False])
def test_deform_conv2d_gradients(masked):
    """Every input's gradient, projected on random directions, against central differences of
    the kernel reference (cheap and exact enough: the samples avoid pixel lines)."""
    rng = np.random.default_rng(43 + masked)
    case = _deform_case(rng, np.float64, n=2, channels=4, c_out=4, size=(4, 5), masked=masked)
    x, offset, weight, b, mask, stride, padding, dilation = case
    names = ["input", "offset", "weight", "bias"] + (["mask"] if masked else [])
    arrays = {"input": x, "offset": offset, "weight": weight, "bias": b, "mask": mask}
    leaves = {k: gk.tensor(arrays[k], requires_grad=True) for k in names}
    out = ops.deform_conv2d(leaves["input"], leaves["offset"], leaves["weight"], leaves["bias"],
                            stride, padding, dilation, mask=leaves.get("mask"))
    w = rng.normal(size=tuple(out.shape))
    (out * gk.tensor(w)).sum().backward()

    def f(**kw):
        a = {**arrays, **kw}
        return (deform_conv2d_reference(a["input"], a["offset"], a["weight"], a["bias"], stride,
                                        padding, dilation, a["mask"]) * w).sum()

    eps = 1e-6
    for k in names:
        g = leaves[k].grad.numpy()
        assert g.shape == arrays[k].shape and np.abs(g).sum() > 0, k
        for _ in range(3):
            v = rng.normal(size=arrays[k].shape)
            fd = (f(**{k: arrays[k] + eps * v}) - f(**{k: arrays[k] - eps * v})) / (2 * eps)
            np.testing.assert_allclose((g * v).sum(), fd, rtol=1e-6, atol=1e-7, err_msg=k)


def test_deform_conv2d_second_order():
    """The gradient is differentiable again: d/d(offset) of <d out/d input, u> against central
    differences of the first gradient."""
    rng = np.random.default_rng(45)
    x, offset, weight, b, mask, stride, padding, dilation = _deform_case(
        rng, np.float64, n=1, channels=2, c_out=2, groups=1, offset_groups=1, size=(4, 4))
    shape = tuple(ops.deform_conv2d(gk.tensor(x), gk.tensor(offset), gk.tensor(weight), None,
                                    stride, padding, dilation).shape)
    gw = rng.normal(size=shape)
    u = rng.normal(size=x.shape)

    def first(off):
        xi = gk.tensor(x, requires_grad=True)
        oi = gk.tensor(off, requires_grad=True)
        out = ops.deform_conv2d(xi, oi, gk.tensor(weight), gk.tensor(b), stride, padding,
                                dilation, mask=gk.tensor(mask))
        (gx,) = gk.autograd.grad((out * gk.tensor(gw)).sum(), xi, create_graph=True)
        return oi, (gx * gk.tensor(u)).sum()

    oi, s = first(offset)
    s.backward()
    v = rng.normal(size=offset.shape)
    eps = 1e-6
    fd = (first(offset + eps * v)[1].item() - first(offset - eps * v)[1].item()) / (2 * eps)
    assert np.abs(oi.grad.numpy()).sum() > 0
    np.testing.assert_allclose((oi.grad.numpy() * v).sum(), fd, rtol=1e-6, atol=1e-8)


def test_deform_conv2d_half_and_empty_batch():
    case = _deform_case(np.random.default_rng(46), np.float32)
    full = _run(case).numpy()
    half = _run(tuple(a.astype(np.float16) if isinstance(a, np.ndarray) else a for a in case))
    assert half.dtype == gk.float16
    np.testing.assert_allclose(half.float().numpy(), full, atol=0.1, rtol=0.02)
    x = gk.zeros(0, 4, 5, 5, requires_grad=True)
    out = ops.deform_conv2d(x, gk.zeros(0, 18, 3, 3), gk.randn(2, 4, 3, 3), gk.randn(2))
    assert tuple(out.shape) == (0, 2, 3, 3)
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 4, 5, 5)


def test_deform_conv2d_module_matches_torchvision_and_errors():
    tvd = torchvision_module("torchvision.ops.deform_conv")
    for args, kw in [((4, 6, 3), {}), ((4, 6, 3), {"padding": 1, "groups": 2, "bias": False}),
                     ((2, 3, (1, 2)), {"stride": 2, "dilation": (2, 1)})]:
        g, t = ops.DeformConv2d(*args, **kw), tvd.DeformConv2d(*args, **kw)
        assert repr(g) == repr(t)
        assert {k: tuple(p.shape) for k, p in g.named_parameters()} == \
            {k: tuple(p.shape) for k, p in t.named_parameters()}
    m = ops.DeformConv2d(4, 6, 3, padding=1, groups=2)
    bound = 1 / math.sqrt(2 * 9)  # kaiming_uniform_(a=sqrt(5)) and the bias: U(+-1/sqrt(fan_in))
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    x, off = gk.randn(1, 4, 5, 5), gk.randn(1, 18, 5, 5)
    np.testing.assert_array_equal(m(x, off).detach().numpy(), ops.deform_conv2d(
        x, off, m.weight, m.bias, padding=1).detach().numpy())
    for args in [(3, 6, 3), (4, 5, 3)]:
        with pytest.raises(ValueError, match="divisible by groups"):
            ops.DeformConv2d(*args, groups=2)
    w = gk.randn(6, 4, 3, 3)
    with pytest.raises(RuntimeError, match="offset tensor at dimension 1"):
        ops.deform_conv2d(x, gk.randn(1, 17, 3, 3), w)
    with pytest.raises(RuntimeError, match="offset.shape\\[1\\] is not valid"):
        ops.deform_conv2d(x, gk.randn(1, 20, 3, 3), w)
    with pytest.raises(RuntimeError, match="offset output dims"):
        ops.deform_conv2d(x, gk.randn(1, 18, 4, 3), w)
    with pytest.raises(RuntimeError, match="invalid batch size of offset"):
        ops.deform_conv2d(x, gk.randn(2, 18, 3, 3), w)
    with pytest.raises(RuntimeError, match="mask.shape\\[1\\] is not valid"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3), w, mask=gk.randn(1, 8, 3, 3))
    with pytest.raises(RuntimeError, match="mask output dims"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3), w, mask=gk.randn(1, 9, 3, 2))
    with pytest.raises(RuntimeError, match="weight of shape"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3), gk.randn(5, 2, 3, 3))
    with pytest.raises(RuntimeError, match="multiple of offset_groups"):
        ops.deform_conv2d(x, gk.randn(1, 54, 3, 3), w)
    with pytest.raises(RuntimeError, match="output size too small"):
        ops.deform_conv2d(gk.randn(1, 4, 2, 2), gk.randn(1, 18, 0, 0), w)
    with pytest.raises(RuntimeError, match="stride must be positive"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3), w, stride=0)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ops.deform_conv2d(x.long(), gk.zeros(1, 18, 3, 3, dtype=gk.int64), w.long())
    with pytest.raises(RuntimeError, match="dtype"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3, dtype=gk.float64), w)
    with pytest.raises(RuntimeError, match="bias must have 6"):
        ops.deform_conv2d(x, gk.randn(1, 18, 3, 3), w, gk.randn(5))
    with pytest.raises(ValueError, match="4-D"):
        ops.deform_conv2d(gk.randn(4, 5, 5), gk.randn(1, 18, 3, 3), w)
