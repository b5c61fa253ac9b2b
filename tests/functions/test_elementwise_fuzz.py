"""Elementwise ops in float16 and at special values: the fuzzer's findings (tests/fuzz), each
checked against PyTorch. PyTorch's kernels compute float16 in float32 and round once."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
POS16 = (np.abs(R.standard_normal(2000) * 3) + 0.01).astype(np.float16)


def _run(fn, arrays):
    t = fn(torch, *[torch.tensor(a) for a in arrays])
    g = fn(gk, *[gk.tensor(a) for a in arrays])
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    return g.numpy().astype(float), t.numpy().astype(float)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.log2(x),
    lambda m, x: m.log2(x, out=m.empty(0, dtype=m.float64)),  # computed in float16, then cast
    lambda m, x: m.ldexp(m.tensor(np.linspace(-3, 3, 2000)), x),  # 2 ** x rounded in float16
    lambda m, x: m.rsub(x, m.tensor(np.linspace(-3, 3, 2000)), alpha=3),
    lambda m, x: m.lerp(x, m.flip(x, [0]), m.tensor(np.linspace(-1, 2, 2000), dtype=m.float16)),
])
def test_float16_rounded_as_torch(fn):
    g, t = _run(fn, [POS16])
    np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("weight", [float("inf"), -float("inf"), 1.0, 0.7, "tensor"])
def test_lerp_at_special_values_as_torch(weight):
    s = R.standard_normal(12)
    e = R.standard_normal(12)
    s[:8] = [1e30, -1e30, np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0]
    e[:8] = [1e30, 1.0, np.inf, 3.0, 4.0, 0.0, 0.0, 1.0]
    w = np.full(12, np.inf)
    w[::3] = 0.25
    if weight == "tensor":
        g, t = _run(lambda m, a, b, c: m.lerp(a, b, c), [s, e, w])
    else:
        g, t = _run(lambda m, a, b: m.lerp(a, b, weight), [s, e])
    np.testing.assert_array_equal(np.isnan(g), np.isnan(t))
    np.testing.assert_allclose(g, t, rtol=1e-12)


def test_lerp_gradients_as_torch():
    s, e, w = R.standard_normal((3, 4)), R.standard_normal(4), R.standard_normal((3, 1)) * 2
    u = R.standard_normal((3, 4))
    res = []
    for m in (torch, gk):
        ts = [m.tensor(a, requires_grad=True) for a in (s, e, w)]
        y = m.lerp(*ts)
        res.append([g.numpy() for g in m.autograd.grad(y, ts, m.tensor(u))])
    for g, t in zip(*res):
        np.testing.assert_allclose(g, t, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda m, t: m.abs(t), lambda m, t: m.absolute(t), lambda m, t: t.abs(),
    lambda m, t: t.clone().abs_(), lambda m, t: abs(t),
    lambda m, t: m.abs(t, out=m.empty(2, dtype=m.bool)), lambda m, t: m.abs(t[:0]),
])
def test_abs_of_bool_refused_as_torch(call):
    # gradkit returned the bool tensor itself where PyTorch has no bool abs kernel
    with pytest.raises(NotImplementedError):
        call(torch, torch.tensor([True, False]))
    with pytest.raises(NotImplementedError, match="abs"):
        call(gk, gk.tensor([True, False]))
