"""A complex Python number where PyTorch takes a ``Scalar`` (add's ``alpha``, addcmul's
``value``, clamp's bounds, ``x // 1j``, ``x & 1j``, F.pad's value): gradkit raises PyTorch's
exception type (RuntimeError, NotImplementedError, TypeError), not its own TypeError, and takes
the number where PyTorch does."""

from __future__ import annotations

import pytest
from oracle import run_quietly

import gradkit as gk

torch = pytest.importorskip("torch")

DTYPES = ("float32", "int64", "bool", "complex64")


def _x(m, dt):
    return m.ones(2, dtype=getattr(m, dt))


CALLS = {
    "add": lambda m, x, v: m.add(x, x, alpha=v), "sub": lambda m, x, v: m.sub(x, x, alpha=v),
    "rsub": lambda m, x, v: m.rsub(x, x, alpha=v), "add_": lambda m, x, v: x.add_(x, alpha=v),
    "add_number": lambda m, x, v: m.add(x, 2, alpha=v),
    "addcdiv": lambda m, x, v: m.addcdiv(x, x, x, value=v),
    "clamp_max": lambda m, x, v: m.clamp(x, max=v), "clamp_min": lambda m, x, v: m.clamp(x, min=v),
    "clamp_": lambda m, x, v: x.clamp_(v), "clip": lambda m, x, v: m.clip(x, v, v),
    "clamp_min_fn": lambda m, x, v: m.clamp_min(x, v),
    "clamp_max_fn": lambda m, x, v: m.clamp_max(x, v),
    "floordiv": lambda m, x, v: x // v, "rfloordiv": lambda m, x, v: v // x,
    "floor_divide": lambda m, x, v: m.floor_divide(x, v),
    "div_floor": lambda m, x, v: m.div(x, v, rounding_mode="floor"),
    "div_trunc": lambda m, x, v: m.div(x, v, rounding_mode="trunc"),
    "remainder": lambda m, x, v: x % v, "fmod": lambda m, x, v: m.fmod(x, v),
    "bitwise_and": lambda m, x, v: x & v,
    "pad": lambda m, x, v: m.nn.functional.pad(x, (1, 1), value=v),
}


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("v", (1j, 1 + 0j))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_complex_number_argument_as_torch(name, v, dt):
    want, terr = run_quietly(torch, lambda m: CALLS[name](m, _x(m, dt), v))
    got, gerr = run_quietly(gk, lambda m: CALLS[name](m, _x(m, dt), v))
    where = f"{name} dtype={dt} value={v}"
    assert type(gerr) is type(terr), f"{where}: gradkit {gerr!r}, torch {terr!r}"
    if terr is None:
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], where
        assert got.tolist() == want.tolist(), where


@pytest.mark.parametrize("dt", ("float32", "int64"))
@pytest.mark.parametrize("v", (1j, 1 + 0j))
def test_addcmul_complex_value_for_real_tensors(v, dt):
    want, terr = run_quietly(torch, lambda m: m.addcmul(_x(m, dt), _x(m, dt), _x(m, dt), value=v))
    got, gerr = run_quietly(gk, lambda m: m.addcmul(_x(m, dt), _x(m, dt), _x(m, dt), value=v))
    assert type(gerr) is type(terr), (gerr, terr)
    if terr is None:
        assert got.tolist() == want.tolist()


def test_complex_alpha_message_says_how_to_fix():
    with pytest.raises(RuntimeError, match=r"add\(\): for non-complex input tensors, argument "
                                           r"alpha must not be a complex number.*cfloat"):
        gk.add(gk.ones(2), gk.ones(2), alpha=1j)
    with pytest.raises(RuntimeError, match=r"clamp\(\): value cannot be converted"):
        gk.clamp(gk.ones(2), max=1j)


def _mats(m, dt, *shapes):
    import numpy as np

    rng = np.random.default_rng(len(shapes))
    return [m.tensor((rng.standard_normal(s) * 3).round() + (1j * rng.standard_normal(s)
                     if dt.startswith("complex") else 0)).to(getattr(m, dt)) for s in shapes]


PRODUCTS = {
    "addmm": (lambda m, ts, **k: m.addmm(*ts, **k), ((2, 2), (2, 3), (3, 2))),
    "addmm_": (lambda m, ts, **k: ts[0].addmm_(*ts[1:], **k), ((2, 2), (2, 3), (3, 2))),
    "addmv": (lambda m, ts, **k: m.addmv(*ts, **k), ((2,), (2, 3), (3,))),
    "addbmm": (lambda m, ts, **k: m.addbmm(*ts, **k), ((2, 2), (4, 2, 3), (4, 3, 2))),
    "baddbmm": (lambda m, ts, **k: m.baddbmm(*ts, **k), ((4, 2, 2), (4, 2, 3), (4, 3, 2))),
    "addr": (lambda m, ts, **k: m.addr(*ts, **k), ((2, 3), (2,), (3,))),
}


@pytest.mark.parametrize("dt", ["complex64", "complex128", "float32", "int64"])
@pytest.mark.parametrize("kw", [{"alpha": 1 + 2j, "beta": 0.5j}, {"alpha": 0j, "beta": 1 - 1j},
                                {"beta": 2j}])
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_complex_alpha_beta_of_the_fused_products_as_torch(name, kw, dt):
    # PyTorch computes with a complex alpha/beta on complex tensors (gradkit refused it) and
    # raises its RuntimeError on real ones
    fn, shapes = PRODUCTS[name]
    want, terr = run_quietly(torch, lambda m: fn(m, _mats(m, dt, *shapes), **kw))
    got, gerr = run_quietly(gk, lambda m: fn(m, _mats(m, dt, *shapes), **kw))
    assert type(gerr) is type(terr), (gerr, terr)
    if terr is None:
        import numpy as np

        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
