"""Convolutions: F.conv1d/conv2d/conv_transpose1d/2d and the Conv*/ConvTranspose* layers,
against PyTorch and central differences, including second order."""

import math
import warnings

import numpy as np
import pytest
from helpers import skip_unless_torch_half_conv_is_onednns
from oracle import check_grad

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _run_both(torch, fn_name, x, w, b, **kw):
    """Forward + backward of <u, f(x, w, b)> in gradkit and torch (float64); compare all."""
    gx = gk.tensor(x, requires_grad=True)
    gw = gk.tensor(w, requires_grad=True)
    gb = gk.tensor(b, requires_grad=True) if b is not None else None
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if b is not None else None
    y = getattr(F, fn_name)(gx, gw, gb, **kw)
    ty = getattr(torch.nn.functional, fn_name)(tx, tw, tb, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    u = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * gk.tensor(u)).sum().backward()
    (ty * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    if b is not None:
        np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-10)


CONV2D_CASES = [
    {},
    {"stride": 2},
    {"stride": (2, 1), "padding": (1, 2)},
    {"padding": 1, "dilation": 2},
    {"padding": "same"},
    {"padding": "same", "dilation": (2, 1)},
    {"padding": "valid", "stride": (1, 3)},
    {"groups": 2, "padding": 1},
    {"groups": 4, "stride": 2, "dilation": (1, 2)},
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kw", CONV2D_CASES, ids=str)
@pytest.mark.parametrize("kernel", [(3, 3), (2, 3)])
def test_conv2d_matches_torch(torch, rng, kw, bias, kernel):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6 if groups != 4 else 8, 4 // groups) + kernel)
    b = rng.standard_normal(w.shape[0]) if bias else None
    _run_both(torch, "conv2d", x, w, b, **kw)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2},
                                {"groups": 2, "dilation": 3}, {"padding": "valid"}], ids=str)
