"""gradkit.vision.ops' detection parts against torchvision 0.28 (the ``oracle`` extra).

The pure-Python parts of torchvision.ops (box IoU variants, conversion, the losses, DropBlock,
FrozenBatchNorm2d, the FPN) are imported with torchvision's package ``__init__`` skipped (its
compiled ops do not load beside a CPU torch) and compared directly, values and gradients.
``nms``, ``roi_align`` and ``roi_pool`` are compiled kernels in torchvision; they are checked
against references below that transcribe torchvision's CPU kernels loop by loop
(csrc/ops/cpu/nms_kernel.cpp, roi_align_kernel.cpp, roi_pool_kernel.cpp), and their gradients
against finite differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import torchvision_module

import gradkit as gk
from gradkit.vision import ops

torch = pytest.importorskip("torch")


tv = torchvision_module


def rand_boxes(rng, n, lead=(), dtype=np.float64, scale=20.0):
    xy = rng.uniform(0, scale, size=(*lead, n, 2))
    wh = rng.uniform(0.5, scale / 2, size=(*lead, n, 2))
    return np.concatenate([xy, xy + wh], -1).astype(dtype)


def pair(a, requires_grad=False):
    g = gk.tensor(a, requires_grad=requires_grad)
    t = torch.tensor(a, requires_grad=requires_grad)
    return g, t


def close(g, t, rtol=1e-6, atol=1e-9):
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (g.dtype, t.dtype)
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- boxes

@pytest.mark.parametrize("name", ["box_iou", "generalized_box_iou", "distance_box_iou",
                                  "complete_box_iou"])
@pytest.mark.parametrize("lead", [(), (3,)])
def test_pairwise_iou_values_and_grads(name, lead):
    boxes = tv("torchvision.ops.boxes")
    rng = np.random.default_rng(0)
    a, b = rand_boxes(rng, 5, lead), rand_boxes(rng, 4, lead)
    a[..., 0, :] = b[..., 0, :]  # an identical pair
    ga, ta = pair(a, True)
    gb, tb = pair(b, True)
    g = getattr(ops, name)(ga, gb)
    t = getattr(boxes, name)(ta, tb)
    close(g, t)
    w = rng.normal(size=tuple(t.shape))
    (g * gk.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    close(ga.grad, ta.grad, rtol=1e-6, atol=1e-9)
    close(gb.grad, tb.grad, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int16, np.float16])
@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_area_iou_dtypes_and_formats(dtype, fmt):
    boxes = tv("torchvision.ops.boxes")
    rng = np.random.default_rng(1)
    a = rand_boxes(rng, 6, dtype=dtype)
    b = rand_boxes(rng, 3, dtype=dtype)
    ga, ta = pair(a)
    gb, tb = pair(b)
    close(ops.box_area(ga, fmt=fmt), boxes.box_area(ta, fmt=fmt), rtol=1e-6)
    close(ops.box_iou(ga, gb, fmt=fmt), boxes.box_iou(ta, tb, fmt=fmt), rtol=2e-6)
    if fmt == "xyxy":
        for name in ("generalized_box_iou", "distance_box_iou", "complete_box_iou"):
            close(getattr(ops, name)(ga, gb), getattr(boxes, name)(ta, tb), rtol=2e-5,
                  atol=1e-6)


@pytest.mark.parametrize("src", ["xyxy", "xywh", "cxcywh"])
@pytest.mark.parametrize("dst", ["xyxy", "xywh", "cxcywh"])
def test_box_convert(src, dst):
    boxes = tv("torchvision.ops.boxes")
    rng = np.random.default_rng(2)
    for a in (rand_boxes(rng, 5), rand_boxes(rng, 4, (2, 3), np.float32),
              rand_boxes(rng, 3, dtype=np.int64)):
        ga, ta = pair(a)
        close(ops.box_convert(ga, src, dst), boxes.box_convert(ta, src, dst))
    with pytest.raises(ValueError, match="Unsupported Bounding Box Conversions"):
        ops.box_convert(gk.zeros(2, 4), "xyxy", "xyz")
    with pytest.raises(ValueError):
        boxes.box_convert(torch.zeros(2, 4), "xyxy", "xyz")


def test_box_convert_grad():
    boxes = tv("torchvision.ops.boxes")
    a = rand_boxes(np.random.default_rng(3), 4)
    ga, ta = pair(a, True)
    ops.box_convert(ga, "cxcywh", "xywh").pow(2).sum().backward()
    boxes.box_convert(ta, "cxcywh", "xywh").pow(2).sum().backward()
    close(ga.grad, ta.grad)


def test_clip_remove_small_masks_to_boxes():
    boxes = tv("torchvision.ops.boxes")
    rng = np.random.default_rng(4)
    a = rand_boxes(rng, 8, scale=30.0) - 5.0
    for arr in (a, a.astype(np.float32), a.reshape(2, 4, 4)):
        ga, ta = pair(arr)
        close(ops.clip_boxes_to_image(ga, (17, 21)), boxes.clip_boxes_to_image(ta, (17, 21)))
    ga, ta = pair(a)
    for m in (0.0, 4.0, 9.0, 100.0):
        close(ops.remove_small_boxes(ga, m), boxes.remove_small_boxes(ta, m))
    masks = (rng.uniform(size=(5, 7, 9)) > 0.85)
    masks[1] = False
    masks[2] = False
    masks[2, 3, 4] = True
    for arr in (masks, masks.astype(np.uint8), masks.astype(np.float32)):
        gm, tm = pair(arr)
        close(ops.masks_to_boxes(gm), boxes.masks_to_boxes(tm))
    close(ops.masks_to_boxes(gk.zeros(0, 3, 3)), boxes.masks_to_boxes(torch.zeros(0, 3, 3)))


def test_iou_errors():
    with pytest.raises(ValueError, match="Unsupported Bounding Box area"):
        ops.box_area(gk.zeros(2, 4), fmt="xyzz")
    with pytest.raises(ValueError, match="Unsupported format"):
        ops.box_iou(gk.zeros(2, 4), gk.zeros(2, 4), fmt="bad")
    with pytest.raises(NotImplementedError, match="rotated"):
        ops.box_iou(gk.zeros(2, 5), gk.zeros(2, 5), fmt="cxcywhr")


# ----------------------------------------------------------------------------- losses

LOSSES = [("generalized_box_iou_loss", "giou_loss"), ("distance_box_iou_loss", "diou_loss"),
          ("complete_box_iou_loss", "ciou_loss")]


@pytest.mark.parametrize("name,module", LOSSES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_box_losses(name, module, reduction):
    ref = getattr(tv(f"torchvision.ops.{module}"), name)
    rng = np.random.default_rng(5)
    a, b = rand_boxes(rng, 7), rand_boxes(rng, 7)
    a[0] = b[0]
    a[1] = b[1] + 40.0  # disjoint
    for x, y in ((a, b), (a[2], b[2]), (a.astype(np.float32), b.astype(np.float32))):
        gx, tx = pair(x, True)
        gy, ty = pair(y, True)
        g = getattr(ops, name)(gx, gy, reduction=reduction, eps=1e-6)
        t = ref(tx, ty, reduction=reduction, eps=1e-6)
        close(g, t, rtol=2e-6, atol=1e-7)
        g.sum().backward()
        t.sum().backward()
        close(gx.grad, tx.grad, rtol=2e-5, atol=1e-7)
        close(gy.grad, ty.grad, rtol=2e-5, atol=1e-7)
    # integer boxes are widened to float32; an empty batch averages to 0
    gi, ti = pair(np.array([[0, 0, 4, 5], [1, 1, 3, 9]]))
    close(getattr(ops, name)(gi, gi.flip(0), reduction=reduction),
          ref(ti, ti.flip(0), reduction=reduction))
    ge, te = pair(np.zeros((0, 4)))
    close(getattr(ops, name)(ge, ge, reduction=reduction), ref(te, te, reduction=reduction))
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        getattr(ops, name)(gx, gy, reduction="avg")


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2), (-1, 0), (0.7, 1.5), (0.0, 3)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_focal_loss(alpha, gamma, reduction):
    ref = tv("torchvision.ops.focal_loss").sigmoid_focal_loss
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 5)) * 3
    y = (rng.uniform(size=(4, 5)) > 0.6).astype(np.float64)
    for dt in (np.float64, np.float32):
        gx, tx = pair(x.astype(dt), True)
        gy, ty = pair(y.astype(dt))
        g = ops.sigmoid_focal_loss(gx, gy, alpha, gamma, reduction)
        t = ref(tx, ty, alpha, gamma, reduction)
        close(g, t, rtol=1e-5, atol=1e-7)
        g.sum().backward()
        t.sum().backward()
        close(gx.grad, tx.grad, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="Invalid alpha value"):
        ops.sigmoid_focal_loss(gx, gy, alpha=1.5)
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        ops.sigmoid_focal_loss(gx, gy, reduction="bad")


# ----------------------------------------------------------------------------- nms

def nms_reference(boxes: np.ndarray, scores: np.ndarray, thr: float) -> np.ndarray:
    """torchvision's nms_kernel.cpp, loop by loop (scalar arithmetic in the boxes' dtype)."""
    if boxes.size == 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = (boxes[:, i].copy() for i in range(4))
    areas = (x2 - x1) * (y2 - y1)
    order = torch.sort(torch.from_numpy(scores), 0, descending=True)[1].numpy()  # as the kernel
    n = len(order)
    suppressed = [False] * n
    keep = []
    zero = boxes.dtype.type(0)
    for _i in range(n):
        i = order[_i]
        if suppressed[i]:
            continue
        keep.append(i)
        for _j in range(_i + 1, n):
            j = order[_j]
            if suppressed[j]:
                continue
            w = max(zero, min(x2[i], x2[j]) - max(x1[i], x1[j]))
            h = max(zero, min(y2[i], y2[j]) - max(y1[i], y1[j]))
            inter = w * h
            with np.errstate(divide="ignore", invalid="ignore"):
                ovr = inter / (areas[i] + areas[j] - inter)
            if ovr > thr:
                suppressed[j] = True
    return np.asarray(keep, dtype=np.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_descending_order_matches_torch_sort_ties_included(dtype):
    # ATen's CPU sort is not stable beyond 16 elements: nms must visit ties in its order
    from gradkit.vision.ops._sort import descending_order
    rng = np.random.default_rng(17)
    for trial in range(150):
        n = int(rng.integers(0, 400))
        keys = rng.integers(0, int(rng.integers(1, 40)), size=n).astype(dtype)
        if trial % 3 == 0:
            keys = rng.normal(size=n).astype(dtype)
        if trial % 5 == 0 and n:
            keys[rng.integers(0, n, size=2)] = np.nan
        if trial % 7 == 0:
            keys = np.sort(keys)
        want = torch.sort(torch.from_numpy(keys), 0, descending=True)[1].numpy()
        np.testing.assert_array_equal(descending_order(keys), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("thr", [0.0, 0.3, 0.5, 0.7, 1.0])
def test_nms_against_kernel_reference(dtype, thr):
    rng = np.random.default_rng(7)
    for n in (0, 1, 10, 60):
        b = rand_boxes(rng, n, dtype=dtype, scale=15.0)
        s = np.round(rng.uniform(size=n), 1).astype(dtype)  # many tied scores
        if n > 3:
            b[3] = b[2]  # identical boxes: IoU exactly 1
        keep = ops.nms(gk.tensor(b), gk.tensor(s), thr)
        assert keep.dtype == gk.int64
        np.testing.assert_array_equal(keep.numpy(), nms_reference(b, s, thr))


def test_nms_iou_equal_to_threshold_is_kept_and_degenerate_boxes():
    b = np.array([[0, 0, 2, 2], [1, 0, 3, 2], [5, 5, 5, 5], [5, 5, 5, 5]], dtype=np.float32)
    s = np.array([0.9, 0.8, 0.7, 0.6], dtype=np.float32)
    # IoU of the first two is exactly 1/3: suppressed only when the threshold is below it
    for thr in (1 / 3, 0.2, 0.5):
        np.testing.assert_array_equal(ops.nms(gk.tensor(b), gk.tensor(s), thr).numpy(),
                                      nms_reference(b, s, thr))
    # zero-area boxes: 0/0 is NaN, which never exceeds the threshold
    assert ops.nms(gk.tensor(b), gk.tensor(s), 0.5).tolist() == [0, 1, 2, 3]


def test_nms_errors():
    with pytest.raises(RuntimeError, match="boxes should be a 2d tensor"):
        ops.nms(gk.zeros(4), gk.zeros(4), 0.5)
    with pytest.raises(RuntimeError, match="4 elements in dimension 1"):
        ops.nms(gk.zeros(3, 5), gk.zeros(3), 0.5)
    with pytest.raises(RuntimeError, match="scores should be a 1d tensor"):
        ops.nms(gk.zeros(3, 4), gk.zeros(3, 1), 0.5)
    with pytest.raises(RuntimeError, match="same number of elements"):
        ops.nms(gk.zeros(3, 4), gk.zeros(2), 0.5)
    with pytest.raises(RuntimeError, match="same type as scores"):
        ops.nms(gk.zeros(3, 4), gk.zeros(3, dtype=gk.float64), 0.5)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ops.nms(gk.zeros(3, 4, dtype=gk.int64), gk.zeros(3, dtype=gk.int64), 0.5)


@pytest.mark.parametrize("n", [0, 30, 1100])
def test_batched_nms(n):
    boxes_mod = tv("torchvision.ops.boxes")
    rng = np.random.default_rng(8)
    b = rand_boxes(rng, n, dtype=np.float32, scale=40.0)
    s = rng.uniform(size=n).astype(np.float32)
    idxs = rng.integers(0, 4, size=n)
    got = ops.batched_nms(gk.tensor(b), gk.tensor(s), gk.tensor(idxs), 0.4)
    # per category with the kernel reference, merged by decreasing score
    keep = [np.nonzero(idxs == c)[0][nms_reference(b[idxs == c], s[idxs == c], 0.4)]
            for c in np.unique(idxs)]
    keep = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    keep = keep[np.argsort(-s[keep], kind="stable")]
    np.testing.assert_array_equal(got.numpy(), keep)
    # torchvision's own batching logic, with its compiled nms replaced by the reference
    orig = boxes_mod.nms
    boxes_mod.nms = lambda bb, ss, t: torch.from_numpy(nms_reference(bb.numpy(), ss.numpy(), t))
    try:
        want = boxes_mod.batched_nms(torch.tensor(b), torch.tensor(s), torch.tensor(idxs), 0.4)
    finally:
        boxes_mod.nms = orig
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# ----------------------------------------------------------------------------- roi_align

def roi_align_reference(x, rois, scale, ph_, pw_, sr, aligned):
    """torchvision's roi_align_kernel.cpp (forward) in plain Python, in the input's dtype."""
    T = x.dtype.type
    n_rois = rois.shape[0]
    _, C, H, W = x.shape
    out = np.zeros((n_rois, C, ph_, pw_), dtype=x.dtype)
    for n in range(n_rois):
        r = rois[n]
        b = int(r[0])
        off = T(0.5) if aligned else T(0.0)
        sw, sh = r[1] * T(scale) - off, r[2] * T(scale) - off
        ew, eh = r[3] * T(scale) - off, r[4] * T(scale) - off
        rw, rh = ew - sw, eh - sh
        if not aligned:
            rw, rh = max(rw, T(1)), max(rh, T(1))
        bh, bw = rh / T(ph_), rw / T(pw_)
        gh = sr if sr > 0 else int(math.ceil(rh / T(ph_)))
        gw = sr if sr > 0 else int(math.ceil(rw / T(pw_)))
        count = T(max(gh * gw, 1))
        for c in range(C):
            img = x[b, c]
            for ph in range(ph_):
                for pw in range(pw_):
                    val = T(0)
                    for iy in range(gh):
                        yy = sh + T(ph) * bh + T(iy + 0.5) * bh / T(gh)
                        for ix in range(gw):
                            xx = sw + T(pw) * bw + T(ix + 0.5) * bw / T(gw)
                            y, xv = yy, xx
                            if not (y >= -1.0 and y <= H and xv >= -1.0 and xv <= W):
                                continue
                            y, xv = max(y, T(0)), max(xv, T(0))
                            yl, xl = int(y), int(xv)
                            if yl >= H - 1:
                                yh = yl = H - 1
                                y = T(yl)
                            else:
                                yh = yl + 1
                            if xl >= W - 1:
                                xh = xl = W - 1
                                xv = T(xl)
                            else:
                                xh = xl + 1
                            ly, lx = y - yl, xv - xl
                            hy, hx = T(1) - ly, T(1) - lx
                            val += (hy * hx * img[yl, xl] + hy * lx * img[yl, xh] +
                                    ly * hx * img[yh, xl] + ly * lx * img[yh, xh])
                    out[n, c, ph, pw] = val / count
    return out


ROIS = np.array([[0, 1.0, 1.2, 5.5, 6.3],     # inside
                 [1, 0.0, 0.0, 9.0, 8.0],     # the whole map
                 [0, -3.0, 2.0, 14.0, 4.5],   # beyond the edges
                 [1, 3.0, 3.0, 3.4, 3.2],     # smaller than a pixel
                 [0, 6.0, 5.0, 2.0, 1.0],     # malformed (x2 < x1)
                 [1, 20.0, 20.0, 30.0, 30.0],  # entirely outside
                 [0, 2.25, 0.5, 7.75, 7.5]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sampling_ratio", [-1, 0, 1, 2, 3])
@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("scale,size", [(1.0, (3, 4)), (0.5, (2, 2)), (1.7, (1, 5))])
def test_roi_align_matches_kernel(dtype, sampling_ratio, aligned, scale, size):
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 3, 8, 9)).astype(dtype)
    rois = ROIS.astype(dtype)
    got = ops.roi_align(gk.tensor(x), gk.tensor(rois), size, scale, sampling_ratio, aligned)
    want = roi_align_reference(x, rois, scale, *size, sampling_ratio, aligned)
    assert got.dtype == (gk.float64 if dtype == np.float64 else gk.float32)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


def test_roi_align_list_of_boxes_and_module():
    rng = np.random.default_rng(10)
    x = gk.tensor(rng.normal(size=(2, 3, 8, 9)))
    rois = gk.tensor(ROIS)
    per_image = [rois[rois[:, 0] == i][:, 1:] for i in range(2)]
    ordered = gk.cat([rois[rois[:, 0] == i] for i in range(2)])
    want = ops.roi_align(x, ordered, 3, 0.5, 2, True)
    close(ops.roi_align(x, per_image, 3, 0.5, 2, True), want)
    m = ops.RoIAlign((3, 3), spatial_scale=0.5, sampling_ratio=2, aligned=True)
    close(m(x, per_image), want)
    assert repr(m) == "RoIAlign(output_size=(3, 3), spatial_scale=0.5, sampling_ratio=2, " \
                      "aligned=True)"


def finite_difference_grad(f, x, w, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = ((f(xp) * w).sum() - (f(xm) * w).sum()) / (2 * eps)
    return g


@pytest.mark.parametrize("sampling_ratio,aligned", [(-1, False), (2, True), (3, False)])
def test_roi_align_gradient(sampling_ratio, aligned):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 2, 6, 7))
    rois = np.array([[0, 0.3, 0.7, 4.2, 5.1], [1, -1.0, 1.0, 8.0, 3.0], [0, 2.0, 2.0, 2.5, 2.7],
                     [1, 1.1, 0.4, 6.2, 5.9]])
    w = rng.normal(size=(4, 2, 3, 2))
    gx = gk.tensor(x, requires_grad=True)
    grois = gk.tensor(rois, requires_grad=True)
    out = ops.roi_align(gx, grois, (3, 2), 1.0, sampling_ratio, aligned)
    (out * gk.tensor(w)).sum().backward()
    fd = finite_difference_grad(
        lambda a: roi_align_reference(a, rois, 1.0, 3, 2, sampling_ratio, aligned), x, w)
    np.testing.assert_allclose(gx.grad.numpy(), fd, rtol=1e-6, atol=1e-8)
    assert grois.grad is None  # torchvision's op gives the boxes no gradient


def test_roi_align_empty_and_errors():
    x = gk.randn(2, 3, 5, 5, requires_grad=True)
    out = ops.roi_align(x, gk.zeros(0, 5), (2, 3))
    assert tuple(out.shape) == (0, 3, 2, 3) and out.requires_grad
    out.sum().backward()
    assert float(x.grad.abs().sum()) == 0.0
    assert tuple(ops.roi_align(x, [gk.zeros(0, 4), gk.zeros(0, 4)], 2).shape) == (0, 3, 2, 2)
    with pytest.raises(AssertionError, match=r"Tensor\[K, 5\]"):
        ops.roi_align(x, gk.zeros(3, 4), 2)
    with pytest.raises(AssertionError, match=r"List\[Tensor\[L, 4\]\]"):
        ops.roi_align(x, [gk.zeros(3, 5)], 2)
    with pytest.raises(RuntimeError, match="same type as rois"):
        ops.roi_align(x, gk.zeros(1, 5, dtype=gk.float64), 2)
    with pytest.raises(RuntimeError, match="4-D"):
        ops.roi_align(gk.zeros(3, 5, 5), gk.zeros(1, 5), 2)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ops.roi_align(gk.zeros(1, 1, 3, 3, dtype=gk.int64), gk.zeros(1, 5, dtype=gk.int64), 2)
    with pytest.raises(IndexError, match="batch indices"):
        ops.roi_align(x, gk.tensor([[2.0, 0, 0, 1, 1]]), 2)


# ----------------------------------------------------------------------------- roi_pool

def roi_pool_reference(x, rois, scale, ph_, pw_):
    """torchvision's roi_pool_kernel.cpp (forward and argmax) in plain Python."""
    T = x.dtype.type
    n_rois = rois.shape[0]
    _, C, H, W = x.shape
    out = np.zeros((n_rois, C, ph_, pw_), dtype=x.dtype)
    arg = np.full((n_rois, C, ph_, pw_), -1, dtype=np.int64)
    flt_max = float(np.finfo(np.float32).max)

    def cround(v):  # C's round: half away from zero
        return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

    for n in range(n_rois):
        r = rois[n]
        b = int(r[0])
        sw, sh = cround(r[1] * T(scale)), cround(r[2] * T(scale))
        ew, eh = cround(r[3] * T(scale)), cround(r[4] * T(scale))
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bh, bw = T(rh) / T(ph_), T(rw) / T(pw_)
        for ph in range(ph_):
            for pw in range(pw_):
                hs = min(max(int(math.floor(T(ph) * bh)) + sh, 0), H)
                he = min(max(int(math.ceil(T(ph + 1) * bh)) + sh, 0), H)
                ws = min(max(int(math.floor(T(pw) * bw)) + sw, 0), W)
                we = min(max(int(math.ceil(T(pw + 1) * bw)) + sw, 0), W)
                empty = he <= hs or we <= ws
                for c in range(C):
                    best = 0.0 if empty else -flt_max
                    idx = -1
                    for h in range(hs, he):
                        for w in range(ws, we):
                            if x[b, c, h, w] > best:
                                best, idx = x[b, c, h, w], h * W + w
                    out[n, c, ph, pw] = best
                    arg[n, c, ph, pw] = idx
    return out, arg


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale,size", [(1.0, (3, 4)), (0.5, (2, 2)), (1.25, (1, 5)),
                                        (0.625, (4, 3))])
