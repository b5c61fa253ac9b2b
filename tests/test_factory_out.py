"""The factories' ``out=`` form as PyTorch's (the tensor tutorials' ``torch.rand(2, 2, out=c)``):
values and dtype taken from ``out``, ``out`` resized and returned (the same object), the random
stream unchanged, and a conflicting ``dtype=`` refused with PyTorch's RuntimeError."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

CALLS = {
    "zeros_int_out_resized": lambda L, o: L.zeros(2, 2, out=o(L, (3,), L.int64)),
    "ones": lambda L, o: L.ones((2, 3), out=o(L, (2, 3), L.float32)),
    "full_int32": lambda L, o: L.full((2,), 3, out=o(L, (2,), L.int32)),
    "empty_then_fill": lambda L, o: L.empty(4, out=o(L, (4,), L.float64)).fill_(2),
    "eye": lambda L, o: L.eye(3, out=o(L, (3, 3), L.float32)),
    "arange_float_out": lambda L, o: L.arange(5, out=o(L, (5,), L.float32)),
    "linspace": lambda L, o: L.linspace(0, 1, 4, out=o(L, (4,), L.float64)),
    "logspace": lambda L, o: L.logspace(0, 2, 3, out=o(L, (3,), L.float32)),
    "rand": lambda L, o: L.rand(2, 2, out=o(L, (2, 2), L.float32)),
    "randn": lambda L, o: L.randn(3, out=o(L, (3,), L.float64)),
    "randint_float_out": lambda L, o: L.randint(0, 5, (3,), out=o(L, (3,), L.float32)),
    "randperm": lambda L, o: L.randperm(5, out=o(L, (5,), L.int64)),
}


def _out(L, shape, dtype):
    t = L.full(shape, 9, dtype=dtype)
    _out.made.append(t)
    return t


@pytest.mark.parametrize("name", sorted(CALLS))
def test_factory_out_as_pytorch(name):
    res = []
    for lib in (gk, torch):
        lib.manual_seed(0)
        _out.made = []
        r = CALLS[name](lib, _out)
        res.append((r.numpy().copy(), str(r.dtype).split(".")[-1], r is _out.made[0]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    assert res[0][1:] == res[1][1:]


def test_factory_out_dtype_conflict_raises_runtime_error():
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="does not match"):
            lib.zeros(2, dtype=lib.float64, out=lib.zeros(2))