def test_conv1d_matches_torch(torch, rng, kw):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((3, 4, 13))
    w = rng.standard_normal((6, 4 // groups, 4))
    _run_both(torch, "conv1d", x, w, rng.standard_normal(6), **kw)


CONVT_CASES = [
    {},
    {"stride": 2},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": (3, 2), "padding": (1, 0), "output_padding": (2, 1)},
    {"dilation": 2, "padding": 1},
    {"stride": 2, "dilation": 2, "output_padding": 1},
    {"groups": 2, "stride": 2, "padding": 1},
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kw", CONVT_CASES, ids=str)
def test_conv_transpose2d_matches_torch(torch, rng, kw, bias):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 5, 6))
    w = rng.standard_normal((4, 6 // groups, 3, 3))
    b = rng.standard_normal(6) if bias else None
    _run_both(torch, "conv_transpose2d", x, w, b, **kw)


@pytest.mark.parametrize("kw", [{}, {"stride": 3, "padding": 1, "output_padding": 2},
                                {"groups": 2, "dilation": 2}], ids=str)
def test_conv_transpose1d_matches_torch(torch, rng, kw):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 7))
    w = rng.standard_normal((4, 6 // groups, 3))
    _run_both(torch, "conv_transpose1d", x, w, rng.standard_normal(6), **kw)


def test_unbatched_input(torch, rng):
    x = rng.standard_normal((3, 7, 7))
    w = rng.standard_normal((5, 3, 3, 3))
    _run_both(torch, "conv2d", x, w, None, padding=1)
    _run_both(torch, "conv_transpose2d", x, rng.standard_normal((3, 2, 3, 3)), None, stride=2)


def test_float32_stays_float32(rng):
    x = gk.randn(2, 3, 8, 8)
    w = gk.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, gk.zeros(4))
    assert y.dtype == gk.float32
    y.sum().backward()
    assert w.grad.dtype == gk.float32


def test_non_contiguous_input(torch, rng):
    x = rng.standard_normal((2, 8, 9, 3)).transpose(0, 3, 1, 2)  # (2, 3, 8, 9), not contiguous
    _run_both(torch, "conv2d", x, rng.standard_normal((4, 3, 3, 3)), None, stride=2, padding=1)


@pytest.mark.parametrize("kw", [{"stride": 2, "padding": 1}, {"dilation": 2, "groups": 2}], ids=str)
def test_conv2d_gradcheck(rng, kw):
    x = gk.tensor(rng.standard_normal((2, 4, 6, 7)), requires_grad=True)
    w = gk.tensor(rng.standard_normal((4, 4 // kw.get("groups", 1), 3, 2)), requires_grad=True)
    b = gk.tensor(rng.standard_normal(4), requires_grad=True)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


def test_conv_transpose2d_gradcheck(rng):
    x = gk.tensor(rng.standard_normal((2, 4, 4, 5)), requires_grad=True)
    w = gk.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    b = gk.tensor(rng.standard_normal(3), requires_grad=True)
    check_grad(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                  output_padding=1), [x, w, b])


def _second_order(fn):
    def f(x, w):
        with gk.enable_grad():
            y = fn(x, w)
            gx, gw = gk.autograd.grad((y * y * y).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum() + gx.sum() * gw.sum()
    return f


@pytest.mark.parametrize("kw", [{"stride": 2, "padding": 1}, {"groups": 2, "dilation": 2}], ids=str)
def test_conv2d_second_order_gradcheck(rng, kw):
    x = gk.tensor(rng.standard_normal((2, 4, 6, 6)), requires_grad=True)
    w = gk.tensor(rng.standard_normal((4, 4 // kw.get("groups", 1), 3, 3)), requires_grad=True)
    check_grad(_second_order(lambda x, w: F.conv2d(x, w, **kw)), [x, w])


def test_conv_transpose2d_second_order_gradcheck(rng):
    x = gk.tensor(rng.standard_normal((2, 3, 4, 4)), requires_grad=True)
    w = gk.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    check_grad(_second_order(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                             output_padding=1)), [x, w])


def test_conv2d_double_backward_matches_torch(torch, rng):
    x = rng.standard_normal((2, 3, 7, 7))
    w = rng.standard_normal((4, 3, 3, 3))

    def run(lib, F_, x, w):
        y = F_.conv2d(x, w, stride=2, padding=1)
        grad = gk.autograd.grad if lib is gk else torch.autograd.grad
        gx, gw = grad((y * y).sum(), [x, w], create_graph=True)
        ((gx * gx).sum() + (gw ** 3).sum()).backward()
        return x.grad, w.grad

    gx = gk.tensor(x, requires_grad=True)
    gw = gk.tensor(w, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    a = run(gk, F, gx, gw)
    b = run(torch, torch.nn.functional, tx, tw)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------- modules
MODULE_CASES = [
    ("Conv2d", (3, 8, 3), {"padding": 1}),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "groups": 2, "bias": False}),
    ("Conv2d", (4, 6, 3), {"padding": 2, "padding_mode": "reflect"}),
    ("Conv2d", (4, 6, 3), {"padding": (1, 2), "padding_mode": "circular", "dilation": 2}),
    ("Conv2d", (4, 6, 3), {"padding": "same", "padding_mode": "replicate"}),
    ("Conv1d", (4, 6, 3), {"padding": "same", "dilation": 2}),
    ("Conv1d", (4, 6, 5), {"stride": 2, "padding": 2, "padding_mode": "reflect"}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "padding": 1}),
]


@pytest.mark.parametrize("name,args,kw", MODULE_CASES, ids=str)
def test_module_matches_torch(torch, rng, name, args, kw):
    m = getattr(nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw).double()
    m = m.double()
    assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    assert repr(m) == repr(tm)
    for k, v in m.state_dict().items():
        assert tuple(v.shape) == tuple(tm.state_dict()[k].shape)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    spatial = (11,) if name.endswith("1d") else (9, 10)
    x = rng.standard_normal((2, args[0]) + spatial)
    gx = gk.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y, ty = m(gx), tm(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    y.square().sum().backward()
    ty.square().sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-9,
                               atol=1e-9)
    if m.bias is not None:
        np.testing.assert_allclose(m.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-9,
                                   atol=1e-9)


def test_conv_transpose_output_size(torch, rng):
    m = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1).double()
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1).double()
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((1, 3, 4, 5))
    y = m(gk.tensor(x), output_size=(8, 10))
    ty = tm(torch.tensor(x), output_size=(8, 10))
    assert tuple(y.shape) == (1, 2, 8, 10)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="not reachable"):
        m(gk.tensor(x), output_size=(12, 10))


def test_default_init_range_and_dtype():
    gk.manual_seed(0)
    m = nn.Conv2d(16, 32, 5)
    bound = 1 / math.sqrt(16 * 25)
    w = m.weight.detach().numpy()
    assert m.weight.dtype == gk.float32 and m.bias.dtype == gk.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    t = nn.ConvTranspose2d(8, 4, 3, groups=2)  # fan_in = weight.shape[1] * 9 = 2 * 9
    assert tuple(t.weight.shape) == (8, 2, 3, 3)
    assert np.abs(t.weight.detach().numpy()).max() <= 1 / math.sqrt(18)
    assert nn.Conv2d(2, 3, 3, bias=False).bias is None


def test_errors_name_layer_and_shapes():
    # PyTorch raises RuntimeError for every shape or value a convolution cannot take
    m = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d\(in_channels=3\): Given groups=1, weight of "
                                           r"size \[4, 3, 3, 3\], expected input\[2, 4, 8, 8\] "
                                           r"to have 3 channels, but got 4"):
        m(gk.randn(2, 4, 8, 8))
    with pytest.raises(RuntimeError, match=r"Conv2d\(in_channels=3\): Expected 3D \(unbatched\) "
                                           r"or 4D \(batched\) input, but got input of size: "
                                           r"\[3, 8\]"):
        m(gk.randn(3, 8))
    with pytest.raises(RuntimeError, match=r"padded input size per channel: \(3, 3\)\. Kernel "
                                           r"size: \(5, 5\)"):
        nn.Conv2d(3, 4, 5)(gk.randn(1, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Conv1d\(in_channels=2\).*to have 2 channels"):
        nn.Conv1d(2, 4, 3)(gk.randn(1, 3, 8))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(RuntimeError, match="kernel size should be greater than zero"):
        nn.Conv2d(3, 4, 0)(gk.randn(1, 3, 5, 5))  # built, refused by the forward (as torch)
    with pytest.raises(RuntimeError, match="kernel_size must be non-negative"):
        nn.Conv2d(3, 4, -1)
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 4 elements, "
                                           r"but got bias of size \[3\]"):
        F.conv2d(gk.randn(1, 3, 5, 5), gk.randn(4, 3, 3, 3), gk.randn(3))
    with pytest.raises(RuntimeError, match="input dtype gradkit.float32, weight dtype "
                                           "gradkit.float64"):
        F.conv2d(gk.randn(1, 3, 5, 5), gk.randn(4, 3, 3, 3, dtype=gk.float64))
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose2d(gk.randn(1, 3, 5, 5), gk.randn(3, 2, 3, 3), stride=2,
                           output_padding=2)


def test_conv_transpose1d_inf_weight_is_torchs_float64_sum(torch):
    """An inf weight reaches only the outputs its products reach: gradkit's float32 result is
    PyTorch's float64 one (PyTorch's float32 kernel gives NaN at the last output, which the
    nn fuzzer allows with this reason)."""
    w = np.array([1e-30, 1.044, -0.3513, np.inf, 0.01155, -0.2034], np.float32).reshape(2, 1, 3)
    x = np.random.default_rng(0).standard_normal((2, 3, 2)).astype(np.float32).swapaxes(1, 2)
    b = np.array([0.555], np.float32)
    g = F.conv_transpose1d(gk.tensor(x), gk.tensor(w), gk.tensor(b), stride=2).numpy()
    t = torch.nn.functional.conv_transpose1d(*(torch.tensor(a).double() for a in (x, w, b)),
                                             stride=2).numpy()
    np.testing.assert_allclose(g, t, rtol=1e-5, atol=1e-6)  # (float32 against float64)
    assert np.isfinite(g[:, :, -1]).all()


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 2)])
def test_float16_conv_non_finite_weight_skips_padding_as_torch(torch, nd, bad, stride, padding):
    # PyTorch's float16 kernel reads no padding: a NaN/inf weight whose taps fall on padding
    # only leaves that output finite (gradkit's zero padding made 0 * inf = NaN there)
    skip_unless_torch_half_conv_is_onednns(torch)
    rng = np.random.default_rng(nd)
    x = rng.standard_normal((2, 2) + (5,) * nd).astype(np.float16)
    w = rng.standard_normal((3, 2) + (2,) * nd).astype(np.float16)
    w[1, 0].reshape(-1)[0] = bad
    b = rng.standard_normal(3).astype(np.float16)
    f = f"conv{nd}d"
    want = getattr(torch.nn.functional, f)(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                           stride=stride, padding=padding).numpy()
    got = getattr(F, f)(gk.tensor(x), gk.tensor(w), gk.tensor(b), stride=stride,
                        padding=padding).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)