def test_roi_pool_matches_kernel(dtype, scale, size):
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 3, 8, 9)).astype(dtype)
    x[0, 1, 2:4, 2:4] = 1.5  # tied maxima: the first in row-major order wins
    rois = ROIS.astype(dtype)
    rois[6] = [0, 2.5, 0.5, 7.5, 7.5]  # halves: C's round goes away from zero
    got = ops.roi_pool(gk.tensor(x), gk.tensor(rois), size, scale)
    want, _ = roi_pool_reference(x, rois, scale, *size)
    np.testing.assert_array_equal(got.numpy(), want)


def test_roi_pool_gradient_goes_to_the_argmax():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 2, 6, 7))
    x[1, 0, 2:4, 1:3] = 2.0  # a tie
    rois = np.array([[0, 0.3, 0.7, 4.2, 5.1], [1, -1.0, 1.0, 8.0, 3.0], [0, 2.0, 2.0, 2.5, 2.7],
                     [1, 0.0, 0.0, 6.0, 5.0], [0, 9.0, 9.0, 12.0, 12.0]])
    w = rng.normal(size=(5, 2, 3, 2))
    gx = gk.tensor(x, requires_grad=True)
    (ops.roi_pool(gx, gk.tensor(rois), (3, 2)) * gk.tensor(w)).sum().backward()
    _, arg = roi_pool_reference(x, rois, 1.0, 3, 2)
    want = np.zeros_like(x).reshape(2, 2, -1)
    for n, c, ph, pw in np.ndindex(arg.shape):
        if arg[n, c, ph, pw] >= 0:
            want[int(rois[n, 0]), c, arg[n, c, ph, pw]] += w[n, c, ph, pw]
    np.testing.assert_allclose(gx.grad.numpy(), want.reshape(x.shape), rtol=1e-12)
    # away from ties the argmax is stable, so finite differences agree
    y = rng.normal(size=(2, 2, 6, 7))
    gy = gk.tensor(y, requires_grad=True)
    (ops.roi_pool(gy, gk.tensor(rois), (3, 2)) * gk.tensor(w)).sum().backward()
    fd = finite_difference_grad(lambda a: roi_pool_reference(a, rois, 1.0, 3, 2)[0], y, w)
    np.testing.assert_allclose(gy.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_roi_pool_module_list_and_errors():
    x = gk.randn(2, 3, 6, 6)
    per_image = [gk.tensor([[0.0, 0, 3, 3]]), gk.tensor([[1.0, 1, 5, 4], [2.0, 0, 4, 4]])]
    rois = gk.tensor([[0, 0.0, 0, 3, 3], [1, 1, 1, 5, 4], [1, 2, 0, 4, 4]])
    m = ops.RoIPool((2, 2), 1.0)
    close(m(x, per_image), ops.roi_pool(x, rois, 2))
    assert repr(m) == "RoIPool(output_size=(2, 2), spatial_scale=1.0)"
    with pytest.raises(RuntimeError, match="not implemented for 'Half'"):
        ops.roi_pool(x.half(), rois.half(), 2)
    with pytest.raises(RuntimeError, match="same type as rois"):
        ops.roi_pool(x, rois.double(), 2)


# ----------------------------------------------------------------------------- layers

def test_frozen_batch_norm():
    misc = tv("torchvision.ops.misc")
    rng = np.random.default_rng(14)
    t = misc.FrozenBatchNorm2d(3, eps=1e-3)
    bn = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean"):
            getattr(bn, name).copy_(torch.tensor(rng.normal(size=3)))
        bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, size=3)))
    state = bn.state_dict()
    t.load_state_dict(state)
    g = ops.FrozenBatchNorm2d(3, eps=1e-3)
    g.load_state_dict({k: gk.tensor(v.numpy()) for k, v in state.items()})
    assert sorted(g.state_dict()) == sorted(t.state_dict())
    x = rng.normal(size=(2, 3, 4, 4)).astype(np.float32)
    close(g(gk.tensor(x)), t(torch.tensor(x)), rtol=1e-6, atol=1e-6)
    assert not list(g.parameters())
    assert repr(g) == repr(t)


