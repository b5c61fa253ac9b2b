"""The convolution's two compute paths against PyTorch: per-sample patch matrices in chunks of
samples (large outputs) and one batch-last patch matrix (small outputs). Each case runs on both
paths, and on the per-sample one with one sample per chunk and with the whole batch in one chunk,
so that every path and chunking gives PyTorch's values and gradients (float64). Also: the patch
matrix a node keeps for backward is let go by it, and a second backward under retain_graph
builds it again."""

import gc
import weakref

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit.ops import conv as C

PATHS = {
    "batch-last": {"_SAMPLE_MIN": 10**9},
    "per-sample, whole batch": {"_SAMPLE_MIN": 0},
    "per-sample, one sample per chunk": {"_SAMPLE_MIN": 0, "_CHUNK_BYTES": 1},
    "per-sample, patches rebuilt in backward": {"_SAMPLE_MIN": 0, "_KEEP_BYTES": 0},
    "per-sample, one sample per chunk, rebuilt": {"_SAMPLE_MIN": 0, "_CHUNK_BYTES": 1,
                                                  "_KEEP_BYTES": 0},
}


@pytest.fixture(params=list(PATHS), ids=str)
def path(request, monkeypatch):
    for name, value in PATHS[request.param].items():
        monkeypatch.setattr(C, name, value)
    return request.param


def _run_both(torch, fn, x, w, b, **kw):
    gx = gk.tensor(x, requires_grad=True)
    gw = gk.tensor(w, requires_grad=True)
    gb = gk.tensor(b, requires_grad=True) if b is not None else None
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if b is not None else None
    y = getattr(F, fn)(gx, gw, gb, **kw)
    ty = getattr(torch.nn.functional, fn)(tx, tw, tb, **kw)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y.stride() == ty.stride()  # row-major, or channels-last for a channels-last input
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    u = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * gk.tensor(u)).sum().backward()
    (ty * torch.tensor(u)).sum().backward()
    for g, t in ((gx, tx), (gw, tw), (gb, tb)):
        if g is not None:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)


CASES_2D = [
    {},
    {"stride": 2},
    {"stride": (2, 1), "padding": (1, 2)},
    {"padding": 1, "dilation": 2},
    {"padding": "same", "dilation": (2, 1)},
    {"groups": 2, "padding": 1},
    {"groups": 4, "stride": 2, "dilation": (1, 2)},
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kw", CASES_2D, ids=str)
def test_conv2d_paths_match_torch(torch, rng, path, kw, bias):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((3, 4, 9, 8))
    w = rng.standard_normal((8, 4 // groups, 3, 2))
    _run_both(torch, "conv2d", x, w, rng.standard_normal(8) if bias else None, **kw)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"groups": 2, "dilation": 3}],
                         ids=str)
