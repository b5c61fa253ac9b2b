"""Python ints beyond PyTorch's number range (int64/uint64) given as a number argument: gradkit
raises PyTorch's exception type (OverflowError from its argument parser, ValueError from
``tensor()``), never NumPy's TypeError from ``isfinite`` or an object-dtype result; ``float``
parameters (isclose's tolerances, F.pad's value) take the int as its float, as PyTorch's."""

from __future__ import annotations

import pytest
from oracle import run_quietly

import gradkit as gk

torch = pytest.importorskip("torch")

BIG = (10 ** 20, -10 ** 20, 2 ** 64, -2 ** 63 - 1)
DTYPES = ("float32", "float64", "int64", "uint8", "bool", "complex64")


def _x(m, dt):
    return m.ones(2, dtype=getattr(m, dt))


CALLS = {
    "add": lambda m, x, v: x + v, "radd": lambda m, x, v: v + x, "sub": lambda m, x, v: x - v,
    "rsub": lambda m, x, v: v - x, "mul": lambda m, x, v: x * v, "div": lambda m, x, v: x / v,
    "rdiv": lambda m, x, v: v / x, "pow": lambda m, x, v: x ** v,
    "floordiv": lambda m, x, v: x // v, "eq": lambda m, x, v: x == v,
    "lt": lambda m, x, v: x < v, "and": lambda m, x, v: x & v,
    "add_": lambda m, x, v: x.add_(v), "mul_": lambda m, x, v: x.mul_(v),
    "alpha": lambda m, x, v: m.add(x, x, alpha=v),
    "sub_alpha": lambda m, x, v: m.sub(x, x, alpha=v),
    "clamp_max": lambda m, x, v: m.clamp(x, max=v), "clamp_min": lambda m, x, v: m.clamp(x, min=v),
    "clamp_": lambda m, x, v: x.clamp_(v), "clamp_min_fn": lambda m, x, v: m.clamp_min(x, v),
    "full": lambda m, x, v: m.full((2,), v, dtype=x.dtype), "fill_": lambda m, x, v: x.fill_(v),
    "masked_fill": lambda m, x, v: x.masked_fill(m.ones(2, dtype=m.bool), v),
    "addcmul": lambda m, x, v: m.addcmul(x, x, x, value=v),
    "lerp": lambda m, x, v: m.lerp(x, x, v), "float_power": lambda m, x, v: m.float_power(x, v),
    "remainder": lambda m, x, v: m.remainder(x, v), "fmod": lambda m, x, v: m.fmod(x, v),
    "isclose": lambda m, x, v: m.isclose(x, x, atol=v),
    "pad": lambda m, x, v: m.nn.functional.pad(x, (1, 1), value=v),
    "threshold": lambda m, x, v: m.nn.functional.threshold(x, v, 1.0),
    "hardtanh": lambda m, x, v: m.nn.functional.hardtanh(x, v, v),
    "tensor": lambda m, x, v: m.tensor([v, 1]),
    "tensor_dtype": lambda m, x, v: m.tensor(v, dtype=x.dtype),
}


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("v", BIG)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_huge_int_number_argument_as_torch(name, v, dt):
    want, terr = run_quietly(torch, lambda m: CALLS[name](m, _x(m, dt), v))
    got, gerr = run_quietly(gk, lambda m: CALLS[name](m, _x(m, dt), v))
    where = f"{name} dtype={dt} value={v}"
    assert type(gerr) is type(terr), f"{where}: gradkit {gerr!r}, torch {terr!r}"
    if terr is None:
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], where
        assert got.tolist() == want.tolist(), where


def test_huge_int_message_names_op_and_fix():
    with pytest.raises(OverflowError, match=r"clamp\(\): argument 'max' .*pass a float"):
        gk.clamp(gk.ones(2), max=10 ** 20)


def test_int_range_edges_are_taken():
    # the ends of PyTorch's range: int64's least value and uint64's greatest
    for v in (-2 ** 63, 2 ** 64 - 1):
        assert (gk.ones(2) + v).tolist() == (torch.ones(2) + v).tolist()
        assert gk.clamp(gk.ones(2), max=v).tolist() == torch.clamp(torch.ones(2), max=v).tolist()