@pytest.mark.parametrize("fn,shape", [("drop_block2d", (2, 3, 9, 8)),
                                      ("drop_block3d", (2, 2, 5, 6, 7))])
def test_drop_block_same_stream(fn, shape):
    ref = getattr(tv("torchvision.ops.drop_block"), fn)
    x = np.random.default_rng(15).normal(size=shape).astype(np.float32)
    for p, block in ((0.3, 3), (0.5, 5), (0.2, 1)):
        torch.manual_seed(3)
        gk.manual_seed(3)
        close(getattr(ops, fn)(gk.tensor(x), p, block), ref(torch.tensor(x), p, block),
              rtol=1e-6, atol=1e-6)
    g = gk.tensor(x)
    assert getattr(ops, fn)(g, 0.5, 3, training=False) is g
    with pytest.raises(ValueError, match="drop probability"):
        getattr(ops, fn)(g, 1.5, 3)
    with pytest.raises(ValueError, match="block size should be odd"):
        getattr(ops, fn)(g, 0.5, 4)
    with pytest.raises(ValueError, match="dimensional"):
        getattr(ops, fn)(g[0], 0.5, 3)


def test_drop_block_modules():
    m = ops.DropBlock2d(0.5, 3)
    assert repr(m) == "DropBlock2d(p=0.5, block_size=3, inplace=False)"
    m.eval()
    x = gk.randn(1, 1, 5, 5)
    assert m(x) is x
    m3 = ops.DropBlock3d(0.4, 3, inplace=True)
    y = gk.ones(1, 1, 5, 5, 5)
    assert m3(y) is y


