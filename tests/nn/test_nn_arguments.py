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


def check_as_torch(fn, *args, **kw):
    """``fn`` (a dotted name under ``gradkit``/``torch``) gives the same outcome in both."""
    ours, msg = _run(gk, fn, args, kw)
    theirs, tmsg = _run(torch, fn, args, kw)
    if isinstance(theirs, type):
        assert ours is theirs, f"gradkit {ours}: {msg}; torch {theirs}: {tmsg}"
        return msg
    assert not isinstance(ours, type), f"gradkit raised {ours}: {msg}"
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
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
