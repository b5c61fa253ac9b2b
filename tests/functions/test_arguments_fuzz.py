"""Argument checks in PyTorch's order and with its exception types: the fuzzer's findings
(tests/fuzz) on list inputs and on out= checks, each against PyTorch."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.functions._args import NotATensorError

torch = pytest.importorskip("torch")

L = [[1.0, 2.0], [3.0, 4.0]]

CASES = {
    # torch/functional.py's Python functions: AttributeError on a list
    "split": lambda m: m.split(L, 1),
    "split_sections": lambda m: m.split(L, [1, 1], dim=1),
    "norm": lambda m: m.norm(L),
    "norm_dim": lambda m: m.norm(L, 1, dim=1, keepdim=True),
    "tensordot_a": lambda m: m.tensordot(L, m.zeros(2, 2)),
    "tensordot_b": lambda m: m.tensordot(m.zeros(2, 2), L),
    # the argument parser refuses a list input before any check of out=
    "logsumexp_out": lambda m: m.logsumexp(L, 0, out=m.empty(2)),
    "any_out": lambda m: m.any(L, out=m.empty(2)),
    # gcd/lcm take Tensors only
    "lcm_int": lambda m: m.lcm(m.ones(2, dtype=m.int64), 6),
    "gcd_int": lambda m: m.ones(2, dtype=m.int64).gcd(6),
    "gcd_int_input": lambda m: m.gcd(6, m.ones(2, dtype=m.int64)),
    # cat/stack: their shape checks come before out's dtype
    "stack_out_sizes": lambda m: m.stack([m.zeros(2, 0), m.zeros(2, 3)], 1,
                                         out=m.empty(0, dtype=m.bool)),
    "cat_out_0d": lambda m: m.cat([m.zeros(2, 3, dtype=m.uint8), m.tensor(-0.25)], dim=1,
                                  out=m.empty(0, dtype=m.uint8)),
    "cat_out_dtype": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)], dim=0,
                                     out=m.empty(0, dtype=m.bool)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_type_as_torch(name):
    with pytest.raises(Exception) as te:
        CASES[name](torch)
    with pytest.raises(type(te.value)):
        CASES[name](gk)


def test_list_to_python_level_functions_says_what_to_pass():
    with pytest.raises(NotATensorError, match=r"split\(\): argument 'tensor' must be a Tensor, "
                                              r"not list"):
        gk.split(L, 1)
    assert issubclass(NotATensorError, AttributeError)


@pytest.mark.parametrize("call", [
    lambda m: m.split(L, 1), lambda m: m.split_with_sizes(L, [1, 1]),
    lambda m: m.unsafe_split(L, 1), lambda m: m.unsafe_split_with_sizes(L, [1, 1]),
    lambda m: m.tensordot(L, m.ones(2, 2), 1, out=m.empty(0)),
])
def test_list_where_a_tensor_is_taken_raises_torchs_type(call):
    """torch's Python-level forms fail with AttributeError, its ATen forms with TypeError: the
    error gradkit raises for a list is both, so an ``except`` written for torch catches it."""
    with pytest.raises(Exception) as ref:
        call(torch)
    with pytest.raises(type(ref.value), match="must be a Tensor, not list"):
        call(gk)


OUT_ORDER = [  # which check PyTorch makes first: out's dtype, or the dims
    "m.amax(m.zeros(3, 4), 2, out=m.empty(0, dtype=m.long))",
    "m.amin(m.zeros(0, 3, 4), (0, 2), keepdim=True, out=m.empty(0, dtype=m.int64))",
    "m.logcumsumexp(m.zeros(3, 4), 3, out=m.empty(0, dtype=m.int32))",
    "m.nanquantile(m.zeros(3, 5, dtype=m.float64), 0.3, dim=2, out=m.empty(0))",
    "m.index_select(m.zeros(0, 4), 0, m.tensor([0, 2]), out=m.empty(0, dtype=m.long))",
    "m.cumsum(m.tensor(0.5), 1, out=m.empty(0, dtype=m.bool))",
    "m.cumprod(m.zeros(3, 4, dtype=m.bool), -4, out=m.empty(0, dtype=m.bool))",
    "m.cumsum(m.zeros(3, 4), 1, out=m.empty(0, dtype=m.bool))",
]


@pytest.mark.parametrize("call", OUT_ORDER)
def test_out_checks_in_torch_order(call):
    with pytest.raises(Exception) as te:
        eval(call, {"m": torch})
    with pytest.raises(type(te.value)):
        eval(call, {"m": gk})


def test_cumsum_of_0d_into_bool_out_as_torch():
    t = torch.cumsum(torch.tensor(0.5), 0, out=torch.empty(0, dtype=torch.bool))
    g = gk.cumsum(gk.tensor(0.5), 0, out=gk.empty(0, dtype=gk.bool))
    assert g.item() == t.item()


ERRORS = {
    "renorm_nan_maxnorm": "m.renorm(m.zeros(2, 3, 2, dtype=m.float64), 3, -1, float('nan'))",
    "masked_fill_uint8_negative_float": "m.zeros(3, 4, dtype=m.uint8).masked_fill("
                                        "m.tensor([False, True, False, False]), -2.0)",
    "masked_fill_uint8_float_above": "m.zeros(3, dtype=m.uint8).masked_fill("
                                     "m.tensor([True, False, True]), 255.9)",
    "logit_float16_eps_overflow": "m.zeros(3, 4, dtype=m.float16).logit(eps=1e10)",
    "softmax_int": "m.softmax(m.zeros(3, 2, dtype=m.int32), 1)",
    "softmax_int_dim0": "m.softmax(m.zeros(3, 2, dtype=m.int32), 0)",
    "log_softmax_long": "m.log_softmax(m.zeros(3, 2, dtype=m.int64), 1)",
    "kthvalue_empty_dim": "m.kthvalue(m.zeros(3, 0, dtype=m.float64), 1, 1)",
    "aminmax_empty_dim": "m.aminmax(m.zeros(0, 4, dtype=m.float64), dim=0, keepdim=True)",
    "aminmax_empty_all": "m.aminmax(m.zeros(0, 4))",
    "topk_bool": "m.topk(m.zeros(3, 5, dtype=m.bool), 2)",
    "neg_bool_inplace": "m.zeros(3, 4, dtype=m.bool).neg_()",
    "diff_0d_append": "m.diff(m.zeros(3, 5), 2, 0, m.zeros(1, 5), m.tensor(0.8))",
    "diff_1d_prepend": "m.diff(m.zeros(3, 5), 1, 0, m.zeros(5))",
    "histogram_bins_dtype": "m.histogram(m.zeros(20, dtype=m.float64), m.tensor([-6, -1, 0, 1]),"
                            " weight=m.zeros(20, dtype=m.float64))",
    "cov_nan_aweights": "m.cov(m.zeros(2, 6, dtype=m.float64), aweights=m.tensor("
                        "[1.0, 1, 1, 1, float('nan'), 1], dtype=m.float64))",
}


RESULTS = [
    "m.median(m.zeros(3, 0, dtype=m.int64))",
    "m.median(m.zeros(0, dtype=m.int32))",
    "m.nanmedian(m.zeros(3, 0, dtype=m.int64))",
    "m.softmax(m.zeros(3, 0, dtype=m.int32), 1)",
    "m.log_softmax(m.zeros(3, 0, dtype=m.int32), 0)",
    "m.softmax(m.zeros(3, 2, dtype=m.int32), 1, dtype=m.float32)",
    "m.zeros(3, dtype=m.uint8).masked_fill(m.tensor([True, False, True]), -2)",
    "m.zeros(3, dtype=m.uint8).masked_fill(m.tensor([True, False, True]), 0.5)",
    "m.cumsum(m.tensor(0.5), 0, out=m.empty(0, dtype=m.bool))",
]


@pytest.mark.parametrize("call", RESULTS)
def test_results_as_torch(call):
    t, g = eval(call, {"m": torch}), eval(call, {"m": gk})
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(g.shape) == tuple(t.shape)
    assert g.tolist() == t.tolist()


def test_logit_eps_gradient_at_nan_as_torch():
    a = np.array([0.05, 0.5, np.nan, 0.97])
    res = []
    for m in (torch, gk):
        x = m.tensor(a, requires_grad=True)
        (g,) = m.autograd.grad(m.logit(x, eps=0.1).sum(), x)
        res.append(g.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12)


MORE_ERRORS = [
    "m.stack([m.tensor(0.5), m.zeros(2, 3)], 1, out=m.empty(0))",  # the dim of a 0-d entry
    "m.trapezoid(m.zeros(3, 5), m.tensor(0.3), dim=1)",
    "m.renorm(m.zeros(2, 3, 2, dtype=m.int32), 4, 3, 0.5)",  # the dim before the dtype
    "m.renorm(m.zeros(2, 3, 2, dtype=m.int32), -1, 3, 0.5)",
]


@pytest.mark.parametrize("call", MORE_ERRORS)
def test_more_errors_as_torch(call):
    with pytest.raises(Exception) as te:
        eval(call, {"m": torch})
    with pytest.raises(type(te.value)):
        eval(call, {"m": gk})


@pytest.mark.parametrize("args", [(1,), (0,), (0, True), (None,), (3, True)])
@pytest.mark.parametrize("dtype", ["float64", "bool", "int32"])
def test_vander_as_torch_vander(args, dtype):
    # torch.vander (not linalg.vander) takes bool and N < 2; N <= 1 gives constants, out of
    # the graph
    a = np.array([3e38, 1.0, 2.0]) if dtype == "float64" else np.array([1, 0, 1])
    t = torch.vander(torch.tensor(a.astype(dtype), requires_grad=dtype == "float64"), *args)
    g = gk.vander(gk.tensor(a.astype(dtype), requires_grad=dtype == "float64"), *args)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert g.requires_grad == t.requires_grad
    np.testing.assert_array_equal(g.detach().numpy(), t.detach().numpy())


SEEDS_6_10 = {  # findings of seeds 6-10
    "repeat_interleave_half_repeats": "m.repeat_interleave(m.zeros(3, 2), m.tensor([1.0, 0.0, "
                                      "2.0], dtype=m.float16), dim=0)",
    "repeat_interleave_bool_repeats": "m.repeat_interleave(m.zeros(3, 2), m.tensor([True, False,"
                                      " True]), dim=0)",
    "repeat_interleave_empty_float": "m.repeat_interleave(m.zeros(3, 2), m.tensor([], "
                                     "dtype=m.float64), dim=0)",
    "repeat_interleave_0d_float": "m.repeat_interleave(m.zeros(3, 2, dtype=m.bool), "
                                  "m.tensor(1.0), dim=1)",
    "round_int_decimals": "m.zeros(3, 4, dtype=m.int32).round(decimals=2)",
    "round_int_decimals_inplace": "m.zeros(3, 4, dtype=m.int32).round_(decimals=2)",
    "cumsum_bool_inplace": "m.zeros(3, 4, dtype=m.bool).cumsum_(1)",
    "cumprod_bool_inplace": "m.zeros(3, 4, dtype=m.bool).cumprod_(1)",
    "sub_bool_alpha": "m.sub(m.zeros(3, 4), m.tensor([[False], [True], [False]]), alpha=0.5)",
    "isin_bool_test": "m.isin(m.zeros(3, 4, dtype=m.int64), m.tensor([False, True]))",
    "isin_bool_elements": "m.isin(m.tensor([True]), m.tensor([False, True]))",
    "take_along_dim_int32": "m.take_along_dim(m.zeros(3, 4), m.zeros(3, 0, dtype=m.int32), "
                            "dim=1)",
    "bitwise_and_bool_input": "m.bitwise_and(True, m.tensor([False, True]), "
                              "out=m.empty(0, dtype=m.bool))",
}




def test_cumsum_inplace_of_int32_still_works():
    t = torch.ones(3, 4, dtype=torch.int32).cumsum_(1)
    g = gk.ones(3, 4, dtype=gk.int32).cumsum_(1)
    assert g.tolist() == t.tolist() and str(g.dtype).endswith("int32")


@pytest.mark.parametrize("call", ["-0.0 & m.tensor([1.5, 2.0])",
                                  "float('inf') & m.tensor([9, 6], dtype=m.uint8)",
                                  "True & m.tensor([False, True])"])
def test_and_operator_with_a_number_on_the_left_as_torch(call):
    try:
        t = eval(call, {"m": torch})
    except Exception as e:  # noqa: BLE001 - the type is compared
        with pytest.raises(type(e)):
            eval(call, {"m": gk})
        return
    assert eval(call, {"m": gk}).tolist() == t.tolist()


ALL_ERRORS = {**ERRORS, **SEEDS_6_10}
assert len(ALL_ERRORS) == len(ERRORS) + len(SEEDS_6_10)  # (no name given twice)


@pytest.mark.parametrize("name", sorted(ALL_ERRORS))
def test_raises_as_torch(name):
    with pytest.raises(Exception) as te:
        eval(ALL_ERRORS[name], {"m": torch})
    with pytest.raises(type(te.value)):
        eval(ALL_ERRORS[name], {"m": gk})