def test_feature_pyramid_network():
    fpn_mod = tv("torchvision.ops.feature_pyramid_network")
    from collections import OrderedDict

    from gradkit.vision.ops.feature_pyramid_network import LastLevelMaxPool, LastLevelP6P7
    for extra in (None, "pool", "p6p7"):
        t_extra = {None: None, "pool": fpn_mod.LastLevelMaxPool(),
                   "p6p7": fpn_mod.LastLevelP6P7(6, 5)}[extra]
        g_extra = {None: None, "pool": LastLevelMaxPool(), "p6p7": LastLevelP6P7(6, 5)}[extra]
        t = fpn_mod.FeaturePyramidNetwork([4, 6], 5, t_extra).double()
        g = ops.FeaturePyramidNetwork([4, 6], 5, g_extra).double()
        state = t.state_dict()
        assert [(k, tuple(v.shape)) for k, v in state.items()] == \
            [(k, tuple(v.shape)) for k, v in g.state_dict().items()]
        g.load_state_dict({k: gk.tensor(v.numpy()) for k, v in state.items()})
        rng = np.random.default_rng(16)
        a, b = rng.normal(size=(2, 4, 8, 10)), rng.normal(size=(2, 6, 3, 5))
        tout = t(OrderedDict(x=torch.tensor(a), y=torch.tensor(b)))
        gout = g(OrderedDict(x=gk.tensor(a), y=gk.tensor(b)))
        assert list(gout) == list(tout)
        for k in tout:
            close(gout[k], tout[k], rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError, match="ExtraFPNBlock"):
        ops.FeaturePyramidNetwork([4], 5, extra_blocks=gk.nn.ReLU())
    with pytest.raises(ValueError, match="in_channels=0"):
        ops.FeaturePyramidNetwork([0], 5)


