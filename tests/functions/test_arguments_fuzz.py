"""Argument checks in PyTorch's order and with its exception types: the fuzzer's findings
(tests/fuzz) on list inputs and on out= checks, each against PyTorch."""

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
