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