def test_multiscale_roi_align():
    poolers = tv("torchvision.ops.poolers")
    from collections import OrderedDict

    def reference_roi_align(feat, rois, output_size, spatial_scale, sampling_ratio):
        out = roi_align_reference(feat.numpy(), rois.numpy(), spatial_scale, *output_size,
                                  sampling_ratio, False)
        return torch.from_numpy(out)

    rng = np.random.default_rng(18)
    feats = {"p2": rng.normal(size=(2, 3, 16, 16)), "p3": rng.normal(size=(2, 3, 8, 8)),
             "skip": rng.normal(size=(2, 3, 8, 8)), "p4": rng.normal(size=(2, 3, 4, 4))}
    # small and large boxes so that every level is used, in a 64x64 image
    boxes = [np.array([[1.0, 2.0, 9.0, 7.0], [0.0, 0.0, 63.0, 60.0], [10.0, 10.0, 40.0, 35.0]]),
             np.array([[5.0, 5.0, 12.0, 30.0], [20.0, 8.0, 62.0, 63.0]])]
    orig = poolers.roi_align
    poolers.roi_align = reference_roi_align
    try:
        for names, canonical in ((["p2", "p3", "p4"], 16), (["p3"], 224), (["p2", "p4"], 32)):
            t = poolers.MultiScaleRoIAlign(names, (3, 2), 2, canonical_scale=canonical)
            g = ops.MultiScaleRoIAlign(names, (3, 2), 2, canonical_scale=canonical)
            want = t(OrderedDict((k, torch.tensor(v)) for k, v in feats.items()),
                     [torch.tensor(b) for b in boxes], [(64, 64), (60, 64)])
            gx = OrderedDict((k, gk.tensor(v, requires_grad=True)) for k, v in feats.items())
            got = g(gx, [gk.tensor(b) for b in boxes], [(64, 64), (60, 64)])
            close(got, want, rtol=1e-12, atol=1e-12)
            assert g.scales == t.scales
            got.sum().backward()
            assert gx[names[0]].grad is not None
    finally:
        poolers.roi_align = orig
    assert repr(g) == repr(t)
    levels = poolers.LevelMapper(2, 5, 224, 4)([torch.tensor(boxes[0])])
    g_levels = ops.poolers.LevelMapper(2, 5, 224, 4)([gk.tensor(boxes[0])])
    assert g_levels.tolist() == levels.tolist()


