"""MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d (and functional forms) against
PyTorch, central differences and bad input."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

_X = np.random.default_rng(0).standard_normal((2, 3, 7, 6, 8)).astype(np.float32)


@pytest.mark.parametrize("name,args,kw", [
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((3, 2, 3),), dict(stride=(2, 1, 2), padding=(1, 1, 1))),
    ("MaxPool3d", (3,), dict(stride=2, padding=1, dilation=(2, 1, 1), ceil_mode=True)),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", (3,), dict(stride=2, padding=1)),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    ("AvgPool3d", ((2, 3, 3),), dict(stride=(1, 2, 2), padding=(1, 1, 0), divisor_override=5)),
    ("AdaptiveAvgPool3d", ((3, 4, 5),), {}), ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveMaxPool3d", ((3, 4, 5),), {}), ("AdaptiveMaxPool3d", ((7, None, 3),), {}),
])
@pytest.mark.parametrize("batched", [True, False])
def test_pool3d_matches_torch(torch, name, args, kw, batched):
    g, t = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(g) == repr(t)
    compare_layer(torch, g, t, [_X if batched else _X[0]], atol=1e-5)


@pytest.mark.parametrize("fn", ["max_pool3d", "adaptive_max_pool3d"])
def test_max_pool3d_indices_match_torch(torch, fn):
    kw = dict(kernel_size=3, stride=2, padding=1) if fn == "max_pool3d" else \
        dict(output_size=(3, 2, 5))
    y, i = getattr(F, fn)(gk.tensor(_X), return_indices=True, **kw)
    ty, ti = getattr(torch.nn.functional, fn)(torch.tensor(_X), return_indices=True, **kw)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_pool3d_float64_gradients():
    x = t64(np.random.default_rng(1), 1, 2, 5, 4, 4)
    check_grad(lambda x: F.avg_pool3d(x, 3, stride=2, padding=1, count_include_pad=False), [x])
    check_grad(lambda x: F.max_pool3d(x, (2, 3, 2), stride=1, padding=(1, 1, 0)), [x])
    check_grad(lambda x: F.adaptive_avg_pool3d(x, (3, 2, 3)), [x])
    check_grad(lambda x: F.adaptive_max_pool3d(x, (2, 3, 3)), [x])

    def grad_of(x):  # second order through the depth gather
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.avg_pool3d(x, 2, stride=1) ** 3).sum(), [x],
                                    create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


def test_pool3d_errors():
    with pytest.raises(RuntimeError, match=r"MaxPool3d\(kernel_size=2.*\(N, C, D, H, W\) or "
                                           r"\(C, D, H, W\), but got a 3-D input of shape "
                                           r"\(2, 4, 4\)"):
        nn.MaxPool3d(2)(gk.randn(2, 4, 4))
    with pytest.raises(RuntimeError, match=r"avg_pool3d\(\): pad should be at most half"):
        F.avg_pool3d(gk.randn(1, 1, 4, 4, 4), 2, padding=(2, 0, 0))
    with pytest.raises(RuntimeError, match=r"larger than the padded input depth 1"):
        F.max_pool3d(gk.randn(1, 1, 1, 4, 4), 2)


@pytest.mark.parametrize("args,kw", [((2, 2), {}), ((1.5, (2, 3, 2)), dict(stride=1)),
                                     ((float("inf"), 2), dict(ceil_mode=True))])
def test_lp_pool3d_matches_torch(torch, args, kw):
    g, t = nn.LPPool3d(*args, **kw), torch.nn.LPPool3d(*args, **kw)
    assert repr(g) == repr(t)
    compare_layer(torch, g, t, [np.abs(_X) + 0.1], atol=1e-4, rtol=1e-4)


def test_max_unpool3d_and_nll_loss2d_match_torch(torch):  # NLLLoss2d: a deprecated alias
    y, idx = torch.nn.functional.max_pool3d(torch.tensor(_X), 2, return_indices=True)
    g, t = nn.MaxUnpool3d(2), torch.nn.MaxUnpool3d(2)
    assert repr(g) == repr(t)
    gy = gk.tensor(y.numpy(), requires_grad=True)
    out = g(gy, gk.tensor(idx.numpy()), output_size=_X.shape)
    np.testing.assert_array_equal(out.detach().numpy(),
                                  t(y, idx, output_size=_X.shape).numpy())
    out.sum().backward()
    np.testing.assert_array_equal(gy.grad.numpy(), np.ones(y.shape, np.float32))
    x = np.random.default_rng(3).standard_normal((2, 4, 3, 3)).astype(np.float32)
    tg = np.random.default_rng(4).integers(0, 4, (2, 3, 3))
    a = nn.NLLLoss2d()(gk.tensor(x), gk.tensor(tg))
    b = torch.nn.NLLLoss()(torch.tensor(x), torch.tensor(tg))
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)


def test_with_indices_aliases_match_torch(torch):
    x4 = _X[:, :, 0]
    cases = [("max_pool1d_with_indices", x4[:, :, 0], (2,)),
             ("max_pool2d_with_indices", x4, (2,)), ("max_pool3d_with_indices", _X, (2,)),
             ("adaptive_max_pool1d_with_indices", x4[:, :, 0], (4,)),
             ("adaptive_max_pool2d_with_indices", x4, ((3, 4),)),
             ("adaptive_max_pool3d_with_indices", _X, ((3, 4, 5),))]
    for name, x, args in cases:
        y, i = getattr(F, name)(gk.tensor(x), *args)
        ty, ti = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
        np.testing.assert_array_equal(y.numpy(), ty.numpy(), err_msg=name)
        np.testing.assert_array_equal(i.numpy(), ti.numpy(), err_msg=name)
    np.testing.assert_array_equal(F.native_channel_shuffle(gk.tensor(x4), 3).numpy(),
                                  torch.nn.functional.native_channel_shuffle(
                                      torch.tensor(x4), 3).numpy())


def test_max_pool3d_window_wholly_in_the_padding_is_minus_inf(torch):
    # dilation 2 over a width of 1 with padding 1: the taps at -1 and 1 both miss the input
    x = np.random.default_rng(9).standard_normal((1, 1, 5, 5, 1))
    args = ((3, 3, 2), (1, 2, 2), (0, 1, 1), (1, 1, 2))
    out = F.max_pool3d(gk.tensor(x), *args).numpy()
    np.testing.assert_array_equal(out, torch.nn.functional.max_pool3d(torch.tensor(x),
                                                                      *args).numpy())
    assert np.isneginf(out).all()


def _outcome(fn):
    """The result as (dtype name, shape, values) or the exception type."""
    try:
        y = fn()
    except Exception as e:  # noqa: BLE001 - the type is compared with PyTorch's
        return type(e)
    y = y[0] if isinstance(y, tuple) else y
    return str(y.dtype).split(".")[-1], tuple(y.shape), y.double().numpy().tolist()


@pytest.mark.parametrize("call", [
    # integer/bool inputs: the 3-D kernels' NotImplementedError (was mean()'s RuntimeError),
    # also before an empty output size
    lambda L, F: F.adaptive_avg_pool3d(L.ones(2, 2, 4, 3, 3, dtype=L.int32), (3, 1, 1)),
    lambda L, F: F.adaptive_avg_pool3d(L.ones(2, 2, 4, 3, 3, dtype=L.int32), (3, 0, 1)),
    lambda L, F: F.adaptive_avg_pool3d(L.ones(1, 4, 3, 3, dtype=L.bool), 2),
    lambda L, F: F.adaptive_max_pool3d(L.ones(2, 2, 4, 3, 3, dtype=L.uint8), (3, 0, 1)),
    # an empty output size is PyTorch's empty result (was a RuntimeError); negative is refused
    lambda L, F: F.adaptive_avg_pool3d(L.ones(2, 2, 4, 3, 3), (3, 0, 1)),
    lambda L, F: F.adaptive_max_pool3d(L.ones(2, 4, 3, 3), (0, 2, 1), return_indices=True),
    lambda L, F: F.adaptive_avg_pool3d(L.ones(2, 2, 4, 3, 3), (3, -1, 1)),
    # PyTorch's avg_pool3d has no float16/bfloat16 kernel (bfloat16 was accepted), lp_pool3d too
    lambda L, F: F.avg_pool3d(L.ones(2, 3, 6, 2, 6, dtype=L.bfloat16), 2),
    lambda L, F: F.lp_pool3d(L.ones(2, 3, 6, 2, 6, dtype=L.float16), 2.0, 2),
    lambda L, F: F.lp_pool3d(L.ones(2, 3, 6, 2, 6, dtype=L.bfloat16), 0.0, 2, ceil_mode=True),
    lambda L, F: L.nn.AvgPool3d(2)(L.ones(3, 6, 2, 6, dtype=L.bfloat16)),
    # an empty bool/int8 input or output keeps its dtype (was int64: the sum joined for autograd)
    lambda L, F: F.adaptive_avg_pool1d(L.ones(0, 3, dtype=L.bool), 2),
    lambda L, F: F.adaptive_avg_pool1d(L.ones(2, 3, dtype=L.int8), 0),
    lambda L, F: F.adaptive_avg_pool3d(L.ones(0, 2, 3, 3, dtype=L.uint8), 2),
])
def test_adaptive_and_avg_pool3d_dtypes_and_empty_outputs_as_torch(torch, call):
    g = _outcome(lambda: call(gk, gk.nn.functional))
    t = _outcome(lambda: call(torch, torch.nn.functional))
    assert g == t if isinstance(t, tuple) else g is t


@pytest.mark.parametrize("kw", [dict(kernel_size=(3, 2, 2), stride=1, padding=(0, 1, 1)),
                                dict(kernel_size=2, stride=1, padding=1, count_include_pad=False),
                                dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), padding=1,
                                     divisor_override=3),
                                dict(kernel_size=2, stride=2, ceil_mode=True)])
def test_avg_pool3d_of_int64_as_torch(torch, kw):
    """An int64 input: each window's sum divided once, truncated toward 0 (gradkit's per-axis
    weights were truncated to 0: every output was 0)."""
    x = np.random.default_rng(0).integers(-50, 50, (1, 2, 6, 6, 5))
    g = F.avg_pool3d(gk.tensor(x), **kw)
    t = torch.nn.functional.avg_pool3d(torch.tensor(x), **kw)
    assert g.dtype == gk.int64
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2, stride=(2, 1, 1), ceil_mode=True),
                                dict(kernel_size=(3, 1, 1), stride=1, padding=(1, 0, 0))])
def test_avg_pool3d_windows_past_the_depth_ignore_inf(torch, kw):
    """Depth taps past the input (ceil_mode, padding) read zeros: an inf in the last slice
    gives inf, not NaN (0 * inf)."""
    x = np.zeros((1, 1, 4, 2, 2))
    x[0, 0, 3] = np.inf
    x[0, 0, 0] = 1.0
    g = F.avg_pool3d(gk.tensor(x), **kw).numpy()
    t = torch.nn.functional.avg_pool3d(torch.tensor(x), **kw).numpy()
    np.testing.assert_array_equal(g, t)