# ------------------------------------------------------------ hooks a subclass overrides
def _standardised(nn_, F_):
    """A Conv2d whose ``_conv_forward`` standardises its weight (weight standardisation), and a
    Conv1d that casts weight and bias to the input's dtype (as Whisper's Conv1d)."""

    class WSConv2d(nn_.Conv2d):
        def _conv_forward(self, x, weight, bias):
            w = (weight - weight.mean(dim=(1, 2, 3), keepdim=True)) / (
                weight.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
            return super()._conv_forward(x, w, bias)

    class CastConv1d(nn_.Conv1d):
        def _conv_forward(self, x, weight, bias):
            return super()._conv_forward(x, weight.to(x.dtype), bias.to(x.dtype))

    return WSConv2d(3, 4, 3, padding=1, padding_mode="reflect"), CastConv1d(3, 4, 3, stride=2)


def test_conv_forward_calls_overridden_conv_forward(torch, rng):
    (ws, cast), (tws, tcast) = _standardised(nn, F), _standardised(torch.nn, torch.nn.functional)
    for m, tm in ((ws, tws), (cast, tcast)):
        m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    # (in float64: the standardised weight's gradient cancels terms of size ~1e3, whose float32
    # rounding depends on the summation order)
    ws, tws = ws.double(), tws.double()
    x = rng.standard_normal((2, 3, 6, 5))
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ws(gx), tws(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    y.square().sum().backward()
    ty.square().sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ws.weight.grad.numpy(), tws.weight.grad.numpy(), rtol=1e-9,
                               atol=1e-9)
    # float32 weights, a float64 input: the override's cast makes the dtypes agree
    x64 = rng.standard_normal((2, 3, 9))
    y, ty = cast(gk.tensor(x64)), tcast(torch.tensor(x64))
    assert y.dtype == gk.float64 and ty.dtype == torch.float64
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)