def ps_roi_align_reference(x, rois, scale, ph_, pw_, sr):
    """torchvision's ps_roi_align_kernel.cpp (forward) in plain Python."""
    T = x.dtype.type
    n_rois = rois.shape[0]
    _, C, H, W = x.shape
    c_out = C // (ph_ * pw_)
    out = np.zeros((n_rois, c_out, ph_, pw_), dtype=x.dtype)
    for n in range(n_rois):
        r = rois[n]
        b = int(r[0])
        sw, sh = r[1] * T(scale) - T(0.5), r[2] * T(scale) - T(0.5)
        rw = (r[3] * T(scale) - T(0.5)) - sw
        rh = (r[4] * T(scale) - T(0.5)) - sh
        bh, bw = rh / T(ph_), rw / T(pw_)
        c_in = 0
        for co in range(c_out):
            for ph in range(ph_):
                for pw in range(pw_):
                    hs, ws = T(ph) * bh + sh, T(pw) * bw + sw
                    gh = sr if sr > 0 else int(math.ceil(rh / T(ph_)))
                    gw = sr if sr > 0 else int(math.ceil(rw / T(pw_)))
                    count = T(gh * gw)
                    img = x[b, c_in]
                    total = T(0)
                    for iy in range(gh):
                        y = hs + T(iy + 0.5) * bh / T(gh)
                        for ix in range(gw):
                            xv = ws + T(ix + 0.5) * bw / T(gw)
                            if not (y >= -1.0 and y <= H and xv >= -1.0 and xv <= W):
                                continue
                            yy, xx = max(y, T(0)), max(xv, T(0))
                            yl, xl = int(yy), int(xx)
                            if yl >= H - 1:
                                yh = yl = H - 1
                                yy = T(yl)
                            else:
                                yh = yl + 1
                            if xl >= W - 1:
                                xh = xl = W - 1
                                xx = T(xl)
                            else:
                                xh = xl + 1
                            ly, lx = yy - yl, xx - xl
                            hy, hx = T(1) - ly, T(1) - lx
                            total += (hy * hx * img[yl, xl] + hy * lx * img[yl, xh] +
                                      ly * hx * img[yh, xl] + ly * lx * img[yh, xh])
                    with np.errstate(invalid="ignore", divide="ignore"):
                        out[n, co, ph, pw] = total / count
                    c_in += 1
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sampling_ratio", [-1, 2])
@pytest.mark.parametrize("scale,size", [(1.0, (2, 3)), (0.5, (2, 2))])
def test_ps_roi_align_matches_kernel(dtype, sampling_ratio, scale, size):
    rng = np.random.default_rng(19)
    c = 2 * size[0] * size[1]
    x = rng.normal(size=(2, c, 8, 9)).astype(dtype)
    rois = np.concatenate([ROIS, [[0, 2.0, 2.0, 2.0, 5.0]]]).astype(dtype)  # + a zero width
    got = ops.ps_roi_align(gk.tensor(x), gk.tensor(rois), size, scale, sampling_ratio)
    want = ps_roi_align_reference(x, rois, scale, *size, sampling_ratio)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    # NaN where the kernel's empty grid divides 0 by 0 (the sub-pixel box): equal_nan
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)
    assert bool(np.isnan(got.numpy()[-1]).all()) == (sampling_ratio <= 0)


