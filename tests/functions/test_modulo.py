"""fmod and remainder: every face from one declaration, against PyTorch and finite differences."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.autograd import gradcheck, gradgradcheck

A = np.array([[-3.5, -1.25, 2.0, 5.5], [0.3, -7.1, 4.4, -0.2]])
B = np.array([[2.0, -1.5, 0.7, -2.0], [0.9, 2.2, -1.3, 0.45]])


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_values_and_gradients_match_torch(torch, name):
    ga, gb = gk.tensor(A, requires_grad=True), gk.tensor(B, requires_grad=True)
    ta, tb = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    w = np.random.default_rng(0).standard_normal(A.shape)
    (getattr(gk, name)(ga, gb) * gk.tensor(w)).sum().backward()
    (getattr(torch, name)(ta, tb) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(getattr(gk, name)(ga, gb).detach().numpy(),
                               getattr(torch, name)(ta, tb).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_finite_differences_first_and_second_order(name):
    fn = getattr(gk, name)
    inputs = (gk.tensor(A, requires_grad=True), gk.tensor(B, requires_grad=True))
    assert gradcheck(fn, inputs)
    # second order through a smooth dividend (the op's own second derivative is 0)
    assert gradgradcheck(lambda a, b: fn(a * a, b), inputs)


@pytest.mark.parametrize("name", ["fmod", "remainder"])
@pytest.mark.parametrize("other", [3, -2.5, np.array([2, -3, 4, 5])])
def test_faces_inplace_out_and_scalars_match_torch(torch, name, other):
    a = np.array([5, -7, 8, -1])
    for dtype in (np.int64, np.float32):
        o = other if not isinstance(other, np.ndarray) else gk.tensor(other.astype(dtype))
        to = other if not isinstance(other, np.ndarray) else torch.tensor(other.astype(dtype))
        expect = getattr(torch, name)(torch.tensor(a.astype(dtype)), to)
        if dtype is np.int64 and isinstance(other, float):
            with pytest.raises(RuntimeError, match="can't be cast"):
                getattr(gk.tensor(a.astype(dtype)), name + "_")(o)
        else:
            x = gk.tensor(a.astype(dtype))
            assert getattr(x, name + "_")(o) is x
            np.testing.assert_array_equal(x.numpy(), getattr(torch.tensor(a.astype(dtype)),
                                                             name + "_")(to).numpy())
        got = getattr(gk, name)(gk.tensor(a.astype(dtype)), o)
        assert str(got.dtype) == str(expect.dtype).replace("torch.", "gradkit.")
        np.testing.assert_array_equal(got.numpy(), expect.numpy())
        out = gk.empty(4, dtype=got.dtype)
        assert getattr(gk, name)(gk.tensor(a.astype(dtype)), o, out=out) is out
        np.testing.assert_array_equal(out.numpy(), expect.numpy())


def test_operator_percent_is_remainder_and_keeps_the_graph(torch):
    x = gk.tensor([1.5, -2.5, 7.0], requires_grad=True)
    y = x % 2.0
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal((3 % gk.tensor([2, 5, -2])).numpy(),
                                  (3 % torch.tensor([2, 5, -2])).numpy())


def test_integer_division_by_zero_raises():
    for name in ("fmod", "remainder"):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            getattr(gk, name)(gk.tensor([1, 2]), 0)
    # floats follow IEEE: nan, as in PyTorch
    assert np.isnan(gk.fmod(gk.tensor([1.0]), 0.0).item())


@pytest.mark.parametrize("call", [
    lambda T: T.zeros(0, dtype=T.int32).remainder_(0),
    lambda T: T.zeros(0, dtype=T.int32) % 0,
    lambda T: T.remainder(3, T.zeros(0, dtype=T.int32)),
    lambda T: T.zeros(4, 0, 3, dtype=T.int32).floor_divide_(T.zeros(4, 1, 3, dtype=T.int32)),
    lambda T: T.zeros(4, 1, 3, dtype=T.int64) // T.zeros(4, 0, 3, dtype=T.int64),
    lambda T: T.div(T.zeros(0, dtype=T.int32), 0, rounding_mode="trunc"),
    lambda T: T.fmod(T.zeros(0, dtype=T.uint8), T.zeros(1, dtype=T.uint8)),
    lambda T: T.zeros(2, dtype=T.int32) % 0,  # not empty: both raise
    lambda T: T.fmod(T.zeros(3, dtype=T.int32), T.zeros(1, dtype=T.int32)),
])
def test_integer_division_by_zero_with_an_empty_result_as_torch(call):
    # PyTorch's kernel checks each element it computes: none of an empty result
    import torch

    out = []
    for T in (gk, torch):
        try:
            r = call(T)
        except RuntimeError as e:
            assert "ZeroDivisionError" in str(e)
            out.append(RuntimeError)
            continue
        out.append((tuple(r.shape), str(r.dtype).split(".")[-1]))
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["remainder", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                  "bitwise_right_shift", "bitwise_and"])
def test_number_input_with_out_is_a_type_error_as_torch(name):
    # PyTorch's number-first overload (remainder(3, t)) has no out=: gradkit wrote into out
    torch = pytest.importorskip("torch")
    for m in (torch, gk):
        with pytest.raises(TypeError):
            getattr(m, name)(3, m.tensor([2, 3]), out=m.empty(2, dtype=m.int64))
        assert getattr(m, name)(3, m.tensor([2, 3])).shape == (2,)


@pytest.mark.parametrize("name", ["xlog1py", "zeta"])
def test_special_binary_out_form_as_torch(name):
    # gradkit.special.xlog1py/zeta had no out= (a TypeError for the keyword)
    torch = pytest.importorskip("torch")
    for a, b in [(3, [2.0, 3.0]), ([2.0, 3.0], 3), ([2.0, 3.0], [2.0, 3.0])]:
        res = []
        for m in (torch, gk):
            out = m.empty(2, dtype=m.float64)
            args = [m.tensor(v, dtype=m.float64) if isinstance(v, list) else v for v in (a, b)]
            r = getattr(m.special, name)(*args, out=out)
            assert r is out
            res.append(out.numpy())
        np.testing.assert_allclose(res[1], res[0], rtol=1e-12)
