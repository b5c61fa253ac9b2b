"""gradkit.signal.windows against torch.signal.windows: values, dtype, defaults and errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
import gradkit.signal.windows as gw

torch = pytest.importorskip("torch")
tw = pytest.importorskip("torch.signal.windows")

EXTRA = {"general_cosine": {"a": [0.5, 0.3, 0.2]}}
OPTIONS = {"exponential": [{"tau": 0.5}, {"center": 2.0}], "gaussian": [{"std": 3.0}],
           "kaiser": [{"beta": 0.5}, {"beta": 0.0}], "general_hamming": [{"alpha": 0.6}]}


@pytest.mark.parametrize("name", gw.__all__)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sym", [True, False])
def test_window_matches_pytorch(name, dtype, sym):
    # the same formulas: equal up to the last bits of sin/cos/exp/i0 (NumPy's and PyTorch's
    # vectorised transcendental functions round differently)
    tol = {"float32": 2e-6, "float64": 1e-14}[dtype]
    for M in (0, 1, 2, 3, 8, 17, 64, 101):
        for opts in [{}] + OPTIONS.get(name, []):
            if "center" in opts and sym:
                continue
            kw = dict(EXTRA.get(name, {}), **opts)
            ours = getattr(gw, name)(M, sym=sym, dtype=getattr(gk, dtype), **kw)
            theirs = getattr(tw, name)(M, sym=sym, dtype=getattr(torch, dtype), **kw)
            assert ours.dtype == getattr(gk, dtype) and ours.shape == tuple(theirs.shape)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol,
                                       err_msg=f"{name} M={M} {kw}")


def test_default_dtype_and_requires_grad():
    w = gw.hann(8, requires_grad=True)
    assert w.dtype == gk.get_default_dtype() and w.requires_grad
    assert gw.hann(8).shape == (8,) and gw.hann(8)[0].item() == 0.0  # symmetric by default


@pytest.mark.parametrize("call, err, msg", [
    (lambda m: m.hann(-1), ValueError, "requires non-negative window length, got M=-1"),
    (lambda m: m.hann(4, dtype=_int(m)), ValueError, "expects float32 or float64 dtypes"),
    (lambda m: m.exponential(4, tau=0.0), ValueError, "Tau must be positive"),
    (lambda m: m.exponential(4, center=1.0), ValueError, "Center must be None for symmetric"),
    (lambda m: m.gaussian(4, std=-1.0), ValueError, "Standard deviation must be positive"),
    (lambda m: m.kaiser(4, beta=-1.0), ValueError, "beta must be non-negative"),
    (lambda m: m.general_cosine(4, a=3), TypeError, "Coefficients must be a list/tuple"),
    (lambda m: m.general_cosine(4, a=[]), ValueError, "Coefficients cannot be empty"),
])
def test_errors_as_pytorch(call, err, msg):
    for mod in (gw, tw):
        with pytest.raises(err, match=msg):
            call(mod)


def _int(mod):
    return gk.int64 if mod is gw else torch.int64