@pytest.mark.parametrize("sampling_ratio", [-1, 2])
def test_ps_roi_align_gradient(sampling_ratio):
    rng = np.random.default_rng(20)
    x = rng.normal(size=(1, 8, 5, 6))
    rois = np.array([[0, 0.3, 0.7, 4.2, 4.1], [0, -1.0, 1.0, 8.0, 3.0], [0, 1.1, 0.4, 5.2, 3.9]])
    w = rng.normal(size=(3, 2, 2, 2))
    gx = gk.tensor(x, requires_grad=True)
    (ops.ps_roi_align(gx, gk.tensor(rois), 2, 1.0, sampling_ratio) * gk.tensor(w)).sum().backward()
    fd = finite_difference_grad(
        lambda a: ps_roi_align_reference(a, rois, 1.0, 2, 2, sampling_ratio), x, w)
    np.testing.assert_allclose(gx.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_ps_roi_align_module_and_errors():
    x = gk.randn(1, 8, 5, 5)
    m = ops.PSRoIAlign((2, 2), 1.0, 2)
    rois = gk.tensor([[0, 0.5, 0.5, 4.0, 3.5]])
    close(m(x, [rois[:, 1:]]), ops.ps_roi_align(x, rois, 2, 1.0, 2))
    assert repr(m) == "PSRoIAlign(output_size=(2, 2), spatial_scale=1.0, sampling_ratio=2)"
    with pytest.raises(RuntimeError, match="multiple of pooling height"):
        ops.ps_roi_align(gk.randn(1, 6, 5, 5), rois, 2)
