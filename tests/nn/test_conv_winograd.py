"""The Winograd F(2x2, 3x3) path of 3x3, stride-1 convolutions (gradkit.ops.conv_winograd)
against PyTorch: values and gradients (the input gradient of a stride-1 convolution runs as a
convolution too, so it takes the same path), float32 and float64, symmetric, asymmetric and
no padding, odd output sizes (a last tile only half used), one and several samples per chunk,
and inputs holding inf or nan (those chunks are redone directly: inf and nan where PyTorch has
them, nowhere else)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit.ops import conv as C
from gradkit.ops import conv_winograd as W

torch = pytest.importorskip("torch")

TOL = {np.float32: 2e-5, np.float64: 1e-11}


@pytest.fixture
def calls(monkeypatch):
    """Counts the Winograd chunks run (so that a test fails if the path is not taken)."""
    seen = []
    run = W.WinogradConv.__call__

    def spy(self, xc, yc):
        seen.append(xc.shape[0])
        return run(self, xc, yc)

    monkeypatch.setattr(W.WinogradConv, "__call__", spy)
    return seen


def _pair(x, w, b):
    g = [gk.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    t = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    return g, t


def _close(a, b, dtype):
    scale = max(1.0, float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape,padding,bias", [
    ((3, 32, 20, 20), 1, True),
    ((2, 40, 17, 19), 1, False),
    ((2, 32, 23, 21), 0, True),
    ((2, 32, 18, 17), "same", True),
    ((3, 36, 16, 18), (2, 1), True),
], ids=str)
@pytest.mark.parametrize("chunk", ["default", "one sample"])
def test_winograd_matches_pytorch(calls, monkeypatch, dtype, shape, padding, bias, chunk):
    if chunk == "one sample":
        monkeypatch.setattr(W, "_CHUNK_BYTES", 1)
    rng = np.random.default_rng(0)
    n, c, h, wd = shape
    x = rng.standard_normal(shape).astype(dtype)
    w = (rng.standard_normal((c + 8, c, 3, 3)) * 0.2).astype(dtype)
    b = rng.standard_normal(c + 8).astype(dtype) if bias else None
    (gx, gw, gb), (tx, tw, tb) = _pair(x, w, b)
    y = F.conv2d(gx, gw, gb, padding=padding)
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=padding)
    assert calls, "the Winograd path was not taken"
    if chunk == "one sample":
        assert set(calls) == {1}
    assert tuple(y.shape) == tuple(ty.shape) and y.dtype == gk.from_numpy(x).dtype
    _close(y.detach().numpy(), ty.detach().numpy(), dtype)
    u = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    (y * gk.tensor(u)).sum().backward()
    (ty * torch.tensor(u)).sum().backward()
    for g, t in ((gx, tx), (gw, tw), (gb, tb)):
        if g is not None:
            _close(g.grad.numpy(), t.grad.numpy(), dtype)


def test_winograd_equals_the_direct_path_at_rounding_level(monkeypatch):
    rng = np.random.default_rng(1)
    x = gk.tensor(rng.standard_normal((4, 32, 16, 16)).astype(np.float32))
    w = gk.tensor((rng.standard_normal((32, 32, 3, 3)) * 0.1).astype(np.float32))
    b = gk.tensor(rng.standard_normal(32).astype(np.float32))
    wino = F.conv2d(x, w, b, padding=1).numpy()
    monkeypatch.setattr(C, "winograd_ok", lambda *a: False)
    direct = F.conv2d(x, w, b, padding=1).numpy()
    assert not np.array_equal(wino, direct)  # (two computations, not one)
    np.testing.assert_allclose(wino, direct, rtol=1e-5, atol=1e-5 * np.abs(direct).max())


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan], ids=str)
def test_non_finite_input_as_pytorch(calls, bad):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 32, 16, 16)).astype(np.float32)
    x[1, 3, 5, 7] = bad
    w = (rng.standard_normal((32, 32, 3, 3)) * 0.2).astype(np.float32)
    with np.errstate(invalid="ignore"):
        y = F.conv2d(gk.tensor(x), gk.tensor(w), padding=1).numpy()
    ty = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy()
    assert calls
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ty))
    np.testing.assert_array_equal(np.isposinf(y), np.isposinf(ty))
    np.testing.assert_array_equal(np.isneginf(y), np.isneginf(ty))
    fin = np.isfinite(ty)
    assert (~fin).any()
    np.testing.assert_allclose(y[fin], ty[fin], rtol=2e-5, atol=2e-5 * np.abs(ty[fin]).max())


@pytest.mark.parametrize("where", [(0, -1, -1, -1), (0, -1, -1, 0), (0, 0, 0, 0)], ids=str)
def test_a_non_finite_chunk_leaves_the_next_chunks_exact(calls, monkeypatch, where):
    # the transforms run over whole parity planes and leave stale values in the slots past
    # each plane's tiles (a plane's last row, the next channel's first read in its place):
    # an inf in the first sample's last channel, last row or column, must stay out of the
    # next samples' outputs
    monkeypatch.setattr(W, "_CHUNK_BYTES", 1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 32, 17, 16)).astype(np.float32)
    x[where] = np.inf
    w = (rng.standard_normal((32, 32, 3, 3)) * 0.2).astype(np.float32)
    with np.errstate(invalid="ignore"):
        y = F.conv2d(gk.tensor(x), gk.tensor(w), padding=1).numpy()
    ty = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy()
    assert set(calls) == {1} and len(calls) == 3
    np.testing.assert_array_equal(np.isfinite(y), np.isfinite(ty))
    assert np.isfinite(ty[1:]).all()
    _close(y[1:], ty[1:], np.float32)


@pytest.mark.parametrize("kw", [{"stride": 2}, {"dilation": 2, "padding": 2}, {"groups": 2}],
                         ids=str)
def test_other_geometries_take_the_direct_path(calls, kw):
    x = gk.randn(2, 32, 20, 20)
    w = gk.randn(32, 32 // kw.get("groups", 1), 3, 3)
    F.conv2d(x, w, **kw)
    assert not calls


@pytest.mark.parametrize("c", [3, W._MIN_CHANNELS - 1])
def test_few_input_channels_take_the_direct_path(calls, c):
    F.conv2d(gk.randn(2, c, 20, 20), gk.randn(16, c, 3, 3), padding=1)
    assert not calls