def _wsconvt(nn_, F_):
    class WSConvTranspose2d(nn_.ConvTranspose2d):
        # PyTorch's own forward, with a scaled weight: _output_padding is called with the
        # layer's geometry (PyTorch's signature)
        def forward(self, x, output_size=None):
            opad = self._output_padding(x, output_size, self.stride, self.padding,
                                        self.kernel_size, 2, self.dilation)
            return F_.conv_transpose2d(x, self.weight * 0.5, self.bias, self.stride,
                                       self.padding, opad, self.groups, self.dilation)

    return WSConvTranspose2d(3, 2, 3, stride=2, padding=1)


@pytest.mark.parametrize("output_size", [None, (9, 10), [2, 2, 10, 9]])
def test_conv_transpose_output_padding_pytorch_signature(torch, rng, output_size):
    m, tm = _wsconvt(nn, F), _wsconvt(torch.nn, torch.nn.functional)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    y, ty = m(gk.tensor(x), output_size), tm(torch.tensor(x), output_size)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("create_graph", [True, False])
def test_conv_transpose_output_padding_past_stride_second_order(torch, nd, create_graph):
    """A transposed convolution whose output_padding reaches the stride (a dilation larger
    than the stride admits it): its second derivatives (recorded, or not: the weight-gradient
    op's own backward) keep the input's and the gradient's shapes (the input's came out
    longer by the padded positions and the sum failed). (PyTorch 2.13 has no third order
    here: its double backward calls a plain convolution with output_padding.)"""
    rng = np.random.default_rng(1)
    xs, ws = (1, 4) + (3,) * nd, (4, 2) + (3,) * nd
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(4)]
    kw = {"padding": 2, "dilation": 2, "output_padding": (1,) + (0,) * (nd - 1), "groups": 2}

    def run(lib):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        f = getattr(lib.nn.functional, f"conv_transpose{nd}d")
        y = f(x, w, b, **kw)
        g1 = lib.autograd.grad((y * y).sum() + y.sin().sum(), (x, w, b), create_graph=True)
        s1 = sum((g * g.sin()).sum() for g in g1)
        g2 = lib.autograd.grad(s1, (x, w, b), create_graph=create_graph)
        return [g.detach().numpy() for g in (*g1, *g2)]
    for got, want in zip(run(gk), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_conv_half_same_padding_non_finite_weight(torch, nd, k, bad):
    """float16 padding='same' with a NaN or inf weight: PyTorch's kernel reads no padding of
    its own, but an even kernel's extra high-side padding is a real zero-padded copy of the
    input, so 0 * NaN reaches the output there (gradkit skipped those taps too)."""
    skip_unless_torch_half_conv_is_onednns(torch)
    rng = np.random.default_rng(k)
    x = rng.standard_normal((2, 1) + (5,) * nd).astype(np.float16)
    w = rng.standard_normal((2, 1) + (k,) * nd).astype(np.float16)
    w.reshape(2, -1)[0, -1] = bad
    w.reshape(2, -1)[1, 0] = bad
    b = rng.standard_normal(2).astype(np.float16)

    def run(lib):
        f = getattr(lib.nn.functional, f"conv{nd}d")
        return f(lib.tensor(x), lib.tensor(w), lib.tensor(b), padding="same").float().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = run(gk), run(torch)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3, equal_nan=True)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("args,kw", [((2, -2, 3), {}), ((2, 2, -1), {}),
                                     ((2, 2, 3), {"groups": 0}), ((3, 2, 3), {"groups": 2}),
                                     ((2, 2, 3), {})])
@pytest.mark.parametrize("mode", ["reflect", "circular", "bogus"])
def test_conv_transpose_padding_mode_checked_first(torch, nd, args, kw, mode):
    """A transposed convolution module refuses a padding_mode other than 'zeros' before any
    other constructor check (a negative out_channels was the RuntimeError before)."""
    def run(lib):
        try:
            getattr(lib.nn, f"ConvTranspose{nd}d")(*args, padding_mode=mode, **kw)
        except (ValueError, RuntimeError, TypeError) as e:
            return type(e).__name__
        return "ok"
    assert run(gk) == run(torch)
