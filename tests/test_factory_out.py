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


_LAYOUT_CALLS = {
    "ones": lambda L, **kw: L.ones(2, 3, **kw),
    "zeros": lambda L, **kw: L.zeros(2, **kw),
    "empty": lambda L, **kw: L.empty(2, **kw),
    "full": lambda L, **kw: L.full((2,), 1.5, **kw),
    "rand": lambda L, **kw: L.rand(2, **kw),
    "randn": lambda L, **kw: L.randn(2, **kw),
    "randint": lambda L, **kw: L.randint(0, 5, (2,), **kw),
    "randperm": lambda L, **kw: L.randperm(4, **kw),
    "arange": lambda L, **kw: L.arange(3, **kw),
    "linspace": lambda L, **kw: L.linspace(0, 1, 3, **kw),
    "logspace": lambda L, **kw: L.logspace(0, 1, 3, **kw),
    "eye": lambda L, **kw: L.eye(2, **kw),
    "ones_like": lambda L, **kw: L.ones_like(L.zeros(2, 2), **kw),
    "zeros_like": lambda L, **kw: L.zeros_like(L.zeros(2, 2), **kw),
    "empty_like": lambda L, **kw: L.empty_like(L.zeros(2, 2), **kw),
    "rand_like": lambda L, **kw: L.rand_like(L.zeros(2, 2), **kw),
    "randn_like": lambda L, **kw: L.randn_like(L.zeros(2, 2), **kw),
    "full_like": lambda L, **kw: L.full_like(L.zeros(2, 2), 3.0, **kw),
    "randint_like": lambda L, **kw: L.randint_like(L.zeros(2, 2), 4, **kw),
}


@pytest.mark.parametrize("name", sorted(_LAYOUT_CALLS))
def test_factories_take_layout_and_pin_memory_as_torch(torch, name):
    # torch.ones(2, layout=torch.strided, pin_memory=False) and the *_like forms: a TypeError
    # (unexpected keyword) before; pin_memory=True is PyTorch's RuntimeError without CUDA
    call = _LAYOUT_CALLS[name]
    for kw in ({"layout": None}, {"layout": "strided"}, {"pin_memory": False},
               {"layout": "strided", "pin_memory": False}):
        ours = call(gk, **{k: getattr(gk, v) if isinstance(v, str) else v for k, v in kw.items()})
        theirs = call(torch, **{k: getattr(torch, v) if isinstance(v, str) else v
                                for k, v in kw.items()})
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    with pytest.raises(RuntimeError):
        call(torch, pin_memory=True)
    with pytest.raises(RuntimeError, match="pin_memory"):
        call(gk, pin_memory=True)
    with pytest.raises(TypeError):
        call(torch, layout="strided")
    with pytest.raises(TypeError, match="layout"):
        call(gk, layout="strided")


def test_tensor_takes_pin_memory_and_dense_factories_refuse_a_sparse_layout(torch):
    assert gk.tensor([1.0], pin_memory=False).tolist() == torch.tensor([1.0],
                                                                      pin_memory=False).tolist()
    with pytest.raises(RuntimeError, match="pin_memory"):
        gk.tensor([1.0], pin_memory=True)
    with pytest.raises(RuntimeError):
        torch.ones(2, layout=torch.sparse_coo)
    with pytest.raises(RuntimeError, match="strided"):  # (it was ignored: a dense result)
        gk.ones(2, layout=gk.sparse_coo)
