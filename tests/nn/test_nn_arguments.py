"""The nn ops' argument checks and edge values against PyTorch (the fuzzer's findings of issue
13): pools, dropouts, normalizations, activations, shuffles, grid sampling, cells. Each case
runs in both libraries; the outcomes must be the same exception type, or equal values."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)


def _lib_args(lib, args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(lib.tensor(a))
        elif isinstance(a, tuple) and a and isinstance(a[0], np.ndarray):
            out.append(tuple(lib.tensor(v) for v in a))
        else:
            out.append(a)
    return out


def _run(lib, fn, args, kw):
    f = lib
    for part in fn.split("."):
        f = getattr(f, part)
    try:
        r = f(*_lib_args(lib, args), **kw)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e), str(e)
    rs = r if isinstance(r, tuple) else (r,)
    return tuple(np.asarray(v.detach().numpy()) for v in rs), None


def check_as_torch(fn, *args, values=True, **kw):
    """``fn`` (a dotted name under ``gradkit``/``torch``) gives the same outcome in both (with
    ``values=False``, a random op: the same shapes and dtypes)."""
    ours, msg = _run(gk, fn, args, kw)
    theirs, tmsg = _run(torch, fn, args, kw)
    if isinstance(theirs, type):
        assert ours is theirs, f"gradkit {ours}: {msg}; torch {theirs}: {tmsg}"
        return msg
    assert not isinstance(ours, type), f"gradkit raised {ours}: {msg}"
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        if values:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    return None


X1 = R.standard_normal((2, 3, 8))
X2 = R.standard_normal((1, 2, 5, 5))
X3 = R.standard_normal((1, 1, 4, 4, 4))

POOLS = [
    ("max_pool1d", (X1, 0), {}), ("max_pool1d", (X1, 2, 0), {}), ("max_pool1d", (X1, 3, 2, -1), {}),
    ("max_pool1d", (X1, 1, 2, 2), {}), ("max_pool1d", (X1, 2.5), {}), ("max_pool1d", (X1, 9), {}),
    ("max_pool1d", (X1[:, :0], 2), {}), ("max_pool1d", (X1[:0], 2), {}),
    ("max_pool1d", (np.float64(1.0), 2), {}), ("max_pool1d", (X1.tolist(), 2), {}),
    ("max_pool1d", (X1.astype(np.int64), 2), {}), ("max_pool1d", (X1 > 0, 0), {}),
    ("max_pool1d_with_indices", (X1.astype(np.int64), 2), {}),
    ("max_pool1d_with_indices", (X1 > 0, 2), {}),
    ("max_pool2d", (X2, (2, 2, 2)), {}), ("max_pool2d", (X2, 2, -3), {}),
    ("max_pool2d", (X2[:, :, :0], 2), {}), ("max_pool2d", (np.float64(1.0), 2), {}),
    ("max_pool3d", (X3, 6), {}), ("max_pool3d", (X3, -7), {}), ("max_pool3d", (X3[:, :0], 2), {}),
    ("max_pool3d", (X3 > 0, 2), {}), ("max_pool3d", (X3.astype(np.int64), 2), {}),
    ("avg_pool1d", (X1, 3, 2, 2), {}), ("avg_pool1d", (X1, -5, 2, 1), {}),
    ("avg_pool1d", (X1[:, :0], 4, 2), {}), ("avg_pool1d", (X1 > 0, 2), {}),
    ("avg_pool1d", (X1.astype(np.int32), 2), {}),
    ("avg_pool1d", (np.round(X1 * 5).astype(np.int64), 3, 2, 1), {}),  # truncating division
    ("avg_pool1d", (np.round(X1 * 5).astype(np.int64), 3, 2, 1, False, False), {}),
    ("adaptive_avg_pool1d", (X1, -1), {}), ("adaptive_avg_pool1d", (X1, 0), {}),
    ("adaptive_avg_pool1d", (X1, (2, 2)), {}), ("adaptive_avg_pool1d", (X1, 2.5), {}),
    ("adaptive_avg_pool1d", (X1 > 0, 1), {}), ("adaptive_avg_pool1d", (X1 > 0, 3), {}),
    ("adaptive_avg_pool1d", (X1.astype(np.int64), 1), {}),
    ("adaptive_avg_pool1d", (X1[:, :0], 2), {}), ("adaptive_avg_pool1d", (X1[:, :, :0], 2), {}),
    ("adaptive_max_pool1d", (X1, -1), {}), ("adaptive_max_pool1d", (X1, 0), {}),
    ("adaptive_max_pool1d", (X1[:, :, :0], 3), {}), ("adaptive_max_pool1d", (np.float64(1), 3), {}),
    ("adaptive_max_pool1d", (X1.astype(np.int64), 3), {}),
]


@pytest.mark.parametrize("fn,args,kw", POOLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOLS)])
def test_pools_as_torch(fn, args, kw):
    check_as_torch(fn, *args, **kw)


XD = R.standard_normal((2, 3, 4))
DROPOUTS = [
    (name, args) for name in ("dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
                              "feature_dropout", "feature_dropout_", "feature_alpha_dropout",
                              "feature_alpha_dropout_")
    for args in ((XD, -1.0, True), (XD, float("nan"), False), (XD, 1e10, True), (XD, 2.0, False),
                 (XD.astype(np.int64), 0.3, True), (XD > 0, 0.3, True),
                 (XD.astype(np.int32), 0.3, False), (XD.astype(np.int32), 1.0, True),
                 (XD[:0] > 0, 0.4, True), (XD.tolist(), 0.3, False), (XD[0, 0], 0.5, True),
                 (XD, 1.0, True), (XD, 0.0, True))
]


@pytest.mark.parametrize("fn,args", DROPOUTS, ids=[f"{c[0]}-{i}" for i, c in enumerate(DROPOUTS)])
def test_dropouts_as_torch(fn, args):
    # p = 1, p = 0, eval and empty inputs are deterministic: their values are compared too
    x, p, train = args
    check_as_torch(fn, *args, values=p in (0.0, 1.0) or not train or np.size(x) == 0)


@pytest.mark.parametrize("fn,args", [
    ("nn.functional.dropout", (XD, 2.0, True)), ("nn.functional.dropout", (XD.tolist(), 0.5)),
    ("nn.functional.dropout", (XD.astype(np.int64), 0.5, True)),
    ("nn.functional.alpha_dropout", (XD.astype(np.int32), 0.5, True)),
    ("nn.functional.feature_alpha_dropout", (XD, -0.5, True)),
    ("nn.functional.dropout2d", (XD.astype(np.int64), 0.5, True)),
    ("nn.functional.dropout1d", (XD, 0.5, False)),
])
def test_functional_dropouts_as_torch(fn, args):
    # torch.nn.functional checks p in Python (ValueError) before ATen's checks
    check_as_torch(fn, *args)


XA = R.standard_normal((3, 4))
XA[0, 0], XA[2, 2] = np.nan, -0.0
ACTIVATIONS = [
    ("celu", (XA, 0.0)), ("celu", (XA, float("nan"))), ("celu", (XA.tolist(), 2.0)),
    ("celu", (XA.astype(np.int64), 1.0)), ("selu", ((XA > 0).tolist(),)),
    ("hardshrink", (XA, 1.0)), ("hardshrink", (XA, float("nan"))), ("hardshrink", (XA, -1.0)),
    ("hardshrink", (XA.astype(np.int32), 0.5)),
    ("threshold", (np.round(XA * 3).astype(np.int32), 0.1, 2.0)),
    ("threshold", (np.round(XA * 3).astype(np.int32), -0.5, 2.0)),
    ("threshold", (np.abs(np.nan_to_num(XA) * 3).astype(np.uint8), 2.0, float("nan"))),
    ("threshold", (np.abs(np.nan_to_num(XA) * 3).astype(np.uint8), -0.5, 2.0)),
    ("threshold", (XA.astype(np.float16), 1.0, 1e10)), ("threshold", (XA > 0, 0.5, 1.0)),
    ("rrelu", (XA, float("inf"), 0.5, False)), ("rrelu", (XA, float("nan"), 0.5, True)),
    ("rrelu", (XA, 0.1, 0.0, False)), ("rrelu", (XA.astype(np.int64), 0.1, 0.5, True)),
    ("rrelu", (XA.astype(np.int64), 0.1, 0.5, False)), ("rrelu", (XA.tolist(), 0.1, 0.3)),
    ("rrelu_", (XA, float("inf"), 0.5, True)), ("rrelu_", (XA, 0.1, float("inf"), True)),
    ("rrelu_", (np.abs(XA) + 1, 0.1, float("inf"), True)),
    ("rrelu_", (XA, 0.1, float("inf"), False)),
]


@pytest.mark.parametrize("fn,args", ACTIVATIONS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ACTIVATIONS)])
def test_activations_as_torch(fn, args):
    check_as_torch(fn, *args)


XP = R.standard_normal((2, 3, 4))
PRELU = [
    (XP, np.array([0.5, 0.4, 0.3], np.float16)), (XP, np.array([0.5, 0.4, 0.3], np.float32)),
    (XP.astype(np.float32), np.array([0.5, 0.4, 0.3])), (XP, np.array([1, 0, 1], np.int64)),
    (XP.astype(np.int64), np.array([1, 0, 1], np.int64)), (XP, np.ones((3, 1))),
    (XP, np.ones(4)), (XP[0, 0, 0], np.ones(3)), (XP[0, 0], np.ones(3)), (XP[0, 0], np.ones(1)),
    (XP[:0], np.ones(3)), (XP, np.ones(0)), (XP.tolist(), np.ones(3)), (XP, np.float64(0.3)),
]


@pytest.mark.parametrize("args", PRELU, ids=range(len(PRELU)))
def test_prelu_as_torch(args):
    check_as_torch("prelu", *args)


def test_elu_family_zero_and_nan_follow_torch_kernels():
    # the identity side holds x >= 0 (and NaN), the slope at 0 is the exponential side's
    x = np.array([0.0, -0.0, -1.0, 1.0, np.nan, -3.0, 2.0, -0.5] * 2)
    u = R.standard_normal(x.shape)
    for name, args in (("celu", (2.0,)), ("celu", (float("nan"),)), ("celu", (-1.5,)),
                       ("selu", ()), ("nn.functional.elu", (0.7,)),
                       ("nn.functional.elu", (float("inf"),))):
        outs = []
        for lib in (gk, torch):
            t = lib.tensor(x, requires_grad=True)
            f = lib
            for part in name.split("."):
                f = getattr(f, part)
            y = f(t, *args)
            (g,) = lib.autograd.grad(y, t, lib.tensor(u))
            outs.append((y.detach().numpy(), g.numpy()))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(np.signbit(outs[0][0]), np.signbit(outs[1][0]))
        # (the gradient at a NaN input differs between torch's SIMD body and scalar tail)
        ok = ~np.isnan(x)
        np.testing.assert_allclose(outs[0][1][ok], outs[1][1][ok], rtol=1e-12, equal_nan=True)


def test_prelu_slope_at_negative_zero_and_big_weight():
    x = np.array([[np.nan, -2.0, 0.5, -0.0, 0.0, 3.0, np.inf, -np.inf]])
    w = np.array([65504.0])
    u = R.standard_normal(x.shape)
    grads = []
    for lib in (gk, torch):
        tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.prelu(tx, tw)
        grads.append([g.numpy() for g in lib.autograd.grad(y, (tx, tw), lib.tensor(u))])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)