def test_conv1d_and_conv3d_paths_match_torch(torch, rng, path, kw):
    groups = kw.get("groups", 1)
    _run_both(torch, "conv1d", rng.standard_normal((3, 4, 13)),
              rng.standard_normal((6, 4 // groups, 4)), rng.standard_normal(6), **kw)
    _run_both(torch, "conv3d", rng.standard_normal((2, 4, 7, 8, 7)),
              rng.standard_normal((6, 4 // groups, 2, 2, 2)), rng.standard_normal(6), **kw)


def test_non_contiguous_input_paths(torch, rng, path):
    x = rng.standard_normal((2, 8, 9, 3)).transpose(0, 3, 1, 2)  # (2, 3, 8, 9), not contiguous
    _run_both(torch, "conv2d", x, rng.standard_normal((4, 3, 3, 3)), None, stride=2, padding=1)


def test_second_order_paths_match_torch(torch, rng, path):
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 2, 3, 3))
    outs = []
    for lib, make in ((gk, gk.tensor), (torch, torch.tensor)):
        xt, wt = make(x, requires_grad=True), make(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, stride=2, padding=1, groups=2)
        gx, gw = lib.autograd.grad((y ** 2).sum(), [xt, wt], create_graph=True)
        ((gx ** 2).sum() + (gw ** 2).sum()).backward()
        outs.append([a.detach().numpy() for a in (gx, gw, xt.grad, wt.grad)])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_float32_layers_on_both_default_paths(torch, rng):
    """A LeNet-sized and a CIFAR-sized layer (the default thresholds pick one path each),
    float32 values and gradients as PyTorch's."""
    for shape, cout, k, pad in (((8, 16, 12, 12), 32, 5, 0), ((4, 3, 32, 32), 16, 3, 1)):
        x = rng.standard_normal(shape).astype(np.float32)
        w = (rng.standard_normal((cout, shape[1], k, k)) * 0.1).astype(np.float32)
        b = rng.standard_normal(cout).astype(np.float32)
        res = []
        for lib in (gk, torch):
            xt = lib.tensor(x, requires_grad=True)
            wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
            y = lib.nn.functional.conv2d(xt, wt, bt, padding=pad)
            (y * y).sum().backward()
            res.append([a.detach().numpy() for a in (y, xt.grad, wt.grad, bt.grad)])
        for a, b_ in zip(*res):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b_, rtol=2e-4, atol=2e-3 * np.abs(b_).max())


def test_backward_lets_the_patch_matrix_go(monkeypatch):
    """The batch-last path keeps its patch matrix for backward only; the node holds no reference
    to it afterwards (it would otherwise live as long as the graph: a CNN's largest array)."""
    monkeypatch.setattr(C, "_SAMPLE_MIN", 10**9)
    made = []
    im2col = C.im2col

    def spy(*args):
        cols = im2col(*args)
        made.append(weakref.ref(cols))
        return cols

    monkeypatch.setattr(C, "im2col", spy)
    x = gk.randn(2, 3, 6, 6)
    w = gk.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert len(made) == 1 and made[0]() is not None
    y.sum().backward()
    gc.collect()
    assert made[0]() is None  # y and its node are still alive here
    assert y.grad_fn is not None


@pytest.mark.parametrize("chunk", [1, 1 << 20], ids=["one sample per chunk", "one chunk"])
def test_per_sample_backward_reuses_the_forwards_patches(monkeypatch, torch, rng, chunk):
    """Small per-sample patch matrices (LeNet's first layer) are built once, in forward: the
    weight gradient reads them from there (PyTorch's values), and the node lets them go."""
    monkeypatch.setattr(C, "_SAMPLE_MIN", 0)
    monkeypatch.setattr(C, "_CHUNK_BYTES", chunk)
    built = []
    call = C._Patches.__call__

    def spy(self, xc, *at):
        built.append(xc.shape[0])
        return call(self, xc, *at)

    monkeypatch.setattr(C._Patches, "__call__", spy)
    x = rng.standard_normal((3, 2, 7, 6))
    w = rng.standard_normal((4, 2, 3, 3))
    b = rng.standard_normal(4)
    u = rng.standard_normal((3, 4, 5, 4))
    res = []
    for lib in (gk, torch):
        wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        y = lib.nn.functional.conv2d(lib.tensor(x), wt, bt)
        if lib is gk:
            assert sum(built) == 3  # the forward's chunks
        (y * lib.tensor(u)).sum().backward()
        res.append((wt.grad.numpy(), bt.grad.numpy()))
    assert sum(built) == 3  # none built again in backward
    for a, b_ in zip(*res):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-10)


def test_retain_graph_second_backward_rebuilds_the_patch_matrix(torch, rng, path):
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    grads = []
    for lib in (gk, torch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, padding=1)
        loss = (y ** 2).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        grads.append((xt.grad.numpy().copy(), wt.grad.numpy().copy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_empty_batch_paths(torch, path):
    _run_both(torch, "conv2d", np.zeros((0, 3, 6, 5)), np.ones((4, 3, 3, 3)), np.ones(4),
              padding=1)


# stride-1 layers whose input gradient is a convolution of the output gradient with the flipped
# weight (C._input_grad_as_conv), and layers that fall back to the transposed product + col2im
FLIPPED = [
    ("conv2d", (2, 4, 9, 8), (8, 4, 3, 2), {"padding": "same"}, True),
    ("conv2d", (2, 4, 9, 8), (8, 4, 3, 3), {"padding": "same", "dilation": (2, 1)}, True),
    ("conv2d", (2, 4, 8, 8), (6, 2, 3, 3), {"padding": 1, "groups": 2}, True),
    ("conv2d", (2, 4, 8, 8), (4, 4, 3, 3), {"padding": (2, 1)}, True),  # larger output
    ("conv1d", (2, 3, 17), (5, 3, 4), {"padding": "same"}, True),
    ("conv3d", (2, 3, 5, 6, 5), (4, 3, 3, 3, 3), {"padding": 1}, True),
    ("conv2d", (2, 4, 8, 8), (4, 4, 3, 3), {"padding": 3}, False),  # padding past d * (k - 1)
    ("conv2d", (2, 4, 8, 8), (4, 4, 3, 3), {"padding": 1, "stride": 2}, False),
    ("conv2d", (2, 4, 12, 12), (4, 4, 5, 5), {}, False),  # input much larger than the output
    ("conv2d", (2, 2, 8, 8), (8, 2, 3, 3), {"padding": 1}, False),  # 4x more out channels
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn, xs, ws, kw, flipped", FLIPPED, ids=str)
def test_input_gradient_as_flipped_convolution(torch, rng, monkeypatch, path, fn, xs, ws, kw,
                                               flipped):
    taken = []
    real = C._input_grad_as_conv

    def spy(*args):
        out = real(*args)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(C, "_input_grad_as_conv", spy)
    _run_both(torch, fn, rng.standard_normal(xs), rng.standard_normal(ws),
              rng.standard_normal(ws[0]), **kw)
    assert taken == [flipped]


def test_input_gradient_as_flipped_convolution_float32(torch, rng):
    """The CIFAR-sized 64->64 3x3 layer (the flipped path, default thresholds) in float32."""
    x = rng.standard_normal((2, 64, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32)
    res = []
    for lib in (gk, torch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, padding=1)
        (y * y).sum().backward()
        res.append([a.detach().numpy() for a in (xt.grad, wt.grad)])
    for a, b_ in zip(*res):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b_, rtol=2e-4, atol=2e-4 * np.abs(b_).max())


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_input_gradient_with_a_non_finite_weight_as_pytorch(bad):
    # the flipped-weight convolution would multiply g's zero padding by the inf (NaN); PyTorch's
    # transposed product never touches padding, so a non-finite weight takes that path
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 7)), rng.normal(size=(4, 3, 3))
    w[1, 2, 0] = bad
    g = rng.normal(size=(2, 4, 7))
    xg = gk.tensor(x, requires_grad=True)
    gk.nn.functional.conv1d(xg, gk.tensor(w), padding=1).backward(gk.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.conv1d(xt, torch.tensor(w), padding=1).backward(torch.tensor(g))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
