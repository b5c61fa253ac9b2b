"""Python ints beyond PyTorch's number range (int64/uint64) given as a number argument: gradkit
raises PyTorch's exception type (OverflowError from its argument parser, ValueError from
``tensor()``), never NumPy's TypeError from ``isfinite`` or an object-dtype result; ``float``
parameters (isclose's tolerances, F.pad's value) take the int as its float, as PyTorch's."""

from __future__ import annotations

import numpy as np
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


# a huge int as a parameter of a function: a ``Scalar`` parameter raises PyTorch's
# OverflowError (before any other check of the op), a ``float`` one takes it as a float, an
# ``int`` one (a dim, a count, an order) raises its ValueError beyond int64
F_BIG = (10 ** 20, -10 ** 30, 2 ** 63, 2 ** 64 - 1)
F_CALLS = {
    "elu": lambda m, x, v: m.nn.functional.elu(x, alpha=v),
    "elu_": lambda m, x, v: m.nn.functional.elu(x, alpha=v, inplace=True),
    "softplus_beta": lambda m, x, v: m.nn.functional.softplus(x, beta=v),
    "softplus_threshold": lambda m, x, v: m.nn.functional.softplus(x, threshold=v),
    "leaky_relu": lambda m, x, v: m.nn.functional.leaky_relu(x, negative_slope=v),
    "rrelu": lambda m, x, v: m.nn.functional.rrelu(x, lower=v),
    "hardshrink": lambda m, x, v: m.nn.functional.hardshrink(x, v),
    "softshrink": lambda m, x, v: m.nn.functional.softshrink(x, v),
    "renorm": lambda m, x, v: m.renorm(x[None], 2, 0, maxnorm=v),
    "linspace_end": lambda m, x, v: m.linspace(0, v, 3),
    "linspace_start": lambda m, x, v: m.linspace(v, 0, 3),
    "logspace": lambda m, x, v: m.logspace(0, v, 3),
    "arange": lambda m, x, v: m.arange(v),
    "arange_end": lambda m, x, v: m.arange(0, v, 10 ** 19),
    "norm": lambda m, x, v: m.norm(x, p=v),
    "normalize": lambda m, x, v: m.nn.functional.normalize(x, p=v, dim=0),
    "multi_margin_loss": lambda m, x, v: m.nn.functional.multi_margin_loss(
        x[None], m.tensor([0]), margin=v),
    "local_response_norm": lambda m, x, v: m.nn.functional.local_response_norm(
        x[None, None], 1, k=v),
    "bucketize": lambda m, x, v: m.bucketize(v, x),
    # float parameters
    "logit_eps": lambda m, x, v: m.logit(x * 0 + 0.5, eps=v),
    "margin_ranking": lambda m, x, v: m.nn.functional.margin_ranking_loss(x, x, x, margin=v),
    "hinge_embedding": lambda m, x, v: m.nn.functional.hinge_embedding_loss(x, x, margin=v),
    "cosine_embedding": lambda m, x, v: m.nn.functional.cosine_embedding_loss(
        x[None], x[None], m.tensor([-1.0]), margin=v),
    "triplet_margin": lambda m, x, v: m.nn.functional.triplet_margin_loss(
        x[None], x[None], x[None], margin=v),
    "cdist": lambda m, x, v: m.cdist(x[None], x[None], p=v),
    "pdist": lambda m, x, v: m.pdist(m.stack([x, x]), p=v),
    "pairwise_distance": lambda m, x, v: m.nn.functional.pairwise_distance(x, x, p=v),
    # int parameters
    "mvlgamma": lambda m, x, v: m.mvlgamma(x + 5, p=v),
    "polygamma": lambda m, x, v: m.polygamma(v, x),
    "cumsum_dim": lambda m, x, v: m.cumsum(x, v),
    "glu_dim": lambda m, x, v: m.nn.functional.glu(x, v),
    "topk": lambda m, x, v: m.topk(x, v),
    "nll_loss_ignore_index": lambda m, x, v: m.nn.functional.nll_loss(
        x[None], m.tensor([0]), ignore_index=v),
    "histc_bins": lambda m, x, v: m.histc(x, bins=v),
}


@pytest.mark.parametrize("v", F_BIG)
@pytest.mark.parametrize("name", sorted(F_CALLS))
def test_huge_int_function_parameter_as_torch(name, v):
    def call(m):
        return F_CALLS[name](m, m.tensor([-1.0, 0.5], dtype=m.float64), v)

    want, terr = run_quietly(torch, call)
    got, gerr = run_quietly(gk, call)
    where = f"{name} value={v}"
    assert type(gerr) is type(terr), f"{where}: gradkit {gerr!r}, torch {terr!r}"
    if terr is None:
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], where
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=where)


def test_huge_int_parameter_messages_name_op_and_argument():
    with pytest.raises(OverflowError, match=r"elu\(\): argument 'alpha' .*pass a float"):
        gk.nn.functional.elu(gk.ones(2), alpha=10 ** 20)
    with pytest.raises(ValueError, match=r"mvlgamma\(\): argument 'p' .*int64"):
        gk.mvlgamma(gk.ones(2), p=10 ** 20)  # (no hang: refused before the loop over p)


@pytest.mark.parametrize("call", [
    lambda m: m.zeros(2 ** 63), lambda m: m.zeros((2, -2 ** 63 - 1)),
    lambda m: m.ones(2).view(2 ** 63), lambda m: m.ones(2).reshape(2 ** 63),
    lambda m: m.ones(2).repeat(2 ** 63), lambda m: m.ones(3).expand(2 ** 63),
    lambda m: m.randint(0, 5, (2 ** 63,)),
])
def test_size_beyond_int64_is_torchs_type_error(call):
    # PyTorch fails to unpack an int list element beyond int64 (TypeError); gradkit raised a
    # RuntimeError (no memory holds it) or NumPy's OverflowError
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="int64"):
        call(gk)


@pytest.mark.parametrize("call", [
    "x.tile(2 ** 63)", "x.tile((2 ** 63,))", "lib.tile(x, [1, 2 ** 63])",
    "lib.roll(x, (2 ** 63,), (0,))", "lib.movedim(x, (2 ** 63,), (0,))",
    "lib.rot90(x, 1, (0, 2 ** 63))", "lib.roll(x, 2 ** 63, 0)",
])
def test_int_list_element_beyond_int64_raises_torchs_type(call):
    # an element of an int list past int64: PyTorch's TypeError ("failed to unpack"); a lone
    # int where it takes an int[1]: its ValueError
    torch = pytest.importorskip("torch")
    kinds = []
    for lib in (gk, torch):
        x = lib.zeros(2, 2)
        with pytest.raises((TypeError, ValueError)) as info:
            eval(call, {"lib": lib, "x": x})
        kinds.append(info.type)
    assert kinds[0] is kinds[1], (call, kinds)
