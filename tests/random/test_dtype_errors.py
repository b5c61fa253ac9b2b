"""Random factories and fills given an integer or bool dtype raise PyTorch's dispatch error
(NotImplementedError naming the kernel and the dtype) instead of returning zeros."""

import pytest

import gradkit as gk

CALLS = {
    "rand": lambda lib, dt: lib.rand(3, dtype=dt),
    "randn": lambda lib, dt: lib.randn(3, dtype=dt),
    "rand_like": lambda lib, dt: lib.rand_like(lib.zeros(3, dtype=dt)),
    "randn_like": lambda lib, dt: lib.randn_like(lib.zeros(3, dtype=dt)),
    "randn_like-strided": lambda lib, dt: lib.randn_like(lib.zeros(3, 2, dtype=dt).t()),
    "uniform_": lambda lib, dt: lib.zeros(3, dtype=dt).uniform_(),
    "normal_": lambda lib, dt: lib.zeros(3, dtype=dt).normal_(),
    "log_normal_": lambda lib, dt: lib.zeros(3, dtype=dt).log_normal_(),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_non_float_dtype_raises_as_torch(torch, name, dtype):
    with pytest.raises(NotImplementedError) as want:
        CALLS[name](torch, getattr(torch, dtype))
    with pytest.raises(NotImplementedError) as got:
        CALLS[name](gk, getattr(gk, dtype))
    # the same kernel and dtype named first, as PyTorch's message starts
    assert str(got.value).split(":")[0] == str(want.value).split(":")[0]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_float_dtypes_still_draw(name):
    for dt in (gk.float16, gk.bfloat16, gk.float32, gk.float64):
        assert CALLS[name](gk, dt).dtype == dt


@pytest.mark.parametrize("bounds", [(), (5,), (1, 5), (-2 ** 63, None)])
def test_random_fill_of_complex_raises_as_torch(torch, bounds):
    # random_ of a complex tensor: the full-range kernel's NotImplementedError for
    # random_(-2**63, None), the bounds check's RuntimeError for other bounds
    with pytest.raises(Exception) as want:
        torch.ones(2, dtype=torch.complex64).random_(*bounds)
    with pytest.raises(Exception) as got:
        gk.ones(2, dtype=gk.complex64).random_(*bounds)
    assert type(got.value) is type(want.value)
